/* sweep --mode train: one training run of the ViT (sigprop/train.h) per grid
 * point, its outcome beside the mean-field prediction for the same architecture
 * (sp_theory_summary_batch, the alpha sigprop alpha recommends) and the APJN
 * measured on the trainer's own initial weights (sp_vit_net_init +
 * sp_net_measure_weights). Rows go through the sweep's resumable file
 * (sp_sweep_open/append) and are dealt over MPI ranks like the other sweeps
 * (sp_sweep_comm_gather); the stability summary (Spearman rank correlation,
 * gsl_stats_spearman) reads the finished table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_statistics_double.h>

#include "sigprop/analysis.h"
#include "sigprop/io.h"
#include "sigprop/records.h"
#include "sigprop/train.h"
#include "sigprop/vit_export.h"
#include "analysis/sweep_internal.h"

static const char *const train_key_cols =
    "model,norm,alpha,alpha_attn,alpha_mlp,depth,width,tokens,heads,kv_heads,mlp,mask,seed,"
    "version,rope_theta,rope_pairing,lr,warmup,steps,batch,schedule,weight_decay,clip,"
    "diverge_factor,train_images,"
    "eval_images,seeds,probes";
static const char *const train_result_cols =
    "J_L0_pred,logJ_L0_pred,lambda,phase,alpha_rec,J_L0_measured,J_L0_se,init_loss,"
    "eval_loss,eval_acc,diverged,diverged_step,steps_done";

static int tr_num(struct sp_sweep_rows *b, double v) { return sp_sweep_rows_num(b, v, 1); }

char *sp_sweep_train_header(int key_only)
{
    struct sp_sweep_rows b = {0};
    if (sp_sweep_rows_printf(&b, "%s%s", key_only ? "" : "i,", train_key_cols) ||
        (!key_only && sp_sweep_rows_printf(&b, ",%s,status", train_result_cols))) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

enum sp_status sp_sweep_train_arch(const struct sp_vit_config *c, struct sp_arch *a)
{
    enum sp_status s = sp_vit_config_check(c);
    if (s != SP_OK)
        return s;
    struct sp_vit_net *v = NULL;
    /* the architecture does not depend on the seed: seed 0 */
    s = sp_vit_net_init(c, 0, &v);
    if (s == SP_OK)
        s = sp_vit_net_arch(v, c->pool == SP_POOL_CLS, a);
    sp_vit_net_free(v);
    return s;
}

static const char *rope_pairing_name(enum sp_rope r)
{
    return r == SP_ROPE_NONE ? "none" : r == SP_ROPE_HALF ? "half" : "interleaved";
}

static int key_of(const struct sp_sweep_train_plan *p, size_t i, struct sp_sweep_rows *b)
{
    const struct sp_vit_config *c = &p->configs[i];
    const struct sp_train_opts *o = &p->opts[i];
    struct sp_arch a;
    struct sp_record r;
    if (sp_sweep_train_arch(c, &a) != SP_OK)
        return -2;
    struct sp_theory_opts to;
    sp_theory_opts_version_c(&to);
    sp_record_of(&a, &to, NAN, (double)o->seed, &r);
    size_t eval_n = p->test ? p->test->n : 0;
    if (o->eval_max > 0 && o->eval_max < eval_n)
        eval_n = o->eval_max;
    int rc = sp_sweep_rows_printf(b, "%s,%s", r.model, r.norm);
    const double nums[] = {r.alpha, r.alpha_attn, r.alpha_mlp, r.depth, r.width, r.tokens,
                           r.heads, r.kv_heads};
    for (size_t k = 0; !rc && k < sizeof nums / sizeof *nums; k++)
        rc = tr_num(b, nums[k]);
    if (!rc)
        rc = sp_sweep_rows_printf(b, ",%s,%s", r.mlp, r.mask) || tr_num(b, r.seed) ||
             sp_sweep_rows_printf(b, ",%s", r.version) ||
             /* RoPE is part of the key: resuming with another --rope is refused */
             tr_num(b, c->rope == SP_ROPE_NONE ? 0.0 : c->rope_theta) ||
             sp_sweep_rows_printf(b, ",%s", rope_pairing_name(c->rope)) ||
             tr_num(b, o->lr) || tr_num(b, (double)o->warmup) ||
             tr_num(b, (double)o->steps) || tr_num(b, o->batch) ||
             sp_sweep_rows_printf(b, ",%s", o->schedule == SP_LR_COSINE ? "cosine" : "constant") ||
             tr_num(b, o->weight_decay) || tr_num(b, o->clip) || tr_num(b, o->diverge_factor) ||
             tr_num(b, p->train ? (double)p->train->n : (double)NAN) || tr_num(b, (double)eval_n) ||
             tr_num(b, p->measure ? p->measure->seeds : (double)NAN) ||
             tr_num(b, p->measure ? p->measure->probes : (double)NAN);
    return rc;
}

