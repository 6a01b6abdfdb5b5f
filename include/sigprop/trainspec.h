/* sigprop/trainspec.h: the trainer's model and optimiser settings by name. One table
 * of keys (the CLI's flags without "--", Python's keywords with '_' for '-'): each
 * key's value syntax, help, range or choices and default; a request (struct
 * sp_trainspec) filled one key at a time by sp_trainspec_set() (which parses and
 * validates the value) and sp_trainspec_build(), which resolves it into the
 * trainer's struct sp_vit_config and struct sp_train_opts and checks them. `sigprop
 * train` and `sigprop sweep --mode train` both map their flags onto this table. */
#ifndef SIGPROP_TRAINSPEC_H
#define SIGPROP_TRAINSPEC_H

#include <stddef.h>

#include "sigprop/archspec.h"
#include "sigprop/core.h"
#include "sigprop/train.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sp_trainkey_kind {
    SP_TRAINKEY_INT,    /* a decimal integer in [lo, hi] */
    SP_TRAINKEY_LONG,   /* the same, a long */
    SP_TRAINKEY_U64,    /* a non-negative integer */
    SP_TRAINKEY_REAL,   /* a decimal number in [lo, hi] */
    SP_TRAINKEY_CHOICE, /* one of choices */
    SP_TRAINKEY_ROPE,   /* "none" or a base THETA in [lo, hi] */
    SP_TRAINKEY_NORM    /* one of choices (ln, rms, dyt, derf), stored as an enum sp_fn */
};
/* Which commands take a key: the model and optimiser settings every training
 * command has (train, sweep --mode train), or train's own (sweep has grid axes or
 * fixed values instead). */
enum sp_trainkey_group {
    SP_TRAINKEY_MODEL, /* the network: width, heads, kv-heads, ... */
    SP_TRAINKEY_OPTIM, /* the optimiser and the run: steps, batch, ... */
    SP_TRAINKEY_OWN_MODEL, /* train's own model keys: task, context, depth, norm-eps */
    SP_TRAINKEY_OWN_OPTIM, /* train's own optimiser keys: lr, warmup, the AdamW constants */
    SP_TRAINKEY_OWN_NORM,  /* train's own norms and alphas (sweep: grid axes) */
    SP_TRAINKEY_OWN_RUN    /* train's own run keys: eval-every, checkpoint-every, stop-at
                              (taken with --resume too: not counted in nset) */
};
/* The keys (struct sp_key, sigprop/keys.h): kind an enum sp_trainkey_kind, group
 * an enum sp_trainkey_group; the trainer's defaults as text ("64", "gelu",
 * "none"); set is sp_trainspec_set. */
const struct sp_keyset *sp_trainspec_keys(void);

/* ---- the request: fill with sp_trainspec_init, then sp_trainspec_set per key.
 * c and o hold the values set (the trainer's defaults elsewhere); a caller may
 * write fields that have no key (a sweep's grid). ---- */
struct sp_trainspec {
    struct sp_vit_config c;
    struct sp_train_opts o;
    int nset;          /* keys set but task and the run keys, counted per set (--resume
                          refuses them) */
    int image_set;     /* patch, pool set (the image task's own) */
    int task_set;      /* task set */
    int warmup_set;    /* warmup set (else the default, at most a tenth of the run) */
    int pairing_set;   /* rope-pairing set */
    int pairing_half;  /* rope-pairing half */
    int context;       /* context set (0: not given; the text task's default 64) */
    enum sp_archkey_style style; /* how reasons name keys (PLAIN after init) */
};
void sp_trainspec_init(struct sp_trainspec *s);
/* On the heap, for bindings that do not declare the struct: NULL when out of
 * memory; free it with sp_trainspec_delete. */
struct sp_trainspec *sp_trainspec_new(enum sp_archkey_style style);
void sp_trainspec_delete(struct sp_trainspec *s);
/* Sets one key from its text value; the last value wins. SP_EINVAL with a reason
 * naming the key for an unknown key or a bad value. */
enum sp_status sp_trainspec_set(struct sp_trainspec *s, const char *key, const char *value);
/* Resolves s into the trainer's settings: the task (text: 256 classes, context),
 * RoPE with its pairing, the default warmup (a tenth of a run shorter than it);
 * refuses what does not combine (rope-pairing without rope, patch or pool with the
 * text task, context with the image task) and, with check, what sp_vit_config_check
 * and sp_train_opts_check refuse. SP_EINVAL with the reason. */
enum sp_status sp_trainspec_build(const struct sp_trainspec *s, int check,
                                  struct sp_vit_config *c, struct sp_train_opts *o);

#ifdef __cplusplus
}
#endif

#endif
