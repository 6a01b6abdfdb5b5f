/* The trainer: every parameter gradient and the input gradient of the double model
 * against central finite differences, for every norm, MLP and pooling kind; the float
 * model (sgemm) against the double one; one fixed batch driven near zero loss; the same
 * bits at 1 and 2 threads; resume equals the uninterrupted run; the divergence rule;
 * the IDX loader on crafted good and bad files. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>
#include <zlib.h>

#include "check.h"
#include "net/net_internal.h"
#include "sigprop.h"
#include "sigprop/train.h"
#include "train/train_internal.h"

static uint64_t lcg = 12345;
static double urand(void) /* in [0, 1), a test-local generator */
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) * (1.0 / 9007199254740992.0);
}

static void tiny_config(struct sp_vit_config *c, enum sp_fn na, enum sp_fn nm, enum sp_fn nf,
                        enum sp_mlp_act act, enum sp_pool pool)
{
    sp_vit_config_default(c);
    c->image = 4;
    c->patch = 2; /* 4 patches of 4 pixels */
    c->classes = 3;
    c->width = 4;
    c->heads = 2;
    c->depth = 2;
    c->mlp_ratio = 2;
    c->act = act;
    c->pool = pool;
    c->norm_attn = (struct sp_fnspec){na, 0.7, 0.0};
    c->norm_mlp = (struct sp_fnspec){nm, 1.3, 0.0};
    c->norm_final = (struct sp_fnspec){nf, 0.9, 0.0};
    c->init_std = 0.5;
}

static double loss_f64(const struct vit_layout *L, struct vit_ws_f64 *w, const double *p,
                       const double *img, const uint8_t *lab, int B)
{
    double loss;
    vit_forward_f64(L, p, w, img, lab, B, &loss, NULL);
    return loss;
}

/* d loss / d *x by central differences, h = 1e-5 in double: truncation ~h^2, rounding
 * ~1e-16/h. x points into p or img. */
static double central_diff(const struct vit_layout *L, struct vit_ws_f64 *w, const double *p,
                           const double *img, const uint8_t *lab, int B, double *x)
{
    const double h = 1e-5, keep = *x;
    *x = keep + h;
    double lp = loss_f64(L, w, p, img, lab, B);
    *x = keep - h;
    double lm = loss_f64(L, w, p, img, lab, B);
    *x = keep;
    return (lp - lm) / (2 * h);
}

