# tests/guest/psci_off.c with KVM's in-kernel PSCI.
# timeout: 60
. $T/lib.sh
run_guest psci_off kernel "" -c 3
