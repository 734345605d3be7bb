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

#include "../testkit.h"

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

/* Follows a side's states and counts its candidates: under policy relay
 * every gathered one must be a relay candidate. */
static void on_event(const meshrtc_peer_event *ev, void *ctx) {
    side *s = ctx;
    switch (ev->type) {
    case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
        if (ev->name[0]) {
            s->candidates++;
            if (strstr(ev->name, " typ relay")) {
                s->relay_candidates++;
            } else {
                printf("FAIL %s gathered a non-relay candidate under policy relay: %s\n", s->name, ev->name);
                failures++;
            }
        }
        break;
    case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
        s->state = ev->state;
        break;
    case MESHRTC_EVENT_GATHERING_STATE_CHANGED:
        s->gathering = ev->state;
        break;
    case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
        TK_MUST(meshrtc_channel_destroy(ev->channel), ev->channel);
        break;
    default:
        break;
    }
}

static void pump(side *a, side *b) {
    tk_pump(a->peer, b->peer, on_event, a);
    tk_pump(b->peer, a->peer, on_event, b);
}

static int32_t ready(side *s) {
    int32_t st = -1;
    TK_MUST(meshrtc_channel_get_ready_state(s->ch, &st), s->ch);
    return st;
}

static const char *state_name(int32_t s) {
    static const char *names[] = {"NEW", "CONNECTING", "CONNECTED", "DISCONNECTED", "FAILED", "CLOSED"};
    return s >= 0 && s <= 5 ? names[s] : "?";
}

static void send_some(side *s, int64_t total, uint8_t *chunk) {
    while (s->sent < total) {
        int64_t buffered = 0;
        TK_MUST(meshrtc_channel_get_buffered_amount(s->ch, &buffered), s->ch);
        if (buffered >= WINDOW) return;
        int32_t n = (int32_t)(total - s->sent < CHUNK ? total - s->sent : CHUNK);
        for (int32_t i = 0; i < n; i++) chunk[i] = bulk_pattern(s->sent + i);
        TK_MUST(meshrtc_channel_put_packet(s->ch, chunk, n), s->ch);
        s->sent += n;
    }
}

static void receive_some(side *s, side *from, int64_t total) {
    const uint8_t *data;
    int32_t len, is_str;
    while (meshrtc_channel_get_packet(s->ch, &data, &len) == MESHRTC_OK) {
        TK_MUST(meshrtc_channel_was_string_packet(s->ch, &is_str), s->ch);
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
            if (s->received + i >= total || data[i] != bulk_pattern(s->received + i)) {
                printf("FAIL %s: byte %lld is wrong or extra\n", s->name, (long long)(s->received + i));
                exit(1);
            }
        }
        s->received += len;
    }
}

/* The command line. */
typedef struct options {
    const char *url, *user, *pass;
    int64_t total;
    int expect_fail;
} options;

static int parse_args(int argc, char **argv, options *o) {
    *o = (options){NULL, "", "", 4 * 1024 * 1024, 0};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--expect-fail")) {
            o->expect_fail = 1;
            continue;
        }
        if (!v) break;
        if (!strcmp(argv[i], "--url")) o->url = v;
        else if (!strcmp(argv[i], "--user")) o->user = v;
        else if (!strcmp(argv[i], "--pass")) o->pass = v;
        else if (!strcmp(argv[i], "--bytes")) o->total = atoll(v);
        else {
            fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 0;
        }
        i++;
    }
    if (!o->url) {
        fprintf(stderr, "usage: turn_pair --url turn:HOST:PORT?transport=udp --user U --pass P [--bytes N] "
                        "[--expect-fail]\n");
        return 0;
    }
    return 1;
}

/* The peers' configuration: relay candidates only, through the server at
 * o's URL; loopback only (the TURN server is on 127.0.0.1), no relay
 * acceptance wait. */
static void relay_config(sbuf *cfg, const options *o) {
    sb_add(cfg, "{\"iceServers\":[{\"urls\":[", 24);
    sb_json_str(cfg, o->url);
    sb_add(cfg, "],\"username\":", 13);
    sb_json_str(cfg, o->user);
    sb_add(cfg, ",\"credential\":", 14);
    sb_json_str(cfg, o->pass);
    sb_printf(cfg, "}],\"iceTransportPolicy\":\"relay\",\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,"
                   "\"mdns\":\"disabled\",\"ipv6\":false,\"relayAcceptanceWaitMs\":0,\"iceFailedTimeoutMs\":5000}}");
}

/* Both peers with their negotiated reliable channel; a makes the offer. */
static void open_pair(side *a, side *b, const char *config) {
    side *s[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        TK_MUST(meshrtc_peer_create(&s[i]->peer), 0);
        TK_MUST(meshrtc_peer_initialize(s[i]->peer, config), s[i]->peer);
        TK_MUST(meshrtc_peer_create_data_channel(s[i]->peer, "reliable", "{\"negotiated\":true,\"id\":1}", &s[i]->ch),
                s[i]->peer);
    }
    TK_MUST(meshrtc_peer_create_offer(a->peer), a->peer);
}

/* Wrong credentials: both peers must reach FAILED within 20 s of t0, no
 * channel may open and no candidate may be gathered. */
