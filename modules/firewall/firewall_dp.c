/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall in the dataplane: rule sets matched with rte_acl, at four
 * points. Each base chain (prerouting before DNAT, forward, input, output)
 * is a hook whose feature is on only on the interfaces the chain can act
 * on, so the others pay nothing.
 *
 * A commit's table (DP_TABLE_FIREWALL) is compiled on the main lcore into a
 * new struct fw_conf: one ACL context per set that has rules, a rule of
 * several port ranges or protocols expanded into one ACL rule each. The new
 * conf is published with one pointer store; a worker takes the pointer once
 * per burst, and the old conf is freed once every worker passed a quiescent
 * state since. A table that does not compile leaves the old conf running.
 *
 * A packet's base chain is classified for the whole burst at once; a jump
 * classifies the target set for that packet, and a return resumes the
 * caller after the jump rule by walking its remaining rules in order (the
 * ACL gives only the first match of a whole set). Before the rules, the
 * global state policy may settle a packet by its connection state
 * (established and related accepted without walking any rule).
 *
 * Counters are per lcore and per rule; a logged match goes to the main
 * lcore over a ring (rate limited per lcore) and is written there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_acl.h>
#include <rte_cycles.h>
#include <rte_icmp.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "common/net_addr.h"
#include "dataplane/ctl_server.h"
#include "dataplane/path.h"
#include "dataplane/state.h"
#include "modules/conntrack/conntrack.h"
#include "modules/firewall/firewall_msg.h"

#define FW_EXPAND_MAX 1024u   /* ACL rules one configured rule may become */
#define FW_LOG_RING_SIZE 1024 /* logged matches waiting for the main lcore */
#define FW_LOG_PER_S 10       /* logged matches per lcore and second */
#define FW_LOG_BURST 20
#define FW_RETIRED_MAX 16       /* confs waiting for the workers to leave them */
#define FW_IFACE_UNKNOWN 0xfffe /* a rule's interface that does not exist: matches nothing */
#define ICMP_CODE_PORT_UNREACH 3

_Static_assert(FW_CT_NEW == CT_NEW && FW_CT_ESTABLISHED == CT_ESTABLISHED && FW_CT_RELATED == CT_RELATED &&
		       FW_CT_INVALID == CT_INVALID,
	       "the wire's states are conntrack's");

/* What rte_acl matches: network order, as it expects its input. */
struct fw_key {
	uint8_t proto;
	uint8_t pad0[3];
	uint32_t src, dst;
	uint16_t sport, dport; /* ICMP: type and code */
	uint16_t in_if, out_if;
	uint8_t state; /* FW_STATE_BIT(ct_state): matched after the ACL (state_checked) */
	uint8_t pad1[3];
};

enum { F_PROTO, F_SRC, F_DST, F_SPORT, F_DPORT, F_IN, F_OUT, F_NUM };

RTE_ACL_RULE_DEF(fw_acl_rule, F_NUM);

static const struct rte_acl_field_def acl_fields[F_NUM] = {
	{.type = RTE_ACL_FIELD_TYPE_BITMASK,
	 .size = 1,
	 .field_index = F_PROTO,
	 .input_index = 0,
	 .offset = offsetof(struct fw_key, proto)},
	{.type = RTE_ACL_FIELD_TYPE_MASK,
	 .size = 4,
	 .field_index = F_SRC,
	 .input_index = 1,
	 .offset = offsetof(struct fw_key, src)},
	{.type = RTE_ACL_FIELD_TYPE_MASK,
	 .size = 4,
	 .field_index = F_DST,
	 .input_index = 2,
	 .offset = offsetof(struct fw_key, dst)},
	{.type = RTE_ACL_FIELD_TYPE_RANGE,
	 .size = 2,
	 .field_index = F_SPORT,
	 .input_index = 3,
	 .offset = offsetof(struct fw_key, sport)},
	{.type = RTE_ACL_FIELD_TYPE_RANGE,
	 .size = 2,
	 .field_index = F_DPORT,
	 .input_index = 3,
	 .offset = offsetof(struct fw_key, dport)},
	{.type = RTE_ACL_FIELD_TYPE_RANGE,
	 .size = 2,
	 .field_index = F_IN,
	 .input_index = 4,
	 .offset = offsetof(struct fw_key, in_if)},
	{.type = RTE_ACL_FIELD_TYPE_RANGE,
	 .size = 2,
	 .field_index = F_OUT,
	 .input_index = 4,
	 .offset = offsetof(struct fw_key, out_if)},
};

struct fw_rule {
	struct dp_fw_item item; /* as configured: a return walks the rest of the set with it */
	uint16_t target;        /* jump: the set's index */
	uint16_t in_if, out_if; /* resolved, DP_IFACE_NONE: any */
};

struct fw_set {
	char name[FW_NAME_LEN];
	uint8_t hook, default_action, flags;
	unsigned n_rules;
	struct fw_rule *rules;
	struct rte_acl_ctx *acl; /* NULL when it has no rules */
	unsigned cnt_base;       /* its counters: the default's, then one per rule */
};

struct fw_count {
	uint64_t packets, bytes;
};

struct fw_conf {
	unsigned n_sets;
	struct fw_set *sets;
	int base[FW_HOOK_MAX]; /* each point's base chain, -1: none */
	uint8_t policy[8];     /* by enum ct_state: FW_ACT_* */
	unsigned n_counters;
	struct fw_count *cnt[RTE_MAX_LCORE]; /* per lcore in use */
};