static void check_gradients(const struct sp_vit_config *c, const char *what)
{
    struct vit_layout L;
    CHECK(vit_layout_new(c, &L) == SP_OK);
    const int B = 3;
    const size_t n = L.n, px = (size_t)c->image * (size_t)c->image;
    float *pf = malloc(n * sizeof *pf);
    double *p = malloc(n * sizeof *p), *g = calloc(n, sizeof *g);
    double *img = malloc((size_t)B * px * sizeof *img), *gimg = malloc((size_t)B * px * sizeof *gimg);
    uint8_t lab[3] = {0, 2, 1};
    vit_init_params(&L, 7, pf);
    for (size_t i = 0; i < n; i++) /* off the symmetric start (beta 0, gamma 1) */
        p[i] = (double)pf[i] + 0.2 * (urand() - 0.5);
    for (size_t i = 0; i < (size_t)B * px; i++)
        img[i] = urand();
    struct vit_ws_f64 *w;
    CHECK(vit_ws_new_f64(&L, B, &w) == SP_OK);
    loss_f64(&L, w, p, img, lab, B);
    vit_backward_f64(&L, p, w, g, gimg);
    int bad = 0;
    double maxerr = 0;
    for (size_t i = 0; i < n; i++) {
        double fd = central_diff(&L, w, p, img, lab, B, &p[i]), e = fabs(fd - g[i]);
        if (e > 1e-8 + 1e-6 * fabs(fd)) {
            if (bad++ < 5)
                fprintf(stderr, "%s: param %zu: analytic %.12g, fd %.12g\n", what, i, g[i], fd);
        }
        maxerr = e > maxerr ? e : maxerr;
    }
    CHECK(bad == 0);
    for (size_t i = 0; i < (size_t)B * px; i++)
        CHECK_CLOSE(gimg[i], central_diff(&L, w, p, img, lab, B, &img[i]), 1e-8, 1e-6);
    /* the gradient is not trivially zero anywhere it should not be */
    double gn = 0;
    for (size_t i = 0; i < n; i++)
        gn += g[i] * g[i];
    CHECK(gn > 1e-6);
    printf("%s: %zu parameters, max |analytic - fd| %.3g\n", what, n, maxerr);

    /* the float model (tiled sgemm) agrees with the double model at the same point */
    struct vit_ws_f32 *wf;
    float *imgf = malloc((size_t)B * px * sizeof *imgf), *gf = calloc(n, sizeof *gf);
    for (size_t i = 0; i < n; i++)
        pf[i] = (float)p[i];
    for (size_t i = 0; i < (size_t)B * px; i++)
        imgf[i] = (float)img[i];
    CHECK(vit_ws_new_f32(&L, B, &wf) == SP_OK);
    double lf, ld = loss_f64(&L, w, p, img, lab, B);
    vit_forward_f32(&L, pf, wf, imgf, lab, B, &lf, NULL);
    vit_backward_f32(&L, pf, wf, gf, NULL);
    CHECK_CLOSE(lf, ld, 1e-5, 1e-5);
    double dn = 0, rn = 0;
    for (size_t i = 0; i < n; i++) {
        dn += ((double)gf[i] - g[i]) * ((double)gf[i] - g[i]);
        rn += g[i] * g[i];
    }
    CHECK(sqrt(dn / rn) < 1e-4);
    vit_ws_free_f32(wf);
    free(imgf);
    free(gf);
    vit_ws_free_f64(w);
    vit_layout_free(&L);
    free(pf);
    free(p);
    free(g);
    free(img);
    free(gimg);
}

static void synthetic(struct sp_dataset *d, size_t n, int side, int classes)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->rows = d->cols = side;
    d->classes = classes;
    d->images = malloc(n * (size_t)(side * side) * sizeof(float));
    d->labels = malloc(n);
    for (size_t i = 0; i < n * (size_t)(side * side); i++)
        d->images[i] = (float)urand();
    for (size_t i = 0; i < n; i++)
        d->labels[i] = (uint8_t)(i % (size_t)classes);
}

static void small_run(struct sp_vit_config *c, struct sp_train_opts *o)
{
    sp_vit_config_default(c);
    c->image = 8;
    c->patch = 2;
    c->width = 16;
    c->heads = 2;
    c->depth = 2;
    sp_train_opts_default(o);
    o->batch = 8;
    o->warmup = 3;
    o->steps = 12;
    o->eval_every = 4;
    o->seed = 99;
}

static void test_overfit(void)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    small_run(&c, &o);
    c.norm_attn = c.norm_mlp = (struct sp_fnspec){SP_FN_DYT, 0.5, 0};
    o.batch = 16;
    /* cosine decay lets it settle: at a constant 1e-2 the loss after 300 steps ranged
     * from 2e-3 to 0.2 with the rounding of the ISA the float passes ran on */
    o.steps = 400;
    o.lr = 2e-2;
    o.warmup = 10;
    o.schedule = SP_LR_COSINE;
    o.weight_decay = 0;
    o.clip = 1; /* without it the loss spikes, and where it ends depends on rounding */
    o.eval_every = 0;
    struct sp_dataset d;
    synthetic(&d, 16, 8, 10); /* one batch: random images, labels 0..9 */
    struct sp_trainer *t;
    struct sp_train_result r;
    CHECK(sp_trainer_new(&c, &o, NULL, &t) == SP_OK);
    CHECK(sp_trainer_run(t, &d, NULL, &r) == SP_OK);
    double l, a;
    CHECK(sp_trainer_evaluate(t, &d, 0, &l, &a) == SP_OK);
    printf("overfit: initial loss %.4f, after %ld steps %.2e, accuracy %.3f\n", r.init_loss,
           r.steps_done, l, a);
    CHECK(r.init_loss > 2.0); /* about log 10 at initialisation */
    CHECK(l < 0.01);
    CHECK(a == 1.0);
    sp_trainer_free(t);
    sp_dataset_free(&d);
}

