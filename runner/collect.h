/* collect: what the session left behind, taken from the overlay's upper
 * layer after every session process is dead.  Files are opened beneath a
 * directory descriptor without following any link; names are
 * percent-encoded (bytes outside [A-Za-z0-9._+@=,-] become %XX) so that
 * every member name is plain ASCII.  What was refused or left out is
 * reported, never silently dropped.
 *
 * Collection has two parts with budgets of their own (docs/validity.md, V3,
 * V3).  The *graded* part comes first: every path the grader touched
 * (read, looked for, or an entry of a directory it listed) that the
 * session changed, or that came from labrun's skeleton rather than the
 * scenario's system/, and every file a service owns.  It keeps regular
 * files byte for byte (a hard link too), and what a grader can see of
 * anything else (a directory the session made, a symbolic link and its
 * target, a FIFO or other special file, a file too large for lab.read and
 * its size) in changes/.special, so that a regrade sees what the grader
 * saw.  When a path the grader touched cannot be kept, the report says
 * why (graded.error) and the session's verdict becomes error; nothing the
 * grader did not touch can cause that.  The *candidate's* part is every
 * other created or modified regular file with one link, under the older
 * count and byte caps; what did not fit is counted and listed.
 * It does not write the evidence (evidence.h does). */
#ifndef LABRUN_COLLECT_H
#define LABRUN_COLLECT_H

#include <stddef.h>
#include <sys/types.h>

struct err;
struct tar_list;
struct grader_read;

struct collect_refusal {
	char *path;   /* encoded, relative to the sandbox root */
	char *reason; /* "symbolic link", "fifo", "2 links", "over 4194304 bytes", ... */
};

/* What the verdict rests on, for collect_changes. */
struct collect_graded {
	/* The grader's read log (graders/grader.h), absolute encoded paths;
	 * reads_cut: the log is incomplete. */
	const struct grader_read *reads;
	size_t nreads;
	int reads_cut;
	uid_t service_uid; /* files of this owner are graded; (uid_t)-1: none */
	/* The frozen merged root (what the grader read), or -1: graded
	 * files are then read from the upper layer and nothing of the
	 * skeleton is seen. */
	int root_fd;
};

struct collect_report {
	struct collect_refusal *v;
	size_t n, cap;
	size_t files;    /* regular files kept, all parts */
	size_t bytes;    /* bytes kept, all parts */
	size_t deleted;  /* paths listed as deleted */
	int truncated;   /* a cap was reached, or something was left out */
	/* Members (changes/..., answers/...) whose file was executable.
	 * Every member is stored 0644, since a tar mode is outside what the
	 * signature covers; this list, in the signed manifest, says which
	 * were executable. */
	char **exec;
	size_t nexec, capexec;
	/* The graded part; on: collect_changes was given a collect_graded. */
	struct {
		int on;
		size_t files, bytes; /* regular files kept; bytes with .special's */
		size_t special;      /* lines of changes/.special */
		size_t deleted;      /* lines of changes/.deleted */
		size_t touched;      /* paths in the grader's read log */
		size_t left_out;     /* service files the grader did not touch, not kept */
		/* Why the graded state could not be kept whole ("" when it
		 * was): the session's verdict is then error. */
		char error[512];
	} graded;
	struct {
		size_t files, bytes;
		size_t left_out; /* files and deletions past the caps */
	} candidate;
	struct {
		size_t files, bytes;
	} answers;
};

/* Walk the upper layer (upper_fd) and add changes/<path> for every regular
 * file created or modified (skipping files byte-identical to the same path
 * in lower_fd, the scenario's system/ layer, which may be -1), and
 * changes/.deleted listing overlay whiteouts and opaque directories (one
 * encoded path per line, "/" ends a directory whose former contents were
 * removed), sorted.  The file .deleted is always added, empty when nothing
 * was deleted.  With g (which may be NULL: no graded part), the graded
 * part is collected first and changes/.special is added (always, empty
 * when there is nothing special): one line per entry, sorted,
 *   d PATH         a directory (that the system/ layer does not have)
 *   l PATH TARGET  a symbolic link, its target encoded like a path
 *   o PATH         a FIFO, socket or device (the grader sees "other")
 *   b PATH SIZE    a regular file over COLLECT_GRADED_FILE bytes, which
 *                  lab.read refuses: its size, not its bytes
 * rep accumulates (the same report may serve both calls); on failure
 * (ERR_HOST: I/O, memory) out and rep may hold part of the walk, and the
 * caller releases both.  A graded state that cannot be kept whole is no
 * failure: rep->graded.error says why. */
int collect_changes(int upper_fd, int lower_fd, const struct collect_graded *g,
		    struct tar_list *out, struct collect_report *rep,
		    struct err *e);

/* Add answers/<name> for the regular files in the candidate's answers
 * directory (answers_fd, or -1 when there is none), recursively. */
int collect_answers(int answers_fd, struct tar_list *out,
		    struct collect_report *rep, struct err *e);

/* Member names are encoded by path_encode (base/util.h). */

void collect_report_release(struct collect_report *r);

#endif
