/* test_mesh: Godot's WebRTCMultiplayerPeer (meshrtc_mesh_*) through the C
 * ABI only, every connection on loopback (LOOPBACK_CONFIG).
 *
 *  1. A full mesh of four (create_mesh ids 1..4, six links): PEER_CONNECTED
 *     sets, status, ids, relay, get_peers order, get_peer (the channels
 *     Godot creates: labels, ids, ordered, lifetimes; mesh-owned handles
 *     cannot be destroyed), packets on every transfer mode and extra channel
 *     to every kind of target with exact attribution, round-robin receive,
 *     remove_peer / disconnect_peer (force and not) / close.
 *  2. A server and three clients (create_server / create_client): events,
 *     status, traffic, refuse_new_connections, a peer the host destroyed,
 *     server- and client-side disconnects, CONNECTION_FAILED, close.
 *  3. Godot 3 (initialize) without and with server compatibility: the exact
 *     event order, SERVER_DISCONNECTED.
 * Then everything is destroyed and meshrtc_shutdown must report 0 leaked.
 * No timing assertions: waits are hang guards only. */
#include "meshpair.h" /* first: it defines _POSIX_C_SOURCE */
#include "check.h"

#define U MESHRTC_TRANSFER_MODE_UNRELIABLE
#define UO MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED
#define R MESHRTC_TRANSFER_MODE_RELIABLE
#define PC MESHRTC_MESH_EVENT_PEER_CONNECTED
#define PD MESHRTC_MESH_EVENT_PEER_DISCONNECTED
#define CS MESHRTC_MESH_EVENT_CONNECTION_SUCCEEDED
#define CF MESHRTC_MESH_EVENT_CONNECTION_FAILED
#define SD MESHRTC_MESH_EVENT_SERVER_DISCONNECTED

#define WAIT_S 30.0 /* hang guard for every wait */

/* channels_config of every Godot 4 mesh here: extra channels 1, 2, 3. */
static const int32_t CONFIG[3] = {R, UO, U};

/* The (transfer channel, mode) pairs a CONFIG mesh can send on. */
#define COMBOS 6
static const struct {
    int32_t channel, mode;
} COMBO[COMBOS] = {{0, U}, {0, UO}, {0, R}, {1, R}, {2, UO}, {3, U}};

static int combo_of(int32_t channel, int32_t mode) {
    for (int c = 0; c < COMBOS; c++) {
        if (COMBO[c].channel == channel && COMBO[c].mode == mode) return c;
    }
    return -1;
}

static const char *event_name(int32_t type) {
    switch (type) {
    case PC: return "PEER_CONNECTED";
    case PD: return "PEER_DISCONNECTED";
    case CS: return "CONNECTION_SUCCEEDED";
    case CF: return "CONNECTION_FAILED";
    case SD: return "SERVER_DISCONNECTED";
    }
    return "?";
}

static void print_events(const char *label, const mp_event *evs, int n) {
    fprintf(stderr, "    %s:", label);
    for (int i = 0; i < n; i++) fprintf(stderr, " %s(%d)", event_name(evs[i].type), evs[i].peer);
    fprintf(stderr, n == 0 ? " (none)\n" : "\n");
}

/* The collected events of n must be exactly want, in order (ordered) or in
 * any order; they are consumed. */
static void expect_events_at(int line, const char *what, mp_node *n, const mp_event *want, int nwant, int ordered) {
    mp_event got[MP_MAX_EVENTS];
    int ngot = mp_take_events(n, got, MP_MAX_EVENTS);
    int ok = ngot == nwant;
    for (int i = 0; ok && i < nwant; i++) {
        if (ordered) {
            ok = got[i].type == want[i].type && got[i].peer == want[i].peer;
        } else {
            int count_got = 0, count_want = 0;
            for (int j = 0; j < nwant; j++) {
                count_got += got[j].type == want[i].type && got[j].peer == want[i].peer;
                count_want += want[j].type == want[i].type && want[j].peer == want[i].peer;
            }
            ok = count_got == count_want;
        }
    }
    check_count++;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "FAIL line %d: %s (mesh %d): wrong events%s\n", line, what, n->id,
                ordered ? "" : " (any order)");
        print_events("got ", got, ngot);
        print_events("want", want, nwant);
    }
}

#define EVENTS(n, what, ...)                                                                                  \
    expect_events_at(__LINE__, (what), (n), (const mp_event[]){__VA_ARGS__},                                 \
                     (int)(sizeof((const mp_event[]){__VA_ARGS__}) / sizeof(mp_event)), 1)
#define EVENT_SET(n, what, ...)                                                                               \
    expect_events_at(__LINE__, (what), (n), (const mp_event[]){__VA_ARGS__},                                 \
                     (int)(sizeof((const mp_event[]){__VA_ARGS__}) / sizeof(mp_event)), 0)
#define NO_EVENTS(n, what) expect_events_at(__LINE__, (what), (n), NULL, 0, 1)

static mp_node *find_node(mp_world *w, int32_t id) {
    for (int i = 0; i < w->n_nodes; i++) {
        if (w->nodes[i].mesh != 0 && w->nodes[i].id == id) return &w->nodes[i];
    }
    return NULL;
}

static mp_link *find_link(mp_world *w, const mp_node *a, const mp_node *b) {
    for (int i = 0; i < w->n_links; i++) {
        mp_link *l = &w->links[i];
        if ((l->a == a && l->b == b) || (l->a == b && l->b == a)) return l;
    }
    return NULL;
}

/* The host's connection for peer (the other end) inside n's mesh. */
static meshrtc_peer conn_in(mp_world *w, const mp_node *n, const mp_node *peer) {
    mp_link *l = find_link(w, n, peer);
    if (l == NULL) return 0;
    return l->a == n ? l->pa : l->pb;
}

static int32_t mesh_get(int32_t (*fn)(meshrtc_mesh, int32_t *), mp_node *n) {
    int32_t v = -1000;
    CHECK_OK(fn(n->mesh, &v), n->mesh);
    return v;
}

static int32_t has_peer(mp_node *n, int32_t id) {
    int32_t has = -1;
    CHECK_OK(meshrtc_mesh_has_peer(n->mesh, id, &has), n->mesh);
    return has;
}

/* status, unique id and relay support of a configured mesh. */
static void check_mesh_state(mp_node *n, int32_t status, int32_t relay) {
    CHECK(mesh_get(meshrtc_mesh_get_connection_status, n) == status, "mesh %d: status %d, want %d", n->id,
          mesh_get(meshrtc_mesh_get_connection_status, n), status);
    CHECK(mesh_get(meshrtc_mesh_get_unique_id, n) == n->id, "mesh %d: unique id %d", n->id,
          mesh_get(meshrtc_mesh_get_unique_id, n));
    CHECK(mesh_get(meshrtc_mesh_is_server_relay_supported, n) == relay, "mesh %d: relay supported %d, want %d", n->id,
          mesh_get(meshrtc_mesh_is_server_relay_supported, n), relay);
    CHECK(mesh_get(meshrtc_mesh_get_max_packet_size, n) == 1200, "mesh %d: max packet size", n->id);
}

