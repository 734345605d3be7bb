/* test_batch: the batched packet calls and meshrtc_wait through the C ABI,
 * every connection on loopback (LOOPBACK_CONFIG).
 *
 *  1. meshrtc_wait before any object exists: nothing arrived.
 *  2. A pair: channel_put_packets then channel_get_packets with a buffer
 *     that fits some, one too small for the next packet
 *     (ERR_PARAMETER_RANGE_ERROR, its size in info[0].size, nothing taken),
 *     the info_cap limit, empty packets into a NULL buffer, string flags and
 *     was_string_packet, an empty queue (OK, 0); a put that fails part way
 *     (out_sent), and on a closed channel.
 *  3. A 3-member mesh: peers 2 and 3 send to peer 1 with mesh_put_packets on
 *     every built-in mode and an extra channel; the same traffic twice, read
 *     once with get_packet and once with mesh_get_packets, must come out in
 *     the same order with the same peer, channel and mode (which each
 *     payload also names); a mesh put that fails part way.
 *  4. meshrtc_wait on an idle library (0 timeout and a short one), woken by
 *     a packet another thread sends, an arrival while nobody waited
 *     remembered once.
 * Bad arguments of the five functions are in test_bad_input. Then
 * meshrtc_shutdown must report 0 leaked. No timing assertions: waits are
 * hang guards only. */
#include "meshpair.h" /* first: it defines _POSIX_C_SOURCE */
#include "check.h"

#include <pthread.h>

#define WAIT_S 30.0 /* hang guard for every wait */

/* ------------------------------------------------------------------ pair */

typedef struct open_pair {
    pair_side a, b;
    meshrtc_channel tx, rx; /* negotiated id 1, reliable: tx on a, rx on b */
} open_pair;

static void open_pair_make(open_pair *p) {
    pair_create(&p->a, &p->b);
    const char *opts = "{\"negotiated\":true,\"id\":1}";
    TK_MUST(meshrtc_peer_create_data_channel(p->a.peer, "batch", opts, &p->tx), p->a.peer);
    TK_MUST(meshrtc_peer_create_data_channel(p->b.peer, "batch", opts, &p->rx), p->b.peer);
    TK_MUST(meshrtc_peer_create_offer(p->a.peer), p->a.peer);
    meshrtc_channel both[2] = {p->tx, p->rx};
    pair_wait_open(&p->a, &p->b, both, 2);
}

static void open_pair_destroy(open_pair *p) {
    TK_MUST(meshrtc_channel_destroy(p->tx), p->tx);
    TK_MUST(meshrtc_channel_destroy(p->rx), p->rx);
    pair_destroy(&p->a, &p->b);
}

static int32_t queued(meshrtc_channel ch) {
    int32_t n = -1;
    TK_MUST(meshrtc_channel_get_available_packet_count(ch, &n), ch);
    return n;
}

/* Pumps until rx holds n packets. */
static void wait_queued(open_pair *p, int32_t n) {
    double deadline = tk_now_s() + WAIT_S;
    while (queued(p->rx) != n) {
        if (tk_now_s() > deadline) {
            fprintf(stderr, "FATAL: %d packets did not arrive (%d did)\n", n, queued(p->rx));
            exit(1);
        }
        pair_pump(&p->a, &p->b);
        tk_sleep_ms(1);
    }
}

/* count messages, message i being sizes[i] bytes of value first + i, laid
 * out one after another in data. */
static void fill_messages(uint8_t *data, const int32_t *sizes, int count, int first) {
    for (int i = 0; i < count; i++) {
        memset(data, first + i, (size_t)sizes[i]);
        data += sizes[i];
    }
}

/* The n packets a get took into buf: packet k (from first on) must be
 * sizes[k] bytes of value k, binary, with no peer, channel or mode. */
