//go:build ignore

/* test_flood: a sender floods a receiver that stops polling (issue 11
 * item 4: sending is bounded).
 *
 * The parent puts 16 KiB messages on a reliable ordered channel as fast as
 * put_packet accepts them, for FLOOD_S, with "sendBufferLimit" 4 MiB; the
 * receiver, a child process, makes no library call at all for the first
 * PAUSE_S of it, then takes everything. Required:
 *  - put_packet eventually refuses with MESHRTC_ERR_OUT_OF_MEMORY and a
 *    message, a refused message is not queued, and the buffered amount
 *    stays bounded by the limit;
 *  - the sender's and the receiver's RSS stay bounded (RSS_BOUND_MIB of
 *    growth, generous: an unbounded sender reached 341-400 MB);
 *  - every message the sender accepted arrives, in order and intact (each
 *    carries its sequence number and a checksum of its bytes).
 * RSS, counts and times are figures; the waits are hang guards only. */
#include "proc.h"

#define MSG_SIZE 16384
#define SEND_LIMIT 4194304          /* the "sendBufferLimit" set */
#define DEFAULT_SEND_LIMIT 16777216 /* the documented default */
#define PAUSE_S 5.0
#define FLOOD_S 10.0
#define RSS_BOUND_MIB 200.0
/* The buffered amount is the library's queue plus the network stack's,
 * read one after the other: messages handed on in between count twice, so
 * a reading may be up to twice the true amount (seen: 4.027 MiB at a 4 MiB
 * limit). The bounds checked below allow for that; the exact check that a
 * refused message is not queued is the receiver's (it would see it twice). */
#define READING_FACTOR 2

#define READY 'R'   /* receiver -> sender: channel open */
#define FLOOD 'F'   /* sender -> receiver: flooding starts, stop polling */
#define TOTAL 'T'   /* sender -> receiver: num = messages accepted */
#define VERDICT 'V' /* receiver -> sender: num = messages taken, a = first error or "" */

#define CHANNEL_OPTIONS "{\"negotiated\":true,\"id\":1}"

/* ---------------------------------------------------------------- messages */

