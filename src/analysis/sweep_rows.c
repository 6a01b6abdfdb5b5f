/* One sweep task: every depth of one configuration from one run to the
 * largest (theory recursion and/or finite-network measurement), formatted as
 * the sweep's CSV rows with the one CSV number format (sp_csv_num). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "sigprop/analysis.h"
#include "sigprop/io.h"
#include "sigprop/net.h"
#include "analysis/sweep_internal.h"

#include "analysis/strbuf.h"

#define rows_cat(b, x, y) sp_strbuf_cat(&(b)->s, &(b)->len, &(b)->cap, x, y)

int sp_sweep_rows_printf(struct sp_sweep_rows *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sp_strbuf_vprintf(&b->s, &b->len, &b->cap, fmt, ap);
    va_end(ap);
    return rc;
}

/* "idx,key" starts a row */
static int rows_key(struct sp_sweep_rows *b, size_t idx, const char *key)
{
    return sp_strbuf_uint(&b->s, &b->len, &b->cap, idx, ",") || rows_cat(b, key, "") ? -1 : 0;
}

int sp_sweep_rows_num(struct sp_sweep_rows *b, double v, int comma)
{
    char num[SP_CSV_NUM_MAX];
    sp_csv_num(num, sizeof num, v);
    return rows_cat(b, comma ? "," : "", num);
}

/* The theory columns q_L,p_L,J_L0,logJ_L0,phase,zeta,lambda,xi,l_star of a
 * row at block r (NULL: the point failed: nan and phase "failed"). */
static int theory_cols(struct sp_sweep_rows *out, const struct sp_theory_row *r,
                       const struct sp_asymptotics *as)
{
    int rc = 0;
    if (!r) {
        for (int k = 0; k < 9 && !rc; k++)
            rc = k == 4 ? sp_sweep_rows_printf(out, ",failed") : sp_sweep_rows_num(out, NAN, 1);
        return rc;
    }
    double v[] = {r->q, r->p, exp(r->log_jfwd), r->log_jfwd};
    for (size_t k = 0; k < 4 && !rc; k++)
        rc = sp_sweep_rows_num(out, v[k], 1);
    if (!rc)
        rc = rows_cat(out, ",", sp_phase_name(as->phase));
    double w[] = {as->zeta, as->lambda, as->xi, as->l_star};
    for (size_t k = 0; k < 4 && !rc; k++)
        rc = sp_sweep_rows_num(out, w[k], 1);
    return rc;
}

