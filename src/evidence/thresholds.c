// SPDX-License-Identifier: MIT
/* Threshold table, strict value parsing, --set and config file loading. */
#include "evidence/thresholds.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keep in step with docs/findings.md (test_catalog checks each name is there). */
static const struct threshold_def TH_DEFS[TH_COUNT] = {
	[TH_CAPTURE_DUPLICATE_MIN_COUNT] = {
		"capture.duplicate_min_count", 1, 1, 1e15, "count",
		"duplicate frames needed before capture.duplicate_packets is reported" },
	[TH_CAPTURE_DUPLICATE_WARN_SHARE] = {
		"capture.duplicate_warn_share", 0.05, 0, 1, "share",
		"share of duplicate frames from which capture.duplicate_packets is warn (else low)" },
	[TH_CAPTURE_DUPLICATE_WINDOW_MS] = {
		"capture.duplicate_window_ms", 1, 0, 1000, "ms",
		"a copy of the same IP packet (different timestamp) within this time counts as a near duplicate" },
	[TH_CAPTURE_DUPLICATE_MEMORY] = {
		"capture.duplicate_memory", 262144, 1024, 16777216, "entries",
		"frames remembered for exact duplicate detection (about 48 bytes each); older ones are forgotten first" },
	[TH_CAPTURE_TIME_BACKWARDS_MIN] = {
		"capture.time_backwards_min", 1, 1, 1e15, "count",
		"backward time steps needed before capture.time_backwards is reported" },
	[TH_CAPTURE_TIME_BACKWARDS_MIN_STEP_MS] = {
		"capture.time_backwards_min_step_ms", 0, 0, 1e9, "ms",
		"backward steps smaller than this are ignored (jitter between capture queues)" },
	[TH_CAPTURE_TRUNCATED_MIN_SHARE] = {
		"capture.truncated_min_share", 0.01, 0, 1, "share",
		"share of frames cut by the snapshot length from which capture.truncated is reported" },
	[TH_CAPTURE_FLOWS_EVICTED_MIN] = {
		"capture.flows_evicted_min", 1, 1, 1e15, "count",
		"flows evicted from a full flow table before capture.flows_evicted is reported" },
	[TH_CAPTURE_KERNEL_DROPS_MIN] = {
		"capture.kernel_drops_min", 1, 1, 1e15, "count",
		"packets dropped by the capturing kernel before capture.kernel_drops is reported" },
	[TH_CAPTURE_KERNEL_DROPS_CRIT_SHARE] = {
		"capture.kernel_drops_crit_share", 0.1, 0, 1, "share",
		"share of packets dropped by the capturing kernel from which capture.kernel_drops is crit (else warn)" },
	[TH_TCP_RETRANS_MIN_COUNT] = {
		"tcp.retrans_min_count", 1, 1, 1e15, "count",
		"retransmissions (whole run) needed before tcp.retransmissions is reported" },
	[TH_TCP_RETRANS_WARN_SHARE] = {
		"tcp.retrans_warn_share", 0.01, 0, 1, "share",
		"share of segments (data, SYN, FIN) retransmitted (run, or worst connection) from which tcp.retransmissions is warn (else low)" },
	[TH_TCP_RETRANS_CRIT_SHARE] = {
		"tcp.retrans_crit_share", 0.1, 0, 1, "share",
		"share of segments (data, SYN, FIN) retransmitted on the worst connection from which tcp.retransmissions is crit" },
	[TH_TCP_SPURIOUS_MIN_COUNT] = {
		"tcp.spurious_min_count", 1, 1, 1e15, "count",
		"spurious retransmissions needed before tcp.spurious_retransmissions is reported" },
	[TH_TCP_REORDERING_MIN_COUNT] = {
		"tcp.reordering_min_count", 1, 1, 1e15, "count",
		"out-of-order segments needed before tcp.reordering is reported" },
	[TH_TCP_RTO_STALL_MIN_MS] = {
		"tcp.rto_stall_min_ms", 200, 0, 1e9, "ms",
		"stall episodes shorter than this are not counted by tcp.rto_stalls (Linux RTO_MIN is 200 ms)" },
	[TH_TCP_RTO_STALL_CRIT_MS] = {
		"tcp.rto_stall_crit_ms", 3000, 0, 1e9, "ms",
		"a single stall this long makes tcp.rto_stalls crit (else warn)" },
	[TH_TCP_ZERO_WINDOW_MIN_MS] = {
		"tcp.zero_window_min_ms", 0, 0, 1e9, "ms",
		"zero-window time (summed per connection) below this is not reported" },
	[TH_TCP_ZERO_WINDOW_WARN_MS] = {
		"tcp.zero_window_warn_ms", 500, 0, 1e9, "ms",
		"zero-window time on one connection from which tcp.zero_window is warn (else low)" },
	[TH_TCP_WINDOW_FULL_MIN_COUNT] = {
		"tcp.window_full_min_count", 1, 1, 1e15, "count",
		"window-full segments needed before tcp.window_full is reported" },
	[TH_TCP_RESETS_MIN_COUNT] = {
		"tcp.resets_min_count", 1, 1, 1e15, "count",
		"connections reset outside the handshake needed before tcp.resets is reported" },
	[TH_TCP_CLOSED_PORT_MIN_COUNT] = {
		"tcp.closed_port_min_count", 1, 1, 1e15, "count",
		"refused connection attempts needed before tcp.closed_port is reported" },
	[TH_TCP_SYN_UNANSWERED_MIN_COUNT] = {
		"tcp.syn_unanswered_min_count", 1, 1, 1e15, "count",
		"connection attempts without any answer needed before tcp.syn_unanswered is reported" },
};

