// SPDX-License-Identifier: MIT
/* Evidence export and the pcap writer: crafted captures in, exact frames out. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/evidence_export.h"
#include "capture/capture.h"
#include "capture/pcap_write.h"
#include "decode/packet.h"
#include "flow/flow.h"

/* ---- packets ---- */

/* Ethernet / IPv4 10.0.0.1 -> 10.0.0.2 / TCP 1000 -> 80 SYN (flow X). */
static const uint8_t eth_tcp_ab[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* src MAC */
	0x08, 0x00,			    /* IPv4 */
	0x45, 0x00, 0x00, 0x28,		    /* v4, ihl 5, total 40 */
	0x00, 0x01, 0x00, 0x00,		    /* id 1, no fragment */
	0x40, 0x06, 0x00, 0x00,		    /* ttl 64, TCP, checksum */
	0x0a, 0x00, 0x00, 0x01,		    /* src 10.0.0.1 */
	0x0a, 0x00, 0x00, 0x02,		    /* dst 10.0.0.2 */
	0x03, 0xe8, 0x00, 0x50,		    /* sport 1000, dport 80 */
	0x00, 0x00, 0x00, 0x01,		    /* seq 1 */
	0x00, 0x00, 0x00, 0x00,		    /* ack 0 */
	0x50, 0x02, 0xff, 0xff,		    /* offset 5, SYN, window */
	0x00, 0x00, 0x00, 0x00,		    /* checksum, urgent */
};

/* Ethernet / IPv4 10.0.0.2 -> 10.0.0.1 / TCP 80 -> 1000 SYN-ACK (flow X). */
static const uint8_t eth_tcp_ba[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* src MAC */
	0x08, 0x00,			    /* IPv4 */
	0x45, 0x00, 0x00, 0x28,		    /* v4, ihl 5, total 40 */
	0x00, 0x02, 0x00, 0x00,		    /* id 2 */
	0x40, 0x06, 0x00, 0x00,		    /* ttl 64, TCP */
	0x0a, 0x00, 0x00, 0x02,		    /* src 10.0.0.2 */
	0x0a, 0x00, 0x00, 0x01,		    /* dst 10.0.0.1 */
	0x00, 0x50, 0x03, 0xe8,		    /* sport 80, dport 1000 */
	0x00, 0x00, 0x00, 0x64,		    /* seq 100 */
	0x00, 0x00, 0x00, 0x02,		    /* ack 2 */
	0x50, 0x12, 0xff, 0xff,		    /* offset 5, SYN+ACK, window */
	0x00, 0x00, 0x00, 0x00,
};

/* Ethernet / IPv4 10.0.0.3 -> 10.0.0.4 / UDP 53 -> 5353 (flow Y). */
static const uint8_t eth_udp[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x04, /* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x03, /* src MAC */
	0x08, 0x00,			    /* IPv4 */
	0x45, 0x00, 0x00, 0x1c,		    /* total 28 */
	0x00, 0x03, 0x00, 0x00,
	0x40, 0x11, 0x00, 0x00,		    /* UDP */
	0x0a, 0x00, 0x00, 0x03,		    /* src 10.0.0.3 */
	0x0a, 0x00, 0x00, 0x04,		    /* dst 10.0.0.4 */
	0x00, 0x35, 0x14, 0xe9,		    /* sport 53, dport 5353 */
	0x00, 0x08, 0x00, 0x00,		    /* length 8, checksum */
};

/*
 * Ethernet / IPv4 10.0.0.9 -> 10.0.0.1 / ICMP port unreachable quoting
 * flow X's SYN (IP + full TCP header): must not count as flow X.
 */
static const uint8_t eth_icmp_quote[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* dst MAC */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x09, /* src MAC */
	0x08, 0x00,			    /* IPv4 */
	0x45, 0x00, 0x00, 0x44,		    /* total 68 = 20 + 8 + 20 + 20 */
	0x00, 0x04, 0x00, 0x00,
	0x40, 0x01, 0x00, 0x00,		    /* ICMP */
	0x0a, 0x00, 0x00, 0x09,		    /* src 10.0.0.9 */
	0x0a, 0x00, 0x00, 0x01,		    /* dst 10.0.0.1 */
	0x03, 0x03, 0x00, 0x00,		    /* type 3 code 3, checksum */
	0x00, 0x00, 0x00, 0x00,		    /* unused */
	/* quoted IPv4 10.0.0.1 -> 10.0.0.2 TCP */
	0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x06, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01,
	0x0a, 0x00, 0x00, 0x02,
	/* quoted TCP 1000 -> 80 SYN */
	0x03, 0xe8, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x00,
};

