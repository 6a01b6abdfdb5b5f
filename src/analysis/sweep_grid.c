/* The sweep grid of `sigprop sweep` (theory, measure, both) and Python's
 * sweep(): the grid axes over an architecture request, one task per
 * configuration (validated by sp_archspec_build), the resume keys, the
 * refusal of grids whose points would be identical rows, and the setting bits
 * of sp_sweep_open. Never prints. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/archspec.h"
#include "sigprop/measurespec.h"

#include "analysis/sweep_internal.h"
#include "archkeys.h"

/* The axes' keys (sigprop/archspec.h names) and their key fields after i in
 * sp_sweep_header(.., 1); every other key field is a setting. */
static const char *const axis_key[SP_SWEEP_NAXES] = {
    "norm", "width", "init-std", "tokens", "q0", "p0", "sigma-w", "alpha", "depth"};
static const int axis_field[SP_SWEEP_NAXES] = {2, 7, 9, 8, 10, 11, 12, 3, 6};

enum sp_status sp_sweep_axis_set(double **dst, size_t *dn, const char *name, const double *v,
                                 size_t n)
{
    if (!n || !v)
        return sp_fail(SP_EINVAL, "%s: an axis needs at least one value", name);
    double *c = malloc(n * sizeof *c);
    if (!c)
        return sp_fail(SP_ENOMEM, "out of memory");
    memcpy(c, v, n * sizeof *c);
    free(*dst);
    *dst = c;
    *dn = n;
    return SP_OK;
}

void sp_sweep_axes_free(double **values, size_t *nvalues, size_t naxes)
{
    for (size_t k = 0; k < naxes; k++) {
        free(values[k]);
        values[k] = NULL;
        nvalues[k] = 0;
    }
}

void sp_sweep_grid_init(struct sp_sweep_grid *g) { memset(g, 0, sizeof *g); }

void sp_sweep_grid_free(struct sp_sweep_grid *g)
{
    sp_sweep_axes_free(g->values, g->nvalues, SP_SWEEP_NAXES);
    free(g->depths);
    free(g->tasks);
    sp_sweep_keys_free(g->keys, g->npoints);
    free(g->header);
    sp_sweep_grid_init(g);
}

enum sp_status sp_sweep_grid_axis(struct sp_sweep_grid *g, enum sp_sweep_axis k, const double *v,
                                  size_t n)
{
    if ((int)k < 0 || k >= SP_SWEEP_NAXES)
        return sp_fail(SP_EINVAL, "sweep grid: axis %d does not exist", (int)k);
    return sp_sweep_axis_set(&g->values[k], &g->nvalues[k], axis_key[k], v, n);
}

/* The value one key set into a request holds, as the axis holds it. */
static double spec_value(const struct sp_archspec *c, enum sp_sweep_axis k)
{
    switch (k) {
    case SP_SWEEP_NORM: return (double)c->norm;
    case SP_SWEEP_WIDTH: return c->width;
    case SP_SWEEP_INIT_STD: return c->init_std;
    case SP_SWEEP_TOKENS: return c->tokens;
    case SP_SWEEP_Q0: return c->q0;
    case SP_SWEEP_P0: return c->p0;
    case SP_SWEEP_SIGMA_W: return c->sigma_w;
    case SP_SWEEP_ALPHA: return c->nalpha ? c->alphas[0] : (double)NAN;
    default: return c->depth;
    }
}

enum sp_status sp_sweep_grid_parse(struct sp_sweep_grid *g, enum sp_sweep_axis k,
                                   const char *const *text, size_t n, enum sp_archkey_style style)
{
    if ((int)k < 0 || k >= SP_SWEEP_NAXES)
        return sp_fail(SP_EINVAL, "sweep grid: axis %d does not exist", (int)k);
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return sp_fail(SP_ENOMEM, "out of memory");
    enum sp_status s = SP_OK;
    for (size_t i = 0; i < n && s == SP_OK; i++) {
        struct sp_archspec c;
        sp_archspec_init(&c);
        c.style = style;
        if ((s = sp_archspec_set(&c, axis_key[k], text[i])) == SP_OK)
            v[i] = spec_value(&c, k);
        sp_archspec_free(&c);
    }
    if (s == SP_OK)
        s = sp_sweep_grid_axis(g, k, v, n);
    free(v);
    return s;
}

static int has_alpha(const struct sp_arch *a)
{
    if (a->model == SP_MODEL_TOY)
        return a->phi.kind == SP_FN_DERF || a->phi.kind == SP_FN_DYT;
    return a->norm_mlp.kind == SP_FN_DERF || a->norm_mlp.kind == SP_FN_DYT ||
           a->norm_attn.kind == SP_FN_DERF || a->norm_attn.kind == SP_FN_DYT;
}

