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

#include <unistd.h>

#include "dev/virtio_blk.h"
#include "dev/virtio_console.h"
#include "dev/virtio_dev.h"
#include "dev/virtio_net.h"
#include "dev/virtio_rng.h"
#include "dev/virtio_vsock.h"
#include "kvm/tap.h"
#include "kvm/vhost.h"
#include "vmm/vmm.h"

_Static_assert(VIRTIO_NET_TAP_CSUM == TAP_OFFLOAD_CSUM && VIRTIO_NET_TAP_TSO4 == TAP_OFFLOAD_TSO4 &&
		       VIRTIO_NET_TAP_TSO6 == TAP_OFFLOAD_TSO6,
	       "virtio-net's offload bits are kvm/tap.h's");

/* The devices' vhost calls: src/kvm/vhost.c. */
static const struct vhost_dev_ops vhost_ops = {
	.set_features = vhost_set_features,
	.set_ring = vhost_set_ring,
	.get_ring_base = vhost_get_ring_base,
	.net_set_backend = vhost_net_set_backend,
	.vsock_set_running = vhost_vsock_set_running,
};

/*
 * A vhost device for @v's guest: opened, owned (VHOST_SET_OWNER), its
 * features read, guest RAM as its one memory region. The fd, or -errno
 * with @what naming the step that failed.
 */
static int vhost_prepare(struct vmm *v, const char *path, uint64_t *features, const char **what)
{
	int fd = vhost_open(path), ret;

	*what = "open";
	if (fd < 0) {
		return fd;
	}
	*what = "VHOST_GET_FEATURES";
	ret = vhost_get_features(fd, features);
	if (!ret) {
		*what = "VHOST_SET_MEM_TABLE";
		ret = vhost_set_mem(fd, v->ram.base, v->ram.size, v->ram.hva);
	}
	if (!ret && (VIRTIO_MMIO_TRANSPORT_FEATURES & ~*features)) {
		*what = "its features (no VERSION_1, INDIRECT_DESC or EVENT_IDX)";
		ret = -ENOTSUP;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* The tap's offloads: all three, checksums only, or none (TUNSETOFFLOAD probes). */
static unsigned int tap_offloads(int fd)
{
	static const unsigned int try[] = {
		TAP_OFFLOAD_CSUM | TAP_OFFLOAD_TSO4 | TAP_OFFLOAD_TSO6,
		TAP_OFFLOAD_CSUM,
	};

	for (unsigned int i = 0; i < sizeof(try) / sizeof(try[0]); i++) {
		if (!tap_set_offload(fd, try[i])) {
			tap_set_offload(fd, 0); /* until the guest says what it takes */
			return try[i];
		}
	}
	return 0;
}

static struct virtio_dev *net_create(struct vmm *v, const struct config_net *cn, uint64_t base,
				     char *err, size_t errlen)
{
	struct virtio_net_host h = { .vhost_fd = -1, .set_offload = tap_set_offload };
	struct virtio_dev *d;
	const char *what = "";
	char ifname[CONFIG_IFNAME_MAX];
	int mtu;

	if (cn->vhost != VHOST_OFF) {
		h.vhost_fd = vhost_prepare(v, "/dev/vhost-net", &h.vhost_features, &what);
		if (h.vhost_fd < 0 && cn->vhost == VHOST_ON) {
			snprintf(err, errlen,
				 "vhost=1, but /dev/vhost-net: %s failed: %s (load the vhost_net "
				 "module, or give vhost=0 for the userspace data path)",
				 what, strerror(-h.vhost_fd));
			return NULL;
		}
		if (h.vhost_fd < 0) {
			vmm_log(LOG_INFO, "virtio-net: /dev/vhost-net: %s failed: %s; userspace data path",
				what, strerror(-h.vhost_fd));
		}
	}
	h.vhost = h.vhost_fd >= 0 ? &vhost_ops : NULL;
	h.tap_fd = tap_open(cn->tapif, VIRTIO_NET_HDR_LEN, h.vhost_fd < 0, ifname);
	if (h.tap_fd < 0) {
		snprintf(err, errlen,
			 "cannot open tap '%s': %s (needs /dev/net/tun (the tun module) and "
			 "CAP_NET_ADMIN, or a persistent tap this user owns)",
			 cn->tapif[0] ? cn->tapif : "(new)", strerror(-h.tap_fd));
		goto fail;
	}
	mtu = tap_mtu(ifname);
	h.mtu = mtu >= 68 && mtu <= 65535 ? (unsigned int)mtu : VIRTIO_NET_DEFAULT_MTU;
	h.offloads = tap_offloads(h.tap_fd);
	d = virtio_net_create(base, &v->ram, cn->mac, &h);
	if (!d) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	vmm_log(LOG_INFO, "virtio-net: tap %s, MTU %u, %s data path, offloads %#x", ifname, h.mtu,
		h.vhost_fd >= 0 ? "vhost-net" : "userspace", h.offloads);
	return d;
fail:
	if (h.tap_fd >= 0) {
		close(h.tap_fd);
	}
	if (h.vhost_fd >= 0) {
		close(h.vhost_fd);
	}
	return NULL;
}

static struct virtio_dev *vsock_create(struct vmm *v, uint64_t base, char *err, size_t errlen)
{
	struct virtio_vsock_host h = { .cid = v->cfg->vsock_cid, .vhost = &vhost_ops };
	struct virtio_dev *d;
	const char *what = "";
	int ret;

	h.vhost_fd = vhost_prepare(v, "/dev/vhost-vsock", &h.vhost_features, &what);
	if (h.vhost_fd < 0) {
		snprintf(err, errlen,
			 "/dev/vhost-vsock: %s failed: %s (vsock needs the kernel's vhost-vsock: "
			 "load the vhost_vsock module)",
			 what, strerror(-h.vhost_fd));
		return NULL;
	}
	ret = vhost_vsock_set_cid(h.vhost_fd, h.cid);
	if (ret == -EADDRINUSE) {
		snprintf(err, errlen, "vsock CID %llu is in use by another VM",
			 (unsigned long long)h.cid);
	} else if (ret) {
		snprintf(err, errlen, "VHOST_VSOCK_SET_GUEST_CID %llu failed: %s",
			 (unsigned long long)h.cid, strerror(-ret));
	}
	d = ret ? NULL : virtio_vsock_create(base, &v->ram, &h);
	if (!d) {
		if (!ret) {
			snprintf(err, errlen, "%s", strerror(errno));
		}
		close(h.vhost_fd);
	}
	return d;
}

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
		d = net_create(v, &v->cfg->net[mv->unit], r->base, err, errlen);
		break;
	case MACHINE_VIRTIO_VSOCK:
		d = vsock_create(v, r->base, err, errlen);
		break;
	case MACHINE_VIRTIO_NONE:
		snprintf(err, errlen, "empty slot");	/* machine_layout() never leaves one */
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
	bool stats = vmm_stats();

	for (unsigned int i = 0; stats && i < MACHINE_VIRTIO_SLOTS; i++) {
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
