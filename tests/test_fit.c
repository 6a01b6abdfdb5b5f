/* Tests of src/analysis/fit.c: known parameters recovered from synthetic
 * curves with noise (and the stated confidence intervals cover the truth at
 * about their nominal rate), model selection, and agreement of fits of long
 * theory curves with the asymptotic laws of SPEC 3.5 (zeta = 2/3 at the timm
 * ratio, lambda = (s_21/2 + s_OV p*) / (c_phi^2 alpha^2 s_21^2), toy lambda =
 * pi^2 / (16 a^2 sigma_w^2)). Noise comes from GSL's mt19937 with fixed seeds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "check.h"
#include "sigprop.h"

static double truth_y(enum sp_fit_model m, double th, double c, double x)
{
    switch (m) {
    case SP_FIT_POWER: return th * log(x) + c;
    case SP_FIT_STRETCHED: return sqrt(x / th) + c;
    case SP_FIT_STRETCHED_LOG: return sqrt(x / th) - log(x) / (8.0 * th) + c;
    case SP_FIT_STRETCHED_FREE: return sqrt(x / th) + 0.4 * log(x) + c;
    case SP_FIT_EXPONENTIAL: return x / th + c;
    }
    return NAN;
}

static double param(const struct sp_fit_result *r)
{
    return r->model == SP_FIT_POWER ? r->zeta : r->model == SP_FIT_EXPONENTIAL ? r->xi : r->lambda;
}

/* Exact data: every model recovers its own parameters to solver precision. */
static void test_exact(void)
{
    const double th[SP_FIT_NMODELS] = {0.66, 9.0, 9.0, 9.0, -40.0};
    double x[100], y[100];
    for (int m = 0; m < SP_FIT_NMODELS; m++) {
        for (int i = 0; i < 100; i++) {
            x[i] = 1.0 + 3.0 * i;
            y[i] = truth_y((enum sp_fit_model)m, th[m], 0.7, x[i]);
        }
        struct sp_fit_result r;
        CHECK(sp_fit_curve((enum sp_fit_model)m, x, y, NULL, 100, 0.95, &r) == SP_OK);
        CHECK(r.converged);
        CHECK_CLOSE(param(&r), th[m], 0.0, 1e-7);
        CHECK_CLOSE(r.c, 0.7, 1e-7, 0.0);
        CHECK(r.chi2 < 1e-12);
        if (m == SP_FIT_STRETCHED_FREE)
            CHECK_CLOSE(r.beta, 0.4, 1e-7, 0.0);
    }
}

/* Noisy data: parameter within its 95% interval about 95% of the time, and
 * the true model selected by AIC and BIC. */
static void test_noise_coverage(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345);
    const double th[SP_FIT_NMODELS] = {0.66, 9.0, 9.0, 9.0, 30.0};
    enum { TRIALS = 200, N = 120 };
    double x[N], y[N], s[N];
    for (int m = 0; m < SP_FIT_NMODELS; m++) {
        int covered = 0, covered_w = 0, selected = 0, ok = 1;
        double chi2red = 0.0;
        for (int t = 0; t < TRIALS; t++) {
            for (int i = 0; i < N; i++) {
                x[i] = 2.0 + 2.0 * i;
                s[i] = 0.01 + 0.0005 * i; /* heteroscedastic, known errors */
                y[i] = truth_y((enum sp_fit_model)m, th[m], 0.3, x[i]) +
                       gsl_ran_gaussian(rng, s[i]);
            }
            struct sp_fit_result r, rw, all[SP_FIT_NMODELS];
            ok &= sp_fit_curve((enum sp_fit_model)m, x, y, NULL, N, 0.95, &r) == SP_OK;
            ok &= sp_fit_curve((enum sp_fit_model)m, x, y, s, N, 0.95, &rw) == SP_OK;
            double lo = m == SP_FIT_POWER ? r.zeta_lo : m == SP_FIT_EXPONENTIAL ? r.xi_lo : r.lambda_lo;
            double hi = m == SP_FIT_POWER ? r.zeta_hi : m == SP_FIT_EXPONENTIAL ? r.xi_hi : r.lambda_hi;
            covered += lo <= th[m] && th[m] <= hi;
            lo = m == SP_FIT_POWER ? rw.zeta_lo : m == SP_FIT_EXPONENTIAL ? rw.xi_lo : rw.lambda_lo;
            hi = m == SP_FIT_POWER ? rw.zeta_hi : m == SP_FIT_EXPONENTIAL ? rw.xi_hi : rw.lambda_hi;
            covered_w += lo <= th[m] && th[m] <= hi;
            chi2red += rw.chi2_red / TRIALS;
            for (int k = 0; k < SP_FIT_NMODELS; k++)
                sp_fit_curve((enum sp_fit_model)k, x, y, s, N, 0.95, &all[k]);
            int best = sp_fit_select(all, SP_FIT_NMODELS, SP_FIT_BIC);
            /* the stretched models all mean "subcritical" */
            selected += all[best].phase == all[m].phase;
        }
        CHECK(ok);
        /* binomial(200, 0.95): sd 3.1%; the unweighted fit is only approximately
         * calibrated under heteroscedastic noise, so it gets a wider band */
        CHECK(covered_w >= 176 && covered_w <= 199);
        CHECK(covered >= 165);
        CHECK_CLOSE(chi2red, 1.0, 0.05, 0.0);
        CHECK(selected >= 190);
    }
    gsl_rng_free(rng);
}

