# Hot-plug: --cpus 2 --max-cpus 4: CPU_ON of cpus 2-3 is DENIED, they stay
# OFF, cpu 1 cycles (tests/guest/psci_hotplug.c). Userspace PSCI only:
# KVM's own PSCI cannot deny a CPU.
# timeout: 60
. $T/lib.sh
run_guest psci_hotplug user "hotvm.enabled=2" -c 2 --max-cpus 4
