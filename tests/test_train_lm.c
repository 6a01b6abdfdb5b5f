/* The trainer's language-model task: every parameter gradient of the double model
 * (token table, positions, causal attention, norms, MLP, head) against central finite
 * differences for every norm and MLP kind; causality (a later byte changes no earlier
 * position's output); the float model against the double one; one fixed window driven
 * near zero loss; the same bits at 1 and 2 threads; resume equals the uninterrupted
 * run; the same with RoPE, grouped-query attention and both, and at contexts of
 * several causal row tiles; the corpus loader on crafted good and bad files. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <omp.h>

#include "check.h"
#include "net/net_internal.h"
#include "sigprop.h"
#include "sigprop/train.h"
#include "train/train_internal.h"

static uint64_t lcg = 4242;
static double urand(void) /* in [0, 1), a test-local generator */
{
    lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(lcg >> 11) * (1.0 / 9007199254740992.0);
}

static void tiny_lm(struct sp_vit_config *c, enum sp_fn na, enum sp_fn nm, enum sp_fn nf,
                    enum sp_mlp_act act)
{
    sp_lm_config_default(c);
    c->classes = 5; /* bytes 0..4 */
    c->context = 4;
    c->width = 4;
    c->heads = 2;
    c->depth = 2;
    c->mlp_ratio = 2;
    c->act = act;
    c->norm_attn = (struct sp_fnspec){na, 0.7, 0.0};
    c->norm_mlp = (struct sp_fnspec){nm, 1.3, 0.0};
    c->norm_final = (struct sp_fnspec){nf, 0.9, 0.0};
    c->init_std = 0.5;
}

static double lm_loss(const struct vit_layout *L, struct vit_ws_f64 *w, const double *p,
                      const uint8_t *seq, int B)
{
    double loss;
    vit_forward_text_f64(L, p, w, seq, B, &loss, NULL);
    return loss;
}

