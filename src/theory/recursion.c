/* Mean-field recursions at infinite width: the toy residual network (SPEC 3.2)
 * and the transformer forward statistics and APJN (SPEC 3.3, 3.4), version A
 * (softmax, one channel) and version C (uniform, two channels), with the exact
 * finite-n variants. Products of chi are sums of logs; the two-channel vector is
 * renormalised every step, so no depth overflows. */
#include <math.h>
#include <stdlib.h>

#include "sigprop/theory.h"
#include "theory/internal.h"

void sp_theory_opts_version_a(struct sp_theory_opts *o)
{
    o->attention = SP_ATTN_SOFTMAX;
    o->apjn = SP_APJN_SINGLE;
    o->cn_exact = 0;
    o->sublayers = 0;
}

void sp_theory_opts_version_c(struct sp_theory_opts *o)
{
    o->attention = SP_ATTN_UNIFORM;
    o->apjn = SP_APJN_TWO_CHANNEL;
    o->cn_exact = 0;
    o->sublayers = 0;
}

const char *sp_theory_version(const struct sp_theory_opts *o)
{
    if (o->attention == SP_ATTN_SOFTMAX && o->apjn == SP_APJN_SINGLE)
        return "A";
    if (o->attention == SP_ATTN_UNIFORM && o->apjn == SP_APJN_TWO_CHANNEL && !o->cn_exact)
        return "C";
    if (o->attention == SP_ATTN_UNIFORM_EXACT && o->apjn == SP_APJN_TWO_CHANNEL && o->cn_exact)
        return "C-exact";
    if (o->attention == SP_ATTN_GAUSSIAN && o->apjn == SP_APJN_TWO_CHANNEL && !o->cn_exact)
        return "G";
    return "custom";
}

size_t sp_theory_nrows(const struct sp_arch *a, const struct sp_theory_opts *o)
{
    size_t L = (size_t)a->depth;
    return a->model == SP_MODEL_TRANSFORMER && o->sublayers ? 2 * L + 1 : L + 1;
}

/* ---- toy network, SPEC 3.2 ---- */

static enum sp_status toy_step(const struct sp_arch *a, double K, double *K_next, double *log_chi)
{
    struct sp_gmap m;
    double mu2 = a->mu * a->mu, sw2 = a->sigma_w * a->sigma_w, chi;
    enum sp_status s = sp_gmap_eval(&a->phi, a->toy_ln ? 1.0 : K, a->toy_ln ? 1.0 : K, &m);
    if (s != SP_OK)
        return s;
    if (a->toy_ln) /* LN Jacobian ~ K^{-1/2} I: E[phi'(z)^2] / K */
        chi = mu2 + sw2 * m.qh / K;
    else
        chi = mu2 + sw2 * m.qh;
    *K_next = mu2 * K + sw2 * m.qt + a->sigma_b * a->sigma_b;
    *log_chi = log(chi);
    if (!(isfinite(*K_next) && *K_next > 0.0 && isfinite(*log_chi)))
        return sp_fail(SP_ENUMERIC, "toy network: K or chi not finite after K = %g", K);
    return SP_OK;
}

static enum sp_status run_toy(const struct sp_arch *a, struct sp_theory_row *rows)
{
    size_t L = (size_t)a->depth;
    double K = a->q0, acc = 0.0;
    for (size_t l = 0; l <= L; l++) {
        rows[l].l = (double)l;
        rows[l].q = K;
        rows[l].p = rows[l].rho = NAN;
        rows[l].log_jfwd = acc;
        if (l == L)
            break;
        double lc;
        enum sp_status s = toy_step(a, K, &K, &lc);
        if (s != SP_OK)
            return s;
        acc += lc;
    }
    for (size_t l = 0; l <= L; l++) /* one token: the top gradient is a probe like any other */
        rows[l].log_grad_amp = rows[l].log_jbwd = acc - rows[l].log_jfwd;
    return SP_OK;
}

/* ---- transformer, SPEC 3.3 and 3.4 ---- */

