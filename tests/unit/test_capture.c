// SPDX-License-Identifier: MIT
/* Capture reader unit tests on crafted pcap/pcapng bytes, files and lo. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "capture/capture.h"
#include "cmd/cli.h"

/* ---- classic pcap fixtures ---- */

/* Little-endian microsecond pcap, Ethernet, snaplen 65535, two records. */
static const uint8_t pcap_le_us[] = {
	0xd4, 0xc3, 0xb2, 0xa1, /* magic (LE, microseconds) */
	0x02, 0x00, 0x04, 0x00, /* version 2.4 */
	0x00, 0x00, 0x00, 0x00, /* thiszone */
	0x00, 0x00, 0x00, 0x00, /* sigfigs */
	0xff, 0xff, 0x00, 0x00, /* snaplen 65535 */
	0x01, 0x00, 0x00, 0x00, /* linktype 1 Ethernet */
	/* record 1 at offset 24 */
	0x10, 0x00, 0x00, 0x00, /* ts_sec 16 */
	0x40, 0x42, 0x0f, 0x00, /* ts_usec 1000000 (out of range: added as is) */
	0x04, 0x00, 0x00, 0x00, /* caplen 4 */
	0x3c, 0x00, 0x00, 0x00, /* wirelen 60 */
	0xde, 0xad, 0xbe, 0xef, /* data */
	/* record 2 at offset 44 */
	0x11, 0x00, 0x00, 0x00, /* ts_sec 17 */
	0x01, 0x00, 0x00, 0x00, /* ts_usec 1 */
	0x02, 0x00, 0x00, 0x00, /* caplen 2 */
	0x02, 0x00, 0x00, 0x00, /* wirelen 2 */
	0xca, 0xfe,		/* data */
};

/* Big-endian nanosecond pcap, LINKTYPE_RAW, one record. */
static const uint8_t pcap_be_ns[] = {
	0xa1, 0xb2, 0x3c, 0x4d, /* magic (BE, nanoseconds) */
	0x00, 0x02, 0x00, 0x04, /* version 2.4 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, /* snaplen 256 */
	0x00, 0x00, 0x00, 0x65, /* linktype 101 RAW */
	0x5f, 0x5e, 0x10, 0x00, /* ts_sec 1600000000 */
	0x00, 0x00, 0x00, 0x07, /* ts_nsec 7 */
	0x00, 0x00, 0x00, 0x01, /* caplen 1 */
	0x00, 0x00, 0x00, 0x01, /* wirelen 1 */
	0x45,			/* data */
};

static struct cap_source *open_mem(const uint8_t *p, size_t n,
				   const struct cap_opts *o, struct nd_err *e)
{
	struct cap_source *s = NULL;
	int rc = cap_open_mem(&s, p, n, "t.pcap", o, e);
	cr_assert_eq(rc, 0, "open failed: %s", e->msg);
	return s;
}

Test(capture, pcap_little_endian_microseconds)
{
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(pcap_le_us, sizeof(pcap_le_us), NULL, &e);
	struct cap_frame f;
	cr_assert_eq(cap_next(s, &f, &e), 1);
	cr_expect_eq(f.num, 1);
	/* 16 s + 1000000 us: the reader does not normalise, sum is exact. */
	cr_expect_eq(f.ts_ns, 17000000000LL);
	cr_expect_eq(f.caplen, 4);
	cr_expect_eq(f.wirelen, 60);
	cr_expect_eq(f.linktype, LINKTYPE_ETHERNET);
	cr_expect_eq(f.iface, -1);
	cr_expect_eq(f.offset, 24);
	cr_expect(f.has_ts);
	cr_expect_eq(f.data[3], 0xef);
	cr_assert_eq(cap_next(s, &f, &e), 1);
	cr_expect_eq(f.num, 2);
	cr_expect_eq(f.ts_ns, 17000001000LL);
	cr_expect_eq(f.data[1], 0xfe);
	cr_expect_eq(cap_next(s, &f, &e), 0);
	struct cap_stats st;
	cap_get_stats(s, &st);
	cr_expect_eq(st.records, 2);
	cr_expect_eq(st.snaplen, 65535);
	cap_close(s);
}

