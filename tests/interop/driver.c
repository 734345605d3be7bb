/* driver.c - a meshrtc node for the interop tests, driven only through the
 * C ABI (include/meshrtc.h) of the built libmeshrtc.so.
 *
 * It runs "the interop exchange" (tests/interop/README.md) with every remote
 * node named on the command line, signaling through tests/interop/signaling.py:
 *
 *   driver --me NAME --peer OTHER:offer|answer [--peer ...] [--port 8765]
 *          [--bulk BYTES] [--deadline SECONDS] [--config JSON]
 *
 * "OTHER:offer" means this node sends the offer to OTHER. The node posts its
 * result JSON to /result/NAME, prints it, and exits 0 only if every check
 * passed and meshrtc_shutdown reported no leaked handle.
 */
#include "sig.h"

#include "../testkit.h"

/* Loopback-only ICE (the network rule), no acceptance waits (pion's prflx
 * wait would otherwise delay pairs with the browser, tests/interop/README.md). */
#define DEFAULT_CONFIG                                                                                       \
    "{\"iceServers\":[],\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\"," \
    "\"ipv6\":false,\"hostAcceptanceWaitMs\":0,\"prflxAcceptanceWaitMs\":0}}"

#ifndef CHUNK
#define CHUNK 16384 /* bulk message size */
#endif
#define WINDOW (1024 * 1024)
#define UNREL_N 50
#define UNREL_LEN 64
#define LIFETIME_MS 1000
#define MAX_CONNS 8
#define NCH 4 /* reliable, ordered, unreliable, inband */

static const char *CH_NAMES[NCH] = {"reliable", "ordered", "unreliable", "inband"};

typedef struct conn {
    char name[64];
    int offerer;
    meshrtc_peer peer;
    meshrtc_channel ch[NCH];
    int open;
    double t_start, t_open;
    int conn_state;
    /* sending */
    int phase_a_sent;
    int64_t bulk_sent;
    double t_bulk_send_start, t_bulk_acked;
    int bulk_acked, fin_sent, fin_received;
    /* receiving */
    int rel_stage; /* 0: text, 1: 256 binary, 2: text with NUL, 3: bulk chunks */
    int64_t bulk_recv;
    double t_bulk_recv_first, t_bulk_recv_done;
    int ord_stage; /* 0: text, 1: binary, 2: nothing more */
    int unrel_count, inb_text, inb_bin;
    int done;    /* finished the exchange (passed) */
    char *error; /* first failure, or NULL */
    sbuf checks; /* names of checks passed, JSON array items */
    meshrtc_peer_stats stats;
} conn;

static char me[64];
/* --quirk werift-dcep: werift 0.24.4 writes DATA_CHANNEL_OPEN's channel type
 * as 0x01 for an unordered channel with maxRetransmits (it overwrites the
 * 0x80 unordered bit), so the in-band channel it opens arrives ordered. */
static int quirk_werift_dcep;
static int64_t bulk = 4 * 1024 * 1024;
static conn conns[MAX_CONNS];
static int nconns;
static uint8_t *expect; /* pattern bytes, bulk long */

static void fail(conn *c, const char *fmt, ...) {
    if (c->error) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->error = strdup(msg);
    fprintf(stderr, "[%s] FAIL with %s: %s\n", me, c->name, msg);
}

static void passed(conn *c, const char *check) {
    if (c->checks.len) sb_add(&c->checks, ",", 1);
    sb_json_str(&c->checks, check);
}

/* h's last error, in a buffer the next call reuses. */
static const char *last_error(int64_t h) {
    static char msg[1024];
    return tk_last_error(h, msg, (int32_t)sizeof msg);
}

