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

void cli_train_init(struct cli_train *t)
{
    memset(t, 0, sizeof *t);
    sp_trainspec_init(&t->s);
    t->s.style = SP_ARCHKEY_STYLE_FLAG; /* reasons name keys as flags: "--kv-heads: ..." */
}

static const char head_fmt[] =
    "Usage: sigprop train [options]\n\n"
    "Trains a small vision transformer on Fashion-MNIST (Debian's dataset-fashion-mnist)\n"
    "with hand-written forward and backward passes and AdamW, and writes one log row per\n"
    "step. The model: %dx%d patches of the 28x28 image, a linear patch embedding, a CLS\n"
    "token or mean pooling, learned positions, L pre-norm blocks (softmax attention with\n"
    "H heads, MLP), a final norm and a linear head; cross-entropy. docs/train.md.\n"
    "With --task fortunes the same blocks form a causal character-level language model\n"
    "of the fortunes corpus (Debian's fortunes): a byte embedding table (256), learned\n"
    "positions, causal attention, the final norm and an untied head on every position;\n"
    "the loss is the mean next-byte cross-entropy over the windows of --context bytes.\n\n"
    "Data:\n";

static const char tail[] =
    "\nOutput: one row per step: step, lr, train_loss, eval_loss, eval_acc (nan except on\n"
    "evaluation steps; fortunes: held-out next-byte loss in nats and accuracy), grad_norm (before clipping), update_ratio_embed,\n"
    "update_ratio_block0.., update_ratio_head (||update|| / ||parameters|| of the group).\n"
    "A run stopped by the divergence rule exits 0 with the rows before it and says so.\n\n"
    "Example: nice -n 19 sigprop train --epochs 1 --eval-every 100 -o train.csv\n"
    "         nice -n 19 sigprop train --task fortunes --steps 300 -o lm.csv\n";

static void on_progress(void *ctx, long step, long steps, double loss)
{
    (void)steps;
    (void)loss;
    cli_progress_update(ctx, (size_t)step);
}

struct train_args {
    const char *data, *out, *ckpt, *resume;
    double epochs;
    int threads, fmt;
};

static int parse_args(int argc, char **argv, struct cli_train *t, struct train_args *a)
{
    const char *cmd = "train";
    int first;
    char head[2048];
    snprintf(head, sizeof head, head_fmt, t->s.c.patch, t->s.c.patch);
    static const char *const eval_key[] = {"eval-every", NULL};
    static const char *const ckpt_key[] = {"checkpoint-every", "stop-at", NULL};
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_STRING, .name = "data", .arg = "PATH", .dest = &a->data,
         .help = "fmnist: the directory of the four IDX .gz files\n"
                 "(default " SP_FASHION_MNIST_DIR ");\n"
                 "fortunes: a fortune file or a directory of them\n"
                 "(default " SP_FORTUNES_DIR "; *.dat and *.u8 skipped);\n"
                 "records separated by '%' lines, a tenth held out by a\n"
                 "hash of each record"},
        CLI_OPT_TRAIN_DATA(t),
        {.kind = CLI_OPT_TEXT,
         .help = "                        (fortunes: N training bytes, N held-out windows of\n"
                 "                        --context bytes)\n"},
        {.kind = CLI_OPT_TEXT, .help = "\nModel (refused with --resume: the checkpoint holds them):\n"},
        CLI_OPT_TRAIN_KEYS(t, SP_TRAINKEY_OWN_MODEL),
        CLI_OPT_TRAIN_KEYS(t, SP_TRAINKEY_MODEL),
        CLI_OPT_TRAIN_KEYS(t, SP_TRAINKEY_OWN_NORM),
        {.kind = CLI_OPT_TEXT, .help = "\nOptimisation (refused with --resume):\n"},
        CLI_OPT_TRAIN_KEYS(t, SP_TRAINKEY_OPTIM),
        {.kind = CLI_OPT_DOUBLE, .name = "epochs", .arg = "E", .dest = &a->epochs, .lo = 1e-6,
         .hi = 1e4,
         .help = "instead of --steps: E passes over the training images\n"
                 "(fortunes: over the training bytes, batch x context a step)"},
        CLI_OPT_TRAIN_KEYS(t, SP_TRAINKEY_OWN_OPTIM),
        {.kind = CLI_OPT_TEXT, .help = "\nRun:\n"},
        CLI_OPT_KEYS_NAMED(sp_trainspec_keys(), eval_key, &t->s),
        {.kind = CLI_OPT_STRING, .name = "checkpoint", .arg = "FILE", .dest = &a->ckpt,
         .help = "write the state atomically every --checkpoint-every K steps\n"
                 "(default 0: at the end)"},
        CLI_OPT_KEYS_NAMED(sp_trainspec_keys(), ckpt_key, &t->s),
        {.kind = CLI_OPT_STRING, .name = "resume", .arg = "FILE", .dest = &a->resume,
         .help = "continue a checkpoint to its --steps; bit for bit the same as\n"
                 "the uninterrupted run"},
        {.kind = CLI_OPT_INT, .name = "threads", .arg = "N", .dest = &a->threads, .lo = 1,
         .hi = 4096, .help = "OpenMP threads (the numbers do not depend on it)"},
        CLI_OPT_FORMAT(&a->fmt),
        {.kind = CLI_OPT_STRING, .name = "output", .key = 'o', .arg = "FILE", .dest = &a->out,
         .help = "the log, written atomically at the end ('-' = stdout, default)"},
        CLI_OPT_QUIET_HELP("no progress or messages on stderr"),
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_END}};
    const struct cli_cmd spec = {cmd, head, tail, table, 0};
    int rc = cli_parse(&spec, argc, argv, &first);
    if (rc)
        return rc;
    int n = t->s.nset;
    if (a->resume && n > 0)
        return cli_usage(cmd, "--resume takes the model and optimiser settings from the "
                         "checkpoint; drop the %d model/optimiser flag(s)", n);
    return 0;
}

