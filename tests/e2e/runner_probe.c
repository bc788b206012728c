// SPDX-License-Identifier: MIT
/*
 * Test program (not a product option): a packet command with the toy
 * timer source beside the capture and the toy analyzer row, through the
 * same packet_cmd_run as netdx. Ticks and the toy's end-of-run evidence
 * go to stderr; the report to stdout.
 *   runner_probe [netdx packet options] -i IFACE
 */
#include <stdio.h>

#include "../toy/toy.h"
#include "cmd/cli.h"
#include "cmd/packet_cmd.h"

struct probe {
	struct toy_timer timer;
	struct packet_cmd *pc;
};

static int probe_start(void *ctx, struct pipeline *p, struct nd_err *err)
{
	struct probe *pr = ctx;

	(void)err;
	pr->timer.p = p;
	pr->timer.ev = pr->pc->ev;
	return 0;
}

static int probe_evidence(void *ctx, struct packet_cmd *pc, struct nd_err *err)
{
	struct probe *pr = ctx;
	size_t pos = 0;
	const struct evidence *e = ev_store_next(pc->ev, EVK_TEST_PACKETS, &pos);

	(void)err;
	if (e)
		fprintf(stderr, "toy.packets frames %lld packets %lld\n",
			(long long)toy_num(e, EVF_FRAMES),
			(long long)toy_num(e, EVF_PACKETS));
	fprintf(stderr, "toy.ticks %u stopped %d finished %d\n",
		pr->timer.ticks, pr->timer.stopped, pr->timer.finished);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct pkt_analyzer *const rows[] = { &toy_analyzer };
	struct probe pr = { .timer = { .interval_ms = 50, .log = stderr } };
	const struct cli_spec spec = {
		.command = "flows",
		.usage = "[options] -i IFACE",
		.summary = "runner test probe",
		.packet_source = true,
	};
	struct nd_source src = toy_timer_source(&pr.timer);
	struct packet_cmd pc = {
		.name = "flows",
		.hooks = { .ctx = &pr, .on_start = probe_start },
		.add_evidence = probe_evidence,
		.ctx = &pr,
		.sources = &src,
		.n_sources = 1,
		.analyzers = rows,
		.n_analyzers = 1,
	};
	struct cli_opts o;
	int ret;

	ret = cli_begin(&spec, argc, argv, &o);
	if (ret >= 0)
		return ret;
	pr.pc = &pc;
	pc.o = &o;
	return packet_cmd_run(&pc);
}
