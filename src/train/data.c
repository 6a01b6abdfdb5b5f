/* IDX files (the MNIST / Fashion-MNIST format: big-endian magic 0x00000803 for
 * images, 0x00000801 for labels, then the dimensions, then bytes), read through
 * zlib's gzread, which also reads uncompressed files. Every size is validated
 * before it is trusted; a short or over-long file is an error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sigprop/train.h"

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads exactly n bytes (in pieces below INT_MAX, gzread's limit). */
static enum sp_status read_exact(gzFile f, const char *path, void *buf, size_t n, const char *what)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int err;
            const char *msg = gzerror(f, &err);
            return sp_fail(SP_EFORMAT, "%s: reading %s: %s", path, what, msg);
        }
        if (got == 0) {
            int err;
            const char *msg = gzerror(f, &err);
            return sp_fail(SP_EFORMAT, "%s: truncated: the %s end early (%s)", path, what,
                           err != Z_OK ? msg : "end of file");
        }
        p += got;
        n -= (size_t)got;
    }
    return SP_OK;
}

/* Opens an IDX file and reads its header: magic 0x08 0x(ndim), ndim big-endian sizes. */
static enum sp_status idx_open(const char *path, int ndim, uint32_t *dims, gzFile *out)
{
    *out = NULL;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return sp_fail(SP_EIO, "%s: cannot open: %s", path, errno ? strerror(errno) : "zlib");
    unsigned char h[16];
    enum sp_status s = read_exact(f, path, h, 4 + 4 * (size_t)ndim, "header");
    if (s == SP_OK) {
        uint32_t magic = be32(h), want = 0x800u | (uint32_t)ndim;
        if (magic != want)
            s = sp_fail(SP_EFORMAT, "%s: magic number 0x%08x, expected 0x%08x (IDX, %s)", path,
                        magic, want, ndim == 1 ? "labels" : "images");
    }
    for (int i = 0; s == SP_OK && i < ndim; i++) {
        dims[i] = be32(h + 4 + 4 * i);
        uint32_t hi = i == 0 ? 100000000u : 1024u;
        if (dims[i] < 1 || dims[i] > hi)
            s = sp_fail(SP_EFORMAT, "%s: dimension %d is %u, not in [1, %u]", path, i, dims[i], hi);
    }
    if (s != SP_OK) {
        gzclose_r(f);
        return s;
    }
    *out = f;
    return SP_OK;
}

/* After the payload: nothing may follow, and zlib must report a clean end. */
static enum sp_status idx_close(gzFile f, const char *path)
{
    unsigned char extra;
    int got = gzread(f, &extra, 1);
    int err = Z_OK;
    const char *msg = gzerror(f, &err);
    enum sp_status s = SP_OK;
    if (got > 0)
        s = sp_fail(SP_EFORMAT, "%s: longer than its header says", path);
    else if (got < 0 || (err != Z_OK && err != Z_BUF_ERROR))
        s = sp_fail(SP_EFORMAT, "%s: %s", path, msg);
    if (gzclose_r(f) != Z_OK && s == SP_OK)
        s = sp_fail(SP_EFORMAT, "%s: corrupt compressed stream", path);
    return s;
}

enum sp_status sp_dataset_load(const char *images_path, const char *labels_path, int classes,
                               struct sp_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (classes < 2 || classes > 256)
        return sp_fail(SP_EINVAL, "dataset: classes %d not in [2, 256]", classes);
    uint32_t di[3], dl[1];
    gzFile fi = NULL, fl = NULL;
    unsigned char *raw = NULL;
    enum sp_status s = idx_open(images_path, 3, di, &fi);
    if (s == SP_OK)
        s = idx_open(labels_path, 1, dl, &fl);
    if (s == SP_OK && di[0] != dl[0])
        s = sp_fail(SP_EFORMAT, "%s has %u images but %s has %u labels", images_path, di[0],
                    labels_path, dl[0]);
    size_t n = s == SP_OK ? di[0] : 0, px = s == SP_OK ? (size_t)di[1] * di[2] : 0;
    if (s == SP_OK) {
        out->images = malloc(n * px * sizeof *out->images);
        out->labels = malloc(n);
        raw = malloc(px > 0 ? px : 1);
        if (!out->images || !out->labels || !raw)
            s = sp_fail(SP_ENOMEM, "dataset: %zu images of %zu pixels", n, px);
    }
    for (size_t i = 0; s == SP_OK && i < n; i++) {
        s = read_exact(fi, images_path, raw, px, "pixels");
        for (size_t j = 0; s == SP_OK && j < px; j++)
            out->images[i * px + j] = (float)raw[j] * (1.0f / 255.0f);
    }
    if (s == SP_OK)
        s = read_exact(fl, labels_path, out->labels, n, "labels");
    for (size_t i = 0; s == SP_OK && i < n; i++)
        if (out->labels[i] >= classes)
            s = sp_fail(SP_EFORMAT, "%s: label %u of image %zu is not below %d classes",
                        labels_path, out->labels[i], i, classes);
    if (s == SP_OK)
        s = idx_close(fi, images_path);
    else if (fi)
        gzclose_r(fi);
    fi = NULL;
    if (s == SP_OK)
        s = idx_close(fl, labels_path);
    else if (fl)
        gzclose_r(fl);
    free(raw);
    if (s != SP_OK) {
        sp_dataset_free(out);
        return s;
    }
    out->n = n;
    out->rows = (int)di[1];
    out->cols = (int)di[2];
    out->classes = classes;
    return SP_OK;
}

