/* The llama2.c checkpoint format (sigprop/llama2c.h): validation, one allocation
 * for every tensor, the architecture it implies, per-block pointers, per-matrix
 * statistics, and a reference forward pass of run.c (plain loops, double
 * accumulators) that only checks the loader; measurement does not use it. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sigprop/llama2c.h"
#include "sigprop/net.h"
#include "net/net_internal.h"

#define HEADER_BYTES 28 /* seven int32 */

/* The tensors in file order: a name, an offset and a count in floats. */
enum { T_EMB, T_ATTN_NORM, T_WQ, T_WK, T_WV, T_WO, T_MLP_NORM, T_W1, T_W2, T_W3, T_FINAL,
       T_ROPE, T_CLS, T_COUNT };
static const char *const tensor_names[T_COUNT] = {
    "token_embedding", "attention_norm", "wq", "wk", "wv", "wo", "mlp_norm",
    "w1", "w2", "w3", "final_norm", "rope_table", "classifier"};

struct layout {
    uint64_t off[T_COUNT], count[T_COUNT], total;
};

static void make_layout(const struct sp_llama2c_config *c, struct layout *t)
{
    uint64_t d = (uint64_t)c->dim, h = (uint64_t)c->hidden_dim, L = (uint64_t)c->n_layers;
    uint64_t kv = d / (uint64_t)c->n_heads * (uint64_t)c->n_kv_heads;
    uint64_t hd = d / (uint64_t)c->n_heads;
    uint64_t v = (uint64_t)c->vocab_size;
    uint64_t n[T_COUNT] = {v * d, L * d, L * d * d, L * kv * d, L * kv * d, L * d * d, L * d,
                           L * h * d, L * d * h, L * h * d, d,
                           (uint64_t)c->seq_len * hd, /* real and imaginary halves */
                           c->shared_classifier ? 0 : v * d};
    uint64_t off = 0;
    for (int i = 0; i < T_COUNT; i++) {
        t->off[i] = off;
        t->count[i] = n[i];
        off += n[i];
    }
    t->total = off;
}

static enum sp_status check_header(const int32_t hdr[7], struct sp_llama2c_config *c)
{
    static const char *names[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads",
                                   "vocab_size", "seq_len"};
    static const int32_t hi[7] = {1 << 16, 1 << 20, 1 << 12, 1 << 16, 1 << 16, 1 << 22, 1 << 20};
    for (int i = 0; i < 7; i++) {
        int32_t v = hdr[i];
        if (i == 5 && v < 0 && v >= -hi[5])
            v = -v; /* negative vocab: unshared classifier */
        if (v < 1 || v > hi[i])
            return sp_fail(SP_EFORMAT, "llama2c: header %s = %ld is out of range [1, %ld]%s",
                           names[i], (long)hdr[i], (long)hi[i],
                           i == 5 ? " (or its negative: an unshared classifier)" : "");
    }
    c->dim = hdr[0];
    c->hidden_dim = hdr[1];
    c->n_layers = hdr[2];
    c->n_heads = hdr[3];
    c->n_kv_heads = hdr[4];
    c->vocab_size = hdr[5] < 0 ? -hdr[5] : hdr[5];
    c->shared_classifier = hdr[5] > 0;
    c->seq_len = hdr[6];
    if (c->dim % c->n_heads)
        return sp_fail(SP_EFORMAT, "llama2c: header n_heads %d does not divide dim %d",
                       c->n_heads, c->dim);
    if ((c->dim / c->n_heads) % 2)
        return sp_fail(SP_EFORMAT, "llama2c: head_dim dim / n_heads = %d is odd (RoPE rotates "
                       "pairs)", c->dim / c->n_heads);
    if (c->n_kv_heads > c->n_heads || c->n_heads % c->n_kv_heads)
        return sp_fail(SP_EFORMAT, "llama2c: header n_kv_heads %d does not divide n_heads %d",
                       c->n_kv_heads, c->n_heads);
    return SP_OK;
}

