// SPDX-License-Identifier: MIT
/*
 * vCPU threads: one per possible vCPU, one loop, one switch over the
 * action exit_decide() picks for each exit. See vmm.h for the locking.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/phase.h"
#include "vmm/vmm.h"

void cpu_start(struct cpu *c, enum cpu_mode mode, uint64_t entry, uint64_t ctx, bool be)
{
	c->mode = mode;
	c->entry = entry;
	c->context = ctx;
	c->big_endian = be;
	c->state = CPU_START;
}

void cpu_kick(struct cpu *c)
{
	if (c->state == CPU_RUNNING) {
		/* immediate_exit covers a thread just about to enter KVM_RUN. */
		vcpu_kick(&c->vcpu, true);
		pthread_kill(c->thread, SIGUSR1);
	}
}

static bool stopping(struct vmm *v)
{
	return __atomic_load_n(&v->vm.state, __ATOMIC_ACQUIRE) != VM_RUNNING;
}

/* KVM_ARM_VCPU_INIT again, as a runnable vCPU: a warm reset. */
static int warm_reset(struct cpu *c)
{
	return vcpu_init(&c->vcpu, c->vcpu.features & ~VCPU_FEAT_POWER_OFF);
}

/*
 * Warm-reset the vCPU and point it at @entry with x0 = @x0 (DEN 0022 CPU_ON), in
 * the data endianness @be (DEN 0022 entry conditions: the CPU_ON caller's, or the
 * suspended CPU's own); KVM's reset gives EL1h with D, A, I, F masked, MMU and
 * caches off, and little-endian SCTLR_EL1.
 *
 * A vCPU that is fresh (reset and not run since: secondaries are created so,
 * and a vCPU is reset as it powers off, see reset_parked()) is not reset
 * again: a CPU_ON then costs two register writes before its KVM_RUN.
 */
static int enter_at(struct cpu *c, uint64_t entry, uint64_t x0, bool be)
{
	uint64_t sctlr = 0;
	int ret = 0;

	if (!c->vcpu.fresh) {
		ret = warm_reset(c);
	}
	ret = ret ? ret : vcpu_setreg(&c->vcpu, kvm_pcreg(), entry);
	ret = ret ? ret : vcpu_setreg(&c->vcpu, kvm_xreg(0), x0);
	if (!ret && be) {
		ret = vcpu_getreg(&c->vcpu, kvm_sctlrreg(), &sctlr);
		ret = ret ? ret : vcpu_setreg(&c->vcpu, kvm_sctlrreg(), sctlr | KVM_SCTLR_EE);
	}
	return ret;
}

static int power_on(struct cpu *c, enum cpu_mode mode, uint64_t entry, uint64_t ctx, bool be)
{
	struct vmm *v = c->vmm;
	int ret;

	switch (mode) {
	case MODE_BOOT:
		return enter_at(c, entry, ctx, false);
	case MODE_ON:
		/*
		 * Both events come from this thread, after its own cpu-off of
		 * an earlier run: the event stream keeps each vCPU's order.
		 */
		api_emit(v->api, "cpu-on", (int)c->index);
		ret = enter_at(c, entry, ctx, be);
		if (!ret) {
			ret = fw_online(v->fw, c->index);
			if (ret) {
				vmm_log(LOG_ERROR, "vCPU %u: started but not ON_PENDING in the "
						   "firmware core", c->index);
				return ret;
			}
			api_emit(v->api, "cpu-online", (int)c->index);
		}
		return ret;
	case MODE_KERNEL:
		/* KVM's own PSCI powers secondaries on: start them off. */
		if (c->index == 0) {
			return enter_at(c, entry, ctx, false);
		}
		return vcpu_init(&c->vcpu, c->vcpu.features | VCPU_FEAT_POWER_OFF);
	}
	return -EINVAL;
}

static void fatal(struct cpu *c, const char *what, const struct exit_info *e)
{
	uint64_t pc = 0;

	vcpu_getreg(&c->vcpu, kvm_pcreg(), &pc);
	if (e) {
		fprintf(stderr,
			"hotvm: vCPU %u: unexpected exit %s (%u)%s at PC 0x%llx "
			"(detail 0x%llx)\n",
			c->index, exit_name(e->reason), e->reason,
			e->type == EXIT_HYPERCALL ? " hypercall" : "", (unsigned long long)pc,
			(unsigned long long)(e->type == EXIT_HYPERCALL ? e->nr : e->hw));
	} else {
		fprintf(stderr, "hotvm: vCPU %u: %s at PC 0x%llx\n", c->index, what,
			(unsigned long long)pc);
	}
	vmm_request(c->vmm, VM_EV_FAIL);
}