static void check_lm_gradients(const struct sp_vit_config *c, const char *what)
{
    struct vit_layout L;
    CHECK(vit_layout_new(c, &L) == SP_OK);
    lcg = 4242; /* each check from the same random state, whatever ran before it */
    const int B = 3, T = c->context;
    const size_t n = L.n, ns = (size_t)B * (size_t)(T + 1);
    float *pf = malloc(n * sizeof *pf);
    double *p = malloc(n * sizeof *p), *g = calloc(n, sizeof *g);
    uint8_t *seq = malloc(ns);
    for (size_t i = 0; i < ns; i++)
        seq[i] = (uint8_t)(urand() * c->classes);
    vit_init_params(&L, 7, pf);
    for (size_t i = 0; i < n; i++) /* off the symmetric start (beta 0, gamma 1) */
        p[i] = (double)pf[i] + 0.2 * (urand() - 0.5);
    struct vit_ws_f64 *w;
    CHECK(vit_ws_new_f64(&L, B, &w) == SP_OK);
    lm_loss(&L, w, p, seq, B);
    vit_backward_f64(&L, p, w, g, NULL);
    int bad = 0;
    double maxerr = 0;
    for (size_t i = 0; i < n; i++) {
        const double h = 1e-5, keep = p[i];
        p[i] = keep + h;
        double lp = lm_loss(&L, w, p, seq, B);
        p[i] = keep - h;
        double lm = lm_loss(&L, w, p, seq, B);
        p[i] = keep;
        double fd = (lp - lm) / (2 * h), e = fabs(fd - g[i]);
        if (e > 1e-8 + 1e-6 * fabs(fd) && bad++ < 5)
            fprintf(stderr, "%s: param %zu: analytic %.12g, fd %.12g\n", what, i, g[i], fd);
        maxerr = e > maxerr ? e : maxerr;
    }
    CHECK(bad == 0);
    /* every group has a gradient: token rows of the bytes seen, positions, head */
    double ge = 0, gp = 0, gh = 0;
    for (size_t i = 0; i < (size_t)c->classes * (size_t)L.d; i++)
        ge += g[L.wte + i] * g[L.wte + i];
    for (size_t i = 0; i < (size_t)T * (size_t)L.d; i++)
        gp += g[L.pos + i] * g[L.pos + i];
    for (size_t i = 0; i < (size_t)L.d * (size_t)c->classes; i++)
        gh += g[L.wh + i] * g[L.wh + i];
    CHECK(ge > 1e-8 && gp > 1e-8 && gh > 1e-8);
    printf("%s: %zu parameters, max |analytic - fd| %.3g\n", what, n, maxerr);

    /* causality: a new last byte of each sequence's input changes no earlier position's
     * output stream (the head and the final norm act on each position alone) */
    const size_t C = (size_t)L.d, rows = (size_t)B * (size_t)T;
    double *probs = malloc(rows * C * sizeof *probs);
    lm_loss(&L, w, p, seq, B);
    memcpy(probs, vit_stream_f64(&L, w, c->depth), rows * C * sizeof *probs);
    for (int b = 0; b < B; b++) {
        uint8_t *last = &seq[(size_t)b * (size_t)(T + 1) + (size_t)T - 1];
        *last = (uint8_t)((*last + 1) % c->classes);
    }
    lm_loss(&L, w, p, seq, B);
    const double *after = vit_stream_f64(&L, w, c->depth);
    int earlier_same = 1, last_moved = 1;
    for (size_t r = 0; r < rows; r++) {
        int same = memcmp(probs + r * C, after + r * C, C * sizeof *probs) == 0;
        if (r % (size_t)T < (size_t)T - 1)
            earlier_same &= same;
        else
            last_moved &= !same;
    }
    CHECK(earlier_same && last_moved);
    free(probs);

    /* the float model agrees with the double model */
    struct vit_ws_f32 *wf;
    float *gf = calloc(n, sizeof *gf);
    for (size_t i = 0; i < n; i++)
        pf[i] = (float)p[i];
    memset(g, 0, n * sizeof *g);
    double lf, ld = lm_loss(&L, w, p, seq, B);
    vit_backward_f64(&L, p, w, g, NULL);
    CHECK(vit_ws_new_f32(&L, B, &wf) == SP_OK);
    vit_forward_text_f32(&L, pf, wf, seq, B, &lf, NULL);
    vit_backward_f32(&L, pf, wf, gf, NULL);
    CHECK_CLOSE(lf, ld, 1e-5, 1e-5);
    double dn = 0, rn = 0;
    for (size_t i = 0; i < n; i++) {
        dn += ((double)gf[i] - g[i]) * ((double)gf[i] - g[i]);
        rn += g[i] * g[i];
    }
    CHECK(sqrt(dn / rn) < 1e-4);
    vit_ws_free_f32(wf);
    free(gf);
    vit_ws_free_f64(w);
    vit_layout_free(&L);
    free(pf);
    free(p);
    free(g);
    free(seq);
}

/* A corpus of n bytes below classes (a test-local generator). */
static void synthetic(struct sp_corpus *c, size_t n, int classes)
{
    c->n = n;
    c->records = 1;
    c->text = malloc(n);
    for (size_t i = 0; i < n; i++)
        c->text[i] = (uint8_t)(urand() * classes);
}

static void small_lm(struct sp_vit_config *c, struct sp_train_opts *o)
{
    sp_lm_config_default(c);
    c->classes = 16;
    c->context = 8;
    c->width = 16;
    c->heads = 2;
    c->depth = 2;
    sp_train_opts_default(o);
    o->batch = 4;
    o->warmup = 3;
    o->steps = 12;
    o->eval_every = 4;
    o->seed = 77;
}

static void test_overfit(void)
{
    /* a corpus of one window: every batch is the same B copies of it */
    struct sp_vit_config c;
    struct sp_train_opts o;
    small_lm(&c, &o);
    o.steps = 200;
    o.lr = 1e-2;
    o.warmup = 10;
    o.weight_decay = 0;
    struct sp_corpus tr;
    synthetic(&tr, (size_t)c.context + 1, c.classes);
    struct sp_trainer *t;
    struct sp_train_result r;
    CHECK(sp_trainer_new(&c, &o, NULL, &t) == SP_OK);
    CHECK(sp_trainer_run_text(t, &tr, &tr, &r) == SP_OK);
    printf("overfit: loss %.4f -> %.5f, eval accuracy %.3f\n", r.init_loss, r.final_train_loss,
           r.eval_acc);
    CHECK(r.init_loss > 2.0); /* ln 16 = 2.77 at the start */
    CHECK(r.final_train_loss < 0.05);
    CHECK(r.eval_acc == 1.0);
    /* the wrong data kind is refused */
    struct sp_dataset d = {0};
    CHECK(sp_trainer_run(t, &d, NULL, &r) == SP_EINVAL);
    tr.text[0] = 200; /* beyond the vocabulary */
    CHECK(sp_trainer_run_text(t, &tr, NULL, &r) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "vocabulary") != NULL);
    tr.n = (size_t)c.context; /* shorter than a window */
    CHECK(sp_trainer_run_text(t, &tr, NULL, &r) == SP_EINVAL);
    sp_trainer_free(t);
    sp_corpus_free(&tr);
}

