/* test_plot: the plotting layer (src/plot/). Every figure kind is drawn from the
 * fixtures in tests/data/ (see tests/data/README.md for their provenance) and the
 * files are checked to be valid images of the requested size: PNG signature and
 * IHDR width/height, SVG and PDF headers. Also: the file-role rule, kind
 * detection, errors for missing columns, and that a failed render leaves no file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sigprop.h"
#include "plot/plot_internal.h"

static char tmpdir[256];

/* LeakSanitizer (make asan): fontconfig and libltdl, which PLplot's cairo
 * driver loads, keep caches for the life of the process; their allocations are
 * not ours. Only these two libraries are suppressed, by module name, so a leak
 * in sigprop's own code is still reported. The hook is looked up by the
 * sanitizer runtime and unused in other builds. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libltdl.so\n";
}

/* ... and does not list the suppressions it used on stderr (the CLI tests check
 * that -q leaves stderr empty). */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}


static struct sp_table *load(const char *name)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "tests/data/%s", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    struct sp_table *t = NULL;
    if (sp_table_read_csv(f, &t, err, sizeof err) != SP_OK)
        fprintf(stderr, "%s: %s\n", path, err);
    fclose(f);
    return t;
}

/* Reads a PNG's IHDR: 8-byte signature, then length, "IHDR", width, height (big endian). */
static int png_size(const char *path, uint32_t *w, uint32_t *h)
{
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n != sizeof b || memcmp(b, sig, 8) || memcmp(b + 12, "IHDR", 4))
        return -1;
    *w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    *h = (uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23];
    return 0;
}

static int file_starts_with(const char *path, const char *prefix)
{
    char b[64] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(b, 1, sizeof b - 1, f);
    fclose(f);
    b[n] = 0;
    return strstr(b, prefix) != NULL;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* Draws tables as kind into tmpdir/name (w x h) and checks the PNG. */
static void check_kind(const char *name, enum sp_plot_kind kind, struct sp_table **t, size_t n,
                       int w, int h)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    struct sp_plot_opts o;
    sp_plot_opts_default(&o);
    o.kind = kind;
    o.width = w;
    o.height = h;
    enum sp_status s = sp_plot_tables((const struct sp_table *const *)t, n, &o, path, err,
                                      sizeof err);
    if (s != SP_OK)
        fprintf(stderr, "%s: %s\n", name, err);
    CHECK(s == SP_OK);
    uint32_t pw = 0, ph = 0;
    CHECK(png_size(path, &pw, &ph) == 0);
    CHECK(pw == (uint32_t)w);
    CHECK(ph == (uint32_t)h);
}

static void check_detect(struct sp_table **t, size_t n, enum sp_plot_kind want)
{
    enum sp_plot_kind k = SP_PLOT_KIND_AUTO;
    char err[256];
    CHECK(sp_plot_detect((const struct sp_table *const *)t, n, &k, err, sizeof err) == SP_OK);
    if (k != want)
        fprintf(stderr, "detect: got %s, want %s\n", sp_plot_kind_name(k), sp_plot_kind_name(want));
    CHECK(k == want);
}

/* A table from CSV text (through a temporary file in tmpdir). */
static struct sp_table *from_text(const char *csv)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/in.csv", tmpdir);
    FILE *f = fopen(path, "w+");
    if (!f)
        return NULL;
    fputs(csv, f);
    rewind(f);
    struct sp_table *t = NULL;
    if (sp_table_read_csv(f, &t, err, sizeof err) != SP_OK)
        fprintf(stderr, "%s\n", err);
    fclose(f);
    remove(path);
    return t;
}

/* Configurations that differ only in a column beyond norm and alpha stay apart
 * and say how they differ: measure --against-init's trained and init rows, two
 * widths concatenated; a column every row shares is not named. */
