/* The architecture flags shared by theory, measure, compare, sweep and alpha:
 * parsing, resolution (preset, then flags, then derived sigmas) and help text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Cleared by cli_arch_init: the --width note is printed once per command run. */
static int width_noted;
/* The record of the last --config read (for the notes on stderr, printed once,
 * and the JSON meta); config_path NULL: none. */
static struct sp_config_info config_info;
static const char *config_path;
static int config_noted;

void cli_arch_init(struct cli_arch *c)
{
    memset(c, 0, sizeof *c);
    c->alpha_attn = c->alpha_mlp = c->shift = c->init_std = NAN;
    for (int i = 0; i < 6; i++)
        c->sigma[i] = NAN;
    c->sigma_w = c->mu = c->sigma_b = c->q0 = c->p0 = NAN;
    c->sigma_3 = c->rope_theta = c->norm_eps = c->embed_scale = c->residual_scale = NAN;
    width_noted = 0;
    config_path = NULL;
    config_noted = 0;
}

void cli_arch_free(struct cli_arch *c)
{
    free(c->alphas);
    c->alphas = NULL;
    c->nalpha = 0;
}

size_t cli_arch_nalpha(const struct cli_arch *c) { return c->nalpha ? c->nalpha : 1; }
double cli_arch_alpha(const struct cli_arch *c, size_t i) { return c->nalpha ? c->alphas[i] : (double)NAN; }

static const char *sigma_flag[6] = {"--sigma-q", "--sigma-k", "--sigma-v",
                                    "--sigma-o", "--sigma-1", "--sigma-2"};

