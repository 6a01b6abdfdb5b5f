/* The architecture settings by name (sigprop/archspec.h): set() (one key's text
 * value, parsed and validated by the key table of archkeys.c) and build() (preset
 * or config, then the keys, then derived sigmas; SPEC 1.1, 1.2). The CLI's flags
 * and Python's keywords both go through here; how a reason names a key (flag,
 * keyword or plain) is the caller's choice, what the key means is not. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archkeys.h"
#include "sigprop/archspec.h"

/* ---- naming keys in reasons ---- */

/* Up to 8 rendered names per message. */
struct names {
    char b[8][96];
    int i;
};

const char *archkey_style_name(enum sp_archkey_style style, const char *name, const char *value,
                               char *b, size_t n)
{
    switch (style) {
    case SP_ARCHKEY_STYLE_FLAG:
        snprintf(b, n, "--%s%s%s", name, value ? " " : "", value ? value : "");
        break;
    case SP_ARCHKEY_STYLE_KEYWORD: {
        snprintf(b, n, "%s", name);
        for (char *p = b; *p; p++)
            if (*p == '-')
                *p = '_';
        size_t l = strlen(b);
        if (value)
            snprintf(b + l, n - l, "='%s'", value);
        break;
    }
    default: snprintf(b, n, "%s%s%s", name, value ? " " : "", value ? value : ""); break;
    }
    return b;
}

/* The key (and with value, "key value") as the request's style writes it. */
static const char *kn(struct names *r, const struct sp_archspec *s, const char *name,
                      const char *value)
{
    return archkey_style_name(s->style, name, value, r->b[r->i++ & 7], sizeof r->b[0]);
}

/* ---- the request ---- */

void sp_archspec_init(struct sp_archspec *s)
{
    memset(s, 0, sizeof *s);
    s->alpha_attn = s->alpha_mlp = s->shift = s->init_std = NAN;
    for (int i = 0; i < 6; i++)
        s->sigma[i] = NAN;
    s->sigma_w = s->mu = s->sigma_b = s->q0 = s->p0 = NAN;
    s->sigma_3 = s->rope_theta = s->norm_eps = s->embed_scale = s->residual_scale = NAN;
    s->style = SP_ARCHKEY_STYLE_PLAIN;
}

void sp_archspec_free(struct sp_archspec *s)
{
    if (!s)
        return;
    free(s->alphas);
    free(s->config_path);
    free(s->config_info);
    s->alphas = NULL;
    s->nalpha = 0;
    s->config_path = NULL;
    s->config_info = NULL;
}

struct sp_archspec *sp_archspec_new(enum sp_archkey_style style)
{
    struct sp_archspec *s = malloc(sizeof *s);
    if (s) {
        sp_archspec_init(s);
        s->style = style;
    }
    return s;
}

void sp_archspec_delete(struct sp_archspec *s)
{
    sp_archspec_free(s);
    free(s);
}

static int given(const struct sp_archspec *s, const struct key *e)
{
    const char *p = (const char *)s + e->off;
    switch (e->k.kind) {
    case SP_ARCHKEY_INT:
    case SP_ARCHKEY_FLAG: return *(const int *)p != 0;
    case SP_ARCHKEY_REAL: return !isnan(*(const double *)p);
    case SP_ARCHKEY_LIST: return s->nalpha > 0;
    case SP_ARCHKEY_CHOICE: return *(const int *)((const char *)s + e->has_off) != 0;
    case SP_ARCHKEY_PRESET: return s->preset != NULL;
    case SP_ARCHKEY_FILE: return s->config_path != NULL;
    }
    return 0;
}

int sp_archspec_given(const struct sp_archspec *s, const char *key)
{
    const struct key *e = archkey_entry(key);
    return e && given(s, e);
}

/* "a, b, c" of the words. */
enum sp_status sp_parse_choice(const char *name, const char *const *words, const char *value,
                               int *index)
{
    char list[256] = "";
    for (int i = 0; words[i]; i++) {
        if (value && !strcmp(value, words[i])) {
            *index = i;
            return SP_OK;
        }
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", words[i]);
    }
    return sp_fail(SP_EINVAL, "%s: '%s' is not one of %s", name, value ? value : "", list);
}

