/* bench_rng: the weight generator (Philox4x32-10 + Box-Muller, src/net/rng*.c) in
 * M normals/s, the AVX2 path against the AVX-512 path at 1 and 2 threads (or
 * --threads T), in the same run, on one llama2-7b SwiGLU matrix (4096 x 11008
 * normals, or --count N), best of --reps R calls each (default 5), the paths
 * taking turns. Also checks that the two paths give the same bits
 * (tests/test_rng.c proves it over many keys and counts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "net/net_internal.h"
#include "sigprop/cpu.h"
#include "sp_config.h"

typedef void (*gen_fn)(float *, size_t, float, struct net_key, uint32_t);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One call, in normals per second. */
static double rate1(gen_fn fn, float *out, size_t count, uint32_t r)
{
    double t0 = now();
    fn(out, count, 0.02f, (struct net_key){2, 0, r}, NET_MAT_W1);
    double t = now() - t0;
    return t > 0.0 ? (double)count / t : 0.0;
}

/* Best of reps calls of each path, the two taking turns, so that other jobs on
 * the machine slow both alike. */
static void rates(float *a, float *b, size_t count, int reps, double *r2, double *r5)
{
    *r2 = *r5 = 0.0;
    for (int r = 0; r < reps; r++) {
        double x = rate1(net_normal_avx2, a, count, (uint32_t)r);
        double y = rate1(net_normal_avx512, b, count, (uint32_t)r);
        *r2 = x > *r2 ? x : *r2;
        *r5 = y > *r5 ? y : *r5;
    }
}

int main(int argc, char **argv)
{
    size_t count = (size_t)4096 * 11008;
    int reps = 5, tmax = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            tmax = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_rng [--count N] [--reps R] [--threads T]\n");
            return 2;
        }
    }
    if (count < 1 || reps < 1 || tmax < 1)
        return 2;
#if SP_HAVE_X86_SIMD
    if (sp_cpu_best_isa() < SP_ISA_AVX512) {
        printf("bench_rng: this CPU has %s, no AVX-512; nothing to compare\n",
               sp_isa_name(sp_cpu_best_isa()));
        return 0;
    }
    float *a = malloc(count * sizeof(float)), *b = malloc(count * sizeof(float));
    if (!a || !b)
        return 1;
    net_normal_avx2(a, count, 0.02f, (struct net_key){9, 1, 2}, NET_MAT_W1);
    net_normal_avx512(b, count, 0.02f, (struct net_key){9, 1, 2}, NET_MAT_W1);
    int same = memcmp(a, b, count * sizeof(float)) == 0;
    printf("weight generation, %zu normals (llama2-7b W1 is 45088768), best of %d; bits equal: %s\n",
           count, reps, same ? "yes" : "NO");
    for (int t = 1; t <= tmax; t++) {
        omp_set_num_threads(t);
        double r2, r5;
        rates(a, b, count, reps, &r2, &r5);
        double rs = t == 1 ? rate1(net_normal_scalar, a, count, 0) : 0.0;
        printf("  %d thread%s: avx2 %7.1f M/s, avx512 %7.1f M/s, ratio %.2f", t, t > 1 ? "s" : " ",
               r2 / 1e6, r5 / 1e6, r5 / r2);
        if (t == 1)
            printf("   (scalar libm %.1f M/s)", rs / 1e6);
        printf("\n");
    }
    free(a), free(b);
    return same ? 0 : 1;
#else
    printf("bench_rng: no x86 SIMD in this build; nothing to compare\n");
    return 0;
#endif
}
