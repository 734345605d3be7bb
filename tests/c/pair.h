/* Two meshrtc peers in one process, signaled through their event queues:
 * the host side of an offer/answer exchange, shared by the demo and tests. */
#ifndef MESHRTC_TEST_PAIR_H
#define MESHRTC_TEST_PAIR_H

#include "../testkit.h"

#define MAX_RECEIVED 8

typedef struct pair_side {
    meshrtc_peer peer;
    meshrtc_channel received[MAX_RECEIVED]; /* channels from DATA_CHANNEL_RECEIVED */
    int32_t received_count;
    int32_t connection_state; /* last CONNECTION_STATE_CHANGED value */
    int32_t candidates;       /* ICE candidates created */
} pair_side;

/* Keeps what a side's events tell: its candidates, received channels
 * and connection state. */
static inline void pair_on_event(const meshrtc_peer_event *ev, void *ctx) {
    pair_side *side = ctx;
    switch (ev->type) {
    case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
        side->candidates++;
        break;
    case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
        if (side->received_count < MAX_RECEIVED) {
            side->received[side->received_count++] = ev->channel;
        } else {
            meshrtc_channel_destroy(ev->channel);
        }
        break;
    case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
        side->connection_state = ev->state;
        break;
    default:
        break;
    }
}

/* Plays each side's signaling events to the other, as a signaling server
 * would. */
static inline void pair_pump(pair_side *a, pair_side *b) {
    tk_pump(a->peer, b->peer, pair_on_event, a);
    tk_pump(b->peer, a->peer, pair_on_event, b);
}

static inline int32_t pair_channel_state(meshrtc_channel ch) {
    int32_t state = -1;
    TK_MUST(meshrtc_channel_get_ready_state(ch, &state), ch);
    return state;
}

/* Pumps until every channel in chs is open; exits on a 15 s timeout. */
static inline void pair_wait_open(pair_side *a, pair_side *b, const meshrtc_channel *chs, int n) {
    double deadline = tk_now_s() + 15.0;
    for (;;) {
        int open = 0;
        pair_pump(a, b);
        for (int i = 0; i < n; i++) {
            open += pair_channel_state(chs[i]) == MESHRTC_CHANNEL_STATE_OPEN;
        }
        if (open == n) return;
        if (tk_now_s() > deadline) {
            fprintf(stderr, "FATAL: channels did not open within 15 s\n");
            exit(1);
        }
        tk_sleep_ms(1);
    }
}

static inline void pair_create(pair_side *a, pair_side *b) {
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    TK_MUST(meshrtc_peer_create(&a->peer), 0);
    TK_MUST(meshrtc_peer_create(&b->peer), 0);
    TK_MUST(meshrtc_peer_initialize(a->peer, LOOPBACK_CONFIG), a->peer);
    TK_MUST(meshrtc_peer_initialize(b->peer, LOOPBACK_CONFIG), b->peer);
}

static inline void pair_destroy(pair_side *a, pair_side *b) {
    for (int i = 0; i < a->received_count; i++) TK_MUST(meshrtc_channel_destroy(a->received[i]), a->received[i]);
    for (int i = 0; i < b->received_count; i++) TK_MUST(meshrtc_channel_destroy(b->received[i]), b->received[i]);
    TK_MUST(meshrtc_peer_destroy(a->peer), a->peer);
    TK_MUST(meshrtc_peer_destroy(b->peer), b->peer);
}

#endif
