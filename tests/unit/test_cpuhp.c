// SPDX-License-Identifier: MIT
/*
 * Unit tests for the CPU hot-plug device (src/dev/cpuhp.c) over the real
 * firmware core: the guest's side through MMIO, as the DSDT's methods do it
 * (docs/acpi.md), and hotvm's side (cpu-add, cpu-remove, timeout, reset),
 * with the events and GED pulses each step gives.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "dev/cpuhp.h"
#include "fw/fw.h"

#define BASE 0x1020000ull
#define NCPUS 4
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON64 0xc4000003u

static struct fw *fw;
static struct cpuhp *hp;
static unsigned int pulses;
static char events[64][48];
static unsigned int nevents;

static bool op_enabled(void *o, unsigned int cpu)
{
	return fw_enabled(fw, cpu);
}
static int op_enable(void *o, unsigned int cpu)
{
	return fw_enable(fw, cpu);
}
static int op_disable(void *o, unsigned int cpu)
{
	return fw_disable(fw, cpu);
}
static void op_pulse(void *o)
{
	pulses++;
}
static void op_event(void *o, const char *type, unsigned int cpu, const char *kind)
{
	ck_assert_uint_lt(nevents, 64);
	snprintf(events[nevents++], sizeof(events[0]), "%s %u%s%s", type, cpu, kind ? " " : "",
		 kind ? kind : "");
}
static int fake_cpu_on(void *o, unsigned int caller, unsigned int cpu, uint64_t entry,
		       uint64_t ctx)
{
	return 0;
}

static const struct fw_platform plat = { .cpu_on = fake_cpu_on };

static void setup(void)
{
	struct fw_config cfg = { .ncpus = NCPUS, .nenabled = 2 };
	const struct cpuhp_ops ops = {
		.enabled = op_enabled,
		.enable = op_enable,
		.disable = op_disable,
		.pulse = op_pulse,
		.event = op_event,
	};

	fw = fw_create(&cfg, &plat, NULL);
	ck_assert_ptr_nonnull(fw);
	hp = cpuhp_create(BASE, NCPUS, &ops);
	ck_assert_ptr_nonnull(hp);
	pulses = nevents = 0;
}

static void teardown(void)
{
	cpuhp_destroy(hp);
	fw_destroy(fw);
}

static uint32_t rd(uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	cpuhp_mmio(NULL, BASE + off, (uint8_t *)&v, 4, false, hp);
	return v;
}

static void wr(uint64_t off, uint32_t v)
{
	cpuhp_mmio(NULL, BASE + off, (uint8_t *)&v, 4, true, hp);
}

/* The event list so far, as one string, then forgotten. */
static const char *took(void)
{
	static char all[1024];

	all[0] = '\0';
	for (unsigned int i = 0; i < nevents; i++) {
		strcat(all, i ? ", " : "");
		strcat(all, events[i]);
	}
	nevents = 0;
	return all;
}

/* \_SB.CSCN: what the GED's _EVT does; returns the notifications, e.g. "2:1 3:3". */
static const char *scan(void)
{
	static char out[128];

	out[0] = '\0';
	for (unsigned int n = 0; n <= NCPUS; n++) {
		uint32_t cpu = rd(ACPI_HP_NEXT), s;

		if (cpu == ACPI_HP_NONE) {
			return out;
		}
		wr(ACPI_HP_SEL, cpu);
		s = rd(ACPI_HP_STS);
		wr(ACPI_HP_STS, s & 6);
		if (s & ACPI_HP_INSERT) {
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%u:1", *out ? " " : "",
				 cpu);
		}
		if (s & ACPI_HP_REMOVE) {
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%u:3", *out ? " " : "",
				 cpu);
		}
	}
	ck_abort_msg("the scan did not end");
	return NULL;
}

static uint32_t sta(uint32_t cpu)
{
	wr(ACPI_HP_SEL, cpu);
	return rd(ACPI_HP_STS) & ACPI_HP_ENABLED;
}

static void ej0(uint32_t cpu)
{
	wr(ACPI_HP_SEL, cpu);
	wr(ACPI_HP_EJECT, 1);
}