static enum sp_status set_config(struct sp_archspec *s, const char *name, const char *path)
{
    struct sp_config_info *info = malloc(sizeof *info);
    char *copy = strdup(path);
    if (!info || !copy) {
        free(info);
        free(copy);
        return sp_fail(SP_ENOMEM, "%s %s: out of memory", name, path);
    }
    struct sp_arch a;
    sp_arch_default(&a);
    enum sp_status st = sp_config_read(path, &a, info);
    if (st != SP_OK) {
        free(info);
        free(copy);
        return sp_fail(st, "%s %s: %s", name, path, sp_last_error());
    }
    free(s->config_path);
    free(s->config_info);
    s->config_path = copy;
    s->config_info = info;
    s->config_arch = a;
    return SP_OK;
}

enum sp_status sp_archspec_set(struct sp_archspec *s, const char *key, const char *value)
{
    struct names r = {.i = 0};
    const struct key *e = archkey_entry(key);
    if (!e)
        return sp_fail(SP_EINVAL, "unknown architecture key '%s'", key ? key : "");
    if (e->k.alias_of && archkey_entry(e->k.alias_of))
        e = archkey_entry(e->k.alias_of);
    const char *name = kn(&r, s, e->k.name, NULL);
    if (!value && e->k.kind != SP_ARCHKEY_FLAG)
        return sp_fail(SP_EINVAL, "%s needs a value", name);
    char *p = (char *)s + e->off;
    int i = 0;
    switch (e->k.kind) {
    case SP_ARCHKEY_INT: {
        long long v;
        enum sp_status st = sp_parse_int(name, value, (long long)e->k.lo, (long long)e->k.hi, &v);
        if (st == SP_OK)
            *(int *)p = (int)v;
        return st;
    }
    case SP_ARCHKEY_REAL:
        if (e->k.word && !strcmp(value, e->k.word)) {
            *(double *)p = e->word_value;
            return SP_OK;
        }
        return sp_parse_real(name, value, e->k.lo, e->k.hi, (double *)p);
    case SP_ARCHKEY_LIST:
        free(s->alphas);
        return sp_parse_list(name, value, e->k.lo, e->k.hi, 0, &s->alphas, &s->nalpha);
    case SP_ARCHKEY_CHOICE:
        if (sp_parse_choice(name, e->k.choices, value, &i) != SP_OK)
            return SP_EINVAL;
        *(int *)p = e->values[i];
        *(int *)((char *)s + e->has_off) = 1;
        return SP_OK;
    case SP_ARCHKEY_FLAG: *(int *)p = 1; return SP_OK;
    case SP_ARCHKEY_PRESET:
        if (sp_parse_choice(name, sp_preset_names, value, &i) != SP_OK)
            return SP_EINVAL;
        s->preset = sp_preset_names[i];
        return SP_OK;
    case SP_ARCHKEY_FILE: return set_config(s, name, value);
    }
    return sp_fail(SP_EINVAL, "%s: unhandled key kind", name);
}

/* ---- build ---- */

/* The keys given that belong to scope (a and b), as "--tokens, --heads"; returns
 * how many. */
static int given_list(const struct sp_archspec *s, int scope_a, int scope_b, char *buf, size_t n)
{
    struct names r = {.i = 0};
    int k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < archkey_count(); i++) {
        const struct key *e = archkey_entry_at(i);
        if (e->k.alias_of || ((int)e->k.group != scope_a && (int)e->k.group != scope_b) ||
            !given(s, e))
            continue;
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", k++ ? ", " : "", kn(&r, s, e->k.name, NULL));
    }
    return k;
}