static uint32_t fnv1a(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Message seq: seq (LE), the FNV-1a checksum of the rest, then bytes from
 * a generator seeded with seq. */
static void message_make(uint8_t *buf, uint32_t seq) {
    uint32_t x = seq * 2654435761u + 1u, sum;
    for (int i = 8; i < MSG_SIZE; i += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(buf + i, &x, 4);
    }
    sum = fnv1a(buf + 8, MSG_SIZE - 8);
    memcpy(buf, &seq, 4);
    memcpy(buf + 4, &sum, 4);
}

/* NULL if data is message want, else what is wrong with it. */
static const char *message_check(const uint8_t *data, int32_t len, uint32_t want, uint8_t *scratch) {
    static char why[128];
    uint32_t seq, sum;
    if (len != MSG_SIZE) {
        snprintf(why, sizeof why, "message %u: %d bytes, want %d", want, len, MSG_SIZE);
        return why;
    }
    memcpy(&seq, data, 4);
    memcpy(&sum, data + 4, 4);
    if (seq != want) {
        snprintf(why, sizeof why, "message %u came where %u was due (lost or out of order)", seq, want);
        return why;
    }
    if (sum != fnv1a(data + 8, MSG_SIZE - 8)) {
        snprintf(why, sizeof why, "message %u: checksum mismatch", seq);
        return why;
    }
    message_make(scratch, seq);
    if (memcmp(scratch, data, MSG_SIZE) != 0) {
        snprintf(why, sizeof why, "message %u: bytes differ from what was sent", seq);
        return why;
    }
    return NULL;
}

/* --------------------------------------------------------------- receiver */

static int child_main(int fd, const char *arg) {
    static uint8_t scratch[MSG_SIZE];
    rlink l;
    meshrtc_channel ch = 0;
    proc_msg m;
    int ok, flood = 0, have_total = 0;
    int64_t total = -1, taken = 0;
    char error[160] = "";
    double rss_base, rss_paused = 0, rss_drain = 0, t_resume, t_done;
    (void)arg;
    rl_open(&l, "receiver", fd, LOOPBACK_CONFIG);
    TK_MUST(meshrtc_peer_create_data_channel(l.peer, "flood", CHANNEL_OPTIONS, &ch), l.peer);
    FAULT_UNTIL(ok, pair_channel_state(ch) == MESHRTC_CHANNEL_STATE_OPEN, 20.0, "receiver channel open", rl_pump(&l));
    if (ok) rl_send(&l, READY, 0, NULL, NULL);
    FAULT_UNTIL(ok, flood || l.remote_gone, 30.0, "the flood to start", {
        rl_pump(&l);
        flood = rl_take(&l, FLOOD, &m);
    });
    if (flood) {
        proc_msg_free(&m);
        /* The host stops polling: no library call at all. */
        rss_base = fault_rss_mib();
        for (double until = tk_now_s() + PAUSE_S; tk_now_s() < until; tk_sleep_ms(50)) {
            double rss = fault_rss_mib();
            if (rss > rss_paused) rss_paused = rss;
        }
        t_resume = tk_now_s();
        FAULT_UNTIL(ok, (have_total && taken >= total) || l.remote_gone, 120.0, "every accepted message", {
            const uint8_t *data;
            int32_t len;
            double rss;
            rl_pump(&l);
            if (!have_total && rl_take(&l, TOTAL, &m)) {
                total = m.num;
                have_total = 1;
                proc_msg_free(&m);
            }
            while (meshrtc_channel_get_packet(ch, &data, &len) == MESHRTC_OK) {
                const char *why = message_check(data, len, (uint32_t)taken, scratch);
                if (why != NULL && error[0] == '\0') snprintf(error, sizeof error, "%s", why);
                taken++;
            }
            rss = fault_rss_mib();
            if (rss > rss_drain) rss_drain = rss;
        });
        t_done = tk_now_s();
        if (have_total && taken > total && error[0] == '\0') {
            snprintf(error, sizeof error, "%lld messages taken, only %lld accepted", (long long)taken,
                     (long long)total);
        }
        rl_send(&l, VERDICT, (int32_t)taken, error, NULL);
        figure("flood.receiver_rss_before", rss_base, "MiB");
        figure("flood.receiver_rss_max_paused", rss_paused, "MiB");
        figure("flood.receiver_rss_max_draining", rss_drain, "MiB");
        figure("flood.receiver_drain_time", t_done - t_resume, "s");
        CHECK(rss_paused - rss_base < RSS_BOUND_MIB, "receiver RSS grew by %.1f MiB while not polling",
              rss_paused - rss_base);
        /* Until the sender has read the verdict and hung up. */
        FAULT_UNTIL(ok, l.remote_gone, 30.0, "the sender to hang up", rl_pump(&l));
    }
    CHECK_OK(meshrtc_channel_destroy(ch), ch);
    rl_close(&l);
    close(fd);
    return proc_child_finish("test_flood receiver");
}

/* ----------------------------------------------------------------- sender */

typedef struct flood_stats {
    int64_t accepted, refused;
    int64_t accepted_paused; /* by the time the receiver resumes */
    double resumed_accept;   /* the first accepted put after that, seconds after it; -1 if none */
    int64_t max_buffered;
    double first_refusal; /* seconds into the flood, -1 if none */
    double rss_base, rss_max;
    int stopped; /* the RSS bound was passed: flooding stopped early */
} flood_stats;

/* Puts for FLOOD_S as fast as put_packet accepts; checks every refusal. */
static void flood(rlink *l, meshrtc_channel ch, int64_t limit, flood_stats *st) {
    static uint8_t msg[MSG_SIZE];
    double t0 = tk_now_s(), next_sample = 0;
    int reported = 0;
    message_make(msg, 0);
    st->first_refusal = st->resumed_accept = -1;
    while (tk_now_s() - t0 < FLOOD_S) {
        int64_t before = 0;
        int32_t rc;
        if (tk_now_s() - t0 < PAUSE_S) st->accepted_paused = st->accepted;
        if (tk_now_s() >= next_sample) {
            double rss = fault_rss_mib();
            next_sample = tk_now_s() + 0.05;
            rl_pump(l);
            if (rss > st->rss_max) st->rss_max = rss;
            if (rss - st->rss_base > RSS_BOUND_MIB) {
                CHECK(0, "sender RSS grew by %.1f MiB (more than %.0f): put_packet never bounded it; %lld accepted",
                      rss - st->rss_base, RSS_BOUND_MIB, (long long)st->accepted);
                st->stopped = 1;
                return;
            }
        }
        CHECK_OK(meshrtc_channel_get_buffered_amount(ch, &before), ch);
        if (before > st->max_buffered) st->max_buffered = before;
        rc = meshrtc_channel_put_packet(ch, msg, MSG_SIZE);
        if (rc == MESHRTC_OK) {
            if (tk_now_s() - t0 >= PAUSE_S && st->resumed_accept < 0) st->resumed_accept = tk_now_s() - t0 - PAUSE_S;
            st->accepted++;
            message_make(msg, (uint32_t)st->accepted);
            continue;
        }
        if (rc != MESHRTC_ERR_OUT_OF_MEMORY) {
            CHECK(0, "put_packet returned %d (%s) after %lld messages, want OK or MESHRTC_ERR_OUT_OF_MEMORY", rc,
                  check_last_error(ch), (long long)st->accepted);
            return;
        }
        /* Only a full buffer refuses (the reading may count double). */
        st->refused++;
        CHECK(READING_FACTOR * before + MSG_SIZE > limit, "put_packet refused with %lld bytes buffered, limit %lld",
              (long long)before, (long long)limit);
        if (!reported) {
            reported = 1;
            st->first_refusal = tk_now_s() - t0;
            CHECK(check_last_error(ch)[0] != '\0', "MESHRTC_ERR_OUT_OF_MEMORY without a message");
            printf("first refusal after %lld messages: %s\n", (long long)st->accepted, check_last_error(ch));
        }
        tk_sleep_ms(1);
    }
}

static void flood_case(void) {
    proc_child child;
    rlink l;
    meshrtc_peer peer = 0;
    meshrtc_channel ch = 0;
    proc_msg m;
    flood_stats st;
    int ok, ready = 0, verdict = 0, status;
    int64_t limit = SEND_LIMIT;
    double t_sent;
    memset(&st, 0, sizeof st);
    proc_spawn(&child, "receiver", "-");
    TK_MUST(meshrtc_peer_create(&peer), 0);
    if (meshrtc_peer_initialize(peer, LOOPBACK_CONFIG_WITH(",\"sendBufferLimit\":4194304")) != MESHRTC_OK) {
        CHECK(0, "initialize with \"sendBufferLimit\": %s; going on with the default limit", check_last_error(peer));
        TK_MUST(meshrtc_peer_initialize(peer, LOOPBACK_CONFIG), peer);
        limit = DEFAULT_SEND_LIMIT;
    }
    rl_attach(&l, "sender", child.fd, peer);
    TK_MUST(meshrtc_peer_create_data_channel(peer, "flood", CHANNEL_OPTIONS, &ch), peer);
    TK_MUST(meshrtc_peer_create_offer(peer), peer);
    FAULT_UNTIL(ok, pair_channel_state(ch) == MESHRTC_CHANNEL_STATE_OPEN && ready, 20.0, "both channels open", {
        rl_pump(&l);
        if (!ready && rl_take(&l, READY, &m)) {
            ready = 1;
            proc_msg_free(&m);
        }
    });
    if (ok) {
        st.rss_base = st.rss_max = fault_rss_mib();
        rl_send(&l, FLOOD, 0, NULL, NULL);
        flood(&l, ch, limit, &st);
        rl_send(&l, TOTAL, (int32_t)st.accepted, NULL, NULL);
        t_sent = tk_now_s();
        CHECK(st.refused > 0 || st.stopped, "put_packet never refused in %.0f s (%lld accepted)", FLOOD_S,
              (long long)st.accepted);
        CHECK(st.max_buffered <= READING_FACTOR * limit, "buffered amount reached %lld, limit %lld",
              (long long)st.max_buffered, (long long)limit);
        figure("flood.send_limit", (double)limit / 1048576.0, "MiB");
        figure("flood.accepted", (double)st.accepted, "messages");
        figure("flood.accepted_while_paused", (double)st.accepted_paused, "messages");
        figure("flood.first_accept_after_resume", st.resumed_accept, "s");
        figure("flood.refused", (double)st.refused, "calls");
        figure("flood.first_refusal", st.first_refusal, "s");
        figure("flood.max_buffered", (double)st.max_buffered / 1048576.0, "MiB");
        figure("flood.sender_rss_before", st.rss_base, "MiB");
        figure("flood.sender_rss_max", st.rss_max, "MiB");
        FAULT_UNTIL(ok, verdict || l.remote_gone, 150.0, "the receiver's verdict", {
            rl_pump(&l);
            verdict = rl_take(&l, VERDICT, &m);
        });
        if (verdict) {
            figure("flood.delivery_after_flood", tk_now_s() - t_sent, "s");
            CHECK(m.num == st.accepted, "the receiver took %d messages, the sender accepted %lld", m.num,
                  (long long)st.accepted);
            CHECK(m.a[0] == '\0', "receiver: %s", m.a);
            proc_msg_free(&m);
        } else {
            CHECK(0, "the receiver went away without a verdict");
        }
    }
    CHECK_OK(meshrtc_channel_destroy(ch), ch);
    rl_close(&l);
    proc_close(&child);
    status = proc_wait(&child, 60.0);
    CHECK(status == 0, "the receiver exited with %d (its failures are above)", status);
}

int main(int argc, char **argv) {
    static const fault_named_case cases[] = {
        {"flood against a host that stops polling: bounded sender and receiver, every message delivered", flood_case},
    };
    return proc_main(argc, argv, child_main, "test_flood", cases, sizeof cases / sizeof cases[0]);
}
