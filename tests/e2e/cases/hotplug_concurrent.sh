# 16 control clients at once while the guest churns CPU_ON/CPU_OFF, with
# cpu-add/cpu-remove of vCPU 3 racing the guest's own CPU_ON of it: every
# request gets a well-formed answer, the VM stays up, and afterwards the
# guest's view and hotvm's agree.
# timeout: 240
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-conc.sock
CTL="$HOTVM ctl --api-socket $SOCK"
fail() {
	echo "FAIL: $*"
	tail -n 20 "$VM_OUT"
	vm_kill
	exit 1
}
rm -f "$SOCK" /tmp/conc.*
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || fail "the guest did not boot"

c=/sys/devices/system/cpu
# Guest churn in the background: cpu1 off/on, and cpu3 on/off whenever
# the host happens to have it enabled.
vm_sh "(i=0; while [ \$i -lt 40 ]; do echo 0 > $c/cpu1/online; echo 1 > $c/cpu1/online; echo 1 > $c/cpu3/online 2>/dev/null && echo 0 > $c/cpu3/online; i=\$((i + 1)); done; echo CHURN-DONE) & true" 30 ||
	fail "cannot start the guest churn"

client() { # client K: 20 requests of one kind
	k=$1 n=0
	while [ $n -lt 20 ]; do
		case $((k % 4)) in
		0) $CTL cpu-add 3 ;;
		1) $CTL cpu-remove 3 ;;
		2) $CTL status ;;
		3) $CTL --json status ;;
		esac >/tmp/conc.$k.$n 2>&1
		echo $? >>/tmp/conc.$k.rc
		n=$((n + 1))
	done
}
k=0
while [ $k -lt 16 ]; do
	client $k &
	k=$((k + 1))
done
wait_clients() {
	for p in $(jobs -p); do
		[ "$p" = "$VM_PID" ] || wait "$p"
	done
}
wait_clients
vm_expect "CHURN-DONE" 120 || fail "the guest churn did not finish"

# Every answer well formed: success, or "busy" for removing an on vCPU.
bad=0
answers=0
for f in /tmp/conc.*.*; do
	case $f in *.rc) continue ;; esac
	answers=$((answers + 1))
	if grep -qE "cannot connect|closed the connection|unreadable|no answer" "$f"; then
		echo "not ok - $f: $(cat "$f")"
		bad=$((bad + 1))
	elif grep -q "^hotvm ctl:" "$f" && ! grep -q "(busy)" "$f"; then
		echo "not ok - unexpected error in $f: $(cat "$f")"
		bad=$((bad + 1))
	fi
done
[ $answers -eq 320 ] || fail "$answers answers, want 320"
[ $bad -eq 0 ] || fail "$bad bad answers"
echo "ok - 320 requests from 16 concurrent clients, all answered"
busy=$(grep -l "(busy)" /tmp/conc.* | wc -l)
echo "ok - $busy cpu-remove requests refused as busy (vCPU 3 was on in the guest)"

# The guest's view and hotvm's agree, for every vCPU.
for i in 1 2 3; do
	g=$(vm_sh "cat $c/cpu$i/online")
	h=$($CTL --json status | tr '{' '\n' | grep "\"index\":$i," | sed 's/.*"power":"\([a-z-]*\)".*/\1/')
	if { [ "$g" = 1 ] && [ "$h" = on ]; } || { [ "$g" = 0 ] && [ "$h" = off ]; }; then
		echo "ok - cpu$i: guest online=$g, hotvm power=$h"
	else
		fail "cpu$i: guest online=$g but hotvm says power=$h"
	fi
done
# And hot-plug still works: take vCPU 3 away for good.
vm_sh "echo 0 > $c/cpu3/online" 30 >/dev/null 2>&1
$CTL cpu-remove 3 || fail "final cpu-remove 3"
vm_sh "echo 1 > $c/cpu3/online" 30 && fail "cpu3 onlined after cpu-remove"
echo "poweroff -f" >&7
vm_wait 60 || fail "hotvm exit status $? after poweroff"
echo "PASS"
