/* The trainer's settings by name (sigprop/trainspec.h): the key table, set() one key,
 * build() the trainer's config and options. The CLI's train and sweep --mode train
 * flags and Python's train_keys() read this one table. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../archkeys.h"
#include "sigprop/trainspec.h"

static const char *const act_names[] = {"relu", "gelu", "swiglu", NULL};   /* enum sp_mlp_act */
static const char *const pool_names[] = {"cls", "mean", NULL};             /* enum sp_pool */
static const char *const schedule_names[] = {"constant", "cosine", NULL};  /* sp_lr_schedule */
static const char *const task_names[] = {"fmnist", "fortunes", NULL};      /* sp_train_task */
static const char *const pairing_names[] = {"interleaved", "half", NULL};
static const char *const norm_names[] = {"ln", "rms", "dyt", "derf", NULL}; /* the trainer's */

/* A key and where its value lives in struct sp_trainspec; all: the field of every
 * norm (off within struct sp_fnspec: the norms' kind or alpha). */
struct entry {
    struct sp_key k;
    size_t off;
    int all;
};
#define C(f) offsetof(struct sp_trainspec, c.f)
#define O(f) offsetof(struct sp_trainspec, o.f)
#define S(f) offsetof(struct sp_trainspec, f)
#define K(NAME, SYN, KIND, GROUP, LO, HI, CHOICES, OFF, HELP)                              \
    {{NAME, SYN, HELP, SP_TRAINKEY_##KIND, SP_TRAINKEY_##GROUP, LO, HI, CHOICES, NULL, NULL}, OFF, 0}
#define ALL(NAME, SYN, KIND, LO, HI, CHOICES, OFF, HELP)                                   \
    {{NAME, SYN, HELP, SP_TRAINKEY_##KIND, SP_TRAINKEY_OWN_NORM, LO, HI, CHOICES, NULL, NULL}, \
     offsetof(struct sp_fnspec, OFF), 1}
static const struct entry keys[] = {
    K("width", "D", INT, MODEL, 1, 65536, NULL, C(width), "(default %v)"),
    K("heads", "H", INT, MODEL, 1, 65536, NULL, C(heads), "dividing D (default %v)"),
    K("kv-heads", "K", INT, MODEL, 1, 65536, NULL, C(kv_heads),
      "grouped-query attention: K/V heads dividing --heads\n"
      "(default --heads: multi-head attention)"),
    K("mlp-ratio", "R", INT, MODEL, 1, 64, NULL, C(mlp_ratio), "MLP hidden width / D (default %v)"),
    K("activation", "A", CHOICE, MODEL, 0, 0, act_names, C(act),
      "relu | gelu (erf form) | swiglu (W2 (silu(W1 x) * W3 x),\n"
      "W3 without bias; default %v)"),
    K("pool", "P", CHOICE, MODEL, 0, 0, pool_names, C(pool), "cls | mean (default %v; fmnist)"),
    K("patch", "P", INT, MODEL, 1, 28, NULL, C(patch),
      "patch side, dividing 28 (default %v; fmnist)"),
    K("init-std", "S", REAL, MODEL, 1e-9, 10, NULL, C(init_std),
      "std of every weight matrix, CLS and positions (default %v)"),
    K("rope", "THETA", ROPE, MODEL, 1.0 + 1e-9, 1e12, NULL, C(rope_theta),
      "rotary embeddings on Q and K with base THETA (none: off,\n"
      "the default); positions 0..context-1 (fmnist: the token\n"
      "index, CLS 0); needs an even head dim"),
    K("rope-pairing", "P", CHOICE, MODEL, 0, 0, pairing_names, S(pairing_half),
      "interleaved (Meta, llama2.c; default) | half (Hugging Face)"),
    K("steps", "N", LONG, OPTIM, 1, 100000000, NULL, O(steps), "optimiser steps (default %v)"),
    K("batch", "B", INT, OPTIM, 1, 65536, NULL, O(batch), "(default %v)"),
    K("schedule", "S", CHOICE, OPTIM, 0, 0, schedule_names, O(schedule),
      "constant | cosine after warmup (default %v)"),
    K("weight-decay", "X", REAL, OPTIM, 0, 9, NULL, O(weight_decay),
      "decoupled, on weight matrices only (default %v)"),
    K("clip", "X", REAL, OPTIM, 0, 1e30, NULL, O(clip),
      "clip the global gradient norm (default %v; 0 = off)"),
    K("diverge-factor", "F", REAL, OPTIM, 0, 1e30, NULL, O(diverge_factor),
      "stop when the loss exceeds F x the first step's loss or is\n"
      "not finite (default %v; 0 = non-finite only)"),
    K("seed", "N", U64, OPTIM, 0, 0, NULL, O(seed), "weights and batch order (default %v)"),
    K("task", "T", CHOICE, OWN_MODEL, 0, 0, task_names, C(task), "fmnist | fortunes (default %v)"),
    K("depth", "L", INT, OWN_MODEL, 1, 1024, NULL, C(depth), "blocks (default %v)"),
    K("context", "N", INT, OWN_MODEL, 1, 4096, NULL, S(context),
      "fortunes: bytes per window, the positions (default 64)"),
    K("norm-eps", "E", REAL, OWN_MODEL, 1e-12, 0.5, NULL, C(norm_eps),
      "LayerNorm epsilon (default %v)"),
    K("lr", "X", REAL, OWN_OPTIM, 1e-12, 10, NULL, O(lr), "peak learning rate (default %v)"),
    K("warmup", "N", LONG, OWN_OPTIM, 0, 100000000, NULL, O(warmup),
      "linear warmup steps (default %v, or a tenth of a shorter run)"),
    K("min-lr", "X", REAL, OWN_OPTIM, 0, 10, NULL, O(min_lr), "the end of the cosine (default %v)"),
    K("beta1", "X", REAL, OWN_OPTIM, 0, 0.999999, NULL, O(beta1), "AdamW (default %v)"),
    K("beta2", "X", REAL, OWN_OPTIM, 0, 0.999999, NULL, O(beta2), "AdamW (default %v)"),
    K("adam-eps", "X", REAL, OWN_OPTIM, 1e-30, 0.5, NULL, O(adam_eps), "AdamW (default %v)"),
    ALL("norm", "N", NORM, 0, 0, norm_names, kind, "ln | rms | dyt | derf for every norm (default %v)"),
    K("norm-attn", "N", NORM, OWN_NORM, 0, 0, norm_names, C(norm_attn.kind),
      "the attention sublayer's norm (default %v)"),
    K("norm-mlp", "N", NORM, OWN_NORM, 0, 0, norm_names, C(norm_mlp.kind),
      "the MLP sublayer's norm (default %v)"),
    K("norm-final", "N", NORM, OWN_NORM, 0, 0, norm_names, C(norm_final.kind),
      "the final norm (default %v)"),
    ALL("alpha", "A", REAL, 1e-6, 1e6, NULL, alpha,
        "initial alpha of every DyT/Derf norm (learnable; default %v)"),
    K("alpha-attn", "A", REAL, OWN_NORM, 1e-6, 1e6, NULL, C(norm_attn.alpha),
      "the attention sublayer's (default %v)"),
    K("alpha-mlp", "A", REAL, OWN_NORM, 1e-6, 1e6, NULL, C(norm_mlp.alpha),
      "the MLP sublayer's (default %v)"),
    K("alpha-final", "A", REAL, OWN_NORM, 1e-6, 1e6, NULL, C(norm_final.alpha),
      "the final norm's (default %v)"),
    K("eval-every", "K", LONG, OWN_RUN, 0, 100000000, NULL, O(eval_every),
      "evaluate on the test set every K steps (default %v: at the end)"),
    K("checkpoint-every", "K", LONG, OWN_RUN, 0, 100000000, NULL, O(checkpoint_every),
      "see --checkpoint (default %v)"),
    K("stop-at", "N", LONG, OWN_RUN, 1, 100000000, NULL, O(stop_at),
      "stop after step N (checkpoint written; the schedule still\n"
      "spans --steps): the first part of a run to --resume"),
};
#undef ALL
#undef K
enum { NKEYS = sizeof keys / sizeof keys[0] };
_Static_assert(sizeof(enum sp_mlp_act) == sizeof(int) && sizeof(enum sp_pool) == sizeof(int) &&
                   sizeof(enum sp_lr_schedule) == sizeof(int) &&
                   sizeof(enum sp_train_task) == sizeof(int),
               "CHOICE keys store an int");

static const struct sp_key *key_at(size_t i) { return i < NKEYS ? &keys[i].k : NULL; }

static const struct entry *entry_of(const char *name)
{
    for (size_t i = 0; name && i < NKEYS; i++)
        if (!strcmp(keys[i].k.name, name))
            return &keys[i];
    return NULL;
}

/* The norms, for the keys of every norm (entry.all). */
static const size_t norm_off[] = {C(norm_attn), C(norm_mlp), C(norm_final)};

#undef C
#undef O
#undef S

/* Where e's value lives (of every norm: the first's). */
static void *field(struct sp_trainspec *s, const struct entry *e)
{
    return (char *)s + e->off + (e->all ? norm_off[0] : 0);
}

static int default_text(const struct sp_key *k, char *buf, size_t n)
{
    struct sp_trainspec d;
    sp_trainspec_init(&d);
    const struct entry *e = (const struct entry *)(const void *)k; /* k is an entry's first member */
    const void *p = field(&d, e);
    switch (k->kind) {
    case SP_TRAINKEY_INT: snprintf(buf, n, "%d", *(const int *)p); break;
    case SP_TRAINKEY_LONG: snprintf(buf, n, "%ld", *(const long *)p); break;
    case SP_TRAINKEY_U64: snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)p); break;
    case SP_TRAINKEY_REAL: snprintf(buf, n, "%g", *(const double *)p); break;
    case SP_TRAINKEY_CHOICE: snprintf(buf, n, "%s", k->choices[*(const int *)p]); break;
    case SP_TRAINKEY_ROPE: snprintf(buf, n, "%s", "none"); break;
    case SP_TRAINKEY_NORM: snprintf(buf, n, "%s", sp_fn_name(*(const enum sp_fn *)p)); break;
    }
    return buf[0] != 0;
}

void sp_trainspec_init(struct sp_trainspec *s)
{
    memset(s, 0, sizeof *s);
    sp_vit_config_default(&s->c);
    sp_train_opts_default(&s->o);
}

struct sp_trainspec *sp_trainspec_new(enum sp_archkey_style style)
{
    struct sp_trainspec *s = malloc(sizeof *s);
    if (s) {
        sp_trainspec_init(s);
        s->style = style;
    }
    return s;
}

void sp_trainspec_delete(struct sp_trainspec *s) { free(s); }

static const char *kname(const struct sp_trainspec *s, const char *key, const char *value,
                         char *b, size_t n)
{
    return archkey_style_name(s->style, key, value, b, n);
}

enum sp_status sp_trainspec_set(struct sp_trainspec *s, const char *key, const char *value)
{
    char b[96];
    const struct entry *e = entry_of(key);
    if (!e)
        return sp_fail(SP_EINVAL, "'%s' is not a training setting", key ? key : "(null)");
    const struct sp_key *k = &e->k;
    const char *nm = kname(s, k->name, NULL, b, sizeof b);
    if (!value)
        return sp_fail(SP_EINVAL, "%s: a value is needed", nm);
    void *p = field(s, e);
    enum sp_status st = SP_OK;
    long long ll = 0;
    double x = 0;
    switch (k->kind) {
    case SP_TRAINKEY_INT:
        if ((st = sp_parse_int(nm, value, (long long)k->lo, (long long)k->hi, &ll)) == SP_OK)
            *(int *)p = (int)ll;
        break;
    case SP_TRAINKEY_LONG:
        if ((st = sp_parse_int(nm, value, (long long)k->lo, (long long)k->hi, &ll)) == SP_OK)
            *(long *)p = (long)ll;
        break;
    case SP_TRAINKEY_U64: st = sp_parse_u64(nm, value, UINT64_MAX, (uint64_t *)p); break;
    case SP_TRAINKEY_REAL:
        if ((st = sp_parse_real(nm, value, k->lo, k->hi, &x)) == SP_OK)
            *(double *)p = x;
        break;
    case SP_TRAINKEY_CHOICE: {
        int i = 0;
        if ((st = sp_parse_choice(nm, k->choices, value, &i)) == SP_OK)
            *(int *)p = i; /* the enums are int-sized, their values the choices' indices */
        break;
    }
    case SP_TRAINKEY_ROPE:
        if (!strcmp(value, "none")) {
            s->c.rope = SP_ROPE_NONE;
        } else if ((st = sp_parse_real(nm, value, k->lo, k->hi, &x)) == SP_OK) {
            s->c.rope = SP_ROPE_INTERLEAVED;
            s->c.rope_theta = x;
        }
        break;
    case SP_TRAINKEY_NORM: {
        int i = 0;
        enum sp_fn f = SP_FN_LN;
        if ((st = sp_parse_choice(nm, k->choices, value, &i)) == SP_OK && sp_fn_parse(value, &f))
            st = sp_fail(SP_EINVAL, "%s: '%s' is not a norm", nm, value); /* not reached */
        if (st == SP_OK)
            *(enum sp_fn *)p = f;
        break;
    }
    }
    if (st != SP_OK)
        return st;
    /* a key of every norm: the others get the first's value */
    for (size_t i = 1; e->all && i < sizeof norm_off / sizeof norm_off[0]; i++)
        memcpy((char *)s + norm_off[i] + e->off, p,
               k->kind == SP_TRAINKEY_NORM ? sizeof(enum sp_fn) : sizeof(double));
    int task = !strcmp(k->name, "task");
    s->nset += !task && k->group != SP_TRAINKEY_OWN_RUN;
    s->task_set += task;
    s->image_set += !strcmp(k->name, "patch") || !strcmp(k->name, "pool");
    s->warmup_set += !strcmp(k->name, "warmup");
    s->pairing_set += !strcmp(k->name, "rope-pairing");
    return SP_OK;
}

static enum sp_status set(void *spec, const char *key, const char *value)
{
    return sp_trainspec_set(spec, key, value);
}

const struct sp_keyset *sp_trainspec_keys(void)
{
    static const struct sp_keyset ks = {"training", NKEYS, key_at, default_text, set};
    return &ks;
}

enum sp_status sp_trainspec_build(const struct sp_trainspec *s, int check,
                                  struct sp_vit_config *c, struct sp_train_opts *o)
{
    char b1[96], b2[96], b3[96];
    *c = s->c;
    *o = s->o;
    int text = c->task == SP_TASK_TEXT;
    if (s->pairing_set && c->rope == SP_ROPE_NONE)
        return sp_fail(SP_EINVAL, "%s needs %s THETA", kname(s, "rope-pairing", NULL, b1, sizeof b1),
                       kname(s, "rope", NULL, b2, sizeof b2));
    if (s->pairing_set)
        c->rope = s->pairing_half ? SP_ROPE_HALF : SP_ROPE_INTERLEAVED;
    if (text && s->image_set)
        return sp_fail(SP_EINVAL, "%s and %s are for %s, not fortunes",
                       kname(s, "patch", NULL, b1, sizeof b1), kname(s, "pool", NULL, b2, sizeof b2),
                       kname(s, "task", "fmnist", b3, sizeof b3));
    if (!text && s->context > 0)
        return sp_fail(SP_EINVAL, "%s is for %s", kname(s, "context", NULL, b1, sizeof b1),
                       kname(s, "task", "fortunes", b2, sizeof b2));
    if (text) {
        c->classes = 256; /* bytes */
        c->context = s->context > 0 ? s->context : 64;
    }
    /* the default warmup never exceeds a short run: a tenth of it then */
    if (!s->warmup_set && o->warmup > o->steps)
        o->warmup = o->steps / 10;
    if (!check)
        return SP_OK;
    enum sp_status st = sp_vit_config_check(c);
    return st == SP_OK ? sp_train_opts_check(o) : st;
}
