/* sigprop alpha: the initial alpha of Derf/DyT that meets an amplification
 * target at a given architecture and depth, over lists of depths and widths,
 * with the fitted transfer rule alpha ~ A L^-b (per width) and alpha ~ B d^-c
 * (per depth, at a fixed init std), and with --verify a measurement of each
 * recommended network. Solver, transfer rule and verification are the
 * library's (src/analysis/alpha.c), and so are the table and its notes
 * (sp_alpha_table, sigprop/tables.h); this file parses, checks the
 * verification's cost, calls and writes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char head[] =
    "Usage: sigprop alpha (--target-J X | --match preln[-per-side] | --budget-ratio K)\n"
    "                     [options]\n\n"
    "Solves for the initial alpha of Derf/DyT at which the mean-field end-to-end\n"
    "APJN J^{L,0} meets a target, for every depth x width given: the table of\n"
    "recommended alphas and the fitted transfer rule alpha ~ A L^-b (per width)\n"
    "and alpha ~ B d^-c (per depth). docs/science.md §3.5: J^{L,0} increases with alpha; the\n"
    "solver checks this on every point it evaluates and says so if violated.\n"
    "Bracket by doubling/halving from the guess, then Brent on log alpha.\n\n"
    "Target (exactly one):\n";

static const char tail[] =
    "\nIn 'sigprop alpha', --alpha is the search's initial guess (one value), not a\n"
    "list of alphas: the alphas are what this command solves for.\n"
    "\nExample: sigprop alpha --norm derf --match preln --depth 12,24,48,96 "
    "--width 768,1024,4096\n";

static const char columns[] =
    "\nColumns: depth,width,norm,ratio,alpha_attn,alpha_mlp,alpha,J_L0,logJ_L0,\n"
    "target_J,J_preln,J_over_preln,s_OV,s_21,lambda,phase,iterations,monotone,\n"
    "version,caveats (codes joined by ;, or none: docs/theory.md);\n"
    "with --verify also verify_width,verify_tokens,J_L0_verify_theory,\n"
    "J_L0_measured,J_L0_se,measured_over_theory,verify_heads,verify_input,\n"
    "verify_differs,verify_lo,verify_hi,verify_pass.\n"
    "With --match preln-per-side also logJ_attn,logJ_mlp,logJ_attn_preln,\n"
    "logJ_mlp_preln,sweeps (the shares of log J^{L,0}; ratio is then solved).\n"
    "alpha = alpha_mlp (the MLP norm's alpha, which sets lambda, docs/science.md §3.5).\n\n";

enum { TGT_NONE, TGT_J, TGT_PRELN, TGT_BUDGET, TGT_SIDES };

/* --target-J, --match, --budget-ratio: exactly one. */
struct target {
    int kind;
    double value;
};

static int opt_target(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    struct target *t = ctx;
    if (t->kind != TGT_NONE)
        return cli_usage(cmd, "give exactly one of --target-J, --match, --budget-ratio");
    if (!strcmp(flag, "--match")) {
        t->kind = !strcmp(arg, "preln-per-side") ? TGT_SIDES : TGT_PRELN;
        return strcmp(arg, "preln") && t->kind != TGT_SIDES
                   ? cli_usage(cmd, "--match: '%s' is not 'preln' or 'preln-per-side'", arg)
                   : 0;
    }
    t->kind = !strcmp(flag, "--budget-ratio") ? TGT_BUDGET : TGT_J;
    return cli_parse_double(cmd, t->kind == TGT_J ? "--target-J" : flag, arg, 1e-300, 1e300,
                            &t->value);
}


