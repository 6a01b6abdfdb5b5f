/* Tests of the trainer's settings by name (sigprop/trainspec.h): every key of the
 * table with a good value (stored in the field the header names, read back by
 * sp_trainspec_build) and bad ones (refused with a reason naming the key, in the
 * flag and keyword styles); the defaults shown against the trainer's own defaults;
 * the resolution of build (task, RoPE pairing, warmup) and its refusals. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

static int has(const char *hay, const char *needle)
{
    int ok = strstr(hay, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  reason '%s' lacks '%s'\n", hay, needle);
    return ok;
}

static void refused(struct sp_trainspec *s, const char *key, const char *value, const char *want)
{
    sp_last_error_clear();
    int nset = s->nset;
    CHECK(sp_trainspec_set(s, key, value) == SP_EINVAL);
    CHECK(has(sp_last_error(), want));
    CHECK(s->nset == nset); /* a refused value is not counted */
}

/* One good and some bad values per key; good: what build must then hold. */
struct good {
    const char *key, *value;
};
static const struct good goods[] = {
    {"width", "32"}, {"heads", "8"}, {"kv-heads", "2"}, {"mlp-ratio", "2"},
    {"activation", "swiglu"}, {"pool", "mean"}, {"patch", "4"}, {"init-std", "0.05"},
    {"rope", "500"}, {"rope-pairing", "half"}, {"steps", "7"}, {"batch", "3"},
    {"schedule", "constant"}, {"weight-decay", "0.1"}, {"clip", "2"}, {"diverge-factor", "0"},
    {"seed", "18446744073709551615"}, {"task", "fmnist"}, {"depth", "3"}, {"context", "8"},
    {"norm-eps", "1e-6"}, {"lr", "0.01"}, {"warmup", "5"}, {"min-lr", "1e-5"},
    {"beta1", "0.8"}, {"beta2", "0.99"}, {"adam-eps", "1e-9"},
    {"norm", "dyt"}, {"norm-attn", "derf"}, {"norm-mlp", "rms"}, {"norm-final", "ln"},
    {"alpha", "0.3"}, {"alpha-attn", "0.7"}, {"alpha-mlp", "0.9"}, {"alpha-final", "1.5"},
    {"eval-every", "2"}, {"checkpoint-every", "3"}, {"stop-at", "4"},
};
enum { NRUN = 3 }; /* the run keys: not counted in nset */
enum { NGOOD = sizeof goods / sizeof goods[0] };

static void test_table(void)
{
    CHECK(sp_trainspec_keys()->count == NGOOD); /* every key is tested below */
    for (size_t i = 0; i < sp_trainspec_keys()->count; i++) {
        const struct sp_key *k = sp_keyset_at(sp_trainspec_keys(), i);
        CHECK(k && k->name && k->help && k->syntax);
        CHECK(sp_keyset_find(sp_trainspec_keys(), k->name) == k);
        CHECK((k->kind == SP_TRAINKEY_CHOICE || k->kind == SP_TRAINKEY_NORM) ==
              (k->choices != NULL));
        int found = 0;
        for (size_t j = 0; j < NGOOD; j++)
            found += !strcmp(goods[j].key, k->name);
        CHECK(found == 1);
    }
    CHECK(sp_keyset_at(sp_trainspec_keys(), sp_trainspec_keys()->count) == NULL);
    CHECK(sp_keyset_find(sp_trainspec_keys(), "nope") == NULL && sp_keyset_find(sp_trainspec_keys(), NULL) == NULL);
    /* the defaults shown are the trainer's */
    struct sp_vit_config c;
    struct sp_train_opts o;
    sp_vit_config_default(&c);
    sp_train_opts_default(&o);
    char buf[64], want[64];
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "width"), buf, sizeof buf);
    snprintf(want, sizeof want, "%d", c.width);
    CHECK(!strcmp(buf, want));
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "lr"), buf, sizeof buf);
    snprintf(want, sizeof want, "%g", o.lr);
    CHECK(!strcmp(buf, want));
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "activation"), buf, sizeof buf);
    CHECK(!strcmp(buf, sp_act_name(c.act)));
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "rope"), buf, sizeof buf);
    CHECK(!strcmp(buf, "none"));
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "seed"), buf, sizeof buf);
    CHECK(!strcmp(buf, "0"));
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "norm-mlp"), buf, sizeof buf);
    CHECK(!strcmp(buf, sp_fn_name(c.norm_mlp.kind)));
    sp_keyset_default(sp_trainspec_keys(), sp_keyset_find(sp_trainspec_keys(), "alpha"), buf, sizeof buf);
    snprintf(want, sizeof want, "%g", c.norm_attn.alpha);
    CHECK(!strcmp(buf, want));
}

