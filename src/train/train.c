/* The training loop: batches in a per-epoch Philox permutation (text: windows at
 * Philox-drawn starts per step), AdamW with linear
 * warmup and constant or cosine decay, global-norm clipping, the divergence rule,
 * evaluation, the per-step log and atomic checkpoints that resume bit for bit
 * (the state is the parameters, the Adam moments, the step, the initial loss and
 * the log; the batch order is recomputed from the seed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "net/net_internal.h"
#include "train/train_internal.h"

#define MAT_PERM 0x7200u /* Philox matrix id of the batch order (block = epoch) */
#define MAT_WIN 0x7201u  /* text: the window starts of a step (block = step) */

struct sp_trainer {
    struct sp_vit_config c;
    struct sp_train_opts o;
    struct vit_layout L;
    float *p, *g, *m, *v; /* parameters, gradient, Adam moments: (L.n) */
    uint8_t *decay;
    struct vit_ws_f32 *ws;
    float *bimg;          /* (batch, image^2) */
    uint8_t *blab;        /* (batch) */
    uint8_t *bseq;        /* text: (batch, context + 1) windows */
    uint32_t *perm;       /* the epoch's order of the training set */
    size_t perm_n;
    long perm_epoch;
    long step;
    double init_loss;     /* the loss of step 0 (divergence rule) */
    struct sp_table *log;
    int col_step, col_lr, col_loss, col_eval_loss, col_eval_acc, col_gnorm, col_upd0;
    int blas_prev;
};

void sp_train_opts_default(struct sp_train_opts *o)
{
    memset(o, 0, sizeof *o);
    o->steps = 469; /* one epoch of 60000 at batch 128 */
    o->batch = 128;
    o->lr = 1e-3;
    o->min_lr = 0;
    o->warmup = 50;
    o->schedule = SP_LR_COSINE;
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->adam_eps = 1e-8;
    o->weight_decay = 0.05;
    o->clip = 1.0;
    o->eval_every = 0;
    o->diverge_factor = 10;
    o->seed = 0;
}

enum sp_status sp_train_opts_check(const struct sp_train_opts *o)
{
    if (o->steps < 1 || o->steps > 100000000)
        return sp_fail(SP_EINVAL, "train: steps %ld not in [1, 1e8]", o->steps);
    if (o->batch < 1 || o->batch > 65536)
        return sp_fail(SP_EINVAL, "train: batch %d not in [1, 65536]", o->batch);
    if (!(o->lr > 0 && o->lr <= 10))
        return sp_fail(SP_EINVAL, "train: learning rate %g not in (0, 10]", o->lr);
    if (!(o->min_lr >= 0 && o->min_lr <= o->lr))
        return sp_fail(SP_EINVAL, "train: min lr %g not in [0, lr %g]", o->min_lr, o->lr);
    if (o->warmup < 0 || o->warmup > o->steps)
        return sp_fail(SP_EINVAL, "train: warmup %ld not in [0, steps %ld]", o->warmup, o->steps);
    if (o->schedule != SP_LR_CONSTANT && o->schedule != SP_LR_COSINE)
        return sp_fail(SP_EINVAL, "train: schedule %d is neither constant nor cosine",
                       (int)o->schedule);
    if (!(o->beta1 >= 0 && o->beta1 < 1) || !(o->beta2 >= 0 && o->beta2 < 1))
        return sp_fail(SP_EINVAL, "train: betas (%g, %g) not in [0, 1)", o->beta1, o->beta2);
    if (!(o->adam_eps > 0 && o->adam_eps < 1))
        return sp_fail(SP_EINVAL, "train: adam eps %g not in (0, 1)", o->adam_eps);
    if (!(o->weight_decay >= 0 && o->weight_decay < 10))
        return sp_fail(SP_EINVAL, "train: weight decay %g not in [0, 10)", o->weight_decay);
    if (!(o->clip >= 0 && isfinite(o->clip)))
        return sp_fail(SP_EINVAL, "train: clip %g must be >= 0 (0: off)", o->clip);
    if (o->stop_at < 0)
        return sp_fail(SP_EINVAL, "train: stop at %ld must be >= 0", o->stop_at);
    if (o->eval_every < 0 || o->checkpoint_every < 0)
        return sp_fail(SP_EINVAL, "train: eval every %ld / checkpoint every %ld must be >= 0",
                       o->eval_every, o->checkpoint_every);
    if (!(o->diverge_factor == 0 || (o->diverge_factor > 1 && isfinite(o->diverge_factor))))
        return sp_fail(SP_EINVAL, "train: divergence factor %g must be > 1 (0: non-finite only)",
                       o->diverge_factor);
    return SP_OK;
}

