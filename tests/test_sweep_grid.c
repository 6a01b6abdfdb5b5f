/* Tests of the sweep grids (src/analysis/sweep_grid.c, sweep_train_grid.c) and
 * the sweep output (sweep_output.c) at tiny grids whose sizes are counted by
 * hand: tasks per norm (a norm without alpha collapses the alpha axis), the
 * setting bits, the refusals and their reasons in each key style, the depth a
 * request resolves to, the note callback, a resume of a cut file and a resume
 * refused for other settings; the training grid's points, defaults, refusals and
 * keys; the stability summary as text. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sigprop.h"

static struct sp_archspec spec(const char *model)
{
    struct sp_archspec s;
    sp_archspec_init(&s);
    if (model)
        CHECK(sp_archspec_set(&s, "model", model) == SP_OK);
    return s;
}

static void axis(struct sp_sweep_grid *g, enum sp_sweep_axis k, const double *v, size_t n)
{
    CHECK(sp_sweep_grid_axis(g, k, v, n) == SP_OK);
}

static int notes_before, notes_after;
static void count_notes(void *ctx, const struct sp_archspec *point, const struct sp_arch *a,
                        const struct sp_archspec_notes *n)
{
    (void)ctx;
    CHECK(point && point->nalpha == 0); /* the point's request: its alpha list aside */
    if (a && n)
        notes_after++;
    else
        notes_before++;
}

/* derf x 3 alphas and ln (alpha axis collapsed) at 2 depths: 4 tasks, 8 points. */
static void test_grid_sizes(void)
{
    struct sp_archspec s = spec(NULL);
    struct sp_sweep_grid g;
    sp_sweep_grid_init(&g);
    const double norms[2] = {SP_FN_DERF, SP_FN_LN}, alphas[3] = {0.5, 1, 2}, depths[2] = {4, 8};
    axis(&g, SP_SWEEP_NORM, norms, 2);
    axis(&g, SP_SWEEP_ALPHA, alphas, 3);
    axis(&g, SP_SWEEP_DEPTH, depths, 2);
    notes_before = notes_after = 0;
    CHECK(sp_sweep_grid_build(&g, &s, 1, NULL, count_notes, NULL) == SP_OK);
    CHECK(g.ntasks == 4 && g.ndepths == 2 && g.npoints == 8);
    CHECK(g.depths[0] == 4 && g.depths[1] == 8);
    /* derf: a build without alpha, then with it; ln: one build per alpha combination */
    CHECK(notes_before == 3 * 2 + 3 && notes_after == notes_before);
    for (size_t t = 0; t < g.ntasks; t++)
        CHECK(g.tasks[t].first == 2 * t && g.tasks[t].a.depth == 8);
    CHECK(g.tasks[0].combo == 0 && g.tasks[2].combo == 2 && g.tasks[3].combo == 3);
    CHECK(g.tasks[1].a.norm_mlp.kind == SP_FN_DERF && g.tasks[1].a.norm_mlp.alpha == 1);
    CHECK(g.tasks[3].a.norm_mlp.kind == SP_FN_LN);
    /* settings: every key field but norm (2), alpha (3) and depth (6) */
    CHECK(g.settings == ~(((uint64_t)1 << 2) | ((uint64_t)1 << 3) | ((uint64_t)1 << 6)));
    CHECK(g.plan.ntasks == 4 && g.plan.theory == 1 && g.plan.measure == NULL);
    CHECK(g.keys && g.plan.keys == (const char *const *)g.keys);
    CHECK(g.keys && !strncmp(g.keys[2], "transformer,C,derf,1,1,1,4,", 27));
    CHECK(g.keys && !strncmp(g.keys[7], "transformer,C,ln,nan,nan,nan,8,", 31));
    CHECK(sp_sweep_grid_build(&g, &s, 1, NULL, NULL, NULL) == SP_EINVAL); /* built once */
    sp_sweep_grid_free(&g);
    CHECK(g.tasks == NULL && g.nvalues[SP_SWEEP_NORM] == 0);
    /* no depth axis: the request's depth, one value; an axis of one value is a setting */
    sp_sweep_grid_init(&g);
    axis(&g, SP_SWEEP_ALPHA, alphas, 1);
    CHECK(sp_archspec_set(&s, "depth", "12") == SP_OK);
    CHECK(sp_sweep_grid_build(&g, &s, 1, NULL, NULL, NULL) == SP_OK);
    CHECK(g.ndepths == 1 && g.depths[0] == 12 && g.ntasks == 1 && g.settings == ~(uint64_t)0);
    sp_sweep_grid_free(&g);
    sp_archspec_free(&s);
}

