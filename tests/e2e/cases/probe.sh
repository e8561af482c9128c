# hotvm probe: the host's KVM has everything hotvm needs.
# timeout: 30
set -e
$HOTVM --version
$HOTVM probe