static int little_endian(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* The header (the first 28 of len bytes at head) against the file size: fills c
 * and t. Nothing is allocated before this passes, so a corrupt header never asks
 * for a huge allocation. */
static enum sp_status check_size(const void *head, size_t len, struct sp_llama2c_config *c,
                                 struct layout *t)
{
    if (!little_endian())
        return sp_fail(SP_EUNSUPPORTED, "llama2c: the format is little-endian; this host is not");
    if (len < HEADER_BYTES)
        return sp_fail(SP_EFORMAT, "llama2c: %zu bytes is shorter than the 28-byte header", len);
    int32_t hdr[7];
    memcpy(hdr, head, sizeof hdr);
    enum sp_status s = check_header(hdr, c);
    if (s != SP_OK)
        return s;
    make_layout(c, t);
    uint64_t want = HEADER_BYTES + 4 * t->total;
    if ((uint64_t)len != want)
        return sp_fail(SP_EFORMAT, "llama2c: the file has %zu bytes, the header (dim %d, "
                       "hidden_dim %d, n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %ld, "
                       "seq_len %d) implies %llu%s", len, c->dim, c->hidden_dim, c->n_layers,
                       c->n_heads, c->n_kv_heads, (long)hdr[5], c->seq_len,
                       (unsigned long long)want, (uint64_t)len < want ? " (truncated)" : "");
    return SP_OK;
}

/* The model over data (t.total floats, malloc'ed; taken over, freed on failure)
 * once every weight is finite. */
static enum sp_status finish(float *data, const struct sp_llama2c_config *c,
                             const struct layout *t, struct sp_llama2c **out)
{
    for (int i = 0; i < T_COUNT; i++)
        for (uint64_t k = 0; k < t->count[i]; k++)
            if (!isfinite(data[t->off[i] + k])) {
                double v = (double)data[t->off[i] + k];
                free(data);
                return sp_fail(SP_EFORMAT, "llama2c: tensor %s has a non-finite value (%g) at "
                               "index %llu", tensor_names[i], v, (unsigned long long)k);
            }
    struct sp_llama2c *m = calloc(1, sizeof *m);
    if (!m) {
        free(data);
        return sp_fail(SP_ENOMEM, "llama2c: no memory");
    }
    m->cfg = *c;
    m->data = data;
    m->nfloats = (size_t)t->total;
    m->token_embedding = data + t->off[T_EMB];
    m->final_norm = data + t->off[T_FINAL];
    m->classifier = c->shared_classifier ? m->token_embedding : data + t->off[T_CLS];
    *out = m;
    return SP_OK;
}

static float *alloc_floats(uint64_t n)
{
    return n <= SIZE_MAX / sizeof(float) ? malloc((size_t)n * sizeof(float)) : NULL;
}

enum sp_status sp_llama2c_parse(const void *buf, size_t len, struct sp_llama2c **out)
{
    if (!out)
        return sp_fail(SP_EINVAL, "llama2c: no output");
    *out = NULL;
    if (!buf)
        return sp_fail(SP_EINVAL, "llama2c: no input");
    struct sp_llama2c_config c;
    struct layout t;
    enum sp_status s = check_size(buf, len, &c, &t);
    if (s != SP_OK)
        return s;
    float *data = alloc_floats(t.total);
    if (!data)
        return sp_fail(SP_ENOMEM, "llama2c: no memory for %llu floats",
                       (unsigned long long)t.total);
    memcpy(data, (const char *)buf + HEADER_BYTES, t.total * sizeof(float));
    return finish(data, &c, &t, out);
}

enum sp_status sp_llama2c_read(const char *path, struct sp_llama2c **out)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return sp_fail(SP_EINVAL, "llama2c: no path or no output");
    FILE *f = fopen(path, "rb");
    if (!f)
        return sp_fail(SP_EIO, "llama2c: cannot open '%s'", path);
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return sp_fail(SP_EIO, "llama2c: '%s' is not a regular file", path);
    }
    size_t len = (size_t)st.st_size;
    unsigned char head[HEADER_BYTES];
    size_t got = fread(head, 1, len < HEADER_BYTES ? len : HEADER_BYTES, f);
    struct sp_llama2c_config c;
    struct layout t;
    enum sp_status s = got == (len < HEADER_BYTES ? len : HEADER_BYTES)
                           ? check_size(head, len, &c, &t)
                           : sp_fail(SP_EIO, "llama2c: cannot read '%s'", path);
    float *data = NULL;
    if (s == SP_OK && !(data = alloc_floats(t.total)))
        s = sp_fail(SP_ENOMEM, "llama2c: no memory for '%s' (%llu floats)", path,
                    (unsigned long long)t.total);
    if (s == SP_OK && fread(data, sizeof(float), (size_t)t.total, f) != (size_t)t.total) {
        free(data);
        s = sp_fail(SP_EIO, "llama2c: cannot read '%s'", path);
    }
    fclose(f);
    return s == SP_OK ? finish(data, &c, &t, out) : s;
}

