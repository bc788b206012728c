// SPDX-License-Identifier: MIT
/* TCP rules: per-connection evidence (analyze/tcp_evidence.c) to one finding per id. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "analyze/tcp_stats.h"
#include "core/fmt.h"
#include "rules/rules.h"
#include "rules/rules_tcp.h"

#define TOP_N 5	    /* worst connections listed per finding */
#define PEERS_MAX 64 /* hosts aggregated per finding; more are summed only */

/* The worst records by key, best first. */
struct top {
	const struct evidence *e[TOP_N];
	double key[TOP_N];
	size_t n;
	size_t flows; /* connections seen (an aggregate counts all it holds) */
	size_t folded; /* of them, in aggregates: no per-connection detail */
};

static void top_add(struct top *t, const struct evidence *e, double key)
{
	size_t i;

	t->flows += ev_records(e);
	/* An aggregate (full evidence store) names no connection to list. */
	if (e->aggregated) {
		t->folded += e->aggregated;
		return;
	}
	if (t->n == TOP_N && key <= t->key[TOP_N - 1])
		return;
	i = t->n < TOP_N ? t->n++ : TOP_N - 1;
	while (i > 0 && t->key[i - 1] < key) {
		t->e[i] = t->e[i - 1];
		t->key[i] = t->key[i - 1];
		i--;
	}
	t->e[i] = e;
	t->key[i] = key;
}

/* "A:p -> B:p (stream N)" with from = the endpoint index of the sender. */
static void conn_name(const struct evidence *e, int from, char *buf, size_t n)
{
	char a[64], b[64];

	flow_format_endpoint(&e->scope.flow, from ? 1 : 0, a, sizeof(a));
	flow_format_endpoint(&e->scope.flow, from ? 0 : 1, b, sizeof(b));
	snprintf(buf, n, "%s -> %s (stream %llu)", a, b,
		 (unsigned long long)e->scope.conv_id);
}

