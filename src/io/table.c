/* Tidy tables: the plain records every command produces, written as CSV or JSON
 * and read back from CSV (by fit and plot, which never recompute). Numbers are
 * printed with %.10g so that a round trip keeps ten significant digits. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sigprop/io.h"

struct column {
    char *name;
    enum sp_coltype type;
    double *num;
    char **str;
};

struct sp_table {
    struct column *cols;
    int ncols, ccap;
    size_t nrows, cap;
    /* open-addressing index of the column names (linear probing): slot holds
     * column index + 1, 0 = empty; hcap a power of two, at least 2 ncols */
    int *hash;
    size_t hcap;
};

static size_t name_hash(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static void hash_put(int *hash, size_t hcap, const char *name, int col)
{
    size_t i = name_hash(name) & (hcap - 1);
    while (hash[i])
        i = (i + 1) & (hcap - 1);
    hash[i] = col + 1;
}

struct sp_table *sp_table_new(void) { return calloc(1, sizeof(struct sp_table)); }

void sp_table_free(struct sp_table *t)
{
    if (!t)
        return;
    for (int c = 0; c < t->ncols; c++) {
        if (t->cols[c].str)
            for (size_t r = 0; r < t->nrows; r++) /* each run of one copy once */
                if (r == 0 || t->cols[c].str[r] != t->cols[c].str[r - 1])
                    free(t->cols[c].str[r]);
        free(t->cols[c].num);
        free(t->cols[c].str);
        free(t->cols[c].name);
    }
    free(t->hash);
    free(t->cols);
    free(t);
}

static int col_reserve(struct column *c, size_t cap)
{
    if (c->type == SP_COL_NUM) {
        double *p = realloc(c->num, cap * sizeof *p);
        if (!p)
            return -1;
        c->num = p;
    } else {
        char **p = realloc(c->str, cap * sizeof *p);
        if (!p)
            return -1;
        c->str = p;
    }
    return 0;
}

static void col_init_cell(struct column *c, size_t r)
{
    if (c->type == SP_COL_NUM)
        c->num[r] = NAN;
    else
        c->str[r] = NULL;
}

int sp_table_add_col(struct sp_table *t, const char *name, enum sp_coltype type)
{
    if (sp_table_find(t, name) >= 0 || t->ncols == INT32_MAX / 4)
        return -1;
    if (t->ncols == t->ccap) { /* geometric growth: adding n columns is O(n) */
        int ccap = t->ccap ? 2 * t->ccap : 16;
        struct column *cols = realloc(t->cols, (size_t)ccap * sizeof *cols);
        if (!cols)
            return -1;
        t->cols = cols;
        t->ccap = ccap;
    }
    if (2 * (size_t)(t->ncols + 1) > t->hcap) {
        size_t hcap = t->hcap ? 2 * t->hcap : 64;
        int *hash = calloc(hcap, sizeof *hash);
        if (!hash)
            return -1;
        for (int k = 0; k < t->ncols; k++)
            hash_put(hash, hcap, t->cols[k].name, k);
        free(t->hash);
        t->hash = hash;
        t->hcap = hcap;
    }
    struct column *c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->type = type;
    c->name = strdup(name);
    if (!c->name || (t->cap && col_reserve(c, t->cap) != 0)) {
        free(c->name);
        free(c->num);
        free(c->str);
        return -1;
    }
    for (size_t r = 0; r < t->nrows; r++)
        col_init_cell(c, r);
    hash_put(t->hash, t->hcap, c->name, t->ncols);
    return t->ncols++;
}

long sp_table_add_row(struct sp_table *t)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        for (int c = 0; c < t->ncols; c++)
            if (col_reserve(&t->cols[c], cap) != 0)
                return -1;
        t->cap = cap;
    }
    for (int c = 0; c < t->ncols; c++)
        col_init_cell(&t->cols[c], t->nrows);
    return (long)t->nrows++;
}

void sp_table_set_num(struct sp_table *t, size_t row, int col, double v)
{
    if (col >= 0 && col < t->ncols && row < t->nrows && t->cols[col].type == SP_COL_NUM)
        t->cols[col].num[row] = v;
}

