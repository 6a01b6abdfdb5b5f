/* The alpha rule: the initial alpha of Derf/DyT (MLP norm alpha, attention
 * norm ratio * alpha) at which the mean-field J^{L,0} meets a target (SPEC 3.5:
 * log J^{L,0} increases with alpha). Bracket by doubling or halving, then
 * Brent's method on log alpha (gsl_root_fsolver_brent). Also the pre-LN
 * reference and the log-log power-law fit of the transfer rule. Every
 * evaluated point is kept to check monotonicity instead of assuming it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "sigprop/analysis.h"

static int has_alpha(enum sp_fn k) { return k == SP_FN_DERF || k == SP_FN_DYT; }

static enum sp_status final_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                                  double *log_j)
{
    struct sp_theory_opts oo = *o;
    oo.sublayers = 0;
    size_t nr = sp_theory_nrows(a, &oo);
    struct sp_theory_row *rows = malloc(nr * sizeof *rows);
    if (!rows)
        return SP_ENOMEM;
    enum sp_status s = sp_theory_run(a, &oo, rows, nr);
    if (s == SP_OK) {
        *log_j = rows[nr - 1].log_jfwd;
        if (!isfinite(*log_j))
            s = SP_ENUMERIC;
    }
    free(rows);
    return s;
}

enum sp_status sp_alpha_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                              double alpha, double ratio, double *log_j)
{
    if (!a || !o || !log_j || !(alpha > 0.0) || !isfinite(alpha) || !(ratio > 0.0))
        return SP_EINVAL;
    struct sp_arch b = *a;
    if (b.model == SP_MODEL_TOY) {
        if (!has_alpha(b.phi.kind))
            return SP_EINVAL;
        b.phi.alpha = alpha;
    } else {
        if (!has_alpha(b.norm_mlp.kind) && !has_alpha(b.norm_attn.kind))
            return SP_EINVAL;
        b.norm_mlp.alpha = alpha;
        b.norm_attn.alpha = ratio * alpha;
    }
    return final_log_j(&b, o, log_j);
}

/* The pre-LN network of a's shape: both norms LayerNorm. */
static struct sp_arch preln_arch(const struct sp_arch *a)
{
    struct sp_arch b = *a;
    b.norm_attn.kind = b.norm_mlp.kind = SP_FN_LN;
    return b;
}

enum sp_status sp_alpha_preln_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                                    double *log_j)
{
    if (!a || !o || !log_j || a->model != SP_MODEL_TRANSFORMER)
        return SP_EINVAL;
    struct sp_arch b = preln_arch(a);
    return final_log_j(&b, o, log_j);
}

