/* Asymptotic laws of the recursions (SPEC 3.5): the power-law exponent zeta
 * (critical), the stretched-exponential scale lambda with the fixed point c*, p*
 * (subcritical), the exponential scale xi (chaotic/ordered), the simulated
 * transition depth l* and the phase verdict. The laws are derived for large
 * depth; the tests check them against long-depth numerics. The phase is the
 * infinite-depth class of the recursion (e.g. subcritical for every bounded
 * norm, whatever alpha and depth), not the law a curve of finite depth follows:
 * that is what `sigprop fit` decides from data. */
#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "sigprop/theory.h"
#include "theory/internal.h"

const char *sp_phase_name(enum sp_phase p)
{
    switch (p) {
    case SP_PHASE_CRITICAL: return "critical";
    case SP_PHASE_SUBCRITICAL: return "subcritical";
    case SP_PHASE_CHAOTIC: return "chaotic";
    case SP_PHASE_ORDERED: return "ordered";
    }
    return "?";
}

static int bounded(enum sp_fn f) { return f == SP_FN_DERF || f == SP_FN_DYT; }

/* c_phi of SPEC 3.5: E[f'(x)^2] ~ c_phi alpha / sqrt(q) for wide Gaussians. */
static double c_phi(enum sp_fn f) { return f == SP_FN_DERF ? M_2_PI : 4.0 / (3.0 * sqrt(2.0 * M_PI)); }

struct cstar_params {
    double sov, s21;
    const struct sp_arch *a; /* GELU, SwiGLU: the MLP terms; NULL for ReLU */
};

/* The MLP sublayer at a saturated norm (qt = 1, pt = P) of a GELU or SwiGLU MLP. */
static struct sp_mlp_coef mlp_saturated(const struct sp_arch *a, double P)
{
    struct sp_gmap m = {1.0, P, 1.0, 1.0, P - 1.0};
    struct sp_mlp_coef c = {NAN, NAN, NAN, NAN, NAN};
    if (sp_mlp_terms(a, &m, P, &c) != SP_OK)
        c.dq = c.dp = c.jc = NAN;
    return c;
}

/* SPEC 3.5: c = (s_OV P + s21 kappa(P)) / (s_OV P + s21/2), P = (2/pi) asin(c);
 * GELU, SwiGLU: c = (s_OV P + dp(P)) / (s_OV P + dq) with the MLP terms at qt = 1
 * (docs/derivations/mlp.md §5). */
static double cstar_residual(double c, void *vp)
{
    const struct cstar_params *cp = vp;
    double P = M_2_PI * asin(c);
    if (cp->a) {
        struct sp_mlp_coef t = mlp_saturated(cp->a, P);
        return (cp->sov * P + t.dp) / (cp->sov * P + t.dq) - c;
    }
    return (cp->sov * P + cp->s21 * sp_kappa(P)) / (cp->sov * P + 0.5 * cp->s21) - c;
}

/* Largest root of the c* equation in [0, 1) (c = 1 is always a root). One always
 * exists: the residual at c = 0 is dp_MLP(0) / dq_MLP = E[MLP]^2 / dq >= 0, and near
 * c = 1 it is negative (F(c) ~ 1 - k sqrt(1 - c), dp_MLP increasing). When
 * dp_MLP(0) > 0 (ReLU, GELU) there is a sign change to bracket; when dp_MLP(0) = 0
 * (SwiGLU: the gate's partner W3 x has zero mean) c = 0 is the root, and if
 * F'(0) < 1 the residual is negative on all of (0, 1) and c* = 0 is the attracting
 * fixed point: the recursion's rho falls to 0 as a power of l
 * (docs/derivations/mlp.md §5). */
