/* net_internal.h: the finite-width network's kernels and sublayers, shared by
 * the files of src/net and the tests (tests include src/). Activations are float, stored
 * as row-major (rows, d) matrices; B "batches" of n token rows are stacked: batch 0
 * is the primal, batches 1..B-1 are tangents (forward mode). In reverse mode all
 * batches are cotangents of one primal whose intermediates are saved. */
#ifndef SP_NET_INTERNAL_H
#define SP_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sigprop/core.h"
#include "sigprop/net.h"

#define NET_LN_EPS 1e-5f
/* Loops with less work than this stay on one thread: OpenMP's and OpenBLAS's
 * thread pools otherwise take turns spinning on the same cores. */
#define NET_PAR_MIN 131072
extern size_t net_par_min; /* NET_PAR_MIN; the tests set 0 to run every loop in parallel */
#define NET_PAR(work) ((size_t)(work) >= net_par_min)

/* ---- random numbers (rng.c) ---- */
/* Matrix ids of the counter (SPEC: keyed by seed, draw, block, matrix). */
enum net_mat {
    NET_MAT_QKV = 1, NET_MAT_O, NET_MAT_W1, NET_MAT_W2, NET_MAT_TOY_W, NET_MAT_TOY_B,
    NET_MAT_HEAD, NET_MAT_LABEL, NET_MAT_INPUT, NET_MAT_PROBE_FWD, NET_MAT_PROBE_BWD,
    NET_MAT_W3, /* SwiGLU's gate-partner matrix; after the others, so their ids keep values */
    NET_MAT_EMBED, NET_MAT_TOKEN_IDS, /* sp_net_embedding_rows, sp_llama2c_sample_ids */
    NET_MAT_POSITION                  /* sp_net_add_position_rows */
};
struct net_key {
    uint64_t seed;
    uint32_t draw;   /* weight draw k = 0..K-1 */
    uint32_t block;  /* block index (or probe index for probes) */
};
/* out[i] = scale * z_i, z_i standard normal; element i depends only on (key, mat, i),
 * never on the thread count (Philox4x32-10 counter (i/4, block, mat, draw)). */
void net_normal(float *out, size_t count, float scale, struct net_key key, uint32_t mat);
/* The portable path of net_normal (libm); equal to the SIMD paths to ~1e-6. */
void net_normal_scalar(float *out, size_t count, float scale, struct net_key key, uint32_t mat);
/* The SIMD paths net_normal dispatches to (x86-64 builds only; call them only when
 * sp_cpu_best_isa() has the ISA): AVX2 (rng_avx2.c, eight counters at a time) and
 * AVX-512F (rng_avx512.c, sixteen), which gives the AVX2 path's bits exactly. */
void net_normal_avx2(float *out, size_t count, float scale, struct net_key key, uint32_t mat);
void net_normal_avx512(float *out, size_t count, float scale, struct net_key key, uint32_t mat);
/* One uniform 32-bit integer from (key, mat, index). */
uint32_t net_uint32(struct net_key key, uint32_t mat, uint32_t index);

/* ---- kernels (kernels.c) ---- */
/* When nonzero, net_gemm uses the naive reference loops (double accumulation). */
extern int net_naive_gemm;
/* Row-major C (M x N) = alpha op(A) op(B) + beta C; op = transpose when ta / tb. */
/* Sets OpenBLAS to one thread (net_model_init calls it): net_gemm tiles by shape
 * and runs tiles and heads on OpenMP threads, so the numbers do not depend on the
 * thread count and the two thread pools do not fight over the cores. */
int net_gemm_init(void);     /* OpenBLAS on one thread; returns the count to restore */
void net_gemm_done(int prev); /* gives OpenBLAS its thread count back */
void net_gemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
              size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);
