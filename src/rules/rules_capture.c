// SPDX-License-Identifier: MIT
/* Capture-quality rules: capture.* evidence to findings. */
#include <errno.h>
#include <math.h>

#include "rules/rules.h"

static void copy_ev_frames(struct finding *f, const struct evidence *ev)
{
	uint64_t fr[EV_MAX_FRAMES];
	size_t n = ev_frames(ev, fr, EV_MAX_FRAMES);

	finding_add_frames(f, fr, n, ev->ref_count);
}

/* Explains and emits; the finding is gone after this either way. */
/*
 * The common end of every capture rule: rc is the result of building f
 * (freed on error); e, if given, lends its frame references; then the
 * explanation is filled and the finding emitted.
 */
static int finish(struct rule_ctx *ctx, struct finding *f,
		  const struct evidence *e, int rc)
{
	if (!rc && e)
		copy_ev_frames(f, e);
	if (!rc && finding_explain(f, NULL) < 0)
		rc = -ENOMEM;
	if (rc) {
		finding_free(f);
		return rc;
	}
	return rule_emit(ctx, f);
}

int rule_capture_duplicate_packets(struct rule_ctx *ctx,
				   const struct ev_store *ev,
				   const struct thresholds *th)
{
	size_t pos = 0;
	const struct evidence *e;
	while ((e = ev_store_next(ev, EVK_CAPTURE_DUPLICATE, &pos))) {
		int64_t dups = rule_num_i(e, EVF_DUPLICATES), frames = rule_num_i(e, EVF_FRAMES);
		if (dups < th_get(th, TH_CAPTURE_DUPLICATE_MIN_COUNT))
			continue;
		double sh = rule_share(dups, frames);
		double win = 0;
		ev_get_f64(e, EVF_WINDOW_MS, &win);
		struct finding *f = finding_new("capture.duplicate_packets");
		if (!f)
			return -ENOMEM;
		if (sh >= th_get(th, TH_CAPTURE_DUPLICATE_WARN_SHARE))
			f->severity = SEV_WARN;
		f->impact = sh;
		finding_set_i64(f, "duplicates", dups);
		finding_set_i64(f, "frames", frames);
		finding_set_f64(f, "share_pct", sh * 100);
		finding_set_i64(f, "exact", rule_num_i(e, EVF_EXACT));
		finding_set_i64(f, "near", rule_num_i(e, EVF_NEAR));
		finding_set_f64(f, "window_ms", win);
		int rc = finding_add_line(
			f, "%lld duplicate frames of %lld (%.1f%%)",
			(long long)dups, (long long)frames, sh * 100);
		if (!rc && rule_num_i(e, EVF_FIRST_DUPLICATE))
			rc = finding_add_line(
				f, "first copy: frame %lld repeats frame %lld",
				(long long)rule_num_i(e, EVF_FIRST_DUPLICATE),
				(long long)rule_num_i(e, EVF_FIRST_ORIGINAL));
		if (!rc && rule_num_i(e, EVF_FORGOTTEN) > 0)
			rc = finding_add_line(
				f,
				"only the last %lld frames are remembered: "
				"copies further apart were not counted (raise "
				"capture.duplicate_memory)",
				(long long)rule_num_i(e, EVF_MEMORY));
		if (!rc && sh >= 0.2)
			rc = finding_set_remedy_note(
				f, "With this many copies, retransmission and "
				   "loss figures from this capture are mostly "
				   "artefacts: deduplicate before reading them.");
		if ((rc = finish(ctx, f, e, rc)) < 0)
			return rc;
	}
	return 0;
}

