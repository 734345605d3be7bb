/* What the C benchmark programs share (bench_c.c, gameloop_c.c): key=value
 * arguments, process measurements and percentiles. Header-only, included
 * after ../testkit.h. */
#ifndef MESHRTC_BENCHUTIL_H
#define MESHRTC_BENCHUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

/* The process's user + system CPU seconds. */
static inline double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* The number after key (e.g. "VmRSS:") in /proc/self/status, -1 if unknown. */
static inline long proc_status(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t k = strlen(key);
    long value = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, k) == 0) {
            value = strtol(line + k, NULL, 10);
            break;
        }
    }
    fclose(f);
    return value;
}

static inline long rss_kb(void) { return proc_status("VmRSS:"); }

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static inline double pct(const double *sorted, int n, double p) {
    int i = (int)(p / 100.0 * n + 0.999999) - 1;
    if (i < 0) i = 0;
    if (i >= n) i = n - 1;
    return sorted[i];
}

/* key=value arguments after argv[1] (the metric); set by main. */
static int g_argc;
static char **g_argv;

static inline const char *arg_str(const char *key, const char *def) {
    size_t k = strlen(key);
    for (int i = 2; i < g_argc; i++) {
        if (strncmp(g_argv[i], key, k) == 0 && g_argv[i][k] == '=') return g_argv[i] + k + 1;
    }
    return def;
}

static inline long arg_long(const char *key, long def) {
    const char *v = arg_str(key, NULL);
    return v ? strtol(v, NULL, 10) : def;
}

/* Sleeps as short as asked (1 ns timer slack), and as many open files as
 * allowed: a mesh of hundreds of connections holds a socket or more each. */
static inline void process_setup(void) {
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

#endif
