# Linux guest with 2 vCPUs and --irqchip=gicv3-its: on its first boot it
# finds the ITS, enables LPIs on both CPUs, IPIs reach both CPUs, the timer
# wakes `sleep 1`; `reboot -f` reboots in-process and the second boot is as
# clean: the vGIC and the ITS were reset (no "Booted with LPIs enabled",
# no taint, no WARNING), both CPUs online, IPIs and timer work; poweroff -f
# exits 0. (hotvm.test=irqreboot in tools/mkguestinitrd.)
# timeout: 180
. $T/lib.sh
LINUX_ARGS="hotvm.ncpus=2 hotvm.its=1"
run_linux irqreboot user -c 2 --irqchip=gicv3-its
