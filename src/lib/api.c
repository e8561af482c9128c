// SPDX-License-Identifier: MIT
/*
 * Control API server (docs/api.md): one thread, poll() over the listening
 * socket, a wake-up pipe and up to API_MAX_CLIENTS clients. Requests are
 * answered in order, one line each; "events" turns a client into a
 * subscriber that receives every later power event.
 *
 * Nothing a client does can stall the VM: sockets are non-blocking, a
 * client's pending output is bounded (a subscriber that does not read is
 * dropped), a request is bounded by PROTO_MAX_LINE, and api_emit() only
 * appends to a bounded queue under a mutex held for a few instructions.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fw/fw.h"
#include "lib/proto.h"
#include "lib/api.h"

#define API_MAX_CLIENTS 64
#define API_MAX_OUTPUT (1u << 20) /* pending bytes per client before we drop it */
#define API_QUEUE 1024		   /* events queued between two server wake-ups */
#define API_ACCEPT_PAUSE_MS 100	   /* out of fds: how long to stop accepting */

struct api_event {
	const char *type; /* static string */
	int cpu;
	const char *kind; /* static string or NULL */
	uint64_t time_ns;
};

struct api_client {
	int fd;
	uint64_t serial; /* which connection holds this slot (0: none) */
	bool events;  /* subscribed */
	bool closing; /* close once the output is flushed */
	char *in;     /* PROTO_MAX_LINE bytes */
	size_t inlen;
	bool discarding; /* inside an over-long line: skip to its newline */
	char *out;
	size_t outlen, outcap;
};

/*
 * A request whose answer waits for the guest (--acpi cpu-remove, a shrinking
 * resize): kept per client slot, outside struct api_client so that a client
 * that hangs up is noticed (its serial no longer matches) and its removals
 * are withdrawn. While one is pending, the client's later requests wait.
 */
struct api_wait {
	bool active;
	uint64_t serial;	      /* the client it answers */
	struct proto_req req;	      /* its id is echoed */
	uint64_t deadline_ns;
	unsigned int timeout_s;
	int want;		      /* resize: the target; cpu-remove: -1 */
	bool cpu[FW_MAX_CPUS];	      /* vCPUs whose eject it waits for */
	unsigned int gen[FW_MAX_CPUS]; /* their removal counts before it asked */
	bool changed[FW_MAX_CPUS];    /* resize: vCPUs it changed so far */
};

struct api {
	struct api_ops ops;
	uint64_t serial; /* last client serial given out */
	struct api_wait wait[API_MAX_CLIENTS];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t sock_dev; /* the socket file we created at @path */
	ino_t sock_ino;
	bool sock_owned;
	int listen_fd;
	int wake[2]; /* pipe: api_emit()/api_stop() -> server thread */
	pthread_t thread;
	bool stopping;
	bool accept_warned; /* accept() ran out of fds or memory, said so once */
	struct api_client clients[API_MAX_CLIENTS];

