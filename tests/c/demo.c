/* meshrtc demo: peers in one process through the C API on loopback.
 * Part 1, two peers: offer, answer and candidates travel through the event
 * queues; a reliable, an unreliable and an in-band text channel carry
 * packets both ways. Part 2, Godot's WebRTCMultiplayerPeer (meshrtc_mesh_*):
 * a full mesh of four and a server with three clients, each sender putting
 * MESH_PACKETS packets in every transfer mode; a table shows what arrived.
 * Reliable traffic must be complete and in order, else the exit status is 1. */
#include "meshpair.h"

#define PACKETS 5000

static const char *state_name(int32_t s) {
    static const char *names[] = {"NEW", "CONNECTING", "CONNECTED", "DISCONNECTED", "FAILED", "CLOSED"};
    return s >= 0 && s <= 5 ? names[s] : "?";
}

typedef struct flow {
    const char *name;
    meshrtc_channel tx, rx;
    int reliable;
    int32_t sent, received, in_order;
} flow;

/* Sends PACKETS numbered packets on f while draining f's receiver. A
 * reliable flow waits for every packet (a loss on loopback costs one SCTP
 * retransmission timeout, at least 1 s); an unreliable one stops once
 * nothing arrived for 0.5 s after the last send. */
static void run_flow(pair_side *a, pair_side *b, flow *f) {
    uint8_t msg[64];
    int32_t expect = 0;
    double deadline = tk_now_s() + 20.0;
    double quiet_until = deadline;
    f->in_order = 1;
    while ((f->sent < PACKETS || f->received < f->sent) && tk_now_s() < deadline) {
        for (int burst = 0; burst < 64 && f->sent < PACKETS; burst++) {
            int64_t buffered = 0;
            TK_MUST(meshrtc_channel_get_buffered_amount(f->tx, &buffered), f->tx);
            if (buffered > 256 * 1024) break;
            memset(msg, 0, sizeof msg);
            memcpy(msg, &f->sent, sizeof f->sent);
            TK_MUST(meshrtc_channel_put_packet(f->tx, msg, (int32_t)sizeof msg), f->tx);
            f->sent++;
        }
        pair_pump(a, b);
        const uint8_t *data;
        int32_t len;
        int got = 0;
        while (meshrtc_channel_get_packet(f->rx, &data, &len) == MESHRTC_OK) {
            int32_t seq;
            memcpy(&seq, data, sizeof seq);
            if (seq != expect) f->in_order = 0;
            expect = seq + 1;
            f->received++;
            got = 1;
        }
        if (got || f->sent < PACKETS) {
            quiet_until = tk_now_s() + 0.5;
        } else {
            tk_sleep_ms(1);
            if (!f->reliable && tk_now_s() > quiet_until) break;
        }
    }
}

/* ------------------------------------------------------------------ mesh */

#define MESH_PACKETS 2000 /* per sender per transfer mode */
#define MESH_BURST 20     /* per sender per mode between two rounds of host work */

static const char *MODE_NAMES[3] = {"unreliable", "unreliable_ordered", "reliable"};

typedef struct mesh_stats {
    int64_t puts[3];      /* put_packet calls per mode */
    int64_t expected[3];  /* deliveries they ask for (one per receiving peer) */
    int64_t delivered[3];
    int64_t out_of_order[3];
    int64_t misattributed; /* get_packet_peer/channel/mode disagreed with the payload */
    int64_t last[MP_MAX_NODES][MP_MAX_NODES][3];
} mesh_stats;

static mesh_stats stats;

static void count_packet(mp_world *w, mp_node *n, int32_t peer, int32_t channel, int32_t mode, const uint8_t *data,
                         int32_t len) {
    mp_payload pl;
    mp_node *sender = NULL;
    for (int i = 0; i < w->n_nodes; i++) {
        if (w->nodes[i].id == peer) sender = &w->nodes[i];
    }
    if (!mp_decode(data, len, &pl) || sender == NULL || pl.sender != peer || pl.channel != channel ||
        pl.mode != mode || mode < 0 || mode > 2) {
        stats.misattributed++;
        return;
    }
    int64_t *last = &stats.last[n - w->nodes][sender - w->nodes][mode];
    if ((int64_t)pl.seq <= *last) stats.out_of_order[mode]++;
    if ((int64_t)pl.seq > *last) *last = pl.seq;
    stats.delivered[mode]++;
}

