/* SPDX-License-Identifier: MIT */
/*
 * The control API server: a UNIX socket speaking the protocol of
 * src/lib/proto.h (docs/api.md), served by one thread of its own.
 *
 * The VMM hands it the firmware core (status, hot-plug) and callbacks for
 * what only the VMM can do (shutdown, reboot). Power events are pushed with
 * api_emit() from any thread: it never blocks on a client (it queues the
 * event and wakes the server thread through a pipe).
 */
#ifndef HOTVM_API_H
#define HOTVM_API_H

#include <stdbool.h>
#include <stddef.h>

struct fw;

/*
 * With --acpi the guest is told of hot-plug (docs/acpi.md): cpu-add
 * notifies it, cpu-remove asks it to eject the vCPU and waits for that.
 * Return values of add/remove: API_HP_* or -errno.
 */
enum api_hp_result {
	API_HP_CHANGED,	  /* enabled and notified; disabled at once (guest never told) */
	API_HP_UNCHANGED, /* already enabled / already disabled */
	API_HP_WAIT,	  /* eject requested (or already in flight): the guest decides */
};

struct api_hotplug {
	int (*add)(void *opaque, unsigned int cpu);	    /* -EBUSY: being removed */
	int (*remove)(void *opaque, unsigned int cpu);	    /* -EPERM: the boot vCPU */
	bool (*removing)(void *opaque, unsigned int cpu);   /* eject still awaited? */
	/* How many removals of the vCPU happened so far (a count that only grows). */
	unsigned int (*removals)(void *opaque, unsigned int cpu);
	/* Stop waiting, the vCPU stays enabled; true if the guest had read the request. */
	bool (*cancel)(void *opaque, unsigned int cpu);
};

struct api_ops {
	struct fw *fw;	      /* NULL with in-kernel PSCI: status shows less */
	unsigned int ncpus;   /* possible vCPUs */
	bool hotplug; /* false with in-kernel PSCI: cpu-add/remove unavailable */
	/* NULL: cpu-add/remove only open/close PSCI's gate (the DT flow); static */
	const struct api_hotplug *acpi;
	void *opaque;
	/*
	 * Ask the VM to power off / reboot; 0 or -errno (-ESHUTDOWN: refused,
	 * the VM is already shutting down). Must not block.
	 */
	int (*shutdown)(void *opaque);
	int (*reboot)(void *opaque);
	/* "running", "rebooting", "shutting-down", ... */
	const char *(*state)(void *opaque);
};

struct api;

/*
 * Create the socket at @path (mode 0600) and start serving. An existing
 * socket nobody listens on (left by a killed hotvm) is replaced, with a
 * note on stderr; a live one, anything else at @path, or an error checking
 * it is refused. NULL on failure with a message in @err.
 */
struct api *api_start(const char *path, const struct api_ops *ops, char *err, size_t errlen);
/* Deliver queued events, close every client, remove the socket if still ours. */
void api_stop(struct api *api);
/* Queue a power event for every "events" subscriber; @cpu < 0: none. */
void api_emit(struct api *api, const char *type, int cpu);
/* The same with a "kind" (static string, or NULL), e.g. system-off's "hibernate". */
void api_emit_kind(struct api *api, const char *type, int cpu, const char *kind);

#endif