int cli_arch_option(struct cli_arch *c, const char *cmd, int opt, const char *arg)
{
    const double big = 1e6;
    switch (opt) {
    case OPT_CONFIG: {
        sp_arch_default(&c->config_arch);
        enum sp_status s = sp_config_read(arg, &c->config_arch, &config_info);
        if (s == SP_ENOMEM)
            return cli_fail("--config %s: %s", arg, sp_last_error());
        if (s != SP_OK)
            return cli_usage(cmd, "--config %s: %s", arg, sp_last_error());
        c->config_path = config_path = arg;
        return 0;
    }
    case OPT_PRESET:
        for (int i = 0; sp_preset_names[i]; i++)
            if (!strcmp(arg, sp_preset_names[i])) {
                c->preset = sp_preset_names[i];
                return 0;
            }
        {
            char list[256] = "";
            for (int i = 0; sp_preset_names[i]; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", sp_preset_names[i]);
            }
            return cli_usage(cmd, "--preset: unknown preset '%s' (%s)", arg, list);
        }
    case OPT_MODEL:
        c->has_model = 1;
        if (!strcmp(arg, "toy"))
            c->model = SP_MODEL_TOY;
        else if (!strcmp(arg, "transformer"))
            c->model = SP_MODEL_TRANSFORMER;
        else
            return cli_usage(cmd, "--model: '%s' is not one of toy, transformer", arg);
        return 0;
    case OPT_NORM:
        if (sp_fn_parse(arg, &c->norm) != 0 || c->norm == SP_FN_RELU)
            return cli_usage(cmd, "--norm: '%s' is not one of ln, rms, dyt, derf, none", arg);
        c->has_norm = 1;
        return 0;
    case OPT_ALPHA:
        free(c->alphas);
        return cli_parse_list(cmd, "--alpha", arg, 1e-6, 1e3, &c->alphas, &c->nalpha);
    case OPT_ALPHA_ATTN: return cli_parse_double(cmd, "--alpha-attn", arg, 1e-6, 1e3, &c->alpha_attn);
    case OPT_ALPHA_MLP: return cli_parse_double(cmd, "--alpha-mlp", arg, 1e-6, 1e3, &c->alpha_mlp);
    case OPT_SHIFT: return cli_parse_double(cmd, "--shift", arg, -100, 100, &c->shift);
    case OPT_DEPTH: return cli_parse_int(cmd, "--depth", arg, 1, 1000000, &c->depth);
    case OPT_TOKENS: return cli_parse_int(cmd, "--tokens", arg, 1, 1000000, &c->tokens);
    case OPT_WIDTH: return cli_parse_int(cmd, "--width", arg, 1, 1000000, &c->width);
    case OPT_HEADS: return cli_parse_int(cmd, "--heads", arg, 1, 65536, &c->heads);
    case OPT_MLP_RATIO: return cli_parse_int(cmd, "--mlp-ratio", arg, 1, 64, &c->mlp_ratio);
    case OPT_ACT:
        c->has_act = 1;
        if (sp_act_parse(arg, &c->act) != 0)
            return cli_usage(cmd, "--mlp/--activation: '%s' is not one of relu, gelu, swiglu", arg);
        return 0;
    case OPT_SIGMA_3: return cli_parse_double(cmd, "--sigma-3", arg, 0, big, &c->sigma_3);
    case OPT_MLP_HIDDEN: return cli_parse_int(cmd, "--mlp-hidden", arg, 1, 64000000, &c->mlp_hidden);
    case OPT_KV_HEADS: return cli_parse_int(cmd, "--kv-heads", arg, 1, 65536, &c->kv_heads);
    case OPT_MASK:
        c->has_mask = 1;
        if (!strcmp(arg, "none"))
            c->mask = SP_MASK_NONE;
        else if (!strcmp(arg, "causal"))
            c->mask = SP_MASK_CAUSAL;
        else
            return cli_usage(cmd, "--attention-mask: '%s' is not one of none, causal", arg);
        return 0;
    case OPT_ROPE:
        if (!strcmp(arg, "none")) {
            c->rope_theta = 0.0;
            return 0;
        }
        return cli_parse_double(cmd, "--rope", arg, 1.0 + 1e-9, 1e12, &c->rope_theta);
    case OPT_ROPE_PAIRING:
        c->has_rope_pairing = 1;
        if (!strcmp(arg, "interleaved"))
            c->rope_pairing = SP_ROPE_INTERLEAVED;
        else if (!strcmp(arg, "half"))
            c->rope_pairing = SP_ROPE_HALF;
        else
            return cli_usage(cmd, "--rope-pairing: '%s' is not one of interleaved, half", arg);
        return 0;
    case OPT_PROXY_WIDTH: return cli_parse_int(cmd, "--proxy-width", arg, 1, 1000000, &c->proxy_width);
    case OPT_NORM_EPS: return cli_parse_double(cmd, "--norm-eps", arg, 0, 1, &c->norm_eps);
    case OPT_EMBED_SCALE:
        if (!strcmp(arg, "sqrt-d")) {
            c->embed_scale = -1.0;
            return 0;
        }
        return cli_parse_double(cmd, "--embed-scale", arg, 1e-6, 1e6, &c->embed_scale);
    case OPT_RESIDUAL_SCALE:
        if (!strcmp(arg, "gpt2")) {
            c->residual_scale = -1.0;
            return 0;
        }
        return cli_parse_double(cmd, "--residual-scale", arg, 1e-6, 1e3, &c->residual_scale);
    case OPT_FINAL_NORM: c->final_norm = 1; return 0;
    case OPT_INIT_STD: return cli_parse_double(cmd, "--init-std", arg, 1e-8, 10, &c->init_std);
    case OPT_SIGMA_Q: case OPT_SIGMA_K: case OPT_SIGMA_V:
    case OPT_SIGMA_O: case OPT_SIGMA_1: case OPT_SIGMA_2: {
        int i = opt - OPT_SIGMA_Q;
        return cli_parse_double(cmd, sigma_flag[i], arg, 0, big, &c->sigma[i]);
    }
    case OPT_SIGMA_W: return cli_parse_double(cmd, "--sigma-w", arg, 0, big, &c->sigma_w);
    case OPT_MU: return cli_parse_double(cmd, "--mu", arg, -big, big, &c->mu);
    case OPT_SIGMA_B: return cli_parse_double(cmd, "--sigma-b", arg, 0, big, &c->sigma_b);
    case OPT_PHI:
        c->has_phi = 1;
        if (!strcmp(arg, "erf"))
            c->phi = SP_FN_DERF;
        else if (!strcmp(arg, "tanh"))
            c->phi = SP_FN_DYT;
        else if (!strcmp(arg, "identity"))
            c->phi = SP_FN_IDENTITY;
        else if (!strcmp(arg, "relu"))
            c->phi = SP_FN_RELU;
        else
            return cli_usage(cmd, "--phi: '%s' is not one of erf, tanh, identity, relu", arg);
        return 0;
    case OPT_Q0: return cli_parse_double(cmd, "--q0", arg, 1e-12, 1e12, &c->q0);
    case OPT_P0: return cli_parse_double(cmd, "--p0", arg, -1e12, 1e12, &c->p0);
    case OPT_ATTENTION:
        c->has_attention = 1;
        if (!strcmp(arg, "softmax"))
            c->attention = SP_ATTN_SOFTMAX;
        else if (!strcmp(arg, "uniform"))
            c->attention = SP_ATTN_UNIFORM;
        else if (!strcmp(arg, "uniform-exact"))
            c->attention = SP_ATTN_UNIFORM_EXACT;
        else if (!strcmp(arg, "gaussian"))
            c->attention = SP_ATTN_GAUSSIAN;
        else
            return cli_usage(cmd, "--attention: '%s' is not one of softmax, uniform, uniform-exact, gaussian", arg);
        return 0;
    case OPT_APJN:
        c->has_apjn = 1;
        if (!strcmp(arg, "single"))
            c->apjn = SP_APJN_SINGLE;
        else if (!strcmp(arg, "two-channel"))
            c->apjn = SP_APJN_TWO_CHANNEL;
        else
            return cli_usage(cmd, "--apjn: '%s' is not one of single, two-channel", arg);
        return 0;
    case OPT_CN:
        c->has_cn = 1;
        if (!strcmp(arg, "one"))
            c->cn_exact = 0;
        else if (!strcmp(arg, "exact"))
            c->cn_exact = 1;
        else
            return cli_usage(cmd, "--cn: '%s' is not one of one, exact", arg);
        return 0;
    default:
        return cli_usage(cmd, "internal error: unhandled option %d", opt);
    }
}

