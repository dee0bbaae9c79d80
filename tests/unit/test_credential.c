/* test_credential: base58, RFC 8785 JCS, did:key, eddsa-jcs-2022 proofs,
 * hashed holder identities, the strict reader and the credential of a
 * passing evidence (base/base58.c, runner/jcs.c, runner/credential.c).
 * Vectors: RFC 8785's own examples, RFC 8032's first test key, base58's
 * well-known strings; identity hashes computed independently
 * (sha256 of "alice@example.org" + salt). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/base58.h"
#include "base/err.h"
#include "base/util.h"
#include "runner/credential.h"
#include "runner/jcs.h"
#include "runner/sign.h"
#include "runner/tarball.h"
#include "tests/unit/tap.h"

static void test_base58(void)
{
	unsigned char b[64];
	char s[128];
	int n;

	n = base58_encode((const unsigned char *)"Hello World!", 12, s, sizeof s);
	ok(n == 17 && !strcmp(s, "2NEpo7TZRRrLZSi2U"), "base58 of 'Hello World!'");
	n = base58_encode((const unsigned char *)"\0\0\x28\x7f\xb4\xcd", 6, s, sizeof s);
	is_str(s, "11233QC4", "leading zero bytes are '1's");
	ok(n == 8, "its length");
	n = base58_decode("11233QC4", 8, b, sizeof b);
	ok(n == 6 && !memcmp(b, "\0\0\x28\x7f\xb4\xcd", 6), "decodes back");
	ok(base58_decode("2NEpo7TZRRrLZSi2U0", 18, b, sizeof b) < 0,
	   "'0' is not in the alphabet");
	ok(base58_decode("2NEpo7TZRRrLZSi2U", 17, b, 4) < 0,
	   "a result longer than the buffer is refused");
	ok(base58_decode("", 0, b, sizeof b) < 0, "empty is refused");
	ok(base58_encode((const unsigned char *)"Hello World!", 12, s, 10) < 0,
	   "an output buffer too small is refused");
}

static char *jcs_of(const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	struct buf b = BUF_INIT;
	struct err e;
	char *out;

	if (!v || jcs_write(v, "t", &b, &e) < 0) {
		json_decref(v);
		buf_release(&b);
		return strdup("(refused)");
	}
	json_decref(v);
	out = strdup((const char *)b.data);
	buf_release(&b);
	return out;
}

static void test_jcs(void)
{
	char *s;
	struct err e;
	struct buf b = BUF_INIT;
	json_t *v;

	/* RFC 8785 3.2.3: sorting by UTF-16 code units (the emoji, a
	 * surrogate pair, sorts before U+FB33) */
	s = jcs_of("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", "
		   "\"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\", \"1\": \"One\", "
		   "\"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\", "
		   "\"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}");
	is_str(s, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
		  "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
		  "\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
		  "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}",
	       "RFC 8785 3.2.3: keys sorted by UTF-16 code units");
	free(s);
	/* RFC 8785 3.2.2.2: string escapes */
	s = jcs_of("{\"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\"}");
	is_str(s, "{\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}",
	       "RFC 8785 3.2.2.2: escapes as JSON.stringify");
	free(s);
	s = jcs_of("{\"literals\": [null, true, false], \"b\\b\\f\\t\": \"\\u001f\\u007f\"}");
	is_str(s, "{\"b\\b\\f\\t\":\"\\u001f\x7f\",\"literals\":[null,true,false]}",
	       "literals; \\b \\f \\t short forms; 0x1f as \\u001f, DEL raw");
	free(s);
	s = jcs_of("{\"a\": {\"z\": 1, \"y\": [-9007199254740991, 0]}}");
	is_str(s, "{\"a\":{\"y\":[-9007199254740991,0],\"z\":1}}",
	       "nested objects sorted, integers as they are");
	free(s);
	v = json_pack("{s:f}", "x", 0.5);
	ok(jcs_write(v, "doc", &b, &e) < 0 && e.kind == ERR_REFUSED &&
		   strstr(e.msg, "real number"),
	   "a real number is refused: %s", e.msg);
	json_decref(v);
	v = json_pack("{s:I}", "x", (json_int_t)9007199254740992LL);
	ok(jcs_write(v, "doc", &b, &e) < 0 && strstr(e.msg, "2^53"),
	   "an integer beyond 2^53 - 1 is refused: %s", e.msg);
	json_decref(v);
	buf_release(&b);
}

