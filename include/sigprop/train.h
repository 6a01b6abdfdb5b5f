/* sigprop/train.h: a small transformer trained by hand-written forward and backward
 * passes (float32 parameters, double reductions, sgemm, OpenMP) and AdamW, on one of
 * two tasks: image classification on Fashion-MNIST (a ViT; the IDX data loader) or
 * character-level causal language modelling on the fortunes corpus (the same blocks
 * with a causal mask; the corpus loader). The same seed gives the same bits whatever the
 * thread count; a run resumed from a checkpoint equals the uninterrupted run. */
#ifndef SIGPROP_TRAIN_H
#define SIGPROP_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sigprop/core.h"
#include "sigprop/io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- data: IDX files (optionally gzip-compressed; read with zlib) ---- */
/* Images scaled to [0, 1] as float, row-major (n, rows * cols); labels in [0, classes). */
struct sp_dataset {
    size_t n;
    int rows, cols, classes;
    float *images;   /* (n, rows * cols) */
    uint8_t *labels; /* (n) */
};
/* Reads an idx3-ubyte image file and its idx1-ubyte label file (gzip or plain).
 * Validates magic numbers (0x803, 0x801), dimensions (1..1024), equal counts,
 * labels < classes and the full length of both files (a truncated gzip member
 * is an error). On failure *out is zeroed and the reason names the file. */
enum sp_status sp_dataset_load(const char *images_path, const char *labels_path, int classes,
                               struct sp_dataset *out);
void sp_dataset_free(struct sp_dataset *d); /* NULL and zeroed structs are no-ops */
/* The directory where Debian's dataset-fashion-mnist puts its four .gz files. */
#define SP_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"
/* Fashion-MNIST from dir (its {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, 10
 * classes): the training split into *train (NULL: not read), cut to its first
 * train_max images (0: all), and the test split into *test. sp_dataset_load's
 * status and reason; on failure both are zeroed. */
enum sp_status sp_fmnist_load(const char *dir, long train_max, struct sp_dataset *train,
                              struct sp_dataset *test);

/* ---- data: a text corpus of records separated by lines holding a single '%' ---- */
/* The bytes of the records, each followed by its separator line "%\n" (the format of
 * the files), in the order read. */
struct sp_corpus {
    size_t n;             /* bytes */
    size_t records;
    unsigned char *text;  /* (n) */
};
/* Reads a fortune file, or every regular file of a directory in name order (skipping
 * the strfile indexes *.dat and the *.u8 links), splits it into records and sends a
 * record to heldout when the FNV-1a hash of its text is 0 mod 10 (about a tenth, the
 * same split whatever the file order), the rest to train. Refused (SP_EFORMAT, the
 * reason names the file): an empty file or directory, a NUL byte (not text), no record
 * in either part. A path that cannot be opened is SP_EIO. On failure both are zeroed. */
enum sp_status sp_corpus_load(const char *path, struct sp_corpus *train,
                              struct sp_corpus *heldout);
void sp_corpus_free(struct sp_corpus *c); /* NULL and zeroed structs are no-ops */
/* Where Debian's fortunes package puts its files. */
#define SP_FORTUNES_DIR "/usr/share/games/fortunes"

/* ---- the model ---- */
enum sp_pool { SP_POOL_CLS, SP_POOL_MEAN };
/* SP_TASK_IMAGE: a ViT classifying images (patch embedding, CLS or mean pooling, the
 * head on the pooled token). SP_TASK_TEXT: a causal language model over byte tokens
 * below `classes` (the vocabulary): a token embedding table (classes, d), learned
 * positions (context, d), causal attention, the final norm and an untied head on every
 * position; the loss is the mean next-token cross-entropy. image, patch and pool are
 * ignored by the text task, context by the image task. */
enum sp_train_task { SP_TASK_IMAGE = 0, SP_TASK_TEXT = 1 };
struct sp_vit_config {
    int image;          /* side of the square input image (28) */
    int patch;          /* side of a patch (7: 16 patches) */
    int classes;        /* 10 */
    int width;          /* d */
    int depth;          /* L blocks */
    int heads;          /* H, dividing d */
    int mlp_ratio;      /* hidden width / d (4) */
    enum sp_mlp_act act;        /* SP_ACT_RELU or SP_ACT_GELU (erf form) */
    enum sp_pool pool;          /* CLS token or mean over tokens */
    struct sp_fnspec norm_attn, norm_mlp, norm_final; /* LN, DyT or Derf; alpha = initial alpha */
    double norm_eps;    /* LayerNorm epsilon (1e-5) */
    double init_std;    /* every weight matrix N(0, init_std^2) (0.02, timm); biases 0 */
    enum sp_train_task task; /* SP_TASK_IMAGE (default) or SP_TASK_TEXT */
    int context;        /* text: tokens per sequence (64) */
    /* Attention options, as the measurement engine has them (docs/measure.md):
     * kv_heads K: grouped-query attention, W_K and W_V (d, K d/H), query head h reading
     * K/V head h / (H/K) (0: heads, multi-head attention); rope: rotary embeddings on
     * Q and K of every head at the token's position (text: 0..context-1; image: the
     * token index, CLS 0 then the patches row-major), pair k turned by
     * pos theta^(-2k/dh); SP_ROPE_INTERLEAVED pairs (2k, 2k+1) (Meta, llama2.c),
     * SP_ROPE_HALF (k, k + dh/2) (Hugging Face); SP_ROPE_NONE: off. */
    int kv_heads;
    enum sp_rope rope;
    double rope_theta;  /* the RoPE base (10000); used only with rope */
};
void sp_vit_config_default(struct sp_vit_config *c);  /* image; d 64, L 4, H 4, LN, CLS, GELU,
                                                       * no GQA, no RoPE */