/* LINKTYPE_RAW records reuse eth_tcp_ab without its 14-byte Ethernet header. */
#define RAW_OFF 14

/* ---- capture files ---- */

struct rec {
	int64_t ts_ns;
	const uint8_t *data;
	uint32_t len;
};

/* A scratch directory per test (no shared state between tests). */
struct tdir {
	char path[32];
	char buf[4][256]; /* path_in results, rotating */
	int k;
};

static void tdir_make(struct tdir *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "/tmp/netdx-evXXXXXX");
	cr_assert_not_null(mkdtemp(d->path));
}

static void tdir_rm(struct tdir *d)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
	cr_expect_eq(system(cmd), 0);
}

static char *path_in(struct tdir *d, const char *name)
{
	char tmp[256];
	char *r = d->buf[d->k++ & 3];
	/* Via a local: gcc's -Wrestrict cannot tell name is not in d. */
	snprintf(tmp, sizeof(tmp), "%s/%s", d->path, name);
	memcpy(r, tmp, sizeof(tmp));
	return r;
}

/* Writes a classic pcap through our own writer (covers pcapw too). */
static void write_pcap(const char *path, int lt, const struct rec *r, size_t n)
{
	struct nd_err e = { 0 };
	FILE *fp = fopen(path, "wb");
	cr_assert_not_null(fp);
	struct pcapw *w = pcapw_new(fp, PCAPW_PCAP, 65535);
	cr_assert_not_null(w);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(pcapw_write(w, lt, r[i].ts_ns, r[i].data, r[i].len,
					 r[i].len, &e), 0, "%s", e.msg);
	cr_assert_eq(pcapw_finish(w, lt, &e), 0);
	cr_assert_eq(pcapw_records(w), n);
	pcapw_free(w);
	cr_assert_eq(fclose(fp), 0);
}

#define S 1000000000LL

/* File A (Ethernet): frames 1..6 at 1 s .. 6 s. */
static const char *make_a(struct tdir *d)
{
	const struct rec a[] = {
		{ 1 * S, eth_tcp_ab, sizeof(eth_tcp_ab) },	   /* 1: X */
		{ 2 * S, eth_udp, sizeof(eth_udp) },		   /* 2: Y */
		{ 3 * S, eth_tcp_ba, sizeof(eth_tcp_ba) },	   /* 3: X */
		{ 4 * S, eth_icmp_quote, sizeof(eth_icmp_quote) }, /* 4: quote of X */
		{ 5 * S, eth_udp, sizeof(eth_udp) },		   /* 5: Y */
		{ 6 * S, eth_tcp_ab, sizeof(eth_tcp_ab) },	   /* 6: X */
	};
	const char *p = strdup(path_in(d, "a.pcap"));
	write_pcap(p, LINKTYPE_ETHERNET, a, 6);
	return p;
}

/* File B (raw IP): one X packet at 2.500000007 s (nanoseconds survive). */
static const char *make_b(struct tdir *d)
{
	const struct rec b[] = {
		{ 2 * S + 500000007LL, eth_tcp_ab + RAW_OFF,
		  sizeof(eth_tcp_ab) - RAW_OFF },
	};
	const char *p = strdup(path_in(d, "b.pcap"));
	write_pcap(p, LINKTYPE_RAW, b, 1);
	return p;
}

/* Flow X by the rule in flow.h: endpoint 0 is the greater address. */
static struct flow_key key_x(void)
{
	struct flow_key k;
	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 6;
	k.port[0] = 80;
	k.port[1] = 1000;
	memcpy(k.addr[0], (uint8_t[]){ 10, 0, 0, 2 }, 4);
	memcpy(k.addr[1], (uint8_t[]){ 10, 0, 0, 1 }, 4);
	return k;
}

static struct flow_key key_y(void)
{
	struct flow_key k;
	memset(&k, 0, sizeof(k));
	k.family = 4;
	k.proto = 17;
	k.port[0] = 5353;
	k.port[1] = 53;
	memcpy(k.addr[0], (uint8_t[]){ 10, 0, 0, 4 }, 4);
	memcpy(k.addr[1], (uint8_t[]){ 10, 0, 0, 3 }, 4);
	return k;
}

