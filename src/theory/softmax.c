/* Softmax attention at O(1) logits (docs/derivations/softmax.md): the moments of
 * the softmax of n jointly Gaussian logits, exact in n for one query and to first
 * order in the keys' shared covariance for two queries, and the bidirectional
 * attention sublayer built from them (forward q, p and the 2 x 2 tangent map of
 * (J, kappa) with the value path and the logit path). Quadrature only: the
 * Laplace representation 1/Z^m = int t^(m-1) e^(-tZ) dt / (m-1)! turns every
 * moment into 1-D integrals over t and Gaussian integrals over the logits, all
 * trapezoidal (exponentially accurate for these smooth, decaying integrands).
 * The one-query moments are averaged over the query norm's chi^2 spread at finite
 * head dimension; the two-query ones are at infinite head dimension. Not covered:
 * causal masks (causal.c keeps uniform attention). */
#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_sf_psi.h>

#include "sigprop/theory.h"
#include "theory/internal.h"

#define SM_V_MAX 25.0   /* largest logit variance the grids are sized for */
#define SM_HS 0.2       /* log t spacing */
#define SM_S_LO (-36.0) /* log(t n mu) lower end: the integrands decay like e^(m s) there */
#define SM_NS_MAX 480   /* t nodes at most */
#define SM_HB 0.05      /* spacing of the g_m(l) table */
#define SM_GAUSS_SD 10.0 /* trapezoid range in standard deviations */

/* Trapezoid nodes of N(0, var): x_k = k h from -lo_sd to SM_GAUSS_SD standard
 * deviations, weights normalised to sum 1 (var = 0: one node). */
static int gauss_nodes(double var, double lo_sd, double *x, double *w, int cap)
{
    if (!(var > 0.0)) {
        x[0] = 0.0, w[0] = 1.0;
        return 1;
    }
    double sd = sqrt(var), h = fmin(0.2, sd / 3.0);
    int K = (int)ceil(SM_GAUSS_SD * sd / h), K0 = (int)ceil(lo_sd * sd / h);
    if (K + K0 + 1 > cap) {
        double f = (cap - 1.0) / (K + K0);
        K = (int)floor(K * f), K0 = cap - 1 - K;
        h = SM_GAUSS_SD * sd / K;
    }
    double sum = 0.0;
    for (int k = -K0; k <= K; k++) {
        double xk = k * h;
        x[k + K0] = xk;
        w[k + K0] = exp(-0.5 * xk * xk / var);
        sum += w[k + K0];
    }
    for (int k = 0; k < K + K0 + 1; k++)
        w[k] /= sum;
    return K + K0 + 1;
}

#define SM_NG_MAX 1601

struct sm_work {
    double n, v, c, mu;
    int ns;
    double t[SM_NS_MAX], lphi[SM_NS_MAX], phi2[SM_NS_MAX];
    /* log g_m(l) on l = lb0 + i SM_HB, m = 1..4: g_m(l) = E (e^l + Y)^(-m), Y a sum of n-1 */
    int nb;
    double lb0;
    double *lg[4];
    /* trapezoid nodes: l ~ N(0, v); u ~ N(0, |c|) shared by two queries; w ~ N(0, v - |c|) */
    int nl, nu, nw;
    double lx[SM_NG_MAX], lw[SM_NG_MAX], ux[SM_NG_MAX], uw[SM_NG_MAX], wx[SM_NG_MAX], ww[SM_NG_MAX];
};

/* phi(t) = E exp(-t e^l) and phi2(t) = E e^(2l) exp(-t e^l) for l ~ N(0, v), on the t
 * grid t = e^s / (n mu), s from SM_S_LO until phi^(n-1) < e^-46. */