/* Frames of a record as " frames 1, 2, 3" (empty without frames). */
static void frame_list(const struct evidence *e, char *buf, size_t n)
{
	size_t off = 0;

	buf[0] = 0;
	uint64_t fr[EV_MAX_FRAMES];
	size_t nf = ev_frames(e, fr, EV_MAX_FRAMES);

	for (size_t i = 0; i < nf && off < n; i++) {
		int w = snprintf(buf + off, n - off, "%s%llu",
				 i ? ", " : " frames ",
				 (unsigned long long)fr[i]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* Frames of the listed worst records, and scope when only one flow. */
static void finish_refs(struct finding *f, const struct top *t, uint64_t total)
{
	for (size_t i = 0; i < t->n; i++) {
		uint64_t fr[EV_MAX_FRAMES];
		size_t nf = ev_frames(t->e[i], fr, EV_MAX_FRAMES);

		finding_add_frames(f, fr, nf, 0);
	}
	f->frame_count = total;
	if (t->flows == 1 && t->n == 1)
		f->scope = t->e[0]->scope;
}

static int finish(struct rule_ctx *ctx, struct finding *f, int rc)
{
	if (!rc)
		rc = finding_explain(f, NULL);
	if (rc) {
		finding_free(f);
		return rc < 0 ? rc : -ENOMEM;
	}
	return rule_emit(ctx, f);
}

static int more_line(struct finding *f, const struct top *t)
{
	int rc = 0;

	if (t->flows > t->n)
		rc = finding_add_line(f, "... and %zu more connections",
				      t->flows - t->n);
	if (!rc && t->folded)
		rc = finding_add_line(
			f, "(%zu of them counted without per-connection "
			   "detail: the evidence store was full, see "
			   "--max-evidence)", t->folded);
	return rc;
}

/* Per-host aggregation: address of endpoint ep of a flow scope. */
struct peer {
	uint8_t family;
	uint8_t addr[16];
	int64_t a, b; /* two summed numbers */
	uint32_t conns;
};

struct peers {
	struct peer v[PEERS_MAX];
	size_t n;
};

static void peer_add(struct peers *p, const struct evidence *e, int ep,
		     int64_t a, int64_t b)
{
	const struct flow_key *k = &e->scope.flow;
	size_t len = k->family == 6 ? 16 : 4, i;

	if (!(e->scope.parts & EV_SCOPE_FLOW))
		return; /* an aggregate: no host to name */
	for (i = 0; i < p->n; i++)
		if (p->v[i].family == k->family &&
		    memcmp(p->v[i].addr, k->addr[ep], len) == 0)
			break;
	if (i == p->n) {
		if (p->n == PEERS_MAX)
			return;
		memset(&p->v[i], 0, sizeof(p->v[i]));
		p->v[i].family = k->family;
		memcpy(p->v[i].addr, k->addr[ep], len);
		p->n++;
	}
	p->v[i].a += a;
	p->v[i].b += b;
	p->v[i].conns++;
}

static void peer_name(const struct peer *p, char *buf, size_t n)
{
	struct flow_key k;

	memset(&k, 0, sizeof(k));
	k.family = p->family;
	memcpy(k.addr[0], p->addr, sizeof(p->addr));
	flow_format_endpoint(&k, 0, buf, n);
}

/* Segments with data, SYN or FIN over the run: what can be resent. */
static int64_t totals_seq_pkts(const struct ev_store *ev)
{
	size_t pos = 0;
	const struct evidence *e = ev_store_next(ev, EVK_TCP_TOTALS, &pos);

	return e ? rule_num_i(e, EVF_SEQ_PKTS) : 0;
}

int rule_tcp_retransmissions(struct rule_ctx *ctx, const struct ev_store *ev,
			     const struct thresholds *th)
{
	struct top t = { 0 };
	struct peers pr = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, fast = 0, rto = 0, lossy_pkts = 0, bytes = 0, up = 0;
	double worst = 0;
	int rc = 0;

	/* Resends include W7 segments the IP ID shows were resent ("upstream"). */
	while ((e = ev_store_next(ev, EVK_TCP_RETRANS, &pos))) {
		int64_t r = rule_num_i(e, EVF_RETRANS) - rule_num_i(e, EVF_SPURIOUS) +
			    rule_num_i(e, EVF_UPSTREAM);
		int64_t dp = rule_num_i(e, EVF_SEQ_PKTS);

		if (r <= 0)
			continue;
		n += r;
		up += rule_num_i(e, EVF_UPSTREAM);
		fast += rule_num_i(e, EVF_FAST);
		rto += rule_num_i(e, EVF_TIMEOUT);
		lossy_pkts += dp;
		bytes += rule_num_i(e, EVF_RETRANS_BYTES);
		/* Rank by rate, weighted so 1 of 2 does not beat 50 of 1000. */
		top_add(&t, e, rule_share(r, dp) * (double)r);
		if (rule_share(r, dp) > worst && dp >= 20 && !e->aggregated)
			worst = rule_share(r, dp);
		peer_add(&pr, e, rule_num_i(e, EVF_SENDER) ? 0 : 1, r, dp);
	}
	if (n < th_get(th, TH_TCP_RETRANS_MIN_COUNT) || n == 0)
		return 0;
	int64_t all = totals_seq_pkts(ev);
	if (all < lossy_pkts)
		all = lossy_pkts;
	double sh = rule_share(n, all);
	struct finding *f = finding_new("tcp.retransmissions");
	if (!f)
		return -ENOMEM;
	f->severity = SEV_LOW;
	if (sh >= th_get(th, TH_TCP_RETRANS_WARN_SHARE) ||
	    worst >= th_get(th, TH_TCP_RETRANS_WARN_SHARE))
		f->severity = SEV_WARN;
	if (worst >= th_get(th, TH_TCP_RETRANS_CRIT_SHARE))
		f->severity = SEV_CRIT;
	f->impact = sh;
	finding_set_i64(f, "count", n);
	finding_set_f64(f, "share_pct", sh * 100);
	finding_set_i64(f, "fast", fast);
	finding_set_i64(f, "rto", rto);
	finding_set_i64(f, "upstream", up);
	finding_set_i64(f, "segments", all);
	finding_set_i64(f, "bytes", bytes);
	finding_set_i64(f, "connections", (int64_t)t.flows);
	finding_set_f64(f, "worst_share_pct", worst * 100);
	for (size_t i = 0; i < t.n && !rc; i++) {
		char c[160], fr[96], u[160] = "";
		int64_t eu = rule_num_i(t.e[i], EVF_UPSTREAM);
		int64_t r = rule_num_i(t.e[i], EVF_RETRANS) - rule_num_i(t.e[i], EVF_SPURIOUS) +
			    eu;
		int64_t dp = rule_num_i(t.e[i], EVF_SEQ_PKTS);

		conn_name(t.e[i], (int)rule_num_i(t.e[i], EVF_SENDER), c, sizeof(c));
		frame_list(t.e[i], fr, sizeof(fr));
		if (eu > 0)
			snprintf(u, sizeof(u),
				 ", %lld retransmissions of segments lost "
				 "before the capture point (Wireshark labels "
				 "them Out-Of-Order)", (long long)eu);
		rc = finding_add_line(
			f, "%s: %lld of %lld segments resent (%.1f%%), "
			   "%lld fast, %lld after a timeout%s;%s",
			c, (long long)r, (long long)dp, rule_share(r, dp) * 100,
			(long long)rule_num_i(t.e[i], EVF_FAST),
			(long long)rule_num_i(t.e[i], EVF_TIMEOUT), u, fr);
	}
	if (!rc)
		rc = more_line(f, &t);
	if (pr.n > 1) {
		for (size_t i = 0; i < pr.n && !rc; i++) {
			char h[64];

			peer_name(&pr.v[i], h, sizeof(h));
			rc = finding_add_line(
				f, "to %s: %lld of %lld segments resent "
				   "(%.1f%%) over %u connections",
				h, (long long)pr.v[i].a, (long long)pr.v[i].b,
				rule_share(pr.v[i].a, pr.v[i].b) * 100,
				pr.v[i].conns);
		}
	}
	if (!rc && rto > fast)
		rc = finding_set_remedy_note(
			f, "Most resends waited for a timeout: losses at the "
			   "tail of transfers or of whole flights (see "
			   "tcp.rto_stalls).");
	finish_refs(f, &t, (uint64_t)n);
	if (rc || up == 0)
		return finish(ctx, f, rc);
	rc = finding_explain(
		f, "%lld of them are retransmissions of segments lost before "
		   "the capture point (upstream of where the capture was "
		   "taken): Wireshark labels them Out-Of-Order, but each "
		   "carries a higher IP ID than the later-sequence segment "
		   "that arrived before it, so the sender sent it later.",
		(long long)up);
	if (rc) {
		finding_free(f);
		return -ENOMEM;
	}
	return rule_emit(ctx, f);
}

int rule_tcp_spurious_retransmissions(struct rule_ctx *ctx,
				      const struct ev_store *ev,
				      const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, all = 0;
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_RETRANS, &pos))) {
		int64_t s = rule_num_i(e, EVF_SPURIOUS);

		all += rule_num_i(e, EVF_RETRANS);
		if (s <= 0)
			continue;
		n += s;
		top_add(&t, e, (double)s);
	}
	if (n == 0 || n < th_get(th, TH_TCP_SPURIOUS_MIN_COUNT))
		return 0;
	struct finding *f = finding_new("tcp.spurious_retransmissions");
	if (!f)
		return -ENOMEM;
	f->impact = rule_share(n, all);
	finding_set_i64(f, "count", n);
	finding_set_i64(f, "retrans", all);
	finding_set_f64(f, "share_pct", rule_share(n, all) * 100);
	for (size_t i = 0; i < t.n && !rc; i++) {
		char c[160];

		conn_name(t.e[i], (int)rule_num_i(t.e[i], EVF_SENDER), c, sizeof(c));
		rc = finding_add_line(f, "%s: %lld spurious of %lld resends; "
					 "first at frame %lld",
				      c, (long long)rule_num_i(t.e[i], EVF_SPURIOUS),
				      (long long)rule_num_i(t.e[i], EVF_RETRANS),
				      (long long)rule_num_i(t.e[i],
						       EVF_SPURIOUS_FRAME));
	}
	if (!rc)
		rc = more_line(f, &t);
	/* The retransmission frames listed are a superset: use the firsts. */
	for (size_t i = 0; i < t.n; i++) {
		uint64_t fr = (uint64_t)rule_num_i(t.e[i], EVF_SPURIOUS_FRAME);

		if (fr)
			finding_add_frames(f, &fr, 1, 0);
	}
	f->frame_count = (uint64_t)n;
	if (t.flows == 1 && t.n == 1)
		f->scope = t.e[0]->scope;
	return finish(ctx, f, rc);
}

