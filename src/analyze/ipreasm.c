// SPDX-License-Identifier: MIT
/* Bounded IPv4/IPv6 fragment tracker (coverage only, no payload rebuild). */
#include "analyze/ipreasm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"

/* The largest datagram payload an IP length field can describe. */
#define IPR_MAX_DGRAM 65535u

struct ipr_range {
	uint32_t s, e; /* [s, e) */
};

/*
 * One pending datagram. The hash chain finds it, the age list (creation
 * order) times it out and picks the eviction victim: a datagram's timeout
 * runs from its first fragment, as Linux does, so a slow trickle of
 * fragments cannot keep an entry alive.
 */
struct ipr_dgram {
	uint8_t ver, proto;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint32_t hash;
	int64_t first_ns;
	uint32_t total;	   /* payload length, once the last fragment is seen */
	bool have_total;
	bool have_hdr;
	uint8_t nr;
	struct ipr_range r[IPR_MAX_RANGES];
	uint32_t hdr_len, nh_pos;
	uint8_t hdr[IPR_HDR_MAX];
	uint8_t head[IPR_HEAD_MAX];
	struct ipr_dgram *hnext;
	struct ipr_dgram *prev, *next; /* age list, head = oldest */
};

struct ipr {
	struct ipr_limits lim;
	struct ipr_dgram **buckets;
	size_t nbuckets; /* power of two */
	size_t n;
	struct ipr_dgram *oldest, *newest;
	struct ipr_stats st;
	uint8_t out[IPR_HDR_MAX + IPR_HEAD_MAX];
};

struct ipr *ipr_new(const struct ipr_limits *lim)
{
	struct ipr *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (lim) {
		r->lim = *lim;
	} else {
		r->lim.max_dgrams = IPR_DEFAULT_MAX;
		r->lim.timeout_ns = IPR_DEFAULT_TIMEOUT_NS;
	}
	if (r->lim.max_dgrams == 0)
		r->lim.max_dgrams = 1;
	if (r->lim.max_dgrams > (1u << 20))
		r->lim.max_dgrams = 1u << 20;
	r->nbuckets = 16;
	while (r->nbuckets < r->lim.max_dgrams)
		r->nbuckets *= 2;
	r->buckets = calloc(r->nbuckets, sizeof(*r->buckets));
	if (!r->buckets) {
		free(r);
		return NULL;
	}
	return r;
}

