// SPDX-License-Identifier: MIT
/* Evidence records, scope join predicates, and the bounded evidence store. */
#include "rules/evidence.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ev_init(struct evidence *ev, const char *kind, enum ev_source src)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->source = src;
}

static struct ev_num *ev_slot(struct evidence *ev, const char *name)
{
	for (unsigned i = 0; i < ev->n_nums; i++)
		if (strcmp(ev->nums[i].name, name) == 0)
			return &ev->nums[i];
	if (ev->n_nums >= EV_MAX_NUMS)
		return NULL;
	struct ev_num *n = &ev->nums[ev->n_nums++];
	n->name = name;
	return n;
}

static int set_i64(struct evidence *ev, const char *name, int64_t v,
		   enum ev_merge merge)
{
	struct ev_num *n = ev_slot(ev, name);
	if (!n)
		return -ENOSPC;
	n->type = EV_NUM_I64;
	n->merge = (uint8_t)merge;
	n->v.i = v;
	return 0;
}

int ev_set_i64(struct evidence *ev, const char *name, int64_t v)
{
	return set_i64(ev, name, v, EV_MERGE_SUM);
}

int ev_set_max(struct evidence *ev, const char *name, int64_t v)
{
	return set_i64(ev, name, v, EV_MERGE_MAX);
}

int ev_set_label(struct evidence *ev, const char *name, int64_t v)
{
	return set_i64(ev, name, v, EV_MERGE_LABEL);
}

int ev_set_f64(struct evidence *ev, const char *name, double v)
{
	struct ev_num *n = ev_slot(ev, name);
	if (!n)
		return -ENOSPC;
	n->type = EV_NUM_F64;
	n->merge = EV_MERGE_SUM;
	n->v.d = v;
	return 0;
}

static const struct ev_num *ev_find(const struct evidence *ev, const char *name)
{
	for (unsigned i = 0; i < ev->n_nums; i++)
		if (strcmp(ev->nums[i].name, name) == 0)
			return &ev->nums[i];
	return NULL;
}

bool ev_get_i64(const struct evidence *ev, const char *name, int64_t *out)
{
	const struct ev_num *n = ev_find(ev, name);
	if (!n)
		return false;
	*out = n->type == EV_NUM_I64 ? n->v.i : (int64_t)n->v.d;
	return true;
}

bool ev_get_f64(const struct evidence *ev, const char *name, double *out)
{
	const struct ev_num *n = ev_find(ev, name);
	if (!n)
		return false;
	*out = n->type == EV_NUM_F64 ? n->v.d : (double)n->v.i;
	return true;
}

void ev_add_frame(struct evidence *ev, uint64_t frame)
{
	if (ev->n_frames < EV_MAX_FRAMES)
		ev->frames[ev->n_frames++] = frame;
	ev->frame_count++;
}

void ev_set_text(struct evidence *ev, const char *text)
{
	snprintf(ev->text, sizeof(ev->text), "%s", text ? text : "");
}

void ev_scope_set_flow(struct ev_scope *s, const struct flow_key *k,
		       uint64_t conv_id)
{
	s->flow = *k;
	s->conv_id = conv_id;
	s->parts |= EV_SCOPE_FLOW;
}

void ev_scope_set_device(struct ev_scope *s, const char *ifname)
{
	snprintf(s->ifname, sizeof(s->ifname), "%s", ifname ? ifname : "");
	s->parts |= EV_SCOPE_DEVICE;
}

static bool both(const struct ev_scope *a, const struct ev_scope *b,
		 uint32_t part)
{
	return (a->parts & part) && (b->parts & part);
}

static bool key_eq(const struct flow_key *a, const struct flow_key *b)
{
	size_t alen = a->family == 6 ? 16 : 4;
	return a->family == b->family && a->proto == b->proto &&
	       a->port[0] == b->port[0] && a->port[1] == b->port[1] &&
	       memcmp(a->addr[0], b->addr[0], alen) == 0 &&
	       memcmp(a->addr[1], b->addr[1], alen) == 0;
}