static enum sp_status solve_cstar_uncached(double sov, double s21, const struct sp_arch *a,
                                           double *c_star)
{
    struct cstar_params cp = {sov, s21, a};
    const int ngrid = a ? 400 : 4000; /* the quadrature maps cost ~0.1-1 ms a point */
    const double cmax = 1.0 - 1e-6;
    double lo = NAN, hi = NAN, h0 = cstar_residual(0.0, &cp), prev = h0;
    for (int i = 1; i <= ngrid; i++) {
        double c = cmax * i / ngrid, h = cstar_residual(c, &cp);
        if ((prev > 0.0) != (h > 0.0)) {
            lo = cmax * (i - 1) / ngrid;
            hi = c;
        }
        prev = h;
    }
    if (isnan(lo) && fabs(h0) <= 1e-12) { /* dp_MLP(0) = 0 up to rounding */
        *c_star = 0.0;
        return SP_OK;
    }
    if (isnan(lo))
        return sp_fail(SP_ENUMERIC, "no root of the c* equation in [0, 1) for s_OV %g, s_21 %g",
                       sov, s21);
    gsl_function F = {cstar_residual, &cp};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return sp_fail(SP_ENOMEM, "out of memory for the c* root solver");
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int status = gsl_root_fsolver_set(s, &F, lo, hi);
    for (int it = 0; status == GSL_SUCCESS && it < 200; it++) {
        status = gsl_root_fsolver_iterate(s);
        lo = gsl_root_fsolver_x_lower(s);
        hi = gsl_root_fsolver_x_upper(s);
        if (gsl_root_test_interval(lo, hi, 0.0, 1e-15) == GSL_SUCCESS)
            break;
    }
    *c_star = gsl_root_fsolver_root(s);
    gsl_root_fsolver_free(s);
    gsl_set_error_handler(old);
    if (status != GSL_SUCCESS)
        return sp_fail(SP_ENUMERIC, "c* root solver failed for s_OV %g, s_21 %g: %s", sov, s21,
                       gsl_strerror(status));
    return SP_OK;
}

/* c* depends on (s_OV, s_21) only, not on alpha: a sweep over alpha asks for the
 * same root every time, and the 4000-point scan dominated the per-alpha cost.
 * One entry per thread remembers the last (s_OV, s_21) and its root; the root is
 * a deterministic function of its inputs, so the cache changes no bit. */
static _Thread_local struct {
    int valid;
    double sov, s21, c_star;
    enum sp_mlp_act act; /* GELU, SwiGLU: the root depends on each sigma, not on s21 */
    double s1, s2, s3;
} cstar_cache;

static enum sp_status solve_cstar(double sov, double s21, const struct sp_arch *a, double *c_star)
{
    enum sp_mlp_act act = a ? a->mlp_act : SP_ACT_RELU;
    double s1 = a ? a->sigma_1 : 0.0, s2 = a ? a->sigma_2 : 0.0;
    double s3 = a && a->mlp_act == SP_ACT_SWIGLU ? a->sigma_3 : 0.0;
    if (cstar_cache.valid && cstar_cache.sov == sov && cstar_cache.s21 == s21 &&
        cstar_cache.act == act && cstar_cache.s1 == s1 && cstar_cache.s2 == s2 &&
        cstar_cache.s3 == s3) {
        *c_star = cstar_cache.c_star;
        return SP_OK;
    }
    enum sp_status s = solve_cstar_uncached(sov, s21, a, c_star);
    if (s == SP_OK) {
        cstar_cache.valid = 1;
        cstar_cache.sov = sov;
        cstar_cache.s21 = s21;
        cstar_cache.act = act;
        cstar_cache.s1 = s1;
        cstar_cache.s2 = s2;
        cstar_cache.s3 = s3;
        cstar_cache.c_star = *c_star;
    }
    return s;
}