	pthread_mutex_t lock; /* protects the event queue and stopping */
	struct api_event queue[API_QUEUE];
	unsigned int nqueued;
	uint64_t lost; /* events dropped because the queue was full */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void client_close(struct api_client *c)
{
	if (c->fd >= 0) {
		close(c->fd);
	}
	if (c->in) {
		munmap(c->in, PROTO_MAX_LINE);
	}
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Queue @line (taken over) for @c; drop the client if it stopped reading. */
static void client_send(struct api_client *c, char *line)
{
	size_t n;

	if (!line) {
		c->closing = true; /* out of memory: give up on this client */
		return;
	}
	n = strlen(line);
	if (c->outlen + n > API_MAX_OUTPUT) {
		free(line);
		client_close(c);
		return;
	}
	if (c->outlen + n > c->outcap) {
		size_t cap = (c->outlen + n) * 2;
		char *p = realloc(c->out, cap);

		if (!p) {
			free(line);
			client_close(c);
			return;
		}
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, line, n);
	c->outlen += n;
	free(line);
}

static void client_flush(struct api_client *c)
{
	while (c->fd >= 0 && c->outlen) {
		ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN) {
				client_close(c);
			}
			return;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	if (c->fd >= 0 && c->closing && !c->outlen) {
		client_close(c);
	}
}

/* --acpi: "ejecting" on each vCPU of a status, true while its removal waits. */
static bool mark_ejecting(struct api *api, struct json_object *res)
{
	struct json_object *cpus;
	bool good = json_object_object_get_ex(res, "vcpus", &cpus);

	for (size_t i = 0; good && i < json_object_array_length(cpus); i++) {
		bool e = api->ops.acpi->removing(api->ops.opaque, (unsigned int)i);

		good = proto_set(json_object_array_get_idx(cpus, i), "ejecting",
				 json_object_new_boolean(e));
	}
	return good;
}

static char *do_status(struct api *api, const struct proto_req *req)
{
	struct fw_status *st;
	struct json_object *res;

	if (!api->ops.fw) {
		/* KVM's in-kernel PSCI: hotvm does not see the vCPUs' power states. */
		bool good;

		res = json_object_new_object();
		good = res != NULL;
		good = good && proto_set(res, "state",
					 json_object_new_string(api->ops.state(api->ops.opaque)));
		good = good && proto_set(res, "psci", json_object_new_string("kernel"));
		good = good && proto_set(res, "possible", json_object_new_int((int)api->ops.ncpus));
		good = good && proto_set(res, "hotplug", json_object_new_boolean(false));
		if (!good) {
			json_object_put(res);
			return proto_error(req, PROTO_EINTERNAL, "out of memory");
		}
		return proto_ok(req, res);
	}
	st = malloc(sizeof(*st));
	if (!st) {
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	fw_status(api->ops.fw, st);
	res = proto_status(st, api->ops.state(api->ops.opaque));
	free(st);
	if (!res) {
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	if (api->ops.acpi && !mark_ejecting(api, res)) {
		json_object_put(res);
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	if (!proto_set(res, "psci", json_object_new_string("user")) ||
	    !proto_set(res, "hotplug", json_object_new_boolean(api->ops.hotplug)) ||
	    !proto_set(res, "acpi_hotplug", json_object_new_boolean(api->ops.acpi != NULL))) {
		json_object_put(res);
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	return proto_ok(req, res);
}

/* The answer to a change that was made, or an error saying so if it cannot be built. */
static char *answer_done(const struct proto_req *req, struct json_object *res, bool good)
{
	if (!good) {
		json_object_put(res);
		return proto_error(req, PROTO_EINTERNAL,
				   "out of memory building the answer (the change was made: "
				   "see status)");
	}
	return proto_ok(req, res);
}

/* @guest: what the guest was told (--acpi: "notified", "ejected", ...), or NULL. */
static char *cpu_answer(const struct proto_req *req, unsigned int cpu, bool enabled,
			bool changed, const char *guest)
{
	struct json_object *res = json_object_new_object();
	bool good = res != NULL;

	good = good && proto_set(res, "cpu", json_object_new_int((int)cpu));
	good = good && proto_set(res, "enabled", json_object_new_boolean(enabled));
	good = good && proto_set(res, "changed", json_object_new_boolean(changed));
	if (guest) {
		good = good && proto_set(res, "guest", json_object_new_string(guest));
	}
	return answer_done(req, res, good);
}

/* The answer to a cpu-add/cpu-remove that failed with @ret: the boot vCPU, or else. */
static char *cpu_error(const struct proto_req *req, unsigned int cpu, int ret)
{
	char msg[160];

	if (ret == -EPERM) {
		snprintf(msg, sizeof(msg), "vCPU %u is the boot vCPU and cannot be removed", cpu);
		return proto_error(req, PROTO_EPERM, msg);
	}
	snprintf(msg, sizeof(msg), "vCPU %u: %s", cpu, strerror(-ret));
	return proto_error(req, PROTO_EINTERNAL, msg);
}

static struct api_wait *wait_of(struct api *api, struct api_client *c)
{
	return &api->wait[c - api->clients];
}

/* Start waiting for the guest to eject what @w->cpu lists; the answer comes later. */
static void wait_start(struct api_client *c, struct api_wait *w, struct proto_req *req)
{
	w->active = true;
	w->serial = c->serial;
	w->req = *req;
	req->id = NULL; /* the wait owns it now */
	w->timeout_s = req->timeout ? (unsigned int)req->timeout : PROTO_TIMEOUT_DEFAULT;
	w->deadline_ns = now_ns() + (uint64_t)w->timeout_s * 1000000000ull;
}

/*
 * --acpi: cpu-add enables vCPU @cpu and sends the guest a device check;
 * cpu-remove sends an eject request and waits (NULL: answered later).
 */
static char *do_cpu_acpi(struct api *api, struct api_client *c, struct proto_req *req,
			 unsigned int cpu, bool on)
{
	const struct api_hotplug *hp = api->ops.acpi;
	struct api_wait *w = wait_of(api, c);
	unsigned int gen;
	char msg[240];
	int ret;

	gen = hp->removals(api->ops.opaque, cpu);
	ret = on ? hp->add(api->ops.opaque, cpu) : hp->remove(api->ops.opaque, cpu);
	switch (ret) {
	case API_HP_CHANGED:
		/* a removal done at once: the guest had not read the vCPU's device check */
		return cpu_answer(req, cpu, on, true, on ? "notified" : "never-told");
	case API_HP_UNCHANGED:
		return cpu_answer(req, cpu, on, false, NULL);
	case API_HP_WAIT:
		memset(w, 0, sizeof(*w));
		w->want = -1;
		w->cpu[cpu] = true;
		w->gen[cpu] = gen;
		wait_start(c, w, req);
		return NULL;
	case -EBUSY:
		snprintf(msg, sizeof(msg),
			 "vCPU %u is being removed: the guest was asked to eject it; wait for "
			 "that cpu-remove's answer (or its timeout) before adding it again",
			 cpu);
		return proto_error(req, PROTO_EBUSY, msg);
	default:
		return cpu_error(req, cpu, ret);
	}
}

/* Enable (@on) or disable vCPU @cpu; the answer for cpu-add/cpu-remove. */
static char *do_cpu(struct api *api, const struct proto_req *req, unsigned int cpu, bool on)
{
	struct fw *fw = api->ops.fw;
	struct fw_status *st;
	char msg[200];
	bool was;
	int ret;

	st = malloc(sizeof(*st));
	if (!st) {
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	fw_status(fw, st);
	if (cpu >= st->ncpus) {
		snprintf(msg, sizeof(msg), "no vCPU %u: this VM has %u possible vCPUs (0-%u)", cpu,
			 st->ncpus, st->ncpus - 1);
		free(st);
		return proto_error(req, PROTO_ERANGE, msg);
	}
	was = st->cpu[cpu].enabled;
	free(st);
	ret = on ? fw_enable(fw, cpu) : fw_disable(fw, cpu);
	switch (ret) {
	case 0:
		break;
	case -EBUSY:
		snprintf(msg, sizeof(msg),
			 "vCPU %u is powered on in the guest (%s): the guest must offline it first, "
			 "e.g. echo 0 > /sys/devices/system/cpu/cpu%u/online",
			 cpu, proto_powername(fw_state(fw, cpu)), cpu);
		return proto_error(req, PROTO_EBUSY, msg);
	default:
		return cpu_error(req, cpu, ret);
	}
	if (was != on) {
		api_emit(api, on ? "cpu-enabled" : "cpu-disabled", (int)cpu);
	}
	return cpu_answer(req, cpu, on, was != on, NULL);
}

/* The answer to a resize: "enabled" and the list of vCPUs it changed. */
static char *resize_answer(const struct proto_req *req, int want, const bool *changed,
			   unsigned int ncpus)
{
	struct json_object *res = json_object_new_object();
	struct json_object *list = json_object_new_array();
	bool good = res && list;

	for (unsigned int i = 0; i < ncpus; i++) {
		if (changed[i]) {
			good = good && proto_push(list, json_object_new_int((int)i));
		}
	}
	good = good && proto_set(res, "enabled", json_object_new_int(want));
	if (good) {
		good = proto_set(res, "changed", list);
		list = NULL;
	}
	json_object_put(list);
	return answer_done(req, res, good);
}

/*
 * Resize to req->cpus enabled vCPUs with fw_resize(): the lowest disabled
 * vCPUs are enabled, or the highest enabled ones that are off are disabled.
 * All or nothing, in one step under the core's lock: a guest CPU_ON racing
 * a refused shrink never sees a vCPU disabled for a moment.
 */
static char *do_resize(struct api *api, const struct proto_req *req)
{
	struct fw *fw = api->ops.fw;
	struct fw_status *st = malloc(sizeof(*st));
	bool flipped[FW_MAX_CPUS];
	unsigned int i, ncpus, noff = 0;
	int want = (int)req->cpus, ret;
	char msg[200];

	if (!st) {
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	/* Only this thread changes enabled flags: the snapshot tells each flip's direction. */
	fw_status(fw, st);
	ncpus = st->ncpus;
	if (want < 1 || want > (int)ncpus) {
		snprintf(msg, sizeof(msg), "cannot resize to %d vCPUs: between 1 and %u possible",
			 want, ncpus);
		free(st);
		return proto_error(req, PROTO_ERANGE, msg);
	}
	ret = fw_resize(fw, (unsigned int)want, flipped, &noff);
	if (ret == -EBUSY) {
		free(st);
		snprintf(msg, sizeof(msg),
			 "cannot shrink to %d vCPUs: only %u enabled vCPUs are powered off; "
			 "offline vCPUs in the guest first (nothing was changed)",
			 want, noff);
		return proto_error(req, PROTO_EBUSY, msg);
	}
	if (ret < 0) {
		free(st);
		snprintf(msg, sizeof(msg), "resize to %d vCPUs: %s", want, strerror(-ret));
		return proto_error(req, PROTO_EINTERNAL, msg);
	}
	for (i = 0; i < ncpus; i++) {
		if (flipped[i]) {
			api_emit(api, st->cpu[i].enabled ? "cpu-disabled" : "cpu-enabled", (int)i);
		}
	}
	free(st);
	return resize_answer(req, want, flipped, ncpus);
}

/*
 * --acpi resize: growing adds the lowest disabled vCPUs (each notified);
 * shrinking asks the guest to eject the highest enabled ones, online or
 * not, and waits for every eject. Not one atomic step: the guest takes
 * part in every change.
 */
static char *do_resize_acpi(struct api *api, struct api_client *c, struct proto_req *req)
{
	const struct api_hotplug *hp = api->ops.acpi;
	struct api_wait *w = wait_of(api, c);
	unsigned int i, ncpus = api->ops.ncpus, have = 0, nwait = 0;
	int want = (int)req->cpus, ret;
	char msg[200];

	if (want < 1 || want > (int)ncpus) {
		snprintf(msg, sizeof(msg), "cannot resize to %d vCPUs: between 1 and %u possible",
			 want, ncpus);
		return proto_error(req, PROTO_ERANGE, msg);
	}
	memset(w, 0, sizeof(*w));
	w->want = want;
	for (i = 0; i < ncpus; i++) {
		have += fw_enabled(api->ops.fw, i);
	}
	for (i = 0; have < (unsigned int)want && i < ncpus; i++) {
		ret = hp->add(api->ops.opaque, i);
		if (ret == API_HP_CHANGED) {
			w->changed[i] = true;
			have++;
		} else if (ret < 0 && ret != -EBUSY) {
			snprintf(msg, sizeof(msg), "resize to %d vCPUs: adding vCPU %u: %s", want,
				 i, strerror(-ret));
			return proto_error(req, PROTO_EINTERNAL, msg);
		}
	}
	for (i = ncpus; have > (unsigned int)want && i-- > 1;) {
		if (!fw_enabled(api->ops.fw, i)) {
			continue;
		}
		w->gen[i] = hp->removals(api->ops.opaque, i);
		ret = hp->remove(api->ops.opaque, i);
		if (ret == API_HP_CHANGED) {
			w->changed[i] = true;
			have--;
		} else if (ret == API_HP_WAIT) {
			w->cpu[i] = true;
			nwait++;
			have--;
		} else if (ret < 0) {
			snprintf(msg, sizeof(msg), "resize to %d vCPUs: removing vCPU %u: %s", want,
				 i, strerror(-ret));
			return proto_error(req, PROTO_EINTERNAL, msg);
		}
	}
	if (nwait) {
		wait_start(c, w, req);
		return NULL;
	}
	return resize_answer(req, want, w->changed, ncpus);
}

static char *handle(struct api *api, struct api_client *c, const char *line, size_t len)
{
	struct proto_req req;
	char msg[256];
	enum proto_err err = proto_parse(line, len, &req, msg, sizeof(msg));
	char *out;
	int ret;

	if (err) {
		out = proto_error(&req, err, msg);
		proto_free(&req);
		return out;
	}
	if (!api->ops.hotplug &&
	    (req.op == PROTO_CPU_ADD || req.op == PROTO_CPU_REMOVE || req.op == PROTO_RESIZE)) {
		out = proto_error(&req, PROTO_EUNAVAIL,
				  "vCPU hot-plug needs PSCI in userspace (--psci=user on "
				  "Linux >= 6.4); this VM uses KVM's in-kernel PSCI");
		proto_free(&req);
		return out;
	}
	switch (req.op) {
	case PROTO_STATUS:
		out = do_status(api, &req);
		break;
	case PROTO_CPU_ADD:
	case PROTO_CPU_REMOVE:
		if (api->ops.acpi && req.cpu >= api->ops.ncpus) {
			snprintf(msg, sizeof(msg), "no vCPU %lld: this VM has %u possible vCPUs (0-%u)",
				 (long long)req.cpu, api->ops.ncpus, api->ops.ncpus - 1);
			out = proto_error(&req, PROTO_ERANGE, msg);
		} else if (api->ops.acpi) {
			out = do_cpu_acpi(api, c, &req, (unsigned int)req.cpu,
					  req.op == PROTO_CPU_ADD);
		} else {
			out = do_cpu(api, &req, (unsigned int)req.cpu, req.op == PROTO_CPU_ADD);
		}
		break;
	case PROTO_RESIZE:
		out = api->ops.acpi ? do_resize_acpi(api, c, &req) : do_resize(api, &req);
		break;
	case PROTO_EVENTS:
		c->events = true;
		out = proto_ok(&req, json_object_new_object());
		break;
	case PROTO_SHUTDOWN:
	case PROTO_REBOOT:
		ret = req.op == PROTO_SHUTDOWN ? api->ops.shutdown(api->ops.opaque)
					       : api->ops.reboot(api->ops.opaque);
		if (ret == -ESHUTDOWN) {
			snprintf(msg, sizeof(msg), "%s refused: the VM is shutting down",
				 proto_opname(req.op));
			out = proto_error(&req, PROTO_EBUSY, msg);
		} else if (ret < 0) {
			snprintf(msg, sizeof(msg), "%s failed: %s", proto_opname(req.op),
				 strerror(-ret));
			out = proto_error(&req, PROTO_EINTERNAL, msg);
		} else {
			out = proto_ok(&req, NULL);
		}
		break;
	default:
		out = proto_error(&req, PROTO_EINTERNAL, "unhandled operation");
		break;
	}
	proto_free(&req);
	return out;
}

/*
 * Answer every complete line @c has sent, in order, until one must wait for
 * the guest: the rest stay buffered until that one is answered.
 */
static void client_lines(struct api *api, struct api_client *c)
{
	char *nl;

	while (c->fd >= 0 && !wait_of(api, c)->active && (nl = memchr(c->in, '\n', c->inlen))) {
		size_t len = (size_t)(nl - c->in);

		if (c->discarding) {
			c->discarding = false;
		} else if (len > 0) {
			char *out = handle(api, c, c->in, len);

			if (!wait_of(api, c)->active) {
				client_send(c, out);
			}
		}
		if (c->fd < 0) {
			return;
		}
		memmove(c->in, nl + 1, c->inlen - len - 1);
		c->inlen -= len + 1;
	}
}

/* Read what the client sent; answer every complete line. */
static void client_read(struct api *api, struct api_client *c)
{
	ssize_t n;

	n = recv(c->fd, c->in + c->inlen, PROTO_MAX_LINE - c->inlen, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* Gone, perhaps mid-request: nothing to answer. */
		client_close(c);
		return;
	}
	if (n < 0) {
		return;
	}
	c->inlen += (size_t)n;
	client_lines(api, c);
	if (c->fd >= 0 && c->inlen == PROTO_MAX_LINE && !memchr(c->in, '\n', c->inlen)) {
		/* A line of 64 KiB without its end: answer once, skip the rest. */
		if (!c->discarding) {
			client_send(c, proto_error(NULL, PROTO_ETOOBIG,
						   "request longer than 65535 bytes"));
		}
		c->discarding = true;
		c->inlen = 0;
	}
}

/* Is another pending request (not @self) also waiting for vCPU @cpu? */
static bool wait_shared(struct api *api, const struct api_wait *self, unsigned int cpu)
{
	for (unsigned int i = 0; i < API_MAX_CLIENTS; i++) {
		const struct api_wait *w = &api->wait[i];

		if (w != self && w->active && w->cpu[cpu] &&
		    api->clients[i].fd >= 0 && api->clients[i].serial == w->serial) {
			return true;
		}
	}
	return false;
}

/* The error a removal that ends without its ejects gets; @why names the reason. */
static char *wait_error(struct api *api, struct api_wait *w, enum proto_err code, const char *why)
{
	char msg[512], list[160] = "";
	size_t n = 0;
	unsigned int i, left = 0;

	for (i = 0; i < api->ops.ncpus; i++) {
		if (w->cpu[i] && fw_enabled(api->ops.fw, i)) {
			left++;
			if (n < sizeof(list) - 8) {
				n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%u", n ? ", " : "",
						      i);
			}
		}
	}
	snprintf(msg, sizeof(msg), "%s %s: %s; %s enabled", left == 1 ? "vCPU" : "vCPUs", list, why,
		 left == 1 ? "it stays" : "they stay");
	return proto_error(&w->req, code, msg);
}

/*
 * Answer every pending removal that is settled: all its vCPUs disabled
 * (ejected by the guest, or removed by a guest reboot), its deadline passed
 * (withdrawn, the vCPUs stay enabled), or withdrawn by someone else. A
 * client that hung up withdraws its removals. Returns the milliseconds
 * until the next deadline, or -1.
 */
static int check_waits(struct api *api)
{
	const struct api_hotplug *hp = api->ops.acpi;
	uint64_t now = now_ns(), next = UINT64_MAX;
	unsigned int i, cpu;

	for (i = 0; hp && i < API_MAX_CLIENTS; i++) {
		struct api_wait *w = &api->wait[i];
		struct api_client *c = &api->clients[i];
		bool gone = c->fd < 0 || c->serial != w->serial;
		bool done = true, dropped = false, refused = false;
		char *out = NULL;

		if (!w->active) {
			continue;
		}
		for (cpu = 0; cpu < api->ops.ncpus; cpu++) {
			if (!w->cpu[cpu]) {
				continue;
			}
			/*
			 * Removed if its removal count moved since the request,
			 * even if a cpu-add has enabled it again since; "removing"
			 * is read first, so a removal that ended between the two
			 * reads is seen by the count.
			 */
			bool removing = hp->removing(api->ops.opaque, cpu);

			if (hp->removals(api->ops.opaque, cpu) != w->gen[cpu]) {
				w->changed[cpu] = true;
				w->cpu[cpu] = false;
			} else {
				done = false;
				dropped |= !removing;
			}
		}
		if (!done && (gone || now >= w->deadline_ns)) {
			/* Withdraw what nobody else waits for. */
			for (cpu = 0; cpu < api->ops.ncpus; cpu++) {
				if (w->cpu[cpu] && fw_enabled(api->ops.fw, cpu) &&
				    !wait_shared(api, w, cpu)) {
					refused |= hp->cancel(api->ops.opaque, cpu);
					api_emit_kind(api, "cpu-remove-timeout", (int)cpu,
						      gone ? "client-gone" : NULL);
				}
			}
		}
		if (gone) {
			w->active = false;
			proto_free(&w->req);
			continue;
		}
		if (done) {
			out = w->want < 0 ? cpu_answer(&w->req, (unsigned int)w->req.cpu, false, true,
						       "ejected")
					  : resize_answer(&w->req, w->want, w->changed, api->ops.ncpus);
		} else if (now >= w->deadline_ns) {
			char why[200];

			snprintf(why, sizeof(why),
				 "timed out, the guest did not eject it within %u s (%s)", w->timeout_s,
				 refused ? "it read the eject request but did not offline and eject "
					   "the CPU: see the guest's kernel log"
					 : "it did not read the eject request: no ACPI hot-plug "
					   "support or interrupts off?");
			out = wait_error(api, w, PROTO_ETIMEDOUT, why);
		} else if (dropped) {
			out = wait_error(api, w, PROTO_ETIMEDOUT,
					 "withdrawn, another client's removal of it timed out or hung up");
		} else {
			next = w->deadline_ns < next ? w->deadline_ns : next;
			continue;
		}
		w->active = false;
		proto_free(&w->req);
		client_send(c, out);
		client_lines(api, c); /* the requests it sent meanwhile */
	}
	if (next == UINT64_MAX) {
		return -1;
	}
	return (int)((next - now) / 1000000 + 1);
}

/* Refuse @fd with one error line (best effort), then hang up. */
static void client_refuse(int fd, enum proto_err code, const char *msg)
{
	char *line = proto_error(NULL, code, msg);

	if (line) {
		ssize_t ignored = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);

		(void)ignored;
		free(line);
	}
	close(fd);
}

/*
 * Accept one client. false if accepting must pause: out of file descriptors
 * or memory, the pending connection stays in the backlog and the listening
 * socket stays readable, so polling it again at once would spin.
 */
static bool accept_client(struct api *api)
{
	int fd = accept4(api->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned int i;

	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			if (!api->accept_warned) {
				fprintf(stderr,
					"hotvm: control API: cannot accept a client: %s "
					"(retrying every %d ms)\n",
					strerror(errno), API_ACCEPT_PAUSE_MS);
				api->accept_warned = true;
			}
			return false;
		}
		return true; /* EAGAIN, ECONNABORTED ...: nothing to accept */
	}
	for (i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *c = &api->clients[i];

		if (c->fd < 0) {
			/*
			 * Mapped, not malloc'd: the pages a client wrote go back to
			 * the system when it leaves. From the heap, every client
			 * left its pages resident in a different free chunk, and
			 * hotvm's RSS crept up by MiBs over 10^4 requests.
			 */
			c->in = mmap(NULL, PROTO_MAX_LINE, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (c->in == MAP_FAILED) {
				c->in = NULL;
				client_refuse(fd, PROTO_EINTERNAL,
					      "out of memory: cannot serve another control client");
				return true;
			}
			c->fd = fd;
			c->serial = ++api->serial;
			return true;
		}
	}
	client_refuse(fd, PROTO_EUNAVAIL, "too many control clients");
	return true;
}

/* Move queued events to every subscriber. */
static void deliver_events(struct api *api)
{
	struct api_event ev[API_QUEUE];
	unsigned int n, i, j;
	uint64_t lost;

	pthread_mutex_lock(&api->lock);
	n = api->nqueued;
	memcpy(ev, api->queue, n * sizeof(ev[0]));
	api->nqueued = 0;
	lost = api->lost;
	api->lost = 0;
	pthread_mutex_unlock(&api->lock);

	for (j = 0; j < API_MAX_CLIENTS; j++) {
		struct api_client *c = &api->clients[j];

		if (c->fd < 0 || !c->events) {
			continue;
		}
		if (lost) {
			client_send(c, proto_event("events-lost", -1, NULL, now_ns()));
		}
		for (i = 0; i < n && c->fd >= 0; i++) {
			client_send(c, proto_event(ev[i].type, ev[i].cpu, ev[i].kind, ev[i].time_ns));
		}
	}
}

/*
 * Remove the socket file at @api->path if it is still the one we created:
 * another hotvm may have replaced it since (after a stale-socket reclaim),
 * and its socket must survive our exit.
 */
static void socket_remove(struct api *api)
{
	struct stat st;

	if (!api->sock_owned) {
		return;
	}
	api->sock_owned = false;
	if (lstat(api->path, &st) < 0) {
		return; /* already gone */
	}
	if (!S_ISSOCK(st.st_mode) || st.st_dev != api->sock_dev || st.st_ino != api->sock_ino) {
		fprintf(stderr, "hotvm: not removing %s: it is no longer this hotvm's socket\n",
			api->path);
		return;
	}
	if (unlink(api->path) < 0 && errno != ENOENT) {
		fprintf(stderr, "hotvm: cannot remove the API socket %s: %s\n", api->path,
			strerror(errno));
	}
}

/*
 * poll() itself failed (not EINTR): retrying would spin. Say so once, hang
 * up on every client and remove the socket, so that clients see the API is
 * gone instead of waiting; the VM keeps running and api_stop() still works.
 */
static void server_fail(struct api *api, int err)
{
	unsigned int i;

	fprintf(stderr, "hotvm: the control API stops serving: poll: %s\n", strerror(err));
	for (i = 0; i < API_MAX_CLIENTS; i++) {
		client_close(&api->clients[i]);
	}
	socket_remove(api);
	close(api->listen_fd);
	api->listen_fd = -1;
}

static void *api_thread(void *arg)
{
	struct api *api = arg;
	struct pollfd pfd[API_MAX_CLIENTS + 2];
	unsigned int i;
	bool stop = false, paused = false;
	int timeout = -1;

	while (!stop) {
		pfd[0] = (struct pollfd){ .fd = paused ? -1 : api->listen_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = api->wake[0], .events = POLLIN };
		for (i = 0; i < API_MAX_CLIENTS; i++) {
			struct api_client *c = &api->clients[i];

			/* a client whose request waits for the guest is not read meanwhile */
			pfd[i + 2] = (struct pollfd){ .fd = c->fd,
						      .events = api->wait[i].active ? 0 : POLLIN };
			if (c->outlen) {
				pfd[i + 2].events |= POLLOUT;
			}
		}
		if (paused && (timeout < 0 || timeout > API_ACCEPT_PAUSE_MS)) {
			timeout = API_ACCEPT_PAUSE_MS;
		}
		if (poll(pfd, API_MAX_CLIENTS + 2, timeout) < 0) {
			if (errno == EINTR) {
				continue;
			}
			server_fail(api, errno);
			break;
		}
		if (pfd[1].revents & POLLIN) {
			char buf[64];
			ssize_t ignored = read(api->wake[0], buf, sizeof(buf));

			(void)ignored;
			pthread_mutex_lock(&api->lock);
			stop = api->stopping;
			pthread_mutex_unlock(&api->lock);
		}
		deliver_events(api);
		for (i = 0; i < API_MAX_CLIENTS; i++) {
			struct api_client *c = &api->clients[i];

			if (c->fd >= 0 && (pfd[i + 2].revents & (POLLIN | POLLHUP | POLLERR))) {
				client_read(api, c);
			}
			client_flush(c);
		}
		paused = (pfd[0].revents & POLLIN) && !accept_client(api);
		timeout = check_waits(api);
		for (i = 0; i < API_MAX_CLIENTS; i++) {
			client_flush(&api->clients[i]);
		}
	}
	return NULL;
}

static void wake_server(struct api *api)
{
	ssize_t ignored = write(api->wake[1], "x", 1);

	(void)ignored; /* a full pipe already means "wake up" */
}

void api_emit(struct api *api, const char *type, int cpu)
{
	api_emit_kind(api, type, cpu, NULL);
}

void api_emit_kind(struct api *api, const char *type, int cpu, const char *kind)
{
	bool first;

	if (!api) {
		return;
	}
	pthread_mutex_lock(&api->lock);
	first = api->nqueued == 0 && api->lost == 0;
	if (api->nqueued < API_QUEUE) {
		api->queue[api->nqueued++] = (struct api_event){ type, cpu, kind, now_ns() };
	} else {
		api->lost++;
	}
	pthread_mutex_unlock(&api->lock);
	/*
	 * One wake-up per batch: the server reads its wake pipe before it takes
	 * the queue, so events queued behind the first are delivered with it.
	 */
	if (first) {
		wake_server(api);
	}
}

/*
 * Make @path free for bind(): nothing there is fine; a socket nobody
 * listens on (left by a hotvm that was killed) is removed, with a note on
 * stderr; a socket a live server answers on, anything that is not a
 * socket, and any error (EACCES ...) are refused with a message in @err.
 */
static int socket_reclaim(const struct sockaddr_un *addr, char *err, size_t errlen)
{
	const char *path = addr->sun_path;
	struct stat st, again;
	int fd, ret, e;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT) {
			return 0;
		}
		snprintf(err, errlen, "cannot use %s as the API socket: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "API socket path %s already exists and is not a socket; not replacing it",
			 path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot check the existing API socket %s: %s", path,
			 strerror(errno));
		return -1;
	}
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr));
	e = errno;
	close(fd);
	if (ret == 0 || e == EAGAIN || e == EINPROGRESS) {
		/* Accepted, or a full backlog: someone serves on it. */
		snprintf(err, errlen,
			 "API socket %s is in use: a running hotvm (or another server) answers on it",
			 path);
		return -1;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "API socket path %s already exists and cannot be checked: %s",
			 path, strerror(e));
		return -1;
	}
	/* Nobody listens: stale. Remove it only if it is still the same file. */
	if (lstat(path, &again) < 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino) {
		snprintf(err, errlen, "API socket path %s changed while checking it; not touching it",
			 path);
		return -1;
	}
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale API socket %s: %s", path,
			 strerror(errno));
		return -1;
	}
	fprintf(stderr, "hotvm: removed the stale API socket %s (nobody listened on it)\n", path);
	return 0;
}

