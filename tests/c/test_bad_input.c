/* test_bad_input: the bad-input matrix of the C ABI.
 *
 * Every exported function gets bad input: NULL for each pointer argument,
 * handle 0, a handle of the other kind, a value that is no handle at all
 * (-1), a destroyed handle, an unknown handle of the right kind, calls in a
 * wrong state, malformed SDP/candidates/JSON, bad option values, invalid
 * UTF-8, bad lengths, small buffers. Each case asserts the exact error code
 * the header documents (or, where it documents none, the GLOBAL RULES:
 * 0/wrong kind -> ERR_INVALID_PARAMETER, destroyed/unknown ->
 * ERR_DOES_NOT_EXIST) and that meshrtc_last_error on 0 (the calling thread)
 * and on the object (when the handle is valid) gives a new, non-empty
 * message containing an expected substring. Before each case a sentinel
 * failure is recorded on the thread and on the object, so a stale message
 * cannot pass. Failed calls must not write their out-parameters.
 */
#include "pair.h"

#include <limits.h>
#include <stdarg.h>

static int n_cases, n_failed, n_accepted;

static void failf(const char *name, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void failf(const char *name, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL [%s] (line %d): ", name, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The message of meshrtc_last_error(h) into buf (truncated to cap); returns
 * the call's code. Long messages are read with a buffer of their size. */
static int32_t read_error(int64_t h, char *buf, int32_t cap) {
    int32_t len = -1;
    buf[0] = '\0';
    int32_t rc = meshrtc_last_error(h, NULL, 0, &len);
    if (rc != MESHRTC_ERR_PARAMETER_RANGE_ERROR || len < 0) return rc;
    char *full = malloc((size_t)len + 1);
    rc = meshrtc_last_error(h, full, len + 1, &len);
    if (rc == MESHRTC_OK) snprintf(buf, (size_t)cap, "%s", full);
    free(full);
    return rc;
}

/* Kind of a live handle: 'p' peer, 'c' channel, 'm' mesh, 0 none (not live). */
static int kind_of(int64_t h) {
    int32_t s;
    if (meshrtc_channel_get_ready_state(h, &s) == MESHRTC_OK) return 'c';
    if (meshrtc_peer_get_signaling_state(h, &s) == MESHRTC_OK) return 'p';
    if (meshrtc_mesh_get_connection_status(h, &s) == MESHRTC_OK) return 'm';
    return 0;
}

static char thread_sentinel[1024], object_sentinel[1024];

/* Records a known failure on obj (when live) and on the calling thread. */
static void arm(int64_t obj) {
    if (obj != 0) {
        int k = kind_of(obj);
        if (k == 'p') meshrtc_peer_add_ice_candidate(obj, "0", -12345, "");
        if (k == 'c') meshrtc_channel_set_write_mode(obj, 12345);
        if (k == 'm') meshrtc_mesh_set_transfer_mode(obj, 12345);
        read_error(obj, object_sentinel, (int32_t)sizeof object_sentinel);
    }
    meshrtc_log_set_level(12345);
    read_error(0, thread_sentinel, (int32_t)sizeof thread_sentinel);
}

enum { MSG = 0, CODE_ONLY = 1, ACCEPT = 2 };

static void check_message(const char *name, int line, int64_t h, const char *sentinel, const char *substr) {
    char msg[4096];
    int32_t rc = read_error(h, msg, (int32_t)sizeof msg);
    if (rc != MESHRTC_OK) {
        failf(name, line, "meshrtc_last_error(%s) returned %d", h == 0 ? "0" : "handle", rc);
        n_failed++;
    } else if (msg[0] == '\0') {
        failf(name, line, "meshrtc_last_error(%s) is empty", h == 0 ? "0" : "handle");
        n_failed++;
    } else if (strcmp(msg, sentinel) == 0) {
        failf(name, line, "meshrtc_last_error(%s) still has the previous message: %s", h == 0 ? "0" : "handle", msg);
        n_failed++;
    } else if (strstr(msg, substr) == NULL) {
        failf(name, line, "meshrtc_last_error(%s) = \"%s\", want it to contain \"%s\"", h == 0 ? "0" : "handle", msg,
              substr);
        n_failed++;
    }
}

static void verify_body(int32_t rc, int32_t want, int64_t obj, const char *name, int line, const char *substr,
                        int mode) {
    if (rc != want) {
        char msg[1024];
        read_error(0, msg, (int32_t)sizeof msg);
        failf(name, line, "returned %d, want %d (last error: %s)", rc, want, msg);
        n_failed++;
        return;
    }
    if (mode == MSG) {
        check_message(name, line, 0, thread_sentinel, substr);
        if (obj != 0) check_message(name, line, obj, object_sentinel, substr);
    }
}

static void verify(const char *name, int line, int32_t rc, int32_t want, int64_t obj, const char *substr, int mode) {
    if (mode == ACCEPT) {
        n_accepted++;
    } else {
        n_cases++;
    }
    verify_body(rc, want, obj, name, line, substr, mode);
}

/* CASE(name, expected code, object whose last error to check (0: thread
 * only), expected message substring, call). */
#define CASE(name, want, obj, substr, call)                         \
    do {                                                            \
        arm(obj);                                                   \
        int32_t case_rc_ = (call);                                  \
        verify((name), __LINE__, case_rc_, (want), (obj), (substr), MSG); \
    } while (0)

/* A case checked by its code only (meshrtc_last_error's own failures:
 * reading the last error does not record a new one). */
#define CASE_CODE(name, want, call)                                          \
    do {                                                                     \
        arm(0);                                                              \
        int32_t case_rc_ = (call);                                           \
        verify((name), __LINE__, case_rc_, (want), 0, "", CODE_ONLY);        \
    } while (0)

/* Documented allowances (NULL config, buf NULL with cap 0, ...): must succeed. */
#define ACCEPTED(name, call)                                                 \
    do {                                                                     \
        int32_t case_rc_ = (call);                                           \
        verify((name), __LINE__, case_rc_, MESHRTC_OK, 0, "", ACCEPT);       \
    } while (0)

/* Plain assertion inside a case group. */
#define EXPECT(name, cond, ...)                                                          \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            failf((name), __LINE__, __VA_ARGS__);                                        \
            n_failed++;                                                                  \
        }                                                                                \
    } while (0)

#define FATAL_OK(call) TK_MUST(call, 0)

/* Text arguments a function must refuse with ERR_INVALID_PARAMETER: the
 * case's name, the text, and what the message must contain. */
typedef struct text_case {
    const char *name, *text, *substr;
} text_case;

/* call(obj, text) for each case, named "fn: name"; obj's last error is
 * checked too. */
static void text_cases(const char *fn, int32_t (*call)(int64_t, const char *), int64_t obj, const text_case *cases,
                       size_t n) {
    for (size_t i = 0; i < n; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s: %s", fn, cases[i].name);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, obj, cases[i].substr, call(obj, cases[i].text));
    }
}

/* Values call(obj, value) must refuse with ERR_INVALID_PARAMETER, each named
 * "fn: value", with a message that names "what value". */
static void int_cases(const char *fn, const char *what, int32_t (*call)(int64_t, int32_t), int64_t obj,
                      const int32_t *values, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char name[160], substr[64];
        snprintf(name, sizeof name, "%s: %d", fn, values[i]);
        snprintf(substr, sizeof substr, "%s %d", what, values[i]);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, obj, substr, call(obj, values[i]));
    }
}

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ---------------------------------------------------------------- fixtures */

static meshrtc_peer p_new;        /* NEW, loopback, has c_connecting */
static meshrtc_channel c_connecting;
static meshrtc_peer p_bare;       /* NEW, loopback, no channel */
static meshrtc_peer p_kept;       /* failed initializes must keep its connection */
static meshrtc_channel c_kept;
static meshrtc_peer p_closed;     /* had a channel, then peer_close */
static meshrtc_channel c_of_closed;
static meshrtc_peer p_dead;       /* destroyed */
static meshrtc_channel c_dead;    /* destroyed */
static meshrtc_channel c_orphan;  /* its peer was destroyed */
static pair_side pa, pb;          /* connected pair */
static meshrtc_channel c_open, c_open_b, c_closed, c_closed_b;
static char *offer_sdp;           /* a valid offer, never applied */
static meshrtc_mesh m_live;       /* unconfigured (DISCONNECTED) */
static meshrtc_mesh m_dead;       /* destroyed */

static const char *LABEL = "bad-input-label";
static const char *PROTOCOL = "proto-x";

static void make_fixtures(void) {
    FATAL_OK(meshrtc_peer_create(&p_new));
    FATAL_OK(meshrtc_peer_initialize(p_new, LOOPBACK_CONFIG));
    char opts[128];
    snprintf(opts, sizeof opts, "{\"protocol\":\"%s\"}", PROTOCOL);
    FATAL_OK(meshrtc_peer_create_data_channel(p_new, LABEL, opts, &c_connecting));

    FATAL_OK(meshrtc_peer_create(&p_bare));
    FATAL_OK(meshrtc_peer_initialize(p_bare, LOOPBACK_CONFIG));

    FATAL_OK(meshrtc_peer_create(&p_kept));
    FATAL_OK(meshrtc_peer_initialize(p_kept, LOOPBACK_CONFIG));
    FATAL_OK(meshrtc_peer_create_data_channel(p_kept, "kept", NULL, &c_kept));

    FATAL_OK(meshrtc_peer_create(&p_closed));
    FATAL_OK(meshrtc_peer_initialize(p_closed, LOOPBACK_CONFIG));
    FATAL_OK(meshrtc_peer_create_data_channel(p_closed, "closed", NULL, &c_of_closed));
    FATAL_OK(meshrtc_peer_close(p_closed));

    meshrtc_peer tmp;
    FATAL_OK(meshrtc_peer_create(&p_dead));
    FATAL_OK(meshrtc_peer_initialize(p_dead, LOOPBACK_CONFIG));
    FATAL_OK(meshrtc_peer_create_data_channel(p_dead, "orphan", NULL, &c_orphan));
    FATAL_OK(meshrtc_peer_create_data_channel(p_dead, "dead", NULL, &c_dead));
    FATAL_OK(meshrtc_channel_destroy(c_dead));
    FATAL_OK(meshrtc_peer_destroy(p_dead));

    /* A valid offer SDP from a peer that never applies it (so never gathers). */
    FATAL_OK(meshrtc_peer_create(&tmp));
    FATAL_OK(meshrtc_peer_initialize(tmp, LOOPBACK_CONFIG));
    meshrtc_channel ch;
    FATAL_OK(meshrtc_peer_create_data_channel(tmp, "sdp", NULL, &ch));
    FATAL_OK(meshrtc_peer_create_offer(tmp));
    meshrtc_peer_event ev;
    while (meshrtc_peer_next_event(tmp, &ev) == MESHRTC_OK) {
        if (ev.type == MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED) offer_sdp = strdup(ev.sdp);
    }
    if (offer_sdp == NULL) {
        fprintf(stderr, "FATAL: no offer event\n");
        exit(1);
    }
    FATAL_OK(meshrtc_channel_destroy(ch));
    FATAL_OK(meshrtc_peer_destroy(tmp));

    FATAL_OK(meshrtc_mesh_create(&m_live));
    FATAL_OK(meshrtc_mesh_create(&m_dead));
    FATAL_OK(meshrtc_mesh_destroy(m_dead));

    /* A connected pair with an open and a closed channel. */
    pair_create(&pa, &pb);
    FATAL_OK(meshrtc_peer_create_data_channel(pa.peer, "open", "{\"negotiated\":true,\"id\":1}", &c_open));
    FATAL_OK(meshrtc_peer_create_data_channel(pb.peer, "open", "{\"negotiated\":true,\"id\":1}", &c_open_b));
    FATAL_OK(meshrtc_peer_create_data_channel(pa.peer, "closed", "{\"negotiated\":true,\"id\":2}", &c_closed));
    FATAL_OK(meshrtc_peer_create_data_channel(pb.peer, "closed", "{\"negotiated\":true,\"id\":2}", &c_closed_b));
    FATAL_OK(meshrtc_peer_create_offer(pa.peer));
    meshrtc_channel all[] = {c_open, c_open_b, c_closed, c_closed_b};
    pair_wait_open(&pa, &pb, all, 4);
    FATAL_OK(meshrtc_channel_close(c_closed));
    double deadline = tk_now_s() + 20;
    while (pair_channel_state(c_closed) != MESHRTC_CHANNEL_STATE_CLOSED && tk_now_s() < deadline) {
        pair_pump(&pa, &pb);
        tk_sleep_ms(1);
    }
}

/* ------------------------------------------------------ handle variations */

static int32_t o32 = 0x7777;
static int64_t o64 = 0x7777;
static const uint8_t *optr = (const uint8_t *)"sentinel";
static meshrtc_channel och = 0x7777;
static meshrtc_peer_event oev;
static meshrtc_peer_stats opstats = {0x7777, 0x7777, 0x7777, 0x7777, 0x7777, 0x7777, 0x7777};
static meshrtc_channel_stats ocstats = {0x7777, 0x7777, 0x7777, 0x7777};
static char obuf[64] = "sentinel";
static const uint8_t payload[4] = {1, 2, 3, 4};
static const int32_t payload_sizes[2] = {1, 3};
static uint8_t obytes[8] = {0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77};
static meshrtc_packet_info oinfo = {0x7777, 0x7777, 0x7777, 0x7777, 0x7777, 0x7777};
static meshrtc_peer opeer = 0x7777;
static meshrtc_channel ochs[4] = {0x7777, 0x7777, 0x7777, 0x7777};
static int32_t oids[4] = {0x7777, 0x7777, 0x7777, 0x7777};
static int32_t o32b = 0x7777;

