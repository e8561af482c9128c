// SPDX-License-Identifier: MIT
/*
 * api_garbage SOCKET MESSAGES CLIENTS [SEED]: malformed control messages
 * from CLIENTS concurrent connections (e2e api_malformed, docs/api.md).
 *
 * Each client thread sends malformed requests of every kind in turn until
 * MESSAGES were sent in all, and checks every answer: one line, a JSON object
 * with "version":1, "ok":false and the error code the protocol gives for that
 * mistake (docs/api.md), the request's "id" copied back exactly when it had
 * one. The kinds:
 *   truncated  a valid request cut short                      parse-error
 *   badjson    broken JSON (trailing commas, quotes, ...)     parse-error
 *   deep       nesting deeper than 8                          parse-error
 *   binary     random bytes (a NUL or a UTF-8 continuation    parse-error
 *              byte first)
 *   types      wrong types, missing or unknown fields, bad    invalid-request,
 *              versions, values out of range, removing vCPU 0 unsupported-version,
 *              or a vCPU that is on                           out-of-range, busy,
 *                                                             not-permitted
 *   unknown    an "op" that names no operation                unknown-operation
 *   oversized  a line of 64 KiB or more, then a status on the request-too-large,
 *              same connection (answered); and a line of       then ok
 *              exactly 65535 bytes (the limit: answered ok)
 *   blank      empty lines (ignored) around a bad request     one answer
 *   pipeline   2-13 bad requests in one write                 answers in order
 *   slow       a bad request written a byte at a time         its answer
 *   halfclose  a bad request, then shutdown(SHUT_WR)          its answer, then EOF
 *              an unterminated line, then shutdown(SHUT_WR)   EOF, no answer
 *   abort      half a request, then a reset (SO_LINGER 0)     (nothing to read)
 * Every 10th round starts with a valid status (ok, "state":"running"); each
 * connection ends with a status whose id must be the next answer (no stray
 * or missing answers). Each client also holds one connection with half a
 * request for the whole run and finishes it at the end (answered).
 * Afterwards, alone: 80 connections at once; at most 64 are served, the rest
 * get one "unavailable" line and EOF, and each served one answers a bad
 * request.
 * Prints the counts per kind; exit 0 only if every answer was right.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define MAX_LINE 65536 /* PROTO_MAX_LINE: bytes including the newline */
#define MAX_CLIENTS 64 /* API_MAX_CLIENTS */
#define BURST 80
#define REPLY_MS 10000

enum kind {
	K_TRUNCATED,
	K_BADJSON,
	K_DEEP,
	K_BINARY,
	K_TYPES,
	K_UNKNOWN,
	K_OVERSIZED,
	K_BLANK,
	K_PIPELINE,
	K_SLOW,
	K_HALFCLOSE,
	K_ABORT,
	NKINDS
};

static const char *const kind_names[NKINDS] = {
	"truncated", "badjson", "deep", "binary", "types", "unknown",
	"oversized", "blank", "pipeline", "slow", "halfclose", "abort",
};

static const char *sock_path;
static long total;
static atomic_long next_msg, sent[NKINDS], valid_ok, wrong, conns;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

struct conn {
	int fd;
	char buf[8192];
	size_t len;
};

struct worker {
	unsigned int index;
	uint64_t rng;
	struct conn c;
	struct conn held; /* half a request, finished at the end */
	unsigned long syncs;
};

static uint64_t rnd(struct worker *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dull;
}

static unsigned int below(struct worker *w, unsigned int n)
{
	return (unsigned int)(rnd(w) % n);
}

static void bad(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	if (atomic_fetch_add(&wrong, 1) < 40) {
		fputs("api_garbage: WRONG: ", stdout);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		fputc('\n', stdout);
		fflush(stdout);
	}
	pthread_mutex_unlock(&out_lock);
}

static int conn_open(struct conn *c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	c->len = 0;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		bad("socket: %s", strerror(errno));
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		bad("connect %s: %s", sock_path, strerror(errno));
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	atomic_fetch_add(&conns, 1);
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		close(c->fd);
	}
	c->fd = -1;
	c->len = 0;
}

