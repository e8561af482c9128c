# ACPI vCPU hot-plug with a Linux guest (hotvm run --acpi -c 2 --max-cpus 4):
# the operator only uses `hotvm ctl`, the guest only its hot-plug handler
# (tools/mkguestinitrd: a uevent listener that onlines an added cpu).
#  - cpu-add 2: the guest registers cpu2 and its handler onlines it (online
#    0-2, hotvm: vCPU 2 on); cpu-remove 2: the guest kernel offlines and
#    ejects it by itself, ctl exits 0, cpu2 is gone, vCPU 2 disabled+off;
#    the handler's log lines, the events in order and the times are printed
#  - resize --cpus 4, then --cpus 2: the same for two vCPUs
#  - removal the guest cannot do: cpu2 is the guest's last online CPU (cpu0
#    and cpu1 offlined: Linux never offlines its last CPU), and removal the
#    guest refuses (/sys/firmware/acpi/hotplug/processor/enabled = 0, Linux
#    answers "Eject disabled"): ctl --timeout 5 exits 1 "timed out", vCPU 2
#    stays enabled and online; once the obstacle is gone cpu-remove works
#  - a guest reboot (ctl reboot) during a removal (held up as above) and
#    right after an add: afterwards hotvm's enabled/powered vCPUs and the
#    guest's registered/online cpus agree
# timeout: 600
. "$T/console.sh"
. "$T/acpi_hp.sh"
set -u
SOCK=/tmp/hotvm-acpi-hp.sock
CTL="$HOTVM ctl --api-socket $SOCK"
C=/sys/devices/system/cpu
EVPID=
die() {
	echo "FAIL: $*"
	echo "--- guest output (last 30 lines):"
	tail -n 30 "$VM_OUT" | tr -d '\r'
	echo "--- events (last 30):"
	tail -n 30 "$HP_EV"
	[ -n "$EVPID" ] && kill "$EVPID" 2>/dev/null
	vm_kill
	exit 1
}
agree() { # agree WHAT: hotvm and the guest agree, or the case fails
	_v=$(hp_agree 10) && pass "$1: hotvm and the guest agree: $_v" || fail "$1: views differ: $_v"
}
# ctl_time OUT CMD...: run `hotvm ctl CMD...`, output in OUT; sets rc, ms
ctl_time() {
	_o=$1
	shift
	_t0=$(now_ms)
	$CTL "$@" >"$_o" 2>&1
	rc=$?
	ms=$(($(now_ms) - _t0))
}

rm -f "$SOCK" "$HP_EV"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 --acpi -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell hotvm.acpi=1"
vm_expect "hotvm-guest: hotplug handler ready" 120 || die "the guest's hot-plug handler did not start"
vm_expect "hotvm-guest: shell ready" 60 || die "the guest did not boot"
$CTL events >"$HP_EV" 2>&1 &
EVPID=$!
sleep 0.5
[ "$(hp_guest)" = "0:1 1:1" ] && pass "boot: cpu0, cpu1 registered and online, no cpu2/cpu3" ||
	fail "boot: guest cpus '$(hp_guest)'"
agree "boot"

# --- cpu-add 2: the handler onlines it ---
ev0=$(hp_evlines)
log0=$(hp_log | wc -l)
t0=$(now_ms)
ctl_time /tmp/hp.out cpu-add 2
out=$(cat /tmp/hp.out)
[ $rc -eq 0 ] && echo "$out" | grep -q "vCPU 2 enabled (guest notified)" &&
	pass "cpu-add 2: exit 0, '$out' (${ms} ms)" || fail "cpu-add 2: exit $rc, '$out'"
hp_wait_log "cpu2 online;" 30 || die "the guest did not online cpu2 after cpu-add 2"
add_ms=$(($(now_ms) - t0))
[ "$(vm_sh "cat $C/online")" = "0-2" ] && pass "guest: cpus 0-2 online" ||
	fail "guest: online '$(vm_sh "cat $C/online")'"
