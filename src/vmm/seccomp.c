// SPDX-License-Identifier: MIT
/*
 * The seccomp allow-list: a classic BPF program over struct seccomp_data,
 * built here from three tables (docs/seccomp.md lists them with reasons).
 *
 *   arch != AArch64                              -> kill
 *   ioctl: request in ioctls[] (upper 32 bits 0)  -> allow, else kill
 *   nr in allowed[]                               -> allow
 *   mmap/mprotect without PROT_EXEC               -> allow
 *   openat                                        -> fail with EACCES
 *   anything else                                 -> kill the process (SIGSYS)
 *
 * The order is the hot path's: a forwarded firmware call costs one KVM_RUN
 * and one KVM_SET_ONE_REG, and the kernel runs this program for each
 * (ioctl's outcome depends on its arguments, so the kernel's per-syscall
 * cache of constant outcomes cannot answer it). ioctl is tested first and
 * KVM_RUN, KVM_SET_ONE_REG and KVM_GET_ONE_REG lead its table: KVM_RUN is
 * allowed by the 9th instruction, not after the ~80 that testing the other
 * system calls first took. Those others are answered from that cache
 * after their first call, whatever their place here.
 *
 * openat fails instead of killing: glibc opens files on its own on rare
 * paths and copes with a failure (a thread's malloc arena shrinking at
 * thread exit reads /proc/sys/vm/overcommit_memory once). hotvm itself
 * opens nothing after start-up, and with EACCES it still cannot.
 *
 * Every rule is one comparison followed by a return, so the program needs
 * no jump longer than a few instructions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <asm/ioctls.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <linux/vhost.h>

#include "vmm/seccomp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The steady state: vCPU run loops, UART input, control API, reset, exit. */
static const unsigned int allowed[] = {
	/* I/O on descriptors opened at start-up, and the API's clients */
	__NR_read, __NR_write, __NR_writev, __NR_close, __NR_ppoll,
	/* a reset reads the kernel and initrd again from their open files */
	__NR_pread64,
	__NR_accept4, __NR_recvfrom, __NR_sendto,
	/* threads: locks, kicks (SIGUSR1), the signal thread, joins */
	__NR_futex, __NR_tgkill, __NR_getpid, __NR_gettid,
	__NR_rt_sigprocmask, __NR_rt_sigreturn, __NR_rt_sigtimedwait,
	__NR_restart_syscall, __NR_sched_yield, __NR_sched_getaffinity,
	/*
	 * a thread created just before the filter (TSYNC) may run its start-up
	 * after it, with every signal blocked: glibc's start_thread registers
	 * rseq and its robust futex list there
	 */
	__NR_rseq, __NR_set_robust_list,
	/* memory: malloc (arenas, large blocks), thread stacks at exit */
	__NR_brk, __NR_munmap, __NR_mremap, __NR_madvise,
	/* time (the vDSO normally answers), sleeps, TRNG entropy */
	__NR_clock_gettime, __NR_clock_nanosleep, __NR_nanosleep, __NR_getrandom,
	/* stdio's first use of a stream; removing the API socket at exit */
	__NR_newfstatat, __NR_fstat, __NR_unlinkat,
	/*
	 * virtio-blk's I/O thread: submits its SQEs (readv, writev, fsync,
	 * fallocate run inside io_uring, so they need no rule of their own)
	 */
	__NR_io_uring_enter,
	/* the end */
	__NR_exit, __NR_exit_group,
};

