/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The YAML side of "load kubernetes": libyaml loads each document into a
 * node graph whose marks give every error its line and column; Services
 * and their endpoints are collected first, then each Service becomes its
 * rules. Fields that would change what the rules do and that Brink does
 * not implement are refused rather than silently dropped. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/net_addr.h"
#include "modules/kubernetes/kubernetes.h"

#define K8S_ADDRESSES_MAX 32 /* a Service's addresses, node addresses included */
#define K8S_PORTS_MAX 64

struct svc_port {
	char name[K8S_NAME_MAX];
	char target_name[K8S_NAME_MAX]; /* a named targetPort, else "" */
	yaml_mark_t target_mark;        /* its documents are gone when Services meet their endpoints */
	uint16_t port, target_port, node_port;
	uint8_t protocol;
};

struct svc {
	char key[2 * K8S_NAME_MAX + 2];
	bool headless, source_hash;
	unsigned n_addresses, n_ports;
	uint32_t addresses[K8S_ADDRESSES_MAX];
	struct svc_port ports[K8S_PORTS_MAX];
};

struct ep_port {
	char name[K8S_NAME_MAX];
	uint16_t port;
	uint8_t protocol;
};

/* The ready endpoints of one Service, from its Endpoints or EndpointSlices. */
struct eps {
	char key[2 * K8S_NAME_MAX + 2];
	unsigned n_addresses, n_ports;
	uint32_t addresses[K8S_BACKENDS_MAX];
	struct ep_port ports[K8S_PORTS_MAX];
};

struct reader {
	const char *name;
	yaml_document_t *doc;
	struct sbuf *err;
	bool failed;
	unsigned n_svcs, n_eps;
	struct svc *svcs;
	struct eps *eps;
};

__attribute__((format(printf, 3, 0))) static bool vfail(struct reader *rd, yaml_mark_t at, const char *fmt, va_list ap)
{
	char msg[512];

	if (rd->failed)
		return false;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	sbuf_printf(rd->err, "%s:%zu:%zu: %s\n", rd->name, at.line + 1, at.column + 1, msg);
	rd->failed = true;
	return false;
}

__attribute__((format(printf, 3, 4))) static bool fail(struct reader *rd, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(rd, at->start_mark, fmt, ap);
	va_end(ap);
	return false;
}

/* An error found once the document of the place is gone. */
__attribute__((format(printf, 3, 4))) static bool fail_at(struct reader *rd, yaml_mark_t at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(rd, at, fmt, ap);
	va_end(ap);
	return false;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const yaml_node_t *node_at(struct reader *rd, int id)
{
	return yaml_document_get_node(rd->doc, id);
}

/* Each key of a mapping must be one of known; ignored keys are accepted and
 * skipped by the caller. */
static bool check_keys(struct reader *rd, const yaml_node_t *map, const char *where, const char *const *known,
		       const char *const *ignored)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return fail(rd, map, "%s must be a mapping", where);
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = node_at(rd, p->key);
		const char *name = scalar(k);
		bool ok = false;
		for (const char *const *w = known; name && *w && !ok; w++)
			ok = !strcmp(*w, name);
		for (const char *const *w = ignored; name && w && *w && !ok; w++)
			ok = !strcmp(*w, name);
		if (!ok)
			return fail(rd, k, "%s: '%s' is not supported", where, name ? name : "(not a name)");
	}
	return true;
}

static const yaml_node_t *get(struct reader *rd, const yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		const char *name = scalar(node_at(rd, p->key));
		if (name && !strcmp(name, key))
			return node_at(rd, p->value);
	}
	return NULL;
}

/* A scalar child, or NULL when absent; an error when it is not a scalar. */
static const char *get_str(struct reader *rd, const yaml_node_t *map, const char *key)
{
	const yaml_node_t *n = get(rd, map, key);
	if (n && !scalar(n))
		fail(rd, n, "'%s' must be a single value", key);
	return scalar(n);
}

