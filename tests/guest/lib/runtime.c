// SPDX-License-Identifier: MIT
/*
 * hotvm guest runtime: UART, printf, test reporting, SMCCC calls, CPU
 * entry and power helpers, time, locks.
 */
#include "guest.h"

struct platform plat;
struct percpu percpu[GUEST_MAX_CPUS];
enum conduit psci_conduit = HVC;
static enum conduit boot_conduit = HVC;	/* the DT's psci method */
volatile uint64_t smccc_calls, smccc_clobbers;
volatile unsigned int tests_run, tests_failed;

static struct spinlock out_lock;
static volatile uint64_t ctx_nonce;

/* ---- strings ---- */
void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

/* ---- UART: 16550 (byte registers) or, for QEMU's virt board, PL011 ---- */
void uart_putc(char c)
{
	volatile uint8_t *u8 = (volatile uint8_t *)plat.uart;
	volatile uint32_t *u32 = (volatile uint32_t *)plat.uart;
	unsigned int spin;

	if (!plat.uart)
		return;
	if (plat.uart_pl011) {
		for (spin = 0; spin < 100000 && (u32[6] & (1u << 5)); spin++)
			;
		u32[0] = (uint8_t)c;
		return;
	}
	for (spin = 0; spin < 100000 && !(u8[5] & (1u << 5)); spin++)
		;
	u8[0] = (uint8_t)c;
}

