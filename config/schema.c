/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/schema.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/net_addr.h"
#include "config/config.h"
#include "config/module.h"
#include "modules/modules.h"

/* Bounds that size arrays of struct brink_model come from config.h, so the
 * model can fill them from a checked tree without counting again. */

static const char *const punt_types[] = {"tap", "virtio-user", NULL};

static const struct cfg_schema punt_children[] = {
	{.name = "type",
	 .help = "Exception path device: tap or virtio-user (default tap)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_ENUM,
	 .enums = punt_types},
	{.name = "interface",
	 .help = "Kernel interface name (default brink0)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_IDENT,
	 .placeholder = "<name>"},
};

static const struct cfg_schema worker_children[] = {
	{.name = "cpu",
	 .help = "CPU the worker lcore runs on (may be shared)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .max = 1023,
	 .mandatory = true},
};

static const struct cfg_schema dataplane_children[] = {
	{.name = "main-cpu",
	 .help = "CPU of the main (control) lcore (default 0)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .max = 1023},
	{.name = "worker",
	 .help = "Poll-mode worker lcore",
	 .kind = CFG_TAG,
	 .type = CFG_T_U32,
	 .max = CFG_MAX_WORKERS - 1,
	 .key_field = "id",
	 CFG_CHILDREN(worker_children)},
	{.name = "idle-sleep",
	 .help = "Microseconds a worker sleeps after an empty poll round (default 0: busy-poll)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .max = 100000},
	{.name = "mbufs",
	 .help = "Packet buffers in the mempool (default 16384)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .min = 1024,
	 .max = 4194304},
	{.name = "fib-size",
	 .help = "Routes the dataplane's FIB holds: static, connected and learned together (default 1048576)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_U32,
	 .min = 1024,
	 .max = 16777216},
	{.name = "punt",
	 .help = "Exception path to the kernel (present: enabled)",
	 .kind = CFG_CONTAINER,
	 .presence = true,
	 CFG_CHILDREN(punt_children)},
};

static const struct cfg_schema system_children[] = {
	{.name = "dataplane",
	 .help = "Dataplane process settings",
	 .kind = CFG_CONTAINER,
	 CFG_CHILDREN(dataplane_children)},
};

static const struct cfg_schema port_children[] = {
	{.name = "device",
	 .help = "PCI address (0000:3b:00.0) or vdev string (net_af_packet0,iface=veth0)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = CFG_DEVICE_MAX - 1,
	 .placeholder = "<device>",
	 .mandatory = true},
	CFG_IFACE_ADDRESS,
	CFG_IFACE_MTU("Maximum transmission unit (default: the device's)"),
	CFG_IFACE_MAC("Unicast MAC address (default: the device's)"),
	CFG_IFACE_DESCRIPTION,
	CFG_IFACE_DISABLE,
};

static const struct cfg_schema interfaces_children[] = {
	CFG_IFACE_TAG("dataplane", "Dataplane interface", port_children),
};

/* Administrative distance of a path: the lowest among the usable paths wins,
 * and equal ones share the traffic. 255 means "never install", as in VyOS. */
#define DISTANCE_LEAF                                                                            \
	{                                                                                        \
		.name = "distance",                                                              \
		.help = "Administrative distance: the lowest usable one wins, equal ones share " \
			"traffic (default 1; 255: never used)",                                  \
		.kind = CFG_LEAF, .type = CFG_T_U32, .min = 1, .max = 255                        \
	}

static const struct cfg_schema next_hop_children[] = {
	DISTANCE_LEAF,
	{.name = "interface",
	 .help = "Interface the gateway is reached on, even outside its subnets (default: "
		 "the interface whose subnet holds the gateway)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_IFNAME,
	 .placeholder = "<name>"},
	{.name = "disable", .help = "Keep this next hop configured but unused", .kind = CFG_FLAG},
};

static const struct cfg_schema route_interface_children[] = {
	DISTANCE_LEAF,
	{.name = "disable", .help = "Keep this interface route configured but unused", .kind = CFG_FLAG},
};

static const struct cfg_schema discard_children[] = {
	DISTANCE_LEAF,
};

static const struct cfg_schema route_children[] = {
	{.name = "next-hop",
	 .help = "Gateway address (several: equal-cost multipath, or floating routes by distance)",
	 .kind = CFG_TAG,
	 .type = CFG_T_IP4,
	 .key_field = "address",
	 CFG_CHILDREN(next_hop_children)},
	{.name = "interface",
	 .help = "Deliver to the destination itself on this interface (an interface route)",
	 .kind = CFG_TAG,
	 .type = CFG_T_IFNAME,
	 .placeholder = "<name>",
	 .key_field = "name",
	 CFG_CHILDREN(route_interface_children)},
	{.name = "blackhole",
	 .help = "Silently discard matching packets",
	 .kind = CFG_CONTAINER,
	 .presence = true,
	 CFG_CHILDREN(discard_children)},
	{.name = "reject",
	 .help = "Discard matching packets with ICMP destination unreachable",
	 .kind = CFG_CONTAINER,
	 .presence = true,
	 CFG_CHILDREN(discard_children)},
};

static const struct cfg_schema arp_children[] = {
	{.name = "hwaddr",
	 .help = "MAC address of the neighbour",
	 .kind = CFG_LEAF,
	 .type = CFG_T_MAC,
	 .mandatory = true},
};

static const struct cfg_schema static_children[] = {
	{.name = "route",
	 .help = "Static route",
	 .kind = CFG_TAG,
	 .type = CFG_T_NET,
	 .key_field = "prefix",
	 CFG_CHILDREN(route_children)},
	{.name = "arp",
	 .help = "Static neighbour",
	 .kind = CFG_TAG,
	 .type = CFG_T_IP4,
	 .key_field = "address",
	 CFG_CHILDREN(arp_children)},
};

static const struct cfg_schema protocols_children[] = {
	{.name = "static", .help = "Static routes and neighbours", .kind = CFG_CONTAINER, CFG_CHILDREN(static_children)},
};

static const struct cfg_schema root_children[] = {
	{.name = "system", .help = "System settings", .kind = CFG_CONTAINER, CFG_CHILDREN(system_children)},
	{.name = "interfaces", .help = "Network interfaces", .kind = CFG_CONTAINER, CFG_CHILDREN(interfaces_children)},
	{.name = "protocols", .help = "Routing protocols", .kind = CFG_CONTAINER, CFG_CHILDREN(protocols_children)},
};

static const struct cfg_schema core_root = {.name = "", .kind = CFG_CONTAINER, CFG_CHILDREN(root_children)};

/* ---- settings modules share (config/module.h) ---- */

const char *const cfg_rule_protocols[] = {"tcp", "udp", "icmp", "tcp_udp", "all", NULL};

const struct cfg_schema cfg_rule_side_children[2] = {
	{.name = "address",
	 .help = "IPv4 address or prefix",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 18,
	 .placeholder = "<x.x.x.x[/len]>"},
	{.name = "port",
	 .help = "Ports and ranges, comma-separated (80,443,8000-8080)",
	 .kind = CFG_LEAF,
	 .type = CFG_T_STRING,
	 .max = 200,
	 .placeholder = "<ports>"},
};

/* ---- the tree with the modules' fragments ---- */

struct fragment {
	const char *path;
	const struct cfg_schema *children;
	unsigned n_children;
};

static struct fragment *fragments;
static unsigned n_fragments;
static struct cfg_schema *root; /* the core's tree copied, then grafted; never freed */
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

static void __attribute__((noreturn)) schema_abort(const char *what, const char *path)
{
	fprintf(stderr, "brink: schema fragment under '%s': %s\n", path, what);
	abort();
}

void cfg_schema_extend(const char *path, const struct cfg_schema *children, unsigned n_children)
{
	/* a fragment added once the tree is in use would change it under its users */
	if (root)
		schema_abort("registered after the schema was first used", path);
	fragments = realloc(fragments, sizeof(*fragments) * (n_fragments + 1));
	if (!fragments)
		abort();
	fragments[n_fragments++] = (struct fragment){path, children, n_children};
}

/* Copies of the children arrays below s, so that grafting may grow any of
 * them; the arrays stay contiguous, which is what orders a node's children
 * (tree.c: pointer order is schema order). */
static void copy_children(struct cfg_schema *s)
{
	struct cfg_schema *copy;

	if (!s->n_children)
		return;
	copy = cfg_xmalloc(sizeof(*copy) * s->n_children);
	memcpy(copy, s->children, sizeof(*copy) * s->n_children);
	for (unsigned i = 0; i < s->n_children; i++)
		copy_children(&copy[i]);
	s->children = copy;
}

static void graft(const struct fragment *f)
{
	char words[256], *save = NULL;
	struct cfg_schema *at = root, *grown;

	snprintf(words, sizeof(words), "%s", f->path);
	for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		/* the copies are this file's own: only their users see them const */
		at = (struct cfg_schema *)schema_child(at, w);
		if (!at || (at->kind != CFG_CONTAINER && at->kind != CFG_TAG))
			schema_abort("no container or tag there", f->path);
	}
	for (unsigned i = 0; i < f->n_children; i++)
		if (schema_child(at, f->children[i].name))
			schema_abort("a child of that name is there already", f->path);
	grown = cfg_xmalloc(sizeof(*grown) * (at->n_children + f->n_children));
	if (at->n_children) {
		memcpy(grown, at->children, sizeof(*grown) * at->n_children);
		free((void *)at->children);
	}
	memcpy(grown + at->n_children, f->children, sizeof(*grown) * f->n_children);
	for (unsigned i = 0; i < f->n_children; i++)
		copy_children(&grown[at->n_children + i]);
	at->children = grown;
	at->n_children += f->n_children;
}

static void complete_root(void)
{
	struct cfg_schema *r = cfg_xmalloc(sizeof(*r));

	brink_modules_config_init();
	*r = core_root;
	copy_children(r);
	root = r;
	for (unsigned i = 0; i < n_fragments; i++)
		graft(&fragments[i]);
	free(fragments);
	fragments = NULL;
}

const struct cfg_schema *cfg_schema(void)
{
	pthread_once(&root_once, complete_root);
	return root;
}

const struct cfg_schema *schema_child(const struct cfg_schema *s, const char *name)
{
	for (unsigned i = 0; i < s->n_children; i++)
		if (strcmp(s->children[i].name, name) == 0)
			return &s->children[i];
	return NULL;
}

const struct cfg_schema *schema_child_abbrev(const struct cfg_schema *s, const char *name, bool *ambiguous)
{
	const struct cfg_schema *found = schema_child(s, name);
	size_t len = strlen(name);
	unsigned k = 0;

	*ambiguous = false;
	if (found || !len)
		return found;
	for (unsigned i = 0; i < s->n_children; i++)
		if (strncmp(s->children[i].name, name, len) == 0) {
			found = &s->children[i];
			k++;
		}
	*ambiguous = k > 1;
	return k == 1 ? found : NULL;
}

const char *schema_starting(const struct cfg_schema *s, const char *prefix, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < s->n_children && used < len; i++)
		if (strncmp(s->children[i].name, prefix, strlen(prefix)) == 0)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", s->children[i].name);
	return buf;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	/* names are short; a long word is far from all of them anyway */
	if (la >= 64 || lb >= 64)
		return ~0u;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* Closest child name within edit distance 2, or NULL. */
static const char *suggest(const struct cfg_schema *s, const char *name)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (unsigned i = 0; i < s->n_children; i++) {
		unsigned d = edit_distance(name, s->children[i].name);
		if (d < best_d) {
			best_d = d;
			best = s->children[i].name;
		}
	}
	return best;
}

