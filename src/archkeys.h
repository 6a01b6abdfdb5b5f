/* The architecture key table's entries (src/archkeys.c), shared with the code
 * that stores values by them (src/archspec.c); library-internal. */
#ifndef SP_ARCHKEYS_H
#define SP_ARCHKEYS_H

#include <stddef.h>

#include "sigprop/archspec.h"

/* One key: what the header shows, and where set() stores the value. */
struct key {
    struct sp_key k; /* first: a pointer to k is a pointer to the entry */
    size_t off;          /* the value in struct sp_archspec (INT, REAL, CHOICE, FLAG) */
    size_t has_off;      /* CHOICE: its has_* flag */
    const int *values;   /* CHOICE: the value stored per word */
    double word_value;   /* REAL: what the word stores */
    size_t def_off;      /* the default shown in help: a field of struct sp_arch */
    char def_type;       /* 'i' (int), 'd' (double), 0: none */
};

/* The entry called name (an alias too), or NULL; the i-th entry (NULL past the
 * end); how many. */
const struct key *archkey_entry(const char *name);
const struct key *archkey_entry_at(size_t i);
size_t archkey_count(void);

/* A key as a reason names it in style: "--name value" (FLAG), "name='value'"
 * (KEYWORD, '_' for '-'), "name value" (PLAIN); value NULL: the name alone. Into
 * b (n bytes); returns b. Also the measurement keys' (src/measurespec.c). */
const char *archkey_style_name(enum sp_archkey_style style, const char *name, const char *value,
                               char *b, size_t n);

#endif
