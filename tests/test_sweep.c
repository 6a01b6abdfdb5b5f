/* Tests of src/analysis/sweep.c: mixed-radix grid indexing and the resumable
 * sweep file (header written once, torn last line cut, rows present marked
 * done, foreign/duplicate rows, other headers and binary files refused and
 * left unchanged, appends whole). */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sigprop.h"

static void test_grid(void)
{
    size_t sizes[3] = {2, 3, 4}, co[3];
    CHECK(sp_grid_size(sizes, 3) == 24);
    CHECK(sp_grid_size(sizes, 0) == 1);
    /* 8 axes of 256 values: 2^64 points overflow a size_t (they used to wrap to 0) */
    size_t big[8] = {256, 256, 256, 256, 256, 256, 256, 256}, n = 0;
    CHECK(sp_grid_count(big, 8, &n) == SP_EINVAL && n == SIZE_MAX);
    CHECK(strstr(sp_last_error(), "overflows") != NULL);
    CHECK(sp_grid_size(big, 8) == SIZE_MAX);
    CHECK(sp_grid_count(big, 7, &n) == SP_OK && n == (size_t)1 << 56);
    size_t withzero[3] = {SIZE_MAX, 0, SIZE_MAX};
    CHECK(sp_grid_count(withzero, 3, &n) == SP_OK && n == 0);
    /* size limits, with the numbers in the reason */
    CHECK(sp_sweep_check_size(150, 12, &n) == SP_OK && n == 1800);
    CHECK(sp_sweep_check_size(90000, 1000, &n) == SP_EINVAL && n == 90000000);
    CHECK(strstr(sp_last_error(), "90000000 points (90000 configurations x 1000 depths)") != NULL);
    CHECK(strstr(sp_last_error(), "10000000") != NULL);
    CHECK(sp_sweep_check_size(SIZE_MAX / 2, 4, NULL) == SP_EINVAL);
    sp_grid_coords(sizes, 3, 0, co);
    CHECK(co[0] == 0 && co[1] == 0 && co[2] == 0);
    sp_grid_coords(sizes, 3, 5, co); /* 5 = 0*12 + 1*4 + 1 */
    CHECK(co[0] == 0 && co[1] == 1 && co[2] == 1);
    sp_grid_coords(sizes, 3, 23, co);
    CHECK(co[0] == 1 && co[1] == 2 && co[2] == 3);
    /* round trip over the whole grid */
    int ok = 1;
    for (size_t i = 0; i < 24; i++) {
        sp_grid_coords(sizes, 3, i, co);
        ok &= co[0] * 12 + co[1] * 4 + co[2] == i;
    }
    CHECK(ok);
}

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    fputs(s, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    return buf;
}