/* ---- checkpoint: magic, the settings as doubles, state, log, crc32 ----
 * Version 1 (the ViT; every image-task checkpoint is still written so, and the ones
 * written before the text task load unchanged) and version 2 (the text task): the
 * same with the task and the context as two more doubles after the settings; version 3
 * (a run with grouped-query attention or RoPE, either task) adds kv_heads, the RoPE
 * pairing and its theta after those two. A run without them is written as before. */

static const char ckpt_magic[8] = {'S', 'P', 'V', 'I', 'T', 'C', 'K', '1'};
static const char ckpt_magic2[8] = {'S', 'P', 'V', 'I', 'T', 'C', 'K', '2'};
static const char ckpt_magic3[8] = {'S', 'P', 'V', 'I', 'T', 'C', 'K', '3'};

/* The version of a checkpoint's first bytes (1, 2, 3), 0 if none. */
static int ckpt_version(const void *head, size_t n)
{
    if (!head || n < sizeof ckpt_magic)
        return 0;
    if (memcmp(head, ckpt_magic, sizeof ckpt_magic) == 0)
        return 1;
    if (memcmp(head, ckpt_magic2, sizeof ckpt_magic2) == 0)
        return 2;
    return memcmp(head, ckpt_magic3, sizeof ckpt_magic3) == 0 ? 3 : 0;
}

int sp_train_is_checkpoint(const void *head, size_t n) { return ckpt_version(head, n) != 0; }

/* Every setting a run depends on, in one order for writing and reading. */
#define SETTINGS(X)                                                                         \
    X(c->image) X(c->patch) X(c->classes) X(c->width) X(c->depth) X(c->heads)               \
    X(c->mlp_ratio) X(c->act) X(c->pool) X(c->norm_attn.kind) X(c->norm_attn.alpha)         \
    X(c->norm_attn.shift) X(c->norm_mlp.kind) X(c->norm_mlp.alpha) X(c->norm_mlp.shift)     \
    X(c->norm_final.kind) X(c->norm_final.alpha) X(c->norm_final.shift) X(c->norm_eps)      \
    X(c->init_std) X(o->steps) X(o->batch) X(o->lr) X(o->min_lr) X(o->warmup)               \
    X(o->schedule) X(o->beta1) X(o->beta2) X(o->adam_eps) X(o->weight_decay) X(o->clip)     \
    X(o->eval_every) X(o->diverge_factor)
#define COUNT(f) +1
enum { NSETTINGS = 0 SETTINGS(COUNT) };
#undef COUNT

static void settings_store(const struct sp_vit_config *c, const struct sp_train_opts *o,
                           double *v)
{
    size_t i = 0;
#define STORE(f) v[i++] = (double)(f);
    SETTINGS(STORE)
#undef STORE
}

static void settings_load(struct sp_vit_config *c, struct sp_train_opts *o, const double *v)
{
    size_t i = 0;
#define LOAD(f) f = (__typeof__(f))v[i++];
    SETTINGS(LOAD)
#undef LOAD
}

struct ckpt_writer {
    FILE *f;
    uLong crc;
    int ok;
};

static void cw(struct ckpt_writer *w, const void *p, size_t n)
{
    if (w->ok && fwrite(p, 1, n, w->f) != n)
        w->ok = 0;
    for (size_t off = 0; off < n; off += 1u << 30) {
        size_t k = n - off < (1u << 30) ? n - off : (1u << 30);
        w->crc = crc32(w->crc, (const Bytef *)p + off, (uInt)k);
    }
}

