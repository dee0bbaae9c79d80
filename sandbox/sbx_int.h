/* sbx_int: what the parts of sandbox/ share, and nothing else sees.
 *
 * sandbox.h is the sandbox's face; this header is its inside: the bounds,
 * the session's state (struct sbx), what the setup process is handed, the
 * seccomp notification buffers, and the functions one part calls in
 * another.  The parts: sandbox.c (a session's life: create, destroy,
 * reports), rootfs.c (the root: skeleton, mounts, paths resolved inside
 * it), child.c (the sandbox's side until labrun-init, and the channel
 * back), supervise.c (sbx_run: the supervisor's poll loop and its
 * handlers), notify.c (seccomp notifications), services.c (process faults
 * and the service manager), lab.c (the lab channel), procfs.c and
 * sample.c (what the supervisor reads of the running session).  Nothing
 * outside sandbox/ includes it. */
#ifndef LABRUN_SBX_INT_H
#define LABRUN_SBX_INT_H

#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/limits.h"
#include "sandbox/sandbox.h"

struct err;

#define SBX_MAX_SLOTS 1024u /* concurrent sessions on one host */
#define SBX_WORK_MB 160u    /* work area: the lower layer (a bundle's 64 MiB
			     * of files at most) and the skeleton */
#define SBX_SETUP_MS 10000  /* building the sandbox takes milliseconds */
#define SBX_DRAIN_MS 2000   /* reading the terminal after the end */
#define SBX_SKEL_VERSION "labrun-skel-1" /* change when fill_shared changes */
#define SBX_MAX_SERVICES 16 /* SCENARIO_MAX_SERVICES */
#define SBX_MAX_HELD 64     /* delayed calls at once; more go on at once */
#define SBX_WATCH_MS 100    /* how often a process fault's condition is looked at */
#define SBX_LAB_MS 500      /* a lab request's line must arrive within this */
#define SBX_LAB_CONNS 8     /* lab connections served at once */
#define SBX_SAMPLE_MS 250   /* how often full disks and CPU-time limits are looked for */
#define SBX_LAB_RESP 65536  /* bytes of a lab answer (the brief, a hint) */
#define SBX_INPUT_MAX 4096  /* keyboard bytes waiting for the terminal */
#define SBX_SVC_STOP_MS 2000 /* a restart: SIGTERM, then SIGKILL after this */
#define SBX_SVC_QUICK_MS 10000 /* an instance that ends sooner ended quickly */
#define SBX_SVC_BURST 5     /* quick ends in a row before the policy gives up */
#define SBX_SVC_BACKOFF_MS 500 /* the first automatic restart's delay, doubled
				* per quick end up to 8 s */

/* The supervisor's service manager: a service runs one instance at a
 * time; it starts again when it ends (restart "always", with a backoff)
 * or when the candidate asks (`lab restart`, restart "on-request" or
 * "always").  docs/sandbox.md, "Services". */
struct svc_run {
	int pidfd;          /* the running instance, -1: none */
	pid_t sid;          /* its host pid, which is its session's id */
	int64_t started_ms; /* monotonic */
	unsigned starts;    /* instances started */
	unsigned quick;     /* instances in a row that ended within SBX_SVC_QUICK_MS */
	int64_t restart_ms; /* a start is due then (0: none) */
	int64_t kill_ms;    /* a stop: SIGKILL what is left then (0: none) */
	int64_t crash_ms;   /* a crash loop's signal is due then (0: none) */
	size_t crash_sg;    /* that signal's index */
	int stopping;       /* stopped for a restart: start again at its end */
	int failed;         /* the restart policy gave up */
	int64_t ended_ms;   /* when the last instance ended */
	char ended[96];     /* how */
};

/* One session's sandbox: its paths, ids, mounts, descriptors, and what
 * the supervisor saw while it ran. */
struct sbx {
	char wd[PATH_MAX];
	char lower[PATH_MAX + 16];
	char skel[PATH_MAX + 16];  /* the shared skeleton (STATE/skel/KEY) */
	char sess[PATH_MAX + 16];  /* this session's own layer */
	char rw[PATH_MAX + 16];
	char root[PATH_MAX + 16];
	struct sbx_config cfg;
	char tools_dir[PATH_MAX];
	char init_path[PATH_MAX];
	char script_path[PATH_MAX];
	int lower_fd;
	int slot_fd;
	int lock_fd;        /* flock on WORKDIR.lock while the session lives */
	struct cg *cg;      /* the session's cgroups, or NULL */
	uid_t base;
	int wd_made;
	int wd_mounted;
	int root_mounted;
	int frozen;         /* a service is in a frozen cgroup: thaw at the end */
	int lab_fd;         /* the lab channel's listening socket, or -1 */
	unsigned full[3];   /* samples with the writable layer, /tmp, /dev/shm full */
	pid_t cpu_out[64];  /* processes seen at their CPU-time limit */
	unsigned ncpu_out;
	int64_t sampled_ms; /* the last sample */
	struct svc_run svc[SBX_MAX_SERVICES];
	size_t nsvc;        /* services whose first instance was reported */
	dev_t pidns_dev;    /* the sandbox's pid namespace: what is signalled */
	ino_t pidns_ino;    /* by session must be in it */
};

/* The lab channel's connections: at most SBX_LAB_CONNS at once, each
 * with SBX_LAB_MS to send its one line.  They are served from the
 * supervisor's loop like everything else, so a silent or slow client
 * holds nothing up. */
struct lab_conn {
	int fd;
	int64_t deadline;
	size_t got;
	char buf[SBX_LAB_MAX + 1];
};

