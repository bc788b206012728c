// SPDX-License-Identifier: MIT
/*
 * Decode limits: deep VLAN stacks and nested GRE/VXLAN tunnels. Within the
 * limits the inner TCP is reached; beyond them the frame is flagged, counted
 * by the capture-quality analyzer and reported (capture.decode_depth and the
 * frames_too_deep counter), never dropped silently.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/capture_quality.h"
#include "analyze/pipeline.h"
#include "rules/engine.h"
#include "rules/rules.h"

/* A frame built inside out: each header is prepended to what it carries. */
struct fb {
	uint8_t b[8192];
	size_t start; /* first byte of the frame in b */
};

static size_t fb_len(const struct fb *f)
{
	return sizeof(f->b) - f->start;
}

static uint8_t *fb_push(struct fb *f, size_t n)
{
	cr_assert_geq(f->start, n, "test frame buffer too small");
	f->start -= n;
	return f->b + f->start;
}

static void be16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* TCP SYN 1234 -> 80, seq 1, 20-byte header. */
static void fb_init_tcp(struct fb *f)
{
	f->start = sizeof(f->b);
	uint8_t *t = fb_push(f, 20);
	memset(t, 0, 20);
	be16(t, 1234);
	be16(t + 2, 80);
	t[7] = 1;    /* seq */
	t[12] = 0x50; /* data offset 5 */
	t[13] = 0x02; /* SYN */
	be16(t + 14, 65535);
}

/* IPv4 10.0.0.1 -> 10.0.0.2 carrying everything behind it. */
static void fb_ipv4(struct fb *f, uint8_t proto)
{
	size_t len = fb_len(f) + 20;
	uint8_t *h = fb_push(f, 20);
	static const uint8_t ip[20] = {
		0x45, 0, 0, 0,	/* ver/ihl, tos, total length (below) */
		0, 1, 0, 0,	/* id, flags */
		64, 0, 0, 0,	/* ttl, protocol (below), checksum */
		10, 0, 0, 1,	/* source */
		10, 0, 0, 2,	/* destination */
	};
	memcpy(h, ip, 20);
	be16(h + 2, len);
	h[9] = proto;
}

static void fb_eth(struct fb *f, uint16_t type)
{
	uint8_t *e = fb_push(f, 14);
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	memcpy(e, mac, 12);
	be16(e + 12, type);
}

/* One VXLAN level: Ethernet + IPv4 + UDP 4789 + VXLAN around the frame. */
static void fb_vxlan(struct fb *f)
{
	uint8_t *v = fb_push(f, 8);
	memset(v, 0, 8);
	v[0] = 0x08; /* VNI present */
	v[6] = 1;    /* VNI 1 */
	size_t ulen = fb_len(f) + 8;
	uint8_t *u = fb_push(f, 8);
	memset(u, 0, 8);
	be16(u, 5555);
	be16(u + 2, 4789);
	be16(u + 4, ulen);
	fb_ipv4(f, 17);
	fb_eth(f, 0x0800);
}

/* One GRE level: IPv4 + GRE (no options, IPv4 inside). */
static void fb_gre(struct fb *f)
{
	uint8_t *g = fb_push(f, 4);
	g[0] = g[1] = 0;
	be16(g + 2, 0x0800);
	fb_ipv4(f, 47);
}

/* n GRE levels carrying Ethernet (TEB, 0x6558): two encapsulations each. */
static void fb_gres_teb(struct fb *f, int n)
{
	fb_init_tcp(f);
	fb_ipv4(f, 6);
	for (int i = 0; i < n; i++) {
		fb_eth(f, 0x0800);
		uint8_t *g = fb_push(f, 4);
		g[0] = g[1] = 0;
		be16(g + 2, 0x6558);
		fb_ipv4(f, 47);
	}
	fb_eth(f, 0x0800);
}

/* Ethernet + n 802.1Q tags + IPv4 + TCP. */
static void fb_vlans(struct fb *f, int n)
{
	fb_init_tcp(f);
	fb_ipv4(f, 6);
	for (int i = n - 1; i >= 0; i--) {
		uint8_t *t = fb_push(f, 4);
		be16(t, (size_t)(100 + i));
		be16(t + 2, i == n - 1 ? 0x0800 : 0x8100);
	}
	fb_eth(f, 0x8100);
}

