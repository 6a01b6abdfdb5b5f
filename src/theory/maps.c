/* Gaussian maps of the per-component functions (SPEC 3.1): closed forms for
 * LayerNorm, identity, ReLU and erf(alpha x); quadrature (theory/quad.c) for
 * tanh and shifted erf. Differences pt - qt are formed from stable expressions
 * because the attention exponent depends on them when p -> q (SPEC 3.6). */
#include <math.h>

#include "sigprop/theory.h"
#include "theory/quad.h"

/* Maps of erf or tanh (alpha x + shift) without a closed form (~1e-10 relative):
 * unshifted tanh inside the table's range takes the tabulated fast path
 * (quad_table.c), everything else the adaptive-window quadrature (quad.c). The
 * choice lives here, above both leaves, so neither calls the other's entry point. */
static enum sp_status quad_gmap(const struct sp_fnspec *f, double q, double p, struct sp_gmap *out)
{
    if (f->kind == SP_FN_DYT && f->shift == 0.0 && f->alpha > 0.0 && isfinite(f->alpha) &&
        q > 0.0 && isfinite(q) && isfinite(p)) {
        enum sp_status st = sp_quad_gmap_fast(f->alpha, q, p, out);
        if (st != SP_EUNSUPPORTED)
            return st;
    }
    return sp_quad_gmap_accurate(f, q, p, out);
}

static double clamp1(double r) { return r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r); }

/* SPEC 3.1: kappa(r) = (sqrt(1 - r^2) + r (pi - acos r)) / (2 pi). */
double sp_kappa(double r)
{
    r = clamp1(r);
    return (sqrt((1.0 - r) * (1.0 + r)) + r * (M_PI - acos(r))) / (2.0 * M_PI);
}

/* SPEC 3.1: kappa'(r) = 1/4 + asin(r) / (2 pi). */
double sp_kappa_prime(double r) { return 0.25 + asin(clamp1(r)) / (2.0 * M_PI); }

/* asin(x) - asin(y) for x, y in [-1, 1] given d = x - y exactly:
 * sin(asin x - asin y) = x sqrt(1-y^2) - y sqrt(1-x^2) = d (x + y) / (x sqrt(1-y^2) + y sqrt(1-x^2)). */
static double asin_diff(double x, double y, double d)
{
    double cx = sqrt((1.0 - x) * (1.0 + x)), cy = sqrt((1.0 - y) * (1.0 + y));
    double den = x * cy + y * cx;
    double s = den != 0.0 ? d * (x + y) / den : x * cy - y * cx;
    return atan2(s, cx * cy + x * y);
}

/* SPEC 3.1, Williams (1997): erf(a x) with x ~ N(0, q), cov p. */
static void derf_closed(double a, double q, double p, struct sp_gmap *m)
{
    double a2 = a * a, den = 1.0 + 2.0 * a2 * q;
    double xq = 2.0 * a2 * q / den, xp = 2.0 * a2 * p / den;
    if (xp > xq)
        xp = xq;
    m->qt = M_2_PI * asin(xq);
    m->pt = M_2_PI * asin(xp);
    m->dpt = M_2_PI * asin_diff(xp, xq, 2.0 * a2 * (p - q) / den);
    m->qh = (4.0 * a2 / M_PI) / sqrt(1.0 + 4.0 * a2 * q);
    /* (1 + 2a^2 q)^2 - 4a^4 p^2 = (den - 2a^2 p)(den + 2a^2 p), no cancellation */
    m->ph = (4.0 * a2 / M_PI) / sqrt((den - 2.0 * a2 * p) * (den + 2.0 * a2 * p));
}

enum sp_status sp_gmap_eval(const struct sp_fnspec *f, double q, double p, struct sp_gmap *m)
{
    if (!(q > 0.0) || !isfinite(q) || !isfinite(p))
        return SP_EINVAL;
    if (p > q)
        p = q;
    if (p < -q)
        p = -q;
    switch (f->kind) {
    case SP_FN_LN: /* RMSNorm: Norm(x) = x / sqrt(q); LN equals it at mean field */
    case SP_FN_RMS:
        m->qt = 1.0;
        m->pt = p / q;
        m->dpt = (p - q) / q;
        m->qh = m->ph = 1.0 / q;
        return SP_OK;
    case SP_FN_IDENTITY:
        m->qt = q;
        m->pt = p;
        m->dpt = p - q;
        m->qh = m->ph = 1.0;
        return SP_OK;
    case SP_FN_RELU:
        m->qt = 0.5 * q;
        m->pt = q * sp_kappa(p / q);
        m->dpt = m->pt - m->qt;
        m->qh = 0.5;
        m->ph = sp_kappa_prime(p / q);
        return SP_OK;
    case SP_FN_DERF:
        if (f->shift == 0.0) {
            derf_closed(f->alpha, q, p, m);
            return SP_OK;
        }
        return quad_gmap(f, q, p, m);
    case SP_FN_DYT:
        return quad_gmap(f, q, p, m);
    }
    return SP_EINVAL;
}