/* The transformer-only flags given, as "--heads, --tokens" (empty: none). */
static void transformer_flags(const struct cli_arch *c, char *buf, size_t n)
{
    const char *given[40];
    int k = 0;
    if (!isnan(c->alpha_attn)) given[k++] = "--alpha-attn";
    if (!isnan(c->alpha_mlp)) given[k++] = "--alpha-mlp";
    if (c->tokens) given[k++] = "--tokens";
    if (c->heads) given[k++] = "--heads";
    if (c->mlp_ratio) given[k++] = "--mlp-ratio";
    if (c->has_act) given[k++] = "--activation";
    if (c->final_norm) given[k++] = "--final-norm";
    if (!isnan(c->init_std)) given[k++] = "--init-std";
    for (int i = 0; i < 6; i++)
        if (!isnan(c->sigma[i]))
            given[k++] = sigma_flag[i];
    if (!isnan(c->p0)) given[k++] = "--p0";
    if (c->has_attention) given[k++] = "--attention";
    if (c->has_apjn) given[k++] = "--apjn";
    if (c->has_cn) given[k++] = "--cn";
    if (!isnan(c->sigma_3)) given[k++] = "--sigma-3";
    if (c->mlp_hidden) given[k++] = "--mlp-hidden";
    if (c->kv_heads) given[k++] = "--kv-heads";
    if (c->has_mask) given[k++] = "--attention-mask";
    if (!isnan(c->rope_theta)) given[k++] = "--rope";
    if (c->has_rope_pairing) given[k++] = "--rope-pairing";
    if (!isnan(c->norm_eps)) given[k++] = "--norm-eps";
    if (!isnan(c->embed_scale)) given[k++] = "--embed-scale";
    if (!isnan(c->residual_scale)) given[k++] = "--residual-scale";
    if (c->proxy_width) given[k++] = "--proxy-width";
    buf[0] = 0;
    for (int i = 0; i < k; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", i ? ", " : "", given[i]);
    }
}

static int build_toy(const struct cli_arch *c, const char *cmd, double alpha, struct sp_arch *a)
{
    char bad[256];
    transformer_flags(c, bad, sizeof bad);
    if (bad[0])
        return cli_usage(cmd, "%s %s to the transformer, not to --model toy (the toy takes "
                         "--width, --depth, --q0, --phi, --alpha, --shift, --sigma-w, --mu, "
                         "--sigma-b, --norm)", bad, strchr(bad, ',') ? "apply" : "applies");
    if (c->width)
        a->width = c->width;
    if (c->has_norm) {
        switch (c->norm) {
        case SP_FN_LN: a->toy_ln = 1; break;
        case SP_FN_RMS: /* the toy's LN is the mean-field RMSNorm */
            return cli_usage(cmd, "--norm rms applies to the transformer; the toy's pre-norm is "
                             "--norm ln (the same at mean field)");
        case SP_FN_IDENTITY: a->toy_ln = 0; break;
        case SP_FN_DERF:
        case SP_FN_DYT:
            if (c->has_phi)
                return cli_usage(cmd, "--norm %s on the toy means phi = %s; do not also give --phi",
                                 sp_fn_name(c->norm), c->norm == SP_FN_DERF ? "erf" : "tanh");
            a->toy_ln = 0;
            a->phi.kind = c->norm;
            break;
        default: break;
        }
    }
    if (c->has_phi)
        a->phi.kind = c->phi;
    if (!isnan(alpha))
        a->phi.alpha = alpha;
    if (!isnan(c->shift))
        a->phi.shift = c->shift;
    if (!isnan(alpha) && a->phi.kind != SP_FN_DERF && a->phi.kind != SP_FN_DYT)
        return cli_usage(cmd, "--alpha needs phi erf or tanh (phi is %s)",
                         a->phi.kind == SP_FN_RELU ? "relu" : "identity");
    if (!isnan(c->sigma_w)) a->sigma_w = c->sigma_w;
    if (!isnan(c->mu)) a->mu = c->mu;
    if (!isnan(c->sigma_b)) a->sigma_b = c->sigma_b;
    return 0;
}