/* MultiplayerPeer's settings of a new mesh, then as set. */
static void check_settings(mp_node *n) {
    CHECK(mesh_get(meshrtc_mesh_get_target_peer, n) == 0 && mesh_get(meshrtc_mesh_get_transfer_mode, n) == R &&
              mesh_get(meshrtc_mesh_get_transfer_channel, n) == 0 &&
              mesh_get(meshrtc_mesh_is_refusing_new_connections, n) == 0,
          "mesh %d: defaults target %d, mode %d, channel %d, refusing %d", n->id,
          mesh_get(meshrtc_mesh_get_target_peer, n), mesh_get(meshrtc_mesh_get_transfer_mode, n),
          mesh_get(meshrtc_mesh_get_transfer_channel, n), mesh_get(meshrtc_mesh_is_refusing_new_connections, n));
    CHECK_OK(meshrtc_mesh_set_target_peer(n->mesh, -3), n->mesh);
    CHECK_OK(meshrtc_mesh_set_transfer_mode(n->mesh, UO), n->mesh);
    CHECK_OK(meshrtc_mesh_set_transfer_channel(n->mesh, 255), n->mesh);
    CHECK(mesh_get(meshrtc_mesh_get_target_peer, n) == -3 && mesh_get(meshrtc_mesh_get_transfer_mode, n) == UO &&
              mesh_get(meshrtc_mesh_get_transfer_channel, n) == 255,
          "mesh %d: settings not kept", n->id);
    CHECK_OK(meshrtc_mesh_set_target_peer(n->mesh, 0), n->mesh);
    CHECK_OK(meshrtc_mesh_set_transfer_mode(n->mesh, R), n->mesh);
    CHECK_OK(meshrtc_mesh_set_transfer_channel(n->mesh, 0), n->mesh);
}

/* A DISCONNECTED (closed or server-less) mesh. */
static void check_disconnected(mp_node *n) {
    int32_t id = -1;
    uint8_t byte = 0;
    CHECK(mesh_get(meshrtc_mesh_get_connection_status, n) == MESHRTC_CONNECTION_DISCONNECTED, "mesh %d: status %d",
          n->id, mesh_get(meshrtc_mesh_get_connection_status, n));
    CHECK_RC(meshrtc_mesh_get_unique_id(n->mesh, &id), MESHRTC_ERR_UNCONFIGURED, n->mesh);
    CHECK(id == 1, "mesh %d: get_unique_id gave %d while disconnected, want 1 (Godot's value)", n->id, id);
    CHECK_RC(meshrtc_mesh_put_packet(n->mesh, &byte, 1), MESHRTC_ERR_UNCONFIGURED, n->mesh);
}

/* get_peers must give exactly ids, in this order. */
static void check_peers_at(int line, mp_node *n, const int32_t *ids, int count) {
    int32_t got[16] = {0}, got_count = -1;
    CHECK_OK(meshrtc_mesh_get_peers(n->mesh, got, 16, &got_count), n->mesh);
    int ok = got_count == count;
    for (int i = 0; ok && i < count; i++) ok = got[i] == ids[i];
    CHECK(ok, "line %d: mesh %d: get_peers gives %d peers [%d %d %d %d], want %d [%d %d %d %d]", line, n->id,
          got_count, got[0], got[1], got[2], got[3], count, count > 0 ? ids[0] : 0, count > 1 ? ids[1] : 0,
          count > 2 ? ids[2] : 0, count > 3 ? ids[3] : 0);
}
#define PEERS(n, ...)                                                                                          \
    check_peers_at(__LINE__, (n), (const int32_t[]){__VA_ARGS__},                                              \
                   (int)(sizeof((const int32_t[]){__VA_ARGS__}) / sizeof(int32_t)))
#define NO_PEERS(n) check_peers_at(__LINE__, (n), NULL, 0)

/* get_peer of a connected peer: the host's connection, the channels Godot's
 * add_peer creates (modules/webrtc/webrtc_multiplayer_peer.cpp), all open,
 * and mesh-owned channel handles that cannot be destroyed. */
static void check_peer_channels(mp_world *w, mp_node *n, mp_node *peer, int32_t lifetime, int extras) {
    static const char *builtin[3] = {"reliable", "ordered", "unreliable"};
    meshrtc_peer conn = -1;
    meshrtc_channel ch[16];
    int32_t count = -1, connected = -1;
    CHECK_OK(meshrtc_mesh_get_peer(n->mesh, peer->id, &conn, ch, 16, &count, &connected), n->mesh);
    CHECK(conn == conn_in(w, n, peer), "mesh %d peer %d: get_peer gave connection %lld", n->id, peer->id,
          (long long)conn);
    CHECK(count == 3 + extras && connected == 1, "mesh %d peer %d: %d channels, connected %d", n->id, peer->id, count,
          connected);
    if (count != 3 + extras) return;
    for (int i = 0; i < count; i++) {
        char want_label[16], label[32] = "", protocol[32] = "x";
        int32_t len = -1, id = -1, ordered = -1, life = -1, retransmits = -1, negotiated = -1, state = -1;
        int32_t want_ordered = 1, want_life = 65535;
        if (i < 3) {
            snprintf(want_label, sizeof want_label, "%s", builtin[i]);
            if (i > 0) want_life = lifetime;
            if (i == 2) want_ordered = 0;
        } else {
            snprintf(want_label, sizeof want_label, "%d", i + 1);
            if (CONFIG[i - 3] != R) want_life = 1;
            if (CONFIG[i - 3] == U) want_ordered = 0;
        }
        CHECK_OK(meshrtc_channel_get_label(ch[i], label, (int32_t)sizeof label, &len), ch[i]);
        CHECK_OK(meshrtc_channel_get_protocol(ch[i], protocol, (int32_t)sizeof protocol, &len), ch[i]);
        CHECK_OK(meshrtc_channel_get_id(ch[i], &id), ch[i]);
        CHECK_OK(meshrtc_channel_is_ordered(ch[i], &ordered), ch[i]);
        CHECK_OK(meshrtc_channel_get_max_packet_life_time(ch[i], &life), ch[i]);
        CHECK_OK(meshrtc_channel_get_max_retransmits(ch[i], &retransmits), ch[i]);
        CHECK_OK(meshrtc_channel_is_negotiated(ch[i], &negotiated), ch[i]);
        CHECK_OK(meshrtc_channel_get_ready_state(ch[i], &state), ch[i]);
        CHECK(strcmp(label, want_label) == 0 && protocol[0] == '\0' && id == i + 1 && ordered == want_ordered &&
                  life == want_life && retransmits == 65535 && negotiated == 1 &&
                  state == MESHRTC_CHANNEL_STATE_OPEN,
              "mesh %d peer %d channel %d: label \"%s\" protocol \"%s\" id %d ordered %d lifetime %d retransmits %d "
              "negotiated %d state %d; want \"%s\" \"\" %d %d %d 65535 1 OPEN",
              n->id, peer->id, i, label, protocol, id, ordered, life, retransmits, negotiated, state, want_label,
              i + 1, want_ordered, want_life);
    }
    /* The mesh owns them: destroy is refused, the handle stays valid. */
    CHECK_RC(meshrtc_channel_destroy(ch[0]), MESHRTC_ERR_UNAUTHORIZED, ch[0]);
    CHECK(strstr(check_last_error(ch[0]), "mesh") != NULL, "last error \"%s\" does not name the mesh",
          check_last_error(ch[0]));
    CHECK(strstr(check_last_error(0), "mesh") != NULL, "thread's last error \"%s\"", check_last_error(0));
    CHECK_RC(meshrtc_channel_destroy(ch[count - 1]), MESHRTC_ERR_UNAUTHORIZED, ch[count - 1]);
    int32_t state = -1;
    CHECK_OK(meshrtc_channel_get_ready_state(ch[0], &state), ch[0]);
    CHECK(state == MESHRTC_CHANNEL_STATE_OPEN, "refused destroy changed the channel (state %d)", state);
}

