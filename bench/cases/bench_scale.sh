# Scale: --max-cpus = --cpus = 8, 64, 256, 512; the guest
# (bench/guest/bench_scale.c) powers every secondary on and off again, then
# holds while hotvm's memory is read.
# timeout: 600
. "$T/bench.sh"
rc=0
for n in ${BENCH_SCALE_CPUS:-8 64 256 512}; do
	bench_run scale.$n 32 "^BENCH-HOLD" -k "$T/guest/bench_scale.bin" -c $n --max-cpus $n \
		--psci=user -p "hold=1 rounds=9" || rc=1
done
exit $rc