void schema_unknown(const struct cfg_schema *s, const char *name, char *msg, size_t len)
{
	const char *hint = suggest(s, name);

	if (hint)
		snprintf(msg, len, "unknown setting '%s' (did you mean '%s'?)", name, hint);
	else
		snprintf(msg, len, "unknown setting '%s'", name);
}

static bool parse_u32(const struct cfg_schema *s, const char *text, char *out, char *msg, size_t len)
{
	char *end;
	long long v;

	if (text[0] != '-' && (text[0] < '0' || text[0] > '9'))
		goto nan;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (*end != '\0' || end == text)
		goto nan;
	if (errno == ERANGE || v < s->min || v > s->max) {
		snprintf(msg, len, "'%s' is out of range %u-%u", text, s->min, s->max);
		return false;
	}
	snprintf(out, CFG_VALUE_MAX, "%lld", v);
	return true;
nan:
	snprintf(msg, len, "'%s' is not a number", text);
	return false;
}

static bool check_string(const struct cfg_schema *s, const char *text, char *msg, size_t len)
{
	size_t n = strlen(text);

	if (n == 0) {
		snprintf(msg, len, "empty value");
		return false;
	}
	if (n > s->max) {
		snprintf(msg, len, "longer than %u characters", s->max);
		return false;
	}
	for (const char *p = text; *p; p++)
		if (*p < 0x20 || *p > 0x7e) {
			snprintf(msg, len, "'%s' holds a character that is not printable ASCII", text);
			return false;
		}
	return true;
}

