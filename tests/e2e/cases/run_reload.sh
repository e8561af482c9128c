# A reset loads the kernel again from the file hotvm opened at start (no
# copy in memory): an unchanged file reboots fine, a file changed since
# start makes the reset fail with a message and exit status 1.
# timeout: 60
set -u
SOCK=/tmp/hotvm-reload.sock
d=$(mktemp -d)
out=$d/out
fails=0
cp "$T/guest/idle.bin" "$d/idle.bin"
wait_for() { # wait_for N: the Nth "IDLE: ready"
	for i in $(seq 100); do
		[ "$(grep -c 'IDLE: ready' "$out")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
rm -f "$SOCK"
$HOTVM run -k "$d/idle.bin" -m 64 --api-socket "$SOCK" >"$out" 2>&1 &
pid=$!
wait_for 1 || { echo "not ok - guest did not start: $(cat "$out")"; exit 1; }
$HOTVM ctl --api-socket "$SOCK" reboot >/dev/null
if wait_for 2; then
	echo "ok - reboot with the file unchanged loads it again"
else
	echo "not ok - no second boot: $(cat "$out")"
	fails=$((fails + 1))
fi
# Rewrite the kernel in place, as a rebuild would.
cat "$T/guest/idle.bin" "$T/guest/idle.bin" >"$d/idle.bin"
$HOTVM ctl --api-socket "$SOCK" reboot >/dev/null
wait $pid
rc=$?
if [ $rc -eq 1 ] && grep -q "kernel '$d/idle.bin' changed since hotvm started" "$out"; then
	echo "ok - reset refused for a changed kernel: $(grep changed "$out")"
else
	echo "not ok - changed kernel: exit $rc: $(cat "$out")"
	fails=$((fails + 1))
fi
[ ! -e "$SOCK" ] && echo "ok - socket removed" || { echo "not ok - socket left"; fails=$((fails + 1)); }
rm -rf "$d"
exit $fails
