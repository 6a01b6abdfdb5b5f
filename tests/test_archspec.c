/* Tests of the architecture settings by name (sigprop/archspec.h): the value
 * syntax, every key of the table parsing its documented syntax, bad values
 * refused with a reason naming the key in each style, and build(): presets,
 * config, derived values, the notes and every refusal. Expected values are the
 * definitions themselves (SPEC 1.2: sigma = init_std sqrt(fan_in)) or the
 * presets' published numbers (include/sigprop/core.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop/archspec.h"

static int has(const char *hay, const char *needle)
{
    int ok = strstr(hay, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  reason '%s' lacks '%s'\n", hay, needle);
    return ok;
}

/* set must fail with status st and a reason containing want. */
static void refused(struct sp_archspec *s, const char *key, const char *value, const char *want)
{
    sp_last_error_clear();
    CHECK(sp_archspec_set(s, key, value) == SP_EINVAL);
    CHECK(has(sp_last_error(), want));
}

/* build of a fresh request with keys k[i] = v[i] must fail naming want. */
static void build_refused(const char *const *kv, const char *want)
{
    struct sp_archspec s;
    struct sp_arch a;
    struct sp_theory_opts o;
    sp_archspec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    for (size_t i = 0; kv[i]; i += 2)
        CHECK(sp_archspec_set(&s, kv[i], kv[i + 1]) == SP_OK);
    sp_last_error_clear();
    CHECK(sp_archspec_build(&s, NAN, &a, &o, NULL) == SP_EINVAL);
    CHECK(has(sp_last_error(), want));
    sp_archspec_free(&s);
}

static void test_value_syntax(void)
{
    double v;
    long long i;
    uint64_t u;
    CHECK(sp_parse_real("x", "-1.5e3", -1e4, 0, &v) == SP_OK && v == -1500.0);
    static const char *const words[] = {"a", "bc", NULL};
    int w = -1;
    CHECK(sp_parse_choice("--k", words, "bc", &w) == SP_OK && w == 1);
    CHECK(sp_parse_choice("--k", words, "b", &w) == SP_EINVAL && w == 1);
    CHECK(!strcmp(sp_last_error(), "--k: 'b' is not one of a, bc"));
    /* norm lists: every sp_fn name but relu, as enum sp_fn values in order */
    double *nv = NULL;
    size_t nn = 9;
    CHECK(sp_parse_norm_list("--norm", "rms,ln,none,derf,dyt", &nv, &nn) == SP_OK && nn == 5 &&
          nv[0] == SP_FN_RMS && nv[1] == SP_FN_LN && nv[2] == SP_FN_IDENTITY &&
          nv[3] == SP_FN_DERF && nv[4] == SP_FN_DYT);
    free(nv);
    CHECK(sp_parse_norm_list("--norm", "ln,relu", &nv, &nn) == SP_EINVAL && !nv && nn == 0);
    CHECK(!strcmp(sp_last_error(), "--norm: 'relu' is not one of ln, dyt, derf, none"));
    CHECK(sp_parse_norm_list("--norm", "ln,,dyt", &nv, &nn) == SP_EINVAL && !nv);
    CHECK(!strcmp(sp_last_error(), "--norm: empty element in 'ln,,dyt'"));
    CHECK(sp_parse_norm_list("--norm", "", &nv, &nn) == SP_EINVAL && !nv);
    CHECK(!strcmp(sp_last_error(), "--norm: empty element in ''"));
    CHECK(sp_parse_norm_list("--norm", "ln,", &nv, &nn) == SP_EINVAL && !nv);
    CHECK(sp_parse_real("x", "0x10", 0, 100, &v) == SP_EINVAL);
    CHECK(has(sp_last_error(), "x: '0x10' is not a decimal number"));
    CHECK(sp_parse_real("x", "inf", 0, 100, &v) == SP_EINVAL);
    CHECK(sp_parse_real("x", " 1", 0, 100, &v) == SP_EINVAL);
    CHECK(sp_parse_real("x", "1e400", 0, 1e300, &v) == SP_EINVAL);
    CHECK(sp_parse_real("x", "101", 0, 100, &v) == SP_EINVAL);
    CHECK(has(sp_last_error(), "x: 101 is out of range [0, 100]"));
    CHECK(sp_parse_int("n", "12", 1, 20, &i) == SP_OK && i == 12);
    CHECK(sp_parse_int("n", "1.5", 1, 20, &i) == SP_EINVAL);
    CHECK(has(sp_last_error(), "n: '1.5' is not an integer"));
    CHECK(sp_parse_u64("seed", "18446744073709551615", UINT64_MAX, &u) == SP_OK && u == UINT64_MAX);
    CHECK(sp_parse_u64("seed", "-1", 10, &u) == SP_EINVAL);
    double *l;
    size_t n;
    CHECK(sp_parse_list("alpha", "0.1:0.5:0.2", 0, 1, 0, &l, &n) == SP_OK && n == 3);
    CHECK_CLOSE(l[2], 0.5, 1e-15, 0);
    free(l);
    CHECK(sp_parse_list("alpha", "1,2,3", 0, 5, 1, &l, &n) == SP_OK && n == 3 && l[1] == 2.0);
    free(l);
    CHECK(sp_parse_list("alpha", "1,,3", 0, 5, 0, &l, &n) == SP_EINVAL && !l && n == 0);
    CHECK(has(sp_last_error(), "empty element"));
    CHECK(sp_parse_list("alpha", "1:0:1", 0, 5, 0, &l, &n) == SP_EINVAL);
    CHECK(has(sp_last_error(), "does not lead"));
    CHECK(sp_parse_list("alpha", "0:1:1e-9", 0, 5, 0, &l, &n) == SP_EINVAL);
    CHECK(has(sp_last_error(), "more than 10000000"));
    CHECK(sp_parse_list("depth", "1:4:0.5", 1, 5, 1, &l, &n) == SP_EINVAL); /* integral step */
    CHECK(sp_parse_list("alpha", "", 0, 5, 0, &l, &n) == SP_EINVAL);
}

