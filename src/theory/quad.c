/* Gaussian maps of f(x) = g(alpha x + s), g = tanh or erf, by quadrature
 * (SPEC 3.1, 3.6): the accurate path. Everything is integrated in the scaled
 * variable u = alpha x, where g' and 1 - g^2 are localised on a scale of one:
 * trapezoid rules on windows cut by both the Gaussian and that localisation, so
 * the cost does not grow with alpha sqrt(q) and no fixed Gauss-Hermite order is
 * trusted beyond its range. The two-point maps go through the sum/difference
 * coordinates and Price's theorem (dpt/dp = ph), so dpt = pt - qt never cancels.
 * The tabulated fast path for unshifted tanh is in quad_table.c. */
#include <math.h>
#include <stdlib.h>

#include "theory/quad.h"

enum qfun { QF_TANH, QF_ERF };

/* Trapezoid step in u. The integrands are analytic in |Im u| < pi/2 (poles of
 * sech), the Gaussian weight grows as e^{d^2 / 2V} at height d, so the error is
 * ~min over d <= pi/2 of exp(-2 pi d / step + d^2 / 2V). With the step below
 * 0.55 / sqrt(1/V + 4) (the weight narrowed by the integrand's own width) and 0.25
 * that exponent stays below -38.4 for every V (worst near V ~ 1); the pole-order
 * prefactor (sech^4, ~(2 pi / step)^3) leaves ~1e-13. 0.7 instead of 0.55 gave
 * -34.8 and a measured 1.1e-11 in qh at V = 0.25. */
#define QSTEP 0.25
#define QSTEP_SD 0.55

static double qstep(double V) { return fmin(QSTEP, QSTEP_SD / sqrt(1.0 / V + 4.0)); }
/* Gaussian cut at 8.6 standard deviations: exp(-8.6^2/2) = 9e-17. */
#define QZMAX 8.6
/* Localisation half-widths: sech^2 decays as 4 e^{-2|u|}, sech^4 and products of
 * two sech^2 as 16 e^{-4|u|}: both below 1e-14 of their peak. */
#define QL1 17.0
#define QL2 9.0
#define QTABN 512

/* 16-point Gauss-Legendre on [-1, 1]: positive nodes and their weights. */
static const double gl16[8][2] = {
    {0.9894009349916499326, 0.027152459411754094852},
    {0.94457502307323257608, 0.062253523938647892863},
    {0.86563120238783174388, 0.09515851168249278481},
    {0.7554044083550030339, 0.12462897125553387205},
    {0.61787624440264374845, 0.14959598881657673208},
    {0.45801677765722738634, 0.16915651939500253819},
    {0.28160355077925891323, 0.18260341504492358887},
    {0.095012509837637440185, 0.18945061045506849629},
};

struct qfn {
    enum qfun g;
    double s;
};

static double fn_g(enum qfun g, double x) { return g == QF_TANH ? tanh(x) : erf(x); }

/* g'(x): sech^2 x = 4 e / (1 + e)^2 with e = exp(-2|x|) (no overflow), or (2/sqrt(pi)) e^{-x^2}. */
static double fn_h(enum qfun g, double x)
{
    if (g == QF_TANH) {
        double e = exp(-2.0 * fabs(x));
        return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }
    return M_2_SQRTPI * exp(-x * x);
}

/* 1 - g(x)^2 without cancellation. */
static double fn_c(enum qfun g, double x)
{
    if (g == QF_TANH)
        return fn_h(QF_TANH, x);
    double e = erfc(fabs(x));
    return e * (2.0 - e);
}

/* 1 + g(s + u) g(s - u) without cancellation (it decays in |u|). */
static double fn_cross(enum qfun g, double s, double u)
{
    if (g == QF_TANH) {
        /* 1 + tanh x tanh y = cosh(x + y) / (cosh x cosh y), 2 cosh x cosh y = cosh 2s + cosh 2u */
        double c2s = cosh(2.0 * s);
        return 2.0 * c2s / (c2s + cosh(2.0 * u));
    }
    double au = fabs(u), ex = erfc(au + s), ey = erfc(au - s);
    return ex + ey - ex * ey;
}

/* ---- one-dimensional Gaussian expectations ----
 * E[F(x)], x ~ N(0, V), F negligible outside [lo, hi]: trapezoid on x = c + k h. */
