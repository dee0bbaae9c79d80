/* registry_site: `labrun registry publish`, the registry's static site
 * (docs/registry.md, "Publishing: the static site").  From the registry
 * directory (its log replayed by registry.c) and a directory of
 * credentials the operator chose to publish, it writes a directory any
 * static web server serves: the issuer's identity document, the
 * revocation and suspension status lists, the page's script and style
 * (assets/, named by their content), and for each credential a
 * verification page and its JSON at c/<token>/, where the token is a
 * keyed BLAKE2b of the credential's id under the registry's site key
 * (REG/site.key), so that paths are stable and cannot be guessed.
 *
 * It does not serve anything, fetch anything or touch a file it did not
 * write: what it wrote is listed in SITE/.labrun-site.json, and only
 * those files are ever replaced or removed. */
#ifndef LABRUN_REGISTRY_SITE_H
#define LABRUN_REGISTRY_SITE_H

#include <stddef.h>

#define SITE_MANIFEST ".labrun-site.json"
#define SITE_KEY_FILE "site.key" /* in REG: 32 random bytes, mode 0600 */
#define SITE_KEY_BYTES 32
#define SITE_TOKEN_BYTES 16 /* 128 bits: unguessable, 32 hex in a URL */
/* Credentials one publish takes: ten times the bench's 10,000, and far
 * below what one directory listing and the manifest hold comfortably. */
#define SITE_MAX_CREDENTIALS 200000
#define SITE_MANIFEST_MAX (64u * 1024 * 1024) /* bytes of the manifest */

extern const char usage_registry_publish[];

/* `labrun registry publish ...`; argv[0] is "publish".  The exit code. */
int registry_publish_main(int argc, char **argv);

#endif