/* 1 and 2 threads give the same bits; stop at 5 + resume equals the uninterrupted run.
 * attn: GQA (2 heads on 1 K/V head), RoPE (half pairing) and a context of 40 (two row
 * tiles of the causal attention), all carried by the checkpoint. */
static void test_resume(const struct sp_corpus *tr, const struct sp_corpus *te, const char *dir,
                        int attn)
{
    struct sp_vit_config c;
    struct sp_train_opts o;
    small_lm(&c, &o);
    if (attn) {
        c.kv_heads = 1;
        c.rope = SP_ROPE_HALF;
        c.rope_theta = 500;
        c.context = 40;
    }
    char ck[512];
    snprintf(ck, sizeof ck, "%s/lm.ckpt", dir);
    c.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0};
    struct sp_trainer *a, *b, *half, *two;
    struct sp_train_result ra, rb, rh, r2;
    /* the uninterrupted run at 1 thread, the same at 2 threads (every parallel loop
     * forced on): the same bits */
    omp_set_num_threads(1);
    CHECK(sp_trainer_new(&c, &o, NULL, &a) == SP_OK);
    CHECK(sp_trainer_run_text(a, tr, te, &ra) == SP_OK);
    omp_set_num_threads(2);
    net_par_min = 0;
    CHECK(sp_trainer_new(&c, &o, NULL, &two) == SP_OK);
    CHECK(sp_trainer_run_text(two, tr, te, &r2) == SP_OK);
    net_par_min = NET_PAR_MIN;
    omp_set_num_threads(1);
    const size_t n = sp_vit_nparams(&c);
    CHECK(memcmp(sp_trainer_params(a), sp_trainer_params(two), n * sizeof(float)) == 0);
    o.checkpoint_path = ck;
    o.stop_at = 5;
    CHECK(sp_trainer_new(&c, &o, NULL, &half) == SP_OK);
    CHECK(sp_trainer_run_text(half, tr, te, &rh) == SP_OK && rh.steps_done == 5);
    /* resume: the settings, task and context come from the file */
    struct sp_vit_config c2;
    struct sp_train_opts o2;
    sp_vit_config_default(&c2);
    sp_train_opts_default(&o2);
    CHECK(sp_trainer_new(&c2, &o2, ck, &b) == SP_OK);
    CHECK(sp_trainer_step(b) == 5);
    CHECK(sp_trainer_config(b)->task == SP_TASK_TEXT &&
          sp_trainer_config(b)->context == c.context);
    CHECK(sp_trainer_config(b)->kv_heads == c.kv_heads && sp_trainer_config(b)->rope == c.rope &&
          sp_trainer_config(b)->rope_theta == c.rope_theta);
    CHECK(sp_trainer_run_text(b, tr, te, &rb) == SP_OK);
    CHECK(memcmp(sp_trainer_params(a), sp_trainer_params(b), n * sizeof(float)) == 0);
    CHECK(ra.eval_acc == rb.eval_acc && ra.eval_loss == rb.eval_loss);
    const struct sp_table *la = sp_trainer_log(a), *lb = sp_trainer_log(b);
    CHECK(sp_table_nrows(la) == 12 && sp_table_nrows(lb) == 12);
    for (int col = 0; col < sp_table_ncols(la); col++)
        CHECK(memcmp(sp_table_col_data(la, col), sp_table_col_data(lb, col),
                     12 * sizeof(double)) == 0);
    /* a language-model checkpoint is not a ViT for measure --weights */
    struct sp_vit_net *v = NULL;
    CHECK(sp_vit_net_load(ck, &v) == SP_EUNSUPPORTED && v == NULL);
    CHECK(sp_vit_net_init(&c, 1, &v) == SP_EUNSUPPORTED && v == NULL);
    sp_trainer_free(a);
    sp_trainer_free(b);
    sp_trainer_free(half);
    sp_trainer_free(two);
    unlink(ck);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
}

