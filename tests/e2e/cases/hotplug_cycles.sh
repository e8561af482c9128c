# 200 cycles of hot-add / online / offline / hot-remove of vCPU 2 in a Linux
# guest: no hang, every step as expected, and hotvm's own memory (RSS
# without guest RAM) does not grow.
# timeout: 300
. "$T/console.sh"
set -u
SOCK=/tmp/hotvm-cycles.sock
CTL="$HOTVM ctl --api-socket $SOCK"
MEM=256
CYCLES=${CYCLES:-200}
fail() {
	echo "FAIL: $*"
	tail -n 20 "$VM_OUT"
	vm_kill
	exit 1
}
rm -f "$SOCK"
vm_start -k "$T/linux/Image" -i "$T/linux/initrd.cpio" -m $MEM -c 2 --max-cpus 4 \
	--api-socket "$SOCK" -p "quiet console=ttyS0 hotvm.test=shell"
vm_expect "hotvm-guest: shell ready" 120 || fail "the guest did not boot"
on=/sys/devices/system/cpu/cpu2/online
i=1
while [ $i -le $CYCLES ]; do
	$CTL cpu-add 2 >/dev/null || fail "cycle $i: cpu-add 2"
	vm_sh "echo 1 > $on && echo 0 > $on" 30 || fail "cycle $i: online/offline in the guest"
	$CTL cpu-remove 2 >/dev/null || fail "cycle $i: cpu-remove 2"
	case $i in
	20) rss20=$(vm_rss $MEM) ;;
	100) rss100=$(vm_rss $MEM) ;;
	esac
	i=$((i + 1))
done
rss_end=$(vm_rss $MEM)
[ "${rss20:-0}" -gt 0 ] && [ "${rss100:-0}" -gt 0 ] && [ "$rss_end" -gt 0 ] ||
	fail "could not read hotvm's memory use"
vm_sh "echo 1 > $on" 30 && fail "cpu2 onlined after its last cpu-remove"
$CTL --json status | grep -q '"index":2,"mpidr":"0x2","enabled":false,"power":"off"' ||
	fail "status after the cycles: $($CTL --json status)"
echo "ok - $CYCLES cycles of cpu-add, online, offline, cpu-remove"
echo "hotvm RSS without guest RAM: ${rss20} KiB after 20 cycles, ${rss100} KiB after 100, ${rss_end} KiB after $CYCLES"
# After warm-up, growth over the last 100 cycles must stay within 64 KiB
# (allocator noise); a leak of even 1 KiB a cycle would show 100 KiB.
[ $((rss_end - rss100)) -le 64 ] || fail "hotvm memory grew by $((rss_end - rss100)) KiB over 100 cycles"
echo "ok - no memory growth"
echo "poweroff -f" >&7
vm_wait 60 || fail "hotvm exit status $? after poweroff"
echo "PASS"
