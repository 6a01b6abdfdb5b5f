/* bench_llm: the cost of the LLM-style block (causal mask, RoPE, RMSNorm, SwiGLU with
 * hidden width 2/3 of 4d, so the MLP has the FLOPs of the ViT block's; optionally GQA)
 * against the ViT block (bidirectional, LayerNorm, ReLU MLP 4d) at the same shape, both
 * measured now on this machine: seconds per block and ns per matrix-product flop
 * (sp_net_flops), forward APJN. The ratio of ns/flop says what the extra elementwise
 * work (RoPE, masking, the gate) costs beyond the products. The LLM block is also put
 * against its sgemm limit measured in the same run: plain OpenBLAS sgemm (threaded as
 * it likes) on the block's own matrix shapes with the P + 1 stacked batches.
 * --llama2-7b: the LLaMA-2-7B block (d 4096, SwiGLU 11008, 32 heads, GQA off, n 128,
 * 2 probes) alone, timed over --depth blocks (default 2) and extrapolated to its 32;
 * issue 11's goal is <= 1.3x the sgemm limit.
 * Usage: bench_llm [--width D] [--hidden F] [--tokens N] [--depth L] [--probes P]
 *                  [--threads T] [--llama2-7b] */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <omp.h>

#include "sigprop.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Seconds of one forward-APJN measurement of a (best of two runs). */
static double timed(const struct sp_arch *a, const struct sp_net_opts *o, double *jf)
{
    size_t nr = sp_net_nrows(a, o);
    struct sp_net_row *rows = calloc(nr, sizeof *rows);
    double best = 1e300;
    for (int r = 0; r < 2 && rows; r++) {
        double t0 = now();
        if (sp_net_measure(a, o, rows, nr) != SP_OK) {
            fprintf(stderr, "measure failed: %s\n", sp_last_error());
            free(rows);
            return -1.0;
        }
        double t = now() - t0;
        best = t < best ? t : best;
    }
    *jf = rows ? rows[nr - 1].j_fwd : 0.0;
    free(rows);
    return best;
}

/* GFLOP/s of plain sgemm on one block's products: Q, K, V, O (d x d; K and V
 * d x kv with grouped-query attention), the SwiGLU W1 and W3 (d x f) and W2
 * (f x d), each on M = n (P + 1) rows; best of three. */
static double sgemm_limit(size_t M, size_t d, size_t kv, size_t f, int threads)
{
    size_t big = f > d ? f : d;
    float *X = malloc(M * big * sizeof(float)), *W = malloc(d * big * sizeof(float));
    float *Y = malloc(M * big * sizeof(float));
    double best = 0.0;
    if (!X || !W || !Y)
        goto out;
    for (size_t i = 0; i < M * big; i++)
        X[i] = (float)((i * 2654435761u) % 1000u) * 1e-3f - 0.5f;
    for (size_t i = 0; i < d * big; i++)
        W[i] = (float)((i * 40503u) % 1000u) * 1e-4f - 0.05f;
    openblas_set_num_threads(threads);
    const size_t shapes[7][2] = {{d, d}, {d, kv}, {d, kv}, {d, d}, {d, f}, {d, f}, {f, d}};
    for (int r = 0; r < 4; r++) { /* the first is a warm-up */
        double t0 = now(), fl = 0.0;
        for (int k = 0; k < 7; k++) {
            size_t K = shapes[k][0], N = shapes[k][1];
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (blasint)M, (blasint)N,
                        (blasint)K, 1.0f, X, (blasint)K, W, (blasint)N, 0.0f, Y, (blasint)N);
            fl += 2.0 * (double)M * (double)N * (double)K;
        }
        double gf = fl / (now() - t0) / 1e9;
        if (r > 0 && gf > best)
            best = gf;
    }
out:
    free(X), free(W), free(Y);
    return best;
}

