/* Benchmark of the causal theory's pair maps at unequal variances (sp_quad_pair,
 * src/theory/quad.c) and of the position-resolved run that uses them: us per pair
 * for tanh and shifted erf against the equal-variance accurate quadrature
 * (sp_quad_gmap_accurate, the baseline: all five maps at one variance), both
 * measured in this run, and seconds per causal theory run with DyT against the
 * same run with LayerNorm (closed-form pair maps). Points: alpha 0.5, q_a, q_b in
 * [0.5, 20], r in [-0.5, 0.99]. Usage: bench_causal [NPAIRS [TOKENS [DEPTH]]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sigprop.h"
#include "theory/quad.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* the fractional part of k x: a low-discrepancy sequence in [0, 1) per x */
static double frac(long k, double x) { return fmod((double)k * x, 1.0); }

static double run_s(enum sp_fn norm, int n, int L)
{
    struct sp_arch a;
    char err[256];
    sp_arch_default(&a);
    a.tokens = n, a.width = 256, a.heads = 4, a.depth = L, a.mask = SP_MASK_CAUSAL;
    a.norm_attn = a.norm_mlp = (struct sp_fnspec){norm, 0.5, 0.0};
    a.init_std = 0.0, a.sigma_q = a.sigma_k = 0.0;
    a.sigma_v = a.sigma_o = a.sigma_1 = 0.9, a.sigma_2 = 1.3;
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK)
        return NAN;
    struct sp_theory_opts o;
    sp_theory_opts_version_c(&o);
    size_t nr = sp_theory_nrows(&a, &o);
    struct sp_theory_row *rows = malloc(nr * sizeof *rows);
    double t0 = now();
    enum sp_status st = rows ? sp_theory_run(&a, &o, rows, nr) : SP_ENOMEM;
    double t = now() - t0;
    free(rows);
    return st == SP_OK ? t : (double)NAN;
}

int main(int argc, char **argv)
{
    long np = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    int n = argc > 2 ? atoi(argv[2]) : 32, L = argc > 3 ? atoi(argv[3]) : 4;
    if (np < 1 || n < 1 || L < 1) {
        fprintf(stderr, "usage: bench_causal [NPAIRS [TOKENS [DEPTH]]]\n");
        return 2;
    }
    double *qa = malloc((size_t)np * 3 * sizeof *qa), *qb = qa + np, *rr = qb + np;
    if (!qa)
        return 1;
    for (long i = 0; i < np; i++) {
        qa[i] = 0.5 + 19.5 * frac(i, 0.6180339887498949);
        qb[i] = 0.5 + 19.5 * frac(i, 0.7548776662466927);
        rr[i] = -0.5 + 1.49 * frac(i, 0.5698402909980532);
    }
    const struct sp_fnspec fs[2] = {{SP_FN_DYT, 0.5, 0.0}, {SP_FN_DERF, 0.5, 0.3}};
    double sink = 0.0;
    for (int k = 0; k < 2; k++) {
        double t0 = now(), t, nn;
        for (long i = 0; i < np; i++) {
            sp_quad_pair(&fs[k], qa[i], qb[i], rr[i] * sqrt(qa[i] * qb[i]), &t, &nn);
            sink += t + nn;
        }
        double us_pair = 1e6 * (now() - t0) / (double)np;
        struct sp_gmap m;
        t0 = now();
        for (long i = 0; i < np; i++) {
            sp_quad_gmap_accurate(&fs[k], qa[i], rr[i] * qa[i], &m);
            sink += m.pt + m.ph;
        }
        double us_eq = 1e6 * (now() - t0) / (double)np;
        printf("%-4s shift %.1f: pair map %.1f us, equal-variance accurate maps %.1f us, "
               "ratio %.3g\n",
               k ? "erf" : "tanh", fs[k].shift, us_pair, us_eq, us_pair / us_eq);
    }
    double tln = run_s(SP_FN_LN, n, L), tdyt = run_s(SP_FN_DYT, n, L);
    printf("causal theory n = %d, %d blocks: dyt %.3f s, ln %.4f s, ratio %.0f\n", n, L, tdyt, tln,
           tdyt / tln);
    printf("(checksum %g)\n", sink);
    free(qa);
    return 0;
}
