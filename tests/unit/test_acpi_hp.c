// SPDX-License-Identifier: MIT
/*
 * Unit tests for the CPU hot-plug register block model (src/lib/acpi_hp.c)
 * driven the way the DSDT's methods drive it (docs/acpi.md): CSTA, CEJ0 and
 * the CSCN event scan, written here in C step for step.
 */
#include <string.h>

#include "unit.h"
#include "lib/acpi_hp.h"

static struct acpi_hp hp;
static bool en[ACPI_MAX_CPUS]; /* the firmware core's PSCI gate, faked */

static bool fake_enabled(void *opaque, unsigned int cpu)
{
	ck_assert_ptr_eq(opaque, en);
	return en[cpu];
}

/* acpi_hp_init() with vCPUs 0..nenabled-1 enabled */
static void setup(unsigned int ncpus, unsigned int nenabled)
{
	memset(en, 0, sizeof(en));
	for (unsigned int i = 0; i < nenabled; i++) {
		en[i] = true;
	}
	acpi_hp_init(&hp, ncpus, fake_enabled, en);
}

/* cpu-add as the device does it: enable, then tell the guest */
static bool add(unsigned int cpu)
{
	if (cpu >= hp.ncpus || en[cpu]) {
		return false;
	}
	en[cpu] = true;
	return acpi_hp_insert(&hp, cpu);
}
static unsigned int nnotify;
static struct {
	uint32_t cpu, event;
} notified[64];

/* \_SB.CSTA (i) */
static uint32_t aml_sta(uint32_t cpu)
{
	acpi_hp_write(&hp, ACPI_HP_SEL, cpu, NULL);
	return (acpi_hp_read(&hp, ACPI_HP_STS) & 1) ? 0x0f : 0x0d;
}

/* \_SB.CEJ0 (i), with the device model's part: eject if asked */
static void aml_ej0(uint32_t cpu)
{
	int who;

	acpi_hp_write(&hp, ACPI_HP_SEL, cpu, NULL);
	who = acpi_hp_write(&hp, ACPI_HP_EJECT, 1, NULL);
	if (who >= 0) {
		ck_assert_uint_eq((unsigned int)who, cpu);
		en[who] = false;
		acpi_hp_eject(&hp, (unsigned int)who);
	}
}

/* \_SB.CSCN (): the GED's _EVT */
static void aml_scan(void)
{
	for (unsigned int n = 0; n < hp.ncpus + 1; n++) {
		uint32_t cpu = acpi_hp_read(&hp, ACPI_HP_NEXT), s;

		if (cpu == ACPI_HP_NONE) {
			return;
		}
		uint32_t acked;

		acpi_hp_write(&hp, ACPI_HP_SEL, cpu, NULL);
		s = acpi_hp_read(&hp, ACPI_HP_STS);
		acpi_hp_write(&hp, ACPI_HP_STS, s & 6, &acked);
		ck_assert_uint_eq(acked, s & 6);
		for (uint32_t ev = 1; ev <= 3; ev += 2) {
			if (s & (ev == 1 ? ACPI_HP_INSERT : ACPI_HP_REMOVE)) {
				ck_assert_uint_lt(nnotify, 64);
				notified[nnotify].cpu = cpu;
				notified[nnotify++].event = ev;
			}
		}
	}
	ck_abort_msg("CSCN: the scan did not end");
}

START_TEST(test_init_and_sta)
{
	setup(4, 2);
	ck_assert_uint_eq(aml_sta(0), 0x0f);
	ck_assert_uint_eq(aml_sta(1), 0x0f);
	ck_assert_uint_eq(aml_sta(2), 0x0d);
	ck_assert_uint_eq(aml_sta(3), 0x0d);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_NEXT), ACPI_HP_NONE);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_SEL), 3);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_EJECT), 0);
	/* out-of-range selection: STS reads 0, writes ignored */
	acpi_hp_write(&hp, ACPI_HP_SEL, 4, NULL);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_STS), 0);
	ck_assert_int_eq(acpi_hp_write(&hp, ACPI_HP_EJECT, 1, NULL), -1);
}
END_TEST

START_TEST(test_add_remove)
{
	setup(4, 2);
	nnotify = 0;
	/* cpu-add 2 and 3: one scan notifies both, device check */
	ck_assert(add(2));
	ck_assert(add(3));
	ck_assert(!add(3)); /* already enabled */
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_NEXT), 2);
	aml_scan();
	ck_assert_uint_eq(nnotify, 2);
	ck_assert_uint_eq(notified[0].cpu, 2);
	ck_assert_uint_eq(notified[0].event, 1);
	ck_assert_uint_eq(notified[1].cpu, 3);
	ck_assert_uint_eq(notified[1].event, 1);
	ck_assert_uint_eq(aml_sta(2), 0x0f);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_NEXT), ACPI_HP_NONE);
	/* a second _EVT with nothing pending notifies nothing */
	aml_scan();
	ck_assert_uint_eq(nnotify, 2);

	/* cpu-remove 2: eject request, _EJ0, _STA no longer enabled */
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 2), ACPI_HP_RM_NOTIFY);
	ck_assert(en[2]);
	ck_assert(acpi_hp_removing(&hp, 2));
	/* a second cpu-remove joins the first */
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 2), ACPI_HP_RM_JOINED);
	aml_scan();
	ck_assert_uint_eq(nnotify, 3);
	ck_assert_uint_eq(notified[2].cpu, 2);
	ck_assert_uint_eq(notified[2].event, 3);
	ck_assert_uint_eq(aml_sta(2), 0x0f); /* enabled until the guest ejects */
	ck_assert_uint_eq(acpi_hp_removals(&hp, 2), 0);
	aml_ej0(2);
	ck_assert_uint_eq(acpi_hp_removals(&hp, 2), 1);
	ck_assert_uint_eq(aml_sta(2), 0x0d);
	ck_assert(!en[2]);
	ck_assert(!acpi_hp_removing(&hp, 2));
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 2), ACPI_HP_RM_DISABLED); /* not enabled any more */
	/* an eject of a disabled vCPU changes nothing */
	acpi_hp_write(&hp, ACPI_HP_SEL, 2, NULL);
	ck_assert_int_eq(acpi_hp_write(&hp, ACPI_HP_EJECT, 1, NULL), -1);
	ck_assert_int_eq(acpi_hp_write(&hp, ACPI_HP_EJECT, 2, NULL), -1); /* bit 0 clear */
}
END_TEST

