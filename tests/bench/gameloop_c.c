/* meshrtc's game-loop benchmarks through the C ABI (include/meshrtc.h and
 * the built .so only): processes on one machine, each running a 60 Hz frame
 * loop that sleeps between frames, as game servers and clients do. One
 * metric per run, printed as one JSON line (tests/bench/README.md):
 *
 *   gameloop_c server n=32 procs=4 warmup_ms=2000 measure_ms=10000
 *   gameloop_c frame_loop size=100 latency_ms=10000 latency_rate=600 step_ms=2000 max_steps=19
 *
 * This process is peer 1, a mesh server (meshrtc_mesh_create_server). It
 * starts procs processes of this program (role=client; their end of a
 * socketpair on fd 3) that hold the n clients between them, one mesh each
 * (meshrtc_mesh_create_client), and relays every connection's signaling over
 * the socketpairs. Once all are connected it sends the schedule as
 * CLOCK_MONOTONIC times (one clock for every process of the machine); every
 * payload carries its send time, and what was sent inside the measured
 * window is counted and timed where it is taken (get_packet in a frame).
 *
 * server: every second frame (30 Hz) the server sends 128 B to every client
 * on the unreliable channel and 16 B on the reliable one, and every client
 * sends 32 B of input (unreliable) every second frame of its own; the
 * server's CPU % of one core over the measured window, RSS per client,
 * one-way latency and loss each way.
 * frame_loop: one client sends 100 B messages to the server on the
 * unreliable channel, latency_rate msgs/s for latency_ms (one-way latency),
 * then steps of step_ms at 1000, 1414, 2000, ... msgs/s (x sqrt 2 each)
 * until a step loses a message or max_steps ran: the last loss-free rate.
 *
 * The clients' frames are longer than the server's by 1/F of a frame (F: the
 * server's frames in the measured window), so their phase against the
 * server's frames sweeps one whole frame over the window: the latencies
 * average over every phase, as between machines whose loops started at
 * unrelated times, instead of one chance offset. While connecting, the
 * processes poll every millisecond (connect time is not the measure).
 * Common keys: round=R, impl=NAME (default meshrtc-c), config=JSON (default
 * loopback-only ICE). Never asserts on timing: a failing call exits
 * non-zero, nothing else does. */
#define _GNU_SOURCE

#include <errno.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../testkit.h"
#include "benchutil.h"

extern char **environ;

#define FRAME_NS 16666667LL /* 60 Hz */
#define CLIENT_FD 3         /* a client process's end of its socketpair */
#define CONNECT_TIMEOUT_S 120.0
#define DRAIN_NS 500000000LL /* after the window: what is in flight arrives */
#define STEP_GAP_NS 300000000LL /* frame_loop: quiet time after each phase */

static const char *g_config = LOOPBACK_CONFIG;
static const char *g_impl = "meshrtc-c";

static void fail(const char *what) {
    fprintf(stderr, "gameloop_c: %s\n", what);
    exit(2);
}

/* ------------------------------------------------------------ payloads */

/* Every payload starts with its send time (CLOCK_MONOTONIC ns), the client's
 * id and a tag: what it is (server), or its phase (frame_loop). */
enum { TAG_STATE = 1, TAG_RELIABLE = 2, TAG_INPUT = 3 };

typedef struct stamp {
    int64_t send_ns;
    int32_t id, tag;
} stamp;

static void put_stamped(meshrtc_mesh mesh, uint8_t *buf, int32_t len, int32_t id, int32_t tag, int64_t *out_sent_ns,
                        long *refused) {
    stamp st = {tk_now_ns(), id, tag};
    memcpy(buf, &st, sizeof st);
    *out_sent_ns = st.send_ns;
    int32_t rc = meshrtc_mesh_put_packet(mesh, buf, len);
    if (rc != MESHRTC_OK) {
        /* Send buffer full, or the peer just left: counted as sent and lost. */
        if (*refused == 0) {
            char why[512];
            fprintf(stderr, "gameloop_c: first refused put_packet (%d): %s\n", rc,
                    tk_last_error(mesh, why, (int32_t)sizeof why));
        }
        (*refused)++;
    }
}

/* Latency samples (µs) of one series. */
typedef struct series {
    int32_t *us;
    long n, cap;
} series;

static void series_add(series *s, int64_t ns) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->us = realloc(s->us, (size_t)s->cap * sizeof *s->us);
        if (!s->us) fail("out of memory");
    }
    s->us[s->n++] = (int32_t)(ns / 1000);
}

static void series_free(series *s, int n) {
    for (int i = 0; i < n; i++) free(s[i].us);
}

/* ------------------------------------------------------------ control */

/* Messages between the server and its client processes, one datagram of
 * the SOCK_SEQPACKET pair each: a head, then len payload bytes. */
enum {
    CTL_SDP = 1,   /* id's description: payload "type\0sdp\0" */
    CTL_CANDIDATE, /* id's candidate: num = m-line index, payload "media\0name\0" */
    CTL_CONNECTED, /* client process: every client of it connected */
    CTL_START,     /* server: v[0..2] = the schedule */
    CTL_SENT,      /* frame_loop client: num = phase, v[0] = messages sent in it */
    CTL_STOP,      /* server: frame_loop is over */
    CTL_COUNTS,    /* client process: v[0..3] its counts */
    CTL_SAMPLES,   /* client process: num = series, payload int32 µs */
    CTL_DONE,      /* client process: nothing more follows */
};

