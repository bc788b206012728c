/* SPDX-License-Identifier: MIT */
/* Evidence: the one record type every source (capture, ktrace, host, sockdiag) emits. */
#ifndef NETDX_EVIDENCE_EVIDENCE_H
#define NETDX_EVIDENCE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/flowkey.h"
#include "evidence/ev_kinds.h"

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

/*
 * A reference: what a record points back to in its source. Frames are one
 * kind; the id's meaning is the kind's.
 */
enum ev_ref_kind {
	EV_REF_FRAME = 0,   /* capture frame number (1-based, as tshark) */
	EV_REF_SOCKET,	    /* socket cookie */
	EV_REF_COUNTER,	    /* index of a counter in its source's table */
	EV_REF_LOG_LINE,    /* line or sequence number of a log record */
};

struct ev_ref {
	uint32_t kind; /* enum ev_ref_kind */
	uint64_t id;
};

union ev_value {
	int64_t i;
	double d;
	const char *s; /* borrowed until ev_store_add, then the store's copy */
};

#define EV_MAX_REFS 8
/* Frames a record (and a finding) keeps: frames are references. */
#define EV_MAX_FRAMES EV_MAX_REFS
/* Longest string value kept (longer ones are cut at ev_store_add). */
#define EV_STR_MAX 255

/*
 * One piece of evidence: a plain value, copied freely. Values sit at the
 * position of their field in the kind's declaration (ev_kinds.c); set has
 * a bit per position that holds a value.
 */
struct evidence {
	uint16_t kind;	/* enum ev_kind */
	uint8_t source; /* enum ev_source */
	uint8_t invalid; /* a setter was refused: ev_store_add refuses it too */
	uint32_t set;	/* bit i: v[i] holds a value */
	int64_t t_start_ns, t_end_ns; /* capture or wall time; 0 = unknown */
	struct ev_scope scope;
	union ev_value v[EV_MAX_FIELDS];
	uint8_t n_refs;		  /* first references */
	struct ev_ref refs[EV_MAX_REFS];
	uint64_t ref_count;	  /* how many references in total */
	/*
	 * 0: one record. N > 0: an aggregate a full store made of N records
	 * of this kind and labels (no scope; sums and maxima).
	 */
	uint64_t aggregated;
};

/* Resets ev and sets kind and source. */
void ev_init(struct evidence *ev, enum ev_kind kind, enum ev_source src);
/*
 * Sets a value. -EINVAL when the kind does not declare the field with that
 * type; the record is then marked invalid and ev_store_add refuses it, so a
 * mistake cannot pass as a missing value. s is borrowed until the record is
 * added to a store, which keeps its own copy.
 */
int ev_set_i64(struct evidence *ev, enum ev_field f, int64_t v);
int ev_set_f64(struct evidence *ev, enum ev_field f, double v);
int ev_set_str(struct evidence *ev, enum ev_field f, const char *s);
/* Records e stands for: 1, or the count of an aggregate. */
static inline uint64_t ev_records(const struct evidence *e)
{
	return e->aggregated ? e->aggregated : 1;
}
/*
 * Reads a value: false when unset. Numbers convert between i64 and f64.
 * Reading a field the kind does not declare is a programmer error (assert).
 */
bool ev_get_i64(const struct evidence *ev, enum ev_field f, int64_t *out);
bool ev_get_f64(const struct evidence *ev, enum ev_field f, double *out);
const char *ev_get_str(const struct evidence *ev, enum ev_field f);
/* Records a reference: kept if among the first EV_MAX_REFS, always counted. */
void ev_add_ref(struct evidence *ev, enum ev_ref_kind kind, uint64_t id);
static inline void ev_add_frame(struct evidence *ev, uint64_t frame)
{
	ev_add_ref(ev, EV_REF_FRAME, frame);
}
/* Copies up to max kept frame numbers to out; returns how many. */
size_t ev_frames(const struct evidence *ev, uint64_t *out, size_t max);
/* The first kept frame number, 0 when none. */
uint64_t ev_first_frame(const struct evidence *ev);

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
 * Copies ev in (its strings too), or folds it into an aggregate past the
 * cap: 0. -ENOSPC (counted as dropped) when no aggregate slot is left;
 * -EINVAL for a record a setter refused or of no known kind; -ENOMEM.
 */
int ev_store_add(struct ev_store *st, const struct evidence *ev);
size_t ev_store_len(const struct ev_store *st);
const struct evidence *ev_store_at(const struct ev_store *st, size_t i);
uint64_t ev_store_dropped(const struct ev_store *st);
/* Records folded into aggregates because the store was full. */
uint64_t ev_store_folded(const struct ev_store *st);
/* Records of one kind (an index, no scan), in the order they were added. */
size_t ev_store_kind_len(const struct ev_store *st, enum ev_kind kind);
const struct evidence *ev_store_kind_at(const struct ev_store *st,
					enum ev_kind kind, size_t i);
/*
 * Iterates records of one kind: pass *pos = 0 first; returns the next one
 * (advancing *pos) or NULL at the end.
 */
const struct evidence *ev_store_next(const struct ev_store *st,
				     enum ev_kind kind, size_t *pos);

#endif
