/* Tests of the CSV reader in src/io/table.c: a very wide header (200,000
 * unique columns) reads back with every name found at its index (the reader
 * used to compare every new name with every earlier one: 80,000 columns took
 * 29 s), duplicate names are still refused, and '#' lines are comments only
 * before the header: a data row whose first cell starts with '#' is kept. */
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

int main(void)
{
    test_wide_header();
    test_comments();
    return check_done();
}