/* The text task's defaults: sp_vit_config_default with task SP_TASK_TEXT, classes 256
 * (bytes), context 64. */
void sp_lm_config_default(struct sp_vit_config *c);
/* Validates every field (reason names it). */
enum sp_status sp_vit_config_check(const struct sp_vit_config *c);
/* Tokens per image (patches + 1 with a CLS token; text: context) and trainable parameters. */
int sp_vit_tokens(const struct sp_vit_config *c);
size_t sp_vit_nparams(const struct sp_vit_config *c);
/* Forward FLOPs of one image or text sequence (matrix products and attention, causal:
 * the T(T+1)/2 scores kept; 2 per multiply-add). */
double sp_vit_flops_forward(const struct sp_vit_config *c);

/* ---- data: what a run of either task trains and evaluates on ---- */
struct sp_train_data {
    enum sp_train_task task;      /* which of the two parts is filled */
    struct sp_dataset train, test; /* SP_TASK_IMAGE: Fashion-MNIST */
    struct sp_corpus ctrain, ctest; /* SP_TASK_TEXT: the fortunes corpus */
};
/* The data of a run of `task` (SP_TASK_IMAGE: sp_fmnist_load of path, default
 * SP_FASHION_MNIST_DIR; SP_TASK_TEXT: sp_corpus_load of path, default
 * SP_FORTUNES_DIR), the training part cut to its first train_max images or bytes (0:
 * all), and checked against batch (images per step: SP_EINVAL "train: batch B is
 * larger than the N training images"; 0: not checked). What `sigprop train` and
 * sigprop.train() load. On failure *out is zeroed, with the loader's status and reason. */
enum sp_status sp_train_data_load(enum sp_train_task task, const char *path, long train_max,
                                  int batch, struct sp_train_data *out);
void sp_train_data_free(struct sp_train_data *d); /* NULL and zeroed structs are no-ops */

/* ---- training ---- */
enum sp_lr_schedule { SP_LR_CONSTANT, SP_LR_COSINE };
struct sp_train_opts {
    long steps;            /* optimiser steps */
    int batch;             /* images per step */
    double lr;             /* peak learning rate */
    double min_lr;         /* cosine floor */
    long warmup;           /* linear warmup steps (lr ramps (s+1)/warmup) */
    enum sp_lr_schedule schedule;
    double beta1, beta2, adam_eps, weight_decay; /* AdamW; decay on weight matrices only */
    double clip;           /* clip the global gradient norm to this (0: off) */
    long eval_every;       /* evaluate every K steps and at the end (0: only at the end) */
    size_t eval_max;       /* evaluate on the first eval_max test images (0: all) */
    double diverge_factor; /* stop when loss > factor * initial loss, or not finite (0: only non-finite) */
    uint64_t seed;         /* weights (Philox) and the batch order */
    long checkpoint_every; /* with checkpoint_path: write every K steps and at the end (0: end only) */
    const char *checkpoint_path; /* NULL: none */
    long stop_at;          /* > 0: return after step stop_at (checkpoint written; the
                            * schedule still spans steps); 0: run to steps */
    void (*progress)(void *ctx, long step, long steps, double loss); /* may be NULL */
    void *progress_ctx;
};
void sp_train_opts_default(struct sp_train_opts *o);
enum sp_status sp_train_opts_check(const struct sp_train_opts *o);
/* o->steps for `epochs` (> 0) passes over the training part of d: round(epochs x the
 * whole batches of a pass), at least 1 (fmnist: images / o->batch; fortunes: bytes /
 * (o->batch x c->context)); unless warmup_set, a warmup longer than the run becomes a
 * tenth of it. What `sigprop train --epochs` and sigprop.train(epochs=) do. */
void sp_train_opts_epochs(struct sp_train_opts *o, const struct sp_vit_config *c,
                          const struct sp_train_data *d, double epochs, int warmup_set);