typedef struct ctl_head {
    int32_t kind, id, num, len;
    int64_t v[4];
} ctl_head;

/* One end of a socketpair. Sends are queued and flushed without blocking:
 * both ends send while connecting, and neither may wait for the other. */
typedef struct ctl {
    int fd;
    char *out;
    size_t out_len, out_cap;
} ctl_t;

static char g_rx[sizeof(ctl_head) + (1 << 17)];

static void ctl_send(ctl_t *c, ctl_head head, const void *payload) {
    size_t size = sizeof head + (size_t)head.len;
    if (c->out_len + size > c->out_cap) {
        c->out_cap = 2 * (c->out_len + size);
        c->out = realloc(c->out, c->out_cap);
        if (!c->out) fail("out of memory");
    }
    memcpy(c->out + c->out_len, &head, sizeof head);
    if (head.len > 0) memcpy(c->out + c->out_len + sizeof head, payload, (size_t)head.len);
    c->out_len += size;
}

/* Sends what is queued until the socket is full; returns the bytes left. */
static size_t ctl_flush(ctl_t *c) {
    size_t off = 0;
    while (off < c->out_len) {
        ctl_head head;
        memcpy(&head, c->out + off, sizeof head);
        size_t size = sizeof head + (size_t)head.len;
        ssize_t n = send(c->fd, c->out + off, size, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        if (n != (ssize_t)size) fail("control socket: send failed");
        off += size;
    }
    if (off > 0) {
        memmove(c->out, c->out + off, c->out_len - off);
        c->out_len -= off;
    }
    return c->out_len;
}

/* Takes the next message without waiting: 1 and *head, *payload (valid
 * until the next call), or 0. The other process going away is fatal. */
static int ctl_recv(ctl_t *c, ctl_head *head, const char **payload) {
    ssize_t n = recv(c->fd, g_rx, sizeof g_rx, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    if (n == 0) fail("control socket: the other process exited");
    if (n < (ssize_t)sizeof *head) fail("control socket: short message");
    memcpy(head, g_rx, sizeof *head);
    *payload = g_rx + sizeof *head;
    return 1;
}

/* Two NUL-terminated strings back to back, as CTL_SDP and CTL_CANDIDATE carry. */
static void ctl_send_strings(ctl_t *c, int32_t kind, int32_t id, int32_t num, const char *a, const char *b) {
    size_t la = strlen(a) + 1, lb = strlen(b) + 1;
    char *buf = malloc(la + lb);
    if (!buf) fail("out of memory");
    memcpy(buf, a, la);
    memcpy(buf + la, b, lb);
    ctl_send(c, (ctl_head){.kind = kind, .id = id, .num = num, .len = (int32_t)(la + lb)}, buf);
    free(buf);
}

static void ctl_send_series(ctl_t *c, int32_t which, const series *s) {
    enum { CHUNK = 16384 };
    for (long off = 0; off < s->n; off += CHUNK) {
        long k = s->n - off < CHUNK ? s->n - off : CHUNK;
        ctl_send(c, (ctl_head){.kind = CTL_SAMPLES, .num = which, .len = (int32_t)(k * 4)}, s->us + off);
    }
}

/* ------------------------------------------------------------ signaling */

/* Polls peer (the connection of client id) and sends its descriptions and
 * candidates to the other process. */
static void pump_peer(meshrtc_peer peer, int32_t id, ctl_t *c) {
    meshrtc_peer_event ev;
    TK_MUST(meshrtc_peer_poll(peer), peer);
    while (meshrtc_peer_next_event(peer, &ev) == MESHRTC_OK) {
        if (ev.type == MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED) {
            TK_MUST(meshrtc_peer_set_local_description(peer, ev.sdp_type, ev.sdp), peer);
            ctl_send_strings(c, CTL_SDP, id, 0, ev.sdp_type, ev.sdp);
        } else if (ev.type == MESHRTC_EVENT_ICE_CANDIDATE_CREATED) {
            ctl_send_strings(c, CTL_CANDIDATE, id, ev.index, ev.media, ev.name);
        } else if (ev.type == MESHRTC_EVENT_DATA_CHANNEL_RECEIVED) {
            TK_MUST(meshrtc_channel_destroy(ev.channel), ev.channel);
        }
    }
}

/* Applies a CTL_SDP or CTL_CANDIDATE message to peer; 0 for other kinds. */
static int apply_signal(meshrtc_peer peer, const ctl_head *h, const char *payload) {
    const char *second = payload + strlen(payload) + 1;
    if (h->kind == CTL_SDP) {
        TK_MUST(meshrtc_peer_set_remote_description(peer, payload, second), peer);
    } else if (h->kind == CTL_CANDIDATE) {
        TK_MUST(meshrtc_peer_add_ice_candidate(peer, payload, h->num, second), peer);
    } else {
        return 0;
    }
    return 1;
}

/* Polls mesh and takes its events: returns how many peers connected. A
 * peer that left is marked in gone[id - first_id] (a game goes on without
 * it); without gone (while connecting), that or a failed connection is fatal. */
static int mesh_events(meshrtc_mesh mesh, char *gone, int32_t first_id) {
    int32_t type, id;
    int connected = 0;
    TK_MUST(meshrtc_mesh_poll(mesh), mesh);
    while (meshrtc_mesh_next_event(mesh, &type, &id) == MESHRTC_OK) {
        if (type == MESHRTC_MESH_EVENT_PEER_CONNECTED) {
            connected++;
        } else if (gone && (type == MESHRTC_MESH_EVENT_PEER_DISCONNECTED ||
                            type == MESHRTC_MESH_EVENT_SERVER_DISCONNECTED)) {
            if (!gone[id - first_id]) fprintf(stderr, "gameloop_c: peer %d left (event %d)\n", id, type);
            gone[id - first_id] = 1;
        } else if (type != MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED) { /* a client's, with PEER_CONNECTED(1) */
            fprintf(stderr, "gameloop_c: mesh event %d for peer %d\n", type, id);
            exit(2);
        }
    }
    return connected;
}

static long count_set(const char *flags, int n) {
    long k = 0;
    for (int i = 0; i < n; i++) k += flags[i] != 0;
    return k;
}

/* Destroys n meshes, then the n peers they held. */
static void destroy_all(const meshrtc_mesh *meshes, int nmeshes, const meshrtc_peer *peers, int npeers) {
    for (int i = 0; i < nmeshes; i++) TK_MUST(meshrtc_mesh_destroy(meshes[i]), meshes[i]);
    for (int i = 0; i < npeers; i++) TK_MUST(meshrtc_peer_destroy(peers[i]), peers[i]);
}

/* What the receive queue of peer_id's unreliable channel dropped. */
static int64_t unreliable_dropped(meshrtc_mesh mesh, int32_t peer_id) {
    meshrtc_peer peer;
    meshrtc_channel chans[3];
    int32_t count, connected;
    int64_t dropped = 0;
    TK_MUST(meshrtc_mesh_get_peer(mesh, peer_id, &peer, chans, 3, &count, &connected), mesh);
    TK_MUST(meshrtc_channel_get_dropped_count(chans[2], &dropped), chans[2]);
    return dropped;
}

/* ------------------------------------------------------------ frames */

/* A 60 Hz frame loop: each frame starts period after the last one, or at
 * once when the last one overran (no catching up). */
typedef struct frames {
    int64_t next, period, began; /* began: when this frame's work started */
    long count, late;
    series *work; /* when set, each frame's work time goes there */
} frames_t;

static frames_t frames_start(int64_t period) {
    int64_t now = tk_now_ns();
    return (frames_t){.next = now, .period = period, .began = now};
}

static void frame_sleep(frames_t *f) {
    int64_t now = tk_now_ns();
    if (f->work) series_add(f->work, now - f->began);
    f->next += f->period;
    f->count++;
    if (f->next <= now) {
        f->late++;
        f->next = now;
    } else {
        struct timespec ts = {f->next / 1000000000LL, f->next % 1000000000LL};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
        }
    }
    f->began = tk_now_ns();
}

/* A client's frame: one frame plus 1/window_frames of one. */
static int64_t client_period(int64_t window_ns) {
    int64_t window_frames = window_ns / FRAME_NS > 0 ? window_ns / FRAME_NS : 1;
    return FRAME_NS + FRAME_NS / window_frames;
}

/* ------------------------------------------------------------ the server process */

typedef struct server {
    int n, procs;
    meshrtc_mesh mesh;
    meshrtc_peer *peers; /* peers[i]: client id i + 2 */
    int *owner;          /* owner[i]: the process holding client id i + 2 */
    char *gone;          /* gone[i]: client id i + 2 left */
    ctl_t *ctl;          /* one per client process */
    char *finished;      /* finished[p]: process p sent CTL_DONE (and exits) */
    pid_t *pids;
    long rss_base;
    double connect_ms;
} server_t;

static pid_t spawn_client(const char *metric, int first, int count, ctl_t *c) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) fail("socketpair failed");
    static char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) fail("cannot read /proc/self/exe");
    exe[len] = '\0';
    char first_arg[32], count_arg[32];
    snprintf(first_arg, sizeof first_arg, "first=%d", first);
    snprintf(count_arg, sizeof count_arg, "count=%d", count);
    /* The role keys go first: arg_str takes the first match. */
    char **argv = calloc((size_t)g_argc + 5, sizeof *argv);
    int k = 0;
    argv[k++] = exe;
    argv[k++] = (char *)metric;
    argv[k++] = "role=client";
    argv[k++] = first_arg;
    argv[k++] = count_arg;
    for (int i = 2; i < g_argc; i++) argv[k++] = g_argv[i];
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, sv[1], CLIENT_FD);
    pid_t pid;
    if (posix_spawn(&pid, exe, &fa, NULL, argv, environ) != 0) fail("posix_spawn failed");
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    close(sv[1]);
    *c = (ctl_t){.fd = sv[0]};
    return pid;
}

