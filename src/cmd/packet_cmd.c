// SPDX-License-Identifier: MIT
/* The run shared by packet commands: options -> pipeline -> rules -> sink. */
#include "cmd/packet_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "output/report_rules.h"
#include "output/sink.h"

/* Extra sources one packet command may run beside its capture. */
#define PACKET_CMD_MAX_SOURCES 8

static int setup_rules(struct packet_cmd *pc, struct nd_err *err)
{
	const struct cli_opts *o = pc->o;
	int ret;

	thresholds_init(&pc->th);
	if (o->config) {
		ret = thresholds_load_file(&pc->th, o->config, err);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < o->n_set; i++) {
		ret = thresholds_set_arg(&pc->th, o->set[i], err);
		if (ret < 0)
			return ret;
	}
	engine_init(&pc->eng, &pc->th);
	if (o->min_severity) {
		ret = engine_filter_set_min_severity(&pc->eng.filter,
						     o->min_severity, err);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < o->n_ignore; i++) {
		ret = engine_filter_add_ignore(&pc->eng.filter, o->ignore[i],
					       err);
		if (ret < 0)
			return ret;
	}
	pc->ev = ev_store_new(o->max_evidence);
	if (!pc->ev)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	return 0;
}

static int setup_pipeline(struct packet_cmd *pc, struct nd_err *err)
{
	const struct cli_opts *o = pc->o;
	struct pipeline_opts po;
	int ret;

	pipeline_opts_default(&po);
	po.tcp_analysis = pc->tcp_analysis;
	po.th = &pc->th;
	po.ev = pc->ev;
	po.analyzers = pc->analyzers;
	po.n_analyzers = pc->n_analyzers;
	po.cap.filter = o->filter;
	po.cap.max_count = o->count;
	po.cap.duration_s = o->duration;
	po.cap.write_path = o->write;
	if (pc->limits)
		po.limits = *pc->limits;
	/* Live: the runner owns Ctrl-C and -d for every source (files keep
	 * -d as capture time, read in the capture layer). */
	if (o->iface) {
		po.cap.duration_s = 0;
		po.cap.nonblock = true;
		/* Before the capture opens: a signal from then on stops it. */
		(void)cli_stop_flag_install();
	}
	if (o->max_flows)
		po.limits.max_flows = o->max_flows;
	if (o->idle_timeout > 0)
		po.limits.idle_timeout_ns = (int64_t)(o->idle_timeout * 1e9);
	ret = pipeline_new(&pc->p, &po, &pc->hooks, err);
	if (ret < 0)
		return ret;
	return pipeline_open(pc->p, o->inputs, o->n_inputs, o->iface, err);
}

/*
 * The capture and any extra sources in one runner. The capture is opened
 * before (a packet command without its input is an error, not a gap);
 * returns the capture's status, its error in run_err.
 */
static int run_sources(struct packet_cmd *pc, struct nd_err *run_err)
{
	const struct cli_opts *o = pc->o;
	struct nd_source srcs[1 + PACKET_CMD_MAX_SOURCES];
	struct runner_opts ro = { 0 };
	size_t n = 1 + pc->n_sources;

	pipeline_as_source(pc->p, pc->source_name, &srcs[0]);
	for (size_t i = 0; i < pc->n_sources; i++)
		srcs[1 + i] = pc->sources[i];
	if (o->iface) {
		ro.stop_flag = cli_stop_flag_install();
		ro.duration_s = o->duration;
	}
	runner_run(srcs, pc->results, n, &ro);
	*run_err = pc->results[0].err;
	return pc->results[0].status;
}

/* Whether the run's error is one input file's error (listed with it). */
static bool is_file_error(const struct cap_source *src, const struct nd_err *e)
{
	for (size_t i = 0; i < cap_source_count(src); i++) {
		const struct cap_problem *pr = cap_file_problem(src, (int)i);
		if (pr && !pr->warning && strcmp(pr->err.msg, e->msg) == 0)
			return true;
	}
	return false;
}