int rule_tcp_reordering(struct rule_ctx *ctx, const struct ev_store *ev,
			const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, reord = 0, unk = 0;
	int rc = 0;

	/* Only W7 segments the IP ID does not show as resent (evidence). */
	while ((e = ev_store_next(ev, EVK_TCP_REORDERING, &pos))) {
		int64_t r = rule_num_i(e, EVF_REORDERED), u = rule_num_i(e, EVF_UNKNOWN);

		if (r + u <= 0)
			continue;
		n += r + u;
		reord += r;
		unk += u;
		top_add(&t, e, (double)(r + u));
	}
	if (n == 0 || n < th_get(th, TH_TCP_REORDERING_MIN_COUNT))
		return 0;
	struct finding *f = finding_new("tcp.reordering");
	if (!f)
		return -ENOMEM;
	f->impact = (double)n;
	finding_set_i64(f, "count", n);
	finding_set_i64(f, "reordered", reord);
	finding_set_i64(f, "unknown", unk);
	finding_set_i64(f, "connections", (int64_t)t.flows);
	for (size_t i = 0; i < t.n && !rc; i++) {
		char c[160], fr[96];
		int64_t r = rule_num_i(t.e[i], EVF_REORDERED);
		int64_t u = rule_num_i(t.e[i], EVF_UNKNOWN);

		conn_name(t.e[i], (int)rule_num_i(t.e[i], EVF_SENDER), c, sizeof(c));
		frame_list(t.e[i], fr, sizeof(fr));
		rc = finding_add_line(f, "%s: %lld of %lld data segments out "
					 "of order (%lld reordered per IP ID, "
					 "%lld cause unknown);%s",
				      c, (long long)(r + u),
				      (long long)rule_num_i(t.e[i], EVF_DATA_PKTS),
				      (long long)r, (long long)u, fr);
	}
	if (!rc)
		rc = more_line(f, &t);
	finish_refs(f, &t, (uint64_t)n);
	if (rc || unk == 0)
		return finish(ctx, f, rc);
	rc = finding_explain(
		f, "For %lld of them the cause could not be told apart: "
		   "without a usable IP ID (IPv6, ID 0, IDs that do not "
		   "increment) reordering in the network looks the same as "
		   "a quick retransmission of a segment lost before the "
		   "capture point.", (long long)unk);
	if (rc) {
		finding_free(f);
		return -ENOMEM;
	}
	return rule_emit(ctx, f);
}