static enum sp_status t_grid(struct sm_work *w)
{
    double v = w->v, sd = sqrt(v);
    double hA = fmin(0.2, sd / 3.0), lo = -SM_GAUSS_SD * sd, hi = SM_GAUSS_SD * sd + 2.0 * v;
    int nA = (int)ceil((hi - lo) / hA) + 1;
    double *la = malloc(3 * (size_t)nA * sizeof *la), *pa = la ? la + nA : NULL;
    double *ea = la ? pa + nA : NULL;
    if (!la)
        return sp_fail(SP_ENOMEM, "softmax moments: out of memory");
    double sum = 0.0;
    for (int k = 0; k < nA; k++) {
        la[k] = lo + k * hA;
        pa[k] = exp(-0.5 * la[k] * la[k] / v);
        ea[k] = exp(la[k]);
        sum += pa[k];
    }
    for (int k = 0; k < nA; k++)
        pa[k] /= sum;
    double tail = fmax(w->n - 1.0, 2.0);
    int i = 0;
    for (; i < SM_NS_MAX; i++) {
        double s = SM_S_LO + i * SM_HS, t = exp(s) / (w->n * w->mu), f = 0.0, f2 = 0.0;
        for (int k = 0; k < nA; k++) {
            double e = exp(-t * ea[k]) * pa[k];
            f += e;
            f2 += e * ea[k] * ea[k];
        }
        w->t[i] = t;
        w->lphi[i] = log(f);
        w->phi2[i] = f2;
        if (s > 0.0 && -tail * w->lphi[i] > 46.0)
            break;
    }
    free(la);
    if (i == SM_NS_MAX)
        return sp_fail(SP_ENUMERIC, "softmax moments: t grid did not close at n = %g, v = %g",
                       w->n, v);
    w->ns = i + 1;
    return SP_OK;
}

/* log g_m(l), m = 1..4, on the table: g_m = sum_i h t_i^m e^(-t_i e^l) phi_i^(n-1) / (m-1)!
 * (the trapezoid in s = log t of int t^(m-1) e^(-t e^l) phi(t)^(n-1) dt / (m-1)!). */
static enum sp_status g_table(struct sm_work *w)
{
    double sd = sqrt(w->v), lo = -SM_GAUSS_SD * sd - 2.0;
    double hi = SM_GAUSS_SD * sd + 4.0 * w->v + 2.0;
    w->nb = (int)ceil((hi - lo) / SM_HB) + 1;
    w->lb0 = lo;
    double *buf = malloc(4 * (size_t)w->nb * sizeof *buf);
    if (!buf)
        return sp_fail(SP_ENOMEM, "softmax moments: out of memory");
    for (int m = 0; m < 4; m++)
        w->lg[m] = buf + (size_t)m * w->nb;
    double base[SM_NS_MAX];
    for (int i = 0; i < w->ns; i++)
        base[i] = SM_HS * w->t[i] * exp((w->n - 1.0) * w->lphi[i]);
    for (int b = 0; b < w->nb; b++) {
        double el = exp(lo + b * SM_HB), g[4] = {0, 0, 0, 0};
        for (int i = 0; i < w->ns; i++) {
            double t = w->t[i], e = base[i] * exp(-t * el);
            g[0] += e;
            e *= t;
            g[1] += e;
            e *= t;
            g[2] += e;
            e *= t;
            g[3] += e;
        }
        w->lg[0][b] = log(g[0]);
        w->lg[1][b] = log(g[1]);
        w->lg[2][b] = log(g[2] / 2.0);
        w->lg[3][b] = log(g[3] / 6.0);
    }
    /* At large v the table's right end can pass where every e^(-t e^l) underflows;
     * there e^l dwarfs Y (~ n mu) and lg_at's tail e^(-m l) is exact to many digits,
     * so the table ends at the first such entry (a non-finite entry elsewhere is an error). */
    for (int b = 0; b < w->nb; b++)
        for (int m = 0; m < 4; m++)
            if (!isfinite(w->lg[m][b])) {
                if (b >= 4 && lo + b * SM_HB > log(w->n * w->mu) + 20.0) {
                    w->nb = b;
                    return SP_OK;
                }
                return sp_fail(SP_ENUMERIC, "softmax moments: g_%d not finite at n = %g, v = %g",
                               m + 1, w->n, w->v);
            }
    return SP_OK;
}

/* log g_m(l) by 4-point Lagrange interpolation of the table; outside it g_m is
 * flat on the left (E Y^-m) and falls as e^(-m l) on the right. */
