/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "load kubernetes FILE [node-address A]" in configuration mode: the file's
 * Services replace their own rules in the candidate. A rule belongs to a
 * Service by its description 'kubernetes:NAMESPACE/NAME:PORT'; a rule of the
 * same description, address, port and protocol keeps its number, so that
 * compare shows only what changed; new rules take free numbers in
 * K8S_RULE_FIRST..K8S_RULE_LAST. The edit is made on a copy of the
 * candidate, which replaces it only when every step worked. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/net_addr.h"
#include "config/tree.h"
#include "control/cli.h"
#include "modules/kubernetes/kubernetes.h"

static const struct cfg_node *dnat_rules(const struct cfg_node *root)
{
	return node_walk(root, "nat destination rule");
}

static bool owned_by(const struct cfg_node *rule, const char *key)
{
	const char *d = node_leaf(rule, "description");
	size_t n = strlen("kubernetes:");
	return d && !strncmp(d, "kubernetes:", n) && !strncmp(d + n, key, strlen(key)) && d[n + strlen(key)] == ':';
}

static bool same_rule(const struct cfg_node *rule, const struct k8s_rule *k)
{
	char addr[IP4_STR_LEN], port[8];
	const char *d = node_leaf(rule, "description"), *proto = node_leaf(rule, "protocol");
	const struct cfg_node *dst = node_get(rule, "destination");

	snprintf(port, sizeof(port), "%u", k->port);
	ip4_fmt(k->address, addr);
	return d && !strcmp(d, k->description) && dst && node_leaf(dst, "address") &&
	       !strcmp(node_leaf(dst, "address"), addr) && node_leaf(dst, "port") &&
	       !strcmp(node_leaf(dst, "port"), port) && proto &&
	       !strcmp(proto, k->protocol == IPPROTO_UDP ? "udp" : "tcp");
}

static int set_words(struct cfg_node *root, struct sbuf *err, unsigned number, const char *w1, const char *w2,
		     const char *w3, const char *w4, const char *w5)
{
	char num[12];
	const char *argv[9] = {"nat", "destination", "rule", num, w1, w2, w3, w4, w5};
	int argc = 5 + !!w2 + !!w3 + !!w4 + !!w5;
	struct cfg_error e;

	snprintf(num, sizeof(num), "%u", number);
	if (cfg_set(root, argc, argv, &e) < 0) {
		sbuf_printf(err, "rule %u: %s\n", number, e.msg);
		return -EINVAL;
	}
	return 0;
}

static int write_rule(struct cfg_node *root, unsigned number, const struct k8s_rule *k, struct sbuf *err)
{
	char addr[IP4_STR_LEN], port[8], target[8];
	int rc = 0;

	snprintf(port, sizeof(port), "%u", k->port);
	snprintf(target, sizeof(target), "%u", k->target_port);
	rc |= set_words(root, err, number, "description", k->description, NULL, NULL, NULL);
	rc |= set_words(root, err, number, "destination", "address", ip4_fmt(k->address, addr), NULL, NULL);
	rc |= set_words(root, err, number, "destination", "port", port, NULL, NULL);
	rc |= set_words(root, err, number, "protocol", k->protocol == IPPROTO_UDP ? "udp" : "tcp", NULL, NULL, NULL);
	rc |= set_words(root, err, number, "translation", "port", target, NULL, NULL);
	for (unsigned i = 0; i < k->n_backends; i++)
		rc |= set_words(root, err, number, "load-balance", "backend", ip4_fmt(k->backends[i], addr), "weight",
				"1");
	rc |= set_words(root, err, number, "load-balance", "hash", k->source_hash ? "source-address" : "round-robin",
			NULL, NULL);
	return rc ? -EINVAL : 0;
}

static int delete_rule(struct cfg_node *root, const char *number, struct sbuf *err)
{
	const char *argv[] = {"nat", "destination", "rule", number};
	struct cfg_error e;
	if (cfg_delete(root, 4, argv, &e) < 0) {
		sbuf_printf(err, "rule %s: %s\n", number, e.msg);
		return -EINVAL;
	}
	return 0;
}

/* In the candidate, or given to another rule of this Service already. */
static bool number_taken(const struct cfg_node *root, const unsigned *numbers, unsigned n_numbers, unsigned n)
{
	const struct cfg_node *rules = dnat_rules(root);
	char num[12];

	for (unsigned i = 0; i < n_numbers; i++)
		if (numbers[i] == n)
			return true;
	snprintf(num, sizeof(num), "%u", n);
	return rules && node_find_item(rules, num);
}