bool ev_same_flow(const struct ev_scope *a, const struct ev_scope *b)
{
	return both(a, b, EV_SCOPE_FLOW) && key_eq(&a->flow, &b->flow);
}

bool ev_same_socket(const struct ev_scope *a, const struct ev_scope *b)
{
	if (!both(a, b, EV_SCOPE_SOCKET))
		return false;
	if (a->sock_cookie && b->sock_cookie)
		return a->sock_cookie == b->sock_cookie;
	return a->sock_inode && a->sock_inode == b->sock_inode;
}

bool ev_same_netns(const struct ev_scope *a, const struct ev_scope *b)
{
	return both(a, b, EV_SCOPE_NETNS) && a->netns == b->netns;
}

/* Ports a scope stands for: its port scope, or both ends of its flow. */
static int scope_ports(const struct ev_scope *s, uint8_t *proto,
		       uint16_t ports[2])
{
	if (s->parts & EV_SCOPE_PORT) {
		*proto = s->port_proto;
		ports[0] = ports[1] = s->port;
		return 1;
	}
	if (s->parts & EV_SCOPE_FLOW) {
		*proto = s->flow.proto;
		ports[0] = s->flow.port[0];
		ports[1] = s->flow.port[1];
		return 2;
	}
	return 0;
}

bool ev_same_port(const struct ev_scope *a, const struct ev_scope *b)
{
	uint8_t pa = 0, pb = 0;
	uint16_t qa[2], qb[2];
	int na = scope_ports(a, &pa, qa), nb = scope_ports(b, &pb, qb);
	if (!na || !nb || pa != pb)
		return false;
	/* Two flows only "share a port" through an explicit port scope. */
	if (na == 2 && nb == 2)
		return false;
	for (int i = 0; i < na; i++)
		for (int j = 0; j < nb; j++)
			if (qa[i] == qb[j])
				return true;
	return false;
}

bool ev_time_overlaps(const struct evidence *a, const struct evidence *b,
		      int64_t slack_ns)
{
	if (!a->t_start_ns || !b->t_start_ns)
		return false;
	int64_t ae = a->t_end_ns ? a->t_end_ns : a->t_start_ns;
	int64_t be = b->t_end_ns ? b->t_end_ns : b->t_start_ns;
	return a->t_start_ns - slack_ns <= be && b->t_start_ns - slack_ns <= ae;
}

static void fmt_addr(int family, const uint8_t *a, char *buf, size_t n)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)n))
		snprintf(buf, n, "?");
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	default: return "ip";
	}
}

static void fmt_ep(int family, const uint8_t *a, uint16_t port, char *buf,
		   size_t n)
{
	char ab[INET6_ADDRSTRLEN];
	fmt_addr(family, a, ab, sizeof(ab));
	if (family == 6)
		snprintf(buf, n, "[%s]:%u", ab, port);
	else
		snprintf(buf, n, "%s:%u", ab, port);
}