int rule_capture_time_backwards(struct rule_ctx *ctx, const struct ev_store *ev,
				const struct thresholds *th)
{
	size_t pos = 0;
	const struct evidence *e;
	while ((e = ev_store_next(ev, EVK_CAPTURE_TIME_BACKWARDS, &pos))) {
		int64_t n = rule_num_i(e, EVF_COUNT), step = rule_num_i(e, EVF_MAX_STEP_NS);
		if (n < th_get(th, TH_CAPTURE_TIME_BACKWARDS_MIN) ||
		    (double)step <
			    th_get(th, TH_CAPTURE_TIME_BACKWARDS_MIN_STEP_MS) * 1e6)
			continue;
		struct finding *f = finding_new("capture.time_backwards");
		if (!f)
			return -ENOMEM;
		f->impact = rule_share(n, rule_num_i(e, EVF_FRAMES));
		finding_set_i64(f, "count", n);
		finding_set_f64(f, "max_step_ms", (double)step / 1e6);
		finding_set_i64(f, "max_step_frame", rule_num_i(e, EVF_MAX_STEP_FRAME));
		int rc = finding_add_line(
			f, "%lld backward steps; largest %.3f ms at frame %lld",
			(long long)n, (double)step / 1e6,
			(long long)rule_num_i(e, EVF_MAX_STEP_FRAME));
		if ((rc = finish(ctx, f, e, rc)) < 0)
			return rc;
	}
	return 0;
}

int rule_capture_truncated(struct rule_ctx *ctx, const struct ev_store *ev,
			   const struct thresholds *th)
{
	size_t pos = 0;
	const struct evidence *e;
	while ((e = ev_store_next(ev, EVK_CAPTURE_TRUNCATED, &pos))) {
		int64_t t = rule_num_i(e, EVF_TRUNCATED), frames = rule_num_i(e, EVF_FRAMES);
		int64_t cut = rule_num_i(e, EVF_HEADERS_CUT);
		double sh = rule_share(t, frames);
		if (t <= 0 || sh < th_get(th, TH_CAPTURE_TRUNCATED_MIN_SHARE))
			continue;
		struct finding *f = finding_new("capture.truncated");
		if (!f)
			return -ENOMEM;
		/* Header-only captures are a deliberate choice: explain only. */
		if (cut == 0)
			f->severity = SEV_INFO;
		f->impact = sh;
		finding_set_i64(f, "truncated", t);
		finding_set_i64(f, "frames", frames);
		finding_set_f64(f, "share_pct", sh * 100);
		finding_set_i64(f, "snaplen", rule_num_i(e, EVF_SNAPLEN));
		finding_set_i64(f, "headers_cut", cut);
		int rc = finding_add_line(f, "%lld of %lld frames cut at %lld bytes",
					  (long long)t, (long long)frames,
					  (long long)rule_num_i(e, EVF_SNAPLEN));
		if (!rc && cut)
			rc = finding_add_line(
				f, "%lld frames lost part of a header",
				(long long)cut);
		if ((rc = finish(ctx, f, e, rc)) < 0)
			return rc;
	}
	return 0;
}

int rule_capture_decode_depth(struct rule_ctx *ctx, const struct ev_store *ev,
			      const struct thresholds *th)
{
	static const struct {
		enum ev_field key, max;
		const char *max_name, *what;
	} by[] = {
		{ EVF_BY_LAYERS, EVF_MAX_LAYERS, "max_layers", "headers" },
		{ EVF_BY_IP, EVF_MAX_IP, "max_ip", "IP headers" },
		{ EVF_BY_TRANSPORT, EVF_MAX_TRANSPORT, "max_transport",
		  "transport headers" },
		{ EVF_BY_TUNNELS, EVF_MAX_TUNNELS, "max_tunnels",
		  "nested encapsulations" },
	};
	size_t pos = 0;
	const struct evidence *e;
	while ((e = ev_store_next(ev, EVK_CAPTURE_DECODE_DEPTH, &pos))) {
		int64_t n = rule_num_i(e, EVF_TOO_DEEP), frames = rule_num_i(e, EVF_FRAMES);
		/* Every such frame hides traffic: no threshold. */
		if (n <= 0)
			continue;
		struct finding *f = finding_new("capture.decode_depth");
		if (!f)
			return -ENOMEM;
		double sh = rule_share(n, frames);
		f->impact = sh;
		finding_set_i64(f, "too_deep", n);
		finding_set_i64(f, "frames", frames);
		finding_set_f64(f, "share_pct", sh * 100);
		for (size_t i = 0; i < sizeof(by) / sizeof(by[0]); i++)
			finding_set_i64(f, by[i].max_name,
					rule_num_i(e, by[i].max));
		int rc = finding_add_line(
			f, "%lld of %lld frames not decoded past a decode limit",
			(long long)n, (long long)frames);
		for (size_t i = 0; !rc && i < sizeof(by) / sizeof(by[0]); i++) {
			int64_t k = rule_num_i(e, by[i].key);
			if (k > 0)
				rc = finding_add_line(
					f, "%lld frames: more than %lld %s",
					(long long)k,
					(long long)rule_num_i(e, by[i].max),
					by[i].what);
		}
		if ((rc = finish(ctx, f, e, rc)) < 0)
			return rc;
	}
	return 0;
}

