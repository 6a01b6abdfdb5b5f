/* The text corpus of the language-model task: fortune files (records separated by lines
 * holding a single '%'), read whole, checked to be text, split into records and sent to
 * the training or held-out part by a hash of each record's text. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sigprop/train.h"

struct buf {
    unsigned char *p;
    size_t n, cap;
};

static int buf_add(struct buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->n + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
    return 0;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Splits one file's bytes into records and appends each, with "%\n", to its part. */
static enum sp_status split_file(const char *path, const unsigned char *t, size_t n,
                                 struct buf *part[2], size_t nrec[2])
{
    static const unsigned char sep[2] = {'%', '\n'};
    size_t start = 0, i = 0;
    while (i <= n) {
        /* the line [i, e) */
        size_t e = i;
        while (e < n && t[e] != '\n')
            e++;
        int is_sep = e == i + 1 && t[i] == '%';
        if (is_sep || e >= n) {
            size_t end = is_sep ? i : n; /* the record is [start, end) */
            if (end > start) {
                int h = fnv1a(t + start, end - start) % 10 == 0;
                if (buf_add(part[h], t + start, end - start) || buf_add(part[h], sep, 2))
                    return sp_fail(SP_ENOMEM, "%s: corpus of %zu bytes", path, part[h]->n);
                nrec[h]++;
            }
            start = e + 1;
        }
        i = e + 1;
    }
    return SP_OK;
}

static enum sp_status read_file(const char *path, struct buf *part[2], size_t nrec[2])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sp_fail(SP_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct buf b = {0};
    unsigned char chunk[1 << 16];
    size_t got;
    int mem = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_add(&b, chunk, got)) {
            mem = 1;
            break;
        }
    int err = ferror(f);
    fclose(f);
    enum sp_status s = SP_OK;
    if (mem)
        s = sp_fail(SP_ENOMEM, "%s: reading", path);
    else if (err)
        s = sp_fail(SP_EIO, "%s: read error", path);
    else if (b.n == 0)
        s = sp_fail(SP_EFORMAT, "%s: empty file (a corpus of '%%'-separated text records)", path);
    const unsigned char *nul = s == SP_OK ? memchr(b.p, 0, b.n) : NULL;
    if (nul)
        s = sp_fail(SP_EFORMAT, "%s: a NUL byte at offset %zu: not a text file", path,
                    (size_t)(nul - b.p));
    if (s == SP_OK)
        s = split_file(path, b.p, b.n, part, nrec);
    free(b.p);
    return s;
}

static int skipped(const char *name)
{
    size_t k = strlen(name);
    return name[0] == '.' || (k > 4 && strcmp(name + k - 4, ".dat") == 0) ||
           (k > 3 && strcmp(name + k - 3, ".u8") == 0);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular corpus file of dir, in name order. */
static enum sp_status read_dir(const char *dir, struct buf *part[2], size_t nrec[2])
{
    DIR *dp = opendir(dir);
    if (!dp)
        return sp_fail(SP_EIO, "%s: cannot open: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    enum sp_status s = SP_OK;
    struct dirent *e;
    while (s == SP_OK && (e = readdir(dp)) != NULL) {
        if (skipped(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *names);
            if (!nn) {
                s = sp_fail(SP_ENOMEM, "%s: listing", dir);
                break;
            }
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (!names[n])
            s = sp_fail(SP_ENOMEM, "%s: listing", dir);
        else
            n++;
    }
    closedir(dp);
    if (s == SP_OK && n > 1) /* names is NULL in an empty directory */
        qsort(names, n, sizeof *names, cmp_names);
    size_t files = 0;
    char path[4096];
    for (size_t i = 0; s == SP_OK && i < n; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue; /* links (the .u8 aliases), subdirectories */
        s = read_file(path, part, nrec);
        files++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (s == SP_OK && files == 0)
        s = sp_fail(SP_EFORMAT, "%s: no corpus file in the directory (regular files other than "
                    "*.dat, *.u8)", dir);
    return s;
}

enum sp_status sp_corpus_load(const char *path, struct sp_corpus *train,
                              struct sp_corpus *heldout)
{
    memset(train, 0, sizeof *train);
    memset(heldout, 0, sizeof *heldout);
    struct buf tr = {0}, ho = {0};
    struct buf *part[2] = {&tr, &ho};
    size_t nrec[2] = {0, 0};
    struct stat st;
    enum sp_status s;
    if (stat(path, &st) != 0)
        s = sp_fail(SP_EIO, "%s: cannot open: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        s = read_dir(path, part, nrec);
    else
        s = read_file(path, part, nrec);
    if (s == SP_OK && (nrec[0] == 0 || nrec[1] == 0))
        s = sp_fail(SP_EFORMAT, "%s: %zu records for training and %zu held out; the corpus needs "
                    "records in both (lines of a single '%%' separate them)", path, nrec[0],
                    nrec[1]);
    if (s != SP_OK) {
        free(tr.p);
        free(ho.p);
        return s;
    }
    *train = (struct sp_corpus){tr.n, nrec[0], tr.p};
    *heldout = (struct sp_corpus){ho.n, nrec[1], ho.p};
    return SP_OK;
}

void sp_corpus_free(struct sp_corpus *c)
{
    if (!c)
        return;
    free(c->text);
    memset(c, 0, sizeof *c);
}