static bool sequence(struct reader *rd, const yaml_node_t *n, const char *what)
{
	return n->type == YAML_SEQUENCE_NODE || fail(rd, n, "'%s' must be a list", what);
}

#define FOR_ITEMS(rd, seq, item)                                                                                    \
	for (yaml_node_item_t *it_ = (seq)->data.sequence.items.start; it_ < (seq)->data.sequence.items.top; it_++) \
		if (((item) = node_at(rd, *it_)) != NULL)

static bool number(struct reader *rd, const yaml_node_t *n, const char *what, long min, long max, long *out)
{
	const char *s = scalar(n);
	char *end;

	if (!s || !*s || (*out = strtol(s, &end, 10), *end) || *out < min || *out > max)
		return fail(rd, n, "%s must be a number from %ld to %ld", what, min, max);
	return true;
}

static bool port_number(struct reader *rd, const yaml_node_t *map, const char *key, bool required, uint16_t *out)
{
	const yaml_node_t *n = get(rd, map, key);
	long v = 0;

	if (!n) {
		*out = 0;
		return !required || fail(rd, map, "'%s' is missing", key);
	}
	if (!number(rd, n, key, 1, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

static bool protocol(struct reader *rd, const yaml_node_t *map, uint8_t *out)
{
	const yaml_node_t *n = get(rd, map, "protocol");
	const char *s = scalar(n);

	*out = IPPROTO_TCP;
	if (!n || (s && !strcmp(s, "TCP")))
		return true;
	if (s && !strcmp(s, "UDP")) {
		*out = IPPROTO_UDP;
		return true;
	}
	return fail(rd, n, "protocol '%s' is not supported (TCP or UDP)", s ? s : "");
}

static bool ipv4(struct reader *rd, const yaml_node_t *n, const char *what, uint32_t *out)
{
	const char *s = scalar(n);
	if (!s || !ip4_parse(s, out))
		return fail(rd, n, "%s '%s' is not an IPv4 address (only IPv4 is supported)", what, s ? s : "");
	return true;
}

static bool name_copy(struct reader *rd, const yaml_node_t *at, const char *s, char *dst, size_t len)
{
	if (strlen(s) >= len)
		return fail(rd, at, "'%.40s...' is too long", s);
	strcpy(dst, s);
	return true;
}

/* metadata: name and namespace make the key; everything else is ignored. */
static bool object_key(struct reader *rd, const yaml_node_t *obj, char key[2 * K8S_NAME_MAX + 2], const char **slice_of)
{
	const yaml_node_t *md = get(rd, obj, "metadata");
	const char *name, *ns;

	if (!md || md->type != YAML_MAPPING_NODE)
		return fail(rd, md ? md : obj, "metadata (a mapping with a name) is missing");
	name = get_str(rd, md, "name");
	ns = get_str(rd, md, "namespace");
	if (rd->failed)
		return false;
	if (slice_of)
		*slice_of = get_str(rd, get(rd, md, "labels"), "kubernetes.io/service-name");
	if (!name && !slice_of)
		return fail(rd, md, "metadata.name is missing");
	if (slice_of && !*slice_of)
		return fail(rd, md, "an EndpointSlice needs the label kubernetes.io/service-name");
	int len = snprintf(key, 2 * K8S_NAME_MAX + 2, "%s/%s", ns ? ns : "default", slice_of ? *slice_of : name);
	if (len < 0 || len >= 2 * K8S_NAME_MAX + 2)
		return fail(rd, md, "name or namespace too long");
	return true;
}

static bool svc_address(struct reader *rd, struct svc *sv, const yaml_node_t *n, const char *what)
{
	uint32_t a;

	if (!ipv4(rd, n, what, &a))
		return false;
	for (unsigned i = 0; i < sv->n_addresses; i++)
		if (sv->addresses[i] == a)
			return true;
	if (sv->n_addresses == K8S_ADDRESSES_MAX)
		return fail(rd, n, "more than %u addresses for one Service", K8S_ADDRESSES_MAX);
	sv->addresses[sv->n_addresses++] = a;
	return true;
}

static bool svc_addresses(struct reader *rd, struct svc *sv, const yaml_node_t *map, const char *key)
{
	const yaml_node_t *list = get(rd, map, key), *item;

	if (!list)
		return true;
	if (!sequence(rd, list, key))
		return false;
	FOR_ITEMS(rd, list, item)
	{
		const char *s = scalar(item);
		if (s && !strcmp(s, "None") && !strcmp(key, "clusterIPs"))
			sv->headless = true;
		else if (!svc_address(rd, sv, item, key))
			return false;
	}
	return true;
}

static bool svc_ports(struct reader *rd, struct svc *sv, const yaml_node_t *spec, bool node_ports)
{
	static const char *const known[] = {"name", "protocol", "port", "targetPort", "nodePort", NULL};
	static const char *const ignored[] = {"appProtocol", NULL};
	const yaml_node_t *list = get(rd, spec, "ports"), *item;

	if (!list)
		return true;
	if (!sequence(rd, list, "ports"))
		return false;
	FOR_ITEMS(rd, list, item)
	{
		struct svc_port *p = &sv->ports[sv->n_ports];
		const char *name = get_str(rd, item, "name");
		const yaml_node_t *target = get(rd, item, "targetPort");
		long v = 0;

		if (!check_keys(rd, item, "spec.ports[]", known, ignored))
			return false;
		if (sv->n_ports == K8S_PORTS_MAX)
			return fail(rd, item, "more than %u ports", K8S_PORTS_MAX);
		memset(p, 0, sizeof(*p));
		if ((name && !name_copy(rd, item, name, p->name, sizeof(p->name))) ||
		    !protocol(rd, item, &p->protocol) || !port_number(rd, item, "port", true, &p->port) ||
		    !port_number(rd, item, "nodePort", false, &p->node_port))
			return false;
		if (p->node_port && !node_ports)
			return fail(rd, get(rd, item, "nodePort"), "nodePort needs type NodePort or LoadBalancer");
		p->target_port = p->port;
		if (target)
			p->target_mark = target->start_mark;
		if (target && scalar(target) && strspn(scalar(target), "0123456789") != strlen(scalar(target))) {
			if (!name_copy(rd, target, scalar(target), p->target_name, sizeof(p->target_name)))
				return false;
		} else if (target) {
			if (!number(rd, target, "targetPort", 1, 65535, &v))
				return false;
			p->target_port = (uint16_t)v;
		}
		sv->n_ports++;
	}
	return true;
}

/* spec fields allowed only with the value Brink implements. */
static bool spec_value(struct reader *rd, const yaml_node_t *spec, const char *key, const char *only)
{
	const yaml_node_t *n = get(rd, spec, key);
	const char *s = scalar(n);

	if (!n || (s && !strcmp(s, only)))
		return true;
	return fail(rd, n, "spec.%s '%s' is not supported (only %s)", key, s ? s : "(a list)", only);
}

static bool ip_families(struct reader *rd, const yaml_node_t *spec)
{
	const yaml_node_t *list = get(rd, spec, "ipFamilies"), *item;

	if (!list)
		return true;
	if (!sequence(rd, list, "ipFamilies"))
		return false;
	FOR_ITEMS(rd, list, item)
	if (!scalar(item) || strcmp(scalar(item), "IPv4"))
		return fail(rd, item, "ipFamilies '%s' is not supported (only IPv4)", scalar(item) ? scalar(item) : "");
	return true;
}

static bool service(struct reader *rd, const yaml_node_t *obj)
{
	static const char *const top[] = {"apiVersion", "kind", "metadata", "spec", "status", NULL};
	static const char *const spec_keys[] = {"type",
						"ports",
						"selector",
						"clusterIP",
						"clusterIPs",
						"externalIPs",
						"loadBalancerIP",
						"sessionAffinity",
						"sessionAffinityConfig",
						"ipFamilies",
						"ipFamilyPolicy",
						"externalTrafficPolicy",
						"internalTrafficPolicy",
						"publishNotReadyAddresses",
						"allocateLoadBalancerNodePorts",
						"externalName",
						NULL};
	static const char *const spec_ignored[] = {"healthCheckNodePort", "loadBalancerClass", NULL};
	static const char *const lb_keys[] = {"ingress", NULL};
	const yaml_node_t *spec = get(rd, obj, "spec"), *status = get(rd, obj, "status"), *n;
	struct svc *sv;
	const char *type, *cluster_ip, *affinity;

	if (!check_keys(rd, obj, "Service", top, NULL))
		return false;
	if (!spec)
		return fail(rd, obj, "a Service needs a spec");
	if (!check_keys(rd, spec, "spec", spec_keys, spec_ignored))
		return false;
	rd->svcs = realloc(rd->svcs, (rd->n_svcs + 1) * sizeof(*rd->svcs));
	if (!rd->svcs)
		abort();
	sv = memset(&rd->svcs[rd->n_svcs], 0, sizeof(*sv));
	if (!object_key(rd, obj, sv->key, NULL))
		return false;
	for (unsigned i = 0; i < rd->n_svcs; i++)
		if (!strcmp(rd->svcs[i].key, sv->key))
			return fail(rd, obj, "Service %s is given twice", sv->key);
	type = get_str(rd, spec, "type");
	cluster_ip = get_str(rd, spec, "clusterIP");
	affinity = get_str(rd, spec, "sessionAffinity");
	if (rd->failed)
		return false;
	if (type && strcmp(type, "ClusterIP") && strcmp(type, "NodePort") && strcmp(type, "LoadBalancer"))
		return fail(rd, get(rd, spec, "type"),
			    "Service type '%s' is not supported (ClusterIP, NodePort or LoadBalancer)", type);
	if ((n = get(rd, spec, "externalName")))
		return fail(rd, n, "externalName needs type ExternalName, which is not supported");
	if (affinity && strcmp(affinity, "None") && strcmp(affinity, "ClientIP"))
		return fail(rd, get(rd, spec, "sessionAffinity"),
			    "sessionAffinity '%s' is not supported (None or ClientIP)", affinity);
	sv->source_hash = affinity && !strcmp(affinity, "ClientIP");
	if (!spec_value(rd, spec, "externalTrafficPolicy", "Cluster") ||
	    !spec_value(rd, spec, "internalTrafficPolicy", "Cluster") ||
	    !spec_value(rd, spec, "ipFamilyPolicy", "SingleStack") ||
	    !spec_value(rd, spec, "publishNotReadyAddresses", "false") || !ip_families(rd, spec))
		return false;
	if (cluster_ip && !strcmp(cluster_ip, "None"))
		sv->headless = true;
	else if (cluster_ip && !svc_address(rd, sv, get(rd, spec, "clusterIP"), "clusterIP"))
		return false;
	if (!svc_addresses(rd, sv, spec, "clusterIPs") || !svc_addresses(rd, sv, spec, "externalIPs"))
		return false;
	bool balancer = type && !strcmp(type, "LoadBalancer");
	if ((n = get(rd, spec, "loadBalancerIP"))) {
		if (!balancer)
			return fail(rd, n, "loadBalancerIP needs type LoadBalancer");
		if (!svc_address(rd, sv, n, "loadBalancerIP"))
			return false;
	}
	if (status && (n = get(rd, status, "loadBalancer"))) {
		const yaml_node_t *ingress = get(rd, n, "ingress"), *item;
		if (!check_keys(rd, n, "status.loadBalancer", lb_keys, NULL))
			return false;
		if (ingress && !sequence(rd, ingress, "ingress"))
			return false;
		if (ingress)
			FOR_ITEMS(rd, ingress, item)
			{
				static const char *const ingress_keys[] = {"ip", NULL};
				static const char *const ingress_ignored[] = {"ipMode", "ports", NULL};
				if (!check_keys(rd, item, "status.loadBalancer.ingress[]", ingress_keys,
						ingress_ignored) ||
				    !get(rd, item, "ip") || !svc_address(rd, sv, get(rd, item, "ip"), "ingress ip"))
					return rd->failed ? false
							  : fail(rd, item, "an ingress without ip is not supported");
			}
	}
	if (!svc_ports(rd, sv, spec, type && strcmp(type, "ClusterIP")))
		return false;
	rd->n_svcs++;
	return true;
}

static struct eps *eps_of(struct reader *rd, const char *key)
{
	for (unsigned i = 0; i < rd->n_eps; i++)
		if (!strcmp(rd->eps[i].key, key))
			return &rd->eps[i];
	rd->eps = realloc(rd->eps, (rd->n_eps + 1) * sizeof(*rd->eps));
	if (!rd->eps)
		abort();
	struct eps *e = memset(&rd->eps[rd->n_eps++], 0, sizeof(*rd->eps));
	strcpy(e->key, key);
	return e;
}

static bool ep_address(struct reader *rd, struct eps *e, const yaml_node_t *n)
{
	uint32_t a;

	if (!ipv4(rd, n, "endpoint address", &a))
		return false;
	for (unsigned i = 0; i < e->n_addresses; i++)
		if (e->addresses[i] == a)
			return true;
	if (e->n_addresses == K8S_BACKENDS_MAX)
		return fail(rd, n, "more than %u ready endpoints for one Service", K8S_BACKENDS_MAX);
	e->addresses[e->n_addresses++] = a;
	return true;
}

/* A port of the Service's endpoints; subsets and slices repeat theirs, and
 * one rule translates to one port, so a name must keep its number. */
static bool ep_port_add(struct reader *rd, struct eps *e, const yaml_node_t *at, const struct ep_port *p)
{
	for (unsigned i = 0; i < e->n_ports; i++) {
		const struct ep_port *q = &e->ports[i];
		if (q->protocol != p->protocol || strcmp(q->name, p->name))
			continue;
		if (q->port == p->port)
			return true;
		return fail(rd, at, "port '%s' is %u for some endpoints and %u for others (a rule has one target port)",
			    p->name, q->port, p->port);
	}
	if (e->n_ports == K8S_PORTS_MAX)
		return fail(rd, at, "more than %u ports", K8S_PORTS_MAX);
	e->ports[e->n_ports++] = *p;
	return true;
}

/* The ports of a subset or slice; they count only when it has a ready
 * endpoint (record), those of endpoints that take no traffic do not. */
static bool ep_ports(struct reader *rd, struct eps *e, const yaml_node_t *list, bool record)
{
	static const char *const known[] = {"name", "port", "protocol", NULL};
	static const char *const ignored[] = {"appProtocol", NULL};
	const yaml_node_t *item;

	if (!list)
		return true;
	if (!sequence(rd, list, "ports"))
		return false;
	FOR_ITEMS(rd, list, item)
	{
		struct ep_port p = {0};
		const char *name = get_str(rd, item, "name");
		if (!check_keys(rd, item, "ports[]", known, ignored) ||
		    (name && !name_copy(rd, item, name, p.name, sizeof(p.name))) || !protocol(rd, item, &p.protocol) ||
		    !port_number(rd, item, "port", true, &p.port))
			return false;
		if (record && !ep_port_add(rd, e, item, &p))
			return false;
	}
	return true;
}

static bool endpoints(struct reader *rd, const yaml_node_t *obj)
{
	static const char *const top[] = {"apiVersion", "kind", "metadata", "subsets", NULL};
	static const char *const subset_keys[] = {"addresses", "notReadyAddresses", "ports", NULL};
	static const char *const addr_keys[] = {"ip", NULL};
	static const char *const addr_ignored[] = {"hostname", "nodeName", "targetRef", NULL};
	const yaml_node_t *subsets = get(rd, obj, "subsets"), *sub, *a;
	char key[2 * K8S_NAME_MAX + 2];

	if (!check_keys(rd, obj, "Endpoints", top, NULL) || !object_key(rd, obj, key, NULL))
		return false;
	struct eps *e = eps_of(rd, key);
	if (!subsets)
		return true;
	if (!sequence(rd, subsets, "subsets"))
		return false;
	FOR_ITEMS(rd, subsets, sub)
	{
		const yaml_node_t *addrs = get(rd, sub, "addresses");
		if (!check_keys(rd, sub, "subsets[]", subset_keys, NULL))
			return false;
		if (addrs && !sequence(rd, addrs, "addresses"))
			return false;
		if (addrs)
			FOR_ITEMS(rd, addrs, a)
		if (!check_keys(rd, a, "addresses[]", addr_keys, addr_ignored) ||
		    !ep_address(rd, e, get(rd, a, "ip") ? get(rd, a, "ip") : a))
			return false;
		bool ready = addrs && addrs->data.sequence.items.top > addrs->data.sequence.items.start;
		if (!ep_ports(rd, e, get(rd, sub, "ports"), ready))
			return false;
	}
	return true;
}

static bool endpoint_slice(struct reader *rd, const yaml_node_t *obj)
{
	static const char *const top[] = {"apiVersion", "kind", "metadata", "addressType", "endpoints", "ports", NULL};
	static const char *const ep_keys[] = {"addresses", "conditions", NULL};
	static const char *const ep_ignored[] = {"hostname", "nodeName", "zone", "targetRef", "hints", NULL};
	static const char *const cond_keys[] = {"ready", "serving", "terminating", NULL};
	const yaml_node_t *list = get(rd, obj, "endpoints"), *item, *a;
	const char *service_name = NULL, *type;
	char key[2 * K8S_NAME_MAX + 2];

	if (!check_keys(rd, obj, "EndpointSlice", top, NULL) || !object_key(rd, obj, key, &service_name))
		return false;
	type = get_str(rd, obj, "addressType");
	if (rd->failed)
		return false;
	if (!type || strcmp(type, "IPv4"))
		return fail(rd, get(rd, obj, "addressType") ? get(rd, obj, "addressType") : obj,
			    "addressType '%s' is not supported (only IPv4)", type ? type : "");
	struct eps *e = eps_of(rd, key);
	bool any_ready = false;
	if (list && !sequence(rd, list, "endpoints"))
		return false;
	if (list)
		FOR_ITEMS(rd, list, item)
		{
			const yaml_node_t *cond = get(rd, item, "conditions"), *addrs = get(rd, item, "addresses");
			const char *ready;
			if (!check_keys(rd, item, "endpoints[]", ep_keys, ep_ignored) ||
			    (cond && !check_keys(rd, cond, "conditions", cond_keys, NULL)))
				return false;
			ready = get_str(rd, cond, "ready");
			if (rd->failed)
				return false;
			if (ready && strcmp(ready, "true") && strcmp(ready, "false"))
				return fail(rd, get(rd, cond, "ready"), "conditions.ready '%s' is not true or false",
					    ready);
			/* An absent ready condition means ready (the API's rule). */
			if ((ready && strcmp(ready, "true")) || !addrs)
				continue;
			if (!sequence(rd, addrs, "addresses"))
				return false;
			FOR_ITEMS(rd, addrs, a)
			if (!ep_address(rd, e, a))
				return false;
			any_ready = true;
		}
	return ep_ports(rd, e, get(rd, obj, "ports"), any_ready);
}

static bool object(struct reader *rd, const yaml_node_t *obj)
{
	const char *kind = get_str(rd, obj, "kind"), *api = get_str(rd, obj, "apiVersion");
	const yaml_node_t *item;

	if (rd->failed)
		return false;
	if (!obj || obj->type != YAML_MAPPING_NODE)
		return fail(rd, obj, "a Kubernetes object (a mapping with kind) was expected");
	if (!kind)
		return fail(rd, obj, "kind is missing");
	if (!strcmp(kind, "List")) {
		const yaml_node_t *items = get(rd, obj, "items");
		static const char *const top[] = {"apiVersion", "kind", "items", "metadata", NULL};
		if (!check_keys(rd, obj, "List", top, NULL) || (items && !sequence(rd, items, "items")))
			return false;
		if (items)
			FOR_ITEMS(rd, items, item)
		if (!object(rd, item))
			return false;
		return true;
	}
	if (!strcmp(kind, "Service") && api && !strcmp(api, "v1"))
		return service(rd, obj);
	if (!strcmp(kind, "Endpoints") && api && !strcmp(api, "v1"))
		return endpoints(rd, obj);
	if (!strcmp(kind, "EndpointSlice") && api && !strcmp(api, "discovery.k8s.io/v1"))
		return endpoint_slice(rd, obj);
	if (!strcmp(kind, "Service") || !strcmp(kind, "Endpoints") || !strcmp(kind, "EndpointSlice"))
		return fail(rd, get(rd, obj, "apiVersion") ? get(rd, obj, "apiVersion") : obj,
			    "%s apiVersion '%s' is not supported", kind, api ? api : "");
	return fail(rd, get(rd, obj, "kind"), "kind '%s' is not supported (Service, Endpoints, EndpointSlice or List)",
		    kind);
}

static const struct ep_port *ep_port_named(const struct eps *e, const char *name, uint8_t protocol)
{
	for (unsigned i = 0; i < e->n_ports; i++)
		if (e->ports[i].protocol == protocol && !strcmp(e->ports[i].name, name))
			return &e->ports[i];
	return NULL;
}

/* The port the endpoints listen on for a Service port. Kubernetes names an
 * endpoint port like the Service port it serves (both may be unnamed) and
 * has resolved a named targetPort into its number; hand-written Endpoints
 * may name it like the targetPort instead, or give one unnamed port. A
 * numeric targetPort stands when the endpoints say nothing of the port. */
static bool target_port(struct reader *rd, const struct svc_port *p, const struct eps *e, uint16_t *out)
{
	const struct ep_port *found = ep_port_named(e, p->name, p->protocol);

	if (!found && p->target_name[0])
		found = ep_port_named(e, p->target_name, p->protocol);
	if (!found && e->n_ports == 1 && !e->ports[0].name[0] && e->ports[0].protocol == p->protocol)
		found = &e->ports[0];
	*out = found ? found->port : p->target_port;
	if (found)
		return true;
	if (p->target_name[0])
		return fail_at(rd, p->target_mark, "targetPort '%s' is not a port of the Service's endpoints",
			       p->target_name);
	return true;
}

static bool has_node_ports(const struct svc *sv)
{
	for (unsigned i = 0; i < sv->n_ports; i++)
		if (sv->ports[i].node_port)
			return true;
	return false;
}

static bool translate(struct reader *rd, const uint32_t *node_addresses, unsigned n_node, struct k8s_import *out)
{
	out->services = calloc(rd->n_svcs ? rd->n_svcs : 1, sizeof(*out->services));
	if (!out->services)
		abort();
	for (unsigned i = 0; i < rd->n_svcs; i++) {
		const struct svc *sv = &rd->svcs[i];
		struct k8s_service *ks = &out->services[out->n_services++];
		const struct eps *e = NULL;

		strcpy(ks->key, sv->key);
		for (unsigned j = 0; j < rd->n_eps; j++)
			if (!strcmp(rd->eps[j].key, sv->key))
				e = &rd->eps[j];
		if (sv->headless) {
			snprintf(ks->note, sizeof(ks->note), "headless (clusterIP None): nothing to do");
			continue;
		}
		if (!e) {
			snprintf(ks->note, sizeof(ks->note), "no Endpoints or EndpointSlice in the file: no rules");
			continue;
		}
		if (!e->n_addresses) {
			snprintf(ks->note, sizeof(ks->note), "no ready endpoints: no rules");
			continue;
		}
		ks->rules = calloc((sv->n_addresses + n_node) * sv->n_ports + 1, sizeof(*ks->rules));
		if (!ks->rules)
			abort();
		for (unsigned pi = 0; pi < sv->n_ports; pi++) {
			const struct svc_port *p = &sv->ports[pi];
			struct k8s_rule base = {.protocol = p->protocol, .source_hash = sv->source_hash};
			uint16_t target;

			if (!target_port(rd, p, e, &target))
				return false;
			base.target_port = target;
			base.n_backends = e->n_addresses;
			memcpy(base.backends, e->addresses, e->n_addresses * sizeof(e->addresses[0]));
			if (p->name[0])
				snprintf(base.description, sizeof(base.description), "kubernetes:%s:%s", sv->key,
					 p->name);
			else
				snprintf(base.description, sizeof(base.description), "kubernetes:%s:%u", sv->key,
					 p->port);
			for (unsigned ai = 0; ai < sv->n_addresses; ai++) {
				struct k8s_rule *r = &ks->rules[ks->n_rules++];
				*r = base;
				r->address = sv->addresses[ai];
				r->port = p->port;
			}
			for (unsigned ai = 0; p->node_port && ai < n_node; ai++) {
				struct k8s_rule *r = &ks->rules[ks->n_rules++];
				*r = base;
				r->address = node_addresses[ai];
				r->port = p->node_port;
			}
		}
		if (!ks->n_rules) {
			snprintf(ks->note, sizeof(ks->note),
				 "no address to serve (clusterIP, externalIPs, load balancer "
				 "or a nodePort with node-address): no rules");
			continue;
		}
		snprintf(ks->note, sizeof(ks->note), "%u rule%s, %u backend%s%s", ks->n_rules,
			 ks->n_rules == 1 ? "" : "s", e->n_addresses, e->n_addresses == 1 ? "" : "s",
			 has_node_ports(sv) && !n_node ? " (its nodePorts need node-address)" : "");
	}
	return true;
}

int k8s_import_string(const char *text, const char *name, const uint32_t *node_addresses, unsigned n_node_addresses,
		      struct k8s_import *out, struct sbuf *err)
{
	struct reader rd = {.name = name, .err = err};
	yaml_parser_t parser;
	yaml_document_t doc;
	bool done = false;

	memset(out, 0, sizeof(*out));
	if (!yaml_parser_initialize(&parser))
		abort();
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	while (!done && !rd.failed) {
		if (!yaml_parser_load(&parser, &doc)) {
			sbuf_printf(err, "%s:%zu:%zu: %s\n", name, parser.problem_mark.line + 1,
				    parser.problem_mark.column + 1, parser.problem ? parser.problem : "YAML error");
			rd.failed = true;
			break;
		}
		const yaml_node_t *root = yaml_document_get_root_node(&doc);
		rd.doc = &doc;
		done = !root;
		/* An empty document between two "---" has a null scalar root. */
		if (root && !(root->type == YAML_SCALAR_NODE && !*scalar(root)))
			object(&rd, root);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	if (!rd.failed && !translate(&rd, node_addresses, n_node_addresses, out))
		rd.failed = true;
	free(rd.svcs);
	free(rd.eps);
	if (rd.failed) {
		k8s_import_free(out);
		return -EINVAL;
	}
	return 0;
}

int k8s_import_file(const char *path, const uint32_t *node_addresses, unsigned n_node_addresses, struct k8s_import *out,
		    struct sbuf *err)
{
	FILE *f = fopen(path, "r");
	struct sbuf text = {0};
	char buf[4096];
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!f) {
		sbuf_printf(err, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = fread(buf, 1, sizeof(buf) - 1, f)) > 0) {
		buf[n] = 0;
		sbuf_add(&text, buf);
	}
	fclose(f);
	rc = k8s_import_string(sbuf_str(&text), path, node_addresses, n_node_addresses, out, err);
	sbuf_free(&text);
	return rc;
}

void k8s_import_free(struct k8s_import *imp)
{
	for (unsigned i = 0; i < imp->n_services; i++)
		free(imp->services[i].rules);
	free(imp->services);
	memset(imp, 0, sizeof(*imp));
}
