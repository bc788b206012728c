// SPDX-License-Identifier: MIT
/* Capture sources: opening files, k-way merge by time, -f/-c/-d handling. */
#include "capture/reader.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

/* A filter compiled for one link type; ok=false: the type cannot be
 * filtered (libpcap refused), reported once as an error. */
struct cap_bpf {
	int linktype;
	struct bpf_program prog;
};

/* libpcap compiles for DLT_ numbers; a few LINKTYPE_ values differ. */
static int cap_dlt(int linktype)
{
	switch (linktype) {
	case LINKTYPE_RAW:
	case LINKTYPE_RAW_ALT14:
		return 12; /* DLT_RAW on Linux */
	default:
		return linktype;
	}
}

static int bpf_compile(int linktype, const char *expr, struct bpf_program *prog,
		       struct nd_err *err)
{
	pcap_t *p = pcap_open_dead(cap_dlt(linktype), (int)CAP_MAX_PACKET);
	if (!p)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
				  "filter: out of memory");
	int rc = 0;
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		if (linktype == 1)
			rc = nd_err_set(err, ND_ERR_USAGE, EINVAL,
					"invalid filter '%s': %s", expr,
					pcap_geterr(p));
		else
			rc = nd_err_set(err, ND_ERR_USAGE, EINVAL,
					"filter '%s' cannot be used on link type %d: %s",
					expr, linktype, pcap_geterr(p));
	}
	pcap_close(p);
	return rc;
}

static int bpf_for(struct cap_source *src, int linktype,
		   const struct bpf_program **out, struct nd_err *err)
{
	for (size_t i = 0; i < src->nbpf; i++) {
		if (src->bpf[i].linktype == linktype) {
			*out = &src->bpf[i].prog;
			return 0;
		}
	}
	if (src->nbpf >= 65536) /* one per 16-bit link type at most */
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "filter: too many link types");
	struct cap_bpf *n = realloc(src->bpf, (src->nbpf + 1) * sizeof(*n));
	if (!n)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
				  "filter: out of memory");
	src->bpf = n;
	struct cap_bpf *b = &src->bpf[src->nbpf];
	memset(b, 0, sizeof(*b));
	b->linktype = linktype;
	int rc = bpf_compile(linktype, src->filter, &b->prog, err);
	if (rc < 0)
		return rc;
	src->nbpf++;
	*out = &b->prog;
	return 0;
}

/* 1 = keep, 0 = filtered out, <0 = the filter cannot apply. */
static int filter_match(struct cap_source *src, const struct cap_frame *fr,
			struct nd_err *err)
{
	if (!src->filter)
		return 1;
	if (fr->linktype == LINKTYPE_NONE)
		return 0; /* not a packet: no filter can match it */
	const struct bpf_program *prog;
	int rc = bpf_for(src, fr->linktype, &prog, err);
	if (rc < 0)
		return rc;
	struct pcap_pkthdr h = { .caplen = fr->caplen, .len = fr->wirelen };
	return pcap_offline_filter(prog, &h, fr->data) != 0;
}

static bool head_less(const struct cap_source *src, size_t a, size_t b)
{
	int64_t ta = src->heads[a].ts_ns, tb = src->heads[b].ts_ns;
	return ta < tb || (ta == tb && a < b); /* ties keep file order */
}

static void heap_down(struct cap_source *src, size_t i)
{
	size_t n = src->nheap;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && head_less(src, src->heap[l], src->heap[m]))
			m = l;
		if (l + 1 < n && head_less(src, src->heap[l + 1], src->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = src->heap[i];
		src->heap[i] = src->heap[m];
		src->heap[m] = t;
		i = m;
	}
}

/*
 * Next record of file i. An error ends that file only: it is kept as the
 * file's problem (reported with its name and offset) and, in a merge, the
 * other files are still read to their end. Returns 1 or 0 (ended).
 */
static int file_next(struct cap_source *src, size_t i, struct cap_frame *fr)
{
	struct cap_file *f = &src->files[i];
	int rc = cap_file_next(f, fr, &f->prob.err);
	if (rc >= 0)
		return rc;
	f->prob.warning = false;
	f->prob.has_offset = true;
	f->prob.offset = cap_in_offset(&f->in);
	if (!src->nfailed++)
		src->first_failed = i;
	return 0;
}

/* Reads each file's first record to fill the heap. */
static void merge_prime(struct cap_source *src)
{
	src->primed = true;
	for (size_t i = 0; i < src->nfiles; i++)
		if (!src->files[i].prob.err.kind &&
		    file_next(src, i, &src->heads[i]) > 0)
			src->heap[src->nheap++] = i;
	for (size_t i = src->nheap / 2; i-- > 0;)
		heap_down(src, i);
}

