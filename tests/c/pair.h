/* Two meshrtc peers in one process, signaled through their event queues:
 * the host side of an offer/answer exchange, shared by the demo and tests. */
#ifndef MESHRTC_TEST_PAIR_H
#define MESHRTC_TEST_PAIR_H

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meshrtc.h"

/* Loopback-only ICE: the network rule for every test and the demo. */
#define LOOPBACK_CONFIG \
    "{\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false}}"

#define MAX_RECEIVED 8

typedef struct pair_side {
    meshrtc_peer peer;
    meshrtc_channel received[MAX_RECEIVED]; /* channels from DATA_CHANNEL_RECEIVED */
    int32_t received_count;
    int32_t connection_state; /* last CONNECTION_STATE_CHANGED value */
    int32_t candidates;       /* ICE candidates created */
} pair_side;

static inline void pair_die(const char *what, int32_t rc, int64_t handle) {
    char msg[512];
    int32_t len = 0;
    meshrtc_last_error(handle, msg, (int32_t)sizeof msg, &len);
    fprintf(stderr, "FATAL: %s failed with %d: %s\n", what, rc, msg);
    exit(1);
}

#define PAIR_CHECK(call, handle)                          \
    do {                                                  \
        int32_t pair_rc_ = (call);                        \
        if (pair_rc_ != MESHRTC_OK) pair_die(#call, pair_rc_, (handle)); \
    } while (0)

static inline double pair_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void pair_sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Drains from's events and plays them to to, as a signaling server would. */
static inline void pair_pump_one(pair_side *from, pair_side *to) {
    meshrtc_peer_event ev;
    PAIR_CHECK(meshrtc_peer_poll(from->peer), from->peer);
    while (meshrtc_peer_next_event(from->peer, &ev) == MESHRTC_OK) {
        switch (ev.type) {
        case MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED:
            PAIR_CHECK(meshrtc_peer_set_local_description(from->peer, ev.sdp_type, ev.sdp), from->peer);
            PAIR_CHECK(meshrtc_peer_set_remote_description(to->peer, ev.sdp_type, ev.sdp), to->peer);
            break;
        case MESHRTC_EVENT_ICE_CANDIDATE_CREATED:
            from->candidates++;
            PAIR_CHECK(meshrtc_peer_add_ice_candidate(to->peer, ev.media, ev.index, ev.name), to->peer);
            break;
        case MESHRTC_EVENT_DATA_CHANNEL_RECEIVED:
            if (from->received_count < MAX_RECEIVED) {
                from->received[from->received_count++] = ev.channel;
            } else {
                meshrtc_channel_destroy(ev.channel);
            }
            break;
        case MESHRTC_EVENT_CONNECTION_STATE_CHANGED:
            from->connection_state = ev.state;
            break;
        default:
            break;
        }
    }
}

static inline void pair_pump(pair_side *a, pair_side *b) {
    pair_pump_one(a, b);
    pair_pump_one(b, a);
}

static inline int32_t pair_channel_state(meshrtc_channel ch) {
    int32_t state = -1;
    PAIR_CHECK(meshrtc_channel_get_ready_state(ch, &state), ch);
    return state;
}

/* Pumps until every channel in chs is open; exits on a 15 s timeout. */
static inline void pair_wait_open(pair_side *a, pair_side *b, const meshrtc_channel *chs, int n) {
    double deadline = pair_now() + 15.0;
    for (;;) {
        int open = 0;
        pair_pump(a, b);
        for (int i = 0; i < n; i++) {
            open += pair_channel_state(chs[i]) == MESHRTC_CHANNEL_STATE_OPEN;
        }
        if (open == n) return;
        if (pair_now() > deadline) {
            fprintf(stderr, "FATAL: channels did not open within 15 s\n");
            exit(1);
        }
        pair_sleep_ms(1);
    }
}

static inline void pair_create(pair_side *a, pair_side *b) {
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    PAIR_CHECK(meshrtc_peer_create(&a->peer), 0);
    PAIR_CHECK(meshrtc_peer_create(&b->peer), 0);
    PAIR_CHECK(meshrtc_peer_initialize(a->peer, LOOPBACK_CONFIG), a->peer);
    PAIR_CHECK(meshrtc_peer_initialize(b->peer, LOOPBACK_CONFIG), b->peer);
}

static inline void pair_destroy(pair_side *a, pair_side *b) {
    for (int i = 0; i < a->received_count; i++) PAIR_CHECK(meshrtc_channel_destroy(a->received[i]), a->received[i]);
    for (int i = 0; i < b->received_count; i++) PAIR_CHECK(meshrtc_channel_destroy(b->received[i]), b->received[i]);
    PAIR_CHECK(meshrtc_peer_destroy(a->peer), a->peer);
    PAIR_CHECK(meshrtc_peer_destroy(b->peer), b->peer);
}

#endif
