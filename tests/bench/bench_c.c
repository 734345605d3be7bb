/* meshrtc benchmark through the C ABI (include/meshrtc.h and the built .so
 * only). One metric per process run, printed as one JSON line (tests/bench/README.md):
 *
 *   bench_c METRIC [key=value ...]
 *
 *   setup       runs=20                   create both peers -> both channels open
 *   throughput  bytes=67108864 msg=65536 window=1048576
 *   rtt         n=10000 warmup=500 size=64
 *   msg_rate    n=200000 size=100 window=262144
 *   mesh        n=8 idle_ms=10000         full mesh through meshrtc_mesh_*
 *   abi         n=20000                   put_packet + get_packet pair cost, one by one and batched
 *   soak        n=8 soak_s=1200 soak_warmup_s=60   RSS over a mesh under steady traffic
 *   cycles      n=1000 warmup_cycles=50   RSS over pair create/connect/destroy cycles
 *
 * Common keys: round=R (copied into the output), impl=NAME (the output's
 * "impl", default meshrtc-c), idle_us=U (how long the host waits at most
 * when a poll found nothing to do; 0 = sched_yield; default 10 for setup,
 * mesh and cycles, 50 otherwise), host_wait=1|0 (wait inside the library
 * with meshrtc_wait, which returns early when a packet or event arrives, or
 * sleep; default 1), config=JSON (the peers' configuration; default:
 * loopback-only ICE).
 * Both ends live in this process and one host thread drives them, the way
 * a game's poll loop does: poll, get_packet until ERR_UNAVAILABLE, put_packet
 * while the buffered amount allows. The rtt loop spins (sched_yield) instead
 * of sleeping, so it measures the library and not the host's sleep, and
 * waits with Godot's idiom (get_available_packet_count, then get_packet).
 * Never asserts on timing: a failing call exits non-zero, nothing else does. */
#define _GNU_SOURCE

#include <sched.h>

#include "../testkit.h"
#include "benchutil.h"

#define RELIABLE_OPTS "{\"negotiated\":true,\"id\":1}"
#define UNRELIABLE_OPTS "{\"negotiated\":true,\"id\":2,\"ordered\":false,\"maxRetransmits\":0}"

static const char *g_config = LOOPBACK_CONFIG;
static long g_idle_us = 50;
static long g_round = 0;
static long g_spin_us = 0; /* rtt wait: -1 busy spin, 0 sched_yield, >0 sleep */
static long g_host_wait = 1; /* idle() waits in meshrtc_wait instead of sleeping */

/* ------------------------------------------------------------ utilities */

/* What the host does when a poll found nothing: wait inside the library
 * until something arrives (at most idle_us; the Go runtime gets the
 * thread's processor meanwhile), sleep a little, or yield. */
static void idle(void) {
    if (g_idle_us <= 0) {
        sched_yield();
    } else if (g_host_wait) {
        TK_MUST(meshrtc_wait(g_idle_us, NULL), 0);
    } else {
        tk_sleep_us(g_idle_us);
    }
}

static const char *g_impl = "meshrtc-c";

static void print_head(const char *metric) {
    printf("{\"impl\":\"%s\",\"metric\":\"%s\",\"round\":%ld,\"host_wait\":%ld", g_impl, metric, g_round,
           g_host_wait);
}

/* ------------------------------------------------------------ one pair */

typedef struct side {
    meshrtc_peer peer;
    meshrtc_channel rel, unrel;
} side;

static int is_open(meshrtc_channel ch) {
    int32_t st = -1;
    TK_MUST(meshrtc_channel_get_ready_state(ch, &st), ch);
    return st == MESHRTC_CHANNEL_STATE_OPEN;
}

/* Creates both peers and their negotiated channels (id 1 reliable ordered,
 * id 2 unreliable unordered maxRetransmits 0) and runs the signaling until
 * all four channels are open. */
static void pair_open(side *a, side *b) {
    side *s[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        memset(s[i], 0, sizeof *s[i]);
        TK_MUST(meshrtc_peer_create(&s[i]->peer), 0);
        TK_MUST(meshrtc_peer_initialize(s[i]->peer, g_config), s[i]->peer);
        TK_MUST(meshrtc_peer_create_data_channel(s[i]->peer, "reliable", RELIABLE_OPTS, &s[i]->rel), s[i]->peer);
        TK_MUST(meshrtc_peer_create_data_channel(s[i]->peer, "unreliable", UNRELIABLE_OPTS, &s[i]->unrel),
                s[i]->peer);
    }
    TK_MUST(meshrtc_peer_create_offer(a->peer), a->peer);
    double deadline = tk_now_s() + 30.0;
    for (;;) {
        tk_pump(a->peer, b->peer, NULL, NULL);
        tk_pump(b->peer, a->peer, NULL, NULL);
        if (is_open(a->rel) && is_open(a->unrel) && is_open(b->rel) && is_open(b->unrel)) return;
        if (tk_now_s() > deadline) {
            fprintf(stderr, "bench_c: channels did not open within 30 s\n");
            exit(2);
        }
        idle();
    }
}

