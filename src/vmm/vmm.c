// SPDX-License-Identifier: MIT
/*
 * `hotvm run`: build the machine, start the vCPU threads, and wait for the
 * guest to power off, reset or fail. Read vmm_run() top to bottom.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "dev/cpuhp.h"
#include "dev/rtc.h"
#include "dev/uart.h"
#include "lib/phase.h"
#include "vmm/seccomp.h"
#include "vmm/vmm.h"

static int log_level = LOG_WARNING;

void vmm_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level) {
		return;
	}
	va_start(ap, fmt);
	fputs("hotvm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool vmm_stats(void)
{
	const char *env = getenv("HOTVM_STATS");

	return env && !strcmp(env, "1");
}

enum vm_answer vmm_request(struct vmm *v, enum vm_event ev)
{
	enum vm_answer ans;

	pthread_mutex_lock(&v->lock);
	ans = vmstate_apply(&v->vm, ev);
	for (unsigned int i = 0; i < v->ncpus; i++) {
		cpu_kick(&v->cpus[i]);
	}
	pthread_cond_broadcast(&v->cond);
	pthread_mutex_unlock(&v->lock);
	if (ans == VM_TAKEN && ev != VM_EV_RESET) {
		phase_mark(PHASE_STOP);
	}
	/* One event per power-off or reset taken, whoever asked (guest, KVM, API). */
	if (ans == VM_TAKEN && (ev == VM_EV_POWEROFF || ev == VM_EV_HIBERNATE)) {
		api_emit_kind(v->api, "system-off", -1, ev == VM_EV_HIBERNATE ? "hibernate" : "off");
	} else if (ans == VM_TAKEN && ev == VM_EV_RESET) {
		api_emit(v->api, "system-reset", -1);
	}
	return ans;
}


/*
 * SIGINT/SIGTERM/SIGHUP stop the guest like a failure (status 1) through
 * the normal path, so that the terminal is restored and threads joined.
 * SIGUSR2 only ends this thread at exit.
 */
static void *signal_thread(void *arg)
{
	struct vmm *v = arg;
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	while (sigwait(&set, &sig) == 0 && sig != SIGUSR2) {
		fprintf(stderr, "\nhotvm: %s: stopping the guest\n", strsignal(sig));
		vmm_request(v, VM_EV_FAIL);
	}
	return NULL;
}

static void kick_handler(int sig)
{
	/* Only there so that SIGUSR1 interrupts KVM_RUN instead of killing us. */
}

static void uart_irq(void *opaque, int level)
{
	struct vmm *v = opaque;
	int ret = vm_irq(&v->kvm, v->machine.region[MACHINE_UART].intid, level);

	/* A lost UART interrupt would hang the guest's console: say so once. */
	if (ret && !__atomic_exchange_n(&v->irq_failed, true, __ATOMIC_RELAXED)) {
		vmm_log(LOG_ERROR, "cannot set the UART's interrupt line (INTID %u) to %d: %s",
			v->machine.region[MACHINE_UART].intid, level, strerror(-ret));
	}
}

/*
 * Does KVM have the SMCCC filter (Linux >= 6.4)? HOTVM_TEST_NO_SMCCC_FILTER=1
 * makes hotvm behave as on an older kernel, so that the fallback is tested
 * on the kernels we have (tests/e2e/cases/run_nofilter.sh).
 */
static bool has_filter(struct vmm *v)
{
	const char *t = getenv("HOTVM_TEST_NO_SMCCC_FILTER");

	if (t && *t && strcmp(t, "0")) {
		return false;
	}
	return vm_hasfilter(&v->kvm);
}

