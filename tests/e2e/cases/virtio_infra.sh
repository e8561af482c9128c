# The test host's side of virtio (what the block, net and vsock cases
# build on): the vhost/tap/loop modules from $HOTVM_CACHE/modules/host.list
# are loaded (or built in), their device nodes exist, and the arm64
# e2fsprogs in the test host make and check an ext4 image, also one holding
# the guest root tree $T/linux/rootfs.
# timeout: 120
fails=0
ok() { echo "ok - $*"; }
bad() {
	echo "not ok - $*"
	fails=$((fails + 1))
}

for m in tun vhost_iotlb vhost vhost_net vsock vhost_vsock; do
	if grep -q "^$m " /proc/modules; then
		ok "module $m loaded"
	elif [ -d /sys/module/$m ] && [ ! -e /sys/module/$m/initstate ]; then
		ok "module $m built in"
	else
		bad "module $m neither loaded nor built in"
	fi
done

for dev in /dev/vhost-net /dev/vhost-vsock /dev/net/tun /dev/loop0; do
	if [ -c "$dev" ] || [ -b "$dev" ]; then
		ok "$dev exists ($(ls -l "$dev" | awk '{ print $1, $5, $6 }'))"
	else
		bad "$dev missing"
	fi
done
# The character devices open (the modules behind them really work); a
# missing node is not created by the open.
for dev in /dev/vhost-net /dev/vhost-vsock /dev/net/tun; do
	if [ -c "$dev" ] && (exec 3<>"$dev") 2>/dev/null; then
		ok "$dev opens read-write"
	else
		bad "$dev does not open read-write"
	fi
done

img=$PWD/virtio_infra.img
if out=$(mkfs.ext4 -q -F "$img" 32M 2>&1); then
	ok "mkfs.ext4 -q -F img 32M"
else
	bad "mkfs.ext4: $out"
fi
if out=$(e2fsck -fn "$img" 2>&1); then
	ok "e2fsck -fn: clean ($(echo "$out" | tail -n 1))"
else
	bad "e2fsck -fn (exit $?): $out"
fi
# A corrupted superblock must be found: the check can fail.
dd if=/dev/zero of="$img" bs=1024 seek=1 count=1 conv=notrunc 2>/dev/null
if out=$(e2fsck -fn "$img" 2>&1); then
	bad "e2fsck -fn passed an image with a zeroed superblock"
else
	ok "e2fsck -fn finds the zeroed superblock"
fi
rm -f "$img"

# A guest root disk from the tree tools/mkguestroot laid out in the test root.
if [ -x "$T/linux/rootfs/sbin/init" ] && [ -x "$T/linux/rootfs/bin/busybox" ]; then
	ok "$T/linux/rootfs has /sbin/init and /bin/busybox"
else
	bad "$T/linux/rootfs lacks /sbin/init or /bin/busybox (tools/mktestroot, tools/mkguestroot --tree)"
fi
if out=$(mkfs.ext4 -q -F -d "$T/linux/rootfs" "$img" 64M 2>&1) &&
	out=$(e2fsck -fn "$img" 2>&1); then
	ok "mkfs.ext4 -d $T/linux/rootfs: clean ($(echo "$out" | tail -n 1))"
else
	bad "mkfs.ext4 -d $T/linux/rootfs + e2fsck: $out"
fi
rm -f "$img"

if [ $fails -ne 0 ]; then
	echo "FAIL: $fails check(s) failed"
	exit 1
fi
echo "PASS"
