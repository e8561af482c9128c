# ACPI vCPU hot-plug under load (hotvm run --acpi -c 2 --max-cpus 4): the
# operator uses only `hotvm ctl`, the guest only its hot-plug handler.
#  - CYCLES (60; `make soak` runs 1000) cycles of `cpu-add 2` and
#    `cpu-remove 2`, each step checked
#    on both sides: ctl's answer ("enabled (guest notified)", "disabled
#    (ejected by the guest)") and the guest handler's lines ("cpu2 online;
#    cpus online: 0-2", "cpu2 removed; cpus online: 0-1"); every 20 cycles
#    the whole of both views (registered/online cpus, enabled/powered
#    vCPUs); no hang; hotvm's RSS without guest RAM halfway and at the
#    end must not differ by more than 64 KiB (after 20 cycles it is printed
#    too; the guest's MemFree is printed, not judged)
#  - racing clients: two `hotvm ctl` loops, one cpu-add 3, one cpu-remove 3,
#    at the same time; every answer is one of the allowed outcomes (counted
#    and printed); afterwards hotvm's view and the guest's agree and a last
#    add/remove still works
# timeout: 900
. "$T/console.sh"
. "$T/acpi_hp.sh"
set -u
SOCK=/tmp/hotvm-acpi-cycles.sock
CTL="$HOTVM ctl --api-socket $SOCK"
MEM=256
CYCLES=${CYCLES:-60}
[ "$CYCLES" -ge 40 ] || { echo "FAIL: CYCLES must be >= 40"; exit 1; }
C=/sys/devices/system/cpu
D=/tmp/acpi-race
die() {
	echo "FAIL: $*"
	tail -n 30 "$VM_OUT" | tr -d '\r'
	touch "$D/stop"
	vm_kill
	exit 1
}
memfree() {
	vm_sh "sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo" 30
}

rm -rf "$SOCK" "$D"
mkdir -p "$D"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m $MEM --acpi -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell hotvm.acpi=1"
vm_expect "hotvm-guest: shell ready" 120 || die "the guest did not boot"

t0=$(now_ms)
i=1
while [ $i -le $CYCLES ]; do
	# hotvm: ctl's answers; the guest: its handler's lines (the online
	# mask it read after onlining cpu2 and after cpu2 was removed).
	$CTL cpu-add 2 >/tmp/cy.out 2>&1 || die "cycle $i: cpu-add 2: $(cat /tmp/cy.out)"
	grep -q "vCPU 2 enabled (guest notified)" /tmp/cy.out || die "cycle $i: cpu-add 2: $(cat /tmp/cy.out)"
	hp_wait_log "cpu2 online;" 30 || die "cycle $i: the guest did not online cpu2"
	[ "$HP_LINE" = "hotvm-guest: cpu2 online; cpus online: 0-2" ] || die "cycle $i: '$HP_LINE'"
	$CTL cpu-remove 2 >/tmp/cy.out 2>&1 || die "cycle $i: cpu-remove 2: $(cat /tmp/cy.out)"
	grep -q "vCPU 2 disabled (ejected by the guest" /tmp/cy.out || die "cycle $i: cpu-remove 2: $(cat /tmp/cy.out)"
	hp_wait_log "cpu2 removed" 30 || die "cycle $i: no 'cpu2 removed' from the guest"
	[ "$HP_LINE" = "hotvm-guest: cpu2 removed; cpus online: 0-1" ] || die "cycle $i: '$HP_LINE'"
	# Every 20 cycles: the whole of both views (cpu2 gone, vCPU 2 off).
	if [ $((i % 20)) -eq 0 ]; then
		v=$(hp_agree 5) && [ "$v" = "guest=0:1 1:1 hotvm=0:1 1:1" ] || die "cycle $i: $v"
	fi
	# two tests, not one case: with CYCLES=40 both readings fall on cycle 20
	if [ $i -eq 20 ]; then
		rss20=$(vm_rss $MEM)
		free20=$(memfree)
	fi
	[ $i -eq $((CYCLES / 2)) ] && rss_mid=$(vm_rss $MEM)
	i=$((i + 1))
done
ms=$(($(now_ms) - t0))
rss_end=$(vm_rss $MEM)
free_end=$(memfree)
pass "$CYCLES cycles of cpu-add 2 (guest handler onlines), cpu-remove 2 (guest ejects): $ms ms, $((ms / CYCLES)) ms a cycle"
echo "hotvm RSS without guest RAM: ${rss20:-?} KiB after 20 cycles, ${rss_end:-?} KiB after $CYCLES (${rss_mid:-?} KiB after $((CYCLES / 2)))"
echo "guest MemFree: ${free20:-?} kB after 20 cycles, ${free_end:-?} kB after $CYCLES"
[ -n "${rss20:-}" ] && [ -n "$rss_end" ] && [ -n "${free20:-}" ] && [ -n "$free_end" ] ||
	die "could not read the memory figures"
# Judged over the second half, after the allocator's warm-up: in the
# soak's 1000 cycles hotvm grew 84 KiB from cycle 20 to 500, then 16 KiB
# to 1000 (bounded, not per cycle). A leak of 1 KiB a cycle would show
# 500 KiB there; in make check's 60, one of 3 KiB a cycle shows 90 KiB.
[ -n "${rss_mid:-}" ] || die "could not read hotvm's memory halfway"
[ $((rss_end - rss_mid)) -le 64 ] && pass "hotvm's memory did not grow over the second half" ||
	fail "hotvm's memory grew by $((rss_end - rss_mid)) KiB over the last $((CYCLES - CYCLES / 2)) cycles"