/* CHECKED(c, h, call): a failing call fails the connection with h's message. */
#define CHECKED(c, h, call)                                                              \
    do {                                                                                 \
        int32_t rc_ = (call);                                                            \
        if (rc_ != MESHRTC_OK) fail((c), "%s returned %d: %s", #call, rc_, last_error(h)); \
    } while (0)

static void send_signal(conn *c, const char *type, sbuf *fields) {
    sbuf msg = {0};
    sb_printf(&msg, "{\"from\":");
    sb_json_str(&msg, me);
    sb_printf(&msg, ",\"to\":");
    sb_json_str(&msg, c->name);
    sb_printf(&msg, ",\"type\":");
    sb_json_str(&msg, type);
    if (fields && fields->len) sb_add(&msg, fields->p, fields->len);
    sb_add(&msg, "}", 1);
    char path[128];
    snprintf(path, sizeof path, "/send/%s", c->name);
    int st = http_request("POST", path, msg.p, msg.len, NULL);
    if (st != 200) fail(c, "signaling POST %s failed (status %d)", path, st);
    sb_free(&msg);
}

static conn *find_conn(const char *name) {
    for (int i = 0; i < nconns; i++) {
        if (strcmp(conns[i].name, name) == 0) return &conns[i];
    }
    return NULL;
}

static void setup_conn(conn *c, const char *config) {
    CHECKED(c, 0, meshrtc_peer_create(&c->peer));
    if (c->error) return;
    CHECKED(c, c->peer, meshrtc_peer_initialize(c->peer, config));
    char opts[256];
    snprintf(opts, sizeof opts, "{\"negotiated\":true,\"id\":1}");
    CHECKED(c, c->peer, meshrtc_peer_create_data_channel(c->peer, "reliable", opts, &c->ch[0]));
    snprintf(opts, sizeof opts, "{\"negotiated\":true,\"id\":2,\"maxPacketLifeTime\":%d}", LIFETIME_MS);
    CHECKED(c, c->peer, meshrtc_peer_create_data_channel(c->peer, "ordered", opts, &c->ch[1]));
    snprintf(opts, sizeof opts, "{\"negotiated\":true,\"id\":3,\"ordered\":false,\"maxPacketLifeTime\":%d}",
             LIFETIME_MS);
    CHECKED(c, c->peer, meshrtc_peer_create_data_channel(c->peer, "unreliable", opts, &c->ch[2]));
    if (c->offerer) {
        CHECKED(c, c->peer,
                meshrtc_peer_create_data_channel(c->peer, "inband",
                                                 "{\"ordered\":false,\"maxRetransmits\":5,\"protocol\":\"meshrtc-interop\"}",
                                                 &c->ch[3]));
    }
    send_signal(c, "hello", NULL);
}

/* Checks the in-band channel the offerer opened, as the answerer sees it. */
static void check_inband(conn *c, meshrtc_channel ch) {
    char label[64], proto[64];
    int32_t len = 0, ordered = -1, negotiated = -1, retrans = -1, life = -1;
    CHECKED(c, ch, meshrtc_channel_get_label(ch, label, (int32_t)sizeof label, &len));
    CHECKED(c, ch, meshrtc_channel_get_protocol(ch, proto, (int32_t)sizeof proto, &len));
    CHECKED(c, ch, meshrtc_channel_is_ordered(ch, &ordered));
    CHECKED(c, ch, meshrtc_channel_is_negotiated(ch, &negotiated));
    CHECKED(c, ch, meshrtc_channel_get_max_retransmits(ch, &retrans));
    CHECKED(c, ch, meshrtc_channel_get_max_packet_life_time(ch, &life));
    if (c->error) return;
    int want_ordered = quirk_werift_dcep ? 1 : 0;
    if (strcmp(label, "inband") || strcmp(proto, "meshrtc-interop") || ordered != want_ordered || negotiated != 0 ||
        retrans != 5 || life != 65535) {
        fail(c, "received in-band channel has label=%s protocol=%s ordered=%d negotiated=%d maxRetransmits=%d "
                "maxPacketLifeTime=%d, want inband/meshrtc-interop/%d/0/5/65535",
             label, proto, ordered, negotiated, retrans, life, want_ordered);
        return;
    }
    passed(c, quirk_werift_dcep ? "inband-channel-properties (werift DCEP quirk: arrives ordered)"
                                : "inband-channel-properties");
}

static void check_negotiated(conn *c) {
    static const int want_ordered[3] = {1, 1, 0}, want_life[3] = {65535, LIFETIME_MS, LIFETIME_MS};
    for (int i = 0; i < 3; i++) {
        int32_t id = -1, ordered = -1, negotiated = -1, life = -1, retrans = -1;
        CHECKED(c, c->ch[i], meshrtc_channel_get_id(c->ch[i], &id));
        CHECKED(c, c->ch[i], meshrtc_channel_is_ordered(c->ch[i], &ordered));
        CHECKED(c, c->ch[i], meshrtc_channel_is_negotiated(c->ch[i], &negotiated));
        CHECKED(c, c->ch[i], meshrtc_channel_get_max_packet_life_time(c->ch[i], &life));
        CHECKED(c, c->ch[i], meshrtc_channel_get_max_retransmits(c->ch[i], &retrans));
        if (c->error) return;
        if (id != i + 1 || ordered != want_ordered[i] || negotiated != 1 || life != want_life[i] || retrans != 65535) {
            fail(c, "channel %s: id=%d ordered=%d negotiated=%d lifetime=%d retransmits=%d", CH_NAMES[i], id, ordered,
                 negotiated, life, retrans);
        }
    }
    if (!c->error) passed(c, "negotiated-channel-properties");
}

static void handle_signal(const char *line) {
    sbuf from = {0}, type = {0}, v = {0}, mid = {0}, idx = {0};
    if (!js_get(line, "from", &from) || !js_get(line, "type", &type)) {
        fprintf(stderr, "[%s] ignoring malformed signal: %.200s\n", me, line);
        goto out;
    }
    conn *c = find_conn(from.p);
    if (!c) {
        fprintf(stderr, "[%s] signal from unknown node %s\n", me, from.p);
        goto out;
    }
    if (c->error) goto out;
    if (!strcmp(type.p, "hello")) {
        /* The offerer waits for the answerer's hello, so setup_ms does not count its start-up. */
        if (c->offerer && c->t_start == 0) {
            c->t_start = tk_now_s();
            CHECKED(c, c->peer, meshrtc_peer_create_offer(c->peer));
        }
    } else if (!strcmp(type.p, "offer") || !strcmp(type.p, "answer")) {
        if (!js_get(line, "sdp", &v)) {
            fail(c, "%s without sdp", type.p);
            goto out;
        }
        if (!strcmp(type.p, "offer")) c->t_start = tk_now_s();
        CHECKED(c, c->peer, meshrtc_peer_set_remote_description(c->peer, type.p, v.p));
    } else if (!strcmp(type.p, "candidate")) {
        if (!js_get(line, "candidate", &v) || !js_get(line, "mid", &mid) || !js_get(line, "index", &idx)) {
            fail(c, "candidate message lacks candidate/mid/index: %.300s", line);
            goto out;
        }
        int32_t r = meshrtc_peer_add_ice_candidate(c->peer, mid.p, atoi(idx.p), v.p);
        if (v.p[0] == 0) {
            /* "" is the end of candidates (meshrtc.h): it must be accepted. */
            if (r != MESHRTC_OK) {
                fail(c, "add_ice_candidate(\"\") (end of candidates, mid %s) returned %d: %s", mid.p, r,
                     last_error(c->peer));
            } else {
                passed(c, "end-of-candidates-accepted");
            }
        } else if (r != MESHRTC_OK) {
            /* Report but do not fail: a stack may send candidates we cannot use. */
            fprintf(stderr, "[%s] add_ice_candidate(%s) from %s returned %d: %s\n", me, v.p, c->name, r,
                    last_error(c->peer));
        }
    } else {
        fprintf(stderr, "[%s] ignoring signal type %s\n", me, type.p);
    }
out:
    sb_free(&from);
    sb_free(&type);
    sb_free(&v);
    sb_free(&mid);
    sb_free(&idx);
}

static void poll_signals(void) {
    sbuf body = {0};
    char path[128];
    snprintf(path, sizeof path, "/recv/%s", me);
    int st = http_request("GET", path, NULL, 0, &body);
    if (st != 200) {
        for (int i = 0; i < nconns; i++) fail(&conns[i], "signaling GET %s failed (status %d)", path, st);
        sb_free(&body);
        return;
    }
    char *save = NULL;
    for (char *line = body.p ? strtok_r(body.p, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        handle_signal(line);
    }
    sb_free(&body);
}

static void drain_events(conn *c) {
    meshrtc_peer_event ev;
    CHECKED(c, c->peer, meshrtc_peer_poll(c->peer));
    while (meshrtc_peer_next_event(c->peer, &ev) == MESHRTC_OK) {
        sbuf f = {0};
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            CHECKED(c, c->peer, meshrtc_peer_set_local_description(c->peer, ev.sdp_type, ev.sdp));
            sb_add(&f, ",\"sdp\":", 7);
            sb_json_str(&f, ev.sdp);
            send_signal(c, ev.sdp_type, &f);
            break;
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            sb_add(&f, ",\"candidate\":", 13);
            sb_json_str(&f, ev.name);
            sb_add(&f, ",\"mid\":", 7);
            sb_json_str(&f, ev.media);
            sb_printf(&f, ",\"index\":%d", ev.index);
            send_signal(c, "candidate", &f);
            break;
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            if (c->offerer || c->ch[3]) {
                fail(c, "unexpected data_channel_received");
                meshrtc_channel_destroy(ev.channel);
            } else {
                c->ch[3] = ev.channel;
                check_inband(c, ev.channel);
            }
            break;
        case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
            c->conn_state = ev.state;
            if (ev.state == MESHRTC_STATE_FAILED && !c->done) fail(c, "connection state FAILED");
            break;
        default:
            break;
        }
        sb_free(&f);
    }
}

static int put(conn *c, int idx, int text, const void *data, int32_t len) {
    CHECKED(c, c->ch[idx], meshrtc_channel_set_write_mode(c->ch[idx], text ? MESHRTC_WRITE_MODE_TEXT : MESHRTC_WRITE_MODE_BINARY));
    int32_t rc = meshrtc_channel_put_packet(c->ch[idx], (const uint8_t *)data, len);
    if (rc != MESHRTC_OK) {
        fail(c, "put_packet on %s (%d bytes) returned %d: %s", CH_NAMES[idx], len, rc, last_error(c->ch[idx]));
        return 0;
    }
    return 1;
}

static int put_text(conn *c, int idx, const char *s, size_t len) {
    return put(c, idx, 1, s, (int32_t)len);
}

static void send_phase_a(conn *c) {
    char text[256];
    int n = snprintf(text, sizeof text, "hello reliable from %s \xe2\x9c\x93", me);
    put_text(c, 0, text, (size_t)n);
    uint8_t b256[256];
    for (int i = 0; i < 256; i++) b256[i] = (uint8_t)i;
    put(c, 0, 0, b256, 256);
    n = snprintf(text, sizeof text, "text%cwith nul from %s", 0, me);
    put_text(c, 0, text, (size_t)n);
    n = snprintf(text, sizeof text, "hello ordered from %s", me);
    put_text(c, 1, text, (size_t)n);
    const uint8_t ob[4] = {0xff, 0x00, 0x7f, 0x80};
    put(c, 1, 0, ob, 4);
    n = snprintf(text, sizeof text, "hello inband from %s", me);
    put_text(c, 3, text, (size_t)n);
    const uint8_t ib[3] = {1, 2, 3};
    put(c, 3, 0, ib, 3);
    for (int i = 0; i < UNREL_N; i++) {
        uint8_t u[UNREL_LEN] = {0xAB, (uint8_t)i};
        put(c, 2, 0, u, UNREL_LEN);
    }
    c->phase_a_sent = 1;
    c->t_bulk_send_start = tk_now_s();
}

static void send_bulk(conn *c) {
    static uint8_t chunk[CHUNK];
    while (!c->error && c->bulk_sent < bulk) {
        int64_t buffered = 0;
        CHECKED(c, c->ch[0], meshrtc_channel_get_buffered_amount(c->ch[0], &buffered));
        if (buffered >= WINDOW) return;
        int32_t len = (int32_t)(bulk - c->bulk_sent < CHUNK ? bulk - c->bulk_sent : CHUNK);
        for (int32_t i = 0; i < len; i++) chunk[i] = expect[c->bulk_sent + i];
        if (!put(c, 0, 0, chunk, len)) return;
        c->bulk_sent += len;
    }
}

/* Is (data, len) the text s (without its NUL)? */
static int is_text(const uint8_t *data, int32_t len, const char *s, size_t slen) {
    return (size_t)len == slen && memcmp(data, s, slen) == 0;
}

static void show(char *out, size_t cap, const uint8_t *data, int32_t len) {
    size_t o = 0;
    for (int32_t i = 0; i < len && o + 5 < cap; i++) {
        o += (size_t)snprintf(out + o, cap - o, (data[i] >= 0x20 && data[i] < 0x7f) ? "%c" : "\\x%02x", data[i]);
    }
    out[o] = 0;
}

/* A packet: its bytes, whether it was text, and how it prints. */
typedef struct packet {
    const uint8_t *data;
    int32_t len, is_str;
    char shown[600];
} packet;

static const char *kind(const packet *p) { return p->is_str ? "text" : "binary"; }

/* The reliable channel's stage ok: check passes and the next stage begins;
 * otherwise c fails with what the stage wanted. */
static void reliable_stage(conn *c, const packet *p, int ok, const char *check, const char *wanted) {
    if (!ok) {
        fail(c, "reliable: got %s of %d bytes %s, want %s", kind(p), p->len, p->shown, wanted);
        return;
    }
    passed(c, check);
    c->rel_stage++;
}

/* The bulk bytes after the reliable channel's three messages; once all
 * arrived byte for byte, "bulk-ok N" goes back. */
static void receive_bulk(conn *c, const packet *p) {
    if (p->is_str || c->bulk_recv + p->len > bulk) {
        fail(c, "reliable: unexpected %s of %d bytes after %lld bulk bytes: %s", kind(p), p->len,
             (long long)c->bulk_recv, p->shown);
        return;
    }
    if (c->bulk_recv == 0) c->t_bulk_recv_first = tk_now_s();
    for (int32_t i = 0; i < p->len; i++) {
        if (p->data[i] != expect[c->bulk_recv + i]) {
            fail(c, "bulk byte %lld is 0x%02x, want 0x%02x", (long long)(c->bulk_recv + i), p->data[i],
                 expect[c->bulk_recv + i]);
            break;
        }
    }
    c->bulk_recv += p->len;
    if (!c->error && c->bulk_recv == bulk) {
        c->t_bulk_recv_done = tk_now_s();
        passed(c, "bulk-received-byte-for-byte");
        char ok[64];
        int n = snprintf(ok, sizeof ok, "bulk-ok %lld", (long long)bulk);
        put_text(c, 0, ok, (size_t)n);
    }
}

static void receive_reliable(conn *c, const packet *p) {
    char want[256], wanted[300];
    if (p->is_str && p->len > 8 && memcmp(p->data, "bulk-ok ", 8) == 0 && c->rel_stage == 3) {
        char num[32];
        snprintf(num, sizeof num, "%.*s", p->len - 8 < 31 ? p->len - 8 : 31, (const char *)p->data + 8);
        if (atoll(num) != bulk || c->bulk_sent != bulk || c->bulk_acked) {
            fail(c, "unexpected %s (sent %lld of %lld)", p->shown, (long long)c->bulk_sent, (long long)bulk);
        } else {
            c->bulk_acked = 1;
            c->t_bulk_acked = tk_now_s();
            passed(c, "bulk-sent-acked");
        }
        return;
    }
    if (p->is_str && is_text(p->data, p->len, "fin", 3) && c->rel_stage == 3) {
        c->fin_received = 1;
        return;
    }
    switch (c->rel_stage) {
    case 0: {
        int n = snprintf(want, sizeof want, "hello reliable from %s \xe2\x9c\x93", c->name);
        snprintf(wanted, sizeof wanted, "text %s", want);
        reliable_stage(c, p, p->is_str == 1 && is_text(p->data, p->len, want, (size_t)n), "reliable-text-utf8", wanted);
        break;
    }
    case 1: {
        int ok = p->is_str == 0 && p->len == 256;
        for (int i = 0; ok && i < 256; i++) ok = p->data[i] == i;
        reliable_stage(c, p, ok, "reliable-binary", "binary 0..255");
        break;
    }
    case 2: {
        int n = snprintf(want, sizeof want, "text%cwith nul from %s", 0, c->name);
        snprintf(wanted, sizeof wanted, "text with NUL from %s", c->name);
        reliable_stage(c, p, p->is_str == 1 && is_text(p->data, p->len, want, (size_t)n), "reliable-text-with-nul",
                       wanted);
        break;
    }
    default:
        receive_bulk(c, p);
    }
}

static void receive_ordered(conn *c, const packet *p) {
    char want[256];
    int n = snprintf(want, sizeof want, "hello ordered from %s", c->name);
    if (c->ord_stage == 0 && p->is_str == 1 && is_text(p->data, p->len, want, (size_t)n)) {
        passed(c, "ordered-text");
        c->ord_stage = 1;
    } else if (c->ord_stage == 1 && p->is_str == 0 && p->len == 4 && memcmp(p->data, "\xff\x00\x7f\x80", 4) == 0) {
        passed(c, "ordered-binary");
        c->ord_stage = 2;
    } else {
        fail(c, "ordered: unexpected %s %s at stage %d", kind(p), p->shown, c->ord_stage);
    }
}

static void receive_unreliable(conn *c, const packet *p) {
    if (p->is_str == 0 && p->len == UNREL_LEN && p->data[0] == 0xAB) {
        if (c->unrel_count++ == 0) passed(c, "unreliable-received");
    } else {
        fail(c, "unreliable: unexpected %s %s", kind(p), p->shown);
    }
}

static void receive_inband(conn *c, const packet *p) {
    char want[256];
    int n = snprintf(want, sizeof want, "hello inband from %s", c->name);
    if (!c->inb_text && p->is_str == 1 && is_text(p->data, p->len, want, (size_t)n)) {
        c->inb_text = 1;
        passed(c, "inband-text");
    } else if (!c->inb_bin && p->is_str == 0 && p->len == 3 && memcmp(p->data, "\x01\x02\x03", 3) == 0) {
        c->inb_bin = 1;
        passed(c, "inband-binary");
    } else {
        fail(c, "inband: unexpected %s %s", kind(p), p->shown);
    }
}

/* Takes every packet of channel idx (reliable, ordered, unreliable, inband). */
static void receive(conn *c, int idx) {
    static void (*const handlers[NCH])(conn *, const packet *) = {receive_reliable, receive_ordered,
                                                                    receive_unreliable, receive_inband};
    packet p;
    while (!c->error && meshrtc_channel_get_packet(c->ch[idx], &p.data, &p.len) == MESHRTC_OK) {
        p.is_str = -1;
        CHECKED(c, c->ch[idx], meshrtc_channel_was_string_packet(c->ch[idx], &p.is_str));
        show(p.shown, sizeof p.shown, p.data, p.len < 80 ? p.len : 80);
        handlers[idx](c, &p);
    }
}

static void step(conn *c) {
    if (c->error || c->done) {
        if (c->peer) drain_events(c); /* keep the queue drained */
        return;
    }
    drain_events(c);
    if (c->error) return;
    if (!c->open) {
        int open = 0;
        for (int i = 0; i < NCH; i++) {
            int32_t st = -1;
            if (!c->ch[i]) continue;
            CHECKED(c, c->ch[i], meshrtc_channel_get_ready_state(c->ch[i], &st));
            open += st == MESHRTC_CHANNEL_STATE_OPEN;
        }
        if (open < NCH) return;
        c->open = 1;
        c->t_open = tk_now_s();
        passed(c, "all-channels-open");
        check_negotiated(c);
        send_phase_a(c);
    }
    for (int i = 0; i < NCH && !c->error; i++) receive(c, i);
    if (!c->error && c->phase_a_sent) send_bulk(c);
    if (!c->error && !c->fin_sent && c->rel_stage == 3 && c->ord_stage == 2 && c->inb_text && c->inb_bin &&
        c->unrel_count > 0 && c->bulk_recv == bulk && c->bulk_acked) {
        put_text(c, 0, "fin", 3);
        c->fin_sent = 1;
    }
    if (!c->error && c->fin_sent && c->fin_received) {
        CHECKED(c, c->peer, meshrtc_peer_get_stats(c->peer, &c->stats));
        c->done = 1;
    }
}

static void describe_progress(conn *c, char *out, size_t cap) {
    snprintf(out, cap,
             "connection_state=%d open=%d reliable_stage=%d ordered_stage=%d unreliable=%d inband_text=%d inband_bin=%d "
             "bulk_sent=%lld bulk_recv=%lld bulk_acked=%d fin_sent=%d fin_received=%d",
             c->conn_state, c->open, c->rel_stage, c->ord_stage, c->unrel_count, c->inb_text, c->inb_bin,
             (long long)c->bulk_sent, (long long)c->bulk_recv, c->bulk_acked, c->fin_sent, c->fin_received);
}

/* The command line into the globals and *config, *deadline_s; 0 on a
 * usage error (printed). */
static int parse_args(int argc, char **argv, const char **config, double *deadline_s) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--me") && v) {
            snprintf(me, sizeof me, "%s", v);
        } else if (!strcmp(a, "--port") && v) {
            sig_port = atoi(v);
        } else if (!strcmp(a, "--bulk") && v) {
            bulk = atoll(v);
        } else if (!strcmp(a, "--deadline") && v) {
            *deadline_s = atof(v);
        } else if (!strcmp(a, "--quirk") && v && !strcmp(v, "werift-dcep")) {
            quirk_werift_dcep = 1;
        } else if (!strcmp(a, "--config") && v) {
            *config = v;
        } else if (!strcmp(a, "--peer") && v && nconns < MAX_CONNS) {
            conn *c = &conns[nconns++];
            memset(c, 0, sizeof *c);
            const char *colon = strchr(v, ':');
            if (!colon || (strcmp(colon + 1, "offer") && strcmp(colon + 1, "answer"))) {
                fprintf(stderr, "bad --peer %s (want NAME:offer or NAME:answer)\n", v);
                return 0;
            }
            snprintf(c->name, sizeof c->name, "%.*s", (int)(colon - v), v);
            c->offerer = !strcmp(colon + 1, "offer");
        } else {
            fprintf(stderr, "usage: driver --me NAME --peer NAME:offer|answer... [--port P] [--bulk N] "
                            "[--deadline S] [--config JSON] [--quirk werift-dcep]\n");
            return 0;
        }
        i++;
    }
    if (!me[0] || nconns == 0 || bulk < 0) {
        fprintf(stderr, "driver: --me and at least one --peer are required\n");
        return 0;
    }
    return 1;
}

