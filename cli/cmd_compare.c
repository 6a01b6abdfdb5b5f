/* sigprop compare: the finite-width measurement and the mean-field theory on the
 * same configuration, side by side per block, with the ratio measured / theory
 * and the geometric-mean multiplicative error GMFE = exp(mean |log(meas/theory)|)
 * (SPEC 4) over the shallow, middle and deep thirds of the depth, both from
 * the library (sp_compare_rows, sp_compare_summary in src/analysis/compare.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char head[] =
    "Usage: sigprop compare [options]\n\n"
    "Measures a finite network (as 'sigprop measure') and runs the mean-field theory\n"
    "(as 'sigprop theory') on the same configuration; prints both per block with the\n"
    "ratio measured/theory, and the geometric-mean multiplicative error\n"
    "GMFE = exp(mean |log(measured/theory)|) over the blocks of the shallow, middle\n"
    "and deep thirds (l > 0) on stderr and in the JSON meta. The theory version is\n"
    "the one every command uses (C; preset blog2: A), named on stderr, in the\n"
    "version column and the JSON meta; the theory's caveats (what it does not model\n"
    "here) are printed beside the GMFE and written in the caveats column.\n"
    "--final-norm is refused: the measured J_bwd would include the final norm's\n"
    "Jacobian, which the theory does not have.\n\n";

static const char tail[] =
    "\nColumns: model,norm,alpha,version,l,q,q_se,q_theory,q_ratio,p,p_theory,p_ratio,\n"
    "J_fwd,J_fwd_se,J_fwd_theory,J_fwd_ratio,J_bwd,J_bwd_se,J_bwd_theory,J_bwd_ratio,\n"
    "grad_amp,grad_amp_se,grad_amp_theory,grad_amp_ratio,caveats (grad_amp_theory: the\n"
    "two-channel recursion for measure's loss, docs/derivations/mlp.md); with --summary:\n"
    "model,norm,alpha,version,quantity,range,l_from,l_to,n,gmfe,caveats.\n\n"
    "Example: sigprop compare --preset blog2 --width 256 --tokens 32 --depth 16 "
    "--seeds 4 --summary\n";

static const char *const starts[] = {"config", "measured", NULL};

static const char *cols[] = {"model", "norm", "alpha", "version", "l", "q", "q_se", "q_theory",
                             "q_ratio", "p", "p_theory", "p_ratio", "J_fwd", "J_fwd_se",
                             "J_fwd_theory", "J_fwd_ratio", "J_bwd", "J_bwd_se",
                             "J_bwd_theory", "J_bwd_ratio", "grad_amp", "grad_amp_se",
                             "grad_amp_theory", "grad_amp_ratio", "caveats"};
static const char *sum_cols[] = {"model", "norm", "alpha", "version", "quantity", "range",
                                 "l_from", "l_to", "n", "gmfe", "caveats"};
int cmd_compare(int argc, char **argv)
{
    const char *cmd = "compare", *out = "-";
    struct cli_arch ca;
    struct cli_measure cm;
    struct sp_theory_opts topts;
    int fmt = CLI_CSV, first;
    int rc = 0, summary = 0, start_measured = 0, start_given = 0, from_block = -1;
    float *tok = NULL;
    cli_arch_init(&ca);
    cli_measure_init(&cm);
    const struct cli_opt table[] = {
        CLI_OPT_ARCH(&ca),
        {.kind = CLI_OPT_TEXT, .help = "\n"},
        CLI_OPT_MEASURE(&cm),
        {.kind = CLI_OPT_TEXT, .help = "\nComparison and output:\n"},
        {.kind = CLI_OPT_ENUM, .name = "theory-start", .arg = "S", .dest = &start_measured,
         .values = starts, .seen = &start_given,
         .help = "config: theory from --q0/--p0 | measured: from the\n"
                 "measured q, p at block 0 (default config; measured\n"
                 "with --inputs)"},
        {.kind = CLI_OPT_INT, .name = "theory-from-block", .arg = "L0", .dest = &from_block,
         .lo = 0, .hi = 1 << 30,
         .help = "the theory started from the measured q, p at block L0\n"
                 "(0 <= L0 < depth) and run for the depth - L0 blocks\n"
                 "above it; rows below L0 have no theory (nan). J_fwd's\n"
                 "theory is the measured J^{L0,0} times the theory's\n"
                 "J^{l,L0} (the mean-field product); J_bwd and grad_amp\n"
                 "are the theory's of the top depth - L0 blocks as they\n"
                 "are. For real inputs (--inputs) from any block"},
        {.kind = CLI_OPT_FLAG, .name = "sublayers", .dest = &cm.o.sublayers,
         .help = "a row after every sublayer (l = 0, 0.5, 1, ...)"},
        {.kind = CLI_OPT_FLAG, .name = "summary", .dest = &summary,
         .help = "one row per alpha, quantity and third with the GMFE"},
        CLI_OPT_OUTPUTS(&fmt, &out, "no messages or progress bar on stderr")};
    const struct cli_cmd cc = {cmd, head, tail, table, 0};
    if (cli_parse_stop(&cc, argc, argv, &first, &rc))
        goto done;
    if ((rc = cli_check_output(cmd, "-o", out)))
        goto done;
    if (summary && cm.o.sublayers) {
        rc = cli_usage(cmd, "--sublayers and --summary cannot be combined");
        goto done;
    }
    if (from_block >= 0 && start_given && !start_measured) {
        rc = cli_usage(cmd, "--theory-from-block starts the theory from the measurement; it "
                       "cannot go with --theory-start config");
        goto done;
    }
    if ((rc = cli_inputs_prepare(cmd, &cm, &ca, -1)))
        goto done;
    if (cm.inputs && !start_given) /* the configured q0, p0 do not describe images */
        start_measured = 1;
    if (from_block >= 0)
        start_measured = 1;

    size_t nalpha = cli_arch_nalpha(&ca);
    struct sp_arch *arch = calloc(nalpha, sizeof *arch);
    struct sp_table *t = sp_table_new();
    struct sp_net_row *rows = NULL;
    struct sp_theory_row *th = NULL;
    struct sp_compare_row *cr = NULL;
    cJSON *meta = NULL, *jg = NULL;
    double t0 = cli_now();
    if (!arch || !t) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    const char **cn = summary ? sum_cols : cols;
    size_t ncols = summary ? sizeof sum_cols / sizeof *sum_cols : sizeof cols / sizeof *cols;
    for (size_t i = 0; i < ncols; i++) {
        int str = i < 2 || i == 3 || (summary && (i == 4 || i == 5)) || i == ncols - 1;
        if (sp_table_add_col(t, cn[i], str ? SP_COL_STR : SP_COL_NUM) < 0) {
            rc = cli_fail("out of memory");
            goto free_all;
        }
    }
    for (size_t i = 0; i < nalpha && !rc; i++) {
        rc = cli_arch_build(&ca, cmd, cli_arch_alpha(&ca, i), &arch[i], &topts);
        /* the measured J_bwd would include the final norm's Jacobian, the theory's
         * does not: a ratio of unlike quantities (constant, about 1/q^L for LN) */
        if (!rc && arch[i].final_norm && arch[i].model == SP_MODEL_TRANSFORMER) {
            if (ca.final_norm) /* asked for explicitly: refuse */
                rc = cli_usage(cmd, "--final-norm cannot be compared: the measured J_bwd would "
                               "include the final norm's Jacobian, which the theory does not; "
                               "drop it, or use 'sigprop measure --final-norm'");
            else { /* a preset's or config's final norm: compare the blocks without it */
                if (i == 0)
                    cli_info("compare: the final norm of the %s is left out (the theory has "
                             "none; 'sigprop measure' keeps it)", ca.preset ? "preset" : "config");
                arch[i].final_norm = 0;
            }
        }
        if (!rc)
            rc = cli_measure_check(cmd, &arch[i], &cm);
        if (!rc && from_block >= arch[i].depth)
            rc = cli_usage(cmd, "--theory-from-block %d: not below the depth %d", from_block,
                           arch[i].depth);
        if (!rc && from_block >= 0 && arch[i].model == SP_MODEL_TOY)
            rc = cli_usage(cmd, "--theory-from-block applies to the transformer");
    }
    if (rc)
        goto free_all;
    struct sp_net_weights tw = {.tokens = NULL};
    if (cm.inputs) {
        if ((rc = cli_inputs_tokens(cmd, &cm, &arch[0], NULL, &tok)))
            goto free_all;
        tw.tokens = tok, tw.token_sets = (size_t)cm.o.seeds;
    }
    topts.sublayers = cm.o.sublayers;
    const struct sp_arch *a0 = &arch[0];
    size_t nrows = sp_net_nrows(a0, &cm.o);
    if (sp_theory_nrows(a0, &topts) != nrows) {
        rc = cli_fail("internal error: theory and measurement rows differ");
        goto free_all;
    }
    rows = calloc(nrows, sizeof *rows);
    th = calloc(nrows, sizeof *th);
    cr = calloc(nrows, sizeof *cr);
    meta = cli_meta_new(cmd);
    if (!rows || !th || !cr || !meta) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    jg = cJSON_AddArrayToObject(meta, "gmfe");
    const char *version = a0->model == SP_MODEL_TOY ? "toy" : sp_theory_version(&topts);
    char vnote[192], cav[128];
    cli_theory_version_note(&ca, vnote, sizeof vnote);
    cli_info("compare: measurement (%d seed(s) x %d probe(s)) against theory version %s%s, "
             "theory started from %s", cm.o.seeds, cm.o.probes, version,
             a0->model == SP_MODEL_TOY ? "" : vnote,
             !start_measured ? "--q0/--p0" : from_block > 0 ? "the measured q, p at block L0"
                                                            : "the measured q, p at block 0");
    size_t ncav = cli_caveats(a0, &topts, 1, meta, cav, sizeof cav);

    struct cli_progress pg;
    int rev = !!(cm.o.measure & (SP_MEASURE_BWD | SP_MEASURE_GRAD));
    size_t per = (size_t)cm.o.seeds * (size_t)a0->depth * (rev ? 2 : 1);
    cli_progress_start(&pg, "compare", per * nalpha);
    struct cli_measure_progress pc = {&pg, 0};
    cm.o.progress = cli_measure_on_progress;
    cm.o.progress_ctx = &pc;
    for (size_t i = 0; i < nalpha; i++) {
        struct sp_arch a = arch[i];
        double alpha = cli_arch_alpha(&ca, i);
        pc.offset = i * per;
        enum sp_status s = sp_net_measure_weights(&a, &cm.o, cm.inputs ? &tw : NULL, rows, nrows);
        if (s != SP_OK) {
            cli_progress_finish(&pg);
            rc = cli_fail("measurement failed: %s",
                          sp_last_error()[0] ? sp_last_error() : sp_status_str(s));
            goto free_all;
        }
        const size_t r0 = from_block > 0 ? (size_t)from_block * (cm.o.sublayers ? 2 : 1) : 0;
        if (start_measured) { /* row 0 is h^0, after the embed scale; row r0 is block L0 */
            a.q0 = rows[r0].q;
            if (a.model != SP_MODEL_TOY && isfinite(rows[r0].p))
                a.p0 = rows[r0].p;
            a.embed_scale = 1.0;
            a.depth -= from_block > 0 ? from_block : 0;
        }
        s = sp_theory_run(&a, &topts, th + r0, nrows - r0);
        if (s == SP_OK && r0 > 0) { /* rows below L0: none; above: at the network's l */
            const double lj0 = log(rows[r0].j_fwd);
            for (size_t k = 0; k < r0; k++)
                th[k] = (struct sp_theory_row){rows[k].l, NAN, NAN, NAN, NAN, NAN, NAN};
            for (size_t k = r0; k < nrows; k++) {
                th[k].l = rows[k].l;
                th[k].log_jfwd += lj0;
            }
            a.depth += from_block; /* the GMFE's thirds: the whole network's */
        }
        if (s != SP_OK) {
            cli_progress_finish(&pg);
            rc = cli_fail("theory failed: %s",
                          sp_last_error()[0] ? sp_last_error() : sp_status_str(s));
            goto free_all;
        }
        char norm[32];
        cli_norm_label(&a, norm, sizeof norm);
        const struct sp_fnspec *fm = a.model == SP_MODEL_TOY ? &a.phi : &a.norm_mlp;
        double al = !isnan(alpha) ? alpha : cli_fn_alpha(fm);
        const char *model = a.model == SP_MODEL_TOY ? "toy" : "transformer";
        struct sp_compare_gmfe gm[SP_COMPARE_NQ][SP_COMPARE_NRANGES];
        if ((s = sp_compare_rows(rows, th, nrows, cr)) != SP_OK ||
            (s = sp_compare_summary(cr, nrows, (double)a.depth, gm)) != SP_OK) {
            rc = cli_fail("comparison failed: %s", sp_last_error());
            goto free_all;
        }
        for (int qi = 0; qi < SP_COMPARE_NQ; qi++) {
            const char *qn = sp_compare_quantity_name((enum sp_compare_quantity)qi);
            for (int ri = 0; ri < SP_COMPARE_NRANGES; ri++) {
                const struct sp_compare_gmfe *g = &gm[qi][ri];
                if (g->n == 0)
                    continue;
                const char *rn = sp_compare_range_name((enum sp_compare_range)ri);
                cJSON *o = cJSON_CreateObject();
                cJSON_AddNumberToObject(o, "alpha", al);
                cJSON_AddStringToObject(o, "quantity", qn);
                cJSON_AddStringToObject(o, "range", rn);
                cJSON_AddNumberToObject(o, "l_from", g->l_from);
                cJSON_AddNumberToObject(o, "l_to", g->l_to);
                cJSON_AddNumberToObject(o, "n", (double)g->n);
                cJSON_AddNumberToObject(o, "gmfe", g->gmfe);
                cJSON_AddItemToArray(jg, o);
                if (ri == SP_CMP_ALL)
                    cli_info("GMFE %-5s%s  shallow %.4f  middle %.4f  deep %.4f  all %.4f%s%s", qn,
                             isnan(alpha) ? "" : " (this alpha)", gm[qi][0].gmfe,
                             gm[qi][1].gmfe, gm[qi][2].gmfe, gm[qi][3].gmfe,
                             ncav ? "  caveats: " : "", ncav ? cav : "");
                if (summary) {
                    long r = sp_table_add_row(t);
                    if (r < 0) {
                        rc = cli_fail("out of memory");
                        goto free_all;
                    }
                    sp_table_set_str(t, (size_t)r, 0, model);
                    sp_table_set_str(t, (size_t)r, 1, norm);
                    sp_table_set_num(t, (size_t)r, 2, al);
                    sp_table_set_str(t, (size_t)r, 3, version);
                    sp_table_set_str(t, (size_t)r, 4, qn);
                    sp_table_set_str(t, (size_t)r, 5, rn);
                    sp_table_set_num(t, (size_t)r, 6, g->l_from);
                    sp_table_set_num(t, (size_t)r, 7, g->l_to);
                    sp_table_set_num(t, (size_t)r, 8, (double)g->n);
                    sp_table_set_num(t, (size_t)r, 9, g->gmfe);
                    sp_table_set_str(t, (size_t)r, 10, cav);
                }
            }
        }
        if (!summary)
            for (size_t k = 0; k < nrows; k++) {
                const struct sp_net_row *w = &rows[k];
                const struct sp_compare_row *x = &cr[k];
                long r = sp_table_add_row(t);
                if (r < 0) {
                    rc = cli_fail("out of memory");
                    goto free_all;
                }
                sp_table_set_str(t, (size_t)r, 0, model);
                sp_table_set_str(t, (size_t)r, 1, norm);
                sp_table_set_num(t, (size_t)r, 2, al);
                sp_table_set_str(t, (size_t)r, 3, version);
                double v[] = {x->l, w->q, w->q_se, x->theory[SP_CMP_Q], x->ratio[SP_CMP_Q],
                              w->p, x->theory[SP_CMP_P], x->ratio[SP_CMP_P], w->j_fwd,
                              w->j_fwd_se, x->theory[SP_CMP_JFWD], x->ratio[SP_CMP_JFWD],
                              w->j_bwd, w->j_bwd_se, x->theory[SP_CMP_JBWD],
                              x->ratio[SP_CMP_JBWD], w->grad_amp, w->grad_amp_se,
                              exp(th[k].log_grad_amp), w->grad_amp / exp(th[k].log_grad_amp)};
                for (int j = 0; j < (int)(sizeof v / sizeof *v); j++)
                    sp_table_set_num(t, (size_t)r, 4 + j, v[j]);
                sp_table_set_str(t, (size_t)r, 24, cav);
            }
    }
    cli_progress_finish(&pg);
    cli_arch_meta(meta, a0, a0->model == SP_MODEL_TOY ? NULL : &topts);
    cli_theory_meta_source(meta, &ca);
    if (ca.preset)
        cJSON_AddStringToObject(meta, "preset", ca.preset);
    cJSON_AddStringToObject(meta, "theory_start", start_measured ? "measured" : "config");
    cJSON_AddNumberToObject(meta, "theory_from_block", from_block > 0 ? from_block : 0);
    cli_measure_meta(meta, a0, &cm);
    cli_info("compare: %.3g s", cli_now() - t0); /* not in the JSON: same input, same bytes */
    rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
free_all:
    cJSON_Delete(meta);
    free(rows);
    free(th);
    free(cr);
    free(arch);
    sp_table_free(t);
done:
    free(tok);
    cli_measure_free(&cm);
    cli_arch_free(&ca);
    return rc;
}
