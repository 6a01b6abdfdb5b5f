/* sigprop sweep --mode train: the stability map. Parses the grid (alpha, warmup,
 * lr, norm, depth) and the trainer's flags (defaults those of `sigprop train`),
 * builds one (config, options) pair per grid point, loads Fashion-MNIST and hands
 * the rest to the library (sp_sweep_train_*: the runs, the prediction, the
 * measurement) through the sweep's shared output path (cli_sweep_write: the
 * locked resumable file, MPI, progress). At the end of a run written to a file,
 * the stability summary of the whole file (sp_stability_summary) on stderr. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "sigprop/train.h"

static const char head[] =
    "Usage: sigprop sweep --mode train [grid flags] [model and optimiser flags] [options]\n\n"
    "The stability map: one training run of the Fashion-MNIST ViT ('sigprop train')\n"
    "per grid point, its outcome (final test accuracy and loss, diverged, the step\n"
    "it diverged at, steps done) beside the mean-field prediction for the same\n"
    "architecture (J^{L,0}, lambda, phase: version C, tokens = the ViT's token\n"
    "count; the alpha 'sigprop alpha --match-preln' recommends for that shape) and\n"
    "J^{L,0} measured on the run's own initial weights (equiangular inputs, not\n"
    "images). With -o FILE the map is resumable (a run is the unit: an interrupted\n"
    "run is redone) and the stability summary (Spearman rank correlation between\n"
    "logJ_L0_pred and eval_acc; the recommended alpha against the grid's norm without\n"
    "alpha, pre-LN or else RMSNorm) is printed.\n\n"
    "Grid flags (each a value, a comma list a,b,c or start:stop:step):\n";

static const char tail[] =
    "\nColumns: i, model, norm, alpha, alpha_attn, alpha_mlp, depth, width, tokens,\n"
    "heads, kv_heads, mlp, mask, seed, version (the records schema), rope_theta\n"
    "(0: no RoPE), rope_pairing (none, interleaved, half), lr, warmup,\n"
    "steps, batch, schedule, weight_decay, clip, diverge_factor, train_images,\n"
    "eval_images, seeds, probes (settings), J_L0_pred, logJ_L0_pred, lambda, phase,\n"
    "alpha_rec (prediction), J_L0_measured, J_L0_se (measured at init), init_loss,\n"
    "eval_loss, eval_acc, diverged, diverged_step, steps_done (outcome; a diverged\n"
    "run is evaluated where it stopped), status.\n\n"
    "Example (docs/train.md, 'The stability map'):\n"
    "  sigprop sweep --mode train --norm dyt --alpha 0.1,0.5,1,2 --warmup 0,100 \\\n"
    "      --lr 3e-3 --width 32 --steps 300 --train-max 10000 --eval-max 2000 -o map.csv\n";

/* The defaults of the grid axes: those of 'sigprop train'. */
static void grid_defaults(FILE *f)
{
    struct cli_train d;
    cli_train_init(&d);
    fprintf(f, "%24s(defaults: norm %s, alpha %g, warmup %ld or a tenth of\n"
               "%24s--steps when that is shorter, lr %g, depth %d)\n", "",
            sp_fn_name(d.s.c.norm_mlp.kind), d.s.c.norm_mlp.alpha, d.s.o.warmup, "", d.s.o.lr,
            d.s.c.depth);
}

static int opt_mode(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    (void)ctx;
    return strcmp(arg, "train") ? cli_usage(cmd, "%s: given twice ('train' and '%s')", flag, arg)
                                : 0;
}

/* Grid axes, slowest first; alpha varies fastest. */
enum { G_NORM, G_DEPTH, G_LR, G_WARMUP, G_ALPHA, G_NAX };
static const char *const g_flag[G_NAX] = {"--norm", "--depth", "--lr", "--warmup", "--alpha"};
/* their key fields (sp_sweep_train_header(1)): norm 1, alpha 2-4, depth 5, lr 14, warmup 15 */
static uint64_t settings_of(const struct cli_list *ax)
{
    uint64_t m = ~(uint64_t)0;
    if (ax[G_NORM].n > 1) m &= ~((uint64_t)1 << 1);
    if (ax[G_ALPHA].n > 1) m &= ~((uint64_t)7 << 2);
    if (ax[G_DEPTH].n > 1) m &= ~((uint64_t)1 << 5);
    if (ax[G_LR].n > 1) m &= ~((uint64_t)1 << 14);
    if (ax[G_WARMUP].n > 1) m &= ~((uint64_t)1 << 15);
    return m;
}

