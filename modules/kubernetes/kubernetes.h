/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kubernetes Services and their endpoints (YAML: Service v1, Endpoints v1,
 * EndpointSlice discovery.k8s.io/v1, in several documents or a List) read
 * into NAT destination rules: one per (service address, port), its ready
 * endpoints the load-balance backends. */
#ifndef BRINK_KUBERNETES_H
#define BRINK_KUBERNETES_H

#include <stdbool.h>
#include <stdint.h>

#include "common/sbuf.h"

#define K8S_NAME_MAX 254
#define K8S_BACKENDS_MAX 100 /* the weight range of a rule's backends: 1..100 */

/* Rules the loader makes take numbers from this range; operators' own
 * rules stay out of it. */
#define K8S_RULE_FIRST 10000
#define K8S_RULE_LAST 19999

struct k8s_rule {
	char description[3 * K8S_NAME_MAX + 16]; /* kubernetes:NAMESPACE/NAME:PORTNAME-or-PORT */
	uint32_t address;                        /* host order */
	uint16_t port, target_port;
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	bool source_hash; /* sessionAffinity ClientIP */
	unsigned n_backends;
	uint32_t backends[K8S_BACKENDS_MAX];
};

/* One Service of the file: its rules (none when headless or without ready
 * endpoints) and what happened to it, for the operator. */
struct k8s_service {
	char key[2 * K8S_NAME_MAX + 2]; /* NAMESPACE/NAME */
	char note[160];
	unsigned n_rules;
	struct k8s_rule *rules;
};

struct k8s_import {
	unsigned n_services;
	struct k8s_service *services;
};

/* Reads path. node_addresses (n of them, host order) are where NodePort
 * services are reached. Returns 0, or -EINVAL with "FILE:LINE:COLUMN: why"
 * in err (and nothing in *out). */
int k8s_import_file(const char *path, const uint32_t *node_addresses, unsigned n_node_addresses, struct k8s_import *out,
		    struct sbuf *err);
int k8s_import_string(const char *text, const char *name, const uint32_t *node_addresses, unsigned n_node_addresses,
		      struct k8s_import *out, struct sbuf *err);
void k8s_import_free(struct k8s_import *imp);

#endif