/* Creates the server and its n clients spread over procs processes, and
 * runs the signaling until every client is connected at both ends. */
static void server_connect(server_t *s, const char *metric) {
    TK_MUST(meshrtc_mesh_create(&s->mesh), 0);
    TK_MUST(meshrtc_mesh_create_server(s->mesh, NULL, 0), s->mesh);
    s->rss_base = rss_kb();
    s->peers = calloc((size_t)s->n, sizeof *s->peers);
    s->owner = calloc((size_t)s->n, sizeof *s->owner);
    s->gone = calloc((size_t)s->n, 1);
    s->ctl = calloc((size_t)s->procs, sizeof *s->ctl);
    s->finished = calloc((size_t)s->procs, 1);
    s->pids = calloc((size_t)s->procs, sizeof *s->pids);
    double t0 = tk_now_s();
    for (int p = 0, first = 0; p < s->procs; p++) {
        int count = s->n / s->procs + (p < s->n % s->procs);
        s->pids[p] = spawn_client(metric, first + 2, count, &s->ctl[p]);
        for (int i = first; i < first + count; i++) s->owner[i] = p;
        first += count;
    }
    for (int i = 0; i < s->n; i++) {
        TK_MUST(meshrtc_peer_create(&s->peers[i]), 0);
        TK_MUST(meshrtc_peer_initialize(s->peers[i], g_config), s->peers[i]);
        TK_MUST(meshrtc_mesh_add_peer(s->mesh, s->peers[i], i + 2, 1), s->mesh);
        TK_MUST(meshrtc_peer_create_offer(s->peers[i]), s->peers[i]);
    }
    int connected = 0, procs_ready = 0;
    double deadline = tk_now_s() + CONNECT_TIMEOUT_S;
    while (connected < s->n || procs_ready < s->procs) {
        for (int i = 0; i < s->n; i++) pump_peer(s->peers[i], i + 2, &s->ctl[s->owner[i]]);
        for (int p = 0; p < s->procs; p++) {
            ctl_head h;
            const char *payload;
            while (ctl_recv(&s->ctl[p], &h, &payload)) {
                if (h.kind == CTL_CONNECTED) {
                    procs_ready++;
                } else if (h.id < 2 || h.id >= s->n + 2 || !apply_signal(s->peers[h.id - 2], &h, payload)) {
                    fail("unexpected control message while connecting");
                }
            }
            ctl_flush(&s->ctl[p]);
        }
        connected += mesh_events(s->mesh, NULL, 2);
        if (tk_now_s() > deadline) {
            fprintf(stderr, "gameloop_c: %d of %d clients connected, %d of %d processes, within %.0f s\n", connected,
                    s->n, procs_ready, s->procs, CONNECT_TIMEOUT_S);
            exit(2);
        }
        tk_sleep_us(1000);
    }
    s->connect_ms = (tk_now_s() - t0) * 1e3;
}

