// SPDX-License-Identifier: MIT
/*
 * virtio-mmio version 2 register model (see virtio_mmio.h), after VIRTIO
 * 1.2 §4.2.2 and what Linux's drivers/virtio/virtio_mmio.c relies on:
 * QueueReady reads back what was written (the driver checks it is 0
 * before it sets a queue up, and again after it tears one down); reset
 * is synchronous (Status reads 0 right after 0 is written); a shared
 * memory region that does not exist has length -1.
 *
 * The control registers take 32-bit aligned accesses only and config
 * space 8-, 16- and 32-bit aligned ones (§4.2.2.2); anything else reads
 * as 0 and is ignored when written.
 *
 * Locks: @lock serializes register accesses and the ops; @irq_lock
 * (taken after @lock, or alone by device threads) covers InterruptStatus,
 * the line, ConfigGeneration, the status byte (device threads set
 * NEEDS_RESET in it) and the accepted features (read by ops and device
 * threads).
 */
#include <endian.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dev/virtio_mmio.h"

struct vmq {
	uint32_t num;
	bool ready; /* QueueReady as last written */
	uint64_t desc, driver, device;
	struct virtq q;
};

struct virtio_mmio {
	uint64_t base;
	struct ram ram;
	struct virtio_mmio_config cfg;
	const struct virtio_mmio_ops *ops;
	void *opaque;
	void (*irq)(void *irq_opaque, int level);
	void *irq_opaque;

	pthread_mutex_t lock;
	uint64_t accesses; /* register accesses (each one a vCPU exit under KVM) */
	uint32_t dev_features_sel, drv_features_sel, queue_sel, shm_sel;
	uint64_t drv_features;
	struct vmq vq[VIRTIO_MMIO_MAX_QUEUES];

	pthread_mutex_t irq_lock;
	uint32_t status;
	uint64_t features; /* accepted with FEATURES_OK, else 0 */
	uint32_t isr;
	uint32_t generation;
};

static uint64_t offered(struct virtio_mmio *vm)
{
	return vm->ops->features(vm->opaque) | VIRTIO_MMIO_TRANSPORT_FEATURES;
}

/* With @irq_lock held: new InterruptStatus, moving the line when it changes level. */
static void isr_set(struct virtio_mmio *vm, uint32_t isr)
{
	bool was = vm->isr != 0;

	vm->isr = isr;
	if (was != (isr != 0) && vm->irq) {
		vm->irq(vm->irq_opaque, isr != 0);
	}
}

static uint32_t status_get(struct virtio_mmio *vm)
{
	uint32_t s;

	pthread_mutex_lock(&vm->irq_lock);
	s = vm->status;
	pthread_mutex_unlock(&vm->irq_lock);
	return s;
}