static int build_transformer(const struct cli_arch *c, const char *cmd, double alpha,
                             struct sp_arch *a)
{
    if (c->has_phi || !isnan(c->sigma_w) || !isnan(c->mu) || !isnan(c->sigma_b)) {
        char bad[128] = "";
        const char *f[4] = {c->has_phi ? "--phi" : NULL, !isnan(c->sigma_w) ? "--sigma-w" : NULL,
                            !isnan(c->mu) ? "--mu" : NULL, !isnan(c->sigma_b) ? "--sigma-b" : NULL};
        int k = 0;
        for (int i = 0; i < 4; i++)
            if (f[i]) {
                size_t l = strlen(bad);
                snprintf(bad + l, sizeof bad - l, "%s%s", k++ ? ", " : "", f[i]);
            }
        return cli_usage(cmd, "%s %s to the toy model (--model toy), not to the transformer",
                         bad, k > 1 ? "apply" : "applies");
    }
    if (c->has_norm)
        a->norm_attn.kind = a->norm_mlp.kind = c->norm;
    int elementwise = a->norm_mlp.kind == SP_FN_DERF || a->norm_mlp.kind == SP_FN_DYT ||
                      a->norm_attn.kind == SP_FN_DERF || a->norm_attn.kind == SP_FN_DYT;
    if ((!isnan(alpha) || !isnan(c->alpha_attn) || !isnan(c->alpha_mlp) || !isnan(c->shift)) &&
        !elementwise)
        return cli_usage(cmd, "--alpha/--alpha-attn/--alpha-mlp/--shift need --norm derf or dyt (norm is %s)",
                         sp_fn_name(a->norm_mlp.kind));
    if (!isnan(alpha))
        a->norm_attn.alpha = a->norm_mlp.alpha = alpha;
    if (!isnan(c->alpha_attn))
        a->norm_attn.alpha = c->alpha_attn;
    if (!isnan(c->alpha_mlp))
        a->norm_mlp.alpha = c->alpha_mlp;
    if (!isnan(c->shift))
        a->norm_attn.shift = a->norm_mlp.shift = c->shift;
    if (c->tokens) a->tokens = c->tokens;
    if (c->width) {
        a->width = c->width;
        a->heads = 0; /* re-derived as width / 64 unless --heads */
    }
    if (c->heads) a->heads = c->heads;
    if (c->mlp_ratio) a->mlp_ratio = c->mlp_ratio;
    if (c->has_act) a->mlp_act = c->act;
    if (c->final_norm) a->final_norm = 1;
    if (!isnan(c->init_std)) {
        a->init_std = c->init_std;
        a->sigma_q = a->sigma_k = a->sigma_v = a->sigma_o = a->sigma_1 = a->sigma_2 = NAN;
        a->sigma_3 = NAN;
    }
    double *sig[6] = {&a->sigma_q, &a->sigma_k, &a->sigma_v, &a->sigma_o, &a->sigma_1, &a->sigma_2};
    for (int i = 0; i < 6; i++)
        if (!isnan(c->sigma[i]))
            *sig[i] = c->sigma[i];
    if (!isnan(c->sigma_3)) a->sigma_3 = c->sigma_3;
    if (c->mlp_hidden) a->mlp_hidden = c->mlp_hidden;
    else if (c->mlp_ratio) a->mlp_hidden = 0; /* --mlp-ratio wins over a preset's hidden width */
    if (c->kv_heads) a->kv_heads = c->kv_heads;
    if (c->has_mask) a->mask = c->mask;
    if (!isnan(c->rope_theta)) {
        a->rope = c->rope_theta > 0.0 ? SP_ROPE_INTERLEAVED : SP_ROPE_NONE;
        if (c->rope_theta > 0.0)
            a->rope_theta = c->rope_theta;
    }
    if (c->has_rope_pairing) {
        if (a->rope == SP_ROPE_NONE)
            return cli_usage(cmd, "--rope-pairing needs --rope THETA");
        a->rope = c->rope_pairing;
    }
    if (!isnan(c->norm_eps)) a->norm_eps = c->norm_eps;
    if (!isnan(c->embed_scale)) a->embed_scale = c->embed_scale < 0 ? sqrt((double)a->width) : c->embed_scale;
    if (!isnan(c->residual_scale))
        a->residual_scale = c->residual_scale < 0 ? 1.0 / sqrt(2.0 * a->depth) : c->residual_scale;
    if (a->mlp_act != SP_ACT_SWIGLU && !isnan(c->sigma_3))
        return cli_usage(cmd, "--sigma-3 applies to --mlp swiglu (the W3 of silu(W1 x) * (W3 x))");
    return 0;
}

