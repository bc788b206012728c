// SPDX-License-Identifier: MIT
/* The evidence kind table: each kind's fields, their types and how they fold. */
#include "evidence/ev_kinds.h"

#include <string.h>

/* Sum (count), maximum, label (identity of an aggregate), float, string. */
#define SUM(f) { EVF_##f, EV_I64, EV_SUM }
#define MAX(f) { EVF_##f, EV_I64, EV_MAX }
#define LBL(f) { EVF_##f, EV_I64, EV_LABEL }
#define F64(f) { EVF_##f, EV_F64, EV_SUM }
#define STR(f) { EVF_##f, EV_STR, EV_LABEL }
#define KIND(id, ...)                                                          \
	[EVK_##id] = {                                                         \
		.n_fields = sizeof((struct ev_field_def[]){ __VA_ARGS__ }) /   \
			    sizeof(struct ev_field_def),                       \
		.fields = { __VA_ARGS__ },                                     \
	}

/*
 * Per-run capture counters fold by sum as they always did: there is one
 * record per run, so an aggregate of them holds a single record.
 */
static const struct ev_kind_def kinds[EV_N_KINDS] = {
	KIND(CAPTURE_DUPLICATE, SUM(FRAMES), SUM(DUPLICATES), SUM(EXACT),
	     SUM(NEAR), F64(WINDOW_MS), SUM(MEMORY), SUM(FORGOTTEN),
	     SUM(FIRST_DUPLICATE), SUM(FIRST_ORIGINAL)),
	KIND(CAPTURE_TIME_BACKWARDS, SUM(FRAMES), SUM(COUNT), SUM(MAX_STEP_NS),
	     SUM(MAX_STEP_FRAME)),
	KIND(CAPTURE_TRUNCATED, SUM(FRAMES), SUM(TRUNCATED), SUM(HEADERS_CUT),
	     SUM(SNAPLEN), SUM(HEADER_SNAPLEN)),
	KIND(CAPTURE_DECODE_DEPTH, SUM(FRAMES), SUM(TOO_DEEP), SUM(BY_LAYERS),
	     SUM(BY_IP), SUM(BY_TRANSPORT), SUM(BY_TUNNELS), SUM(MAX_LAYERS),
	     SUM(MAX_IP), SUM(MAX_TRANSPORT), SUM(MAX_TUNNELS)),
	KIND(CAPTURE_FLOWS_EVICTED, SUM(EVICTED), SUM(EVICTIONS), SUM(RETURNED),
	     SUM(FORGOTTEN), SUM(CREATED), SUM(MAX_OPEN)),
	KIND(CAPTURE_KERNEL_DROPS, SUM(RECEIVED), SUM(KERNEL_DROPPED),
	     SUM(IFACE_DROPPED), SUM(RECORDS)),
	KIND(IP_REASSEMBLY, SUM(FRAGMENTS), SUM(COMPLETED), SUM(INCOMPLETE),
	     SUM(TIMED_OUT), SUM(EVICTED), SUM(DROPPED), SUM(OVERLAPS),
	     SUM(UNCAPTURED)),
	KIND(TCP_RETRANS, LBL(CLIENT), LBL(SENDER), SUM(RETRANS), SUM(FAST),
	     SUM(TIMEOUT), SUM(SPURIOUS), SUM(SEQ_PKTS), SUM(RETRANS_BYTES),
	     MAX(SPURIOUS_FRAME), SUM(UPSTREAM)),
	KIND(TCP_RTO_STALL, LBL(CLIENT), LBL(SENDER), SUM(STALLS),
	     SUM(TOTAL_NS), MAX(MAX_NS), MAX(SRTT_NS)),
	KIND(TCP_REORDERING, LBL(CLIENT), LBL(SENDER), SUM(OUT_OF_ORDER),
	     SUM(REORDERED), SUM(UNKNOWN), SUM(DATA_PKTS)),
	KIND(TCP_ZERO_WINDOW, LBL(CLIENT), LBL(RECEIVER), SUM(EPISODES),
	     SUM(TOTAL_NS), SUM(PROBES), SUM(PROBES_LINUX)),
	KIND(TCP_WINDOW_FULL, LBL(CLIENT), LBL(SENDER), SUM(WINDOW_FULL),
	     SUM(DATA_PKTS), MAX(MAX_BIF), LBL(PEER_WSCALE)),
	KIND(TCP_RESET, LBL(CLIENT), LBL(BY), LBL(PHASE), SUM(DATA_BYTES),
	     SUM(SYNS)),
	KIND(TCP_SYN_UNANSWERED, LBL(CLIENT), SUM(ATTEMPTS), MAX(RETRY1_NS),
	     MAX(RETRY2_NS), MAX(RETRY3_NS), MAX(RETRY4_NS), MAX(RETRY5_NS),
	     MAX(RETRY6_NS), MAX(RETRY7_NS)),
	KIND(TCP_TOTALS, SUM(CONNS), SUM(DATA_PKTS), SUM(SEQ_PKTS),
	     SUM(RETRANS), SUM(BYTES)),
	/* Planned (ktrace): flow, device, netns and socket are its scope. */
	KIND(KERNEL_DROP, STR(REASON), LBL(REASON_CODE), STR(LOCATION),
	     SUM(COUNT)),
	/* Emitted only by the test plug-ins in tests/toy (a timer source and
	 * an analyzer row that prove the runner and the registry); no rule
	 * reads them. */
	KIND(TEST_TICK, MAX(TICK), MAX(FRAMES)),
	KIND(TEST_PACKETS, SUM(FRAMES), SUM(PACKETS), SUM(FLOW_PACKETS),
	     SUM(FLOWS), SUM(DUPLICATES)),
};

static const char *const kind_names[EV_N_KINDS] = {
#define EV_X_KNAME(id, name) [EVK_##id] = name,
	EV_KIND_LIST(EV_X_KNAME)
#undef EV_X_KNAME
};
static const char *const field_names[EV_N_FIELDS] = {
#define EV_X_FNAME(id, name) [EVF_##id] = name,
	EV_FIELD_LIST(EV_X_FNAME)
#undef EV_X_FNAME
};

const struct ev_kind_def *ev_kind_def(enum ev_kind k)
{
	return (unsigned)k < EV_N_KINDS ? &kinds[k] : NULL;
}

const char *ev_kind_name(enum ev_kind k)
{
	return (unsigned)k < EV_N_KINDS ? kind_names[k] : "?";
}

const char *ev_field_name(enum ev_field f)
{
	return (unsigned)f < EV_N_FIELDS ? field_names[f] : "?";
}

int ev_field_pos(enum ev_kind k, enum ev_field f)
{
	if ((unsigned)k >= EV_N_KINDS)
		return -1;
	for (int i = 0; i < kinds[k].n_fields; i++)
		if (kinds[k].fields[i].field == f)
			return i;
	return -1;
}

int ev_kind_by_name(const char *name)
{
	for (int i = 0; name && i < EV_N_KINDS; i++)
		if (strcmp(kind_names[i], name) == 0)
			return i;
	return -1;
}

int ev_field_by_name(const char *name)
{
	for (int i = 0; name && i < EV_N_FIELDS; i++)
		if (strcmp(field_names[i], name) == 0)
			return i;
	return -1;
}
