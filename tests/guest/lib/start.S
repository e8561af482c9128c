/* SPDX-License-Identifier: MIT */
/*
 * hotvm guest runtime: boot CPU entry, secondary/resume entry, MMU setup,
 * exception vectors, setjmp/longjmp and the raw SMCCC call.
 *
 * The boot CPU enters _start at 0x80000000 with x0 = DTB address. Every
 * other entry (PSCI CPU_ON, power-down CPU_SUSPEND, SYSTEM_SUSPEND) goes
 * to guest_entry with x0 = context ID, whose bits 15:0 are the CPU index
 * that selects the stack (see guest.h).
 *
 * The MMU is switched on with an identity map (1 GiB blocks: 0-1 GiB
 * device, 1-4 GiB normal write-back), so that exclusives and unaligned
 * accesses behave as on normal memory.
 */
#define STACK_SHIFT	12		/* 4 KiB stack per CPU */
#define RSTACK_SHIFT	10		/* 1 KiB resume stack per CPU */
#define MAX_CPUS	512
#define CTX_RESUME	2

#define MAIR_VALUE	0xff00		/* attr0 Device-nGnRnE, attr1 WB */
#define PTE_DEVICE	0x0060000000000401	/* block, attr0, AF, XN */
#define PTE_NORMAL	0x0000000000000705	/* block, attr1, ISH, AF */
/* T0SZ=25 (39-bit VA, start at level 1), WB WA walks, ISH, 4K, EPD1, 36-bit PA */
#define TCR_VALUE	((25) | (1 << 8) | (1 << 10) | (3 << 12) | (1 << 23) | (1 << 32))
/* M, C, I and the ARMv8.0 RES1 bits */
#define SCTLR_VALUE	0x30d01805

	.section .text.boot, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	mov	x20, x0				/* DTB */
	/* zero .bss (MMU off: straight to memory) */
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:	/* identity map, one level-1 table */
	ldr	x1, =__pgtable
	mov	x2, #512
