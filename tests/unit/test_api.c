// SPDX-License-Identifier: MIT
/*
 * Unit tests for the control API server (src/lib/api.c) over a real UNIX
 * socket, with a real firmware core whose platform hooks are fakes: hot-plug
 * operations, the "busy" rule, events, and every kind of bad client.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "unit.h"
#include "fw/fw.h"
#include "lib/api.h"
#include "lib/proto.h"

#define NCPUS 4

static struct fw *fw;
static struct api *api;
static char path[108];
static int shutdowns, reboots;

static int fake_cpu_on(void *o, unsigned int caller, unsigned int cpu, uint64_t entry,
		       uint64_t ctx)
{
	return 0;
}
static int do_shutdown(void *o)
{
	shutdowns++;
	return 0;
}
static int do_reboot(void *o)
{
	reboots++;
	return 0;
}
static const char *state(void *o)
{
	return "running";
}

static const struct fw_platform plat = {
	.cpu_on = fake_cpu_on,
};

static void setup(void)
{
	struct fw_config cfg = { .ncpus = NCPUS, .nenabled = 2 };
	struct api_ops ops = {
		.hotplug = true,
		.shutdown = do_shutdown,
		.reboot = do_reboot,
		.state = state,
	};
	char err[256];

	fw = fw_create(&cfg, &plat, NULL);
	ck_assert_ptr_nonnull(fw);
	ops.fw = fw;
	snprintf(path, sizeof(path), "/tmp/hotvm-test-api.%d.sock", (int)getpid());
	unlink(path);
	api = api_start(path, &ops, err, sizeof(err));
	ck_assert_msg(api != NULL, "%s", err);
	shutdowns = reboots = 0;
}

static void teardown(void)
{
	api_stop(api);
	fw_destroy(fw);
}

static int client(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(addr.sun_path, path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static void put(int fd, const char *s)
{
	size_t n = strlen(s);

	ck_assert_int_eq(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* One line from @fd (5 s limit), parsed. */
static struct json_object *get(int fd)
{
	char buf[PROTO_MAX_LINE + 1];
	size_t len = 0;

	while (len < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ck_assert_msg(poll(&p, 1, 5000) == 1, "no answer within 5 s");
		n = recv(fd, buf + len, 1, 0);
		ck_assert_int_eq(n, 1);
		if (buf[len] == '\n') {
			break;
		}
		len++;
	}
	buf[len] = '\0';
	{
		struct json_object *o = json_tokener_parse(buf);

		ck_assert_msg(o != NULL, "not JSON: %s", buf);
		return o;
	}
}

static struct json_object *call(int fd, const char *req)
{
	put(fd, req);
	return get(fd);
}

static bool ok(struct json_object *r)
{
	struct json_object *v;

	return json_object_object_get_ex(r, "ok", &v) && json_object_get_boolean(v);
}

static const char *errcode(struct json_object *r)
{
	struct json_object *e, *v;

	if (!json_object_object_get_ex(r, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &v)) {
		return "";
	}
	return json_object_get_string(v);
}

static const char *errmsg(struct json_object *r)
{
	struct json_object *e, *v;

	if (!json_object_object_get_ex(r, "error", &e) ||
	    !json_object_object_get_ex(e, "message", &v)) {
		return "";
	}
	return json_object_get_string(v);
}

static void expect_error(int fd, const char *req, const char *code)
{
	struct json_object *r = call(fd, req);

	ck_assert_msg(!ok(r), "%s succeeded", req);
	ck_assert_str_eq(errcode(r), code);
	ck_assert(strlen(errmsg(r)) > 0);
	json_object_put(r);
}

static void expect_ok(int fd, const char *req)
{
	struct json_object *r = call(fd, req);

	ck_assert_msg(ok(r), "%s failed: %s", req, errmsg(r));
	json_object_put(r);
}

/* Power @target on through PSCI CPU_ON from vCPU 0; return the PSCI result. */
static int64_t cpu_on(unsigned int target)
{
	struct fw_call c = { .id = 0xc4000003 };

	c.args[0] = fw_mpidr(fw, target);
	c.args[1] = 0x80000000;
	fw_call(fw, 0, &c);
	return (int64_t)c.ret[0];
}

START_TEST(test_socket_mode)
{
	struct stat st;
	char err[256];
	struct api_ops ops = { .fw = fw, .state = state };

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* A second server on the same path is refused. */
	ck_assert_ptr_null(api_start(path, &ops, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "already exists"));
}
END_TEST

