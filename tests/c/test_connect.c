/* test_connect: a full connection and data exchange through the C ABI only.
 *
 * Covers: meshrtc_version/abi_version; log capture (an unknown top-level
 * config key gives a captured warning); both offer roles; negotiated and
 * in-band channels with every getter checked against the options given;
 * text (with embedded NULs) and binary packets, was_string_packet, empty
 * packets, a 200 KiB and a max-size packet, queue counts, buffered amount
 * and dropped count; connection/gathering/signaling states and the event
 * types seen, with every event's fields checked; close from either side
 * (the other side's channels reach CLOSED) and peer close; re-initialize
 * (old channels CLOSED, state back to NEW, queued events dropped, new
 * options applied, a new connection works); peer and channel stats (empty
 * before connecting and after close, host/host pair and exact channel
 * counters when connected); meshrtc_shutdown reporting 0
 * leaked, reporting objects left alive, and the library staying usable
 * afterwards. Timeouts are hang guards only, never assertions on speed. */
#include "pair.h"

#include "check.h"

#define DEADLINE_S 20.0

/* Loopback-only ICE (LOOPBACK_CONFIG) plus a smaller maximum message size. */
#define LOOPBACK_CONFIG_64K LOOPBACK_CONFIG_WITH(",\"maxMessageSize\":65536")

/* ------------------------------------------------------------ event pump */

typedef struct side {
    pair_side p;
    const char *name;
    unsigned types;   /* bit per MESHRTC_EVENT_* seen */
    unsigned conn;    /* bit per MESHRTC_STATE_* seen */
    unsigned gather;  /* bit per MESHRTC_GATHERING_STATE_* seen */
    unsigned signal;  /* bit per MESHRTC_SIGNALING_STATE_* seen */
    int offers, answers;
} side;

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Field 5 of "candidate:<foundation> <component> <proto> <prio> <addr> ..." */
static int candidate_is_loopback(const char *name) {
    char addr[64] = "";
    if (sscanf(name, "candidate:%*s %*s %*s %*s %63s", addr) != 1) return 0;
    return starts_with(addr, "127.");
}

/* Drains from's events, checks each event's fields and plays it to to. */
static void pump_one(side *from, side *to) {
    meshrtc_peer_event ev;
    CHECK_OK(meshrtc_peer_poll(from->p.peer), from->p.peer);
    for (;;) {
        memset(&ev, 0x5a, sizeof ev);
        int32_t rc = meshrtc_peer_next_event(from->p.peer, &ev);
        if (rc == MESHRTC_ERR_UNAVAILABLE) break;
        CHECK_RC(rc, MESHRTC_OK, from->p.peer);
        if (rc != MESHRTC_OK) break;
        CHECK(ev.type >= 1 && ev.type <= 6, "%s: event type %d", from->name, ev.type);
        if (ev.type >= 1 && ev.type <= 6) from->types |= 1u << ev.type;
        CHECK(ev.reserved == 0, "%s: reserved = %d", from->name, ev.reserved);
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            CHECK(ev.sdp_type != NULL && ev.sdp != NULL, "%s: description without strings", from->name);
            CHECK(ev.media == NULL && ev.name == NULL && ev.channel == 0 && ev.state == 0 && ev.index == 0,
                  "%s: description event has other fields set", from->name);
            if (ev.sdp_type == NULL || ev.sdp == NULL) break;
            CHECK(strcmp(ev.sdp_type, "offer") == 0 || strcmp(ev.sdp_type, "answer") == 0, "%s: sdp_type %s",
                  from->name, ev.sdp_type);
            CHECK(starts_with(ev.sdp, "v=0"), "%s: sdp starts with %.20s", from->name, ev.sdp);
            if (strcmp(ev.sdp_type, "offer") == 0) from->offers++;
            if (strcmp(ev.sdp_type, "answer") == 0) from->answers++;
            CHECK_OK(meshrtc_peer_set_local_description(from->p.peer, ev.sdp_type, ev.sdp), from->p.peer);
            CHECK_OK(meshrtc_peer_set_remote_description(to->p.peer, ev.sdp_type, ev.sdp), to->p.peer);
            break;
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            CHECK(ev.media != NULL && ev.name != NULL, "%s: candidate without strings", from->name);
            CHECK(ev.sdp_type == NULL && ev.sdp == NULL && ev.channel == 0 && ev.state == 0,
                  "%s: candidate event has other fields set", from->name);
            if (ev.media == NULL || ev.name == NULL) break;
            CHECK(ev.index >= 0 && ev.index <= 65535, "%s: candidate index %d", from->name, ev.index);
            CHECK(starts_with(ev.name, "candidate:"), "%s: candidate %s", from->name, ev.name);
            /* The network rule: nothing but loopback may be gathered. */
            CHECK(candidate_is_loopback(ev.name), "%s: non-loopback candidate %s", from->name, ev.name);
            from->p.candidates++;
            CHECK_OK(meshrtc_peer_add_ice_candidate(to->p.peer, ev.media, ev.index, ev.name), to->p.peer);
            break;
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            CHECK(ev.channel != 0, "%s: received channel 0", from->name);
            CHECK(ev.sdp_type == NULL && ev.sdp == NULL && ev.media == NULL && ev.name == NULL && ev.state == 0,
                  "%s: channel event has other fields set", from->name);
            if (ev.channel == 0) break;
            if (from->p.received_count < MAX_RECEIVED) {
                from->p.received[from->p.received_count++] = ev.channel;
            } else {
                CHECK(0, "%s: more received channels than expected", from->name);
                CHECK_OK(meshrtc_channel_destroy(ev.channel), ev.channel);
            }
            break;
        case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
        case MESHRTC_EVENT_GATHERING_STATE_CHANGED:
        case MESHRTC_EVENT_SIGNALING_STATE_CHANGED: {
            int max = ev.type == MESHRTC_EVENT_GATHERING_STATE_CHANGED ? 2 : 5;
            CHECK(ev.state >= 0 && ev.state <= max, "%s: event %d state %d", from->name, ev.type, ev.state);
            CHECK(ev.sdp_type == NULL && ev.sdp == NULL && ev.media == NULL && ev.name == NULL && ev.channel == 0 &&
                      ev.index == 0,
                  "%s: state event has other fields set", from->name);
            if (ev.state < 0 || ev.state > max) break;
            if (ev.type == MESHRTC_EVENT_CONNECTION_STATE_CHANGED) {
                from->conn |= 1u << ev.state;
                from->p.connection_state = ev.state;
            } else if (ev.type == MESHRTC_EVENT_GATHERING_STATE_CHANGED) {
                from->gather |= 1u << ev.state;
            } else {
                from->signal |= 1u << ev.state;
            }
            break;
        }
        default:
            break;
        }
    }
}

