// SPDX-License-Identifier: MIT
/* Buffered byte input for capture files: plain fd, gzip (zlib), memory. */
#include "capture/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * One big read() per refill and records handed out as pointers into the
 * window: this is the hot path, so per record there is no syscall and no
 * copy. 2 MiB keeps syscalls rare without costing much per merged file.
 */
#define CAP_IN_BUF (2u * 1024 * 1024)
#define CAP_IN_ZBUF (256u * 1024)
/*
 * Mapped window: large enough that remapping is rare (one munmap + mmap
 * per 4 MiB), small enough that peak RSS does not follow the file size.
 */
#define CAP_IN_MAP_WIN (4u * 1024 * 1024)

static ssize_t read_retry(int fd, uint8_t *dst, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, dst, n);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

static int gz_start(struct cap_in *in, const uint8_t *raw, size_t rawlen)
{
	memset(&in->zs, 0, sizeof(in->zs));
	/* 16 + MAX_WBITS: expect a gzip wrapper, check its CRC. */
	if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	in->zs_init = true;
	in->gz = true;
	if (in->fd >= 0) {
		in->zcap = rawlen > CAP_IN_ZBUF ? rawlen : CAP_IN_ZBUF;
		in->zbuf = malloc(in->zcap);
		if (!in->zbuf)
			return -ENOMEM;
		memcpy(in->zbuf, raw, rawlen);
		in->zs.next_in = in->zbuf;
	} else {
		in->zs.next_in = (Bytef *)(uintptr_t)raw;
	}
	in->zs.avail_in = (uInt)rawlen;
	return 0;
}

/* Compressed bytes consumed so far (inflateReset zeroes total_in). */
static uint64_t gz_raw_off(const struct cap_in *in)
{
	return in->zdone + in->zs.total_in;
}

/*
 * True when nothing but skip more bytes (the rest of a member's trailer)
 * is left of the compressed input.
 */
static bool gz_at_eof(struct cap_in *in, size_t skip)
{
	for (;;) {
		size_t k = in->zs.avail_in < skip ? in->zs.avail_in : skip;
		in->zs.next_in += k;
		in->zs.avail_in -= (uInt)k;
		skip -= k;
		if (in->zs.avail_in)
			return false;
		if (in->fd < 0)
			return true; /* memory: all input was given at once */
		ssize_t r = read_retry(in->fd, in->zbuf, in->zcap);
		if (r <= 0)
			return r == 0;
		in->zs.next_in = in->zbuf;
		in->zs.avail_in = (uInt)r;
	}
}

/*
 * Records where inflate failed. A bad check in a member's trailer with
 * nothing after it, or bytes after a finished member that are not a
 * member (zero padding, garbage), come after all the data: trailing.
 */
static void gz_fault(struct cap_in *in, uint64_t out_off, bool new_member)
{
	const char *m = in->zs.msg ? in->zs.msg : "inflate failed";
	in->ioerr = EBADMSG;
	in->zerr_raw = gz_raw_off(in);
	in->zerr_out = out_off;
	if (new_member && in->zs.total_out == 0 &&
	    strcmp(m, "incorrect header check") == 0) { /* no gzip magic */
		in->ztrailing = true;
		in->zerr_raw = in->zdone; /* where the stray bytes start */
		m = "bytes after the last gzip member are not gzip data (padding or garbage)";
	} else if (strcmp(m, "incorrect data check") == 0) {
		/* The CRC is checked before the 4-byte length is read. */
		in->zerr_raw -= in->zerr_raw >= 4 ? 4 : 0; /* the CRC field */
		in->ztrailing = gz_at_eof(in, 4);
	} else if (strcmp(m, "incorrect length check") == 0) {
		in->zerr_raw -= in->zerr_raw >= 4 ? 4 : 0; /* the length field */
		in->ztrailing = gz_at_eof(in, 0);
	}
	snprintf(in->zmsg, sizeof(in->zmsg), "%s", m);
}