/* One frame's polling: every connection (as Godot's mesh polls its
 * peers), and the control sockets of the processes still running (msg,
 * when set, gets every message). */
static void server_poll(server_t *s, void (*msg)(server_t *, int, const ctl_head *, const char *, void *), void *ctx) {
    for (int i = 0; i < s->n; i++) pump_peer(s->peers[i], i + 2, &s->ctl[s->owner[i]]);
    for (int p = 0; p < s->procs; p++) {
        ctl_head h;
        const char *payload;
        /* After CTL_DONE the process exits: its socket is not read again. */
        while (!s->finished[p] && ctl_recv(&s->ctl[p], &h, &payload)) {
            if (!msg) fail("unexpected control message");
            msg(s, p, &h, payload, ctx);
        }
        if (!s->finished[p]) ctl_flush(&s->ctl[p]);
    }
}

static void server_broadcast(server_t *s, ctl_head h) {
    for (int p = 0; p < s->procs; p++) ctl_send(&s->ctl[p], h, NULL);
}

/* What the client processes report at the end (CTL_COUNTS, CTL_SAMPLES). */
typedef struct report {
    int64_t counts[4];
    series samples[3];
} report_t;

static void collect_msg(server_t *s, int p, const ctl_head *h, const char *payload, void *ctx) {
    report_t *r = ctx;
    if (h->kind == CTL_COUNTS) {
        for (int k = 0; k < 4; k++) r->counts[k] += h->v[k];
    } else if (h->kind == CTL_SAMPLES && h->num >= 0 && h->num < 3) {
        for (int32_t k = 0; k < h->len / 4; k++) {
            int32_t us;
            memcpy(&us, payload + 4 * k, 4);
            series_add(&r->samples[h->num], (int64_t)us * 1000);
        }
    } else if (h->kind == CTL_DONE) {
        s->finished[p] = 1;
    } else if (h->kind != CTL_SENT) {
        fail("unexpected control message at the end");
    }
}

/* Waits for every client process's report and exit, then closes
 * everything. */
static void server_finish(server_t *s, report_t *r) {
    double deadline = tk_now_s() + 60.0;
    while (count_set(s->finished, s->procs) < s->procs) {
        server_poll(s, collect_msg, r);
        if (tk_now_s() > deadline) fail("the client processes did not report within 60 s");
        tk_sleep_us(1000);
    }
    for (int p = 0; p < s->procs; p++) {
        int status = 0;
        close(s->ctl[p].fd);
        if (waitpid(s->pids[p], &status, 0) != s->pids[p] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fail("a client process failed");
        }
        free(s->ctl[p].out);
    }
    destroy_all(&s->mesh, 1, s->peers, s->n);
    free(s->peers);
    free(s->owner);
    free(s->gone);
    free(s->ctl);
    free(s->finished);
    free(s->pids);
}

/* p50 and p99 of a series as JSON fields prefix_p50_us, prefix_p99_us. */
static void print_latency(const char *prefix, series *s) {
    double *v = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *v);
    for (long i = 0; i < s->n; i++) v[i] = s->us[i];
    qsort(v, (size_t)s->n, sizeof *v, cmp_double);
    if (s->n > 0) {
        printf(",\"%s_p50_us\":%.0f,\"%s_p99_us\":%.0f", prefix, pct(v, (int)s->n, 50), prefix, pct(v, (int)s->n, 99));
    } else {
        printf(",\"%s_p50_us\":null,\"%s_p99_us\":null", prefix, prefix);
    }
    free(v);
}