static enum sp_status ckpt_write(const struct sp_trainer *t, const char *path)
{
    struct sp_outfile of;
    enum sp_status s = sp_outfile_open(&of, path);
    if (s != SP_OK)
        return s;
    struct ckpt_writer w = {of.f, crc32(0L, Z_NULL, 0), 1};
    double set[NSETTINGS];
    settings_store(&t->c, &t->o, set);
    uint64_t n = t->L.n, nrows = sp_table_nrows(t->log), ncols = (uint64_t)sp_table_ncols(t->log);
    int64_t step = t->step;
    const int text = t->c.task == SP_TASK_TEXT;
    const int attn = t->c.kv_heads != 0 || t->c.rope != SP_ROPE_NONE;
    cw(&w, attn ? ckpt_magic3 : text ? ckpt_magic2 : ckpt_magic, sizeof ckpt_magic);
    cw(&w, set, sizeof set);
    const double task[5] = {(double)t->c.task, (double)t->c.context, (double)t->c.kv_heads,
                            (double)t->c.rope, t->c.rope_theta};
    if (text || attn)
        cw(&w, task, (attn ? 5 : 2) * sizeof *task);
    cw(&w, &t->o.seed, sizeof t->o.seed);
    cw(&w, &step, sizeof step);
    cw(&w, &t->init_loss, sizeof t->init_loss);
    cw(&w, &n, sizeof n);
    cw(&w, t->p, n * sizeof *t->p);
    cw(&w, t->m, n * sizeof *t->m);
    cw(&w, t->v, n * sizeof *t->v);
    cw(&w, &nrows, sizeof nrows);
    cw(&w, &ncols, sizeof ncols);
    for (int c = 0; c < (int)ncols; c++)
        cw(&w, sp_table_col_data(t->log, c), nrows * sizeof(double));
    uint32_t crc = (uint32_t)w.crc;
    if (w.ok && fwrite(&crc, sizeof crc, 1, of.f) != 1)
        w.ok = 0;
    if (!w.ok) {
        sp_outfile_abort(&of);
        return sp_fail(SP_EIO, "checkpoint %s: write failed", path);
    }
    return sp_outfile_commit(&of);
}

struct ckpt_reader {
    const unsigned char *p;
    size_t left;
};

static int cr(struct ckpt_reader *r, void *dst, size_t n)
{
    if (r->left < n)
        return -1;
    memcpy(dst, r->p, n);
    r->p += n;
    r->left -= n;
    return 0;
}

/* Reads the whole file, checks the crc, fills settings and the state arrays (allocated by
 * the caller after the settings are known: hence the two steps). */
static enum sp_status ckpt_slurp(const char *path, unsigned char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sp_fail(SP_EIO, "checkpoint %s: cannot open", path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (!b)
        return sp_fail(SP_ENOMEM, "checkpoint %s: reading", path);
    if (err) {
        free(b);
        return sp_fail(SP_EIO, "checkpoint %s: read error", path);
    }
    uint32_t crc;
    if (n < sizeof ckpt_magic + sizeof crc || ckpt_version(b, n) == 0) {
        free(b);
        return sp_fail(SP_EFORMAT, "checkpoint %s: not a sigprop train checkpoint", path);
    }
    memcpy(&crc, b + n - sizeof crc, sizeof crc);
    if ((uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)(n - sizeof crc)) != crc) {
        free(b);
        return sp_fail(SP_EFORMAT, "checkpoint %s: checksum mismatch (truncated or corrupt)",
                       path);
    }
    *buf = b;
    *len = n - sizeof crc;
    return SP_OK;
}

/* ---- the trainer ---- */

static const char *const fixed_cols[] = {"step", "lr", "train_loss", "eval_loss", "eval_acc",
                                         "grad_norm"};
#define NFIXED (sizeof fixed_cols / sizeof fixed_cols[0])

static enum sp_status log_new(struct sp_trainer *t)
{
    t->log = sp_table_new();
    if (!t->log)
        return sp_fail(SP_ENOMEM, "train: log table");
    int ok = 1;
    for (size_t i = 0; i < NFIXED; i++)
        ok &= sp_table_add_col(t->log, fixed_cols[i], SP_COL_NUM) == (int)i;
    char name[48];
    ok &= sp_table_add_col(t->log, "update_ratio_embed", SP_COL_NUM) >= 0;
    for (int l = 0; l < t->c.depth; l++) {
        snprintf(name, sizeof name, "update_ratio_block%d", l);
        ok &= sp_table_add_col(t->log, name, SP_COL_NUM) >= 0;
    }
    ok &= sp_table_add_col(t->log, "update_ratio_head", SP_COL_NUM) >= 0;
    if (!ok)
        return sp_fail(SP_ENOMEM, "train: log columns");
    t->col_step = 0, t->col_lr = 1, t->col_loss = 2, t->col_eval_loss = 3, t->col_eval_acc = 4;
    t->col_gnorm = 5, t->col_upd0 = (int)NFIXED;
    return SP_OK;
}

