// SPDX-License-Identifier: MIT
/*
 * The virtio devices of the machine description: one per used
 * virtio-mmio slot, created in slot order. Each device's register block
 * is an MMIO region (config space and control registers trap to the vCPU
 * thread), while its queue notifications and interrupts stay inside KVM:
 * KVM_IOEVENTFD on QueueNotify (one eventfd per queue, data match = the
 * queue index Linux writes) and KVM_IRQFD on the slot's SPI. The device's
 * own I/O thread does the work (dev/virtio_dev.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev/virtio_blk.h"
#include "dev/virtio_console.h"
#include "dev/virtio_dev.h"
#include "dev/virtio_rng.h"
#include "vmm/vmm.h"

static struct virtio_dev *create(struct vmm *v, const struct machine_virtio *mv,
				 const struct machine_region *r, char *err, size_t errlen)
{
	struct virtio_dev *d = NULL;

	switch (mv->type) {
	case MACHINE_VIRTIO_RNG:
		d = virtio_rng_create(r->base, &v->ram);
		if (!d) {
			snprintf(err, errlen, "%s", strerror(errno));
		}
		break;
	case MACHINE_VIRTIO_CONSOLE:
		/* --console virtio: the terminal is this device's (the UART's is -1) */
		d = virtio_console_create(r->base, &v->ram, STDIN_FILENO, STDOUT_FILENO);
		if (!d) {
			snprintf(err, errlen, "%s", strerror(errno));
		}
		break;
	case MACHINE_VIRTIO_BLK:
		d = virtio_blk_create(r->base, &v->ram, &v->cfg->disk[mv->unit], err, errlen);
		break;
	case MACHINE_VIRTIO_NET:
	case MACHINE_VIRTIO_VSOCK:
	case MACHINE_VIRTIO_NONE:
		snprintf(err, errlen, "this device type is not available in this build");
		break;
	}
	return d;
}

/* The device's fds into KVM: a kick per queue, the interrupt. */
static int wire(struct vmm *v, struct virtio_dev *d, const struct machine_region *r)
{
	int ret;

	for (unsigned int q = 0; q < d->nqueues; q++) {
		ret = vm_ioeventfd(&v->kvm, r->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q, d->kick[q],
				   true);
		if (ret) {
			fprintf(stderr,
				"hotvm: %s@%#llx: KVM_IOEVENTFD for queue %u failed: %s (the "
				"kernel needs CONFIG_HAVE_KVM_EVENTFD)\n",
				r->name, (unsigned long long)r->base, q, strerror(-ret));
			return ret;
		}
	}
	ret = vm_irqfd(&v->kvm, r->intid, d->irqfd, true);
	if (ret) {
		fprintf(stderr, "hotvm: %s@%#llx: KVM_IRQFD for SPI %u failed: %s\n", r->name,
			(unsigned long long)r->base, r->intid - 32, strerror(-ret));
	}
	return ret;
}

int virtio_setup(struct vmm *v)
{
	const struct machine *m = &v->machine;
	char err[256];
	int ret;

	for (unsigned int i = 0; i < m->nvirtio; i++) {
		const struct machine_region *r = &m->region[MACHINE_VIRTIO + i];
		struct virtio_dev *d;

		err[0] = 0;
		d = create(v, &m->virtio[i], r, err, sizeof(err));
		if (!d) {
			fprintf(stderr, "hotvm: cannot create %s %u: %s\n", r->name, m->virtio[i].unit,
				err);
			return -EINVAL;
		}
		v->virtio[i] = d;
		ret = mmio_register(&v->mmio, r->base, r->size, virtio_mmio_mmio, d->mmio);
		if (ret) {
			fprintf(stderr, "hotvm: cannot register %s@%#llx: %s\n", r->name,
				(unsigned long long)r->base, strerror(-ret));
			return ret;
		}
		ret = wire(v, d, r);
		if (ret) {
			return ret;
		}
		vmm_log(LOG_INFO, "%s %u at %#llx, SPI %u", r->name, m->virtio[i].unit,
			(unsigned long long)r->base, r->intid - 32);
	}
	return 0;
}

int virtio_start(struct vmm *v)
{
	for (unsigned int i = 0; i < v->machine.nvirtio; i++) {
		int ret = virtio_dev_start(v->virtio[i]);

		if (ret) {
			fprintf(stderr, "hotvm: cannot start %s's I/O thread: %s\n",
				v->machine.region[MACHINE_VIRTIO + i].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void virtio_reset(struct vmm *v)
{
	for (unsigned int i = 0; i < v->machine.nvirtio; i++) {
		virtio_dev_reset(v->virtio[i]);
	}
}

void virtio_close(struct vmm *v)
{
	const char *stats = getenv("HOTVM_STATS");

	for (unsigned int i = 0; stats && !strcmp(stats, "1") && i < MACHINE_VIRTIO_SLOTS; i++) {
		if (v->virtio[i]) {
			/* the exits a device cost: register accesses (kicks never exit) */
			fprintf(stderr, "hotvm-stats: dev=%s%u what=mmio count=%llu\n",
				v->machine.region[MACHINE_VIRTIO + i].name, v->machine.virtio[i].unit,
				(unsigned long long)virtio_mmio_accesses(v->virtio[i]->mmio));
		}
	}
	for (unsigned int i = 0; i < MACHINE_VIRTIO_SLOTS; i++) {
		virtio_dev_destroy(v->virtio[i]);
		v->virtio[i] = NULL;
	}
}
