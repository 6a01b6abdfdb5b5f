/* Fits of log J against depth: power law, stretched exponential (with and
 * without its -log(x)/(8 lambda) correction) and exponential, by GSL's
 * trust-region nonlinear least squares, with confidence intervals, goodness of
 * fit and AIC/BIC (SPEC 2 phases, SPEC 3.5 asymptotics). Does not read files
 * or choose columns: that is the CLI's job. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_multifit_nlinear.h>

#include "sigprop/analysis.h"

static const char *const model_names[SP_FIT_NMODELS + 1] = {
    "power", "stretched", "stretched-log", "stretched-free", "exponential", NULL};

const char *sp_fit_model_name(enum sp_fit_model m)
{
    return (unsigned)m < SP_FIT_NMODELS ? model_names[m] : "?";
}

int sp_fit_model_parse(const char *s, enum sp_fit_model *out)
{
    for (int i = 0; i < SP_FIT_NMODELS; i++)
        if (!strcmp(s, model_names[i])) {
            *out = (enum sp_fit_model)i;
            return 0;
        }
    return -1;
}

enum sp_status sp_fit_models_parse(const char *name, const char *s,
                                   enum sp_fit_model models[SP_FIT_NMODELS], int *nmodels)
{
    char *tok = malloc(strlen(s) + 1);
    if (!tok)
        return sp_fail(SP_ENOMEM, "%s: out of memory", name);
    enum sp_fit_model m[SP_FIT_NMODELS];
    int n = 0;
    enum sp_status st = SP_OK;
    for (const char *p = s; *p && st == SP_OK;) {
        size_t len = strcspn(p, ",");
        int one;
        memcpy(tok, p, len);
        tok[len] = 0;
        if (len && (st = sp_parse_choice(name, model_names, tok, &one)) == SP_OK &&
            n < SP_FIT_NMODELS)
            m[n++] = (enum sp_fit_model)one;
        p += len + (p[len] == ',');
    }
    free(tok);
    if (st == SP_OK && n == 0)
        st = sp_fail(SP_EINVAL, "%s: empty list", name);
    if (st == SP_OK) {
        memcpy(models, m, (size_t)n * sizeof *m);
        *nmodels = n;
    }
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

struct fit_data {
    enum sp_fit_model model;
    const double *x, *y;
    size_t n;
};

static size_t model_npar(enum sp_fit_model m) { return m == SP_FIT_STRETCHED_FREE ? 3 : 2; }

/* Model value and its gradient g in the fitted parameters th = (theta, c[, beta]):
 * power theta = zeta, stretched theta = b = 1/sqrt(lambda), exponential theta = 1/xi. */
static double model_eval(enum sp_fit_model m, const double *th, double x, double *g)
{
    double t = th[0], c = th[1];
    g[1] = 1.0;
    switch (m) {
    case SP_FIT_POWER:
        g[0] = log(x);
        return t * log(x) + c;
    case SP_FIT_STRETCHED:
        g[0] = sqrt(x);
        return t * sqrt(x) + c;
    case SP_FIT_STRETCHED_LOG: /* 1/(8 lambda) = b^2 / 8 */
        g[0] = sqrt(x) - 0.25 * t * log(x);
        return t * sqrt(x) - 0.125 * t * t * log(x) + c;
    case SP_FIT_STRETCHED_FREE:
        g[0] = sqrt(x);
        g[2] = log(x);
        return t * sqrt(x) + th[2] * log(x) + c;
    case SP_FIT_EXPONENTIAL:
        g[0] = x;
        return t * x + c;
    }
    g[0] = NAN;
    return NAN;
}

static int resid_f(const gsl_vector *p, void *data, gsl_vector *f)
{
    const struct fit_data *d = data;
    double g[3];
    for (size_t i = 0; i < d->n; i++)
        gsl_vector_set(f, i, model_eval(d->model, p->data, d->x[i], g) - d->y[i]);
    return GSL_SUCCESS;
}

static int resid_df(const gsl_vector *p, void *data, gsl_matrix *J)
{
    const struct fit_data *d = data;
    double g[3];
    size_t np = model_npar(d->model);
    for (size_t i = 0; i < d->n; i++) {
        model_eval(d->model, p->data, d->x[i], g);
        for (size_t k = 0; k < np; k++)
            gsl_matrix_set(J, i, k, g[k]);
    }
    return GSL_SUCCESS;
}

