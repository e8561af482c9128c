/* SPDX-License-Identifier: MIT */
/* ARM PL031 real-time clock (DT "arm,pl031"): wall-clock seconds, no alarm IRQ. */
#ifndef HOTVM_RTC_H
#define HOTVM_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_SIZE 0x1000

struct kvm_vcpu;
struct rtc;

struct rtc *rtc_create(uint64_t base);
void rtc_destroy(struct rtc *r);
void rtc_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
	      bool is_write, void *opaque);

#endif
