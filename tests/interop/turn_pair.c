/* turn_pair.c - two meshrtc peers (one process, C ABI only) that may only use
 * TURN relay candidates (iceTransportPolicy "relay") through the TURN server
 * at --url. Run by tests/interop/run.sh against coturn and pion/turn.
 *
 *   turn_pair --url turn:127.0.0.1:PORT?transport=udp --user U --pass P
 *             [--bytes N] [--expect-fail]
 *
 * Default: both peers must connect with the selected pair relay/relay on
 * both sides (meshrtc_peer_get_stats), every gathered candidate must be a
 * relay candidate, and N bytes (default 4 MiB) plus a text message must
 * cross each way byte for byte.
 * --expect-fail (wrong credentials): no candidate may be gathered, the
 * connection must reach MESHRTC_STATE_FAILED within 20 s (not hang), and
 * no channel may open; the library's warnings are printed.
 * Prints "PASS ..." / "FAIL ..." lines; exit status 0 only on PASS.
 */
#include "sig.h"

#include <time.h>

#include "meshrtc.h"

#define CHUNK 16384
#define WINDOW (1024 * 1024)

typedef struct side {
    const char *name;
    meshrtc_peer peer;
    meshrtc_channel ch;
    int32_t state, gathering;
    int candidates, relay_candidates;
    int64_t sent, received;
    int text_ok;
} side;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static uint8_t pattern(int64_t i) {
    return (uint8_t)((i * 7 + (i >> 8) * 13 + (i >> 16) * 31) & 255);
}

static int failures;

/* Prints the captured library log lines, folding repeats. */
static void print_logs(void) {
    char line[2048], last[2048] = "";
    int32_t level = 0, len = 0, repeats = 0;
    while (meshrtc_log_next(&level, line, (int32_t)sizeof line, &len) == MESHRTC_OK) {
        if (strcmp(line, last) == 0) {
            repeats++;
            continue;
        }
        if (repeats) printf("    (last line repeated %d more times)\n", repeats);
        repeats = 0;
        printf("    library log [level %d] %s\n", level, line);
        snprintf(last, sizeof last, "%s", line);
    }
    if (repeats) printf("    (last line repeated %d more times)\n", repeats);
}

static void die(const char *what, int32_t rc, int64_t h) {
    char msg[1024];
    int32_t len = 0;
    msg[0] = 0;
    meshrtc_last_error(h, msg, (int32_t)sizeof msg, &len);
    printf("FAIL %s returned %d: %s\n", what, rc, msg);
    print_logs();
    exit(1);
}

#define MUST(call, h)                                  \
    do {                                               \
        int32_t rc_ = (call);                          \
        if (rc_ != MESHRTC_OK) die(#call, rc_, (h));   \
    } while (0)

static void pump(side *from, side *to) {
    meshrtc_peer_event ev;
    MUST(meshrtc_peer_poll(from->peer), from->peer);
    while (meshrtc_peer_next_event(from->peer, &ev) == MESHRTC_OK) {
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            MUST(meshrtc_peer_set_local_description(from->peer, ev.sdp_type, ev.sdp), from->peer);
            MUST(meshrtc_peer_set_remote_description(to->peer, ev.sdp_type, ev.sdp), to->peer);
            break;
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            if (ev.name[0]) {
                from->candidates++;
                if (strstr(ev.name, " typ relay")) {
                    from->relay_candidates++;
                } else {
                    printf("FAIL %s gathered a non-relay candidate under policy relay: %s\n", from->name, ev.name);
                    failures++;
                }
            }
            MUST(meshrtc_peer_add_ice_candidate(to->peer, ev.media, ev.index, ev.name), to->peer);
            break;
        case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
            from->state = ev.state;
            break;
        case MESHRTC_EVENT_GATHERING_STATE_CHANGED:
            from->gathering = ev.state;
            break;
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            meshrtc_channel_destroy(ev.channel);
            break;
        default:
            break;
        }
    }
}

static int32_t ready(side *s) {
    int32_t st = -1;
    MUST(meshrtc_channel_get_ready_state(s->ch, &st), s->ch);
    return st;
}

static const char *cand(int32_t t) {
    static const char *names[] = {"none", "host", "srflx", "prflx", "relay"};
    return t >= 0 && t <= 4 ? names[t] : "?";
}

static const char *state_name(int32_t s) {
    static const char *names[] = {"NEW", "CONNECTING", "CONNECTED", "DISCONNECTED", "FAILED", "CLOSED"};
    return s >= 0 && s <= 5 ? names[s] : "?";
}