enum sp_status sp_alpha_point(const struct sp_arch *a, const struct sp_theory_opts *o,
                              enum sp_alpha_target kind, double target, double ratio,
                              double guess, double amin, double amax, double tol,
                              struct sp_alpha_point *out)
{
    if (!a || !o || !out)
        return sp_fail(SP_EINVAL, "sp_alpha_point: NULL argument");
    int tf = a->model == SP_MODEL_TRANSFORMER;
    if (kind != SP_ALPHA_TARGET_J && !tf)
        return sp_fail(SP_EINVAL, "--match/--budget-ratio compare with pre-LN: transformer only");
    int matches = kind == SP_ALPHA_MATCH_PRELN || kind == SP_ALPHA_MATCH_PRELN_SIDES;
    if (!(target > 0.0) && !matches)
        return sp_fail(SP_EINVAL, "target %g: a J^{L,0} (or a ratio to pre-LN's) must be > 0",
                       target);
    out->log_j_preln = NAN;
    enum sp_status s = tf ? sp_alpha_preln_log_j(a, o, &out->log_j_preln) : SP_OK;
    if (s != SP_OK)
        return sp_fail(s, "pre-LN reference failed at depth %d, width %d: %s", a->depth,
                       a->width, sp_status_str(s));
    out->log_target = kind == SP_ALPHA_TARGET_J ? log(target)
                      : out->log_j_preln + (kind == SP_ALPHA_BUDGET ? log(target) : 0.0);
    struct sp_alpha_solution *sol = &out->sol;
    out->sides.log_j_attn = out->sides.log_j_mlp = NAN;
    out->sides_preln = out->sides;
    out->sweeps = 0;
    if (kind == SP_ALPHA_MATCH_PRELN_SIDES) {
        struct sp_arch ln = preln_arch(a);
        if ((s = sp_alpha_side_log_j(&ln, o, NAN, NAN, &out->sides_preln)) != SP_OK)
            return sp_fail(s, "pre-LN per-side reference failed at depth %d, width %d: %s",
                           a->depth, a->width, sp_status_str(s));
        s = sp_alpha_solve_sides(a, o, out->sides_preln.log_j_attn, out->sides_preln.log_j_mlp,
                                 guess, amin, amax, tol, sol, &out->sides, &out->sweeps);
        if (s != SP_OK)
            return s; /* the reason is set */
    } else {
        s = sp_alpha_solve(a, o, ratio, out->log_target, guess, amin, amax, tol, sol);
    }
    if (s != SP_OK && isnan(sol->log_j_min)) /* a theory run failed: its reason */
        return sp_fail(s, "the theory failed at depth %d, width %d: %s", a->depth, a->width,
                       sp_last_error()[0] ? sp_last_error() : sp_status_str(s));
    if (s == SP_EUNSUPPORTED)
        return sp_fail(s, "no alpha in [%g, %g] gives J^{L,0} = %.6g at depth %d, width %d: "
                       "the reachable range is J^{L,0} in [%.6g, %.6g]", amin, amax,
                       exp(out->log_target), a->depth, a->width, exp(sol->log_j_min),
                       exp(sol->log_j_max));
    if (s != SP_OK)
        return sp_fail(s, "solving for alpha failed at depth %d, width %d: %s", a->depth,
                       a->width, sp_status_str(s));
    /* asymptotic lambda and phase at the solution */
    struct sp_arch as_arch = *a;
    if (as_arch.model == SP_MODEL_TOY) {
        as_arch.phi.alpha = sol->alpha;
    } else {
        as_arch.norm_mlp.alpha = sol->alpha;
        as_arch.norm_attn.alpha = sol->alpha_attn;
    }
    struct sp_asymptotics asy;
    if (sp_theory_asymptotics(&as_arch, o, NULL, 0, &asy) != SP_OK) {
        asy.lambda = NAN;
        asy.phase = SP_PHASE_SUBCRITICAL;
    }
    out->lambda = asy.lambda;
    out->phase = asy.phase;
    out->s_ov = tf ? sp_arch_s_ov(a) : (double)NAN;
    out->s_21 = tf ? sp_arch_s_21(a) : (double)NAN;
    return SP_OK;
}

#define MAX_EVALS 256

/* A 1-D monotone root in alpha: fn(ctx, alpha, &value) is a log J (the whole
 * network's, or one sublayer kind's share) that increases with alpha. */
typedef enum sp_status (*alpha_fn)(void *ctx, double alpha, double *value);

struct solver {
    alpha_fn fn;
    void *ctx;
    double target;
    enum sp_status status;
    double ev_alpha[MAX_EVALS], ev_logj[MAX_EVALS];
    int nev, total;
};

static enum sp_status eval(struct solver *s, double alpha, double *logj)
{
    enum sp_status st = s->fn(s->ctx, alpha, logj);
    s->total++;
    if (st == SP_OK && !isfinite(*logj))
        st = SP_ENUMERIC;
    if (st == SP_OK && s->nev < MAX_EVALS) {
        s->ev_alpha[s->nev] = alpha;
        s->ev_logj[s->nev] = *logj;
        s->nev++;
    }
    return st;
}