static void test_loader(const char *dir)
{
    char path[512], sub[512];
    struct sp_corpus tr, ho;
    /* twenty records: the split by hash puts some in each part, every byte kept */
    snprintf(path, sizeof path, "%s/fort", dir);
    char text[4096] = "";
    for (int i = 0; i < 20; i++) {
        char rec[64];
        snprintf(rec, sizeof rec, "saying number %d\nsecond line\n%%\n", i);
        strcat(text, rec);
    }
    write_file(path, text, strlen(text));
    CHECK(sp_corpus_load(path, &tr, &ho) == SP_OK);
    CHECK(tr.records + ho.records == 20 && tr.records > 0 && ho.records > 0);
    CHECK(tr.n + ho.n == strlen(text));
    CHECK(memcmp(tr.text + tr.n - 2, "%\n", 2) == 0);
    size_t trn = tr.n;
    sp_corpus_free(&tr);
    sp_corpus_free(&ho);
    /* sp_train_data_load: the same corpus with the training bytes cut to train_max (the
     * batch is not a count of bytes: not checked) */
    struct sp_train_data d;
    CHECK(sp_train_data_load(SP_TASK_TEXT, path, 10, 1000, &d) == SP_OK);
    CHECK(d.task == SP_TASK_TEXT && d.ctrain.n == 10 && d.ctest.n == strlen(text) - trn);
    CHECK(d.train.images == NULL);
    sp_train_data_free(&d);
    /* a directory: the same file plus an index (.dat) and a link (.u8), both skipped */
    snprintf(sub, sizeof sub, "%s/d", dir);
    CHECK(mkdir(sub, 0700) == 0);
    char f2[600], f3[600], f4[600];
    snprintf(f2, sizeof f2, "%s/fort", sub);
    snprintf(f3, sizeof f3, "%s/fort.dat", sub);
    snprintf(f4, sizeof f4, "%s/fort.u8", sub);
    write_file(f2, text, strlen(text));
    write_file(f3, "\0\0\0\2binary", 10);
    CHECK(symlink("fort", f4) == 0);
    CHECK(sp_corpus_load(sub, &tr, &ho) == SP_OK && tr.n == trn);
    sp_corpus_free(&tr);
    sp_corpus_free(&ho);
    /* refusals, each naming the problem */
    char bad[600];
    snprintf(bad, sizeof bad, "%s/missing", dir);
    CHECK(sp_corpus_load(bad, &tr, &ho) == SP_EIO && tr.text == NULL);
    snprintf(bad, sizeof bad, "%s/empty", dir);
    write_file(bad, "", 0);
    CHECK(sp_corpus_load(bad, &tr, &ho) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "empty") != NULL);
    unlink(bad);
    snprintf(bad, sizeof bad, "%s/nul", dir);
    write_file(bad, "text\0more\n%\nx\n", 14);
    CHECK(sp_corpus_load(bad, &tr, &ho) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "NUL") != NULL);
    unlink(bad);
    snprintf(bad, sizeof bad, "%s/one", dir);
    write_file(bad, "a single record\n", 16);
    CHECK(sp_corpus_load(bad, &tr, &ho) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "both") != NULL);
    unlink(bad);
    unlink(f2);
    unlink(f3);
    unlink(f4);
    rmdir(sub);
    unlink(path);
}

