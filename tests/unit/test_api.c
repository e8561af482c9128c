// SPDX-License-Identifier: MIT
/*
 * Unit tests for the control API server (src/lib/api.c) over a real UNIX
 * socket, with a real firmware core whose platform hooks are fakes: hot-plug
 * operations, the "busy" rule, events, and every kind of bad client.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "unit.h"
#include "jsonfail.h"
#include "dev/cpuhp.h"
#include "fw/fw.h"
#include "lib/api.h"
#include "lib/proto.h"

#define NCPUS 4

static struct fw *fw;
static struct api *api;
static char path[108], path2[108];
static struct api_ops base_ops = {
	.hotplug = true,
};
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
	char err[256];

	fw = fw_create(&cfg, &plat, NULL);
	ck_assert_ptr_nonnull(fw);
	base_ops = (struct api_ops){
		.fw = fw,
		.hotplug = true,
		.shutdown = do_shutdown,
		.reboot = do_reboot,
		.state = state,
	};
	snprintf(path, sizeof(path), "/tmp/hotvm-test-api.%d.sock", (int)getpid());
	snprintf(path2, sizeof(path2), "/tmp/hotvm-test-api.%d.2.sock", (int)getpid());
	unlink(path);
	unlink(path2);
	api = api_start(path, &base_ops, err, sizeof(err));
	ck_assert_msg(api != NULL, "%s", err);
	shutdowns = reboots = 0;
}

static void teardown(void)
{
	api_stop(api);
	fw_destroy(fw);
	unlink(path2);
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

/* Redirect stderr to a file until stderr_take() returns what was written. */
static int stderr_saved = -1;
static char stderr_file[64];

static void stderr_grab(void)
{
	int fd;

	snprintf(stderr_file, sizeof(stderr_file), "/tmp/hotvm-test-api.%d.err", (int)getpid());
	fd = open(stderr_file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	stderr_saved = dup(2);
	ck_assert_int_ge(stderr_saved, 0);
	ck_assert_int_eq(dup2(fd, 2), 2);
	close(fd);
}

static char *stderr_take(void)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	ck_assert_int_eq(dup2(stderr_saved, 2), 2);
	close(stderr_saved);
	f = fopen(stderr_file, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(stderr_file);
	fprintf(stderr, "%s", buf); /* still shown in the test's output */
	return buf;
}

/* A socket file at @p that nobody listens on: what a hotvm killed by SIGKILL leaves. */
static void make_stale_socket(const char *p)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	strcpy(addr.sun_path, p);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
}

static ino_t inode(const char *p)
{
	struct stat st;

	ck_assert_int_eq(lstat(p, &st), 0);
	return st.st_ino;
}

