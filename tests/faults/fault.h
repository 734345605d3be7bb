/* The shape of a C fault test program: named cases that print PASS/FAIL
 * lines and end with "N passed, M failed", figures for the record (lines
 * starting with "figure ", which tests/faults/run.sh shows), memory
 * readings, bounded waits, short ICE timeouts and the
 * rule every channel of a failed or closed connection must keep.
 *
 * Each tests/faults/test_*.c starts with "//go:build ignore": this
 * directory is also the Go package faults, and the go tool refuses C files
 * in a package that does not use cgo. */
#ifndef MESHRTC_FAULT_H
#define MESHRTC_FAULT_H

#include "pair.h"

#include "check.h"

/* ICE gives up quickly: DISCONNECTED after 1 s without traffic, FAILED 3 s later. */
#define FAULT_SHORT_ICE ",\"iceDisconnectedTimeoutMs\":1000,\"iceFailedTimeoutMs\":3000"

#define FAULT_BIT(state) (1u << (unsigned)(state))

static int fault_passed, fault_failed;

/* Output goes to a log shared with child processes: line buffering keeps
 * their lines whole and in order. */
static inline void fault_start(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    setvbuf(stderr, NULL, _IOLBF, 0);
}

/* Runs one case; it passes when none of its checks failed. */
static inline void fault_case(const char *name, void (*fn)(void)) {
    int before = check_failures;
    double t0 = tk_now_s();
    printf("=== %s\n", name);
    fn();
    if (check_failures == before) {
        printf("PASS %s (%.1f s)\n", name, tk_now_s() - t0);
        fault_passed++;
    } else {
        printf("FAIL %s (%.1f s): %d checks failed\n", name, tk_now_s() - t0, check_failures - before);
        fault_failed++;
    }
}

/* A case of a test program: its name (the PASS/FAIL line) and its body. */
typedef struct fault_named_case {
    const char *name;
    void (*fn)(void);
} fault_named_case;

static inline int fault_finish(const char *test);

/* Runs the cases in order, then ends the program (fault_finish). */
static inline int fault_run(const char *test, const fault_named_case *cases, size_t n) {
    for (size_t i = 0; i < n; i++) fault_case(cases[i].name, cases[i].fn);
    return fault_finish(test);
}

/* One measured value for the record (never asserted on). */
static inline void figure(const char *name, double value, const char *unit) {
    printf("figure %s %.3f %s\n", name, value, unit);
}

/* The process's resident set in MiB (VmRSS), -1 if unreadable. */
static inline double fault_rss_mib(void) {
    char line[256];
    double mib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        long kb;
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) {
            mib = (double)kb / 1024.0;
            break;
        }
    }
    fclose(f);
    return mib;
}

/* Runs step until cond holds, setting ok to 1; after seconds (a hang
 * guard, never a timing assertion) it records a failure and sets ok to 0. */
#define FAULT_UNTIL(ok, cond, seconds, what, step)                                                  \
    do {                                                                                            \
        double fault_deadline_ = tk_now_s() + (seconds);                                            \
        (ok) = 1;                                                                                   \
        for (;;) {                                                                                  \
            step;                                                                                   \
            if (cond) break;                                                                        \
            if (tk_now_s() > fault_deadline_) {                                                     \
                CHECK(0, "timed out after %g s waiting for %s", (double)(seconds), (what));          \
                (ok) = 0;                                                                           \
                break;                                                                              \
            }                                                                                       \
            tk_sleep_ms(1);                                                                       \
        }                                                                                           \
    } while (0)

/* The rule for a connection that is FAILED or CLOSED: each of its channels
 * reads CLOSED, put_packet fails with MESHRTC_FAILED and a message, and
 * the buffered amount does not grow. */
static inline void fault_check_dead_channel(meshrtc_channel ch, const char *what) {
    static const uint8_t msg[64];
    int64_t before = -1, after = -1;
    int32_t state = -1;
    CHECK_OK(meshrtc_channel_get_ready_state(ch, &state), ch);
    CHECK(state == MESHRTC_CHANNEL_STATE_CLOSED, "%s: channel state %d, want CLOSED (%d)", what, state,
          MESHRTC_CHANNEL_STATE_CLOSED);
    CHECK_OK(meshrtc_channel_get_buffered_amount(ch, &before), ch);
    for (int i = 0; i < 100; i++) {
        int32_t rc = meshrtc_channel_put_packet(ch, msg, (int32_t)sizeof msg);
        if (i == 0) {
            CHECK(rc == MESHRTC_FAILED, "%s: put_packet returned %d, want MESHRTC_FAILED (%d)", what, rc,
                  MESHRTC_FAILED);
            CHECK(rc == MESHRTC_OK || check_last_error(ch)[0] != '\0', "%s: put_packet failed without a message",
                  what);
            if (rc != MESHRTC_OK) printf("%s: put_packet: %s\n", what, check_last_error(ch));
        }
    }
    CHECK_OK(meshrtc_channel_get_buffered_amount(ch, &after), ch);
    CHECK(after <= before, "%s: buffered amount grew from %lld to %lld after 100 put_packet calls", what,
          (long long)before, (long long)after);
}

/* Ends the program: every handle must have been destroyed (shutdown
 * reports 0 leaked), then the summary lines; returns the exit status. */
static inline int fault_finish(const char *test) {
    int32_t leaked = -1;
    meshrtc_shutdown(&leaked);
    if (leaked == 0) {
        printf("PASS no handles left alive\n");
        fault_passed++;
    } else {
        printf("FAIL no handles left alive: meshrtc_shutdown reports %d leaked\n", leaked);
        fault_failed++;
    }
    check_summary(test);
    printf("%d passed, %d failed\n", fault_passed, fault_failed);
    return fault_failed == 0 && check_failures == 0 ? 0 : 1;
}

#endif
