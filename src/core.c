/* Status strings, build information, the architecture description and the named
 * presets (SPEC 1, 5). The presets are the only place where published
 * configurations are written down. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/archspec.h"
#include "sigprop/core.h"
#include "sigprop/measurespec.h"
#include "sigprop/net.h"
#include "sigprop/records.h"
#include "sigprop/theory.h"
#include "sigprop/tables.h" /* sp_abi_sizeof of the table structs */
#include "sigprop/trainspec.h" /* ... and of the training key */
#include "sp_config.h"

const char *sp_status_str(enum sp_status s)
{
    switch (s) {
    case SP_OK: return "ok";
    case SP_EINVAL: return "invalid argument";
    case SP_ENOMEM: return "out of memory";
    case SP_ENUMERIC: return "numerical failure";
    case SP_EIO: return "input/output error";
    case SP_EFORMAT: return "malformed input file";
    case SP_EUNSUPPORTED: return "not supported";
    }
    return "unknown status";
}

/* One reason per thread, so concurrent callers (OpenMP sweeps, Python threads)
 * never read each other's messages. */
static _Thread_local char last_error[512];

const char *sp_last_error(void) { return last_error; }

void sp_last_error_clear(void) { last_error[0] = 0; }

enum sp_status sp_fail(enum sp_status s, const char *fmt, ...)
{
    /* through a copy: a caller may pass sp_last_error() itself as an argument
     * to add context to an inner reason */
    char buf[sizeof last_error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(last_error, buf, sizeof buf);
    return s;
}

const char *sp_version(void) { return SP_VERSION_STRING; }
const char *sp_git_hash(void) { return SP_GIT_HASH; }

const char *sp_build_features(void)
{
    /* one string per build, fixed at compile time (SP_HAVE_* from sp_config.h) */
    return "openmp sleef gsl random123 cjson"
#if SP_HAVE_BLAS
           " openblas"
#endif
#if SP_HAVE_PLOT
           " plplot-cairo"
#endif
#if SP_HAVE_MPI
           " mpi"
#endif
#if SP_HAVE_X86_SIMD
           " x86-simd"
#endif
        ;
}

size_t sp_abi_sizeof(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } sizes[] = {
        {"sp_arch", sizeof(struct sp_arch)},
        {"sp_theory_opts", sizeof(struct sp_theory_opts)},
        {"sp_theory_row", sizeof(struct sp_theory_row)},
        {"sp_asymptotics", sizeof(struct sp_asymptotics)},
        {"sp_net_opts", sizeof(struct sp_net_opts)},
        {"sp_net_row", sizeof(struct sp_net_row)},
        {"sp_fit_result", sizeof(struct sp_fit_result)},
        {"sp_compare_row", sizeof(struct sp_compare_row)},
        {"sp_compare_gmfe", sizeof(struct sp_compare_gmfe)},
        {"sp_sweep_task", sizeof(struct sp_sweep_task)},
        {"sp_sweep_plan", sizeof(struct sp_sweep_plan)},
        {"sp_sweep_rows", sizeof(struct sp_sweep_rows)},
        {"sp_alpha_point", sizeof(struct sp_alpha_point)},
        {"sp_alpha_law", sizeof(struct sp_alpha_law)},
        {"sp_alpha_verification", sizeof(struct sp_alpha_verification)},
        {"sp_record", sizeof(struct sp_record)},
        /* sigprop/keys.h: the key tables */
        {"sp_key", sizeof(struct sp_key)},
        {"sp_keyset", sizeof(struct sp_keyset)},
        /* sigprop/measurespec.h */
        {"sp_measurespec", sizeof(struct sp_measurespec)},
        {"sp_measure_plan", sizeof(struct sp_measure_plan)},
        {"sp_net_weights", sizeof(struct sp_net_weights)},
        {"sp_measure_net", sizeof(struct sp_measure_net)},
        /* the tables of theory, compare and alpha (sigprop/tables.h) */
        {"sp_notes", sizeof(struct sp_notes)},
        {"sp_compare_table_opts", sizeof(struct sp_compare_table_opts)},
        {"sp_alpha_table_opts", sizeof(struct sp_alpha_table_opts)},
        {"sp_alpha_table_info", sizeof(struct sp_alpha_table_info)},
        /* the sweep grid (sigprop/analysis.h) */
        {"sp_sweep_grid", sizeof(struct sp_sweep_grid)},
        /* the trainer (sigprop/train.h, sigprop/trainspec.h) */
        {"sp_dataset", sizeof(struct sp_dataset)},
        {"sp_corpus", sizeof(struct sp_corpus)},
        {"sp_vit_config", sizeof(struct sp_vit_config)},
        {"sp_train_opts", sizeof(struct sp_train_opts)},
        {"sp_train_result", sizeof(struct sp_train_result)},
        {"sp_train_data", sizeof(struct sp_train_data)},
        {"sp_trainspec", sizeof(struct sp_trainspec)},
    };
    for (size_t i = 0; name && i < sizeof sizes / sizeof sizes[0]; i++)
        if (!strcmp(name, sizes[i].name))
            return sizes[i].size;
    return 0;
}