START_TEST(test_socket_mode)
{
	struct stat st;
	char err[256];
	ino_t ours = inode(path);

	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* A second server on the path of a live one is refused; the live one keeps it. */
	ck_assert_ptr_null(api_start(path, &base_ops, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is in use") != NULL, "%s", err);
	ck_assert_int_eq(inode(path), ours);
	{
		int fd = client();

		expect_ok(fd, "{\"op\":\"status\"}\n");
		close(fd);
	}
}
END_TEST

START_TEST(test_socket_stale)
{
	struct api *a;
	char err[256], *out;

	make_stale_socket(path2);
	stderr_grab();
	a = api_start(path2, &base_ops, err, sizeof(err));
	out = stderr_take();
	ck_assert_msg(a != NULL, "stale socket not reclaimed: %s", err);
	ck_assert_ptr_nonnull(strstr(out, "removed the stale API socket"));
	ck_assert_ptr_nonnull(strstr(out, path2));
	{
		/* The new server answers there. */
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(addr.sun_path, path2);
		ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
		expect_ok(fd, "{\"op\":\"status\"}\n");
		close(fd);
	}
	api_stop(a);
	ck_assert_int_eq(access(path2, F_OK), -1);
	/* A server that is not a hotvm but listens: refused just the same. */
	{
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		strcpy(addr.sun_path, path2);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
		ck_assert_int_eq(listen(fd, 1), 0);
		ck_assert_ptr_null(api_start(path2, &base_ops, err, sizeof(err)));
		ck_assert_msg(strstr(err, "is in use") != NULL, "%s", err);
		close(fd);
		ck_assert_int_eq(access(path2, F_OK), 0);
	}
}
END_TEST

START_TEST(test_socket_not_socket)
{
	char err[256];
	int fd = open(path2, O_WRONLY | O_CREAT | O_EXCL, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "data\n", 5), 5);
	close(fd);
	ck_assert_ptr_null(api_start(path2, &base_ops, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is not a socket") != NULL, "%s", err);
	{
		struct stat st;

		ck_assert_int_eq(lstat(path2, &st), 0);
		ck_assert(S_ISREG(st.st_mode));
		ck_assert_int_eq(st.st_size, 5);
	}
	/* Nor a symbolic link to a stale socket. */
	unlink(path2);
	ck_assert_int_eq(symlink(path, path2), 0);
	ck_assert_ptr_null(api_start(path2, &base_ops, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is not a socket") != NULL, "%s", err);
}
END_TEST

/* api_start as an unprivileged user (uid 65534 when we are root). */
static struct api *start_unprivileged(const char *p, char *err, size_t errlen)
{
	struct api *a;
	bool root = geteuid() == 0;

	if (root) {
		ck_assert_int_eq(seteuid(65534), 0);
	}
	a = api_start(p, &base_ops, err, errlen);
	if (root) {
		ck_assert_int_eq(seteuid(0), 0);
	}
	return a;
}

START_TEST(test_socket_eacces)
{
	char dir[64], sock[100], err[256];

	/* The socket's directory cannot be searched. */
	snprintf(dir, sizeof(dir), "/tmp/hotvm-test-api.%d.d", (int)getpid());
	snprintf(sock, sizeof(sock), "%s/s", dir);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	make_stale_socket(sock);
	ck_assert_int_eq(chmod(dir, 0), 0);
	ck_assert_ptr_null(start_unprivileged(sock, err, sizeof(err)));
	ck_assert_msg(strstr(err, "Permission denied") && !strstr(err, "already exists"), "%s",
		      err);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_int_eq(access(sock, F_OK), 0);
	unlink(sock);
	rmdir(dir);
	/* A socket we may not connect to: it cannot be told stale, so it stays. */
	make_stale_socket(path2);
	ck_assert_int_eq(chmod(path2, 0), 0);
	ck_assert_ptr_null(start_unprivileged(path2, err, sizeof(err)));
	ck_assert_msg(strstr(err, "cannot be checked: Permission denied"), "%s", err);
	ck_assert_int_eq(access(path2, F_OK), 0);
}
END_TEST

START_TEST(test_socket_not_ours)
{
	char *out;

	/* Another hotvm reclaimed the path meanwhile: its socket survives our exit. */
	ck_assert_int_eq(unlink(path), 0);
	make_stale_socket(path);
	{
		ino_t theirs = inode(path);

		stderr_grab();
		api_stop(api);
		api = NULL;
		out = stderr_take();
		ck_assert_int_eq(inode(path), theirs);
	}
	ck_assert_ptr_nonnull(strstr(out, "no longer this hotvm's socket"));
	unlink(path);
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

/* The guest's side of a hot-plug race: vCPU 0 powers @cpu on, then @cpu powers off. */
static int64_t guest_cycle(unsigned int cpu)
{
	int64_t r = cpu_on(cpu);

	if (r == FW_PSCI_SUCCESS) {
		struct fw_call c = { .id = 0x84000002 };

		ck_assert_int_eq(fw_online(fw, cpu), 0);
		fw_call(fw, cpu, &c);
	}
	return r;
}

#define RACE_CLIENTS 8
#define RACE_REQUESTS 400 /* per client: half cpu-remove 3, half cpu-add 3 */

struct racer {
	int removed, busy, added, bad; /* answers seen */
	bool done;
};

struct guest_race {
	atomic_bool stop;
	long on_won, denied, bad;
};

/* A client that alternately removes and re-adds vCPU 3. */
static void *race_client(void *arg)
{
	struct racer *r = arg;
	int fd = client(), i;

	for (i = 0; i < RACE_REQUESTS; i++) {
		bool remove = i % 2 == 0;
		struct json_object *o = call(fd, remove ? "{\"op\":\"cpu-remove\",\"cpu\":3}\n"
						       : "{\"op\":\"cpu-add\",\"cpu\":3}\n");

		if (ok(o)) {
			*(remove ? &r->removed : &r->added) += 1;
		} else if (remove && !strcmp(errcode(o), "busy")) {
			r->busy++;
		} else {
			fprintf(stderr, "unexpected answer to %s: %s\n", remove ? "cpu-remove" : "cpu-add",
				json_object_to_json_string(o));
			r->bad++;
		}
		json_object_put(o);
	}
	close(fd);
	r->done = true;
	return r;
}

/* The guest: CPU_ON vCPU 3 (then CPU_OFF from it) until told to stop. */
static void *race_guest(void *arg)
{
	struct guest_race *g = arg;

	while (!atomic_load(&g->stop)) {
		int64_t r = guest_cycle(3);

		if (r == FW_PSCI_SUCCESS) {
			g->on_won++;
		} else if (r == FW_PSCI_DENIED) {
			g->denied++;
		} else {
			g->bad++;
		}
	}
	return g;
}

/*
 * Clients and the guest contend for vCPU 3: each cpu-remove races the
 * guest's CPU_ON of the same vCPU. Exactly one side wins each time: the
 * removal (the CPU_ON is DENIED) or the CPU_ON (the removal is answered
 * busy). Both outcomes must be seen, and nothing else may be answered.
 */
START_TEST(test_concurrent_clients)
{
	pthread_t t[RACE_CLIENTS], gt;
	struct racer r[RACE_CLIENTS];
	struct guest_race g = { .stop = false };
	int i, removed = 0, busy = 0, added = 0;
	void *ret;

	expect_ok(client(), "{\"op\":\"cpu-add\",\"cpu\":3}\n");
	ck_assert_int_eq(pthread_create(&gt, NULL, race_guest, &g), 0);
	for (i = 0; i < RACE_CLIENTS; i++) {
		r[i] = (struct racer){ .done = false };
		ck_assert_int_eq(pthread_create(&t[i], NULL, race_client, &r[i]), 0);
	}
	for (i = 0; i < RACE_CLIENTS; i++) {
		ck_assert_int_eq(pthread_join(t[i], &ret), 0);
		ck_assert_ptr_eq(ret, &r[i]);
		ck_assert_msg(r[i].done, "client %d did not finish", i);
		ck_assert_msg(r[i].bad == 0, "client %d: %d unexpected answers", i, r[i].bad);
		ck_assert_int_eq(r[i].removed + r[i].busy + r[i].added, RACE_REQUESTS);
		removed += r[i].removed;
		busy += r[i].busy;
		added += r[i].added;
	}
	atomic_store(&g.stop, true);
	ck_assert_int_eq(pthread_join(gt, &ret), 0);
	ck_assert_ptr_eq(ret, &g);
	printf("concurrent clients: %d cpu-remove ok, %d busy (guest CPU_ON won), %d cpu-add; "
	       "guest: %ld CPU_ON ok, %ld DENIED (cpu-remove won)\n",
	       removed, busy, added, g.on_won, g.denied);
	fflush(stdout);
	ck_assert_int_eq(g.bad, 0);
	ck_assert_int_eq(added, RACE_CLIENTS * RACE_REQUESTS / 2);
	ck_assert_msg(busy > 0, "the guest's CPU_ON never won against a cpu-remove");
	ck_assert_msg(g.denied > 0, "a cpu-remove never won against the guest's CPU_ON");
	ck_assert_msg(g.on_won > 0, "the guest never powered vCPU 3 on");
}
END_TEST

/*
 * A refused shrink changes nothing, also for a guest racing it: vCPU 3 is
 * on, so resize to 1 is always busy; meanwhile the guest powers vCPUs 1
 * and 2 on and off, and each CPU_ON must succeed (never DENIED, which a
 * disable-then-roll-back resize would let it see).
 */
#define RESIZE_TRIES 1000

struct resize_guest {
	atomic_bool stop;
	long cycles, denied;
};

static void *resize_guest_thread(void *arg)
{
	struct resize_guest *g = arg;

	while (!atomic_load(&g->stop)) {
		unsigned int cpu = 1 + (unsigned int)(g->cycles & 1);

		if (guest_cycle(cpu) == FW_PSCI_DENIED) {
			g->denied++;
		}
		g->cycles++;
	}
	return NULL;
}

START_TEST(test_resize_atomic)
{
	struct resize_guest g = { .stop = false };
	int fd = client(), i;
	pthread_t t;
	long before;

	expect_ok(fd, "{\"op\":\"resize\",\"cpus\":4}\n");
	ck_assert_int_eq(cpu_on(3), FW_PSCI_SUCCESS);
	ck_assert_int_eq(fw_online(fw, 3), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, resize_guest_thread, &g), 0);
	while (g.cycles < 10) {
		usleep(1000);
	}
	before = g.cycles;
	for (i = 0; i < RESIZE_TRIES; i++) {
		struct json_object *r = call(fd, "{\"op\":\"resize\",\"cpus\":1}\n");

		ck_assert_msg(!ok(r) && !strcmp(errcode(r), "busy"), "resize to 1: %s",
			      json_object_to_json_string(r));
		ck_assert_ptr_nonnull(strstr(errmsg(r), "nothing was changed"));
		json_object_put(r);
	}
	atomic_store(&g.stop, true);
	pthread_join(t, NULL);
	printf("resize atomic: %d refused shrinks, guest %ld CPU_ON cycles during them, %ld "
	       "DENIED\n",
	       RESIZE_TRIES, g.cycles - before, g.denied);
	fflush(stdout);
	ck_assert_int_gt(g.cycles - before, RESIZE_TRIES);
	ck_assert_msg(g.denied == 0, "the guest saw DENIED %ld times during refused resizes",
		      g.denied);
	close(fd);
}
END_TEST

/* Process CPU time in ms. */
static long cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * poll() fails for good (EINVAL: more fds than RLIMIT_NOFILE): the server
 * says so once, hangs up on its clients and removes its socket instead of
 * spinning; api_stop() still works.
 */
START_TEST(test_poll_error)
{
	struct rlimit rl, low;
	int fd = client();
	long t0;
	char *out, buf[16];

	expect_ok(fd, "{\"op\":\"status\"}\n");
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = 16; /* below the server's 66 pollfds */
	stderr_grab();
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	api_emit(api, "wake-up", -1);
	/* The client sees the server hang up. */
	{
		struct pollfd p = { .fd = fd, .events = POLLIN };

		ck_assert_int_eq(poll(&p, 1, 5000), 1);
		ck_assert_int_eq(recv(fd, buf, sizeof(buf), 0), 0);
	}
	t0 = cpu_ms();
	usleep(300000);
	t0 = cpu_ms() - t0;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	out = stderr_take();
	ck_assert_msg(t0 < 100, "the API thread used %ld ms of CPU in 300 ms after poll failed", t0);
	ck_assert_ptr_nonnull(strstr(out, "stops serving: poll: Invalid argument"));
	ck_assert_ptr_null(strstr(strstr(out, "stops serving") + 1, "stops serving"));
	ck_assert_int_eq(access(path, F_OK), -1);
	close(fd);
}
END_TEST

/* One answer line, or NULL if the server hung up. */
static struct json_object *get_or_eof(int fd)
{
	char buf[PROTO_MAX_LINE + 1];
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ck_assert_msg(poll(&p, 1, 5000) == 1, "no answer within 5 s");
		n = recv(fd, buf + len, 1, 0);
		if (n == 0) {
			ck_assert_msg(len == 0, "hung up mid-line");
			return NULL;
		}
		ck_assert_int_eq(n, 1);
		if (buf[len] == '\n') {
			break;
		}
		ck_assert_uint_lt(++len, sizeof(buf) - 1);
	}
	buf[len] = '\0';
	{
		struct json_object *o = json_tokener_parse(buf);

		ck_assert_msg(o != NULL, "not JSON: %s", buf);
		return o;
	}
}

/*
 * Each json-c allocation the server makes for a request fails in turn: the
 * client gets a well-formed answer (the result, or internal-error) or is
 * hung up on; the server never crashes and serves the next client.
 */
START_TEST(test_out_of_memory)
{
	static const char *const reqs[] = {
		"{\"op\":\"status\",\"id\":1}\n",
		"{\"op\":\"resize\",\"cpus\":3}\n",
		"{\"op\":\"resize\",\"cpus\":2}\n",
		"{\"op\":\"cpu-add\",\"cpu\":3}\n",
		"{\"op\":\"cpu-remove\",\"cpu\":3}\n",
		"{\"op\":\"events\"}\n",
	};
	unsigned int q;
	int answered = 0, errors = 0, dropped = 0;

	for (q = 0; q < sizeof(reqs) / sizeof(reqs[0]); q++) {
		long k;

		for (k = 0;; k++) {
			int fd = client();
			struct json_object *r;
			bool failed;

			jsonfail_arm(k);
			put(fd, reqs[q]);
			r = get_or_eof(fd);
			failed = jsonfail_failed() > 0;
			jsonfail_arm(-1);
			close(fd);
			if (!r) {
				ck_assert_msg(failed, "%s: hung up without an injected failure", reqs[q]);
				dropped++;
				continue;
			}
			if (!ok(r)) {
				ck_assert_msg(failed, "%s: %s", reqs[q], json_object_to_json_string(r));
				ck_assert_str_eq(errcode(r), "internal-error");
				ck_assert_ptr_nonnull(strstr(errmsg(r), "out of memory"));
				errors++;
			} else {
				answered++;
			}
			json_object_put(r);
			if (!failed) {
				break;
			}
		}
		ck_assert_int_ge(k, 3);
	}
	printf("out of memory: %d answered, %d internal errors, %d hung up\n", answered, errors,
	       dropped);
	ck_assert_int_gt(errors, 0);
	ck_assert_int_gt(dropped, 0);
	/* Still serving, and the VM's state is what the last requests made it. */
	{
		int fd = client();
		struct json_object *r = call(fd, "{\"op\":\"status\"}\n"), *res, *v;

		ck_assert(ok(r));
		ck_assert(json_object_object_get_ex(r, "result", &res));
		ck_assert(json_object_object_get_ex(res, "enabled", &v));
		ck_assert_int_eq(json_object_get_int(v), 2);
		json_object_put(r);
		close(fd);
	}
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


/*
 * --acpi: the API over the real hot-plug device (src/dev/cpuhp.c); the
 * tests play the guest's AML through the device's registers.
 */
static struct cpuhp *hp;

static bool hp_enabled(void *o, unsigned int cpu)
{
	return fw_enabled(fw, cpu);
}
static int hp_enable(void *o, unsigned int cpu)
{
	return fw_enable(fw, cpu);
}
static int hp_disable(void *o, unsigned int cpu)
{
	return fw_disable(fw, cpu);
}
static void hp_pulse(void *o)
{
}
static void hp_event(void *o, const char *type, unsigned int cpu, const char *kind)
{
	api_emit_kind(api, type, (int)cpu, kind);
}
static int hp_add(void *o, unsigned int cpu)
{
	return cpuhp_add(hp, cpu);
}
static int hp_remove(void *o, unsigned int cpu)
{
	return cpuhp_remove(hp, cpu);
}
static bool hp_removing(void *o, unsigned int cpu)
{
	return cpuhp_removing(hp, cpu);
}
static unsigned int hp_removals(void *o, unsigned int cpu)
{
	return cpuhp_removals(hp, cpu);
}
static bool hp_cancel(void *o, unsigned int cpu)
{
	return cpuhp_cancel(hp, cpu);
}

static const struct api_hotplug acpi_hotplug = {
	.add = hp_add,
	.remove = hp_remove,
	.removing = hp_removing,
	.removals = hp_removals,
	.cancel = hp_cancel,
};

static void setup_acpi(void)
{
	struct fw_config cfg = { .ncpus = NCPUS, .nenabled = 2 };
	const struct cpuhp_ops ops = {
		.enabled = hp_enabled,
		.enable = hp_enable,
		.disable = hp_disable,
		.pulse = hp_pulse,
		.event = hp_event,
	};
	char err[256];

	fw = fw_create(&cfg, &plat, NULL);
	ck_assert_ptr_nonnull(fw);
	hp = cpuhp_create(0x1020000, NCPUS, &ops);
	ck_assert_ptr_nonnull(hp);
	base_ops = (struct api_ops){
		.fw = fw,
		.ncpus = NCPUS,
		.hotplug = true,
		.acpi = &acpi_hotplug,
		.shutdown = do_shutdown,
		.reboot = do_reboot,
		.state = state,
	};
	snprintf(path, sizeof(path), "/tmp/hotvm-test-api.%d.sock", (int)getpid());
	unlink(path);
	api = api_start(path, &base_ops, err, sizeof(err));
	ck_assert_msg(api != NULL, "%s", err);
}

static void teardown_acpi(void)
{
	api_stop(api);
	cpuhp_destroy(hp);
	fw_destroy(fw);
}

static uint32_t hp_rd(uint64_t off)
{
	uint32_t v;

	cpuhp_mmio(NULL, 0x1020000 + off, (uint8_t *)&v, 4, false, hp);
	return v;
}

static void hp_wr(uint64_t off, uint32_t v)
{
	cpuhp_mmio(NULL, 0x1020000 + off, (uint8_t *)&v, 4, true, hp);
}

/* The guest's _EVT: read and acknowledge everything pending; how many notices. */
static unsigned int guest_scan(void)
{
	unsigned int n = 0;
	uint32_t cpu;

	while ((cpu = hp_rd(ACPI_HP_NEXT)) != ACPI_HP_NONE) {
		hp_wr(ACPI_HP_SEL, cpu);
		hp_wr(ACPI_HP_STS, hp_rd(ACPI_HP_STS) & 6);
		n++;
	}
	return n;
}

/* The guest offlines @cpu if it is on (CPU_OFF on it), then _EJ0. */
static void guest_eject(unsigned int cpu)
{
	if (fw_state(fw, cpu) != FW_POWER_OFF) {
		struct fw_call c = { .id = 0x84000002 };

		fw_call(fw, cpu, &c);
	}
	hp_wr(ACPI_HP_SEL, cpu);
	hp_wr(ACPI_HP_EJECT, 1);
}

/* Wait (5 s at most) until the server has asked the guest to eject @cpu. */
static void wait_removing(unsigned int cpu)
{
	for (int i = 0; i < 5000 && !cpuhp_removing(hp, cpu); i++) {
		usleep(1000);
	}
	ck_assert_msg(cpuhp_removing(hp, cpu), "no removal of vCPU %u under way", cpu);
}

/* No line from @fd within @ms. */
static void no_answer(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_msg(poll(&p, 1, ms) == 0, "answered before the guest acted");
}

static const char *field(struct json_object *r, const char *key)
{
	struct json_object *res, *v;

	if (!json_object_object_get_ex(r, "result", &res) ||
	    !json_object_object_get_ex(res, key, &v)) {
		return "";
	}
	return json_object_get_string(v);
}

START_TEST(test_acpi_add_remove)
{
	int fd = client();
	struct json_object *r;

	r = call(fd, "{\"op\":\"cpu-add\",\"cpu\":2}\n");
	ck_assert(ok(r));
	ck_assert_str_eq(field(r, "guest"), "notified");
	json_object_put(r);
	ck_assert_uint_eq(guest_scan(), 1);
	ck_assert_int_eq(cpu_on(2), FW_PSCI_SUCCESS);
	ck_assert_int_eq(fw_online(fw, 2), 0);
	/* cpu-remove of an online vCPU: the answer waits for the guest ... */
	put(fd, "{\"op\":\"cpu-remove\",\"cpu\":2,\"id\":7}\n");
	put(fd, "{\"op\":\"status\",\"id\":8}\n"); /* ... and so do later requests */
	wait_removing(2);
	no_answer(fd, 300);
	{
		int other = client();
		struct json_object *st = call(other, "{\"op\":\"status\"}\n"), *res, *cpus, *v;

		ck_assert(json_object_object_get_ex(st, "result", &res));
		ck_assert(json_object_object_get_ex(res, "vcpus", &cpus));
		ck_assert(json_object_object_get_ex(json_object_array_get_idx(cpus, 2), "ejecting",
						    &v));
		ck_assert(json_object_get_boolean(v));
		ck_assert(json_object_object_get_ex(json_object_array_get_idx(cpus, 1), "ejecting",
						    &v));
		ck_assert(!json_object_get_boolean(v));
		json_object_put(st);
		close(other);
	}
	expect_error(client(), "{\"op\":\"cpu-add\",\"cpu\":2}\n", "busy");
	ck_assert_uint_eq(guest_scan(), 1);
	no_answer(fd, 100);
	guest_eject(2);
	r = get(fd);
	ck_assert_msg(ok(r), "%s", errmsg(r));
	ck_assert_str_eq(field(r, "guest"), "ejected");
	ck_assert_str_eq(field(r, "enabled"), "false");
	ck_assert_str_eq(json_object_get_string(json_object_object_get(r, "id")), "7");
	json_object_put(r);
	r = get(fd);
	ck_assert(ok(r));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(r, "id")), "8");
	ck_assert_str_eq(field(r, "enabled"), "2");
	ck_assert_str_eq(field(r, "acpi_hotplug"), "true");
	json_object_put(r);
	ck_assert_int_eq(cpu_on(2), FW_PSCI_DENIED);
	/* removing it again changes nothing and does not wait */
	r = call(fd, "{\"op\":\"cpu-remove\",\"cpu\":2}\n");
	ck_assert(ok(r));
	ck_assert_str_eq(field(r, "changed"), "false");
	json_object_put(r);
	expect_error(fd, "{\"op\":\"cpu-remove\",\"cpu\":0}\n", "not-permitted");
	expect_error(fd, "{\"op\":\"cpu-remove\",\"cpu\":4}\n", "out-of-range");
	expect_error(fd, "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":0}\n", "out-of-range");
	expect_error(fd, "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":3601}\n", "out-of-range");
	expect_error(fd, "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":\"5\"}\n", "invalid-request");
	expect_error(fd, "{\"op\":\"cpu-add\",\"cpu\":1,\"timeout\":5}\n", "invalid-request");
	close(fd);
}
END_TEST

START_TEST(test_acpi_timeout)
{
	int fd = client();
	struct json_object *r;

	/* The guest never looks: withdrawn after 1 s, vCPU 1 stays enabled. */
	r = call(fd, "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":1}\n");
	ck_assert(!ok(r));
	ck_assert_str_eq(errcode(r), "timed-out");
	ck_assert_ptr_nonnull(strstr(errmsg(r), "did not read the eject request"));
	ck_assert_ptr_nonnull(strstr(errmsg(r), "stays enabled"));
	json_object_put(r);
	ck_assert(fw_enabled(fw, 1));
	ck_assert(!cpuhp_removing(hp, 1));
	ck_assert_uint_eq(guest_scan(), 0); /* no stale eject request left */
	/* The guest reads the request but does not eject. */
	put(fd, "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":1}\n");
	wait_removing(1);
	ck_assert_uint_eq(guest_scan(), 1);
	r = get(fd);
	ck_assert_str_eq(errcode(r), "timed-out");
	ck_assert_ptr_nonnull(strstr(errmsg(r), "read the eject request but did not"));
	json_object_put(r);
	ck_assert(fw_enabled(fw, 1));
	/* and then a removal the guest completes */
	put(fd, "{\"op\":\"cpu-remove\",\"cpu\":1}\n");
	wait_removing(1);
	ck_assert_uint_eq(guest_scan(), 1);
	guest_eject(1);
	r = get(fd);
	ck_assert(ok(r));
	json_object_put(r);
	close(fd);
}
END_TEST

START_TEST(test_acpi_clients)
{
	int a = client(), b = client(), sub = client();
	struct json_object *r;

	expect_ok(sub, "{\"op\":\"events\"}\n");
	/* Two clients remove vCPU 1: one eject request, both answered by the eject. */
	put(a, "{\"op\":\"cpu-remove\",\"cpu\":1}\n");
	put(b, "{\"op\":\"cpu-remove\",\"cpu\":1}\n");
	wait_removing(1);
	usleep(300000); /* the server reads b's request too; it joins a's */
	ck_assert_uint_eq(guest_scan(), 1);
	guest_eject(1);
	r = get(a);
	ck_assert(ok(r));
	ck_assert_str_eq(field(r, "changed"), "true");
	json_object_put(r);
	r = get(b);
	ck_assert(ok(r));
	ck_assert_str_eq(field(r, "changed"), "true");
	json_object_put(r);
	/*
	 * Ejected and added again before the server looks at the removal (it
	 * is busy with other requests): the removal still happened.
	 */
	expect_ok(b, "{\"op\":\"cpu-add\",\"cpu\":2}\n");
	ck_assert_uint_eq(guest_scan(), 1);
	put(a, "{\"op\":\"cpu-remove\",\"cpu\":2}\n");
	wait_removing(2);
	ck_assert_uint_eq(guest_scan(), 1);
	{
		unsigned int before = cpuhp_removals(hp, 2);

		guest_eject(2);
		ck_assert_uint_eq(cpuhp_removals(hp, 2), before + 1);
	}
	ck_assert_int_eq(cpuhp_add(hp, 2), CPUHP_CHANGED); /* behind the server's back */
	r = get(a);
	ck_assert_msg(ok(r), "%s", errmsg(r));
	ck_assert_str_eq(field(r, "changed"), "true");
	json_object_put(r);
	ck_assert_uint_eq(guest_scan(), 1);
	/* A client that hangs up while waiting withdraws its removal. */
	expect_ok(a, "{\"op\":\"cpu-add\",\"cpu\":1}\n");
	ck_assert_uint_eq(guest_scan(), 1);
	put(b, "{\"op\":\"cpu-remove\",\"cpu\":1}\n");
	wait_removing(1);
	close(b);
	for (int i = 0; i < 5000 && cpuhp_removing(hp, 1); i++) {
		usleep(1000);
	}
	ck_assert(!cpuhp_removing(hp, 1));
	ck_assert(fw_enabled(fw, 1));
	{
		const char *want[] = { "cpu-notify",  "cpu-notified", "cpu-ejected", "cpu-disabled",
				       "cpu-enabled", "cpu-notify",   "cpu-notified", "cpu-notify",
				       "cpu-remove-timeout" };

		/* vCPU 1's events (vCPU 2's come in between) */
		for (unsigned int k = 0; k < sizeof(want) / sizeof(want[0]);) {
			struct json_object *ev = get(sub), *v;

			ck_assert(json_object_object_get_ex(ev, "cpu", &v));
			if (json_object_get_int(v) == 1) {
				ck_assert(json_object_object_get_ex(ev, "event", &v));
				ck_assert_str_eq(json_object_get_string(v), want[k]);
				k++;
			}
			json_object_put(ev);
		}
	}
	close(a);
	close(sub);
}
END_TEST

START_TEST(test_acpi_resize_and_reset)
{
	int fd = client();
	struct json_object *r, *v;

	r = call(fd, "{\"op\":\"resize\",\"cpus\":4}\n");
	ck_assert(ok(r));
	ck_assert(json_object_object_get_ex(json_object_object_get(r, "result"), "changed", &v));
	ck_assert_int_eq(json_object_array_length(v), 2);
	json_object_put(r);
	ck_assert_uint_eq(guest_scan(), 2);
	ck_assert_int_eq(cpu_on(3), FW_PSCI_SUCCESS);
	ck_assert_int_eq(fw_online(fw, 3), 0);
	/* Shrink to 1: eject requests for 3, 2 and 1 (3 is on: the guest offlines it). */
	put(fd, "{\"op\":\"resize\",\"cpus\":1}\n");
	wait_removing(1);
	ck_assert_uint_eq(guest_scan(), 3);
	guest_eject(3);
	guest_eject(2);
	no_answer(fd, 200); /* 1 is still to go */
	guest_eject(1);
	r = get(fd);
	ck_assert_msg(ok(r), "%s", errmsg(r));
	ck_assert_str_eq(field(r, "enabled"), "1");
	ck_assert(json_object_object_get_ex(json_object_object_get(r, "result"), "changed", &v));
	ck_assert_int_eq(json_object_array_length(v), 3);
	json_object_put(r);
	/* A guest reboot during a removal finishes it: the rebooted guest never sees vCPU 2. */
	expect_ok(fd, "{\"op\":\"cpu-add\",\"cpu\":2}\n");
	ck_assert_uint_eq(guest_scan(), 1);
	ck_assert_int_eq(cpu_on(2), FW_PSCI_SUCCESS);
	put(fd, "{\"op\":\"cpu-remove\",\"cpu\":2}\n");
	wait_removing(2);
	fw_reset(fw);
	cpuhp_reset(hp);
	r = get(fd);
	ck_assert_msg(ok(r), "%s", errmsg(r));
	json_object_put(r);
	ck_assert(!fw_enabled(fw, 2));
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_socket_mode);
	tcase_add_test(tc, test_socket_stale);
	tcase_add_test(tc, test_socket_not_socket);
	tcase_add_test(tc, test_socket_eacces);
	tcase_add_test(tc, test_socket_not_ours);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_hotplug);
	tcase_add_test(tc, test_resize);
	tcase_add_test(tc, test_events);
	tcase_add_test(tc, test_bad_clients);
	tcase_add_test(tc, test_concurrent_clients);
	tcase_add_test(tc, test_resize_atomic);
	tcase_add_test(tc, test_poll_error);
	tcase_add_test(tc, test_out_of_memory);
	tcase_add_test(tc, test_too_many_clients);
	suite_add_tcase(s, tc);
	tc = tcase_create("acpi");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup_acpi, teardown_acpi);
	tcase_add_test(tc, test_acpi_add_remove);
	tcase_add_test(tc, test_acpi_timeout);
	tcase_add_test(tc, test_acpi_clients);
	tcase_add_test(tc, test_acpi_resize_and_reset);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
