/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A table of fixed-size elements keyed by IPv4 prefix (address and length),
 * for the main lcore's route tables: find, add and delete in constant time
 * (an rte_hash of the key to a slot), slots reused after deletion, and a
 * walk over the slots in use. Memory is reserved for max elements up front
 * and touched as slots are used. Not for workers: no RCU, no concurrency.
 */
#ifndef BRINK_DP_PREFIX_TABLE_H
#define BRINK_DP_PREFIX_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct prefix_table;

/* Tables live as long as the process: there is no free. */
struct prefix_table *prefix_table_create(const char *name, uint32_t max, size_t elem_size);

/* The element of prefix/len, or NULL. */
void *prefix_table_find(const struct prefix_table *t, uint32_t prefix, uint8_t len);
/* A new zeroed element for prefix/len, which must not be there; NULL when the table is full. */
void *prefix_table_add(struct prefix_table *t, uint32_t prefix, uint8_t len);
void prefix_table_del(struct prefix_table *t, uint32_t prefix, uint8_t len);
uint32_t prefix_table_max(const struct prefix_table *t);

/* Walking: slots 0 to prefix_table_span() - 1; prefix_table_at is NULL for a free one. */
uint32_t prefix_table_span(const struct prefix_table *t);
void *prefix_table_at(const struct prefix_table *t, uint32_t slot);
uint32_t prefix_table_slot(const struct prefix_table *t, const void *elem);

#endif
