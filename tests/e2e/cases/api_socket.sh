# The control socket's lifetime: a hotvm killed with SIGKILL leaves its
# socket behind, and the next hotvm on the same --api-socket path reclaims
# it (nobody listens: connection refused) and says so; a live hotvm's
# socket is never taken over; a path that is not a socket is refused; and
# a hotvm removes the socket at exit only if it is still its own.
# timeout: 120
. $T/lib.sh
set -u

SOCK=/tmp/hotvm-sock.sock
CTL="$HOTVM ctl --api-socket $SOCK"
rm -f "$SOCK"

# start OUT: hotvm with the idle guest on $SOCK; sets $pid; waits until it serves.
start() {
	$HOTVM run -k "$T/guest/idle.bin" -m 64 --api-socket "$SOCK" >"$1" 2>&1 &
	pid=$!
	for _i in $(seq 100); do
		grep -q 'IDLE: ready' "$1" && $CTL status >/dev/null 2>&1 && return 0
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	echo "  hotvm output: $(cat "$1")"
	return 1
}
ino() {
	stat -c %i "$SOCK" 2>/dev/null
}

a=$(mktemp) b=$(mktemp) c=$(mktemp) d=$(mktemp) e=$(mktemp)
start "$a" && pass "hotvm A serves on $SOCK" || fail "hotvm A did not start"
kill -9 $pid
wait $pid
echo "  hotvm A killed (wait status $?)"
[ -S "$SOCK" ] && pass "A's socket is left behind after SIGKILL" ||
	fail "no socket left behind after SIGKILL"

start "$b" && pass "hotvm B starts on the stale socket's path" ||
	fail "hotvm B refused the stale socket path"
pid_b=$pid
grep 'stale API socket' "$b"
grep -q "removed the stale API socket $SOCK" "$b" && pass "B says it removed the stale socket" ||
	fail "B did not say it reclaimed the stale socket"

# A live hotvm's socket is not taken over.
ino_b=$(ino)
$HOTVM run -k "$T/guest/idle.bin" -m 64 --api-socket "$SOCK" >"$c" 2>&1
rc=$?
echo "  hotvm C: exit $rc: $(cat "$c")"
[ $rc -ne 0 ] && grep -q "is in use" "$c" && pass "C refused: B is alive on the socket" ||
	fail "C was not refused with 'is in use'"
[ "$(ino)" = "$ino_b" ] && $CTL status >/dev/null && pass "B's socket untouched, B still answers" ||
	fail "B's socket was disturbed"

# B's socket replaced behind its back (as if another hotvm took the path):
# B's exit must not remove the newcomer's socket.
rm -f "$SOCK"
start "$d" && pass "hotvm D starts after B's socket was removed by hand" ||
	fail "hotvm D did not start"
pid_d=$pid
ino_d=$(ino)
kill -TERM $pid_b
wait $pid_b
echo "  hotvm B exit $?: $(grep 'no longer' "$b")"
[ "$(ino)" = "$ino_d" ] && $CTL status >/dev/null && pass "B's exit left D's socket in place" ||
	fail "B's exit removed D's socket"
grep -q "not removing $SOCK: it is no longer this hotvm's socket" "$b" &&
	pass "B says why it did not remove the socket" || fail "B did not say why it kept the socket"
$CTL shutdown >/dev/null || fail "shutdown D"
wait $pid_d
rc=$?
[ $rc -eq 0 ] && pass "D exit 0" || fail "D exit $rc"
[ ! -e "$SOCK" ] && pass "D removed its own socket at exit" || fail "D left its socket behind"

# Not a socket: refused, left alone.
echo data >"$SOCK"
$HOTVM run -k "$T/guest/idle.bin" -m 64 --api-socket "$SOCK" >"$e" 2>&1
rc=$?
echo "  hotvm E: exit $rc: $(cat "$e")"
[ $rc -ne 0 ] && grep -q "is not a socket" "$e" && [ "$(cat "$SOCK")" = data ] &&
	pass "a regular file at the path is refused and kept" || fail "regular file at the path"
rm -f "$SOCK" "$a" "$b" "$c" "$d" "$e"
echo "api_socket: $fails failure(s)"
[ $fails -eq 0 ]