void sp_llama2c_free(struct sp_llama2c *m)
{
    if (!m)
        return;
    free(m->data);
    free(m);
}

void sp_llama2c_arch(const struct sp_llama2c *m, struct sp_arch *a)
{
    const struct sp_llama2c_config *c = &m->cfg;
    a->model = SP_MODEL_TRANSFORMER;
    a->depth = c->n_layers;
    a->width = c->dim;
    a->heads = c->n_heads;
    a->kv_heads = c->n_kv_heads;
    a->mlp_hidden = c->hidden_dim;
    long r = lround((double)c->hidden_dim / c->dim);
    a->mlp_ratio = (int)(r < 1 ? 1 : r > 64 ? 64 : r);
    a->mlp_act = SP_ACT_SWIGLU;
    a->norm_attn.kind = a->norm_mlp.kind = SP_FN_RMS;
    a->norm_eps = 1e-5;
    a->final_norm = 1;
    a->mask = SP_MASK_CAUSAL;
    a->rope = SP_ROPE_INTERLEAVED;
    a->rope_theta = 10000.0;
    a->tokens = c->seq_len;
    a->embed_scale = 1.0;
    a->residual_scale = 1.0;
    a->init_std = 0.02;
    a->sigma_q = a->sigma_k = a->sigma_v = a->sigma_o = a->sigma_1 = a->sigma_2 = NAN;
    a->sigma_3 = NAN;
}

enum sp_status sp_llama2c_block(const struct sp_llama2c *m, int l, struct sp_llama2c_block *b)
{
    if (!m || !b || l < 0 || l >= m->cfg.n_layers)
        return sp_fail(SP_EINVAL, "llama2c: block %d is not in [0, %d)", l,
                       m ? m->cfg.n_layers : 0);
    struct layout t;
    make_layout(&m->cfg, &t);
    const float *d = m->data;
    size_t dim = (size_t)m->cfg.dim, h = (size_t)m->cfg.hidden_dim, L = (size_t)l;
    size_t kv = dim / (size_t)m->cfg.n_heads * (size_t)m->cfg.n_kv_heads;
    b->attn_norm = d + t.off[T_ATTN_NORM] + L * dim;
    b->wq = d + t.off[T_WQ] + L * dim * dim;
    b->wk = d + t.off[T_WK] + L * kv * dim;
    b->wv = d + t.off[T_WV] + L * kv * dim;
    b->wo = d + t.off[T_WO] + L * dim * dim;
    b->mlp_norm = d + t.off[T_MLP_NORM] + L * dim;
    b->w1 = d + t.off[T_W1] + L * h * dim;
    b->w2 = d + t.off[T_W2] + L * dim * h;
    b->w3 = d + t.off[T_W3] + L * h * dim;
    return SP_OK;
}

void sp_llama2c_sample_ids(const struct sp_llama2c *m, uint64_t seed, int n, int *ids)
{
    struct net_key key = {seed, 0, 0};
    for (int i = 0; i < n; i++)
        ids[i] = i == 0 ? 1
                        : (int)(net_uint32(key, NET_MAT_TOKEN_IDS, (uint32_t)i) %
                                (uint32_t)m->cfg.vocab_size);
}

enum sp_status sp_llama2c_net_weights(const struct sp_llama2c *m, const int *ids, int n,
                                      struct sp_net_block_weights *blocks, float *tokens,
                                      struct sp_net_weights *w)
{
    if (!m || !ids || n < 1 || !blocks || !tokens || !w)
        return sp_fail(SP_EINVAL, "sp_llama2c_net_weights: NULL argument or n = %d", n);
    size_t dim = (size_t)m->cfg.dim;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= m->cfg.vocab_size)
            return sp_fail(SP_EINVAL, "token id %d (position %d) is not in [0, %d)", ids[i], i,
                           m->cfg.vocab_size);
        memcpy(tokens + (size_t)i * dim, m->token_embedding + (size_t)ids[i] * dim,
               dim * sizeof *tokens);
    }
    for (int l = 0; l < m->cfg.n_layers; l++) {
        struct sp_llama2c_block b;
        enum sp_status s = sp_llama2c_block(m, l, &b);
        if (s != SP_OK)
            return s;
        blocks[l] = (struct sp_net_block_weights){
            .wq = b.wq, .wk = b.wk, .wv = b.wv, .wo = b.wo, .w1 = b.w1, .w3 = b.w3, .w2 = b.w2,
            .gain_attn = b.attn_norm, .gain_mlp = b.mlp_norm};
    }
    *w = (struct sp_net_weights){
        .blocks = blocks, .gain_final = m->final_norm, .tokens = tokens};
    return SP_OK;
}