/* What the sandbox's side is handed at the clone (and a restarted
 * service's process, svc_spawn): copied into the child, never shared. */
struct child_args {
	struct sbx *s;
	char *const *argv;
	char *const *envp;
	int stdin_null;
	int slave;
	int sock;
	int go;
	int init_fd;
	struct sock_fprog filter; /* the candidate profile, compiled */
	struct sock_fprog svc_filter; /* the services' profile, compiled */
};

/* An exec notification's path and argv, read from the caller's memory
 * (bounded: ARGV_MAX_*; cut says what did not fit). */
struct exec_read {
	char path[PATH_MAX];
	char strings[ARGV_MAX_BYTES];
	char *argv[ARGV_MAX_ARGS + 1];
	int cut;
	char scratch[ARGV_MAX_BYTES]; /* notify.c: the strings' first bytes, read at once */
};

/* A call whose answer is held back (a delay fault). */
struct held {
	int listener;
	uint64_t id;
	int64_t due_ms; /* monotonic */
};

/* The notification buffers (sized by the kernel) and what serving
 * notifications keeps between them. */
struct notif_bufs {
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
	unsigned long execs; /* exec notifications: the first is the candidate's */
	int first_pid;       /* the candidate's process (host pid), 0 until then */
	struct held held[SBX_MAX_HELD];
	size_t nheld;
	/* connections each service accepted (its accept calls, the first of
	 * which waits for the first connection), and the count at which its
	 * call is held until a process fault has fired (0: none) */
	int accept_family;
	unsigned accepts[SBX_MAX_SERVICES], hold_at[SBX_MAX_SERVICES];
};

/* --- rootfs.c: the root -------------------------------------------- */

/* Build the session's root under s->root, as real root: rootfs_build
 * (skeleton, overlay, disk faults, binds), then the caller's lab_listen
 * (the lab channel's bind), then rootfs_finish (/dev, /tmp). */
int rootfs_build(struct sbx *s, struct err *e);
int rootfs_finish(struct sbx *s, struct err *e);
int rootfs_bind_ro(const char *src, const char *dst, struct err *e);
/* Open path (O_PATH) beneath rootfd, never leaving it. */
int rootfs_open_in(int rootfd, const char *path, int nofollow);
void rootfs_file_id_at(int rootfd, const char *path, int nofollow,
		       struct sbx_file_id *id);

/* --- child.c: the sandbox's side, and the channel back ---------------- */

/* pid 1 of the sandbox until it execs labrun-init: never returns. */
void child_sandbox_main(const struct child_args *a);
/* Service index's process (never returns); also a restarted instance. */
void child_service_main(const struct child_args *a, size_t index);
int chan_send_fd(int sock, const char *tag, int fd);
/* One message: its length (its text NUL-terminated, a descriptor passed
 * with it in *fd_out, else -1), 0 at the end, -1 on error. */
int chan_recv_msg(int sock, int *fd_out, char *text, size_t textsize);

/* --- notify.c: seccomp notifications ---------------------------------- */

int notif_alloc(struct notif_bufs *nb, struct err *e);
int64_t notif_release_held(struct notif_bufs *nb, int64_t now_ms);
int notif_handle(int listener, int source, struct notif_bufs *nb,
		 int64_t t0_us, const struct sbx_hooks *h,
		 struct exec_read *x);
void notif_sync_wake_up(int listener);

/* --- services.c: process faults and the service manager ------------- */

void svc_fire_signals(struct sbx *s, struct notif_bufs *nb, int64_t t0_ms,
		      int64_t now_ms);
int64_t svc_next_signal(const struct sbx_config *c, int64_t t0_ms,
			int64_t deadline);
void svc_started(struct sbx *s, size_t k, int pidfd, int64_t now_ms);
void svc_ended(struct sbx *s, size_t k, int64_t now_ms);
/* Once setup is over: a service with a readiness path whose first
 * instance ended before the path appeared failed to start, and the
 * candidate would enter a platform that is not there.  1 (out's error
 * says which service and how its log ends, out->end SBX_END_ERROR), or 0. */
struct sbx_outcome;
int svc_failed_start(struct sbx *s, struct sbx_outcome *out);
int64_t svc_tick(struct sbx *s, const struct child_args *a,
		 int sandbox_pidfd, pid_t sandbox_pid, int *listeners,
		 int64_t t0_ms, int64_t now_ms);
void svc_lab(struct sbx *s, enum sbx_lab_kind kind, const char *name,
	     char *resp, size_t size, size_t *len, int64_t now_ms);

/* --- lab.c: the lab channel ------------------------------------------ */

int lab_listen(struct sbx *s, struct err *e);
void lab_close(struct lab_conn *c);
int lab_free(const struct lab_conn *conns);
void lab_accept(int lfd, struct lab_conn *conns);
int lab_read(struct sbx *s, struct lab_conn *c, const struct sbx_hooks *h,
	     int64_t t_us);

/* --- procfs.c and sample.c: what the supervisor reads ----------------- */

int proc_read(const char *path, char *buf, size_t size);
const char *proc_stat_field(const char *pid, int n, char *buf,
			    size_t size);
int proc_ns_pid(int host_pid);
pid_t proc_pidfd_pid(int pidfd);
size_t proc_session_members(const struct sbx *s, pid_t sid, pid_t *out,
			    size_t max);
void sample_disks(struct sbx *s);
void sample_cpu(struct sbx *s);
void sample_small_fs(struct sbx *s);

#endif
