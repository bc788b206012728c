// SPDX-License-Identifier: MIT
/* Capture-quality analyzer: duplicates (far exact, near), time steps, truncation, drops. */
#include <criterion/criterion.h>
#include <string.h>

#include "analyze/capture_quality.h"
#include "output/report.h"
#include "output/report_rules.h"
#include "rules/rules.h"

/* Ethernet + IPv4 + UDP, 46 bytes; byte 45 varied per packet. */
static const uint8_t FRAME[] = {
	/* eth: dst, src, type 0x0800 */
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	/* ipv4: v4 ihl5, tos, len 32, id 1, DF, ttl 64, udp, csum 0 */
	0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0, 0,
	/* 10.0.0.1 -> 10.0.0.2 */
	10, 0, 0, 1, 10, 0, 0, 2,
	/* udp 5000 -> 53, len 12, csum 0 */
	0x13, 0x88, 0x00, 0x35, 0x00, 0x0c, 0, 0,
	/* payload */
	0xde, 0xad, 0xbe, 0xef,
};

static void mkframe(struct cap_frame *fr, uint8_t *buf, uint64_t num,
		    int64_t ts, uint8_t tag)
{
	memcpy(buf, FRAME, sizeof(FRAME));
	buf[sizeof(FRAME) - 1] = tag;
	memset(fr, 0, sizeof(*fr));
	fr->num = num;
	fr->ts_ns = ts;
	fr->caplen = fr->wirelen = sizeof(FRAME);
	fr->linktype = LINKTYPE_ETHERNET;
	fr->iface = -1;
	fr->data = buf;
}

/* Minimal decoded view: just what the analyzer reads (outer IP offset). */
static void mkpkt(struct packet *p)
{
	memset(p, 0, sizeof(*p));
	p->n_ip = 1;
	p->ip[0].ver = 4;
	p->ip[0].off = 14;
}

static const struct evidence *find(const struct ev_store *st, enum ev_kind kind)
{
	size_t pos = 0;
	return ev_store_next(st, kind, &pos);
}

static int64_t num(const struct evidence *e, enum ev_field f)
{
	int64_t v = -1;
	cr_assert(ev_get_i64(e, f, &v), "%s missing", ev_field_name(f));
	return v;
}

Test(capture_quality, replayed_file_is_exact_duplicates_and_time_backwards)
{
	struct cq *q = cq_new(NULL);
	uint8_t buf[64];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	/* 1000 distinct frames, then the same 1000 again (like ftp-crack.pcap). */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 1000; i++) {
			mkframe(&fr, buf, (uint64_t)(pass * 1000 + i + 1),
				1000000000LL + i * 1000000LL, (uint8_t)i);
			buf[19] = (uint8_t)(i >> 8); /* IP id differs */
			bool dup = cq_frame(q, &fr, &pkt);
			cr_assert_eq(dup, pass == 1, "frame %d", pass * 1000 + i + 1);
		}
	struct ev_store *st = ev_store_new(0);
	cr_assert_eq(cq_finish(q, NULL, NULL, st), 0);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_not_null(d);
	cr_assert_eq(num(d, EVF_DUPLICATES), 1000);
	cr_assert_eq(num(d, EVF_EXACT), 1000);
	cr_assert_eq(num(d, EVF_NEAR), 0);
	cr_assert_eq(num(d, EVF_FIRST_DUPLICATE), 1001);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 1);
	cr_assert_eq(d->refs[0].id, 1001);
	const struct evidence *t = find(st, EVK_CAPTURE_TIME_BACKWARDS);
	cr_assert_not_null(t);
	cr_assert_eq(num(t, EVF_COUNT), 1);
	cr_assert_eq(num(t, EVF_MAX_STEP_NS), 999000000LL);
	cr_assert_eq(num(t, EVF_MAX_STEP_FRAME), 1001);
	cr_assert_null(find(st, EVK_CAPTURE_TRUNCATED));
	cr_assert_null(find(st, EVK_CAPTURE_KERNEL_DROPS));

	/* The rule turns it into a warn finding (50% share). */
	struct thresholds th;
	thresholds_init(&th);
	struct engine eng;
	struct nd_err err = { 0 };
	engine_init(&eng, &th);
	struct report *rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	report_finalize(rep);
	cr_assert_eq(report_finding_count(rep), 2);
	cr_assert_str_eq(report_finding_at(rep, 0)->id, "capture.duplicate_packets");
	cr_assert_eq(report_finding_at(rep, 0)->severity, SEV_WARN);
	cr_assert_str_eq(report_finding_at(rep, 1)->id, "capture.time_backwards");
	report_free(rep);
	ev_store_free(st);
	cq_free(q);
}