[ "$(hp_vcpu 2)" = "true on" ] && pass "hotvm: vCPU 2 enabled, on" || fail "hotvm: vCPU 2 '$(hp_vcpu 2)'"
$CTL status | sed 's/^/    /'

# --- cpu-remove 2: the guest offlines and ejects it ---
t0=$(now_ms)
ctl_time /tmp/hp.out cpu-remove 2
out=$(cat /tmp/hp.out)
[ $rc -eq 0 ] && echo "$out" | grep -q "vCPU 2 disabled (ejected by the guest" &&
	pass "cpu-remove 2: exit 0, '$out'" || fail "cpu-remove 2: exit $rc, '$out'"
remove_ms=$ms
hp_wait_log "cpu2 removed" 10 || fail "no 'cpu2 removed' from the guest's handler"
vm_sh "[ ! -e $C/cpu2 ]" && pass "guest: no $C/cpu2" || fail "guest: $C/cpu2 still there"
[ "$(vm_sh "cat $C/online")" = "0-1" ] && pass "guest: cpus 0-1 online" ||
	fail "guest: online '$(vm_sh "cat $C/online")'"
[ "$(hp_vcpu 2)" = "false off" ] && pass "hotvm: vCPU 2 disabled, off" || fail "hotvm: vCPU 2 '$(hp_vcpu 2)'"
echo "guest log lines for the add and the remove:"
hp_log | tail -n +$((log0 + 1)) | sed 's/^/    /'
echo "time: cpu-add 2 to cpu2 online in the guest: ${add_ms} ms; cpu-remove 2 (eject request to vCPU disabled): ${remove_ms} ms"
sleep 0.3
evs=$(hp_events 2 "$ev0")
echo "events of vCPU 2: $evs"
tail -n +$((ev0 + 1)) "$HP_EV" | grep 'vCPU 2' | sed 's/^/    /'
# Every step, in this order (cpu-online follows cpu-on; other events may
# come in between, but not out of order).
want="cpu-enabled cpu-notify cpu-notified cpu-on cpu-notify cpu-notified cpu-off cpu-ejected cpu-disabled"
rest=",$evs,"
for e in $want; do
	case "$rest" in
	*",$e,"*) rest=,${rest#*",$e,"} ;;
	*)
		fail "events: no $e (in order) in '$evs'"
		rest=
		break
		;;
	esac
done
[ -n "$rest" ] && pass "events in order: $want"
agree "after cpu-add/cpu-remove"

# --- resize --cpus 4, then --cpus 2 ---
log0=$(hp_log | wc -l)
t0=$(now_ms)
ctl_time /tmp/hp.out resize --cpus 4
[ $rc -eq 0 ] && pass "resize --cpus 4: $(cat /tmp/hp.out)" || fail "resize --cpus 4: exit $rc, $(cat /tmp/hp.out)"
ok2=0
hp_wait_log "cpu[23] online;" 30 && hp_wait_log "cpu[23] online;" 30 && ok2=1
grow_ms=$(($(now_ms) - t0))
[ $ok2 = 1 ] || die "the guest did not online cpu2 and cpu3 after resize --cpus 4"
[ "$(vm_sh "cat $C/online")" = "0-3" ] && pass "guest: cpus 0-3 online" ||
	fail "guest: online '$(vm_sh "cat $C/online")'"
agree "after resize --cpus 4"
ctl_time /tmp/hp.out resize --cpus 2
[ $rc -eq 0 ] && pass "resize --cpus 2: $(cat /tmp/hp.out)" || fail "resize --cpus 2: exit $rc, $(cat /tmp/hp.out)"
shrink_ms=$ms
hp_wait_log "cpu[23] removed" 10 && hp_wait_log "cpu[23] removed" 10 ||
	fail "no 'removed' lines for cpu2 and cpu3 from the handler"
vm_sh "[ ! -e $C/cpu2 ] && [ ! -e $C/cpu3 ]" && pass "guest: cpu2 and cpu3 gone" ||
	fail "guest: $(vm_sh "ls -d $C/cpu[0-9]*" | tr '\n' ' ')"
