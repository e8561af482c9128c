// SPDX-License-Identifier: MIT
/*
 * hotvm firmware core: creation, SMCCC routing (ARM DEN 0028), per-vCPU
 * power bookkeeping, hot-plug and the status snapshot. PSCI lives in
 * psci.c and TRNG in trng.c; both are ordinary services of this router.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"

static uint64_t default_mpidr(unsigned int i)
{
	/* 16 CPUs per cluster, like KVM's default MPIDR layout */
	return (uint64_t)(i % 16) | (uint64_t)((i / 16) % 256) << 8 |
	       (uint64_t)(i / 4096) << 16;
}

static bool version_valid(uint32_t v)
{
	return v == FW_PSCI_0_2 || v == FW_PSCI_1_0 || v == FW_PSCI_1_1 ||
	       v == FW_PSCI_1_3;
}

static int fw_configure(struct fw *fw, const struct fw_config *cfg,
			const struct fw_platform *plat)
{
	unsigned int i, j;

	if (cfg->ncpus == 0 || cfg->ncpus > FW_MAX_CPUS) {
		return -EINVAL;
	}
	if (cfg->nenabled > cfg->ncpus) {
		return -EINVAL;
	}
	if (!plat->cpu_on) {
		return -EINVAL;
	}

	fw->psci_version = cfg->psci_version;
	if (fw->psci_version == 0) {
		fw->psci_version = cfg->system_off2 ? FW_PSCI_1_3 : FW_PSCI_1_1;
	}
	if (!version_valid(fw->psci_version)) {
		return -EINVAL;
	}
	/* SYSTEM_OFF2 exists only in PSCI 1.3 (DEN 0022F.b) */
	if (cfg->system_off2 != (fw->psci_version == FW_PSCI_1_3)) {
		return -EINVAL;
	}
	fw->system_off2 = cfg->system_off2;

	switch (cfg->suspend_format) {
	case FW_SUSPEND_DEFAULT:
		fw->extended_suspend = fw->psci_version >= FW_PSCI_1_0;
		break;
	case FW_SUSPEND_ORIGINAL:
		fw->extended_suspend = false;
		break;
	case FW_SUSPEND_EXTENDED:
		/* The extended StateID format was introduced by PSCI 1.0 */
		if (fw->psci_version < FW_PSCI_1_0) {
			return -EINVAL;
		}
		fw->extended_suspend = true;
		break;
	default:
		return -EINVAL;
	}

	fw->system_suspend = cfg->system_suspend;

	fw->ncpus = cfg->ncpus;
	for (i = 0; i < fw->ncpus; i++) {
		struct fw_cpu *c = &fw->cpu[i];

		c->mpidr = cfg->mpidr ? cfg->mpidr[i] & FW_MPIDR_AFF_MASK :
					default_mpidr(i);
		for (j = 0; j < i; j++) {
			if (fw->cpu[j].mpidr == c->mpidr) {
				return -EINVAL;
			}
		}
		c->enabled = cfg->nenabled == 0 || i < cfg->nenabled;
		c->power = i == 0 ? FW_POWER_ON : FW_POWER_OFF;
	}
	fw->plat = *plat;
	return 0;
}

static int psci_register(struct fw *fw);

struct fw *fw_create(const struct fw_config *cfg,
		     const struct fw_platform *plat, void *opaque)
{
	struct fw *fw;
	int ret;

	if (!cfg || !plat) {
		errno = EINVAL;
		return NULL;
	}
	fw = calloc(1, sizeof(*fw));
	if (!fw) {
		return NULL;
	}
	ret = fw_configure(fw, cfg, plat);
	if (ret) {
		free(fw);
		errno = -ret;
		return NULL;
	}
	fw->opaque = opaque;
	if (pthread_mutex_init(&fw->lock, NULL)) {
		free(fw);
		errno = ENOMEM;
		return NULL;
	}
	ret = psci_register(fw);
	if (!ret && !cfg->no_trng) {
		ret = trng_register(fw);
	}
	if (ret) {
		fw_destroy(fw);
		errno = -ret;
		return NULL;
	}
	return fw;
}