/*
 * Every file that ended early, by name and offset, and a run error that is
 * none of them (unsupported link type, live capture failure): the report
 * then covers only what was read before them and says so.
 */
static int add_errors(struct packet_cmd *pc, int run,
		      const struct nd_err *run_err)
{
	const struct cap_source *src = pipeline_source(pc->p);
	int ret = 0;

	for (size_t i = 0; i < cap_source_count(src) && !ret; i++) {
		const struct cap_problem *pr = cap_file_problem(src, (int)i);
		if (pr && !pr->warning)
			ret = report_add_error(pc->rep, "capture",
					       cap_source_name(src, (int)i),
					       pr->has_offset, pr->offset,
					       pr->err.msg);
	}
	if (!ret && run < 0 && !is_file_error(src, run_err))
		ret = report_add_error(pc->rep, "capture", NULL, false, 0,
				       run_err->msg);
	if (!ret && report_error_count(pc->rep))
		ret = report_set_source_partial(pc->rep, "capture",
						"input error: the report covers what was read before it");
	return ret;
}

/* One stderr line per file error or warning, then the run's own error. */
static void print_problems(struct packet_cmd *pc, int run,
			   const struct nd_err *run_err)
{
	const struct cap_source *src = pipeline_source(pc->p);

	for (size_t i = 0; i < cap_source_count(src); i++) {
		const struct cap_problem *pr = cap_file_problem(src, (int)i);
		if (pr)
			fprintf(stderr, "netdx: %s%s\n",
				pr->warning ? "warning: " : "", pr->err.msg);
	}
	if (run < 0 && !is_file_error(src, run_err))
		cli_error(run_err);
}

static int fill_meta(struct packet_cmd *pc, int run,
		     const struct nd_err *run_err)
{
	const struct cli_opts *o = pc->o;
	struct flow_table_stats fs;
	struct cap_stats cs;
	int ret = 0;

	for (size_t i = 0; i < o->n_inputs && !ret; i++)
		ret = report_add_input(pc->rep, o->inputs[i]);
	if (o->iface && !ret)
		ret = report_add_input(pc->rep, o->iface);
	if (!ret)
		ret = report_add_source(pc->rep, pc->source_name, true, NULL);
	/* Extra sources: one that could not open is a gap, with its reason. */
	for (size_t i = 0; i < pc->n_sources && !ret; i++) {
		const struct nd_source_result *r = &pc->results[1 + i];
		ret = report_add_source(pc->rep, pc->sources[i].name,
					r->available,
					r->available ? NULL : r->err.msg);
	}
	if (pipeline_frames(pc->p)) {
		int64_t t0, t1;
		pipeline_time_range(pc->p, &t0, &t1);
		report_set_times(pc->rep, t0, t1);
	}
	flow_table_get_stats(pipeline_flows(pc->p), &fs);
	pipeline_cap_stats(pc->p, &cs);
	if (!ret)
		ret = report_set_counter(pc->rep, "frames",
					 pipeline_frames(pc->p));
	if (!ret)
		ret = report_set_counter(pc->rep, "flows", fs.created);
	if (!ret)
		ret = report_set_counter(pc->rep, "flows_evicted", fs.evicted);
	/* Only when it happened: the counter names a problem. */
	if (!ret && pipeline_too_deep(pc->p))
		ret = report_set_counter(pc->rep, "frames_too_deep",
					 pipeline_too_deep(pc->p));
	if (!ret && cs.live && cs.have_kernel_stats)
		ret = report_set_counter(pc->rep, "kernel_dropped",
					 cs.kernel_dropped);
	if (!ret)
		ret = add_errors(pc, run, run_err);
	return ret;
}

/* Everything written to stdout (rows while running, then the rest) made it. */
static int stdout_check(struct packet_cmd *pc, struct nd_err *err)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		return nd_err_set(err, ND_ERR_RUNTIME, errno ? errno : EIO,
				  "%s: writing the output failed: %s",
				  pc->name, strerror(errno ? errno : EIO));
	return 0;
}

