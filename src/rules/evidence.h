/* SPDX-License-Identifier: MIT */
/* Evidence: the one record type every source (capture, ktrace, host, sockdiag) emits. */
#ifndef NETDX_RULES_EVIDENCE_H
#define NETDX_RULES_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

enum ev_source {
	EV_SRC_CAPTURE = 0, /* pcap file or live capture */
	EV_SRC_KTRACE,	    /* eBPF tracepoints (drops, TCP events) */
	EV_SRC_HOST,	    /* /proc, /sys counters, sysctl, kernel log */
	EV_SRC_SOCKDIAG,    /* netlink sock_diag socket table */
};
#define EV_SRC_COUNT 4

/*
 * Scope: what the evidence is about. Several parts may be set at once (a
 * kernel drop has a flow, a device and a netns), which is what lets rules
 * join evidence from different sources. No part set = the whole capture or
 * the whole machine.
 */
enum ev_scope_part {
	EV_SCOPE_FLOW = 1u << 0,   /* flow + conv_id */
	EV_SCOPE_SOCKET = 1u << 1, /* sock_cookie / sock_inode / pid */
	EV_SCOPE_DEVICE = 1u << 2, /* ifname */
	EV_SCOPE_NETNS = 1u << 3,  /* netns inode */
	EV_SCOPE_HOST = 1u << 4,   /* one IP address (a peer or a server host) */
	EV_SCOPE_PORT = 1u << 5,   /* a service: proto + port (+ host if set) */
};

#define EV_IFNAMSIZ 16

struct ev_scope {
	uint32_t parts; /* enum ev_scope_part bits */
	struct flow_key flow;
	uint64_t conv_id;     /* tcp.stream for TCP */
	uint64_t sock_cookie; /* SO_COOKIE / sock_diag cookie; 0 unknown */
	uint64_t sock_inode;
	int32_t pid;	      /* owner; 0 unknown */
	char ifname[EV_IFNAMSIZ];
	uint64_t netns;	      /* netns inode number */
	uint8_t host_family;  /* 4 or 6 */
	uint8_t host_addr[16];
	uint8_t port_proto;   /* IP protocol of the port scope */
	uint16_t port;
};

enum ev_num_type { EV_NUM_I64 = 0, EV_NUM_F64 };

/*
 * How a number folds when a full store aggregates records (ev_store_add):
 * counts add up, maxima keep the largest, labels (which side, which phase)
 * are part of the aggregate's identity.
 */
enum ev_merge { EV_MERGE_SUM = 0, EV_MERGE_MAX, EV_MERGE_LABEL };

/* A named number. name must be a string literal (or outlive every copy). */
struct ev_num {
	const char *name;
	uint8_t type;  /* enum ev_num_type */
	uint8_t merge; /* enum ev_merge */
	union {
		int64_t i;
		double d;
	} v;
};

#define EV_MAX_NUMS 10
#define EV_MAX_FRAMES 8
#define EV_TEXT_MAX 96

/*
 * One piece of evidence: a plain value (no pointers it owns), so it can be
 * copied freely. kind is a stable "<area>.<what>" string literal such as
 * "capture.duplicate" or "tcp.retransmission".
 */
struct evidence {
	const char *kind;
	enum ev_source source;
	int64_t t_start_ns, t_end_ns; /* capture or wall time; 0 = unknown */
	struct ev_scope scope;
	uint8_t n_nums;
	struct ev_num nums[EV_MAX_NUMS];
	uint8_t n_frames;		  /* first frames, capture sources only */
	uint64_t frames[EV_MAX_FRAMES];
	uint64_t frame_count;		  /* how many frames in total */
	char text[EV_TEXT_MAX];		  /* optional note, NUL-terminated */
	/*
	 * 0: one record. N > 0: an aggregate a full store made of N records
	 * of this kind and labels (no scope, no text; sums and maxima).
	 */
	uint64_t aggregated;
};

