# make soak: e2e virtio_blk_kill with KILLS=20 kill -9s of hotvm at random
# moments (0-2 s) under the guest's disk load; every record the guest
# synced intact after each, e2fsck clean, the next start on the same
# socket path and disk works.
# timeout: 1800
export KILLS=${KILLS:-20}
. "$T/lib.sh"
soak_case virtio_blk_kill
t=$(sed -n 's/^soak-total: kills \([0-9]*\) records \([0-9]*\) bytes \([0-9]*\) ms \([0-9]*\)$/kills=\1 records_synced=\2 bytes=\3 ms=\4/p' /tmp/soak.out)
echo "SOAK-TOTAL: kill-9 ${t:-kills=?} exit=$SOAK_RC"
exit "$SOAK_RC"
