/* sigprop sweep: a grid over norm, width, init std, tokens, q0, p0, sigma_w,
 * alpha and depth; one tidy CSV row per grid point with the theory's end-to-end
 * APJN, phase and asymptotic laws (phase-diagram data). This file parses the
 * flags, builds and validates the configurations (through the architecture
 * flags), refuses grids too large or with identical rows, and calls the
 * library for the rest (include/sigprop/analysis.h: keys and header, the
 * locked resumable file, the scheduler over OpenMP threads and MPI ranks, the
 * rows). Output order is the grid order whatever the thread or rank count. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"

/* Grid axes in output order; depth varies fastest, then alpha. */
enum { AX_NORM, AX_WIDTH, AX_INIT_STD, AX_TOKENS, AX_Q0, AX_P0, AX_SIGMA_W, AX_ALPHA, AX_DEPTH, NAX };
static const char *const ax_flag[NAX] = {"--norm", "--width", "--init-std", "--tokens", "--q0",
                                         "--p0", "--sigma-w", "--alpha", "--depth"};

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

/* ---- the grid ---- */
struct grid {
    struct cli_list ax[NAX];
    int given[NAX];
    int *depths;
    size_t ndepth;
    struct sp_sweep_task *tasks;
    size_t ntasks, npoints;
    char **keys;               /* npoints key strings: grid + setting columns (resume check) */
    int theory, measure;       /* --mode */
    struct sp_net_opts nopts;  /* measure mode */
};

static void grid_free(struct grid *g)
{
    for (int k = 0; k < NAX; k++)
        free(g->ax[k].v);
    free(g->depths);
    free(g->tasks);
    sp_sweep_keys_free(g->keys, g->npoints);
}

static int has_alpha(const struct sp_arch *a)
{
    if (a->model == SP_MODEL_TOY)
        return a->phi.kind == SP_FN_DERF || a->phi.kind == SP_FN_DYT;
    return a->norm_mlp.kind == SP_FN_DERF || a->norm_mlp.kind == SP_FN_DYT ||
           a->norm_attn.kind == SP_FN_DERF || a->norm_attn.kind == SP_FN_DYT;
}

/* Key fields (after i) of the grid axes; every other key field is a setting
 * (model, version, alpha_attn/alpha_mlp, axes of one value, setting columns). */
static const int ax_field[NAX] = {2, 7, 9, 8, 10, 11, 12, 3, 6};

static uint64_t settings_mask(const struct grid *g)
{
    uint64_t m = ~(uint64_t)0;
    for (int k = 0; k < NAX; k++)
        if (g->given[k] && g->ax[k].n > 1) /* an axis of one value is a setting */
            m &= ~((uint64_t)1 << ax_field[k]);
    return m;
}

/* Two grid points with the same key would be two identical rows: an axis the
 * model ignores (the toy has no width; the transformer no sigma_w) or a value
 * given twice. Refused (exit 2) naming the axis. */
static const struct grid *cmp_grid;
static int cmp_task_key(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    int c = strcmp(cmp_grid->keys[a * cmp_grid->ndepth], cmp_grid->keys[b * cmp_grid->ndepth]);
    return c ? c : (a > b) - (a < b);
}

static int grid_unique(struct grid *g, const char *cmd)
{
    for (size_t i = 0; i < g->ndepth; i++)
        for (size_t j = i + 1; j < g->ndepth; j++)
            if (g->depths[i] == g->depths[j])
                return cli_usage(cmd, "--depth: %d is given twice (it would write identical rows)",
                                 g->depths[i]);
    if (g->ntasks < 2)
        return 0;
    size_t *ord = malloc(g->ntasks * sizeof *ord);
    if (!ord)
        return cli_fail("out of memory");
    for (size_t t = 0; t < g->ntasks; t++)
        ord[t] = t;
    cmp_grid = g;
    qsort(ord, g->ntasks, sizeof *ord, cmp_task_key);
    int rc = 0;
    for (size_t k = 1; k < g->ntasks && !rc; k++) {
        const struct sp_sweep_task *a = &g->tasks[ord[k - 1]], *b = &g->tasks[ord[k]];
        if (strcmp(g->keys[a->first], g->keys[b->first]) != 0)
            continue;
        size_t sizes[NAX - 1], ca[NAX - 1], cb[NAX - 1];
        for (int x = 0; x < NAX - 1; x++)
            sizes[x] = g->ax[x].n;
        sp_grid_coords(sizes, NAX - 1, a->combo, ca);
        sp_grid_coords(sizes, NAX - 1, b->combo, cb);
        int ax = 0;
        while (ax < NAX - 2 && ca[ax] == cb[ax])
            ax++;
        if (g->ax[ax].v[ca[ax]] == g->ax[ax].v[cb[ax]] || ax == AX_NORM)
            rc = cli_usage(cmd, "%s: a value is given twice (grid points %zu and %zu would be "
                           "identical rows)", ax_flag[ax], a->first, b->first);
        else
            rc = cli_usage(cmd, "%s does not change the rows of this model (%s %g and %g give "
                           "identical rows): give it one value", ax_flag[ax], ax_flag[ax],
                           g->ax[ax].v[ca[ax]], g->ax[ax].v[cb[ax]]);
    }
    free(ord);
    return rc;
}

