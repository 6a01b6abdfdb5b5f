/* Tests of the CSV reader in src/io/table.c: a very wide header (200,000
 * unique columns) reads back with every name found at its index (the reader
 * used to compare every new name with every earlier one: 80,000 columns took
 * 29 s), duplicate names are still refused, and '#' lines are comments only
 * before the header: a data row whose first cell starts with '#' is kept.
 * sp_csv_num (its own %.10g conversion) writes the text snprintf("%.10g")
 * writes, on a million values: random bit patterns, random values across the
 * decimal range, ten-digit decimals and their halves (the rounding ties),
 * integers and the neighbours of powers of ten. Cells sharing a string copy
 * and the writer's reuse of equal cells' text (test_shared_cells). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

static struct sp_table *read_str(const char *text, enum sp_status *st, char *err, size_t n)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    struct sp_table *t = NULL;
    *st = f ? sp_table_read_csv(f, &t, err, n) : SP_EIO;
    if (f)
        fclose(f);
    return t;
}

static void test_wide_header(void)
{
    enum { N = 200000 };
    size_t cap = (size_t)N * 12 + 64, len = 0;
    char *text = malloc(cap);
    CHECK(text != NULL);
    if (!text)
        return;
    for (int c = 0; c < N; c++)
        len += (size_t)snprintf(text + len, cap - len, "%scol%d", c ? "," : "", c);
    text[len++] = '\n';
    for (int c = 0; c < N; c++)
        len += (size_t)snprintf(text + len, cap - len, "%s%d", c ? "," : "", c % 10);
    text[len++] = '\n';
    text[len] = 0;
    enum sp_status st;
    char err[256] = "";
    struct sp_table *t = read_str(text, &st, err, sizeof err);
    CHECK(st == SP_OK);
    if (t) {
        CHECK(sp_table_ncols(t) == N && sp_table_nrows(t) == 1);
        int ok = 1;
        char name[32];
        for (int c = 0; c < N; c++) {
            snprintf(name, sizeof name, "col%d", c);
            ok &= sp_table_find(t, name) == c;
            ok &= sp_table_num(t, 0, c) == (double)(c % 10);
        }
        CHECK(ok);
        CHECK(sp_table_find(t, "col200000") == -1);
        CHECK(sp_table_find(t, "") == -1);
        sp_table_free(t);
    }
    /* a duplicate is still refused */
    t = read_str("a,b,c,b\n1,2,3,4\n", &st, err, sizeof err);
    CHECK(st == SP_EFORMAT && t == NULL && strstr(err, "duplicate column name 'b'"));
    free(text);
}