/* --------------------------------------------------------------- traffic */

#define MAX_SEQ 4096

typedef struct stream {
    int32_t expected; /* packets sent that this receiver is entitled to */
    int32_t received;
    int64_t last; /* last sequence number, -1 before the first */
    int reordered, duplicated;
    uint8_t seen[MAX_SEQ / 8];
} stream;

/* [receiver node][sender node][combo] of the world whose traffic runs. */
static stream streams[MP_MAX_NODES][MP_MAX_NODES][COMBOS];
static uint32_t next_seq[MP_MAX_NODES][COMBOS];
static int64_t packets_sent, packets_received;

static void reset_traffic(void) {
    memset(streams, 0, sizeof streams);
    memset(next_seq, 0, sizeof next_seq);
    for (int r = 0; r < MP_MAX_NODES; r++) {
        for (int s = 0; s < MP_MAX_NODES; s++) {
            for (int c = 0; c < COMBOS; c++) streams[r][s][c].last = -1;
        }
    }
}

/* Whether receiver id gets a packet sent to target. */
static int entitled(int32_t receiver, int32_t target) {
    return target == 0 || (target > 0 && receiver == target) || (target < 0 && receiver != -target);
}

/* on_packet: attribution must match the payload, the receiver must be a
 * target, and ordered channels must deliver in order without duplicates. */
static void on_packet(mp_world *w, mp_node *n, int32_t peer, int32_t channel, int32_t mode, const uint8_t *data,
                      int32_t len) {
    mp_payload pl;
    packets_received++;
    if (!mp_decode(data, len, &pl)) {
        CHECK(0, "mesh %d: corrupt packet of %d bytes from %d", n->id, len, peer);
        return;
    }
    CHECK(peer == pl.sender && channel == pl.channel && mode == pl.mode,
          "mesh %d: packet described as peer %d channel %d mode %d, but it is from %d on channel %d mode %d", n->id,
          peer, channel, mode, pl.sender, pl.channel, pl.mode);
    CHECK(entitled(n->id, pl.target) && n->id != pl.sender, "mesh %d got a packet from %d for target %d", n->id,
          pl.sender, pl.target);
    mp_node *s = find_node(w, pl.sender);
    int c = combo_of(pl.channel, pl.mode);
    if (s == NULL || c < 0 || pl.seq >= MAX_SEQ) {
        CHECK(0, "mesh %d: packet from unknown sender %d / combo (%d,%d) / seq %u", n->id, pl.sender, pl.channel,
              pl.mode, pl.seq);
        return;
    }
    stream *st = &streams[n - w->nodes][s - w->nodes][c];
    if (st->seen[pl.seq / 8] & (1u << (pl.seq % 8))) st->duplicated++;
    st->seen[pl.seq / 8] |= (uint8_t)(1u << (pl.seq % 8));
    if (pl.mode != U && (int64_t)pl.seq <= st->last) st->reordered++;
    if ((int64_t)pl.seq > st->last) st->last = pl.seq;
    st->received++;
}

static int is_linked(mp_world *w, const mp_node *a, const mp_node *b) { return find_link(w, a, b) != NULL; }

/* One round from s: a packet on every combo to every target in targets.
 * On extra channels the transfer mode is set to a different mode on
 * purpose: the channel alone decides there. */
static void send_round(mp_world *w, mp_node *s, const int32_t *targets, int ntargets) {
    for (int t = 0; t < ntargets; t++) {
        for (int c = 0; c < COMBOS; c++) {
            mp_payload pl = {s->id, targets[t], COMBO[c].channel, COMBO[c].mode, next_seq[s - w->nodes][c]++};
            int32_t transfer_mode = pl.channel == 0 ? pl.mode : (pl.mode + 1) % 3;
            CHECK_RC(mp_send(s, &pl, transfer_mode), MESHRTC_OK, s->mesh);
            packets_sent++;
            for (int r = 0; r < w->n_nodes; r++) {
                mp_node *rn = &w->nodes[r];
                if (rn != s && is_linked(w, s, rn) && entitled(rn->id, pl.target)) {
                    streams[r][s - w->nodes][c].expected++;
                }
            }
        }
    }
}

static int reliable_done(mp_world *w) {
    for (int r = 0; r < w->n_nodes; r++) {
        for (int s = 0; s < w->n_nodes; s++) {
            for (int c = 0; c < COMBOS; c++) {
                const stream *st = &streams[r][s][c];
                if (COMBO[c].mode == R && st->received < st->expected) return 0;
            }
        }
    }
    return 1;
}

/* Reliable: complete and in order; unreliable ordered: in order; all: no
 * duplicates, nothing unexpected. */
