/* sigprop compare: the finite-width measurement and the mean-field theory on the
 * same configuration, side by side per block, with the ratio measured / theory
 * and the geometric-mean multiplicative error GMFE = exp(mean |log(meas/theory)|)
 * (SPEC 4) over the shallow, middle and deep thirds of the depth. The table, the
 * GMFE rows and the notes are the library's (sp_compare_table, sigprop/tables.h);
 * this file parses, calls and writes. */
#include <math.h>
#include <stdlib.h>

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
    struct sp_table *t = sp_table_new(), *gt = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    cJSON *meta = NULL;
    double t0 = cli_now();
    if (!arch || !t || !gt) {
        rc = cli_fail("out of memory");
        goto free_all;
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
    meta = cli_meta_new(cmd);
    if (!meta) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    cJSON *jg = cJSON_AddArrayToObject(meta, "gmfe"); /* filled from the GMFE rows below */
    const char *version = a0->model == SP_MODEL_TOY ? "toy" : sp_theory_version(&topts);
    char vnote[192];
    cli_theory_version_note(&ca, vnote, sizeof vnote);
    cli_info("compare: measurement (%d seed(s) x %d probe(s)) against theory version %s%s, "
             "theory started from %s", cm.o.seeds, cm.o.probes, version,
             a0->model == SP_MODEL_TOY ? "" : vnote,
             !start_measured ? "--q0/--p0" : from_block > 0 ? "the measured q, p at block L0"
                                                            : "the measured q, p at block 0");
    cli_caveats(a0, &topts, 0, meta);

    struct cli_progress pg;
    int rev = !!(cm.o.measure & (SP_MEASURE_BWD | SP_MEASURE_GRAD));
    size_t per = (size_t)cm.o.seeds * (size_t)a0->depth * (rev ? 2 : 1);
    cli_progress_start(&pg, "compare", per * nalpha);
    struct cli_measure_progress pc = {&pg, 0};
    struct sp_compare_table_opts co;
    sp_compare_table_opts_default(&co);
    co.net = cm.o;
    co.net.progress = cli_measure_on_progress;
    co.net.progress_ctx = &pc;
    co.weights = cm.inputs ? &tw : NULL;
    co.theory_measured = start_measured;
    co.from_block = from_block;
    co.summary = summary;
    enum sp_status s = sp_compare_table(arch, ca.nalpha ? ca.alphas : NULL, nalpha, &topts, &co,
                                        t, gt, &notes);
    cli_progress_finish(&pg);
    cli_notes(&notes);
    if (s != SP_OK) {
        rc = cli_fail("%s", sp_last_error());
        goto free_all;
    }
    static const char *const gcols[] = {"alpha", "quantity", "range", "l_from", "l_to", "n",
                                        "gmfe"};
    for (size_t r = 0; r < sp_table_nrows(gt); r++) {
        cJSON *o = cJSON_CreateObject();
        for (size_t k = 0; k < sizeof gcols / sizeof *gcols; k++) {
            int c = sp_table_find(gt, gcols[k]);
            if (sp_table_col_type(gt, c) == SP_COL_STR)
                cJSON_AddStringToObject(o, gcols[k], sp_table_str(gt, r, c));
            else
                cJSON_AddNumberToObject(o, gcols[k], sp_table_num(gt, r, c));
        }
        cJSON_AddItemToArray(jg, o);
    }
    cli_arch_meta(meta, a0, a0->model == SP_MODEL_TOY ? NULL : &topts);
    cli_theory_meta_source(meta, &ca);
    if (ca.preset)
        cJSON_AddStringToObject(meta, "preset", ca.preset);
    cJSON_AddStringToObject(meta, "theory_start", start_measured ? "measured" : "config");
    cJSON_AddNumberToObject(meta, "theory_from_block", from_block > 0 ? from_block : 0);
    cli_info("compare: %.3g s", cli_now() - t0); /* not in the JSON: same input, same bytes */
    if (!(rc = cli_measure_meta(meta, a0, &cm)))
        rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
free_all:
    cJSON_Delete(meta);
    sp_notes_free(&notes);
    free(arch);
    sp_table_free(t);
    sp_table_free(gt);
done:
    free(tok);
    cli_measure_free(&cm);
    cli_arch_free(&ca);
    return rc;
}