/* n VXLAN levels around Ethernet + IPv4 + TCP. */
static void fb_vxlans(struct fb *f, int n)
{
	fb_init_tcp(f);
	fb_ipv4(f, 6);
	fb_eth(f, 0x0800);
	for (int i = 0; i < n; i++)
		fb_vxlan(f);
}

/* n GRE levels around IPv4 + TCP, in Ethernet. */
static void fb_gres(struct fb *f, int n)
{
	fb_init_tcp(f);
	fb_ipv4(f, 6);
	for (int i = 0; i < n; i++)
		fb_gre(f);
	fb_eth(f, 0x0800);
}

static enum decode_result dec(struct packet *p, const struct fb *f)
{
	return decode_frame(p, LINKTYPE_ETHERNET, f->b + f->start,
			    (uint32_t)fb_len(f), (uint32_t)fb_len(f));
}

/* The innermost transport header is our TCP SYN 1234 -> 80. */
static bool reaches_tcp(const struct packet *p)
{
	if (p->n_l4 == 0)
		return false;
	const struct pkt_l4 *l = &p->l4[p->n_l4 - 1];
	return l->proto == 6 && l->sport == 1234 && l->dport == 80 &&
	       (l->u.tcp.flags & TCP_F_SYN);
}

Test(decode_depth, vlan_64_tags_flagged)
{
	struct fb f;
	struct packet p;
	fb_vlans(&f, 64);
	dec(&p, &f);
	cr_assert_not(reaches_tcp(&p));
	cr_assert(p.too_deep & PL_LAYERS, "too_deep %#x", p.too_deep);
	cr_assert_eq(p.n_layers, PKT_MAX_LAYERS);
	cr_assert_eq(p.anom[0].code, PA_DEPTH);
}

/* tshark 4.0 follows 20 tags; so do we, and more. */
Test(decode_depth, vlan_20_tags_reach_tcp)
{
	struct fb f;
	struct packet p;
	fb_vlans(&f, 20);
	cr_assert_eq(dec(&p, &f), DECODE_OK);
	cr_assert(reaches_tcp(&p));
	cr_assert_eq(p.too_deep, 0);
}

/* The documented guarantee: 8 nested tunnels reach the inner TCP. */
Test(decode_depth, vxlan_8_levels_reach_tcp)
{
	struct fb f;
	struct packet p;
	fb_vxlans(&f, 8);
	cr_assert_eq(dec(&p, &f), DECODE_OK);
	cr_assert(reaches_tcp(&p), "n_l4 %u", p.n_l4);
	cr_assert_eq(p.too_deep, 0);
	cr_assert_eq(p.n_ip, 9);
	cr_assert(p.tunnels & PT_VXLAN);
}

Test(decode_depth, gre_8_levels_reach_tcp)
{
	struct fb f;
	struct packet p;
	fb_gres(&f, 8);
	cr_assert_eq(dec(&p, &f), DECODE_OK);
	cr_assert(reaches_tcp(&p), "n_l4 %u", p.n_l4);
	cr_assert_eq(p.too_deep, 0);
	cr_assert(p.tunnels & PT_GRE);
}

/* The widest case for the encapsulation limit: 2 entered per level. */
Test(decode_depth, gre_teb_8_levels_reach_tcp)
{
	struct fb f;
	struct packet p;
	fb_gres_teb(&f, 8);
	cr_assert_eq(dec(&p, &f), DECODE_OK);
	cr_assert(reaches_tcp(&p), "n_l4 %u", p.n_l4);
	cr_assert_eq(p.too_deep, 0);
	fb_gres_teb(&f, 10);
	dec(&p, &f);
	cr_assert_not(reaches_tcp(&p));
	cr_assert_neq(p.too_deep, 0); /* IP headers run out first */
}

/* tshark reaches the TCP at 30 levels; we stop at the limit and say so. */
Test(decode_depth, vxlan_and_gre_30_levels_flagged)
{
	struct fb f;
	struct packet p;
	fb_vxlans(&f, 30);
	dec(&p, &f);
	cr_assert_not(reaches_tcp(&p));
	cr_assert_neq(p.too_deep, 0);
	cr_assert_leq(p.n_ip, PKT_MAX_IP);
	fb_gres(&f, 30);
	dec(&p, &f);
	cr_assert_not(reaches_tcp(&p));
	cr_assert_neq(p.too_deep, 0);
}

