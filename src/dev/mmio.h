/* SPDX-License-Identifier: MIT */
/*
 * MMIO dispatch: a small table of device regions sorted by address,
 * filled before the first vCPU runs and read-only afterwards (so lookups
 * need no lock). Handlers get the absolute guest physical address and
 * run on the vCPU thread that trapped; each device locks its own state.
 */
#ifndef HOTVM_MMIO_H
#define HOTVM_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#define MMIO_MAX_REGIONS 32

struct kvm_vcpu;

struct mmio_region {
	uint64_t base;
	uint64_t size;
	void (*fn)(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
		   bool is_write, void *opaque);
	void *opaque;
};

struct mmio_bus {
	struct mmio_region region[MMIO_MAX_REGIONS];
	unsigned int n;
};

/* 0, -EEXIST on overlap, -ENOSPC when full, -EINVAL for an empty range. */
int mmio_register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		  void (*fn)(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data,
			     uint32_t len, bool is_write, void *opaque),
		  void *opaque);
/* false: no device there (the caller decides what that means). */
bool mmio_dispatch(const struct mmio_bus *bus, struct kvm_vcpu *vcpu, uint64_t addr,
		   uint8_t *data, uint32_t len, bool is_write);

#endif