# The guest's MemFree is printed, not judged: its kernel's slab caches
# keep pages across cycles (220 and 544 kB less after 180 cycles in two
# runs), which says nothing about hotvm; hotvm's own memory is judged above.
echo "guest MemFree change over $((CYCLES - 20)) cycles: $((free_end - free20)) kB (not judged)"
v=$(hp_agree 10) && pass "after the cycles: $v" || fail "after the cycles: $v"

# --- racing clients: cpu-add 3 and cpu-remove 3 at the same time ---
# cpu-add: enabled (guest notified), already enabled, or refused while a
# removal is under way ("being removed"). cpu-remove: disabled (ejected by
# the guest), disabled before the guest was told of the add, or already
# disabled. Anything else (e.g. "timed out": the guest ejects well within
# the default 20 s) is a failure.
adder() {
	n=0 bad=0
	while [ ! -e "$D/stop" ] && [ $n -lt $1 ]; do
		$CTL cpu-add 3 >"$D/add.out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q "vCPU 3 enabled (guest notified)" "$D/add.out"; then
			echo added >>"$D/add.log"
		elif [ $rc -eq 0 ] && grep -q "vCPU 3 was already enabled" "$D/add.out"; then
			echo already >>"$D/add.log"
		elif [ $rc -eq 1 ] && grep -q "being removed" "$D/add.out"; then
			echo refused >>"$D/add.log"
		else
			echo "adder: exit $rc: $(cat "$D/add.out")"
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	return $((bad > 100 ? 100 : bad))
}
remover() {
	n=0 bad=0
	while [ ! -e "$D/stop" ] && [ $n -lt $1 ]; do
		$CTL cpu-remove 3 >"$D/rm.out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && grep -q "vCPU 3 disabled (ejected by the guest" "$D/rm.out"; then
			echo ejected >>"$D/rm.log"
		elif [ $rc -eq 0 ] && grep -q "vCPU 3 disabled (the guest had not been told" "$D/rm.out"; then
			echo untold >>"$D/rm.log"
		elif [ $rc -eq 0 ] && grep -q "vCPU 3 was already disabled" "$D/rm.out"; then
			echo already >>"$D/rm.log"
		else
			echo "remover: exit $rc: $(cat "$D/rm.out")"
			bad=$((bad + 1))
		fi
		n=$((n + 1))
	done
	return $((bad > 100 ? 100 : bad))
}
ROUNDS=${ROUNDS:-100}
$CTL events >"$D/events" 2>&1 &
evpid=$!
t0=$(now_ms)
adder $ROUNDS &
apid=$!
remover $ROUNDS &
rpid=$!
wait $apid
arc=$?
wait $rpid
rrc=$?
ms=$(($(now_ms) - t0))
cnt() { grep -c "^$2\$" "$D/$1.log" 2>/dev/null || echo 0; }
echo "racing clients ($ROUNDS rounds each, ${ms} ms): cpu-add 3: $(cnt add added) enabled, $(cnt add already) already enabled," \
	"$(cnt add refused) refused (being removed); cpu-remove 3: $(cnt rm ejected) ejected by the guest," \
	"$(cnt rm untold) disabled before the guest was told, $(cnt rm already) already disabled"
if [ $arc -eq 0 ] && [ $rrc -eq 0 ]; then
	pass "every racing answer was an allowed outcome"
else
	fail "racing clients: $arc bad cpu-add answers, $rrc bad cpu-remove answers"
	echo "the event stream during the race (last 40 lines):"
	tail -n 40 "$D/events" | sed 's/^/    /'
fi
kill $evpid 2>/dev/null
[ "$(cnt rm ejected)" -gt 0 ] && pass "some removals raced through to an eject" ||
	fail "no cpu-remove 3 was ever ejected"
log=$(hp_log | grep -c 'cpu3 online failed')
echo "the guest's handler: $(hp_log | grep -c 'cpu3 added') adds, $(hp_log | grep -c 'cpu3 online;') onlined," \
	"$log online failed (cpu3 ejected before the handler got to it), $(hp_log | grep -c 'cpu3 removed') removed"
sleep 1
v=$(hp_agree 20) && pass "after the race: $v" || fail "after the race: $v"
# Hot-plug still works: add and remove vCPU 3 once more.
$CTL cpu-remove 3 >/dev/null 2>&1
$CTL cpu-add 3 >/dev/null || fail "cpu-add 3 after the race"
k=0
while [ $k -lt 40 ] && [ "$(hp_vcpu 3)" != "true on" ]; do sleep 0.25; k=$((k + 1)); done
[ "$(hp_vcpu 3)" = "true on" ] && pass "cpu-add 3 after the race: the guest onlined it" ||
	fail "cpu-add 3 after the race: vCPU 3 '$(hp_vcpu 3)'"
$CTL cpu-remove 3 >/tmp/cy.out 2>&1 && pass "cpu-remove 3 after the race: $(cat /tmp/cy.out)" ||
	fail "cpu-remove 3 after the race: $(cat /tmp/cy.out)"
v=$(hp_agree 10) && pass "at the end: $v" || fail "at the end: $v"
$CTL shutdown >/dev/null || fail "shutdown"
vm_wait 60 || fail "hotvm exit status $? after shutdown"
echo "$fails failures"
exit $fails
