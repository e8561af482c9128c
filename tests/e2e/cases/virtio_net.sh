# virtio-net on a tap in the test host (which has no other network: the
# emulated host runs with -nic none). hotvm creates tap hvnet0; the test
# host gives it 192.168.100.1, the Linux guest (hotvm.test=shell,
# hotvm.virtio=1 loads virtio_mmio and virtio_net) configures eth0 as
# 192.168.100.2 itself. Then: the guest's MAC is the one given, the guest
# pings the host, and a 1 MiB random file goes each way with busybox nc,
# checksums compared. Once with vhost=1 (the kernel's vhost-net; hotvm
# says which data path it took) and once with vhost=0 (hotvm's userspace
# path), each ending with an in-process reboot and a ping after it (the
# device reset hands the queues back and the next driver gets them again).
# timeout: 420
. $T/console.sh
TAP=hvnet0
HOST_IP=192.168.100.1
GUEST_IP=192.168.100.2
MAC=52:54:00:12:34:56
need_file "$T/linux/Image"
[ -c /dev/net/tun ] || { echo "FAIL: no /dev/net/tun in the test host (module tun)"; exit 1; }
dd if=/dev/urandom of=/tmp/net.h2g bs=1024 count=1024 2>/dev/null
want_h2g=$(sha256sum </tmp/net.h2g | cut -d' ' -f1)

# guest_sum FILE: the sha256 of FILE in the guest
guest_sum() {
	vm_sh "sha256sum <$1" | tr -d '\r' | sed -n 's/^\([0-9a-f]\{64\}\).*/\1/p'
}

run() { # run VHOST
	vh=$1
	# ports of their own: a listener left over from a failed run must not take them
	p1=$((5001 + 10 * vh))
	p2=$((5002 + 10 * vh))
	vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --loglevel=info \
		--network "mode=tap,tapif=$TAP,guest_mac=$MAC,vhost=$vh" \
		-p "quiet console=ttyS0 hotvm.test=shell hotvm.virtio=1"
	k=0
	while [ ! -e /sys/class/net/$TAP ] && [ $k -lt 100 ] && vm_running; do
		sleep 0.1
		k=$((k + 1))
	done
	if ! ip addr add $HOST_IP/24 dev $TAP || ! ip link set $TAP up; then
		fail "vhost=$vh: tap $TAP in the test host: $(tail -n 5 "$VM_OUT")"
		vm_kill
		return
	fi
	if [ $vh = 1 ]; then
		path="vhost-net"
	else
		path="userspace"
	fi
	if grep -q "virtio-net: tap $TAP, MTU 1500, $path data path" "$VM_OUT"; then
		pass "vhost=$vh: $(grep -o "virtio-net: tap.*" "$VM_OUT" | tr -d '\r')"
	else
		fail "vhost=$vh: no '$path data path' line: $(grep virtio "$VM_OUT")"
	fi
	if ! vm_expect 'shell ready' 120; then
		fail "vhost=$vh: guest shell: $(tail -n 30 "$VM_OUT")"
		vm_kill
		return
	fi
	out=$(vm_sh "cat /sys/class/net/eth0/address && ip addr add $GUEST_IP/24 dev eth0 && ip link set eth0 up && cat /sys/class/net/eth0/mtu")
	if echo "$out" | grep -q "^$MAC\$" && echo "$out" | grep -q '^1500$'; then
		pass "vhost=$vh: guest eth0 has MAC $MAC, MTU 1500, address $GUEST_IP"
	else
		fail "vhost=$vh: guest eth0: $out"
	fi
	if out=$(vm_sh "ping -c 3 -W 5 $HOST_IP" 30); then
		pass "vhost=$vh: guest pings the host: $(echo "$out" | grep 'packets transmitted')"
	else
		fail "vhost=$vh: ping: $out"
	fi
	# host -> guest: the guest listens. A listener's stdin must not end:
	# busybox nc shuts its sending half at stdin's EOF, and the sender
	# stops at that FIN, before it sent everything.
	vm_sh "rm -f /tmp/in; (sleep 300 | nc -l -p $p1 >/tmp/in &)" >/dev/null
	sleep 1
	if timeout 60 nc -w 10 $GUEST_IP $p1 </tmp/net.h2g && sleep 1 &&
		[ "$(guest_sum /tmp/in)" = "$want_h2g" ]; then
		pass "vhost=$vh: 1 MiB host -> guest, sha256 equal"
	else
		fail "vhost=$vh: host -> guest: guest has $(vm_sh 'ls -l /tmp/in')"
	fi
	# guest -> host: the host listens
	vm_sh "dd if=/dev/urandom of=/tmp/out bs=1024 count=1024 2>/dev/null" >/dev/null
	want_g2h=$(guest_sum /tmp/out)
	rm -f /tmp/net.g2h.$vh
	(sleep 120 | timeout 90 nc -l -p $p2 >/tmp/net.g2h.$vh &)
	sleep 1
	vm_sh "nc -w 10 $HOST_IP $p2 </tmp/out" 90 >/dev/null
	sleep 1
	got=$(sha256sum </tmp/net.g2h.$vh | cut -d' ' -f1)
	if [ -n "$want_g2h" ] && [ "$got" = "$want_g2h" ]; then
		pass "vhost=$vh: 1 MiB guest -> host, sha256 equal"
	else
		fail "vhost=$vh: guest -> host: want '$want_g2h', got '$got' ($(wc -c </tmp/net.g2h.$vh) bytes)"
	fi
	# an in-process reboot resets the device; the next boot has a network again
	echo "reboot -f" >&7
	if vm_expect 'shell ready' 120 &&
		out=$(vm_sh "ip addr add $GUEST_IP/24 dev eth0 && ip link set eth0 up && ping -c 2 -W 5 $HOST_IP" 30); then
		pass "vhost=$vh: after an in-process reboot the guest pings the host again"
	else
		fail "vhost=$vh: after reboot: $out $(tail -n 20 "$VM_OUT")"
	fi
	echo "poweroff -f" >&7
	vm_wait 30
	rc=$?
	[ $rc -eq 0 ] && pass "vhost=$vh: poweroff, exit 0" || fail "vhost=$vh: exit $rc: $(tail -n 10 "$VM_OUT")"
	vm_kill
	grep -i "hotvm:.*\(error\|fail\|needs reset\)" "$VM_OUT" && fail "vhost=$vh: hotvm complained"
}

[ -c /dev/vhost-net ] || fail "no /dev/vhost-net in the test host (module vhost_net)"
run 1
run 0
exit $fails
