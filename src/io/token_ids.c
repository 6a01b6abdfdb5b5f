/* Token ids (sigprop/measurespec.h): a list in the one list syntax, or a file of
 * decimal ids separated by white space or commas; a refusal names the entry and
 * its position. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/archspec.h"
#include "sigprop/measurespec.h"

enum { ID_MAX = 1 << 30 };

static enum sp_status from_list(const char *name, const char *s, int **ids, size_t *n)
{
    double *v = NULL;
    size_t m = 0;
    enum sp_status st = sp_parse_list(name, s, 0, ID_MAX, 1, &v, &m);
    if (st != SP_OK)
        return st;
    *ids = malloc((m ? m : 1) * sizeof **ids);
    if (!*ids) {
        free(v);
        return sp_fail(SP_ENOMEM, "%s: out of memory for %zu ids", name, m);
    }
    for (size_t k = 0; k < m; k++)
        (*ids)[k] = (int)v[k];
    *n = m;
    free(v);
    return SP_OK;
}

/* The next word of f (up to a separator) into word; its length (0 at the end). */
static size_t next_word(FILE *f, char *word, size_t cap)
{
    int c;
    size_t len = 0;
    while ((c = fgetc(f)) != EOF && (isspace(c) || c == ','))
        ;
    while (c != EOF && !isspace(c) && c != ',') {
        if (len + 1 < cap)
            word[len] = (char)c;
        len++;
        c = fgetc(f);
    }
    word[len < cap ? len : cap - 1] = 0;
    return len;
}

static enum sp_status from_file(const char *name, const char *path, FILE *f, int **ids,
                                size_t *n)
{
    size_t cap = 0;
    char word[32];
    enum sp_status st = SP_OK;
    for (size_t len; st == SP_OK && (len = next_word(f, word, sizeof word)) > 0;) {
        long long v = 0;
        char what[64 + 4096];
        snprintf(what, sizeof what, "%s: id %zu of %s", name, *n + 1, path);
        if (len >= sizeof word)
            st = sp_fail(SP_EINVAL, "%s: '%.20s...' is not an id", what, word);
        else
            st = sp_parse_int(what, word, 0, ID_MAX, &v);
        if (st == SP_OK && *n == cap) {
            int *nv = realloc(*ids, (cap = cap ? 2 * cap : 256) * sizeof *nv);
            if (!nv)
                st = sp_fail(SP_ENOMEM, "%s: out of memory reading %s", name, path);
            else
                *ids = nv;
        }
        if (st == SP_OK)
            (*ids)[(*n)++] = (int)v;
    }
    if (st == SP_OK && ferror(f))
        st = sp_fail(SP_EIO, "%s: reading '%s' failed", name, path);
    if (st == SP_OK && !*n)
        st = sp_fail(SP_EINVAL, "%s: '%s' holds no ids", name, path);
    return st;
}

enum sp_status sp_token_ids_parse(const char *name, const char *s, int **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    enum sp_status st;
    if (strspn(s, "0123456789,:") == strlen(s)) {
        st = from_list(name, s, ids, n);
    } else {
        FILE *f = fopen(s, "r");
        if (!f)
            return sp_fail(SP_EINVAL, "%s: '%s' is neither a list of ids nor a readable file (%s)",
                           name, s, strerror(errno));
        st = from_file(name, s, f, ids, n);
        fclose(f);
    }
    if (st == SP_OK && *n > SP_TOKEN_IDS_MAX)
        st = sp_fail(SP_EINVAL, "%s: %zu ids, more than %d", name, *n, SP_TOKEN_IDS_MAX);
    if (st != SP_OK) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return st;
}
