# CPU_ON/CPU_OFF cycles of all secondaries (300 rounds x 3), x0 = context
# ID and MMU off at entry, AFFINITY_INFO levels 0-3 and ON/OFF/ON_PENDING
# (tests/guest/psci_onoff.c). PSCI in hotvm.
# timeout: 90
. $T/lib.sh
run_guest psci_onoff user "rounds=300" -c 4
