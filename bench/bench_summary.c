/* Benchmark of `sigprop theory --summary` and `sigprop sweep` over the grid: 10,000 alphas
 * x 1,000 blocks, blog2, Derf, version A. Measured side by side in one run:
 *   batch     sp_theory_summary_batch (every summary column; SIMD + OpenMP);
 *   CLI       the sigprop binary beside this one, end to end (parsing, the
 *             batch, the CSV of 10^4 rows written to a file): theory
 *             --summary and sweep (theory mode, one depth) over the same grid;
 *   per-alpha sp_theory_summary_batch_scalar (sp_theory_run + asymptotics per
 *             alpha: what theory --summary and sweep call per configuration),
 *             on every 10th alpha, scaled;
 *   numpy     bench/numpy_phase.py, the same recursion vectorised over alpha
 *             (Debian's python3-numpy; skipped with a message when absent).
 * Prints seconds (best of 3), wall and CPU (every thread; on a shared machine
 * the wall clock also counts other people's work), each sigprop figure at the
 * default thread count (what a user gets: OpenMP over the alphas, one thread
 * per core) and at one thread (OMP_NUM_THREADS=1 for the CLI), the CLI also
 * with OPENBLAS_NUM_THREADS=1 (OpenBLAS's worker threads, started when the
 * library loads, spin on sched_yield for their first ~2^28 cycles and take a
 * core from the OpenMP threads), the ratios numpy / sigprop (numpy runs on one
 * thread: elementwise ufuncs do not use threads; goal >= 10x) and the largest
 * deviation of the batch from the per-alpha path.
 * Usage: bench_summary [NALPHA [DEPTH]] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>
#include <unistd.h>

#include <omp.h>

#include "sigprop.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU seconds of this process, every thread (on a shared machine the wall
 * clock also counts other people's work) */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* wall seconds of numpy's best run; *cpu: its CPU seconds */
static double numpy_time(size_t nalpha, int depth, double *cpu)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 bench/numpy_phase.py %zu %d cpu 2>/dev/null",
             nalpha, depth);
    FILE *p = popen(cmd, "r");
    double t = NAN, m;
    if (!p)
        return NAN;
    if (fscanf(p, "seconds %lf logJ_last_mean %lf cpu %lf", &t, &m, cpu) != 3)
        t = NAN;
    if (pclose(p) != 0)
        t = NAN;
    return t;
}

/* CPU seconds of the finished children (user + system) */
static double child_cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_CHILDREN, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec +
           (double)u.ru_stime.tv_sec + 1e-6 * (double)u.ru_stime.tv_usec;
}

/* The CLI beside this binary running cmd ("theory ... --summary" or "sweep"
 * over the same alphas and depth), writing its CSV to file (removed before
 * each run: a sweep would resume it), best of 5 wall-clock runs; *cpu: the
 * best run's CPU seconds, every thread; *median: the median wall clock (what
 * a user typically waits: OpenBLAS's spin makes the runs bimodal); env:
 * assignments put before the command ("" or "OMP_NUM_THREADS=1 "). NAN when
 * it fails. */
static double cli_time(const char *argv0, const char *env, const char *what, size_t nalpha,
                       int depth, const char *file, double *cpu, double *median)
{
    char dir[512], cmd[1024];
    snprintf(dir, sizeof dir, "%s", argv0);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    /* alpha = step, 2 step, ..., nalpha step with step = 1 / nalpha */
    snprintf(cmd, sizeof cmd,
             "%s%s/sigprop %s --preset blog2 --norm derf --alpha %.17g:1:%.17g --depth %d "
             "%s-q -o %s",
             env, dir, what, 1.0 / (double)nalpha, 1.0 / (double)nalpha, depth,
             strcmp(what, "theory") ? "" : "--summary ", file);
    enum { RUNS = 5 };
    double best = INFINITY, walls[RUNS];
    *cpu = *median = INFINITY;
    for (int r = 0; r < RUNS; r++) {
        remove(file);
        double t0 = now(), c0 = child_cpu();
        if (system(cmd) != 0)
            return NAN;
        double t = now() - t0, c = child_cpu() - c0;
        if (t < best) {
            best = t;
            *cpu = c;
        }
        int j = r; /* insertion sort of the walls */
        for (; j > 0 && walls[j - 1] > t; j--)
            walls[j] = walls[j - 1];
        walls[j] = t;
    }
    remove(file);
    *median = walls[RUNS / 2];
    return best;
}