int rule_tcp_rto_stalls(struct rule_ctx *ctx, const struct ev_store *ev,
			const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, total = 0, max = 0;
	double min_ns = th_get(th, TH_TCP_RTO_STALL_MIN_MS) * 1e6;
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_RTO_STALL, &pos))) {
		int64_t mx = rule_num_i(e, EVF_MAX_NS);

		if ((double)mx < min_ns)
			continue;
		n += rule_num_i(e, EVF_STALLS);
		total += rule_num_i(e, EVF_TOTAL_NS);
		if (mx > max)
			max = mx;
		top_add(&t, e, (double)rule_num_i(e, EVF_TOTAL_NS));
	}
	if (n == 0)
		return 0;
	struct finding *f = finding_new("tcp.rto_stalls");
	if (!f)
		return -ENOMEM;
	if ((double)max >= th_get(th, TH_TCP_RTO_STALL_CRIT_MS) * 1e6)
		f->severity = SEV_CRIT;
	f->impact = (double)total / 1e9;
	finding_set_i64(f, "count", n);
	finding_set_f64(f, "total_stall_ms", (double)total / 1e6);
	finding_set_f64(f, "max_stall_ms", (double)max / 1e6);
	finding_set_i64(f, "connections", (int64_t)t.flows);
	for (size_t i = 0; i < t.n && !rc; i++) {
		char c[160], rtt[64] = "", tot[32], mx[32];
		int64_t srtt = rule_num_i(t.e[i], EVF_SRTT_NS);
		long long stalls = (long long)rule_num_i(t.e[i], EVF_STALLS);

		conn_name(t.e[i], (int)rule_num_i(t.e[i], EVF_SENDER), c, sizeof(c));
		/* Durations as in the tables (core/fmt.h), units included. */
		if (srtt > 0) {
			char d[32];
			fmt_duration(d, srtt);
			snprintf(rtt, sizeof(rtt), " (average RTT %s)", d);
		}
		fmt_duration(tot, rule_num_i(t.e[i], EVF_TOTAL_NS));
		fmt_duration(mx, rule_num_i(t.e[i], EVF_MAX_NS));
		rc = finding_add_line(
			f, "%s: %lld %s, %s in total, longest %s "
			   "ending at frame %llu%s",
			c, stalls, stalls == 1 ? "stall" : "stalls", tot, mx,
			(unsigned long long)ev_first_frame(t.e[i]), rtt);
	}
	if (!rc)
		rc = more_line(f, &t);
	finish_refs(f, &t, (uint64_t)n);
	return finish(ctx, f, rc);
}

