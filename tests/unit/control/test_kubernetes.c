/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes reader: Services with Endpoints or EndpointSlices become
 * rules; what it does not support is refused at its line and column. */
#include <criterion/criterion.h>
#include <netinet/in.h>

#include "common/net_addr.h"
#include "helpers.h"
#include "modules/kubernetes/kubernetes.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	cr_assert(ip4_parse(s, &a), "'%s' is not an address", s);
	return a;
}

/* Imports yaml, which must load; node is the node-address or NULL. */
static void import_ok(const char *yaml, const char *node, struct k8s_import *imp)
{
	struct sbuf err = {0};
	uint32_t node_address = node ? ip(node) : 0;

	cr_assert_eq(k8s_import_string(yaml, "t.yaml", &node_address, node ? 1 : 0, imp, &err), 0, "%s",
		     sbuf_str(&err));
	sbuf_free(&err);
}

/* The import of yaml fails with where ("t.yaml:LINE:COLUMN:") and why in
 * its message, and produces nothing. */
static void assert_refused(const char *yaml, const char *where, const char *why)
{
	struct k8s_import imp;
	struct sbuf err = {0};
	uint32_t node_address = ip("192.0.2.1");

	cr_assert_neq(k8s_import_string(yaml, "t.yaml", &node_address, 1, &imp, &err), 0, "it loaded");
	cr_assert(!strncmp(sbuf_str(&err), where, strlen(where)) && strstr(sbuf_str(&err), why),
		  "expected '%s ... %s', got: %s", where, why, sbuf_str(&err));
	cr_assert(imp.n_services == 0 && !imp.services, "a refused file produces no Service");
	sbuf_free(&err);
}

static const struct k8s_service *service_of(const struct k8s_import *imp, const char *key)
{
	for (unsigned i = 0; i < imp->n_services; i++)
		if (!strcmp(imp->services[i].key, key))
			return &imp->services[i];
	cr_assert_fail("no Service %s", key);
	return NULL;
}

static const struct k8s_rule *rule_of(const struct k8s_service *ks, const char *address, uint16_t port,
				      uint8_t protocol)
{
	for (unsigned i = 0; i < ks->n_rules; i++)
		if (ks->rules[i].address == ip(address) && ks->rules[i].port == port &&
		    ks->rules[i].protocol == protocol)
			return &ks->rules[i];
	cr_assert_fail("%s has no rule for %s:%u/%u", ks->key, address, port, protocol);
	return NULL;
}

/* The rule's backends are exactly the n addresses given. */
static void assert_backends(const struct k8s_rule *r, unsigned n, const char *const *addresses)
{
	cr_assert_eq(r->n_backends, n, "%s: %u backends, expected %u", r->description, r->n_backends, n);
	for (unsigned i = 0; i < n; i++) {
		bool found = false;
		for (unsigned j = 0; j < r->n_backends && !found; j++)
			found = r->backends[j] == ip(addresses[i]);
		cr_assert(found, "%s: %s is not a backend", r->description, addresses[i]);
	}
}

static const char manual[] = "apiVersion: v1\n"
			     "kind: Service\n"
			     "metadata:\n"
			     "  name: mysql\n"
			     "  namespace: db\n"
			     "spec:\n"
			     "  clusterIP: 10.96.0.60\n"
			     "  ports:\n"
			     "  - name: mysql\n"
			     "    port: 3306\n"
			     "    targetPort: db\n"
			     "---\n"
			     "apiVersion: v1\n"
			     "kind: Endpoints\n"
			     "metadata:\n"
			     "  name: mysql\n"
			     "  namespace: db\n"
			     "subsets:\n"
			     "- addresses:\n"
			     "  - ip: 192.168.50.10\n"
			     "  - ip: 192.168.50.11\n"
			     "  notReadyAddresses:\n"
			     "  - ip: 192.168.50.12\n"
			     "  ports:\n"
			     "  - name: db\n"
			     "    port: 3307\n";

