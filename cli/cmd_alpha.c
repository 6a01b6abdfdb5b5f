/* sigprop alpha: the initial alpha of Derf/DyT that meets an amplification
 * target at a given architecture and depth, over lists of depths and widths,
 * with the fitted transfer rule alpha ~ A L^-b (per width) and alpha ~ B d^-c
 * (per depth, at a fixed init std), and with --verify a measurement of each
 * recommended network. Solver, transfer rule and verification are the
 * library's (src/analysis/alpha.c); this file parses, calls and writes. */
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


static void add_law(cJSON *arr, const struct sp_alpha_law *l)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "law", l->over_width ? "alpha = A * width^-b"
                                                    : "alpha = A * depth^-b");
    cJSON_AddNumberToObject(o, l->over_width ? "depth" : "width", l->fixed);
    cJSON_AddNumberToObject(o, "A", l->A);
    cJSON_AddNumberToObject(o, "b", l->b);
    if (isfinite(l->b_err))
        cJSON_AddNumberToObject(o, "b_err", l->b_err);
    cJSON_AddItemToArray(arr, o);
}

int cmd_alpha(int argc, char **argv)
{
    const char *cmd = "alpha", *out = "-";
    struct cli_arch ca;
    int verify = 0, rc = 0;
    double ratio = NAN, amin = 1e-4, amax = 100.0, tol = 1e-10;
    struct cli_int_list dl = {NULL, 0}, wl = {NULL, 0};
    int *depths = NULL, *widths = NULL, vwidth = 0, nfail = 0, fmt = CLI_CSV, argi;
    double vtol = 0.2;
    char first_fail[400] = "";
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

    /* Before any work: every verification network can be built, fits in memory
     * and, with --max-time, in the time allowed (all of them together). */
    double vflops = 0.0, vtime = 0.0, vbytes = 0.0;
    for (size_t i = 0; verify && i < ndepth; i++)
        for (size_t j = 0; j < nwidth; j++) {
            struct cli_arch cc = ca;
            if (!default_depth)
                cc.depth = depths[i];
            if (!default_width)
                cc.width = widths[j];
            struct sp_arch a, vn;
            struct sp_theory_opts o;
            enum sp_net_input input;
            char differs[160];
            if ((rc = cli_arch_build(&cc, cmd, NAN, &a, &o)))
                goto done;
            if (a.model != SP_MODEL_TRANSFORMER) {
                rc = cli_usage(cmd, "--verify measures a transformer: not --model toy");
                goto done;
            }
            if (vwidth > a.width) {
                rc = cli_usage(cmd, "--verify-width %d exceeds the network's width %d: the "
                               "verification network is a narrower copy", vwidth, a.width);
                goto done;
            }
            if (sp_alpha_verify_arch(&a, NULL, vwidth, &vn, &input, differs, sizeof differs) !=
                SP_OK) {
                rc = cli_usage(cmd, "--verify at depth %d, width %d: %s", a.depth, a.width,
                               sp_last_error());
                goto done;
            }
            struct cli_measure m = cm;
            m.o = nopts;
            m.o.input = input;
            m.max_time = 0.0; /* the time of all of them is checked below */
            if ((rc = cli_measure_check(cmd, &vn, &m)))
                goto done;
            double f = sp_net_flops(&vn, &m.o);
            vflops += f;
            vbytes = fmax(vbytes, sp_net_workspace_bytes(&vn, &m.o) +
                                      sp_net_record_bytes(&vn, &m.o));
            if (cm.max_time > 0.0) {
                double rate = sp_net_gemm_rate(&vn, &m.o);
                vtime += rate > 0.0 ? f / rate : (double)INFINITY;
            }
        }
    if (verify && cm.max_time > 0.0 && vtime > cm.max_time) {
        rc = cli_usage(cmd, "the verification needs about %.3g s (%.3g GFLOP at the rate "
                       "measured now), more than --max-time %g; reduce --verify-width, "
                       "--tokens, --probes, --seeds or --depth", vtime, vflops / 1e9,
                       cm.max_time);
        goto done;
    }
    if (verify)
        cli_info("alpha: verification: %zu network(s), %.3g GFLOP of matrix products, "
                 "at most %.3g MB each%s", ndepth * nwidth, vflops / 1e9, vbytes / 1e6,
                 cm.max_time > 0.0 ? "" : " (--max-time S to refuse a longer run)");
    if (verify && cm.max_time > 0.0)
        cli_info("alpha: verification: estimated %.3g s", vtime);
    size_t npt = ndepth * nwidth;
    struct sp_table *t = sp_table_new();
    double *alphas = malloc(npt * sizeof *alphas);
    double *vratio = malloc(npt * sizeof *vratio);
    struct sp_arch first;
    struct sp_theory_opts opts;
    double t0 = cli_now();
    static const char *cols[] = {"depth", "width", "norm", "ratio", "alpha_attn", "alpha_mlp",
                                 "alpha", "J_L0", "logJ_L0", "target_J", "J_preln",
                                 "J_over_preln", "s_OV", "s_21", "lambda", "phase",
                                 "iterations", "monotone", "version", "caveats"};
    static const char *vcols[] = {"verify_width", "verify_tokens", "J_L0_verify_theory",
                                  "J_L0_measured", "J_L0_se", "measured_over_theory",
                                  "verify_heads", "verify_input", "verify_differs",
                                  "verify_lo", "verify_hi", "verify_pass"};
    static const char *scols[] = {"logJ_attn", "logJ_mlp", "logJ_attn_preln", "logJ_mlp_preln",
                                  "sweeps"};
    enum { NC = sizeof cols / sizeof *cols, NV = sizeof vcols / sizeof *vcols,
           NS = sizeof scols / sizeof *scols };
    int sides = target_kind == TGT_SIDES, sbase = NC + (verify ? NV : 0);
    if (!t || !alphas || !vratio) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    for (int k = 0; k < NC; k++)
        if (sp_table_add_col(t, cols[k], !strcmp(cols[k], "norm") || !strcmp(cols[k], "phase") ||
                                         k >= NC - 2 ? SP_COL_STR : SP_COL_NUM) < 0) {
            rc = cli_fail("out of memory");
            goto free_all;
        }
    for (int k = 0; verify && k < NV; k++)
        if (sp_table_add_col(t, vcols[k], k == 7 || k == 8 ? SP_COL_STR : SP_COL_NUM) < 0) {
            rc = cli_fail("out of memory");
            goto free_all;
        }
    for (int k = 0; sides && k < NS; k++)
        if (sp_table_add_col(t, scols[k], SP_COL_NUM) < 0) {
            rc = cli_fail("out of memory");
            goto free_all;
        }
    int nonmono = 0;
    struct cli_progress pg;
    cli_progress_start(&pg, "alpha", npt);
    for (size_t i = 0; i < ndepth && !rc; i++)
        for (size_t j = 0; j < nwidth && !rc; j++) {
            struct cli_arch cc = ca;
            if (!default_depth)
                cc.depth = depths[i];
            if (!default_width)
                cc.width = widths[j];
            struct sp_arch a;
            if ((rc = cli_arch_build(&cc, cmd, NAN, &a, &opts)))
                break;
            char cav[128];
            if (i == 0 && j == 0) {
                first = a;
                char vnote[192];
                cli_theory_version_note(&ca, vnote, sizeof vnote);
                cli_info("alpha: theory version %s%s", a.model == SP_MODEL_TOY ? "toy"
                         : sp_theory_version(&opts), a.model == SP_MODEL_TOY ? "" : vnote);
            }
            cli_caveats(&a, &opts, i == 0 && j == 0, NULL, cav, sizeof cav);
            if (target_kind != TGT_J && a.model != SP_MODEL_TRANSFORMER) {
                rc = cli_usage(cmd, "--match/--budget-ratio compare with pre-LN: transformer only");
                break;
            }
            static const enum sp_alpha_target tkind[] = {
                SP_ALPHA_TARGET_J, SP_ALPHA_TARGET_J, SP_ALPHA_MATCH_PRELN, SP_ALPHA_BUDGET,
                SP_ALPHA_MATCH_PRELN_SIDES};
            struct sp_alpha_point pt;
            if (sp_alpha_point(&a, &opts, tkind[target_kind], target, ratio, guess, amin, amax,
                               tol, &pt) != SP_OK) {
                rc = cli_fail("%s", sp_last_error());
                break;
            }
            const struct sp_alpha_solution sol = pt.sol;
            double lp = pt.log_j_preln, logt = pt.log_target;
            if (!sol.monotone) {
                nonmono++;
                cli_info("alpha: warning: J^{L,0} is not monotone in alpha at depth %d, width %d "
                         "(docs/science.md §3.5 says it is): the solution may not be unique", a.depth, a.width);
            }
            long r = sp_table_add_row(t);
            if (r < 0) {
                rc = cli_fail("out of memory");
                break;
            }
            size_t R = (size_t)r;
            double v[NC] = {a.depth, a.model == SP_MODEL_TOY ? (double)NAN : a.width, 0,
                            sides ? sol.alpha_attn / sol.alpha : ratio,
                            sol.alpha_attn, sol.alpha, sol.alpha, exp(sol.log_j), sol.log_j,
                            exp(logt), exp(lp), exp(sol.log_j - lp),
                            pt.s_ov, pt.s_21, pt.lambda,
                            0, sol.iterations, sol.monotone};
            for (int k = 0; k < NC; k++)
                if (k != 2 && k != 15 && k < NC - 2)
                    sp_table_set_num(t, R, k, v[k]);
            sp_table_set_str(t, R, 2, sp_fn_name(a.model == SP_MODEL_TOY ? a.phi.kind : a.norm_mlp.kind));
            sp_table_set_str(t, R, 15, sp_phase_name(pt.phase));
            sp_table_set_str(t, R, NC - 2, a.model == SP_MODEL_TOY ? "toy" : sp_theory_version(&opts));
            sp_table_set_str(t, R, NC - 1, cav);
            alphas[i * nwidth + j] = sol.alpha;
            if (sides) {
                double sv[NS] = {pt.sides.log_j_attn, pt.sides.log_j_mlp,
                                 pt.sides_preln.log_j_attn, pt.sides_preln.log_j_mlp, pt.sweeps};
                for (int k = 0; k < NS; k++)
                    sp_table_set_num(t, R, (size_t)(sbase + k), sv[k]);
                cli_info("alpha: depth %d, width %d: alpha_attn %.4g, alpha_mlp %.4g (ratio "
                         "%.3g): log J shares attention %.4g, MLP %.4g (pre-LN %.4g, %.4g)",
                         a.depth, a.width, sol.alpha_attn, sol.alpha,
                         sol.alpha_attn / sol.alpha, pt.sides.log_j_attn, pt.sides.log_j_mlp,
                         pt.sides_preln.log_j_attn, pt.sides_preln.log_j_mlp);
            }
            if (verify) {
                /* the recommended network itself, or the narrower copy asked for */
                struct sp_arch vn;
                enum sp_net_input input;
                char differs[160];
                struct sp_alpha_verification ver;
                struct sp_net_opts no = nopts;
                enum sp_status sv = sp_alpha_verify_arch(&a, &sol, vwidth, &vn, &input, differs,
                                                         sizeof differs);
                if (sv == SP_OK) {
                    no.input = input;
                    sv = sp_alpha_verify(&vn, &opts, &no, vtol, &ver);
                }
                if (sv != SP_OK) {
                    rc = cli_fail("verification at depth %d, width %d failed: %s",
                                  a.depth, a.width, sp_last_error());
                    break;
                }
                if (differs[0])
                    cli_info("alpha: verify depth %d, width %d on a reduced network: %s",
                             a.depth, a.width, differs);
                double vv[NV] = {vn.width, vn.tokens, ver.j_theory, ver.j_measured, ver.j_se,
                                 ver.ratio, vn.heads, 0, 0, ver.lo, ver.hi, ver.pass};
                for (int k = 0; k < NV; k++)
                    if (k != 7 && k != 8)
                        sp_table_set_num(t, R, NC + k, vv[k]);
                sp_table_set_str(t, R, NC + 7,
                                 input == SP_INPUT_GAUSSIAN ? "gaussian" : "equiangular");
                sp_table_set_str(t, R, NC + 8, differs[0] ? differs : "none");
                vratio[i * nwidth + j] = ver.ratio;
                cli_info("alpha: verify depth %d, width %d (%s, n = %d, d = %d): J^{L,0} "
                         "measured %.4g +- %.2g, theory %.4g, accepted [%.4g, %.4g]: %s",
                         a.depth, a.width, differs[0] ? "reduced" : "as recommended",
                         vn.tokens, vn.width, ver.j_measured, ver.j_se, ver.j_theory, ver.lo,
                         ver.hi, ver.pass ? "pass" : "FAIL");
                if (!ver.pass && nfail++ == 0)
                    snprintf(first_fail, sizeof first_fail, "depth %d, width %d%s%s: "
                             "measured %.4g +- %.2g, theory %.4g, accepted [%.4g, %.4g]",
                             a.depth, a.width, differs[0] ? " verified with " : "", differs,
                             ver.j_measured, ver.j_se, ver.j_theory, ver.lo, ver.hi);
            }
            cli_progress_update(&pg, i * nwidth + j + 1);
        }
    cli_progress_finish(&pg);
    if (rc)
        goto free_all;

    /* The transfer rule: power laws in depth (per width) and width (per depth). */
    cJSON *meta = cli_meta_new(cmd);
    cli_arch_meta(meta, &first, first.model == SP_MODEL_TOY ? NULL : &opts);
    cli_theory_meta_source(meta, &ca);
    cli_caveats(&first, &opts, 0, meta, NULL, 0);
    static const char *tk[] = {"", "target-J", "match preln", "budget-ratio",
                               "match preln-per-side"};
    cJSON_AddStringToObject(meta, "target", tk[target_kind]);
    if (target_kind == TGT_J || target_kind == TGT_BUDGET)
        cJSON_AddNumberToObject(meta, "target_value", target);
    if (!sides)
        cJSON_AddNumberToObject(meta, "ratio", ratio);
    cJSON_AddBoolToObject(meta, "monotone", nonmono == 0);
    size_t gmfe_n = 0;
    double gmfe = verify ? sp_compare_gmfe_ratios(vratio, npt, &gmfe_n) : (double)NAN;
    if (verify && gmfe_n) {
        cJSON_AddNumberToObject(meta, "verify_gmfe", gmfe);
        cJSON_AddNumberToObject(meta, "verify_width", vwidth > 0 ? vwidth : first.width);
        cJSON_AddNumberToObject(meta, "verify_tol", vtol);
        cJSON_AddNumberToObject(meta, "verify_failed", nfail);
        cli_info("alpha: verification: geometric mean multiplicative error %.4f over %zu "
                 "network(s) (docs/science.md §4)", gmfe, gmfe_n);
    }
    cJSON *laws = cJSON_AddArrayToObject(meta, "laws");
    double *dx = malloc(ndepth * sizeof *dx), *wx = malloc(nwidth * sizeof *wx);
    struct sp_alpha_law *law = malloc((ndepth + nwidth) * sizeof *law);
    size_t nlaw = 0;
    for (size_t i = 0; dx && i < ndepth; i++)
        dx[i] = default_depth ? first.depth : depths[i];
    for (size_t j = 0; wx && j < nwidth; j++)
        wx[j] = default_width ? first.width : widths[j];
    if (!dx || !wx || !law ||
        sp_alpha_transfer_fit(dx, ndepth, wx, nwidth, alphas, law, &nlaw) != SP_OK) {
        free(dx);
        free(wx);
        free(law);
        cJSON_Delete(meta);
        rc = cli_fail("transfer rule: %s", sp_last_error()[0] ? sp_last_error() : "out of memory");
        goto free_all;
    }
    for (size_t k = 0; k < nlaw; k++) {
        const struct sp_alpha_law *l = &law[k];
        add_law(laws, l);
        char e[48] = "";
        if (isfinite(l->b_err))
            snprintf(e, sizeof e, " (b +- %.2g)", l->b_err);
        cli_info("alpha: %s %g: alpha = %.4g * %s^-%.4f%s", l->over_width ? "depth" : "width",
                 l->fixed, l->A, l->over_width ? "width" : "depth", l->b, e);
    }
    free(dx);
    free(wx);
    free(law);
    if (ndepth >= 2 || nwidth >= 2)
        cli_info("alpha: asymptotic expectation (docs/science.md §3.5, subcritical, fixed target J): "
                 "log J ~ sqrt(L / lambda), lambda ~ 1/(alpha^2 s_21) -> alpha ~ L^-1/2, and at "
                 "a fixed init std s_21 ~ width^2 -> alpha ~ width^-1");
    cli_info("%s: %.3g s", cmd, cli_now() - t0); /* not in the JSON: same input, same bytes */
    rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
    cJSON_Delete(meta);
    /* the table (with verify_pass) is written either way; a failed check is a
     * failed run */
    if (!rc && nfail) {
        rc = cli_fail("verification failed at %d of %zu network(s), measured J^{L,0} "
                      "outside theory * (1 +- %g) +- 2 standard errors: %s%s", nfail, npt,
                      vtol, first_fail, nfail > 1 ? "; the others in the verify_pass column" : "");
    }
free_all:
    sp_table_free(t);
    free(alphas);
    free(vratio);
done:
    free(depths);
    free(widths);
    cli_arch_free(&ca);
    return rc;
}