static int expect_failure(side *a, side *b, double t0) {
    while (a->state != MESHRTC_STATE_FAILED || b->state != MESHRTC_STATE_FAILED) {
        pump(a, b);
        if (ready(a) == MESHRTC_CHANNEL_STATE_OPEN || ready(b) == MESHRTC_CHANNEL_STATE_OPEN) {
            printf("FAIL a channel opened with wrong TURN credentials\n");
            return 0;
        }
        if (tk_now_s() > t0 + 20) {
            printf("FAIL no FAILED state within 20 s with wrong credentials: a=%s b=%s gathering a=%d b=%d\n",
                   state_name(a->state), state_name(b->state), a->gathering, b->gathering);
            print_logs();
            return 0;
        }
        tk_sleep_ms(5);
    }
    printf("wrong credentials: both peers FAILED after %.0f ms; gathering a=%d b=%d; candidates a=%d b=%d\n",
           (tk_now_s() - t0) * 1000, a->gathering, b->gathering, a->candidates, b->candidates);
    print_logs();
    if (a->candidates || b->candidates) {
        printf("FAIL relay candidates were gathered with wrong credentials\n");
        failures++;
    }
    return 1;
}

/* Pumps until both channels are open through the relay (20 s after t0 at
 * most, and not past a FAILED connection). */
static int wait_open(side *a, side *b, double t0) {
    while (ready(a) != MESHRTC_CHANNEL_STATE_OPEN || ready(b) != MESHRTC_CHANNEL_STATE_OPEN) {
        pump(a, b);
        if (a->state == MESHRTC_STATE_FAILED || b->state == MESHRTC_STATE_FAILED || tk_now_s() > t0 + 20) {
            printf("FAIL channels did not open through TURN: a=%s b=%s, relay candidates a=%d b=%d\n",
                   state_name(a->state), state_name(b->state), a->relay_candidates, b->relay_candidates);
            print_logs();
            return 0;
        }
        tk_sleep_ms(1);
    }
    printf("setup: %.0f ms (create -> channels open), relay candidates a=%d b=%d\n", (tk_now_s() - t0) * 1000,
           a->relay_candidates, b->relay_candidates);
    return 1;
}

/* A text message from s, between binary ones. */
static void send_text(side *s) {
    char text[64];
    int n = snprintf(text, sizeof text, "relayed text from %s", s->name);
    TK_MUST(meshrtc_channel_set_write_mode(s->ch, MESHRTC_WRITE_MODE_TEXT), s->ch);
    TK_MUST(meshrtc_channel_put_packet(s->ch, (const uint8_t *)text, n), s->ch);
    TK_MUST(meshrtc_channel_set_write_mode(s->ch, MESHRTC_WRITE_MODE_BINARY), s->ch);
}

/* total bytes each way plus the text messages, byte for byte (30 s at most). */
static int transfer(side *a, side *b, int64_t total) {
    static uint8_t chunk[CHUNK];
    double t0 = tk_now_s();
    send_text(a);
    send_text(b);
    while (a->received < total || b->received < total || !a->text_ok || !b->text_ok) {
        pump(a, b);
        send_some(a, total, chunk);
        send_some(b, total, chunk);
        receive_some(a, b, total);
        receive_some(b, a, total);
        if (tk_now_s() > t0 + 30) {
            printf("FAIL transfer through TURN stalled: a got %lld, b got %lld of %lld\n", (long long)a->received,
                   (long long)b->received, (long long)total);
            return 0;
        }
        tk_sleep_ms(1);
    }
    printf("transfer: %lld bytes each way + text, byte for byte, in %.0f ms\n", (long long)total,
           (tk_now_s() - t0) * 1000);
    return 1;
}

/* The selected pair is relay/relay on both sides and counted what was sent. */
static void check_selected_pair(side *a, side *b, int64_t total) {
    meshrtc_peer_stats sa, sb;
    TK_MUST(meshrtc_peer_get_stats(a->peer, &sa), a->peer);
    TK_MUST(meshrtc_peer_get_stats(b->peer, &sb), b->peer);
    printf("selected pair: a local=%s remote=%s rtt=%lld us bytes sent=%lld; b local=%s remote=%s rtt=%lld us "
           "bytes sent=%lld\n",
           cand_name(sa.local_candidate_type), cand_name(sa.remote_candidate_type), (long long)sa.rtt_us,
           (long long)sa.bytes_sent, cand_name(sb.local_candidate_type), cand_name(sb.remote_candidate_type),
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
}

/* Destroys both sides; meshrtc_shutdown must then report nothing leaked. */
static void close_pair(side *a, side *b) {
    side *s[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        TK_MUST(meshrtc_channel_destroy(s[i]->ch), s[i]->ch);
        TK_MUST(meshrtc_peer_destroy(s[i]->peer), s[i]->peer);
    }
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    if (leaked != 0) {
        printf("FAIL meshrtc_shutdown reported %d leaked handles\n", leaked);
        failures++;
    }
}

int main(int argc, char **argv) {
    options o;
    if (!parse_args(argc, argv, &o)) return 2;
    tk_before_exit = print_logs;
    TK_MUST(meshrtc_log_set_level(MESHRTC_LOG_WARN), 0);
    sbuf cfg = {0};
    relay_config(&cfg, &o);
    printf("config: %s\n", cfg.p);

    side a = {.name = "a"}, b = {.name = "b"};
    double t0 = tk_now_s();
    open_pair(&a, &b, cfg.p);
    if (o.expect_fail) {
        if (!expect_failure(&a, &b, t0)) return 1;
    } else {
        if (!wait_open(&a, &b, t0) || !transfer(&a, &b, o.total)) return 1;
        check_selected_pair(&a, &b, o.total);
        print_logs();
    }
    close_pair(&a, &b);
    sb_free(&cfg);
    if (failures) return 1;
    printf("PASS %s\n", o.expect_fail ? "wrong credentials fail with MESHRTC_STATE_FAILED" : "relay/relay, data flows");
    return 0;
}