enum f1 { F1_H2, F1_C, F1_G2, F1_H, F1_CROSS, F1_GG };

static double f1_eval(enum f1 k, const struct qfn *f, double x)
{
    switch (k) {
    case F1_H2: {
        double h = fn_h(f->g, x + f->s);
        return h * h;
    }
    case F1_C:
        return fn_c(f->g, x + f->s);
    case F1_G2: {
        double g = fn_g(f->g, x + f->s);
        return g * g;
    }
    case F1_H:
        return fn_h(f->g, x + f->s);
    case F1_CROSS:
        return fn_cross(f->g, f->s, x);
    case F1_GG:
        return fn_g(f->g, f->s + x) * fn_g(f->g, f->s - x);
    }
    return (double)NAN;
}

static double gauss1(enum f1 k, const struct qfn *f, double V, double c, double lo, double hi)
{
    if (!(V > 0.0))
        return (lo <= 0.0 && 0.0 <= hi) ? f1_eval(k, f, 0.0) : 0.0;
    double sd = sqrt(V), h = qstep(V);
    double wlo = fmax(lo, -QZMAX * sd), whi = fmin(hi, QZMAX * sd);
    if (!(wlo < whi))
        return 0.0;
    long k0 = (long)ceil((wlo - c) / h), k1 = (long)floor((whi - c) / h);
    double sum = 0.0, inv2v = 0.5 / V;
    for (long i = k0; i <= k1; i++) {
        double x = c + (double)i * h;
        sum += exp(-x * x * inv2v) * f1_eval(k, f, x);
    }
    return sum * h / sqrt(2.0 * M_PI * V);
}

/* E[g'(u + s)^2], u ~ N(0, Q). */
static double qh_scaled(const struct qfn *f, double Q)
{
    return gauss1(F1_H2, f, Q, -f->s, -f->s - QL2, -f->s + QL2);
}

/* E[g(u + s)^2]: 1 - E[1 - g^2] (localised) once the Gaussian is wide, directly
 * while it is narrow (then qt may be ~Q and 1 - E[1 - g^2] would cancel). */
static double qt_scaled(const struct qfn *f, double Q)
{
    if (Q >= 1.0)
        return 1.0 - gauss1(F1_C, f, Q, -f->s, -f->s - QL1, -f->s + QL1);
    return gauss1(F1_G2, f, Q, 0.0, -HUGE_VAL, HUGE_VAL);
}

/* E[g(u + s)] = int_0^s E[g'(u + s')] ds' (g odd), Gauss-Legendre panels of width <= 1. */
static double mean_scaled(const struct qfn *f, double Q)
{
    if (f->s == 0.0)
        return 0.0;
    if (f->g == QF_ERF)
        return erf(f->s / sqrt(1.0 + 2.0 * Q));
    int np = (int)ceil(fabs(f->s));
    double w = f->s / np, sum = 0.0;
    for (int j = 0; j < np; j++) {
        double mid = (j + 0.5) * w;
        for (int i = 0; i < 8; i++)
            for (int sg = -1; sg <= 1; sg += 2) {
                struct qfn fs = {f->g, mid + sg * gl16[i][0] * 0.5 * w};
                sum += gl16[i][1] * gauss1(F1_H, &fs, Q, -fs.s, -fs.s - QL1, -fs.s + QL1);
            }
    }
    return sum * 0.5 * w;
}

/* E[g(s + u) g(s - u)], u ~ N(0, Q): pt at p = -q. */
static double ptm_scaled(const struct qfn *f, double Q, double qt)
{
    if (f->s == 0.0)
        return -qt;
    if (Q >= 1.0) {
        double as = fabs(f->s);
        return -1.0 + gauss1(F1_CROSS, f, Q, 0.0, -as - QL1, as + QL1);
    }
    return gauss1(F1_GG, f, Q, 0.0, -HUGE_VAL, HUGE_VAL);
}

/* ---- the two-point map ----
 * E[g'(u + s) g'(v + s)] with Var u = Var v = A + B, Cov = A - B: in u = a + b,
 * v = a - b the coordinates a ~ N(0, A), b ~ N(0, B) are independent, and the
 * integrand is localised in both (|b| <= QL2, |a + s| <= |b| + QL2). */