/* Appends to buf at *off, never overflowing; keeps NUL termination. */
static void app(char *buf, size_t n, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void app(char *buf, size_t n, size_t *off, const char *fmt, ...)
{
	if (*off >= n)
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(buf + *off, n - *off, fmt, ap);
	va_end(ap);
	if (r > 0)
		*off = *off + (size_t)r < n ? *off + (size_t)r : n;
}

void ev_scope_format(const struct ev_scope *s, char *buf, size_t n)
{
	size_t off = 0;
	if (!n)
		return;
	buf[0] = 0;
	if (s->parts & EV_SCOPE_FLOW) {
		char a[64], b[64];
		fmt_ep(s->flow.family, s->flow.addr[0], s->flow.port[0], a,
		       sizeof(a));
		fmt_ep(s->flow.family, s->flow.addr[1], s->flow.port[1], b,
		       sizeof(b));
		app(buf, n, &off, "%s %s <-> %s (stream %llu)",
		    proto_name(s->flow.proto), a, b,
		    (unsigned long long)s->conv_id);
	}
	if (s->parts & EV_SCOPE_PORT) {
		char h[64] = "";
		if (s->parts & EV_SCOPE_HOST)
			fmt_ep(s->host_family, s->host_addr, s->port, h,
			       sizeof(h));
		if (h[0])
			app(buf, n, &off, "%s%s %s", off ? ", " : "",
			    proto_name(s->port_proto), h);
		else
			app(buf, n, &off, "%s%s port %u", off ? ", " : "",
			    proto_name(s->port_proto), s->port);
	} else if (s->parts & EV_SCOPE_HOST) {
		char h[INET6_ADDRSTRLEN];
		fmt_addr(s->host_family, s->host_addr, h, sizeof(h));
		app(buf, n, &off, "%shost %s", off ? ", " : "", h);
	}
	if (s->parts & EV_SCOPE_SOCKET) {
		app(buf, n, &off, "%ssocket", off ? ", " : "");
		if (s->sock_cookie)
			app(buf, n, &off, " cookie %llu",
			    (unsigned long long)s->sock_cookie);
		if (s->sock_inode)
			app(buf, n, &off, " inode %llu",
			    (unsigned long long)s->sock_inode);
		if (s->pid)
			app(buf, n, &off, " pid %d", (int)s->pid);
	}
	if (s->parts & EV_SCOPE_DEVICE)
		app(buf, n, &off, "%sdev %.*s", off ? ", " : "", EV_IFNAMSIZ,
		    s->ifname);
	if (s->parts & EV_SCOPE_NETNS)
		app(buf, n, &off, "%snetns %llu", off ? ", " : "",
		    (unsigned long long)s->netns);
}

const char *ev_source_name(enum ev_source s)
{
	static const char *const names[EV_SRC_COUNT] = { "capture", "ktrace",
							 "host", "sockdiag" };
	return (unsigned)s < EV_SRC_COUNT ? names[s] : "?";
}

/* v[0..max) records, then aggregates (only once the records are full). */
struct ev_store {
	struct evidence *v;
	size_t len, cap, max;
	uint64_t dropped, folded;
};

struct ev_store *ev_store_new(size_t max_records)
{
	struct ev_store *st = calloc(1, sizeof(*st));
	if (st)
		st->max = max_records ? max_records : EV_STORE_DEFAULT_MAX;
	return st;
}

void ev_store_free(struct ev_store *st)
{
	if (!st)
		return;
	free(st->v);
	free(st);
}

/* Same kind and the same labels, in either record. */
static bool same_aggregate(const struct evidence *a, const struct evidence *e)
{
	if (a->kind != e->kind && strcmp(a->kind, e->kind) != 0)
		return false;
	for (unsigned i = 0; i < e->n_nums; i++) {
		const struct ev_num *n = &e->nums[i], *m;

		if (n->merge != EV_MERGE_LABEL)
			continue;
		m = ev_find(a, n->name);
		if (!m || m->merge != EV_MERGE_LABEL || m->v.i != n->v.i)
			return false;
	}
	for (unsigned i = 0; i < a->n_nums; i++)
		if (a->nums[i].merge == EV_MERGE_LABEL &&
		    !ev_find(e, a->nums[i].name))
			return false;
	return true;
}

static void fold_num(struct evidence *a, const struct ev_num *n)
{
	struct ev_num *m = (struct ev_num *)ev_find(a, n->name);

	if (!m) {
		/* A number the first record lacked: start it (if room). */
		if (a->n_nums < EV_MAX_NUMS)
			a->nums[a->n_nums++] = *n;
		return;
	}
	if (m->merge == EV_MERGE_LABEL || m->type != n->type)
		return;
	if (m->type == EV_NUM_F64) {
		if (m->merge != EV_MERGE_MAX)
			m->v.d += n->v.d;
		else if (n->v.d > m->v.d)
			m->v.d = n->v.d;
	} else if (m->merge == EV_MERGE_MAX)
		m->v.i = m->v.i >= n->v.i ? m->v.i : n->v.i;
	else /* wraps rather than overflowing (unsigned arithmetic) */
		m->v.i = (int64_t)((uint64_t)m->v.i + (uint64_t)n->v.i);
}

static void fold(struct evidence *a, const struct evidence *e)
{
	for (unsigned i = 0; i < e->n_nums && i < EV_MAX_NUMS; i++)
		fold_num(a, &e->nums[i]);
	for (unsigned i = 0; i < e->n_frames && i < EV_MAX_FRAMES &&
			     a->n_frames < EV_MAX_FRAMES; i++)
		a->frames[a->n_frames++] = e->frames[i];
	a->frame_count += e->frame_count;
	if (e->t_start_ns && (!a->t_start_ns || e->t_start_ns < a->t_start_ns))
		a->t_start_ns = e->t_start_ns;
	if (e->t_end_ns > a->t_end_ns)
		a->t_end_ns = e->t_end_ns;
	a->aggregated += ev_records(e);
}

static int grow(struct ev_store *st, size_t limit)
{
	size_t nc = st->cap ? st->cap * 2 : 64;
	struct evidence *nv;

	if (nc > limit)
		nc = limit;
	nv = realloc(st->v, nc * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	st->v = nv;
	st->cap = nc;
	return 0;
}

/* The store is full: fold ev into its aggregate, or start one. */
static int add_folded(struct ev_store *st, const struct evidence *ev)
{
	struct evidence *a;

	for (size_t i = st->max; i < st->len; i++) {
		if (same_aggregate(&st->v[i], ev)) {
			fold(&st->v[i], ev);
			st->folded += ev_records(ev);
			return 0;
		}
	}
	if (st->len - st->max >= EV_STORE_MAX_AGGREGATES) {
		st->dropped += ev_records(ev);
		return -ENOSPC;
	}
	if (st->len == st->cap && grow(st, st->max + EV_STORE_MAX_AGGREGATES) < 0)
		return -ENOMEM;
	a = &st->v[st->len++];
	*a = *ev;
	memset(&a->scope, 0, sizeof(a->scope));
	a->text[0] = 0;
	a->aggregated = ev_records(ev);
	if (a->n_nums > EV_MAX_NUMS)
		a->n_nums = EV_MAX_NUMS;
	if (a->n_frames > EV_MAX_FRAMES)
		a->n_frames = EV_MAX_FRAMES;
	st->folded += ev_records(ev);
	return 0;
}

int ev_store_add(struct ev_store *st, const struct evidence *ev)
{
	if (st->len >= st->max)
		return add_folded(st, ev);
	if (st->len == st->cap && grow(st, st->max) < 0)
		return -ENOMEM;
	st->v[st->len] = *ev;
	/* Never trust a caller's text to be terminated. */
	st->v[st->len].text[EV_TEXT_MAX - 1] = 0;
	st->len++;
	return 0;
}

size_t ev_store_len(const struct ev_store *st)
{
	return st ? st->len : 0;
}

const struct evidence *ev_store_at(const struct ev_store *st, size_t i)
{
	return st && i < st->len ? &st->v[i] : NULL;
}

uint64_t ev_store_dropped(const struct ev_store *st)
{
	return st ? st->dropped : 0;
}

uint64_t ev_store_folded(const struct ev_store *st)
{
	return st ? st->folded : 0;
}

const struct evidence *ev_store_next(const struct ev_store *st,
				     const char *kind, size_t *pos)
{
	if (!st)
		return NULL;
	for (size_t i = *pos; i < st->len; i++) {
		if (kind && strcmp(st->v[i].kind, kind) != 0)
			continue;
		*pos = i + 1;
		return &st->v[i];
	}
	*pos = st->len;
	return NULL;
}