Test(capture_quality, memory_bound_forgets_oldest)
{
	struct thresholds th;
	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_memory", "1024", NULL), 0);
	struct cq *q = cq_new(&th);
	uint8_t buf[64];
	struct cap_frame fr;
	/* 2000 distinct frames, then frame 1 again: forgotten, not a duplicate. */
	for (int i = 0; i < 2000; i++) {
		mkframe(&fr, buf, (uint64_t)i + 1, 1000 + i, (uint8_t)i);
		buf[19] = (uint8_t)(i >> 8);
		cr_assert(!cq_frame(q, &fr, NULL));
	}
	mkframe(&fr, buf, 2001, 1000, 0);
	buf[19] = 0;
	cr_assert(!cq_frame(q, &fr, NULL));
	/* ...but frame 1990 is still remembered. */
	mkframe(&fr, buf, 2002, 1000 + 1989, (uint8_t)1989);
	buf[19] = (uint8_t)(1989 >> 8);
	cr_assert(cq_frame(q, &fr, NULL));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_DUPLICATES), 1);
	cr_assert_gt(num(d, EVF_FORGOTTEN), 0);
	cr_assert_eq(num(d, EVF_MEMORY), 1024);
	ev_store_free(st);
	cq_free(q);
}

Test(capture_quality, near_copy_on_other_interface_within_window)
{
	struct cq *q = cq_new(NULL); /* window 1 ms */
	uint8_t b1[64], b2[64], b3[64];
	struct cap_frame f1, f2, f3;
	struct packet pkt;
	mkpkt(&pkt);
	mkframe(&f1, b1, 1, 5000000, 7);
	f1.iface = 0;
	cr_assert(!cq_frame(q, &f1, &pkt));
	/* Same IP bytes 50 us later on interface 1 (VLAN-tagged side would differ too). */
	mkframe(&f2, b2, 2, 5050000, 7);
	f2.iface = 1;
	cr_assert(cq_frame(q, &f2, &pkt));
	/* Same bytes on the same interface and link header: a real resend, not counted. */
	mkframe(&f3, b3, 3, 5100000, 7);
	f3.iface = 0;
	cr_assert(!cq_frame(q, &f3, &pkt));
	/* Other interface but 10 ms later: outside the window. */
	mkframe(&f3, b3, 4, 15200000, 7);
	f3.iface = 1;
	cr_assert(!cq_frame(q, &f3, &pkt));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_NEAR), 1);
	cr_assert_eq(num(d, EVF_EXACT), 0);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 1);
	ev_store_free(st);
	cq_free(q);
}

Test(capture_quality, truncation_and_nonpacket_records)
{
	struct cq *q = cq_new(NULL);
	uint8_t buf[64];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	for (int i = 0; i < 10; i++) {
		mkframe(&fr, buf, (uint64_t)i + 1, 1000 + i, (uint8_t)i);
		if (i < 4) {
			fr.caplen = 40; /* cut inside the payload */
			fr.wirelen = 1500;
		}
		pkt.truncated = i == 0; /* one header cut */
		cq_frame(q, &fr, &pkt);
	}
	/* A pcapng custom block: numbered but not a packet; not counted. */
	mkframe(&fr, buf, 11, 1, 0);
	fr.linktype = LINKTYPE_NONE;
	cr_assert(!cq_frame(q, &fr, NULL));
	struct ev_store *st = ev_store_new(0);
	struct cap_stats cs = { .snaplen = 40 };
	cq_finish(q, &cs, NULL, st);
	const struct evidence *t = find(st, EVK_CAPTURE_TRUNCATED);
	cr_assert_not_null(t);
	cr_assert_eq(num(t, EVF_FRAMES), 10);
	cr_assert_eq(num(t, EVF_TRUNCATED), 4);
	cr_assert_eq(num(t, EVF_HEADERS_CUT), 1);
	cr_assert_eq(num(t, EVF_SNAPLEN), 40);
	cr_assert_eq(t->ref_count, 4);
	cr_assert_null(find(st, EVK_CAPTURE_TIME_BACKWARDS));
	ev_store_free(st);
	cq_free(q);
}

