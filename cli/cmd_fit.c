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

enum {
    OPT_COLUMN = OPT_CMD_FIRST, OPT_X, OPT_SE, OPT_RANGE, OPT_MODELS, OPT_CRIT, OPT_LEVEL,
    OPT_DIRECTION, OPT_GROUP, OPT_FORMAT, OPT_DRAW, OPT_MIN_DELTA
};


static const struct option longopts[] = {
    {"column", required_argument, 0, OPT_COLUMN},
    {"x", required_argument, 0, OPT_X},
    {"se-column", required_argument, 0, OPT_SE},
    {"range", required_argument, 0, OPT_RANGE},
    {"models", required_argument, 0, OPT_MODELS},
    {"criterion", required_argument, 0, OPT_CRIT},
    {"level", required_argument, 0, OPT_LEVEL},
    {"direction", required_argument, 0, OPT_DIRECTION},
    {"group", required_argument, 0, OPT_GROUP},
    {"format", required_argument, 0, OPT_FORMAT},
    {"draw-column", required_argument, 0, OPT_DRAW},
    {"min-delta", required_argument, 0, OPT_MIN_DELTA},
    {"output", required_argument, 0, 'o'},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void help(void)
{
    printf(
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
        "Options:\n"
        "  --column NAME     the curve (default J_fwd). A name starting with 'log' is\n"
        "                    taken as log J, anything else as J (rows with J <= 0 are\n"
        "                    dropped, with a message)\n"
        "  --x NAME          the depth column (default: l, else depth, else layer)\n"
        "  --se-column NAME  standard errors of the curve (default: NAME_se or NAME_err\n"
        "                    if present); errors of J become errors of log J as se/J.\n"
        "                    With errors the fit is weighted by 1/se^2\n"
        "  --direction D     auto | fwd | bwd (default auto: bwd if NAME contains\n"
        "                    'bwd'). bwd curves J^{L,l} decrease with l: they are fitted\n"
        "                    against the distance x = L - l from the top, L = the\n"
        "                    largest l of the group\n"
        "  --range A:B       fit only A <= x <= B ('A:' = from A on); x <= 0 is always\n"
        "                    dropped (log J^{0,0} = 0 carries no information)\n"
        "  --models LIST     comma list (default power,stretched,stretched-log,\n"
        "                    stretched-free,exponential)\n"
        "  --criterion C     aic | bic (default aic)\n"
        "  --min-delta D     the verdict needs the runner-up law's criterion to exceed\n"
        "                    the selected one's by D (default 10), else 'inconclusive'\n"
        "  --draw-column NAME  rows of one curve that differ in NAME are independent\n"
        "                    draws (default: seed, if present; 'none' = no draws): the\n"
        "                    intervals come from the draw-to-draw scatter of the\n"
        "                    parameters fitted to each draw (sigprop measure --per-seed)\n"
        "  --level P         confidence level of the intervals (default 0.95)\n"
        "  --group LIST      columns whose values split the file into curves (default:\n"
        "                    those present of version,model,norm,alpha,alpha_attn,\n"
        "                    alpha_mlp,width,tokens,depth,init_std,sigma_w,q0,p0,heads,\n"
        "                    kv_heads,mlp,mask: sigprop's identifying columns);\n"
        "                    'none' fits the whole file as one curve\n"
        "  --format F        csv | json (default csv)\n"
        "  -o, --output FILE write to FILE atomically ('-' = stdout, default)\n"
        "  -q, --quiet       no messages on stderr\n"
        "  -h, --help        this help\n\n");
    printf(
        "Output: one row per group per model: the group columns (one named like an\n"
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
        "Example: sigprop theory --norm derf --alpha 0.5 --depth 2000 | sigprop fit - --range 200:\n");
}

static int parse_range(const char *cmd, const char *s, double *lo, double *hi)
{
    const char *colon = strchr(s, ':');
    if (!colon)
        return cli_usage(cmd, "--range: '%s' is not A:B", s);
    char a[64], b[64];
    size_t la = (size_t)(colon - s);
    if (la >= sizeof a || strlen(colon + 1) >= sizeof b)
        return cli_usage(cmd, "--range: '%s' is too long", s);
    memcpy(a, s, la);
    a[la] = 0;
    strcpy(b, colon + 1);
    *lo = -INFINITY;
    *hi = INFINITY;
    int rc = 0;
    if (*a)
        rc = cli_parse_double(cmd, "--range", a, -1e300, 1e300, lo);
    if (!rc && *b)
        rc = cli_parse_double(cmd, "--range", b, -1e300, 1e300, hi);
    if (!rc && *lo > *hi)
        rc = cli_usage(cmd, "--range: %g > %g", *lo, *hi);
    return rc;
}

static int parse_models(const char *cmd, const char *s, struct sp_fit_table_opts *fo)
{
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return cli_fail("out of memory");
    fo->nmodels = 0;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        enum sp_fit_model m;
        if (sp_fit_model_parse(tok, &m) != 0)
            rc = cli_usage(cmd, "--models: '%s' is not one of power, stretched, stretched-log, "
                                "stretched-free, exponential", tok);
        else if (fo->nmodels < SP_FIT_NMODELS)
            fo->models[fo->nmodels++] = m;
    }
    if (!rc && fo->nmodels == 0)
        rc = cli_usage(cmd, "--models: empty list");
    free(copy);
    return rc;
}