enum sp_status sp_sublayer_forward(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   int mlp, double q, double p, struct sp_sublayer *out)
{
    const struct sp_fnspec *f = mlp ? &a->norm_mlp : &a->norm_attn;
    struct sp_gmap m;
    enum sp_status s = sp_gmap_eval(f, q, p, &m);
    if (s != SP_OK)
        return s;
    double n = (double)a->tokens, r = m.qt > 0.0 ? m.pt / m.qt : 0.0;
    if (r > 1.0) r = 1.0;
    if (r < -1.0) r = -1.0;
    out->m = m;
    out->r = r;
    out->gauss = 0;
    if (mlp) { /* SPEC 3.3/3.4 for ReLU; GELU, SwiGLU: docs/derivations/mlp.md */
        struct sp_mlp_coef c;
        if ((s = sp_mlp_terms(a, &m, r, &c)) != SP_OK)
            return s;
        out->dq = c.dq;
        out->dp = c.dp;
        out->log_chi = log1p(c.jc * m.qh);
        out->kp = c.kp;
        out->jc = c.jc;
        out->kc = c.kc;
    } else {
        double sov = sp_arch_s_ov(a);
        out->kp = out->jc = out->kc = NAN;
        switch (o->attention) {
        case SP_ATTN_SOFTMAX: {
            /* Version A; the exponent uses pt - qt from the stable difference. */
            double sqk = sp_arch_s_qk(a);
            double eq = exp(sqk * m.qt * m.dpt), ep = exp(sqk * m.pt * m.dpt);
            double nq = (n - 1.0) * eq, np = (n - 1.0) * ep;
            out->dq = sov * m.qt * (1.0 + r * nq) / (1.0 + nq);
            out->dp = sov * m.qt * (1.0 + r * np) / (1.0 + np);
            out->log_chi = log1p(sov * m.qh / (1.0 + nq));
            break;
        }
        case SP_ATTN_UNIFORM: /* n -> infinity form of the author's final code */
            out->dq = out->dp = sov * m.pt;
            out->log_chi = log1p(sov * m.qh / n);
            break;
        case SP_ATTN_UNIFORM_EXACT: /* A = 1/n: || mean of n tokens ||^2 */
            out->dq = out->dp = sov * (m.pt - m.dpt / n);
            out->log_chi = log1p(sov * m.qh / n);
            break;
        case SP_ATTN_GAUSSIAN: /* O(1) logits: softmax.c */
            if ((s = sp_softmax_sublayer(a, out)) != SP_OK)
                return s;
            break;
        }
    }
    if (!isfinite(out->dq) || !isfinite(out->dp) || !isfinite(out->log_chi))
        return sp_fail(SP_ENUMERIC, "%s sublayer not finite at q = %g, p = %g",
                       mlp ? "MLP" : "attention", q, p);
    return SP_OK;
}

/* Two-channel APJN (SPEC 3.4, version C): one sublayer step of (J, K), forward
 * (up) or backward (down). The vector is renormalised to J = 1 after every step
 * (SPEC 3.6), so on entry J = 1; the step returns log J' = log1p(J' - 1), with
 * J' - 1 formed directly so that nothing is lost when the step is close to 1. */
static double two_channel_step(const struct sp_arch *a, double cn, const struct sp_sublayer *sl,
                               int mlp, int forward, double *K)
{
    double n = (double)a->tokens, k = *K, x, kn;
    const struct sp_gmap *m = &sl->m;
    if (!mlp && sl->gauss)
        return log1p(sp_softmax_step(a, cn, sl, forward, K));
    if (mlp) {
        x = sl->jc * m->qh;
        kn = (1.0 + sl->kc * m->ph) * k;
    } else {
        double sov = sp_arch_s_ov(a);
        if (forward) {
            x = sov * m->qh / n + sov * m->ph * k;
            kn = (1.0 + cn * sov * m->ph) * k + cn * (sov * m->qh / n);
        } else {
            x = sov * m->qh / n + sov * m->qh * k;
            kn = (1.0 + cn * sov * m->ph) * k + cn * (sov * m->ph / n);
        }
    }
    *K = kn / (1.0 + x);
    return log1p(x);
}

enum sp_status sp_transformer_sublayers(const struct sp_arch *a, const struct sp_theory_opts *o,
                                        struct sp_sublayer *sl)
{
    size_t nsub = 2 * (size_t)a->depth;
    double q = a->q0, p = a->p0;
    for (size_t k = 0; k < nsub; k++) {
        sl[k].q = q;
        sl[k].p = p;
        enum sp_status s = sp_sublayer_forward(a, o, (int)(k & 1), q, p, &sl[k]);
        if (s != SP_OK)
            return s;
        q += sl[k].dq;
        p += sl[k].dp;
        if (p > q) /* rounding only: p <= q holds exactly */
            p = q;
    }
    return SP_OK;
}

enum sp_status sp_apjn_logs(const struct sp_arch *a, const struct sp_theory_opts *o,
                            const struct sp_sublayer *sl, double *fwd, double *bwd)
{
    size_t nsub = 2 * (size_t)a->depth;
    fwd[0] = 0.0;
    if (o->apjn == SP_APJN_SINGLE) {
        for (size_t k = 0; k < nsub; k++)
            fwd[k + 1] = fwd[k] + sl[k].log_chi;
        for (size_t k = 0; k <= nsub; k++)
            bwd[k] = fwd[nsub] - fwd[k];
        return SP_OK;
    }
    double n = (double)a->tokens, cn = o->cn_exact ? (n - 1.0) / n : 1.0;
    double K = 0.0; /* J = 1, K = 0 at the start, J renormalised to 1 after each step */
    for (size_t k = 0; k < nsub; k++)
        fwd[k + 1] = fwd[k] + two_channel_step(a, cn, &sl[k], (int)(k & 1), 1, &K);
    K = 0.0;
    bwd[nsub] = 0.0;
    for (size_t k = nsub; k-- > 0;)
        bwd[k] = bwd[k + 1] + two_channel_step(a, cn, &sl[k], (int)(k & 1), 0, &K);
    for (size_t k = 0; k <= nsub; k++)
        if (!isfinite(fwd[k]) || !isfinite(bwd[k]))
            return sp_fail(SP_ENUMERIC, "two-channel APJN not finite at sublayer %zu", k);
    return SP_OK;
}