void packet_cmd_sink_opts(struct sink_opts *so)
{
	struct winsize ws;

	memset(so, 0, sizeof(*so));
	so->out = stdout;
	so->color = SINK_COLOR_AUTO;
	so->is_tty = isatty(fileno(stdout)) == 1;
	so->no_color_env = getenv("NO_COLOR");
	so->term_env = getenv("TERM");
	so->columns_env = getenv("COLUMNS");
	if (so->is_tty && ioctl(fileno(stdout), TIOCGWINSZ, &ws) == 0)
		so->tty_columns = ws.ws_col;
}

static int render(struct packet_cmd *pc, struct nd_err *err)
{
	const struct cli_opts *o = pc->o;
	struct sink_opts so;
	struct sink *s;
	int ret;

	packet_cmd_sink_opts(&so);
	so.follow = pc->json_lines && o->json;
	s = sink_new(o->format, &so, err);
	if (!s)
		return -EINVAL;
	ret = sink_render(s, pc->rep);
	sink_free(s);
	if (ret < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, -ret,
				  "%s: writing the report failed", pc->name);
	return stdout_check(pc, err);
}

int packet_cmd_run(struct packet_cmd *pc)
{
	struct nd_err err = { 0 }, run_err = { 0 };
	int ret, run = 0, code;

	struct nd_source_result results[1 + PACKET_CMD_MAX_SOURCES];

	pc->source_name = "capture";
	pc->results = results;
	if (pc->n_sources > PACKET_CMD_MAX_SOURCES) {
		ret = nd_err_set(&err, ND_ERR_USAGE, E2BIG,
				 "%s: too many sources", pc->name);
		goto fail;
	}
	ret = setup_rules(pc, &err);
	if (ret < 0)
		goto fail;
	ret = setup_pipeline(pc, &err);
	if (ret < 0)
		goto fail;
	ret = pipeline_start(pc->p, &err);
	if (ret < 0)
		goto fail;
	/* A part-way input failure still reports everything before it. */
	run = run_sources(pc, &run_err);
	if (pc->add_evidence) {
		ret = pc->add_evidence(pc->ctx, pc, &err);
		if (ret < 0)
			goto fail;
	}
	pc->rep = report_new(pc->name);
	if (!pc->rep) {
		ret = nd_err_set(&err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto fail;
	}
	ret = fill_meta(pc, run, &run_err);
	if (ret < 0) {
		nd_err_set(&err, ND_ERR_RUNTIME, -ret, "out of memory");
		goto fail;
	}
	ret = report_run_engine(pc->rep, &pc->eng, pc->ev, NULL, NULL, &err);
	if (ret < 0)
		goto fail;
	/* Machine modes print instead of the report, after the rules ran:
	 * the exit status is the same whatever the format. */
	ret = pc->print_raw ? pc->print_raw(pc->ctx, pc, &err) : 0;
	if (ret < 0)
		goto fail;
	if (ret > 0) {
		ret = stdout_check(pc, &err);
		if (ret < 0)
			goto fail;
	} else {
		if (pc->fill_report) {
			ret = pc->fill_report(pc->ctx, pc, &err);
			if (ret < 0)
				goto fail;
		}
		report_finalize(pc->rep);
		ret = render(pc, &err);
		if (ret < 0)
			goto fail;
	}
	code = report_worst_severity(pc->rep) >= SEV_WARN ? ND_EXIT_FINDINGS
							  : ND_EXIT_OK;
	print_problems(pc, run, &run_err);
	if (run < 0)
		code = cli_exit_code(run_err.kind);
	report_free(pc->rep);
	pipeline_free(pc->p);
	ev_store_free(pc->ev);
	return code;
fail:
	print_problems(pc, run, &run_err);
	cli_error(&err);
	report_free(pc->rep);
	pipeline_free(pc->p);
	ev_store_free(pc->ev);
	return cli_exit_code(err.kind);
}
