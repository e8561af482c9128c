# tests/e2e/lib.sh: helpers shared by case scripts; tools/mktestroot copies
# it to $T/lib.sh. Source it with `. $T/lib.sh`. POSIX/busybox sh only.

# now_ms: milliseconds since boot (busybox has no date +%N everywhere)
now_ms() {
	awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime
}

# run_guest NAME PSCI BOOTARGS [HOTVM-RUN-ARGS...]
#   Boot the bare-metal payload $T/guest/NAME.bin with -m 64 and
#   --psci=PSCI (user|kernel); BOOTARGS go to -p (with hotvm.psci=kernel
#   added for PSCI=kernel, so the guest knows which answers to expect).
#   Prints the guest's output and one summary line. Returns 0 if hotvm
#   exited 0, the output has exactly one RESULT line and it is
#   "RESULT: PASS". $GUEST_OUT is the output file afterwards.
run_guest() {
	_name=$1
	_psci=$2
	_args=$3
	shift 3
	[ "$_psci" = kernel ] && _args="hotvm.psci=kernel${_args:+ $_args}"
	GUEST_OUT=$(mktemp)
	set -- -p "$_args" "$@"	# an empty --params is accepted, as kvmtool does
	_t0=$(now_ms)
	$HOTVM run -k "$T/guest/$_name.bin" -m 64 --psci="$_psci" "$@" \
		>"$GUEST_OUT" 2>&1
	_rc=$?
	_ms=$(($(now_ms) - _t0))
	sed 's/\r$//' "$GUEST_OUT"
	_nres=$(grep -c '^RESULT:' "$GUEST_OUT")
	if [ "$_rc" -eq 0 ] && [ "$_nres" -eq 1 ] &&
		grep -q '^RESULT: PASS' "$GUEST_OUT"; then
		echo "guest $_name (psci=$_psci $*): PASS, exit 0, ${_ms} ms"
		return 0
	fi
	echo "guest $_name (psci=$_psci $*): FAIL: exit status $_rc," \
		"$_nres RESULT line(s), $(grep -c '^not ok' "$GUEST_OUT") failed check(s), ${_ms} ms"
	return 1
}

# need_file FILE: fail the case (exit 1) if FILE is missing. A file the
#   test set-up provides (tools/setup, tools/mktestroot) is never a reason
#   to pass or to skip.
need_file() {
	if [ ! -e "$1" ]; then
		echo "FAIL: $1 missing (tools/setup downloads the guest kernel and" \
			"busybox into \$HOTVM_CACHE, tools/mktestroot links them into \$T)"
		exit 1
	fi
}

# skip REASON: end the case as skipped: print "SKIP: REASON", exit 77.
#   tools/testhost counts it as a failure unless the case's header declares
#   why it may skip ("# may-skip: WHY"); a skip never counts as a pass.
skip() {
	echo "SKIP: $*"
	exit 77
}

# run_linux SCENARIO PSCI [HOTVM-RUN-ARGS...]
#   Boot $T/linux/Image with $T/linux/initrd.cpio (tools/mkguestinitrd),
#   -m 256 and hotvm.test=SCENARIO on the command line (quiet, console on
#   the 16550). Passes if hotvm exits 0 and the guest printed exactly one
#   RESULT line, "RESULT: PASS". Prints the guest's T: lines and the
#   launch-to-exit time; the whole output if it failed.
run_linux() {
	_sc=$1
	_psci=$2
	shift 2
	need_file "$T/linux/Image"
	need_file "$T/linux/initrd.cpio"
	LINUX_OUT=$(mktemp)
	_t0=$(now_ms)
	$HOTVM run -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 \
		--psci="$_psci" -p "quiet console=ttyS0 hotvm.test=$_sc $LINUX_ARGS" \
		"$@" >"$LINUX_OUT" 2>&1
	_rc=$?
	_ms=$(($(now_ms) - _t0))
	sed -n 's/\r$//; /^T: /p; /^RESULT:/p' "$LINUX_OUT"
	_nres=$(grep -c '^RESULT:' "$LINUX_OUT")
	if [ "$_rc" -eq 0 ] && [ "$_nres" -eq 1 ] &&
		grep -q '^RESULT: PASS' "$LINUX_OUT"; then
		echo "linux $_sc (psci=$_psci $*): PASS, exit 0, launch to exit ${_ms} ms"
		return 0
	fi
	echo "--- guest output:"
	sed 's/\r$//' "$LINUX_OUT" | tail -n 60
	echo "linux $_sc (psci=$_psci $*): FAIL: exit status $_rc, $_nres RESULT line(s), ${_ms} ms"
	return 1
}
LINUX_ARGS=

# rss_other PID RAM_KB: hotvm's resident memory without the guest's RAM.
#   Sums Rss over every mapping in /proc/PID/smaps except the guest RAM
#   mapping, recognised by its size (RAM_KB = --mem * 1024). Prints
#   "OTHER_KB RAM_RSS_KB NRAM"; NRAM (mappings of that size) must be 1.
rss_other() {
	awk -v ram="$2" '
		$1 == "Size:" { size = $2 }
		$1 == "Rss:" { if (size == ram) { ramrss += $2; n++ } else other += $2 }
		END { printf "%d %d %d\n", other, ramrss, n }' "/proc/$1/smaps"
}

# Reporting for cases that go on after a failed check and exit $fails:
#   pass WHAT / fail WHAT print "ok - WHAT" / "not ok - WHAT" (fail counts).
fails=0
pass() {
	echo "ok - $*"
}
fail() {
	echo "not ok - $*"
	fails=$((fails + 1))
}

# soak_case CASE: run the e2e case $T/cases/CASE.sh (a make soak campaign,
# tests/soak/*.sh, with its parameters exported), its output shown and kept
# in /tmp/soak.out for the totals; its exit status in $SOAK_RC.
soak_case() {
	{
		sh "$T/cases/$1.sh"
		echo $? >/tmp/soak.rc
	} 2>&1 | tee /tmp/soak.out
	SOAK_RC=$(cat /tmp/soak.rc)
}