START_TEST(test_status)
{
	int fd = client();
	struct json_object *r = call(fd, "{\"op\":\"status\",\"id\":1}\n"), *res, *v;

	ck_assert(ok(r));
	ck_assert(json_object_object_get_ex(r, "result", &res));
	ck_assert(json_object_object_get_ex(res, "possible", &v));
	ck_assert_int_eq(json_object_get_int(v), NCPUS);
	ck_assert(json_object_object_get_ex(res, "enabled", &v));
	ck_assert_int_eq(json_object_get_int(v), 2);
	ck_assert(json_object_object_get_ex(res, "vcpus", &v));
	ck_assert_int_eq(json_object_array_length(v), NCPUS);
	json_object_put(r);
	close(fd);
}
END_TEST

START_TEST(test_hotplug)
{
	int fd = client();

	ck_assert_int_eq(cpu_on(2), FW_PSCI_DENIED);
	expect_ok(fd, "{\"op\":\"cpu-add\",\"cpu\":2}\n");
	ck_assert_int_eq(cpu_on(2), FW_PSCI_SUCCESS);
	/* On in the guest: removal refused, and the message says what to do. */
	{
		struct json_object *r = call(fd, "{\"op\":\"cpu-remove\",\"cpu\":2}\n");

		ck_assert(!ok(r));
		ck_assert_str_eq(errcode(r), "busy");
		ck_assert_ptr_nonnull(strstr(errmsg(r), "offline"));
		json_object_put(r);
	}
	/* The guest powers it off; removal works. */
	ck_assert_int_eq(fw_online(fw, 2), 0);
	{
		struct fw_call c = { .id = 0x84000002 };

		fw_call(fw, 2, &c);
	}
	expect_ok(fd, "{\"op\":\"cpu-remove\",\"cpu\":2}\n");
	ck_assert_int_eq(cpu_on(2), FW_PSCI_DENIED);
	{
		/* vCPU 0 made 3 calls so far (CPU_ON, CPU_ON, CPU_ON), vCPU 2 one (CPU_OFF). */
		struct json_object *r = call(fd, "{\"op\":\"status\"}\n"), *res, *cpus, *v;

		ck_assert(json_object_object_get_ex(r, "result", &res));
		ck_assert(json_object_object_get_ex(res, "vcpus", &cpus));
		ck_assert(json_object_object_get_ex(json_object_array_get_idx(cpus, 0), "calls", &v));
		ck_assert_int_eq(json_object_get_int(v), 3);
		ck_assert(json_object_object_get_ex(json_object_array_get_idx(cpus, 2), "calls", &v));
		ck_assert_int_eq(json_object_get_int(v), 1);
		json_object_put(r);
	}
	expect_error(fd, "{\"op\":\"cpu-remove\",\"cpu\":0}\n", "not-permitted");
	expect_error(fd, "{\"op\":\"cpu-add\",\"cpu\":4}\n", "out-of-range");
	expect_error(fd, "{\"op\":\"cpu-add\",\"cpu\":100000}\n", "out-of-range");
	close(fd);
}
END_TEST

START_TEST(test_resize)
{
	int fd = client();
	struct json_object *r;

	expect_ok(fd, "{\"op\":\"resize\",\"cpus\":4}\n");
	ck_assert_int_eq(cpu_on(3), FW_PSCI_SUCCESS);
	ck_assert_int_eq(fw_online(fw, 3), 0);
	/* 3 is on: shrinking to 1 needs 3 off, only 1 and 2 are: refused, no change. */
	expect_error(fd, "{\"op\":\"resize\",\"cpus\":1}\n", "busy");
	r = call(fd, "{\"op\":\"status\"}\n");
	{
		struct json_object *res, *v;

		ck_assert(json_object_object_get_ex(r, "result", &res));
		ck_assert(json_object_object_get_ex(res, "enabled", &v));
		ck_assert_int_eq(json_object_get_int(v), 4);
	}
	json_object_put(r);
	/* Shrinking to 2 disables the highest off ones: 2 and 1, not 3. */
	expect_ok(fd, "{\"op\":\"resize\",\"cpus\":2}\n");
	ck_assert_int_eq(cpu_on(1), FW_PSCI_DENIED);
	ck_assert_int_eq(cpu_on(2), FW_PSCI_DENIED);
	expect_error(fd, "{\"op\":\"resize\",\"cpus\":0}\n", "out-of-range");
	expect_error(fd, "{\"op\":\"resize\",\"cpus\":5}\n", "out-of-range");
	close(fd);
}
END_TEST

