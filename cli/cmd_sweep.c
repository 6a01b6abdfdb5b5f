/* sigprop sweep: a grid over norm, width, init std, tokens, q0, p0, sigma_w,
 * alpha and depth; one tidy CSV row per grid point with the theory's end-to-end
 * APJN, phase and asymptotic laws (phase-diagram data). This file parses the
 * flags and prints; the library builds and checks the grid (sp_sweep_grid_*),
 * opens the locked resumable output (sp_sweep_output_*) and runs the points
 * over OpenMP threads and MPI ranks (include/sigprop/analysis.h). Output order
 * is the grid order whatever the thread or rank count. */
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"

static const char head[] =
    "Usage: sigprop sweep [grid flags] [architecture flags] [options]\n\n"
    "A grid of configurations, one CSV row per grid point: the mean-field\n"
    "end-to-end APJN J^{L,0}, the phase and its asymptotic law (zeta, lambda or\n"
    "xi), the transition depth l*: phase-diagram data. Uses every core (OpenMP);\n"
    "under mpirun the grid is spread over the ranks and rank 0 writes the same\n"
    "file a local run writes. With -o FILE the sweep is resumable.\n\n"
    "Grid flags (each a value, a comma list a,b,c or start:stop:step):\n";

static const char columns[] =
    "\nLimits: at most 10^7 grid points, and half the memory at 320 bytes a point;\n"
    "an axis that does not change the rows (the toy's --width) is refused.\n\n"
    "Columns: i (grid index), model, version, norm, alpha, alpha_attn, alpha_mlp,\n"
    "depth, width, tokens, init_std, q0, p0, sigma_w (the grid point, as resolved),\n"
    "shift_attn, shift_mlp, sigma_q..sigma_2, phi, mu, sigma_b, attention, apjn, cn\n"
    "(theory) and heads, mlp_ratio, activation, final_norm, seed, seeds, probes,\n"
    "input (measure): the settings that change a row (a resume must match them),\n"
    "q_L, p_L, J_L0, logJ_L0, phase, zeta, lambda, xi, l_star (as in 'sigprop\n"
    "theory --summary'; --mode theory and both), q_L_measured, q_L_se,\n"
    "J_L0_measured, J_L0_se (--mode measure and both; se: standard errors over\n"
    "draws, or probes with one draw), status (ok, or why the point failed).\n\n";

static const char tail[] =
    "\nExample: sigprop sweep --norm derf --alpha 0.05:2:0.05 --depth 10:1000:10 -o phase.csv\n";

static const char *const modes[] = {"theory", "measure", "both", "train", NULL};

/* The measurement keys of sweep's measure mode (sigprop/measurespec.h). */
static const char *const measure_keys[] = {"seeds", "probes", "seed", "input", "threads", NULL};

static void on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

int cli_sweep_check_out(const char *cmd, const char **out, int resume, int force)
{
    if (resume && force)
        return cli_usage(cmd, "--resume and --force contradict each other");
    if ((resume || force) && (!*out || !strcmp(*out, "-")))
        return cli_usage(cmd, "--resume/--force need -o FILE (stdout cannot be resumed)");
    if (*out && !strcmp(*out, "-"))
        *out = NULL;
    return cli_check_output(cmd, "-o", *out);
}