/* Start values: a weighted straight line of y against the model's abscissa. */
static void initial_guess(enum sp_fit_model m, const double *x, const double *y, const double *w,
                          size_t n, double *theta, double *c)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double u = m == SP_FIT_POWER ? log(x[i]) : m == SP_FIT_EXPONENTIAL ? x[i] : sqrt(x[i]);
        double wi = w ? w[i] : 1.0;
        sw += wi;
        sx += wi * u;
        sy += wi * y[i];
        sxx += wi * u * u;
        sxy += wi * u * y[i];
    }
    double den = sw * sxx - sx * sx;
    *theta = den != 0.0 ? (sw * sxy - sx * sy) / den : 0.0;
    *c = (sy - *theta * sx) / sw;
}

size_t sp_fit_distinct_x(const double *x, size_t n)
{
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c)
        return 0;
    memcpy(c, x, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || c[i] != c[i - 1])
            k++;
    free(c);
    return k;
}

static void set_nan(struct sp_fit_result *r)
{
    r->zeta = r->zeta_err = r->zeta_lo = r->zeta_hi = NAN;
    r->lambda = r->lambda_err = r->lambda_lo = r->lambda_hi = NAN;
    r->xi = r->xi_err = r->xi_lo = r->xi_hi = NAN;
    r->c = r->c_err = NAN;
    r->beta = r->beta_err = NAN;
    r->chi2 = r->dof = r->chi2_red = r->r2 = r->p_value = NAN;
    r->aic = r->bic = NAN;
    r->theta = NAN;
}

/* The model's parameter from the fitted theta, its standard error and interval
 * [lo, hi]: power theta = zeta, stretched theta = b = 1/sqrt(lambda) (lambda's
 * interval is the image of b's), exponential theta = 1/xi; and the phase the
 * law implies at infinite depth. */
static void set_params(struct sp_fit_result *out, double th, double th_err, double lo, double hi)
{
    switch (out->model) {
    case SP_FIT_POWER:
        out->zeta = th;
        out->zeta_err = th_err;
        out->zeta_lo = lo;
        out->zeta_hi = hi;
        out->phase = SP_PHASE_CRITICAL;
        break;
    case SP_FIT_STRETCHED:
    case SP_FIT_STRETCHED_LOG:
    case SP_FIT_STRETCHED_FREE:
        /* lambda = 1/b^2: delta-method error, interval = image of b's interval */
        out->lambda = th > 0.0 ? 1.0 / (th * th) : (double)INFINITY;
        out->lambda_err = th > 0.0 ? 2.0 * th_err / (th * th * th) : (double)INFINITY;
        out->lambda_lo = hi > 0.0 ? 1.0 / (hi * hi) : (double)INFINITY;
        out->lambda_hi = lo > 0.0 ? 1.0 / (lo * lo) : (double)INFINITY;
        out->phase = SP_PHASE_SUBCRITICAL;
        break;
    case SP_FIT_EXPONENTIAL:
        /* xi = 1/k; the interval is the image of k's when it excludes 0 */
        out->xi = th != 0.0 ? 1.0 / th : (double)INFINITY;
        out->xi_err = th != 0.0 ? th_err / (th * th) : (double)INFINITY;
        if (lo > 0.0 || hi < 0.0) {
            out->xi_lo = 1.0 / hi;
            out->xi_hi = 1.0 / lo;
        } else {
            out->xi_lo = -(double)INFINITY;
            out->xi_hi = (double)INFINITY;
        }
        out->phase = th >= 0.0 ? SP_PHASE_CHAOTIC : SP_PHASE_ORDERED;
        break;
    }
}

