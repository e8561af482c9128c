/* SPDX-License-Identifier: MIT */
/*
 * The VMM's internal API: one struct vmm per VM, one struct cpu per
 * possible vCPU, each with its own thread.
 *
 * Threads and locking
 * -------------------
 * - Each vCPU thread owns its KVM vCPU: only that thread issues ioctls on
 *   it (KVM serialises vCPU ioctls on a mutex that KVM_RUN holds, so
 *   another thread's ioctl would wait for the guest). A powered-off vCPU's
 *   thread is parked on its condition variable, in userspace.
 * - vmm->lock protects every cpu's state/entry/context/mode and the VM's
 *   state machine (lib/vmstate.h). The firmware core calls no hook under
 *   its own lock, so the two locks never nest; nothing calls fw_*() while
 *   holding vmm->lock.
 * - A vCPU thread acts on its own vCPU from the fate fw_call() returns
 *   (exit_fate()): run on, park (CPU_OFF), suspend, or ask the VM to stop
 *   or reset. The only cross-vCPU action is CPU_ON: the platform hook
 *   records the start in the target's struct cpu and wakes its thread.
 * - Stopping (off, reset, failure): vmm_request() gives the event to the
 *   state machine and kicks every running vCPU out of KVM_RUN
 *   (run->immediate_exit plus SIGUSR1). Threads park; the main thread
 *   waits until none runs, then exits or reloads the machine and starts
 *   the boot vCPU again (supervise() in vmm.c).
 */
#ifndef HOTVM_VMM_H
#define HOTVM_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "dev/mmio.h"
#include "fw/fw.h"
#include "kvm/kvm.h"
#include "lib/config.h"
#include "lib/exit.h"
#include "lib/api.h"
#include "lib/image.h"
#include "lib/machine.h"
#include "lib/ram.h"
#include "lib/vmstate.h"

enum cpu_state {
	CPU_PARKED,	/* thread waits in userspace; vCPU off */
	CPU_START,	/* asked to start at entry/context */
	CPU_RUNNING,	/* thread in its run loop */
};

enum cpu_mode {
	MODE_BOOT,	/* boot vCPU after power-on/reset: PC = kernel entry */
	MODE_ON,	/* PSCI CPU_ON from the guest */
	MODE_KERNEL,	/* --psci=kernel: KVM powers secondaries on itself */
};

struct vmm;

/*
 * What a vCPU thread did, counted always and printed at exit when the
 * environment has HOTVM_STATS=1 (cpu.c): exits by action, and the ioctls
 * (kvm_ioctls(): every ioctl the thread made, KVM_RUN included) spent from
 * the KVM_RUN that produced an exit to the end of its handling. Forwarded
 * hypercalls are also counted per SMCCC function ID.
 */
#define CPU_STATS_NACT		(ACT_SUSPEND + 1)
#define CPU_STATS_NFIDS		16

struct cpu_fidstat {
	uint32_t fid;			/* 0: free slot; 0xffffffff: the rest */
	uint64_t calls, ioctls;
};

struct cpu_stats {
	uint64_t exits[CPU_STATS_NACT];	/* by enum exit_action */
	uint64_t ioctls[CPU_STATS_NACT];
	uint64_t poweron_ioctls;	/* vCPU resets and entry registers */
	uint64_t poweron;
	struct cpu_fidstat fid[CPU_STATS_NFIDS];
};

struct cpu {
	struct vmm *vmm;
	unsigned int index;
	struct kvm_vcpu vcpu;
	pthread_t thread;
	bool thread_started;
	pthread_cond_t wake;

	/* under vmm->lock: the next start (CPU_START) */
	enum cpu_state state;
	enum cpu_mode mode;
	uint64_t entry, context;
	bool big_endian;	/* start with SCTLR_EL1.EE set (CPU_ON caller's) */

	/* the vCPU thread's own: the suspend its last firmware call entered */
	bool suspended;
	struct fw_fate_detail suspend;	/* standby or power-down, resume point */
	struct cpu_stats stats;
};

/* A kernel or initrd file, open for the VM's lifetime (boot.c). */
struct boot_file {
	const char *what, *path;
	int fd;			/* -1: none */
	struct stat st;		/* as opened: a reset refuses a changed file */
	size_t size;
};

