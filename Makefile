# cni-bridge: `make` builds build/bin/{bridge,host-local} and the operator's
# command build/bin/cni-bridge (all that `make install` installs); `make
# all` adds the unit tests and test tools; `make check` is the fast tier
# (unit + core integration tests), `make test` every test, ending with one
# line "N passed, N failed".
CC      ?= cc
BUILD   ?= build
PKGS    := libmnl libcjson libnftnl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The user's CFLAGS (default: optimised, with debug info) come after the
# project's own flags, so they can override them; -Werror is the project's
# (WERROR= drops it, for a compiler newer than the code).
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WERROR  ?= -Werror
# Each function and object in its own section, so that the plugins' link
# drops what they do not call (--gc-sections below). No unwind tables: C
# with no pthread_cancel/pthread_exit never unwinds, and they were 12-15 %
# of each stripped plugin (-g still keeps .debug_frame for debuggers;
# sanitizers unwind by frame pointer).
PROJECT_CFLAGS := -std=gnu11 -Wall -Wextra $(WERROR) -D_GNU_SOURCE -fno-strict-aliasing \
                  -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                  -fno-unwind-tables -I. $(PKG_CFLAGS)
ALL_CFLAGS = $(PROJECT_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS  += $(PKG_LIBS) -lpthread
# The plugins and the operator load libnftnl on first use (lib/nft/nftnl_dl.h);
# unit tests and tools that call it directly link it as usual.
PLUGIN_LDLIBS := $(filter-out -lnftnl,$(PKG_LIBS)) -lpthread
# Unused code out, and no page-aligned padding between the text and data
# segments: smaller files and fewer mappings for every exec (issue 14).
PLUGIN_LDFLAGS := -Wl,--gc-sections -Wl,-z,noseparate-code
LDFLAGS += $(EXTRA_LDFLAGS)
DESTDIR ?=
CNI_BIN_DIR ?= /opt/cni/bin
SBIN_DIR ?= /usr/local/sbin
# libnl-route-3 is for the operator command alone (plugin/operator,
# cmd/cni-bridge); the plugins stay on libmnl and never link it.
NL_PKGS   := libnl-3.0 libnl-route-3.0
NL_CFLAGS := $(shell pkg-config --cflags $(NL_PKGS) 2>/dev/null)
NL_LIBS   := $(shell pkg-config --libs $(NL_PKGS) 2>/dev/null)

LIB_SRCS    := $(sort $(wildcard lib/*/*.c))
BRIDGE_SRCS := $(sort $(wildcard plugin/bridge/*.c))
HL_SRCS     := $(sort $(wildcard plugin/host-local/*.c))
OP_SRCS     := $(sort $(wildcard plugin/operator/*.c))
UNIT_SRCS   := $(sort $(wildcard test/unit/test_*.c))
TOOL_SRCS   := $(sort $(wildcard test/tools/*.c))
FUZZ_SRCS   := $(sort $(wildcard test/fuzz/fuzz_*.c))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_A    := $(BUILD)/lib/libcnicommon.a
BRIDGE_A := $(BUILD)/lib/libbridge.a
HL_A     := $(BUILD)/lib/libhostlocal.a
OP_A     := $(BUILD)/lib/liboperator.a
PLUGIN_LIBS := $(BRIDGE_A) $(HL_A) $(LIB_A)
BINS  := $(BUILD)/bin/bridge $(BUILD)/bin/host-local
OP_BIN := $(BUILD)/bin/cni-bridge
UNITS := $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))
TOOLS := $(patsubst test/tools/%.c,$(BUILD)/test/tools/%,$(TOOL_SRCS))

.PHONY: plugins all deps deps-demo test check test-unit test-vm asan-build test-asan test-valgrind \
	fuzz fuzzers demo bench soak install clean format format-check clang-format-version \
	pkg-check
plugins: $(BINS) $(OP_BIN)
all: $(BINS) $(OP_BIN) $(UNITS) $(TOOLS)

# Objects and libraries are kept between runs (they are intermediate files
# of the binaries): a second `make` does nothing.
.SECONDARY:

# Fails at once, naming what is missing, instead of a compiler error about
# a header: the build needs these pkg-config packages (test/deps.sh build).
pkg-check:
	@for p in $(PKGS) $(NL_PKGS); do pkg-config --exists $$p || { \
	  echo "make: pkg-config cannot find $$p: install the build packages (sh test/deps.sh build)" >&2; \
	  exit 1; }; done

# The dependency files name each object both ways, absolute and relative to
# the top: test/run.sh calls make with an absolute BUILD, a person with
# "build", and a header change must rebuild the object either way (a stale
# fuzzer object once reported a crash that was not there).
DEPFLAGS = -MMD -MP -MT $(abspath $@) -MT $(patsubst $(CURDIR)/%,%,$(abspath $@))
$(BUILD)/obj/%.o: %.c | pkg-check
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB_A): $(call obj,$(LIB_SRCS))
$(BRIDGE_A): $(call obj,$(BRIDGE_SRCS))
$(HL_A): $(call obj,$(HL_SRCS))
$(OP_A): $(call obj,$(OP_SRCS))
$(call obj,$(OP_SRCS) cmd/cni-bridge/main.c): PROJECT_CFLAGS += $(NL_CFLAGS)
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/cmd/%/main.o $(PLUGIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(PLUGIN_LIBS) $(PLUGIN_LDLIBS)

# The bridge carries the build id of the host-local linked in the same build,
# so it can run that very host-local in-process instead of exec'ing it
# (lib/ipam/inproc.h); any other IPAM binary is exec'd.
INPROC_C := $(BUILD)/gen/host_local_build_id.c
INPROC_O := $(BUILD)/obj/gen/host_local_build_id.o
$(INPROC_C): $(BUILD)/bin/host-local cmd/bridge/gen_build_id.sh
	@mkdir -p $(dir $@)
	sh cmd/bridge/gen_build_id.sh $< >$@.tmp && mv $@.tmp $@
$(INPROC_O): $(INPROC_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/bin/bridge: $(BUILD)/obj/cmd/bridge/main.o $(INPROC_O) $(PLUGIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(INPROC_O) $(PLUGIN_LIBS) $(PLUGIN_LDLIBS)

# The operator command: its own library, the plugins' libraries for their
# store, config and rule code (not lib/nl: see plugin/operator/kernel.h),
# and libnl-route-3.
$(OP_BIN): $(BUILD)/obj/cmd/cni-bridge/main.o $(OP_A) $(PLUGIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(PLUGIN_LDFLAGS) -o $@ $< $(OP_A) $(PLUGIN_LIBS) $(NL_LIBS) $(PLUGIN_LDLIBS)

$(BUILD)/test/tools/%: $(BUILD)/obj/test/tools/%.o $(PLUGIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(PLUGIN_LIBS) $(LDLIBS)

$(BUILD)/test/test_%: $(BUILD)/obj/test/unit/test_%.o $(PLUGIN_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(PLUGIN_LIBS) $(LDLIBS) -lcmocka

# The Debian packages for each purpose (test/deps.sh build|demo|test).
deps:
	@sh test/deps.sh test
deps-demo:
	@sh test/deps.sh demo

# The ASan+UBSan build of everything, in its own build directory (with
# unwind tables, for whole stacks in its reports).
ASAN_BUILD ?= $(BUILD)/asan
asan-build:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -fasynchronous-unwind-tables" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all

# The whole suite (unit tests, then integration tests in throwaway
# namespaces), again on the sanitizer build, and the unit tests under
# valgrind: one "N passed, N failed" line for all three passes.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan-build
	@sh test/run.sh $(BUILD) full $(ASAN_BUILD)

# The fast tier for the inner loop (a few minutes): the unit tests and the
# core integration tests (test/run.sh's CHECK_TESTS), on the normal build.
check: all
	@sh test/run.sh $(BUILD) check

test-unit: all
	@sh test/run.sh $(BUILD) unit

# The kernel lane alone: VLAN and core integration tests in a QEMU guest on
# Debian's LTS kernel (test/vm/vm.sh; `make deps` sets it up).
test-vm: all
	@sh test/run.sh $(BUILD) vm

# Same suite, binaries built with AddressSanitizer + UBSan.
test-asan: deps
	@$(MAKE) --no-print-directory asan-build
	@SANITIZE=1 sh test/run.sh $(ASAN_BUILD)

test-valgrind: all
	@VALGRIND=1 sh test/run.sh $(BUILD) unit

# The libFuzzer harnesses test/fuzz/fuzz_*.c: the libraries built again
# with clang's fuzzer and sanitizer instrumentation in $(BUILD)/fuzz, the
# harnesses linked against them (they call the parsers' public functions).
FUZZ_BUILD ?= $(BUILD)/fuzz
FUZZERS := $(patsubst test/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRCS))
fuzz:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$${FUZZ_CC:-clang} OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -fasynchronous-unwind-tables" \
	  EXTRA_LDFLAGS="-fsanitize=fuzzer,address,undefined" fuzzers
fuzzers: $(FUZZERS)
$(BUILD)/fuzz_%: $(BUILD)/obj/test/fuzz/fuzz_%.o $(PLUGIN_LIBS)
	$(CC) $(LDFLAGS) -o $@ $< $(PLUGIN_LIBS) $(LDLIBS)

demo: deps-demo
	@$(MAKE) --no-print-directory plugins
	@sh test/demo.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all
	@sh test/bench/run.sh $(BUILD)

# The chaos tests for longer than CI affords: SOAK_ITER SIGKILL rounds
# (t_chaos_kill.sh), then the rest of t_chaos_*.sh.
SOAK_ITER ?= 5000
soak: all
	@CHAOS_ITER=$(SOAK_ITER) CHAOS_SECONDS=$${CHAOS_SECONDS:-7200} TESTS=t_chaos_ \
	  sh test/run.sh $(BUILD) integration

# Each binary is written under a temporary name and renamed into place, so a
# runtime exec'ing the plugin at that moment sees the old or the new file.
install: $(BINS) $(OP_BIN)
	install -d $(DESTDIR)$(CNI_BIN_DIR) $(DESTDIR)$(SBIN_DIR)
	for b in $(BINS); do n=$$(basename $$b); \
	  install -m 0755 $$b $(DESTDIR)$(CNI_BIN_DIR)/.$$n.new && \
	  mv -f $(DESTDIR)$(CNI_BIN_DIR)/.$$n.new $(DESTDIR)$(CNI_BIN_DIR)/$$n || exit 1; done
	install -m 0755 $(OP_BIN) $(DESTDIR)$(SBIN_DIR)/.cni-bridge.new && \
	  mv -f $(DESTDIR)$(SBIN_DIR)/.cni-bridge.new $(DESTDIR)$(SBIN_DIR)/cni-bridge

# One formatter, pinned: Debian 12's clang-format 14 (package clang-format,
# in test/deps.sh test); another major version lays code out differently.
CLANG_FORMAT ?= clang-format
CLANG_FORMAT_MAJOR := 14
FORMAT_FILES = $$(git ls-files '*.c' '*.h')
clang-format-version:
	@$(CLANG_FORMAT) --version 2>/dev/null | grep -q 'version $(CLANG_FORMAT_MAJOR)\.' || { \
	  echo "make: needs clang-format $(CLANG_FORMAT_MAJOR) (Debian 12's clang-format), found:" \
	    "$$($(CLANG_FORMAT) --version 2>&1)" >&2; exit 1; }
format: clang-format-version
	$(CLANG_FORMAT) -i $(FORMAT_FILES)
# Fails, listing the places, when a file is not as `make format` leaves it.
format-check: clang-format-version
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
