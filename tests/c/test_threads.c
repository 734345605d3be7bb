/* test_threads: concurrent use of the C ABI from 8 threads (pthreads).
 *
 * Phase 1 - one connected pair, 8 threads on the same objects:
 *   T0 sends N packets on channel X, T1 sends N packets on channel Y
 *   (alternating text/binary), T2 and T3 both consume X (each packet must
 *   go to exactly one of them: count and byte sum must match), T4 consumes
 *   Y (content, order and was_string_packet checked) and drains the victim
 *   channel's remote end, T5 hammers every getter (stats too), poll and next_event on
 *   every handle, T6 checks thread-local last_error isolation and sends on
 *   the victim, T7 closes the victim channel many times and destroys it
 *   midway: afterwards every call on it must return ERR_DOES_NOT_EXIST.
 * Phase 2 - 8 threads create, use and destroy peers concurrently,
 *   including peers created by other threads; handles must be unique.
 * Phase 3 - two threads destroy the same handle at the same moment, many
 *   times: exactly one destroy may succeed.
 * Phase 4 - threads that had a failed call exit (their last-error text must
 *   not leak; LeakSanitizer checks at exit).
 * Library-owned packet/event memory is only read by a thread that is the
 * single consumer of that object (the header: valid until the next call on
 * the object from any thread). Timeouts are hang guards, not assertions. */
#include "pair.h"

#include <pthread.h>
#include <stdatomic.h>

#include "check.h"

#define N_PACKETS 3000
#define HANG_GUARD_S 120.0
#define WRONG(rc) (fprintf(stderr, "unexpected rc %d at line %d (%s)\n", (rc), __LINE__, check_last_error(0)), 1)

/* check.h's counters are shared by all threads: make them atomic here. */
static atomic_int failures;
#define TCHECK(cond, ...)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            atomic_fetch_add(&failures, 1);                                   \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

static pair_side pa, pb;
static meshrtc_channel xa, xb, ya, yb, va, vb;
static double deadline;

static atomic_int senders_done;  /* T0 and T1 finished sending */
static atomic_int x_received, y_received;
static atomic_llong x_bytes;
static atomic_int x_sent;        /* progress of T0, T7 destroys the victim midway */
static atomic_int victim_destroyed;
static atomic_int stop;          /* receivers done: hammer threads stop */
static atomic_llong calls;

static int timed_out(void) { return tk_now_s() > deadline; }

/* Sends while keeping the buffered amount bounded (never blocks). */
static int send_packet(meshrtc_channel ch, const uint8_t *data, int32_t len) {
    for (;;) {
        int64_t buffered = 0;
        int32_t rc = meshrtc_channel_get_buffered_amount(ch, &buffered);
        if (rc != MESHRTC_OK) return rc;
        if (buffered < 512 * 1024) break;
        if (timed_out()) return MESHRTC_ERR_TIMEOUT;
        tk_sleep_ms(1);
    }
    return meshrtc_channel_put_packet(ch, data, len);
}

static int32_t x_len(int seq) { return 1 + seq % 97; }

static void *t0_send_x(void *arg) {
    (void)arg;
    uint8_t buf[128];
    for (int seq = 0; seq < N_PACKETS; seq++) {
        memset(buf, seq & 0xff, sizeof buf);
        int32_t rc = send_packet(xa, buf, x_len(seq));
        TCHECK(rc == MESHRTC_OK, "X put_packet %d: %d (%s)", seq, rc, check_last_error(xa));
        if (rc != MESHRTC_OK) break;
        atomic_store(&x_sent, seq + 1);
    }
    atomic_fetch_add(&senders_done, 1);
    return NULL;
}