int rule_tcp_zero_window(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, total = 0, probes = 0, linux_probes = 0, max = 0;
	double min_ns = th_get(th, TH_TCP_ZERO_WINDOW_MIN_MS) * 1e6;
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_ZERO_WINDOW, &pos))) {
		int64_t tot = rule_num_i(e, EVF_TOTAL_NS);

		if ((double)tot < min_ns)
			continue;
		n += rule_num_i(e, EVF_EPISODES);
		total += tot;
		probes += rule_num_i(e, EVF_PROBES);
		linux_probes += rule_num_i(e, EVF_PROBES_LINUX);
		if (tot > max && !e->aggregated)
			max = tot;
		top_add(&t, e, (double)tot);
	}
	if (n == 0)
		return 0;
	struct finding *f = finding_new("tcp.zero_window");
	if (!f)
		return -ENOMEM;
	if ((double)max < th_get(th, TH_TCP_ZERO_WINDOW_WARN_MS) * 1e6)
		f->severity = SEV_LOW;
	f->impact = (double)total / 1e9;
	finding_set_i64(f, "count", n);
	finding_set_f64(f, "total_ms", (double)total / 1e6);
	finding_set_i64(f, "probes", probes);
	finding_set_i64(f, "linux_probes", linux_probes);
	finding_set_i64(f, "connections", (int64_t)t.flows);
	for (size_t i = 0; i < t.n && !rc; i++) {
		char a[64], b[64];
		const struct evidence *x = t.e[i];
		int r = rule_num_i(x, EVF_RECEIVER) ? 1 : 0;

		char d[32];
		long long ep = (long long)rule_num_i(x, EVF_EPISODES);

		flow_format_endpoint(&x->scope.flow, r, a, sizeof(a));
		flow_format_endpoint(&x->scope.flow, !r, b, sizeof(b));
		fmt_duration(d, rule_num_i(x, EVF_TOTAL_NS));
		rc = finding_add_line(
			f, "%s (stream %llu) advertised window 0 to %s %lld "
			   "%s for %s; %lld probes (%lld Linux 0-byte "
			   "probes, which Wireshark calls Keep-Alive); first "
			   "at frame %llu",
			a, (unsigned long long)x->scope.conv_id, b, ep,
			ep == 1 ? "time" : "times", d,
			(long long)rule_num_i(x, EVF_PROBES),
			(long long)rule_num_i(x, EVF_PROBES_LINUX),
			(unsigned long long)ev_first_frame(x));
	}
	if (!rc)
		rc = more_line(f, &t);
	finish_refs(f, &t, (uint64_t)n);
	return finish(ctx, f, rc);
}