static double ph_scaled(const struct qfn *f, double A, double B)
{
    double s = f->s;
    if (!(B > 0.0)) { /* p = q */
        double h0;
        if (!(A > 0.0)) {
            h0 = fn_h(f->g, s);
            return h0 * h0;
        }
        return gauss1(F1_H2, f, A, -s, -s - QL2, -s + QL2);
    }
    if (!(A > 0.0)) { /* p = -q: E[g'(s + b) g'(s - b)] */
        double sb = sqrt(B), hb = qstep(B), bmax = fmin(QZMAX * sb, fabs(s) + QL2);
        long nb = (long)floor(bmax / hb);
        double sum = 0.0;
        for (long j = -nb; j <= nb; j++) {
            double b = (double)j * hb;
            sum += exp(-b * b * 0.5 / B) * fn_h(f->g, s + b) * fn_h(f->g, s - b);
        }
        return sum * hb / sqrt(2.0 * M_PI * B);
    }
    double sa = sqrt(A), sb = sqrt(B);
    double ha = qstep(A), hb = qstep(B);
    double bmax = fmin(QZMAX * sb, QL2);
    long nb = (long)floor(bmax / hb);
    double inv2a = 0.5 / A, inv2b = 0.5 / B;
    double outer = 0.0;
    if (ha == hb) {
        /* Shared grid: a_i = -s + i h, b_j = j h, so a +- b + s = (i +- j) h and
         * g' is needed on one table only: products in the inner loop. */
        double h = ha, tab[QTABN], wa[2 * QTABN + 1];
        long l2 = (long)ceil(QL2 / h);
        long ilo = (long)ceil((-QZMAX * sa + s) / h), ihi = (long)floor((QZMAX * sa + s) / h);
        if (ilo < -(nb + l2))
            ilo = -(nb + l2);
        if (ihi > nb + l2)
            ihi = nb + l2;
        long m = (labs(ilo) > labs(ihi) ? labs(ilo) : labs(ihi)) + nb;
        if (m < QTABN) {
            for (long i = 0; i <= m; i++)
                tab[i] = fn_h(f->g, (double)i * h);
            for (long i = ilo; i <= ihi; i++) {
                double a = -s + (double)i * h;
                wa[QTABN + i] = exp(-a * a * inv2a);
            }
            for (long j = 0; j <= nb; j++) {
                double b = (double)j * h, inner = 0.0;
                long lo = ilo > -(j + l2) ? ilo : -(j + l2), hi = ihi < j + l2 ? ihi : j + l2;
                for (long i = lo; i <= hi; i++)
                    inner += wa[QTABN + i] * tab[labs(i + j)] * tab[labs(i - j)];
                outer += (j == 0 ? 1.0 : 2.0) * exp(-b * b * inv2b) * inner;
            }
            return outer * h * h / (2.0 * M_PI * sa * sb);
        }
    }
    /* Separate steps: the a weights are still shared by every b (one table). */
    double wa[2 * QTABN + 1];
    long iall0 = (long)ceil((fmax(-s - (bmax + QL2), -QZMAX * sa) + s) / ha);
    long iall1 = (long)floor((fmin(-s + (bmax + QL2), QZMAX * sa) + s) / ha);
    int tabw = iall0 >= -QTABN && iall1 <= QTABN;
    if (tabw)
        for (long i = iall0; i <= iall1; i++) {
            double a = -s + (double)i * ha;
            wa[QTABN + i] = exp(-a * a * inv2a);
        }
    for (long j = 0; j <= nb; j++) {
        double b = (double)j * hb;
        double alo = fmax(-s - (b + QL2), -QZMAX * sa), ahi = fmin(-s + (b + QL2), QZMAX * sa);
        long i0 = (long)ceil((alo + s) / ha), i1 = (long)floor((ahi + s) / ha);
        double inner = 0.0;
        for (long i = i0; i <= i1; i++) {
            double a = -s + (double)i * ha;
            double w = tabw && i >= iall0 && i <= iall1 ? wa[QTABN + i] : exp(-a * a * inv2a);
            inner += w * fn_h(f->g, a + b + s) * fn_h(f->g, a - b + s);
        }
        outer += (j == 0 ? 1.0 : 2.0) * exp(-b * b * inv2b) * inner;
    }
    return outer * ha * hb / (2.0 * M_PI * sa * sb);
}

