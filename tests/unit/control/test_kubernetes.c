/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes reader: Services with Endpoints or EndpointSlices become
 * rules; what it does not support is refused at its line and column. */
#include <criterion/criterion.h>
#include <netinet/in.h>

#include "common/net_addr.h"
#include "modules/kubernetes/kubernetes.h"

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