Test(kubernetes, a_service_with_manual_endpoints_is_one_rule_to_its_ready_endpoints)
{
	struct k8s_import imp;
	struct sbuf err = {0};

	cr_assert_eq(k8s_import_string(manual, "db.yaml", NULL, 0, &imp, &err), 0, "%s", sbuf_str(&err));
	cr_assert_eq(imp.n_services, 1);
	cr_assert_str_eq(imp.services[0].key, "db/mysql");
	cr_assert_eq(imp.services[0].n_rules, 1);
	const struct k8s_rule *r = &imp.services[0].rules[0];
	uint32_t vip;
	ip4_parse("10.96.0.60", &vip);
	cr_assert_eq(r->address, vip);
	cr_assert(r->port == 3306 && r->target_port == 3307, "the named targetPort resolves through the endpoints");
	cr_assert_eq(r->protocol, IPPROTO_TCP);
	cr_assert_eq(r->n_backends, 2, "the not-ready endpoint is left out");
	cr_assert_not(r->source_hash);
	k8s_import_free(&imp);
	sbuf_free(&err);
}

Test(kubernetes, a_headless_service_makes_no_rule)
{
	static const char headless[] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: h\nspec:\n"
				       "  clusterIP: None\n  ports:\n  - port: 80\n";
	struct k8s_import imp;
	struct sbuf err = {0};

	cr_assert_eq(k8s_import_string(headless, "h.yaml", NULL, 0, &imp, &err), 0, "%s", sbuf_str(&err));
	cr_assert(imp.n_services == 1 && imp.services[0].n_rules == 0);
	cr_assert_neq(imp.services[0].note[0], 0, "it says why");
	k8s_import_free(&imp);
	sbuf_free(&err);
}