/* A valid host candidate on loopback. */
#define GOOD_CANDIDATE "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"

typedef int32_t (*hthunk)(int64_t h);

#define T0(fn) \
    static int32_t t_##fn(int64_t h) { return meshrtc_##fn(h); }
#define T(fn, ...) \
    static int32_t t_##fn(int64_t h) { return meshrtc_##fn(h, __VA_ARGS__); }

T0(peer_destroy)
T(peer_initialize, LOOPBACK_CONFIG)
T(peer_create_data_channel, "x", NULL, &och)
T0(peer_create_offer)
T(peer_set_local_description, "offer", offer_sdp)
T(peer_set_remote_description, "offer", offer_sdp)
T(peer_add_ice_candidate, "0", 0, GOOD_CANDIDATE)
T0(peer_poll)
T(peer_next_event, &oev)
T0(peer_close)
T(peer_get_connection_state, &o32)
T(peer_get_gathering_state, &o32)
T(peer_get_signaling_state, &o32)
T(peer_get_stats, &opstats)
T0(channel_destroy)
T0(channel_poll)
T0(channel_close)
T(channel_put_packet, payload, 4)
T(channel_get_packet, &optr, &o32)
T(channel_put_packets, payload, payload_sizes, 2, &o32)
T(channel_get_packets, obytes, 8, &oinfo, 1, &o32)
T(channel_get_available_packet_count, &o32)
T(channel_get_max_packet_size, &o32)
T(channel_set_write_mode, MESHRTC_WRITE_MODE_TEXT)
T(channel_get_write_mode, &o32)
T(channel_was_string_packet, &o32)
T(channel_get_ready_state, &o32)
T(channel_get_label, obuf, (int32_t)sizeof obuf, &o32)
T(channel_get_protocol, obuf, (int32_t)sizeof obuf, &o32)
T(channel_is_ordered, &o32)
T(channel_get_id, &o32)
T(channel_get_max_packet_life_time, &o32)
T(channel_get_max_retransmits, &o32)
T(channel_is_negotiated, &o32)
T(channel_get_buffered_amount, &o64)
T(channel_get_dropped_count, &o64)
T(channel_get_stats, &ocstats)
T0(mesh_destroy)
T(mesh_set_options, NULL)
T(mesh_create_server, NULL, 0)
T(mesh_create_client, 2, NULL, 0)
T(mesh_create_mesh, 1, NULL, 0)
T(mesh_initialize, 1, 0)
T(mesh_add_peer, p_bare, 2, 1)
T(mesh_remove_peer, 2)
T(mesh_disconnect_peer, 2, 0)
T(mesh_has_peer, 2, &o32)
T(mesh_get_peer, 2, &opeer, ochs, 4, &o32, &o32b)
T(mesh_get_peers, oids, 4, &o32)
T(mesh_set_target_peer, 0)
T(mesh_get_target_peer, &o32)
T(mesh_set_transfer_mode, MESHRTC_TRANSFER_MODE_RELIABLE)
T(mesh_get_transfer_mode, &o32)
T(mesh_set_transfer_channel, 0)
T(mesh_get_transfer_channel, &o32)
T(mesh_put_packet, payload, 4)
T(mesh_get_packet, &optr, &o32)
T(mesh_put_packets, payload, payload_sizes, 2, &o32)
T(mesh_get_packets, obytes, 8, &oinfo, 1, &o32)
T(mesh_get_available_packet_count, &o32)
T(mesh_get_packet_peer, &o32)
T(mesh_get_packet_channel, &o32)
T(mesh_get_packet_mode, &o32)
T0(mesh_poll)
T0(mesh_close)
T(mesh_next_event, &o32, &o32b)
T(mesh_get_unique_id, &o32)
T(mesh_get_connection_status, &o32)
T(mesh_is_server_relay_supported, &o32)
T(mesh_set_refuse_new_connections, 1)
T(mesh_is_refusing_new_connections, &o32)
T(mesh_get_max_packet_size, &o32)

typedef struct handle_fn {
    const char *name;
    int kind; /* 'p', 'c' or 'm' */
    hthunk fn;
} handle_fn;

#define P(fn) {"meshrtc_" #fn, 'p', t_##fn}
#define C(fn) {"meshrtc_" #fn, 'c', t_##fn}
#define M(fn) {"meshrtc_" #fn, 'm', t_##fn}

static const handle_fn HANDLE_FNS[] = {
    P(peer_destroy), P(peer_initialize), P(peer_create_data_channel), P(peer_create_offer),
    P(peer_set_local_description), P(peer_set_remote_description), P(peer_add_ice_candidate), P(peer_poll),
    P(peer_next_event), P(peer_close), P(peer_get_connection_state), P(peer_get_gathering_state),
    P(peer_get_signaling_state), P(peer_get_stats), C(channel_destroy), C(channel_poll), C(channel_close),
    C(channel_put_packet), C(channel_get_packet), C(channel_put_packets), C(channel_get_packets),
    C(channel_get_available_packet_count), C(channel_get_max_packet_size), C(channel_set_write_mode),
    C(channel_get_write_mode), C(channel_was_string_packet), C(channel_get_ready_state), C(channel_get_label),
    C(channel_get_protocol), C(channel_is_ordered), C(channel_get_id), C(channel_get_max_packet_life_time),
    C(channel_get_max_retransmits), C(channel_is_negotiated), C(channel_get_buffered_amount),
    C(channel_get_dropped_count), C(channel_get_stats), M(mesh_destroy), M(mesh_set_options), M(mesh_create_server),
    M(mesh_create_client), M(mesh_create_mesh), M(mesh_initialize), M(mesh_add_peer), M(mesh_remove_peer),
    M(mesh_disconnect_peer), M(mesh_has_peer), M(mesh_get_peer), M(mesh_get_peers), M(mesh_set_target_peer),
    M(mesh_get_target_peer), M(mesh_set_transfer_mode), M(mesh_get_transfer_mode), M(mesh_set_transfer_channel),
    M(mesh_get_transfer_channel), M(mesh_put_packet), M(mesh_get_packet), M(mesh_put_packets), M(mesh_get_packets),
    M(mesh_get_available_packet_count), M(mesh_get_packet_peer), M(mesh_get_packet_channel),
    M(mesh_get_packet_mode), M(mesh_poll), M(mesh_close), M(mesh_next_event), M(mesh_get_unique_id),
    M(mesh_get_connection_status), M(mesh_is_server_relay_supported), M(mesh_set_refuse_new_connections),
    M(mesh_is_refusing_new_connections), M(mesh_get_max_packet_size),
};

static void test_handles(void) {
    for (size_t i = 0; i < sizeof HANDLE_FNS / sizeof HANDLE_FNS[0]; i++) {
        const handle_fn *f = &HANDLE_FNS[i];
        /* Per kind: two live handles of other kinds, a destroyed and an unknown one. */
        int64_t wrong1, wrong2, dead, live;
        const char *not_kind;
        switch (f->kind) {
        case 'p':
            wrong1 = c_connecting, wrong2 = m_live, dead = p_dead, live = p_new, not_kind = "not a peer handle";
            break;
        case 'c':
            wrong1 = p_new, wrong2 = m_live, dead = c_dead, live = c_connecting, not_kind = "not a channel handle";
            break;
        default:
            wrong1 = p_new, wrong2 = c_connecting, dead = m_dead, live = m_live, not_kind = "not a mesh handle";
            break;
        }
        struct {
            const char *variant;
            int64_t h;
            int32_t want;
            const char *substr;
        } variants[] = {
            {"handle 0", 0, MESHRTC_ERR_INVALID_PARAMETER, "handle 0"},
            {"wrong kind", wrong1, MESHRTC_ERR_INVALID_PARAMETER, not_kind},
            {"wrong kind (2)", wrong2, MESHRTC_ERR_INVALID_PARAMETER, not_kind},
            {"not a handle (-1)", -1, MESHRTC_ERR_INVALID_PARAMETER, not_kind},
            {"destroyed", dead, MESHRTC_ERR_DOES_NOT_EXIST, "destroyed or never existed"},
            {"unknown", live + 1000000, MESHRTC_ERR_DOES_NOT_EXIST, "destroyed or never existed"},
        };
        for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
            char name[160];
            snprintf(name, sizeof name, "%s: %s", f->name, variants[v].variant);
            CASE(name, variants[v].want, 0, variants[v].substr, f->fn(variants[v].h));
            EXPECT(name, o32 == 0x7777 && o64 == 0x7777 && och == 0x7777 && strcmp(obuf, "sentinel") == 0 &&
                             strcmp((const char *)optr, "sentinel") == 0 && opstats.rtt_us == 0x7777 &&
                             opstats.local_candidate_type == 0x7777 && ocstats.messages_sent == 0x7777 &&
                             opeer == 0x7777 && ochs[0] == 0x7777 && oids[0] == 0x7777 && o32b == 0x7777 &&
                             oinfo.size == 0x7777 && oinfo.reserved == 0x7777 && obytes[0] == 0x77,
                   "an out-parameter was written by a failed call");
        }
    }
    /* Wrong-kind destroys must not have destroyed the objects. */
    int32_t s;
    EXPECT("wrong-kind destroy", meshrtc_channel_get_ready_state(c_connecting, &s) == MESHRTC_OK,
           "meshrtc_peer_destroy(channel) destroyed the channel");
    EXPECT("wrong-kind destroy", meshrtc_peer_get_connection_state(p_new, &s) == MESHRTC_OK,
           "meshrtc_channel_destroy(peer) or meshrtc_mesh_destroy(peer) destroyed the peer");
    EXPECT("wrong-kind destroy", meshrtc_mesh_get_connection_status(m_live, &s) == MESHRTC_OK,
           "a wrong-kind destroy destroyed the mesh");
    EXPECT("wrong-kind calls", s == MESHRTC_CONNECTION_DISCONNECTED, "a call with a bad handle configured the mesh");
}

/* ---------------------------------------------------------------- library */

/* meshrtc_set_gc: out-of-range values change nothing and write nothing. */
static void test_set_gc(void) {
    int32_t saved_pct = 0, pct = 0;
    int64_t saved_lim = 0, lim = -5;
    ACCEPTED("set_gc: read", meshrtc_set_gc(-1, -1, &saved_pct, &saved_lim));
    static const struct {
        const char *name, *substr;
        int32_t pct;
        int64_t lim;
    } bad[] = {
        {"set_gc: gc_percent 0", "gc_percent 0 ", 0, -1},
        {"set_gc: gc_percent 9", "gc_percent 9 ", 9, -1},
        {"set_gc: gc_percent 10001", "gc_percent 10001", 10001, -1},
        {"set_gc: gc_percent -2", "gc_percent -2", -2, -1},
        {"set_gc: gc_percent INT32_MIN", "gc_percent -2147483648", INT32_MIN, -1},
        {"set_gc: memory_limit 1", "memory_limit 1 ", -1, 1},
        {"set_gc: memory_limit 1 MiB - 1", "memory_limit 1048575", -1, 1048575},
        {"set_gc: memory_limit -2", "memory_limit -2", -1, -2},
        {"set_gc: memory_limit INT64_MIN", "memory_limit -9223372036854775808", 200, INT64_MIN},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CASE(bad[i].name, MESHRTC_ERR_INVALID_PARAMETER, 0, bad[i].substr,
             meshrtc_set_gc(bad[i].pct, bad[i].lim, &pct, &lim));
    }
    EXPECT("set_gc: failures write nothing", pct == 0 && lim == -5, "out values %d, %lld", pct, (long long)lim);
    ACCEPTED("set_gc: read again", meshrtc_set_gc(-1, -1, &pct, &lim));
    EXPECT("set_gc: failures change nothing", pct == saved_pct && lim == saved_lim, "%d, %lld became %d, %lld",
           saved_pct, (long long)saved_lim, pct, (long long)lim);
    ACCEPTED("set_gc: NULL outputs", meshrtc_set_gc(150, INT64_C(128) << 20, NULL, NULL));
    ACCEPTED("set_gc: read the new settings", meshrtc_set_gc(-1, -1, &pct, &lim));
    EXPECT("set_gc: settings", pct == 150 && lim == INT64_C(128) << 20, "got %d, %lld", pct, (long long)lim);
    ACCEPTED("set_gc: no limit", meshrtc_set_gc(-1, 0, &pct, &lim));
    EXPECT("set_gc: no limit", pct == 150 && lim == 0, "got %d, %lld", pct, (long long)lim);
    ACCEPTED("set_gc: restore", meshrtc_set_gc(saved_pct > 0 ? saved_pct : 100, saved_lim, NULL, NULL));
}

/* meshrtc_log_set_level in int_cases' shape (it has no handle). */
static int32_t set_log_level(int64_t unused, int32_t level) {
    (void)unused;
    return meshrtc_log_set_level(level);
}

