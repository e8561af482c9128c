# A forwarded PSCI_VERSION against the floor (issue 12): the same guest
# (bench/guest/bench_hcall.c) under bench/floor/floor.c, a minimal KVM
# program that answers each forwarded call with one KVM_SET_ONE_REG, under
# hotvm --psci=user (seccomp on, the default) and hotvm --seccomp=off.
# ROUNDS rounds of the three take turns in this one boot (n=N samples per
# call each); the guest labels its figures hcall.floor.*, hcall.hotvm.*,
# hcall.noseccomp.* (bench.label=).
#
# Then the system calls per forwarded call, counted by the kernel: a
# tracefs hist trigger on raw_syscalls:sys_enter keyed by thread and
# syscall (names from the kernel: id.syscall), and one on
# syscalls:sys_enter_ioctl keyed by thread and ioctl command, which also
# tells the vCPU thread (the one that calls KVM_RUN). Each program runs
# untimed with n=$N1 and n=$N2 samples of PSCI_VERSION alone
# (bench.only=PSCI_VERSION), COUNT_ROUNDS times; tools/bench divides the
# difference of the two counts by the difference of the forwarded calls
# (the floor's and hotvm's own counts), so that start-up, printing and exit
# cancel out, and shows the median and range over the rounds (hotvm's
# console path makes a varying number of futex/ppoll/write calls while the
# guest prints: the rounds show how much).
# Lines: "BENCH sysrun run=R n=N rc=RC fwd=F mmio=M pid=P vcpu=TID dropped=D",
# "BENCH syscalls run=R n=N thread=vcpu|other nr=NR name=NAME count=C",
# "BENCH ioctls run=R n=N cmd=0xCMD count=C" (the vCPU thread), or
# "BENCH syscalls-unavailable reason=TEXT" (to the end of the line) when the
# kernel cannot count.
# timeout: 900
. "$T/bench.sh"
N=${BENCH_FLOOR_N:-5000}
ROUNDS=${BENCH_FLOOR_ROUNDS:-3}
N1=${BENCH_FLOOR_N1:-1000}
N2=${BENCH_FLOOR_N2:-20000}
COUNT_ROUNDS=${BENCH_FLOOR_COUNT_ROUNDS:-3}
GUEST=$T/guest/bench_hcall.bin
TR=/sys/kernel/tracing
SYS_TRIG='hist:keys=common_pid,id.syscall:sort=common_pid,id:size=4096'
IOC_TRIG='hist:keys=common_pid,cmd.hex:sort=common_pid,cmd:size=4096'
rc=0

# floor_run LABEL BOOTARGS: the floor on the bench guest, printed as
# bench_run prints hotvm (bench_report: "BENCH floor run=LABEL
# hypercalls=..." for its counters).
floor_run() {
	_d=$(mktemp -d)
	_t0=$(now_ms)
	floor -m 64 -p "$2" "$GUEST" </dev/null >"$_d/out" 2>"$_d/err"
	_rc=$?
	bench_report "$1" "$_d" "$_rc" $(($(now_ms) - _t0))
	rm -rf "$_d"
	return "$_rc"
}

r=1
while [ $r -le "$ROUNDS" ]; do
	floor_run "vsfloor.floor.$r" "bench.label=floor n=$N" || rc=1
	bench_run "vsfloor.hotvm.$r" 64 "" -k "$GUEST" -c 1 --psci=user \
		-p "bench.label=hotvm n=$N" || rc=1
	bench_run "vsfloor.noseccomp.$r" 64 "" -k "$GUEST" -c 1 --psci=user --seccomp=off \
		-p "bench.label=noseccomp n=$N" || rc=1
	r=$((r + 1))
done

# tracefs, its hist triggers and the syscall events: say what is missing.
trace_check() {
	if [ ! -d "$TR/events" ]; then
		mount -t tracefs nodev "$TR" 2>/dev/null ||
			{ echo "tracefs cannot be mounted on $TR"; return 1; }
	fi
	[ -w "$TR/events/raw_syscalls/sys_enter/trigger" ] ||
		{ echo "no raw_syscalls:sys_enter event (CONFIG_FTRACE_SYSCALLS)"; return 1; }
	[ -e "$TR/events/syscalls/sys_enter_ioctl/trigger" ] ||
		{ echo "no syscalls:sys_enter_ioctl event"; return 1; }
	grep -q hist "$TR/events/raw_syscalls/sys_enter/trigger" ||
		{ echo "no hist triggers (CONFIG_HIST_TRIGGERS)"; return 1; }
	return 0
}

