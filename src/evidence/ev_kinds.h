/* SPDX-License-Identifier: MIT */
/*
 * Evidence kinds and field ids. Both are enums generated from one list
 * each, so a misspelt kind or field is a compile error; which fields a
 * kind has (and their types and folding) is the table in ev_kinds.c, and
 * docs/findings.md documents it (tests/unit/test_evidence.c checks both).
 */
#ifndef NETDX_EVIDENCE_EV_KINDS_H
#define NETDX_EVIDENCE_EV_KINDS_H

#include <stdint.h>

/* X(ID, "name"): every field any kind declares. Append freely. */
#define EV_FIELD_LIST(X)                                                       \
	X(ATTEMPTS, "attempts")                                                \
	X(BY, "by")                                                            \
	X(BY_IP, "by_ip")                                                      \
	X(BY_LAYERS, "by_layers")                                              \
	X(BY_TRANSPORT, "by_transport")                                        \
	X(BY_TUNNELS, "by_tunnels")                                            \
	X(BYTES, "bytes")                                                      \
	X(CLIENT, "client")                                                    \
	X(COMPLETED, "completed")                                              \
	X(CONNS, "conns")                                                      \
	X(COUNT, "count")                                                      \
	X(CREATED, "created")                                                  \
	X(DATA_BYTES, "data_bytes")                                            \
	X(DATA_PKTS, "data_pkts")                                              \
	X(DROPPED, "dropped")                                                  \
	X(DUPLICATES, "duplicates")                                            \
	X(EPISODES, "episodes")                                                \
	X(EVICTED, "evicted")                                                  \
	X(EVICTIONS, "evictions")                                              \
	X(EXACT, "exact")                                                      \
	X(FAST, "fast")                                                        \
	X(FIRST_DUPLICATE, "first_duplicate")                                  \
	X(FIRST_ORIGINAL, "first_original")                                    \
	X(FLOW_PACKETS, "flow_packets")                                        \
	X(FLOWS, "flows")                                                      \
	X(FORGOTTEN, "forgotten")                                              \
	X(FRAGMENTS, "fragments")                                              \
	X(FRAMES, "frames")                                                    \
	X(HEADER_SNAPLEN, "header_snaplen")                                    \
	X(HEADERS_CUT, "headers_cut")                                          \
	X(IFACE_DROPPED, "iface_dropped")                                      \
	X(INCOMPLETE, "incomplete")                                            \
	X(KERNEL_DROPPED, "kernel_dropped")                                    \
	X(LOCATION, "location")                                                \
	X(MAX_BIF, "max_bif")                                                  \
	X(MAX_IP, "max_ip")                                                    \
	X(MAX_LAYERS, "max_layers")                                            \
	X(MAX_NS, "max_ns")                                                    \
	X(MAX_OPEN, "max_open")                                                \
	X(MAX_STEP_FRAME, "max_step_frame")                                    \
	X(MAX_STEP_NS, "max_step_ns")                                          \
	X(MAX_TRANSPORT, "max_transport")                                      \
	X(MAX_TUNNELS, "max_tunnels")                                          \
	X(MEMORY, "memory")                                                    \
	X(NEAR, "near")                                                        \
	X(OUT_OF_ORDER, "out_of_order")                                        \
	X(OVERLAPS, "overlaps")                                                \
	X(PACKETS, "packets")                                                  \
	X(PEER_WSCALE, "peer_wscale")                                          \
	X(PHASE, "phase")                                                      \
	X(PROBES, "probes")                                                    \
	X(PROBES_LINUX, "probes_linux")                                        \
	X(REASON, "reason")                                                    \
	X(REASON_CODE, "reason_code")                                          \
	X(RECEIVED, "received")                                                \
	X(RECEIVER, "receiver")                                                \
	X(RECORDS, "records")                                                  \
	X(REORDERED, "reordered")                                              \
	X(RETRANS, "retrans")                                                  \
	X(RETRANS_BYTES, "retrans_bytes")                                      \
	X(RETRY1_NS, "retry1_ns")                                              \
	X(RETRY2_NS, "retry2_ns")                                              \
	X(RETRY3_NS, "retry3_ns")                                              \
	X(RETRY4_NS, "retry4_ns")                                              \
	X(RETRY5_NS, "retry5_ns")                                              \
	X(RETRY6_NS, "retry6_ns")                                              \
	X(RETRY7_NS, "retry7_ns")                                              \
	X(RETURNED, "returned")                                                \
	X(SENDER, "sender")                                                    \
	X(SEQ_PKTS, "seq_pkts")                                                \
	X(SNAPLEN, "snaplen")                                                  \
	X(SPURIOUS, "spurious")                                                \
	X(SPURIOUS_FRAME, "spurious_frame")                                    \
	X(SRTT_NS, "srtt_ns")                                                  \
	X(STALLS, "stalls")                                                    \
	X(SYNS, "syns")                                                        \
	X(TICK, "tick")                                                        \
	X(TIMED_OUT, "timed_out")                                              \
	X(TIMEOUT, "timeout")                                                  \
	X(TOO_DEEP, "too_deep")                                                \
	X(TOTAL_NS, "total_ns")                                                \
	X(TRUNCATED, "truncated")                                              \
	X(UNCAPTURED, "uncaptured")                                            \
	X(UNKNOWN, "unknown")                                                  \
	X(UPSTREAM, "upstream")                                                \
	X(WINDOW_FULL, "window_full")                                          \
	X(WINDOW_MS, "window_ms")