struct train_grid {
    struct sp_sweep_train_plan plan;
    struct sp_vit_config *configs;
    struct sp_train_opts *opts;
};

static enum sp_status run_train(void *ctx, const struct sp_sweep_comm *c,
                                const unsigned char *done, int fd, FILE *stream,
                                void (*progress)(void *, size_t, size_t), void *pctx,
                                size_t *nfailed)
{
    const struct train_grid *g = ctx;
    return sp_sweep_train_run(&g->plan, c, done, fd, stream, progress, pctx, nfailed);
}

static void print_summary(const char *path)
{
    FILE *f = fopen(path, "r");
    struct sp_table *t = NULL;
    char err[256];
    if (!f || sp_table_read_csv(f, &t, err, sizeof err) != SP_OK) {
        if (f)
            fclose(f);
        cli_info("sweep: the stability summary: cannot read '%s' back", path);
        return;
    }
    fclose(f);
    struct sp_stability st;
    if (sp_stability_summary(t, &st) == SP_OK) {
        cli_info("sweep: stability summary of '%s': %zu runs, %zu diverged; Spearman rank "
                 "correlation of logJ_L0_pred and eval_acc rho = %.3f over %zu runs",
                 path, st.rows, st.diverged, st.rho, st.n);
        if (isfinite(st.rec_alpha))
            cli_info("sweep: recommended alpha (match pre-LN) %.4g; nearest grid alpha %.4g: "
                     "mean eval_acc %.4f vs %s (the grid's norm without alpha) %.4f over %zu "
                     "(lr, warmup, depth) pairs",
                     st.rec_alpha, st.grid_alpha, st.rec_acc, st.ref_label, st.preln_acc,
                     st.pairs);
    }
    sp_table_free(t);
}

