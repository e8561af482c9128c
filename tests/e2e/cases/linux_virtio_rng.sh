# virtio-rng in a Linux guest (--rng): virtio_mmio + virtio_rng load
# (hotvm.virtio=1), the device is found through the DT and, in a second
# boot, through ACPI (LNRO0005), hw_random picks it, /dev/hwrng gives
# random bytes (two reads differ, no run of zeroes), and the device's
# interrupt count in /proc/interrupts grows while it is read.
# timeout: 300
. "$T/console.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }

irqs() { # the virtio interrupt's count on CPU 0
	vm_sh "grep -m1 virtio /proc/interrupts" | awk '{ print $2 }'
}

one_boot() { # LABEL HOTVM-ARGS...
	_l=$1
	shift
	vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --rng \
		-p "quiet hotvm.test=shell hotvm.virtio=1" "$@"
	if ! vm_expect 'hotvm-guest: shell ready' 120; then
		bad "$_l: guest shell"
		cat "$VM_OUT"
		vm_kill
		return
	fi
	dev=$(vm_sh "ls /sys/bus/virtio/devices/virtio0/driver -l | sed 's|.*/||'; basename \$(dirname \$(readlink -f /sys/bus/virtio/devices/virtio0))")
	echo "# $_l: virtio0: $(echo $dev)"
	case "$_l:$(echo $dev)" in
	dt:"virtio_rng 3000000.virtio") ok "$_l: virtio0 is the DT node 3000000.virtio, driven by virtio_rng" ;;
	acpi:"virtio_rng LNRO0005:00") ok "$_l: virtio0 is the ACPI device LNRO0005:00, driven by virtio_rng" ;;
	*) bad "$_l: virtio0 is '$(echo $dev)'" ;;
	esac
	cur=$(vm_sh "cat /sys/class/misc/hw_random/rng_current")
	[ "$cur" = virtio_rng.0 ] && ok "$_l: hw_random uses virtio_rng.0" ||
		bad "$_l: rng_current is '$cur'"
	before=$(irqs)
	a=$(vm_sh "head -c 4096 /dev/hwrng | sha256sum")
	b=$(vm_sh "head -c 4096 /dev/hwrng | sha256sum")
	zeros=$(vm_sh "head -c 65536 /dev/hwrng | od -An -v -tx1 | tr ' ' '\n' | grep -c '^00\$'")
	after=$(irqs)
	echo "# $_l: sums ${a%% *} ${b%% *}; zero bytes in 64 KiB: $zeros; interrupts $before -> $after"
	[ -n "$a" ] && [ "${#a}" -gt 60 ] && [ "$a" != "$b" ] && ok "$_l: two reads of /dev/hwrng differ" ||
		bad "$_l: /dev/hwrng reads: '$a' '$b'"
	# 64 KiB of uniform bytes: about 256 zeros; far from 0 and from 65536
	[ -n "$zeros" ] && [ "$zeros" -gt 100 ] && [ "$zeros" -lt 500 ] &&
		ok "$_l: byte distribution plausible ($zeros zeros in 64 KiB)" ||
		bad "$_l: $zeros zero bytes in 64 KiB"
	[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] &&
		ok "$_l: the device's interrupts arrive ($before -> $after)" ||
		bad "$_l: virtio interrupt count '$before' -> '$after'"
	vm_sh "poweroff -f" 5 >/dev/null
	vm_wait 30
	rc=$?
	[ "$rc" -eq 0 ] && ok "$_l: hotvm exits 0" || bad "$_l: hotvm exit status $rc"
	grep -q "device needs reset" "$VM_OUT" && bad "$_l: hotvm reported a broken queue"
	return 0
}

one_boot dt
one_boot acpi --acpi
echo "linux_virtio_rng: $fails failed"
[ "$fails" -eq 0 ]