Test(capture, pcap_big_endian_nanoseconds)
{
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(pcap_be_ns, sizeof(pcap_be_ns), NULL, &e);
	struct cap_frame f;
	cr_assert_eq(cap_next(s, &f, &e), 1);
	cr_expect_eq(f.ts_ns, 1600000000LL * 1000000000 + 7);
	cr_expect_eq(f.linktype, LINKTYPE_RAW);
	cr_expect_eq(f.data[0], 0x45);
	cr_expect_eq(cap_next(s, &f, &e), 0);
	cap_close(s);
}

Test(capture, pcap_truncated_record_delivers_earlier_ones)
{
	/* Cut in the data of record 2: header says 2 bytes, 1 left. */
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(pcap_le_us, sizeof(pcap_le_us) - 1, NULL, &e);
	struct cap_frame f;
	cr_assert_eq(cap_next(s, &f, &e), 1);
	cr_assert_lt(cap_next(s, &f, &e), 0);
	cr_expect_eq(e.kind, ND_ERR_INPUT);
	cr_expect(strstr(e.msg, "t.pcap: offset 44: record truncated (header says 2 bytes, 1 left)"),
		  "%s", e.msg);
	/* The error is sticky. */
	cr_expect_lt(cap_next(s, &f, &e), 0);
	cap_close(s);
}

Test(capture, pcap_truncated_header)
{
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(pcap_le_us, 24 + 5, NULL, &e);
	struct cap_frame f;
	cr_assert_lt(cap_next(s, &f, &e), 0);
	cr_expect(strstr(e.msg, "offset 24: record header truncated (5 of 16"), "%s", e.msg);
	cap_close(s);
	/* A file header cut short fails at open. */
	struct cap_source *s2 = NULL;
	cr_expect_lt(cap_open_mem(&s2, pcap_le_us, 10, "x", NULL, &e), 0);
	cr_expect_null(s2);
	cr_expect_eq(e.kind, ND_ERR_INPUT);
}

Test(capture, pcap_oversized_record_is_corruption)
{
	uint8_t b[sizeof(pcap_le_us)];
	memcpy(b, pcap_le_us, sizeof(b));
	b[24 + 8 + 2] = 0x10; /* caplen of record 1 = 0x100004 (1 MiB) */
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(b, sizeof(b), NULL, &e);
	struct cap_frame f;
	cr_assert_lt(cap_next(s, &f, &e), 0);
	cr_expect(strstr(e.msg, "offset 24: record claims 1048580 bytes"), "%s", e.msg);
	cap_close(s);
}

Test(capture, pcap_reserved_linktype_bits_and_version)
{
	uint8_t b[sizeof(pcap_le_us)];
	struct nd_err e = { 0 };
	struct cap_source *s = NULL;
	memcpy(b, pcap_le_us, sizeof(b));
	b[22] = 0x30; /* reserved bits 16-25 of the link type field */
	cr_expect_lt(cap_open_mem(&s, b, sizeof(b), "x", NULL, &e), 0);
	cr_expect(strstr(e.msg, "reserved"), "%s", e.msg);
	memcpy(b, pcap_le_us, sizeof(b));
	b[23] = 0xf0; /* FCS length bits: allowed, masked off */
	cr_assert_eq(cap_open_mem(&s, b, sizeof(b), "x", NULL, &e), 0, "%s", e.msg);
	struct cap_frame f;
	cr_expect_eq(cap_next(s, &f, &e), 1);
	cr_expect_eq(f.linktype, 1);
	cap_close(s);
	memcpy(b, pcap_le_us, sizeof(b));
	b[4] = 1; /* version 1.4 */
	cr_expect_lt(cap_open_mem(&s, b, sizeof(b), "x", NULL, &e), 0);
	cr_expect(strstr(e.msg, "version"), "%s", e.msg);
}