/* The reason of a refused grid, with the axes named in style. */
static const char *refused(const char *model, enum sp_archkey_style style, enum sp_sweep_axis k,
                           const double *v, size_t n, const double *depths, size_t nd)
{
    struct sp_archspec s = spec(model);
    s.style = style;
    if (k == SP_SWEEP_ALPHA) /* the default norm has no alpha: the axis would collapse */
        CHECK(sp_archspec_set(&s, "norm", "derf") == SP_OK);
    struct sp_sweep_grid g;
    sp_sweep_grid_init(&g);
    axis(&g, k, v, n);
    if (depths)
        axis(&g, SP_SWEEP_DEPTH, depths, nd);
    enum sp_status st = sp_sweep_grid_build(&g, &s, 1, NULL, NULL, NULL);
    CHECK(st == SP_EINVAL);
    sp_sweep_grid_free(&g);
    sp_archspec_free(&s);
    return st == SP_EINVAL ? sp_last_error() : "";
}

static void test_grid_refusals(void)
{
    const double d4[2] = {4, 4}, d1[1] = {4}, a2[2] = {0.5, 0.5}, w2[2] = {16, 32};
    const double norms[2] = {SP_FN_DERF, SP_FN_DERF}, big[10000] = {0};
    const char *r = refused(NULL, SP_ARCHKEY_STYLE_FLAG, SP_SWEEP_NORM, norms, 1, d4, 2);
    CHECK(!strcmp(r, "--depth: 4 is given twice (it would write identical rows)"));
    r = refused(NULL, SP_ARCHKEY_STYLE_FLAG, SP_SWEEP_NORM, norms, 2, d1, 1);
    CHECK(!strcmp(r, "--norm: a value is given twice (grid points 0 and 1 would be identical "
                     "rows)"));
    r = refused(NULL, SP_ARCHKEY_STYLE_PLAIN, SP_SWEEP_ALPHA, a2, 2, d1, 1);
    CHECK(!strcmp(r, "alpha: a value is given twice (grid points 0 and 1 would be identical "
                     "rows)"));
    r = refused("toy", SP_ARCHKEY_STYLE_FLAG, SP_SWEEP_WIDTH, w2, 2, d1, 1);
    CHECK(!strcmp(r, "--width does not change the rows of this model (--width 16 and 32 give "
                     "identical rows): give it one value"));
    r = refused("toy", SP_ARCHKEY_STYLE_KEYWORD, SP_SWEEP_WIDTH, w2, 2, d1, 1);
    CHECK(!strcmp(r, "width does not change the rows of this model (width 16 and 32 give "
                     "identical rows): give it one value"));
    /* over the point limit before anything is built: 10^4 alphas x 10^4 depths */
    double *depths = malloc(10000 * sizeof *depths);
    for (int i = 0; depths && i < 10000; i++)
        depths[i] = i + 1;
    r = refused(NULL, SP_ARCHKEY_STYLE_FLAG, SP_SWEEP_ALPHA, big, 10000, depths, 10000);
    CHECK(strstr(r, "over the limit of 10000000") != NULL);
    free(depths);
    /* a configuration the request refuses: its reason */
    r = refused("toy", SP_ARCHKEY_STYLE_FLAG, SP_SWEEP_TOKENS, (const double[1]){8}, 1, d1, 1);
    CHECK(strstr(r, "--tokens applies to the transformer") != NULL);
    struct sp_sweep_grid g;
    sp_sweep_grid_init(&g);
    CHECK(sp_sweep_grid_axis(&g, SP_SWEEP_NAXES, d1, 1) == SP_EINVAL);
    CHECK(sp_sweep_grid_axis(&g, SP_SWEEP_ALPHA, d1, 0) == SP_EINVAL);
    /* from text through the key table: its values, ranges and reasons */
    const char *nt[2] = {"derf", "ln"}, *it[2] = {"0.02", "0"}, *dt[1] = {"1.5"};
    CHECK(sp_sweep_grid_parse(&g, SP_SWEEP_NORM, nt, 2, SP_ARCHKEY_STYLE_KEYWORD) == SP_OK);
    CHECK(g.nvalues[SP_SWEEP_NORM] == 2 && g.values[SP_SWEEP_NORM][0] == SP_FN_DERF &&
          g.values[SP_SWEEP_NORM][1] == SP_FN_LN);
    CHECK(sp_sweep_grid_parse(&g, SP_SWEEP_INIT_STD, it, 2, SP_ARCHKEY_STYLE_KEYWORD) == SP_EINVAL);
    CHECK(!strncmp(sp_last_error(), "init_std", 8) && g.nvalues[SP_SWEEP_INIT_STD] == 0);
    CHECK(sp_sweep_grid_parse(&g, SP_SWEEP_INIT_STD, it, 1, SP_ARCHKEY_STYLE_KEYWORD) == SP_OK);
    CHECK(g.nvalues[SP_SWEEP_INIT_STD] == 1 && g.values[SP_SWEEP_INIT_STD][0] == 0.02);
    CHECK(sp_sweep_grid_parse(&g, SP_SWEEP_DEPTH, dt, 1, SP_ARCHKEY_STYLE_FLAG) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "--depth: '1.5' is not an integer") != NULL);
    CHECK(sp_sweep_grid_parse(&g, SP_SWEEP_ALPHA, (const char *const[1]){"0.25"}, 1,
                              SP_ARCHKEY_STYLE_FLAG) == SP_OK && g.values[SP_SWEEP_ALPHA][0] == 0.25);
    sp_sweep_grid_free(&g);
}

