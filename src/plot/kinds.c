/* The figure kinds: sigprop's tables (theory, measure, summary, sweep, alpha
 * CSVs) turned into panels of series or a heat map for sp_plot_render. This
 * file only reads columns, groups rows by configuration (model, norm, alphas)
 * and picks colours; it computes no theory. The one derived quantity it draws,
 * (log J)^2 with its delta-method error bar, is a change of variable of the data. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/plot.h"
#include "plot/plot_internal.h"

static const char *const kind_names[] = {"auto",      "profile", "jbwd",      "gradamp",
                                         "stretched", "toy",     "phase",     "alpha",
                                         "stability", "stability-scatter", NULL};

const char *sp_plot_kind_name(enum sp_plot_kind k)
{
    return (unsigned)k < sizeof kind_names / sizeof kind_names[0] - 1 ? kind_names[k] : "?";
}

enum sp_status sp_plot_kind_parse(const char *name, const char *s, enum sp_plot_kind *out)
{
    int k;
    enum sp_status st = sp_parse_choice(name, kind_names, s ? s : "", &k);
    if (st == SP_OK)
        *out = (enum sp_plot_kind)k;
    return st;
}

void sp_plot_opts_default(struct sp_plot_opts *o)
{
    o->kind = SP_PLOT_KIND_AUTO;
    o->width = 1200;
    o->height = 800;
    o->title = NULL;
    o->preln_level = (double)NAN;
    o->l_star = (double)NAN;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- column access ---- */
static int has(const struct sp_table *t, const char *name) { return sp_table_find(t, name) >= 0; }

static int has_num(const struct sp_table *t, const char *name)
{
    int c = sp_table_find(t, name);
    return c >= 0 && sp_table_col_type(t, c) == SP_COL_NUM;
}

static double num(const struct sp_table *t, size_t row, const char *name)
{
    int c = sp_table_find(t, name);
    if (c < 0 || sp_table_col_type(t, c) != SP_COL_NUM)
        return (double)NAN;
    return sp_table_num(t, row, c);
}

static const char *str(const struct sp_table *t, size_t row, const char *name)
{
    int c = sp_table_find(t, name);
    if (c < 0 || sp_table_col_type(t, c) != SP_COL_STR)
        return NULL;
    return sp_table_str(t, row, c);
}

enum sp_plot_role sp_plot_table_role(const struct sp_table *t)
{
    if (!has(t, "l") && (has(t, "l_star") || has(t, "J_L0") || has(t, "logJ_L0")))
        return SP_PLOT_ROLE_SUMMARY;
    const char *src = sp_table_nrows(t) ? str(t, 0, "source") : NULL;
    if (src && (!strcmp(src, "measure") || !strcmp(src, "measured")))
        return SP_PLOT_ROLE_MEASURED;
    if (src && !strcmp(src, "theory"))
        return SP_PLOT_ROLE_THEORY;
    for (int c = 0; c < sp_table_ncols(t); c++) {
        const char *n = sp_table_col_name(t, c);
        size_t len = strlen(n);
        if (len > 3 && !strcmp(n + len - 3, "_se"))
            return SP_PLOT_ROLE_MEASURED;
    }
    return SP_PLOT_ROLE_THEORY;
}

static int is_toy(const struct sp_table *t)
{
    const char *m = sp_table_nrows(t) ? str(t, 0, "model") : NULL;
    return m && !strcmp(m, "toy");
}

/* Number of distinct finite values of a numeric column (counting stops at 3). */
static int distinct(const struct sp_table *t, const char *col)
{
    double seen[3];
    int n = 0;
    for (size_t r = 0; r < sp_table_nrows(t) && n < 3; r++) {
        double v = num(t, r, col);
        if (!isfinite(v))
            continue;
        int k;
        for (k = 0; k < n && seen[k] != v; k++) {}
        if (k == n)
            seen[n++] = v;
    }
    return n;
}

enum sp_status sp_plot_detect(const struct sp_table *const *tables, size_t ntables,
                              enum sp_plot_kind *out, char *err, size_t errlen)
{
    int any_measured = 0, any_theory = 0, any_toy = 0, jbwd = 0, gamp = 0, q = 0;
    for (size_t i = 0; i < ntables; i++) {
        const struct sp_table *t = tables[i];
        /* sweep --mode train: outcomes beside the prediction */
        if (has_num(t, "eval_acc") && has_num(t, "logJ_L0_pred")) {
            *out = SP_PLOT_KIND_STABILITY;
            return SP_OK;
        }
        /* sigprop alpha: depth x width with the solved alpha (and its target) */
        if (has(t, "depth") && has(t, "width") && has(t, "alpha") && !has(t, "l") &&
            (has(t, "target_J") || has(t, "ratio") || !has(t, "logJ_L0"))) {
            *out = SP_PLOT_KIND_ALPHA;
            return SP_OK;
        }
        /* a sweep: log J^{L,0} on a grid of several alphas and depths */
        if (has_num(t, "depth") && has_num(t, "alpha") && has_num(t, "logJ_L0") && !has(t, "l") &&
            distinct(t, "depth") >= 2 && distinct(t, "alpha") >= 2) {
            *out = SP_PLOT_KIND_PHASE;
            return SP_OK;
        }
        enum sp_plot_role r = sp_plot_table_role(t);
        if (r == SP_PLOT_ROLE_SUMMARY)
            continue;
        any_toy |= is_toy(t);
        any_measured |= r == SP_PLOT_ROLE_MEASURED;
        any_theory |= r == SP_PLOT_ROLE_THEORY;
        jbwd |= has(t, "J_bwd") || has(t, "logJ_bwd");
        gamp |= has(t, "grad_amp");
        q |= has(t, "q");
    }
    if (any_toy && q) {
        *out = SP_PLOT_KIND_TOY;
        return SP_OK;
    }
    if (any_measured && gamp && !jbwd) {
        *out = SP_PLOT_KIND_GRADAMP;
        return SP_OK;
    }
    if (any_measured && jbwd) {
        *out = SP_PLOT_KIND_JBWD;
        return SP_OK;
    }
    if ((any_theory || any_measured) && q) {
        *out = SP_PLOT_KIND_PROFILE;
        return SP_OK;
    }
    seterr(err, errlen,
           "cannot choose a figure kind from these columns (need l and q, J_bwd or grad_amp; "
           "depth, width, alpha; alpha, depth, logJ_L0; or eval_acc, logJ_L0_pred); give --kind");
    return SP_EINVAL;
}

/* ---- a bag of allocations freed together ---- */
struct bag {
    void **p;
    size_t n, cap;
};

static void *bag_alloc(struct bag *b, size_t size)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        void **np = realloc(b->p, cap * sizeof *np);
        if (!np)
            return NULL;
        b->p = np;
        b->cap = cap;
    }
    void *m = calloc(1, size ? size : 1);
    if (m)
        b->p[b->n++] = m;
    return m;
}

static void bag_free(struct bag *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->p[i]);
    free(b->p);
}

