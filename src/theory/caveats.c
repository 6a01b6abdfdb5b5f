/* The modelling gaps of the mean-field theory for one (architecture, theory
 * options) pair: what the finite network does that the recursions of SPEC 3 do
 * not compute. Commands print them, record them, and never hide them. */
#include <math.h>
#include <stddef.h>

#include "sigprop/theory.h"

static const struct sp_caveat lambda_swiglu = {
    "swiglu-lambda-slow",
    "SwiGLU MLP with a bounded norm: lambda assumes the residual cosine has reached c*, "
    "which the recursion approaches slowly (at 10^5 blocks the slope of log J still gives a "
    "lambda about 20% above it; docs/derivations/mlp.md)"};
static const struct sp_caveat logits = {
    "softmax-logit-gradient",
    "no norm on a side with softmax attention and s_QK > 0: the theory leaves out the "
    "gradient through the softmax logits, which dominates without a norm (APJN can be "
    "off by orders of magnitude); set --sigma-q 0 or --sigma-k 0, or use a norm"};

static const struct sp_caveat nonuniform = {
    "softmax-far-from-uniform",
    "s_QK > 1: the attention logits are O(1) or larger and softmax is far from uniform; "
    "both theory versions assume near-uniform attention and can be off by a large factor "
    "(check with sigprop compare)"};

static const struct sp_caveat gauss = {
    "softmax-gaussian-partial",
    "theory version G (--attention gaussian): the backward APJN keeps the logit path in "
    "the same-token channel only, and the two-query softmax moments are first order in the "
    "keys' shared covariance (a few % in E sum P P' at logit variance > 2) and at infinite "
    "head dimension (one query's are averaged over its norm; docs/derivations/softmax.md)"};

static const struct sp_caveat causal = {
    "causal-uniform-attention",
    "causal mask: the theory is position-resolved with uniform attention over each token's "
    "visible prefix (docs/derivations/causal.md), whatever the version flags; the softmax "
    "logits (s_QK > 0) are not modelled"};
static const struct sp_caveat causal_gauss = {
    "causal-gaussian-partial",
    "causal mask with theory version G (--attention gaussian): softmax over each token's "
    "prefix with its keys taken as equicorrelated (their mean variance and overlap), the "
    "two-query moments interpolated between independent and identical queries, the longer "
    "query on the shared keys as its mass fraction times a softmax over them, and at "
    "infinite head dimension (one query's averaged over its norm); "
    "docs/derivations/causal.md"};
static const struct sp_caveat rope = {
    "rope-not-modelled",
    "rotary position embeddings: the theory leaves them out (exact at uniform attention, "
    "where the rotated logits do not matter; not beyond)"};

size_t sp_theory_caveats(const struct sp_arch *a, const struct sp_theory_opts *o,
                         struct sp_caveat *out, size_t max)
{
    /* the finite network always has softmax attention, whatever the theory's version;
     * version G models it, bidirectional and causal (position-resolved) */
    const struct sp_caveat *list[SP_CAVEATS_MAX];
    size_t n = 0;
    if (a->model == SP_MODEL_TRANSFORMER) {
        if (a->mlp_act == SP_ACT_SWIGLU &&
            (a->norm_mlp.kind == SP_FN_DERF || a->norm_mlp.kind == SP_FN_DYT))
            list[n++] = &lambda_swiglu;
        double sq = a->sigma_q * a->sigma_k;
        int g = o && o->attention == SP_ATTN_GAUSSIAN;
        if (g && isfinite(sq) && sq > 0.0)
            list[n++] = a->mask == SP_MASK_CAUSAL ? &causal_gauss : &gauss;
        if (!g && (a->norm_attn.kind == SP_FN_IDENTITY || a->norm_mlp.kind == SP_FN_IDENTITY) &&
            isfinite(sq) && sq > 0.0)
            list[n++] = &logits;
        if (!g && isfinite(sq) && sq * sq > 1.0) /* s_QK = (sigma_Q sigma_K)^2 */
            list[n++] = &nonuniform;
        if (!g && a->mask == SP_MASK_CAUSAL && isfinite(sq) && sq > 0.0)
            list[n++] = &causal;
        if (a->rope != SP_ROPE_NONE && isfinite(sq) && sq > 0.0)
            list[n++] = &rope;
    }
    for (size_t i = 0; i < n && i < max && out; i++)
        out[i] = *list[i];
    return n;
}
