# tests/e2e/hostile.sh: run_hostile, the driver of the guest_hostile* cases;
# tools/mktestroot copies it to $T/hostile.sh. POSIX/busybox sh only.

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"
}

# run_hostile PSCI BOOTARGS [HOTVM-RUN-ARGS...]
#   Boot $T/guest/hostile.bin (-m $HOSTILE_MEM, default 64) with
#   --psci=PSCI, "sync=1 BOOTARGS" and stdin from a FIFO. At the guest's
#   "HOSTILE-MARK early" (boot 1: after a work round and a reset) and
#   "HOSTILE-MARK late" (the last boot) measure hotvm's RSS outside guest
#   RAM (rss_other in lib.sh), then answer the guest with a byte. Passes if
#   hotvm exits 0, the guest says "RESULT: PASS" once, both measurements
#   were taken and the late one exceeds the early one by at most
#   $HOSTILE_SLACK_KB (default 64).
#   The slack: 16 pages for page-granular noise (a malloc or stdio page
#   first touched late). Anything per call or per reset shows far above it:
#   between the marks come >= 100,000 calls and >= 51 resets, so a leaked
#   32-byte malloc chunk per call is > 3 MiB, and 64 KiB over 51 resets is
#   about 1.3 KiB per reset. (Measured: 0 KiB growth.)
#   The seed is random per run (printed; rerun with HOSTILE_SEED=N).
run_hostile() {
	_psci=$1
	_args=$2
	shift 2
	_what="psci=$_psci $*"
	_mem=${HOSTILE_MEM:-64}
	_slack=${HOSTILE_SLACK_KB:-64}
	[ "$_psci" = kernel ] && _args="hotvm.psci=kernel $_args"
	_seed=${HOSTILE_SEED:-$(($(now_ms) % 1000000 + $$))}
	_args="$_args seed=$_seed"
	echo "hostile: seed $_seed (rerun: HOSTILE_SEED=$_seed)"
	_out=$(mktemp)
	_fifo=$(mktemp -u)
	mkfifo "$_fifo" || return 1
	trap '' PIPE
	_t0=$(now_ms)
	$HOTVM run -k "$T/guest/hostile.bin" -m "$_mem" --psci="$_psci" \
		-p "sync=1 $_args" "$@" <"$_fifo" >"$_out" 2>&1 &
	_pid=$!
	exec 3>"$_fifo"
	_early=
	_late=
	while alive $_pid; do
		if [ -z "$_early" ] && grep -q '^HOSTILE-MARK early' "$_out"; then
			_early=$(rss_other $_pid $((_mem * 1024)))
			_early_vm=$(sed -n 's/^VmRSS:[[:space:]]*//p' /proc/$_pid/status)
			_early_ms=$(($(now_ms) - _t0))
			printf k >&3 # one byte: a newline could reach the UART after
					# the guest drained it and answer the next mark early
		fi
		if [ -z "$_late" ] && grep -q '^HOSTILE-MARK late' "$_out"; then
			_late=$(rss_other $_pid $((_mem * 1024)))
			_late_vm=$(sed -n 's/^VmRSS:[[:space:]]*//p' /proc/$_pid/status)
			_late_ms=$(($(now_ms) - _t0))
			printf k >&3 # one byte: a newline could reach the UART after
					# the guest drained it and answer the next mark early
		fi
		sleep 0.1
	done
	wait $_pid
	_rc=$?
	exec 3>&-
	rm -f "$_fifo"
	_ms=$(($(now_ms) - _t0))
	sed 's/\r$//' "$_out" | grep -v -e '^# hotvm guest:' -e '^# bootargs:' -e '^HOSTILE-MARK'
	_fail=
	[ "$_rc" -eq 0 ] || _fail="$_fail exit status $_rc;"
	[ "$(grep -c '^RESULT:' "$_out")" -eq 1 ] && grep -q '^RESULT: PASS' "$_out" ||
		_fail="$_fail guest RESULT not PASS;"
	[ "$(grep -c '^# hotvm guest:' "$_out")" -gt 1 ] && echo "boots: $(grep -c '^# hotvm guest:' "$_out")"
	if [ -z "$_early" ] || [ -z "$_late" ]; then
		_fail="$_fail memory not measured (early '$_early', late '$_late');"
	else
		set -- $_early
		_e=$1
		_en=$3
		set -- $_late
		_l=$1
		_ln=$3
		echo "memory: hotvm RSS outside guest RAM: early ${_e} KiB at ${_early_ms} ms," \
			"late ${_l} KiB at ${_late_ms} ms, growth $((_l - _e)) KiB" \
			"(slack ${_slack} KiB); VmRSS early ${_early_vm}, late ${_late_vm};" \
			"guest RAM resident early $(echo $_early | cut -d' ' -f2) KiB," \
			"late $(echo $_late | cut -d' ' -f2) KiB"
		[ "$_en" = 1 ] && [ "$_ln" = 1 ] ||
			_fail="$_fail guest RAM mapping not found exactly once ($_en, $_ln);"
		[ $((_l - _e)) -le "$_slack" ] || _fail="$_fail memory grew by $((_l - _e)) KiB;"
	fi
	if [ -n "$_fail" ]; then
		echo "hostile ($_what): FAIL:$_fail ${_ms} ms"
		return 1
	fi
	echo "hostile ($_what): PASS, exit 0, ${_ms} ms"
	return 0
}