static void pair_close(side *a, side *b) {
    side *s[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        TK_MUST(meshrtc_channel_destroy(s[i]->rel), s[i]->rel);
        TK_MUST(meshrtc_channel_destroy(s[i]->unrel), s[i]->unrel);
        TK_MUST(meshrtc_peer_destroy(s[i]->peer), s[i]->peer);
    }
}

/* ------------------------------------------------------------ metrics */

/* Sends up to max messages of len bytes on ch while its buffered amount
 * stays within window; returns how many it sent. */
static long send_within(meshrtc_channel ch, const uint8_t *msg, int32_t len, int64_t window, long max) {
    long n = 0;
    while (n < max) {
        int64_t buffered = 0;
        TK_MUST(meshrtc_channel_get_buffered_amount(ch, &buffered), ch);
        if (buffered + len > window) break;
        TK_MUST(meshrtc_channel_put_packet(ch, msg, len), ch);
        n++;
    }
    return n;
}

static void bench_setup(void) {
    int runs = (int)arg_long("runs", 20);
    double *ms = calloc((size_t)runs, sizeof *ms);
    side a, b;
    pair_open(&a, &b); /* warm-up, not counted */
    pair_close(&a, &b);
    for (int i = 0; i < runs; i++) {
        double t0 = tk_now_s();
        pair_open(&a, &b);
        ms[i] = (tk_now_s() - t0) * 1e3;
        pair_close(&a, &b);
    }
    qsort(ms, (size_t)runs, sizeof *ms, cmp_double);
    print_head("setup_ms");
    printf(",\"median\":%.2f,\"p90\":%.2f,\"min\":%.2f,\"max\":%.2f,\"n\":%d}\n", pct(ms, runs, 50), pct(ms, runs, 90),
           ms[0], ms[runs - 1], runs);
    free(ms);
}

static void bench_throughput(void) {
    int64_t total = arg_long("bytes", 64L << 20);
    int32_t msg = (int32_t)arg_long("msg", 64 << 10);
    int64_t window = arg_long("window", 1 << 20);
    uint8_t *buf = malloc((size_t)msg);
    memset(buf, 0xab, (size_t)msg);
    side a, b;
    pair_open(&a, &b);
    int64_t sent = 0, received = 0;
    double c0 = cpu_s(), t0 = tk_now_s(), deadline = t0 + 300.0;
    while (received < total) {
        long k = send_within(a.rel, buf, msg, window, (long)((total - sent + msg - 1) / msg));
        sent += k * msg;
        int progress = k > 0;
        TK_MUST(meshrtc_peer_poll(b.peer), b.peer);
        const uint8_t *data;
        int32_t len;
        while (meshrtc_channel_get_packet(b.rel, &data, &len) == MESHRTC_OK) {
            received += len;
            progress = 1;
        }
        if (!progress) {
            if (tk_now_s() > deadline) {
                fprintf(stderr, "bench_c: throughput stalled at %lld of %lld bytes\n", (long long)received,
                        (long long)total);
                exit(2);
            }
            idle();
        }
    }
    double secs = tk_now_s() - t0, cpu = cpu_s() - c0;
    print_head("throughput");
    printf(",\"mb_s\":%.2f,\"cpu_s_per_gib\":%.3f,\"seconds\":%.3f,\"bytes\":%lld,\"msg\":%d,\"window\":%lld}\n",
           (double)received / 1e6 / secs, cpu / ((double)received / (double)(1LL << 30)), secs, (long long)received, msg,
           (long long)window);
    pair_close(&a, &b);
    free(buf);
}

/* Spins until ch has a packet and takes it; returns its length. Godot's
 * idiom: poll, then get_packet once get_available_packet_count says so. */
