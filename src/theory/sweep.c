/* Phase-diagram sweeps over alpha: log J^{l,0} at every block for many alphas.
 * The scalar path runs the ordinary recursion per alpha (OpenMP over alphas);
 * the transformer with erf norms under version A dispatches to the SIMD kernel
 * (sweep_simd.h) when the CPU has AVX2/AVX-512, the transformer with tanh
 * norms to the DyT kernel (sweep_dyt.h, the tabulated maps of quad_table.c).
 * Each alpha is computed by one thread from its own inputs only, so results do
 * not depend on the thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sigprop/theory.h"
#include "theory/internal.h"
#include "theory/sweep_dyt.h"
#include "theory/sweep_simd.h"

static void set_alpha(struct sp_arch *a, const double *aa, const double *am, size_t i)
{
    if (a->model == SP_MODEL_TOY) {
        if (am)
            a->phi.alpha = am[i];
        return;
    }
    if (aa)
        a->norm_attn.alpha = aa[i];
    if (am)
        a->norm_mlp.alpha = am[i];
}

static int bounded(enum sp_fn f) { return f == SP_FN_DERF || f == SP_FN_DYT; }

/* l* of sp_theory_asymptotics: the first block where alpha^2 q reaches 1. */
static double first_lstar(const struct sp_arch *a, const struct sp_theory_row *rows, size_t n)
{
    const struct sp_fnspec *f = a->model == SP_MODEL_TOY ? &a->phi : &a->norm_mlp;
    int has_norm = a->model == SP_MODEL_TOY ? !a->toy_ln : 1;
    if (has_norm && bounded(f->kind))
        for (size_t i = 0; i < n; i++)
            if (f->alpha * f->alpha * rows[i].q >= 1.0)
                return rows[i].l;
    return NAN;
}

enum sp_status sp_sweep_scalar_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   const double *alpha_attn, const double *alpha_mlp,
                                   size_t nalpha, const struct sp_sweep_out *out)
{
    struct sp_theory_opts ob = *o;
    ob.sublayers = 0;
    size_t nrows = sp_theory_nrows(a, &ob), L = (size_t)a->depth;
    enum sp_status status = SP_OK;
#pragma omp parallel
    {
        struct sp_theory_row *rows = malloc(nrows * sizeof *rows);
        if (!rows) {
#pragma omp atomic write
            status = SP_ENOMEM;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < nalpha; i++) {
            if (!rows)
                continue;
            struct sp_arch ai = *a;
            set_alpha(&ai, alpha_attn, alpha_mlp, i);
            enum sp_status s = sp_theory_run(&ai, &ob, rows, nrows);
            if (s != SP_OK) {
#pragma omp atomic write
                status = s;
                continue;
            }
            if (out->log_j)
                for (size_t l = 0; l <= L; l++)
                    out->log_j[i * (L + 1) + l] = rows[l].log_jfwd;
            if (out->q_last)
                out->q_last[i] = rows[L].q;
            if (out->p_last)
                out->p_last[i] = rows[L].p;
            if (out->log_j_last)
                out->log_j_last[i] = rows[L].log_jfwd;
            if (out->l_star)
                out->l_star[i] = first_lstar(&ai, rows, nrows);
        }
        free(rows);
    }
    return status;
}

enum sp_status sp_theory_sweep_alpha_scalar(const struct sp_arch *a,
                                            const struct sp_theory_opts *o,
                                            const double *alpha_attn, const double *alpha_mlp,
                                            size_t nalpha, double *log_j, double *q_last)
{
    struct sp_sweep_out out = {log_j, q_last, NULL, NULL, NULL};
    return sp_sweep_scalar_out(a, o, alpha_attn, alpha_mlp, nalpha, &out);
}

