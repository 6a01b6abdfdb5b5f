/* sigprop train: trains the small ViT of sigprop/train.h on Fashion-MNIST, or its
 * blocks as a causal character-level language model on the fortunes corpus, and writes
 * the per-step log. Parses flags, loads the data, calls the library, writes; the
 * model, the optimiser and the checkpoints are src/train/. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigprop/train.h"

enum {
    OPT_DATA = OPT_CMD_FIRST, OPT_TRAIN_MAX, OPT_EVAL_MAX, OPT_WIDTH_T, OPT_DEPTH_T, OPT_HEADS_T,
    OPT_MLP_RATIO_T, OPT_ACT_T, OPT_POOL, OPT_NORM_T, OPT_NORM_ATTN, OPT_NORM_MLP, OPT_NORM_FINAL,
    OPT_ALPHA_T, OPT_ALPHA_ATTN_T, OPT_ALPHA_MLP_T, OPT_ALPHA_FINAL, OPT_PATCH, OPT_INIT_STD_T,
    OPT_NORM_EPS_T, OPT_STEPS, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_MIN_LR, OPT_WARMUP,
    OPT_SCHEDULE, OPT_BETA1, OPT_BETA2, OPT_ADAM_EPS, OPT_WD, OPT_CLIP, OPT_EVAL_EVERY,
    OPT_DIVERGE, OPT_SEED_T, OPT_CONTEXT, OPT_THREADS_T, OPT_TASK, OPT_STOP_AT, OPT_CKPT, OPT_CKPT_EVERY, OPT_RESUME, OPT_FORMAT_T,
    OPT_MODEL_FIRST = OPT_WIDTH_T, OPT_MODEL_LAST = OPT_CONTEXT /* refused with --resume */
};

