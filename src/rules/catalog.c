// SPDX-License-Identifier: MIT
/* The finding catalog table (ids from FINDINGS.md's registry) and severities. */
#include "rules/catalog.h"

#include <errno.h>
#include <string.h>

/*
 * Keep in step with docs/findings.md (tests/unit/test_catalog.c checks that
 * every id here is documented there). Placeholders in cause templates are
 * the number names the emitting rule sets.
 */
static const struct catalog_entry CATALOG[] = {
	/* ---- the capture itself ---- */
	{
		.id = "capture.duplicate_packets",
		.severity = SEV_LOW,
		.title = "The same packet was recorded more than once",
		.cause = "{duplicates} of {frames} frames ({share_pct}%) are copies "
			 "of a packet already in the capture: {exact} identical "
			 "records (same timestamp and bytes, as when a file was "
			 "merged twice) and {near} copies of the same IP packet "
			 "seen again within {window_ms:ms} (as when one packet is "
			 "captured on two interfaces or on \"any\"). Copies are "
			 "not real traffic: TCP analysis sees them as "
			 "retransmissions, so they inflate retransmission and "
			 "loss figures.",
		.remedy = "Capture on one interface instead of \"any\" or several "
			  "bridged/bonded ones, do not merge the same file twice, "
			  "or remove the copies with 'editcap -D 100 in.pcap "
			  "out.pcap' (or 'editcap -w 0.001' for near copies) and "
			  "analyse again.",
		.refs = { "editcap(1) -D/-w", "pcap-filter(7) inbound/outbound" },
	},
	{
		.id = "capture.time_backwards",
		.severity = SEV_LOW,
		.title = "Timestamps go backwards",
		.cause = "The capture time went backwards {count} "
			 "{count|time|times}; the largest step back was "
			 "{max_step_ms:ms}. Either the file "
			 "was concatenated or merged out of order, or several "
			 "capture queues/CPUs stamped packets independently. Time "
			 "differences (RTT, response time, RTO) measured across "
			 "such a step are wrong.",
		.remedy = "Sort the capture by time ('reordercap in.pcap "
			  "out.pcap'); if the same packets appear twice, remove "
			  "duplicates first ('editcap -D'). For live captures, "
			  "prefer one capture point and adapter timestamps "
			  "('tcpdump -j adapter_unsynced').",
		.refs = { "reordercap(1)", "pcap-tstamp(7)" },
	},
	{
		.id = "capture.truncated",
		.severity = SEV_LOW,
		.title = "Packets were cut short by the snapshot length",
		.cause = "{truncated} of {frames} frames ({share_pct}%) were "
			 "recorded shorter than they were on the wire (snapshot "
			 "length {snaplen} bytes). Payload parsers (DNS, HTTP, "
			 "MySQL, response codes) cannot see the cut bytes; TCP "
			 "sequence analysis still works because it uses the "
			 "lengths in the IP headers. {headers_cut} frames lost "
			 "part of a protocol header as well, which hides those "
			 "packets from deeper analysis.",
		.remedy = "Capture again with a larger snapshot length "
			  "('tcpdump -s 0' or '-s 262144'); header-only captures "
			  "are fine for TCP loss and window analysis.",
		.refs = { "tcpdump(1) -s" },
	},
	{
		.id = "capture.decode_depth",
		.severity = SEV_LOW,
		.title = "Frames nested deeper than netdx decodes",
		.cause = "{too_deep} of {frames} frames ({share_pct}%) carry "
			 "more headers than netdx decodes in one frame (at most "
			 "{max_layers} headers, {max_ip} IP headers, "
			 "{max_transport} transport headers and {max_tunnels} "
			 "nested encapsulations: 8 tunnels inside each other "
			 "still reach the inner connection). Their outer layers "
			 "are counted; the headers past the limit were not "
			 "decoded, so conversations inside them are missing from "
			 "the flows and the TCP analysis. Real overlays nest far "
			 "less: such frames are usually crafted, looped through a "
			 "misconfigured tunnel, or corrupt.",
		.remedy = "Look at the listed frames ('tshark -r FILE -Y "
			  "frame.number==N -V'). For a tunnel loop, check the "
			  "tunnel endpoints' routes; to analyse the inner "
			  "traffic, capture it where it is decapsulated.",
		.refs = { "tshark(1) -V" },
	},
	{
		.id = "capture.flows_evicted",
		.severity = SEV_WARN,
		.title = "Flow table was full: open conversations were evicted",
		.cause = "{evicted} of {created} conversations were pushed out "
			 "of the flow table while still open because it was full "
			 "(at most {max_open} open at once; {evictions} "
			 "evictions in all). {returned} of them had later "
			 "packets: their rows continue, but their per-connection "
			 "statistics and TCP analysis restarted at each return, "
			 "so they are split into partial parts. The other "
			 "{not_returned} had no later packet while the table "
			 "remembered them: they lost nothing.",
		.remedy = "Raise the flow limit (e.g. '--max-flows'), filter "
			  "the capture to the traffic of interest ('-f \"port "
			  "443\"'), or split the file by time ('editcap -i').",
		.refs = { "editcap(1) -i" },
	},
	{
		.id = "capture.kernel_drops",
		.severity = SEV_WARN,
		.title = "The capturing kernel dropped packets",
		.cause = "The kernel received {received} packets for this "
			 "capture but dropped {dropped} of them ({share_pct}%) "
			 "before netdx could read them ({kernel_dropped} because "
			 "the capture buffer was full, {iface_dropped} by the "
			 "interface or driver). The network did not lose these "
			 "packets, the capture did: gaps and \"lost segments\" in "
			 "the analysis may be capture artefacts.",
		.remedy = "Reduce the load on the capture: use a capture filter "
			  "('-f'), a smaller snapshot length, write to a file and "
			  "analyse offline, or give the capture a bigger buffer "
			  "(tcpdump -B). Treat loss figures from this run with "
			  "care.",
		.refs = { "pcap_stats(3PCAP)", "tcpdump(1) -B" },
	},
	/* ---- TCP (rules come with the TCP analysis) ---- */
	{
		.id = "tcp.retransmissions",
		.severity = SEV_WARN,
		.title = "Packet loss repaired by retransmission",
		.cause = "{count} segments were retransmitted ({share_pct}% of "
			 "the segments with data, SYN or FIN): {fast} fast "
			 "retransmissions (after "
			 "duplicate ACKs or SACK) and {rto} after a timeout. "
			 "Each one means a segment (or its ACK) was lost or "
			 "delayed on the path, and costs at least a round trip.",
		.remedy = "Find where the loss happens: compare captures at both "
			  "ends, check interface errors and drops ('ip -s link', "
			  "'nstat -az'), queue drops ('tc -s qdisc') and the "
			  "path (mtr). If a capture also shows duplicate packets, "
			  "remove them first: copies look like retransmissions.",
		.refs = { "RFC 5681", "RFC 6298" },
	},
	{
		.id = "tcp.spurious_retransmissions",
		.severity = SEV_LOW,
		.title = "Retransmissions that were not needed",
		.cause = "{count} retransmissions resent data the receiver "
			 "already had. The sender's timer fired too early (delay "
			 "spike, RTT jump) or a tail-loss probe raced the "
			 "original; bandwidth and congestion window were wasted.",
		.remedy = "Look for delay spikes on the path (bufferbloat, "
			  "virtualisation stalls); keep SACK and timestamps "
			  "enabled so the sender can detect and undo spurious "
			  "retransmissions (F-RTO, DSACK).",
		.refs = { "RFC 2883", "RFC 5682" },
	},
	{
		.id = "tcp.reordering",
		.severity = SEV_LOW,
		.title = "Segments arrived out of order",
		.cause = "{count} segments arrived after segments with a higher "
			 "sequence number; for {reordered} of them the IP ID "
			 "shows the sender sent them earlier, so the network "
			 "reordered them (multipath, link bonding, parallel "
			 "queues). Reordering can trigger duplicate ACKs and "
			 "needless fast retransmissions.",
		.remedy = "Check for per-packet load balancing (ECMP without flow "
			  "hashing, bonding mode balance-rr); Linux adapts via "
			  "net.ipv4.tcp_reordering and RACK.",
		.refs = { "RFC 8985" },
	},
	{
		.id = "tcp.rto_stalls",
		.severity = SEV_WARN,
		.title = "Retransmission timeouts stalled connections",
		.cause = "{count} retransmission {count|timeout|timeouts} "
			 "stalled data for "
			 "{total_stall_ms:ms} in total (longest "
			 "{max_stall_ms:ms}). A timeout means the sender heard nothing back for "
			 "at least 200 ms: a whole flight or its ACKs were lost, "
			 "or the tail of a transfer was lost with nothing after "
			 "it to trigger fast retransmit.",
		.remedy = "Find the loss (see tcp.retransmissions); for "
			  "request/response traffic make sure SACK and tail loss "
			  "probes are on (net.ipv4.tcp_sack, tcp_early_retrans).",
		.refs = { "RFC 6298", "RFC 8985" },
	},
	{
		.id = "tcp.zero_window",
		.severity = SEV_WARN,
		.title = "A receiver stopped reading (zero window)",
		.cause = "A receiver advertised a zero window {count} "
			 "{count|time|times} (for {total_ms:ms} in total): its socket buffer was "
			 "full because the application did not read fast enough. "
			 "The sender had to stop and probe ({probes} probes).",
		.remedy = "Look at the receiving application (blocked, too slow, "
			  "single-threaded reader); raise its receive buffer "
			  "(SO_RCVBUF, net.ipv4.tcp_rmem) only if it reads in "
			  "bursts.",
		.refs = { "RFC 9293 3.8.6.1" },
	},
	{
		.id = "tcp.window_full",
		.severity = SEV_LOW,
		.title = "Sender filled the advertised receive window",
		.cause = "{count} {count|time|times} a sender had exactly as much data in "
			 "flight as the receiver's window allowed and had to "
			 "wait. Throughput was limited by the receiver's window, "
			 "not by the network.",
		.remedy = "Raise the receiver's buffer (net.ipv4.tcp_rmem max, "
			  "SO_RCVBUF) and check window scaling is negotiated on "
			  "both sides.",
		.refs = { "RFC 7323" },
	},
	{
		.id = "tcp.resets",
		.severity = SEV_LOW,
		.title = "Connections were reset",
		.cause = "{count} connections ended with a reset (RST): "
			 "{refused} refused during the handshake, {aborted} "
			 "aborted while open, {after_fin} after a FIN. A reset "
			 "discards unread data on both sides.",
		.remedy = "Check which side sent the RSTs and when: refused = "
			  "nothing listening; aborted = application closed with "
			  "unread data or SO_LINGER 0, or a firewall/load "
			  "balancer timed the connection out.",
		.refs = { "RFC 9293 3.5.2", "RFC 5961" },
	},
	{
		.id = "tcp.closed_port",
		.severity = SEV_WARN,
		.title = "Connection attempts to a port nobody listens on",
		.cause = "{count} connection {count|attempt was|attempts were} "
			 "answered with a reset "
			 "straight away: no process listens on the port (or a "
			 "firewall rejects with tcp-reset).",
		.remedy = "Start the service or fix the client's address/port; "
			  "check 'ss -ltn' on the server and firewall REJECT "
			  "rules.",
		.refs = { "RFC 9293 3.5.2" },
	},
	{
		.id = "tcp.syn_unanswered",
		.severity = SEV_WARN,
		.title = "SYNs got no answer at all",
		.cause = "{count} connection {count|attempt|attempts} sent SYNs "
			 "that were never "
			 "answered (no SYN-ACK, no reset): the server is down, "
			 "unreachable, or a firewall drops the SYNs silently.",
		.remedy = "Check the route to the server, firewall DROP rules on "
			  "the path and on the server, and whether the server's "
			  "SYN/accept queues overflow ('nstat -az "
			  "TcpExtListenOverflows', 'ss -ltn').",
		.refs = { "RFC 9293 3.5" },
	},
};

#define CATALOG_N (sizeof(CATALOG) / sizeof(CATALOG[0]))

const struct catalog_entry *catalog_lookup(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < CATALOG_N; i++)
		if (strcmp(CATALOG[i].id, id) == 0)
			return &CATALOG[i];
	return NULL;
}

size_t catalog_count(void)
{
	return CATALOG_N;
}

const struct catalog_entry *catalog_at(size_t i)
{
	return i < CATALOG_N ? &CATALOG[i] : NULL;
}

static const char *const SEV_NAMES[SEV_COUNT] = { "info", "low", "warn",
						  "crit" };

const char *severity_name(enum nd_severity s)
{
	return (unsigned)s < SEV_COUNT ? SEV_NAMES[s] : "?";
}

int severity_parse(const char *s, enum nd_severity *out)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < SEV_COUNT; i++) {
		if (strcmp(s, SEV_NAMES[i]) == 0) {
			*out = (enum nd_severity)i;
			return 0;
		}
	}
	if (strcmp(s, "warning") == 0) {
		*out = SEV_WARN;
		return 0;
	}
	if (strcmp(s, "critical") == 0) {
		*out = SEV_CRIT;
		return 0;
	}
	return -EINVAL;
}
