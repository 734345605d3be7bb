/* Host of cgofloor (see lib.go): 500 warm-up then 10,000 round trips, the
 * host spinning on floor_poll with sched_yield as bench_c's rtt does. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int floor_start(void);
int floor_send(int to_b, int wake);
int floor_poll(int b);

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    enum { N = 10000 };
    const char *mode = argc > 1 ? argv[1] : "direct";
    int wake = strcmp(mode, "wake") == 0 ? 1 : strcmp(mode, "pipe") == 0 ? 2 : 0;
    double *us = malloc(N * sizeof *us);
    if (us == NULL || floor_start() != 0) return 1;
    for (int i = -500; i < N; i++) {
        long long t = now_ns();
        floor_send(1, wake);
        while (!floor_poll(1)) sched_yield();
        floor_send(0, wake);
        while (!floor_poll(0)) sched_yield();
        if (i >= 0) us[i] = (double)(now_ns() - t) / 1e3;
    }
    qsort(us, N, sizeof *us, cmp);
    printf("{\"impl\":\"cgofloor-%s\",\"metric\":\"rtt_us\",\"p50\":%.1f,\"p99\":%.1f,\"min\":%.1f,\"n\":%d}\n",
           mode, us[N / 2], us[N * 99 / 100], us[0], N);
    free(us);
    return 0;
}