/* Price's theorem: 2 int_{X1}^{X2} ph(X') dX', where X' is the variance B (which = 0,
 * A = Q - X') or A (which = 1) of the sum/difference decomposition. ph behaves like
 * 1/sqrt(X' + O(1)), so the integral runs in the standard deviation sigma = sqrt(X')
 * (dX' = 2 sigma dsigma) on panels [0, 1/4], [1/4, 1], [1, 4], ... with 16-point
 * Gauss-Legendre each: the integrand is smooth in sigma away from sigma = 0, so a
 * panel [T, 4T] converges like 3^-32. */
static double price(const struct qfn *f, double Q, int which, double X1, double X2)
{
    double s1 = sqrt(fmax(X1, 0.0)), s2 = sqrt(fmax(X2, 0.0));
    double sum = 0.0, lo = 0.0, hi = 0.25;
    while (lo < s2) {
        double a = fmax(lo, s1), b = fmin(hi, s2);
        if (a < b) {
            double mid = 0.5 * (a + b), half = 0.5 * (b - a), part = 0.0;
            for (int i = 0; i < 8; i++)
                for (int sg = -1; sg <= 1; sg += 2) {
                    double sig = mid + sg * gl16[i][0] * half, X = sig * sig;
                    double ph = which == 0 ? ph_scaled(f, Q - X, X) : ph_scaled(f, X, Q - X);
                    part += gl16[i][1] * ph * 2.0 * sig;
                }
            sum += part * half;
        }
        lo = hi;
        hi *= 4.0;
    }
    return 2.0 * sum;
}

/* int_0^P ph dP' for |P| <= Q/2: ph is analytic there with singularities at
 * |P'| >= Q, so one 16-point Gauss-Legendre panel converges like 5.8^-32. */
static double price_mid(const struct qfn *f, double Q, double P)
{
    double half = 0.5 * P, sum = 0.0;
    for (int i = 0; i < 8; i++)
        for (int sg = -1; sg <= 1; sg += 2) {
            double Pp = half + sg * gl16[i][0] * half;
            sum += gl16[i][1] * ph_scaled(f, 0.5 * (Q + Pp), 0.5 * (Q - Pp));
        }
    return sum * half;
}

enum sp_status sp_quad_gmap_accurate(const struct sp_fnspec *fs, double q, double p,
                                     struct sp_gmap *out)
{
    if (fs->kind != SP_FN_DYT && fs->kind != SP_FN_DERF)
        return SP_EINVAL;
    if (!(q > 0.0) || !isfinite(q) || !isfinite(p) || !(fs->alpha > 0.0) ||
        !isfinite(fs->alpha) || !isfinite(fs->shift))
        return SP_EINVAL;
    if (p > q)
        p = q;
    if (p < -q)
        p = -q;
    struct qfn f = {fs->kind == SP_FN_DYT ? QF_TANH : QF_ERF, fs->shift};
    double a2 = fs->alpha * fs->alpha, Q = a2 * q, P = a2 * p;
    double B = 0.5 * a2 * (q - p), A = 0.5 * a2 * (q + p); /* A + B = Q */
    double r = p / q;

    double qt = qt_scaled(&f, Q);
    out->qt = qt;
    out->qh = a2 * qh_scaled(&f, Q);
    out->ph = a2 * ph_scaled(&f, A, B);
    /* dpt = -int_p^q ph dp' (Price), split at p' = 0 so each piece is integrated
     * from the end where ph is largest. */
    double dpt;
    if (r >= 0.0)
        dpt = -price(&f, Q, 0, 0.0, B);
    else
        dpt = -(price(&f, Q, 0, 0.0, 0.5 * Q) + price(&f, Q, 1, A, 0.5 * Q));
    out->dpt = dpt;
    if (r >= 0.5) {
        out->pt = qt + dpt;
    } else if (r > -0.5) {
        double m1 = mean_scaled(&f, Q);
        out->pt = m1 * m1 + price_mid(&f, Q, P); /* pt(p = 0) = E[f]^2 */
    } else {
        out->pt = ptm_scaled(&f, Q, qt) + price(&f, Q, 1, 0.0, A);
    }
    if (!isfinite(out->qt) || !isfinite(out->pt) || !isfinite(out->qh) || !isfinite(out->ph) ||
        !isfinite(out->dpt))
        return SP_ENUMERIC;
    return SP_OK;
}