static void test_file(void)
{
    char path[] = "/tmp/sp_test_sweep_XXXXXX";
    int tfd = mkstemp(path);
    CHECK(tfd >= 0);
    close(tfd);
    const char *header = "i,a,b,x";
    const char *keys[4] = {"1,p", "1,q", "2,p", "2,q"};
    unsigned char done[4];
    size_t ndone;
    int fd;

    /* empty file: header written */
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 0);
    const char *l0 = "0,1,p,0.5\n";
    CHECK(sp_sweep_append(fd, l0, strlen(l0)) == SP_OK);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,b,x\n0,1,p,0.5\n"));

    /* a torn last line is cut, rows present are done */
    write_file(path, "i,a,b,x\n0,1,p,0.5\n2,2,p,0.7\n3,2,q,0.");
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 2 && done[0] && !done[1] && done[2] && !done[3]);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,b,x\n0,1,p,0.5\n2,2,p,0.7\n"));

    /* a torn header: the file is empty again, so the header is rewritten */
    write_file(path, "i,a,");
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 0);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,b,x\n"));

    /* refused: another header, a foreign row, a duplicate, an index out of range */
    write_file(path, "i,a,b,y\n");
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_EFORMAT);
    write_file(path, "i,a,b,x\n1,2,q,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "line 2") != NULL);
    write_file(path, "i,a,b,x\n1,1,qq,0.5\n"); /* key must end at a comma */
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_EFORMAT);
    write_file(path, "i,a,b,x\n1,1,q,0.5\n1,1,q,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "twice") != NULL);
    write_file(path, "i,a,b,x\n4,1,q,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_EFORMAT);
    /* refused files are left byte for byte: validation comes before the torn
     * line is cut (another header with a torn line, a single line without a
     * newline that is not the start of the header, a foreign row before a torn
     * line) */
    static const char *const foreign[] = {"important notes\nline 2 no newline",
                                          "important notes", "i,a,b,xx",
                                          "i,a,b,x\nnot a row\n0,1,p,0."};
    for (size_t k = 0; k < sizeof foreign / sizeof *foreign; k++) {
        write_file(path, foreign[k]);
        CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) ==
              SP_EFORMAT);
        CHECK(fd == -1);
        CHECK(!strcmp(read_file(path), foreign[k]));
    }
    /* binary data (a NUL byte) is refused and kept */
    FILE *bf = fopen(path, "wb");
    fwrite("i,a,b,x\n\0\1\n", 1, 11, bf);
    fclose(bf);
    CHECK(sp_sweep_open(path, header, 4, keys, 0, 0, done, &ndone, &fd) == SP_EFORMAT);
    bf = fopen(path, "rb");
    char bb[32];
    CHECK(fread(bb, 1, sizeof bb, bf) == 11);
    fclose(bf);
    /* without keys only the index is checked */
    write_file(path, "i,a,b,x\n1,9,z,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, NULL, 0, 0, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 1 && done[1]);
    close(fd);
    CHECK(sp_sweep_open("/nonexistent-dir/x.csv", header, 4, NULL, 0, 0, done, &ndone, &fd) ==
          SP_EIO);
    unlink(path);
}

/* Settings columns: a row computed with other settings is SP_EINVAL naming the
 * column and both values; another grid is SP_EFORMAT; either way the file is
 * left byte for byte. */
static void test_settings(void)
{
    char path[] = "/tmp/sp_test_sweep_XXXXXX";
    int tfd = mkstemp(path);
    CHECK(tfd >= 0);
    close(tfd);
    const char *header = "i,a,shift,x";
    const char *keys[2] = {"1,0", "2,0"};
    unsigned char done[2];
    size_t ndone;
    int fd;
    const char *other = "i,a,shift,x\n0,1,1,0.5\n";
    write_file(path, other);
    CHECK(sp_sweep_open(path, header, 2, keys, 2, 0, done, &ndone, &fd) == SP_EINVAL);
    CHECK(fd == -1 && ndone == 0);
    CHECK(strstr(sp_last_error(), "shift = 1, this sweep has shift = 0") != NULL);
    CHECK(!strcmp(read_file(path), other));
    write_file(path, "i,a,shift,x\n0,2,0,0.5\n");
    CHECK(sp_sweep_open(path, header, 2, keys, 2, 0, done, &ndone, &fd) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "a = 2") != NULL);
    /* force: emptied and restarted */
    CHECK(sp_sweep_open(path, header, 2, keys, 2, 1, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 0);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,shift,x\n"));
    unlink(path);
}

/* The lock: while one process holds the file open, another is refused with the
 * holder's pid; after the holder closes, it opens again (no lock file). */
