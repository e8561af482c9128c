/* SPDX-License-Identifier: MIT */
/*
 * hotvm control protocol: JSON requests and responses, one per line, over a
 * UNIX socket (docs/api.md). Host independent: parsing and formatting only;
 * the socket server lives in src/lib/api.c.
 *
 * Every function that returns a string returns a malloc'ed, NUL-terminated
 * line ending in '\n' (or NULL when out of memory); the caller frees it.
 */
#ifndef HOTVM_PROTO_H
#define HOTVM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw/fw.h"

#define PROTO_VERSION 1
#define PROTO_MAX_LINE 65536 /* bytes, including the newline */
#define PROTO_TIMEOUT_DEFAULT 20 /* s: how long cpu-remove waits for the guest's eject */
#define PROTO_TIMEOUT_MAX 3600

enum proto_op {
	PROTO_STATUS,
	PROTO_CPU_ADD,
	PROTO_CPU_REMOVE,
	PROTO_RESIZE,
	PROTO_EVENTS,
	PROTO_SHUTDOWN,
	PROTO_REBOOT,
};

/* Error codes carried in responses ("error": {"code": ..., "message": ...}). */
enum proto_err {
	PROTO_OK = 0,
	PROTO_EPARSE,	 /* not JSON */
	PROTO_EINVALID,	 /* JSON, but not a valid request */
	PROTO_EUNKNOWN,	 /* unknown operation */
	PROTO_EVERSION,	 /* unsupported protocol version */
	PROTO_ERANGE,	 /* vCPU index or count out of range */
	PROTO_EBUSY,	 /* vCPU is on in the guest */
	PROTO_EPERM,	 /* not allowed (boot vCPU) */
	PROTO_ETOOBIG,	 /* request longer than PROTO_MAX_LINE */
	PROTO_EUNAVAIL,	 /* not available in this VM (e.g. --psci=kernel) */
	PROTO_EINTERNAL, /* hotvm failed */
	PROTO_ETIMEDOUT, /* the guest did not eject a vCPU in time (--acpi) */
};

struct json_object;

struct proto_req {
	enum proto_op op;
	int64_t cpu;		/* cpu-add, cpu-remove */
	int64_t cpus;		/* resize */
	int64_t timeout;	/* cpu-remove, resize: seconds to wait for the guest; 0: default */
	struct json_object *id; /* echoed back; NULL if absent; owned */
};

/*
 * Parse one request line (without the newline; need not be NUL-terminated).
 * Returns PROTO_OK and fills @req, or an error code with a message in @msg.
 * On success the caller must call proto_free(@req). On failure @req->id may
 * still hold the request's id (for the error response): free it too.
 */
enum proto_err proto_parse(const char *line, size_t len, struct proto_req *req, char *msg,
			   size_t msglen);
void proto_free(struct proto_req *req);

const char *proto_opname(enum proto_op op);
const char *proto_errname(enum proto_err err);

/*
 * Add @val under @key to object @obj / append it to array @arr. json-c's
 * constructors return NULL when out of memory: false if @val is NULL or
 * cannot be added (@val is then freed), so a builder can chain additions
 * (ok &= proto_set(...)) and check once.
 */
bool proto_set(struct json_object *obj, const char *key, struct json_object *val);
bool proto_push(struct json_object *arr, struct json_object *val);

/*
 * {"version":1,"id":..,"ok":true,"result":RESULT}; takes ownership of @result
 * (NULL: an empty object). Like every line builder here: NULL when out of memory.
 */
char *proto_ok(const struct proto_req *req, struct json_object *result);
/* {"version":1,"id":..,"ok":false,"error":{"code":..,"message":..}} */
char *proto_error(const struct proto_req *req, enum proto_err err, const char *msg);

/* The result of "status": VM state and every vCPU. */
struct json_object *proto_status(const struct fw_status *st, const char *vmstate);
const char *proto_powername(enum fw_power p);

/*
 * One event line: {"version":1,"event":TYPE,"cpu":N,"kind":K,"time_ns":T};
 * cpu < 0: no "cpu"; kind NULL: no "kind".
 */
char *proto_event(const char *type, int cpu, const char *kind, uint64_t time_ns);

#endif