/* meshrtc_last_error's own failures, checked by code only (reading the
 * last error does not record a new one). */
static void last_error_cases(void) {
    char buf[256];
    int32_t len = -1;
    const struct {
        const char *name;
        int32_t want;
        int64_t handle;
        char *buf;
        int32_t cap;
        int32_t *len;
    } cases[] = {
        {"out_len NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, buf, 256, NULL},
        {"cap -1", MESHRTC_ERR_INVALID_PARAMETER, 0, buf, -1, &len},
        {"buf NULL, cap 10", MESHRTC_ERR_INVALID_PARAMETER, 0, NULL, 10, &len},
        {"handle -1", MESHRTC_ERR_INVALID_PARAMETER, -1, buf, 256, &len},
        {"handle 12345 (no kind)", MESHRTC_ERR_INVALID_PARAMETER, 12345, buf, 256, &len},
        {"destroyed peer", MESHRTC_ERR_DOES_NOT_EXIST, p_dead, buf, 256, &len},
        {"destroyed channel", MESHRTC_ERR_DOES_NOT_EXIST, c_dead, buf, 256, &len},
        {"unknown peer", MESHRTC_ERR_DOES_NOT_EXIST, p_new + 1000000, buf, 256, &len},
        {"unknown channel", MESHRTC_ERR_DOES_NOT_EXIST, c_connecting + 1000000, buf, 256, &len},
        {"destroyed mesh", MESHRTC_ERR_DOES_NOT_EXIST, m_dead, buf, 256, &len},
        {"unknown mesh", MESHRTC_ERR_DOES_NOT_EXIST, m_live + 1000000, buf, 256, &len},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char name[160];
        snprintf(name, sizeof name, "last_error: %s", cases[i].name);
        CASE_CODE(name, cases[i].want, meshrtc_last_error(cases[i].handle, cases[i].buf, cases[i].cap, cases[i].len));
    }
}

static void test_library(void) {
    int32_t a, b, c;
    CASE("version: out_major NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "must not be NULL", meshrtc_version(NULL, &b, &c));
    CASE("version: out_minor NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "must not be NULL", meshrtc_version(&a, NULL, &c));
    CASE("version: out_patch NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "must not be NULL", meshrtc_version(&a, &b, NULL));

    static const int32_t bad_levels[] = {-1, 6, INT32_MIN, INT32_MAX};
    int_cases("log_set_level", "log level", set_log_level, 0, bad_levels, COUNT(bad_levels));

    test_set_gc();

    CASE("peer_create: out_peer NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "out_peer", meshrtc_peer_create(NULL));

    last_error_cases();

    char buf[256];
    int32_t len = -1;

    /* Buffer too small: out_len gets the full length, the message stays. */
    arm(c_connecting);
    int32_t full = (int32_t)strlen(object_sentinel);
    char small[4] = {'Z', 'Z', 'Z', 'Z'};
    len = -1;
    CASE_CODE("last_error: buffer too small", MESHRTC_ERR_PARAMETER_RANGE_ERROR,
              meshrtc_last_error(c_connecting, small, 4, &len));
    EXPECT("last_error: buffer too small", len == full, "out_len %d, want %d", len, full);
    EXPECT("last_error: buffer too small", memcmp(small, "ZZZZ", 4) == 0, "buffer written on failure");
    len = -1;
    CASE_CODE("last_error: cap == length (no room for NUL)", MESHRTC_ERR_PARAMETER_RANGE_ERROR,
              meshrtc_last_error(c_connecting, buf, full, &len));
    EXPECT("last_error: cap == length", len == full, "out_len %d, want %d", len, full);
    len = -1;
    CASE_CODE("last_error: size query (buf NULL, cap 0)", MESHRTC_ERR_PARAMETER_RANGE_ERROR,
              meshrtc_last_error(0, NULL, 0, &len));
    EXPECT("last_error: size query", len == (int32_t)strlen(thread_sentinel), "out_len %d, want %d", len,
           (int)strlen(thread_sentinel));
    read_error(c_connecting, buf, (int32_t)sizeof buf);
    EXPECT("last_error: not consumed", strcmp(buf, object_sentinel) == 0, "message changed to %s", buf);

    /* An object that never failed has "". */
    len = -1;
    ACCEPTED("last_error: never failed", meshrtc_last_error(c_open_b, buf, 256, &len));
    EXPECT("last_error: never failed", len == 0 && buf[0] == '\0', "message of a clean object: %s", buf);
}

static void test_logs(void) {
    char buf[512], key_line[512];
    int32_t level = -1, len = -1;
    FATAL_OK(meshrtc_log_set_level(MESHRTC_LOG_NONE));
    CASE("log_next: empty queue", MESHRTC_ERR_UNAVAILABLE, 0, "no log line",
         meshrtc_log_next(&level, buf, (int32_t)sizeof buf, &len));

    /* Queue one warning, then fail to read it every way: it must stay. */
    meshrtc_peer lp;
    FATAL_OK(meshrtc_peer_create(&lp));
    FATAL_OK(meshrtc_log_set_level(MESHRTC_LOG_WARN));
    FATAL_OK(meshrtc_peer_initialize(lp, "{\"badInputUnknownKey\":0,\"meshrtc\":{\"interfaces\":[\"lo\"],"
                                         "\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}"));
    snprintf(key_line, sizeof key_line, "config: ignoring unknown configuration key \"badInputUnknownKey\"");
    int32_t full = (int32_t)strlen(key_line);
    CASE("log_next: out_level NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "out_level",
         meshrtc_log_next(NULL, buf, (int32_t)sizeof buf, &len));
    CASE("log_next: out_len NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "out_len",
         meshrtc_log_next(&level, buf, (int32_t)sizeof buf, NULL));
    CASE("log_next: cap -1", MESHRTC_ERR_INVALID_PARAMETER, 0, "cap -1", meshrtc_log_next(&level, buf, -1, &len));
    CASE("log_next: buf NULL, cap 5", MESHRTC_ERR_INVALID_PARAMETER, 0, "buf is NULL",
         meshrtc_log_next(&level, NULL, 5, &len));
    char small[4] = {'Z', 'Z', 'Z', 'Z'};
    len = -1;
    level = 99;
    CASE("log_next: buffer too small", MESHRTC_ERR_PARAMETER_RANGE_ERROR, 0, "too small",
         meshrtc_log_next(&level, small, 4, &len));
    EXPECT("log_next: buffer too small", len == full, "out_len %d, want %d", len, full);
    EXPECT("log_next: buffer too small", memcmp(small, "ZZZZ", 4) == 0 && level == 99,
           "buffer or level written on failure");
    len = -1;
    CASE("log_next: cap == length (no room for NUL)", MESHRTC_ERR_PARAMETER_RANGE_ERROR, 0, "too small",
         meshrtc_log_next(&level, buf, full, &len));
    EXPECT("log_next: cap == length", len == full, "out_len %d, want %d", len, full);
    len = -1;
    CASE("log_next: size query (buf NULL, cap 0)", MESHRTC_ERR_PARAMETER_RANGE_ERROR, 0, "too small",
         meshrtc_log_next(&level, NULL, 0, &len));
    EXPECT("log_next: size query", len == full, "out_len %d, want %d", len, full);
    /* Still there, and taken exactly once. */
    len = -1;
    ACCEPTED("log_next: line still queued", meshrtc_log_next(&level, buf, full + 1, &len));
    EXPECT("log_next: line still queued", len == full && strcmp(buf, key_line) == 0 && level == MESHRTC_LOG_WARN,
           "got level %d \"%s\"", level, buf);
    CASE("log_next: taken once", MESHRTC_ERR_UNAVAILABLE, 0, "no log line",
         meshrtc_log_next(&level, buf, (int32_t)sizeof buf, &len));
    FATAL_OK(meshrtc_log_set_level(MESHRTC_LOG_NONE));
    FATAL_OK(meshrtc_peer_destroy(lp));
}

/* ------------------------------------------------------------------- peer */

#define LOOPBACK_KEYS "\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false"

static void test_initialize(void) {
    static const text_case bad[] = {
        {"malformed JSON '{'", "{", "not a JSON object"},
        {"malformed JSON 'not json'", "not json", "not a JSON object"},
        {"malformed JSON trailing comma", "{\"meshrtc\":{},}", "not a JSON object"},
        {"JSON array", "[1,2]", "not a JSON object"},
        {"JSON string", "\"config\"", "not a JSON object"},
        {"invalid UTF-8", "{\"x\":\"\xff\xfe\"}", "not valid UTF-8"},
        {"meshrtc not an object", "{\"meshrtc\":5}", "meshrtc options"},
        {"unknown meshrtc key", "{\"meshrtc\":{" LOOPBACK_KEYS ",\"interfacez\":[\"lo\"]}}", "interfacez"},
        {"mdns bad value", "{\"meshrtc\":{\"mdns\":\"loud\"}}", "mdns"},
        {"mdns wrong type", "{\"meshrtc\":{\"mdns\":true}}", "mdns"},
        {"interfaces wrong type", "{\"meshrtc\":{\"interfaces\":\"lo\"}}", "interfaces"},
        {"includeLoopback wrong type", "{\"meshrtc\":{\"includeLoopback\":\"yes\"}}", "includeLoopback"},
        {"ipv4 and ipv6 false", "{\"meshrtc\":{\"ipv4\":false,\"ipv6\":false}}", "ipv4 and ipv6"},
        {"portMin without portMax", "{\"meshrtc\":{\"portMin\":5000}}", "portMin and portMax"},
        {"portMin > portMax", "{\"meshrtc\":{\"portMin\":6000,\"portMax\":5000}}", "portMin"},
        {"portMin 0", "{\"meshrtc\":{\"portMin\":0,\"portMax\":10}}", "portMin"},
        {"portMax 70000", "{\"meshrtc\":{\"portMin\":1,\"portMax\":70000}}", "portMax"},
        {"maxMessageSize 0", "{\"meshrtc\":{\"maxMessageSize\":0}}", "maxMessageSize"},
        {"maxMessageSize 1.5", "{\"meshrtc\":{\"maxMessageSize\":1.5}}", "maxMessageSize"},
        {"maxMessageSize huge", "{\"meshrtc\":{\"maxMessageSize\":1e12}}", "maxMessageSize"},
        {"receiveQueuePackets 0", "{\"meshrtc\":{\"receiveQueuePackets\":0}}", "receiveQueuePackets"},
        {"receiveQueueBytes -1", "{\"meshrtc\":{\"receiveQueueBytes\":-1}}", "receiveQueueBytes"},
        {"eventQueueLimit 15", "{\"meshrtc\":{\"eventQueueLimit\":15}}", "eventQueueLimit"},
        {"iceFailedTimeoutMs -1", "{\"meshrtc\":{\"iceFailedTimeoutMs\":-1}}", "iceFailedTimeoutMs"},
        {"iceTransportPolicy none", "{\"iceTransportPolicy\":\"none\"}", "iceTransportPolicy"},
        {"iceTransportPolicy number", "{\"iceTransportPolicy\":1}", "iceTransportPolicy"},
        {"iceServers not an array", "{\"iceServers\":\"stun:example.org\"}", "iceServers"},
        {"iceServers entry without urls", "{\"iceServers\":[{}]}", "no urls"},
        {"iceServers bad url", "{\"iceServers\":[{\"urls\":\"http://example.org\"}]}", "bad url"},
        {"iceServers urls wrong type", "{\"iceServers\":[{\"urls\":5}]}", "iceServers[0].urls"},
        {"iceServers username wrong type", "{\"iceServers\":[{\"urls\":\"stun:x.org\",\"username\":1}]}",
         "iceServers[0].username"},
    };
    text_cases("peer_initialize", meshrtc_peer_initialize, p_kept, bad, COUNT(bad));
    /* A numeric option of the wrong JSON type: the message names the option. */
    CASE("peer_initialize: maxMessageSize wrong type (message names the key)", MESHRTC_ERR_INVALID_PARAMETER, p_kept,
         "maxMessageSize", meshrtc_peer_initialize(p_kept, "{\"meshrtc\":{\"maxMessageSize\":\"big\"}}"));
    CASE("peer_initialize: hostAcceptanceWaitMs wrong type (message names the key)", MESHRTC_ERR_INVALID_PARAMETER,
         p_kept, "hostAcceptanceWaitMs",
         meshrtc_peer_initialize(p_kept, "{\"meshrtc\":{\"hostAcceptanceWaitMs\":\"0\"}}"));
    /* "the previous connection is kept" */
    int32_t s = -1;
    FATAL_OK(meshrtc_channel_get_ready_state(c_kept, &s));
    EXPECT("peer_initialize: previous connection kept", s == MESHRTC_CHANNEL_STATE_CONNECTING,
           "channel state %d after failed initializes", s);
    meshrtc_channel probe = 0;
    ACCEPTED("peer_initialize: previous connection kept (create_data_channel)",
             meshrtc_peer_create_data_channel(p_kept, "probe", NULL, &probe));
    if (probe != 0) FATAL_OK(meshrtc_channel_destroy(probe));

    /* Keys that differ from a documented one only in case are unknown keys
     * (Go's encoding/json would match them case-insensitively). Throwaway
     * peers: a call that wrongly succeeds re-initializes. */
    static const char *case_keys[][2] = {
        {"{\"meshrtc\":{" LOOPBACK_KEYS ",\"includeLoopBack\":true}}", "includeLoopBack"},
        {"{\"meshrtc\":{" LOOPBACK_KEYS ",\"Mdns\":\"disabled\"}}", "Mdns"},
    };
    for (size_t i = 0; i < sizeof case_keys / sizeof case_keys[0]; i++) {
        meshrtc_peer t;
        char name[160];
        FATAL_OK(meshrtc_peer_create(&t));
        FATAL_OK(meshrtc_peer_initialize(t, LOOPBACK_CONFIG));
        snprintf(name, sizeof name, "peer_initialize: unknown meshrtc key differing in case (%s)", case_keys[i][1]);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, t, case_keys[i][1], meshrtc_peer_initialize(t, case_keys[i][0]));
        FATAL_OK(meshrtc_peer_destroy(t));
    }

    /* Documented allowances; a throwaway peer (nothing gathers without a description). */
    meshrtc_peer t;
    FATAL_OK(meshrtc_peer_create(&t));
    ACCEPTED("peer_initialize: NULL config", meshrtc_peer_initialize(t, NULL));
    ACCEPTED("peer_initialize: empty config", meshrtc_peer_initialize(t, ""));
    ACCEPTED("peer_initialize: {}", meshrtc_peer_initialize(t, "{}"));
    ACCEPTED("peer_initialize: unknown top-level key", meshrtc_peer_initialize(t, "{\"bundlePolicy\":\"max-bundle\"}"));
    ACCEPTED("peer_initialize: maxPacketLifetime-style whole float", meshrtc_peer_initialize(
                                                                           t, "{\"meshrtc\":{\"maxMessageSize\":5000.0}}"));
    FATAL_OK(meshrtc_peer_destroy(t));
}

/* Where create_with_options puts a channel: failed calls must not. */
static meshrtc_channel created_with_options = 0x7777;

static int32_t create_with_options(int64_t peer, const char *options) {
    return meshrtc_peer_create_data_channel(peer, "x", options, &created_with_options);
}

static void test_create_data_channel(void) {
    meshrtc_channel ch = 0x7777;
    static const text_case bad[] = {
        {"malformed options '{'", "{", "not a JSON object"},
        {"options array", "[]", "not a JSON object"},
        {"options number", "5", "not a JSON object"},
        {"options invalid UTF-8", "{\"protocol\":\"\xc3\x28\"}", "options_json is not valid UTF-8"},
        {"both reliability limits", "{\"maxRetransmits\":1,\"maxPacketLifeTime\":1}", "not both"},
        {"both limits (alt spelling)", "{\"maxRetransmits\":1,\"maxPacketLifetime\":1}", "not both"},
        {"both lifetime spellings", "{\"maxPacketLifeTime\":1,\"maxPacketLifetime\":2}", "only one of"},
        {"negotiated without id", "{\"negotiated\":true}", "needs an id"},
        {"id without negotiated", "{\"id\":3}", "only allowed with negotiated"},
        {"id with negotiated false", "{\"negotiated\":false,\"id\":3}", "only allowed with negotiated"},
        {"ordered wrong type", "{\"ordered\":\"yes\"}", "ordered"},
        {"negotiated wrong type", "{\"negotiated\":1,\"id\":1}", "negotiated"},
        {"protocol wrong type", "{\"protocol\":5}", "protocol"},
        {"id wrong type", "{\"negotiated\":true,\"id\":\"1\"}", "id"},
        {"id 65535", "{\"negotiated\":true,\"id\":65535}", "id"},
        {"id -1", "{\"negotiated\":true,\"id\":-1}", "id"},
        {"id 1.5", "{\"negotiated\":true,\"id\":1.5}", "id"},
        {"maxRetransmits 65536", "{\"maxRetransmits\":65536}", "maxRetransmits"},
        {"maxRetransmits -1", "{\"maxRetransmits\":-1}", "maxRetransmits"},
        {"maxRetransmits wrong type", "{\"maxRetransmits\":true}", "maxRetransmits"},
        {"maxPacketLifeTime 70000", "{\"maxPacketLifeTime\":70000}", "maxPacketLifeTime"},
        {"maxPacketLifetime string", "{\"maxPacketLifetime\":\"10\"}", "maxPacketLifetime"},
    };
    text_cases("peer_create_data_channel", create_with_options, p_new, bad, COUNT(bad));
    CASE("peer_create_data_channel: label NULL", MESHRTC_ERR_INVALID_PARAMETER, p_new, "label is NULL",
         meshrtc_peer_create_data_channel(p_new, NULL, NULL, &ch));
    CASE("peer_create_data_channel: out_channel NULL", MESHRTC_ERR_INVALID_PARAMETER, p_new, "out_channel",
         meshrtc_peer_create_data_channel(p_new, "x", NULL, NULL));
    CASE("peer_create_data_channel: label invalid UTF-8", MESHRTC_ERR_INVALID_PARAMETER, p_new, "not valid UTF-8",
         meshrtc_peer_create_data_channel(p_new, "bad\xc3\x28", NULL, &ch));
    CASE("peer_create_data_channel: label overlong UTF-8", MESHRTC_ERR_INVALID_PARAMETER, p_new, "not valid UTF-8",
         meshrtc_peer_create_data_channel(p_new, "\xc0\xaf", NULL, &ch));
    CASE("peer_create_data_channel: label UTF-16 surrogate", MESHRTC_ERR_INVALID_PARAMETER, p_new, "not valid UTF-8",
         meshrtc_peer_create_data_channel(p_new, "\xed\xa0\x80", NULL, &ch));
    char *long_label = malloc(70001);
    memset(long_label, 'l', 70000);
    long_label[70000] = '\0';
    CASE("peer_create_data_channel: label over 65535 bytes", MESHRTC_ERR_INVALID_PARAMETER, p_new,
         "cannot create channel", meshrtc_peer_create_data_channel(p_new, long_label, NULL, &ch));
    free(long_label);
    EXPECT("peer_create_data_channel", ch == 0x7777 && created_with_options == 0x7777,
           "out_channel written by a failed call");
    CASE("peer_create_data_channel: after connecting", MESHRTC_ERR_UNAVAILABLE, pa.peer, "STATE_NEW",
         meshrtc_peer_create_data_channel(pa.peer, "late", NULL, &ch));
    CASE("peer_create_data_channel: closed peer", MESHRTC_ERR_UNAVAILABLE, p_closed, "STATE_NEW",
         meshrtc_peer_create_data_channel(p_closed, "late", NULL, &ch));

    /* Allowances: NULL/empty options and unknown keys (logged, ignored). */
    const char *ok_opts[] = {NULL, "", "{}", "{\"unknownOption\":1}", "{\"maxRetransmits\":65535}",
                             "{\"negotiated\":true,\"id\":65534}", "{\"maxPacketLifeTime\":0}"};
    for (size_t i = 0; i < sizeof ok_opts / sizeof ok_opts[0]; i++) {
        char name[160];
        snprintf(name, sizeof name, "peer_create_data_channel: options %s", ok_opts[i] ? ok_opts[i] : "NULL");
        ch = 0;
        ACCEPTED(name, meshrtc_peer_create_data_channel(p_new, "ok", ok_opts[i], &ch));
        if (ch != 0) FATAL_OK(meshrtc_channel_destroy(ch));
    }
}

/* "fn: what". */
static void case_name(char *buf, size_t n, const char *fn, const char *what) { snprintf(buf, n, "%s: %s", fn, what); }

/* A NEW loopback peer with one channel. */
static meshrtc_peer fresh_peer(void) {
    meshrtc_peer p;
    meshrtc_channel ch;
    FATAL_OK(meshrtc_peer_create(&p));
    FATAL_OK(meshrtc_peer_initialize(p, LOOPBACK_CONFIG));
    FATAL_OK(meshrtc_peer_create_data_channel(p, "c", NULL, &ch));
    FATAL_OK(meshrtc_channel_destroy(ch));
    return p;
}

/* A description call that failed must leave the peer stable and not gathering. */
static void check_still_stable(const char *name, meshrtc_peer p, int32_t want) {
    int32_t sig = -1, gather = -1;
    if (want == MESHRTC_OK) return;
    FATAL_OK(meshrtc_peer_get_signaling_state(p, &sig));
    FATAL_OK(meshrtc_peer_get_gathering_state(p, &gather));
    EXPECT(name, sig == MESHRTC_SIGNALING_STATE_STABLE && gather == MESHRTC_GATHERING_STATE_NEW,
           "signaling %d, gathering %d after the failed call", sig, gather);
}

static void test_create_offer(void) {
    CASE("peer_create_offer: no channel", MESHRTC_ERR_UNCONFIGURED, p_bare, "create a data channel",
         meshrtc_peer_create_offer(p_bare));
    CASE("peer_create_offer: closed peer (had a channel)", MESHRTC_ERR_UNAVAILABLE, p_closed, "closed",
         meshrtc_peer_create_offer(p_closed));
}

/* set_local_description / set_remote_description */
static void test_descriptions(void) {
    static const struct {
        const char *what, *sdp;
    } bad_sdp[] = {
        {"empty SDP", ""},
        {"not SDP", "hello world"},
        {"only v=0", "v=0\r\n"},
        {"bad o= line", "v=0\r\no=bad\r\ns=-\r\nt=0 0\r\n"},
        {"bad m= line", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application\r\n"},
        {"bad line syntax", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nxyz\r\n"},
    };
    struct {
        const char *fn;
        int32_t (*set)(meshrtc_peer, const char *, const char *);
    } setters[] = {{"peer_set_local_description", meshrtc_peer_set_local_description},
                   {"peer_set_remote_description", meshrtc_peer_set_remote_description}};
    for (int s = 0; s < 2; s++) {
        char name[160];
        meshrtc_peer p;
        /* Each case on a fresh loopback peer with a channel: a call that
         * wrongly succeeds cannot change the state the next case sees. */
#define SDP_CASE(what, want, substr, type, sdp)                    \
    do {                                                           \
        p = fresh_peer();                                          \
        case_name(name, sizeof name, setters[s].fn, what);         \
        CASE(name, want, p, substr, setters[s].set(p, type, sdp)); \
        check_still_stable(name, p, want);                         \
        FATAL_OK(meshrtc_peer_destroy(p));                         \
    } while (0)
        SDP_CASE("type NULL", MESHRTC_ERR_INVALID_PARAMETER, "type is NULL", NULL, offer_sdp);
        SDP_CASE("sdp NULL", MESHRTC_ERR_INVALID_PARAMETER, "sdp is NULL", "offer", NULL);
        SDP_CASE("unknown type", MESHRTC_ERR_INVALID_PARAMETER, "description type", "bogus", offer_sdp);
        SDP_CASE("empty type", MESHRTC_ERR_INVALID_PARAMETER, "description type", "", offer_sdp);
        SDP_CASE("type rollback", MESHRTC_ERR_INVALID_PARAMETER, "description type", "rollback", offer_sdp);
        SDP_CASE("type Offer (case)", MESHRTC_ERR_INVALID_PARAMETER, "description type", "Offer", offer_sdp);
        SDP_CASE("type invalid UTF-8", MESHRTC_ERR_INVALID_PARAMETER, "type is not valid UTF-8", "off\xff", offer_sdp);
        SDP_CASE("sdp invalid UTF-8", MESHRTC_ERR_INVALID_PARAMETER, "sdp is not valid UTF-8", "offer",
                 "v=0\r\n\xfe\r\n");
        for (size_t i = 0; i < sizeof bad_sdp / sizeof bad_sdp[0]; i++) {
            char what[80];
            snprintf(what, sizeof what, "malformed SDP (%s)", bad_sdp[i].what);
            SDP_CASE(what, MESHRTC_ERR_INVALID_DATA, "malformed SDP", "offer", bad_sdp[i].sdp);
        }
        /* A valid offer truncated in the middle of a line. */
        char *cut = strdup(offer_sdp);
        char *m = strstr(cut, "m=application");
        if (m != NULL) m[5] = '\0';
        SDP_CASE("malformed SDP (truncated offer)", MESHRTC_ERR_INVALID_DATA, "malformed SDP", "offer", cut);
        free(cut);
        /* Wrong signaling state: an answer (or pranswer) while stable. */
        const char *op = setters[s].fn + strlen("peer_"); /* "failed: set_local_description: ..." */
        SDP_CASE("answer in stable state", MESHRTC_FAILED, op, "answer", offer_sdp);
        SDP_CASE("pranswer in stable state", MESHRTC_FAILED, op, "pranswer", offer_sdp);
#undef SDP_CASE
        snprintf(name, sizeof name, "%s: closed peer", setters[s].fn);
        CASE(name, MESHRTC_FAILED, p_closed, op, setters[s].set(p_closed, "offer", offer_sdp));
    }
}

/* add_ice_candidate: held until the remote description (p_new has none),
 * 256 at most. */
static void test_candidates(void) {
    static const struct {
        const char *name, *substr, *media;
        int32_t index;
        const char *candidate;
    } bad_candidates[] = {
        {"media NULL", "media is NULL", NULL, 0, GOOD_CANDIDATE},
        {"name NULL", "name is NULL", "0", 0, NULL},
        {"index -1", "index -1", "0", -1, GOOD_CANDIDATE},
        {"index INT32_MIN", "out of range", "0", INT32_MIN, GOOD_CANDIDATE},
        {"index 65536", "index 65536", "0", 65536, GOOD_CANDIDATE},
        {"malformed (garbage)", "malformed ICE candidate", "0", 0, "candidate:garbage"},
        {"malformed (truncated)", "malformed ICE candidate", "0", 0, "candidate:1 1 udp"},
        {"malformed (no prefix, not a candidate)", "malformed ICE candidate", "0", 0, "hello"},
        {"malformed (bad port)", "malformed ICE candidate", "0", 0,
         "candidate:1 1 udp 2130706431 127.0.0.1 notaport typ host"},
        {"malformed (bad address)", "malformed ICE candidate", "0", 0,
         "candidate:1 1 udp 2130706431 not-an-ip 5000 typ host"},
        {"malformed (unknown type)", "malformed ICE candidate", "0", 0,
         "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ bogus"},
        {"malformed (bad priority)", "malformed ICE candidate", "0", 0,
         "candidate:1 1 udp prio 127.0.0.1 5000 typ host"},
        {"media invalid UTF-8", "media is not valid UTF-8", "\xff", 0, GOOD_CANDIDATE},
        {"name invalid UTF-8", "name is not valid UTF-8", "0", 0, "candidate:\xff"},
    };
    for (size_t i = 0; i < COUNT(bad_candidates); i++) {
        char name[160];
        snprintf(name, sizeof name, "peer_add_ice_candidate: %s", bad_candidates[i].name);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, p_new, bad_candidates[i].substr,
             meshrtc_peer_add_ice_candidate(p_new, bad_candidates[i].media, bad_candidates[i].index,
                                            bad_candidates[i].candidate));
    }
    ACCEPTED("peer_add_ice_candidate: end of candidates", meshrtc_peer_add_ice_candidate(p_new, "0", 0, ""));
    /* More than 256 held before the remote description. */
    meshrtc_peer h;
    FATAL_OK(meshrtc_peer_create(&h));
    FATAL_OK(meshrtc_peer_initialize(h, LOOPBACK_CONFIG));
    int held_ok = 1;
    for (int i = 0; i < 255; i++) held_ok &= meshrtc_peer_add_ice_candidate(h, "0", 0, GOOD_CANDIDATE) == MESHRTC_OK;
    EXPECT("peer_add_ice_candidate: 255 held", held_ok, "a held candidate was refused");
    ACCEPTED("peer_add_ice_candidate: 256th held", meshrtc_peer_add_ice_candidate(h, "0", 0, GOOD_CANDIDATE));
    CASE("peer_add_ice_candidate: 257th held", MESHRTC_ERR_OUT_OF_MEMORY, h, "more than 256",
         meshrtc_peer_add_ice_candidate(h, "0", 0, GOOD_CANDIDATE));
    FATAL_OK(meshrtc_peer_destroy(h));
}

/* next_event and the state getters */
static void test_peer_getters(void) {
    meshrtc_peer_event ev;
    CASE("peer_next_event: out_event NULL", MESHRTC_ERR_INVALID_PARAMETER, p_bare, "out_event",
         meshrtc_peer_next_event(p_bare, NULL));
    CASE("peer_next_event: no event", MESHRTC_ERR_UNAVAILABLE, p_bare, "no event",
         meshrtc_peer_next_event(p_bare, &ev));
    CASE("peer_get_connection_state: out_state NULL", MESHRTC_ERR_INVALID_PARAMETER, p_new, "out_state",
         meshrtc_peer_get_connection_state(p_new, NULL));
    CASE("peer_get_gathering_state: out_state NULL", MESHRTC_ERR_INVALID_PARAMETER, p_new, "out_state",
         meshrtc_peer_get_gathering_state(p_new, NULL));
    CASE("peer_get_signaling_state: out_state NULL", MESHRTC_ERR_INVALID_PARAMETER, p_new, "out_state",
         meshrtc_peer_get_signaling_state(p_new, NULL));
    CASE("peer_get_stats: out_stats NULL", MESHRTC_ERR_INVALID_PARAMETER, p_new, "out_stats",
         meshrtc_peer_get_stats(p_new, NULL));
    CASE("peer_get_stats: out_stats NULL (connected)", MESHRTC_ERR_INVALID_PARAMETER, pa.peer, "out_stats",
         meshrtc_peer_get_stats(pa.peer, NULL));
}

/* ---------------------------------------------------------------- channel */

/* put_packet: lengths, NULL data and channels that cannot send. */
static void test_put_packet(void) {
    const uint8_t data[8] = {0};
    int32_t max = -1;
    FATAL_OK(meshrtc_channel_get_max_packet_size(c_open, &max));
    uint8_t *big = calloc(1, (size_t)max + 1);

    const struct {
        const char *name;
        int32_t want;
        meshrtc_channel ch;
        const char *substr;
        const uint8_t *data;
        int32_t len;
    } puts[] = {
        {"len -1", MESHRTC_ERR_INVALID_PARAMETER, c_open, "negative", data, -1},
        {"len INT32_MIN", MESHRTC_ERR_INVALID_PARAMETER, c_open, "negative", data, INT32_MIN},
        {"data NULL, len 5", MESHRTC_ERR_INVALID_PARAMETER, c_open, "data is NULL", NULL, 5},
        {"len max+1", MESHRTC_ERR_INVALID_PARAMETER, c_open, "larger than the maximum", big, max + 1},
        {"len INT32_MAX", MESHRTC_ERR_INVALID_PARAMETER, c_open, "larger than the maximum", big, INT32_MAX},
        {"connecting channel", MESHRTC_ERR_UNAVAILABLE, c_connecting, "not open yet", data, 1},
        {"connecting channel, empty", MESHRTC_ERR_UNAVAILABLE, c_connecting, "not open yet", NULL, 0},
        {"connecting channel, len -1", MESHRTC_ERR_INVALID_PARAMETER, c_connecting, "negative", data, -1},
        {"closed channel", MESHRTC_FAILED, c_closed, "closed", data, 1},
        {"channel of a closed peer", MESHRTC_FAILED, c_of_closed, "closed", data, 1},
        {"channel of a destroyed peer", MESHRTC_FAILED, c_orphan, "closed", data, 1},
    };
    for (size_t i = 0; i < COUNT(puts); i++) {
        char name[160];
        snprintf(name, sizeof name, "channel_put_packet: %s", puts[i].name);
        CASE(name, puts[i].want, puts[i].ch, puts[i].substr,
             meshrtc_channel_put_packet(puts[i].ch, puts[i].data, puts[i].len));
    }
    free(big);
}

/* get_packet, NULL out-parameters and write modes. */
static void test_channel_calls(void) {
    const uint8_t *out = NULL;
    int32_t len = 0x7777;
    CASE("channel_get_packet: out_data NULL", MESHRTC_ERR_INVALID_PARAMETER, c_open, "out_data",
         meshrtc_channel_get_packet(c_open, NULL, &len));
    CASE("channel_get_packet: out_len NULL", MESHRTC_ERR_INVALID_PARAMETER, c_open, "out_len",
         meshrtc_channel_get_packet(c_open, &out, NULL));
    CASE("channel_get_packet: no packet", MESHRTC_ERR_UNAVAILABLE, c_connecting, "no packet",
         meshrtc_channel_get_packet(c_connecting, &out, &len));
    EXPECT("channel_get_packet", out == NULL && len == 0x7777, "out-parameters written by a failed call");

#define NULL_OUT(fn, substr) \
    CASE("channel_" #fn ": out NULL", MESHRTC_ERR_INVALID_PARAMETER, c_open, substr, meshrtc_channel_##fn(c_open, NULL))
    NULL_OUT(get_available_packet_count, "out_count");
    NULL_OUT(get_max_packet_size, "out_size");
    NULL_OUT(get_write_mode, "out_mode");
    NULL_OUT(was_string_packet, "out_is_string");
    NULL_OUT(get_ready_state, "out_state");
    NULL_OUT(is_ordered, "out_ordered");
    NULL_OUT(get_id, "out_id");
    NULL_OUT(get_max_packet_life_time, "out_ms");
    NULL_OUT(get_max_retransmits, "out_count");
    NULL_OUT(is_negotiated, "out_negotiated");
    NULL_OUT(get_buffered_amount, "out_bytes");
    NULL_OUT(get_dropped_count, "out_count");
    NULL_OUT(get_stats, "out_stats");
#undef NULL_OUT

    static const int32_t bad_modes[] = {-1, 2, INT32_MAX, INT32_MIN};
    int_cases("channel_set_write_mode", "write mode", meshrtc_channel_set_write_mode, c_open, bad_modes,
              COUNT(bad_modes));
    int32_t mode = -1;
    FATAL_OK(meshrtc_channel_get_write_mode(c_open, &mode));
    EXPECT("channel_set_write_mode", mode == MESHRTC_WRITE_MODE_BINARY, "mode changed to %d by bad calls", mode);
}

/* The size protocol of get_label and get_protocol. */
static void test_channel_texts(void) {
    struct {
        const char *fn, *text;
        int32_t (*get)(meshrtc_channel, char *, int32_t, int32_t *);
    } texts[] = {{"channel_get_label", LABEL, meshrtc_channel_get_label},
                 {"channel_get_protocol", PROTOCOL, meshrtc_channel_get_protocol}};
    for (int i = 0; i < 2; i++) {
        char name[160], buf[64];
        int32_t full = (int32_t)strlen(texts[i].text);
        int32_t l = 0x7777;
#define TEXT_CASE(what, want, substr, b, cap, outp)                                      \
    do {                                                                                  \
        snprintf(name, sizeof name, "%s: %s", texts[i].fn, what);                         \
        CASE(name, want, c_connecting, substr, texts[i].get(c_connecting, b, cap, outp)); \
    } while (0)
        TEXT_CASE("out_len NULL", MESHRTC_ERR_INVALID_PARAMETER, "out_len is NULL", buf, 64, NULL);
        TEXT_CASE("cap -1", MESHRTC_ERR_INVALID_PARAMETER, "cap -1", buf, -1, &l);
        TEXT_CASE("cap INT32_MIN", MESHRTC_ERR_INVALID_PARAMETER, "negative", buf, INT32_MIN, &l);
        TEXT_CASE("buf NULL, cap 5", MESHRTC_ERR_INVALID_PARAMETER, "buf is NULL", NULL, 5, &l);
        memset(buf, 'Z', sizeof buf);
        l = -1;
        TEXT_CASE("buffer too small", MESHRTC_ERR_PARAMETER_RANGE_ERROR, "too small", buf, 3, &l);
        EXPECT(name, l == full, "out_len %d, want %d", l, full);
        EXPECT(name, buf[0] == 'Z' && buf[1] == 'Z' && buf[2] == 'Z', "buffer written on failure");
        l = -1;
        TEXT_CASE("cap == length (no room for NUL)", MESHRTC_ERR_PARAMETER_RANGE_ERROR, "too small", buf, full, &l);
        EXPECT(name, l == full, "out_len %d, want %d", l, full);
        l = -1;
        TEXT_CASE("size query (buf NULL, cap 0)", MESHRTC_ERR_PARAMETER_RANGE_ERROR, "too small", NULL, 0, &l);
        EXPECT(name, l == full, "out_len %d, want %d", l, full);
        l = -1;
        snprintf(name, sizeof name, "%s: exact buffer", texts[i].fn);
        ACCEPTED(name, texts[i].get(c_connecting, buf, full + 1, &l));
        EXPECT(name, l == full && strcmp(buf, texts[i].text) == 0, "got %d \"%s\"", l, buf);
#undef TEXT_CASE
    }
}

/* ---------------------------------------------------------------- batches */

typedef int32_t (*get_packets_fn)(int64_t, uint8_t *, int32_t, meshrtc_packet_info *, int32_t, int32_t *);
typedef int32_t (*put_packets_fn)(int64_t, const uint8_t *, const int32_t *, int32_t, int32_t *);

/* The argument checks of the batched get and put of a channel or mesh obj
 * (a channel that is open, a mesh that is not configured: the checks come
 * first). A failed get writes nothing; a failed put reports 0 sent. */
static void batch_cases(const char *kind, int64_t obj, get_packets_fn get, put_packets_fn put) {
    uint8_t buf[8];
    meshrtc_packet_info info = {0x7777, 0x7777, 0x7777, 0x7777, 0x7777, 0x7777};
    int32_t count = 0x7777;
    const struct {
        const char *name, *substr;
        uint8_t *buf;
        int32_t buf_cap;
        meshrtc_packet_info *info;
        int32_t info_cap;
        int32_t *count;
    } gets[] = {
        {"out_count NULL", "out_count must not be NULL", buf, 8, &info, 1, NULL},
        {"out_info NULL", "out_info and out_count", buf, 8, NULL, 1, &count},
        {"info_cap 0", "info_cap 0 is less than 1", buf, 8, &info, 0, &count},
        {"info_cap -1", "info_cap -1 is less than 1", buf, 8, &info, -1, &count},
        {"info_cap INT32_MIN", "is less than 1", buf, 8, &info, INT32_MIN, &count},
        {"buf NULL, buf_cap 8", "buf NULL with buf_cap 8", NULL, 8, &info, 1, &count},
        {"buf_cap -1", "buf_cap negative", buf, -1, &info, 1, &count},
        {"buf_cap INT32_MIN", "buf_cap negative", buf, INT32_MIN, &info, 1, &count},
    };
    for (size_t i = 0; i < COUNT(gets); i++) {
        char name[160];
        snprintf(name, sizeof name, "%s_get_packets: %s", kind, gets[i].name);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, obj, gets[i].substr,
             get(obj, gets[i].buf, gets[i].buf_cap, gets[i].info, gets[i].info_cap, gets[i].count));
        EXPECT(name, count == 0x7777 && info.size == 0x7777 && info.reserved == 0x7777,
               "out-parameters written by a failed call");
    }

    static const int32_t negative[2] = {1, -1}, min[1] = {INT32_MIN}, huge[3] = {1 << 30, 1 << 30, 1 << 30};
    static const int32_t three[1] = {3};
    const struct {
        const char *name, *substr;
        const uint8_t *data;
        const int32_t *sizes;
        int32_t count;
    } puts[] = {
        {"count -1", "count -1 is negative", payload, payload_sizes, -1},
        {"count INT32_MIN", "is negative", payload, payload_sizes, INT32_MIN},
        {"sizes NULL, count 2", "sizes is NULL but count is 2", payload, NULL, 2},
        {"a negative size", "sizes[1] is negative (-1)", payload, negative, 2},
        {"size INT32_MIN", "sizes[0] is negative", payload, min, 1},
        {"data NULL, 3 bytes", "data is NULL but len is 3", NULL, three, 1},
        {"sizes above 2^31 - 1 in total", "more than 2^31 - 1", payload, huge, 3},
    };
    for (size_t i = 0; i < COUNT(puts); i++) {
        char name[160];
        int32_t sent = 0x7777;
        snprintf(name, sizeof name, "%s_put_packets: %s", kind, puts[i].name);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, obj, puts[i].substr,
             put(obj, puts[i].data, puts[i].sizes, puts[i].count, &sent));
        EXPECT(name, sent == 0, "out_sent %d, want 0", sent);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, obj, puts[i].substr,
             put(obj, puts[i].data, puts[i].sizes, puts[i].count, NULL));
    }
}

/* Batched gets and puts with bad arguments, the allowances the header
 * documents, and meshrtc_wait's negative timeouts. */
static void test_batches(void) {
    batch_cases("channel", c_open, meshrtc_channel_get_packets, meshrtc_channel_put_packets);
    batch_cases("mesh", m_live, meshrtc_mesh_get_packets, meshrtc_mesh_put_packets);

    meshrtc_packet_info info;
    int32_t count = -1, sent = -1;
    ACCEPTED("channel_get_packets: buf NULL, buf_cap 0, empty queue",
             meshrtc_channel_get_packets(c_open_b, NULL, 0, &info, 1, &count));
    EXPECT("channel_get_packets: empty queue", count == 0, "count %d", count);
    ACCEPTED("channel_put_packets: count 0, sizes and data NULL", meshrtc_channel_put_packets(c_open, NULL, NULL, 0, &sent));
    EXPECT("channel_put_packets: count 0", sent == 0, "sent %d", sent);
    static const int32_t empties[2] = {0, 0};
    ACCEPTED("channel_put_packets: data NULL, sizes 0", meshrtc_channel_put_packets(c_open, NULL, empties, 2, NULL));
    CASE("mesh_put_packets: unconfigured", MESHRTC_ERR_UNCONFIGURED, m_live, "disconnected",
         meshrtc_mesh_put_packets(m_live, payload, payload_sizes, 2, &sent));
    EXPECT("mesh_put_packets: unconfigured", sent == 0, "sent %d", sent);
    CASE("channel_put_packets: connecting channel", MESHRTC_ERR_UNAVAILABLE, c_connecting, "not open yet",
         meshrtc_channel_put_packets(c_connecting, payload, payload_sizes, 2, &sent));
    CASE("channel_put_packets: closed channel", MESHRTC_FAILED, c_closed, "closed",
         meshrtc_channel_put_packets(c_closed, payload, payload_sizes, 2, &sent));
    EXPECT("channel_put_packets: closed", sent == 0, "sent %d", sent);

    static const int64_t bad_timeouts[] = {-1, INT64_MIN};
    for (size_t i = 0; i < COUNT(bad_timeouts); i++) {
        char name[64], substr[64];
        int32_t arrived = 0x7777;
        snprintf(name, sizeof name, "wait: %lld", (long long)bad_timeouts[i]);
        snprintf(substr, sizeof substr, "timeout_us %lld is negative", (long long)bad_timeouts[i]);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, 0, substr, meshrtc_wait(bad_timeouts[i], &arrived));
        EXPECT(name, arrived == 0x7777, "out_arrived written by a failed call");
    }
    ACCEPTED("wait: 0, out_arrived NULL", meshrtc_wait(0, NULL));
}

/* ------------------------------------------------------------------- mesh */

#define MODE_U MESHRTC_TRANSFER_MODE_UNRELIABLE
#define MODE_UO MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED
#define MODE_R MESHRTC_TRANSFER_MODE_RELIABLE

static meshrtc_mesh new_mesh(void) {
    meshrtc_mesh m;
    FATAL_OK(meshrtc_mesh_create(&m));
    return m;
}

/* A NEW loopback peer without channels. */
static meshrtc_peer new_peer(void) {
    meshrtc_peer p;
    FATAL_OK(meshrtc_peer_create(&p));
    FATAL_OK(meshrtc_peer_initialize(p, LOOPBACK_CONFIG));
    return p;
}

/* The three Godot 4 configurations, channels_config as the argument. */
static int32_t cfg_server(meshrtc_mesh m, const int32_t *c, int32_t n) { return meshrtc_mesh_create_server(m, c, n); }
static int32_t cfg_client(meshrtc_mesh m, const int32_t *c, int32_t n) {
    return meshrtc_mesh_create_client(m, 2, c, n);
}
static int32_t cfg_mesh(meshrtc_mesh m, const int32_t *c, int32_t n) { return meshrtc_mesh_create_mesh(m, 3, c, n); }

/* m must still be unconfigured after failed calls. */
static void expect_unconfigured(const char *name, meshrtc_mesh m) {
    int32_t status = -1, id = -1;
    FATAL_OK(meshrtc_mesh_get_connection_status(m, &status));
    int32_t rc = meshrtc_mesh_get_unique_id(m, &id);
    EXPECT(name, status == MESHRTC_CONNECTION_DISCONNECTED && rc == MESHRTC_ERR_UNCONFIGURED,
           "a failed call configured the mesh (status %d, get_unique_id %d)", status, rc);
}

static void test_mesh_create_and_options(void) {
    static const int32_t bad_last[2] = {MODE_R, 3}, bad_first[1] = {-1}, bad_big[1] = {INT32_MAX};
    int32_t *many = calloc(256, sizeof *many); /* 256 x UNRELIABLE: one too many */
    struct {
        const char *fn;
        int32_t (*cfg)(meshrtc_mesh, const int32_t *, int32_t);
    } cfgs[] = {{"mesh_create_server", cfg_server},
                {"mesh_create_client", cfg_client},
                {"mesh_create_mesh", cfg_mesh}};

    CASE("mesh_create: out_mesh NULL", MESHRTC_ERR_INVALID_PARAMETER, 0, "out_mesh", meshrtc_mesh_create(NULL));
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        char name[160];
#define CFG_CASE(what, substr, config, count)                                                                \
    do {                                                                                                     \
        snprintf(name, sizeof name, "%s: %s", cfgs[i].fn, what);                                             \
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, m_live, substr, cfgs[i].cfg(m_live, config, count));      \
        expect_unconfigured(name, m_live);                                                                   \
    } while (0)
        CFG_CASE("channels_config bad mode 3", "channels_config[1] is 3", bad_last, 2);
        CFG_CASE("channels_config bad mode -1", "channels_config[0] is -1", bad_first, 1);
        CFG_CASE("channels_config bad mode INT32_MAX", "channels_config[0]", bad_big, 1);
        CFG_CASE("channels_count -1", "channels_count -1 is negative", bad_last, -1);
        CFG_CASE("channels_count INT32_MIN", "negative", bad_last, INT32_MIN);
        CFG_CASE("channels_config NULL, count 2", "channels_config is NULL", NULL, 2);
        CFG_CASE("channels_count 256", "at most 255", many, 256);
#undef CFG_CASE
        /* Allowances, each on a throwaway mesh: NULL with count 0, 255 channels. */
        meshrtc_mesh t = new_mesh();
        snprintf(name, sizeof name, "%s: channels_config NULL, count 0", cfgs[i].fn);
        ACCEPTED(name, cfgs[i].cfg(t, NULL, 0));
        FATAL_OK(meshrtc_mesh_destroy(t));
        t = new_mesh();
        snprintf(name, sizeof name, "%s: 255 channels", cfgs[i].fn);
        ACCEPTED(name, cfgs[i].cfg(t, many, 255));
        FATAL_OK(meshrtc_mesh_destroy(t));
    }
    free(many);

    /* Ids. */
    CASE("mesh_create_client: id 1", MESHRTC_ERR_INVALID_PARAMETER, m_live, "id 1",
         meshrtc_mesh_create_client(m_live, 1, NULL, 0));
    CASE("mesh_create_client: id 0", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out of range",
         meshrtc_mesh_create_client(m_live, 0, NULL, 0));
    CASE("mesh_create_client: id -2", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out of range",
         meshrtc_mesh_create_client(m_live, -2, NULL, 0));
    CASE("mesh_create_client: id INT32_MIN", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out of range",
         meshrtc_mesh_create_client(m_live, INT32_MIN, NULL, 0));
    CASE("mesh_create_mesh: id 0", MESHRTC_ERR_INVALID_PARAMETER, m_live, "peer id 0 is out of range",
         meshrtc_mesh_create_mesh(m_live, 0, NULL, 0));
    CASE("mesh_create_mesh: id -7", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out of range",
         meshrtc_mesh_create_mesh(m_live, -7, NULL, 0));
    CASE("mesh_initialize: id 0", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out of range",
         meshrtc_mesh_initialize(m_live, 0, 0));
    CASE("mesh_initialize: id -1, server compatibility", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out of range",
         meshrtc_mesh_initialize(m_live, -1, 1));
    expect_unconfigured("mesh ids", m_live);

    /* set_options */
    static const text_case bad[] = {
        {"malformed JSON '{'", "{", "mesh options"},
        {"JSON array", "[]", "mesh options"},
        {"JSON number", "5", "mesh options"},
        {"trailing data", "{} {}", "after top-level value"},
        {"invalid UTF-8", "{\"closeEmitsPeerDisconnected\":\"\xff\"}", "not valid UTF-8"},
        {"unknown key", "{\"closeEmits\":true}", "closeEmits"},
        {"unknown key differing in case (EventQueueLimit)", "{\"EventQueueLimit\":64}", "EventQueueLimit"},
        {"unknown key differing in case (closeemitspeerdisconnected)", "{\"closeemitspeerdisconnected\":false}",
         "closeemitspeerdisconnected"},
        {"eventQueueLimit 15", "{\"eventQueueLimit\":15}", "eventQueueLimit"},
        {"eventQueueLimit 1.5", "{\"eventQueueLimit\":16.5}", "eventQueueLimit"},
        {"eventQueueLimit wrong type", "{\"eventQueueLimit\":\"64\"}", "eventQueueLimit"},
        {"disconnectGraceMs -1", "{\"disconnectGraceMs\":-1}", "disconnectGraceMs"},
        {"disconnectGraceMs too big", "{\"disconnectGraceMs\":3e9}", "disconnectGraceMs"},
        {"disconnectGraceMs wrong type", "{\"disconnectGraceMs\":true}", "disconnectGraceMs"},
        {"closeEmitsPeerDisconnected wrong type", "{\"closeEmitsPeerDisconnected\":\"yes\"}",
         "closeEmitsPeerDisconnected"},
    };
    text_cases("mesh_set_options", meshrtc_mesh_set_options, m_live, bad, COUNT(bad));
    ACCEPTED("mesh_set_options: NULL", meshrtc_mesh_set_options(m_live, NULL));
    ACCEPTED("mesh_set_options: empty", meshrtc_mesh_set_options(m_live, ""));
    ACCEPTED("mesh_set_options: every key",
             meshrtc_mesh_set_options(m_live, "{\"disconnectGraceMs\":0,\"closeEmitsPeerDisconnected\":true,"
                                              "\"eventQueueLimit\":16}"));
    ACCEPTED("mesh_set_options: {}", meshrtc_mesh_set_options(m_live, "{}"));
}

