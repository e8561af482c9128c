# virtio-vsock over the test host's vhost-vsock: a Linux guest at CID 3
# (hotvm.test=shell, hotvm.virtio=1 loads virtio_mmio and the vsock
# transport) and the test host exchange 2 MiB each way over one AF_VSOCK
# stream, checked byte by byte by tests/linux/vsock_xfer.c (the same
# program on both sides): first the host connects to the guest (3:1234),
# then the guest to the host (2:1235). An in-process reboot (the device
# reset stops vhost-vsock and the next driver starts it) and the exchange
# again. A second hotvm asking for CID 3 meanwhile is refused with
# "vsock CID 3 is in use by another VM".
# timeout: 300
. $T/console.sh
N=2097152
need_file "$T/linux/Image"
[ -c /dev/vhost-vsock ] || { echo "FAIL: no /dev/vhost-vsock in the test host (module vhost_vsock)"; exit 1; }

exchange() { # exchange WHEN
	vm_sh "(vsock_xfer listen 1234 $N >/tmp/vx.log 2>&1 &)" >/dev/null
	if out=$(timeout 60 vsock_xfer connect 3 1234 $N 2>&1) && sleep 1 &&
		vm_sh "cat /tmp/vx.log" | grep -q "sent $N, received $N, pattern ok"; then
		pass "$1: host -> guest connection, 2 MiB both ways checked ($out)"
	else
		fail "$1: host -> guest: host '$out', guest '$(vm_sh 'cat /tmp/vx.log')'"
	fi
	rm -f /tmp/vx.host
	(timeout 60 vsock_xfer listen 1235 $N >/tmp/vx.host 2>&1 &)
	sleep 1
	if out=$(vm_sh "vsock_xfer connect 2 1235 $N" 60) && sleep 1 &&
		grep -q "sent $N, received $N, pattern ok" /tmp/vx.host; then
		pass "$1: guest -> host connection, 2 MiB both ways checked"
	else
		fail "$1: guest -> host: guest '$out', host '$(cat /tmp/vx.host)'"
	fi
}

vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --vsock 3 \
	-p "quiet console=ttyS0 hotvm.test=shell hotvm.virtio=1"
if ! vm_expect 'shell ready' 120; then
	fail "guest shell: $(tail -n 30 "$VM_OUT")"
	vm_kill
	exit $fails
fi
exchange "first boot"

out=$($HOTVM run -k "$T/guest/idle.bin" -m 64 --vsock 3 2>&1)
rc=$?
if [ $rc -ne 0 ] && echo "$out" | grep -q "vsock CID 3 is in use by another VM"; then
	pass "a second VM at CID 3 refused: $(echo "$out" | head -n 1)"
else
	fail "a second VM at CID 3: exit $rc, '$out'"
fi

echo "reboot -f" >&7
if vm_expect 'shell ready' 120; then
	exchange "after an in-process reboot"
else
	fail "reboot: $(tail -n 30 "$VM_OUT")"
fi
echo "poweroff -f" >&7
vm_wait 30
rc=$?
[ $rc -eq 0 ] && pass "poweroff, exit 0" || fail "exit $rc: $(tail -n 10 "$VM_OUT")"
vm_kill
grep -i "hotvm:.*\(error\|fail\|needs reset\)" "$VM_OUT" && fail "hotvm complained"
exit $fails