static void check_taken(const char *what, int32_t n, const uint8_t *buf, const meshrtc_packet_info *info, int first,
                        const int32_t *sizes) {
    for (int32_t i = 0; i < n; i++) {
        int k = first + i;
        CHECK(info[i].size == sizes[k], "%s: packet %d has %d bytes, want %d", what, k, info[i].size, sizes[k]);
        CHECK(info[i].is_string == 0 && info[i].peer_id == 0 && info[i].channel == 0 && info[i].mode == 0 &&
                  info[i].reserved == 0,
              "%s: packet %d described as string %d peer %d channel %d mode %d reserved %d", what, k,
              info[i].is_string, info[i].peer_id, info[i].channel, info[i].mode, info[i].reserved);
        for (int32_t j = 0; j < info[i].size; j++) {
            if (buf[j] != (uint8_t)k) {
                CHECK(0, "%s: packet %d differs at byte %d", what, k, j);
                break;
            }
        }
        buf += info[i].size;
    }
}

static int32_t was_string(meshrtc_channel ch) {
    int32_t v = -1;
    TK_MUST(meshrtc_channel_was_string_packet(ch, &v), ch);
    return v;
}

static void test_wait_before_anything(void) {
    int32_t arrived = 7;
    CHECK_OK(meshrtc_wait(0, &arrived), 0);
    CHECK(arrived == 0, "wait on a library without objects says %d", arrived);
}

/* Packets 0..4 of 1, 2, 3, 0 and 4 bytes, then two text packets "hi", "yo";
 * taken in batches that stop on the buffer, the infos and the queue. */
static void pair_gets(open_pair *p) {
    static const int32_t sizes[5] = {1, 2, 3, 0, 4};
    uint8_t data[10];
    int32_t sent = -1;
    fill_messages(data, sizes, 5, 0);
    CHECK_OK(meshrtc_channel_put_packets(p->tx, data, sizes, 5, &sent), p->tx);
    CHECK(sent == 5, "sent %d of 5", sent);
    TK_MUST(meshrtc_channel_set_write_mode(p->tx, MESHRTC_WRITE_MODE_TEXT), p->tx);
    static const int32_t text_sizes[2] = {2, 2};
    CHECK_OK(meshrtc_channel_put_packets(p->tx, (const uint8_t *)"hiyo", text_sizes, 2, NULL), p->tx);
    TK_MUST(meshrtc_channel_set_write_mode(p->tx, MESHRTC_WRITE_MODE_BINARY), p->tx);
    wait_queued(p, 7);

    uint8_t buf[64];
    meshrtc_packet_info info[8];
    int32_t n = -1;
    /* 4 bytes hold packets 0 and 1 (1 + 2); packet 2 needs 3 more. */
    CHECK_OK(meshrtc_channel_get_packets(p->rx, buf, 4, info, 8, &n), p->rx);
    CHECK(n == 2, "first batch took %d", n);
    check_taken("first batch", n, buf, info, 0, sizes);
    CHECK(queued(p->rx) == 5, "%d left after the first batch", queued(p->rx));

    /* Too small for the next packet: nothing taken, its size given. */
    info[0].size = -1;
    n = -1;
    CHECK_RC(meshrtc_channel_get_packets(p->rx, buf, 2, info, 8, &n), MESHRTC_ERR_PARAMETER_RANGE_ERROR, p->rx);
    CHECK(n == 0 && info[0].size == 3, "too small: count %d, size %d", n, info[0].size);
    CHECK(queued(p->rx) == 5, "%d left after a buffer too small", queued(p->rx));
    CHECK(strstr(check_last_error(p->rx), "3 bytes") != NULL, "message: %s", check_last_error(p->rx));

    /* One info: one packet, with room for more in buf. */
    CHECK_OK(meshrtc_channel_get_packets(p->rx, buf, 64, info, 1, &n), p->rx);
    CHECK(n == 1, "info_cap 1 took %d", n);
    check_taken("info_cap 1", n, buf, info, 2, sizes);

    /* The empty packet 3 fits into no buffer at all; packet 4 then does not. */
    CHECK_RC(meshrtc_channel_get_packets(p->rx, NULL, 0, info, 8, &n), MESHRTC_OK, p->rx);
    CHECK(n == 1 && info[0].size == 0, "an empty packet into a NULL buffer: count %d, size %d", n, info[0].size);

    /* Packet 4 and the two text packets. */
    CHECK_OK(meshrtc_channel_get_packets(p->rx, buf, 64, info, 8, &n), p->rx);
    CHECK(n == 3, "the rest: %d", n);
    check_taken("the rest", 1, buf, info, 4, sizes);
    CHECK(info[1].size == 2 && info[2].size == 2 && info[1].is_string == 1 && info[2].is_string == 1 &&
              memcmp(buf + 4, "hiyo", 4) == 0,
          "text packets: %d/%d bytes, string %d/%d", info[1].size, info[2].size, info[1].is_string, info[2].is_string);
    CHECK(was_string(p->rx) == 1, "was_string_packet describes the last packet taken");

    CHECK_OK(meshrtc_channel_get_packets(p->rx, buf, 64, info, 8, &n), p->rx);
    CHECK(n == 0, "an empty queue gave %d", n);
    CHECK_OK(meshrtc_channel_get_packets(p->rx, NULL, 0, info, 8, &n), p->rx);
    CHECK(n == 0, "an empty queue, no buffer, gave %d", n);
}