Test(capture, not_a_capture_and_empty)
{
	static const uint8_t text[] = "hello world, not a capture";
	struct nd_err e = { 0 };
	struct cap_source *s = NULL;
	cr_expect_lt(cap_open_mem(&s, text, sizeof(text), "x.pcap", NULL, &e), 0);
	cr_expect(strstr(e.msg, "not a pcap or pcapng file"), "%s", e.msg);
	cr_expect_lt(cap_open_mem(&s, text, 0, "x.pcap", NULL, &e), 0);
	cr_expect(strstr(e.msg, "empty file"), "%s", e.msg);
	cr_expect_eq(e.kind, ND_ERR_INPUT);
}

/* ---- pcapng builders: each helper appends one commented block ---- */

struct buf {
	uint8_t b[4096];
	size_t n;
	bool be;
};

static void put32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		b->b[b->n++] = (uint8_t)(b->be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void put16(struct buf *b, uint16_t v)
{
	b->b[b->n++] = (uint8_t)(b->be ? v >> 8 : v);
	b->b[b->n++] = (uint8_t)(b->be ? v : v >> 8);
}

static void putbytes(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
	while (b->n & 3)
		b->b[b->n++] = 0;
}

/* Block start: type + placeholder length; returns the block offset. */
static size_t blk_begin(struct buf *b, uint32_t type)
{
	size_t at = b->n;
	put32(b, type);
	put32(b, 0);
	return at;
}

/* Block end: trailing length, and the header length patched to match. */
static void blk_end(struct buf *b, size_t at)
{
	uint32_t len = (uint32_t)(b->n + 4 - at);
	put32(b, len);
	struct buf tmp = { .be = b->be };
	put32(&tmp, len);
	memcpy(b->b + at + 4, tmp.b, 4);
}

static void shb(struct buf *b, bool be)
{
	b->be = be;
	size_t at = blk_begin(b, 0x0A0D0D0A);
	put32(b, 0x1A2B3C4D); /* byte-order magic */
	put16(b, 1);	      /* major */
	put16(b, 0);	      /* minor */
	put32(b, 0xffffffff); /* section length -1 (unknown), 64 bits */
	put32(b, 0xffffffff);
	blk_end(b, at);
}

/* IDB; tsresol < 0: no option; tsoffset 0: no option. */
static void idb(struct buf *b, uint16_t lt, uint32_t snap, int tsresol,
		int64_t tsoffset)
{
	size_t at = blk_begin(b, 1);
	put16(b, lt);
	put16(b, 0); /* reserved */
	put32(b, snap);
	if (tsresol >= 0) {
		put16(b, 9); /* if_tsresol */
		put16(b, 1);
		uint8_t r = (uint8_t)tsresol;
		putbytes(b, &r, 1);
	}
	if (tsoffset) {
		put16(b, 14); /* if_tsoffset */
		put16(b, 8);
		uint64_t v = (uint64_t)tsoffset;
		put32(b, b->be ? (uint32_t)(v >> 32) : (uint32_t)v);
		put32(b, b->be ? (uint32_t)v : (uint32_t)(v >> 32));
	}
	put16(b, 0); /* opt_endofopt */
	put16(b, 0);
	blk_end(b, at);
}

static void epb(struct buf *b, uint32_t ifid, uint64_t ts, const void *data,
		uint32_t caplen, uint32_t wirelen)
{
	size_t at = blk_begin(b, 6);
	put32(b, ifid);
	put32(b, (uint32_t)(ts >> 32));
	put32(b, (uint32_t)ts);
	put32(b, caplen);
	put32(b, wirelen);
	putbytes(b, data, caplen);
	blk_end(b, at);
}

static int read_all(struct cap_source *s, struct cap_frame *out, int max,
		    struct nd_err *e)
{
	int n = 0, rc;
	while (n < max && (rc = cap_next(s, &out[n], e)) > 0)
		n++;
	return n;
}

Test(capture, pcapng_multi_section_both_endians)
{
	static const uint8_t pkt[] = { 1, 2, 3, 4, 5 };
	struct buf b = { 0 };
	shb(&b, false);				/* section 1, little-endian */
	idb(&b, LINKTYPE_ETHERNET, 1500, -1, 0);	/* if 0: us */
	epb(&b, 0, 1000001, pkt, 5, 60);	/* 1.000001 s */
	shb(&b, true);				/* section 2, big-endian */
	idb(&b, LINKTYPE_RAW, 0, 9, 0);		/* if 0: ns */
	idb(&b, LINKTYPE_ETHERNET, 65535, -1, 0); /* if 1 */
	epb(&b, 1, 2000000, pkt, 3, 3);
	epb(&b, 0, 5, pkt, 1, 1);
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(b.b, b.n, NULL, &e);
	struct cap_frame f[4];
	cr_assert_eq(read_all(s, f, 4, &e), 3, "%s", e.msg);
	cr_expect_eq(f[0].ts_ns, 1000001000LL);
	cr_expect_eq(f[0].linktype, 1);
	cr_expect_eq(f[0].iface, 0);
	cr_expect_eq(f[0].caplen, 5);
	cr_expect_eq(f[0].wirelen, 60);
	cr_expect_eq(f[1].ts_ns, 2000000000LL);
	cr_expect_eq(f[1].iface, 1);
	cr_expect_eq(f[1].linktype, 1);
	cr_expect_eq(f[2].ts_ns, 5);
	cr_expect_eq(f[2].iface, 0); /* ids restart per section */
	cr_expect_eq(f[2].linktype, LINKTYPE_RAW);
	cr_expect_eq(f[2].num, 3);
	struct cap_stats st;
	cap_get_stats(s, &st);
	cr_expect_eq(st.snaplen, 65535);
	cap_close(s);
}

Test(capture, pcapng_tsresol_and_tsoffset)
{
	static const uint8_t pkt[] = { 0 };
	struct buf b = { 0 };
	shb(&b, false);
	idb(&b, 1, 0, 0x80 | 10, 0);	/* 2^-10 s units */
	idb(&b, 1, 0, 3, 100);		/* ms units, +100 s offset */
	idb(&b, 1, 0, 12, 0);		/* ps units */
	epb(&b, 0, 3 * 1024 + 512, pkt, 1, 1); /* 3.5 s */
	epb(&b, 1, 1234, pkt, 1, 1);	       /* 1.234 s + 100 s */
	epb(&b, 2, 1000000000123456ull, pkt, 1, 1); /* 1000.000000123456 s */
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(b.b, b.n, NULL, &e);
	struct cap_frame f[3];
	cr_assert_eq(read_all(s, f, 3, &e), 3, "%s", e.msg);
	cr_expect_eq(f[0].ts_ns, 3500000000LL);
	cr_expect_eq(f[1].ts_ns, 101234000000LL);
	cr_expect_eq(f[2].ts_ns, 1000000000123LL);
	cap_close(s);
}

Test(capture, pcapng_spb_pb_custom_and_skipped_blocks)
{
	static const uint8_t pkt[] = { 9, 8, 7, 6, 5, 4, 3, 2 };
	struct buf b = { 0 };
	shb(&b, false);
	idb(&b, 1, 4, -1, 0); /* snaplen 4 */
	epb(&b, 0, 7000000, pkt, 4, 8);
	size_t at = blk_begin(&b, 5); /* Interface Statistics: skipped */
	put32(&b, 0);
	put32(&b, 0);
	put32(&b, 0);
	blk_end(&b, at);
	at = blk_begin(&b, 3); /* Simple Packet Block, orig len 8 */
	put32(&b, 8);
	putbytes(&b, pkt, 8); /* 8 stored, snaplen cuts to 4 */
	blk_end(&b, at);
	at = blk_begin(&b, 0x00000BAD); /* Custom Block */
	put32(&b, 32473);		/* PEN */
	putbytes(&b, "abcd", 4);
	blk_end(&b, at);
	at = blk_begin(&b, 0x12345678); /* unknown type: skipped */
	blk_end(&b, at);
	at = blk_begin(&b, 2); /* obsolete Packet Block */
	put16(&b, 0);	       /* interface id */
	put16(&b, 0);	       /* drops */
	put32(&b, 0);
	put32(&b, 9000000);    /* 9 s */
	put32(&b, 2);
	put32(&b, 2);
	putbytes(&b, pkt, 2);
	blk_end(&b, at);
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(b.b, b.n, NULL, &e);
	struct cap_frame f[5];
	cr_assert_eq(read_all(s, f, 5, &e), 4, "%s", e.msg);
	cr_expect_eq(f[1].caplen, 4);
	cr_expect_eq(f[1].wirelen, 8);
	cr_expect_not(f[1].has_ts);
	cr_expect_eq(f[1].ts_ns, 7000000000LL); /* repeats the previous */
	cr_expect_eq(f[2].linktype, LINKTYPE_NONE);
	cr_expect_eq(f[2].iface, -1);
	cr_expect_eq(f[2].caplen, 4);
	cr_expect_eq(memcmp(f[2].data, "abcd", 4), 0);
	cr_expect_eq(f[3].ts_ns, 9000000000LL);
	cr_expect_eq(f[3].num, 4);
	cap_close(s);
}

Test(capture, pcapng_bad_block_lengths)
{
	static const uint8_t pkt[] = { 1, 2, 3, 4 };
	struct buf b = { 0 };
	shb(&b, false);
	idb(&b, 1, 0, -1, 0);
	epb(&b, 0, 1, pkt, 4, 4);
	size_t second = b.n;
	epb(&b, 0, 2, pkt, 4, 4);
	struct nd_err e = { 0 };
	struct cap_frame f[3];

	struct buf c = b; /* length not a multiple of 4 */
	c.b[second + 4] = (uint8_t)(c.b[second + 4] + 1);
	struct cap_source *s = open_mem(c.b, c.n, NULL, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 1);
	cr_expect(strstr(e.msg, "invalid block length"), "%s", e.msg);
	cap_close(s);

	c = b; /* trailer differs from header */
	c.b[c.n - 4] = (uint8_t)(c.b[c.n - 4] + 4);
	s = open_mem(c.b, c.n, NULL, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 1);
	cr_expect(strstr(e.msg, "trailer"), "%s", e.msg);
	cap_close(s);

	c = b; /* cut in the middle of block 2 */
	s = open_mem(c.b, c.n - 6, NULL, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 1);
	char want[64];
	snprintf(want, sizeof(want), "offset %zu: block truncated", second);
	cr_expect(strstr(e.msg, want), "%s", e.msg);
	cap_close(s);

	c = b; /* EPB names an interface that does not exist */
	c.b[second + 8] = 3;
	s = open_mem(c.b, c.n, NULL, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 1);
	cr_expect(strstr(e.msg, "interface 3"), "%s", e.msg);
	cap_close(s);
}

/* ---- files: gzip, merge, stdin-less errors ---- */

static char *write_tmp(const void *p, size_t n, bool gz)
{
	char *path = strdup("/tmp/netdx-capXXXXXX");
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	if (gz) {
		gzFile z = gzdopen(fd, "wb");
		cr_assert_not_null(z);
		cr_assert_eq(gzwrite(z, p, (unsigned)n), (int)n);
		gzclose(z);
	} else {
		cr_assert_eq(write(fd, p, n), (ssize_t)n);
		close(fd);
	}
	return path;
}

Test(capture, gzip_file_is_transparent)
{
	char *path = write_tmp(pcap_le_us, sizeof(pcap_le_us), true);
	const char *paths[] = { path };
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	cr_assert_eq(cap_open_files(&s, paths, 1, NULL, &e), 0, "%s", e.msg);
	struct cap_frame f[3];
	cr_expect_eq(read_all(s, f, 3, &e), 2);
	cr_expect_eq(f[1].data[0], 0xca);
	cap_close(s);
	unlink(path);
	free(path);
}

Test(capture, merge_two_files_by_time)
{
	/* A: records at 1 s and 3 s; B: at 2 s and 3 s (tie: A first). */
	struct buf a = { 0 }, b = { 0 };
	static const uint8_t pkt[] = { 0xa };
	shb(&a, false);
	idb(&a, 1, 100, -1, 0);
	epb(&a, 0, 1000000, pkt, 1, 1);
	epb(&a, 0, 3000000, pkt, 1, 1);
	shb(&b, true);
	idb(&b, 101, 200, -1, 0);
	epb(&b, 0, 2000000, pkt, 1, 1);
	epb(&b, 0, 3000000, pkt, 1, 1);
	char *pa = write_tmp(a.b, a.n, false), *pb = write_tmp(b.b, b.n, false);
	const char *paths[] = { pb, pa }; /* B is file 0 */
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	cr_assert_eq(cap_open_files(&s, paths, 2, NULL, &e), 0, "%s", e.msg);
	struct cap_frame f[5];
	cr_assert_eq(read_all(s, f, 5, &e), 4);
	int want_file[] = { 1, 0, 0, 1 };
	int64_t want_ts[] = { 1, 2, 3, 3 };
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(f[i].file, want_file[i], "record %d", i);
		cr_expect_eq(f[i].ts_ns, want_ts[i] * 1000000000LL, "record %d", i);
		cr_expect_eq(f[i].num, (uint64_t)i + 1);
	}
	cr_expect_str_eq(cap_source_name(s, 1), pa);
	struct cap_stats st;
	cap_get_stats(s, &st);
	cr_expect_eq(st.snaplen, 200);
	cap_close(s);
	unlink(pa);
	unlink(pb);
	free(pa);
	free(pb);
}