enum sp_status sp_table_set_str(struct sp_table *t, size_t row, int col, const char *s)
{
    if (col < 0 || col >= t->ncols || row >= t->nrows || t->cols[col].type != SP_COL_STR)
        return SP_EINVAL;
    char **v = t->cols[col].str, *old = v[row];
    if (!s)
        s = "";
    /* a value equal to the row above's shares its copy: runs of one pointer
     * stay contiguous (sp_table_free frees each run once, the CSV writer
     * reuses the text of a run) */
    char *d = row > 0 && v[row - 1] && strcmp(v[row - 1], s) == 0 ? v[row - 1] : strdup(s);
    if (!d)
        return SP_ENOMEM;
    if (old && row + 1 < t->nrows && v[row + 1] == old && !(row > 0 && v[row - 1] == old)) {
        v[row] = d; /* old's run goes on below: it keeps old */
        return SP_OK;
    }
    if (old && row + 1 < t->nrows && v[row + 1] == old) { /* inside a run: split it */
        char *below = strdup(old);
        if (!below) {
            if (d != v[row - 1])
                free(d);
            return SP_ENOMEM;
        }
        for (size_t k = row + 1; k < t->nrows && v[k] == old; k++)
            v[k] = below;
    } else if (old && !(row > 0 && v[row - 1] == old)) {
        free(old); /* a run of its own */
    }
    v[row] = d;
    return SP_OK;
}

size_t sp_table_nrows(const struct sp_table *t) { return t->nrows; }
int sp_table_ncols(const struct sp_table *t) { return t->ncols; }
const char *sp_table_col_name(const struct sp_table *t, int col) { return t->cols[col].name; }
enum sp_coltype sp_table_col_type(const struct sp_table *t, int col) { return t->cols[col].type; }

int sp_table_find(const struct sp_table *t, const char *name)
{
    if (!t->hcap)
        return -1;
    for (size_t i = name_hash(name) & (t->hcap - 1); t->hash[i]; i = (i + 1) & (t->hcap - 1))
        if (strcmp(t->cols[t->hash[i] - 1].name, name) == 0)
            return t->hash[i] - 1;
    return -1;
}

double sp_table_num(const struct sp_table *t, size_t row, int col)
{
    if (col < 0 || col >= t->ncols || row >= t->nrows || t->cols[col].type != SP_COL_NUM)
        return NAN;
    return t->cols[col].num[row];
}

const char *sp_table_str(const struct sp_table *t, size_t row, int col)
{
    if (col < 0 || col >= t->ncols || row >= t->nrows || t->cols[col].type != SP_COL_STR)
        return "";
    return t->cols[col].str[row] ? t->cols[col].str[row] : "";
}

const double *sp_table_col_data(const struct sp_table *t, int col)
{
    if (col < 0 || col >= t->ncols || t->cols[col].type != SP_COL_NUM)
        return NULL;
    return t->cols[col].num;
}

/* ---- writers ---- */

/* %.10g without printf: glibc's exact multi-precision conversion was a fifth
 * of `sigprop sweep` over 10^4 alphas (perf, docs/theory.md "Performance").
 * The ten significant digits are the rounded x = |v| 10^(9-e) computed in
 * 64-bit long double with one correctly rounded operation (|x| < 2^34, so the
 * absolute error is below 1e-9): when the fraction of x is within 1e-7 of a
 * half (a tie, or too close to tell) or the exponent needs an inexact power
 * of ten, snprintf decides. Same text as "%.10g", which tests/test_table.c
 * checks against snprintf on a million values. Returns the length, or -1 to
 * fall back. */