static char *bag_strdup(struct bag *b, const char *s)
{
    char *d = bag_alloc(b, strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* ---- configurations: rows of one table that share model, norm and alphas ---- */
/* What tells two configurations apart: the identifying columns of the record
 * schema (sigprop/records.h) that theory and measurement rows share, the toy's
 * phi and measure --against-init's weights (trained, init). The first six make
 * the base label; the others are named in a label only where they vary. */
static const char *const key_cols[] = {"model", "norm", "phi", "alpha", "alpha_attn", "alpha_mlp",
                                       "depth", "width", "tokens", "heads", "kv_heads", "mlp",
                                       "mask", "weights"};
#define NKEY (sizeof key_cols / sizeof key_cols[0])
#define NKEY_BASE 6
/* How a varying numeric key column reads in a label: prefix, value, suffix
 * (string columns read as their value) */
static const char *const key_pre[NKEY] = {[6] = "L = ", [7] = "d = ", [8] = "n = "};
static const char *const key_post[NKEY] = {[9] = " heads", [10] = " kv heads"};

struct group {
    const struct sp_table *t;
    enum sp_plot_role role;
    size_t *rows, n;
    double alpha;        /* NAN when the table has none or the norm is LN */
    int is_ln;           /* pre-LN (or identity): the reference */
    int keyed;           /* the table has at least one key column */
    int table_index;     /* order of the table among those of its role */
    char label[128];
    unsigned char rgb[3];
};

static int cell_equal(const struct sp_table *a, size_t ra, const struct sp_table *b, size_t rb,
                      const char *col)
{
    int ca = sp_table_find(a, col), cb = sp_table_find(b, col);
    if (ca < 0 || cb < 0)
        return 1; /* a column only one side has does not distinguish */
    enum sp_coltype ta = sp_table_col_type(a, ca), tb = sp_table_col_type(b, cb);
    if (ta == SP_COL_NUM && tb == SP_COL_NUM) {
        double x = sp_table_num(a, ra, ca), y = sp_table_num(b, rb, cb);
        if (isnan(x) && isnan(y))
            return 1;
        return fabs(x - y) <= 1e-9 * fmax(1.0, fmax(fabs(x), fabs(y)));
    }
    if (ta == SP_COL_STR && tb == SP_COL_STR)
        return !strcmp(sp_table_str(a, ra, ca), sp_table_str(b, rb, cb));
    return 0;
}

static int same_config(const struct sp_table *a, size_t ra, const struct sp_table *b, size_t rb)
{
    for (size_t k = 0; k < NKEY; k++)
        if (!cell_equal(a, ra, b, rb, key_cols[k]))
            return 0;
    return 1;
}

static int table_keyed(const struct sp_table *t)
{
    for (size_t k = 0; k < NKEY; k++)
        if (has(t, key_cols[k]))
            return 1;
    return 0;
}

static const char *norm_display(const char *n)
{
    if (!n)
        return NULL;
    if (!strcmp(n, "ln"))
        return "pre-LN";
    if (!strcmp(n, "derf"))
        return "Derf";
    if (!strcmp(n, "dyt"))
        return "DyT";
    if (!strcmp(n, "none"))
        return "no norm";
    if (!strcmp(n, "rms"))
        return "RMSNorm";
    return n;
}

static void group_label(struct group *g, const char *fallback)
{
    const struct sp_table *t = g->t;
    size_t r = g->rows[0];
    const char *norm = str(t, r, "norm");
    double a = num(t, r, "alpha"), aa = num(t, r, "alpha_attn"), am = num(t, r, "alpha_mlp");
    g->is_ln = norm && (!strcmp(norm, "ln") || !strcmp(norm, "rms") || !strcmp(norm, "none") ||
                         !strcmp(norm, "identity"));
    char buf[128] = "";
    if (is_toy(t)) {
        const char *phi = str(t, r, "phi");
        if (g->is_ln && !strcmp(norm, "ln"))
            snprintf(buf, sizeof buf, "pre-LN%s%s", phi ? ", " : "", phi ? phi : "");
        else if (isfinite(a))
            snprintf(buf, sizeof buf, "α = %g", a);
        if (isfinite(a) && !(norm && !strcmp(norm, "ln")))
            g->alpha = a;
        g->is_ln = norm && !strcmp(norm, "ln");
    } else if (norm) {
        const char *nd = norm_display(norm);
        if (g->is_ln)
            snprintf(buf, sizeof buf, "%s", nd);
        else if (isfinite(aa) && isfinite(am) && fabs(aa - am) > 1e-12)
            snprintf(buf, sizeof buf, "%s α = %g / %g", nd, aa, am);
        else if (isfinite(a))
            snprintf(buf, sizeof buf, "%s α = %g", nd, a);
        else if (isfinite(am))
            snprintf(buf, sizeof buf, "%s α = %g", nd, am);
        else
            snprintf(buf, sizeof buf, "%s", nd);
        if (!g->is_ln)
            g->alpha = isfinite(am) ? am : a;
    } else if (isfinite(a)) {
        snprintf(buf, sizeof buf, "α = %g", a);
        g->alpha = a;
    }
    if (!buf[0])
        snprintf(buf, sizeof buf, "%s", fallback);
    snprintf(g->label, sizeof g->label, "%s", buf);
}

struct groups {
    struct group *g;
    size_t n;
};

/* Appends to every label the key columns beyond the base ones whose values differ
 * between the groups ("Derf α = 0.5, d = 256" against "..., d = 512"; "pre-LN,
 * trained" against "pre-LN, init"), so that no two configurations read alike. */
static void label_varying(struct groups *gs)
{
    for (size_t c = NKEY_BASE; c < NKEY; c++) {
        const struct group *ref = NULL;
        int varies = 0;
        for (size_t k = 0; k < gs->n && !varies; k++) {
            const struct group *g = &gs->g[k];
            if (!has(g->t, key_cols[c]))
                continue;
            if (!ref)
                ref = g;
            else if (!cell_equal(ref->t, ref->rows[0], g->t, g->rows[0], key_cols[c]))
                varies = 1;
        }
        for (size_t k = 0; varies && k < gs->n; k++) {
            struct group *g = &gs->g[k];
            if (!has(g->t, key_cols[c]))
                continue;
            char v[64];
            const char *sv = str(g->t, g->rows[0], key_cols[c]);
            if (sv)
                snprintf(v, sizeof v, "%s", sv);
            else
                snprintf(v, sizeof v, "%s%g%s", key_pre[c] ? key_pre[c] : "",
                         num(g->t, g->rows[0], key_cols[c]), key_post[c] ? key_post[c] : "");
            size_t l = strlen(g->label);
            snprintf(g->label + l, sizeof g->label - l, ", %s", v);
        }
    }
}

/* Splits every table of the wanted roles into configurations, in order of
 * first appearance. */
static enum sp_status make_groups(struct bag *b, const struct sp_table *const *tables,
                                  size_t ntables, int want_theory, int want_measured,
                                  struct groups *out)
{
    size_t cap = 0;
    for (size_t i = 0; i < ntables; i++)
        cap += sp_table_nrows(tables[i]);
    out->g = bag_alloc(b, (cap + 1) * sizeof *out->g);
    out->n = 0;
    if (!out->g)
        return SP_ENOMEM;
    int idx_theory = 0, idx_meas = 0;
    for (size_t i = 0; i < ntables; i++) {
        const struct sp_table *t = tables[i];
        enum sp_plot_role role = sp_plot_table_role(t);
        if (role == SP_PLOT_ROLE_SUMMARY || (role == SP_PLOT_ROLE_THEORY && !want_theory) ||
            (role == SP_PLOT_ROLE_MEASURED && !want_measured))
            continue;
        int tindex = role == SP_PLOT_ROLE_THEORY ? idx_theory++ : idx_meas++;
        size_t nr = sp_table_nrows(t), first = out->n;
        for (size_t r = 0; r < nr; r++) {
            size_t k;
            for (k = first; k < out->n; k++)
                if (same_config(t, out->g[k].rows[0], t, r))
                    break;
            if (k == out->n) {
                struct group *g = &out->g[out->n++];
                memset(g, 0, sizeof *g);
                g->t = t;
                g->role = role;
                g->rows = bag_alloc(b, nr * sizeof *g->rows);
                if (!g->rows)
                    return SP_ENOMEM;
                g->alpha = (double)NAN;
                g->keyed = table_keyed(t);
                g->table_index = tindex;
            }
            out->g[k].rows[out->g[k].n++] = r;
        }
        for (size_t k = first; k < out->n; k++)
            group_label(&out->g[k], role == SP_PLOT_ROLE_MEASURED ? "measured" : "theory");
    }
    label_varying(out);
    return SP_OK;
}

enum sp_status sp_plot_group_labels(const struct sp_table *const *tables, size_t ntables,
                                    char (*labels)[128], size_t cap, size_t *n)
{
    struct bag b = {0};
    struct groups gs;
    enum sp_status st = make_groups(&b, tables, ntables, 1, 1, &gs);
    *n = 0;
    for (size_t k = 0; st == SP_OK && k < gs.n && k < cap; k++, (*n)++)
        snprintf(labels[k], 128, "%s", gs.g[k].label);
    bag_free(&b);
    return st;
}

/* Colours: pre-LN black; the others by alpha on viridis when there are four
 * or more, else Okabe-Ito. A measured configuration takes the colour of the
 * theory configuration it matches (same key columns; an unkeyed measured table
 * i pairs with theory configuration i). Returns, per group, the theory match or -1. */
static void assign_colors(struct groups *gs, long *match)
{
    size_t nalpha = 0;
    for (size_t k = 0; k < gs->n; k++)
        nalpha += gs->g[k].role == SP_PLOT_ROLE_THEORY && !gs->g[k].is_ln;
    /* theory colours */
    size_t cat = 1;
    for (size_t k = 0; k < gs->n; k++) {
        struct group *g = &gs->g[k];
        match[k] = -1;
        if (g->role != SP_PLOT_ROLE_THEORY)
            continue;
        if (g->is_ln) {
            sp_plot_categorical(0, g->rgb);
        } else if (nalpha >= 4) {
            /* rank by alpha among the non-LN theory configurations */
            size_t rank = 0;
            for (size_t j = 0; j < gs->n; j++)
                if (gs->g[j].role == SP_PLOT_ROLE_THEORY && !gs->g[j].is_ln && j != k &&
                    (gs->g[j].alpha < g->alpha || (gs->g[j].alpha == g->alpha && j < k)))
                    rank++;
            sp_plot_viridis(0.9 * (double)rank / (double)(nalpha - 1), g->rgb);
        } else {
            sp_plot_categorical(cat++, g->rgb);
        }
    }
    /* measured: match */
    for (size_t k = 0; k < gs->n; k++) {
        struct group *g = &gs->g[k];
        if (g->role != SP_PLOT_ROLE_MEASURED)
            continue;
        long m = -1;
        if (g->keyed) {
            for (size_t j = 0; j < gs->n && m < 0; j++)
                if (gs->g[j].role == SP_PLOT_ROLE_THEORY && gs->g[j].keyed &&
                    same_config(g->t, g->rows[0], gs->g[j].t, gs->g[j].rows[0]))
                    m = (long)j;
        } else {
            /* unkeyed: the table_index-th theory configuration */
            size_t seen = 0;
            for (size_t j = 0; j < gs->n && m < 0; j++)
                if (gs->g[j].role == SP_PLOT_ROLE_THEORY && seen++ == (size_t)g->table_index)
                    m = (long)j;
        }
        match[k] = m;
        if (m >= 0) {
            memcpy(g->rgb, gs->g[m].rgb, 3);
            if (!g->keyed)
                snprintf(g->label, sizeof g->label, "%s", gs->g[m].label);
        } else {
            sp_plot_categorical(cat++, g->rgb);
        }
    }
}

/* Drawing and legend order: theory before measured, pre-LN first, then by alpha
 * (stable, so equal keys keep their order of appearance). Call after assign_colors. */
static int group_before(const struct group *a, const struct group *b)
{
    if (a->role != b->role)
        return a->role == SP_PLOT_ROLE_THEORY;
    if (a->is_ln != b->is_ln)
        return a->is_ln;
    if (isfinite(a->alpha) && isfinite(b->alpha))
        return a->alpha < b->alpha;
    return isfinite(a->alpha) && !isfinite(b->alpha);
}

/* The groups of the tables with their colours (assign_colors: match[k] is the
 * theory group measured group k matches, -1 none) and whether some measured
 * group matches no theory line (it then needs its own legend entry). */
static enum sp_status colored_groups(struct bag *b, const struct sp_table *const *tables,
                                     size_t ntables, struct groups *gs, long **match,
                                     int *unmatched)
{
    enum sp_status st = make_groups(b, tables, ntables, 1, 1, gs);
    if (st != SP_OK)
        return st;
    if (!(*match = bag_alloc(b, (gs->n + 1) * sizeof **match)))
        return SP_ENOMEM;
    assign_colors(gs, *match);
    *unmatched = 0;
    for (size_t k = 0; k < gs->n; k++)
        *unmatched |= gs->g[k].role == SP_PLOT_ROLE_MEASURED && (*match)[k] < 0;
    return SP_OK;
}

static void sort_groups(struct groups *gs)
{
    for (size_t i = 1; i < gs->n; i++) {
        struct group g = gs->g[i];
        size_t j = i;
        while (j > 0 && group_before(&g, &gs->g[j - 1])) {
            gs->g[j] = gs->g[j - 1];
            j--;
        }
        gs->g[j] = g;
    }
}

/* ---- series builders ---- */
struct sbuf {
    struct sp_plot_series *s;
    size_t n, cap;
};

static struct sp_plot_series *sbuf_add(struct bag *b, struct sbuf *sb)
{
    if (sb->n == sb->cap) {
        size_t cap = sb->cap ? 2 * sb->cap : 16;
        struct sp_plot_series *ns = bag_alloc(b, cap * sizeof *ns);
        if (!ns)
            return NULL;
        if (sb->n)
            memcpy(ns, sb->s, sb->n * sizeof *ns);
        sb->s = ns;
        sb->cap = cap;
    }
    struct sp_plot_series *s = &sb->s[sb->n++];
    memset(s, 0, sizeof *s);
    return s;
}

/* Value of column col (or exp of logcol when col is absent) at a row. */
static double value(const struct sp_table *t, size_t r, const char *col, const char *logcol)
{
    if (has_num(t, col))
        return num(t, r, col);
    if (logcol && has_num(t, logcol))
        return exp(num(t, r, logcol));
    return (double)NAN;
}

static int table_has(const struct sp_table *t, const char *col, const char *logcol)
{
    return has_num(t, col) || (logcol && has_num(t, logcol));
}

/* The x of a row: l, or depth. */
static double xval(const struct sp_table *t, size_t r) { return num(t, r, "l"); }

/* Fills a series from a group: y = col (or exp(logcol)), err = secol.
 * Measured series are subsampled to at most max_points markers. */
static enum sp_status series_from_group(struct bag *b, struct sp_plot_series *s,
                                        const struct group *g, const char *col,
                                        const char *logcol, const char *secol,
                                        size_t max_points)
{
    size_t step = 1;
    if (max_points && g->n > max_points)
        step = (g->n + max_points - 1) / max_points;
    size_t m = (g->n + step - 1) / step;
    double *x = bag_alloc(b, m * sizeof *x), *y = bag_alloc(b, m * sizeof *y);
    double *e = secol && has_num(g->t, secol) ? bag_alloc(b, m * sizeof *e) : NULL;
    if (!x || !y || (secol && has_num(g->t, secol) && !e))
        return SP_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < g->n; i += step) {
        /* keep the last row (the top block) when subsampling */
        size_t r = g->rows[(i + step >= g->n && step > 1) ? g->n - 1 : i];
        x[k] = xval(g->t, r);
        y[k] = value(g->t, r, col, logcol);
        if (e)
            e[k] = num(g->t, r, secol);
        k++;
    }
    s->x = x;
    s->y = y;
    s->yerr = e;
    s->n = k;
    memcpy(s->rgb, g->rgb, 3);
    s->label = g->label;
    if (g->role == SP_PLOT_ROLE_MEASURED) {
        s->style = SP_PLOT_POINTS;
        s->symbol = 0;
    } else {
        s->style = SP_PLOT_LINE;
        s->width = 2.2;
    }
    return SP_OK;
}

/* A legend-only entry (n = 0) explaining a style. */
static struct sp_plot_series *legend_entry(struct bag *b, struct sbuf *sb, const char *label,
                                           enum sp_plot_style style, int dashed, int symbol)
{
    struct sp_plot_series *s = sbuf_add(b, sb);
    if (!s)
        return NULL;
    s->label = label;
    s->style = style;
    s->dashed = dashed;
    s->symbol = symbol;
    s->rgb[0] = s->rgb[1] = s->rgb[2] = 90;
    s->width = 2.0;
    return s;
}

/* Panels of one column each against l: theory lines, measured points. */
static enum sp_status column_panel(struct bag *b, const struct groups *gs, const char *col,
                                   const char *logcol, const char *secol, int measured_labels,
                                   struct sp_plot_panel *p, int *nonempty)
{
    struct sbuf sb = {0};
    int nth = 0, nme = 0;
    for (size_t k = 0; k < gs->n; k++) {
        const struct group *g = &gs->g[k];
        if (!table_has(g->t, col, logcol) || !has(g->t, "l"))
            continue;
        /* sigprop compare: the theory of the same rows sits in COL_theory */
        char tcol[64];
        snprintf(tcol, sizeof tcol, "%s_theory", col);
        if (g->role == SP_PLOT_ROLE_MEASURED && has_num(g->t, tcol)) {
            struct sp_plot_series *ts = sbuf_add(b, &sb);
            if (!ts)
                return SP_ENOMEM;
            enum sp_status st = series_from_group(b, ts, g, tcol, NULL, NULL, 0);
            if (st != SP_OK)
                return st;
            ts->style = SP_PLOT_LINE;
            ts->width = 2.2;
            ts->label = NULL;
            nth++;
        }
        struct sp_plot_series *s = sbuf_add(b, &sb);
        if (!s)
            return SP_ENOMEM;
        enum sp_status st = series_from_group(b, s, g, col, logcol, secol,
                                              g->role == SP_PLOT_ROLE_MEASURED ? 33 : 0);
        if (st != SP_OK)
            return st;
        int any = 0;
        for (size_t i = 0; i < s->n; i++)
            any |= isfinite(s->y[i]);
        if (!any) {
            sb.n--;
            continue;
        }
        if (g->role == SP_PLOT_ROLE_MEASURED) {
            nme++;
            if (!measured_labels)
                s->label = NULL;
        } else {
            nth++;
        }
    }
    if (nth && nme) { /* explain the two styles */
        if (!legend_entry(b, &sb, "theory (infinite width)", SP_PLOT_LINE, 0, 0) ||
            !legend_entry(b, &sb, "measured (mean ± s.e.)", SP_PLOT_POINTS, 0, 0))
            return SP_ENOMEM;
    }
    p->series = sb.s;
    p->nseries = sb.n;
    *nonempty = (nth + nme) > 0;
    return SP_OK;
}

static void panel_init(struct sp_plot_panel *p, const char *title, const char *xlabel,
                       const char *ylabel, enum sp_plot_scale ys)
{
    memset(p, 0, sizeof *p);
    p->title = title;
    p->xlabel = xlabel;
    p->ylabel = ylabel;
    p->xscale = SP_PLOT_LINEAR;
    p->yscale = ys;
    p->xmin = p->xmax = p->ymin = p->ymax = (double)NAN;
    p->legend = 1;
}

/* A figure of one panel holding the series of sb; fig_title unless --title gave one. */
static enum sp_status one_panel(struct bag *b, const struct sbuf *sb, const char *title,
                                const char *xlabel, const char *ylabel, enum sp_plot_scale ys,
                                const char *fig_title, struct sp_plot_figure *fig)
{
    struct sp_plot_panel *p = bag_alloc(b, sizeof *p);
    if (!p)
        return SP_ENOMEM;
    panel_init(p, title, xlabel, ylabel, ys);
    p->series = sb->s;
    p->nseries = sb->n;
    fig->panels = p;
    fig->npanels = 1;
    fig->nrow = fig->ncol = 1;
    if (!fig->title)
        fig->title = fig_title;
    return SP_OK;
}

/* Figure kinds 1-5 share this: a row of column panels. */
struct colspec {
    const char *col, *logcol, *secol, *title, *ylabel;
    enum sp_plot_scale ys;
};

static enum sp_status columns_figure(struct bag *b, const struct sp_table *const *tables,
                                     size_t ntables, const struct colspec *cs, size_t ncs,
                                     const char *xlabel, struct sp_plot_figure *fig,
                                     struct groups *gs_out, char *err, size_t errlen)
{
    struct groups gs;
    long *match;
    int unmatched;
    enum sp_status st = colored_groups(b, tables, ntables, &gs, &match, &unmatched);
    if (st != SP_OK)
        return st;
    sort_groups(&gs);
    struct sp_plot_panel *panels = bag_alloc(b, ncs * sizeof *panels);
    if (!panels)
        return SP_ENOMEM;
    size_t np = 0;
    for (size_t c = 0; c < ncs; c++) {
        struct sp_plot_panel *p = &panels[np];
        panel_init(p, cs[c].title, xlabel, cs[c].ylabel, cs[c].ys);
        int nonempty = 0;
        st = column_panel(b, &gs, cs[c].col, cs[c].logcol, cs[c].secol, unmatched, p, &nonempty);
        if (st != SP_OK)
            return st;
        if (nonempty) {
            p->legend = 2; /* one legend, where it hides the least */
            np++;
        }
    }
    if (!np) {
        seterr(err, errlen, "no table has the column%s %s%s%s", ncs > 1 ? "s" : "", cs[0].col,
               ncs > 1 ? ", " : "", ncs > 1 ? cs[1].col : "");
        return SP_EFORMAT;
    }
    fig->panels = panels;
    fig->npanels = np;
    fig->nrow = 1;
    fig->ncol = (int)np;
    if (gs_out)
        *gs_out = gs;
    return SP_OK;
}

/* ---- kind 1: q, p, rho ---- */
static enum sp_status kind_profile(struct bag *b, const struct sp_table *const *t, size_t n,
                                   struct sp_plot_figure *fig, char *err, size_t errlen)
{
    static const struct colspec cs[] = {
        {"q", NULL, "q_se", "token norm q#ul#d", "q#ul#d = h#da#u·h#da#u / d",
         SP_PLOT_AUTO_SCALE},
        {"p", NULL, "p_se", "token overlap p#ul#d", "p#ul#d = h#da#u·h#db#u / d",
         SP_PLOT_AUTO_SCALE},
        {"rho", NULL, "rho_se", "cosine ρ = p/q", "ρ#ul#d = p#ul#d / q#ul#d",
         SP_PLOT_LINEAR}};
    enum sp_status st = columns_figure(b, t, n, cs, 3, "block l", fig, NULL, err, errlen);
    if (st == SP_OK && !fig->title)
        fig->title = "Residual-stream statistics against depth";
    return st;
}

/* ---- kind 2: J^{L,l} and J^{l,0} ---- */
static enum sp_status kind_jbwd(struct bag *b, const struct sp_table *const *t, size_t n,
                                struct sp_plot_figure *fig, char *err, size_t errlen)
{
    static const struct colspec cs[] = {
        {"J_bwd", "logJ_bwd", "J_bwd_se", "backward APJN J^{L,l}", "J#uL,l#d (log scale)",
         SP_PLOT_LOG},
        {"J_fwd", "logJ_fwd", "J_fwd_se", "forward APJN J^{l,0}", "J#ul,0#d (log scale)",
         SP_PLOT_LOG}};
    struct groups gs;
    enum sp_status st = columns_figure(b, t, n, cs, 2, "block l", fig, &gs, err, errlen);
    if (st == SP_OK) {
        ((struct sp_plot_panel *)fig->panels)[0].title = "backward APJN J#uL,l#d";
        if (fig->npanels > 1)
            ((struct sp_plot_panel *)fig->panels)[1].title = "forward APJN J#ul,0#d";
    }
    int measured = 0;
    for (size_t k = 0; st == SP_OK && k < gs.n; k++)
        measured |= gs.g[k].role == SP_PLOT_ROLE_MEASURED;
    if (st == SP_OK && !fig->title)
        fig->title = measured ? "Averaged partial Jacobian norm: theory and measurement"
                              : "Averaged partial Jacobian norm (mean-field theory)";
    return st;
}

/* ---- kind 3: gradient amplification ---- */
static enum sp_status kind_gradamp(struct bag *b, const struct sp_table *const *tables,
                                   size_t ntables, struct sp_plot_figure *fig, char *err,
                                   size_t errlen)
{
    struct groups gs;
    long *match;
    int unmatched;
    enum sp_status st = colored_groups(b, tables, ntables, &gs, &match, &unmatched);
    if (st != SP_OK)
        return st;
    struct sbuf sb = {0};
    int ngamp = 0, njb = 0;
    for (size_t k = 0; k < gs.n; k++) {
        const struct group *g = &gs.g[k];
        if (g->role != SP_PLOT_ROLE_MEASURED || !has_num(g->t, "grad_amp"))
            continue;
        /* the line at every block, markers and error bars on at most 33 of them */
        struct sp_plot_series *s = sbuf_add(b, &sb);
        if (!s || series_from_group(b, s, g, "grad_amp", NULL, NULL, 0) != SP_OK)
            return SP_ENOMEM;
        s->style = SP_PLOT_LINE;
        s->width = 2.0;
        s = sbuf_add(b, &sb);
        if (!s || series_from_group(b, s, g, "grad_amp", NULL, "grad_amp_se", 33) != SP_OK)
            return SP_ENOMEM;
        s->style = SP_PLOT_POINTS;
        s->symbol_scale = 0.6;
        s->label = NULL;
        ngamp++;
    }
    /* the APJN for comparison: theory when given, else the measured J_bwd */
    int theory_jb = 0;
    for (size_t k = 0; k < gs.n; k++)
        theory_jb |= gs.g[k].role == SP_PLOT_ROLE_THEORY && table_has(gs.g[k].t, "J_bwd", "logJ_bwd");
    for (size_t k = 0; k < gs.n; k++) {
        const struct group *g = &gs.g[k];
        int want = theory_jb ? g->role == SP_PLOT_ROLE_THEORY
                             : g->role == SP_PLOT_ROLE_MEASURED;
        if (!want || !table_has(g->t, "J_bwd", "logJ_bwd"))
            continue;
        struct sp_plot_series *s = sbuf_add(b, &sb);
        if (!s || series_from_group(b, s, g, "J_bwd", "logJ_bwd", NULL, 0) != SP_OK)
            return SP_ENOMEM;
        s->style = SP_PLOT_LINE;
        s->dashed = 1;
        s->width = 1.8;
        /* label only configurations that have no gradient curve of their own */
        int labelled = 0;
        for (size_t j = 0; j < gs.n; j++)
            labelled |= gs.g[j].role == SP_PLOT_ROLE_MEASURED && has_num(gs.g[j].t, "grad_amp") &&
                        (match[j] == (long)k || j == k);
        if (labelled)
            s->label = NULL;
        njb++;
    }
    if (!ngamp) {
        seterr(err, errlen, "gradamp needs a measured table with a grad_amp column");
        return SP_EFORMAT;
    }
    struct sp_plot_series *ge =
        legend_entry(b, &sb, "gradient amplification (measured)", SP_PLOT_LINEPOINTS, 0, 0);
    if (!ge)
        return SP_ENOMEM;
    ge->symbol_scale = 0.6;
    if (njb && !legend_entry(b, &sb, theory_jb ? "APJN J^{L,l} (theory)" : "APJN J^{L,l} (measured)",
                             SP_PLOT_LINE, 1, 0))
        return SP_ENOMEM;
    if (njb) { /* PLplot text: write the superscript with escapes */
        sb.s[sb.n - 1].label = theory_jb ? "APJN J#uL,l#d (theory)" : "APJN J#uL,l#d (measured)";
    }
    return one_panel(b, &sb, "E‖∂Loss/∂h#ul#d‖² / E‖∂Loss/∂h#uL#d‖²", "block l",
                     "amplification (log scale)", SP_PLOT_LOG,
                     "Gradient amplification against the APJN", fig);
}

/* ---- kind 4: (log J^{l,0})^2 ---- */
static enum sp_status kind_stretched(struct bag *b, const struct sp_table *const *tables,
                                     size_t ntables, struct sp_plot_figure *fig, char *err,
                                     size_t errlen)
{
    struct groups gs;
    long *match;
    int unmatched;
    enum sp_status st = colored_groups(b, tables, ntables, &gs, &match, &unmatched);
    if (st != SP_OK)
        return st;
    sort_groups(&gs);
    struct sbuf left = {0}, right = {0};
    int nth = 0, nme = 0;
    for (size_t k = 0; k < gs.n; k++) {
        const struct group *g = &gs.g[k];
        if (!table_has(g->t, "J_fwd", "logJ_fwd") || !has(g->t, "l"))
            continue;
        struct sp_plot_series *s1 = sbuf_add(b, &left), *s2 = sbuf_add(b, &right);
        if (!s1 || !s2)
            return SP_ENOMEM;
        int meas = g->role == SP_PLOT_ROLE_MEASURED;
        if ((st = series_from_group(b, s1, g, "J_fwd", "logJ_fwd", meas ? "J_fwd_se" : NULL,
                                    meas ? 33 : 0)) != SP_OK)
            return st;
        /* left: (log J)^2, error by the delta method 2 |log J| se / J */
        double *y2 = bag_alloc(b, s1->n * sizeof *y2);
        double *e2 = s1->yerr ? bag_alloc(b, s1->n * sizeof *e2) : NULL;
        double *yl = bag_alloc(b, s1->n * sizeof *yl);
        if (!y2 || !yl || (s1->yerr && !e2))
            return SP_ENOMEM;
        for (size_t i = 0; i < s1->n; i++) {
            double lj = s1->y[i] > 0 ? log(s1->y[i]) : (double)NAN;
            y2[i] = lj * lj;
            yl[i] = s1->y[i];
            if (e2)
                e2[i] = 2.0 * fabs(lj) * s1->yerr[i] / s1->y[i];
        }
        *s2 = *s1;
        s2->y = yl;
        s1->y = y2;
        s1->yerr = e2;
        s2->label = NULL;
        if (meas && !unmatched)
            s1->label = NULL;
        nth += !meas;
        nme += meas;
    }
    if (!left.n) {
        seterr(err, errlen, "stretched needs J_fwd or logJ_fwd against l");
        return SP_EFORMAT;
    }
    if (nth && nme) {
        if (!legend_entry(b, &left, "theory (infinite width)", SP_PLOT_LINE, 0, 0) ||
            !legend_entry(b, &left, "measured (mean ± s.e.)", SP_PLOT_POINTS, 0, 0))
            return SP_ENOMEM;
    }
    struct sp_plot_panel *p = bag_alloc(b, 2 * sizeof *p);
    if (!p)
        return SP_ENOMEM;
    panel_init(&p[0], "(log J#ul,0#d)²: a stretched exponential is a straight line",
               "block l", "(log J#ul,0#d)²", SP_PLOT_LINEAR);
    p[0].series = left.s;
    p[0].nseries = left.n;
    panel_init(&p[1], "log-log: a power law is a straight line", "block l (log scale)",
               "J#ul,0#d (log scale)", SP_PLOT_LOG);
    p[1].xscale = SP_PLOT_LOG;
    p[1].legend = 0;
    p[1].series = right.s;
    p[1].nseries = right.n;
    fig->panels = p;
    fig->npanels = 2;
    fig->nrow = 1;
    fig->ncol = 2;
    if (!fig->title)
        fig->title = "Stretched exponential against power law";
    return SP_OK;
}

/* ---- kind 5: toy network, l* marked ---- */
static double l_star_of(const struct group *g, const struct sp_table *const *tables,
                        size_t ntables, double fixed)
{
    if (isfinite(fixed))
        return fixed;
    for (size_t i = 0; i < ntables; i++) {
        const struct sp_table *t = tables[i];
        if (sp_plot_table_role(t) != SP_PLOT_ROLE_SUMMARY || !has_num(t, "l_star"))
            continue;
        for (size_t r = 0; r < sp_table_nrows(t); r++)
            if (same_config(t, r, g->t, g->rows[0]))
                return num(t, r, "l_star");
    }
    /* read from the data: the first row where alpha^2 q >= 1 */
    if (!isfinite(g->alpha) || g->is_ln)
        return (double)NAN;
    for (size_t i = 0; i < g->n; i++) {
        double q = num(g->t, g->rows[i], "q");
        if (g->alpha * g->alpha * q >= 1.0)
            return num(g->t, g->rows[i], "l");
    }
    return (double)NAN;
}

static enum sp_status kind_toy(struct bag *b, const struct sp_table *const *tables,
                               size_t ntables, double l_star, struct sp_plot_figure *fig,
                               char *err, size_t errlen)
{
    static const struct colspec cs[] = {
        {"q", NULL, "q_se", "K#dl#u = E[h²] (log scale)", "K#dl#u", SP_PLOT_LOG},
        {"J_bwd", "logJ_bwd", "J_bwd_se", "backward APJN J#uL,l#d", "J#uL,l#d (log scale)",
         SP_PLOT_LOG}};
    struct groups gs;
    enum sp_status st = columns_figure(b, tables, ntables, cs, 2, "layer l", fig, &gs, err, errlen);
    if (st != SP_OK)
        return st;
    /* mark l* on each theory curve of each panel with a circle */
    struct sp_plot_panel *panels = (struct sp_plot_panel *)fig->panels;
    int marked = 0;
    for (size_t pi = 0; pi < fig->npanels; pi++) {
        struct sbuf sb = {panels[pi].series ? (struct sp_plot_series *)panels[pi].series : NULL,
                          panels[pi].nseries, panels[pi].nseries};
        const char *col = pi == 0 ? "q" : "J_bwd", *logcol = pi == 0 ? NULL : "logJ_bwd";
        for (size_t k = 0; k < gs.n; k++) {
            const struct group *g = &gs.g[k];
            if (g->role != SP_PLOT_ROLE_THEORY || !table_has(g->t, col, logcol))
                continue;
            double ls = l_star_of(g, tables, ntables, l_star);
            if (!isfinite(ls))
                continue;
            size_t r = g->n;
            for (size_t i = 0; i < g->n; i++)
                if (fabs(num(g->t, g->rows[i], "l") - ls) < 0.25) {
                    r = i;
                    break;
                }
            if (r == g->n)
                continue;
            double *x = bag_alloc(b, sizeof *x), *y = bag_alloc(b, sizeof *y);
            struct sp_plot_series *s = sbuf_add(b, &sb);
            if (!x || !y || !s)
                return SP_ENOMEM;
            *x = ls;
            *y = value(g->t, g->rows[r], col, logcol);
            s->x = x;
            s->y = y;
            s->n = 1;
            s->style = SP_PLOT_POINTS;
            s->symbol = 3; /* a diamond, unlike the measured circles */
            s->symbol_scale = 1.7;
            memcpy(s->rgb, g->rgb, 3);
            marked = 1;
        }
        if (marked) {
            struct sp_plot_series *le =
                legend_entry(b, &sb, "l*: α²K#dl#u first ≥ 1", SP_PLOT_POINTS, 0, 3);
            if (!le)
                return SP_ENOMEM;
            le->symbol_scale = 1.7;
        }
        panels[pi].series = sb.s;
        panels[pi].nseries = sb.n;
    }
    if (!fig->title)
        fig->title = "Toy residual network: K#dl#u and J#uL,l#d, transition depth l* marked";
    return SP_OK;
}

/* ---- kind 6: phase diagram ---- */
struct cell {
    double alpha, depth, z;
    int ln;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static size_t uniq(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || fabs(v[i] - v[m - 1]) > 1e-9 * fmax(1.0, fabs(v[i])))
            v[m++] = v[i];
    return m;
}

static size_t find_val(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < x - 1e-9 * fmax(1.0, fabs(x)))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && fabs(v[lo] - x) <= 1e-9 * fmax(1.0, fabs(x)) ? lo : n;
}

