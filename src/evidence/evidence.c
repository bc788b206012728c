// SPDX-License-Identifier: MIT
/* Evidence records, scope join predicates, and the bounded evidence store. */
#include "evidence/evidence.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ev_init(struct evidence *ev, enum ev_kind kind, enum ev_source src)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = (uint16_t)kind;
	ev->source = (uint8_t)src;
}

/* Slot of f in ev's kind, or -1 (and the record marked invalid). */
static int slot(struct evidence *ev, enum ev_field f, enum ev_type type)
{
	int pos = ev_field_pos(ev->kind, f);

	if (pos < 0 || ev_kind_def(ev->kind)->fields[pos].type != type) {
		ev->invalid = 1;
		return -1;
	}
	ev->set |= 1u << pos;
	return pos;
}

int ev_set_i64(struct evidence *ev, enum ev_field f, int64_t v)
{
	int pos = slot(ev, f, EV_I64);

	if (pos < 0)
		return -EINVAL;
	ev->v[pos].i = v;
	return 0;
}

int ev_set_f64(struct evidence *ev, enum ev_field f, double v)
{
	int pos = slot(ev, f, EV_F64);

	if (pos < 0)
		return -EINVAL;
	ev->v[pos].d = v;
	return 0;
}

int ev_set_str(struct evidence *ev, enum ev_field f, const char *s)
{
	int pos = slot(ev, f, EV_STR);

	if (pos < 0)
		return -EINVAL;
	ev->v[pos].s = s ? s : "";
	return 0;
}

/* The declaration of a field read by a rule; NULL when unset. */
static const struct ev_field_def *get(const struct evidence *ev,
				      enum ev_field f, int *pos)
{
	*pos = ev_field_pos(ev->kind, f);
	/* A field the kind never has: a rule reading the wrong kind. */
	assert(*pos >= 0 && "field not declared for this evidence kind");
	if (*pos < 0 || !(ev->set & (1u << *pos)))
		return NULL;
	return &ev_kind_def(ev->kind)->fields[*pos];
}

bool ev_get_i64(const struct evidence *ev, enum ev_field f, int64_t *out)
{
	int pos;
	const struct ev_field_def *d = get(ev, f, &pos);

	if (!d || d->type == EV_STR)
		return false;
	*out = d->type == EV_I64 ? ev->v[pos].i : (int64_t)ev->v[pos].d;
	return true;
}

bool ev_get_f64(const struct evidence *ev, enum ev_field f, double *out)
{
	int pos;
	const struct ev_field_def *d = get(ev, f, &pos);

	if (!d || d->type == EV_STR)
		return false;
	*out = d->type == EV_F64 ? ev->v[pos].d : (double)ev->v[pos].i;
	return true;
}

const char *ev_get_str(const struct evidence *ev, enum ev_field f)
{
	int pos;
	const struct ev_field_def *d = get(ev, f, &pos);

	return d && d->type == EV_STR ? ev->v[pos].s : NULL;
}

void ev_add_ref(struct evidence *ev, enum ev_ref_kind kind, uint64_t id)
{
	if (ev->n_refs < EV_MAX_REFS)
		ev->refs[ev->n_refs++] = (struct ev_ref){ .kind = kind, .id = id };
	ev->ref_count++;
}

size_t ev_frames(const struct evidence *ev, uint64_t *out, size_t max)
{
	size_t n = 0;

	for (unsigned i = 0; i < ev->n_refs && n < max; i++)
		if (ev->refs[i].kind == EV_REF_FRAME)
			out[n++] = ev->refs[i].id;
	return n;
}