static void check_traffic(mp_world *w, const char *phase) {
    int64_t expected[3] = {0}, received[3] = {0};
    for (int r = 0; r < w->n_nodes; r++) {
        for (int s = 0; s < w->n_nodes; s++) {
            for (int c = 0; c < COMBOS; c++) {
                const stream *st = &streams[r][s][c];
                int32_t mode = COMBO[c].mode;
                expected[mode] += st->expected;
                received[mode] += st->received;
                if (mode == R) {
                    CHECK(st->received == st->expected, "%s: mesh %d from %d, channel %d reliable: %d of %d packets",
                          phase, w->nodes[r].id, w->nodes[s].id, COMBO[c].channel, st->received, st->expected);
                } else {
                    CHECK(st->received <= st->expected, "%s: mesh %d from %d, channel %d mode %d: %d of %d packets",
                          phase, w->nodes[r].id, w->nodes[s].id, COMBO[c].channel, mode, st->received, st->expected);
                }
                CHECK(st->reordered == 0 && st->duplicated == 0,
                      "%s: mesh %d from %d, channel %d mode %d: %d reordered, %d duplicated", phase, w->nodes[r].id,
                      w->nodes[s].id, COMBO[c].channel, mode, st->reordered, st->duplicated);
            }
        }
    }
    printf("phase %s: %lld put_packet calls; delivered reliable %lld/%lld, unreliable ordered %lld/%lld, "
           "unreliable %lld/%lld\n",
           phase, (long long)packets_sent, (long long)received[R], (long long)expected[R], (long long)received[UO],
           (long long)expected[UO], (long long)received[U], (long long)expected[U]);
}

/* Runs rounds of traffic from every sender, then waits for the reliable
 * packets and a little longer for late unreliable ones. */
static void run_traffic(mp_world *w, mp_node **senders, const int32_t (*targets)[3], int nsenders, int rounds,
                        const char *phase) {
    reset_traffic();
    packets_sent = packets_received = 0;
    for (int k = 0; k < rounds; k++) {
        for (int i = 0; i < nsenders; i++) send_round(w, senders[i], targets[i], 3);
        mp_step(w);
    }
    MP_UNTIL(w, reliable_done(w), WAIT_S, "reliable packets");
    mp_wait(w, 0.3);
    check_traffic(w, phase);
}

/* --------------------------------------------------------- round robin */

/* With receiver not polled, senders (in receiver's get_peers order) send
 * the given reliable packets to it; after one poll the packets must come
 * out one per peer per turn, lowest channel index first, each described
 * before get_packet takes it. */
static void check_round_robin(mp_world *w, mp_node *receiver, mp_node **senders, int nsenders) {
    /* Per sender: channels (0: "reliable" index 0; 1: extra channel 1, index 3) of its packets. */
    static const int32_t plan[3][4] = {{0, 0, 1, -1}, {1, 0, -1, -1}, {1, 1, 0, 0}};
    int total = 0;
    receiver->manual = 1;
    int32_t avail = -1;
    CHECK_OK(meshrtc_mesh_get_available_packet_count(receiver->mesh, &avail), receiver->mesh);
    CHECK(avail == 0, "nothing is described before the round-robin phase (%d)", avail);
    uint32_t seq[3] = {1000, 1000, 1000};
    for (int i = 0; i < nsenders; i++) {
        for (int k = 0; k < 4 && plan[i][k] >= 0; k++) {
            mp_payload pl = {senders[i]->id, receiver->id, plan[i][k], R, seq[i]++};
            CHECK_OK(mp_send(senders[i], &pl, R), senders[i]->mesh);
            total++;
        }
    }
    /* Wait until the receiver's channels hold them all (read through the
     * mesh-owned channel handles, without polling the mesh). */
    int queued = 0;
    double deadline = tk_now_s() + WAIT_S;
    while (queued < total) {
        queued = 0;
        for (int i = 0; i < nsenders; i++) {
            meshrtc_peer conn;
            meshrtc_channel ch[16];
            int32_t count = 0, connected = 0;
            CHECK_OK(meshrtc_mesh_get_peer(receiver->mesh, senders[i]->id, &conn, ch, 16, &count, &connected),
                     receiver->mesh);
            for (int c = 0; c < count; c++) {
                int32_t n = 0;
                CHECK_OK(meshrtc_channel_get_available_packet_count(ch[c], &n), ch[c]);
                queued += n;
            }
        }
        if (tk_now_s() > deadline) mp_fatal("round robin: packets did not arrive");
        if (queued < total && !mp_step(w)) tk_sleep_ms(1);
    }
    CHECK(queued == total, "round robin: %d packets queued, want %d", queued, total);
    CHECK_OK(meshrtc_mesh_get_available_packet_count(receiver->mesh, &avail), receiver->mesh);
    CHECK(avail == 0, "packets are described before poll (%d)", avail);
    CHECK_OK(meshrtc_mesh_poll(receiver->mesh), receiver->mesh);

    /* The expected order, by simulating Godot's _find_next_peer. */
    int head[3][2] = {{0}}, cur = -1;
    int32_t queue[3][2][4];
    int qlen[3][2] = {{0}};
    for (int i = 0; i < nsenders; i++) {
        for (int k = 0; k < 4 && plan[i][k] >= 0; k++) queue[i][plan[i][k]][qlen[i][plan[i][k]]++] = 1000 + k;
    }
    for (int remaining = total; remaining > 0; remaining--) {
        int pi = -1, pc = -1;
        for (int k = 1; k <= nsenders && pi < 0; k++) {
            int i = (cur + k + nsenders) % nsenders;
            for (int c = 0; c < 2; c++) {
                if (head[i][c] < qlen[i][c]) {
                    pi = i;
                    pc = c;
                    break;
                }
            }
        }
        cur = pi;
        int32_t want_seq = queue[pi][pc][head[pi][pc]++];
        int32_t peer = -1, channel = -1, mode = -1, len = -1;
        const uint8_t *data = NULL;
        mp_payload pl = {0, 0, 0, 0, 0};
        CHECK_OK(meshrtc_mesh_get_available_packet_count(receiver->mesh, &avail), receiver->mesh);
        CHECK(avail == remaining, "round robin: %d available, want %d", avail, remaining);
        CHECK_OK(meshrtc_mesh_get_packet_peer(receiver->mesh, &peer), receiver->mesh);
        CHECK_OK(meshrtc_mesh_get_packet_channel(receiver->mesh, &channel), receiver->mesh);
        CHECK_OK(meshrtc_mesh_get_packet_mode(receiver->mesh, &mode), receiver->mesh);
        CHECK_OK(meshrtc_mesh_get_packet(receiver->mesh, &data, &len), receiver->mesh);
        CHECK(mp_decode(data, len, &pl), "round robin: corrupt packet");
        CHECK(peer == senders[pi]->id && channel == pc && mode == R && pl.sender == peer && pl.channel == channel &&
                  (int32_t)pl.seq == want_seq,
              "round robin packet %d: got peer %d channel %d mode %d (payload %d/%d seq %u), want peer %d channel %d "
              "seq %d",
              total - remaining, peer, channel, mode, pl.sender, pl.channel, pl.seq, senders[pi]->id, pc, want_seq);
    }
    int32_t peer = -1;
    const uint8_t *data = NULL;
    int32_t len = -1;
    CHECK_OK(meshrtc_mesh_get_available_packet_count(receiver->mesh, &avail), receiver->mesh);
    CHECK_OK(meshrtc_mesh_get_packet_peer(receiver->mesh, &peer), receiver->mesh);
    CHECK(avail == 0 && peer == 0, "after round robin: %d available, next peer %d", avail, peer);
    CHECK_RC(meshrtc_mesh_get_packet(receiver->mesh, &data, &len), MESHRTC_ERR_UNAVAILABLE, receiver->mesh);
    receiver->manual = 0;
    printf("phase round robin: %d packets from %d peers in Godot's order\n", total, nsenders);
}

