# --console virtio: a Linux guest's console is hvc0 (a virtio-console on
# hotvm's stdin/stdout, the UART disconnected): /proc/consoles says so,
# the initramfs shell is driven over it (tests/e2e/console.sh, unchanged),
# 100000 lines of output arrive intact (their checksum computed in the
# guest against the one of what reached hotvm's stdout), a long input line
# arrives whole, what the guest writes to the UART (ttyS0, still there)
# reaches no one, and poweroff exits 0 with nothing reported lost.
# timeout: 400
. "$T/console.sh"
need_file "$T/linux/Image"
need_file "$T/linux/initrd.cpio"
fails=0
ok() { echo "ok - $*"; }
bad() {
	echo "not ok - $*"
	fails=$((fails + 1))
	echo "# the last lines of hotvm's output:"
	tail -n 15 "$VM_OUT" | cut -c 1-200 | sed 's/^/#   /'
}

vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --console virtio \
	-p "quiet hotvm.test=shell hotvm.virtio=1"
if ! vm_expect 'hotvm-guest: shell ready' 120; then
	bad "guest shell over hvc0"
	cat "$VM_OUT"
	vm_kill
	echo "linux_console_virtio: $fails failed"
	exit 1
fi
ok "guest shell over hvc0"
cons=$(vm_sh "cat /proc/consoles")
echo "# /proc/consoles: $(echo $cons)"
case "$cons" in
hvc0*) ok "the guest's console is hvc0" ;;
*) bad "/proc/consoles: '$cons'" ;;
esac
case "$cons" in
*ttyS*) bad "ttyS0 is a console too" ;;
esac
cmd=$(vm_sh "cat /proc/cmdline")
case " $cmd " in
*" console=hvc0 "*) ok "hotvm passed console=hvc0" ;;
*) bad "cmdline '$cmd'" ;;
esac
drv=$(vm_sh "for d in /sys/bus/virtio/devices/*; do echo \$(cat \$d/device) \$(basename \$(readlink \$d/driver)); done")
echo "# virtio devices: $(echo $drv)"
case "$drv" in
*"0x0003 virtio_console"*) ok "device ID 3 driven by virtio_console" ;;
*) bad "virtio devices: '$drv'" ;;
esac
# the shell runs commands and gives their status back over hvc0
vm_sh "false"
rc=$?
[ "$rc" -eq 1 ] && ok "exit status over hvc0" || bad "status of false: $rc"
n=$(vm_sh "seq 1 1000 | wc -l" 30)
[ "$n" = 1000 ] && ok "a pipeline's output" || bad "seq 1 1000 | wc -l: '$n'"
# Output, in order and intact, checksummed in the guest. A tty makes seq's
# stdout line-buffered, and Linux's hvc waits for each write's buffer to
# come back: one device round trip per line (about 5 ms in the emulated
# test host), so the line-by-line run is short; the large one goes through
# cat, whose big writes hvc sends in page-sized chains.
big() { # N SECS [| cat]
	t0=$(date +%s)
	want=$(vm_sh "seq 1 $1 | sha256sum" "$2" | awk '{ print $1 }')
	t1=$(date +%s)
	vm_sh "seq 1 $1 $3" "$2" >"$VM_DIR/seq.out"
	rc=$?
	t2=$(date +%s)
	got=$(sha256sum <"$VM_DIR/seq.out" | awk '{ print $1 }')
	lines=$(wc -l <"$VM_DIR/seq.out")
	echo "# seq 1 $1 $3: $lines lines in $((t2 - t1)) s; guest sum $want, received $got"
	[ "$rc" -eq 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
		ok "seq 1 $1 $3 arrives intact and in order" ||
		bad "seq 1 $1 $3: rc $rc, $lines lines, sums '$want' vs '$got'"
}
big 500 60
big 100000 120 "| cat"
# input: a line typed longer than one read is delivered whole
long=$(head -c 3000 /dev/zero | tr '\0' x)
n=$(vm_sh "echo $long | wc -c" 20)
[ "$n" = 3001 ] && ok "a 3000-character input line arrives whole" || bad "long line: '$n'"
# the UART is disconnected: writing to it neither blocks nor reaches stdout
vm_sh "echo UART\"\"-MARK >/dev/ttyS0" 20
rc=$?
[ "$rc" -eq 0 ] && ! grep -q "UART-MARK" "$VM_OUT" &&
	ok "ttyS0 output is discarded" || bad "ttyS0: rc $rc, or its output reached stdout"
vm_sh "poweroff -f" 5 >/dev/null
vm_wait 30
rc=$?
[ "$rc" -eq 0 ] && ok "poweroff: hotvm exits 0" || bad "hotvm exit status $rc"
grep -q "not written\|device needs reset" "$VM_OUT" && bad "hotvm reported lost output or a broken queue"
echo "linux_console_virtio: $fails failed"
[ "$fails" -eq 0 ]