enum sp_status sp_sweep_train_keys(const struct sp_sweep_train_plan *p, char ***keys)
{
    char **k = calloc(p->npoints ? p->npoints : 1, sizeof *k);
    if (!k)
        return sp_fail(SP_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->npoints; i++) {
        struct sp_sweep_rows b = {0};
        int rc = key_of(p, i, &b);
        if (rc) {
            free(b.s);
            sp_sweep_keys_free(k, p->npoints);
            if (rc == -2)
                return SP_EINVAL; /* the reason is the config check's */
            return sp_fail(SP_ENOMEM, "out of memory");
        }
        k[i] = b.s;
    }
    *keys = k;
    return SP_OK;
}

/* The prediction for the architecture of c: theory summary (version C) and the
 * alpha recommended by `sigprop alpha --match-preln` for the same shape with the
 * DyT/Derf norm of c (NAN for LayerNorm). */
static void predict(const struct sp_arch *a, struct sp_theory_summary *sum, double *alpha_rec)
{
    struct sp_theory_opts to;
    sp_theory_opts_version_c(&to);
    if (sp_theory_summary_batch(a, &to, NULL, NULL, 1, sum) != SP_OK)
        sum->log_j_L = NAN;
    *alpha_rec = NAN;
    if (a->norm_mlp.kind == SP_FN_DYT || a->norm_mlp.kind == SP_FN_DERF) {
        struct sp_alpha_point pt;
        if (sp_alpha_point(a, &to, SP_ALPHA_MATCH_PRELN, 0, 1.0, 0.5, 1e-4, 100.0, 1e-10, &pt) ==
            SP_OK)
            *alpha_rec = pt.sol.alpha;
    }
}

/* J^{L,0} measured on the trainer's initial weights at the run's seed (the same
 * weights the run starts from; inputs are the measurement's own, not images). */
static enum sp_status measure_init(const struct sp_sweep_train_plan *p, size_t i,
                                   const struct sp_arch *a, double *j, double *se)
{
    *j = *se = NAN;
    if (!p->measure)
        return SP_OK;
    struct sp_vit_net *v = NULL;
    enum sp_status s = sp_vit_net_init(&p->configs[i], p->opts[i].seed, &v);
    struct sp_net_opts mo = *p->measure;
    mo.measure = SP_MEASURE_FWD;
    mo.sublayers = 0;
    /* equiangular inputs need n <= d: Gaussian tokens of the same covariance beyond */
    if (a->tokens > a->width)
        mo.input = SP_INPUT_GAUSSIAN;
    size_t nrows = sp_net_nrows(a, &mo);
    struct sp_net_row *rows = s == SP_OK ? calloc(nrows, sizeof *rows) : NULL;
    if (s == SP_OK && !rows)
        s = sp_fail(SP_ENOMEM, "out of memory");
    if (s == SP_OK) {
        struct sp_net_weights w;
        sp_vit_net_weights(v, &w);
        s = sp_net_measure_weights(a, &mo, &w, rows, nrows);
    }
    if (s == SP_OK) {
        *j = rows[nrows - 1].j_fwd;
        *se = rows[nrows - 1].j_fwd_se;
    }
    free(rows);
    sp_vit_net_free(v);
    return s;
}