static const struct {
    const char *name;
    enum sp_fn fn;
} fn_names[] = {
    {"ln", SP_FN_LN},     {"derf", SP_FN_DERF},     {"dyt", SP_FN_DYT},
    {"none", SP_FN_IDENTITY}, {"relu", SP_FN_RELU}, {"rms", SP_FN_RMS},
};

static const char *const act_names[] = {"relu", "gelu", "swiglu"};

const char *sp_act_name(enum sp_mlp_act a)
{
    return (unsigned)a < sizeof act_names / sizeof *act_names ? act_names[a] : "?";
}

int sp_act_parse(const char *s, enum sp_mlp_act *out)
{
    for (size_t i = 0; i < sizeof act_names / sizeof *act_names; i++)
        if (!strcmp(s, act_names[i])) {
            *out = (enum sp_mlp_act)i;
            return 0;
        }
    return -1;
}

const char *sp_fn_name(enum sp_fn f)
{
    for (size_t i = 0; i < sizeof fn_names / sizeof fn_names[0]; i++)
        if (fn_names[i].fn == f)
            return fn_names[i].name;
    return "?";
}

int sp_fn_parse(const char *s, enum sp_fn *out)
{
    for (size_t i = 0; i < sizeof fn_names / sizeof fn_names[0]; i++)
        if (strcmp(s, fn_names[i].name) == 0) {
            *out = fn_names[i].fn;
            return 0;
        }
    return -1;
}

static void set_sigmas(struct sp_arch *a, double v)
{
    a->sigma_q = a->sigma_k = a->sigma_v = a->sigma_o = a->sigma_1 = a->sigma_2 = v;
}

void sp_arch_default(struct sp_arch *a)
{
    memset(a, 0, sizeof *a);
    a->model = SP_MODEL_TRANSFORMER;
    a->depth = 128;
    a->q0 = 1.0;
    a->p0 = 0.4;
    a->tokens = 197;
    a->width = 1024;
    a->heads = 0;
    a->mlp_ratio = 4;
    a->mlp_act = SP_ACT_RELU;
    a->final_norm = 0;
    a->norm_attn = a->norm_mlp = (struct sp_fnspec){SP_FN_LN, 0.5, 0.0};
    a->init_std = 0.02;
    set_sigmas(a, NAN);
    a->mlp_hidden = 0;
    a->sigma_3 = NAN;
    a->kv_heads = 0;
    a->mask = SP_MASK_NONE;
    a->rope = SP_ROPE_NONE;
    a->rope_theta = 10000.0;
    a->norm_eps = 1e-5;
    a->embed_scale = 1.0;
    a->residual_scale = 1.0;
    a->toy_ln = 0;
    a->phi = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
    a->mu = 1.0;
    a->sigma_w = 0.46;
    a->sigma_b = 0.0;
}

int sp_arch_mlp_hidden(const struct sp_arch *a)
{
    return a->mlp_hidden > 0 ? a->mlp_hidden : a->mlp_ratio * a->width;
}

int sp_arch_kv_heads(const struct sp_arch *a)
{
    return a->kv_heads > 0 ? a->kv_heads : a->heads;
}

double sp_arch_s_ov(const struct sp_arch *a) { double s = a->sigma_o * a->sigma_v; return s * s; }
double sp_arch_s_21(const struct sp_arch *a) { double s = a->sigma_2 * a->sigma_1; return s * s; }
double sp_arch_s_qk(const struct sp_arch *a) { double s = a->sigma_q * a->sigma_k; return s * s; }

#define FAIL(...)                                                                  \
    do {                                                                           \
        sp_fail(SP_EINVAL, __VA_ARGS__);                                           \
        if (err && errlen)                                                         \
            snprintf(err, errlen, "%s", sp_last_error());                          \
        return SP_EINVAL;                                                          \
    } while (0)