/* --width changed the sigmas of a timm-style init (sigma = init_std sqrt(fan_in)):
 * say so once, with the resulting shorthands and the flags that keep the target's
 * sigmas. pre: the architecture before sp_arch_resolve; ref_width: the preset's
 * (or the default) width. */
static void note_width(const struct cli_arch *c, const char *cmd, const struct sp_arch *pre,
                       const struct sp_arch *a, int ref_width)
{
    const double *ps[6] = {&pre->sigma_q, &pre->sigma_k, &pre->sigma_v, &pre->sigma_o,
                           &pre->sigma_1, &pre->sigma_2};
    int derived = 0;
    for (int i = 0; i < 6; i++)
        derived |= isnan(*ps[i]);
    if (width_noted || !c->width || c->width == ref_width || !derived || cli_quiet)
        return;
    width_noted = 1;
    char keep[320] = "";
    for (int i = 0; i < 6; i++)
        if (isnan(*ps[i])) {
            double fan = i != 5 ? (double)ref_width
                         : pre->mlp_hidden > 0 ? (double)pre->mlp_hidden
                                               : (double)a->mlp_ratio * ref_width;
            size_t l = strlen(keep);
            snprintf(keep + l, sizeof keep - l, "%s%s %.6g", l ? " " : "", sigma_flag[i],
                     a->init_std * sqrt(fan) * (i == 3 || i == 5 ? a->residual_scale : 1.0));
        }
    char who[64];
    if (c->config_path)
        snprintf(who, sizeof who, "the config's width %d", ref_width);
    else if (c->preset)
        snprintf(who, sizeof who, "preset %s's width %d", c->preset, ref_width);
    else
        snprintf(who, sizeof who, "the default width %d", ref_width);
    cli_info("%s: note: --width %d differs from %s and the sigmas follow width "
             "(sigma = init-std %g x sqrt(fan_in)): s_OV = %.6g, s_21 = %.6g, s_QK = %.6g; "
             "to keep the sigmas of width %d give %s", cmd, c->width, who, a->init_std,
             sp_arch_s_ov(a), sp_arch_s_21(a), sp_arch_s_qk(a), ref_width, keep);
}

/* Once per run: what the config file set and what it holds that is not modelled. */
static void note_config(const struct cli_arch *c)
{
    if (config_noted || cli_quiet || c->config_path != config_path)
        return;
    config_noted = 1;
    const struct sp_config_info *in = &config_info;
    cli_info("config %s: model_type %s, %zu key(s) used, %zu default(s)", config_path,
             in->model_type, in->nused, in->ndefaulted);
    for (size_t i = 0; i < in->nnot_modelled && i < SP_CONFIG_MAX_NOTES; i++)
        cli_info("config: %s", in->not_modelled[i]);
    if (in->nunknown) {
        char list[512] = "";
        for (size_t i = 0; i < in->nunknown && i < SP_CONFIG_MAX_KEYS; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", in->unknown[i]);
        }
        cli_info("config: %zu unknown key(s), ignored: %s", in->nunknown, list);
    }
}

static void meta_list(cJSON *j, const char *name, const char (*list)[SP_CONFIG_KEY_LEN], size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(j, name);
    for (size_t i = 0; i < n && i < SP_CONFIG_MAX_KEYS; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(list[i]));
}

/* Whether the preset is defined with theory version A (its published version). */
static int preset_version_a(const char *preset)
{
    struct sp_arch a;
    int va = 0;
    sp_arch_default(&a);
    return preset && sp_preset_apply(preset, &a, &va) == SP_OK && va;
}

const char *cli_theory_version_source(const struct cli_arch *c)
{
    if (c->has_attention || c->has_apjn || c->has_cn)
        return "flags";
    return preset_version_a(c->preset) ? "preset" : "default";
}

void cli_theory_version_note(const struct cli_arch *c, char *buf, size_t n)
{
    const char *src = cli_theory_version_source(c);
    if (!strcmp(src, "preset"))
        snprintf(buf, n, " (preset %s's published version; every other configuration "
                 "defaults to C: docs/theory.md)", c->preset);
    else if (!strcmp(src, "flags"))
        snprintf(buf, n, " (set by --attention/--apjn/--cn)");
    else
        snprintf(buf, n, " (the default)");
}

void cli_theory_meta_source(cJSON *meta, const struct cli_arch *c)
{
    cJSON *t = cJSON_GetObjectItemCaseSensitive(meta, "theory");
    if (t)
        cJSON_AddStringToObject(t, "version_source", cli_theory_version_source(c));
}

