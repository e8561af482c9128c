# hotvm run with tiny raw binaries (assembled in tests/e2e/cases/run_raw.sh's
# comments' spirit: a few instructions each, written with printf):
#  - SYSTEM_OFF exits 0;
#  - SYSTEM_RESET reboots in-process: a counter in RAM outside the image
#    survives, so the guest prints 1, 2, 3 and then powers off;
#  - --reboot=exit ends hotvm at the first reset, status 0;
#  - a load/store pair to the UART (no syndrome for KVM to emulate) is an
#    unexpected exit: reported with the PC, status 1;
#  - SIGTERM stops a spinning guest through the normal path, status 1.
# timeout: 60
set -u
d=$(mktemp -d)
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }

# ldr x0, =0x84000008; hvc #0; b .
printf '\200\000\000\130\002\000\000\324\000\000\000\024\000\000\000\000\010\000\000\204\000\000\000\000' >$d/off.bin
# counter at 0x80100000 += 1; print it; < 3: SYSTEM_RESET, else SYSTEM_OFF
printf '\023\002\000\130\041\002\000\130\042\000\100\371\102\004\000\221\042\000\000\371\103\300\000\021\143\002\000\071\137\014\000\361\152\000\000\124\140\001\000\130\002\000\000\324\103\001\200\122\143\002\000\071\040\001\000\130\002\000\000\324\000\000\000\024\000\000\000\001\000\000\000\000\000\000\020\200\000\000\000\000\011\000\000\204\000\000\000\000\010\000\000\204\000\000\000\000' >$d/reset.bin
# ldr x19, =0x01000000; ldp x0, x1, [x19]
printf '\223\000\000\130\140\006\100\251\000\000\000\024\000\000\000\000\000\000\000\001\000\000\000\000' >$d/nisv.bin

$HOTVM run -k $d/off.bin -m 16 >$d/out 2>&1
rc=$?
[ $rc -eq 0 ] && ok "SYSTEM_OFF: exit 0" || bad "SYSTEM_OFF: exit $rc ($(cat $d/out))"

for c in 1 4; do
	$HOTVM run -k $d/reset.bin -m 16 -c $c >$d/out 2>&1
	rc=$?
	out=$(cat $d/out)
	[ $rc -eq 0 ] && [ "$out" = "123" ] && ok "SYSTEM_RESET x2 in-process, RAM kept, -c $c: '$out'" ||
		bad "SYSTEM_RESET -c $c: exit $rc, output '$out' (want 123)"
done

$HOTVM run -k $d/reset.bin -m 16 --reboot=exit >$d/out 2>&1
rc=$?
out=$(cat $d/out)
[ $rc -eq 0 ] && [ "$out" = "1" ] && ok "--reboot=exit: exit 0 at the first reset" ||
	bad "--reboot=exit: exit $rc, output '$out' (want 1)"

$HOTVM run -k $d/off.bin -m 16 --psci=kernel >$d/out 2>&1
rc=$?
[ $rc -eq 0 ] && ok "--psci=kernel SYSTEM_OFF: exit 0" || bad "--psci=kernel: exit $rc ($(cat $d/out))"

$HOTVM run -k $d/reset.bin -m 16 --psci=kernel >$d/out 2>&1
rc=$?
out=$(cat $d/out)
[ $rc -eq 0 ] && [ "$out" = "123" ] && ok "--psci=kernel SYSTEM_RESET in-process: '$out'" ||
	bad "--psci=kernel SYSTEM_RESET: exit $rc, output '$out' (want 123)"

$HOTVM run -k $d/nisv.bin -m 16 >$d/out 2>&1
rc=$?
grep -q "PC 0x80000004" $d/out && [ $rc -eq 1 ] && ok "unexpected exit reported: $(cat $d/out)" ||
	bad "unexpected exit: exit $rc, '$(cat $d/out)'"

# b . : spins until SIGTERM, which stops it cleanly with status 1.
printf '\000\000\000\024' >$d/loop.bin
$HOTVM run -k $d/loop.bin -m 16 -c 2 >$d/out 2>&1 &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
grep -q "stopping the guest" $d/out && [ $rc -eq 1 ] && ok "SIGTERM stops the guest: exit 1" ||
	bad "SIGTERM: exit $rc, '$(cat $d/out)'"

rm -rf $d
exit $fail