int rule_capture_flows_evicted(struct rule_ctx *ctx, const struct ev_store *ev,
			       const struct thresholds *th)
{
	size_t pos = 0;
	const struct evidence *e;
	while ((e = ev_store_next(ev, EVK_CAPTURE_FLOWS_EVICTED, &pos))) {
		int64_t n = rule_num_i(e, EVF_EVICTED), created = rule_num_i(e, EVF_CREATED);
		if (n < th_get(th, TH_CAPTURE_FLOWS_EVICTED_MIN))
			continue;
		struct finding *f = finding_new("capture.flows_evicted");
		if (!f)
			return -ENOMEM;
		int64_t back = rule_num_i(e, EVF_RETURNED);
		int64_t gone = rule_num_i(e, EVF_FORGOTTEN);

		/* Only a conversation that came back lost analysis. */
		if (back == 0 && gone == 0)
			f->severity = SEV_LOW;
		f->impact = rule_share(back ? back : n, created);
		finding_set_i64(f, "evicted", n);
		finding_set_i64(f, "evictions", rule_num_i(e, EVF_EVICTIONS));
		finding_set_i64(f, "returned", back);
		finding_set_i64(f, "not_returned", n - back);
		finding_set_i64(f, "created", created);
		finding_set_i64(f, "max_open", rule_num_i(e, EVF_MAX_OPEN));
		int rc = finding_add_line(
			f, "%lld of %lld conversations evicted (%lld evictions); "
			   "%lld came back and were analysed in parts, %lld "
			   "did not",
			(long long)n, (long long)created,
			(long long)rule_num_i(e, EVF_EVICTIONS), (long long)back,
			(long long)(n - back));
		if (!rc && gone)
			rc = finding_add_line(
				f, "%lld evicted conversations were later "
				   "forgotten too (ended ones beyond "
				   "--max-flows): a packet of theirs after that "
				   "would start a new conversation (a split row)",
				(long long)gone);
		if ((rc = finish(ctx, f, NULL, rc)) < 0)
			return rc;
	}
	return 0;
}

int rule_capture_kernel_drops(struct rule_ctx *ctx, const struct ev_store *ev,
			      const struct thresholds *th)
{
	size_t pos = 0;
	const struct evidence *e;
	while ((e = ev_store_next(ev, EVK_CAPTURE_KERNEL_DROPS, &pos))) {
		int64_t kd = rule_num_i(e, EVF_KERNEL_DROPPED),
			id = rule_num_i(e, EVF_IFACE_DROPPED);
		int64_t drops = kd + id, recv = rule_num_i(e, EVF_RECEIVED);
		if (drops < th_get(th, TH_CAPTURE_KERNEL_DROPS_MIN))
			continue;
		/* ps_recv may or may not include drops depending on platform. */
		int64_t total = recv;
		if (rule_num_i(e, EVF_RECORDS) + drops > total)
			total = rule_num_i(e, EVF_RECORDS) + drops;
		double sh = rule_share(drops, total);
		struct finding *f = finding_new("capture.kernel_drops");
		if (!f)
			return -ENOMEM;
		if (sh >= th_get(th, TH_CAPTURE_KERNEL_DROPS_CRIT_SHARE))
			f->severity = SEV_CRIT;
		f->impact = sh;
		finding_set_i64(f, "received", recv);
		finding_set_i64(f, "dropped", drops);
		finding_set_i64(f, "kernel_dropped", kd);
		finding_set_i64(f, "iface_dropped", id);
		finding_set_f64(f, "share_pct", sh * 100);
		int rc = finding_add_line(
			f, "%lld of %lld packets dropped by the capture (%.2f%%)",
			(long long)drops, (long long)total, sh * 100);
		if ((rc = finish(ctx, f, NULL, rc)) < 0)
			return rc;
	}
	return 0;
}