static enum sp_status kind_phase(struct bag *b, const struct sp_table *const *tables,
                                 size_t ntables, double preln_level, struct sp_plot_figure *fig,
                                 char *err, size_t errlen)
{
    size_t cap = 0;
    for (size_t i = 0; i < ntables; i++)
        cap += sp_table_nrows(tables[i]);
    struct cell *c = bag_alloc(b, (cap + 1) * sizeof *c);
    if (!c)
        return SP_ENOMEM;
    size_t nc = 0;
    for (size_t i = 0; i < ntables; i++) {
        const struct sp_table *t = tables[i];
        int sweep = has_num(t, "depth") && has_num(t, "logJ_L0");
        int theory = has_num(t, "l") && has_num(t, "logJ_fwd");
        if (!sweep && !theory)
            continue;
        for (size_t r = 0; r < sp_table_nrows(t); r++) {
            const char *norm = str(t, r, "norm");
            int ln = norm && (!strcmp(norm, "ln") || !strcmp(norm, "none"));
            double a = has_num(t, "alpha_mlp") && !has_num(t, "alpha") ? num(t, r, "alpha_mlp")
                                                                       : num(t, r, "alpha");
            double d = sweep ? num(t, r, "depth") : num(t, r, "l");
            double z = sweep ? num(t, r, "logJ_L0") : num(t, r, "logJ_fwd");
            if (!isfinite(d) || d < 1 || (!ln && !isfinite(a)))
                continue;
            c[nc++] = (struct cell){a, d, z / log(10.0), ln};
        }
    }
    size_t na = 0, nd = 0;
    double *alphas = bag_alloc(b, (nc + 1) * sizeof *alphas);
    double *depths = bag_alloc(b, (nc + 1) * sizeof *depths);
    if (!alphas || !depths)
        return SP_ENOMEM;
    for (size_t k = 0; k < nc; k++)
        if (!c[k].ln) {
            alphas[na++] = c[k].alpha;
            depths[nd++] = c[k].depth;
        }
    na = uniq(alphas, na);
    nd = uniq(depths, nd);
    if (na < 2 || nd < 2) {
        seterr(err, errlen,
               "phase needs a grid of at least 2 alphas and 2 depths (a theory CSV with several "
               "alphas, or a sweep CSV with alpha, depth, logJ_L0); got %zu x %zu", na, nd);
        return SP_EFORMAT;
    }
    double *z = bag_alloc(b, na * nd * sizeof *z), *ref = bag_alloc(b, nd * sizeof *ref);
    unsigned char *seen = bag_alloc(b, na * nd), *rseen = bag_alloc(b, nd);
    if (!z || !ref || !seen || !rseen)
        return SP_ENOMEM;
    for (size_t k = 0; k < nc; k++) {
        size_t j = find_val(depths, nd, c[k].depth);
        if (j == nd)
            continue;
        if (c[k].ln) {
            ref[j] = c[k].z;
            rseen[j] = 1;
            continue;
        }
        size_t i = find_val(alphas, na, c[k].alpha);
        z[j * na + i] = c[k].z;
        seen[j * na + i] = 1;
    }
    for (size_t k = 0; k < na * nd; k++)
        if (!seen[k]) {
            seterr(err, errlen, "phase: no value at alpha = %g, depth = %g (the grid must be "
                   "complete)", alphas[k % na], depths[k / na]);
            return SP_EFORMAT;
        }
    int allref = 1;
    for (size_t j = 0; j < nd; j++)
        allref &= rseen[j];
    struct sp_plot_heatmap *hm = bag_alloc(b, sizeof *hm);
    if (!hm)
        return SP_ENOMEM;
    hm->x = alphas;
    hm->y = depths;
    hm->z = z;
    hm->nx = na;
    hm->ny = nd;
    hm->yscale = depths[nd - 1] / depths[0] >= 8.0 ? SP_PLOT_LOG : SP_PLOT_LINEAR;
    hm->contour_ref = NULL;
    hm->contour_level = (double)NAN;
    if (isfinite(preln_level)) {
        hm->contour_level = preln_level / log(10.0);
        hm->contour_label = "pre-LN level";
    } else if (allref) {
        hm->contour_ref = ref;
        hm->contour_label = "J#uL,0#d equal to pre-LN at the same depth";
    }
    hm->title = "colour: log#d10#u J#uL,0#d of a depth-L network";
    hm->xlabel = "α (norm scale)";
    hm->ylabel = hm->yscale == SP_PLOT_LOG ? "depth L (blocks, log scale)" : "depth L (blocks)";
    hm->zlabel = "log#d10#u J#uL,0#d";
    fig->heatmap = hm;
    fig->nrow = fig->ncol = 1;
    if (!fig->title)
        fig->title = "Phase diagram: end-to-end APJN against α and depth";
    return SP_OK;
}