static int status_exit(enum sp_status s)
{
    /* bad input files and settings are the user's to fix (2); the rest is a runtime failure */
    if (s == SP_EINVAL || s == SP_EFORMAT || s == SP_EUNSUPPORTED)
        return cli_usage("train", "%s", sp_last_error());
    return cli_fail("%s: %s", sp_status_str(s), sp_last_error());
}

int cmd_train(int argc, char **argv)
{
    struct cli_train ct;
    cli_train_init(&ct);
    struct train_args a = {NULL, "-", NULL, NULL, 0, 0, CLI_CSV};
    int rc = parse_args(argc, argv, &ct, &a);
    if (rc != 0)
        return rc == CLI_DONE ? CLI_OK : rc;
    struct sp_vit_config c;
    struct sp_train_opts o;
    /* everything the user can get wrong is refused before any work or output (with
     * --resume the checkpoint holds the settings) */
    if (sp_trainspec_build(&ct.s, !a.resume, &c, &o) != SP_OK)
        return cli_usage("train", "%s", sp_last_error());
    o.eval_max = (size_t)ct.eval_max;
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
    struct sp_train_data d;
    memset(&d, 0, sizeof d);
    enum sp_train_task task = c.task;
    enum sp_status s = SP_OK;
    if (a.resume) { /* the task is the checkpoint's */
        s = sp_trainer_new(&c, &o, a.resume, &t);
        if (s != SP_OK)
            return status_exit(s);
        task = sp_trainer_config(t)->task;
        if (ct.s.task_set && task != c.task) {
            sp_trainer_free(t);
            return cli_usage("train", "--task %s: the checkpoint %s is a %s run",
                             c.task == SP_TASK_TEXT ? "fortunes" : "fmnist", a.resume,
                             task == SP_TASK_TEXT ? "fortunes" : "fmnist");
        }
    }
    s = sp_train_data_load(task, a.data, ct.train_max, t ? sp_trainer_opts(t)->batch : o.batch,
                           &d);
    const int text = task == SP_TASK_TEXT;
    if (s == SP_OK && a.epochs > 0 && !a.resume)
        sp_train_opts_epochs(&o, &c, &d, a.epochs, ct.s.warmup_set);
    if (s == SP_OK && !t)
        s = sp_trainer_new(&c, &o, NULL, &t);
    if (s != SP_OK) {
        sp_trainer_free(t);
        sp_train_data_free(&d);
        return status_exit(s);
    }
    const struct sp_vit_config *rc_ = sp_trainer_config(t);
    const struct sp_train_opts *ro = sp_trainer_opts(t);
    char what[512];
    sp_trainer_describe(t, what, sizeof what);
    if (text)
        cli_info("train: %s; %zu train bytes (%zu records), %zu held-out bytes (%zu records), "
                 "%d threads", what, d.ctrain.n, d.ctrain.records, d.ctest.n, d.ctest.records,
                 omp_get_max_threads());
    else
        cli_info("train: %s; %zu train / %zu test images, %d threads", what, d.train.n,
                 o.eval_max > 0 && o.eval_max < d.test.n ? o.eval_max : d.test.n,
                 omp_get_max_threads());
    cli_progress_start(&pg, "train", (size_t)ro->steps);
    cli_progress_update(&pg, (size_t)sp_trainer_step(t));
    double t0 = cli_now();
    struct sp_train_result r;
    s = sp_trainer_run_data(t, &d, &r);
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
        else if (text)
            cli_info("train: %ld steps in %.1f s; held-out loss %.4f nats (%.4f bits per byte), "
                     "next-byte accuracy %.4f", r.steps_done, secs, r.eval_loss,
                     r.eval_loss / M_LN2, r.eval_acc);
        else
            cli_info("train: %ld steps in %.1f s; test loss %.4f, test accuracy %.4f",
                     r.steps_done, secs, r.eval_loss, r.eval_acc);
        cJSON *meta = cli_meta_new("train");
        rc = cli_meta_add_json(meta, NULL, sp_train_meta_json(rc_, ro, &r));
        if (!rc)
            rc = cli_write_table(sp_trainer_log(t), (enum cli_format)a.fmt, a.out, meta);
        cJSON_Delete(meta);
    }
    sp_trainer_free(t);
    sp_train_data_free(&d);
    return rc;
}
