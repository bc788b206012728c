# SPDX-License-Identifier: MIT
# Scores netdx TCP analysis flags against tshark truth, pooled over files.
# Input (two files): TRUTH lines "file<TAB>frame<TAB>flags", OURS the same.
# Output: one "flag tp fp fn" line per flag, in the canonical order.
BEGIN {
	FS = "\t"
	n = split("retransmission fast_retransmission spurious_retransmission " \
		  "out_of_order lost_segment ack_lost_segment duplicate_ack " \
		  "zero_window zero_window_probe zero_window_probe_ack window_full " \
		  "window_update keep_alive keep_alive_ack reused_ports", names, " ")
	for (i = 1; i <= n; i++)
		known[names[i]] = 1
}
FNR == 1 { part++ }
part == 1 {
	# Truth: remember the last frame tshark read per file (limit for ours).
	if ($2 + 0 > maxf[$1])
		maxf[$1] = $2 + 0
	m = split($3, a, ",")
	for (i = 1; i <= m; i++)
		if (a[i] in known)
			want[$1 SUBSEP $2 SUBSEP a[i]] = 1
	next
}
part == 2 {
	if (!($1 in maxf) || $2 + 0 > maxf[$1])
		next
	m = split($3, a, ",")
	for (i = 1; i <= m; i++)
		if (a[i] in known)
			got[$1 SUBSEP $2 SUBSEP a[i]] = 1
}
END {
	for (k in want) {
		split(k, p, SUBSEP)
		if (k in got) tp[p[3]]++
		else { fn[p[3]]++; if (SHOW) print "FN", p[1], p[2], p[3] > "/dev/stderr" }
	}
	for (k in got) {
		split(k, p, SUBSEP)
		if (!(k in want)) { fp[p[3]]++; if (SHOW) print "FP", p[1], p[2], p[3] > "/dev/stderr" }
	}
	for (i = 1; i <= n; i++)
		printf "%s %d %d %d\n", names[i], tp[names[i]], fp[names[i]], fn[names[i]]
}