void fw_destroy(struct fw *fw)
{
	if (!fw) {
		return;
	}
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

static bool psci_service_lookup(void *opaque, uint32_t id, struct fw_fn *out)
{
	return psci_lookup_fn(opaque, id, out);
}

/* PSCI owns function numbers 0x00-0x1f of the Standard Secure service */
static int psci_register(struct fw *fw)
{
	const struct fw_service svc = {
		.name = "psci",
		.lookup = psci_service_lookup,
		.opaque = fw,
	};
	int ret;

	ret = fw_register(fw, FW_PSCI_BASE32,
			  FW_PSCI_BASE32 + FW_PSCI_NFUNCS - 1, &svc);
	if (ret) {
		return ret;
	}
	return fw_register(fw, FW_PSCI_BASE64,
			   FW_PSCI_BASE64 + FW_PSCI_NFUNCS - 1, &svc);
}

int fw_register(struct fw *fw, uint32_t first_id, uint32_t last_id,
		const struct fw_service *svc)
{
	struct fw_range *r;
	unsigned int i;
	int ret = 0;

	if (!fw || !svc || !svc->lookup || first_id > last_id) {
		return -EINVAL;
	}
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nsvc; i++) {
		r = &fw->svc[i];
		if (first_id <= r->last && r->first <= last_id) {
			ret = -EEXIST;
			goto out;
		}
	}
	if (fw->nsvc == FW_MAX_SERVICES) {
		ret = -ENOSPC;
		goto out;
	}
	r = &fw->svc[fw->nsvc++];
	r->first = first_id;
	r->last = last_id;
	r->svc = *svc;
	r->calls = 0;
out:
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

unsigned int fw_ranges(struct fw *fw, uint32_t (*out)[2], unsigned int max)
{
	unsigned int i, n;

	pthread_mutex_lock(&fw->lock);
	n = fw->nsvc;
	for (i = 0; i < n && i < max; i++) {
		out[i][0] = fw->svc[i].first;
		out[i][1] = fw->svc[i].last;
	}
	pthread_mutex_unlock(&fw->lock);
	return n;
}

/*
 * DEN 0028 section 2.5: bits 23:17 of a function ID are reserved and must
 * be zero; bit 16 is the SMCCC 1.3 SVE-live hint, which does not change
 * which function is called. Returns false for an unroutable ID.
 */
static bool smccc_normalise(uint32_t *id)
{
	*id &= ~FW_SMCCC_SVE_HINT;
	return !(*id & FW_SMCCC_RESERVED);
}

/* Lock held. */
static struct fw_range *fw_route(struct fw *fw, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < fw->nsvc; i++) {
		if (id >= fw->svc[i].first && id <= fw->svc[i].last) {
			return &fw->svc[i];
		}
	}
	return NULL;
}

/*
 * Lock held. The one lookup of a call: the range gives the service, the
 * service's table entry gives argument count and handler together. NULL
 * if no service owns @id; else the range, with *@ok telling whether the
 * service has that function (else it is answered NOT_SUPPORTED).
 */
static struct fw_range *fw_resolve(struct fw *fw, uint32_t *id, struct fw_fn *fn, bool *ok)
{
	struct fw_range *r;

	*ok = false;
	if (!smccc_normalise(id)) {
		return NULL;
	}
	r = fw_route(fw, *id);
	if (!r) {
		return NULL;
	}
	memset(fn, 0, sizeof(*fn));
	*ok = r->svc.lookup(r->svc.opaque, *id, fn) && fn->handler;
	if (fn->nargs > FW_NARGS) {
		fn->nargs = FW_NARGS;
	}
	return r;
}

int fw_argc(struct fw *fw, uint32_t id)
{
	struct fw_fn fn;
	bool ok;
	int n = 0;

	pthread_mutex_lock(&fw->lock);
	if (fw_resolve(fw, &id, &fn, &ok) && ok) {
		n = (int)fn.nargs;
	}
	pthread_mutex_unlock(&fw->lock);
	return n;
}

enum fw_fate fw_call(struct fw *fw, unsigned int cpu, struct fw_call *c)
{
	struct fw_range *r = NULL;
	bool found = false;
	void *opaque = NULL;
	struct fw_fn fn;
	unsigned int i;
	uint32_t id = c->id;

	memset(c->ret, 0, sizeof(c->ret));
	memset(&c->out, 0, sizeof(c->out));
	c->ret[0] = (uint64_t)(int64_t)FW_SMCCC_NOT_SUPPORTED;
	c->nret = 1;
	c->fate = FW_FATE_RETURN;

