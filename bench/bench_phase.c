/* Benchmark of a Derf phase diagram from theory: 100 alphas x 100 depths
 * (10, 20, ..., 1000 blocks), blog2 shape, version A. Three ways, all measured
 * in the same run:
 *   naive      sp_theory_run once per (alpha, depth) pair (the baseline);
 *   per-alpha  one sp_theory_run per alpha to depth 1000: J^{l,0} at every
 *              depth l from one forward run (what `sigprop sweep` does);
 *   vectorised sp_theory_sweep_alpha over all alphas at once (SIMD + OpenMP).
 * Prints seconds, the ratios to the baseline, and the largest deviation of
 * log J^{L,0} from the baseline. Usage: bench_phase [NALPHA [NDEPTH]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sigprop.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what, enum sp_status s)
{
    fprintf(stderr, "bench_phase: %s failed: %s\n", what, sp_status_str(s));
    exit(1);
}

int main(int argc, char **argv)
{
    size_t nalpha = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
    size_t ndepth = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100;
    if (nalpha < 1 || ndepth < 1) {
        fprintf(stderr, "usage: bench_phase [NALPHA [NDEPTH]]\n");
        return 2;
    }
    int maxdepth = (int)(10 * ndepth);
    struct sp_arch a;
    struct sp_theory_opts o;
    int va;
    char err[256];
    sp_arch_default(&a);
    sp_preset_apply("blog2", &a, &va);
    a.norm_attn = a.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
    a.depth = maxdepth;
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK) {
        fprintf(stderr, "bench_phase: %s\n", err);
        return 1;
    }
    sp_theory_opts_version_a(&o);

    double *alpha = malloc(nalpha * sizeof *alpha);
    double *naive = malloc(nalpha * ndepth * sizeof *naive);     /* (nalpha, ndepth) */
    double *per = malloc(nalpha * ndepth * sizeof *per);         /* (nalpha, ndepth) */
    double *lj = malloc(nalpha * ((size_t)maxdepth + 1) * sizeof *lj); /* (nalpha, L+1) */
    struct sp_theory_row *rows = malloc(((size_t)maxdepth + 1) * sizeof *rows);
    if (!alpha || !naive || !per || !lj || !rows) {
        fprintf(stderr, "bench_phase: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < nalpha; i++)
        alpha[i] = 0.02 * (double)(i + 1); /* 0.02 .. 2 */

    /* naive: one recursion per grid point */
    double t0 = now();
    for (size_t i = 0; i < nalpha; i++)
        for (size_t j = 0; j < ndepth; j++) {
            struct sp_arch b = a;
            b.depth = (int)(10 * (j + 1));
            b.norm_attn.alpha = b.norm_mlp.alpha = alpha[i];
            size_t nr = sp_theory_nrows(&b, &o);
            enum sp_status s = sp_theory_run(&b, &o, rows, nr);
            if (s != SP_OK)
                die("sp_theory_run", s);
            naive[i * ndepth + j] = rows[nr - 1].log_jfwd;
        }
    double t_naive = now() - t0;

    /* per-alpha: one recursion to the largest depth serves every depth */
    t0 = now();
    for (size_t i = 0; i < nalpha; i++) {
        struct sp_arch b = a;
        b.norm_attn.alpha = b.norm_mlp.alpha = alpha[i];
        size_t nr = sp_theory_nrows(&b, &o);
        enum sp_status s = sp_theory_run(&b, &o, rows, nr);
        if (s != SP_OK)
            die("sp_theory_run", s);
        for (size_t j = 0; j < ndepth; j++)
            per[i * ndepth + j] = rows[10 * (j + 1)].log_jfwd;
    }
    double t_per = now() - t0;

    /* vectorised over alpha; best of 3 (the first run also pays page faults) */
    double t_vec = INFINITY;
    for (int r = 0; r < 3; r++) {
        t0 = now();
        enum sp_status s = sp_theory_sweep_alpha(&a, &o, alpha, alpha, nalpha, lj, NULL);
        if (s != SP_OK)
            die("sp_theory_sweep_alpha", s);
        t_vec = fmin(t_vec, now() - t0);
    }

    double dev_per = 0.0, dev_vec = 0.0;
    for (size_t i = 0; i < nalpha; i++)
        for (size_t j = 0; j < ndepth; j++) {
            double ref = naive[i * ndepth + j];
            dev_per = fmax(dev_per, fabs(per[i * ndepth + j] - ref));
            dev_vec = fmax(dev_vec, fabs(lj[i * ((size_t)maxdepth + 1) + 10 * (j + 1)] - ref));
        }
    printf("bench_phase: Derf phase diagram, %zu alphas (0.02..%.2f) x %zu depths (10..%d), "
           "blog2 shape, version A\n", nalpha, alpha[nalpha - 1], ndepth, maxdepth);
    printf("  naive      sp_theory_run per (alpha, depth):   %8.4f s  (baseline)\n", t_naive);
    printf("  per-alpha  one run per alpha to depth %-4d:     %8.4f s  %7.1fx faster  "
           "max |dlog J| %.2g\n", maxdepth, t_per, t_naive / t_per, dev_per);
    printf("  vectorised sp_theory_sweep_alpha (best of 3):   %8.4f s  %7.1fx faster  "
           "max |dlog J| %.2g\n", t_vec, t_naive / t_vec, dev_vec);
    free(alpha);
    free(naive);
    free(per);
    free(lj);
    free(rows);
    return dev_per < 1e-9 && dev_vec < 1e-8 ? 0 : 1;
}