/* A put stops at its first failure and says how many went before it. */
static void pair_puts_failing(open_pair *p) {
    int32_t max = -1;
    TK_MUST(meshrtc_channel_get_max_packet_size(p->tx, &max), p->tx);
    const int32_t sizes[4] = {2, 3, max + 1, 1};
    uint8_t *data = calloc(1, (size_t)max + 7);
    fill_messages(data, sizes, 4, 0);
    int32_t sent = -1;
    CHECK_RC(meshrtc_channel_put_packets(p->tx, data, sizes, 4, &sent), MESHRTC_ERR_INVALID_PARAMETER, p->tx);
    CHECK(sent == 2, "sent %d before the oversize message, want 2", sent);
    CHECK(strstr(check_last_error(p->tx), "larger than the maximum") != NULL, "message: %s", check_last_error(p->tx));
    wait_queued(p, 2);
    uint8_t buf[8];
    meshrtc_packet_info info[4];
    int32_t n = -1;
    CHECK_OK(meshrtc_channel_get_packets(p->rx, buf, 8, info, 4, &n), p->rx);
    CHECK(n == 2, "took %d", n);
    check_taken("accepted before the failure", n, buf, info, 0, sizes);
    free(data);

    TK_MUST(meshrtc_channel_close(p->tx), p->tx);
    sent = -1;
    CHECK_RC(meshrtc_channel_put_packets(p->tx, buf, sizes, 2, &sent), MESHRTC_FAILED, p->tx);
    CHECK(sent == 0, "a closed channel took %d", sent);
}

static void test_pair_batches(void) {
    open_pair p;
    open_pair_make(&p);
    pair_gets(&p);
    pair_puts_failing(&p);
    open_pair_destroy(&p);
}

/* ------------------------------------------------------------------ mesh */

#define R MESHRTC_TRANSFER_MODE_RELIABLE
#define UO MESHRTC_TRANSFER_MODE_UNRELIABLE_ORDERED
#define MESH_PACKETS 10

/* Every packet peer 1 takes: what described it, and its bytes. */
typedef struct taken_packet {
    int32_t peer, channel, mode, len;
    uint8_t data[MP_MAX_PAYLOAD];
} taken_packet;

/* Sends count packets from n in one mesh_put_packets to target on transfer
 * channel and mode; their sequence numbers go on from *seq. */
static void send_batch(mp_node *n, int32_t target, int32_t channel, int32_t mode, int count, uint32_t *seq) {
    uint8_t data[8 * MP_MAX_PAYLOAD];
    int32_t sizes[8], off = 0, sent = -1;
    for (int i = 0; i < count; i++) {
        mp_payload pl = {n->id, target, channel, mode, (*seq)++};
        sizes[i] = mp_encode(data + off, &pl);
        off += sizes[i];
    }
    TK_MUST(meshrtc_mesh_set_target_peer(n->mesh, target), n->mesh);
    TK_MUST(meshrtc_mesh_set_transfer_channel(n->mesh, channel), n->mesh);
    TK_MUST(meshrtc_mesh_set_transfer_mode(n->mesh, mode), n->mesh);
    CHECK_OK(meshrtc_mesh_put_packets(n->mesh, data, sizes, count, &sent), n->mesh);
    CHECK(sent == count, "mesh %d sent %d of %d", n->id, sent, count);
}

