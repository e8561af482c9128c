# vCPU hot-plug while the disk and the network are busy (issue 11): a Linux
# guest on ACPI with 2 of 4 vCPUs, a virtio-blk data disk (/dev/vda, a raw
# image in the test host) and a virtio-net on a tap. Two loops run in the
# guest the whole time:
#   disk: 4 MiB of fresh random data to /dev/vda (conv=fsync), the page
#         cache dropped, read back, checksums compared ("N ok SUM" or
#         "N BAD" in /tmp/disk.log)
#   net:  4 MiB to the test host with netbench, which checks the byte count
#         the receiver got ("N ok" or "N BAD" in /tmp/net.log)
# while the test host runs CYCLES (20) cycles of `hotvm ctl cpu-add 2`/`3`
# and `cpu-remove 2`/`3`, each checked on both sides as in acpi_hotplug.
# Then: no BAD round, both loops made progress during the cycles and end
# their last round when told to stop (no hang), hotvm's and the guest's
# views agree, no device reported a broken queue, and after power-off the
# image holds the disk loop's last data (sha256 of its first 4 MiB equals
# the last round's sum).
# timeout: 420
. "$T/console.sh"
. "$T/acpi_hp.sh"
set -u
RECV=
SOCK=/tmp/hotvm-hp-io.sock
CTL="$HOTVM ctl --api-socket $SOCK"
CYCLES=${CYCLES:-20}
TAP=hvhpio0
IMG=/tmp/hp-io.img
die() {
	echo "FAIL: $*"
	tail -n 30 "$VM_OUT" | tr -d '\r'
	touch /tmp/hp-io.stop
	kill $RECV 2>/dev/null
	vm_kill
	exit 1
}
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
rm -f "$SOCK" "$IMG" /tmp/hp-io.stop
dd if=/dev/zero of="$IMG" bs=1M count=16 2>/dev/null
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 --acpi -c 2 --max-cpus 4 \
	--api-socket "$SOCK" --disk "$IMG" --network "mode=tap,tapif=$TAP" \
	-p "quiet console=ttyS0 hotvm.test=shell hotvm.acpi=1 hotvm.virtio=1"
k=0
while [ ! -e /sys/class/net/$TAP ] && [ $k -lt 100 ] && vm_running; do
	sleep 0.1
	k=$((k + 1))
done
ip addr add 192.168.102.1/24 dev $TAP && ip link set $TAP up || die "no tap $TAP"
vm_expect "hotvm-guest: shell ready" 120 || die "the guest did not boot"
vm_sh "ip addr add 192.168.102.2/24 dev eth0 && ip link set eth0 up" >/dev/null ||
	die "guest network set-up"
# the test host's receiver: one netbench per round, until told to stop
(while [ ! -e /tmp/hp-io.stop ]; do "$T/bin/netbench" recv 5301 >/dev/null 2>&1; done) &
RECV=$!
# The guest's shell runs one line at a time: each loop is one line.
DISK_LOOP='i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); dd if=/dev/urandom of=/tmp/d bs=64k count=64 2>/dev/null; s=$(sha256sum </tmp/d); dd if=/tmp/d of=/dev/vda bs=64k conv=fsync 2>/dev/null; echo 3 >/proc/sys/vm/drop_caches; r=$(dd if=/dev/vda bs=64k count=64 2>/dev/null | sha256sum); if [ "$s" = "$r" ]; then echo "$i ok ${s%% *}"; else echo "$i BAD"; fi >>/tmp/disk.log; done; echo done >>/tmp/disk.log'
NET_LOOP='i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); n=0; while :; do o=$(netbench send 192.168.102.1 5301 4 2>&1) && { echo "$i ok"; break; }; case "$o" in *connect*) n=$((n+1)); if [ $n -lt 50 ]; then sleep 0.2; continue; fi ;; esac; echo "$i BAD $o"; break; done >>/tmp/net.log; done; echo done >>/tmp/net.log'
vm_sh "rm -f /tmp/stop /tmp/disk.log /tmp/net.log" >/dev/null
vm_sh "{ ($DISK_LOOP) </dev/null >/dev/null 2>&1 & }" >/dev/null
vm_sh "{ ($NET_LOOP) </dev/null >/dev/null 2>&1 & }" >/dev/null
sleep 3
rounds() { # rounds FILE: the rounds logged so far
	vm_sh "cat $1 2>/dev/null | grep -c ' ok'" 30
}
d0=$(rounds /tmp/disk.log)
n0=$(rounds /tmp/net.log)
t0=$(now_ms)
i=1
while [ $i -le "$CYCLES" ]; do
	cpu=$((2 + i % 2))
	$CTL cpu-add $cpu >/tmp/hpio.out 2>&1 || die "cycle $i: cpu-add $cpu: $(cat /tmp/hpio.out)"
	hp_wait_log "cpu$cpu online;" 60 || die "cycle $i: the guest did not online cpu$cpu"
	$CTL cpu-remove $cpu --timeout 60 >/tmp/hpio.out 2>&1 ||
		die "cycle $i: cpu-remove $cpu: $(cat /tmp/hpio.out)"
	grep -q "vCPU $cpu disabled (ejected by the guest" /tmp/hpio.out ||
		die "cycle $i: cpu-remove $cpu: $(cat /tmp/hpio.out)"
	hp_wait_log "cpu$cpu removed" 60 || die "cycle $i: no 'cpu$cpu removed' from the guest"
	i=$((i + 1))
