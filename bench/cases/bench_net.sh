# Network throughput (issue 11): TCP from a Linux guest to the test host
# (tests/linux/netbench.c at both ends) over hotvm's virtio-net on a tap,
# with the kernel's vhost-net (vhost=1) and with hotvm's userspace data
# path (vhost=0), against the same program over the test host's loopback
# (the ceiling). Also the vCPU exits of the network device (its register
# accesses, HOTVM_STATS=1) per packet the guest sent and received. The
# emulated test host has no other network (-nic none).
# Printed as "BENCH net path=loopback|vhost|userspace bytes= ns=" and
# "BENCH netexits path=... packets=P mmio=N".
# timeout: 600
. "$T/bench.sh"
. "$T/console.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
MIB=${BENCH_NET_MIB:-64}
TAP=hvbench0
rc=0
ip link set lo up
"$T/bin/netbench" recv 5201 &
RECV=$!
sleep 0.5
out=$("$T/bin/netbench" send 127.0.0.1 5201 "$MIB" 2>&1)
case "$out" in
*"BENCH net "*) echo "$out" | sed 's/^BENCH net /BENCH net path=loopback /' ;;
*) echo "not ok - bench_net: loopback: $out"; rc=1; kill $RECV 2>/dev/null ;;
esac
wait $RECV 2>/dev/null
for vh in 1 0; do
	path=$([ $vh = 1 ] && echo vhost || echo userspace)
	export HOTVM_STATS=1
	vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 \
		--network "mode=tap,tapif=$TAP,vhost=$vh" -p "quiet hotvm.test=shell hotvm.virtio=1"
	unset HOTVM_STATS
	k=0
	while [ ! -e /sys/class/net/$TAP ] && [ $k -lt 100 ] && vm_running; do
		sleep 0.1
		k=$((k + 1))
	done
	if ! ip addr add 192.168.101.1/24 dev $TAP || ! ip link set $TAP up ||
		! vm_expect 'shell ready' 120; then
		echo "not ok - bench_net: $path: no guest or tap: $(tail -n 20 "$VM_OUT")"
		vm_kill
		rc=1
		continue
	fi
	vm_sh "ip addr add 192.168.101.2/24 dev eth0 && ip link set eth0 up" >/dev/null
	"$T/bin/netbench" recv 5201 &
	RECV=$!
	sleep 0.5
	p0=$(vm_sh "cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth0/statistics/rx_packets" | awk '{ s += $1 } END { print s }')
	out=$(vm_sh "netbench send 192.168.101.1 5201 $MIB" 180)
	p1=$(vm_sh "cat /sys/class/net/eth0/statistics/tx_packets /sys/class/net/eth0/statistics/rx_packets" | awk '{ s += $1 } END { print s }')
	case "$out" in
	*"BENCH net "*) echo "$out" | sed -n "s/^BENCH net /BENCH net path=$path /p" ;;
	*) echo "not ok - bench_net: $path: $out"; rc=1; kill $RECV 2>/dev/null ;;
	esac
	wait $RECV 2>/dev/null
	vm_sh "poweroff -f" 5 >/dev/null
	vm_wait 60 || rc=1
	mmio=$(sed -n 's/^hotvm-stats: dev=virtio-net0 what=mmio count=//p' "$VM_OUT")
	echo "BENCH netexits path=$path packets=$((p1 - p0)) mmio=${mmio:-0}"
done
exit $rc
