// SPDX-License-Identifier: MIT
/* hotvm control protocol: request parsing and response formatting (json-c). */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/proto.h"

/* Deep nesting buys a client nothing; keep the parser's stack small. */
#define PROTO_MAX_DEPTH 8
#define PROTO_MAX_COUNT 65535

static const char *const op_names[] = {
	[PROTO_STATUS] = "status",	   [PROTO_CPU_ADD] = "cpu-add", [PROTO_CPU_REMOVE] = "cpu-remove",
	[PROTO_RESIZE] = "resize",	   [PROTO_EVENTS] = "events",	[PROTO_SHUTDOWN] = "shutdown",
	[PROTO_REBOOT] = "reboot",
};

static const char *const err_names[] = {
	[PROTO_OK] = "ok",
	[PROTO_EPARSE] = "parse-error",
	[PROTO_EINVALID] = "invalid-request",
	[PROTO_EUNKNOWN] = "unknown-operation",
	[PROTO_EVERSION] = "unsupported-version",
	[PROTO_ERANGE] = "out-of-range",
	[PROTO_EBUSY] = "busy",
	[PROTO_EPERM] = "not-permitted",
	[PROTO_ETOOBIG] = "request-too-large",
	[PROTO_EUNAVAIL] = "unavailable",
	[PROTO_EINTERNAL] = "internal-error",
	[PROTO_ETIMEDOUT] = "timed-out",
};

/* Which argument each operation takes: none, "cpu" or "cpus". */
enum arg_kind { ARG_NONE, ARG_CPU, ARG_CPUS };

static const enum arg_kind op_args[] = {
	[PROTO_STATUS] = ARG_NONE, [PROTO_CPU_ADD] = ARG_CPU, [PROTO_CPU_REMOVE] = ARG_CPU,
	[PROTO_RESIZE] = ARG_CPUS, [PROTO_EVENTS] = ARG_NONE, [PROTO_SHUTDOWN] = ARG_NONE,
	[PROTO_REBOOT] = ARG_NONE,
};

const char *proto_opname(enum proto_op op)
{
	if ((unsigned int)op < sizeof(op_names) / sizeof(op_names[0])) {
		return op_names[op];
	}
	return "?";
}

const char *proto_errname(enum proto_err err)
{
	if ((unsigned int)err < sizeof(err_names) / sizeof(err_names[0])) {
		return err_names[err];
	}
	return "internal-error";
}

static enum proto_err fail(char *msg, size_t msglen, enum proto_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return err;
}

/* A non-negative integer field; JSON doubles and strings are refused. */
static enum proto_err get_count(struct json_object *obj, const char *key, int64_t *out, char *msg,
				size_t msglen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, key, &v)) {
		return fail(msg, msglen, PROTO_EINVALID, "missing field \"%s\"", key);
	}
	if (!json_object_is_type(v, json_type_int)) {
		return fail(msg, msglen, PROTO_EINVALID, "field \"%s\" must be an integer", key);
	}
	/* json-c saturates huge numbers; no VM has more than 65535 vCPUs. */
	*out = json_object_get_int64(v);
	if (*out < 0 || *out > PROTO_MAX_COUNT) {
		return fail(msg, msglen, PROTO_ERANGE, "field \"%s\" out of range", key);
	}
	return PROTO_OK;
}

/*
 * json-c takes NaN, Infinity and numbers too big for a double (1e999), none
 * of them JSON; echoed back in "id" they would make the answer invalid JSON.
 */
static bool nonfinite(struct json_object *obj)
{
	size_t i, n;

	switch (json_object_get_type(obj)) {
	case json_type_double:
		return !isfinite(json_object_get_double(obj));
	case json_type_array:
		n = json_object_array_length(obj);
		for (i = 0; i < n; i++) {
			if (nonfinite(json_object_array_get_idx(obj, i))) {
				return true;
			}
		}
		return false;
	case json_type_object: {
		json_object_object_foreach(obj, key, val)
		{
			(void)key;
			if (nonfinite(val)) {
				return true;
			}
		}
		return false;
	}
	default:
		return false;
	}
}

