/* sigprop/keys.h: a table of settings by name, as the architecture
 * (sp_archspec_keys), measurement (sp_measurespec_keys) and training
 * (sp_trainspec_keys) settings are described: each key's name (the CLI's flag
 * without "--", Python's keyword with '_' for '-'), value syntax, help, kind,
 * group, range or choices; the table's defaults as text; the function that sets a
 * key of the table's request from its text value; and the help entry of a key as
 * text (the library never prints: the caller writes it). */
#ifndef SIGPROP_KEYS_H
#define SIGPROP_KEYS_H

#include <stddef.h>

#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sp_key {
    const char *name;   /* "mlp-ratio": the CLI's flag without "--" */
    const char *syntax; /* the value's name in help ("R"); NULL: the key takes no value */
    const char *help;   /* one or more lines ('\n'); "%v" stands for the default */
    int kind;           /* the table's kind: enum sp_archkey_kind, sp_measurekey_kind, ... */
    int group;          /* the table's group: enum sp_archkey_scope, sp_measurekey_group, ... */
    double lo, hi;      /* numeric kinds: the range (a u64 kind: hi) */
    const char *const *choices; /* choice kinds: the accepted words, NULL-terminated */
    const char *word;           /* a word accepted besides a number ("none"); NULL */
    const char *alias_of;       /* another name of that key ("activation" of "mlp"); NULL */
};

struct sp_keyset {
    const char *name; /* "architecture", "measurement", "training" */
    size_t count;
    const struct sp_key *(*at)(size_t i); /* the keys in help order; NULL past the end */
    /* The default of k as text ("128", "gelu"); 0 (buf "") when it has none to show. */
    int (*default_text)(const struct sp_key *k, char *buf, size_t n);
    /* Sets key (its name or an alias) of spec, the table's request (struct
     * sp_archspec, ...), from its text value (NULL for a key without syntax):
     * sp_archspec_set, sp_measurespec_set, sp_trainspec_set. */
    enum sp_status (*set)(void *spec, const char *key, const char *value);
};

/* Key i of ks (NULL past the end); the key called name (an alias too) or NULL;
 * the index of k in ks (ks->count when it is not ks's). */
const struct sp_key *sp_keyset_at(const struct sp_keyset *ks, size_t i);
const struct sp_key *sp_keyset_find(const struct sp_keyset *ks, const char *name);
size_t sp_keyset_index(const struct sp_keyset *ks, const struct sp_key *k);
/* ks->default_text: 0 (buf "") for a NULL k or no default. */
int sp_keyset_default(const struct sp_keyset *ks, const struct sp_key *k, char *buf, size_t n);

/* How a help entry is laid out: lead, then each name with prefix and its syntax
 * ("  --mlp A, --activation A"), padded to column col; a name part that reaches
 * col - 1 puts the text on the next line (wrap) or after one space. */
struct sp_help_layout {
    const char *lead;   /* "  " */
    const char *prefix; /* "--" */
    int col;            /* 24 */
    int wrap;
};
/* The entry of one option whose name part (lead and names) is left: each line of
 * help indented to l->col, "%v" replaced by def, every line ending in '\n'. Into
 * buf (n bytes, NUL-terminated, cut short if it does not fit); returns the length
 * of the whole entry (as snprintf). */
size_t sp_help_entry(const struct sp_help_layout *l, const char *left, const char *help,
                     const char *def, char *buf, size_t n);
/* The entry of key k of ks: its name and the names of its aliases (in ks's order),
 * its help with its default (sp_keyset_default). As sp_help_entry. */
size_t sp_keyset_help(const struct sp_keyset *ks, const struct sp_key *k,
                      const struct sp_help_layout *l, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
