# CPU_ON targets take the caller's endianness and power-down resumes the
# CPU's own (tests/guest/psci_endian.c). PSCI in hotvm.
# timeout: 60
. $T/lib.sh
run_guest psci_endian user "" -c 2