Test(capture, file_errors)
{
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	const char *missing[] = { "/nonexistent/x.pcap" };
	cr_expect_lt(cap_open_files(&s, missing, 1, NULL, &e), 0);
	cr_expect_eq(e.kind, ND_ERR_INPUT);
	cr_expect(strstr(e.msg, "/nonexistent/x.pcap"), "%s", e.msg);
	const char *dir[] = { "/tmp" };
	cr_expect_lt(cap_open_files(&s, dir, 1, NULL, &e), 0);
	cr_expect(strstr(e.msg, "directory"), "%s", e.msg);
	char *empty = write_tmp("", 0, false);
	const char *ep[] = { empty };
	cr_expect_lt(cap_open_files(&s, ep, 1, NULL, &e), 0);
	cr_expect(strstr(e.msg, "empty file"), "%s", e.msg);
	unlink(empty);
	free(empty);
	cr_expect_null(s);
}

/* ---- regular files are read through a sliding mapping ---- */

/*
 * A pcap of about 9.5 MiB (several 4 MiB mapping windows) whose records
 * have caplens from 1 to ~60 k bytes, so records straddle every window
 * boundary; byte i of record k is (k * 31 + i) & 0xff.
 */
static uint8_t *big_pcap(size_t *len, int *nrec)
{
	size_t cap = 10u << 20, n = 0;
	uint8_t *b = malloc(cap);
	cr_assert_not_null(b);
	memcpy(b, pcap_le_us, 24); /* the global header (snaplen 65535) */
	n = 24;
	uint32_t x = 12345;
	int k = 0;
	for (;; k++) {
		x = x * 1103515245u + 12345u;
		uint32_t cl = 1 + (x >> 8) % 60000u;
		if (n + 16 + cl > cap - 65536)
			break;
		uint32_t hdr[4] = { 1000u + (uint32_t)k, 0, cl, cl + 7 };
		memcpy(b + n, hdr, 16); /* little-endian host, as the header */
		n += 16;
		for (uint32_t i = 0; i < cl; i++)
			b[n + i] = (uint8_t)((uint32_t)k * 31u + i);
		n += cl;
	}
	*len = n;
	*nrec = k;
	return b;
}