size_t sp_llama2c_nstats(const struct sp_llama2c *m) { return 7 * (size_t)m->cfg.n_layers + 1; }

static void stat_fill(struct sp_llama2c_stat *s, int layer, const char *name, const float *w,
                      int rows, int cols, double init_scale)
{
    size_t n = (size_t)rows * (size_t)cols;
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += (double)w[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++) {
        double e = (double)w[i] - mean;
        sq += e * e;
    }
    s->layer = layer;
    snprintf(s->name, sizeof s->name, "%s", name);
    s->rows = rows;
    s->cols = cols;
    s->mean = mean;
    s->std = sqrt(sq / (double)n);
    double fan = sqrt((double)cols);
    s->sigma = layer < 0 ? (double)NAN : s->std * fan;
    s->sigma_hf = layer < 0 ? 0.02 : 0.02 * fan;
    s->sigma_llama2c = layer < 0 ? 0.02 : 0.02 * fan * init_scale;
}

enum sp_status sp_llama2c_stats(const struct sp_llama2c *m, struct sp_llama2c_stat *out, size_t n)
{
    if (!m || !out || n < sp_llama2c_nstats(m))
        return sp_fail(SP_EINVAL, "llama2c: stats need %zu rows (got %zu)",
                       m ? sp_llama2c_nstats(m) : 0, n);
    const struct sp_llama2c_config *c = &m->cfg;
    int kv = c->dim / c->n_heads * c->n_kv_heads;
    double res = 1.0 / sqrt(2.0 * c->n_layers); /* llama2.c model.py: wo, w3 */
    size_t k = 0;
    for (int l = 0; l < c->n_layers; l++) {
        struct sp_llama2c_block b;
        sp_llama2c_block(m, l, &b);
        stat_fill(&out[k++], l, "wq", b.wq, c->dim, c->dim, 1.0);
        stat_fill(&out[k++], l, "wk", b.wk, kv, c->dim, 1.0);
        stat_fill(&out[k++], l, "wv", b.wv, kv, c->dim, 1.0);
        stat_fill(&out[k++], l, "wo", b.wo, c->dim, c->dim, res);
        stat_fill(&out[k++], l, "w1", b.w1, c->hidden_dim, c->dim, 1.0);
        stat_fill(&out[k++], l, "w2", b.w2, c->dim, c->hidden_dim, 1.0);
        stat_fill(&out[k++], l, "w3", b.w3, c->hidden_dim, c->dim, res);
    }
    stat_fill(&out[k], -1, "embedding", m->token_embedding, c->vocab_size, c->dim, 1.0);
    return SP_OK;
}

/* ---- reference forward pass (run.c), plain loops ---- */

/* o = g * x / sqrt(mean x^2 + 1e-5); x, o, g: (d). */
static void rmsnorm(float *o, const float *x, const float *g, int d)
{
    double ss = 0.0;
    for (int i = 0; i < d; i++)
        ss += (double)x[i] * (double)x[i];
    double inv = 1.0 / sqrt(ss / d + 1e-5);
    for (int i = 0; i < d; i++)
        o[i] = (float)((double)g[i] * (inv * (double)x[i]));
}

/* y = W x; W: (rows, cols) row-major, x: (cols), y: (rows). */
static void matvec(float *y, const float *w, const float *x, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        double s = 0.0;
        const float *wr = w + (size_t)r * cols;
        for (int c = 0; c < cols; c++)
            s += (double)wr[c] * (double)x[c];
        y[r] = (float)s;
    }
}

/* Rotates the adjacent pairs (2k, 2k+1) of each head of v (n components) at
 * position pos by pos 10000^(-2k/head_dim) (run.c's interleaved RoPE). */
static void rope(float *v, int n, int head_dim, int pos)
{
    for (int i = 0; i < n; i += 2) {
        double freq = 1.0 / pow(10000.0, (double)(i % head_dim) / head_dim);
        double c = cos(pos * freq), s = sin(pos * freq);
        double v0 = (double)v[i], v1 = (double)v[i + 1];
        v[i] = (float)(v0 * c - v1 * s);
        v[i + 1] = (float)(v0 * s + v1 * c);
    }
}

