// SPDX-License-Identifier: MIT
/* Unit tests for the control protocol parser and formatter (src/lib/proto.c). */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "unit.h"
#include "jsonfail.h"
#include "lib/proto.h"

static struct proto_req req;
static char msg[256];

static enum proto_err parse(const char *s)
{
	proto_free(&req);
	return proto_parse(s, strlen(s), &req, msg, sizeof(msg));
}

static void teardown(void)
{
	proto_free(&req);
}

START_TEST(test_ops)
{
	static const struct {
		const char *line;
		enum proto_op op;
	} cases[] = {
		{ "{\"op\":\"status\"}", PROTO_STATUS },
		{ "{\"op\":\"cpu-add\",\"cpu\":3}", PROTO_CPU_ADD },
		{ "{\"op\":\"cpu-remove\",\"cpu\":0}", PROTO_CPU_REMOVE },
		{ "{\"op\":\"resize\",\"cpus\":2}", PROTO_RESIZE },
		{ "{\"op\":\"events\"}", PROTO_EVENTS },
		{ "{\"op\":\"shutdown\",\"version\":1}", PROTO_SHUTDOWN },
		{ " {\"op\":\"reboot\"} \r", PROTO_REBOOT },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(parse(cases[i].line), PROTO_OK);
		ck_assert_int_eq(req.op, cases[i].op);
		ck_assert_str_eq(proto_opname(req.op), proto_opname(cases[i].op));
	}
	ck_assert_int_eq(parse("{\"op\":\"cpu-add\",\"cpu\":511}"), PROTO_OK);
	ck_assert_int_eq(req.cpu, 511);
	ck_assert_int_eq(parse("{\"op\":\"resize\",\"cpus\":7}"), PROTO_OK);
	ck_assert_int_eq(req.cpus, 7);
}
END_TEST

START_TEST(test_errors)
{
	static const struct {
		const char *line;
		enum proto_err err;
	} cases[] = {
		{ "", PROTO_EPARSE },
		{ "{", PROTO_EPARSE },
		{ "{\"op\":\"status\"", PROTO_EPARSE },
		{ "{op:status}", PROTO_EPARSE },
		{ "{\"op\":\"status\"} x", PROTO_EPARSE },
		{ "{\"op\":\"status\"}{}", PROTO_EPARSE },
		{ "[\"status\"]", PROTO_EINVALID },
		{ "42", PROTO_EINVALID },
		{ "{}", PROTO_EINVALID },
		{ "{\"op\":7}", PROTO_EINVALID },
		{ "{\"op\":\"nope\"}", PROTO_EUNKNOWN },
		{ "{\"op\":\"STATUS\"}", PROTO_EUNKNOWN },
		{ "{\"op\":\"status\",\"version\":2}", PROTO_EVERSION },
		{ "{\"op\":\"status\",\"version\":\"1\"}", PROTO_EVERSION },
		{ "{\"op\":\"cpu-add\"}", PROTO_EINVALID },
		{ "{\"op\":\"cpu-add\",\"cpu\":\"2\"}", PROTO_EINVALID },
		{ "{\"op\":\"cpu-add\",\"cpu\":2.5}", PROTO_EINVALID },
		{ "{\"op\":\"cpu-add\",\"cpu\":-1}", PROTO_ERANGE },
		{ "{\"op\":\"cpu-add\",\"cpu\":99999999999999999999999}", PROTO_ERANGE },
		{ "{\"op\":\"cpu-add\",\"cpus\":2}", PROTO_EINVALID },
		{ "{\"op\":\"resize\",\"cpu\":2}", PROTO_EINVALID },
		{ "{\"op\":\"status\",\"cpu\":1}", PROTO_EINVALID },
		{ "{\"op\":\"status\",\"extra\":true}", PROTO_EINVALID },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", PROTO_EPARSE },
		{ "{\"op\":\"\xff\xfe\"}", PROTO_EPARSE },
		/* json-c takes these; not JSON, and an answer echoing them would not be */
		{ "NaN", PROTO_EPARSE },
		{ "{\"op\":\"status\",\"id\":Infinity}", PROTO_EPARSE },
		{ "{\"op\":\"status\",\"id\":[1,{\"a\":-Infinity}]}", PROTO_EPARSE },
		{ "{\"op\":\"status\",\"id\":1e999}", PROTO_EPARSE },
		{ "{\"op\":\"cpu-add\",\"cpu\":NaN}", PROTO_EPARSE },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum proto_err err = parse(cases[i].line);

		ck_assert_msg(err == cases[i].err, "'%s': got %s (%s), want %s", cases[i].line,
			      proto_errname(err), msg, proto_errname(cases[i].err));
		ck_assert_msg(msg[0] != '\0', "'%s': no message", cases[i].line);
	}
}
END_TEST