Test(capture, mapped_file_equals_memory_across_windows)
{
	size_t len;
	int nrec;
	uint8_t *b = big_pcap(&len, &nrec);
	/* Cut the last record short: both readers must stop alike. */
	char *path = write_tmp(b, len - 5, false);
	const char *paths[] = { path };
	struct cap_source *fs = NULL, *ms = NULL;
	struct nd_err fe = { 0 }, me = { 0 };
	cr_assert_eq(cap_open_files(&fs, paths, 1, NULL, &fe), 0, "%s", fe.msg);
	cr_assert_eq(cap_open_mem(&ms, b, len - 5, path, NULL, &me), 0, "%s",
		     me.msg);
	int got = 0, rf, rm;
	for (;;) {
		struct cap_frame a, c;
		rf = cap_next(fs, &a, &fe);
		rm = cap_next(ms, &c, &me);
		cr_assert_eq(rf, rm, "record %d", got);
		if (rf <= 0)
			break;
		cr_assert_eq(a.num, c.num);
		cr_assert_eq(a.ts_ns, c.ts_ns);
		cr_assert_eq(a.caplen, c.caplen);
		cr_assert_eq(a.wirelen, c.wirelen);
		cr_assert_eq(a.data[0], (uint8_t)(got * 31));
		cr_assert(memcmp(a.data, c.data, a.caplen) == 0, "record %d", got);
		got++;
	}
	cr_expect_eq(got, nrec - 1);
	cr_expect_lt(rf, 0);
	cr_expect_str_eq(fe.msg, me.msg);
	cr_expect(strstr(fe.msg, "record truncated"), "%s", fe.msg);
	cap_close(fs);
	cap_close(ms);
	unlink(path);
	free(path);
	free(b);
}