/* How many peers of sender receive a packet to target (from the links). */
static int receivers(mp_world *w, mp_node *sender, int32_t target) {
    int n = 0;
    for (int i = 0; i < w->n_links; i++) {
        mp_node *other = w->links[i].a == sender ? w->links[i].b : w->links[i].b == sender ? w->links[i].a : NULL;
        if (other != NULL && (target == 0 || other->id == target || (target < 0 && other->id != -target))) n++;
    }
    return n;
}

/* Every sender puts MESH_PACKETS packets in each mode to its target, in
 * bursts between rounds of host work; then the host waits for the reliable
 * ones (and briefly for late unreliable ones). */
static void mesh_traffic(mp_world *w, mp_node **senders, const int32_t *targets, int nsenders) {
    memset(&stats, 0, sizeof stats);
    for (int r = 0; r < MP_MAX_NODES; r++) {
        for (int s = 0; s < MP_MAX_NODES; s++) {
            for (int m = 0; m < 3; m++) stats.last[r][s][m] = -1;
        }
    }
    w->on_packet = count_packet;
    for (uint32_t seq = 0; seq < MESH_PACKETS;) {
        for (int i = 0; i < nsenders; i++) {
            for (int32_t mode = 0; mode < 3; mode++) {
                for (uint32_t k = seq; k < seq + MESH_BURST && k < MESH_PACKETS; k++) {
                    mp_payload pl = {senders[i]->id, targets[i], 0, mode, k};
                    TK_MUST(mp_send(senders[i], &pl, mode), senders[i]->mesh);
                    stats.puts[mode]++;
                    stats.expected[mode] += receivers(w, senders[i], targets[i]);
                }
            }
        }
        seq += MESH_BURST;
        while (mp_step(w)) {
        }
    }
    double deadline = tk_now_s() + 20.0;
    while (stats.delivered[MESHRTC_TRANSFER_MODE_RELIABLE] < stats.expected[MESHRTC_TRANSFER_MODE_RELIABLE] &&
           tk_now_s() < deadline) {
        if (!mp_step(w)) tk_sleep_ms(1);
    }
    mp_wait(w, 0.3);
}

/* Prints the table rows of one session; 0 if reliable traffic was not
 * complete and in order or a packet was misattributed. */
static int mesh_report(const char *session) {
    int ok = stats.misattributed == 0;
    for (int32_t mode = 2; mode >= 0; mode--) {
        double lost = 100.0 * (double)(stats.expected[mode] - stats.delivered[mode]) / (double)stats.expected[mode];
        const char *order = mode == MESHRTC_TRANSFER_MODE_UNRELIABLE ? "unordered"
                            : stats.out_of_order[mode] == 0             ? "in order"
                                                                        : "REORDERED";
        printf("%-20s %-19s %7lld %9lld %9lld %7.2f  %s\n", session, MODE_NAMES[mode], (long long)stats.puts[mode],
               (long long)stats.expected[mode], (long long)stats.delivered[mode], lost, order);
        if (mode == MESHRTC_TRANSFER_MODE_RELIABLE &&
            (stats.delivered[mode] != stats.expected[mode] || stats.out_of_order[mode] != 0)) {
            ok = 0;
        }
        if (mode == MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED && stats.out_of_order[mode] != 0) ok = 0;
    }
    if (stats.misattributed != 0) printf("%-20s %lld packets MISATTRIBUTED\n", session, (long long)stats.misattributed);
    return ok;
}

static int events_of(mp_node *n, int32_t type) {
    int count = 0;
    for (int i = 0; i < n->n_events; i++) count += n->events[i].type == type;
    return count;
}

static int all_connected(mp_world *w, int want_each) {
    for (int i = 0; i < w->n_nodes; i++) {
        if (events_of(&w->nodes[i], MESHRTC_MESH_EVENT_PEER_CONNECTED) < want_each) return 0;
    }
    return 1;
}

static void wait_connected(mp_world *w, int want_each, const char *what) {
    double deadline = tk_now_s() + 20.0;
    while (!all_connected(w, want_each)) {
        if (tk_now_s() > deadline) {
            fprintf(stderr, "FATAL: %s did not connect within 20 s\n", what);
            exit(1);
        }
        if (!mp_step(w)) tk_sleep_ms(1);
    }
}

static mp_world full, star;