/* X(ID, "area.what"): every evidence kind. */
#define EV_KIND_LIST(X)                                                        \
	X(CAPTURE_DUPLICATE, "capture.duplicate")                              \
	X(CAPTURE_TIME_BACKWARDS, "capture.time_backwards")                    \
	X(CAPTURE_TRUNCATED, "capture.truncated")                              \
	X(CAPTURE_DECODE_DEPTH, "capture.decode_depth")                        \
	X(CAPTURE_FLOWS_EVICTED, "capture.flows_evicted")                      \
	X(CAPTURE_KERNEL_DROPS, "capture.kernel_drops")                        \
	X(IP_REASSEMBLY, "ip.reassembly")                                      \
	X(TCP_RETRANS, "tcp.retransmission")                                   \
	X(TCP_RTO_STALL, "tcp.rto_stall")                                      \
	X(TCP_REORDERING, "tcp.reordering")                                    \
	X(TCP_ZERO_WINDOW, "tcp.zero_window")                                  \
	X(TCP_WINDOW_FULL, "tcp.window_full")                                  \
	X(TCP_RESET, "tcp.reset")                                              \
	X(TCP_SYN_UNANSWERED, "tcp.syn_unanswered")                            \
	X(TCP_TOTALS, "tcp.totals")                                            \
	X(KERNEL_DROP, "kernel.drop")                                          \
	X(TEST_TICK, "test.tick")                                              \
	X(TEST_PACKETS, "test.packets")

#define EV_X_ENUM_F(id, name) EVF_##id,
#define EV_X_ENUM_K(id, name) EVK_##id,
enum ev_field { EV_FIELD_LIST(EV_X_ENUM_F) EV_N_FIELDS };
enum ev_kind { EV_KIND_LIST(EV_X_ENUM_K) EV_N_KINDS };
#undef EV_X_ENUM_F
#undef EV_X_ENUM_K

enum ev_type { EV_I64 = 0, EV_F64, EV_STR };

/*
 * How a value folds when a full store aggregates records: counts add up,
 * maxima keep the largest, labels (which side, which phase, which drop
 * reason) are part of the aggregate's identity. Strings are labels.
 */
enum ev_merge { EV_SUM = 0, EV_MAX, EV_LABEL };

/* Fields a kind may have: as many as the richest planned kind needs. */
#define EV_MAX_FIELDS 16

struct ev_field_def {
	uint16_t field; /* enum ev_field */
	uint8_t type;	/* enum ev_type */
	uint8_t merge;	/* enum ev_merge */
};

struct ev_kind_def {
	uint8_t n_fields;
	struct ev_field_def fields[EV_MAX_FIELDS];
};

/* The table, indexed by enum ev_kind. */
const struct ev_kind_def *ev_kind_def(enum ev_kind k);
const char *ev_kind_name(enum ev_kind k);
const char *ev_field_name(enum ev_field f);
/* Position of f in kind k's declaration, or -1 when k has no such field. */
int ev_field_pos(enum ev_kind k, enum ev_field f);
/* Name lookups for sinks and tests: -1 when unknown. */
int ev_kind_by_name(const char *name);
int ev_field_by_name(const char *name);

#endif
