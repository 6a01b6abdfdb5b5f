/* Benchmark of the theory engine's phase-diagram throughput (issue: 10,000
 * alphas x 1,000 blocks, Derf, version A; version C; DyT over the same grid).
 * Baselines measured in the same run: the scalar path of sigprop itself, and a
 * vectorised numpy implementation of the same recursion (bench/numpy_phase.py,
 * Debian's python3-numpy; skipped with a message when numpy is absent).
 * Prints ns per block-step, the ratios and the largest deviation from the
 * scalar path. Usage: bench_theory [NALPHA [DEPTH]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "sigprop.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Best of `reps` runs, the output arrays already touched (steady state). */
static double time_sweep(int simd, const struct sp_arch *a, const struct sp_theory_opts *o,
                         const double *al, size_t n, double *lj, double *ql, int reps)
{
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        enum sp_status s = simd ? sp_theory_sweep_alpha(a, o, al, al, n, lj, ql)
                                : sp_theory_sweep_alpha_scalar(a, o, al, al, n, lj, ql);
        double t = now() - t0;
        if (s != SP_OK) {
            fprintf(stderr, "bench_theory: sweep failed: %s\n", sp_status_str(s));
            exit(1);
        }
        best = fmin(best, t);
    }
    return best;
}

/* Runs the numpy baseline; returns its time or NAN when numpy is unavailable. */
static double numpy_time(size_t nalpha, int depth, double *mean_last)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/numpy_phase.py %zu %d 2>/dev/null", nalpha, depth);
    FILE *p = popen(cmd, "r");
    double t = NAN;
    if (!p)
        return NAN;
    if (fscanf(p, "seconds %lf logJ_last_mean %lf", &t, mean_last) != 2)
        t = NAN;
    if (pclose(p) != 0)
        t = NAN;
    return t;
}

