/* sigprop/archspec.h: the architecture settings by name. One table of keys (the
 * CLI's flags without "--", Python's keywords with '_' for '-'): each key's value
 * syntax, help, range or choices and the model it applies to; a request holding
 * what a caller asked for, filled one key at a time by sp_archspec_set() (which
 * parses and validates the value), and sp_archspec_build(), which resolves it
 * into a struct sp_arch and theory options: the preset, then the config file,
 * then every key given, derived sigmas, and the refusals of keys that do not
 * apply. Also the one value syntax every setting uses (sp_parse_*). */
#ifndef SIGPROP_ARCHSPEC_H
#define SIGPROP_ARCHSPEC_H

#include <stddef.h>
#include <stdint.h>

#include "sigprop/config.h"
#include "sigprop/core.h"
#include "sigprop/keys.h"
#include "sigprop/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the value syntax: decimal only, an optional sign, digits, for reals an
 * optional fraction and exponent ("-1.5e3"). Hexadecimal, inf, nan, white space,
 * trailing characters and out-of-range values are refused with SP_EINVAL and a
 * reason that starts with name ("depth: '1.5' is not an integer"). ---- */
enum sp_status sp_parse_real(const char *name, const char *s, double lo, double hi, double *out);
enum sp_status sp_parse_int(const char *name, const char *s, long long lo, long long hi,
                            long long *out);
/* A non-negative integer in [0, hi]. */
enum sp_status sp_parse_u64(const char *name, const char *s, uint64_t hi, uint64_t *out);
/* A value, a comma list "a,b,c" or an inclusive range "start:stop:step" (stop
 * included within step/2), each element in [lo, hi]; with integral every element,
 * range bounds and step included, a decimal integer. *vals (malloc'ed, the
 * caller frees it) is NULL and *n 0 on failure; SP_ENOMEM when memory runs out. */
enum sp_status sp_parse_list(const char *name, const char *s, double lo, double hi, int integral,
                             double **vals, size_t *n);
#define SP_PARSE_MAX_LIST 10000000 /* the most values a list or range may have */
/* value as one of the NULL-terminated words: its index into *index, or SP_EINVAL
 * with "name: 'value' is not one of a, b, c". The choice keys of every key table
 * (architecture, measurement, training) and the CLI's word options parse
 * through it. */
enum sp_status sp_parse_choice(const char *name, const char *const *words, const char *value,
                               int *index);
/* A comma list "ln,dyt" of norms, every name sp_fn_parse takes but relu, as
 * enum sp_fn values (the sweeps' norm axes): SP_EINVAL with "name: 'x' is not
 * one of ln, dyt, derf, none" or "name: empty element in 's'", SP_ENOMEM. *vals
 * (malloc'ed, the caller frees it) is NULL and *n 0 on failure. What a caller
 * can use of them its own check decides (the trainer: ln, rms, dyt, derf). */
enum sp_status sp_parse_norm_list(const char *name, const char *s, double **vals, size_t *n);

/* ---- the key table ---- */
enum sp_archkey_kind {
    SP_ARCHKEY_INT,    /* a decimal integer in [lo, hi] */
    SP_ARCHKEY_REAL,   /* a decimal number in [lo, hi], or the word (if not NULL) */
    SP_ARCHKEY_LIST,   /* a value, a,b,c or start:stop:step, each in [lo, hi] (alpha) */
    SP_ARCHKEY_CHOICE, /* one of choices */
    SP_ARCHKEY_FLAG,   /* no value: on */
    SP_ARCHKEY_PRESET, /* a name of sp_preset_names */
    SP_ARCHKEY_FILE    /* a config.json path, read by sp_archspec_set */
};
enum sp_archkey_scope {
    SP_ARCHKEY_ANY,         /* the transformer and the toy */
    SP_ARCHKEY_TRANSFORMER, /* the transformer only */
    SP_ARCHKEY_TOY,         /* the toy residual network only (model toy) */
    SP_ARCHKEY_THEORY       /* the theory version (transformer only) */
};
/* The keys (struct sp_key, sigprop/keys.h) in help order: kind an enum
 * sp_archkey_kind, group an enum sp_archkey_scope, word a word a REAL key accepts
 * besides a number ("none"), alias_of set for another name of a key ("activation"
 * of "mlp"); FLAG keys have no syntax. The default as text comes from
 * sp_arch_default (none for a key whose help says it); set is sp_archspec_set. */
const struct sp_keyset *sp_archspec_keys(void);

/* How the reasons of set and build name keys: "mlp-ratio" and "model toy"
 * (PLAIN, the default), "--mlp-ratio" and "--model toy" (FLAG: the CLI), or
 * "mlp_ratio" and "model='toy'" (KEYWORD: Python). */
enum sp_archkey_style { SP_ARCHKEY_STYLE_PLAIN, SP_ARCHKEY_STYLE_FLAG, SP_ARCHKEY_STYLE_KEYWORD };

/* ---- the request: what the caller asked for, before presets and defaults are
 * resolved. Fill with sp_archspec_init, then sp_archspec_set per key; the fields
 * may be read (and, by a caller that knows what it does, written: a sweep's grid
 * axes). 0 / NAN / has_* 0 mean "not given". A copy shares alphas, config_path
 * and config_info with the original; only the original is passed to
 * sp_archspec_free. ---- */