enum sp_status sp_fit_curve(enum sp_fit_model model, const double *x, const double *y,
                            const double *sigma, size_t n, double level,
                            struct sp_fit_result *out)
{
    memset(out, 0, sizeof *out);
    set_nan(out);
    out->model = model;
    out->n = n;
    out->weighted = sigma != NULL;
    if ((unsigned)model >= SP_FIT_NMODELS)
        return sp_fail(SP_EINVAL, "fit model %d is not one of the %d models", (int)model,
                       SP_FIT_NMODELS);
    const size_t p = model_npar(model);
    if (!x || !y || n < p + 1)
        return sp_fail(SP_EINVAL, "%s fit: %zu points for %zu parameters (at least %zu needed)",
                       model_names[model], n, p, p + 1);
    if (!(level > 0.0 && level < 1.0))
        return sp_fail(SP_EINVAL, "fit: confidence level %g is not in (0, 1)", level);
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0.0) || !isfinite(x[i]) || !isfinite(y[i]) ||
            (sigma && !(sigma[i] > 0.0 && isfinite(sigma[i]))))
            return sp_fail(SP_EINVAL, "fit: point %zu (x = %g, y = %g) has x <= 0, a non-finite "
                           "value or an error <= 0", i, x[i], y[i]);
    size_t nd = sp_fit_distinct_x(x, n);
    if (nd <= p)
        return sp_fail(SP_EINVAL, "%s fit: %zu distinct x values for %zu parameters (at least "
                       "%zu needed)", model_names[model], nd, p, p + 1);

    enum sp_status st = SP_ENOMEM;
    gsl_vector *w = NULL, *p0 = NULL;
    gsl_matrix *cov = NULL;
    gsl_multifit_nlinear_workspace *ws = NULL;
    gsl_error_handler_t *old = gsl_set_error_handler_off(); /* the library never aborts */
    if (sigma) {
        if (!(w = gsl_vector_alloc(n)))
            goto out;
        for (size_t i = 0; i < n; i++)
            gsl_vector_set(w, i, 1.0 / (sigma[i] * sigma[i]));
    }
    if (!(p0 = gsl_vector_alloc(p)) || !(cov = gsl_matrix_alloc(p, p)))
        goto out;
    double th0, c0;
    initial_guess(model, x, y, w ? w->data : NULL, n, &th0, &c0);
    if (model == SP_FIT_STRETCHED_LOG && !(th0 > 0.0))
        th0 = 1e-3; /* the log correction's b^2 has no sign information at b = 0 */
    gsl_vector_set(p0, 0, th0);
    gsl_vector_set(p0, 1, c0);
    if (p == 3)
        gsl_vector_set(p0, 2, 0.0);

    struct fit_data d = {model, x, y, n};
    gsl_multifit_nlinear_fdf fdf = {resid_f, resid_df, NULL, n, p, &d, 0, 0, 0};
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    if (!(ws = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, p)))
        goto out;
    st = SP_ENUMERIC;
    if ((w ? gsl_multifit_nlinear_winit(p0, w, &fdf, ws) : gsl_multifit_nlinear_init(p0, &fdf, ws)) !=
        GSL_SUCCESS)
        goto out;
    int info = 0;
    int rc = gsl_multifit_nlinear_driver(200, 1e-12, 1e-12, 1e-12, NULL, NULL, &info, ws);
    out->converged = rc == GSL_SUCCESS;
    if (rc != GSL_SUCCESS && rc != GSL_EMAXITER)
        goto out;
    gsl_matrix *Jm = gsl_multifit_nlinear_jac(ws);
    if (gsl_multifit_nlinear_covar(Jm, 0.0, cov) != GSL_SUCCESS)
        goto out;

    /* ws's residual vector is sqrt(w) r when weighted */
    gsl_vector *f = gsl_multifit_nlinear_residual(ws);
    double chi2;
    gsl_blas_ddot(f, f, &chi2);
    double th = gsl_vector_get(ws->x, 0), c = gsl_vector_get(ws->x, 1);
    double dof = (double)n - (double)p;
    /* Unweighted: errors scaled by the residual variance. Weighted: by
     * max(1, chi2/dof), so a poor model does not claim tight errors. */
    double scale = sigma ? fmax(1.0, chi2 / dof) : chi2 / dof;
    double th_err = sqrt(gsl_matrix_get(cov, 0, 0) * scale);
    double c_err = sqrt(gsl_matrix_get(cov, 1, 1) * scale);
    double tq = gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), dof);
    double lo = th - tq * th_err, hi = th + tq * th_err;

    double ybar = 0.0, sw = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = sigma ? 1.0 / (sigma[i] * sigma[i]) : 1.0;
        ybar += wi * y[i];
        sw += wi;
    }
    ybar /= sw;
    for (size_t i = 0; i < n; i++) {
        double wi = sigma ? 1.0 / (sigma[i] * sigma[i]) : 1.0;
        ss += wi * (y[i] - ybar) * (y[i] - ybar);
    }
    out->c = c;
    out->c_err = c_err;
    if (p == 3) {
        out->beta = gsl_vector_get(ws->x, 2);
        out->beta_err = sqrt(gsl_matrix_get(cov, 2, 2) * scale);
    }
    out->chi2 = chi2;
    out->dof = dof;
    out->chi2_red = chi2 / dof;
    out->r2 = ss > 0.0 ? 1.0 - chi2 / ss : (double)NAN;
    out->p_value = sigma ? gsl_cdf_chisq_Q(chi2, dof) : (double)NAN;
    double k = (double)p, dn = (double)n;
    double base = sigma ? chi2 : dn * log(fmax(chi2, 1e-300) / dn);
    out->aic = base + 2.0 * k;
    out->bic = base + k * log(dn);

    set_params(out, th, th_err, lo, hi);
    out->theta = th;
    out->ndraw = 1;
    st = isfinite(th) && isfinite(c) ? SP_OK : SP_ENUMERIC;