/* ndraw curves of a power law (zeta0, c = 0.2) at x = 1..n with depth-correlated
 * noise: a random walk in log J (step sd s), as in a measured curve where the same
 * weights feed every deeper block. y: ndraw x n. */
static void rw_curves(gsl_rng *rng, enum sp_fit_model m, double th0, double s, size_t n,
                      size_t ndraw, double *x, double *y)
{
    for (size_t d = 0; d < ndraw; d++) {
        double w = 0.0;
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)(i + 1);
            w += gsl_ran_gaussian(rng, s);
            y[d * n + i] = truth_y(m, th0, 0.2, x[i]) + w;
        }
    }
}

/* Issue 9: on curves whose errors are correlated in depth, the draw-to-draw
 * interval covers the truth at about its nominal 95%; the naive interval (the
 * mean curve weighted by its pointwise standard errors, what `fit` did on
 * `measure`'s mean/se rows) covers it far less often. */
static void test_correlated_coverage(void)
{
    enum { N = 32, D = 8, R = 200 };
    const enum sp_fit_model ms[2] = {SP_FIT_POWER, SP_FIT_EXPONENTIAL};
    const double th0[2] = {0.6, 25.0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261202);
    double x[N], y[D * N], ybar[N], se[N];
    for (int k = 0; k < 2; k++) {
        int honest = 0, naive = 0, ok = 1;
        for (int rep = 0; rep < R; rep++) {
            rw_curves(rng, ms[k], th0[k], 0.03, N, D, x, y);
            for (int i = 0; i < N; i++) {
                double m = 0.0, v = 0.0;
                for (int d = 0; d < D; d++)
                    m += y[d * N + i] / D;
                for (int d = 0; d < D; d++)
                    v += (y[d * N + i] - m) * (y[d * N + i] - m) / (D - 1);
                ybar[i] = m;
                se[i] = sqrt(v / D);
            }
            struct sp_fit_result r, rn;
            double ic[D];
            ok &= sp_fit_draws(ms[k], x, y, N, D, 0.95, SP_FIT_AIC, &r, ic) == SP_OK;
            ok &= sp_fit_curve(ms[k], x, ybar, se, N, 0.95, &rn) == SP_OK;
            ok &= r.ndraw == D && rn.ndraw == 1;
            double lo = ms[k] == SP_FIT_POWER ? r.zeta_lo : r.xi_lo;
            double hi = ms[k] == SP_FIT_POWER ? r.zeta_hi : r.xi_hi;
            double nlo = ms[k] == SP_FIT_POWER ? rn.zeta_lo : rn.xi_lo;
            double nhi = ms[k] == SP_FIT_POWER ? rn.zeta_hi : rn.xi_hi;
            honest += lo <= th0[k] && th0[k] <= hi;
            naive += nlo <= th0[k] && th0[k] <= nhi;
        }
        printf("%s, random-walk noise, %d draws: 95%% coverage %.3f from the draws, %.3f naive\n",
               sp_fit_model_name(ms[k]), D, honest / (double)R, naive / (double)R);
        CHECK(ok);
        CHECK(honest >= 0.85 * R && honest <= R);
        CHECK(naive < 0.85 * R); /* the test can fail: the old interval does */
    }
    gsl_rng_free(rng);
}

