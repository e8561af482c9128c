# PSCI API from one CPU over HVC and SMC: PSCI_VERSION, PSCI_FEATURES of
# the whole PSCI range checked against the calls, reserved/unknown IDs,
# SMC32 truncation, bad arguments (tests/guest/psci_api.c). PSCI in hotvm.
# timeout: 60
. $T/lib.sh
run_guest psci_api user "" -c 4