/* ---- kind 7: recommended alpha ---- */
static enum sp_status kind_alpha(struct bag *b, const struct sp_table *const *tables,
                                 size_t ntables, struct sp_plot_figure *fig, char *err,
                                 size_t errlen)
{
    const struct sp_table *t = NULL;
    for (size_t i = 0; i < ntables && !t; i++)
        if (has_num(tables[i], "depth") && has_num(tables[i], "width") &&
            (has_num(tables[i], "alpha") || has_num(tables[i], "alpha_mlp")))
            t = tables[i];
    if (!t) {
        seterr(err, errlen, "alpha needs a table with depth, width and alpha columns");
        return SP_EFORMAT;
    }
    size_t nr = sp_table_nrows(t);
    const char *acol = has_num(t, "alpha") ? "alpha" : "alpha_mlp";
    int split = 0; /* attention alpha differs from the plotted one somewhere */
    if (has_num(t, "alpha_attn"))
        for (size_t r = 0; r < nr; r++) {
            double aa = num(t, r, "alpha_attn"), a = num(t, r, acol);
            split |= isfinite(aa) && isfinite(a) && fabs(aa - a) > 1e-12 * fmax(1.0, fabs(a));
        }
    double *ds = bag_alloc(b, (nr + 1) * sizeof *ds), *ws = bag_alloc(b, (nr + 1) * sizeof *ws);
    if (!ds || !ws)
        return SP_ENOMEM;
    for (size_t r = 0; r < nr; r++) {
        ds[r] = num(t, r, "depth");
        ws[r] = num(t, r, "width");
    }
    size_t nd = uniq(ds, nr), nw = uniq(ws, nr);
    struct sp_plot_panel *p = bag_alloc(b, 2 * sizeof *p);
    if (!p)
        return SP_ENOMEM;
    for (int side = 0; side < 2; side++) {
        /* side 0: x = depth, one line per width; side 1: x = width, one line per depth */
        const double *lines = side ? ds : ws, *xs = side ? ws : ds;
        size_t nl = side ? nd : nw, nx = side ? nw : nd;
        struct sbuf sb = {0};
        for (size_t li = 0; li < nl; li++) {
            for (int which = 0; which <= split; which++) {
                double *x = bag_alloc(b, nx * sizeof *x), *y = bag_alloc(b, nx * sizeof *y);
                char *label = bag_alloc(b, 64);
                struct sp_plot_series *s = sbuf_add(b, &sb);
                if (!x || !y || !label || !s)
                    return SP_ENOMEM;
                for (size_t xi = 0; xi < nx; xi++) {
                    x[xi] = xs[xi];
                    y[xi] = (double)NAN;
                    for (size_t r = 0; r < nr; r++)
                        if (num(t, r, side ? "depth" : "width") == lines[li] &&
                            num(t, r, side ? "width" : "depth") == xs[xi])
                            y[xi] = num(t, r, which ? "alpha_attn" : acol);
                }
                snprintf(label, 64, "%s = %g", side ? "depth" : "width d", lines[li]);
                s->x = x;
                s->y = y;
                s->n = nx;
                s->style = SP_PLOT_LINEPOINTS;
                s->symbol_scale = 0.8;
                s->dashed = which;
                s->label = which ? NULL : label;
                if (nl >= 4)
                    sp_plot_viridis(0.9 * (double)li / (double)(nl - 1), s->rgb);
                else
                    sp_plot_categorical(li + 1, s->rgb);
            }
        }
        if (split && (!legend_entry(b, &sb, "MLP (and final) norm α", SP_PLOT_LINE, 0, 0) ||
                      !legend_entry(b, &sb, "attention norm α", SP_PLOT_LINE, 1, 0)))
            return SP_ENOMEM;
        panel_init(&p[side], side ? "against width, one line per depth"
                                  : "against depth, one line per width",
                   side ? "width d (log scale)" : "depth L (blocks, log scale)",
                   "recommended α", SP_PLOT_AUTO_SCALE);
        p[side].xscale = (side ? nw : nd) >= 2 ? SP_PLOT_LOG : SP_PLOT_LINEAR;
        if ((side ? nw : nd) < 2)
            p[side].xlabel = side ? "width d" : "depth L (blocks)";
        p[side].series = sb.s;
        p[side].nseries = sb.n;
    }
    fig->panels = p;
    fig->npanels = 2;
    fig->nrow = 1;
    fig->ncol = 2;
    if (!fig->title)
        fig->title = "Recommended α for the amplification target (transfer rule)";
    return SP_OK;
}

