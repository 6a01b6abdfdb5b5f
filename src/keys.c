/* Tables of settings by name (sigprop/keys.h): look-ups and the help entry, the
 * same for the architecture, measurement and training tables. */
#include <string.h>

#include "sigprop/keys.h"

const struct sp_key *sp_keyset_at(const struct sp_keyset *ks, size_t i)
{
    return ks && i < ks->count ? ks->at(i) : NULL;
}

const struct sp_key *sp_keyset_find(const struct sp_keyset *ks, const char *name)
{
    for (size_t i = 0; name && ks && i < ks->count; i++)
        if (!strcmp(ks->at(i)->name, name))
            return ks->at(i);
    return NULL;
}

size_t sp_keyset_index(const struct sp_keyset *ks, const struct sp_key *k)
{
    size_t i = 0;
    while (i < ks->count && ks->at(i) != k)
        i++;
    return i;
}

int sp_keyset_default(const struct sp_keyset *ks, const struct sp_key *k, char *buf, size_t n)
{
    if (n)
        buf[0] = 0;
    return k && n ? ks->default_text(k, buf, n) : 0;
}

/* Appends len bytes of s (w spaces with s NULL) to buf (n bytes) at *at, keeping
 * it NUL-terminated; *at counts what did not fit too (as snprintf). */
static void put(char *buf, size_t n, size_t *at, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++, ++*at)
        if (*at + 1 < n)
            buf[*at] = s ? s[i] : ' ';
    if (n)
        buf[*at < n ? *at : n - 1] = 0;
}
static void puts_(char *buf, size_t n, size_t *at, const char *s) { put(buf, n, at, s, strlen(s)); }

size_t sp_help_entry(const struct sp_help_layout *l, const char *left, const char *help,
                     const char *def, char *buf, size_t n)
{
    size_t at = 0, w = strlen(left), col = l->col > 0 ? (size_t)l->col : 0;
    if (n)
        buf[0] = 0;
    puts_(buf, n, &at, left);
    if (w + 1 >= col && l->wrap) {
        puts_(buf, n, &at, "\n");
        put(buf, n, &at, NULL, col);
    } else {
        put(buf, n, &at, NULL, w + 1 < col ? col - w : 1);
    }
    for (const char *p = help; *p;) {
        const char *nl = strchr(p, '\n');
        size_t line = nl ? (size_t)(nl - p) : strlen(p);
        for (size_t k = 0; k + 1 < line; k++)
            if (p[k] == '%' && p[k + 1] == 'v') { /* the default */
                put(buf, n, &at, p, k);
                puts_(buf, n, &at, def ? def : "");
                p += k + 2, line -= k + 2, k = (size_t)-1;
            }
        put(buf, n, &at, p, line);
        puts_(buf, n, &at, "\n");
        p += line + (nl != NULL);
        if (*p)
            put(buf, n, &at, NULL, col);
    }
    return at;
}

size_t sp_keyset_help(const struct sp_keyset *ks, const struct sp_key *k,
                      const struct sp_help_layout *l, char *buf, size_t n)
{
    char left[256], def[64];
    size_t at = 0;
    puts_(left, sizeof left, &at, l->lead);
    for (size_t i = 0; i <= ks->count; i++) {
        const struct sp_key *a = i ? ks->at(i - 1) : k; /* k, then its aliases */
        if (i && (!a->alias_of || strcmp(a->alias_of, k->name)))
            continue;
        if (i)
            puts_(left, sizeof left, &at, ", ");
        puts_(left, sizeof left, &at, l->prefix);
        puts_(left, sizeof left, &at, a->name);
        if (a->syntax) {
            puts_(left, sizeof left, &at, " ");
            puts_(left, sizeof left, &at, a->syntax);
        }
    }
    sp_keyset_default(ks, k, def, sizeof def);
    return sp_help_entry(l, left, k->help ? k->help : "", def, buf, n);
}
