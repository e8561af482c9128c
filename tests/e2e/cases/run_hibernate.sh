# SYSTEM_OFF2 (hibernate) can be told from a power-off: hotvm exits 0 in
# both cases, says "hibernated" on stderr only for SYSTEM_OFF2, and the
# system-off event carries "kind": hibernate or off. The idle guest powers
# off by itself (idle.off_ms) once the events client is connected.
# timeout: 60
set -u
d=$(mktemp -d)
SOCK=$d/api.sock
fails=0
# off KIND BOOTARGS
off() {
	out=$d/$1.out
	ev=$d/$1.ev
	rm -f "$SOCK"
	$HOTVM run -k "$T/guest/idle.bin" -m 64 --psci-version=1.3 -p "idle.off_ms=3000 $2" \
		--api-socket "$SOCK" >"$out" 2>&1 &
	pid=$!
	for i in $(seq 50); do grep -q 'IDLE: ready' "$out" && break; sleep 0.1; done
	$HOTVM ctl --api-socket "$SOCK" events >"$ev" 2>&1 &
	evpid=$!
	wait $pid
	rc=$?
	wait $evpid
	sed -n 's/\r$//; /SYSTEM_OFF/p; /hibernat/p' "$out"
	grep system-off "$ev"
	want_ev="system-off ($1)"
	if [ $rc -ne 0 ]; then
		echo "not ok - $1: exit $rc: $(cat "$out")"
		return 1
	fi
	if ! grep -q "$want_ev" "$ev"; then
		echo "not ok - $1: no '$want_ev' event: $(cat "$ev")"
		return 1
	fi
	if [ "$1" = hibernate ] && ! grep -q 'hotvm: the guest hibernated' "$out"; then
		echo "not ok - hibernate: no exit message: $(cat "$out")"
		return 1
	fi
	if [ "$1" = off ] && grep -q 'hibernat' "$out"; then
		echo "not ok - off: a plain power-off reported as hibernation"
		return 1
	fi
	echo "ok - $1: exit 0, event '$want_ev'"
}
off hibernate "hotvm.off=hibernate" || fails=$((fails + 1))
off off "" || fails=$((fails + 1))
rm -rf "$d"
exit $fails
