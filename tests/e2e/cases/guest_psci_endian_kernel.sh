# The same endianness checks against KVM's in-kernel PSCI: the reference.
# timeout: 60
. $T/lib.sh
run_guest psci_endian kernel "" -c 2