static enum sp_status trainer_alloc(struct sp_trainer *t)
{
    enum sp_status s = vit_layout_new(&t->c, &t->L);
    if (s != SP_OK)
        return s;
    const size_t n = t->L.n;
    const int text = t->c.task == SP_TASK_TEXT;
    const size_t px = text ? 1 : (size_t)t->c.image * (size_t)t->c.image;
    t->p = malloc(n * sizeof *t->p);
    t->g = malloc(n * sizeof *t->g);
    t->m = calloc(n, sizeof *t->m);
    t->v = calloc(n, sizeof *t->v);
    t->decay = malloc(n);
    t->bimg = malloc((size_t)t->o.batch * px * sizeof *t->bimg);
    t->blab = malloc((size_t)t->o.batch);
    t->bseq = malloc(text ? (size_t)t->o.batch * ((size_t)t->c.context + 1) : 1);
    if (!t->p || !t->g || !t->m || !t->v || !t->decay || !t->bimg || !t->blab || !t->bseq)
        return sp_fail(SP_ENOMEM, "train: %zu parameters", n);
    vit_decay_mask(&t->L, t->decay);
    s = vit_ws_new_f32(&t->L, t->o.batch, &t->ws);
    if (s == SP_OK)
        s = log_new(t);
    return s;
}

static enum sp_status trainer_resume(struct sp_trainer *t, const char *path)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    enum sp_status s = ckpt_slurp(path, &buf, &len);
    if (s != SP_OK)
        return s;
    struct ckpt_reader r = {buf + sizeof ckpt_magic, len - sizeof ckpt_magic};
    double set[NSETTINGS];
    int64_t step;
    uint64_t n = 0, nrows = 0, ncols = 0;
    uint64_t seed = 0;
    double task[5] = {SP_TASK_IMAGE, 64, 0, SP_ROPE_NONE, 10000};
    const int version = ckpt_version(buf, len);
    const size_t ntask = version == 3 ? 5 : version == 2 ? 2 : 0;
    if (cr(&r, set, sizeof set) || cr(&r, task, ntask * sizeof *task) ||
        cr(&r, &seed, sizeof seed) || cr(&r, &step, sizeof step) ||
        cr(&r, &t->init_loss, sizeof t->init_loss) || cr(&r, &n, sizeof n)) {
        free(buf);
        return sp_fail(SP_EFORMAT, "checkpoint %s: header truncated", path);
    }
    settings_load(&t->c, &t->o, set);
    t->c.task = (enum sp_train_task)task[0];
    t->c.context = (int)task[1];
    t->c.kv_heads = (int)task[2];
    t->c.rope = (enum sp_rope)task[3];
    t->c.rope_theta = task[4];
    t->o.seed = seed;
    s = sp_vit_config_check(&t->c);
    if (s == SP_OK)
        s = sp_train_opts_check(&t->o);
    if (s == SP_OK)
        s = trainer_alloc(t);
    if (s == SP_OK && (n != t->L.n || step < 0 || step > t->o.steps))
        s = sp_fail(SP_EFORMAT, "checkpoint %s: %llu parameters at step %lld do not fit its "
                    "settings (%zu parameters, %ld steps)", path, (unsigned long long)n,
                    (long long)step, t->L.n, t->o.steps);
    if (s == SP_OK && (cr(&r, t->p, n * sizeof *t->p) || cr(&r, t->m, n * sizeof *t->m) ||
                       cr(&r, t->v, n * sizeof *t->v) || cr(&r, &nrows, sizeof nrows) ||
                       cr(&r, &ncols, sizeof ncols)))
        s = sp_fail(SP_EFORMAT, "checkpoint %s: state truncated", path);
    if (s == SP_OK && (ncols != (uint64_t)sp_table_ncols(t->log) || nrows != (uint64_t)step ||
                       r.left != nrows * ncols * sizeof(double)))
        s = sp_fail(SP_EFORMAT, "checkpoint %s: log of %llu x %llu does not fit", path,
                    (unsigned long long)nrows, (unsigned long long)ncols);
    for (uint64_t i = 0; s == SP_OK && i < nrows; i++)
        if (sp_table_add_row(t->log) < 0)
            s = sp_fail(SP_ENOMEM, "checkpoint %s: log rows", path);
    for (uint64_t c = 0; s == SP_OK && c < ncols; c++)
        for (uint64_t i = 0; i < nrows; i++) {
            double x;
            cr(&r, &x, sizeof x);
            sp_table_set_num(t->log, i, (int)c, x);
        }
    t->step = step;
    free(buf);
    return s;
}

