// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the control protocol: any byte string is parsed as a
 * request line; the parser must not crash or leak, must give every failure a
 * message, and every response it leads to must be exactly one valid JSON line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "lib/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_line(char *line)
{
	struct json_object *obj;
	size_t n;

	if (!line) {
		abort();
	}
	n = strlen(line);
	if (n == 0 || line[n - 1] != '\n' || strchr(line, '\n') != line + n - 1) {
		abort();
	}
	obj = json_tokener_parse(line);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		abort();
	}
	json_object_put(obj);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_req req;
	char msg[256];
	enum proto_err err;

	err = proto_parse((const char *)data, size, &req, msg, sizeof(msg));
	if (err == PROTO_OK) {
		if (strcmp(proto_opname(req.op), "?") == 0 || req.cpu < 0 || req.cpus < 0) {
			abort();
		}
		check_line(proto_ok(&req, NULL));
	} else {
		if (msg[0] == '\0' || strcmp(proto_errname(err), "internal-error") == 0) {
			abort();
		}
		check_line(proto_error(&req, err, msg));
	}
	proto_free(&req);
	return 0;
}
