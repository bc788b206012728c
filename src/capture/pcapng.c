// SPDX-License-Identifier: MIT
/* pcapng reader: sections in either byte order, IDB/EPB/SPB/PB, custom blocks. */
#include "capture/reader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"

#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 1u
#define NG_PB 2u /* obsolete Packet Block */
#define NG_SPB 3u
#define NG_EPB 6u
#define NG_JOURNAL 9u /* systemd Journal Export: a record, not a packet */
#define NG_CB_COPY 0x00000BADu
#define NG_CB_NOCOPY 0x40000BADu
#define NG_BOM 0x1A2B3C4Du
#define NG_MIN_BLOCK 12u
#define NG_MIN_SHB 28u

#define NG_OPT_END 0
#define NG_IF_TSRESOL 9
#define NG_IF_TSOFFSET 14

enum { NG_END = 0, NG_FRAME = 1, NG_SKIP = 2 };

__extension__ typedef __int128 ng_i128;
__extension__ typedef unsigned __int128 ng_u128;

static uint32_t rd32(struct cursor *c, bool be)
{
	return be ? cur_be32(c) : cur_le32(c);
}

static uint16_t rd16(struct cursor *c, bool be)
{
	return be ? cur_be16(c) : cur_le16(c);
}

static int ng_err(struct cap_file *f, uint64_t off, struct nd_err *err,
		  const char *what)
{
	return nd_err_set(err, ND_ERR_INPUT, EINVAL, "%s: offset %llu: %s",
			  f->name, (unsigned long long)off, what);
}

static const uint64_t ng_pow10[20] = {
	1ull,
	10ull,
	100ull,
	1000ull,
	10000ull,
	100000ull,
	1000000ull,
	10000000ull,
	100000000ull,
	1000000000ull,
	10000000000ull,
	100000000000ull,
	1000000000000ull,
	10000000000000ull,
	100000000000000ull,
	1000000000000000ull,
	10000000000000000ull,
	100000000000000000ull,
	1000000000000000000ull,
	10000000000000000000ull,
};

/* Interface time units to ns since the epoch, saturating at the int64 range. */
static int64_t ng_ts(const struct cap_ng_if *ifc, uint64_t t)
{
	uint64_t secs, ns;
	/* The usual units, without offset: constant divisors, no overflow
	 * below 2^63 ns (year 2262). */
	if (!ifc->pow2 && ifc->tsoffset == 0) {
		if (ifc->exp == 6 && t < (UINT64_C(1) << 63) / 1000u)
			return (int64_t)(t * 1000u);
		if (ifc->exp == 9 && t < (UINT64_C(1) << 63))
			return (int64_t)t;
	}
	if (!ifc->pow2) {
		uint64_t u = ng_pow10[ifc->exp];
		secs = t / u;
		uint64_t rem = t % u;
		/* u divides 1e9 or 1e9 divides u: both exact, no overflow. */
		ns = ifc->exp <= 9 ? rem * (1000000000ull / u)
				   : rem / (u / 1000000000ull);
	} else {
		unsigned e = ifc->exp;
		secs = e >= 64 ? 0 : t >> e;
		uint64_t rem = e >= 64 ? t : t & ((1ull << e) - 1);
		ns = (uint64_t)(((ng_u128)rem * 1000000000u) >> e);
	}
	ng_i128 total = ((ng_i128)secs + ifc->tsoffset) * 1000000000 + (ng_i128)ns;
	if (total > INT64_MAX)
		return INT64_MAX;
	if (total < INT64_MIN)
		return INT64_MIN;
	return (int64_t)total;
}