/* fw_call()'s get_args: read x1..x@n of the calling vCPU (its own thread). */
static int get_args(void *ctx, unsigned int n, uint64_t *args)
{
	struct cpu *c = ctx;
	int ret = 0;

	for (unsigned int i = 0; i < n && !ret; i++) {
		ret = vcpu_getreg(&c->vcpu, kvm_xreg(i + 1), &args[i]);
	}
	return ret;
}

/*
 * A forwarded SMCCC call, the whole path: the core reads only the argument
 * registers the call uses (get_args), answers, and returns the caller's
 * fate; its result registers are written back here, and exit_fate() says
 * what the vCPU does next. Fills *@call (the fate's details).
 */
static enum exit_action hypercall(struct cpu *c, const struct exit_info *e, struct fw_call *call)
{
	struct vmm *v = c->vmm;
	enum fw_fate fate;
	int ret = 0;

	call->id = (uint32_t)e->nr;
	call->smc = e->smc;
	call->get_args = get_args;
	call->ctx = c;
	fate = fw_call(v->fw, c->index, call);
	for (unsigned int i = 0; i < call->nret && i < FW_NRETS && !ret; i++) {
		ret = vcpu_setreg(&c->vcpu, kvm_xreg(i), call->ret[i]);
	}
	if (ret || fate == FW_FATE_ABORT) {
		fatal(c, "cannot access registers for a firmware call", NULL);
		return ACT_FATAL;
	}
	return exit_fate(fate, &v->policy);
}

/* Wait in KVM for a wake-up event (KVM_MP_STATE_SUSPENDED); @call: the fate. */
static int suspend(struct cpu *c, const struct fw_call *call)
{
	c->suspended = true;
	c->suspend = call->out;
	api_emit(c->vmm->api, call->out.system ? "system-suspend" : "cpu-suspend",
		 (int)c->index);
	return vcpu_setmp(&c->vcpu, VCPU_MP_SUSPENDED);
}

/* A suspended vCPU saw a wake-up event (KVM_SYSTEM_EVENT_WAKEUP). */
static int wake(struct cpu *c)
{
	if (!c->suspended) {
		return vcpu_setmp(&c->vcpu, VCPU_MP_RUNNABLE);
	}
	c->suspended = false;
	if (fw_resume(c->vmm->fw, c->index)) {
		vmm_log(LOG_ERROR, "vCPU %u: woke up but was not suspended in the firmware core",
			c->index);
		return -EINVAL;
	}
	api_emit(c->vmm->api, "cpu-resume", (int)c->index);
	if (c->suspend.powerdown) {
		/*
		 * The power-down state lost the CPU context: resume like CPU_ON,
		 * in the CPU's own endianness. The generic timer is always-on
		 * (DT) and keeps its state, so the event that woke the CPU is
		 * still visible after the reset.
		 */
		uint64_t timer[KVM_TIMER_NREGS];
		unsigned int i;
		bool be = false;
		int ret = platform_bigendian(c, &be);

		for (i = 0; i < KVM_TIMER_NREGS && !ret; i++) {
			ret = vcpu_getreg(&c->vcpu, kvm_timerreg(i), &timer[i]);
		}
		ret = ret ? ret :
			    enter_at(c, c->suspend.entry, c->suspend.context_id, be);
		for (i = 0; i < KVM_TIMER_NREGS && !ret; i++) {
			ret = vcpu_setreg(&c->vcpu, kvm_timerreg(i), timer[i]);
		}
		return ret;
	}
	/* Standby: x0 = SUCCESS was written when the call was answered. */
	return vcpu_setmp(&c->vcpu, VCPU_MP_RUNNABLE);
}