/* A logged match, from a worker to the main lcore. */
struct fw_log_event {
	char set[FW_NAME_LEN];
	uint32_t number; /* 0: the default action */
	uint8_t action, proto;
	uint16_t in_if, out_if;
	uint32_t src, dst; /* host order */
	uint16_t sport, dport;
};

struct fw_lcore {
	uint64_t log_tokens, log_tsc;
} __rte_cache_aligned;

static struct fw_conf *active;
static struct {
	struct fw_conf *conf;
	uint64_t token;
} retired[FW_RETIRED_MAX];
static unsigned n_retired;
static struct rte_ring *log_ring;
static struct fw_lcore lcores[RTE_MAX_LCORE];
static uint32_t feat[FW_HOOK_MAX];
static unsigned acl_serial;
static enum dp_counter_id cnt_drop, cnt_reject, cnt_too_deep, cnt_log_lost;

static const char *const action_names[FW_ACT_MAX] = {"none", "accept", "drop", "reject", "jump", "return"};

/* ---- building a conf (main lcore) ---- */

static void conf_free(struct fw_conf *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n_sets; i++) {
		rte_acl_free(c->sets[i].acl);
		free(c->sets[i].rules);
	}
	free(c->sets);
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		rte_free(c->cnt[l]);
	free(c);
}

static int set_by_name(const struct fw_conf *c, const char *name)
{
	for (unsigned i = 0; i < c->n_sets; i++)
		if (strncmp(c->sets[i].name, name, FW_NAME_LEN) == 0)
			return (int)i;
	return -1;
}

static void range_field(struct rte_acl_field *f, uint16_t lo, uint16_t hi)
{
	f->value.u16 = lo;
	f->mask_range.u16 = hi;
}

static void iface_field(struct rte_acl_field *f, uint16_t id)
{
	if (id == DP_IFACE_NONE)
		range_field(f, 0, UINT16_MAX);
	else
		range_field(f, id, id);
}

/* The ACL rules of rule r (priority prio, userdata index + 1) into out; how many, or -E2BIG. */
static int expand(const struct fw_rule *r, uint32_t prio, uint32_t userdata, struct fw_acl_rule *out, unsigned room)
{
	const struct dp_fw_item *it = &r->item;
	uint8_t protos[2];
	unsigned n_protos = 0, n = 0;
	struct port_range any = {0, UINT16_MAX}, type, code;
	const struct port_range *sp = it->sports, *dp_ = it->dports;
	unsigned n_sp = it->n_sports, n_dp = it->n_dports;

	if (it->flags & FW_F_TCP_UDP) {
		protos[n_protos++] = IPPROTO_TCP;
		protos[n_protos++] = IPPROTO_UDP;
	} else if (it->flags & FW_F_PROTO) {
		protos[n_protos++] = it->proto;
	}
	if (it->flags & (FW_F_ICMP_TYPE | FW_F_ICMP_CODE)) {
		type = (it->flags & FW_F_ICMP_TYPE) ? (struct port_range){it->icmp_type, it->icmp_type} : any;
		code = (it->flags & FW_F_ICMP_CODE) ? (struct port_range){it->icmp_code, it->icmp_code} : any;
		sp = &type;
		dp_ = &code;
		n_sp = n_dp = 1;
	}
	if (!n_sp) {
		sp = &any;
		n_sp = 1;
	}
	if (!n_dp) {
		dp_ = &any;
		n_dp = 1;
	}
	for (unsigned p = 0; p < (n_protos ? n_protos : 1); p++)
		for (unsigned s = 0; s < n_sp; s++)
			for (unsigned d = 0; d < n_dp; d++) {
				if (n == room)
					return -E2BIG;
				struct fw_acl_rule *a = &out[n++];
				memset(a, 0, sizeof(*a));
				a->data.category_mask = 1;
				a->data.priority = (int32_t)prio;
				a->data.userdata = userdata;
				if (n_protos) {
					a->field[F_PROTO].value.u8 = protos[p];
					a->field[F_PROTO].mask_range.u8 = 0xff;
				}
				a->field[F_SRC].value.u32 = it->src;
				a->field[F_SRC].mask_range.u32 = it->src_len;
				a->field[F_DST].value.u32 = it->dst;
				a->field[F_DST].mask_range.u32 = it->dst_len;
				range_field(&a->field[F_SPORT], sp[s].lo, sp[s].hi);
				range_field(&a->field[F_DPORT], dp_[d].lo, dp_[d].hi);
				iface_field(&a->field[F_IN], r->in_if);
				iface_field(&a->field[F_OUT], r->out_if);
			}
	return (int)n;
}