static bool send_all(struct conn *c, const char *p, size_t n)
{
	while (n) {
		ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR) {
			continue;
		}
		if (k < 0) {
			bad("send: %s", strerror(errno));
			return false;
		}
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/*
 * The next line from @c (without its newline) in @line; 1 on a line, 0 on
 * EOF, -1 on a timeout or error (ms: how long to wait).
 */
static int read_line(struct conn *c, char *line, size_t size, int ms)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - c->buf);

			if (len >= size) {
				len = size - 1;
			}
			memcpy(line, c->buf, len);
			line[len] = '\0';
			c->len -= (size_t)(nl - c->buf) + 1;
			memmove(c->buf, nl + 1, c->len);
			return 1;
		}
		if (c->len == sizeof(c->buf)) {
			return -1; /* an answer longer than any the server sends */
		}
		if (poll(&pfd, 1, ms) <= 0) {
			return -1;
		}
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n == 0) {
			return c->len ? -1 : 0;
		}
		if (n < 0) {
			return errno == ECONNRESET ? 0 : -1;
		}
		c->len += (size_t)n;
	}
}

/*
 * Read one answer and check it: ok (@code NULL: a success) or the error
 * @code, with @id (JSON text, or NULL for none) copied back.
 */
static bool expect(struct conn *c, enum kind k, const char *code, const char *id)
{
	static _Thread_local char line[8192];
	struct json_object *obj, *v, *err;
	bool good = false;
	int r = read_line(c, line, sizeof(line), REPLY_MS);

	if (r <= 0) {
		bad("%s: %s waiting for the answer (%s)", k < NKINDS ? kind_names[k] : "status",
		    r ? "timeout/error" : "EOF", code ? code : "ok");
		return false;
	}
	obj = json_tokener_parse(line);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		goto out;
	}
	if (!json_object_object_get_ex(obj, "version", &v) || json_object_get_int(v) != 1) {
		goto out;
	}
	if (!json_object_object_get_ex(obj, "ok", &v) ||
	    json_object_get_boolean(v) != (code == NULL)) {
		goto out;
	}
	if (code) {
		struct json_object *cv, *mv;

		if (!json_object_object_get_ex(obj, "error", &err) ||
		    !json_object_object_get_ex(err, "code", &cv) ||
		    strcmp(json_object_get_string(cv), code) ||
		    !json_object_object_get_ex(err, "message", &mv) ||
		    json_object_get_string_len(mv) == 0) {
			goto out;
		}
	} else if (!json_object_object_get_ex(obj, "result", &v) ||
		   !json_object_is_type(v, json_type_object)) {
		goto out;
	}
	if (id) {
		struct json_object *want = json_tokener_parse(id);

		good = json_object_object_get_ex(obj, "id", &v) && want &&
		       json_object_equal(v, want);
		json_object_put(want);
	} else {
		good = !json_object_object_get_ex(obj, "id", NULL);
	}
out:
	if (!good) {
		bad("%s: expected %s%s%s, got: %.300s", k < NKINDS ? kind_names[k] : "status",
		    code ? code : "ok", id ? " with id " : "", id ? id : "", line);
	}
	json_object_put(obj);
	return good;
}

/* A valid status with a unique id: its answer must be the next line. */
static bool status_sync(struct worker *w, struct conn *c)
{
	char req[160], id[80], plain[64];
	static _Thread_local char line[8192];
	struct json_object *obj, *res, *st;
	bool good;

	snprintf(plain, sizeof(plain), "sync-%u-%lu", w->index, w->syncs++);
	snprintf(id, sizeof(id), "\"%s\"", plain);
	snprintf(req, sizeof(req), "{\"op\":\"status\",\"id\":%s}\n", id);
	if (!send_all(c, req, strlen(req))) {
		return false;
	}
	if (read_line(c, line, sizeof(line), REPLY_MS) <= 0) {
		bad("status: no answer");
		return false;
	}
	obj = json_tokener_parse(line);
	good = obj && json_object_object_get_ex(obj, "ok", &st) && json_object_get_boolean(st) &&
	       json_object_object_get_ex(obj, "id", &st) &&
	       !strcmp(json_object_get_string(st), plain) &&
	       json_object_object_get_ex(obj, "result", &res) &&
	       json_object_object_get_ex(res, "state", &st) &&
	       !strcmp(json_object_get_string(st), "running");
	if (good) {
		atomic_fetch_add(&valid_ok, 1);
	} else {
		bad("status %s: not ok/running or another answer came first: %.300s", id, line);
	}
	json_object_put(obj);
	return good;
}

