# Start-up and memory at scale with ACPI and virtio (a Linux guest: --acpi
# boots an Image only): `hotvm run --acpi -c 2 --max-cpus N` with
# virtio-rng and a virtio-blk disk, the guest loading their drivers
# (hotvm.virtio=1) and holding at its shell, for N = 8 and 512 possible
# vCPUs. hotvm's phase lines (HOTVM_STATS=1) give its start-up (main() to
# the first KVM_RUN: N vCPUs and their threads, the DSDT with N processor
# devices and the MADT with N GICC entries, the devices) and its tear-down;
# its memory is read at the shell, before `poweroff -f`.
# timeout: 900
. "$T/bench.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
rc=0
img=$(mktemp)
dd if=/dev/zero of="$img" bs=1M count=16 2>/dev/null
for n in ${BENCH_STARTUP_CPUS:-8 512}; do
	bench_run startup.$n 256 "hotvm-guest: shell ready" -k "$T/linux/Image" \
		-i "$T/linux/initrd.cpio" --acpi -c 2 --max-cpus $n --rng --disk "$img" \
		-p "quiet console=ttyS0 hotvm.test=shell hotvm.acpi=1 hotvm.virtio=1" || rc=1
done
rm -f "$img"
exit $rc