static int64_t psci(unsigned int cpu, uint32_t id, uint64_t a0)
{
	struct fw_call c = { .id = id };

	c.args[0] = a0;
	c.args[1] = 0x80000000;
	fw_call(fw, cpu, &c);
	return (int64_t)c.ret[0];
}

/* The guest onlines @cpu: PSCI CPU_ON from vCPU 0, the target starts. */
static int64_t guest_online(unsigned int cpu)
{
	int64_t r = psci(0, PSCI_CPU_ON64, fw_mpidr(fw, cpu));

	if (r == 0) {
		ck_assert_int_eq(fw_online(fw, cpu), 0);
	}
	return r;
}

START_TEST(test_add_then_remove)
{
	ck_assert_uint_eq(sta(2), 0);
	ck_assert_int_eq(guest_online(2), -3); /* DENIED */
	ck_assert_int_eq(cpuhp_add(hp, 2), CPUHP_CHANGED);
	ck_assert_uint_eq(pulses, 1);
	ck_assert_str_eq(took(), "cpu-enabled 2, cpu-notify 2 device-check");
	ck_assert_int_eq(cpuhp_add(hp, 2), CPUHP_UNCHANGED); /* no second notice */
	ck_assert_uint_eq(pulses, 1);
	ck_assert_str_eq(scan(), "2:1");
	ck_assert_str_eq(took(), "cpu-notified 2 device-check");
	ck_assert_uint_eq(sta(2), 1);
	ck_assert_int_eq(guest_online(2), 0);

	/* cpu-remove: eject request; the guest must power it off before _EJ0 */
	ck_assert_int_eq(cpuhp_remove(hp, 2), CPUHP_WAIT);
	ck_assert_uint_eq(pulses, 2);
	ck_assert(cpuhp_removing(hp, 2));
	ck_assert_int_eq(cpuhp_add(hp, 2), -EBUSY);
	ck_assert_str_eq(took(), "cpu-notify 2 eject-request");
	ck_assert_str_eq(scan(), "2:3");
	ck_assert_str_eq(took(), "cpu-notified 2 eject-request");
	ej0(2); /* still on: refused, _STA still enabled */
	ck_assert_str_eq(took(), "cpu-eject-refused 2 still-on");
	ck_assert_uint_eq(sta(2), 1);
	ck_assert(cpuhp_removing(hp, 2));
	ck_assert_int_eq(psci(2, PSCI_CPU_OFF, 0), 0); /* CPU_OFF does not return: 0 here */
	ck_assert_int_eq(fw_state(fw, 2), FW_POWER_OFF);
	ej0(2);
	ck_assert_str_eq(took(), "cpu-ejected 2 requested, cpu-disabled 2");
	ck_assert_uint_eq(sta(2), 0);
	ck_assert(!fw_enabled(fw, 2));
	ck_assert(!cpuhp_removing(hp, 2));
	ck_assert_int_eq(guest_online(2), -3);
	ck_assert_int_eq(cpuhp_remove(hp, 2), CPUHP_UNCHANGED);
	ck_assert_str_eq(scan(), "");
}
END_TEST

START_TEST(test_remove_unseen_and_boot_cpu)
{
	ck_assert_int_eq(cpuhp_add(hp, 3), CPUHP_CHANGED);
	took();
	/* removed before the guest read its device check: disabled at once */
	ck_assert_int_eq(cpuhp_remove(hp, 3), CPUHP_CHANGED);
	ck_assert_str_eq(took(), "cpu-disabled 3 never-seen");
	ck_assert(!fw_enabled(fw, 3));
	ck_assert_str_eq(scan(), "");
	ck_assert_int_eq(cpuhp_remove(hp, 0), -EPERM);
	ck_assert_int_eq(cpuhp_remove(hp, NCPUS), -EINVAL);
	ck_assert_int_eq(cpuhp_add(hp, NCPUS), -EINVAL);
	/* the guest ejecting vCPU 0 (or a running vCPU) changes nothing */
	ej0(0);
	ck_assert_str_eq(took(), "cpu-eject-refused 0 boot-cpu");
	ck_assert_uint_eq(sta(0), 1);
	/* a guest-initiated eject of an off vCPU (sysfs eject) is taken */
	ej0(1);
	ck_assert_str_eq(took(), "cpu-ejected 1 guest, cpu-disabled 1");
	ck_assert(!fw_enabled(fw, 1));
}
END_TEST

