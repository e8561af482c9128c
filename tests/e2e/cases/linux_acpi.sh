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
# In-process reboot under ACPI, driven through the API (the guest's RTC,
# which the reboot scenario uses to tell its boots apart, has no ACPI
# binding in Linux): the second boot finds hotvm's EFI and ACPI again.
. $T/console.sh
SOCK=/tmp/acpi-reboot.sock
rm -f "$SOCK"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 --acpi -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
if vm_expect 'shell ready' 90 && vm_sh 'dmesg | grep -c "efi: EFI v2.7 by hotvm"' | grep -q '^1$' &&
	$HOTVM ctl --api-socket "$SOCK" reboot >/dev/null && vm_expect 'shell ready' 90 &&
	vm_sh 'dmesg | grep -q "efi: EFI v2.7 by hotvm" && ls /sys/firmware/acpi/tables/DSDT && cat /sys/devices/system/cpu/online' | grep -q '^0-1$'; then
	pass "in-process reboot under --acpi: the second boot is on ACPI again, CPUs 0-1 online"
else
	fail "in-process reboot under --acpi: $(tail -n 20 "$VM_OUT")"
fi
$HOTVM ctl --api-socket "$SOCK" shutdown >/dev/null
vm_wait 30 >/dev/null || fail "hotvm did not exit after shutdown"
vm_kill
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