/* Open KVM and decide who answers PSCI. Errors are printed here. */
static int open_kvm(struct vmm *v)
{
	struct config *cfg = v->cfg;
	int ret, max;

	ret = vm_open(&v->kvm, NULL);
	if (ret == -ENOENT || ret == -ENODEV || ret == -ENXIO) {
		fprintf(stderr, "hotvm: /dev/kvm not found: this host has no KVM "
				"(an arm64 Linux host with KVM enabled is needed)\n");
		return ret;
	} else if (ret == -EACCES || ret == -EPERM) {
		fprintf(stderr, "hotvm: no permission to use /dev/kvm (run as root or join "
				"the group that owns it)\n");
		return ret;
	} else if (ret == -ENOTSUP) {
		fprintf(stderr, "hotvm: KVM API version mismatch: KVM too old for hotvm\n");
		return ret;
	} else if (ret) {
		fprintf(stderr, "hotvm: cannot create a VM with /dev/kvm: %s\n", strerror(-ret));
		return ret;
	}
	max = vm_check(&v->kvm, KVM_CAP_MAX_VCPUS);
	if (max > 0 && cfg->max_cpus > (unsigned long)max) {
		fprintf(stderr, "hotvm: too many vCPUs: %lu requested, KVM allows at most %d\n",
			cfg->max_cpus, max);
		return -EINVAL;
	}
	if (vm_check(&v->kvm, KVM_CAP_ARM_PSCI_0_2) <= 0) {
		fprintf(stderr, "hotvm: KVM too old: no PSCI 0.2 support\n");
		return -ENOTSUP;
	}
	if (cfg->pmu && vm_check(&v->kvm, KVM_CAP_ARM_PMU_V3) <= 0) {
		fprintf(stderr, "hotvm: --pmu: this host's KVM has no PMUv3 for guests\n");
		return -ENOTSUP;
	}
	v->psci_user = cfg->psci == PSCI_USER;
	if (v->psci_user && !has_filter(v)) {
		char dropped[96] = "";

		if (cfg->psci_set || cfg->psci_version_set) {
			fprintf(stderr, "hotvm: %s needs KVM's SMCCC filter (Linux >= 6.4), which "
					"this kernel lacks\n",
				cfg->psci_set ? "--psci=user" : "--psci-version");
			return -ENOTSUP;
		}
		if (cfg->max_cpus > cfg->cpus) {
			snprintf(dropped, sizeof(dropped), " (--max-cpus %lu ignored: %lu vCPUs)",
				 cfg->max_cpus, cfg->cpus);
		}
		fprintf(stderr, "hotvm: KVM has no SMCCC filter (Linux < 6.4): using KVM's "
				"in-kernel PSCI, vCPU hot-plug disabled%s\n",
			dropped);
		v->psci_user = false;
		cfg->psci = PSCI_KERNEL; /* the machine then has no hot-plug block either */
		cfg->max_cpus = cfg->cpus;
	}
	v->policy.psci_user = v->psci_user;
	v->policy.reboot_exit = cfg->reboot == REBOOT_EXIT;
	v->ncpus = (unsigned int)cfg->max_cpus;
	v->nenabled = (unsigned int)cfg->cpus;
	return 0;
}

/* Lay out the machine (the vCPU count is final now) and give KVM its RAM. */
static int map_ram(struct vmm *v)
{
	const struct machine_region *ram = &v->machine.region[MACHINE_RAM];
	uint64_t size;
	char err[160];
	void *hva;
	int ret;

	if (machine_layout(v->cfg, &v->machine, err, sizeof(err))) {
		fprintf(stderr, "hotvm: %s\n", err);
		return -EINVAL;
	}
	size = ram->size;
	hva = ram_map(size);
	if (!hva) {
		fprintf(stderr, "hotvm: cannot allocate %lu MiB of guest RAM: %s\n", v->cfg->mem,
			strerror(errno));
		return -ENOMEM;
	}
	v->ram = (struct ram){ .base = ram->base, .size = size, .hva = hva };
	ret = vm_addmem(&v->kvm, ram->base, hva, size);
	if (ret) {
		fprintf(stderr, "hotvm: cannot give %lu MiB of RAM to KVM: %s\n", v->cfg->mem,
			strerror(-ret));
	}
	return ret;
}

