/* Hugging Face config.json parsing (src/io/config.c): each model_type maps onto
 * the architecture the published model has (values from the model cards and
 * transformers' modelling code: HF init std on every linear layer, GPT-2's c_proj
 * std / sqrt(2 n_layer)), each preset equals its configs/ file, and every error
 * path names its key. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

static enum sp_status parse(const char *json, struct sp_arch *a, struct sp_config_info *in)
{
    sp_arch_default(a);
    return sp_config_parse(json, strlen(json), a, in);
}

static int has(char (*list)[SP_CONFIG_KEY_LEN], size_t n, const char *s)
{
    for (size_t i = 0; i < n && i < SP_CONFIG_MAX_KEYS; i++)
        if (!strcmp(list[i], s))
            return 1;
    return 0;
}

static int note_has(const struct sp_config_info *in, const char *s)
{
    for (size_t i = 0; i < in->nnot_modelled && i < SP_CONFIG_MAX_NOTES; i++)
        if (strstr(in->not_modelled[i], s))
            return 1;
    return 0;
}

/* Every field the theory and the network read, after resolution. */
static int same_arch(const struct sp_arch *x, const struct sp_arch *y)
{
    return x->model == y->model && x->depth == y->depth && x->tokens == y->tokens &&
           x->width == y->width && x->heads == y->heads &&
           sp_arch_kv_heads(x) == sp_arch_kv_heads(y) &&
           sp_arch_mlp_hidden(x) == sp_arch_mlp_hidden(y) && x->mlp_ratio == y->mlp_ratio &&
           x->mlp_act == y->mlp_act && x->final_norm == y->final_norm &&
           x->norm_attn.kind == y->norm_attn.kind && x->norm_mlp.kind == y->norm_mlp.kind &&
           x->mask == y->mask && x->rope == y->rope && x->rope_theta == y->rope_theta &&
           x->norm_eps == y->norm_eps && x->embed_scale == y->embed_scale &&
           fabs(x->residual_scale - y->residual_scale) < 1e-15 && x->init_std == y->init_std &&
           x->q0 == y->q0 && x->p0 == y->p0 && fabs(x->sigma_q - y->sigma_q) < 1e-14 &&
           fabs(x->sigma_k - y->sigma_k) < 1e-14 && fabs(x->sigma_v - y->sigma_v) < 1e-14 &&
           fabs(x->sigma_o - y->sigma_o) < 1e-14 && fabs(x->sigma_1 - y->sigma_1) < 1e-14 &&
           fabs(x->sigma_2 - y->sigma_2) < 1e-14 &&
           (x->mlp_act != SP_ACT_SWIGLU || fabs(x->sigma_3 - y->sigma_3) < 1e-14);
}

static void test_presets_equal_configs(void)
{
    static const char *names[] = {"llama2-7b", "llama2-13b", "llama2-70b", "gpt2", "vit-b16",
                                  "vit-l16"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct sp_arch p, c;
        struct sp_config_info in;
        char path[64], err[256];
        int va = 1;
        snprintf(path, sizeof path, "configs/%s.json", names[i]);
        sp_arch_default(&p);
        sp_arch_default(&c);
        CHECK(sp_preset_apply(names[i], &p, &va) == SP_OK && va == 0);
        CHECK(sp_config_read(path, &c, &in) == SP_OK);
        CHECK(in.nunknown == 0);
        CHECK(sp_arch_resolve(&p, err, sizeof err) == SP_OK);
        CHECK(sp_arch_resolve(&c, err, sizeof err) == SP_OK);
        int same = same_arch(&p, &c);
        if (!same)
            fprintf(stderr, "preset %s differs from %s\n", names[i], path);
        CHECK(same);
    }
}

