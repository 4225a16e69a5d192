/*
 * The machine's float32 FMA peak per core, the bound docs/benchmarks.md holds nnpan's kernels to: each thread runs
 * 20 independent chains of 16-lane (AVX-512) fused multiply-adds, enough to keep both FMA ports busy, and the
 * program prints vector FMAs per second per thread (x16 for multiply-adds). Run with 1 thread and then with as many
 * threads as cores: equal rates mean the cores do not share FMA units.
 *
 *     gcc -O2 -march=native -pthread -o /tmp/fma_peak benchmarks/machine/fma_peak.c
 *     /tmp/fma_peak 1 20000000; /tmp/fma_peak 2 20000000
 */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long iterations;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) \
                  X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19)
#define DECLARE(i) __m512 x##i = _mm512_set1_ps(0.1f + i);
#define STEP(i) x##i = _mm512_fmadd_ps(x##i, m, c);
#define SUM(i) s = _mm512_add_ps(s, x##i);

static void *run(void *out) {
    CHAINS(DECLARE)
    __m512 m = _mm512_set1_ps(0.9999f), c = _mm512_set1_ps(0.0001f);
    for (long it = 0; it < iterations; it++) {
        CHAINS(STEP)
        /* Keeps every chain in a register and stops the compiler from folding the loop. */
        __asm__ volatile("" : "+v"(x0), "+v"(x1), "+v"(x2), "+v"(x3), "+v"(x4), "+v"(x5), "+v"(x6), "+v"(x7),
                              "+v"(x8), "+v"(x9));
        __asm__ volatile("" : "+v"(x10), "+v"(x11), "+v"(x12), "+v"(x13), "+v"(x14), "+v"(x15), "+v"(x16),
                              "+v"(x17), "+v"(x18), "+v"(x19));
    }
    __m512 s = _mm512_setzero_ps();
    CHAINS(SUM)
    *(float *) out = _mm512_reduce_add_ps(s);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3 || atoi(argv[1]) < 1 || atoi(argv[1]) > 64 || atol(argv[2]) < 1) {
        fprintf(stderr, "usage: fma_peak THREADS(1-64) ITERATIONS\n");
        return 2;
    }
    int threads = atoi(argv[1]);
    iterations = atol(argv[2]);
    pthread_t t[64];
    float sink[64];
    double t0 = now();
    for (int i = 0; i < threads; i++) {
        pthread_create(&t[i], NULL, run, &sink[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
    }
    double seconds = now() - t0;
    printf("%d threads: %.3f s, %.2f G vector FMAs/s per thread (%.1f G multiply-adds/s)\n", threads, seconds,
           iterations * 20.0 / seconds / 1e9, iterations * 20.0 * 16 / seconds / 1e9);
    return 0;
}