static int32_t wait_packet(meshrtc_peer peer, meshrtc_channel ch) {
    const uint8_t *data;
    int32_t len, avail;
    double deadline = 0;
    for (long spins = 0;; spins++) {
        TK_MUST(meshrtc_peer_poll(peer), peer);
        TK_MUST(meshrtc_channel_get_available_packet_count(ch, &avail), ch);
        if (avail > 0) {
            TK_MUST(meshrtc_channel_get_packet(ch, &data, &len), ch);
            return len;
        }
        if ((spins & 1023) == 1023) {
            if (deadline == 0) deadline = tk_now_s() + 30.0;
            if (tk_now_s() > deadline) {
                fprintf(stderr, "bench_c: no packet within 30 s\n");
                exit(2);
            }
        }
        if (g_spin_us >= 0) {
            if (g_spin_us > 0) tk_sleep_us(g_spin_us);
            else sched_yield();
        }
    }
}

static void bench_rtt(void) {
    int n = (int)arg_long("n", 10000), warmup = (int)arg_long("warmup", 500);
    int32_t size = (int32_t)arg_long("size", 64);
    uint8_t msg[65536];
    memset(msg, 0x5a, sizeof msg);
    double *us = calloc((size_t)n, sizeof *us);
    side a, b;
    pair_open(&a, &b);
    for (int i = -warmup; i < n; i++) {
        int64_t t0 = tk_now_ns();
        TK_MUST(meshrtc_channel_put_packet(a.rel, msg, size), a.rel);
        int32_t len = wait_packet(b.peer, b.rel);
        TK_MUST(meshrtc_channel_put_packet(b.rel, msg, len), b.rel);
        wait_packet(a.peer, a.rel);
        if (i >= 0) us[i] = (double)(tk_now_ns() - t0) / 1e3;
    }
    qsort(us, (size_t)n, sizeof *us, cmp_double);
    print_head("rtt_us");
    printf(",\"p50\":%.1f,\"p99\":%.1f,\"min\":%.1f,\"n\":%d,\"size\":%d}\n", pct(us, n, 50), pct(us, n, 99), us[0], n,
           size);
    pair_close(&a, &b);
    free(us);
}

static void bench_msg_rate(void) {
    long n = arg_long("n", 200000);
    int32_t size = (int32_t)arg_long("size", 100);
    int64_t window = arg_long("window", 256 << 10);
    long quiet_ms = arg_long("quiet_ms", 300);
    uint8_t msg[65536];
    memset(msg, 0x33, sizeof msg);
    side a, b;
    pair_open(&a, &b);
    long sent = 0, received = 0;
    double t0 = tk_now_s(), last_rx = t0, deadline = t0 + 300.0;
    for (;;) {
        long k = send_within(a.unrel, msg, size, window, n - sent);
        sent += k;
        int progress = k > 0;
        TK_MUST(meshrtc_peer_poll(b.peer), b.peer);
        const uint8_t *data;
        int32_t len;
        int got = 0;
        while (meshrtc_channel_get_packet(b.unrel, &data, &len) == MESHRTC_OK) {
            received++;
            got = 1;
        }
        double t = tk_now_s();
        if (got) {
            last_rx = t;
            progress = 1;
        }
        if (received >= n) break;
        /* Done once everything was sent and nothing came for quiet_ms. */
        if (sent >= n && t - last_rx > quiet_ms / 1e3) break;
        if (t > deadline) break;
        if (!progress) idle();
    }
    int64_t dropped = 0;
    TK_MUST(meshrtc_channel_get_dropped_count(b.unrel, &dropped), b.unrel);
    double secs = last_rx - t0;
    print_head("msg_rate");
    printf(",\"msgs_s\":%.0f,\"loss_pct\":%.3f,\"sent\":%ld,\"received\":%ld,\"queue_dropped\":%lld,\"seconds\":%.3f,"
           "\"size\":%d}\n",
           secs > 0 ? (double)received / secs : 0.0, 100.0 * (double)(sent - received) / (double)sent, sent, received,
           (long long)dropped, secs, size);
    pair_close(&a, &b);
}

/* ------------------------------------------------------------ mesh */

typedef struct link {
    meshrtc_peer p[2]; /* p[0] belongs to mesh i, p[1] to mesh j */
} link_t;

/* One host frame: every connection's signaling, then every mesh's poll and
 * events. Returns how many meshes have all their peers connected. */
