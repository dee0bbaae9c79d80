/* fuzz_lab: the lab channel's framing (sbx_lab_parse) as the supervisor
 * drives it (sandbox/lab.c, lab_read): the bytes a candidate's connection
 * sends arrive in reads of 1 to 64 bytes, each at most what the buffer
 * still holds, and are parsed after every read until a request or a
 * refusal.  The first input byte seeds the read sizes; the rest is what
 * the client sends.  What must hold: how the bytes were split changes
 * nothing; a request is the first line, without its newline, shorter
 * than SBX_LAB_MAX; exactly SBX_LAB_MAX bytes without a newline are
 * refused; a service request names what follows its word; the session
 * gets every other line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conn {
	char buf[SBX_LAB_MAX + 1];
	size_t got;
};

/* Feed data to c in reads whose sizes come from seed, parsing after each
 * as lab_read does; the kind it ended with (MORE: the client closed
 * first). */
static enum sbx_lab_kind feed(struct conn *c, const uint8_t *data, size_t size,
			      unsigned seed, struct sbx_lab_request *req)
{
	enum sbx_lab_kind k = SBX_LAB_MORE;
	size_t off = 0, n;

	memset(c, 0, sizeof *c);
	while (off < size && k == SBX_LAB_MORE) {
		seed = seed * 1103515245u + 12345u;
		n = 1 + (seed >> 16) % 64;
		if (n > SBX_LAB_MAX - c->got)
			n = SBX_LAB_MAX - c->got;
		if (n > size - off)
			n = size - off;
		memcpy(c->buf + c->got, data + off, n);
		c->got += n;
		off += n;
		k = sbx_lab_parse(c->buf, c->got, req);
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn split, whole;
	struct sbx_lab_request rs, rw;
	enum sbx_lab_kind ks, kw;
	const char *nl;
	size_t first;

	if (size == 0)
		return 0;
	ks = feed(&split, data + 1, size - 1, data[0], &rs);
	/* the same bytes in one read */
	memset(&whole, 0, sizeof whole);
	whole.got = size - 1 < SBX_LAB_MAX ? size - 1 : SBX_LAB_MAX;
	memcpy(whole.buf, data + 1, whole.got);
	kw = sbx_lab_parse(whole.buf, whole.got, &rw);
	if (ks != kw)
		abort();
	nl = memchr(data + 1, '\n', whole.got);
	first = nl ? (size_t)(nl - (const char *)data - 1) : whole.got;
	switch (kw) {
	case SBX_LAB_MORE:
		if (nl || whole.got >= SBX_LAB_MAX || split.got != whole.got)
			abort();
		return 0;
	case SBX_LAB_TOO_LONG:
		if (nl || whole.got != SBX_LAB_MAX || split.got != SBX_LAB_MAX)
			abort();
		return 0;
	default:
		break;
	}
	if (!nl || first >= SBX_LAB_MAX || rw.line != whole.buf ||
	    rs.line != split.buf || whole.buf[first] != 0 ||
	    strlen(rw.line) > first || strcmp(rw.line, rs.line) ||
	    memcmp(rw.line, data + 1, strlen(rw.line)))
		abort();
	switch (kw) {
	case SBX_LAB_SERVICES:
		if (strcmp(rw.line, "services") || rw.name)
			abort();
		break;
	case SBX_LAB_SERVICE:
	case SBX_LAB_RESTART:
		if (rw.name != rw.line + 8 || strncmp(rw.line, kw == SBX_LAB_SERVICE
						       ? "service " : "restart ", 8) ||
		    strcmp(rw.name, rs.name))
			abort();
		break;
	case SBX_LAB_SESSION:
		if (!strcmp(rw.line, "services") || !strncmp(rw.line, "service ", 8) ||
		    !strncmp(rw.line, "restart ", 8) || rw.name)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