static void *t1_send_y(void *arg) {
    (void)arg;
    uint8_t buf[64];
    for (int seq = 0; seq < N_PACKETS; seq++) {
        int32_t mode = seq % 2 ? MESHRTC_WRITE_MODE_BINARY : MESHRTC_WRITE_MODE_TEXT;
        TCHECK(meshrtc_channel_set_write_mode(ya, mode) == MESHRTC_OK, "Y set_write_mode");
        memcpy(buf, &seq, sizeof seq);
        for (int i = 4; i < 64; i++) buf[i] = (uint8_t)(seq + i);
        int32_t rc = send_packet(ya, buf, 64);
        TCHECK(rc == MESHRTC_OK, "Y put_packet %d: %d", seq, rc);
        if (rc != MESHRTC_OK) break;
    }
    atomic_fetch_add(&senders_done, 1);
    return NULL;
}

/* Two consumers of X: they may not read the data (the other's next
 * get_packet invalidates it), only the length. */
static void *t23_consume_x(void *arg) {
    (void)arg;
    while (atomic_load(&x_received) < N_PACKETS && !timed_out()) {
        const uint8_t *data = NULL;
        int32_t len = -1;
        int32_t rc = meshrtc_channel_get_packet(xb, &data, &len);
        if (rc == MESHRTC_OK) {
            TCHECK(data != NULL && len >= 1 && len <= 97, "X packet length %d", len);
            atomic_fetch_add(&x_bytes, len);
            atomic_fetch_add(&x_received, 1);
        } else {
            TCHECK(rc == MESHRTC_ERR_UNAVAILABLE || !WRONG(rc), "X get_packet");
            tk_sleep_ms(0);
        }
    }
    return NULL;
}

static void *t4_consume_y(void *arg) {
    (void)arg;
    int expect = 0, victim_packets = 0;
    while (expect < N_PACKETS && !timed_out()) {
        const uint8_t *data = NULL;
        int32_t len = -1;
        int32_t rc = meshrtc_channel_get_packet(yb, &data, &len);
        if (rc == MESHRTC_OK) {
            int seq = -1;
            TCHECK(len == 64, "Y packet length %d", len);
            if (len == 64) {
                memcpy(&seq, data, sizeof seq);
                int intact = 1;
                for (int i = 4; i < 64; i++) intact &= data[i] == (uint8_t)(seq + i);
                TCHECK(intact, "Y packet %d corrupted", seq);
            }
            TCHECK(seq == expect, "Y packet %d, want %d (order)", seq, expect);
            int32_t is_string = -1;
            TCHECK(meshrtc_channel_was_string_packet(yb, &is_string) == MESHRTC_OK, "was_string_packet");
            TCHECK(is_string == (seq % 2 == 0), "Y packet %d: was_string %d", seq, is_string);
            expect = seq + 1;
            atomic_fetch_add(&y_received, 1);
        } else {
            TCHECK(rc == MESHRTC_ERR_UNAVAILABLE || !WRONG(rc), "Y get_packet");
        }
        /* Single consumer of the victim's remote end. */
        rc = meshrtc_channel_get_packet(vb, &data, &len);
        if (rc == MESHRTC_OK) {
            TCHECK(len == 8 && memcmp(data, "victim!!", 8) == 0, "victim packet corrupted");
            victim_packets++;
        } else {
            TCHECK(rc == MESHRTC_ERR_UNAVAILABLE || !WRONG(rc), "victim get_packet");
        }
    }
    return NULL;
}