/* Inflates up to room bytes into dst; 0 with eof/ioerr set at the end. */
static size_t gz_read(struct cap_in *in, uint8_t *dst, size_t room)
{
	if (room > (1u << 30))
		room = 1u << 30;
	in->zs.next_out = dst;
	in->zs.avail_out = (uInt)room;
	while (in->zs.avail_out == room) {
		if (in->zs.avail_in == 0) {
			ssize_t r = in->fd >= 0 ? read_retry(in->fd, in->zbuf, in->zcap) : 0;
			if (r < 0) {
				in->ioerr = errno;
				break;
			}
			if (r == 0) {
				/* A cut-short gzip ends the stream; the record
				 * reader then reports what is missing. */
				in->eof = true;
				break;
			}
			in->zs.next_in = in->zbuf;
			in->zs.avail_in = (uInt)r;
		}
		int rc = inflate(&in->zs, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* Concatenated members continue the stream. */
			in->zdone += in->zs.total_in;
			in->zmembers++;
			if (inflateReset(&in->zs) != Z_OK) {
				gz_fault(in, in->base + in->tail + (room - in->zs.avail_out), false);
				break;
			}
			continue;
		}
		if (rc == Z_BUF_ERROR)
			continue; /* needs more input */
		if (rc != Z_OK) {
			gz_fault(in, in->base + in->tail + (room - in->zs.avail_out),
				 in->zmembers > 0);
			break;
		}
	}
	return room - in->zs.avail_out;
}

static void map_drop(struct cap_in *in)
{
	if (in->map)
		munmap(in->map, in->map_len);
	in->map = NULL;
	in->map_len = 0;
	in->win = NULL;
}

/*
 * Maps the window that starts at the page holding stream offset pos and
 * holds at least n bytes from pos, when the file has them. A file that grew
 * since the last look is followed, as read() would; at its end eof is set.
 */
static size_t map_fill(struct cap_in *in, size_t n)
{
	uint64_t pos = in->base + in->head;
	struct stat st;

	if (fstat(in->fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size > in->file_size)
		in->file_size = (uint64_t)st.st_size;
	if (in->base + in->tail >= in->file_size) {
		in->eof = true; /* nothing past the current window */
		return in->tail - in->head;
	}
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t off = pos - pos % page;
	uint64_t len = (pos - off) + (n > CAP_IN_MAP_WIN ? n : CAP_IN_MAP_WIN);
	if (len > in->file_size - off)
		len = in->file_size - off;
	if (len > SIZE_MAX)
		len = SIZE_MAX;
	void *p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE,
		       in->fd, (off_t)off);
	if (p == MAP_FAILED) {
		in->ioerr = errno;
		return in->tail - in->head;
	}
	map_drop(in);
	in->map = p;
	in->map_len = (size_t)len;
	in->win = p;
	in->base = off;
	in->head = (size_t)(pos - off);
	in->tail = (size_t)len;
	if (in->tail - in->head < n && off + len >= in->file_size)
		in->eof = true;
	return in->tail - in->head;
}

size_t cap_in_fill(struct cap_in *in, size_t n)
{
	if (in->tail - in->head >= n || in->eof || in->ioerr)
		return in->tail - in->head;
	if (in->mapped)
		return map_fill(in, n);
	if (!in->buf)
		return in->tail - in->head;
	if (in->head > 0) {
		memmove(in->buf, in->buf + in->head, in->tail - in->head);
		in->base += in->head;
		in->tail -= in->head;
		in->head = 0;
	}
	if (n > in->cap) {
		uint8_t *nb = realloc(in->buf, n);
		if (!nb) {
			in->ioerr = ENOMEM;
			return in->tail;
		}
		in->buf = nb;
		in->win = nb;
		in->cap = n;
	}
	/* Block only until n bytes are here: a pipe may be a live feed. */
	while (in->tail < n && !in->eof && !in->ioerr) {
		size_t room = in->cap - in->tail;
		if (in->gz) {
			in->tail += gz_read(in, in->buf + in->tail, room);
			continue;
		}
		ssize_t r = read_retry(in->fd, in->buf + in->tail, room);
		if (r < 0)
			in->ioerr = errno;
		else if (r == 0)
			in->eof = true;
		else
			in->tail += (size_t)r;
	}
	return in->tail - in->head;
}

