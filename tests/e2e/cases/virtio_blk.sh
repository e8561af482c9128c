# virtio-blk on real KVM: a Linux guest with its root on /dev/vda (an ext4
# image made here from $T/linux/rootfs, tools/mkguestroot) writes files,
# syncs and powers off; the test host then finds the image clean (e2fsck
# -fn) and the files' checksums equal to what the guest printed, and a
# second boot reads the same back. A read-only disk: the guest cannot
# write and the image does not change. A second hotvm on an image in use
# is refused with the lock error. A guest in the shell scenario writes
# files and syncs; kill -9 of hotvm as soon as it printed "T: synced":
# nothing is lost (journal replayed, e2fsck clean, checksums equal, read
# back by a new boot).
# First, without Linux: the disk is set up at start-up (io_uring in the
# test host, under seccomp), bad images are refused with their reason, and
# the lock holds against a second hotvm while a bare guest idles.
# timeout: 600
. $T/lib.sh
d=$PWD/virtio_blk.d
rm -rf "$d"
mkdir -p "$d/mnt"

# 0. Start-up, with the bare-metal idle guest (powers off after 200 ms).
truncate -s 1M "$d/small.img"
if out=$($HOTVM run -k "$T/guest/idle.bin" -m 64 -p "idle.off_ms=200" -d "$d/small.img" \
	--loglevel=info 2>&1) && echo "$out" | grep -q 'virtio-blk 0 at 0x3000000'; then
	pass "a 1 MiB disk: set up at 0x3000000, guest ran, exit 0"
else
	fail "a 1 MiB disk: $out"
fi
truncate -s 1000 "$d/odd.img"
out=$($HOTVM run -k "$T/guest/idle.bin" -m 64 -d "$d/odd.img" 2>&1)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "odd.img: size 1000 is not a multiple of 512 bytes" &&
	pass "size 1000: refused, exit 1: $out" || fail "size 1000: exit $rc: $out"
out=$($HOTVM run -k "$T/guest/idle.bin" -m 64 -d /dev/null 2>&1)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "/dev/null: not a regular file" &&
	pass "a device node: refused, exit 1: $out" || fail "/dev/null: exit $rc: $out"
$HOTVM run -k "$T/guest/idle.bin" -m 64 -d "$d/small.img" >"$d/idle.out" 2>&1 &
idle=$!
for i in $(seq 1 100); do
	grep -q 'IDLE: ready' "$d/idle.out" && break
	sleep 0.1
done
out=$($HOTVM run -k "$T/guest/idle.bin" -m 64 -p "idle.off_ms=1" -d "$d/small.img,ro" 2>&1)
rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "small.img is in use by another process (locked)" &&
	pass "a second hotvm on a disk in use: refused, exit 1: $out" ||
	fail "a second hotvm on a disk in use: exit $rc: $out"
kill $idle
wait $idle
[ $? -eq 1 ] && pass "the first one stopped by SIGTERM (exit 1)" || fail "SIGTERM: exit $?"

need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
need_file "$T/linux/rootfs/sbin/init"

# boot OUT SCENARIO EXTRA_PARAMS [HOTVM-RUN-ARGS...]: Linux with root on /dev/vda.
boot() {
	_out=$1 _sc=$2 _extra=$3
	shift 3
	$HOTVM run -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 1 \
		-p "quiet console=ttyS0 hotvm.root=/dev/vda hotvm.test=$_sc $_extra" "$@" \
		>"$_out" 2>&1
}

# sums OUT: the guest's "T: sum NAME SHA256" lines, as "NAME SHA256", sorted.
sums() {
	sed -n 's/\r$//; s/^T: sum //p' "$1" | sort
}

# host_sums IMG: the same from the test host (loop mount, read-only).
host_sums() {
	mount -t ext4 -o loop,ro "$1" "$d/mnt" || return 1
	for f in $(ls "$d/mnt/data" | sort); do
		echo "$f $(sha256sum "$d/mnt/data/$f" | cut -d' ' -f1)"
	done
	umount "$d/mnt"
}

# fsck_clean IMG WHEN: the guest powers off with `poweroff -f` (or is
# killed) with / still mounted, so its journal is replayed first (e2fsck
# -fp: exit 0, or 1 for "replayed"), then e2fsck -fn must find it clean.
fsck_clean() {
	out=$(e2fsck -fp "$1" 2>&1)
	rc=$?
	[ $rc -le 1 ] && pass "e2fsck -fp $2 (journal replayed): exit $rc" ||
		fail "e2fsck -fp $2: exit $rc: $out"
	if out=$(e2fsck -fn "$1" 2>&1); then
		pass "e2fsck -fn $2: clean ($(echo "$out" | tail -n 1))"
	else
		fail "e2fsck -fn $2: $out"
	fi
}

show() { # the guest's output, for a failed check
	echo "--- $1:"
	sed 's/\r$//' "$1" | tail -n 40
}

img=$d/root.img
if out=$(mkfs.ext4 -q -F -d "$T/linux/rootfs" "$img" 64M 2>&1); then
	pass "root image: mkfs.ext4 -d rootfs, 64 MiB"
else
	fail "mkfs.ext4: $out"
	exit 1
fi

# 1. Write 4 files, sync, power off.
boot "$d/w.out" diskwrite "hotvm.files=4" -d "$img"
rc=$?
if [ $rc -eq 0 ] && grep -q '^RESULT: PASS' "$d/w.out" && grep -q '^T: root /dev/vda rw' "$d/w.out" &&
	[ "$(sums "$d/w.out" | wc -l)" -eq 4 ]; then
	pass "diskwrite: root on /dev/vda rw, 4 files written and synced, exit 0"
