// SPDX-License-Identifier: MIT
/* Guest RAM's host mapping and bounds-checked guest physical addresses (see ram.h). */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>

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

void *ram_map(uint64_t size)
{
	uint64_t span, head, tail;
	uint8_t *p, *hva;

	if (!size || size > SIZE_MAX - RAM_HUGE_ALIGN) {
		errno = EINVAL;
		return NULL;
	}
	/* Map one block more than asked, then give back what lies outside the aligned part. */
	span = size + RAM_HUGE_ALIGN;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED) {
		return NULL;
	}
	hva = (uint8_t *)(((uintptr_t)p + RAM_HUGE_ALIGN - 1) & ~(uintptr_t)(RAM_HUGE_ALIGN - 1));
	head = (uint64_t)(hva - p);
	tail = span - head - size;
	if (head) {
		munmap(p, head);
	}
	if (tail) {
		munmap(hva + size, tail);
	}
	/* Only a hint: a host without THP still gives working 4 KiB pages. */
	madvise(hva, size, MADV_HUGEPAGE);
	return hva;
}

void ram_unmap(void *hva, uint64_t size)
{
	if (hva) {
		munmap(hva, size);
	}
}