/* Reads a capture back: timestamps and link types of its records. */
static size_t read_back(const char *path, int64_t *ts, int *lt, size_t max)
{
	struct cap_source *src = NULL;
	struct cap_frame fr;
	struct nd_err e = { 0 };
	size_t n = 0;
	int r;

	cr_assert_eq(cap_open_files(&src, &path, 1, NULL, &e), 0, "%s", e.msg);
	while ((r = cap_next(src, &fr, &e)) > 0) {
		cr_assert_lt(n, max);
		ts[n] = fr.ts_ns;
		lt[n] = fr.linktype;
		n++;
	}
	cr_assert_eq(r, 0, "%s", e.msg);
	cap_close(src);
	return n;
}

/* Export from file A alone and compare the frame times (k s = frame k). */
static void expect_a(const struct evidence_export_req *req,
		     const int64_t *want, size_t nwant)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *a = make_a(d);
	const char *out = path_in(d, "out.pcap");
	struct nd_err e = { 0 };
	int64_t ts[16];
	int lt[16];

	cr_assert_eq(evidence_export(&a, 1, req, out, &e), 0, "%s", e.msg);
	size_t n = read_back(out, ts, lt, 16);
	cr_assert_eq(n, nwant, "got %zu frames, want %zu", n, nwant);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(ts[i], want[i] * S, "frame %zu: %lld", i,
			     (long long)ts[i]);
		cr_expect_eq(lt[i], LINKTYPE_ETHERNET);
	}
	free((void *)a);
	tdir_rm(d);
}

Test(evidence, listed_frame_with_context)
{
	const uint64_t fr[] = { 3 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1,
					   .context_frames = 1 };
	expect_a(&req, (const int64_t[]){ 2, 3, 4 }, 3);
}

Test(evidence, frame_list_unsorted_duplicates_zero_and_past_end)
{
	const uint64_t fr[] = { 6, 1, 1, 0, 99 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 5 };
	expect_a(&req, (const int64_t[]){ 1, 6 }, 2);
}

Test(evidence, context_larger_than_capture)
{
	const uint64_t fr[] = { 1 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1,
					   .context_frames = UINT32_MAX };
	expect_a(&req, (const int64_t[]){ 1, 2, 3, 4, 5, 6 }, 6);
}

Test(evidence, flow_whole_but_not_icmp_quote)
{
	/* Precondition: the decoder does see the quoted TCP header. */
	struct packet pkt;
	decode_frame(&pkt, LINKTYPE_ETHERNET, eth_icmp_quote,
		     sizeof(eth_icmp_quote), sizeof(eth_icmp_quote));
	bool quoted = false;
	for (int i = 0; i < pkt.n_l4; i++)
		quoted |= pkt.l4[i].proto == 6 && pkt.l4[i].in_icmp_error;
	cr_assert(quoted, "decoder no longer reports the quoted TCP header");

	struct flow_key k = key_x();
	struct evidence_export_req req = { .flows = &k, .n_flows = 1 };
	expect_a(&req, (const int64_t[]){ 1, 3, 6 }, 3);
}

Test(evidence, flow_within_window)
{
	struct flow_key k = key_x();
	struct evidence_export_req req = { .flows = &k, .n_flows = 1,
					   .from_ns = 2 * S, .to_ns = 5 * S };
	expect_a(&req, (const int64_t[]){ 3 }, 1);
}

Test(evidence, window_open_ended)
{
	struct flow_key k = key_x();
	struct evidence_export_req req = { .flows = &k, .n_flows = 1,
					   .from_ns = 3 * S };
	expect_a(&req, (const int64_t[]){ 3, 6 }, 2);
}

Test(evidence, flows_and_frames_together)
{
	/* IPv4 key with junk in the unused address bytes still matches. */
	struct flow_key k = key_y();
	k.addr[0][10] = 0xee;
	const uint64_t fr[] = { 1 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1,
					   .flows = &k, .n_flows = 1 };
	expect_a(&req, (const int64_t[]){ 1, 2, 5 }, 3);
}

Test(evidence, empty_selection_gives_empty_pcap)
{
	const uint64_t fr[] = { 42 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1 };
	expect_a(&req, NULL, 0);
}

