/* sim_journal: what a command leaves behind it: its entry in the journal
 * (the commands a restarted agentd replays to rebuild the state), its
 * line in the audit trail, and appending a log kept in memory to its
 * file (sim_flush after each command, the exporter's batches in
 * between).  It writes state.json and the rest of the files no more
 * than it runs commands: sim_state.c does both. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/platform/sim_int.h"

/* --- the logs --------------------------------------------------------- */

int sim_append(const char *dir, const char *name, struct buf *b,
	       struct buf *err)
{
	char path[PATH_MAX];
	int fd;

	if (b->len == 0)
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, b->data, b->len) < 0) {
		buf_printf(err, NULL, "agentd: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	b->len = 0;
	return 0;
}

/* --- the journal and the audit trail --------------------------------- */

void sim_journal_add(struct sim *s, const char *actor, char *const *argv,
		     size_t argc, const struct sim_file *file)
{
	struct jentry *j;

	if (GROW(s, s->journal, s->njournal) < 0)
		return;
	j = &s->journal[s->njournal++];
	memset(j, 0, sizeof *j);
	if (!(j->actor = sim_strdup(s, actor)) ||
	    !(j->argv = sim_calloc(s, argc, sizeof *j->argv)))
		return;
	for (size_t i = 0; i < argc; i++) {
		if (!(j->argv[j->argc] = sim_strdup(s, argv[i])))
			return;
		j->argc++;
	}
	if (file) {
		if (!(j->fname = sim_strdup(s, file->name)) ||
		    !(j->fdata = sim_calloc(s, file->len + 1, 1)))
			return;
		memcpy(j->fdata, file->data, file->len);
		j->flen = file->len;
	}
}

void sim_audit_add(struct sim *s, const char *actor, int pid,
		   char *const *argv, size_t argc,
		   const struct sim_file *file, int status,
		   const struct buf *out, const struct buf *err,
		   const char *span)
{
	json_t *o = json_object(), *a = json_array();
	const struct buf *msg = status ? err : out;
	char first[240] = "";

	if (msg->len) {
		size_t n = strcspn((char *)msg->data, "\n");

		snprintf(first, sizeof first, "%.*s", (int)(n < 239 ? n : 239),
			 (char *)msg->data);
	}
	for (size_t i = 0; i < argc; i++)
		sim_push_str(s, a, argv[i]);
	sim_set(s, o, "seq", json_integer(++s->audit_seq));
	sim_set(s, o, "ts", sim_jts(s->now_ms));
	sim_set_str(s, o, "actor", actor);
	/* the caller's process, as the kernel names it (SO_PEERCRED): a
	 * grader matches it with labrun's command log to know which program
	 * asked (docs/validity.md, V2) */
	if (pid > 0)
		sim_set(s, o, "pid", json_integer(pid));
	sim_set(s, o, "argv", a);
	if (file)
		sim_set_str(s, o, "file", file->name);
	sim_set(s, o, "exit", json_integer(status));
	sim_set(s, o, "outcome", json_string(status == 0 ? "ok" :
						      status == 2 ? "usage" : "refused"));
	sim_set_str(s, o, "message", first);
	sim_set_str(s, o, "span_id", span);
	sim_put_line(s, &s->audit, o);
}
