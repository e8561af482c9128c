# hotvm: an arm64 KVM VMM with the guest firmware interface in userspace.
#
#   make              build/hotvm (static aarch64; cross-compiled on other hosts)
#   make check        unit tests (ASan+UBSan), ACPI tables checked by iasl,
#                     short fuzz runs, end-to-end tests on real arm64 KVM
#                     (emulated arm64 host on x86_64)
#   make demo         the hot-plug demo
#   make fuzz         long fuzzing runs          make bench   benchmarks
#   make soak         the long reliability campaigns (totals in build/soak/)
#   make setup        install/download what the build and tests need
#
# Variables: CROSS_COMPILE (default aarch64-linux-gnu- unless the host is
# arm64), HOTVM_CACHE (download cache, default .cache), FUZZ_SECONDS,
# BENCH_BASE (make bench's baseline revision), BENCH_ARGS.

HOST_ARCH := $(shell uname -m)
ifeq ($(HOST_ARCH),aarch64)
CROSS_COMPILE ?=
else
CROSS_COMPILE ?= aarch64-linux-gnu-
endif

CC       := $(CROSS_COMPILE)gcc
OBJCOPY  := $(CROSS_COMPILE)objcopy
HOSTCC   ?= gcc
FUZZCC   ?= clang
PYTHON   ?= python3

HOTVM_CACHE ?= $(CURDIR)/.cache
export HOTVM_CACHE
SYSROOT  := $(HOTVM_CACHE)/sysroot
B        := build

WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	    -Wmissing-prototypes -Wno-unused-parameter
CFLAGS   ?= -O2 -g
# The cache's sysroot holds the arm64 libfdt/json-c and 6.12 uapi headers
# (Debian 12's own headers predate the SMCCC filter).
TCFLAGS  := $(WARN) $(CFLAGS) -D_GNU_SOURCE -Isrc -I$(SYSROOT)/usr/include \
	    -I$(SYSROOT)/usr/include/aarch64-linux-gnu -MMD -MP
TLDFLAGS := -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
TLIBS    := -lfdt -ljson-c -luring -lpthread