static double loss_pct(int64_t sent, int64_t received) {
    return sent > 0 ? 100.0 * (double)(sent - received) / (double)sent : 0.0;
}

/* ------------------------------------------------------------ client processes */

typedef struct clients {
    int first, k;
    meshrtc_mesh *meshes; /* meshes[j]: client id first + j */
    meshrtc_peer *peers;
    char *gone; /* gone[j]: client first + j lost the server */
    ctl_t ctl;
} clients_t;

/* One frame's polling of every client's connection and the control
 * socket; returns the control message the metric handles (0 if none). */
static int clients_poll(clients_t *c, ctl_head *out, int64_t *start) {
    for (int j = 0; j < c->k; j++) pump_peer(c->peers[j], c->first + j, &c->ctl);
    ctl_head h;
    const char *payload;
    int got = 0;
    while (ctl_recv(&c->ctl, &h, &payload)) {
        if (h.kind == CTL_SDP || h.kind == CTL_CANDIDATE) {
            if (h.id < c->first || h.id >= c->first + c->k) fail("control message for another process's client");
            apply_signal(c->peers[h.id - c->first], &h, payload);
        } else if (h.kind == CTL_START && start) {
            memcpy(start, h.v, sizeof h.v);
        } else {
            *out = h;
            got = 1;
        }
    }
    ctl_flush(&c->ctl);
    return got;
}

/* Creates this process's clients, connects them and waits for the
 * schedule (CTL_START: start[0..3]). */
static void clients_connect(clients_t *c, int64_t start[4]) {
    c->first = (int)arg_long("first", 2);
    c->k = (int)arg_long("count", 1);
    c->meshes = calloc((size_t)c->k, sizeof *c->meshes);
    c->peers = calloc((size_t)c->k, sizeof *c->peers);
    c->gone = calloc((size_t)c->k, 1);
    c->ctl = (ctl_t){.fd = CLIENT_FD};
    for (int j = 0; j < c->k; j++) {
        TK_MUST(meshrtc_mesh_create(&c->meshes[j]), 0);
        TK_MUST(meshrtc_mesh_create_client(c->meshes[j], c->first + j, NULL, 0), c->meshes[j]);
        TK_MUST(meshrtc_mesh_set_transfer_mode(c->meshes[j], MESHRTC_TRANSFER_MODE_UNRELIABLE), c->meshes[j]);
        TK_MUST(meshrtc_peer_create(&c->peers[j]), 0);
        TK_MUST(meshrtc_peer_initialize(c->peers[j], g_config), c->peers[j]);
        TK_MUST(meshrtc_mesh_add_peer(c->meshes[j], c->peers[j], 1, 1), c->meshes[j]);
    }
    int connected = 0;
    start[0] = 0;
    double deadline = tk_now_s() + CONNECT_TIMEOUT_S;
    while (start[0] == 0) {
        ctl_head h;
        if (clients_poll(c, &h, start)) fail("unexpected control message while connecting");
        int was = connected;
        for (int j = 0; j < c->k; j++) connected += mesh_events(c->meshes[j], NULL, 1);
        if (was < c->k && connected == c->k) ctl_send(&c->ctl, (ctl_head){.kind = CTL_CONNECTED}, NULL);
        if (tk_now_s() > deadline) fail("the clients did not connect");
        tk_sleep_us(1000);
    }
}

/* Sends the counts, the samples and CTL_DONE, waits until the server took
 * them and closes everything. */
static void clients_report(clients_t *c, const int64_t counts[4], series *samples, int nseries) {
    ctl_head h = {.kind = CTL_COUNTS};
    memcpy(h.v, counts, sizeof h.v);
    ctl_send(&c->ctl, h, NULL);
    for (int k = 0; k < nseries; k++) ctl_send_series(&c->ctl, k, &samples[k]);
    ctl_send(&c->ctl, (ctl_head){.kind = CTL_DONE}, NULL);
    double deadline = tk_now_s() + 60.0;
    while (ctl_flush(&c->ctl) > 0) {
        if (tk_now_s() > deadline) fail("the server did not take the report");
        tk_sleep_us(1000);
    }
    free(c->ctl.out);
    destroy_all(c->meshes, c->k, c->peers, c->k);
    free(c->meshes);
    free(c->peers);
    free(c->gone);
}

/* ------------------------------------------------------------ server metric */

/* Counts of one side's traffic inside the measured window. */
typedef struct traffic {
    int64_t t0, t1;
    long sent[4], received[4], refused; /* by tag */
    series latency[4];                   /* by tag */
} traffic_t;

static int in_window(const traffic_t *t, int64_t ns) { return ns >= t->t0 && ns < t->t1; }

/* Takes every packet mesh has, counting and timing those sent inside the window. */
static void take_packets(meshrtc_mesh mesh, traffic_t *t) {
    const uint8_t *data;
    int32_t len;
    while (meshrtc_mesh_get_packet(mesh, &data, &len) == MESHRTC_OK) {
        stamp st;
        if (len < (int32_t)sizeof st) fail("short packet");
        memcpy(&st, data, sizeof st);
        if (st.tag < TAG_STATE || st.tag > TAG_INPUT) fail("packet with an unknown tag");
        if (!in_window(t, st.send_ns)) continue;
        t->received[st.tag]++;
        series_add(&t->latency[st.tag], tk_now_ns() - st.send_ns);
    }
}