static int ng_idb(struct cap_file *f, struct cursor *c, uint64_t off,
		  struct nd_err *err)
{
	bool be = f->be;
	struct cap_ng_if ifc = { .exp = 6 };
	ifc.linktype = rd16(c, be);
	(void)rd16(c, be); /* reserved */
	ifc.snaplen = rd32(c, be);
	if (c->err)
		return ng_err(f, off, err, "interface description block too short");
	/* Options: a malformed tail is tolerated (we stop reading options). */
	while (cur_left(c) >= 4) {
		uint16_t code = rd16(c, be);
		uint16_t olen = rd16(c, be);
		if (code == NG_OPT_END)
			break;
		struct cursor v = cur_sub(c, olen);
		cur_skip(c, (size_t)((4 - (olen & 3)) & 3));
		if (v.err)
			break;
		if (code == NG_IF_TSRESOL && olen >= 1) {
			uint8_t r = cur_u8(&v);
			ifc.pow2 = (r & 0x80) != 0;
			ifc.exp = r & 0x7f;
			if ((!ifc.pow2 && ifc.exp > 19) || (ifc.pow2 && ifc.exp > 63)) {
				char m[96];
				snprintf(m, sizeof(m),
					 "unsupported if_tsresol 0x%02x", r);
				return ng_err(f, off, err, m);
			}
		} else if (code == NG_IF_TSOFFSET && olen >= 8) {
			uint64_t o = be ? cur_be64(&v) : cur_le64(&v);
			ifc.tsoffset = (int64_t)o;
		}
	}
	if (f->nifs >= CAP_MAX_IFACES)
		return ng_err(f, off, err, "too many interfaces in one section");
	if (f->nifs == f->ifs_cap) {
		size_t nc = f->ifs_cap ? f->ifs_cap * 2 : 8;
		struct cap_ng_if *n = realloc(f->ifs, nc * sizeof(*n));
		if (!n)
			return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
					  "%s: out of memory", f->name);
		f->ifs = n;
		f->ifs_cap = nc;
	}
	f->ifs[f->nifs++] = ifc;
	if (ifc.snaplen > f->max_snaplen)
		f->max_snaplen = ifc.snaplen;
	return NG_SKIP;
}

static int ng_iface(struct cap_file *f, uint32_t id, uint64_t off,
		    struct nd_err *err, const struct cap_ng_if **out)
{
	if (id >= f->nifs) {
		char m[96];
		snprintf(m, sizeof(m),
			 "packet refers to interface %u, only %zu defined", id,
			 f->nifs);
		return ng_err(f, off, err, m);
	}
	*out = &f->ifs[id];
	return 0;
}

/* EPB and the obsolete PB share a layout after the interface id. */
static int ng_packet(struct cap_file *f, struct cursor *c, uint32_t type,
		     uint64_t off, struct cap_frame *fr, struct nd_err *err)
{
	bool be = f->be;
	uint32_t id;
	if (type == NG_EPB) {
		id = rd32(c, be);
	} else {
		id = rd16(c, be);
		(void)rd16(c, be); /* drops count */
	}
	uint32_t hi = rd32(c, be);
	uint32_t lo = rd32(c, be);
	uint32_t caplen = rd32(c, be);
	uint32_t wirelen = rd32(c, be);
	if (c->err)
		return ng_err(f, off, err, "packet block too short");
	const struct cap_ng_if *ifc = NULL;
	int rc = ng_iface(f, id, off, err, &ifc);
	if (rc < 0)
		return rc;
	if (caplen > cur_left(c)) {
		char m[128];
		snprintf(m, sizeof(m),
			 "packet captured length %u exceeds its block (%zu bytes)",
			 caplen, cur_left(c));
		return ng_err(f, off, err, m);
	}
	if (caplen > cap_max_packet(ifc->linktype)) {
		char m[128];
		snprintf(m, sizeof(m),
			 "packet claims %u bytes, more than the %u-byte limit (corrupt file)",
			 caplen, cap_max_packet(ifc->linktype));
		return ng_err(f, off, err, m);
	}
	fr->data = cur_take(c, caplen);
	fr->caplen = caplen;
	fr->wirelen = wirelen;
	fr->linktype = ifc->linktype;
	fr->iface = (int)id;
	fr->ts_ns = ng_ts(ifc, ((uint64_t)hi << 32) | lo);
	fr->has_ts = true;
	f->last_ts = fr->ts_ns;
	return NG_FRAME;
}