/* One split of Fashion-MNIST ("train", "t10k") from dir. */
static enum sp_status fmnist_split(const char *dir, const char *split, struct sp_dataset *d)
{
    char im[4096], lb[4096];
    snprintf(im, sizeof im, "%s/%s-images-idx3-ubyte.gz", dir, split);
    snprintf(lb, sizeof lb, "%s/%s-labels-idx1-ubyte.gz", dir, split);
    return sp_dataset_load(im, lb, 10, d);
}

enum sp_status sp_fmnist_load(const char *dir, long train_max, struct sp_dataset *train,
                              struct sp_dataset *test)
{
    enum sp_status s = train ? fmnist_split(dir, "train", train) : SP_OK;
    if (s == SP_OK)
        s = fmnist_split(dir, "t10k", test);
    else
        memset(test, 0, sizeof *test);
    if (s != SP_OK && train)
        sp_dataset_free(train);
    if (s == SP_OK && train && train_max > 0 && (size_t)train_max < train->n)
        train->n = (size_t)train_max;
    return s;
}

void sp_dataset_free(struct sp_dataset *d)
{
    if (!d)
        return;
    free(d->images);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

enum sp_status sp_train_data_load(enum sp_train_task task, const char *path, long train_max,
                                  int batch, struct sp_train_data *out)
{
    memset(out, 0, sizeof *out);
    out->task = task;
    enum sp_status s;
    if (task == SP_TASK_TEXT) {
        s = sp_corpus_load(path ? path : SP_FORTUNES_DIR, &out->ctrain, &out->ctest);
        if (s == SP_OK && train_max > 0 && (size_t)train_max < out->ctrain.n)
            out->ctrain.n = (size_t)train_max;
    } else {
        s = sp_fmnist_load(path ? path : SP_FASHION_MNIST_DIR, train_max, &out->train,
                           &out->test);
        if (s == SP_OK && batch > 0 && (size_t)batch > out->train.n)
            s = sp_fail(SP_EINVAL, "train: batch %d is larger than the %zu training images",
                        batch, out->train.n);
    }
    if (s != SP_OK)
        sp_train_data_free(out);
    return s;
}

void sp_train_data_free(struct sp_train_data *d)
{
    if (!d)
        return;
    sp_dataset_free(&d->train);
    sp_dataset_free(&d->test);
    sp_corpus_free(&d->ctrain);
    sp_corpus_free(&d->ctest);
    memset(d, 0, sizeof *d);
}

enum sp_status sp_trainer_run_data(struct sp_trainer *t, const struct sp_train_data *d,
                                   struct sp_train_result *res)
{
    return d->task == SP_TASK_TEXT ? sp_trainer_run_text(t, &d->ctrain, &d->ctest, res)
                                   : sp_trainer_run(t, &d->train, &d->test, res);
}

void sp_train_opts_epochs(struct sp_train_opts *o, const struct sp_vit_config *c,
                          const struct sp_train_data *d, double epochs, int warmup_set)
{
    double spe = d->task == SP_TASK_TEXT
                     ? floor((double)d->ctrain.n / ((double)o->batch * c->context))
                     : floor((double)d->train.n / o->batch);
    o->steps = (long)fmax(1, floor(epochs * spe + 0.5));
    if (!warmup_set && o->warmup > o->steps)
        o->warmup = o->steps / 10;
}