enum sp_status sp_sweep_train_row(const struct sp_sweep_train_plan *p, size_t i,
                                  struct sp_sweep_rows *out)
{
    struct sp_arch a;
    struct sp_theory_summary sum = {0};
    double alpha_rec = NAN, jm = NAN, jse = NAN;
    struct sp_train_result res = {0, 0, -1, NAN, NAN, NAN, NAN};
    const char *why = "ok";
    char whybuf[64];
    enum sp_status s = sp_sweep_train_arch(&p->configs[i], &a);
    if (s == SP_OK) {
        predict(&a, &sum, &alpha_rec);
        s = measure_init(p, i, &a, &jm, &jse);
        if (s != SP_OK) {
            snprintf(whybuf, sizeof whybuf, "measure: %s", sp_status_str(s));
            why = whybuf;
        }
        struct sp_trainer *t = NULL;
        struct sp_train_opts o = p->opts[i];
        o.checkpoint_path = NULL;
        o.stop_at = 0;
        o.progress = NULL;
        enum sp_status st = sp_trainer_new(&p->configs[i], &o, NULL, &t);
        if (st == SP_OK)
            st = sp_trainer_run(t, p->train, p->test, &res);
        /* a diverged run stops before its evaluation: evaluate what it stopped with */
        if (st == SP_OK && res.diverged && p->test)
            st = sp_trainer_evaluate(t, p->test, o.eval_max, &res.eval_loss, &res.eval_acc);
        sp_trainer_free(t);
        if (st == SP_ENOMEM)
            return sp_fail(SP_ENOMEM, "out of memory training grid point %zu", i);
        if (st != SP_OK) {
            snprintf(whybuf, sizeof whybuf, "train: %s", sp_status_str(st));
            why = whybuf;
        }
    } else {
        snprintf(whybuf, sizeof whybuf, "arch: %s", sp_status_str(s));
        why = whybuf;
    }
    const double lj = sum.log_j_L;
    int rc = sp_sweep_rows_printf(out, "%zu,%s", i, p->keys[i]) || tr_num(out, exp(lj)) || tr_num(out, lj) ||
             tr_num(out, isfinite(lj) ? sum.as.lambda : (double)NAN) ||
             sp_sweep_rows_printf(out, ",%s", isfinite(lj) ? sp_phase_name(sum.as.phase) : "failed") ||
             tr_num(out, alpha_rec) || tr_num(out, jm) || tr_num(out, jse) ||
             tr_num(out, res.init_loss) || tr_num(out, res.eval_loss) ||
             tr_num(out, res.eval_acc) || tr_num(out, res.diverged) ||
             tr_num(out, (double)res.diverged_step) || tr_num(out, (double)res.steps_done) ||
             sp_sweep_rows_printf(out, ",%s\n", why);
    return rc ? sp_fail(SP_ENOMEM, "out of memory") : SP_OK;
}

/* The training sweep's share of a batch: one run (a batch holds one per rank). */
static enum sp_status train_batch(void *ctx, const size_t *list, size_t mine, size_t stride,
                                  struct sp_sweep_rows *bufs)
{
    for (size_t m = 0; m < mine; m++) {
        enum sp_status s = sp_sweep_train_row(ctx, list[m * stride], &bufs[m]);
        if (s != SP_OK)
            return s;
    }
    return SP_OK;
}

enum sp_status sp_sweep_train_run(const struct sp_sweep_train_plan *p,
                                  const struct sp_sweep_comm *c, const unsigned char *done,
                                  int fd, FILE *stream,
                                  void (*progress)(void *ctx, size_t done, size_t total),
                                  void *ctx, size_t *nfailed)
{
    /* one run per rank per write: an interrupted map loses at most one run per rank */
    return sp_sweep_schedule(c, p->npoints, 1, done, (size_t)c->nranks, train_batch, (void *)p,
                             fd, stream, progress, ctx, nfailed);
}

/* ---- the stability summary ---- */
static int col(const struct sp_table *t, const char *name)
{
    int k = sp_table_find(t, name);
    return k >= 0 && sp_table_col_type(t, k) == SP_COL_NUM ? k : -1;
}