out:
    if (st == SP_ENOMEM)
        sp_fail(st, "%s fit: out of memory for %zu points", model_names[model], n);
    else if (st != SP_OK)
        sp_fail(st, "%s fit: the GSL solver failed or gave non-finite parameters on %zu points",
                model_names[model], n);
    gsl_set_error_handler(old);
    gsl_multifit_nlinear_free(ws);
    gsl_vector_free(w);
    gsl_vector_free(p0);
    gsl_matrix_free(cov);
    return st;
}

int sp_fit_select(const struct sp_fit_result *res, size_t n, enum sp_fit_criterion crit)
{
    int best = -1;
    double bv = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (res[i].model == SP_FIT_STRETCHED_FREE)
            continue; /* nests the power law (b = 0): an estimator, not a verdict */
        double v = crit == SP_FIT_BIC ? res[i].bic : res[i].aic;
        if (isfinite(v) && v < bv) {
            bv = v;
            best = (int)i;
        }
    }
    return best;
}

enum sp_status sp_fit_power_law(const double *x, const double *y, size_t n, double *A, double *b,
                                double *b_err)
{
    if (n < 2)
        return SP_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0.0) || !(y[i] > 0.0))
            return SP_EINVAL;
    double *lx = malloc(2 * n * sizeof *lx);
    if (!lx)
        return SP_ENOMEM;
    double *ly = lx + n;
    for (size_t i = 0; i < n; i++) {
        lx[i] = log(x[i]);
        ly[i] = log(y[i]);
    }
    double c0, c1, v00, v01, v11, ss;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_fit_linear(lx, 1, ly, 1, n, &c0, &c1, &v00, &v01, &v11, &ss);
    gsl_set_error_handler(old);
    free(lx);
    if (rc != GSL_SUCCESS || !isfinite(c1))
        return SP_ENUMERIC;
    *A = exp(c0);
    *b = -c1;
    *b_err = n > 2 ? sqrt(v11) : (double)NAN; /* gsl scales by ss/(n-2) */
    return SP_OK;
}

/* ---- fits over independent draws, and the verdict ---- */

enum sp_status sp_fit_draws(enum sp_fit_model model, const double *x, const double *y, size_t n,
                            size_t ndraw, double level, enum sp_fit_criterion crit,
                            struct sp_fit_result *out, double *ic_draw)
{
    if (ndraw < 2) {
        memset(out, 0, sizeof *out);
        set_nan(out);
        out->model = model;
        return sp_fail(SP_EINVAL, "fit over draws: %zu draw(s), at least 2 needed", ndraw);
    }
    double *ybar = calloc(n ? n : 1, sizeof *ybar), *th = malloc(3 * ndraw * sizeof *th);
    if (!ybar || !th) {
        free(ybar);
        free(th);
        return sp_fail(SP_ENOMEM, "fit over draws: out of memory for %zu draws", ndraw);
    }
    double *cs = th + ndraw, *bs = cs + ndraw;
    for (size_t d = 0; d < ndraw; d++)
        for (size_t i = 0; i < n; i++)
            ybar[i] += y[d * n + i] / (double)ndraw;
    enum sp_status st = sp_fit_curve(model, x, ybar, NULL, n, level, out);
    for (size_t d = 0; d < ndraw && st == SP_OK; d++) {
        struct sp_fit_result r;
        st = sp_fit_curve(model, x, y + d * n, NULL, n, level, &r);
        if (st != SP_OK) {
            char why[200]; /* sp_fail writes the buffer sp_last_error() reads */
            snprintf(why, sizeof why, "%s", sp_last_error());
            sp_fail(st, "fit over draws: %s fit of draw %zu failed: %s", model_names[model], d,
                    why);
        }
        th[d] = r.theta;
        cs[d] = r.c;
        bs[d] = r.beta;
        if (ic_draw)
            ic_draw[d] = crit == SP_FIT_BIC ? r.bic : r.aic;
    }
    if (st == SP_OK) {
        /* standard errors from the draw-to-draw scatter of the fitted parameters
         * (the errors along one curve are correlated in depth; the draws are not) */
        double m[3] = {0}, v[3] = {0}, nd = (double)ndraw;
        const double *col[3] = {th, cs, bs};
        for (int k = 0; k < 3; k++) {
            for (size_t d = 0; d < ndraw; d++)
                m[k] += col[k][d] / nd;
            for (size_t d = 0; d < ndraw; d++)
                v[k] += (col[k][d] - m[k]) * (col[k][d] - m[k]) / (nd - 1.0);
        }
        double tq = gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), nd - 1.0);
        double t0 = out->theta, se = sqrt(v[0] / nd);
        out->ndraw = ndraw;
        out->c_err = sqrt(v[1] / nd);
        if (model_npar(model) == 3)
            out->beta_err = sqrt(v[2] / nd);
        set_params(out, t0, se, t0 - tq * se, t0 + tq * se);
    }
    free(ybar);
    free(th);
    return st;
}