size_t cli_caveats(const struct sp_arch *a, const struct sp_theory_opts *o,
                   int warn, cJSON *meta, char *buf, size_t n)
{
    struct sp_caveat cv[SP_CAVEATS_MAX];
    size_t k = sp_theory_caveats(a, o, cv, SP_CAVEATS_MAX);
    if (k > SP_CAVEATS_MAX)
        k = SP_CAVEATS_MAX;
    cJSON *arr = meta ? cJSON_AddArrayToObject(meta, "caveats") : NULL;
    if (buf && n)
        snprintf(buf, n, "%s", k ? "" : "none");
    for (size_t i = 0; i < k; i++) {
        if (warn)
            cli_info("warning: %s: %s", cv[i].code, cv[i].text);
        if (arr) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "code", cv[i].code);
            cJSON_AddStringToObject(j, "text", cv[i].text);
            cJSON_AddItemToArray(arr, j);
        }
        if (buf && n) {
            size_t l = strlen(buf);
            snprintf(buf + l, n - l, "%s%s", i ? ";" : "", cv[i].code);
        }
    }
    return k;
}

int cli_arch_build(const struct cli_arch *c, const char *cmd, double alpha, struct sp_arch *a,
                   struct sp_theory_opts *o)
{
    int version_a = 0, rc;
    sp_arch_default(a);
    if (c->preset && c->config_path)
        return cli_usage(cmd, "--preset and --config both set the architecture; give one");
    if (c->preset)
        sp_preset_apply(c->preset, a, &version_a);
    if (c->config_path) {
        *a = c->config_arch;
        note_config(c);
    }
    if (c->has_model)
        a->model = c->model;
    int ref_width = a->width;
    if (c->depth) a->depth = c->depth;
    if (!isnan(c->q0)) a->q0 = c->q0;
    if (!isnan(c->p0)) a->p0 = c->p0;
    rc = a->model == SP_MODEL_TOY ? build_toy(c, cmd, alpha, a)
                                  : build_transformer(c, cmd, alpha, a);
    if (rc)
        return rc;
    if (a->p0 > a->q0)
        return cli_usage(cmd, "--p0 %g exceeds --q0 %g (the overlap cannot exceed the norm)",
                         a->p0, a->q0);
    char err[256];
    struct sp_arch pre = *a;
    if (sp_arch_resolve(a, err, sizeof err) != SP_OK)
        return cli_usage(cmd, "%s", err);
    if (a->model == SP_MODEL_TRANSFORMER && !c->proxy_width)
        note_width(c, cmd, &pre, a, ref_width);
    if (a->model == SP_MODEL_TRANSFORMER && c->proxy_width) {
        /* a narrower copy with the target's resolved sigmas, heads and hidden ratio */
        struct sp_arch t = *a;
        if (c->proxy_width > t.width)
            return cli_usage(cmd, "--proxy-width %d exceeds the target width %d", c->proxy_width,
                             t.width);
        if (c->proxy_width % t.heads != 0)
            return cli_usage(cmd, "--proxy-width %d is not a multiple of the target's %d heads "
                             "(give --heads for the target)", c->proxy_width, t.heads);
        a->width = c->proxy_width;
        double h = (double)sp_arch_mlp_hidden(&t) * c->proxy_width / t.width;
        a->mlp_hidden = h < 1.0 ? 1 : (int)floor(h + 0.5);
        if (sp_arch_resolve(a, err, sizeof err) != SP_OK)
            return cli_usage(cmd, "--proxy-width %d: %s", c->proxy_width, err);
        if (!width_noted && !cli_quiet)
            cli_info("%s: proxy: width %d for the target width %d, with the target's sigmas "
                     "(s_OV = %.6g, s_21 = %.6g, s_QK = %.6g), %d heads (head dim %d -> %d), "
                     "MLP hidden %d -> %d", cmd, a->width, t.width, sp_arch_s_ov(a),
                     sp_arch_s_21(a), sp_arch_s_qk(a), a->heads, t.width / t.heads,
                     a->width / a->heads, sp_arch_mlp_hidden(&t), sp_arch_mlp_hidden(a));
        width_noted = 1;
    }

    if (version_a)
        sp_theory_opts_version_a(o);
    else
        sp_theory_opts_version_c(o);
    if (c->has_attention) o->attention = c->attention;
    if (c->has_apjn) o->apjn = c->apjn;
    if (c->has_cn) o->cn_exact = c->cn_exact;
    if (o->cn_exact && o->apjn != SP_APJN_TWO_CHANNEL)
        return cli_usage(cmd, "--cn applies to --apjn two-channel");
    return 0;
}