static double lg_at(const struct sm_work *w, int m, double l)
{
    const double *y = w->lg[m - 1];
    int nb = w->nb;
    double x = (l - w->lb0) / SM_HB;
    if (x <= 0.0)
        return y[0];
    if (x >= nb - 1.0)
        return y[nb - 1] - m * (l - (w->lb0 + (nb - 1) * SM_HB));
    int i = (int)x;
    if (i < 1)
        i = 1;
    if (i > nb - 3)
        i = nb - 3;
    double f = x - i, a = y[i - 1], b = y[i], c = y[i + 1], d = y[i + 2];
    double fm = f - 1.0, fp = f + 1.0, f2 = f - 2.0;
    return -f * fm * f2 / 6.0 * a + fp * fm * f2 / 2.0 * b - fp * f * f2 / 2.0 * c +
           fp * f * fm / 6.0 * d;
}

/* E[e^(k l) g_m(l)], l ~ N(0, v): e^(k^2 v / 2) E g_m(l + k v) (the tilt moved into
 * the argument, so the integrand is smooth and bounded). */
static double single(const struct sm_work *w, int k, int m)
{
    double s = 0.0;
    for (int i = 0; i < w->nl; i++)
        s += w->lw[i] * exp(lg_at(w, m, w->lx[i] + k * w->v));
    return exp(0.5 * k * k * w->v) * s;
}

/* E[e^(j l + k l') g_J(l) g_K(l')] for two queries: l = u + w, l' = e u + w',
 * e = sign(c), u ~ N(0, |c|), w, w' ~ N(0, v - |c|), the tilt moved into the
 * arguments as in single(). */
static double pair(const struct sm_work *w, int j, int k, int J, int K)
{
    double ac = fabs(w->c), e = w->c < 0.0 ? -1.0 : 1.0, vw = w->v - ac;
    double ju = j + e * k, su = ju * ac, sa = j * vw, sb = k * vw, s = 0.0;
    for (int a = 0; a < w->nu; a++) {
        double u = w->ux[a] + su, A = 0.0, B = 0.0;
        for (int b = 0; b < w->nw; b++) {
            A += w->ww[b] * exp(lg_at(w, J, u + w->wx[b] + sa));
            B += w->ww[b] * exp(lg_at(w, K, e * u + w->wx[b] + sb));
        }
        s += w->uw[a] * A * B;
    }
    return exp(0.5 * (ju * ju * ac + (j * j + k * k) * vw)) * s;
}

/* The moments at (n, v, c); pairs = 0 computes the one-query ones only (sq, t3,
 * q4, rq, norm; the two-query fields are left 0). */