static int mesh_frame(meshrtc_mesh *meshes, int n, link_t *links, int nlinks, int *connected) {
    for (int l = 0; l < nlinks; l++) {
        tk_pump(links[l].p[0], links[l].p[1], NULL, NULL);
        tk_pump(links[l].p[1], links[l].p[0], NULL, NULL);
    }
    int done = 0;
    for (int i = 0; i < n; i++) {
        int32_t type, id;
        TK_MUST(meshrtc_mesh_poll(meshes[i]), meshes[i]);
        while (meshrtc_mesh_next_event(meshes[i], &type, &id) == MESHRTC_OK) {
            if (type == MESHRTC_MESH_EVENT_PEER_CONNECTED) connected[i]++;
            if (type == MESHRTC_MESH_EVENT_PEER_DISCONNECTED) connected[i]--;
        }
        done += connected[i] == n - 1;
    }
    return done;
}

/* Creates n meshes (ids 1..n) and a connection for every pair of them
 * (links: n*(n-1)/2), and starts each connection's signaling. */
static void mesh_build(meshrtc_mesh *meshes, int n, link_t *links) {
    for (int i = 0; i < n; i++) {
        TK_MUST(meshrtc_mesh_create(&meshes[i]), 0);
        TK_MUST(meshrtc_mesh_create_mesh(meshes[i], i + 1, NULL, 0), meshes[i]);
    }
    int l = 0;
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++, l++) {
            for (int k = 0; k < 2; k++) {
                TK_MUST(meshrtc_peer_create(&links[l].p[k]), 0);
                TK_MUST(meshrtc_peer_initialize(links[l].p[k], g_config), links[l].p[k]);
            }
            TK_MUST(meshrtc_mesh_add_peer(meshes[i], links[l].p[0], j + 1, 1), meshes[i]);
            TK_MUST(meshrtc_mesh_add_peer(meshes[j], links[l].p[1], i + 1, 1), meshes[j]);
            TK_MUST(meshrtc_peer_create_offer(links[l].p[0]), links[l].p[0]);
        }
    }
}

static void bench_mesh(void) {
    int n = (int)arg_long("n", 8);
    double idle_s = (double)arg_long("idle_ms", 10000) / 1e3;
    long frame_us = arg_long("frame_us", 16667);
    int nlinks = n * (n - 1) / 2;
    meshrtc_mesh *meshes = calloc((size_t)n, sizeof *meshes);
    int *connected = calloc((size_t)n, sizeof *connected);
    link_t *links = calloc((size_t)nlinks, sizeof *links);

    long rss0 = rss_kb();
    double t0 = tk_now_s();
    mesh_build(meshes, n, links);
    double deadline = t0 + 120.0;
    while (mesh_frame(meshes, n, links, nlinks, connected) < n) {
        if (tk_now_s() > deadline) {
            fprintf(stderr, "bench_c: %d-peer mesh did not connect within 120 s\n", n);
            exit(2);
        }
        idle();
    }
    double connect_ms = (tk_now_s() - t0) * 1e3;
    long rss1 = rss_kb();

    /* Idle: a game's frame loop polling every mesh and connection. */
    double c0 = cpu_s(), i0 = tk_now_s();
    while (tk_now_s() - i0 < idle_s) {
        mesh_frame(meshes, n, links, nlinks, connected);
        tk_sleep_us(frame_us);
    }
    double idle_cpu = (cpu_s() - c0) / (tk_now_s() - i0) * 100.0;
    long rss2 = rss_kb();
    int conns = n * (n - 1);
    print_head("mesh");
    printf(",\"n\":%d,\"connections\":%d,\"connect_ms\":%.1f,\"rss_mb\":%.1f,\"rss_base_mb\":%.1f,"
           "\"rss_per_conn_kb\":%.1f,\"idle_cpu_pct\":%.2f,\"idle_s\":%.1f,\"rss_idle_mb\":%.1f,"
           "\"rss_idle_per_conn_kb\":%.1f}\n",
           n, conns, connect_ms, rss1 / 1024.0, rss0 / 1024.0, (double)(rss1 - rss0) / conns, idle_cpu, idle_s,
           rss2 / 1024.0, (double)(rss2 - rss0) / conns);
    fflush(stdout);
    for (int i = 0; i < n; i++) TK_MUST(meshrtc_mesh_destroy(meshes[i]), meshes[i]);
    free(meshes);
    free(connected);
    free(links);
    /* The peers are left to meshrtc_shutdown: closing ~1000 connections
     * one by one is not what this measures. */
}

/* ------------------------------------------------------------ soak, cycles */

/* Memory over a long run: the workloads of tests/bench/benchkit/memory.go
 * (corebench's soak and cycles) through the C ABI. The library's Go heap
 * is not visible from here: RSS only, each figure the least of five
 * samples (see least_mem). */

