/* The table of `sigprop compare` (sigprop/tables.h): the measurement and the
 * theory of each alpha side by side (sp_compare_rows) or their GMFE per depth
 * third (sp_compare_summary). */
#include <math.h>
#include <stdlib.h>

#include "analysis/table_cols.h"

static const char row_cols[] = "l,q,q_se,q_theory,q_ratio,p,p_theory,p_ratio,J_fwd,J_fwd_se,"
                               "J_fwd_theory,J_fwd_ratio,J_bwd,J_bwd_se,J_bwd_theory,"
                               "J_bwd_ratio,grad_amp,grad_amp_se,grad_amp_theory,"
                               "grad_amp_ratio,caveats$";
static const char sum_cols[] = "quantity$,range$,l_from,l_to,n,gmfe,caveats$";
enum { C_FIRST_DATA = 4 };
#define ID_BITS (1u << SP_REC_MODEL | 1u << SP_REC_NORM | 1u << SP_REC_ALPHA | 1u << SP_REC_VERSION)

void sp_compare_table_opts_default(struct sp_compare_table_opts *c)
{
    *c = (struct sp_compare_table_opts){.weights = NULL};
    sp_net_opts_default(&c->net);
}

/* model,norm,alpha,version (the records' order), then spec's columns. */
static int columns(struct sp_table *t, const char *spec, int idx[SP_REC_NCOLS])
{
    return sp_record_add_cols(t, ID_BITS, idx) != 0 ? (sp_tab_nomem("table columns"), -1)
                                                    : sp_tab_cols(t, spec);
}

/* Feeds the measurement's progress of alpha i of n into the caller's. */
struct progress {
    const struct sp_net_opts *user;
    size_t i, n;
};
static void on_progress(void *ctx, size_t done, size_t total)
{
    const struct progress *p = ctx;
    p->user->progress(p->user->progress_ctx, p->i * total + done, p->n * total);
}

/* The theory of a beside the measured rows: from q0, p0, from the measured h^0
 * or from block L0 (the rows below it nan, J_fwd times the measured J^{L0,0}). */
static enum sp_status theory_rows(struct sp_arch a, const struct sp_theory_opts *o,
                                  const struct sp_compare_table_opts *c,
                                  const struct sp_net_row *rows, struct sp_theory_row *th,
                                  size_t nrows)
{
    const int L0 = c->from_block > 0 ? c->from_block : 0;
    const size_t r0 = (size_t)L0 * (c->net.sublayers ? 2 : 1);
    if (c->theory_measured) { /* row 0 is h^0, after the embed scale; row r0 is block L0 */
        a.q0 = rows[r0].q;
        if (a.model != SP_MODEL_TOY && isfinite(rows[r0].p))
            a.p0 = rows[r0].p;
        a.embed_scale = 1.0;
        a.depth -= L0;
    }
    sp_last_error_clear();
    enum sp_status s = sp_theory_run(&a, o, th + r0, nrows - r0);
    if (s != SP_OK)
        return sp_fail(s, "theory failed: %s", sp_last_error()[0] ? sp_last_error()
                                                                  : sp_status_str(s));
    if (r0 > 0) { /* rows below L0: none; above: at the network's l */
        const double lj0 = log(rows[r0].j_fwd);
        for (size_t k = 0; k < r0; k++)
            th[k] = (struct sp_theory_row){rows[k].l, NAN, NAN, NAN, NAN, NAN, NAN};
        for (size_t k = r0; k < nrows; k++) {
            th[k].l = rows[k].l;
            th[k].log_jfwd += lj0;
        }
    }
    return SP_OK;
}

/* The GMFE rows of one alpha into each of t[0..nt) (NULL: skipped), and its lines. */
static enum sp_status gmfe_rows(struct sp_table *const *t, size_t nt, int (*idx)[SP_REC_NCOLS],
                                const struct sp_arch *a, const struct sp_theory_opts *o,
                                double alpha,
                                struct sp_compare_gmfe gm[SP_COMPARE_NQ][SP_COMPARE_NRANGES],
                                const char *cav, int ncav, struct sp_notes *notes)
{
    for (int qi = 0; qi < SP_COMPARE_NQ; qi++) {
        const char *qn = sp_compare_quantity_name((enum sp_compare_quantity)qi);
        for (int ri = 0; ri < SP_COMPARE_NRANGES; ri++) {
            const struct sp_compare_gmfe *g = &gm[qi][ri];
            if (g->n == 0)
                continue;
            if (ri == SP_CMP_ALL &&
                sp_notes_add(notes, "GMFE %-5s%s  shallow %.4f  middle %.4f  deep %.4f  all %.4f%s%s",
                             qn, isnan(alpha) ? "" : " (this alpha)", gm[qi][0].gmfe,
                             gm[qi][1].gmfe, gm[qi][2].gmfe, gm[qi][3].gmfe,
                             ncav ? "  caveats: " : "", ncav ? cav : "") != 0)
                return SP_ENOMEM;
            for (size_t k = 0; k < nt; k++) {
                if (!t[k])
                    continue;
                long r = sp_tab_record_row(t[k], idx[k], a, o, alpha);
                if (r < 0)
                    return SP_ENOMEM;
                sp_table_set_str(t[k], (size_t)r, C_FIRST_DATA, qn);
                sp_table_set_str(t[k], (size_t)r, C_FIRST_DATA + 1,
                                 sp_compare_range_name((enum sp_compare_range)ri));
                double v[] = {g->l_from, g->l_to, (double)g->n, g->gmfe};
                sp_tab_nums(t[k], (size_t)r, C_FIRST_DATA + 2, v, 4);
                if (sp_table_set_str(t[k], (size_t)r, C_FIRST_DATA + 6, cav) != SP_OK)
                    return sp_tab_nomem("table rows");
            }
        }
    }
    return SP_OK;
}

