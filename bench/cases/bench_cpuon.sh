# CPU_ON latency seen by the guest (bench/guest/bench_cpuon.c): from the
# caller's HVC to the target's first instruction, --psci=user and kernel.
# timeout: 300
. "$T/bench.sh"
N=${BENCH_CPUON_N:-1000}
rc=0
bench_run cpuon.user 64 "" -k "$T/guest/bench_cpuon.bin" -c 2 --psci=user -p "n=$N" || rc=1
bench_run cpuon.kernel 64 "" -k "$T/guest/bench_cpuon.bin" -c 2 --psci=kernel \
	-p "hotvm.psci=kernel n=$N" || rc=1
exit $rc