int rule_tcp_window_full(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0;
	bool unknown_scale = false;
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_WINDOW_FULL, &pos))) {
		n += rule_num_i(e, EVF_WINDOW_FULL);
		if (rule_num_i(e, EVF_PEER_WSCALE) < 0)
			unknown_scale = true;
		top_add(&t, e, (double)rule_num_i(e, EVF_WINDOW_FULL));
	}
	if (n == 0 || n < th_get(th, TH_TCP_WINDOW_FULL_MIN_COUNT))
		return 0;
	struct finding *f = finding_new("tcp.window_full");
	if (!f)
		return -ENOMEM;
	f->impact = (double)n;
	finding_set_i64(f, "count", n);
	finding_set_i64(f, "connections", (int64_t)t.flows);
	for (size_t i = 0; i < t.n && !rc; i++) {
		char c[160], fr[96];

		conn_name(t.e[i], (int)rule_num_i(t.e[i], EVF_SENDER), c, sizeof(c));
		frame_list(t.e[i], fr, sizeof(fr));
		rc = finding_add_line(
			f, "%s: %lld of %lld data segments filled the window "
			   "(largest in flight %lld bytes);%s",
			c, (long long)rule_num_i(t.e[i], EVF_WINDOW_FULL),
			(long long)rule_num_i(t.e[i], EVF_DATA_PKTS),
			(long long)rule_num_i(t.e[i], EVF_MAX_BIF), fr);
	}
	if (!rc)
		rc = more_line(f, &t);
	if (!rc && unknown_scale)
		rc = finding_set_remedy_note(
			f, "Some handshakes were not captured: the window "
			   "scale is unknown there (window limited, scale "
			   "unknown).");
	finish_refs(f, &t, (uint64_t)n);
	return finish(ctx, f, rc);
}

int rule_tcp_resets(struct rule_ctx *ctx, const struct ev_store *ev,
		    const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, by_phase[5] = { 0 }, by_client = 0, by_server = 0;
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_RESET, &pos))) {
		int64_t ph = rule_num_i(e, EVF_PHASE), k = (int64_t)ev_records(e);

		n += k;
		if (ph >= 0 && ph < 5)
			by_phase[ph] += k;
		if (ph == TCP_RST_REFUSED)
			continue; /* tcp.closed_port tells these */
		if (rule_num_i(e, EVF_BY) == rule_num_i(e, EVF_CLIENT))
			by_client += k;
		else
			by_server += k;
		/* Aborts of connections that carried data matter most. */
		top_add(&t, e, (ph == TCP_RST_ABORT ? 1e12 : 0) +
				       (double)rule_num_i(e, EVF_DATA_BYTES));
	}
	int64_t other = n - by_phase[TCP_RST_REFUSED];
	if (other <= 0 || other < th_get(th, TH_TCP_RESETS_MIN_COUNT))
		return 0;
	struct finding *f = finding_new("tcp.resets");
	if (!f)
		return -ENOMEM;
	f->impact = (double)other;
	finding_set_i64(f, "count", n);
	finding_set_i64(f, "refused", by_phase[TCP_RST_REFUSED]);
	finding_set_i64(f, "handshake", by_phase[TCP_RST_HANDSHAKE]);
	finding_set_i64(f, "aborted", by_phase[TCP_RST_ABORT]);
	finding_set_i64(f, "after_fin", by_phase[TCP_RST_AFTER_FIN]);
	finding_set_i64(f, "by_client", by_client);
	finding_set_i64(f, "by_server", by_server);
	for (size_t i = 0; i < t.n && !rc; i++) {
		const struct evidence *x = t.e[i];
		char c[160];
		int by = rule_num_i(x, EVF_BY) ? 1 : 0;

		conn_name(x, by, c, sizeof(c));
		rc = finding_add_line(
			f, "%s: RST from the %s, %s, after %lld payload "
			   "bytes; frame %llu",
			c, by == rule_num_i(x, EVF_CLIENT) ? "client" : "server",
			tcp_rst_phase_name((enum tcp_rst_phase)rule_num_i(x, EVF_PHASE)),
			(long long)rule_num_i(x, EVF_DATA_BYTES),
			(unsigned long long)ev_first_frame(x));
	}
	if (!rc)
		rc = more_line(f, &t);
	finish_refs(f, &t, (uint64_t)other);
	return finish(ctx, f, rc);
}

