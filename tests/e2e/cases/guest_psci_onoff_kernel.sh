# tests/guest/psci_onoff.c with KVM's in-kernel PSCI.
# timeout: 90
. $T/lib.sh
run_guest psci_onoff kernel "rounds=300" -c 4