/* Item 3: short noisy curves give "inconclusive", never a confident wrong law. */
static void test_verdict_short_noisy(void)
{
    enum { N = 12, D = 4, R = 100 };
    const enum sp_fit_model all[4] = {SP_FIT_POWER, SP_FIT_STRETCHED, SP_FIT_STRETCHED_LOG,
                                      SP_FIT_EXPONENTIAL};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    double x[N], y[D * N];
    struct sp_fit_result res[4];
    enum sp_status st[4];
    struct sp_fit_verdict v;
    int inconclusive = 0, wrong = 0, ok = 1;
    for (int rep = 0; rep < R; rep++) {
        rw_curves(rng, SP_FIT_POWER, 0.6, 0.1, N, D, x, y);
        ok &= sp_fit_judge(all, 4, x, y, NULL, N, D, 0.95, SP_FIT_AIC, 10.0, res, st, &v) == SP_OK;
        inconclusive += !v.conclusive;
        wrong += v.conclusive && res[v.best].model != SP_FIT_POWER;
        if (!v.conclusive)
            ok &= v.reason[0] != 0 && !strcmp(sp_fit_verdict_name(&v, res), "inconclusive");
    }
    printf("power law, 12 blocks x %d draws, random-walk noise: %d/%d inconclusive, %d wrong\n",
           D, inconclusive, R, wrong);
    CHECK(ok);
    CHECK(inconclusive >= 0.8 * R);
    CHECK(wrong <= 0.05 * R);
    /* one clean long curve of each law: conclusive and right */
    for (int k = 0; k < 4; k += 3) {
        enum { M = 400 };
        double xl[M], yl[M];
        for (int i = 0; i < M; i++) {
            xl[i] = i + 1.0;
            yl[i] = truth_y(all[k], k ? 40.0 : 0.6, 0.2, xl[i]) + 1e-3 * gsl_ran_gaussian(rng, 1.0);
        }
        CHECK(sp_fit_judge(all, 4, xl, yl, NULL, M, 1, 0.95, SP_FIT_AIC, 10.0, res, st, &v) == SP_OK);
        CHECK(v.conclusive);
        CHECK(v.best == k);
        CHECK(v.reason[0] == 0);
    }
    gsl_rng_free(rng);
}

/* D15: fewer distinct x than a law needs is refused, with the reason. */
static void test_degenerate_x(void)
{
    double x[6] = {5, 5, 5, 5, 5, 5}, y[6] = {1, 2, 3, 4, 5, 6};
    double x2[6] = {1, 1, 1, 2, 2, 2};
    const enum sp_fit_model m[2] = {SP_FIT_POWER, SP_FIT_EXPONENTIAL};
    struct sp_fit_result r[2];
    enum sp_status st[2];
    struct sp_fit_verdict v;
    sp_last_error_clear();
    CHECK(sp_fit_curve(SP_FIT_POWER, x, y, NULL, 6, 0.95, r) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "1 distinct x") != NULL);
    CHECK(sp_fit_curve(SP_FIT_EXPONENTIAL, x2, y, NULL, 6, 0.95, r) == SP_EINVAL);
    CHECK(sp_fit_judge(m, 2, x, y, NULL, 6, 1, 0.95, SP_FIT_AIC, 10.0, r, st, &v) == SP_EINVAL);
    CHECK(sp_fit_judge(m, 2, x2, y, NULL, 6, 1, 0.95, SP_FIT_AIC, 10.0, r, st, &v) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "2 distinct x") != NULL);
    CHECK(sp_fit_distinct_x(x2, 6) == 2);
}

