/* The table of `sigprop theory` (sigprop/tables.h): per-block rows of the
 * mean-field recursions (sp_theory_run) or one summary row per alpha
 * (sp_theory_summary_batch), with the records columns and the caveats. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/table_cols.h"

static const char id_cols[] = "version$";
static const char row_cols[] = "l,q,p,rho,J_fwd,J_bwd,logJ_fwd,logJ_bwd,grad_amp";
static const char sum_cols[] = "depth,q_L,p_L,J_L0,logJ_L0,phase$,zeta,lambda,xi,c_star,p_star,"
                               "l_star,l_star_estimate";
enum { C_FIRST_DATA = 6, C_PHASE = C_FIRST_DATA + 5 };
#define ID_BITS                                                                               \
    (1u << SP_REC_MODEL | 1u << SP_REC_NORM | 1u << SP_REC_ALPHA | 1u << SP_REC_ALPHA_ATTN |   \
     1u << SP_REC_ALPHA_MLP)

double sp_theory_table_bytes(const struct sp_arch *a, const struct sp_theory_opts *o,
                             size_t nalpha, int summary)
{
    /* numbers 8 bytes, strings a pointer and a small allocation */
    double nstr = 5 + (summary ? 2 : 1), nnum = C_FIRST_DATA + 1 + (summary ? 12 : 9);
    double per_alpha = summary ? 1.0 : (double)sp_theory_nrows(a, o);
    return per_alpha * (double)nalpha * 2.0 * (nnum * 8.0 + nstr * 40.0);
}

static double alpha_at(const double *alpha, size_t i) { return alpha ? alpha[i] : (double)NAN; }

/* One row per alpha from sp_theory_summary_batch (arch[i] differ in alphas only). */
static enum sp_status summary_rows(struct sp_table *t, const int idx[SP_REC_NCOLS], int cav_col,
                                   const struct sp_arch *arch, const double *alpha,
                                   size_t nalpha, const struct sp_theory_opts *o,
                                   const char *cav)
{
    int toy = arch[0].model == SP_MODEL_TOY;
    enum sp_status s = SP_OK;
    double *aa = malloc(nalpha * sizeof *aa), *am = malloc(nalpha * sizeof *am);
    struct sp_theory_summary *sr = malloc(nalpha * sizeof *sr);
    if (!aa || !am || !sr) {
        s = sp_fail(SP_ENOMEM, "out of memory: %zu summary rows", nalpha);
        goto out;
    }
    for (size_t i = 0; i < nalpha; i++) {
        aa[i] = toy ? arch[i].phi.alpha : arch[i].norm_attn.alpha;
        am[i] = toy ? arch[i].phi.alpha : arch[i].norm_mlp.alpha;
    }
    sp_last_error_clear();
    if ((s = sp_theory_summary_batch(&arch[0], o, aa, am, nalpha, sr)) != SP_OK) {
        size_t i = 0; /* the reason names the alpha that failed, else say which */
        while (i + 1 < nalpha && sr[i].status == SP_OK)
            i++;
        if (!sp_last_error()[0])
            sp_fail(s, "alpha = %g: %s", alpha_at(alpha, i), sp_status_str(s));
        goto out;
    }
    for (size_t i = 0; i < nalpha; i++) {
        const struct sp_arch *a = &arch[i];
        const struct sp_theory_summary *w = &sr[i];
        long r = sp_tab_record_row(t, idx, a, o, alpha_at(alpha, i));
        if (r < 0) {
            s = SP_ENOMEM;
            goto out;
        }
        double v[] = {a->depth,      w->q_L,       w->p_L,        exp(w->log_j_L), w->log_j_L,
                      NAN,           w->as.zeta,   w->as.lambda,  w->as.xi,        w->as.c_star,
                      w->as.p_star,  w->as.l_star, w->as.l_star_estimate};
        sp_tab_nums(t, (size_t)r, C_FIRST_DATA, v, sizeof v / sizeof *v);
        sp_table_set_str(t, (size_t)r, C_PHASE, sp_phase_name(w->as.phase));
        if (sp_table_set_str(t, (size_t)r, cav_col, cav) != SP_OK) {
            s = sp_tab_nomem("table rows");
            goto out;
        }
    }
out:
    free(aa);
    free(am);
    free(sr);
    return s;
}

