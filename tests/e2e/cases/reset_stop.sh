# A stop that arrives while an in-process reset reloads the images wins:
# SIGTERM (exit 1) or an API shutdown (answered ok, exit 0) during the
# reload ends hotvm instead of the guest booting again. The reload is
# stretched to 3 s with HOTVM_TEST_RESET_DELAY_MS so the stop lands inside
# it for sure; the log line "reloading the images" says it has begun.
# timeout: 90
set -u
d=$(mktemp -d)
SOCK=$d/api.sock
fails=0
boots() { grep -c 'IDLE: ready' "$1"; }
wait_line() { # wait_line FILE PATTERN: up to 10 s
	for i in $(seq 100); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}
# stop_during_reset WHAT EXPECTED-STATUS
stop_during_reset() {
	out=$d/$1.out
	rm -f "$SOCK"
	HOTVM_TEST_RESET_DELAY_MS=3000 $HOTVM run -k "$T/guest/idle.bin" -m 64 \
		--loglevel=info --api-socket "$SOCK" >"$out" 2>&1 &
	pid=$!
	if ! wait_line "$out" 'IDLE: ready'; then
		echo "not ok - $1: guest did not start: $(cat "$out")"
		kill -9 $pid; wait $pid
		return 1
	fi
	$HOTVM ctl --api-socket "$SOCK" reboot >/dev/null
	if ! wait_line "$out" 'reloading the images'; then
		echo "not ok - $1: no reset began: $(cat "$out")"
		kill -9 $pid; wait $pid
		return 1
	fi
	case $1 in
	sigterm) kill -TERM $pid ;;
	shutdown) ans=$($HOTVM ctl --api-socket "$SOCK" shutdown 2>&1) ||
		echo "not ok - shutdown during the reset not accepted: $ans" ;;
	esac
	# the reload takes 3 s; give hotvm 10 s more to stop
	t=0
	while kill -0 $pid 2>/dev/null && [ $t -lt 130 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 $pid 2>/dev/null; then
		echo "not ok - $1 during the reset: hotvm still running $((t / 10)) s later," \
			"$(boots "$out") boot(s): the stop was lost"
		kill -9 $pid; wait $pid
		return 1
	fi
	wait $pid
	rc=$?
	if [ $rc -ne "$2" ] || [ "$(boots "$out")" -ne 1 ]; then
		echo "not ok - $1 during the reset: exit $rc (want $2), $(boots "$out") boot(s):"
		cat "$out"
		return 1
	fi
	echo "ok - $1 during the reset's reload: exit $rc, no second boot ($(grep -c 'stop arrived during the reset' "$out") 'not rebooting' line)"
}
stop_during_reset sigterm 1 || fails=$((fails + 1))
stop_during_reset shutdown 0 || fails=$((fails + 1))
# And without a stop, the same delayed reset does boot again.
out=$d/plain.out
rm -f "$SOCK"
HOTVM_TEST_RESET_DELAY_MS=300 $HOTVM run -k "$T/guest/idle.bin" -m 64 \
	--api-socket "$SOCK" >"$out" 2>&1 &
pid=$!
wait_line "$out" 'IDLE: ready' && $HOTVM ctl --api-socket "$SOCK" reboot >/dev/null
for i in $(seq 100); do [ "$(boots "$out")" -ge 2 ] && break; sleep 0.1; done
if [ "$(boots "$out")" -ge 2 ]; then
	echo "ok - a delayed reset without a stop boots again"
else
	echo "not ok - delayed reset did not boot again: $(cat "$out")"
	fails=$((fails + 1))
fi
$HOTVM ctl --api-socket "$SOCK" shutdown >/dev/null
wait $pid
rm -rf "$d"
exit $fails