static void test_invalid(void)
{
    double x[3] = {1, 2, 3}, y[3] = {0, 1, 2}, s[3] = {1, 0, 1}, xb[3] = {0, 1, 2};
    struct sp_fit_result r;
    CHECK(sp_fit_curve(SP_FIT_POWER, x, y, NULL, 2, 0.95, &r) == SP_EINVAL);
    CHECK(sp_fit_curve(SP_FIT_POWER, xb, y, NULL, 3, 0.95, &r) == SP_EINVAL);
    CHECK(sp_fit_curve(SP_FIT_POWER, x, y, s, 3, 0.95, &r) == SP_EINVAL);
    CHECK(sp_fit_curve(SP_FIT_POWER, x, y, NULL, 3, 1.5, &r) == SP_EINVAL);
    CHECK(sp_fit_select(&r, 0, SP_FIT_AIC) == -1);
    double ax[4] = {12, 24, 48, 96}, ay[4];
    for (int i = 0; i < 4; i++)
        ay[i] = 3.0 * pow(ax[i], -0.5);
    double A, b, be;
    CHECK(sp_fit_power_law(ax, ay, 4, &A, &b, &be) == SP_OK);
    CHECK_CLOSE(A, 3.0, 0.0, 1e-12);
    CHECK_CLOSE(b, 0.5, 1e-12, 0.0);
}

/* Runs the theory to depth L; fills x = l, y = log J^{l,0} for l in [l0, L]. */
static size_t theory_curve(struct sp_arch *a, const struct sp_theory_opts *o, int l0, double **x,
                           double **y)
{
    size_t nr = sp_theory_nrows(a, o);
    struct sp_theory_row *rows = malloc(nr * sizeof *rows);
    if (sp_theory_run(a, o, rows, nr) != SP_OK) {
        free(rows);
        return 0;
    }
    size_t n = nr - (size_t)l0;
    *x = malloc(n * sizeof **x);
    *y = malloc(n * sizeof **y);
    for (size_t i = 0; i < n; i++) {
        (*x)[i] = rows[l0 + i].l;
        (*y)[i] = rows[l0 + i].log_jfwd;
    }
    free(rows);
    return n;
}

