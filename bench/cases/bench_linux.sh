# Linux guest launch to exit (hotvm.test=off: /init powers off at once),
# 2 vCPUs, 256 MiB. Each round runs, in turn: this hotvm with --psci=user,
# the baseline build $T/bin/hotvm-base (make bench: BENCH_BASE) with
# --psci=user when the test root has one, and this hotvm with
# --psci=kernel. Then hotvm's memory with the guest booted and idle
# (hotvm.test=shell, read before `poweroff -f`). Also reports the test
# host's transparent huge page settings.
# timeout: 900
. "$T/bench.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
R=${BENCH_LINUX_RUNS:-7}
L="-k $T/linux/Image -i $T/linux/initrd.cpio -c 2"
P="quiet console=ttyS0 hotvm.test=off"
BASE=$T/bin/hotvm-base
thp=/sys/kernel/mm/transparent_hugepage
echo "BENCH thp enabled=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $thp/enabled 2>/dev/null)" \
	"defrag=$(sed -n 's/.*\[\(.*\)\].*/\1/p' $thp/defrag 2>/dev/null)"
[ -x "$BASE" ] || echo "BENCH nobase path=$BASE"
rc=0
i=1
while [ $i -le "$R" ]; do
	bench_run linux.user.$i 256 "" $L --psci=user -p "$P" || rc=1
	if [ -x "$BASE" ]; then
		BENCH_HOTVM=$BASE bench_run linuxbase.user.$i 256 "" $L --psci=user -p "$P" || rc=1
	fi
	bench_run linux.kernel.$i 256 "" $L --psci=kernel -p "$P" || rc=1
	i=$((i + 1))
done
for psci in user kernel; do
	bench_run linuxmem.$psci 256 "hotvm-guest: shell ready" $L --psci=$psci \
		-p "quiet console=ttyS0 hotvm.test=shell" || rc=1
done
exit $rc
