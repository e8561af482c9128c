# SYSTEM_OFF from CPU 2 while CPUs 0 and 1 run: hotvm exits 0
# (tests/guest/psci_off.c). PSCI in hotvm.
# timeout: 60
. $T/lib.sh
run_guest psci_off user "" -c 3