/* Long theory curves against SPEC 3.5. */
static void test_theory_asymptotics(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_asymptotics as;
    char err[256];
    double *x, *y;
    struct sp_fit_result r[SP_FIT_NMODELS];

    /* pre-LN, timm init d = 1024, version A: zeta = 2/3 (SPEC 3.5; local exponent
     * 0.68 at 2000-4000 blocks). Version C's local exponent is 0.694 there and
     * drifts up (0.707 at 10^5): its asymptote is not SPEC 3.5's. */
    sp_arch_default(&a);
    a.depth = 4000;
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    sp_theory_opts_version_a(&o);
    size_t n = theory_curve(&a, &o, 2000, &x, &y);
    CHECK(n == 2001);
    for (int m = 0; m < SP_FIT_NMODELS; m++)
        sp_fit_curve((enum sp_fit_model)m, x, y, NULL, n, 0.95, &r[m]);
    CHECK(sp_theory_asymptotics(&a, &o, NULL, 0, &as) == SP_OK);
    CHECK_CLOSE(as.zeta, 2.0 / 3.0, 1e-9, 0.0);
    CHECK_CLOSE(r[SP_FIT_POWER].zeta, 0.68, 0.005, 0.0);
    CHECK_CLOSE(r[SP_FIT_POWER].zeta, as.zeta, 0.02, 0.0);
    CHECK(sp_fit_select(r, SP_FIT_NMODELS, SP_FIT_AIC) == SP_FIT_POWER);
    printf("pre-LN version A, 2000-4000 blocks: zeta %.4f\n", r[SP_FIT_POWER].zeta);
    const enum sp_fit_model all[SP_FIT_NMODELS] = {SP_FIT_POWER, SP_FIT_STRETCHED,
                                                   SP_FIT_STRETCHED_LOG, SP_FIT_STRETCHED_FREE,
                                                   SP_FIT_EXPONENTIAL};
    struct sp_fit_verdict v;
    enum sp_status st[SP_FIT_NMODELS];
    /* item 3: the long curve's verdict is the power law, whose infinite-depth
     * phase is the recursion's (theory's phase column) */
    CHECK(sp_fit_judge(all, SP_FIT_NMODELS, x, y, NULL, n, 1, 0.95, SP_FIT_AIC, 10.0, r, st, &v) == SP_OK);
    CHECK(v.conclusive && r[v.best].model == SP_FIT_POWER);
    CHECK(v.phase == as.phase);
    free(x);
    free(y);
    /* the same network at 12 blocks: too short to tell the laws apart */
    a.depth = 12;
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    n = theory_curve(&a, &o, 1, &x, &y);
    CHECK(n == 12);
    CHECK(sp_fit_judge(all, SP_FIT_NMODELS, x, y, NULL, n, 1, 0.95, SP_FIT_AIC, 10.0, r, st, &v) == SP_OK);
    printf("pre-LN at 12 blocks: %s (%s)\n", sp_fit_verdict_name(&v, r), v.reason);
    CHECK(!v.conclusive);
    CHECK(strstr(v.reason, "too short") != NULL);
    free(x);
    free(y);

    /* Derf alpha = 0.5, same shape: lambda from SPEC 3.5 */
    sp_arch_default(&a);
    a.depth = 20000;
    a.norm_attn = a.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    sp_theory_opts_version_c(&o);
    n = theory_curve(&a, &o, 5000, &x, &y);
    CHECK(n == 15001);
    for (int m = 0; m < SP_FIT_NMODELS; m++)
        sp_fit_curve((enum sp_fit_model)m, x, y, NULL, n, 0.95, &r[m]);
    CHECK(sp_theory_asymptotics(&a, &o, NULL, 0, &as) == SP_OK);
    double s21 = sp_arch_s_21(&a), sov = sp_arch_s_ov(&a), cphi = 2.0 / M_PI;
    double lam = (s21 / 2 + sov * 0.458742) / (cphi * cphi * 0.25 * s21 * s21);
    CHECK_CLOSE(as.lambda, lam, 0.0, 1e-5);
    printf("derf 0.5 d=1024: lambda theory %.6g, fit stretched %.6g, stretched-log %.6g, "
           "stretched-free %.6g\n", lam, r[SP_FIT_STRETCHED].lambda,
           r[SP_FIT_STRETCHED_LOG].lambda, r[SP_FIT_STRETCHED_FREE].lambda);
    CHECK_CLOSE(r[SP_FIT_STRETCHED].lambda, lam, 0.0, 0.02);
    /* the transformer's fixed point p^l is approached slowly, which the free log
     * term only partly absorbs: 0.9% at 5000-20000 blocks */
    CHECK_CLOSE(r[SP_FIT_STRETCHED_FREE].lambda, lam, 0.0, 0.015);
    int best = sp_fit_select(r, SP_FIT_NMODELS, SP_FIT_AIC);
    CHECK(best == SP_FIT_STRETCHED || best == SP_FIT_STRETCHED_LOG);
    CHECK(sp_fit_judge(all, SP_FIT_NMODELS, x, y, NULL, n, 1, 0.95, SP_FIT_AIC, 10.0, r, st, &v) == SP_OK);
    CHECK(v.conclusive && (r[v.best].model == SP_FIT_STRETCHED || r[v.best].model == SP_FIT_STRETCHED_LOG));
    CHECK(v.phase == SP_PHASE_SUBCRITICAL && v.phase == as.phase);
    free(x);
    free(y);

    /* toy Derf (no norm), sigma_w = 0.46, alpha = 0.9: lambda = pi^2 / (16 a^2 sw^2) */
    sp_arch_default(&a);
    a.model = SP_MODEL_TOY;
    a.depth = 20000;
    a.phi = (struct sp_fnspec){SP_FN_DERF, 0.9, 0.0};
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    n = theory_curve(&a, &o, 5000, &x, &y);
    for (int m = 0; m < SP_FIT_NMODELS; m++)
        sp_fit_curve((enum sp_fit_model)m, x, y, NULL, n, 0.95, &r[m]);
    lam = M_PI * M_PI / (16.0 * 0.81 * 0.46 * 0.46);
    printf("toy derf 0.9: lambda theory %.6g, fit stretched %.6g, stretched-log %.6g, "
           "stretched-free %.6g (beta %.4g, derived %.4g)\n", lam, r[SP_FIT_STRETCHED].lambda,
           r[SP_FIT_STRETCHED_LOG].lambda, r[SP_FIT_STRETCHED_FREE].lambda,
           r[SP_FIT_STRETCHED_FREE].beta, 4.0 / (M_PI * M_PI) - 1.0 / (8.0 * lam));
    CHECK_CLOSE(r[SP_FIT_STRETCHED].lambda, lam, 0.0, 0.04);
    CHECK_CLOSE(r[SP_FIT_STRETCHED_FREE].lambda, lam, 0.0, 0.005);
    best = sp_fit_select(r, SP_FIT_NMODELS, SP_FIT_AIC);
    CHECK(best == SP_FIT_STRETCHED || best == SP_FIT_STRETCHED_LOG);
    free(x);
    free(y);
}