static float *run_params(int threads, const struct sp_dataset *d, const struct sp_dataset *te,
                         size_t *n, int attn)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    small_run(&c, &o);
    c.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0};
    if (attn) /* 4 heads on 2 K/V heads, RoPE */
        c.heads = 4, c.kv_heads = 2, c.rope = SP_ROPE_INTERLEAVED;
    omp_set_num_threads(threads);
    struct sp_trainer *t;
    struct sp_train_result r;
    CHECK(sp_trainer_new(&c, &o, NULL, &t) == SP_OK);
    CHECK(sp_trainer_run(t, d, te, &r) == SP_OK);
    *n = sp_vit_nparams(&c);
    float *p = malloc(*n * sizeof *p);
    memcpy(p, sp_trainer_params(t), *n * sizeof *p);
    sp_trainer_free(t);
    return p;
}

/* The same bits at 1 and 2 threads under every ISA of the float passes (SP_SIMD caps
 * the choice; one the CPU lacks falls back to the best it has), and the ISAs close to
 * one another: they differ in the last bits of exp, erf and tanh only. attn: with
 * GQA and RoPE. */
static void test_threads(const struct sp_dataset *d, const struct sp_dataset *te, int attn)
{
    const char *isas[] = {"scalar", "avx2", "avx512"};
    float *first = NULL;
    size_t n1, n2;
    for (int k = 0; k < 3; k++) {
        setenv("SP_SIMD", isas[k], 1);
        net_par_min = 0; /* every net_gemm tile loop in parallel too */
        float *p1 = run_params(1, d, te, &n1, attn);
        float *p2 = run_params(2, d, te, &n2, attn);
        net_par_min = NET_PAR_MIN;
        CHECK(n1 == n2 && memcmp(p1, p2, n1 * sizeof *p1) == 0);
        if (first) {
            double dn = 0, rn = 0;
            for (size_t i = 0; i < n1; i++) {
                const double e = (double)p1[i] - (double)first[i];
                dn += e * e;
                rn += (double)first[i] * (double)first[i];
            }
            CHECK(sqrt(dn / rn) < 1e-4);
            free(p1);
        } else {
            first = p1;
        }
        free(p2);
    }
    unsetenv("SP_SIMD");
    free(first);
}

struct copy_ctx {
    const char *from, *to;
    long at;
};
static void copy_at(void *ctx, long step, long steps, double loss)
{
    struct copy_ctx *cc = ctx;
    (void)steps;
    (void)loss;
    if (step != cc->at)
        return;
    FILE *a = fopen(cc->from, "rb"), *b = fopen(cc->to, "wb");
    char buf[4096];
    size_t k;
    while (a && b && (k = fread(buf, 1, sizeof buf, a)) > 0)
        fwrite(buf, 1, k, b);
    if (a)
        fclose(a);
    if (b)
        fclose(b);
}

static int tables_equal(const struct sp_table *x, const struct sp_table *y)
{
    if (sp_table_nrows(x) != sp_table_nrows(y) || sp_table_ncols(x) != sp_table_ncols(y))
        return 0;
    for (int c = 0; c < sp_table_ncols(x); c++)
        if (memcmp(sp_table_col_data(x, c), sp_table_col_data(y, c),
                   sp_table_nrows(x) * sizeof(double)) != 0)
            return 0;
    return 1;
}

