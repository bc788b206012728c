// SPDX-License-Identifier: MIT
/* The run shared by packet commands: options -> pipeline -> rules -> sink. */
#include "cmd/packet_cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "output/sink.h"

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
	pc->ev = ev_store_new(0);
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
	po.cap.filter = o->filter;
	po.cap.max_count = o->count;
	po.cap.duration_s = o->duration;
	po.cap.write_path = o->write;
	if (pc->limits)
		po.limits = *pc->limits;
	if (o->iface)
		po.cap.stop_flag = cli_stop_flag_install();
	if (o->max_flows)
		po.limits.max_flows = o->max_flows;
	if (o->idle_timeout > 0)
		po.limits.idle_timeout_ns = (int64_t)(o->idle_timeout * 1e9);
	ret = pipeline_new(&pc->p, &po, &pc->hooks, err);
	if (ret < 0)
		return ret;
	return pipeline_open(pc->p, o->inputs, o->n_inputs, o->iface, err);
}

static int fill_meta(struct packet_cmd *pc)
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
		ret = report_add_source(pc->rep, "capture", true, NULL);
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
	return ret;
}

static int render(struct packet_cmd *pc, struct nd_err *err)
{
	const struct cli_opts *o = pc->o;
	struct sink_opts so = { .out = stdout };
	struct sink *s;
	int ret;

	so.is_tty = isatty(fileno(stdout));
	so.no_color_env = getenv("NO_COLOR");
	so.color = o->color ? SINK_COLOR_AUTO : SINK_COLOR_NEVER;
	so.follow = pc->json_lines && o->json;
	s = sink_new(o->json ? "json" : "text", &so, err);
	if (!s)
		return -EINVAL;
	ret = sink_render(s, pc->rep);
	sink_free(s);
	fflush(stdout);
	if (ret < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, -ret,
				  "%s: writing the report failed", pc->name);
	return 0;
}

int packet_cmd_run(struct packet_cmd *pc)
{
	struct nd_err err = { 0 }, run_err = { 0 };
	int ret, run = 0, code;

	ret = setup_rules(pc, &err);
	if (ret < 0)
		goto fail;
	ret = setup_pipeline(pc, &err);
	if (ret < 0)
		goto fail;
	/* A part-way input failure still reports everything before it. */
	run = pipeline_run(pc->p, &run_err);
	if (pc->add_evidence) {
		ret = pc->add_evidence(pc->ctx, pc, &err);
		if (ret < 0)
			goto fail;
	}
	if (pc->print_raw) {
		ret = pc->print_raw(pc->ctx, pc, &err);
		if (ret < 0)
			goto fail;
		if (ret > 0) {
			fflush(stdout);
			code = ND_EXIT_OK;
			goto done;
		}
	}
	pc->rep = report_new(pc->name);
	if (!pc->rep) {
		ret = nd_err_set(&err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto fail;
	}
	ret = fill_meta(pc);
	if (ret < 0) {
		nd_err_set(&err, ND_ERR_RUNTIME, -ret, "out of memory");
		goto fail;
	}
	ret = engine_run(&pc->eng, pc->ev, pc->rep, &err);
	if (ret < 0)
		goto fail;
	if (pc->fill_report) {
		ret = pc->fill_report(pc->ctx, pc, &err);
		if (ret < 0)
			goto fail;
	}
	ret = render(pc, &err);
	if (ret < 0)
		goto fail;
	code = report_worst_severity(pc->rep) >= SEV_WARN ? ND_EXIT_FINDINGS
							  : ND_EXIT_OK;
done:
	if (run < 0) {
		cli_error(&run_err);
		code = cli_exit_code(run_err.kind);
	}
	report_free(pc->rep);
	pipeline_free(pc->p);
	ev_store_free(pc->ev);
	return code;
fail:
	if (run < 0)
		cli_error(&run_err);
	cli_error(&err);
	report_free(pc->rep);
	pipeline_free(pc->p);
	ev_store_free(pc->ev);
	return cli_exit_code(err.kind);
}
