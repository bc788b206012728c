/* SPDX-License-Identifier: MIT */
/* Internal: buffered byte input (plain, gzip, memory) and per-file readers. */
#ifndef NETDX_CAPTURE_READER_H
#define NETDX_CAPTURE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "capture/capture.h"
#include "core/err.h"

/* Largest packet we accept for ordinary link types (as tshark: 256 KiB). */
#define CAP_MAX_PACKET 262144u
/* Link types whose records are allowed to be larger (D-Bus, USBPcap...). */
#define CAP_MAX_PACKET_BIG (16u * 1024 * 1024)
/* Largest pcapng block: bounds memory for any input. */
#define CAP_MAX_BLOCK (CAP_MAX_PACKET_BIG + 4096u)
/* Interfaces per pcapng section: each costs a few bytes, bound the table. */
#define CAP_MAX_IFACES 65536u

/*
 * A window [head, tail) over the decoded byte stream. Plain memory input is
 * the window itself (zero copy, never refilled). A regular file opened by
 * path is a sliding read-only mapping of CAP_IN_MAP_WIN bytes (zero copy:
 * the kernel's read() copy was 10 % of a flows run); pipes, stdin and gzip
 * fill an owned buffer that grows only up to the largest block asked for.
 */
struct cap_in {
	int fd;		 /* -1: memory */
	bool own_fd;	 /* close at the end (not stdin) */
	const uint8_t *mem; /* raw memory input */
	size_t mem_len;
	uint8_t *buf;	    /* owned window storage (NULL: window is mem) */
	const uint8_t *win; /* buf or mem */
	size_t cap;
	size_t head;
	size_t tail;
	uint64_t base; /* stream offset of win[0] */
	bool eof;      /* no more bytes will come */
	int ioerr;     /* errno of a failed read, or EBADMSG for bad gzip */
	bool gz;
	bool zs_init;
	z_stream zs;
	uint8_t *zbuf; /* raw (compressed) input from fd */
	size_t zcap;
	uint64_t zdone;	 /* compressed bytes of the members already finished */
	uint64_t zmembers; /* gzip members finished */
	/* A gzip fault (ioerr EBADMSG): where, what, and whether it lies
	 * after all the data (a bad trailer check with nothing after it, or
	 * bytes after the last member that are not a member: padding). */
	uint64_t zerr_raw, zerr_out;
	bool ztrailing;
	char zmsg[80];
	/* Regular files are read through a sliding read-only mapping. */
	bool mapped;
	uint8_t *map;	    /* the current window's mapping (== win) */
	size_t map_len;
	uint64_t file_size; /* as last seen by fstat: a growing file is followed */
};

int cap_in_open_fd(struct cap_in *in, int fd, bool own_fd);
int cap_in_open_mem(struct cap_in *in, const uint8_t *p, size_t len);
void cap_in_release(struct cap_in *in);
/* Makes at least n bytes available if the stream has them; returns avail. */
size_t cap_in_fill(struct cap_in *in, size_t n);

static inline size_t cap_in_avail(const struct cap_in *in)
{
	return in->tail - in->head;
}

static inline const uint8_t *cap_in_ptr(const struct cap_in *in)
{
	return in->win + in->head;
}

static inline uint64_t cap_in_offset(const struct cap_in *in)
{
	return in->base + in->head;
}

static inline void cap_in_consume(struct cap_in *in, size_t n)
{
	in->head += n;
}

/* Little/big-endian loads of bytes already proven present. */
static inline uint32_t cap_ld32(const uint8_t *b, bool be)
{
	if (be)
		return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
		       ((uint32_t)b[2] << 8) | b[3];
	return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
	       ((uint32_t)b[3] << 24);
}

static inline uint16_t cap_ld16(const uint8_t *b, bool be)
{
	if (be)
		return (uint16_t)((b[0] << 8) | b[1]);
	return (uint16_t)(b[0] | (b[1] << 8));
}

enum cap_fmt { CAP_FMT_PCAP = 1, CAP_FMT_PCAPNG = 2 };

