/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM: one contiguous slot. Every guest physical address hotvm
 * touches goes through ram_ptr(), which checks the whole access range.
 */
#ifndef HOTVM_RAM_H
#define HOTVM_RAM_H

#include <stdbool.h>
#include <stdint.h>

struct ram {
	uint64_t base;	/* guest physical */
	uint64_t size;
	uint8_t *hva;	/* host mapping */
};

/* Block size of guest RAM's host mapping: a transparent huge page (PMD). */
#define RAM_HUGE_ALIGN	0x200000ull	/* 2 MiB */

/*
 * Map @size bytes of anonymous, private, zero-filled memory at a
 * RAM_HUGE_ALIGN-aligned address, asking for transparent huge pages
 * (MADV_HUGEPAGE). The alignment is what lets the host back each 2 MiB of
 * guest RAM with one huge page and KVM map it at stage 2 as one block
 * (KVM needs the host address and the guest physical address to agree
 * modulo 2 MiB). Sets errno and returns NULL on failure; ram_unmap() frees.
 */
void *ram_map(uint64_t size);
void ram_unmap(void *hva, uint64_t size);

/* Host pointer for [gpa, gpa + len), or NULL if any byte is outside RAM. */
void *ram_ptr(const struct ram *ram, uint64_t gpa, uint64_t len);
/* Is the single address @gpa inside RAM? */
bool ram_has(const struct ram *ram, uint64_t gpa);

#endif