/* ---- kinds 8 and 9: the stability map (sweep --mode train) ----
 * One run per row: alpha (nan for LayerNorm and RMSNorm), norm, lr, warmup, depth,
 * eval_acc, logJ_L0_pred, J_L0_pred, alpha_rec. The heat map's columns are the alphas
 * of the alpha norm (ascending), then one column per norm without alpha ("pre-LN",
 * "RMSNorm", in order of appearance), its rows the distinct
 * (depth, lr, warmup) of the runs; the scatter plots eval_acc against
 * logJ_L0_pred, one series per row of the map. */
struct srun {
    double alpha, lr, warmup, depth, acc, lj, div;
    int ref; /* a norm without alpha (ln, rms): its index among those of the map; -1: none */
};

static int srun_row_cmp(const struct srun *a, const struct srun *b)
{
    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    if (a->lr != b->lr)
        return a->lr < b->lr ? -1 : 1;
    if (a->warmup != b->warmup)
        return a->warmup < b->warmup ? -1 : 1;
    return 0;
}

static enum sp_status kind_stability(struct bag *b, const struct sp_table *const *tables,
                                     size_t ntables, int scatter, struct sp_plot_figure *fig,
                                     char *err, size_t errlen)
{
    const struct sp_table *t = NULL;
    for (size_t i = 0; i < ntables && !t; i++)
        if (has_num(tables[i], "eval_acc") && has_num(tables[i], "logJ_L0_pred") &&
            has_num(tables[i], "lr") && has_num(tables[i], "warmup") &&
            has_num(tables[i], "depth") && has(tables[i], "norm"))
            t = tables[i];
    if (!t) {
        seterr(err, errlen, "stability needs a 'sweep --mode train' table (norm, alpha, lr, "
               "warmup, depth, eval_acc, logJ_L0_pred)");
        return SP_EFORMAT;
    }
    size_t nr = sp_table_nrows(t);
    struct srun *run = bag_alloc(b, (nr + 1) * sizeof *run);
    double *alphas = bag_alloc(b, (nr + 1) * sizeof *alphas);
    size_t *rowof = bag_alloc(b, (nr + 1) * sizeof *rowof);
    struct srun *rows = bag_alloc(b, (nr + 1) * sizeof *rows);
    if (!run || !alphas || !rowof || !rows)
        return SP_ENOMEM;
    /* the reference norms (no alpha: pre-LN, RMSNorm), one column each, in order of appearance */
    const char *refs[8];
    size_t na = 0, ny = 0, nref = 0;
    for (size_t r = 0; r < nr; r++) {
        const char *nm = str(t, r, "norm");
        struct srun u = {num(t, r, "alpha"), num(t, r, "lr"), num(t, r, "warmup"),
                         num(t, r, "depth"), num(t, r, "eval_acc"), num(t, r, "logJ_L0_pred"),
                         has_num(t, "diverged") ? num(t, r, "diverged") : 0, -1};
        if (!isfinite(u.alpha) && nm) {
            size_t k = 0;
            while (k < nref && strcmp(refs[k], nm))
                k++;
            if (k == nref && nref < sizeof refs / sizeof *refs)
                refs[nref++] = nm;
            u.ref = k < nref ? (int)k : -1;
        }
        run[r] = u;
        if (isfinite(u.alpha))
            alphas[na++] = u.alpha;
        size_t k = 0;
        while (k < ny && srun_row_cmp(&rows[k], &u) != 0)
            k++;
        if (k == ny) {
            /* insertion in order */
            size_t at = 0;
            while (at < ny && srun_row_cmp(&rows[at], &u) < 0)
                at++;
            memmove(rows + at + 1, rows + at, (ny - at) * sizeof *rows);
            rows[at] = u;
            ny++;
        }
    }
    na = uniq(alphas, na);
    const size_t nx = na + nref;
    if (nx < 1 || ny < 1) {
        seterr(err, errlen, "stability: the table has no runs");
        return SP_EFORMAT;
    }
    int depths_vary = 0;
    for (size_t j = 1; j < ny; j++)
        depths_vary |= rows[j].depth != rows[0].depth;
    for (size_t r = 0; r < nr; r++) {
        size_t j = 0;
        while (srun_row_cmp(&rows[j], &run[r]) != 0)
            j++;
        rowof[r] = j;
    }
    if (scatter) {
        struct sbuf sb = {0};
        for (size_t j = 0; j < ny; j++) {
            double *x = bag_alloc(b, (nr + 1) * sizeof *x), *y = bag_alloc(b, (nr + 1) * sizeof *y);
            char *label = bag_alloc(b, 96);
            struct sp_plot_series *sr = sbuf_add(b, &sb);
            if (!x || !y || !label || !sr)
                return SP_ENOMEM;
            size_t m = 0;
            for (size_t r = 0; r < nr; r++)
                if (rowof[r] == j) {
                    x[m] = run[r].lj;
                    y[m++] = run[r].acc;
                }
            if (depths_vary)
                snprintf(label, 96, "L %g, lr %g, warmup %g", rows[j].depth, rows[j].lr,
                         rows[j].warmup);
            else
                snprintf(label, 96, "lr %g, warmup %g", rows[j].lr, rows[j].warmup);
            sr->x = x;
            sr->y = y;
            sr->n = m;
            sr->label = label;
            sr->style = SP_PLOT_POINTS;
            sr->symbol = (int)(j % 4);
            sr->symbol_scale = 1.4;
            sp_plot_categorical(j + 1, sr->rgb);
        }
        struct sp_stability stt;
        char *title = bag_alloc(b, 160);
        if (!title)
            return SP_ENOMEM;
        if (sp_stability_summary(t, &stt) == SP_OK && isfinite(stt.rho))
            snprintf(title, 160, "Spearman ρ = %.3f over %zu runs (%zu diverged)", stt.rho, stt.n,
                     stt.diverged);
        else
            snprintf(title, 160, "%zu runs", nr);
        return one_panel(b, &sb, title, "predicted log J#uL,0#d at initialisation (natural log)",
                         "final test accuracy", SP_PLOT_LINEAR,
                         "Training outcome against the predicted end-to-end APJN", fig);
    }
    double *z = bag_alloc(b, nx * ny * sizeof *z), *xs = bag_alloc(b, nx * sizeof *xs);
    double *ys = bag_alloc(b, ny * sizeof *ys), *jcol = bag_alloc(b, nx * sizeof *jcol);
    unsigned char *seen = bag_alloc(b, nx * ny);
    const char **xt = bag_alloc(b, nx * sizeof *xt), **xt2 = bag_alloc(b, nx * sizeof *xt2);
    const char **yt = bag_alloc(b, ny * sizeof *yt);
    if (!z || !xs || !ys || !jcol || !seen || !xt || !xt2 || !yt)
        return SP_ENOMEM;
    for (size_t k = 0; k < nx * ny; k++)
        z[k] = (double)NAN;
    for (size_t i = 0; i < nx; i++) {
        xs[i] = (double)i;
        jcol[i] = (double)NAN;
    }
    for (size_t r = 0; r < nr; r++) {
        if (run[r].ref < 0 && !isfinite(run[r].alpha))
            continue; /* no norm name to key it by */
        size_t i = run[r].ref >= 0 ? na + (size_t)run[r].ref : find_val(alphas, na, run[r].alpha);
        if (i >= nx)
            continue;
        size_t j = rowof[r];
        if (seen[j * nx + i]) {
            seterr(err, errlen, "stability: two runs in one cell (alpha %g, lr %g, warmup %g, "
                   "depth %g): one alpha norm and one seed per map", run[r].alpha, run[r].lr,
                   run[r].warmup, run[r].depth);
            return SP_EFORMAT;
        }
        seen[j * nx + i] = 1;
        z[j * nx + i] = run[r].acc;
        if (j == 0 || !isfinite(jcol[i]))
            jcol[i] = run[r].lj;
    }
    for (size_t i = 0; i < nx; i++) {
        char *a = bag_alloc(b, 32), *c = bag_alloc(b, 32);
        if (!a || !c)
            return SP_ENOMEM;
        if (i < na)
            snprintf(a, 32, "α %g", alphas[i]);
        else
            snprintf(a, 32, "%s", norm_display(refs[i - na]));
        snprintf(c, 32, "J %.4g", exp(jcol[i]));
        xt[i] = a;
        xt2[i] = c;
    }
    for (size_t j = 0; j < ny; j++) {
        char *l = bag_alloc(b, 64);
        if (!l)
            return SP_ENOMEM;
        if (depths_vary)
            snprintf(l, 64, "L %g lr %g wu %g", rows[j].depth, rows[j].lr, rows[j].warmup);
        else
            snprintf(l, 64, "lr %g wu %g", rows[j].lr, rows[j].warmup);
        yt[j] = l;
        ys[j] = (double)j;
    }
    struct sp_plot_heatmap *hm = bag_alloc(b, sizeof *hm);
    if (!hm)
        return SP_ENOMEM;
    hm->x = xs;
    hm->y = ys;
    hm->z = z;
    hm->nx = nx;
    hm->ny = ny;
    hm->yscale = SP_PLOT_LINEAR;
    hm->contour_level = (double)NAN;
    hm->cells = 1;
    hm->xticks = xt;
    hm->xticks2 = xt2;
    hm->yticks = yt;
    hm->mark_x = (double)NAN;
    /* the recommended alpha: its place between the columns, in log alpha */
    double rec = (double)NAN;
    for (size_t r = 0; r < nr && !isfinite(rec); r++)
        rec = has_num(t, "alpha_rec") ? num(t, r, "alpha_rec") : (double)NAN;
    if (isfinite(rec) && rec > 0 && na >= 1) {
        char *ml = bag_alloc(b, 96);
        if (!ml)
            return SP_ENOMEM;
        if (na == 1 || rec <= alphas[0])
            hm->mark_x = rec == alphas[0] ? 0.0 : -0.5;
        else if (rec >= alphas[na - 1])
            hm->mark_x = rec == alphas[na - 1] ? (double)(na - 1) : (double)na - 0.5;
        else
            for (size_t i = 0; i + 1 < na; i++)
                if (rec >= alphas[i] && rec <= alphas[i + 1])
                    hm->mark_x = (double)i + log(rec / alphas[i]) / log(alphas[i + 1] / alphas[i]);
        snprintf(ml, 96, "α recommended by sigprop alpha (match pre-LN): %.3g", rec);
        hm->mark_label = ml;
    }
    hm->title = "colour: final test accuracy; J: predicted J#uL,0#d at initialisation";
    hm->xlabel = "initial α of the norm (and pre-LN)";
    hm->ylabel = depths_vary ? "depth, peak lr, warmup steps" : "peak lr, warmup steps";
    hm->zlabel = "test accuracy";
    fig->heatmap = hm;
    fig->nrow = fig->ncol = 1;
    if (!fig->title)
        fig->title = "Stability map: test accuracy over α and the schedule";
    return SP_OK;
}

