/* SPDX-License-Identifier: MIT */
/* Bounds-checked reader over untrusted bytes with a sticky error flag. */
#ifndef NETDX_CORE_CURSOR_H
#define NETDX_CORE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every read past the end sets err and returns 0, so a parser can read a
 * whole header and test err once: no read ever touches bytes beyond len.
 */
struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

static inline void cur_init(struct cursor *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->off = 0;
	c->err = false;
}

static inline size_t cur_left(const struct cursor *c)
{
	return c->err ? 0 : c->len - c->off;
}

static inline bool cur_has(const struct cursor *c, size_t n)
{
	return !c->err && c->len - c->off >= n;
}

/* Returns a pointer to n bytes and advances, or NULL (and err) if short. */
static inline const uint8_t *cur_take(struct cursor *c, size_t n)
{
	if (!cur_has(c, n)) {
		c->err = true;
		return NULL;
	}
	const uint8_t *r = c->p + c->off;
	c->off += n;
	return r;
}

static inline void cur_skip(struct cursor *c, size_t n)
{
	(void)cur_take(c, n);
}

static inline const uint8_t *cur_peek(const struct cursor *c, size_t n)
{
	return cur_has(c, n) ? c->p + c->off : NULL;
}

static inline uint8_t cur_u8(struct cursor *c)
{
	const uint8_t *b = cur_take(c, 1);
	return b ? b[0] : 0;
}

static inline uint16_t cur_be16(struct cursor *c)
{
	const uint8_t *b = cur_take(c, 2);
	return b ? (uint16_t)((b[0] << 8) | b[1]) : 0;
}

static inline uint32_t cur_be24(struct cursor *c)
{
	const uint8_t *b = cur_take(c, 3);
	return b ? ((uint32_t)b[0] << 16) | ((uint32_t)b[1] << 8) | b[2] : 0;
}

static inline uint32_t cur_be32(struct cursor *c)
{
	const uint8_t *b = cur_take(c, 4);
	return b ? ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
			   ((uint32_t)b[2] << 8) | b[3]
		 : 0;
}

static inline uint16_t cur_le16(struct cursor *c)
{
	const uint8_t *b = cur_take(c, 2);
	return b ? (uint16_t)(b[0] | (b[1] << 8)) : 0;
}

static inline uint32_t cur_le32(struct cursor *c)
{
	const uint8_t *b = cur_take(c, 4);
	return b ? (uint32_t)b[0] | ((uint32_t)b[1] << 8) |
			   ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24)
		 : 0;
}

static inline uint64_t cur_le64(struct cursor *c)
{
	uint64_t lo = cur_le32(c);
	uint64_t hi = cur_le32(c);
	return lo | (hi << 32);
}

static inline uint64_t cur_be64(struct cursor *c)
{
	uint64_t hi = cur_be32(c);
	uint64_t lo = cur_be32(c);
	return lo | (hi << 32);
}

/* Carves a sub-cursor of n bytes (clamped to what is left; err if short). */
static inline struct cursor cur_sub(struct cursor *c, size_t n)
{
	struct cursor s;
	size_t have = cur_left(c);
	if (n > have) {
		cur_init(&s, c->p ? c->p + c->off : NULL, have);
		s.err = true;
		c->off = c->len;
		return s;
	}
	cur_init(&s, c->p + c->off, n);
	c->off += n;
	return s;
}

/* Plain loads for bytes already proven present (no cursor needed). */
static inline uint16_t ld_be16(const uint8_t *b)
{
	return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t ld_be32(const uint8_t *b)
{
	return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
	       ((uint32_t)b[2] << 8) | b[3];
}

#endif