static void test_llama(void)
{
    struct sp_arch a;
    struct sp_config_info in;
    char err[256];
    /* meta-llama/Llama-2-70b-hf's config.json, abridged */
    const char *j = "{\"model_type\": \"llama\", \"hidden_size\": 8192, \"intermediate_size\": "
                    "28672, \"num_attention_heads\": 64, \"num_hidden_layers\": 80, "
                    "\"num_key_value_heads\": 8, \"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0,"
                    " \"max_position_embeddings\": 4096, \"hidden_act\": \"silu\", "
                    "\"tie_word_embeddings\": false, \"attention_bias\": true, \"vocab_size\": "
                    "32000, \"my_key\": 3}";
    CHECK(parse(j, &a, &in) == SP_OK);
    CHECK(!strcmp(in.model_type, "llama"));
    CHECK(a.width == 8192 && a.depth == 80 && a.heads == 64 && a.kv_heads == 8);
    CHECK(a.mlp_hidden == 28672 && a.mlp_ratio == 4 && a.mlp_act == SP_ACT_SWIGLU);
    CHECK(a.norm_attn.kind == SP_FN_RMS && a.norm_mlp.kind == SP_FN_RMS && a.final_norm == 1);
    CHECK(a.mask == SP_MASK_CAUSAL && a.rope == SP_ROPE_HALF && a.rope_theta == 10000.0);
    CHECK(a.norm_eps == 1e-5 && a.residual_scale == 1.0 && a.embed_scale == 1.0);
    CHECK(a.tokens == SP_CONFIG_TOKENS_CAP); /* 4096 capped */
    CHECK(a.init_std == 0.02 && isnan(a.sigma_q)); /* initializer_range defaulted */
    CHECK(has(in.defaulted, in.ndefaulted, "initializer_range=0.02"));
    CHECK(has(in.used, in.nused, "num_key_value_heads") && has(in.used, in.nused, "rope_theta"));
    CHECK(in.nunknown == 1 && !strcmp(in.unknown[0], "my_key"));
    CHECK(in.nnot_modelled == 1 && note_has(&in, "attention_bias = true"));
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    /* HF init: every linear layer std 0.02, so sigma = 0.02 sqrt(fan_in), no residual scaling */
    CHECK_CLOSE(a.sigma_q, 0.02 * sqrt(8192.0), 0, 1e-15);
    CHECK_CLOSE(a.sigma_o, 0.02 * sqrt(8192.0), 0, 1e-15);
    CHECK_CLOSE(a.sigma_2, 0.02 * sqrt(28672.0), 0, 1e-15);
    CHECK_CLOSE(a.sigma_3, 0.02 * sqrt(8192.0), 0, 1e-15);

    /* an old LLaMA config: no num_key_value_heads, rope_theta; HF defaults */
    CHECK(parse("{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":172,"
                "\"num_attention_heads\":8,\"num_hidden_layers\":2,\"num_key_value_heads\":null,"
                "\"max_position_embeddings\":256}", &a, &in) == SP_OK);
    CHECK(a.kv_heads == 0 && a.rope_theta == 10000.0 && a.norm_eps == 1e-6 && a.tokens == 256);
    CHECK(a.mlp_ratio == 3 && a.mlp_hidden == 172);
    CHECK(has(in.defaulted, in.ndefaulted, "rope_theta=10000"));
    CHECK(has(in.defaulted, in.ndefaulted, "hidden_act=silu"));
}

static void test_gpt2(void)
{
    struct sp_arch a;
    struct sp_config_info in;
    char err[256];
    sp_arch_default(&a);
    CHECK(sp_config_read("configs/gpt2.json", &a, &in) == SP_OK);
    CHECK(!strcmp(in.model_type, "gpt2"));
    CHECK(a.width == 768 && a.depth == 12 && a.heads == 12 && a.mlp_hidden == 3072);
    CHECK(a.mlp_act == SP_ACT_GELU && a.norm_mlp.kind == SP_FN_LN && a.mask == SP_MASK_CAUSAL);
    CHECK(a.rope == SP_ROPE_NONE && a.norm_eps == 1e-5 && a.tokens == 1024);
    CHECK(has(in.defaulted, in.ndefaulted, "n_inner=3072"));
    CHECK(note_has(&in, "gelu_new") && note_has(&in, "n_positions"));
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    /* HF GPT2 _init_weights: c_proj (attention and MLP) std 0.02 / sqrt(2 n_layer) */
    CHECK_CLOSE(a.sigma_o, 0.02 / sqrt(24.0) * sqrt(768.0), 0, 1e-14);
    CHECK_CLOSE(a.sigma_2, 0.02 / sqrt(24.0) * sqrt(3072.0), 0, 1e-14);
    CHECK_CLOSE(a.sigma_v, 0.02 * sqrt(768.0), 0, 1e-14);
    CHECK_CLOSE(a.sigma_1, 0.02 * sqrt(768.0), 0, 1e-14);
    CHECK(parse("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,\"n_inner\":100,"
                "\"activation_function\":\"relu\",\"scale_attn_weights\":false}",
                &a, &in) == SP_OK);
    CHECK(a.mlp_act == SP_ACT_RELU && a.mlp_hidden == 100 && a.tokens == 1024);
    CHECK(note_has(&in, "scale_attn_weights = false"));
}

