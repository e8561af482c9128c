# vCPU hot-plug latency with --acpi (a Linux guest with 2 of 4 vCPUs and
# the test initramfs' hotplug handler): N cycles of `hotvm ctl cpu-add 2`
# (until the guest has it online) and `hotvm ctl cpu-remove 2` (until the
# guest ejected it). Every phase is timed from hotvm's own event stream
# (CLOCK_MONOTONIC stamps), so the figures include no polling:
#   add:    cpu-enabled -> cpu-notified  GED interrupt to the guest's _EVT
#           cpu-notified -> cpu-on       the guest registers cpu2, its uevent,
#                                        the handler writes online, CPU_ON
#           cpu-on -> cpu-online         the vCPU starts at its entry point
#   remove: cpu-notify -> cpu-notified   GED interrupt to _EVT
#           cpu-notified -> cpu-off      the guest's kernel offlines cpu2
#           cpu-off -> cpu-ejected       it finishes the offline, calls _EJ0
# Printed as "BENCH hotplug what=PHASE us=a,b,..." (one value per cycle).
# timeout: 600
. "$T/bench.sh"
. "$T/console.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
N=${BENCH_HOTPLUG_N:-100}
SOCK=/tmp/bench-hp.sock
CTL="$HOTVM ctl --api-socket $SOCK"
EV=/tmp/bench-hp.events
rm -f "$SOCK"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 --acpi -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell hotvm.acpi=1"
if ! vm_expect 'shell ready' 120; then
	echo "not ok - bench_hotplug: the guest did not boot: $(tail -n 20 "$VM_OUT")"
	vm_kill
	exit 1
fi
$CTL --json events >"$EV" 2>&1 &
EVPID=$!
sleep 1
count() { # count EVENT: cpu-EVENT lines for vCPU 2 so far
	grep -c "\"event\":\"$1\",\"cpu\":2," "$EV"
}
rc=0
i=1
while [ $i -le "$N" ]; do
	if ! $CTL cpu-add 2 >/dev/null; then
		echo "not ok - bench_hotplug: cpu-add 2 failed in cycle $i"
		rc=1
		break
	fi
	k=0
	while [ "$(count cpu-online)" -lt $i ] && [ $k -lt 600 ]; do
		sleep 0.05
		k=$((k + 1))
	done
	if [ $k -ge 600 ]; then
		echo "not ok - bench_hotplug: cpu2 not online 30 s after cpu-add in cycle $i"
		rc=1
		break
	fi
	if ! $CTL cpu-remove 2 --timeout 30 >/dev/null; then
		echo "not ok - bench_hotplug: cpu-remove 2 failed in cycle $i"
		rc=1
		break
	fi
	i=$((i + 1))
done
sleep 0.5
kill $EVPID 2>/dev/null
$CTL shutdown >/dev/null
vm_wait 60 >/dev/null || vm_kill
# Pair each phase's start and end events of vCPU 2, cycle by cycle.
awk '
function field(name,   m) {
	if (match($0, "\"" name "\":\"?[^,\"}]*")) {
		m = substr($0, RSTART, RLENGTH)
		sub(/^"[^"]*":"?/, "", m)
		return m
	}
	return ""
}
field("cpu") == 2 {
	ev = field("event"); kind = field("kind"); t = field("time_ns")
	if (ev == "cpu-notify" && kind == "eject-request") { ev = "rm-notify" }
	if (ev == "cpu-notified" && kind == "eject-request") { ev = "rm-notified" }
	if (ev == "cpu-enabled") { c++; at["enabled"] = t }
	at[ev] = t
	if (ev == "cpu-online" && at["enabled"] != "") {
		add("add.notified", at["cpu-notified"] - at["enabled"])
		add("add.online", at["cpu-on"] - at["cpu-notified"])
		add("add.start", t - at["cpu-on"])
		add("add.total", t - at["enabled"])
	}
	if (ev == "cpu-disabled" && at["rm-notify"] != "") {
		add("remove.notified", at["rm-notified"] - at["rm-notify"])
		add("remove.offline", at["cpu-off"] - at["rm-notified"])
		add("remove.eject", at["cpu-ejected"] - at["cpu-off"])
		add("remove.total", t - at["rm-notify"])
		delete at
	}
}
function add(what, ns) { v[what] = v[what] (v[what] == "" ? "" : ",") int(ns / 1000) }
END { for (w in v) print "BENCH hotplug what=" w " us=" v[w] }
' "$EV"
echo "BENCH hotplug what=cycles n=$((i - 1)) of=$N"
exit $rc