static void test_resume(const struct sp_dataset *d, const struct sp_dataset *te, const char *dir)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    small_run(&c, &o);
    o.clip = 0.5;
    char ck[512], ck5[512];
    snprintf(ck, sizeof ck, "%s/run.ckpt", dir);
    snprintf(ck5, sizeof ck5, "%s/run5.ckpt", dir);
    struct copy_ctx cc = {ck, ck5, 5};
    o.checkpoint_path = ck;
    o.checkpoint_every = 5;
    o.progress = copy_at;
    o.progress_ctx = &cc;
    struct sp_trainer *a, *b;
    struct sp_train_result ra, rb;
    CHECK(sp_trainer_new(&c, &o, NULL, &a) == SP_OK);
    CHECK(sp_trainer_run(a, d, te, &ra) == SP_OK);
    /* resume from the step-5 checkpoint; its settings come from the file */
    struct sp_vit_config c2;
    struct sp_train_opts o2;
    sp_vit_config_default(&c2);
    sp_train_opts_default(&o2);
    CHECK(sp_trainer_new(&c2, &o2, ck5, &b) == SP_OK);
    CHECK(sp_trainer_step(b) == 5);
    CHECK(sp_trainer_run(b, d, te, &rb) == SP_OK);
    size_t n = sp_vit_nparams(&c);
    CHECK(memcmp(sp_trainer_params(a), sp_trainer_params(b), n * sizeof(float)) == 0);
    CHECK(tables_equal(sp_trainer_log(a), sp_trainer_log(b)));
    CHECK(ra.eval_acc == rb.eval_acc && ra.eval_loss == rb.eval_loss);
    /* the log: warmup ramps the rate, cosine ends near zero, eval every 4 steps */
    const struct sp_table *lg = sp_trainer_log(a);
    int lr = sp_table_find(lg, "lr"), ea = sp_table_find(lg, "eval_acc");
    CHECK(sp_table_nrows(lg) == 12);
    CHECK_CLOSE(sp_table_num(lg, 0, lr), o.lr / 3, 0, 1e-12);
    CHECK_CLOSE(sp_table_num(lg, 2, lr), o.lr, 0, 1e-12);
    CHECK(sp_table_num(lg, 11, lr) < 0.05 * o.lr);
    CHECK(isnan(sp_table_num(lg, 2, ea)) && !isnan(sp_table_num(lg, 3, ea)));
    CHECK(sp_table_find(lg, "update_ratio_block1") >= 0);
    CHECK(sp_table_num(lg, 3, sp_table_find(lg, "update_ratio_block1")) > 0);
    /* a corrupt checkpoint is refused */
    FILE *f = fopen(ck5, "r+b");
    fseek(f, 100, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    struct sp_trainer *bad = NULL;
    CHECK(sp_trainer_new(&c2, &o2, ck5, &bad) == SP_EFORMAT && bad == NULL);
    CHECK(strstr(sp_last_error(), "checksum") != NULL);
    sp_trainer_free(a);
    sp_trainer_free(b);
    unlink(ck);
    unlink(ck5);
}

static void test_divergence(const struct sp_dataset *d)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    small_run(&c, &o);
    o.lr = 10;
    o.warmup = 0;
    o.clip = 0;
    o.steps = 50;
    o.diverge_factor = 2;
    struct sp_trainer *t;
    struct sp_train_result r;
    CHECK(sp_trainer_new(&c, &o, NULL, &t) == SP_OK);
    CHECK(sp_trainer_run(t, d, NULL, &r) == SP_OK);
    printf("divergence: lr 10 stopped at step %ld\n", r.diverged_step);
    CHECK(r.diverged == 1 && r.diverged_step > 0 && r.diverged_step < 50);
    CHECK((long)sp_table_nrows(sp_trainer_log(t)) == r.diverged_step);
    CHECK(r.steps_done == r.diverged_step);
    sp_trainer_free(t);
    o.lr = -1;
    CHECK(sp_trainer_new(&c, &o, NULL, &t) == SP_EINVAL && t == NULL);
    CHECK(strstr(sp_last_error(), "learning rate") != NULL);
}

/* ---- IDX files ---- */