/* ------------------------------------------------------------- full mesh */

static mp_world full_world;

/* Meshes 1..4 (m[1..4]) connect over six links: events, states, Godot's
 * channels and get_peers in insertion order. */
static void full_mesh_connect(mp_world *w, mp_node **m) {
    w->on_packet = on_packet;
    for (int id = 1; id <= 4; id++) {
        m[id] = mp_node_new(w, id);
        CHECK(mesh_get(meshrtc_mesh_get_connection_status, m[id]) == MESHRTC_CONNECTION_DISCONNECTED,
              "a new mesh is DISCONNECTED");
        check_settings(m[id]);
        CHECK_OK(meshrtc_mesh_create_mesh(m[id]->mesh, id, CONFIG, 3), m[id]->mesh);
        check_mesh_state(m[id], MESHRTC_CONNECTION_CONNECTED, 0);
    }
    /* Link order makes each mesh's insertion order differ from id order. */
    static const int order[6][2] = {{1, 4}, {1, 2}, {2, 3}, {1, 3}, {3, 4}, {2, 4}};
    for (int i = 0; i < 6; i++) {
        int a = order[i][0], b = order[i][1];
        mp_link_add(w, m[a], m[b], 10 * a + b); /* a distinct unreliable lifetime per link */
    }
    const int32_t others[5][3] = {{0}, {2, 3, 4}, {1, 3, 4}, {1, 2, 4}, {1, 2, 3}};
    MP_UNTIL(w,
             mp_connected_to(m[1], others[1], 3) && mp_connected_to(m[2], others[2], 3) &&
                 mp_connected_to(m[3], others[3], 3) && mp_connected_to(m[4], others[4], 3),
             WAIT_S, "the full mesh to connect");
    for (int id = 1; id <= 4; id++) {
        EVENT_SET(m[id], "full mesh connected", {PC, others[id][0]}, {PC, others[id][1]}, {PC, others[id][2]});
        check_mesh_state(m[id], MESHRTC_CONNECTION_CONNECTED, 0);
        for (int k = 0; k < 3; k++) {
            int32_t o = others[id][k];
            int a = id < o ? id : o, b = id < o ? o : id;
            check_peer_channels(w, m[id], m[o], 10 * a + b, 3);
            CHECK(has_peer(m[id], o) == 1, "has_peer");
        }
        CHECK(has_peer(m[id], id) == 0 && has_peer(m[id], 5) == 0, "has_peer of an id not in the mesh");
    }
    PEERS(m[1], 4, 2, 3); /* insertion order, as Godot 4's HashMap */
    PEERS(m[2], 1, 3, 4);
    PEERS(m[3], 2, 1, 4);
    PEERS(m[4], 1, 3, 2);
}

/* Every mode and extra channel, broadcast, one peer, all but one; then
 * the round robin of mesh 1. */
static void full_mesh_traffic(mp_world *w, mp_node **m) {
    mp_node *senders[4] = {m[1], m[2], m[3], m[4]};
    const int32_t targets[4][3] = {{0, 2, -3}, {0, 3, -4}, {0, 4, -1}, {0, 1, -2}};
    run_traffic(w, senders, targets, 4, 20, "full mesh");

    /* A positive target not in the mesh; a transfer channel it lacks is
     * covered by test_bad_input. */
    mp_payload pl = {1, 9, 0, R, 0};
    CHECK_RC(mp_send(m[1], &pl, R), MESHRTC_ERR_INVALID_PARAMETER, m[1]->mesh);
    CHECK(strstr(check_last_error(m[1]->mesh), "9") != NULL, "message %s", check_last_error(m[1]->mesh));

    mp_wait(w, 0.5); /* late unreliable packets must not disturb the round robin */
    mp_node *rr[3] = {m[4], m[2], m[3]}; /* m[1]'s get_peers order */
    check_round_robin(w, m[1], rr, 3);
}

/* remove_peer and disconnect_peer (with and without force). */
static void full_mesh_disconnects(mp_world *w, mp_node **m) {
    /* remove_peer: PEER_DISCONNECTED at once here, and on the other side. */
    CHECK_OK(meshrtc_mesh_remove_peer(m[1]->mesh, 2), m[1]->mesh);
    CHECK(has_peer(m[1], 2) == 0, "removed peer still there");
    mp_service(w, m[1]);
    EVENTS(m[1], "remove_peer(2)", {PD, 2});
    MP_UNTIL(w, m[2]->n_events >= 1, WAIT_S, "mesh 2 to see 1 go");
    EVENTS(m[2], "peer 1 removed it", {PD, 1});

    /* disconnect_peer with force: removed at once, silently; the other side sees it go. */
    CHECK_OK(meshrtc_mesh_disconnect_peer(m[3]->mesh, 4, 1), m[3]->mesh);
    CHECK(has_peer(m[3], 4) == 0, "forced disconnect keeps the peer");
    MP_UNTIL(w, m[4]->n_events >= 1, WAIT_S, "mesh 4 to see 3 go");
    EVENTS(m[4], "peer 3 force-disconnected it", {PD, 3});

    /* disconnect_peer without force: the next poll reports it. */
    CHECK_OK(meshrtc_mesh_disconnect_peer(m[2]->mesh, 3, 0), m[2]->mesh);
    CHECK(has_peer(m[2], 3) == 1, "without force the peer stays until the next poll");
    mp_service(w, m[2]);
    EVENTS(m[2], "disconnect_peer(3, 0) then poll", {PD, 3});
    CHECK(has_peer(m[2], 3) == 0, "peer still there after poll");
    MP_UNTIL(w, m[3]->n_events >= 1, WAIT_S, "mesh 3 to see 2 go");
    EVENTS(m[3], "peer 2 disconnected it", {PD, 2});
    mp_wait(w, 0.2);
    for (int id = 1; id <= 4; id++) NO_EVENTS(m[id], "nothing more after the disconnects");
    PEERS(m[1], 4, 3);
    PEERS(m[2], 4);
    PEERS(m[3], 1);
    PEERS(m[4], 1, 2);
}

/* close, with and without PEER_DISCONNECTED events; a closed mesh can be
 * configured again. */