static size_t file_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    for (int c; f && (c = fgetc(f)) != EOF;)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

/* One grid (derf, 2 alphas, 3 depths) written through the output, cut after two
 * rows and a torn third, resumed: the same bytes as the whole run; a grid with
 * another setting is refused; --resume of a missing file. */
static enum sp_status write_grid(const char *path, double width, int resume, size_t *ndone,
                                 int *missing)
{
    struct sp_archspec s = spec(NULL);
    CHECK(sp_archspec_set(&s, "norm", "derf") == SP_OK);
    struct sp_sweep_grid g;
    sp_sweep_grid_init(&g);
    axis(&g, SP_SWEEP_ALPHA, (const double[2]){0.5, 1}, 2);
    axis(&g, SP_SWEEP_DEPTH, (const double[3]){2, 4, 8}, 3);
    axis(&g, SP_SWEEP_WIDTH, &width, 1);
    CHECK(sp_sweep_grid_build(&g, &s, 1, NULL, NULL, NULL) == SP_OK);
    char *header = sp_sweep_header(1, 0, 0);
    struct sp_sweep_comm c;
    CHECK(sp_sweep_comm_init(&c) == SP_OK && c.nranks == 1);
    struct sp_sweep_output w = {.path = path, .resume = resume, .header = header,
                                .npoints = g.npoints, .keys = g.plan.keys,
                                .settings = g.settings, .comm = &c};
    enum sp_status st = sp_sweep_output_open(&w);
    *ndone = w.ndone;
    *missing = w.missing;
    if (st == SP_OK)
        CHECK(sp_sweep_run(&g.plan, &c, w.done, 0, w.fd, NULL, NULL, NULL, NULL) == SP_OK);
    sp_sweep_output_close(&w);
    CHECK(w.fd == -1 && w.done == NULL);
    sp_sweep_comm_finalize(&c);
    free(header);
    sp_sweep_grid_free(&g);
    sp_archspec_free(&s);
    return st;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b = malloc(1 << 16);
    *n = f && b ? fread(b, 1, (1 << 16) - 1, f) : 0;
    if (b)
        b[*n] = 0;
    if (f)
        fclose(f);
    return b;
}

