/* Peers signaled over a socket, and the child processes that run the
 * remote ones, for the fault tests that kill a process.
 *
 * A child is this same program started again (/proc/self/exe, through
 * posix_spawn) with the arguments "child <mode> <fd> <arg>": it never
 * shares the parent's Go runtime or library state, which would not survive
 * a fork. fd is its end of a socketpair with the parent. Over the socket go
 * frames (proc_send/proc_recv): a type, a number and two strings. An rlink
 * is one peer connection whose signaling goes through such a socket: its
 * descriptions ('D') and candidates ('C') go to the other end and the
 * other end's are applied; every other frame type is the test's own
 * control message, kept for rl_take. The same code links two peers of one
 * process over a socketpair (test_tamper.c), optionally rewriting the
 * descriptions it passes on. */
#ifndef MESHRTC_FAULT_PROC_H
#define MESHRTC_FAULT_PROC_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fault.h"

extern char **environ;

/* ---------------------------------------------------------------- frames */

#define PROC_DESCRIPTION 'D' /* a: type, b: sdp */
#define PROC_CANDIDATE 'C'   /* num: m-line index, a: media, b: candidate */

typedef struct proc_msg {
    int type;
    int32_t num;
    char *a, *b; /* NUL-terminated, owned by the message */
} proc_msg;

static inline void proc_msg_free(proc_msg *m) {
    free(m->a);
    free(m->b);
    m->a = m->b = NULL;
}

/* 0 when all of p went out; -1 when the other end is gone. */
static inline int proc_write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n > 0) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static inline int proc_read_all(int fd, void *p, size_t n) {
    char *c = p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Sends one frame (a and b may be NULL for ""); 0, or -1 when the other
 * end is gone. */
static inline int proc_send(int fd, int type, int32_t num, const char *a, const char *b) {
    uint32_t alen = a ? (uint32_t)strlen(a) : 0, blen = b ? (uint32_t)strlen(b) : 0;
    size_t n = 1 + 4 + 4 + 4 + alen + blen;
    char *buf = malloc(n);
    int rc;
    if (buf == NULL) return -1;
    buf[0] = (char)type;
    memcpy(buf + 1, &num, 4);
    memcpy(buf + 5, &alen, 4);
    memcpy(buf + 9, &blen, 4);
    if (alen) memcpy(buf + 13, a, alen);
    if (blen) memcpy(buf + 13 + alen, b, blen);
    rc = proc_write_all(fd, buf, n);
    free(buf);
    return rc;
}

static inline char *proc_read_string(int fd, uint32_t len) {
    char *s = malloc((size_t)len + 1);
    if (s == NULL) return NULL;
    if (proc_read_all(fd, s, len) != 0) {
        free(s);
        return NULL;
    }
    s[len] = '\0';
    return s;
}

/* Takes one frame if one arrives within timeout_ms: 1 with *m filled (free
 * it with proc_msg_free), 0 if none came, -1 when the other end is gone. */
static inline int proc_recv(int fd, proc_msg *m, int timeout_ms) {
    struct pollfd pfd = {fd, POLLIN, 0};
    unsigned char head[13];
    uint32_t alen, blen;
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return 0;
    if (r == 0) return 0;
    if (r < 0 || proc_read_all(fd, head, sizeof head) != 0) return -1;
    m->type = head[0];
    memcpy(&m->num, head + 1, 4);
    memcpy(&alen, head + 5, 4);
    memcpy(&blen, head + 9, 4);
    m->a = proc_read_string(fd, alen);
    m->b = m->a ? proc_read_string(fd, blen) : NULL;
    if (m->b == NULL) {
        proc_msg_free(m);
        return -1;
    }
    return 1;
}

/* -------------------------------------------------------------- children */

typedef struct proc_child {
    pid_t pid; /* 0 once reaped */
    int fd;    /* the parent's end of the socket */
} proc_child;

/* Starts this program again as "child mode <fd> arg". */
static inline void proc_spawn(proc_child *c, const char *mode, const char *arg) {
    int sv[2];
    char fdarg[16];
    char *argv[6];
    int rc;
    /* Only the child's end is inherited. */
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || fcntl(sv[0], F_SETFD, FD_CLOEXEC) != 0) {
        perror("FATAL: socketpair");
        exit(1);
    }
    snprintf(fdarg, sizeof fdarg, "%d", sv[1]);
    argv[0] = (char *)"fault-child";
    argv[1] = (char *)"child";
    argv[2] = (char *)mode;
    argv[3] = fdarg;
    argv[4] = (char *)arg;
    argv[5] = NULL;
    rc = posix_spawn(&c->pid, "/proc/self/exe", NULL, NULL, argv, environ);
    close(sv[1]);
    if (rc != 0) {
        fprintf(stderr, "FATAL: posix_spawn: %s\n", strerror(rc));
        exit(1);
    }
    c->fd = sv[0];
}

