// SPDX-License-Identifier: MIT
/* Rule engine: runs the rule table over the evidence store, filters, hands findings on. */
#include "rules/engine.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "rules/rules.h"

struct rule_ctx {
	const struct rule *rule;
	int (*out)(void *arg, struct finding *f);
	void *arg;
};

int rule_emit(struct rule_ctx *ctx, struct finding *f)
{
	if (!f)
		return -ENOMEM;
	/* One row, one id: this is what lets --ignore skip whole rules. */
	assert(strcmp(f->id, ctx->rule->id) == 0);
	return ctx->out(ctx->arg, f);
}

void engine_filter_init(struct engine_filter *flt)
{
	memset(flt, 0, sizeof(*flt));
	flt->min_severity = SEV_INFO;
}

int engine_filter_set_min_severity(struct engine_filter *flt,
				   const char *level, struct nd_err *err)
{
	if (severity_parse(level, &flt->min_severity) < 0)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "--min-severity: '%s' is not one of info, "
				  "low, warn, crit",
				  level ? level : "");
	return 0;
}

/* "area.*" matches every id of that area. */
static bool pattern_match(const char *pat, const char *id)
{
	size_t pl = strlen(pat);
	if (pl >= 2 && strcmp(pat + pl - 2, ".*") == 0)
		return strncmp(pat, id, pl - 1) == 0;
	return strcmp(pat, id) == 0;
}

int engine_filter_add_ignore(struct engine_filter *flt, const char *s,
			     struct nd_err *err)
{
	bool known = false;
	if (!s || !*s)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "--ignore needs a finding id");
	for (size_t i = 0; i < catalog_count() && !known; i++)
		known = pattern_match(s, catalog_at(i)->id);
	if (!known)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "--ignore: unknown finding id '%s' (see "
				  "docs/findings.md)",
				  s);
	if (flt->n_ignore >= ENGINE_MAX_IGNORE)
		return nd_err_set(err, ND_ERR_USAGE, E2BIG,
				  "--ignore: more than %d ids",
				  ENGINE_MAX_IGNORE);
	flt->ignore[flt->n_ignore++] = s;
	return 0;
}

bool engine_filter_ignores(const struct engine_filter *flt, const char *id)
{
	for (size_t i = 0; i < flt->n_ignore; i++)
		if (pattern_match(flt->ignore[i], id))
			return true;
	return false;
}

bool engine_filter_pass(const struct engine_filter *flt,
			const struct finding *f)
{
	return f->severity >= flt->min_severity &&
	       !engine_filter_ignores(flt, f->id);
}

void engine_init(struct engine *eng, const struct thresholds *th)
{
	memset(eng, 0, sizeof(*eng));
	eng->rules = rules_default(&eng->n_rules);
	eng->th = th;
	engine_filter_init(&eng->filter);
}

int engine_run_rule(const struct rule *r, const struct ev_store *ev,
		    const struct thresholds *th,
		    int (*out)(void *arg, struct finding *f), void *arg)
{
	struct rule_ctx ctx = { .rule = r, .out = out, .arg = arg };
	return r->fn(&ctx, ev, th);
}

struct run_state {
	const struct engine *eng;
	engine_out_fn out;
	void *arg;
	uint64_t suppressed;
};

static int run_out(void *arg, struct finding *f)
{
	struct run_state *rs = arg;
	if (!engine_filter_pass(&rs->eng->filter, f)) {
		rs->suppressed++;
		finding_free(f);
		return 0;
	}
	return rs->out(rs->arg, f);
}

int engine_run(const struct engine *eng, const struct ev_store *ev,
	       engine_out_fn out, void *arg, struct engine_result *res,
	       struct nd_err *err)
{
	struct run_state rs = { .eng = eng, .out = out, .arg = arg };
	struct thresholds defaults;
	const struct thresholds *th = eng->th;
	if (!th) {
		thresholds_init(&defaults);
		th = &defaults;
	}
	for (size_t i = 0; i < eng->n_rules; i++) {
		const struct rule *r = &eng->rules[i];
		/* Ignored ids are not even computed. */
		if (engine_filter_ignores(&eng->filter, r->id)) {
			continue;
		}
		int rc = engine_run_rule(r, ev, th, run_out, &rs);
		if (rc < 0)
			return nd_err_set(err, ND_ERR_RUNTIME, -rc,
					  "rule %s failed: %s", r->id,
					  strerror(-rc));
	}
	if (res)
		res->suppressed = rs.suppressed;
	return 0;
}