/* The request with combination co's axis values; co NULL: the first norm alone. */
static void point_spec(const struct sp_sweep_grid *g, const struct sp_archspec *s,
                       const size_t *co, struct sp_archspec *c)
{
    *c = *s;
    c->nalpha = 0;
    c->alphas = NULL;
    if (g->nvalues[SP_SWEEP_NORM]) {
        c->has_norm = 1;
        c->norm = (enum sp_fn)(int)g->values[SP_SWEEP_NORM][co ? co[SP_SWEEP_NORM] : 0];
    }
    if (!co)
        return;
#define V(K) g->values[K][co[K]]
    if (g->nvalues[SP_SWEEP_WIDTH]) c->width = (int)V(SP_SWEEP_WIDTH);
    if (g->nvalues[SP_SWEEP_INIT_STD]) c->init_std = V(SP_SWEEP_INIT_STD);
    if (g->nvalues[SP_SWEEP_TOKENS]) c->tokens = (int)V(SP_SWEEP_TOKENS);
    if (g->nvalues[SP_SWEEP_Q0]) c->q0 = V(SP_SWEEP_Q0);
    if (g->nvalues[SP_SWEEP_P0]) c->p0 = V(SP_SWEEP_P0);
    if (g->nvalues[SP_SWEEP_SIGMA_W]) c->sigma_w = V(SP_SWEEP_SIGMA_W);
#undef V
}

static enum sp_status build_one(const struct sp_archspec *c, double alpha, struct sp_sweep_task *t,
                                void (*note)(void *, const struct sp_archspec *, const struct sp_arch *,
                                             const struct sp_archspec_notes *),
                                void *ctx)
{
    struct sp_archspec_notes n;
    if (note)
        note(ctx, c, NULL, NULL);
    enum sp_status s = sp_archspec_build(c, alpha, &t->a, &t->o, &n);
    if (s == SP_OK && note)
        note(ctx, c, &t->a, &n);
    return s;
}

/* Two grid points with the same key would be two identical rows: an axis the
 * model ignores (the toy has no width; the transformer no sigma_w) or a value
 * given twice. The reason names the axis. */
struct key_ref {
    const char *key; /* the key of a task's first point */
    size_t t;
};
static int cmp_key_ref(const void *x, const void *y)
{
    const struct key_ref *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c ? c : (a->t > b->t) - (a->t < b->t);
}

static enum sp_status grid_unique(const struct sp_sweep_grid *g, enum sp_archkey_style style)
{
    char b[2][96];
#define NAME(K, I) archkey_style_name(style, axis_key[K], NULL, b[I], sizeof b[I])
    for (size_t i = 0; i < g->ndepths; i++)
        for (size_t j = i + 1; j < g->ndepths; j++)
            if (g->depths[i] == g->depths[j])
                return sp_fail(SP_EINVAL, "%s: %d is given twice (it would write identical rows)",
                               NAME(SP_SWEEP_DEPTH, 0), g->depths[i]);
    if (g->ntasks < 2)
        return SP_OK;
    struct key_ref *ord = malloc(g->ntasks * sizeof *ord);
    if (!ord)
        return sp_fail(SP_ENOMEM, "out of memory");
    for (size_t t = 0; t < g->ntasks; t++)
        ord[t] = (struct key_ref){g->keys[g->tasks[t].first], t};
    qsort(ord, g->ntasks, sizeof *ord, cmp_key_ref);
    enum sp_status s = SP_OK;
    for (size_t k = 1; k < g->ntasks && s == SP_OK; k++) {
        if (strcmp(ord[k - 1].key, ord[k].key) != 0)
            continue;
        const struct sp_sweep_task *ta = &g->tasks[ord[k - 1].t], *tb = &g->tasks[ord[k].t];
        size_t sizes[SP_SWEEP_NAXES - 1], ca[SP_SWEEP_NAXES - 1], cb[SP_SWEEP_NAXES - 1];
        for (int x = 0; x < SP_SWEEP_NAXES - 1; x++)
            sizes[x] = g->nvalues[x] ? g->nvalues[x] : 1;
        sp_grid_coords(sizes, SP_SWEEP_NAXES - 1, ta->combo, ca);
        sp_grid_coords(sizes, SP_SWEEP_NAXES - 1, tb->combo, cb);
        int ax = 0;
        while (ax < SP_SWEEP_NAXES - 2 && ca[ax] == cb[ax])
            ax++;
        double va = g->values[ax][ca[ax]], vb = g->values[ax][cb[ax]];
        if (va == vb || ax == SP_SWEEP_NORM)
            s = sp_fail(SP_EINVAL, "%s: a value is given twice (grid points %zu and %zu would be "
                        "identical rows)", NAME(ax, 0), ta->first, tb->first);
        else
            s = sp_fail(SP_EINVAL, "%s does not change the rows of this model (%s %g and %g give "
                        "identical rows): give it one value", NAME(ax, 0), NAME(ax, 1), va, vb);
    }
#undef NAME
    free(ord);
    return s;
}

/* Every key field is a setting but those of the axes with more than one value. */
static uint64_t settings_mask(const struct sp_sweep_grid *g)
{
    uint64_t m = ~(uint64_t)0;
    for (int k = 0; k < SP_SWEEP_NAXES; k++)
        if (g->nvalues[k] > 1)
            m &= ~((uint64_t)1 << axis_field[k]);
    return m;
}