Test(evidence, key_matches_flow_table)
{
	const uint8_t *pk[] = { eth_tcp_ab, eth_tcp_ba, eth_udp };
	const size_t len[] = { sizeof(eth_tcp_ab), sizeof(eth_tcp_ba),
			       sizeof(eth_udp) };
	struct flow_limits lim = { .max_flows = 16,
				   .idle_timeout_ns = FLOW_DEFAULT_IDLE_NS,
				   .closed_linger_ns = FLOW_DEFAULT_LINGER_NS };
	struct flow_table *t = flow_table_new(&lim);
	cr_assert_not_null(t);
	for (int i = 0; i < 3; i++) {
		struct packet pkt;
		struct flow_key k;
		struct flow_pkt_info info;
		decode_frame(&pkt, LINKTYPE_ETHERNET, pk[i], (uint32_t)len[i],
			     (uint32_t)len[i]);
		int dir = flow_key_from_packet(&pkt, 0, &k);
		struct flow *f = flow_table_update(t, &pkt, 0, (uint64_t)i + 1,
						   S, (uint32_t)len[i], &info);
		cr_assert_not_null(f);
		cr_expect_eq(dir, info.dir);
		cr_expect_eq(memcmp(&k, &f->key, sizeof(k)), 0, "packet %d", i);
	}
	flow_table_free(t);
	struct flow_key x = key_x();
	struct packet pkt;
	struct flow_key k;
	decode_frame(&pkt, LINKTYPE_ETHERNET, eth_tcp_ab, sizeof(eth_tcp_ab),
		     sizeof(eth_tcp_ab));
	cr_expect_eq(flow_key_from_packet(&pkt, 0, &k), 1);
	cr_expect_eq(memcmp(&k, &x, sizeof(k)), 0);
	cr_expect_eq(flow_key_from_packet(&pkt, 5, &k), -1);
}

/* Reads the first 4 bytes of a file. */
static uint32_t magic_of(const char *path)
{
	uint8_t b[4] = { 0 };
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp);
	cr_assert_eq(fread(b, 1, 4, fp), 4);
	fclose(fp);
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

Test(evidence, mixed_linktypes_give_pcapng)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *in[2] = { make_a(d), make_b(d) };
	const char *out = path_in(d, "mixed.out");
	struct flow_key k = key_x();
	struct evidence_export_req req = { .flows = &k, .n_flows = 1 };
	struct nd_err e = { 0 };
	int64_t ts[16];
	int lt[16];

	cr_assert_eq(evidence_export(in, 2, &req, out, &e), 0, "%s", e.msg);
	cr_expect_eq(magic_of(out), 0x0a0d0d0au);
	size_t n = read_back(out, ts, lt, 16);
	/* Merged order: A1 (1 s), B1 (2.5 s), A3 (3 s), A6 (6 s). */
	cr_assert_eq(n, 4);
	cr_expect_eq(ts[0], 1 * S);
	cr_expect_eq(lt[0], LINKTYPE_ETHERNET);
	cr_expect_eq(ts[1], 2 * S + 500000007LL);
	cr_expect_eq(lt[1], LINKTYPE_RAW);
	cr_expect_eq(ts[2], 3 * S);
	cr_expect_eq(ts[3], 6 * S);
	cr_expect_eq(lt[3], LINKTYPE_ETHERNET);

	/* tshark must read it too (only when installed). */
	if (system("command -v tshark >/dev/null 2>&1") != 0) {
		cr_log_warn("tshark not installed: pcapng not cross-checked");
		goto done;
	}
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "tshark -r '%s' -T fields -e frame.time_epoch -e ip.src "
		 "-e tcp.srcport 2>&1",
		 out);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[256];
	const char *want[] = { "1.000000000\t10.0.0.1\t1000",
			       "2.500000007\t10.0.0.1\t1000",
			       "3.000000000\t10.0.0.2\t80",
			       "6.000000000\t10.0.0.1\t1000" };
	size_t got = 0;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "Running as user", 15) == 0)
			continue;
		cr_assert_lt(got, 4, "extra tshark line: %s", line);
		cr_expect_str_eq(line, want[got], "tshark line %zu", got);
		got++;
	}
	cr_expect_eq(pclose(p), 0);
	cr_expect_eq(got, 4);
done:
	free((void *)in[0]);
	free((void *)in[1]);
	tdir_rm(d);
}