/*
 * Regular files we opened ourselves (so the offset is 0) and that are not
 * gzip are mapped; anything else, or a failed mmap, keeps read().
 */
static bool map_open(struct cap_in *in)
{
	struct stat st;

	if (!in->own_fd || fstat(in->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0)
		return false;
	in->mapped = true;
	in->file_size = (uint64_t)st.st_size;
	map_fill(in, 2);
	if (in->ioerr || (cap_in_avail(in) >= 2 && in->win[0] == 0x1f &&
			  in->win[1] == 0x8b)) {
		map_drop(in);
		in->mapped = false;
		in->ioerr = 0;
		in->eof = false;
		in->head = in->tail = 0;
		in->base = 0;
		return false;
	}
	return true;
}

int cap_in_open_fd(struct cap_in *in, int fd, bool own_fd)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->own_fd = own_fd;
	if (map_open(in))
		return 0;
	in->cap = CAP_IN_BUF;
	in->buf = malloc(in->cap);
	if (!in->buf)
		return -ENOMEM;
	in->win = in->buf;
	cap_in_fill(in, 2);
	if (cap_in_avail(in) >= 2 && in->buf[0] == 0x1f && in->buf[1] == 0x8b) {
		/* The bytes already read are compressed input: move them. */
		size_t raw = in->tail;
		in->tail = in->head = 0;
		in->eof = false;
		return gz_start(in, in->buf, raw);
	}
	return 0;
}

int cap_in_open_mem(struct cap_in *in, const uint8_t *p, size_t len)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	in->mem = p;
	in->mem_len = len;
	if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		in->cap = CAP_IN_BUF;
		in->buf = malloc(in->cap);
		if (!in->buf)
			return -ENOMEM;
		in->win = in->buf;
		return gz_start(in, p, len > (1u << 30) ? (1u << 30) : len);
	}
	in->win = p;
	in->tail = len;
	in->eof = true;
	return 0;
}

void cap_in_release(struct cap_in *in)
{
	if (in->mapped)
		map_drop(in);
	if (in->zs_init)
		inflateEnd(&in->zs);
	free(in->zbuf);
	free(in->buf);
	if (in->own_fd && in->fd >= 0)
		close(in->fd);
	memset(in, 0, sizeof(*in));
	in->fd = -1;
}

uint32_t cap_max_packet(int linktype)
{
	switch (linktype) {
	case 231: /* D-Bus */
	case 249: /* USBPcap */
	case 279: /* EBHSCR */
		return CAP_MAX_PACKET_BIG;
	default:
		return CAP_MAX_PACKET;
	}
}

int cap_in_error(struct cap_file *f, struct nd_err *err)
{
	const struct cap_in *in = &f->in;
	if (in->ioerr != EBADMSG)
		return nd_err_set(err, ND_ERR_INPUT, EIO, "%s: offset %llu: %s",
				  f->name, (unsigned long long)cap_in_offset(in),
				  strerror(in->ioerr));
	return nd_err_set(err, ND_ERR_INPUT, EBADMSG,
			  "%s: offset %llu: gzip data corrupt at compressed offset %llu (uncompressed %llu): %s",
			  f->name, (unsigned long long)cap_in_offset(in),
			  (unsigned long long)in->zerr_raw,
			  (unsigned long long)in->zerr_out, in->zmsg);
}