static void putstr_raw(const char *s)
{
	for (; *s; s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

void putstr(const char *s)
{
	spin_lock(&out_lock);
	putstr_raw(s);
	spin_unlock(&out_lock);
}

/* ---- printf-lite: %d %i %u %x %X %p %s %c %%, flags 0 -, width, l ll z ---- */
struct outbuf {
	char *buf;
	size_t size, len;
};

static void out(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct outbuf *o, uint64_t v, unsigned int base, bool neg,
		    int width, bool zero, bool left, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + (neg ? 1 : 0);
	if (neg && zero)
		out(o, '-');
	if (!left) {
		for (; width > len; width--)
			out(o, zero ? '0' : ' ');
	}
	if (neg && !zero)
		out(o, '-');
	while (n)
		out(o, tmp[--n]);
	for (; width > len; width--)
		out(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool zero = false, left = false;
		int width = 0, lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			out(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			out_num(&o, u, 10, s < 0, width, zero, left, false);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			out_num(&o, u, *fmt == 'u' ? 10 : 16, false, width, zero,
				left, *fmt == 'X');
			break;
		case 'p':
			out(&o, '0');
			out(&o, 'x');
			out_num(&o, (uint64_t)va_arg(ap, void *), 16, false,
				width, zero, left, false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			int len;

			if (!str)
				str = "(null)";
			len = (int)strlen(str);
			if (!left)
				for (; width > len; width--)
					out(&o, ' ');
			for (; *str; str++)
				out(&o, *str);
			for (; width > len; width--)
				out(&o, ' ');
			break;
		}
		case 'c':
			out(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out(&o, '%');
			out(&o, *fmt);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	putstr(buf);
	return n;
}

/* ---- test reporting ---- */
static void report(bool ok, const char *suffix, const char *fmt, va_list ap)
{
	char what[200];
	unsigned int n;

	vsnprintf(what, sizeof(what), fmt, ap);
	spin_lock(&out_lock);
	n = ++tests_run;
	if (!ok)
		tests_failed++;
	spin_unlock(&out_lock);
	printf("%sok %u - %s%s\n", ok ? "" : "not ", n, what, suffix);
}

bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(cond, "", fmt, ap);
	va_end(ap);
	return cond;
}

void skip(const char *why, const char *fmt, ...)
{
	char suffix[120];
	va_list ap;

	snprintf(suffix, sizeof(suffix), " # SKIP %s", why);
	va_start(ap, fmt);
	report(true, suffix, fmt, ap);
	va_end(ap);
}

bool expect_eq(int64_t got, int64_t want, const char *fmt, ...)
{
	char suffix[96] = "";
	va_list ap;

	if (got != want)
		snprintf(suffix, sizeof(suffix), " (got %ld = 0x%lx, want %ld)",
			 got, (uint64_t)got, want);
	va_start(ap, fmt);
	report(got == want, suffix, fmt, ap);
	va_end(ap);
	return got == want;
}

void note(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("# %s\n", buf);
}

void tests_resume(unsigned int run, unsigned int failed)
{
	tests_run = run;
	tests_failed = failed;
}

void system_off(void)
{
	const char *how = bootarg("hotvm.off");
	bool hibernate = how && !strncmp(how, "hibernate", 9);
	int64_t r = r32(smccc(boot_conduit, hibernate ? PSCI_SYSTEM_OFF2 : PSCI_SYSTEM_OFF,
			      hibernate ? 1 : 0, 0, 0).a0);

	printf("# %s returned %ld\n", hibernate ? "SYSTEM_OFF2(HIBERNATE_OFF)" : "SYSTEM_OFF", r);
	for (;;)
		__asm__ volatile("wfe");
}

void finish(void)
{
	printf("1..%u\n", tests_run);
	if (tests_failed || !tests_run)
		printf("# %u of %u checks failed\nRESULT: FAIL\n", tests_failed,
		       tests_run);
	else
		printf("# all %u checks passed\nRESULT: PASS\n", tests_run);
	system_off();
}

void fail_fatal(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("Bail out! %s\n", buf);
	tests_failed++;
	finish();
}

static const char *const exc_kind[16] = {
	"sync/EL1t", "irq/EL1t", "fiq/EL1t", "serror/EL1t",
	"sync/EL1h", "irq/EL1h", "fiq/EL1h", "serror/EL1h",
	"sync/EL0-64", "irq/EL0-64", "fiq/EL0-64", "serror/EL0-64",
	"sync/EL0-32", "irq/EL0-32", "fiq/EL0-32", "serror/EL0-32",
};

void guest_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far,
		     uint64_t spsr, uint64_t lr);
void guest_exception(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far,
		     uint64_t spsr, uint64_t lr)
{
	static volatile uint64_t nested;
	char buf[200];

	if (atomic_inc(&nested) > 1)
		for (;;)
			__asm__ volatile("wfe");
	/* no lock: the faulting CPU may hold it */
	snprintf(buf, sizeof(buf),
		 "\nUNEXPECTED EXCEPTION on cpu %u: %s esr 0x%lx elr 0x%lx "
		 "far 0x%lx spsr 0x%lx lr 0x%lx\n",
		 this_cpu(), exc_kind[kind & 15], esr, elr, far, spsr, lr);
	putstr_raw(buf);
	putstr_raw("RESULT: FAIL\n");
	smccc(boot_conduit, PSCI_SYSTEM_OFF, 0, 0, 0);
	for (;;)
		__asm__ volatile("wfe");
}

/* ---- SMCCC ---- */
void guest_smccc_raw(uint64_t regs[18], int smc);

#define CLOBBER_PATTERN(i) (0x5a5a000000000000ull | ((uint64_t)(i) << 32) | \
			    (0xc0de0000u + (i)))

struct smccc_res smccc(enum conduit c, uint32_t fid, uint64_t a1, uint64_t a2,
		       uint64_t a3)
{
	uint64_t regs[18];
	struct smccc_res r;
	int i;

	regs[0] = fid;
	regs[1] = a1;
	regs[2] = a2;
	regs[3] = a3;
	for (i = 4; i < 18; i++)
		regs[i] = CLOBBER_PATTERN(i);
	guest_smccc_raw(regs, (c == SMC) | (percpu[this_cpu()].bigendian_calls ? 2 : 0));
	atomic_inc(&smccc_calls);
	for (i = 4; i < 18; i++) {
		if (regs[i] != CLOBBER_PATTERN(i)) {
			atomic_inc(&smccc_clobbers);
			printf("# call 0x%x clobbered x%d: 0x%lx\n", fid, i,
			       regs[i]);
			break;
		}
	}
	r.a0 = regs[0];
	r.a1 = regs[1];
	r.a2 = regs[2];
	r.a3 = regs[3];
	return r;
}

int64_t psci3(uint32_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint64_t x0 = smccc(psci_conduit, fid, a1, a2, a3).a0;

	return (fid & (1u << 30)) ? (int64_t)x0 : r32(x0);
}

int64_t psci2(uint32_t fid, uint64_t a1, uint64_t a2)
{
	return psci3(fid, a1, a2, 0);
}

int64_t psci1(uint32_t fid, uint64_t a1)
{
	return psci3(fid, a1, 0, 0);
}

int64_t psci0(uint32_t fid)
{
	return psci3(fid, 0, 0, 0);
}

/* ---- command line ---- */
const char *bootarg(const char *key)
{
	const char *p = plat.bootargs;
	size_t n = strlen(key);

	while (*p) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, n) && p[n] == '=')
			return p + n + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

uint64_t bootarg_u64(const char *key, uint64_t def)
{
	const char *p = bootarg(key);
	unsigned int base = 10;
	uint64_t v = 0;

	if (!p || !*p || *p == ' ')
		return def;
	if (p[0] == '0' && p[1] == 'x') {
		base = 16;
		p += 2;
	}
	for (; *p && *p != ' '; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			return def;
		v = v * base + d;
	}
	return v;
}

uint64_t cpu_mpidr(unsigned int i)
{
	if (i < plat.ncpus)
		return plat.mpidr[i];
	return (uint64_t)(i % 16) | (uint64_t)((i / 16) % 256) << 8 |
	       (uint64_t)(i / 4096) << 16;
}

/* ---- locks ---- */
void spin_lock(struct spinlock *l)
{
	uint64_t tmp;
	uint32_t fail;

	__asm__ volatile("	sevl\n"
			 "1:	wfe\n"
			 "2:	ldaxr	%0, [%2]\n"
			 "	cbnz	%0, 1b\n"
			 "	stxr	%w1, %3, [%2]\n"
			 "	cbnz	%w1, 2b\n"
			 : "=&r"(tmp), "=&r"(fail)
			 : "r"(&l->v), "r"(1ull)
			 : "memory");
}

void spin_unlock(struct spinlock *l)
{
	store_release(&l->v, 0);
}

bool barrier_wait(struct barrier *b, unsigned int n, unsigned int timeout_ms)
{
	uint64_t gen = load_acquire(&b->gen);
	uint64_t deadline;

	if (atomic_inc(&b->count) == n) {
		b->count = 0;
		store_release(&b->gen, gen + 1);
		return true;
	}
	deadline = now_ns() + (uint64_t)timeout_ms * 1000000;
	while (load_acquire(&b->gen) == gen) {
		if (now_ns() > deadline)
			return false;
		cpu_relax();
	}
	return true;
}

/* ---- time ---- */
static uint64_t cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v ? v : 62500000;
}

