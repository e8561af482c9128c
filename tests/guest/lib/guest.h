/* SPDX-License-Identifier: MIT */
/*
 * hotvm bare-metal guest runtime: what test programs in tests/guest/ use.
 *
 * A program defines int guest_main(void), which runs on CPU 0 after the
 * runtime has parsed the DTB, set up the UART, the GIC and the MMU. It
 * reports with check()/expect_*() ("ok N - what" / "not ok N - what") and
 * returns; the runtime then prints "RESULT: PASS" or "RESULT: FAIL" and
 * calls PSCI SYSTEM_OFF.
 *
 * Context IDs given to PSCI by this runtime: bits 15:0 CPU index (selects
 * the stack in guest_entry), bits 19:16 kind (CTX_START / CTX_RESUME),
 * bits 31:20 a nonce the entry code checks.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MAX_CPUS		512
#define RAM_BASE		0x80000000ull
/* PSTATE a PSCI entry point finds (DEN 0022 CPU_ON): EL1h, D A I F masked */
#define PSTATE_ENTRY		0x3c5

/* ---- SMCCC / PSCI / TRNG ---- */
#define PSCI_FN(n)		(0x84000000u + (n))
#define PSCI_FN64(n)		(0xc4000000u + (n))
#define PSCI_VERSION		PSCI_FN(0x0)
#define PSCI_CPU_SUSPEND	PSCI_FN(0x1)
#define PSCI_CPU_SUSPEND64	PSCI_FN64(0x1)
#define PSCI_CPU_OFF		PSCI_FN(0x2)
#define PSCI_CPU_ON		PSCI_FN(0x3)
#define PSCI_CPU_ON64		PSCI_FN64(0x3)
#define PSCI_AFFINITY_INFO	PSCI_FN(0x4)
#define PSCI_AFFINITY_INFO64	PSCI_FN64(0x4)
#define PSCI_MIGRATE		PSCI_FN(0x5)
#define PSCI_MIGRATE_INFO_TYPE	PSCI_FN(0x6)
#define PSCI_MIGRATE_INFO_UP_CPU PSCI_FN(0x7)
#define PSCI_SYSTEM_OFF		PSCI_FN(0x8)
#define PSCI_SYSTEM_RESET	PSCI_FN(0x9)
#define PSCI_FEATURES		PSCI_FN(0xa)
#define PSCI_CPU_FREEZE		PSCI_FN(0xb)
#define PSCI_CPU_DEFAULT_SUSPEND PSCI_FN(0xc)
#define PSCI_CPU_DEFAULT_SUSPEND64 PSCI_FN64(0xc)
#define PSCI_NODE_HW_STATE	PSCI_FN(0xd)
#define PSCI_NODE_HW_STATE64	PSCI_FN64(0xd)
#define PSCI_SYSTEM_SUSPEND	PSCI_FN(0xe)
#define PSCI_SYSTEM_SUSPEND64	PSCI_FN64(0xe)
#define PSCI_SET_SUSPEND_MODE	PSCI_FN(0xf)
#define PSCI_STAT_RESIDENCY	PSCI_FN(0x10)
#define PSCI_STAT_RESIDENCY64	PSCI_FN64(0x10)
#define PSCI_STAT_COUNT		PSCI_FN(0x11)
#define PSCI_STAT_COUNT64	PSCI_FN64(0x11)
#define PSCI_SYSTEM_RESET2	PSCI_FN(0x12)
#define PSCI_SYSTEM_RESET2_64	PSCI_FN64(0x12)
#define PSCI_MEM_PROTECT	PSCI_FN(0x13)
#define PSCI_MEM_PROTECT_CHECK	PSCI_FN(0x14)
#define PSCI_SYSTEM_OFF2	PSCI_FN(0x15)
#define PSCI_SYSTEM_OFF2_64	PSCI_FN64(0x15)

#define SMCCC_VERSION		0x80000000u
#define SMCCC_ARCH_FEATURES	0x80000001u

#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMETERS	(-2)
#define PSCI_DENIED		(-3)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_ON_PENDING		(-5)
#define PSCI_INTERNAL_FAILURE	(-6)
#define PSCI_NOT_PRESENT	(-7)
#define PSCI_DISABLED		(-8)
#define PSCI_INVALID_ADDRESS	(-9)

#define AFF_ON			0
#define AFF_OFF			1
#define AFF_ON_PENDING		2