/*
 * Another process truncating a mapped file under netdx: one line and the
 * input exit status, not a silent crash (cli_sigbus_install).
 */
Test(capture, mapped_file_truncated_under_us_exits_3, .exit_code = 3)
{
	size_t len;
	int nrec;
	uint8_t *b = big_pcap(&len, &nrec);
	char *path = write_tmp(b, len, false);
	const char *paths[] = { path };
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	cli_sigbus_install();
	cr_assert_eq(cap_open_files(&s, paths, 1, NULL, &e), 0, "%s", e.msg);
	struct cap_frame f;
	cr_assert_eq(cap_next(s, &f, &e), 1);
	cr_assert_eq(truncate(path, 4096), 0);
	unlink(path);
	unsigned sum = 0;
	while (cap_next(s, &f, &e) > 0)
		for (uint32_t i = 0; i < f.caplen; i++)
			sum += f.data[i];
	cr_log_info("not reached: %u", sum);
	exit(0);
}

/* ---- -f, -c, -d ---- */

/* Ethernet/IPv4/TCP (frame 1) and Ethernet/IPv4/UDP (frame 2), 1 s apart. */
static const uint8_t pcap_tcp_udp[] = {
	0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	/* record 1: 10 s, 54 bytes */
	10, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 54, 0, 0, 0,
	2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, /* eth, IPv4 */
	0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0,	/* IPv4, proto 6 */
	10, 0, 0, 1, 10, 0, 0, 2,
	0x30, 0x39, 0x00, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, /* TCP 12345->80 */
	0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	/* record 2: 11 s, 42 bytes */
	11, 0, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 42, 0, 0, 0,
	2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, /* IPv4, proto 17 */
	10, 0, 0, 1, 10, 0, 0, 2,
	0x00, 0x35, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00, /* UDP 53->53 */
};

