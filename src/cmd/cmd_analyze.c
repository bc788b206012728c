// SPDX-License-Identifier: MIT
/* netdx analyze: TCP expert analysis of captures (per-frame flags, counts). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analyze/pipeline.h"
#include "cmd/cli.h"
#include "cmd/cmd.h"

struct analyze_ctx {
	bool frames; /* --frames: one line per flagged frame (oracle format) */
	uint64_t flagged_frames;
	uint64_t count[TA_NFLAGS];
	FILE *out;
};

static int set_frames(void *ctx, const char *value, struct nd_err *err)
{
	struct analyze_ctx *a = ctx;

	(void)value;
	(void)err;
	a->frames = true;
	return 0;
}

static const struct cli_extra analyze_extra[] = {
	{ "frames", 0, false, NULL,
	  "print '<frame>\\t<flag>[,<flag>...]' for every frame with a TCP "
	  "analysis flag (tshark field names)",
	  set_frames },
};

/* Unions the flags of every analysed TCP header of the frame (tunnels). */
static void on_frame(void *ctx, const struct pipeline_frame *pf)
{
	struct analyze_ctx *a = ctx;
	uint32_t fl = 0;
	bool first = true;
	unsigned i;

	for (i = 0; i < (unsigned)pf->n_tcp; i++)
		fl |= pf->tcp[i].flags;
	if (!fl)
		return;
	a->flagged_frames++;
	for (i = 0; i < TA_NFLAGS; i++)
		if (fl & (1u << i))
			a->count[i]++;
	if (!a->frames)
		return;
	fprintf(a->out, "%llu\t", (unsigned long long)pf->fr->num);
	for (i = 0; i < TA_NFLAGS; i++) {
		if (!(fl & (1u << i)))
			continue;
		fprintf(a->out, "%s%s", first ? "" : ",", tcp_aflag_name(i));
		first = false;
	}
	fputc('\n', a->out);
}

static void print_summary(const struct analyze_ctx *a, uint64_t frames)
{
	unsigned i;

	fprintf(a->out, "frames: %llu, with TCP analysis flags: %llu\n",
		(unsigned long long)frames,
		(unsigned long long)a->flagged_frames);
	for (i = 0; i < TA_NFLAGS; i++)
		if (a->count[i])
			fprintf(a->out, "  %-24s %llu\n", tcp_aflag_name(i),
				(unsigned long long)a->count[i]);
}

int cmd_analyze(int argc, char **argv)
{
	struct analyze_ctx a = { .out = stdout };
	const struct cli_spec spec = {
		.command = "analyze",
		.usage = "[options] FILE... | -i IFACE",
		.summary = "Decodes the capture, tracks TCP connections and runs "
			   "the Wireshark-equivalent TCP expert analysis.",
		.packet_source = true,
		.extra = analyze_extra,
		.n_extra = sizeof(analyze_extra) / sizeof(analyze_extra[0]),
		.ctx = &a,
	};
	const struct pipeline_hooks hooks = { .ctx = &a, .on_frame = on_frame };
	struct pipeline_opts po;
	struct pipeline *p = NULL;
	struct cli_opts o;
	struct nd_err err = { 0 };
	int ret, rc = ND_EXIT_OK;

	ret = cli_parse(&spec, argc, argv, &o, &err);
	if (ret < 0)
		goto fail;
	if (o.help) {
		cli_print_help(&spec);
		return ND_EXIT_OK;
	}
	if (!o.n_inputs && !o.iface) {
		nd_err_set(&err, ND_ERR_USAGE, EINVAL,
			   "analyze: no input (give FILE or -i IFACE)");
		goto fail;
	}
	pipeline_opts_default(&po);
	po.tcp_analysis = true;
	if (o.max_flows)
		po.limits.max_flows = o.max_flows;
	/*
	 * Wireshark never ends a TCP conversation on idle time or after FIN:
	 * a flow that left the table comes back with fresh analysis state, so
	 * files keep every flow until max_flows forces eviction.
	 */
	if (!o.iface) {
		po.limits.idle_timeout_ns = INT64_MAX;
		po.limits.closed_linger_ns = INT64_MAX;
	}
	if (o.idle_timeout > 0)
		po.limits.idle_timeout_ns = (int64_t)(o.idle_timeout * 1e9);
	ret = pipeline_new(&p, &po, &hooks, &err);
	if (ret < 0)
		goto fail;
	ret = pipeline_open(p, o.inputs, o.n_inputs, o.iface, &err);
	if (ret < 0)
		goto fail;
	ret = pipeline_run(p, &err);
	if (!a.frames)
		print_summary(&a, pipeline_frames(p));
	fflush(a.out);
	if (ret < 0)
		goto fail;
	pipeline_free(p);
	return rc;
fail:
	/* Whatever was processed before a failure has been printed. */
	cli_error(&err);
	pipeline_free(p);
	return cli_exit_code(err.kind);
}
