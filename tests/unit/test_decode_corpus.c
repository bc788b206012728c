// SPDX-License-Identifier: MIT
/* Corpus check: our transport layers against tshark's, frame by frame. */
/* Also: the fast path decodes every corpus frame as the layer decoders do. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"
#include "decode/packet.h"

/*
 * Files allowed to differ, with the reason in docs/decode.md. This list may
 * only shrink: a file that starts matching must be removed from it.
 */
static const char *const allow_diff[] = {
	/* BIG TCP: IPv4 and UDP lengths 0; we follow the frame into VXLAN. */
	"bigtcp-ipv4-vxlan-ipv4.pcap",
	NULL,
};

#define CORPUS_DIR "../shared/captures"

struct stats {
	unsigned frames, checked, tcp_miss, l4_diff, frag_skip, extra;
	unsigned first_bad;
};

static bool allowed(const char *name)
{
	for (size_t i = 0; allow_diff[i]; i++)
		if (strcmp(allow_diff[i], name) == 0)
			return true;
	return false;
}

/* The last "tcp" or "udp" token of a frame.protocols string, 0 if none. */
static int tshark_inner(const char *protos)
{
	int r = 0;
	const char *p = protos;
	while (*p) {
		const char *e = strchr(p, ':');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 3 && !strncmp(p, "tcp", 3))
			r = 6;
		else if (n == 3 && !strncmp(p, "udp", 3))
			r = 17;
		if (!e)
			break;
		p = e + 1;
	}
	return r;
}

static int our_inner(const struct packet *pkt, bool *frag)
{
	int r = 0;
	*frag = false;
	for (int i = 0; i < pkt->n_ip; i++)
		if (pkt->ip[i].fragment)
			*frag = true;
	for (int i = 0; i < pkt->n_l4; i++) {
		const struct pkt_l4 *l = &pkt->l4[i];
		if (pkt->ip[l->ip].fragment)
			continue;
		if (l->proto == 6 || l->proto == 17)
			r = l->proto;
	}
	return r;
}

/*
 * tshark gives a tcp.stream to TCP headers quoted in ICMPv6 errors too, so
 * a quoted header counts when tshark's protocols show an ICMP layer.
 */
static bool our_tcp(const struct packet *pkt, bool quoted_ok)
{
	for (int i = 0; i < pkt->n_l4; i++) {
		const struct pkt_l4 *l = &pkt->l4[i];
		if (l->proto == 6 && (!l->in_icmp_error || quoted_ok) &&
		    !pkt->ip[l->ip].fragment && l->hdr_len >= 20)
			return true;
	}
	return false;
}

/* Splits a TSV line in place into at most n fields. */
static int split_tab(char *line, char **f, int n)
{
	int k = 0;
	line[strcspn(line, "\r\n")] = 0;
	while (k < n) {
		f[k++] = line;
		char *t = strchr(line, '\t');
		if (!t)
			break;
		*t = 0;
		line = t + 1;
	}
	return k;
}