uint64_t now_ns(void)
{
	uint64_t c, f = cntfrq();

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(c) : : "memory");
	return c / f * 1000000000ull + c % f * 1000000000ull / f;
}

void udelay(uint64_t us)
{
	uint64_t end = now_ns() + us * 1000;

	while (now_ns() < end)
		cpu_relax();
}

void timer_arm_us(uint64_t us)
{
	uint64_t ticks = us * cntfrq() / 1000000;

	if (!ticks)
		ticks = 1;
	__asm__ volatile("msr cntv_ctl_el0, xzr\n"
			 "msr cntv_tval_el0, %0\n"
			 "msr cntv_ctl_el0, %1\n"
			 "isb"
			 :
			 : "r"(ticks), "r"(1ull)
			 : "memory");
}

void timer_disarm(void)
{
	__asm__ volatile("msr cntv_ctl_el0, xzr; isb" ::: "memory");
}

bool timer_fired(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntv_ctl_el0" : "=r"(v));
	return (v & 5) == 5;
}

/* ---- CPUs ---- */
uint64_t make_ctx(unsigned int cpu, unsigned int kind)
{
	uint64_t n = atomic_inc(&ctx_nonce) & 0xfff;

	return (n << 20) | ((uint64_t)kind << 16) | cpu;
}

int64_t cpu_on_fid(uint32_t fid, unsigned int cpu, cpu_fn fn, uint64_t arg)
{
	struct percpu *pc = &percpu[cpu];
	uint64_t ctx = make_ctx(cpu, CTX_START);

	pc->fn = fn;
	pc->arg = arg;
	pc->expect_ctx = ctx;
	mb();
	return psci3(fid, cpu_mpidr(cpu), (uint64_t)(uintptr_t)guest_entry,
		     ctx);
}

