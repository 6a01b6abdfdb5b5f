/* The architecture flags shared by theory, measure, compare, sweep and alpha: each
 * flag is a key of the library's table (sigprop/archspec.h), set and resolved
 * there; here: the flag codes, the notes on stderr, the help text generated from
 * the table, and the JSON meta. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Cleared by cli_arch_init: the --width (or proxy) note is printed once per command run. */
static int width_noted;
/* The record of the last --config read (for the notes on stderr, printed once,
 * and the JSON meta); config_path (the argument, which lives as long as argv)
 * NULL: none. */
static struct sp_config_info config_info;
static const char *config_path;
static int config_noted;

void cli_arch_init(struct cli_arch *c)
{
    sp_archspec_init(c);
    c->style = SP_ARCHKEY_STYLE_FLAG; /* reasons name keys as flags: "--norm: 'foo' is not ..." */
    width_noted = 0;
    config_path = NULL;
    config_noted = 0;
}

void cli_arch_free(struct cli_arch *c) { sp_archspec_free(c); }

size_t cli_arch_nalpha(const struct cli_arch *c) { return c->nalpha ? c->nalpha : 1; }
double cli_arch_alpha(const struct cli_arch *c, size_t i) { return c->nalpha ? c->alphas[i] : (double)NAN; }

/* The key of an OPT_ARCH_* code: its name in cli_arch_longopts that is not an alias. */
static const char *key_of(int opt)
{
    for (const struct option *o = cli_arch_longopts; o->name; o++) {
        const struct sp_archkey *k = sp_archkey_find(o->name);
        if (o->val == opt && k && !k->alias_of)
            return o->name;
    }
    return NULL;
}

int cli_arch_option(struct cli_arch *c, const char *cmd, int opt, const char *arg)
{
    const char *key = key_of(opt);
    if (!key)
        return cli_usage(cmd, "internal error: unhandled option %d", opt);
    enum sp_status s = sp_archspec_set(c, key, arg);
    if (s == SP_ENOMEM)
        return cli_fail("%s", sp_last_error());
    if (s != SP_OK)
        return cli_usage(cmd, "%s", sp_last_error());
    if (opt == OPT_CONFIG) {
        config_info = *c->config_info;
        config_path = arg;
        config_noted = 0;
    }
    return 0;
}

/* Once per run: the --width note (the sigmas followed it) or the --proxy-width one. */
static void note_width(const struct cli_arch *c, const char *cmd, const struct sp_arch *a,
                       const struct sp_archspec_notes *n)
{
    if (width_noted || cli_quiet || (!n->width_changed && !n->proxy))
        return;
    width_noted = 1;
    if (n->proxy) {
        cli_info("%s: proxy: width %d for the target width %d, with the target's sigmas "
                 "(s_OV = %.6g, s_21 = %.6g, s_QK = %.6g), %d heads (head dim %d -> %d), "
                 "MLP hidden %d -> %d",
                 cmd, a->width, n->target_width, sp_arch_s_ov(a), sp_arch_s_21(a), sp_arch_s_qk(a),
                 a->heads, n->target_width / n->target_heads, a->width / a->heads, n->target_hidden,
                 sp_arch_mlp_hidden(a));
        return;
    }
    static const char *sigma[6] = {"q", "k", "v", "o", "1", "2"};
    char keep[320] = "";
    for (int i = 0; i < 6; i++)
        if (!isnan(n->keep[i])) {
            size_t l = strlen(keep);
            snprintf(keep + l, sizeof keep - l, "%s--sigma-%s %.6g", l ? " " : "", sigma[i],
                     n->keep[i]);
        }
    char who[64];
    if (!strcmp(n->ref_source, "config"))
        snprintf(who, sizeof who, "the config's width %d", n->ref_width);
    else if (!strcmp(n->ref_source, "preset"))
        snprintf(who, sizeof who, "preset %s's width %d", c->preset, n->ref_width);
    else
        snprintf(who, sizeof who, "the default width %d", n->ref_width);
    cli_info("%s: note: --width %d differs from %s and the sigmas follow width "
             "(sigma = init-std %g x sqrt(fan_in)): s_OV = %.6g, s_21 = %.6g, s_QK = %.6g; "
             "to keep the sigmas of width %d give %s",
             cmd, c->width, who, a->init_std, sp_arch_s_ov(a), sp_arch_s_21(a), sp_arch_s_qk(a),
             n->ref_width, keep);
}