static int set_compile(struct fw_set *s, char *err, size_t errlen)
{
	struct fw_acl_rule *acl_rules = NULL;
	unsigned n = 0, cap = 0;
	char name[RTE_ACL_NAMESIZE];
	int rc = 0;

	if (!s->n_rules)
		return 0;
	for (unsigned i = 0; i < s->n_rules; i++) {
		if (n + FW_EXPAND_MAX > cap) {
			unsigned ncap = cap ? 2 * cap : 4 * FW_EXPAND_MAX;
			struct fw_acl_rule *g = realloc(acl_rules, sizeof(*g) * ncap);
			if (!g) {
				free(acl_rules);
				snprintf(err, errlen, "firewall %s: no memory to compile its rules", s->name);
				return -ENOMEM;
			}
			acl_rules = g;
			cap = ncap;
		}
		/* First match wins: the earlier rule has the higher priority. */
		int k = expand(&s->rules[i], s->n_rules - i, i + 1, &acl_rules[n], FW_EXPAND_MAX);
		if (k < 0) {
			free(acl_rules);
			snprintf(err, errlen, "firewall %s rule %u: its ports and protocols make more than %u matches",
				 s->name, s->rules[i].item.number, FW_EXPAND_MAX);
			return k;
		}
		n += (unsigned)k;
	}
	snprintf(name, sizeof(name), "fw%u", acl_serial++);
	struct rte_acl_param p = {
		.name = name,
		.socket_id = (int)rte_socket_id(),
		.rule_size = RTE_ACL_RULE_SZ(F_NUM),
		.max_rule_num = n,
	};
	struct rte_acl_config cfg = {.num_categories = 1, .num_fields = F_NUM};
	memcpy(cfg.defs, acl_fields, sizeof(acl_fields));
	if (!(s->acl = rte_acl_create(&p)))
		rc = -ENOMEM;
	else if ((rc = rte_acl_add_rules(s->acl, (const struct rte_acl_rule *)acl_rules, n)) == 0)
		rc = rte_acl_build(s->acl, &cfg);
	free(acl_rules);
	if (rc)
		snprintf(err, errlen, "firewall %s: its rules do not compile (%s)", s->name, strerror(-rc));
	return rc;
}

static int rule_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct fw_rule *)a)->item.number, y = ((const struct fw_rule *)b)->item.number;
	return x < y ? -1 : x > y;
}

/* Sets and rules of the table into c, checked; 0, or -errno with err. */
static int conf_load(struct fw_conf *c, const struct dp_fw_item *items, unsigned n, char *err, size_t errlen)
{
	unsigned n_sets = 0;

	for (unsigned i = 0; i < n; i++)
		n_sets += items[i].kind == FW_ITEM_SET;
	if (n_sets > FW_SETS_MAX || n > FW_RULES_MAX + FW_SETS_MAX + 1) {
		snprintf(err, errlen, "firewall: more than %u sets or %u rules", FW_SETS_MAX, FW_RULES_MAX);
		return -ENOSPC;
	}
	c->sets = calloc(n_sets ? n_sets : 1, sizeof(*c->sets));
	if (!c->sets)
		goto nomem;
	for (unsigned i = 0; i < n; i++) {
		const struct dp_fw_item *it = &items[i];
		struct fw_set *s = c->n_sets ? &c->sets[c->n_sets - 1] : NULL;
		char set[FW_NAME_LEN + 1];

		snprintf(set, sizeof(set), "%.*s", FW_NAME_LEN, it->set);
		switch (it->kind) {
		case FW_ITEM_POLICY:
			for (unsigned k = 0; k < RTE_DIM(c->policy); k++)
				if (it->policy[k] != FW_ACT_NONE && it->policy[k] != FW_ACT_ACCEPT &&
				    it->policy[k] != FW_ACT_DROP && it->policy[k] != FW_ACT_REJECT) {
					snprintf(err, errlen, "firewall state-policy: action %u is not one",
						 it->policy[k]);
					return -EINVAL;
				}
			memcpy(c->policy, it->policy, sizeof(c->policy));
			break;
		case FW_ITEM_SET:
			if (set_by_name(c, set) >= 0 || it->hook >= FW_HOOK_MAX ||
			    (it->hook && c->base[it->hook] >= 0)) {
				snprintf(err, errlen, "firewall %s: given twice", set);
				return -EEXIST;
			}
			if (it->action == FW_ACT_NONE || it->action == FW_ACT_JUMP || it->action >= FW_ACT_MAX ||
			    (it->hook && it->action == FW_ACT_RETURN)) {
				snprintf(err, errlen, "firewall %s: default action %u is not one it can have", set,
					 it->action);
				return -EINVAL;
			}
			s = &c->sets[c->n_sets];
			memcpy(s->name, set, strnlen(set, FW_NAME_LEN - 1));
			s->hook = it->hook;
			s->default_action = it->action;
			s->flags = it->flags;
			if (it->hook)
				c->base[it->hook] = (int)c->n_sets;
			c->n_sets++;
			break;
		case FW_ITEM_RULE:
			break;
		default:
			snprintf(err, errlen, "firewall: item %u of an unknown kind %u", i, it->kind);
			return -EINVAL;
		}
	}
	/* Rules after every set, since the table comes sorted as the wire items' bytes. */
	for (unsigned i = 0; i < n; i++) {
		const struct dp_fw_item *it = &items[i];
		char set[FW_NAME_LEN + 1];
		int k;

		if (it->kind != FW_ITEM_RULE)
			continue;
		snprintf(set, sizeof(set), "%.*s", FW_NAME_LEN, it->set);
		if ((k = set_by_name(c, set)) < 0) {
			snprintf(err, errlen, "firewall rule %u: no set named '%s'", it->number, set);
			return -ENOENT;
		}
		struct fw_set *s = &c->sets[k];
		if ((s->n_rules & (s->n_rules - 1)) == 0) {
			struct fw_rule *g = realloc(s->rules, sizeof(*g) * (s->n_rules ? 2 * s->n_rules : 1));
			if (!g)
				goto nomem;
			s->rules = g;
		}
		s->rules[s->n_rules++] = (struct fw_rule){.item = *it,
							  .in_if = iface_by_msg_name(it->in_iface, FW_IFACE_UNKNOWN),
							  .out_if = iface_by_msg_name(it->out_iface, FW_IFACE_UNKNOWN)};
	}
	for (unsigned k = 0; k < c->n_sets; k++) {
		struct fw_set *s = &c->sets[k];
		qsort(s->rules, s->n_rules, sizeof(*s->rules), rule_cmp);
		for (unsigned r = 1; r < s->n_rules; r++)
			if (s->rules[r].item.number == s->rules[r - 1].item.number) {
				snprintf(err, errlen, "firewall %s rule %u: given twice", s->name,
					 s->rules[r].item.number);
				return -EEXIST;
			}
	}
	return 0;
nomem:
	snprintf(err, errlen, "firewall: out of memory");
	return -ENOMEM;
}