int main(int argc, char **argv)
{
    size_t nalpha = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    int depth = argc > 2 ? atoi(argv[2]) : 1000;
    if (nalpha < 1 || depth < 1) {
        fprintf(stderr, "usage: bench_theory [NALPHA [DEPTH]]\n");
        return 2;
    }
    struct sp_arch a;
    struct sp_theory_opts o;
    int va;
    char err[256];
    sp_arch_default(&a);
    sp_preset_apply("blog2", &a, &va);
    a.depth = depth;
    a.norm_attn.kind = a.norm_mlp.kind = SP_FN_DERF;
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK) {
        fprintf(stderr, "bench_theory: %s\n", err);
        return 1;
    }
    sp_theory_opts_version_a(&o);
    double *al = malloc(nalpha * sizeof *al), *ql = malloc(nalpha * sizeof *ql);
    double *lj = malloc(nalpha * (size_t)(depth + 1) * sizeof *lj);
    double *ref = malloc(nalpha * (size_t)(depth + 1) * sizeof *ref);
    double *qr = malloc(nalpha * sizeof *qr);
    if (!al || !ql || !lj || !ref || !qr) {
        fprintf(stderr, "bench_theory: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < nalpha; i++) /* the numpy baseline uses the same grid */
        al[i] = 0.01 + (double)i * (2.0 / (double)nalpha);
    double steps = (double)nalpha * depth;
    printf("phase diagram: %zu alphas x %d blocks, blog2, Derf, version A, %d threads\n", nalpha,
           depth, omp_get_max_threads());

    double ts = time_sweep(0, &a, &o, al, nalpha, ref, qr, 2);
    double tv = time_sweep(1, &a, &o, al, nalpha, lj, ql, 5);
    double worst = 0.0, mean_last = 0.0;
    for (size_t i = 0; i < nalpha * (size_t)(depth + 1); i++)
        worst = fmax(worst, fabs(lj[i] - ref[i]) / fmax(fabs(ref[i]), 1e-300));
    for (size_t i = 0; i < nalpha; i++)
        mean_last += lj[i * (size_t)(depth + 1) + (size_t)depth] / (double)nalpha;
    printf("  sigprop SIMD    %8.4f s  %7.2f ns/block-step\n", tv, 1e9 * tv / steps);
    printf("  sigprop scalar  %8.4f s  %7.2f ns/block-step  (SIMD speed-up %.1fx)\n", ts,
           1e9 * ts / steps, ts / tv);
    printf("  max |SIMD - scalar| / |scalar| = %.2e (over log J^{l,0} at every block)\n", worst);
    double np_last = NAN, tn = numpy_time(nalpha, depth, &np_last);
    if (isnan(tn)) {
        printf("  numpy baseline: skipped (python3-numpy not installed: scripts/install-deps --bench)\n");
    } else {
        printf("  numpy           %8.4f s  %7.2f ns/block-step\n", tn, 1e9 * tn / steps);
        printf("  ratio numpy / sigprop SIMD = %.1fx (goal >= 4x, aim 10x); mean log J^{L,0}: "
               "numpy %.10g, sigprop %.10g\n", tn / tv, np_last, mean_last);
    }

    /* version C (the default without a preset): two-channel APJN, uniform attention */
    struct sp_theory_opts oc;
    sp_theory_opts_version_c(&oc);
    double tcs = time_sweep(0, &a, &oc, al, nalpha, ref, qr, 1);
    double tcv = time_sweep(1, &a, &oc, al, nalpha, lj, ql, 3);
    worst = 0.0;
    for (size_t i = 0; i < nalpha * (size_t)(depth + 1); i++)
        worst = fmax(worst, fabs(lj[i] - ref[i]) / fmax(fabs(ref[i]), 1e-300));
    printf("version C (two-channel): SIMD %.4f s (%.2f ns/block-step), scalar %.4f s, "
           "speed-up %.1fx, max rel deviation %.2e\n", tcv, 1e9 * tcv / steps, tcs, tcs / tcv,
           worst);

    /* DyT over the same grid (the tabulated tanh maps, SIMD kernel where the CPU has
     * one). The table is built lazily, per panel, the first time the grid needs it:
     * the first sweep includes that and is reported apart from the steady state. */
    a.norm_attn.kind = a.norm_mlp.kind = SP_FN_DYT;
    /* estimate on 1% of the grid first: a slow path must not stall make bench */
    size_t probe = nalpha / 100 > 0 ? nalpha / 100 : 1;
    double t0 = now();
    enum sp_status s = sp_theory_sweep_alpha(&a, &o, al, al, probe, lj, ql);
    double tfirst = now() - t0;
    t0 = now();
    if (s == SP_OK)
        s = sp_theory_sweep_alpha(&a, &o, al, al, probe, lj, ql);
    double est = (now() - t0) * (double)nalpha / (double)probe;
    if (s == SP_OK && est > 60.0) {
        printf("DyT over the same grid: skipped, estimated %.0f s from %zu alphas (%.0f ns/block-step)\n",
               est, probe, 1e9 * est / steps);
        goto out;
    }
    t0 = now();
    if (s == SP_OK)
        s = sp_theory_sweep_alpha(&a, &o, al, al, nalpha, lj, ql);
    tfirst += now() - t0;
    if (s != SP_OK) {
        printf("DyT over the same grid: unavailable (%s)\n", sp_status_str(s));
        goto out;
    }
    double td = time_sweep(1, &a, &o, al, nalpha, lj, ql, 3);
    printf("DyT over the same grid: %.4f s  %.2f ns/block-step (goal < 1 s; table built, best of 3)\n",
           td, 1e9 * td / steps);
    /* baseline: the scalar path (sp_theory_run per alpha) on every 100th alpha */
    size_t nsub = 0;
    for (size_t i = 0; i < nalpha; i += 100)
        al[nsub++] = al[i];
    double tsub = time_sweep(0, &a, &o, al, nsub, ref, qr, 1), tsc = tsub * (double)nalpha / (double)nsub;
    worst = 0.0;
    for (size_t k = 0; k < nsub; k++)
        for (size_t l = 0; l <= (size_t)depth; l++) {
            double r = ref[k * (size_t)(depth + 1) + l], v = lj[k * 100 * (size_t)(depth + 1) + l];
            worst = fmax(worst, fabs(v - r) / fmax(fabs(r), 1e-300));
        }
    printf("  first sweep %.4f s (building the tanh table ~%.2f s); scalar path %.2f ns/block-step "
           "on %zu alphas (speed-up %.1fx), max rel deviation %.2e\n", tfirst,
           tfirst - td * (1.0 + (double)probe / (double)nalpha), 1e9 * tsc / steps, nsub, tsc / td,
           worst);
out:
    free(al);
    free(ql);
    free(lj);
    free(ref);
    free(qr);
    return 0;
}
