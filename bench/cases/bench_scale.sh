# Scale: --max-cpus = --cpus = 8, 64, 256, 512; the guest
# (bench/guest/bench_scale.c) powers every secondary on and off again, then
# holds while hotvm's memory is read. Then 512 again with virtio devices
# present (virtio-rng, a virtio-blk disk and virtio-vsock: their I/O
# threads, eventfds, ioeventfds and irqfds), the machine a real guest gets.
# ACPI is not in that row: --acpi boots a Linux Image only (a raw guest
# reads its CPUs from the DT), see bench_linux.sh for the ACPI launch.
# timeout: 900
. "$T/bench.sh"
rc=0
for n in ${BENCH_SCALE_CPUS:-8 64 256 512}; do
	bench_run scale.$n 32 "^BENCH-HOLD" -k "$T/guest/bench_scale.bin" -c $n --max-cpus $n \
		--psci=user -p "hold=1 rounds=9" || rc=1
done
n=${BENCH_SCALE_VIRTIO_CPUS:-512}
if [ -n "$n" ]; then
	img=$(mktemp)
	dd if=/dev/zero of="$img" bs=1M count=16 2>/dev/null
	dev=""
	[ -e /dev/vhost-vsock ] && dev="--vsock 3"
	bench_run scale.$n.virtio 32 "^BENCH-HOLD" -k "$T/guest/bench_scale.bin" -c $n \
		--max-cpus $n --psci=user --rng --disk "$img" $dev \
		-p "hold=1 rounds=9 variant=virtio" || rc=1
	rm -f "$img"
fi
exit $rc
