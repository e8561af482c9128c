# make soak: the hostile guest (e2e guest_hostile) with HOSTILE_CALLS=84000
# random SMCCC calls per vCPU per round, 3 rounds on 4 vCPUs: 1,008,000
# calls, every answer checked by the guest; hotvm's RSS outside guest RAM
# between boot 1 and the last boot must stay within 64 KiB.
# timeout: 900
export HOSTILE_CALLS=${HOSTILE_CALLS:-84000}
. "$T/lib.sh"
soak_case guest_hostile
calls=$(sed -n 's/^# totals: \([0-9]*\) random calls.*/\1/p' /tmp/soak.out)
mem=$(sed -n 's/^memory: hotvm RSS outside guest RAM: early \([0-9]*\) KiB.*late \([0-9]*\) KiB at.*/rss_early_kib=\1 rss_late_kib=\2/p' /tmp/soak.out)
echo "SOAK-TOTAL: hostile calls=${calls:-?} vcpus=4 $mem exit=$SOAK_RC"
exit "$SOAK_RC"