/* ---- sp_fit_table: groups, one row per group per model, verdicts, errors ---- */

static void count_note(void *ctx, const char *msg)
{
    (void)msg;
    ++*(int *)ctx;
}

static double col(const struct sp_table *t, size_t r, const char *name)
{
    int c = sp_table_find(t, name);
    return c >= 0 ? sp_table_num(t, r, c) : (double)NAN;
}

static void test_fit_table(void)
{
    /* two exact curves interleaved by row, grouped by alpha: a power law
     * zeta = 0.6 (alpha 2, first row) and a stretched exponential lambda = 7 */
    struct sp_table *in = sp_table_new(), *out = sp_table_new();
    CHECK(in && out);
    if (!in || !out)
        return;
    int ca = sp_table_add_col(in, "alpha", SP_COL_NUM), cd = sp_table_add_col(in, "depth", SP_COL_NUM);
    int cj = sp_table_add_col(in, "J", SP_COL_NUM), cm = sp_table_add_col(in, "model", SP_COL_STR);
    for (int l = 1; l <= 200; l++)
        for (int g = 0; g < 2; g++) {
            long r = sp_table_add_row(in);
            CHECK(r >= 0);
            sp_table_set_num(in, (size_t)r, ca, g ? 1.0 : 2.0);
            sp_table_set_num(in, (size_t)r, cd, l);
            sp_table_set_num(in, (size_t)r, cj, g ? exp(sqrt(l / 7.0) - 0.1) : exp(0.6 * log(l) + 0.2));
            sp_table_set_str(in, (size_t)r, cm, "transformer");
        }
    struct sp_fit_table_opts o;
    sp_fit_table_opts_default(&o);
    o.column = "J";
    o.file = "in.csv";
    struct sp_fit_table_info info;
    int notes = 0;
    CHECK(sp_fit_table(&o, in, out, &info, count_note, &notes) == SP_OK);
    CHECK(sp_table_nrows(out) == 2 * SP_FIT_NMODELS);
    CHECK(notes >= 3); /* what was fitted, one verdict per group */
    CHECK(info.ngroups == 2 && !info.bwd && !strcmp(info.x, "depth") && !strcmp(info.se_column, ""));
    /* group columns first, in the default order (model before alpha), model renamed */
    CHECK(sp_table_find(out, "in_model") == 0 && sp_table_find(out, "alpha") == 1);
    int sel = sp_table_find(out, "selected"), mod = sp_table_find(out, "model");
    CHECK(sel >= 0 && mod >= 0);
    for (size_t r = 0; sel >= 0 && mod >= 0 && r < sp_table_nrows(out); r++) {
        double a = col(out, r, "alpha");
        CHECK(a == (r < SP_FIT_NMODELS ? 2.0 : 1.0)); /* groups in order of first row */
        if (sp_table_num(out, r, sel) != 1.0)
            continue;
        if (a == 2.0) {
            CHECK(!strcmp(sp_table_str(out, r, mod), "power"));
            CHECK_CLOSE(col(out, r, "zeta"), 0.6, 1e-8, 0);
        } else {
            CHECK(!strcmp(sp_table_str(out, r, mod), "stretched"));
            CHECK_CLOSE(col(out, r, "lambda"), 7.0, 1e-6, 0);
        }
    }
    /* what the table cannot meet */
    struct sp_fit_table_opts bad = o;
    bad.groups = "alpha,nope";
    struct sp_table *o2 = sp_table_new();
    CHECK(sp_fit_table(&bad, in, o2, NULL, NULL, NULL) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "'nope'") != NULL);
    sp_table_free(o2);
    bad = o;
    bad.column = "J_fwd";
    o2 = sp_table_new();
    CHECK(sp_fit_table(&bad, in, o2, NULL, NULL, NULL) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "J_fwd") != NULL);
    sp_table_free(o2);
    bad = o;
    bad.x_lo = 1000; /* no group has 3 points in the range */
    o2 = sp_table_new();
    CHECK(sp_fit_table(&bad, in, o2, NULL, NULL, NULL) == SP_EFORMAT);
    sp_table_free(o2);
    sp_table_free(in);
    sp_table_free(out);
}