enum sp_status sp_theory_sweep_alpha(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const double *alpha_attn, const double *alpha_mlp,
                                     size_t nalpha, double *log_j, double *q_last)
{
    if (!a || !o)
        return SP_EINVAL;
    if (sp_sweep_simd_applies(a, o))
        return sp_sweep_simd(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
    if (o->attention != SP_ATTN_GAUSSIAN && sp_sweep_dyt_applies(a, alpha_attn, alpha_mlp, nalpha))
        return sp_sweep_dyt(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
    return sp_theory_sweep_alpha_scalar(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
}

/* ---- summary rows (sp_theory_summary_batch) ---- */

static void summary_nan(struct sp_theory_summary *r, enum sp_status s)
{
    r->status = s;
    r->q_L = r->p_L = r->log_j_L = NAN;
    r->as.phase = SP_PHASE_CRITICAL;
    r->as.zeta = r->as.lambda = r->as.xi = r->as.c_star = r->as.p_star = NAN;
    r->as.l_star = r->as.l_star_estimate = NAN;
}

/* One alpha on the per-alpha path; rows: (nrows) scratch. */
static void summary_one(const struct sp_arch *ai, const struct sp_theory_opts *ob,
                        struct sp_theory_row *rows, size_t nrows, struct sp_theory_summary *r)
{
    enum sp_status s = sp_theory_run(ai, ob, rows, nrows);
    if (s == SP_OK)
        s = sp_theory_asymptotics(ai, ob, rows, nrows, &r->as);
    if (s != SP_OK) {
        summary_nan(r, s);
        return;
    }
    r->status = SP_OK;
    r->q_L = rows[nrows - 1].q;
    r->p_L = rows[nrows - 1].p;
    r->log_j_L = rows[nrows - 1].log_jfwd;
}

/* The status of the first failing row, its reason regenerated on this thread
 * (the worker's thread-local reason is gone). */
static enum sp_status summary_status(const struct sp_arch *a, const struct sp_theory_opts *ob,
                                     const double *aa, const double *am, size_t nalpha,
                                     const struct sp_theory_summary *rows)
{
    for (size_t i = 0; i < nalpha; i++) {
        if (rows[i].status == SP_OK)
            continue;
        struct sp_arch ai = *a;
        set_alpha(&ai, aa, am, i);
        char why[256] = "";
        size_t nrows = sp_theory_nrows(&ai, ob);
        struct sp_theory_row *r = malloc(nrows * sizeof *r);
        if (r) {
            struct sp_theory_summary one;
            sp_last_error_clear();
            summary_one(&ai, ob, r, nrows, &one);
            snprintf(why, sizeof why, "%s", sp_last_error());
            free(r);
        }
        const struct sp_fnspec *f = ai.model == SP_MODEL_TOY ? &ai.phi : &ai.norm_mlp;
        if (ai.model == SP_MODEL_TOY)
            return sp_fail(rows[i].status, "alpha %g: %s", f->alpha,
                           why[0] ? why : sp_status_str(rows[i].status));
        return sp_fail(rows[i].status, "alpha_attn %g, alpha_mlp %g: %s", ai.norm_attn.alpha,
                       f->alpha, why[0] ? why : sp_status_str(rows[i].status));
    }
    return SP_OK;
}

enum sp_status sp_theory_summary_batch_scalar(const struct sp_arch *a,
                                              const struct sp_theory_opts *o,
                                              const double *alpha_attn,
                                              const double *alpha_mlp, size_t nalpha,
                                              struct sp_theory_summary *rows)
{
    if (!a || !o || (nalpha && !rows))
        return sp_fail(SP_EINVAL, "sp_theory_summary_batch: NULL argument");
    if (a->depth < 1)
        return sp_fail(SP_EINVAL, "depth %d: needs at least one block", a->depth);
    struct sp_arch eff;
    enum sp_status st = sp_theory_effective_arch(a, &eff);
    if (st != SP_OK)
        return st;
    a = &eff;
    struct sp_theory_opts ob = *o;
    ob.sublayers = 0;
    size_t nrows = sp_theory_nrows(a, &ob);
#pragma omp parallel
    {
        struct sp_theory_row *r = malloc(nrows * sizeof *r);
#pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < nalpha; i++) {
            if (!r) {
                summary_nan(&rows[i], SP_ENOMEM);
                continue;
            }
            struct sp_arch ai = *a;
            set_alpha(&ai, alpha_attn, alpha_mlp, i);
            summary_one(&ai, &ob, r, nrows, &rows[i]);
        }
        free(r);
    }
    return summary_status(a, &ob, alpha_attn, alpha_mlp, nalpha, rows);
}

enum sp_status sp_theory_summary_batch(const struct sp_arch *a, const struct sp_theory_opts *o,
                                       const double *alpha_attn, const double *alpha_mlp,
                                       size_t nalpha, struct sp_theory_summary *rows)
{
    if (!a || !o || (nalpha && !rows))
        return sp_fail(SP_EINVAL, "sp_theory_summary_batch: NULL argument");
    if (a->depth < 1)
        return sp_fail(SP_EINVAL, "depth %d: needs at least one block", a->depth);
    struct sp_arch eff;
    enum sp_status st = sp_theory_effective_arch(a, &eff);
    if (st != SP_OK)
        return st;
    a = &eff;
    int simd = sp_sweep_simd_applies(a, o);
    int dyt = !simd && o->attention != SP_ATTN_GAUSSIAN && /* no tanh-kernel path */
              sp_sweep_dyt_applies(a, alpha_attn, alpha_mlp, nalpha);
    if ((!simd && !dyt) || nalpha == 0)
        return sp_theory_summary_batch_scalar(a, o, alpha_attn, alpha_mlp, nalpha, rows);
    double *buf = malloc(4 * nalpha * sizeof *buf);
    if (!buf)
        return sp_theory_summary_batch_scalar(a, o, alpha_attn, alpha_mlp, nalpha, rows);
    struct sp_sweep_out out = {NULL, buf, buf + nalpha, buf + 2 * nalpha, buf + 3 * nalpha};
    enum sp_status s = simd ? sp_sweep_simd_out(a, o, alpha_attn, alpha_mlp, nalpha, &out)
                            : sp_sweep_dyt_out(a, o, alpha_attn, alpha_mlp, nalpha, &out);
    if (s != SP_OK) { /* the per-alpha path says which alpha failed, and why */
        free(buf);
        return sp_theory_summary_batch_scalar(a, o, alpha_attn, alpha_mlp, nalpha, rows);
    }
    struct sp_theory_opts ob = *o;
    ob.sublayers = 0;
    /* The kernels' configurations are transformers with bounded norms: their
     * asymptotics read no row but l*, which the kernel found. */
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < nalpha; i++) {
        struct sp_arch ai = *a;
        set_alpha(&ai, alpha_attn, alpha_mlp, i);
        struct sp_theory_summary *r = &rows[i];
        enum sp_status si = sp_theory_asymptotics(&ai, &ob, NULL, 0, &r->as);
        if (si != SP_OK) {
            summary_nan(r, si);
            continue;
        }
        r->status = SP_OK;
        r->q_L = out.q_last[i];
        r->p_L = out.p_last[i];
        r->log_j_L = out.log_j_last[i];
        r->as.l_star = out.l_star[i];
    }
    free(buf);
    return summary_status(a, &ob, alpha_attn, alpha_mlp, nalpha, rows);
}