int main(void)
{
    char dir[] = "/tmp/sp_test_train_lm_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct sp_vit_config c;
    tiny_lm(&c, SP_FN_LN, SP_FN_LN, SP_FN_LN, SP_ACT_GELU);
    check_lm_gradients(&c, "lm ln/gelu");
    tiny_lm(&c, SP_FN_RMS, SP_FN_RMS, SP_FN_RMS, SP_ACT_SWIGLU);
    check_lm_gradients(&c, "lm rms/swiglu (LLaMA's block)");
    tiny_lm(&c, SP_FN_DYT, SP_FN_DYT, SP_FN_DYT, SP_ACT_SWIGLU);
    check_lm_gradients(&c, "lm dyt/swiglu");
    tiny_lm(&c, SP_FN_DYT, SP_FN_DYT, SP_FN_DYT, SP_ACT_RELU);
    check_lm_gradients(&c, "lm dyt/relu");
    tiny_lm(&c, SP_FN_DERF, SP_FN_DERF, SP_FN_DERF, SP_ACT_GELU);
    c.norm_attn.shift = 0.3;
    c.norm_mlp.shift = -0.2;
    check_lm_gradients(&c, "lm derf/gelu (shift)");
    tiny_lm(&c, SP_FN_DERF, SP_FN_DYT, SP_FN_LN, SP_ACT_RELU);
    c.heads = 1;
    c.depth = 3;
    c.context = 6;
    check_lm_gradients(&c, "lm derf+dyt+ln/relu, 1 head, 3 blocks, context 6");
    /* 3 x 24 = 72 rows >= 8 max(k, n) of every product but qkv (4 x 12): their weight gradients
     * are summed from row slices (VIT_KSPLIT in vit_body.h) */
    tiny_lm(&c, SP_FN_LN, SP_FN_LN, SP_FN_LN, SP_ACT_GELU);
    c.context = 24;
    check_lm_gradients(&c, "lm ln/gelu, context 24 (weight gradients in row slices)");
    tiny_lm(&c, SP_FN_RMS, SP_FN_RMS, SP_FN_RMS, SP_ACT_SWIGLU);
    c.context = 24; /* the sliced path sized by the products' hidden width, not z | z3's */
    check_lm_gradients(&c, "lm rms/swiglu, context 24 (weight gradients in row slices)");
    /* the attention options: RoPE (both pairings), GQA, both; 4 heads of dh 2 */
    tiny_lm(&c, SP_FN_RMS, SP_FN_RMS, SP_FN_RMS, SP_ACT_SWIGLU);
    c.width = 16, c.heads = 4, c.rope = SP_ROPE_INTERLEAVED, c.rope_theta = 10.0; /* dh 4 */
    check_lm_gradients(&c, "lm rope interleaved");
    c.rope = SP_ROPE_HALF;
    check_lm_gradients(&c, "lm rope half");
    c.width = 8, c.rope = SP_ROPE_NONE, c.kv_heads = 2;
    check_lm_gradients(&c, "lm gqa 4/2");
    c.kv_heads = 1;
    c.act = SP_ACT_GELU;
    check_lm_gradients(&c, "lm gqa 4/1 (multi-query)");
    c.kv_heads = 2, c.rope = SP_ROPE_INTERLEAVED, c.width = 16;
    check_lm_gradients(&c, "lm gqa 4/2 + rope, dh 4");
    /* context 70: three row tiles of the causal attention (the last one partial), the
     * products over the lower triangle only */
    tiny_lm(&c, SP_FN_LN, SP_FN_LN, SP_FN_LN, SP_ACT_GELU);
    c.context = 70, c.heads = 2, c.kv_heads = 1, c.rope = SP_ROPE_HALF, c.rope_theta = 100.0;
    check_lm_gradients(&c, "lm context 70 (causal row tiles), gqa 2/1 + rope");
    c.kv_heads = 0, c.rope = SP_ROPE_NONE;
    check_lm_gradients(&c, "lm context 70 (causal row tiles)");
    /* refusals, each naming its reason */
    tiny_lm(&c, SP_FN_LN, SP_FN_LN, SP_FN_LN, SP_ACT_GELU);
    c.heads = 4, c.kv_heads = 3;
    CHECK(sp_vit_config_check(&c) == SP_EINVAL && strstr(sp_last_error(), "kv-heads") != NULL);
    c.kv_heads = 8;
    CHECK(sp_vit_config_check(&c) == SP_EINVAL);
    c.kv_heads = 0, c.rope = SP_ROPE_INTERLEAVED; /* dh = 1 */
    CHECK(sp_vit_config_check(&c) == SP_EINVAL && strstr(sp_last_error(), "odd") != NULL);
    c.heads = 2, c.rope_theta = 1.0;
    CHECK(sp_vit_config_check(&c) == SP_EINVAL && strstr(sp_last_error(), "theta") != NULL);
    c.rope_theta = 1e4;
    CHECK(sp_vit_config_check(&c) == SP_OK);

    struct sp_corpus tr, te;
    synthetic(&tr, 400, 16);
    synthetic(&te, 100, 16);
    test_resume(&tr, &te, dir, 0);
    test_resume(&tr, &te, dir, 1);
    test_overfit();
    test_loader(dir);
    sp_corpus_free(&tr);
    sp_corpus_free(&te);
    rmdir(dir);
    return check_done();
}