Test(kubernetes, what_is_not_supported_is_refused_at_its_line_and_column)
{
	static const char kind[] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n";
	static const char local[] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n"
				    "  externalTrafficPolicy: Local\n";
	static const char broken[] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n   bad: [\n";
	struct k8s_import imp;
	struct sbuf err = {0};

	cr_assert_neq(k8s_import_string(kind, "k.yaml", NULL, 0, &imp, &err), 0);
	cr_assert(strstr(sbuf_str(&err), "k.yaml:") && strstr(sbuf_str(&err), "Deployment"), "%s", sbuf_str(&err));
	sbuf_free(&err);
	err = (struct sbuf){0};
	cr_assert_neq(k8s_import_string(local, "l.yaml", NULL, 0, &imp, &err), 0);
	cr_assert(strstr(sbuf_str(&err), "l.yaml:6:"), "%s", sbuf_str(&err));
	sbuf_free(&err);
	err = (struct sbuf){0};
	cr_assert_neq(k8s_import_string(broken, "b.yaml", NULL, 0, &imp, &err), 0);
	cr_assert(strstr(sbuf_str(&err), "b.yaml:5:"), "%s", sbuf_str(&err));
	sbuf_free(&err);
}

static const char node_port[] = "apiVersion: v1\n"
				"kind: Service\n"
				"metadata:\n"
				"  name: web\n"
				"  namespace: shop\n"
				"spec:\n"
				"  type: NodePort\n"
				"  clusterIP: 10.96.0.10\n"
				"  ports:\n"
				"  - port: 80\n"
				"    targetPort: 8080\n"
				"    nodePort: 30080\n"
				"---\n"
				"apiVersion: v1\n"
				"kind: Endpoints\n"
				"metadata:\n"
				"  name: web\n"
				"  namespace: shop\n"
				"subsets:\n"
				"- addresses:\n"
				"  - ip: 10.244.1.5\n"
				"  - ip: 10.244.2.6\n";

Test(kubernetes, a_node_port_service_is_served_at_the_node_address_and_its_cluster_ip)
{
	static const char *const pods[] = {"10.244.1.5", "10.244.2.6"};
	struct k8s_import imp;

	import_ok(node_port, "192.0.2.1", &imp);
	const struct k8s_service *ks = service_of(&imp, "shop/web");
	cr_assert_eq(ks->n_rules, 2);
	const struct k8s_rule *cluster = rule_of(ks, "10.96.0.10", 80, IPPROTO_TCP);
	const struct k8s_rule *node = rule_of(ks, "192.0.2.1", 30080, IPPROTO_TCP);
	cr_assert(cluster->target_port == 8080 && node->target_port == 8080, "the numeric targetPort is honoured");
	cr_assert_str_eq(node->description, "kubernetes:shop/web:80");
	assert_backends(cluster, 2, pods);
	assert_backends(node, 2, pods);
	k8s_import_free(&imp);

	import_ok(node_port, NULL, &imp);
	ks = service_of(&imp, "shop/web");
	cr_assert_eq(ks->n_rules, 1, "without node-address only the ClusterIP is served");
	rule_of(ks, "10.96.0.10", 80, IPPROTO_TCP);
	cr_assert(strstr(ks->note, "node-address"), "it says what the nodePort lacks: %s", ks->note);
	k8s_import_free(&imp);
}

Test(kubernetes, named_target_ports_resolve_through_the_endpoint_ports_of_their_protocol)
{
	/* As Kubernetes writes them: the slice's ports are named like the
	 * Service's ports and carry the number the targetPort names. */
	static const char dns[] = "apiVersion: v1\n"
				  "kind: Service\n"
				  "metadata:\n"
				  "  name: dns\n"
				  "  namespace: kube-system\n"
				  "spec:\n"
				  "  type: NodePort\n"
				  "  clusterIP: 10.96.0.53\n"
				  "  ports:\n"
				  "  - name: dns\n"
				  "    protocol: UDP\n"
				  "    port: 53\n"
				  "    targetPort: coredns-udp\n"
				  "    nodePort: 30053\n"
				  "  - name: dns-tcp\n"
				  "    protocol: TCP\n"
				  "    port: 53\n"
				  "    targetPort: coredns-tcp\n"
				  "    nodePort: 30054\n"
				  "---\n"
				  "apiVersion: discovery.k8s.io/v1\n"
				  "kind: EndpointSlice\n"
				  "metadata:\n"
				  "  name: dns-7x2kq\n"
				  "  namespace: kube-system\n"
				  "  labels:\n"
				  "    kubernetes.io/service-name: dns\n"
				  "addressType: IPv4\n"
				  "endpoints:\n"
				  "- addresses: [10.244.0.2]\n"
				  "ports:\n"
				  "- name: dns-tcp\n"
				  "  protocol: TCP\n"
				  "  port: 5354\n"
				  "- name: dns\n"
				  "  protocol: UDP\n"
				  "  port: 5353\n";
	struct k8s_import imp;

	import_ok(dns, "192.0.2.1", &imp);
	const struct k8s_service *ks = service_of(&imp, "kube-system/dns");
	cr_assert_eq(ks->n_rules, 4, "two ports, each at the ClusterIP and the node");
	cr_assert_eq(rule_of(ks, "10.96.0.53", 53, IPPROTO_UDP)->target_port, 5353);
	cr_assert_eq(rule_of(ks, "192.0.2.1", 30053, IPPROTO_UDP)->target_port, 5353);
	cr_assert_eq(rule_of(ks, "10.96.0.53", 53, IPPROTO_TCP)->target_port, 5354);
	cr_assert_eq(rule_of(ks, "192.0.2.1", 30054, IPPROTO_TCP)->target_port, 5354);
	cr_assert_str_eq(rule_of(ks, "192.0.2.1", 30053, IPPROTO_UDP)->description, "kubernetes:kube-system/dns:dns");
	cr_assert_str_eq(rule_of(ks, "10.96.0.53", 53, IPPROTO_TCP)->description, "kubernetes:kube-system/dns:dns-tcp");
	k8s_import_free(&imp);
}

Test(kubernetes, a_named_target_port_the_endpoints_lack_is_refused_at_the_target_port)
{
	static const char lacking[] = "apiVersion: v1\n"
				      "kind: Service\n"
				      "metadata:\n"
				      "  name: web\n"
				      "spec:\n"
				      "  clusterIP: 10.96.0.11\n"
				      "  ports:\n"
				      "  - name: http\n"
				      "    port: 80\n"
				      "    targetPort: web\n"
				      "---\n"
				      "apiVersion: v1\n"
				      "kind: Endpoints\n"
				      "metadata:\n"
				      "  name: web\n"
				      "subsets:\n"
				      "- addresses:\n"
				      "  - ip: 10.244.1.5\n"
				      "  ports:\n"
				      "  - name: metrics\n"
				      "    port: 9100\n";

	assert_refused(lacking, "t.yaml:10:17:", "targetPort 'web'");
}

Test(kubernetes, a_load_balancer_is_served_at_its_ingress_and_load_balancer_ip_besides_its_node_port)
{
	static const char lb[] = "apiVersion: v1\n"
				 "kind: Service\n"
				 "metadata:\n"
				 "  name: front\n"
				 "spec:\n"
				 "  type: LoadBalancer\n"
				 "  clusterIP: 10.96.0.20\n"
				 "  loadBalancerIP: 198.51.100.7\n"
				 "  ports:\n"
				 "  - name: https\n"
				 "    port: 443\n"
				 "    targetPort: 8443\n"
				 "    nodePort: 31443\n"
				 "status:\n"
				 "  loadBalancer:\n"
				 "    ingress:\n"
				 "    - ip: 198.51.100.7\n"
				 "    - ip: 198.51.100.8\n"
				 "---\n"
				 "apiVersion: v1\n"
				 "kind: Endpoints\n"
				 "metadata:\n"
				 "  name: front\n"
				 "subsets:\n"
				 "- addresses:\n"
				 "  - ip: 10.244.3.3\n";
	static const char *const pod[] = {"10.244.3.3"};
	struct k8s_import imp;

	import_ok(lb, "192.0.2.1", &imp);
	const struct k8s_service *ks = service_of(&imp, "default/front");
	cr_assert_eq(ks->n_rules, 4, "ClusterIP, the balancer's two addresses (one given twice) and the node");
	const struct k8s_rule *rules[] = {
		rule_of(ks, "10.96.0.20", 443, IPPROTO_TCP),
		rule_of(ks, "198.51.100.7", 443, IPPROTO_TCP),
		rule_of(ks, "198.51.100.8", 443, IPPROTO_TCP),
		rule_of(ks, "192.0.2.1", 31443, IPPROTO_TCP),
	};
	for (unsigned i = 0; i < 4; i++) {
		cr_assert_eq(rules[i]->target_port, 8443);
		cr_assert_str_eq(rules[i]->description, "kubernetes:default/front:https");
		assert_backends(rules[i], 1, pod);
	}
	k8s_import_free(&imp);
}

Test(kubernetes, endpoint_slices_of_one_service_merge_their_ready_endpoints)
{
	static const char sliced[] = "apiVersion: v1\n"
				     "kind: Service\n"
				     "metadata:\n"
				     "  name: api\n"
				     "spec:\n"
				     "  clusterIP: 10.96.0.30\n"
				     "  ports:\n"
				     "  - port: 80\n"
				     "---\n"
				     "apiVersion: discovery.k8s.io/v1\n"
				     "kind: EndpointSlice\n"
				     "metadata:\n"
				     "  name: api-abcde\n"
				     "  labels:\n"
				     "    kubernetes.io/service-name: api\n"
				     "addressType: IPv4\n"
				     "endpoints:\n"
				     "- addresses: [10.244.1.1]\n"
				     "  conditions: {ready: true}\n"
				     "- addresses: [10.244.1.2]\n"
				     "  conditions: {ready: false}\n"
				     "- addresses: [10.244.1.3]\n"
				     "ports:\n"
				     "- name: \"\"\n"
				     "  port: 8080\n"
				     "  protocol: TCP\n"
				     "---\n"
				     "apiVersion: discovery.k8s.io/v1\n"
				     "kind: EndpointSlice\n"
				     "metadata:\n"
				     "  name: api-fghij\n"
				     "  labels:\n"
				     "    kubernetes.io/service-name: api\n"
				     "addressType: IPv4\n"
				     "endpoints:\n"
				     "- addresses: [10.244.2.1]\n"
				     "  conditions: {ready: true, serving: true, terminating: false}\n"
				     "- addresses: [10.244.2.2]\n"
				     "  conditions: {ready: false, serving: true, terminating: true}\n"
				     "ports:\n"
				     "- name: \"\"\n"
				     "  port: 8080\n"
				     "  protocol: TCP\n"
				     "---\n"
				     "apiVersion: discovery.k8s.io/v1\n"
				     "kind: EndpointSlice\n"
				     "metadata:\n"
				     "  name: api-old\n"
				     "  labels:\n"
				     "    kubernetes.io/service-name: api\n"
				     "addressType: IPv4\n"
				     "endpoints:\n"
				     "- addresses: [10.244.3.1]\n"
				     "  conditions: {ready: false}\n"
				     "ports:\n"
				     "- port: 9090\n"
				     "---\n"
				     "apiVersion: discovery.k8s.io/v1\n"
				     "kind: EndpointSlice\n"
				     "metadata:\n"
				     "  name: other-klmno\n"
				     "  labels:\n"
				     "    kubernetes.io/service-name: other\n"
				     "addressType: IPv4\n"
				     "endpoints:\n"
				     "- addresses: [10.244.4.1]\n"
				     "ports:\n"
				     "- port: 8080\n";
	static const char *const ready[] = {"10.244.1.1", "10.244.1.3", "10.244.2.1"};
	struct k8s_import imp;

	import_ok(sliced, NULL, &imp);
	cr_assert_eq(imp.n_services, 1);
	const struct k8s_service *ks = service_of(&imp, "default/api");
	cr_assert_eq(ks->n_rules, 1);
	const struct k8s_rule *r = rule_of(ks, "10.96.0.30", 80, IPPROTO_TCP);
	cr_assert_eq(r->target_port, 8080,
		     "the slices' port, given by two slices, and not that of a slice without ready endpoints");
	assert_backends(r, 3, ready);
	k8s_import_free(&imp);
}

Test(kubernetes, ready_endpoints_on_two_ports_of_one_name_are_refused)
{
	static const char split[] = "apiVersion: v1\n"
				    "kind: Service\n"
				    "metadata:\n"
				    "  name: api\n"
				    "spec:\n"
				    "  clusterIP: 10.96.0.30\n"
				    "  ports:\n"
				    "  - name: http\n"
				    "    port: 80\n"
				    "---\n"
				    "apiVersion: v1\n"
				    "kind: Endpoints\n"
				    "metadata:\n"
				    "  name: api\n"
				    "subsets:\n"
				    "- addresses: [{ip: 10.244.1.1}]\n"
				    "  ports: [{name: http, port: 8080}]\n"
				    "- addresses: [{ip: 10.244.1.2}]\n"
				    "  ports: [{name: http, port: 9090}]\n";

	assert_refused(split, "t.yaml:19:11:", "port 'http' is 8080 for some endpoints and 9090 for others");
}

Test(kubernetes, each_port_of_a_service_is_its_own_rule_and_services_without_ready_endpoints_say_so)
{
	static const char shop[] = "apiVersion: v1\n"
				   "kind: Service\n"
				   "metadata:\n"
				   "  name: web\n"
				   "  namespace: shop\n"
				   "spec:\n"
				   "  clusterIP: 10.96.0.40\n"
				   "  sessionAffinity: ClientIP\n"
				   "  ports:\n"
				   "  - name: http\n"
				   "    port: 80\n"
				   "    targetPort: web\n"
				   "  - name: https\n"
				   "    port: 443\n"
				   "    targetPort: 8443\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: Endpoints\n"
				   "metadata:\n"
				   "  name: web\n"
				   "  namespace: shop\n"
				   "subsets:\n"
				   "- addresses:\n"
				   "  - ip: 10.244.5.5\n"
				   "  ports:\n"
				   "  - name: https\n"
				   "    port: 8443\n"
				   "  - name: http\n"
				   "    port: 8080\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: Service\n"
				   "metadata:\n"
				   "  name: idle\n"
				   "  namespace: shop\n"
				   "spec:\n"
				   "  clusterIP: 10.96.0.41\n"
				   "  ports:\n"
				   "  - port: 80\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: Endpoints\n"
				   "metadata:\n"
				   "  name: idle\n"
				   "  namespace: shop\n"
				   "subsets:\n"
				   "- notReadyAddresses:\n"
				   "  - ip: 10.244.5.6\n"
				   "  ports:\n"
				   "  - port: 80\n"
				   "---\n"
				   "apiVersion: v1\n"
				   "kind: Service\n"
				   "metadata:\n"
				   "  name: lonely\n"
				   "  namespace: shop\n"
				   "spec:\n"
				   "  clusterIP: 10.96.0.42\n"
				   "  ports:\n"
				   "  - port: 80\n";
	struct k8s_import imp;

	import_ok(shop, NULL, &imp);
	cr_assert_eq(imp.n_services, 3);
	const struct k8s_service *web = service_of(&imp, "shop/web");
	cr_assert_eq(web->n_rules, 2);
	const struct k8s_rule *http = rule_of(web, "10.96.0.40", 80, IPPROTO_TCP);
	const struct k8s_rule *https = rule_of(web, "10.96.0.40", 443, IPPROTO_TCP);
	cr_assert_str_eq(http->description, "kubernetes:shop/web:http");
	cr_assert_str_eq(https->description, "kubernetes:shop/web:https");
	cr_assert_eq(http->target_port, 8080, "the endpoint port named like the Service port");
	cr_assert_eq(https->target_port, 8443);
	cr_assert(http->source_hash && https->source_hash, "sessionAffinity ClientIP hashes the source address");

	const struct k8s_service *idle = service_of(&imp, "shop/idle");
	cr_assert_eq(idle->n_rules, 0);
	cr_assert(strstr(idle->note, "no ready endpoints"), "%s", idle->note);
	const struct k8s_service *lonely = service_of(&imp, "shop/lonely");
	cr_assert_eq(lonely->n_rules, 0);
	cr_assert(strstr(lonely->note, "no Endpoints or EndpointSlice"), "%s", lonely->note);
	k8s_import_free(&imp);
}

Test(kubernetes, a_list_and_several_documents_are_read_alike)
{
	static const char mixed[] = "apiVersion: v1\n"
				    "kind: List\n"
				    "items:\n"
				    "- apiVersion: v1\n"
				    "  kind: Service\n"
				    "  metadata: {name: a}\n"
				    "  spec: {clusterIP: 10.96.1.1, ports: [{port: 80}]}\n"
				    "- apiVersion: v1\n"
				    "  kind: Endpoints\n"
				    "  metadata: {name: a}\n"
				    "  subsets: [{addresses: [{ip: 10.244.9.1}]}]\n"
				    "---\n"
				    "---\n"
				    "apiVersion: v1\n"
				    "kind: Service\n"
				    "metadata:\n"
				    "  name: b\n"
				    "spec:\n"
				    "  clusterIP: 10.96.1.2\n"
				    "  ports:\n"
				    "  - port: 81\n"
				    "---\n"
				    "apiVersion: v1\n"
				    "kind: List\n"
				    "items:\n"
				    "- apiVersion: discovery.k8s.io/v1\n"
				    "  kind: EndpointSlice\n"
				    "  metadata:\n"
				    "    name: b-1\n"
				    "    labels: {kubernetes.io/service-name: b}\n"
				    "  addressType: IPv4\n"
				    "  endpoints: [{addresses: [10.244.9.2]}]\n";
	static const char *const pod_a[] = {"10.244.9.1"}, *const pod_b[] = {"10.244.9.2"};
	struct k8s_import imp;

	import_ok(mixed, NULL, &imp);
	cr_assert_eq(imp.n_services, 2);
	assert_backends(rule_of(service_of(&imp, "default/a"), "10.96.1.1", 80, IPPROTO_TCP), 1, pod_a);
	const struct k8s_rule *b = rule_of(service_of(&imp, "default/b"), "10.96.1.2", 81, IPPROTO_TCP);
	cr_assert_eq(b->target_port, 81, "without targetPort the port itself");
	assert_backends(b, 1, pod_b);
	k8s_import_free(&imp);
}

/* Lines 1-5 of a Service x, up to its spec. */
#define SERVICE_X_SPEC "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n"

Test(kubernetes, unsupported_values_are_refused_at_their_line_and_column)
{
	static const char external_name[] = SERVICE_X_SPEC "  type: ExternalName\n"
							   "  externalName: db.example.com\n";
	static const char stray_external_name[] = SERVICE_X_SPEC "  clusterIP: 10.96.0.9\n"
								 "  externalName: db.example.com\n";
	static const char affinity[] = SERVICE_X_SPEC "  clusterIP: 10.96.0.9\n"
						      "  sessionAffinity: Cookie\n";
	static const char sctp[] = SERVICE_X_SPEC "  clusterIP: 10.96.0.9\n"
						  "  ports:\n"
						  "  - port: 9\n"
						  "    protocol: SCTP\n";
	static const char cluster_node_port[] = SERVICE_X_SPEC "  clusterIP: 10.96.0.9\n"
							       "  ports:\n"
							       "  - port: 9\n"
							       "    nodePort: 30009\n";
	static const char no_spec[] = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n";
	static const char readiness[] = "apiVersion: discovery.k8s.io/v1\n"
					"kind: EndpointSlice\n"
					"metadata:\n"
					"  name: x-1\n"
					"  labels: {kubernetes.io/service-name: x}\n"
					"addressType: IPv4\n"
					"endpoints:\n"
					"- addresses: [10.244.0.9]\n"
					"  conditions: {ready: maybe}\n";
	/* The second document is refused: the first, good one, is not kept. */
	static const char after_good[] = "apiVersion: v1\n"
					 "kind: Service\n"
					 "metadata:\n"
					 "  name: good\n"
					 "spec:\n"
					 "  clusterIP: 10.96.0.8\n"
					 "  ports: [{port: 80}]\n"
					 "---\n" SERVICE_X_SPEC "  type: ExternalName\n";

	assert_refused(external_name, "t.yaml:6:9:", "type 'ExternalName' is not supported");
	assert_refused(stray_external_name, "t.yaml:7:17:", "externalName needs type ExternalName");
	assert_refused(affinity, "t.yaml:7:20:", "sessionAffinity 'Cookie' is not supported");
	assert_refused(sctp, "t.yaml:9:15:", "protocol 'SCTP' is not supported");
	assert_refused(cluster_node_port, "t.yaml:9:15:", "nodePort needs type NodePort or LoadBalancer");
	assert_refused(no_spec, "t.yaml:1:1:", "a Service needs a spec");
	assert_refused(readiness, "t.yaml:9:23:", "conditions.ready 'maybe'");
	assert_refused(after_good, "t.yaml:14:9:", "ExternalName");
}

/* The command, in a configuration session of brinkd without a dataplane. */
static struct fixture f;

static void load_setup(void)
{
	fixture_start(&f, "/nonexistent/dataplane.sock");
	run_ok(&f, "configure");
}

static void load_teardown(void)
{
	fixture_stop(&f);
}

TestSuite(load_kubernetes, .init = load_setup, .fini = load_teardown);

static const char *load(const char *yaml, const char *options, int expect_rc)
{
	char path[64], line[160];

	write_file(path, sizeof(path), yaml);
	snprintf(line, sizeof(line), "load kubernetes %s%s", path, options);
	const char *out = run_json(&f, line, false, expect_rc);
	unlink(path);
	return out;
}

Test(load_kubernetes, a_node_port_service_becomes_load_balanced_destination_rules)
{
	assert_has(load(node_port, " node-address 192.0.2.1", 0), "kubernetes shop/web: 2 rules, 2 backends\n");
	const char *diff = run_ok(&f, "compare");
	static const char *const lines[] = {
		"+ set nat destination rule 10000 description kubernetes:shop/web:80\n",
		"+ set nat destination rule 10000 destination address 10.96.0.10\n",
		"+ set nat destination rule 10000 destination port 80\n",
		"+ set nat destination rule 10000 protocol tcp\n",
		"+ set nat destination rule 10000 translation port 8080\n",
		"+ set nat destination rule 10000 load-balance backend 10.244.1.5 weight 1\n",
		"+ set nat destination rule 10000 load-balance backend 10.244.2.6 weight 1\n",
		"+ set nat destination rule 10000 load-balance hash round-robin\n",
		"+ set nat destination rule 10001 destination address 192.0.2.1\n",
		"+ set nat destination rule 10001 destination port 30080\n",
		"+ set nat destination rule 10001 translation port 8080\n",
	};
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_has(diff, lines[i]);
	assert_lacks(diff, "rule 10002");
}

Test(load_kubernetes, a_refused_file_leaves_the_candidate_as_it_was)
{
	static const char external_name[] = "apiVersion: v1\n"
					    "kind: Service\n"
					    "metadata:\n"
					    "  name: web\n"
					    "  namespace: shop\n"
					    "spec:\n"
					    "  type: ExternalName\n";

	load(node_port, " node-address 192.0.2.1", 0);
	struct cfg_node *before = cfg_clone(f.s.candidate);
	const char *out = load(external_name, "", -1);
	assert_has(out, "load kubernetes: the candidate is unchanged:\n");
	assert_has(out, ":7:9: Service type 'ExternalName' is not supported");
	cr_assert(cfg_equal(before, f.s.candidate), "a refused load changed the candidate");
	cfg_free(before);
}