#define SOAK_TICK_S 0.010
#define SOAK_PACKET 100

typedef struct soak {
    int n, nlinks;
    meshrtc_mesh *meshes;
    link_t *links;
    int *connected;
    long *taken, *taken_reliable; /* packets each mesh took, and the reliable ones */
    long sent;                    /* broadcasts each mesh made */
} soak_t;

/* One host frame: signaling, then every mesh's poll, events and packets;
 * sleeps 1 ms when there was nothing to take. A peer leaving is fatal. */
static void soak_frame(soak_t *s) {
    int busy = 0;
    for (int l = 0; l < s->nlinks; l++) {
        tk_pump(s->links[l].p[0], s->links[l].p[1], NULL, NULL);
        tk_pump(s->links[l].p[1], s->links[l].p[0], NULL, NULL);
    }
    for (int i = 0; i < s->n; i++) {
        int32_t type, id, avail, mode, len;
        const uint8_t *data;
        TK_MUST(meshrtc_mesh_poll(s->meshes[i]), s->meshes[i]);
        while (meshrtc_mesh_next_event(s->meshes[i], &type, &id) == MESHRTC_OK) {
            if (type != MESHRTC_MESH_EVENT_PEER_CONNECTED) {
                fprintf(stderr, "bench_c: mesh %d: event %d for peer %d during the soak\n", i + 1, type, id);
                exit(2);
            }
            s->connected[i]++;
            busy = 1;
        }
        for (;;) {
            TK_MUST(meshrtc_mesh_get_available_packet_count(s->meshes[i], &avail), s->meshes[i]);
            if (avail == 0) break;
            TK_MUST(meshrtc_mesh_get_packet_mode(s->meshes[i], &mode), s->meshes[i]);
            TK_MUST(meshrtc_mesh_get_packet(s->meshes[i], &data, &len), s->meshes[i]);
            s->taken[i]++;
            s->taken_reliable[i] += mode == MESHRTC_TRANSFER_MODE_RELIABLE;
            busy = 1;
        }
    }
    if (!busy) tk_sleep_us(1000);
}

/* Runs the host loop for secs with a broadcast every tick (ticks missed
 * while the host was late are skipped, as a game's frame loop does). */
static void soak_run(soak_t *s, double secs) {
    static const uint8_t payload[SOAK_PACKET];
    static const int32_t modes[2] = {MESHRTC_TRANSFER_MODE_RELIABLE, MESHRTC_TRANSFER_MODE_UNRELIABLE};
    double end = tk_now_s() + secs, next = 0;
    while (tk_now_s() < end) {
        if (tk_now_s() >= next) {
            next = tk_now_s() + SOAK_TICK_S;
            for (int i = 0; i < s->n; i++) {
                TK_MUST(meshrtc_mesh_set_target_peer(s->meshes[i], 0), s->meshes[i]);
                for (int m = 0; m < 2; m++) {
                    TK_MUST(meshrtc_mesh_set_transfer_mode(s->meshes[i], modes[m]), s->meshes[i]);
                    TK_MUST(meshrtc_mesh_put_packet(s->meshes[i], payload, SOAK_PACKET), s->meshes[i]);
                }
            }
            s->sent++;
        }
        soak_frame(s);
    }
}

/* Runs the host loop without traffic until every reliable packet was
 * taken, then 1 s more: nothing is in flight. */
static void soak_quiesce(soak_t *s) {
    double deadline = tk_now_s() + 60.0;
    for (int i = 0; i < s->n; i++) {
        while (s->taken_reliable[i] < s->sent * (s->n - 1)) {
            if (tk_now_s() > deadline) {
                fprintf(stderr, "bench_c: mesh %d took %ld of %ld reliable packets\n", i + 1, s->taken_reliable[i],
                        s->sent * (s->n - 1));
                exit(2);
            }
            soak_frame(s);
        }
    }
    for (double end = tk_now_s() + 1.0; tk_now_s() < end;) soak_frame(s);
}

/* RSS (KiB), its anonymous part (heap, stacks; the rest is mostly the
 * library's code, paged in as code paths first run) and OS threads. */
typedef struct mem {
    long rss, anon, threads;
} mem_t;

static mem_t mem_now(void) {
    mem_t m = {rss_kb(), proc_status("RssAnon:"), proc_status("Threads:")};
    return m;
}