static enum sp_status grid_depths(struct sp_sweep_grid *g, const struct sp_archspec *s,
                                  void (*note)(void *, const struct sp_archspec *, const struct sp_arch *,
                                               const struct sp_archspec_notes *),
                                  void *ctx)
{
    g->ndepths = g->nvalues[SP_SWEEP_DEPTH] ? g->nvalues[SP_SWEEP_DEPTH] : 1;
    if (!(g->depths = malloc(g->ndepths * sizeof *g->depths)))
        return sp_fail(SP_ENOMEM, "out of memory");
    if (g->nvalues[SP_SWEEP_DEPTH]) {
        for (size_t i = 0; i < g->ndepths; i++)
            g->depths[i] = (int)g->values[SP_SWEEP_DEPTH][i];
        return SP_OK;
    }
    /* the depth of the first configuration, alpha aside */
    struct sp_archspec c;
    struct sp_sweep_task t;
    point_spec(g, s, NULL, &c);
    enum sp_status st = build_one(&c, NAN, &t, note, ctx);
    if (st == SP_OK)
        g->depths[0] = t.a.depth;
    return st;
}

enum sp_status sp_sweep_grid_build(struct sp_sweep_grid *g, const struct sp_archspec *s,
                                   int theory, const struct sp_net_opts *measure,
                                   void (*note)(void *ctx, const struct sp_archspec *point,
                                                const struct sp_arch *a,
                                                const struct sp_archspec_notes *n),
                                   void *ctx)
{
    if (g->tasks || g->depths)
        return sp_fail(SP_EINVAL, "sweep grid: already built (free it first)");
    enum sp_status st = grid_depths(g, s, note, ctx);
    if (st != SP_OK)
        return st;
    size_t sizes[SP_SWEEP_NAXES - 1];
    for (int k = 0; k < SP_SWEEP_NAXES - 1; k++)
        sizes[k] = g->nvalues[k] ? g->nvalues[k] : 1;
    /* checked sizes and the stated limits before anything is built (an upper
     * bound: norms without alpha collapse the alpha axis later) */
    size_t ncombo;
    if ((st = sp_grid_count(sizes, SP_SWEEP_NAXES - 1, &ncombo)) != SP_OK ||
        (st = sp_sweep_check_size(ncombo, g->ndepths, NULL)) != SP_OK)
        return st;
    if (!(g->tasks = malloc((ncombo ? ncombo : 1) * sizeof *g->tasks)))
        return sp_fail(SP_ENOMEM, "out of memory");
    int maxdepth = 0;
    for (size_t i = 0; i < g->ndepths; i++)
        if (g->depths[i] > maxdepth)
            maxdepth = g->depths[i];
    g->ntasks = 0;
    for (size_t combo = 0; combo < ncombo; combo++) {
        size_t co[SP_SWEEP_NAXES];
        sp_grid_coords(sizes, SP_SWEEP_NAXES - 1, combo, co);
        struct sp_archspec c;
        point_spec(g, s, co, &c);
        c.depth = maxdepth;
        /* Is alpha meaningful here? Build without it first. */
        struct sp_sweep_task *t = &g->tasks[g->ntasks];
        if ((st = build_one(&c, NAN, t, note, ctx)) != SP_OK)
            return st;
        if (g->nvalues[SP_SWEEP_ALPHA]) {
            if (!has_alpha(&t->a)) {
                if (co[SP_SWEEP_ALPHA] > 0)
                    continue; /* one row, alpha = nan */
            } else if ((st = build_one(&c, g->values[SP_SWEEP_ALPHA][co[SP_SWEEP_ALPHA]], t, note,
                                       ctx)) != SP_OK) {
                return st;
            }
        }
        t->first = g->ntasks * g->ndepths;
        t->combo = combo;
        g->ntasks++;
    }
    g->npoints = g->ntasks * g->ndepths;
    g->plan = (struct sp_sweep_plan){g->tasks, g->ntasks, g->depths, g->ndepths, theory, measure,
                                     NULL};
    if ((st = sp_sweep_keys(&g->plan, &g->keys)) != SP_OK) {
        g->npoints = 0; /* nothing to free */
        return st;
    }
    g->plan.keys = (const char *const *)g->keys;
    g->settings = settings_mask(g);
    if ((st = grid_unique(g, s->style)) != SP_OK)
        return st;
    if (!(g->header = sp_sweep_header(theory, measure != NULL, 0)))
        return sp_fail(SP_ENOMEM, "out of memory");
    return SP_OK;
}

enum sp_status sp_sweep_grid_check_measure(const struct sp_sweep_grid *g,
                                           const struct sp_measurespec *m, size_t *bad)
{
    struct sp_measure_plan p;
    sp_measure_plan_init(&p);
    for (size_t t = 0; t < g->ntasks; t++) {
        enum sp_status s = sp_measure_plan(&g->tasks[t].a, m, &p);
        if (s != SP_OK) {
            if (bad)
                *bad = t;
            return s;
        }
    }
    return SP_OK;
}
