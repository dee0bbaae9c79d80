/* tarball: POSIX tar archives in memory, through libarchive (the only module
 * that includes it).
 *
 * Writing is canonical: members sorted by name (bytewise), directories
 * 0755, files 0644 or 0755, uid/gid 0, no user or group names, mtime 0,
 * restricted pax (ustar unless a name needs pax), so the same members give
 * the same bytes whatever the host.  Reading is hostile-input safe: regular
 * files and directories only; no absolute names, "..", empty components,
 * links, devices, FIFOs or duplicates; counts and sizes bounded. */
#ifndef LABRUN_TARBALL_H
#define LABRUN_TARBALL_H

#include <stddef.h>

struct err;
struct buf;

struct tar_entry {
	char *name;          /* relative, '/'-separated, no trailing '/' */
	int is_dir;
	unsigned mode;       /* 0755 or 0644 (files), 0755 (directories) */
	unsigned char *data; /* files only; NUL-terminated past len */
	size_t len;          /* bytes */
};

struct tar_list {
	struct tar_entry *v;
	size_t n, cap;
};

struct tar_limits {
	size_t max_entries;
	size_t max_file;  /* bytes */
	size_t max_total; /* bytes of file data */
};

/* Add a member (copies name and data).  Names are checked as on reading. */
int tar_list_add_file(struct tar_list *l, const char *name, unsigned mode,
		      const void *data, size_t len, struct err *e);
int tar_list_add_dir(struct tar_list *l, const char *name, struct err *e);
/* Find a member by exact name, or NULL. */
const struct tar_entry *tar_list_find(const struct tar_list *l,
				      const char *name);
void tar_list_sort(struct tar_list *l);
void tar_list_release(struct tar_list *l);

/* Is this a safe relative member name?  0 if so; otherwise -1 and a reason
 * in e (ERR_REFUSED). */
int tar_name_check(const char *name, struct err *e);

/* Serialise canonically (sorts l first).  Parent directories are not added
 * implicitly: callers add the directories they want listed. */
int tar_write(struct tar_list *l, struct buf *out, struct err *e);
/* Would tar_write give exactly these len bytes?  *same 1 if so, 0 if not
 * (compared as it is written, without a copy of the archive);
 * -1 only when the serialisation itself fails (a host failure or a
 * member tar_write refuses). */
int tar_is_canonical(struct tar_list *l, const void *data, size_t len,
		     int *same, struct err *e);

/* Parse an archive held in memory.  'what' names it in messages (the file
 * path), and every refusal names the member. */
int tar_read(const void *data, size_t len, const char *what,
	     const struct tar_limits *lim, struct tar_list *out, struct err *e);

#endif
