/* SPDX-License-Identifier: MIT */
/* Capture sources: pcap/pcapng files (own reader), merged files, live. */
#ifndef NETDX_CAPTURE_CAPTURE_H
#define NETDX_CAPTURE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Capture files one run may merge (each is open for the whole run). */
#define CAP_MAX_FILES 4096

/* LINKTYPE_* values (tcpdump.org link-layer header types). */
enum {
	LINKTYPE_NULL = 0,
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_RAW = 101,
	LINKTYPE_IEEE802_11 = 105,
	LINKTYPE_LOOP = 108,
	LINKTYPE_LINUX_SLL = 113,
	LINKTYPE_IEEE802_11_RADIOTAP = 127,
	LINKTYPE_IPV4 = 228,
	LINKTYPE_IPV6 = 229,
	LINKTYPE_NFLOG = 239,
	LINKTYPE_LINUX_SLL2 = 276,
	/* Known link types that carry no IP (recognised, nothing decoded). */
	LINKTYPE_USB_LINUX = 189,
	LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR = 201,
	LINKTYPE_USB_LINUX_MMAPPED = 220,
	LINKTYPE_DBUS = 231,
	LINKTYPE_NETLINK = 253,
	/* DLT_RAW as some platforms number it in files (12, 14). */
	LINKTYPE_RAW_ALT12 = 12,
	LINKTYPE_RAW_ALT14 = 14,
	/* A record that is not a packet (pcapng custom block): numbered, not decoded. */
	LINKTYPE_NONE = -1,
};

/* One record as read. data is borrowed: valid until the next cap_next(). */
struct cap_frame {
	uint64_t num;	  /* 1-based record number, as tshark numbers frames */
	int64_t ts_ns;	  /* capture time, ns since the epoch */
	uint32_t caplen;  /* bytes present in data */
	uint32_t wirelen; /* original length on the wire */
	int linktype;	  /* LINKTYPE_*; LINKTYPE_NONE for non-packet records */
	int iface;	  /* pcapng interface id; -1 for classic pcap */
	int file;	  /* index of the input file (merged reads), 0 for live */
	const uint8_t *data;
	/*
	 * false for records without a timestamp of their own (pcapng Simple
	 * Packet Block, custom blocks): ts_ns then repeats the previous
	 * record's time in the same file (0 if none) so time stays monotone.
	 */
	bool has_ts;
	uint64_t offset;  /* byte offset of the record in its (uncompressed) file */
};

/* Capture-side statistics, reported at the end of a run. */
struct cap_stats {
	bool live;
	bool have_kernel_stats;	 /* live: pcap_stats() answered */
	uint64_t kernel_received;	 /* ps_recv */
	uint64_t kernel_dropped;	 /* ps_drop: buffer overflow */
	uint64_t iface_dropped;	 /* ps_ifdrop */
	uint64_t records;		 /* records delivered to the caller */
	uint64_t filtered_out;	 /* records the -f filter rejected */
	uint32_t snaplen;		 /* largest snaplen among inputs (0 unknown) */
};

/*
 * What went wrong in one input file: an error that ended it early (every
 * record before it was delivered; the other files of a merge are still
 * read to their end) or a warning (a fault after its last record, such as
 * a bad gzip trailer or padding, that cost no record).
 */
struct cap_problem {
	bool warning;
	bool has_offset; /* false: the file could not be opened or read */
	uint64_t offset; /* byte offset in the (uncompressed) file */
	struct nd_err err; /* kind ND_ERR_NONE: no problem */
};

struct cap_opts {
	const char *filter;	/* tcpdump filter syntax, or NULL */
	uint64_t max_count;	/* -c: stop after this many records (0 = all) */
	double duration_s;	/* -d: stop after this much capture time (0 = no limit) */
	const char *write_path; /* -w: save live capture here (pcap) */
	int snaplen;		/* live: 0 = default (262144) */
	bool promisc;		/* live */
	/* Set asynchronously (signal handler) to stop a live capture. */
	volatile int *stop_flag;
	/*
	 * Live: cap_next returns CAP_AGAIN instead of waiting when nothing
	 * is queued, so a runner can poll cap_poll_fd() beside other sources.
	 */
	bool nonblock;
};

/* cap_next: nothing queued now (live, nonblock); see cap_wait_ms(). */
#define CAP_AGAIN 2

struct cap_source;

/* Files in time order, merged like mergecap; "-" is stdin; .gz transparent. */
int cap_open_files(struct cap_source **out, const char *const *paths,
		   size_t npaths, const struct cap_opts *opts,
		   struct nd_err *err);

/*
 * One capture held in memory (fuzzing, tests). data is borrowed and must
 * outlive the source; name is used in messages. gzip is transparent.
 */
int cap_open_mem(struct cap_source **out, const uint8_t *data, size_t len,
		 const char *name, const struct cap_opts *opts,
		 struct nd_err *err);

/* Live capture through libpcap. */
int cap_open_live(struct cap_source **out, const char *iface,
		  const struct cap_opts *opts, struct nd_err *err);

/*
 * Next record: 1 = frame filled, 0 = end of input, <0 = error (err set;
 * records returned before it stay valid and should still be reported).
 */
int cap_next(struct cap_source *src, struct cap_frame *fr, struct nd_err *err);

void cap_get_stats(struct cap_source *src, struct cap_stats *st);

/* The descriptor to poll for live frames; -1 for files (always ready). */
int cap_poll_fd(const struct cap_source *src);
/* After CAP_AGAIN: poll at most this long (drain end, block retirement). */
int cap_wait_ms(const struct cap_source *src);
/*
 * Ends a live capture as the stop flag does (what arrived before the
 * request is still read, then cap_next returns 0); files end at once.
 */
void cap_request_stop(struct cap_source *src);

/* The problem of input file `file`, or NULL when it had none. */
const struct cap_problem *cap_file_problem(const struct cap_source *src,
					   int file);

/* Number of input files (1 for live). */
size_t cap_source_count(const struct cap_source *src);

/* Human name of a source (file path or interface) for messages. */
const char *cap_source_name(const struct cap_source *src, int file);

void cap_close(struct cap_source *src);

#endif