static enum sp_status moments(double n, double v, double c, int pairs,
                              struct sp_softmax_moments *out)
{
    if (!(n >= 1.0) || !isfinite(n) || !(v >= 0.0) || !isfinite(c) || fabs(c) > v * (1.0 + 1e-12))
        return sp_fail(SP_EINVAL, "softmax moments: n = %g, v = %g, c = %g (needs n >= 1, |c| <= v)",
                       n, v, c);
    if (v > SM_V_MAX)
        return sp_fail(SP_EUNSUPPORTED,
                       "softmax moments: logit variance %g beyond the quadrature's range (<= %g)",
                       v, SM_V_MAX);
    if (fabs(c) > v)
        c = c < 0.0 ? -v : v;
    if (n == 1.0) { /* one key: P = 1 */
        *out = (struct sp_softmax_moments){1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0};
        return SP_OK;
    }
    if (v == 0.0) { /* uniform: P = 1/n */
        double s = 1.0 / n, t = s * s;
        *out = (struct sp_softmax_moments){s, t, t, s, t, t, s - t, s - t, 1.0};
        return SP_OK;
    }
    struct sm_work *w = malloc(sizeof *w);
    if (!w)
        return sp_fail(SP_ENOMEM, "softmax moments: out of memory");
    w->n = n, w->v = v, w->c = c, w->mu = exp(0.5 * v);
    w->lg[0] = NULL;
    enum sp_status st = t_grid(w);
    if (st == SP_OK)
        st = g_table(w);
    if (st == SP_OK) {
        /* single()'s tilt e^(k l), k <= 4, moves the mass of E e^(k l) g_k(l) to
         * l ~ log(n mu) - k v: at few keys and large v that is beyond 10 standard
         * deviations on the left, so the nodes reach 4 sqrt(v) further there */
        w->nl = gauss_nodes(v, SM_GAUSS_SD + 4.0 * sqrt(v), w->lx, w->lw, SM_NG_MAX);
        struct sp_softmax_moments m = {0};
        m.sq = n * single(w, 2, 2);
        m.t3 = n * single(w, 3, 3);
        /* E (sum P^2)^2 = n E P_1^4 + n(n-1) E P_1^2 P_2^2, the second from
         * int t^3 phi2(t)^2 phi(t)^(n-2) dt / 3! */
        double q4b = 0.0;
        for (int i = 0; i < w->ns; i++) {
            double t = w->t[i];
            q4b += SM_HS * t * t * t * t * w->phi2[i] * w->phi2[i] * exp((n - 2.0) * w->lphi[i]);
        }
        m.q4 = n * single(w, 4, 4) + n * (n - 1.0) * q4b / 6.0;
        m.rq = m.sq - 2.0 * m.t3 + m.q4;
        m.norm = n * single(w, 1, 1); /* = n E P_1 = 1: the quadrature's own check */
        if (pairs) {
            /* two queries: the keys' shared logit makes Y, Y' correlated, Cov = (n-1) e^v
             * (e^c - 1); to first order E f(Y) g(Y') = E f E g + Cov E f' E g'
             * (docs/derivations/softmax.md) */
            w->nu = gauss_nodes(fabs(c), SM_GAUSS_SD, w->ux, w->uw, SM_NG_MAX);
            w->nw = gauss_nodes(v - fabs(c), SM_GAUSS_SD, w->wx, w->ww, SM_NG_MAX);
            double cy = (n - 1.0) * exp(v) * expm1(c);
            m.sp = n * (pair(w, 1, 1, 1, 1) + cy * pair(w, 1, 1, 2, 2));
            m.t21 = n * (pair(w, 2, 1, 2, 1) + 2.0 * cy * pair(w, 2, 1, 3, 2));
            m.q22 = n * (pair(w, 2, 2, 2, 2) + 4.0 * cy * pair(w, 2, 2, 3, 3)) +
                    (n - 1.0) / n * m.sp * m.sp;
            m.rp = m.sp - 2.0 * m.t21 + m.q22;
        }
        *out = m;
        if (!isfinite(m.sq) || !isfinite(m.sp) || !isfinite(m.rq) || !isfinite(m.rp))
            st = sp_fail(SP_ENUMERIC, "softmax moments not finite at n = %g, v = %g, c = %g", n, v, c);
    }
    free(w->lg[0]);
    free(w);
    return st;
}

enum sp_status sp_softmax_moments(double n, double v, double c, struct sp_softmax_moments *out)
{
    return moments(n, v, c, 1, out);
}

/* Trapezoid nodes of z = log X, X ~ chi^2_dh / dh (density ~ exp(k (z - e^z)),
 * k = dh/2): every node whose weight is above 1e-10 of the mode's, at spacing
 * sd(z)/2 (sd(z)^2 = trigamma(k)) or wider where the range needs more than cap
 * nodes; weights normalised to sum 1. Returns the node count. */
static int query_norm_nodes(double dh, double *x, double *w, int cap)
{
    double k = 0.5 * dh, sd = sqrt(gsl_sf_psi_1(k)), lo = 0.0, hi = 0.0;
    const double cut = -23.0; /* log 1e-10 */
    while (k * (lo - expm1(lo)) > cut) /* the log-density relative to the mode (z = 0) */
        lo -= 0.25 * sd;
    while (k * (hi - expm1(hi)) > cut)
        hi += 0.25 * sd;
    double h = fmax(0.5 * sd, (hi - lo) / (cap - 1));
    int m = (int)floor((hi - lo) / h) + 1;
    double sum = 0.0;
    for (int j = 0; j < m; j++) {
        double z = lo + j * h;
        x[j] = exp(z);
        w[j] = exp(k * (z - expm1(z)));
        sum += w[j];
    }
    for (int j = 0; j < m; j++)
        w[j] /= sum;
    return m;
}

