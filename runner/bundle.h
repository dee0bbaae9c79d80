/* bundle: a scenario as a signed, canonical tar (NAME.lab beside
 * NAME.lab.minisig).  Packing reads a source directory into a tar_list and
 * writes canonical bytes; opening verifies the signature over the raw bytes
 * before anything is parsed, then reads the archive as hostile input.
 * It does not validate the scenario (scenario.h) or sign (sign.h does). */
#ifndef LABRUN_BUNDLE_H
#define LABRUN_BUNDLE_H

#include <stddef.h>
#include <sys/types.h>

#include "runner/sign.h"

struct err;
struct buf;
struct tar_list;
struct tar_limits;

/* Read a scenario source directory: regular files and directories only
 * (a link, FIFO or device is refused with its path), hidden editor and VCS
 * files are not skipped but refused, bounded by lim. */
int bundle_read_dir(const char *dir, const struct tar_limits *lim,
		    struct tar_list *out, struct err *e);

/* Open a bundle: read it (bounded by lim->max_total plus tar overhead),
 * read PATH.minisig, verify against trust, then parse.  digest_out is the
 * SHA-256 hex of the bundle file; *signer points into trust. */
int bundle_open(const char *path, const struct sign_trust *trust,
		const struct tar_limits *lim, struct tar_list *out,
		char digest_out[SIGN_SHA256_HEX],
		const struct sign_pub **signer, struct err *e);

/* Read a bundle already packed, its signature unchecked: only for pack,
 * which compares its own output with what was packed before under the
 * same version (whoever signed it, the bytes are what count).  The
 * archive is still parsed as hostile input, bounded by lim. */
int bundle_read_packed(const char *path, const struct tar_limits *lim,
		       struct tar_list *out, char digest_out[SIGN_SHA256_HEX],
		       struct err *e);

/* A scenario as a command names it: a source directory (read as pack
 * would, digest of the bundle pack would make, keyid "", *unsigned_dir 1)
 * or a signed bundle, which needs trust (ERR_USAGE without it). */
int bundle_load(const char *input, const struct sign_trust *trust,
		const struct tar_limits *lim, struct tar_list *files,
		char digest[SIGN_SHA256_HEX], char keyid[17], int *unsigned_dir,
		struct err *e);

/* Write the members under prefix (e.g. "system/") beneath the directory
 * dirfd, stripping the prefix, creating files O_EXCL|O_NOFOLLOW owned by
 * uid:gid.  Nothing outside dirfd is touched. */
int bundle_extract(const struct tar_list *files, const char *prefix, int dirfd,
		   uid_t uid, gid_t gid, struct err *e);

#endif
