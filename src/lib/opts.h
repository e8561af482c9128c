/* SPDX-License-Identifier: MIT */
/*
 * Command lines as tables of option descriptions (one table per
 * subcommand). The parser fills a caller's struct through offsets, so a
 * table is the single place that says what an option is, what it stores
 * and how --help documents it.
 */
#ifndef HOTVM_OPTS_H
#define HOTVM_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opt_kind {
	OPT_FLAG,	/* bool, no argument */
	OPT_STR,	/* const char *, points into argv */
	OPT_LIST,	/* repeatable: const char *[max] at offset, unsigned int count at set_offset */
	OPT_UINT,	/* unsigned long within [min, max]; suffix K/M/G if scale */
	OPT_CHOICE,	/* int index into choices[] */
	OPT_REFUSE,	/* accepted by kvmtool, refused here: help says why */
	OPT_HELP,	/* print help */
};

struct opt {
	const char *name;		/* long name without "--" */
	char shrt;			/* short name, 0 if none */
	enum opt_kind kind;
	size_t offset;			/* of the value in the caller's struct */
	size_t set_offset;		/* of a bool "given", or (size_t)-1 */
	const char *arg;		/* argument name in --help; NULL: none */
	const char *help;
	const char *const *choices;	/* OPT_CHOICE, NULL terminated */
	unsigned long min, max;		/* OPT_UINT; max: OPT_LIST's capacity */
	bool refuse_arg;		/* OPT_REFUSE: kvmtool's takes a value */
	bool empty_ok;			/* OPT_STR: "" is a value (else refused) */
};

#define OPT_NOSET ((size_t)-1)

/*
 * Parse argv[0..argc) (argv[0] is the first option, not the program).
 * 0: parsed; 1: --help given; -1: error, message (without "hotvm: ")
 * in @err.
 */
int opts_parse(const struct opt *table, void *out, int argc, char **argv, char *err,
	       size_t errlen);
void opts_help(const struct opt *table, FILE *f);

#endif