/* The length of the name [a-z][a-z0-9]* text starts with, 0 when none. */
static size_t ident_len(const char *text)
{
	size_t n = 0;

	if (text[0] < 'a' || text[0] > 'z')
		return 0;
	while ((text[n] >= 'a' && text[n] <= 'z') || (text[n] >= '0' && text[n] <= '9'))
		n++;
	return n;
}

static bool check_ident(const char *text, char *msg, size_t len)
{
	size_t n = ident_len(text);
	bool ok = n >= 1 && n <= 15 && text[n] == '\0';

	if (!ok)
		snprintf(msg, len, "'%s' is not a name (a lower-case letter, then up to 14 letters or digits)", text);
	return ok;
}

/* A name, or a VLAN sub-interface's: the port's name, a dot and the VLAN
 * id written as a number (1-4094, no leading zero), as VyOS names vifs;
 * 15 characters at most, as every interface name. */
static bool check_ifname(const char *text, char *msg, size_t len)
{
	size_t n = ident_len(text);
	bool ok = n >= 1 && strlen(text) <= 15;

	if (ok && text[n] == '.') {
		const char *id = text + n + 1;
		char *end;
		unsigned long v = strtoul(id, &end, 10);
		ok = id[0] >= '1' && id[0] <= '9' && *end == '\0' && v <= 4094;
	} else if (ok) {
		ok = text[n] == '\0';
	}
	if (!ok)
		snprintf(msg, len,
			 "'%s' is not an interface name (a name such as dp0, or a VLAN sub-interface such as dp0.100)",
			 text);
	return ok;
}