/* A valid value of k's documented syntax, into buf (NULL for a flag). */
static const char *valid_value(const struct sp_key *k, char *buf, size_t n)
{
    switch (k->kind) {
    case SP_ARCHKEY_INT: snprintf(buf, n, "%lld", (long long)k->lo + 1); return buf;
    case SP_ARCHKEY_REAL: snprintf(buf, n, "%.17g", k->lo + (k->hi - k->lo) / 3); return buf;
    case SP_ARCHKEY_LIST: snprintf(buf, n, "%.17g,%.17g", k->lo, k->hi); return buf;
    case SP_ARCHKEY_CHOICE: return k->choices[0];
    case SP_ARCHKEY_FLAG: return NULL;
    case SP_ARCHKEY_PRESET: return "blog2";
    case SP_ARCHKEY_FILE: return "configs/gpt2.json";
    }
    return NULL;
}

static void test_every_key(void)
{
    size_t nk = sp_archspec_keys()->count;
    CHECK(nk >= 40);
    CHECK(sp_keyset_at(sp_archspec_keys(), nk) == NULL);
    for (size_t i = 0; i < nk; i++) {
        const struct sp_key *k = sp_keyset_at(sp_archspec_keys(), i);
        char buf[128], name[80];
        CHECK(k && k->name && (k->help || k->alias_of));
        CHECK(sp_keyset_find(sp_archspec_keys(), k->name) == k);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(sp_keyset_at(sp_archspec_keys(), j)->name, k->name) != 0);
        if (k->alias_of)
            CHECK(sp_keyset_find(sp_archspec_keys(), k->alias_of) && !sp_keyset_find(sp_archspec_keys(), k->alias_of)->alias_of);
        struct sp_archspec s;
        sp_archspec_init(&s);
        const char *val = valid_value(k, buf, sizeof buf);
        CHECK(!sp_archspec_given(&s, k->name));
        enum sp_status st = sp_archspec_set(&s, k->name, val);
        if (st != SP_OK)
            fprintf(stderr, "  key %s value %s: %s\n", k->name, val ? val : "-", sp_last_error());
        CHECK(st == SP_OK);
        CHECK(sp_archspec_given(&s, k->name));
        if (k->alias_of)
            CHECK(sp_archspec_given(&s, k->alias_of));
        /* every choice, every preset, the word */
        for (int c = 0; k->kind == SP_ARCHKEY_CHOICE && k->choices[c]; c++)
            CHECK(sp_archspec_set(&s, k->name, k->choices[c]) == SP_OK);
        for (int p = 0; k->kind == SP_ARCHKEY_PRESET && sp_preset_names[p]; p++)
            CHECK(sp_archspec_set(&s, k->name, sp_preset_names[p]) == SP_OK &&
                  s.preset == sp_preset_names[p]);
        if (k->word)
            CHECK(sp_archspec_set(&s, k->name, k->word) == SP_OK);
        /* bad values name the key, in each style */
        for (int style = 0; style < 3; style++) {
            s.style = (enum sp_archkey_style)style;
            const char *pre = style == SP_ARCHKEY_STYLE_FLAG ? "--" : "";
            snprintf(name, sizeof name, "%s%s: ", pre, k->name);
            if (style == SP_ARCHKEY_STYLE_KEYWORD)
                for (char *q = name; *q; q++)
                    if (*q == '-')
                        *q = '_';
            const char *key = k->alias_of ? k->alias_of : k->name;
            if (k->alias_of) { /* the reason names the key, not the alias */
                snprintf(name, sizeof name, "%s%s: ", pre, key);
            }
            switch (k->kind) {
            case SP_ARCHKEY_INT:
                refused(&s, k->name, "1.5", name);
                snprintf(buf, sizeof buf, "%lld", (long long)k->hi + 1);
                refused(&s, k->name, buf, "is out of range");
                break;
            case SP_ARCHKEY_REAL:
            case SP_ARCHKEY_LIST:
                refused(&s, k->name, "0x10", name);
                refused(&s, k->name, "1e300", "is out of range");
                break;
            case SP_ARCHKEY_CHOICE:
            case SP_ARCHKEY_PRESET:
                refused(&s, k->name, "bogus", name);
                CHECK(has(sp_last_error(), "'bogus' is not one of "));
                break;
            case SP_ARCHKEY_FILE:
                sp_last_error_clear();
                CHECK(sp_archspec_set(&s, k->name, "no-such.json") == SP_EIO);
                CHECK(has(sp_last_error(), "no-such.json"));
                break;
            case SP_ARCHKEY_FLAG: break;
            }
            if (k->kind != SP_ARCHKEY_FLAG)
                refused(&s, k->name, NULL, "needs a value");
        }
        sp_archspec_free(&s);
    }
    struct sp_archspec s;
    sp_archspec_init(&s);
    refused(&s, "nrom", "ln", "unknown architecture key 'nrom'");
    sp_archspec_free(&s);
    char def[32];
    CHECK(sp_keyset_default(sp_archspec_keys(), sp_keyset_find(sp_archspec_keys(), "depth"), def, sizeof def) && !strcmp(def, "128"));
    CHECK(sp_keyset_default(sp_archspec_keys(), sp_keyset_find(sp_archspec_keys(), "init-std"), def, sizeof def) && !strcmp(def, "0.02"));
    CHECK(!sp_keyset_default(sp_archspec_keys(), sp_keyset_find(sp_archspec_keys(), "heads"), def, sizeof def) && !def[0]);
}