Test(capture_quality, injected_kernel_drops_and_evictions)
{
	struct cq *q = cq_new(NULL);
	struct cap_stats cs = { .live = true, .have_kernel_stats = true,
				.kernel_received = 100000, .kernel_dropped = 2500,
				.iface_dropped = 0, .records = 97500 };
	struct flow_table_stats fs = { .created = 5000, .evicted = 42,
				       .max_open = 1000 };
	struct ev_store *st = ev_store_new(0);
	cr_assert_eq(cq_finish(q, &cs, &fs, st), 0);
	const struct evidence *k = find(st, EVK_CAPTURE_KERNEL_DROPS);
	cr_assert_not_null(k);
	cr_assert_eq(num(k, EVF_KERNEL_DROPPED), 2500);
	cr_assert_not_null(find(st, EVK_CAPTURE_FLOWS_EVICTED));

	struct engine eng;
	struct nd_err err = { 0 };
	engine_init(&eng, NULL);
	struct report *rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	report_finalize(rep);
	cr_assert_eq(report_finding_count(rep), 2);
	const struct finding *f = report_finding_at(rep, 0);
	cr_assert_str_eq(f->id, "capture.kernel_drops"); /* 2.5% > 0.84% */
	cr_assert_eq(f->severity, SEV_WARN);
	cr_assert_not_null(strstr(f->explanation, "dropped 2500 of them (2.5%)"),
			   "%s", f->explanation);
	report_free(rep);
	ev_store_free(st);

	/* Live capture with no drops still reports stats (evidence, no finding). */
	cs.kernel_dropped = 0;
	st = ev_store_new(0);
	cq_finish(q, &cs, NULL, st);
	cr_assert_not_null(find(st, EVK_CAPTURE_KERNEL_DROPS));
	rep = report_new("analyze");
	cr_assert_eq(report_run_engine(rep, &eng, st, NULL, NULL, &err), 0);
	cr_assert_eq(report_finding_count(rep), 0);
	report_free(rep);
	ev_store_free(st);
	/* Offline file: no kernel stats, no evidence. */
	cs.live = false;
	st = ev_store_new(0);
	cq_finish(q, &cs, NULL, st);
	cr_assert_null(find(st, EVK_CAPTURE_KERNEL_DROPS));
	ev_store_free(st);
	cq_free(q);
}

/*
 * Originals that cannot go in the time-ordered ring: many frames on one
 * timestamp (coarse clocks) and frames stepping back in time. Their
 * copies must still be found, through the side set.
 */
Test(capture_quality, copies_of_same_timestamp_and_backward_frames)
{
	struct cq *q = cq_new(NULL);
	uint8_t buf[64];
	struct cap_frame fr;
	uint64_t n = 1;
	/* 100 distinct frames on one timestamp, 100 stepping backwards. */
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 100; i++) {
			mkframe(&fr, buf, n++, 5000000, (uint8_t)i);
			cr_assert_eq(cq_frame(q, &fr, NULL), pass == 1,
				     "same-ts frame %d pass %d", i, pass);
		}
		for (int i = 0; i < 100; i++) {
			mkframe(&fr, buf, n++, 4000000 - i * 1000, (uint8_t)i);
			buf[19] = 0x77; /* distinct from the frames above */
			cr_assert_eq(cq_frame(q, &fr, NULL), pass == 1,
				     "backward frame %d pass %d", i, pass);
		}
	}
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_not_null(d);
	cr_assert_eq(num(d, EVF_EXACT), 200);
	cr_assert_eq(num(d, EVF_FIRST_DUPLICATE), 201);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 1);
	ev_store_free(st);
	cq_free(q);
}

/* The side set is bounded like the ring: the oldest are forgotten first. */
Test(capture_quality, side_set_memory_bound)
{
	struct thresholds th;
	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_memory", "1024", NULL), 0);
	struct cq *q = cq_new(&th);
	uint8_t buf[64];
	struct cap_frame fr;
	/* 3000 distinct frames going back in time: all out of order. */
	for (int i = 0; i < 3000; i++) {
		mkframe(&fr, buf, (uint64_t)i + 1, 10000000 - i, (uint8_t)i);
		buf[19] = (uint8_t)(i >> 8);
		cr_assert(!cq_frame(q, &fr, NULL));
	}
	/* Frame 2 (the first in the side set) is forgotten, frame 2990 is not. */
	mkframe(&fr, buf, 3001, 10000000 - 1, 1);
	buf[19] = 0;
	cr_assert(!cq_frame(q, &fr, NULL));
	mkframe(&fr, buf, 3002, 10000000 - 2989, (uint8_t)2989);
	buf[19] = (uint8_t)(2989 >> 8);
	cr_assert(cq_frame(q, &fr, NULL));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_EXACT), 1);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 2990);
	cr_assert_gt(num(d, EVF_FORGOTTEN), 0);
	ev_store_free(st);
	cq_free(q);
}

/* Near candidates leave by time: a copy after the window is not near. */
Test(capture_quality, near_window_expiry_with_many_frames)
{
	struct cq *q = cq_new(NULL); /* window 1 ms */
	uint8_t b[64];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	/* 5000 distinct packets 10 us apart on interface 0 (50 ms). */
	for (int i = 0; i < 5000; i++) {
		mkframe(&fr, b, (uint64_t)i + 1, 1000000 + i * 10000LL, (uint8_t)i);
		b[19] = (uint8_t)(i >> 8);
		fr.iface = 0;
		cr_assert(!cq_frame(q, &fr, &pkt));
	}
	/* Packet 4990 again on interface 1, 0.2 ms after it: near copy. */
	mkframe(&fr, b, 5001, 1000000 + 4990 * 10000LL + 200000, (uint8_t)4990);
	b[19] = (uint8_t)(4990 >> 8);
	fr.iface = 1;
	cr_assert(cq_frame(q, &fr, &pkt));
	/* Packet 100 again on interface 1, ~49 ms later: outside the window. */
	mkframe(&fr, b, 5002, 1000000 + 4999 * 10000LL + 300000, 100);
	b[19] = 0;
	fr.iface = 1;
	cr_assert(!cq_frame(q, &fr, &pkt));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_NEAR), 1);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 4991);
	ev_store_free(st);
	cq_free(q);
}

