# make soak: e2e hotplug_cycles (device tree) with CYCLES=1000 cycles of
# cpu-add, online, offline, cpu-remove; hotvm's RSS outside guest RAM must
# not grow by more than 64 KiB over the last 500.
# timeout: 1800
export CYCLES=${CYCLES:-1000}
. "$T/lib.sh"
soak_case hotplug_cycles
cycles=$(sed -n 's/^ok - \([0-9]*\) cycles of cpu-add.*/\1/p' /tmp/soak.out)
mem=$(sed -n 's/^hotvm RSS without guest RAM: \([0-9]*\) KiB after \([0-9]*\) cycles, \([0-9]*\) KiB after \([0-9]*\), \([0-9]*\) KiB after.*/rss_kib_after_\2=\1 rss_kib_after_\4=\3 rss_kib_end=\5/p' /tmp/soak.out)
echo "SOAK-TOTAL: hotplug-dt cycles=${cycles:-?} $mem exit=$SOAK_RC"
exit "$SOAK_RC"
