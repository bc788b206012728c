// SPDX-License-Identifier: MIT
// --write-evidence: re-read the inputs and write the selected frames to pcap/pcapng.
#include "analyze/evidence_export.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/pcap_write.h"
#include "core/outfile.h"

/* Header snaplen when no selected record is longer (tshark's own limit). */
#define EV_SNAPLEN 262144u

/* Selection state; one per export, reset between the two passes. */
struct ev_sel {
	uint64_t *frames; /* sorted, deduplicated, no zeros */
	size_t nframes;
	size_t idx; /* first listed frame whose context may still reach ahead */
	struct flow_key *flows; /* sorted */
	size_t nflows;
	int64_t from_ns, to_ns;
	uint32_t ctx;
	struct packet pkt; /* decode scratch, reused for every frame */
};

/* What the first pass learns about the selected frames. */
struct ev_scan {
	int first_any;	/* link type of the first packet of the input, -1 */
	int first_sel;	/* link type of the first selected frame, -1 */
	bool mixed;	/* selected frames have more than one link type */
	uint32_t maxcap; /* longest selected record */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Field by field: the struct has no padding today, but do not rely on it. */
static int cmp_key(const void *a, const void *b)
{
	const struct flow_key *x = a, *y = b;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	for (int i = 0; i < 2; i++)
		if (x->port[i] != y->port[i])
			return x->port[i] < y->port[i] ? -1 : 1;
	return memcmp(x->addr, y->addr, sizeof(x->addr));
}

static int sel_init(struct ev_sel *s, const struct evidence_export_req *req)
{
	size_t n = 0;

	s->from_ns = req->from_ns;
	s->to_ns = req->to_ns;
	s->ctx = req->context_frames;
	if (req->n_frames && req->frames) {
		s->frames = malloc(req->n_frames * sizeof(*s->frames));
		if (!s->frames)
			return -ENOMEM;
		for (size_t i = 0; i < req->n_frames; i++)
			if (req->frames[i])
				s->frames[n++] = req->frames[i];
		qsort(s->frames, n, sizeof(*s->frames), cmp_u64);
		size_t u = 0;
		for (size_t i = 0; i < n; i++)
			if (!u || s->frames[u - 1] != s->frames[i])
				s->frames[u++] = s->frames[i];
		s->nframes = u;
	}
	if (req->n_flows && req->flows) {
		s->flows = malloc(req->n_flows * sizeof(*s->flows));
		if (!s->flows)
			return -ENOMEM;
		for (size_t i = 0; i < req->n_flows; i++) {
			struct flow_key *k = &s->flows[i];
			*k = req->flows[i];
			/* IPv4 keys use 4 address bytes; ignore the rest. */
			if (k->family != 6)
				for (int e = 0; e < 2; e++)
					memset(k->addr[e] + 4, 0, 12);
		}
		s->nflows = req->n_flows;
		qsort(s->flows, s->nflows, sizeof(*s->flows), cmp_key);
	}
	return 0;
}

/* Frame numbers arrive in increasing order, so one cursor walks the list. */
static bool sel_by_number(struct ev_sel *s, uint64_t num)
{
	while (s->idx < s->nframes && s->frames[s->idx] < num &&
	       num - s->frames[s->idx] > s->ctx)
		s->idx++;
	if (s->idx >= s->nframes)
		return false;
	uint64_t f = s->frames[s->idx];
	return f <= num || f - num <= s->ctx;
}

static bool sel_by_flow(struct ev_sel *s, const struct cap_frame *fr)
{
	if (!s->nflows)
		return false;
	if ((s->from_ns && fr->ts_ns < s->from_ns) ||
	    (s->to_ns && fr->ts_ns > s->to_ns))
		return false;
	decode_frame(&s->pkt, fr->linktype, fr->data, fr->caplen, fr->wirelen);
	for (int i = 0; i < s->pkt.n_l4 && i < PKT_MAX_L4; i++) {
		struct flow_key k;
		if (s->pkt.l4[i].in_icmp_error)
			continue;
		if (flow_key_from_packet(&s->pkt, i, &k) < 0)
			continue;
		if (bsearch(&k, s->flows, s->nflows, sizeof(k), cmp_key))
			return true;
	}
	return false;
}

static bool selected(struct ev_sel *s, const struct cap_frame *fr)
{
	if (fr->linktype == LINKTYPE_NONE)
		return false;
	/* Evaluate the number test first: it must see every frame in order. */
	if (sel_by_number(s, fr->num))
		return true;
	return sel_by_flow(s, fr);
}

/*
 * One pass over the inputs: scan (w == NULL) or write. Returns 0 or <0 for
 * a failure that leaves no usable output (open, write; err set). A read
 * error part-way is not one: it goes to *rd / rd_err and the frames before
 * it count, as they do for the analysis run.
 */
static int run_pass(const char *const *inputs, size_t n_inputs,
		    struct ev_sel *s, struct ev_scan *scan, struct pcapw *w,
		    int *rd, struct nd_err *rd_err, struct nd_err *err)
{
	struct cap_opts opts;
	struct cap_source *src = NULL;
	struct cap_frame fr;
	int r;

	memset(&opts, 0, sizeof(opts));
	s->idx = 0;
	*rd = 0;
	r = cap_open_files(&src, inputs, n_inputs, &opts, err);
	if (r < 0)
		return r;
	while ((r = cap_next(src, &fr, rd_err)) > 0) {
		if (!selected(s, &fr))
			continue;
		if (w) {
			r = pcapw_write(w, fr.linktype, fr.ts_ns, fr.data,
					fr.caplen, fr.wirelen, err);
			if (r < 0) {
				cap_close(src);
				return r;
			}
			continue;
		}
		if (scan->first_sel < 0)
			scan->first_sel = fr.linktype;
		else if (fr.linktype != scan->first_sel)
			scan->mixed = true;
		if (fr.caplen > scan->maxcap)
			scan->maxcap = fr.caplen;
	}
	if (r < 0)
		*rd = r;
	cap_close(src);
	return 0;
}

/* Link type of the first packet record, for an empty output's header. */
static int first_linktype(const char *const *inputs, size_t n_inputs)
{
	struct cap_opts opts;
	struct cap_source *src = NULL;
	struct cap_frame fr;
	struct nd_err e;
	int lt = LINKTYPE_ETHERNET;

	memset(&opts, 0, sizeof(opts));
	if (cap_open_files(&src, inputs, n_inputs, &opts, &e) < 0)
		return lt;
	while (cap_next(src, &fr, &e) > 0) {
		if (fr.linktype != LINKTYPE_NONE) {
			lt = fr.linktype;
			break;
		}
	}
	cap_close(src);
	return lt;
}

static int write_output(const char *const *inputs, size_t n_inputs,
			struct ev_sel *s, const struct ev_scan *scan,
			const char *out_path, struct nd_err *err)
{
	struct outfile of;
	struct pcapw *w = NULL;
	struct nd_err rd_err = { 0 };
	int r, rd = 0;

	r = outfile_open(&of, out_path, "--write-evidence", err);
	if (r < 0)
		return r;
	uint32_t snap = scan->maxcap > EV_SNAPLEN ? scan->maxcap : EV_SNAPLEN;
	w = pcapw_new(of.fp, scan->mixed ? PCAPW_PCAPNG : PCAPW_PCAP, snap);
	if (!w) {
		r = nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto fail;
	}
	r = run_pass(inputs, n_inputs, s, NULL, w, &rd, &rd_err, err);
	if (r < 0)
		goto fail;
	int lt = scan->first_sel >= 0 ? scan->first_sel : scan->first_any;
	r = pcapw_finish(w, lt, err);
	if (r < 0)
		goto fail;
	pcapw_free(w);
	r = outfile_commit(&of, err);
	if (r < 0)
		return r;
	/* The file holds what was read before a read error; still report it. */
	if (rd < 0)
		*err = rd_err;
	return rd;
fail:
	pcapw_free(w);
	outfile_abort(&of);
	return r;
}

int evidence_export(const char *const *inputs, size_t n_inputs,
		    const struct evidence_export_req *req, const char *out_path,
		    struct nd_err *err)
{
	struct ev_sel *s;
	struct ev_scan scan = { .first_any = -1, .first_sel = -1 };
	int r;