enum proto_err proto_parse(const char *line, size_t len, struct proto_req *req, char *msg,
			   size_t msglen)
{
	struct json_tokener *tok;
	struct json_object *obj, *v;
	enum proto_err err = PROTO_OK;
	const char *name = NULL;
	size_t i, consumed;

	memset(req, 0, sizeof(*req));
	msg[0] = '\0';
	if (len >= PROTO_MAX_LINE) {
		return fail(msg, msglen, PROTO_ETOOBIG, "request longer than %d bytes",
			    PROTO_MAX_LINE - 1);
	}
	if (memchr(line, '\0', len)) {
		return fail(msg, msglen, PROTO_EPARSE, "request contains a NUL byte");
	}
	tok = json_tokener_new_ex(PROTO_MAX_DEPTH);
	if (!tok) {
		return fail(msg, msglen, PROTO_EINTERNAL, "out of memory");
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	consumed = (size_t)json_tokener_get_parse_end(tok);
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue) {
		/* A bare number may go on; the end of the line ends it. */
		obj = json_tokener_parse_ex(tok, "", 1);
		consumed = len;
	}
	if (!obj) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		if (jerr == json_tokener_continue) {
			err = fail(msg, msglen, PROTO_EPARSE, "incomplete JSON");
		} else {
			err = fail(msg, msglen, PROTO_EPARSE, "malformed JSON: %s",
				   json_tokener_error_desc(jerr));
		}
		json_tokener_free(tok);
		return err;
	}
	/* Anything after the object other than blanks is an error too. */
	for (i = consumed; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			json_tokener_free(tok);
			json_object_put(obj);
			return fail(msg, msglen, PROTO_EPARSE, "trailing data after the request");
		}
	}
	json_tokener_free(tok);
	if (nonfinite(obj)) {
		json_object_put(obj);
		return fail(msg, msglen, PROTO_EPARSE, "malformed JSON: NaN or an infinite number");
	}

	if (!json_object_is_type(obj, json_type_object)) {
		err = fail(msg, msglen, PROTO_EINVALID, "a request must be a JSON object");
		goto out;
	}
	if (json_object_object_get_ex(obj, "id", &v)) {
		req->id = json_object_get(v);
	}
	if (json_object_object_get_ex(obj, "version", &v)) {
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) != PROTO_VERSION) {
			err = fail(msg, msglen, PROTO_EVERSION,
				   "unsupported protocol version (this hotvm speaks version %d)",
				   PROTO_VERSION);
			goto out;
		}
	}
	if (!json_object_object_get_ex(obj, "op", &v) || !json_object_is_type(v, json_type_string)) {
		err = fail(msg, msglen, PROTO_EINVALID, "missing string field \"op\"");
		goto out;
	}
	name = json_object_get_string(v);
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (!strcmp(name, op_names[i])) {
			break;
		}
	}
	if (i == sizeof(op_names) / sizeof(op_names[0])) {
		err = fail(msg, msglen, PROTO_EUNKNOWN, "unknown operation \"%.64s\"", name);
		goto out;
	}
	req->op = (enum proto_op)i;

	switch (op_args[req->op]) {
	case ARG_CPU:
		err = get_count(obj, "cpu", &req->cpu, msg, msglen);
		break;
	case ARG_CPUS:
		err = get_count(obj, "cpus", &req->cpus, msg, msglen);
		break;
	case ARG_NONE:
		break;
	}
	if (err) {
		goto out;
	}
	/* How long a removal may wait for the guest (cpu-remove, resize). */
	if ((req->op == PROTO_CPU_REMOVE || req->op == PROTO_RESIZE) &&
	    json_object_object_get_ex(obj, "timeout", NULL)) {
		err = get_count(obj, "timeout", &req->timeout, msg, msglen);
		if (!err && (req->timeout < 1 || req->timeout > PROTO_TIMEOUT_MAX)) {
			err = fail(msg, msglen, PROTO_ERANGE,
				   "field \"timeout\": %lld s, must be 1 to %d seconds",
				   (long long)req->timeout, PROTO_TIMEOUT_MAX);
		}
		if (err) {
			goto out;
		}
	}
	/* Refuse fields this operation does not take: a typo must not pass. */
	json_object_object_foreach(obj, key, val)
	{
		(void)val;
		if (!strcmp(key, "op") || !strcmp(key, "id") || !strcmp(key, "version") ||
		    (op_args[req->op] == ARG_CPU && !strcmp(key, "cpu")) ||
		    (op_args[req->op] == ARG_CPUS && !strcmp(key, "cpus")) ||
		    ((req->op == PROTO_CPU_REMOVE || req->op == PROTO_RESIZE) &&
		     !strcmp(key, "timeout"))) {
			continue;
		}
		err = fail(msg, msglen, PROTO_EINVALID, "unknown field \"%.64s\" for \"%s\"", key,
			   name);
		break;
	}
