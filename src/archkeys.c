/* The architecture key table (sigprop/archspec.h): every setting's name, value
 * syntax, help, range or choices, the model it applies to, where a request
 * stores it and where its default lives in struct sp_arch. Data and look-ups
 * only: parsing and resolving are src/archspec.c's, which reads config files;
 * this file calls nothing but sp_arch_default, so config.c may use the table. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "archkeys.h"

/* the table reads as one row a key: */
/* clang-format off */
#define OFF(f) offsetof(struct sp_archspec, f)
#define DEF(f) offsetof(struct sp_arch, f)
#define NUM(kind_, name_, syn_, help_, scope_, f_, lo_, hi_)                            \
    {.k = {.name = name_, .syntax = syn_, .help = help_, .kind = kind_, .group = scope_,  \
           .lo = lo_, .hi = hi_}, .off = OFF(f_)}
#define INT(name_, syn_, help_, scope_, f_, lo_, hi_, def_)                             \
    {.k = {.name = name_, .syntax = syn_, .help = help_ " (default %v)", .kind = SP_ARCHKEY_INT, \
           .group = scope_, .lo = lo_, .hi = hi_}, .off = OFF(f_), .def_off = DEF(def_), \
     .def_type = 'i'}
#define REAL(name_, syn_, help_, scope_, f_, lo_, hi_, def_)                            \
    {.k = {.name = name_, .syntax = syn_, .help = help_ " (default %v)", .kind = SP_ARCHKEY_REAL, \
           .group = scope_, .lo = lo_, .hi = hi_}, .off = OFF(f_), .def_off = DEF(def_), \
     .def_type = 'd'}
#define WORDREAL(name_, syn_, help_, scope_, f_, lo_, hi_, word_, wv_)                  \
    {.k = {.name = name_, .syntax = syn_, .help = help_, .kind = SP_ARCHKEY_REAL,        \
           .group = scope_, .lo = lo_, .hi = hi_, .word = word_}, .off = OFF(f_),        \
     .word_value = wv_}
