# The ACPI hot-plug demo (first part of `make demo`), asserted: a Linux
# guest booted with --acpi, 2 of 4 vCPUs enabled. The operator types only
# `hotvm ctl` commands; the guest's kernel is notified through ACPI and its
# hot-plug handler (tools/mkguestinitrd, as a distribution's udev rule)
# onlines an added CPU; on removal the guest kernel offlines and ejects the
# CPU by itself. The guest's state is only looked at ("guest$ ..." lines read
# sysfs), never changed by hand. cpu-add/cpu-remove, resize up and down,
# status, the event stream; shutdown exits 0.
# timeout: 240
. "$T/console.sh"
. "$T/acpi_hp.sh"
set -u
SOCK=/tmp/hotvm-demo-acpi.sock
CTL="$HOTVM ctl --api-socket $SOCK"
C=/sys/devices/system/cpu
fail() {
	echo "FAIL: $*"
	vm_kill
	exit 1
}
say() {
	printf '\n### %s\n' "$*"
}
ctl() { # the operator's command: hotvm ctl ARGS
	echo "host\$ hotvm ctl $*"
	$CTL "$@"
}
look() { # read the guest's state (nothing is changed in the guest)
	echo "guest\$ $1"
	vm_sh "$1" 60
}
console() { # the guest console lines of its hot-plug handler since line $1
	hp_log | tail -n +$(($1 + 1)) | sed 's/^/  guest console: /'
}

rm -f "$SOCK" "$HP_EV"
say "Start a Linux guest on ACPI, no firmware: 4 possible vCPUs, 2 enabled"
echo "host\$ hotvm run -k Image -i initrd.cpio --acpi -c 2 --max-cpus 4 --api-socket $SOCK &"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 --acpi -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell hotvm.acpi=1"
vm_expect "hotvm-guest: hotplug handler ready" 120 || fail "the guest's hot-plug handler did not start"
vm_expect "hotvm-guest: shell ready" 60 || fail "the guest did not boot"
echo "  guest console: hotvm-guest: hotplug handler ready (a uevent listener: it onlines every CPU the kernel adds)"
look "dmesg | grep -m 2 -E 'efi: EFI v|ACPI: DSDT'"
look "cat $C/possible $C/online; ls -d $C/cpu[0-9]*"
[ "$(hp_guest)" = "0:1 1:1" ] || fail "expected cpu0, cpu1 registered and online"

say "A subscriber records every event from here on"
echo "host\$ hotvm ctl events > events.txt &"
$CTL events >"$HP_EV" 2>&1 &
EVPID=$!
sleep 0.5

say "The operator adds vCPU 2; the guest's kernel registers cpu2, its handler onlines it"
log0=$(hp_log | wc -l)
t0=$(now_ms)
ctl cpu-add 2 || fail "cpu-add 2 failed"
hp_wait_log "cpu2 online;" 30 || fail "the guest did not online cpu2"
add_ms=$(($(now_ms) - t0))
console "$log0"
echo "(cpu-add to cpu2 online in the guest: ${add_ms} ms)"
look "cat $C/online"
[ "$(vm_sh "cat $C/online")" = "0-2" ] || fail "expected cpus 0-2 online"
ctl status || fail "status failed"
[ "$(hp_vcpu 2)" = "true on" ] || fail "status does not show vCPU 2 enabled and on"

say "The operator removes vCPU 2; the guest's kernel offlines it and ejects it"
log0=$(hp_log | wc -l)
t0=$(now_ms)
ctl cpu-remove 2 || fail "cpu-remove 2 failed"
remove_ms=$(($(now_ms) - t0))
hp_wait_log "cpu2 removed" 10 || fail "no 'cpu2 removed' from the guest's handler"
console "$log0"
echo "(cpu-remove until hotvm had the eject: ${remove_ms} ms)"
look "cat $C/online; ls -d $C/cpu[0-9]*"
[ "$(hp_guest)" = "0:1 1:1" ] || fail "cpu2 is still in the guest"
[ "$(hp_vcpu 2)" = "false off" ] || fail "vCPU 2 not disabled"

say "Resize to 4 vCPUs and back to 2"
log0=$(hp_log | wc -l)
ctl resize --cpus 4 || fail "resize --cpus 4 failed"
hp_wait_log "cpu[23] online;" 30 && hp_wait_log "cpu[23] online;" 30 ||
	fail "the guest did not online cpu2 and cpu3"
console "$log0"
look "cat $C/online"
[ "$(vm_sh "cat $C/online")" = "0-3" ] || fail "expected cpus 0-3 online"
ctl status || fail "status failed"
log0=$(hp_log | wc -l)
ctl resize --cpus 2 || fail "resize --cpus 2 failed"
hp_wait_log "cpu[23] removed" 10 && hp_wait_log "cpu[23] removed" 10 ||
	fail "no 'removed' lines for cpu2 and cpu3"
console "$log0"
look "cat $C/online; ls -d $C/cpu[0-9]*"
[ "$(hp_guest)" = "0:1 1:1" ] || fail "cpu2/cpu3 still in the guest"
v=$(hp_agree 10) || fail "hotvm and the guest disagree: $v"

say "Shut down from the host: hotvm exits 0"
ctl shutdown || fail "shutdown failed"
vm_wait 60
rc=$?
echo "hotvm exit status: $rc"
[ $rc -eq 0 ] || fail "hotvm exited $rc"
sleep 0.3
kill $EVPID 2>/dev/null

say "The events the subscriber saw"
cat "$HP_EV"
evs=$(hp_events 2 0)
want="cpu-enabled cpu-notify cpu-notified cpu-on cpu-notify cpu-notified cpu-off cpu-ejected cpu-disabled"
rest=",$evs,"
for e in $want; do
	case "$rest" in
	*",$e,"*) rest=,${rest#*",$e,"} ;;
	*) fail "vCPU 2's events: no $e (in order) in '$evs'" ;;
	esac
done
[ ! -e "$SOCK" ] || fail "the API socket was left behind"
echo "PASS: ACPI hot-plug demo"