static enum sp_status check_fn(const struct sp_fnspec *f, const char *what, char *err,
                               size_t errlen)
{
    if (f->kind == SP_FN_DERF || f->kind == SP_FN_DYT) {
        if (!(isfinite(f->alpha) && f->alpha > 0.0))
            FAIL("%s alpha must be a finite number > 0 (got %g)", what, f->alpha);
        if (!isfinite(f->shift) || fabs(f->shift) > 1e3)
            FAIL("%s shift must be finite with |shift| <= 1000 (got %g)", what, f->shift);
    }
    return SP_OK;
}

enum sp_status sp_arch_resolve(struct sp_arch *a, char *err, size_t errlen)
{
    if (a->depth < 1 || a->depth > 1000000)
        FAIL("depth must be in [1, 1000000] (got %d)", a->depth);
    if (!(isfinite(a->q0) && a->q0 > 0.0))
        FAIL("q0 must be a finite number > 0 (got %g)", a->q0);
    if (!isfinite(a->p0) || fabs(a->p0) > a->q0)
        FAIL("p0 must satisfy |p0| <= q0 (got p0 = %g, q0 = %g)", a->p0, a->q0);
    if (a->model == SP_MODEL_TOY) {
        if (a->phi.kind == SP_FN_LN || a->phi.kind == SP_FN_RMS)
            FAIL("toy phi must be erf, tanh, identity or relu");
        enum sp_status s = check_fn(&a->phi, "phi", err, errlen);
        if (s != SP_OK)
            return s;
        if (!isfinite(a->mu))
            FAIL("mu must be finite (got %g)", a->mu);
        if (!(isfinite(a->sigma_w) && a->sigma_w >= 0.0))
            FAIL("sigma-w must be finite and >= 0 (got %g)", a->sigma_w);
        if (!(isfinite(a->sigma_b) && a->sigma_b >= 0.0))
            FAIL("sigma-b must be finite and >= 0 (got %g)", a->sigma_b);
        return SP_OK;
    }
    if (a->tokens < 1 || a->tokens > 1000000)
        FAIL("tokens must be in [1, 1000000] (got %d)", a->tokens);
    if (a->width < 1 || a->width > 1000000)
        FAIL("width must be in [1, 1000000] (got %d)", a->width);
    if (a->mlp_ratio < 1 || a->mlp_ratio > 64)
        FAIL("mlp ratio must be in [1, 64] (got %d)", a->mlp_ratio);
    if (a->mlp_hidden < 0 || a->mlp_hidden > 64000000)
        FAIL("mlp hidden width must be in [1, 64000000] (got %d)", a->mlp_hidden);
    if (a->mlp_hidden == 0 && (double)a->mlp_ratio * a->width > 64000000)
        FAIL("mlp hidden width mlp_ratio x width = %.0f exceeds 64000000",
             (double)a->mlp_ratio * a->width);
    if (a->mlp_act != SP_ACT_RELU && a->mlp_act != SP_ACT_GELU && a->mlp_act != SP_ACT_SWIGLU)
        FAIL("unknown MLP activation %d", (int)a->mlp_act);
    if (a->mask != SP_MASK_NONE && a->mask != SP_MASK_CAUSAL)
        FAIL("unknown attention mask %d", (int)a->mask);
    if (a->rope != SP_ROPE_NONE && a->rope != SP_ROPE_INTERLEAVED && a->rope != SP_ROPE_HALF)
        FAIL("unknown rope pairing %d", (int)a->rope);
    if (!(isfinite(a->rope_theta) && a->rope_theta > 1.0 && a->rope_theta <= 1e12))
        FAIL("rope theta must be in (1, 1e12] (got %g)", a->rope_theta);
    if (!(isfinite(a->norm_eps) && a->norm_eps >= 0.0 && a->norm_eps <= 1.0))
        FAIL("norm eps must be in [0, 1] (got %g)", a->norm_eps);
    if (!(isfinite(a->embed_scale) && a->embed_scale > 0.0 && a->embed_scale <= 1e6))
        FAIL("embed scale must be in (0, 1e6] (got %g)", a->embed_scale);
    if (!(isfinite(a->residual_scale) && a->residual_scale > 0.0 && a->residual_scale <= 1e3))
        FAIL("residual scale must be in (0, 1000] (got %g)", a->residual_scale);
    int default_heads = a->heads == 0;
    if (default_heads)
        a->heads = a->width >= 64 ? a->width / 64 : 1;
    if (a->heads < 1 || a->width % a->heads != 0) {
        if (default_heads)
            FAIL("the default head count width/64 = %d does not divide width %d; give --heads",
                 a->heads, a->width);
        FAIL("heads must divide width (got heads = %d, width = %d)", a->heads, a->width);
    }
    if (a->kv_heads < 0 || a->kv_heads > a->heads || a->heads % sp_arch_kv_heads(a) != 0)
        FAIL("kv-heads must divide heads (got kv-heads = %d, heads = %d)", a->kv_heads, a->heads);
    if (a->rope != SP_ROPE_NONE && (a->width / a->heads) % 2 != 0)
        FAIL("rope needs an even head dimension (width / heads = %d)", a->width / a->heads);
    if (a->norm_attn.kind == SP_FN_RELU || a->norm_mlp.kind == SP_FN_RELU)
        FAIL("relu is not a norm; use ln, rms, dyt, derf or none");
    enum sp_status s = check_fn(&a->norm_attn, "attention-norm", err, errlen);
    if (s == SP_OK)
        s = check_fn(&a->norm_mlp, "mlp-norm", err, errlen);
    if (s != SP_OK)
        return s;
    double *sig[7] = {&a->sigma_q, &a->sigma_k, &a->sigma_v, &a->sigma_o, &a->sigma_1, &a->sigma_2,
                      &a->sigma_3};
    static const char *names[7] = {"sigma-q", "sigma-k", "sigma-v", "sigma-o", "sigma-1",
                                   "sigma-2", "sigma-3"};
    for (int i = 0; i < 7; i++) {
        if (i == 6 && a->mlp_act != SP_ACT_SWIGLU && isnan(*sig[i]))
            continue; /* W3 exists only in SwiGLU */
        if (isnan(*sig[i])) {
            if (!(isfinite(a->init_std) && a->init_std > 0.0))
                FAIL("%s is not set and there is no init std to derive it from", names[i]);
            double fan_in = i == 5 ? (double)sp_arch_mlp_hidden(a) : (double)a->width;
            *sig[i] = a->init_std * sqrt(fan_in) * (i == 3 || i == 5 ? a->residual_scale : 1.0);
        }
        if (!(isfinite(*sig[i]) && *sig[i] >= 0.0))
            FAIL("%s must be finite and >= 0 (got %g)", names[i], *sig[i]);
    }
    return SP_OK;
}