static void pump(side *a, side *b) {
    pump_one(a, b);
    pump_one(b, a);
}

typedef int (*cond_fn)(void *arg);

/* Pumps until cond holds; false (and a failure) after DEADLINE_S. */
static int pump_until(side *a, side *b, const char *what, cond_fn cond, void *arg) {
    double deadline = tk_now_s() + DEADLINE_S;
    for (;;) {
        pump(a, b);
        if (cond(arg)) return 1;
        if (tk_now_s() > deadline) {
            CHECK(0, "timed out waiting for %s", what);
            return 0;
        }
        tk_sleep_ms(1);
    }
}

typedef struct state_wait {
    meshrtc_channel ch;
    int32_t state;
} state_wait;

static int channel_in_state(void *arg) {
    state_wait *w = arg;
    int32_t s = -1;
    return meshrtc_channel_get_ready_state(w->ch, &s) == MESHRTC_OK && s == w->state;
}

static void wait_channel_state(side *a, side *b, meshrtc_channel ch, int32_t state, const char *what) {
    state_wait w = {ch, state};
    pump_until(a, b, what, channel_in_state, &w);
}

typedef struct peer_wait {
    meshrtc_peer peer;
    int32_t (*get)(meshrtc_peer, int32_t *);
    int32_t state;
} peer_wait;

static int peer_in_state(void *arg) {
    peer_wait *w = arg;
    int32_t s = -1;
    return w->get(w->peer, &s) == MESHRTC_OK && s == w->state;
}

static int received_count_at_least(void *arg) {
    side *s = ((side **)arg)[0];
    intptr_t n = (intptr_t)((side **)arg)[1];
    return s->p.received_count >= n;
}

static int last_event_connected(void *arg) { return ((side *)arg)->p.connection_state == MESHRTC_STATE_CONNECTED; }

static int gathering_complete_seen(void *arg) {
    return (((side *)arg)->gather & (1u << MESHRTC_GATHERING_STATE_COMPLETE)) != 0;
}

static int buffered_empty(void *arg) {
    int64_t n = -1;
    return meshrtc_channel_get_buffered_amount(*(meshrtc_channel *)arg, &n) == MESHRTC_OK && n == 0;
}

/* ------------------------------------------------------------------ stats */

static meshrtc_peer_stats peer_stats(meshrtc_peer p) {
    meshrtc_peer_stats st;
    memset(&st, 0x5a, sizeof st);
    CHECK_OK(meshrtc_peer_get_stats(p, &st), p);
    return st;
}

/* Before a pair is selected and after close: NONE, rtt -1, counters 0. */
static void check_peer_stats_empty(meshrtc_peer p, const char *what) {
    meshrtc_peer_stats st = peer_stats(p);
    CHECK(st.local_candidate_type == MESHRTC_CANDIDATE_NONE && st.remote_candidate_type == MESHRTC_CANDIDATE_NONE,
          "%s: candidate types %d/%d, want NONE", what, st.local_candidate_type, st.remote_candidate_type);
    CHECK(st.rtt_us == -1, "%s: rtt_us %lld, want -1", what, (long long)st.rtt_us);
    CHECK(st.bytes_sent == 0 && st.bytes_received == 0 && st.packets_sent == 0 && st.packets_received == 0,
          "%s: counters %lld/%lld/%lld/%lld, want 0", what, (long long)st.bytes_sent, (long long)st.bytes_received,
          (long long)st.packets_sent, (long long)st.packets_received);
}

/* Connected on loopback: a host/host pair that carried traffic both ways. */
static void check_peer_stats_connected(meshrtc_peer p, const char *what) {
    meshrtc_peer_stats st = peer_stats(p);
    CHECK(st.local_candidate_type == MESHRTC_CANDIDATE_HOST && st.remote_candidate_type == MESHRTC_CANDIDATE_HOST,
          "%s: candidate types %d/%d, want HOST/HOST", what, st.local_candidate_type, st.remote_candidate_type);
    CHECK(st.rtt_us >= 0, "%s: rtt_us %lld once connected", what, (long long)st.rtt_us);
    CHECK(st.bytes_sent > 0 && st.bytes_received > 0 && st.packets_sent > 0 && st.packets_received > 0,
          "%s: counters %lld/%lld/%lld/%lld", what, (long long)st.bytes_sent, (long long)st.bytes_received,
          (long long)st.packets_sent, (long long)st.packets_received);
    CHECK(st.bytes_sent >= st.packets_sent && st.bytes_received >= st.packets_received, "%s: bytes < packets", what);
}

static void check_channel_stats(meshrtc_channel ch, int64_t msent, int64_t mrecv, int64_t bsent, int64_t brecv,
                                const char *what) {
    meshrtc_channel_stats st;
    memset(&st, 0x5a, sizeof st);
    CHECK_OK(meshrtc_channel_get_stats(ch, &st), ch);
    CHECK(st.messages_sent == msent && st.messages_received == mrecv && st.bytes_sent == bsent &&
              st.bytes_received == brecv,
          "%s: stats sent %lld msgs/%lld bytes, received %lld msgs/%lld bytes; want %lld/%lld, %lld/%lld", what,
          (long long)st.messages_sent, (long long)st.bytes_sent, (long long)st.messages_received,
          (long long)st.bytes_received, (long long)msent, (long long)bsent, (long long)mrecv, (long long)brecv);
}

/* --------------------------------------------------------------- channels */

typedef struct chan_spec {
    const char *label;
    const char *options; /* JSON; NULL means defaults */
    const char *protocol;
    int32_t ordered, negotiated, id; /* id: -1 for an in-band channel */
    int32_t lifetime, retransmits;   /* 65535: not set */
} chan_spec;

static const chan_spec NEGOTIATED[] = {
    {"reliable", "{\"negotiated\":true,\"id\":1}", "", 1, 1, 1, 65535, 65535},
    {"unordered-rtx0", "{\"negotiated\":true,\"id\":2,\"ordered\":false,\"maxRetransmits\":0,\"protocol\":\"p2\"}",
     "p2", 0, 1, 2, 65535, 0},
    {"lifetime", "{\"negotiated\":true,\"id\":3,\"maxPacketLifeTime\":500}", "", 1, 1, 3, 500, 65535},
    /* Godot's WebRTCMultiplayerPeer spells it maxPacketLifetime. */
    {"lifetime-alt", "{\"negotiated\":true,\"id\":40,\"maxPacketLifetime\":250,\"ordered\":true}", "", 1, 1, 40, 250,
     65535},
};
#define N_NEGOTIATED (int)(sizeof NEGOTIATED / sizeof NEGOTIATED[0])