enum sp_status sp_stability_summary(const struct sp_table *t, struct sp_stability *out)
{
    memset(out, 0, sizeof *out);
    out->rho = out->rec_alpha = out->rec_acc = out->preln_acc = NAN;
    out->ref_norm = NULL;
    out->ref_label = "none";
    int clj = col(t, "logJ_L0_pred"), cacc = col(t, "eval_acc"), cdiv = col(t, "diverged");
    int crec = col(t, "alpha_rec"), calpha = col(t, "alpha"), clr = col(t, "lr");
    int cwu = col(t, "warmup"), cdep = col(t, "depth"), cnorm = sp_table_find(t, "norm");
    if (clj < 0 || cacc < 0 || cdiv < 0 || crec < 0 || calpha < 0 || clr < 0 || cwu < 0 ||
        cdep < 0 || cnorm < 0)
        return sp_fail(SP_EFORMAT, "not a 'sweep --mode train' table: it lacks one of "
                       "logJ_L0_pred, eval_acc, diverged, alpha_rec, alpha, lr, warmup, norm");
    size_t n = sp_table_nrows(t);
    double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
    double *work = malloc((n ? 2 * n : 1) * sizeof *work);
    if (!x || !y || !work) {
        free(x);
        free(y);
        free(work);
        return sp_fail(SP_ENOMEM, "out of memory");
    }
    size_t m = 0;
    for (size_t r = 0; r < n; r++) {
        double lj = sp_table_num(t, r, clj), acc = sp_table_num(t, r, cacc);
        out->diverged += sp_table_num(t, r, cdiv) == 1;
        if (isfinite(sp_table_num(t, r, crec)) && !isfinite(out->rec_alpha))
            out->rec_alpha = sp_table_num(t, r, crec);
        if (!isfinite(lj) || !isfinite(acc))
            continue;
        x[m] = lj;
        y[m] = acc;
        m++;
    }
    out->n = m;
    out->rows = n;
    if (m >= 3)
        out->rho = gsl_stats_spearman(x, 1, y, 1, m, work);
    if (!isfinite(out->rho))
        out->rho = NAN; /* a constant column has no ranks to correlate */
    /* the reference: the norm without alpha the grid has, LayerNorm before RMSNorm */
    for (size_t r = 0; r < n && (!out->ref_norm || strcmp(out->ref_norm, "ln")); r++) {
        const char *nm = sp_table_str(t, r, cnorm);
        if (nm && (!strcmp(nm, "ln") || !strcmp(nm, "rms")))
            out->ref_norm = !strcmp(nm, "ln") ? "ln" : "rms";
    }
    if (out->ref_norm)
        out->ref_label = !strcmp(out->ref_norm, "ln") ? "pre-LN" : "RMSNorm";
    /* the grid alpha nearest the recommended one (in log alpha) against the reference
     * at the same lr, warmup and depth, averaged over the pairs found */
    if (isfinite(out->rec_alpha) && out->ref_norm) {
        double best = INFINITY;
        for (size_t r = 0; r < n; r++) {
            double al = sp_table_num(t, r, calpha);
            if (!(al > 0))
                continue;
            double d = fabs(log(al / out->rec_alpha));
            if (d < best - 1e-12) {
                best = d;
                out->grid_alpha = al;
            }
        }
        out->pairs = 0;
        double sum_rec = 0, sum_ln = 0;
        for (size_t r = 0; r < n && isfinite(best); r++) {
            if (sp_table_num(t, r, calpha) != out->grid_alpha)
                continue;
            for (size_t q = 0; q < n; q++) {
                const char *nm = sp_table_str(t, q, cnorm);
                if (!nm || strcmp(nm, out->ref_norm) != 0 ||
                    sp_table_num(t, q, clr) != sp_table_num(t, r, clr) ||
                    sp_table_num(t, q, cwu) != sp_table_num(t, r, cwu) ||
                    sp_table_num(t, q, cdep) != sp_table_num(t, r, cdep) ||
                    !isfinite(sp_table_num(t, q, cacc)) || !isfinite(sp_table_num(t, r, cacc)))
                    continue;
                sum_rec += sp_table_num(t, r, cacc);
                sum_ln += sp_table_num(t, q, cacc);
                out->pairs++;
                break;
            }
        }
        if (out->pairs > 0) {
            out->rec_acc = sum_rec / (double)out->pairs;
            out->preln_acc = sum_ln / (double)out->pairs;
        }
    }
    free(x);
    free(y);
    free(work);
    return SP_OK;
}