enum sp_status sp_sweep_task_rows(const struct sp_arch *a, const struct sp_theory_opts *topts,
                                  size_t first, const int *depths, size_t ndepths, int theory,
                                  const struct sp_net_opts *measure, const char *const *keys,
                                  const unsigned char *done, struct sp_sweep_rows *out)
{
    const struct sp_theory_opts *o = topts;
    struct sp_theory_opts oo = *o;
    oo.sublayers = 0;
    o = &oo;
    struct sp_theory_row *rows = NULL;
    struct sp_net_row *nrows = NULL;
    enum sp_status st = SP_OK, sm = SP_OK;
    if (theory) {
        size_t nr = sp_theory_nrows(a, o);
        rows = malloc(nr * sizeof *rows);
        st = rows ? sp_theory_run(a, o, rows, nr) : SP_ENOMEM;
    }
    if (measure) {
        size_t nr = sp_net_nrows(a, measure);
        nrows = malloc(nr * sizeof *nrows);
        sm = nrows ? sp_net_measure(a, measure, nrows, nr) : SP_ENOMEM;
    }
    /* The laws of critical and subcritical phases do not depend on the depth,
     * and l* (the first block where alpha^2 q >= 1) at depth L is the full
     * run's when it is <= L: one asymptotics call serves every depth. Phases
     * read off the deepest blocks (no norm) are evaluated per depth. */
    struct sp_asymptotics as_full;
    enum sp_status sa = SP_EINVAL;
    int shared = 0;
    if (theory && st == SP_OK) {
        sa = sp_theory_asymptotics(a, o, rows, sp_theory_nrows(a, o), &as_full);
        shared = sa == SP_OK && (as_full.phase == SP_PHASE_CRITICAL ||
                                 as_full.phase == SP_PHASE_SUBCRITICAL);
    }
    int rc = 0;
    for (size_t j = 0; j < ndepths && !rc; j++) {
        size_t idx = first + j;
        if (done && done[idx])
            continue;
        int L = depths[j];
        rc = rows_key(out, idx, keys[idx]);
        enum sp_status sj = st;
        if (theory) {
            struct sp_asymptotics as;
            if (sj == SP_OK && shared) {
                as = as_full;
                if (!(as.l_star <= (double)L))
                    as.l_star = NAN;
            } else if (sj == SP_OK) {
                struct sp_arch ad = *a;
                ad.depth = L;
                sj = sp_theory_asymptotics(&ad, o, rows, (size_t)L + 1, &as);
            }
            if (!rc)
                rc = theory_cols(out, sj == SP_OK ? &rows[L] : NULL, &as);
        }
        if (measure) {
            const struct sp_net_row *r = sm == SP_OK ? &nrows[L] : NULL;
            double v[] = {r ? r->q : (double)NAN, r ? r->q_se : (double)NAN,
                          r ? r->j_fwd : (double)NAN, r ? r->j_fwd_se : (double)NAN};
            for (size_t k = 0; k < 4 && !rc; k++)
                rc = sp_sweep_rows_num(out, v[k], 1);
        }
        if (!rc) {
            if (sj == SP_OK && sm == SP_OK)
                rc = rows_cat(out, ",ok\n", "");
            else if (sj != SP_OK)
                rc = sp_sweep_rows_printf(out, ",theory: %s\n", sp_status_str(sj));
            else
                rc = sp_sweep_rows_printf(out, ",measure: %s\n", sp_status_str(sm));
        }
    }
    free(rows);
    free(nrows);
    return rc ? sp_fail(SP_ENOMEM, "out of memory formatting a sweep's rows") : SP_OK;
}

/* ---- theory-only tasks, vectorised over alpha ---- */

/* The alphas the summary batch sets per row (set_alpha of src/theory/sweep.c):
 * the toy's phi, the transformer's two norms. */
static void task_alphas(const struct sp_arch *a, double *aa, double *am)
{
    if (a->model == SP_MODEL_TOY) {
        *aa = *am = a->phi.alpha;
    } else {
        *aa = a->norm_attn.alpha;
        *am = a->norm_mlp.alpha;
    }
}

/* 1 when tasks x and y are one configuration but for their alphas (resolved
 * alphas are positive, so one batch never mixes the DyT kernel and the scalar
 * path). Byte comparison: at worst two equal configurations are not grouped,
 * which costs speed, not bytes. */
static int same_but_alpha(const struct sp_sweep_task *x, const struct sp_sweep_task *y)
{
    struct sp_arch a = x->a, b = y->a;
    a.phi.alpha = a.norm_attn.alpha = a.norm_mlp.alpha = 0.0;
    b.phi.alpha = b.norm_attn.alpha = b.norm_mlp.alpha = 0.0;
    return !memcmp(&a, &b, sizeof a) && !memcmp(&x->o, &y->o, sizeof x->o);
}

/* One family: tasks t[0..n) differing only in alpha, every depth by one
 * sp_theory_summary_batch each; rows to out[0..n). 1: the batch failed for
 * some alpha (the caller takes the per-task path), -1: out of memory. */
