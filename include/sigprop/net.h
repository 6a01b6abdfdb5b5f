/* sigprop/net.h: finite-width networks at initialisation (SPEC 1, 2, 4) and the
 * measurement engine: token statistics q, p, rho, forward and backward APJN by
 * Hutchinson probes (forward- and reverse-mode products), gradient amplification.
 * Float32 activations, double accumulation; weights regenerated on demand from a
 * counter-based generator (Philox4x32-10) keyed by (seed, draw, block, matrix), so
 * memory does not grow with depth and results do not depend on the thread count. */
#ifndef SIGPROP_NET_H
#define SIGPROP_NET_H

#include <stdint.h>

#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sp_net_input {
    SP_INPUT_EQUIANGULAR, /* exact statistics x_a.x_a = d q0, x_a.x_b = d p0 (SPEC 4; d >= n) */
    SP_INPUT_GAUSSIAN     /* Gaussian tokens with the same covariance (needs p0 >= 0) */
};

/* What one pass measures (bit mask). */
enum {
    SP_MEASURE_FWD = 1,   /* J^{l,0}: forward-mode probes pushed up from block 0 */
    SP_MEASURE_BWD = 2,   /* J^{L,l}: reverse-mode probes pulled down from the top */
    SP_MEASURE_GRAD = 4,  /* ||dLoss/dh^l||^2 / ||dLoss/dh^L||^2 */
    SP_MEASURE_ALL = 7
};

/* Loss of the gradient amplification (SPEC 2 leaves it open; this is sigprop's):
 * cross-entropy of a random linear head W_head (d x SP_NET_CLASSES, entries
 * Normal(0, 1/d)) on the mean over tokens of the final features (after the final
 * norm when arch.final_norm), with a uniformly random label, per weight draw. */
#define SP_NET_CLASSES 10

