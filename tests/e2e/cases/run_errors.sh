# hotvm run error paths: each gets a specific message and a non-zero exit
# status, and nothing is left behind.
# timeout: 60
set -u
d=$(mktemp -d)
fail=0
printf '\200\000\000\130\002\000\000\324\000\000\000\024\000\000\000\000\010\000\000\204\000\000\000\000' >$d/off.bin
dd if=/dev/zero of=$d/big.bin bs=1M count=20 2>/dev/null
dd if=/dev/zero of=$d/15m.bin bs=1M count=15 2>/dev/null

expect() { # expect WANT_RC REGEX ARGS...
	want=$1 re=$2
	shift 2
	(cd $d && $HOTVM "$@") >$d/out 2>&1
	rc=$?
	if [ $rc -eq $want ] && { [ -z "$re" ] || grep -qE -e "$re" $d/out; }; then
		echo "ok - hotvm $* -> $rc: $(head -n 1 $d/out)"
	else
		echo "not ok - hotvm $* -> $rc (want $want, /$re/): $(cat $d/out)"
		fail=1
	fi
}

expect 1 "cannot open kernel '$d/nope': No such file" run -k $d/nope -m 16
expect 1 "kernel '$d' is not a regular file" run -k $d -m 16
expect 1 "too big for guest RAM|does not fit in --mem 16" run -k $d/big.bin -m 16
expect 1 "does not fit in --mem 20" run -k $d/big.bin -m 20
expect 1 "cannot open initrd" run -k $d/off.bin -i $d/nope -m 16
expect 1 "initrd .* together do not fit" run -k $d/off.bin -i $d/15m.bin -m 16
expect 2 "no kernel" run -m 16
expect 2 "--cpus 513: must be between 1 and 512" run -k $d/off.bin -c 513
expect 2 "--max-cpus 2 is less than --cpus 4" run -k $d/off.bin -c 4 --max-cpus 2
expect 2 "--max-cpus needs --psci=user" run -k $d/off.bin --max-cpus 2 --psci=kernel
expect 1 "cannot create virtio-blk 0: disk.img: No such file or directory" run -k $d/off.bin -d disk.img
expect 2 "--9p: hotvm has no 9p" run -k $d/off.bin --9p /x,tag
expect 2 "--tty: hotvm has one console" run -k $d/off.bin --tty 1
expect 2 "unknown option '--frobnicate'" run -k $d/off.bin --frobnicate
expect 2 "--irqchip gicv2: must be one of gicv3, gicv3-its" run -k $d/off.bin --irqchip=gicv2
expect 2 "--console virtio: must be one of serial" run -k $d/off.bin --console virtio
expect 2 "mode=user is not supported (tap or none; hotvm has no user-mode network stack)" run -k $d/off.bin --network mode=user
expect 2 "--mem 2: must be between" run -k $d/off.bin -m 2
expect 2 "--mem 12x: not a number" run -k $d/off.bin -m 12x
expect 2 "unknown command" frobnicate
# kvmtool options that do apply are accepted.
expect 0 "" run -k $d/off.bin -m 16 --console serial --network mode=none --nodefaults \
	--irqchip=gicv3-its --loglevel=error -p "quiet"
expect 0 "--max-cpus" run --help
expect 0 "run" --help

# Nothing left behind: no files in the working directory, no hotvm running.
left=$(ls $d | grep -vE '^(off.bin|big.bin|15m.bin|out)$')
[ -z "$left" ] && echo "ok - nothing left behind" || { echo "not ok - left: $left"; fail=1; }
ps | grep -v grep | grep -q "hotvm run" && { echo "not ok - hotvm still running"; fail=1; }
rm -rf $d
exit $fail