/* ---- message generators: @buf gets the line (with its newline) ---- */

/* A random id as JSON text: a number, a string (sometimes long) or an object. */
static void make_id(struct worker *w, char *id, size_t size)
{
	size_t n, i;

	switch (below(w, 4)) {
	case 0:
		snprintf(id, size, "%llu", (unsigned long long)(rnd(w) >> 12));
		break;
	case 1:
		snprintf(id, size, "{\"w\":%u,\"n\":[1,\"x\"]}", w->index);
		break;
	default:
		n = 1 + below(w, below(w, 4) ? 40 : (unsigned int)size - 8);
		id[0] = '"';
		for (i = 1; i <= n; i++) {
			id[i] = (char)('a' + below(w, 26));
		}
		id[i++] = '"';
		id[i] = '\0';
		break;
	}
}

static const char *const badjson[] = {
	"{\"op\":\"status\",}",
	"{'op':'status'}",
	"{\"op\":status}",
	"{\"op\":\"status\"}}",
	"{\"op\":\"status\"} x",
	"{op:\"status\"}",
	"{\"op\":\"status\" \"id\":1}",
	"[1,2,]",
	"{\"op\":\"st\\u00\"}",
	"tru",
	"{\"a\":01}",
	"{\"op\":\"status\"}{\"op\":\"status\"}",
	"NaN",
	"{\"op\":\"status\",\"id\":Infinity}",
	"{\"op\":\"status\",\"id\":[-Infinity]}",
	"{\"op\":\"status\",\"id\":1e999}",
	"{\"op\":\"status\",\"id\":0x10}",
	"\"unterminated",
	"{\"op\":\"status\",\"id\":\"\\x41\"}",
	"}",
	"{\"op\":\"status\"",
	"/* comment */ {\"op\":\"status\"}",
};

struct typed {
	const char *body; /* the request without its closing brace */
	const char *code;
};

