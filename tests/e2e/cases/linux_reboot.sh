# Linux guest with 4 vCPUs and PSCI in hotvm: reboot -f reboots in-process
# (the RTC marks the first boot), the second boot has all 4 CPUs online
# again; poweroff -f exits 0.
# timeout: 120
. $T/lib.sh
LINUX_ARGS="hotvm.ncpus=4"
run_linux reboot user -c 4
