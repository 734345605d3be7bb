/* What the C programs of the lobby tests share (test_lobby.c, lobby_member.c):
 * one lobby client of the library (meshrtc_lobby_*) and its mesh, played as
 * a game's frame loop plays them, with everything they reported recorded.
 * Header-only; names start with lk_. */
#ifndef MESHRTC_LOBBYKIT_H
#define MESHRTC_LOBBYKIT_H

#include "../c/check.h"

#define LK_MAX_IDS 64
#define LK_MAX_PACKETS 512
#define LK_TEXT 128

/* A lobby option object whose peers use loopback-only ICE; extra adds keys
 * to the top-level object (with a leading comma). */
#define LK_OPTIONS_WITH(extra) "{\"peerConfig\":" LOOPBACK_CONFIG extra "}"
#define LK_OPTIONS LK_OPTIONS_WITH("")

typedef struct {
    int32_t n;
    int32_t ids[LK_MAX_IDS];
} lk_ids;

static inline int lk_has(const lk_ids *s, int32_t id) {
    for (int32_t i = 0; i < s->n; i++)
        if (s->ids[i] == id) return 1;
    return 0;
}

static inline void lk_add(lk_ids *s, int32_t id) {
    if (!lk_has(s, id) && s->n < LK_MAX_IDS) s->ids[s->n++] = id;
}

typedef struct {
    int32_t from;
    char text[LK_TEXT];
} lk_packet;

typedef struct {
    const char *name;
    meshrtc_lobby lobby;
    meshrtc_mesh mesh;
    /* lobby events */
    char lobby_name[LK_TEXT]; /* JOINED */
    int32_t id;               /* CONNECTED (0 before) */
    int32_t mesh_mode;
    lk_ids joined, left; /* PEER_JOINED, PEER_LEFT */
    int sealed;
    int closed; /* CLOSED: code and reason */
    int32_t close_code;
    char close_reason[LK_TEXT];
    int errors; /* ERROR events (printed) */
    int events_after_close;
    /* mesh events */
    lk_ids connected, disconnected;
    /* received packets (text, cut to LK_TEXT - 1 bytes) */
    int32_t n_packets;
    lk_packet packets[LK_MAX_PACKETS];
} lk_member;

static inline void lk_copy(char *dst, const char *src) {
    snprintf(dst, LK_TEXT, "%s", src != NULL ? src : "");
}

/* Opens m's lobby client of url (options: a lobby options JSON). */
static inline void lk_open(lk_member *m, const char *name, const char *url, const char *options) {
    memset(m, 0, sizeof *m);
    m->name = name;
    TK_MUST(meshrtc_lobby_create(url, options, &m->lobby), 0);
    TK_MUST(meshrtc_lobby_get_mesh(m->lobby, &m->mesh), m->lobby);
}

/* One frame: polls the lobby and the mesh, records their events and the
 * packets received. */
static inline void lk_poll(lk_member *m) {
    meshrtc_lobby_event ev;
    TK_MUST(meshrtc_lobby_poll(m->lobby), m->lobby);
    while (meshrtc_lobby_next_event(m->lobby, &ev) == MESHRTC_OK) {
        if (m->closed) m->events_after_close++;
        switch (ev.type) {
        case MESHRTC_LOBBY_EVENT_JOINED: lk_copy(m->lobby_name, ev.text); break;
        case MESHRTC_LOBBY_EVENT_CONNECTED:
            m->id = ev.peer_id;
            m->mesh_mode = ev.mesh;
            break;
        case MESHRTC_LOBBY_EVENT_PEER_JOINED: lk_add(&m->joined, ev.peer_id); break;
        case MESHRTC_LOBBY_EVENT_PEER_LEFT: lk_add(&m->left, ev.peer_id); break;
        case MESHRTC_LOBBY_EVENT_SEALED: m->sealed = 1; break;
        case MESHRTC_LOBBY_EVENT_ERROR:
            m->errors++;
            fprintf(stderr, "%s: lobby error %d: %s\n", m->name, ev.code, ev.text);
            break;
        case MESHRTC_LOBBY_EVENT_CLOSED:
            m->closed = 1;
            m->close_code = ev.code;
            lk_copy(m->close_reason, ev.text);
            break;
        default: fprintf(stderr, "%s: unknown lobby event %d\n", m->name, ev.type); m->errors++;
        }
    }
    TK_MUST(meshrtc_mesh_poll(m->mesh), m->mesh);
    int32_t type, id;
    while (meshrtc_mesh_next_event(m->mesh, &type, &id) == MESHRTC_OK) {
        if (type == MESHRTC_MESH_EVENT_PEER_CONNECTED) lk_add(&m->connected, id);
        if (type == MESHRTC_MESH_EVENT_PEER_DISCONNECTED) lk_add(&m->disconnected, id);
    }
    const uint8_t *data;
    int32_t len;
    while (meshrtc_mesh_get_packet_peer(m->mesh, &id) == MESHRTC_OK && id != 0 &&
           meshrtc_mesh_get_packet(m->mesh, &data, &len) == MESHRTC_OK) {
        if (m->n_packets < LK_MAX_PACKETS) {
            lk_packet *p = &m->packets[m->n_packets++];
            p->from = id;
            int n = len < LK_TEXT - 1 ? len : LK_TEXT - 1;
            memcpy(p->text, data, (size_t)n);
            p->text[n] = '\0';
        }
    }
}

/* Whether m received text from peer from. */
static inline int lk_got(const lk_member *m, int32_t from, const char *text) {
    for (int32_t i = 0; i < m->n_packets; i++)
        if (m->packets[i].from == from && strcmp(m->packets[i].text, text) == 0) return 1;
    return 0;
}

/* Sends text (without its NUL) from m to peer to on the mesh's current
 * transfer mode. */
static inline void lk_send(lk_member *m, int32_t to, const char *text) {
    TK_MUST(meshrtc_mesh_set_target_peer(m->mesh, to), m->mesh);
    TK_MUST(meshrtc_mesh_put_packet(m->mesh, (const uint8_t *)text, (int32_t)strlen(text)), m->mesh);
}

/* Polls every member until cond(ctx) holds; after limit_s the program
 * fails, naming what it waited for (a hang guard, never a speed check). */
static inline void lk_wait(lk_member **ms, int n, int (*cond)(void *), void *ctx, double limit_s, const char *what) {
    double deadline = tk_now_s() + limit_s;
    for (;;) {
        for (int i = 0; i < n; i++)
            if (ms[i] != NULL) lk_poll(ms[i]);
        if (cond(ctx)) return;
        if (tk_now_s() > deadline) {
            fprintf(stderr, "FATAL: timed out after %.0f s waiting for %s\n", limit_s, what);
            for (int i = 0; i < n; i++) {
                lk_member *m = ms[i];
                if (m == NULL) continue;
                fprintf(stderr, "  %s: id %d, lobby %s, %d joined, %d left, %d connected, %d disconnected, %d packets, closed %d (%d %s)\n",
                        m->name, m->id, m->lobby_name, m->joined.n, m->left.n, m->connected.n, m->disconnected.n,
                        m->n_packets, m->closed, m->close_code, m->close_reason);
            }
            exit(1);
        }
        tk_sleep_ms(2);
    }
}

static inline void lk_destroy(lk_member *m) {
    CHECK_OK(meshrtc_lobby_destroy(m->lobby), m->lobby);
    m->lobby = 0;
}

#endif
