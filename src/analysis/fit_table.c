/* Fit tables: a table of curves (any sigprop CSV or a user's file) split into
 * groups by identifying columns, each group's curve (log J against depth, or
 * against L - l for backward APJNs; draws by a draw column) fitted with every
 * model and judged (fit.c), one output row per group per model. What `sigprop
 * fit` writes; the CLI parses, reads the file, calls sp_fit_table, writes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/io.h"

void sp_fit_table_opts_default(struct sp_fit_table_opts *o)
{
    memset(o, 0, sizeof *o);
    o->column = "J_fwd";
    o->file = "-";
    o->x_lo = -INFINITY;
    o->x_hi = INFINITY;
    o->level = 0.95;
    o->min_delta = 10.0;
    o->crit = SP_FIT_AIC;
    o->direction = -1;
    for (int m = 0; m < SP_FIT_NMODELS; m++)
        o->models[m] = (enum sp_fit_model)m;
    o->nmodels = SP_FIT_NMODELS;
}

enum sp_status sp_fit_range_parse(const char *name, const char *s, double *lo, double *hi)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return sp_fail(SP_EINVAL, "%s: '%s' is not A:B", name, s);
    char a[64], b[64];
    size_t la = (size_t)(colon - s);
    if (la >= sizeof a || strlen(colon + 1) >= sizeof b)
        return sp_fail(SP_EINVAL, "%s: '%s' is too long", name, s);
    memcpy(a, s, la);
    a[la] = 0;
    strcpy(b, colon + 1);
    double l = -INFINITY, h = INFINITY;
    enum sp_status st = SP_OK;
    if (*a)
        st = sp_parse_real(name, a, -1e300, 1e300, &l);
    if (st == SP_OK && *b)
        st = sp_parse_real(name, b, -1e300, 1e300, &h);
    if (st == SP_OK && l > h)
        st = sp_fail(SP_EINVAL, "%s: %g > %g", name, l, h);
    if (st == SP_OK) {
        *lo = l;
        *hi = h;
    }
    return st;
}

/* Columns that identify a curve in sigprop's CSVs (the identifying columns of
 * sigprop/records.h but seed, the draw column, and the sweep's settings); rows
 * differing in any of them (when present) are fitted separately. */
static const char *const default_groups[] = {"version", "model", "norm", "alpha", "alpha_attn",
                                             "alpha_mlp", "width", "tokens", "depth", "init_std",
                                             "sigma_w", "q0", "p0", "heads", "kv_heads", "mlp",
                                             "mask", NULL};

/* The caller's message callback (may be NULL): one line per call. */
struct notes {
    void (*fn)(void *ctx, const char *msg);
    void *ctx;
};

