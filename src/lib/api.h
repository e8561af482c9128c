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

struct api_ops {
	struct fw *fw;	      /* NULL with in-kernel PSCI: status shows less */
	unsigned int ncpus;   /* possible vCPUs */
	bool hotplug; /* false with in-kernel PSCI: cpu-add/remove unavailable */
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
