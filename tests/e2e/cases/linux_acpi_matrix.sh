# The --acpi boot matrix (issue 10): a Linux guest booted on hotvm's ACPI
# tables (no firmware) with, one boot each,
#   --irqchip=gicv3-its   the ITS found through the MADT, LPI pending
#                         tables, IPIs, timer; then `reboot -f` in the guest
#                         (in-process reset) and the same checks again
#   --pmu                 PMUv3 found through the MADT GICC performance
#                         interrupt (its IRQ registered), perf counts cycles
#   --psci-version 1.0    the guest reports the version hotvm gives, found
#   --psci-version 1.3    through the FADT's PSCI flags
# Every boot is checked by the guest itself (tools/mkguestinitrd's
# check_boot/check_acpi/check_irqs run from its shell): EFI and ACPI in use,
# no "ACPI Error", "ACPI BIOS Error", "Firmware Bug" or taint, both CPUs
# online, IPIs, `sleep 1` wakes; the console is ttyS0 from the SPCR and the
# PNP0501 device (no console= on the command line). One "ok"/"not ok" line
# per combination and check group. Not tested, said as "skip -" lines: the
# RTC (Linux 6.12 has no ACPI binding for the PL031). When the host's KVM
# has no PMUv3 for guests the --pmu boot cannot run: the case then skips
# (exit 77) if everything else passed.
# may-skip: the emulated host's KVM may offer no PMUv3 to its guests
# timeout: 420
. "$T/console.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
pmu_missing=

# acpi_boot LABEL BOOTARGS HOTVM-ARGS...: start the guest's shell on ACPI
# with 2 vCPUs and no console= (the SPCR must give it); 0 once it is ready,
# else 1 (and a "not ok" line), or 2 if hotvm said the host has no PMUv3.
acpi_boot() {
	_label=$1
	_args=$2
	shift 2
	vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 --acpi -c 2 \
		-p "quiet hotvm.test=shell hotvm.ncpus=2 hotvm.acpi=1 $_args" "$@"
	if vm_expect 'hotvm-guest: shell ready' 120; then
		return 0
	fi
	vm_kill
	if grep -q "hotvm: --pmu: this host's KVM has no PMUv3 for guests" "$VM_OUT"; then
		return 2
	fi
	fail "$_label: no shell: $(tail -n 20 "$VM_OUT" | tr -d '\r')"
	return 1
}

# guest_check LABEL CMD: run CMD (shell functions of the guest's /init and
# commands printing "T: ok - ..."/"T: not ok - ...") in the guest; one line
# here: ok with the number of guest checks, or not ok with the failed ones
# (and the guest's key dmesg lines, "T: |").
guest_check() {
	_out=$(vm_sh "$(echo "$2" | tr '\n' ' ')" 120)
	_rc=$?
	_ok=$(echo "$_out" | grep -c '^T: ok - ')
	_bad=$(echo "$_out" | grep '^T: not ok - ')
	if [ $_rc -eq 0 ] && [ -z "$_bad" ] && [ "$_ok" -gt 0 ]; then
		pass "$1: $_ok guest checks passed"
		echo "$_out" | sed -n 's/^T: ok - /    /p'
	else
		fail "$1: shell rc $_rc, $_ok ok; failed: $_bad"
		echo "$_out" | grep '^T: |' | head -n 40
	fi
}

