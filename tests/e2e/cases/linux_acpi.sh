# Linux guest booted with --acpi (no firmware: hotvm's EFI system table,
# memory map and ACPI tables, a DT with only /chosen), 2 of 4 possible
# vCPUs enabled: the kernel takes ACPI through EFI (dmesg, sysfs), no ACPI
# error, firmware bug or taint, 2 CPUs online and only cpu0/cpu1
# registered, ttyS0 is the 16550, offline/online cycles of cpu1; then an
# in-process reboot boots on ACPI again; poweroff -f exits 0 both times.
# A raw binary with --acpi is refused.
# timeout: 180
. $T/lib.sh
LINUX_ARGS="hotvm.ncpus=2 hotvm.cycles=5 hotvm.acpi=1"
run_linux cpus user --acpi -c 2 --max-cpus 4 || fails=$((fails + 1))
LINUX_ARGS="hotvm.ncpus=2 hotvm.acpi=1"
run_linux reboot user --acpi -c 2 --max-cpus 4 || fails=$((fails + 1))
# KVM's PSCI is HVC as well: --acpi works with --psci=kernel
LINUX_ARGS="hotvm.ncpus=2 hotvm.cycles=2 hotvm.acpi=1"
run_linux cpus kernel --acpi -c 2 || fails=$((fails + 1))

out=$($HOTVM run -k "$T/guest/idle.bin" -m 64 --acpi 2>&1)
rc=$?
if [ $rc -eq 1 ] && echo "$out" | grep -q -- '--acpi boots a Linux Image.*raw binary'; then
	pass "raw binary with --acpi refused: $out"
else
	fail "raw binary with --acpi: exit $rc, '$out'"
fi
exit $fails