int cli_sweep_write(const char *cmd, struct sp_sweep_output *w, const char *what)
{
    const char *out = w->path;
    /* MPI after the arguments are validated: every rank has built the same grid. */
    struct sp_sweep_comm cx;
    if (sp_sweep_comm_init(&cx) != SP_OK)
        return cli_fail("%s", sp_last_error());
    if (cx.rank != 0)
        cli_quiet = 1;
    if (!cx.mpi && sp_sweep_comm_launched() && !strstr(sp_build_features(), "mpi"))
        cli_info("sweep: warning: this sigprop is built without MPI (-DSP_MPI=OFF): "
                 "every rank runs the whole sweep");
    w->comm = &cx;
    w->stream = stdout;
    enum sp_status s = sp_sweep_output_open(w);
    int rc = s == SP_OK ? 0 : s == SP_EINVAL ? 2 : 1;
    if (s != SP_OK && cx.rank == 0) {
        if (w->missing)
            cli_fail("--resume: %s", sp_last_error());
        else if (s == SP_EINVAL)
            cli_usage(cmd, "-o: %s: a resume takes the same settings (or use --force to start "
                      "afresh, or another -o)", sp_last_error());
        else
            cli_fail("%s%s", sp_last_error(),
                     s == SP_EFORMAT ? " (use --force to overwrite it, or another -o)" : "");
    }
    size_t ntodo = w->npoints - w->ndone, nfailed = 0;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (!rc && out && w->ndone)
        cli_info("sweep: resuming '%s': %zu of %zu grid points present, %zu to compute", out,
                 w->ndone, w->npoints, ntodo);
    if (!rc)
        cli_info("sweep: %s, %d thread(s)%s, %d MPI rank(s)", what, threads,
                 cx.mpi ? " per rank" : "", cx.nranks);
    struct cli_progress pg;
    memset(&pg, 0, sizeof pg);
    if (!rc && cx.rank == 0)
        cli_progress_start(&pg, "sweep", ntodo);
    if (!rc && sp_sweep_output_run(w, cx.rank == 0 ? on_progress : NULL, &pg, &nfailed) != SP_OK)
        rc = cli_fail("writing %s%s%s failed: %s", out ? "'" : "", out ? out : "stdout",
                      out ? "'" : "", sp_last_error());
    if (cx.rank == 0) {
        cli_progress_finish(&pg);
        if (!rc)
            cli_info("sweep: %zu grid points written%s%s", ntodo, out ? " to " : "",
                     out ? out : "");
        if (!rc && nfailed)
            rc = cli_fail("%zu of %zu grid points failed (their status column says why)",
                          nfailed, ntodo);
    }
    sp_sweep_output_close(w);
    sp_sweep_comm_finalize(&cx);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    /* --mode train has its own flags (the trainer's): cli/sweep_train.c */
    for (int k = 1; k < argc; k++)
        if ((!strcmp(argv[k], "--mode") && k + 1 < argc && !strcmp(argv[k + 1], "train")) ||
            !strcmp(argv[k], "--mode=train"))
            return cmd_sweep_train(argc, argv);
    const char *cmd = "sweep", *out = NULL;
    struct cli_arch ca;
    struct cli_list ax[SP_SWEEP_NAXES] = {{0}};
    int given[SP_SWEEP_NAXES] = {0};
    struct sp_sweep_grid g;
    sp_sweep_grid_init(&g);
    struct cli_measure cm;
    cli_measure_init(&cm);
    int mode = 0, resume = 0, force = 0, batch = 0, rc = 0, first;
    cli_arch_init(&ca);
#define AXIS(K, KIND, NAME, LO, HI, HELP)                                                  \
    {.kind = KIND, .name = NAME, .arg = "LIST", .dest = &ax[K], .lo = LO, .hi = HI,        \
     .seen = &given[K], .help = HELP}
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_NORM_LIST, .name = "norm", .arg = "LIST", .dest = &ax[SP_SWEEP_NORM],
         .seen = &given[SP_SWEEP_NORM],
         .help = "ln, derf, dyt, none (a list of names)"},
        AXIS(SP_SWEEP_ALPHA, CLI_OPT_LIST, "alpha", 1e-6, 1e3,
             "Derf/DyT alpha (not iterated for norms without alpha:\n"
             "those get one row with alpha = nan)"),
        AXIS(SP_SWEEP_DEPTH, CLI_OPT_INTEGRAL_LIST, "depth", 1, 1000000,
             "depths; all depths of a configuration come from one run\n"
             "to the largest (J^{l,0} does not depend on blocks above l)"),
        AXIS(SP_SWEEP_WIDTH, CLI_OPT_INTEGRAL_LIST, "width", 1, 1000000,
             "widths d (sigmas follow through --init-std unless a preset\n"
             "or --sigma-* fixes them: blog2 does)"),
        AXIS(SP_SWEEP_INIT_STD, CLI_OPT_LIST, "init-std", 1e-8, 10,
             "timm-style init std (sigma_X = std sqrt(fan_in))"),
        AXIS(SP_SWEEP_TOKENS, CLI_OPT_INTEGRAL_LIST, "tokens", 1, 1000000, "tokens n"),
        AXIS(SP_SWEEP_Q0, CLI_OPT_LIST, "q0", 1e-12, 1e12, "input statistics: the token norm q0"),
        AXIS(SP_SWEEP_P0, CLI_OPT_LIST, "p0", -1e12, 1e12, "and the overlap p0"),
        AXIS(SP_SWEEP_SIGMA_W, CLI_OPT_LIST, "sigma-w", 0, 1e6, "toy network sigma_w (--model toy)"),
        {.kind = CLI_OPT_TEXT, .help = "Options:\n"},
        {.kind = CLI_OPT_ENUM, .name = "mode", .arg = "M", .dest = &mode, .values = modes,
         .help = "theory | measure | both | train (default theory). train:\n"
                 "one training run per grid point, its own flags: see\n"
                 "'sigprop sweep --mode train --help'. measure: a\n"
                 "finite network per configuration (sigprop/net.h), forward\n"
                 "APJN by Hutchinson probes; one run to the largest depth\n"
                 "serves every depth (weights are keyed by block). Grid\n"
                 "configurations then run one after another, each using\n"
                 "every thread"},
        CLI_OPT_KEYS_NAMED(sp_measurespec_keys(), measure_keys, &cm),
        {.kind = CLI_OPT_STRING, .name = "output", .key = 'o', .arg = "FILE", .dest = &out,
         .help = "write to FILE, resumably (default stdout, not resumable).\n"
                 "If FILE holds part of this same sweep, the sweep resumes:\n"
                 "a torn last line is cut, points present are skipped;\n"
                 "rows of other settings: exit 2. FILE is locked while\n"
                 "written: a second writer exits 1"},
        {.kind = CLI_OPT_FLAG, .name = "resume", .dest = &resume,
         .help = "insist on resuming (FILE must exist)"},
        {.kind = CLI_OPT_FLAG, .name = "force", .dest = &force,
         .help = "start afresh even if FILE holds another sweep's rows"},
        {.kind = CLI_OPT_INT, .name = "batch", .arg = "N", .dest = &batch, .lo = 1,
         .hi = 1000000,
         .help = "grid configurations per write (default 8 per thread;\n"
                 "theory mode: at least 65536 / (number of depths))"},
        CLI_OPT_QUIET_HELP("no messages or progress bar on stderr"),
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_TEXT, .help = columns},
        CLI_OPT_ARCH(&ca),
        {.kind = CLI_OPT_END}};