static void put32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
}

/* Writes an IDX file (gzip unless plain): magic, dims, then count payload bytes. */
static void write_idx(const char *path, uint32_t magic, const uint32_t *dims, int nd,
                      const unsigned char *payload, size_t count, int plain)
{
    unsigned char h[16];
    put32(h, magic);
    for (int i = 0; i < nd; i++)
        put32(h + 4 + 4 * i, dims[i]);
    gzFile f = gzopen(path, plain ? "wbT" : "wb");
    gzwrite(f, h, (unsigned)(4 + 4 * nd));
    if (count)
        gzwrite(f, payload, (unsigned)count);
    gzclose(f);
}

static void test_loader(const char *dir)
{
    char im[512], lb[512];
    snprintf(im, sizeof im, "%s/img.gz", dir);
    snprintf(lb, sizeof lb, "%s/lab.gz", dir);
    unsigned char pix[5 * 4 * 3], labs[5] = {0, 1, 2, 9, 3};
    for (size_t i = 0; i < sizeof pix; i++)
        pix[i] = (unsigned char)(i * 7);
    uint32_t di[3] = {5, 4, 3}, dl[1] = {5};
    struct sp_dataset d;
    write_idx(im, 0x803, di, 3, pix, sizeof pix, 0);
    write_idx(lb, 0x801, dl, 1, labs, 5, 1); /* uncompressed labels read too */
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_OK);
    CHECK(d.n == 5 && d.rows == 4 && d.cols == 3);
    if (d.images) {
        CHECK_CLOSE(d.images[13], 13 * 7 / 255.0, 1e-7, 0);
        CHECK(d.labels[3] == 9);
    }
    sp_dataset_free(&d);
    /* label out of range for 9 classes */
    CHECK(sp_dataset_load(im, lb, 9, &d) == SP_EFORMAT && d.images == NULL);
    CHECK(strstr(sp_last_error(), "label 9") != NULL);
    /* wrong magic */
    write_idx(lb, 0x803, dl, 1, labs, 5, 0);
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "magic") != NULL);
    /* counts that differ */
    dl[0] = 4;
    write_idx(lb, 0x801, dl, 1, labs, 4, 0);
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "5 images but") != NULL);
    /* a payload shorter than the header says */
    dl[0] = 5;
    write_idx(lb, 0x801, dl, 1, labs, 5, 0);
    write_idx(im, 0x803, di, 3, pix, sizeof pix - 1, 0);
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "truncated") != NULL);
    /* longer than it says */
    write_idx(lb, 0x801, dl, 1, labs, 5, 0);
    di[0] = 4;
    write_idx(im, 0x803, di, 3, pix, sizeof pix, 0);
    dl[0] = 4;
    write_idx(lb, 0x801, dl, 1, labs, 4, 0);
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "longer") != NULL);
    /* a gzip member cut short: the compressed file loses its last 12 bytes */
    di[0] = 5;
    write_idx(im, 0x803, di, 3, pix, sizeof pix, 0);
    dl[0] = 5;
    write_idx(lb, 0x801, dl, 1, labs, 5, 0);
    FILE *f = fopen(im, "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fclose(f);
    CHECK(truncate(im, len - 12) == 0);
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_EFORMAT);
    fprintf(stderr, "truncated gzip: %s\n", sp_last_error());
    /* a zero dimension */
    di[1] = 0;
    write_idx(im, 0x803, di, 3, pix, 0, 0);
    CHECK(sp_dataset_load(im, lb, 10, &d) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "dimension 1") != NULL);
    /* a missing file */
    CHECK(sp_dataset_load("/nonexistent/x.gz", lb, 10, &d) == SP_EIO);
    unlink(im);
    unlink(lb);
}

/* sp_train_meta_json: the three objects in order, the evaluation only when finite,
 * bits per byte for the text task (1 nat = 1/ln 2 bits). */