/* Runs every connection's exchange until each is done or failed, failing
 * what is left after deadline_s. */
static void run_exchanges(const char *config, double deadline_s) {
    double t0 = tk_now_s(), deadline = t0 + deadline_s, next_signal = 0;
    for (int i = 0; i < nconns; i++) setup_conn(&conns[i], config);
    for (;;) {
        double t = tk_now_s();
        if (t >= next_signal) {
            poll_signals();
            next_signal = t + 0.02;
        }
        int finished = 0;
        for (int i = 0; i < nconns; i++) {
            step(&conns[i]);
            finished += conns[i].done || conns[i].error;
        }
        if (finished == nconns) return;
        if (t > deadline) {
            for (int i = 0; i < nconns; i++) {
                if (conns[i].done || conns[i].error) continue;
                char progress[512];
                describe_progress(&conns[i], progress, sizeof progress);
                fail(&conns[i], "deadline of %.0f s passed: %s", deadline_s, progress);
            }
            return;
        }
        tk_sleep_ms(1);
    }
}

/* Lingers 1 s so the last messages (fin) reach the other side, draining
 * events and packets meanwhile. */
static void linger(void) {
    double until = tk_now_s() + 1.0;
    while (tk_now_s() < until) {
        for (int i = 0; i < nconns; i++) {
            if (conns[i].peer) drain_events(&conns[i]);
            for (int k = 0; k < NCH; k++) {
                const uint8_t *d;
                int32_t l;
                while (conns[i].ch[k] && meshrtc_channel_get_packet(conns[i].ch[k], &d, &l) == MESHRTC_OK) {
                }
            }
        }
        tk_sleep_ms(5);
    }
}