Test(capture, filter_keeps_frame_numbers)
{
	struct cap_opts o = { .filter = "udp" };
	struct nd_err e = { 0 };
	struct cap_source *s = open_mem(pcap_tcp_udp, sizeof(pcap_tcp_udp), &o, &e);
	struct cap_frame f[3];
	cr_assert_eq(read_all(s, f, 3, &e), 1);
	cr_expect_eq(f[0].num, 2);
	struct cap_stats st;
	cap_get_stats(s, &st);
	cr_expect_eq(st.filtered_out, 1);
	cr_expect_eq(st.records, 1);
	cap_close(s);
}

Test(capture, bad_filter_is_usage_error)
{
	struct cap_opts o = { .filter = "tcp port" };
	struct nd_err e = { 0 };
	struct cap_source *s = NULL;
	cr_expect_lt(cap_open_mem(&s, pcap_tcp_udp, sizeof(pcap_tcp_udp), "x",
				  &o, &e), 0);
	cr_expect_eq(e.kind, ND_ERR_USAGE);
	cr_expect(strstr(e.msg, "syntax error"), "%s", e.msg);
}

Test(capture, count_and_duration)
{
	struct cap_opts o = { .max_count = 1 };
	struct nd_err e = { 0 };
	struct cap_frame f[3];
	struct cap_source *s = open_mem(pcap_tcp_udp, sizeof(pcap_tcp_udp), &o, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 1);
	cap_close(s);
	struct cap_opts d = { .duration_s = 0.5 };
	s = open_mem(pcap_tcp_udp, sizeof(pcap_tcp_udp), &d, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 1);
	cap_close(s);
	d.duration_s = 1.0; /* the second record is exactly 1 s later: kept */
	s = open_mem(pcap_tcp_udp, sizeof(pcap_tcp_udp), &d, &e);
	cr_expect_eq(read_all(s, f, 3, &e), 2);
	cap_close(s);
}