static void tnote(const struct notes *nt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tnote(const struct notes *nt, const char *fmt, ...)
{
    if (!nt->fn)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nt->fn(nt->ctx, msg);
}

/* Group key of a row: the group columns' cells joined by '\x1f'. */
static char *row_key(const struct sp_table *t, const int *gcols, int ng, size_t r)
{
    size_t cap = 64, len = 0;
    char *k = malloc(cap);
    if (!k)
        return NULL;
    k[0] = 0;
    for (int g = 0; g < ng; g++) {
        char cell[64];
        const char *s = cell;
        if (sp_table_col_type(t, gcols[g]) == SP_COL_NUM)
            snprintf(cell, sizeof cell, "%.17g", sp_table_num(t, r, gcols[g]));
        else
            s = sp_table_str(t, r, gcols[g]);
        size_t need = len + strlen(s) + 2;
        if (need > cap) {
            cap = 2 * need;
            char *nk = realloc(k, cap);
            if (!nk) {
                free(k);
                return NULL;
            }
            k = nk;
        }
        len += (size_t)sprintf(k + len, "%s\x1f", s);
    }
    return k;
}

struct point {
    double x, y, s, d; /* d: the draw (value of the draw column, 0 without) */
};

/* by draw, then by x */
static int cmp_point(const void *a, const void *b)
{
    const struct point *p = a, *q = b;
    if (p->d != q->d)
        return (p->d > q->d) - (p->d < q->d);
    return (p->x > q->x) - (p->x < q->x);
}

struct keyed {
    const char *key;
    size_t row;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *p = a, *q = b;
    int c = strcmp(p->key, q->key);
    return c ? c : (p->row > q->row) - (p->row < q->row);
}

struct group {
    size_t start, len, first; /* run [start, start + len) of the sorted rows; first row */
};

static int cmp_group(const void *a, const void *b)
{
    size_t x = ((const struct group *)a)->first, y = ((const struct group *)b)->first;
    return (x > y) - (x < y);
}

enum {
    O_COLUMN, O_DIRECTION, O_XMIN, O_XMAX, O_N, O_MODEL, O_ZETA, O_ZETA_ERR, O_ZETA_LO,
    O_ZETA_HI, O_LAMBDA, O_LAMBDA_ERR, O_LAMBDA_LO, O_LAMBDA_HI, O_XI, O_XI_ERR, O_XI_LO,
    O_XI_HI, O_BETA, O_BETA_ERR, O_C, O_C_ERR, O_CHI2, O_DOF, O_CHI2_RED, O_R2, O_PVALUE,
    O_AIC, O_BIC, O_CRITERION, O_DELTA, O_SELECTED, O_PHASE, O_VERDICT, O_WEIGHTED,
    O_CONVERGED, O_NDRAW, O_REASON, O_NCOLS
};
static const char *const out_names[O_NCOLS] = {
    "column", "direction", "x_min", "x_max", "n", "model", "zeta", "zeta_err", "zeta_lo",
    "zeta_hi", "lambda", "lambda_err", "lambda_lo", "lambda_hi", "xi", "xi_err", "xi_lo",
    "xi_hi", "beta", "beta_err", "c", "c_err", "chi2", "dof", "chi2_red", "r2", "p_value",
    "aic", "bic", "criterion", "delta_ic", "selected", "phase", "verdict", "weighted",
    "converged", "ndraw", "reason"};

static int is_str_col(int k)
{
    return k == O_COLUMN || k == O_DIRECTION || k == O_MODEL || k == O_CRITERION ||
           k == O_PHASE || k == O_VERDICT || k == O_REASON;
}

static void fmt_param(char *buf, size_t n, const char *name, double v, double lo, double hi)
{
    snprintf(buf, n, "%s = %.4g [%.4g, %.4g]", name, v, lo, hi);
}

/* Fits one group (points pts[0..np), of one or several draws) and appends its
 * rows to out. *ndraw_out: the draws fitted. */
static enum sp_status fit_group(const struct sp_fit_table_opts *fo, const struct notes *nt,
                                const struct sp_table *in, const int *gcols, int ng,
                                size_t first_row, const char *dname, struct point *pts,
                                size_t np, int bwd, int weighted, struct sp_table *out,
                                int gout0, size_t *ndraw_out)
{
    char label[512] = "";
    size_t ll = 0;
    for (int g = 0; g < ng && ll < sizeof label - 64; g++) {
        if (sp_table_col_type(in, gcols[g]) == SP_COL_NUM)
            ll += (size_t)snprintf(label + ll, sizeof label - ll, "%s=%.6g ",
                                   sp_table_col_name(in, gcols[g]),
                                   sp_table_num(in, first_row, gcols[g]));
        else
            ll += (size_t)snprintf(label + ll, sizeof label - ll, "%s=%s ",
                                   sp_table_col_name(in, gcols[g]),
                                   sp_table_str(in, first_row, gcols[g]));
    }
    qsort(pts, np, sizeof *pts, cmp_point);
    size_t ndraw = 1;
    for (size_t i = 1; i < np; i++)
        ndraw += pts[i].d != pts[i - 1].d;
    size_t m = np / ndraw;
    if (ndraw > 1) {
        /* every draw must have the same depths */
        for (size_t i = 0; i < np; i++)
            if (np % ndraw || pts[i].d != pts[(i / m) * m].d || pts[i].x != pts[i % m].x)
                return sp_fail(SP_EFORMAT, "fit: %s%s: its %zu draws (%s) do not all have the "
                               "same depths in the range", label, fo->column, ndraw, dname);
        weighted = 0; /* the draws' scatter carries the errors */
    }
    *ndraw_out = ndraw;
    double *x = malloc((m + 2 * np) * sizeof *x);
    if (!x)
        return sp_fail(SP_ENOMEM, "out of memory");
    double *y = x + m, *s = y + np;
    for (size_t i = 0; i < np; i++) {
        if (i < m)
            x[i] = pts[i].x;
        y[i] = pts[i].y;
        s[i] = pts[i].s;
    }
    size_t ndx = sp_fit_distinct_x(x, m);
    if (ndx < 3) {
        free(x);
        return sp_fail(SP_EINVAL, "the curve %s%s has %zu distinct %s value(s) (x = %g) in %zu "
                       "points: at least 3 are needed to fit a law of 2 parameters", label,
                       fo->column, ndx, bwd ? "L - l" : "depth", pts[0].x, np);
    }
    struct sp_fit_result res[SP_FIT_NMODELS];
    enum sp_status st[SP_FIT_NMODELS];
    struct sp_fit_verdict v;
    enum sp_status js = sp_fit_judge(fo->models, (size_t)fo->nmodels, x, y, weighted ? s : NULL, m,
                                     ndraw, fo->level, fo->crit, fo->min_delta, res, st, &v);
    free(x);
    if (js != SP_OK)
    {
        char why[256]; /* sp_fail overwrites the buffer sp_last_error() reads */
        snprintf(why, sizeof why, "%s", sp_last_error());
        return sp_fail(js == SP_ENOMEM ? SP_ENOMEM : SP_ENUMERIC, "fit: %s%s: %s", label,
                       fo->column, why);
    }
    int best = v.best;
    double best_ic = best >= 0 ? (fo->crit == SP_FIT_BIC ? res[best].bic : res[best].aic) : (double)NAN;
    const char *verdict = sp_fit_verdict_name(&v, res);

    for (int k = 0; k < fo->nmodels; k++) {
        const struct sp_fit_result *r = &res[k];
        long row = sp_table_add_row(out);
        if (row < 0)
            return sp_fail(SP_ENOMEM, "out of memory");
        size_t R = (size_t)row;
        for (int g = 0; g < ng; g++) {
            if (sp_table_col_type(in, gcols[g]) == SP_COL_NUM)
                sp_table_set_num(out, R, gout0 + g, sp_table_num(in, first_row, gcols[g]));
            else
                sp_table_set_str(out, R, gout0 + g, sp_table_str(in, first_row, gcols[g]));
        }
        int o = gout0 + ng;
        double ic = fo->crit == SP_FIT_BIC ? r->bic : r->aic;
        double val[O_NCOLS] = {0};
        val[O_XMIN] = pts[0].x;
        val[O_XMAX] = pts[m - 1].x;
        val[O_N] = (double)m;
        val[O_ZETA] = r->zeta; val[O_ZETA_ERR] = r->zeta_err; val[O_ZETA_LO] = r->zeta_lo; val[O_ZETA_HI] = r->zeta_hi;
        val[O_LAMBDA] = r->lambda; val[O_LAMBDA_ERR] = r->lambda_err;
        val[O_LAMBDA_LO] = r->lambda_lo; val[O_LAMBDA_HI] = r->lambda_hi;
        val[O_XI] = r->xi; val[O_XI_ERR] = r->xi_err; val[O_XI_LO] = r->xi_lo; val[O_XI_HI] = r->xi_hi;
        val[O_BETA] = r->beta; val[O_BETA_ERR] = r->beta_err;
        val[O_C] = r->c; val[O_C_ERR] = r->c_err;
        val[O_CHI2] = r->chi2; val[O_DOF] = r->dof; val[O_CHI2_RED] = r->chi2_red; val[O_R2] = r->r2;
        val[O_PVALUE] = r->p_value; val[O_AIC] = r->aic; val[O_BIC] = r->bic;
        val[O_DELTA] = ic - best_ic;
        val[O_SELECTED] = k == best;
        val[O_WEIGHTED] = weighted;
        val[O_CONVERGED] = st[k] == SP_OK && r->converged;
        val[O_NDRAW] = (double)ndraw;
        for (int c = 0; c < O_NCOLS; c++)
            if (!is_str_col(c))
                sp_table_set_num(out, R, o + c, val[c]);
        sp_table_set_str(out, R, o + O_COLUMN, fo->column);
        sp_table_set_str(out, R, o + O_DIRECTION, bwd ? "bwd" : "fwd");
        sp_table_set_str(out, R, o + O_MODEL, sp_fit_model_name(r->model));
        sp_table_set_str(out, R, o + O_CRITERION, fo->crit == SP_FIT_BIC ? "bic" : "aic");
        sp_table_set_str(out, R, o + O_PHASE, st[k] == SP_OK ? sp_phase_name(r->phase) : "failed");
        sp_table_set_str(out, R, o + O_VERDICT, verdict);
        sp_table_set_str(out, R, o + O_REASON, v.reason);
        if (st[k] != SP_OK)
            tnote(nt, "fit: %s%s failed: %s", label, sp_fit_model_name(r->model),
                     sp_status_str(st[k]));
    }
    char dr[64] = "";
    if (ndraw > 1)
        snprintf(dr, sizeof dr, " x %zu draws", ndraw);
    if (best >= 0) {
        const struct sp_fit_result *r = &res[best];
        char p[160];
        if (r->model == SP_FIT_POWER)
            fmt_param(p, sizeof p, "zeta", r->zeta, r->zeta_lo, r->zeta_hi);
        else if (r->model == SP_FIT_EXPONENTIAL)
            fmt_param(p, sizeof p, "xi", r->xi, r->xi_lo, r->xi_hi);
        else
            fmt_param(p, sizeof p, "lambda", r->lambda, r->lambda_lo, r->lambda_hi);
        if (v.conclusive)
            tnote(nt, "fit: %s%s%s on %zu points%s, x in [%g, %g]: %s law, %s (%s at "
                     "infinite depth; by %s %.3g over %s)", label,
                     fo->column, bwd ? " (bwd, against x = L - l)" : "", m, dr, pts[0].x,
                     pts[m - 1].x, verdict, p, sp_phase_name(r->phase),
                     fo->crit == SP_FIT_BIC ? "BIC" : "AIC", v.delta_ic,
                     sp_fit_model_name(res[v.runner_up].model));
        else
            tnote(nt, "fit: %s%s%s on %zu points%s, x in [%g, %g]: inconclusive (%s; best %s, "
                     "%s)", label, fo->column, bwd ? " (bwd, against x = L - l)" : "", m, dr,
                     pts[0].x, pts[m - 1].x, v.reason, sp_fit_model_name(r->model), p);
        for (int k = 0; k < fo->nmodels; k++)
            if (res[k].model == SP_FIT_STRETCHED_FREE && st[k] == SP_OK && v.conclusive &&
                v.phase == SP_PHASE_SUBCRITICAL)
                tnote(nt, "fit:   stretched-free estimate: lambda = %.4g [%.4g, %.4g], "
                         "beta = %.3g", res[k].lambda, res[k].lambda_lo, res[k].lambda_hi,
                         res[k].beta);
    } else {
        tnote(nt, "fit: %sno model could be fitted", label);
    }
    return SP_OK;
}

enum sp_status sp_fit_table(const struct sp_fit_table_opts *fo, const struct sp_table *in,
                            struct sp_table *out, struct sp_fit_table_info *info,
                            void (*note)(void *ctx, const char *msg), void *ctx)
{
    const struct notes notes = {note, ctx}, *nt = &notes;
    if (!fo || !in || !out || !fo->column || !fo->file || fo->nmodels < 1 ||
        fo->nmodels > SP_FIT_NMODELS)
        return sp_fail(SP_EINVAL, "sp_fit_table: NULL argument or %d models", fo ? fo->nmodels : 0);
    int ycol = sp_table_find(in, fo->column);
    if (ycol < 0 || sp_table_col_type(in, ycol) != SP_COL_NUM)
        return sp_fail(SP_EFORMAT, "'%s' has no numeric column '%s'", fo->file, fo->column);
    int xcol = -1;
    if (fo->xcol) {
        xcol = sp_table_find(in, fo->xcol);
    } else {
        static const char *xs[] = {"l", "depth", "layer"};
        for (int i = 0; i < 3 && xcol < 0; i++)
            xcol = sp_table_find(in, xs[i]);
    }
    if (xcol < 0 || sp_table_col_type(in, xcol) != SP_COL_NUM)
        return sp_fail(SP_EFORMAT, "'%s' has no numeric depth column (%s)", fo->file,
                        fo->xcol ? fo->xcol : "l, depth or layer");
    int secol = -1;
    if (fo->secol) {
        secol = sp_table_find(in, fo->secol);
        if (secol < 0 || sp_table_col_type(in, secol) != SP_COL_NUM)
            return sp_fail(SP_EFORMAT, "'%s' has no numeric column '%s'", fo->file, fo->secol);
    } else {
        static const char *suf[] = {"_se", "_err", "_stderr"};
        for (int i = 0; i < 3 && secol < 0; i++) {
            char name[256];
            snprintf(name, sizeof name, "%s%s", fo->column, suf[i]);
            secol = sp_table_find(in, name);
            if (secol >= 0 && sp_table_col_type(in, secol) != SP_COL_NUM)
                secol = -1;
        }
    }
    int is_log = !strncmp(fo->column, "log", 3);
    int bwd = fo->direction >= 0 ? fo->direction : strstr(fo->column, "bwd") != NULL;

    /* group columns */
    int gcols[64], ng = 0; /* at most 64 group columns */
    if (fo->groups && !strcmp(fo->groups, "none")) {
        ng = 0;
    } else if (fo->groups) {
        char *copy = strdup(fo->groups), *save = NULL;
        if (!copy)
            return sp_fail(SP_ENOMEM, "out of memory");
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            int c = sp_table_find(in, tok);
            if (c < 0) {
                enum sp_status rc =
                    sp_fail(SP_EINVAL, "--group: '%s' has no column '%s'", fo->file, tok);
                free(copy);
                return rc;
            }
            if (ng < 64)
                gcols[ng++] = c;
        }
        free(copy);
    } else {
        for (int i = 0; default_groups[i]; i++) {
            int c = sp_table_find(in, default_groups[i]);
            if (c >= 0 && c != xcol && c != ycol && c != secol)
                gcols[ng++] = c;
        }
    }
    for (int g = 0; g < ng; g++) {
        /* a group column named like an output column (e.g. the theory's
         * 'model') is renamed in_NAME */
        const char *name = sp_table_col_name(in, gcols[g]);
        char buf[256];
        for (int k = 0; k < O_NCOLS; k++)
            if (!strcmp(name, out_names[k])) {
                snprintf(buf, sizeof buf, "in_%s", name);
                name = buf;
                break;
            }
        if (sp_table_add_col(out, name, sp_table_col_type(in, gcols[g])) < 0)
            return sp_fail(SP_ENOMEM, "out of memory or duplicate group column '%s'", name);
    }
    for (int k = 0; k < O_NCOLS; k++)
        if (sp_table_add_col(out, out_names[k], is_str_col(k) ? SP_COL_STR : SP_COL_NUM) < 0)
            return sp_fail(SP_ENOMEM, "out of memory");

    int dcol = -1;
    if (!fo->drawcol || strcmp(fo->drawcol, "none")) {
        const char *dn = fo->drawcol ? fo->drawcol : "seed";
        dcol = sp_table_find(in, dn);
        if (fo->drawcol && (dcol < 0 || sp_table_col_type(in, dcol) != SP_COL_NUM))
            return sp_fail(SP_EINVAL, "--draw-column: '%s' has no numeric column '%s'", fo->file,
                           dn);
        if (dcol >= 0 && sp_table_col_type(in, dcol) != SP_COL_NUM)
            dcol = -1;
        for (int g = 0; g < ng && dcol >= 0; g++)
            if (gcols[g] == dcol)
                return sp_fail(SP_EINVAL, "--draw-column: '%s' is also a --group column", dn);
        if (dcol == xcol || dcol == ycol)
            dcol = -1;
    }

    size_t nr = sp_table_nrows(in);
    char **keys = calloc(nr ? nr : 1, sizeof *keys);
    struct keyed *ks = malloc((nr ? nr : 1) * sizeof *ks);
    struct group *groups = malloc((nr ? nr : 1) * sizeof *groups);
    struct point *pts = malloc((nr ? nr : 1) * sizeof *pts);
    enum sp_status rc = SP_OK;
    int one_draw = 0;
    size_t ngroups = 0, dropped_nonpos = 0;
    if (!keys || !ks || !groups || !pts) {
        rc = sp_fail(SP_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < nr; r++) {
        if (!(keys[r] = row_key(in, gcols, ng, r))) {
            rc = sp_fail(SP_ENOMEM, "out of memory");
            goto out;
        }
        ks[r] = (struct keyed){keys[r], r};
    }
    /* groups: runs of equal keys after sorting (n log n), in order of first row */
    qsort(ks, nr, sizeof *ks, cmp_keyed);
    for (size_t i = 0; i < nr; i++) {
        if (i == 0 || strcmp(ks[i].key, ks[i - 1].key))
            groups[ngroups++] = (struct group){i, 0, ks[i].row};
        groups[ngroups - 1].len++;
    }
    qsort(groups, ngroups, sizeof *groups, cmp_group);
    tnote(nt, "fit: %s: %s%s against %s, %s%s%s%s%s", fo->file, fo->column,
             is_log ? " (log J)" : "", sp_table_col_name(in, xcol),
             secol >= 0 ? "weighted by " : "unweighted",
             secol >= 0 ? sp_table_col_name(in, secol) : "",
             dcol >= 0 ? "; independent draws by " : "",
             dcol >= 0 ? sp_table_col_name(in, dcol) : "",
             dcol >= 0 ? " (curves with 2 or more: errors from their scatter)" : "");
    if (bwd)
        tnote(nt, "fit: %s is a backward APJN J^{L,l}: fitted against the distance x = L - l "
                 "from the top (L = the largest l of each group)", fo->column);
    for (size_t gi = 0; gi < ngroups && !rc; gi++) {
        const struct keyed *gk = ks + groups[gi].start;
        size_t glen = groups[gi].len;
        double L = -INFINITY;
        for (size_t j = 0; j < glen; j++)
            L = fmax(L, sp_table_num(in, gk[j].row, xcol));
        size_t np = 0;
        int weighted = secol >= 0;
        for (size_t j = 0; j < glen; j++) {
            size_t r = gk[j].row;
            double l = sp_table_num(in, r, xcol), v = sp_table_num(in, r, ycol);
            double x = bwd ? L - l : l;
            if (!isfinite(x) || !isfinite(v) || x <= 0.0 || x < fo->x_lo || x > fo->x_hi)
                continue;
            double y = is_log ? v : log(v);
            if (!is_log && !(v > 0.0)) {
                dropped_nonpos++;
                continue;
            }
            double s = NAN;
            if (secol >= 0) {
                double se = sp_table_num(in, r, secol);
                s = is_log ? se : se / v;
                if (!(s > 0.0) || !isfinite(s))
                    weighted = 0; /* a missing or zero error: the group is fitted unweighted */
            }
            double d = dcol >= 0 ? sp_table_num(in, r, dcol) : 0.0;
            pts[np++] = (struct point){x, y, s, isnan(d) ? 0.0 : d};
        }
        if (np < 3) {
            tnote(nt, "fit: group %zu has %zu usable points (at least 3 needed); skipped",
                     gi + 1, np);
            continue;
        }
        size_t ndraw = 1;
        rc = fit_group(fo, nt, in, gcols, ng, groups[gi].first,
                       dcol >= 0 ? sp_table_col_name(in, dcol) : "", pts, np, bwd, weighted, out,
                       0, &ndraw);
        one_draw |= ndraw == 1;
    }
    if (!rc && one_draw)
        tnote(nt, "fit: one draw per curve: its intervals assume errors independent in depth; "
                 "a measured curve's are correlated, so they are likely too narrow (fit "
                 "per-draw curves: sigprop measure --per-seed)");
    if (!rc && dropped_nonpos)
        tnote(nt, "fit: dropped %zu rows with %s <= 0", dropped_nonpos, fo->column);
    if (!rc && sp_table_nrows(out) == 0)
        rc = sp_fail(SP_EFORMAT, "no group of '%s' has 3 usable points in the range", fo->file);
    if (info) {
        info->x = sp_table_col_name(in, xcol);
        info->se_column = secol >= 0 ? sp_table_col_name(in, secol) : "";
        info->draw_column = dcol >= 0 ? sp_table_col_name(in, dcol) : "";
        info->bwd = bwd;
        info->ngroups = ngroups;
    }
out:
    if (keys)
        for (size_t r = 0; r < nr; r++)
            free(keys[r]);
    free(keys);
    free(ks);
    free(groups);
    free(pts);
    return rc;
}