static int rule_check(const struct fw_conf *c, const struct fw_set *s, struct fw_rule *r, char *err, size_t errlen)
{
	const struct dp_fw_item *it = &r->item;
	char target[FW_NAME_LEN + 1];
	int t;

	if (it->action == FW_ACT_NONE || it->action >= FW_ACT_MAX) {
		snprintf(err, errlen, "firewall %s rule %u: no action", s->name, it->number);
		return -EINVAL;
	}
	if (it->src_len > 32 || it->dst_len > 32 || it->n_sports > FW_PORT_RANGES_MAX ||
	    it->n_dports > FW_PORT_RANGES_MAX) {
		snprintf(err, errlen, "firewall %s rule %u: a prefix or port list out of range", s->name, it->number);
		return -EINVAL;
	}
	for (unsigned k = 0; k < it->n_sports + it->n_dports; k++) {
		const struct port_range *p = k < it->n_sports ? &it->sports[k] : &it->dports[k - it->n_sports];
		if (p->lo > p->hi) {
			snprintf(err, errlen, "firewall %s rule %u: port range %u-%u", s->name, it->number, p->lo,
				 p->hi);
			return -EINVAL;
		}
	}
	if ((it->n_sports || it->n_dports) && !(it->flags & FW_F_TCP_UDP) &&
	    !((it->flags & FW_F_PROTO) && (it->proto == IPPROTO_TCP || it->proto == IPPROTO_UDP))) {
		snprintf(err, errlen, "firewall %s rule %u: ports need protocol tcp or udp", s->name, it->number);
		return -EINVAL;
	}
	if (it->action != FW_ACT_JUMP)
		return 0;
	snprintf(target, sizeof(target), "%.*s", FW_NAME_LEN, it->target);
	if ((t = set_by_name(c, target)) < 0 || c->sets[t].hook) {
		snprintf(err, errlen, "firewall %s rule %u: no rule set named '%s' to jump to", s->name, it->number,
			 target);
		return -ENOENT;
	}
	r->target = (uint16_t)t;
	return 0;
}

/* The deepest chain of jumps from set i, or -ELOOP when one comes back to a set it passed. */
static int jump_depth(const struct fw_conf *c, unsigned i, uint8_t *on_path)
{
	int depth = 0;

	if (on_path[i])
		return -ELOOP;
	on_path[i] = 1;
	for (unsigned k = 0; k < c->sets[i].n_rules; k++) {
		const struct fw_rule *r = &c->sets[i].rules[k];
		if (r->item.action != FW_ACT_JUMP)
			continue;
		int d = jump_depth(c, r->target, on_path);
		if (d < 0) {
			on_path[i] = 0;
			return d;
		}
		depth = RTE_MAX(depth, d + 1);
	}
	on_path[i] = 0;
	return depth;
}

static struct fw_conf *conf_build(const struct dp_fw_item *items, unsigned n, char *err, size_t errlen, int *rc)
{
	struct fw_conf *c = calloc(1, sizeof(*c));
	uint8_t on_path[FW_SETS_MAX] = {0};
	unsigned lcore;

	if (!c) {
		snprintf(err, errlen, "firewall: out of memory");
		*rc = -ENOMEM;
		return NULL;
	}
	for (unsigned h = 0; h < FW_HOOK_MAX; h++)
		c->base[h] = -1;
	if ((*rc = conf_load(c, items, n, err, errlen)) < 0)
		goto fail;
	for (unsigned i = 0; i < c->n_sets; i++) {
		struct fw_set *s = &c->sets[i];
		s->cnt_base = c->n_counters;
		c->n_counters += 1 + s->n_rules;
		for (unsigned k = 0; k < s->n_rules; k++)
			if ((*rc = rule_check(c, s, &s->rules[k], err, errlen)) < 0)
				goto fail;
	}
	for (unsigned i = 0; i < c->n_sets; i++) {
		int d = jump_depth(c, i, on_path);
		if (d < 0 || (unsigned)d > FW_JUMP_DEPTH_MAX) {
			snprintf(err, errlen,
				 d < 0 ? "firewall %s: its jumps come back to a set they passed"
				       : "firewall %s: jumps deeper than %u sets",
				 c->sets[i].name, FW_JUMP_DEPTH_MAX);
			*rc = d < 0 ? d : -E2BIG;
			goto fail;
		}
	}
	for (unsigned i = 0; i < c->n_sets; i++)
		if ((*rc = set_compile(&c->sets[i], err, errlen)) < 0)
			goto fail;
	RTE_LCORE_FOREACH(lcore) {
		c->cnt[lcore] =
			rte_zmalloc("brink_fw_cnt", sizeof(struct fw_count) * (c->n_counters ? c->n_counters : 1),
				    RTE_CACHE_LINE_SIZE);
		if (!c->cnt[lcore]) {
			snprintf(err, errlen, "firewall: no memory for the counters");
			*rc = -ENOMEM;
			goto fail;
		}
	}
	return c;
fail:
	conf_free(c);
	return NULL;
}