static void full_mesh_closes(mp_world *w, mp_node **m) {
    /* close: PEER_DISCONNECTED for every connected peer, in get_peers order. */
    CHECK_OK(meshrtc_mesh_close(m[4]->mesh), m[4]->mesh);
    mp_service(w, m[4]); /* takes the events close queued */
    EVENTS(m[4], "close", {PD, 1}, {PD, 2});
    check_disconnected(m[4]);
    NO_PEERS(m[4]);
    CHECK_OK(meshrtc_mesh_close(m[4]->mesh), m[4]->mesh); /* idempotent */
    MP_UNTIL(w, m[1]->n_events >= 1 && m[2]->n_events >= 1, WAIT_S, "meshes 1 and 2 to see 4 go");
    EVENTS(m[1], "peer 4 closed", {PD, 4});
    EVENTS(m[2], "peer 4 closed", {PD, 4});

    /* closeEmitsPeerDisconnected false: Godot's silent close. */
    CHECK_OK(meshrtc_mesh_set_options(m[1]->mesh, "{\"closeEmitsPeerDisconnected\":false}"), m[1]->mesh);
    CHECK_OK(meshrtc_mesh_close(m[1]->mesh), m[1]->mesh);
    mp_service(w, m[1]);
    NO_EVENTS(m[1], "silent close");
    check_disconnected(m[1]);
    MP_UNTIL(w, m[3]->n_events >= 1, WAIT_S, "mesh 3 to see 1 go");
    EVENTS(m[3], "peer 1 closed", {PD, 1});
    mp_wait(w, 0.2);
    for (int id = 1; id <= 4; id++) NO_EVENTS(m[id], "nothing more after the closes");
    NO_PEERS(m[2]);
    NO_PEERS(m[3]);
    CHECK(w->unexpected_channels == 0, "%d in-band channels announced", w->unexpected_channels);
    /* A closed mesh can be configured again. */
    CHECK_OK(meshrtc_mesh_create_mesh(m[1]->mesh, 1, NULL, 0), m[1]->mesh);
    check_mesh_state(m[1], MESHRTC_CONNECTION_CONNECTED, 0);
}

static void test_full_mesh(void) {
    mp_world *w = &full_world;
    mp_node *m[5];
    full_mesh_connect(w, m);
    full_mesh_traffic(w, m);
    full_mesh_disconnects(w, m);
    full_mesh_closes(w, m);
    mp_world_destroy(w);
    printf("phase full mesh: 4 meshes, 6 links, disconnects and closes checked\n");
}

/* ---------------------------------------------------- server and clients */

static mp_world server_world;

/* The server-and-clients session: server 1, clients 2, 7 and 1000, then
 * late clients 5, 6 and 8. */
typedef struct star {
    mp_world *w;
    mp_node *server, *c[3], *late[3];
    meshrtc_peer spare; /* refused by the server, then a client's link that fails */
} star;

/* Clients CONNECTING until the server connects, then CONNECTED with
 * peer_connected(1) and connection_succeeded(1); Godot's channels. */
static void star_connect(star *st) {
    mp_world *w = st->w;
    st->server = mp_node_new(w, 1);
    CHECK_OK(meshrtc_mesh_create_server(st->server->mesh, CONFIG, 3), st->server->mesh);
    check_mesh_state(st->server, MESHRTC_CONNECTION_CONNECTED, 1);
    const int32_t ids[3] = {2, 7, 1000};
    for (int i = 0; i < 3; i++) {
        st->c[i] = mp_node_new(w, ids[i]);
        CHECK_OK(meshrtc_mesh_create_client(st->c[i]->mesh, ids[i], CONFIG, 3), st->c[i]->mesh);
        check_mesh_state(st->c[i], MESHRTC_CONNECTION_CONNECTING, 1);
    }
    for (int i = 0; i < 3; i++) {
        mp_link_add(w, st->server, st->c[i], 1); /* Godot's default unreliable lifetime */
        CHECK(mesh_get(meshrtc_mesh_get_connection_status, st->c[i]) == MESHRTC_CONNECTION_CONNECTING,
              "client %d: CONNECTING until the server connects", ids[i]);
    }
    MP_UNTIL(w,
             mp_connected_to(st->server, ids, 3) && mp_has_event(st->c[0], CS, 1) && mp_has_event(st->c[1], CS, 1) &&
                 mp_has_event(st->c[2], CS, 1),
             WAIT_S, "the clients to connect");
    EVENT_SET(st->server, "clients connected", {PC, 2}, {PC, 7}, {PC, 1000});
    PEERS(st->server, 2, 7, 1000);
    check_mesh_state(st->server, MESHRTC_CONNECTION_CONNECTED, 1);
    for (int i = 0; i < 3; i++) {
        EVENTS(st->c[i], "client connected", {PC, 1}, {CS, 1});
        check_mesh_state(st->c[i], MESHRTC_CONNECTION_CONNECTED, 1);
        PEERS(st->c[i], 1);
        check_peer_channels(w, st->c[i], st->server, 1, 3);
        check_peer_channels(w, st->server, st->c[i], 1, 3);
    }
}

/* Clients: to all (only the server), to the server, to all but the server
 * (nobody: still OK). Server: all, one client, all but one. A client has no
 * peer but the server. */
static void star_traffic(star *st) {
    mp_node *senders[4] = {st->server, st->c[0], st->c[1], st->c[2]};
    const int32_t targets[4][3] = {{0, 7, -1000}, {0, 1, -1}, {0, 1, -1}, {0, 1, -1}};
    run_traffic(st->w, senders, targets, 4, 20, "server and clients");
    mp_payload pl = {2, 7, 0, R, 0};
    CHECK_RC(mp_send(st->c[0], &pl, R), MESHRTC_ERR_INVALID_PARAMETER, st->c[0]->mesh);
}

/* refuse_new_connections: add_peer is refused; connected peers stay. */
static void star_refuse(star *st) {
    mp_node *server = st->server;
    CHECK_OK(meshrtc_mesh_set_refuse_new_connections(server->mesh, 1), server->mesh);
    CHECK(mesh_get(meshrtc_mesh_is_refusing_new_connections, server) == 1, "is_refusing");
    st->spare = mp_peer_new();
    CHECK_RC(meshrtc_mesh_add_peer(server->mesh, st->spare, 9, 1), MESHRTC_ERR_UNAUTHORIZED, server->mesh);
    CHECK(strstr(check_last_error(server->mesh), "refusing") != NULL, "message %s", check_last_error(server->mesh));
    CHECK(has_peer(server, 9) == 0, "refused peer was added");
    PEERS(server, 2, 7, 1000);
    CHECK_OK(meshrtc_mesh_set_refuse_new_connections(server->mesh, 0), server->mesh);
    CHECK(mesh_get(meshrtc_mesh_is_refusing_new_connections, server) == 0, "is_refusing");
}

