/* gate: the deployment gate's decision (docs/credentials.md, "The
 * deployment gate: labrun gate"): given a policy, the change at hand
 * (paths, actions), a holder and a set of credentials, which rules apply
 * and whether the holder's valid, current, non-superseded credentials
 * satisfy each, and when not, why, naming the nearest miss.  Printing is
 * the command's (cmd_gate.c); this module fills buffers. */
#ifndef LABRUN_GATE_H
#define LABRUN_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "runner/credential.h"
#include "runner/policy.h"

struct buf;
struct err;
struct sign_pub;
struct status_list;
struct trust_keys;

#define GATE_MAX_FILES 1000   /* files in a credentials directory */
#define GATE_MAX_PATHS 100000 /* changed paths of one request */
#define GATE_MAX_PATH 4096    /* bytes of one changed path */
#define GATE_MAX_ACTIONS 64

/* A file of the directory that was not used, and why. */
struct gate_ignored {
	char *file;
	char *reason;
};

/* The credentials a directory holds: every one whose proof verified under
 * a pinned issuer key, and every file left out with its reason. */
struct gate_creds {
	struct cred *v;
	char **files; /* the file each came from */
	size_t n, cap;
	struct gate_ignored *ignored;
	size_t nignored, capignored;
	size_t read; /* files looked at */
};

/* Read dir (not recursive): NAME.json files are credentials (at most
 * CRED_MAX_BYTES), any other regular file an evidence file whose
 * credential.json is taken once the evidence verifies (ev_open) and the
 * credential is the one labrun issues for it.  A file that fails is
 * ignored with its reason, never fatal.  -1: dir unreadable (ERR_HOST),
 * more than GATE_MAX_FILES entries (ERR_REFUSED), memory. */
int gate_load_dir(const char *dir, const struct sign_pub *issuers, size_t n,
		  struct gate_creds *out, struct err *e);
/* One credential's text (a .json file's bytes), as gate_load_dir takes it:
 * used, or ignored with its reason.  -1 only when memory ran out. */
int gate_add_json(struct gate_creds *cs, const char *file, const void *text,
		  size_t len, const struct sign_pub *issuers, size_t n,
		  struct err *e);
int gate_add_ignored(struct gate_creds *cs, const char *file,
		     const char *reason, struct err *e);
void gate_creds_release(struct gate_creds *cs);

/* The change at hand and whose it is. */
struct gate_request {
	const char *holder;          /* a pseudonym "c-<16 hex>" or an identifier */
	char *const *paths;          /* changed paths, relative to the top */
	size_t npaths;
	char *const *actions;
	size_t nactions;
	int64_t at_ms;               /* the time the credentials must hold at */
	int offline_status_ok;       /* accept a credentialStatus unchecked */
	/* --identity and -p keys with their periods (NULL: none given), and
	 * the --status lists, read and checked (docs/registry.md) */
	const struct trust_keys *keys;
	struct status_list *const *lists;
	size_t nlists;
};

/* Does the holder name this credential's subject?  A pseudonym is
 * compared with credentialSubject.id; anything else is matched against the
 * hashed identifiers, as VALUE or as TYPE:VALUE. */
int gate_holder_matches(const struct cred *c, const char *holder);

/* The revocation step: 0 usable, -1 refused; note says what was (not)
 * checked.  The signing key first: with rq->keys, a credential signed
 * (proof.created) after its key was compromised or retired is refused.
 * A credential without credentialStatus is usable ("status: not checked
 * (no status list in this credential)"); one with labrun's entries is
 * looked up in rq->lists: revoked or suspended is refused, with the list
 * and index; when a list it names was not given, or its entry is not
 * labrun's, it is refused unless rq->offline_status_ok. */
int gate_status_check(const struct cred *c, const struct gate_request *rq,
		      char *note, size_t size);

/* One requirement of a rule: a competency or a program. */
struct gate_req_result {
	char what[160];   /* "competency x at practitioner or above" */
	int satisfied;
	char by[200];     /* the credential id, "" when not satisfied */
	char reason[800]; /* why not, naming the nearest miss */
};

struct gate_rule_result {
	const struct policy_rule *rule;
	char matched_by[GATE_MAX_PATH + 16]; /* "path X" or "action Y" */
	int satisfied;
	struct gate_req_result *reqs;
	size_t nreqs;
};

struct gate_result {
	int allowed;
	struct gate_rule_result *rules; /* the rules that apply */
	size_t n;
};

/* Decide.  -1 only when memory runs out. */
int gate_decide(const struct policy *p, const struct gate_request *rq,
		const struct gate_creds *cs, struct gate_result *out,
		struct err *e);
void gate_result_release(struct gate_result *r);

/* The decision as labrun gate --json prints it (a final newline). */
int gate_result_json(const struct gate_request *rq, const struct gate_creds *cs,
		     const struct gate_result *r, struct buf *out,
		     struct err *e);
/* The decision as text: the verdict line, one line per rule, the ignored
 * files. */
int gate_result_text(const struct gate_request *rq, const struct gate_creds *cs,
		     const struct gate_result *r, struct buf *out,
		     struct err *e);

#endif