/* The traffic of each round: 10 packets for peer 1, on its reliable,
 * unreliable ordered and extra channels, from both other peers. */
static void send_round(mp_node *n2, mp_node *n3) {
    uint32_t seq = 0;
    send_batch(n2, 1, 0, R, 3, &seq);
    send_batch(n3, 1, 0, UO, 2, &seq);
    send_batch(n2, 1, 1, R, 2, &seq);
    send_batch(n3, -2, 0, R, 3, &seq); /* everyone but 2: peer 1 */
}

/* Packets held by the channels of peer 1's peers 2 and 3. */
static int32_t queued_at(mp_node *n1) {
    int32_t total = 0;
    for (int32_t id = 2; id <= 3; id++) {
        meshrtc_peer conn;
        meshrtc_channel chs[8];
        int32_t count = 0, connected = 0;
        TK_MUST(meshrtc_mesh_get_peer(n1->mesh, id, &conn, chs, 8, &count, &connected), n1->mesh);
        for (int32_t c = 0; c < count; c++) total += queued(chs[c]);
    }
    return total;
}

/* Sends a round and waits until all of it is queued at peer 1 before its
 * mesh polls, so the order depends on the mesh, not on arrival times. */
static void deliver_round(mp_world *w, mp_node *n1) {
    send_round(&w->nodes[1], &w->nodes[2]);
    MP_UNTIL(w, queued_at(n1) == MESH_PACKETS, WAIT_S, "a round queued at peer 1");
    CHECK_OK(meshrtc_mesh_poll(n1->mesh), n1->mesh);
    int32_t avail = -1;
    CHECK_OK(meshrtc_mesh_get_available_packet_count(n1->mesh, &avail), n1->mesh);
    CHECK(avail == MESH_PACKETS, "peer 1 has %d packets described, want %d", avail, MESH_PACKETS);
}

/* Round one, taken one by one (mp_take: get_packet_peer/channel/mode, then
 * get_packet). */
static int take_singly(mp_node *n1, taken_packet *out) {
    int n = 0;
    const uint8_t *data;
    while (n < MESH_PACKETS && mp_take(n1, &out[n].peer, &out[n].channel, &out[n].mode, &data, &out[n].len)) {
        memcpy(out[n].data, data, (size_t)out[n].len);
        n++;
    }
    return n;
}

/* Round two, taken with mesh_get_packets: first with a buffer too small for
 * the first packet, then 3 infos and 200 bytes per call. */
static int take_batched(mp_node *n1, int32_t first_size, taken_packet *out) {
    uint8_t buf[200];
    meshrtc_packet_info info[3];
    int32_t count = -1, avail = -1;
    info[0].size = -1;
    CHECK_RC(meshrtc_mesh_get_packets(n1->mesh, buf, MP_HEADER - 1, info, 3, &count),
             MESHRTC_ERR_PARAMETER_RANGE_ERROR, n1->mesh);
    CHECK(count == 0 && info[0].size == first_size, "too small: count %d, size %d, want 0 and %d", count,
          info[0].size, first_size);
    CHECK_OK(meshrtc_mesh_get_available_packet_count(n1->mesh, &avail), n1->mesh);
    CHECK(avail == MESH_PACKETS, "a buffer too small took packets: %d left", avail);
    int n = 0;
    for (int calls = 0; n < MESH_PACKETS && calls < MESH_PACKETS; calls++) {
        CHECK_OK(meshrtc_mesh_get_packets(n1->mesh, buf, (int32_t)sizeof buf, info, 3, &count), n1->mesh);
        CHECK(count > 0 && count <= 3, "a batch of %d", count);
        const uint8_t *p = buf;
        for (int32_t i = 0; i < count && n < MESH_PACKETS; i++, n++) {
            out[n].peer = info[i].peer_id;
            out[n].channel = info[i].channel;
            out[n].mode = info[i].mode;
            out[n].len = info[i].size;
            CHECK(info[i].is_string == 0 && info[i].reserved == 0, "packet %d: string %d, reserved %d", n,
                  info[i].is_string, info[i].reserved);
            memcpy(out[n].data, p, (size_t)info[i].size);
            p += info[i].size;
        }
        if (count <= 0) break;
    }
    CHECK_OK(meshrtc_mesh_get_packets(n1->mesh, buf, (int32_t)sizeof buf, info, 3, &count), n1->mesh);
    CHECK(count == 0, "%d packets after the round", count);
    return n;
}