/* Three late clients while the others are connected. */
static void star_late_clients(star *st) {
    const int32_t late_ids[3] = {5, 6, 8};
    for (int i = 0; i < 3; i++) {
        st->late[i] = mp_node_new(st->w, late_ids[i]);
        CHECK_OK(meshrtc_mesh_create_client(st->late[i]->mesh, late_ids[i], CONFIG, 3), st->late[i]->mesh);
        mp_link_add(st->w, st->server, st->late[i], 1);
    }
    MP_UNTIL(st->w,
             mp_connected_to(st->server, late_ids, 3) && mp_has_event(st->late[0], CS, 1) &&
                 mp_has_event(st->late[1], CS, 1) && mp_has_event(st->late[2], CS, 1),
             WAIT_S, "the late clients to connect");
    EVENT_SET(st->server, "late clients connected", {PC, 5}, {PC, 6}, {PC, 8});
    for (int i = 0; i < 3; i++) EVENTS(st->late[i], "late client connected", {PC, 1}, {CS, 1});
    PEERS(st->server, 2, 7, 1000, 5, 6, 8);
}

/* The host destroyed its connection for client 1000: get_peer gives 0;
 * the next poll notices the closed connection. */
static void star_host_destroys(star *st) {
    mp_world *w = st->w;
    mp_link *l1000 = find_link(w, st->server, st->c[2]);
    CHECK_OK(meshrtc_peer_destroy(l1000->pa), l1000->pa);
    l1000->pa = 0;
    meshrtc_peer conn = -1;
    meshrtc_channel ch[8];
    int32_t count = -1, connected = -1;
    CHECK_OK(meshrtc_mesh_get_peer(st->server->mesh, 1000, &conn, ch, 8, &count, &connected), st->server->mesh);
    CHECK(conn == 0 && count == 6, "get_peer after the host destroyed the connection: %lld, %d channels",
          (long long)conn, count);
    MP_UNTIL(w, st->server->n_events >= 1 && st->c[2]->n_events >= 2, WAIT_S, "client 1000 to go");
    EVENTS(st->server, "connection destroyed by the host", {PD, 1000});
    EVENTS(st->c[2], "server link destroyed", {PD, 1}, {SD, 1});
    check_disconnected(st->c[2]);
}

/* Server-side disconnect_peer, with and without force: the client loses
 * the server. */
static void star_server_disconnects(star *st) {
    mp_world *w = st->w;
    mp_node *server = st->server;
    /* No force: the next poll reports it. */
    CHECK_OK(meshrtc_mesh_disconnect_peer(server->mesh, 2, 0), server->mesh);
    CHECK(has_peer(server, 2) == 1, "without force the peer stays until the next poll");
    mp_service(w, server);
    EVENTS(server, "disconnect_peer(2, 0)", {PD, 2});
    MP_UNTIL(w, st->c[0]->n_events >= 2, WAIT_S, "client 2 to lose the server");
    EVENTS(st->c[0], "server disconnected it", {PD, 1}, {SD, 1});
    check_disconnected(st->c[0]);
    NO_PEERS(st->c[0]);
    /* Forced: silent here. */
    CHECK_OK(meshrtc_mesh_disconnect_peer(server->mesh, 7, 1), server->mesh);
    CHECK(has_peer(server, 7) == 0, "forced disconnect keeps the peer");
    MP_UNTIL(w, st->c[1]->n_events >= 2, WAIT_S, "client 7 to lose the server");
    EVENTS(st->c[1], "server force-disconnected it", {PD, 1}, {SD, 1});
    check_disconnected(st->c[1]);
}

/* A client leaves by a forced disconnect_peer (no PEER_DISCONNECTED, but
 * SERVER_DISCONNECTED) and by remove_peer (both events at once). */
static void star_clients_leave(star *st) {
    mp_world *w = st->w;
    CHECK_OK(meshrtc_mesh_disconnect_peer(st->late[0]->mesh, 1, 1), st->late[0]->mesh);
    mp_service(w, st->late[0]);
    EVENTS(st->late[0], "client disconnect_peer(1, 1)", {SD, 1});
    check_disconnected(st->late[0]);
    MP_UNTIL(w, st->server->n_events >= 1, WAIT_S, "the server to see 5 go");
    EVENTS(st->server, "client 5 left", {PD, 5});

    CHECK_OK(meshrtc_mesh_remove_peer(st->late[1]->mesh, 1), st->late[1]->mesh);
    mp_service(w, st->late[1]);
    EVENTS(st->late[1], "client remove_peer(1)", {PD, 1}, {SD, 1});
    check_disconnected(st->late[1]);
    MP_UNTIL(w, st->server->n_events >= 1, WAIT_S, "the server to see 6 go");
    EVENTS(st->server, "client 6 left", {PD, 6});
}

/* A client whose server link fails before connecting. */
static void star_failed_client(star *st) {
    mp_node *failing = mp_node_new(st->w, 9);
    CHECK_OK(meshrtc_mesh_create_client(failing->mesh, 9, NULL, 0), failing->mesh);
    CHECK_OK(meshrtc_mesh_add_peer(failing->mesh, st->spare, 1, 1), failing->mesh);
    CHECK(mesh_get(meshrtc_mesh_get_connection_status, failing) == MESHRTC_CONNECTION_CONNECTING, "client 9 status");
    CHECK_OK(meshrtc_mesh_disconnect_peer(failing->mesh, 1, 0), failing->mesh);
    mp_service(st->w, failing);
    EVENTS(failing, "server link failed before connecting", {CF, 1});
    CHECK(has_peer(failing, 1) == 0, "the failed server link stays");
    check_disconnected(failing);
}

/* Server close: PEER_DISCONNECTED for the last client, which loses the
 * server; then nothing more anywhere. */
static void star_close(star *st) {
    mp_world *w = st->w;
    CHECK_OK(meshrtc_mesh_close(st->server->mesh), st->server->mesh);
    mp_service(w, st->server);
    EVENTS(st->server, "server close", {PD, 8});
    check_disconnected(st->server);
    MP_UNTIL(w, st->late[2]->n_events >= 2, WAIT_S, "client 8 to lose the server");
    EVENTS(st->late[2], "server closed", {PD, 1}, {SD, 1});
    mp_wait(w, 0.2);
    for (int i = 0; i < w->n_nodes; i++) NO_EVENTS(&w->nodes[i], "nothing more");
    CHECK(w->unexpected_channels == 0, "%d in-band channels announced", w->unexpected_channels);
}

static void test_server_clients(void) {
    star st = {.w = &server_world};
    st.w->on_packet = on_packet;
    star_connect(&st);
    star_traffic(&st);
    star_refuse(&st);
    star_late_clients(&st);
    star_host_destroys(&st);
    star_server_disconnects(&st);
    star_clients_leave(&st);
    star_failed_client(&st);
    star_close(&st);
    mp_world_destroy(st.w);
    CHECK_OK(meshrtc_peer_destroy(st.spare), st.spare);
    printf("phase server and clients: 1 server, 3 + 3 clients, disconnects, refusal and close checked\n");
}

/* ---------------------------------------------------------------- Godot 3 */

static mp_world g3_world, g3c_world;

/* Meshes 1..3 in m, configured by Godot 3's initialize: with server
 * compatibility only peer 1 starts CONNECTED. */
