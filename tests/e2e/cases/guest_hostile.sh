# A hostile guest (tests/guest/hostile.c): random SMCCC calls (every owner,
# HVC/SMC/SMC #1, reserved bits, random x1..x17) at full speed on 4 vCPUs,
# CPU_ON storms at one target (and at a disabled vCPU: DENIED); 3 work
# rounds and 50 back-to-back SYSTEM_RESETs. hotvm (PSCI in userspace, seccomp
# on) answers every call within the spec, stays up, and its memory outside
# guest RAM does not grow between boot 1 and the last boot.
# HOSTILE_CALLS (20000 calls per vCPU per round: 240,000 in all) and
# HOSTILE_ROUNDS (3) from the environment; `make soak` runs 84000 x 3 x 4
# vCPUs = 1,008,000 calls.
# timeout: 120
. $T/lib.sh
. $T/hostile.sh
run_hostile user "enabled=4 rounds=${HOSTILE_ROUNDS:-3} resets=50 calls=${HOSTILE_CALLS:-20000} storm=2000" \
	-c 4 --max-cpus 6