/* chi* of a toy network whose K converges (mu^2 < 1): iterate to the fixed point. */
static enum sp_status toy_fixed_point_chi(const struct sp_arch *a, double *chi)
{
    double mu2 = a->mu * a->mu, sw2 = a->sigma_w * a->sigma_w, K = a->q0;
    struct sp_gmap m;
    for (int it = 0; it < 100000; it++) {
        double Kq = a->toy_ln ? 1.0 : K;
        if (sp_gmap_eval(&a->phi, Kq, Kq, &m) != SP_OK)
            return SP_ENUMERIC;
        double Kn = mu2 * K + sw2 * m.qt + a->sigma_b * a->sigma_b;
        if (!(Kn > 0.0) || !isfinite(Kn))
            return SP_ENUMERIC;
        int done = fabs(Kn - K) <= 1e-14 * K;
        K = Kn;
        if (done)
            break;
    }
    double Kq = a->toy_ln ? 1.0 : K;
    if (sp_gmap_eval(&a->phi, Kq, Kq, &m) != SP_OK)
        return SP_ENUMERIC;
    *chi = mu2 + sw2 * m.qh / (a->toy_ln ? K : 1.0);
    return SP_OK;
}

static void set_exponential(struct sp_asymptotics *out, double log_chi)
{
    if (fabs(log_chi) < 1e-12) {
        out->phase = SP_PHASE_CRITICAL;
        out->zeta = 0.0;
        return;
    }
    out->phase = log_chi > 0.0 ? SP_PHASE_CHAOTIC : SP_PHASE_ORDERED;
    out->xi = 1.0 / log_chi;
}

static enum sp_status toy_asymptotics(const struct sp_arch *a, struct sp_asymptotics *out)
{
    double mu2 = a->mu * a->mu, sw2 = a->sigma_w * a->sigma_w, sb2 = a->sigma_b * a->sigma_b;
    double al = a->phi.alpha;
    if (bounded(a->phi.kind) && !a->toy_ln)
        /* alpha >= 1: alpha^2 K >= 1 already holds at the input, l* = 0 (the formula
         * would go negative) */
        out->l_star_estimate = al >= 1.0 ? 0.0 : log(1.0 / (al * al)) / log1p(4.0 * al * al * sw2 / M_PI);
    if (!a->toy_ln && !bounded(a->phi.kind)) { /* identity or ReLU: chi is constant */
        set_exponential(out, log(mu2 + sw2 * (a->phi.kind == SP_FN_RELU ? 0.5 : 1.0)));
        return SP_OK;
    }
    if (mu2 > 1.0) { /* the residual branch alone grows exponentially */
        set_exponential(out, log(mu2));
        return SP_OK;
    }
    if (mu2 < 1.0) {
        double chi;
        enum sp_status s = toy_fixed_point_chi(a, &chi);
        if (s == SP_OK)
            set_exponential(out, log(chi));
        return s;
    }
    /* mu = 1: K grows without bound. */
    struct sp_gmap m;
    if (a->toy_ln) {
        enum sp_status s = sp_gmap_eval(&a->phi, 1.0, 1.0, &m);
        if (s != SP_OK)
            return s;
        out->phase = SP_PHASE_CRITICAL; /* SPEC 3.5: zeta = sw^2 E[phi'^2] / (sw^2 E[phi^2] + sb^2) */
        out->zeta = sw2 * m.qh / (sw2 * m.qt + sb2);
        return SP_OK;
    }
    if (sw2 == 0.0) {
        set_exponential(out, 0.0);
        return SP_OK;
    }
    double c = c_phi(a->phi.kind);
    out->phase = SP_PHASE_SUBCRITICAL; /* K ~ (sw^2 + sb^2) l, log chi ~ sw^2 c a / sqrt(K) */
    out->lambda = (sw2 + sb2) / (4.0 * sw2 * sw2 * c * c * al * al);
    return SP_OK;
}

/* Pre-LN zeta for any MLP activation (docs/derivations/mlp.md): with LN before
 * both sublayers, rho -> 1, q grows by s_OV + dq_MLP per block and the MLP
 * multiplies J by 1 + jc / q, so J ~ l^(jc / (s_OV + dq_MLP)) with the MLP terms
 * at qt = pt = 1. ReLU: jc = dq_MLP = s_21 / 2, SPEC 3.5's formula. */
static enum sp_status preln_zeta(const struct sp_arch *a, double sov, double *zeta)
{
    struct sp_gmap m = {1.0, 1.0, 1.0, 1.0, 0.0};
    struct sp_mlp_coef c;
    enum sp_status s = sp_mlp_terms(a, &m, 1.0, &c);
    if (s == SP_OK && c.dq + sov > 0.0)
        *zeta = c.jc / (c.dq + sov);
    return s;
}

