# SPDX-License-Identifier: MIT
# netdx: one non-recursive GNU Make file. Artefacts go to .output/.
#   make            build ./netdx
#   make test       deps + unit + sanitizer + corpus + fuzz replay (+ e2e as root)
#   make demo       deps + run netdx on the bundled example capture
#   make bench      benchmarks against libpcap floor and peers (not part of test)
#   make fuzz       build libFuzzer targets (clang)
#   make fuzz-run T=pipeline   fuzz one target FUZZ_TIME s (default 600)
#   make fuzz-corpus           minimise seeds + new corpus into tests/fuzz/seeds
#   make fixtures   regenerate committed fixture captures
#   switches: V=1 (show commands), CC=clang, SAN=1 (build ./netdx with ASan+UBSan)

OUT     ?= .output
PREFIX  ?= /usr/local
CC      ?= cc
CLANG   ?= clang
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

PKGS      := libpcap json-c zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcap -ljson-c -lz)
CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
BASE_CFLAGS := -std=c17 -D_GNU_SOURCE -DNETDX_VERSION='"$(VERSION)"' -Isrc \
	   $(PKG_CFLAGS) $(WARN) -MMD -MP -g
OPT     ?= -O2
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# Release hardening: checked libc calls, stack canaries, PIE, read-only
# relocations resolved at load. Not in sanitizer or fuzz builds (ASan
# replaces the checked calls and _FORTIFY_SOURCE hides errors from it).
HARDEN_CFLAGS  := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now

ifeq ($(SAN),1)
CFLAGS  ?= $(OPT) $(SAN_FLAGS)
LDFLAGS ?= $(SAN_FLAGS)
else
CFLAGS  ?= $(OPT) $(HARDEN_CFLAGS)
LDFLAGS ?= $(HARDEN_LDFLAGS)
endif

# BPF programs (*.bpf.c) are kernel code: never compiled into user objects.
# They become BPF objects and libbpf skeletons through the rules below.
SRCS     := $(sort $(filter-out %.bpf.c,$(shell find src -name '*.c')))
BPF_SRCS := $(sort $(shell find src -name '*.bpf.c'))
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

REL := $(OUT)/rel
SANO := $(OUT)/san
FZ  := $(OUT)/fuzz

REL_LIB_OBJS := $(LIB_SRCS:%.c=$(REL)/%.o)
SAN_LIB_OBJS := $(LIB_SRCS:%.c=$(SANO)/%.o)
UNIT_BINS    := $(UNIT_SRCS:tests/unit/%.c=$(REL)/unit/%)
SAN_UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(SANO)/unit/%)
REPLAY_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=$(SANO)/replay/%)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(FZ)/%)

.PHONY: all clean deps test demo bench fuzz fixtures install unit san-unit \
	corpus-test replay e2e check-deps golden clang-check lint \
	fuzz-run fuzz-corpus

all: netdx

netdx: $(REL)/netdx
	$(Q)cp $< $@

$(REL)/netdx: $(REL)/src/main.o $(REL_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(SANO)/netdx: $(SANO)/src/main.o $(SAN_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(REL)/%.o: %.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) -c -o $@ $<

$(SANO)/%.o: %.c
	$(call msg,CC-SAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(OPT) $(SAN_FLAGS) -c -o $@ $<

$(REL)/unit/%: $(REL)/tests/unit/%.o $(REL_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CRIT_LIBS) -lm

$(SANO)/unit/%: $(SANO)/tests/unit/%.o $(SAN_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) $(CRIT_LIBS) -lm

# Replay driver: the fuzz targets' entry points run over files, under sanitizers.
$(SANO)/replay/%: $(SANO)/tests/fuzz/%.o $(SANO)/tests/fuzz/replay.o $(SAN_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(FZ)/%: tests/fuzz/%.c $(LIB_SRCS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -o $@ $(filter %.c,$^) $(PKG_LIBS) -lm

# BPF object and skeleton per *.bpf.c (none yet: the kernel-drops work adds
# them, with vmlinux.h and bpftool). A user object that includes X.skel.h
# must list it as a prerequisite.
BPF_CLANG_FLAGS := -g -O2 -target bpf -D__TARGET_ARCH_x86 -Isrc
$(OUT)/bpf/%.bpf.o: %.bpf.c
	$(call msg,BPF,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CLANG_FLAGS) -c -o $@ $<

$(OUT)/bpf/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)bpftool gen skeleton $< > $@

deps:
	$(Q)scripts/deps.sh

check-deps:
	$(Q)scripts/deps.sh --check

unit: $(UNIT_BINS)
	$(Q)scripts/run-tests.sh unit $(UNIT_BINS)

san-unit: $(SAN_UNIT_BINS)
	$(Q)scripts/run-tests.sh san-unit $(SAN_UNIT_BINS)

corpus-test: $(REL)/netdx $(SANO)/netdx
	$(Q)NETDX=$(CURDIR)/$(REL)/netdx NETDX_SAN=$(CURDIR)/$(SANO)/netdx scripts/run-tests.sh corpus tests/corpus/*.sh

replay: $(REPLAY_BINS)
	$(Q)scripts/run-tests.sh replay $(REPLAY_BINS)

# Source-tree checks (layering); no build needed.
lint:
	$(Q)scripts/run-tests.sh lint $(wildcard tests/lint/*.sh)

# Test program for the runner e2e test (toy source beside a live capture).
$(REL)/runner_probe: $(REL)/tests/e2e/runner_probe.o $(REL_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

e2e: $(REL)/netdx $(REL)/runner_probe
	$(Q)NETDX=$(CURDIR)/$(REL)/netdx NETDX_PROBE=$(CURDIR)/$(REL)/runner_probe scripts/run-tests.sh e2e $(filter-out tests/e2e/lib.sh,$(wildcard tests/e2e/*.sh))

# The tree must also build warning-free with clang (CI builds both).
clang-check:
	$(Q)$(MAKE) --no-print-directory CC=$(CLANG) OUT=$(OUT)/clang $(OUT)/clang/rel/netdx

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory clang-check
	$(Q)scripts/run-tests.sh --reset
	$(Q)$(MAKE) --no-print-directory lint unit san-unit corpus-test replay e2e
	$(Q)scripts/run-tests.sh --summary

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run.sh

fuzz: $(FUZZ_BINS)

# Real fuzzing, not part of make test; see docs/testing.md.
fuzz-run: $(FZ)/fuzz_$(T)
	$(Q)FZ=$(FZ) scripts/fuzz.sh run $(T) $(FUZZ_FLAGS)

fuzz-corpus: $(FUZZ_BINS)
	$(Q)FZ=$(FZ) scripts/fuzz.sh corpus

fixtures:
	$(Q)tests/fixtures/make-fixtures.sh

install: netdx
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 netdx $(DESTDIR)$(PREFIX)/bin/netdx

clean:
	rm -rf $(OUT) netdx

# Keep every intermediate (test objects): a second 'make test' with nothing
# changed must rebuild nothing.
.SECONDARY:

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
