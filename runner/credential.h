/* credential: W3C Verifiable Credentials 2.0 / Open Badges 3.0
 * OpenBadgeCredentials, signed with a Data Integrity proof (eddsa-jcs-2022)
 * by the issuer's Ed25519 key named as a did:key.  labrun issues one for
 * every passing attempt (member credential.json of the evidence) and
 * `labrun award` one per program; docs/credentials.md describes them.
 *
 * The proof: verificationMethod "did:key:z..#z..", proofPurpose
 * assertionMethod, "@context" the document's (as the W3C suite's signer
 * writes it); the signature is raw Ed25519 over SHA-256(JCS(proof without
 * proofValue)) || SHA-256(JCS(document without proof)). */
#ifndef LABRUN_CREDENTIAL_H
#define LABRUN_CREDENTIAL_H

#include <stddef.h>

#include <jansson.h>

struct buf;
struct err;
struct sign_pub;
struct sign_sec;
struct tar_list;

#define CRED_MAX_BYTES (256 * 1024) /* a credential file, bounded */
#define CRED_DID_MAX 64             /* "did:key:z6Mk" + 44 more, and NUL */
#define CRED_MAX_IDS 16             /* identifiers of one subject */
#define CRED_MAX_LIST 1024          /* competencies, parts */
#define CRED_MEMBER "credential.json"

#define CRED_CONTEXT_VC "https://www.w3.org/ns/credentials/v2"
#define CRED_CONTEXT_OB "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#define CRED_ID_PREFIX "urn:labrun:credential:sha256:"
#define CRED_SUBJECT_PREFIX "urn:labrun:pseudonym:"

/* "did:key:z6Mk..." of an Ed25519 key (multicodec ed01 + key, base58btc);
 * 0, or -1 (never for a real key). */
int cred_did_key(const unsigned char pk[32], char out[CRED_DID_MAX]);
/* -1 when did is not exactly an Ed25519 did:key (canonical encoding). */
int cred_did_key_decode(const char *did, unsigned char pk[32]);

/* Sign doc in place (an object without "proof"). created: RFC 3339. */
int cred_sign(json_t *doc, const struct sign_sec *sk, const char *created,
	      struct err *e);
/* Check doc's proof against the pinned issuer keys: the issuer's did:key
 * and the verificationMethod must be the did:key of one of issuers[];
 * -1 ERR_REFUSED with the reason. */
int cred_check_proof(const json_t *doc, const struct sign_pub *issuers,
		     size_t n, struct err *e);

/* Holder identities (OB3 IdentityObject, hashed and salted). */
struct cred_identity {
	char type[32];
	char salt[40]; /* 32 lowercase hex */
	char hash[80]; /* "sha256$" + 64 hex of SHA-256(identifier + salt) */
};
/* The identityType values labrun accepts, for messages. */
extern const char CRED_IDENTITY_TYPES[];
int cred_identity_type_known(const char *type);
/* A fresh salt; refuses an unknown type, an empty identifier and control
 * characters (ERR_USAGE, since it comes from the command line). */
int cred_identity_make(const char *type, const char *identifier,
		       struct cred_identity *out, struct err *e);
/* The same with a given salt (tests, and the documented recipe). */
int cred_identity_make_salted(const char *type, const char *identifier,
			      const char *salt, struct cred_identity *out,
			      struct err *e);
/* "TYPE:VALUE" as --identifier takes it. */
int cred_identity_parse(const char *arg, struct cred_identity *out,
			struct err *e);
int cred_identity_matches(const struct cred_identity *id,
			  const char *identifier); /* 1 yes, 0 no */
/* Check the form of a hashed identity (as read from a file): known type,
 * 32 hex salt, "sha256$" + 64 hex.  'where' names it. */
int cred_identity_check(const struct cred_identity *id, const char *where,
			struct err *e);

/* A credential parsed and verified (what show, award and gate read). */
struct cred {
	json_t *doc;                 /* the whole document, owned */
	char id[200];                /* "urn:labrun:credential:sha256:HEX" */
	char kind[16];               /* "scenario" or "program" */
	char issuer[CRED_DID_MAX];   /* did:key */
	char achievement[256];       /* urn:labrun:scenario:ID:V or urn:labrun:program:ID:V */
	char achievement_name[256];
	char achievement_version[64];
	char level[16];              /* foundation|practitioner|specialist|architect */
	char **competencies;
	size_t ncompetencies;
	char subject[64];            /* the pseudonym "c-<16 hex>" */
	struct cred_identity *ids;
	size_t nids;
	char valid_from[32], valid_until[32]; /* valid_until "" when none */
	char replaces[200];          /* the credential id it replaces, "" none */
	char score[16];              /* "75.0" for kind scenario, "" for program */
	char contents[80];           /* kind scenario: "sha256:HEX" */
	char **parts;                /* kind program: evidence and credential ids */
	size_t nparts;
	/* credentialStatus (docs/registry.md): the index in both lists, 0
	 * when it has none, and the lists' URLs */
	unsigned status_index;
	char status_revocation[600], status_suspension[600];
};

/* The credentialStatus array of a credential with a registry's status
 * index: a BitstringStatusListEntry for BASE/status/revocation.json and
 * one for BASE/status/suspension.json, both at index.  NULL: memory. */
json_t *cred_status_entries(const char *base_url, unsigned index);

/* Parse (bounded, strict), check the proof against the pinned keys, check
 * the id, fill out.  name names the file in messages. */
int cred_read(const void *text, size_t len, const char *name,
	      const struct sign_pub *issuers, size_t nissuers, struct cred *out,
	      struct err *e);
void cred_release(struct cred *c);

/* A program credential's id: CRED_ID_PREFIX and the SHA-256 (hex) of the
 * JCS of doc without "id" and "proof" (set it, then cred_sign). */
int cred_jcs_id(const json_t *doc, char out[200], struct err *e);

/* The document as labrun writes it: keys sorted, two-space indentation,
 * a final newline. */
int cred_dump(const json_t *doc, struct buf *out, struct err *e);

/* The SHA-256 hex of the SHA256SUMS text of members, leaving out
 * SHA256SUMS, its signature and credential.json: what a scenario
 * credential binds to. */
int cred_contents_hex(const struct tar_list *members, char out[65],
		      struct err *e);
/* The unsigned credential of a passing evidence's members (manifest.json,
 * result.json, ...), issued by issuer. */
int cred_build_for_evidence(const struct tar_list *members,
			    const struct sign_pub *issuer, json_t **out,
			    struct err *e);
/* Built, signed and dumped: the bytes of credential.json. */
int cred_for_evidence(const struct tar_list *members,
		      const struct sign_sec *sk, struct buf *out,
		      struct err *e);
/* Is the credential.json of an evidence file exactly what labrun issues
 * for its other members under issuer?  Rebuilt, compared key by key and
 * byte by byte, and its proof checked.  -1 ERR_REFUSED naming the place. */
int cred_check_evidence(const struct tar_list *members,
			const void *text, size_t len,
			const struct sign_pub *issuer, struct err *e);

#endif