uint64_t ev_first_frame(const struct evidence *ev)
{
	uint64_t fr = 0;

	ev_frames(ev, &fr, 1);
	return fr;
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

/* Grown array of record indices of one kind. */
struct ev_index {
	uint32_t *ix;
	size_t len, cap;
};

/* Chunk of the string arena; strings never move once copied. */
struct ev_chunk {
	struct ev_chunk *next;
	size_t used, cap;
	char buf[];
};

/* v[0..max) records, then aggregates (only once the records are full). */
struct ev_store {
	struct evidence *v;
	size_t len, cap, max;
	uint64_t dropped, folded;
	struct ev_index by_kind[EV_N_KINDS];
	struct ev_chunk *strings;
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
	for (unsigned k = 0; k < EV_N_KINDS; k++)
		free(st->by_kind[k].ix);
	while (st->strings) {
		struct ev_chunk *c = st->strings;
		st->strings = c->next;
		free(c);
	}
	free(st->v);
	free(st);
}

#define EV_CHUNK_SIZE 16384

/* The store's own copy of s (at most EV_STR_MAX bytes), or NULL. */
static const char *str_copy(struct ev_store *st, const char *s)
{
	size_t n = strnlen(s, EV_STR_MAX);
	struct ev_chunk *c = st->strings;

	if (!c || c->cap - c->used < n + 1) {
		c = malloc(sizeof(*c) + EV_CHUNK_SIZE);
		if (!c)
			return NULL;
		c->next = st->strings;
		c->used = 0;
		c->cap = EV_CHUNK_SIZE;
		st->strings = c;
	}
	char *d = c->buf + c->used;
	memcpy(d, s, n);
	d[n] = 0;
	c->used += n + 1;
	return d;
}

/* Replaces the borrowed strings of a stored record by the store's copies. */
static int own_strings(struct ev_store *st, struct evidence *e)
{
	const struct ev_kind_def *k = ev_kind_def(e->kind);

	for (unsigned i = 0; i < k->n_fields; i++) {
		if (k->fields[i].type != EV_STR || !(e->set & (1u << i)))
			continue;
		e->v[i].s = str_copy(st, e->v[i].s);
		if (!e->v[i].s)
			return -ENOMEM;
	}
	return 0;
}

static bool value_eq(const struct ev_field_def *d, const union ev_value *a,
		     const union ev_value *b)
{
	if (d->type == EV_STR)
		return strcmp(a->s, b->s) == 0;
	if (d->type == EV_F64)
		return a->d == b->d;
	return a->i == b->i;
}

/* Same kind and the same labels, in either record. */
static bool same_aggregate(const struct evidence *a, const struct evidence *e)
{
	const struct ev_kind_def *k;

	if (a->kind != e->kind)
		return false;
	k = ev_kind_def(e->kind);
	for (unsigned i = 0; i < k->n_fields; i++) {
		uint32_t bit = 1u << i;

		if (k->fields[i].merge != EV_LABEL)
			continue;
		if ((a->set & bit) != (e->set & bit))
			return false;
		if ((e->set & bit) && !value_eq(&k->fields[i], &a->v[i], &e->v[i]))
			return false;
	}
	return true;
}

static void fold_value(const struct ev_field_def *d, union ev_value *m,
		       const union ev_value *n)
{
	if (d->merge == EV_LABEL || d->type == EV_STR)
		return;
	if (d->type == EV_F64) {
		if (d->merge != EV_MAX)
			m->d += n->d;
		else if (n->d > m->d)
			m->d = n->d;
	} else if (d->merge == EV_MAX)
		m->i = m->i >= n->i ? m->i : n->i;
	else /* wraps rather than overflowing (unsigned arithmetic) */
		m->i = (int64_t)((uint64_t)m->i + (uint64_t)n->i);
}

static void fold(struct evidence *a, const struct evidence *e)
{
	const struct ev_kind_def *k = ev_kind_def(e->kind);

	for (unsigned i = 0; i < k->n_fields; i++) {
		uint32_t bit = 1u << i;

		if (!(e->set & bit))
			continue;
		if (!(a->set & bit)) {
			/* A value the first record lacked: start it. */
			a->v[i] = e->v[i];
			a->set |= bit;
		} else {
			fold_value(&k->fields[i], &a->v[i], &e->v[i]);
		}
	}
	for (unsigned i = 0; i < e->n_refs && a->n_refs < EV_MAX_REFS; i++)
		a->refs[a->n_refs++] = e->refs[i];
	a->ref_count += e->ref_count;
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

/* Indexes the record just appended at st->v[st->len - 1]. */
static int index_last(struct ev_store *st)
{
	struct ev_index *x = &st->by_kind[st->v[st->len - 1].kind];

	if (x->len == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 16;
		uint32_t *ni = realloc(x->ix, nc * sizeof(*ni));

		if (!ni)
			return -ENOMEM;
		x->ix = ni;
		x->cap = nc;
	}
	x->ix[x->len++] = (uint32_t)(st->len - 1);
	return 0;
}

/* Appends a copy of ev (room already made) with its own strings, indexed. */
static int append(struct ev_store *st, const struct evidence *ev)
{
	struct evidence *e = &st->v[st->len];

	*e = *ev;
	if (e->n_refs > EV_MAX_REFS)
		e->n_refs = EV_MAX_REFS;
	if (own_strings(st, e) < 0)
		return -ENOMEM;
	st->len++;
	if (index_last(st) < 0) {
		st->len--;
		return -ENOMEM;
	}
	return 0;
}

/* The store is full: fold ev into its aggregate, or start one. */
static int add_folded(struct ev_store *st, const struct evidence *ev)
{
	struct ev_index *x = &st->by_kind[ev->kind];

	/* Aggregates of a kind follow its records in the kind's index. */
	for (size_t j = x->len; j-- > 0 && x->ix[j] >= st->max;) {
		struct evidence *a = &st->v[x->ix[j]];

		if (same_aggregate(a, ev)) {
			fold(a, ev);
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
	if (append(st, ev) < 0)
		return -ENOMEM;
	struct evidence *a = &st->v[st->len - 1];
	memset(&a->scope, 0, sizeof(a->scope));
	a->aggregated = ev_records(ev);
	st->folded += ev_records(ev);
	return 0;
}

int ev_store_add(struct ev_store *st, const struct evidence *ev)
{
	if (ev->invalid || ev->kind >= EV_N_KINDS)
		return -EINVAL;
	if (st->len >= st->max)
		return add_folded(st, ev);
	if (st->len == st->cap && grow(st, st->max) < 0)
		return -ENOMEM;
	return append(st, ev);
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

size_t ev_store_kind_len(const struct ev_store *st, enum ev_kind kind)
{
	return st && (unsigned)kind < EV_N_KINDS ? st->by_kind[kind].len : 0;
}

const struct evidence *ev_store_kind_at(const struct ev_store *st,
					enum ev_kind kind, size_t i)
{
	if (i >= ev_store_kind_len(st, kind))
		return NULL;
	return &st->v[st->by_kind[kind].ix[i]];
}

const struct evidence *ev_store_next(const struct ev_store *st,
				     enum ev_kind kind, size_t *pos)
{
	const struct evidence *e = ev_store_kind_at(st, kind, *pos);

	if (e)
		(*pos)++;
	return e;
}