/* Appends c's result, "NAME":{...}, to res. */
static void conn_result(sbuf *res, const conn *c) {
    sb_json_str(res, c->name);
    sb_printf(res, ":{\"role\":\"%s\",\"ok\":%s,\"error\":", c->offerer ? "offer" : "answer",
              c->done && !c->error ? "true" : "false");
    if (c->error) {
        sb_json_str(res, c->error);
    } else {
        sb_add(res, "null", 4);
    }
    sb_printf(res, ",\"setup_ms\":%.1f,\"bulk_bytes\":%lld,\"bulk_send_ms\":%.1f,\"bulk_recv_ms\":%.1f",
              c->open ? (c->t_open - c->t_start) * 1000 : -1, (long long)bulk,
              c->bulk_acked ? (c->t_bulk_acked - c->t_bulk_send_start) * 1000 : -1,
              c->t_bulk_recv_done > 0 ? (c->t_bulk_recv_done - c->t_bulk_recv_first) * 1000 : -1);
    sb_printf(res, ",\"unreliable_received\":%d,\"unreliable_sent\":%d", c->unrel_count, UNREL_N);
    sb_printf(res, ",\"local_candidate\":\"%s\",\"remote_candidate\":\"%s\",\"rtt_us\":%lld",
              cand_name(c->stats.local_candidate_type), cand_name(c->stats.remote_candidate_type),
              (long long)c->stats.rtt_us);
    sb_printf(res, ",\"checks\":[%s]}", c->checks.p ? c->checks.p : "");
}