int main(int argc, char **argv)
{
    /* depth INT_MIN: not given (8, or 2 with --llama2-7b) */
    int d = 512, n = 128, depth = INT_MIN, probes = 2, threads = omp_get_max_threads();
    int hidden = 0, l7b = 0, target_depth = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--llama2-7b")) {
            l7b = 1;
            continue;
        }
        int *dst = !strcmp(argv[i], "--width")    ? &d
                   : !strcmp(argv[i], "--hidden")  ? &hidden
                   : !strcmp(argv[i], "--tokens")  ? &n
                   : !strcmp(argv[i], "--depth")   ? &depth
                   : !strcmp(argv[i], "--probes")  ? &probes
                   : !strcmp(argv[i], "--threads") ? &threads
                                                   : NULL;
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "usage: bench_llm [--width D] [--hidden F] [--tokens N] [--depth L] "
                            "[--probes P] [--threads T] [--llama2-7b]\n");
            return 2;
        }
        *dst = atoi(argv[++i]);
    }
    if (l7b) /* the target shape; --depth (default 2) blocks timed, 32 extrapolated */
        d = 4096, hidden = 11008, n = 128, probes = 2, target_depth = 32;
    if (depth == INT_MIN)
        depth = l7b ? 2 : 8;
    if (d < 64 || n < 1 || depth < 1 || probes < 1 || threads < 1 || hidden < 0)
        return 2;
    struct sp_arch vit, llm, gqa;
    sp_arch_default(&vit);
    vit.width = d, vit.tokens = n, vit.depth = depth, vit.heads = d / 64;
    llm = vit;
    llm.mlp_act = SP_ACT_SWIGLU;
    llm.mlp_hidden = hidden ? hidden : (8 * d / 3 + 63) / 64 * 64; /* LLaMA: 2/3 of 4d */
    llm.mask = SP_MASK_CAUSAL;
    llm.rope = SP_ROPE_INTERLEAVED;
    llm.norm_attn.kind = llm.norm_mlp.kind = SP_FN_RMS;
    gqa = llm;
    gqa.kv_heads = vit.heads >= 4 ? vit.heads / 4 : 1;
    char err[256];
    struct sp_arch *as[3] = {&vit, &llm, &gqa};
    const char *names[3] = {"ViT block (LN, ReLU 4d, bidirectional)",
                            "LLM block (RMS, SwiGLU, causal, RoPE)", "LLM block + GQA (kv = H/4)"};
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.probes = probes;
    o.measure = SP_MEASURE_FWD;
    o.threads = threads;
    printf("forward APJN, d %d, n %d, %d blocks, %d probes, %d threads\n", d, n, depth, probes,
           threads);
    double ns0 = 0.0, t_llm = 0.0;
    for (int i = l7b ? 1 : 0; i < (l7b ? 2 : 3); i++) {
        if (sp_arch_resolve(as[i], err, sizeof err) != SP_OK) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        double jf, t = timed(as[i], &o, &jf);
        if (t < 0.0)
            return 1;
        double fl = sp_net_flops(as[i], &o), ns = 1e9 * t / fl;
        if (i == 0)
            ns0 = ns;
        if (i == 1)
            t_llm = t;
        printf("  %-40s %.4f s/block, %.1f GFLOP/s, %.4f ns/flop", names[i], t / depth,
               fl / t / 1e9, ns);
        if (ns0 > 0.0)
            printf(" (x%.2f of ViT)", ns / ns0);
        printf(", J^{%d,0} %.4g\n", depth, jf);
    }
    /* the LLM block against plain sgemm on its own shapes, measured now */
    size_t M = (size_t)n * (size_t)(probes + 1);
    double gf = sgemm_limit(M, (size_t)d, (size_t)d, (size_t)llm.mlp_hidden, threads);
    double fl = sp_net_flops(&llm, &o), limit = fl / (gf * 1e9);
    printf("  sgemm on the LLM block's shapes (M = %zu): %.1f GFLOP/s; the LLM measurement "
           "takes %.2fx its limit (%.3f s against %.3f s)\n", M, gf, t_llm / limit, t_llm,
           limit);
    if (target_depth)
        printf("  extrapolated to %d blocks: %.1f s (sgemm limit %.1f s; goal <= 1.3x)\n",
               target_depth, t_llm * target_depth / depth, limit * target_depth / depth);
    return 0;
}