#define TRNG_VERSION		0x84000050u
#define TRNG_FEATURES		0x84000051u
#define TRNG_GET_UUID		0x84000052u
#define TRNG_RND32		0x84000053u
#define TRNG_RND64		0xc4000053u

#define MPIDR_AFF_MASK		0xff00ffffffull

enum conduit { HVC = 0, SMC = 1 };

struct smccc_res {
	uint64_t a0, a1, a2, a3;
};

/*
 * One SMCCC call with x1..x3 as given and x4..x17 set to a pattern that
 * is checked afterwards (SMCCC 1.1: preserved); violations are counted.
 */
struct smccc_res smccc(enum conduit c, uint32_t fid, uint64_t a1, uint64_t a2,
		       uint64_t a3);
extern enum conduit psci_conduit;	/* used by the psci_*() helpers */
extern volatile uint64_t smccc_calls, smccc_clobbers;
int64_t psci0(uint32_t fid);
int64_t psci1(uint32_t fid, uint64_t a1);
int64_t psci2(uint32_t fid, uint64_t a1, uint64_t a2);
int64_t psci3(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
/* SMC32 results are 32-bit: sign-extend w0 */
static inline int64_t r32(uint64_t x0)
{
	return (int32_t)(uint32_t)x0;
}

/* ---- platform facts from the DTB and the command line ---- */
struct platform {
	uint64_t dtb;
	unsigned int ncpus;			/* /cpus/cpu@* nodes */
	uint64_t mpidr[GUEST_MAX_CPUS];
	uint64_t gicd, gicd_size, gicr, gicr_size;
	uint64_t uart;
	bool uart_pl011;
	uint64_t ram_base, ram_size;
	char bootargs[512];
	char psci_method[8];
	bool kernel_psci;			/* hotvm.psci=kernel given */
};
extern struct platform plat;

int fdt_parse(uint64_t dtb, struct platform *p);
/* Value of "key=value" on the command line, or NULL */
const char *bootarg(const char *key);
uint64_t bootarg_u64(const char *key, uint64_t def);

/* MPIDR of CPU i: from the DTB, or KVM's layout for i >= plat.ncpus */
uint64_t cpu_mpidr(unsigned int i);
static inline unsigned int this_cpu(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tpidr_el1" : "=r"(v));
	return (unsigned int)v;
}

static inline uint64_t read_mpidr(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v;
}

/* ---- output ---- */
void uart_putc(char c);
void putstr(const char *s);
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- test reporting ---- */
bool check(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void skip(const char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool expect_eq(int64_t got, int64_t want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Stop now: print RESULT: FAIL and power off */
void fail_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
extern volatile unsigned int tests_run, tests_failed;
/* Continue numbering (after a reset) */
void tests_resume(unsigned int run, unsigned int failed);
/* Print RESULT and SYSTEM_OFF; does not return */
void finish(void) __attribute__((noreturn));
void system_off(void) __attribute__((noreturn));

/* ---- strings ---- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* ---- atomics and locks (LL/SC: no LSE, no outline atomics) ---- */
static inline uint64_t atomic_add_return(volatile uint64_t *p, uint64_t v)
{
	uint64_t old, tmp;
	uint32_t fail;

	__asm__ volatile("1:	ldaxr	%0, [%3]\n"
			 "	add	%1, %0, %4\n"
			 "	stlxr	%w2, %1, [%3]\n"
			 "	cbnz	%w2, 1b\n"
			 : "=&r"(old), "=&r"(tmp), "=&r"(fail)
			 : "r"(p), "r"(v)
			 : "memory");
	return tmp;
}

static inline uint64_t atomic_inc(volatile uint64_t *p)
{
	return atomic_add_return(p, 1);
}

/* Returns the old value; stores @new only if it was @old */
static inline uint64_t atomic_cmpxchg(volatile uint64_t *p, uint64_t old,
				      uint64_t new)
{
	uint64_t cur;
	uint32_t fail;

	__asm__ volatile("1:	ldaxr	%0, [%2]\n"
			 "	cmp	%0, %3\n"
			 "	b.ne	2f\n"
			 "	stlxr	%w1, %4, [%2]\n"
			 "	cbnz	%w1, 1b\n"
			 "2:\n"
			 : "=&r"(cur), "=&r"(fail)
			 : "r"(p), "r"(old), "r"(new)
			 : "memory", "cc");
	return cur;
}

static inline uint64_t load_acquire(volatile uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_release(volatile uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

static inline void mb(void)
{
	__asm__ volatile("dmb ish" ::: "memory");
}

struct spinlock {
	volatile uint64_t v;
};

void spin_lock(struct spinlock *l);
void spin_unlock(struct spinlock *l);

/* Sense-reversing barrier for @n participants */
struct barrier {
	volatile uint64_t count;
	volatile uint64_t gen;
};
/* false on timeout (@timeout_ms) */
bool barrier_wait(struct barrier *b, unsigned int n, unsigned int timeout_ms);

/* ---- time (virtual counter) and the virtual timer (PPI 27) ---- */
uint64_t now_ns(void);
void udelay(uint64_t us);
void timer_arm_us(uint64_t us);	/* one-shot, interrupt enabled */
void timer_disarm(void);
bool timer_fired(void);		/* CNTV_CTL_EL0.ISTATUS */

/* ---- GICv3 ---- */
void gic_init(void);		/* distributor: once, by CPU 0 */
void gic_cpu_init(void);	/* this CPU's redistributor + CPU interface */
bool timer_irq_pending(void);	/* PPI 27 pending in this CPU's GICR */

/* ---- CPUs ---- */
#define CTX_START		0x1u
#define CTX_RESUME		0x2u
#define CTX_KIND(ctx)		(((ctx) >> 16) & 0xf)
#define CTX_CPU(ctx)		((ctx) & 0xffff)

struct guest_jmpbuf {
	uint64_t r[13];
};
int guest_setjmp(struct guest_jmpbuf *jb) __attribute__((returns_twice));
void guest_longjmp(struct guest_jmpbuf *jb, int val) __attribute__((noreturn));
void guest_entry(void);		/* PSCI entry point, x0 = context ID */

typedef void (*cpu_fn)(unsigned int cpu, uint64_t arg);

struct percpu {
	cpu_fn fn;			/* what a CTX_START entry runs */
	uint64_t arg;
	volatile uint64_t expect_ctx;	/* context ID the entry must get */
	volatile uint64_t entry_ctx;	/* x0 at the last entry */
	volatile uint64_t entry_sctlr;	/* SCTLR_EL1 at the last entry */
	volatile uint64_t entry_pstate;	/* its DAIF | CurrentEL | SPSel (PSTATE_ENTRY) */
	volatile uint64_t entries;	/* entries through guest_entry */
	volatile uint64_t bad_entries;	/* x0 != expect_ctx */
	volatile uint64_t running;	/* set by the runtime at entry */
	bool bigendian_calls;		/* make SMCCC calls with SCTLR_EL1.EE set */
	struct guest_jmpbuf jb;		/* power-down resume point */
} __attribute__((aligned(64)));
extern struct percpu percpu[GUEST_MAX_CPUS];

/* Make a context ID for @cpu */
uint64_t make_ctx(unsigned int cpu, unsigned int kind);

/*
 * PSCI CPU_ON (SMC64 unless @fid given) of CPU @cpu running fn(cpu, arg);
 * when fn returns the CPU calls CPU_OFF. Returns the PSCI result.
 */
int64_t cpu_on(unsigned int cpu, cpu_fn fn, uint64_t arg);
int64_t cpu_on_fid(uint32_t fid, unsigned int cpu, cpu_fn fn, uint64_t arg);
/* AFFINITY_INFO(mpidr of @cpu, level 0) */
int64_t affinity(unsigned int cpu);
/* Poll AFFINITY_INFO until @want (true) or @timeout_ms passes (false) */
bool wait_affinity(unsigned int cpu, int64_t want, unsigned int timeout_ms);
void cpu_off(void) __attribute__((noreturn));

/*
 * Suspend this CPU with CPU_SUSPEND-like call @fid(@power_state, entry,
 * ctx) for a power-down state, or any call that may resume at guest_entry
 * (SYSTEM_SUSPEND: @power_state is ignored and entry/ctx go in x1/x2).
 * Returns the in-place result, or SUSPEND_RESUMED if the CPU came back
 * through the entry point (percpu[].entry_ctx/entry_sctlr tell how).
 */
#define SUSPEND_RESUMED		0x5e5e5e5eLL
int64_t suspend_call(uint32_t fid, uint32_t power_state);

/* ---- the program ---- */
int guest_main(void);

#endif /* GUEST_H */