#define SM_NX_MAX 64

enum sp_status sp_softmax_query_moments(double n, double v, double dh,
                                        struct sp_softmax_query *out)
{
    struct sp_softmax_moments m;
    if (!(dh > 0.0) || !isfinite(dh) || v == 0.0) { /* X = 1 (v = 0: nothing to average) */
        enum sp_status s = moments(n, v, 0.0, 0, &m);
        if (s == SP_OK)
            *out = (struct sp_softmax_query){m.sq, m.rq, m.rq};
        return s;
    }
    double x[SM_NX_MAX], w[SM_NX_MAX];
    int nx = query_norm_nodes(dh, x, w, SM_NX_MAX);
    struct sp_softmax_query q = {0, 0, 0};
    for (int j = 0; j < nx; j++) {
        enum sp_status s = moments(n, v * x[j], 0.0, 0, &m);
        if (s == SP_EUNSUPPORTED)
            return sp_fail(s, "softmax moments: logit variance %g x %g (the query norm's "
                              "spread at head dimension %g) beyond the quadrature's range (<= %g)",
                           v, x[j], dh, SM_V_MAX);
        if (s != SP_OK)
            return s;
        q.sq += w[j] * m.sq;
        q.rq += w[j] * m.rq;
        q.rqx += w[j] * x[j] * m.rq;
    }
    *out = q;
    return SP_OK;
}

/* The attention sublayer at O(1) logits (docs/derivations/softmax.md, sections 2-3):
 * with D = qt - pt, the logits of one query have key-varying variance
 * v = s_QK qt D and two queries' logits at one key covariance c = s_QK pt D; then
 * dq = s_OV (pt + D sq), dp = s_OV (pt + D sp), and the logit path enters the APJN
 * through lq = s_QK D rq, lp = s_QK D rp (sp_softmax_step). */
enum sp_status sp_softmax_sublayer(const struct sp_arch *a, struct sp_sublayer *out)
{
    const struct sp_gmap *g = &out->m;
    double n = (double)a->tokens, sqk = sp_arch_s_qk(a), sov = sp_arch_s_ov(a);
    double D = -g->dpt, v = sqk * g->qt * D, c = sqk * g->pt * D;
    if (D < 0.0)
        D = 0.0, v = 0.0, c = 0.0;
    if (c > v) c = v;
    if (c < -v) c = -v;
    /* two queries at infinite head dimension; one query averaged over its norm */
    struct sp_softmax_moments mo;
    struct sp_softmax_query mq;
    double dh = a->heads > 0 ? (double)a->width / a->heads : 0.0;
    enum sp_status s = sp_softmax_moments(n, v, c, &mo);
    if (s == SP_OK)
        s = sp_softmax_query_moments(n, v, dh, &mq);
    if (s != SP_OK)
        return s;
    out->gauss = 1;
    out->sq = mq.sq;
    out->sp = mo.sp;
    out->lq = sqk * D * mq.rq;
    out->lqx = sqk * D * mq.rqx;
    out->lp = sqk * D * mo.rp;
    out->dq = sov * (g->pt + D * mq.sq);
    out->dp = sov * (g->pt + D * mo.sp);
    /* one channel: the K = 0 step (value path plus logit path) */
    out->log_chi = log1p(sov * g->qh * (mq.sq + out->lq * D + out->lqx * g->qt));
    return SP_OK;
}

/* One two-channel step of (J = 1, K) through the attention sublayer (see
 * two_channel_step in recursion.c for the convention): returns J' - 1, sets *K.
 * kappa = K n / (n-1) is the per-pair cross-token correlation; at sq = sp = 1/n
 * and s_QK = 0 the step is the uniform one (SPEC 3.4) for either c_n. Backward,
 * the logit path is kept in J only (its K = 0 value, exact for the trace) and
 * left out of K (docs/derivations/softmax.md, section 4). */