/* An id that is not in a mesh, for remove_peer (force REMOVE) or
 * disconnect_peer(id, force). */
#define REMOVE (-1)
typedef struct absent_case {
    int32_t id, force;
} absent_case;

/* Each call must give ERR_DOES_NOT_EXIST with a message naming the id. */
static void absent_peer_cases(meshrtc_mesh m, const absent_case *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char name[160], substr[32];
        int32_t id = cases[i].id, force = cases[i].force;
        snprintf(name, sizeof name, "mesh_%s_peer: id %d not in the mesh%s", force == REMOVE ? "remove" : "disconnect",
                 id, force > 0 ? ", force" : "");
        snprintf(substr, sizeof substr, "no peer %d", id);
        CASE(name, MESHRTC_ERR_DOES_NOT_EXIST, m, substr,
             force == REMOVE ? meshrtc_mesh_remove_peer(m, id) : meshrtc_mesh_disconnect_peer(m, id, force));
    }
}

/* Calls on the unconfigured mesh, NULL out-parameters, bad modes/channels. */
static void test_mesh_unconfigured(void) {
    const uint8_t data[4] = {1, 2, 3, 4};
    const uint8_t *out = NULL;
    int32_t v = 0x7777, v2 = 0x7777, len = 0x7777;
    meshrtc_peer peer = 0x7777;
    meshrtc_channel chs[4] = {0x7777};

    CASE("mesh_put_packet: DISCONNECTED", MESHRTC_ERR_UNCONFIGURED, m_live, "disconnected",
         meshrtc_mesh_put_packet(m_live, data, 4));
    CASE("mesh_put_packet: DISCONNECTED, empty", MESHRTC_ERR_UNCONFIGURED, m_live, "disconnected",
         meshrtc_mesh_put_packet(m_live, NULL, 0));
    CASE("mesh_put_packet: len -1", MESHRTC_ERR_INVALID_PARAMETER, m_live, "len -1 is negative",
         meshrtc_mesh_put_packet(m_live, data, -1));
    CASE("mesh_put_packet: data NULL, len 3", MESHRTC_ERR_INVALID_PARAMETER, m_live, "data is NULL",
         meshrtc_mesh_put_packet(m_live, NULL, 3));
    v = 0x7777;
    CASE("mesh_get_unique_id: DISCONNECTED", MESHRTC_ERR_UNCONFIGURED, m_live, "disconnected",
         meshrtc_mesh_get_unique_id(m_live, &v));
    EXPECT("mesh_get_unique_id: DISCONNECTED", v == 1, "*out_id is %d, want 1 (Godot's value)", v);
    CASE("mesh_next_event: no event", MESHRTC_ERR_UNAVAILABLE, m_live, "no event",
         meshrtc_mesh_next_event(m_live, &v, &v2));
    CASE("mesh_get_packet: no packet", MESHRTC_ERR_UNAVAILABLE, m_live, "no packet",
         meshrtc_mesh_get_packet(m_live, &out, &len));
    EXPECT("mesh_get_packet: no packet", out == NULL && len == 0x7777, "out-parameters written by a failed call");
    static const absent_case absent[] = {{2, REMOVE}, {2, 0}, {2, 1}};
    absent_peer_cases(m_live, absent, COUNT(absent));
    v = 0x7777;
    CASE("mesh_get_peer: unknown id", MESHRTC_ERR_DOES_NOT_EXIST, m_live, "no peer 2",
         meshrtc_mesh_get_peer(m_live, 2, &peer, chs, 4, &v, &v2));
    EXPECT("mesh_get_peer: unknown id", peer == 0x7777 && chs[0] == 0x7777 && v2 == 0x7777,
           "out-parameters written by a failed call");

    /* Transfer mode and channel. */
    static const int32_t bad_modes[] = {-1, 3, INT32_MAX, INT32_MIN};
    int_cases("mesh_set_transfer_mode", "transfer mode", meshrtc_mesh_set_transfer_mode, m_live, bad_modes,
              COUNT(bad_modes));
    static const int32_t bad_channels[] = {-1, 256, INT32_MAX, INT32_MIN};
    int_cases("mesh_set_transfer_channel", "transfer channel", meshrtc_mesh_set_transfer_channel, m_live,
              bad_channels, COUNT(bad_channels));
    FATAL_OK(meshrtc_mesh_get_transfer_mode(m_live, &v));
    FATAL_OK(meshrtc_mesh_get_transfer_channel(m_live, &v2));
    EXPECT("mesh transfer settings", v == MODE_R && v2 == 0, "bad calls changed mode to %d, channel to %d", v, v2);
    ACCEPTED("mesh_set_transfer_channel: 255", meshrtc_mesh_set_transfer_channel(m_live, 255));
    FATAL_OK(meshrtc_mesh_set_transfer_channel(m_live, 0));

    /* NULL out-parameters. */
#define MESH_NULL_OUT(fn, substr) \
    CASE("mesh_" #fn ": out NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, substr, meshrtc_mesh_##fn(m_live, NULL))
    MESH_NULL_OUT(get_target_peer, "out_peer_id");
    MESH_NULL_OUT(get_transfer_mode, "out_mode");
    MESH_NULL_OUT(get_transfer_channel, "out_channel");
    MESH_NULL_OUT(get_available_packet_count, "out_count");
    MESH_NULL_OUT(get_packet_peer, "out_peer_id");
    MESH_NULL_OUT(get_packet_channel, "out_channel");
    MESH_NULL_OUT(get_packet_mode, "out_mode");
    MESH_NULL_OUT(get_unique_id, "out_id");
    MESH_NULL_OUT(get_connection_status, "out_status");
    MESH_NULL_OUT(is_server_relay_supported, "out_supported");
    MESH_NULL_OUT(is_refusing_new_connections, "out_refusing");
    MESH_NULL_OUT(get_max_packet_size, "out_size");
#undef MESH_NULL_OUT
    CASE("mesh_has_peer: out_has NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out_has",
         meshrtc_mesh_has_peer(m_live, 2, NULL));
    CASE("mesh_next_event: out_type NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out_type",
         meshrtc_mesh_next_event(m_live, NULL, &v));
    CASE("mesh_next_event: out_peer_id NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out_peer_id",
         meshrtc_mesh_next_event(m_live, &v, NULL));
    CASE("mesh_get_packet: out_data NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out_data",
         meshrtc_mesh_get_packet(m_live, NULL, &len));
    CASE("mesh_get_packet: out_len NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out_len",
         meshrtc_mesh_get_packet(m_live, &out, NULL));
    CASE("mesh_get_peers: out_count NULL", MESHRTC_ERR_INVALID_PARAMETER, m_live, "out_count",
         meshrtc_mesh_get_peers(m_live, oids, 4, NULL));
    CASE("mesh_get_peers: ids_cap -1", MESHRTC_ERR_INVALID_PARAMETER, m_live, "ids_cap -1",
         meshrtc_mesh_get_peers(m_live, oids, -1, &v));
    CASE("mesh_get_peers: out_ids NULL, ids_cap 3", MESHRTC_ERR_INVALID_PARAMETER, m_live, "ids_cap 3",
         meshrtc_mesh_get_peers(m_live, NULL, 3, &v));
    const struct {
        const char *name, *substr;
        meshrtc_peer *peer;
        meshrtc_channel *channels;
        int32_t cap, *count, *connected;
    } get_peer[] = {
        {"out_peer NULL", "out_peer", NULL, chs, 4, &v, &v2},
        {"out_channel_count NULL", "out_channel_count", &peer, chs, 4, NULL, &v2},
        {"out_connected NULL", "out_connected", &peer, chs, 4, &v, NULL},
        {"channels_cap -1", "channels_cap -1", &peer, chs, -1, &v, &v2},
        {"out_channels NULL, channels_cap 3", "channels_cap 3", &peer, NULL, 3, &v, &v2},
    };
    for (size_t i = 0; i < COUNT(get_peer); i++) {
        char name[160];
        snprintf(name, sizeof name, "mesh_get_peer: %s", get_peer[i].name);
        CASE(name, MESHRTC_ERR_INVALID_PARAMETER, m_live, get_peer[i].substr,
             meshrtc_mesh_get_peer(m_live, 2, get_peer[i].peer, get_peer[i].channels, get_peer[i].cap,
                                   get_peer[i].count, get_peer[i].connected));
    }
    ACCEPTED("mesh_get_peers: size query of an empty mesh (NULL, 0)", meshrtc_mesh_get_peers(m_live, NULL, 0, &v));
    EXPECT("mesh_get_peers: empty mesh", v == 0, "count %d", v);
}

/* The meshes and connections of test_mesh_peers. */
typedef struct peers_fixture {
    meshrtc_mesh unconf;               /* unconfigured, refusing */
    meshrtc_mesh srv;                  /* server with peers 2 (x) and 3 (y), channels_config R, UO, U */
    meshrtc_mesh srv_r, cli_r, mesh_r; /* refusing: a server, client 2, mesh 3 */
    meshrtc_peer x, y, z;              /* z is in no mesh */
    meshrtc_channel chs[8];            /* srv's channels of peer 2 */
} peers_fixture;

static void peers_fixture_make(peers_fixture *f) {
    static const int32_t config[3] = {MODE_R, MODE_UO, MODE_U};
    f->unconf = new_mesh();
    f->srv = new_mesh();
    f->srv_r = new_mesh();
    f->cli_r = new_mesh();
    f->mesh_r = new_mesh();
    f->x = new_peer();
    f->y = new_peer();
    f->z = new_peer();
    FATAL_OK(meshrtc_mesh_set_refuse_new_connections(f->unconf, 1));
    FATAL_OK(meshrtc_mesh_create_server(f->srv, config, 3));
    FATAL_OK(meshrtc_mesh_create_server(f->srv_r, config, 3));
    FATAL_OK(meshrtc_mesh_set_refuse_new_connections(f->srv_r, 1));
    FATAL_OK(meshrtc_mesh_create_client(f->cli_r, 2, config, 3));
    FATAL_OK(meshrtc_mesh_set_refuse_new_connections(f->cli_r, 1));
    FATAL_OK(meshrtc_mesh_create_mesh(f->mesh_r, 3, NULL, 0));
    FATAL_OK(meshrtc_mesh_set_refuse_new_connections(f->mesh_r, 1));
    FATAL_OK(meshrtc_mesh_add_peer(f->srv, f->x, 2, 1));
    FATAL_OK(meshrtc_mesh_add_peer(f->srv, f->y, 3, 1));
}

/* add_peer's errors in Godot's order: each case breaks several rules and
 * must report the first. A failed add_peer changes nothing. */
static void add_peer_errors(const peers_fixture *f) {
    const struct {
        const char *name;
        int32_t want;
        meshrtc_mesh mesh;
        const char *substr;
        meshrtc_peer peer;
        int32_t id, lifetime;
    } cases[] = {
        /* 1. not configured (refusing, peer closed, id 0, lifetime -1 too) */
        {"unconfigured (before everything)", MESHRTC_ERR_UNCONFIGURED, f->unconf, "configure", p_closed, 0, -1},
        {"unconfigured", MESHRTC_ERR_UNCONFIGURED, m_live, "configure", f->z, 2, 1},
        /* 2. a client adding an id other than 1 (refusing, peer closed, lifetime -1 too) */
        {"client adding id 3", MESHRTC_ERR_INVALID_PARAMETER, f->cli_r, "only add peer 1", p_closed, 3, -1},
        {"client adding id 0", MESHRTC_ERR_INVALID_PARAMETER, f->cli_r, "only add peer 1", p_closed, 0, -1},
        /* 3. a server adding 1 */
        {"server adding id 1", MESHRTC_ERR_INVALID_PARAMETER, f->srv_r, "cannot add peer 1", p_closed, 1, -1},
        /* 4. id out of range */
        {"server adding id 0", MESHRTC_ERR_INVALID_PARAMETER, f->srv_r, "peer id 0 is out of range", p_closed, 0, -1},
        {"server adding id -5", MESHRTC_ERR_INVALID_PARAMETER, f->srv_r, "peer id -5 is out of range", p_closed, -5,
         -1},
        {"mesh adding id INT32_MIN", MESHRTC_ERR_INVALID_PARAMETER, f->mesh_r, "out of range", p_closed, INT32_MIN,
         -1},
        {"mesh adding id 0", MESHRTC_ERR_INVALID_PARAMETER, f->mesh_r, "out of range", p_closed, 0, 1},
        /* 5. lifetime outside 0..65535 */
        {"lifetime -1", MESHRTC_ERR_INVALID_PARAMETER, f->srv_r, "unreliable_lifetime -1", p_closed, 2, -1},
        {"lifetime INT32_MIN", MESHRTC_ERR_INVALID_PARAMETER, f->srv_r, "unreliable_lifetime", p_closed, 2,
         INT32_MIN},
        {"lifetime 65536", MESHRTC_ERR_INVALID_PARAMETER, f->srv_r, "unreliable_lifetime 65536", p_closed, 2, 65536},
        {"client, lifetime 65536", MESHRTC_ERR_INVALID_PARAMETER, f->cli_r, "unreliable_lifetime 65536", p_closed, 1,
         65536},
        /* 6. refusing new connections (peer closed too) */
        {"server refusing", MESHRTC_ERR_UNAUTHORIZED, f->srv_r, "refusing", p_closed, 2, 1},
        {"client refusing", MESHRTC_ERR_UNAUTHORIZED, f->cli_r, "refusing", p_closed, 1, 65535},
        {"mesh refusing, new peer", MESHRTC_ERR_UNAUTHORIZED, f->mesh_r, "refusing", f->z, 4, 0},
        /* 7. peer not in STATE_NEW (id 2 already there too) */
        {"closed peer", MESHRTC_ERR_INVALID_PARAMETER, f->srv, "STATE_NEW", p_closed, 4, 1},
        {"closed peer, id already there", MESHRTC_ERR_INVALID_PARAMETER, f->srv, "STATE_NEW", p_closed, 2, 1},
        {"connected peer", MESHRTC_ERR_INVALID_PARAMETER, f->srv, "STATE_NEW", pa.peer, 4, 1},
        /* 8. id or connection already in the mesh */
        {"id already in the mesh", MESHRTC_ERR_ALREADY_EXISTS, f->srv, "peer 2 is already in the mesh", f->z, 2, 1},
        {"connection already in the mesh", MESHRTC_ERR_ALREADY_EXISTS, f->srv, "already in the mesh", f->x, 4, 1},
        /* Bad peer handles. */
        {"peer handle 0", MESHRTC_ERR_INVALID_PARAMETER, f->srv, "handle 0", 0, 4, 1},
        {"channel as peer", MESHRTC_ERR_INVALID_PARAMETER, f->srv, "not a peer handle", c_connecting, 4, 1},
        {"mesh as peer", MESHRTC_ERR_INVALID_PARAMETER, f->srv, "not a peer handle", m_live, 4, 1},
        {"destroyed peer", MESHRTC_ERR_DOES_NOT_EXIST, f->srv, "destroyed or never existed", p_dead, 4, 1},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char name[160];
        snprintf(name, sizeof name, "mesh_add_peer: %s", cases[i].name);
        CASE(name, cases[i].want, cases[i].mesh, cases[i].substr,
             meshrtc_mesh_add_peer(cases[i].mesh, cases[i].peer, cases[i].id, cases[i].lifetime));
    }
    int32_t count = -1, has = -1;
    FATAL_OK(meshrtc_mesh_get_peers(f->srv, NULL, 0, &count) == MESHRTC_ERR_PARAMETER_RANGE_ERROR ? MESHRTC_OK : 1);
    FATAL_OK(meshrtc_mesh_has_peer(f->srv, 4, &has));
    EXPECT("mesh_add_peer", count == 2 && has == 0, "failed add_peer calls changed the mesh (%d peers)", count);
    int32_t counts[4] = {-1, -1, -1, -1};
    meshrtc_mesh refusing[] = {f->unconf, f->srv_r, f->cli_r, f->mesh_r};
    for (int i = 0; i < 4; i++) meshrtc_mesh_get_peers(refusing[i], NULL, 0, &counts[i]);
    EXPECT("mesh_add_peer", counts[0] == 0 && counts[1] == 0 && counts[2] == 0 && counts[3] == 0,
           "a refused add_peer added a peer");
    /* The refused connection got no channels: it still cannot make an offer. */
    EXPECT("mesh_add_peer", meshrtc_peer_create_offer(f->z) == MESHRTC_ERR_UNCONFIGURED,
           "a failed add_peer created channels on the connection");
}

/* get_peer / get_peers buffers: the count is always written, nothing else;
 * keeps peer 2's channels in f->chs. */
static void peer_buffers(peers_fixture *f) {
    meshrtc_peer peer = 0x7777;
    meshrtc_channel *chs = f->chs;
    for (int i = 0; i < 8; i++) chs[i] = 0x7777;
    int32_t n = -1, connected = 0x7777;
    CASE("mesh_get_peer: channels_cap 5 < 6", MESHRTC_ERR_PARAMETER_RANGE_ERROR, f->srv, "channels_cap 5",
         meshrtc_mesh_get_peer(f->srv, 2, &peer, chs, 5, &n, &connected));
    EXPECT("mesh_get_peer: buffer too small", n == 6, "count %d, want 6", n);
    EXPECT("mesh_get_peer: buffer too small", peer == 0x7777 && chs[0] == 0x7777 && connected == 0x7777,
           "wrote more than the count");
    n = -1;
    CASE("mesh_get_peer: size query (NULL, 0)", MESHRTC_ERR_PARAMETER_RANGE_ERROR, f->srv, "channels_cap 0",
         meshrtc_mesh_get_peer(f->srv, 3, &peer, NULL, 0, &n, &connected));
    EXPECT("mesh_get_peer: size query", n == 6 && peer == 0x7777, "count %d", n);
    CASE("mesh_get_peer: unknown id", MESHRTC_ERR_DOES_NOT_EXIST, f->srv, "no peer 9",
         meshrtc_mesh_get_peer(f->srv, 9, &peer, chs, 8, &n, &connected));
    n = -1;
    ACCEPTED("mesh_get_peer: exact buffer", meshrtc_mesh_get_peer(f->srv, 2, &peer, chs, 6, &n, &connected));
    EXPECT("mesh_get_peer: exact buffer",
           n == 6 && peer == f->x && connected == 0 && chs[5] != 0x7777 && chs[6] == 0x7777,
           "count %d, peer ok %d, connected %d", n, peer == f->x, connected);
    int32_t ids[4] = {0x7777, 0x7777, 0x7777, 0x7777};
    n = -1;
    CASE("mesh_get_peers: ids_cap 1 < 2", MESHRTC_ERR_PARAMETER_RANGE_ERROR, f->srv, "ids_cap 1",
         meshrtc_mesh_get_peers(f->srv, ids, 1, &n));
    EXPECT("mesh_get_peers: buffer too small", n == 2 && ids[0] == 0x7777, "count %d, ids[0] %d", n, ids[0]);
    n = -1;
    CASE("mesh_get_peers: size query (NULL, 0)", MESHRTC_ERR_PARAMETER_RANGE_ERROR, f->srv, "ids_cap 0",
         meshrtc_mesh_get_peers(f->srv, NULL, 0, &n));
    EXPECT("mesh_get_peers: size query", n == 2, "count %d", n);
    ACCEPTED("mesh_get_peers: exact buffer", meshrtc_mesh_get_peers(f->srv, ids, 2, &n));
    EXPECT("mesh_get_peers: exact buffer", n == 2 && ids[0] == 2 && ids[1] == 3 && ids[2] == 0x7777,
           "count %d, ids %d %d", n, ids[0], ids[1]);
}

/* Mesh-owned channel handles: read them, never destroy them. */
static void mesh_owned_channels(const peers_fixture *f) {
    CASE("channel_destroy: mesh-owned channel", MESHRTC_ERR_UNAUTHORIZED, f->chs[0], "belongs to mesh",
         meshrtc_channel_destroy(f->chs[0]));
    CASE("channel_destroy: mesh-owned channel (last)", MESHRTC_ERR_UNAUTHORIZED, f->chs[5], "belongs to mesh",
         meshrtc_channel_destroy(f->chs[5]));
    int32_t state = -1;
    EXPECT("channel_destroy: mesh-owned channel", meshrtc_channel_get_ready_state(f->chs[0], &state) == MESHRTC_OK,
           "the refused destroy released the handle");
}

/* put_packet to targets and on channels that are not there (peers 2 and 3
 * never connect); broadcasts skip them. */
static void put_packet_targets(const peers_fixture *f) {
    static const uint8_t data[4] = {1, 2, 3, 4};
    static const struct {
        const char *name;
        int32_t want, target, channel;
        const char *substr;
    } cases[] = {
        {"target peer 9 not in the mesh", MESHRTC_ERR_INVALID_PARAMETER, 9, 0, "target peer 9"},
        {"target peer 1 (itself)", MESHRTC_ERR_INVALID_PARAMETER, 1, 0, "target peer 1"},
        {"transfer channel 4, peer has 3 extra", MESHRTC_ERR_INVALID_PARAMETER, 2, 4, "peer 2 has 6 channels"},
        {"transfer channel 255", MESHRTC_ERR_INVALID_PARAMETER, 2, 255, "has 6 channels"},
        {"channel not open yet", MESHRTC_ERR_UNAVAILABLE, 2, 3, "not open yet"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char name[160];
        snprintf(name, sizeof name, "mesh_put_packet: %s", cases[i].name);
        FATAL_OK(meshrtc_mesh_set_target_peer(f->srv, cases[i].target));
        FATAL_OK(meshrtc_mesh_set_transfer_channel(f->srv, cases[i].channel));
        CASE(name, cases[i].want, f->srv, cases[i].substr, meshrtc_mesh_put_packet(f->srv, data, 4));
    }
    FATAL_OK(meshrtc_mesh_set_transfer_channel(f->srv, 0));
    FATAL_OK(meshrtc_mesh_set_target_peer(f->srv, 0));
    ACCEPTED("mesh_put_packet: broadcast skips peers not open", meshrtc_mesh_put_packet(f->srv, data, 4));
    FATAL_OK(meshrtc_mesh_set_target_peer(f->srv, -2));
    ACCEPTED("mesh_put_packet: all but 2 skips peers not open", meshrtc_mesh_put_packet(f->srv, data, 4));
    FATAL_OK(meshrtc_mesh_set_target_peer(f->srv, 0));
}

/* remove_peer / disconnect_peer of ids not in the mesh change nothing. */
static void absent_peers(const peers_fixture *f) {
    static const absent_case cases[] = {{9, REMOVE}, {0, REMOVE}, {1, REMOVE} /* its own id */, {9, 0}, {-3, 1}};
    absent_peer_cases(f->srv, cases, COUNT(cases));
    int32_t ids[4], n = -1;
    FATAL_OK(meshrtc_mesh_get_peers(f->srv, ids, 4, &n));
    EXPECT("mesh_remove_peer", n == 2, "failed removals changed the mesh (%d peers)", n);
}

/* The meshes' channel handles go with them; their peers are the host's. */
static void peers_fixture_destroy(const peers_fixture *f) {
    meshrtc_mesh meshes[] = {f->unconf, f->srv, f->srv_r, f->cli_r, f->mesh_r};
    for (size_t i = 0; i < COUNT(meshes); i++) FATAL_OK(meshrtc_mesh_destroy(meshes[i]));
    int32_t state = -1;
    CASE("channel_get_ready_state: channel of a destroyed mesh", MESHRTC_ERR_DOES_NOT_EXIST, 0,
         "destroyed or never existed", meshrtc_channel_get_ready_state(f->chs[0], &state));
    CASE("mesh_destroy: twice", MESHRTC_ERR_DOES_NOT_EXIST, 0, "destroyed or never existed",
         meshrtc_mesh_destroy(f->srv));
    meshrtc_peer peers[] = {f->x, f->y, f->z};
    for (size_t i = 0; i < COUNT(peers); i++) FATAL_OK(meshrtc_peer_destroy(peers[i]));
}

static void test_mesh_peers(void) {
    peers_fixture f;
    peers_fixture_make(&f);
    add_peer_errors(&f);
    peer_buffers(&f);
    mesh_owned_channels(&f);
    put_packet_targets(&f);
    absent_peers(&f);
    peers_fixture_destroy(&f);
}

/* Idempotent closes and polls on every kind of fixture still succeed; then
 * every fixture is destroyed, and a second destroy sees a destroyed handle. */
static void destroy_fixtures(void) {
    ACCEPTED("peer_close: twice", meshrtc_peer_close(p_closed));
    ACCEPTED("channel_close: closed channel", meshrtc_channel_close(c_closed));
    ACCEPTED("channel_poll: orphan channel", meshrtc_channel_poll(c_orphan));
    ACCEPTED("peer_poll: closed peer", meshrtc_peer_poll(p_closed));

    meshrtc_channel mine[] = {c_connecting, c_kept, c_of_closed, c_orphan, c_open, c_open_b, c_closed, c_closed_b};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) FATAL_OK(meshrtc_channel_destroy(mine[i]));
    meshrtc_peer peers[] = {p_new, p_bare, p_kept, p_closed};
    for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) FATAL_OK(meshrtc_peer_destroy(peers[i]));
    FATAL_OK(meshrtc_mesh_destroy(m_live));
    pair_destroy(&pa, &pb);

    CASE("peer_destroy: twice", MESHRTC_ERR_DOES_NOT_EXIST, 0, "destroyed or never existed", meshrtc_peer_destroy(p_new));
    CASE("channel_destroy: twice", MESHRTC_ERR_DOES_NOT_EXIST, 0, "destroyed or never existed",
         meshrtc_channel_destroy(c_open));
    free(offer_sdp);
}

/* Nothing leaked; out_leaked may be NULL. */
static void test_shutdown(void) {
    int32_t leaked = -1;
    ACCEPTED("shutdown", meshrtc_shutdown(&leaked));
    EXPECT("shutdown", leaked == 0, "%d handles leaked", leaked);
    ACCEPTED("shutdown: out_leaked NULL", meshrtc_shutdown(NULL));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* LeakSanitizer exits without flushing stdio */
    double t0 = tk_now_s();
    make_fixtures();
    test_handles();
    test_library();
    test_logs();
    test_initialize();
    test_create_data_channel();
    test_create_offer();
    test_descriptions();
    test_candidates();
    test_peer_getters();
    test_put_packet();
    test_channel_calls();
    test_channel_texts();
    test_batches();
    test_mesh_create_and_options();
    test_mesh_unconfigured();
    test_mesh_peers();
    destroy_fixtures();
    test_shutdown();
    printf("accepted-input cases: %d\n", n_accepted);
    printf("bad-input cases: %d\n", n_cases);
    printf("test_bad_input: %d failures in %.1f s\n", n_failed, tk_now_s() - t0);
    return n_failed == 0 ? 0 : 1;
}