struct sp_archspec {
    const char *preset; /* one of sp_preset_names, or NULL */
    int has_model;
    enum sp_model model;
    int has_norm;
    enum sp_fn norm;
    double *alphas;
    size_t nalpha; /* the alpha list (NULL: preset/default) */
    double alpha_attn, alpha_mlp;
    double shift;
    int depth, tokens, width, heads, mlp_ratio;
    int has_act;
    enum sp_mlp_act act;
    int final_norm;
    double init_std;
    double sigma[6]; /* q k v o 1 2 */
    double sigma_w, mu, sigma_b;
    int has_phi;
    enum sp_fn phi;
    double q0, p0;
    int has_attention;
    enum sp_attention attention;
    int has_apjn;
    enum sp_apjn apjn;
    int has_cn;
    int cn_exact;
    double sigma_3;
    int mlp_hidden, kv_heads;
    int has_mask;
    enum sp_mask mask;
    double rope_theta; /* 0: rope none */
    int has_rope_pairing;
    enum sp_rope rope_pairing;
    double norm_eps;
    double embed_scale;    /* -1: sqrt-d */
    double residual_scale; /* -1: gpt2, 1/sqrt(2L) */
    /* config FILE: the architecture it implies (sp_config_read onto the defaults),
     * the base that the keys then change, and the record of what it held; an owned
     * copy of the path; NULL: none */
    char *config_path;
    struct sp_arch config_arch;
    struct sp_config_info *config_info;
    int proxy_width;
    enum sp_archkey_style style; /* how reasons name keys (PLAIN after init) */
};
void sp_archspec_init(struct sp_archspec *s);
void sp_archspec_free(struct sp_archspec *s); /* the alpha list, the config; NULL: no-op */
/* A request on the heap whose reasons name keys in style (for bindings that do
 * not declare the struct): NULL when out of memory; sp_archspec_delete frees it
 * and what it holds. */
struct sp_archspec *sp_archspec_new(enum sp_archkey_style style);
void sp_archspec_delete(struct sp_archspec *s);

/* Sets one key (its name or an alias) from its text value (NULL for a flag):
 * parses and validates it; the last value of a key wins. SP_EINVAL with a reason
 * naming the key ("norm: 'foo' is not one of ln, rms, dyt, derf, none") for an
 * unknown key or a bad value; a config file that cannot be read gives
 * sp_config_read's status (SP_EIO, SP_EFORMAT, SP_EINVAL, SP_EUNSUPPORTED,
 * SP_ENOMEM) with "config PATH: reason". */
enum sp_status sp_archspec_set(struct sp_archspec *s, const char *key, const char *value);
/* Whether the key was given (aliases count as their key). */
int sp_archspec_given(const struct sp_archspec *s, const char *key);

/* What build found that a caller may want to tell its user. */
struct sp_archspec_notes {
    const char *version_source; /* sp_archspec_version_source */
    /* the width given differs from the preset's, the config's or the default width
     * and some sigma follows it (sigma = init_std sqrt(fan_in)) */
    int width_changed;
    int ref_width;          /* that width */
    const char *ref_source; /* "config", "preset" or "default" */
    double keep[6];         /* sigma_q .. sigma_2 that keep ref_width's sigmas;
                                 * NAN for a sigma that was stated */
    /* proxy-width: a narrower copy with the target's sigmas */
    int proxy;
    int target_width, target_heads, target_hidden;
};
/* Resolves the request for one alpha value into a validated architecture
 * (sp_arch_resolve) and theory options. The alpha list (alphas) is the caller's
 * to iterate, one build per value; alpha NAN keeps the preset's or default alpha
 * (build never reads the list). The preset or config
 * first, then every key given, then derived sigmas. SP_EINVAL with a reason
 * for a key that does not apply ("tokens applies to the transformer, not to model
 * toy ..."), an inconsistency or an invalid architecture. notes may be NULL. */
enum sp_status sp_archspec_build(const struct sp_archspec *s, double alpha, struct sp_arch *a,
                                 struct sp_theory_opts *o, struct sp_archspec_notes *notes);
/* The JSON meta of an architecture as one serialised object (malloc'ed, the
 * caller frees it; NULL with SP_ENOMEM): "arch" (the model's settings: depth, q0,
 * p0, then the toy's or the transformer's, its sigmas resolved), with config_path
 * and info non-NULL "config" {path, model_type, keys_used, defaults, not_modelled,
 * unknown}, with o non-NULL "theory" {version, attention, apjn, cn}. */
char *sp_arch_meta_json(const struct sp_arch *a, const struct sp_theory_opts *o,
                        const char *config_path, const struct sp_config_info *info);
/* The note of notes (from a build of s into a) as one line for the user, keys
 * named in s's style: with proxy "proxy: width D for the target width T, with the
 * target's sigmas (...)", else with width_changed "note: width D differs from
 * ... and the sigmas follow width (...); to keep the sigmas of width W give
 * sigma-q X ..."; "" and 0 when there is none. Into buf (len bytes); returns the
 * length (as snprintf). */
size_t sp_archspec_note(const struct sp_archspec *s, const struct sp_arch *a,
                        const struct sp_archspec_notes *notes, char *buf, size_t len);
/* Where the theory version comes from: "flags" (attention, apjn or cn given),
 * "preset" (a preset's published version: blog2 keeps version A) or "default". */
const char *sp_archspec_version_source(const struct sp_archspec *s);
/* The same as a phrase for the user, keys named in s's style: " (preset P's
 * published version; every other configuration defaults to C: docs/theory.md)",
 * " (set by attention/apjn/cn)" or " (the default)". Into buf (n bytes); returns
 * the length (as snprintf). */
size_t sp_archspec_version_note(const struct sp_archspec *s, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
