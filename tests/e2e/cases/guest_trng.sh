# TRNG (ARM DEN 0098) over HVC and SMC: VERSION, FEATURES, GET_UUID,
# RND32/RND64 with good and bad N (tests/guest/trng.c). hotvm's TRNG.
# timeout: 60
. $T/lib.sh
run_guest trng user "" -c 1