done
ms=$(($(now_ms) - t0))
d1=$(rounds /tmp/disk.log)
n1=$(rounds /tmp/net.log)
pass "$CYCLES cycles of cpu-add/cpu-remove (vCPUs 2 and 3) under disk and network load: $ms ms"
echo "rounds during the cycles: disk $d0 -> $d1, network $n0 -> $n1"
[ "$d1" -gt "$d0" ] && pass "the disk loop made progress during the cycles ($((d1 - d0)) rounds)" ||
	fail "the disk loop made no progress during the cycles ($d0 -> $d1)"
[ "$n1" -gt "$n0" ] && pass "the network loop made progress during the cycles ($((n1 - n0)) rounds)" ||
	fail "the network loop made no progress during the cycles ($n0 -> $n1)"
vm_sh "touch /tmp/stop" >/dev/null
k=0
while [ $k -lt 60 ]; do
	[ "$(vm_sh 'cat /tmp/disk.log /tmp/net.log 2>/dev/null | grep -c ^done' 30)" = 2 ] && break
	sleep 0.5
	k=$((k + 1))
done
[ $k -lt 60 ] && pass "both loops finished their last round after the stop" ||
	fail "a loop did not finish within 60 s of the stop (hang)"
bad=$(vm_sh "cat /tmp/disk.log /tmp/net.log 2>/dev/null | grep BAD" 30)
[ -z "$bad" ] && pass "no round lost or corrupted data ($(rounds /tmp/disk.log) disk, $(rounds /tmp/net.log) network rounds)" ||
	fail "bad rounds: $bad"
v=$(hp_agree 10) && [ "$v" = "guest=0:1 1:1 hotvm=0:1 1:1" ] && pass "views agree: $v" ||
	fail "views: $v"
last=$(vm_sh "grep ' ok ' /tmp/disk.log | tail -n 1" 30 | awk '{ print $3 }')
# stop the test host's receiver loop: a connection of 0 bytes ends a waiting receiver
touch /tmp/hp-io.stop
k=0
while kill -0 $RECV 2>/dev/null && [ $k -lt 20 ]; do
	"$T/bin/netbench" send 127.0.0.1 5301 0 >/dev/null 2>&1
	sleep 0.2
	k=$((k + 1))
done
kill $RECV 2>/dev/null
vm_sh "poweroff -f" 5 >/dev/null
vm_wait 60
rc=$?
[ "$rc" -eq 0 ] && pass "hotvm exits 0" || fail "hotvm exit status $rc"
grep -q "needs reset" "$VM_OUT" && fail "a device reported a broken queue: $(grep 'needs reset' "$VM_OUT")"
sum=$(dd if="$IMG" bs=64k count=64 2>/dev/null | sha256sum | cut -d' ' -f1)
[ -n "$last" ] && [ "$sum" = "$last" ] && pass "the image holds the last round's data (${sum%${sum#????????}}...)" ||
	fail "image sum $sum, last round's $last"
rm -f "$IMG"
echo "$fails failures"
exit $fails