static void test_meta(void)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    sp_vit_config_default(&c);
    sp_train_opts_default(&o);
    struct sp_train_result r = {.steps_done = 3, .diverged_step = -1, .init_loss = 2.5,
                                .eval_loss = NAN, .eval_acc = NAN};
    char *j = sp_train_meta_json(&c, &o, &r);
    CHECK(j && !strncmp(j, "{\"model\":{\"task\":\"fmnist\",\"width\":", 32));
    CHECK(j && strstr(j, "},\"optimiser\":{\"steps\":") && strstr(j, "},\"result\":{\"steps_done\":3,"));
    CHECK(j && !strstr(j, "eval_loss") && !strstr(j, "context"));
    free(j);
    c.task = SP_TASK_TEXT, c.context = 16;
    r.eval_loss = M_LN2, r.eval_acc = 0.5;
    j = sp_train_meta_json(&c, &o, &r);
    CHECK(j && strstr(j, "\"context\":16") && strstr(j, "\"eval_bits_per_byte\":1}"));
    free(j);
    /* the one-line description of a run */
    sp_vit_config_default(&c);
    c.width = 8, c.heads = 2, c.kv_heads = 1, c.depth = 1;
    o.steps = 5, o.batch = 4, o.warmup = 0;
    struct sp_trainer *t = NULL;
    char buf[512];
    CHECK(sp_trainer_new(&c, &o, NULL, &t) == SP_OK);
    if (t) {
        size_t n = sp_trainer_describe(t, buf, sizeof buf);
        CHECK(n == strlen(buf) && !strncmp(buf, "ViT d=8 L=1 H=2 (1 K/V), ", 25));
        CHECK(strstr(buf, "pool; 5 steps of 4 (from step 0), lr ") && strstr(buf, ", warmup 0, "));
    }
    sp_trainer_free(t);
}

/* sp_fmnist_load: the two splits by their file names, the training split cut to
 * train_max, both zeroed when the test split is missing. */