static int family_rows(const struct sp_sweep_plan *p, const struct sp_sweep_task *const *t,
                       size_t n, const unsigned char *done, struct sp_sweep_rows *out)
{
    double *al = malloc(2 * n * sizeof *al);
    struct sp_theory_summary *sum = malloc(n * p->ndepths * sizeof *sum);
    int rc = !al || !sum ? -1 : 0;
    for (size_t k = 0; k < n && !rc; k++)
        task_alphas(&t[k]->a, &al[k], &al[n + k]);
    for (size_t j = 0; j < p->ndepths && !rc; j++) {
        struct sp_arch a = t[0]->a;
        a.depth = p->depths[j];
        enum sp_status s = sp_theory_summary_batch(&a, &t[0]->o, al, al + n, n, sum + j * n);
        rc = s == SP_OK ? 0 : s == SP_ENOMEM ? -1 : 1;
    }
    for (size_t k = 0; k < n && !rc; k++)
        for (size_t j = 0; j < p->ndepths && !rc; j++) {
            size_t idx = t[k]->first + j;
            if (done && done[idx])
                continue;
            const struct sp_theory_summary *r = &sum[j * n + k];
            struct sp_theory_row row = {(double)p->depths[j], r->q_L, r->p_L, NAN, r->log_j_L, NAN, NAN};
            rc = rows_key(&out[k], idx, p->keys[idx]);
            if (!rc)
                rc = theory_cols(&out[k], &row, &r->as);
            if (!rc)
                rc = rows_cat(&out[k], ",ok\n", "");
            rc = rc ? -1 : 0;
        }
    free(al);
    free(sum);
    return rc;
}

enum sp_status sp_sweep_theory_rows(const struct sp_sweep_plan *p, const size_t *list,
                                    size_t n, size_t stride, const unsigned char *done,
                                    struct sp_sweep_rows *out)
{
    const struct sp_sweep_task **t = malloc((n ? n : 1) * sizeof *t);
    size_t *fam = malloc((n + 1) * sizeof *fam), nfam = 0;
    if (!t || !fam) {
        free(t);
        free(fam);
        return sp_fail(SP_ENOMEM, "out of memory computing a batch of the sweep");
    }
    /* The batch runs each depth from block 0, the per-task path the largest
     * only (J^{l,0} does not depend on blocks above l); the batch is ~10x
     * faster per block-step (bench/bench_summary.c), so it pays while the
     * depths add up to at most 4 times the largest. The choice depends on the
     * depths only, so a resumed sweep takes the same path. */
    double sum = 0.0, maxd = 0.0;
    for (size_t j = 0; j < p->ndepths; j++) {
        sum += p->depths[j];
        maxd = p->depths[j] > maxd ? p->depths[j] : maxd;
    }
    int batch = sum <= 4.0 * maxd;
    for (size_t k = 0; k < n; k++) {
        t[k] = &p->tasks[list[k * stride]];
        if (k == 0 || !batch || !same_but_alpha(t[fam[nfam - 1]], t[k]))
            fam[nfam++] = k;
    }
    fam[nfam] = n;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    /* many small families: one per thread (each batch then runs on its
     * thread); few large ones: one after another, each batch over every
     * thread. The bytes are the same either way: each alpha's row depends on
     * its own inputs only. */
    int err = 0;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : err) if (nfam >= 2 * (size_t)threads)
    for (size_t f = 0; f < nfam; f++) {
        size_t k0 = fam[f], nk = fam[f + 1] - k0;
        int r = batch ? family_rows(p, t + k0, nk, done, out + k0) : 1;
        if (r > 0) { /* per task, or some alpha failed: the per-task path writes its status */
            for (size_t k = k0; k < k0 + nk; k++) {
                free(out[k].s);
                out[k] = (struct sp_sweep_rows){NULL, 0, 0};
            }
            r = 0;
            for (size_t k = k0; k < k0 + nk && !r; k++)
                r = sp_sweep_task_rows(&t[k]->a, &t[k]->o, t[k]->first, p->depths, p->ndepths,
                                       1, NULL, p->keys, done, &out[k]) != SP_OK;
            r = r ? -1 : 0;
        }
        err |= r != 0;
    }
    free(t);
    free(fam);
    return err ? sp_fail(SP_ENOMEM, "out of memory computing a batch of the sweep") : SP_OK;
}
