/* The grid of sweep --mode train: norm, depth, lr, warmup and alpha over the
 * trainer's resolved configuration and options, one validated (config, options)
 * pair per point, the setting bits and, once the data are loaded, the keys. The
 * stability summary of a finished map as text. Never prints. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/io.h"
#include "sigprop/train.h"

#include "analysis/strbuf.h"
#include "analysis/sweep_internal.h"
#include "archkeys.h"

static const char *const axis_key[SP_SWEEP_TRAIN_NAXES] = {"norm", "depth", "lr", "warmup",
                                                           "alpha"};

void sp_sweep_train_grid_init(struct sp_sweep_train_grid *g) { memset(g, 0, sizeof *g); }

void sp_sweep_train_grid_free(struct sp_sweep_train_grid *g)
{
    sp_sweep_axes_free(g->values, g->nvalues, SP_SWEEP_TRAIN_NAXES);
    free(g->configs);
    free(g->opts);
    sp_sweep_keys_free(g->keys, g->npoints);
    free(g->header);
    sp_sweep_train_grid_init(g);
}

enum sp_status sp_sweep_train_grid_axis(struct sp_sweep_train_grid *g,
                                        enum sp_sweep_train_axis k, const double *v, size_t n)
{
    if ((int)k < 0 || k >= SP_SWEEP_TRAIN_NAXES)
        return sp_fail(SP_EINVAL, "sweep grid: axis %d does not exist", (int)k);
    return sp_sweep_axis_set(&g->values[k], &g->nvalues[k], axis_key[k], v, n);
}

/* Key fields (sp_sweep_train_header(1)) of the axes: norm 1, alpha 2-4, depth 5,
 * lr 14, warmup 15; those of axes with more than one value are not settings. */
static uint64_t settings_of(const size_t *n)
{
    static const uint64_t field[SP_SWEEP_TRAIN_NAXES] = {1u << 1, 1u << 5, 1u << 14, 1u << 15,
                                                        7u << 2};
    uint64_t m = ~(uint64_t)0;
    for (int k = 0; k < SP_SWEEP_TRAIN_NAXES; k++)
        if (n[k] > 1)
            m &= ~field[k];
    return m;
}

enum sp_status sp_sweep_train_grid_build(struct sp_sweep_train_grid *g,
                                         const struct sp_vit_config *c0,
                                         const struct sp_train_opts *o0,
                                         enum sp_archkey_style style)
{
    char b[96];
    if (g->configs)
        return sp_fail(SP_EINVAL, "sweep grid: already built (free it first)");
    /* axes not given: one value, the trainer's default */
    const double defaults[SP_SWEEP_TRAIN_NAXES] = {(double)c0->norm_mlp.kind, c0->depth, o0->lr,
                                                   NAN, c0->norm_mlp.alpha};
    enum sp_status s;
    size_t total = 1;
    for (int k = 0; k < SP_SWEEP_TRAIN_NAXES; k++) {
        for (size_t i = 0; i < g->nvalues[k]; i++)
            for (size_t j = i + 1; j < g->nvalues[k]; j++)
                if (g->values[k][i] == g->values[k][j])
                    return sp_fail(SP_EINVAL, "%s: %g is given twice (it would write identical "
                                   "rows)", archkey_style_name(style, axis_key[k], NULL, b,
                                                               sizeof b), g->values[k][i]);
        if (!g->nvalues[k] && (s = sp_sweep_train_grid_axis(g, k, &defaults[k], 1)) != SP_OK)
            return s;
        total *= g->nvalues[k];
    }
    if (total > SP_SWEEP_TRAIN_MAX_RUNS)
        return sp_fail(SP_EINVAL, "the map has %zu runs: at most %d (split it)", total,
                       SP_SWEEP_TRAIN_MAX_RUNS);
    g->configs = malloc(total * sizeof *g->configs);
    g->opts = malloc(total * sizeof *g->opts);
    if (!g->configs || !g->opts)
        return sp_fail(SP_ENOMEM, "out of memory");
    g->npoints = 0;
    for (size_t idx = 0; idx < total; idx++) {
        size_t co[SP_SWEEP_TRAIN_NAXES];
        sp_grid_coords(g->nvalues, SP_SWEEP_TRAIN_NAXES, idx, co);
#define V(K) g->values[K][co[K]]
        struct sp_vit_config c = *c0;
        struct sp_train_opts o = *o0;
        enum sp_fn f = (enum sp_fn)(int)V(SP_SWEEP_TRAIN_NORM);
        c.norm_attn.kind = c.norm_mlp.kind = c.norm_final.kind = f;
        int has_alpha = f == SP_FN_DYT || f == SP_FN_DERF;
        if (!has_alpha && co[SP_SWEEP_TRAIN_ALPHA] > 0)
            continue; /* LayerNorm and RMSNorm have no alpha: one row */
        if (has_alpha)
            c.norm_attn.alpha = c.norm_mlp.alpha = c.norm_final.alpha = V(SP_SWEEP_TRAIN_ALPHA);
        c.depth = (int)V(SP_SWEEP_TRAIN_DEPTH);
        o.lr = V(SP_SWEEP_TRAIN_LR);
        if (isnan(V(SP_SWEEP_TRAIN_WARMUP)))
            o.warmup = o.warmup > o.steps ? o.steps / 10 : o.warmup;
        else
            o.warmup = (long)V(SP_SWEEP_TRAIN_WARMUP);
#undef V
        if ((s = sp_vit_config_check(&c)) != SP_OK || (s = sp_train_opts_check(&o)) != SP_OK)
            return s;
        g->configs[g->npoints] = c;
        g->opts[g->npoints++] = o;
    }
    g->settings = settings_of(g->nvalues);
    return SP_OK;
}

