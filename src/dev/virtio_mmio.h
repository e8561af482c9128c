/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport, version 2 (VIRTIO 1.2 §4.2.2; DT "virtio,mmio"):
 * the register block a device type (block, network, ...) plugs into
 * through struct virtio_mmio_ops. The transport owns the device status,
 * feature negotiation, the queues' registers and their struct virtq, the
 * interrupt status and the interrupt line; the device owns its config
 * space and the data path.
 *
 * Locking: register accesses (vCPU threads) are serialized by the
 * transport's lock, and every op is called with it held, so ops never run
 * concurrently with each other. A device's own threads (and the ops) may
 * call virtio_mmio_interrupt(), virtio_mmio_config_changed(),
 * virtio_mmio_needs_reset(), virtio_mmio_driver_features() and
 * virtio_mmio_queue() at any time, also while an op (e.g. reset) waits for
 * them: those take only a separate interrupt lock. The @irq callback is
 * called with that interrupt lock held.
 *
 * Queues: the device pops and pushes a queue only while DRIVER_OK is set
 * (after a notify op); the transport sets a queue up when the driver
 * writes QueueReady 1 and resets it only when no device can be using it
 * (device reset, or QueueReady 0 before DRIVER_OK). A queue torn down with
 * QueueReady 0 while DRIVER_OK is set stays with the device until reset;
 * enabling it again before that sets NEEDS_RESET.
 */
#ifndef HOTVM_VIRTIO_MMIO_H
#define HOTVM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ram.h"
#include "lib/virtq.h"

#define VIRTIO_MMIO_SIZE       0x200
#define VIRTIO_MMIO_CONFIG     0x100 /* config space offset */
#define VIRTIO_MMIO_MAX_QUEUES 8

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

/* Register offsets (VIRTIO 1.2 table 4.1). */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_SHM_SEL		0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW		0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH	0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW	0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH	0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc

/* InterruptStatus bits */
#define VIRTIO_MMIO_INT_VRING  1 /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG 2 /* configuration change notification */

/* Device status bits (VIRTIO 1.2 §2.1) */
#define VIRTIO_CONFIG_S_ACKNOWLEDGE 1
#define VIRTIO_CONFIG_S_DRIVER	    2
#define VIRTIO_CONFIG_S_DRIVER_OK   4
#define VIRTIO_CONFIG_S_FEATURES_OK 8
#define VIRTIO_CONFIG_S_NEEDS_RESET 0x40
#define VIRTIO_CONFIG_S_FAILED	    0x80

#define VIRTIO_F_VERSION_1 32

/* Features the transport adds to every device's: version 1 and the ring's own. */
#define VIRTIO_MMIO_TRANSPORT_FEATURES                                                             \
	(1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RING_F_INDIRECT_DESC |                        \
	 1ull << VIRTIO_RING_F_EVENT_IDX)

struct kvm_vcpu;
struct virtio_mmio;

/* What a device type provides. Called with the transport lock held. */
struct virtio_mmio_ops {
	/* Device-specific feature bits offered (the transport adds its own). */
	uint64_t (*features)(void *opaque);
	/*
	 * The driver set FEATURES_OK with @features (a subset of what was
	 * offered, VERSION_1 included): false refuses the combination.
	 * NULL: every subset is fine.
	 */
	bool (*set_features)(void *opaque, uint64_t features);
	/* Config space access, @off from the start of config space, in range. */
	void (*config_read)(void *opaque, uint32_t off, uint8_t *data, uint32_t len);
	void (*config_write)(void *opaque, uint32_t off, const uint8_t *data, uint32_t len);
	/*
	 * Buffers may be available on ready queue @q: a QueueNotify write, or
	 * DRIVER_OK set (for every ready queue, so no kick before it is lost).
	 * Only called while DRIVER_OK is set and NEEDS_RESET is not.
	 */
	void (*notify)(void *opaque, unsigned int q);
	/*
	 * Device reset (status 0 written): stop using the queues, finish or
	 * drop what is in flight (completing acknowledged writes first), and
	 * return when nothing touches the queues any more. The transport then
	 * resets the queues and its registers.
	 */
	void (*reset)(void *opaque);
};

struct virtio_mmio_config {
	uint32_t device_id; /* VIRTIO 1.2 §5: 1 net, 2 block, 4 rng, 19 vsock... */
	uint32_t vendor_id;
	unsigned int nqueues;			    /* <= VIRTIO_MMIO_MAX_QUEUES */
	uint16_t queue_max[VIRTIO_MMIO_MAX_QUEUES]; /* QueueNumMax, powers of 2 */
	uint32_t config_size;			    /* <= VIRTIO_MMIO_SIZE - VIRTIO_MMIO_CONFIG */
};

/*
 * A transport at guest physical @base over guest RAM @ram (the queues
 * live there). @irq(irq_opaque, level) drives the interrupt line: called
 * with 1 when InterruptStatus becomes non-zero and again when an
 * acknowledge leaves it non-zero (the edges an edge-triggered SPI needs;
 * for a level-triggered line a repeated 1 changes nothing), with 0 when it
 * becomes 0. NULL on a bad @cfg or no memory.
 */
struct virtio_mmio *virtio_mmio_create(uint64_t base, const struct ram *ram,
				       const struct virtio_mmio_config *cfg,
				       const struct virtio_mmio_ops *ops, void *opaque,
				       void (*irq)(void *irq_opaque, int level), void *irq_opaque);
void virtio_mmio_destroy(struct virtio_mmio *vm);
/* Register accesses so far: each is an exit to a vCPU thread under KVM. */
uint64_t virtio_mmio_accesses(struct virtio_mmio *vm);
/* A reset from outside (the VM reboots): as if the driver wrote status 0. */
void virtio_mmio_reset(struct virtio_mmio *vm);
void virtio_mmio_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
		      bool is_write, void *opaque);

/* Queue @q (NULL past nqueues): for the device to pop and push. */
struct virtq *virtio_mmio_queue(struct virtio_mmio *vm, unsigned int q);
/*
 * The features negotiated: what the driver wrote when FEATURES_OK was
 * accepted, 0 before that and after a reset. Callable from ops and device
 * threads.
 */
uint64_t virtio_mmio_driver_features(struct virtio_mmio *vm);
/* Raise VIRTIO_MMIO_INT_* bits in InterruptStatus (and the line). */
void virtio_mmio_interrupt(struct virtio_mmio *vm, uint32_t bits);
/* The config space changed: bump ConfigGeneration, config interrupt. */
void virtio_mmio_config_changed(struct virtio_mmio *vm);
/*
 * The device hit an error it cannot recover from without a reset (e.g.
 * virtq_pop() failed): set DEVICE_NEEDS_RESET and, if DRIVER_OK is set,
 * send a config change notification (VIRTIO 1.2 §2.1.2). Until the
 * driver resets the device, no more notify ops are called.
 */
void virtio_mmio_needs_reset(struct virtio_mmio *vm);

#endif
