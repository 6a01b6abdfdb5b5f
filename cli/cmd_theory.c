/* sigprop theory: the mean-field recursions of docs/science.md §3 for one architecture and a
 * list of alphas; per-block rows or (--summary) one row per alpha with the
 * asymptotic laws and the phase. The table and its notes are the library's
 * (sp_theory_table, sigprop/tables.h); this file parses, calls and writes. */
#include <math.h>
#include <stdlib.h>

#include "cli.h"

static const char head[] =
    "Usage: sigprop theory [options]\n\n"
    "Mean-field theory at infinite width (docs/science.md §3): token norms q, overlaps p,\n"
    "forward APJN J^{l,0} and backward APJN J^{L,l} at every block, for pre-LN,\n"
    "DyT, Derf or no norm; with --summary, one row per alpha with the phase,\n"
    "the power-law exponent zeta, the stretched-exponential scale lambda and the\n"
    "transition depth l*. phase is the infinite-depth class of the recursion, the\n"
    "same at any --depth; which law a finite curve follows: sigprop fit.\n\n";

static const char tail[] =
    "\nColumns: version,model,norm,alpha,alpha_attn,alpha_mlp,l,q,p,rho,J_fwd,J_bwd,\n"
    "logJ_fwd,logJ_bwd,grad_amp,depth,width,tokens,heads,kv_heads,mlp,mask,caveats\n"
    "(J_fwd = J^{l,0}, J_bwd = J^{L,l}; grad_amp = ||dLoss/dh^l||^2 / ||dLoss/dh^L||^2\n"
    "for measure's loss, whose top gradient is the same for every token:\n"
    "docs/derivations/mlp.md; depth..mask identify the run, sigprop/records.h);\n"
    "with --summary: version,model,norm,alpha,alpha_attn,alpha_mlp,depth,q_L,p_L,\n"
    "J_L0,logJ_L0,phase,zeta,lambda,xi,c_star,p_star,l_star,l_star_estimate,width,\n"
    "tokens,heads,kv_heads,mlp,mask,caveats.\n"
    "caveats: what the theory does not model here, as codes joined by ';' or none\n"
    "(also 'sigprop: warning:' lines on stderr and \"caveats\" in the JSON meta):\n"
    "softmax-logit-gradient, softmax-far-from-uniform, softmax-gaussian-partial,\n"
    "causal-uniform-attention, causal-gaussian-partial, rope-not-modelled,\n"
    "swiglu-lambda-slow (docs/theory.md).\n"
    "Refuses (exit 2) runs whose rows would not fit in the available memory.\n\n"
    "Example: sigprop theory --preset blog2 --norm derf --alpha 0.1:1.9:0.2 --summary\n";

/* sp_theory_table's progress: alphas done */
static void on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

int cmd_theory(int argc, char **argv)
{
    const char *cmd = "theory", *out = "-";
    struct cli_arch ca;
    struct sp_theory_opts opts;
    int fmt = CLI_CSV, sublayers = 0, summary = 0, rc = 0, first;
    cli_arch_init(&ca);
    const struct cli_opt table[] = {
        CLI_OPT_ARCH(&ca),
        {.kind = CLI_OPT_TEXT, .help = "\nOutput:\n"},
        {.kind = CLI_OPT_FLAG, .name = "sublayers", .dest = &sublayers,
         .help = "a row after every sublayer (l = 0, 0.5, 1, ...)"},
        {.kind = CLI_OPT_FLAG, .name = "summary", .dest = &summary,
         .help = "one row per alpha: q_L, J_L0, phase, zeta, lambda, l*"},
        CLI_OPT_OUTPUTS(&fmt, &out, "no messages on stderr")};
    const struct cli_cmd cc = {cmd, head, tail, table, 0};
    if (cli_parse_stop(&cc, argc, argv, &first, &rc))
        goto done;
    if (sublayers && summary) {
        rc = cli_usage(cmd, "--sublayers and --summary cannot be combined");
        goto done;
    }
    if ((rc = cli_check_output(cmd, "-o", out)))
        goto done;

    size_t nalpha = cli_arch_nalpha(&ca);
    {
        /* the rows, before anything is allocated for them: refuse what cannot fit */
        struct sp_arch a1;
        if ((rc = cli_arch_build(&ca, cmd, cli_arch_alpha(&ca, 0), &a1, &opts)))
            goto done;
        opts.sublayers = sublayers;
        double per_alpha = summary ? 1.0 : (double)sp_theory_nrows(&a1, &opts);
        double need = sp_theory_table_bytes(&a1, &opts, nalpha, summary) +
                      (double)nalpha * sizeof(struct sp_arch);
        double have = cli_available_bytes();
        if (need > have) {
            rc = cli_usage(cmd, "%.4g alpha value(s) x %.6g row(s) = %.4g rows need about %.3g GB, "
                           "more than the %.3g GB of memory available; use a coarser --alpha "
                           "step, fewer blocks or --summary", (double)nalpha, per_alpha,
                           per_alpha * (double)nalpha, need / 1e9, have / 1e9);
            goto done;
        }
    }
    struct sp_arch *arch = malloc(nalpha * sizeof *arch);
    struct sp_table *t = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    double t0 = cli_now();
    if (!arch || !t) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    /* Validate every configuration before computing anything. */
    for (size_t i = 0; i < nalpha && !rc; i++) {
        rc = cli_arch_build(&ca, cmd, cli_arch_alpha(&ca, i), &arch[i], &opts);
        opts.sublayers = sublayers;
    }
    if (rc)
        goto free_all;
    char vnote[192];
    cli_theory_version_note(&ca, vnote, sizeof vnote);
    char what[1024];
    sp_theory_describe(&arch[0], &opts, nalpha, vnote, what, sizeof what);
    cli_info("%s", what);
    struct cli_progress pg;
    cli_progress_start(&pg, "theory", nalpha);
    enum sp_status s = sp_theory_table(arch, ca.nalpha ? ca.alphas : NULL, nalpha, &opts,
                                       summary, t, &notes, on_progress, &pg);
    cli_progress_finish(&pg);
    cli_notes(&notes);
    if (s != SP_OK) {
        rc = cli_fail("theory failed: %s", sp_last_error());
        goto free_all;
    }

    cJSON *meta = cli_meta_new(cmd);
    cli_arch_meta(meta, &arch[0], arch[0].model == SP_MODEL_TOY ? NULL : &opts);
    cli_theory_meta_source(meta, &ca);
    cli_caveats(&arch[0], &opts, 0, meta);
    if (ca.preset)
        cJSON_AddStringToObject(meta, "preset", ca.preset);
    cli_info("%s: %.3g s", cmd, cli_now() - t0); /* not in the JSON: same input, same bytes */
    rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
    cJSON_Delete(meta);
free_all:
    sp_notes_free(&notes);
    free(arch);
    sp_table_free(t);
done:
    cli_arch_free(&ca);
    return rc;
}
