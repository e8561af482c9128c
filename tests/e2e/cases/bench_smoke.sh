# A few seconds of the benchmark guests (bench/guest/, `make bench` runs
# them at length): they pass their own checks with both PSCI modes, and
# hotvm's HOTVM_STATS counters see exactly the forwarded calls the guest
# made (none with --psci=kernel). No timing is judged.
# timeout: 90
. $T/lib.sh
rc=0
for psci in user kernel; do
	run_guest bench_hcall $psci "n=20" -c 1 || rc=1
	run_guest bench_cpuon $psci "n=5" -c 2 || rc=1
done
run_guest bench_scale user "" -c 4 --max-cpus 4 || rc=1

# hotvm's count of forwarded PSCI_VERSION calls = the guest's (70 = 50 + 20)
out=$(HOTVM_STATS=1 $HOTVM run -k "$T/guest/bench_hcall.bin" -m 64 -p "n=20" 2>&1)
guest=$(echo "$out" | tr -d '\r' | sed -n 's/^BENCH calls .* 0x84000000=\([0-9]*\).*/\1/p')
hotvm=$(echo "$out" | sed -n 's/^hotvm-stats: vcpu=0 what=fid fid=0x84000000 count=\([0-9]*\) .*/\1/p')
echo "PSCI_VERSION calls: guest $guest, hotvm $hotvm"
if [ -z "$guest" ] || [ "$guest" != "$hotvm" ]; then
	echo "FAIL: hotvm's forwarded-call count differs from the guest's"
	echo "$out" | tail -n 20
	rc=1
fi
out=$(HOTVM_STATS=1 $HOTVM run -k "$T/guest/bench_hcall.bin" -m 64 --psci=kernel \
	-p "hotvm.psci=kernel n=20" 2>&1)
if echo "$out" | grep -q 'what=hypercall'; then
	echo "FAIL: hypercall exits with --psci=kernel:"
	echo "$out" | grep 'hotvm-stats'
	rc=1
fi
exit $rc