/*
 * The vCPU powered off (CPU_OFF): reset it now, on its own thread, so that
 * its next CPU_ON need not (enter_at()). This takes KVM_ARM_VCPU_INIT off the
 * CPU_ON path; on a host without FEAT_S2FWB that reset of a vCPU that has run
 * also makes KVM unmap the whole VM's stage 2 (every vCPU faults its memory
 * back in), a cost the architecture leaves no way around once a vCPU has run:
 * a vCPU that never ran (a secondary, a hot-added CPU) is never reset.
 * Not when the VM stops: a reboot or exit follows, and a reboot resets what
 * it starts.
 */
static int reset_parked(struct cpu *c)
{
	return stopping(c->vmm) ? 0 : warm_reset(c);
}

static void mmio(struct cpu *c, const struct exit_info *e)
{
	struct vmm *v = c->vmm;

	if (mmio_dispatch(&v->mmio, &c->vcpu, e->addr, e->data, e->len, e->write)) {
		return;
	}
	/* Like kvmtool: reads of nothing are zero, writes vanish. Say so a few times. */
	if (!e->write) {
		memset(e->data, 0, e->len);
	}
	if (__atomic_fetch_add(&v->mmio_warnings, 1, __ATOMIC_RELAXED) < 10) {
		vmm_log(LOG_WARNING, "vCPU %u: %u-byte MMIO %s at unmapped 0x%llx ignored",
			c->index, e->len, e->write ? "write" : "read",
			(unsigned long long)e->addr);
	}
}

/* Count an exit handled with action @act that cost @ioctls (struct cpu_stats). */
static void stats_exit(struct cpu *c, enum exit_action act, const struct exit_info *e,
		       uint64_t ioctls)
{
	struct cpu_stats *st = &c->stats;
	uint32_t fid = (uint32_t)e->nr;
	unsigned int i;

	st->exits[act]++;
	st->ioctls[act] += ioctls;
	if (act != ACT_HYPERCALL) {
		return;
	}
	if (fid == 0 || fid == UINT32_MAX) {
		fid = UINT32_MAX;
	}
	for (i = 0; i < CPU_STATS_NFIDS - 1; i++) {
		if (st->fid[i].fid == fid || st->fid[i].fid == 0) {
			break;
		}
	}
	if (i == CPU_STATS_NFIDS - 1) {
		fid = UINT32_MAX;	/* the last slot takes the rest */
	}
	st->fid[i].fid = fid;
	st->fid[i].calls++;
	st->fid[i].ioctls += ioctls;
}

/* HOTVM_STATS=1: one line per counter of a vCPU that ran (stderr). */
static void stats_print(const struct cpu *c)
{
	static const char *const act_name[CPU_STATS_NACT] = {
		[ACT_CONTINUE] = "continue", [ACT_CHECK] = "kick",
		[ACT_HYPERCALL] = "hypercall", [ACT_MMIO] = "mmio",
		[ACT_POWEROFF] = "poweroff", [ACT_REBOOT] = "reboot",
		[ACT_WAKE] = "wake", [ACT_FATAL] = "fatal",
		[ACT_PARK] = "park", [ACT_SUSPEND] = "suspend",
	};
	const struct cpu_stats *st = &c->stats;

	if (!vmm_stats() || !st->poweron) {
		return;
	}
	fprintf(stderr, "hotvm-stats: vcpu=%u what=poweron count=%" PRIu64 " ioctls=%" PRIu64 "\n",
		c->index, st->poweron, st->poweron_ioctls);
	for (unsigned int a = 0; a < CPU_STATS_NACT; a++) {
		if (st->exits[a]) {
			fprintf(stderr,
				"hotvm-stats: vcpu=%u what=%s count=%" PRIu64 " ioctls=%" PRIu64 "\n",
				c->index, act_name[a], st->exits[a], st->ioctls[a]);
		}
	}
	for (unsigned int i = 0; i < CPU_STATS_NFIDS && st->fid[i].fid; i++) {
		fprintf(stderr,
			"hotvm-stats: vcpu=%u what=fid fid=0x%08" PRIx32 " count=%" PRIu64
			" ioctls=%" PRIu64 "\n",
			c->index, st->fid[i].fid, st->fid[i].calls, st->fid[i].ioctls);
	}
}