/* One curve per alpha from sp_theory_run. */
static enum sp_status block_rows(struct sp_table *t, const int idx[SP_REC_NCOLS], int cav_col,
                                 const struct sp_arch *arch, const double *alpha, size_t nalpha,
                                 const struct sp_theory_opts *o, const char *cav,
                                 void (*progress)(void *, size_t, size_t), void *ctx)
{
    size_t nrows = sp_theory_nrows(&arch[0], o);
    struct sp_theory_row *rows = malloc(nrows * sizeof *rows);
    enum sp_status s = SP_OK;
    if (!rows)
        return sp_fail(SP_ENOMEM, "out of memory: %zu rows", nrows);
    for (size_t i = 0; i < nalpha && s == SP_OK; i++) {
        const struct sp_arch *a = &arch[i];
        sp_last_error_clear();
        if ((s = sp_theory_run(a, o, rows, nrows)) != SP_OK) {
            const char *why = sp_last_error()[0] ? sp_last_error() : sp_status_str(s);
            if (!isnan(alpha_at(alpha, i)))
                sp_fail(s, "alpha = %g: %s", alpha[i], why);
            else
                sp_fail(s, "%s", why);
            break;
        }
        for (size_t k = 0; k < nrows && s == SP_OK; k++) {
            const struct sp_theory_row *w = &rows[k];
            long r = sp_tab_record_row(t, idx, a, o, alpha_at(alpha, i));
            if (r < 0) {
                s = SP_ENOMEM;
                break;
            }
            double v[] = {w->l,        w->q,        w->p,
                          w->rho,      exp(w->log_jfwd), exp(w->log_jbwd),
                          w->log_jfwd, w->log_jbwd, exp(w->log_grad_amp)};
            sp_tab_nums(t, (size_t)r, C_FIRST_DATA, v, sizeof v / sizeof *v);
            if (sp_table_set_str(t, (size_t)r, cav_col, cav) != SP_OK)
                s = sp_tab_nomem("table rows");
        }
        if (s == SP_OK && progress)
            progress(ctx, i + 1, nalpha);
    }
    free(rows);
    return s;
}

enum sp_status sp_theory_table(const struct sp_arch *arch, const double *alpha, size_t nalpha,
                               const struct sp_theory_opts *o, int summary, struct sp_table *out,
                               struct sp_notes *notes,
                               void (*progress)(void *ctx, size_t done, size_t total), void *ctx)
{
    if (!arch || !o || !out || nalpha == 0)
        return sp_fail(SP_EINVAL, "theory table: no architecture");
    if (sp_table_ncols(out) != 0)
        return sp_fail(SP_EINVAL, "theory table: the output table is not empty");
    int idx[SP_REC_NCOLS], cav_col;
    /* version first, then model..alpha_mlp, the data, depth..mask, caveats last */
    if (sp_tab_cols(out, id_cols) != 0 || sp_record_add_cols(out, ID_BITS, idx) != 0 ||
        sp_tab_cols(out, summary ? sum_cols : row_cols) != 0 ||
        sp_record_add_cols(out, SP_REC_THEORY, idx) != 0 ||
        (cav_col = sp_table_add_col(out, "caveats", SP_COL_STR)) < 0)
        return sp_tab_nomem("table columns");
    char cav[128];
    if (sp_tab_caveats(&arch[0], o, cav, sizeof cav, notes) < 0)
        return SP_ENOMEM;
    if (!summary)
        return block_rows(out, idx, cav_col, arch, alpha, nalpha, o, cav, progress, ctx);
    enum sp_status s = summary_rows(out, idx, cav_col, arch, alpha, nalpha, o, cav);
    if (s == SP_OK && progress)
        progress(ctx, nalpha, nalpha);
    return s;
}

size_t sp_theory_describe(const struct sp_arch *a, const struct sp_theory_opts *o, size_t nalpha,
                          const char *version_note, char *buf, size_t n)
{
    static const char *att[] = {"softmax", "uniform (n -> inf)", "uniform (exact n)",
                                "softmax of Gaussian logits (O(1) s_QK)"};
    int k;
    if (a->model == SP_MODEL_TOY)
        k = snprintf(buf, n, "theory: toy residual network, %s phi = %s, mu = %g, sigma_w = %g, "
                     "sigma_b = %g, K0 = %g, L = %d, %zu alpha value(s)",
                     a->toy_ln ? "pre-LN," : "no norm,", sp_fn_name(a->phi.kind), a->mu,
                     a->sigma_w, a->sigma_b, a->q0, a->depth, nalpha);
    else if (a->mask == SP_MASK_CAUSAL) /* the version options do not apply */
        k = snprintf(buf, n, "theory: causal mask, position-resolved recursions (uniform "
                     "attention over each visible prefix, n x n tangent covariance: "
                     "docs/derivations/causal.md); L = %d, n = %d, d = %d, s_OV = %.6g, "
                     "s_21 = %.6g, s_QK = %.6g, q0 = %g, p0 = %g, %zu alpha value(s)", a->depth,
                     a->tokens, a->width, sp_arch_s_ov(a), sp_arch_s_21(a), sp_arch_s_qk(a),
                     a->q0, a->p0, nalpha);
    else
        k = snprintf(buf, n, "theory version %s%s: %s attention, %s APJN%s; L = %d, n = %d, "
                     "d = %d, s_OV = %.6g, s_21 = %.6g, s_QK = %.6g, q0 = %g, p0 = %g, %zu alpha "
                     "value(s)", sp_theory_version(o), version_note ? version_note : "",
                     att[o->attention], o->apjn == SP_APJN_SINGLE ? "single-channel" : "two-channel",
                     o->apjn == SP_APJN_TWO_CHANNEL ? (o->cn_exact ? " (c_n = (n-1)/n)" : " (c_n = 1)")
                                                    : "",
                     a->depth, a->tokens, a->width, sp_arch_s_ov(a), sp_arch_s_21(a),
                     sp_arch_s_qk(a), a->q0, a->p0, nalpha);
    return k > 0 ? (size_t)k : 0;
}