static void test_group_labels(void)
{
    struct sp_table *ti = from_text("model,norm,alpha,l,J_fwd,J_fwd_se,width,mlp,weights\n"
                                    "transformer,rms,nan,0,1,0.1,64,swiglu,trained\n"
                                    "transformer,rms,nan,1,8,0.1,64,swiglu,trained\n"
                                    "transformer,rms,nan,0,1,0.1,64,swiglu,init\n"
                                    "transformer,rms,nan,1,2,0.1,64,swiglu,init\n");
    struct sp_table *w1 = from_text("model,norm,alpha,l,q,width\n"
                                    "transformer,derf,0.5,0,1,256\ntransformer,derf,0.5,1,2,256\n");
    struct sp_table *w2 = from_text("model,norm,alpha,l,q,width\n"
                                    "transformer,derf,0.5,0,1,512\ntransformer,derf,0.5,1,2,512\n"
                                    "transformer,ln,nan,0,1,512\ntransformer,ln,nan,1,3,512\n");
    CHECK(ti && w1 && w2);
    if (!(ti && w1 && w2))
        return;
    char lab[8][128];
    size_t n = 0;
    CHECK(sp_plot_group_labels((const struct sp_table *const[]){ti}, 1, lab, 8, &n) == SP_OK);
    CHECK(n == 2);
    CHECK(n == 2 && !strcmp(lab[0], "RMSNorm, trained") && !strcmp(lab[1], "RMSNorm, init"));
    CHECK(sp_plot_group_labels((const struct sp_table *const[]){w1, w2}, 2, lab, 8, &n) == SP_OK);
    CHECK(n == 3);
    CHECK(n == 3 && !strcmp(lab[0], "Derf α = 0.5, d = 256") &&
          !strcmp(lab[1], "Derf α = 0.5, d = 512") && !strcmp(lab[2], "pre-LN, d = 512"));
    CHECK(sp_plot_group_labels((const struct sp_table *const[]){w2}, 1, lab, 8, &n) == SP_OK);
    CHECK(n == 2 && !strcmp(lab[0], "Derf α = 0.5") && !strcmp(lab[1], "pre-LN"));
    sp_table_free(ti);
    sp_table_free(w1);
    sp_table_free(w2);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sigprop_test_plot.XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_group_labels();
    struct sp_table *theory = load("theory_blog2_L32.csv");
    struct sp_table *meas = load("measure_blog2_L32.csv");
    struct sp_table *toy = load("theory_toy_L64.csv");
    struct sp_table *toysum = load("summary_toy_L64.csv");
    struct sp_table *sweep = load("sweep_phase.csv");
    struct sp_table *alpha = load("alpha_rule.csv");
    struct sp_table *sweep2 = load("sweep_blog2.csv");
    struct sp_table *cmp = load("compare_blog2_L16.csv");
    CHECK(theory && meas && toy && toysum && sweep && alpha && sweep2 && cmp);
    if (!(theory && meas && toy && toysum && sweep && alpha && sweep2 && cmp))
        return check_done();

    /* roles: the rule of sigprop/plot.h */
    CHECK(sp_plot_table_role(theory) == SP_PLOT_ROLE_THEORY);
    CHECK(sp_plot_table_role(meas) == SP_PLOT_ROLE_MEASURED);
    CHECK(sp_plot_table_role(toysum) == SP_PLOT_ROLE_SUMMARY);
    {
        struct sp_table *t = sp_table_new();
        int cl = sp_table_add_col(t, "l", SP_COL_NUM), cs = sp_table_add_col(t, "source", SP_COL_STR);
        long r = sp_table_add_row(t);
        sp_table_set_num(t, (size_t)r, cl, 0.0);
        sp_table_set_str(t, (size_t)r, cs, "measure");
        CHECK(sp_plot_table_role(t) == SP_PLOT_ROLE_MEASURED);
        sp_table_set_str(t, (size_t)r, cs, "theory");
        CHECK(sp_plot_table_role(t) == SP_PLOT_ROLE_THEORY);
        sp_table_free(t);
    }

    /* detection from the columns */
    struct sp_table *tm[3] = {theory, meas, NULL};
    check_detect(tm, 1, SP_PLOT_KIND_PROFILE);
    check_detect(tm, 2, SP_PLOT_KIND_JBWD);
    struct sp_table *ts[2] = {toy, toysum};
    check_detect(ts, 2, SP_PLOT_KIND_TOY);
    check_detect(&sweep, 1, SP_PLOT_KIND_PHASE);
    check_detect(&alpha, 1, SP_PLOT_KIND_ALPHA);
    /* real sweep output has width and l_star too: still a phase diagram */
    check_detect(&sweep2, 1, SP_PLOT_KIND_PHASE);
    /* compare output: measured, with the theory in COL_theory columns */
    CHECK(sp_plot_table_role(cmp) == SP_PLOT_ROLE_MEASURED);
    check_detect(&cmp, 1, SP_PLOT_KIND_JBWD);
    {
        enum sp_plot_kind k;
        char err[256];
        CHECK(sp_plot_detect((const struct sp_table *const *)&toysum, 1, &k, err, sizeof err) ==
              SP_EINVAL);
        CHECK(err[0] != 0);
    }
    /* names round-trip */
    for (int k = SP_PLOT_KIND_AUTO; k <= SP_PLOT_KIND_STABILITY_SCATTER; k++) {
        enum sp_plot_kind back;
        CHECK(sp_plot_kind_parse("kind", sp_plot_kind_name((enum sp_plot_kind)k), &back) == SP_OK);
        CHECK(back == (enum sp_plot_kind)k);
    }
    CHECK(!strcmp(sp_plot_kind_name((enum sp_plot_kind)(SP_PLOT_KIND_STABILITY_SCATTER + 1)), "?"));
    {
        enum sp_plot_kind back = SP_PLOT_KIND_TOY;
        CHECK(sp_plot_kind_parse("--kind", "heat", &back) == SP_EINVAL && back == SP_PLOT_KIND_TOY);
        CHECK(!strcmp(sp_last_error(), "--kind: 'heat' is not one of auto, profile, jbwd, "
                                       "gradamp, stretched, toy, phase, alpha, stability, "
                                       "stability-scatter"));
        CHECK(sp_plot_kind_parse("--kind", NULL, &back) == SP_EINVAL);
    }

    /* every kind, at the default size and at another */
    check_kind("profile.png", SP_PLOT_KIND_PROFILE, tm, 2, 1200, 800);
    check_kind("jbwd.png", SP_PLOT_KIND_JBWD, tm, 2, 1200, 800);
    check_kind("jbwd_small.png", SP_PLOT_KIND_JBWD, tm, 2, 640, 480);
    check_kind("gradamp.png", SP_PLOT_KIND_GRADAMP, tm, 2, 1000, 700);
    check_kind("stretched.png", SP_PLOT_KIND_STRETCHED, tm, 2, 1200, 800);
    check_kind("toy.png", SP_PLOT_KIND_TOY, ts, 2, 1200, 800);
    check_kind("toy_nosummary.png", SP_PLOT_KIND_TOY, ts, 1, 1200, 800);
    check_kind("phase.png", SP_PLOT_KIND_PHASE, &sweep, 1, 1200, 800);
    check_kind("alpha.png", SP_PLOT_KIND_ALPHA, &alpha, 1, 1600, 900);
    check_kind("sweep.png", SP_PLOT_KIND_AUTO, &sweep2, 1, 1200, 800);
    check_kind("compare.png", SP_PLOT_KIND_AUTO, &cmp, 1, 1200, 800);
    check_kind("compare_profile.png", SP_PLOT_KIND_PROFILE, &cmp, 1, 1200, 800);
    check_kind("compare_stretched.png", SP_PLOT_KIND_STRETCHED, &cmp, 1, 1200, 800);
    /* phase from theory rows (alpha x l grid): the toy table has 3 alphas x 65 rows */
    check_kind("phase_theory.png", SP_PLOT_KIND_PHASE, ts, 1, 1200, 800);
    check_kind("auto.png", SP_PLOT_KIND_AUTO, tm, 2, 1200, 800);

    /* SVG and PDF */
    {
        char path[512], err[256];
        struct sp_plot_opts o;
        sp_plot_opts_default(&o);
        o.title = "a title with # and % in it";
        snprintf(path, sizeof path, "%s/jbwd.svg", tmpdir);
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 2, &o, path, err, sizeof err) ==
              SP_OK);
        CHECK(file_starts_with(path, "<svg") || file_starts_with(path, "<?xml"));
        snprintf(path, sizeof path, "%s/jbwd.pdf", tmpdir);
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 2, &o, path, err, sizeof err) ==
              SP_OK);
        CHECK(file_starts_with(path, "%PDF"));
    }

    /* errors: bad extension, missing columns, incomplete grid, unwritable path */
    {
        char path[512], err[256];
        struct sp_plot_opts o;
        sp_plot_opts_default(&o);
        snprintf(path, sizeof path, "%s/x.gif", tmpdir);
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 1, &o, path, err, sizeof err) ==
              SP_EINVAL);
        CHECK(!exists(path));
        o.kind = SP_PLOT_KIND_ALPHA;
        snprintf(path, sizeof path, "%s/noalpha.png", tmpdir);
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 1, &o, path, err, sizeof err) ==
              SP_EFORMAT);
        CHECK(strstr(err, "depth") != NULL);
        CHECK(!exists(path));
        o.kind = SP_PLOT_KIND_GRADAMP;
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 1, &o, path, err, sizeof err) ==
              SP_EFORMAT);
        o.kind = SP_PLOT_KIND_PHASE;
        /* one alpha only: not a grid */
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 1, &o, path, err, sizeof err) ==
              SP_EFORMAT);
        CHECK(!exists(path));
        o.kind = SP_PLOT_KIND_JBWD;
        snprintf(path, sizeof path, "%s/no/such/dir/x.png", tmpdir);
        CHECK(sp_plot_tables((const struct sp_table *const *)tm, 2, &o, path, err, sizeof err) ==
              SP_EIO);
        CHECK(!exists(path));
    }

    /* low level: a heat map with a constant contour, and validation */
    {
        double x[3] = {0.1, 0.5, 1.0}, y[4] = {1, 10, 100, 1000}, z[12];
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 3; i++)
                z[j * 3 + i] = x[i] * (j + 1);
        struct sp_plot_heatmap hm = {"t", "x", "y", "z", x, y, z, 3, 4, SP_PLOT_LOG, NULL, 1.0,
                                     "level 1", 0, NULL, NULL, NULL, NAN, NULL};
        struct sp_plot_figure fig = {NULL, 1, 1, NULL, 0, &hm};
        char path[512];
        snprintf(path, sizeof path, "%s/heat.png", tmpdir);
        CHECK(sp_plot_render(&fig, SP_PLOT_PNG, 800, 600, path) == SP_OK);
        uint32_t w, h;
        CHECK(png_size(path, &w, &h) == 0 && w == 800 && h == 600);
        y[2] = 5; /* not increasing */
        CHECK(sp_plot_render(&fig, SP_PLOT_PNG, 800, 600, path) == SP_EINVAL);
        CHECK(sp_plot_render(NULL, SP_PLOT_PNG, 800, 600, path) == SP_EINVAL);
        struct sp_plot_figure empty = {NULL, 1, 1, NULL, 0, NULL};
        CHECK(sp_plot_render(&empty, SP_PLOT_PNG, 800, 600, path) == SP_EINVAL);
        enum sp_plot_format fmt;
        CHECK(sp_plot_format_from_path("a.PDF", &fmt) == SP_OK && fmt == SP_PLOT_PDF);
        CHECK(sp_plot_format_from_path("a.svg", &fmt) == SP_OK && fmt == SP_PLOT_SVG);
        CHECK(sp_plot_format_from_path("png", &fmt) == SP_EINVAL);
    }

    sp_table_free(theory);
    sp_table_free(meas);
    sp_table_free(toy);
    sp_table_free(toysum);
    sp_table_free(sweep);
    sp_table_free(alpha);
    sp_table_free(sweep2);
    sp_table_free(cmp);
    /* remove what we wrote */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_done();
}
