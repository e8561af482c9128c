# bench/bench.sh: helpers for the benchmark cases (bench/cases/*.sh), copied
# to $T/bench.sh by tools/mktestroot --cases bench/cases. Source it with
# `. $T/bench.sh`. POSIX/busybox sh. Every figure goes out on its own line
# starting with "BENCH " (key=value words), which tools/bench collects from
# the test host's console log; nothing here judges a time.

. "$T/lib.sh"
# A guest that is gone must not take the case with it (write to its FIFO)
trap '' PIPE

# bench_run LABEL MIB HOLD ARGS...
#   Run `hotvm run -m MIB ARGS...` with HOTVM_STATS=1 and its stdin on a
#   FIFO (HOTVM defaults to $HOTVM: BENCH_HOTVM=PATH runs another build,
#   e.g. the baseline). HOLD is empty, or an extended regex: when a line of the output
#   matches it, read hotvm's memory figures (bench_mem) and send a newline
#   to the guest (bench guests with hold=1 power off on it; the Linux shell
#   scenario gets `poweroff -f`). Prints the guest's BENCH lines (its
#   "BENCH guest ..." lines with run=LABEL added; a Linux guest's
#   "reboot: Power down" as "BENCH guest run=LABEL poweroff=ITS-UPTIME"), hotvm's
#   counters as "BENCH stats run=LABEL ..." and
#   "BENCH run run=LABEL rc=STATUS ms=LAUNCH-TO-EXIT [held=LAUNCH-TO-HOLD]".
#   Returns hotvm's status.
bench_run() {
	_label=$1
	_mib=$2
	_hold=$3
	shift 3
	_dir=$(mktemp -d)
	mkfifo "$_dir/in"
	: >"$_dir/out"
	_held=
	_t0=$(now_ms)
	HOTVM_STATS=1 "${BENCH_HOTVM:-$HOTVM}" run -m "$_mib" "$@" <"$_dir/in" >"$_dir/out" \
		2>"$_dir/err" &
	_pid=$!
	exec 8>"$_dir/in"
	if [ -n "$_hold" ]; then
		_n=0
		while ! tr -d '\r' <"$_dir/out" | grep -q -E "$_hold"; do
			if ! kill -0 "$_pid" 2>/dev/null; then
				echo "bench_run $_label: hotvm exited before /$_hold/"
				break
			fi
			sleep 0.05
			_n=$((_n + 1))
			[ $_n -gt 6000 ] && break
		done
		_held=$(($(now_ms) - _t0))
		if kill -0 "$_pid" 2>/dev/null; then
			bench_mem "$_label" "$_pid" "$_mib"
			echo "poweroff -f" >&8
		fi
	fi
	wait "$_pid"
	_rc=$?
	_ms=$(($(now_ms) - _t0))
	exec 8>&-
	bench_report "$_label" "$_dir" "$_rc" "$_ms" "$_held"
	rm -rf "$_dir"
	return "$_rc"
}

# bench_report LABEL DIR RC MS [HELD]: what a run left in DIR/out (the
# guest's console) and DIR/err (the program's stderr), as BENCH lines: the
# guest's BENCH lines ("BENCH guest" ones with run=LABEL added; a Linux
# guest's "reboot: Power down" as "BENCH guest run=LABEL poweroff=ITS-UPTIME"),
# the counters ("hotvm-stats:" as "BENCH stats run=LABEL", the floor's
# "floor-stats:" as "BENCH floor run=LABEL"), up to 20 other stderr lines,
# "BENCH run run=LABEL rc=RC ms=MS [held=HELD]", and the guest's last
# output when RC is not 0.
bench_report() {
	tr -d '\r' <"$2/out" | grep -E '^BENCH |^RESULT|^not ok|^Bail' |
		sed "s/^BENCH guest /BENCH guest run=$1 /"
	# a Linux guest's clock when it powers off (printed even with `quiet`)
	tr -d '\r' <"$2/out" |
		sed -n "s/.*\[ *\([0-9.]*\)\] reboot: Power down.*/BENCH guest run=$1 poweroff=\1/p"
	sed -n -e "s/^hotvm-stats: /BENCH stats run=$1 /p" \
		-e "s/^floor-stats: /BENCH floor run=$1 /p" "$2/err"
	grep -v -E '^(hotvm|floor)-stats: ' "$2/err" | head -n 20
	echo "BENCH run run=$1 rc=$3 ms=$4${5:+ held=$5}"
	if [ "$3" -ne 0 ]; then
		echo "--- guest output ($1):"
		tr -d '\r' <"$2/out" | tail -n 30
	fi
}

# bench_mem LABEL PID MIB: hotvm's peak RSS (VmHWM in /proc/PID/status) and
# the resident part of its guest RAM mapping (the MIB MiB mapping's Rss in
# /proc/PID/smaps: the guest pages it touched) and how much of that is in
# transparent huge pages (its AnonHugePages), in KiB, and the Rss of every
# other mapping (other=: hotvm's own memory now, summed page by page; VmRSS
# and VmHWM are the kernel's per-thread batched counters, which lag by up to
# a batch per thread when 500 threads fault guest RAM in), as
# "BENCH mem run=LABEL hwm=... rss=... ram=... thp=... other=... threads=...".
bench_mem() {
	_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$2/status")
	_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$2/status")
	_thr=$(awk '/^Threads:/ { print $2 }' "/proc/$2/status")
	_ram=$(awk -v ram=$(($3 * 1024)) '
		/^[0-9a-f]+-[0-9a-f]+ / { inram = 0 }
		/^Size:/ { inram = ($2 == ram) }
		/^Rss:/ { if (inram) kb += $2; else other += $2 }
		/^AnonHugePages:/ { if (inram) thp += $2 }
		END { print kb + 0, thp + 0, other + 0 }' "/proc/$2/smaps")
	set -- "$1" $_ram
	echo "BENCH mem run=$1 hwm=$_hwm rss=$_rss ram=$2 thp=$3 other=$4 threads=$_thr"
}