static void write_pcap(FILE *o, const struct fb *const *frames, int n)
{
	static const uint8_t hdr[24] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, /* magic LE, version 2.4 */
		0, 0, 0, 0, 0, 0, 0, 0,		    /* thiszone, sigfigs */
		0xff, 0xff, 0, 0, 1, 0, 0, 0,	    /* snaplen 65535, Ethernet */
	};
	cr_assert_eq(fwrite(hdr, 1, sizeof(hdr), o), sizeof(hdr));
	for (int i = 0; i < n; i++) {
		uint32_t len = (uint32_t)fb_len(frames[i]);
		uint32_t rec[4] = { (uint32_t)i + 1, 0, len, len }; /* host LE */
		cr_assert_eq(fwrite(rec, 1, sizeof(rec), o), sizeof(rec));
		cr_assert_eq(fwrite(frames[i]->b + frames[i]->start, 1, len, o),
			     len);
	}
}

static int64_t num(const struct evidence *e, enum ev_field f)
{
	int64_t v = -1;
	cr_assert(ev_get_i64(e, f, &v), "%s missing", ev_field_name(f));
	return v;
}

static int collect(void *arg, struct finding *f)
{
	struct finding **out = arg;
	cr_assert_null(*out, "one finding expected");
	*out = f;
	return 0;
}

/* Through the pipeline: counted, in evidence, and a finding that says why. */
Test(decode_depth, pipeline_counts_and_reports)
{
	static struct fb vl, gr, vx;
	fb_vlans(&vl, 64);
	fb_gres(&gr, 30);
	fb_vxlans(&vx, 8);
	const struct fb *frames[] = { &vl, &gr, &vx };
	char path[] = "/tmp/netdx-depth-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *o = fdopen(fd, "wb");
	cr_assert_not_null(o);
	write_pcap(o, frames, 3);
	cr_assert_eq(fclose(o), 0);

	struct pipeline_opts po;
	struct pipeline *p = NULL;
	struct nd_err e = { 0 };
	struct ev_store *st = ev_store_new(0);
	const char *paths[] = { path };
	pipeline_opts_default(&po);
	po.limits.max_flows = 64;
	po.ev = st;
	cr_assert_eq(pipeline_new(&p, &po, NULL, &e), 0);
	cr_assert_eq(pipeline_open(p, paths, 1, NULL, &e), 0, "%s", e.msg);
	cr_assert_eq(pipeline_run(p, &e), 0, "%s", e.msg);
	unlink(path);

	cr_assert_eq(pipeline_frames(p), 3);
	cr_assert_eq(pipeline_too_deep(p), 2);
	size_t pos = 0;
	const struct evidence *ev = ev_store_next(st, EVK_CAPTURE_DECODE_DEPTH, &pos);
	cr_assert_not_null(ev);
	cr_assert_eq(num(ev, EVF_FRAMES), 3);
	cr_assert_eq(num(ev, EVF_TOO_DEEP), 2);
	cr_assert_eq(num(ev, EVF_BY_LAYERS), 1); /* the VLAN stack */
	cr_assert_eq(num(ev, EVF_MAX_LAYERS), PKT_MAX_LAYERS);
	cr_assert_eq(ev->ref_count, 2);
	cr_assert_eq(ev->refs[0].id, 1);
	cr_assert_eq(ev->refs[1].id, 2);

	/* The 8-level VXLAN frame's inner TCP made a flow. */
	struct flow_table_stats fs;
	flow_table_get_stats(pipeline_flows(p), &fs);
	cr_assert_geq(fs.created, 2);

	struct thresholds th;
	thresholds_init(&th);
	struct finding *f = NULL;
	const struct rule *r = rules_find("capture.decode_depth");
	cr_assert_not_null(r);
	cr_assert_eq(engine_run_rule(r, st, &th, collect, &f), 0);
	cr_assert_not_null(f);
	cr_assert_str_eq(f->id, "capture.decode_depth");
	cr_assert_eq(f->severity, SEV_LOW);
	cr_assert_eq(f->n_lines, 3, "lines %zu", (size_t)f->n_lines);
	cr_assert_str_eq(f->lines[0], "2 of 3 frames not decoded past a decode limit");
	cr_assert_str_eq(f->lines[1], "1 frames: more than 64 headers");
	finding_free(f);
	pipeline_free(p);
	ev_store_free(st);
}