/* A rule's (or set default's, number 0) counters summed over the lcores. */
static struct fw_count count_sum(const struct fw_conf *c, unsigned idx)
{
	struct fw_count t = {0, 0};

	for (unsigned l = 0; l < RTE_MAX_LCORE; l++)
		if (c->cnt[l]) {
			t.packets += __atomic_load_n(&c->cnt[l][idx].packets, __ATOMIC_RELAXED);
			t.bytes += __atomic_load_n(&c->cnt[l][idx].bytes, __ATOMIC_RELAXED);
		}
	return t;
}

/* A rule that stays (same set, number and content) keeps its counts. */
static void counters_carry(struct fw_conf *to, const struct fw_conf *from, unsigned lcore)
{
	for (unsigned i = 0; from && i < to->n_sets; i++) {
		const struct fw_set *s = &to->sets[i];
		int j = set_by_name(from, s->name);
		if (j < 0)
			continue;
		const struct fw_set *o = &from->sets[j];
		to->cnt[lcore][s->cnt_base] = count_sum(from, o->cnt_base);
		for (unsigned k = 0, m = 0; k < s->n_rules; k++) {
			while (m < o->n_rules && o->rules[m].item.number < s->rules[k].item.number)
				m++;
			if (m < o->n_rules &&
			    memcmp(&o->rules[m].item, &s->rules[k].item, sizeof(struct dp_fw_item)) == 0)
				to->cnt[lcore][s->cnt_base + 1 + k] = count_sum(from, o->cnt_base + 1 + m);
		}
	}
}

/* Confs no worker can hold any more are freed. */
static void retired_reclaim(void)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n_retired; i++) {
		if (rte_rcu_qsbr_check(dp.qsbr, retired[i].token, false) == 1)
			conf_free(retired[i].conf);
		else
			retired[k++] = retired[i];
	}
	n_retired = k;
}

/* ---- which interfaces run each point ---- */

static bool needs_everywhere(const struct fw_conf *c, const struct fw_set *s)
{
	if (s->default_action != FW_ACT_ACCEPT)
		return true;
	for (unsigned k = 0; k < RTE_DIM(c->policy); k++)
		if (c->policy[k] != FW_ACT_NONE && c->policy[k] != FW_ACT_ACCEPT)
			return true;
	for (unsigned k = 0; k < s->n_rules; k++)
		if (s->rules[k].in_if == DP_IFACE_NONE && s->rules[k].out_if == DP_IFACE_NONE)
			return true;
	return false;
}

/* A base chain whose default accepts and whose every rule names an
 * interface acts only on those: the others keep the feature off. */
static void features_apply(const struct fw_conf *c)
{
	for (unsigned h = 1; h < FW_HOOK_MAX; h++) {
		const struct fw_set *s = c && c->base[h] >= 0 ? &c->sets[c->base[h]] : NULL;
		bool all = s && needs_everywhere(c, s);

		for (uint16_t i = 0; i < DP_IFACE_MAX; i++) {
			bool on = false;
			for (unsigned k = 0; s && !all && k < s->n_rules && !on; k++)
				on = s->rules[k].in_if == i || s->rules[k].out_if == i;
			if (((dp_ifaces[i].features & feat[h]) != 0) != on)
				hook_iface_feature_set(i, feat[h], on);
		}
		hook_feature_everywhere(feat[h], all);
	}
}

/* Rules and policies on connection state need tracking, held from the
 * first such configuration to the last. */
static bool ct_held;

static bool uses_state(const struct fw_conf *c)
{
	if (!c)
		return false;
	for (unsigned k = 0; k < RTE_DIM(c->policy); k++)
		if (c->policy[k] != FW_ACT_NONE)
			return true;
	for (unsigned i = 0; i < c->n_sets; i++)
		for (unsigned k = 0; k < c->sets[i].n_rules; k++)
			if (c->sets[i].rules[k].item.states)
				return true;
	return false;
}

static int ct_hold(bool on)
{
	if (on != ct_held) {
		int rc = ct_use(on);
		if (rc < 0)
			return rc;
		ct_held = on;
	}
	return 0;
}

static int fw_apply(const void *table_items, unsigned n, struct dp_apply *a)
{
	char err[256];
	int rc;
	unsigned lcore = rte_lcore_id();

	retired_reclaim();
	if (n_retired == FW_RETIRED_MAX) {
		/* Wait for the workers rather than keep more than a few old confs. */
		rte_rcu_qsbr_synchronize(dp.qsbr, RTE_QSBR_THRID_INVALID);
		retired_reclaim();
	}
	struct fw_conf *c = n ? conf_build(table_items, n, err, sizeof(err), &rc) : NULL;
	if (n && !c)
		return dp_apply_refuse(a, rc, "%s", err);
	struct fw_conf *old = active;
	/* tracking starts before the rules that read it, and stops after */
	if (uses_state(c) && ct_hold(true) < 0) {
		conf_free(c);
		return dp_apply_refuse(a, -ENOMEM,
				       "connection tracking cannot start: no memory for its table "
				       "(system conntrack table-size)");
	}
	if (c && c->cnt[lcore])
		counters_carry(c, old, lcore);
	__atomic_store_n(&active, c, __ATOMIC_RELEASE);
	features_apply(c);
	if (!uses_state(c))
		ct_hold(false);
	if (old) {
		retired[n_retired].conf = old;
		retired[n_retired++].token = rte_rcu_qsbr_start(dp.qsbr);
	}
	return 0;
}