/* Every read-only call on h; returns how many gave an unexpected code. */
static int hammer_channel(meshrtc_channel h, int32_t want) {
    int32_t v;
    int64_t v64;
    char buf[64];
    int bad = 0;
    int32_t (*getters[])(meshrtc_channel, int32_t *) = {
        meshrtc_channel_get_available_packet_count, meshrtc_channel_get_max_packet_size,
        meshrtc_channel_get_write_mode, meshrtc_channel_was_string_packet, meshrtc_channel_get_ready_state,
        meshrtc_channel_is_ordered, meshrtc_channel_get_id, meshrtc_channel_get_max_packet_life_time,
        meshrtc_channel_get_max_retransmits, meshrtc_channel_is_negotiated};
    for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) bad += getters[i](h, &v) != want;
    bad += meshrtc_channel_get_buffered_amount(h, &v64) != want;
    bad += meshrtc_channel_get_dropped_count(h, &v64) != want;
    bad += meshrtc_channel_get_label(h, buf, (int32_t)sizeof buf, &v) != want;
    bad += meshrtc_channel_get_protocol(h, buf, (int32_t)sizeof buf, &v) != want;
    bad += meshrtc_channel_poll(h) != want;
    meshrtc_channel_stats st;
    bad += meshrtc_channel_get_stats(h, &st) != want;
    atomic_fetch_add(&calls, 16);
    return bad;
}

static void *t5_getters(void *arg) {
    (void)arg;
    meshrtc_channel live[] = {xa, xb, ya, yb, vb};
    meshrtc_peer peers[] = {pa.peer, pb.peer};
    while (!atomic_load(&stop) && !timed_out()) {
        for (size_t i = 0; i < sizeof live / sizeof live[0]; i++) {
            TCHECK(hammer_channel(live[i], MESHRTC_OK) == 0, "getter on a live channel failed");
        }
        int destroyed = atomic_load(&victim_destroyed);
        int bad = hammer_channel(va, destroyed ? MESHRTC_ERR_DOES_NOT_EXIST : MESHRTC_OK);
        /* A call racing with the destroy may see either result. */
        if (!destroyed && bad) bad = atomic_load(&victim_destroyed) ? 0 : bad;
        TCHECK(bad == 0, "victim getters: %d unexpected codes (destroyed=%d)", bad, destroyed);
        for (size_t i = 0; i < 2; i++) {
            int32_t s;
            meshrtc_peer_event ev;
            TCHECK(meshrtc_peer_get_connection_state(peers[i], &s) == MESHRTC_OK && s == MESHRTC_STATE_CONNECTED,
                   "peer state %d", s);
            TCHECK(meshrtc_peer_get_gathering_state(peers[i], &s) == MESHRTC_OK, "gathering state");
            TCHECK(meshrtc_peer_get_signaling_state(peers[i], &s) == MESHRTC_OK, "signaling state");
            TCHECK(meshrtc_peer_poll(peers[i]) == MESHRTC_OK, "peer poll");
            meshrtc_peer_stats ps;
            TCHECK(meshrtc_peer_get_stats(peers[i], &ps) == MESHRTC_OK && ps.packets_sent > 0, "peer stats");
            int32_t rc = meshrtc_peer_next_event(peers[i], &ev);
            TCHECK(rc == MESHRTC_OK || rc == MESHRTC_ERR_UNAVAILABLE, "next_event %d", rc);
            if (rc == MESHRTC_OK) {
                /* Only state events are expected once connected; never read strings. */
                TCHECK(ev.type != MESHRTC_EVENT_DATA_CHANNEL_RECEIVED, "unexpected channel event");
            }
            atomic_fetch_add(&calls, 6);
        }
    }
    return NULL;
}