/* Timestamp unit of a pcapng interface: 10^-exp or 2^-exp seconds. */
struct cap_ng_if {
	int linktype;
	uint32_t snaplen;
	bool pow2;
	uint8_t exp;
	int64_t tsoffset; /* seconds */
};

/* One input file being read record by record. */
struct cap_file {
	const char *name; /* borrowed */
	int index;
	struct cap_in in;
	enum cap_fmt fmt;
	bool be;	  /* file/section is big-endian */
	/* classic pcap */
	bool nsec;
	unsigned hdrlen; /* 16, or 24 for the "modified" format */
	int linktype;
	uint32_t snaplen;
	uint32_t maxcap;
	/* pcapng */
	struct cap_ng_if *ifs;
	size_t nifs;
	size_t ifs_cap;
	uint32_t max_snaplen; /* largest snaplen seen in any header */
	int64_t last_ts;
	/* The error that ended this file early, or a warning (a trailing gzip
	 * fault that cost no record: the file still ends cleanly). */
	struct cap_problem prob;
};

/* Opens the file (path "-" = stdin) and reads its file header. */
int cap_file_open(struct cap_file *f, const char *path, int index,
		  struct nd_err *err);
int cap_file_open_mem(struct cap_file *f, const uint8_t *p, size_t len,
		      const char *name, struct nd_err *err);
void cap_file_release(struct cap_file *f);
/* 1 record, 0 end, <0 error (err names file and offset). */
int cap_file_next(struct cap_file *f, struct cap_frame *fr, struct nd_err *err);

/*
 * For the readers, when fewer bytes than a header are left: at a record
 * boundary with nothing left, 0 = clean end (a trailing gzip fault is kept
 * as f->warn); cap_in_error words a read or gzip error at the record that
 * starts at the current offset.
 */
int cap_file_at_end(struct cap_file *f, struct nd_err *err);
int cap_in_error(struct cap_file *f, struct nd_err *err);

/* pcap / pcapng specifics (pcap.c, pcapng.c). */
int cap_pcap_header(struct cap_file *f, struct nd_err *err);
int cap_pcap_next(struct cap_file *f, struct cap_frame *fr, struct nd_err *err);
int cap_ng_header(struct cap_file *f, struct nd_err *err);
int cap_ng_next(struct cap_file *f, struct cap_frame *fr, struct nd_err *err);

/* Record size limit for a link type. */
uint32_t cap_max_packet(int linktype);

struct cap_bpf; /* one compiled -f program per link type (source.c) */
struct cap_live; /* libpcap live handle state (live.c) */

/* What cap_next reads from: merged files or a live interface. */
struct cap_source {
	struct cap_file *files;
	char **names; /* owned copies of the paths */
	size_t nfiles;
	/* k-way merge: the next record of each file, a min-heap of files */
	struct cap_frame *heads;
	size_t *heap;
	size_t nheap;
	bool advance; /* heap[0]'s record was handed out: read its next */
	bool primed;
	size_t nfailed;	     /* files that ended with an error */
	size_t first_failed; /* the first of them */
	/* a read error is sticky: cap_next keeps returning it */
	int err_rc;
	struct nd_err saved;
	/* options */
	char *filter;
	struct cap_bpf *bpf;
	size_t nbpf;
	uint64_t max_count;
	int64_t dur_ns;
	/* counters */
	uint64_t nread;
	uint64_t records;
	uint64_t filtered_out;
	int64_t first_ts;
	bool have_first;
	bool stopped;
	struct cap_live *live;
};

/* live.c */
int cap_live_next(struct cap_source *src, struct cap_frame *fr,
		  struct nd_err *err);
void cap_live_stats(struct cap_source *src, struct cap_stats *st);
void cap_live_free(struct cap_live *lv);
const char *cap_live_name(const struct cap_source *src);
int cap_live_fd(const struct cap_source *src);
int cap_live_wait_ms(const struct cap_source *src);
void cap_live_request_stop(struct cap_source *src);

#endif
