// SPDX-License-Identifier: MIT
/*
 * hotvm ctl --api-socket PATH [--json] COMMAND: the control API's client.
 * Sends one request (docs/api.md), prints the answer for people (or the raw
 * JSON with --json), exits 0 on success and 1 with the server's message on
 * an error (2 for a usage error).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "lib/proto.h"
#include "vmm/ctl.h"

#define CTL_TIMEOUT_S 30

static const char ctl_usage[] =
	"usage: hotvm ctl --api-socket PATH [--json] COMMAND\n"
	"\n"
	"commands:\n"
	"  status               VM state and every vCPU (enabled, power state, calls)\n"
	"  cpu-add N            enable vCPU N: the guest may then power it on; with\n"
	"                       'hotvm run --acpi' the guest is notified and registers it\n"
	"  cpu-remove N         disable vCPU N; it must be off (offline it in the guest);\n"
	"                       with --acpi the guest is asked to offline and eject it,\n"
	"                       and the answer waits for that (see --timeout)\n"
	"  resize --cpus N      enable or disable vCPUs until N are enabled\n"
	"  events               print power events as they happen (until the VM exits)\n"
	"  shutdown             power the VM off\n"
	"  reboot               reset the VM (in-process reboot)\n"
	"  raw LINE             send LINE as it is; print the answer line (for testing)\n"
	"\n"
	"options:\n"
	"  --api-socket PATH    the socket given to 'hotvm run --api-socket'\n"
	"  --json               print the server's JSON lines as they are\n"
	"  --timeout S          cpu-remove, resize with --acpi: wait at most S seconds\n"
	"                       (1-3600, default 20) for the guest to eject the vCPUs;\n"
	"                       on a timeout they stay enabled and ctl exits 1\n"
	"  -h, --help           this text\n";

struct ctl_conn {
	int fd;
	char buf[PROTO_MAX_LINE];
	size_t len;
};

/* The answer timeout: the server's own wait (@wait_s) plus CTL_TIMEOUT_S. */
static int ctl_answer_s;

static int ctl_connect(struct ctl_conn *c, const char *path, bool timeout)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = ctl_answer_s };

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "hotvm ctl: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "hotvm ctl: cannot connect to %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (is hotvm running with --api-socket?)" : "");
		return -1;
	}
	if (timeout && setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		fprintf(stderr, "hotvm ctl: cannot set the %d s answer timeout: %s\n", ctl_answer_s,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Next line from the server, NUL-terminated without its newline; NULL at EOF. */
static char *ctl_readline(struct ctl_conn *c)
{
	static char line[PROTO_MAX_LINE];

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - c->buf);

			memcpy(line, c->buf, len);
			line[len] = '\0';
			memmove(c->buf, nl + 1, c->len - len - 1);
			c->len -= len + 1;
			return line;
		}
		if (c->len == sizeof(c->buf)) {
			fprintf(stderr, "hotvm ctl: server sent an over-long line\n");
			return NULL;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			fprintf(stderr, "hotvm ctl: no answer within %d s\n", ctl_answer_s);
			return NULL;
		}
		if (n <= 0) {
			return NULL;
		}
		c->len += (size_t)n;
	}
}

/* Send @n bytes of @s as one request line (the newline is added here). */
static int ctl_send(struct ctl_conn *c, const char *s, size_t n)
{
	char *line = malloc(n + 1);
	int ret = 0;

	if (!line) {
		fprintf(stderr, "hotvm ctl: out of memory\n");
		return -1;
	}
	memcpy(line, s, n);
	line[n] = '\n';
	if (send(c->fd, line, n + 1, MSG_NOSIGNAL) != (ssize_t)(n + 1)) {
		fprintf(stderr, "hotvm ctl: cannot send the request: %s\n", strerror(errno));
		ret = -1;
	}
	free(line);
	return ret;
}

static const char *field_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "?";
}

