# A Linux guest (Debian's 6.12 arm64 kernel, a busybox initrd built here)
# with 4 of 5 possible vCPUs, once with PSCI in hotvm and once with KVM's:
# all four online at boot; `reboot` reboots in-process (the PL031 RTC keeps
# the year the first boot set, so the second boot knows); 15 offline/online
# cycles of cpus 1-3 succeed; onlining the disabled cpu4 fails (DENIED);
# `poweroff` exits 0. Prints the launch-to-exit time. Then: a line typed on
# hotvm's stdin reaches the guest's shell (interrupt-driven UART input).
# timeout: 300
set -u
d=$(mktemp -d)
fail=0
mkdir -p $d/r/bin $d/r/proc $d/r/sys $d/r/dev
cp /bin/busybox $d/r/bin/
cat >$d/r/init <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
cpus=/sys/devices/system/cpu
if grep -q hotvm.t=echo /proc/cmdline; then
	echo "T: ready"
	read -r line
	echo "T: got [$line]"
	poweroff -f
fi
if [ "$(date +%Y)" != 2001 ]; then
	echo "T: boot online=$(cat $cpus/online)"
	date -s "2001-01-01 00:00:00" >/dev/null
	hwclock -w -u
	reboot -f
fi
echo "T: rebooted online=$(cat $cpus/online)"
n=0
for i in 1 2 3; do
	for k in 1 2 3 4 5; do
		echo 0 >$cpus/cpu$i/online && echo 1 >$cpus/cpu$i/online && n=$((n + 1))
	done
done
echo "T: cycles=$n online=$(cat $cpus/online)"
if [ -d $cpus/cpu4 ]; then
	if echo 1 >$cpus/cpu4/online 2>/dev/null; then
		echo "T: cpu4 onlined"
	else
		echo "T: cpu4 denied"
	fi
fi
echo "T: poweroff"
poweroff -f
EOF
chmod +x $d/r/init
(cd $d/r && find . | cpio -o -H newc >$d/initrd.cpio 2>/dev/null)

check() { # check DESCRIPTION PATTERN
	if grep -q "$2" $d/out; then
		echo "ok - $1"
	else
		echo "not ok - $1 (no '$2')"
		fail=1
	fi
}

for psci in user kernel; do
	if [ $psci = user ]; then
		cpuargs="-c 4 --max-cpus 5"
	else
		cpuargs="-c 4"
	fi
	t0=$(cut -d' ' -f1 /proc/uptime)
	$HOTVM run -k $T/linux/Image -i $d/initrd.cpio -m 256 $cpuargs --psci=$psci \
		-p "quiet" >$d/out 2>&1
	rc=$?
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "--psci=$psci: exit $rc, launch to exit $(echo "$t0 $t1" | awk '{printf "%.1f", $2 - $1}') s (2 boots)"
	sed -n 's/^\(T: .*\)/    \1/p' $d/out
	[ $rc -eq 0 ] && echo "ok - $psci: poweroff exits 0" || { echo "not ok - $psci: exit $rc"; fail=1; }
	check "$psci: 4 CPUs online at boot" "T: boot online=0-3"
	check "$psci: rebooted in-process" "T: rebooted online=0-3"
	check "$psci: 15 offline/online cycles" "T: cycles=15 online=0-3"
	[ $psci = user ] && check "$psci: disabled cpu4 cannot be onlined" "T: cpu4 denied"
	grep -q "T: poweroff" $d/out || { echo "--- guest output:"; cat $d/out; }
done
# Console input: stdin -> UART receive interrupt -> the guest's tty.
. "$T/console.sh"
vm_start -k $T/linux/Image -i $d/initrd.cpio -m 256 -c 2 -p "quiet hotvm.t=echo"
if vm_expect "T: ready" 120; then
	echo "hello console" >&7
	if vm_expect "T: got \[hello console\]" 60; then
		echo "ok - a line on stdin reached the guest"
	else
		echo "not ok - the guest did not receive stdin"
		fail=1
	fi
else
	echo "not ok - the guest did not boot for the console test"
	fail=1
fi
vm_wait 60
rc=$?
[ $rc -eq 0 ] && echo "ok - console guest powered off, exit 0" || { echo "not ok - exit $rc"; cat $VM_OUT; fail=1; }
vm_kill
rm -rf $d
exit $fail