/* f(u) = log J(e^u) - target for Brent; a failure is remembered in s->status. */
static double brent_f(double u, void *p)
{
    struct solver *s = p;
    double lj;
    enum sp_status st = eval(s, exp(u), &lj);
    if (st != SP_OK) {
        if (s->status == SP_OK)
            s->status = st;
        return 0.0; /* ends the iteration; the caller reports status */
    }
    return lj - s->target;
}

static int cmp_pair(const void *x, const void *y)
{
    const double *a = x, *b = y;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static int check_monotone(const struct solver *s)
{
    double pairs[2 * MAX_EVALS];
    for (int i = 0; i < s->nev; i++) {
        pairs[2 * i] = s->ev_alpha[i];
        pairs[2 * i + 1] = s->ev_logj[i];
    }
    qsort(pairs, (size_t)s->nev, 2 * sizeof(double), cmp_pair);
    for (int i = 1; i < s->nev; i++) {
        double prev = pairs[2 * i - 1], cur = pairs[2 * i + 1];
        if (pairs[2 * i] > pairs[2 * i - 2] && cur < prev - 1e-12 * (1.0 + fabs(prev)))
            return 0;
    }
    return 1;
}

/* Bracket by factors of 2 from the guess within [alpha_min, alpha_max], then
 * Brent on log alpha. out->alpha is the root, out->log_j the value there;
 * out->alpha_attn is left to the caller. */
static enum sp_status solve_1d(alpha_fn fn, void *ctx, double log_target, double alpha_guess,
                               double alpha_min, double alpha_max, double tol,
                               struct sp_alpha_solution *out)
{
    memset(out, 0, sizeof *out);
    out->alpha = out->alpha_attn = out->log_j = out->log_j_min = out->log_j_max = NAN;
    struct solver *s = calloc(1, sizeof *s);
    if (!s)
        return SP_ENOMEM;
    s->fn = fn;
    s->ctx = ctx;
    s->target = log_target;
    s->status = SP_OK;

    double g = isfinite(alpha_guess) && alpha_guess > 0.0 ? alpha_guess : sqrt(alpha_min * alpha_max);
    g = fmin(fmax(g, alpha_min), alpha_max);
    double lo = g, hi = g, flo, fhi, lj;
    enum sp_status st = eval(s, g, &lj);
    if (st != SP_OK)
        goto done;
    flo = fhi = lj - log_target;
    /* Expand by factors of 2 until the sign changes or a bound is reached. */
    while (fhi < 0.0 && hi < alpha_max) {
        lo = hi;
        flo = fhi;
        hi = fmin(2.0 * hi, alpha_max);
        if ((st = eval(s, hi, &lj)) != SP_OK)
            goto done;
        fhi = lj - log_target;
    }
    while (flo > 0.0 && lo > alpha_min) {
        hi = lo;
        fhi = flo;
        lo = fmax(0.5 * lo, alpha_min);
        if ((st = eval(s, lo, &lj)) != SP_OK)
            goto done;
        flo = lj - log_target;
    }
    if (fhi < 0.0 || flo > 0.0) { /* unreachable: report the range over the bounds */
        double ja, jb;
        if ((st = eval(s, alpha_min, &ja)) != SP_OK || (st = eval(s, alpha_max, &jb)) != SP_OK)
            goto done;
        out->log_j_min = fmin(ja, jb);
        out->log_j_max = fmax(ja, jb);
        st = SP_EUNSUPPORTED;
        goto done;
    }
    double root;
    if (flo == 0.0 || fhi == 0.0) {
        root = flo == 0.0 ? lo : hi;
    } else {
        gsl_error_handler_t *old = gsl_set_error_handler_off();
        gsl_root_fsolver *rs = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
        if (!rs) {
            gsl_set_error_handler(old);
            st = SP_ENOMEM;
            goto done;
        }
        gsl_function F = {brent_f, s};
        gsl_root_fsolver_set(rs, &F, log(lo), log(hi));
        int it = 0, rc;
        do {
            it++;
            rc = gsl_root_fsolver_iterate(rs);
            if (rc != GSL_SUCCESS || s->status != SP_OK)
                break;
            rc = gsl_root_test_interval(gsl_root_fsolver_x_lower(rs),
                                        gsl_root_fsolver_x_upper(rs), tol, 0.0);
        } while (rc == GSL_CONTINUE && it < 200);
        root = exp(gsl_root_fsolver_root(rs));
        gsl_root_fsolver_free(rs);
        gsl_set_error_handler(old);
        out->iterations = it;
        if (s->status != SP_OK) {
            st = s->status;
            goto done;
        }
        if (rc != GSL_SUCCESS) {
            st = SP_ENUMERIC;
            goto done;
        }
    }
    if ((st = eval(s, root, &lj)) != SP_OK)
        goto done;
    out->alpha = root;
    out->log_j = lj;
done:
    out->evaluations = s->total;
    out->monotone = check_monotone(s);
    free(s);
    return st;
}

struct whole_ctx {
    const struct sp_arch *a;
    const struct sp_theory_opts *o;
    double ratio;
};

static enum sp_status whole_log_j(void *ctx, double alpha, double *log_j)
{
    const struct whole_ctx *c = ctx;
    return sp_alpha_log_j(c->a, c->o, alpha, c->ratio, log_j);
}

enum sp_status sp_alpha_solve(const struct sp_arch *a, const struct sp_theory_opts *o,
                              double ratio, double log_target, double alpha_guess,
                              double alpha_min, double alpha_max, double tol,
                              struct sp_alpha_solution *out)
{
    if (!a || !o || !out || !isfinite(log_target) || !(alpha_min > 0.0) ||
        !(alpha_max > alpha_min) || !isfinite(alpha_max) || !(tol > 0.0) || !(ratio > 0.0))
        return SP_EINVAL;
    struct whole_ctx c = {a, o, ratio};
    enum sp_status st = solve_1d(whole_log_j, &c, log_target, alpha_guess, alpha_min, alpha_max,
                                 tol, out);
    if (st == SP_OK)
        out->alpha_attn = ratio * out->alpha;
    return st;
}

/* ---- per side: each sublayer kind's share of log J^{L,0} ---- */

static enum sp_status side_log_j(const struct sp_arch *b, const struct sp_theory_opts *o,
                                 struct sp_alpha_sides *out)
{
    struct sp_theory_opts oo = *o;
    oo.sublayers = 1;
    size_t nr = sp_theory_nrows(b, &oo);
    if (nr != 2 * (size_t)b->depth + 1)
        return SP_EINVAL;
    struct sp_theory_row *rows = malloc(nr * sizeof *rows);
    if (!rows)
        return SP_ENOMEM;
    enum sp_status s = sp_theory_run(b, &oo, rows, nr);
    if (s == SP_OK) {
        /* rows: l = 0, 0.5, 1, 1.5, ...: odd rows follow an attention sublayer */
        double at = 0.0, ml = 0.0;
        for (size_t i = 1; i < nr; i++) {
            double inc = rows[i].log_jfwd - rows[i - 1].log_jfwd;
            if (i % 2)
                at += inc;
            else
                ml += inc;
        }
        out->log_j_attn = at;
        out->log_j_mlp = ml;
        if (!isfinite(at) || !isfinite(ml))
            s = SP_ENUMERIC;
    }
    free(rows);
    return s;
}

enum sp_status sp_alpha_side_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   double alpha_attn, double alpha_mlp,
                                   struct sp_alpha_sides *out)
{
    if (!a || !o || !out || a->model != SP_MODEL_TRANSFORMER)
        return SP_EINVAL;
    struct sp_arch b = *a;
    if (!isnan(alpha_attn) || !isnan(alpha_mlp)) {
        if (!has_alpha(b.norm_mlp.kind) || !has_alpha(b.norm_attn.kind) ||
            !(alpha_attn > 0.0) || !(alpha_mlp > 0.0) || !isfinite(alpha_attn) ||
            !isfinite(alpha_mlp))
            return SP_EINVAL;
        b.norm_attn.alpha = alpha_attn;
        b.norm_mlp.alpha = alpha_mlp;
    }
    return side_log_j(&b, o, out);
}