# count_run LABEL N CMD...: run CMD (the floor, or hotvm with HOTVM_STATS)
# under the two hist triggers and print what its threads called.
count_run() {
	_label=$1
	_n=$2
	shift 2
	_d=$(mktemp -d)
	# a trigger left by an interrupted run would make ours fail (EEXIST)
	echo "!$SYS_TRIG" 2>/dev/null >"$TR/events/raw_syscalls/sys_enter/trigger"
	echo "!$IOC_TRIG" 2>/dev/null >"$TR/events/syscalls/sys_enter_ioctl/trigger"
	echo "$SYS_TRIG" >"$TR/events/raw_syscalls/sys_enter/trigger" &&
		echo "$IOC_TRIG" >"$TR/events/syscalls/sys_enter_ioctl/trigger" ||
		{ echo "count_run $_label: cannot set the hist triggers"; rm -rf "$_d"; return 1; }
	HOTVM_STATS=1 "$@" </dev/null >"$_d/out" 2>"$_d/err" &
	_pid=$!
	wait "$_pid"
	_rc=$?
	cat "$TR/events/raw_syscalls/sys_enter/hist" >"$_d/sys"
	cat "$TR/events/syscalls/sys_enter_ioctl/hist" >"$_d/ioc"
	echo "!$SYS_TRIG" >"$TR/events/raw_syscalls/sys_enter/trigger"
	echo "!$IOC_TRIG" >"$TR/events/syscalls/sys_enter_ioctl/trigger"
	# forwarded calls as the program counted them
	_fwd=$(awk '/^floor-stats: / { for (i = 2; i <= NF; i++) if ($i ~ /^hypercalls=/) {
			sub(/.*=/, "", $i); f += $i } }
		/^hotvm-stats: .*what=fid / { for (i = 2; i <= NF; i++) if ($i ~ /^count=/) {
			sub(/.*=/, "", $i); f += $i } }
		END { print f + 0 }' "$_d/err")
	# and its exits for the guest's UART (console output: the same in both runs
	# but for a few digits)
	_mmio=$(awk '/^floor-stats: / { for (i = 2; i <= NF; i++) if ($i ~ /^mmio=/) {
			sub(/.*=/, "", $i); m += $i } }
		/^hotvm-stats: .*what=mmio / { for (i = 2; i <= NF; i++) if ($i ~ /^count=/) {
			sub(/.*=/, "", $i); m += $i } }
		END { print m + 0 }' "$_d/err")
	# the vCPU thread: the one (started with the program) that calls KVM_RUN
	_vcpu=$(sed -n 's/^ *{ common_pid: *\([0-9]*\), cmd: ae80 }.*/\1/p' "$_d/ioc" |
		awk -v p="$_pid" '$1 >= p { print $1; exit }')
	_drop=$(awk '/Dropped:/ { d += $2 } END { print d + 0 }' "$_d/sys" "$_d/ioc")
	echo "BENCH sysrun run=$_label n=$_n rc=$_rc fwd=$_fwd mmio=$_mmio pid=$_pid" \
		"vcpu=${_vcpu:-none} dropped=$_drop"
	sed -n 's/^ *{ common_pid: *\([0-9]*\), id: \([^ ]*\) *\[ *\([0-9]*\)\] } hitcount: *\([0-9]*\).*/\1 \2 \3 \4/p' \
		"$_d/sys" | awk -v p="$_pid" -v v="${_vcpu:-0}" -v run="$_label" -v n="$_n" '
		$1 < p { next }
		{ name = $2; sub(/^sys_/, "", name) }
		$1 == v { printf "BENCH syscalls run=%s n=%s thread=vcpu nr=%s name=%s count=%s\n",
			run, n, $3, name, $4; next }
		{ other[$3] += $4; oname[$3] = name }
		END { for (nr in other)
			printf "BENCH syscalls run=%s n=%s thread=other nr=%s name=%s count=%s\n",
				run, n, nr, oname[nr], other[nr] }'
	sed -n 's/^ *{ common_pid: *\([0-9]*\), cmd: \([0-9a-f]*\) } hitcount: *\([0-9]*\).*/\1 \2 \3/p' \
		"$_d/ioc" | awk -v v="${_vcpu:-0}" -v run="$_label" -v n="$_n" '
		$1 == v { printf "BENCH ioctls run=%s n=%s cmd=0x%s count=%s\n", run, n, $2, $3 }'
	if [ "$_rc" -ne 0 ] || ! grep -q '^RESULT: PASS' "$_d/out"; then
		echo "--- count run $_label n=$_n failed (rc $_rc):"
		tr -d '\r' <"$_d/out" | tail -n 20
		head -n 20 "$_d/err"
		_rc=1
	fi
	rm -rf "$_d"
	return "$_rc"
}

if why=$(trace_check); then
	r=1
	while [ $r -le "$COUNT_ROUNDS" ]; do
		for n in "$N1" "$N2"; do
			args="bench.label=count bench.only=PSCI_VERSION n=$n"
			count_run "vsfloor.count.floor.$r" "$n" floor -m 64 -p "$args" "$GUEST" ||
				rc=1
			count_run "vsfloor.count.hotvm.$r" "$n" "$HOTVM" run -m 64 -k "$GUEST" -c 1 \
				--psci=user -p "$args" || rc=1
			count_run "vsfloor.count.noseccomp.$r" "$n" "$HOTVM" run -m 64 -k "$GUEST" \
				-c 1 --psci=user --seccomp=off -p "$args" || rc=1
		done
		r=$((r + 1))
	done
else
	echo "BENCH syscalls-unavailable reason=$why"
	echo "bench_floor: system calls not counted: $why"
fi
exit $rc