/* Packet k of the tests below: UDP payload byte and IP id low byte vary. */
static void mkpkt_k(struct cap_frame *fr, uint8_t *b, uint64_t num,
		    int64_t ts, int k, int iface)
{
	mkframe(fr, b, num, ts, (uint8_t)k);
	b[19] = (uint8_t)(k >> 8);
	fr->iface = iface;
}

/*
 * Near candidates leave by count too, and one packet resent many times on
 * one path keeps pointing at its newest frame: 1000 distinct packets, then
 * 69000 frames cycling through 300 others (same path: resends, not
 * copies), all within a 1 s window (0.7 s) -- more than the 65536 candidates
 * kept, so the ring wraps and its index is rebuilt many times.
 */
Test(capture_quality, near_set_count_bound_and_repeated_packets)
{
	struct thresholds th;
	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_window_ms", "1000",
				    NULL), 0);
	struct cq *q = cq_new(&th);
	uint8_t b[64];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	int64_t ts = 1000000;
	uint64_t fno = 0;
	for (int i = 0; i < 1000; i++) {
		mkpkt_k(&fr, b, ++fno, ts += 10000, 1000 + i, 0);
		cr_assert(!cq_frame(q, &fr, &pkt));
	}
	for (int i = 0; i < 69000; i++) {
		mkpkt_k(&fr, b, ++fno, ts += 10000, i % 300, 0);
		cr_assert(!cq_frame(q, &fr, &pkt), "frame %llu",
			  (unsigned long long)fno);
	}
	/* Pool packet 5 on interface 1: its newest frame is 1000 + 68706. */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 5, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	/* Early packet 1010 on interface 1: pushed out by count, not near. */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 1010, 1);
	cr_assert(!cq_frame(q, &fr, &pkt));
	/* Pool packet 299 (the newest frame, 1000 + 69000) on interface 1: near. */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 299, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_NEAR), 2);
	cr_assert_eq(num(d, EVF_EXACT), 0);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 1000 + 68706);
	ev_store_free(st);
	cq_free(q);
}

/*
 * The near ring starts small and grows while it is full of candidates
 * inside the window: candidates from before each growth are still found,
 * and the newest frame of a repeated packet still wins across a growth.
 */
Test(capture_quality, near_ring_growth_keeps_candidates)
{
	struct thresholds th;
	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_window_ms", "1000",
				    NULL), 0);
	struct cq *q = cq_new(&th);
	uint8_t b[64];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	int64_t ts = 1000000;
	uint64_t fno = 0;
	/* 3000 distinct packets 10 us apart (30 ms): the ring doubles 1024 ->
	 * 4096; packet 7 is sent again (same path: a resend) at 2500. */
	for (int i = 0; i < 3000; i++) {
		int k = i == 2500 ? 7 : i;
		mkpkt_k(&fr, b, ++fno, ts += 10000, k, 0);
		cr_assert(!cq_frame(q, &fr, &pkt), "frame %llu",
			  (unsigned long long)fno);
	}
	/* Packet 0 (frame 1, before every growth) on interface 1: near. */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 0, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	/* Packet 1023 (the last before the first growth), 1100 (after it). */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 1023, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, ++fno, ts += 10000, 1100, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	/* Packet 7: its newest frame (2501) is the original now. */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 7, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	/* Not a copy of anything. */
	mkpkt_k(&fr, b, ++fno, ts += 10000, 3001, 1);
	cr_assert(!cq_frame(q, &fr, &pkt));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_NEAR), 4);
	cr_assert_eq(num(d, EVF_EXACT), 0);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 1);
	cr_assert_eq(d->refs[0].id, 3001);
	cr_assert_eq(d->refs[3].id, 3004);
	ev_store_free(st);
	cq_free(q);

	/* Same again with a 1 ms window: candidates age out, and the 2 ms
	 * old packet 0 is no longer a near copy (no growth is needed). */
	q = cq_new(NULL);
	ts = 1000000;
	fno = 0;
	for (int i = 0; i < 3000; i++) {
		mkpkt_k(&fr, b, ++fno, ts += 10000, i, 0);
		cr_assert(!cq_frame(q, &fr, &pkt));
	}
	mkpkt_k(&fr, b, ++fno, ts += 10000, 2999 - 200, 1);
	cr_assert(!cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, ++fno, ts, 2999 - 50, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	cq_free(q);
}

/* Bytes of the test frames below: fixed, distinct per position. */
static void fill_long(uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + 3);
}

/*
 * The fingerprint covers the first 80 and last 16 bytes of each region
 * (all of it up to 96) plus both lengths and the timestamp: a frame equal
 * in those is an exact copy, one differing in a covered byte is not. Every
 * region length from 1 to 130 and every byte position, with and without a
 * link header. (A frame differing only in its link header is a near copy,
 * not an exact one: counted apart.)
 */
