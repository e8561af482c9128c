# A stalled console must not hang hotvm: stdout is a FIFO whose reader
# never reads (the pipe fills within moments of a guest that prints for
# ever); then SIGTERM, and in a second run the control API's shutdown,
# must each stop hotvm. The wait is generous (20 s); the time taken is
# reported, not judged. hotvm reports the guest output it could not write
# in one line on stderr.
# timeout: 200
. "$T/lib.sh"
set -u
d=$(mktemp -d)
SOCK=$d/api.sock
mkfifo "$d/fifo"
# The reader: holds the FIFO open and never reads from it. That the pipe
# was full when hotvm was stopped shows in hotvm's report of the output it
# could not write (checked after the SIGTERM run).
exec 3<>"$d/fifo"

# wait_gone PID SECONDS: 0 once PID has exited (status in $rc, time in $ms),
# 1 if it is still there after SECONDS (it is then killed with SIGKILL).
wait_gone() {
	_t0=$(now_ms)
	while kill -0 "$1" 2>/dev/null; do
		if [ $(($(now_ms) - _t0)) -ge $(($2 * 1000)) ]; then
			kill -KILL "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 1
		fi
		sleep 0.05
	done
	ms=$(($(now_ms) - _t0))
	wait "$1"
	rc=$?
	return 0
}

# How fast does the guest print here (emulated hosts are slow)? Long enough
# to fill the pipe (64 KiB) and hotvm's buffer (64 KiB) twice over.
$HOTVM run -k "$T/guest/uart_flood.bin" -m 64 >"$d/rate" 2>&1 &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
rate=$(($(wc -c <"$d/rate") / 2))
fill=$((2 * 131072 / (rate + 1) + 1))
[ $fill -gt 40 ] && fill=40
echo "# the guest prints $rate bytes/s: waiting $fill s for the pipe to fill"

# start_stalled [ARGS...]: hotvm with the flood guest, stdout into the FIFO;
# returns once the pipe and hotvm's buffer should be full.
start_stalled() {
	$HOTVM run -k "$T/guest/uart_flood.bin" -m 64 "$@" >"$d/fifo" 2>"$d/err" &
	pid=$!
	sleep $fill
}

start_stalled
if ! kill -0 $pid 2>/dev/null; then
	fail "hotvm with a stalled stdout died early: $(cat "$d/err")"
else
	kill -TERM $pid
	if wait_gone $pid 20; then
		[ $rc -eq 1 ] && pass "SIGTERM stopped hotvm with a stalled stdout in $ms ms (exit 1)" ||
			fail "SIGTERM with a stalled stdout: exit $rc after $ms ms: $(cat "$d/err")"
	else
		fail "SIGTERM with a stalled stdout: hotvm still running after 20 s (killed)"
	fi
	grep -q "bytes of guest output not written" "$d/err" &&
		pass "unwritten output reported: $(grep 'not written' "$d/err")" ||
		fail "no report of the unwritten output: $(cat "$d/err")"
fi
# Whatever reached the pipe begins with the guest's first line.
head -c 200 <&3 | grep -q "FLOOD: ready" && pass "the pipe holds the guest's output from its start" ||
	fail "the pipe does not begin with the guest's output"
# A fresh FIFO, never read either, for the second run.
exec 3<&-
rm -f "$d/fifo"
mkfifo "$d/fifo"
exec 3<>"$d/fifo"

start_stalled --api-socket "$SOCK"
if ! kill -0 $pid 2>/dev/null; then
	fail "hotvm with a stalled stdout (API) died early: $(cat "$d/err")"
else
	t0=$(now_ms)
	$HOTVM ctl --api-socket "$SOCK" shutdown >"$d/ctl" 2>&1 &
	ctl=$!
	if wait_gone $ctl 20; then
		[ $rc -eq 0 ] && pass "API shutdown answered in $ms ms: $(cat "$d/ctl")" ||
			fail "API shutdown: ctl exit $rc: $(cat "$d/ctl")"
	else
		fail "API shutdown: hotvm ctl got no answer in 20 s"
	fi
	if wait_gone $pid 20; then
		ms=$(($(now_ms) - t0))
		[ $rc -eq 0 ] && pass "API shutdown stopped hotvm with a stalled stdout in $ms ms (exit 0)" ||
			fail "API shutdown with a stalled stdout: exit $rc: $(cat "$d/err")"
	else
		fail "API shutdown with a stalled stdout: hotvm still running after 20 s (killed)"
	fi
fi
exec 3<&-
rm -rf "$d"
exit $fails
