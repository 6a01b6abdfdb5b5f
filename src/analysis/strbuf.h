/* The growable text buffer of the sweep's keys (sweep_keys.c) and rows
 * (sweep_rows.c): *s holds *len bytes and a NUL, in *cap bytes. cat appends
 * text without printf: vsnprintf's format parsing was most of the formatting
 * time of `sigprop sweep` over 10^4 alphas (docs/theory.md "Performance").
 * Both return 0, or -1 when out of memory. */
#ifndef SP_ANALYSIS_STRBUF_H
#define SP_ANALYSIS_STRBUF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int sp_strbuf_grow(char **s, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = 2 * *cap + need + 64;
    char *p = realloc(*s, c);
    if (!p)
        return -1;
    *s = p;
    *cap = c;
    return 0;
}

/* appends a then b (either may be "") */
static inline int sp_strbuf_cat(char **s, size_t *len, size_t *cap, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (sp_strbuf_grow(s, cap, *len + na + nb + 1) != 0)
        return -1;
    memcpy(*s + *len, a, na);
    memcpy(*s + *len + na, b, nb);
    *len += na + nb;
    (*s)[*len] = 0;
    return 0;
}

/* appends the decimal digits of u (as "%zu"), then b */
static inline int sp_strbuf_uint(char **s, size_t *len, size_t *cap, size_t u, const char *b)
{
    char d[24], *e = d + sizeof d - 1;
    *e = 0;
    do {
        *--e = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return sp_strbuf_cat(s, len, cap, e, b);
}

/* appends vprintf output (ap is not consumed: it is copied per attempt) */
static inline int sp_strbuf_vprintf(char **s, size_t *len, size_t *cap, const char *fmt,
                                    va_list ap)
{
    for (;;) {
        va_list aq;
        va_copy(aq, ap);
        size_t room = *cap - *len;
        int n = vsnprintf(*s ? *s + *len : NULL, room, fmt, aq);
        va_end(aq);
        if (n < 0)
            return -1;
        if ((size_t)n < room) {
            *len += (size_t)n;
            return 0;
        }
        if (sp_strbuf_grow(s, cap, *len + (size_t)n + 1) != 0)
            return -1;
    }
}

static inline int sp_strbuf_printf(char **s, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int sp_strbuf_printf(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sp_strbuf_vprintf(s, len, cap, fmt, ap);
    va_end(ap);
    return rc;
}

#endif