/* The driver's bits; NEEDS_RESET is the device's, the driver neither sets nor clears it. */
static void status_set(struct virtio_mmio *vm, uint32_t status)
{
	pthread_mutex_lock(&vm->irq_lock);
	vm->status =
	    (status & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (vm->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	pthread_mutex_unlock(&vm->irq_lock);
}

/* DRIVER_OK and not NEEDS_RESET: the device may work. */
static bool running(struct virtio_mmio *vm)
{
	return (status_get(vm) & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET)) ==
	       VIRTIO_CONFIG_S_DRIVER_OK;
}

static void device_reset(struct virtio_mmio *vm)
{
	unsigned int i;

	vm->ops->reset(vm->opaque);
	for (i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		memset(&vm->vq[i], 0, sizeof(vm->vq[i]));
		virtq_reset(&vm->vq[i].q);
	}
	vm->dev_features_sel = vm->drv_features_sel = vm->queue_sel = vm->shm_sel = 0;
	vm->drv_features = 0;
	pthread_mutex_lock(&vm->irq_lock);
	vm->status = 0;
	vm->features = 0;
	isr_set(vm, 0);
	pthread_mutex_unlock(&vm->irq_lock);
}

void virtio_mmio_needs_reset(struct virtio_mmio *vm)
{
	pthread_mutex_lock(&vm->irq_lock);
	if (!(vm->status & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		vm->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		if (vm->status & VIRTIO_CONFIG_S_DRIVER_OK) {
			isr_set(vm, vm->isr | VIRTIO_MMIO_INT_CONFIG);
		}
	}
	pthread_mutex_unlock(&vm->irq_lock);
}

void virtio_mmio_interrupt(struct virtio_mmio *vm, uint32_t bits)
{
	pthread_mutex_lock(&vm->irq_lock);
	isr_set(vm, vm->isr | (bits & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)));
	pthread_mutex_unlock(&vm->irq_lock);
}

void virtio_mmio_config_changed(struct virtio_mmio *vm)
{
	pthread_mutex_lock(&vm->irq_lock);
	vm->generation++;
	isr_set(vm, vm->isr | VIRTIO_MMIO_INT_CONFIG);
	pthread_mutex_unlock(&vm->irq_lock);
}

/* The driver set FEATURES_OK: may it? (§2.2.2, §6.1: VERSION_1 for a modern device) */
static bool features_ok(struct virtio_mmio *vm)
{
	uint64_t f = vm->drv_features;

	if (f & ~offered(vm)) {
		return false;
	}
	if (!(f >> VIRTIO_F_VERSION_1 & 1)) {
		return false;
	}
	if (vm->ops->set_features && !vm->ops->set_features(vm->opaque, f)) {
		return false;
	}
	pthread_mutex_lock(&vm->irq_lock);
	vm->features = f;
	pthread_mutex_unlock(&vm->irq_lock);
	return true;
}

static void write_status(struct virtio_mmio *vm, uint32_t v)
{
	uint32_t old = status_get(vm);
	unsigned int i;

	v &= 0xff;
	if (!v) {
		device_reset(vm);
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(old & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !features_ok(vm)) {
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK; /* the driver reads it back and fails */
	}
	status_set(vm, v);
	if ((v & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK)) {
		/* kicks before DRIVER_OK were not passed on: look at every queue now */
		for (i = 0; i < vm->cfg.nqueues && running(vm); i++) {
			if (vm->vq[i].ready) {
				vm->ops->notify(vm->opaque, i);
			}
		}
	}
}

static struct vmq *sel_queue(struct virtio_mmio *vm)
{
	return vm->queue_sel < vm->cfg.nqueues ? &vm->vq[vm->queue_sel] : NULL;
}

/*
 * The driver set a queue up wrongly: NEEDS_RESET, with one line on stderr
 * (only the first time until reset, so a guest cannot flood the log).
 */
static void queue_error(struct virtio_mmio *vm, const struct vmq *q, const char *why)
{
	if (!(status_get(vm) & VIRTIO_CONFIG_S_NEEDS_RESET)) {
		fprintf(stderr,
			"hotvm: virtio-mmio@%#llx: queue %u (size %u): %s; device needs reset\n",
			(unsigned long long)vm->base, (unsigned int)(q - vm->vq), q->num, why);
	}
	virtio_mmio_needs_reset(vm);
}

static void write_ready(struct virtio_mmio *vm, struct vmq *q, uint32_t v)
{
	int err;

	if (!v) {
		q->ready = false;
		/* a running device may still be using it; reset takes it away then */
		if (!(status_get(vm) & VIRTIO_CONFIG_S_DRIVER_OK)) {
			virtq_reset(&q->q);
		}
		return;
	}
	if (q->ready) {
		return;
	}
	if (q->q.ready) {
		/* torn down while DRIVER_OK (see above): the device still holds it */
		queue_error(vm, q, "enabled again while the device still uses it");
		return;
	}
	if (q->num > vm->cfg.queue_max[q - vm->vq]) {
		queue_error(vm, q, "size above QueueNumMax");
		return;
	}
	err = virtq_setup(&q->q, &vm->ram, q->num, q->desc, q->driver, q->device,
			  virtio_mmio_driver_features(vm));
	if (err) {
		queue_error(vm, q, virtq_strerror(err));
		return;
	}
	q->ready = true;
}

static void set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffull) | v;
}

static void set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffull) | (uint64_t)v << 32;
}

static void reg_write(struct virtio_mmio *vm, unsigned int off, uint32_t v)
{
	struct vmq *q = sel_queue(vm);
	/* queue registers are fixed while the queue is ready */
	struct vmq *qw = q && !q->ready ? q : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vm->dev_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (status_get(vm) & VIRTIO_CONFIG_S_FEATURES_OK) {
			break; /* negotiation is over */
		}
		if (vm->drv_features_sel == 0) {
			set_lo(&vm->drv_features, v);
		} else if (vm->drv_features_sel == 1) {
			set_hi(&vm->drv_features, v);
		}
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vm->drv_features_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		vm->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (qw) {
			qw->num = v;
		}
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q) {
			write_ready(vm, q, v);
		}
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (v < vm->cfg.nqueues && vm->vq[v].ready && running(vm)) {
			vm->ops->notify(vm->opaque, v);
		}
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		pthread_mutex_lock(&vm->irq_lock);
		isr_set(vm, vm->isr & ~v);
		/*
		 * Bits raised after the driver read InterruptStatus stay set:
		 * assert the line again, the new edge an edge-triggered SPI
		 * needs (a level-triggered line is simply still high).
		 */
		if (vm->isr && vm->irq) {
			vm->irq(vm->irq_opaque, 1);
		}
		pthread_mutex_unlock(&vm->irq_lock);
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(vm, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (qw) {
			uint64_t *r = off < VIRTIO_MMIO_QUEUE_DRIVER_LOW   ? &qw->desc
				      : off < VIRTIO_MMIO_QUEUE_DEVICE_LOW ? &qw->driver
									   : &qw->device;

			if (off & 4) {
				set_hi(r, v);
			} else {
				set_lo(r, v);
			}
		}
		break;
	case VIRTIO_MMIO_SHM_SEL:
		vm->shm_sel = v;
		break;
	}
}