void net_gemm_naive(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* Per-component function and its derivative (erf, tanh, identity, relu). */
float net_fn(const struct sp_fnspec *f, float x);
float net_fn_deriv(const struct sp_fnspec *f, float x);

/* Norm with tangents: x (B n, d) with batch 0 primal; writes y (B n, d): y_0 = f(x_0),
 * y_b = J(x_0) x_b. rstd (n): LayerNorm 1/sqrt(var + eps), RMSNorm 1/sqrt(mean x^2 + eps)
 * of each primal row (out). net_norm_fwd uses eps = NET_LN_EPS. */
void net_norm_fwd(const struct sp_fnspec *f, const float *x, float *y, float *rstd, size_t n,
                  size_t d, size_t B);
void net_norm_fwd_eps(const struct sp_fnspec *f, float eps, const float *x, float *y, float *rstd,
                      size_t n, size_t d, size_t B);
/* Cotangents: g (Bg n, d) -> out (Bg n, d) = J(x)^T g, with x (n, d) the primal input,
 * y (n, d) = f(x) and rstd (n) from net_norm_fwd. accumulate: out += instead of =. */
void net_norm_vjp(const struct sp_fnspec *f, const float *x, const float *y, const float *rstd,
                  const float *g, float *out, size_t n, size_t d, size_t Bg, int accumulate);

/* MLP activation (relu / gelu; silu for SwiGLU's gate) and derivative. */
float net_act(enum sp_mlp_act a, float z);
float net_act_deriv(enum sp_mlp_act a, float z);

/* ---- the model: sizes, workspace, sublayers (model.c) ---- */
struct net_saved {        /* primal intermediates of one block, for reverse mode */
    float *x;             /* (n, d) block input */
    float *u1;            /* (n, d) attention-norm output */
    float *t;             /* (n, 3d) Q | K | V */
    float *a;             /* (H, n, n) attention probabilities */
    float *hh;            /* (n, d) h^{l+1/2} */
    float *u2;            /* (n, d) MLP-norm output */
    float *z;             /* (n, f) MLP pre-activation (SwiGLU: W1 u) */
    float *z3;            /* (n, f) SwiGLU: W3 u */
    float *rstd1, *rstd2; /* (n) */
};

struct net_model {
    struct sp_arch a;
    size_t n, d, H, dh, f;    /* tokens, width, heads, head width, MLP hidden width */
    size_t kv, ldt;           /* K/V heads; row length of T: Q (d) | K (kv dh) | V (kv dh) */
    float eps;                /* norm epsilon (arch.norm_eps) */
    float *rope;              /* (n, dh): cos of pair k at [a dh + k], sin at [a dh + dh/2 + k] */
    const struct sp_net_weights *wts; /* stored weights, or NULL: Philox on demand */
    size_t bmax;              /* batches the workspace holds */
    float *w;                 /* one weight matrix at a time: max(3d d, f d) */
    float *bias;              /* toy bias (d) */
    float *u;                 /* (bmax n, d) */
    float *tz;                /* (bmax n, max(4d, f or SwiGLU 2f)): T | O, later Z (| Z3)
                               * (forward); gT/gZ (| gZ3) (reverse) */
    float *go;                /* (bmax n, d) reverse: gradient of the attention output */
    float *s1, *s2;           /* (H, bmax n, n) attention scratch, one per head */
    float *rstd;              /* (n) */
    struct net_saved sv;
    size_t bytes;             /* allocated workspace */
    int blas_threads;         /* OpenBLAS's thread count before init, restored by free */
};
/* Sizes the workspace for up to bmax batches. SP_ENOMEM, SP_EINVAL. */
enum sp_status net_model_init(struct net_model *m, const struct sp_arch *a, size_t bmax);
void net_model_free(struct net_model *m);
/* Bytes net_model_init would allocate (double: no overflow). */
double net_model_bytes(const struct sp_arch *a, size_t bmax);

/* Forward mode, in place on x (B n, d): batch 0 primal, the others tangents.
 * save: also store primal intermediates in m->sv (needs B == 1 semantics for x_0). */
void net_attn_forward(struct net_model *m, struct net_key key, float *x, size_t B, int save);
void net_mlp_forward(struct net_model *m, struct net_key key, float *x, size_t B, int save);
void net_toy_forward(struct net_model *m, struct net_key key, float *x, size_t B);
/* Applies norm_mlp (final norm, times the stored final gain) to x (B n, d) into y with
 * tangents. */
void net_final_norm(struct net_model *m, const float *x, float *y, size_t B);
/* Cotangents through the final norm: g (Bg n, d) at its output -> out (Bg n, d) at its
 * input x (n, d); g is scaled by the final gain in place; y (n, d) is scratch. */
void net_final_norm_vjp(struct net_model *m, const float *x, float *y, float *g, float *out,
                        size_t Bg);

/* Reverse mode: g (Bg n, d) cotangents at the sublayer output -> at its input, in
 * place. The block's primal intermediates must be in m->sv (net_block_save). */
void net_block_save(struct net_model *m, struct net_key key, const float *x);
void net_mlp_backward(struct net_model *m, struct net_key key, float *g, size_t Bg);
void net_attn_backward(struct net_model *m, struct net_key key, float *g, size_t Bg);
/* Toy: x (n = 1, d) is the primal layer input. */
void net_toy_backward(struct net_model *m, struct net_key key, const float *x, float *g,
                      size_t Bg);

/* ---- inputs (measure.c) ---- */
/* The input tokens x (n, d) of draw key.draw (SPEC 4): equiangular (n <= d) or
 * Gaussian (p0 >= 0). R: n d doubles of scratch. SP_EINVAL when impossible. */
enum sp_status net_make_input(const struct sp_arch *a, const struct sp_net_opts *o,
                              struct net_key key, size_t n, size_t d, float *x, double *R);

#endif