struct api *api_start(const char *path, const struct api_ops *ops, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct api *api;
	struct stat st;
	mode_t old;
	unsigned int i;
	int ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "API socket path too long (max %zu bytes): %s",
			 sizeof(addr.sun_path) - 1, path);
		return NULL;
	}
	strcpy(addr.sun_path, path);
	if (socket_reclaim(&addr, err, errlen) < 0) {
		return NULL;
	}
	api = calloc(1, sizeof(*api));
	if (!api) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	api->ops = *ops;
	api->wake[0] = api->wake[1] = -1;
	for (i = 0; i < API_MAX_CLIENTS; i++) {
		api->clients[i].fd = -1;
	}
	strcpy(api->path, path);
	ret = pthread_mutex_init(&api->lock, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot create the API lock: %s", strerror(ret));
		free(api);
		return NULL;
	}
	api->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (api->listen_fd < 0 || pipe2(api->wake, O_NONBLOCK | O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot create the API socket: %s", strerror(errno));
		goto fail;
	}
	/* Only the owner may connect: the socket file is created 0600. */
	old = umask(0177);
	ret = bind(api->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (ret < 0) {
		snprintf(err, errlen, "cannot bind the API socket %s: %s%s", path, strerror(errno),
			 errno == EADDRINUSE ? " (another hotvm created it meanwhile?)" : "");
		goto fail;
	}
	/* Remember which file is ours: only that one is removed at exit. */
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "the API socket %s vanished right after bind", path);
		goto fail;
	}
	api->sock_dev = st.st_dev;
	api->sock_ino = st.st_ino;
	api->sock_owned = true;
	if (chmod(path, 0600) < 0 || listen(api->listen_fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	ret = pthread_create(&api->thread, NULL, api_thread, api);
	if (ret) {
		snprintf(err, errlen, "cannot start the API thread: %s", strerror(ret));
		goto fail;
	}
	return api;
fail:
	socket_remove(api);
	if (api->listen_fd >= 0) {
		close(api->listen_fd);
	}
	if (api->wake[0] >= 0) {
		close(api->wake[0]);
		close(api->wake[1]);
	}
	pthread_mutex_destroy(&api->lock);
	free(api);
	return NULL;
}

void api_stop(struct api *api)
{
	unsigned int i, tries;

	if (!api) {
		return;
	}
	pthread_mutex_lock(&api->lock);
	api->stopping = true;
	pthread_mutex_unlock(&api->lock);
	wake_server(api);
	pthread_join(api->thread, NULL);
	socket_remove(api);
	if (api->listen_fd >= 0) {
		close(api->listen_fd);
	}
	/* The last events (system-off ...) reach subscribers that keep reading. */
	deliver_events(api);
	for (i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_wait *w = &api->wait[i];

		if (w->active && api->clients[i].fd >= 0 && api->clients[i].serial == w->serial) {
			client_send(&api->clients[i],
				    wait_error(api, w, PROTO_EBUSY,
					       "hotvm stopped before the guest ejected it"));
		}
		if (w->active) {
			proto_free(&w->req);
			w->active = false;
		}
	}
	for (tries = 0; tries < 50; tries++) {
		bool pending = false;

		for (i = 0; i < API_MAX_CLIENTS; i++) {
			client_flush(&api->clients[i]);
			pending |= api->clients[i].fd >= 0 && api->clients[i].outlen;
		}
		if (!pending) {
			break;
		}
		usleep(10000);
	}
	for (i = 0; i < API_MAX_CLIENTS; i++) {
		client_close(&api->clients[i]);
	}
	close(api->wake[0]);
	close(api->wake[1]);
	pthread_mutex_destroy(&api->lock);
	free(api);
}
