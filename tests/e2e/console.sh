# Drive a hotvm guest through its serial console from a case script
# (busybox sh). Source it:  . "$T/console.sh"
#
#   vm_start ARGS...        start `hotvm run ARGS...` in the background, with
#                           its stdin on a FIFO we write to and its output in
#                           $VM_OUT; the hotvm exit status lands in $VM_DIR/rc
#   vm_expect REGEX [SECS]  wait until the output (after the last match) has a
#                           line matching REGEX; fail if hotvm exits first
#   vm_sh CMD [SECS]        run CMD in the guest's shell; prints its output,
#                           returns its exit status
#   vm_wait [SECS]          wait for hotvm to exit; prints nothing, returns
#                           hotvm's exit status (124 on timeout)
#   vm_kill                 stop hotvm (SIGKILL) if it still runs
#   vm_pid, vm_rss MIB      hotvm's pid; its RSS in KiB without guest RAM
# The guest's shell must run on the console with echo off (see
# tools/mkguestinitrd, hotvm.test=shell).

. "$T/lib.sh"

VM_DIR=${VM_DIR:-/tmp/vm.$$}
VM_OUT=$VM_DIR/out

# Positions live in files so that $(vm_sh ...) in a subshell keeps them.
vm_seen() {
	cat "$VM_DIR/seen"
}

vm_start() {
	rm -rf "$VM_DIR"
	mkdir -p "$VM_DIR"
	mkfifo "$VM_DIR/in"
	: >"$VM_OUT"
	("$HOTVM" run "$@" <"$VM_DIR/in" >"$VM_OUT" 2>&1
	echo $? >"$VM_DIR/rc") &
	VM_PID=$!
	# Keep the FIFO open for writing for the whole run (fd 7).
	exec 7>"$VM_DIR/in"
	echo 0 >"$VM_DIR/seen"
	echo 0 >"$VM_DIR/seq"
}

vm_running() {
	[ ! -f "$VM_DIR/rc" ]
}

# Wait for REGEX in the output past what earlier waits consumed.
vm_match() {
	_s=$(vm_seen)
	_n=$(tail -n +$((_s + 1)) "$VM_OUT" | tr -d '\r' | grep -n -E -m 1 "$1" | cut -d: -f1)
	[ -n "$_n" ] || return 1
	echo $((_s + _n)) >"$VM_DIR/seen"
}

vm_expect() {
	_re=$1
	_t=$((${2:-60} * 20))
	while [ $_t -gt 0 ]; do
		if vm_match "$_re"; then
			return 0
		fi
		if ! vm_running; then
			sleep 0.2
			if vm_match "$_re"; then
				return 0
			fi
			echo "vm_expect: hotvm exited ($(cat "$VM_DIR/rc")) before /$_re/ appeared" >&2
			return 1
		fi
		sleep 0.05
		_t=$((_t - 1))
	done
	echo "vm_expect: timed out waiting for /$_re/" >&2
	return 1
}

# Run a command in the guest shell; its output is printed, its status returned.
vm_sh() {
	_seq=$(($(cat "$VM_DIR/seq") + 1))
	echo $_seq >"$VM_DIR/seq"
	_start=$(vm_seen)
	# The marker is split in the command so that an echoed command line
	# can never match it.
	echo "$1; echo \"@@D\"\"ONE-$_seq rc=\$?\"" >&7
	if ! vm_expect "@@DONE-$_seq rc=" "${2:-60}"; then
		return 255
	fi
	_end=$(vm_seen)
	tail -n +$((_start + 1)) "$VM_OUT" | head -n $((_end - _start - 1)) | tr -d '\r'
	_rc=$(sed -n "${_end}p" "$VM_OUT" | tr -d '\r' | sed 's/.*rc=\([0-9]*\).*/\1/')
	return "$_rc"
}

vm_wait() {
	_t=$((${1:-60} * 5))
	while vm_running && [ $_t -gt 0 ]; do
		sleep 0.2
		_t=$((_t - 1))
	done
	if vm_running; then
		return 124
	fi
	exec 7>&-
	return "$(cat "$VM_DIR/rc")"
}

# The hotvm process of this VM (not the subshell around it).
vm_pid() {
	for _p in /proc/[0-9]*; do
		case "$(tr '\0' ' ' <"$_p/cmdline" 2>/dev/null)" in
		*bin/hotvm\ run\ *)
			echo "${_p#/proc/}"
			return 0
			;;
		esac
	done
	return 1
}

# hotvm's resident memory in KiB, not counting the guest RAM mapping of
# $1 MiB (the guest's own pages are the guest's business); empty unless
# exactly one mapping of that size exists (rss_other in lib.sh).
vm_rss() {
	set -- $(rss_other "$(vm_pid)" $(($1 * 1024)))
	[ "${3:-0}" -eq 1 ] && echo "$1"
}

vm_kill() {
	if vm_running; then
		kill -9 "$VM_PID" 2>/dev/null
		pkill -9 -f "hotvm run" 2>/dev/null
	fi
	exec 7>&- 2>/dev/null
	return 0
}