START_TEST(test_nul_and_size)
{
	static const char with_nul[] = "{\"op\":\"status\"}\0";
	char *big = malloc(PROTO_MAX_LINE + 1);

	ck_assert_int_eq(proto_parse(with_nul, sizeof(with_nul) - 1, &req, msg, sizeof(msg)),
			 PROTO_EPARSE);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', PROTO_MAX_LINE);
	memcpy(big, "{\"op\":\"status\"}", 15);
	ck_assert_int_eq(proto_parse(big, PROTO_MAX_LINE, &req, msg, sizeof(msg)), PROTO_ETOOBIG);
	/* One byte shorter fits: padding after the object is allowed. */
	ck_assert_int_eq(proto_parse(big, PROTO_MAX_LINE - 1, &req, msg, sizeof(msg)), PROTO_OK);
	free(big);
}
END_TEST

START_TEST(test_responses)
{
	struct json_object *obj, *v, *e;
	char *line;

	ck_assert_int_eq(parse("{\"op\":\"status\",\"id\":\"abc\"}"), PROTO_OK);
	line = proto_ok(&req, json_object_new_int(5));
	ck_assert_ptr_nonnull(line);
	ck_assert_int_eq(line[strlen(line) - 1], '\n');
	obj = json_tokener_parse(line);
	ck_assert_ptr_nonnull(obj);
	ck_assert(json_object_object_get_ex(obj, "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "abc");
	ck_assert(json_object_object_get_ex(obj, "ok", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(obj, "version", &v));
	ck_assert_int_eq(json_object_get_int(v), PROTO_VERSION);
	ck_assert(json_object_object_get_ex(obj, "result", &v));
	ck_assert_int_eq(json_object_get_int(v), 5);
	json_object_put(obj);
	free(line);

	/* The id comes back on an error too, even when the request failed. */
	ck_assert_int_eq(parse("{\"op\":\"fly\",\"id\":7}"), PROTO_EUNKNOWN);
	line = proto_error(&req, PROTO_EUNKNOWN, "say \"why\"\n");
	obj = json_tokener_parse(line);
	ck_assert_ptr_nonnull(obj);
	ck_assert(json_object_object_get_ex(obj, "id", &v));
	ck_assert_int_eq(json_object_get_int(v), 7);
	ck_assert(json_object_object_get_ex(obj, "ok", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(obj, "error", &e));
	ck_assert(json_object_object_get_ex(e, "code", &v));
	ck_assert_str_eq(json_object_get_string(v), "unknown-operation");
	ck_assert(json_object_object_get_ex(e, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "say \"why\"\n");
	/* The embedded newline is escaped: one response, one line. */
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	json_object_put(obj);
	free(line);

	line = proto_error(NULL, PROTO_ETOOBIG, "too big");
	ck_assert_ptr_nonnull(strstr(line, "\"request-too-large\""));
	free(line);
}
END_TEST

START_TEST(test_status_and_events)
{
	struct fw_status *st = calloc(1, sizeof(*st));
	struct json_object *res, *v, *cpus, *c;
	char *line;

	ck_assert_ptr_nonnull(st);
	st->ncpus = 3;
	st->psci_version = FW_PSCI_1_1;
	st->psci_calls[0][FW_PSCI_CPU_ON] = 2;
	st->psci_calls[1][FW_PSCI_CPU_ON] = 1;
	st->cpu[0] = (struct fw_cpu_status){ .mpidr = 0, .enabled = true, .power = FW_POWER_ON };
	st->cpu[1] = (struct fw_cpu_status){ .mpidr = 1, .enabled = true, .power = FW_POWER_OFF };
	st->cpu[2] = (struct fw_cpu_status){ .mpidr = 0x10, .power = FW_POWER_OFF };
	res = proto_status(st, "running");
	ck_assert_ptr_nonnull(res);
	ck_assert(json_object_object_get_ex(res, "psci_version", &v));
	ck_assert_str_eq(json_object_get_string(v), "1.1");
	ck_assert(json_object_object_get_ex(res, "enabled", &v));
	ck_assert_int_eq(json_object_get_int(v), 2);
	ck_assert(json_object_object_get_ex(res, "powered", &v));
	ck_assert_int_eq(json_object_get_int(v), 1);
	ck_assert(json_object_object_get_ex(res, "psci_calls", &v));
	ck_assert(json_object_object_get_ex(v, "CPU_ON", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	ck_assert(json_object_object_get_ex(res, "vcpus", &cpus));
	ck_assert_int_eq(json_object_array_length(cpus), 3);
	c = json_object_array_get_idx(cpus, 2);
	ck_assert(json_object_object_get_ex(c, "mpidr", &v));
	ck_assert_str_eq(json_object_get_string(v), "0x10");
	ck_assert(json_object_object_get_ex(c, "enabled", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(c, "power", &v));
	ck_assert_str_eq(json_object_get_string(v), "off");
	json_object_put(res);
	free(st);

	line = proto_event("cpu-on", 2, NULL, 1234);
	ck_assert_str_eq(line, "{\"version\":1,\"event\":\"cpu-on\",\"cpu\":2,\"time_ns\":1234}\n");
	free(line);
	line = proto_event("system-reset", -1, NULL, 5);
	ck_assert_str_eq(line, "{\"version\":1,\"event\":\"system-reset\",\"time_ns\":5}\n");
	free(line);
	ck_assert_str_eq(proto_powername(FW_POWER_ON_PENDING), "on-pending");
	ck_assert_str_eq(proto_powername(FW_POWER_SUSPENDED), "suspended");
}
END_TEST

enum oom_builder { OOM_STATUS, OOM_OK, OOM_OK_RESULT, OOM_ERROR, OOM_EVENT, OOM_NBUILDERS };

/* One line from builder @b (status: its result, serialized); NULL if it failed. */
static char *oom_build(enum oom_builder b, const struct fw_status *st)
{
	struct json_object *o;
	char *line;

	switch (b) {
	case OOM_STATUS:
		o = proto_status(st, "running");
		if (!o) {
			return NULL;
		}
		line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		ck_assert_ptr_nonnull(line);
		return line;
	case OOM_OK:
		return proto_ok(&req, NULL);
	case OOM_OK_RESULT:
		o = __real_json_object_new_object();
		ck_assert_ptr_nonnull(o);
		ck_assert_int_eq(__real_json_object_object_add(o, "x", NULL), 0);
		return proto_ok(&req, o); /* takes @o, also when it fails */
	case OOM_ERROR:
		return proto_error(&req, PROTO_EBUSY, "busy now");
	case OOM_EVENT:
		return proto_event("cpu-on", 3, "off", 42);
	default:
		ck_abort();
	}
	return NULL;
}

/*
 * Every json-c allocation in every builder fails in turn: the builder
 * returns NULL (never a half-built line, never a crash; ASan's leak check
 * at exit catches what a failure path forgets to free), and once nothing
 * fails it builds the same line as without injection.
 */
START_TEST(test_out_of_memory)
{
	struct fw_status *st = calloc(1, sizeof(*st));
	unsigned int b;

	ck_assert_ptr_nonnull(st);
	st->ncpus = 3;
	st->psci_version = FW_PSCI_1_1;
	st->psci_calls[0][FW_PSCI_CPU_ON] = 2;
	st->cpu[0] = (struct fw_cpu_status){ .enabled = true, .power = FW_POWER_ON };
	st->cpu[1] = (struct fw_cpu_status){ .mpidr = 1, .power = FW_POWER_OFF };
	st->cpu[2] = (struct fw_cpu_status){ .mpidr = 2, .power = FW_POWER_OFF };
	ck_assert_int_eq(parse("{\"op\":\"status\",\"id\":[1,\"a\"]}"), PROTO_OK);
	for (b = 0; b < OOM_NBUILDERS; b++) {
		char *want, *got;
		long k;

		jsonfail_arm(-1);
		want = oom_build(b, st);
		ck_assert_ptr_nonnull(want);
		for (k = 0;; k++) {
			jsonfail_arm(k);
			got = oom_build(b, st);
			if (!jsonfail_failed()) {
				break; /* the builder makes fewer than k + 1 calls */
			}
			ck_assert_msg(got == NULL, "builder %u, call %ld failed: got %s", b, k, got);
		}
		jsonfail_arm(-1);
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, want);
		/* Every builder makes several calls; status dozens. */
		ck_assert_int_ge(k, b == OOM_STATUS ? 30 : 3);
		free(got);
		free(want);
	}
	free(st);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("proto");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_ops);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_nul_and_size);
	tcase_add_test(tc, test_responses);
	tcase_add_test(tc, test_status_and_events);
	tcase_add_test(tc, test_out_of_memory);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
