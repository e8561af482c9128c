# --psci-version: a Linux guest detects the PSCI version hotvm implements,
# brings its CPUs up with it and powers off; bad versions are refused.
# timeout: 180
. "$T/console.sh"
set -u
fails=0
for v in 0.2 1.0 1.1 1.3; do
	vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --psci-version=$v \
		-p "quiet console=ttyS0 hotvm.test=shell"
	if ! vm_expect "hotvm-guest: shell ready" 120; then
		echo "not ok - --psci-version=$v: no boot: $(tail -n 5 "$VM_OUT")"
		fails=$((fails + 1))
		vm_kill
		continue
	fi
	seen=$(vm_sh "dmesg | grep -o 'PSCIv[0-9.]* detected' | head -n 1")
	online=$(vm_sh "cat /sys/devices/system/cpu/online")
	echo "poweroff -f" >&7
	vm_wait 60
	rc=$?
	if [ "$seen" = "PSCIv$v detected" ] && [ "$online" = 0-1 ] && [ $rc -eq 0 ]; then
		echo "ok - --psci-version=$v: guest says '$seen', cpus $online online, exit 0"
	else
		echo "not ok - --psci-version=$v: '$seen', cpus '$online', exit $rc"
		fails=$((fails + 1))
	fi
done
for bad in "--psci-version=2.0" "--psci-version=1.1 --psci=kernel"; do
	out=$($HOTVM run -k "$T/guest/idle.bin" -m 16 $bad 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && echo "$out" | grep -q "psci-version"; then
		echo "ok - $bad refused: $out"
	else
		echo "not ok - $bad: exit $rc: $out"
		fails=$((fails + 1))
	fi
done
exit $fails
