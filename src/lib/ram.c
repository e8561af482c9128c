// SPDX-License-Identifier: MIT
/* Bounds-checked guest physical addresses (see ram.h). */
#include <stddef.h>

#include "lib/ram.h"

void *ram_ptr(const struct ram *ram, uint64_t gpa, uint64_t len)
{
	uint64_t off;

	/* Written so that no sum can wrap: gpa + len may overflow. */
	if (!ram->hva || gpa < ram->base) {
		return NULL;
	}
	off = gpa - ram->base;
	if (off > ram->size || len > ram->size - off) {
		return NULL;
	}
	return ram->hva + off;
}

bool ram_has(const struct ram *ram, uint64_t gpa)
{
	return gpa >= ram->base && gpa - ram->base < ram->size;
}