/* Thread-local last_error: this thread's message is its own. */
static void *t6_errors(void *arg) {
    (void)arg;
    static const uint8_t msg[8] = {'v', 'i', 'c', 't', 'i', 'm', '!', '!'};
    int i = 0;
    while (!atomic_load(&stop) && !timed_out()) {
        int32_t mode = 1000 + i % 100000;
        TCHECK(meshrtc_channel_set_write_mode(xa, mode) == MESHRTC_ERR_INVALID_PARAMETER, "bad write mode accepted");
        char want[64], got[256];
        int32_t len = 0;
        snprintf(want, sizeof want, "write mode %d ", mode);
        TCHECK(meshrtc_last_error(0, got, (int32_t)sizeof got, &len) == MESHRTC_OK, "last_error(0)");
        TCHECK(strstr(got, want) != NULL, "thread message \"%s\", want \"%s\"", got, want);
        /* The object's message changes under other threads: any message
         * that fits, or a size report, is fine. */
        int32_t rc = meshrtc_last_error(xa, got, (int32_t)sizeof got, &len);
        TCHECK(rc == MESHRTC_OK || rc == MESHRTC_ERR_PARAMETER_RANGE_ERROR, "last_error(xa) %d", rc);
        int destroyed = atomic_load(&victim_destroyed);
        rc = meshrtc_channel_put_packet(va, msg, 8);
        if (destroyed) {
            TCHECK(rc == MESHRTC_ERR_DOES_NOT_EXIST, "put_packet on the destroyed victim: %d", rc);
        } else {
            TCHECK(rc == MESHRTC_OK || rc == MESHRTC_FAILED || rc == MESHRTC_ERR_DOES_NOT_EXIST,
                   "put_packet on the victim: %d", rc);
        }
        rc = meshrtc_last_error(va, got, (int32_t)sizeof got, &len);
        if (destroyed) TCHECK(rc == MESHRTC_ERR_DOES_NOT_EXIST, "last_error(destroyed) %d", rc);
        atomic_fetch_add(&calls, 5);
        i++;
        if (i % 64 == 0) tk_sleep_ms(1); /* leave the network some CPU under ASan */
    }
    return NULL;
}

static void *t7_destroyer(void *arg) {
    (void)arg;
    while (atomic_load(&x_sent) < N_PACKETS / 2 && !timed_out()) {
        TCHECK(meshrtc_channel_close(va) == MESHRTC_OK, "victim close");
        tk_sleep_ms(0);
    }
    TCHECK(meshrtc_channel_close(va) == MESHRTC_OK, "victim close");
    TCHECK(meshrtc_channel_destroy(va) == MESHRTC_OK, "victim destroy");
    atomic_store(&victim_destroyed, 1);
    TCHECK(meshrtc_channel_destroy(va) == MESHRTC_ERR_DOES_NOT_EXIST, "second destroy");
    while (!atomic_load(&stop) && !timed_out()) {
        TCHECK(meshrtc_channel_close(va) == MESHRTC_ERR_DOES_NOT_EXIST, "close after destroy");
        TCHECK(hammer_channel(va, MESHRTC_ERR_DOES_NOT_EXIST) == 0, "calls after destroy");
        tk_sleep_ms(0);
    }
    return NULL;
}