struct side_ctx {
    const struct sp_arch *a;
    const struct sp_theory_opts *o;
    double other;   /* the other side's alpha, held fixed */
    int attn;       /* 1: solving alpha_attn (value: the attention share) */
};

static enum sp_status one_side(void *ctx, double alpha, double *value)
{
    const struct side_ctx *c = ctx;
    struct sp_alpha_sides sd;
    enum sp_status s = sp_alpha_side_log_j(c->a, c->o, c->attn ? alpha : c->other,
                                           c->attn ? c->other : alpha, &sd);
    *value = c->attn ? sd.log_j_attn : sd.log_j_mlp;
    return s;
}

static enum sp_status theory_failed(enum sp_status s, const char *side, const struct sp_arch *a)
{
    return sp_fail(s, "per-side alpha: the theory failed on the %s side at depth %d, width %d: "
                   "%s", side, a->depth, a->width,
                   sp_last_error()[0] ? sp_last_error() : sp_status_str(s));
}

enum sp_status sp_alpha_solve_sides(const struct sp_arch *a, const struct sp_theory_opts *o,
                                    double log_attn, double log_mlp, double alpha_guess,
                                    double alpha_min, double alpha_max, double tol,
                                    struct sp_alpha_solution *out, struct sp_alpha_sides *at,
                                    int *sweeps)
{
    if (!a || !o || !out || !at || !sweeps || !isfinite(log_attn) || !isfinite(log_mlp) ||
        !(alpha_min > 0.0) || !(alpha_max > alpha_min) || !isfinite(alpha_max) ||
        !(tol > 0.0))
        return sp_fail(SP_EINVAL, "per-side alpha: bad arguments");
    if (a->model != SP_MODEL_TRANSFORMER || !has_alpha(a->norm_attn.kind) ||
        !has_alpha(a->norm_mlp.kind))
        return sp_fail(SP_EINVAL, "per-side alpha: both norms must be Derf or DyT");
    double g = isfinite(alpha_guess) && alpha_guess > 0.0 ? alpha_guess : 0.5;
    double aa = g, am = g;
    int evals = 0, iters = 0, mono = 1;
    /* Gauss-Seidel: the MLP alpha at fixed attention alpha, then the attention
     * alpha at that MLP alpha, until neither moves by more than tol. */
    const int max_sweeps = 100;
    for (*sweeps = 1; *sweeps <= max_sweeps; ++*sweeps) {
        struct sp_alpha_solution sm, sa;
        struct side_ctx cm = {a, o, aa, 0}, cat = {a, o, NAN, 1};
        enum sp_status s = solve_1d(one_side, &cm, log_mlp, am, alpha_min, alpha_max,
                                    tol * 1e-2, &sm);
        evals += sm.evaluations;
        if (s != SP_OK && isnan(sm.log_j_min))
            return theory_failed(s, "MLP", a);
        if (s == SP_EUNSUPPORTED)
            return sp_fail(s, "per-side alpha: no alpha_mlp in [%g, %g] gives the MLP "
                           "sublayers' share log J = %.6g at alpha_attn %.6g (reachable "
                           "[%.6g, %.6g])", alpha_min, alpha_max, log_mlp, aa, sm.log_j_min,
                           sm.log_j_max);
        if (s != SP_OK)
            return sp_fail(s, "per-side alpha: the MLP side failed: %s", sp_status_str(s));
        cat.other = sm.alpha;
        s = solve_1d(one_side, &cat, log_attn, aa, alpha_min, alpha_max, tol * 1e-2, &sa);
        evals += sa.evaluations;
        if (s != SP_OK && isnan(sa.log_j_min))
            return theory_failed(s, "attention", a);
        if (s == SP_EUNSUPPORTED)
            return sp_fail(s, "per-side alpha: no alpha_attn in [%g, %g] gives the attention "
                           "sublayers' share log J = %.6g at alpha_mlp %.6g (reachable "
                           "[%.6g, %.6g])", alpha_min, alpha_max, log_attn, sm.alpha,
                           sa.log_j_min, sa.log_j_max);
        if (s != SP_OK)
            return sp_fail(s, "per-side alpha: the attention side failed: %s",
                           sp_status_str(s));
        iters += sm.iterations + sa.iterations;
        mono = mono && sm.monotone && sa.monotone;
        double dm = fabs(sm.alpha - am) / sm.alpha, da = fabs(sa.alpha - aa) / sa.alpha;
        am = sm.alpha;
        aa = sa.alpha;
        if (dm <= tol && da <= tol) {
            /* the shares at the solution; they add up to log J^{L,0} */
            s = sp_alpha_side_log_j(a, o, aa, am, at);
            if (s != SP_OK)
                return sp_fail(s, "per-side alpha: the shares at the solution failed: %s",
                               sp_status_str(s));
            memset(out, 0, sizeof *out);
            out->alpha = am;
            out->alpha_attn = aa;
            out->log_j = at->log_j_attn + at->log_j_mlp;
            out->log_j_min = out->log_j_max = NAN;
            out->iterations = iters;
            out->evaluations = evals + 1;
            out->monotone = mono;
            return SP_OK;
        }
    }
    return sp_fail(SP_ENUMERIC, "per-side alpha: the alternating solve did not converge in "
                   "%d sweeps (last alpha_attn %.6g, alpha_mlp %.6g)", max_sweeps, aa, am);
}