static double ic_of(const struct sp_fit_result *r, enum sp_fit_criterion crit)
{
    return crit == SP_FIT_BIC ? r->bic : r->aic;
}

/* The law's family: power, stretched (the three stretched models) or exponential. */
static int family(enum sp_fit_model m)
{
    return m == SP_FIT_POWER ? 0 : m == SP_FIT_EXPONENTIAL ? 2 : 1;
}

/* The eligible model (not STRETCHED_FREE, finite criterion) with the smallest
 * criterion, of another family than model skip (skip < 0: any); -1 if none. */
static int select_except(const struct sp_fit_result *res, const enum sp_status *st, size_t n,
                         enum sp_fit_criterion crit, int skip)
{
    int best = -1;
    for (size_t i = 0; i < n; i++) {
        if ((skip >= 0 && family(res[i].model) == family(res[skip].model)) ||
            (st && st[i] != SP_OK) || res[i].model == SP_FIT_STRETCHED_FREE ||
            !isfinite(ic_of(&res[i], crit)))
            continue;
        if (best < 0 || ic_of(&res[i], crit) < ic_of(&res[best], crit))
            best = (int)i;
    }
    return best;
}

/* Fits every model on points [lo, n) (one curve, or ndraw draws) into res/st,
 * per-draw criteria into icd (nmodels x ndraw) when ndraw >= 2. */
static void fit_all(const enum sp_fit_model *models, size_t nmodels, const double *x,
                    const double *y, const double *sigma, size_t n, size_t lo, size_t ndraw,
                    double level, enum sp_fit_criterion crit, struct sp_fit_result *res,
                    enum sp_status *st, double *icd, double *ybuf)
{
    size_t m = n - lo;
    for (size_t k = 0; k < nmodels; k++) {
        if (ndraw < 2) {
            st[k] = sp_fit_curve(models[k], x + lo, y + lo, sigma ? sigma + lo : NULL, m, level,
                                 &res[k]);
        } else {
            for (size_t d = 0; d < ndraw; d++)
                memcpy(ybuf + d * m, y + d * n + lo, m * sizeof *ybuf);
            st[k] = sp_fit_draws(models[k], x + lo, ybuf, m, ndraw, level, crit, &res[k],
                                 icd + k * ndraw);
        }
    }
}