static int merged_next(struct cap_source *src, struct cap_frame *fr,
		       struct nd_err *err)
{
	if (src->nfiles == 1) { /* the common case: no heap */
		int rc = file_next(src, 0, fr);
		if (rc == 0 && src->nfailed) {
			*err = src->files[0].prob.err;
			return -EINVAL;
		}
		return rc;
	}
	if (!src->primed)
		merge_prime(src);
	if (src->advance) {
		src->advance = false;
		size_t i = src->heap[0];
		if (file_next(src, i, &src->heads[i]) == 0)
			src->heap[0] = src->heap[--src->nheap];
		heap_down(src, 0);
	}
	if (src->nheap == 0) {
		/* Every file ended; the first one that failed is the error. */
		if (!src->nfailed)
			return 0;
		*err = src->files[src->first_failed].prob.err;
		return -EINVAL;
	}
	*fr = src->heads[src->heap[0]];
	src->advance = true;
	return 1;
}

/* 128-bit difference: file times may span the whole int64 range. */
static bool past_duration(const struct cap_source *src, int64_t ts)
{
	__extension__ typedef __int128 i128;
	return src->dur_ns && (i128)ts - src->first_ts > src->dur_ns;
}

int cap_next(struct cap_source *src, struct cap_frame *fr, struct nd_err *err)
{
	if (src->err_rc < 0) {
		if (err)
			*err = src->saved;
		return src->err_rc;
	}
	if (src->live)
		return cap_live_next(src, fr, err);
	for (;;) {
		if (src->stopped ||
		    (src->max_count && src->records >= src->max_count))
			return 0;
		int rc = merged_next(src, fr, &src->saved);
		if (rc == 0) {
			src->stopped = true;
			return 0;
		}
		if (rc < 0)
			goto fail;
		fr->num = ++src->nread;
		if (fr->has_ts) {
			if (!src->have_first) {
				src->have_first = true;
				src->first_ts = fr->ts_ns;
			} else if (past_duration(src, fr->ts_ns)) {
				src->stopped = true;
				return 0;
			}
		}
		rc = filter_match(src, fr, &src->saved);
		if (rc < 0)
			goto fail;
		if (rc == 0) {
			src->filtered_out++;
			continue;
		}
		src->records++;
		return 1;
	}
fail:
	src->err_rc = -EINVAL;
	if (err)
		*err = src->saved;
	return src->err_rc;
}

static int src_alloc(struct cap_source **out, size_t n,
		     const struct cap_opts *opts, struct nd_err *err)
{
	struct cap_source *src = calloc(1, sizeof(*src));
	if (!src)
		return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
	*out = src;
	if (n) {
		src->files = calloc(n, sizeof(*src->files));
		src->names = calloc(n, sizeof(*src->names));
		src->heads = calloc(n, sizeof(*src->heads));
		src->heap = calloc(n, sizeof(*src->heap));
		if (!src->files || !src->names || !src->heads || !src->heap)
			return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
					  "out of memory");
		for (size_t i = 0; i < n; i++)
			src->files[i].in.fd = -1;
	}
	if (opts) {
		src->max_count = opts->max_count;
		if (opts->duration_s > 0)
			src->dur_ns = opts->duration_s >= 9.2e9
					      ? INT64_MAX
					      : (int64_t)(opts->duration_s * 1e9);
		if (opts->filter && opts->filter[0]) {
			src->filter = strdup(opts->filter);
			if (!src->filter)
				return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
						  "out of memory");
			/* A syntax error must fail now, not at the first packet. */
			const struct bpf_program *prog;
			int rc = bpf_for(src, LINKTYPE_ETHERNET, &prog, err);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Classic pcap fixes its link type up front: check the filter applies. */
static int check_file_filter(struct cap_source *src, struct cap_file *f,
			     struct nd_err *err)
{
	if (!src->filter || f->fmt != CAP_FMT_PCAP)
		return 0;
	const struct bpf_program *prog;
	return bpf_for(src, f->linktype, &prog, err);
}

int cap_open_files(struct cap_source **out, const char *const *paths,
		   size_t npaths, const struct cap_opts *opts,
		   struct nd_err *err)
{
	*out = NULL;
	if (npaths == 0)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL, "no input file");
	if (npaths > CAP_MAX_FILES)
		return nd_err_set(err, ND_ERR_USAGE, EINVAL,
				  "too many input files (%zu, at most %d)",
				  npaths, CAP_MAX_FILES);
	struct cap_source *src = NULL;
	int rc = src_alloc(&src, npaths, opts, err);
	if (rc < 0)
		goto fail;
	size_t nstdin = 0;
	for (size_t i = 0; i < npaths; i++) {
		if (strcmp(paths[i], "-") == 0 && ++nstdin > 1) {
			rc = nd_err_set(err, ND_ERR_USAGE, EINVAL,
					"stdin ('-') given more than once");
			goto fail;
		}
		src->names[i] = strdup(strcmp(paths[i], "-") == 0 ? "stdin" : paths[i]);
		if (!src->names[i]) {
			rc = nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
			goto fail;
		}
		src->nfiles = i + 1;
		rc = cap_file_open(&src->files[i], paths[i], (int)i, err);
		if (rc < 0 && (npaths == 1 || err->kind != ND_ERR_INPUT))
			goto fail;
		src->files[i].name = src->names[i];
		if (rc < 0) {
			/* One unreadable file of a merge: the others still
			 * count; it is reported as this file's error. */
			struct cap_file *f = &src->files[i];
			cap_file_release(f);
			f->prob.err = *err;
			f->prob.has_offset = false;
			if (!src->nfailed++)
				src->first_failed = i;
			continue;
		}
		rc = check_file_filter(src, &src->files[i], err);
		if (rc < 0)
			goto fail;
	}
	if (src->nfailed == npaths) { /* nothing readable at all */
		*err = src->files[src->first_failed].prob.err;
		rc = -EINVAL;
		goto fail;
	}
	*out = src;
	return 0;
fail:
	cap_close(src);
	return rc;
}