static void test_vit(void)
{
    struct sp_arch a;
    struct sp_config_info in;
    CHECK(parse("{\"model_type\":\"vit\",\"hidden_size\":384,\"num_hidden_layers\":12,"
                "\"num_attention_heads\":6,\"intermediate_size\":1536,\"image_size\":384,"
                "\"patch_size\":32,\"qkv_bias\":false,\"layer_norm_eps\":1e-12}",
                &a, &in) == SP_OK);
    CHECK(a.tokens == 12 * 12 + 1 && a.width == 384 && a.heads == 6 && a.mlp_hidden == 1536);
    CHECK(a.mlp_act == SP_ACT_GELU && a.mask == SP_MASK_NONE && a.norm_eps == 1e-12);
    CHECK(in.nnot_modelled == 0 && in.nunknown == 0);
    CHECK(parse("{\"model_type\":\"vit\",\"hidden_size\":768,\"num_hidden_layers\":12,"
                "\"num_attention_heads\":12,\"intermediate_size\":3072}", &a, &in) == SP_OK);
    CHECK(a.tokens == 197 && a.norm_eps == 1e-12); /* HF defaults: 224 / 16, eps 1e-12 */
}

static void test_sigprop_keys(void)
{
    struct sp_arch a;
    struct sp_config_info in;
    CHECK(parse("{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":172,"
                "\"num_attention_heads\":8,\"num_hidden_layers\":2,\"sigprop\":{\"norm\":"
                "\"dyt\",\"alpha\":0.8,\"alpha_mlp\":0.2,\"q0\":2,\"p0\":0}}", &a, &in) == SP_OK);
    CHECK(a.norm_attn.kind == SP_FN_DYT && a.norm_mlp.kind == SP_FN_DYT);
    CHECK(a.norm_attn.alpha == 0.8 && a.norm_mlp.alpha == 0.2 && a.q0 == 2 && a.p0 == 0);
    CHECK(has(in.used, in.nused, "sigprop.alpha_mlp") && in.nunknown == 0);
    CHECK(parse("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,"
                "\"sigprop\":{\"norm_mlp\":\"derf\",\"alpha_mlp\":0.5,\"shift\":0.1}}",
                &a, &in) == SP_EINVAL); /* shift also on the LN attention side */
    CHECK(strstr(sp_last_error(), "need the attention norm dyt or derf (it is ln)") != NULL);
    CHECK(parse("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,"
                "\"sigprop\":{\"norm_mlp\":\"derf\",\"alpha_mlp\":0.5}}", &a, &in) == SP_OK);
    CHECK(a.norm_attn.kind == SP_FN_LN && a.norm_mlp.kind == SP_FN_DERF && a.norm_mlp.alpha == 0.5);
}

/* An error: the status and a reason that names what. On failure *a is unchanged. */
static void expect_error(const char *json, enum sp_status want, const char *what)
{
    struct sp_arch a, before;
    struct sp_config_info in;
    sp_arch_default(&a);
    before = a;
    sp_last_error_clear();
    enum sp_status s = sp_config_parse(json, strlen(json), &a, &in);
    int ok = s == want && strstr(sp_last_error(), what) != NULL;
    if (!ok)
        fprintf(stderr, "for %s: status %d (want %d), reason '%s' (want '%s')\n", json, (int)s,
                (int)want, sp_last_error(), what);
    CHECK(ok);
    CHECK(!memcmp(&a, &before, sizeof a));
}