static enum sp_status transformer_asymptotics(const struct sp_arch *a,
                                              const struct sp_theory_row *rows, size_t nrows,
                                              struct sp_asymptotics *out)
{
    double sov = sp_arch_s_ov(a), s21 = sp_arch_s_21(a);
    enum sp_fn fm = a->norm_mlp.kind;
    if (fm == SP_FN_LN || fm == SP_FN_RMS) {
        out->phase = SP_PHASE_CRITICAL;
        if (a->norm_attn.kind == SP_FN_LN || a->norm_attn.kind == SP_FN_RMS)
            return preln_zeta(a, sov, &out->zeta); /* SPEC 3.5 */
        return SP_OK;
    }
    if (bounded(fm)) {
        out->phase = SP_PHASE_SUBCRITICAL;
        if (s21 > 0.0 && a->mlp_act == SP_ACT_RELU) {
            enum sp_status s = solve_cstar(sov, s21, NULL, &out->c_star);
            if (s != SP_OK)
                return s;
            out->p_star = M_2_PI * asin(out->c_star);
            double c = c_phi(fm), al = a->norm_mlp.alpha;
            out->lambda = (0.5 * s21 + sov * out->p_star) / (c * c * al * al * s21 * s21);
        } else if (s21 > 0.0) {
            /* GELU, SwiGLU: log J ~ sum jc c_phi alpha / sqrt(q), q ~ (s_OV p* + dq) l,
             * so lambda = (s_OV p* + dq) / (4 jc^2 c_phi^2 alpha^2); ReLU's jc = s21/2
             * gives the line above (docs/derivations/mlp.md §5) */
            enum sp_status s = solve_cstar(sov, s21, a, &out->c_star);
            if (s != SP_OK)
                return s;
            out->p_star = M_2_PI * asin(out->c_star);
            struct sp_mlp_coef t = mlp_saturated(a, out->p_star);
            double c = c_phi(fm), al = a->norm_mlp.alpha;
            out->lambda = (sov * out->p_star + t.dq) / (4.0 * t.jc * t.jc * c * c * al * al);
        }
        return SP_OK;
    }
    /* no norm: the MLP multiplies J by a constant; read chi* off the deepest block */
    if (rows && nrows >= 2)
        set_exponential(out, (rows[nrows - 1].log_jfwd - rows[nrows - 2].log_jfwd) /
                                 (rows[nrows - 1].l - rows[nrows - 2].l));
    else if (a->mlp_act == SP_ACT_RELU)
        set_exponential(out, log1p(0.5 * s21));
    else /* GELU, SwiGLU: chi depends on q, which only the rows know */
        return sp_fail(SP_EINVAL, "no-norm asymptotics of a %s MLP need the recursion's rows",
                       sp_act_name(a->mlp_act));
    return SP_OK;
}

enum sp_status sp_theory_asymptotics(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const struct sp_theory_row *rows, size_t nrows,
                                     struct sp_asymptotics *out)
{
    (void)o;
    out->zeta = out->lambda = out->xi = out->c_star = out->p_star = NAN;
    out->l_star = out->l_star_estimate = NAN;
    enum sp_status s = a->model == SP_MODEL_TOY ? toy_asymptotics(a, out)
                                                : transformer_asymptotics(a, rows, nrows, out);
    /* l*: first depth where alpha^2 q reaches 1 (SPEC 3.2), from the simulated rows */
    const struct sp_fnspec *f = a->model == SP_MODEL_TOY ? &a->phi : &a->norm_mlp;
    int has_norm = a->model == SP_MODEL_TOY ? !a->toy_ln : 1;
    if (rows && has_norm && bounded(f->kind))
        for (size_t i = 0; i < nrows; i++)
            if (f->alpha * f->alpha * rows[i].q >= 1.0) {
                out->l_star = rows[i].l;
                break;
            }
    return s;
}