enum sp_status sp_trainer_new(const struct sp_vit_config *c, const struct sp_train_opts *o,
                              const char *resume_path, struct sp_trainer **out)
{
    *out = NULL;
    struct sp_trainer *t = calloc(1, sizeof *t);
    if (!t)
        return sp_fail(SP_ENOMEM, "train: trainer");
    t->blas_prev = net_gemm_init();
    t->perm_epoch = -1;
    t->c = *c;
    t->o = *o;
    enum sp_status s;
    if (resume_path) {
        s = trainer_resume(t, resume_path);
        /* what the caller still decides on a resumed run */
        t->o.checkpoint_path = o->checkpoint_path;
        t->o.checkpoint_every = o->checkpoint_every;
        t->o.eval_max = o->eval_max;
        t->o.stop_at = o->stop_at;
        t->o.progress = o->progress;
        t->o.progress_ctx = o->progress_ctx;
    } else {
        s = sp_vit_config_check(c);
        if (s == SP_OK)
            s = sp_train_opts_check(o);
        if (s == SP_OK)
            s = trainer_alloc(t);
        if (s == SP_OK)
            vit_init_params(&t->L, o->seed, t->p);
        t->init_loss = NAN;
    }
    if (s != SP_OK) {
        sp_trainer_free(t);
        return s;
    }
    *out = t;
    return SP_OK;
}

void sp_trainer_free(struct sp_trainer *t)
{
    if (!t)
        return;
    vit_ws_free_f32(t->ws);
    vit_layout_free(&t->L);
    free(t->p);
    free(t->g);
    free(t->m);
    free(t->v);
    free(t->decay);
    free(t->bimg);
    free(t->blab);
    free(t->bseq);
    free(t->perm);
    sp_table_free(t->log);
    net_gemm_done(t->blas_prev);
    free(t);
}

const struct sp_vit_config *sp_trainer_config(const struct sp_trainer *t) { return &t->c; }
const struct sp_train_opts *sp_trainer_opts(const struct sp_trainer *t) { return &t->o; }
long sp_trainer_step(const struct sp_trainer *t) { return t->step; }
const struct sp_table *sp_trainer_log(const struct sp_trainer *t) { return t->log; }
const float *sp_trainer_params(const struct sp_trainer *t) { return t->p; }

/* The learning rate of step s (0-based): linear warmup, then constant or cosine. */
static double lr_at(const struct sp_train_opts *o, long s)
{
    if (s < o->warmup)
        return o->lr * (double)(s + 1) / (double)o->warmup;
    if (o->schedule == SP_LR_CONSTANT || o->steps <= o->warmup)
        return o->lr;
    double frac = (double)(s - o->warmup) / (double)(o->steps - o->warmup);
    return o->min_lr + (o->lr - o->min_lr) * 0.5 * (1 + cos(M_PI * frac));
}

/* The permutation of epoch e (Fisher-Yates on Philox draws keyed by the seed). */
static enum sp_status epoch_order(struct sp_trainer *t, size_t n, long e)
{
    if (t->perm_epoch == e && t->perm_n == n)
        return SP_OK;
    if (t->perm_n != n) {
        free(t->perm);
        t->perm = malloc(n * sizeof *t->perm);
        t->perm_n = t->perm ? n : 0;
        if (!t->perm)
            return sp_fail(SP_ENOMEM, "train: batch order of %zu images", n);
    }
    for (size_t i = 0; i < n; i++)
        t->perm[i] = (uint32_t)i;
    struct net_key k = {t->o.seed, 1, (uint32_t)e};
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = net_uint32(k, MAT_PERM, (uint32_t)i) % (i + 1);
        uint32_t tmp = t->perm[i];
        t->perm[i] = t->perm[j];
        t->perm[j] = tmp;
    }
    t->perm_epoch = e;
    return SP_OK;
}

