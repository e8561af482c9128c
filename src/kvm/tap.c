// SPDX-License-Identifier: MIT
/* Tap interfaces: /dev/net/tun's ioctls (see tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include "kvm/sys.h"
#include "kvm/tap.h"

int tap_open(const char *name, int hdr_len, bool nonblock, char *ifname)
{
	struct ifreq ifr;
	int fd, ret;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (kvm_ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		goto fail;
	}
	if (kvm_ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
		ret = -errno;
		goto fail;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = 0;
	return fd;
fail:
	close(fd);
	return ret;
}

int tap_set_offload(int fd, unsigned int flags)
{
	unsigned long f = 0;

	if (flags & TAP_OFFLOAD_CSUM) {
		f |= TUN_F_CSUM;
	}
	if (flags & TAP_OFFLOAD_TSO4) {
		f |= TUN_F_TSO4;
	}
	if (flags & TAP_OFFLOAD_TSO6) {
		f |= TUN_F_TSO6;
	}
	return kvm_ioctl(fd, TUNSETOFFLOAD, f) < 0 ? -errno : 0;
}

int tap_mtu(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret;

	if (s < 0) {
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ret = kvm_ioctl(s, SIOCGIFMTU, &ifr) < 0 ? -errno : ifr.ifr_mtu;
	close(s);
	return ret;
}
