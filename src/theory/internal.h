/* Internal to src/theory: the per-sublayer forward record shared by the
 * recursion, the asymptotics and the alpha sweeps. */
#ifndef SP_THEORY_INTERNAL_H
#define SP_THEORY_INTERNAL_H

#include "sigprop/theory.h"

/* One sublayer of the transformer (index 2l: attention of block l, 2l+1: MLP). */
struct sp_sublayer {
    double q, p;          /* statistics at the sublayer input */
    struct sp_gmap m;     /* Gaussian maps of its norm at (q, p) */
    double r;             /* pt / qt, clamped to [-1, 1] */
    double kp;            /* kappa'(r) (MLP only; GELU, SwiGLU: E[phi'(u)phi'(v)]) */
    double jc, kc;        /* MLP only: J <- (1 + jc qh) J, K <- (1 + kc ph) K (SPEC 3.4) */
    double dq, dp;        /* forward increments, SPEC 3.3 */
    double log_chi;       /* single-channel log chi of this sublayer, SPEC 3.4 version A */
    /* attention with SP_ATTN_GAUSSIAN only (softmax.c), else gauss = 0: the softmax
     * moments sq = E sum_b P_b^2, sp = E sum_b P_b P'_b (value path) and
     * lq, lp = the logit path's rq, rp times s_QK (qt - pt) (docs/derivations/softmax.md) */
    int gauss;
    double sq, sp, lq, lp;
    double lqx; /* lq with the query norm's weight X (= lq at infinite head dimension) */
};

/* SPEC 3.3: the forward step of one sublayer (mlp = 0: attention) at (q, p). */
enum sp_status sp_sublayer_forward(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   int mlp, double q, double p, struct sp_sublayer *out);
/* Forward statistics of all 2L sublayers. sl: (2L). */
enum sp_status sp_transformer_sublayers(const struct sp_arch *a, const struct sp_theory_opts *o,
                                        struct sp_sublayer *sl);
/* log J^{k,0} (fwd) and log J^{2L,k} (bwd) at every sublayer boundary k. fwd, bwd: (2L+1). */
enum sp_status sp_apjn_logs(const struct sp_arch *a, const struct sp_theory_opts *o,
                            const struct sp_sublayer *sl, double *fwd, double *bwd);

/* Position-resolved recursions (causal.c) of the whole network into rows
 * (sp_theory_nrows of them): causal = 1, uniform attention over each token's
 * visible prefix (the causal theory); causal = 0, uniform over all n tokens,
 * which must equal version C-exact (the test of the mechanism). Attention is
 * uniform whatever o says; o->sublayers chooses the rows. */
enum sp_status sp_theory_run_positions(const struct sp_arch *a, const struct sp_theory_opts *o,
                                       int causal, struct sp_theory_row *rows);

/* The architecture the recursions see: the input statistics times embed_scale^2
 * (then embed_scale 1, so applying it twice changes nothing); SP_EUNSUPPORTED
 * with a reason for what the theory cannot compute yet. */
enum sp_status sp_theory_effective_arch(const struct sp_arch *a, struct sp_arch *out);

/* ---- the MLP activation (maps_mlp.c, docs/derivations/mlp.md) ---- */
enum sp_mlp_phi { SP_PHI_RELU, SP_PHI_GELU, SP_PHI_SILU };
/* For (u, v) jointly Gaussian, variances s, covariance c (|c| <= s, clamped):
 * e2 = E[phi(u)^2], e11 = E[phi(u)phi(v)], d2 = E[phi'(u)^2], d11 = E[phi'(u)phi'(v)].
 * ReLU in closed form; GELU and SiLU by quadrature, within 1e-11 relative of an
 * independent reference (tests/test_maps_mlp.c). */
struct sp_phi_maps {
    double e2, e11, d2, d11;
};
enum sp_status sp_mlp_phi_maps(enum sp_mlp_phi f, double s, double c, struct sp_phi_maps *out);
/* The same at unequal variances (the causal theory's token pairs): u ~ N(0, sa),
 * v ~ N(0, sb), Cov c (|c| <= sqrt(sa sb), clamped); e2, d2 are u's. At sa = sb
 * the numbers of sp_mlp_phi_maps, bit for bit (it calls this). */
enum sp_status sp_mlp_phi_pair(enum sp_mlp_phi f, double sa, double sb, double c,
                               struct sp_phi_maps *out);