/* RFC 8032 7.1, TEST 1 */
static const char rfc8032_pk[] =
	"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

static void hex_to(const char *hex, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &out[i]);
}

static void test_did_key(void)
{
	unsigned char pk[32], back[32];
	char did[CRED_DID_MAX];

	hex_to(rfc8032_pk, pk, 32);
	ok(cred_did_key(pk, did) == 0, "did:key of a key");
	is_str(did, "did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw",
	       "did:key of RFC 8032's first test key");
	ok(cred_did_key_decode(did, back) == 0 && !memcmp(back, pk, 32),
	   "decodes back to the key");
	ok(cred_did_key_decode("did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsx", back) == 0,
	   "another 32 bytes decode too (a different key)");
	ok(cred_did_key_decode("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", back) < 0,
	   "a secp256k1 did:key is refused");
	ok(cred_did_key_decode("did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw#z6Mk", back) < 0,
	   "a key reference is not a did");
	ok(cred_did_key_decode("did:web:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw", back) < 0,
	   "another method is refused");
	ok(cred_did_key_decode("did:key:z16MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw", back) < 0,
	   "a non-canonical encoding is refused");
}

static void test_identity(void)
{
	struct cred_identity id, id2;
	struct err e;

	ok(cred_identity_make_salted("emailAddress", "alice@example.org",
				     "00112233445566778899aabbccddeeff", &id, &e) == 0,
	   "identity with a given salt");
	is_str(id.hash, "sha256$ee2c6498f4a1958750af4da06bce7c8837568bc61caff272a066e02d0805664b",
	       "hash is sha256(identifier + salt)");
	ok(cred_identity_matches(&id, "alice@example.org") == 1, "matches its identifier");
	ok(cred_identity_matches(&id, "alice@example.com") == 0, "not another");
	ok(cred_identity_check(&id, "t", &e) == 0, "its form checks");
	ok(cred_identity_make("emailAddress", "alice@example.org", &id2, &e) == 0 &&
		   strcmp(id2.salt, id.salt) && strcmp(id2.hash, id.hash) &&
		   cred_identity_matches(&id2, "alice@example.org"),
	   "a fresh salt: another hash, still matching");
	ok(cred_identity_parse("shoeSize:44", &id2, &e) < 0 && e.kind == ERR_USAGE &&
		   strstr(e.msg, "emailAddress"),
	   "an unknown type is refused with the list: %s", e.msg);
	ok(cred_identity_parse("emailAddress:", &id2, &e) < 0 && strstr(e.msg, "empty"),
	   "an empty value is refused");
	ok(cred_identity_parse("emailAddress:a\x1b[2Jb", &id2, &e) < 0 &&
		   strstr(e.msg, "control"),
	   "a control character is refused");
	ok(cred_identity_parse("alice@example.org", &id2, &e) < 0,
	   "no TYPE: refused");
	ok(cred_identity_parse("studentId:42", &id2, &e) < 0,
	   "studentId is not an OB 3.0 identity type");
	ok(cred_identity_parse("sourcedId:42", &id2, &e) == 0 &&
		   !strcmp(id2.type, "sourcedId"),
	   "TYPE:VALUE parsed");
	id2 = id;
	id2.hash[10] = 'X';
	ok(cred_identity_check(&id2, "t", &e) < 0, "a hash not in hex is refused");
	id2 = id;
	id2.salt[5] = 0;
	ok(cred_identity_check(&id2, "t", &e) < 0, "a short salt is refused");
}

/* A passing evidence's members, as far as the credential reads them. */
static const char manifest_fmt[] =
	"{\"scenario\": {\"id\": \"fix-queue\", \"version\": \"1.2.0\", "
	"\"title\": \"Fix the \\\"queue\\\"\", \"level\": \"practitioner\", "
	"\"competencies\": [\"queues\", \"observability\"]}, "
	"\"candidate\": {\"pseudonym\": \"c-3f9a0b1c2d3e4f50\"%s}, "
	"\"attempt\": 2, \"verdict\": \"pass\", \"score\": 750, \"pass_mark\": 700, "
	"\"session\": {\"time_limit_s\": 2700}, \"issued\": \"2026-11-25T12:00:00Z\", "
	"\"valid_until\": \"2027-11-25T12:00:00Z\"%s}\n";