/* Once per run: what the config file set and what it holds that is not modelled. */
static void note_config(const struct cli_arch *c)
{
    if (config_noted || cli_quiet || !c->config_path || !config_path)
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

const char *cli_theory_version_source(const struct cli_arch *c)
{
    return sp_archspec_version_source(c);
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

size_t cli_caveats(const struct sp_arch *a, const struct sp_theory_opts *o, int warn,
                   cJSON *meta)
{
    struct sp_caveat cv[SP_CAVEATS_MAX];
    size_t k = sp_theory_caveats(a, o, cv, SP_CAVEATS_MAX);
    if (k > SP_CAVEATS_MAX)
        k = SP_CAVEATS_MAX;
    cJSON *arr = meta ? cJSON_AddArrayToObject(meta, "caveats") : NULL;
    for (size_t i = 0; i < k; i++) {
        if (warn)
            cli_info("warning: %s: %s", cv[i].code, cv[i].text);
        if (arr) {
            cJSON *j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "code", cv[i].code);
            cJSON_AddStringToObject(j, "text", cv[i].text);
            cJSON_AddItemToArray(arr, j);
        }
    }
    return k;
}

int cli_arch_build(const struct cli_arch *c, const char *cmd, double alpha, struct sp_arch *a,
                   struct sp_theory_opts *o)
{
    struct sp_archspec_notes n;
    cli_arch_note((void *)cmd, c, NULL, NULL);
    if (sp_archspec_build(c, alpha, a, o, &n) != SP_OK)
        return cli_usage(cmd, "%s", sp_last_error());
    cli_arch_note((void *)cmd, c, a, &n);
    return 0;
}

void cli_arch_note(void *cmd, const struct cli_arch *c, const struct sp_arch *a,
                   const struct sp_archspec_notes *n)
{
    if (c->config_path && !c->preset)
        note_config(c);
    if (a && a->model == SP_MODEL_TRANSFORMER)
        note_width(c, cmd, a, n);
}

/* One key of the table as a help entry ("  --mlp A, --activation A  relu | ..."),
 * with its default from sp_arch_default. */
static void key_help(FILE *f, const struct sp_archkey *k)
{
    enum { COL = 24 };
    char left[128], def[32];
    int n = snprintf(left, sizeof left, "  --%s%s%s", k->name, k->syntax ? " " : "",
                     k->syntax ? k->syntax : "");
    for (size_t i = 0; i < sp_archkey_count(); i++) {
        const struct sp_archkey *a = sp_archkey_at(i);
        if (a->alias_of && !strcmp(a->alias_of, k->name) && n > 0 && (size_t)n < sizeof left)
            n += snprintf(left + n, sizeof left - (size_t)n, ", --%s%s%s", a->name,
                          a->syntax ? " " : "", a->syntax ? a->syntax : "");
    }
    fprintf(f, "%s", left);
    if (n >= COL - 1)
        fprintf(f, "\n%*s", COL, "");
    else
        fprintf(f, "%*s", COL - n, "");
    int has_def = sp_archkey_default(k, def, sizeof def);
    for (const char *p = k->help; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(f, "%.*s", (int)len, p);
        p += len + (nl != NULL);
        if (!*p && has_def)
            fprintf(f, " (default %s)", def);
        fputc('\n', f);
        if (*p)
            fprintf(f, "%*s", COL, "");
    }
}

void cli_arch_help(FILE *f)
{
    static const char *const heading[] = {
        [SP_ARCHKEY_ANY] = "Architecture (preset or config first, then flags; explicit flags "
                           "always win):\n",
        [SP_ARCHKEY_TOY] = "Toy residual network (--model toy):\n",
        [SP_ARCHKEY_THEORY] = "Theory version (default C in every command; preset blog2 keeps its "
                              "published\nversion A in every command; docs/theory.md says when "
                              "they differ):\n",
    };
    int last = -1;
    for (size_t i = 0; i < sp_archkey_count(); i++) {
        const struct sp_archkey *k = sp_archkey_at(i);
        int section = k->scope == SP_ARCHKEY_TRANSFORMER ? SP_ARCHKEY_ANY : (int)k->scope;
        if (k->alias_of)
            continue;
        if (section != last)
            fputs(heading[section], f);
        last = section;
        int flag = 0; /* every key is a flag (tests/cli/test_theory.sh greps for this) */
        for (const struct option *o = cli_arch_longopts; o->name && !flag; o++)
            flag = !strcmp(o->name, k->name);
        if (!flag)
            fprintf(f, "  (internal error: key %s has no flag)\n", k->name);
        key_help(f, k);
    }
    fputs("Presets:\n", f);
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