/* ---- the packet path (workers) ---- */

static inline void key_fill(struct fw_key *k, struct rte_mbuf *m, unsigned hook)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	const struct dp_mbuf_meta *meta = dp_meta(m);
	uint16_t ihl = rte_ipv4_hdr_len(ip);

	memset(k, 0, sizeof(*k));
	k->proto = ip->next_proto_id;
	k->src = ip->src_addr;
	k->dst = ip->dst_addr;
	k->in_if = rte_cpu_to_be_16(hook == FW_HOOK_OUTPUT ? DP_IFACE_NONE : meta->in_iface);
	k->out_if =
		rte_cpu_to_be_16(hook == FW_HOOK_FORWARD || hook == FW_HOOK_OUTPUT ? meta->out_iface : DP_IFACE_NONE);
	k->state = (uint8_t)FW_STATE_BIT(ct_state(m) & 7);
	if ((ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK)) ||
	    rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + ihl + 4)
		return;
	const uint8_t *l4 = (const uint8_t *)ip + ihl;
	if (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) {
		memcpy(&k->sport, l4, 2);
		memcpy(&k->dport, l4 + 2, 2);
	} else if (k->proto == IPPROTO_ICMP) {
		k->sport = rte_cpu_to_be_16(l4[0]);
		k->dport = rte_cpu_to_be_16(l4[1]);
	}
}

/* Rule r of a set matches k: the walk after a return. */
static bool rule_matches(const struct fw_rule *r, const struct fw_key *k)
{
	const struct dp_fw_item *it = &r->item;
	uint16_t sport = rte_be_to_cpu_16(k->sport), dport = rte_be_to_cpu_16(k->dport);
	bool ok;

	if (it->flags & FW_F_TCP_UDP) {
		if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
			return false;
	} else if ((it->flags & FW_F_PROTO) && k->proto != it->proto) {
		return false;
	}
	if (it->src_len && (rte_be_to_cpu_32(k->src) ^ it->src) >> (32 - it->src_len))
		return false;
	if (it->dst_len && (rte_be_to_cpu_32(k->dst) ^ it->dst) >> (32 - it->dst_len))
		return false;
	if ((it->flags & FW_F_ICMP_TYPE) && sport != it->icmp_type)
		return false;
	if ((it->flags & FW_F_ICMP_CODE) && dport != it->icmp_code)
		return false;
	ok = !it->n_sports;
	for (unsigned i = 0; i < it->n_sports && !ok; i++)
		ok = sport >= it->sports[i].lo && sport <= it->sports[i].hi;
	if (!ok)
		return false;
	ok = !it->n_dports;
	for (unsigned i = 0; i < it->n_dports && !ok; i++)
		ok = dport >= it->dports[i].lo && dport <= it->dports[i].hi;
	if (!ok)
		return false;
	if (r->in_if != DP_IFACE_NONE && r->in_if != rte_be_to_cpu_16(k->in_if))
		return false;
	if (r->out_if != DP_IFACE_NONE && r->out_if != rte_be_to_cpu_16(k->out_if))
		return false;
	return !it->states || (it->states & k->state);
}

/* The ACL's match r (0: none) leaves out the connection state: when the
 * rule names states the packet is not in, the first rule after it that
 * matches in full. */
static inline uint32_t state_checked(const struct fw_set *s, uint32_t r, const struct fw_key *k)
{
	if (likely(r == 0 || !s->rules[r - 1].item.states || (s->rules[r - 1].item.states & k->state)))
		return r;
	for (uint32_t i = r; i < s->n_rules; i++)
		if (rule_matches(&s->rules[i], k))
			return i + 1;
	return 0;
}

static inline uint32_t classify_one(const struct fw_set *s, const struct fw_key *k)
{
	const uint8_t *data = (const uint8_t *)k;
	uint32_t r = 0;

	if (s->acl)
		rte_acl_classify(s->acl, &data, &r, 1, 1);
	return state_checked(s, r, k);
}

static __rte_noinline void log_match(const struct fw_set *s, uint32_t number, uint8_t action, const struct fw_key *k)
{
	struct fw_lcore *lc = &lcores[rte_lcore_id()];
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz(), cap = FW_LOG_BURST * hz;

	lc->log_tokens = lc->log_tsc ? RTE_MIN(cap, lc->log_tokens + (now - lc->log_tsc) * FW_LOG_PER_S) : cap;
	lc->log_tsc = now;
	if (lc->log_tokens < hz)
		return;
	lc->log_tokens -= hz;
	struct fw_log_event ev = {.number = number,
				  .action = action,
				  .proto = k->proto,
				  .in_if = rte_be_to_cpu_16(k->in_if),
				  .out_if = rte_be_to_cpu_16(k->out_if),
				  .src = rte_be_to_cpu_32(k->src),
				  .dst = rte_be_to_cpu_32(k->dst),
				  .sport = rte_be_to_cpu_16(k->sport),
				  .dport = rte_be_to_cpu_16(k->dport)};
	memcpy(ev.set, s->name, sizeof(ev.set));
	if (!log_ring || rte_ring_mp_enqueue_elem(log_ring, &ev, sizeof(ev)) != 0)
		dp_counters_self()->c[cnt_log_lost]++;
}

static inline void count(const struct fw_conf *c, unsigned idx, uint32_t len)
{
	struct fw_count *n = &c->cnt[rte_lcore_id()][idx];
	n->packets++;
	n->bytes += len;
}