double sp_softmax_step(const struct sp_arch *a, double cn, const struct sp_sublayer *sl,
                       int forward, double *K)
{
    const struct sp_gmap *g = &sl->m;
    double n = (double)a->tokens, sov = sp_arch_s_ov(a), D = fmax(-g->dpt, 0.0);
    double kap = n > 1.0 ? *K * n / (n - 1.0) : 0.0, x, dk;
    if (forward) {
        double var = g->qh - g->ph * kap; /* key-varying part of the probe */
        x = sov * (g->qh * sl->sq + g->ph * kap * (1.0 - sl->sq)) +
            sov * (sl->lq * g->qh * D + sl->lqx * g->qt * var);
        dk = sov * (g->qh * sl->sp + g->ph * kap * (1.0 - sl->sp)) +
             sov * sl->lp * (g->ph * kap * D + g->pt * var);
    } else {
        x = sov * g->qh * (sl->sq + n * sl->sp * *K) + sov * g->qh * (sl->lq * D + sl->lqx * g->qt);
        dk = sov * g->ph * ((n > 1.0 ? (1.0 - sl->sq) / (n - 1.0) : 0.0) + (1.0 - sl->sp) * kap);
    }
    *K = (*K + cn * dk) / (1.0 + x);
    return x;
}

/* ---- softmax moments for many prefix lengths (the causal theory) ----
 * Nodes in k: 1..8, then about 2^(1/4) apart (rounded, distinct), and kmax; in
 * u = sqrt(v): j SM_TAB_HU, j >= 0 (the moments are even in u). At each node, by
 * moments() at infinite head dimension: one query's sq, rq. A node is computed only
 * when a lookup needs it; lookups interpolate the logs by 6-point Lagrange in u
 * and k times the value by 4-point Lagrange in log k (a node's k: none). k = 1 is
 * exact (P = 1). */
#define SM_TAB_HU 0.1
#define SM_TAB_NU ((int)(5.0 / SM_TAB_HU) + 4) /* u <= sqrt(SM_V_MAX) = 5, plus a stencil */
#define SM_TAB_NQ 2                             /* log sq, log rq */

struct sp_softmax_table {
    int nk;
    double dh;
    double *kn;         /* k nodes */
    double *y;          /* the SM_TAB_NQ logs at (k node i, u node j): [(i SM_TAB_NU + j) NQ + q] */
    unsigned char *has; /* computed */
    unsigned char *need;
    int nx;             /* query-norm nodes: X ~ chi^2_dh / dh */
    double x[SM_NX_MAX], xw[SM_NX_MAX];
};

void sp_softmax_table_free(struct sp_softmax_table *t)
{
    if (!t)
        return;
    free(t->kn);
    free(t->y);
    free(t->has);
    free(t);
}

enum sp_status sp_softmax_table_new(int kmax, double dh, struct sp_softmax_table **out)
{
    *out = NULL;
    if (kmax < 1)
        return sp_fail(SP_EINVAL, "softmax table: %d keys", kmax);
    struct sp_softmax_table *t = calloc(1, sizeof *t);
    size_t cap = 8 + (size_t)ceil(4.0 * log2(kmax + 1.0)) + 2, nodes = cap * SM_TAB_NU;
    if (t) {
        t->kn = malloc(cap * sizeof *t->kn);
        t->y = malloc(nodes * SM_TAB_NQ * sizeof *t->y);
        t->has = calloc(2 * nodes, 1);
    }
    if (!t || !t->kn || !t->y || !t->has) {
        sp_softmax_table_free(t);
        return sp_fail(SP_ENOMEM, "softmax table: out of memory");
    }
    t->need = t->has + nodes;
    int nk = 0;
    for (int k = 1; k <= kmax && k <= 8; k++)
        t->kn[nk++] = k;
    for (double k = 8.0 * pow(2.0, 0.25); k < kmax; k *= pow(2.0, 0.25))
        if (round(k) > t->kn[nk - 1] && round(k) < kmax)
            t->kn[nk++] = round(k);
    if (t->kn[nk - 1] < kmax)
        t->kn[nk++] = kmax;
    t->nk = nk;
    t->dh = dh;
    t->nx = 0;
    if (dh > 0.0 && isfinite(dh)) { /* the query norm's nodes, those above 1e-9 */
        double x[SM_NX_MAX], w[SM_NX_MAX], wsum = 0.0;
        int m = query_norm_nodes(dh, x, w, SM_NX_MAX);
        for (int j = 0; j < m; j++)
            if (w[j] > 1e-9)
                t->x[t->nx] = x[j], t->xw[t->nx++] = w[j], wsum += w[j];
        for (int j = 0; j < t->nx; j++)
            t->xw[j] /= wsum;
    }
    *out = t;
    return SP_OK;
}

