# The control API against a running Linux guest: resize up and down (and
# its all-or-nothing refusal), every kind of bad request over the real
# socket, the socket's mode and lifetime, shutdown from the host, and
# hot-plug refused with KVM's in-kernel PSCI.
# timeout: 240
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-api.sock
CTL="$HOTVM ctl --api-socket $SOCK"
failures=0
fail() {
	echo "FAIL: $*"
	vm_kill
	exit 1
}
check() { # check WHAT CMD...: CMD must succeed
	_what=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		echo "ok - $_what"
	else
		echo "not ok - $_what: $(cat /tmp/check.out)"
		failures=$((failures + 1))
	fi
}
refuse() { # refuse WHAT CODE CMD...: CMD must fail with error code CODE
	_what=$1 _code=$2
	shift 2
	if "$@" >/tmp/check.out 2>&1; then
		echo "not ok - $_what: succeeded: $(cat /tmp/check.out)"
		failures=$((failures + 1))
	elif grep -q "$_code" /tmp/check.out; then
		echo "ok - $_what: $(head -c 160 /tmp/check.out | tr '\n' ' ')"
	else
		echo "not ok - $_what: wanted $_code: $(cat /tmp/check.out)"
		failures=$((failures + 1))
	fi
}
online() { # the guest's online mask
	vm_sh "cat /sys/devices/system/cpu/online" 30
}
cpu() { # cpu N 0|1: offline/online cpuN in the guest
	vm_sh "echo $2 > /sys/devices/system/cpu/cpu$1/online" 30
}

rm -f "$SOCK"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || fail "the guest did not boot"

# The socket: mode 0600, and a second hotvm cannot take the same path.
mode=$(stat -c %a "$SOCK")
[ "$mode" = 600 ] && echo "ok - socket mode 0600" || { echo "not ok - socket mode $mode"; failures=$((failures + 1)); }
refuse "a second hotvm on the same socket path" "is in use" \
	$HOTVM run -k "$T/linux/Image" -m 64 --api-socket "$SOCK"

# resize up: vCPUs 2 and 3 become available to the guest.
check "resize --cpus 4" $CTL resize --cpus 4
check "guest onlines cpu2" cpu 2 1
check "guest onlines cpu3" cpu 3 1
[ "$(online)" = "0-3" ] && echo "ok - cpus 0-3 online" || { echo "not ok - online $(online)"; failures=$((failures + 1)); }
# resize down is all or nothing while the guest uses the vCPUs.
refuse "resize --cpus 2 with cpus 2-3 online" "busy" $CTL resize --cpus 2
check "guest offlines cpu3" cpu 3 0
refuse "resize --cpus 2 with cpu2 still online" "busy" $CTL resize --cpus 2
$CTL --json status | grep -q '"enabled":4' && echo "ok - refused resize changed nothing" ||
	{ echo "not ok - refused resize changed something"; failures=$((failures + 1)); }
check "resize --cpus 3 (disables the off cpu3)" $CTL resize --cpus 3
refuse "guest cannot online cpu3 after resize" "not permitted" cpu 3 1
check "guest offlines cpu2" cpu 2 0
refuse "resize --cpus 1 with cpu1 online" "busy" $CTL resize --cpus 1
check "guest offlines cpu1" cpu 1 0
check "resize --cpus 1" $CTL resize --cpus 1
refuse "guest cannot online cpu1 after resize" "not permitted" cpu 1 1
refuse "guest cannot online cpu2 after resize" "not permitted" cpu 2 1
check "resize --cpus 3" $CTL resize --cpus 3
check "guest onlines cpu1 again" cpu 1 1
$CTL --json status | grep -q '"index":1,"mpidr":"0x1","enabled":true' &&
	$CTL --json status | grep -q '"index":2,"mpidr":"0x2","enabled":true' &&
	$CTL --json status | grep -q '"index":3,"mpidr":"0x3","enabled":false' &&
	echo "ok - resize up enables the lowest disabled vCPUs" ||
	{ echo "not ok - resize up: $($CTL --json status)"; failures=$((failures + 1)); }

# Bad requests, over the real socket: each a specific error, the VM unaffected.
refuse "malformed JSON" "parse-error" $CTL raw '{"op":'
refuse "not an object" "invalid-request" $CTL raw '[1,2]'
refuse "unknown operation" "unknown-operation" $CTL raw '{"op":"explode"}'
refuse "unknown field" "invalid-request" $CTL raw '{"op":"status","cpu":1}'
refuse "wrong version" "unsupported-version" $CTL raw '{"op":"status","version":2}'
refuse "vCPU out of range" "out-of-range" $CTL cpu-add 4
refuse "huge vCPU index" "out-of-range" $CTL raw '{"op":"cpu-add","cpu":4294967296}'
refuse "negative vCPU" "out-of-range" $CTL raw '{"op":"cpu-remove","cpu":-1}'
refuse "boot vCPU removal" "not-permitted" $CTL cpu-remove 0
refuse "request over 64 KiB" "request-too-large" $CTL raw "$(head -c 70000 /dev/zero | tr '\0' ' ')"
refuse "ctl usage error" "needs one vCPU index" $CTL cpu-add two
refuse "ctl to a missing socket" "cannot connect" $HOTVM ctl --api-socket /tmp/nope.sock status
check "the VM still answers" $CTL status
check "the guest still answers" vm_sh "true"

# Shutdown from the host: exit status 0, socket removed.
check "shutdown" $CTL shutdown
vm_wait 60
rc=$?
[ $rc -eq 0 ] && echo "ok - hotvm exited 0 after shutdown" || { echo "not ok - exit $rc"; failures=$((failures + 1)); }
[ ! -e "$SOCK" ] && echo "ok - socket removed at exit" || { echo "not ok - socket left behind"; failures=$((failures + 1)); }

# With KVM's in-kernel PSCI the API works but hot-plug is unavailable.
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m 256 -c 2 --psci=kernel \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || fail "the guest did not boot (--psci=kernel)"
check "status with --psci=kernel" $CTL status
refuse "cpu-add with --psci=kernel" "unavailable" $CTL cpu-add 1
check "reboot from the host" $CTL reboot
vm_expect "hotvm-guest: shell ready" 120 && echo "ok - guest rebooted in-process" ||
	{ echo "not ok - no second boot"; failures=$((failures + 1)); }
check "shutdown" $CTL shutdown
vm_wait 60 || { echo "not ok - exit status $? after shutdown"; failures=$((failures + 1)); }

echo "$failures failures"
[ $failures -eq 0 ]