/* Run until the vCPU powers off or the VM stops; -1 after a fatal error. */
static int run_loop(struct cpu *c)
{
	struct vmm *v = c->vmm;
	struct fw_call call;
	struct exit_info e;
	enum exit_action act, next;
	uint64_t n0;
	int ret;

	c->suspended = false;
	phase_mark(PHASE_RUN);	/* the first vCPU's first KVM_RUN is next */
	while (!stopping(v)) {
		n0 = kvm_ioctls();
		ret = vcpu_run(&c->vcpu);
		if (ret == -EINTR) {
			memset(&e, 0, sizeof(e));
			e.type = EXIT_INTR;
		} else if (ret < 0) {
			char what[160];

			/* ENOSYS: a trapped access KVM cannot decode (no syndrome). */
			snprintf(what, sizeof(what), "KVM_RUN failed: %s%s", strerror(-ret),
				 ret == -ENOSYS ? " (guest access to MMIO that KVM cannot "
						  "emulate, e.g. a load/store pair)" :
						  "");
			fatal(c, what, NULL);
			return -1;
		} else {
			vcpu_exit(&c->vcpu, &e);
		}
		act = exit_decide(&e, &v->policy);
		next = act;
		if (act == ACT_HYPERCALL) {
			if (!c->stats.exits[ACT_HYPERCALL]) {
				phase_mark(PHASE_HCALL);	/* this vCPU's first: off the hot path */
			}
			next = hypercall(c, &e, &call);	/* fw_call() fills call's results */
		}
		switch (next) {
		case ACT_CONTINUE:
		case ACT_CHECK:
		case ACT_HYPERCALL:
			break;
		case ACT_MMIO:
			mmio(c, &e);
			break;
		case ACT_PARK:
			api_emit(v->api, "cpu-off", (int)c->index);
			if (reset_parked(c)) {
				fatal(c, "cannot reset the vCPU after CPU_OFF", NULL);
				return -1;
			}
			stats_exit(c, act, &e, kvm_ioctls() - n0);
			return 0;
		case ACT_SUSPEND:
			if (suspend(c, &call)) {
				fatal(c, "cannot suspend the vCPU", NULL);
				return -1;
			}
			break;
		case ACT_POWEROFF:
			/* SYSTEM_OFF2 says how; KVM's own SYSTEM_OFF is a plain off */
			vmm_request(v, act == ACT_HYPERCALL && call.fate == FW_FATE_SYSTEM_OFF &&
						       call.out.type == FW_PSCI_OFF_TYPE_HIBERNATE
					       ? VM_EV_HIBERNATE
					       : VM_EV_POWEROFF);
			break;
		case ACT_REBOOT:
			vmm_request(v, VM_EV_RESET);
			break;
		case ACT_WAKE:
			if (wake(c)) {
				fatal(c, "cannot resume the vCPU", NULL);
				return -1;
			}
			break;
		case ACT_FATAL:
			if (act != ACT_HYPERCALL) {
				fatal(c, NULL, &e);
			}
			return -1;
		}
		stats_exit(c, act, &e, kvm_ioctls() - n0);
	}
	return 0;
}

void *cpu_thread(void *arg)
{
	struct cpu *c = arg;
	struct vmm *v = c->vmm;

	pthread_mutex_lock(&v->lock);
	for (;;) {
		enum cpu_mode mode;
		uint64_t entry, ctx;
		bool be;
		int ret;

		while (!v->quit && !(c->state == CPU_START && v->vm.state == VM_RUNNING)) {
			pthread_cond_wait(&c->wake, &v->lock);
		}
		if (v->quit) {
			break;
		}
		c->state = CPU_RUNNING;
		v->nrunning++;
		vcpu_kick(&c->vcpu, false);
		mode = c->mode;
		entry = c->entry;
		ctx = c->context;
		be = c->big_endian;
		pthread_mutex_unlock(&v->lock);

		c->stats.poweron++;
		c->stats.poweron_ioctls -= kvm_ioctls();
		ret = power_on(c, mode, entry, ctx, be);
		c->stats.poweron_ioctls += kvm_ioctls();
		if (ret) {
			fprintf(stderr, "hotvm: vCPU %u: cannot power on: %s\n", c->index,
				strerror(-ret));
			vmm_request(v, VM_EV_FAIL);
		} else {
			run_loop(c);
		}

		pthread_mutex_lock(&v->lock);
		/* A CPU_ON may already have restarted it after its CPU_OFF. */
		if (c->state == CPU_RUNNING) {
			c->state = CPU_PARKED;
		}
		v->nrunning--;
		pthread_cond_broadcast(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
	stats_print(c);
	return NULL;
}
