/* Meshes in one process: the host side of meshrtc_mesh_* sessions (Godot's
 * WebRTCMultiplayerPeer), shared by test_mesh.c and the demo.
 *
 * A world holds meshes (nodes) and the links between them. Each link is two
 * meshrtc peers initialized with LOOPBACK_CONFIG, one added to each mesh
 * (add_peer) as the other mesh's id; the first makes the offer and the world
 * plays their signaling events to each other, as pair.h does for one pair.
 * mp_step pumps every link, polls every mesh, collects its events and (with
 * an on_packet callback) drains its packets with their attribution. */
#ifndef MESHRTC_TEST_MESHPAIR_H
#define MESHRTC_TEST_MESHPAIR_H

#include "pair.h"

#define MP_MAX_NODES 16
#define MP_MAX_LINKS 32
#define MP_MAX_EVENTS 64

typedef struct mp_event {
    int32_t type; /* MESHRTC_MESH_EVENT_* */
    int32_t peer;
} mp_event;

typedef struct mp_node {
    meshrtc_mesh mesh;
    int32_t id;     /* the mesh's own id, which the caller configures it with */
    int manual;     /* the caller polls and reads this mesh itself */
    mp_event events[MP_MAX_EVENTS]; /* taken by mp_step, not yet consumed */
    int n_events;
} mp_node;

typedef struct mp_link {
    mp_node *a, *b;
    meshrtc_peer pa; /* in a's mesh as peer b->id; makes the offer */
    meshrtc_peer pb; /* in b's mesh as peer a->id */
} mp_link;

struct mp_world;

/* Called for every packet mp_step drains, with the attribution
 * get_packet_peer/channel/mode gave before get_packet took it. */
typedef void (*mp_packet_fn)(struct mp_world *w, mp_node *node, int32_t peer, int32_t channel, int32_t mode,
                             const uint8_t *data, int32_t len);

typedef struct mp_world {
    mp_node nodes[MP_MAX_NODES];
    int n_nodes;
    mp_link links[MP_MAX_LINKS];
    int n_links;
    mp_packet_fn on_packet; /* NULL: packets stay queued */
    void *ctx;              /* for on_packet */
    int unexpected_channels; /* in-band channels announced on a link (the mesh uses negotiated ones) */
} mp_world;

static inline void mp_fatal(const char *what) {
    fprintf(stderr, "FATAL: %s\n", what);
    exit(1);
}

/* A new peer connection on loopback-only ICE (the network rule). */
static inline meshrtc_peer mp_peer_new(void) {
    meshrtc_peer p = 0;
    TK_MUST(meshrtc_peer_create(&p), 0);
    TK_MUST(meshrtc_peer_initialize(p, LOOPBACK_CONFIG), p);
    return p;
}

/* A new unconfigured mesh the world polls; the caller configures it with id. */
static inline mp_node *mp_node_new(mp_world *w, int32_t id) {
    if (w->n_nodes == MP_MAX_NODES) mp_fatal("too many meshes");
    mp_node *n = &w->nodes[w->n_nodes++];
    memset(n, 0, sizeof *n);
    n->id = id;
    TK_MUST(meshrtc_mesh_create(&n->mesh), 0);
    return n;
}

/* Adds a connection for b to a and one for a to b (unreliable_lifetime
 * lifetime on both), and starts the offer from a's side. */
static inline mp_link *mp_link_add(mp_world *w, mp_node *a, mp_node *b, int32_t lifetime) {
    if (w->n_links == MP_MAX_LINKS) mp_fatal("too many links");
    mp_link *l = &w->links[w->n_links++];
    l->a = a;
    l->b = b;
    l->pa = mp_peer_new();
    l->pb = mp_peer_new();
    TK_MUST(meshrtc_mesh_add_peer(a->mesh, l->pa, b->id, lifetime), a->mesh);
    TK_MUST(meshrtc_mesh_add_peer(b->mesh, l->pb, a->id, lifetime), b->mesh);
    TK_MUST(meshrtc_peer_create_offer(l->pa), l->pa);
    return l;
}

static inline int32_t mp_peer_state(meshrtc_peer p) {
    int32_t s = -1;
    if (meshrtc_peer_get_connection_state(p, &s) != MESHRTC_OK) return -1;
    return s;
}

/* A signaling call failed: fine once the mesh closed one side (remove_peer,
 * disconnect_peer, close), fatal otherwise. */
static inline void mp_signal_result(const char *what, int32_t rc, meshrtc_peer from, meshrtc_peer to,
                                    meshrtc_peer handle) {
    if (rc == MESHRTC_OK || to == 0 || mp_peer_state(from) == MESHRTC_STATE_CLOSED ||
        mp_peer_state(to) == MESHRTC_STATE_CLOSED) {
        return;
    }
    tk_die(what, rc, handle);
}

