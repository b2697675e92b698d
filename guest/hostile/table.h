/* SPDX-License-Identifier: GPL-2.0-only */
/* The hostile scenarios' table (table.c), searched by the test runner. */
#ifndef GUEST_HOSTILE_TABLE_H
#define GUEST_HOSTILE_TABLE_H

#include "runner.h"

extern const struct test hostile_table[];
extern const unsigned int hostile_table_size;

#endif