/* Destroys every handle; returns what meshrtc_shutdown reports leaked. */
static int32_t destroy_all(void) {
    for (int i = 0; i < nconns; i++) {
        for (int k = 0; k < NCH; k++) {
            if (conns[i].ch[k]) meshrtc_channel_destroy(conns[i].ch[k]);
        }
        if (conns[i].peer) meshrtc_peer_destroy(conns[i].peer);
    }
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    return leaked;
}

/* Prints the node's result JSON and posts it to /result/NAME; 1 if every
 * connection passed, nothing leaked and the post went through. */
static int report(void) {
    int ok = 1;
    sbuf res = {0};
    sb_printf(&res, "{\"node\":");
    sb_json_str(&res, me);
    sb_printf(&res, ",\"impl\":\"meshrtc\",\"conns\":{");
    for (int i = 0; i < nconns; i++) {
        ok &= conns[i].done && !conns[i].error;
        if (i) sb_add(&res, ",", 1);
        conn_result(&res, &conns[i]);
    }
    int32_t leaked = destroy_all();
    if (leaked != 0) ok = 0;
    sb_printf(&res, "},\"leaked_handles\":%d,\"ok\":%s}", leaked, ok ? "true" : "false");
    printf("%s\n", res.p);
    fflush(stdout);
    char path[128];
    snprintf(path, sizeof path, "/result/%s", me);
    if (http_request("POST", path, res.p, res.len, NULL) != 200) {
        fprintf(stderr, "[%s] could not post the result\n", me);
        ok = 0;
    }
    sb_free(&res);
    return ok;
}

int main(int argc, char **argv) {
    const char *config = DEFAULT_CONFIG;
    double deadline_s = 90;
    if (!parse_args(argc, argv, &config, &deadline_s)) return 2;
    if (meshrtc_abi_version() != MESHRTC_ABI_VERSION) {
        fprintf(stderr, "driver: ABI mismatch: library %d, header %d\n", meshrtc_abi_version(), MESHRTC_ABI_VERSION);
        return 2;
    }
    expect = malloc(bulk ? (size_t)bulk : 1);
    for (int64_t i = 0; i < bulk; i++) expect[i] = bulk_pattern(i);
    run_exchanges(config, deadline_s);
    linger();
    int ok = report();
    for (int i = 0; i < nconns; i++) {
        sb_free(&conns[i].checks);
        free(conns[i].error);
    }
    free(expect);
    return ok ? 0 : 1;
}
