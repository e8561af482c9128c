# tests/guest/psci_suspend.c with KVM's in-kernel PSCI (power-down may
# return in place: KVM treats CPU_SUSPEND as WFI).
# timeout: 60
. $T/lib.sh
run_guest psci_suspend kernel "" -c 2
