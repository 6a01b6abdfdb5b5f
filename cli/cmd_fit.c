/* sigprop fit: reads a curve of APJN against depth (any sigprop CSV or a user's
 * file), fits power law, stretched exponentials and exponential to log J per
 * group of rows, selects a model by AIC or BIC and states the phase verdict.
 * The grouping, fitting and verdicts are the library's (sp_fit_table,
 * src/analysis/fit_table.c); this file parses, reads the file, calls, writes. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void on_note(void *ctx, const char *msg)
{
    (void)ctx;
    cli_info("%s", msg);
}

static const char head[] =
    "Usage: sigprop fit FILE [options]\n\n"
    "Fits log J against depth with a power law (critical), stretched exponentials\n"
    "(subcritical) and an exponential (chaotic or ordered), selects one by AIC or\n"
    "BIC and gives the phase verdict. FILE is a CSV with a header ('-' = stdin):\n"
    "any sigprop theory/measure output, or your own file with a depth column and\n"
    "an APJN column, optionally with standard errors.\n\n"
    "Models (all fitted by GSL nonlinear least squares on y = log J):\n"
    "  power           y = zeta log x + c                      -> critical\n"
    "  stretched       y = sqrt(x / lambda) + c                -> subcritical\n"
    "  stretched-log   y = sqrt(x / lambda) - log(x)/(8 lambda) + c -> subcritical\n"
    "  stretched-free  y = sqrt(x / lambda) + beta log x + c   (3 parameters; an\n"
    "                  estimator of lambda, never selected: beta log x with\n"
    "                  lambda -> inf is the power law)\n"
    "  exponential     y = x / xi + c       -> chaotic (xi > 0) or ordered (xi < 0)\n\n"
    "Options:\n";

static const char tail[] =
    "\nOutput: one row per group per model: the group columns (one named like an\n"
    "output column is renamed in_NAME, e.g. the theory's model -> in_model), then column,\n"
    "direction, x_min, x_max, n, model, zeta, zeta_err, zeta_lo, zeta_hi, lambda,\n"
    "lambda_err, lambda_lo, lambda_hi, xi, xi_err, xi_lo, xi_hi, beta, beta_err, c,\n"
    "c_err, chi2, dof, chi2_red, r2, p_value, aic, bic, criterion, delta_ic,\n"
    "selected, phase, verdict, weighted, converged, ndraw, reason. phase is the\n"
    "infinite-depth phase the model's law implies (the meaning of theory's phase\n"
    "column); verdict is what the data supports at the depths given: the selected\n"
    "law's phase, or 'inconclusive' when the laws cannot be told apart (reason says\n"
    "why: criterion difference < --min-delta, no draw-by-draw preference, or a\n"
    "deeper half that selects another law: range too short). Parameters a model\n"
    "does not have are nan. Errors are standard errors: with draws (ndraw >= 2)\n"
    "from their scatter; with one curve from its residuals, assuming independent\n"
    "errors in depth (weighted: scaled by max(1, chi2_red)), too narrow for a\n"
    "measured curve. lo/hi: the confidence interval; lambda's is the image of the\n"
    "interval of 1/sqrt(lambda).\n\n"
    "Example: sigprop theory --norm derf --alpha 0.5 --depth 2000 | sigprop fit - --range 200:\n";

static int opt_range(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    (void)flag;
    struct sp_fit_table_opts *fo = ctx;
    return cli_status(cmd, sp_fit_range_parse("--range", arg, &fo->x_lo, &fo->x_hi));
}

static int opt_models(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    (void)flag;
    struct sp_fit_table_opts *fo = ctx;
    return cli_status(cmd, sp_fit_models_parse("--models", arg, fo->models, &fo->nmodels));
}

int cmd_fit(int argc, char **argv)
{
    const char *cmd = "fit";
    struct sp_fit_table_opts fo;
    sp_fit_table_opts_default(&fo);
    const char *out_file = "-";
    int fmt = CLI_CSV, crit = fo.crit == SP_FIT_BIC, direction = fo.direction + 1, first, rc;
    static const char *const crits[] = {"aic", "bic", NULL};
    static const char *const dirs[] = {"auto", "fwd", "bwd", NULL}; /* direction -1, 0, 1 */
    const struct cli_opt opts[] = {
        {.kind = CLI_OPT_STRING, .name = "column", .arg = "NAME", .dest = &fo.column,
         .help = "the curve (default J_fwd). A name starting with 'log' is\n"
                 "taken as log J, anything else as J (rows with J <= 0 are\n"
                 "dropped, with a message)"},
        {.kind = CLI_OPT_STRING, .name = "x", .arg = "NAME", .dest = &fo.xcol,
         .help = "the depth column (default: l, else depth, else layer)"},
        {.kind = CLI_OPT_STRING, .name = "se-column", .arg = "NAME", .dest = &fo.secol,
         .help = "standard errors of the curve (default: NAME_se or NAME_err\n"
                 "if present); errors of J become errors of log J as se/J.\n"
                 "With errors the fit is weighted by 1/se^2"},
        {.kind = CLI_OPT_ENUM, .name = "direction", .arg = "D", .dest = &direction,
         .values = dirs,
         .help = "auto | fwd | bwd (default auto: bwd if NAME contains\n"
                 "'bwd'). bwd curves J^{L,l} decrease with l: they are fitted\n"
                 "against the distance x = L - l from the top, L = the\n"
                 "largest l of the group"},
        {.kind = CLI_OPT_CALL, .name = "range", .arg = "A:B", .call = opt_range, .ctx = &fo,
         .help = "fit only A <= x <= B ('A:' = from A on); x <= 0 is always\n"
                 "dropped (log J^{0,0} = 0 carries no information)"},
        {.kind = CLI_OPT_CALL, .name = "models", .arg = "LIST", .call = opt_models, .ctx = &fo,
         .help = "comma list (default power,stretched,stretched-log,\n"
                 "stretched-free,exponential)"},
        {.kind = CLI_OPT_ENUM, .name = "criterion", .arg = "C", .dest = &crit, .values = crits,
         .help = "aic | bic (default aic)"},
        {.kind = CLI_OPT_DOUBLE, .name = "min-delta", .arg = "D", .dest = &fo.min_delta,
         .lo = 0.0, .hi = 1e300,
         .help = "the verdict needs the runner-up law's criterion to exceed\n"
                 "the selected one's by D (default 10), else 'inconclusive'"},
        {.kind = CLI_OPT_STRING, .name = "draw-column", .arg = "NAME", .dest = &fo.drawcol,
         .help = "rows of one curve that differ in NAME are independent\n"
                 "draws (default: seed, if present; 'none' = no draws): the\n"
                 "intervals come from the draw-to-draw scatter of the\n"
                 "parameters fitted to each draw (sigprop measure --per-seed)"},
        {.kind = CLI_OPT_DOUBLE, .name = "level", .arg = "P", .dest = &fo.level, .lo = 0.5,
         .hi = 0.9999, .help = "confidence level of the intervals (default 0.95)"},
        {.kind = CLI_OPT_STRING, .name = "group", .arg = "LIST", .dest = &fo.groups,
         .help = "columns whose values split the file into curves (default:\n"
                 "those present of version,model,norm,alpha,alpha_attn,\n"
                 "alpha_mlp,width,tokens,depth,init_std,sigma_w,q0,p0,heads,\n"
                 "kv_heads,mlp,mask: sigprop's identifying columns);\n"
                 "'none' fits the whole file as one curve"},
        CLI_OPT_OUTPUTS(&fmt, &out_file, "no messages on stderr")};
    const struct cli_cmd cc = {cmd, head, tail, opts, 1};
    if (cli_parse_stop(&cc, argc, argv, &first, &rc))
        return rc;
    fo.crit = crit ? SP_FIT_BIC : SP_FIT_AIC;
    fo.direction = direction - 1;
    optind = first;
    if (optind >= argc)
        return cli_usage(cmd, "missing FILE (a CSV, or '-' for stdin)");
    fo.file = argv[optind];
    if ((rc = cli_check_output(cmd, "-o", out_file)))
        return rc;

    FILE *f = strcmp(fo.file, "-") ? fopen(fo.file, "r") : stdin;
    if (!f)
        return cli_fail("cannot open '%s': %s", fo.file, strerror(errno));
    struct sp_table *in = NULL;
    char err[256] = "";
    enum sp_status s = sp_table_read_csv(f, &in, err, sizeof err);
    if (f != stdin)
        fclose(f);
    if (s != SP_OK)
        return cli_fail("reading '%s': %s%s%s", fo.file, sp_status_str(s), *err ? ": " : "", err);
    struct sp_table *out = sp_table_new();
    cJSON *meta = cli_meta_new(cmd);
    if (!out || !meta) {
        rc = cli_fail("out of memory");
    } else {
        struct sp_fit_table_info info;
        s = sp_fit_table(&fo, in, out, &info, on_note, NULL);
        if (s == SP_EINVAL)
            rc = cli_usage(cmd, "%s", sp_last_error());
        else if (s != SP_OK)
            rc = cli_fail("%s", sp_last_error());
        if (!rc) {
            cJSON_AddStringToObject(meta, "file", fo.file);
            cJSON_AddStringToObject(meta, "column", fo.column);
            cJSON_AddStringToObject(meta, "x", info.x);
            cJSON_AddStringToObject(meta, "se_column", info.se_column);
            cJSON_AddStringToObject(meta, "direction", info.bwd ? "bwd: x = L - l, L the largest "
                                                                  "l of each group" : "fwd: x = l");
            cJSON_AddStringToObject(meta, "criterion", fo.crit == SP_FIT_BIC ? "bic" : "aic");
            cJSON_AddNumberToObject(meta, "level", fo.level);
            if (isfinite(fo.x_lo))
                cJSON_AddNumberToObject(meta, "range_lo", fo.x_lo);
            if (isfinite(fo.x_hi))
                cJSON_AddNumberToObject(meta, "range_hi", fo.x_hi);
            cJSON_AddNumberToObject(meta, "groups", (double)info.ngroups);
            cJSON_AddStringToObject(meta, "draw_column", info.draw_column);
            cJSON_AddNumberToObject(meta, "min_delta", fo.min_delta);
            rc = cli_write_table(out, (enum cli_format)fmt, out_file, meta);
        }
    }
    cJSON_Delete(meta);
    sp_table_free(out);
    sp_table_free(in);
    return rc;
}
