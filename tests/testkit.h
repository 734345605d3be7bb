/* What the C test programs and the C benchmark share (tests/c, tests/faults,
 * tests/interop, tests/bench): the monotonic clock and sleeps, the
 * loopback-only peer configuration, fatal checks of library calls and the
 * host's half of signaling two peers of one process. Header-only: each
 * program includes it as "../testkit.h" from its own folder. Its names start
 * with tk_, except the configuration macros every test names. */
#ifndef MESHRTC_TESTKIT_H
#define MESHRTC_TESTKIT_H

#if !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meshrtc.h"

/* Loopback-only ICE, the network rule of every test and benchmark: only
 * interface lo, loopback candidates, no mDNS, UDP4. extra adds "meshrtc"
 * options, each written with a leading comma. */
#define LOOPBACK_CONFIG_WITH(extra)                                                                       \
    "{\"meshrtc\":{\"interfaces\":[\"lo\"],\"includeLoopback\":true,\"mdns\":\"disabled\",\"ipv6\":false" \
    extra "}}"
#define LOOPBACK_CONFIG LOOPBACK_CONFIG_WITH("")

/* Seconds on the monotonic clock. */
static inline double tk_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Nanoseconds on the monotonic clock. */
static inline int64_t tk_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void tk_sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
    nanosleep(&ts, NULL);
}

static inline void tk_sleep_ms(int ms) { tk_sleep_us((long)ms * 1000L); }

/* test_dlopen reaches the library through dlsym'd pointers only: it defines
 * TK_LAST_ERROR as its pointer to meshrtc_last_error before including this. */
#ifndef TK_LAST_ERROR
#define TK_LAST_ERROR meshrtc_last_error
#endif

/* The last error on handle (0: the calling thread's) in buf, "" if it
 * cannot be read. */
static inline const char *tk_last_error(int64_t handle, char *buf, int32_t cap) {
    int32_t len = 0;
    if (TK_LAST_ERROR(handle, buf, cap, &len) != MESHRTC_OK) buf[0] = '\0';
    return buf;
}

/* Runs before tk_die exits, when set (turn_pair prints the library's log). */
static void (*tk_before_exit)(void);

/* A call that had to succeed failed: prints it with the library's message
 * for handle and exits with status 1. */
static inline void tk_die(const char *what, int32_t rc, int64_t handle) {
    char msg[1024];
    fprintf(stderr, "FATAL: %s failed with %d: %s\n", what, rc, tk_last_error(handle, msg, (int32_t)sizeof msg));
    if (tk_before_exit != NULL) tk_before_exit();
    exit(1);
}

/* call must return MESHRTC_OK, or the program dies (tk_die) with handle's
 * last error. */
#define TK_MUST(call, handle)                                                \
    do {                                                                     \
        int32_t tk_rc_ = (call);                                             \
        if (tk_rc_ != MESHRTC_OK) tk_die(#call, tk_rc_, (int64_t)(handle)); \
    } while (0)

/* Called by tk_pump with each event it took, and its ctx. */
typedef void (*tk_event_fn)(const meshrtc_peer_event *ev, void *ctx);

/* Polls from and plays its descriptions and candidates to to, as a
 * signaling server would; then hands every event to on_event. Without one,
 * a channel announced in band is destroyed and other events are dropped. */
static inline void tk_pump(meshrtc_peer from, meshrtc_peer to, tk_event_fn on_event, void *ctx) {
    meshrtc_peer_event ev;
    TK_MUST(meshrtc_peer_poll(from), from);
    while (meshrtc_peer_next_event(from, &ev) == MESHRTC_OK) {
        if (ev.type == MESHRTC_EVENT_SESSION_DESCRIPTION_CREATED) {
            TK_MUST(meshrtc_peer_set_local_description(from, ev.sdp_type, ev.sdp), from);
            TK_MUST(meshrtc_peer_set_remote_description(to, ev.sdp_type, ev.sdp), to);
        } else if (ev.type == MESHRTC_EVENT_ICE_CANDIDATE_CREATED) {
            TK_MUST(meshrtc_peer_add_ice_candidate(to, ev.media, ev.index, ev.name), to);
        }
        if (on_event != NULL) {
            on_event(&ev, ctx);
        } else if (ev.type == MESHRTC_EVENT_DATA_CHANNEL_RECEIVED) {
            TK_MUST(meshrtc_channel_destroy(ev.channel), ev.channel);
        }
    }
}

#endif
