/* sigprop/measurespec.h: the measurement settings by name, the run plan and the
 * run. One table of keys (the CLI's flags without "--", Python's keywords with '_'
 * for '-'): each key's value syntax, help, range or choices and default; a
 * request (struct sp_measurespec) filled one key at a time by sp_measurespec_set()
 * (which parses and validates the value); sp_measure_plan(), which validates one
 * architecture against the request once (what the finite network implements, the
 * memory the run needs against what is available or allowed, with max-time the
 * estimated time) and adds its sizes and FLOPs to a plan; and sp_measure_table(),
 * which runs the planned networks and fills the table `sigprop measure` writes.
 * Also the size syntax ("800M"), the available memory and the token-id lists
 * (sp_token_ids_parse) every measuring caller shares. */
#ifndef SIGPROP_MEASURESPEC_H
#define SIGPROP_MEASURESPEC_H

#include <stddef.h>
#include <stdint.h>

#include "sigprop/archspec.h"
#include "sigprop/core.h"
#include "sigprop/io.h"
#include "sigprop/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- values ---- */
/* A positive size in bytes: "123", "4.5G", "800M", "64k" (K, M, G, T: powers of
 * 1024). SP_EINVAL with "name: 'S' is not a positive size (bytes, or with K, M, G, T)". */
enum sp_status sp_parse_size(const char *name, const char *s, double *out);
/* Available memory in bytes: MemAvailable of /proc/meminfo, else free pages,
 * else INFINITY. */
double sp_available_bytes(void);
/* Token ids: a list as every integer list ("1,5,7", "0:9:1") when s holds only
 * digits, ',' and ':', else the path of a file whose ids are decimal integers
 * separated by white space or commas. Each id in [0, 2^30]. *ids (malloc'ed, the
 * caller frees it) is NULL and *n 0 on failure: SP_EINVAL with a reason naming the
 * entry and its position ("token-ids: id 3 of ids.txt: 'x' is not an integer"),
 * an empty file or an unreadable path; SP_EIO when reading fails; SP_ENOMEM. */
enum sp_status sp_token_ids_parse(const char *name, const char *s, int **ids, size_t *n);
#define SP_TOKEN_IDS_MAX 1000000 /* the most ids a measurement takes */

/* ---- the key table ---- */
enum sp_measurekey_kind {
    SP_MEASUREKEY_INT,    /* a decimal integer in [lo, hi] */
    SP_MEASUREKEY_U64,    /* a non-negative integer */
    SP_MEASUREKEY_REAL,   /* a decimal number in [lo, hi] */
    SP_MEASUREKEY_SIZE,   /* a positive size (sp_parse_size) */
    SP_MEASUREKEY_CHOICE, /* one of choices */
    SP_MEASUREKEY_FLAG,   /* no value: on */
    SP_MEASUREKEY_PASSES, /* a comma list of fwd, bwd, grad, all */
    SP_MEASUREKEY_INPUTS, /* fashion-mnist or fashion-mnist:N */
    SP_MEASUREKEY_IDS,    /* token ids (sp_token_ids_parse) */
    SP_MEASUREKEY_STRING  /* any text (a directory) */
};
/* Which commands take a key: every measuring one (measure, compare) or measure's
 * own (its output and token inputs). */
enum sp_measurekey_group { SP_MEASUREKEY_RUN, SP_MEASUREKEY_OUTPUT };
/* The keys (struct sp_key, sigprop/keys.h): kind an enum sp_measurekey_kind,
 * group an enum sp_measurekey_group, FLAG keys without syntax; the defaults as
 * text ("4", "equiangular"; none to show for some); set is sp_measurespec_set. */
const struct sp_keyset *sp_measurespec_keys(void);

/* ---- the request. Fill with sp_measurespec_init, then sp_measurespec_set per
 * key; the fields may be read, and written by a caller that knows what it does
 * (the CLI's --weights sets o.input). Free with sp_measurespec_free. ---- */