/* ---- the transfer rule ---- */

enum sp_status sp_alpha_transfer_fit(const double *depths, size_t ndepth, const double *widths,
                                     size_t nwidth, const double *alphas,
                                     struct sp_alpha_law *laws, size_t *nlaws)
{
    if (!depths || !widths || !alphas || !laws || !nlaws || !ndepth || !nwidth)
        return sp_fail(SP_EINVAL, "transfer rule: an empty grid (%zu depths x %zu widths)",
                       ndepth, nwidth);
    *nlaws = 0;
    size_t nmax = ndepth > nwidth ? ndepth : nwidth;
    double *y = malloc(nmax * sizeof *y);
    if (!y)
        return sp_fail(SP_ENOMEM, "transfer rule: out of memory");
    for (size_t j = 0; ndepth >= 2 && j < nwidth; j++) {
        struct sp_alpha_law l = {0, widths[j], NAN, NAN, NAN};
        for (size_t i = 0; i < ndepth; i++)
            y[i] = alphas[i * nwidth + j];
        if (sp_fit_power_law(depths, y, ndepth, &l.A, &l.b, &l.b_err) == SP_OK)
            laws[(*nlaws)++] = l;
    }
    for (size_t i = 0; nwidth >= 2 && i < ndepth; i++) {
        struct sp_alpha_law l = {1, depths[i], NAN, NAN, NAN};
        for (size_t j = 0; j < nwidth; j++)
            y[j] = alphas[i * nwidth + j];
        if (sp_fit_power_law(widths, y, nwidth, &l.A, &l.b, &l.b_err) == SP_OK)
            laws[(*nlaws)++] = l;
    }
    free(y);
    sp_last_error_clear(); /* a left-out fit is not a failure of the whole */
    return SP_OK;
}