/* Part 2: returns 1 when every session's reliable traffic was complete and in order. */
static int mesh_demo(void) {
    static const int32_t channels[3] = {MESHRTC_TRANSFER_MODE_RELIABLE, MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED,
                                        MESHRTC_TRANSFER_MODE_UNRELIABLE};
    int ok = 1;
    double t0 = tk_now_s();

    /* A full mesh of four: ids 1..4, one link per pair. */
    mp_node *m[4];
    for (int i = 0; i < 4; i++) {
        m[i] = mp_node_new(&full, i + 1);
        TK_MUST(meshrtc_mesh_create_mesh(m[i]->mesh, i + 1, channels, 3), m[i]->mesh);
    }
    for (int i = 0; i < 4; i++) {
        for (int j = i + 1; j < 4; j++) mp_link_add(&full, m[i], m[j], 1); /* Godot's default lifetime */
    }
    wait_connected(&full, 3, "the full mesh");
    printf("\nfull mesh: 4 peers, %d links, every peer saw PEER_CONNECTED x3 after %.0f ms\n", full.n_links,
           (tk_now_s() - t0) * 1000);

    /* A server and three clients. */
    t0 = tk_now_s();
    mp_node *server = mp_node_new(&star, 1), *clients[3];
    TK_MUST(meshrtc_mesh_create_server(server->mesh, channels, 3), server->mesh);
    for (int i = 0; i < 3; i++) {
        clients[i] = mp_node_new(&star, 2 + i);
        TK_MUST(meshrtc_mesh_create_client(clients[i]->mesh, 2 + i, channels, 3), clients[i]->mesh);
        mp_link_add(&star, server, clients[i], 1);
    }
    wait_connected(&star, 1, "the server and its clients");
    int32_t status = -1, relay = -1;
    TK_MUST(meshrtc_mesh_get_connection_status(clients[0]->mesh, &status), clients[0]->mesh);
    TK_MUST(meshrtc_mesh_is_server_relay_supported(server->mesh, &relay), server->mesh);
    int succeeded = 0;
    for (int i = 0; i < 3; i++) succeeded += events_of(clients[i], MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED);
    printf("server + 3 clients: server saw PEER_CONNECTED x%d, %d clients CONNECTION_SUCCEEDED, client status %s, "
           "relay %s, after %.0f ms\n",
           events_of(server, MESHRTC_MESH_EVENT_PEER_CONNECTED), succeeded,
           status == MESHRTC_CONNECTION_CONNECTED ? "CONNECTED" : "not connected", relay ? "supported" : "no",
           (tk_now_s() - t0) * 1000);

    printf("\n%-20s %-19s %7s %9s %9s %7s  %s\n", "session", "mode", "puts", "expected", "delivered", "lost %",
           "order");
    /* Full mesh: every peer broadcasts (target 0). */
    t0 = tk_now_s();
    const int32_t broadcast[4] = {0, 0, 0, 0};
    mesh_traffic(&full, m, broadcast, 4);
    ok &= mesh_report("full mesh (4)");
    double full_s = tk_now_s() - t0;
    /* Server broadcasts to its clients; each client sends to the server (target 1). */
    t0 = tk_now_s();
    mp_node *senders[4] = {server, clients[0], clients[1], clients[2]};
    const int32_t targets[4] = {0, 1, 1, 1};
    mesh_traffic(&star, senders, targets, 4);
    ok &= mesh_report("server + 3 clients");
    printf("(%d packets per sender per mode; traffic took %.1f s and %.1f s)\n", MESH_PACKETS, full_s,
           tk_now_s() - t0);

    /* close queues PEER_DISCONNECTED for each connected peer; the others see it go. */
    for (int i = 0; i < 4; i++) full.nodes[i].n_events = 0;
    TK_MUST(meshrtc_mesh_close(m[0]->mesh), m[0]->mesh);
    int left = 0, seen = 0;
    double deadline = tk_now_s() + 20.0;
    for (;;) {
        left = events_of(m[0], MESHRTC_MESH_EVENT_PEER_DISCONNECTED);
        seen = 0;
        for (int i = 1; i < 4; i++) seen += events_of(m[i], MESHRTC_MESH_EVENT_PEER_DISCONNECTED);
        if ((left == 3 && seen == 3) || tk_now_s() > deadline) break;
        if (!mp_step(&full)) tk_sleep_ms(1);
    }
    printf("peer 1 closed: it saw PEER_DISCONNECTED x%d, the others x%d\n", left, seen);
    if (full.unexpected_channels != 0 || star.unexpected_channels != 0) ok = 0;
    mp_world_destroy(&full);
    mp_world_destroy(&star);
    return ok;
}