/* Keys k[i] = v[i] (NULL-terminated) built at alpha. */
static enum sp_status build(const char *const *kv, double alpha, struct sp_arch *a,
                            struct sp_theory_opts *o, struct sp_archspec_notes *n)
{
    struct sp_archspec s;
    sp_archspec_init(&s);
    enum sp_status st = SP_OK;
    for (size_t i = 0; kv[i] && st == SP_OK; i += 2)
        st = sp_archspec_set(&s, kv[i], kv[i + 1]);
    if (st == SP_OK)
        st = sp_archspec_build(&s, alpha, a, o, n);
    sp_archspec_free(&s);
    return st;
}

static void test_build(void)
{
    struct sp_arch a, d;
    struct sp_theory_opts o;
    struct sp_archspec_notes n;
    char err[128];
    /* nothing given: the defaults, resolved; version C */
    CHECK(build((const char *[]){NULL}, NAN, &a, &o, &n) == SP_OK);
    sp_arch_default(&d);
    CHECK(sp_arch_resolve(&d, err, sizeof err) == SP_OK);
    CHECK(!memcmp(&a, &d, sizeof a));
    CHECK(!strcmp(n.version_source, "default") && !strcmp(sp_theory_version(&o), "C"));
    CHECK(!n.width_changed && !n.proxy);
    /* blog2 keeps version A; the alpha applies to both norms */
    CHECK(build((const char *[]){"preset", "blog2", "norm", "derf", NULL}, 0.3, &a, &o, &n) ==
          SP_OK);
    CHECK(!strcmp(n.version_source, "preset") && !strcmp(sp_theory_version(&o), "A"));
    CHECK(a.norm_attn.alpha == 0.3 && a.norm_mlp.alpha == 0.3 && a.sigma_2 == 1.28);
    CHECK(build((const char *[]){"preset", "blog2", "apjn", "two-channel", NULL}, NAN, &a, &o,
                &n) == SP_OK &&
          !strcmp(n.version_source, "flags"));
    /* per-side alphas override alpha; the LLM keys */
    CHECK(build(
              (const char *[]){
                  "norm",           "dyt",  "alpha-attn",     "0.2",    "mlp",         "swiglu",
                  "mlp-hidden",     "688",  "kv-heads",       "2",      "heads",       "4",
                  "width",          "256",  "attention-mask", "causal", "rope",        "500000",
                  "rope-pairing",   "half", "norm-eps",       "1e-6",   "embed-scale", "sqrt-d",
                  "residual-scale", "gpt2", "depth",          "8",      NULL},
              0.7, &a, &o, &n) == SP_OK);
    CHECK(a.norm_attn.alpha == 0.2 && a.norm_mlp.alpha == 0.7 && a.norm_mlp.kind == SP_FN_DYT);
    CHECK(a.mlp_act == SP_ACT_SWIGLU && sp_arch_mlp_hidden(&a) == 688 && a.kv_heads == 2);
    CHECK(a.mask == SP_MASK_CAUSAL && a.rope == SP_ROPE_HALF && a.rope_theta == 500000.0);
    CHECK(a.norm_eps == 1e-6 && a.embed_scale == 16.0);
    CHECK_CLOSE(a.residual_scale, 0.25, 1e-15, 0); /* 1/sqrt(2 x 8) */
    CHECK_CLOSE(a.sigma_2, 0.02 * sqrt(688.0) * 0.25, 1e-15, 1e-15);
    CHECK_CLOSE(a.sigma_3, 0.02 * 16.0, 1e-15, 1e-15);
    /* rope none; the word of rope */
    CHECK(build((const char *[]){"preset", "llama2-7b", "rope", "none", "depth", "2", NULL}, NAN,
                &a, &o, &n) == SP_OK &&
          a.rope == SP_ROPE_NONE);
    /* the width note: the derived sigmas followed the width */
    CHECK(build((const char *[]){"width", "256", NULL}, NAN, &a, &o, &n) == SP_OK);
    CHECK(n.width_changed && n.ref_width == 1024 && !strcmp(n.ref_source, "default"));
    CHECK_CLOSE(n.keep[0], 0.64, 1e-15, 1e-15); /* 0.02 sqrt(1024) */
    CHECK_CLOSE(n.keep[5], 1.28, 1e-15, 1e-15); /* 0.02 sqrt(4 x 1024) */
    CHECK_CLOSE(a.sigma_q, 0.32, 1e-15, 1e-15); /* 0.02 sqrt(256) */
    CHECK(build((const char *[]){"width", "256", "sigma-q", "0.5", NULL}, NAN, &a, &o, &n) ==
              SP_OK &&
          isnan(n.keep[0]) && !isnan(n.keep[1]) && a.sigma_q == 0.5);
    CHECK(build((const char *[]){"preset", "blog2", "width", "256", NULL}, NAN, &a, &o, &n) ==
              SP_OK &&
          !n.width_changed); /* blog2 states its sigmas */
    /* the proxy: the 7B target's sigmas at width 128 */
    struct sp_arch t;
    CHECK(build((const char *[]){"preset", "llama2-7b", NULL}, NAN, &t, &o, &n) == SP_OK);
    CHECK(build((const char *[]){"preset", "llama2-7b", "proxy-width", "128", NULL}, NAN, &a, &o,
                &n) == SP_OK);
    CHECK(a.width == 128 && a.heads == 32 && sp_arch_mlp_hidden(&a) == 344);
    CHECK(a.sigma_q == t.sigma_q && a.sigma_2 == t.sigma_2 && a.sigma_3 == t.sigma_3);
    CHECK(n.proxy && n.target_width == 4096 && n.target_heads == 32 && n.target_hidden == 11008);
    /* the config file is the base; keys change it */
    CHECK(build((const char *[]){"config", "configs/gpt2.json", "depth", "3", NULL}, NAN, &a, &o,
                &n) == SP_OK);
    CHECK(a.width == 768 && a.depth == 3 && a.mlp_act == SP_ACT_GELU && a.mask == SP_MASK_CAUSAL);
    /* the toy */
    CHECK(
        build((const char *[]){"model", "toy", "norm", "dyt", "sigma-w", "0.5", "mu", "0.9", NULL},
              0.4, &a, &o, &n) == SP_OK);
    CHECK(a.model == SP_MODEL_TOY && a.phi.kind == SP_FN_DYT && a.phi.alpha == 0.4 && !a.toy_ln &&
          a.sigma_w == 0.5 && a.mu == 0.9);
    CHECK(build((const char *[]){"model", "toy", "norm", "ln", "phi", "relu", NULL}, NAN, &a, &o,
                &n) == SP_OK &&
          a.toy_ln && a.phi.kind == SP_FN_RELU);
    /* an invalid architecture: sp_arch_resolve's reason */
    CHECK(build((const char *[]){"width", "100", "heads", "3", NULL}, NAN, &a, &o, &n) ==
              SP_EINVAL &&
          has(sp_last_error(), "heads must divide width"));
}