static void phase_shared_objects(void) {
    pair_create(&pa, &pb);
    TK_MUST(meshrtc_peer_create_data_channel(pa.peer, "x", "{\"negotiated\":true,\"id\":1}", &xa), pa.peer);
    TK_MUST(meshrtc_peer_create_data_channel(pb.peer, "x", "{\"negotiated\":true,\"id\":1}", &xb), pb.peer);
    TK_MUST(meshrtc_peer_create_data_channel(pa.peer, "y", "{\"negotiated\":true,\"id\":2}", &ya), pa.peer);
    TK_MUST(meshrtc_peer_create_data_channel(pb.peer, "y", "{\"negotiated\":true,\"id\":2}", &yb), pb.peer);
    TK_MUST(meshrtc_peer_create_data_channel(pa.peer, "v", "{\"negotiated\":true,\"id\":3}", &va), pa.peer);
    TK_MUST(meshrtc_peer_create_data_channel(pb.peer, "v", "{\"negotiated\":true,\"id\":3}", &vb), pb.peer);
    TK_MUST(meshrtc_peer_create_offer(pa.peer), pa.peer);
    meshrtc_channel all[] = {xa, xb, ya, yb, va, vb};
    pair_wait_open(&pa, &pb, all, 6);
    int32_t s = -1;
    double until = tk_now_s() + 20;
    while ((meshrtc_peer_get_connection_state(pa.peer, &s), s) != MESHRTC_STATE_CONNECTED && tk_now_s() < until) {
        pair_pump(&pa, &pb);
        tk_sleep_ms(1);
    }
    while ((meshrtc_peer_get_connection_state(pb.peer, &s), s) != MESHRTC_STATE_CONNECTED && tk_now_s() < until) {
        pair_pump(&pa, &pb);
        tk_sleep_ms(1);
    }
    pair_pump(&pa, &pb);

    deadline = tk_now_s() + HANG_GUARD_S;
    void *(*fns[8])(void *) = {t0_send_x, t1_send_y, t23_consume_x, t23_consume_x,
                               t4_consume_y, t5_getters, t6_errors, t7_destroyer};
    pthread_t th[8];
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, fns[i], NULL);
    for (int i = 0; i < 5; i++) pthread_join(th[i], NULL); /* senders and receivers */
    atomic_store(&stop, 1);
    for (int i = 5; i < 8; i++) pthread_join(th[i], NULL);

    TCHECK(!timed_out(), "phase 1 hit the %.0f s hang guard", HANG_GUARD_S);
    TCHECK(atomic_load(&x_received) == N_PACKETS, "X: %d of %d packets", atomic_load(&x_received), N_PACKETS);
    long long want_bytes = 0;
    for (int seq = 0; seq < N_PACKETS; seq++) want_bytes += x_len(seq);
    TCHECK(atomic_load(&x_bytes) == want_bytes, "X: %lld bytes, want %lld", atomic_load(&x_bytes), want_bytes);
    TCHECK(atomic_load(&y_received) == N_PACKETS, "Y: %d of %d packets", atomic_load(&y_received), N_PACKETS);
    TCHECK(atomic_load(&victim_destroyed) == 1, "victim not destroyed");
    int32_t count = -1;
    TCHECK(meshrtc_channel_get_available_packet_count(xb, &count) == MESHRTC_OK && count == 0,
           "X: %d packets left over (duplicated?)", count);
    /* The victim's remote end sees the close. */
    double until2 = tk_now_s() + 20;
    while (pair_channel_state(vb) != MESHRTC_CHANNEL_STATE_CLOSED && tk_now_s() < until2) {
        pair_pump(&pa, &pb);
        tk_sleep_ms(1);
    }
    TCHECK(pair_channel_state(vb) == MESHRTC_CHANNEL_STATE_CLOSED, "victim's remote end not CLOSED");
    printf("phase 1: %lld calls from 8 threads on shared objects\n", (long long)atomic_load(&calls));

    meshrtc_channel mine[] = {xa, xb, ya, yb, vb};
    for (int i = 0; i < 5; i++) TCHECK(meshrtc_channel_destroy(mine[i]) == MESHRTC_OK, "destroy");
    pair_destroy(&pa, &pb);
}

/* ------------------------------------------------ concurrent create/destroy */

#define CD_THREADS 8
#define CD_ITERS 25
#define SLOTS 16

static _Atomic meshrtc_peer slots[SLOTS];
static meshrtc_peer created[CD_THREADS][CD_ITERS];
static atomic_int destroyed_ok;