static void test_output_resume(void)
{
    char full[] = "/tmp/sp_grid_fullXXXXXX", part[] = "/tmp/sp_grid_partXXXXXX";
    int fa = mkstemp(full), fb = mkstemp(part);
    CHECK(fa >= 0 && fb >= 0);
    close(fa);
    close(fb);
    size_t ndone, n, m;
    int missing;
    CHECK(write_grid(full, 128, 0, &ndone, &missing) == SP_OK && ndone == 0);
    CHECK(file_lines(full) == 1 + 6);
    char *a = slurp(full, &n);
    /* header, two rows and half of the third */
    const char *p = a;
    for (int k = 0; k < 3; k++)
        p = strchr(p, '\n') + 1;
    FILE *f = fopen(part, "wb");
    fwrite(a, 1, (size_t)(p - a) + 5, f);
    fclose(f);
    CHECK(write_grid(part, 128, 1, &ndone, &missing) == SP_OK && ndone == 2 && !missing);
    char *b = slurp(part, &m);
    CHECK(n == m && n > 0 && !memcmp(a, b, n));
    /* whole: nothing to do; another width (a setting): refused, the file unchanged */
    CHECK(write_grid(part, 128, 1, &ndone, &missing) == SP_OK && ndone == 6);
    CHECK(write_grid(part, 64, 0, &ndone, &missing) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "width") != NULL);
    free(b);
    b = slurp(part, &m);
    CHECK(n == m && !memcmp(a, b, n));
    unlink(part);
    CHECK(write_grid(part, 128, 1, &ndone, &missing) == SP_EIO && missing);
    CHECK(strstr(sp_last_error(), "does not exist") != NULL);
    CHECK(access(part, F_OK) != 0);
    free(a);
    free(b);
    unlink(full);
}

static void test_train_grid(void)
{
    struct sp_trainspec ts;
    sp_trainspec_init(&ts);
    struct sp_vit_config c0;
    struct sp_train_opts o0;
    CHECK(sp_trainspec_build(&ts, 0, &c0, &o0) == SP_OK);
    struct sp_sweep_train_grid g;
    sp_sweep_train_grid_init(&g);
    const double norms[2] = {SP_FN_DYT, SP_FN_LN}, alphas[2] = {0.5, 1}, lrs[2] = {1e-3, 3e-3};
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_NORM, norms, 2) == SP_OK);
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_ALPHA, alphas, 2) == SP_OK);
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_LR, lrs, 2) == SP_OK);
    CHECK(sp_sweep_train_grid_build(&g, &c0, &o0, SP_ARCHKEY_STYLE_FLAG) == SP_OK);
    /* per lr: dyt x 2 alphas, ln once */
    CHECK(g.npoints == 6);
    CHECK(g.configs[1].norm_mlp.kind == SP_FN_DYT && g.configs[1].norm_final.alpha == 1);
    /* norm slowest, then lr, alpha fastest: dyt (lr 1e-3: 2 alphas, lr 3e-3: 2), ln (2 lrs) */
    CHECK(g.configs[3].norm_mlp.alpha == 1 && g.opts[2].lr == 3e-3);
    CHECK(g.configs[4].norm_attn.kind == SP_FN_LN && g.opts[4].lr == 1e-3 && g.opts[5].lr == 3e-3);
    CHECK(g.configs[0].depth == c0.depth);
    long warm = o0.warmup > o0.steps ? o0.steps / 10 : o0.warmup;
    CHECK(g.opts[5].warmup == warm);
    /* settings: all but norm (1), alpha (2-4), lr (14) */
    CHECK(g.settings == ~(((uint64_t)1 << 1) | ((uint64_t)7 << 2) | ((uint64_t)1 << 14)));
    /* keys need the data's sizes; a batch larger than the training set is refused */
    struct sp_dataset tr = {.n = 10}, te = {.n = 5};
    CHECK(sp_sweep_train_grid_keys(&g, &tr, &te, NULL, SP_ARCHKEY_STYLE_PLAIN) == SP_EINVAL);
    char want[96];
    snprintf(want, sizeof want, "batch %d is larger than the 10 training images", o0.batch);
    CHECK(!strcmp(sp_last_error(), want));
    tr.n = 100000;
    CHECK(sp_sweep_train_grid_keys(&g, &tr, &te, NULL, SP_ARCHKEY_STYLE_FLAG) == SP_OK);
    CHECK(g.keys && g.plan.keys == (const char *const *)g.keys && g.plan.npoints == 6);
    CHECK(g.keys && !strncmp(g.keys[4], "transformer,ln,nan,nan,nan,", 27));
    CHECK(g.keys && !strncmp(g.keys[1], "transformer,dyt,1,1,1,", 22));
    sp_sweep_train_grid_free(&g);
    /* refusals */
    sp_sweep_train_grid_init(&g);
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_ALPHA, (const double[2]){0.5, 0.5}, 2) ==
          SP_OK);
    CHECK(sp_sweep_train_grid_build(&g, &c0, &o0, SP_ARCHKEY_STYLE_FLAG) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "--alpha: 0.5 is given twice (it would write identical rows)"));
    sp_sweep_train_grid_free(&g);
    double *lr = malloc(400 * sizeof *lr), *wu = malloc(300 * sizeof *wu);
    for (int i = 0; lr && wu && i < 400; i++) {
        lr[i] = 1e-4 * (i + 1);
        if (i < 300)
            wu[i] = i;
    }
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_LR, lr, 400) == SP_OK);
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_WARMUP, wu, 300) == SP_OK);
    CHECK(sp_sweep_train_grid_build(&g, &c0, &o0, SP_ARCHKEY_STYLE_FLAG) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "the map has 120000 runs: at most 100000 (split it)"));
    sp_sweep_train_grid_free(&g);
    free(lr);
    free(wu);
    CHECK(sp_sweep_train_grid_axis(&g, SP_SWEEP_TRAIN_DEPTH, (const double[1]){0}, 1) == SP_OK);
    CHECK(sp_sweep_train_grid_build(&g, &c0, &o0, SP_ARCHKEY_STYLE_FLAG) == SP_EINVAL);
    sp_sweep_train_grid_free(&g);
}

