# A kernel without KVM's SMCCC filter (Linux < 6.4), simulated with
# HOTVM_TEST_NO_SMCCC_FILTER=1: hotvm says so in one line and runs the
# guest with KVM's in-kernel PSCI, hot-plug disabled; asking explicitly for
# userspace PSCI is an error.
# timeout: 120
set -u
export HOTVM_TEST_NO_SMCCC_FILTER=1
d=$(mktemp -d)
fails=0
msg="KVM has no SMCCC filter (Linux < 6.4): using KVM's in-kernel PSCI, vCPU hot-plug disabled"

$HOTVM run -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --max-cpus 4 \
	-p "quiet console=ttyS0 hotvm.test=cpus hotvm.ncpus=2 hotvm.cycles=2" >$d/out 2>$d/err
rc=$?
if [ $rc -eq 0 ] && grep -q "RESULT: PASS" $d/out && [ "$(wc -l <$d/err)" -eq 1 ] &&
	grep -q "$msg (--max-cpus 4 ignored: 2 vCPUs)" $d/err; then
	echo "ok - Linux guest with KVM's PSCI, one line said: $(cat $d/err)"
else
	echo "not ok - exit $rc; stderr: $(cat $d/err); $(grep -E 'T:|RESULT' $d/out)"
	fails=$((fails + 1))
fi

# Hot-plug through the API is unavailable, and says why.
SOCK=/tmp/hotvm-nofilter.sock
rm -f $SOCK
$HOTVM run -k "$T/guest/idle.bin" -m 16 --api-socket $SOCK >$d/idle 2>&1 &
for i in $(seq 100); do [ -S $SOCK ] && break; sleep 0.1; done
out=$($HOTVM ctl --api-socket $SOCK cpu-add 0 2>&1)
if echo "$out" | grep -q "(unavailable)"; then
	echo "ok - cpu-add refused: $out"
else
	echo "not ok - cpu-add: $out"
	fails=$((fails + 1))
fi
$HOTVM ctl --api-socket $SOCK shutdown >/dev/null
wait

for opt in --psci=user --psci-version=1.0; do
	out=$($HOTVM run -k "$T/guest/idle.bin" -m 16 $opt 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q "needs KVM's SMCCC filter"; then
		echo "ok - $opt refused: $out"
	else
		echo "not ok - $opt: exit $rc: $out"
		fails=$((fails + 1))
	fi
done
rm -rf $d
exit $fails