struct sp_measurespec {
    struct sp_net_opts o; /* seeds, probes, seed, threads, input, measure, sublayers,
                             exclude_cls, checkpoint; progress as the caller sets it */
    double max_memory;    /* bytes; 0: available memory (sp_available_bytes) */
    double max_time;      /* seconds; 0: no limit */
    int seeds_given;      /* seeds was set */
    int input_given;      /* input was set */
    int inputs;           /* inputs fashion-mnist: 1; 0: the configured input */
    int inputs_n;         /* fashion-mnist:N: N images (one per draw), 0: seeds of them */
    int cls;              /* cls on (1) / off (0); -1: not given */
    const char *data;     /* the Fashion-MNIST directory (SP_FASHION_MNIST_DIR, or an
                             owned copy of the value set) */
    int per_seed;         /* one curve per draw: draw k as a run with seed S + k */
    int *ids;             /* token ids (owned), NULL: none */
    size_t nids;
    double position_std;  /* with ids: learned absolute positions N(0, S^2); 0: none */
    enum sp_archkey_style style; /* how reasons name keys (PLAIN after init) */
};
void sp_measurespec_init(struct sp_measurespec *s);
void sp_measurespec_free(struct sp_measurespec *s); /* ids, data; NULL: no-op */
/* On the heap, for bindings that do not declare the struct: NULL when out of
 * memory; sp_measurespec_delete frees it and what it holds. */
struct sp_measurespec *sp_measurespec_new(enum sp_archkey_style style);
void sp_measurespec_delete(struct sp_measurespec *s);
/* Sets one key from its text value (NULL for a flag); the last value wins.
 * SP_EINVAL with a reason naming the key for an unknown key or a bad value;
 * token-ids: sp_token_ids_parse's status; SP_ENOMEM. */
enum sp_status sp_measurespec_set(struct sp_measurespec *s, const char *key, const char *value);

/* ---- the plan ---- */
struct sp_measure_plan {
    size_t nets;           /* architectures planned */
    size_t rows;           /* table rows of one pass over them (per_seed: x seeds) */
    size_t work;           /* progress units of that pass */
    double workspace_bytes; /* the largest sp_net_workspace_bytes */
    double need_bytes;     /* the largest workspace + records + overhead (OpenBLAS's
                              per-thread buffers, 32 MiB each, and 64 MiB) */
    double have_bytes;     /* max_memory, else the available memory */
    double flops;          /* matrix-product FLOPs, summed (sp_net_flops) */
    double est_s;          /* with max_time: the estimates, summed; else 0 */
    double probe_s;        /* the last estimate's short run (s) */
};
void sp_measure_plan_init(struct sp_measure_plan *p);
/* A plan of the networks like a (the first) in one line for the user: "transformer,
 * L = .., n = .., d = .., H heads, K seed(s) x P probe(s), F GFLOP of matrix
 * products, workspace W MB" (the toy: "toy network, d = .., L = .., pre-LN | no
 * norm, ..."). Into buf (n bytes); returns the length (as snprintf). */
size_t sp_measure_plan_describe(const struct sp_arch *a, const struct sp_measurespec *s,
                                const struct sp_measure_plan *p, char *buf, size_t n);
/* Validates the measurement of a (resolved) under s and adds it to p: SP_EINVAL
 * with a reason for an option the network does not implement (sp_net_check), for
 * token ids that disagree with a (tokens, model toy), or when the run needs more
 * memory than have_bytes ("this configuration needs about 5.2e+03 MB of memory,
 * more than the 1.05 MB allowed by --max-memory; reduce ...") or, with max_time,
 * the summed estimate exceeds it. On failure p is unchanged. */
enum sp_status sp_measure_plan(const struct sp_arch *a, const struct sp_measurespec *s,
                               struct sp_measure_plan *p);

/* ---- real inputs (inputs fashion-mnist[:N], cls, data) ---- */
/* Before the architecture is built: with inputs, one image per draw (inputs_n
 * sets seeds), cls defaulted (on, unless weights_cls is 0: a checkpoint without a
 * CLS token), o.input Gaussian (the rows are given) and, without a checkpoint
 * (weights_cls -1), *tokens (the request's, 0: not given) set to the trainer's 16
 * patches + CLS; without inputs, cls and data are refused. SP_EINVAL with a reason
 * naming the keys for what contradicts them (seeds, input, tokens, cls on). */
