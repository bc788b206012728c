// SPDX-License-Identifier: MIT
/* Live capture through libpcap: activate, filter, -w saving, stop flag. */
#include "capture/reader.h"
#include "capture/pcap_write.h"
#include "core/outfile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_SNAPLEN 262144
/* Short read timeout so a Ctrl-C (stop flag) or -d is noticed promptly. */
#define LIVE_TIMEOUT_MS 100
#define LIVE_BUFFER (8 * 1024 * 1024)
/*
 * With TPACKET_V3 the kernel hands a ring block to user space only when it
 * is full or its timer (the read timeout) retires it, up to about two
 * timeouts after a packet arrived. On a stop request we keep reading this
 * long, so every packet that arrived before the stop is reported.
 */
#define LIVE_DRAIN_MS (3 * LIVE_TIMEOUT_MS)

struct cap_live {
	pcap_t *pc;
	struct outfile wfile; /* -w */
	struct pcapw *w;      /* writes into wfile.fp */
	char *iface;
	bool nano;
	int linktype;
	volatile int *stop_flag;
	bool stop_req;	  /* cap_request_stop(): same path as the flag */
	bool nonblock;	  /* return CAP_AGAIN instead of waiting */
	int64_t start_mono;
	int fd;		  /* selectable fd: we poll it ourselves (non-blocking) */
	bool draining;	  /* stop requested: reading what arrived before it */
	int64_t stop_real; /* packets stamped after this are not reported */
	int64_t drain_end; /* monotonic */
	/*
	 * Kernel counters read once when the capture stops: the kernel keeps
	 * counting (and dropping) while the socket is open, and those packets
	 * came after the capture. After the stop the handle is closed.
	 */
	bool frozen;
	bool have_stats;
	struct pcap_stat stats;
	uint32_t snaplen;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static int activate_error(pcap_t *pc, int rc, const char *iface,
			  struct nd_err *err)
{
	const char *why = pcap_geterr(pc);
	switch (rc) {
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		return nd_err_set(err, ND_ERR_PRIVILEGE, EPERM,
				  "%s: no permission to capture (%s); run as root or grant CAP_NET_RAW (setcap cap_net_raw,cap_net_admin+eip)",
				  iface, why);
	case PCAP_ERROR_NO_SUCH_DEVICE:
		return nd_err_set(err, ND_ERR_USAGE, ENODEV,
				  "%s: no such interface (%s)", iface, why);
	case PCAP_ERROR_IFACE_NOT_UP:
		return nd_err_set(err, ND_ERR_RUNTIME, ENETDOWN,
				  "%s: interface is down", iface);
	default:
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "%s: cannot start capture: %s", iface,
				  why[0] ? why : pcap_statustostr(rc));
	}
}

static int live_setup(struct cap_live *lv, const char *iface,
		      const struct cap_opts *opts, struct nd_err *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	lv->pc = pcap_create(iface, ebuf);
	if (!lv->pc)
		return nd_err_set(err, ND_ERR_RUNTIME, EIO, "%s: %s", iface,
				  ebuf);
	int snap = opts && opts->snaplen > 0 ? opts->snaplen : LIVE_SNAPLEN;
	pcap_set_snaplen(lv->pc, snap);
	pcap_set_promisc(lv->pc, opts && opts->promisc);
	pcap_set_timeout(lv->pc, LIVE_TIMEOUT_MS);
	pcap_set_buffer_size(lv->pc, LIVE_BUFFER);
	lv->nano = pcap_set_tstamp_precision(lv->pc, PCAP_TSTAMP_PRECISION_NANO) == 0;
	int rc = pcap_activate(lv->pc);
	if (rc < 0)
		return activate_error(lv->pc, rc, iface, err);
	lv->linktype = pcap_datalink(lv->pc);
	/*
	 * Non-blocking, polled by us with a timeout: libpcap's own blocking
	 * read waits in poll() without a timeout under TPACKET_V3 and restarts
	 * it after a signal, so Ctrl-C or -d on a quiet interface would never
	 * be noticed.
	 */
	if (pcap_setnonblock(lv->pc, 1, ebuf) != 0)
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "%s: cannot set non-blocking mode: %s", iface,
				  ebuf);
	lv->fd = pcap_get_selectable_fd(lv->pc);
	if (lv->fd < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, EIO,
				  "%s: capture has no pollable descriptor",
				  iface);
	if (opts && opts->filter && opts->filter[0]) {
		struct bpf_program prog;
		if (pcap_compile(lv->pc, &prog, opts->filter, 1,
				 PCAP_NETMASK_UNKNOWN) != 0)
			return nd_err_set(err, ND_ERR_USAGE, EINVAL,
					  "invalid filter '%s': %s", opts->filter,
					  pcap_geterr(lv->pc));
		rc = pcap_setfilter(lv->pc, &prog);
		pcap_freecode(&prog);
		if (rc != 0)
			return nd_err_set(err, ND_ERR_RUNTIME, EIO,
					  "%s: cannot set filter: %s", iface,
					  pcap_geterr(lv->pc));
	}
	if (opts && opts->write_path) {
		rc = outfile_open(&lv->wfile, opts->write_path, "-w", err);
		if (rc < 0)
			return rc;
		int got = pcap_snapshot(lv->pc);
		lv->w = pcapw_new(lv->wfile.fp, PCAPW_PCAP,
				  (uint32_t)(got > snap ? got : snap));
		if (!lv->w)
			return nd_err_set(err, ND_ERR_RUNTIME, ENOMEM,
					  "out of memory");
	}
	return 0;
}