/* The per-block rows of one alpha. */
static enum sp_status block_rows(struct sp_table *t, const int idx[SP_REC_NCOLS],
                                 const struct sp_arch *a, const struct sp_theory_opts *o,
                                 double alpha, const struct sp_net_row *rows,
                                 const struct sp_theory_row *th, const struct sp_compare_row *cr,
                                 size_t nrows, const char *cav)
{
    for (size_t k = 0; k < nrows; k++) {
        const struct sp_net_row *w = &rows[k];
        const struct sp_compare_row *x = &cr[k];
        long r = sp_tab_record_row(t, idx, a, o, alpha);
        if (r < 0)
            return SP_ENOMEM;
        double v[] = {x->l, w->q, w->q_se, x->theory[SP_CMP_Q], x->ratio[SP_CMP_Q],
                      w->p, x->theory[SP_CMP_P], x->ratio[SP_CMP_P], w->j_fwd,
                      w->j_fwd_se, x->theory[SP_CMP_JFWD], x->ratio[SP_CMP_JFWD],
                      w->j_bwd, w->j_bwd_se, x->theory[SP_CMP_JBWD],
                      x->ratio[SP_CMP_JBWD], w->grad_amp, w->grad_amp_se,
                      exp(th[k].log_grad_amp), w->grad_amp / exp(th[k].log_grad_amp)};
        sp_tab_nums(t, (size_t)r, C_FIRST_DATA, v, sizeof v / sizeof *v);
        if (sp_table_set_str(t, (size_t)r, C_FIRST_DATA + 20, cav) != SP_OK)
            return sp_tab_nomem("table rows");
    }
    return SP_OK;
}

enum sp_status sp_compare_table(const struct sp_arch *arch, const double *alpha, size_t nalpha,
                                const struct sp_theory_opts *o,
                                const struct sp_compare_table_opts *c, struct sp_table *out,
                                struct sp_table *gmfe, struct sp_notes *notes)
{
    if (!arch || !o || !c || !out || nalpha == 0)
        return sp_fail(SP_EINVAL, "compare table: no architecture");
    if (sp_table_ncols(out) != 0 || (gmfe && sp_table_ncols(gmfe) != 0))
        return sp_fail(SP_EINVAL, "compare table: the output table is not empty");
    for (size_t i = 0; i < nalpha && c->from_block > 0; i++) {
        if (c->from_block >= arch[i].depth)
            return sp_fail(SP_EINVAL, "theory from block %d: not below the depth %d",
                           c->from_block, arch[i].depth);
        if (arch[i].model == SP_MODEL_TOY || !c->theory_measured)
            return sp_fail(SP_EINVAL, "theory from block %d: applies to the transformer, "
                           "started from the measurement", c->from_block);
    }
    struct sp_theory_opts to = *o;
    to.sublayers = c->net.sublayers;
    const struct sp_arch *a0 = &arch[0];
    size_t nrows = sp_net_nrows(a0, &c->net);
    if (sp_theory_nrows(a0, &to) != nrows)
        return sp_fail(SP_EINVAL, "compare: theory and measurement rows differ");
    int idx[2][SP_REC_NCOLS];
    if (columns(out, c->summary ? sum_cols : row_cols, idx[0]) != 0 ||
        (gmfe && columns(gmfe, sum_cols, idx[1]) != 0))
        return SP_ENOMEM;
    char cav[128];
    int ncav = sp_tab_caveats(a0, &to, cav, sizeof cav, notes);
    if (ncav < 0)
        return SP_ENOMEM;
    struct sp_net_row *rows = calloc(nrows, sizeof *rows);
    struct sp_theory_row *th = calloc(nrows, sizeof *th);
    struct sp_compare_row *cr = calloc(nrows, sizeof *cr);
    enum sp_status s = rows && th && cr ? SP_OK : sp_tab_nomem("compare rows");
    struct sp_net_opts no = c->net;
    struct progress pc = {&c->net, 0, nalpha};
    if (c->net.progress) {
        no.progress = on_progress;
        no.progress_ctx = &pc;
    }
    for (size_t i = 0; i < nalpha && s == SP_OK; i++) {
        struct sp_arch a = arch[i];
        double al = alpha ? alpha[i] : (double)NAN;
        pc.i = i;
        sp_last_error_clear();
        s = sp_net_measure_weights(&a, &no, c->weights, rows, nrows);
        if (s != SP_OK) {
            sp_fail(s, "measurement failed: %s",
                    sp_last_error()[0] ? sp_last_error() : sp_status_str(s));
            break;
        }
        struct sp_compare_gmfe gm[SP_COMPARE_NQ][SP_COMPARE_NRANGES];
        if ((s = theory_rows(a, &to, c, rows, th, nrows)) != SP_OK)
            break;
        /* the GMFE's thirds: the whole network's */
        if ((s = sp_compare_rows(rows, th, nrows, cr)) != SP_OK ||
            (s = sp_compare_summary(cr, nrows, (double)a.depth, gm)) != SP_OK) {
            sp_fail(s, "comparison failed: %s", sp_last_error());
            break;
        }
        struct sp_table *gt[2] = {c->summary ? out : NULL, gmfe};
        if ((s = gmfe_rows(gt, 2, idx, &a, &to, al, gm, cav, ncav,
                           notes)) != SP_OK)
            break;
        if (!c->summary)
            s = block_rows(out, idx[0], &a, &to, al, rows, th, cr, nrows, cav);
    }
    free(rows);
    free(th);
    free(cr);
    return s;
}