static enum sp_status build_toy(const struct sp_archspec *c, double alpha, struct sp_arch *a)
{
    struct names r = {.i = 0};
    char bad[1024];
    int nbad = given_list(c, SP_ARCHKEY_TRANSFORMER, SP_ARCHKEY_THEORY, bad, sizeof bad);
    if (nbad) {
        char takes[512] = "";
        int k = 0;
        for (size_t i = 0; i < archkey_count(); i++) {
            const struct key *e = archkey_entry_at(i);
            if (e->k.alias_of || (e->k.group != SP_ARCHKEY_ANY && e->k.group != SP_ARCHKEY_TOY) ||
                e->k.kind == SP_ARCHKEY_PRESET || e->k.kind == SP_ARCHKEY_FILE ||
                !strcmp(e->k.name, "model"))
                continue;
            size_t l = strlen(takes);
            snprintf(takes + l, sizeof takes - l, "%s%s", k++ ? ", " : "",
                     kn(&r, c, e->k.name, NULL));
        }
        return sp_fail(SP_EINVAL, "%s %s to the transformer, not to %s (the toy takes %s)", bad,
                       nbad > 1 ? "apply" : "applies", kn(&r, c, "model", "toy"), takes);
    }
    if (c->width)
        a->width = c->width;
    if (c->has_norm) {
        switch (c->norm) {
        case SP_FN_LN: a->toy_ln = 1; break;
        case SP_FN_RMS: /* the toy's LN is the mean-field RMSNorm */
            return sp_fail(SP_EINVAL,
                           "%s applies to the transformer; the toy's pre-norm is %s "
                           "(the same at mean field)",
                           kn(&r, c, "norm", "rms"), kn(&r, c, "norm", "ln"));
        case SP_FN_IDENTITY: a->toy_ln = 0; break;
        case SP_FN_DERF:
        case SP_FN_DYT:
            if (c->has_phi)
                return sp_fail(SP_EINVAL, "%s on the toy means phi = %s; do not also give %s",
                               kn(&r, c, "norm", sp_fn_name(c->norm)),
                               c->norm == SP_FN_DERF ? "erf" : "tanh", kn(&r, c, "phi", NULL));
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
        return sp_fail(SP_EINVAL, "%s needs phi erf or tanh (phi is %s)", kn(&r, c, "alpha", NULL),
                       a->phi.kind == SP_FN_RELU ? "relu" : "identity");
    if (!isnan(c->sigma_w))
        a->sigma_w = c->sigma_w;
    if (!isnan(c->mu))
        a->mu = c->mu;
    if (!isnan(c->sigma_b))
        a->sigma_b = c->sigma_b;
    return SP_OK;
}

static enum sp_status build_transformer(const struct sp_archspec *c, double alpha,
                                        struct sp_arch *a)
{
    struct names r = {.i = 0};
    char bad[512];
    int nbad = given_list(c, SP_ARCHKEY_TOY, SP_ARCHKEY_TOY, bad, sizeof bad);
    if (nbad)
        return sp_fail(SP_EINVAL, "%s %s to the toy model (%s), not to the transformer", bad,
                       nbad > 1 ? "apply" : "applies", kn(&r, c, "model", "toy"));
    if (c->has_norm)
        a->norm_attn.kind = a->norm_mlp.kind = c->norm;
    int elementwise = a->norm_mlp.kind == SP_FN_DERF || a->norm_mlp.kind == SP_FN_DYT ||
                      a->norm_attn.kind == SP_FN_DERF || a->norm_attn.kind == SP_FN_DYT;
    if ((!isnan(alpha) || !isnan(c->alpha_attn) || !isnan(c->alpha_mlp) || !isnan(c->shift)) &&
        !elementwise) {
        const char *n[4] = {kn(&r, c, "alpha", NULL), kn(&r, c, "alpha-attn", NULL),
                            kn(&r, c, "alpha-mlp", NULL), kn(&r, c, "shift", NULL)};
        return sp_fail(SP_EINVAL, "%s/%s/%s/%s need %s or dyt (norm is %s)", n[0], n[1], n[2], n[3],
                       kn(&r, c, "norm", "derf"), sp_fn_name(a->norm_mlp.kind));
    }
    if (!isnan(alpha))
        a->norm_attn.alpha = a->norm_mlp.alpha = alpha;
    if (!isnan(c->alpha_attn))
        a->norm_attn.alpha = c->alpha_attn;
    if (!isnan(c->alpha_mlp))
        a->norm_mlp.alpha = c->alpha_mlp;
    if (!isnan(c->shift))
        a->norm_attn.shift = a->norm_mlp.shift = c->shift;
    if (c->tokens)
        a->tokens = c->tokens;
    if (c->width) {
        a->width = c->width;
        a->heads = 0; /* re-derived as width / 64 unless heads is given */
    }
    if (c->heads)
        a->heads = c->heads;
    if (c->mlp_ratio)
        a->mlp_ratio = c->mlp_ratio;
    if (c->has_act)
        a->mlp_act = c->act;
    if (c->final_norm)
        a->final_norm = 1;
    if (!isnan(c->init_std)) {
        a->init_std = c->init_std;
        a->sigma_q = a->sigma_k = a->sigma_v = a->sigma_o = a->sigma_1 = a->sigma_2 = NAN;
        a->sigma_3 = NAN;
    }
    double *sig[6] = {&a->sigma_q, &a->sigma_k, &a->sigma_v, &a->sigma_o, &a->sigma_1, &a->sigma_2};
    for (int i = 0; i < 6; i++)
        if (!isnan(c->sigma[i]))
            *sig[i] = c->sigma[i];
    if (!isnan(c->sigma_3))
        a->sigma_3 = c->sigma_3;
    if (c->mlp_hidden)
        a->mlp_hidden = c->mlp_hidden;
    else if (c->mlp_ratio)
        a->mlp_hidden = 0; /* mlp-ratio wins over a preset's hidden width */
    if (c->kv_heads)
        a->kv_heads = c->kv_heads;
    if (c->has_mask)
        a->mask = c->mask;
    if (!isnan(c->rope_theta)) {
        a->rope = c->rope_theta > 0.0 ? SP_ROPE_INTERLEAVED : SP_ROPE_NONE;
        if (c->rope_theta > 0.0)
            a->rope_theta = c->rope_theta;
    }
    if (c->has_rope_pairing) {
        if (a->rope == SP_ROPE_NONE)
            return sp_fail(SP_EINVAL, "%s needs %s THETA", kn(&r, c, "rope-pairing", NULL),
                           kn(&r, c, "rope", NULL));
        a->rope = c->rope_pairing;
    }
    if (!isnan(c->norm_eps))
        a->norm_eps = c->norm_eps;
    if (!isnan(c->embed_scale))
        a->embed_scale = c->embed_scale < 0 ? sqrt((double)a->width) : c->embed_scale;
    if (!isnan(c->residual_scale))
        a->residual_scale = c->residual_scale < 0 ? 1.0 / sqrt(2.0 * a->depth) : c->residual_scale;
    if (a->mlp_act != SP_ACT_SWIGLU && !isnan(c->sigma_3))
        return sp_fail(SP_EINVAL, "%s applies to %s (the W3 of silu(W1 x) * (W3 x))",
                       kn(&r, c, "sigma-3", NULL), kn(&r, c, "mlp", "swiglu"));
    return SP_OK;
}

/* The width given changed sigmas that follow init_std (sigma = init_std
 * sqrt(fan_in)): the sigmas that would keep ref_width's. pre: the architecture
 * before sp_arch_resolve. */
static void width_note(const struct sp_archspec *c, const struct sp_arch *pre,
                       const struct sp_arch *a, int ref_width, struct sp_archspec_notes *n)
{
    const double *ps[6] = {&pre->sigma_q, &pre->sigma_k, &pre->sigma_v,
                           &pre->sigma_o, &pre->sigma_1, &pre->sigma_2};
    int derived = 0;
    for (int i = 0; i < 6; i++)
        derived |= isnan(*ps[i]);
    n->ref_width = ref_width;
    n->ref_source = c->config_path ? "config" : c->preset ? "preset" : "default";
    n->width_changed = c->width && c->width != ref_width && derived;
    for (int i = 0; i < 6; i++) {
        double fan = i != 5                ? (double)ref_width
                     : pre->mlp_hidden > 0 ? (double)pre->mlp_hidden
                                           : (double)a->mlp_ratio * ref_width;
        n->keep[i] = !isnan(*ps[i])
                         ? (double)NAN
                         : a->init_std * sqrt(fan) * (i == 3 || i == 5 ? a->residual_scale : 1.0);
    }
}

/* A narrower copy of the resolved target a with its sigmas, heads and hidden ratio. */
static enum sp_status build_proxy(const struct sp_archspec *c, struct sp_arch *a,
                                  struct sp_archspec_notes *n)
{
    struct names r = {.i = 0};
    const char *name = kn(&r, c, "proxy-width", NULL);
    struct sp_arch t = *a;
    if (c->proxy_width > t.width)
        return sp_fail(SP_EINVAL, "%s %d exceeds the target width %d", name, c->proxy_width,
                       t.width);
    if (c->proxy_width % t.heads != 0)
        return sp_fail(SP_EINVAL,
                       "%s %d is not a multiple of the target's %d heads (give %s "
                       "for the target)",
                       name, c->proxy_width, t.heads, kn(&r, c, "heads", NULL));
    a->width = c->proxy_width;
    double h = (double)sp_arch_mlp_hidden(&t) * c->proxy_width / t.width;
    a->mlp_hidden = h < 1.0 ? 1 : (int)floor(h + 0.5);
    char err[256];
    if (sp_arch_resolve(a, err, sizeof err) != SP_OK)
        return sp_fail(SP_EINVAL, "%s %d: %s", name, c->proxy_width, err);
    n->proxy = 1;
    n->target_width = t.width;
    n->target_heads = t.heads;
    n->target_hidden = sp_arch_mlp_hidden(&t);
    return SP_OK;
}

/* Whether the preset is defined with theory version A (its published version). */
static int preset_version_a(const char *preset)
{
    struct sp_arch a;
    int va = 0;
    sp_arch_default(&a);
    return preset && sp_preset_apply(preset, &a, &va) == SP_OK && va;
}

const char *sp_archspec_version_source(const struct sp_archspec *s)
{
    if (s->has_attention || s->has_apjn || s->has_cn)
        return "flags";
    return preset_version_a(s->preset) ? "preset" : "default";
}

size_t sp_archspec_version_note(const struct sp_archspec *s, char *buf, size_t n)
{
    struct names r = {.i = 0};
    const char *src = sp_archspec_version_source(s);
    int k;
    if (!strcmp(src, "preset"))
        k = snprintf(buf, n, " (preset %s's published version; every other configuration "
                     "defaults to C: docs/theory.md)", s->preset);
    else if (!strcmp(src, "flags"))
        k = snprintf(buf, n, " (set by %s/%s/%s)", kn(&r, s, "attention", NULL),
                     kn(&r, s, "apjn", NULL), kn(&r, s, "cn", NULL));
    else
        k = snprintf(buf, n, " (the default)");
    return k > 0 ? (size_t)k : 0;
}

enum sp_status sp_archspec_build(const struct sp_archspec *c, double alpha, struct sp_arch *a,
                                 struct sp_theory_opts *o, struct sp_archspec_notes *notes)
{
    struct names r = {.i = 0};
    struct sp_archspec_notes scratch;
    struct sp_archspec_notes *n = notes ? notes : &scratch;
    memset(n, 0, sizeof *n);
    for (int i = 0; i < 6; i++)
        n->keep[i] = NAN;
    n->version_source = sp_archspec_version_source(c);
    int version_a = 0;
    enum sp_status st;
    sp_arch_default(a);
    if (c->preset && c->config_path)
        return sp_fail(SP_EINVAL, "%s and %s both set the architecture; give one",
                       kn(&r, c, "preset", NULL), kn(&r, c, "config", NULL));
    if (c->preset && (st = sp_preset_apply(c->preset, a, &version_a)) != SP_OK)
        return st;
    if (c->config_path)
        *a = c->config_arch;
    if (c->has_model)
        a->model = c->model;
    int ref_width = a->width;
    if (c->depth)
        a->depth = c->depth;
    if (!isnan(c->q0))
        a->q0 = c->q0;
    if (!isnan(c->p0))
        a->p0 = c->p0;
    st = a->model == SP_MODEL_TOY ? build_toy(c, alpha, a) : build_transformer(c, alpha, a);
    if (st != SP_OK)
        return st;
    if (a->p0 > a->q0)
        return sp_fail(SP_EINVAL, "%s %g exceeds %s %g (the overlap cannot exceed the norm)",
                       kn(&r, c, "p0", NULL), a->p0, kn(&r, c, "q0", NULL), a->q0);
    struct sp_arch pre = *a;
    char err[256];
    if ((st = sp_arch_resolve(a, err, sizeof err)) != SP_OK)
        return st; /* the reason is sp_arch_resolve's */
    if (a->model == SP_MODEL_TRANSFORMER && !c->proxy_width)
        width_note(c, &pre, a, ref_width, n);
    if (a->model == SP_MODEL_TRANSFORMER && c->proxy_width && (st = build_proxy(c, a, n)) != SP_OK)
        return st;
    if (version_a)
        sp_theory_opts_version_a(o);
    else
        sp_theory_opts_version_c(o);
    if (c->has_attention)
        o->attention = c->attention;
    if (c->has_apjn)
        o->apjn = c->apjn;
    if (c->has_cn)
        o->cn_exact = c->cn_exact;
    if (o->cn_exact && o->apjn != SP_APJN_TWO_CHANNEL)
        return sp_fail(SP_EINVAL, "%s applies to %s", kn(&r, c, "cn", NULL),
                       kn(&r, c, "apjn", "two-channel"));
    return SP_OK;
}

size_t sp_archspec_note(const struct sp_archspec *c, const struct sp_arch *a,
                        const struct sp_archspec_notes *n, char *buf, size_t len)
{
    struct names r = {.i = 0};
    int k = 0;
    if (len)
        buf[0] = 0;
    if (n->proxy) {
        k = snprintf(buf, len, "proxy: width %d for the target width %d, with the target's sigmas "
                     "(s_OV = %.6g, s_21 = %.6g, s_QK = %.6g), %d heads (head dim %d -> %d), "
                     "MLP hidden %d -> %d", a->width, n->target_width, sp_arch_s_ov(a),
                     sp_arch_s_21(a), sp_arch_s_qk(a), a->heads, n->target_width / n->target_heads,
                     a->width / a->heads, n->target_hidden, sp_arch_mlp_hidden(a));
        return k > 0 ? (size_t)k : 0;
    }
    if (!n->width_changed)
        return 0;
    static const char *const sigma[6] = {"sigma-q", "sigma-k", "sigma-v",
                                         "sigma-o", "sigma-1", "sigma-2"};
    char keep[320] = "", v[32], who[64];
    for (int i = 0; i < 6; i++)
        if (!isnan(n->keep[i])) {
            size_t l = strlen(keep);
            snprintf(v, sizeof v, "%.6g", n->keep[i]);
            snprintf(keep + l, sizeof keep - l, "%s%s", l ? " " : "", kn(&r, c, sigma[i], v));
        }
    if (!strcmp(n->ref_source, "config"))
        snprintf(who, sizeof who, "the config's width %d", n->ref_width);
    else if (!strcmp(n->ref_source, "preset"))
        snprintf(who, sizeof who, "preset %s's width %d", c->preset, n->ref_width);
    else
        snprintf(who, sizeof who, "the default width %d", n->ref_width);
    snprintf(v, sizeof v, "%d", c->width);
    k = snprintf(buf, len, "note: %s differs from %s and the sigmas follow width (sigma = "
                 "init-std %g x sqrt(fan_in)): s_OV = %.6g, s_21 = %.6g, s_QK = %.6g; to keep "
                 "the sigmas of width %d give %s", kn(&r, c, "width", v), who, a->init_std,
                 sp_arch_s_ov(a), sp_arch_s_21(a), sp_arch_s_qk(a), n->ref_width, keep);
    return k > 0 ? (size_t)k : 0;
}
