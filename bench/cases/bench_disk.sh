# Disk throughput and IOPS (issue 11): the same O_DIRECT workloads
# (tests/linux/diskbench.c) in a Linux guest on /dev/vda, hotvm's
# virtio-blk over a raw image file in the test host, and in the test host on
# that image file itself (the ceiling; both live in the test host's RAM, so
# the ratio is the cost of the virtual disk). Then the vCPU exits the disk
# cost: its register accesses (HOTVM_STATS=1) per request the guest's
# kernel completed (/sys/block/vda/stat).
# Printed as "BENCH disk where=host|guest mode=... bytes= ns= ops=" and
# "BENCH diskexits requests=R mmio=N".
# timeout: 600
. "$T/bench.sh"
. "$T/console.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
MIB=${BENCH_DISK_MIB:-192}
SECS=${BENCH_DISK_SECONDS:-5}
IMG=/tmp/bench-disk.img
rm -f "$IMG"
dd if=/dev/zero of="$IMG" bs=1M count="$MIB" 2>/dev/null
rc=0
for mode in seqwrite seqread randread; do
	out=$("$T/bin/diskbench" "$IMG" $mode "$MIB" "$SECS") || rc=1
	echo "$out" | sed -n 's/^BENCH disk /BENCH disk where=host /p'
done
export HOTVM_STATS=1
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 512 -c 2 \
	--disk "$IMG" -p "quiet hotvm.test=shell hotvm.virtio=1"
unset HOTVM_STATS
if ! vm_expect 'shell ready' 120; then
	echo "not ok - bench_disk: the guest did not boot: $(tail -n 20 "$VM_OUT")"
	vm_kill
	exit 1
fi
stat0=$(vm_sh "cat /sys/block/vda/stat")
for mode in seqwrite seqread randread; do
	out=$(vm_sh "diskbench /dev/vda $mode $MIB $SECS" 120)
	case "$out" in
	*"BENCH disk "*) echo "$out" | sed -n 's/^BENCH disk /BENCH disk where=guest /p' ;;
	*) echo "not ok - bench_disk: guest $mode: $out"; rc=1 ;;
	esac
done
stat1=$(vm_sh "cat /sys/block/vda/stat")
vm_sh "poweroff -f" 5 >/dev/null
vm_wait 60 || rc=1
# /sys/block/vda/stat: field 1 reads completed, 5 writes, 12 discards, 16 flushes
req=$(echo "$stat0 $stat1" | awk '{ print ($18 + $22 + $29 + $33) - ($1 + $5 + $12 + $16) }')
mmio=$(sed -n 's/^hotvm-stats: dev=virtio-blk0 what=mmio count=//p' "$VM_OUT")
echo "BENCH diskexits requests=$req mmio=${mmio:-0}"
rm -f "$IMG"
exit $rc