/* The action the walk from base chain b ends in, the base chain's first match being r. */
static uint8_t walk(const struct fw_conf *c, unsigned b, uint32_t r, const struct fw_key *k, uint32_t len)
{
	struct {
		uint16_t set;
		uint32_t rule;
	} stack[FW_JUMP_DEPTH_MAX + 1];
	unsigned depth = 0, s = b;

	for (;;) {
		const struct fw_set *set = &c->sets[s];
		if (r == 0) {
			count(c, set->cnt_base, len);
			if (unlikely(set->flags & FW_F_LOG))
				log_match(set, 0, set->default_action, k);
			if (set->default_action != FW_ACT_RETURN)
				return set->default_action;
		} else {
			const struct fw_rule *rule = &set->rules[r - 1];
			count(c, set->cnt_base + r, len);
			if (unlikely(rule->item.flags & FW_F_LOG))
				log_match(set, rule->item.number, rule->item.action, k);
			switch (rule->item.action) {
			case FW_ACT_JUMP:
				if (unlikely(depth == FW_JUMP_DEPTH_MAX))
					return FW_ACT_MAX; /* the model refuses deeper jumps */
				stack[depth].set = (uint16_t)s;
				stack[depth++].rule = r;
				s = rule->target;
				r = classify_one(&c->sets[s], k);
				continue;
			case FW_ACT_RETURN:
				break;
			default:
				return rule->item.action;
			}
		}
		/* Back to the set that jumped here, after the jump rule; a
		 * return in a base chain ends in its default. */
		if (depth == 0) {
			set = &c->sets[b];
			count(c, set->cnt_base, len);
			return set->default_action;
		}
		depth--;
		s = stack[depth].set;
		set = &c->sets[s];
		r = 0;
		for (uint32_t i = stack[depth].rule; i < set->n_rules && !r; i++)
			if (rule_matches(&set->rules[i], k))
				r = i + 1;
	}
}

static dp_verdict verdict(struct dp_worker *w, struct rte_mbuf *m, uint8_t action, const struct fw_key *k)
{
	switch (action) {
	case FW_ACT_ACCEPT:
		return DP_CONTINUE;
	case FW_ACT_REJECT:
		if (k->proto == IPPROTO_TCP && !tcp_send_reset(w, m))
			return DP_DROP(cnt_reject);
		dp_counters_self()->c[cnt_reject]++;
		if (unlikely(trace_on()))
			trace_step(m, "firewall", "rejected");
		if (k->proto == IPPROTO_TCP)
			return DP_CONSUMED;
		icmp_send_error(w, m, ICMP_DEST_UNREACH, ICMP_CODE_PORT_UNREACH, dp_meta(m)->in_iface, 0);
		return DP_CONSUMED;
	case FW_ACT_DROP:
		return DP_DROP(cnt_drop);
	default:
		return DP_DROP(cnt_too_deep);
	}
}

static inline void fw_run(unsigned hook, struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	const struct fw_conf *c = __atomic_load_n(&active, __ATOMIC_ACQUIRE);
	struct fw_key keys[DP_BURST];
	const uint8_t *data[DP_BURST];
	uint32_t res[DP_BURST];
	uint16_t todo[DP_BURST], n_todo = 0;

	if (unlikely(!c || c->base[hook] < 0 || !c->cnt[rte_lcore_id()])) {
		memset(v, 0, sizeof(*v) * n); /* between a commit and its features going */
		return;
	}
	const struct fw_set *base = &c->sets[c->base[hook]];
	for (uint16_t i = 0; i < n; i++) {
		uint8_t p = c->policy[ct_state(pkts[i]) & 7];
		if (p == FW_ACT_ACCEPT) {
			v[i] = DP_CONTINUE; /* established and related traffic, most of it: no key needed */
			continue;
		}
		key_fill(&keys[i], pkts[i], hook);
		if (p != FW_ACT_NONE) {
			v[i] = verdict(w, pkts[i], p, &keys[i]);
			continue;
		}
		data[n_todo] = (const uint8_t *)&keys[i];
		res[n_todo] = 0;
		todo[n_todo++] = i;
	}
	if (n_todo && base->acl)
		rte_acl_classify(base->acl, data, res, n_todo, 1);
	for (uint16_t j = 0; j < n_todo; j++) {
		uint16_t i = todo[j];
		/* bytes of the IPv4 packet, as netfilter counts them */
		uint8_t a = walk(c, (unsigned)c->base[hook], state_checked(base, res[j], &keys[i]), &keys[i],
				 rte_pktmbuf_pkt_len(pkts[i]) - sizeof(struct rte_ether_hdr));
		v[i] = verdict(w, pkts[i], a, &keys[i]);
	}
}

static void fw_prerouting(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	fw_run(FW_HOOK_PREROUTING, w, pkts, v, n);
}

static void fw_forward(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	fw_run(FW_HOOK_FORWARD, w, pkts, v, n);
}

static void fw_input(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	fw_run(FW_HOOK_INPUT, w, pkts, v, n);
}

static void fw_output(struct dp_worker *w, struct rte_mbuf **pkts, dp_verdict *v, uint16_t n)
{
	fw_run(FW_HOOK_OUTPUT, w, pkts, v, n);
}

/* ---- main lcore: the log, old confs ---- */

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	if (p == IPPROTO_TCP)
		return "TCP";
	if (p == IPPROTO_UDP)
		return "UDP";
	if (p == IPPROTO_ICMP)
		return "ICMP";
	snprintf(buf, len, "%u", p);
	return buf;
}

