/* sigprop/llama2c.h: trained checkpoints in the llama2.c format (Karpathy's
 * run.c): a header of seven little-endian int32, then float32 tensors. The loader
 * validates the file, keeps every tensor in one allocation, says which sp_arch the
 * model implies, hands out per-block weight pointers for a stored-weights source,
 * and has a reference forward pass (logits) that exists only to check the loader.
 * models/README.md describes the format and the test model stories260K.bin. */
#ifndef SIGPROP_LLAMA2C_H
#define SIGPROP_LLAMA2C_H

#include <stddef.h>
#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The header, in file order. vocab_size < 0 in the file means an unshared
 * classifier stored after the RoPE table; here vocab_size is |vocab| and
 * shared_classifier says which. */
struct sp_llama2c_config {
    int dim;          /* d: residual width */
    int hidden_dim;   /* SwiGLU hidden width */
    int n_layers;     /* blocks */
    int n_heads;      /* query heads; head_dim = dim / n_heads */
    int n_kv_heads;   /* key/value heads (grouped-query attention), divides n_heads */
    int vocab_size;   /* |vocab| */
    int seq_len;      /* maximum sequence length */
    int shared_classifier; /* 1: the classifier is the token embedding table */
};

/* The weights of block l; every matrix (out, in) row-major, so y = W x. Pointers
 * into the model's one allocation (valid until sp_llama2c_free). */
struct sp_llama2c_block {
    const float *attn_norm; /* (dim): RMSNorm gain before attention */
    const float *wq;        /* (dim, dim) */
    const float *wk;        /* (kv_dim, dim), kv_dim = n_kv_heads * head_dim */
    const float *wv;        /* (kv_dim, dim) */
    const float *wo;        /* (dim, dim) */
    const float *mlp_norm;  /* (dim): RMSNorm gain before the MLP */
    const float *w1;        /* (hidden_dim, dim): silu branch */
    const float *w2;        /* (dim, hidden_dim): down projection */
    const float *w3;        /* (hidden_dim, dim): linear (gate) branch */
};

/* A loaded checkpoint. */
struct sp_llama2c {
    struct sp_llama2c_config cfg;
    float *data;               /* the one allocation: every tensor below points into it */
    size_t nfloats;            /* floats in data (everything after the header) */
    const float *token_embedding; /* (vocab_size, dim) */
    const float *final_norm;   /* (dim): RMSNorm gain after the last block */
    const float *classifier;   /* (vocab_size, dim): token_embedding when shared */
};

/* Reads and validates a checkpoint: header values in range (dim, n_layers, ...
 * positive and at most 2^16 / 2^20 / 2^12 as their meaning allows; n_heads divides
 * dim with an even head_dim; n_kv_heads divides n_heads), the file size equals the
 * size the header implies (no truncation, nothing trailing), every weight finite.
 * The header is checked against the file size before anything is allocated.
 * SP_EIO: cannot read path, or it is not a regular file; SP_EFORMAT: every other
 * defect, the reason naming the header field or the tensor and index; SP_ENOMEM.
 * *out is NULL on failure. */
enum sp_status sp_llama2c_read(const char *path, struct sp_llama2c **out);
/* The same from memory (buf: len bytes, the whole file). */
enum sp_status sp_llama2c_parse(const void *buf, size_t len, struct sp_llama2c **out);
void sp_llama2c_free(struct sp_llama2c *m); /* NULL is a no-op */

/* The architecture the model implies, onto *a (the caller filled it, e.g. with
 * sp_arch_default): transformer, depth n_layers, width dim, heads, kv_heads,
 * mlp_hidden hidden_dim, SwiGLU, RMSNorm (eps 1e-5) before both sublayers and at
 * the end, causal mask, RoPE interleaved theta 10000, tokens seq_len, and the HF
 * init the same shape would have (init_std 0.02, sigmas NAN: derived). */
void sp_llama2c_arch(const struct sp_llama2c *m, struct sp_arch *a);
/* The weights of block l in [0, n_layers): SP_EINVAL otherwise. */
enum sp_status sp_llama2c_block(const struct sp_llama2c *m, int l, struct sp_llama2c_block *b);

/* A token sequence for measuring the model: ids[0] = 1 (BOS), the rest uniform in
 * [0, vocab_size), from seed alone (the weights' Philox generator). */
void sp_llama2c_sample_ids(const struct sp_llama2c *m, uint64_t seed, int n, int *ids);

/* The trained model as the finite network's stored weights (sigprop/net.h): blocks
 * (n_layers entries) and tokens (n x dim floats) are the caller's; tokens gets the
 * embedding rows of ids[0..n) (each in [0, vocab_size)), w points at both and at the
 * final norm's gain. The architecture to measure it with is sp_llama2c_arch's, with
 * tokens = n and final_norm = 1. SP_EINVAL with the reason on a bad id. */
struct sp_net_weights;
struct sp_net_block_weights;
enum sp_status sp_llama2c_net_weights(const struct sp_llama2c *m, const int *ids, int n,
                                      struct sp_net_block_weights *blocks, float *tokens,
                                      struct sp_net_weights *w);

/* Per-matrix statistics of the trained weights against the initialisations of
 * the same shape. One row per (block, matrix) in the order wq wk wv wo w1 w2 w3,
 * then the token embedding (layer -1). */
struct sp_llama2c_stat {
    int layer;            /* block, or -1 for the embedding */
    char name[16];        /* "wq", ..., "embedding" */
    int rows, cols;       /* (out, in); fan_in = cols */
    double mean, std;     /* over every entry, accumulated in double */
    double sigma;         /* std sqrt(fan_in) (embedding: NAN, it has no fan-in) */
    double sigma_hf;      /* HF LLaMA init: 0.02 sqrt(fan_in) (embedding: std 0.02) */
    double sigma_llama2c; /* llama2.c's model.py: 0.02 sqrt(fan_in), wo and w3 / sqrt(2L) */
};
size_t sp_llama2c_nstats(const struct sp_llama2c *m); /* 7 n_layers + 1 */
enum sp_status sp_llama2c_stats(const struct sp_llama2c *m, struct sp_llama2c_stat *out, size_t n);

/* Reference forward pass of llama2.c's run.c, for validating the loader: logits
 * for tokens[0..n) (positions 0..n-1), each token in [0, vocab_size), n <= seq_len.
 * logits: (n, vocab_size) row-major. Plain loops, double accumulators, O(n^2 d L);
 * meant for small models. SP_EINVAL for a bad token or n; SP_ENOMEM. */
enum sp_status sp_llama2c_forward(const struct sp_llama2c *m, const int *tokens, size_t n,
                                  float *logits);

#ifdef __cplusplus
}
#endif
#endif