static double rel(double x, double r)
{
    if (isnan(r) || isnan(x))
        return isnan(r) && isnan(x) ? 0.0 : (double)INFINITY;
    return fabs(x - r) / fmax(fabs(r), 1e-300);
}

int main(int argc, char **argv)
{
    size_t nalpha = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 10000;
    int depth = argc > 2 ? atoi(argv[2]) : 1000;
    if (nalpha < 10 || depth < 1) {
        fprintf(stderr, "usage: bench_summary [NALPHA >= 10 [DEPTH]]\n");
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
        fprintf(stderr, "bench_summary: %s\n", err);
        return 1;
    }
    sp_theory_opts_version_a(&o);
    size_t nsub = nalpha / 10;
    double *al = malloc(nalpha * sizeof *al), *sub = malloc(nsub * sizeof *sub);
    struct sp_theory_summary *rows = malloc(nalpha * sizeof *rows);
    struct sp_theory_summary *ref = malloc(nsub * sizeof *ref);
    if (!al || !sub || !rows || !ref) {
        fprintf(stderr, "bench_summary: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < nalpha; i++)
        al[i] = (double)(i + 1) / (double)nalpha;
    for (size_t k = 0; k < nsub; k++)
        sub[k] = al[10 * k];
    int nthr = omp_get_max_threads();
    printf("theory --summary: %zu alphas x %d blocks, blog2, Derf, version A; sigprop at the "
           "default %d threads (OpenMP over the alphas) and at 1; numpy on 1 thread\n",
           nalpha, depth, nthr);

    /* the batch at the default thread count ([0]) and at one thread ([1]) */
    double tb[2] = {INFINITY, INFINITY}, cb[2] = {INFINITY, INFINITY};
    for (int k = 0; k < 2; k++) {
        omp_set_num_threads(k ? 1 : nthr);
        for (int r = 0; r < 3; r++) {
            double t0 = now(), c0 = cpu_now();
            enum sp_status s = sp_theory_summary_batch(&a, &o, al, al, nalpha, rows);
            tb[k] = fmin(tb[k], now() - t0);
            cb[k] = fmin(cb[k], cpu_now() - c0);
            if (s != SP_OK) {
                fprintf(stderr, "bench_summary: batch failed: %s\n", sp_last_error());
                return 1;
            }
        }
    }
    omp_set_num_threads(nthr);
    double t0 = now();
    if (sp_theory_summary_batch_scalar(&a, &o, sub, sub, nsub, ref) != SP_OK) {
        fprintf(stderr, "bench_summary: per-alpha path failed: %s\n", sp_last_error());
        return 1;
    }
    double ts = (now() - t0) * (double)nalpha / (double)nsub;
    double worst = 0.0;
    int lstar_diff = 0;
    for (size_t k = 0; k < nsub; k++) {
        const struct sp_theory_summary *x = &rows[10 * k], *r = &ref[k];
        double d[] = {rel(x->q_L, r->q_L),
                      rel(x->p_L, r->p_L),
                      rel(x->log_j_L, r->log_j_L),
                      rel(x->as.lambda, r->as.lambda),
                      rel(x->as.c_star, r->as.c_star),
                      rel(x->as.p_star, r->as.p_star)};
        for (size_t j = 0; j < sizeof d / sizeof *d; j++)
            worst = fmax(worst, d[j]);
        lstar_diff += rel(x->as.l_star, r->as.l_star) != 0.0 || x->as.phase != r->as.phase;
    }
    char tmpl[] = "/tmp/bench_summary_XXXXXX", file[64];
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "bench_summary: no temporary directory\n");
        return 1;
    }
    snprintf(file, sizeof file, "%s/out.csv", tmpl);
    /* the CLI: [0] default threads, [1] OMP_NUM_THREADS=1, [2] default threads
     * with OPENBLAS_NUM_THREADS=1 */
    static const char *const env[3] = {"", "OMP_NUM_THREADS=1 ", "OPENBLAS_NUM_THREADS=1 "};
    double tc[3], cc[3], mc[3], tw[3], cw[3], mw[3];
    for (int k = 0; k < 3; k++) {
        tc[k] = cli_time(argv[0], env[k], "theory", nalpha, depth, file, &cc[k], &mc[k]);
        tw[k] = cli_time(argv[0], env[k], "sweep", nalpha, depth, file, &cw[k], &mw[k]);
    }
    rmdir(tmpl);
    double cn = NAN, tn = numpy_time(nalpha, depth, &cn);
    char head[32];
    snprintf(head, sizeof head, "%d threads: wall / CPU", nthr);
    printf("  %-46s %-24s%s\n", "seconds, best of 3 (CLI: of 5)", head, "1 thread: wall / CPU");
    printf("  %-46s %8.4f / %.4f       %8.4f / %.4f  (%.2f ns/block-step on 1)\n",
           "batch   sp_theory_summary_batch", tb[0], cb[0], tb[1], cb[1],
           1e9 * cb[1] / ((double)nalpha * depth));
    const char *what[2] = {"theory --summary", "sweep"};
    for (int w = 0; w < 2; w++) {
        const double *t = w ? tw : tc, *c = w ? cw : cc, *m = w ? mw : mc;
        char name[64];
        snprintf(name, sizeof name, "CLI     sigprop %s, CSV file", what[w]);
        if (isnan(t[0]) || isnan(t[1]))
            printf("  %-46s not found beside %s\n", name, argv[0]);
        else
            printf("  %-46s %8.4f / %.4f       %8.4f / %.4f  (OPENBLAS_NUM_THREADS=1: "
                   "%.4f / %.4f)\n"
                   "  %-46s %8.4f                %8.4f           (OPENBLAS_NUM_THREADS=1: "
                   "%.4f)\n",
                   name, t[0], c[0], t[1], c[1], t[2], c[2], "        median wall of the 5", m[0],
                   m[1], m[2]);
    }
    printf("  %-46s %8.4f s  (%zu alphas, scaled, %d threads; batch %.1fx faster)\n",
           "per-alpha sp_theory_run + asymptotics", ts, nsub, nthr, ts / tb[0]);
    printf("  max rel deviation batch vs per-alpha %.2e; l* or phase differ on %d of %zu\n", worst,
           lstar_diff, nsub);
    if (isnan(tn)) {
        printf("  numpy baseline: skipped (python3-numpy not installed: scripts/install-deps "
               "--bench)\n");
    } else {
        printf("  %-46s %8.4f / %.4f  (the recursion only, 1 thread)\n",
               "numpy   bench/numpy_phase.py", tn, cn);
        printf("  ratio numpy wall / sigprop wall, %d threads: batch %.1fx, theory --summary "
               "%.1fx, sweep %.1fx (goal >= 10x)\n",
               nthr, tn / tb[0], tn / tc[0], tn / tw[0]);
        printf(
            "  ratio numpy wall / sigprop median wall, %d threads: theory --summary %.1fx, sweep "
            "%.1fx; with OPENBLAS_NUM_THREADS=1: %.1fx, %.1fx\n",
            nthr, tn / mc[0], tn / mw[0], tn / mc[2], tn / mw[2]);
        printf("  ratio numpy wall / sigprop wall, 1 thread:  batch %.1fx, theory --summary "
               "%.1fx, sweep %.1fx\n",
               tn / tb[1], tn / tc[1], tn / tw[1]);
        printf("  ratio numpy CPU / sigprop CPU,   1 thread:  batch %.1fx, theory --summary "
               "%.1fx, sweep %.1fx\n",
               cn / cb[1], cn / cc[1], cn / cw[1]);
    }
    free(al);
    free(sub);
    free(rows);
    free(ref);
    return worst <= 1e-12 && lstar_diff == 0 ? 0 : 1;
}