/* What a run ended with. */
struct sp_train_result {
    long steps_done;
    int diverged;          /* 1: stopped by the divergence rule */
    long diverged_step;    /* the step whose loss broke the rule, -1 if none */
    double init_loss, final_train_loss, eval_loss, eval_acc;
};

struct sp_trainer;
/* A fresh run (weights from opts->seed), or one resumed from a checkpoint written by
 * sp_trainer_run (resume_path non-NULL: c and o's model and optimiser fields are taken
 * from the checkpoint; o's checkpoint_path, checkpoint_every, stop_at, progress and
 * eval_max still apply). */
/* 1 when the first n bytes of a file (head) begin with a sigprop train checkpoint's
 * magic (n >= 8), else 0: how a reader tells it from other formats (llama2.c). */
int sp_train_is_checkpoint(const void *head, size_t n);
enum sp_status sp_trainer_new(const struct sp_vit_config *c, const struct sp_train_opts *o,
                              const char *resume_path, struct sp_trainer **out);
void sp_trainer_free(struct sp_trainer *t);
const struct sp_vit_config *sp_trainer_config(const struct sp_trainer *t);
const struct sp_train_opts *sp_trainer_opts(const struct sp_trainer *t);
long sp_trainer_step(const struct sp_trainer *t); /* steps done so far */
/* Trains until opts.steps (or opts.stop_at) or divergence; evaluates on test (may be NULL: no eval).
 * The log (one row per step: step, lr, train_loss, eval_loss, eval_acc, grad_norm,
 * update_ratio_embed, update_ratio_block<l>..., update_ratio_head; eval columns NAN
 * except on eval steps) is the trainer's and survives resume. The image task only
 * (a text trainer: SP_EINVAL; see sp_trainer_run_text). */
enum sp_status sp_trainer_run(struct sp_trainer *t, const struct sp_dataset *train,
                              const struct sp_dataset *test, struct sp_train_result *res);
/* The same for the text task: step s trains on `batch` windows of context + 1 bytes
 * starting at Philox draws keyed by (seed, s) (so resume needs no order state);
 * evaluation runs on consecutive windows of heldout (stride context; the first
 * eval_max of them, 0: all), eval_acc being the next-byte accuracy. test may be NULL.
 * Refused (SP_EINVAL): a trainer of the image task, a corpus shorter than context + 1
 * bytes, a byte not below classes. */
enum sp_status sp_trainer_run_text(struct sp_trainer *t, const struct sp_corpus *train,
                                   const struct sp_corpus *test, struct sp_train_result *res);
/* sp_trainer_run or sp_trainer_run_text on the parts of d (sp_train_data_load) that
 * its task fills. */
enum sp_status sp_trainer_run_data(struct sp_trainer *t, const struct sp_train_data *d,
                                   struct sp_train_result *res);
const struct sp_table *sp_trainer_log(const struct sp_trainer *t);
/* The run of t in one line for the user: "ViT d=D L=L H=H[ (K K/V)][, RoPE THETA
 * PAIRING], N parameters, T tokens, norms A/M/F, ACT, POOL pool; S steps of B (from
 * step S0), lr X, warmup W, SCHEDULE" (fortunes: "causal LM ..., context C, ...,
 * ACT; ..."). Into buf (n bytes); returns the length (as snprintf). */
size_t sp_trainer_describe(const struct sp_trainer *t, char *buf, size_t n);
/* The JSON meta of a run as one serialised object (malloc'ed, the caller frees it;
 * NULL with SP_ENOMEM): "model" (task, context for fortunes, width, depth, heads,
 * kv_heads, RoPE, mlp_ratio, patch, activation, pool, the norms and alphas,
 * init_std, parameters), "optimiser" (steps ... seed) and "result" (steps_done,
 * diverged, diverged_step, init_loss; with a finite eval_acc eval_loss, eval_acc and
 * for fortunes eval_bits_per_byte) of c, o (sp_trainer_config, sp_trainer_opts) and r. */
char *sp_train_meta_json(const struct sp_vit_config *c, const struct sp_train_opts *o,
                         const struct sp_train_result *r);
/* Parameters (float, sp_vit_nparams of them; layout internal) for tests and tools. */
const float *sp_trainer_params(const struct sp_trainer *t);
/* Loss and accuracy of the current parameters on the first max images of d (0: all);
 * the image task only. */
enum sp_status sp_trainer_evaluate(struct sp_trainer *t, const struct sp_dataset *d, size_t max,
                                   double *loss, double *acc);
/* Mean next-byte cross-entropy (nats; / ln 2: bits per byte) and accuracy on the first
 * max consecutive windows of d (0: all). */
enum sp_status sp_trainer_evaluate_text(struct sp_trainer *t, const struct sp_corpus *d,
                                        size_t max, double *loss, double *acc);

#ifdef __cplusplus
}
#endif
#endif