int cap_file_at_end(struct cap_file *f, struct nd_err *err)
{
	const struct cap_in *in = &f->in;
	if (!in->ioerr)
		return 0;
	if (in->ioerr != EBADMSG || !in->ztrailing || cap_in_avail(in))
		return cap_in_error(f, err);
	/* Every record was read; the fault only cost the trailer. */
	if (!f->prob.err.kind) {
		nd_err_set(&f->prob.err, ND_ERR_INPUT, EBADMSG,
			   "%s: gzip error after the last record, at compressed offset %llu (uncompressed %llu): %s; all records before it were read",
			   f->name, (unsigned long long)in->zerr_raw,
			   (unsigned long long)in->zerr_out, in->zmsg);
		f->prob.warning = true;
		f->prob.has_offset = true;
		f->prob.offset = in->zerr_out;
	}
	return 0;
}

/* Identifies the format by magic (never by name) and reads the header. */
static int detect(struct cap_file *f, struct nd_err *err)
{
	size_t n = cap_in_fill(&f->in, 4);
	/* Bytes inflated before a gzip fault are still read. */
	if (f->in.ioerr && n < 4)
		return cap_in_error(f, err);
	if (n == 0)
		return nd_err_set(err, ND_ERR_INPUT, EINVAL, "%s: empty file%s",
				  f->name, f->in.gz ? " (after gzip)" : "");
	if (n < 4)
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "%s: offset 0: file too short for a capture header (%zu bytes)",
				  f->name, n);
	const uint8_t *p = cap_in_ptr(&f->in);
	uint32_t m = cap_ld32(p, true);
	switch (m) {
	case 0xa1b2c3d4: case 0xd4c3b2a1: case 0xa1b23c4d: case 0x4d3cb2a1:
	case 0xa1b2cd34: case 0x34cdb2a1:
		f->fmt = CAP_FMT_PCAP;
		return cap_pcap_header(f, err);
	case 0x0a0d0d0a:
		f->fmt = CAP_FMT_PCAPNG;
		return cap_ng_header(f, err);
	default:
		return nd_err_set(err, ND_ERR_INPUT, EINVAL,
				  "%s: offset 0: not a pcap or pcapng file (magic 0x%08x)",
				  f->name, m);
	}
}

int cap_file_open(struct cap_file *f, const char *path, int index,
		  struct nd_err *err)
{
	memset(f, 0, sizeof(*f));
	f->in.fd = -1;
	f->name = path;
	f->index = index;
	int fd;
	bool own = true;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
		own = false;
		f->name = "stdin";
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return nd_err_set(err, ND_ERR_INPUT, errno, "%s: %s", path,
					  strerror(errno));
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(fd);
			return nd_err_set(err, ND_ERR_INPUT, EISDIR,
					  "%s: is a directory, not a capture file",
					  path);
		}
#ifdef POSIX_FADV_SEQUENTIAL
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	}
	int rc = cap_in_open_fd(&f->in, fd, own);
	if (rc < 0) {
		cap_in_release(&f->in);
		return nd_err_set(err, ND_ERR_RUNTIME, rc, "%s: out of memory",
				  f->name);
	}
	return detect(f, err);
}

int cap_file_open_mem(struct cap_file *f, const uint8_t *p, size_t len,
		      const char *name, struct nd_err *err)
{
	memset(f, 0, sizeof(*f));
	f->name = name ? name : "memory";
	int rc = cap_in_open_mem(&f->in, p, len);
	if (rc < 0)
		return nd_err_set(err, ND_ERR_RUNTIME, rc, "%s: out of memory",
				  f->name);
	return detect(f, err);
}

void cap_file_release(struct cap_file *f)
{
	if (!f)
		return;
	cap_in_release(&f->in);
	free(f->ifs);
	f->ifs = NULL;
	f->nifs = f->ifs_cap = 0;
}

int cap_file_next(struct cap_file *f, struct cap_frame *fr, struct nd_err *err)
{
	int rc = f->fmt == CAP_FMT_PCAP ? cap_pcap_next(f, fr, err)
					: cap_ng_next(f, fr, err);
	if (rc > 0)
		fr->file = f->index;
	return rc;
}