/* In main: when this process is a child, sets *mode, *fd and *arg and
 * returns 1. A child dies with its parent (a hang guard). */
static inline int proc_is_child(int argc, char **argv, const char **mode, int *fd, const char **arg) {
    if (argc != 5 || strcmp(argv[1], "child") != 0) return 0;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    *mode = argv[2];
    *fd = atoi(argv[3]);
    *arg = argv[4];
    return 1;
}

/* The main of a test with child processes: a child (proc_is_child) runs
 * child(fd, arg), the parent runs the cases (fault_run). */
static inline int proc_main(int argc, char **argv, int (*child)(int fd, const char *arg), const char *test,
                            const fault_named_case *cases, size_t n) {
    const char *mode, *arg;
    int fd;
    fault_start();
    if (proc_is_child(argc, argv, &mode, &fd, &arg)) return child(fd, arg);
    return fault_run(test, cases, n);
}

/* kill -9 of the child; reports whether it died of that signal. */
static inline int proc_kill(proc_child *c) {
    int status = 0;
    if (c->pid == 0) return 0;
    kill(c->pid, SIGKILL);
    while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
    }
    c->pid = 0;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* Waits (at most seconds, a hang guard) for the child to exit by itself;
 * returns its exit status, or -1 if it had to be killed or died of a
 * signal. */
static inline int proc_wait(proc_child *c, double seconds) {
    double deadline = tk_now_s() + seconds;
    int status = 0;
    if (c->pid == 0) return -1;
    for (;;) {
        pid_t r = waitpid(c->pid, &status, WNOHANG);
        if (r == c->pid) break;
        if (tk_now_s() > deadline) {
            fprintf(stderr, "child %d did not exit within %g s: killing it\n", (int)c->pid, seconds);
            proc_kill(c);
            return -1;
        }
        tk_sleep_ms(10);
    }
    c->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Ends a child's main: every handle destroyed (shutdown reports 0 leaked)
 * and no check failed gives exit status 0, which the parent checks. The
 * child prints no PASS lines or summary: those are the parent's. */
static inline int proc_child_finish(const char *name) {
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    CHECK(leaked == 0, "%s: meshrtc_shutdown reports %d handles leaked", name, leaked);
    if (check_failures != 0) fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);
    return check_failures == 0 ? 0 : 1;
}

