//go:build ignore

/* test_tamper: tampered signaling (issue 11 item 8).
 *
 * Two peers of this process signal each other over a socketpair; the host
 * between them alters one character of a description it passes on:
 *  - one hex digit of a=fingerprint in the offer, or in the answer
 *    (default ICE timeouts): the DTLS handshake must fail;
 *  - the first character of a=ice-pwd in the offer (short ICE timeouts,
 *    1 s + 3 s): ICE must fail.
 * Both peers must reach MESHRTC_STATE_FAILED, seen as an event and through
 * get_connection_state, and stay FAILED (a Godot host expects FAILED, not
 * CLOSED, for a failed handshake); neither may report CONNECTED or open its
 * channel, whose state then follows the failed connection (CLOSED,
 * put_packet fails). The times to FAILED are figures; the waits are hang
 * guards only. */
#include "proc.h"

#define HANG_GUARD_S 60.0
#define SETTLE_S 2.0 /* pumping after both sides settled: a FAILED that turns CLOSED shows */

/* Changes the first character of the value of every SDP line starting
 * with prefix ('0' becomes '1', anything else '0': still a hex digit and an
 * ice-char). With skip_word the value starts after the first space
 * ("a=fingerprint:sha-256 AB:CD:..."). */
static char *sdp_alter(const char *sdp, const char *prefix, int skip_word) {
    size_t plen = strlen(prefix);
    char *out = strdup(sdp);
    int n = 0;
    if (out == NULL) return NULL;
    for (char *p = out; (p = strstr(p, prefix)) != NULL; p += plen) {
        char *v = p + plen;
        if (p != out && p[-1] != '\n') continue;
        if (skip_word && (v = strchr(v, ' ')) != NULL) v++;
        if (v == NULL || *v == '\r' || *v == '\n' || *v == '\0') continue;
        *v = *v == '0' ? '1' : '0';
        n++;
    }
    if (n == 0) {
        fprintf(stderr, "FATAL: no %s line to alter in:\n%s\n", prefix, sdp);
        exit(1);
    }
    return out;
}

static char *alter_fingerprint(const char *sdp) { return sdp_alter(sdp, "a=fingerprint:", 1); }
static char *alter_ice_pwd(const char *sdp) { return sdp_alter(sdp, "a=ice-pwd:", 0); }

typedef struct side {
    rlink l;
    meshrtc_channel ch;
    int opened; /* the channel was seen OPEN */
} side;

static int side_settled(const side *s, int32_t state) {
    return ((s->l.seen & FAULT_BIT(MESHRTC_STATE_FAILED)) && (s->l.got & FAULT_BIT(MESHRTC_STATE_FAILED))) ||
           state == MESHRTC_STATE_CLOSED;
}

static int step(side *s) {
    int settled = 1;
    for (int i = 0; i < 2; i++) {
        rl_pump(&s[i].l);
        if (pair_channel_state(s[i].ch) == MESHRTC_CHANNEL_STATE_OPEN) s[i].opened = 1;
        settled &= side_settled(&s[i], rl_state(&s[i].l));
    }
    return settled;
}

/* Connects an offerer and an answerer with config; the description the
 * one named by tampered (0 offerer, 1 answerer) sends goes through alter. */
static void tamper(const char *what, rl_rewrite_fn alter, int tampered, const char *config) {
    static const char *const names[2] = {"offerer", "answerer"};
    side s[2];
    int sv[2], ok, settled = 0;
    double t0;
    char name[128];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("FATAL: socketpair");
        exit(1);
    }
    for (int i = 0; i < 2; i++) {
        memset(&s[i], 0, sizeof s[i]);
        rl_open(&s[i].l, names[i], sv[i], config);
        TK_MUST(meshrtc_peer_create_data_channel(s[i].l.peer, "data", "{\"negotiated\":true,\"id\":1}", &s[i].ch),
                s[i].l.peer);
    }
    s[tampered].l.rewrite = alter;
    t0 = tk_now_s();
    TK_MUST(meshrtc_peer_create_offer(s[0].l.peer), s[0].l.peer);
    FAULT_UNTIL(ok, settled, HANG_GUARD_S, "both peers FAILED or CLOSED", settled = step(s));
    for (double until = tk_now_s() + SETTLE_S; ok && tk_now_s() < until; tk_sleep_ms(1)) step(s);
    for (int i = 0; i < 2; i++) {
        rlink *l = &s[i].l;
        int32_t state = rl_state(l);
        printf("%s: %s: connection states %s, now %d\n", what, l->name, rl_states_text(l), state);
        CHECK(l->seen & FAULT_BIT(MESHRTC_STATE_FAILED), "%s: %s: no FAILED event (states: %s)", what, l->name,
              rl_states_text(l));
        CHECK(l->got & FAULT_BIT(MESHRTC_STATE_FAILED), "%s: %s: get_connection_state never read FAILED", what,
              l->name);
        CHECK(state == MESHRTC_STATE_FAILED, "%s: %s: ends in state %d, want FAILED (%d)", what, l->name, state,
              MESHRTC_STATE_FAILED);
        CHECK(!(l->seen & FAULT_BIT(MESHRTC_STATE_CONNECTED)), "%s: %s: reported CONNECTED", what, l->name);
        CHECK(!s[i].opened, "%s: %s: the channel opened", what, l->name);
        if (l->seen & FAULT_BIT(MESHRTC_STATE_FAILED)) {
            snprintf(name, sizeof name, "tamper.%s.%s_to_failed", what, l->name);
            figure(name, l->seen_at[MESHRTC_STATE_FAILED] - t0, "s");
        }
        if (state == MESHRTC_STATE_FAILED || state == MESHRTC_STATE_CLOSED) {
            snprintf(name, sizeof name, "%s: %s's channel", what, l->name);
            fault_check_dead_channel(s[i].ch, name);
        }
    }
    for (int i = 0; i < 2; i++) {
        CHECK_OK(meshrtc_channel_destroy(s[i].ch), s[i].ch);
        rl_close(&s[i].l);
        close(sv[i]);
    }
}

static void fingerprint_offer(void) { tamper("fingerprint_in_offer", alter_fingerprint, 0, LOOPBACK_CONFIG); }
static void fingerprint_answer(void) { tamper("fingerprint_in_answer", alter_fingerprint, 1, LOOPBACK_CONFIG); }
static void ice_pwd_offer(void) { tamper("ice_pwd_in_offer", alter_ice_pwd, 0, LOOPBACK_CONFIG_WITH(FAULT_SHORT_ICE)); }

int main(void) {
    static const fault_named_case cases[] = {
        {"tampered fingerprint in the offer: both peers FAILED", fingerprint_offer},
        {"tampered fingerprint in the answer: both peers FAILED", fingerprint_answer},
        {"tampered ice-pwd in the offer, short ICE timeouts: both peers FAILED", ice_pwd_offer},
    };
    fault_start();
    return fault_run("test_tamper", cases, sizeof cases / sizeof cases[0]);
}