Test(evidence, mixed_inputs_one_selected_linktype_give_pcap)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *in[2] = { make_a(d), make_b(d) };
	const char *out = path_in(d, "one.pcap");
	/* Merged frames: 1 = A1, 2 = A2, 3 = B1 (raw), 4 = A3 ... */
	const uint64_t fr[] = { 1, 2, 4 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 3 };
	struct nd_err e = { 0 };
	int64_t ts[16];
	int lt[16];

	cr_assert_eq(evidence_export(in, 2, &req, out, &e), 0, "%s", e.msg);
	cr_expect_eq(magic_of(out), 0xa1b23c4du); /* nanosecond pcap, LE */
	cr_assert_eq(read_back(out, ts, lt, 16), 3);
	cr_expect_eq(ts[0], 1 * S);
	cr_expect_eq(ts[1], 2 * S);
	cr_expect_eq(ts[2], 3 * S);
	free((void *)in[0]);
	free((void *)in[1]);
	tdir_rm(d);
}

Test(evidence, raw_only_selection_keeps_nanoseconds)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *in[2] = { make_a(d), make_b(d) };
	const char *out = path_in(d, "raw.pcap");
	const uint64_t fr[] = { 3 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1 };
	struct nd_err e = { 0 };
	int64_t ts[4];
	int lt[4];

	cr_assert_eq(evidence_export(in, 2, &req, out, &e), 0, "%s", e.msg);
	cr_assert_eq(read_back(out, ts, lt, 4), 1);
	cr_expect_eq(ts[0], 2 * S + 500000007LL);
	cr_expect_eq(lt[0], LINKTYPE_RAW);
	free((void *)in[0]);
	free((void *)in[1]);
	tdir_rm(d);
}

Test(evidence, stdin_refused_nothing_written)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *in[1] = { "-" };
	const char *out = path_in(d, "stdin.pcap");
	const uint64_t fr[] = { 1 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1 };
	struct nd_err e = { 0 };
	struct stat st;

	cr_expect_lt(evidence_export(in, 1, &req, out, &e), 0);
	cr_expect_eq(e.kind, ND_ERR_USAGE);
	cr_expect_not_null(strstr(e.msg, "standard input"), "%s", e.msg);
	cr_expect_neq(stat(out, &st), 0);
	tdir_rm(d);
}

Test(evidence, output_onto_input_refused)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *a = make_a(d);
	const uint64_t fr[] = { 1 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1 };
	struct nd_err e = { 0 };
	int64_t ts[16];
	int lt[16];

	cr_expect_lt(evidence_export(&a, 1, &req, a, &e), 0);
	cr_expect_eq(e.kind, ND_ERR_USAGE);
	/* The input is untouched: still its 6 frames. */
	cr_expect_eq(read_back(a, ts, lt, 16), 6);
	free((void *)a);
	tdir_rm(d);
}

Test(evidence, missing_input_leaves_no_files)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *in[1] = { path_in(d, "nope.pcap") };
	const char *out = path_in(d, "x.pcap");
	struct evidence_export_req req = { 0 };
	struct nd_err e = { 0 };
	char cmd[300];

	cr_expect_lt(evidence_export(in, 1, &req, out, &e), 0);
	cr_expect_neq(e.kind, ND_ERR_NONE);
	/* Only the (absent) input's directory listing: no temp file left. */
	int n = snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"",
			 d->path);
	cr_assert(n > 0 && (size_t)n < sizeof(cmd));
	cr_expect_eq(system(cmd), 0, "files left behind in %s", d->path);
	tdir_rm(d);
}

Test(evidence, truncated_input_keeps_what_was_read)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *a = make_a(d);
	const char *out = path_in(d, "trunc.pcap");
	struct nd_err e = { 0 };
	int64_t ts[16];
	int lt[16];

	/* Cut the last record in half: 5 whole records then a broken one. */
	struct stat st;
	cr_assert_eq(stat(a, &st), 0);
	cr_assert_eq(truncate(a, st.st_size - 20), 0);
	const uint64_t fr[] = { 1 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1,
					   .context_frames = 100 };
	int r = evidence_export(&a, 1, &req, out, &e);
	size_t n = read_back(out, ts, lt, 16);
	cr_expect_eq(n, 5);
	/* Either the reader calls a cut record an error or a clean end. */
	if (r < 0)
		cr_expect_neq(e.kind, ND_ERR_NONE);
	free((void *)a);
	tdir_rm(d);
}

