// SPDX-License-Identifier: MIT
/* Capture reader on hostile or unusual input: layout guess, gzip faults,
 * merged files with a bad member, live statistics frozen at stop. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/capture.h"

/*
 * Standard little-endian microsecond pcap, Ethernet, three records; the
 * second has wire length 0 (real writers do this). Read with 24-byte
 * record headers its second "record" would look plausible, which is how
 * the old layout guess was fooled.
 */
static const uint8_t pcap_wirelen0[] = {
	0xd4, 0xc3, 0xb2, 0xa1, /* magic (LE, microseconds) */
	0x02, 0x00, 0x04, 0x00, /* version 2.4 */
	0x00, 0x00, 0x00, 0x00, /* thiszone */
	0x00, 0x00, 0x00, 0x00, /* sigfigs */
	0xff, 0xff, 0x00, 0x00, /* snaplen 65535 */
	0x01, 0x00, 0x00, 0x00, /* linktype 1 Ethernet */
	/* record 1 at offset 24 */
	0x10, 0x00, 0x00, 0x00, /* ts_sec 16 */
	0x01, 0x00, 0x00, 0x00, /* ts_usec 1 */
	0x04, 0x00, 0x00, 0x00, /* caplen 4 */
	0x3c, 0x00, 0x00, 0x00, /* wirelen 60 */
	0xde, 0xad, 0xbe, 0xef, /* data */
	/* record 2 at offset 44 */
	0x11, 0x00, 0x00, 0x00, /* ts_sec 17 */
	0x02, 0x00, 0x00, 0x00, /* ts_usec 2 */
	0x04, 0x00, 0x00, 0x00, /* caplen 4 */
	0x00, 0x00, 0x00, 0x00, /* wirelen 0 */
	0x00, 0x00, 0x00, 0x00, /* data */
	/* record 3 at offset 64 */
	0x12, 0x00, 0x00, 0x00, /* ts_sec 18 */
	0x03, 0x00, 0x00, 0x00, /* ts_usec 3 */
	0x02, 0x00, 0x00, 0x00, /* caplen 2 */
	0x02, 0x00, 0x00, 0x00, /* wirelen 2 */
	0xca, 0xfe,		/* data */
};

static int read_all(struct cap_source *s, struct cap_frame *out, int max,
		    struct nd_err *e, int *last_rc)
{
	int n = 0, rc = 0;
	while (n < max && (rc = cap_next(s, &out[n], e)) > 0)
		n++;
	if (last_rc)
		*last_rc = rc;
	return n;
}

Test(capture_faults, pcap_wire_length_zero_keeps_standard_layout)
{
	struct cap_source *s = NULL;
	struct nd_err e = { 0 };
	cr_assert_eq(cap_open_mem(&s, pcap_wirelen0, sizeof(pcap_wirelen0),
				  "w0.pcap", NULL, &e), 0, "%s", e.msg);
	struct cap_frame f[4];
	int rc;
	cr_assert_eq(read_all(s, f, 4, &e, &rc), 3, "%s", e.msg);
	cr_expect_eq(rc, 0, "%s", e.msg);
	cr_expect_eq(f[1].offset, 44);
	cr_expect_eq(f[1].caplen, 4);
	cr_expect_eq(f[1].wirelen, 0);
	cr_expect_eq(f[2].offset, 64);
	cr_expect_eq(f[2].ts_ns, 18000003000LL);
	cr_expect_eq(f[2].data[1], 0xfe);
	cap_close(s);
}
