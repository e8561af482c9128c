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
# number of open fds are what they were after a warm-up run (a leak of a
# few hundred bytes or one fd per message would show).
# timeout: 120
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-garbage.sock
CTL="$HOTVM ctl --api-socket $SOCK"
MEM=256
MESSAGES=${MESSAGES:-500}
CLIENTS=${CLIENTS:-8}
SEED=${GARBAGE_SEED:-$(($(now_ms) % 1000000 + $$))}
# Allocator noise: the server's per-client 64 KiB line buffers come and go
# (up to 64 at once); after the warm-up run has touched them, growth above
# this is a leak (500 messages leaking 300 bytes each is 146 KiB).
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

# Warm-up: a tenth of the run, so that the allocator has its pages.
api_garbage "$SOCK" $((MESSAGES / 10 + 50)) "$CLIENTS" "$((SEED + 1))" >/tmp/garbage.warm 2>&1 ||
	{ cat /tmp/garbage.warm; die "warm-up run"; }
sleep 1
rss0=$(vm_rss $MEM)
fd0=$(fds)
t0=$(now_ms)
api_garbage "$SOCK" "$MESSAGES" "$CLIENTS" "$SEED"
rc=$?
ms=$(($(now_ms) - t0))
[ $rc -eq 0 ] && pass "every malformed message answered as docs/api.md says ($ms ms)" ||
	fail "api_garbage: exit $rc (seed $SEED: rerun with GARBAGE_SEED=$SEED)"
vm_running || die "hotvm exited during the run: $(cat "$VM_DIR/rc")"
sleep 1
rss1=$(vm_rss $MEM)
fd1=$(fds)
after=$(vm_view) || die "the VM does not answer after the run"
[ "$after" = "$before" ] && pass "the guest answers, same CPUs online, hotvm's status unchanged" ||
	fail "the VM changed: before: $before; after: $after"
vm_sh "echo alive > /tmp/x && cat /tmp/x" 30 | grep -q alive && pass "the guest's shell runs commands" ||
	fail "the guest's shell"
echo "hotvm RSS outside guest RAM: ${rss0} KiB after the warm-up, ${rss1} KiB after $MESSAGES messages;" \
	"open fds ${fd0} -> ${fd1}"
[ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -le "$SLACK_KB" ] &&
	pass "hotvm's memory flat (growth $((rss1 - rss0)) KiB, slack $SLACK_KB)" ||
	fail "hotvm's memory grew by $((rss1 - rss0)) KiB"
[ "$fd0" -eq "$fd1" ] && pass "hotvm's fd count flat ($fd1)" || fail "hotvm's fds: $fd0 -> $fd1"
echo "soak-total: messages $MESSAGES clients $CLIENTS rss_before_kb $rss0 rss_after_kb $rss1 fds $fd0 $fd1"
$CTL shutdown >/dev/null || fail "shutdown"
vm_wait 60 || fail "hotvm exit status $? after shutdown"
exit $fails
