# tests/guest/psci_reset.c with KVM's in-kernel PSCI.
# timeout: 60
. $T/lib.sh
run_guest psci_reset kernel "" -c 2