#define CHOICE(name_, syn_, help_, scope_, f_, words_, vals_)                           \
    {.k = {.name = name_, .syntax = syn_, .help = help_, .kind = SP_ARCHKEY_CHOICE,      \
           .group = scope_, .choices = words_}, .off = OFF(f_), .has_off = OFF(has_##f_), \
     .values = vals_}

static const char *const w_model[] = {"transformer", "toy", NULL};
static const int v_model[] = {SP_MODEL_TRANSFORMER, SP_MODEL_TOY};
static const char *const w_norm[] = {"ln", "rms", "dyt", "derf", "none", NULL};
static const int v_norm[] = {SP_FN_LN, SP_FN_RMS, SP_FN_DYT, SP_FN_DERF, SP_FN_IDENTITY};
static const char *const w_act[] = {"relu", "gelu", "swiglu", NULL};
static const int v_act[] = {SP_ACT_RELU, SP_ACT_GELU, SP_ACT_SWIGLU};
static const char *const w_mask[] = {"none", "causal", NULL};
static const int v_mask[] = {SP_MASK_NONE, SP_MASK_CAUSAL};
static const char *const w_pairing[] = {"interleaved", "half", NULL};
static const int v_pairing[] = {SP_ROPE_INTERLEAVED, SP_ROPE_HALF};
static const char *const w_phi[] = {"erf", "tanh", "identity", "relu", NULL};
static const int v_phi[] = {SP_FN_DERF, SP_FN_DYT, SP_FN_IDENTITY, SP_FN_RELU};
static const char *const w_attention[] = {"softmax", "uniform", "uniform-exact", "gaussian", NULL};
static const int v_attention[] = {SP_ATTN_SOFTMAX, SP_ATTN_UNIFORM, SP_ATTN_UNIFORM_EXACT,
                                  SP_ATTN_GAUSSIAN};
static const char *const w_apjn[] = {"single", "two-channel", NULL};
static const int v_apjn[] = {SP_APJN_SINGLE, SP_APJN_TWO_CHANNEL};
static const char *const w_cn[] = {"one", "exact", NULL};
static const int v_cn[] = {0, 1};

#define ANY SP_ARCHKEY_ANY
#define TF SP_ARCHKEY_TRANSFORMER
#define TOY SP_ARCHKEY_TOY
#define THEORY SP_ARCHKEY_THEORY
static const double BIG = 1e6;

/* In help order: what applies to both models and the transformer, the toy, the
 * theory version. */
static const struct key keys[] = {
    {.k = {.name = "preset", .syntax = "NAME", .help = "a named architecture (the list below)",
           .kind = SP_ARCHKEY_PRESET, .group = ANY}},
    {.k = {.name = "config", .syntax = "FILE",
           .help = "a Hugging Face config.json (LlamaConfig, GPT2Config,\n"
                   "ViTConfig; docs/config.md; configs/ has examples)",
           .kind = SP_ARCHKEY_FILE, .group = ANY}},
    CHOICE("model", "M", "transformer | toy (default transformer)", ANY, model, w_model, v_model),
    CHOICE("norm", "N", "ln | rms | dyt | derf | none (default ln); on the toy,\n"
           "derf/dyt mean no norm with phi = erf/tanh, ln means\nphi(LN(h))", ANY, norm, w_norm,
           v_norm),
    NUM(SP_ARCHKEY_LIST, "alpha", "A", "a value, a list a,b,c or start:stop:step (stop included)",
        ANY, alphas, 1e-6, 1e3),
    NUM(SP_ARCHKEY_REAL, "alpha-attn", "A", "alpha of the attention norm (overrides alpha)", TF,
        alpha_attn, 1e-6, 1e3),
    NUM(SP_ARCHKEY_REAL, "alpha-mlp", "A", "alpha of the MLP norm (overrides alpha)", TF,
        alpha_mlp, 1e-6, 1e3),
    REAL("shift", "S", "Derf/DyT shift s in erf(alpha x + s)", ANY, shift, -100, 100,
         norm_mlp.shift),
    INT("depth", "L", "blocks (toy: layers)", ANY, depth, 1, 1000000, depth),
    INT("tokens", "N", "tokens n", TF, tokens, 1, 1000000, tokens),
    INT("width", "D", "width d", ANY, width, 1, 1000000, width),
    NUM(SP_ARCHKEY_INT, "heads", "H", "attention heads (default width/64)", TF, heads, 1, 65536),
    INT("mlp-ratio", "R", "MLP hidden width / d", TF, mlp_ratio, 1, 64, mlp_ratio),
    {.k = {.name = "mlp", .syntax = "A", .help = "relu | gelu | swiglu: W2 act(W1 x), SwiGLU\n"
           "W2 (silu(W1 x) * (W3 x)) (default relu)", .kind = SP_ARCHKEY_CHOICE, .group = TF,
           .choices = w_act}, .off = OFF(act), .has_off = OFF(has_act), .values = v_act},
    {.k = {.name = "activation", .syntax = "A", .kind = SP_ARCHKEY_CHOICE, .group = TF,
           .choices = w_act, .alias_of = "mlp"}, .off = OFF(act), .has_off = OFF(has_act),
     .values = v_act},
    NUM(SP_ARCHKEY_INT, "mlp-hidden", "N", "MLP hidden width (default mlp-ratio x width)", TF,
        mlp_hidden, 1, 64000000),
    NUM(SP_ARCHKEY_FLAG, "final-norm", NULL,
        "apply the MLP norm after the last block (measurement)", TF, final_norm, 0, 0),
    REAL("init-std", "S", "timm-style init: sigma_X = S sqrt(fan_in)", TF, init_std, 1e-8, 10,
         init_std),
    NUM(SP_ARCHKEY_REAL, "sigma-q", "X", "sigma of W_Q (variance sigma^2 / fan_in; the\n"
        "sigmas not given follow init-std)", TF, sigma[0], 0, BIG),
    NUM(SP_ARCHKEY_REAL, "sigma-k", "X", "sigma of W_K", TF, sigma[1], 0, BIG),
    NUM(SP_ARCHKEY_REAL, "sigma-v", "X", "sigma of W_V", TF, sigma[2], 0, BIG),
    NUM(SP_ARCHKEY_REAL, "sigma-o", "X", "sigma of W_O", TF, sigma[3], 0, BIG),
    NUM(SP_ARCHKEY_REAL, "sigma-1", "X", "sigma of the MLP's W1", TF, sigma[4], 0, BIG),
    NUM(SP_ARCHKEY_REAL, "sigma-2", "X", "sigma of the MLP's W2 (fan_in: the hidden width)", TF,
        sigma[5], 0, BIG),
    NUM(SP_ARCHKEY_REAL, "sigma-3", "X", "sigma of SwiGLU's W3", TF, sigma_3, 0, BIG),
    {.k = {.name = "residual-scale", .syntax = "S",
           .help = "times the derived sigma_o, sigma_2; gpt2: 1/sqrt(2L)\n(default 1)",
           .kind = SP_ARCHKEY_REAL, .group = TF, .lo = 1e-6, .hi = 1e3, .word = "gpt2"},
     .off = OFF(residual_scale), .word_value = -1.0},
    NUM(SP_ARCHKEY_INT, "kv-heads", "K", "grouped-query attention: K/V heads (default heads)", TF,
        kv_heads, 1, 65536),
    {.k = {.name = "attention-mask", .syntax = "M", .help = "none | causal (default none)",
           .kind = SP_ARCHKEY_CHOICE, .group = TF, .choices = w_mask},
     .off = OFF(mask), .has_off = OFF(has_mask), .values = v_mask},
    WORDREAL("rope", "THETA", "rotary position embeddings with base THETA (none: off)", TF,
             rope_theta, 1.0 + 1e-9, 1e12, "none", 0.0),
    CHOICE("rope-pairing", "P", "interleaved (Meta, llama2.c) | half (Hugging Face)", TF,
           rope_pairing, w_pairing, v_pairing),
    REAL("norm-eps", "E", "LN / RMSNorm epsilon", TF, norm_eps, 0, 1, norm_eps),
    {.k = {.name = "embed-scale", .syntax = "S",
           .help = "scale of the input tokens; sqrt-d: sqrt(width) (default 1)",
           .kind = SP_ARCHKEY_REAL, .group = TF, .lo = 1e-6, .hi = 1e6, .word = "sqrt-d"},
     .off = OFF(embed_scale), .word_value = -1.0},
    NUM(SP_ARCHKEY_INT, "proxy-width", "D",
        "run a copy D wide that keeps the target's sigmas, heads and\n"
        "MLP ratio (the physics of the target at a cost ~ D^2)", TF, proxy_width, 1, 1000000),
    REAL("q0", "Q", "input token norm per component", ANY, q0, 1e-12, 1e12, q0),
    REAL("p0", "P", "input token overlap per component", TF, p0, -1e12, 1e12, p0),
    CHOICE("phi", "F", "erf | tanh | identity | relu (default erf)", TOY, phi, w_phi, v_phi),
    REAL("sigma-w", "S", "weight sigma: W ~ Normal(0, sigma_w^2 / N)", TOY, sigma_w, 0, BIG,
         sigma_w),
    REAL("mu", "M", "residual weight: h' = mu h + W phi(N(h)) + b", TOY, mu, -BIG, BIG, mu),
    REAL("sigma-b", "B", "bias sigma: b ~ Normal(0, sigma_b^2)", TOY, sigma_b, 0, BIG, sigma_b),
    CHOICE("attention", "A", "softmax (version A) | uniform (n -> inf, version C) |\n"
           "uniform-exact (exact finite n) | gaussian (softmax of\n"
           "Gaussian logits at O(1) s_QK with the logit path in\n"
           "the APJN, version G; docs/derivations/softmax.md)", THEORY, attention, w_attention,
           v_attention),
    CHOICE("apjn", "V", "single (version A) | two-channel (version C)", THEORY, apjn, w_apjn,
           v_apjn),
    {.k = {.name = "cn", .syntax = "C", .help = "one (author's code) | exact: c_n = (n-1)/n "
           "(two-channel)", .kind = SP_ARCHKEY_CHOICE, .group = THEORY, .choices = w_cn},
     .off = OFF(cn_exact), .has_off = OFF(has_cn), .values = v_cn},
};
/* clang-format on */
enum { NKEYS = sizeof keys / sizeof keys[0] };

size_t archkey_count(void) { return NKEYS; }

const struct key *archkey_entry(const char *name)
{
    for (size_t i = 0; name && i < NKEYS; i++)
        if (!strcmp(keys[i].k.name, name))
            return &keys[i];
    return NULL;
}

const struct key *archkey_entry_at(size_t i) { return i < NKEYS ? &keys[i] : NULL; }

static const struct sp_key *key_at(size_t i) { return i < NKEYS ? &keys[i].k : NULL; }

static int default_text(const struct sp_key *k, char *buf, size_t n)
{
    const struct key *e = (const struct key *)(const void *)k; /* k: its entry's first member */
    if (n)
        buf[0] = 0;
    if (!k || !e->def_type || !n)
        return 0;
    struct sp_arch d;
    sp_arch_default(&d);
    const char *p = (const char *)&d + e->def_off;
    if (e->def_type == 'i')
        snprintf(buf, n, "%d", *(const int *)p);
    else
        snprintf(buf, n, "%g", *(const double *)p);
    return 1;
}

static enum sp_status set(void *spec, const char *key, const char *value)
{
    return sp_archspec_set(spec, key, value);
}

const struct sp_keyset *sp_archspec_keys(void)
{
    static const struct sp_keyset ks = {"architecture", NKEYS, key_at, default_text, set};
    return &ks;
}