static int ng_simple(struct cap_file *f, struct cursor *c, uint64_t off,
		     struct cap_frame *fr, struct nd_err *err)
{
	uint32_t wirelen = rd32(c, f->be);
	if (c->err)
		return ng_err(f, off, err, "simple packet block too short");
	const struct cap_ng_if *ifc = NULL;
	int rc = ng_iface(f, 0, off, err, &ifc);
	if (rc < 0)
		return rc;
	/* No captured length field: the packet is what the block holds,
	 * at most the original length and the interface snaplen. */
	size_t caplen = cur_left(c);
	if (caplen > wirelen)
		caplen = wirelen;
	if (ifc->snaplen && caplen > ifc->snaplen)
		caplen = ifc->snaplen;
	fr->data = cur_take(c, caplen);
	fr->caplen = (uint32_t)caplen;
	fr->wirelen = wirelen;
	fr->linktype = ifc->linktype;
	fr->iface = 0;
	fr->ts_ns = f->last_ts;
	fr->has_ts = false;
	return NG_FRAME;
}

/* Non-packet records tshark still numbers as frames (custom, journal). */
static int ng_other_record(struct cap_file *f, struct cursor *c, uint32_t type,
			   uint64_t off, struct cap_frame *fr,
			   struct nd_err *err)
{
	if (type != NG_JOURNAL) {
		(void)rd32(c, f->be); /* Private Enterprise Number */
		if (c->err)
			return ng_err(f, off, err, "custom block too short");
	}
	size_t n = cur_left(c);
	fr->data = cur_take(c, n);
	fr->caplen = (uint32_t)n;
	fr->wirelen = (uint32_t)n;
	fr->linktype = LINKTYPE_NONE;
	fr->iface = -1;
	fr->ts_ns = f->last_ts;
	fr->has_ts = false;
	return NG_FRAME;
}

static int ng_shb(struct cap_file *f, struct cursor *c, uint64_t off,
		  struct nd_err *err)
{
	(void)rd32(c, f->be); /* byte-order magic, checked by the caller */
	uint16_t major = rd16(c, f->be);
	uint16_t minor = rd16(c, f->be);
	if (c->err)
		return ng_err(f, off, err, "section header block too short");
	if (major != 1) {
		char m[96];
		snprintf(m, sizeof(m), "pcapng version %u.%u unsupported",
			 major, minor);
		return ng_err(f, off, err, m);
	}
	/* Interface ids are per section. */
	f->nifs = 0;
	return NG_SKIP;
}

