/* Benchmark of the tanh Gaussian maps (src/theory/quad.c, quad_table.c): ns per
 * full map evaluation (qt, pt, qh, ph, dpt) on the tabulated fast path against the
 * accurate quadrature, both measured in this run, their ratio, the one-off table
 * build times (first call: one panel; whole table), and the largest relative error of the table against the quadrature.
 * Points: alpha log-uniform in [0.01, 5], q log-uniform in [1e-3, 1e6], p/q uniform
 * in [-0.99, 0.999]. Usage: bench_quad [NFAST [NACCURATE]] */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <omp.h>

#include "sigprop/theory.h"
#include "theory/quad.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x2545f4914f6cdd1du;
static double urand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) * 0x1.0p-53;
}

int main(int argc, char **argv)
{
    long nfast = argc > 1 ? strtol(argv[1], NULL, 10) : 2000000;
    long nacc = argc > 2 ? strtol(argv[2], NULL, 10) : 300;
    if (nfast < 1 || nacc < 1 || nacc > nfast) {
        fprintf(stderr, "usage: bench_quad [NFAST [NACCURATE <= NFAST]]\n");
        return 2;
    }
    size_t n = (size_t)nfast;
    double *al = malloc(n * sizeof *al), *q = malloc(n * sizeof *q), *r = malloc(n * sizeof *r);
    if (!al || !q || !r)
        return 1;
    for (size_t i = 0; i < n; i++) {
        al[i] = 0.01 * pow(500.0, urand());
        q[i] = 1e-3 * pow(1e9, urand());
        r[i] = -0.99 + 1.989 * urand();
    }
    /* the table is built one log Q panel at a time: first call, then all panels */
    struct sp_gmap m;
    double t0 = now();
    if (sp_quad_gmap_fast(1.0, 1.0, 0.5, &m) != SP_OK) {
        fprintf(stderr, "bench_quad: table build failed\n");
        return 1;
    }
    double tfirst = now() - t0;
    t0 = now();
    for (double x = -18.4; x < 18.5; x += 0.2)
        if (sp_quad_gmap_fast(1.0, exp(x), 0.5 * exp(x), &m) != SP_OK) {
            fprintf(stderr, "bench_quad: table build failed\n");
            return 1;
        }
    double tbuild = now() - t0 + tfirst;

    double sink = 0.0, best_fast = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        t0 = now();
        for (size_t i = 0; i < n; i++) {
            sp_quad_gmap_fast(al[i], q[i], r[i] * q[i], &m);
            sink += m.qt + m.pt + m.qh + m.ph + m.dpt;
        }
        best_fast = fmin(best_fast, now() - t0);
    }
    double ns_fast = 1e9 * best_fast / (double)n;

    /* the recursion's access pattern: one alpha, q growing slowly, p/q near 0.8 */
    double best_coh = INFINITY;
    for (int rep = 0; rep < 3; rep++) {
        t0 = now();
        for (size_t i = 0; i < n; i++) {
            double qq = 1.0 + 1e-5 * (double)(i % 100000);
            sp_quad_gmap_fast(0.5, qq, 0.8 * qq, &m);
            sink += m.pt;
        }
        best_coh = fmin(best_coh, now() - t0);
    }
    double ns_coh = 1e9 * best_coh / (double)n;

    /* all threads (OMP_NUM_THREADS) on the random points: aggregate ns per evaluation */
    double best_par = INFINITY;
    int nthr = omp_get_max_threads();
    for (int rep = 0; rep < 3; rep++) {
        t0 = now();
        double s2 = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : s2)
        for (size_t i = 0; i < n; i++) {
            struct sp_gmap mm;
            sp_quad_gmap_fast(al[i], q[i], r[i] * q[i], &mm);
            s2 += mm.pt;
        }
        sink += s2;
        best_par = fmin(best_par, now() - t0);
    }
    double ns_par = 1e9 * best_par / (double)n;

    double maxerr[5] = {0}, tacc = 0.0;
    for (long i = 0; i < nacc; i++) {
        struct sp_fnspec f = {SP_FN_DYT, al[i], 0.0};
        struct sp_gmap a, b;
        t0 = now();
        sp_quad_gmap_accurate(&f, q[i], r[i] * q[i], &a);
        tacc += now() - t0;
        sp_quad_gmap_fast(al[i], q[i], r[i] * q[i], &b);
        double e[5] = {fabs(b.qt - a.qt) / a.qt, fabs(b.pt - a.pt) / fabs(a.pt),
                       fabs(b.qh - a.qh) / a.qh, fabs(b.ph - a.ph) / a.ph,
                       fabs(b.dpt - a.dpt) / fabs(a.dpt)};
        for (int k = 0; k < 5; k++)
            maxerr[k] = fmax(maxerr[k], e[k]);
    }
    double ns_acc = 1e9 * tacc / (double)nacc;
    printf("table build: first call %.3f s, whole table %.3f s (once per process)\n", tfirst,
           tbuild);
    printf("fast path:     %10.1f ns per evaluation (%ld random points, best of 3)\n", ns_fast,
           nfast);
    printf("fast path:     %10.1f ns per evaluation (recursion-like access: one alpha, q slowly "
           "growing)\n", ns_coh);
    printf("fast path:     %10.1f ns per evaluation aggregate over %d OpenMP threads "
           "(%.2e evaluations/s)\n", ns_par, nthr, 1e9 / ns_par);
    printf("accurate path: %10.1f ns per evaluation (%ld points)\n", ns_acc, nacc);
    printf("speedup fast/accurate: %.0fx\n", ns_acc / ns_fast);
    printf("max rel err (fast vs accurate, %ld points): qt %.2e pt %.2e qh %.2e ph %.2e dpt %.2e\n",
           nacc, maxerr[0], maxerr[1], maxerr[2], maxerr[3], maxerr[4]);
    if (sink == 42.0)
        printf("\n");
    free(al);
    free(q);
    free(r);
    return 0;
}
