/* Gaussian maps of the MLP activation (docs/derivations/mlp.md): for (u, v)
 * jointly Gaussian with variances s and covariance c, E[phi(u)^2], E[phi(u)phi(v)],
 * E[phi'(u)^2], E[phi'(u)phi'(v)] for phi = ReLU (closed form, SPEC 3.1), GELU
 * x Phi(x) (the inner Gaussian expectation in closed form, the outer one by
 * quadrature) and SiLU x sigmoid(x) (nested quadrature); and the MLP sublayer's
 * forward increments and APJN coefficients built from them, SwiGLU included. */
#include <math.h>

#include "theory/internal.h"

/* 20-point Gauss-Legendre on [-1, 1]: positive nodes and their weights. */
static const double gl20[10][2] = {
    {0.076526521133497338312, 0.15275338713072578178},
    {0.22778585114164509595, 0.14917298647260365807},
    {0.37370608871541954876, 0.14209610931838187464},
    {0.5108670019508271265, 0.13168863844917652606},
    {0.63605368072651502498, 0.11819453196151824548},
    {0.74633190646015079572, 0.10193011981724026116},
    {0.83911697182221878233, 0.083276741576704671477},
    {0.91223442825132583511, 0.062672048334109442536},
    {0.96397192727791380928, 0.040601429800386217017},
    {0.99312859918509488466, 0.017614007139153273207},
};

/* The rule integrates E[F(z)], z ~ N(0, 1), over [-ZMAX, ZMAX] (the weight
 * there is exp(-50) = 2e-22 of its peak). The integrands have a feature of width
 * w (in z) at a point z0 (a kink smoothed on the scale 1/sqrt(s)): panels start
 * at width w on both sides of z0 and double up to PANEL_MAX, where a 20-point
 * rule integrates the smooth Gaussian tail to rounding. SiLU's poles at
 * +-i pi / sqrt(s) (in z) stay at least pi w / 2 from a panel of width w, so
 * each panel's rule converges fast; tests/test_maps_mlp.c finds every map within
 * 1e-11 relative of an independent trapezoid reference. */
#define ZMAX 10.0
#define PANEL_MAX 2.0
#define NPANEL_MAX 96
#define NRULE_MAX (NPANEL_MAX * 20)

struct rule {
    int n;
    double z[NRULE_MAX], w[NRULE_MAX]; /* nodes, weights times the Gaussian density */
};

static void rule_panel(struct rule *r, double a, double b)
{
    double mid = 0.5 * (a + b), half = 0.5 * (b - a);
    for (int i = 0; i < 10; i++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            double z = mid + sgn * half * gl20[i][0];
            r->z[r->n] = z;
            r->w[r->n] = half * gl20[i][1] * exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
            r->n++;
        }
}

static void rule_build(struct rule *r, double z0, double w)
{
    r->n = 0;
    z0 = fmax(-ZMAX, fmin(ZMAX, z0));
    w = fmin(w, PANEL_MAX);
    for (int side = -1; side <= 1; side += 2) {
        double at = z0, step = w, end = side * ZMAX;
        for (int k = 1; side * (end - at) > 0.0; k++) {
            double next = at + side * step;
            if (side * (next - end) > 0.0 || k == NPANEL_MAX / 2) /* the last panel ends it */
                next = end;
            rule_panel(r, fmin(at, next), fmax(at, next));
            at = next;
            step = fmin(2.0 * step, PANEL_MAX);
        }
    }
}

static double Phi(double x) { return 0.5 * erfc(-x * M_SQRT1_2); }
static double phi_n(double x) { return exp(-0.5 * x * x) / sqrt(2.0 * M_PI); }

