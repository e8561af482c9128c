# The hot-plug demo, asserted: a Linux guest with 2 of 4 vCPUs enabled;
# onlining cpu2 fails; `hotvm ctl cpu-add 2`; onlining succeeds; status; the
# guest offlines it; `hotvm ctl cpu-remove 2`; poweroff exits 0.
# timeout: 240
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-demo.sock
CTL="$HOTVM ctl --api-socket $SOCK"
fail() {
	echo "FAIL: $*"
	vm_kill
	exit 1
}
say() {
	printf '\n### %s\n' "$*"
}
show() { # run a host command, show it and its output
	echo "host\$ $*"
	"$@"
}
guest() { # run a guest command, show it and its output
	echo "guest# $1"
	vm_sh "$1" 60
}

rm -f "$SOCK"
say "Start a Linux guest: 4 possible vCPUs, 2 enabled (hotvm run -c 2 --max-cpus 4)"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || fail "the guest did not boot"
guest "cat /sys/devices/system/cpu/possible /sys/devices/system/cpu/online"
[ "$(vm_sh 'cat /sys/devices/system/cpu/online')" = "0-1" ] || fail "expected cpus 0-1 online"

say "Events: a subscriber records every power event from here on"
$CTL events >/tmp/demo-events.txt 2>&1 &
EVPID=$!
sleep 1

say "The guest tries to online cpu2: PSCI CPU_ON is DENIED, cpu2 stays offline"
guest "echo 1 > /sys/devices/system/cpu/cpu2/online" && fail "onlining a disabled vCPU succeeded"
[ "$(vm_sh 'cat /sys/devices/system/cpu/cpu2/online')" = "0" ] || fail "cpu2 is online"

say "The operator enables vCPU 2 from the host"
show $CTL cpu-add 2 || fail "cpu-add 2 failed"

say "Now the guest can online cpu2"
guest "echo 1 > /sys/devices/system/cpu/cpu2/online" || fail "onlining cpu2 failed after cpu-add"
guest "cat /sys/devices/system/cpu/online"
[ "$(vm_sh 'cat /sys/devices/system/cpu/online')" = "0-2" ] || fail "expected cpus 0-2 online"

say "Status from the host"
show $CTL status || fail "status failed"
$CTL --json status | grep -q '"index":2,"mpidr":"0x2","enabled":true,"power":"on"' ||
	fail "status does not show vCPU 2 enabled and on"

say "Removing a vCPU the guest is using is refused"
show $CTL cpu-remove 2 && fail "cpu-remove of an online vCPU succeeded"

say "The guest offlines cpu2, then the operator removes it"
guest "echo 0 > /sys/devices/system/cpu/cpu2/online" || fail "offlining cpu2 failed"
show $CTL cpu-remove 2 || fail "cpu-remove 2 failed"
guest "echo 1 > /sys/devices/system/cpu/cpu2/online" && fail "cpu2 came back after cpu-remove"
guest "cat /sys/devices/system/cpu/online"

say "Power off from the guest: hotvm exits 0"
echo "guest# poweroff -f"
echo "poweroff -f" >&7
vm_wait 60
rc=$?
echo "hotvm exit status: $rc"
[ $rc -eq 0 ] || fail "hotvm exited $rc"
sleep 0.5
kill $EVPID 2>/dev/null

say "The events the subscriber saw"
cat /tmp/demo-events.txt
for ev in "cpu-enabled vCPU 2" "cpu-on vCPU 2" "cpu-online vCPU 2" "cpu-off vCPU 2" \
	"cpu-disabled vCPU 2" "system-off"; do
	grep -q "$ev" /tmp/demo-events.txt || fail "event '$ev' missing"
done
# In order: enabled before on, on before online, off before disabled.
order=$(grep -o -E "cpu-(enabled|on|online|off|disabled) vCPU 2|system-off" /tmp/demo-events.txt |
	tr '\n' ,)
case "$order" in
*"cpu-enabled vCPU 2,cpu-on vCPU 2,cpu-online vCPU 2,cpu-off vCPU 2,cpu-disabled vCPU 2,"*"system-off,") ;;
*) fail "events out of order: $order" ;;
esac
[ ! -e "$SOCK" ] || fail "the API socket was left behind"
echo "PASS: demo scenario"