/* Gradient amplification of a loss whose top gradient is the same for every
 * token (the documented loss reads the token mean): the backward two-channel
 * recursion started from J = 1, K = (n-1)/n instead of a random probe's K = 0
 * (docs/derivations/mlp.md). ga: (2L+1), log of E||dL/dh^k||^2 / E||dL/dh^2L||^2. */
static enum sp_status grad_amp_logs(const struct sp_arch *a, const struct sp_theory_opts *o,
                                    const struct sp_sublayer *sl, double *ga)
{
    size_t nsub = 2 * (size_t)a->depth;
    double n = (double)a->tokens, cn = o->cn_exact ? (n - 1.0) / n : 1.0;
    double K = (n - 1.0) / n;
    ga[nsub] = 0.0;
    for (size_t k = nsub; k-- > 0;)
        ga[k] = ga[k + 1] + two_channel_step(a, cn, &sl[k], (int)(k & 1), 0, &K);
    for (size_t k = 0; k <= nsub; k++)
        if (!isfinite(ga[k]))
            return sp_fail(SP_ENUMERIC, "gradient amplification not finite at sublayer %zu", k);
    return SP_OK;
}

static enum sp_status run_transformer(const struct sp_arch *a, const struct sp_theory_opts *o,
                                      struct sp_theory_row *rows)
{
    size_t nsub = 2 * (size_t)a->depth;
    struct sp_sublayer *sl = malloc(nsub * sizeof *sl);
    double *fwd = malloc(3 * (nsub + 1) * sizeof *fwd), *bwd = fwd ? fwd + nsub + 1 : NULL;
    double *ga = fwd ? bwd + nsub + 1 : NULL;
    enum sp_status s = SP_ENOMEM;
    if (!sl || !fwd) {
        sp_fail(s, "out of memory for %zu sublayers", nsub);
        goto out;
    }
    if ((s = sp_transformer_sublayers(a, o, sl)) != SP_OK)
        goto out;
    if ((s = sp_apjn_logs(a, o, sl, fwd, bwd)) != SP_OK)
        goto out;
    if ((s = grad_amp_logs(a, o, sl, ga)) != SP_OK)
        goto out;
    size_t stride = o->sublayers ? 1 : 2, r = 0;
    for (size_t k = 0; k <= nsub; k += stride, r++) {
        double q, p;
        if (k < nsub) {
            q = sl[k].q;
            p = sl[k].p;
        } else {
            q = sl[nsub - 1].q + sl[nsub - 1].dq;
            p = sl[nsub - 1].p + sl[nsub - 1].dp;
            if (p > q)
                p = q;
        }
        rows[r].l = 0.5 * (double)k;
        rows[r].q = q;
        rows[r].p = p;
        rows[r].rho = p / q;
        rows[r].log_jfwd = fwd[k];
        rows[r].log_jbwd = bwd[k];
        rows[r].log_grad_amp = ga[k];
    }
out:
    free(sl);
    free(fwd);
    return s;
}

enum sp_status sp_theory_effective_arch(const struct sp_arch *a, struct sp_arch *out)
{
    *out = *a;
    if (a->model == SP_MODEL_TOY)
        return SP_OK;
    double s2 = a->embed_scale * a->embed_scale;
    out->q0 = a->q0 * s2;
    out->p0 = a->p0 * s2;
    out->embed_scale = 1.0;
    return SP_OK;
}

enum sp_status sp_theory_run(const struct sp_arch *a0, const struct sp_theory_opts *o,
                             struct sp_theory_row *rows, size_t nrows)
{
    if (!a0 || !o || !rows)
        return sp_fail(SP_EINVAL, "sp_theory_run: NULL argument");
    struct sp_arch eff;
    enum sp_status st = sp_theory_effective_arch(a0, &eff);
    if (st != SP_OK)
        return st;
    const struct sp_arch *a = &eff;
    if (a->depth < 1)
        return sp_fail(SP_EINVAL, "depth %d: needs at least one block", a->depth);
    if (nrows < sp_theory_nrows(a, o))
        return sp_fail(SP_EINVAL, "sp_theory_run: %zu rows, needs %zu", nrows,
                       sp_theory_nrows(a, o));
    if (a->model == SP_MODEL_TOY)
        return run_toy(a, rows);
    if (a->mask == SP_MASK_CAUSAL)
        return sp_theory_run_positions(a, o, 1, rows);
    return run_transformer(a, o, rows);
}
