# KVM backend seed: PSCI_VERSION forwarded to userspace by the SMCCC filter
# (HVC and SMC), answered, seen by the guest; late filter install -> EBUSY.
# timeout: 60
kvm_smoke