/* Progress to stderr, e.g. "soak 60 s" or "cycles 100". */
static void print_progress(const char *what, double count, const char *unit) {
    mem_t m = mem_now();
    fprintf(stderr, "bench_c: %s %.0f%s: rss %.1f MB (anonymous %.1f), %ld threads\n", what, count, unit,
            m.rss / 1024.0, m.anon / 1024.0, m.threads);
}

/* The sample with the least RSS of five, each after wait(s): what a packet
 * in flight or a collection about to run held is gone. */
static mem_t least_mem(void (*wait)(soak_t *), soak_t *s) {
    mem_t best = {-1, -1, -1};
    for (int i = 0; i < 5; i++) {
        wait(s);
        mem_t m = mem_now();
        if (best.rss < 0 || m.rss < best.rss) best = m;
    }
    return best;
}

static long sum_long(const long *v, int n) {
    long total = 0;
    for (int i = 0; i < n; i++) total += v[i];
    return total;
}

static void print_mem(mem_t warm, mem_t end) {
    printf(",\"rss_warm_mb\":%.1f,\"rss_end_mb\":%.1f,\"rss_growth_pct\":%.1f,\"rss_anon_warm_mb\":%.1f,"
           "\"rss_anon_end_mb\":%.1f,\"threads_warm\":%ld,\"threads_end\":%ld}\n",
           warm.rss / 1024.0, end.rss / 1024.0, 100.0 * (double)(end.rss - warm.rss) / (double)warm.rss,
           warm.anon / 1024.0, end.anon / 1024.0, warm.threads, end.threads);
}

static void bench_soak(void) {
    soak_t s = {.n = (int)arg_long("n", 8)};
    double secs = (double)arg_long("soak_s", 1200), warmup = (double)arg_long("soak_warmup_s", 60);
    s.nlinks = s.n * (s.n - 1) / 2;
    s.meshes = calloc((size_t)s.n, sizeof *s.meshes);
    s.links = calloc((size_t)s.nlinks, sizeof *s.links);
    s.connected = calloc((size_t)s.n, sizeof *s.connected);
    s.taken = calloc((size_t)s.n, sizeof *s.taken);
    s.taken_reliable = calloc((size_t)s.n, sizeof *s.taken_reliable);
    mesh_build(s.meshes, s.n, s.links);
    double deadline = tk_now_s() + 120.0;
    for (int done = 0; !done;) {
        soak_frame(&s);
        done = 1;
        for (int i = 0; i < s.n; i++) done &= s.connected[i] == s.n - 1;
        if (tk_now_s() > deadline) {
            fprintf(stderr, "bench_c: %d-peer mesh did not connect within 120 s\n", s.n);
            exit(2);
        }
    }
    soak_run(&s, warmup);
    mem_t warm = least_mem(soak_quiesce, &s);
    long sent0 = s.sent, taken0 = sum_long(s.taken, s.n);
    print_progress("soak warm-up", 0, " s");
    double t0 = tk_now_s();
    while (tk_now_s() - t0 < secs) {
        soak_run(&s, secs - (tk_now_s() - t0) < 60 ? secs - (tk_now_s() - t0) : 60);
        print_progress("soak", tk_now_s() - t0, " s");
    }
    double elapsed = tk_now_s() - t0;
    mem_t end = least_mem(soak_quiesce, &s);
    print_head("soak");
    printf(",\"n\":%d,\"soak_s\":%.1f,\"broadcasts_s\":%.1f,\"packets_s\":%.1f", s.n, elapsed,
           (double)(s.sent - sent0) / elapsed, (double)(sum_long(s.taken, s.n) - taken0) / elapsed);
    print_mem(warm, end);
    fflush(stdout);
    for (int i = 0; i < s.n; i++) TK_MUST(meshrtc_mesh_destroy(s.meshes[i]), s.meshes[i]);
    free(s.meshes);
    free(s.links);
    free(s.connected);
    free(s.taken);
    free(s.taken_reliable);
    /* The peers are left to meshrtc_shutdown, as in bench_mesh. */
}

/* One cycle: a pair created and connected (pair_open), one message each
 * way on each channel, the reliable ones waited for, everything destroyed. */
static void cycle(void) {
    static const uint8_t msg[5] = "cycle";
    side a, b;
    pair_open(&a, &b);
    meshrtc_channel chans[4] = {a.rel, a.unrel, b.rel, b.unrel};
    for (int i = 0; i < 4; i++) TK_MUST(meshrtc_channel_put_packet(chans[i], msg, (int32_t)sizeof msg), chans[i]);
    wait_packet(b.peer, b.rel);
    wait_packet(a.peer, a.rel);
    pair_close(&a, &b);
}

