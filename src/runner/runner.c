// SPDX-License-Identifier: MIT
/* The source runner: one poll loop, one stop flag, one deadline. */
#include "runner/runner.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* A fixed bound keeps the loop allocation-free (doctor has a handful). */
#define RUNNER_MAX_SOURCES 32

struct slot {
	bool active;
	int64_t due; /* monotonic ns when it must be stepped; INT64_MAX: fd only */
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void end_source(struct nd_source *s, struct nd_source_result *r,
		       struct slot *sl, int rc)
{
	sl->active = false;
	if (rc < 0 && r->status == 0)
		r->status = rc;
	if (s->finish) {
		struct nd_err ferr = { 0 };
		int f = s->finish(s->ctx, &ferr);
		/* The first failure is the one reported. */
		if (f < 0 && r->status == 0) {
			r->status = f;
			r->err = ferr;
		}
	}
}

static void step_source(struct nd_source *s, struct nd_source_result *r,
			struct slot *sl, unsigned budget, int64_t now)
{
	int wait_ms = 0;
	int rc = s->step(s->ctx, budget, &wait_ms, &r->err);

	r->steps++;
	if (rc != SRC_MORE) {
		end_source(s, r, sl, rc);
		return;
	}
	if (wait_ms < 0)
		sl->due = INT64_MAX;
	else
		sl->due = now + (int64_t)wait_ms * 1000000;
}

/* Returns how many sources ended here (those without a stop()). */
static size_t stop_all(struct nd_source *srcs, struct nd_source_result *res,
		       struct slot *sl, size_t n)
{
	size_t ended = 0;

	for (size_t i = 0; i < n; i++) {
		if (!sl[i].active)
			continue;
		if (srcs[i].stop) {
			srcs[i].stop(srcs[i].ctx);
			/* Step it at once: it decides how to end. */
			sl[i].due = 0;
		} else {
			end_source(&srcs[i], &res[i], &sl[i], 0);
			ended++;
		}
	}
	return ended;
}

/* Waits for a descriptor, the earliest due time or the deadline. */
static void wait_ready(struct nd_source *srcs, struct slot *sl, size_t n,
		       int64_t deadline)
{
	struct pollfd pfd[RUNNER_MAX_SOURCES];
	size_t idx[RUNNER_MAX_SOURCES], np = 0;
	int64_t now = mono_ns(), next = deadline;

	for (size_t i = 0; i < n; i++) {
		if (!sl[i].active)
			continue;
		if (sl[i].due < next)
			next = sl[i].due;
		int fd = srcs[i].fd ? srcs[i].fd(srcs[i].ctx) : -1;
		if (fd >= 0) {
			pfd[np] = (struct pollfd){ .fd = fd, .events = POLLIN };
			idx[np++] = i;
		}
	}
	int timeout = -1;
	if (next != INT64_MAX) {
		int64_t ms = next <= now ? 0 : (next - now + 999999) / 1000000;
		timeout = ms > INT_MAX ? INT_MAX : (int)ms;
	}
	/* EINTR (the stop signal) just returns: the loop checks the flag. */
	if (poll(pfd, np, timeout) <= 0)
		return;
	for (size_t k = 0; k < np; k++)
		if (pfd[k].revents)
			sl[idx[k]].due = 0;
}

size_t runner_run(struct nd_source *srcs, struct nd_source_result *res,
		  size_t n, const struct runner_opts *o)
{
	struct slot sl[RUNNER_MAX_SOURCES];
	unsigned budget = o && o->budget ? o->budget : RUNNER_DEFAULT_BUDGET;
	size_t active = 0, avail = 0;
	int64_t deadline = INT64_MAX;
	bool stopping = false;

	memset(sl, 0, sizeof(sl));
	for (size_t i = 0; i < n; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		if (i >= RUNNER_MAX_SOURCES) {
			res[i].status = nd_err_set(&res[i].err, ND_ERR_RUNTIME,
						   E2BIG, "%s: too many sources",
						   srcs[i].name);
			continue;
		}
		if (srcs[i].open) {
			int rc = srcs[i].open(srcs[i].ctx, &res[i].err);
			if (rc < 0) {
				res[i].status = rc;
				continue;
			}
		}
		res[i].available = true;
		sl[i].active = true;
		active++;
		avail++;
	}
	if (o && o->duration_s > 0)
		deadline = o->duration_s >= 9.2e9
				   ? INT64_MAX - 1
				   : mono_ns() + (int64_t)(o->duration_s * 1e9);
	if (n > RUNNER_MAX_SOURCES)
		n = RUNNER_MAX_SOURCES;
	while (active) {
		int64_t now = mono_ns();
		bool ready = false;

		if (!stopping && ((o && o->stop_flag && *o->stop_flag) ||
				  now >= deadline)) {
			stopping = true;
			deadline = INT64_MAX;
			active -= stop_all(srcs, res, sl, n);
		}
		for (size_t i = 0; i < n; i++) {
			if (!sl[i].active || sl[i].due > now)
				continue;
			step_source(&srcs[i], &res[i], &sl[i], budget, now);
			if (!sl[i].active)
				active--;
			else if (sl[i].due <= now)
				ready = true;
		}
		/* A file is always ready: only poll the others when there
		 * are others, without waiting. */
		if (active && (!ready || active > 1))
			wait_ready(srcs, sl, n, ready ? 0 : deadline);
	}
	return avail;
}