static void godot3_meshes(mp_world *w, mp_node **m, int compat) {
    w->on_packet = NULL;
    for (int id = 1; id <= 3; id++) {
        m[id] = mp_node_new(w, id);
        CHECK_OK(meshrtc_mesh_initialize(m[id]->mesh, id, compat), m[id]->mesh);
        check_mesh_state(m[id], compat && id != 1 ? MESHRTC_CONNECTION_CONNECTING : MESHRTC_CONNECTION_CONNECTED, 0);
    }
}

/* Without server compatibility: CONNECTED at once, peer 1 is ordinary. */
static void test_godot3(void) {
    mp_world *w = &g3_world;
    mp_node *m[4];
    godot3_meshes(w, m, 0);
    mp_link_add(w, m[1], m[3], 1);
    mp_link_add(w, m[1], m[2], 1);
    mp_link_add(w, m[2], m[3], 1);
    const int32_t others[4][2] = {{0}, {2, 3}, {1, 3}, {1, 2}};
    MP_UNTIL(w,
             mp_connected_to(m[1], others[1], 2) && mp_connected_to(m[2], others[2], 2) &&
                 mp_connected_to(m[3], others[3], 2),
             WAIT_S, "the Godot 3 mesh to connect");
    for (int id = 1; id <= 3; id++) {
        EVENT_SET(m[id], "Godot 3 connected", {PC, others[id][0]}, {PC, others[id][1]});
        PEERS(m[id], others[id][0], others[id][1]); /* ascending ids, as Godot 3's Map */
        check_peer_channels(w, m[id], m[others[id][0]], 1, 0);
        check_peer_channels(w, m[id], m[others[id][1]], 1, 0);
    }
    /* Godot 3 has no transfer channel: a packet on "channel 2" goes on the mode's channel. */
    mp_payload pl = {2, 1, 2, R, 7};
    CHECK_OK(mp_send(m[2], &pl, R), m[2]->mesh);
    m[1]->manual = 1;
    int32_t avail = 0;
    double deadline = tk_now_s() + WAIT_S;
    while (avail == 0 && tk_now_s() < deadline) {
        mp_step(w);
        CHECK_OK(meshrtc_mesh_poll(m[1]->mesh), m[1]->mesh);
        CHECK_OK(meshrtc_mesh_get_available_packet_count(m[1]->mesh, &avail), m[1]->mesh);
        if (avail == 0) tk_sleep_ms(1);
    }
    {
        int32_t peer = -1, channel = -1, mode = -1, len = -1;
        const uint8_t *data = NULL;
        CHECK(mp_take(m[1], &peer, &channel, &mode, &data, &len), "Godot 3: no packet");
        CHECK(peer == 2 && channel == 0 && mode == R && mp_decode(data, len, &pl) && pl.seq == 7,
              "Godot 3 packet: peer %d channel %d mode %d", peer, channel, mode);
    }
    m[1]->manual = 0;
    CHECK_OK(meshrtc_mesh_remove_peer(m[2]->mesh, 1), m[2]->mesh);
    mp_service(w, m[2]);
    EVENTS(m[2], "Godot 3 remove_peer(1)", {PD, 1});
    CHECK(mesh_get(meshrtc_mesh_get_connection_status, m[2]) == MESHRTC_CONNECTION_CONNECTED,
          "without server compatibility peer 1 is an ordinary peer");
    MP_UNTIL(w, m[1]->n_events >= 1, WAIT_S, "mesh 1 to see 2 go");
    EVENTS(m[1], "Godot 3 peer 2 left", {PD, 2});
    mp_wait(w, 0.1);
    for (int id = 1; id <= 3; id++) NO_EVENTS(m[id], "Godot 3: nothing more");
    mp_world_destroy(w);
}

/* With server compatibility: events held until peer 1 connects. */
static void test_godot3_compat(void) {
    mp_world *w = &g3c_world;
    mp_node *m[4];
    godot3_meshes(w, m, 1);
    mp_link_add(w, m[3], m[2], 1);
    int32_t c23 = 0, c32 = 0;
    double deadline = tk_now_s() + WAIT_S;
    while (!(c23 && c32)) {
        meshrtc_peer conn;
        meshrtc_channel ch[4];
        int32_t count;
        if (tk_now_s() > deadline) mp_fatal("Godot 3: peers 2 and 3 did not connect");
        if (!mp_step(w)) tk_sleep_ms(1);
        CHECK_OK(meshrtc_mesh_get_peer(m[2]->mesh, 3, &conn, ch, 4, &count, &c23), m[2]->mesh);
        CHECK_OK(meshrtc_mesh_get_peer(m[3]->mesh, 2, &conn, ch, 4, &count, &c32), m[3]->mesh);
    }
    mp_wait(w, 0.05);
    NO_EVENTS(m[2], "peer_connected held back until the server");
    NO_EVENTS(m[3], "peer_connected held back until the server");
    CHECK(mesh_get(meshrtc_mesh_get_connection_status, m[2]) == MESHRTC_CONNECTION_CONNECTING, "still CONNECTING");
    mp_link_add(w, m[1], m[2], 1);
    mp_link_add(w, m[1], m[3], 1);
    MP_UNTIL(w, m[2]->n_events >= 3 && m[3]->n_events >= 3 && m[1]->n_events >= 2, WAIT_S, "the server to connect");
    EVENTS(m[2], "server compatibility", {PC, 1}, {CS, 1}, {PC, 3});
    EVENTS(m[3], "server compatibility", {PC, 1}, {CS, 1}, {PC, 2});
    EVENT_SET(m[1], "server compatibility, the server", {PC, 2}, {PC, 3});
    for (int id = 1; id <= 3; id++) check_mesh_state(m[id], MESHRTC_CONNECTION_CONNECTED, 0);
    /* The server drops peer 2: it loses the server and is DISCONNECTED. */
    CHECK_OK(meshrtc_mesh_remove_peer(m[1]->mesh, 2), m[1]->mesh);
    mp_service(w, m[1]);
    EVENTS(m[1], "server remove_peer(2)", {PD, 2});
    MP_UNTIL(w, m[2]->n_events >= 2, WAIT_S, "mesh 2 to lose the server");
    EVENTS(m[2], "server left", {PD, 1}, {SD, 1});
    check_disconnected(m[2]);
    mp_wait(w, 0.1);
    for (int id = 1; id <= 3; id++) NO_EVENTS(m[id], "Godot 3 compat: nothing more");
    mp_world_destroy(w);
    printf("phase godot3: initialize without and with server compatibility checked\n");
}

int main(void) {
    static void (*const steps[])(void) = {test_full_mesh, test_server_clients, test_godot3, test_godot3_compat,
                                           check_no_leaks};
    return check_main("test_mesh", steps, sizeof steps / sizeof steps[0]);
}
