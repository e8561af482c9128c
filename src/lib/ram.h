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

/* Host pointer for [gpa, gpa + len), or NULL if any byte is outside RAM. */
void *ram_ptr(const struct ram *ram, uint64_t gpa, uint64_t len);
/* Is the single address @gpa inside RAM? */
bool ram_has(const struct ram *ram, uint64_t gpa);

#endif