/* Builds every task (validating every configuration) and every point's key. */
static int grid_build(struct grid *g, const struct cli_arch *ca, const char *cmd)
{
    size_t sizes[NAX - 1];
    for (int k = 0; k < NAX - 1; k++)
        sizes[k] = g->ax[k].n;
    /* checked sizes and the stated limits before anything is built (an upper
     * bound: norms without alpha collapse the alpha axis later) */
    size_t ncombo;
    if (sp_grid_count(sizes, NAX - 1, &ncombo) != SP_OK ||
        sp_sweep_check_size(ncombo, g->ndepth, NULL) != SP_OK)
        return cli_usage(cmd, "%s", sp_last_error());
    g->tasks = malloc((ncombo ? ncombo : 1) * sizeof *g->tasks);
    if (!g->tasks)
        return cli_fail("out of memory");
    int maxdepth = 0;
    for (size_t i = 0; i < g->ndepth; i++)
        if (g->depths[i] > maxdepth)
            maxdepth = g->depths[i];
    g->ntasks = 0;
    for (size_t c = 0; c < ncombo; c++) {
        size_t co[NAX - 1];
        sp_grid_coords(sizes, NAX - 1, c, co);
        struct cli_arch cc = *ca;
        cc.nalpha = 0;
        cc.alphas = NULL;
        if (g->given[AX_NORM]) {
            cc.has_norm = 1;
            cc.norm = (enum sp_fn)(int)g->ax[AX_NORM].v[co[AX_NORM]];
        }
        if (g->given[AX_WIDTH]) cc.width = (int)g->ax[AX_WIDTH].v[co[AX_WIDTH]];
        if (g->given[AX_INIT_STD]) cc.init_std = g->ax[AX_INIT_STD].v[co[AX_INIT_STD]];
        if (g->given[AX_TOKENS]) cc.tokens = (int)g->ax[AX_TOKENS].v[co[AX_TOKENS]];
        if (g->given[AX_Q0]) cc.q0 = g->ax[AX_Q0].v[co[AX_Q0]];
        if (g->given[AX_P0]) cc.p0 = g->ax[AX_P0].v[co[AX_P0]];
        if (g->given[AX_SIGMA_W]) cc.sigma_w = g->ax[AX_SIGMA_W].v[co[AX_SIGMA_W]];
        cc.depth = maxdepth;
        /* Is alpha meaningful here? Build without it first. */
        struct sp_sweep_task t;
        int rc = cli_arch_build(&cc, cmd, NAN, &t.a, &t.o);
        if (rc)
            return rc;
        if (g->given[AX_ALPHA]) {
            if (!has_alpha(&t.a)) {
                if (co[AX_ALPHA] > 0)
                    continue; /* one row, alpha = nan */
            } else if ((rc = cli_arch_build(&cc, cmd, g->ax[AX_ALPHA].v[co[AX_ALPHA]], &t.a, &t.o))) {
                return rc;
            }
        }
        t.first = g->ntasks * g->ndepth;
        t.combo = c;
        g->tasks[g->ntasks++] = t;
    }
    g->npoints = g->ntasks * g->ndepth;
    struct sp_sweep_plan plan = {g->tasks, g->ntasks, g->depths, g->ndepth, g->theory,
                                 g->measure ? &g->nopts : NULL, NULL};
    if (sp_sweep_keys(&plan, &g->keys) != SP_OK)
        return cli_fail("%s", sp_last_error());
    return grid_unique(g, cmd);
}

static void on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