static void test_refusals(void)
{
    build_refused((const char *[]){"preset", "gpt2", "config", "configs/gpt2.json", NULL},
                  "--preset and --config both set the architecture; give one");
    build_refused((const char *[]){"model", "toy", "tokens", "4", "heads", "2", NULL},
                  "--tokens, --heads apply to the transformer, not to --model toy (the toy "
                  "takes --norm, --alpha, --shift, --depth, --width, --q0, --phi");
    build_refused((const char *[]){"model", "toy", "attention", "softmax", NULL},
                  "--attention applies to the transformer");
    build_refused((const char *[]){"phi", "erf", "mu", "2", NULL},
                  "--phi, --mu apply to the toy model (--model toy), not to the transformer");
    build_refused((const char *[]){"model", "toy", "norm", "rms", NULL},
                  "--norm rms applies to the transformer; the toy's pre-norm is --norm ln");
    build_refused((const char *[]){"model", "toy", "norm", "derf", "phi", "tanh", NULL},
                  "--norm derf on the toy means phi = erf; do not also give --phi");
    struct sp_archspec t;
    sp_archspec_init(&t);
    t.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_archspec_set(&t, "model", "toy") == SP_OK &&
          sp_archspec_set(&t, "phi", "relu") == SP_OK);
    struct sp_arch ta;
    struct sp_theory_opts to;
    CHECK(sp_archspec_build(&t, 0.5, &ta, &to, NULL) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--alpha needs phi erf or tanh (phi is relu)"));
    sp_archspec_free(&t);
    build_refused((const char *[]){"shift", "0.1", NULL},
                  "--alpha/--alpha-attn/--alpha-mlp/--shift need --norm derf or dyt (norm is ln)");
    build_refused((const char *[]){"rope-pairing", "half", NULL},
                  "--rope-pairing needs --rope THETA");
    build_refused((const char *[]){"sigma-3", "0.5", NULL}, "--sigma-3 applies to --mlp swiglu");
    build_refused((const char *[]){"q0", "0.5", "p0", "0.6", NULL},
                  "--p0 0.6 exceeds --q0 0.5 (the overlap cannot exceed the norm)");
    build_refused((const char *[]){"cn", "exact", "apjn", "single", NULL},
                  "--cn applies to --apjn two-channel");
    build_refused((const char *[]){"width", "64", "proxy-width", "128", NULL},
                  "--proxy-width 128 exceeds the target width 64");
    build_refused((const char *[]){"preset", "llama2-7b", "proxy-width", "100", NULL},
                  "--proxy-width 100 is not a multiple of the target's 32 heads (give --heads");
    /* the keyword style reads as Python */
    struct sp_archspec *s = sp_archspec_new(SP_ARCHKEY_STYLE_KEYWORD);
    struct sp_arch a;
    struct sp_theory_opts o;
    CHECK(s && sp_archspec_set(s, "model", "toy") == SP_OK &&
          sp_archspec_set(s, "mlp-ratio", "3") == SP_OK);
    CHECK(sp_archspec_build(s, NAN, &a, &o, NULL) == SP_EINVAL);
    CHECK(has(sp_last_error(), "mlp_ratio applies to the transformer, not to model='toy'"));
    sp_archspec_delete(s);
    sp_archspec_delete(NULL);
}