Test(evidence, output_replaced_atomically)
{
	struct tdir td, *d = &td;
	tdir_make(d);
	const char *a = make_a(d);
	const char *out = path_in(d, "replace.pcap");
	FILE *fp = fopen(out, "w");
	cr_assert_not_null(fp);
	fputs("old contents", fp);
	fclose(fp);
	const uint64_t fr[] = { 2 };
	struct evidence_export_req req = { .frames = fr, .n_frames = 1 };
	struct nd_err e = { 0 };
	int64_t ts[4];
	int lt[4];
	cr_assert_eq(evidence_export(&a, 1, &req, out, &e), 0, "%s", e.msg);
	cr_assert_eq(read_back(out, ts, lt, 4), 1);
	cr_expect_eq(ts[0], 2 * S);
	free((void *)a);
	tdir_rm(d);
}

Test(pcapw, pcap_refuses_second_linktype_and_oversize)
{
	struct nd_err e = { 0 };
	FILE *fp = tmpfile();
	cr_assert_not_null(fp);
	struct pcapw *w = pcapw_new(fp, PCAPW_PCAP, 68);
	cr_assert_not_null(w);
	cr_expect_eq(pcapw_write(w, 1, 0, eth_udp, sizeof(eth_udp),
				 sizeof(eth_udp), &e), 0);
	cr_expect_eq(pcapw_write(w, 101, 0, eth_udp, sizeof(eth_udp),
				 sizeof(eth_udp), &e), -EINVAL);
	cr_expect_eq(pcapw_write(w, 1, 0, eth_icmp_quote, 68, 68, &e), 0);
	cr_expect_eq(pcapw_write(w, 1, 0, eth_icmp_quote, 69, 69, &e), -EINVAL);
	cr_expect_eq(pcapw_write(w, -1, 0, eth_udp, 4, 4, &e), -EINVAL);
	cr_expect_eq(pcapw_records(w), 2);
	cr_expect_eq(pcapw_finish(w, 1, &e), 0);
	/* 24-byte header + 16 + 42 + 16 + 68 */
	cr_expect_eq(ftell(fp), 24 + 16 + 42 + 16 + 68);
	pcapw_free(w);
	pcapw_free(NULL);
	fclose(fp);
}

Test(pcapw, pcapng_block_layout)
{
	struct nd_err e = { 0 };
	FILE *fp = tmpfile();
	cr_assert_not_null(fp);
	struct pcapw *w = pcapw_new(fp, PCAPW_PCAPNG, 65535);
	cr_assert_not_null(w);
	/* 42-byte record: padded to 44; EPB = 32 + 44. */
	cr_expect_eq(pcapw_write(w, 1, -5, eth_udp, sizeof(eth_udp), 10, &e), 0);
	cr_expect_eq(pcapw_write(w, 101, 7, eth_udp, 20, 20, &e), 0);
	cr_expect_eq(pcapw_write(w, 1, 8, eth_udp, 20, 20, &e), 0);
	cr_expect_eq(pcapw_finish(w, 1, &e), 0);
	/* SHB 28 + IDB 32 + EPB 76 + IDB 32 + EPB 52 + EPB 52 */
	long size = ftell(fp);
	cr_expect_eq(size, 28 + 32 + 76 + 32 + 52 + 52);
	pcapw_free(w);

	/* Read it back through the project reader. */
	uint8_t *buf = malloc((size_t)size);
	cr_assert_not_null(buf);
	rewind(fp);
	cr_assert_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	struct cap_source *src = NULL;
	struct cap_frame fr;
	cr_assert_eq(cap_open_mem(&src, buf, (size_t)size, "w.pcapng", NULL, &e),
		     0, "%s", e.msg);
	cr_assert_eq(cap_next(src, &fr, &e), 1, "%s", e.msg);
	cr_expect_eq(fr.ts_ns, 0); /* before the epoch: clamped */
	cr_expect_eq(fr.caplen, sizeof(eth_udp));
	cr_expect_eq(fr.wirelen, sizeof(eth_udp)); /* raised to caplen */
	cr_expect_eq(fr.iface, 0);
	cr_assert_eq(cap_next(src, &fr, &e), 1);
	cr_expect_eq(fr.ts_ns, 7);
	cr_expect_eq(fr.linktype, LINKTYPE_RAW);
	cr_expect_eq(fr.iface, 1);
	cr_assert_eq(cap_next(src, &fr, &e), 1);
	cr_expect_eq(fr.iface, 0);
	cr_expect_eq(cap_next(src, &fr, &e), 0);
	cap_close(src);
	free(buf);
}