static void test_comments(void)
{
    enum sp_status st;
    char err[256] = "";
    struct sp_table *t = read_str("# preamble of another tool\n#another\nname,v\n#1,2\nx,3\n\n#y,4\n",
                                  &st, err, sizeof err);
    CHECK(st == SP_OK);
    if (!t)
        return;
    CHECK(sp_table_ncols(t) == 2);
    CHECK(sp_table_find(t, "name") == 0 && sp_table_find(t, "v") == 1);
    CHECK(sp_table_nrows(t) == 3); /* '#1' and '#y' rows are data */
    if (sp_table_nrows(t) == 3) {
        CHECK(strcmp(sp_table_str(t, 0, 0), "#1") == 0 && sp_table_num(t, 0, 1) == 2);
        CHECK(strcmp(sp_table_str(t, 1, 0), "x") == 0);
        CHECK(strcmp(sp_table_str(t, 2, 0), "#y") == 0 && sp_table_num(t, 2, 1) == 4);
    }
    sp_table_free(t);
    /* a '#' row with the wrong field count is an error, not silently dropped */
    t = read_str("a,b\n1,2\n# a comment, with a comma, too many\n", &st, err, sizeof err);
    CHECK(st == SP_EFORMAT && t == NULL && strstr(err, "line 3"));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_u64(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int num_differs(double v)
{
    char a[SP_CSV_NUM_MAX], b[64];
    sp_csv_num(a, sizeof a, v);
    snprintf(b, sizeof b, "%.10g", v);
    if (isnan(v))
        snprintf(b, sizeof b, "nan");
    char c[6], d[6]; /* a short buffer: the text truncated as by snprintf */
    sp_csv_num(c, sizeof c, v);
    memcpy(d, b, sizeof d - 1);
    d[sizeof d - 1] = 0;
    if (strcmp(a, b) == 0 && strcmp(c, d) == 0)
        return 0;
    fprintf(stderr, "sp_csv_num(%.17g) = '%s' ('%s' in 6 bytes), %%.10g '%s'\n", v, a, c, b);
    return 1;
}

static void test_csv_num(void)
{
    int bad = 0;
    for (int i = 0; i < 250000 && bad < 5; i++) { /* every exponent */
        uint64_t u = next_u64();
        double v;
        memcpy(&v, &u, sizeof v);
        bad += num_differs(v);
    }
    for (int i = 0; i < 250000 && bad < 5; i++) { /* 1e-20 .. 1e40, both signs */
        double v = pow(10.0, -20.0 + 60.0 * (double)(next_u64() >> 11) * 0x1p-53);
        bad += num_differs(next_u64() & 1 ? -v : v);
    }
    for (int i = 0; i < 250000 && bad < 5; i++) { /* d.ddddddddd(5) x 10^k: ties */
        double m = (double)(1000000000 + next_u64() % 9000000000ULL);
        int k = (int)(next_u64() % 40) - 20;
        double v = m * pow(10.0, k - 9);
        bad += num_differs(v) + num_differs((m + 0.5) * pow(10.0, k - 10)) +
               num_differs(nextafter(v, 0.0)) + num_differs(nextafter(v, INFINITY));
    }
    for (int i = 0; i < 250000 && bad < 5; i++) { /* integers, 0.5 steps */
        double v = (double)(next_u64() % 100000000000ULL) * (i & 1 ? 0.5 : 1.0);
        bad += num_differs(v);
    }
    for (int k = -330; k <= 310 && bad < 5; k++) { /* powers of ten and their neighbours */
        double v = pow(10.0, k);
        bad += num_differs(v) + num_differs(nextafter(v, 0.0)) +
               num_differs(nextafter(v, INFINITY)) + num_differs(-v);
    }
    double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1e-4, 9.9999999995e-5, 0.00099999999995,
                        9999999999.5, 9999999999.4, 1e10, 123456789012.0, 5e-324,
                        1.7976931348623157e308, NAN, -NAN, INFINITY, -INFINITY, 4.283126235e-06};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        bad += num_differs(special[i]);
    CHECK(bad == 0);
}

/* Equal strings in consecutive rows share one copy (sp_table_set_str) and the
 * CSV writer reuses the text of a cell equal to the one above or to its left:
 * random runs overwritten at random (in a run's top, middle, bottom) keep
 * every cell's value, the CSV of any row range is the one of every cell
 * converted alone, and sp_table_free frees each copy once (make asan). */
static void test_shared_cells(void)
{
    enum { R = 300, EDITS = 3000 };
    static const char *strs[] = {"a", "b", "", "x,y", "a"};
    static const double nums[] = {0.5, 1, -0.0, 0.0, 1e-300, 0.1};
    const int ns = sizeof strs / sizeof *strs, nn = sizeof nums / sizeof *nums;
    struct sp_table *t = sp_table_new();
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(sp_table_add_col(t, "s", SP_COL_STR) == 0 && sp_table_add_col(t, "x", SP_COL_NUM) == 1 &&
          sp_table_add_col(t, "y", SP_COL_NUM) == 2 && sp_table_add_col(t, "u", SP_COL_STR) == 3);
    int sv[R], uv[R];
    double xv[R], yv[R];
    uint64_t z = 42;
    for (int r = 0; r < R; r++)
        CHECK(sp_table_add_row(t) == r);
    for (int e = 0; e < EDITS + 2 * R; e++) {
        z = z * 6364136223846793005u + 1442695040888963407u;
        int r = e < 2 * R ? e % R : (int)(z >> 33) % R, k = (int)(z >> 20) % 64;
        if (e < R || k < 16) { /* runs: mostly the row above's value */
            sv[r] = k < 8 && r > 0 ? sv[r - 1] : (int)(z >> 40) % ns;
            CHECK(sp_table_set_str(t, (size_t)r, 0, strs[sv[r]]) == SP_OK);
        } else if (e < 2 * R || k < 32) {
            uv[r] = (int)(z >> 44) % 2;
            CHECK(sp_table_set_str(t, (size_t)r, 3, strs[uv[r]]) == SP_OK);
        } else {
            xv[r] = nums[(int)(z >> 40) % nn];
            yv[r] = k < 40 ? xv[r] : nums[(int)(z >> 48) % nn];
            sp_table_set_num(t, (size_t)r, 1, xv[r]);
            sp_table_set_num(t, (size_t)r, 2, yv[r]);
        }
        if (e == R)
            for (int q = 0; q < R; q++) {
                xv[q] = yv[q] = NAN;
                uv[q] = 2;
            }
    }
    int ok = 1;
    for (int r = 0; r < R; r++)
        ok &= strcmp(sp_table_str(t, (size_t)r, 0), strs[sv[r]]) == 0 &&
              strcmp(sp_table_str(t, (size_t)r, 3), strs[uv[r]]) == 0;
    CHECK(ok);
    size_t from = 7, to = R - 3, cap = (size_t)R * 128, len = 0, got_len = 0;
    char *want = malloc(cap), *got = NULL, a[SP_CSV_NUM_MAX], b[SP_CSV_NUM_MAX];
    CHECK(want != NULL);
    for (size_t r = from; want && r < to; r++) {
        sp_csv_num(a, sizeof a, xv[r]);
        sp_csv_num(b, sizeof b, yv[r]);
        const char *s = strs[sv[r]], *u = strs[uv[r]];
        len += (size_t)snprintf(want + len, cap - len, "%s%s%s,%s,%s,%s\n", strchr(s, ',') ? "\"" : "",
                                s, strchr(s, ',') ? "\"" : "", a, b, u);
    }
    FILE *f = open_memstream(&got, &got_len);
    CHECK(f != NULL);
    if (f) {
        CHECK(sp_table_write_csv_rows(t, from, to, f) == SP_OK);
        fclose(f);
        CHECK(want && got && got_len == len && memcmp(got, want, len) == 0);
    }
    free(got);
    free(want);
    sp_table_free(t);
}

int main(void)
{
    test_csv_num();
    test_wide_header();
    test_comments();
    test_shared_cells();
    return check_done();
}
