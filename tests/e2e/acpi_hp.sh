# ACPI vCPU hot-plug helpers for case scripts (busybox sh), on top of
# console.sh: a Linux guest booted with `hotvm run --acpi ... --api-socket
# $SOCK` and hotvm.test=shell hotvm.acpi=1, so that its initramfs runs the
# CPU hot-plug handler (tools/mkguestinitrd). Source it after console.sh and
# set CTL="$HOTVM ctl --api-socket $SOCK".
#
#   hp_guest             the guest's view: "N:O" for every registered cpuN
#                        (O = its online file), e.g. "0:1 1:1 2:1"
#   hp_host              hotvm's view the same way: "N:O" for every enabled
#                        vCPU (O = 1 if its power is not off)
#   hp_agree [SECS]      wait (default 10 s) until both views are equal;
#                        prints "guest=... hotvm=..." and returns 0 if so
#   hp_vcpu N            hotvm's "enabled power" of vCPU N, e.g. "true on"
#   hp_wait_log REGEX [SECS]  vm_expect for the handler's "hotvm-guest: "
#                        lines; returns 1 (and says so) on "online failed";
#                        the line it found is in $HP_LINE
#   hp_events N FROM     the event types of vCPU N in $HP_EV after line
#                        FROM, comma separated ("cpu-enabled,cpu-notify,...")
#   hp_evlines           the number of lines in $HP_EV so far
#   hp_log               the handler's lines in the guest output so far

HP_EV=${HP_EV:-/tmp/hp-events.txt}

hp_guest() {
	vm_sh 'for d in /sys/devices/system/cpu/cpu[0-9]*; do printf "%s:%s " ${d##*/cpu} $(cat $d/online); done; echo' 30 |
		sed 's/ *$//'
}

hp_host() {
	$CTL --json status | tr '{' '\n' |
		sed -n 's/.*"index":\([0-9]*\),"mpidr":"[^"]*","enabled":true,"power":"\([a-z-]*\)".*/\1 \2/p' |
		awk '{ printf "%s%s:%d", (NR > 1 ? " " : ""), $1, ($2 != "off") }'
	echo
}

hp_agree() {
	_t=$((${1:-10} * 2))
	while :; do
		_g=$(hp_guest)
		_h=$(hp_host)
		if [ -n "$_g" ] && [ "$_g" = "$_h" ]; then
			echo "guest=$_g hotvm=$_h"
			return 0
		fi
		_t=$((_t - 1))
		if [ $_t -le 0 ]; then
			echo "guest=$_g hotvm=$_h"
			return 1
		fi
		sleep 0.5
	done
}

hp_vcpu() {
	$CTL --json status | tr '{' '\n' |
		sed -n "s/.*\"index\":$1,\"mpidr\":\"[^\"]*\",\"enabled\":\([a-z]*\),\"power\":\"\([a-z-]*\)\".*/\1 \2/p"
}

hp_wait_log() {
	if ! vm_expect "hotvm-guest: ($1|cpu[0-9]+ online failed)" "${2:-30}"; then
		return 1
	fi
	HP_LINE=$(sed -n "$(vm_seen)p" "$VM_OUT" | tr -d '\r')
	case "$HP_LINE" in
	*"online failed"*)
		echo "the guest's handler: $HP_LINE"
		return 1
		;;
	esac
	return 0
}

hp_evlines() {
	wc -l <"$HP_EV"
}

hp_events() {
	tail -n +$(($2 + 1)) "$HP_EV" |
		sed -n "s/.*\(cpu-[a-z-]*\) vCPU $1\( .*\)*$/\1/p" | tr '\n' ',' | sed 's/,$//'
}

hp_log() {
	grep -a 'hotvm-guest: cpu' "$VM_OUT" | tr -d '\r'
}