static void test_good(void)
{
    struct sp_trainspec s;
    sp_trainspec_init(&s);
    for (size_t j = 0; j < NGOOD; j++) {
        if (!strcmp(goods[j].key, "context") || !strcmp(goods[j].key, "task"))
            continue; /* the text task's below */
        CHECK(sp_trainspec_set(&s, goods[j].key, goods[j].value) == SP_OK);
    }
    CHECK(s.nset == NGOOD - 2 - NRUN && s.image_set == 2 && s.warmup_set && s.pairing_set);
    struct sp_vit_config c;
    struct sp_train_opts o;
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK);
    CHECK(c.width == 32 && c.heads == 8 && c.kv_heads == 2 && c.mlp_ratio == 2);
    CHECK(c.act == SP_ACT_SWIGLU && c.pool == SP_POOL_MEAN && c.patch == 4);
    CHECK(c.init_std == 0.05 && c.rope == SP_ROPE_HALF && c.rope_theta == 500);
    CHECK(c.task == SP_TASK_IMAGE && c.depth == 3 && c.norm_eps == 1e-6);
    CHECK(o.steps == 7 && o.batch == 3 && o.schedule == SP_LR_CONSTANT);
    CHECK(o.weight_decay == 0.1 && o.clip == 2 && o.diverge_factor == 0);
    CHECK(o.seed == UINT64_MAX && o.lr == 0.01 && o.warmup == 5 && o.min_lr == 1e-5);
    CHECK(o.beta1 == 0.8 && o.beta2 == 0.99 && o.adam_eps == 1e-9);
    /* the per-side keys after the keys of every norm: each side its own */
    CHECK(c.norm_attn.kind == SP_FN_DERF && c.norm_mlp.kind == SP_FN_RMS &&
          c.norm_final.kind == SP_FN_LN);
    CHECK(c.norm_attn.alpha == 0.7 && c.norm_mlp.alpha == 0.9 && c.norm_final.alpha == 1.5);
    CHECK(o.eval_every == 2 && o.checkpoint_every == 3 && o.stop_at == 4);
    /* the keys of every norm set all three */
    CHECK(sp_trainspec_set(&s, "norm", "derf") == SP_OK && sp_trainspec_set(&s, "alpha", "2") == SP_OK);
    CHECK(s.c.norm_attn.kind == SP_FN_DERF && s.c.norm_mlp.kind == SP_FN_DERF &&
          s.c.norm_final.kind == SP_FN_DERF);
    CHECK(s.c.norm_attn.alpha == 2 && s.c.norm_mlp.alpha == 2 && s.c.norm_final.alpha == 2);
    CHECK(s.c.norm_eps == 1e-6); /* its neighbour untouched */
    /* the last value wins; rope none turns it off again */
    CHECK(sp_trainspec_set(&s, "width", "48") == SP_OK && s.c.width == 48);
    CHECK(sp_trainspec_set(&s, "rope", "none") == SP_OK && s.c.rope == SP_ROPE_NONE);
    CHECK(sp_trainspec_set(&s, "rope", "10000") == SP_OK && s.c.rope == SP_ROPE_INTERLEAVED);
    CHECK(s.c.rope_theta == 10000);
}