static void send_tagged(meshrtc_mesh mesh, uint8_t *buf, int32_t len, int32_t id, int32_t tag, traffic_t *t) {
    int64_t sent_ns;
    put_stamped(mesh, buf, len, id, tag, &sent_ns, &t->refused);
    if (in_window(t, sent_ns)) t->sent[tag]++;
}

static void bench_server(void) {
    server_t s = {.n = (int)arg_long("n", 32)};
    int64_t warmup = arg_long("warmup_ms", 2000) * 1000000LL, window = arg_long("measure_ms", 10000) * 1000000LL;
    s.procs = (int)arg_long("procs", 4);
    if (s.procs > s.n) s.procs = s.n;
    server_connect(&s, "server");
    int64_t now = tk_now_ns();
    traffic_t t = {.t0 = now + warmup, .t1 = now + warmup + window};
    int64_t t2 = t.t1 + DRAIN_NS;
    server_broadcast(&s, (ctl_head){.kind = CTL_START, .v = {t.t0, t.t1, t2}});
    static uint8_t state[128], reliable[16];
    report_t r = {0};
    series work = {0}; /* the server's frames in the window: the time from waking to sleeping */
    double cpu0 = -1, cpu1 = -1, w0 = 0, w1 = 0;
    long rss1 = 0, late0 = 0, late1 = 0, frames0 = 0, frames1 = 0;
    frames_t f = frames_start(FRAME_NS);
    for (;;) {
        now = tk_now_ns();
        if (now >= t2) break;
        if (cpu0 < 0 && now >= t.t0) { /* the measured window opens */
            cpu0 = cpu_s();
            w0 = tk_now_s();
            late0 = f.late;
            frames0 = f.count;
            f.work = &work;
        }
        if (cpu1 < 0 && now >= t.t1) { /* and closes */
            cpu1 = cpu_s();
            w1 = tk_now_s();
            rss1 = rss_kb();
            late1 = f.late;
            frames1 = f.count;
            f.work = NULL;
        }
        server_poll(&s, collect_msg, &r); /* a client process may be done a little sooner */
        mesh_events(s.mesh, s.gone, 2);
        take_packets(s.mesh, &t);
        if (f.count % 2 == 0 && now < t.t1) { /* the 30 Hz tick */
            for (int i = 0; i < s.n; i++) {
                if (s.gone[i]) continue;
                TK_MUST(meshrtc_mesh_set_target_peer(s.mesh, i + 2), s.mesh);
                TK_MUST(meshrtc_mesh_set_transfer_mode(s.mesh, MESHRTC_TRANSFER_MODE_UNRELIABLE), s.mesh);
                send_tagged(s.mesh, state, sizeof state, i + 2, TAG_STATE, &t);
                TK_MUST(meshrtc_mesh_set_transfer_mode(s.mesh, MESHRTC_TRANSFER_MODE_RELIABLE), s.mesh);
                send_tagged(s.mesh, reliable, sizeof reliable, i + 2, TAG_RELIABLE, &t);
            }
        }
        frame_sleep(&f);
    }
    int64_t dropped = 0;
    for (int i = 0; i < s.n; i++) dropped += s.gone[i] ? 0 : unreliable_dropped(s.mesh, i + 2);
    long disconnected = count_set(s.gone, s.n);
    server_finish(&s, &r);
    /* counts: [0] inputs sent, [1] states taken, [2] reliable taken, [3] queue drops */
    double cpu_pct = 100.0 * (cpu1 - cpu0) / (w1 - w0);
    printf("{\"impl\":\"%s\",\"metric\":\"server\",\"round\":%ld,\"n\":%d,\"procs\":%d,\"connect_ms\":%.0f,"
           "\"cpu_pct\":%.2f,\"cpu_pct_per_client\":%.4f,\"rss_per_client_kb\":%.1f,\"rss_mb\":%.1f",
           g_impl, arg_long("round", 0), s.n, s.procs, s.connect_ms, cpu_pct, cpu_pct / s.n,
           (double)(rss1 - s.rss_base) / s.n, rss1 / 1024.0);
    print_latency("down", &r.samples[0]);
    printf(",\"down_loss_pct\":%.3f", loss_pct(t.sent[TAG_STATE], r.counts[1]));
    print_latency("reliable", &r.samples[1]);
    printf(",\"reliable_loss_pct\":%.3f", loss_pct(t.sent[TAG_RELIABLE], r.counts[2]));
    print_latency("up", &t.latency[TAG_INPUT]);
    print_latency("frame_work", &work);
    printf(",\"up_loss_pct\":%.3f,\"disconnected\":%ld,\"queue_dropped\":%lld,\"refused\":%ld,"
           "\"late_frames_pct\":%.1f,\"measure_s\":%.1f}\n",
           loss_pct(r.counts[0], t.received[TAG_INPUT]), disconnected, (long long)(dropped + r.counts[3]), t.refused,
           frames1 > frames0 ? 100.0 * (double)(late1 - late0) / (double)(frames1 - frames0) : 0.0, w1 - w0);
    series_free(r.samples, 3);
    series_free(t.latency, 4);
    series_free(&work, 1);
}