int main(void) {
    pair_side a, b;
    int32_t major, minor, patch;
    TK_MUST(meshrtc_version(&major, &minor, &patch), 0);
    printf("meshrtc %d.%d.%d (ABI %d)\n", major, minor, patch, meshrtc_abi_version());
    if (meshrtc_abi_version() != MESHRTC_ABI_VERSION) {
        fprintf(stderr, "ABI mismatch: header %d, library %d\n", MESHRTC_ABI_VERSION, meshrtc_abi_version());
        return 1;
    }

    double t0 = tk_now_s();
    pair_create(&a, &b);
    meshrtc_channel ra, rb, ua, ub, chat;
    const char *reliable = "{\"negotiated\":true,\"id\":1}";
    const char *unreliable = "{\"negotiated\":true,\"id\":2,\"ordered\":false,\"maxRetransmits\":0}";
    TK_MUST(meshrtc_peer_create_data_channel(a.peer, "reliable", reliable, &ra), a.peer);
    TK_MUST(meshrtc_peer_create_data_channel(b.peer, "reliable", reliable, &rb), b.peer);
    TK_MUST(meshrtc_peer_create_data_channel(a.peer, "unreliable", unreliable, &ua), a.peer);
    TK_MUST(meshrtc_peer_create_data_channel(b.peer, "unreliable", unreliable, &ub), b.peer);
    TK_MUST(meshrtc_peer_create_data_channel(a.peer, "chat", "{\"protocol\":\"demo\"}", &chat), a.peer);
    TK_MUST(meshrtc_peer_create_offer(a.peer), a.peer);

    meshrtc_channel all[] = {ra, rb, ua, ub, chat};
    pair_wait_open(&a, &b, all, 5);
    while (b.received_count == 0) pair_pump(&a, &b);
    meshrtc_channel chat_in = b.received[0];
    pair_wait_open(&a, &b, &chat_in, 1);
    int32_t sa, sb;
    TK_MUST(meshrtc_peer_get_connection_state(a.peer, &sa), a.peer);
    TK_MUST(meshrtc_peer_get_connection_state(b.peer, &sb), b.peer);
    printf("connected in %.0f ms: a=%s b=%s, candidates a=%d b=%d\n", (tk_now_s() - t0) * 1000, state_name(sa),
           state_name(sb), a.candidates, b.candidates);

    char label[64];
    int32_t label_len;
    TK_MUST(meshrtc_channel_get_label(chat_in, label, (int32_t)sizeof label, &label_len), chat_in);
    TK_MUST(meshrtc_channel_set_write_mode(chat, MESHRTC_WRITE_MODE_TEXT), chat);
    const char hello[] = "hello from a";
    TK_MUST(meshrtc_channel_put_packet(chat, (const uint8_t *)hello, (int32_t)strlen(hello)), chat);
    const uint8_t *data;
    int32_t len, is_string = 0;
    while (meshrtc_channel_get_packet(chat_in, &data, &len) != MESHRTC_OK) pair_pump(&a, &b);
    TK_MUST(meshrtc_channel_was_string_packet(chat_in, &is_string), chat_in);
    printf("in-band channel '%s' got %s message: %.*s\n", label, is_string ? "text" : "binary", (int)len,
           (const char *)data);

    flow flows[] = {
        {"reliable a->b", ra, rb, 1, 0, 0, 0},
        {"reliable b->a", rb, ra, 1, 0, 0, 0},
        {"unreliable a->b", ua, ub, 0, 0, 0, 0},
        {"unreliable b->a", ub, ua, 0, 0, 0, 0},
    };
    int ok = 1;
    printf("\n%-16s %8s %9s %8s %12s %s\n", "flow", "sent", "received", "lost %", "queue drops", "order");
    for (int i = 0; i < 4; i++) {
        run_flow(&a, &b, &flows[i]);
        double lost = 100.0 * (flows[i].sent - flows[i].received) / flows[i].sent;
        int64_t drops = 0;
        TK_MUST(meshrtc_channel_get_dropped_count(flows[i].rx, &drops), flows[i].rx);
        printf("%-16s %8d %9d %8.2f %12lld %s\n", flows[i].name, flows[i].sent, flows[i].received, lost,
               (long long)drops, flows[i].in_order ? "in order" : "reordered");
        if (i < 2 && (flows[i].received != PACKETS || !flows[i].in_order)) ok = 0;
    }

    meshrtc_channel mine[] = {ra, rb, ua, ub, chat};
    for (int i = 0; i < 5; i++) TK_MUST(meshrtc_channel_destroy(mine[i]), mine[i]);
    pair_destroy(&a, &b);

    int mesh_ok = mesh_demo();
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    printf("\nsummary: %s; %s; %d handles leaked; %.1f s in all\n",
           ok ? "reliable flows complete and in order" : "RELIABLE FLOW FAILED",
           mesh_ok ? "mesh reliable traffic complete and in order" : "MESH TRAFFIC FAILED", leaked, tk_now_s() - t0);
    return ok && mesh_ok && leaked == 0 ? 0 : 1;
}
