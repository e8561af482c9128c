# CPU_SUSPEND standby and power-down woken by the virtual timer on CPU 0
# and CPU 1, CPU_DEFAULT_SUSPEND, PSCI_STAT_*, NODE_HW_STATE, SYSTEM_SUSPEND
# if offered (tests/guest/psci_suspend.c). PSCI in hotvm.
# timeout: 60
. $T/lib.sh
run_guest psci_suspend user "" -c 2