struct sp_net_opts {
    int seeds;            /* K independent weight draws (and inputs), >= 1 */
    int probes;           /* P Hutchinson probes per draw, >= 1 */
    uint64_t seed;        /* master seed */
    int threads;          /* OpenMP threads; 0 = as they are. OpenBLAS is set to one
                           * thread during the call and given its count back on
                           * return: products are tiled by shape and the tiles shared
                           * out by OpenMP, so results do not depend on the count */
    enum sp_net_input input;
    unsigned measure;     /* SP_MEASURE_* mask; statistics are always measured */
    int sublayers;        /* rows after each sublayer too: l = 0, 0.5, 1, ... (transformer) */
    int exclude_cls;      /* q, p, rho over tokens 1..n-1 (token 0 is a CLS token) */
    int checkpoint;       /* reverse mode: blocks per checkpoint segment; 0 = ceil(sqrt(L)) */
    /* Progress callback (may be NULL): called from the calling thread with work
     * units done out of total. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
};
void sp_net_opts_default(struct sp_net_opts *o); /* 1 seed, 4 probes, seed 1, all */

/* One row per block boundary (or sublayer). Means over draws and probes; _se are
 * standard errors (across draws when seeds >= 2, else across probes). NAN where
 * not measured or not defined (p, rho with one token). */
struct sp_net_row {
    double l;
    double q, q_se, p, p_se, rho;
    double j_fwd, j_fwd_se;     /* J^{l,0} */
    double j_bwd, j_bwd_se;     /* J^{L,l} */
    double grad_amp, grad_amp_se;
};

/* Rows sp_net_measure writes: L+1, or 2L+1 with sublayers on a transformer. */
size_t sp_net_nrows(const struct sp_arch *a, const struct sp_net_opts *o);

/* Bytes of workspace sp_net_measure allocates for this configuration (exact, from
 * the same sizing code; excludes OpenBLAS's own buffers and the per-row records
 * below). Returned as a double so that absurd configurations do not overflow.
 * Forward-only runs do not grow with L; reverse mode grows as sqrt(L) (checkpoints). */
double sp_net_workspace_bytes(const struct sp_arch *a, const struct sp_net_opts *o);
/* Bytes of the per-row records (every draw and probe, for the standard errors):
 * seeds * rows * (4 + 2 probes) doubles. */
double sp_net_record_bytes(const struct sp_arch *a, const struct sp_net_opts *o);
/* Floating-point operations of matrix products one sp_net_measure call performs. */
double sp_net_flops(const struct sp_arch *a, const struct sp_net_opts *o);

/* Matrix-product throughput (FLOP/s) of this machine at the configuration's
 * dominant shape, measured now in about 0.05 s; 0 on allocation failure. With
 * sp_net_flops it estimates a run's time before starting it. */
double sp_net_gemm_rate(const struct sp_arch *a, const struct sp_net_opts *o);

/* Estimated seconds of sp_net_measure(a, o): a shortened run (one draw, min(L, 2)
 * blocks, same shape, probes and passes) timed now on this machine, scaled by
 * sp_net_flops of the full run over the short one's; *probe_s (may be NULL) gets
 * the short run's time. 0 on failure. Costs about two short runs. */
double sp_net_time_estimate(const struct sp_arch *a, const struct sp_net_opts *o,
                            double *probe_s);

/* SP_OK if the finite network implements every option of a (resolved), else
 * SP_EUNSUPPORTED with the reason (sp_last_error), e.g. an option whose
 * measurement is not implemented yet. sp_net_measure checks it too. */
enum sp_status sp_net_supported(const struct sp_arch *a);

struct sp_net_weights;
/* Checks a run before it starts: options against the architecture (seeds, probes,
 * passes, the resolved shape, exclude_cls) and, unless w holds the input rows
 * (w->tokens), the configured input against it (equiangular: tokens <= width and
 * -1/(n-1) <= p0/q0 <= 1; gaussian: 0 <= p0 <= q0). SP_EINVAL with the reason
 * (sp_last_error); sp_net_measure_weights calls it first. w may be NULL. */
enum sp_status sp_net_check(const struct sp_arch *a, const struct sp_net_opts *o,
                            const struct sp_net_weights *w);

/* Runs the measurement. a must be resolved (sp_arch_resolve). rows: nrows entries.
 * SP_EUNSUPPORTED in a build without OpenBLAS (-DSP_WITH_BLAS=OFF).
 * SP_EINVAL on a bad option (equiangular input with n > d, Gaussian with p0 < 0),
 * SP_ENOMEM, SP_ENUMERIC when the network produces a non-finite value. */
enum sp_status sp_net_measure(const struct sp_arch *a, const struct sp_net_opts *o,
                              struct sp_net_row *rows, size_t nrows);

/* Stored weights, an alternative to the Philox draws (for trained checkpoints).
 * Every matrix is float, row-major (out, in), applied as y = W x to a token x, as in
 * PyTorch's nn.Linear and llama2.c: with d = width, dh = d / heads, kvd = kv_heads dh,
 * f = sp_arch_mlp_hidden:
 *   wq (d, d), wk (kvd, d), wv (kvd, d), wo (d, d): Q = W_Q u per token, attention
 *       out = W_O concat_h(heads); RoPE (arch.rope) is applied to W_Q u and W_K u;
 *   w1 (f, d), w3 (f, d) (SwiGLU only), w2 (d, f): W_2 act(W_1 u) or
 *       W_2 (silu(W_1 u) * (W_3 u));
 *   gain_attn, gain_mlp (d): the norms' gamma, y = gamma * norm(x) (also for DyT/Derf).
 * A NULL matrix is drawn from Philox as sp_net_measure would draw it (scaled by its
 * sigma); a NULL gain is 1. The stored values are used as they are: the arch's sigmas
 * do not rescale them.
 * The terms of a trained sigprop ViT (sigprop/vit_export.h; LLaMA has none of them),
 * every one optional, NULL = absent (0) or the arch's value:
 *   bq (d), bk (kvd), bv (kvd): added to W_Q u, W_K u, W_V u (before RoPE);
 *   bo (d): attention out = W_O concat_h(heads) + bo;
 *   b1 (f), b2 (d): W_2 act(W_1 u + b1) + b2 (SwiGLU: b1 on W_1 u, W_3 u has none);
 *   beta_attn, beta_mlp (d): the norms' shift, y = gamma * norm(x) + beta;
 *   alpha_attn, shift_attn, alpha_mlp, shift_mlp: one float each, this block's learned
 *       alpha and shift of a DyT/Derf norm, phi(alpha x + shift) (NULL = arch.norm_*'s;
 *       ignored for LayerNorm/RMSNorm).
 * They change the primal only; tangents and cotangents go through the same Jacobians
 * evaluated at the shifted primal. */
struct sp_net_block_weights {
    const float *wq, *wk, *wv, *wo;
    const float *w1, *w3, *w2;
    const float *gain_attn, *gain_mlp;
    const float *bq, *bk, *bv, *bo, *b1, *b2;
    const float *beta_attn, *beta_mlp;
    const float *alpha_attn, *shift_attn, *alpha_mlp, *shift_mlp;
};
struct sp_net_weights {
    const struct sp_net_block_weights *blocks; /* arch.depth entries */
    const float *gain_final; /* (d): gamma of the final norm (arch.final_norm); NULL = 1 */
    const float *tokens;     /* (n, d) row-major: the input rows (embedding rows of a token
                              * sequence) before arch.embed_scale, the same in every draw;
                              * NULL = the configured input (opts.input) */
    size_t token_sets;       /* 0: tokens as above; >= 1: tokens holds token_sets row sets
                              * (token_sets, n, d) and draw k starts from set k (real
                              * inputs, e.g. one image per draw); opts.seeds must not
                              * exceed token_sets (SP_EINVAL) */
    const float *beta_final; /* (d): the final norm's shift, gamma norm(x) + beta; NULL = 0 */
    const float *alpha_final, *shift_final; /* one float each: the final DyT/Derf norm's
                              * alpha and shift; NULL = arch.norm_mlp's */
};

/* Rows of a fixed random embedding table: out[k d + j] = std z, z standard normal
 * determined by (seed, ids[k], j) alone (the Philox generator of the weights), so a
 * repeated id repeats its row, whatever the thread count. ids >= 0. */
enum sp_status sp_net_embedding_rows(uint64_t seed, const int *ids, size_t n, size_t d,
                                     double std, float *out);
/* Learned absolute position embeddings at initialisation (GPT-2's wpe, HF init
 * N(0, initializer_range^2)) added to n token rows: rows[a d + j] += std z, z standard
 * normal determined by (seed, a, j) alone, a table apart from the token table's. The
 * input's q grows by std^2; two positions' rows stay uncorrelated in this part. */
enum sp_status sp_net_add_position_rows(uint64_t seed, size_t n, size_t d, double std,
                                        float *rows);

/* sp_net_measure with stored weights w (may be NULL: then it is sp_net_measure).
 * Every draw uses the same stored matrices; draws still differ in their probes, in
 * the loss head and label, and (when w->tokens is NULL) in the input. The toy model
 * has no stored weights (SP_EUNSUPPORTED). */
enum sp_status sp_net_measure_weights(const struct sp_arch *a, const struct sp_net_opts *o,
                                      const struct sp_net_weights *w, struct sp_net_row *rows,
                                      size_t nrows);

#ifdef __cplusplus
}
#endif
#endif