enum sp_status sp_measure_inputs_prepare(struct sp_measurespec *m, int *tokens, int weights_cls);
/* Token ids on a fresh network (no checkpoint): what contradicts them (inputs,
 * tokens other than their count, an input other than equiangular given), then
 * *tokens (the request's, 0: not given) their count and o.input Gaussian (the rows
 * are given). Without ids, position-std is refused (it goes with them). SP_EINVAL
 * with a reason naming the keys. */
enum sp_status sp_measure_ids_prepare(struct sp_measurespec *m, int *tokens);
/* The draws' token rows: o.seeds images of data's t10k split (sp_vit_pick_images
 * at o.seed), each through v's patch embedding, or (v NULL) through the trainer's
 * initialisation at o.seed at a's width and init std. *tok (malloc'ed, the
 * caller's) holds seeds sets of (tokens, width) floats. SP_EIO (files missing),
 * SP_EFORMAT (not IDX, or another image size), SP_EINVAL (more draws than
 * images), SP_ENOMEM. */
struct sp_vit_net;
enum sp_status sp_measure_image_tokens(const struct sp_measurespec *m, const struct sp_arch *a,
                                       const struct sp_vit_net *v, float **tok);

/* ---- the run ---- */
/* One network of a run: its architecture (planned), the alpha of its identifying
 * columns (NAN: none), stored weights (NULL: Philox draws) and, when the table
 * has a `label` column, what goes in it ("trained", "init"). */
struct sp_measure_net {
    const struct sp_arch *a;
    double alpha;
    const struct sp_net_weights *w;
    const char *label;
};
/* The token rows of s's ids for a: row k is id k's row of a random embedding
 * table (entries N(0, q0), from o.seed) plus, with position_std, a learned
 * position row. *tok (malloc'ed, ids x width floats) is the caller's. */
enum sp_status sp_measure_token_rows(const struct sp_arch *a, const struct sp_measurespec *s,
                                     float **tok);
/* Measures each network (per_seed: each draw alone, as a run with seed S + k,
 * with its own token set when w has token_sets) and returns the table `sigprop
 * measure` writes: model, norm, alpha, alpha_attn, alpha_mlp, l, q, q_se, p, p_se,
 * rho, J_fwd, J_fwd_se, J_bwd, J_bwd_se, grad_amp, grad_amp_se, logJ_fwd, logJ_bwd,
 * the identifying columns of SP_REC_MEASURE (sigprop/records.h) and, with label
 * non-NULL, a last column of that name. s->o.progress (if set) sees the work of
 * every network in one count. *out (sp_table_free) is NULL on failure: the
 * measurement's status with "measurement failed at this alpha: reason". */
enum sp_status sp_measure_table(const struct sp_measure_net *nets, size_t n,
                                const struct sp_measurespec *s, const char *label,
                                struct sp_table **out);


/* ---- trained checkpoints (the weights of measure, inspect; src/measure_weights.c) ---- */
/* A llama2.c model measured at n tokens: the architecture it implies (final norm on;
 * q0 = 0.02^2, p0 = 0 for the re-initialised network, resolved) and its stored
 * weights with the embedding rows of ids (owned). */
struct sp_llama2c;
struct sp_llama2c_run {
    struct sp_arch arch;
    int n, *ids;
    float *tok;
    struct sp_net_block_weights *bw;
    struct sp_net_weights w;
};
/* ids_in NULL: BOS then random ids from seed (sp_llama2c_sample_ids). SP_EINVAL
 * "tokens N exceeds the model's seq_len S" (the key named in style) or a bad id;
 * SP_EFORMAT "path: the implied architecture is invalid: reason"; SP_ENOMEM. *out
 * is zeroed on failure. */
enum sp_status sp_llama2c_run_setup(const struct sp_llama2c *m, const char *path, int n,
                                    const int *ids_in, uint64_t seed,
                                    enum sp_archkey_style style, struct sp_llama2c_run *out);
void sp_llama2c_run_free(struct sp_llama2c_run *r); /* zeroed after */

/* A checkpoint to measure: a sigprop train checkpoint (told by its magic) or a
 * llama2.c one, and with against_init the same architecture at initialisation. */