static void members(struct tar_list *l, const char *ident, const char *extra)
{
	char m[2048];
	struct err e;

	snprintf(m, sizeof m, manifest_fmt, ident, extra);
	tar_list_add_file(l, "manifest.json", 0644, m, strlen(m), &e);
	tar_list_add_file(l, "result.json", 0644, "{}\n", 3, &e);
	tar_list_add_file(l, "commands.jsonl", 0644, "", 0, &e);
}

static struct buf signed_cred(const struct sign_sec *sk, const char *ident,
			      const char *extra, struct tar_list *l)
{
	struct buf out = BUF_INIT;
	struct err e;

	members(l, ident, extra);
	if (cred_for_evidence(l, sk, &out, &e) < 0)
		printf("# cred_for_evidence: %s\n", e.msg);
	return out;
}

/* Change each byte of every string value and key of doc in turn (within
 * ASCII, to keep it UTF-8) and count the changed documents the proof
 * still accepts.  'checked' counts changes made. */
static void tamper_walk(json_t *root, json_t *v, const struct sign_pub *pub,
			int *checked, int *accepted)
{
	struct err e;
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, m) {
			if (!strcmp(key, "proofValue"))
				continue;
			tamper_walk(root, m, pub, checked, accepted);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			tamper_walk(root, m, pub, checked, accepted);
	} else if (json_is_string(v)) {
		char *s = strdup(json_string_value(v));
		size_t n = strlen(s);

		for (i = 0; i < n; i++) {
			char c = s[i];

			if ((unsigned char)c >= 0x80)
				continue;
			s[i] = c == 'a' ? 'b' : 'a';
			json_string_set(v, s);
			(*checked)++;
			if (cred_check_proof(root, pub, 1, &e) == 0)
				(*accepted)++;
			s[i] = c;
		}
		json_string_set(v, s);
		free(s);
	} else if (json_is_integer(v)) {
		json_int_t n = json_integer_value(v);

		json_integer_set(v, n + 1);
		(*checked)++;
		if (cred_check_proof(root, pub, 1, &e) == 0)
			(*accepted)++;
		json_integer_set(v, n);
	}
}