/*
 * The vGIC and every possible vCPU, in the order KVM needs: GIC device,
 * vCPUs, PMU interrupt, vGIC init, PMU init. With KVM's PSCI the
 * secondaries are created powered off (its CPU_ON starts them); with
 * hotvm's, every vCPU is created reset and runnable (vcpu.fresh), and its
 * thread runs it only after a CPU_ON: that first CPU_ON needs no reset.
 */
static int create_cpus(struct vmm *v)
{
	const struct machine *m = &v->machine;
	const struct machine_region *its_region = machine_region(m, MACHINE_GIC_ITS);
	unsigned int feat = m->pmu_intid ? VCPU_FEAT_PMU : 0;
	uint64_t its = its_region ? its_region->base : 0;
	unsigned int i;
	int ret;

	ret = gic_create(&v->kvm, &v->gic, m->region[MACHINE_GIC_DIST].base,
			 m->region[MACHINE_GIC_REDIST].base, its);
	if (ret) {
		fprintf(stderr, "hotvm: cannot create the in-kernel GICv3%s: %s\n",
			its ? " with ITS" : "", strerror(-ret));
		return ret;
	}
	v->cpus = calloc(v->ncpus, sizeof(*v->cpus));
	v->mpidr = calloc(v->ncpus, sizeof(*v->mpidr));
	if (!v->cpus || !v->mpidr) {
		return -ENOMEM;
	}
	for (i = 0; i < v->ncpus; i++) {
		struct cpu *c = &v->cpus[i];
		unsigned int off = i && !v->psci_user ? VCPU_FEAT_POWER_OFF : 0;

		c->vmm = v;
		c->index = i;
		c->vcpu.fd = -1;
		pthread_cond_init(&c->wake, NULL);
		ret = vcpu_create(&v->kvm, &c->vcpu, i);
		ret = ret ? ret : vcpu_init(&c->vcpu, feat | off);
		ret = ret ? ret : (feat ? vcpu_pmuirq(&c->vcpu, m->pmu_intid) : 0);
		ret = ret ? ret : vcpu_getreg(&c->vcpu, kvm_mpidrreg(), &v->mpidr[i]);
		if (ret) {
			fprintf(stderr, "hotvm: cannot create vCPU %u: %s\n", i, strerror(-ret));
			return ret;
		}
	}
	phase_mark(PHASE_VCPUS);
	ret = gic_init(&v->gic, v->mpidr, v->ncpus);
	if (ret) {
		fprintf(stderr, "hotvm: cannot initialise the vGIC: %s\n", strerror(-ret));
		return ret;
	}
	for (i = 0; feat && i < v->ncpus; i++) {
		ret = vcpu_pmuinit(&v->cpus[i].vcpu);
		if (ret) {
			fprintf(stderr, "hotvm: cannot initialise the PMU of vCPU %u: %s\n", i,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* The firmware core and the filter that feeds it; or KVM's own PSCI. */
static int setup_firmware(struct vmm *v)
{
	static const uint32_t versions[] = {
		[PSCI_V0_2] = FW_PSCI_0_2,
		[PSCI_V1_0] = FW_PSCI_1_0,
		[PSCI_V1_1] = FW_PSCI_1_1,
		[PSCI_V1_3] = FW_PSCI_1_3,
	};
	uint32_t psci = versions[v->cfg->psci_version];
	struct fw_config fc = {
		.ncpus = v->ncpus,
		.nenabled = v->nenabled,
		.mpidr = v->mpidr,
		.psci_version = psci,
		/* SYSTEM_SUSPEND is a PSCI 1.0 function; SYSTEM_OFF2 defines 1.3. */
		.system_suspend = psci >= FW_PSCI_1_0,
		.system_off2 = psci == FW_PSCI_1_3,
	};
	uint64_t ver = 0;

	if (!v->psci_user) {
		/* The DT must promise what KVM's PSCI implements. */
		if (vcpu_getreg(&v->cpus[0].vcpu, kvm_psciverreg(), &ver) || !ver) {
			ver = FW_PSCI_0_2;
		}
		v->psci_version = (uint32_t)ver;
		return 0;
	}
	v->psci_version = fc.psci_version;
	v->fw = fw_create(&fc, &platform_ops, v);
	if (!v->fw) {
		fprintf(stderr, "hotvm: cannot create the firmware core: %s\n", strerror(errno));
		return -errno;
	}
	return platform_filter(v);
}

/* The devices decode exactly the regions the machine (and so the DT) gives them. */
_Static_assert(MACHINE_UART_SIZE == UART_SIZE, "UART region differs from the device's");
_Static_assert(MACHINE_RTC_SIZE == RTC_SIZE, "RTC region differs from the device's");

_Static_assert(MACHINE_CPUHP_SIZE == CPUHP_SIZE, "hot-plug region differs from the device's");

/* The hot-plug device's view of the machine: the core's PSCI gate, the GED line. */
static bool hp_enabled(void *opaque, unsigned int cpu)
{
	return fw_enabled(((struct vmm *)opaque)->fw, cpu);
}

static int hp_enable(void *opaque, unsigned int cpu)
{
	return fw_enable(((struct vmm *)opaque)->fw, cpu);
}

static int hp_disable(void *opaque, unsigned int cpu)
{
	return fw_disable(((struct vmm *)opaque)->fw, cpu);
}

static void hp_pulse(void *opaque)
{
	struct vmm *v = opaque;
	unsigned int intid = v->machine.region[MACHINE_CPUHP].intid;
	int ret = vm_irq(&v->kvm, intid, 1);

	ret = ret ? ret : vm_irq(&v->kvm, intid, 0);
	if (ret) {
		/* The guest is not told; the API's wait for an eject will time out. */
		vmm_log(LOG_ERROR, "cannot raise the hot-plug GED interrupt (INTID %u): %s", intid,
			strerror(-ret));
	}
}

static void hp_event(void *opaque, const char *type, unsigned int cpu, const char *kind)
{
	api_emit_kind(((struct vmm *)opaque)->api, type, (int)cpu, kind);
}

static int setup_devices(struct vmm *v)
{
	const struct machine_region *uart = &v->machine.region[MACHINE_UART];
	const struct machine_region *rtc = machine_region(&v->machine, MACHINE_RTC);
	const struct machine_region *hp = machine_region(&v->machine, MACHINE_CPUHP);
	const struct cpuhp_ops hp_ops = {
		.enabled = hp_enabled,
		.enable = hp_enable,
		.disable = hp_disable,
		.pulse = hp_pulse,
		.event = hp_event,
		.opaque = v,
	};
	/* With --console virtio the UART stays (DT, SPCR, earlycon) but has no terminal. */
	bool term = v->cfg->console == CONSOLE_SERIAL;
	int ret;

	v->uart = uart_create(uart->base, term ? STDIN_FILENO : -1, term ? STDOUT_FILENO : -1,
			      uart_irq, v);
	if (!v->uart) {
		return -ENOMEM;
	}
	ret = mmio_register(&v->mmio, uart->base, uart->size, uart_mmio, v->uart);
	if (!ret && rtc) {
		v->rtc = rtc_create(rtc->base);
		ret = v->rtc ? mmio_register(&v->mmio, rtc->base, rtc->size, rtc_mmio, v->rtc) :
			       -ENOMEM;
	}
	if (!ret && hp && v->fw) {
		v->cpuhp = cpuhp_create(hp->base, v->ncpus, &hp_ops);
		ret = v->cpuhp ? mmio_register(&v->mmio, hp->base, hp->size, cpuhp_mmio, v->cpuhp) :
				 -ENOMEM;
	}
	return ret;
}

/* Taken (even if a stop is already under way: it ends the VM all the same). */
static int api_shutdown(void *opaque)
{
	return vmm_request(opaque, VM_EV_POWEROFF) == VM_REFUSED ? -ESHUTDOWN : 0;
}

/* Refused while the VM is stopping: a stop beats a reset. */
static int api_reboot(void *opaque)
{
	return vmm_request(opaque, VM_EV_RESET) == VM_REFUSED ? -ESHUTDOWN : 0;
}

static int api_hp_add(void *opaque, unsigned int cpu)
{
	return cpuhp_add(((struct vmm *)opaque)->cpuhp, cpu);
}

static int api_hp_remove(void *opaque, unsigned int cpu)
{
	return cpuhp_remove(((struct vmm *)opaque)->cpuhp, cpu);
}

static bool api_hp_removing(void *opaque, unsigned int cpu)
{
	return cpuhp_removing(((struct vmm *)opaque)->cpuhp, cpu);
}

static unsigned int api_hp_removals(void *opaque, unsigned int cpu)
{
	return cpuhp_removals(((struct vmm *)opaque)->cpuhp, cpu);
}

static bool api_hp_cancel(void *opaque, unsigned int cpu)
{
	return cpuhp_cancel(((struct vmm *)opaque)->cpuhp, cpu);
}

static const char *api_state(void *opaque)
{
	return vmstate_name(__atomic_load_n(&((struct vmm *)opaque)->vm.state, __ATOMIC_ACQUIRE));
}

/* SIGINT/SIGTERM/SIGHUP/SIGUSR2: blocked in every thread but signal_thread. */
static void block_stop_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* The control API (docs/api.md), before any vCPU runs. */
static int start_api(struct vmm *v)
{
	struct api_ops ops = {
		.fw = v->fw,
		.ncpus = v->ncpus,
		.hotplug = v->psci_user,
		.opaque = v,
		.shutdown = api_shutdown,
		.reboot = api_reboot,
		.state = api_state,
	};
	static const struct api_hotplug acpi_ops = {
		.add = api_hp_add,
		.remove = api_hp_remove,
		.removing = api_hp_removing,
		.removals = api_hp_removals,
		.cancel = api_hp_cancel,
	};
	char err[256];

	if (!v->cfg->api_socket) {
		return 0;
	}
	if (v->cpuhp) {
		ops.acpi = &acpi_ops; /* the guest is told of every change */
	}
	/* Its thread inherits the mask: a SIGTERM must not kill hotvm there. */
	block_stop_signals();
	v->api = api_start(v->cfg->api_socket, &ops, err, sizeof(err));
	if (!v->api) {
		fprintf(stderr, "hotvm: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int start_threads(struct vmm *v)
{
	struct sigaction sa = { .sa_handler = kick_handler, .sa_flags = SA_RESTART };
	int err;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL)) {
		fprintf(stderr, "hotvm: cannot install the vCPU kick signal handler: %s\n",
			strerror(errno));
		return -errno;
	}
	/* Blocked everywhere (threads inherit the mask); signal_thread waits for them. */
	block_stop_signals();
	err = pthread_create(&v->sig_thread, NULL, signal_thread, v);
	if (err) {
		fprintf(stderr, "hotvm: cannot start the signal thread: %s\n", strerror(err));
		return -err;
	}
	v->sig_started = true;
	for (unsigned int i = 0; i < v->ncpus; i++) {
		int ret = pthread_create(&v->cpus[i].thread, NULL, cpu_thread, &v->cpus[i]);

		if (ret) {
			fprintf(stderr, "hotvm: cannot start vCPU thread %u: %s\n", i, strerror(ret));
			return -ret;
		}
		v->cpus[i].thread_started = true;
	}
	return 0;
}

/* Under v->lock: power on the boot vCPU (and with KVM's PSCI, all). */
static void power_on(struct vmm *v)
{
	enum cpu_mode mode = v->psci_user ? MODE_BOOT : MODE_KERNEL;
	unsigned int n = v->psci_user ? 1 : v->ncpus;

	for (unsigned int i = 0; i < v->ncpus; i++) {
		v->cpus[i].state = CPU_PARKED;
	}
	for (unsigned int i = 0; i < n; i++) {
		cpu_start(&v->cpus[i], mode, v->layout.entry, v->layout.dtb, false);
		pthread_cond_signal(&v->cpus[i].wake);
	}
}

/*
 * HOTVM_TEST_RESET_DELAY_MS=N: sleep N ms in the middle of every reset's
 * reload, so that tests can deliver a stop exactly then
 * (tests/e2e/cases/reset_stop.sh). Read once at start-up.
 */
static unsigned int reset_delay_ms(void)
{
	const char *t = getenv("HOTVM_TEST_RESET_DELAY_MS");

	return t ? (unsigned int)strtoul(t, NULL, 10) : 0;
}

/* Warm reset: images back in place, firmware state back to boot. */
static int reset(struct vmm *v)
{
	char what[128];
	int ret;

	vmm_log(LOG_INFO, "guest reset: reloading the images");
	/* Firmware first: the ACPI tables describe the vCPUs enabled after it. */
	if (v->fw) {
		fw_reset(v->fw);
	}
	if (v->cpuhp) {
		cpuhp_reset(v->cpuhp);
	}
	/* Devices stop using guest RAM (acknowledged writes complete) before it is reloaded. */
	virtio_reset(v);
	ret = boot_load(v);
	if (!ret) {
		ret = gic_reset(&v->gic, what, sizeof(what));
		if (ret) {
			fprintf(stderr, "hotvm: guest reset: cannot reset the vGIC, %s: %s\n",
				what, strerror(-ret));
		}
	}
	if (v->reset_delay_ms) {
		struct timespec ts = { v->reset_delay_ms / 1000,
				       (long)(v->reset_delay_ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) && errno == EINTR) {
		}
	}
	uart_reset(v->uart);
	vmm_log(LOG_INFO, "guest reset: rebooting");
	return ret;
}

/*
 * Wait for the guest to stop for good; returns the exit status. Every
 * decision is the state machine's (lib/vmstate.h): this loop only waits
 * until no vCPU runs, reports that, and carries out the reload.
 */
static int supervise(struct vmm *v)
{
	int ret;

	pthread_mutex_lock(&v->lock);
	phase_mark(PHASE_POWERON);
	power_on(v);
	for (;;) {
		while (v->vm.state == VM_RUNNING || v->nrunning > 0) {
			pthread_cond_wait(&v->cond, &v->lock);
		}
		vmstate_apply(&v->vm, VM_EV_PARKED);
		if (v->vm.state == VM_OFF) {
			break;
		}
		/* Reloading: every vCPU thread is parked, nothing touches KVM or the core. */
		pthread_mutex_unlock(&v->lock);
		ret = reset(v);
		pthread_mutex_lock(&v->lock);
		vmstate_apply(&v->vm, ret ? VM_EV_RELOAD_FAILED : VM_EV_RELOADED);
		if (v->vm.state == VM_RUNNING) {
			power_on(v);
		} else if (v->vm.state == VM_STOPPING) {
			vmm_log(LOG_INFO, "a stop arrived during the reset: not rebooting");
		}
	}
	phase_mark(PHASE_PARKED);
	v->quit = true;
	for (unsigned int i = 0; i < v->ncpus; i++) {
		pthread_cond_signal(&v->cpus[i].wake);
	}
	pthread_mutex_unlock(&v->lock);
	if (v->vm.status == 0 && v->vm.hibernate) {
		fprintf(stderr, "hotvm: the guest hibernated (PSCI SYSTEM_OFF2, HIBERNATE_OFF): "
				"powered off; its memory is gone, so it resumes only from the "
				"image it saved to its disk\n");
	} else if (v->vm.status == 0) {
		vmm_log(LOG_INFO, "the guest powered off");
	}
	return v->vm.status;
}

static void destroy(struct vmm *v)
{
	boot_load_wait(v); /* a failed start-up: the loader thread still writes guest RAM */
	if (v->cpus) {
		pthread_mutex_lock(&v->lock);
		v->quit = true;
		for (unsigned int i = 0; i < v->ncpus; i++) {
			pthread_cond_signal(&v->cpus[i].wake);
		}
		pthread_mutex_unlock(&v->lock);
		for (unsigned int i = 0; i < v->ncpus; i++) {
			if (v->cpus[i].thread_started) {
				pthread_join(v->cpus[i].thread, NULL);
			}
		}
	}
	if (v->sig_started) {
		pthread_kill(v->sig_thread, SIGUSR2);
		pthread_join(v->sig_thread, NULL);
	}
	phase_mark(PHASE_JOINED);
	/* Before the core goes: the API thread reads it. */
	api_stop(v->api);
	uart_destroy(v->uart);
	rtc_destroy(v->rtc);
	cpuhp_destroy(v->cpuhp);
	virtio_close(v);
	if (v->fw) {
		fw_destroy(v->fw);
	}
	for (unsigned int i = 0; v->cpus && i < v->ncpus; i++) {
		if (v->cpus[i].vcpu.fd >= 0) {
			vcpu_destroy(&v->cpus[i].vcpu);
		}
		pthread_cond_destroy(&v->cpus[i].wake);
	}
	if (v->gic.fd > 0) {
		gic_destroy(&v->gic);
	}
	vm_close(&v->kvm);
	phase_mark(PHASE_VMCLOSED);
	ram_unmap(v->ram.hva, v->ram.size);
	free(v->cpus);
	free(v->mpidr);
	boot_close(v);
	free(v->dtb);
	pthread_cond_destroy(&v->cond);
	pthread_mutex_destroy(&v->lock);
	phase_mark(PHASE_END);
}

/* A step of vmm_run()'s start-up done: note the time (HOTVM_STATS). */
static int reached(enum phase p)
{
	phase_mark(p);
	return 0;
}

int vmm_run(struct config *cfg)
{
	struct vmm v = { .cfg = cfg, .gic = { -1, -1 } };
	int status = 1;

	log_level = cfg->loglevel;
	v.kvm.sys_fd = v.kvm.vm_fd = -1;
	v.kernel.fd = v.initrd.fd = -1;
	pthread_mutex_init(&v.lock, NULL);
	pthread_cond_init(&v.cond, NULL);
	vmstate_init(&v.vm);
	v.reset_delay_ms = reset_delay_ms();
	signal(SIGPIPE, SIG_IGN);

	if (open_kvm(&v) || reached(PHASE_VM) ||
	    map_ram(&v) || reached(PHASE_RAM) ||
	    boot_prepare(&v) || reached(PHASE_IMAGES) ||
	    boot_load_start(&v) || create_cpus(&v) || reached(PHASE_CPUS) ||
	    setup_firmware(&v) || boot_dtb(&v) || reached(PHASE_DTB) ||
	    setup_devices(&v) || virtio_setup(&v) || reached(PHASE_DEVICES) ||
	    boot_load_finish(&v) || reached(PHASE_LOADED) ||
	    start_api(&v)) {
		goto out;
	}
	vmm_log(LOG_INFO, "%u vCPUs (%u enabled), %lu MiB, %s, PSCI %u.%u in %s", v.ncpus,
		v.nenabled, cfg->mem, v.info.linux_image ? "Linux Image" : "raw binary",
		v.psci_version >> 16, v.psci_version & 0xffff,
		v.psci_user ? "hotvm" : "KVM");
	if (start_threads(&v) || virtio_start(&v) || uart_start(v.uart)) {
		goto out;
	}
	/* Every file is open and every thread exists: from here, the allow-list. */
	if ((cfg->seccomp == SANDBOX_ON && seccomp_install()) ||
	    seccomp_selftest(cfg->seccomp == SANDBOX_ON)) {
		goto out;
	}
	phase_mark(PHASE_THREADS);
	status = supervise(&v);
out:
	destroy(&v);
	if (vmm_stats()) {
		phase_print(stderr);
	}
	return status;
}