/* The notes as text: the width note in the request's style, exact; none without a
 * change; the config record's lines. */
static void test_notes(void)
{
    struct sp_archspec s;
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_archspec_notes n;
    char buf[1024];
    sp_archspec_init(&s);
    s.style = SP_ARCHKEY_STYLE_KEYWORD;
    CHECK(sp_archspec_build(&s, NAN, &a, &o, &n) == SP_OK);
    CHECK(sp_archspec_note(&s, &a, &n, buf, sizeof buf) == 0 && !buf[0]);
    CHECK(sp_archspec_set(&s, "width", "256") == SP_OK && sp_archspec_set(&s, "sigma-q", "1") == SP_OK);
    CHECK(sp_archspec_build(&s, NAN, &a, &o, &n) == SP_OK && n.width_changed);
    size_t len = sp_archspec_note(&s, &a, &n, buf, sizeof buf);
    CHECK(len == strlen(buf));
    CHECK(!strncmp(buf, "note: width='256' differs from the default width 1024 and the sigmas "
                        "follow width (sigma = init-std 0.02 x sqrt(fan_in))", 108));
    /* sigma-q was given: not in the list; sigma_k keeps 0.02 sqrt(1024) = 0.64 */
    CHECK(strstr(buf, "to keep the sigmas of width 1024 give sigma_k='0.64' sigma_v='0.64'"));
    CHECK(!strstr(buf, "sigma_q="));
    CHECK(sp_archspec_version_note(&s, buf, sizeof buf) == 14 && !strcmp(buf, " (the default)"));
    CHECK(sp_archspec_set(&s, "apjn", "single") == SP_OK);
    sp_archspec_version_note(&s, buf, sizeof buf);
    CHECK(!strcmp(buf, " (set by attention/apjn/cn)"));
    sp_archspec_free(&s);

    struct sp_config_info in;
    memset(&in, 0, sizeof in);
    strcpy(in.model_type, "gpt2");
    in.nused = 2, in.ndefaulted = 1, in.nunknown = 2, in.nnot_modelled = 1;
    strcpy(in.unknown[0], "a");
    strcpy(in.unknown[1], "b");
    strcpy(in.not_modelled[0], "x = 1: why");
    CHECK(sp_config_info_note("c.json", &in, buf, sizeof buf) == strlen(buf));
    CHECK(!strcmp(buf, "config c.json: model_type gpt2, 2 key(s) used, 1 default(s)\n"
                       "config: x = 1: why\nconfig: 2 unknown key(s), ignored: a, b"));
    char small[10];
    CHECK(sp_config_info_note("c.json", &in, small, sizeof small) == strlen(buf) &&
          strlen(small) == 9);
}

int main(void)
{
    test_value_syntax();
    test_every_key();
    test_build();
    test_refusals();
    test_notes();
    return check_done();
}