static inline void proc_close(proc_child *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* ----------------------------------------------------------------- links */

#define RL_MAX_RECEIVED 8
#define RL_MAX_CTRL 16
#define RL_MAX_STATES 32

/* Rewrites a description before it goes to the other end: returns a
 * malloc'd replacement, or NULL to send it unchanged. */
typedef char *(*rl_rewrite_fn)(const char *sdp);

typedef struct rlink {
    const char *name;
    meshrtc_peer peer;
    int fd;
    rl_rewrite_fn rewrite; /* NULL: descriptions go out unchanged */
    int remote_gone;       /* the socket closed: the other end exited or was killed */
    /* connection states, as events and as get_connection_state read them */
    int32_t states[RL_MAX_STATES]; /* CONNECTION_STATE_CHANGED values in order */
    int n_states;
    unsigned seen;     /* FAULT_BIT per state seen as an event */
    double seen_at[6]; /* tk_now_s() when each was first taken */
    unsigned got;      /* FAULT_BIT per state get_connection_state returned */
    double got_at[6];
    meshrtc_channel received[RL_MAX_RECEIVED]; /* from DATA_CHANNEL_RECEIVED */
    int n_received;
    proc_msg ctrl[RL_MAX_CTRL]; /* control frames not taken yet */
    int n_ctrl;
} rlink;

/* Links peer (the link destroys it) to the other end over fd. */
static inline void rl_attach(rlink *l, const char *name, int fd, meshrtc_peer peer) {
    memset(l, 0, sizeof *l);
    l->name = name;
    l->fd = fd;
    l->peer = peer;
}

/* A new peer, initialized with config, signaled over fd. */
static inline void rl_open(rlink *l, const char *name, int fd, const char *config) {
    meshrtc_peer peer = 0;
    TK_MUST(meshrtc_peer_create(&peer), 0);
    TK_MUST(meshrtc_peer_initialize(peer, config), peer);
    rl_attach(l, name, fd, peer);
}

static inline int32_t rl_state(rlink *l) {
    int32_t s = -1;
    CHECK_OK(meshrtc_peer_get_connection_state(l->peer, &s), l->peer);
    if (s >= 0 && s <= 5 && !(l->got & FAULT_BIT(s))) {
        l->got |= FAULT_BIT(s);
        l->got_at[s] = tk_now_s();
    }
    return s;
}

/* A signaling call failed: expected once the peer itself failed or closed
 * (its remote was killed or refused), a test failure otherwise. */
static inline void rl_signal_result(rlink *l, const char *what, int32_t rc) {
    int32_t s;
    if (rc == MESHRTC_OK) return;
    s = rl_state(l);
    CHECK(s == MESHRTC_STATE_FAILED || s == MESHRTC_STATE_CLOSED, "%s: %s returned %d (%s)", l->name, what, rc,
          check_last_error(l->peer));
}

static inline void rl_send(rlink *l, int type, int32_t num, const char *a, const char *b) {
    if (!l->remote_gone && proc_send(l->fd, type, num, a, b) != 0) l->remote_gone = 1;
}

static inline void rl_event(rlink *l, const meshrtc_peer_event *ev) {
    switch (ev->type) {
    case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED: {
        char *sdp = l->rewrite ? l->rewrite(ev->sdp) : NULL;
        rl_signal_result(l, "set_local_description",
                         meshrtc_peer_set_local_description(l->peer, ev->sdp_type, ev->sdp));
        rl_send(l, PROC_DESCRIPTION, 0, ev->sdp_type, sdp ? sdp : ev->sdp);
        free(sdp);
        break;
    }
    case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
        rl_send(l, PROC_CANDIDATE, ev->index, ev->media, ev->name);
        break;
    case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
        if (l->n_received < RL_MAX_RECEIVED) {
            l->received[l->n_received++] = ev->channel;
        } else {
            CHECK_OK(meshrtc_channel_destroy(ev->channel), ev->channel);
        }
        break;
    case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
        if (l->n_states < RL_MAX_STATES) l->states[l->n_states++] = ev->state;
        if (ev->state >= 0 && ev->state <= 5 && !(l->seen & FAULT_BIT(ev->state))) {
            l->seen |= FAULT_BIT(ev->state);
            l->seen_at[ev->state] = tk_now_s();
        }
        break;
    default:
        break;
    }
}

static inline void rl_frame(rlink *l, proc_msg *m) {
    switch (m->type) {
    case PROC_DESCRIPTION:
        rl_signal_result(l, "set_remote_description", meshrtc_peer_set_remote_description(l->peer, m->a, m->b));
        proc_msg_free(m);
        break;
    case PROC_CANDIDATE:
        rl_signal_result(l, "add_ice_candidate", meshrtc_peer_add_ice_candidate(l->peer, m->a, m->num, m->b));
        proc_msg_free(m);
        break;
    default:
        if (l->n_ctrl == RL_MAX_CTRL) {
            fprintf(stderr, "FATAL: %s: too many control frames not taken\n", l->name);
            exit(1);
        }
        l->ctrl[l->n_ctrl++] = *m;
        break;
    }
}

/* One round of host work for the link: the peer's events (signaling goes
 * out), the other end's frames (signaling comes in) and one reading of the
 * connection state. */
static inline void rl_pump(rlink *l) {
    meshrtc_peer_event ev;
    proc_msg m;
    CHECK_OK(meshrtc_peer_poll(l->peer), l->peer);
    while (meshrtc_peer_next_event(l->peer, &ev) == MESHRTC_OK) rl_event(l, &ev);
    while (!l->remote_gone) {
        int r = proc_recv(l->fd, &m, 0);
        if (r == 0) break;
        if (r < 0) {
            l->remote_gone = 1;
            break;
        }
        rl_frame(l, &m);
    }
    rl_state(l);
}

/* Takes the oldest control frame of type into *m (free it with
 * proc_msg_free); 0 if there is none. */
static inline int rl_take(rlink *l, int type, proc_msg *m) {
    for (int i = 0; i < l->n_ctrl; i++) {
        if (l->ctrl[i].type != type) continue;
        *m = l->ctrl[i];
        memmove(&l->ctrl[i], &l->ctrl[i + 1], (size_t)(l->n_ctrl - i - 1) * sizeof l->ctrl[0]);
        l->n_ctrl--;
        return 1;
    }
    return 0;
}

/* The connection states seen as events, for messages ("1 2 3 4"). */
static inline const char *rl_states_text(const rlink *l) {
    static char buf[RL_MAX_STATES * 3 + 1];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < l->n_states && n + 3 < sizeof buf; i++) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%d", i ? " " : "", l->states[i]);
    }
    return buf;
}

/* Destroys the peer and the channels it received; the socket stays open. */
static inline void rl_close(rlink *l) {
    for (int i = 0; i < l->n_received; i++) CHECK_OK(meshrtc_channel_destroy(l->received[i]), l->received[i]);
    for (int i = 0; i < l->n_ctrl; i++) proc_msg_free(&l->ctrl[i]);
    l->n_received = l->n_ctrl = 0;
    if (l->peer != 0) CHECK_OK(meshrtc_peer_destroy(l->peer), l->peer);
    l->peer = 0;
}

#endif
