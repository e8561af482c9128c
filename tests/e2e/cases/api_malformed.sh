# Malformed control messages from concurrent clients, the VM unaffected: a
# Linux guest (-c 2 --max-cpus 4, its shell on the console) runs while
# tests/e2e/api_garbage.c sends MESSAGES (500; `make soak` sends 10^4)
# malformed requests of every kind (truncated, broken JSON, deep nesting,
# binary garbage, wrong types and values, unknown operations, oversized
# lines, blank lines, pipelined batches, byte-at-a-time writers,
# half-closed and reset connections) from CLIENTS (8) connections at once,
# then 80 connections at once; it checks every answer against docs/api.md.
# Afterwards the VM is unaffected: the guest's shell still answers with
# the same CPUs online, `hotvm ctl status` is as before (running, the same
# vCPUs enabled and powered), and hotvm's RSS outside guest RAM and its
# number of open fds stay flat (measured after each quarter of the
# messages: a leak of a few hundred bytes or one fd per message shows).
# timeout: 240
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-garbage.sock
CTL="$HOTVM ctl --api-socket $SOCK"
MEM=256
MESSAGES=${MESSAGES:-500}
CLIENTS=${CLIENTS:-8}
SEED=${GARBAGE_SEED:-$(($(now_ms) % 1000000 + $$))}
# Allocator noise allowed over the last half of the messages.
SLACK_KB=${GARBAGE_SLACK_KB:-128}
die() {
	echo "FAIL: $*"
	tail -n 20 "$VM_OUT" | tr -d '\r'
	vm_kill
	exit 1
}
# vm_view: the guest's CPUs online and hotvm's vCPU view, one line
vm_view() {
	g=$(vm_sh "cat /sys/devices/system/cpu/online" 30) || return 1
	h=$($CTL --json status | sed 's/"calls":[0-9]*,//g; s/"psci_calls":{[^}]*},//; s/"trng_calls":[0-9]*,"unknown_calls":[0-9]*,//') || return 1
	echo "guest online $g; hotvm $h"
}
fds() {
	ls /proc/$(vm_pid)/fd | wc -l
}

rm -f "$SOCK"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m $MEM -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || die "the guest did not boot"
before=$(vm_view) || die "could not read the VM's state"
echo "before: $before"
echo "$before" | grep -q '"state":"running".*"enabled":2,"powered":2' || die "unexpected state"

# Four quarters of MESSAGES each (seeds SEED..SEED+3); hotvm's memory and
# fds after each. The first quarter warms the allocator up (the server's
# 64 KiB line buffer per client, up to 64 at once; answers of up to 128 KiB
# to the 65535-byte request): growth over the last two quarters is judged.
q=1
rc=0
sent=0
t0=$(now_ms)
while [ $q -le 4 ]; do
	api_garbage "$SOCK" $((MESSAGES / 4)) "$CLIENTS" $((SEED + q - 1)) >/tmp/garbage.out 2>&1
	r=$?
	sed 's/^/  /' /tmp/garbage.out
	[ $r -eq 0 ] || rc=$r
	n=$(sed -n 's/^api_garbage: \([0-9]*\) malformed messages.*/\1/p' /tmp/garbage.out)
	sent=$((sent + ${n:-0}))
	sleep 0.3
	eval "rss$q=$(vm_rss $MEM)"
	eval "fd$q=$(fds)"
	q=$((q + 1))
done
ms=$(($(now_ms) - t0))
[ $rc -eq 0 ] && pass "every malformed message answered as docs/api.md says: $sent messages in $ms ms" ||
	fail "api_garbage: exit $rc (seed $SEED: rerun with GARBAGE_SEED=$SEED)"
vm_running || die "hotvm exited during the run: $(cat "$VM_DIR/rc")"
after=$(vm_view) || die "the VM does not answer after the run"
[ "$after" = "$before" ] && pass "the guest answers, same CPUs online, hotvm's status unchanged" ||
	fail "the VM changed: before: $before; after: $after"
vm_sh "echo alive > /tmp/x && cat /tmp/x" 30 | grep -q alive && pass "the guest's shell runs commands" ||
	fail "the guest's shell"
echo "hotvm RSS outside guest RAM after each quarter: $rss1 $rss2 $rss3 $rss4 KiB; open fds $fd1 $fd2 $fd3 $fd4"
[ -n "$rss2" ] && [ -n "$rss4" ] && [ $((rss4 - rss2)) -le "$SLACK_KB" ] &&
	pass "hotvm's memory flat (growth over the last half $((rss4 - rss2)) KiB, slack $SLACK_KB)" ||
	fail "hotvm's memory grew by $((rss4 - rss2)) KiB over the last half"
[ "$fd1" -eq "$fd4" ] && pass "hotvm's fd count flat ($fd4)" || fail "hotvm's fds: $fd1 -> $fd4"
echo "soak-total: messages $sent clients $CLIENTS rss_kb $rss1 $rss2 $rss3 $rss4 fds $fd1 $fd4"
$CTL shutdown >/dev/null || fail "shutdown"
vm_wait 60 || fail "hotvm exit status $? after shutdown"
exit $fails