enum sp_status sp_trainer_evaluate(struct sp_trainer *t, const struct sp_dataset *d, size_t max,
                                   double *loss, double *acc)
{
    const size_t px = (size_t)t->c.image * (size_t)t->c.image;
    if (t->c.task != SP_TASK_IMAGE)
        return sp_fail(SP_EINVAL, "train: a language model does not evaluate on images");
    if (d->rows != t->c.image || d->cols != t->c.image || d->n == 0)
        return sp_fail(SP_EINVAL, "train: evaluation images %dx%d (n %zu), model wants %dx%d",
                       d->rows, d->cols, d->n, t->c.image, t->c.image);
    size_t n = max > 0 && max < d->n ? max : d->n;
    double total = 0;
    long right = 0;
    for (size_t i0 = 0; i0 < n; i0 += (size_t)t->o.batch) {
        int B = (int)(n - i0 < (size_t)t->o.batch ? n - i0 : (size_t)t->o.batch);
        double l;
        int ok;
        vit_forward_f32(&t->L, t->p, t->ws, d->images + i0 * px, d->labels + i0, B, &l, &ok);
        total += l * B;
        right += ok;
    }
    *loss = total / (double)n;
    *acc = (double)right / (double)n;
    return SP_OK;
}

/* A corpus the text trainer can read: at least one window, every byte in the vocabulary. */
static enum sp_status corpus_fits(const struct sp_trainer *t, const struct sp_corpus *c,
                                  const char *what)
{
    if (c->n < (size_t)t->c.context + 1)
        return sp_fail(SP_EINVAL, "train: the %s corpus has %zu bytes, fewer than context %d + 1",
                       what, c->n, t->c.context);
    for (size_t i = 0; i < c->n; i++)
        if (c->text[i] >= t->c.classes)
            return sp_fail(SP_EINVAL, "train: byte %d at offset %zu of the %s corpus is not "
                           "below the vocabulary of %d", c->text[i], i, what, t->c.classes);
    return SP_OK;
}

enum sp_status sp_trainer_evaluate_text(struct sp_trainer *t, const struct sp_corpus *d,
                                        size_t max, double *loss, double *acc)
{
    if (t->c.task != SP_TASK_TEXT)
        return sp_fail(SP_EINVAL, "train: an image model does not evaluate on a corpus");
    enum sp_status s = corpus_fits(t, d, "evaluation");
    if (s != SP_OK)
        return s;
    const size_t T = (size_t)t->c.context, w = T + 1;
    size_t n = (d->n - 1) / T; /* windows [i T, i T + T + 1) */
    if (max > 0 && max < n)
        n = max;
    double total = 0;
    long right = 0;
    for (size_t i0 = 0; i0 < n; i0 += (size_t)t->o.batch) {
        int B = (int)(n - i0 < (size_t)t->o.batch ? n - i0 : (size_t)t->o.batch);
        for (int b = 0; b < B; b++)
            memcpy(t->bseq + (size_t)b * w, d->text + (i0 + (size_t)b) * T, w);
        double l;
        int ok;
        vit_forward_text_f32(&t->L, t->p, t->ws, t->bseq, B, &l, &ok);
        total += l * (double)B * (double)T;
        right += ok;
    }
    *loss = total / ((double)n * (double)T);
    *acc = (double)right / ((double)n * (double)T);
    return SP_OK;
}

/* AdamW on every parameter; the update and parameter norms per group (embedding, each
 * block, head) go to the log row as ||update|| / ||parameters||. */