double cli_fn_alpha(const struct sp_fnspec *f)
{
    return f->kind == SP_FN_DERF || f->kind == SP_FN_DYT ? f->alpha : (double)NAN;
}

void cli_norm_label(const struct sp_arch *a, char *buf, size_t n)
{
    sp_record_norm(a, buf, n); /* the records' norm column (sigprop/records.h) */
}

void cli_arch_help(FILE *f)
{
    struct sp_arch d;
    sp_arch_default(&d);
    fprintf(f,
        "Architecture (preset or config first, then flags; explicit flags always win):\n"
        "  --preset NAME         a named architecture (list below)\n"
        "  --config FILE         a Hugging Face config.json (LlamaConfig, GPT2Config,\n"
        "                        ViTConfig; docs/config.md; configs/ has examples)\n"
        "  --model M             transformer | toy (default transformer)\n"
        "  --norm N              ln | rms | dyt | derf | none (default ln); on the toy,\n"
        "                        derf/dyt mean no norm with phi = erf/tanh, ln means\n"
        "                        phi(LN(h))\n"
        "  --alpha A             a value, a list a,b,c or start:stop:step (stop included)\n"
        "  --alpha-attn A        alpha of the attention norm (overrides --alpha)\n"
        "  --alpha-mlp A         alpha of the MLP norm (overrides --alpha)\n"
        "  --shift S             Derf/DyT shift s in erf(alpha x + s) (default 0)\n"
        "  --depth L             blocks (toy: layers) (default %d)\n"
        "  --tokens N            tokens n (default %d)\n"
        "  --width D             width d (default %d)\n"
        "  --heads H             attention heads (default width/64)\n"
        "  --mlp-ratio R         MLP hidden width / d (default %d)\n"
        "  --mlp A, --activation A  relu | gelu | swiglu: W2 act(W1 x), SwiGLU\n"
        "                        W2 (silu(W1 x) * (W3 x)) (default relu)\n"
        "  --mlp-hidden N        MLP hidden width (default mlp-ratio x width)\n"
        "  --final-norm          apply the MLP norm after the last block (measurement)\n"
        "  --init-std S          timm-style init: sigma_X = S sqrt(fan_in) (default %g)\n"
        "  --sigma-q/-k/-v/-o/-1/-2/-3 X  per-matrix sigmas (variance sigma^2 / fan_in;\n"
        "                        -3: SwiGLU's W3)\n"
        "  --residual-scale S    times the derived sigma_o, sigma_2; gpt2: 1/sqrt(2L)\n"
        "  --kv-heads K          grouped-query attention: K/V heads (default heads)\n"
        "  --attention-mask M    none | causal (default none)\n"
        "  --rope THETA          rotary position embeddings with base THETA (none: off)\n"
        "  --rope-pairing P      interleaved (Meta, llama2.c) | half (Hugging Face)\n"
        "  --norm-eps E          LN / RMSNorm epsilon (default 1e-05)\n"
        "  --embed-scale S       scale of the input tokens; sqrt-d: sqrt(width) (default 1)\n"
        "  --proxy-width D       run a copy D wide that keeps the target's sigmas, heads and\n"
        "                        MLP ratio (the physics of the target at a cost ~ D^2)\n"
        "  --q0 Q --p0 P         input token norm and overlap per component (default %g, %g)\n"
        "Toy residual network (--model toy):\n"
        "  --phi F               erf | tanh | identity | relu (default erf)\n"
        "  --sigma-w S --mu M --sigma-b B   (default %g, %g, %g)\n"
        "Theory version (default C in every command; preset blog2 keeps its published\n"
        "version A in every command; docs/theory.md says when they differ):\n"
        "  --attention A         softmax (version A) | uniform (n -> inf, version C) |\n"
        "                        uniform-exact (exact finite n) | gaussian (softmax of\n"
        "                        Gaussian logits at O(1) s_QK with the logit path in\n"
        "                        the APJN, version G; docs/derivations/softmax.md)\n"
        "  --apjn V              single (version A) | two-channel (version C)\n"
        "  --cn C                one (author's code) | exact: c_n = (n-1)/n (two-channel)\n"
        "Presets:\n",
        d.depth, d.tokens, d.width, d.mlp_ratio, d.init_std, d.q0, d.p0, d.sigma_w, d.mu,
        d.sigma_b);
    for (int i = 0; sp_preset_names[i]; i++)
        fprintf(f, "  %-10s %s\n", sp_preset_names[i], sp_preset_descriptions[i]);
}