/* ioctl requests: the KVM calls of the run loop first, in the order of their frequency. */
static const unsigned int ioctls[] = {
	KVM_RUN,
	KVM_SET_ONE_REG,		/* a firmware call's result */
	KVM_GET_ONE_REG,		/* its arguments */
	KVM_ARM_VCPU_INIT,		/* warm reset at CPU_OFF, resume, reboot */
	KVM_SET_MP_STATE,		/* suspend / wake-up */
	KVM_IRQ_LINE,			/* UART interrupt */
	KVM_SET_DEVICE_ATTR,		/* vGIC/ITS reset at reboot */
	KVM_GET_DEVICE_ATTR,		/* vGIC reset: did LPIs go off */
	TCGETS,				/* tcgetattr */
	TCSETS,				/* tcsetattr(TCSANOW) restores the terminal */
	/*
	 * virtio-net and virtio-vsock on vhost (dev/vhost_dev.h): the driver's
	 * FEATURES_OK, DRIVER_OK and reset run on vCPU threads, any time after
	 * the filter. Opening, VHOST_SET_OWNER, the memory table, the tap's
	 * TUNSETIFF and the vsock CID happen at start-up, before it.
	 */
	TUNSETOFFLOAD,			/* FEATURES_OK: offloads the guest accepted */
	VHOST_SET_FEATURES,		/* DRIVER_OK: the negotiated features */
	VHOST_SET_VRING_NUM,		/* DRIVER_OK: each vring's size, */
	VHOST_SET_VRING_BASE,		/* its first index (0), */
	VHOST_SET_VRING_ADDR,		/* where its rings are, */
	VHOST_SET_VRING_KICK,		/* the ioeventfd vhost waits on, */
	VHOST_SET_VRING_CALL,		/* the eventfd vhost signals */
	VHOST_NET_SET_BACKEND,		/* DRIVER_OK: the tap; reset: none (-1) */
	VHOST_VSOCK_SET_RUNNING,	/* DRIVER_OK: 1; reset: 0 */
	VHOST_GET_VRING_BASE,		/* reset: stops a vring */
};

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))
#define ARG_HI(n) (ARG_LO(n) + sizeof(__u32))	/* little-endian */
#define RET_KILL BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define RET_EACCES BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA))

#define PROG_MAX (5 + 2 * ARRAY_SIZE(allowed) + 6 + 2 * ARRAY_SIZE(ioctls) + 6 + 2 + 1)

static size_t build(struct sock_filter *f)
{
	size_t n = 0, i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 1, 0);
	f[n++] = (struct sock_filter)RET_KILL;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	/* ioctl first (the hot path): skip the block unless nr matches */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0,
					      (__u8)(4 + 2 * ARRAY_SIZE(ioctls) + 1));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_HI(1));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
	f[n++] = (struct sock_filter)RET_KILL;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
	for (i = 0; i < ARRAY_SIZE(ioctls); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ioctls[i], 0, 1);
		f[n++] = (struct sock_filter)RET_ALLOW;
	}
	f[n++] = (struct sock_filter)RET_KILL;
	/* the accumulator still holds nr here */
	for (i = 0; i < ARRAY_SIZE(allowed); i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, allowed[i], 0, 1);
		f[n++] = (struct sock_filter)RET_ALLOW;
	}
	/* mmap/mprotect: never executable memory */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 1, 0);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1);
	f[n++] = (struct sock_filter)RET_KILL;
	f[n++] = (struct sock_filter)RET_ALLOW;
	/* openat: refused, not fatal (see the top of this file) */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 1);
	f[n++] = (struct sock_filter)RET_EACCES;
	f[n++] = (struct sock_filter)RET_KILL;
	return n;
}

int seccomp_install(void)
{
	struct sock_filter f[PROG_MAX];
	struct sock_fprog prog = { .filter = f };
	long ret;

	prog.len = (unsigned short)build(f);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "hotvm: seccomp: cannot set no_new_privs: %s\n", strerror(errno));
		return -errno;
	}
	/* TSYNC: every thread of hotvm at once; > 0 names a thread that could not sync. */
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (ret != 0) {
		int err = ret < 0 ? errno : ESRCH;

		fprintf(stderr,
			"hotvm: seccomp: cannot install the system call filter: %s "
			"(--seccomp=off runs without it)\n",
			strerror(err));
		return -err;
	}
	return 0;
}

int seccomp_selftest(bool installed)
{
	const char *env = getenv("HOTVM_SECCOMP_SELFTEST");
	int fd;

	if (!env || strcmp(env, "1")) {
		return 0;
	}
	/* Refused (EACCES) under the filter, not fatal. */
	fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
	fprintf(stderr, "hotvm: seccomp selftest: openat() %s%s\n",
		fd >= 0 ? "succeeded" : "failed: ", fd >= 0 ? "" : strerror(errno));
	if (fd >= 0) {
		close(fd);
	}
	/* Forbidden: kills hotvm with SIGSYS under the filter. */
	fprintf(stderr, "hotvm: seccomp selftest: calling socket(), which the filter %s\n",
		installed ? "forbids" : "would forbid (filter off)");
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!installed) {
		fprintf(stderr, "hotvm: seccomp selftest: socket() returned %d (filter off)\n", fd);
		if (fd >= 0) {
			close(fd);
		}
		return 0;
	}
	fprintf(stderr, "hotvm: seccomp selftest: FAILED: socket() returned %d\n", fd);
	return -EPERM;
}
