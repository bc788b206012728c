// SPDX-License-Identifier: MIT
/* analyze --follow: rules over connection snapshots, each finding printed once per connection. */
#include "analyze/tcp_follow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/tcp_evidence.h"
#include "output/report.h"
#include "evidence/evidence.h"

/* Open addressing, twice the entries it may hold: probes stay short. */
#define SEEN_SLOTS (2u * TCP_FOLLOW_MAX_SEEN)

struct seen {
	const char *id; /* catalog literal; NULL: free slot */
	uint64_t stream;
};

struct tcp_follow {
	struct engine eng; /* copy of the run's engine, on_finding ours */
	tcp_follow_emit emit;
	void *ctx;
	uint64_t stream; /* connection being evaluated */
	size_t n_seen;
	uint64_t suppressed;
	struct seen seen[SEEN_SLOTS];
};

static uint64_t mix(const char *id, uint64_t stream)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over the id */

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h ^= stream + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* True when (id, stream) was already shown; remembers it otherwise. */
static bool seen_before(struct tcp_follow *fw, const char *id,
			uint64_t stream, bool *full)
{
	size_t i = (size_t)(mix(id, stream) & (SEEN_SLOTS - 1));

	*full = false;
	for (size_t n = 0; n < SEEN_SLOTS; n++, i = (i + 1) & (SEEN_SLOTS - 1)) {
		struct seen *s = &fw->seen[i];

		if (!s->id) {
			if (fw->n_seen >= TCP_FOLLOW_MAX_SEEN) {
				*full = true;
				return true;
			}
			s->id = id;
			s->stream = stream;
			fw->n_seen++;
			return false;
		}
		if (s->stream == stream && !strcmp(s->id, id))
			return true;
	}
	*full = true;
	return true;
}

/* Engine on_finding: passes the filter already; dedupe, then emit. */
static void on_finding(void *arg, const struct finding *f)
{
	struct tcp_follow *fw = arg;
	bool full;

	if (seen_before(fw, f->id, fw->stream, &full)) {
		if (full)
			fw->suppressed++;
		return;
	}
	fw->emit(fw->ctx, f);
}

struct tcp_follow *tcp_follow_new(const struct engine *eng,
				  tcp_follow_emit emit, void *ctx)
{
	struct tcp_follow *fw;

	if (!eng || !emit)
		return NULL;
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return NULL;
	fw->eng = *eng;
	fw->eng.on_finding = on_finding;
	fw->eng.on_finding_arg = fw;
	fw->emit = emit;
	fw->ctx = ctx;
	return fw;
}

void tcp_follow_free(struct tcp_follow *fw)
{
	free(fw);
}

uint64_t tcp_follow_suppressed(const struct tcp_follow *fw)
{
	return fw ? fw->suppressed : 0;
}

int tcp_follow_conn(struct tcp_follow *fw, const struct tcp_conn_stats *st,
		    struct nd_err *err)
{
	/* Evidence of one connection: at most a record per kind and side. */
	struct ev_store *ev = ev_store_new(64);
	struct tcp_totals tot = { 0 };
	struct report *rep = NULL;
	size_t before = 0;
	int ret;

	if (!ev)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	ret = tcp_stats_add_evidence(st, ev);
	if (ret < 0 || ev_store_len(ev) == 0)
		goto out;
	/* Rates are relative to this connection's own data segments. */
	tcp_totals_add(&tot, st);
	ret = tcp_totals_add_evidence(&tot, ev);
	if (ret < 0)
		goto out;
	rep = report_new("analyze");
	if (!rep) {
		ret = -ENOMEM;
		goto out;
	}
	fw->stream = st->stream;
	before = fw->n_seen;
	ret = engine_run(&fw->eng, ev, rep, err);
	if (ret >= 0)
		ret = (int)(fw->n_seen - before);
out:
	report_free(rep);
	ev_store_free(ev);
	if (ret == -ENOMEM)
		nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	return ret;
}

bool tcp_follow_due(struct tcp_follow_clock *c, int64_t now_ns)
{
	/* A clock stepping back is due at once rather than stalling. */
	if (c->started && now_ns >= c->last_ns &&
	    (uint64_t)now_ns - (uint64_t)c->last_ns < (uint64_t)c->every_ns)
		return false;
	c->started = true;
	c->last_ns = now_ns;
	return true;
}
