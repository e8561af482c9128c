# tests/guest/trng.c against KVM's in-kernel TRNG (--psci=kernel).
# timeout: 60
. $T/lib.sh
run_guest trng kernel "" -c 1