int cap_open_mem(struct cap_source **out, const uint8_t *data, size_t len,
		 const char *name, const struct cap_opts *opts,
		 struct nd_err *err)
{
	*out = NULL;
	struct cap_source *src = NULL;
	int rc = src_alloc(&src, 1, opts, err);
	if (rc < 0)
		goto fail;
	src->names[0] = strdup(name ? name : "memory");
	if (!src->names[0]) {
		rc = nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto fail;
	}
	src->nfiles = 1;
	rc = cap_file_open_mem(&src->files[0], data, len, src->names[0], err);
	if (rc < 0)
		goto fail;
	rc = check_file_filter(src, &src->files[0], err);
	if (rc < 0)
		goto fail;
	*out = src;
	return 0;
fail:
	cap_close(src);
	return rc;
}

void cap_get_stats(struct cap_source *src, struct cap_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!src)
		return;
	st->records = src->records;
	st->filtered_out = src->filtered_out;
	if (src->live) {
		cap_live_stats(src, st);
		return;
	}
	for (size_t i = 0; i < src->nfiles; i++)
		if (src->files[i].max_snaplen > st->snaplen)
			st->snaplen = src->files[i].max_snaplen;
}

const struct cap_problem *cap_file_problem(const struct cap_source *src,
					   int file)
{
	if (!src || src->live || file < 0 || (size_t)file >= src->nfiles ||
	    !src->files[file].prob.err.kind)
		return NULL;
	return &src->files[file].prob;
}

int cap_poll_fd(const struct cap_source *src)
{
	return src && src->live ? cap_live_fd(src) : -1;
}

int cap_wait_ms(const struct cap_source *src)
{
	return src && src->live ? cap_live_wait_ms(src) : 0;
}

void cap_request_stop(struct cap_source *src)
{
	if (!src)
		return;
	if (src->live)
		cap_live_request_stop(src);
	else
		src->stopped = true;
}

size_t cap_source_count(const struct cap_source *src)
{
	return src ? (src->live ? 1 : src->nfiles) : 0;
}

const char *cap_source_name(const struct cap_source *src, int file)
{
	if (!src)
		return "?";
	if (src->live)
		return cap_live_name(src);
	if (file < 0 || (size_t)file >= src->nfiles || !src->names[file])
		return "?";
	return src->names[file];
}

void cap_close(struct cap_source *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->nfiles; i++)
		cap_file_release(&src->files[i]);
	if (src->names)
		for (size_t i = 0; i < src->nfiles; i++)
			free(src->names[i]);
	for (size_t i = 0; i < src->nbpf; i++)
		pcap_freecode(&src->bpf[i].prog);
	cap_live_free(src->live);
	free(src->bpf);
	free(src->filter);
	free(src->files);
	free(src->names);
	free(src->heads);
	free(src->heap);
	free(src);
}
