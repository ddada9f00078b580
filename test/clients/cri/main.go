// cri-client: the few CRI RuntimeService calls kubelet makes for a pod's
// network, against containerd's CRI plugin, for test/clients/t_cri.sh.
// Built at test time by test/clients/setup.sh against k8s.io/cri-api from
// Debian's containerd source package (never committed) and Debian's grpc.
//
// Usage:
//
//	cri-client -a SOCKET status
//	cri-client -a SOCKET run NAME NAMESPACE UID CGROUP_PARENT [HOSTPORT:PORT/PROTO...]
//	cri-client -a SOCKET inspect ID
//	cri-client -a SOCKET stop|rm ID
//	cri-client -a SOCKET ls
//
// Results go to stdout (run: the sandbox ID; status, inspect: JSON; ls: one
// "ID STATE" line per sandbox); errors to stderr with exit status 1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	rt "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	sock := flag.String("a", "/run/containerd/containerd.sock", "containerd's gRPC socket")
	timeout := flag.Duration("t", 60*time.Second, "timeout of the whole call")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fail(fmt.Errorf("no command (status, run, inspect, stop, rm, ls)"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// Debian's grpc 1.33 predates credentials/insecure; a plain unix dialer
	// avoids depending on which target schemes this grpc resolves.
	conn, err := grpc.DialContext(ctx, "passthrough:///"+*sock, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", *sock)
		}))
	if err != nil {
		fail(fmt.Errorf("connect %s: %w", *sock, err))
	}
	defer conn.Close()
	c := rt.NewRuntimeServiceClient(conn)
	if err := dispatch(ctx, c, args[0], args[1:]); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cri-client:", err)
	os.Exit(1)
}

func need(args []string, n int, usage string) error {
	if len(args) < n {
		return fmt.Errorf("usage: %s", usage)
	}
	return nil
}

func dispatch(ctx context.Context, c rt.RuntimeServiceClient, cmd string, args []string) error {
	switch cmd {
	case "status":
		return status(ctx, c)
	case "run":
		if err := need(args, 4, "run NAME NAMESPACE UID CGROUP_PARENT [HOSTPORT:PORT/PROTO...]"); err != nil {
			return err
		}
		return run(ctx, c, args)
	case "inspect":
		if err := need(args, 1, "inspect ID"); err != nil {
			return err
		}
		return inspect(ctx, c, args[0])
	case "stop":
		if err := need(args, 1, "stop ID"); err != nil {
			return err
		}
		_, err := c.StopPodSandbox(ctx, &rt.StopPodSandboxRequest{PodSandboxId: args[0]})
		return err
	case "rm":
		if err := need(args, 1, "rm ID"); err != nil {
			return err
		}
		_, err := c.RemovePodSandbox(ctx, &rt.RemovePodSandboxRequest{PodSandboxId: args[0]})
		return err
	case "ls":
		return list(ctx, c)
	}
	return fmt.Errorf("unknown command %q", cmd)
}

// status prints the runtime's conditions as {"RuntimeReady": {...}, ...}.
func status(ctx context.Context, c rt.RuntimeServiceClient) error {
	r, err := c.Status(ctx, &rt.StatusRequest{})
	if err != nil {
		return err
	}
	type cond struct {
		Status  bool   `json:"status"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	out := map[string]cond{}
	for _, k := range r.GetStatus().GetConditions() {
		out[k.Type] = cond{k.Status, k.Reason, k.Message}
	}
	return printJSON(out)
}

// parsePort reads HOSTPORT:PORT/PROTO (PROTO tcp or udp) into a PortMapping.
func parsePort(s string) (*rt.PortMapping, error) {
	hp, rest, ok1 := strings.Cut(s, ":")
	cp, proto, ok2 := strings.Cut(rest, "/")
	h, err1 := strconv.Atoi(hp)
	p, err2 := strconv.Atoi(cp)
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("port mapping %q: want HOSTPORT:PORT/PROTO", s)
	}
	m := &rt.PortMapping{HostPort: int32(h), ContainerPort: int32(p)}
	switch proto {
	case "tcp":
		m.Protocol = rt.Protocol_TCP
	case "udp":
		m.Protocol = rt.Protocol_UDP
	default:
		return nil, fmt.Errorf("port mapping %q: protocol tcp or udp", s)
	}
	return m, nil
}

// run makes a pod sandbox the way kubelet does for a pod with hostNetwork
// false, and prints its ID.
func run(ctx context.Context, c rt.RuntimeServiceClient, args []string) error {
	cfg := &rt.PodSandboxConfig{
		Metadata: &rt.PodSandboxMetadata{Name: args[0], Namespace: args[1], Uid: args[2]},
		Hostname: args[0],
		Linux:    &rt.LinuxPodSandboxConfig{CgroupParent: args[3]},
	}
	for _, s := range args[4:] {
		m, err := parsePort(s)
		if err != nil {
			return err
		}
		cfg.PortMappings = append(cfg.PortMappings, m)
	}
	r, err := c.RunPodSandbox(ctx, &rt.RunPodSandboxRequest{Config: cfg})
	if err != nil {
		return err
	}
	fmt.Println(r.PodSandboxId)
	return nil
}

// inspect prints {"state", "ips", "netns"}: the pod's IPs as
// PodSandboxStatus reports them (Ip first, then AdditionalIps), and the
// network namespace path from containerd's verbose info.
func inspect(ctx context.Context, c rt.RuntimeServiceClient, id string) error {
	r, err := c.PodSandboxStatus(ctx, &rt.PodSandboxStatusRequest{PodSandboxId: id, Verbose: true})
	if err != nil {
		return err
	}
	st := r.GetStatus()
	ips := []string{}
	if ip := st.GetNetwork().GetIp(); ip != "" {
		ips = append(ips, ip)
	}
	for _, a := range st.GetNetwork().GetAdditionalIps() {
		ips = append(ips, a.GetIp())
	}
	var info struct {
		RuntimeSpec struct {
			Linux struct {
				Namespaces []struct{ Type, Path string }
			}
		}
	}
	netns := ""
	if err := json.Unmarshal([]byte(r.GetInfo()["info"]), &info); err == nil {
		for _, n := range info.RuntimeSpec.Linux.Namespaces {
			if n.Type == "network" {
				netns = n.Path
			}
		}
	}
	return printJSON(map[string]interface{}{"state": st.GetState().String(), "ips": ips, "netns": netns})
}

func list(ctx context.Context, c rt.RuntimeServiceClient) error {
	r, err := c.ListPodSandbox(ctx, &rt.ListPodSandboxRequest{})
	if err != nil {
		return err
	}
	for _, s := range r.GetItems() {
		fmt.Println(s.GetId(), s.GetState().String())
	}
	return nil
}

func printJSON(v interface{}) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
