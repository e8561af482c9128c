# tests/guest/psci_api.c with KVM's in-kernel PSCI (--psci=kernel): the
# guest expects KVM's answers (original power_state format, no
# CPU_DEFAULT_SUSPEND/NODE_HW_STATE/STAT_*, OFF for absent MPIDRs).
# timeout: 60
. $T/lib.sh
run_guest psci_api kernel "" -c 4