#undef AXIS
    const struct cli_cmd spec = {cmd, head, tail, table, 0};
    if (cli_parse_stop(&spec, argc, argv, &first, &rc))
        goto done;
    if ((rc = cli_sweep_check_out(cmd, &out, resume, force)) != 0)
        goto done;
    struct sp_net_opts nopts = cm.o;
    nopts.measure = SP_MEASURE_FWD;
    g.batch = (size_t)batch;
    const int theory = mode != 1, measure = mode >= 1; /* theory, both; measure, both */
    for (int k = 0; k < SP_SWEEP_NAXES && !rc; k++)
        if (given[k] && sp_sweep_grid_axis(&g, k, ax[k].v, ax[k].n) != SP_OK)
            rc = cli_fail("%s", sp_last_error());
    enum sp_status s = SP_OK;
    if (!rc && (s = sp_sweep_grid_build(&g, &ca, theory, measure ? &nopts : NULL, cli_arch_note,
                                        (void *)cmd)) != SP_OK)
        rc = s == SP_ENOMEM ? cli_fail("%s", sp_last_error()) : cli_usage(cmd, "%s", sp_last_error());
    size_t bad;
    cm.o = nopts; /* every configuration measurable before anything runs (as in 'sigprop measure') */
    if (!rc && measure && sp_sweep_grid_check_measure(&g, &cm, &bad) != SP_OK) {
        rc = cli_usage(cmd, "%s", sp_last_error());
        char *names = sp_sweep_header(theory, 1, 1);
        fprintf(stderr, "sigprop: sweep: the grid point that cannot be measured: i = %zu, depths "
                "up to %d (%s = %s)\n", g.tasks[bad].first, g.tasks[bad].a.depth,
                names ? names : "key", g.keys[g.tasks[bad].first]);
        free(names);
    }
    if (!rc) {
        char what[160];
        snprintf(what, sizeof what, "%zu grid points (%zu configurations x %zu depths)",
                 g.npoints, g.ntasks, g.ndepths);
        struct sp_sweep_output w = {.path = out, .resume = resume, .force = force};
        sp_sweep_grid_output(&g, &w);
        rc = cli_sweep_write(cmd, &w, what);
    }
done:
    for (int k = 0; k < SP_SWEEP_NAXES; k++)
        free(ax[k].v);
    sp_sweep_grid_free(&g);
    cli_measure_free(&cm);
    cli_arch_free(&ca);
    return rc;
}