enum sp_status sp_plot_tables(const struct sp_table *const *tables, size_t ntables,
                              const struct sp_plot_opts *o, const char *path, char *err,
                              size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!tables || !ntables || !o || !path) {
        seterr(err, errlen, "no input tables");
        return SP_EINVAL;
    }
    enum sp_plot_format fmt;
    if (sp_plot_format_from_path(path, &fmt) != SP_OK) {
        seterr(err, errlen, "'%s': the output name must end in .png, .svg or .pdf", path);
        return SP_EINVAL;
    }
    enum sp_plot_kind kind = o->kind;
    enum sp_status st;
    if (kind == SP_PLOT_KIND_AUTO && (st = sp_plot_detect(tables, ntables, &kind, err, errlen)) != SP_OK)
        return st;
    struct bag b = {0};
    struct sp_plot_figure fig;
    memset(&fig, 0, sizeof fig);
    char *title = NULL;
    if (o->title) {
        char *esc = sp_plot_escape(o->title);
        title = esc ? bag_strdup(&b, esc) : NULL;
        free(esc);
        if (!title) {
            bag_free(&b);
            return SP_ENOMEM;
        }
        fig.title = title;
    }
    switch (kind) {
    case SP_PLOT_KIND_PROFILE: st = kind_profile(&b, tables, ntables, &fig, err, errlen); break;
    case SP_PLOT_KIND_JBWD: st = kind_jbwd(&b, tables, ntables, &fig, err, errlen); break;
    case SP_PLOT_KIND_GRADAMP: st = kind_gradamp(&b, tables, ntables, &fig, err, errlen); break;
    case SP_PLOT_KIND_STRETCHED: st = kind_stretched(&b, tables, ntables, &fig, err, errlen); break;
    case SP_PLOT_KIND_TOY: st = kind_toy(&b, tables, ntables, o->l_star, &fig, err, errlen); break;
    case SP_PLOT_KIND_PHASE:
        st = kind_phase(&b, tables, ntables, o->preln_level, &fig, err, errlen);
        break;
    case SP_PLOT_KIND_ALPHA: st = kind_alpha(&b, tables, ntables, &fig, err, errlen); break;
    case SP_PLOT_KIND_STABILITY:
    case SP_PLOT_KIND_STABILITY_SCATTER:
        st = kind_stability(&b, tables, ntables, kind == SP_PLOT_KIND_STABILITY_SCATTER, &fig, err,
                            errlen);
        break;
    default:
        seterr(err, errlen, "unknown figure kind");
        st = SP_EINVAL;
    }
    if (st == SP_OK) {
        st = sp_plot_render(&fig, fmt, o->width, o->height, path);
        if (st != SP_OK && err && !err[0])
            seterr(err, errlen, "rendering '%s' failed: %s", path, sp_status_str(st));
    } else if (err && !err[0]) {
        seterr(err, errlen, "%s", sp_status_str(st));
    }
    bag_free(&b);
    return st;
}