enum sp_status sp_sweep_train_grid_keys(struct sp_sweep_train_grid *g,
                                        const struct sp_dataset *train,
                                        const struct sp_dataset *test,
                                        const struct sp_net_opts *measure,
                                        enum sp_archkey_style style)
{
    char b[96], v[24];
    for (size_t i = 0; i < g->npoints; i++)
        if ((size_t)g->opts[i].batch > train->n) {
            snprintf(v, sizeof v, "%d", g->opts[i].batch);
            return sp_fail(SP_EINVAL, "%s is larger than the %zu training images",
                           archkey_style_name(style, "batch", v, b, sizeof b), train->n);
        }
    g->plan = (struct sp_sweep_train_plan){g->configs, g->opts, g->npoints, train, test, measure,
                                           NULL};
    enum sp_status s = sp_sweep_train_keys(&g->plan, &g->keys);
    g->plan.keys = (const char *const *)g->keys;
    if (s == SP_OK && !(g->header = sp_sweep_train_header(0)))
        s = sp_fail(SP_ENOMEM, "out of memory");
    return s;
}

enum sp_status sp_stability_summary_text(const char *path, char **text)
{
    *text = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return sp_fail(SP_EIO, "cannot open '%s'", path);
    struct sp_table *t = NULL;
    char err[256];
    enum sp_status s = sp_table_read_csv(f, &t, err, sizeof err);
    fclose(f);
    if (s != SP_OK)
        return sp_fail(s, "'%s': %s", path, err);
    char *out = NULL;
    size_t len = 0, cap = 0;
    struct sp_stability st;
    int rc = sp_strbuf_printf(&out, &len, &cap, "%s", "");
    if (!rc && sp_stability_summary(t, &st) == SP_OK) {
        rc = sp_strbuf_printf(&out, &len, &cap,
                              "stability summary of '%s': %zu runs, %zu diverged; Spearman rank "
                              "correlation of logJ_L0_pred and eval_acc rho = %.3f over %zu runs\n",
                              path, st.rows, st.diverged, st.rho, st.n);
        if (!rc && isfinite(st.rec_alpha))
            rc = sp_strbuf_printf(&out, &len, &cap,
                                  "recommended alpha (match pre-LN) %.4g; nearest grid alpha "
                                  "%.4g: mean eval_acc %.4f vs %s (the grid's norm without "
                                  "alpha) %.4f over %zu (lr, warmup, depth) pairs\n",
                                  st.rec_alpha, st.grid_alpha, st.rec_acc, st.ref_label,
                                  st.preln_acc, st.pairs);
    }
    sp_table_free(t);
    if (rc) {
        free(out);
        return sp_fail(SP_ENOMEM, "out of memory");
    }
    *text = out;
    return SP_OK;
}