void cli_arch_meta(cJSON *meta, const struct sp_arch *a, const struct sp_theory_opts *o)
{
    cJSON *j = cJSON_AddObjectToObject(meta, "arch");
    cJSON_AddStringToObject(j, "model", a->model == SP_MODEL_TOY ? "toy" : "transformer");
    cJSON_AddNumberToObject(j, "depth", a->depth);
    cJSON_AddNumberToObject(j, "q0", a->q0);
    cJSON_AddNumberToObject(j, "p0", a->p0);
    if (a->model == SP_MODEL_TOY) {
        cJSON_AddBoolToObject(j, "pre_ln", a->toy_ln);
        cJSON_AddStringToObject(j, "phi", sp_fn_name(a->phi.kind));
        cJSON_AddNumberToObject(j, "alpha", a->phi.alpha);
        cJSON_AddNumberToObject(j, "shift", a->phi.shift);
        cJSON_AddNumberToObject(j, "mu", a->mu);
        cJSON_AddNumberToObject(j, "sigma_w", a->sigma_w);
        cJSON_AddNumberToObject(j, "sigma_b", a->sigma_b);
    } else {
        cJSON_AddNumberToObject(j, "tokens", a->tokens);
        cJSON_AddNumberToObject(j, "width", a->width);
        cJSON_AddNumberToObject(j, "heads", a->heads);
        cJSON_AddNumberToObject(j, "mlp_ratio", a->mlp_ratio);
        cJSON_AddStringToObject(j, "activation", sp_act_name(a->mlp_act));
        cJSON_AddNumberToObject(j, "mlp_hidden", sp_arch_mlp_hidden(a));
        cJSON_AddNumberToObject(j, "kv_heads", sp_arch_kv_heads(a));
        cJSON_AddStringToObject(j, "attention_mask", a->mask == SP_MASK_CAUSAL ? "causal" : "none");
        static const char *rp[] = {"none", "interleaved", "half"};
        cJSON_AddStringToObject(j, "rope", rp[a->rope]);
        cJSON_AddNumberToObject(j, "rope_theta", a->rope_theta);
        cJSON_AddNumberToObject(j, "norm_eps", a->norm_eps);
        cJSON_AddNumberToObject(j, "embed_scale", a->embed_scale);
        cJSON_AddNumberToObject(j, "residual_scale", a->residual_scale);
        if (a->mlp_act == SP_ACT_SWIGLU)
            cJSON_AddNumberToObject(j, "sigma_3", a->sigma_3);
        cJSON_AddBoolToObject(j, "final_norm", a->final_norm);
        cJSON_AddStringToObject(j, "norm_attn", sp_fn_name(a->norm_attn.kind));
        cJSON_AddNumberToObject(j, "alpha_attn", a->norm_attn.alpha);
        cJSON_AddStringToObject(j, "norm_mlp", sp_fn_name(a->norm_mlp.kind));
        cJSON_AddNumberToObject(j, "alpha_mlp", a->norm_mlp.alpha);
        cJSON_AddNumberToObject(j, "shift", a->norm_mlp.shift);
        cJSON_AddNumberToObject(j, "init_std", a->init_std);
        cJSON_AddNumberToObject(j, "sigma_q", a->sigma_q);
        cJSON_AddNumberToObject(j, "sigma_k", a->sigma_k);
        cJSON_AddNumberToObject(j, "sigma_v", a->sigma_v);
        cJSON_AddNumberToObject(j, "sigma_o", a->sigma_o);
        cJSON_AddNumberToObject(j, "sigma_1", a->sigma_1);
        cJSON_AddNumberToObject(j, "sigma_2", a->sigma_2);
    }
    if (config_path) {
        const struct sp_config_info *in = &config_info;
        cJSON *cj = cJSON_AddObjectToObject(meta, "config");
        cJSON_AddStringToObject(cj, "path", config_path);
        cJSON_AddStringToObject(cj, "model_type", in->model_type);
        meta_list(cj, "keys_used", in->used, in->nused);
        meta_list(cj, "defaults", in->defaulted, in->ndefaulted);
        cJSON *nm = cJSON_AddArrayToObject(cj, "not_modelled");
        for (size_t i = 0; i < in->nnot_modelled && i < SP_CONFIG_MAX_NOTES; i++)
            cJSON_AddItemToArray(nm, cJSON_CreateString(in->not_modelled[i]));
        meta_list(cj, "unknown", in->unknown, in->nunknown);
    }
    if (o) {
        cJSON *t = cJSON_AddObjectToObject(meta, "theory");
        static const char *att[] = {"softmax", "uniform", "uniform-exact", "gaussian"};
        cJSON_AddStringToObject(t, "version", sp_theory_version(o));
        cJSON_AddStringToObject(t, "attention", att[o->attention]);
        cJSON_AddStringToObject(t, "apjn", o->apjn == SP_APJN_SINGLE ? "single" : "two-channel");
        cJSON_AddStringToObject(t, "cn", o->cn_exact ? "exact" : "one");
    }
}