out:
	json_object_put(obj);
	return err;
}

void proto_free(struct proto_req *req)
{
	json_object_put(req->id);
	req->id = NULL;
}

bool proto_set(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val) {
		return false;
	}
	if (!obj || json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return false;
	}
	return true;
}

bool proto_push(struct json_object *arr, struct json_object *val)
{
	if (!val) {
		return false;
	}
	if (!arr || json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return false;
	}
	return true;
}

static char *finish(struct json_object *obj)
{
	const char *s;
	size_t n;
	char *line;

	if (!obj) {
		return NULL;
	}
	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &n);
	line = s ? malloc(n + 2) : NULL;
	if (line) {
		memcpy(line, s, n);
		line[n] = '\n';
		line[n + 1] = '\0';
	}
	json_object_put(obj);
	return line;
}

static struct json_object *envelope(const struct proto_req *req, bool ok)
{
	struct json_object *obj = json_object_new_object();
	bool good = obj != NULL;

	good = good && proto_set(obj, "version", json_object_new_int(PROTO_VERSION));
	if (good && req && req->id) {
		good = proto_set(obj, "id", json_object_get(req->id));
	}
	good = good && proto_set(obj, "ok", json_object_new_boolean(ok));
	if (!good) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

char *proto_ok(const struct proto_req *req, struct json_object *result)
{
	struct json_object *obj = envelope(req, true);

	if (!obj) {
		json_object_put(result);
		return NULL;
	}
	if (!proto_set(obj, "result", result ? result : json_object_new_object())) {
		json_object_put(obj);
		return NULL;
	}
	return finish(obj);
}

char *proto_error(const struct proto_req *req, enum proto_err err, const char *msg)
{
	struct json_object *obj = envelope(req, false);
	struct json_object *e = json_object_new_object();
	bool good = obj && e;

	good = good && proto_set(e, "code", json_object_new_string(proto_errname(err)));
	good = good && proto_set(e, "message", json_object_new_string(msg ? msg : ""));
	if (!good) {
		json_object_put(obj);
		json_object_put(e);
		return NULL;
	}
	if (!proto_set(obj, "error", e)) {
		json_object_put(obj);
		return NULL;
	}
	return finish(obj);
}

const char *proto_powername(enum fw_power p)
{
	switch (p) {
	case FW_POWER_OFF:
		return "off";
	case FW_POWER_ON_PENDING:
		return "on-pending";
	case FW_POWER_ON:
		return "on";
	case FW_POWER_STANDBY:
		return "standby";
	case FW_POWER_SUSPENDED:
		return "suspended";
	}
	return "unknown";
}

static const char *const psci_names[FW_PSCI_NFUNCS] = {
	[FW_PSCI_VERSION] = "PSCI_VERSION",
	[FW_PSCI_CPU_SUSPEND] = "CPU_SUSPEND",
	[FW_PSCI_CPU_OFF] = "CPU_OFF",
	[FW_PSCI_CPU_ON] = "CPU_ON",
	[FW_PSCI_AFFINITY_INFO] = "AFFINITY_INFO",
	[FW_PSCI_MIGRATE] = "MIGRATE",
	[FW_PSCI_MIGRATE_INFO_TYPE] = "MIGRATE_INFO_TYPE",
	[FW_PSCI_MIGRATE_INFO_UP_CPU] = "MIGRATE_INFO_UP_CPU",
	[FW_PSCI_SYSTEM_OFF] = "SYSTEM_OFF",
	[FW_PSCI_SYSTEM_RESET] = "SYSTEM_RESET",
	[FW_PSCI_FEATURES] = "PSCI_FEATURES",
	[FW_PSCI_CPU_FREEZE] = "CPU_FREEZE",
	[FW_PSCI_CPU_DEFAULT_SUSPEND] = "CPU_DEFAULT_SUSPEND",
	[FW_PSCI_NODE_HW_STATE] = "NODE_HW_STATE",
	[FW_PSCI_SYSTEM_SUSPEND] = "SYSTEM_SUSPEND",
	[FW_PSCI_SET_SUSPEND_MODE] = "PSCI_SET_SUSPEND_MODE",
	[FW_PSCI_STAT_RESIDENCY] = "PSCI_STAT_RESIDENCY",
	[FW_PSCI_STAT_COUNT] = "PSCI_STAT_COUNT",
	[FW_PSCI_SYSTEM_RESET2] = "SYSTEM_RESET2",
	[FW_PSCI_MEM_PROTECT] = "MEM_PROTECT",
	[FW_PSCI_MEM_PROTECT_CHECK_RANGE] = "MEM_PROTECT_CHECK_RANGE",
	[FW_PSCI_SYSTEM_OFF2] = "SYSTEM_OFF2",
};

static struct json_object *hexstr(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

struct json_object *proto_status(const struct fw_status *st, const char *vmstate)
{
	struct json_object *res = json_object_new_object();
	struct json_object *cpus = json_object_new_array();
	struct json_object *calls = json_object_new_object();
	unsigned int i, f, enabled = 0, online = 0;
	bool good = res && cpus && calls;
	char ver[16];

	for (i = 0; good && i < st->ncpus && i < FW_MAX_CPUS; i++) {
		const struct fw_cpu_status *c = &st->cpu[i];
		struct json_object *o = json_object_new_object();

		enabled += c->enabled;
		online += c->power != FW_POWER_OFF;
		good = o != NULL;
		good = good && proto_set(o, "index", json_object_new_int((int)i));
		good = good && proto_set(o, "mpidr", hexstr(c->mpidr));
		good = good && proto_set(o, "enabled", json_object_new_boolean(c->enabled));
		good = good &&
		       proto_set(o, "power", json_object_new_string(proto_powername(c->power)));
		good = good && proto_set(o, "calls", json_object_new_uint64(c->calls));
		good = good && proto_set(o, "suspends",
					 json_object_new_uint64(c->suspend_count[0] +
								c->suspend_count[1]));
		if (!good) {
			json_object_put(o);
		} else {
			good = proto_push(cpus, o);
		}
	}
	for (f = 0; good && f < FW_PSCI_NFUNCS; f++) {
		uint64_t n = st->psci_calls[0][f] + st->psci_calls[1][f];

		if (n && psci_names[f]) {
			good = proto_set(calls, psci_names[f], json_object_new_uint64(n));
		}
	}
	snprintf(ver, sizeof(ver), "%u.%u", st->psci_version >> 16, st->psci_version & 0xffff);
	good = good && proto_set(res, "state", json_object_new_string(vmstate));
	good = good && proto_set(res, "psci_version", json_object_new_string(ver));
	good = good && proto_set(res, "possible", json_object_new_int((int)st->ncpus));
	good = good && proto_set(res, "enabled", json_object_new_int((int)enabled));
	good = good && proto_set(res, "powered", json_object_new_int((int)online));
	if (good) {
		good = proto_set(res, "psci_calls", calls);
		calls = NULL;
	}
	good = good && proto_set(res, "trng_calls", json_object_new_uint64(st->trng_calls));
	good = good && proto_set(res, "unknown_calls", json_object_new_uint64(st->unknown_calls));
	if (good) {
		good = proto_set(res, "vcpus", cpus);
		cpus = NULL;
	}
	if (!good) {
		json_object_put(res);
		json_object_put(cpus);
		json_object_put(calls);
		return NULL;
	}
	return res;
}

char *proto_event(const char *type, int cpu, const char *kind, uint64_t time_ns)
{
	struct json_object *obj = json_object_new_object();
	bool good = obj != NULL;

	good = good && proto_set(obj, "version", json_object_new_int(PROTO_VERSION));
	good = good && proto_set(obj, "event", json_object_new_string(type));
	if (cpu >= 0) {
		good = good && proto_set(obj, "cpu", json_object_new_int(cpu));
	}
	if (kind) {
		good = good && proto_set(obj, "kind", json_object_new_string(kind));
	}
	good = good && proto_set(obj, "time_ns", json_object_new_uint64(time_ns));
	if (!good) {
		json_object_put(obj);
		return NULL;
	}
	return finish(obj);
}
