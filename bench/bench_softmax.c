/* Benchmark of theory version G (src/theory/softmax.c, docs/derivations/softmax.md):
 * ms per sp_softmax_moments call and per sp_theory_run of a pre-LN transformer at the
 * LLaMA-7B init scale (d = 512, n = 128, init-std 0.0565685 -> s_QK = 2.68), version G
 * against version C (uniform attention), both measured in this run, and their ratio;
 * and ms per sp_softmax_query_moments (one query's moments averaged over its norm).
 * Usage: bench_softmax [DEPTH [REPEATS]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sigprop.h"
#include "theory/internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double run(const struct sp_arch *a, const struct sp_theory_opts *o, int reps,
                  struct sp_theory_row *rows, size_t nrows)
{
    double t0 = now();
    for (int r = 0; r < reps; r++)
        if (sp_theory_run(a, o, rows, nrows) != SP_OK) {
            fprintf(stderr, "bench_softmax: %s\n", sp_last_error());
            exit(1);
        }
    return (now() - t0) / reps;
}

int main(int argc, char **argv)
{
    int depth = argc > 1 ? atoi(argv[1]) : 32, reps = argc > 2 ? atoi(argv[2]) : 5;
    if (depth < 1 || reps < 1) {
        fprintf(stderr, "usage: bench_softmax [DEPTH >= 1 [REPEATS >= 1]]\n");
        return 2;
    }
    struct sp_softmax_moments m;
    double t0 = now();
    int nm = 0;
    for (double v = 0.1; v < 3.0; v += 0.1, nm++)
        if (sp_softmax_moments(128.0, v, 0.5 * v, &m) != SP_OK)
            return 1;
    double tm = (now() - t0) / nm;
    /* one query averaged over its norm at head dimension 16 (the llama2-7b proxy at d = 512) */
    struct sp_softmax_query mq;
    t0 = now();
    for (double v = 0.1; v < 3.0; v += 0.1)
        if (sp_softmax_query_moments(128.0, v, 16.0, &mq) != SP_OK)
            return 1;
    double tq = (now() - t0) / nm;
    struct sp_arch a;
    char err[256];
    sp_arch_default(&a);
    a.width = 512;
    a.heads = 8;
    a.tokens = 128;
    a.depth = depth;
    a.mlp_ratio = 3;
    a.init_std = 0.0565685;
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK) {
        fprintf(stderr, "bench_softmax: %s\n", err);
        return 1;
    }
    struct sp_theory_opts oc, og;
    sp_theory_opts_version_c(&oc);
    og = oc;
    og.attention = SP_ATTN_GAUSSIAN;
    size_t nrows = sp_theory_nrows(&a, &oc);
    struct sp_theory_row *rows = malloc(nrows * sizeof *rows);
    if (!rows)
        return 1;
    double tc = run(&a, &oc, reps * 100, rows, nrows), tg = run(&a, &og, reps, rows, nrows);
    printf("sp_softmax_moments (n = 128): %.3f ms per call\n", 1e3 * tm);
    printf("sp_softmax_query_moments (n = 128, d_h = 16): %.3f ms per call\n", 1e3 * tq);
    printf("theory L = %d: version C %.4f ms, version G %.2f ms, ratio G/C %.0f\n", depth,
           1e3 * tc, 1e3 * tg, tg / tc);
    free(rows);
    return 0;
}