static void *create_destroy(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < CD_ITERS && !timed_out(); i++) {
        meshrtc_peer p = 0;
        meshrtc_channel ch = 0;
        int32_t rc = meshrtc_peer_create(&p);
        TCHECK(rc == MESHRTC_OK && p != 0, "create: %d", rc);
        if (rc != MESHRTC_OK) continue;
        created[t][i] = p;
        TCHECK(meshrtc_peer_initialize(p, LOOPBACK_CONFIG) == MESHRTC_OK, "initialize");
        TCHECK(meshrtc_peer_create_data_channel(p, "c", NULL, &ch) == MESHRTC_OK, "create_data_channel");
        TCHECK(meshrtc_peer_create_offer(p) == MESHRTC_OK, "create_offer"); /* queues an event; nothing gathers */
        meshrtc_peer_event ev;
        int events = 0;
        while (meshrtc_peer_next_event(p, &ev) == MESHRTC_OK) {
            events++;
            if (ev.type == MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED) {
                TCHECK(strncmp(ev.sdp, "v=0", 3) == 0, "offer text");
            }
        }
        TCHECK(events >= 1, "no offer event");
        int32_t s;
        TCHECK(meshrtc_peer_get_connection_state(p, &s) == MESHRTC_OK && s == MESHRTC_STATE_NEW, "state %d", s);
        /* Thread-local error isolation while other threads fail too. */
        TCHECK(meshrtc_peer_add_ice_candidate(p, "0", -100 - t, "") == MESHRTC_ERR_INVALID_PARAMETER, "bad index");
        char want[32];
        snprintf(want, sizeof want, "index %d ", -100 - t);
        TCHECK(strstr(check_last_error(0), want) != NULL, "thread %d message: %s", t, check_last_error(0));
        TCHECK(meshrtc_channel_destroy(ch) == MESHRTC_OK, "destroy channel");
        /* Park p in a slot; destroy whatever peer (maybe another thread's) was there. */
        meshrtc_peer old = atomic_exchange(&slots[(t * 7 + i) % SLOTS], p);
        if (old != 0) {
            rc = meshrtc_peer_destroy(old);
            TCHECK(rc == MESHRTC_OK, "destroy a parked peer: %d", rc);
            if (rc == MESHRTC_OK) atomic_fetch_add(&destroyed_ok, 1);
        }
    }
    return NULL;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void phase_create_destroy(void) {
    pthread_t th[CD_THREADS];
    deadline = tk_now_s() + HANG_GUARD_S;
    for (int t = 0; t < CD_THREADS; t++) pthread_create(&th[t], NULL, create_destroy, (void *)(intptr_t)t);
    for (int t = 0; t < CD_THREADS; t++) pthread_join(th[t], NULL);
    for (int i = 0; i < SLOTS; i++) {
        meshrtc_peer p = atomic_exchange(&slots[i], 0);
        if (p != 0) {
            TCHECK(meshrtc_peer_destroy(p) == MESHRTC_OK, "destroy the last parked peers");
            atomic_fetch_add(&destroyed_ok, 1);
        }
    }
    TCHECK(atomic_load(&destroyed_ok) == CD_THREADS * CD_ITERS, "%d destroys for %d peers",
           atomic_load(&destroyed_ok), CD_THREADS * CD_ITERS);
    int64_t *all = (int64_t *)created;
    qsort(all, CD_THREADS * CD_ITERS, sizeof *all, cmp64);
    int dup = 0;
    for (int i = 1; i < CD_THREADS * CD_ITERS; i++) dup += all[i] == all[i - 1];
    TCHECK(dup == 0, "%d duplicate handles", dup);
    for (int i = 0; i < CD_THREADS * CD_ITERS; i++) {
        TCHECK(meshrtc_peer_poll(all[i]) == MESHRTC_ERR_DOES_NOT_EXIST, "handle alive after destroy");
    }
    printf("phase 2: %d peers created and destroyed by %d threads\n", CD_THREADS * CD_ITERS, CD_THREADS);
}

/* ------------------------------------------------------ racing double destroy */

#define RACE_ROUNDS 2500
static atomic_int race_round = -1; /* the round both racers may start */
static atomic_int race_done;
static _Atomic int64_t race_handle;
static atomic_int race_kind; /* 'p' or 'c' */
static int32_t race_rc[2];

/* Both racers spin on race_round so they call destroy as close together as
 * the machine allows (a barrier's wake-ups are too far apart). */
static void *racer(void *arg) {
    int me = (int)(intptr_t)arg;
    for (int r = 0; r < 2 * RACE_ROUNDS; r++) {
        while (atomic_load(&race_round) != r) {
        }
        int64_t h = atomic_load(&race_handle);
        race_rc[me] = atomic_load(&race_kind) == 'p' ? meshrtc_peer_destroy(h) : meshrtc_channel_destroy(h);
        atomic_fetch_add(&race_done, 1);
    }
    return NULL;
}