static const struct typed typed[] = {
	{ "{\"op\":\"cpu-add\",\"cpu\":\"2\"", "invalid-request" },
	{ "{\"op\":\"cpu-add\",\"cpu\":1.5", "invalid-request" },
	{ "{\"op\":\"cpu-add\",\"cpu\":true", "invalid-request" },
	{ "{\"op\":\"cpu-add\",\"cpu\":null", "invalid-request" },
	{ "{\"op\":\"cpu-add\"", "invalid-request" },
	{ "{\"op\":\"cpu-remove\",\"cpu\":[2]", "invalid-request" },
	{ "{\"op\":\"resize\",\"cpus\":{}", "invalid-request" },
	{ "{\"op\":7", "invalid-request" },
	{ "{\"op\":null", "invalid-request" },
	{ "{\"op\":[\"status\"]", "invalid-request" },
	{ "{\"cpu\":2", "invalid-request" },
	{ "{\"op\":\"status\",\"cpu\":1", "invalid-request" },
	{ "{\"op\":\"status\",\"shutdown\":true", "invalid-request" },
	{ "{\"op\":\"cpu-add\",\"cpu\":2,\"timeout\":5", "invalid-request" },
	{ "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":\"5\"", "invalid-request" },
	{ "{\"op\":\"status\",\"version\":\"1\"", "unsupported-version" },
	{ "{\"op\":\"status\",\"version\":2", "unsupported-version" },
	{ "{\"op\":\"shutdown\",\"version\":0", "unsupported-version" },
	{ "{\"op\":\"reboot\",\"version\":1.0", "unsupported-version" },
	{ "{\"op\":\"cpu-add\",\"cpu\":-1", "out-of-range" },
	{ "{\"op\":\"cpu-add\",\"cpu\":99999999999999999999", "out-of-range" },
	{ "{\"op\":\"cpu-add\",\"cpu\":4000", "out-of-range" },
	{ "{\"op\":\"resize\",\"cpus\":0", "out-of-range" },
	{ "{\"op\":\"resize\",\"cpus\":70000", "out-of-range" },
	{ "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":0", "out-of-range" },
	{ "{\"op\":\"cpu-remove\",\"cpu\":1,\"timeout\":3601", "out-of-range" },
	{ "{\"op\":\"cpu-remove\",\"cpu\":0", "not-permitted" },
	{ "{\"op\":\"cpu-remove\",\"cpu\":1", "busy" },
};

static const char *const op_names[] = { "status", "cpu-add", "cpu-remove", "resize",
					"events", "shutdown", "reboot" };

/*
 * Fill @buf with one bad request of kind @k (for the kinds that are one
 * line): its expected code in *code, its id (JSON text) in @id or "".
 * Returns the length.
 */
static size_t make_line(struct worker *w, enum kind k, char *buf, size_t size, const char **code,
			char *id, size_t idsize)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzSTATUS-_0123456789 ";
	const struct typed *t;
	size_t n, i, cut;
	char full[256];
	bool known;

	id[0] = '\0';
	*code = "parse-error";
	switch (k) {
	case K_TRUNCATED:
		n = (size_t)snprintf(full, sizeof(full), "{\"op\":\"cpu-add\",\"cpu\":%u,\"id\":%u}",
				     below(w, 4), below(w, 100000));
		cut = 1 + below(w, (unsigned int)n - 1);
		memcpy(buf, full, cut);
		buf[cut] = '\n';
		return cut + 1;
	case K_BADJSON:
		return (size_t)snprintf(buf, size, "%s\n",
					badjson[below(w, sizeof(badjson) / sizeof(badjson[0]))]);
	case K_DEEP:
		n = 9 + below(w, 200);
		i = (size_t)snprintf(buf, size, "{\"op\":\"status\",\"id\":");
		memset(buf + i, '[', n);
		memset(buf + i + n, ']', n);
		i += 2 * n;
		buf[i++] = '}';
		buf[i++] = '\n';
		return i;
	case K_BINARY:
		n = 1 + below(w, 3000);
		for (i = 0; i < n; i++) {
			do {
				buf[i] = (char)rnd(w);
			} while (buf[i] == '\n');
		}
		/* never valid JSON: a NUL, or a UTF-8 continuation byte first */
		buf[0] = below(w, 2) ? '\0' : (char)(0x80 + below(w, 0x40));
		if (below(w, 2)) {
			buf[below(w, (unsigned int)n)] = '\0';
		}
		buf[n] = '\n';
		return n + 1;
	case K_TYPES:
		t = &typed[below(w, sizeof(typed) / sizeof(typed[0]))];
		*code = t->code;
		if (below(w, 4)) {
			make_id(w, id, idsize);
			return (size_t)snprintf(buf, size, "%s,\"id\":%s}\n", t->body, id);
		}
		return (size_t)snprintf(buf, size, "%s}\n", t->body);
	case K_UNKNOWN:
		*code = "unknown-operation";
		do {
			n = 1 + below(w, 60);
			for (i = 0; i < n; i++) {
				buf[i] = alphabet[below(w, sizeof(alphabet) - 1)];
			}
			buf[n] = '\0';
			known = false;
			for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
				known = known || !strcmp(buf, op_names[i]);
			}
		} while (known);
		memmove(buf + 7, buf, n);
		memcpy(buf, "{\"op\":\"", 7);
		make_id(w, id, idsize);
		return 7 + n + (size_t)snprintf(buf + 7 + n, size - 7 - n, "\",\"id\":%s}\n", id);
	default:
		return 0;
	}
}