/* sigmoid without overflow */
static double sigm(double x)
{
    if (x >= 0.0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

/* phi and phi' of GELU or SiLU at x */
static void act_eval(enum sp_mlp_phi f, double x, double *y, double *dy)
{
    if (f == SP_PHI_GELU) {
        double P = Phi(x);
        *y = x * P;
        *dy = P + x * phi_n(x);
    } else {
        double sg = sigm(x);
        *y = x * sg;
        *dy = sg * (1.0 + x * sigm(-x));
    }
}

/* E[phi(X)] and E[phi'(X)] for X ~ N(m, sd^2): GELU in closed form,
 * E[X Phi(X)] = m Phi(m/t) + sd^2 phi(m/t)/t and E[Phi(X) + X phi(X)] =
 * Phi(m/t) + m phi(m/t)/t^3 with t = sqrt(1 + sd^2) (docs/derivations/mlp.md);
 * SiLU by the rule around the kink at X = 0. */
static void act_smoothed(enum sp_mlp_phi f, double m, double sd, double *ey, double *edy)
{
    if (sd == 0.0) {
        act_eval(f, m, ey, edy);
        return;
    }
    if (f == SP_PHI_GELU) {
        double t = sqrt(1.0 + sd * sd), x = m / t, P = Phi(x), g = phi_n(x);
        *ey = m * P + sd * sd * g / t;
        *edy = P + m * g / (t * t * t);
        return;
    }
    struct rule r;
    rule_build(&r, -m / sd, fmin(1.0, 1.0 / sd));
    double a = 0.0, b = 0.0;
    for (int i = 0; i < r.n; i++) {
        double y, dy;
        act_eval(f, m + sd * r.z[i], &y, &dy);
        a += r.w[i] * y;
        b += r.w[i] * dy;
    }
    *ey = a;
    *edy = b;
}

enum sp_status sp_mlp_phi_pair(enum sp_mlp_phi f, double sa, double sb, double c,
                               struct sp_phi_maps *out)
{
    if (!(sa > 0.0) || !isfinite(sa) || !(sb > 0.0) || !isfinite(sb) || !isfinite(c))
        return sp_fail(SP_EINVAL, "MLP activation maps: variances %g, %g, covariance %g", sa, sb,
                       c);
    double r = sa == sb ? c / sa : c / sqrt(sa * sb);
    r = r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r);
    if (f == SP_PHI_RELU) { /* SPEC 3.1 */
        out->e2 = 0.5 * sa;
        out->e11 = (sa == sb ? sa : sqrt(sa * sb)) * sp_kappa(r);
        out->d2 = 0.5;
        out->d11 = sp_kappa_prime(r);
        return SP_OK;
    }
    /* u = sqrt(sa) z1, v = sqrt(sb) (r z1 + sqrt(1 - r^2) z2): the z2 integral is
     * act_smoothed at mean sqrt(sb) r z1, the z1 rule resolves the kink of phi(u) */
    double rs = sqrt(sa), rb = sqrt(sb), cr = sqrt((1.0 - r) * (1.0 + r));
    struct rule r1;
    rule_build(&r1, 0.0, fmin(1.0, 1.0 / rs));
    double e2 = 0.0, e11 = 0.0, d2 = 0.0, d11 = 0.0;
    for (int i = 0; i < r1.n; i++) {
        double y, dy, ey, edy, w = r1.w[i];
        act_eval(f, rs * r1.z[i], &y, &dy);
        act_smoothed(f, rb * r * r1.z[i], rb * cr, &ey, &edy);
        e2 += w * y * y;
        d2 += w * dy * dy;
        e11 += w * y * ey;
        d11 += w * dy * edy;
    }
    out->e2 = e2;
    out->e11 = e11;
    out->d2 = d2;
    out->d11 = d11;
    if (!(isfinite(e2) && isfinite(e11) && isfinite(d2) && isfinite(d11)))
        return sp_fail(SP_ENUMERIC, "MLP activation maps not finite at s = %g, %g, c = %g", sa, sb,
                       c);
    return SP_OK;
}

enum sp_status sp_mlp_phi_maps(enum sp_mlp_phi f, double s, double c, struct sp_phi_maps *out)
{
    if (!(s > 0.0) || !isfinite(s) || !isfinite(c))
        return sp_fail(SP_EINVAL, "MLP activation maps: variance %g, covariance %g", s, c);
    return sp_mlp_phi_pair(f, s, s, c, out);
}

/* The MLP sublayer at its norm's maps m and r = pt/qt (docs/derivations/mlp.md):
 *   W2 phi(W1 x):            dq = s2 E[phi(u)^2], dp = s2 E[phi(u)phi(v)],
 *                            J coefficient s2 s1 E[phi'^2], K coefficient s2 s1 E[phi'phi']
 *   W2 (silu(W1 x) * W3 x):  with b = W3 x of variance s3 qt, covariance s3 pt,
 *                            independent of a = W1 x: dq = s2 E[silu^2] s3 qt, ...,
 *                            J coefficient s2 (s1 E[silu'^2] s3 qt + s3 E[silu^2]).
 * ReLU keeps the expressions of SPEC 3.3/3.4 operation for operation. */
enum sp_status sp_mlp_terms(const struct sp_arch *a, const struct sp_gmap *m, double r,
                            struct sp_mlp_coef *out)
{
    if (a->mlp_act == SP_ACT_RELU) {
        double s21 = sp_arch_s_21(a);
        out->dq = 0.5 * s21 * m->qt;
        out->dp = s21 * m->qt * sp_kappa(r);
        out->jc = 0.5 * s21;
        out->kp = sp_kappa_prime(r);
        out->kc = s21 * out->kp;
        return SP_OK;
    }
    double s1 = a->sigma_1 * a->sigma_1, s2 = a->sigma_2 * a->sigma_2;
    double pt = r * m->qt; /* the clamped covariance */
    enum sp_mlp_phi f = a->mlp_act == SP_ACT_GELU ? SP_PHI_GELU : SP_PHI_SILU;
    struct sp_phi_maps g;
    enum sp_status st = sp_mlp_phi_maps(f, s1 * m->qt, s1 * pt, &g);
    if (st != SP_OK)
        return st;
    out->kp = g.d11;
    if (f == SP_PHI_GELU) {
        out->dq = s2 * g.e2;
        out->dp = s2 * g.e11;
        out->jc = s2 * s1 * g.d2;
        out->kc = s2 * s1 * g.d11;
        return SP_OK;
    }
    double s3 = a->sigma_3 * a->sigma_3, bq = s3 * m->qt, bp = s3 * pt;
    out->dq = s2 * g.e2 * bq;
    out->dp = s2 * g.e11 * bp;
    out->jc = s2 * (s1 * g.d2 * bq + s3 * g.e2);
    out->kc = s2 * (s1 * g.d11 * bp + s3 * g.e11);
    return SP_OK;
}
