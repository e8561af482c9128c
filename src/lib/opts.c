// SPDX-License-Identifier: MIT
/* Table-driven option parser (see opts.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lib/opts.h"

static const struct opt *find_long(const struct opt *t, const char *name, size_t len)
{
	for (; t->name; t++) {
		if (strlen(t->name) == len && !strncmp(t->name, name, len)) {
			return t;
		}
	}
	return NULL;
}

static const struct opt *find_short(const struct opt *t, char c)
{
	for (; t->name; t++) {
		if (t->shrt && t->shrt == c) {
			return t;
		}
	}
	return NULL;
}

static bool takes_arg(const struct opt *o)
{
	switch (o->kind) {
	case OPT_STR:
	case OPT_LIST:
	case OPT_UINT:
	case OPT_CHOICE:
		return true;
	case OPT_REFUSE:
		return o->refuse_arg;
	case OPT_FLAG:
	case OPT_HELP:
		break;
	}
	return false;
}

static int parse_uint(const struct opt *o, const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9') {
		return -EINVAL;
	}
	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno || *end) {
		return -EINVAL;
	}
	if (*v < o->min || *v > o->max) {
		return -ERANGE;
	}
	return 0;
}

static int apply(const struct opt *o, void *out, const char *val, char *err, size_t errlen)
{
	char *base = out;
	unsigned long v;
	int ret;

	switch (o->kind) {
	case OPT_HELP:
		return 1;
	case OPT_REFUSE:
		snprintf(err, errlen, "--%s: %s", o->name, o->help);
		return -1;
	case OPT_FLAG:
		*(bool *)(base + o->offset) = true;
		break;
	case OPT_STR:
		if (!*val && !o->empty_ok) {
			snprintf(err, errlen, "--%s needs a non-empty %s", o->name, o->arg);
			return -1;
		}
		*(const char **)(base + o->offset) = val;
		break;
	case OPT_LIST: {
		unsigned int *count = (unsigned int *)(base + o->set_offset);

		if (!*val) {
			snprintf(err, errlen, "--%s needs a non-empty %s", o->name, o->arg);
			return -1;
		}
		if (*count >= o->max) {
			snprintf(err, errlen, "--%s %s: at most %lu may be given", o->name, val,
				 o->max);
			return -1;
		}
		((const char **)(base + o->offset))[(*count)++] = val;
		return 0;
	}
	case OPT_UINT:
		ret = parse_uint(o, val, &v);
		if (ret == -ERANGE) {
			snprintf(err, errlen, "--%s %s: must be between %lu and %lu", o->name, val,
				 o->min, o->max);
			return -1;
		} else if (ret) {
			snprintf(err, errlen, "--%s %s: not a number", o->name, val);
			return -1;
		}
		*(unsigned long *)(base + o->offset) = v;
		break;
	case OPT_CHOICE:
		for (int i = 0; o->choices[i]; i++) {
			if (!strcmp(o->choices[i], val)) {
				*(int *)(base + o->offset) = i;
				goto set;
			}
		}
		ret = snprintf(err, errlen, "--%s %s: must be one of", o->name, val);
		for (int i = 0; o->choices[i] && ret >= 0 && (size_t)ret < errlen; i++) {
			ret += snprintf(err + ret, errlen - (size_t)ret, "%s %s", i ? "," : "",
					o->choices[i]);
		}
		return -1;
	}
set:
	if (o->set_offset != OPT_NOSET) {
		*(bool *)(base + o->set_offset) = true;
	}
	return 0;
}

int opts_parse(const struct opt *table, void *out, int argc, char **argv, char *err,
	       size_t errlen)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *val = NULL;
		int ret;

		if (a[0] == '-' && a[1] == '-' && a[2]) {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			o = find_long(table, a + 2, len);
			if (!o) {
				snprintf(err, errlen, "unknown option '%.*s'", (int)len + 2, a);
				return -1;
			}
			if (eq) {
				if (!takes_arg(o)) {
					snprintf(err, errlen, "--%s takes no value", o->name);
					return -1;
				}
				val = eq + 1;
			}
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			o = find_short(table, a[1]);
			if (!o) {
				snprintf(err, errlen, "unknown option '-%c'", a[1]);
				return -1;
			}
			if (a[2]) {
				if (!takes_arg(o)) {
					snprintf(err, errlen, "-%c takes no value", a[1]);
					return -1;
				}
				val = a + 2;
			}
		} else {
			snprintf(err, errlen, "unexpected argument '%s'", a);
			return -1;
		}
		if (takes_arg(o) && !val) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%s needs a value (%s)", o->name,
					 o->arg ? o->arg : "VALUE");
				return -1;
			}
			val = argv[++i];
		}
		ret = apply(o, out, val, err, errlen);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

void opts_help(const struct opt *table, FILE *f)
{
	for (const struct opt *o = table; o->name; o++) {
		char left[64];

		if (o->kind == OPT_REFUSE) {
			continue;
		}
		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", o->shrt ? '-' : ' ',
			 o->shrt ? o->shrt : ' ', o->shrt ? ", " : "  ", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
}