3:	str	xzr, [x1], #8
	subs	x2, x2, #1
	b.ne	3b
	ldr	x1, =__pgtable
	ldr	x2, =PTE_DEVICE
	str	x2, [x1, #0]
	ldr	x2, =PTE_NORMAL
	orr	x3, x2, #0x40000000
	str	x3, [x1, #8]
	orr	x3, x2, #0x80000000
	str	x3, [x1, #16]
	orr	x3, x2, #0xc0000000
	str	x3, [x1, #24]
	dsb	sy
	mov	x0, #0
	mov	x1, #0
	bl	cpu_setup
	mov	x0, x20
	bl	guest_boot
	b	guest_hang

/*
 * Secondary entry: x0 = context ID. SCTLR_EL1 and PSTATE (DAIF, CurrentEL and
 * SPSel: their bits do not overlap) as found are passed on so that tests can
 * check the state PSCI promised (MMU and caches off, EL1h, D A I F masked).
 */
	.text
	.global guest_entry
	.balign 8
guest_entry:
	mrs	x22, daif
	mrs	x1, CurrentEL
	orr	x22, x22, x1
	mrs	x1, spsel
	orr	x22, x22, x1
	msr	daifset, #0xf
	mov	x19, x0
	mrs	x21, sctlr_el1
	/*
	 * PSCI may enter big-endian (SCTLR_EL1.EE of the CPU_ON caller, or of
	 * the suspended CPU): back to little-endian before any data access.
	 */
	bic	x0, x21, #(1 << 25)
	msr	sctlr_el1, x0
	isb
	and	x0, x19, #0xffff
	cmp	x0, #MAX_CPUS
	b.hs	guest_hang
	ubfx	x1, x19, #16, #4
	bl	cpu_setup
	mov	x0, x19
	mov	x1, x21
	mov	x2, x22
	bl	guest_cpu_entry
	b	guest_hang

/*
 * x0 = CPU index, x1 = context kind: stack, TPIDR_EL1, vectors, MMU.
 * A power-down resume runs on a separate small stack until it longjmps
 * back, so that the frames of the suspended call chain stay intact.
 * Clobbers x0-x3, sp.
 */
cpu_setup:
	msr	tpidr_el1, x0
	add	x2, x0, #1
	cmp	x1, #CTX_RESUME
	b.eq	1f
	ldr	x1, =__stacks_start
	lsl	x2, x2, #STACK_SHIFT
	b	2f
1:	ldr	x1, =__rstacks_start
	lsl	x2, x2, #RSTACK_SHIFT
2:	add	x1, x1, x2
	mov	sp, x1
	ldr	x1, =guest_vectors
	msr	vbar_el1, x1
	mrs	x1, sctlr_el1
	tbnz	x1, #0, 3f			/* MMU already on: keep it */
	ldr	x1, =MAIR_VALUE
	msr	mair_el1, x1
	ldr	x1, =TCR_VALUE
	msr	tcr_el1, x1
	ldr	x1, =__pgtable
	msr	ttbr0_el1, x1
	isb
	tlbi	vmalle1
	ic	iallu
	dsb	nsh
	isb
	ldr	x1, =SCTLR_VALUE
	msr	sctlr_el1, x1
	isb
3:	ret

	.global guest_hang
guest_hang:
	wfe
	b	guest_hang

/*
 * Exception vectors: every entry reports on the UART and powers off
 * (guest_exception() does not return).
 */
	.macro	vec kind
	.balign	0x80
	mov	x0, #\kind
	b	vec_common
	.endm

	.balign	2048
	.global	guest_vectors
guest_vectors:
	vec	0
	vec	1
	vec	2
	vec	3
	vec	4
	vec	5
	vec	6
	vec	7
	vec	8
	vec	9
	vec	10
	vec	11
	vec	12
	vec	13
	vec	14
	vec	15

vec_common:
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	mrs	x4, spsr_el1
	mov	x5, x30
	bl	guest_exception
	b	guest_hang

/* int guest_setjmp(struct guest_jmpbuf *jb) */
	.global	guest_setjmp
guest_setjmp:
	stp	x19, x20, [x0, #0]
	stp	x21, x22, [x0, #16]
	stp	x23, x24, [x0, #32]
	stp	x25, x26, [x0, #48]
	stp	x27, x28, [x0, #64]
	stp	x29, x30, [x0, #80]
	mov	x2, sp
	str	x2, [x0, #96]
	mov	x0, #0
	ret

/* void guest_longjmp(struct guest_jmpbuf *jb, int val) */
	.global	guest_longjmp
guest_longjmp:
	ldp	x19, x20, [x0, #0]
	ldp	x21, x22, [x0, #16]
	ldp	x23, x24, [x0, #32]
	ldp	x25, x26, [x0, #48]
	ldp	x27, x28, [x0, #64]
	ldp	x29, x30, [x0, #80]
	ldr	x2, [x0, #96]
	mov	sp, x2
	cmp	w1, #0
	csinc	w0, w1, wzr, ne
	ret

/*
 * void guest_smccc_raw(uint64_t regs[18], int flags): x0..x17 from regs[],
 * HVC #0 (flags bit 0 clear) or SMC #0 (set), x0..x17 back into regs[].
 * flags bit 1: make the call big-endian: SCTLR_EL1.EE is set, with
 * interrupts masked, only around the HVC/SMC itself (no data access
 * happens while it is set). The MMU is off meanwhile (the map is an
 * identity map), because EE also selects the endianness of translation
 * table walks: a walk with EE set would read the tables byte-swapped.
 */
	.global	guest_smccc_raw
guest_smccc_raw:
	stp	x29, x30, [sp, #-48]!
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	mov	x19, x0
	mov	w20, w1
	mrs	x21, sctlr_el1
	mrs	x22, daif
	dsb	ish
	ldp	x0, x1, [x19, #0]
	ldp	x2, x3, [x19, #16]
	ldp	x4, x5, [x19, #32]
	ldp	x6, x7, [x19, #48]
	ldp	x8, x9, [x19, #64]
	ldp	x10, x11, [x19, #80]
	ldp	x12, x13, [x19, #96]
	ldp	x14, x15, [x19, #112]
	ldp	x16, x17, [x19, #128]
	tbz	w20, #1, 3f
	msr	daifset, #0xf
	orr	x30, x21, #(1 << 25)
	bic	x30, x30, #1
	msr	sctlr_el1, x30
	isb
3:	tbnz	w20, #0, 1f
	hvc	#0
	b	2f
1:	smc	#0
2:	msr	sctlr_el1, x21
	isb
	msr	daif, x22
	stp	x0, x1, [x19, #0]
	stp	x2, x3, [x19, #16]
	stp	x4, x5, [x19, #32]
	stp	x6, x7, [x19, #48]
	stp	x8, x9, [x19, #64]
	stp	x10, x11, [x19, #80]
	stp	x12, x13, [x19, #96]
	stp	x14, x15, [x19, #112]
	stp	x16, x17, [x19, #128]
	ldp	x21, x22, [sp, #32]
	ldp	x19, x20, [sp, #16]
	ldp	x29, x30, [sp], #48
	ret
