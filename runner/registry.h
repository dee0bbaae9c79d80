/* registry: the issuer's registry directory (docs/registry.md, "The
 * registry directory"): registry.json, and log.jsonl, an append-only log
 * of signed, hash-chained events whose replay is the state: the issuer's
 * keys with their periods, and every allocated status index with the
 * credential bound to it and its status.
 *
 * Every change appends one line under flock(REG/log.lock), written whole
 * with O_APPEND and fsync'd before the caller goes on; the log is replayed
 * and checked first, so nothing is appended to a broken log.  An index is
 * allocated (logged) before the credential that carries it is written, so
 * an index is never used twice, whatever happens after. */
#ifndef LABRUN_REGISTRY_H
#define LABRUN_REGISTRY_H

#include <stddef.h>

#include "runner/credential.h"
#include "runner/sign.h"
#include "runner/status_list.h"

struct buf;
struct err;

#define REG_SCHEMA "labrun.registry/1"
#define REG_LOG "log.jsonl"
#define REG_LOCK "log.lock"
#define REG_CONFIG "registry.json"
#define REG_LOG_MAX (512u << 20)     /* bytes of log.jsonl: ~1M events */
#define REG_LINE_MAX 16384           /* bytes of one log line */
#define REG_URL_MAX 400              /* bytes of the base URL */
#define REG_REASON_MAX 1000          /* bytes of a reason */
#define REG_ACTOR_MAX 128            /* bytes of an actor's name */

struct registry;

struct registry_key {
	struct sign_pub pub;
	char keyid[17];              /* 16 uppercase hex */
	char did_key[CRED_DID_MAX];
	char from[24];               /* when it was added */
	char until[24];              /* when it was retired, "" in use */
	char compromised_from[24];   /* "" not compromised */
	int current;                 /* the key that issues now */
};

struct registry_entry {
	unsigned index;
	char holder[64];             /* pseudonym */
	char achievement[256];
	char credential[200];        /* "" when allocated but never bound */
	char status[16];             /* "active", "revoked", "suspended" */
	char reason[REG_REASON_MAX + 1]; /* of the last status change, "" none */
	char at[24];                 /* of the allocation, then of the last change */
	char actor[REG_ACTOR_MAX + 1];
};

/* Make REG: registry.json and the log's first events (init, key-add of
 * sk's key).  base_url: https, no query or fragment, no trailing slash.
 * The directory must not exist or be empty. */
int registry_init(const char *dir, const struct sign_sec *sk,
		  const char *base_url, const char *actor, struct err *e);

/* Replay and check the log; -1 ERR_REFUSED naming the line that fails. */
int registry_open(const char *dir, struct registry **out, struct err *e);
void registry_close(struct registry *r);

const char *registry_base_url(const struct registry *r);
const char *registry_did(const struct registry *r);
unsigned registry_list_size(const struct registry *r);
size_t registry_nlines(const struct registry *r);

size_t registry_nkeys(const struct registry *r);
const struct registry_key *registry_key(const struct registry *r, size_t i);
const struct registry_key *registry_current_key(const struct registry *r);
size_t registry_nentries(const struct registry *r);
const struct registry_entry *registry_entry(const struct registry *r, size_t i);
const struct registry_entry *registry_find(const struct registry *r,
					   const char *credential_id);
const struct registry_entry *registry_find_index(const struct registry *r,
						 unsigned index);

/* The signed status list credential of purpose ("revocation",
 * "suspension") as of now (RFC 3339); sk must be the current key. */
int registry_status_list(const struct registry *r, const char *purpose,
			 const struct sign_sec *sk, const char *now,
			 struct buf *out, struct err *e);
/* The DID document of the registry's did:web (did.json). */
int registry_identity_doc(const struct registry *r, struct buf *out,
			  struct err *e);
/* Where did.json is served beneath the site: ".well-known/did.json" for a
 * base URL without a path, else "PATH/did.json". */
int registry_identity_path(const struct registry *r, char *out, size_t size);

/* The next index for a credential of holder and achievement, logged
 * before the credential exists.  sk must be the current key (refused
 * naming both key ids). */
int registry_allocate(const char *dir, const struct sign_sec *sk,
		      const char *holder, const char *achievement,
		      unsigned *index, struct err *e);
/* The credential that carries index, once it is built. */
int registry_bind(const char *dir, const struct sign_sec *sk, unsigned index,
		  const char *credential_id, struct err *e);
/* event "revoke", "suspend" or "reinstate" of a bound credential. */
int registry_set_status(const char *dir, const struct sign_sec *sk,
			const char *actor, const char *event,
			const char *credential_id, const char *reason,
			struct err *e);
/* Rotation: new_sk's key is added (signed by the current key, old_sk) and
 * the old one retired (signed by the new key). */
int registry_rotate(const char *dir, const struct sign_sec *old_sk,
		    const struct sign_sec *new_sk, const char *actor,
		    struct err *e);
/* A past key compromised from a time (RFC 3339): credentials it signed
 * at or after it fail.  sk must be the current key, and not keyid. */
int registry_compromise(const char *dir, const struct sign_sec *sk,
			const char *keyid, const char *from, const char *actor,
			struct err *e);

/* The registry's keys as trust_keys, with their periods. */
int registry_trust_keys(const struct registry *r, struct trust_keys *out,
			struct err *e);

/* The credentialStatus array of index (the two entries). */
json_t *registry_status_entries(const char *base_url, unsigned index);

/* The base URL's did:web ("did:web:host%3Aport:path"); -1 ERR_USAGE with
 * the fix when it is not https, has a query or fragment, or a character
 * did:web cannot carry. */
int registry_did_web(const char *base_url, char *out, size_t size,
		     struct err *e);

/* "--actor" when given, else the login name. */
void registry_default_actor(char *out, size_t size);

#endif
