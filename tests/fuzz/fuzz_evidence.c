/* fuzz_evidence: ev_verify over arbitrary bytes, twice.  First the input as
 * it is, against the fixed issuer key that signed the seed corpus (made with
 * `labrun keygen` and `labrun run scenarios/policy-denials`).  A fuzzer
 * cannot forge that signature, so second, when the input reads as a tar,
 * its members are sealed again (reseal()) with a key made for this
 * process, and the result is verified with ev_verify and ev_verify_json:
 * that reaches the checks of SHA256SUMS, manifest.json and result.json and
 * the reports.  Then what regrade, recert and batch read past the
 * signature: ev_open (which must agree with ev_verify), the session's
 * facts and commands.jsonl (ev_recorded_load) and a check's result
 * (ev_result_has).
 *
 * ev_verify opens a path and refuses symbolic links (/proc/self/fd/N is
 * one), so the bytes go to a file in a private temporary directory, removed
 * at exit.  Verification must succeed with a report or refuse, never crash,
 * hang or leak; a refusal's message must be one line, and against the
 * fixed key only the one file it signed may verify.  It does not check
 * what a report says. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/limits.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "tests/fuzz/scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SUMS "SHA256SUMS"
#define SUMS_SIG "SHA256SUMS.minisig"

static const char issuer_text[] =
	"untrusted comment: labrun public key 9B3483BB693772A2\n"
	"RWSicjdpu4M0m35rMB7Uort8y5sf46bUfVR+JbTg7zyzo5r1AOMVHEuW\n";

/* SHA-256 of corpus/evidence/policy-denials-pass.ev, the one file it
 * signed. */
static const char signed_sha256[] =
	"912e53e818a606ad1604385299f10670a254af1265925a0990eccc12fe3cd23f";

static struct sign_pub issuer, own_pub;
static struct sign_sec *own_sec;
static char dir[64], file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
	sign_sec_free(own_sec);
}

static void setup(void)
{
	char pub[96], sec[96];
	struct err e;

	scratch_dir(dir, sizeof dir, "fuzz-ev");
	snprintf(file, sizeof file, "%s/e.ev", dir);
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	snprintf(sec, sizeof sec, "%s/k.key", dir);
	if (sign_pub_parse(issuer_text, strlen(issuer_text), "issuer", &issuer,
			   &e) < 0 ||
	    sign_keygen(pub, sec, &e) < 0 || sign_pub_load(pub, &own_pub, &e) < 0 ||
	    sign_sec_load(sec, &own_sec, &e) < 0)
		abort();
	unlink(pub);
	unlink(sec);
	atexit(cleanup);
}

/* A new file each time: a truncate on ext4 flushes to disk. */
static void put_file(const void *data, size_t size)
{
	int fd;

	unlink(file);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || write_all(fd, data, size) < 0 || close(fd) < 0)
		abort();
}

/* One line without control characters: what the file holds is shown
 * escaped. */
static int one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Verify what is in the file; a failure must be a refusal that prints as
 * one line.  Returns rc. */
static int check(const struct sign_pub *key, int json)
{
	struct buf out = BUF_INIT;
	struct err e;
	int rc;

	rc = json ? ev_verify_json(file, key, &out, &e)
		  : ev_verify(file, key, &out, &e);
	if (rc == 0 ? out.len == 0
		    : e.kind != ERR_REFUSED || !one_line(e.msg))
		abort();
	buf_release(&out);
	return rc;
}

/* The input's members sealed again with own_sec.  When the input has a
 * signature its SHA256SUMS is signed as it is (so its form and digests
 * are checked), otherwise SHA256SUMS is made the way ev_seal makes it (so
 * any change to the other members reaches the JSON checks).  0 and the
 * tar in out, or -1 if the input is no tar. */
static int reseal(const uint8_t *data, size_t size, struct buf *out)
{
	static const struct tar_limits lim = {
		EVIDENCE_MAX_ENTRIES, EVIDENCE_MAX_TOTAL, EVIDENCE_MAX_TOTAL,
	};
	struct tar_list in = {NULL, 0, 0}, l = {NULL, 0, 0};
	struct buf sums = BUF_INIT, sig = BUF_INIT;
	const struct tar_entry *given;
	char hex[SIGN_SHA256_HEX];
	struct err e;
	size_t i;
	int rc = -1, keep;

	if (tar_read(data, size, "fuzz", &lim, &in, &e) < 0)
		return -1;
	given = tar_list_find(&in, SUMS);
	keep = given && !given->is_dir && tar_list_find(&in, SUMS_SIG);
	if (keep && buf_append(&sums, given->data, given->len, &e) < 0)
		abort();
	for (i = 0; i < in.n; i++) {
		const struct tar_entry *m = &in.v[i];

		if (!strcmp(m->name, SUMS) || !strcmp(m->name, SUMS_SIG))
			continue;
		if (m->is_dir) {
			if (tar_list_add_dir(&l, m->name, &e) < 0)
				abort();
			continue;
		}
		if (tar_list_add_file(&l, m->name, m->mode, m->data, m->len,
				      &e) < 0)
			abort();
		if (keep)
			continue;
		sha256_hex(m->data, m->len, hex);
		if (buf_printf(&sums, &e, "%s  %s\n", hex, m->name) < 0)
			abort();
	}
	if (sign_data(own_sec, sums.data ? sums.data : (void *)"", sums.len,
		      "fuzz", &sig, &e) < 0 ||
	    tar_list_add_file(&l, SUMS, 0644, sums.data, sums.len, &e) < 0 ||
	    tar_list_add_file(&l, SUMS_SIG, 0644, sig.data, sig.len, &e) < 0)
		abort();
	if (tar_write(&l, out, &e) == 0)
		rc = 0;
	else if (e.kind != ERR_REFUSED)
		abort();
	buf_release(&sums);
	buf_release(&sig);
	tar_list_release(&l);
	tar_list_release(&in);
	return rc;
}

/* Open the file as regrade does; verified: ev_verify accepted it.  A
 * refusal to read the session holds nothing and prints as one line. */
static void reopen(int verified)
{
	struct tar_list members = {NULL, 0, 0};
	struct ev_recorded r;
	char digest[SIGN_SHA256_HEX];
	struct err e;
	size_t i;
	int rc;

	rc = ev_open(file, &own_pub, &members, digest, &e);
	if ((rc == 0) != verified)
		abort();
	if (rc < 0)
		return;
	if (ev_recorded_load(&members, &r, &e) == 0) {
		for (i = 0; i < r.ncommands; i++)
			if (!r.commands[i].path || !r.commands[i].argv)
				abort();
		ev_recorded_release(&r);
	} else if (r.commands || r.executable || e.kind != ERR_REFUSED ||
		   !one_line(e.msg)) {
		abort();
	}
	(void)ev_result_has(&members, "active-policy-good", "pass", 300);
	tar_list_release(&members);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf sealed = BUF_INIT;
	char hex[SIGN_SHA256_HEX];
	int verified;

	if (!own_sec)
		setup();
	put_file(data, size);
	/* The issuer signed one file: any other bytes must be refused. */
	if (check(&issuer, 0) == 0) {
		sha256_hex(data, size, hex);
		if (strcmp(hex, signed_sha256))
			abort();
	}
	if (reseal(data, size, &sealed) == 0) {
		put_file(sealed.data, sealed.len);
		verified = check(&own_pub, 0) == 0;
		check(&own_pub, 1);
		reopen(verified);
	}
	buf_release(&sealed);
	return 0;
}