static int64_t field_int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static void print_status(struct json_object *res)
{
	struct json_object *cpus, *calls;
	size_t i, n;

	printf("VM %s, PSCI %s, %lld possible vCPUs, %lld enabled, %lld powered on%s\n",
	       field_str(res, "state"), field_str(res, "psci_version"),
	       (long long)field_int(res, "possible"), (long long)field_int(res, "enabled"),
	       (long long)field_int(res, "powered"),
	       !strcmp(field_str(res, "hotplug"), "true")
		       ? (!strcmp(field_str(res, "acpi_hotplug"), "true") ? ", hot-plug through ACPI" : "")
		       : " (hot-plug unavailable)");
	printf("%-5s %-10s %-8s %-11s %-8s %s\n", "vCPU", "MPIDR", "ENABLED", "POWER", "CALLS",
	       "SUSPENDS");
	if (json_object_object_get_ex(res, "vcpus", &cpus)) {
		n = json_object_array_length(cpus);
		for (i = 0; i < n; i++) {
			struct json_object *c = json_object_array_get_idx(cpus, i);

			printf("%-5lld %-10s %-8s %-11s %-8lld %lld%s\n",
			       (long long)field_int(c, "index"), field_str(c, "mpidr"),
			       !strcmp(field_str(c, "enabled"), "true") ? "yes" : "no",
			       field_str(c, "power"), (long long)field_int(c, "calls"),
			       (long long)field_int(c, "suspends"),
			       !strcmp(field_str(c, "ejecting"), "true")
				       ? "  (eject requested: waiting for the guest)"
				       : "");
		}
	}
	if (json_object_object_get_ex(res, "psci_calls", &calls)) {
		printf("PSCI calls:");
		json_object_object_foreach(calls, key, val)
		{
			printf(" %s=%lld", key, (long long)json_object_get_int64(val));
		}
		printf("%s\n", json_object_object_length(calls) ? "" : " none");
	}
}

static void print_event(struct json_object *ev)
{
	int64_t t = field_int(ev, "time_ns");
	int64_t cpu = field_int(ev, "cpu");

	printf("[%6lld.%06lld] %s", (long long)(t / 1000000000), (long long)(t % 1000000000 / 1000),
	       field_str(ev, "event"));
	if (cpu >= 0) {
		printf(" vCPU %lld", (long long)cpu);
	}
	if (json_object_object_get_ex(ev, "kind", NULL)) {
		printf(" (%s)", field_str(ev, "kind"));
	}
	printf("\n");
}

static void print_result(const char *op, struct json_object *res)
{
	struct json_object *v;

	if (!strcmp(op, "status")) {
		print_status(res);
	} else if (!strcmp(op, "cpu-add") || !strcmp(op, "cpu-remove")) {
		bool on = !strcmp(op, "cpu-add");

		static const struct {
			const char *guest, *text;
		} says[] = {
			{ "notified", " (guest notified)" },
			{ "ejected", " (ejected by the guest)" },
			{ "never-told", " (the guest had not been told of it yet)" },
		};
		const char *guest = field_str(res, "guest"), *text = "";

		for (size_t i = 0; i < sizeof(says) / sizeof(says[0]); i++) {
			if (!strcmp(guest, says[i].guest)) {
				text = says[i].text;
			}
		}
		printf("vCPU %lld %s%s%s\n", (long long)field_int(res, "cpu"),
		       json_object_object_get_ex(res, "changed", &v) && json_object_get_boolean(v)
			       ? ""
			       : "was already ",
		       on ? "enabled" : "disabled", text);
	} else if (!strcmp(op, "resize")) {
		printf("%lld vCPUs enabled", (long long)field_int(res, "enabled"));
		if (json_object_object_get_ex(res, "changed", &v) && json_object_array_length(v)) {
			size_t i;

			printf(" (changed:");
			for (i = 0; i < json_object_array_length(v); i++) {
				printf(" %d", json_object_get_int(json_object_array_get_idx(v, i)));
			}
			printf(")");
		}
		printf("\n");
	} else if (!strcmp(op, "shutdown") || !strcmp(op, "reboot")) {
		printf("%s requested\n", op);
	}
}

