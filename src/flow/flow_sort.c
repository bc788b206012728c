// SPDX-License-Identifier: MIT
/* Sorting the flow table's recency chains by last packet (in place). */
#include "flow/flow_int.h"

/* Merges two runs linked by lru_next, newest (largest seq) first. */
static struct flow *merge_runs(struct flow *a, struct flow *b)
{
	struct flow *res = NULL, **pp = &res;

	while (a && b) {
		if (a->seq >= b->seq) {
			*pp = a;
			pp = &a->lru_next;
			a = a->lru_next;
		} else {
			*pp = b;
			pp = &b->lru_next;
			b = b->lru_next;
		}
	}
	*pp = a ? a : b;
	return res;
}

/*
 * Sorts a NULL-terminated lru_next chain by seq, newest first, in place:
 * a bottom-up merge sort whose units are the chain's maximal runs already
 * in order (part[i] holds 2^i of them), so a chain that is nearly in order
 * costs about one pass. Needs no memory. Returns the new head.
 */
struct flow *flow_chain_sort(struct flow *f)
{
	struct flow *part[64] = { 0 };

	while (f) {
		struct flow *run = f, *next;
		int i;

		while (f->lru_next && f->lru_next->seq < f->seq)
			f = f->lru_next;
		next = f->lru_next;
		f->lru_next = NULL;
		f = run;
		for (i = 0; i < 63 && part[i]; i++) {
			f = merge_runs(part[i], f);
			part[i] = NULL;
		}
		part[i] = part[i] ? merge_runs(part[i], f) : f;
		f = next;
	}
	for (int i = 0; i < 64; i++)
		if (part[i])
			f = f ? merge_runs(part[i], f) : part[i];
	return f;
}
