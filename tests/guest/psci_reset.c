// SPDX-License-Identifier: MIT
/*
 * SYSTEM_RESET in-process reboots. The guest counts its boots in a RAM
 * word beyond its image (hotvm keeps RAM that no image covers across a
 * reset and reloads the images): boot 0 resets from CPU 0 with CPU 1 on,
 * boot 1 resets from CPU 1 over SMC, boot 2 uses SYSTEM_RESET2 (warm
 * reset) if offered, boot 3 checks the count and calls SYSTEM_OFF. Every
 * boot checks that the image was reloaded and that secondaries are off.
 * Needs >= 2 CPUs and -m 64.
 */
#include "guest.h"

#define PERSIST_ADDR	(RAM_BASE + 0x01800000)	/* 24 MiB into RAM */
#define PERSIST_MAGIC	0x7265626f6f74636eull
#define BOOTS		4

struct persist {
	uint64_t magic;
	uint64_t boots;
	uint64_t tests_run, tests_failed;
	int64_t cpu_on_result;	/* boot 1's CPU_ON, checked by boot 2 */
};

/* in the image: must be back to this value after every reset */
static volatile uint64_t image_word = 0x1234abcd5678ef00ull;
static volatile uint64_t bss_word;

static void clean_dcache(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~63ul, end = (uintptr_t)p + len;

	for (; a < end; a += 64)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" ::: "memory");
}

static void save(struct persist *p)
{
	p->tests_run = tests_run;
	p->tests_failed = tests_failed;
	clean_dcache(p, sizeof(*p));
}

static void spin_forever(unsigned int cpu, uint64_t arg)
{
	(void)cpu;
	(void)arg;
	for (;;)
		__asm__ volatile("wfe");
}

static struct persist *pers;

static void reset_from_cpu1(unsigned int cpu, uint64_t arg)
{
	int64_t r;

	(void)arg;
	/* wait for CPU 0 to record its CPU_ON's answer */
	while (load_acquire((volatile uint64_t *)&pers->cpu_on_result) == 1)
		cpu_relax();
	r = r32(smccc(SMC, PSCI_SYSTEM_RESET, 0, 0, 0).a0);
	printf("# cpu %u: SYSTEM_RESET over SMC returned %ld\n", cpu, r);
}

int guest_main(void)
{
	struct persist *p = (struct persist *)(uintptr_t)PERSIST_ADDR;
	uint64_t boot;
	int64_t r;

	pers = p;
	if (plat.ram_base + plat.ram_size < PERSIST_ADDR + 4096)
		fail_fatal("needs at least 32 MiB of RAM");
	if (plat.dtb >= PERSIST_ADDR - 0x10000 && plat.dtb < PERSIST_ADDR + 4096)
		fail_fatal("the DTB is where the boot counter lives");
	if (p->magic != PERSIST_MAGIC) {
		memset(p, 0, sizeof(*p));
		p->magic = PERSIST_MAGIC;
	}
	boot = p->boots++;
	tests_resume(p->tests_run, p->tests_failed);
	note("boot %lu", boot);
	expect_eq(image_word, 0x1234abcd5678ef00ull,
		  "boot %lu: the image is fresh (reloaded by the reset)", boot);
	expect_eq(bss_word, 0, "boot %lu: .bss is zero", boot);
	image_word = 0;
	bss_word = 1;
	if (boot > 0) {
		expect_eq(affinity(1), AFF_OFF,
			  "boot %lu: cpu 1 is OFF after the reset", boot);
		expect_eq(psci0(PSCI_VERSION) >= 0x10000, 1,
			  "boot %lu: PSCI answers after the reset", boot);
	}

	switch (boot) {
	case 0:
		expect_eq(cpu_on(1, spin_forever, 0), PSCI_SUCCESS,
			  "boot 0: CPU_ON(cpu 1), left running");
		check(wait_affinity(1, AFF_ON, 5000), "boot 0: cpu 1 is ON");
		save(p);
		r = psci0(PSCI_SYSTEM_RESET);
		fail_fatal("boot 0: SYSTEM_RESET returned %ld", r);
	case 1:
		/* cpu 1 may reset before we could print: report next boot */
		note("boot 1: CPU_ON(cpu 1), which calls SYSTEM_RESET over SMC");
		p->cpu_on_result = 1;
		save(p);
		store_release((volatile uint64_t *)&p->cpu_on_result,
			      (uint64_t)cpu_on(1, reset_from_cpu1, 0));
		clean_dcache(p, sizeof(*p));
		udelay(10000000);
		fail_fatal("boot 1: still running 10 s after cpu 1's SYSTEM_RESET");
	case 2:
		expect_eq(p->cpu_on_result, PSCI_SUCCESS,
			  "boot 1: CPU_ON(cpu 1) succeeded and cpu 1 reset the system");
		if (psci1(PSCI_FEATURES, PSCI_SYSTEM_RESET2) >= 0) {
			save(p);
			r = psci2(PSCI_SYSTEM_RESET2, 0, 0);
			fail_fatal("boot 2: SYSTEM_RESET2(warm) returned %ld", r);
		}
		skip("not offered", "SYSTEM_RESET2");
		save(p);
		r = psci0(PSCI_SYSTEM_RESET);
		fail_fatal("boot 2: SYSTEM_RESET returned %ld", r);
	default:
		expect_eq(boot, BOOTS - 1, "%d boots counted in RAM", BOOTS);
		/* leave nothing behind for a later run in the same RAM */
		p->magic = 0;
		clean_dcache(p, sizeof(*p));
		return 0;
	}
}