Test(capture_quality, fingerprint_covers_head_and_tail_bytes)
{
	struct cq *q = cq_new(NULL);
	uint8_t orig[160], b[160];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	uint64_t fno = 0, exact = 0, near = 0;
	int64_t ts = 1000000;
	for (int withlink = 0; withlink < 2; withlink++) {
		uint32_t off = withlink ? 14 : 0;
		for (uint32_t n = 1; n <= 130; n++) {
			uint32_t len = off + n;
			fill_long(orig, len);
			orig[0] = (uint8_t)n; /* distinct per length */
			memset(&fr, 0, sizeof(fr));
			fr.linktype = LINKTYPE_ETHERNET;
			fr.iface = -1;
			fr.caplen = fr.wirelen = len;
			fr.ts_ns = ts += 1000;
			fr.num = ++fno;
			fr.data = orig;
			const struct packet *pp = withlink ? &pkt : NULL;
			cr_assert(!cq_frame(q, &fr, pp));
			/* The same bytes again: a copy. */
			memcpy(b, orig, len);
			fr.data = b;
			fr.num = ++fno;
			cr_assert(cq_frame(q, &fr, pp), "n %u link %d", n, withlink);
			exact++;
			/* Same bytes, another wire length: not a copy. */
			fr.num = ++fno;
			fr.wirelen = len + 1;
			cr_assert(!cq_frame(q, &fr, pp));
			fr.wirelen = len;
			for (uint32_t j = 0; j < len; j++) {
				/* A byte of the link header, or of the region. */
				uint32_t r = j < off ? j : j - off;
				uint32_t rn = j < off ? off : n;
				bool covered = rn <= 96 || r < 80 || r >= rn - 16;
				memcpy(b, orig, len);
				b[j] ^= 0x40;
				fr.num = ++fno;
				bool is_near = covered && j < off;
				cr_assert_eq(cq_frame(q, &fr, pp),
					     !covered || is_near,
					     "n %u link %d byte %u", n, withlink, j);
				exact += !covered;
				near += is_near;
			}
		}
	}
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_EXACT), (int64_t)exact);
	cr_assert_eq(num(d, EVF_NEAR), (int64_t)near);
	cr_assert_gt(exact, 260 + 100);
	cr_assert_eq(near, 130 * 14);
	ev_store_free(st);
	cq_free(q);
}

/* Feeds packet k as frame num at ts (exact duplicates only: no decode). */
static bool feed(struct cq *q, uint64_t num, int64_t ts, int k)
{
	uint8_t b[64];
	struct cap_frame fr;
	mkpkt_k(&fr, b, num, ts, k, -1);
	return cq_frame(q, &fr, NULL);
}

static struct cq *cq_mem(const char *memory)
{
	struct thresholds th;
	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_memory", memory,
				    NULL), 0);
	return cq_new(&th);
}

static void expect_dups(struct cq *q, int64_t exact, uint64_t first_dup,
			uint64_t first_orig, int64_t forgotten)
{
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_not_null(d);
	cr_assert_eq(num(d, EVF_EXACT), exact);
	cr_assert_eq(num(d, EVF_FIRST_DUPLICATE), (int64_t)first_dup);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), (int64_t)first_orig);
	cr_assert_eq(num(d, EVF_FORGOTTEN), forgotten);
	ev_store_free(st);
}

/*
 * The time-ordered ring keeps the low 32 bits of timestamps while it spans
 * less than 2^32 ns: 3000 frames 100 ns apart from -250 us, crossing 0
 * (where the low half wraps), in a ring of 1024 that wraps too. Copies of
 * remembered frames on both sides of 0 are found with their numbers;
 * forgotten ones and timestamps between entries are not.
 */
Test(capture_quality, time_ring_wraps_with_narrow_timestamps)
{
	struct cq *q = cq_mem("1024");
	int64_t t0 = -250000;
	for (int i = 0; i < 3000; i++)
		cr_assert(!feed(q, (uint64_t)i + 1, t0 + i * 100LL, i));
	cr_assert(feed(q, 3001, t0 + 2490 * 100LL, 2490)); /* ts < 0 */
	cr_assert(feed(q, 3002, t0 + 2510 * 100LL, 2510)); /* ts > 0 */
	cr_assert(feed(q, 3003, t0 + 2999 * 100LL, 2999)); /* the newest */
	cr_assert(feed(q, 3004, t0 + 1976 * 100LL, 1976)); /* the oldest */
	cr_assert(!feed(q, 3005, t0 + 1975 * 100LL, 1975)); /* forgotten */
	cr_assert(!feed(q, 3006, t0 + 2510 * 100LL + 50, 2510)); /* between */
	/* Far older than the ring (by more than 2^32 ns): not there. */
	cr_assert(!feed(q, 3007, t0 - (5LL << 32), 2490));
	/* 3000 - 1024 pushed out of the ring; 3 in the side set. */
	expect_dups(q, 4, 3001, 2491, 3000 - 1024);
	cq_free(q);
}

