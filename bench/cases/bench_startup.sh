# Start-up, tear-down and memory at scale with ACPI and virtio:
# `hotvm run --acpi -c 2 --max-cpus N` of the Linux Image (--acpi boots an
# Image only) with virtio-rng and a virtio-blk disk, for N = 8 and 512
# possible vCPUs. hotvm's phase lines (HOTVM_STATS=1) give its start-up
# (main() to the first KVM_RUN: N vCPUs and their threads, the DSDT with N
# processor devices and the MADT with N GICC entries, the devices) and its
# tear-down. Once the control API answers, hotvm's memory is read and the
# VM is stopped with `hotvm ctl shutdown`: a Linux guest with 512 possible
# CPUs takes many minutes to boot under emulation, and none of these
# figures depends on how far it got.
# timeout: 600
. "$T/bench.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
rc=0
d=$(mktemp -d)
dd if=/dev/zero of="$d/disk" bs=1M count=16 2>/dev/null
for n in ${BENCH_STARTUP_CPUS:-8 512}; do
	label=startup.$n
	sock=$d/api.sock
	rm -f "$sock"
	t0=$(now_ms)
	HOTVM_STATS=1 "$HOTVM" run -m 256 -k "$T/linux/Image" -i "$T/linux/initrd.cpio" \
		--acpi -c 2 --max-cpus $n --rng --disk "$d/disk" --api-socket "$sock" \
		-p "quiet console=ttyS0 hotvm.test=off" </dev/null >"$d/out" 2>"$d/err" &
	pid=$!
	i=0
	while ! "$HOTVM" ctl --api-socket "$sock" status >/dev/null 2>&1; do
		if ! kill -0 $pid 2>/dev/null || [ $i -ge 1200 ]; then
			echo "not ok - $label: hotvm did not answer on its control socket"
			break
		fi
		sleep 0.05
		i=$((i + 1))
	done
	held=$(($(now_ms) - t0))
	sleep 1
	kill -0 $pid 2>/dev/null && bench_mem "$label" $pid 256
	"$HOTVM" ctl --api-socket "$sock" shutdown >/dev/null 2>&1
	wait $pid
	r=$?
	bench_report "$label" "$d" $r $(($(now_ms) - t0)) $held
	[ $r -eq 0 ] || rc=1
done
rm -rf "$d"
exit $rc
