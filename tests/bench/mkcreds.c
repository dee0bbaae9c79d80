/* mkcreds: N synthetic credentials registered in a registry, for the
 * bench's `labrun registry publish` of 10,000 (tests/bench/bench.sh).
 *
 * Running 10,000 graded sessions would take hours, and the registry's own
 * registry_allocate/registry_bind replay the whole log at every append
 * (quadratic in N), so this writes what an issuing labrun writes, in one
 * go: for each credential an "allocate" and an "issue" event appended to
 * REG/log.jsonl in the log's documented form (hash-chained, each line
 * signed by the issuer key), and a program credential (OpenBadgeCredential,
 * achievementType Certification) built and signed by labrun's own code
 * (cred_jcs_id, cred_sign, cred_dump) carrying its credentialStatus.
 * publish replays and checks the log (registry_open) and verifies every
 * credential (cred_read), so a line or credential written wrong here fails
 * the bench rather than flattering it.
 *
 * usage: mkcreds REG ISSUER_SEC DIR N   (REG made by registry init) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/registry.h"
#include "runner/sign.h"
#include "runner/status_list.h"

static int die(const struct err *e)
{
	fprintf(stderr, "mkcreds: %s\n", e->msg);
	return 3;
}

struct chain {
	struct registry *r;
	const struct sign_sec *sk;
	char keyid[17], prev[80], at[32];
	size_t seq;
	struct buf out;
};

static int chain_add(struct chain *c, json_t *ev, struct err *e)
{
	unsigned char sig[64];
	struct buf b64 = BUF_INIT;
	char *msg, *line, hex[SIGN_SHA256_HEX];

	json_object_set_new(ev, "seq", json_integer((json_int_t)++c->seq));
	json_object_set_new(ev, "at", json_string(c->at));
	json_object_set_new(ev, "actor", json_string("bench"));
	json_object_set_new(ev, "key", json_string(c->keyid));
	json_object_set_new(ev, "prev", json_string(c->prev));
	msg = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	if (!msg || sign_ed25519(c->sk, msg, strlen(msg), sig, e) < 0 ||
	    sl_base64_encode(sig, sizeof sig, 0, &b64, e) < 0)
		return -1;
	json_object_set_new(ev, "sig", json_string((const char *)b64.data));
	line = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
	sha256_hex(line, strlen(line), hex);
	snprintf(c->prev, sizeof c->prev, "sha256:%s", hex);
	if (buf_puts(&c->out, line, e) < 0 || buf_puts(&c->out, "\n", e) < 0)
		return -1;
	free(msg);
	free(line);
	buf_release(&b64);
	json_decref(ev);
	return 0;
}

static json_t *credential(const char *did, const char *keyid, unsigned i,
			  const char *base, const char *from, const char *until)
{
	char holder[64], name[64];

	snprintf(holder, sizeof holder, "%sc-%016x", CRED_SUBJECT_PREFIX, i * 2654435761u);
	snprintf(name, sizeof name, "labrun issuer %s", keyid);
	return json_pack(
		"{s:[s,s], s:[s,s], s:s, s:{s:s, s:s, s:[s]}, s:s, s:s,"
		" s:{s:[s], s:s, s:{s:s, s:[s], s:s, s:s, s:s, s:s, s:{s:s},"
		" s:[s,s,s]}}, s:[], s:o}",
		"@context", CRED_CONTEXT_VC, CRED_CONTEXT_OB,
		"type", "VerifiableCredential", "OpenBadgeCredential",
		"name", "Bench platform operator",
		"issuer", "id", did, "name", name, "type", "Profile",
		"validFrom", from, "validUntil", until,
		"credentialSubject", "type", "AchievementSubject", "id", holder,
		"achievement", "id", "urn:labrun:program:bench-operator:1.0.0",
		"type", "Achievement", "achievementType", "Certification",
		"name", "Bench platform operator", "version", "1.0.0",
		"description", "A synthetic program credential of the publish bench.",
		"criteria", "narrative", "Issued by tests/bench/mkcreds.c.",
		"tag", "level:practitioner", "competency:observability",
		"competency:incident-response",
		"evidence",
		"credentialStatus", registry_status_entries(base, i));
}

int main(int argc, char **argv)
{
	struct err e = {ERR_NONE, ""};
	struct sign_sec *sk = NULL;
	struct sign_pub pub;
	struct chain c = {0};
	struct buf log = BUF_INIT, cb = BUF_INIT;
	char path[4200], did[CRED_DID_MAX], id[200], until[32];
	uint64_t n;
	unsigned first;
	int fd;

	if (argc != 5 || parse_u64(argv[4], 1, 100000, &n) < 0) {
		fprintf(stderr, "usage: mkcreds REG ISSUER_SEC DIR N\n");
		return 2;
	}
	if (sign_sec_load(argv[2], &sk, &e) < 0 || registry_open(argv[1], &c.r, &e) < 0)
		return die(&e);
	sign_sec_pub(sk, &pub);
	sign_keyid_hex(&pub, c.keyid);
	cred_did_key(pub.pk, did);
	c.sk = sk;
	c.seq = registry_nlines(c.r);
	first = (unsigned)registry_nentries(c.r) + 1;
	time_rfc3339(time_now_ms() / 1000, c.at);
	time_rfc3339(time_now_ms() / 1000 + 365 * 86400, until);
	/* the chain goes on from the log's last line */
	snprintf(path, sizeof path, "%s/%s", argv[1], REG_LOG);
	if (read_file_bounded(path, REG_LOG_MAX, &log, &e) < 0)
		return die(&e);
	{
		size_t end = log.len - 1, start = end;
		char hex[SIGN_SHA256_HEX];

		while (start > 0 && log.data[start - 1] != '\n')
			start--;
		sha256_hex(log.data + start, end - start, hex);
		snprintf(c.prev, sizeof c.prev, "sha256:%s", hex);
	}
	for (unsigned i = first; i < first + n; i++) {
		json_t *doc = credential(did, c.keyid, i, registry_base_url(c.r), c.at, until);
		char file[4300];

		if (!doc || chain_add(&c, json_pack("{s:s, s:i, s:s, s:s}", "event", "allocate",
						    "index", (json_int_t)i, "holder",
						    json_string_value(json_object_get(
							    json_object_get(doc, "credentialSubject"), "id")) + 21,
						    "achievement", "urn:labrun:program:bench-operator:1.0.0"),
					  &e) < 0 ||
		    cred_jcs_id(doc, id, &e) < 0 ||
		    json_object_set_new(doc, "id", json_string(id)) ||
		    cred_sign(doc, sk, c.at, &e) < 0 || cred_dump(doc, &cb, &e) < 0 ||
		    chain_add(&c, json_pack("{s:s, s:i, s:s}", "event", "issue", "index",
					    (json_int_t)i, "credential", id), &e) < 0)
			return die(&e);
		snprintf(file, sizeof file, "%s/cred-%06u.json", argv[3], i);
		if (write_file_atomic(file, cb.data, cb.len, 0644, &e) < 0)
			return die(&e);
		buf_release(&cb);
		json_decref(doc);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write_all(fd, c.out.data, c.out.len) < 0 || fsync(fd) < 0) {
		fprintf(stderr, "mkcreds: %s: %s\n", path, strerror(errno));
		return 3;
	}
	close(fd);
	printf("%llu credentials in %s, registered in %s\n", (unsigned long long)n,
	       argv[3], argv[1]);
	buf_release(&log);
	buf_release(&c.out);
	registry_close(c.r);
	sign_sec_free(sk);
	return 0;
}