static void test_errors(void)
{
    const char *L = "\"model_type\":\"llama\",\"hidden_size\":64,\"num_attention_heads\":8,"
                    "\"num_hidden_layers\":2";
    char j[512];
    /* missing key */
    snprintf(j, sizeof j, "{%s}", L);
    expect_error(j, SP_EFORMAT, "'intermediate_size'");
    expect_error("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_head\":4}", SP_EFORMAT, "'n_layer'");
    expect_error("{\"hidden_size\":64}", SP_EFORMAT, "'model_type'");
    /* wrong type, out of range, inconsistent, not modelled: a LLaMA config plus one key */
    static const struct { const char *keys; enum sp_status want; const char *what; } llama[] = {
        {"\"intermediate_size\":\"172\"", SP_EFORMAT,
         "'intermediate_size' must be a number (got a string)"},
        {"\"intermediate_size\":172.5", SP_EFORMAT, "'intermediate_size' must be an integer"},
        {"\"intermediate_size\":172,\"hidden_act\":1", SP_EFORMAT, "'hidden_act' must be a string"},
        {"\"intermediate_size\":172,\"attention_bias\":\"no\"", SP_EFORMAT,
         "'attention_bias' must be a boolean"},
        {"\"intermediate_size\":-4", SP_EINVAL, "'intermediate_size' = -4 is out of range"},
        {"\"intermediate_size\":172,\"rms_norm_eps\":2", SP_EINVAL,
         "'rms_norm_eps' = 2 is out of range"},
        {"\"intermediate_size\":172,\"initializer_range\":0", SP_EINVAL,
         "'initializer_range' = 0 is out of range"},
        {"\"intermediate_size\":172,\"rope_theta\":1e300", SP_EINVAL, "'rope_theta'"},
        {"\"intermediate_size\":172,\"num_key_value_heads\":3", SP_EINVAL,
         "num_key_value_heads 3 does not divide num_attention_heads 8"},
        {"\"intermediate_size\":172,\"hidden_act\":\"gelu\"", SP_EUNSUPPORTED,
         "'hidden_act' = 'gelu' is not modelled"},
    };
    for (size_t i = 0; i < sizeof llama / sizeof llama[0]; i++) {
        snprintf(j, sizeof j, "{%s,%s}", L, llama[i].keys);
        expect_error(j, llama[i].want, llama[i].what);
    }
    expect_error("{\"model_type\":7}", SP_EFORMAT, "'model_type' must be a string");
    expect_error("{\"model_type\":\"vit\",\"hidden_size\":[768],\"num_hidden_layers\":1,"
                 "\"num_attention_heads\":1,\"intermediate_size\":4}", SP_EFORMAT,
                 "'hidden_size' must be a number (got an array)");
    expect_error("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":5}", SP_EINVAL,
                 "n_head 5 does not divide n_embd 64");
    expect_error("{\"model_type\":\"vit\",\"hidden_size\":64,\"num_hidden_layers\":1,"
                 "\"num_attention_heads\":1,\"intermediate_size\":4,\"image_size\":225}",
                 SP_EINVAL, "image_size 225 is not a multiple of patch_size 16");
    expect_error("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":1e7,\"n_head\":4}", SP_EINVAL,
                 "'n_layer'");
    /* the sigprop object */
    const char *G = "\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4";
    static const struct { const char *obj; enum sp_status want; const char *what; } sp[] = {
        {"[1]", SP_EFORMAT, "'sigprop' must be an object (got an array)"},
        {"{\"colour\":1}", SP_EFORMAT, "unknown key 'sigprop.colour'"},
        {"{\"norm\":\"relu\"}", SP_EINVAL, "'sigprop.norm' = 'relu' is not one of"},
        {"{\"norm\":3}", SP_EFORMAT, "'sigprop.norm' must be a string"},
        {"{\"norm\":\"dyt\",\"alpha\":\"big\"}", SP_EFORMAT, "'sigprop.alpha' must be a number"},
        {"{\"norm\":\"dyt\",\"alpha\":0}", SP_EINVAL, "'sigprop.alpha' = 0 is out of range"},
        {"{\"alpha\":0.5}", SP_EINVAL, "need the attention norm dyt or derf (it is ln)"},
        {"{\"q0\":0.1}", SP_EINVAL, "|p0| = 0.4 exceeds q0 = 0.1"},
    };
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++) {
        snprintf(j, sizeof j, "{%s,\"sigprop\":%s}", G, sp[i].obj);
        expect_error(j, sp[i].want, sp[i].what);
    }
    /* not modelled values, unknown type */
    expect_error("{\"model_type\":\"gpt2\",\"n_embd\":64,\"n_layer\":2,\"n_head\":4,"
                 "\"activation_function\":\"swish\"}", SP_EUNSUPPORTED, "'activation_function'");
    expect_error("{\"model_type\":\"bert\"}", SP_EUNSUPPORTED, "'model_type' = 'bert'");
    /* malformed JSON */
    expect_error("{\"model_type\": \"llama\", \"hidden_size\": }", SP_EFORMAT,
                 "malformed JSON near byte");
    expect_error("", SP_EFORMAT, "malformed JSON");
    expect_error("[1, 2]", SP_EFORMAT, "top level must be a JSON object");
    expect_error("{\"model_type\":\"llama\"} trailing", SP_EFORMAT, "malformed JSON");
    /* files */
    struct sp_arch a;
    sp_arch_default(&a);
    CHECK(sp_config_read("tests/no-such-config.json", &a, NULL) == SP_EIO);
    CHECK(strstr(sp_last_error(), "tests/no-such-config.json") != NULL);
    /* a truncated real config: every prefix fails cleanly, never crashes */
    FILE *f = fopen("configs/llama2-70b.json", "rb");
    CHECK(f != NULL);
    if (f) {
        char buf[2048];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        int all_fail = 1;
        for (size_t k = 0; k + 2 < n; k += 7)
            all_fail &= sp_config_parse(buf, k, &a, NULL) != SP_OK;
        CHECK(all_fail);
        CHECK(sp_config_parse(buf, n, &a, NULL) == SP_OK);
    }
    /* unknown preset: a reason */
    int va;
    sp_last_error_clear();
    CHECK(sp_preset_apply("llama9", &a, &va) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "llama9") != NULL);
}

int main(void)
{
    test_presets_equal_configs();
    test_llama();
    test_gpt2();
    test_vit();
    test_sigprop_keys();
    test_errors();
    return check_done();
}