static bool is_enum(const struct cfg_schema *s, const char *text)
{
	for (const char *const *e = s->enums; *e; e++)
		if (strcmp(*e, text) == 0)
			return true;
	return false;
}

/* Appends ", "-separated names of s's values to msg, whose first used bytes are taken. */
static void enum_list(const struct cfg_schema *s, char *msg, size_t msg_len, size_t used)
{
	for (const char *const *e = s->enums; *e && used < msg_len; e++)
		used += (size_t)snprintf(msg + used, msg_len - used, "%s %s", e == s->enums ? "" : ",", *e);
}

static bool check_prefix(const struct cfg_schema *s, const char *text, char *msg, size_t len)
{
	uint32_t ip;
	uint8_t plen;
	char buf[PREFIX4_STR_LEN];

	if (!prefix4_parse(text, true, &ip, &plen)) {
		snprintf(msg, len, "'%s' is not an IPv4 prefix", text);
		return false;
	}
	if (s->type == CFG_T_IFADDR && plen == 0) {
		snprintf(msg, len, "'%s': prefix length must be 1-32", text);
		return false;
	}
	if (s->type == CFG_T_NET && (ip & ~prefix4_mask(plen))) {
		snprintf(msg, len, "'%s' has host bits set (did you mean %s?)", text,
			 prefix4_fmt(ip & prefix4_mask(plen), plen, buf));
		return false;
	}
	return true;
}

