# Hypercall round trips timed in the guest (bench/guest/bench_hcall.c):
# PSCI calls answered by hotvm (--psci=user) versus by KVM (--psci=kernel),
# and SMCCC_VERSION, which KVM answers in both. hotvm's HOTVM_STATS counters
# give the ioctls it spends per forwarded call.
# timeout: 300
. "$T/bench.sh"
N=${BENCH_HCALL_N:-5000}
rc=0
bench_run hcall.user 64 "" -k "$T/guest/bench_hcall.bin" -c 1 --psci=user -p "n=$N" || rc=1
bench_run hcall.kernel 64 "" -k "$T/guest/bench_hcall.bin" -c 1 --psci=kernel \
	-p "hotvm.psci=kernel n=$N" || rc=1
exit $rc