/* Plays from's signaling events to to (0: the host destroyed it, drop
 * them). Reports whether there was any. */
static inline int mp_pump_one(mp_world *w, meshrtc_peer from, meshrtc_peer to) {
    meshrtc_peer_event ev;
    int busy = 0;
    if (from == 0) return 0;
    TK_MUST(meshrtc_peer_poll(from), from);
    while (meshrtc_peer_next_event(from, &ev) == MESHRTC_OK) {
        busy = 1;
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            mp_signal_result("set_local_description", meshrtc_peer_set_local_description(from, ev.sdp_type, ev.sdp),
                             from, to, from);
            if (to != 0) {
                mp_signal_result("set_remote_description",
                                 meshrtc_peer_set_remote_description(to, ev.sdp_type, ev.sdp), from, to, to);
            }
            break;
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            if (to != 0) {
                mp_signal_result("add_ice_candidate", meshrtc_peer_add_ice_candidate(to, ev.media, ev.index, ev.name),
                                 from, to, to);
            }
            break;
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            w->unexpected_channels++;
            TK_MUST(meshrtc_channel_destroy(ev.channel), ev.channel);
            break;
        default:
            break;
        }
    }
    return busy;
}

/* Reads the next packet of n with its attribution; 0 when none is described. */
static inline int mp_take(mp_node *n, int32_t *peer, int32_t *channel, int32_t *mode, const uint8_t **data,
                          int32_t *len) {
    int32_t avail = 0;
    TK_MUST(meshrtc_mesh_get_available_packet_count(n->mesh, &avail), n->mesh);
    if (avail <= 0) return 0;
    TK_MUST(meshrtc_mesh_get_packet_peer(n->mesh, peer), n->mesh);
    TK_MUST(meshrtc_mesh_get_packet_channel(n->mesh, channel), n->mesh);
    TK_MUST(meshrtc_mesh_get_packet_mode(n->mesh, mode), n->mesh);
    /* A positive count means get_packet succeeds. */
    TK_MUST(meshrtc_mesh_get_packet(n->mesh, data, len), n->mesh);
    return 1;
}

/* Polls one mesh, collects its events and drains its packets. */
static inline int mp_service(mp_world *w, mp_node *n) {
    int busy = 0;
    int32_t type, peer, channel, mode, len;
    const uint8_t *data;
    TK_MUST(meshrtc_mesh_poll(n->mesh), n->mesh);
    while (meshrtc_mesh_next_event(n->mesh, &type, &peer) == MESHRTC_OK) {
        if (n->n_events == MP_MAX_EVENTS) mp_fatal("too many uncollected mesh events");
        n->events[n->n_events].type = type;
        n->events[n->n_events].peer = peer;
        n->n_events++;
        busy = 1;
    }
    if (w->on_packet != NULL) {
        while (mp_take(n, &peer, &channel, &mode, &data, &len)) {
            w->on_packet(w, n, peer, channel, mode, data, len);
            busy = 1;
        }
    }
    return busy;
}

/* One round of host work: signaling of every link, then every mesh not
 * marked manual. Reports whether anything happened. */
static inline int mp_step(mp_world *w) {
    int busy = 0;
    for (int i = 0; i < w->n_links; i++) {
        busy |= mp_pump_one(w, w->links[i].pa, w->links[i].pb);
        busy |= mp_pump_one(w, w->links[i].pb, w->links[i].pa);
    }
    for (int i = 0; i < w->n_nodes; i++) {
        if (w->nodes[i].mesh != 0 && !w->nodes[i].manual) busy |= mp_service(w, &w->nodes[i]);
    }
    return busy;
}

/* Steps until cond holds; exits after a timeout of seconds (a hang guard,
 * not a timing assertion). */
#define MP_UNTIL(w, cond, seconds, what)                                                                    \
    do {                                                                                                    \
        double mp_deadline_ = tk_now_s() + (seconds);                                                       \
        while (!(cond)) {                                                                                   \
            if (tk_now_s() > mp_deadline_) {                                                                \
                fprintf(stderr, "FATAL %s:%d: timed out after %g s waiting for %s\n", __FILE__, __LINE__, \
                        (double)(seconds), (what));                                                         \
                exit(1);                                                                                    \
            }                                                                                               \
            if (!mp_step(w)) tk_sleep_ms(1);                                                              \
        }                                                                                                   \
    } while (0)

/* Steps for a while (lets late events arrive before checking there are none). */
static inline void mp_wait(mp_world *w, double seconds) {
    double deadline = tk_now_s() + seconds;
    while (tk_now_s() < deadline) {
        if (!mp_step(w)) tk_sleep_ms(1);
    }
}