/* Reads one block: NG_FRAME (fr filled), NG_SKIP, NG_END or <0. */
static int ng_block(struct cap_file *f, struct cap_frame *fr,
		    struct nd_err *err)
{
	struct cap_in *in = &f->in;
	size_t avail = cap_in_avail(in);
	if (avail < NG_MIN_BLOCK) {
		avail = cap_in_fill(in, NG_MIN_BLOCK);
		if (avail < NG_MIN_BLOCK) {
			if (avail == 0)
				return cap_file_at_end(f, err); /* NG_END or <0 */
			if (in->ioerr)
				return cap_in_error(f, err);
			char m[96];
			snprintf(m, sizeof(m), "block header truncated (%zu of 12 bytes)",
				 avail);
			return ng_err(f, cap_in_offset(in), err, m);
		}
	}
	uint64_t off = cap_in_offset(in);
	const uint8_t *p = cap_in_ptr(in);
	uint32_t type = cap_ld32(p, f->be);
	if (cap_ld32(p, true) == NG_SHB) {
		type = NG_SHB;
		uint32_t bom = cap_ld32(p + 8, true);
		if (bom == NG_BOM)
			f->be = true;
		else if (bom == 0x4D3C2B1Au)
			f->be = false;
		else
			return ng_err(f, off, err,
				      "section header with bad byte-order magic");
	}
	uint32_t len = cap_ld32(p + 4, f->be);
	if (len < NG_MIN_BLOCK || (len & 3) || len > CAP_MAX_BLOCK ||
	    (type == NG_SHB && len < NG_MIN_SHB)) {
		char m[128];
		snprintf(m, sizeof(m), "invalid block length %u (block type 0x%08x)",
			 len, type);
		return ng_err(f, off, err, m);
	}
	if (avail < len) {
		avail = cap_in_fill(in, len);
		if (avail < len) {
			if (in->ioerr)
				return cap_in_error(f, err);
			char m[128];
			snprintf(m, sizeof(m),
				 "block truncated (header says %u bytes, %zu left)",
				 len, avail);
			return ng_err(f, off, err, m);
		}
		p = cap_in_ptr(in);
	}
	uint32_t trail = cap_ld32(p + len - 4, f->be);
	if (trail != len) {
		char m[128];
		snprintf(m, sizeof(m),
			 "block length %u does not match its trailer %u", len,
			 trail);
		return ng_err(f, off, err, m);
	}
	struct cursor c;
	cur_init(&c, p + 8, len - NG_MIN_BLOCK);
	int rc;
	switch (type) {
	case NG_SHB:
		rc = ng_shb(f, &c, off, err);
		break;
	case NG_IDB:
		rc = ng_idb(f, &c, off, err);
		break;
	case NG_EPB:
	case NG_PB:
		rc = ng_packet(f, &c, type, off, fr, err);
		break;
	case NG_SPB:
		rc = ng_simple(f, &c, off, fr, err);
		break;
	case NG_CB_COPY:
	case NG_CB_NOCOPY:
	case NG_JOURNAL:
		rc = ng_other_record(f, &c, type, off, fr, err);
		break;
	default:
		/* NRB, ISB, DSB and unknown blocks: skipped by length. */
		rc = NG_SKIP;
		break;
	}
	if (rc == NG_FRAME)
		fr->offset = off;
	if (rc >= 0)
		cap_in_consume(in, len);
	return rc;
}

int cap_ng_header(struct cap_file *f, struct nd_err *err)
{
	struct cap_frame fr;
	int rc = ng_block(f, &fr, err);
	return rc < 0 ? rc : 0;
}

/*
 * The common block: an Enhanced Packet Block that is whole in the window,
 * on a known interface, with consistent lengths. Anything else (or any
 * doubt) goes through ng_block, which reports errors. 1 = frame, 0 = no.
 */
static int ng_epb_fast(struct cap_file *f, struct cap_frame *fr)
{
	struct cap_in *in = &f->in;
	size_t avail = cap_in_avail(in);
	if (avail < 32)
		return 0;
	const uint8_t *p = cap_in_ptr(in);
	bool be = f->be;
	if (cap_ld32(p, be) != NG_EPB)
		return 0;
	uint32_t len = cap_ld32(p + 4, be);
	if (len < 32 || (len & 3) || len > avail || len > CAP_MAX_BLOCK)
		return 0;
	uint32_t id = cap_ld32(p + 8, be);
	uint32_t caplen = cap_ld32(p + 20, be);
	if (id >= f->nifs || caplen > len - 32 ||
	    cap_ld32(p + len - 4, be) != len)
		return 0;
	const struct cap_ng_if *ifc = &f->ifs[id];
	if (caplen > CAP_MAX_PACKET && caplen > cap_max_packet(ifc->linktype))
		return 0;
	uint64_t t = ((uint64_t)cap_ld32(p + 12, be) << 32) | cap_ld32(p + 16, be);
	fr->offset = cap_in_offset(in);
	fr->data = p + 28;
	fr->caplen = caplen;
	fr->wirelen = cap_ld32(p + 24, be);
	fr->linktype = ifc->linktype;
	fr->iface = (int)id;
	fr->ts_ns = ng_ts(ifc, t);
	fr->has_ts = true;
	f->last_ts = fr->ts_ns;
	cap_in_consume(in, len);
	return 1;
}

int cap_ng_next(struct cap_file *f, struct cap_frame *fr, struct nd_err *err)
{
	if (ng_epb_fast(f, fr))
		return 1;
	for (;;) {
		int rc = ng_block(f, fr, err);
		if (rc != NG_SKIP)
			return rc;
	}
}