/* Each packet's description must be what its payload names. */
static void check_attribution(const char *round, const taken_packet *t, int n) {
    for (int i = 0; i < n; i++) {
        mp_payload pl;
        if (!mp_decode(t[i].data, t[i].len, &pl)) {
            CHECK(0, "%s: packet %d is corrupt", round, i);
            continue;
        }
        CHECK(pl.sender == t[i].peer && pl.channel == t[i].channel && pl.mode == t[i].mode,
              "%s: packet %d (seq %u) described as from %d on channel %d mode %d, sent by %d on %d mode %d", round, i,
              pl.seq, t[i].peer, t[i].channel, t[i].mode, pl.sender, pl.channel, pl.mode);
    }
}

/* A mesh put to one peer stops at the first message its channel refuses. */
static void mesh_put_failing(mp_world *w, mp_node *n1) {
    mp_node *n2 = &w->nodes[1];
    int32_t max = -1;
    meshrtc_peer conn;
    meshrtc_channel chs[8];
    int32_t count = 0, connected = 0;
    TK_MUST(meshrtc_mesh_get_peer(n2->mesh, 1, &conn, chs, 8, &count, &connected), n2->mesh);
    TK_MUST(meshrtc_channel_get_max_packet_size(chs[0], &max), chs[0]);
    const int32_t sizes[3] = {5, max + 1, 5};
    uint8_t *data = calloc(1, (size_t)max + 11);
    TK_MUST(meshrtc_mesh_set_target_peer(n2->mesh, 1), n2->mesh);
    TK_MUST(meshrtc_mesh_set_transfer_channel(n2->mesh, 0), n2->mesh);
    TK_MUST(meshrtc_mesh_set_transfer_mode(n2->mesh, R), n2->mesh);
    int32_t sent = -1;
    CHECK_RC(meshrtc_mesh_put_packets(n2->mesh, data, sizes, 3, &sent), MESHRTC_ERR_INVALID_PARAMETER, n2->mesh);
    CHECK(sent == 1, "the mesh sent %d before the oversize message, want 1", sent);
    free(data);
    MP_UNTIL(w, queued_at(n1) == 1, WAIT_S, "the accepted message at peer 1");
    CHECK_OK(meshrtc_mesh_poll(n1->mesh), n1->mesh);
    uint8_t buf[16];
    meshrtc_packet_info info[2];
    CHECK_OK(meshrtc_mesh_get_packets(n1->mesh, buf, 16, info, 2, &count), n1->mesh);
    CHECK(count == 1 && info[0].size == 5 && info[0].peer_id == 2, "took %d: %d bytes from %d", count, info[0].size,
          info[0].peer_id);
}

