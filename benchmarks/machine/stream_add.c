/*
 * Memory bandwidth per thread with one thread and with several at once: each thread adds one float array onto
 * another (y += a*x) over and over, 12 bytes of traffic per element. With arrays past the private caches the
 * per-thread rate drops when threads run together; with arrays that fit it should not.
 *
 *     gcc -O3 -march=native -pthread -o /tmp/stream_add benchmarks/machine/stream_add.c
 *     /tmp/stream_add 1 8000000 40; /tmp/stream_add 2 8000000 40     # 32 MB per array
 *     /tmp/stream_add 1 250000 1200; /tmp/stream_add 2 250000 1200   # 1 MB per array
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long n;
static int rounds;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *run(void *out) {
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (long i = 0; i < n; i++) {
        x[i] = (float) i;
        y[i] = 0;
    }
    double t0 = now();
    for (int r = 0; r < rounds; r++) {
        for (long i = 0; i < n; i++) {
            y[i] += 1.0001f * x[i];
        }
        __asm__ volatile("" : : "r"(y) : "memory");
    }
    ((double *) out)[0] = now() - t0;
    ((double *) out)[1] = y[n / 2];
    free(x);
    free(y);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 4 || atoi(argv[1]) < 1 || atoi(argv[1]) > 64 || atol(argv[2]) < 1 || atoi(argv[3]) < 1) {
        fprintf(stderr, "usage: stream_add THREADS(1-64) ELEMENTS ROUNDS\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    n = atol(argv[2]);
    rounds = atoi(argv[3]);
    pthread_t t[64];
    double result[64][2];
    for (int i = 0; i < threads; i++) {
        pthread_create(&t[i], NULL, run, result[i]);
    }
    double slowest = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        slowest = result[i][0] > slowest ? result[i][0] : slowest;
    }
    printf("%d threads, %ld floats per array: %.1f GB/s per thread (slowest thread)\n", threads, n,
           12.0 * n * rounds / slowest / 1e9);
    return 0;
}