[ "$(hp_vcpu 2) $(hp_vcpu 3)" = "false off false off" ] && pass "hotvm: vCPUs 2, 3 disabled, off" ||
	fail "hotvm: vCPU 2 '$(hp_vcpu 2)', vCPU 3 '$(hp_vcpu 3)'"
hp_log | tail -n +$((log0 + 1)) | sed 's/^/    /'
echo "time: resize --cpus 4 to cpus 0-3 online: ${grow_ms} ms; resize --cpus 2: ${shrink_ms} ms"
agree "after resize --cpus 4, --cpus 2"

# --- removal the guest cannot do: cpu2 is its last online CPU ---
$CTL cpu-add 2 >/dev/null || fail "cpu-add 2"
hp_wait_log "cpu2 online;" 30 || die "cpu2 not onlined"
vm_sh "echo 0 > $C/cpu0/online && echo 0 > $C/cpu1/online" || die "the guest cannot offline cpu0, cpu1"
[ "$(vm_sh "cat $C/online")" = "2" ] || die "guest online '$(vm_sh "cat $C/online")', want 2"
ev0=$(hp_evlines)
ctl_time /tmp/hp.out cpu-remove 2 --timeout 5
out=$(cat /tmp/hp.out)
[ $rc -eq 1 ] && echo "$out" | grep -q "timed out" &&
	pass "cpu-remove 2 --timeout 5 of the guest's last CPU: exit 1 after ${ms} ms: $out" ||
	fail "cpu-remove 2 --timeout 5 of the guest's last CPU: exit $rc after ${ms} ms: $out"
[ $ms -ge 4500 ] && [ $ms -lt 9000 ] || fail "the timeout took ${ms} ms, want about 5000"
[ "$(hp_vcpu 2)" = "true on" ] && pass "hotvm: vCPU 2 still enabled, on" || fail "hotvm: vCPU 2 '$(hp_vcpu 2)'"
[ "$(vm_sh "cat $C/online")" = "2" ] && vm_sh "[ -e $C/cpu2 ]" &&
	pass "guest: cpu2 still registered and online" || fail "guest: online '$(vm_sh "cat $C/online")'"
sleep 0.3
echo "events: $(hp_events 2 "$ev0")"
hp_events 2 "$ev0" | grep -q "cpu-remove-timeout" && pass "event cpu-remove-timeout" ||
	fail "no cpu-remove-timeout event"
vm_sh "echo 1 > $C/cpu0/online && echo 1 > $C/cpu1/online" || die "the guest cannot online cpu0, cpu1"
ctl_time /tmp/hp.out cpu-remove 2
[ $rc -eq 0 ] && pass "cpu-remove 2 once cpu0, cpu1 are back: $(cat /tmp/hp.out) (${ms} ms)" ||
	fail "cpu-remove 2 once cpu0, cpu1 are back: exit $rc, $(cat /tmp/hp.out)"
hp_wait_log "cpu2 removed" 10 || fail "no 'cpu2 removed'"
agree "after the refused and the later removal"

# --- removal the guest refuses: processor eject disabled in its ACPI ---
$CTL cpu-add 2 >/dev/null || fail "cpu-add 2"
hp_wait_log "cpu2 online;" 30 || die "cpu2 not onlined"
vm_sh "echo 0 > /sys/firmware/acpi/hotplug/processor/enabled" || die "cannot disable processor eject"
ctl_time /tmp/hp.out --timeout 5 cpu-remove 2
out=$(cat /tmp/hp.out)
[ $rc -eq 1 ] && echo "$out" | grep -q "timed out" &&
	pass "--timeout 5 cpu-remove 2, guest eject disabled: exit 1 after ${ms} ms: $out" ||
	fail "--timeout 5 cpu-remove 2, guest eject disabled: exit $rc after ${ms} ms: $out"
[ "$(hp_vcpu 2)" = "true on" ] && [ "$(vm_sh "cat $C/online")" = "0-2" ] &&
	pass "vCPU 2 still enabled and on, guest cpus 0-2 online" ||
	fail "hotvm vCPU 2 '$(hp_vcpu 2)', guest online '$(vm_sh "cat $C/online")'"