const char *const sp_preset_names[] = {"blog1-toy", "blog2",      "vit-b",      "vit-l",
                                       "llama2-7b", "llama2-13b", "llama2-70b", "gpt2",
                                       "vit-b16",   "vit-l16",    NULL};
const char *const sp_preset_descriptions[] = {
    "blog part-1 toy: residual net, erf(alpha x), sigma_w = 0.46, mu = 1, K0 = 1, L = 128",
    "blog part-2 ViT: L = 128, n = 197, d = 1024, sigmas 0.64 (sigma_2 = 1.28), q0 = 1, p0 = 0.4, version A",
    "ViT-B/16: L = 12, n = 197, d = 768, 12 heads, timm init std 0.02, version C",
    "ViT-L/16: L = 24, n = 197, d = 1024, 16 heads, timm init std 0.02, version C",
    "Llama-2-7B (configs/llama2-7b.json): L = 32, d = 4096, 32 heads, SwiGLU 11008, RMSNorm, causal, RoPE, n = 1024",
    "Llama-2-13B (configs/llama2-13b.json): L = 40, d = 5120, 40 heads, SwiGLU 13824, n = 1024",
    "Llama-2-70B (configs/llama2-70b.json): L = 80, d = 8192, 64 heads, 8 kv heads, SwiGLU 28672, n = 1024",
    "GPT-2 124M (configs/gpt2.json): L = 12, d = 768, 12 heads, GELU, LN, causal, c_proj / sqrt(2L), n = 1024",
    "ViT-B/16 (configs/vit-b16.json): L = 12, d = 768, 12 heads, GELU 3072, LN eps 1e-6, n = 197",
    "ViT-L/16 (configs/vit-l16.json): L = 24, d = 1024, 16 heads, GELU 4096, LN eps 1e-6, n = 197",
    NULL,
};

/* The models of the configs/ files, as sp_config_parse reads them (tests/test_config.c
 * checks each preset against its file): HF init std 0.02 on every linear layer,
 * final norm, sequence length min(context, SP_CONFIG_TOKENS_CAP). */