int cmd_alpha(int argc, char **argv)
{
    const char *cmd = "alpha", *out = "-";
    struct cli_arch ca;
    int verify = 0, rc = 0;
    double ratio = NAN, amin = 1e-4, amax = 100.0, tol = 1e-10;
    struct cli_int_list dl = {NULL, 0}, wl = {NULL, 0};
    int *depths = NULL, *widths = NULL, vwidth = 0, fmt = CLI_CSV, argi;
    double vtol = 0.2;
    struct cli_measure cm;
    cli_measure_init(&cm);
    struct sp_net_opts nopts;
    sp_net_opts_default(&nopts);
    nopts.measure = SP_MEASURE_FWD;
    int seed = (int)nopts.seed;
    cli_arch_init(&ca);
    struct target tg = {TGT_NONE, NAN};
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_CALL, .name = "target-J", .arg = "X", .call = opt_target, .ctx = &tg,
         .help = "J^{L,0} = X (X > 1: any alpha amplifies)"},
        {.kind = CLI_OPT_CALL, .name = "target-j", .call = opt_target, .ctx = &tg},
        {.kind = CLI_OPT_CALL, .name = "match", .arg = "preln", .call = opt_target, .ctx = &tg,
         .help = "the J^{L,0} of the pre-LN network of the same shape"},
        {.kind = CLI_OPT_TEXT,
         .help = "      --match preln-per-side  solve alpha_attn AND alpha_mlp: the attention\n"
                 "                        sublayers' share of log J^{L,0} equal to pre-LN's and\n"
                 "                        the MLP sublayers' share equal to pre-LN's (--ratio is\n"
                 "                        then an output; docs/alpha.md, 'Both alphas')\n"},
        {.kind = CLI_OPT_CALL, .name = "budget-ratio", .arg = "K", .call = opt_target,
         .ctx = &tg, .help = "K times the pre-LN network's J^{L,0}"},
        {.kind = CLI_OPT_TEXT, .help = "Solver:\n"},
        {.kind = CLI_OPT_DOUBLE, .name = "ratio", .arg = "R", .dest = &ratio, .lo = 1e-6,
         .hi = 1e6, .help = "alpha_attn = R * alpha_mlp (DyT LLaMA recipe; default 1)"},
        {.kind = CLI_OPT_TEXT,
         .help = "      --alpha A         initial guess of the search: one value (default 0.5),\n"
                 "                        not a list (see the note after the architecture flags)\n"},
        {.kind = CLI_OPT_DOUBLE, .name = "alpha-min", .arg = "A", .dest = &amin, .lo = 1e-12,
         .hi = 1e6, .help = "lower end of the search (default 1e-4)"},
        {.kind = CLI_OPT_DOUBLE, .name = "alpha-max", .arg = "A", .dest = &amax, .lo = 1e-12,
         .hi = 1e6, .help = "upper end of the search (default 100)"},
        {.kind = CLI_OPT_DOUBLE, .name = "tol", .arg = "T", .dest = &tol, .lo = 1e-15, .hi = 0.1,
         .help = "relative tolerance in alpha (default 1e-10)"},
        {.kind = CLI_OPT_INT_LIST, .name = "depth", .arg = "LIST", .dest = &dl, .lo = 1,
         .hi = 1000000, .help = "depths (value, a,b,c or start:stop:step; default 128)"},
        {.kind = CLI_OPT_INT_LIST, .name = "width", .arg = "LIST", .dest = &wl, .lo = 1,
         .hi = 1000000,
         .help = "widths, same forms (default 1024). Widths act through a\n"
                 "fixed init std (--init-std, default 0.02, as in LLaMA\n"
                 "and timm: sigma_X = 0.02 sqrt(fan_in)). The blog2 preset\n"
                 "fixes its sigmas, so there --width alone changes only n/d\n"
                 "bookkeeping, not the sigmas: give --init-std to vary them"},
        {.kind = CLI_OPT_FLAG, .name = "verify", .dest = &verify,
         .help = "measure each recommended network (same tokens, width,\n"
                 "depth, heads, sigmas, norms and alphas) and compare its\n"
                 "J^{L,0} with the theory; exit 1 if one is outside\n"
                 "theory * (1 +- --verify-tol) +- 2 standard errors"},
        {.kind = CLI_OPT_INT, .name = "verify-width", .arg = "D", .dest = &vwidth, .lo = 1,
         .hi = 1000000,
         .help = "verify on a narrower copy for cost, D < the width (same\n"
                 "sigmas; tokens capped at D, heads at a divisor of D): what\n"
                 "differs is said on stderr and in verify_differs"},
        {.kind = CLI_OPT_DOUBLE, .name = "verify-tol", .arg = "T", .dest = &vtol, .lo = 0.0,
         .hi = 1e6, .help = "relative tolerance of the verification (default 0.2)"},
        CLI_OPT_MEASURE_LIMITS(&cm, "verifications"),
        {.kind = CLI_OPT_TEXT,
         .help = "      --seeds K --probes P --seed S   measurement draws, probes, seed (1, 4, 1)\n"},
        {.kind = CLI_OPT_INT, .name = "seeds", .dest = &nopts.seeds, .lo = 1, .hi = 1000000},
        {.kind = CLI_OPT_INT, .name = "probes", .dest = &nopts.probes, .lo = 1, .hi = 1000000},
        {.kind = CLI_OPT_INT, .name = "seed", .dest = &seed, .lo = 0, .hi = 2147483647},
        {.kind = CLI_OPT_TEXT, .help = "Output:\n"},
        {.kind = CLI_OPT_ENUM, .name = "format", .arg = "F", .dest = &fmt,
         .values = cli_format_names,
         .help = "csv | json (default csv); JSON meta holds the fitted law"},
        CLI_OPT_OUTPUT(&out),
        {.kind = CLI_OPT_FLAG, .name = "quiet", .key = 'q', .dest = &cli_quiet,
         .help = "no messages on stderr (the fitted law included)"},
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_TEXT, .help = columns},
        CLI_OPT_ARCH(&ca),
        {.kind = CLI_OPT_END}};
    const struct cli_cmd spec = {cmd, head, tail, table, 0};
    rc = cli_parse(&spec, argc, argv, &argi);
    depths = dl.v;
    widths = wl.v;
    size_t ndepth = dl.n, nwidth = wl.n;
    nopts.seed = (uint64_t)seed;
    int target_kind = tg.kind;
    double target = tg.value;
    (void)argi; /* no positional arguments */
    if (rc) {
        if (rc == CLI_DONE)
            rc = CLI_OK;
        goto done;
    }
    if ((rc = cli_check_output(cmd, "-o", out)))
        goto done;
    if (target_kind == TGT_NONE) {
        rc = cli_usage(cmd, "give a target: --target-J X, --match preln, --match "
                            "preln-per-side or --budget-ratio K");
        goto done;
    }
    if (target_kind == TGT_SIDES && !isnan(ratio)) {
        rc = cli_usage(cmd, "--ratio: --match preln-per-side solves for alpha_attn / alpha_mlp");
        goto done;
    }
    if (isnan(ratio))
        ratio = 1.0;
    if (!(amin < amax)) {
        rc = cli_usage(cmd, "--alpha-min %g must be below --alpha-max %g", amin, amax);
        goto done;
    }
    if (cli_arch_nalpha(&ca) > 1) {
        rc = cli_usage(cmd, "--alpha is the initial guess here: give one value");
        goto done;
    }
    double guess = ca.nalpha ? ca.alphas[0] : 0.5;
    if (!ca.has_norm && !ca.preset) { /* the default transformer is pre-LN: alpha needs Derf */
        ca.has_norm = 1;
        ca.norm = SP_FN_DERF;
    }
    if (ca.has_norm && ca.norm != SP_FN_DERF && ca.norm != SP_FN_DYT) {
        rc = cli_usage(cmd, "--norm %s has no alpha: use derf or dyt", sp_fn_name(ca.norm));
        goto done;
    }
    if (!isnan(ca.alpha_attn) || !isnan(ca.alpha_mlp)) {
        rc = cli_usage(cmd, "--alpha-attn/--alpha-mlp are what this command solves for; "
                            "use --ratio for alpha_attn / alpha_mlp");
        goto done;
    }
    int default_depth = 0, default_width = 0;
    if (!depths) {
        default_depth = 1;
        ndepth = 1;
        depths = malloc(sizeof *depths);
        if (depths)
            depths[0] = 0; /* preset/default depth */
    }
    if (!widths) {
        default_width = 1;
        nwidth = 1;
        widths = malloc(sizeof *widths);
        if (widths)
            widths[0] = 0;
    }
    if (!depths || !widths) {
        rc = cli_fail("out of memory");
        goto done;
    }
    if (ca.preset && !strcmp(ca.preset, "blog2") && !default_width && isnan(ca.init_std))
        cli_info("alpha: the blog2 preset fixes its sigmas: --width does not change them "
                 "(give --init-std 0.02 for timm-style sigmas that grow with width)");

    /* Every point resolved before any work; with --verify, every verification
     * network can be built, fits in memory and, with --max-time, in the time
     * allowed (all of them together). */
    size_t npt = ndepth * nwidth;
    struct sp_arch *arch = calloc(npt, sizeof *arch);
    struct sp_theory_opts *opts = calloc(npt, sizeof *opts);
    struct sp_table *t = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    struct sp_alpha_table_info info = {.laws = NULL};
    if (!arch || !opts || !t) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    struct sp_alpha_verify_plan vp;
    sp_alpha_verify_plan_init(&vp);
    cm.o = nopts; /* the verification's draws, probes and seed */
    for (size_t k = 0; k < npt; k++) {
        struct cli_arch cc = ca;
        if (!default_depth)
            cc.depth = depths[k / nwidth];
        if (!default_width)
            cc.width = widths[k % nwidth];
        if ((rc = cli_arch_build(&cc, cmd, NAN, &arch[k], &opts[k])))
            goto free_all;
        if (target_kind != TGT_J && arch[k].model != SP_MODEL_TRANSFORMER) {
            rc = cli_usage(cmd, "--match/--budget-ratio compare with pre-LN: transformer only");
            goto free_all;
        }
        if (verify && sp_alpha_verify_plan_add(&vp, &arch[k], vwidth, &cm, cm.max_time > 0.0)) {
            rc = cli_usage(cmd, "%s", sp_last_error());
            goto free_all;
        }
    }
    double vflops = vp.flops, vtime = vp.seconds, vbytes = vp.bytes;
    if (verify && cm.max_time > 0.0 && vtime > cm.max_time) {
        rc = cli_usage(cmd, "the verification needs about %.3g s (%.3g GFLOP at the rate "
                       "measured now), more than --max-time %g; reduce --verify-width, "
                       "--tokens, --probes, --seeds or --depth", vtime, vflops / 1e9,
                       cm.max_time);
        goto free_all;
    }
    if (verify)
        cli_info("alpha: verification: %zu network(s), %.3g GFLOP of matrix products, "
                 "at most %.3g MB each%s", npt, vflops / 1e9, vbytes / 1e6,
                 cm.max_time > 0.0 ? "" : " (--max-time S to refuse a longer run)");
    if (verify && cm.max_time > 0.0)
        cli_info("alpha: verification: estimated %.3g s", vtime);
    const struct sp_arch *first = &arch[0];
    char vnote[192];
    cli_theory_version_note(&ca, vnote, sizeof vnote);
    cli_info("alpha: theory version %s%s", first->model == SP_MODEL_TOY ? "toy"
             : sp_theory_version(&opts[0]), first->model == SP_MODEL_TOY ? "" : vnote);

    static const enum sp_alpha_target tkind[] = {SP_ALPHA_TARGET_J, SP_ALPHA_TARGET_J,
                                                 SP_ALPHA_MATCH_PRELN, SP_ALPHA_BUDGET,
                                                 SP_ALPHA_MATCH_PRELN_SIDES};
    struct sp_alpha_table_opts ao;
    sp_alpha_table_opts_default(&ao);
    ao.target = tkind[target_kind];
    ao.target_value = target;
    ao.ratio = ratio;
    ao.guess = guess, ao.amin = amin, ao.amax = amax, ao.tol = tol;
    ao.verify = verify, ao.verify_width = vwidth, ao.verify_tol = vtol;
    ao.net = nopts;
    /* the transfer rule's axes as asked: a --proxy-width network's width is not the width */
    double *wx = malloc(nwidth * sizeof *wx); /* the depths are the networks' own */
    if (!wx) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    for (size_t j = 0; j < nwidth; j++)
        wx[j] = default_width ? first->width : widths[j];
    ao.widths = wx;
    double t0 = cli_now();
    struct cli_progress pg;
    cli_progress_start(&pg, "alpha", npt);
    enum sp_status st = sp_alpha_table(arch, opts, ndepth, nwidth, &ao, t, &info, &notes);
    free(wx);
    cli_progress_update(&pg, npt);
    cli_progress_finish(&pg);
    cli_notes(&notes);
    if (st != SP_OK) {
        rc = cli_fail("%s", sp_last_error());
        goto free_all;
    }

    /* The transfer rule: power laws in depth (per width) and width (per depth). */
    cJSON *meta = cli_meta_new(cmd);
    cli_arch_meta(meta, first, first->model == SP_MODEL_TOY ? NULL : &opts[0]);
    cli_theory_meta_source(meta, &ca);
    cli_caveats(first, &opts[0], 0, meta);
    if ((rc = cli_meta_add_json(meta, NULL, sp_alpha_table_meta_json(first, &ao, &info)))) {
        cJSON_Delete(meta);
        goto free_all;
    }
    cli_info("%s: %.3g s", cmd, cli_now() - t0); /* not in the JSON: same input, same bytes */
    rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
    cJSON_Delete(meta);
    /* the table (with verify_pass) is written either way; a failed check is a
     * failed run */
    if (!rc && info.nfailed) {
        rc = cli_fail("verification failed at %zu of %zu network(s), measured J^{L,0} "
                      "outside theory * (1 +- %g) +- 2 standard errors: %s%s", info.nfailed, npt,
                      vtol, info.first_fail,
                      info.nfailed > 1 ? "; the others in the verify_pass column" : "");
    }
free_all:
    sp_alpha_table_info_free(&info);
    sp_notes_free(&notes);
    sp_table_free(t);
    free(arch);
    free(opts);
done:
    free(depths);
    free(widths);
    cli_arch_free(&ca);
    return rc;
}