static void test_bad(void)
{
    struct sp_trainspec s;
    sp_trainspec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    refused(&s, "nope", "1", "'nope' is not a training setting");
    refused(&s, "width", NULL, "--width");
    refused(&s, "width", "0", "--width");
    refused(&s, "width", "65537", "--width");
    refused(&s, "width", "1.5", "--width");
    refused(&s, "heads", "x", "--heads");
    refused(&s, "kv-heads", "0", "--kv-heads");
    refused(&s, "mlp-ratio", "65", "--mlp-ratio");
    refused(&s, "activation", "tanh", "--activation: 'tanh' is not one of relu, gelu, swiglu");
    refused(&s, "pool", "max", "--pool: 'max' is not one of cls, mean");
    refused(&s, "patch", "29", "--patch");
    refused(&s, "init-std", "0", "--init-std");
    refused(&s, "rope", "1", "--rope");
    refused(&s, "rope", "off", "--rope");
    refused(&s, "rope", "1e13", "--rope");
    refused(&s, "rope-pairing", "sideways", "--rope-pairing");
    refused(&s, "steps", "0", "--steps");
    refused(&s, "batch", "-1", "--batch");
    refused(&s, "schedule", "linear", "--schedule");
    refused(&s, "weight-decay", "10", "--weight-decay");
    refused(&s, "clip", "-1", "--clip");
    refused(&s, "diverge-factor", "nan", "--diverge-factor");
    refused(&s, "seed", "-1", "--seed");
    refused(&s, "task", "cifar", "--task: 'cifar' is not one of fmnist, fortunes");
    refused(&s, "depth", "1025", "--depth");
    refused(&s, "context", "0", "--context");
    refused(&s, "norm-eps", "0.6", "--norm-eps");
    refused(&s, "lr", "11", "--lr");
    refused(&s, "warmup", "-1", "--warmup");
    refused(&s, "min-lr", "0x1", "--min-lr");
    refused(&s, "beta1", "1", "--beta1");
    refused(&s, "beta2", "1", "--beta2");
    refused(&s, "adam-eps", "0", "--adam-eps");
    refused(&s, "norm", "none", "--norm: 'none' is not one of ln, rms, dyt, derf");
    refused(&s, "norm-final", "relu", "--norm-final: 'relu' is not one of");
    refused(&s, "alpha", "0", "--alpha");
    refused(&s, "alpha-mlp", "1e7", "--alpha-mlp");
    refused(&s, "eval-every", "-1", "--eval-every");
    refused(&s, "checkpoint-every", "x", "--checkpoint-every");
    refused(&s, "stop-at", "0", "--stop-at");
    /* the keyword style names keys as Python does */
    s.style = SP_ARCHKEY_STYLE_KEYWORD;
    refused(&s, "kv-heads", "0", "kv_heads");
    CHECK(s.nset == 0);
}

static void test_build(void)
{
    struct sp_trainspec s;
    struct sp_vit_config c;
    struct sp_train_opts o;
    /* the defaults build to the trainer's defaults, the warmup cut to a tenth of a
     * shorter run */
    sp_trainspec_init(&s);
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK);
    struct sp_vit_config dc;
    sp_vit_config_default(&dc);
    CHECK(c.width == dc.width && c.rope == SP_ROPE_NONE && c.classes == dc.classes);
    CHECK(sp_trainspec_set(&s, "steps", "20") == SP_OK);
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK && o.warmup == 2);
    CHECK(sp_trainspec_set(&s, "warmup", "15") == SP_OK); /* given: kept */
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK && o.warmup == 15);
    /* the text task: bytes, context 64 unless set */
    sp_trainspec_init(&s);
    CHECK(sp_trainspec_set(&s, "task", "fortunes") == SP_OK && s.task_set == 1 && s.nset == 0);
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK);
    CHECK(c.task == SP_TASK_TEXT && c.classes == 256 && c.context == 64);
    CHECK(sp_trainspec_set(&s, "context", "8") == SP_OK);
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK && c.context == 8);
    /* refusals of what does not combine */
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_trainspec_set(&s, "pool", "mean") == SP_OK);
    CHECK(sp_trainspec_build(&s, 0, &c, &o) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--patch and --pool are for --task fmnist, not fortunes"));
    sp_trainspec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_trainspec_set(&s, "context", "8") == SP_OK);
    CHECK(sp_trainspec_build(&s, 0, &c, &o) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--context is for --task fortunes"));
    sp_trainspec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_trainspec_set(&s, "rope-pairing", "interleaved") == SP_OK);
    CHECK(sp_trainspec_build(&s, 0, &c, &o) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--rope-pairing needs --rope THETA"));
    CHECK(sp_trainspec_set(&s, "rope", "100") == SP_OK);
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_OK && c.rope == SP_ROPE_INTERLEAVED);
    /* with check, the trainer's own refusals: kv-heads must divide heads */
    CHECK(sp_trainspec_set(&s, "kv-heads", "3") == SP_OK);
    CHECK(sp_trainspec_build(&s, 0, &c, &o) == SP_OK);
    CHECK(sp_trainspec_build(&s, 1, &c, &o) == SP_EINVAL);
    CHECK(has(sp_last_error(), "kv"));
    /* on the heap */
    struct sp_trainspec *h = sp_trainspec_new(SP_ARCHKEY_STYLE_KEYWORD);
    CHECK(h && h->style == SP_ARCHKEY_STYLE_KEYWORD && h->c.width == dc.width);
    sp_trainspec_delete(h);
    sp_trainspec_delete(NULL);
}

int main(void)
{
    test_table();
    test_good();
    test_bad();
    test_build();
    return check_done();
}