/* The stencil of k (first node index; count 1 when k is a node, else 4) */
static int tab_kstencil(const struct sp_softmax_table *t, double k, int *i0)
{
    int i = 0;
    while (i + 1 < t->nk && t->kn[i + 1] <= k)
        i++;
    if (t->kn[i] == k) {
        *i0 = i;
        return 1;
    }
    int s = i - 1;
    if (s < 0)
        s = 0;
    if (s > t->nk - 4)
        s = t->nk - 4;
    *i0 = s;
    return 4;
}

static double lagrange(int np, const double *x, const double *y, double at)
{
    double s = 0.0;
    for (int i = 0; i < np; i++) {
        double w = 1.0;
        for (int j = 0; j < np; j++)
            if (j != i)
                w *= (at - x[j]) / (x[i] - x[j]);
        s += w * y[i];
    }
    return s;
}

/* sq, rq (the first nq of them) at k >= 1 keys, variance 0 < v <= SM_V_MAX into out.
 * mark: only flag the nodes this needs; else interpolate (a node not computed is an
 * error). */
static enum sp_status tab_at(struct sp_softmax_table *t, double k, double v, int nq, int mark,
                             double *out)
{
    if (v > SM_V_MAX)
        return sp_fail(SP_EUNSUPPORTED,
                       "softmax moments: logit variance %g beyond the quadrature's range (<= %g)",
                       v, SM_V_MAX);
    double u = sqrt(v);
    int j0 = (int)(u / SM_TAB_HU) - 2;
    if (j0 + 5 >= SM_TAB_NU)
        j0 = SM_TAB_NU - 6;
    int i0, nki = tab_kstencil(t, k, &i0);
    double yk[SM_TAB_NQ][4], lk[4];
    for (int a = 0; a < nki; a++) {
        int i = i0 + a;
        double ux[6], ly[SM_TAB_NQ][6];
        lk[a] = log(t->kn[i]);
        if (t->kn[i] == 1.0) { /* P = 1: sq = sp = 1, rq = rp = 0 */
            for (int q = 0; q < nq; q++)
                yk[q][a] = q % 2 == 0 ? 1.0 : 0.0;
            continue;
        }
        for (int b = 0; b < 6; b++) {
            size_t node = (size_t)i * SM_TAB_NU + (size_t)abs(j0 + b); /* even in u */
            ux[b] = (j0 + b) * SM_TAB_HU;
            if (mark) {
                t->need[node] |= (unsigned char)!t->has[node];
                continue;
            }
            if (!t->has[node])
                return sp_fail(SP_ENUMERIC, "softmax table: node (%g keys, u %g) not computed",
                               t->kn[i], abs(j0 + b) * SM_TAB_HU);
            for (int q = 0; q < nq; q++)
                ly[q][b] = t->y[node * SM_TAB_NQ + (size_t)q];
        }
        if (!mark)
            for (int q = 0; q < nq; q++)
                yk[q][a] = t->kn[i] * exp(lagrange(6, ux, ly[q], u));
    }
    if (mark)
        return SP_OK;
    for (int q = 0; q < nq; q++)
        out[q] = (nki == 1 ? yk[q][0] : lagrange(4, lk, yk[q], log(k))) / k;
    return SP_OK;
}