static void on_note(void *ctx, const char *msg)
{
    (void)ctx;
    cli_info("%s", msg);
}

int cmd_fit(int argc, char **argv)
{
    const char *cmd = "fit";
    struct sp_fit_table_opts fo;
    sp_fit_table_opts_default(&fo);
    const char *out_file = "-";
    enum cli_format fmt = CLI_CSV;
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_COLUMN: fo.column = optarg; break;
        case OPT_X: fo.xcol = optarg; break;
        case OPT_SE: fo.secol = optarg; break;
        case OPT_RANGE: rc = parse_range(cmd, optarg, &fo.x_lo, &fo.x_hi); break;
        case OPT_MODELS: rc = parse_models(cmd, optarg, &fo); break;
        case OPT_CRIT:
            if (!strcmp(optarg, "aic"))
                fo.crit = SP_FIT_AIC;
            else if (!strcmp(optarg, "bic"))
                fo.crit = SP_FIT_BIC;
            else
                rc = cli_usage(cmd, "--criterion: '%s' is not one of aic, bic", optarg);
            break;
        case OPT_LEVEL: rc = cli_parse_double(cmd, "--level", optarg, 0.5, 0.9999, &fo.level); break;
        case OPT_DIRECTION:
            if (!strcmp(optarg, "auto"))
                fo.direction = -1;
            else if (!strcmp(optarg, "fwd"))
                fo.direction = 0;
            else if (!strcmp(optarg, "bwd"))
                fo.direction = 1;
            else
                rc = cli_usage(cmd, "--direction: '%s' is not one of auto, fwd, bwd", optarg);
            break;
        case OPT_GROUP: fo.groups = optarg; break;
        case OPT_DRAW: fo.drawcol = optarg; break;
        case OPT_MIN_DELTA:
            rc = cli_parse_double(cmd, "--min-delta", optarg, 0.0, 1e300, &fo.min_delta);
            break;
        case OPT_FORMAT: rc = cli_parse_format(cmd, optarg, &fmt); break;
        case 'o': out_file = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': help(); return CLI_OK;
        default: rc = cli_bad_option(cmd, argc, argv); break;
        }
        if (rc)
            return rc;
    }
    if (optind >= argc)
        return cli_usage(cmd, "missing FILE (a CSV, or '-' for stdin)");
    if (optind + 1 < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
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
            rc = cli_write_table(out, fmt, out_file, meta);
        }
    }
    cJSON_Delete(meta);
    sp_table_free(out);
    sp_table_free(in);
    return rc;
}
