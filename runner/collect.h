/* collect: what the candidate left behind, taken from the overlay's upper
 * layer after every session process is dead.  Files are opened beneath a
 * directory descriptor without following any link; only regular files with
 * one link are kept, within size and count caps; names are percent-encoded
 * (bytes outside [A-Za-z0-9._+@=,-] become %XX) so that every member name
 * is plain ASCII.  What was refused is reported, never silently dropped.
 * It does not write the evidence (evidence.h does). */
#ifndef LABRUN_COLLECT_H
#define LABRUN_COLLECT_H

#include <stddef.h>

struct err;
struct tar_list;

struct collect_refusal {
	char *path;   /* encoded, relative to the sandbox root */
	char *reason; /* "symbolic link", "fifo", "2 links", "over 4194304 bytes", ... */
};

struct collect_report {
	struct collect_refusal *v;
	size_t n, cap;
	size_t files;    /* regular files kept */
	size_t bytes;    /* bytes kept */
	size_t deleted;  /* paths listed as deleted */
	int truncated;   /* a count or byte cap was reached */
	/* Members (changes/..., answers/...) whose file was executable.
	 * Every member is stored 0644, since a tar mode is outside what the
	 * signature covers; this list, in the signed manifest, says which
	 * were executable. */
	char **exec;
	size_t nexec, capexec;
};

/* Walk the upper layer (upper_fd) and add changes/<path> for every regular
 * file created or modified (skipping files byte-identical to the same path
 * in lower_fd, which may be -1), and changes/.deleted listing overlay
 * whiteouts and opaque directories (one encoded path per line, "/" ends a
 * directory whose former contents were removed).  The file .deleted is
 * always added, empty when nothing was deleted.  rep accumulates (the
 * same report may serve both calls); on failure (ERR_HOST: I/O, memory)
 * out and rep may hold part of the walk, and the caller releases both. */
int collect_changes(int upper_fd, int lower_fd, struct tar_list *out,
		    struct collect_report *rep, struct err *e);

/* Add answers/<name> for the regular files in the candidate's answers
 * directory (answers_fd, or -1 when there is none), recursively. */
int collect_answers(int answers_fd, struct tar_list *out,
		    struct collect_report *rep, struct err *e);

/* Percent-encode one relative path ("etc/a b" -> "etc/a%20b"). */
int collect_encode(const char *path, char *out, size_t outsize);

void collect_report_release(struct collect_report *r);

#endif