else
	fail "diskwrite: exit $rc"
	show "$d/w.out"
fi
sums "$d/w.out" >"$d/w.sums"
fsck_clean "$img" "after poweroff"
if host_sums "$img" >"$d/h.sums" && [ -s "$d/h.sums" ] && cmp -s "$d/w.sums" "$d/h.sums"; then
	pass "the test host reads the guest's 4 files with the checksums it printed"
else
	fail "checksums differ: guest $(cat "$d/w.sums") host $(cat "$d/h.sums")"
fi

# 2. Read them back in a second boot.
boot "$d/r.out" diskread "" -d "$img"
rc=$?
sums "$d/r.out" >"$d/r.sums"
if [ $rc -eq 0 ] && grep -q '^RESULT: PASS' "$d/r.out" && [ -s "$d/r.sums" ] &&
	cmp -s "$d/w.sums" "$d/r.sums"; then
	pass "diskread: a second boot reads the same 4 checksums"
else
	fail "diskread: exit $rc, sums: $(cat "$d/r.sums")"
	show "$d/r.out"
fi

fsck_clean "$img" "after the second boot"

# 3. Read-only: the guest's mount falls back to read-only (the disk is
#    write-protected), its writes fail, and the image is unchanged.
before=$(sha256sum "$img" | cut -d' ' -f1)
boot "$d/ro.out" diskwrite "hotvm.files=1" -d "$img,ro"
rc=$?
after=$(sha256sum "$img" | cut -d' ' -f1)
if grep -q '^RESULT: FAIL' "$d/ro.out" && grep -q '^T: root /dev/vda ro' "$d/ro.out" &&
	grep -q '^T: FAIL writing /data/file1' "$d/ro.out" && ! grep -q '^T: synced' "$d/ro.out"; then
	pass "ro disk: the guest cannot write ($(sed -n 's/\r$//; /^T: \(FAIL\|root\)/p' "$d/ro.out" | head -n 2 | tr '\n' ' '))"
else
	fail "ro disk: exit $rc"
	show "$d/ro.out"
fi
[ "$before" = "$after" ] && pass "ro disk: the image is unchanged" ||
	fail "ro disk: the image changed"

# 4. On a fresh image, a guest in the shell scenario (its stdin a FIFO held
#    open here) keeps the disk in use: a second hotvm is refused.
img2=$d/kill.img
mkfs.ext4 -q -F -d "$T/linux/rootfs" "$img2" 64M >/dev/null
mkfifo "$d/fifo"
$HOTVM run -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 1 \
	-p "quiet console=ttyS0 hotvm.root=/dev/vda hotvm.test=shell" -d "$img2" \
	<"$d/fifo" >"$d/k.out" 2>&1 &
k=$!
exec 3>"$d/fifo"
for i in $(seq 1 900); do
	grep -q 'shell ready' "$d/k.out" 2>/dev/null && break
	sleep 0.1
done
grep -q 'shell ready' "$d/k.out" || { fail "first hotvm: no shell"; show "$d/k.out"; }
for opt in "" ",ro"; do
	boot "$d/b.out" diskread "" -d "$img2$opt"
	rc=$?
	if [ $rc -ne 0 ] && grep -q "$img2 is in use by another process (locked)" "$d/b.out" &&
		! grep -q '^RESULT:' "$d/b.out"; then
		pass "second hotvm on the image in use (-d img$opt): refused, exit $rc: $(head -n 1 "$d/b.out")"
	else
		fail "second hotvm (-d img$opt): exit $rc"
		show "$d/b.out"
	fi
done

# 5. The same guest writes 4 files and syncs; kill -9 of hotvm as soon as
#    it printed "T: synced": nothing is lost.
cat >&3 <<'EOF'
for i in 1 2 3 4; do dd if=/dev/urandom of=/data/k$i bs=1048576 count=1 2>/dev/null; echo "T: sum k$i $(sha256sum /data/k$i | cut -d' ' -f1)"; done; sync; echo "T: synced"
EOF
for i in $(seq 1 1200); do
	grep -q '^T: synced' "$d/k.out" 2>/dev/null && break
	sleep 0.05
done
if grep -q '^T: synced' "$d/k.out"; then
	kill -9 $k
	wait $k
	rc=$?
	[ $rc -eq 137 ] && pass "kill -9 of hotvm right after the guest's 'T: synced' (exit $rc)" ||
		fail "hotvm exited $rc before kill -9"
else
	fail "no 'T: synced'"
	kill -9 $k
	wait $k
	show "$d/k.out"
fi
exec 3>&-
sums "$d/k.out" >"$d/k.sums"
fsck_clean "$img2" "after kill -9"
if [ "$(wc -l <"$d/k.sums")" -eq 4 ] && host_sums "$img2" >"$d/hk.sums" &&
	cmp -s "$d/k.sums" "$d/hk.sums"; then
	pass "after kill -9 the 4 files have the checksums the guest printed"
else
	fail "after kill -9: guest $(cat "$d/k.sums") host $(cat "$d/hk.sums" 2>/dev/null)"
fi
boot "$d/r2.out" diskread "" -d "$img2"
sums "$d/r2.out" >"$d/r2.sums"
cmp -s "$d/k.sums" "$d/r2.sums" && pass "and a new boot reads them back" ||
	{ fail "a new boot after kill -9 reads: $(cat "$d/r2.sums")"; show "$d/r2.out"; }

rm -rf "$d"
exit $fails
