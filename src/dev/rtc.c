// SPDX-License-Identifier: MIT
/*
 * PL031 RTC (ARM DDI 0224). The counter is host wall-clock time plus an
 * offset the guest sets through the load register. The match interrupt is
 * not wired (no "interrupts" in the DT), so the guest has no RTC alarm.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dev/rtc.h"

#define RTCDR	0x00
#define RTCMR	0x04
#define RTCLR	0x08
#define RTCCR	0x0c
#define RTCIMSC	0x10
#define RTCRIS	0x14
#define RTCMIS	0x18
#define RTCICR	0x1c
#define RTCID	0xfe0

/* Peripheral and PrimeCell IDs the AMBA bus matches at 0xfe0..0xffc. */
static const uint8_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

struct rtc {
	uint64_t base;
	pthread_mutex_t lock;
	int64_t offset;
	uint32_t mr, imsc;
};

static uint32_t now(const struct rtc *r)
{
	return (uint32_t)((int64_t)time(NULL) + r->offset);
}

void rtc_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
	      bool is_write, void *opaque)
{
	struct rtc *r = opaque;
	unsigned int off = (unsigned int)(addr - r->base);
	uint32_t v = 0;

	if (is_write) {
		memcpy(&v, data, len < 4 ? len : 4);
	}
	pthread_mutex_lock(&r->lock);
	if (is_write) {
		switch (off) {
		case RTCMR:
			r->mr = v;
			break;
		case RTCLR:
			r->offset = (int64_t)v - (int64_t)time(NULL);
			break;
		case RTCIMSC:
			r->imsc = v & 1;
			break;
		}
	} else {
		if (off == RTCDR) {
			v = now(r);
		} else if (off == RTCMR) {
			v = r->mr;
		} else if (off == RTCLR) {
			v = now(r);
		} else if (off == RTCCR) {
			v = 1;	/* always enabled */
		} else if (off == RTCIMSC) {
			v = r->imsc;
		} else if (off >= RTCID && off < RTCID + 32 && !(off & 3)) {
			v = ids[(off - RTCID) / 4];
		}
		memset(data, 0, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
	pthread_mutex_unlock(&r->lock);
}

struct rtc *rtc_create(uint64_t base)
{
	struct rtc *r = calloc(1, sizeof(*r));

	if (r) {
		r->base = base;
		pthread_mutex_init(&r->lock, NULL);
	}
	return r;
}

void rtc_destroy(struct rtc *r)
{
	if (r) {
		pthread_mutex_destroy(&r->lock);
		free(r);
	}
}
