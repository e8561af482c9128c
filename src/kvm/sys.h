/* SPDX-License-Identifier: MIT */
/*
 * Private to src/kvm: every ioctl() hotvm makes goes through kvm_ioctl(),
 * which counts it in the calling thread's kvm_thread_ioctls. kvm_ioctls()
 * (kvm.h) reads the count, so that the VMM can attribute the ioctls a vCPU
 * thread makes to the exits it handles (HOTVM_STATS, src/vmm/cpu.c).
 */
#ifndef HOTVM_KVM_SYS_H
#define HOTVM_KVM_SYS_H

#include <stdint.h>
#include <sys/ioctl.h>

extern _Thread_local uint64_t kvm_thread_ioctls;

#define kvm_ioctl(fd, req, arg) (kvm_thread_ioctls++, ioctl((fd), (req), (arg)))

#endif
