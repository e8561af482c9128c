# Control clients and a Linux guest contend for the same vCPU: the guest
# onlines and offlines cpu3 in a loop while clients remove and re-add
# vCPU 3 (and others ask for status) through separate `hotvm ctl`
# processes. Each removal races the guest's CPU_ON of vCPU 3 and exactly
# one side wins: the removal (the guest's online fails with EPERM, PSCI
# DENIED) or the CPU_ON (the removal is answered busy). Both outcomes must
# be seen and are counted; every ctl exit status is read and checked; the
# VM stays up and afterwards the guest's view and hotvm's agree.
# timeout: 300
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-conc.sock
CTL="$HOTVM ctl --api-socket $SOCK"
D=/tmp/conc
fail() {
	echo "FAIL: $*"
	tail -n 20 "$VM_OUT"
	touch "$D/stop"
	vm_kill
	exit 1
}
rm -rf "$SOCK" "$D"
mkdir -p "$D"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || fail "the guest did not boot"
$CTL cpu-add 3 >/dev/null || fail "cpu-add 3"

# The guest: online cpu3 (counted: on = CPU_ON won, denied = EPERM, the
# removal won; anything else is bad), offline it again; until both
# outcomes were seen 10 times (at least 60 rounds), at most 400 rounds.
c=/sys/devices/system/cpu/cpu3/online
churn="i=0 on=0 denied=0 bad=0;"
churn="$churn while [ \$i -lt 400 ] && { [ \$i -lt 60 ] || [ \$on -lt 10 ] || [ \$denied -lt 10 ]; }; do"
churn="$churn if echo 1 2>/tmp/e >$c; then on=\$((on + 1)); echo 0 >$c || bad=\$((bad + 1));"
churn="$churn elif grep -q 'not permitted' /tmp/e; then denied=\$((denied + 1));"
churn="$churn else bad=\$((bad + 1)); cat /tmp/e; fi; i=\$((i + 1)); done;"
churn="$churn echo \"CHURN\"\"-DONE rounds=\$i on=\$on denied=\$denied bad=\$bad\""
vm_sh "($churn) & true" 30 ||
	fail "cannot start the guest churn"

# A client: request after request until told to stop (at most 300), each
# answer and exit status checked. Kind 0: cpu-remove 3 then cpu-add 3;
# kind 1: status; kind 2: --json status. Exit status: how many were bad.
client() {
	k=$1 kind=$(($1 % 3)) n=0 bad=0
	while [ ! -e "$D/stop" ] && [ $n -lt 300 ]; do
		case $kind in
		0)
			$CTL cpu-remove 3 >"$D/$k.out" 2>&1
			rc=$?
			if [ $rc -eq 0 ]; then
				echo removed >>"$D/$k.log"
			elif [ $rc -eq 1 ] && grep -q "(busy)" "$D/$k.out"; then
				echo busy >>"$D/$k.log"
			else
				echo "client $k: cpu-remove 3: exit $rc: $(cat "$D/$k.out")"
				bad=$((bad + 1))
			fi
			$CTL cpu-add 3 >"$D/$k.out" 2>&1
			rc=$?
			[ $rc -eq 0 ] && echo added >>"$D/$k.log" || {
				echo "client $k: cpu-add 3: exit $rc: $(cat "$D/$k.out")"
				bad=$((bad + 1))
			}
			;;
		1 | 2)
			if [ $kind = 1 ]; then $CTL status; else $CTL --json status; fi >"$D/$k.out" 2>&1
			rc=$?
			[ $rc -eq 0 ] && echo status >>"$D/$k.log" || {
				echo "client $k: status: exit $rc: $(cat "$D/$k.out")"
				bad=$((bad + 1))
			}
			;;
		esac
		n=$((n + 1))
	done
	return $((bad > 100 ? 100 : bad))
}
pids=
k=0
while [ $k -lt 8 ]; do
	client $k &
	pids="$pids $!"
	k=$((k + 1))
done
vm_expect "CHURN-DONE" 240 || fail "the guest churn did not finish"
touch "$D/stop"
k=0
bad=0
for p in $pids; do
	wait "$p"
	rc=$?
	[ $rc -eq 0 ] || echo "not ok - client $k: $rc bad answers"
	bad=$((bad + rc))
	k=$((k + 1))
done
[ $k -eq 8 ] || fail "$k clients waited for, want 8"

line=$(grep -a "CHURN-DONE" "$VM_OUT" | tr -d '\r' | tail -n 1)
echo "guest: $line"
gcount() { echo "$line" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
removed=$(cat "$D"/*.log | grep -c '^removed$')
busy=$(cat "$D"/*.log | grep -c '^busy$')
added=$(cat "$D"/*.log | grep -c '^added$')
status=$(cat "$D"/*.log | grep -c '^status$')
echo "host: $removed cpu-remove ok, $busy cpu-remove busy (guest CPU_ON won), $added cpu-add ok, $status status ok"
echo "guest: $(gcount on) onlines ok, $(gcount denied) onlines DENIED (cpu-remove won), $(gcount bad) bad"
[ $bad -eq 0 ] || fail "$bad bad answers"
[ "$(gcount bad)" = 0 ] || fail "the guest saw $(gcount bad) unexpected results"
[ $busy -gt 0 ] || fail "no cpu-remove was refused busy: the guest's CPU_ON never won"
[ "$(gcount denied)" -gt 0 ] || fail "no guest online was DENIED: a cpu-remove never won"
[ "$(gcount on)" -gt 0 ] || fail "the guest never onlined cpu3"
[ $((removed + busy)) -eq $added ] || fail "$((removed + busy)) removals but $added adds"
echo "ok - both outcomes seen: $busy busy removals, $(gcount denied) DENIED onlines"

# The guest's view and hotvm's agree, for every vCPU.
c=/sys/devices/system/cpu
for i in 1 2 3; do
	g=$(vm_sh "cat $c/cpu$i/online")
	h=$($CTL --json status | tr '{' '\n' | grep "\"index\":$i," | sed 's/.*"power":"\([a-z-]*\)".*/\1/')
	if { [ "$g" = 1 ] && [ "$h" = on ]; } || { [ "$g" = 0 ] && [ "$h" = off ]; }; then
		echo "ok - cpu$i: guest online=$g, hotvm power=$h"
	else
		fail "cpu$i: guest online=$g but hotvm says power=$h"
	fi
done
# And hot-plug still works: take vCPU 3 away for good.
vm_sh "echo 0 > $c/cpu3/online" 30 >/dev/null 2>&1
$CTL cpu-remove 3 || fail "final cpu-remove 3"
vm_sh "echo 1 > $c/cpu3/online" 30 && fail "cpu3 onlined after cpu-remove"
echo "poweroff -f" >&7
vm_wait 60 || fail "hotvm exit status $? after poweroff"
echo "PASS"
