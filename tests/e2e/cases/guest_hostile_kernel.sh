# The hostile guest against KVM's in-kernel PSCI (--psci=kernel): the same
# random calls, storms and resets; KVM answers PSCI, hotvm the resets.
# Checks the guest's spec model against KVM, and hotvm's memory again.
# timeout: 120
. $T/lib.sh
. $T/hostile.sh
run_hostile kernel "enabled=4 rounds=3 resets=50 calls=20000 storm=2000" -c 4
