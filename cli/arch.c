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

int cli_arch_key(void *ctx, const char *cmd, const struct sp_key *k, const char *arg)
{
    struct cli_arch *c = ctx;
    int rc = cli_key_set(sp_archspec_keys(), c, cmd, k, arg);
    if (!rc && !strcmp(k->name, "config")) {
        config_info = *c->config_info;
        config_path = arg;
        config_noted = 0;
    }
    return rc;
}

/* Once per run: the --width note (the sigmas followed it) or the --proxy-width one. */
static void note_width(const struct cli_arch *c, const char *cmd, const struct sp_arch *a,
                       const struct sp_archspec_notes *n)
{
    char text[1024];
    if (width_noted || cli_quiet || !sp_archspec_note(c, a, n, text, sizeof text))
        return;
    width_noted = 1;
    cli_info("%s: %s", cmd, text);
}

/* Once per run: what the config file set and what it holds that is not modelled. */
static void note_config(const struct cli_arch *c)
{
    char text[8192];
    if (config_noted || cli_quiet || !c->config_path || !config_path)
        return;
    config_noted = 1;
    sp_config_info_note(config_path, &config_info, text, sizeof text);
    for (char *p = text, *nl; p; p = nl ? nl + 1 : NULL) {
        if ((nl = strchr(p, '\n')))
            *nl = 0;
        cli_info("%s", p);
    }
}

const char *cli_theory_version_source(const struct cli_arch *c)
{
    return sp_archspec_version_source(c);
}

void cli_theory_version_note(const struct cli_arch *c, char *buf, size_t n)
{
    sp_archspec_version_note(c, buf, n);
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

const struct sp_help_layout cli_arch_layout = {"  ", "--", 24, 1};

const char *const cli_arch_headings[] = {
    [SP_ARCHKEY_ANY] = "Architecture (preset or config first, then flags; explicit flags "
                       "always win):\n",
    [SP_ARCHKEY_TRANSFORMER] = "Architecture (preset or config first, then flags; explicit "
                               "flags always win):\n",
    [SP_ARCHKEY_TOY] = "Toy residual network (--model toy):\n",
    [SP_ARCHKEY_THEORY] = "Theory version (default C in every command; preset blog2 keeps its "
                          "published\nversion A in every command; docs/theory.md says when "
                          "they differ):\n",
};

void cli_arch_presets_help(FILE *f)
{
    fputs("Presets:\n", f);
    for (int i = 0; sp_preset_names[i]; i++)
        fprintf(f, "  %-10s %s\n", sp_preset_names[i], sp_preset_descriptions[i]);
}

int cli_arch_meta(cJSON *meta, const struct sp_arch *a, const struct sp_theory_opts *o)
{
    return cli_meta_add_json(meta, NULL, sp_arch_meta_json(a, o, config_path, &config_info));
}
