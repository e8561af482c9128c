# make soak: e2e api_malformed with MESSAGES=10000 malformed control
# messages from CLIENTS=24 concurrent connections (each also holds one
# half-written request for the whole run); the VM unaffected, hotvm's RSS
# and fds flat.
# timeout: 1200
export MESSAGES=${MESSAGES:-10000} CLIENTS=${CLIENTS:-24}
. "$T/lib.sh"
soak_case api_malformed
t=$(sed -n 's/^soak-total: messages \([0-9]*\) clients \([0-9]*\) rss_kb \([0-9]*\) [0-9]* [0-9]* \([0-9]*\) fds \([0-9]*\) \([0-9]*\)$/messages=\1 clients=\2 rss_kib_first_quarter=\3 rss_kib_end=\4 fds=\5->\6/p' /tmp/soak.out)
echo "SOAK-TOTAL: api-malformed ${t:-messages=?} exit=$SOAK_RC"
exit "$SOAK_RC"