	pthread_mutex_lock(&fw->lock);
	if (cpu < fw->ncpus && fw->cpu[cpu].power != FW_POWER_OFF) {
		/*
		 * A CPU that executes an HVC/SMC is running, whatever the
		 * backend forgot to report: finish a pending power-on or
		 * wake-up first so the bookkeeping stays true.
		 */
		if (fw->cpu[cpu].power != FW_POWER_ON) {
			fw_leave(fw, cpu);
		}
		fw->cpu[cpu].calls++;
		r = fw_resolve(fw, &id, &fn, &found);	/* id: SVE hint stripped */
	}
	if (r) {
		r->calls++;
		opaque = r->svc.opaque;
		if (found && fn.counter) {
			(*fn.counter)++;
		}
	} else {
		fw->unknown_calls++;
	}
	pthread_mutex_unlock(&fw->lock);
	if (!found) {
		return c->fate;
	}

	/*
	 * Read exactly the registers the call uses, then narrow once at the
	 * front door: an SMC32/HVC32 call passes its parameters in W
	 * registers (DEN 0028 section 2.6), so the upper halves are whatever
	 * the caller left there.
	 */
	memset(c->args + fn.nargs, 0, (FW_NARGS - fn.nargs) * sizeof(c->args[0]));
	if (c->get_args && c->get_args(c->ctx, fn.nargs, c->args) < 0) {
		c->nret = 0;
		c->fate = FW_FATE_ABORT;
		return c->fate;
	}
	if (!(id & FW_SMCCC_SMC64)) {
		for (i = 0; i < fn.nargs; i++) {
			c->args[i] &= 0xffffffffu;
		}
	}
	c->id = id;
	fn.handler(opaque, cpu, fn.fn, c);
	if (c->nret > FW_NRETS) {
		c->nret = FW_NRETS;
	}
	return c->fate;
}