/*
 * A ring spanning 2^32 ns or more keeps the high halves too: frames 1.5 s
 * apart (a span past 4.29 s after 4 frames), then with the span back
 * under 2^32 (1 us apart) -- found exactly either way, across the wrap.
 */
Test(capture_quality, time_ring_wide_timestamps)
{
	struct cq *q = cq_mem("1024");
	int64_t ts = 1700000000000000000LL;
	for (int i = 0; i < 1500; i++) {
		ts += i < 1000 ? 1500000000LL : 1000;
		cr_assert(!feed(q, (uint64_t)i + 1, ts, i));
	}
	/* Frame 700: 1.5 s steps, 700 - 476 = 224th oldest. */
	int64_t t700 = 1700000000000000000LL + 700 * 1500000000LL;
	cr_assert(feed(q, 1501, t700, 699));
	cr_assert(!feed(q, 1502, t700 + 1000, 699));
	int64_t t1400 = 1700000000000000000LL + 1000 * 1500000000LL + 400 * 1000LL;
	cr_assert(feed(q, 1503, t1400, 1399));
	cr_assert(!feed(q, 1504, 1700000000000000000LL + 476 * 1500000000LL, 475));
	cr_assert(feed(q, 1505, 1700000000000000000LL + 477 * 1500000000LL, 476));
	expect_dups(q, 3, 1501, 700, 1500 - 1024);
	cq_free(q);
}

/*
 * Frame numbers past 2^32 (a capture of more than 4 G frames): the ring
 * keeps their high halves from the first one on, exactly.
 */
Test(capture_quality, time_ring_frame_numbers_past_4g)
{
	uint64_t base = (1ull << 32) - 600; /* frames cross 2^32 halfway */
	for (int run = 0; run < 2; run++) {
		struct cq *q = cq_mem("1024");
		for (int i = 0; i < 1500; i++)
			cr_assert(!feed(q, base + (uint64_t)i, 1000000 + i * 1000LL, i));
		/* run 0: the first copy is of a frame below 2^32, run 1 above. */
		int k = run ? 1400 : 500;
		cr_assert(feed(q, base + 1500, 1000000 + k * 1000LL, k));
		cr_assert(feed(q, base + 1501, 1000000 + (900 - run) * 1000LL,
			       900 - run));
		expect_dups(q, 2, base + 1500, base + (uint64_t)k, 1500 - 1024);
		cq_free(q);
	}
	/* Numbers far apart in both halves, one frame each. */
	struct cq *q = cq_mem("1024");
	cr_assert(!feed(q, 7, 1000, 1));
	cr_assert(!feed(q, 0x123456789abcull, 2000, 2));
	cr_assert(!feed(q, UINT64_MAX - 1, 3000, 3));
	cr_assert(feed(q, UINT64_MAX, 2000, 2));
	cr_assert(feed(q, 8, 1000, 1));
	expect_dups(q, 2, UINT64_MAX, 0x123456789abcull, 0);
	cq_free(q);
}

/*
 * Near copies against a plain model: every frame has its own timestamp
 * (so no exact copies), packets are drawn from a small pool, paths
 * (link header, interface, file) vary, time mostly moves forward in small
 * steps and sometimes jumps back. The model keeps candidates in a FIFO of
 * CQ_NEAR_ENTRIES, drops the oldest while it is older than the window (or
 * the FIFO is full), and finds the newest candidate with the same IP
 * bytes: a copy when within the window on another path, else the frame
 * becomes a candidate. cq_frame must answer the same for every frame.
 */
struct mcand {
	int64_t ts;
	uint64_t num;
	int path;
};

/* Model: FIFO of candidates by sequence number, newest one per packet. */
struct model {
	struct mcand *c;     /* CQ_NEAR_ENTRIES, by seq mod that */
	uint64_t *newest;    /* per pool packet: 1 + seq of its newest */
	uint64_t next, tail; /* seq of the next candidate, of the oldest */
	int64_t window;
	uint64_t dups, first_dup, first_orig;
	uint64_t frames[EV_MAX_FRAMES];
};

static bool m_aged(int64_t now, int64_t then, int64_t limit)
{
	return now > then && (uint64_t)now - (uint64_t)then > (uint64_t)limit;
}

static bool m_frame(struct model *m, int64_t ts, uint64_t num, int pk, int path)
{
	while (m->tail < m->next) {
		const struct mcand *o = &m->c[m->tail % CQ_NEAR_ENTRIES];
		if (!m_aged(ts, o->ts, m->window) &&
		    m->next - m->tail < CQ_NEAR_ENTRIES)
			break;
		m->tail++;
	}
	uint64_t s = m->newest[pk];
	if (s && s - 1 >= m->tail) { /* the newest candidate decides */
		const struct mcand *o = &m->c[(s - 1) % CQ_NEAR_ENTRIES];
		uint64_t dt = ts > o->ts ? (uint64_t)ts - (uint64_t)o->ts
					 : (uint64_t)o->ts - (uint64_t)ts;
		if (dt <= (uint64_t)m->window && o->path != path) {
			if (!m->dups) {
				m->first_dup = num;
				m->first_orig = o->num;
			}
			if (m->dups < EV_MAX_FRAMES)
				m->frames[m->dups] = num;
			m->dups++;
			return true;
		}
	}
	m->c[m->next % CQ_NEAR_ENTRIES] =
		(struct mcand){ .ts = ts, .num = num, .path = path };
	m->newest[pk] = ++m->next;
	return false;
}