enum sp_status sp_fit_judge(const enum sp_fit_model *models, size_t nmodels, const double *x,
                            const double *y, const double *sigma, size_t n, size_t ndraw,
                            double level, enum sp_fit_criterion crit, double min_delta,
                            struct sp_fit_result *res, enum sp_status *st,
                            struct sp_fit_verdict *v)
{
    memset(v, 0, sizeof *v);
    v->best = v->runner_up = -1;
    v->delta_ic = NAN;
    v->phase = SP_PHASE_CRITICAL;
    if (!models || nmodels == 0 || nmodels > SP_FIT_NMODELS || !x || !y || ndraw == 0)
        return sp_fail(SP_EINVAL, "fit: no models, no points or no draws");
    for (size_t i = 1; i < n; i++)
        if (!(x[i] >= x[i - 1]))
            return sp_fail(SP_EINVAL, "fit: x is not sorted (x[%zu] = %g < %g)", i, x[i], x[i - 1]);
    size_t nd = sp_fit_distinct_x(x, n);
    if (nd < 3)
        return sp_fail(SP_EINVAL, "fit: %zu distinct x value(s) (%zu points): every law has 2 "
                       "parameters, at least 3 distinct x are needed", nd, n);
    if (ndraw >= 2 && nd != n)
        return sp_fail(SP_EINVAL, "fit over %zu draws: x repeats within a draw", ndraw);
    double *icd = NULL, *ybuf = NULL, *dd = NULL;
    struct sp_fit_result deep[SP_FIT_NMODELS];
    enum sp_status dst[SP_FIT_NMODELS];
    if (ndraw >= 2 && (!(icd = malloc(2 * nmodels * ndraw * sizeof *icd)) ||
                       !(ybuf = malloc(n * ndraw * sizeof *ybuf)) ||
                       !(dd = malloc(ndraw * sizeof *dd)))) {
        free(icd);
        free(ybuf);
        return sp_fail(SP_ENOMEM, "fit: out of memory for %zu draws", ndraw);
    }
    fit_all(models, nmodels, x, y, sigma, n, 0, ndraw, level, crit, res, st, icd, ybuf);
    const char *icn = crit == SP_FIT_BIC ? "BIC" : "AIC";
    int b = v->best = select_except(res, st, nmodels, crit, -1);
    int r = v->runner_up = b >= 0 ? select_except(res, st, nmodels, crit, b) : -1;
    if (b < 0) {
        snprintf(v->reason, sizeof v->reason, "no law could be fitted");
        goto done;
    }
    v->phase = res[b].phase;
    const char *bn = model_names[res[b].model];
    if (r < 0) {
        snprintf(v->reason, sizeof v->reason, "only one law (%s) was fitted: nothing to compare", bn);
        goto done;
    }
    const char *rn = model_names[res[r].model];
    v->delta_ic = ic_of(&res[r], crit) - ic_of(&res[b], crit);
    if (!(v->delta_ic >= min_delta)) {
        snprintf(v->reason, sizeof v->reason,
                 "%s difference %.3g < %g between %s and %s over x in [%g, %g]", icn, v->delta_ic,
                 min_delta, bn, rn, x[0], x[n - 1]);
        goto done;
    }
    if (ndraw >= 2) {
        /* the draws are independent: the preference must hold draw by draw */
        double m = 0.0, s2 = 0.0, k = (double)ndraw;
        for (size_t d = 0; d < ndraw; d++)
            m += (dd[d] = icd[(size_t)r * ndraw + d] - icd[(size_t)b * ndraw + d]) / k;
        for (size_t d = 0; d < ndraw; d++)
            s2 += (dd[d] - m) * (dd[d] - m) / (k - 1.0);
        double se = sqrt(s2 / k), t = se > 0.0 ? m / se : (m > 0.0 ? (double)INFINITY : 0.0);
        double tq = gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), k - 1.0);
        if (!(t >= tq)) {
            snprintf(v->reason, sizeof v->reason,
                     "over %zu draws %s beats %s by %s %.3g +- %.3g per draw (t = %.3g < %.3g)",
                     ndraw, bn, rn, icn, m, se, t, tq);
            goto done;
        }
    }
    /* an asymptotic law must persist deeper: refit the deeper half */
    size_t lo = n / 2;
    if (n - lo < 4) {
        snprintf(v->reason, sizeof v->reason,
                 "depth range too short: %zu points, the deeper half has %zu (at least 4 needed)",
                 n, n - lo);
        goto done;
    }
    fit_all(models, nmodels, x, y, sigma, n, lo, ndraw, level, crit, deep, dst,
            icd ? icd + nmodels * ndraw : NULL, ybuf);
    int db = select_except(deep, dst, nmodels, crit, -1);
    if (db < 0 || family(deep[db].model) != family(res[b].model)) {
        snprintf(v->reason, sizeof v->reason,
                 "depth range too short: x in [%g, %g] selects %s, its deeper half [%g, %g] %s%s",
                 x[0], x[n - 1], bn, x[lo], x[n - 1], db < 0 ? "fits no law" : "selects ",
                 db < 0 ? "" : model_names[deep[db].model]);
        goto done;
    }
    v->conclusive = 1;
done:
    free(icd);
    free(ybuf);
    free(dd);
    return SP_OK;
}

const char *sp_fit_verdict_name(const struct sp_fit_verdict *v, const struct sp_fit_result *res)
{
    return v->conclusive && v->best >= 0 ? model_names[res[v->best].model] : "inconclusive";
}