static int g10_fast(char *buf, double v)
{
#if LDBL_MANT_DIG >= 64
    static const long double p10[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                      1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                      1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                      1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    double a = fabs(v);
    if (!(a >= 1e-17 && a < 1e36)) /* 0, tiny, huge: 9 - e outside [-27, 27] */
        return -1;
    /* e = floor(log10 a) from the binary exponent (a = f 2^b, f in [1/2, 1)):
     * floor((b - 1) log10 2) is e or e - 1, which the loop below corrects
     * (a call to log10 was a tenth of the conversion) */
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int b2 = (int)((bits >> 52) & 0x7ff) - 1022; /* normal: a >= 1e-17 */
    int e = (int)floor((double)(b2 - 1) * 0.30102999566398119521);
    long double x = 0.0L;
    for (int tries = 0; tries < 3; tries++) {
        int k = 9 - e;
        if (k < -27 || k > 27)
            return -1;
        x = k >= 0 ? (long double)a * p10[k] : (long double)a / p10[-k];
        if (x < 1e9L)
            e--;
        else if (x >= 1e10L)
            e++;
        else
            break;
    }
    if (!(x >= 1e9L && x < 1e10L))
        return -1;
    uint64_t m = (uint64_t)x;
    long double frac = x - (long double)m;
    if (fabsl(frac - 0.5L) < 1e-7L)
        return -1;
    if (frac > 0.5L)
        m++;
    if (m == 10000000000ULL) {
        m = 1000000000ULL;
        e++;
    }
    char d[10];
    for (int i = 9; i >= 0; i--) {
        d[i] = (char)('0' + m % 10);
        m /= 10;
    }
    int nd = 10; /* significant digits left after stripping trailing zeros */
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    char *o = buf;
    if (signbit(v))
        *o++ = '-';
    if (e >= -4 && e < 10) { /* style f with 9 - e decimals */
        if (e < 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -e - 1; i++)
                *o++ = '0';
            memcpy(o, d, (size_t)nd);
            o += nd;
        } else {
            memcpy(o, d, (size_t)e + 1);
            o += e + 1;
            if (nd > e + 1) {
                *o++ = '.';
                memcpy(o, d + e + 1, (size_t)(nd - e - 1));
                o += nd - e - 1;
            }
        }
    } else { /* style e */
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        int ae = e < 0 ? -e : e;
        if (ae >= 100)
            *o++ = (char)('0' + ae / 100);
        *o++ = (char)('0' + ae / 10 % 10);
        *o++ = (char)('0' + ae % 10);
    }
    *o = 0;
    return (int)(o - buf);
#else
    (void)buf, (void)v;
    return -1;
#endif
}

/* the words of nan, the infinities and the zeros (%.10g's, the sign of a NaN
 * dropped), or NULL: snprintf's format parsing was most of the sweep keys'
 * conversions (their zeros and nans, docs/theory.md "Performance") */
static const char *csv_word(double v)
{
    if (isnan(v))
        return "nan";
    if (isinf(v))
        return v > 0 ? "inf" : "-inf";
    if (v == 0)
        return signbit(v) ? "-0" : "0";
    return NULL;
}

/* sp_csv_num into buf (SP_CSV_NUM_MAX bytes); returns the length */
static size_t csv_num_len(char *buf, double v)
{
    const char *w = csv_word(v);
    if (w) {
        size_t n = strlen(w);
        memcpy(buf, w, n + 1);
        return n;
    }
    int n = g10_fast(buf, v);
    if (n >= 0)
        return (size_t)n;
    snprintf(buf, SP_CSV_NUM_MAX, "%.10g", v);
    return strlen(buf);
}

void sp_csv_num(char *buf, size_t n, double v)
{
    if (n >= SP_CSV_NUM_MAX) {
        csv_num_len(buf, v);
        return;
    }
    char full[SP_CSV_NUM_MAX]; /* a short buffer: truncated as by snprintf */
    size_t len = csv_num_len(full, v);
    if (n == 0)
        return;
    if (len >= n)
        len = n - 1;
    memcpy(buf, full, len);
    buf[len] = 0;
}

/* s as a CSV field into buf (2 strlen(s) + 3 bytes); returns the length */
static size_t csv_str_into(char *buf, const char *s)
{
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\n\r")) {
        memcpy(buf, s, n);
        return n;
    }
    char *o = buf;
    *o++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *o++ = '"';
        *o++ = *s;
    }
    *o++ = '"';
    return (size_t)(o - buf);
}