/* Resets ev and sets kind and source. */
void ev_init(struct evidence *ev, const char *kind, enum ev_source src);
/* Adds a number; returns -ENOSPC when EV_MAX_NUMS are already set. */
int ev_set_i64(struct evidence *ev, const char *name, int64_t v);
int ev_set_f64(struct evidence *ev, const char *name, double v);
/* Same, for a maximum (folds by max) or a label (folds by equality). */
int ev_set_max(struct evidence *ev, const char *name, int64_t v);
int ev_set_label(struct evidence *ev, const char *name, int64_t v);
/* Records e stands for: 1, or the count of an aggregate. */
static inline uint64_t ev_records(const struct evidence *e)
{
	return e->aggregated ? e->aggregated : 1;
}
/* Looks a number up by name; returns false when absent. Converts types. */
bool ev_get_i64(const struct evidence *ev, const char *name, int64_t *out);
bool ev_get_f64(const struct evidence *ev, const char *name, double *out);
/* Records a frame number: kept if among the first EV_MAX_FRAMES, always counted. */
void ev_add_frame(struct evidence *ev, uint64_t frame);
/* Copies text (truncated to EV_TEXT_MAX - 1 bytes). */
void ev_set_text(struct evidence *ev, const char *text);

/* Scope setters (each also sets its part bit). */
void ev_scope_set_flow(struct ev_scope *s, const struct flow_key *k,
		       uint64_t conv_id);
void ev_scope_set_device(struct ev_scope *s, const char *ifname);

/* Join predicates: true only when both scopes have the part and it matches. */
bool ev_same_flow(const struct ev_scope *a, const struct ev_scope *b);
bool ev_same_socket(const struct ev_scope *a, const struct ev_scope *b);
bool ev_same_netns(const struct ev_scope *a, const struct ev_scope *b);
/* Port: equal proto and port; a flow scope matches on either endpoint's port. */
bool ev_same_port(const struct ev_scope *a, const struct ev_scope *b);
/* Time ranges overlap, widened by slack_ns; false if either time is unknown. */
bool ev_time_overlaps(const struct evidence *a, const struct evidence *b,
		      int64_t slack_ns);

/* Human form of a scope ("tcp 10.0.0.1:80 <-> 10.0.0.2:5000 (stream 3)"). */
void ev_scope_format(const struct ev_scope *s, char *buf, size_t n);
const char *ev_source_name(enum ev_source s);

/*
 * The store: grows on demand up to max records. Beyond the cap a record is
 * folded into an aggregate of its kind and labels (at most
 * EV_STORE_MAX_AGGREGATES of them, after the records), so a rule still
 * counts every case while memory stays bounded; only a record that finds
 * no aggregate slot is dropped. Both are counted and reported. Producers
 * aggregate first (one record per flow or per run, not per packet).
 */
#define EV_STORE_DEFAULT_MAX 100000
#define EV_STORE_MAX_AGGREGATES 256

struct ev_store;

struct ev_store *ev_store_new(size_t max_records);
void ev_store_free(struct ev_store *st);
/*
 * Copies ev in, or folds it into an aggregate past the cap: 0. -ENOSPC
 * (counted as dropped) when no aggregate slot is left; -ENOMEM.
 */
int ev_store_add(struct ev_store *st, const struct evidence *ev);
size_t ev_store_len(const struct ev_store *st);
const struct evidence *ev_store_at(const struct ev_store *st, size_t i);
uint64_t ev_store_dropped(const struct ev_store *st);
/* Records folded into aggregates because the store was full. */
uint64_t ev_store_folded(const struct ev_store *st);
/*
 * Iterates records of one kind: pass *pos = 0 first; returns the next match
 * at or after *pos (and advances *pos past it) or NULL at the end.
 */
const struct evidence *ev_store_next(const struct ev_store *st,
				     const char *kind, size_t *pos);

#endif