static void adamw_step(struct sp_trainer *t, double lr, double gscale, size_t row)
{
    const struct sp_train_opts *o = &t->o;
    const double tstep = (double)(t->step + 1);
    const double bc1 = 1 - pow(o->beta1, tstep), bc2 = 1 - pow(o->beta2, tstep);
    const int ngroups = t->c.depth + 2;
    for (int gidx = 0; gidx < ngroups; gidx++) {
        size_t lo = gidx == 0 ? 0 : gidx <= t->c.depth ? t->L.blk[gidx - 1].begin : t->L.head_begin;
        size_t hi = gidx == 0 ? t->L.embed_end
                    : gidx <= t->c.depth ? t->L.blk[gidx - 1].end : t->L.n;
        double du = 0, pp = 0;
        for (size_t i = lo; i < hi; i++) {
            double g = (double)t->g[i] * gscale;
            double m = o->beta1 * (double)t->m[i] + (1 - o->beta1) * g;
            double v = o->beta2 * (double)t->v[i] + (1 - o->beta2) * g * g;
            t->m[i] = (float)m;
            t->v[i] = (float)v;
            double upd = lr * ((m / bc1) / (sqrt(v / bc2) + o->adam_eps) +
                               (t->decay[i] ? o->weight_decay * (double)t->p[i] : 0));
            float pnew = (float)((double)t->p[i] - upd);
            double dd = (double)pnew - (double)t->p[i];
            du += dd * dd;
            t->p[i] = pnew;
            pp += (double)pnew * (double)pnew;
        }
        sp_table_set_num(t->log, row, t->col_upd0 + gidx, pp > 0 ? sqrt(du / pp) : (double)NAN);
    }
}

/* What a run trains and evaluates on: images or a corpus (the other pair NULL). */
struct run_data {
    const struct sp_dataset *train, *test;
    const struct sp_corpus *ctrain, *ctest;
};

/* The forward pass of step st on its batch: the epoch's images, or `batch` windows of
 * context + 1 bytes at Philox-drawn starts keyed by (seed, st). */
static enum sp_status step_forward(struct sp_trainer *t, const struct run_data *data, long st,
                                   double *loss)
{
    const struct sp_train_opts *o = &t->o;
    if (data->ctrain) {
        const struct sp_corpus *c = data->ctrain;
        const size_t w = (size_t)t->c.context + 1, starts = c->n - w + 1;
        const struct net_key k = {t->o.seed, 2, (uint32_t)st};
        for (int b = 0; b < o->batch; b++) {
            uint64_t u = (uint64_t)net_uint32(k, MAT_WIN, 2 * (uint32_t)b) << 32 |
                         net_uint32(k, MAT_WIN, 2 * (uint32_t)b + 1);
            memcpy(t->bseq + (size_t)b * w, c->text + u % starts, w);
        }
        vit_forward_text_f32(&t->L, t->p, t->ws, t->bseq, o->batch, loss, NULL);
        return SP_OK;
    }
    const struct sp_dataset *train = data->train;
    const size_t px = (size_t)t->c.image * (size_t)t->c.image;
    const size_t per_epoch = train->n / (size_t)o->batch; /* the last partial batch is dropped */
    enum sp_status s = epoch_order(t, train->n, st / (long)per_epoch);
    if (s != SP_OK)
        return s;
    const size_t first = (size_t)(st % (long)per_epoch) * (size_t)o->batch;
    for (int b = 0; b < o->batch; b++) {
        size_t idx = t->perm[first + (size_t)b];
        memcpy(t->bimg + (size_t)b * px, train->images + idx * px, px * sizeof(float));
        t->blab[b] = train->labels[idx];
    }
    vit_forward_f32(&t->L, t->p, t->ws, t->bimg, t->blab, o->batch, loss, NULL);
    return SP_OK;
}

static enum sp_status run_loop(struct sp_trainer *t, const struct run_data *data,
                               struct sp_train_result *res);

static void result_init(struct sp_train_result *res)
{
    memset(res, 0, sizeof *res);
    res->diverged_step = -1;
    res->eval_loss = res->eval_acc = NAN;
}

enum sp_status sp_trainer_run(struct sp_trainer *t, const struct sp_dataset *train,
                              const struct sp_dataset *test, struct sp_train_result *res)
{
    const struct sp_train_opts *o = &t->o;
    result_init(res);
    if (t->c.task != SP_TASK_IMAGE)
        return sp_fail(SP_EINVAL, "train: a language-model trainer runs on a corpus "
                       "(sp_trainer_run_text), not on images");
    if (train->rows != t->c.image || train->cols != t->c.image || train->classes > t->c.classes)
        return sp_fail(SP_EINVAL, "train: images %dx%d with %d classes; the model takes %dx%d, "
                       "%d classes", train->rows, train->cols, train->classes, t->c.image,
                       t->c.image, t->c.classes);
    if (train->n < (size_t)o->batch)
        return sp_fail(SP_EINVAL, "train: %zu training images, fewer than batch %d", train->n,
                       o->batch);
    const struct run_data data = {train, test, NULL, NULL};
    return run_loop(t, &data, res);
}

