//go:build ignore

/* test_kill_peer: kill -9 of the remote peer (issue 11 items 3 and 8).
 *
 * The parent offers to a child process with a reliable and an unreliable
 * negotiated channel; both send on both channels until data flows both
 * ways, then the child is killed with SIGKILL. The parent must see its
 * connection DISCONNECTED and then FAILED, as events and through
 * get_connection_state, and then every channel of the dead connection
 * reads CLOSED, put_packet fails with MESHRTC_FAILED and a message, and the
 * buffered amount does not grow. Once with short ICE timeouts (1 s + 3 s)
 * and once with the defaults (5 s + 25 s). The times from the kill to
 * DISCONNECTED and FAILED are figures; the waits are hang guards only. */
#include "proc.h"

#define N_CHANNELS 2
#define FLOWING 20       /* packets each side takes on each channel before the kill */
#define SEND_EVERY_S 0.01

static const char *const channel_label[N_CHANNELS] = {"reliable", "unreliable"};
static const char *const channel_options[N_CHANNELS] = {
    "{\"negotiated\":true,\"id\":1}",
    "{\"negotiated\":true,\"id\":2,\"ordered\":false,\"maxRetransmits\":0}",
};

/* The peer configuration a run names (both processes use the same). */
static const char *config_of(const char *variant) {
    return strcmp(variant, "short") == 0 ? LOOPBACK_CONFIG_WITH(FAULT_SHORT_ICE) : LOOPBACK_CONFIG;
}

typedef struct endpoint {
    rlink l;
    meshrtc_channel ch[N_CHANNELS];
    int64_t rx[N_CHANNELS];
    double next_send;
    uint32_t seq;
} endpoint;

static void endpoint_open(endpoint *e, const char *name, int fd, const char *variant, int offerer) {
    memset(e, 0, sizeof *e);
    rl_open(&e->l, name, fd, config_of(variant));
    for (int i = 0; i < N_CHANNELS; i++) {
        TK_MUST(meshrtc_peer_create_data_channel(e->l.peer, channel_label[i], channel_options[i], &e->ch[i]),
                e->l.peer);
    }
    if (offerer) TK_MUST(meshrtc_peer_create_offer(e->l.peer), e->l.peer);
}

static int endpoint_flowing(const endpoint *e) { return e->rx[0] >= FLOWING && e->rx[1] >= FLOWING; }

/* Host work: signaling, then a packet on each open channel every 10 ms (a
 * game's traffic, kept up after the kill) and every received one taken. */
static void endpoint_step(endpoint *e) {
    int send = tk_now_s() >= e->next_send;
    rl_pump(&e->l);
    if (send) {
        e->next_send = tk_now_s() + SEND_EVERY_S;
        e->seq++;
    }
    for (int i = 0; i < N_CHANNELS; i++) {
        const uint8_t *data;
        int32_t len;
        if (send && pair_channel_state(e->ch[i]) == MESHRTC_CHANNEL_STATE_OPEN) {
            int32_t rc = meshrtc_channel_put_packet(e->ch[i], (const uint8_t *)&e->seq, (int32_t)sizeof e->seq);
            /* The channel may be closing under us: only other errors are bugs. */
            CHECK(rc == MESHRTC_OK || rc == MESHRTC_FAILED, "%s: put_packet on %s returned %d (%s)", e->l.name,
                  channel_label[i], rc, check_last_error(e->ch[i]));
        }
        while (meshrtc_channel_get_packet(e->ch[i], &data, &len) == MESHRTC_OK) e->rx[i]++;
    }
}

static void endpoint_close(endpoint *e) {
    for (int i = 0; i < N_CHANNELS; i++) CHECK_OK(meshrtc_channel_destroy(e->ch[i]), e->ch[i]);
    rl_close(&e->l);
}

/* The child: answers, sends and receives, and says 'G' once data flows
 * both ways; runs until it is killed or the parent goes away. */