static uint64_t rnd(uint64_t *s)
{
	*s += 0x9e3779b97f4a7c15ULL;
	uint64_t z = *s;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Path (link header variant 0..2, interface, file) numbered 0..11. */
static int path_of(int x, uint32_t *ll)
{
	static const uint32_t link_len[3] = { 0, 14, 18 };
	int lv = x % 3;
	*ll = link_len[lv];
	return lv | ((x / 3) % 2) << 2 | ((x / 6) % 2) << 3;
}

/*
 * One run: n frames; a timestamp is walk * 2^17 + the frame's index (so
 * all differ); p_same (per 1024) of steps keep the walk, else it moves
 * 1..3 units (131 us each) on, p_back (per 1024) jump back 1..40 units
 * (not below t0). Packets are IPv4 or IPv6 between 15 address pairs. Up
 * to frame `consistent` each pair has one path (the paths change once, at
 * frame gap_at, after a pause of `pause` units), then paths are random.
 * (The 30 address pairs fall in distinct path buckets of capture_quality.c,
 * so the index is first needed where the paths change or turn random.)
 */
static void near_model_run(const char *window_ms, int64_t t0, int n,
			   int p_same, int p_back, int pool, uint64_t seed,
			   int consistent, int gap_at, int pause)
{
	struct thresholds th;
	thresholds_init(&th);
	cr_assert_eq(thresholds_set(&th, "capture.duplicate_window_ms",
				    window_ms, NULL), 0);
	struct cq *q = cq_new(&th);
	cr_assert_not_null(q);
	struct model m = { .window = (int64_t)(th_get(&th,
			TH_CAPTURE_DUPLICATE_WINDOW_MS) * 1e6) };
	m.c = calloc(CQ_NEAR_ENTRIES, sizeof(*m.c));
	m.newest = calloc((size_t)pool, sizeof(*m.newest));
	cr_assert(m.c && m.newest);
	uint8_t b[18 + 100];
	int64_t walk = 0;
	int shift = 0;
	for (int i = 0; i < n; i++) {
		uint64_t r = rnd(&seed);
		if ((int)(r & 1023) >= p_same)
			walk += 1 + (int64_t)((r >> 10) % 3);
		if ((int)((r >> 12) & 1023) < p_back)
			walk -= 1 + (int64_t)((r >> 22) % 40);
		if (walk < 0)
			walk = 0;
		if (i == gap_at) {
			walk += pause;
			shift++;
		}
		int64_t ts = t0 + walk * (1 << 17) + i;
		int pk = (int)((r >> 28) % (uint64_t)pool);
		int pair = pk % 15;
		uint32_t ll;
		int path;
		if (i < consistent)
			path = path_of(pair + shift, &ll);
		else
			path = path_of((int)((r >> 40) % 12), &ll);
		int iface = path >> 2 & 1, file = path >> 3;
		/* Link header: distinct bytes per variant. */
		for (uint32_t k = 0; k < ll; k++)
			b[k] = (uint8_t)((path & 3) * 31 + k);
		/* IP packet: 20..96 bytes (all covered), the pool index in it. */
		uint32_t il = 20 + (uint32_t)pk % 77;
		uint8_t *ip = b + ll;
		for (uint32_t k = 0; k < il; k++)
			ip[k] = (uint8_t)(k * 13 + 1);
		if (il >= 40 && pk % 2) {
			ip[0] = 0x60;
			for (int k = 0; k < 32; k++) /* source, destination */
				ip[8 + k] = (uint8_t)(pair * 16 + k);
		} else {
			ip[0] = 0x45;
			memset(ip + 12, pair % 5 + 1, 4);
			memset(ip + 16, pair / 5 + 1, 4);
		}
		ip[4] = (uint8_t)pk;
		ip[5] = (uint8_t)(pk >> 8);
		ip[6] = (uint8_t)(pk >> 16);
		struct cap_frame fr = { .num = (uint64_t)i + 1, .ts_ns = ts,
					.caplen = ll + il, .wirelen = ll + il,
					.linktype = LINKTYPE_ETHERNET,
					.iface = iface, .file = file, .data = b };
		struct packet pkt;
		mkpkt(&pkt);
		pkt.ip[0].off = (uint16_t)ll;
		/* A few frames without a decoded IP packet: never candidates. */
		bool noip = (r >> 54) % 64 == 0;
		bool want = noip ? false : m_frame(&m, ts, fr.num, pk, path);
		bool got = cq_frame(q, &fr, noip ? NULL : &pkt);
		cr_assert_eq(got, want, "frame %d (window %s ms)", i + 1,
			     window_ms);
	}
	struct ev_store *st = ev_store_new(0);
	cr_assert_eq(cq_finish(q, NULL, NULL, st), 0);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert(m.dups > 0, "the run must produce near copies");
	cr_assert_not_null(d);
	cr_assert_eq(num(d, EVF_NEAR), (int64_t)m.dups);
	cr_assert_eq(num(d, EVF_EXACT), 0);
	cr_assert_eq(num(d, EVF_FIRST_DUPLICATE), (int64_t)m.first_dup);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), (int64_t)m.first_orig);
	for (int k = 0; k < EV_MAX_FRAMES && (uint64_t)k < m.dups; k++)
		cr_assert_eq(d->refs[k].id, m.frames[k]);
	ev_store_free(st);
	free(m.c);
	free(m.newest);
	cq_free(q);
}