/* A header field; -1 when out of memory or the stream fails. */
static int put_csv_str(const char *s, FILE *f)
{
    char small[256], *buf = small;
    size_t need = 2 * strlen(s) + 3;
    if (need > sizeof small && !(buf = malloc(need)))
        return -1;
    size_t n = csv_str_into(buf, s);
    int rc = fwrite(buf, 1, n, f) == n ? 0 : -1;
    if (buf != small)
        free(buf);
    return rc;
}

enum sp_status sp_table_write_csv_header(const struct sp_table *t, FILE *f)
{
    for (int c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        if (put_csv_str(t->cols[c].name, f) != 0)
            return SP_EIO;
    }
    fputc('\n', f);
    return ferror(f) ? SP_EIO : SP_OK;
}

/* Each row is assembled in a buffer and written with one fwrite (a stdio
 * call per character or cell was a fifth of `theory --summary` over 10^4
 * alphas: docs/theory.md "Performance"). The rows alternate between two
 * buffers, and a cell whose value (a number's bits, a string's shared copy)
 * equals the row above's or, for a number, the cell left of it copies that
 * text instead of converting again: depth, width, c_star, the caveats, the
 * three alphas of a row (half the cells of a summary). */
struct cell_memo {
    uint64_t key; /* the number's bits or the string's pointer */
    size_t off, len; /* where the text is in its row's buffer */
    int valid;
};

static uint64_t cell_key(const struct column *c, size_t r)
{
    uint64_t k;
    if (c->type == SP_COL_NUM)
        memcpy(&k, &c->num[r], sizeof k);
    else
        k = (uint64_t)(uintptr_t)c->str[r];
    return k;
}

enum sp_status sp_table_write_csv_rows(const struct sp_table *t, size_t from, size_t to, FILE *f)
{
    if (to > t->nrows)
        to = t->nrows;
    if (from >= to)
        return ferror(f) ? SP_EIO : SP_OK;
    size_t cap[2] = {0, 0};
    char *lines[2] = {NULL, NULL};
    struct cell_memo *memo = calloc((size_t)t->ncols + 1, sizeof *memo);
    enum sp_status s = memo ? SP_OK : SP_ENOMEM;
    for (size_t r = from; r < to && s == SP_OK; r++) {
        int cur = (int)(r & 1);
        size_t need = 1; /* the newline */
        for (int c = 0; c < t->ncols; c++)
            need += 1 + (t->cols[c].type == SP_COL_NUM ? SP_CSV_NUM_MAX
                                                       : 2 * strlen(sp_table_str(t, r, c)) + 3);
        if (need > cap[cur]) {
            char *p = realloc(lines[cur], 2 * need);
            if (!p) {
                s = SP_ENOMEM;
                break;
            }
            lines[cur] = p;
            cap[cur] = 2 * need;
        }
        char *line = lines[cur];
        const char *above = lines[!cur];
        size_t len = 0;
        for (int c = 0; c < t->ncols; c++) {
            const struct column *col = &t->cols[c];
            struct cell_memo *m = &memo[c];
            uint64_t key = cell_key(col, r);
            if (c)
                line[len++] = ',';
            size_t at = len;
            if (m->valid && m->key == key) {
                memcpy(line + len, above + m->off, m->len);
                len += m->len;
            } else if (c && col->type == SP_COL_NUM && t->cols[c - 1].type == SP_COL_NUM &&
                       memo[c - 1].key == key) {
                memmove(line + len, line + memo[c - 1].off, memo[c - 1].len);
                len += memo[c - 1].len;
            } else if (col->type == SP_COL_NUM) {
                len += csv_num_len(line + len, col->num[r]);
            } else {
                len += csv_str_into(line + len, sp_table_str(t, r, c));
            }
            *m = (struct cell_memo){key, at, len - at, 1};
        }
        line[len++] = '\n';
        if (fwrite(line, 1, len, f) != len)
            break;
    }
    free(memo);
    free(lines[0]);
    free(lines[1]);
    if (s != SP_OK)
        return s;
    return ferror(f) ? SP_EIO : SP_OK;
}

enum sp_status sp_table_write_csv(const struct sp_table *t, FILE *f)
{
    enum sp_status s = sp_table_write_csv_header(t, f);
    return s == SP_OK ? sp_table_write_csv_rows(t, 0, t->nrows, f) : s;
}

