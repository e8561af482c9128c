# virtio-mmio from a bare-metal guest (tests/guest/virtio_hostile.c) against
# hotvm's virtio-blk (a 64 KiB image whose sector s is filled with the byte
# s) and virtio-rng, one after the other: ioeventfd kicks, irqfd interrupts
# (edge SPI pending in the GIC), then malformed descriptor chains and rings,
# each putting that device in NEEDS_RESET, a reset bringing it back, bursts
# of requests, and at the end every device still serving; hotvm stays up
# and exits 0, and the image is unchanged (the guest only reads).
# timeout: 180
. $T/lib.sh
IMG=/tmp/guest-virtio.img
rm -f "$IMG"
s=0
while [ $s -lt 128 ]; do
	head -c 512 /dev/zero | tr '\0' "\\$(printf %o $s)" >>"$IMG"
	s=$((s + 1))
done
sum0=$(sha256sum <"$IMG")
run_guest virtio_hostile user "" -c 1 --disk "$IMG" --rng || exit 1
n=$(grep -c "needs reset" "$GUEST_OUT")
echo "hotvm reported $n broken queues"
# 9 malformed chains and 2 bad rings per device, each reported once
[ "$n" -ge 22 ] || { echo "FAIL: expected at least 22 reports, got $n"; exit 1; }
[ "$(sha256sum <"$IMG")" = "$sum0" ] || { echo "FAIL: the image changed"; exit 1; }
rm -f "$IMG"
