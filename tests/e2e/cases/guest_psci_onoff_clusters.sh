# CPU_ON/CPU_OFF cycles and AFFINITY_INFO levels over two clusters
# (18 vCPUs: Aff1 = 0 for cpus 0-15, 1 for cpus 16-17). PSCI in hotvm.
# timeout: 90
. $T/lib.sh
run_guest psci_onoff user "rounds=20" -c 18