static int child_main(int fd, const char *variant) {
    endpoint e;
    int told = 0;
    double deadline = tk_now_s() + 120.0;
    endpoint_open(&e, "child", fd, variant, 0);
    while (!e.l.remote_gone && tk_now_s() < deadline) {
        endpoint_step(&e);
        if (!told && endpoint_flowing(&e)) {
            rl_send(&e.l, 'G', 0, NULL, NULL);
            told = 1;
        }
        tk_sleep_ms(1);
    }
    endpoint_close(&e);
    close(fd);
    return proc_child_finish("test_kill_peer child");
}

static void kill_peer(const char *variant) {
    proc_child child;
    endpoint e;
    proc_msg m;
    int ok, child_flowing = 0;
    double t_kill;
    char name[96];
    proc_spawn(&child, "peer", variant);
    endpoint_open(&e, "parent", child.fd, variant, 1);
    FAULT_UNTIL(ok, endpoint_flowing(&e) && child_flowing, 20.0, "data flowing both ways", {
        endpoint_step(&e);
        if (rl_take(&e.l, 'G', &m)) {
            child_flowing = 1;
            proc_msg_free(&m);
        }
    });
    if (ok) {
        CHECK(rl_state(&e.l) == MESHRTC_STATE_CONNECTED, "connection state %d before the kill", rl_state(&e.l));
        t_kill = tk_now_s();
        CHECK(proc_kill(&child), "the child did not die of SIGKILL");
        FAULT_UNTIL(ok, (e.l.seen & FAULT_BIT(MESHRTC_STATE_FAILED)) && (e.l.got & FAULT_BIT(MESHRTC_STATE_FAILED)),
                    60.0, "FAILED (event and get_connection_state) after kill -9", endpoint_step(&e));
        CHECK(e.l.seen & FAULT_BIT(MESHRTC_STATE_DISCONNECTED), "no DISCONNECTED event before FAILED (states: %s)",
              rl_states_text(&e.l));
        CHECK(e.l.got & FAULT_BIT(MESHRTC_STATE_DISCONNECTED),
              "get_connection_state never read DISCONNECTED (states: %s)", rl_states_text(&e.l));
        if ((e.l.seen & FAULT_BIT(MESHRTC_STATE_DISCONNECTED)) && ok) {
            CHECK(e.l.seen_at[MESHRTC_STATE_DISCONNECTED] <= e.l.seen_at[MESHRTC_STATE_FAILED],
                  "FAILED came before DISCONNECTED (states: %s)", rl_states_text(&e.l));
        }
        printf("parent connection states: %s\n", rl_states_text(&e.l));
        if (e.l.seen & FAULT_BIT(MESHRTC_STATE_DISCONNECTED)) {
            snprintf(name, sizeof name, "kill_peer.%s_ice.to_disconnected", variant);
            figure(name, e.l.seen_at[MESHRTC_STATE_DISCONNECTED] - t_kill, "s");
        }
        if (ok) {
            snprintf(name, sizeof name, "kill_peer.%s_ice.to_failed", variant);
            figure(name, e.l.seen_at[MESHRTC_STATE_FAILED] - t_kill, "s");
            for (int i = 0; i < N_CHANNELS; i++) {
                snprintf(name, sizeof name, "%s channel of the FAILED connection", channel_label[i]);
                fault_check_dead_channel(e.ch[i], name);
            }
            CHECK(rl_state(&e.l) == MESHRTC_STATE_FAILED, "state %d after the channel checks: FAILED must stay",
                  rl_state(&e.l));
        }
    }
    proc_kill(&child);
    proc_close(&child);
    endpoint_close(&e);
}

static void kill_peer_short_ice(void) { kill_peer("short"); }
static void kill_peer_default_ice(void) { kill_peer("default"); }

int main(int argc, char **argv) {
    static const fault_named_case cases[] = {
        {"kill -9 of the remote peer, short ICE timeouts", kill_peer_short_ice},
        {"kill -9 of the remote peer, default ICE timeouts", kill_peer_default_ice},
    };
    return proc_main(argc, argv, child_main, "test_kill_peer", cases, sizeof cases / sizeof cases[0]);
}