static void client_server(void) {
    clients_t c;
    int64_t start[4];
    clients_connect(&c, start);
    traffic_t t = {.t0 = start[0], .t1 = start[1]};
    static uint8_t input[32];
    frames_t f = frames_start(client_period(t.t1 - t.t0));
    while (tk_now_ns() < start[2]) {
        ctl_head h;
        if (clients_poll(&c, &h, NULL)) fail("unexpected control message");
        for (int j = 0; j < c.k; j++) {
            mesh_events(c.meshes[j], &c.gone[j], 1);
            take_packets(c.meshes[j], &t);
        }
        if (f.count % 2 == 0 && tk_now_ns() < t.t1) {
            for (int j = 0; j < c.k; j++) {
                if (!c.gone[j]) send_tagged(c.meshes[j], input, sizeof input, c.first + j, TAG_INPUT, &t);
            }
        }
        frame_sleep(&f);
    }
    int64_t dropped = 0;
    for (int j = 0; j < c.k; j++) dropped += c.gone[j] ? 0 : unreliable_dropped(c.meshes[j], 1);
    int64_t counts[4] = {t.sent[TAG_INPUT], t.received[TAG_STATE], t.received[TAG_RELIABLE], dropped};
    series samples[2] = {t.latency[TAG_STATE], t.latency[TAG_RELIABLE]};
    clients_report(&c, counts, samples, 2);
    series_free(t.latency, 4);
}

/* ------------------------------------------------------------ frame_loop metric */

/* The frame_loop schedule: phase 0 (latency) from start, then the steps,
 * each followed by STEP_GAP_NS without traffic. */
typedef struct schedule {
    int64_t start, latency_ns, step_ns;
    long latency_rate;
    int steps;
} schedule_t;

static schedule_t schedule_from_args(int64_t start) {
    return (schedule_t){start, arg_long("latency_ms", 10000) * 1000000LL, arg_long("step_ms", 2000) * 1000000LL,
                        arg_long("latency_rate", 600), (int)arg_long("max_steps", 19)};
}

static int64_t phase_begin(const schedule_t *s, int p) {
    return p == 0 ? s->start : s->start + s->latency_ns + STEP_GAP_NS + (p - 1) * (s->step_ns + STEP_GAP_NS);
}

static int64_t phase_end(const schedule_t *s, int p) { return phase_begin(s, p) + (p == 0 ? s->latency_ns : s->step_ns); }

/* Messages per second in phase p: 1000 * sqrt(2)^(p-1) for the steps. */
static long phase_rate(const schedule_t *s, int p) {
    if (p == 0) return s->latency_rate;
    long r = 1000L << ((p - 1) / 2);
    return (p - 1) % 2 ? (long)((double)r * 1.41421356 + 0.5) : r;
}

typedef struct frame_loop_rx {
    int phases;
    long *sent; /* by phase, from CTL_SENT; -1 until reported */
    long *received;
    series latency;
} frame_loop_rx;

static void frame_loop_msg(server_t *s, int p, const ctl_head *h, const char *payload, void *ctx) {
    (void)s;
    (void)p;
    (void)payload;
    frame_loop_rx *rx = ctx;
    if (h->kind != CTL_SENT || h->num < 0 || h->num >= rx->phases) fail("unexpected control message");
    rx->sent[h->num] = (long)h->v[0];
}

static void bench_frame_loop(void) {
    server_t s = {.n = 1, .procs = 1};
    int32_t size = (int32_t)arg_long("size", 100);
    server_connect(&s, "frame_loop");
    schedule_t sc = schedule_from_args(tk_now_ns() + 100000000LL);
    if (sc.steps < 1) fail("max_steps must be at least 1");
    frame_loop_rx rx = {sc.steps + 1, calloc((size_t)sc.steps + 1, sizeof(long)),
                        calloc((size_t)sc.steps + 1, sizeof(long)), {0}};
    for (int p = 0; p <= sc.steps; p++) rx.sent[p] = -1;
    server_broadcast(&s, (ctl_head){.kind = CTL_START, .v = {sc.start}});
    int evaluated = 0, first_lossy = -1;
    frames_t f = frames_start(FRAME_NS);
    while (evaluated <= sc.steps && first_lossy < 0) {
        server_poll(&s, frame_loop_msg, &rx);
        mesh_events(s.mesh, s.gone, 2);
        const uint8_t *data;
        int32_t len;
        while (meshrtc_mesh_get_packet(s.mesh, &data, &len) == MESHRTC_OK) {
            stamp st;
            if (len < (int32_t)sizeof st) fail("short packet");
            memcpy(&st, data, sizeof st);
            if (st.tag < 0 || st.tag > sc.steps) fail("packet of an unknown phase");
            rx.received[st.tag]++;
            if (st.tag == 0) series_add(&rx.latency, tk_now_ns() - st.send_ns);
        }
        /* A phase is judged once its gap passed and the client said what it sent. */
        while (evaluated <= sc.steps && tk_now_ns() >= phase_end(&sc, evaluated) + STEP_GAP_NS &&
               rx.sent[evaluated] >= 0) {
            if (evaluated > 0 && rx.received[evaluated] < rx.sent[evaluated]) first_lossy = evaluated;
            evaluated++;
        }
        frame_sleep(&f);
    }
    int64_t dropped = s.gone[0] ? 0 : unreliable_dropped(s.mesh, 2);
    long disconnected = count_set(s.gone, 1);
    server_broadcast(&s, (ctl_head){.kind = CTL_STOP});
    report_t r = {0};
    server_finish(&s, &r);
    int last = first_lossy > 0 ? first_lossy : sc.steps;   /* the last step judged */
    int lossless = first_lossy > 0 ? first_lossy - 1 : last; /* the last loss-free step, 0 if none */
    printf("{\"impl\":\"%s\",\"metric\":\"frame_loop\",\"round\":%ld", g_impl, arg_long("round", 0));
    print_latency("latency", &rx.latency);
    printf(",\"latency_n\":%ld,\"latency_loss_pct\":%.3f,\"max_lossless_msgs_s\":%ld", rx.latency.n,
           loss_pct(rx.sent[0], rx.received[0]), lossless > 0 ? phase_rate(&sc, lossless) : 0);
    if (first_lossy > 0) {
        printf(",\"first_lossy_msgs_s\":%ld,\"first_lossy_loss_pct\":%.3f", phase_rate(&sc, first_lossy),
               loss_pct(rx.sent[first_lossy], rx.received[first_lossy]));
    } else {
        printf(",\"first_lossy_msgs_s\":null,\"first_lossy_loss_pct\":null");
    }
    printf(",\"step_msgs_s\":[");
    for (int p = 1; p <= last; p++) printf("%s%ld", p > 1 ? "," : "", phase_rate(&sc, p));
    printf("],\"step_loss_pct\":[");
    for (int p = 1; p <= last; p++) printf("%s%.3f", p > 1 ? "," : "", loss_pct(rx.sent[p], rx.received[p]));
    printf("],\"disconnected\":%ld,\"queue_dropped\":%lld,\"refused\":%lld,\"size\":%d,\"latency_rate\":%ld,"
           "\"latency_s\":%.1f,\"step_s\":%.1f}\n",
           disconnected, (long long)dropped, (long long)r.counts[0], size, sc.latency_rate, (double)sc.latency_ns / 1e9,
           (double)sc.step_ns / 1e9);
    free(rx.sent);
    free(rx.received);
    series_free(&rx.latency, 1);
}