/* The --range and --models syntax: bounds, open sides, the reasons word for
 * word, outputs untouched on failure, empty items skipped, at most
 * SP_FIT_NMODELS kept. */
static void test_option_parsers(void)
{
    double lo = 1, hi = 2;
    CHECK(sp_fit_range_parse("--range", "50:200", &lo, &hi) == SP_OK && lo == 50 && hi == 200);
    CHECK(sp_fit_range_parse("--range", "300:", &lo, &hi) == SP_OK && lo == 300 && isinf(hi) &&
          hi > 0);
    CHECK(sp_fit_range_parse("--range", ":-1e3", &lo, &hi) == SP_OK && isinf(lo) && lo < 0 &&
          hi == -1000);
    CHECK(sp_fit_range_parse("--range", ":", &lo, &hi) == SP_OK && isinf(lo) && isinf(hi));
    lo = 1;
    hi = 2;
    CHECK(sp_fit_range_parse("--range", "abc", &lo, &hi) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "--range: 'abc' is not A:B"));
    CHECK(sp_fit_range_parse("--range", "5:2", &lo, &hi) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "--range: 5 > 2"));
    CHECK(sp_fit_range_parse("r", ":x", &lo, &hi) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "r: 'x' is not a decimal number"));
    CHECK(sp_fit_range_parse("r", "7:inf", &lo, &hi) == SP_EINVAL);
    char longs[100];
    memset(longs, '1', sizeof longs - 3);
    strcpy(longs + sizeof longs - 3, ":");
    CHECK(sp_fit_range_parse("r", longs, &lo, &hi) == SP_EINVAL &&
          strstr(sp_last_error(), "too long"));
    CHECK(lo == 1 && hi == 2);

    enum sp_fit_model m[SP_FIT_NMODELS] = {SP_FIT_POWER};
    int n = -1;
    CHECK(sp_fit_models_parse("--models", ",exponential,,power,", m, &n) == SP_OK && n == 2 &&
          m[0] == SP_FIT_EXPONENTIAL && m[1] == SP_FIT_POWER);
    CHECK(sp_fit_models_parse("--models", "power,power,power,power,power,stretched", m, &n) ==
              SP_OK && n == SP_FIT_NMODELS && m[SP_FIT_NMODELS - 1] == SP_FIT_POWER);
    n = -1;
    m[0] = SP_FIT_STRETCHED;
    CHECK(sp_fit_models_parse("--models", "power,nope", m, &n) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "--models: 'nope' is not one of power, stretched, "
                                   "stretched-log, stretched-free, exponential"));
    CHECK(sp_fit_models_parse("--models", ",,", m, &n) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "--models: empty list"));
    CHECK(sp_fit_models_parse("--models", "", m, &n) == SP_EINVAL);
    CHECK(n == -1 && m[0] == SP_FIT_STRETCHED);
}

int main(void)
{
    test_exact();
    test_noise_coverage();
    test_invalid();
    test_correlated_coverage();
    test_verdict_short_noisy();
    test_degenerate_x();
    test_theory_asymptotics();
    test_fit_table();
    test_option_parsers();
    return check_done();
}
