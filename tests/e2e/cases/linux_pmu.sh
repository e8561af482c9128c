# Linux guest with --pmu: the guest's perf driver finds a PMUv3 ("hw
# perfevents: enabled with armv8_pmuv3") and perf_event_open's CPU_CYCLES
# counter counts a busy loop (tests/linux/perf_cycles.c, hotvm.test=pmu in
# tools/mkguestinitrd). Skipped (exit 77), never passed,
# when the host's KVM offers guests no PMU.
# may-skip: the emulated host's KVM may offer no PMUv3 to its guests
# timeout: 120
. $T/lib.sh
LINUX_ARGS="hotvm.ncpus=2"
run_linux pmu user -c 2 --pmu
rc=$?
if [ $rc -ne 0 ] && grep -q "hotvm: --pmu: this host's KVM has no PMUv3 for guests" "$LINUX_OUT"; then
	echo "SKIP: this host's KVM has no PMUv3 for guests (KVM_CAP_ARM_PMU_V3)"
	exit 77
fi
exit $rc