/* One bad line from a random one-line kind (for blank, pipeline, slow, halfclose). */
static size_t make_any(struct worker *w, char *buf, size_t size, const char **code, char *id,
		       size_t idsize)
{
	static const enum kind line_kinds[] = { K_TRUNCATED, K_BADJSON, K_DEEP,
						K_BINARY,    K_TYPES,	 K_UNKNOWN };

	return make_line(w, line_kinds[below(w, 6)], buf, size, code, id, idsize);
}

#define BIG_HEAD "{\"op\":\"status\",\"id\":\""
static char *big; /* MAX_LINE * 5 bytes: BIG_HEAD, then 'a's; read-only */

/* One round of kind @k on the worker's connection; returns messages sent. */
static long run_kind(struct worker *w, enum kind k)
{
	static _Thread_local char buf[8192], id[2100], ids[100][32];
	static _Thread_local const char *codes[100];
	const char *code;
	struct conn x;
	size_t n, i, len;
	char line[64];
	unsigned int p;

	switch (k) {
	case K_TRUNCATED:
	case K_BADJSON:
	case K_DEEP:
	case K_BINARY:
	case K_TYPES:
	case K_UNKNOWN:
		n = make_line(w, k, buf, sizeof(buf), &code, id, sizeof(id) - 8);
		if (send_all(&w->c, buf, n)) {
			expect(&w->c, k, code, id[0] ? id : NULL);
		}
		return 1;
	case K_OVERSIZED:
		if (below(w, 3) == 0) {
			/* exactly the limit: 65535 bytes and the newline, valid */
			len = MAX_LINE - 1;
			if (!send_all(&w->c, big, len - 2) || !send_all(&w->c, "\"}\n", 3)) {
				return 1;
			}
			/* the answer echoes a 64 KiB id: read it raw */
			for (i = 0;;) {
				struct pollfd pfd = { .fd = w->c.fd, .events = POLLIN };
				char *nl;

				if (w->c.len == 0 && poll(&pfd, 1, REPLY_MS) <= 0) {
					bad("oversized: no answer to the 65535-byte request");
					return 1;
				}
				if (w->c.len == 0) {
					ssize_t r = recv(w->c.fd, w->c.buf, sizeof(w->c.buf), 0);

					if (r <= 0) {
						bad("oversized: EOF after the 65535-byte request");
						return 1;
					}
					w->c.len = (size_t)r;
				}
				nl = memchr(w->c.buf, '\n', w->c.len);
				n = nl ? (size_t)(nl - w->c.buf) + 1 : w->c.len;
				if (i == 0 && strncmp(w->c.buf, "{\"version\":1,\"id\":\"aaaa", 23)) {
					bad("oversized: the 65535-byte request: %.100s", w->c.buf);
				}
				i += n;
				w->c.len -= n;
				memmove(w->c.buf, w->c.buf + n, w->c.len);
				if (nl) {
					break;
				}
			}
			if (i < MAX_LINE) {
				bad("oversized: the answer to the 65535-byte request is %zu bytes", i);
			}
			return 1;
		}
		len = MAX_LINE + below(w, 4 * MAX_LINE);
		if (send_all(&w->c, big, len) && send_all(&w->c, "\n", 1)) {
			expect(&w->c, k, "request-too-large", NULL);
			/* the rest of that line was skipped: the connection goes on */
			status_sync(w, &w->c);
		}
		return 1;
	case K_BLANK:
		n = make_any(w, buf + 3, sizeof(buf) - 6, &code, id, sizeof(id) - 8);
		memcpy(buf, "\n\n\n", 3);
		memcpy(buf + 3 + n, "\n\n", 2);
		if (send_all(&w->c, buf, n + 5)) {
			expect(&w->c, k, code, id[0] ? id : NULL);
		}
		return 1;
	case K_PIPELINE:
		p = 2 + below(w, 12);
		len = 0;
		for (i = 0; i < p; i++) {
			const struct typed *t = &typed[below(w, sizeof(typed) / sizeof(typed[0]))];

			snprintf(ids[i], sizeof(ids[i]), "%u", below(w, 1000000));
			codes[i] = t->code;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s,\"id\":%s}\n",
						t->body, ids[i]);
			if (len > sizeof(buf) - 100) {
				p = (unsigned int)i + 1;
				break;
			}
		}
		if (send_all(&w->c, buf, len)) {
			for (i = 0; i < p; i++) {
				if (!expect(&w->c, k, codes[i], ids[i])) {
					break;
				}
			}
		}
		return p;
	case K_SLOW:
		n = make_any(w, buf, sizeof(buf), &code, id, sizeof(id) - 8);
		if (n > 200) {
			/* keep it slow, not endless: cut to 200 bytes */
			n = make_line(w, K_TYPES, buf, 200, &code, id, 40);
		}
		for (i = 0; i < n; i++) {
			struct timespec ts = { 0, (long)(1 + below(w, 3)) * 1000000 };

			if (!send_all(&w->c, buf + i, 1)) {
				return 1;
			}
			nanosleep(&ts, NULL);
		}
		expect(&w->c, k, code, id[0] ? id : NULL);
		return 1;
	case K_HALFCLOSE:
		if (conn_open(&x) < 0) {
			return 1;
		}
		n = make_any(w, buf, sizeof(buf), &code, id, sizeof(id) - 8);
		if (below(w, 2)) {
			/* a complete bad line: answered, then EOF */
			if (send_all(&x, buf, n) && shutdown(x.fd, SHUT_WR) == 0) {
				if (expect(&x, k, code, id[0] ? id : NULL) &&
				    read_line(&x, line, sizeof(line), REPLY_MS) != 0) {
					bad("halfclose: no EOF after the answer");
				}
			}
		} else if (send_all(&x, buf, n - 1) && shutdown(x.fd, SHUT_WR) == 0) {
			/* no newline: nothing to answer, the server hangs up */
			int r = read_line(&x, line, sizeof(line), REPLY_MS);

			if (r != 0) {
				bad("halfclose: an unterminated line: expected EOF, got %s%.200s",
				    r < 0 ? "a timeout" : "an answer: ", r < 0 ? "" : line);
			}
		}
		conn_close(&x);
		return 1;
	case K_ABORT:
		if (conn_open(&x) < 0) {
			return 1;
		}
		n = make_any(w, buf, sizeof(buf), &code, id, sizeof(id) - 8);
		if (send_all(&x, buf, n / 2 + 1)) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(x.fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		}
		conn_close(&x);
		return 1;
	default:
		return 0;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned long round = 0, left = 0;
	char buf[256], id[64];
	const char *code;
	size_t n;

	/* the held connection: half a request now, the rest at the end */
	n = make_line(w, K_TYPES, buf, sizeof(buf), &code, id, sizeof(id));
	if (conn_open(&w->held) < 0 || !send_all(&w->held, buf, n / 2)) {
		return NULL;
	}
	if (conn_open(&w->c) < 0) {
		return NULL;
	}
	for (;;) {
		enum kind k = (enum kind)((round + w->index) % NKINDS);
		long m;

		if (atomic_load(&next_msg) >= total) {
			break;
		}
		if (round % 10 == 9) {
			status_sync(w, &w->c);
		}
		m = run_kind(w, k);
		atomic_fetch_add(&sent[k], m);
		atomic_fetch_add(&next_msg, m);
		round++;
		/* churn: a new connection every few rounds, checked in sync first */
		if (left == 0) {
			left = 1 + below(w, 40);
		}
		if (--left == 0) {
			status_sync(w, &w->c);
			conn_close(&w->c);
			if (conn_open(&w->c) < 0) {
				return NULL;
			}
		}
	}
	status_sync(w, &w->c);
	conn_close(&w->c);
	if (send_all(&w->held, buf + n / 2, n - n / 2)) {
		expect(&w->held, K_TYPES, code, id[0] ? id : NULL);
		atomic_fetch_add(&sent[K_SLOW], 1);
	}
	conn_close(&w->held);
	return NULL;
}