static void test_mesh_batches(void) {
    static mp_world w;
    static const int32_t config[1] = {R};
    mp_node *nodes[3];
    for (int32_t id = 1; id <= 3; id++) {
        nodes[id - 1] = mp_node_new(&w, id);
        TK_MUST(meshrtc_mesh_create_mesh(nodes[id - 1]->mesh, id, config, 1), nodes[id - 1]->mesh);
    }
    mp_link_add(&w, nodes[0], nodes[1], 1);
    mp_link_add(&w, nodes[0], nodes[2], 1);
    mp_link_add(&w, nodes[1], nodes[2], 1);
    static const int32_t of1[2] = {2, 3}, of2[2] = {1, 3}, of3[2] = {1, 2};
    MP_UNTIL(&w, mp_connected_to(nodes[0], of1, 2) && mp_connected_to(nodes[1], of2, 2) &&
                     mp_connected_to(nodes[2], of3, 2),
             WAIT_S * 2, "the 3-member mesh connected");
    nodes[0]->manual = 1; /* peer 1 is polled and read here from now on */

    static taken_packet singly[MESH_PACKETS], batched[MESH_PACKETS];
    deliver_round(&w, nodes[0]);
    int n_singly = take_singly(nodes[0], singly);
    CHECK(n_singly == MESH_PACKETS, "get_packet took %d", n_singly);
    check_attribution("one by one", singly, n_singly);

    deliver_round(&w, nodes[0]);
    int n_batched = take_batched(nodes[0], singly[0].len, batched);
    CHECK(n_batched == MESH_PACKETS, "mesh_get_packets took %d", n_batched);
    check_attribution("batched", batched, n_batched);
    for (int i = 0; i < n_singly && i < n_batched; i++) {
        const taken_packet *s = &singly[i], *b = &batched[i];
        CHECK(s->peer == b->peer && s->channel == b->channel && s->mode == b->mode && s->len == b->len &&
                  memcmp(s->data, b->data, (size_t)s->len) == 0,
              "packet %d: one by one from %d on %d mode %d (%d bytes), batched from %d on %d mode %d (%d bytes)", i,
              s->peer, s->channel, s->mode, s->len, b->peer, b->channel, b->mode, b->len);
    }
    int32_t peer = -1;
    CHECK_OK(meshrtc_mesh_get_packet_peer(nodes[0]->mesh, &peer), nodes[0]->mesh);
    CHECK(peer == 0, "a packet from %d is still described", peer);

    mesh_put_failing(&w, nodes[0]);
    mp_world_destroy(&w);
}

/* ------------------------------------------------------------------ wait */

static int32_t wait_for(int64_t timeout_us) {
    int32_t arrived = -1;
    CHECK_OK(meshrtc_wait(timeout_us, &arrived), 0);
    return arrived;
}

/* Sends one packet on the channel it is given, from its own thread. */
static void *send_from_thread(void *arg) {
    meshrtc_channel tx = *(meshrtc_channel *)arg;
    static const uint8_t one[1] = {7};
    tk_sleep_ms(20); /* most likely the main thread is inside meshrtc_wait by now (either way is correct) */
    TK_MUST(meshrtc_channel_put_packet(tx, one, 1), tx);
    return NULL;
}

static void test_wait(void) {
    open_pair p;
    open_pair_make(&p);
    double deadline = tk_now_s() + WAIT_S;
    int32_t ga = -1, gb = -1;
    while (ga != MESHRTC_GATHERING_STATE_COMPLETE || gb != MESHRTC_GATHERING_STATE_COMPLETE) {
        if (tk_now_s() > deadline) {
            fprintf(stderr, "FATAL: gathering did not complete\n");
            exit(1);
        }
        pair_pump(&p.a, &p.b);
        TK_MUST(meshrtc_peer_get_gathering_state(p.a.peer, &ga), p.a.peer);
        TK_MUST(meshrtc_peer_get_gathering_state(p.b.peer, &gb), p.b.peer);
        tk_sleep_ms(1);
    }
    pair_pump(&p.a, &p.b);
    for (int i = 0; i < 1000 && wait_for(0) == 1; i++) {
    } /* what connecting left */
    CHECK(wait_for(0) == 0, "an idle library reports an arrival");
    CHECK(wait_for(10000) == 0, "an idle library ends a 10 ms wait with an arrival");

    pthread_t sender;
    if (pthread_create(&sender, NULL, send_from_thread, &p.tx) != 0) {
        fprintf(stderr, "FATAL: pthread_create\n");
        exit(1);
    }
    int32_t arrived = wait_for(60 * 1000000LL);
    pthread_join(sender, NULL);
    CHECK(arrived == 1, "a packet from another thread did not end the wait");
    CHECK(queued(p.rx) == 1, "%d packets queued when the wait ended", queued(p.rx));

    static const uint8_t two[1] = {8};
    TK_MUST(meshrtc_channel_put_packet(p.tx, two, 1), p.tx);
    wait_queued(&p, 2);
    CHECK(wait_for(60 * 1000000LL) == 1, "the arrival while nobody waited was lost");
    CHECK(wait_for(0) == 0, "one arrival ended two waits");
    open_pair_destroy(&p);
}

int main(void) {
    static void (*const steps[])(void) = {test_wait_before_anything, test_pair_batches, test_mesh_batches, test_wait,
                                          check_no_leaks};
    return check_main("test_batch", steps, sizeof steps / sizeof steps[0]);
}