/* The hand-made map of test_sweep.c's stability test as a file: rho -0.9 over 5
 * runs, recommended alpha 0.9, nearest grid alpha 1 (0.3) against LayerNorm (0.35). */
static void test_stability_text(void)
{
    char path[] = "/tmp/sp_grid_mapXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("logJ_L0_pred,eval_acc,diverged,alpha_rec,alpha,lr,warmup,depth,norm\n"
          "1,0.5,0,0.9,0.25,1,0,4,dyt\n2,0.4,0,0.9,0.5,1,0,4,dyt\n3,0.3,0,0.9,1,1,0,4,dyt\n"
          "4,0.2,1,0.9,2,1,0,4,dyt\n5,0.25,0,0.9,4,1,0,4,dyt\nnan,0.35,0,nan,nan,1,0,4,ln\n"
          "nan,0.6,0,nan,nan,2,0,4,ln\n", f);
    fclose(f);
    char *text = NULL, want[512];
    CHECK(sp_stability_summary_text(path, &text) == SP_OK && text);
    snprintf(want, sizeof want,
             "stability summary of '%s': 7 runs, 1 diverged; Spearman rank correlation of "
             "logJ_L0_pred and eval_acc rho = -0.900 over 5 runs\n"
             "recommended alpha (match pre-LN) 0.9; nearest grid alpha 1: mean eval_acc 0.3000 "
             "vs pre-LN (the grid's norm without alpha) 0.3500 over 1 (lr, warmup, depth) pairs\n",
             path);
    CHECK(text && !strcmp(text, want));
    free(text);
    /* a table without the map's columns: no findings; no file: SP_EIO */
    f = fopen(path, "w");
    fputs("a,b\n1,2\n", f);
    fclose(f);
    CHECK(sp_stability_summary_text(path, &text) == SP_OK && text && !strcmp(text, ""));
    free(text);
    unlink(path);
    CHECK(sp_stability_summary_text(path, &text) == SP_EIO && text == NULL);
}

int main(void)
{
    test_grid_sizes();
    test_grid_refusals();
    test_output_resume();
    test_train_grid();
    test_stability_text();
    return check_done();
}