static inline int mp_has_event(const mp_node *n, int32_t type, int32_t peer) {
    for (int i = 0; i < n->n_events; i++) {
        if (n->events[i].type == type && n->events[i].peer == peer) return 1;
    }
    return 0;
}

/* Whether n announced PEER_CONNECTED for every one of ids. */
static inline int mp_connected_to(const mp_node *n, const int32_t *ids, int count) {
    for (int i = 0; i < count; i++) {
        if (!mp_has_event(n, MESHRTC_MESH_EVENT_PEER_CONNECTED, ids[i])) return 0;
    }
    return 1;
}

/* Moves n's collected events to out (up to max); returns how many there were. */
static inline int mp_take_events(mp_node *n, mp_event *out, int max) {
    int count = n->n_events;
    for (int i = 0; i < count && i < max; i++) out[i] = n->events[i];
    n->n_events = 0;
    return count;
}

/* Destroys every mesh, then every link's peers (the host's handles). */
static inline void mp_world_destroy(mp_world *w) {
    for (int i = 0; i < w->n_nodes; i++) {
        if (w->nodes[i].mesh != 0) TK_MUST(meshrtc_mesh_destroy(w->nodes[i].mesh), w->nodes[i].mesh);
        w->nodes[i].mesh = 0;
    }
    for (int i = 0; i < w->n_links; i++) {
        if (w->links[i].pa != 0) TK_MUST(meshrtc_peer_destroy(w->links[i].pa), w->links[i].pa);
        if (w->links[i].pb != 0) TK_MUST(meshrtc_peer_destroy(w->links[i].pb), w->links[i].pb);
        w->links[i].pa = w->links[i].pb = 0;
    }
}

/* ------------------------------------------------------------- payloads */

/* A test packet names its own attribution, so the receiver can check what
 * get_packet_peer/channel/mode said: byte 0 magic, 1 transfer channel,
 * 2 mode, 3 reserved, 4..7 sender id, 8..11 target peer as set, 12..15
 * sequence number (all little endian), then filler bytes derived from the
 * sequence number (the length varies with it). */
#define MP_MAGIC 0xA5
#define MP_HEADER 16
#define MP_MAX_PAYLOAD (MP_HEADER + 64)

typedef struct mp_payload {
    int32_t sender, target, channel, mode;
    uint32_t seq;
} mp_payload;

static inline void mp_put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t mp_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Writes the packet for pl into buf (MP_MAX_PAYLOAD bytes); returns its length. */
static inline int32_t mp_encode(uint8_t *buf, const mp_payload *pl) {
    int32_t len = MP_HEADER + (int32_t)(pl->seq % 61u);
    buf[0] = MP_MAGIC;
    buf[1] = (uint8_t)pl->channel;
    buf[2] = (uint8_t)pl->mode;
    buf[3] = 0;
    mp_put32(buf + 4, (uint32_t)pl->sender);
    mp_put32(buf + 8, (uint32_t)pl->target);
    mp_put32(buf + 12, pl->seq);
    for (int32_t i = MP_HEADER; i < len; i++) buf[i] = (uint8_t)(pl->seq * 7u + (uint32_t)i);
    return len;
}

/* Parses a packet of mp_encode; 0 if it is not one (corrupt or truncated). */
static inline int mp_decode(const uint8_t *data, int32_t len, mp_payload *pl) {
    if (data == NULL || len < MP_HEADER || data[0] != MP_MAGIC || data[3] != 0) return 0;
    pl->channel = data[1];
    pl->mode = data[2];
    pl->sender = (int32_t)mp_get32(data + 4);
    pl->target = (int32_t)mp_get32(data + 8);
    pl->seq = mp_get32(data + 12);
    if (len != MP_HEADER + (int32_t)(pl->seq % 61u)) return 0;
    for (int32_t i = MP_HEADER; i < len; i++) {
        if (data[i] != (uint8_t)(pl->seq * 7u + (uint32_t)i)) return 0;
    }
    return 1;
}

/* Sets pl's target and transfer channel and transfer_mode (which selects
 * the built-in channel on transfer channel 0 and is ignored on the others),
 * then sends pl from n. */
static inline int32_t mp_send(mp_node *n, const mp_payload *pl, int32_t transfer_mode) {
    uint8_t buf[MP_MAX_PAYLOAD];
    int32_t len = mp_encode(buf, pl);
    TK_MUST(meshrtc_mesh_set_target_peer(n->mesh, pl->target), n->mesh);
    TK_MUST(meshrtc_mesh_set_transfer_channel(n->mesh, pl->channel), n->mesh);
    TK_MUST(meshrtc_mesh_set_transfer_mode(n->mesh, transfer_mode), n->mesh);
    return meshrtc_mesh_put_packet(n->mesh, buf, len);
}

#endif
