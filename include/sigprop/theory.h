/* sigprop/theory.h: the mean-field theory at infinite width (SPEC 3).
 * Double precision throughout; knows nothing about files or the finite network. */
#ifndef SIGPROP_THEORY_H
#define SIGPROP_THEORY_H

#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Gaussian maps of a per-component function (SPEC 3.1) ----
 * For (x, y) jointly Gaussian with variances q and covariance p:
 *   qt = E[f(x)^2], pt = E[f(x) f(y)], qh = E[f'(x)^2], ph = E[f'(x) f'(y)].
 * (The MLP activation's maps, ReLU, GELU and SiLU, are internal: src/theory/maps_mlp.c.)
 * Closed forms for LN, identity, ReLU and erf without shift; quadrature for
 * tanh and shifted erf, accurate to ~1e-10 relative for every alpha sqrt(q). */
struct sp_gmap {
    double qt, pt, qh, ph;
    double dpt;   /* pt - qt, computed without cancellation (SPEC 3.6) */
};
enum sp_status sp_gmap_eval(const struct sp_fnspec *f, double q, double p, struct sp_gmap *out);

/* ReLU kernels on inputs with correlation r in [-1, 1] (clamped):
 * kappa(r) = E[relu(u)relu(v)]/q, kappa'(r) = E[step(u)step(v)]. */
double sp_kappa(double r);
double sp_kappa_prime(double r);

/* ---- recursions (SPEC 3.2-3.4) ---- */
enum sp_attention {
    SP_ATTN_SOFTMAX,       /* version A, softmax mixing with s_QK */
    SP_ATTN_UNIFORM,       /* A = 1/n, n -> infinity form (author's final code) */
    SP_ATTN_UNIFORM_EXACT, /* A = 1/n, exact finite-n form */
    SP_ATTN_GAUSSIAN       /* softmax of Gaussian logits at O(1) s_QK, exact in n, with the
                            * logit path in the APJN (docs/derivations/softmax.md) */
};
enum sp_apjn {
    SP_APJN_SINGLE,        /* version A: chi = chi_attn chi_mlp */
    SP_APJN_TWO_CHANNEL    /* version C: (J, K) channels */
};
struct sp_theory_opts {
    enum sp_attention attention;
    enum sp_apjn apjn;
    int cn_exact;          /* two-channel: c_n = (n-1)/n instead of 1 */
    int sublayers;         /* rows after every sublayer instead of every block */
};
/* Version A (blog part 2) and version C (the author's final code). */
void sp_theory_opts_version_a(struct sp_theory_opts *o);
void sp_theory_opts_version_c(struct sp_theory_opts *o);
/* "A", "C", "C-exact" or "custom"; and a descriptive variant string. */
const char *sp_theory_version(const struct sp_theory_opts *o);

/* One row per block boundary l = 0..L (or per sublayer: l = 0, 0.5, 1, ...). */
struct sp_theory_row {
    double l;          /* block index; x.5 = after the attention sublayer */
    double q, p, rho;  /* residual-stream statistics (toy: q = K, p = rho = NAN) */
    double log_jfwd;   /* log J^{l,0} */
    double log_jbwd;   /* log J^{L,l} */
    double log_grad_amp; /* log E||dLoss/dh^l||^2 / E||dLoss/dh^L||^2 for a loss whose top
                          * gradient is the same for every token (measure's loss): the
                          * two-channel backward recursion from K = (n-1)/n, every version
                          * (docs/derivations/mlp.md); toy: = log_jbwd */
};
/* Number of rows sp_theory_run writes: L+1, or 2L+1 with sublayers (toy: L+1). */
size_t sp_theory_nrows(const struct sp_arch *a, const struct sp_theory_opts *o);
/* Runs the recursion. rows: (sp_theory_nrows) entries. a must be resolved.
 * Products of chi are sums of logs: depth 10^5 does not overflow. */
enum sp_status sp_theory_run(const struct sp_arch *a, const struct sp_theory_opts *o,
                             struct sp_theory_row *rows, size_t nrows);

/* ---- caveats: what the theory does not model ----
 * The modelling gaps of the theory for this (architecture, options) pair, each a
 * stable short code (for scripts and JSON) and a one-line text (for people):
 *   swiglu-lambda-slow      SwiGLU MLP with a DyT/Derf MLP norm: the subcritical lambda
 *                           holds once rho reaches c*, which takes far more than 10^5 blocks
 *   softmax-logit-gradient  a norm side is none and s_QK > 0: the APJN leaves out the
 *                           gradient through the softmax logits, which dominates
 *                           when nothing normalises h (docs/theory.md)
 *   softmax-far-from-uniform s_QK > 1: the logits are O(1), softmax is far from the
 *                           near-uniform attention both versions assume
 *   causal-uniform-attention a causal mask with s_QK > 0: the position-resolved theory
 *                           has uniform attention over each prefix (no softmax logits)
 *   rope-not-modelled       RoPE is left out (exact only at uniform attention)
 *   softmax-gaussian-partial version G, no mask, s_QK > 0: replaces the two softmax
 *                           caveats above; what G still leaves out (backward K-channel
 *                           logit path, first-order two-query moments)
 * (Grouped-query attention and RMSNorm need none: at mean field GQA changes no
 * expectation, and the theory's LN is RMSNorm.)
 * Writes at most max of them to out (may be NULL) and returns how many there are
 * (0: none). a must be resolved. Never fails; the strings are static. */
#define SP_CAVEATS_MAX 8
struct sp_caveat {
    const char *code;
    const char *text;
};
size_t sp_theory_caveats(const struct sp_arch *a, const struct sp_theory_opts *o,
                         struct sp_caveat *out, size_t max);

/* ---- asymptotics (SPEC 3.5) ---- */
enum sp_phase {
    SP_PHASE_CRITICAL,     /* power law J ~ l^zeta */
    SP_PHASE_SUBCRITICAL,  /* stretched exponential J ~ exp(sqrt(l/lambda)) */
    SP_PHASE_CHAOTIC,      /* exponential growth, chi* > 1 */
    SP_PHASE_ORDERED       /* exponential decay, chi* < 1 */
};
const char *sp_phase_name(enum sp_phase p); /* "critical", "subcritical", "chaotic", "ordered" */

struct sp_asymptotics {
    enum sp_phase phase;
    double zeta;     /* power-law exponent (critical), else NAN */
    double lambda;   /* stretched-exponential scale (subcritical), else NAN */
    double xi;       /* exponential scale 1/log chi* (chaotic/ordered), else NAN */
    double c_star, p_star; /* SPEC 3.5 fixed point (transformer, subcritical), else NAN */
    double l_star;   /* simulated transition depth: alpha^2 q first >= 1, else NAN */
    double l_star_estimate; /* toy small-alpha estimate log(1/a^2)/log(1+4a^2 sw^2/pi); 0 at a >= 1 */
};
/* rows, nrows: output of sp_theory_run (used for l_star); may be NULL. */
enum sp_status sp_theory_asymptotics(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const struct sp_theory_row *rows, size_t nrows,
                                     struct sp_asymptotics *out);

/* ---- phase-diagram sweeps over alpha ----
 * For i < nalpha, runs the forward recursion of a with the attention-norm alpha
 * alpha_attn[i] and the MLP-norm alpha alpha_mlp[i] (toy: phi alpha = alpha_mlp[i];
 * either array may be NULL to keep a's value) and writes log J^{l,0} at every
 * block boundary l = 0..L into log_j[i * (L+1) + l] and q^L into q_last[i]
 * (either output may be NULL). Vectorised over alpha (SIMD + OpenMP) for the
 * transformer with erf norms (no shift), every theory version; every other
 * configuration takes the scalar path (OpenMP over alpha). Results equal sp_theory_run's to ~1e-12 relative and do
 * not depend on the thread count. */
enum sp_status sp_theory_sweep_alpha(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const double *alpha_attn, const double *alpha_mlp,
                                     size_t nalpha, double *log_j, double *q_last);
/* The same on the scalar path only (the reference the SIMD path is tested against). */
enum sp_status sp_theory_sweep_alpha_scalar(const struct sp_arch *a,
                                            const struct sp_theory_opts *o,
                                            const double *alpha_attn, const double *alpha_mlp,
                                            size_t nalpha, double *log_j, double *q_last);

/* ---- one summary row per alpha (sigprop theory --summary) ----
 * For i < nalpha, the architecture a with the alphas of sp_theory_sweep_alpha
 * (alpha_attn[i], alpha_mlp[i]; toy: phi alpha = alpha_mlp[i]; either array may
 * be NULL to keep a's value), the block rows of sp_theory_run (o->sublayers is
 * ignored) and sp_theory_asymptotics of them, reduced to what a summary row
 * shows. The configurations of the SIMD sweep run vectorised over alpha (SIMD
 * + OpenMP) without storing any per-block row, the alpha-independent work of
 * the asymptotics (the c* root) done once; every other configuration runs
 * sp_theory_run + sp_theory_asymptotics per alpha (OpenMP over alpha). Values
 * equal the per-alpha path's to ~1e-12 relative (l*: the same block) and do
 * not depend on the thread count. */
struct sp_theory_summary {
    enum sp_status status;   /* SP_OK, or why this alpha failed (the row is then NAN) */
    double q_L, p_L;         /* statistics at block L (toy: q_L = K^L, p_L = NAN) */
    double log_j_L;          /* log J^{L,0} */
    struct sp_asymptotics as;
};
/* rows: (nalpha). Returns SP_OK when every row is, else the status of the
 * first failing row, with sp_last_error() naming its alphas. */
enum sp_status sp_theory_summary_batch(const struct sp_arch *a, const struct sp_theory_opts *o,
                                       const double *alpha_attn, const double *alpha_mlp,
                                       size_t nalpha, struct sp_theory_summary *rows);
/* The same, per alpha only (sp_theory_run + sp_theory_asymptotics; the
 * reference the vectorised path is tested against). */
enum sp_status sp_theory_summary_batch_scalar(const struct sp_arch *a,
                                              const struct sp_theory_opts *o,
                                              const double *alpha_attn,
                                              const double *alpha_mlp, size_t nalpha,
                                              struct sp_theory_summary *rows);

#ifdef __cplusplus
}
#endif
#endif
