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

enum {
    T_MODE = 1000, T_ALPHA, T_WARMUP, T_LR, T_NORM, T_DEPTH, T_WIDTH, T_HEADS, T_MLP_RATIO, T_ACT,
    T_POOL, T_PATCH, T_INIT_STD, T_STEPS, T_BATCH, T_SCHEDULE, T_WD, T_CLIP, T_DIVERGE,
    T_EVAL_MAX, T_TRAIN_MAX, T_SEED, T_DATA, T_SEEDS, T_PROBES, T_NO_MEASURE, T_THREADS,
    T_RESUME, T_FORCE
};

static const struct option longopts[] = {
    {"mode", required_argument, 0, T_MODE},
    {"alpha", required_argument, 0, T_ALPHA},
    {"warmup", required_argument, 0, T_WARMUP},
    {"lr", required_argument, 0, T_LR},
    {"norm", required_argument, 0, T_NORM},
    {"depth", required_argument, 0, T_DEPTH},
    {"width", required_argument, 0, T_WIDTH},
    {"heads", required_argument, 0, T_HEADS},
    {"mlp-ratio", required_argument, 0, T_MLP_RATIO},
    {"activation", required_argument, 0, T_ACT},
    {"pool", required_argument, 0, T_POOL},
    {"patch", required_argument, 0, T_PATCH},
    {"init-std", required_argument, 0, T_INIT_STD},
    {"steps", required_argument, 0, T_STEPS},
    {"batch", required_argument, 0, T_BATCH},
    {"schedule", required_argument, 0, T_SCHEDULE},
    {"weight-decay", required_argument, 0, T_WD},
    {"clip", required_argument, 0, T_CLIP},
    {"diverge-factor", required_argument, 0, T_DIVERGE},
    {"eval-max", required_argument, 0, T_EVAL_MAX},
    {"train-max", required_argument, 0, T_TRAIN_MAX},
    {"seed", required_argument, 0, T_SEED},
    {"data", required_argument, 0, T_DATA},
    {"seeds", required_argument, 0, T_SEEDS},
    {"probes", required_argument, 0, T_PROBES},
    {"no-measure", no_argument, 0, T_NO_MEASURE},
    {"threads", required_argument, 0, T_THREADS},
    {"resume", no_argument, 0, T_RESUME},
    {"force", no_argument, 0, T_FORCE},
    {"output", required_argument, 0, 'o'},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void help(void)
{
    printf(
        "Usage: sigprop sweep --mode train [grid flags] [model and optimiser flags] [options]\n\n"
        "The stability map: one training run of the Fashion-MNIST ViT ('sigprop train')\n"
        "per grid point, its outcome (final test accuracy and loss, diverged, the step\n"
        "it diverged at, steps done) beside the mean-field prediction for the same\n"
        "architecture (J^{L,0}, lambda, phase: version C, tokens = the ViT's token\n"
        "count; the alpha 'sigprop alpha --match-preln' recommends for that shape) and\n"
        "J^{L,0} measured on the run's own initial weights (equiangular inputs, not\n"
        "images). With -o FILE the map is resumable (a run is the unit: an interrupted\n"
        "run is redone) and the stability summary (Spearman rank correlation between\n"
        "logJ_L0_pred and eval_acc; the recommended alpha against pre-LN) is printed.\n\n"
        "Grid flags (each a value, a comma list a,b,c or start:stop:step):\n"
        "  --norm LIST        ln, dyt, derf (every norm of the block and the final one)\n"
        "  --alpha LIST       initial DyT/Derf alpha (LayerNorm rows: one, alpha = nan)\n"
        "  --warmup LIST      linear warmup steps (default 50, a tenth of --steps when\n"
        "                     that is shorter)\n"
        "  --lr LIST          peak learning rate (default 1e-3)\n"
        "  --depth LIST       blocks L (default 4)\n"
        "Model and optimiser (one value each; defaults those of 'sigprop train'):\n"
        "  --width D --heads H --mlp-ratio R --activation gelu|relu --pool cls|mean\n"
        "  --patch P --init-std S --steps N --batch B --schedule cosine|constant\n"
        "  --weight-decay W --clip C --diverge-factor F --seed S (weights and batches)\n"
        "Data and measurement:\n"
        "  --data DIR         Fashion-MNIST IDX .gz files (default %s)\n"
        "  --train-max N      train on the first N images (default all 60000)\n"
        "  --eval-max N       evaluate on the first N test images (default all 10000)\n"
        "  --seeds K --probes P  the measurement at initialisation (default 1, 4)\n"
        "  --no-measure       skip it (J_L0_measured, J_L0_se nan)\n"
        "Options:\n"
        "  --threads N        OpenMP threads of each run (same bits at any count)\n"
        "  -o, --output FILE  write to FILE, resumably (default stdout)\n"
        "  --resume, --force  as in 'sigprop sweep'\n"
        "  -q, --quiet        no messages or progress bar\n\n"
        "Columns: i, model, norm, alpha, alpha_attn, alpha_mlp, depth, width, tokens,\n"
        "heads, kv_heads, mlp, mask, seed, version (the records schema), lr, warmup,\n"
        "steps, batch, schedule, weight_decay, clip, diverge_factor, train_images,\n"
        "eval_images, seeds, probes (settings), J_L0_pred, logJ_L0_pred, lambda, phase,\n"
        "alpha_rec (prediction), J_L0_measured, J_L0_se (measured at init), init_loss,\n"
        "eval_loss, eval_acc, diverged, diverged_step, steps_done (outcome; a diverged\n"
        "run is evaluated where it stopped), status.\n\n"
        "Example (docs/train.md, 'The stability map'):\n"
        "  sigprop sweep --mode train --norm dyt --alpha 0.1,0.5,1,2 --warmup 0,100 \\\n"
        "      --lr 3e-3 --width 32 --steps 300 --train-max 10000 --eval-max 2000 -o map.csv\n",
        SP_FASHION_MNIST_DIR);
}

/* Grid axes, slowest first; alpha varies fastest. */
enum { G_NORM, G_DEPTH, G_LR, G_WARMUP, G_ALPHA, G_NAX };
static const char *const g_flag[G_NAX] = {"--norm", "--depth", "--lr", "--warmup", "--alpha"};
/* their key fields (sp_sweep_train_header(1)): norm 1, alpha 2-4, depth 5, lr 14, warmup 15 */
static uint64_t settings_of(const size_t *n)
{
    uint64_t m = ~(uint64_t)0;
    if (n[G_NORM] > 1) m &= ~((uint64_t)1 << 1);
    if (n[G_ALPHA] > 1) m &= ~((uint64_t)7 << 2);
    if (n[G_DEPTH] > 1) m &= ~((uint64_t)1 << 5);
    if (n[G_LR] > 1) m &= ~((uint64_t)1 << 14);
    if (n[G_WARMUP] > 1) m &= ~((uint64_t)1 << 15);
    return m;
}

static int parse_norms(const char *cmd, const char *s, double **v, size_t *n)
{
    char *copy = strdup(s), *save = NULL;
    size_t cnt = 1;
    for (const char *p = s; *p; p++)
        cnt += *p == ',';
    double *out = malloc(cnt * sizeof *out);
    if (!copy || !out) {
        free(copy);
        free(out);
        return cli_fail("out of memory");
    }
    size_t k = 0;
    int rc = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        enum sp_fn f;
        if (sp_fn_parse(tok, &f) != 0 || (f != SP_FN_LN && f != SP_FN_DYT && f != SP_FN_DERF))
            rc = cli_usage(cmd, "--norm: '%s' is not one of ln, dyt, derf", tok);
        else
            out[k++] = (double)f;
    }
    if (!rc && k != cnt)
        rc = cli_usage(cmd, "--norm: empty element in '%s'", s);
    free(copy);
    if (rc) {
        free(out);
        return rc;
    }
    *v = out;
    *n = k;
    return 0;
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

static enum sp_status load_split(const char *dir, const char *prefix, struct sp_dataset *d)
{
    char im[4096], lb[4096];
    snprintf(im, sizeof im, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lb, sizeof lb, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    return sp_dataset_load(im, lb, 10, d);
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
                     "mean eval_acc %.4f vs pre-LN %.4f over %zu (lr, warmup, depth) pairs",
                     st.rec_alpha, st.grid_alpha, st.rec_acc, st.preln_acc, st.pairs);
    }
    sp_table_free(t);
}