/* One Service: its old rules go, each new one on the number of the old
 * rule it matches or on a free one. */
static int apply_service(struct cfg_node *root, const struct k8s_service *ks, struct sbuf *err)
{
	unsigned *numbers = calloc(ks->n_rules + 1, sizeof(*numbers));
	const struct cfg_node *rules = dnat_rules(root);
	int rc = 0;

	if (!numbers)
		abort();
	for (const struct cfg_node *r = rules ? rules->child : NULL; r; r = r->next)
		for (unsigned i = 0; i < ks->n_rules; i++)
			if (!numbers[i] && owned_by(r, ks->key) && same_rule(r, &ks->rules[i])) {
				numbers[i] = (unsigned)strtoul(r->value, NULL, 10);
				break;
			}
	for (const struct cfg_node *r = rules ? rules->child : NULL, *next; r && !rc; r = next) {
		next = r->next;
		if (owned_by(r, ks->key))
			rc = delete_rule(root, r->value, err);
		rules = dnat_rules(root);
	}
	unsigned next_free = K8S_RULE_FIRST;
	for (unsigned i = 0; i < ks->n_rules && !rc; i++) {
		if (!numbers[i]) {
			while (next_free <= K8S_RULE_LAST && number_taken(root, numbers, ks->n_rules, next_free))
				next_free++;
			if (next_free > K8S_RULE_LAST) {
				sbuf_printf(err, "no free rule number left in %u-%u\n", K8S_RULE_FIRST, K8S_RULE_LAST);
				rc = -ENOSPC;
				break;
			}
			numbers[i] = next_free;
		}
		rc = write_rule(root, numbers[i], &ks->rules[i], err);
	}
	free(numbers);
	return rc;
}

static const struct cli_param load_params[] = {
	{.value = "<file>", .help = "A YAML file of Services, Endpoints and EndpointSlices"},
	{.word = "node-address", .value = "<x.x.x.x>", .help = "Where NodePort services are reached"},
	{0},
};

static int cf_load_kubernetes(struct cli_session *s, int argc, char **argv, struct cli_reply *r)
{
	struct cli_values v;
	struct k8s_import imp;
	struct sbuf err = {0};
	uint32_t node;
	unsigned n_node = 0;
	int rc;

	if ((rc = cli_parse("load kubernetes", load_params, argc, argv, &v, r)) < 0)
		return rc;
	if (v.value[1]) {
		if (!ip4_parse(v.value[1], &node)) {
			sbuf_printf(r->out, "load kubernetes: node-address '%s' is not an IPv4 address\n", v.value[1]);
			return -EINVAL;
		}
		n_node = 1;
	}
	if ((rc = k8s_import_file(v.value[0], &node, n_node, &imp, &err)) < 0) {
		sbuf_printf(r->out, "load kubernetes: the candidate is unchanged:\n%s", sbuf_str(&err));
		sbuf_free(&err);
		return rc;
	}
	struct cfg_node *copy = cfg_clone(s->candidate);
	for (unsigned i = 0; i < imp.n_services && !rc; i++)
		rc = apply_service(copy, &imp.services[i], &err);
	if (rc < 0) {
		sbuf_printf(r->out, "load kubernetes: the candidate is unchanged:\n%s", sbuf_str(&err));
		cfg_free(copy);
	} else {
		cfg_free(s->candidate);
		s->candidate = copy;
		for (unsigned i = 0; i < imp.n_services; i++)
			sbuf_printf(r->out, "kubernetes %s: %s\n", imp.services[i].key, imp.services[i].note);
	}
	sbuf_free(&err);
	k8s_import_free(&imp);
	return rc;
}

static const struct cli_cmd kubernetes_cmds[] = {
	{.path = "load kubernetes",
	 .help = "Kubernetes Services as NAT destination rules in the candidate",
	 .modes = CLI_CONF,
	 .fn = cf_load_kubernetes,
	 .args = CLI_ARGS_PARAMS,
	 .params = load_params},
};

void kubernetes_control_init(void)
{
	cli_register(kubernetes_cmds, sizeof(kubernetes_cmds) / sizeof(kubernetes_cmds[0]));
}