int cap_open_live(struct cap_source **out, const char *iface,
		  const struct cap_opts *opts, struct nd_err *err)
{
	*out = NULL;
	if (!iface || !iface[0])
		return nd_err_set(err, ND_ERR_USAGE, EINVAL, "no interface given");
	struct cap_source *src = calloc(1, sizeof(*src));
	struct cap_live *lv = calloc(1, sizeof(*lv));
	int rc;
	if (!src || !lv) {
		free(lv);
		rc = nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto fail;
	}
	src->live = lv;
	lv->iface = strdup(iface);
	if (!lv->iface) {
		rc = nd_err_set(err, ND_ERR_RUNTIME, ENOMEM, "out of memory");
		goto fail;
	}
	rc = live_setup(lv, iface, opts, err);
	if (rc < 0)
		goto fail;
	if (opts) {
		src->max_count = opts->max_count;
		if (opts->duration_s > 0)
			src->dur_ns = opts->duration_s >= 9.2e9
					      ? INT64_MAX
					      : (int64_t)(opts->duration_s * 1e9);
		lv->stop_flag = opts->stop_flag;
		lv->nonblock = opts->nonblock;
	}
	lv->start_mono = mono_ns();
	*out = src;
	return 0;
fail:
	cap_close(src);
	return rc;
}

/* DLT_RAW is 12 in libpcap's API but LINKTYPE_RAW (101) in files. */
static int file_linktype(int dlt)
{
	return dlt == LINKTYPE_RAW_ALT12 || dlt == LINKTYPE_RAW_ALT14
		       ? LINKTYPE_RAW
		       : dlt;
}

/* Reads the kernel counters once: the capture's figures from now on. */
static void live_freeze(struct cap_live *lv)
{
	if (lv->frozen)
		return;
	lv->frozen = true;
	lv->snaplen = (uint32_t)pcap_snapshot(lv->pc);
	lv->have_stats = pcap_stats(lv->pc, &lv->stats) == 0;
}

/*
 * The capture ends: counters frozen, the -w file completed (headers even
 * when empty). 0 or <0 with err set.
 */
static int live_finish(struct cap_live *lv, struct nd_err *err)
{
	int rc = 0;

	live_freeze(lv);
	if (!lv->w)
		return 0;
	rc = pcapw_finish(lv->w, file_linktype(lv->linktype), err);
	pcapw_free(lv->w);
	lv->w = NULL;
	if (rc < 0)
		outfile_abort(&lv->wfile);
	else
		rc = outfile_commit(&lv->wfile, err);
	return rc;
}

/* A capture error: the -w file still gets what was captured before it
 * (that error is the one reported, not a second one from the file). */
static void keep_capture(struct cap_live *lv)
{
	struct nd_err ignored = { 0 };

	live_finish(lv, &ignored);
}

/* Stop conditions other than -c: Ctrl-C (stop flag) and -d. */
static bool stop_requested(const struct cap_source *src,
			   const struct cap_live *lv)
{
	return lv->stop_req || (lv->stop_flag && *lv->stop_flag) ||
	       (src->dur_ns && mono_ns() - lv->start_mono >= src->dur_ns);
}

static int live_stop(struct cap_source *src, struct cap_live *lv,
		     struct nd_err *err)
{
	src->stopped = true;
	src->err_rc = live_finish(lv, &src->saved);
	/* Nothing more is read: the kernel stops queueing for us. */
	pcap_close(lv->pc);
	lv->pc = NULL;
	if (src->err_rc < 0 && err)
		*err = src->saved;
	return src->err_rc;
}

/* Waits until the capture may have data, a signal, or timeout_ms. */
static int live_wait(struct cap_live *lv, int timeout_ms, struct nd_err *err)
{
	struct pollfd pfd = { .fd = lv->fd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) < 0 && errno != EINTR)
		return nd_err_set(err, ND_ERR_RUNTIME, errno,
				  "%s: capture failed: poll: %s", lv->iface,
				  strerror(errno));
	return 0;
}