static int check_file(const char *dir, const char *name, struct stats *st)
{
	char path[1024], tsv[1024], errbuf[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tsv, sizeof(tsv), "%s/truth/%s.frames.tsv", dir, name);
	FILE *t = fopen(tsv, "r");
	if (!t)
		return -1;
	pcap_t *p = pcap_open_offline(path, errbuf);
	if (!p) {
		fclose(t);
		return -2;
	}
	char line[65536];
	char *f[9];
	struct packet pkt;
	struct pcap_pkthdr *h;
	const u_char *data;
	if (!fgets(line, sizeof(line), t)) /* header */
		goto out;
	while (pcap_next_ex(p, &h, &data) == 1) {
		if (!fgets(line, sizeof(line), t))
			break;
		if (split_tab(line, f, 9) < 9)
			continue;
		st->frames++;
		if (strcmp(f[3], "-") == 0)
			continue;
		char *end = NULL;
		long tlt = strtol(f[3], &end, 10);
		int lt = (end != f[3] && *end == 0 && tlt > 0 && tlt < 65536)
				 ? (int)tlt
				 : pcap_datalink(p);
		decode_frame(&pkt, lt, data, h->caplen, h->len);
		bool tfrag = strstr(f[7], "ip_fragment") ||
			     strstr(f[7], "ipv6_fragment");
		bool ofrag;
		int mine = our_inner(&pkt, &ofrag);
		int theirs = tshark_inner(f[8]);
		if (tfrag && ofrag && mine != theirs) {
			st->frag_skip++;
			continue;
		}
		st->checked++;
		bool bad = false;
		bool quoted = strstr(f[8], ":icmp") != NULL;
		if (strcmp(f[6], "-") != 0 && f[6][0] &&
		    !our_tcp(&pkt, quoted)) {
			st->tcp_miss++;
			bad = true;
		}
		if (theirs && mine != theirs) {
			st->l4_diff++;
			bad = true;
		}
		if (!theirs && mine)
			st->extra++;
		if (bad && !st->first_bad)
			st->first_bad = (unsigned)strtoul(f[0], NULL, 10);
	}
out:
	pcap_close(p);
	fclose(t);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

Test(decode_corpus, transport_matches_tshark, .timeout = 300)
{
	const char *dir = getenv("NETDX_CORPUS") ? getenv("NETDX_CORPUS")
						  : CORPUS_DIR;
	char truth[1024];
	snprintf(truth, sizeof(truth), "%s/truth", dir);
	DIR *dh = opendir(truth);
	if (!dh)
		cr_skip_test("corpus not found at %s (set NETDX_CORPUS)", dir);
	char *names[512];
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(dh)) && n < 512) {
		size_t l = strlen(de->d_name);
		if (l > 11 && !strcmp(de->d_name + l - 11, ".frames.tsv")) {
			names[n] = strndup(de->d_name, l - 11);
			cr_assert_not_null(names[n]);
			n++;
		}
	}
	closedir(dh);
	qsort(names, n, sizeof(names[0]), cmp_str);
	unsigned total_bad = 0, files = 0, unread = 0;
	for (size_t i = 0; i < n; i++) {
		struct stats st = { 0 };
		int rc = check_file(dir, names[i], &st);
		if (rc < 0) {
			unread++;
			printf("decode-corpus %-50s unreadable by libpcap\n",
			       names[i]);
			free(names[i]);
			continue;
		}
		files++;
		unsigned bad = st.tcp_miss + st.l4_diff;
		printf("decode-corpus %-50s frames %6u checked %6u tcp-miss %4u "
		       "l4-diff %4u frag-skip %4u extra %4u%s",
		       names[i], st.frames, st.checked, st.tcp_miss,
		       st.l4_diff, st.frag_skip, st.extra,
		       bad ? " MISMATCH" : "");
		if (bad)
			printf(" first frame %u", st.first_bad);
		printf("\n");
		if (allowed(names[i]))
			cr_expect(bad > 0,
				  "%s matches now: remove it from allow_diff",
				  names[i]);
		else
			total_bad += bad;
		cr_expect(bad == 0 || allowed(names[i]),
			  "%s: %u transport mismatches", names[i], bad);
		free(names[i]);
	}
	printf("decode-corpus: %u files checked, %u unreadable, %u mismatches "
	       "outside the allowlist\n", files, unread, total_bad);
	cr_assert(files > 0);
}

/* Frames of one capture decoded both ways; returns frames, -1 if unreadable. */
static long diff_file(const char *path, unsigned *differ)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	static struct packet a, b;
	struct pcap_pkthdr *h;
	const u_char *data;
	long n = 0;

	pcap_t *p = pcap_open_offline(path, errbuf);
	if (!p)
		return -1;
	int lt = pcap_datalink(p);
	while (pcap_next_ex(p, &h, &data) == 1) {
		n++;
		memset(&a, 0xa5, sizeof(a));
		memset(&b, 0xa5, sizeof(b));
		enum decode_result ra =
			decode_frame(&a, lt, data, h->caplen, h->len);
		enum decode_result rb =
			dx_decode_frame_ref(&b, lt, data, h->caplen, h->len);
		if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0) {
			if (!*differ)
				printf("decode-fast %s: frame %ld differs\n",
				       path, n);
			(*differ)++;
		}
	}
	pcap_close(p);
	return n;
}

/*
 * Every frame of every capture in the corpus (or NETDX_FAST_DIFF_DIR):
 * decode_frame() and the layer decoders alone must leave identical bytes.
 */
Test(decode_corpus, fast_path_matches_layer_decoders)
{
	const char *dir = getenv("NETDX_FAST_DIFF_DIR");
	if (!dir)
		dir = getenv("NETDX_CORPUS") ? getenv("NETDX_CORPUS")
					     : CORPUS_DIR;
	DIR *dh = opendir(dir);
	if (!dh)
		cr_skip_test("corpus not found at %s (set NETDX_CORPUS)", dir);
	struct dirent *de;
	unsigned files = 0, differ = 0;
	long frames = 0;
	while ((de = readdir(dh))) {
		if (de->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		long n = diff_file(path, &differ);
		if (n < 0)
			continue; /* not a capture (README, truth/ ...) */
		files++;
		frames += n;
	}
	closedir(dh);
	printf("decode-fast: %u files, %ld frames, %u differ\n", files, frames,
	       differ);
	cr_assert(files > 0);
	cr_assert_eq(differ, 0u);
}