static void client_frame_loop(void) {
    clients_t c;
    int64_t start[4];
    clients_connect(&c, start);
    schedule_t sc = schedule_from_args(start[0]);
    int32_t size = (int32_t)arg_long("size", 100);
    uint8_t *msg = calloc((size_t)size, 1);
    long *sent = calloc((size_t)sc.steps + 1, sizeof *sent), refused = 0;
    int reported = 0;
    frames_t f = frames_start(client_period(sc.latency_ns));
    for (;;) {
        ctl_head h;
        if (clients_poll(&c, &h, NULL)) {
            if (h.kind != CTL_STOP) fail("unexpected control message");
            break;
        }
        mesh_events(c.meshes[0], c.gone, 1);
        const uint8_t *data;
        int32_t len;
        while (meshrtc_mesh_get_packet(c.meshes[0], &data, &len) == MESHRTC_OK) {
        }
        int64_t now = tk_now_ns();
        for (int p = reported; p <= sc.steps && now >= phase_begin(&sc, p); p++) {
            if (now >= phase_end(&sc, p)) continue;
            /* As many as the rate asks for by now: about rate / 60 a frame. */
            long due = (long)((double)phase_rate(&sc, p) * (double)(now - phase_begin(&sc, p)) / 1e9);
            int64_t sent_ns;
            for (; sent[p] < due; sent[p]++) put_stamped(c.meshes[0], msg, size, c.first, p, &sent_ns, &refused);
        }
        while (reported <= sc.steps && now >= phase_end(&sc, reported)) {
            ctl_send(&c.ctl, (ctl_head){.kind = CTL_SENT, .num = reported, .v = {sent[reported]}}, NULL);
            reported++;
        }
        frame_sleep(&f);
    }
    int64_t counts[4] = {refused, 0, 0, 0};
    clients_report(&c, counts, NULL, 0);
    free(msg);
    free(sent);
}

/* ------------------------------------------------------------ main */

static const struct {
    const char *name;
    void (*server)(void), (*client)(void);
} METRICS[] = {
    {"server", bench_server, client_server},
    {"frame_loop", bench_frame_loop, client_frame_loop},
};

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    if (argc < 2) {
        fprintf(stderr, "usage: %s server|frame_loop [key=value ...]\n", argv[0]);
        return 2;
    }
    if (meshrtc_abi_version() != MESHRTC_ABI_VERSION) {
        fprintf(stderr, "gameloop_c: ABI mismatch: header %d, library %d\n", MESHRTC_ABI_VERSION,
                meshrtc_abi_version());
        return 2;
    }
    g_config = arg_str("config", LOOPBACK_CONFIG);
    g_impl = arg_str("impl", "meshrtc-c");
    process_setup();
    size_t i = 0;
    while (i < sizeof METRICS / sizeof METRICS[0] && strcmp(argv[1], METRICS[i].name) != 0) i++;
    if (i == sizeof METRICS / sizeof METRICS[0]) {
        fprintf(stderr, "gameloop_c: unknown metric %s\n", argv[1]);
        return 2;
    }
    if (strcmp(arg_str("role", "server"), "client") == 0) {
        METRICS[i].client();
    } else {
        METRICS[i].server();
    }
    fflush(stdout);
    int32_t leaked = 0;
    meshrtc_shutdown(&leaked);
    return 0;
}