/* The MLP sublayer of a (ReLU, GELU or SwiGLU) at its norm's maps m, r = pt/qt:
 * q += dq, p += dp; J <- (1 + jc qh) J; K <- (1 + kc ph) K; kp as in sp_sublayer. */
struct sp_mlp_coef {
    double dq, dp, jc, kc, kp;
};
enum sp_status sp_mlp_terms(const struct sp_arch *a, const struct sp_gmap *m, double r,
                            struct sp_mlp_coef *out);

/* ---- softmax attention at O(1) logits (softmax.c, docs/derivations/softmax.md) ----
 * Moments of P = softmax over n keys of Gaussian logits with variance v per logit
 * (after the query- and key-common modes, which cancel) and covariance c between
 * the logits of two queries at the same key (|c| <= v):
 *   sq = E sum_b P_b^2, t3 = E sum_b P_b^3, q4 = E (sum_b P_b^2)^2        (one query)
 *   sp = E sum_b P_b P'_b, t21 = E sum_b P_b^2 P'_b, q22 = E (sum_b P_b P'_b)^2 (two)
 *   rq = sq - 2 t3 + q4, rp = sp - 2 t21 + q22 (the logit-path weights);
 *   norm = E sum_b P_b, which is 1: the quadrature's self-check.
 * One query exact in n; two queries to first order in the covariance of their
 * denominators. SP_EUNSUPPORTED above v = 25. ~1-5 ms. */
struct sp_softmax_moments {
    double sq, t3, q4, sp, t21, q22, rq, rp, norm;
};
enum sp_status sp_softmax_moments(double n, double v, double c, struct sp_softmax_moments *out);
/* One query's moments at finite head dimension dh: the query's norm makes its
 * logit variance v X with X = |W_Q x|^2 / (dh sigma_Q^2 qt) ~ chi^2_dh / dh, so
 * sq = E sq(v X), rq = E rq(v X) and rqx = E X rq(v X) (the logit path's
 * key-perturbation part, whose variance carries the query norm);
 * docs/derivations/softmax.md section 5. dh <= 0 or infinite: X = 1. */
struct sp_softmax_query {
    double sq, rq, rqx;
};
enum sp_status sp_softmax_query_moments(double n, double v, double dh,
                                        struct sp_softmax_query *out);
/* Softmax moments for prefixes of k = 1..kmax keys (the causal theory: token a
 * sees k = a + 1 keys), tabulated: nodes in k (1..8, then about 2^(1/4) apart, and
 * kmax) and in sqrt(v) (step 0.1), each computed by sp_softmax_moments only when a
 * lookup needs it; lookups interpolate (6 points in sqrt(v) of the logs, 4 in log k
 * of k times the moment), within ~2e-5 relative of the direct moments for v <= 7
 * (tests/test_softmax.c). Lookups come in two passes: with mark = 1 they only flag
 * the nodes they need, sp_softmax_table_fill computes those (in parallel, each
 * alone: no thread-count dependence), then mark = 0 interpolates.
 *   _query: one query's sq, rq, rqx averaged over its norm at the table's head
 *   dimension dh (as sp_softmax_query_moments; dh <= 0: X = 1);
 *   _pair: two queries sharing m keys, variance v, covariance c at each key: sp, rp
 *   linear in expm1(c) / expm1(v) between c = 0 (independent queries) and c = v (one
 *   query), both exact; exact at m -> infinity, a few % low at v ~ 1-2 (softmax.c). */
struct sp_softmax_table;
enum sp_status sp_softmax_table_new(int kmax, double dh, struct sp_softmax_table **out);
void sp_softmax_table_free(struct sp_softmax_table *t);
enum sp_status sp_softmax_table_fill(struct sp_softmax_table *t);
enum sp_status sp_softmax_table_query(struct sp_softmax_table *t, int k, double v, int mark,
                                      struct sp_softmax_query *out);
enum sp_status sp_softmax_table_pair(struct sp_softmax_table *t, int m, double v, double c,
                                     int mark, double *sp, double *rp);
/* The attention sublayer with SP_ATTN_GAUSSIAN at out->m (set by the caller): dq, dp,
 * log_chi and the gauss fields of out. */
enum sp_status sp_softmax_sublayer(const struct sp_arch *a, struct sp_sublayer *out);
/* Its two-channel step with J = 1 on entry: returns J' - 1 and sets *K to K'/J'. */
double sp_softmax_step(const struct sp_arch *a, double cn, const struct sp_sublayer *sl,
                       int forward, double *K);

#endif