static void test_sign_and_read(void)
{
	struct sign_sec *sk = NULL, *other = NULL;
	struct sign_pub pub, opub;
	struct tar_list l = {0}, l2 = {0};
	struct buf text, again = BUF_INIT;
	struct cred c;
	struct err e;
	json_t *doc;
	char contents[65], want[200], did[CRED_DID_MAX];
	int checked = 0, accepted = 0;

	if (sign_sec_ephemeral(&sk, &e) < 0 || sign_sec_ephemeral(&other, &e) < 0) {
		ok(0, "ephemeral keys: %s", e.msg);
		return;
	}
	sign_sec_pub(sk, &pub);
	sign_sec_pub(other, &opub);
	cred_did_key(pub.pk, did);
	text = signed_cred(sk, "", "", &l);
	ok(text.len > 0 && text.data[text.len - 1] == '\n', "a credential is issued");
	ok(cred_read(text.data, text.len, "c.json", &pub, 1, &c, &e) == 0,
	   "cred_read accepts it under the issuer key: %s", e.msg);
	cred_contents_hex(&l, contents, &e);
	snprintf(want, sizeof want, "urn:labrun:credential:sha256:%s", contents);
	is_str(c.id, want, "id names the contents");
	is_str(c.kind, "scenario", "kind");
	is_str(c.issuer, did, "issuer is the key's did:key");
	is_str(c.achievement, "urn:labrun:scenario:fix-queue:1.2.0", "achievement id");
	is_str(c.achievement_name, "Fix the \"queue\"", "achievement name");
	is_str(c.achievement_version, "1.2.0", "achievement version");
	is_str(c.level, "practitioner", "level");
	ok(c.ncompetencies == 2 && !strcmp(c.competencies[0], "queues") &&
		   !strcmp(c.competencies[1], "observability"),
	   "competencies in order");
	is_str(c.subject, "c-3f9a0b1c2d3e4f50", "subject is the pseudonym");
	ok(c.nids == 0, "no identifier without one");
	is_str(c.valid_from, "2026-11-25T12:00:00Z", "validFrom = issued");
	is_str(c.valid_until, "2027-11-25T12:00:00Z", "validUntil = valid_until");
	is_str(c.replaces, "", "replaces nothing");
	is_str(c.score, "75.0", "score in percent, one decimal");
	snprintf(want, sizeof want, "sha256:%s", contents);
	is_str(c.contents, want, "contents");
	ok(strstr((char *)text.data, "\"requiredValue\": \"70.0\"") &&
		   strstr((char *)text.data, "within 45 minutes and reach the pass mark 70.0%"),
	   "pass mark and time limit in the criteria");
	{
		json_t *d = json_loadb((const char *)text.data, text.len, 0, NULL);
		struct buf j = BUF_INIT;

		ok(d && jcs_write(d, "t", &j, &e) == 0, "no real number in it");
		buf_release(&j);
		json_decref(d);
	}
	cred_release(&c);

	ok(cred_read(text.data, text.len, "c.json", &opub, 1, &c, &e) < 0 &&
		   strstr(e.msg, "not a pinned issuer key"),
	   "another issuer key is refused: %s", e.msg);
	ok(cred_check_evidence(&l, text.data, text.len, &pub, &e) == 0,
	   "cred_check_evidence accepts it: %s", e.msg);
	ok(cred_check_evidence(&l, text.data, text.len, &opub, &e) < 0,
	   "cred_check_evidence under another key refuses");

	/* every byte of every value the proof covers */
	doc = json_loadb((const char *)text.data, text.len, 0, NULL);
	tamper_walk(doc, doc, &pub, &checked, &accepted);
	ok(checked > 500 && accepted == 0,
	   "%d single-byte changes to the signed values, %d accepted", checked,
	   accepted);
	json_object_set_new(doc, "description", json_string("added"));
	ok(cred_check_proof(doc, &pub, 1, &e) < 0, "an added key is refused");
	json_object_del(doc, "description");
	ok(cred_check_proof(doc, &pub, 1, &e) == 0, "restored: accepted again");
	json_object_set_new(json_object_get(doc, "issuer"), "id",
			    json_string("did:key:z6MktwupdmLXVVqTzCw4i46r4uGyosGXRnR3XjN4Zq7oMMsw"));
	ok(cred_check_proof(doc, &pub, 1, &e) < 0, "a swapped issuer is refused: %s", e.msg);
	json_decref(doc);

	/* a different layout of the same JSON: cred_read accepts it (the
	 * proof is over JCS), the evidence check does not */
	doc = json_loadb((const char *)text.data, text.len, 0, NULL);
	{
		char *compact = json_dumps(doc, JSON_COMPACT);

		ok(cred_read(compact, strlen(compact), "c.json", &pub, 1, &c, &e) == 0,
		   "a re-serialised credential still verifies");
		cred_release(&c);
		ok(cred_check_evidence(&l, compact, strlen(compact), &pub, &e) < 0 &&
			   strstr(e.msg, "laid out"),
		   "but is not the member labrun wrote: %s", e.msg);
		free(compact);
	}
	json_decref(doc);

	/* with an identifier and a replaced credential */
	buf_release(&text);
	text = signed_cred(sk,
			   ", \"identifier\": {\"type\": \"emailAddress\", "
			   "\"salt\": \"00112233445566778899aabbccddeeff\", \"hash\": "
			   "\"sha256$ee2c6498f4a1958750af4da06bce7c8837568bc61caff272a066e02d0805664b\"}",
			   ", \"replaces_credential\": \"urn:labrun:credential:sha256:"
			   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
			   &l2);
	ok(cred_read(text.data, text.len, "c.json", &pub, 1, &c, &e) == 0,
	   "with an identifier: read: %s", e.msg);
	ok(c.nids == 1 && !strcmp(c.ids[0].type, "emailAddress") &&
		   cred_identity_matches(&c.ids[0], "alice@example.org"),
	   "the hashed identifier, matching alice");
	ok(!strstr((char *)text.data, "alice"), "never in clear");
	is_str(c.replaces,
	       "urn:labrun:credential:sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	       "replaces the old credential");
	cred_release(&c);
	/* the members changed after issuing: the credential no longer fits */
	ok(cred_check_evidence(&l, text.data, text.len, &pub, &e) < 0,
	   "a credential of other members is refused: %s", e.msg);

	/* bounded and strict */
	ok(cred_read("[]", 2, "c.json", &pub, 1, &c, &e) < 0, "an array is refused");
	ok(cred_read("{", 1, "c.json", &pub, 1, &c, &e) < 0 && strstr(e.msg, "c.json"),
	   "broken JSON names the file");
	{
		size_t big = CRED_MAX_BYTES + 1;
		char *p = calloc(1, big);

		ok(p && cred_read(p, big, "c.json", &pub, 1, &c, &e) < 0 &&
			   strstr(e.msg, "over"),
		   "an oversized file is refused");
		free(p);
	}
	/* a program credential (what labrun award issues): id from JCS */
	doc = json_pack(
		"{s:[s,s], s:[s,s], s:s, s:{s:s, s:[s], s:s}, s:s, "
		"s:{s:s, s:[s], s:{s:s, s:[s], s:s, s:s, s:s, s:[s,s]}}, "
		"s:[{s:s, s:[s], s:s}, {s:s, s:[s], s:s}]}",
		"@context", CRED_CONTEXT_VC, CRED_CONTEXT_OB, "type",
		"VerifiableCredential", "OpenBadgeCredential", "name", "SRE",
		"issuer", "id", did, "type", "Profile", "name", "x", "validFrom",
		"2026-11-25T12:00:00Z", "credentialSubject", "id",
		"urn:labrun:pseudonym:c-3f9a0b1c2d3e4f50", "type",
		"AchievementSubject", "achievement", "id",
		"urn:labrun:program:sre:1", "type", "Achievement",
		"achievementType", "Certification", "name", "SRE", "version", "1",
		"tag", "level:specialist", "competency:queues", "evidence", "id",
		"urn:labrun:evidence:sha256:ab", "type", "Evidence", "genre",
		"labrun evidence", "id", want, "type", "Evidence", "genre",
		"credential");
	{
		struct buf j = BUF_INIT;
		unsigned char h[32];
		char hex[65], pid[200];
		size_t i;

		jcs_write(doc, "t", &j, &e);
		sha256_raw(j.data, j.len, h);
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", h[i]);
		snprintf(pid, sizeof pid, "%s%s", CRED_ID_PREFIX, hex);
		{
			char got[200];

			ok(cred_jcs_id(doc, got, &e) == 0 && !strcmp(got, pid),
			   "cred_jcs_id: the SHA-256 of the JCS without id and proof");
		}
		json_object_set_new(doc, "id", json_string(pid));
		buf_release(&j);
		cred_sign(doc, sk, "2026-11-25T12:00:00Z", &e);
		cred_dump(doc, &again, &e);
		ok(cred_read(again.data, again.len, "p.json", &pub, 1, &c, &e) == 0,
		   "a program credential reads: %s", e.msg);
		is_str(c.kind, "program", "kind program");
		ok(c.nparts == 2 && !strcmp(c.parts[1], want), "its parts");
		is_str(c.score, "", "no score");
		cred_release(&c);
		json_object_set_new(doc, "name", json_string("SRE2"));
		json_object_del(doc, "proof");
		cred_sign(doc, sk, "2026-11-25T12:00:00Z", &e);
		buf_release(&again);
		cred_dump(doc, &again, &e);
		ok(cred_read(again.data, again.len, "p.json", &pub, 1, &c, &e) < 0 &&
			   strstr(e.msg, "id:"),
		   "a program credential whose id is not its contents is refused: %s", e.msg);
	}
	json_decref(doc);
	buf_release(&again);
	buf_release(&text);
	tar_list_release(&l);
	tar_list_release(&l2);
	sign_sec_free(sk);
	sign_sec_free(other);
}

int main(void)
{
	test_base58();
	test_jcs();
	test_did_key();
	test_identity();
	test_sign_and_read();
	return tap_done();
}