START_TEST(test_cancel)
{
	/* timeout before the guest looked: the request is withdrawn */
	ck_assert_int_eq(cpuhp_remove(hp, 1), CPUHP_WAIT);
	ck_assert(!cpuhp_cancel(hp, 1));
	ck_assert(!cpuhp_removing(hp, 1));
	ck_assert_str_eq(scan(), "");
	/* timeout after the guest read it and did not eject */
	ck_assert_int_eq(cpuhp_remove(hp, 1), CPUHP_WAIT);
	ck_assert_str_eq(scan(), "1:3");
	ck_assert(cpuhp_cancel(hp, 1));
	ck_assert(fw_enabled(fw, 1));
	ck_assert_uint_eq(sta(1), 1);
	/* and a new removal works */
	ck_assert_int_eq(cpuhp_remove(hp, 1), CPUHP_WAIT);
	ck_assert_str_eq(scan(), "1:3");
	ej0(1);
	ck_assert(!fw_enabled(fw, 1));
}
END_TEST

START_TEST(test_reset)
{
	/* vCPU 1 on, removal asked and read; vCPU 3 added, not read */
	ck_assert_int_eq(guest_online(1), 0);
	ck_assert_int_eq(cpuhp_remove(hp, 1), CPUHP_WAIT);
	ck_assert_str_eq(scan(), "1:3");
	ck_assert_int_eq(cpuhp_add(hp, 3), CPUHP_CHANGED);
	wr(ACPI_HP_SEL, 3);
	took();
	/* guest reboot: every vCPU off but 0, then the device */
	fw_reset(fw);
	cpuhp_reset(hp);
	ck_assert_str_eq(took(), "cpu-ejected 1 reset, cpu-disabled 1");
	ck_assert(!fw_enabled(fw, 1));
	ck_assert(!cpuhp_removing(hp, 1));
	ck_assert(fw_enabled(fw, 3)); /* the rebooted guest finds it in _STA */
	ck_assert_uint_eq(rd(ACPI_HP_SEL), 0);
	ck_assert_uint_eq(rd(ACPI_HP_NEXT), ACPI_HP_NONE);
	ck_assert_uint_eq(sta(3), 1);
}
END_TEST

START_TEST(test_access_sizes)
{
	uint8_t b[8];

	ck_assert_int_eq(cpuhp_add(hp, 2), CPUHP_CHANGED);
	/* only aligned 32-bit accesses inside the block do anything */
	memset(b, 0xff, sizeof(b));
	cpuhp_mmio(NULL, BASE + ACPI_HP_NEXT, b, 1, false, hp);
	ck_assert_uint_eq(b[0], 0);
	cpuhp_mmio(NULL, BASE + ACPI_HP_NEXT, b, 8, false, hp);
	ck_assert_uint_eq(b[0] | b[7], 0);
	memset(b, 0xff, sizeof(b));
	cpuhp_mmio(NULL, BASE + ACPI_HP_SEL + 2, b, 4, false, hp);
	ck_assert_uint_eq(b[0], 0);
	ck_assert_uint_eq(rd(0x10), 0);
	ck_assert_uint_eq(rd(CPUHP_SIZE - 4), 0);
	b[0] = 2;
	cpuhp_mmio(NULL, BASE + ACPI_HP_SEL, b, 1, true, hp); /* ignored */
	ck_assert_uint_eq(rd(ACPI_HP_SEL), 0);
	ck_assert_uint_eq(rd(ACPI_HP_NEXT), 2);
	/* an out-of-range selection reads 0 and ejects nothing */
	wr(ACPI_HP_SEL, 1000);
	ck_assert_uint_eq(rd(ACPI_HP_STS), 0);
	wr(ACPI_HP_EJECT, 1);
	ck_assert_uint_eq(rd(ACPI_HP_EJECT), 0);
}
END_TEST

static Suite *cpuhp_suite(void)
{
	Suite *s = suite_create("cpuhp");
	TCase *tc = tcase_create("cpuhp");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_then_remove);
	tcase_add_test(tc, test_remove_unseen_and_boot_cpu);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_access_sizes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(cpuhp_suite());
}
