# SYSTEM_RESET from CPU 0 and from CPU 1 (SMC), SYSTEM_RESET2: in-process
# reboots keep non-image RAM (boot counter) and reload the image
# (tests/guest/psci_reset.c). PSCI in hotvm.
# timeout: 60
. $T/lib.sh
run_guest psci_reset user "" -c 2