/* Send @line verbatim (a newline is added); print the answer; 0 if "ok". */
static int ctl_raw(const char *path, const char *line)
{
	struct ctl_conn *c = malloc(sizeof(*c));
	char *ans;
	int ret = 1;

	if (!c) {
		fprintf(stderr, "hotvm ctl: out of memory\n");
		return 1;
	}
	c->fd = -1;
	if (ctl_connect(c, path, true) < 0 || ctl_send(c, line, strlen(line)) < 0) {
		goto out;
	}
	ans = ctl_readline(c);
	if (!ans) {
		fprintf(stderr, "hotvm ctl: the server closed the connection without answering\n");
		goto out;
	}
	printf("%s\n", ans);
	ret = strstr(ans, "\"ok\":true") ? 0 : 1;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "hotvm ctl: cannot print the answer: %s\n", strerror(errno));
		ret = 1;
	}
out:
	if (c && c->fd >= 0) {
		close(c->fd);
	}
	free(c);
	return ret;
}

/* Parse "N" strictly: a decimal vCPU index or count. */
static int parse_count(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 65535) {
		return -1;
	}
	*out = v;
	return 0;
}

int ctl_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "api-socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *op, *cpus = NULL, *timeout = NULL;
	struct json_object *req, *resp, *v;
	struct ctl_conn *c;
	bool json = false, events;
	int64_t n = -1, wait_s = 0;
	const char *reqline;
	size_t reqlen;
	char *line;
	int opt, ret = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+hc:", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'c':
			cpus = optarg;
			break;
		case 't':
			timeout = optarg;
			break;
		case 'h':
			fputs(ctl_usage, stdout);
			return 0;
		default:
			fputs(ctl_usage, stderr);
			return 2;
		}
	}
	/* Options may also follow the command, before or after its argument:
	 * hotvm ctl ... resize --cpus 3, hotvm ctl ... cpu-remove 2 --timeout 5 */
	if (optind >= argc) {
		fprintf(stderr, "hotvm ctl: no command given\n\n%s", ctl_usage);
		return 2;
	}
	op = argv[optind];
	/* A fresh scan of what follows (optind 0 resets getopt; op is argv[0]). */
	argc -= optind;
	argv += optind;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hc:", opts, NULL)) != -1) {
		if (opt == 'c') {
			cpus = optarg;
		} else if (opt == 't') {
			timeout = optarg;
		} else if (opt == 'j') {
			json = true;
		} else if (opt == 's') {
			path = optarg;
		} else {
			fputs(ctl_usage, stderr);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "hotvm ctl: --api-socket PATH is required\n");
		return 2;
	}
	ctl_answer_s = CTL_TIMEOUT_S;
	if (timeout) {
		if (strcmp(op, "cpu-remove") && strcmp(op, "resize")) {
			fprintf(stderr, "hotvm ctl: --timeout applies to cpu-remove and resize only\n");
			return 2;
		}
		if (parse_count(timeout, &wait_s) < 0 || wait_s < 1 || wait_s > PROTO_TIMEOUT_MAX) {
			fprintf(stderr, "hotvm ctl: --timeout '%s': a number of seconds, 1 to %d\n",
				timeout, PROTO_TIMEOUT_MAX);
			return 2;
		}
		ctl_answer_s += (int)wait_s;
	} else {
		ctl_answer_s += PROTO_TIMEOUT_DEFAULT;
	}
	if (!strcmp(op, "raw")) {
		if (optind != argc - 1) {
			fprintf(stderr, "hotvm ctl: raw needs one argument, the request line\n");
			return 2;
		}
		return ctl_raw(path, argv[optind]);
	}
	req = json_object_new_object();
	if (!req || !proto_set(req, "version", json_object_new_int(PROTO_VERSION)) ||
	    !proto_set(req, "op", json_object_new_string(op))) {
		fprintf(stderr, "hotvm ctl: out of memory\n");
		json_object_put(req);
		return 1;
	}
	if (!strcmp(op, "cpu-add") || !strcmp(op, "cpu-remove")) {
		if (optind != argc - 1 || parse_count(argv[optind], &n) < 0) {
			fprintf(stderr, "hotvm ctl: %s needs one vCPU index (a number)\n", op);
			json_object_put(req);
			return 2;
		}
		if (!proto_set(req, "cpu", json_object_new_int64(n))) {
			fprintf(stderr, "hotvm ctl: out of memory\n");
			json_object_put(req);
			return 1;
		}
	} else if (!strcmp(op, "resize")) {
		if (optind != argc || !cpus || parse_count(cpus, &n) < 0) {
			fprintf(stderr, "hotvm ctl: resize needs --cpus N (a number)\n");
			json_object_put(req);
			return 2;
		}
		if (!proto_set(req, "cpus", json_object_new_int64(n))) {
			fprintf(stderr, "hotvm ctl: out of memory\n");
			json_object_put(req);
			return 1;
		}
	} else if (!strcmp(op, "status") || !strcmp(op, "events") || !strcmp(op, "shutdown") ||
		   !strcmp(op, "reboot")) {
		if (optind != argc) {
			fprintf(stderr, "hotvm ctl: %s takes no arguments\n", op);
			json_object_put(req);
			return 2;
		}
	} else {
		fprintf(stderr, "hotvm ctl: unknown command '%s'\n\n%s", op, ctl_usage);
		json_object_put(req);
		return 2;
	}
	if (wait_s && !proto_set(req, "timeout", json_object_new_int64(wait_s))) {
		fprintf(stderr, "hotvm ctl: out of memory\n");
		json_object_put(req);
		return 1;
	}

	events = !strcmp(op, "events");
	c = malloc(sizeof(*c));
	if (c) {
		c->fd = -1;
	}
	reqline = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &reqlen);
	if (!c || !reqline) {
		fprintf(stderr, "hotvm ctl: out of memory\n");
		goto out;
	}
	if (ctl_connect(c, path, !events) < 0 || ctl_send(c, reqline, reqlen) < 0) {
		goto out;
	}
	line = ctl_readline(c);
	if (!line) {
		fprintf(stderr, "hotvm ctl: the server closed the connection without answering\n");
		goto out;
	}
	resp = json_tokener_parse(line);
	if (!resp || !json_object_object_get_ex(resp, "ok", &v)) {
		fprintf(stderr, "hotvm ctl: unreadable answer: %s\n", line);
		json_object_put(resp);
		goto out;
	}
	if (!json_object_get_boolean(v)) {
		struct json_object *e = NULL;

		json_object_object_get_ex(resp, "error", &e);
		if (json) {
			printf("%s\n", line);
		}
		fprintf(stderr, "hotvm ctl: %s: %s (%s)\n", op, field_str(e, "message"),
			field_str(e, "code"));
		json_object_put(resp);
		goto out;
	}
	if (json) {
		printf("%s\n", line);
	} else if (json_object_object_get_ex(resp, "result", &v)) {
		print_result(op, v);
	}
	json_object_put(resp);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "hotvm ctl: cannot print the answer: %s\n", strerror(errno));
		goto out;
	}
	ret = 0;
	/* events: everything until the VM goes away (or our output does). */
	while (events && (line = ctl_readline(c))) {
		if (json) {
			printf("%s\n", line);
		} else if ((resp = json_tokener_parse(line))) {
			print_event(resp);
			json_object_put(resp);
		} else {
			fprintf(stderr, "hotvm ctl: unreadable event: %s\n", line);
		}
		if (fflush(stdout) == EOF || ferror(stdout)) {
			fprintf(stderr, "hotvm ctl: cannot print events: %s\n", strerror(errno));
			ret = 1;
			break;
		}
	}
out:
	if (c && c->fd >= 0) {
		close(c->fd);
	}
	free(c);
	json_object_put(req);
	return ret;
}