static void phase_double_destroy(void) {
    pthread_t th[2];
    int both_ok[2] = {0, 0}, rounds[2] = {0, 0};
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, racer, (void *)(intptr_t)i);
    meshrtc_peer owner;
    TK_MUST(meshrtc_peer_create(&owner), 0);
    TK_MUST(meshrtc_peer_initialize(owner, LOOPBACK_CONFIG), owner);
    for (int r = 0; r < 2 * RACE_ROUNDS; r++) {
        int k = r < RACE_ROUNDS ? 0 : 1;
        meshrtc_peer h;
        if (k == 0) {
            TK_MUST(meshrtc_peer_create(&h), 0);
        } else {
            TK_MUST(meshrtc_peer_create_data_channel(owner, "race", NULL, &h), owner);
        }
        atomic_store(&race_handle, h);
        atomic_store(&race_kind, k == 0 ? 'p' : 'c');
        atomic_store(&race_done, 0);
        atomic_store(&race_round, r);
        while (atomic_load(&race_done) != 2) {
            tk_sleep_ms(0); /* leave both CPUs of a small machine to the racers */
        }
        int ok = (race_rc[0] == MESHRTC_OK) + (race_rc[1] == MESHRTC_OK);
        int dne = (race_rc[0] == MESHRTC_ERR_DOES_NOT_EXIST) + (race_rc[1] == MESHRTC_ERR_DOES_NOT_EXIST);
        TCHECK(ok + dne == 2 && ok >= 1, "destroy results %d and %d", race_rc[0], race_rc[1]);
        both_ok[k] += ok == 2;
        rounds[k]++;
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    TK_MUST(meshrtc_peer_destroy(owner), owner);
    printf("phase 3: racing double destroys, both succeeded: peers %d/%d, channels %d/%d\n", both_ok[0], rounds[0],
           both_ok[1], rounds[1]);
    /* The header: a destroyed handle gives ERR_DOES_NOT_EXIST, so of two
     * racing destroys exactly one succeeds. */
    TCHECK(both_ok[0] + both_ok[1] == 0, "racing destroys of one handle both returned OK (%d times)",
           both_ok[0] + both_ok[1]);
}

/* ------------------------------------------------ last errors of exited threads */

/* Each host thread's last error is freed when the thread exits:
 * LeakSanitizer reports any of these 32 messages that leak. */
static void *fail_once_and_exit(void *arg) {
    meshrtc_channel ch;
    int32_t rc = meshrtc_peer_create_data_channel(*(meshrtc_peer *)arg, "\xff", NULL, &ch);
    TCHECK(rc == MESHRTC_ERR_INVALID_PARAMETER, "invalid label accepted: %d", rc);
    return NULL;
}

static void phase_thread_exit(void) {
    meshrtc_peer p;
    TK_MUST(meshrtc_peer_create(&p), 0);
    TK_MUST(meshrtc_peer_initialize(p, LOOPBACK_CONFIG), p);
    for (int i = 0; i < 32; i++) {
        pthread_t th;
        pthread_create(&th, NULL, fail_once_and_exit, &p);
        pthread_join(th, NULL);
    }
    TK_MUST(meshrtc_peer_destroy(p), p);
    printf("phase 4: 32 threads failed a call and exited\n");
}

/* TCHECK's failures (on any thread) count as failed checks. */
static void check_thread_failures(void) {
    CHECK(atomic_load(&failures) == 0, "%d TCHECK failures above", atomic_load(&failures));
}

int main(void) {
    static void (*const steps[])(void) = {phase_shared_objects, phase_create_destroy, phase_double_destroy,
                                           phase_thread_exit,    check_no_leaks,       check_thread_failures};
    return check_main("test_threads", steps, sizeof steps / sizeof steps[0]);
}