enum sp_status sp_softmax_table_fill(struct sp_softmax_table *t)
{
    long total = (long)t->nk * SM_TAB_NU, bad = -1;
    enum sp_status first = SP_OK;
#pragma omp parallel for schedule(dynamic, 1)
    for (long q = 0; q < total; q++) {
        if (!t->need[q] || t->has[q])
            continue;
        double k = t->kn[q / SM_TAB_NU], u = (double)(q % SM_TAB_NU) * SM_TAB_HU;
        double *y = t->y + (size_t)q * SM_TAB_NQ;
        struct sp_softmax_moments m;
        enum sp_status s = moments(k, u * u, 0.0, 0, &m);
        if (s == SP_OK && !(m.sq > 0.0 && m.rq > 0.0))
            s = SP_ENUMERIC;
        if (s == SP_OK)
            y[0] = log(m.sq), y[1] = log(m.rq);
        if (s != SP_OK) {
#pragma omp critical(softmax_table)
            if (bad < 0 || q < bad)
                bad = q, first = s;
            continue;
        }
        t->has[q] = 1;
        t->need[q] = 0;
    }
    if (bad >= 0)
        return sp_fail(first, "softmax table: the moments failed at %g keys, v = %g",
                       t->kn[bad / SM_TAB_NU], pow((double)(bad % SM_TAB_NU) * SM_TAB_HU, 2.0));
    return SP_OK;
}

enum sp_status sp_softmax_table_query(struct sp_softmax_table *t, int k, double v, int mark,
                                      struct sp_softmax_query *out)
{
    double kk = (double)k, y[2];
    if (k == 1 || v == 0.0) { /* one key, or uniform */
        if (!mark)
            *out = (struct sp_softmax_query){1.0 / kk, (kk - 1.0) / (kk * kk), (kk - 1.0) / (kk * kk)};
        return SP_OK;
    }
    if (t->nx == 0) {
        enum sp_status s = tab_at(t, kk, v, 2, mark, y);
        if (s == SP_OK && !mark)
            *out = (struct sp_softmax_query){y[0], y[1], y[1]};
        return s;
    }
    struct sp_softmax_query q = {0, 0, 0};
    for (int j = 0; j < t->nx; j++) {
        enum sp_status s = tab_at(t, kk, v * t->x[j], 2, mark, y);
        if (s != SP_OK)
            return s;
        q.sq += t->xw[j] * y[0];
        q.rq += t->xw[j] * y[1];
        q.rqx += t->xw[j] * t->x[j] * y[1];
    }
    if (!mark)
        *out = q;
    return SP_OK;
}

/* Two queries sharing m keys, logit variance v and covariance c at each: sp, rp
 * linear in y = expm1(c) / expm1(v) between c = 0 (independent queries: sp = 1/m,
 * rp = (1 - sq)^2 / (m - 1), exactly) and c = v (the same query: sq, rq). Exact at
 * c = 0, c = v and, for every c, at m -> infinity (sp -> e^c / m is linear in e^c);
 * low by 1% at m = 128, v = 1, c = 0.6, by 3-4% at m = 2, v = 1-2, c = v/2, and by 9%
 * at m = 128, v = 2, c = 0.8 (tests/test_softmax.c). */
enum sp_status sp_softmax_table_pair(struct sp_softmax_table *t, int m, double v, double c,
                                     int mark, double *sp, double *rp)
{
    double mm = (double)m, y[2];
    if (m == 1 || v == 0.0) {
        if (!mark)
            *sp = 1.0 / mm, *rp = (mm - 1.0) / (mm * mm);
        return SP_OK;
    }
    enum sp_status s = tab_at(t, mm, v, 2, mark, y);
    if (s != SP_OK || mark)
        return s;
    c = c > v ? v : (c < -v ? -v : c);
    double lam = expm1(c) / expm1(v), r0 = (1.0 - y[0]) * (1.0 - y[0]) / (mm - 1.0);
    *sp = 1.0 / mm + lam * (y[0] - 1.0 / mm);
    *rp = r0 + lam * (y[1] - r0);
    return SP_OK;
}
