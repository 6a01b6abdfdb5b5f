/* One record schema: the identifying columns of every sigprop table row (what
 * configuration a row is of), named and written in one place
 * (src/io/records.c). Writers append the ones they lack at the end of their
 * table (existing column orders stay) and fill them per row; `sigprop fit`
 * groups by them, so curves of two widths concatenated stay two curves. */
#ifndef SIGPROP_RECORDS_H
#define SIGPROP_RECORDS_H

#include "sigprop/core.h"
#include "sigprop/io.h"
#include "sigprop/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sp_rec_col {
    SP_REC_MODEL,      /* "transformer" | "toy" */
    SP_REC_NORM,       /* ln, derf, dyt, none, rms, "attn/mlp" when they differ; toy: phi */
    SP_REC_ALPHA,      /* the alpha asked for, else the MLP norm's (toy: phi's); nan: none */
    SP_REC_ALPHA_ATTN, /* nan for norms without alpha and the toy */
    SP_REC_ALPHA_MLP,
    SP_REC_DEPTH,      /* L */
    SP_REC_WIDTH,      /* d */
    SP_REC_TOKENS,     /* n (nan: toy) */
    SP_REC_HEADS,      /* H as resolved (nan: toy) */
    SP_REC_KV_HEADS,   /* key/value heads as resolved (= heads without GQA; nan: toy) */
    SP_REC_MLP,        /* the MLP activation: relu, gelu, swiglu ("" for the toy) */
    SP_REC_MASK,       /* attention mask: none, causal ("" for the toy) */
    SP_REC_SEED,       /* master seed of a measurement (nan: theory) */
    SP_REC_VERSION,    /* theory version A, C, ... ("toy" for the toy's theory) */
    SP_REC_NCOLS
};
/* Which columns a writer has: bit 1 << SP_REC_* */
#define SP_REC_ALL ((1u << SP_REC_NCOLS) - 1u)
#define SP_REC_THEORY (SP_REC_ALL & ~(1u << SP_REC_SEED))
#define SP_REC_MEASURE (SP_REC_ALL & ~(1u << SP_REC_VERSION))

const char *sp_rec_name(enum sp_rec_col c);   /* "model", ..., "version"; NULL out of range */
enum sp_coltype sp_rec_type(enum sp_rec_col c);

/* The identifying values of one row. */
struct sp_record {
    const char *model;
    char norm[32];
    double alpha, alpha_attn, alpha_mlp;
    double depth, width, tokens, heads, kv_heads;
    const char *mlp, *mask;
    double seed;
    const char *version;
};
/* From a resolved architecture; o: the theory options of a theory row, NULL
 * for a measurement (version ""); alpha: the alpha asked for (NAN: the
 * architecture's); seed: NAN for theory rows. */
void sp_record_of(const struct sp_arch *a, const struct sp_theory_opts *o, double alpha,
                  double seed, struct sp_record *r);
/* The norm column's label of a (buf: n bytes, 32 suffice). */
void sp_record_norm(const struct sp_arch *a, char *buf, size_t n);

/* Appends to t, in enum order, every column of which (SP_REC_* bits) that t
 * lacks; idx[SP_REC_NCOLS] gets each column's index in t (-1: not in which
 * and not in t). 0, or -1 when out of memory. */
int sp_record_add_cols(struct sp_table *t, unsigned which, int idx[SP_REC_NCOLS]);
/* Writes r into row of t at the columns idx (from sp_record_add_cols). */
enum sp_status sp_record_set(struct sp_table *t, size_t row, const int idx[SP_REC_NCOLS],
                             const struct sp_record *r);

#ifdef __cplusplus
}
#endif
#endif
