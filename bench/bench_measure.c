/* bench_measure: the blog configuration (--preset blog2: d = 1024, n = 197,
 * Derf alpha 0.5, one seed, 4 probes, forward APJN) against its physical limit
 * measured in the same run: plain OpenBLAS sgemm (its own threading) on the same
 * matrix shapes. Prints the achieved fraction of sgemm throughput, ns/flop, the
 * time extrapolated to 128 blocks, the weight-generation rate and peak memory
 * (the PyTorch reference on this machine: 151 s, 8.0 GB; bench/torch_measure.py).
 * Default depth 16 so that `make bench` stays short; --depth 128 for the full run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cblas.h>
#include <omp.h>

#include "net/net_internal.h"
#include "sigprop.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One block's linear maps with B = P + 1 batches: Q, K, V, O (d x d), W1, W2. */
static double sgemm_block(float *X, float *W, float *Y, size_t M, size_t d, size_t f, int tiled)
{
    size_t shapes[6][2] = {{d, d}, {d, d}, {d, d}, {d, d}, {d, f}, {f, d}};
    double flops = 0.0;
    for (int i = 0; i < 6; i++) {
        size_t K = shapes[i][0], N = shapes[i][1];
        if (tiled)
            net_gemm(0, 0, M, N, K, 1.0f, X, K, W, N, 0.0f, Y, N);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)M, (blasint)N,
                        (blasint)K, 1.0f, X, (blasint)K, W, (blasint)N, 0.0f, Y, (blasint)N);
        flops += 2.0 * (double)M * (double)N * (double)K;
    }
    return flops;
}

int main(int argc, char **argv)
{
    int depth = 16, probes = 4, threads = omp_get_max_threads();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--depth") && i + 1 < argc)
            depth = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--full"))
            depth = 128;
        else if (!strcmp(argv[i], "--probes") && i + 1 < argc)
            probes = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_measure [--depth L | --full] [--probes P] [--threads T]\n");
            return 2;
        }
    }
    if (depth < 1 || probes < 1 || threads < 1)
        return 2;
    struct sp_arch a;
    int va;
    sp_arch_default(&a);
    sp_preset_apply("blog2", &a, &va);
    a.depth = depth;
    a.norm_attn = a.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
    char err[256];
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const size_t n = (size_t)a.tokens, d = (size_t)a.width, f = 4 * d, M = n * (size_t)(probes + 1);

    /* 1. the physical limit: sgemm of the same shapes, OpenBLAS threaded as it likes */
    float *X = malloc(M * f * sizeof(float)), *W = malloc(d * f * sizeof(float));
    float *Y = malloc(M * f * sizeof(float));
    if (!X || !W || !Y)
        return 1;
    net_normal(X, M * f, 1.0f, (struct net_key){1, 0, 0}, 1);
    net_normal(W, d * f, 0.03f, (struct net_key){1, 0, 1}, 1);
    omp_set_num_threads(threads);
    openblas_set_num_threads(threads);
    sgemm_block(X, W, Y, M, d, f, 0); /* warm-up */
    double t0 = now(), fl = 0.0;
    for (int r = 0; r < 3; r++)
        fl += sgemm_block(X, W, Y, M, d, f, 0);
    double t_sgemm = now() - t0, gf_sgemm = fl / t_sgemm / 1e9;
    /* the same through sigprop's shape-tiled, thread-count-independent products
     * (OpenBLAS on one thread, the tiles on OpenMP threads) */
    net_gemm_init();
    sgemm_block(X, W, Y, M, d, f, 1);
    t0 = now(), fl = 0.0;
    for (int r = 0; r < 3; r++)
        fl += sgemm_block(X, W, Y, M, d, f, 1);
    double gf_tiled = fl / (now() - t0) / 1e9;

    /* 2. weight generation: 12 d^2 normals per block */
    t0 = now();
    for (int r = 0; r < 3; r++)
        net_normal(W, d * f, 1.0f, (struct net_key){2, 0, (uint32_t)r}, 5);
    double normals_per_s = 3.0 * (double)(d * f) / (now() - t0);
    free(X), free(W), free(Y);

    /* 3. the measurement */
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.probes = probes;
    o.measure = SP_MEASURE_FWD;
    o.threads = threads;
    size_t nrows = sp_net_nrows(&a, &o);
    struct sp_net_row *rows = calloc(nrows, sizeof *rows);
    t0 = now();
    enum sp_status s = sp_net_measure(&a, &o, rows, nrows);
    double t_meas = now() - t0;
    if (s != SP_OK) {
        fprintf(stderr, "measure failed: %s\n", sp_status_str(s));
        return 1;
    }
    double flops = sp_net_flops(&a, &o), gf = flops / t_meas / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double peak_mb = (double)ru.ru_maxrss / 1024.0;
    double t128 = t_meas * 128.0 / depth, limit128 = flops * 128.0 / depth / (gf_sgemm * 1e9);

    printf("blog2 Derf 0.5, forward APJN, %d probes, %d blocks, %d threads\n", probes, depth, threads);
    printf("  sgemm, same shapes (OpenBLAS threaded):   %8.1f GFLOP/s   (the limit)\n", gf_sgemm);
    printf("  sgemm, shape-tiled (sigprop net_gemm):    %8.1f GFLOP/s   ratio %.3f\n", gf_tiled,
           gf_tiled / gf_sgemm);
    printf("  weight generation (Philox + Box-Muller): %8.1f M normals/s, %.3f s per block\n",
           normals_per_s / 1e6, 12.0 * (double)(d * d) / normals_per_s);
    printf("  measurement: %.3f s, %.1f GFLOP/s, %.4f ns/flop, fraction of sgemm %.3f\n", t_meas,
           gf, 1e9 * t_meas / flops, gf / gf_sgemm);
    printf("  extrapolated to 128 blocks: %.1f s (sgemm limit %.1f s, ratio %.2f; goal <= 1.5;"
           " PyTorch 151 s)\n", t128, limit128, t128 / limit128);
    printf("  peak memory: %.1f MB (PyTorch 8000 MB, ratio 1/%.0f; goal <= 160 MB)\n", peak_mb,
           8000.0 / peak_mb);
    printf("  J^{%d,0} = %.4f +- %.2g, q^%d = %.4f\n", depth, rows[nrows - 1].j_fwd,
           rows[nrows - 1].j_fwd_se, depth, rows[nrows - 1].q);
    free(rows);
    return 0;
}