static void test_fmnist(const char *dir)
{
    static const char *const names[4] = {"train-images-idx3-ubyte.gz",
                                         "train-labels-idx1-ubyte.gz",
                                         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    char path[4][512];
    for (int i = 0; i < 4; i++)
        snprintf(path[i], sizeof path[i], "%s/%s", dir, names[i]);
    unsigned char pix[6 * 2 * 2] = {0}, labs[6] = {0, 1, 2, 3, 4, 5};
    uint32_t di[3] = {6, 2, 2}, dl[1] = {6}, ti[3] = {3, 2, 2}, tl[1] = {3};
    write_idx(path[0], 0x803, di, 3, pix, sizeof pix, 0);
    write_idx(path[1], 0x801, dl, 1, labs, 6, 0);
    write_idx(path[2], 0x803, ti, 3, pix, 12, 0);
    write_idx(path[3], 0x801, tl, 1, labs, 3, 0);
    struct sp_dataset tr, te;
    CHECK(sp_fmnist_load(dir, 4, &tr, &te) == SP_OK && tr.n == 4 && te.n == 3);
    CHECK(tr.classes == 10 && te.rows == 2);
    sp_dataset_free(&tr);
    sp_dataset_free(&te);
    CHECK(sp_fmnist_load(dir, 0, NULL, &te) == SP_OK && te.n == 3);
    sp_dataset_free(&te);
    /* sp_train_data_load: the same cut, and a batch above the training images refused
     * with its reason and nothing kept */
    struct sp_train_data d;
    CHECK(sp_train_data_load(SP_TASK_IMAGE, dir, 5, 5, &d) == SP_OK && d.task == SP_TASK_IMAGE);
    CHECK(d.train.n == 5 && d.test.n == 3 && d.ctrain.text == NULL);
    /* sp_train_opts_epochs: 5 images of batch 2 are 2 whole batches a pass; 1.5 passes
     * are 3 steps, a warmup of 100 given by default becomes a tenth (0), one set stays */
    struct sp_vit_config vc;
    sp_vit_config_default(&vc);
    struct sp_train_opts to;
    sp_train_opts_default(&to);
    to.batch = 2;
    to.warmup = 100;
    sp_train_opts_epochs(&to, &vc, &d, 1.5, 0);
    CHECK(to.steps == 3 && to.warmup == 0);
    to.warmup = 100;
    sp_train_opts_epochs(&to, &vc, &d, 0.01, 1);
    CHECK(to.steps == 1 && to.warmup == 100); /* at least one step */
    sp_train_data_free(&d);
    sp_train_data_free(&d); /* zeroed: a no-op */
    CHECK(sp_train_data_load(SP_TASK_IMAGE, dir, 5, 6, &d) == SP_EINVAL && !d.train.images);
    CHECK(!strcmp(sp_last_error(), "train: batch 6 is larger than the 5 training images"));
    CHECK(sp_train_data_load(SP_TASK_IMAGE, dir, 0, 6, &d) == SP_OK && d.train.n == 6);
    sp_train_data_free(&d);
    unlink(path[3]);
    CHECK(sp_train_data_load(SP_TASK_IMAGE, dir, 0, 0, &d) == SP_EIO && !d.train.images);
    CHECK(sp_fmnist_load(dir, 0, &tr, &te) == SP_EIO && !tr.images && !te.images);
    CHECK(strstr(sp_last_error(), "t10k-labels") != NULL);
    for (int i = 0; i < 3; i++)
        unlink(path[i]);
}

int main(void)
{
    char dir[] = "/tmp/sp_test_train_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct sp_vit_config c;
    tiny_config(&c, SP_FN_LN, SP_FN_LN, SP_FN_LN, SP_ACT_GELU, SP_POOL_CLS);
    check_gradients(&c, "ln/gelu/cls");
    tiny_config(&c, SP_FN_RMS, SP_FN_RMS, SP_FN_RMS, SP_ACT_GELU, SP_POOL_CLS);
    check_gradients(&c, "rms/gelu/cls");
    tiny_config(&c, SP_FN_RMS, SP_FN_RMS, SP_FN_RMS, SP_ACT_SWIGLU, SP_POOL_MEAN);
    check_gradients(&c, "rms/swiglu/mean");
    tiny_config(&c, SP_FN_DYT, SP_FN_DYT, SP_FN_DYT, SP_ACT_RELU, SP_POOL_MEAN);
    check_gradients(&c, "dyt/relu/mean");
    tiny_config(&c, SP_FN_DERF, SP_FN_DERF, SP_FN_DERF, SP_ACT_GELU, SP_POOL_MEAN);
    c.norm_attn.shift = 0.3;
    c.norm_mlp.shift = -0.2;
    check_gradients(&c, "derf/gelu/mean (shift)");
    tiny_config(&c, SP_FN_DERF, SP_FN_DYT, SP_FN_LN, SP_ACT_RELU, SP_POOL_CLS);
    c.heads = 1;
    c.depth = 3;
    check_gradients(&c, "derf+dyt+ln/relu/cls, 1 head, 3 blocks");
    /* the ViT with GQA and RoPE (positions: the token index, CLS 0) */
    tiny_config(&c, SP_FN_LN, SP_FN_LN, SP_FN_LN, SP_ACT_GELU, SP_POOL_CLS);
    c.width = 8, c.heads = 2, c.kv_heads = 1, c.rope = SP_ROPE_HALF, c.rope_theta = 10.0;
    check_gradients(&c, "ln/gelu/cls, gqa 2/1 + rope half");

    struct sp_dataset tr, te;
    synthetic(&tr, 40, 8, 10);
    synthetic(&te, 20, 8, 10);
    test_threads(&tr, &te, 0);
    test_threads(&tr, &te, 1);
    test_resume(&tr, &te, dir);
    test_divergence(&tr);
    test_overfit();
    test_loader(dir);
    test_fmnist(dir);
    test_meta();
    sp_dataset_free(&tr);
    sp_dataset_free(&te);
    rmdir(dir);
    return check_done();
}
