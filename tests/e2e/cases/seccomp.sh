# The seccomp allow-list (docs/seccomp.md): on by default on every thread;
# a forbidden system call kills hotvm with SIGSYS (test hook
# HOTVM_SECCOMP_SELFTEST=1 calls openat(), refused with EACCES, then
# socket(), forbidden, right after the filter is in); --seccomp=off lets
# both through; the steady state under the
# filter (vCPUs, UART, control API clients, in-process reboot, shutdown,
# SIGTERM).
# timeout: 90
. $T/lib.sh
. $T/hostile.sh
set -u

$HOTVM run --help | grep -q -- '--seccomp' && pass "hotvm run --help lists --seccomp" ||
	fail "--seccomp missing from hotvm run --help"
$HOTVM run -k "$T/guest/idle.bin" --seccomp=maybe >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && pass "--seccomp=maybe refused (exit 2)" || fail "--seccomp=maybe: exit $rc"

# 1. A forbidden call after the filter is installed: SIGSYS (exit 128 + 31)
out=$(mktemp)
HOTVM_SECCOMP_SELFTEST=1 $HOTVM run -k "$T/guest/psci_api.bin" -m 64 -c 2 >"$out" 2>&1
rc=$?
sed 's/^/  | /' "$out"
grep -q 'openat() failed: Permission denied' "$out" &&
	pass "openat() refused with EACCES under the filter" || fail "openat() not refused"
if [ $rc -eq 159 ] && grep -q 'calling socket(), which the filter forbids' "$out" &&
	! grep -q 'FAILED' "$out" && ! grep -q '^RESULT' "$out"; then
	pass "forbidden socket() killed hotvm with SIGSYS (exit $rc) before the guest ran"
else
	fail "forbidden socket(): exit $rc, expected 159 (SIGSYS)"
fi

# 2. The same with --seccomp=off: both calls go through, the guest runs
HOTVM_SECCOMP_SELFTEST=1 $HOTVM run --seccomp=off -k "$T/guest/psci_api.bin" -m 64 -c 2 \
	>"$out" 2>&1
rc=$?
grep '^hotvm' "$out" | sed 's/^/  | /'
if [ $rc -eq 0 ] && grep -q 'openat() succeeded' "$out" &&
	grep -q 'socket() returned [0-9][0-9]* (filter off)' "$out" &&
	grep -q '^RESULT: PASS' "$out"; then
	pass "--seccomp=off: openat() and socket() allowed, guest PASS, exit 0"
else
	fail "--seccomp=off: exit $rc"
fi

# 3. Steady state under the filter: every thread filtered (main, signal,
#    API, one per vCPU; the UART input thread ends at EOF on /dev/null);
#    API clients, event subscriber, reboot and shutdown over the control API
SOCK=/tmp/hotvm-seccomp.sock
rm -f "$SOCK"
$HOTVM run -k "$T/guest/idle.bin" -m 64 -c 4 --api-socket "$SOCK" >"$out" 2>&1 &
pid=$!
for i in $(seq 100); do
	grep -q 'IDLE: ready' "$out" && break
	sleep 0.1
done
grep -q 'IDLE: ready' "$out" || { fail "idle guest did not start"; sed 's/^/  | /' "$out"; }
nthreads=0
nfiltered=0
for s in /proc/$pid/task/*/status; do
	nthreads=$((nthreads + 1))
	grep -q '^Seccomp:[[:space:]]*2' "$s" && nfiltered=$((nfiltered + 1))
done
echo "  threads: $nthreads, in seccomp filter mode: $nfiltered"
[ $nthreads -ge 7 ] && [ $nfiltered -eq $nthreads ] &&
	pass "all $nthreads threads run under the filter (Seccomp: 2)" ||
	fail "$nfiltered of $nthreads threads filtered (expected all, >= 7)"
$HOTVM ctl --api-socket "$SOCK" events >/tmp/seccomp-events.txt 2>&1 &
evpid=$!
sleep 0.5
$HOTVM ctl --api-socket "$SOCK" status >/dev/null && pass "ctl status under the filter" ||
	fail "ctl status"
$HOTVM ctl --api-socket "$SOCK" reboot >/dev/null && pass "ctl reboot under the filter" ||
	fail "ctl reboot"
for i in $(seq 100); do
	[ "$(grep -c 'IDLE: ready' "$out")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c 'IDLE: ready' "$out")" -ge 2 ] && pass "the guest rebooted in-process" ||
	fail "no second boot after reboot"
$HOTVM ctl --api-socket "$SOCK" shutdown >/dev/null && pass "ctl shutdown" || fail "ctl shutdown"
wait $pid
rc=$?
wait $evpid
grep -q system-reset /tmp/seccomp-events.txt && grep -q system-off /tmp/seccomp-events.txt &&
	pass "event subscriber saw system-reset and system-off" ||
	fail "events: $(cat /tmp/seccomp-events.txt)"
[ $rc -eq 0 ] && ! alive $pid && pass "hotvm exited 0 after shutdown" || fail "hotvm exit $rc"
grep -q '^hotvm' "$out" && sed -n 's/^hotvm/  | hotvm/p' "$out"
[ -e "$SOCK" ] && fail "socket left behind"

# 4. SIGTERM under the filter, with the control API running: the signal
#    thread stops the guest (status 1), the socket is removed. (The API
#    thread once left SIGTERM unblocked, so the signal killed hotvm, 143.)
rm -f "$SOCK"
$HOTVM run -k "$T/guest/idle.bin" -m 64 -c 2 --api-socket "$SOCK" >"$out" 2>&1 &
pid=$!
for i in $(seq 100); do
	grep -q 'IDLE: ready' "$out" && break
	sleep 0.1
done
kill -TERM $pid
wait $pid
rc=$?
[ $rc -eq 1 ] && grep -q 'stopping the guest' "$out" && [ ! -e "$SOCK" ] &&
	pass "SIGTERM: guest stopped, exit 1, socket removed" ||
	fail "SIGTERM: exit $rc, socket $([ -e "$SOCK" ] && echo left || echo removed)"

echo "seccomp: $fails failure(s)"
[ $fails -eq 0 ]