/* ---- two points at unequal variances (the causal theory's pair maps) ----
 * E[g(U + s) g(V + s)] and E[g'(U + s) g'(V + s)] for (U, V) ~ N(0, [[Qa, P], [P, Qb]]),
 * Qa >= Qb, by conditioning: V | U = u ~ N(beta u, S2), beta = P / Qa,
 * S2 = (Qa Qb - P^2) / Qa. The inner expectations are E[g(m + x)] and E[g'(m + x)],
 * x ~ N(0, S2): closed forms for erf (erf(m / t), (2/sqrt(pi)) e^{-m^2/t^2} / t with
 * t^2 = 1 + 2 S2), trapezoid rules for tanh. The outer rule in u has the step of
 * gauss1 for the variance Qa; the inner function of u, E[.| u] at m = beta u + s,
 * varies no faster than g(u + s) since |beta| <= sqrt(Qb / Qa) <= 1. T's integrands
 * are not localised (g saturates): Gaussian windows; N's are (g' decays as e^{-2|y|}):
 * the windows are cut at QL1 around g's centre as well. */
static double inner_g(const struct qfn *f, double m, double S2)
{
    if (f->g == QF_ERF)
        return erf(m / sqrt(1.0 + 2.0 * S2));
    if (!(S2 > 0.0))
        return tanh(m);
    double sd = sqrt(S2), h = qstep(S2), w = QZMAX * sd, sum = 0.0, inv2v = 0.5 / S2;
    long k = (long)floor(w / h);
    for (long i = -k; i <= k; i++) {
        double x = (double)i * h;
        sum += exp(-x * x * inv2v) * tanh(m + x);
    }
    return sum * h / sqrt(2.0 * M_PI * S2);
}

static double inner_h(const struct qfn *f, double m, double S2)
{
    if (f->g == QF_ERF) {
        double t2 = 1.0 + 2.0 * S2;
        return M_2_SQRTPI * exp(-m * m / t2) / sqrt(t2);
    }
    if (!(S2 > 0.0))
        return fn_h(QF_TANH, m);
    double sd = sqrt(S2), h = qstep(S2), inv2v = 0.5 / S2;
    double lo = fmax(-QZMAX * sd, -m - QL1), hi = fmin(QZMAX * sd, -m + QL1);
    if (!(lo < hi))
        return 0.0;
    /* the lattice through x = -m: g' is centred there */
    long k0 = (long)ceil((lo + m) / h), k1 = (long)floor((hi + m) / h);
    double sum = 0.0;
    for (long i = k0; i <= k1; i++) {
        double x = -m + (double)i * h;
        sum += exp(-x * x * inv2v) * fn_h(QF_TANH, m + x);
    }
    return sum * h / sqrt(2.0 * M_PI * S2);
}

/* tanh on a shared lattice: with the inner step a multiple k of |beta| h (h the
 * outer step), every argument beta u_i + s + x_j = s + beta h (i +- k j) lies on one
 * lattice, so tanh and sech^2 are tabulated once per pair and the double sum is
 * multiply-adds only. The inner step stays at most qstep(S2), the outer h =
 * qstep(Qa): the rules of the direct path. Returns 0 (nothing written) when the
 * lattice does not fit: |beta| h > qstep(S2) (S2 small against beta^2: nearly
 * equal tokens), or a table over PAIR_LATTICE_MAX entries (beta ~ 0). */