int64_t cpu_on(unsigned int cpu, cpu_fn fn, uint64_t arg)
{
	return cpu_on_fid(PSCI_CPU_ON64, cpu, fn, arg);
}

int64_t affinity(unsigned int cpu)
{
	return psci2(PSCI_AFFINITY_INFO64, cpu_mpidr(cpu), 0);
}

bool wait_affinity(unsigned int cpu, int64_t want, unsigned int timeout_ms)
{
	uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000;

	for (;;) {
		if (affinity(cpu) == want)
			return true;
		if (now_ns() > deadline)
			return false;
		udelay(50);
	}
}

void cpu_off(void)
{
	int64_t r;

	percpu[this_cpu()].running = 0;
	mb();
	r = psci0(PSCI_CPU_OFF);
	printf("# cpu %u: CPU_OFF returned %ld\n", this_cpu(), r);
	for (;;)
		__asm__ volatile("wfe");
}

int64_t suspend_call(uint32_t fid, uint32_t power_state)
{
	unsigned int cpu = this_cpu();
	struct percpu *pc = &percpu[cpu];
	uint64_t ctx = make_ctx(cpu, CTX_RESUME);
	uint64_t entry = (uint64_t)(uintptr_t)guest_entry;
	uint32_t fn = fid & 0xffff;

	pc->expect_ctx = ctx;
	if (guest_setjmp(&pc->jb))
		return SUSPEND_RESUMED;
	mb();
	if (fn == 0xc || fn == 0xe) /* CPU_DEFAULT_SUSPEND, SYSTEM_SUSPEND */
		return psci2(fid, entry, ctx);
	return psci3(fid, power_state, entry, ctx);
}

/* Called from guest_entry (start.S) on the entered CPU's stack. */
void guest_cpu_entry(uint64_t ctx, uint64_t sctlr, uint64_t pstate);
void guest_cpu_entry(uint64_t ctx, uint64_t sctlr, uint64_t pstate)
{
	unsigned int cpu = CTX_CPU(ctx);
	struct percpu *pc = &percpu[cpu];
	bool expected = ctx == pc->expect_ctx;

	pc->entry_ctx = ctx;
	pc->entry_sctlr = sctlr;
	pc->entry_pstate = pstate;
	if (!expected)
		atomic_inc(&pc->bad_entries);
	gic_cpu_init();
	atomic_inc(&pc->entries);
	if (expected && CTX_KIND(ctx) == CTX_RESUME)
		guest_longjmp(&pc->jb, 1);
	if (expected && CTX_KIND(ctx) == CTX_START) {
		store_release(&pc->running, 1);
		pc->fn(cpu, pc->arg);
		cpu_off();
	}
	printf("# cpu %u: unexpected entry with x0 = 0x%lx (expected 0x%lx)\n",
	       cpu, ctx, pc->expect_ctx);
	cpu_off();
}

/* Called from _start on CPU 0. */
void guest_boot(uint64_t dtb);
void guest_boot(uint64_t dtb)
{
	/* QEMU's virt board puts a bare-metal guest's DTB at its RAM base */
	if (fdt_parse(dtb, &plat) && fdt_parse(0x40000000, &plat))
		plat.uart = 0x01000000;
	plat.kernel_psci = bootarg("hotvm.psci") &&
			   !strncmp(bootarg("hotvm.psci"), "kernel", 6);
	if (!strcmp(plat.psci_method, "smc"))
		psci_conduit = boot_conduit = SMC;
	percpu[0].running = 1;
	printf("# hotvm guest: dtb 0x%lx, %u cpus, ram 0x%lx+0x%lx, gicd 0x%lx "
	       "gicr 0x%lx, uart 0x%lx, psci %s (%s)\n",
	       plat.dtb, plat.ncpus, plat.ram_base, plat.ram_size, plat.gicd,
	       plat.gicr, plat.uart, plat.kernel_psci ? "kernel" : "user",
	       plat.psci_method[0] ? plat.psci_method : "?");
	printf("# bootargs: %s\n", plat.bootargs);
	if (!plat.ncpus || !plat.gicd || !plat.gicr)
		fail_fatal("device tree lacks cpus or a GICv3");
	gic_init();
	gic_cpu_init();
	guest_main();
	finish();
}