# Source sets. src/fw and src/lib are host-independent (no ioctl, no
# <linux/kvm.h>); src/kvm is the only code that calls ioctl().
FW_SRC   := $(wildcard src/fw/*.c)
LIB_SRC  := $(wildcard src/lib/*.c)
HOST_SRC := $(FW_SRC) $(LIB_SRC)
KVM_SRC  := $(wildcard src/kvm/*.c)
VMM_SRC  := $(wildcard src/vmm/*.c src/dev/*.c)

T_OBJ_DIR := $(B)/target
T_HOST_OBJ := $(HOST_SRC:%.c=$(T_OBJ_DIR)/%.o)
T_KVM_OBJ  := $(KVM_SRC:%.c=$(T_OBJ_DIR)/%.o)
T_VMM_OBJ  := $(VMM_SRC:%.c=$(T_OBJ_DIR)/%.o)

.PHONY: all
all: $(B)/hotvm

$(SYSROOT)/.complete:
	tools/setup --host-only

$(T_OBJ_DIR)/%.o: %.c | $(SYSROOT)/.complete
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -c $< -o $@

$(B)/hotvm: $(T_VMM_OBJ) $(T_KVM_OBJ) $(T_HOST_OBJ)
	$(CC) $(TLDFLAGS) -o $@ $^ $(TLIBS)

# Native, sanitized build of the host-independent code and the devices
# (src/dev: no KVM, the vCPU is an opaque pointer), for unit tests.
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HCFLAGS  := $(WARN) -O1 -g $(SAN) -D_GNU_SOURCE -Isrc -MMD -MP
H_OBJ_DIR := $(B)/host
DEV_SRC  := $(wildcard src/dev/*.c)
H_OBJ    := $(HOST_SRC:%.c=$(H_OBJ_DIR)/%.o) $(DEV_SRC:%.c=$(H_OBJ_DIR)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
HLIBS    := -lcheck -lsubunit -lfdt -ljson-c -luring -lm -lrt -lpthread

$(H_OBJ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HCFLAGS) -c $< -o $@

# json-c calls that tests/unit/jsonfail.h can make fail, as when out of memory.
JSONFAIL := json_object_new_object json_object_new_array json_object_new_string \
	    json_object_new_int json_object_new_int64 json_object_new_uint64 \
	    json_object_new_boolean json_object_object_add json_object_array_add
$(B)/unit/test_api $(B)/unit/test_proto: HTEST_LDFLAGS = $(JSONFAIL:%=-Wl,--wrap=%)

$(B)/unit/%: tests/unit/%.c $(H_OBJ)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HCFLAGS) -Itests -Itests/unit -o $@ $< $(H_OBJ) $(HLIBS) $(HTEST_LDFLAGS)

.PHONY: unit
unit: $(UNIT_BIN)
	$(PYTHON) tools/runtests unit $(UNIT_BIN)

# The ACPI tables checked with ACPICA's iasl (tools/acpicheck), and the
# disassembly of a small configuration kept in docs/acpi-tables.dsl.
ACPI_OBJ := $(H_OBJ_DIR)/src/lib/acpi.o $(H_OBJ_DIR)/src/lib/aml.o

$(B)/tools/acpidump: tools/acpidump.c $(ACPI_OBJ)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HCFLAGS) -o $@ $< $(ACPI_OBJ)

.PHONY: acpi-check acpi-doc
acpi-check: $(B)/tools/acpidump
	tools/acpicheck $(B)/tools/acpidump
acpi-doc: $(B)/tools/acpidump
	tools/acpicheck --write-doc $(B)/tools/acpidump

# libFuzzer targets: tests/fuzz/fuzz_*.c over the host-independent code.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
FCFLAGS  := $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -D_GNU_SOURCE -Isrc -Itests
FUZZ_SECONDS ?= 600

$(B)/fuzz/%: tests/fuzz/%.c $(HOST_SRC)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FCFLAGS) -o $@ $< $(HOST_SRC) -lfdt -ljson-c -lpthread

# fuzz-campaign: FUZZ_RUNS executions per target, then the new coverage is
# merged into the corpora kept in tests/fuzz/corpus/ (which fuzz-short, and so
# make check, replays).
FUZZ_RUNS ?= 100000000

.PHONY: fuzz fuzz-short fuzz-campaign
fuzz-short: $(FUZZ_BIN)
	$(PYTHON) tools/runtests fuzz --seconds 20 $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	$(PYTHON) tools/runtests fuzz --seconds $(FUZZ_SECONDS) $(FUZZ_BIN)
fuzz-campaign: $(FUZZ_BIN)
	$(PYTHON) tools/runtests fuzz --runs $(FUZZ_RUNS) --keep $(FUZZ_BIN)

# Bare-metal arm64 guest payloads: tests/guest/NAME.c or NAME.S, linked with
# the small runtime in tests/guest/lib/ at the start of guest RAM.
GUEST_LIB := $(wildcard tests/guest/lib/*.c tests/guest/lib/*.S)
GUEST_SRC := $(wildcard tests/guest/*.c tests/guest/*.S)
GUEST_BIN := $(patsubst tests/guest/%,$(B)/guest/%.bin,$(basename $(GUEST_SRC)))
GCFLAGS  := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -fno-builtin \
	    -nostdlib -mgeneral-regs-only -fno-pic -fno-stack-protector \
	    -Itests/guest/lib
GLDFLAGS := -nostdlib -static -Wl,-T,tests/guest/lib/guest.ld -Wl,--build-id=none

$(B)/guest/%.elf: tests/guest/%.c $(GUEST_LIB) tests/guest/lib/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS) $(GLDFLAGS) -o $@ $(filter %.c %.S,$^) -lgcc

$(B)/guest/%.elf: tests/guest/%.S $(GUEST_LIB) tests/guest/lib/guest.ld
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS) $(GLDFLAGS) -o $@ $(filter %.c %.S,$^) -lgcc

$(B)/guest/%.bin: $(B)/guest/%.elf
	$(OBJCOPY) -O binary $< $@

# Benchmark guests: bench/guest/NAME.c with bench/guest/lib/ on top of the
# same runtime (build/bench/guest/NAME.bin).
BENCH_LIB := $(wildcard bench/guest/lib/*.c)
BENCH_SRC := $(wildcard bench/guest/*.c)
BENCH_BIN := $(patsubst bench/guest/%.c,$(B)/bench/guest/%.bin,$(BENCH_SRC))

$(B)/bench/guest/%.elf: bench/guest/%.c $(BENCH_LIB) $(GUEST_LIB) tests/guest/lib/guest.ld \
		bench/guest/lib/bench.h tests/guest/lib/guest.h
	@mkdir -p $(dir $@)
	$(CC) $(GCFLAGS) -Ibench/guest/lib $(GLDFLAGS) -o $@ $(filter %.c %.S,$^) -lgcc

$(B)/bench/guest/%.bin: $(B)/bench/guest/%.elf
	$(OBJCOPY) -O binary $< $@

# The floor of a forwarded call (bench/floor/floor.c): a static arm64 KVM
# program of its own (<linux/kvm.h>, libfdt from the sysroot), none of hotvm.
FLOOR_BIN := $(B)/bench/floor/floor

$(FLOOR_BIN): bench/floor/floor.c | $(SYSROOT)/.complete
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) $(TLDFLAGS) -o $@ $< -lfdt

# End-to-end test programs (static arm64) and the case scripts they run in.
E2E_SRC  := $(wildcard tests/e2e/*.c)
E2E_BIN  := $(E2E_SRC:tests/e2e/%.c=$(B)/e2e/%)

$(B)/e2e/%: tests/e2e/%.c $(T_KVM_OBJ) $(T_HOST_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -Itests/e2e $(TLDFLAGS) -o $@ $< $(T_KVM_OBJ) $(T_HOST_OBJ) $(TLIBS)

# Programs for the Linux guest (static arm64): tools/mkguestinitrd puts
# build/linux/NAME in the guest initramfs's /bin.
LGUEST_SRC := $(wildcard tests/linux/*.c)
LGUEST_BIN := $(LGUEST_SRC:tests/linux/%.c=$(B)/linux/%)

$(B)/linux/%: tests/linux/%.c | $(SYSROOT)/.complete
	@mkdir -p $(dir $@)
	$(CC) $(TCFLAGS) -static -o $@ $<

# Everything the end-to-end cases need, laid out as they see it (tests/e2e/README).
TESTROOT := $(B)/testroot
.PHONY: testroot
testroot: $(B)/hotvm $(E2E_BIN) $(GUEST_BIN) $(BENCH_BIN) $(LGUEST_BIN) | setup-full
	tools/mktestroot $(TESTROOT) $(B)/hotvm $(E2E_BIN) $(GUEST_BIN) $(BENCH_BIN) \
		$(LGUEST_BIN)

# The same layout with the benchmark cases (bench/cases/*.sh, bench/*.sh),
# and bin/hotvm-base: hotvm built at the git revision BENCH_BASE
# (tools/benchbase, kept in $(B)/base/SHA/; left out, and table 3 says why,
# when that revision cannot be built, e.g. in a shallow clone). Table 3
# sets the current build's Linux launch-to-exit time against it.
BENCHROOT := $(B)/benchroot
BENCH_BASE ?= a92d37f
.PHONY: benchroot
benchroot: $(B)/hotvm $(BENCH_BIN) $(FLOOR_BIN) $(E2E_BIN) $(LGUEST_BIN) | setup-full
	tools/mktestroot --cases bench/cases $(BENCHROOT) $(B)/hotvm $(BENCH_BIN) $(FLOOR_BIN) \
		$(E2E_BIN) $(LGUEST_BIN) $$(tools/benchbase $(BENCH_BASE) $(B)/base)

# The e2e cases plus the soak campaigns (tests/soak/soak_*.sh: e2e cases
# with campaign parameters), for make soak.
SOAKROOT := $(B)/soakroot
.PHONY: soakroot
soakroot: $(B)/hotvm $(E2E_BIN) $(GUEST_BIN) $(LGUEST_BIN) | setup-full
	tools/mktestroot --more-cases tests/soak $(SOAKROOT) $(B)/hotvm $(E2E_BIN) $(GUEST_BIN) \
		$(LGUEST_BIN)

.PHONY: e2e
e2e: testroot
	tools/testhost --root $(TESTROOT) --results $(B)/results/e2e.txt $(E2E_ARGS)

.PHONY: setup setup-full
setup setup-full:
	tools/setup

.PHONY: check
check: setup-full
	$(MAKE) all
	tools/check

.PHONY: demo
demo: setup-full
	$(MAKE) all
	tools/demo

.PHONY: bench
bench: setup-full
	$(MAKE) all benchroot
	tools/bench --root $(BENCHROOT) --out $(B)/bench --base-status $(B)/base/status \
		$(BENCH_ARGS)

# make soak: 10^6 hostile SMCCC calls, 1000 DT and 1000 ACPI hot-plug
# cycles, 10^4 malformed control messages, 20 kill -9s under disk load
# (tools/soak); SOAK_ARGS="--env KILLS=5" changes a parameter.
.PHONY: soak
soak: setup-full
	$(MAKE) all soakroot
	tools/soak --root $(SOAKROOT) --out $(B)/soak $(SOAK_ARGS)

.PHONY: format
format:
	clang-format -i $(wildcard src/*/*.c src/*/*.h tests/*/*.c tests/*/*.h)

.PHONY: clean
clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
