# SPDX-License-Identifier: MIT
# Per-column agreement of `netdx analyze --fields` with tshark's expected rows.
# Input 1 (expected) and 2 (ours): "<file>\t<frame>\t<14 more columns>", the
# expected file already without comment lines. Output, one line per column:
#   "<column> <match> <total>"   total = rows in the union of both sides
# plus "rows <both> <missing> <extra> <duplicated>" (duplicated: netdx printed
# a frame twice). SHOW=N prints the first N mismatches
# of each column to stderr (debugging).
BEGIN {
	FS = "\t"
	split("frame stream seq ack len window acks_frame ack_rtt initial_rtt " \
	      "bytes_in_flight push_bytes_sent dupack_num dupack_frame rto rto_frame",
	      name, " ")
	NCOL = 15
	# Line fields (file, then the 15 columns) holding times in seconds
	# (ack_rtt, initial_rtt, rto): compared to 1 us.
	timecol[9] = timecol[10] = timecol[15] = 1
}
function same(c, a, b) {
	if (a == b)
		return 1
	if (!(c in timecol) || a == "" || b == "")
		return 0
	d = (a + 0) - (b + 0)
	if (d < 0)
		d = -d
	return d <= 0.0000010000001
}
FNR == 1 { side++ }
{
	key = $1 SUBSEP $2
	if (side == 1) {
		want[key] = $0
		order[++nexp] = key
	} else {
		if (key in ours)
			dupl++
		ours[key] = $0
		oorder[++nours] = key
	}
}
END {
	for (i = 1; i <= nexp; i++) {
		k = order[i]
		split(want[k], e, "\t")
		if (!(k in ours)) {
			missing++
			for (c = 3; c <= NCOL + 1; c++) {
				total[c]++
				if (shown[c]++ < SHOW)
					printf "MISMATCH %s %s frame %s: tshark '%s' netdx (no row)\n", name[c - 1], e[1], e[2], e[c] > "/dev/stderr"
			}
			continue
		}
		both++
		split(ours[k], o, "\t")
		for (c = 3; c <= NCOL + 1; c++) {
			total[c]++
			if (same(c, e[c], o[c]))
				agree[c]++
			else if (shown[c]++ < SHOW)
				printf "MISMATCH %s %s frame %s: tshark '%s' netdx '%s'\n", name[c - 1], e[1], e[2], e[c], o[c] > "/dev/stderr"
		}
	}
	for (i = 1; i <= nours; i++) {
		k = oorder[i]
		if (k in want || k in seen)
			continue
		seen[k] = 1
		extra++
		for (c = 3; c <= NCOL + 1; c++)
			total[c]++
		if (SHOW > 0 && extra <= SHOW) {
			split(k, kk, SUBSEP)
			printf "EXTRA %s frame %s: netdx prints a row, tshark none\n", kk[1], kk[2] > "/dev/stderr"
		}
	}
	for (c = 3; c <= NCOL + 1; c++)
		printf "%s %d %d\n", name[c - 1], agree[c] + 0, total[c] + 0
	printf "rows %d %d %d %d\n", both + 0, missing + 0, extra + 0, dupl + 0
}