Test(capture_quality, near_copies_match_a_plain_model)
{
	/* ~80 candidates in a 1 ms window, time going back now and then. */
	near_model_run("1", 1700000000000000000LL, 60000, 900, 8, 200, 1, 0,
		       -1, 0);
	/* No time steps back; a 0.5 ms window. */
	near_model_run("0.5", 1700000000000000000LL, 20000, 990, 0, 50, 2, 0,
		       -1, 0);
	/* 1 s window: more than CQ_NEAR_ENTRIES candidates (ring growth,
	 * eviction by count), long backward jumps. */
	near_model_run("1000", 1700000000000000000LL, 110000, 1000 - 8, 20,
		       300, 3, 0, -1, 0);
	/* Same with most packets seen once: candidates leave by count
	 * before their copy comes. */
	near_model_run("1000", 1700000000000000000LL, 110000, 1000 - 8, 20,
		       20000, 5, 0, -1, 0);
	/* Timestamps next to INT64_MIN: now - window would overflow. */
	near_model_run("1", INT64_MIN, 30000, 1000 - 100, 60, 100, 4, 0, -1, 0);
	/* One path per address pair (resends on it are no copies), the
	 * paths changing after a pause, then copies from frame 40000 on:
	 * candidates from before must be found. */
	near_model_run("1", 1700000000000000000LL, 60000, 900, 8, 200, 6,
		       40000, 20000, 100);
	/* The same with the paths changing without a pause, and in a 1 s
	 * window past the count bound. */
	near_model_run("1", 1700000000000000000LL, 60000, 900, 8, 200, 7,
		       40000, 30000, 0);
	near_model_run("1000", 1700000000000000000LL, 110000, 1000 - 8, 20,
		       3000, 8, 90000, -1, 0);
	/* Time often going back while the paths are consistent (expiry is
	 * deferred then), in a small and a large window. */
	near_model_run("0.5", 1700000000000000000LL, 60000, 700, 150, 200, 9,
		       50000, -1, 0);
	near_model_run("5", 1700000000000000000LL, 60000, 900, 100, 500, 10,
		       50000, 25000, 60);
}

/*
 * The window is inclusive, for matching and for keeping candidates: a
 * copy exactly window_ms later is near, 1 ns later it is not, and a
 * candidate stays while unrelated frames arrive exactly window_ms later.
 */
Test(capture_quality, near_window_boundary)
{
	struct cq *q = cq_new(NULL); /* 1 ms */
	uint8_t b[64];
	struct cap_frame fr;
	struct packet pkt;
	mkpkt(&pkt);
	const int64_t w = 1000000, t = 5000000000LL;
	mkpkt_k(&fr, b, 1, t, 1, 0);
	cr_assert(!cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, 2, t + w, 2, 0); /* ages nothing: exactly w */
	cr_assert(!cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, 3, t + w, 1, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, 4, t + 3 * w, 3, 0);
	cr_assert(!cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, 5, t + 4 * w + 1, 3, 1); /* 1 ns too late */
	cr_assert(!cq_frame(q, &fr, &pkt));
	/* Time going back: a candidate stored behind a newer one is kept
	 * with it and matched within the window. */
	mkpkt_k(&fr, b, 6, t + 10 * w, 4, 0);
	cr_assert(!cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, 7, t + 8 * w, 5, 0);
	cr_assert(!cq_frame(q, &fr, &pkt));
	mkpkt_k(&fr, b, 8, t + 9 * w, 5, 1);
	cr_assert(cq_frame(q, &fr, &pkt));
	struct ev_store *st = ev_store_new(0);
	cq_finish(q, NULL, NULL, st);
	const struct evidence *d = find(st, EVK_CAPTURE_DUPLICATE);
	cr_assert_eq(num(d, EVF_NEAR), 2);
	cr_assert_eq(num(d, EVF_FIRST_ORIGINAL), 1);
	cr_assert_eq(d->refs[1].id, 8);
	ev_store_free(st);
	cq_free(q);
}