static void send_some(side *s, int64_t total, uint8_t *chunk) {
    while (s->sent < total) {
        int64_t buffered = 0;
        MUST(meshrtc_channel_get_buffered_amount(s->ch, &buffered), s->ch);
        if (buffered >= WINDOW) return;
        int32_t n = (int32_t)(total - s->sent < CHUNK ? total - s->sent : CHUNK);
        for (int32_t i = 0; i < n; i++) chunk[i] = pattern(s->sent + i);
        MUST(meshrtc_channel_put_packet(s->ch, chunk, n), s->ch);
        s->sent += n;
    }
}

static void receive_some(side *s, side *from, int64_t total) {
    const uint8_t *data;
    int32_t len, is_str;
    while (meshrtc_channel_get_packet(s->ch, &data, &len) == MESHRTC_OK) {
        MUST(meshrtc_channel_was_string_packet(s->ch, &is_str), s->ch);
        if (is_str) {
            char want[64];
            int n = snprintf(want, sizeof want, "relayed text from %s", from->name);
            if (len == n && memcmp(data, want, (size_t)n) == 0) {
                s->text_ok = 1;
            } else {
                printf("FAIL %s got unexpected text of %d bytes\n", s->name, len);
                failures++;
            }
            continue;
        }
        for (int32_t i = 0; i < len; i++) {
            if (s->received + i >= total || data[i] != pattern(s->received + i)) {
                printf("FAIL %s: byte %lld is wrong or extra\n", s->name, (long long)(s->received + i));
                exit(1);
            }
        }
        s->received += len;
    }
}