struct vmm {
	struct config *cfg;
	bool psci_user;			/* SMCCC filter forwards PSCI to us */
	struct exit_policy policy;
	struct machine machine;		/* laid out once by map_ram() */

	struct kvm_vm kvm;
	struct kvm_gic gic;
	struct ram ram;
	struct fw *fw;
	struct mmio_bus mmio;
	struct uart *uart;
	struct rtc *rtc;
	struct cpuhp *cpuhp;		/* --acpi hot-plug registers, or NULL */
	struct virtio_dev *virtio[MACHINE_VIRTIO_SLOTS]; /* slot i's device (virtio.c) */
	struct api *api;		/* control API, or NULL (api_emit accepts NULL) */

	unsigned int ncpus;		/* possible */
	unsigned int nenabled;
	struct cpu *cpus;
	uint64_t *mpidr;
	uint32_t psci_version;

	/* images: files kept open and read into RAM at every (re)boot; the DTB in memory */
	struct boot_file kernel, initrd;
	uint8_t *dtb;
	size_t kernel_size, initrd_size, dtb_size;
	struct image_info info;
	struct image_layout layout;
	struct boot_loader *loader;	/* the first boot's loader thread (boot.c), or NULL */

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* main thread: a request, or a CPU parked */
	struct vmstate vm;		/* under lock; vm.state also read atomically */
	unsigned int nrunning;
	bool quit;
	unsigned int mmio_warnings;
	bool irq_failed;		/* a vm_irq() failure was reported */
	unsigned int reset_delay_ms;	/* HOTVM_TEST_RESET_DELAY_MS (tests) */
	pthread_t sig_thread;		/* SIGINT/SIGTERM/SIGHUP -> stop */
	bool sig_started;
};

/* vmm.c */
int vmm_run(struct config *cfg);
/* Give @ev (VM_EV_RESET/POWEROFF/HIBERNATE/FAIL) to the state machine; kick the vCPUs. */
enum vm_answer vmm_request(struct vmm *v, enum vm_event ev);
void vmm_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HOTVM_STATS=1 in the environment: print the counters and phases at exit (stderr). */
bool vmm_stats(void);

/* cpu.c */
void *cpu_thread(void *arg);
/*
 * Under vmm->lock: ask @c's thread to start in @mode at @entry, x0 = @ctx;
 * then signal c->wake (after unlocking, where it is on a hot path).
 */
void cpu_start(struct cpu *c, enum cpu_mode mode, uint64_t entry, uint64_t ctx, bool be);
/* Under vmm->lock: get @c out of KVM_RUN if it is in its run loop. */
void cpu_kick(struct cpu *c);

/* platform.c */
extern const struct fw_platform platform_ops;
/* The calling vCPU's SCTLR_EL1.EE (its data endianness); -errno on failure. */
int platform_bigendian(struct cpu *c, bool *be);
/* Forward the SMCCC ranges to userspace (before the first KVM_RUN). */
int platform_filter(struct vmm *v);

/* virtio.c: the devices in the machine's virtio-mmio slots */
struct virtio_dev;
int virtio_setup(struct vmm *v);	/* create, map, wire to KVM (after the vGIC) */
int virtio_start(struct vmm *v);	/* their I/O threads */
void virtio_reset(struct vmm *v);	/* guest reboot: every device reset */
void virtio_close(struct vmm *v);

/* boot.c */
int boot_prepare(struct vmm *v);	/* read images, lay out RAM */
int boot_dtb(struct vmm *v);		/* build the DTB (needs MPIDRs) */
int boot_load(struct vmm *v);		/* load images into guest RAM */
/*
 * The first boot's load: boot_load_start() starts reading part of the
 * images on a thread of its own, boot_load_finish() reads the rest on the
 * calling thread, waits for that thread and loads the tables (as
 * boot_load()). boot_load_wait() only waits for that thread (error paths:
 * before guest RAM goes); both return its result, 0 if there is none.
 */
int boot_load_start(struct vmm *v);
int boot_load_finish(struct vmm *v);
int boot_load_wait(struct vmm *v);
void boot_close(struct vmm *v);		/* close the image files */

#endif