static void set_hf(struct sp_arch *a, int depth, int width, int heads, int kv_heads, int hidden,
                   enum sp_mlp_act act)
{
    a->model = SP_MODEL_TRANSFORMER;
    a->depth = depth;
    a->width = width;
    a->heads = heads;
    a->kv_heads = kv_heads;
    a->mlp_hidden = hidden;
    long r = lround((double)hidden / width);
    a->mlp_ratio = (int)(r < 1 ? 1 : r);
    a->mlp_act = act;
    a->final_norm = 1;
    a->init_std = 0.02;
    set_sigmas(a, NAN);
    a->sigma_3 = NAN;
    a->embed_scale = 1.0;
    a->residual_scale = 1.0;
}

static void set_llama(struct sp_arch *a, int depth, int width, int heads, int kv_heads, int hidden)
{
    set_hf(a, depth, width, heads, kv_heads, hidden, SP_ACT_SWIGLU);
    a->tokens = 1024; /* context 4096, capped at SP_CONFIG_TOKENS_CAP */
    a->norm_attn.kind = a->norm_mlp.kind = SP_FN_RMS;
    a->norm_eps = 1e-5;
    a->mask = SP_MASK_CAUSAL;
    a->rope = SP_ROPE_HALF; /* the HF checkpoints' pairing */
    a->rope_theta = 10000.0;
}

static void set_vit16(struct sp_arch *a, int depth, int width, int heads, int hidden)
{
    set_hf(a, depth, width, heads, 0, hidden, SP_ACT_GELU);
    a->tokens = 197; /* (224 / 16)^2 + CLS */
    a->norm_attn.kind = a->norm_mlp.kind = SP_FN_LN;
    a->norm_eps = 1e-6;
    a->mask = SP_MASK_NONE;
    a->rope = SP_ROPE_NONE;
}

enum sp_status sp_preset_apply(const char *name, struct sp_arch *a, int *version_a)
{
    int va = 0;
    if (!name || !a)
        return sp_fail(SP_EINVAL, "preset: no name or no architecture");
    if (strcmp(name, "blog1-toy") == 0) {
        a->model = SP_MODEL_TOY;
        a->depth = 128;
        a->q0 = 1.0;
        a->p0 = 0.0;
        a->toy_ln = 0;
        a->phi = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
        a->mu = 1.0;
        a->sigma_w = 0.46; /* not stated in the blog; reproduces every curve (SPEC 1.1) */
        a->sigma_b = 0.0;
        va = 1;
    } else if (strcmp(name, "blog2") == 0) {
        a->model = SP_MODEL_TRANSFORMER;
        a->depth = 128;
        a->tokens = 197;
        a->width = 1024;
        a->heads = 16;
        a->q0 = 1.0;
        a->p0 = 0.4;
        a->init_std = 0.0; /* the blog states the sigmas; --width alone keeps them */
        set_sigmas(a, 0.64);
        a->sigma_2 = 1.28;
        va = 1;
    } else if (strcmp(name, "vit-b") == 0 || strcmp(name, "vit-l") == 0) {
        int large = name[4] == 'l';
        a->model = SP_MODEL_TRANSFORMER;
        a->depth = large ? 24 : 12;
        a->tokens = 197;
        a->width = large ? 1024 : 768;
        a->heads = large ? 16 : 12;
        a->q0 = 1.0;
        a->p0 = 0.4;
        a->init_std = 0.02;
        set_sigmas(a, NAN);
    } else if (strcmp(name, "llama2-7b") == 0) {
        set_llama(a, 32, 4096, 32, 0, 11008); /* kv_heads 0: = heads, no GQA */
    } else if (strcmp(name, "llama2-13b") == 0) {
        set_llama(a, 40, 5120, 40, 0, 13824);
    } else if (strcmp(name, "llama2-70b") == 0) {
        set_llama(a, 80, 8192, 64, 8, 28672);
    } else if (strcmp(name, "gpt2") == 0) {
        set_hf(a, 12, 768, 12, 0, 3072, SP_ACT_GELU);
        a->tokens = 1024;
        a->norm_attn.kind = a->norm_mlp.kind = SP_FN_LN;
        a->norm_eps = 1e-5;
        a->mask = SP_MASK_CAUSAL;
        a->rope = SP_ROPE_NONE;
        a->residual_scale = 1.0 / sqrt(2.0 * 12); /* HF GPT2: c_proj std 0.02 / sqrt(2 n_layer) */
    } else if (strcmp(name, "vit-b16") == 0) {
        set_vit16(a, 12, 768, 12, 3072);
    } else if (strcmp(name, "vit-l16") == 0) {
        set_vit16(a, 24, 1024, 16, 4096);
    } else {
        return sp_fail(SP_EINVAL, "unknown preset '%s'", name);
    }
    if (version_a)
        *version_a = va;
    return SP_OK;
}