enum sp_status sp_table_write_json(const struct sp_table *t, const char *meta_json, FILE *f)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return SP_ENOMEM;
    cJSON *meta = meta_json ? cJSON_Parse(meta_json) : cJSON_CreateObject();
    if (!meta) {
        cJSON_Delete(root);
        return SP_EINVAL;
    }
    /* pandas' "table" orient (pandas.read_json(path, orient="table")): a "schema"
     * with one field per column and the records under "data"; pandas ignores the
     * other keys, so "meta" and "columns" ride along. */
    cJSON_AddItemToObject(root, "meta", meta);
    cJSON *cols = cJSON_AddArrayToObject(root, "columns");
    cJSON *schema = cJSON_AddObjectToObject(root, "schema");
    cJSON *fields = schema ? cJSON_AddArrayToObject(schema, "fields") : NULL;
    if (schema)
        cJSON_AddStringToObject(schema, "pandas_version", "1.4.0");
    cJSON *rows = cJSON_AddArrayToObject(root, "data");
    if (!cols || !fields || !rows) {
        cJSON_Delete(root);
        return SP_ENOMEM;
    }
    for (int c = 0; c < t->ncols; c++) {
        cJSON_AddItemToArray(cols, cJSON_CreateString(t->cols[c].name));
        cJSON *fd = cJSON_CreateObject();
        if (!fd) {
            cJSON_Delete(root);
            return SP_ENOMEM;
        }
        cJSON_AddStringToObject(fd, "name", t->cols[c].name);
        cJSON_AddStringToObject(fd, "type", t->cols[c].type == SP_COL_STR ? "string" : "number");
        cJSON_AddItemToArray(fields, fd);
    }
    for (size_t r = 0; r < t->nrows; r++) {
        cJSON *o = cJSON_CreateObject();
        for (int c = 0; c < t->ncols; c++) {
            if (t->cols[c].type == SP_COL_STR) {
                cJSON_AddStringToObject(o, t->cols[c].name, sp_table_str(t, r, c));
            } else {
                double v = t->cols[c].num[r];
                /* JSON has no NaN/Inf: they become null. */
                if (isfinite(v))
                    cJSON_AddItemToObject(o, t->cols[c].name, cJSON_CreateNumber(v));
                else
                    cJSON_AddNullToObject(o, t->cols[c].name);
            }
        }
        cJSON_AddItemToArray(rows, o);
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return SP_ENOMEM;
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return ferror(f) ? SP_EIO : SP_OK;
}

/* ---- reader ---- */

struct strvec {
    char **v;
    size_t n, cap;
};

static int strvec_push(struct strvec *s, const char *b, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **p = realloc(s->v, cap * sizeof *p);
        if (!p)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    char *d = malloc(len + 1);
    if (!d)
        return -1;
    memcpy(d, b, len);
    d[len] = 0;
    s->v[s->n++] = d;
    return 0;
}

static void strvec_clear(struct strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
}

/* Splits one CSV record (RFC 4180 quoting, no embedded newlines) into fields. */
static int split_csv(const char *line, struct strvec *out)
{
    strvec_clear(out);
    char *buf = malloc(strlen(line) + 1);
    if (!buf)
        return -1;
    const char *p = line;
    for (;;) {
        size_t len = 0;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                if (*p == '"')
                    p++;
                buf[len++] = *p++;
            }
            if (*p != '"') {
                free(buf);
                return -2;
            }
            p++;
        } else {
            while (*p && *p != ',')
                buf[len++] = *p++;
        }
        if (strvec_push(out, buf, len) != 0) {
            free(buf);
            return -1;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p) {
            free(buf);
            return -2;
        }
        break;
    }
    free(buf);
    return 0;
}

static int parse_cell(const char *s, double *v)
{
    if (!*s || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "NA") == 0) {
        *v = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return end != s && *end == 0 ? 0 : -1;
}