int cmd_sweep_train(int argc, char **argv)
{
    const char *cmd = "sweep", *out = NULL, *data = SP_FASHION_MNIST_DIR;
    struct cli_train ct;
    cli_train_init(&ct);
    struct sp_vit_config c0;
    struct sp_train_opts o0;
    struct sp_net_opts mo;
    sp_net_opts_default(&mo);
    struct cli_list ax[G_NAX] = {{0}};
    int rc = 0, first, resume = 0, force = 0, threads = 0, no_measure = 0;
    struct train_grid g;
    memset(&g, 0, sizeof g);
    struct sp_dataset tr = {0}, te = {0};
    char **keys = NULL;
    size_t npoints = 0;
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_CALL, .name = "mode", .call = opt_mode},
        {.kind = CLI_OPT_CALL, .name = "norm", .arg = "LIST", .call = cli_norm_list,
         .ctx = &ax[G_NORM], .help = "ln, rms, dyt, derf (every norm of the block and the final one)"},
        {.kind = CLI_OPT_LIST, .name = "alpha", .arg = "LIST", .dest = &ax[G_ALPHA], .lo = 1e-6,
         .hi = 1e6, .help = "initial DyT/Derf alpha (LayerNorm rows: one, alpha = nan)"},
        {.kind = CLI_OPT_INTEGRAL_LIST, .name = "warmup", .arg = "LIST", .dest = &ax[G_WARMUP],
         .lo = 0, .hi = 100000000,
         .help = "linear warmup steps"},
        {.kind = CLI_OPT_LIST, .name = "lr", .arg = "LIST", .dest = &ax[G_LR], .lo = 1e-12,
         .hi = 10, .help = "peak learning rate"},
        {.kind = CLI_OPT_INTEGRAL_LIST, .name = "depth", .arg = "LIST", .dest = &ax[G_DEPTH],
         .lo = 1, .hi = 1024, .help = "blocks L"},
        {.kind = CLI_OPT_TEXTFN, .text = grid_defaults},
        {.kind = CLI_OPT_TEXT,
         .help = "Model and optimiser (one value each; defaults those of 'sigprop train'):\n"},
        CLI_OPT_TRAIN_KEYS(&ct, SP_TRAINKEY_MODEL),
        CLI_OPT_TRAIN_KEYS(&ct, SP_TRAINKEY_OPTIM),
        {.kind = CLI_OPT_TEXT, .help = "Data and measurement:\n"},
        {.kind = CLI_OPT_STRING, .name = "data", .arg = "DIR", .dest = &data,
         .help = "Fashion-MNIST IDX .gz files (default %v)"},
        CLI_OPT_TRAIN_DATA(&ct),
        {.kind = CLI_OPT_INT, .name = "seeds", .arg = "K", .dest = &mo.seeds, .lo = 1,
         .hi = 1000, .help = "the measurement at initialisation: draws (default %v)"},
        {.kind = CLI_OPT_INT, .name = "probes", .arg = "P", .dest = &mo.probes, .lo = 1,
         .hi = 1000, .help = "and probes per draw (default %v)"},
        {.kind = CLI_OPT_FLAG, .name = "no-measure", .dest = &no_measure,
         .help = "skip it (J_L0_measured, J_L0_se nan)"},
        {.kind = CLI_OPT_TEXT, .help = "Options:\n"},
        {.kind = CLI_OPT_INT, .name = "threads", .arg = "N", .dest = &threads, .lo = 1,
         .hi = 4096, .help = "OpenMP threads of each run (same bits at any count)"},
        {.kind = CLI_OPT_STRING, .name = "output", .key = 'o', .arg = "FILE", .dest = &out,
         .help = "write to FILE, resumably (default stdout)"},
        {.kind = CLI_OPT_FLAG, .name = "resume", .dest = &resume, .help = "as in 'sigprop sweep'"},
        {.kind = CLI_OPT_FLAG, .name = "force", .dest = &force, .help = "as in 'sigprop sweep'"},
        CLI_OPT_QUIET_HELP("no messages or progress bar"),
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_END}};
    const struct cli_cmd spec = {"sweep", head, tail, table, 0};
    if (cli_parse_stop(&spec, argc, argv, &first, &rc))
        goto done;
    /* the model and optimiser keys, resolved once; the grid's points are checked below */
    if (sp_trainspec_build(&ct.s, 0, &c0, &o0) != SP_OK) {
        rc = cli_usage(cmd, "%s", sp_last_error());
        goto done;
    }
    o0.eval_max = (size_t)ct.eval_max;
    const int measure = !no_measure;
    if ((rc = cli_sweep_check_out(cmd, &out, resume, force)) != 0)
        goto done;
    /* axes not given: one value, the trainer's default */
    const double defaults[G_NAX] = {(double)c0.norm_mlp.kind, c0.depth, o0.lr, NAN,
                                    c0.norm_mlp.alpha};
    for (int k = 0; k < G_NAX; k++) {
        for (size_t i = 0; i < ax[k].n; i++)
            for (size_t j = i + 1; j < ax[k].n; j++)
                if (ax[k].v[i] == ax[k].v[j]) {
                    rc = cli_usage(cmd, "%s: %g is given twice (it would write identical rows)",
                                   g_flag[k], ax[k].v[i]);
                    goto done;
                }
        if (!ax[k].v) {
            if (!(ax[k].v = malloc(sizeof(double)))) {
                rc = cli_fail("out of memory");
                goto done;
            }
            ax[k].v[0] = defaults[k];
            ax[k].n = 1;
        }
    }
    size_t total = 1;
    for (int k = 0; k < G_NAX; k++)
        total *= ax[k].n;
    if (total > 100000) {
        rc = cli_usage(cmd, "the map has %zu runs: at most 100000 (split it)", total);
        goto done;
    }
    g.configs = malloc(total * sizeof *g.configs);
    g.opts = malloc(total * sizeof *g.opts);
    if (!g.configs || !g.opts) {
        rc = cli_fail("out of memory");
        goto done;
    }
    for (size_t idx = 0; idx < total; idx++) {
        size_t co[G_NAX], rem = idx;
        for (int k = G_NAX; k-- > 0;) {
            co[k] = rem % ax[k].n;
            rem /= ax[k].n;
        }
        struct sp_vit_config c = c0;
        struct sp_train_opts o = o0;
        enum sp_fn f = (enum sp_fn)(int)ax[G_NORM].v[co[G_NORM]];
        c.norm_attn.kind = c.norm_mlp.kind = c.norm_final.kind = f;
        int has_alpha = f == SP_FN_DYT || f == SP_FN_DERF;
        if (!has_alpha && co[G_ALPHA] > 0)
            continue; /* LayerNorm and RMSNorm have no alpha: one row */
        if (has_alpha)
            c.norm_attn.alpha = c.norm_mlp.alpha = c.norm_final.alpha = ax[G_ALPHA].v[co[G_ALPHA]];
        c.depth = (int)ax[G_DEPTH].v[co[G_DEPTH]];
        o.lr = ax[G_LR].v[co[G_LR]];
        if (isnan(ax[G_WARMUP].v[co[G_WARMUP]]))
            o.warmup = o.warmup > o.steps ? o.steps / 10 : o.warmup;
        else
            o.warmup = (long)ax[G_WARMUP].v[co[G_WARMUP]];
        if (sp_vit_config_check(&c) != SP_OK || sp_train_opts_check(&o) != SP_OK) {
            rc = cli_usage(cmd, "%s", sp_last_error());
            goto done;
        }
        g.configs[npoints] = c;
        g.opts[npoints] = o;
        npoints++;
    }
    if (threads > 0) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        mo.threads = threads;
    }
    enum sp_status s = sp_fmnist_load(data, ct.train_max, &tr, &te);
    if (s != SP_OK) {
        rc = s == SP_ENOMEM || s == SP_EIO ? cli_fail("%s", sp_last_error())
                                           : cli_usage(cmd, "%s", sp_last_error());
        goto done;
    }
    for (size_t i = 0; i < npoints; i++)
        if ((size_t)g.opts[i].batch > tr.n) {
            rc = cli_usage(cmd, "--batch %d is larger than the %zu training images",
                           g.opts[i].batch, tr.n);
            goto done;
        }
    g.plan = (struct sp_sweep_train_plan){g.configs, g.opts, npoints, &tr, &te,
                                          measure ? &mo : NULL, NULL};
    if (sp_sweep_train_keys(&g.plan, &keys) != SP_OK) {
        rc = cli_usage(cmd, "%s", sp_last_error());
        goto done;
    }
    g.plan.keys = (const char *const *)keys;
    /* the theory's caveats, as 'sigprop theory' prints them (first point's shape) */
    struct sp_arch a0;
    struct sp_theory_opts to;
    sp_theory_opts_version_c(&to);
    if (sp_sweep_train_arch(&g.configs[0], &a0) == SP_OK)
        cli_caveats(&a0, &to, 1, NULL);
    char *header = sp_sweep_train_header(0), what[200];
    if (!header) {
        rc = cli_fail("out of memory");
        goto done;
    }
    snprintf(what, sizeof what, "%zu training runs (ViT d=%d, %ld steps of %d, %zu train / %zu "
             "test images)", npoints, c0.width, o0.steps, o0.batch, tr.n,
             o0.eval_max && o0.eval_max < te.n ? o0.eval_max : te.n);
    struct cli_sweep_out w = {out, resume, force, header, npoints, (const char *const *)keys,
                              settings_of(ax), what, run_train, &g};
    rc = cli_sweep_write(cmd, &w);
    free(header);
    if (out && rc == 0 && !cli_quiet)
        print_summary(out);
done:
    for (int k = 0; k < G_NAX; k++)
        free(ax[k].v);
    sp_sweep_keys_free(keys, npoints);
    free(g.configs);
    free(g.opts);
    sp_dataset_free(&tr);
    sp_dataset_free(&te);
    return rc;
}