static void fw_main_work(uint64_t now_tsc)
{
	struct fw_log_event ev[32];
	unsigned n;

	(void)now_tsc;
	if (n_retired)
		retired_reclaim();
	if (!log_ring)
		return;
	n = rte_ring_sc_dequeue_burst_elem(log_ring, ev, sizeof(ev[0]), RTE_DIM(ev), NULL);
	for (unsigned i = 0; i < n; i++) {
		char s[IP4_STR_LEN], d[IP4_STR_LEN], p[8], rule[16] = "default";
		const struct fw_log_event *e = &ev[i];
		const char *in = e->in_if < DP_IFACE_MAX ? dp_ifaces[e->in_if].name : "";
		const char *out = e->out_if < DP_IFACE_MAX ? dp_ifaces[e->out_if].name : "";

		if (e->number)
			snprintf(rule, sizeof(rule), "%u", e->number);
		RTE_LOG(INFO, USER1, "firewall %.*s rule %s %s: IN=%s OUT=%s SRC=%s DST=%s PROTO=%s SPT=%u DPT=%u\n",
			FW_NAME_LEN, e->set, rule, action_names[e->action < FW_ACT_MAX ? e->action : 0], in, out,
			ip4_fmt(e->src, s), ip4_fmt(e->dst, d), proto_name(e->proto, p, sizeof(p)), e->sport, e->dport);
	}
}

/* ---- DP_MSG_FW_DUMP ---- */

static void dump_fw(struct ctl_conn *conn, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct dp_fw_dump_req *r = body;
	const struct fw_conf *c = active;
	char only[FW_NAME_LEN + 1] = "";
	unsigned n = 0;

	if (len && len != sizeof(*r)) {
		ctl_reply_error(conn, req, -EBADMSG, "item of the wrong size");
		return;
	}
	if (len)
		snprintf(only, sizeof(only), "%.*s", FW_NAME_LEN, r->set);
	if (only[0] && (!c || set_by_name(c, only) < 0)) {
		ctl_reply_error(conn, req, -ENOENT, "no firewall rule set named '%s' in the dataplane", only);
		return;
	}
	struct dp_fw_counter *out = calloc(c ? c->n_counters + 1 : 1, sizeof(*out));
	if (!out) {
		ctl_reply_error(conn, req, -ENOMEM, "out of memory");
		return;
	}
	for (unsigned i = 0; c && i < c->n_sets; i++) {
		const struct fw_set *s = &c->sets[i];
		if (only[0] && strcmp(only, s->name) != 0)
			continue;
		for (unsigned k = 0; k <= s->n_rules; k++) {
			struct dp_fw_counter *e = &out[n++];
			struct fw_count t = count_sum(c, s->cnt_base + k);
			memcpy(e->set, s->name, sizeof(e->set));
			e->hook = s->hook;
			e->number = k ? s->rules[k - 1].item.number : 0;
			e->action = k ? s->rules[k - 1].item.action : s->default_action;
			e->packets = t.packets;
			e->bytes = t.bytes;
		}
	}
	ctl_reply_array(conn, req, out, n, sizeof(*out));
	free(out);
}

static void clear_fw(struct ctl_conn *conn, const struct dp_msg_hdr *req, const void *body, size_t len)
{
	const struct fw_conf *c = active;

	(void)body;
	(void)len;
	/* Workers keep counting meanwhile: a packet of this instant may stay counted. */
	for (unsigned l = 0; c && l < RTE_MAX_LCORE; l++)
		if (c->cnt[l])
			for (unsigned k = 0; k < c->n_counters; k++) {
				__atomic_store_n(&c->cnt[l][k].packets, 0, __ATOMIC_RELAXED);
				__atomic_store_n(&c->cnt[l][k].bytes, 0, __ATOMIC_RELAXED);
			}
	ctl_reply(conn, req, 0, 0, NULL, 0, 0);
}

void firewall_dataplane_init(void)
{
	static const dp_hook_fn fns[FW_HOOK_MAX] = {NULL, fw_prerouting, fw_forward, fw_input, fw_output};
	static const enum dp_hook_point points[FW_HOOK_MAX] = {0, DP_HOOK_PREROUTING, DP_HOOK_FORWARD, DP_HOOK_LOCAL_IN,
							       DP_HOOK_LOCAL_OUT};
	static const char *const features[FW_HOOK_MAX] = {NULL, "firewall-prerouting", "firewall-forward",
							  "firewall-input", "firewall-output"};

	for (unsigned h = 1; h < FW_HOOK_MAX; h++) {
		feat[h] = dp_feature_register(features[h]);
		dp_hook_register(points[h], h == FW_HOOK_PREROUTING ? DP_PRIO_FILTER_PREDNAT : DP_PRIO_FILTER,
				 features[h], feat[h], fns[h]);
	}
	log_ring = rte_ring_create_elem("brink_fw_log", sizeof(struct fw_log_event), FW_LOG_RING_SIZE,
					(int)rte_socket_id(), RING_F_SC_DEQ);
	state_table_register(DP_TABLE_FIREWALL, sizeof(struct dp_fw_item), fw_apply);
	dp_main_work_register(fw_main_work);
	ctl_register(DP_MSG_FW_DUMP, dump_fw);
	ctl_register(DP_MSG_FW_CLEAR, clear_fw);
	cnt_drop = dp_counter_register("drop.firewall.rule");
	cnt_reject = dp_counter_register("drop.firewall.reject");
	cnt_too_deep = dp_counter_register("drop.firewall.too_deep");
	cnt_log_lost = dp_counter_register("firewall.log_lost");
}