bool schema_parse_value(const struct cfg_schema *s, const char *text, char out[CFG_VALUE_MAX], char *msg,
			size_t msg_len)
{
	uint32_t ip;
	uint8_t mac[6];
	size_t n;

	switch (s->type) {
	case CFG_T_U32:
		return parse_u32(s, text, out, msg, msg_len);
	case CFG_T_IP4:
		if (!ip4_parse(text, &ip)) {
			snprintf(msg, msg_len, "'%s' is not an IPv4 address", text);
			return false;
		}
		break;
	case CFG_T_IFADDR:
	case CFG_T_NET:
		if (!check_prefix(s, text, msg, msg_len))
			return false;
		break;
	case CFG_T_MAC:
		if (!mac_parse(text, mac)) {
			snprintf(msg, msg_len, "'%s' is not a MAC address", text);
			return false;
		}
		if (mac[0] & 1) {
			snprintf(msg, msg_len, "'%s' is a multicast MAC address", text);
			return false;
		}
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
			snprintf(msg, msg_len, "'%s' is the all-zero MAC address, which no host has", text);
			return false;
		}
		break;
	case CFG_T_STRING:
		if (!check_string(s, text, msg, msg_len))
			return false;
		break;
	case CFG_T_IDENT:
		if (!check_ident(text, msg, msg_len))
			return false;
		break;
	case CFG_T_IFNAME:
		if (!check_ifname(text, msg, msg_len))
			return false;
		break;
	case CFG_T_ENUM:
		if (is_enum(s, text))
			break;
		enum_list(s, msg, msg_len, (size_t)snprintf(msg, msg_len, "'%s' is not one of:", text));
		return false;
	case CFG_T_U32_OR_ENUM:
		if (is_enum(s, text))
			break;
		if (text[0] >= '0' && text[0] <= '9')
			return parse_u32(s, text, out, msg, msg_len);
		enum_list(s, msg, msg_len,
			  (size_t)snprintf(msg, msg_len, "'%s' is neither a number %u-%u nor one of:", text, s->min,
					   s->max));
		return false;
	case CFG_T_NONE:
		snprintf(msg, msg_len, "takes no value");
		return false;
	}
	n = strnlen(text, CFG_VALUE_MAX - 1);
	memcpy(out, text, n);
	out[n] = '\0';
	return true;
}

bool schema_value_key(const struct cfg_schema *s, const char *value, uint64_t *key)
{
	uint32_t ip = 0;
	uint8_t len = 0;

	switch (s->type) {
	case CFG_T_U32:
		*key = strtoul(value, NULL, 10);
		return true;
	case CFG_T_IP4:
		ip4_parse(value, &ip);
		*key = ip;
		return true;
	case CFG_T_IFADDR:
	case CFG_T_NET:
		prefix4_parse(value, true, &ip, &len);
		*key = (uint64_t)ip << 8 | len;
		return true;
	default:
		return false;
	}
}

int schema_value_cmp(const struct cfg_schema *s, const char *a, const char *b)
{
	uint64_t x, y;

	if (schema_value_key(s, a, &x) && schema_value_key(s, b, &y))
		return x < y ? -1 : x > y;
	return s->type == CFG_T_MAC ? strcasecmp(a, b) : strcmp(a, b);
}

const char *schema_placeholder(const struct cfg_schema *s, char buf[CFG_PH_MAX])
{
	static const char *const by_type[] = {
		[CFG_T_IP4] = "<a.b.c.d>",           [CFG_T_IFADDR] = "<a.b.c.d/len>", [CFG_T_NET] = "<a.b.c.d/len>",
		[CFG_T_MAC] = "<xx:xx:xx:xx:xx:xx>", [CFG_T_STRING] = "<string>",      [CFG_T_IDENT] = "<name>",
		[CFG_T_IFNAME] = "<name>",           [CFG_T_ENUM] = "<type>",
	};

	if (s->placeholder)
		return s->placeholder;
	if (s->type == CFG_T_U32) {
		snprintf(buf, CFG_PH_MAX, "<%u-%u>", s->min, s->max);
		return buf;
	}
	if (s->type == CFG_T_U32_OR_ENUM) {
		snprintf(buf, CFG_PH_MAX, "<%u-%u>|%s", s->min, s->max, s->enums[0]);
		return buf;
	}
	return by_type[s->type] ? by_type[s->type] : "";
}
