/* sigprop sweep --mode train: the stability map. Parses the grid (alpha, warmup,
 * lr, norm, depth) and the trainer's flags (defaults those of `sigprop train`),
 * loads Fashion-MNIST and prints; the library builds the grid (sp_sweep_train_grid_*:
 * one validated (config, options) pair per point, the keys), runs it
 * (sp_sweep_train_run) through the sweep's shared output path (cli_sweep_write)
 * and, at the end of a run written to a file, gives the stability summary of the
 * whole file (sp_stability_summary_text) for stderr. */
#include <stdlib.h>
#include <string.h>

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

static void print_summary(const char *path)
{
    char *text = NULL;
    if (sp_stability_summary_text(path, &text) != SP_OK)
        cli_info("sweep: the stability summary: cannot read '%s' back", path);
    for (char *l = text, *e; l && (e = strchr(l, '\n')); l = e + 1)
        cli_info("sweep: %.*s", (int)(e - l), l);
    free(text);
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
    struct cli_list ax[SP_SWEEP_TRAIN_NAXES] = {{0}};
    int rc = 0, first, resume = 0, force = 0, threads = 0, no_measure = 0;
    struct sp_sweep_train_grid g;
    sp_sweep_train_grid_init(&g);
    struct sp_dataset tr = {0}, te = {0};
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_CALL, .name = "mode", .call = opt_mode},
        {.kind = CLI_OPT_NORM_LIST, .name = "norm", .arg = "LIST", .dest = &ax[SP_SWEEP_TRAIN_NORM],
         .help = "ln, rms, dyt, derf (every norm of the block and the final one)"},
        {.kind = CLI_OPT_LIST, .name = "alpha", .arg = "LIST", .dest = &ax[SP_SWEEP_TRAIN_ALPHA], .lo = 1e-6,
         .hi = 1e6, .help = "initial DyT/Derf alpha (LayerNorm rows: one, alpha = nan)"},
        {.kind = CLI_OPT_INTEGRAL_LIST, .name = "warmup", .arg = "LIST", .dest = &ax[SP_SWEEP_TRAIN_WARMUP],
         .lo = 0, .hi = 100000000,
         .help = "linear warmup steps"},
        {.kind = CLI_OPT_LIST, .name = "lr", .arg = "LIST", .dest = &ax[SP_SWEEP_TRAIN_LR], .lo = 1e-12,
         .hi = 10, .help = "peak learning rate"},
        {.kind = CLI_OPT_INTEGRAL_LIST, .name = "depth", .arg = "LIST", .dest = &ax[SP_SWEEP_TRAIN_DEPTH],
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
    for (int k = 0; k < SP_SWEEP_TRAIN_NAXES && !rc; k++)
        if (ax[k].n && sp_sweep_train_grid_axis(&g, k, ax[k].v, ax[k].n) != SP_OK)
            rc = cli_fail("%s", sp_last_error());
    enum sp_status s = SP_OK;
    if (!rc && (s = sp_sweep_train_grid_build(&g, &c0, &o0, SP_ARCHKEY_STYLE_FLAG)) != SP_OK)
        rc = s == SP_ENOMEM ? cli_fail("%s", sp_last_error()) : cli_usage(cmd, "%s", sp_last_error());
    if (rc)
        goto done;
    if (threads > 0) {
#ifdef _OPENMP
        omp_set_num_threads(threads);
#endif
        mo.threads = threads;
    }
    if ((s = sp_fmnist_load(data, ct.train_max, &tr, &te)) == SP_OK)
        s = sp_sweep_train_grid_keys(&g, &tr, &te, measure ? &mo : NULL, SP_ARCHKEY_STYLE_FLAG);
    if (s != SP_OK) {
        rc = s == SP_ENOMEM || s == SP_EIO ? cli_fail("%s", sp_last_error())
                                           : cli_usage(cmd, "%s", sp_last_error());
        goto done;
    }
    /* the theory's caveats, as 'sigprop theory' prints them (first point's shape) */
    struct sp_arch a0;
    struct sp_theory_opts to;
    sp_theory_opts_version_c(&to);
    if (sp_sweep_train_arch(&g.configs[0], &a0) == SP_OK)
        cli_caveats(&a0, &to, 1, NULL);
    char what[200];
    snprintf(what, sizeof what, "%zu training runs (ViT d=%d, %ld steps of %d, %zu train / %zu "
             "test images)", g.npoints, c0.width, o0.steps, o0.batch, tr.n,
             o0.eval_max && o0.eval_max < te.n ? o0.eval_max : te.n);
    struct sp_sweep_output w = {.path = out, .resume = resume, .force = force};
    sp_sweep_train_grid_output(&g, &w);
    rc = cli_sweep_write(cmd, &w, what);
    if (out && rc == 0 && !cli_quiet)
        print_summary(out);
done:
    for (int k = 0; k < SP_SWEEP_TRAIN_NAXES; k++)
        free(ax[k].v);
    sp_sweep_train_grid_free(&g);
    sp_dataset_free(&tr);
    sp_dataset_free(&te);
    return rc;
}
