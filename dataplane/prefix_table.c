/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dataplane/prefix_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_hash_crc.h>

struct prefix_table {
	struct rte_hash *index; /* key: prefix << 8 | len; data: the slot */
	uint8_t *elems;
	uint8_t *used; /* per slot */
	uint32_t *free_slots;
	uint32_t n_free, span, max;
	size_t elem_size;
};

static uint64_t key_of(uint32_t prefix, uint8_t len)
{
	return (uint64_t)prefix << 8 | len;
}

static void prefix_table_free(struct prefix_table *t)
{
	rte_hash_free(t->index);
	free(t->elems);
	free(t->used);
	free(t->free_slots);
	free(t);
}

struct prefix_table *prefix_table_create(const char *name, uint32_t max, size_t elem_size)
{
	struct prefix_table *t = calloc(1, sizeof(*t));
	char hname[RTE_HASH_NAMESIZE];

	if (!t)
		return NULL;
	t->max = max;
	t->elem_size = elem_size;
	/* calloc of a large block is fresh zero pages, touched as slots are used */
	t->elems = calloc(max ? max : 1, elem_size);
	t->used = calloc(max ? max : 1, 1);
	t->free_slots = calloc(max ? max : 1, sizeof(*t->free_slots));
	snprintf(hname, sizeof(hname), "pt_%s", name);
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = max > 8 ? max : 8, /* rte_hash's smallest: one bucket */
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		/* every element fits, whatever the bucket collisions */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	if (t->elems && t->used && t->free_slots)
		t->index = rte_hash_create(&hp);
	if (!t->index) {
		prefix_table_free(t);
		return NULL;
	}
	return t;
}

void *prefix_table_find(const struct prefix_table *t, uint32_t prefix, uint8_t len)
{
	uint64_t key = key_of(prefix, len);
	void *data;

	if (rte_hash_lookup_data(t->index, &key, &data) < 0)
		return NULL;
	return t->elems + (uintptr_t)data * t->elem_size;
}

void *prefix_table_add(struct prefix_table *t, uint32_t prefix, uint8_t len)
{
	uint64_t key = key_of(prefix, len);
	uint32_t slot;

	if (t->n_free)
		slot = t->free_slots[--t->n_free];
	else if (t->span < t->max)
		slot = t->span++;
	else
		return NULL;
	if (rte_hash_add_key_data(t->index, &key, (void *)(uintptr_t)slot) < 0) {
		t->free_slots[t->n_free++] = slot;
		return NULL;
	}
	t->used[slot] = 1;
	void *e = t->elems + (size_t)slot * t->elem_size;
	memset(e, 0, t->elem_size);
	return e;
}

void prefix_table_del(struct prefix_table *t, uint32_t prefix, uint8_t len)
{
	uint64_t key = key_of(prefix, len);
	void *data;

	if (rte_hash_lookup_data(t->index, &key, &data) < 0)
		return;
	uint32_t slot = (uint32_t)(uintptr_t)data;
	rte_hash_del_key(t->index, &key);
	t->used[slot] = 0;
	t->free_slots[t->n_free++] = slot;
}

uint32_t prefix_table_max(const struct prefix_table *t)
{
	return t->max;
}

uint32_t prefix_table_span(const struct prefix_table *t)
{
	return t->span;
}

void *prefix_table_at(const struct prefix_table *t, uint32_t slot)
{
	return slot < t->span && t->used[slot] ? t->elems + (size_t)slot * t->elem_size : NULL;
}

uint32_t prefix_table_slot(const struct prefix_table *t, const void *elem)
{
	return (uint32_t)(((const uint8_t *)elem - t->elems) / t->elem_size);
}