# The checks common to every combination, as guest shell code. check_boot
# (CPUs, PSCI, ttyS0 at the 16550's address) calls check_acpi (EFI, tables,
# no ACPI error, firmware bug or taint, cpuN only for enabled vCPUs);
# check_irqs: GIC (ITS with hotvm.its=1), IPIs, `sleep 1`.
common='l="$1"; check_boot "$l"; check_irqs "$l";
c=$(head -n 1 /proc/consoles); case "$c" in ttyS0*) ok "$l: console $c";; *) bad "$l: console is '"'"'$c'"'"', want ttyS0";; esac;
s=$(dmesg | grep -o "ACPI: SPCR: console: [^ ]*"); [ -n "$s" ] && ok "$l: $s" || bad "$l: no SPCR console in dmesg";
grep -qx PNP0501 /sys/bus/pnp/devices/*/id && ok "$l: PNP0501 device" || bad "$l: no PNP0501 in /sys/bus/pnp";
d=$(dmesg | grep -E "ACPI Warning|duplicate filename"); [ -z "$d" ] && ok "$l: no ACPI warning, no duplicate sysfs name" || bad "$l: dmesg: $d"'

# The RTC: the guest has none under ACPI (Linux 6.12: no ACPI match in
# rtc-pl031 nor drivers/acpi/arm64/amba.c). Said, never passed; if a later
# kernel binds it, hwclock must read it.
rtc_check() {
	_r=$(vm_sh 'ls /dev/rtc0 2>&1 && hwclock -r -u 2>&1')
	case "$_r" in
	*"No such file"*)
		echo "skip - $1: RTC: no /dev/rtc0 under --acpi (Linux 6.12 has no ACPI binding for the PL031)" ;;
	/dev/rtc0*20[0-9][0-9]*) pass "$1: RTC: $(echo "$_r" | tr '\n' ' ')" ;;
	*) fail "$1: RTC: $_r" ;;
	esac
}

# poweroff LABEL: poweroff -f in the guest, hotvm exits 0.
poweroff_check() {
	echo "poweroff -f" >&7
	vm_wait 60
	_rc=$?
	[ $_rc -eq 0 ] && pass "$1: poweroff -f, hotvm exit 0" || fail "$1: hotvm exit $_rc after poweroff -f"
	vm_kill
}

# 1. ITS, and an in-process reboot with it
L="--acpi --irqchip=gicv3-its"
if acpi_boot "$L" "hotvm.its=1" --irqchip=gicv3-its; then
	guest_check "$L, first boot" "set -- 'first boot'; $common"
	rtc_check "$L"
	echo "reboot -f" >&7
	if vm_expect 'hotvm-guest: shell ready' 120; then
		guest_check "$L, second boot after reboot -f" \
			"set -- 'second boot'; $common; [ \$(dmesg | grep -c 'efi: EFI v2.7 by hotvm') = 1 ] && ok 'a fresh kernel' || bad 'not a fresh boot'"
	else
		fail "$L: no shell after reboot -f: $(tail -n 20 "$VM_OUT" | tr -d '\r')"
	fi
	poweroff_check "$L"
fi

# 2. PMU: perf driver found the PMUv3 and its interrupt (the MADT GICC
# performance interrupt GSI), and counts cycles
L="--acpi --pmu"
acpi_boot "$L" "" --pmu
case $? in
0)
	guest_check "$L" "set -- pmu; $common;
p=\$(dmesg | grep -o 'hw perfevents: enabled with armv8_pmuv3[^,]*, [^c]*counters available'); [ -n \"\$p\" ] && ok \"\$p\" || bad \"no armv8_pmuv3 in dmesg: \$(dmesg | grep -i 'pmu\\|perf' | head -n 3)\";
m=\$(dmesg | grep -E 'No ACPI PMU IRQ|no irqs for PMU|Unable to parse ACPI PMU IRQ'); [ -z \"\$m\" ] && ok 'PMU IRQ from the MADT' || bad \"PMU interrupt: \$m\";
i=\$(grep -c 'arm-pmu' /proc/interrupts); [ \"\$i\" -ge 1 ] && ok \"PMU interrupt registered: \$(grep arm-pmu /proc/interrupts | tr -s ' ' | head -n 1)\" || bad 'no arm-pmu in /proc/interrupts';
o=\$(perf_cycles 2>&1) && ok \"perf_cycles: \$o\" || bad \"perf_cycles: \$o\""
	poweroff_check "$L"
	;;
2)
	pmu_missing=$(grep -m 1 "no PMUv3 for guests" "$VM_OUT" | tr -d '\r')
	echo "skip - $L: $pmu_missing"
	;;
esac

# 3. PSCI versions, found through the FADT's ARM boot flags
for v in 1.0 1.3; do
	L="--acpi --psci-version $v"
	if acpi_boot "$L" "" --psci-version "$v"; then
		guest_check "$L" "set -- psci; $common;
s=\$(dmesg | grep -o 'psci: PSCIv[0-9.]* detected in firmware'); [ \"\$s\" = 'psci: PSCIv$v detected in firmware' ] && ok \"\$s\" || bad \"dmesg says '\$s', want PSCIv$v\";
dmesg | grep -q 'psci: probing for conduit method from ACPI' && ok 'PSCI from ACPI' || bad 'PSCI not from ACPI'"
		poweroff_check "$L"
	fi
done

if [ $fails -eq 0 ] && [ -n "$pmu_missing" ]; then
	skip "--acpi --pmu not run: $pmu_missing (every other combination passed)"
fi
exit $fails