static const chan_spec INBAND[] = {
    {"chat", "{\"protocol\":\"chat-v1\"}", "chat-v1", 1, 0, -1, 65535, 65535},
    {"inband-unreliable", "{\"ordered\":false,\"maxRetransmits\":3}", "", 0, 0, -1, 65535, 3},
    {"h\xc3\xa9llo-\xe2\x9c\x93", "{\"maxPacketLifeTime\":1000,\"protocol\":\"pr\xc3\xb6to\",\"unknownKey\":1}",
     "pr\xc3\xb6to", 1, 0, -1, 1000, 65535},
    {"defaults", NULL, "", 1, 0, -1, 65535, 65535},
};
#define N_INBAND (int)(sizeof INBAND / sizeof INBAND[0])

/* Reads a text getter with the size protocol: a size query first, then an
 * exact buffer. Returns a static copy. */
static const char *get_text(int32_t (*fn)(meshrtc_channel, char *, int32_t, int32_t *), meshrtc_channel ch,
                            const char *what) {
    static char buf[256];
    int32_t len = -1, len2 = -1;
    CHECK_RC(fn(ch, NULL, 0, &len), MESHRTC_ERR_PARAMETER_RANGE_ERROR, ch);
    CHECK(len >= 0 && len < (int32_t)sizeof buf, "%s: size query gave %d", what, len);
    if (len < 0 || len >= (int32_t)sizeof buf) return "";
    memset(buf, 'X', sizeof buf);
    CHECK_RC(fn(ch, buf, len + 1, &len2), MESHRTC_OK, ch);
    CHECK(len2 == len, "%s: length %d then %d", what, len, len2);
    CHECK(buf[len] == '\0', "%s: not NUL-terminated", what);
    return buf;
}

/* Checks every getter of ch against spec. id_known: the in-band id is assigned. */
static void check_channel(meshrtc_channel ch, const chan_spec *spec, int negotiated, int id_known,
                          int32_t max_packet, int32_t state) {
    const char *label = get_text(meshrtc_channel_get_label, ch, "label");
    CHECK(strcmp(label, spec->label) == 0, "label %s, want %s", label, spec->label);
    const char *protocol = get_text(meshrtc_channel_get_protocol, ch, "protocol");
    CHECK(strcmp(protocol, spec->protocol) == 0, "%s: protocol %s, want %s", spec->label, protocol, spec->protocol);
    int32_t v = GET32(meshrtc_channel_is_ordered, ch);
    CHECK(v == spec->ordered, "%s: ordered %d, want %d", spec->label, v, spec->ordered);
    v = GET32(meshrtc_channel_is_negotiated, ch);
    CHECK(v == negotiated, "%s: negotiated %d, want %d", spec->label, v, negotiated);
    v = GET32(meshrtc_channel_get_id, ch);
    if (spec->id >= 0) {
        CHECK(v == spec->id, "%s: id %d, want %d", spec->label, v, spec->id);
    } else if (!id_known) {
        CHECK(v == 65535, "%s: id %d before negotiation, want 65535", spec->label, v);
    } else {
        CHECK(v >= 0 && v <= 65534, "%s: assigned id %d", spec->label, v);
    }
    v = GET32(meshrtc_channel_get_max_packet_life_time, ch);
    CHECK(v == spec->lifetime, "%s: max_packet_life_time %d, want %d", spec->label, v, spec->lifetime);
    v = GET32(meshrtc_channel_get_max_retransmits, ch);
    CHECK(v == spec->retransmits, "%s: max_retransmits %d, want %d", spec->label, v, spec->retransmits);
    v = GET32(meshrtc_channel_get_write_mode, ch);
    CHECK(v == MESHRTC_WRITE_MODE_BINARY, "%s: write mode %d, want binary", spec->label, v);
    v = GET32(meshrtc_channel_get_max_packet_size, ch);
    CHECK(v == max_packet, "%s: max packet size %d, want %d", spec->label, v, max_packet);
    v = GET32(meshrtc_channel_get_available_packet_count, ch);
    CHECK(v == 0, "%s: %d packets queued, want 0", spec->label, v);
    v = GET32(meshrtc_channel_was_string_packet, ch);
    CHECK(v == 0, "%s: was_string_packet %d before any packet", spec->label, v);
    v = GET32(meshrtc_channel_get_ready_state, ch);
    CHECK(v == state, "%s: ready state %d, want %d", spec->label, v, state);
    int64_t n = -1;
    CHECK_OK(meshrtc_channel_get_buffered_amount(ch, &n), ch);
    CHECK(n == 0, "%s: buffered %lld, want 0", spec->label, (long long)n);
    n = -1;
    CHECK_OK(meshrtc_channel_get_dropped_count(ch, &n), ch);
    CHECK(n == 0, "%s: dropped %lld, want 0", spec->label, (long long)n);
    /* Nothing sent or received yet (DCEP messages are not counted). */
    check_channel_stats(ch, 0, 0, 0, 0, spec->label);
}

