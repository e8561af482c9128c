// SPDX-License-Identifier: MIT
/* MMIO region table (see mmio.h). */
#include <errno.h>
#include <string.h>

#include "dev/mmio.h"

int mmio_register(struct mmio_bus *bus, uint64_t base, uint64_t size,
		  void (*fn)(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data,
			     uint32_t len, bool is_write, void *opaque),
		  void *opaque)
{
	unsigned int i;

	if (!size || base + size < base || !fn) {
		return -EINVAL;
	}
	if (bus->n == MMIO_MAX_REGIONS) {
		return -ENOSPC;
	}
	for (i = 0; i < bus->n; i++) {
		const struct mmio_region *r = &bus->region[i];

		if (base < r->base + r->size && r->base < base + size) {
			return -EEXIST;
		}
	}
	/* Insertion keeps the table sorted by base for the binary search. */
	for (i = bus->n; i > 0 && bus->region[i - 1].base > base; i--) {
		bus->region[i] = bus->region[i - 1];
	}
	bus->region[i] = (struct mmio_region){ base, size, fn, opaque };
	bus->n++;
	return 0;
}

bool mmio_dispatch(const struct mmio_bus *bus, struct kvm_vcpu *vcpu, uint64_t addr,
		   uint8_t *data, uint32_t len, bool is_write)
{
	unsigned int lo = 0, hi = bus->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct mmio_region *r = &bus->region[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->size) {
			lo = mid + 1;
		} else {
			if (len > r->size - (addr - r->base)) {
				return false;
			}
			r->fn(vcpu, addr, data, len, is_write, r->opaque);
			return true;
		}
	}
	return false;
}