uint64_t fw_now(struct fw *fw)
{
	struct timespec ts;

	if (fw->plat.now_ns) {
		return fw->plat.now_ns(fw->opaque);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Lock held. Move @cpu into @power, starting the residency clock. */
void fw_enter(struct fw *fw, unsigned int cpu, enum fw_power power)
{
	struct fw_cpu *c = &fw->cpu[cpu];
	int k;

	c->power = power;
	if (power == FW_POWER_STANDBY || power == FW_POWER_SUSPENDED) {
		k = power == FW_POWER_STANDBY ? FW_STAT_STANDBY :
						FW_STAT_POWERDOWN;
		c->count[k]++;
		c->since_ns = fw_now(fw);
	}
}

/* Lock held. @cpu runs again: account the time it spent suspended. */
void fw_leave(struct fw *fw, unsigned int cpu)
{
	struct fw_cpu *c = &fw->cpu[cpu];
	uint64_t now;
	int k;

	if (c->power == FW_POWER_STANDBY || c->power == FW_POWER_SUSPENDED) {
		k = c->power == FW_POWER_STANDBY ? FW_STAT_STANDBY :
						   FW_STAT_POWERDOWN;
		now = fw_now(fw);
		if (now > c->since_ns) {
			c->residency_ns[k] += now - c->since_ns;
		}
	}
	c->power = FW_POWER_ON;
}

int fw_online(struct fw *fw, unsigned int cpu)
{
	int ret = -EINVAL;

	pthread_mutex_lock(&fw->lock);
	if (cpu < fw->ncpus && fw->cpu[cpu].power == FW_POWER_ON_PENDING) {
		fw_leave(fw, cpu);
		ret = 0;
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int fw_resume(struct fw *fw, unsigned int cpu)
{
	int ret = -EINVAL;

	pthread_mutex_lock(&fw->lock);
	if (cpu < fw->ncpus && (fw->cpu[cpu].power == FW_POWER_STANDBY ||
				fw->cpu[cpu].power == FW_POWER_SUSPENDED)) {
		fw_leave(fw, cpu);
		ret = 0;
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

void fw_reset(struct fw *fw)
{
	unsigned int i;

	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->ncpus; i++) {
		struct fw_cpu *c = &fw->cpu[i];

		/* A reset is a new boot: PSCI_STAT_* count from cold boot */
		c->power = i == 0 ? FW_POWER_ON : FW_POWER_OFF;
		c->since_ns = 0;
		memset(c->count, 0, sizeof(c->count));
		memset(c->residency_ns, 0, sizeof(c->residency_ns));
	}
	pthread_mutex_unlock(&fw->lock);
}

int fw_enable(struct fw *fw, unsigned int cpu)
{
	if (cpu >= fw->ncpus) {
		return -EINVAL;
	}
	pthread_mutex_lock(&fw->lock);
	fw->cpu[cpu].enabled = true;
	pthread_mutex_unlock(&fw->lock);
	return 0;
}

bool fw_enabled(struct fw *fw, unsigned int cpu)
{
	bool on;

	if (cpu >= fw->ncpus) {
		return false;
	}
	pthread_mutex_lock(&fw->lock);
	on = fw->cpu[cpu].enabled;
	pthread_mutex_unlock(&fw->lock);
	return on;
}

/*
 * CPU_ON checks "enabled" and moves the target out of OFF under the same
 * lock that this function holds while it checks "OFF" and clears
 * "enabled": the two are serialised, so one of them sees the other's result.
 */
int fw_disable(struct fw *fw, unsigned int cpu)
{
	int ret = 0;

	if (cpu >= fw->ncpus) {
		return -EINVAL;
	}
	if (cpu == 0) {
		/* fw_reset() always restarts CPU 0: it cannot go away */
		return -EPERM;
	}
	pthread_mutex_lock(&fw->lock);
	if (fw->cpu[cpu].power != FW_POWER_OFF) {
		ret = -EBUSY;
	} else {
		fw->cpu[cpu].enabled = false;
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int fw_resize(struct fw *fw, unsigned int want, bool *changed, unsigned int *noff)
{
	bool flip[FW_MAX_CPUS] = { false };
	unsigned int i, have = 0;
	int ret = 0;

	if (want == 0 || want > fw->ncpus) {
		return -EINVAL;
	}
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->ncpus; i++) {
		have += fw->cpu[i].enabled;
	}
	for (i = 0; have < want && i < fw->ncpus; i++) {
		if (!fw->cpu[i].enabled) {
			flip[i] = true;
			have++;
		}
	}
	for (i = fw->ncpus; have > want && i-- > 1;) {
		if (fw->cpu[i].enabled && fw->cpu[i].power == FW_POWER_OFF) {
			flip[i] = true;
			have--;
		}
	}
	if (have != want) {
		ret = -EBUSY;
		if (noff) {
			*noff = 0;
			for (i = 1; i < fw->ncpus; i++) {
				*noff += flip[i];
			}
		}
	}
	for (i = 0; i < fw->ncpus; i++) {
		if (!ret && flip[i]) {
			fw->cpu[i].enabled = !fw->cpu[i].enabled;
		}
		if (changed) {
			changed[i] = !ret && flip[i];
		}
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

uint64_t fw_mpidr(struct fw *fw, unsigned int cpu)
{
	return cpu < fw->ncpus ? fw->cpu[cpu].mpidr : 0;
}

int fw_lookup(struct fw *fw, uint64_t mpidr)
{
	unsigned int i;

	if (mpidr & ~FW_MPIDR_AFF_MASK) {
		return -ENOENT;
	}
	for (i = 0; i < fw->ncpus; i++) {
		if (fw->cpu[i].mpidr == mpidr) {
			return (int)i;
		}
	}
	return -ENOENT;
}

enum fw_power fw_state(struct fw *fw, unsigned int cpu)
{
	enum fw_power p = FW_POWER_OFF;

	pthread_mutex_lock(&fw->lock);
	if (cpu < fw->ncpus) {
		p = fw->cpu[cpu].power;
	}
	pthread_mutex_unlock(&fw->lock);
	return p;
}

void fw_status(struct fw *fw, struct fw_status *out)
{
	unsigned int i;
	int k;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&fw->lock);
	out->ncpus = fw->ncpus;
	out->psci_version = fw->psci_version;
	memcpy(out->psci_calls, fw->psci_calls, sizeof(out->psci_calls));
	out->trng_calls = fw->trng_calls;
	out->unknown_calls = fw->unknown_calls;
	out->nservices = fw->nsvc;
	for (i = 0; i < fw->nsvc; i++) {
		out->service_calls[i] = fw->svc[i].calls;
		out->service_name[i] = fw->svc[i].svc.name;
	}
	for (i = 0; i < fw->ncpus; i++) {
		const struct fw_cpu *c = &fw->cpu[i];
		struct fw_cpu_status *s = &out->cpu[i];

		s->mpidr = c->mpidr;
		s->enabled = c->enabled;
		s->power = c->power;
		s->calls = c->calls;
		for (k = 0; k < 2; k++) {
			s->suspend_count[k] = c->count[k];
			s->residency_us[k] = c->residency_ns[k] / 1000;
		}
	}
	pthread_mutex_unlock(&fw->lock);
}
