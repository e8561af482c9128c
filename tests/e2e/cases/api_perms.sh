# Control socket permissions: the socket is 0600 and owned by hotvm's user;
# root (the owner here) connects, uid 1000 (tests/e2e/as_user) gets EACCES.
# Control: the same client as uid 1000 connects once the mode is opened up,
# so the refusal was the socket's mode, not the helper.
# timeout: 60
. $T/lib.sh
set -u

SOCK=/tmp/hotvm-perm.sock
out=$(mktemp)
rm -f "$SOCK"
$HOTVM run -k "$T/guest/idle.bin" -m 64 --api-socket "$SOCK" >"$out" 2>&1 &
pid=$!
for i in $(seq 100); do
	[ -S "$SOCK" ] && grep -q 'IDLE: ready' "$out" && break
	sleep 0.1
done
[ -S "$SOCK" ] || fail "no socket at $SOCK"
mode=$(stat -c '%a %u %g' "$SOCK")
echo "  $SOCK: mode/uid/gid $mode"
[ "$mode" = "600 0 0" ] && pass "socket mode 0600, owned by root" || fail "socket is $mode"

[ "$(as_user 1000 id -u)" = 1000 ] && pass "as_user 1000 runs as uid 1000" ||
	fail "as_user does not switch to uid 1000"

$HOTVM ctl --api-socket "$SOCK" status >/dev/null 2>&1 && pass "owner (root): ctl status works" ||
	fail "owner cannot connect"

err=$(as_user 1000 $HOTVM ctl --api-socket "$SOCK" status 2>&1)
rc=$?
echo "  uid 1000: exit $rc: $err"
[ $rc -ne 0 ] && echo "$err" | grep -q 'Permission denied' &&
	pass "uid 1000: connect refused with EACCES" || fail "uid 1000 was not refused with EACCES"

chmod 666 "$SOCK"
as_user 1000 $HOTVM ctl --api-socket "$SOCK" status >/dev/null 2>&1 &&
	pass "control: uid 1000 connects once the socket is 0666" ||
	fail "control: uid 1000 cannot connect even to a 0666 socket"

$HOTVM ctl --api-socket "$SOCK" shutdown >/dev/null || fail "shutdown"
wait $pid
rc=$?
[ $rc -eq 0 ] && pass "hotvm exit 0" || fail "hotvm exit $rc"
echo "api_perms: $fails failure(s)"
[ $fails -eq 0 ]