static void idle_wait(soak_t *unused) {
    (void)unused;
    tk_sleep_us(200000);
}

static void bench_cycles(void) {
    int n = (int)arg_long("n", 1000), warmup = (int)arg_long("warmup_cycles", 50);
    for (int i = 0; i < warmup; i++) cycle();
    tk_sleep_us(2000000); /* the library's goroutines of closed connections end */
    mem_t warm = least_mem(idle_wait, NULL);
    double t0 = tk_now_s();
    for (int i = 0; i < n; i++) {
        cycle();
        if (i % 100 == 99) print_progress("cycles", i + 1, "");
    }
    double cycle_ms = (tk_now_s() - t0) * 1e3 / n;
    tk_sleep_us(2000000);
    mem_t end = least_mem(idle_wait, NULL);
    print_head("cycles");
    printf(",\"n\":%d,\"warmup_cycles\":%d,\"cycle_ms\":%.1f", n, warmup, cycle_ms);
    print_mem(warm, end);
}

/* ------------------------------------------------------------ abi */

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double median_i64(int64_t *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    return (double)v[n / 2];
}

/* Moves batches of size 64-byte packets from a's reliable channel to b's:
 * the puts (timed), an untimed wait until all are queued at the receiver,
 * then the gets (timed). batched: one put_packets and one get_packets call
 * per batch (all of it fits); otherwise one put_packet and one get_packet
 * per packet. *put_ns and *get_ns receive the median batch's ns per packet
 * (two warm-up batches are not counted). */
enum { MAX_BATCH = 64, ABI_MSG = 64 };

static void abi_batches(side *a, side *b, int size, int batches, int batched, double *put_ns, double *get_ns) {
    static uint8_t msgs[MAX_BATCH * ABI_MSG], buf[MAX_BATCH * ABI_MSG];
    int32_t sizes[MAX_BATCH];
    meshrtc_packet_info info[MAX_BATCH];
    int64_t *put = calloc((size_t)batches, sizeof *put), *get = calloc((size_t)batches, sizeof *get);
    memset(msgs, 7, sizeof msgs);
    for (int k = 0; k < size; k++) sizes[k] = ABI_MSG;
    for (int w = -2; w < batches; w++) {
        int64_t t0 = tk_now_ns();
        if (batched) {
            TK_MUST(meshrtc_channel_put_packets(a->rel, msgs, sizes, size, NULL), a->rel);
        } else {
            for (int k = 0; k < size; k++) TK_MUST(meshrtc_channel_put_packet(a->rel, msgs, ABI_MSG), a->rel);
        }
        int64_t t1 = tk_now_ns();
        int32_t avail = 0;
        double deadline = tk_now_s() + 30.0;
        for (;;) {
            TK_MUST(meshrtc_channel_get_available_packet_count(b->rel, &avail), b->rel);
            if (avail >= size) break;
            if (tk_now_s() > deadline) {
                fprintf(stderr, "bench_c: abi packets did not arrive\n");
                exit(2);
            }
            sched_yield();
        }
        int64_t t2 = tk_now_ns();
        if (batched) {
            for (int32_t taken = 0, n = 0; taken < size; taken += n) {
                TK_MUST(meshrtc_channel_get_packets(b->rel, buf, (int32_t)sizeof buf, info, size - taken, &n), b->rel);
            }
        } else {
            const uint8_t *data;
            int32_t len;
            for (int k = 0; k < size; k++) TK_MUST(meshrtc_channel_get_packet(b->rel, &data, &len), b->rel);
        }
        int64_t t3 = tk_now_ns();
        if (w >= 0) {
            put[w] = (t1 - t0) / size;
            get[w] = (t3 - t2) / size;
        }
    }
    *put_ns = median_i64(put, batches);
    *get_ns = median_i64(get, batches);
    free(put);
    free(get);
}

/* put_packet + get_packet pair cost, one call per packet (batches of 64
 * packets) and batched (16 and 64 packets per call; amortized per packet),
 * then the bare calls of a host frame. */
