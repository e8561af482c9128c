# Linux guest (Debian 6.12 Image, tools/mkguestinitrd) with 4 vCPUs and
# PSCI in hotvm: all 4 online, ttyS0 is the 16550, 10
# offline/online cycles each of cpus 1-3, all three offline at once and
# back; poweroff -f exits 0.
# timeout: 120
. $T/lib.sh
LINUX_ARGS="hotvm.ncpus=4 hotvm.cycles=10"
run_linux cpus user -c 4
