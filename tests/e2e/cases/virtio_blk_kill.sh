# kill -9 of hotvm at random moments under guest disk load, KILLS times (2;
# `make soak` does 20): a Linux guest with its root on /dev/vda (an ext4
# image from $T/linux/rootfs) runs tests/linux/diskrec, which writes
# numbered 4 KiB records, fsyncs after every BATCH (8) and then prints
# "T: synced N". A random 0..KILL_MAX_MS (2000) ms after its first such
# line, hotvm is killed with SIGKILL. Then, in the test host: e2fsck
# replays the journal and finds the file system clean, and every record up
# to the last N the guest reported is intact (diskrec check on the image,
# loop-mounted). The next hotvm starts on the same --api-socket path (it
# removes the stale socket and says so; `hotvm ctl status` answers) and the
# same image, and the guest goes on from record N+1. After the last kill a
# last start on the same socket and image still works.
# timeout: 300
. $T/lib.sh
set -u
KILLS=${KILLS:-2}
BATCH=${DISKREC_BATCH:-8}
SLOTS=16384 # 64 MiB of records in a 160 MiB image; see diskrec.c
MAXMS=${KILL_MAX_MS:-2000}
SEED=${KILL_SEED:-$(($(now_ms) % 1000000 + $$))}
SOCK=/tmp/hotvm-kill.sock
CTL="$HOTVM ctl --api-socket $SOCK"
need_file "$T/linux/rootfs/bin/diskrec"
d=$PWD/virtio_blk_kill.d
img=$d/root.img
rm -rf "$d" "$SOCK"
mkdir -p "$d/mnt"
echo "kill seed $SEED (rerun: KILL_SEED=$SEED)"
die() {
	echo "FAIL: $*"
	[ -n "${out:-}" ] && sed 's/\r$//' "$out" | tail -n 20
	[ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null
	umount "$d/mnt" 2>/dev/null
	exit 1
}
# start OUT KERNEL-ARGS...: hotvm on $img and $SOCK, stdin a FIFO (fd 3)
start() {
	out=$1
	shift
	rm -f "$d/fifo"
	mkfifo "$d/fifo"
	$HOTVM run "$@" -m 256 -c 1 -d "$img" --api-socket "$SOCK" <"$d/fifo" >"$out" 2>&1 &
	pid=$!
	exec 3>"$d/fifo"
}
# wait_for REGEX SECS: a line of $out matches
wait_for() {
	_i=$(($2 * 20))
	while [ $_i -gt 0 ]; do
		sed 's/\r$//' "$out" | grep -q -E "$1" && return 0
		kill -0 $pid 2>/dev/null || break
		sleep 0.05
		_i=$((_i - 1))
	done
	sed 's/\r$//' "$out" | grep -q -E "$1"
}
# complete lines only: a line the kill cut short is not a report
lines() {
	if [ -n "$(tail -c 1 "$1")" ]; then
		sed '$d; s/\r$//' "$1"
	else
		sed 's/\r$//' "$1"
	fi
}

mkfs.ext4 -q -F -d "$T/linux/rootfs" "$img" 160M || die "mkfs.ext4"
last=0
k=1
t0=$(now_ms)
while [ $k -le "$KILLS" ]; do
	tb=$(now_ms)
	start "$d/b$k.out" -k "$T/linux/Image" -i "$T/linux/initrd.cpio" \
		-p "quiet console=ttyS0 hotvm.root=/dev/vda hotvm.test=shell"
	wait_for "shell ready" 90 || die "boot $k: no shell"
	boot_ms=$(($(now_ms) - tb))
	if [ $k -gt 1 ]; then
		grep -q "removed the stale API socket $SOCK" "$out" ||
			die "boot $k: hotvm did not say it removed the stale socket"
	fi
	$CTL --json status | grep -q '"state":"running"' || die "boot $k: ctl status: $($CTL status 2>&1)"
	echo "diskrec write /data/rec $((last + 1)) $SLOTS $BATCH" >&3
	wait_for "^T: synced [0-9]+$" 60 || die "boot $k: the guest never synced a batch"
	delay=$(awk -v s="$SEED" -v k=$k -v m="$MAXMS" 'BEGIN { srand(s + k); printf "%.3f", rand() * m / 1000 }')
	sleep "$delay"
	kill -9 $pid
	wait $pid
	rc=$?
	exec 3>&-
	[ $rc -eq 137 ] || die "kill $k: hotvm had exited ($rc) before the kill"
	n=$(lines "$out" | sed -n 's/^T: synced \([0-9]*\)$/\1/p' | tail -n 1)
	grep -q "^T: FAIL" "$out" && die "kill $k: the guest's writer failed"
	[ -n "$n" ] && [ "$n" -gt "$last" ] || die "kill $k: no progress (last synced '$n', before $last)"
	tc=$(now_ms)
	fsck=$(e2fsck -fp "$img" 2>&1)
	rc=$?
	[ $rc -le 1 ] || die "kill $k: e2fsck -fp: exit $rc: $fsck"
	fsck=$(e2fsck -fn "$img" 2>&1) || die "kill $k: e2fsck -fn: $fsck"
	mount -t ext4 -o loop,ro "$img" "$d/mnt" || die "kill $k: mount"
	check=$("$T/linux/rootfs/bin/diskrec" check "$d/mnt/data/rec" "$n" $SLOTS)
	rc=$?
	umount "$d/mnt"
	[ $rc -eq 0 ] || die "kill $k after ${delay}s: synced up to $n: $check"
	pass "kill $k, ${delay}s into the load: synced up to record $n; journal replayed, e2fsck clean; $check (boot ${boot_ms} ms, checks $(($(now_ms) - tc)) ms)"
	last=$n
	k=$((k + 1))
done
ms=$(($(now_ms) - t0))
# The last start on the same socket and disk: the bare guest idles.
start "$d/last.out" -k "$T/guest/idle.bin"
wait_for "IDLE: ready" 30 || die "the start after the last kill: no guest"
grep -q "removed the stale API socket $SOCK" "$out" || die "the last start: no 'removed the stale API socket'"
$CTL --json status | grep -q '"state":"running"' || die "the last start: ctl status: $($CTL status 2>&1)"
$CTL shutdown >/dev/null || die "the last start: ctl shutdown"
wait $pid
rc=$?
exec 3>&-
[ $rc -eq 0 ] || die "the last start: exit $rc after shutdown"
[ ! -e "$SOCK" ] || die "the socket is still there after the shutdown"
pass "after $KILLS kills the next start on $SOCK and the same disk works (stale socket removed, ctl answers, shutdown exit 0)"
echo "soak-total: kills $KILLS records $last bytes $((last * 4096)) ms $ms"
rm -rf "$d"
exit $fails