struct grid_run {
    const struct sp_sweep_plan *plan;
    int batch;
};
static enum sp_status run_grid(void *ctx, const struct sp_sweep_comm *c, const unsigned char *done,
                               int fd, FILE *stream, void (*progress)(void *, size_t, size_t),
                               void *pctx, size_t *nfailed)
{
    const struct grid_run *r = ctx;
    return sp_sweep_run(r->plan, c, done, (size_t)r->batch, fd, stream, progress, pctx, nfailed);
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

int cli_sweep_write(const char *cmd, const struct cli_sweep_out *w)
{
    const char *out = w->out;
    int rc = 0;
    /* MPI after the arguments are validated: every rank has built the same grid. */
    struct sp_sweep_comm cx;
    if (sp_sweep_comm_init(&cx) != SP_OK) {
        return cli_fail("%s", sp_last_error());
    }
    if (cx.rank != 0)
        cli_quiet = 1;
    if (!cx.mpi && sp_sweep_comm_launched() && !strstr(sp_build_features(), "mpi"))
        cli_info("sweep: warning: this sigprop is built without MPI (-DSP_MPI=OFF): "
                 "every rank runs the whole sweep");

    unsigned char *done = calloc(w->npoints ? w->npoints : 1, 1);
    size_t ndone = 0;
    int fd = -1;
    if (!done) {
        rc = cli_fail("out of memory");
        sp_sweep_comm_abort(&cx);
        goto mpi_done;
    }
    if (cx.rank == 0) {
        if (out) {
            if (w->resume && access(out, F_OK) != 0) {
                rc = cli_fail("--resume: '%s' does not exist", out);
            } else {
                enum sp_status s = sp_sweep_open(out, w->header, w->npoints, w->keys,
                                                 w->settings, w->force, done, &ndone, &fd);
                if (s == SP_EINVAL)
                    rc = cli_usage(cmd, "-o: %s: a resume takes the same settings (or use "
                                   "--force to start afresh, or another -o)", sp_last_error());
                else if (s != SP_OK)
                    rc = cli_fail("%s%s", sp_last_error(),
                                  s == SP_EFORMAT ? " (use --force to overwrite it, or another -o)" : "");
            }
        } else {
            printf("%s\n", w->header);
        }
    }
    sp_sweep_comm_bcast(&cx, &rc, sizeof rc);
    if (!rc)
        sp_sweep_comm_bcast(&cx, done, w->npoints);
    if (rc)
        goto mpi_done;

    size_t npoints_todo = w->npoints - ndone, nfailed = 0;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    if (out && ndone)
        cli_info("sweep: resuming '%s': %zu of %zu grid points present, %zu to compute", out,
                 ndone, w->npoints, npoints_todo);
    cli_info("sweep: %s, %d thread(s)%s, %d MPI rank(s)", w->what, threads,
             cx.mpi ? " per rank" : "", cx.nranks);
    struct cli_progress pg;
    memset(&pg, 0, sizeof pg);
    if (cx.rank == 0)
        cli_progress_start(&pg, "sweep", npoints_todo);
    if (w->run(w->ctx, &cx, done, fd, fd >= 0 ? NULL : stdout,
               cx.rank == 0 ? on_progress : NULL, &pg, &nfailed) != SP_OK)
        rc = cli_fail("writing %s%s%s failed: %s", out ? "'" : "", out ? out : "stdout",
                      out ? "'" : "", sp_last_error());
    if (cx.rank == 0) {
        cli_progress_finish(&pg);
        if (!rc)
            cli_info("sweep: %zu grid points written%s%s", npoints_todo, out ? " to " : "",
                     out ? out : "");
        if (!rc && nfailed)
            rc = cli_fail("%zu of %zu grid points failed (their status column says why)",
                          nfailed, npoints_todo);
    }
mpi_done:
    if (fd >= 0)
        close(fd);
    free(done);
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
    struct grid g;
    memset(&g, 0, sizeof g);
    struct cli_measure cm;
    cli_measure_init(&cm);
    int mode = 0, resume = 0, force = 0, batch = 0, rc = 0, first;
    cli_arch_init(&ca);
#define AXIS(K, KIND, NAME, LO, HI, HELP)                                                  \
    {.kind = KIND, .name = NAME, .arg = "LIST", .dest = &g.ax[K], .lo = LO, .hi = HI,      \
     .seen = &g.given[K], .help = HELP}
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_CALL, .name = "norm", .arg = "LIST", .call = cli_norm_list,
         .ctx = &g.ax[AX_NORM], .seen = &g.given[AX_NORM],
         .help = "ln, derf, dyt, none (a list of names)"},
        AXIS(AX_ALPHA, CLI_OPT_LIST, "alpha", 1e-6, 1e3,
             "Derf/DyT alpha (not iterated for norms without alpha:\n"
             "those get one row with alpha = nan)"),
        AXIS(AX_DEPTH, CLI_OPT_INTEGRAL_LIST, "depth", 1, 1000000,
             "depths; all depths of a configuration come from one run\n"
             "to the largest (J^{l,0} does not depend on blocks above l)"),
        AXIS(AX_WIDTH, CLI_OPT_INTEGRAL_LIST, "width", 1, 1000000,
             "widths d (sigmas follow through --init-std unless a preset\n"
             "or --sigma-* fixes them: blog2 does)"),
        AXIS(AX_INIT_STD, CLI_OPT_LIST, "init-std", 1e-8, 10,
             "timm-style init std (sigma_X = std sqrt(fan_in))"),
        AXIS(AX_TOKENS, CLI_OPT_INTEGRAL_LIST, "tokens", 1, 1000000, "tokens n"),
        AXIS(AX_Q0, CLI_OPT_LIST, "q0", 1e-12, 1e12, "input statistics: the token norm q0"),
        AXIS(AX_P0, CLI_OPT_LIST, "p0", -1e12, 1e12, "and the overlap p0"),
        AXIS(AX_SIGMA_W, CLI_OPT_LIST, "sigma-w", 0, 1e6, "toy network sigma_w (--model toy)"),
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
    g.nopts = cm.o;
    g.nopts.measure = SP_MEASURE_FWD;
    g.theory = mode != 1;  /* theory, both */
    g.measure = mode >= 1; /* measure, both */
    for (int k = 0; k < NAX; k++)
        if (!g.given[k]) {
            g.ax[k].n = 1;
            if (!(g.ax[k].v = malloc(sizeof(double)))) {
                rc = cli_fail("out of memory");
                goto done;
            }
            g.ax[k].v[0] = NAN;
        }
    /* depths: the grid's, or the preset/default one */
    g.ndepth = g.ax[AX_DEPTH].n;
    g.depths = malloc(g.ndepth * sizeof *g.depths);
    if (!g.depths) {
        rc = cli_fail("out of memory");
        goto done;
    }
    if (g.given[AX_DEPTH]) {
        for (size_t i = 0; i < g.ndepth; i++)
            g.depths[i] = (int)g.ax[AX_DEPTH].v[i];
    } else {
        struct sp_arch a0;
        struct sp_theory_opts o0;
        struct cli_arch cc = ca;
        cc.nalpha = 0;
        cc.alphas = NULL;
        if (g.given[AX_NORM]) {
            cc.has_norm = 1;
            cc.norm = (enum sp_fn)(int)g.ax[AX_NORM].v[0];
        }
        if ((rc = cli_arch_build(&cc, cmd, NAN, &a0, &o0)))
            goto done;
        g.depths[0] = a0.depth;
    }
    if ((rc = grid_build(&g, &ca, cmd)))
        goto done;
    if (g.measure) {
        /* every configuration must be measurable before anything runs (as in
         * 'sigprop measure': inputs, tokens vs width, memory) */
        cm.o = g.nopts;
        for (size_t t = 0; t < g.ntasks; t++) {
            if ((rc = cli_measure_check(cmd, &g.tasks[t].a, &cm)) != 0) {
                char *names = sp_sweep_header(g.theory, 1, 1);
                fprintf(stderr, "sigprop: sweep: the grid point that cannot be measured: "
                                "i = %zu, depths up to %d (%s = %s)\n",
                        g.tasks[t].first, g.tasks[t].a.depth, names ? names : "key",
                        g.keys[g.tasks[t].first]);
                free(names);
                goto done;
            }
        }
    }

    char what[160];
    snprintf(what, sizeof what, "%zu grid points (%zu configurations x %zu depths)", g.npoints,
             g.ntasks, g.ndepth);
    struct sp_sweep_plan plan = {g.tasks, g.ntasks, g.depths, g.ndepth, g.theory,
                                 g.measure ? &g.nopts : NULL, (const char *const *)g.keys};
    char *header = sp_sweep_header(g.theory, g.measure, 0);
    if (!header) {
        rc = cli_fail("out of memory");
        goto done;
    }
    struct cli_sweep_out w = {out, resume, force, header, g.npoints, (const char *const *)g.keys,
                              settings_mask(&g), what, run_grid, &(struct grid_run){&plan, batch}};
    rc = cli_sweep_write(cmd, &w);
    free(header);
done:
    grid_free(&g);
    cli_measure_free(&cm);
    cli_arch_free(&ca);
    return rc;
}