static const struct option longopts[] = {
    {"task", required_argument, 0, OPT_TASK},
    {"data", required_argument, 0, OPT_DATA},
    {"context", required_argument, 0, OPT_CONTEXT},
    {"train-max", required_argument, 0, OPT_TRAIN_MAX},
    {"eval-max", required_argument, 0, OPT_EVAL_MAX},
    {"width", required_argument, 0, OPT_WIDTH_T},
    {"depth", required_argument, 0, OPT_DEPTH_T},
    {"heads", required_argument, 0, OPT_HEADS_T},
    {"mlp-ratio", required_argument, 0, OPT_MLP_RATIO_T},
    {"activation", required_argument, 0, OPT_ACT_T},
    {"pool", required_argument, 0, OPT_POOL},
    {"norm", required_argument, 0, OPT_NORM_T},
    {"norm-attn", required_argument, 0, OPT_NORM_ATTN},
    {"norm-mlp", required_argument, 0, OPT_NORM_MLP},
    {"norm-final", required_argument, 0, OPT_NORM_FINAL},
    {"alpha", required_argument, 0, OPT_ALPHA_T},
    {"alpha-attn", required_argument, 0, OPT_ALPHA_ATTN_T},
    {"alpha-mlp", required_argument, 0, OPT_ALPHA_MLP_T},
    {"alpha-final", required_argument, 0, OPT_ALPHA_FINAL},
    {"patch", required_argument, 0, OPT_PATCH},
    {"init-std", required_argument, 0, OPT_INIT_STD_T},
    {"norm-eps", required_argument, 0, OPT_NORM_EPS_T},
    {"steps", required_argument, 0, OPT_STEPS},
    {"epochs", required_argument, 0, OPT_EPOCHS},
    {"batch", required_argument, 0, OPT_BATCH},
    {"lr", required_argument, 0, OPT_LR},
    {"min-lr", required_argument, 0, OPT_MIN_LR},
    {"warmup", required_argument, 0, OPT_WARMUP},
    {"schedule", required_argument, 0, OPT_SCHEDULE},
    {"beta1", required_argument, 0, OPT_BETA1},
    {"beta2", required_argument, 0, OPT_BETA2},
    {"adam-eps", required_argument, 0, OPT_ADAM_EPS},
    {"weight-decay", required_argument, 0, OPT_WD},
    {"clip", required_argument, 0, OPT_CLIP},
    {"eval-every", required_argument, 0, OPT_EVAL_EVERY},
    {"diverge-factor", required_argument, 0, OPT_DIVERGE},
    {"seed", required_argument, 0, OPT_SEED_T},
    {"threads", required_argument, 0, OPT_THREADS_T},
    {"stop-at", required_argument, 0, OPT_STOP_AT},
    {"checkpoint", required_argument, 0, OPT_CKPT},
    {"checkpoint-every", required_argument, 0, OPT_CKPT_EVERY},
    {"resume", required_argument, 0, OPT_RESUME},
    {"format", required_argument, 0, OPT_FORMAT_T},
    {"output", required_argument, 0, 'o'},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void help(const struct sp_vit_config *c, const struct sp_train_opts *o)
{
    printf("Usage: sigprop train [options]\n\n"
           "Trains a small vision transformer on Fashion-MNIST (Debian's dataset-fashion-mnist)\n"
           "with hand-written forward and backward passes and AdamW, and writes one log row per\n"
           "step. The model: %dx%d patches of the 28x28 image, a linear patch embedding, a CLS\n"
           "token or mean pooling, learned positions, L pre-norm blocks (softmax attention with\n"
           "H heads, MLP), a final norm and a linear head; cross-entropy. docs/train.md.\n"
           "With --task fortunes the same blocks form a causal character-level language model\n"
           "of the fortunes corpus (Debian's fortunes): a byte embedding table (256), learned\n"
           "positions, causal attention, the final norm and an untied head on every position;\n"
           "the loss is the mean next-byte cross-entropy over the windows of --context bytes.\n\n",
           c->patch, c->patch);
    printf("Data:\n"
           "  --task T            fmnist | fortunes (default fmnist)\n"
           "  --data PATH         fmnist: the directory of the four IDX .gz files (default %s);\n"
           "                      fortunes: a fortune file or a directory of them (default %s;\n"
           "                      *.dat and *.u8 skipped); records separated by '%%' lines,\n"
           "                      a tenth held out by a hash of each record\n"
           "  --train-max N       train on the first N training images (fortunes: bytes;\n"
           "                      default 0: all)\n"
           "  --eval-max N        evaluate on the first N test images (fortunes: held-out\n"
           "                      windows of --context bytes; default 0: all)\n\n",
           SP_FASHION_MNIST_DIR, SP_FORTUNES_DIR);
    printf("Model (refused with --resume: the checkpoint holds them):\n"
           "  --width D           (default %d)\n"
           "  --depth L           blocks (default %d)\n"
           "  --heads H           dividing D (default %d)\n"
           "  --mlp-ratio R       MLP hidden width / D (default %d)\n"
           "  --activation A      relu | gelu (erf form; default %s)\n"
           "  --pool P            cls | mean (default %s; fmnist)\n"
           "  --norm N            ln | dyt | derf for every norm (default %s); per side:\n"
           "  --norm-attn N, --norm-mlp N, --norm-final N\n"
           "  --alpha A           initial alpha of every DyT/Derf norm (learnable; default %g);\n"
           "  --alpha-attn A, --alpha-mlp A, --alpha-final A   per side\n"
           "  --patch P           patch side, dividing 28 (default %d; fmnist)\n"
           "  --context N         fortunes: bytes per window, the positions (default 64)\n"
           "  --init-std S        std of every weight matrix, CLS and positions (default %g)\n"
           "  --norm-eps E        LayerNorm epsilon (default %g)\n\n",
           c->width, c->depth, c->heads, c->mlp_ratio, sp_act_name(c->act),
           c->pool == SP_POOL_CLS ? "cls" : "mean", sp_fn_name(c->norm_attn.kind),
           c->norm_attn.alpha, c->patch, c->init_std, c->norm_eps);
    printf("Optimisation (refused with --resume):\n"
           "  --steps N           optimiser steps (default %ld)\n"
           "  --epochs E          instead of --steps: E passes over the training images\n"
           "                      (fortunes: over the training bytes, batch x context a step)\n"
           "  --batch B           (default %d)\n"
           "  --lr X              peak learning rate (default %g)\n"
           "  --warmup N          linear warmup steps (default %ld, or a tenth of a shorter run)\n"
           "  --schedule S        constant | cosine after warmup (default %s)\n"
           "  --min-lr X          the end of the cosine (default %g)\n"
           "  --beta1 X, --beta2 X, --adam-eps X   AdamW (default %g, %g, %g)\n"
           "  --weight-decay X    decoupled, on weight matrices only (default %g)\n"
           "  --clip X            clip the global gradient norm (default %g; 0 = off)\n"
           "  --diverge-factor F  stop when the loss exceeds F x the first step's loss or is\n"
           "                      not finite (default %g; 0 = non-finite only)\n"
           "  --seed N            weights and batch order (default %llu)\n\n",
           o->steps, o->batch, o->lr, o->warmup,
           o->schedule == SP_LR_COSINE ? "cosine" : "constant", o->min_lr, o->beta1, o->beta2,
           o->adam_eps, o->weight_decay, o->clip, o->diverge_factor,
           (unsigned long long)o->seed);
    printf("Run:\n"
           "  --eval-every K      evaluate on the test set every K steps (default 0: at the end)\n"
           "  --checkpoint FILE   write the state atomically every --checkpoint-every K steps\n"
           "                      (default 0: at the end)\n"
           "  --stop-at N         stop after step N (checkpoint written; the schedule still\n"
           "                      spans --steps): the first part of a run to --resume\n"
           "  --resume FILE       continue a checkpoint to its --steps; bit for bit the same as\n"
           "                      the uninterrupted run\n"
           "  --threads N         OpenMP threads (the numbers do not depend on it)\n"
           "  --format F          csv | json (default csv)\n"
           "  -o, --output FILE   the log, written atomically at the end ('-' = stdout, default)\n"
           "  -q, --quiet         no progress or messages on stderr\n"
           "  -h, --help          this help\n\n"
           "Output: one row per step: step, lr, train_loss, eval_loss, eval_acc (nan except on\n"
           "evaluation steps; fortunes: held-out next-byte loss in nats and accuracy), grad_norm (before clipping), update_ratio_embed,\n"
           "update_ratio_block0.., update_ratio_head (||update|| / ||parameters|| of the group).\n"
           "A run stopped by the divergence rule exits 0 with the rows before it and says so.\n\n"
           "Example: nice -n 19 sigprop train --epochs 1 --eval-every 100 -o train.csv\n"
           "         nice -n 19 sigprop train --task fortunes --steps 300 -o lm.csv\n");
}

static int parse_norm(const char *cmd, const char *flag, const char *s, enum sp_fn *out)
{
    if (sp_fn_parse(s, out) != 0 || (*out != SP_FN_LN && *out != SP_FN_DYT && *out != SP_FN_DERF))
        return cli_usage(cmd, "%s: '%s' is not ln, dyt or derf", flag, s);
    return 0;
}

static void on_progress(void *ctx, long step, long steps, double loss)
{
    (void)steps;
    (void)loss;
    cli_progress_update(ctx, (size_t)step);
}

struct train_args {
    const char *data, *out, *ckpt, *resume;
    size_t train_max;
    double epochs;
    int threads, model_flags, warmup_given;
    enum cli_format fmt;
    int text, task_given, image_flags, context; /* --task fortunes; --patch/--pool; --context */
};

static int parse_args(int argc, char **argv, struct sp_vit_config *c, struct sp_train_opts *o,
                      struct train_args *a)
{
    const char *cmd = "train";
    int opt, rc = 0, n;
    double x;
    while (rc == 0 && (opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        if (opt >= OPT_MODEL_FIRST && opt <= OPT_MODEL_LAST)
            a->model_flags++;
        switch (opt) {
        case OPT_DATA: a->data = optarg; break;
        case OPT_TASK:
            a->task_given = 1;
            if (strcmp(optarg, "fmnist") == 0)
                a->text = 0;
            else if (strcmp(optarg, "fortunes") == 0)
                a->text = 1;
            else
                rc = cli_usage(cmd, "--task: '%s' is not fmnist or fortunes", optarg);
            break;
        case OPT_CONTEXT: rc = cli_parse_int(cmd, "--context", optarg, 1, 4096, &a->context); break;
        case OPT_TRAIN_MAX:
            rc = cli_parse_int(cmd, "--train-max", optarg, 0, 100000000, &n);
            a->train_max = (size_t)n;
            break;
        case OPT_EVAL_MAX:
            rc = cli_parse_int(cmd, "--eval-max", optarg, 0, 100000000, &n);
            o->eval_max = (size_t)n;
            break;
        case OPT_WIDTH_T: rc = cli_parse_int(cmd, "--width", optarg, 1, 65536, &c->width); break;
        case OPT_DEPTH_T: rc = cli_parse_int(cmd, "--depth", optarg, 1, 1024, &c->depth); break;
        case OPT_HEADS_T: rc = cli_parse_int(cmd, "--heads", optarg, 1, 65536, &c->heads); break;
        case OPT_MLP_RATIO_T:
            rc = cli_parse_int(cmd, "--mlp-ratio", optarg, 1, 64, &c->mlp_ratio);
            break;
        case OPT_ACT_T:
            if (sp_act_parse(optarg, &c->act) != 0 || c->act == SP_ACT_SWIGLU)
                rc = cli_usage(cmd, "--activation: '%s' is not relu or gelu", optarg);
            break;
        case OPT_POOL:
            a->image_flags++;
            if (strcmp(optarg, "cls") == 0)
                c->pool = SP_POOL_CLS;
            else if (strcmp(optarg, "mean") == 0)
                c->pool = SP_POOL_MEAN;
            else
                rc = cli_usage(cmd, "--pool: '%s' is not cls or mean", optarg);
            break;
        case OPT_NORM_T:
            rc = parse_norm(cmd, "--norm", optarg, &c->norm_attn.kind);
            c->norm_mlp.kind = c->norm_final.kind = c->norm_attn.kind;
            break;
        case OPT_NORM_ATTN: rc = parse_norm(cmd, "--norm-attn", optarg, &c->norm_attn.kind); break;
        case OPT_NORM_MLP: rc = parse_norm(cmd, "--norm-mlp", optarg, &c->norm_mlp.kind); break;
        case OPT_NORM_FINAL:
            rc = parse_norm(cmd, "--norm-final", optarg, &c->norm_final.kind);
            break;
        case OPT_ALPHA_T:
            rc = cli_parse_double(cmd, "--alpha", optarg, 1e-6, 1e6, &x);
            c->norm_attn.alpha = c->norm_mlp.alpha = c->norm_final.alpha = x;
            break;
        case OPT_ALPHA_ATTN_T:
            rc = cli_parse_double(cmd, "--alpha-attn", optarg, 1e-6, 1e6, &c->norm_attn.alpha);
            break;
        case OPT_ALPHA_MLP_T:
            rc = cli_parse_double(cmd, "--alpha-mlp", optarg, 1e-6, 1e6, &c->norm_mlp.alpha);
            break;
        case OPT_ALPHA_FINAL:
            rc = cli_parse_double(cmd, "--alpha-final", optarg, 1e-6, 1e6, &c->norm_final.alpha);
            break;
        case OPT_PATCH: a->image_flags++, rc = cli_parse_int(cmd, "--patch", optarg, 1, 28, &c->patch); break;
        case OPT_INIT_STD_T:
            rc = cli_parse_double(cmd, "--init-std", optarg, 1e-9, 10, &c->init_std);
            break;
        case OPT_NORM_EPS_T:
            rc = cli_parse_double(cmd, "--norm-eps", optarg, 1e-12, 0.5, &c->norm_eps);
            break;
        case OPT_STEPS:
            rc = cli_parse_int(cmd, "--steps", optarg, 1, 100000000, &n);
            o->steps = n;
            break;
        case OPT_EPOCHS: rc = cli_parse_double(cmd, "--epochs", optarg, 1e-6, 1e4, &a->epochs); break;
        case OPT_BATCH: rc = cli_parse_int(cmd, "--batch", optarg, 1, 65536, &o->batch); break;
        case OPT_LR: rc = cli_parse_double(cmd, "--lr", optarg, 1e-12, 10, &o->lr); break;
        case OPT_MIN_LR: rc = cli_parse_double(cmd, "--min-lr", optarg, 0, 10, &o->min_lr); break;
        case OPT_WARMUP:
            rc = cli_parse_int(cmd, "--warmup", optarg, 0, 100000000, &n);
            o->warmup = n;
            a->warmup_given = 1;
            break;
        case OPT_SCHEDULE:
            if (strcmp(optarg, "constant") == 0)
                o->schedule = SP_LR_CONSTANT;
            else if (strcmp(optarg, "cosine") == 0)
                o->schedule = SP_LR_COSINE;
            else
                rc = cli_usage(cmd, "--schedule: '%s' is not constant or cosine", optarg);
            break;
        case OPT_BETA1: rc = cli_parse_double(cmd, "--beta1", optarg, 0, 0.999999, &o->beta1); break;
        case OPT_BETA2: rc = cli_parse_double(cmd, "--beta2", optarg, 0, 0.999999, &o->beta2); break;
        case OPT_ADAM_EPS:
            rc = cli_parse_double(cmd, "--adam-eps", optarg, 1e-30, 0.5, &o->adam_eps);
            break;
        case OPT_WD: rc = cli_parse_double(cmd, "--weight-decay", optarg, 0, 9, &o->weight_decay); break;
        case OPT_CLIP: rc = cli_parse_double(cmd, "--clip", optarg, 0, 1e30, &o->clip); break;
        case OPT_EVAL_EVERY:
            rc = cli_parse_int(cmd, "--eval-every", optarg, 0, 100000000, &n);
            o->eval_every = n;
            break;
        case OPT_DIVERGE:
            rc = cli_parse_double(cmd, "--diverge-factor", optarg, 0, 1e30, &o->diverge_factor);
            if (rc == 0 && o->diverge_factor != 0 && o->diverge_factor <= 1)
                rc = cli_usage(cmd, "--diverge-factor: %g must be > 1 (or 0: non-finite only)",
                               o->diverge_factor);
            break;
        case OPT_SEED_T: rc = cli_parse_u64(cmd, "--seed", optarg, UINT64_MAX, &o->seed); break;
        case OPT_THREADS_T: rc = cli_parse_int(cmd, "--threads", optarg, 1, 4096, &a->threads); break;
        case OPT_STOP_AT:
            rc = cli_parse_int(cmd, "--stop-at", optarg, 1, 100000000, &n);
            o->stop_at = n;
            break;
        case OPT_CKPT: a->ckpt = optarg; break;
        case OPT_CKPT_EVERY:
            rc = cli_parse_int(cmd, "--checkpoint-every", optarg, 0, 100000000, &n);
            o->checkpoint_every = n;
            break;
        case OPT_RESUME: a->resume = optarg; break;
        case OPT_FORMAT_T: rc = cli_parse_format(cmd, optarg, &a->fmt); break;
        case 'o': a->out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': help(c, o); return -1;
        default: return cli_bad_option(cmd, argc, argv);
        }
    }
    if (rc == 0 && optind < argc)
        rc = cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (rc == 0 && a->text && a->image_flags > 0)
        rc = cli_usage(cmd, "--patch and --pool are for --task fmnist, not fortunes");
    if (rc == 0 && !a->text && a->context > 0)
        rc = cli_usage(cmd, "--context is for --task fortunes");
    if (rc == 0 && a->text) {
        c->task = SP_TASK_TEXT;
        c->classes = 256; /* bytes */
        c->context = a->context > 0 ? a->context : 64;
    }
    if (rc == 0 && a->resume && a->model_flags > 0)
        rc = cli_usage(cmd, "--resume takes the model and optimiser settings from the "
                       "checkpoint; drop the %d model/optimiser flag(s)", a->model_flags);
    return rc;
}

/* Loads the images and labels named PREFIX-{images-idx3,labels-idx1}-ubyte.gz. */
static enum sp_status load_split(const char *dir, const char *prefix, struct sp_dataset *d)
{
    char im[4096], lb[4096];
    snprintf(im, sizeof im, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lb, sizeof lb, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    return sp_dataset_load(im, lb, 10, d);
}

static int status_exit(enum sp_status s)
{
    /* bad input files and settings are the user's to fix (2); the rest is a runtime failure */
    if (s == SP_EINVAL || s == SP_EFORMAT || s == SP_EUNSUPPORTED)
        return cli_usage("train", "%s", sp_last_error());
    return cli_fail("%s: %s", sp_status_str(s), sp_last_error());
}

static cJSON *train_meta(const struct sp_trainer *t, const struct sp_train_result *r)
{
    const struct sp_vit_config *c = sp_trainer_config(t);
    const struct sp_train_opts *o = sp_trainer_opts(t);
    cJSON *m = cli_meta_new("train");
    cJSON *mo = cJSON_AddObjectToObject(m, "model"), *op = cJSON_AddObjectToObject(m, "optimiser");
    cJSON *res = cJSON_AddObjectToObject(m, "result");
    cJSON_AddStringToObject(mo, "task", c->task == SP_TASK_TEXT ? "fortunes" : "fmnist");
    if (c->task == SP_TASK_TEXT)
        cJSON_AddNumberToObject(mo, "context", c->context);
    cJSON_AddNumberToObject(mo, "width", c->width);
    cJSON_AddNumberToObject(mo, "depth", c->depth);
    cJSON_AddNumberToObject(mo, "heads", c->heads);
    cJSON_AddNumberToObject(mo, "mlp_ratio", c->mlp_ratio);
    cJSON_AddNumberToObject(mo, "patch", c->patch);
    cJSON_AddStringToObject(mo, "activation", sp_act_name(c->act));
    cJSON_AddStringToObject(mo, "pool", c->pool == SP_POOL_CLS ? "cls" : "mean");
    cJSON_AddStringToObject(mo, "norm_attn", sp_fn_name(c->norm_attn.kind));
    cJSON_AddStringToObject(mo, "norm_mlp", sp_fn_name(c->norm_mlp.kind));
    cJSON_AddStringToObject(mo, "norm_final", sp_fn_name(c->norm_final.kind));
    cJSON_AddNumberToObject(mo, "alpha_attn", c->norm_attn.alpha);
    cJSON_AddNumberToObject(mo, "alpha_mlp", c->norm_mlp.alpha);
    cJSON_AddNumberToObject(mo, "alpha_final", c->norm_final.alpha);
    cJSON_AddNumberToObject(mo, "init_std", c->init_std);
    cJSON_AddNumberToObject(mo, "parameters", (double)sp_vit_nparams(c));
    cJSON_AddNumberToObject(op, "steps", (double)o->steps);
    cJSON_AddNumberToObject(op, "batch", o->batch);
    cJSON_AddNumberToObject(op, "lr", o->lr);
    cJSON_AddNumberToObject(op, "min_lr", o->min_lr);
    cJSON_AddNumberToObject(op, "warmup", (double)o->warmup);
    cJSON_AddStringToObject(op, "schedule", o->schedule == SP_LR_COSINE ? "cosine" : "constant");
    cJSON_AddNumberToObject(op, "beta1", o->beta1);
    cJSON_AddNumberToObject(op, "beta2", o->beta2);
    cJSON_AddNumberToObject(op, "adam_eps", o->adam_eps);
    cJSON_AddNumberToObject(op, "weight_decay", o->weight_decay);
    cJSON_AddNumberToObject(op, "clip", o->clip);
    cJSON_AddNumberToObject(op, "diverge_factor", o->diverge_factor);
    cJSON_AddNumberToObject(op, "seed", (double)o->seed);
    cJSON_AddNumberToObject(res, "steps_done", (double)r->steps_done);
    cJSON_AddBoolToObject(res, "diverged", r->diverged);
    cJSON_AddNumberToObject(res, "diverged_step", (double)r->diverged_step);
    cJSON_AddNumberToObject(res, "init_loss", r->init_loss);
    if (isfinite(r->eval_acc)) {
        cJSON_AddNumberToObject(res, "eval_loss", r->eval_loss);
        cJSON_AddNumberToObject(res, "eval_acc", r->eval_acc);
        if (c->task == SP_TASK_TEXT)
            cJSON_AddNumberToObject(res, "eval_bits_per_byte", r->eval_loss / M_LN2);
    }
    return m;
}

/* The data of a run: images (fmnist) or a corpus (fortunes). */
struct train_data {
    int text;
    struct sp_dataset tr, te;
    struct sp_corpus ctr, cte;
};

static void train_data_free(struct train_data *d)
{
    sp_dataset_free(&d->tr);
    sp_dataset_free(&d->te);
    sp_corpus_free(&d->ctr);
    sp_corpus_free(&d->cte);
}

static enum sp_status train_data_load(const struct train_args *a, struct train_data *d)
{
    if (d->text) {
        enum sp_status s = sp_corpus_load(a->data ? a->data : SP_FORTUNES_DIR, &d->ctr, &d->cte);
        if (s == SP_OK && a->train_max > 0 && a->train_max < d->ctr.n)
            d->ctr.n = a->train_max;
        return s;
    }
    const char *dir = a->data ? a->data : SP_FASHION_MNIST_DIR;
    enum sp_status s = load_split(dir, "train", &d->tr);
    if (s == SP_OK)
        s = load_split(dir, "t10k", &d->te);
    if (s == SP_OK && a->train_max > 0 && a->train_max < d->tr.n)
        d->tr.n = a->train_max;
    return s;
}

int cmd_train(int argc, char **argv)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    sp_vit_config_default(&c);
    sp_train_opts_default(&o);
    struct train_args a = {NULL, "-", NULL, NULL, 0, 0, 0, 0, 0, CLI_CSV, 0, 0, 0, 0};
    int rc = parse_args(argc, argv, &c, &o, &a);
    if (rc != 0)
        return rc < 0 ? CLI_OK : rc;
    /* the default warmup never exceeds a short run: a tenth of it then */
    if (!a.warmup_given && o.warmup > o.steps)
        o.warmup = o.steps / 10;
    /* everything the user can get wrong is refused before any work or output */
    if (!a.resume) {
        if (sp_vit_config_check(&c) != SP_OK || sp_train_opts_check(&o) != SP_OK)
            return cli_usage("train", "%s", sp_last_error());
    }
    if (cli_check_output("train", "--output", a.out) != 0 ||
        (a.ckpt && cli_check_output("train", "--checkpoint", a.ckpt) != 0))
        return CLI_USAGE;
    if (a.ckpt && strcmp(a.ckpt, "-") == 0)
        return cli_usage("train", "--checkpoint: '-' is not a file");
    if (a.threads > 0)
        omp_set_num_threads(a.threads);
    o.checkpoint_path = a.ckpt;
    struct cli_progress pg;
    o.progress = on_progress;
    o.progress_ctx = &pg;
    struct sp_trainer *t = NULL;
    struct train_data d;
    memset(&d, 0, sizeof d);
    d.text = a.text;
    enum sp_status s = SP_OK;
    if (a.resume) { /* the task is the checkpoint's */
        s = sp_trainer_new(&c, &o, a.resume, &t);
        if (s != SP_OK)
            return status_exit(s);
        d.text = sp_trainer_config(t)->task == SP_TASK_TEXT;
        if (a.task_given && d.text != a.text) {
            sp_trainer_free(t);
            return cli_usage("train", "--task %s: the checkpoint %s is a %s run", a.text ?
                             "fortunes" : "fmnist", a.resume, d.text ? "fortunes" : "fmnist");
        }
    }
    s = train_data_load(&a, &d);
    if (s == SP_OK && a.epochs > 0 && !a.resume) {
        double spe = d.text ? floor((double)d.ctr.n / ((double)o.batch * c.context))
                            : floor((double)d.tr.n / o.batch);
        o.steps = (long)fmax(1, floor(a.epochs * spe + 0.5));
        if (!a.warmup_given && o.warmup > o.steps)
            o.warmup = o.steps / 10;
    }
    if (s == SP_OK && !t)
        s = sp_trainer_new(&c, &o, NULL, &t);
    if (s == SP_OK && !d.text && (size_t)sp_trainer_opts(t)->batch > d.tr.n)
        s = sp_fail(SP_EINVAL, "train: batch %d is larger than the %zu training images",
                    sp_trainer_opts(t)->batch, d.tr.n);
    if (s != SP_OK) {
        sp_trainer_free(t);
        train_data_free(&d);
        return status_exit(s);
    }
    const struct sp_vit_config *rc_ = sp_trainer_config(t);
    const struct sp_train_opts *ro = sp_trainer_opts(t);
    if (d.text)
        cli_info("train: causal LM d=%d L=%d H=%d, %zu parameters, context %d, norms %s/%s/%s, "
                 "%s; %ld steps of %d (from step %ld), lr %g, warmup %ld, %s; %zu train bytes "
                 "(%zu records), %zu held-out bytes (%zu records), %d threads",
                 rc_->width, rc_->depth, rc_->heads, sp_vit_nparams(rc_), rc_->context,
                 sp_fn_name(rc_->norm_attn.kind), sp_fn_name(rc_->norm_mlp.kind),
                 sp_fn_name(rc_->norm_final.kind), sp_act_name(rc_->act), ro->steps, ro->batch,
                 sp_trainer_step(t), ro->lr, ro->warmup,
                 ro->schedule == SP_LR_COSINE ? "cosine" : "constant", d.ctr.n, d.ctr.records,
                 d.cte.n, d.cte.records, omp_get_max_threads());
    else
        cli_info("train: ViT d=%d L=%d H=%d, %zu parameters, %d tokens, norms %s/%s/%s, %s, %s "
                 "pool; %ld steps of %d (from step %ld), lr %g, warmup %ld, %s; %zu train / %zu "
                 "test images, %d threads",
                 rc_->width, rc_->depth, rc_->heads, sp_vit_nparams(rc_), sp_vit_tokens(rc_),
                 sp_fn_name(rc_->norm_attn.kind), sp_fn_name(rc_->norm_mlp.kind),
                 sp_fn_name(rc_->norm_final.kind), sp_act_name(rc_->act),
                 rc_->pool == SP_POOL_CLS ? "cls" : "mean", ro->steps, ro->batch,
                 sp_trainer_step(t), ro->lr, ro->warmup,
                 ro->schedule == SP_LR_COSINE ? "cosine" : "constant", d.tr.n,
                 o.eval_max > 0 && o.eval_max < d.te.n ? o.eval_max : d.te.n,
                 omp_get_max_threads());
    cli_progress_start(&pg, "train", (size_t)ro->steps);
    cli_progress_update(&pg, (size_t)sp_trainer_step(t));
    double t0 = cli_now();
    struct sp_train_result r;
    s = d.text ? sp_trainer_run_text(t, &d.ctr, &d.cte, &r) : sp_trainer_run(t, &d.tr, &d.te, &r);
    cli_progress_finish(&pg);
    if (s != SP_OK) {
        rc = status_exit(s);
    } else {
        double secs = cli_now() - t0;
        if (r.diverged)
            cli_info("train: diverged at step %ld (loss beyond %g x the initial %.4g, or not "
                     "finite)", r.diverged_step, ro->diverge_factor, r.init_loss);
        else if (r.steps_done < ro->steps)
            cli_info("train: stopped after step %ld of %ld in %.1f s%s%s", r.steps_done,
                     ro->steps, secs, a.ckpt ? "; resume with --resume " : "",
                     a.ckpt ? a.ckpt : "");
        else if (d.text)
            cli_info("train: %ld steps in %.1f s; held-out loss %.4f nats (%.4f bits per byte), "
                     "next-byte accuracy %.4f", r.steps_done, secs, r.eval_loss,
                     r.eval_loss / M_LN2, r.eval_acc);
        else
            cli_info("train: %ld steps in %.1f s; test loss %.4f, test accuracy %.4f",
                     r.steps_done, secs, r.eval_loss, r.eval_acc);
        cJSON *meta = train_meta(t, &r);
        rc = cli_write_table(sp_trainer_log(t), a.fmt, a.out, meta);
        cJSON_Delete(meta);
    }
    sp_trainer_free(t);
    train_data_free(&d);
    return rc;
}