static uint32_t key_hash(const struct ipr_frag *f)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)f->ver << 40) ^
		     ((uint64_t)f->proto << 32) ^ f->id;
	size_t alen = f->ver == 6 ? 16 : 4;

	for (size_t i = 0; i < alen; i++)
		h = (h ^ f->src[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < alen; i++)
		h = (h ^ f->dst[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

static bool key_eq(const struct ipr_dgram *d, const struct ipr_frag *f)
{
	return d->ver == f->ver && d->proto == f->proto && d->id == f->id &&
	       memcmp(d->src, f->src, 16) == 0 &&
	       memcmp(d->dst, f->dst, 16) == 0;
}

static void unlink_dgram(struct ipr *r, struct ipr_dgram *d)
{
	struct ipr_dgram **pp = &r->buckets[d->hash & (r->nbuckets - 1)];

	while (*pp && *pp != d)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = d->hnext;
	if (d->prev)
		d->prev->next = d->next;
	else
		r->oldest = d->next;
	if (d->next)
		d->next->prev = d->prev;
	else
		r->newest = d->prev;
	r->n--;
	free(d);
}

/* now - first >= limit without overflow. */
static bool aged(int64_t now_ns, int64_t first_ns, int64_t limit)
{
	if (now_ns < first_ns)
		return false;
	return (uint64_t)now_ns - (uint64_t)first_ns >=
	       (uint64_t)(limit < 0 ? 0 : limit);
}

void ipr_expire(struct ipr *r, int64_t now_ns)
{
	while (r->oldest && aged(now_ns, r->oldest->first_ns,
				 r->lim.timeout_ns)) {
		unlink_dgram(r, r->oldest);
		r->st.timed_out++;
	}
}

static struct ipr_dgram *find_or_add(struct ipr *r, const struct ipr_frag *f,
				     int64_t ts_ns)
{
	uint32_t h = key_hash(f);
	struct ipr_dgram *d = r->buckets[h & (r->nbuckets - 1)];

	for (; d; d = d->hnext)
		if (d->hash == h && key_eq(d, f))
			return d;
	while (r->n >= r->lim.max_dgrams && r->oldest) {
		unlink_dgram(r, r->oldest);
		r->st.evicted++;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ver = f->ver;
	d->proto = f->proto;
	d->id = f->id;
	memcpy(d->src, f->src, 16);
	memcpy(d->dst, f->dst, 16);
	d->hash = h;
	d->first_ns = ts_ns;
	d->hnext = r->buckets[h & (r->nbuckets - 1)];
	r->buckets[h & (r->nbuckets - 1)] = d;
	d->prev = r->newest;
	if (r->newest)
		r->newest->next = d;
	else
		r->oldest = d;
	r->newest = d;
	r->n++;
	if (r->n > r->st.max_pending)
		r->st.max_pending = r->n;
	return d;
}

/*
 * Inserts [s, e) into the sorted disjoint ranges, merging neighbours.
 * Returns -1 when the datagram has too many holes, 1 on overlap, else 0.
 */
static int add_range(struct ipr_dgram *d, uint32_t s, uint32_t e)
{
	int overlap = 0;
	uint8_t i = 0, j;

	while (i < d->nr && d->r[i].e < s)
		i++;
	/* Ranges i..j-1 touch or overlap [s, e): merge them into one. */
	j = i;
	while (j < d->nr && d->r[j].s <= e) {
		if (d->r[j].s < e && d->r[j].e > s)
			overlap = 1;
		if (d->r[j].s < s)
			s = d->r[j].s;
		if (d->r[j].e > e)
			e = d->r[j].e;
		j++;
	}
	if (j == i) {
		if (d->nr >= IPR_MAX_RANGES)
			return -1;
		memmove(&d->r[i + 1], &d->r[i], (d->nr - i) * sizeof(d->r[0]));
		d->nr++;
	} else if (j > i + 1) {
		memmove(&d->r[i + 1], &d->r[j], (d->nr - j) * sizeof(d->r[0]));
		d->nr = (uint8_t)(d->nr - (j - i - 1));
	}
	d->r[i].s = s;
	d->r[i].e = e;
	return overlap;
}

static void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The synthetic datagram: unfragmentable header, then the kept head bytes. */
static void build(struct ipr *r, const struct ipr_dgram *d,
		  struct ipr_done *done)
{
	uint32_t n = d->total < IPR_HEAD_MAX ? d->total : IPR_HEAD_MAX;
	uint8_t *o = r->out;

	memcpy(o, d->hdr, d->hdr_len);
	if (d->ver == 4) {
		uint32_t tl = d->hdr_len + d->total;
		/* Total length 0 means "the frame" to the decoder. */
		put_be16(o + 2, tl > IPR_MAX_DGRAM ? 0 : tl);
		o[6] &= 0x40; /* keep DF, clear MF and the offset */
		o[7] = 0;
	} else {
		uint32_t pl = d->hdr_len - 40 + d->total;
		put_be16(o + 4, pl > IPR_MAX_DGRAM ? 0 : pl);
		o[d->nh_pos] = d->proto;
	}
	memcpy(o + d->hdr_len, d->head, n);
	done->data = o;
	done->caplen = d->hdr_len + n;
	done->wirelen = d->hdr_len + d->total;
}

int ipr_add(struct ipr *r, const struct ipr_frag *fr, int64_t ts_ns,
	    struct ipr_done *done)
{
	struct ipr_dgram *d;
	uint32_t end;
	int ov;

	r->st.fragments++;
	ipr_expire(r, ts_ns);
	if (!fr->captured) {
		r->st.uncaptured++;
		return 0;
	}
	if (fr->len > IPR_MAX_DGRAM || fr->foff > IPR_MAX_DGRAM - fr->len) {
		r->st.dropped++;
		return 0;
	}
	end = fr->foff + fr->len;
	d = find_or_add(r, fr, ts_ns);
	if (!d)
		return -ENOMEM;
	if (!fr->mf) {
		if (d->have_total && d->total != end) {
			/* Two different ends: the datagram cannot be trusted. */
			unlink_dgram(r, d);
			r->st.dropped++;
			return 0;
		}
		d->have_total = true;
		d->total = end;
	}
	if (d->have_total && end > d->total) {
		unlink_dgram(r, d);
		r->st.dropped++;
		return 0;
	}
	if (fr->len) {
		ov = add_range(d, fr->foff, end);
		if (ov < 0) {
			unlink_dgram(r, d);
			r->st.dropped++;
			return 0;
		}
		if (ov)
			r->st.overlaps++;
		/* Overlapping bytes: the newest copy wins (only the head
		 * bytes are kept, and only the transport header matters). */
		if (fr->foff < IPR_HEAD_MAX) {
			uint32_t n = end < IPR_HEAD_MAX ? end : IPR_HEAD_MAX;
			memcpy(d->head + fr->foff, fr->payload, n - fr->foff);
		}
	}
	if (fr->foff == 0 && !d->have_hdr && fr->hdr_len <= IPR_HDR_MAX &&
	    fr->hdr_len >= (fr->ver == 6 ? 40u : 20u) &&
	    (fr->ver == 4 || fr->nh_pos < fr->hdr_len)) {
		memcpy(d->hdr, fr->hdr, fr->hdr_len);
		d->hdr_len = fr->hdr_len;
		d->nh_pos = fr->nh_pos;
		d->have_hdr = true;
	}
	if (!d->have_total || d->nr != 1 || d->r[0].s != 0 ||
	    d->r[0].e < d->total)
		return 0;
	if (!d->have_hdr) {
		/* Offset 0 came with a header we cannot keep (too long). */
		unlink_dgram(r, d);
		r->st.dropped++;
		return 0;
	}
	build(r, d, done);
	unlink_dgram(r, d);
	r->st.completed++;
	return 1;
}

void ipr_get_stats(const struct ipr *r, struct ipr_stats *st)
{
	*st = r->st;
	st->pending = r->n;
}

void ipr_free(struct ipr *r)
{
	if (!r)
		return;
	while (r->oldest)
		unlink_dgram(r, r->oldest);
	free(r->buckets);
	free(r);
}

/* ---- parsing from frame bytes ---- */

static bool parse_v4(const uint8_t *data, uint32_t caplen,
		     const struct pkt_ip *ip, struct ipr_frag *o)
{
	struct cursor c;

	cur_init(&c, data + ip->off, caplen - ip->off);
	uint8_t vihl = cur_u8(&c);
	cur_skip(&c, 1);
	uint32_t tl = cur_be16(&c);
	uint16_t id = cur_be16(&c);
	uint16_t frag = cur_be16(&c);
	cur_skip(&c, 1);
	uint8_t proto = cur_u8(&c);
	uint32_t hl = (vihl & 0xfu) * 4u;
	if (c.err || hl < 20 || tl < hl || hl > caplen - ip->off)
		return false;
	o->ver = 4;
	o->proto = proto;
	o->id = id;
	o->foff = (uint32_t)(frag & 0x1fff) * 8u;
	o->mf = frag & 0x2000;
	o->len = tl - hl;
	o->hdr = data + ip->off;
	o->hdr_len = hl;
	o->nh_pos = 0;
	o->payload = data + ip->off + hl;
	o->captured = tl <= caplen - ip->off;
	return true;
}

static bool v6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51;
}

/* Length of the extension header at c (cursor at its first byte). */
static uint32_t v6_ext_len(uint8_t nh, uint8_t elen)
{
	if (nh == 44)
		return 8;
	if (nh == 51)
		return ((uint32_t)elen + 2) * 4;
	return ((uint32_t)elen + 1) * 8;
}

static bool parse_v6(const uint8_t *data, uint32_t caplen,
		     const struct pkt_ip *ip, struct ipr_frag *o)
{
	struct cursor c;
	uint32_t have = caplen - ip->off;

	cur_init(&c, data + ip->off, have);
	cur_skip(&c, 4);
	uint32_t plen = cur_be16(&c);
	uint8_t nh = cur_u8(&c);
	if (c.err || plen == 0)
		return false;
	uint32_t pos = 40, nh_pos = 6, dend = 40 + plen;
	while (v6_ext(nh) && nh != 44) {
		if (pos + 2 > dend || pos + 2 > have)
			return false;
		uint32_t len = v6_ext_len(nh, data[ip->off + pos + 1]);
		nh_pos = pos;
		nh = data[ip->off + pos];
		pos += len;
	}
	if (nh != 44 || pos + 8 > dend || pos + 8 > have)
		return false;
	cur_init(&c, data + ip->off + pos, 8);
	uint8_t next = cur_u8(&c);
	cur_skip(&c, 1);
	uint16_t fo = cur_be16(&c);
	uint32_t id = cur_be32(&c);
	if (c.err)
		return false;
	o->ver = 6;
	o->proto = next;
	o->id = id;
	o->foff = fo & 0xfff8u;
	o->mf = fo & 1;
	o->len = dend - (pos + 8);
	o->hdr = data + ip->off;
	o->hdr_len = pos;
	o->nh_pos = nh_pos;
	o->payload = data + ip->off + pos + 8;
	o->captured = dend <= have;
	return true;
}

bool ipr_parse(const uint8_t *data, uint32_t caplen, const struct pkt_ip *ip,
	       struct ipr_frag *out)
{
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!data || !ip || ip->off >= caplen)
		return false;
	if (ip->ver == 4)
		ok = parse_v4(data, caplen, ip, out);
	else if (ip->ver == 6)
		ok = parse_v6(data, caplen, ip, out);
	else
		return false;
	if (!ok)
		return false;
	memcpy(out->src, ip->src, 16);
	memcpy(out->dst, ip->dst, 16);
	if (ip->ver == 4) {
		memset(out->src + 4, 0, 12);
		memset(out->dst + 4, 0, 12);
	}
	return true;
}

bool ipr_v6_final_dst(const uint8_t *data, uint32_t caplen,
		      const struct pkt_ip *ip, uint8_t dst[16])
{
	if (!data || !ip || ip->ver != 6 || ip->off >= caplen ||
	    caplen - ip->off < 40)
		return false;
	const uint8_t *b = data + ip->off;
	uint32_t have = caplen - ip->off;
	uint32_t hend = ip->hdr_len < have ? ip->hdr_len : have;
	uint8_t nh = b[6];
	uint32_t pos = 40;

	/* Routing headers sit in the unfragmentable part: stop at 44. */
	while (v6_ext(nh) && nh != 44 && pos + 4 <= hend) {
		uint32_t len = v6_ext_len(nh, b[pos + 1]);
		if (len > hend - pos)
			return false;
		if (nh == 43) {
			uint8_t type = b[pos + 2], left = b[pos + 3];
			uint32_t naddr = (len - 8) / 16;
			if (left == 0 || naddr == 0)
				return false;
			if (type == 0 || type == 2) {
				memcpy(dst, b + pos + 8 + 16 * (naddr - 1), 16);
				return true;
			}
			if (type == 4) {
				memcpy(dst, b + pos + 8, 16);
				return true;
			}
			return false;
		}
		nh = b[pos];
		pos += len;
	}
	return false;
}
