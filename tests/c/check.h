/* Non-fatal assertions for the C tests: every failure is printed and
 * counted, the test goes on, and check_summary() gives the exit status. */
#ifndef MESHRTC_TEST_CHECK_H
#define MESHRTC_TEST_CHECK_H

#include "../testkit.h"

static int check_count;
static int check_failures;

/* The last error on handle (0: the calling thread) as a static string. */
static inline const char *check_last_error(int64_t handle) {
    static _Thread_local char msg[1024]; /* per thread: test_threads calls it concurrently */
    int32_t len = 0;
    msg[0] = '\0';
    if (TK_LAST_ERROR(handle, msg, (int32_t)sizeof msg, &len) != MESHRTC_OK) {
        snprintf(msg, sizeof msg, "<last_error failed; message is %d bytes>", len);
    }
    return msg;
}

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        check_count++;                                                         \
        if (!(cond)) {                                                         \
            check_failures++;                                                  \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

/* call must return want; on a mismatch the library's message is printed. */
#define CHECK_RC(call, want, handle)                                                            \
    do {                                                                                        \
        int32_t check_rc_ = (call);                                                             \
        check_count++;                                                                          \
        if (check_rc_ != (want)) {                                                              \
            check_failures++;                                                                   \
            fprintf(stderr, "FAIL %s:%d: %s returned %d, want %d (%s)\n", __FILE__, __LINE__,   \
                    #call, check_rc_, (int)(want), check_last_error(handle));                   \
        }                                                                                       \
    } while (0)

#define CHECK_OK(call, handle) CHECK_RC(call, MESHRTC_OK, handle)

/* Reads an int32 getter; a failure is counted and gives -1000. */
#define GET32(fn, handle) check_get32((fn), #fn, (handle), __LINE__)

static inline int32_t check_get32(int32_t (*fn)(int64_t, int32_t *), const char *name, int64_t handle, int line) {
    int32_t v = -1000;
    int32_t rc = fn(handle, &v);
    check_count++;
    if (rc != MESHRTC_OK) {
        check_failures++;
        fprintf(stderr, "FAIL line %d: %s returned %d (%s)\n", line, name, rc, check_last_error(handle));
        return -1000;
    }
    return v;
}

/* meshrtc_shutdown must report that every handle was destroyed. */
static inline void check_no_leaks(void) {
    int32_t leaked = -1;
    CHECK_OK(meshrtc_shutdown(&leaked), 0);
    CHECK(leaked == 0, "meshrtc_shutdown reports %d leaked handles", leaked);
}

static inline int check_summary(const char *test) {
    printf("%s: %d checks, %d failed\n", test, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

/* The main of a test program: runs the steps in order with stdout line
 * buffered (LeakSanitizer exits without flushing stdio), then prints the
 * time and the summary; returns the exit status. */
static inline int check_main(const char *test, void (*const *steps)(void), size_t n) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    double t0 = tk_now_s();
    for (size_t i = 0; i < n; i++) steps[i]();
    printf("%s: done in %.1f s\n", test, tk_now_s() - t0);
    return check_summary(test);
}

#endif
