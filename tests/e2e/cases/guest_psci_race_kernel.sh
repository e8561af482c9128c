# tests/guest/psci_race.c with KVM's in-kernel PSCI.
# timeout: 90
. $T/lib.sh
run_guest psci_race kernel "rounds=200" -c 4