#define PAIR_LATTICE_MAX 65536
static int pair_lattice(double s, double Qa, double beta, double S2, double *tt, double *hh)
{
    double h = qstep(Qa), ab = fabs(beta) * h, hin = qstep(S2);
    if (!(ab > 0.0) || !(S2 > 0.0) || ab > hin)
        return 0;
    long k = (long)floor(hin / ab);
    hin = (double)k * ab;
    long K = (long)floor(QZMAX * sqrt(Qa) / h), J = (long)floor(QZMAX * sqrt(S2) / hin);
    long L = K + k * J, ntab = 2 * L + 1, nw = 2 * J + 1;
    if (ntab > PAIR_LATTICE_MAX)
        return 0;
    double *tg = malloc((size_t)(2 * ntab + nw) * sizeof *tg);
    if (!tg)
        return 0;
    double *th = tg + ntab, *w = th + ntab;
    for (long l = -L; l <= L; l++) {
        double y = s + beta * h * (double)l;
        tg[l + L] = tanh(y);
        th[l + L] = fn_h(QF_TANH, y);
    }
    for (long j = -J; j <= J; j++) {
        double x = (double)j * hin;
        w[j + J] = exp(-x * x * 0.5 / S2);
    }
    long step = beta > 0.0 ? k : -k; /* l = i + step j */
    double t = 0.0, n = 0.0, inv2v = 0.5 / Qa;
    for (long i = -K; i <= K; i++) {
        double u = (double)i * h, wu = exp(-u * u * inv2v);
        const double *tgi = tg + (i + L), *thi = th + (i + L);
        double sg = 0.0, sh = 0.0;
        for (long j = -J; j <= J; j++) {
            long o = step * j;
            sg += w[j + J] * tgi[o];
            sh += w[j + J] * thi[o];
        }
        t += wu * tanh(u + s) * sg;
        n += wu * fn_h(QF_TANH, u + s) * sh;
    }
    free(tg);
    double norm = h / sqrt(2.0 * M_PI * Qa) * hin / sqrt(2.0 * M_PI * S2);
    *tt = t * norm;
    *hh = n * norm;
    return 1;
}

static void pair_scaled(const struct qfn *f, double Qa, double Qb, double P, double *tt, double *hh)
{
    double s = f->s, beta = P / Qa, S2 = fmax((Qa * Qb - P * P) / Qa, 0.0);
    if (f->g == QF_TANH && pair_lattice(s, Qa, beta, S2, tt, hh))
        return;
    double sd = sqrt(Qa), h = qstep(Qa), inv2v = 0.5 / Qa, norm = h / sqrt(2.0 * M_PI * Qa);
    /* T: u = k h on the Gaussian window */
    long k = (long)floor(QZMAX * sd / h);
    double t = 0.0;
    for (long i = -k; i <= k; i++) {
        double u = (double)i * h;
        t += exp(-u * u * inv2v) * fn_g(f->g, u + s) * inner_g(f, beta * u + s, S2);
    }
    *tt = t * norm;
    /* N: u = -s + k h, |u + s| <= QL1 */
    double lo = fmax(-QZMAX * sd, -s - QL1), hi = fmin(QZMAX * sd, -s + QL1), n = 0.0;
    if (lo < hi) {
        long k0 = (long)ceil((lo + s) / h), k1 = (long)floor((hi + s) / h);
        for (long i = k0; i <= k1; i++) {
            double u = -s + (double)i * h;
            n += exp(-u * u * inv2v) * fn_h(f->g, u + s) * inner_h(f, beta * u + s, S2);
        }
    }
    *hh = n * norm;
}

enum sp_status sp_quad_pair(const struct sp_fnspec *fs, double qa, double qb, double p, double *t,
                            double *nn)
{
    if (fs->kind != SP_FN_DYT && fs->kind != SP_FN_DERF)
        return SP_EINVAL;
    if (!(qa > 0.0) || !(qb > 0.0) || !isfinite(qa) || !isfinite(qb) || !isfinite(p) ||
        !(fs->alpha > 0.0) || !isfinite(fs->alpha) || !isfinite(fs->shift))
        return SP_EINVAL;
    double lim = sqrt(qa * qb);
    p = p > lim ? lim : (p < -lim ? -lim : p);
    struct qfn f = {fs->kind == SP_FN_DYT ? QF_TANH : QF_ERF, fs->shift};
    double a2 = fs->alpha * fs->alpha, Qa = a2 * fmax(qa, qb), Qb = a2 * fmin(qa, qb);
    pair_scaled(&f, Qa, Qb, a2 * p, t, nn);
    *nn *= a2;
    return isfinite(*t) && isfinite(*nn) ? SP_OK : SP_ENUMERIC;
}

void sp_quad_scaled_1d(const struct sp_fnspec *fs, double Q, double *qt, double *qh)
{
    struct qfn f = {fs->kind == SP_FN_DYT ? QF_TANH : QF_ERF, fs->shift};
    *qt = qt_scaled(&f, Q);
    *qh = qh_scaled(&f, Q);
}

double sp_quad_ph_scaled(const struct sp_fnspec *fs, double A, double B)
{
    struct qfn f = {fs->kind == SP_FN_DYT ? QF_TANH : QF_ERF, fs->shift};
    return ph_scaled(&f, A, B);
}
