# Linux guest launch to exit (hotvm.test=off: /init powers off at once),
# --psci=user and kernel taking turns; then hotvm's memory with the guest
# booted and idle (hotvm.test=shell, read before `poweroff -f`).
# timeout: 400
. "$T/bench.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
R=${BENCH_LINUX_RUNS:-5}
L="-k $T/linux/Image -i $T/linux/initrd.cpio -c 2"
rc=0
i=1
while [ $i -le "$R" ]; do
	for psci in user kernel; do
		bench_run linux.$psci.$i 256 "" $L --psci=$psci \
			-p "quiet console=ttyS0 hotvm.test=off" || rc=1
	done
	i=$((i + 1))
done
for psci in user kernel; do
	bench_run linuxmem.$psci 256 "hotvm-guest: shell ready" $L --psci=$psci \
		-p "quiet console=ttyS0 hotvm.test=shell" || rc=1
done
exit $rc