int cmd_sweep_train(int argc, char **argv)
{
    const char *cmd = "sweep", *out = NULL, *data = SP_FASHION_MNIST_DIR;
    struct sp_vit_config c0;
    struct sp_train_opts o0;
    struct sp_net_opts mo;
    sp_vit_config_default(&c0);
    sp_train_opts_default(&o0);
    sp_net_opts_default(&mo);
    double *v[G_NAX] = {0};
    size_t n[G_NAX] = {0};
    int rc = 0, opt, resume = 0, force = 0, threads = 0, measure = 1, ival;
    size_t train_max = 0;
    struct train_grid g;
    memset(&g, 0, sizeof g);
    struct sp_dataset tr = {0}, te = {0};
    char **keys = NULL;
    size_t npoints = 0;
    optind = 1;
    opterr = 0;
    while (rc == 0 && (opt = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        int ax = -1;
        switch (opt) {
        case T_MODE:
            if (strcmp(optarg, "train") != 0)
                rc = cli_usage(cmd, "--mode: given twice ('train' and '%s')", optarg);
            break;
        case T_NORM: ax = G_NORM; break;
        case T_DEPTH: ax = G_DEPTH; break;
        case T_LR: ax = G_LR; break;
        case T_WARMUP: ax = G_WARMUP; break;
        case T_ALPHA: ax = G_ALPHA; break;
        case T_WIDTH: rc = cli_parse_int(cmd, "--width", optarg, 1, 65536, &c0.width); break;
        case T_HEADS: rc = cli_parse_int(cmd, "--heads", optarg, 1, 65536, &c0.heads); break;
        case T_MLP_RATIO: rc = cli_parse_int(cmd, "--mlp-ratio", optarg, 1, 64, &c0.mlp_ratio); break;
        case T_ACT:
            if (sp_act_parse(optarg, &c0.act) != 0 || c0.act == SP_ACT_SWIGLU)
                rc = cli_usage(cmd, "--activation: '%s' is not relu or gelu", optarg);
            break;
        case T_POOL:
            if (!strcmp(optarg, "cls"))
                c0.pool = SP_POOL_CLS;
            else if (!strcmp(optarg, "mean"))
                c0.pool = SP_POOL_MEAN;
            else
                rc = cli_usage(cmd, "--pool: '%s' is not cls or mean", optarg);
            break;
        case T_PATCH: rc = cli_parse_int(cmd, "--patch", optarg, 1, 28, &c0.patch); break;
        case T_INIT_STD: rc = cli_parse_double(cmd, "--init-std", optarg, 1e-9, 10, &c0.init_std); break;
        case T_STEPS:
            rc = cli_parse_int(cmd, "--steps", optarg, 1, 100000000, &ival);
            o0.steps = ival;
            break;
        case T_BATCH: rc = cli_parse_int(cmd, "--batch", optarg, 1, 65536, &o0.batch); break;
        case T_SCHEDULE:
            if (!strcmp(optarg, "constant"))
                o0.schedule = SP_LR_CONSTANT;
            else if (!strcmp(optarg, "cosine"))
                o0.schedule = SP_LR_COSINE;
            else
                rc = cli_usage(cmd, "--schedule: '%s' is not constant or cosine", optarg);
            break;
        case T_WD: rc = cli_parse_double(cmd, "--weight-decay", optarg, 0, 9, &o0.weight_decay); break;
        case T_CLIP: rc = cli_parse_double(cmd, "--clip", optarg, 0, 1e30, &o0.clip); break;
        case T_DIVERGE:
            rc = cli_parse_double(cmd, "--diverge-factor", optarg, 0, 1e30, &o0.diverge_factor);
            if (rc == 0 && o0.diverge_factor != 0 && o0.diverge_factor <= 1)
                rc = cli_usage(cmd, "--diverge-factor: %g must be > 1 (or 0: non-finite only)",
                               o0.diverge_factor);
            break;
        case T_EVAL_MAX:
            rc = cli_parse_int(cmd, "--eval-max", optarg, 0, 100000000, &ival);
            o0.eval_max = (size_t)ival;
            break;
        case T_TRAIN_MAX:
            rc = cli_parse_int(cmd, "--train-max", optarg, 0, 100000000, &ival);
            train_max = (size_t)ival;
            break;
        case T_SEED: rc = cli_parse_u64(cmd, "--seed", optarg, UINT64_MAX, &o0.seed); break;
        case T_DATA: data = optarg; break;
        case T_SEEDS: rc = cli_parse_int(cmd, "--seeds", optarg, 1, 1000, &mo.seeds); break;
        case T_PROBES: rc = cli_parse_int(cmd, "--probes", optarg, 1, 1000, &mo.probes); break;
        case T_NO_MEASURE: measure = 0; break;
        case T_THREADS: rc = cli_parse_int(cmd, "--threads", optarg, 1, 4096, &threads); break;
        case T_RESUME: resume = 1; break;
        case T_FORCE: force = 1; break;
        case 'o': out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': help(); goto done;
        default: rc = cli_bad_option(cmd, argc, argv); break;
        }
        if (rc == 0 && ax >= 0) {
            free(v[ax]);
            v[ax] = NULL;
            switch (ax) {
            case G_NORM: rc = parse_norms(cmd, optarg, &v[ax], &n[ax]); break;
            case G_DEPTH: rc = cli_parse_list_integral(cmd, "--depth", optarg, 1, 1024, &v[ax], &n[ax]); break;
            case G_LR: rc = cli_parse_list(cmd, "--lr", optarg, 1e-12, 10, &v[ax], &n[ax]); break;
            case G_WARMUP: rc = cli_parse_list_integral(cmd, "--warmup", optarg, 0, 100000000, &v[ax], &n[ax]); break;
            case G_ALPHA: rc = cli_parse_list(cmd, "--alpha", optarg, 1e-6, 1e6, &v[ax], &n[ax]); break;
            }
        }
    }
    if (rc)
        goto done;
    if (optind < argc) {
        rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
        goto done;
    }
    if ((rc = cli_sweep_check_out(cmd, &out, resume, force)) != 0)
        goto done;
    /* axes not given: one value, the trainer's default */
    const double defaults[G_NAX] = {(double)c0.norm_mlp.kind, c0.depth, o0.lr, NAN,
                                    c0.norm_mlp.alpha};
    for (int k = 0; k < G_NAX; k++) {
        for (size_t i = 0; i < n[k]; i++)
            for (size_t j = i + 1; j < n[k]; j++)
                if (v[k][i] == v[k][j]) {
                    rc = cli_usage(cmd, "%s: %g is given twice (it would write identical rows)",
                                   g_flag[k], v[k][i]);
                    goto done;
                }
        if (!v[k]) {
            if (!(v[k] = malloc(sizeof(double)))) {
                rc = cli_fail("out of memory");
                goto done;
            }
            v[k][0] = defaults[k];
            n[k] = 1;
        }
    }
    size_t total = 1;
    for (int k = 0; k < G_NAX; k++)
        total *= n[k];
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
            co[k] = rem % n[k];
            rem /= n[k];
        }
        struct sp_vit_config c = c0;
        struct sp_train_opts o = o0;
        enum sp_fn f = (enum sp_fn)(int)v[G_NORM][co[G_NORM]];
        c.norm_attn.kind = c.norm_mlp.kind = c.norm_final.kind = f;
        if (f == SP_FN_LN && co[G_ALPHA] > 0)
            continue; /* LayerNorm has no alpha: one row */
        if (f != SP_FN_LN)
            c.norm_attn.alpha = c.norm_mlp.alpha = c.norm_final.alpha = v[G_ALPHA][co[G_ALPHA]];
        c.depth = (int)v[G_DEPTH][co[G_DEPTH]];
        o.lr = v[G_LR][co[G_LR]];
        if (isnan(v[G_WARMUP][co[G_WARMUP]]))
            o.warmup = o.warmup > o.steps ? o.steps / 10 : o.warmup;
        else
            o.warmup = (long)v[G_WARMUP][co[G_WARMUP]];
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
    enum sp_status s = load_split(data, "train", &tr);
    if (s == SP_OK)
        s = load_split(data, "t10k", &te);
    if (s != SP_OK) {
        rc = s == SP_ENOMEM || s == SP_EIO ? cli_fail("%s", sp_last_error())
                                           : cli_usage(cmd, "%s", sp_last_error());
        goto done;
    }
    if (train_max > 0 && train_max < tr.n)
        tr.n = train_max;
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
        cli_caveats(&a0, &to, 1, NULL, NULL, 0);
    char *header = sp_sweep_train_header(0), what[200];
    if (!header) {
        rc = cli_fail("out of memory");
        goto done;
    }
    snprintf(what, sizeof what, "%zu training runs (ViT d=%d, %ld steps of %d, %zu train / %zu "
             "test images)", npoints, c0.width, o0.steps, o0.batch, tr.n,
             o0.eval_max && o0.eval_max < te.n ? o0.eval_max : te.n);
    struct cli_sweep_out w = {out, resume, force, header, npoints, (const char *const *)keys,
                              settings_of(n), what, run_train, &g};
    rc = cli_sweep_write(cmd, &w);
    free(header);
    if (out && rc == 0 && !cli_quiet)
        print_summary(out);
done:
    for (int k = 0; k < G_NAX; k++)
        free(v[k]);
    sp_sweep_keys_free(keys, npoints);
    free(g.configs);
    free(g.opts);
    sp_dataset_free(&tr);
    sp_dataset_free(&te);
    return rc;
}