void thresholds_init(struct thresholds *th)
{
	for (size_t i = 0; i < TH_COUNT; i++)
		th->v[i] = TH_DEFS[i].def;
}

size_t thresholds_count(void)
{
	return TH_COUNT;
}

const struct threshold_def *threshold_def_at(size_t i)
{
	return i < TH_COUNT ? &TH_DEFS[i] : NULL;
}

const struct threshold_def *threshold_find(const char *name, enum th_id *id)
{
	for (size_t i = 0; i < TH_COUNT; i++) {
		if (strcmp(TH_DEFS[i].name, name) == 0) {
			if (id)
				*id = (enum th_id)i;
			return &TH_DEFS[i];
		}
	}
	return NULL;
}

bool threshold_is_integer(const struct threshold_def *d)
{
	return strcmp(d->unit, "count") == 0 || strcmp(d->unit, "entries") == 0;
}

int thresholds_set(struct thresholds *th, const char *name, const char *value,
		   struct nd_err *err)
{
	enum th_id id;
	const struct threshold_def *d = threshold_find(name, &id);
	if (!d)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "unknown threshold '%s' (see docs/findings.md)",
				  name);
	char *end = NULL;
	errno = 0;
	double v = value && *value && !isspace((unsigned char)*value)
			   ? strtod(value, &end)
			   : NAN;
	if (!end || *end || errno || !isfinite(v))
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "threshold %s: '%s' is not a number", name,
				  value ? value : "");
	/* Counts and table sizes are whole numbers: digits only. */
	if (threshold_is_integer(d) &&
	    strspn(value, "0123456789") != strlen(value))
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "threshold %s: '%s' is not a whole number (%s)",
				  name, value, d->unit);
	if (v < d->min || v > d->max)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "threshold %s: %g is out of range [%g, %g] (%s)",
				  name, v, d->min, d->max, d->unit);
	th->v[id] = v;
	return 0;
}

int thresholds_set_arg(struct thresholds *th, const char *arg,
		       struct nd_err *err)
{
	const char *eq = arg ? strchr(arg, '=') : NULL;
	if (!eq || eq == arg)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "--set expects NAME=VALUE, got '%s'",
				  arg ? arg : "");
	char name[128];
	size_t nl = (size_t)(eq - arg);
	if (nl >= sizeof(name))
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "--set: threshold name too long");
	memcpy(name, arg, nl);
	name[nl] = 0;
	return thresholds_set(th, name, eq + 1, err);
}

/* Trims ASCII whitespace in place; returns the new start. */
static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l > 0 && isspace((unsigned char)s[l - 1]))
		s[--l] = 0;
	return s;
}

/* Bounds for --config: a settings file is a few lines; /dev/zero is not. */
#define CFG_MAX_BYTES 65536
#define CFG_MAX_LINE 1023

/* Reads at most CFG_MAX_BYTES + 1 bytes into a new buffer (NUL-terminated). */
static int read_bounded(const char *path, char **out, size_t *len,
			struct nd_err *err)
{
	FILE *fp = fopen(path, "r");
	char *buf;
	size_t n;

	if (!fp)
		return nd_err_set(err, ND_ERR_USAGE, errno, "--config %s: %s",
				  path, strerror(errno));
	buf = malloc(CFG_MAX_BYTES + 2);
	if (!buf) {
		fclose(fp);
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	}
	n = fread(buf, 1, CFG_MAX_BYTES + 1, fp);
	if (ferror(fp)) {
		int e = errno ? errno : EIO;
		fclose(fp);
		free(buf);
		return nd_err_set(err, ND_ERR_USAGE, e, "--config %s: %s", path,
				  strerror(e));
	}
	fclose(fp);
	if (n > CFG_MAX_BYTES) {
		free(buf);
		return nd_err_set(err, ND_ERR_USAGE, EFBIG,
				  "--config %s: larger than %d bytes", path,
				  CFG_MAX_BYTES);
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return 0;
}

/* One "name = value" line (comment and blanks allowed); 0 or <0 with err. */
static int load_line(struct thresholds *th, char *line, const char *path,
		     unsigned lineno, struct nd_err *err)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	char *s = trim(line);
	if (!*s)
		return 0;
	char *eq = strchr(s, '=');
	if (!eq)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "%s:%u: expected 'name = value'", path, lineno);
	*eq = 0;
	char *name = trim(s), *val = trim(eq + 1);
	struct nd_err e2 = { 0 };
	if (thresholds_set(th, name, val, &e2) < 0)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL, "%s:%u: %s", path,
				  lineno, e2.msg);
	return 0;
}

int thresholds_load_file(struct thresholds *th, const char *path,
			 struct nd_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	unsigned lineno = 0;
	int rc = read_bounded(path, &buf, &len, err);

	if (rc < 0)
		return rc;
	for (size_t pos = 0; pos < len && rc == 0;) {
		char *line = buf + pos;
		char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;

		lineno++;
		pos += ll + (nl != NULL);
		if (memchr(line, 0, ll))
			rc = nd_err_set(err, ND_ERR_USAGE, EINVAL,
					"%s:%u: NUL byte in line", path, lineno);
		else if (ll > CFG_MAX_LINE)
			rc = nd_err_set(err, ND_ERR_USAGE, EINVAL,
					"%s:%u: line too long (more than %d bytes)",
					path, lineno, CFG_MAX_LINE);
		else {
			line[ll] = 0;
			rc = load_line(th, line, path, lineno, err);
		}
	}
	free(buf);
	return rc;
}