struct sp_measure_weights {
    const char *path;          /* as given (not owned) */
    const char *format;        /* "sigprop-train" | "llama2.c" */
    struct sp_vit_net *vn;     /* the train checkpoint, or NULL */
    struct sp_vit_net *vinit;  /* against_init with vn: the trainer's init at its seed */
    struct sp_llama2c *lm;     /* the llama2.c model, or NULL */
    struct sp_llama2c_run run; /* lm at the ids' count of tokens (64 without ids) */
    int cls;                   /* vn has a CLS token (1, 0); -1 for llama2.c */
    int against_init;
    float *tok, *tok_init;     /* the token rows of inputs (owned) */
    struct sp_net_weights w;   /* the trained network */
    struct sp_net_weights w_init; /* vinit's (its tokens: tok_init) */
};
/* 1 when the file at path starts with a sigprop train checkpoint's magic. */
int sp_measure_weights_is_train(const char *path);
/* Reads the checkpoint at path for a measurement under s and refuses what does
 * not go with it (token-ids with a train checkpoint, inputs with llama2.c,
 * position-std at all: SP_EINVAL naming the keys in s->style). For llama2.c sets
 * s->o.input Gaussian (the init's rows are N(0, 0.02^2)). Call
 * sp_measure_inputs_prepare(s, &tokens, out->cls) after it. SP_EIO, SP_EFORMAT
 * ("path: reason"), SP_ENOMEM; *out is freed and zeroed on failure. */
enum sp_status sp_measure_weights_load(const char *path, int against_init,
                                       struct sp_measurespec *s, struct sp_measure_weights *out);
/* The architecture to measure w with (resolved): a train checkpoint's with the CLS
 * row as s says (s->cls with inputs, else the checkpoint's) and q0, p0 of spec when
 * given (the configured input on its tokens; spec may be NULL); llama2.c: run.arch.
 * SP_EINVAL / SP_EUNSUPPORTED "path: reason" (sp_vit_net_arch). */
enum sp_status sp_measure_weights_arch(const struct sp_measure_weights *w,
                                       const struct sp_measurespec *s,
                                       const struct sp_archspec *spec, struct sp_arch *a);
/* With s->inputs, the draws' token rows through the checkpoint's (and the init's)
 * patch embedding into w.tokens (w_init.tokens), token_sets = seeds; a: the
 * planned architecture. sp_measure_image_tokens' statuses. */
enum sp_status sp_measure_weights_inputs(struct sp_measure_weights *w,
                                         const struct sp_measurespec *s, const struct sp_arch *a);
/* The stored weights of network `init` (0: trained, 1: the init; NULL for llama2.c's
 * init, which is Philox draws). */
const struct sp_net_weights *sp_measure_weights_of(const struct sp_measure_weights *w, int init);
void sp_measure_weights_free(struct sp_measure_weights *w); /* zeroed after; NULL: no-op */
/* On the heap, for bindings that do not declare the struct: sp_measure_weights_load
 * into a new one (it keeps a copy of path); NULL on failure, *status (non-NULL)
 * saying why. sp_measure_weights_delete frees it and what it holds. */
struct sp_measure_weights *sp_measure_weights_new(const char *path, int against_init,
                                                  struct sp_measurespec *s,
                                                  enum sp_status *status);
void sp_measure_weights_delete(struct sp_measure_weights *w);
int sp_measure_weights_cls(const struct sp_measure_weights *w); /* w->cls */

/* ---- the JSON meta (src/measure_meta.c) ---- */
/* The "measure" object measure and compare write for a run of a under m: seeds,
 * probes, seed, input, passes, sublayers, exclude_cls, checkpoint, inputs (with
 * inputs), ln_eps, rng, grad_loss, workspace_bytes, gemm_flops. Serialised
 * (malloc'ed, the caller frees it); NULL with SP_ENOMEM. */
char *sp_measure_meta_json(const struct sp_arch *a, const struct sp_measurespec *m);
/* What measure's own meta adds at its top level, as one object: per_seed; with
 * ids and no checkpoint token_ids and position_std; with w (NULL: none) weights
 * {path, format, step and train_seed or token_ids, against_init}. As above. */
char *sp_measure_run_meta_json(const struct sp_measurespec *m, const struct sp_measure_weights *w);

#ifdef __cplusplus
}
#endif
#endif