static char *read_line(FILE *f, int *oom)
{
    size_t cap = 256, len = 0;
    char *b = malloc(cap);
    int ch;
    *oom = 0;
    if (!b) {
        *oom = 1;
        return NULL;
    }
    while ((ch = fgetc(f)) != EOF && ch != '\n') {
        if (len + 2 > cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                *oom = 1;
                return NULL;
            }
            b = nb;
        }
        b[len++] = (char)ch;
    }
    if (ch == EOF && len == 0) {
        free(b);
        return NULL;
    }
    if (len && b[len - 1] == '\r')
        len--;
    b[len] = 0;
    return b;
}

enum sp_status sp_table_read_csv(FILE *f, struct sp_table **out, char *err, size_t errlen)
{
    struct strvec header = {0}, fields = {0};
    struct strvec cells = {0}; /* all cells, row-major, kept until types are known */
    enum sp_status st = SP_OK;
    struct sp_table *t = NULL;
    size_t lineno = 0, nrows = 0;
    char *line;
    int oom = 0;
    *out = NULL;

    while ((line = read_line(f, &oom)) != NULL) {
        lineno++;
        /* blank lines anywhere; '#' comment lines (of foreign files) only before
         * the header: after it, a line starting with '#' is a data row */
        if (!line[0] || (line[0] == '#' && !header.n)) {
            free(line);
            continue;
        }
        struct strvec *dst = header.n ? &fields : &header;
        int rc = split_csv(line, dst);
        free(line);
        if (rc != 0) {
            st = rc == -1 ? SP_ENOMEM : SP_EFORMAT;
            if (err && rc != -1) snprintf(err, errlen, "line %zu: malformed CSV quoting", lineno);
            goto done;
        }
        if (dst == &header)
            continue;
        if (fields.n != header.n) {
            if (err)
                snprintf(err, errlen, "line %zu: %zu fields, but the header has %zu",
                         lineno, fields.n, header.n);
            st = SP_EFORMAT;
            goto done;
        }
        for (size_t i = 0; i < fields.n; i++)
            if (strvec_push(&cells, fields.v[i], strlen(fields.v[i])) != 0) {
                st = SP_ENOMEM;
                goto done;
            }
        nrows++;
    }
    if (oom) { /* read_line's NULL was not the end of the file */
        st = SP_ENOMEM;
        goto done;
    }
    if (ferror(f)) {
        if (err) snprintf(err, errlen, "read error");
        st = SP_EIO;
        goto done;
    }
    if (!header.n) {
        if (err) snprintf(err, errlen, "empty file: no header row");
        st = SP_EFORMAT;
        goto done;
    }
    t = sp_table_new();
    if (!t) {
        st = SP_ENOMEM;
        goto done;
    }
    for (size_t c = 0; c < header.n; c++) {
        int numeric = 1;
        double v;
        for (size_t r = 0; r < nrows && numeric; r++)
            numeric = parse_cell(cells.v[r * header.n + c], &v) == 0;
        if (sp_table_add_col(t, header.v[c], numeric ? SP_COL_NUM : SP_COL_STR) < 0) {
            if (err) snprintf(err, errlen, "duplicate column name '%s'", header.v[c]);
            st = SP_EFORMAT;
            goto done;
        }
    }
    for (size_t r = 0; r < nrows; r++) {
        if (sp_table_add_row(t) < 0) {
            st = SP_ENOMEM;
            goto done;
        }
        for (size_t c = 0; c < header.n; c++) {
            const char *s = cells.v[r * header.n + c];
            if (t->cols[c].type == SP_COL_NUM) {
                double v = NAN;
                parse_cell(s, &v);
                t->cols[c].num[r] = v;
            } else if ((st = sp_table_set_str(t, r, (int)c, s)) != SP_OK) {
                goto done;
            }
        }
    }
done:
    strvec_clear(&header);
    strvec_clear(&fields);
    strvec_clear(&cells);
    free(header.v);
    free(fields.v);
    free(cells.v);
    if (st != SP_OK) {
        sp_table_free(t);
        if (st == SP_ENOMEM && err) /* every out-of-memory path above leaves err as it was */
            snprintf(err, errlen, "line %zu: out of memory", lineno);
        return sp_fail(st, "%s", err && err[0] ? err : sp_status_str(st));
    }
    *out = t;
    return SP_OK;
}
