# make soak: e2e acpi_hotplug_cycles (ACPI: the guest's hot-plug handler
# onlines, the guest ejects) with CYCLES=1000 cycles of cpu-add 2 and
# cpu-remove 2, then the racing clients; hotvm's RSS outside guest RAM
# must not grow by more than 64 KiB from cycle 500 to the end.
# timeout: 2400
export CYCLES=${CYCLES:-1000}
. "$T/lib.sh"
soak_case acpi_hotplug_cycles
cycles=$(sed -n 's/^ok - \([0-9]*\) cycles of cpu-add 2.*/\1/p' /tmp/soak.out)
mem=$(sed -n 's/^hotvm RSS without guest RAM: \([0-9]*\) KiB after 20 cycles, \([0-9]*\) KiB after [0-9]* (\([0-9]*\) KiB after \([0-9]*\)).*/rss_kib_after_20=\1 rss_kib_after_\4=\3 rss_kib_end=\2/p' /tmp/soak.out)
echo "SOAK-TOTAL: hotplug-acpi cycles=${cycles:-?} $mem exit=$SOAK_RC"
exit "$SOAK_RC"