enum sp_status sp_llama2c_forward(const struct sp_llama2c *m, const int *tokens, size_t n,
                                  float *logits)
{
    if (!m || !tokens || !logits || n < 1 || n > (size_t)m->cfg.seq_len)
        return sp_fail(SP_EINVAL, "llama2c: forward needs 1 to seq_len %d tokens (got %zu)",
                       m ? m->cfg.seq_len : 0, n);
    const struct sp_llama2c_config *c = &m->cfg;
    for (size_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->vocab_size)
            return sp_fail(SP_EINVAL, "llama2c: token %d at position %zu is not in [0, %d)",
                           tokens[i], i, c->vocab_size);
    int d = c->dim, hd = d / c->n_heads, kvd = hd * c->n_kv_heads, hid = c->hidden_dim;
    int group = c->n_heads / c->n_kv_heads;
    size_t nd = n * (size_t)d, nkv = n * (size_t)kvd;
    /* x, xb (n, d); q (n, d); k, v (n, kvd); hb, hb2 (hid); tmp (d); att (n), double */
    size_t total = 3 * nd + 2 * nkv + 2 * (size_t)hid + (size_t)d;
    float *buf = malloc(total * sizeof(float));
    double *att = malloc(n * sizeof(double));
    if (!buf || !att) {
        free(buf);
        free(att);
        return sp_fail(SP_ENOMEM, "llama2c: no memory for the forward pass");
    }
    float *x = buf, *xb = x + nd, *q = xb + nd, *k = q + nd, *v = k + nkv, *hb = v + nkv;
    float *hb2 = hb + hid, *tmp = hb2 + hid;
    for (size_t t = 0; t < n; t++)
        memcpy(x + t * d, m->token_embedding + (size_t)tokens[t] * d, (size_t)d * sizeof(float));
    for (int l = 0; l < c->n_layers; l++) {
        struct sp_llama2c_block b;
        sp_llama2c_block(m, l, &b);
        for (size_t t = 0; t < n; t++) {
            rmsnorm(xb + t * d, x + t * d, b.attn_norm, d);
            matvec(q + t * d, b.wq, xb + t * d, d, d);
            matvec(k + t * kvd, b.wk, xb + t * d, kvd, d);
            matvec(v + t * kvd, b.wv, xb + t * d, kvd, d);
            rope(q + t * d, d, hd, (int)t);
            rope(k + t * kvd, kvd, hd, (int)t);
        }
        for (size_t t = 0; t < n; t++) { /* causal GQA attention: head h reads kv head h / group */
            for (int h = 0; h < c->n_heads; h++) {
                const float *qh = q + t * d + (size_t)h * hd;
                size_t ko = (size_t)(h / group) * hd;
                double mx = -INFINITY, z = 0.0;
                for (size_t s = 0; s <= t; s++) {
                    double dot = 0.0;
                    for (int i = 0; i < hd; i++)
                        dot += (double)qh[i] * (double)k[s * kvd + ko + i];
                    att[s] = dot / sqrt((double)hd);
                    if (att[s] > mx)
                        mx = att[s];
                }
                for (size_t s = 0; s <= t; s++)
                    z += exp(att[s] - mx);
                for (int i = 0; i < hd; i++) {
                    double acc = 0.0;
                    for (size_t s = 0; s <= t; s++)
                        acc += exp(att[s] - mx) / z * (double)v[s * kvd + ko + i];
                    xb[t * d + (size_t)h * hd + i] = (float)acc;
                }
            }
        }
        for (size_t t = 0; t < n; t++) {
            matvec(tmp, b.wo, xb + t * d, d, d);
            for (int i = 0; i < d; i++)
                x[t * d + i] += tmp[i];
            rmsnorm(xb + t * d, x + t * d, b.mlp_norm, d);
            matvec(hb, b.w1, xb + t * d, hid, d);
            matvec(hb2, b.w3, xb + t * d, hid, d);
            for (int i = 0; i < hid; i++)
                hb[i] = (float)((double)hb[i] / (1.0 + exp(-(double)hb[i])) * (double)hb2[i]);
            matvec(tmp, b.w2, hb, d, hid);
            for (int i = 0; i < d; i++)
                x[t * d + i] += tmp[i];
        }
    }
    for (size_t t = 0; t < n; t++) {
        rmsnorm(xb + t * d, x + t * d, m->final_norm, d);
        matvec(logits + t * (size_t)c->vocab_size, m->classifier, xb + t * d, c->vocab_size, d);
    }
    free(buf);
    free(att);
    return SP_OK;
}