static void test_lock(void)
{
    char path[] = "/tmp/sp_test_sweep_XXXXXX";
    int tfd = mkstemp(path);
    CHECK(tfd >= 0);
    close(tfd);
    const char *header = "i,a";
    const char *keys[2] = {"1", "2"};
    unsigned char done[2];
    size_t ndone;
    int fd;
    CHECK(sp_sweep_open(path, header, 2, keys, 2, 0, done, &ndone, &fd) == SP_OK);
    /* record locks are per process: the second writer is a child */
    pid_t child = fork();
    if (child == 0) {
        int fd2;
        enum sp_status s = sp_sweep_open(path, header, 2, keys, 2, 0, done, &ndone, &fd2);
        char want[64];
        snprintf(want, sizeof want, "(pid %ld)", (long)getppid());
        _exit(s == SP_EIO && fd2 == -1 && strstr(sp_last_error(), "is being written by another "
                                                 "sigprop") && strstr(sp_last_error(), want)
                  ? 0 : 1);
    }
    int wst = 0;
    CHECK(child > 0 && waitpid(child, &wst, 0) == child);
    CHECK(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
    CHECK(sp_sweep_append(fd, "0,1\n", 4) == SP_OK);
    close(fd);
    CHECK(sp_sweep_open(path, header, 2, keys, 2, 0, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 1 && done[0]);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a\n0,1\n"));
    unlink(path);
    /* /dev/null: written in place, never read or locked */
    CHECK(sp_sweep_open("/dev/null", header, 2, keys, 2, 0, done, &ndone, &fd) == SP_OK);
    CHECK(ndone == 0 && fd >= 0);
    CHECK(sp_sweep_append(fd, "0,1\n", 4) == SP_OK);
    close(fd);
}

/* One task's rows: every depth not done, from one run, keys and status as
 * documented; the same numbers as the theory at that depth. */
static void test_task_rows(void)
{
    struct sp_arch a;
    sp_arch_default(&a);
    a.norm_attn.kind = a.norm_mlp.kind = SP_FN_DERF;
    a.norm_attn.alpha = a.norm_mlp.alpha = 0.5;
    a.depth = 16;
    CHECK(sp_arch_resolve(&a, NULL, 0) == SP_OK);
    struct sp_theory_opts o;
    sp_theory_opts_version_c(&o);
    int depths[3] = {4, 8, 16};
    const char *keys[6] = {"x", "x", "x", "k3", "k4", "k5"};
    unsigned char done[6] = {0, 0, 0, 0, 1, 0};
    struct sp_sweep_rows out = {0};
    CHECK(sp_sweep_task_rows(&a, &o, 3, depths, 3, 1, NULL, keys, done, &out) == SP_OK);
    CHECK(out.s != NULL && out.len == strlen(out.s));
    if (out.s) {
        CHECK(strncmp(out.s, "3,k3,", 5) == 0);
        const char *l2 = strchr(out.s, '\n');
        CHECK(l2 && strncmp(l2 + 1, "5,k5,", 5) == 0);       /* 4 is done: skipped */
        CHECK(l2 && strchr(l2 + 1, '\n') == out.s + out.len - 1);
        CHECK(out.len > 4 && strcmp(out.s + out.len - 4, ",ok\n") == 0);
        /* J_L0 of depth 4 (the 3rd number after the key) equals a depth-4 run */
        struct sp_theory_row rows[5];
        struct sp_arch a4 = a;
        a4.depth = 4;
        CHECK(sp_theory_run(&a4, &o, rows, 5) == SP_OK);
        char want[SP_CSV_NUM_MAX];
        sp_csv_num(want, sizeof want, exp(rows[4].log_jfwd));
        const char *f = out.s + 5;
        for (int k = 0; k < 2 && f; k++)
            f = strchr(f, ',') ? strchr(f, ',') + 1 : NULL;
        CHECK(f && strncmp(f, want, strlen(want)) == 0 && f[strlen(want)] == ',');
    }
    free(out.s);
}

/* Compares two sets of CSV lines field by field: text fields equal, numbers
 * to rel (the batch and the per-task path differ by rounding only). */
static int same_rows(const char *x, const char *y, double rel)
{
    while (*x && *y) {
        char *ex, *ey;
        double a = strtod(x, &ex), b = strtod(y, &ey);
        if (ex != x && ey != y) {
            if (!(a == b || (isnan(a) && isnan(b)) || fabs(a - b) <= rel * fabs(b)))
                return 0;
            x = ex;
            y = ey;
        } else {
            size_t nx = strcspn(x, ",\n"), ny = strcspn(y, ",\n");
            if (nx != ny || strncmp(x, y, nx))
                return 0;
            x += nx;
            y += ny;
        }
        if (*x != *y)
            return 0;
        if (*x) {
            x++;
            y++;
        }
    }
    return !*x && !*y;
}

/* Theory-only rows vectorised over alpha: the same rows as the per-task path
 * for families of Derf alphas, a norm without alpha, DyT alphas;
 * done points skipped; strided lists (MPI ranks); many depths: the per-task
 * path's bytes. */
static void test_theory_rows(void)
{
    enum { NT = 20 };
    static struct sp_sweep_task tasks[NT];
    for (int t = 0; t < NT; t++) {
        struct sp_arch a;
        sp_arch_default(&a);
        enum sp_fn f = t < 12 ? SP_FN_DERF : t < 14 ? SP_FN_LN : SP_FN_DYT;
        a.norm_attn.kind = a.norm_mlp.kind = f;
        double al = t < 12 ? 0.1 * (t + 1) : t < 14 ? (double)NAN : 0.2 * (t - 13);
        if (f != SP_FN_LN)
            a.norm_attn.alpha = a.norm_mlp.alpha = al;
        a.depth = 40;
        CHECK(sp_arch_resolve(&a, NULL, 0) == SP_OK);
        memset(&tasks[t], 0, sizeof tasks[t]);
        tasks[t].a = a;
        sp_theory_opts_version_a(&tasks[t].o);
    }
    static const int d1[] = {40}, d2[] = {20, 40}, dmany[] = {5, 10, 15, 20, 25, 30, 35, 40};
    const int *ds[] = {d1, d2, dmany};
    size_t nds[] = {1, 2, 8};
    char *keys[NT * 8];
    for (int i = 0; i < NT * 8; i++) {
        keys[i] = malloc(16);
        if (keys[i])
            snprintf(keys[i], 16, "k%d", i);
    }
    size_t list[NT];
    for (size_t t = 0; t < NT; t++)
        list[t] = t;
    for (int c = 0; c < 3; c++) {
        size_t nd = nds[c];
        for (int t = 0; t < NT; t++)
            tasks[t].first = (size_t)t * nd;
        unsigned char done[NT * 8] = {0};
        done[3 * nd] = done[15 * nd + nd - 1] = 1;
        struct sp_sweep_plan p = {tasks, NT, ds[c], nd, 1, NULL, (const char *const *)keys};
        for (size_t stride = 1; stride <= 2; stride++) {
            size_t n = (NT + stride - 1) / stride;
            struct sp_sweep_rows got[NT], want[NT];
            memset(got, 0, sizeof got);
            memset(want, 0, sizeof want);
            CHECK(sp_sweep_theory_rows(&p, list, n, stride, done, got) == SP_OK);
            for (size_t k = 0; k < n; k++) {
                const struct sp_sweep_task *t = &tasks[list[k * stride]];
                CHECK(sp_sweep_task_rows(&t->a, &t->o, t->first, ds[c], nd, 1, NULL,
                                         (const char *const *)keys, done, &want[k]) == SP_OK);
                CHECK(!got[k].s == !want[k].s); /* NULL: every point done */
                CHECK(got[k].s || list[k * stride] == 3 || list[k * stride] == 15);
                if (got[k].s && want[k].s) {
                    CHECK(same_rows(got[k].s, want[k].s, 2e-9));
                    if (c == 2) /* depths add up to more than 4x the largest: per task */
                        CHECK(strcmp(got[k].s, want[k].s) == 0);
                }
                free(got[k].s);
                free(want[k].s);
            }
        }
    }
    for (int i = 0; i < NT * 8; i++)
        free(keys[i]);
}

static size_t nfields(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

/* Header and keys: as many key fields as key columns, in every mode; the
 * settings differ where a setting does. */
static void test_keys(void)
{
    for (int mode = 1; mode <= 3; mode++) {
        int theory = mode & 1, measure = mode & 2;
        char *h = sp_sweep_header(theory, measure, 0), *k = sp_sweep_header(theory, measure, 1);
        CHECK(h && k && strncmp(h, "i,model,version,norm,", 21) == 0);
        CHECK(h && strcmp(h + strlen(h) - 7, ",status") == 0);
        CHECK(k && strstr(k, "shift_attn") && !strstr(k, "status") && !strstr(k, "J_L0"));
        CHECK(k && (strstr(k, "attention") != NULL) == theory && (strstr(k, "seed") != NULL) == !!measure);
        struct sp_sweep_task t[2];
        memset(t, 0, sizeof t);
        for (int i = 0; i < 2; i++) {
            sp_arch_default(&t[i].a);
            t[i].a.norm_attn.kind = t[i].a.norm_mlp.kind = SP_FN_DERF;
            t[i].a.norm_attn.alpha = t[i].a.norm_mlp.alpha = 0.5;
            t[i].a.norm_attn.shift = t[i].a.norm_mlp.shift = i;
            t[i].a.depth = 8;
            CHECK(sp_arch_resolve(&t[i].a, NULL, 0) == SP_OK);
            sp_theory_opts_version_c(&t[i].o);
            t[i].first = (size_t)i * 2;
        }
        int depths[2] = {4, 8};
        struct sp_net_opts no;
        sp_net_opts_default(&no);
        struct sp_sweep_plan p = {t, 2, depths, 2, theory, measure ? &no : NULL, NULL};
        char **keys = NULL;
        CHECK(sp_sweep_keys(&p, &keys) == SP_OK && keys);
        if (keys && k) {
            int ok = 1;
            for (int i = 0; i < 4; i++)
                ok &= nfields(keys[i]) == nfields(k);
            CHECK(ok);
            CHECK(strncmp(keys[0], "transformer,C,derf,0.5,0.5,0.5,4,", 33) == 0);
            CHECK(strncmp(keys[1], "transformer,C,derf,0.5,0.5,0.5,8,", 33) == 0);
            CHECK(strcmp(keys[0], keys[2]) != 0); /* shift 0 vs 1 */
        }
        sp_sweep_keys_free(keys, 4);
        free(h);
        free(k);
    }
}

static void test_pending(void)
{
    /* 3 tasks x 2 depths: task 0 complete, task 1 half, task 2 empty */
    const unsigned char done[6] = {1, 1, 0, 1, 0, 0};
    size_t pending[3], ntodo = 0;
    CHECK(sp_sweep_pending(3, 2, done, pending, &ntodo) == 2);
    CHECK(pending[0] == 1 && pending[1] == 2 && ntodo == 3);
    const unsigned char all[6] = {1, 1, 1, 1, 1, 1};
    CHECK(sp_sweep_pending(3, 2, all, pending, &ntodo) == 0 && ntodo == 0);
}

/* The stability summary of a hand-made map. Reference: Spearman's rho without ties,
 * 1 - 6 sum d^2 / (n (n^2 - 1)). logJ ranks 1..5, eval_acc 0.5, 0.4, 0.3, 0.2, 0.25
 * ranks 5, 4, 3, 1, 2: d = -4, -2, 0, 3, 3, sum d^2 = 38, rho = 1 - 228/120 = -0.9.
 * Rows 0-4 are DyT (alpha 0.25..4, alpha_rec 0.9: nearest grid alpha in log is 1),
 * row 5 LayerNorm at the same lr/warmup/depth (0.35), row 6 LayerNorm at another lr;
 * then the same with RMSNorm as the reference, LayerNorm preferred over it, neither. */
static void test_stability_summary(void)
{
    struct sp_table *t = sp_table_new();
    const char *names[] = {"logJ_L0_pred", "eval_acc", "diverged", "alpha_rec", "alpha", "lr",
                           "warmup", "depth"};
    int c[8];
    for (int k = 0; k < 8; k++)
        c[k] = sp_table_add_col(t, names[k], SP_COL_NUM);
    int cn = sp_table_add_col(t, "norm", SP_COL_STR);
    const double lj[] = {1, 2, 3, 4, 5, NAN, NAN}, acc[] = {0.5, 0.4, 0.3, 0.2, 0.25, 0.35, 0.6};
    const double al[] = {0.25, 0.5, 1, 2, 4, NAN, NAN}, lr[] = {1, 1, 1, 1, 1, 1, 2};
    for (size_t r = 0; r < 7; r++) {
        long row = sp_table_add_row(t);
        CHECK(row == (long)r);
        sp_table_set_num(t, r, c[0], lj[r]);
        sp_table_set_num(t, r, c[1], acc[r]);
        sp_table_set_num(t, r, c[2], r == 3);
        sp_table_set_num(t, r, c[3], r < 5 ? 0.9 : (double)NAN);
        sp_table_set_num(t, r, c[4], al[r]);
        sp_table_set_num(t, r, c[5], lr[r]);
        sp_table_set_num(t, r, c[6], 0);
        sp_table_set_num(t, r, c[7], 4);
        CHECK(sp_table_set_str(t, r, cn, r < 5 ? "dyt" : "ln") == SP_OK);
    }
    struct sp_stability st;
    CHECK(sp_stability_summary(t, &st) == SP_OK);
    CHECK(st.rows == 7 && st.n == 5 && st.diverged == 1);
    CHECK_CLOSE(st.rho, -0.9, 1e-12, 0);
    CHECK(st.rec_alpha == 0.9 && st.grid_alpha == 1 && st.pairs == 1);
    CHECK(st.rec_acc == 0.3 && st.preln_acc == 0.35);
    CHECK(st.ref_norm && !strcmp(st.ref_norm, "ln") && !strcmp(st.ref_label, "pre-LN"));
    /* a map whose norm without alpha is RMSNorm: it is the reference, the same pairs */
    CHECK(sp_table_set_str(t, 5, cn, "rms") == SP_OK && sp_table_set_str(t, 6, cn, "rms") == SP_OK);
    CHECK(sp_stability_summary(t, &st) == SP_OK);
    CHECK(st.ref_norm && !strcmp(st.ref_norm, "rms") && !strcmp(st.ref_label, "RMSNorm"));
    CHECK(st.pairs == 1 && st.rec_acc == 0.3 && st.preln_acc == 0.35);
    /* both: LayerNorm first, here only at another lr, so no pair */
    CHECK(sp_table_set_str(t, 6, cn, "ln") == SP_OK);
    CHECK(sp_stability_summary(t, &st) == SP_OK);
    CHECK(st.ref_norm && !strcmp(st.ref_norm, "ln") && st.pairs == 0 && isnan(st.preln_acc));
    /* neither: no reference */
    CHECK(sp_table_set_str(t, 5, cn, "dyt") == SP_OK && sp_table_set_str(t, 6, cn, "dyt") == SP_OK);
    CHECK(sp_stability_summary(t, &st) == SP_OK);
    CHECK(st.ref_norm == NULL && !strcmp(st.ref_label, "none") && st.pairs == 0);
    sp_table_free(t);
    struct sp_table *e = sp_table_new();
    sp_table_add_col(e, "eval_acc", SP_COL_NUM);
    CHECK(sp_stability_summary(e, &st) == SP_EFORMAT);
    CHECK(strstr(sp_last_error(), "sweep --mode train") != NULL);
    sp_table_free(e);
}

int main(void)
{
    test_stability_summary();
    test_keys();
    test_pending();
    test_task_rows();
    test_theory_rows();
    test_grid();
    test_file();
    test_settings();
    test_lock();
    return check_done();
}