int rule_tcp_closed_port(struct rule_ctx *ctx, const struct ev_store *ev,
			 const struct thresholds *th)
{
	struct top t = { 0 };
	struct peers pr = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0;
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_RESET, &pos))) {
		if (rule_num_i(e, EVF_PHASE) != TCP_RST_REFUSED)
			continue;
		n += (int64_t)ev_records(e);
		top_add(&t, e, 0);
		/* Per server port: the refusing endpoint (never the client). */
		int srv = rule_num_i(e, EVF_CLIENT) ? 0 : 1;
		peer_add(&pr, e, srv, e->scope.flow.port[srv], 0);
	}
	if (n == 0 || n < th_get(th, TH_TCP_CLOSED_PORT_MIN_COUNT))
		return 0;
	struct finding *f = finding_new("tcp.closed_port");
	if (!f)
		return -ENOMEM;
	f->impact = (double)n;
	finding_set_i64(f, "count", n);
	for (size_t i = 0; i < t.n && !rc; i++) {
		const struct evidence *x = t.e[i];
		char c[160];

		conn_name(x, (int)rule_num_i(x, EVF_CLIENT), c, sizeof(c));
		rc = finding_add_line(f, "%s: SYN answered by RST at frame %llu",
				      c, (unsigned long long)ev_first_frame(x));
	}
	if (!rc)
		rc = more_line(f, &t);
	for (size_t i = 0; i < pr.n && pr.n > 0 && !rc; i++) {
		char h[64];

		peer_name(&pr.v[i], h, sizeof(h));
		rc = finding_add_line(f, "refused by host %s: %u attempt%s", h,
				      pr.v[i].conns,
				      pr.v[i].conns == 1 ? "" : "s");
	}
	finish_refs(f, &t, (uint64_t)n);
	return finish(ctx, f, rc);
}

/* "1.0 s, 3.0 s" from the retry offsets of a record. */
static void schedule(const struct evidence *e, char *buf, size_t n)
{
	static const enum ev_field names[] = {
		EVF_RETRY1_NS, EVF_RETRY2_NS, EVF_RETRY3_NS, EVF_RETRY4_NS,
		EVF_RETRY5_NS, EVF_RETRY6_NS, EVF_RETRY7_NS,
	};
	size_t off = 0;
	int64_t v;

	buf[0] = 0;
	for (unsigned i = 0; i < 7 && off < n; i++) {
		if (!ev_get_i64(e, names[i], &v))
			break;
		int w = snprintf(buf + off, n - off, "%s%.1f s", i ? ", " : "",
				 (double)v / 1e9);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

int rule_tcp_syn_unanswered(struct rule_ctx *ctx, const struct ev_store *ev,
			    const struct thresholds *th)
{
	struct top t = { 0 };
	size_t pos = 0;
	const struct evidence *e;
	int64_t n = 0, attempts = 0;
	char first_sched[96] = "";
	int rc = 0;

	while ((e = ev_store_next(ev, EVK_TCP_SYN_UNANSWERED, &pos))) {
		n += (int64_t)ev_records(e);
		attempts += rule_num_i(e, EVF_ATTEMPTS);
		top_add(&t, e, (double)rule_num_i(e, EVF_ATTEMPTS));
	}
	if (n == 0 || n < th_get(th, TH_TCP_SYN_UNANSWERED_MIN_COUNT))
		return 0;
	struct finding *f = finding_new("tcp.syn_unanswered");
	if (!f)
		return -ENOMEM;
	f->impact = (double)n;
	finding_set_i64(f, "count", n);
	finding_set_i64(f, "attempts", attempts);
	for (size_t i = 0; i < t.n && !rc; i++) {
		const struct evidence *x = t.e[i];
		char c[160], s[96], fr[96];

		conn_name(x, (int)rule_num_i(x, EVF_CLIENT), c, sizeof(c));
		schedule(x, s, sizeof(s));
		frame_list(x, fr, sizeof(fr));
		if (i == 0)
			snprintf(first_sched, sizeof(first_sched), "%s", s);
		long long syns = (long long)rule_num_i(x, EVF_ATTEMPTS);

		rc = finding_add_line(f, "%s: %lld SYN%s%s%s;%s", c, syns,
				      syns == 1 ? "" : "s",
				      s[0] ? ", retries at " : "", s, fr);
	}
	if (!rc)
		rc = more_line(f, &t);
	finish_refs(f, &t, (uint64_t)attempts);
	if (rc) {
		finding_free(f);
		return -ENOMEM;
	}
	if (first_sched[0])
		rc = finding_explain(f, "Retries at %s after the first SYN "
					"(Linux: 1, 3, 7 s... before 6.5; "
					"1, 2, 3, 4, 5 s with linear "
					"timeouts).", first_sched);
	else
		rc = finding_explain(f, NULL);
	if (rc) {
		finding_free(f);
		return -ENOMEM;
	}
	return rule_emit(ctx, f);
}