/* ---- live on lo ---- */

Test(capture, live_loopback)
{
	if (geteuid() != 0) {
		printf("SKIP: live capture needs root\n");
		cr_skip_test("live capture needs root");
	}
	char wpath[] = "/tmp/netdx-liveXXXXXX";
	int wfd = mkstemp(wpath);
	cr_assert_geq(wfd, 0);
	close(wfd);
	volatile int stop = 0;
	struct cap_opts o = { .filter = "udp and dst port 45679",
			      .max_count = 3,
			      .duration_s = 5,
			      .write_path = wpath,
			      .stop_flag = &stop };
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	int rc = cap_open_live(&s, "lo", &o, &e);
	if (rc < 0 && e.kind == ND_ERR_PRIVILEGE) {
		printf("SKIP: %s\n", e.msg);
		cr_skip_test("%s", e.msg);
	}
	cr_assert_eq(rc, 0, "%s", e.msg);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(45679) };
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 3; i++)
		sendto(fd, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	struct cap_frame f[4];
	cr_expect_eq(read_all(s, f, 4, &e), 3, "%s", e.msg);
	cr_expect_eq(f[0].linktype, LINKTYPE_ETHERNET); /* lo is DLT_EN10MB */
	cr_expect_eq(f[2].num, 3);
	struct cap_stats st;
	cap_get_stats(s, &st);
	cr_expect(st.live);
	cr_expect(st.have_kernel_stats);
	cr_expect_geq(st.kernel_received, 3);
	cap_close(s);

	/* What -w saved reads back. */
	const char *paths[] = { wpath };
	cr_assert_eq(cap_open_files(&s, paths, 1, NULL, &e), 0, "%s", e.msg);
	cr_expect_eq(read_all(s, f, 4, &e), 3);
	cap_close(s);
	unlink(wpath);

	/* The stop flag and -d end a capture that sees nothing. */
	struct cap_opts q = { .filter = "udp and dst port 45680", .duration_s = 0.3 };
	cr_assert_eq(cap_open_live(&s, "lo", &q, &e), 0, "%s", e.msg);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_expect_eq(read_all(s, f, 4, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_expect_lt(t1.tv_sec - t0.tv_sec, 3);
	cap_close(s);
	stop = 1;
	struct cap_opts st2 = { .stop_flag = &stop };
	cr_assert_eq(cap_open_live(&s, "lo", &st2, &e), 0, "%s", e.msg);
	cr_expect_eq(read_all(s, f, 4, &e), 0);
	cap_close(s);
}

Test(capture, live_bad_interface)
{
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	cr_expect_lt(cap_open_live(&s, "nosuchif0", NULL, &e), 0);
	cr_expect(strstr(e.msg, "nosuchif0"), "%s", e.msg);
	cr_expect_null(s);
}