START_TEST(test_events)
{
	int sub[3], fd = client(), i;
	const char *want[] = { "cpu-enabled", "cpu-disabled", "custom" };

	for (i = 0; i < 3; i++) {
		sub[i] = client();
		expect_ok(sub[i], "{\"op\":\"events\"}\n");
	}
	expect_ok(fd, "{\"op\":\"cpu-add\",\"cpu\":3}\n");
	expect_ok(fd, "{\"op\":\"cpu-remove\",\"cpu\":3}\n");
	api_emit(api, "custom", -1);
	for (i = 0; i < 3; i++) {
		unsigned int k;

		for (k = 0; k < 3; k++) {
			struct json_object *ev = get(sub[i]), *v;

			ck_assert(json_object_object_get_ex(ev, "event", &v));
			ck_assert_str_eq(json_object_get_string(v), want[k]);
			ck_assert(json_object_object_get_ex(ev, "time_ns", &v));
			json_object_put(ev);
		}
		close(sub[i]);
	}
	close(fd);
}
END_TEST

START_TEST(test_bad_clients)
{
	int fd = client(), gone, i;
	char *big;

	expect_error(fd, "this is not json\n", "parse-error");
	expect_error(fd, "{\"op\":\"launch\"}\n", "unknown-operation");
	expect_error(fd, "{\"op\":\"status\",\"version\":9}\n", "unsupported-version");
	expect_error(fd, "{\"op\":\"cpu-add\",\"cpu\":\"x\"}\n", "invalid-request");
	/* Over 64 KiB without a newline: one error, then the rest is skipped. */
	big = malloc(70000);
	memset(big, 'a', 70000);
	ck_assert_int_eq(send(fd, big, 70000, MSG_NOSIGNAL), 70000);
	free(big);
	{
		struct json_object *r = get(fd);

		ck_assert_str_eq(errcode(r), "request-too-large");
		json_object_put(r);
	}
	put(fd, "tail of the long line\n");
	expect_ok(fd, "{\"op\":\"status\"}\n");
	/* A client that leaves mid-request does not disturb anyone. */
	gone = client();
	put(gone, "{\"op\":\"sta");
	close(gone);
	/* Many requests in one write are answered in order. */
	put(fd, "{\"op\":\"status\",\"id\":1}\n{\"op\":\"nope\",\"id\":2}\n");
	for (i = 1; i <= 2; i++) {
		struct json_object *r = get(fd), *v;

		ck_assert(json_object_object_get_ex(r, "id", &v));
		ck_assert_int_eq(json_object_get_int(v), i);
		json_object_put(r);
	}
	expect_ok(fd, "{\"op\":\"shutdown\"}\n");
	expect_ok(fd, "{\"op\":\"reboot\"}\n");
	ck_assert_int_eq(shutdowns, 1);
	ck_assert_int_eq(reboots, 1);
	close(fd);
}
END_TEST

struct racer {
	int n;
	int failures;
};

static void *race_client(void *arg)
{
	struct racer *r = arg;
	int fd = client(), i;

	for (i = 0; i < 50; i++) {
		struct json_object *o = call(fd, i % 2 ? "{\"op\":\"cpu-add\",\"cpu\":3}\n"
						       : "{\"op\":\"status\"}\n");
		struct json_object *v;

		/* cpu-add always succeeds (idempotent); status always does. */
		if (!json_object_object_get_ex(o, "ok", &v) || !json_object_get_boolean(v)) {
			r->failures++;
		}
		json_object_put(o);
	}
	close(fd);
	return NULL;
}

START_TEST(test_concurrent_clients)
{
	pthread_t t[16];
	struct racer r[16];
	int i, k, ons = 0;

	for (i = 0; i < 16; i++) {
		r[i] = (struct racer){ .n = i };
		ck_assert_int_eq(pthread_create(&t[i], NULL, race_client, &r[i]), 0);
	}
	/* Meanwhile the "guest" powers vCPU 1 on and off. */
	for (k = 0; k < 200; k++) {
		if (cpu_on(1) == FW_PSCI_SUCCESS) {
			struct fw_call c = { .id = 0x84000002 };

			ons++;
			fw_online(fw, 1);
			fw_call(fw, 1, &c);
		}
	}
	for (i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(r[i].failures, 0);
	}
	ck_assert_int_eq(ons, 200);
}
END_TEST

START_TEST(test_too_many_clients)
{
	int fds[70], i, n = 0;
	struct json_object *r;

	for (i = 0; i < 70; i++) {
		fds[i] = client();
	}
	/* The first 64 are served; the others are told why and dropped. */
	for (i = 0; i < 70; i++) {
		r = i < 64 ? call(fds[i], "{\"op\":\"status\"}\n") : get(fds[i]);
		n += ok(r);
		if (i >= 64) {
			ck_assert_str_eq(errcode(r), "unavailable");
		}
		json_object_put(r);
	}
	ck_assert_int_eq(n, 64);
	for (i = 0; i < 70; i++) {
		close(fds[i]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_socket_mode);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_hotplug);
	tcase_add_test(tc, test_resize);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_bad_clients);
	tcase_add_test(tc, test_concurrent_clients);
	tcase_add_test(tc, test_too_many_clients);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