static void bench_abi(void) {
    int n = (int)arg_long("n", 20000);
    int batches16 = n / 16 > 0 ? n / 16 : 1, batches64 = n / MAX_BATCH > 0 ? n / MAX_BATCH : 1;
    side a, b;
    pair_open(&a, &b);
    double put_ns, get_ns, put16, get16, put64, get64;
    abi_batches(&a, &b, MAX_BATCH, batches64, 0, &put_ns, &get_ns);
    abi_batches(&a, &b, 16, batches16, 1, &put16, &get16);
    abi_batches(&a, &b, MAX_BATCH, batches64, 1, &put64, &get64);
    /* The bare call: a getter, and get_packet on an empty queue (the call a
     * poll loop ends with; it records a last-error message). */
    int calls = 200000;
    int32_t count;
    int64_t t0 = tk_now_ns();
    for (int k = 0; k < calls; k++) meshrtc_channel_get_available_packet_count(b.rel, &count);
    double getter_ns = (double)(tk_now_ns() - t0) / calls;
    const uint8_t *data;
    int32_t len;
    t0 = tk_now_ns();
    for (int k = 0; k < calls; k++) meshrtc_channel_get_packet(b.rel, &data, &len);
    double empty_ns = (double)(tk_now_ns() - t0) / calls;
    /* A host frame's other calls: peer poll, and next_event on an empty queue. */
    meshrtc_peer_event ev;
    while (meshrtc_peer_next_event(b.peer, &ev) == MESHRTC_OK) {
    }
    t0 = tk_now_ns();
    for (int k = 0; k < calls; k++) meshrtc_peer_poll(b.peer);
    double poll_ns = (double)(tk_now_ns() - t0) / calls;
    t0 = tk_now_ns();
    for (int k = 0; k < calls; k++) meshrtc_peer_next_event(b.peer, &ev);
    double event_ns = (double)(tk_now_ns() - t0) / calls;
    print_head("abi_call_ns");
    printf(",\"ns\":%.0f,\"put_ns\":%.0f,\"get_ns\":%.0f,\"batch16_ns\":%.0f,\"batch16_put_ns\":%.0f,"
           "\"batch16_get_ns\":%.0f,\"batch64_ns\":%.0f,\"batch64_put_ns\":%.0f,\"batch64_get_ns\":%.0f,"
           "\"getter_ns\":%.1f,\"empty_get_ns\":%.1f,\"poll_ns\":%.1f,\"empty_event_ns\":%.1f,\"n\":%d}\n",
           put_ns + get_ns, put_ns, get_ns, put16 + get16, put16, get16, put64 + get64, put64, get64, getter_ns,
           empty_ns, poll_ns, event_ns, batches64 * MAX_BATCH);
    pair_close(&a, &b);
}

/* The metrics, by the name the command line gives. */
static const struct {
    const char *name;
    void (*run)(void);
} METRICS[] = {
    {"setup", bench_setup}, {"throughput", bench_throughput}, {"rtt", bench_rtt}, {"msg_rate", bench_msg_rate},
    {"mesh", bench_mesh},   {"abi", bench_abi},               {"soak", bench_soak}, {"cycles", bench_cycles},
};

int main(int argc, char **argv) {
    g_argc = argc;
    g_argv = argv;
    if (argc < 2) {
        fprintf(stderr, "usage: %s setup|throughput|rtt|msg_rate|mesh|abi|soak|cycles [key=value ...]\n", argv[0]);
        return 2;
    }
    if (meshrtc_abi_version() != MESHRTC_ABI_VERSION) {
        fprintf(stderr, "bench_c: ABI mismatch: header %d, library %d\n", MESHRTC_ABI_VERSION, meshrtc_abi_version());
        return 2;
    }
    const char *m = argv[1];
    g_config = arg_str("config", LOOPBACK_CONFIG);
    g_impl = arg_str("impl", "meshrtc-c");
    /* Signaling latency matters for setup and mesh connect: poll sooner
     * there. Elsewhere a longer sleep costs less CPU. */
    long idle_default = strcmp(m, "setup") == 0 || strcmp(m, "mesh") == 0 || strcmp(m, "cycles") == 0 ? 10 : 50;
    g_idle_us = arg_long("idle_us", idle_default);
    g_round = arg_long("round", 0);
    g_spin_us = arg_long("spin_us", 0);
    g_host_wait = arg_long("host_wait", 1);
    process_setup(); /* a 32-peer mesh holds ~1000 connections, each with sockets */
    size_t i = 0;
    while (i < sizeof METRICS / sizeof METRICS[0] && strcmp(m, METRICS[i].name) != 0) i++;
    if (i == sizeof METRICS / sizeof METRICS[0]) {
        fprintf(stderr, "bench_c: unknown metric %s\n", m);
        return 2;
    }
    METRICS[i].run();
    fflush(stdout);
    int32_t leaked = 0;
    meshrtc_shutdown(&leaked);
    return 0;
}