static uint32_t reg_read(struct virtio_mmio *vm, unsigned int off)
{
	struct vmq *q = sel_queue(vm);
	uint32_t v = 0;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vm->cfg.device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return vm->cfg.vendor_id;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (vm->dev_features_sel < 2) {
			return (uint32_t)(offered(vm) >> (32 * vm->dev_features_sel));
		}
		return 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? vm->cfg.queue_max[vm->queue_sel] : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		pthread_mutex_lock(&vm->irq_lock);
		v = vm->isr;
		pthread_mutex_unlock(&vm->irq_lock);
		return v;
	case VIRTIO_MMIO_STATUS:
		return status_get(vm);
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffu; /* no shared memory regions: length -1 */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		pthread_mutex_lock(&vm->irq_lock);
		v = vm->generation;
		pthread_mutex_unlock(&vm->irq_lock);
		return v;
	}
	return 0; /* write-only and reserved registers */
}

void virtio_mmio_mmio(struct kvm_vcpu *vcpu, uint64_t addr, uint8_t *data, uint32_t len,
		      bool is_write, void *opaque)
{
	struct virtio_mmio *vm = opaque;
	uint64_t off = addr - vm->base;
	uint32_t v = 0, coff;

	if (!is_write) {
		memset(data, 0, len);
	}
	pthread_mutex_lock(&vm->lock);
	vm->accesses++;
	if (off < VIRTIO_MMIO_CONFIG) {
		if (len != 4 || off % 4) {
			goto out;
		}
		if (is_write) {
			memcpy(&v, data, 4);
			reg_write(vm, (unsigned int)off, le32toh(v));
		} else {
			v = htole32(reg_read(vm, (unsigned int)off));
			memcpy(data, &v, 4);
		}
		goto out;
	}
	coff = (uint32_t)(off - VIRTIO_MMIO_CONFIG);
	if ((len != 1 && len != 2 && len != 4) || coff % len || off >= VIRTIO_MMIO_SIZE ||
	    coff + len > vm->cfg.config_size) {
		goto out;
	}
	if (is_write) {
		vm->ops->config_write(vm->opaque, coff, data, len);
	} else {
		vm->ops->config_read(vm->opaque, coff, data, len);
	}
out:
	pthread_mutex_unlock(&vm->lock);
}

struct virtq *virtio_mmio_queue(struct virtio_mmio *vm, unsigned int q)
{
	return q < vm->cfg.nqueues ? &vm->vq[q].q : NULL;
}

uint64_t virtio_mmio_driver_features(struct virtio_mmio *vm)
{
	uint64_t f;

	pthread_mutex_lock(&vm->irq_lock);
	f = vm->features;
	pthread_mutex_unlock(&vm->irq_lock);
	return f;
}

struct virtio_mmio *virtio_mmio_create(uint64_t base, const struct ram *ram,
				       const struct virtio_mmio_config *cfg,
				       const struct virtio_mmio_ops *ops, void *opaque,
				       void (*irq)(void *irq_opaque, int level), void *irq_opaque)
{
	struct virtio_mmio *vm;
	unsigned int i;

	if (!cfg->device_id || cfg->nqueues > VIRTIO_MMIO_MAX_QUEUES ||
	    cfg->config_size > VIRTIO_MMIO_SIZE - VIRTIO_MMIO_CONFIG || !ops->features ||
	    !ops->notify || !ops->reset ||
	    (cfg->config_size && (!ops->config_read || !ops->config_write))) {
		return NULL;
	}
	for (i = 0; i < cfg->nqueues; i++) {
		uint32_t m = cfg->queue_max[i];

		if (!m || m > VIRTQ_MAX_SIZE || (m & (m - 1))) {
			return NULL;
		}
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		return NULL;
	}
	vm->base = base;
	vm->ram = *ram;
	vm->cfg = *cfg;
	vm->ops = ops;
	vm->opaque = opaque;
	vm->irq = irq;
	vm->irq_opaque = irq_opaque;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->irq_lock, NULL);
	return vm;
}

uint64_t virtio_mmio_accesses(struct virtio_mmio *vm)
{
	uint64_t n;

	pthread_mutex_lock(&vm->lock);
	n = vm->accesses;
	pthread_mutex_unlock(&vm->lock);
	return n;
}

void virtio_mmio_reset(struct virtio_mmio *vm)
{
	pthread_mutex_lock(&vm->lock);
	device_reset(vm);
	pthread_mutex_unlock(&vm->lock);
}

void virtio_mmio_destroy(struct virtio_mmio *vm)
{
	if (vm) {
		pthread_mutex_destroy(&vm->irq_lock);
		pthread_mutex_destroy(&vm->lock);
		free(vm);
	}
}