vm_sh "echo 1 > /sys/firmware/acpi/hotplug/processor/enabled" || die "cannot enable processor eject"
$CTL cpu-remove 2 >/tmp/hp.out 2>&1 && pass "cpu-remove 2 with eject enabled again: $(cat /tmp/hp.out)" ||
	fail "cpu-remove 2 with eject enabled again: $(cat /tmp/hp.out)"
hp_wait_log "cpu2 removed" 10 || fail "no 'cpu2 removed'"
agree "after the refused eject and the later removal"

# --- a guest reboot during a removal (held up: cpu2 is the last online CPU) ---
$CTL cpu-add 2 >/dev/null || fail "cpu-add 2"
hp_wait_log "cpu2 online;" 30 || die "cpu2 not onlined"
vm_sh "echo 0 > $C/cpu0/online && echo 0 > $C/cpu1/online" || die "the guest cannot offline cpu0, cpu1"
ev0=$(hp_evlines)
$CTL --timeout 60 cpu-remove 2 >/tmp/hp-rm.out 2>&1 &
rmpid=$!
k=0
while [ $k -lt 100 ] && ! hp_events 2 "$ev0" | grep -q "cpu-notified"; do
	sleep 0.1
	k=$((k + 1))
done
hp_events 2 "$ev0" | grep -q "cpu-notified" || fail "no cpu-notified event for the eject request"
sleep 1
$CTL reboot >/dev/null || fail "ctl reboot"
vm_expect "hotvm-guest: shell ready" 120 || die "no second boot"
wait $rmpid
rmrc=$?
echo "the cpu-remove the reboot interrupted: exit $rmrc: $(cat /tmp/hp-rm.out)"
tail -n +$((ev0 + 1)) "$HP_EV" | grep -E 'vCPU 2( |$)|system-reset' | sed 's/^/    /'
tail -n +$((ev0 + 1)) "$HP_EV" | grep -q "cpu-ejected vCPU 2 (reset)" &&
	pass "the reboot completed the removal: cpu-ejected vCPU 2 (reset)" ||
	fail "no 'cpu-ejected vCPU 2 (reset)' event"
[ "$(hp_vcpu 2)" = "false off" ] && pass "reboot during a removal: vCPU 2 disabled, off" ||
	fail "reboot during a removal: vCPU 2 '$(hp_vcpu 2)'"
[ "$(hp_guest)" = "0:1 1:1" ] && pass "the rebooted guest has cpu0, cpu1 only" ||
	fail "the rebooted guest: '$(hp_guest)'"
agree "after a reboot during a removal"

# --- a guest reboot right after an add ---
log0=$(hp_log | wc -l)
$CTL cpu-add 2 >/dev/null && $CTL reboot >/dev/null || fail "cpu-add 2; reboot"
vm_expect "hotvm-guest: shell ready" 120 || die "no third boot"
echo "the guest's handler before the reboot: $(hp_log | tail -n +$((log0 + 1)) | tr '\n' ';')"
[ "$(hp_vcpu 2)" = "true on" ] && pass "reboot right after an add: vCPU 2 enabled, on" ||
	fail "reboot right after an add: vCPU 2 '$(hp_vcpu 2)'"
[ "$(hp_guest)" = "0:1 1:1 2:1" ] && pass "the rebooted guest booted with cpu2 online" ||
	fail "the rebooted guest: '$(hp_guest)'"
agree "after a reboot right after an add"
$CTL cpu-remove 2 >/tmp/hp.out 2>&1 && pass "cpu-remove 2 after the reboot: $(cat /tmp/hp.out)" ||
	fail "cpu-remove 2 after the reboot: $(cat /tmp/hp.out)"
agree "after removing the boot-time cpu2"

$CTL shutdown >/dev/null || fail "shutdown"
vm_wait 60 || fail "hotvm exit status $? after shutdown"
kill "$EVPID" 2>/dev/null
echo "$fails failures"
exit $fails
