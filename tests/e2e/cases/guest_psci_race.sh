# Concurrent CPU_ON of one target from 3 CPUs, 200 rounds: exactly one
# SUCCESS and two ALREADY_ON each time (tests/guest/psci_race.c).
# timeout: 90
. $T/lib.sh
run_guest psci_race user "rounds=200" -c 4