int cap_live_next(struct cap_source *src, struct cap_frame *fr,
		  struct nd_err *err)
{
	struct cap_live *lv = src->live;
	for (;;) {
		if (src->stopped)
			return 0;
		if (src->max_count && src->records >= src->max_count)
			return live_stop(src, lv, err);
		if (!lv->draining && stop_requested(src, lv)) {
			/* Packets arriving from now on are not ours, nor are
			 * their drops: the counters stop here. */
			live_freeze(lv);
			lv->draining = true;
			lv->stop_real = clock_ns(CLOCK_REALTIME);
			lv->drain_end = mono_ns() +
					(int64_t)LIVE_DRAIN_MS * 1000000;
		}
		int64_t now = mono_ns();
		if (lv->draining && now >= lv->drain_end)
			return live_stop(src, lv, err);
		struct pcap_pkthdr *h;
		const u_char *data;
		int rc = pcap_next_ex(lv->pc, &h, &data);
		if (rc == 0 && lv->nonblock)
			return CAP_AGAIN;
		if (rc == 0) {
			int ms = LIVE_TIMEOUT_MS;
			if (lv->draining &&
			    (lv->drain_end - now) / 1000000 + 1 < ms)
				ms = (int)((lv->drain_end - now) / 1000000) + 1;
			rc = live_wait(lv, ms, &src->saved);
			if (rc == 0)
				continue;
			keep_capture(lv);
			src->err_rc = rc;
			if (err)
				*err = src->saved;
			return src->err_rc;
		}
		if (rc == PCAP_ERROR_BREAK)
			return live_stop(src, lv, err);
		if (rc < 0) {
			/* The message first: pcap_stats may reuse the buffer. */
			src->err_rc = nd_err_set(&src->saved, ND_ERR_RUNTIME, EIO,
						 "%s: capture failed: %s",
						 lv->iface, pcap_geterr(lv->pc));
			keep_capture(lv);
			if (err)
				*err = src->saved;
			return src->err_rc;
		}
		int64_t ts = (int64_t)h->ts.tv_sec * 1000000000 +
			     (int64_t)h->ts.tv_usec * (lv->nano ? 1 : 1000);
		/* Arrived after the stop request: not part of this capture. */
		if (lv->draining && ts > lv->stop_real)
			continue;
		memset(fr, 0, sizeof(*fr));
		fr->num = ++src->nread;
		fr->ts_ns = ts;
		fr->has_ts = true;
		fr->caplen = h->caplen;
		fr->wirelen = h->len;
		fr->linktype = lv->linktype;
		fr->iface = 0;
		fr->file = 0;
		fr->data = data;
		if (lv->w) {
			struct nd_err we = { 0 };

			rc = pcapw_write(lv->w, file_linktype(lv->linktype), ts,
					 data, h->caplen, h->len, &we);
			if (rc < 0) {
				nd_err_set(&src->saved, ND_ERR_RUNTIME, -rc,
					   "-w %s: %s", lv->wfile.path, we.msg);
				pcapw_free(lv->w);
				lv->w = NULL;
				outfile_abort(&lv->wfile);
				src->err_rc = rc;
				if (err)
					*err = src->saved;
				return rc;
			}
		}
		src->records++;
		return 1;
	}
}

void cap_live_stats(struct cap_source *src, struct cap_stats *st)
{
	struct cap_live *lv = src->live;
	struct pcap_stat now, *ps = &lv->stats;
	bool ok = lv->have_stats;
	st->live = true;
	if (lv->frozen) {
		st->snaplen = lv->snaplen;
	} else { /* still capturing: the counters so far */
		st->snaplen = (uint32_t)pcap_snapshot(lv->pc);
		ok = pcap_stats(lv->pc, &now) == 0;
		ps = &now;
	}
	if (ok) {
		st->have_kernel_stats = true;
		st->kernel_received = ps->ps_recv;
		st->kernel_dropped = ps->ps_drop;
		st->iface_dropped = ps->ps_ifdrop;
	}
}

int cap_live_fd(const struct cap_source *src)
{
	return src->stopped ? -1 : src->live->fd;
}

int cap_live_wait_ms(const struct cap_source *src)
{
	const struct cap_live *lv = src->live;
	int ms = LIVE_TIMEOUT_MS;

	/* The stop flag, -d and block retirement are checked this often. */
	if (lv->draining) {
		int64_t left = lv->drain_end - mono_ns();
		if (left / 1000000 + 1 < ms)
			ms = left < 0 ? 0 : (int)(left / 1000000) + 1;
	}
	return ms;
}

void cap_live_request_stop(struct cap_source *src)
{
	src->live->stop_req = true;
}

const char *cap_live_name(const struct cap_source *src)
{
	return src->live->iface;
}

void cap_live_free(struct cap_live *lv)
{
	if (!lv)
		return;
	/* Not completed by a stop (an error or early exit): not published. */
	pcapw_free(lv->w);
	outfile_abort(&lv->wfile);
	if (lv->pc)
		pcap_close(lv->pc);
	free(lv->iface);
	free(lv);
}