static const chan_spec *spec_by_label(const char *label) {
    for (int i = 0; i < N_INBAND; i++) {
        if (strcmp(INBAND[i].label, label) == 0) return &INBAND[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------- packets */

/* Pumps until ch has a packet; returns a malloc'd copy (NULL on timeout). */
static uint8_t *recv_packet(side *a, side *b, meshrtc_channel ch, int32_t *out_len, int32_t *is_string) {
    double deadline = tk_now_s() + DEADLINE_S;
    for (;;) {
        const uint8_t *data = NULL;
        int32_t len = -1;
        int32_t rc = meshrtc_channel_get_packet(ch, &data, &len);
        if (rc == MESHRTC_OK) {
            CHECK(data != NULL, "get_packet gave a NULL pointer for %d bytes", len);
            CHECK(len >= 0, "get_packet length %d", len);
            uint8_t *copy = malloc(len > 0 ? (size_t)len : 1);
            if (data != NULL && len > 0) memcpy(copy, data, (size_t)len);
            *out_len = len;
            *is_string = GET32(meshrtc_channel_was_string_packet, ch);
            return copy;
        }
        CHECK_RC(rc, MESHRTC_ERR_UNAVAILABLE, ch);
        if (rc != MESHRTC_ERR_UNAVAILABLE || tk_now_s() > deadline) {
            CHECK(0, "no packet arrived");
            return NULL;
        }
        pump(a, b);
        tk_sleep_ms(1);
    }
}

/* Sends data (in mode) on tx and checks it arrives intact on rx. */
static void exchange(side *a, side *b, meshrtc_channel tx, meshrtc_channel rx, int32_t mode, const uint8_t *data,
                     int32_t len, const char *what) {
    CHECK_OK(meshrtc_channel_set_write_mode(tx, mode), tx);
    CHECK(GET32(meshrtc_channel_get_write_mode, tx) == mode, "%s: write mode not applied", what);
    CHECK_OK(meshrtc_channel_put_packet(tx, data, len), tx);
    int64_t buffered = -1;
    CHECK_OK(meshrtc_channel_get_buffered_amount(tx, &buffered), tx);
    /* Not compared with len: earlier unacknowledged bytes (and pion's
     * control messages) may still be counted. */
    CHECK(buffered >= 0, "%s: buffered %lld after a %d byte packet", what, (long long)buffered, len);
    int32_t got_len = -1, is_string = -1;
    uint8_t *got = recv_packet(a, b, rx, &got_len, &is_string);
    if (got == NULL) {
        CHECK(0, "%s: nothing received", what);
        return;
    }
    CHECK(got_len == len, "%s: received %d bytes, want %d", what, got_len, len);
    CHECK(got_len != len || len == 0 || memcmp(got, data, (size_t)len) == 0, "%s: payload differs", what);
    CHECK(is_string == (mode == MESHRTC_WRITE_MODE_TEXT), "%s: was_string_packet %d", what, is_string);
    free(got);
}

static void exchange_all(side *a, side *b, meshrtc_channel *na, meshrtc_channel *nb, meshrtc_channel chat_out,
                         meshrtc_channel chat_in) {
    meshrtc_channel rel_a = na[0], rel_b = nb[0];
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++) bytes[i] = (uint8_t)i;
    exchange(a, b, rel_a, rel_b, MESHRTC_WRITE_MODE_BINARY, bytes, 256, "binary a->b");

    static const char text[] = "hello\0wor\0ld\0"; /* embedded NULs must survive TEXT mode */
    exchange(b, a, rel_b, rel_a, MESHRTC_WRITE_MODE_TEXT, (const uint8_t *)text, (int32_t)sizeof text - 1,
             "text with NULs b->a");
    exchange(b, a, rel_b, rel_a, MESHRTC_WRITE_MODE_BINARY, bytes, 3, "binary after text b->a");

    /* Empty packets: data may be NULL when len is 0. */
    exchange(a, b, rel_a, rel_b, MESHRTC_WRITE_MODE_TEXT, NULL, 0, "empty text a->b");
    exchange(a, b, rel_a, rel_b, MESHRTC_WRITE_MODE_BINARY, bytes, 0, "empty binary a->b");
    exchange(b, a, rel_b, rel_a, MESHRTC_WRITE_MODE_BINARY, NULL, 0, "empty binary b->a");

    /* Large packets: 200 KiB and exactly the maximum message size. */
    int32_t max = GET32(meshrtc_channel_get_max_packet_size, rel_a);
    int32_t big_len = 200 * 1024;
    uint8_t *big = malloc((size_t)(max > big_len ? max : big_len));
    for (int32_t i = 0; i < (max > big_len ? max : big_len); i++) big[i] = (uint8_t)(i * 7 + i / 251);
    exchange(a, b, rel_a, rel_b, MESHRTC_WRITE_MODE_BINARY, big, big_len, "200 KiB binary a->b");
    pump_until(a, b, "a's buffered amount to drain", buffered_empty, &rel_a);
    exchange(b, a, rel_b, rel_a, MESHRTC_WRITE_MODE_TEXT, big, max, "max-size text b->a");
    pump_until(a, b, "b's buffered amount to drain", buffered_empty, &rel_b);
    free(big);

    /* Counters of the reliable pair so far: a sent 256 + 0 + 0 + 200 KiB,
     * b sent 13 + 3 + 0 + max. */
    int64_t a_msgs = 4, a_bytes = 256 + big_len, b_msgs = 4, b_bytes = (int64_t)sizeof text - 1 + 3 + max;
    check_channel_stats(rel_a, a_msgs, b_msgs, a_bytes, b_bytes, "reliable a");
    check_channel_stats(rel_b, b_msgs, a_msgs, b_bytes, a_bytes, "reliable b");

    /* Several queued packets: counted, then taken in order. */
    for (uint8_t i = 0; i < 3; i++) CHECK_OK(meshrtc_channel_put_packet(rel_a, &i, 1), rel_a);
    double deadline = tk_now_s() + DEADLINE_S;
    while (GET32(meshrtc_channel_get_available_packet_count, rel_b) < 3 && tk_now_s() < deadline) {
        pump(a, b);
        tk_sleep_ms(1);
    }
    CHECK(GET32(meshrtc_channel_get_available_packet_count, rel_b) == 3, "3 packets queued");
    for (uint8_t i = 0; i < 3; i++) {
        const uint8_t *data = NULL;
        int32_t len = -1;
        CHECK_OK(meshrtc_channel_get_packet(rel_b, &data, &len), rel_b);
        CHECK(len == 1 && data != NULL && data[0] == i, "packet %d out of order", i);
    }
    CHECK(GET32(meshrtc_channel_get_available_packet_count, rel_b) == 0, "queue empty");

    /* In-band channel both ways. */
    static const char hi[] = "hi over in-band";
    exchange(a, b, chat_out, chat_in, MESHRTC_WRITE_MODE_TEXT, (const uint8_t *)hi, (int32_t)strlen(hi),
             "in-band out->in");
    exchange(b, a, chat_in, chat_out, MESHRTC_WRITE_MODE_BINARY, bytes, 100, "in-band in->out");

    /* Partially reliable channels: loopback should deliver at least one of 20. */
    for (int c = 1; c < N_NEGOTIATED; c++) {
        for (int i = 0; i < 20; i++) CHECK_OK(meshrtc_channel_put_packet(na[c], bytes, 64), na[c]);
        int32_t len = -1, is_string = -1;
        uint8_t *got = recv_packet(a, b, nb[c], &len, &is_string);
        CHECK(got != NULL && len == 64 && memcmp(got, bytes, 64) == 0, "%s: packet", NEGOTIATED[c].label);
        free(got);
        tk_sleep_ms(20);
        pump(a, b);
        const uint8_t *data;
        while (meshrtc_channel_get_packet(nb[c], &data, &len) == MESHRTC_OK) {
        }
        int64_t dropped = -1;
        CHECK_OK(meshrtc_channel_get_dropped_count(nb[c], &dropped), nb[c]);
        CHECK(dropped == 0, "%s: dropped %lld with an empty queue", NEGOTIATED[c].label, (long long)dropped);
    }
    for (int c = 0; c < N_NEGOTIATED; c++) {
        int64_t dropped = -1;
        CHECK_OK(meshrtc_channel_get_dropped_count(na[c], &dropped), na[c]);
        CHECK(dropped == 0, "%s: dropped %lld", NEGOTIATED[c].label, (long long)dropped);
    }
}

/* ------------------------------------------------------------ connection */

typedef struct connection {
    meshrtc_channel na[N_NEGOTIATED], nb[N_NEGOTIATED]; /* negotiated, a's and b's */
    meshrtc_channel inband[N_INBAND];                   /* created by the offerer */
    meshrtc_channel inband_rx[N_INBAND];                /* received by the answerer, same order */
} connection;

static void check_peer_states(meshrtc_peer p, int32_t conn, int32_t gather, int32_t sig, const char *what) {
    int32_t v = GET32(meshrtc_peer_get_connection_state, p);
    CHECK(v == conn, "%s: connection state %d, want %d", what, v, conn);
    v = GET32(meshrtc_peer_get_gathering_state, p);
    CHECK(v == gather, "%s: gathering state %d, want %d", what, v, gather);
    v = GET32(meshrtc_peer_get_signaling_state, p);
    CHECK(v == sig, "%s: signaling state %d, want %d", what, v, sig);
}

/* Connects a and b with offerer making the offer; fills c. */
/* Both peers NEW, with every channel created and CONNECTING. */
static void connect_create_channels(side *a, side *b, side *offerer, connection *c) {
    check_peer_states(a->p.peer, MESHRTC_STATE_NEW, MESHRTC_GATHERING_STATE_NEW, MESHRTC_SIGNALING_STATE_STABLE,
                      "a before");
    check_peer_states(b->p.peer, MESHRTC_STATE_NEW, MESHRTC_GATHERING_STATE_NEW, MESHRTC_SIGNALING_STATE_STABLE,
                      "b before");
    check_peer_stats_empty(a->p.peer, "a before connecting");
    check_peer_stats_empty(b->p.peer, "b before connecting");
    for (int i = 0; i < N_NEGOTIATED; i++) {
        TK_MUST(meshrtc_peer_create_data_channel(a->p.peer, NEGOTIATED[i].label, NEGOTIATED[i].options, &c->na[i]),
                a->p.peer);
        TK_MUST(meshrtc_peer_create_data_channel(b->p.peer, NEGOTIATED[i].label, NEGOTIATED[i].options, &c->nb[i]),
                b->p.peer);
        check_channel(c->na[i], &NEGOTIATED[i], 1, 0, 262144, MESHRTC_CHANNEL_STATE_CONNECTING);
        check_channel(c->nb[i], &NEGOTIATED[i], 1, 0, 262144, MESHRTC_CHANNEL_STATE_CONNECTING);
    }
    for (int i = 0; i < N_INBAND; i++) {
        TK_MUST(meshrtc_peer_create_data_channel(offerer->p.peer, INBAND[i].label, INBAND[i].options, &c->inband[i]),
                offerer->p.peer);
        check_channel(c->inband[i], &INBAND[i], 0, 0, 262144, MESHRTC_CHANNEL_STATE_CONNECTING);
    }
    CHECK(GET32(meshrtc_peer_get_connection_state, offerer->p.peer) == MESHRTC_STATE_NEW, "still NEW");
}

/* The offer, every channel open, the in-band ones received by the
 * answerer; then the buffered amounts drain. */
static void connect_open(side *a, side *b, side *offerer, side *answerer, connection *c) {
    CHECK_OK(meshrtc_peer_create_offer(offerer->p.peer), offerer->p.peer);
    for (int i = 0; i < N_NEGOTIATED; i++) {
        wait_channel_state(a, b, c->na[i], MESHRTC_CHANNEL_STATE_OPEN, "a's negotiated channel to open");
        wait_channel_state(a, b, c->nb[i], MESHRTC_CHANNEL_STATE_OPEN, "b's negotiated channel to open");
    }
    for (int i = 0; i < N_INBAND; i++) {
        wait_channel_state(a, b, c->inband[i], MESHRTC_CHANNEL_STATE_OPEN, "in-band channel to open");
    }
    void *want[2] = {answerer, (void *)(intptr_t)N_INBAND};
    pump_until(a, b, "in-band channels to be received", received_count_at_least, want);
    CHECK(answerer->p.received_count == N_INBAND, "answerer received %d channels", answerer->p.received_count);
    CHECK(offerer->p.received_count == 0, "offerer received %d channels", offerer->p.received_count);

    /* Once open, pion's DCEP open/ack messages may be counted in the
     * buffered amount until acknowledged: wait for it to drain. */
    for (int i = 0; i < N_NEGOTIATED; i++) {
        pump_until(a, b, "buffered amount to drain", buffered_empty, &c->na[i]);
        pump_until(a, b, "buffered amount to drain", buffered_empty, &c->nb[i]);
    }
    for (int i = 0; i < N_INBAND; i++) pump_until(a, b, "buffered amount to drain", buffered_empty, &c->inband[i]);
    for (int r = 0; r < answerer->p.received_count; r++) {
        pump_until(a, b, "buffered amount to drain", buffered_empty, &answerer->p.received[r]);
    }
}

/* The received channels matched to the offerer's by label, all checked. */
static void connect_match_received(side *a, side *b, side *answerer, connection *c) {
    for (int i = 0; i < N_INBAND; i++) c->inband_rx[i] = 0;
    for (int r = 0; r < answerer->p.received_count; r++) {
        meshrtc_channel rx = answerer->p.received[r];
        wait_channel_state(a, b, rx, MESHRTC_CHANNEL_STATE_OPEN, "received channel to open");
        char label[256];
        int32_t len = 0;
        CHECK_OK(meshrtc_channel_get_label(rx, label, (int32_t)sizeof label, &len), rx);
        const chan_spec *spec = spec_by_label(label);
        CHECK(spec != NULL, "received unexpected channel %s", label);
        if (spec == NULL) continue;
        check_channel(rx, spec, 0, 1, 262144, MESHRTC_CHANNEL_STATE_OPEN);
        int i = (int)(spec - INBAND);
        c->inband_rx[i] = rx;
        check_channel(c->inband[i], spec, 0, 1, 262144, MESHRTC_CHANNEL_STATE_OPEN);
        int32_t id_out = GET32(meshrtc_channel_get_id, c->inband[i]), id_in = GET32(meshrtc_channel_get_id, rx);
        CHECK(id_out == id_in, "%s: ids differ: %d and %d", label, id_out, id_in);
    }
    for (int i = 0; i < N_NEGOTIATED; i++) {
        check_channel(c->na[i], &NEGOTIATED[i], 1, 1, 262144, MESHRTC_CHANNEL_STATE_OPEN);
        check_channel(c->nb[i], &NEGOTIATED[i], 1, 1, 262144, MESHRTC_CHANNEL_STATE_OPEN);
    }
}

/* Both peers connected, gathering complete, signaling stable, with the
 * events to match. */
static void connect_states(side *a, side *b) {
    side *sides[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        peer_wait conn = {sides[s]->p.peer, meshrtc_peer_get_connection_state, MESHRTC_STATE_CONNECTED};
        pump_until(a, b, "CONNECTED", peer_in_state, &conn);
        peer_wait gather = {sides[s]->p.peer, meshrtc_peer_get_gathering_state, MESHRTC_GATHERING_STATE_COMPLETE};
        pump_until(a, b, "gathering COMPLETE", peer_in_state, &gather);
        check_peer_states(sides[s]->p.peer, MESHRTC_STATE_CONNECTED, MESHRTC_GATHERING_STATE_COMPLETE,
                          MESHRTC_SIGNALING_STATE_STABLE, sides[s]->name);
        check_peer_stats_connected(sides[s]->p.peer, sides[s]->name);
    }
    /* The getters may run ahead of the queued state events: wait for them. */
    for (int s = 0; s < 2; s++) {
        pump_until(a, b, "the CONNECTED event", last_event_connected, sides[s]);
        pump_until(a, b, "the gathering COMPLETE event", gathering_complete_seen, sides[s]);
    }
}

/* The event types and states each side saw on the way. */
static void connect_events_seen(side *a, side *b, side *offerer, side *answerer) {
    side *sides[2] = {a, b};
    unsigned common = 1u << MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED | 1u << MESHRTC_EVENT_ICE_CANDIDATE_CREATED |
                      1u << MESHRTC_EVENT_CONNECTION_STATE_CHANGED | 1u << MESHRTC_EVENT_GATHERING_STATE_CHANGED |
                      1u << MESHRTC_EVENT_SIGNALING_STATE_CHANGED;
    CHECK(offerer->types == common, "offerer event types 0x%x, want 0x%x", offerer->types, common);
    CHECK(answerer->types == (common | 1u << MESHRTC_EVENT_DATA_CHANNEL_RECEIVED),
          "answerer event types 0x%x", answerer->types);
    CHECK(offerer->offers == 1 && offerer->answers == 0, "offerer made %d offers, %d answers", offerer->offers,
          offerer->answers);
    CHECK(answerer->offers == 0 && answerer->answers == 1, "answerer made %d offers, %d answers", answerer->offers,
          answerer->answers);
    for (int s = 0; s < 2; s++) {
        side *x = sides[s];
        unsigned conn = 1u << MESHRTC_STATE_CONNECTING | 1u << MESHRTC_STATE_CONNECTED;
        CHECK(x->conn == conn, "%s: connection states seen 0x%x, want 0x%x", x->name, x->conn, conn);
        unsigned gather = 1u << MESHRTC_GATHERING_STATE_GATHERING | 1u << MESHRTC_GATHERING_STATE_COMPLETE;
        CHECK(x->gather == gather, "%s: gathering states seen 0x%x, want 0x%x", x->name, x->gather, gather);
        unsigned sig = 1u << MESHRTC_SIGNALING_STATE_STABLE |
                       1u << (x == offerer ? MESHRTC_SIGNALING_STATE_HAVE_LOCAL_OFFER
                                           : MESHRTC_SIGNALING_STATE_HAVE_REMOTE_OFFER);
        CHECK(x->signal == sig, "%s: signaling states seen 0x%x, want 0x%x", x->name, x->signal, sig);
        CHECK(x->p.connection_state == MESHRTC_STATE_CONNECTED, "%s: last state event %d", x->name,
              x->p.connection_state);
        CHECK(x->p.candidates >= 1, "%s: %d candidates", x->name, x->p.candidates);
    }
}

static void connect_pair(side *a, side *b, side *offerer, connection *c) {
    side *answerer = offerer == a ? b : a;
    connect_create_channels(a, b, offerer, c);
    connect_open(a, b, offerer, answerer, c);
    connect_match_received(a, b, answerer, c);
    connect_states(a, b);
    connect_events_seen(a, b, offerer, answerer);
}

/* Closes closer's end of a channel; the other end (peer_end) reaches CLOSED
 * and a packet received before the close stays readable. */
static void close_channel(side *a, side *b, meshrtc_channel closer, meshrtc_channel peer_end, const char *what) {
    static const uint8_t msg[] = {42};
    CHECK_OK(meshrtc_channel_put_packet(peer_end, msg, 1), peer_end);
    double deadline = tk_now_s() + DEADLINE_S;
    while (GET32(meshrtc_channel_get_available_packet_count, closer) < 1 && tk_now_s() < deadline) {
        pump(a, b);
        tk_sleep_ms(1);
    }
    CHECK_OK(meshrtc_channel_close(closer), closer);
    int32_t s = GET32(meshrtc_channel_get_ready_state, closer);
    CHECK(s == MESHRTC_CHANNEL_STATE_CLOSING || s == MESHRTC_CHANNEL_STATE_CLOSED, "%s: state %d after close", what,
          s);
    CHECK_OK(meshrtc_channel_close(closer), closer); /* idempotent */
    const uint8_t *data = NULL;
    int32_t len = -1;
    CHECK_OK(meshrtc_channel_get_packet(closer, &data, &len), closer);
    CHECK(len == 1 && data != NULL && data[0] == 42, "%s: packet received before close is lost", what);
    wait_channel_state(a, b, peer_end, MESHRTC_CHANNEL_STATE_CLOSED, what);
    wait_channel_state(a, b, closer, MESHRTC_CHANNEL_STATE_CLOSED, what);
    CHECK_RC(meshrtc_channel_put_packet(closer, msg, 1), MESHRTC_FAILED, closer);
    CHECK_RC(meshrtc_channel_put_packet(peer_end, msg, 1), MESHRTC_FAILED, peer_end);
    CHECK_OK(meshrtc_channel_close(closer), closer);
    CHECK_OK(meshrtc_channel_close(peer_end), peer_end);
    CHECK_OK(meshrtc_channel_poll(closer), closer);
}

static void destroy_connection(side *a, side *b, connection *c) {
    for (int i = 0; i < N_NEGOTIATED; i++) {
        CHECK_OK(meshrtc_channel_destroy(c->na[i]), c->na[i]);
        CHECK_OK(meshrtc_channel_destroy(c->nb[i]), c->nb[i]);
    }
    for (int i = 0; i < N_INBAND; i++) CHECK_OK(meshrtc_channel_destroy(c->inband[i]), c->inband[i]);
    side *sides[2] = {a, b};
    for (int s = 0; s < 2; s++) {
        for (int r = 0; r < sides[s]->p.received_count; r++) {
            CHECK_OK(meshrtc_channel_destroy(sides[s]->p.received[r]), sides[s]->p.received[r]);
        }
        sides[s]->p.received_count = 0;
    }
}

/* The channels one side made (negotiated ones, and the in-band ones of the
 * offerer) read CLOSED once its peer closed or re-initialized. */
static void check_channels_closed(const meshrtc_channel *negotiated, const meshrtc_channel *inband, const char *what) {
    for (int i = 0; i < N_NEGOTIATED; i++) {
        CHECK(GET32(meshrtc_channel_get_ready_state, negotiated[i]) == MESHRTC_CHANNEL_STATE_CLOSED,
              "%s: %s not CLOSED", what, NEGOTIATED[i].label);
    }
    for (int i = 0; i < N_INBAND; i++) {
        CHECK(GET32(meshrtc_channel_get_ready_state, inband[i]) == MESHRTC_CHANNEL_STATE_CLOSED,
              "%s: in-band %s not CLOSED", what, INBAND[i].label);
    }
}

static void new_sides(side *a, side *b) {
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    pair_create(&a->p, &b->p);
    a->name = "a";
    b->name = "b";
}

/* How both scenarios start: a and b connect (offerer makes the offer) and
 * exchange packets on every channel; then the offerer closes a negotiated
 * channel and the other side an in-band one. */
static void open_and_close_one(side *a, side *b, side *offerer, connection *c) {
    char what[64];
    side *other = offerer == a ? b : a;
    new_sides(a, b);
    connect_pair(a, b, offerer, c);
    exchange_all(a, b, c->na, c->nb, c->inband[0], c->inband_rx[0]);
    snprintf(what, sizeof what, "negotiated closed by %s", offerer->name);
    close_channel(a, b, offerer == a ? c->na[0] : c->nb[0], offerer == a ? c->nb[0] : c->na[0], what);
    snprintf(what, sizeof what, "in-band closed by %s", other->name);
    if (c->inband_rx[0] != 0) close_channel(a, b, c->inband_rx[0], c->inband[0], what);
}

/* Role 0: a offers; a closes a channel, b closes an in-band one, a closes the peer. */
static void scenario_close(void) {
    side a, b;
    connection c;
    open_and_close_one(&a, &b, &a, &c);

    /* Peer close: a's side closes at once, b's channels follow. */
    CHECK_OK(meshrtc_peer_close(a.p.peer), a.p.peer);
    CHECK_OK(meshrtc_peer_close(a.p.peer), a.p.peer);
    CHECK(GET32(meshrtc_peer_get_connection_state, a.p.peer) == MESHRTC_STATE_CLOSED, "a CLOSED after close");
    CHECK(GET32(meshrtc_peer_get_signaling_state, a.p.peer) == MESHRTC_SIGNALING_STATE_CLOSED,
          "a signaling CLOSED after close");
    check_peer_stats_empty(a.p.peer, "a after peer close");
    check_channels_closed(c.na, c.inband, "a after peer close");
    for (int i = 1; i < N_NEGOTIATED; i++) {
        wait_channel_state(&a, &b, c.nb[i], MESHRTC_CHANNEL_STATE_CLOSED, "b's channel after a's peer close");
    }
    for (int i = 0; i < N_INBAND; i++) {
        if (c.inband_rx[i] != 0) {
            wait_channel_state(&a, &b, c.inband_rx[i], MESHRTC_CHANNEL_STATE_CLOSED, "b's in-band after peer close");
        }
    }
    CHECK_OK(meshrtc_peer_close(b.p.peer), b.p.peer);
    CHECK(GET32(meshrtc_peer_get_connection_state, b.p.peer) == MESHRTC_STATE_CLOSED, "b CLOSED after close");
    destroy_connection(&a, &b, &c);
    pair_destroy(&a.p, &b.p);
}

/* Role 1: b offers; b closes a channel, a closes an in-band one, then both
 * re-initialize (b while connected) and connect again. */
static void scenario_reinitialize(void) {
    side a, b;
    connection c;
    open_and_close_one(&a, &b, &b, &c);

    /* Leave an event queued on b (a renegotiation offer), then re-initialize
     * b while connected: the event is dropped. */
    meshrtc_channel extra_a, extra_b;
    CHECK_RC(meshrtc_peer_create_data_channel(b.p.peer, "late", NULL, &extra_b), MESHRTC_ERR_UNAVAILABLE, b.p.peer);
    CHECK_OK(meshrtc_peer_create_offer(b.p.peer), b.p.peer);
    CHECK_OK(meshrtc_peer_initialize(b.p.peer, LOOPBACK_CONFIG_64K), b.p.peer);
    meshrtc_peer_event ev;
    CHECK_RC(meshrtc_peer_next_event(b.p.peer, &ev), MESHRTC_ERR_UNAVAILABLE, b.p.peer);
    check_peer_states(b.p.peer, MESHRTC_STATE_NEW, MESHRTC_GATHERING_STATE_NEW, MESHRTC_SIGNALING_STATE_STABLE,
                      "b after re-initialize");
    check_peer_stats_empty(b.p.peer, "b after re-initialize");
    check_channels_closed(c.nb, c.inband, "b's old channels after re-initialize");
    /* The remote side's channels follow. */
    for (int i = 1; i < N_NEGOTIATED; i++) {
        wait_channel_state(&a, &b, c.na[i], MESHRTC_CHANNEL_STATE_CLOSED, "a's channel after b re-initialized");
    }
    CHECK_OK(meshrtc_peer_initialize(a.p.peer, LOOPBACK_CONFIG_64K), a.p.peer);
    check_peer_states(a.p.peer, MESHRTC_STATE_NEW, MESHRTC_GATHERING_STATE_NEW, MESHRTC_SIGNALING_STATE_STABLE,
                      "a after re-initialize");
    for (int i = 0; i < N_INBAND; i++) {
        if (c.inband_rx[i] != 0) {
            CHECK(GET32(meshrtc_channel_get_ready_state, c.inband_rx[i]) == MESHRTC_CHANNEL_STATE_CLOSED,
                  "a's received %s CLOSED after re-initialize", INBAND[i].label);
        }
    }

    /* A new connection on the re-initialized peers, with the new options. */
    const char *opts = "{\"negotiated\":true,\"id\":7}";
    CHECK_OK(meshrtc_peer_create_data_channel(a.p.peer, "second", opts, &extra_a), a.p.peer);
    CHECK_OK(meshrtc_peer_create_data_channel(b.p.peer, "second", opts, &extra_b), b.p.peer);
    CHECK(GET32(meshrtc_channel_get_max_packet_size, extra_a) == 65536, "maxMessageSize option applied");
    a.types = b.types = 0;
    CHECK_OK(meshrtc_peer_create_offer(a.p.peer), a.p.peer);
    wait_channel_state(&a, &b, extra_a, MESHRTC_CHANNEL_STATE_OPEN, "second connection (a)");
    wait_channel_state(&a, &b, extra_b, MESHRTC_CHANNEL_STATE_OPEN, "second connection (b)");
    static const uint8_t again[] = "again";
    exchange(&a, &b, extra_a, extra_b, MESHRTC_WRITE_MODE_BINARY, again, 5, "second connection a->b");
    exchange(&a, &b, extra_b, extra_a, MESHRTC_WRITE_MODE_TEXT, again, 5, "second connection b->a");
    uint8_t *big = calloc(1, 65537);
    CHECK_RC(meshrtc_channel_put_packet(extra_a, big, 65537), MESHRTC_ERR_INVALID_PARAMETER, extra_a);
    exchange(&a, &b, extra_a, extra_b, MESHRTC_WRITE_MODE_BINARY, big, 65536, "64 KiB packet");
    free(big);
    /* Old handles stay valid (and CLOSED) until destroyed. */
    CHECK(GET32(meshrtc_channel_get_ready_state, c.na[0]) == MESHRTC_CHANNEL_STATE_CLOSED, "old handle CLOSED");

    CHECK_OK(meshrtc_channel_destroy(extra_a), extra_a);
    CHECK_OK(meshrtc_channel_destroy(extra_b), extra_b);
    destroy_connection(&a, &b, &c);
    pair_destroy(&a.p, &b.p);
}

/* ------------------------------------------------------------------- logs */

static void test_logs(void) {
    char line[1024];
    int32_t level = -1, len = -1;
    meshrtc_peer p;
    while (meshrtc_log_next(&level, line, (int32_t)sizeof line, &len) == MESHRTC_OK) {
    }
    CHECK_OK(meshrtc_log_set_level(MESHRTC_LOG_WARN), 0);
    TK_MUST(meshrtc_peer_create(&p), 0);
    CHECK_OK(meshrtc_peer_initialize(
                 p, "{\"someUnknownTopLevelKey\":[1,2],\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,"
                    "\"mdns\":\"disabled\",\"ipv6\":false}}"),
             p);
    int found = 0, lines = 0;
    while (meshrtc_log_next(&level, line, (int32_t)sizeof line, &len) == MESHRTC_OK) {
        lines++;
        CHECK(len == (int32_t)strlen(line), "log line length %d vs %zu", len, strlen(line));
        CHECK(level >= MESHRTC_LOG_ERROR && level <= MESHRTC_LOG_WARN, "captured level %d above WARN", level);
        if (strstr(line, "someUnknownTopLevelKey") != NULL) {
            found++;
            CHECK(level == MESHRTC_LOG_WARN, "unknown key logged at level %d", level);
            CHECK(starts_with(line, "config: "), "line format: %s", line);
        }
    }
    CHECK(found == 1, "warning about the unknown key captured %d times (%d lines)", found, lines);
    CHECK_RC(meshrtc_log_next(&level, line, (int32_t)sizeof line, &len), MESHRTC_ERR_UNAVAILABLE, 0);

    /* Below the capture level nothing is queued; NONE empties the queue. */
    CHECK_OK(meshrtc_log_set_level(MESHRTC_LOG_ERROR), 0);
    CHECK_OK(meshrtc_peer_initialize(
                 p, "{\"anotherUnknownKey\":1,\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,"
                    "\"mdns\":\"disabled\",\"ipv6\":false}}"),
             p);
    CHECK_RC(meshrtc_log_next(&level, line, (int32_t)sizeof line, &len), MESHRTC_ERR_UNAVAILABLE, 0);
    CHECK_OK(meshrtc_log_set_level(MESHRTC_LOG_WARN), 0);
    CHECK_OK(meshrtc_peer_initialize(p, "{\"thirdUnknownKey\":1,\"meshrtc\":{\"interfaces\":[\"lo\"],"
                                        "\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}"),
             p);
    CHECK_OK(meshrtc_log_set_level(MESHRTC_LOG_NONE), 0);
    CHECK_RC(meshrtc_log_next(&level, line, (int32_t)sizeof line, &len), MESHRTC_ERR_UNAVAILABLE, 0);
    CHECK_OK(meshrtc_peer_destroy(p), p);
}

/* --------------------------------------------------------------- shutdown */

static void test_shutdown(void) {
    int32_t leaked = -1;
    CHECK_OK(meshrtc_shutdown(&leaked), 0);
    CHECK(leaked == 0, "shutdown after destroying everything reports %d leaked", leaked);

    /* Usable afterwards; objects left alive are counted and invalidated. */
    meshrtc_peer p = 0;
    meshrtc_channel ch = 0;
    CHECK_OK(meshrtc_peer_create(&p), 0);
    CHECK_OK(meshrtc_peer_initialize(p, LOOPBACK_CONFIG), p);
    CHECK_OK(meshrtc_peer_create_data_channel(p, "after-shutdown", NULL, &ch), p);
    CHECK_OK(meshrtc_peer_create_offer(p), p);
    leaked = -1;
    CHECK_OK(meshrtc_shutdown(&leaked), 0);
    CHECK(leaked == 2, "shutdown with a peer and a channel alive reports %d", leaked);
    CHECK_RC(meshrtc_peer_poll(p), MESHRTC_ERR_DOES_NOT_EXIST, 0);
    CHECK_RC(meshrtc_channel_poll(ch), MESHRTC_ERR_DOES_NOT_EXIST, 0);

    meshrtc_peer p2 = 0;
    CHECK_OK(meshrtc_peer_create(&p2), 0);
    CHECK(p2 != p && p2 != 0, "handle reused after shutdown");
    CHECK_OK(meshrtc_peer_initialize(p2, LOOPBACK_CONFIG), p2);
    CHECK_OK(meshrtc_peer_create_data_channel(p2, "x", NULL, &ch), p2);
    CHECK_OK(meshrtc_channel_destroy(ch), ch);
    CHECK_OK(meshrtc_peer_destroy(p2), p2);
    leaked = -1;
    CHECK_OK(meshrtc_shutdown(&leaked), 0);
    CHECK(leaked == 0, "second shutdown reports %d leaked", leaked);
    CHECK_OK(meshrtc_shutdown(NULL), 0);
}

static void test_version(void) {
    int32_t major = -1, minor = -1, patch = -1;
    CHECK_OK(meshrtc_version(&major, &minor, &patch), 0);
    CHECK(major == MESHRTC_VERSION_MAJOR && minor == MESHRTC_VERSION_MINOR && patch == MESHRTC_VERSION_PATCH,
          "version %d.%d.%d", major, minor, patch);
    CHECK(meshrtc_abi_version() == MESHRTC_ABI_VERSION, "abi %d", meshrtc_abi_version());
}

int main(void) {
    static void (*const steps[])(void) = {test_version, test_logs, scenario_close, scenario_reinitialize,
                                           test_shutdown};
    return check_main("test_connect", steps, sizeof steps / sizeof steps[0]);
}
