/* The identifying columns of sigprop's tables (include/sigprop/records.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sigprop/records.h"

static const char *const names[SP_REC_NCOLS] = {
    "model", "norm", "alpha", "alpha_attn", "alpha_mlp", "depth", "width", "tokens", "heads",
    "kv_heads", "mlp", "mask", "seed", "version"};

const char *sp_rec_name(enum sp_rec_col c)
{
    return (unsigned)c < SP_REC_NCOLS ? names[c] : NULL;
}

enum sp_coltype sp_rec_type(enum sp_rec_col c)
{
    return c == SP_REC_MODEL || c == SP_REC_NORM || c == SP_REC_MLP || c == SP_REC_MASK ||
                   c == SP_REC_VERSION
               ? SP_COL_STR
               : SP_COL_NUM;
}

static double fn_alpha(const struct sp_fnspec *f)
{
    return f->kind == SP_FN_DERF || f->kind == SP_FN_DYT ? f->alpha : (double)NAN;
}

void sp_record_norm(const struct sp_arch *a, char *buf, size_t n)
{
    if (a->model == SP_MODEL_TOY)
        snprintf(buf, n, "%s", a->toy_ln ? "ln" : sp_fn_name(a->phi.kind));
    else if (a->norm_attn.kind == a->norm_mlp.kind)
        snprintf(buf, n, "%s", sp_fn_name(a->norm_mlp.kind));
    else
        snprintf(buf, n, "%s/%s", sp_fn_name(a->norm_attn.kind), sp_fn_name(a->norm_mlp.kind));
}

void sp_record_of(const struct sp_arch *a, const struct sp_theory_opts *o, double alpha,
                  double seed, struct sp_record *r)
{
    int toy = a->model == SP_MODEL_TOY;
    const struct sp_fnspec *fm = toy ? &a->phi : &a->norm_mlp;
    r->model = toy ? "toy" : "transformer";
    sp_record_norm(a, r->norm, sizeof r->norm);
    r->alpha = !isnan(alpha) ? alpha : fn_alpha(fm);
    r->alpha_attn = toy ? (double)NAN : fn_alpha(&a->norm_attn);
    r->alpha_mlp = fn_alpha(fm);
    r->depth = a->depth;
    r->width = a->width;
    r->tokens = toy ? (double)NAN : a->tokens;
    r->heads = toy ? (double)NAN : a->heads;
    r->kv_heads = toy ? (double)NAN : sp_arch_kv_heads(a);
    r->mlp = toy ? "" : sp_act_name(a->mlp_act);
    r->mask = toy ? "" : a->mask == SP_MASK_CAUSAL ? "causal" : "none";
    r->seed = seed;
    r->version = !o ? "" : toy ? "toy" : sp_theory_version(o);
}

int sp_record_add_cols(struct sp_table *t, unsigned which, int idx[SP_REC_NCOLS])
{
    for (int c = 0; c < SP_REC_NCOLS; c++) {
        idx[c] = sp_table_find(t, names[c]);
        if (idx[c] < 0 && (which >> c & 1u) &&
            (idx[c] = sp_table_add_col(t, names[c], sp_rec_type((enum sp_rec_col)c))) < 0)
            return -1;
    }
    return 0;
}

enum sp_status sp_record_set(struct sp_table *t, size_t row, const int idx[SP_REC_NCOLS],
                             const struct sp_record *r)
{
    const char *s[SP_REC_NCOLS] = {0};
    double v[SP_REC_NCOLS] = {0};
    s[SP_REC_MODEL] = r->model;
    s[SP_REC_NORM] = r->norm;
    s[SP_REC_MLP] = r->mlp;
    s[SP_REC_MASK] = r->mask;
    s[SP_REC_VERSION] = r->version;
    v[SP_REC_ALPHA] = r->alpha;
    v[SP_REC_ALPHA_ATTN] = r->alpha_attn;
    v[SP_REC_ALPHA_MLP] = r->alpha_mlp;
    v[SP_REC_DEPTH] = r->depth;
    v[SP_REC_WIDTH] = r->width;
    v[SP_REC_TOKENS] = r->tokens;
    v[SP_REC_HEADS] = r->heads;
    v[SP_REC_KV_HEADS] = r->kv_heads;
    v[SP_REC_SEED] = r->seed;
    for (int c = 0; c < SP_REC_NCOLS; c++) {
        if (idx[c] < 0)
            continue;
        if (sp_rec_type((enum sp_rec_col)c) == SP_COL_NUM)
            sp_table_set_num(t, row, idx[c], v[c]);
        else if (sp_table_set_str(t, row, idx[c], s[c] ? s[c] : "") != SP_OK)
            return sp_fail(SP_ENOMEM, "out of memory writing a row's %s", names[c]);
    }
    return SP_OK;
}