/* ---- verification ---- */

static void appendf(char *buf, size_t len, const char *what, int from, int to)
{
    size_t used = strlen(buf);
    if (used < len)
        snprintf(buf + used, len - used, "%s%s %d -> %d", used ? "; " : "", what, from, to);
}

enum sp_status sp_alpha_verify_arch(const struct sp_arch *a, const struct sp_alpha_solution *sol,
                                    int width, struct sp_arch *out, enum sp_net_input *input,
                                    char *differs, size_t differs_len)
{
    if (!a || !out || !input || !differs || !differs_len)
        return sp_fail(SP_EINVAL, "verify: NULL argument");
    differs[0] = '\0';
    if (a->model != SP_MODEL_TRANSFORMER)
        return sp_fail(SP_EINVAL, "verify: only a transformer can be verified");
    if (width < 0 || width > a->width)
        return sp_fail(SP_EINVAL, "verify: width %d exceeds the network's width %d: the "
                       "verification network is the same or a narrower copy", width, a->width);
    struct sp_arch v = *a;
    if (sol) {
        if (!(sol->alpha > 0.0) || !(sol->alpha_attn > 0.0))
            return sp_fail(SP_EINVAL, "verify: the solution has no alpha (%g, %g)", sol->alpha,
                           sol->alpha_attn);
        v.norm_mlp.alpha = sol->alpha;
        v.norm_attn.alpha = sol->alpha_attn;
    }
    if (width > 0 && width < a->width) {
        v.width = width;
        if (v.tokens > width)
            v.tokens = width;
        int h = v.heads < width ? v.heads : width;
        while (h > 1 && width % h != 0)
            h--;
        v.heads = h;
        appendf(differs, differs_len, "width", a->width, v.width);
        if (v.tokens != a->tokens)
            appendf(differs, differs_len, "tokens", a->tokens, v.tokens);
        if (v.heads != a->heads)
            appendf(differs, differs_len, "heads", a->heads, v.heads);
    }
    *input = SP_INPUT_EQUIANGULAR;
    if (v.tokens > v.width) {
        if (v.p0 < 0.0)
            return sp_fail(SP_EINVAL, "verify: %d tokens in width %d need a Gaussian input, "
                           "which needs p0 >= 0 (got %g)", v.tokens, v.width, v.p0);
        *input = SP_INPUT_GAUSSIAN;
    }
    char err[256];
    enum sp_status s = sp_arch_resolve(&v, err, sizeof err);
    if (s != SP_OK)
        return sp_fail(s, "verify: the verification network is invalid: %s", err);
    *out = v;
    return SP_OK;
}