	if (!inputs || !n_inputs || !req || !out_path || !*out_path)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "evidence export needs inputs and an output path");
	for (size_t i = 0; i < n_inputs; i++)
		if (!inputs[i] || strcmp(inputs[i], "-") == 0)
			return nd_err_set(err, ND_ERR_USAGE, EINVAL,
					  "--write-evidence cannot re-read standard input; "
					  "give the capture as a file");
	/* Replacing an input with its own extract would lose the original. */
	struct stat so, si;
	if (strcmp(out_path, "-") != 0 && stat(out_path, &so) == 0)
		for (size_t i = 0; i < n_inputs; i++)
			if (stat(inputs[i], &si) == 0 && si.st_dev == so.st_dev &&
			    si.st_ino == so.st_ino)
				return nd_err_set(err, ND_ERR_USAGE, EEXIST,
						  "--write-evidence %s would overwrite an input",
						  out_path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	r = sel_init(s, req);
	if (r < 0) {
		r = nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto out;
	}
	/* Pass 1 decides the format: pcap needs one link type for the file. */
	int rd;
	struct nd_err rd_err;
	r = run_pass(inputs, n_inputs, s, &scan, NULL, &rd, &rd_err, err);
	if (r < 0)
		goto out;
	if (scan.first_sel < 0)
		scan.first_any = first_linktype(inputs, n_inputs);
	r = write_output(inputs, n_inputs, s, &scan, out_path, err);
out:
	free(s->frames);
	free(s->flows);
	free(s);
	return r;
}
