/* SPDX-License-Identifier: MIT */
/*
 * json-c allocation failures on demand, for the code under test (linked
 * with -Wl,--wrap for each function below, see JSONFAIL in the Makefile):
 * jsonfail_arm(N) makes the N-th wrapped call from now fail (0: the next
 * one) as json-c does when out of memory (NULL, or -1 for the adders).
 * Calls inside json-c itself are not wrapped.
 */
#ifndef HOTVM_JSONFAIL_H
#define HOTVM_JSONFAIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

static atomic_long jsonfail_countdown = -1; /* < 0: off */
static atomic_long jsonfail_hits;

/* Fail the @n-th wrapped call from now (0: the next one); @n < 0: none. */
static inline void jsonfail_arm(long n)
{
	atomic_store(&jsonfail_countdown, n);
	atomic_store(&jsonfail_hits, 0);
}

/* How many calls were failed since jsonfail_arm(). */
static inline long jsonfail_failed(void)
{
	return atomic_load(&jsonfail_hits);
}

static inline bool jsonfail_now(void)
{
	long c = atomic_load(&jsonfail_countdown);

	while (c >= 0) {
		if (atomic_compare_exchange_weak(&jsonfail_countdown, &c, c - 1)) {
			if (c == 0) {
				atomic_fetch_add(&jsonfail_hits, 1);
				return true;
			}
			return false;
		}
	}
	return false;
}

struct json_object *__real_json_object_new_object(void);
struct json_object *__real_json_object_new_array(void);
struct json_object *__real_json_object_new_string(const char *s);
struct json_object *__real_json_object_new_int(int32_t i);
struct json_object *__real_json_object_new_int64(int64_t i);
struct json_object *__real_json_object_new_uint64(uint64_t i);
struct json_object *__real_json_object_new_boolean(json_bool b);
int __real_json_object_object_add(struct json_object *o, const char *k, struct json_object *v);
int __real_json_object_array_add(struct json_object *o, struct json_object *v);
struct json_object *__wrap_json_object_new_object(void);
struct json_object *__wrap_json_object_new_array(void);
struct json_object *__wrap_json_object_new_string(const char *s);
struct json_object *__wrap_json_object_new_int(int32_t i);
struct json_object *__wrap_json_object_new_int64(int64_t i);
struct json_object *__wrap_json_object_new_uint64(uint64_t i);
struct json_object *__wrap_json_object_new_boolean(json_bool b);
int __wrap_json_object_object_add(struct json_object *o, const char *k, struct json_object *v);
int __wrap_json_object_array_add(struct json_object *o, struct json_object *v);

struct json_object *__wrap_json_object_new_object(void)
{
	return jsonfail_now() ? NULL : __real_json_object_new_object();
}
struct json_object *__wrap_json_object_new_array(void)
{
	return jsonfail_now() ? NULL : __real_json_object_new_array();
}
struct json_object *__wrap_json_object_new_string(const char *s)
{
	return jsonfail_now() ? NULL : __real_json_object_new_string(s);
}
struct json_object *__wrap_json_object_new_int(int32_t i)
{
	return jsonfail_now() ? NULL : __real_json_object_new_int(i);
}
struct json_object *__wrap_json_object_new_int64(int64_t i)
{
	return jsonfail_now() ? NULL : __real_json_object_new_int64(i);
}
struct json_object *__wrap_json_object_new_uint64(uint64_t i)
{
	return jsonfail_now() ? NULL : __real_json_object_new_uint64(i);
}
struct json_object *__wrap_json_object_new_boolean(json_bool b)
{
	return jsonfail_now() ? NULL : __real_json_object_new_boolean(b);
}
int __wrap_json_object_object_add(struct json_object *o, const char *k, struct json_object *v)
{
	return jsonfail_now() ? -1 : __real_json_object_object_add(o, k, v);
}
int __wrap_json_object_array_add(struct json_object *o, struct json_object *v)
{
	return jsonfail_now() ? -1 : __real_json_object_array_add(o, v);
}

#endif