int main(int argc, char **argv) {
    const char *url = NULL, *user = "", *pass = "";
    int64_t total = 4 * 1024 * 1024;
    int expect_fail = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--expect-fail")) {
            expect_fail = 1;
            continue;
        }
        if (!v) break;
        if (!strcmp(argv[i], "--url")) url = v;
        else if (!strcmp(argv[i], "--user")) user = v;
        else if (!strcmp(argv[i], "--pass")) pass = v;
        else if (!strcmp(argv[i], "--bytes")) total = atoll(v);
        else {
            fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
        i++;
    }
    if (!url) {
        fprintf(stderr, "usage: turn_pair --url turn:HOST:PORT?transport=udp --user U --pass P [--bytes N] [--expect-fail]\n");
        return 2;
    }
    MUST(meshrtc_log_set_level(MESHRTC_LOG_WARN), 0);

    sbuf cfg = {0};
    sb_add(&cfg, "{\"iceServers\":[{\"urls\":[", 24);
    sb_json_str(&cfg, url);
    sb_add(&cfg, "],\"username\":", 13);
    sb_json_str(&cfg, user);
    sb_add(&cfg, ",\"credential\":", 14);
    sb_json_str(&cfg, pass);
    /* Loopback only (the TURN server is on 127.0.0.1); no relay acceptance wait. */
    sb_printf(&cfg, "}],\"iceTransportPolicy\":\"relay\",\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,"
                    "\"mdns\":\"disabled\",\"ipv6\":false,\"relayAcceptanceWaitMs\":0,\"iceFailedTimeoutMs\":5000}}");
    printf("config: %s\n", cfg.p);

    side a = {.name = "a"}, b = {.name = "b"};
    double t0 = now_s();
    MUST(meshrtc_peer_create(&a.peer), 0);
    MUST(meshrtc_peer_create(&b.peer), 0);
    MUST(meshrtc_peer_initialize(a.peer, cfg.p), a.peer);
    MUST(meshrtc_peer_initialize(b.peer, cfg.p), b.peer);
    MUST(meshrtc_peer_create_data_channel(a.peer, "reliable", "{\"negotiated\":true,\"id\":1}", &a.ch), a.peer);
    MUST(meshrtc_peer_create_data_channel(b.peer, "reliable", "{\"negotiated\":true,\"id\":1}", &b.ch), b.peer);
    MUST(meshrtc_peer_create_offer(a.peer), a.peer);

    if (expect_fail) {
        double deadline = t0 + 20;
        while (a.state != MESHRTC_STATE_FAILED || b.state != MESHRTC_STATE_FAILED) {
            pump(&a, &b);
            pump(&b, &a);
            if (ready(&a) == MESHRTC_CHANNEL_STATE_OPEN || ready(&b) == MESHRTC_CHANNEL_STATE_OPEN) {
                printf("FAIL a channel opened with wrong TURN credentials\n");
                return 1;
            }
            if (now_s() > deadline) {
                printf("FAIL no FAILED state within 20 s with wrong credentials: a=%s b=%s gathering a=%d b=%d\n",
                       state_name(a.state), state_name(b.state), a.gathering, b.gathering);
                print_logs();
                return 1;
            }
            sleep_ms(5);
        }
        printf("wrong credentials: both peers FAILED after %.0f ms; gathering a=%d b=%d; candidates a=%d b=%d\n",
               (now_s() - t0) * 1000, a.gathering, b.gathering, a.candidates, b.candidates);
        print_logs();
        if (a.candidates || b.candidates) {
            printf("FAIL relay candidates were gathered with wrong credentials\n");
            failures++;
        }
    } else {
        double deadline = t0 + 20;
        while (ready(&a) != MESHRTC_CHANNEL_STATE_OPEN || ready(&b) != MESHRTC_CHANNEL_STATE_OPEN) {
            pump(&a, &b);
            pump(&b, &a);
            if (a.state == MESHRTC_STATE_FAILED || b.state == MESHRTC_STATE_FAILED || now_s() > deadline) {
                printf("FAIL channels did not open through TURN: a=%s b=%s, relay candidates a=%d b=%d\n",
                       state_name(a.state), state_name(b.state), a.relay_candidates, b.relay_candidates);
                print_logs();
                return 1;
            }
            sleep_ms(1);
        }
        double t_open = now_s();
        printf("setup: %.0f ms (create -> channels open), relay candidates a=%d b=%d\n", (t_open - t0) * 1000,
               a.relay_candidates, b.relay_candidates);
        MUST(meshrtc_channel_set_write_mode(a.ch, MESHRTC_WRITE_MODE_TEXT), a.ch);
        MUST(meshrtc_channel_put_packet(a.ch, (const uint8_t *)"relayed text from a", 19), a.ch);
        MUST(meshrtc_channel_set_write_mode(a.ch, MESHRTC_WRITE_MODE_BINARY), a.ch);
        MUST(meshrtc_channel_set_write_mode(b.ch, MESHRTC_WRITE_MODE_TEXT), b.ch);
        MUST(meshrtc_channel_put_packet(b.ch, (const uint8_t *)"relayed text from b", 19), b.ch);
        MUST(meshrtc_channel_set_write_mode(b.ch, MESHRTC_WRITE_MODE_BINARY), b.ch);
        static uint8_t chunk[CHUNK];
        deadline = now_s() + 30;
        while (a.received < total || b.received < total || !a.text_ok || !b.text_ok) {
            pump(&a, &b);
            pump(&b, &a);
            send_some(&a, total, chunk);
            send_some(&b, total, chunk);
            receive_some(&a, &b, total);
            receive_some(&b, &a, total);
            if (now_s() > deadline) {
                printf("FAIL transfer through TURN stalled: a got %lld, b got %lld of %lld\n", (long long)a.received,
                       (long long)b.received, (long long)total);
                return 1;
            }
            sleep_ms(1);
        }
        printf("transfer: %lld bytes each way + text, byte for byte, in %.0f ms\n", (long long)total,
               (now_s() - t_open) * 1000);
        meshrtc_peer_stats sa, sb;
        MUST(meshrtc_peer_get_stats(a.peer, &sa), a.peer);
        MUST(meshrtc_peer_get_stats(b.peer, &sb), b.peer);
        printf("selected pair: a local=%s remote=%s rtt=%lld us bytes sent=%lld; b local=%s remote=%s rtt=%lld us "
               "bytes sent=%lld\n",
               cand(sa.local_candidate_type), cand(sa.remote_candidate_type), (long long)sa.rtt_us,
               (long long)sa.bytes_sent, cand(sb.local_candidate_type), cand(sb.remote_candidate_type),
               (long long)sb.rtt_us, (long long)sb.bytes_sent);
        if (sa.local_candidate_type != MESHRTC_CANDIDATE_RELAY || sa.remote_candidate_type != MESHRTC_CANDIDATE_RELAY ||
            sb.local_candidate_type != MESHRTC_CANDIDATE_RELAY || sb.remote_candidate_type != MESHRTC_CANDIDATE_RELAY) {
            printf("FAIL the selected candidate pair is not relay/relay on both sides\n");
            failures++;
        }
        if (sa.bytes_sent < total || sb.bytes_sent < total) {
            printf("FAIL the selected pair counted fewer bytes than were sent (a %lld, b %lld)\n",
                   (long long)sa.bytes_sent, (long long)sb.bytes_sent);
            failures++;
        }
        print_logs();
    }

    MUST(meshrtc_channel_destroy(a.ch), a.ch);
    MUST(meshrtc_channel_destroy(b.ch), b.ch);
    MUST(meshrtc_peer_destroy(a.peer), a.peer);
    MUST(meshrtc_peer_destroy(b.peer), b.peer);
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    if (leaked != 0) {
        printf("FAIL meshrtc_shutdown reported %d leaked handles\n", leaked);
        failures++;
    }
    sb_free(&cfg);
    if (failures) return 1;
    printf("PASS %s\n", expect_fail ? "wrong credentials fail with MESHRTC_STATE_FAILED" : "relay/relay, data flows");
    return 0;
}