/* 80 connections at once: at most 64 served, the rest refused cleanly. */
static void burst(void)
{
	static struct conn c[BURST];
	unsigned int i, served = 0, refused = 0;
	char line[512];

	for (i = 0; i < BURST; i++) {
		if (conn_open(&c[i]) < 0) {
			return;
		}
	}
	usleep(500000);
	for (i = 0; i < BURST; i++) {
		struct pollfd pfd = { .fd = c[i].fd, .events = POLLIN };

		if (poll(&pfd, 1, 0) == 1) {
			int r = read_line(&c[i], line, sizeof(line), REPLY_MS);

			if (r != 1 || !strstr(line, "\"code\":\"unavailable\"") ||
			    !strstr(line, "too many control clients")) {
				bad("burst: a refused client got: %.200s", r == 1 ? line : "no line");
			} else if (read_line(&c[i], line, sizeof(line), REPLY_MS) != 0) {
				bad("burst: no EOF after the refusal");
			}
			refused++;
			conn_close(&c[i]);
		} else {
			served++;
		}
	}
	for (i = 0; i < BURST; i++) {
		if (c[i].fd >= 0) {
			send_all(&c[i], "{\"op\":\"nope\"}\n", 14);
			expect(&c[i], K_UNKNOWN, "unknown-operation", NULL);
			conn_close(&c[i]);
		}
	}
	if (served > MAX_CLIENTS || served + refused != BURST || refused < BURST - MAX_CLIENTS) {
		bad("burst: %u connections: %u served, %u refused", BURST, served, refused);
	}
	printf("api_garbage: burst of %u connections at once: %u served (each answered), %u refused "
	       "with \"unavailable\" and closed\n",
	       BURST, served, refused);
}

