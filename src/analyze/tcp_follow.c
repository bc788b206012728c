// SPDX-License-Identifier: MIT
/* analyze --follow: which (finding id, connection) pairs were shown, and the evaluation clock. */
#include "analyze/tcp_follow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Open addressing, twice the entries it may hold: probes stay short. */
#define SEEN_SLOTS (2u * TCP_FOLLOW_MAX_SEEN)

struct seen {
	const char *id; /* catalog literal; NULL: free slot */
	uint64_t stream;
};

struct tcp_follow {
	size_t n_seen;
	uint64_t suppressed;
	struct seen seen[SEEN_SLOTS];
};

static uint64_t mix(const char *id, uint64_t stream)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a over the id */

	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h ^= stream + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
	return h;
}

/* True when (id, stream) was already shown; remembers it otherwise. */
static bool seen_before(struct tcp_follow *fw, const char *id,
			uint64_t stream, bool *full)
{
	size_t i = (size_t)(mix(id, stream) & (SEEN_SLOTS - 1));

	*full = false;
	for (size_t n = 0; n < SEEN_SLOTS; n++, i = (i + 1) & (SEEN_SLOTS - 1)) {
		struct seen *s = &fw->seen[i];

		if (!s->id) {
			if (fw->n_seen >= TCP_FOLLOW_MAX_SEEN) {
				*full = true;
				return true;
			}
			s->id = id;
			s->stream = stream;
			fw->n_seen++;
			return false;
		}
		if (s->stream == stream && !strcmp(s->id, id))
			return true;
	}
	*full = true;
	return true;
}

bool tcp_follow_first(struct tcp_follow *fw, const char *id, uint64_t stream)
{
	bool full;

	if (seen_before(fw, id, stream, &full)) {
		if (full)
			fw->suppressed++;
		return false;
	}
	return true;
}

struct tcp_follow *tcp_follow_new(void)
{
	return calloc(1, sizeof(struct tcp_follow));
}

void tcp_follow_free(struct tcp_follow *fw)
{
	free(fw);
}

uint64_t tcp_follow_suppressed(const struct tcp_follow *fw)
{
	return fw ? fw->suppressed : 0;
}

bool tcp_follow_due(struct tcp_follow_clock *c, int64_t now_ns)
{
	/* A clock stepping back is due at once rather than stalling. */
	if (c->started && now_ns >= c->last_ns &&
	    (uint64_t)now_ns - (uint64_t)c->last_ns < (uint64_t)c->every_ns)
		return false;
	c->started = true;
	c->last_ns = now_ns;
	return true;
}
