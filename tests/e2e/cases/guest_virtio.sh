# virtio-mmio from a bare-metal guest (tests/guest/virtio_hostile.c) against
# hotvm's virtio-rng: ioeventfd kicks, irqfd interrupts (edge SPI pending in
# the GIC), then malformed descriptor chains and rings, each putting the
# device in NEEDS_RESET, and a reset bringing it back; hotvm stays up.
# timeout: 120
. $T/lib.sh
run_guest virtio_hostile user "" -c 1 --rng || exit 1
# hotvm reported each malformed chain once, and nothing else went wrong
n=$(grep -c 'virtio-rng@0x3000000: .*device needs reset\|virtio-mmio@0x3000000: .*device needs reset' "$GUEST_OUT")
echo "hotvm reported $n broken queues"
[ "$n" -ge 9 ] || { echo "FAIL: expected at least 9 reports"; exit 1; }
