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

struct api_event {
	const char *type; /* static string */
	int cpu;
	const char *kind; /* static string or NULL */
	uint64_t time_ns;
};

struct api_client {
	int fd;
	bool events;  /* subscribed */
	bool closing; /* close once the output is flushed */
	char *in;     /* PROTO_MAX_LINE bytes */
	size_t inlen;
	bool discarding; /* inside an over-long line: skip to its newline */
	char *out;
	size_t outlen, outcap;
};

struct api {
	struct api_ops ops;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int wake[2]; /* pipe: api_emit()/api_stop() -> server thread */
	pthread_t thread;
	bool stopping;
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
	free(c->in);
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

static int enabled_count(const struct fw_status *st)
{
	unsigned int i;
	int n = 0;

	for (i = 0; i < st->ncpus; i++) {
		n += st->cpu[i].enabled;
	}
	return n;
}

static char *do_status(struct api *api, const struct proto_req *req)
{
	struct fw_status *st;
	struct json_object *res;

	if (!api->ops.fw) {
		/* KVM's in-kernel PSCI: hotvm does not see the vCPUs' power states. */
		res = json_object_new_object();
		json_object_object_add(res, "state",
				       json_object_new_string(api->ops.state(api->ops.opaque)));
		json_object_object_add(res, "psci", json_object_new_string("kernel"));
		json_object_object_add(res, "possible", json_object_new_int((int)api->ops.ncpus));
		json_object_object_add(res, "hotplug", json_object_new_boolean(false));
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
	json_object_object_add(res, "psci", json_object_new_string("user"));
	json_object_object_add(res, "hotplug", json_object_new_boolean(api->ops.hotplug));
	return proto_ok(req, res);
}

static struct json_object *cpu_result(unsigned int cpu, bool enabled, bool changed)
{
	struct json_object *res = json_object_new_object();

	json_object_object_add(res, "cpu", json_object_new_int((int)cpu));
	json_object_object_add(res, "enabled", json_object_new_boolean(enabled));
	json_object_object_add(res, "changed", json_object_new_boolean(changed));
	return res;
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
	case -EPERM:
		snprintf(msg, sizeof(msg), "vCPU %u is the boot vCPU and cannot be removed", cpu);
		return proto_error(req, PROTO_EPERM, msg);
	default:
		snprintf(msg, sizeof(msg), "vCPU %u: %s", cpu, strerror(-ret));
		return proto_error(req, PROTO_EINTERNAL, msg);
	}
	if (was != on) {
		api_emit(api, on ? "cpu-enabled" : "cpu-disabled", (int)cpu);
	}
	return proto_ok(req, cpu_result(cpu, on, was != on));
}

/*
 * Resize to @target enabled vCPUs: enable the lowest disabled ones, or
 * disable the highest enabled ones that are off. All or nothing: if not
 * enough are off, nothing changes (a vCPU the guest powers on meanwhile
 * makes fw_disable fail, and what was disabled is enabled again).
 */
static char *do_resize(struct api *api, const struct proto_req *req)
{
	struct fw *fw = api->ops.fw;
	struct fw_status *st = malloc(sizeof(*st));
	unsigned int changed[FW_MAX_CPUS], nchanged = 0, i;
	int have, want = (int)req->cpus;
	struct json_object *res, *list;
	char msg[200];

	if (!st) {
		return proto_error(req, PROTO_EINTERNAL, "out of memory");
	}
	fw_status(fw, st);
	have = enabled_count(st);
	if (want < 1 || want > (int)st->ncpus) {
		snprintf(msg, sizeof(msg), "cannot resize to %d vCPUs: between 1 and %u possible",
			 want, st->ncpus);
		free(st);
		return proto_error(req, PROTO_ERANGE, msg);
	}
	for (i = 0; have < want && i < st->ncpus; i++) {
		if (!st->cpu[i].enabled && fw_enable(fw, i) == 0) {
			changed[nchanged++] = i;
			have++;
		}
	}
	for (i = st->ncpus; have > want && i-- > 1;) {
		if (!st->cpu[i].enabled) {
			continue;
		}
		if (fw_disable(fw, i) == 0) {
			changed[nchanged++] = i;
			have--;
		}
	}
	if (have != want) {
		/* Undo: the guest keeps more vCPUs on than the target allows. */
		for (i = 0; i < nchanged; i++) {
			fw_enable(fw, changed[i]);
		}
		free(st);
		snprintf(msg, sizeof(msg),
			 "cannot shrink to %d vCPUs: only %u enabled vCPUs are powered off; "
			 "offline vCPUs in the guest first (nothing was changed)",
			 want, nchanged);
		return proto_error(req, PROTO_EBUSY, msg);
	}
	res = json_object_new_object();
	list = json_object_new_array();
	for (i = 0; i < nchanged; i++) {
		bool on = !st->cpu[changed[i]].enabled;

		api_emit(api, on ? "cpu-enabled" : "cpu-disabled", (int)changed[i]);
		json_object_array_add(list, json_object_new_int((int)changed[i]));
	}
	free(st);
	json_object_object_add(res, "enabled", json_object_new_int(have));
	json_object_object_add(res, "changed", list);
	return proto_ok(req, res);
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
		out = do_cpu(api, &req, (unsigned int)req.cpu, req.op == PROTO_CPU_ADD);
		break;
	case PROTO_RESIZE:
		out = do_resize(api, &req);
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

/* Read what the client sent; answer every complete line. */
static void client_read(struct api *api, struct api_client *c)
{
	ssize_t n;
	char *nl;

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
	while (c->fd >= 0 && (nl = memchr(c->in, '\n', c->inlen))) {
		size_t len = (size_t)(nl - c->in);

		if (c->discarding) {
			c->discarding = false;
		} else if (len > 0) {
			client_send(c, handle(api, c, c->in, len));
		}
		if (c->fd < 0) {
			return;
		}
		memmove(c->in, nl + 1, c->inlen - len - 1);
		c->inlen -= len + 1;
	}
	if (c->fd >= 0 && c->inlen == PROTO_MAX_LINE) {
		/* A line of 64 KiB without its end: answer once, skip the rest. */
		if (!c->discarding) {
			client_send(c, proto_error(NULL, PROTO_ETOOBIG,
						   "request longer than 65535 bytes"));
		}
		c->discarding = true;
		c->inlen = 0;
	}
}

static void accept_client(struct api *api)
{
	int fd = accept4(api->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	unsigned int i;

	if (fd < 0) {
		return;
	}
	for (i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *c = &api->clients[i];

		if (c->fd < 0) {
			c->in = malloc(PROTO_MAX_LINE);
			if (!c->in) {
				break;
			}
			c->fd = fd;
			return;
		}
	}
	/* Full: say why, then hang up. */
	{
		char *line = proto_error(NULL, PROTO_EUNAVAIL, "too many control clients");

		if (line) {
			ssize_t ignored = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);

			(void)ignored;
			free(line);
		}
	}
	close(fd);
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

static void *api_thread(void *arg)
{
	struct api *api = arg;
	struct pollfd pfd[API_MAX_CLIENTS + 2];
	unsigned int i;
	bool stop = false;

	while (!stop) {
		pfd[0] = (struct pollfd){ .fd = api->listen_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = api->wake[0], .events = POLLIN };
		for (i = 0; i < API_MAX_CLIENTS; i++) {
			struct api_client *c = &api->clients[i];

			pfd[i + 2] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			if (c->outlen) {
				pfd[i + 2].events |= POLLOUT;
			}
		}
		if (poll(pfd, API_MAX_CLIENTS + 2, -1) < 0) {
			continue; /* EINTR */
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
		if (pfd[0].revents & POLLIN) {
			accept_client(api);
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
	if (!api) {
		return;
	}
	pthread_mutex_lock(&api->lock);
	if (api->nqueued < API_QUEUE) {
		api->queue[api->nqueued++] = (struct api_event){ type, cpu, kind, now_ns() };
	} else {
		api->lost++;
	}
	pthread_mutex_unlock(&api->lock);
	wake_server(api);
}

struct api *api_start(const char *path, const struct api_ops *ops, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct api *api;
	mode_t old;
	unsigned int i;
	int ret;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "API socket path too long (max %zu bytes): %s",
			 sizeof(addr.sun_path) - 1, path);
		return NULL;
	}
	if (access(path, F_OK) == 0 || errno != ENOENT) {
		snprintf(err, errlen,
			 "API socket path %s already exists (another hotvm? remove it if stale)",
			 path);
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
	strcpy(addr.sun_path, path);
	pthread_mutex_init(&api->lock, NULL);
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
		snprintf(err, errlen, "cannot bind the API socket %s: %s", path, strerror(errno));
		goto fail;
	}
	if (chmod(path, 0600) < 0 || listen(api->listen_fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	ret = pthread_create(&api->thread, NULL, api_thread, api);
	if (ret) {
		snprintf(err, errlen, "cannot start the API thread: %s", strerror(ret));
		unlink(path);
		goto fail;
	}
	return api;
fail:
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
	unlink(api->path);
	close(api->listen_fd);
	/* The last events (system-off ...) reach subscribers that keep reading. */
	deliver_events(api);
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