int main(int argc, char **argv)
{
	struct worker *ws;
	pthread_t *tids;
	unsigned long nclients, i;
	uint64_t seed;
	long msgs = 0;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: api_garbage SOCKET MESSAGES CLIENTS [SEED]\n");
		return 2;
	}
	sock_path = argv[1];
	total = strtol(argv[2], NULL, 0);
	nclients = strtoul(argv[3], NULL, 0);
	seed = argc == 5 ? strtoull(argv[4], NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid();
	if (total < 1 || nclients < 1 || nclients > (MAX_CLIENTS - 2) / 2) {
		fprintf(stderr, "api_garbage: MESSAGES >= 1, CLIENTS 1..%d (each holds 2 connections)\n",
			(MAX_CLIENTS - 2) / 2);
		return 2;
	}
	printf("api_garbage: %ld messages, %lu clients, seed %llu\n", total, nclients,
	       (unsigned long long)seed);
	fflush(stdout);
	big = malloc(MAX_LINE * 5);
	ws = calloc(nclients, sizeof(*ws));
	tids = calloc(nclients, sizeof(*tids));
	if (!big || !ws || !tids) {
		perror("api_garbage");
		return 1;
	}
	/* a status whose id string runs on: {"op":"status","id":"aaa... */
	memset(big, 'a', MAX_LINE * 5);
	memcpy(big, BIG_HEAD, strlen(BIG_HEAD));
	for (i = 0; i < nclients; i++) {
		ws[i].index = (unsigned int)i;
		ws[i].rng = seed * 0x9e3779b97f4a7c15ull + i + 1;
		ws[i].c.fd = ws[i].held.fd = -1;
		if (pthread_create(&tids[i], NULL, worker_main, &ws[i])) {
			perror("pthread_create");
			return 1;
		}
	}
	for (i = 0; i < nclients; i++) {
		pthread_join(tids[i], NULL);
	}
	for (i = 0; i < NKINDS; i++) {
		msgs += atomic_load(&sent[i]);
	}
	printf("api_garbage: per kind:");
	for (i = 0; i < NKINDS; i++) {
		printf(" %s %ld", kind_names[i], atomic_load(&sent[i]));
	}
	printf("\n");
	burst();
	printf("api_garbage: %ld malformed messages from %lu concurrent clients over %ld "
	       "connections, %ld valid status answers; %ld wrong\n",
	       msgs, nclients, atomic_load(&conns), atomic_load(&valid_ok), atomic_load(&wrong));
	return atomic_load(&wrong) || msgs < total ? 1 : 0;
}