enum sp_status sp_trainer_run_text(struct sp_trainer *t, const struct sp_corpus *train,
                                   const struct sp_corpus *test, struct sp_train_result *res)
{
    result_init(res);
    if (t->c.task != SP_TASK_TEXT)
        return sp_fail(SP_EINVAL, "train: an image trainer runs on images (sp_trainer_run), "
                       "not on a corpus");
    enum sp_status s = corpus_fits(t, train, "training");
    if (s == SP_OK && test)
        s = corpus_fits(t, test, "held-out");
    if (s != SP_OK)
        return s;
    const struct run_data data = {NULL, NULL, train, test};
    return run_loop(t, &data, res);
}

static enum sp_status run_loop(struct sp_trainer *t, const struct run_data *data,
                               struct sp_train_result *res)
{
    const struct sp_train_opts *o = &t->o;
    enum sp_status s = SP_OK;
    while (t->step < o->steps && (o->stop_at <= 0 || t->step < o->stop_at)) {
        const long st = t->step;
        double loss;
        s = step_forward(t, data, st, &loss);
        if (s != SP_OK)
            return s;
        if (st == 0)
            t->init_loss = loss;
        res->final_train_loss = loss;
        if (!isfinite(loss) || (o->diverge_factor > 0 && loss > o->diverge_factor * t->init_loss)) {
            res->diverged = 1;
            res->diverged_step = st;
            break;
        }
        memset(t->g, 0, t->L.n * sizeof *t->g);
        vit_backward_f32(&t->L, t->p, t->ws, t->g, NULL);
        double gn = 0;
        for (size_t i = 0; i < t->L.n; i++)
            gn += (double)t->g[i] * (double)t->g[i];
        gn = sqrt(gn);
        if (!isfinite(gn)) {
            res->diverged = 1;
            res->diverged_step = st;
            break;
        }
        const double gscale = o->clip > 0 && gn > o->clip ? o->clip / gn : 1.0;
        const double lr = lr_at(o, st);
        long row = sp_table_add_row(t->log);
        if (row < 0)
            return sp_fail(SP_ENOMEM, "train: log row %ld", st);
        sp_table_set_num(t->log, (size_t)row, t->col_step, (double)st);
        sp_table_set_num(t->log, (size_t)row, t->col_lr, lr);
        sp_table_set_num(t->log, (size_t)row, t->col_loss, loss);
        sp_table_set_num(t->log, (size_t)row, t->col_gnorm, gn);
        adamw_step(t, lr, gscale, (size_t)row);
        t->step++;
        const int last = t->step == o->steps;
        if ((data->test || data->ctest) &&
            (last || (o->eval_every > 0 && t->step % o->eval_every == 0))) {
            double el, ea;
            s = data->ctest ? sp_trainer_evaluate_text(t, data->ctest, o->eval_max, &el, &ea)
                            : sp_trainer_evaluate(t, data->test, o->eval_max, &el, &ea);
            if (s != SP_OK)
                return s;
            sp_table_set_num(t->log, (size_t)row, t->col_eval_loss, el);
            sp_table_set_num(t->log, (size_t)row, t->col_eval_acc, ea);
            res->eval_loss = el;
            res->eval_acc = ea;
        }
        if (o->checkpoint_path && (last || t->step == o->stop_at ||
                                   (o->checkpoint_every > 0 && t->step % o->checkpoint_every == 0))) {
            s = ckpt_write(t, o->checkpoint_path);
            if (s != SP_OK)
                return s;
        }
        if (o->progress)
            o->progress(o->progress_ctx, t->step, o->steps, loss);
    }
    res->steps_done = t->step;
    res->init_loss = t->init_loss;
    size_t nrows = sp_table_nrows(t->log);
    if (isnan(res->eval_acc) && nrows > 0 && !res->diverged) { /* a finished run resumed */
        res->eval_loss = sp_table_num(t->log, nrows - 1, t->col_eval_loss);
        res->eval_acc = sp_table_num(t->log, nrows - 1, t->col_eval_acc);
        res->final_train_loss = sp_table_num(t->log, nrows - 1, t->col_loss);
    }
    return SP_OK;
}