enum sp_status sp_alpha_verify(const struct sp_arch *v, const struct sp_theory_opts *o,
                               const struct sp_net_opts *no, double tol,
                               struct sp_alpha_verification *out)
{
    if (!v || !o || !no || !out || !(tol >= 0.0) || !isfinite(tol))
        return sp_fail(SP_EINVAL, "verify: bad arguments (tol %g)", tol);
    out->j_theory = out->j_measured = out->j_se = out->ratio = out->lo = out->hi = NAN;
    out->pass = 0;
    double lj;
    enum sp_status s = final_log_j(v, o, &lj);
    if (s != SP_OK)
        return sp_fail(s, "verify: the theory of the verification network failed: %s",
                       sp_status_str(s));
    struct sp_net_opts m = *no;
    m.measure = SP_MEASURE_FWD;
    m.sublayers = 0;
    size_t nr = sp_net_nrows(v, &m);
    struct sp_net_row *rows = malloc(nr * sizeof *rows);
    if (!rows)
        return sp_fail(SP_ENOMEM, "verify: out of memory for %zu rows", nr);
    s = sp_net_measure(v, &m, rows, nr);
    if (s == SP_OK) {
        out->j_theory = exp(lj);
        out->j_measured = rows[nr - 1].j_fwd;
        out->j_se = rows[nr - 1].j_fwd_se;
        out->ratio = out->j_measured / out->j_theory;
        double se = isfinite(out->j_se) ? out->j_se : 0.0;
        out->lo = out->j_theory * (1.0 - tol) - 2.0 * se;
        out->hi = out->j_theory * (1.0 + tol) + 2.0 * se;
        out->pass = out->j_measured >= out->lo && out->j_measured <= out->hi;
    }
    free(rows);
    if (s != SP_OK) {
        char why[256];
        snprintf(why, sizeof why, "%s", sp_last_error());
        return sp_fail(s, "verify: the measurement failed: %s%s%s", sp_status_str(s),
                       why[0] ? ": " : "", why[0] ? why : s == SP_ENUMERIC ? " (the network "
                       "produced a non-finite value)" : "");
    }
    return SP_OK;
}