START_TEST(test_w1c_keeps_unseen_events)
{
	setup(4, 4);
	/* the guest read STS of vCPU 1 (nothing pending), then hotvm asks a removal */
	acpi_hp_write(&hp, ACPI_HP_SEL, 1, NULL);
	uint32_t s = acpi_hp_read(&hp, ACPI_HP_STS);
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 1), ACPI_HP_RM_NOTIFY);
	acpi_hp_write(&hp, ACPI_HP_STS, s & 6, NULL);
	/* the request survives the guest's clearing of what it saw */
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_NEXT), 1);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_STS), ACPI_HP_ENABLED | ACPI_HP_REMOVE);
	/* writing bit 0 does not disable */
	acpi_hp_write(&hp, ACPI_HP_STS, 0xffffffff, NULL);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_STS), ACPI_HP_ENABLED);
}
END_TEST

START_TEST(test_timeout_and_reset)
{
	setup(8, 8);
	nnotify = 0;
	/* timeout before the guest looked: no eject request left behind */
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 5), ACPI_HP_RM_NOTIFY);
	ck_assert(!acpi_hp_cancel_remove(&hp, 5)); /* the guest never looked */
	ck_assert(!acpi_hp_removing(&hp, 5));
	aml_scan();
	ck_assert_uint_eq(nnotify, 0);
	ck_assert(en[5]);
	/* timeout after the guest read the request (and refused to eject) */
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 4), ACPI_HP_RM_NOTIFY);
	aml_scan();
	ck_assert_uint_eq(nnotify, 1);
	ck_assert(acpi_hp_cancel_remove(&hp, 4));
	ck_assert(!acpi_hp_removing(&hp, 4));
	ck_assert_uint_eq(aml_sta(4), 0x0f);
	/* reset drops everything in flight; enabled is the core's */
	en[6] = false;
	ck_assert(add(6));
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 7), ACPI_HP_RM_NOTIFY);
	acpi_hp_write(&hp, ACPI_HP_SEL, 7, NULL);
	acpi_hp_reset(&hp);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_SEL), 0);
	ck_assert_uint_eq(acpi_hp_read(&hp, ACPI_HP_NEXT), ACPI_HP_NONE);
	ck_assert(!acpi_hp_removing(&hp, 7));
	ck_assert_uint_eq(acpi_hp_removals(&hp, 7), 0); /* a reset removes nothing by itself */
	ck_assert_uint_eq(aml_sta(6), 0x0f);
	ck_assert_uint_eq(aml_sta(7), 0x0f);
}
END_TEST

START_TEST(test_512)
{
	setup(512, 1);
	nnotify = 0;
	ck_assert(add(511));
	ck_assert(!add(512));
	ck_assert(!acpi_hp_insert(&hp, 512));
	aml_scan();
	ck_assert_uint_eq(nnotify, 1);
	ck_assert_uint_eq(notified[0].cpu, 511);
	ck_assert_uint_eq(aml_sta(511), 0x0f);
	ck_assert_uint_eq(aml_sta(510), 0x0d);
}
END_TEST

/* cpu-remove before the guest read the device check: the guest never saw it */
START_TEST(test_remove_unseen)
{
	setup(4, 2);
	nnotify = 0;
	ck_assert(add(3));
	ck_assert_int_eq(acpi_hp_request_remove(&hp, 3), ACPI_HP_RM_UNSEEN);
	ck_assert(!acpi_hp_removing(&hp, 3));
	en[3] = false; /* the device disables it at once */
	aml_scan();
	ck_assert_uint_eq(nnotify, 0);
	ck_assert_uint_eq(aml_sta(3), 0x0d);
	/* an STS write clearing nothing pending acknowledges nothing */
	uint32_t acked = 99;
	acpi_hp_write(&hp, ACPI_HP_SEL, 3, NULL);
	acpi_hp_write(&hp, ACPI_HP_STS, 6, &acked);
	ck_assert_uint_eq(acked, 0);
}
END_TEST

static Suite *acpi_hp_suite(void)
{
	Suite *s = suite_create("acpi_hp");
	TCase *tc = tcase_create("acpi_hp");

	tcase_add_test(tc, test_init_and_sta);
	tcase_add_test(tc, test_add_remove);
	tcase_add_test(tc, test_w1c_keeps_unseen_events);
	tcase_add_test(tc, test_timeout_and_reset);
	tcase_add_test(tc, test_512);
	tcase_add_test(tc, test_remove_unseen);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(acpi_hp_suite());
}
