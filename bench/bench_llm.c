/* bench_llm: the cost of the LLM-style block (causal mask, RoPE, RMSNorm, SwiGLU with
 * hidden width 2/3 of 4d, so the MLP has the FLOPs of the ViT block's; optionally GQA)
 * against the ViT block (bidirectional, LayerNorm, ReLU MLP 4d) at the same shape, both
 * measured now on this machine: seconds per block and ns per matrix-product flop
 * (sp_net_flops), forward APJN. The ratio of ns/flop says what the extra elementwise
 * work (RoPE, masking, the gate) costs beyond the products.
 * Usage: bench_llm [--width D] [--tokens N] [--depth L] [--probes P] [--threads T] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int main(int argc, char **argv)
{
    int d = 512, n = 128, depth = 8, probes = 2, threads = omp_get_max_threads();
    for (int i = 1; i < argc; i++) {
        int *dst = !strcmp(argv[i], "--width")    ? &d
                   : !strcmp(argv[i], "--tokens")  ? &n
                   : !strcmp(argv[i], "--depth")   ? &depth
                   : !strcmp(argv[i], "--probes")  ? &probes
                   : !strcmp(argv[i], "--threads") ? &threads
                                                   : NULL;
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "usage: bench_llm [--width D] [--tokens N] [--depth L] [--probes P] "
                            "[--threads T]\n");
            return 2;
        }
        *dst = atoi(argv[++i]);
    }
    if (d < 64 || n < 1 || depth < 1 || probes < 1 || threads < 1)
        return 2;
    struct sp_arch vit, llm, gqa;
    sp_arch_default(&vit);
    vit.width = d, vit.tokens = n, vit.depth = depth, vit.heads = d / 64;
    llm = vit;
    llm.mlp_act = SP_ACT_SWIGLU;
    llm.mlp_hidden = (8 * d / 3 + 63) / 64 * 64; /* LLaMA: 2/3 of 4d, rounded to 64 */
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
    double ns0 = 0.0;
    for (int i = 0; i < 3; i++) {
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
        printf("  %-40s %.4f s/block, %.1f GFLOP/s, %.4f ns/flop (x%.2f of ViT), J^{%d,0} %.4g\n",
               names[i], t / depth, fl / t / 1e9, ns, ns / ns0, depth, jf);
    }
    return 0;
}
