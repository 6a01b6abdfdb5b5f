/* Shared CLI plumbing: messages, validated number and list parsing, atomic table
 * output and the progress bar. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_quiet = 0;

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sigprop: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'sigprop %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sigprop: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

int cli_status(const char *cmd, enum sp_status s)
{
    if (s == SP_OK)
        return 0;
    return s == SP_EINVAL ? cli_usage(cmd, "%s", sp_last_error())
                          : cli_fail("%s: %s", cmd, sp_last_error());
}

void cli_info(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("sigprop: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* getopt's '?' and ':' results: names the bad flag; returns 2. */
static int bad_option(const char *cmd, int argc, char **argv)
{
    const char *bad = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : "?";
    if (optopt && optopt < 256 && bad[0] == '-' && bad[1] != '-')
        return cli_usage(cmd, "unknown option or missing value: -%c", optopt);
    return cli_usage(cmd, "unknown option or missing value: %s", bad);
}

/* A library parse failure (sigprop/archspec.h: the one value syntax, its reason
 * naming the flag) as the CLI reports it: 2, or 1 when memory ran out. */
static int parse_failed(const char *cmd, enum sp_status s)
{
    return s == SP_ENOMEM ? cli_fail("%s", sp_last_error()) : cli_usage(cmd, "%s", sp_last_error());
}

int cli_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi,
                     double *out)
{
    enum sp_status st = sp_parse_real(flag, s, lo, hi, out);
    return st == SP_OK ? 0 : parse_failed(cmd, st);
}

int cli_parse_int(const char *cmd, const char *flag, const char *s, long lo, long hi, int *out)
{
    long long v;
    enum sp_status st =
        sp_parse_int(flag, s, lo < INT_MIN ? INT_MIN : lo, hi > INT_MAX ? INT_MAX : hi, &v);
    if (st != SP_OK)
        return parse_failed(cmd, st);
    *out = (int)v;
    return 0;
}

static int parse_u64(const char *cmd, const char *flag, const char *s, uint64_t hi, uint64_t *out)
{
    enum sp_status st = sp_parse_u64(flag, s, hi, out);
    return st == SP_OK ? 0 : parse_failed(cmd, st);
}

int cli_parse_list(const char *cmd, const char *flag, const char *s, double lo, double hi,
                   double **vals, size_t *n)
{
    enum sp_status st = sp_parse_list(flag, s, lo, hi, 0, vals, n);
    return st == SP_OK ? 0 : parse_failed(cmd, st);
}

int cli_parse_int_list(const char *cmd, const char *flag, const char *s, long lo, long hi,
                       int **vals, size_t *n)
{
    /* never leaves a stale pointer behind, whatever the outcome: callers free the
     * previous list of a repeated flag before calling, then free *vals at the end */
    *vals = NULL;
    *n = 0;
    if (lo < INT_MIN)
        lo = INT_MIN;
    if (hi > INT_MAX)
        hi = INT_MAX;
    double *d;
    size_t cnt;
    enum sp_status st = sp_parse_list(flag, s, (double)lo, (double)hi, 1, &d, &cnt);
    if (st != SP_OK)
        return parse_failed(cmd, st);
    int *v = malloc(cnt * sizeof *v);
    if (!v) {
        free(d);
        return cli_fail("out of memory");
    }
    for (size_t i = 0; i < cnt; i++)
        v[i] = (int)d[i]; /* integral and within [lo, hi]: checked element by element */
    free(d);
    *vals = v;
    *n = cnt;
    return 0;
}

cJSON *cli_meta_new(const char *cmd)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "tool", "sigprop");
    cJSON_AddStringToObject(m, "command", cmd);
    cJSON_AddStringToObject(m, "version", sp_version());
    cJSON_AddStringToObject(m, "git", sp_git_hash());
    cJSON_AddStringToObject(m, "build", sp_build_features());
    return m;
}

/* The reason of an sp_outfile failure. */
static const char *out_reason(const struct sp_outfile *o, enum sp_status s)
{
    return o->errnum ? strerror(o->errnum) : sp_status_str(s);
}

int cli_write_table(const struct sp_table *t, enum cli_format fmt, const char *path,
                    const cJSON *meta)
{
    struct sp_outfile o;
    const char *name = path ? path : "-";
    enum sp_status s = sp_outfile_open(&o, path);
    if (s != SP_OK)
        return cli_fail("cannot open '%s' for writing: %s", name, out_reason(&o, s));
    if (fmt == CLI_JSON) {
        char *m = meta ? cJSON_PrintUnformatted(meta) : NULL;
        s = sp_table_write_json(t, m, o.f);
        cJSON_free(m);
    } else {
        s = sp_table_write_csv(t, o.f);
    }
    if (s != SP_OK) {
        sp_outfile_abort(&o);
        return cli_fail("writing '%s' failed: %s", name, sp_status_str(s));
    }
    if ((s = sp_outfile_commit(&o)) != SP_OK)
        return cli_fail("writing '%s' failed: %s", name, out_reason(&o, s));
    return 0;
}

int cli_meta_add_json(cJSON *meta, const char *key, char *json)
{
    if (!json)
        return cli_fail("%s", sp_last_error());
    cJSON *j = cJSON_Parse(json);
    free(json);
    if (!j)
        return cli_fail("out of memory");
    if (key) {
        cJSON_AddItemToObject(meta, key, j);
        return 0;
    }
    while (j->child) {
        cJSON *c = cJSON_DetachItemViaPointer(j, j->child);
        cJSON_AddItemToObject(meta, c->string, c);
    }
    cJSON_Delete(j);
    return 0;
}

int cli_check_output(const char *cmd, const char *flag, const char *path)
{
    struct stat st;
    if (!path || !strcmp(path, "-"))
        return 0;
    if (!*path)
        return cli_usage(cmd, "%s: empty file name", flag);
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return cli_usage(cmd, "%s: '%s' is a directory", flag, path);
        if (access(path, W_OK) != 0)
            return cli_usage(cmd, "%s: '%s' is not writable: %s", flag, path, strerror(errno));
        return 0;
    }
    char *copy = strdup(path);
    if (!copy)
        return cli_fail("out of memory");
    const char *dir = dirname(copy);
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = cli_usage(cmd, "%s: directory '%s' of '%s' does not exist", flag, dir, path);
    else if (access(dir, W_OK) != 0)
        rc = cli_usage(cmd, "%s: directory '%s' is not writable: %s", flag, dir, strerror(errno));
    free(copy);
    return rc;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

_Atomic int cli_progress_permille = -1;

void cli_progress_start(struct cli_progress *p, const char *label, size_t total)
{
    cli_progress_permille = total > 0 ? 0 : -1;
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t0 = p->last = cli_now();
    p->active = !cli_quiet && isatty(STDERR_FILENO) && total > 0;
}

void cli_progress_update(struct cli_progress *p, size_t done)
{
    p->done = done;
    if (p->total > 0) /* for an enclosing progress display (sigprop report) */
        cli_progress_permille = (int)(1000.0 * (double)(done < p->total ? done : p->total) /
                                      (double)p->total);
    if (!p->active)
        return;
    double now = cli_now();
    if (now - p->last < 0.1 && done < p->total)
        return;
    p->last = now;
    double frac = (double)done / (double)p->total;
    int width = 30, fill = (int)(frac * width);
    double el = now - p->t0, eta = frac > 0 ? el / frac - el : 0.0;
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu  %.0fs elapsed, ETA %.0fs ", done, p->total, el, eta);
    fflush(stderr);
}

void cli_progress_finish(struct cli_progress *p)
{
    if (p->active) {
        cli_progress_update(p, p->total);
        fputc('\n', stderr);
    }
    p->active = 0;
}

/* ---- the option table ---- */
const char *const cli_format_names[] = {"csv", "json", NULL};
const char *const cli_input_names[] = {"equiangular", "gaussian", NULL};
enum { OPT_TABLE_FIRST = 2000 }; /* getopt code of table entry i: OPT_TABLE_FIRST + i */
/* getopt code of key k of KEYS entry i: OPT_KEYS_FIRST + i * OPT_KEYS_STRIDE + k */
enum { OPT_KEYS_FIRST = 4000, OPT_KEYS_STRIDE = 128 };

/* Whether KEYS entry e takes key k (its group, or one of its names). */
static int takes_key(const struct cli_opt *e, const struct sp_key *k)
{
    if (!e->names)
        return e->kgroup < 0 || k->group == e->kgroup;
    for (const char *const *n = e->names; *n; n++)
        if (!strcmp(*n, k->name))
            return 1;
    return 0;
}

/* Key code of KEYS entry i, or NULL when code is not one of its. */
static const struct sp_key *key_of(const struct cli_opt *opts, size_t i, int code)
{
    int k = code - OPT_KEYS_FIRST - (int)i * OPT_KEYS_STRIDE;
    return opts[i].kind == CLI_OPT_KEYS && k >= 0 && k < OPT_KEYS_STRIDE
               ? sp_keyset_at(opts[i].keys, (size_t)k)
               : NULL;
}

int cli_key_set(const struct sp_keyset *ks, void *ctx, const char *cmd, const struct sp_key *k,
                const char *arg)
{
    enum sp_status s = ks->set(ctx, k->name, k->syntax ? arg : NULL);
    return s == SP_OK ? 0 : parse_failed(cmd, s);
}

static int has_arg(enum cli_opt_kind k)
{
    return k != CLI_OPT_FLAG && k != CLI_OPT_HELP;
}

/* The entry (or group entry) that getopt's result code belongs to, or NULL. */
static const struct cli_opt *entry_of(const struct cli_opt *opts, int code)
{
    for (size_t i = 0; opts[i].kind != CLI_OPT_END; i++) {
        const struct cli_opt *e = &opts[i];
        if ((code < 256 && e->key && e->key == code) || code == OPT_TABLE_FIRST + (int)i ||
            key_of(opts, i, code))
            return e;
    }
    return NULL;
}

static void print_help(const struct cli_cmd *cmd, FILE *f, char (*defs)[64]);

/* Stores one option's value. 0, CLI_DONE or 2 (printed). defs: what "%v" prints
 * in the help of each entry: its value before parsing (the default). */
static int set_value(const struct cli_cmd *cmd, const struct cli_opt *e, int code,
                     const char *arg, char (*defs)[64])
{
    const char *c = cmd->name;
    char flag[80];
    snprintf(flag, sizeof flag, "--%s", e->name ? e->name : "?");
    if (e->seen)
        ++*e->seen;
    switch (e->kind) {
    case CLI_OPT_FLAG: *(int *)e->dest = 1; return 0;
    case CLI_OPT_HELP: print_help(cmd, stdout, defs); return CLI_DONE;
    case CLI_OPT_INT: return cli_parse_int(c, flag, arg, (long)e->lo, (long)e->hi, e->dest);
    case CLI_OPT_LONG: {
        long long v;
        enum sp_status st = sp_parse_int(flag, arg, (long long)e->lo, (long long)e->hi, &v);
        if (st != SP_OK)
            return parse_failed(c, st);
        *(long *)e->dest = (long)v;
        return 0;
    }
    case CLI_OPT_U64: /* hi >= 2^64 (UINT64_MAX as a double): no upper bound */
        return parse_u64(c, flag, arg, e->hi >= 0x1p64 ? UINT64_MAX : (uint64_t)e->hi,
                             e->dest);
    case CLI_OPT_DOUBLE: return cli_parse_double(c, flag, arg, e->lo, e->hi, e->dest);
    case CLI_OPT_SIZE: {
        enum sp_status st = sp_parse_size(flag, arg, e->dest);
        return st == SP_OK ? 0 : parse_failed(c, st);
    }
    case CLI_OPT_STRING: *(const char **)e->dest = arg; return 0;
    case CLI_OPT_ENUM: {
        enum sp_status st = sp_parse_choice(flag, e->values, arg, e->dest);
        return st == SP_OK ? 0 : parse_failed(c, st);
    }
    case CLI_OPT_LIST:
    case CLI_OPT_INTEGRAL_LIST: {
        struct cli_list *l = e->dest;
        free(l->v);
        enum sp_status st = sp_parse_list(flag, arg, e->lo, e->hi,
                                          e->kind == CLI_OPT_INTEGRAL_LIST, &l->v, &l->n);
        return st == SP_OK ? 0 : parse_failed(c, st);
    }
    case CLI_OPT_NORM_LIST: {
        struct cli_list *l = e->dest;
        free(l->v);
        enum sp_status st = sp_parse_norm_list(flag, arg, &l->v, &l->n);
        return st == SP_OK ? 0 : parse_failed(c, st);
    }
    case CLI_OPT_INT_LIST: {
        struct cli_int_list *l = e->dest;
        free(l->v);
        return cli_parse_int_list(c, flag, arg, (long)e->lo, (long)e->hi, &l->v, &l->n);
    }
    case CLI_OPT_CALL: return e->call(e->ctx, c, flag, arg);
    case CLI_OPT_KEYS: {
        const struct sp_key *k = key_of(e, 0, code - (int)(e - cmd->opts) * OPT_KEYS_STRIDE);
        return e->set_key ? e->set_key(e->ctx, c, k, arg) : cli_key_set(e->keys, e->ctx, c, k, arg);
    }
    default: return 0;
    }
}

/* What "%v" in e's help prints: the value of e->dest now. */
static void format_value(const struct cli_opt *e, char *buf, size_t n)
{
    buf[0] = 0;
    if (!e->dest || !e->help || !strstr(e->help, "%v"))
        return;
    switch (e->kind) {
    case CLI_OPT_INT: snprintf(buf, n, "%d", *(const int *)e->dest); break;
    case CLI_OPT_LONG: snprintf(buf, n, "%ld", *(const long *)e->dest); break;
    case CLI_OPT_U64:
        snprintf(buf, n, "%llu", (unsigned long long)*(const uint64_t *)e->dest);
        break;
    case CLI_OPT_DOUBLE: snprintf(buf, n, "%g", *(const double *)e->dest); break;
    case CLI_OPT_STRING: {
        const char *v = *(const char *const *)e->dest;
        snprintf(buf, n, "%s", v ? v : "none");
        break;
    }
    case CLI_OPT_ENUM: { /* a default outside values (cls's -1, unset) shows as "none" */
        int v = *(const int *)e->dest, k = 0;
        while (e->values[k] && k < v)
            k++;
        snprintf(buf, n, "%s", v >= 0 && e->values[k] ? e->values[k] : "none");
        break;
    }
    default: break;
    }
}

static size_t table_len(const struct cli_opt *opts)
{
    size_t n = 0;
    while (opts[n].kind != CLI_OPT_END)
        n++;
    return n;
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, int *first)
{
    size_t nlong = 1;
    char shorts[64] = ":";
    size_t ns = 1;
    for (size_t i = 0; cmd->opts[i].kind != CLI_OPT_END; i++) {
        const struct cli_opt *e = &cmd->opts[i];
        nlong += (e->name != NULL) + (e->kind == CLI_OPT_KEYS ? e->keys->count : 0);
        if (e->key && ns + 3 < sizeof shorts) {
            shorts[ns++] = e->key;
            if (has_arg(e->kind))
                shorts[ns++] = ':';
        }
    }
    shorts[ns] = 0;
    struct option *lo = calloc(nlong, sizeof *lo);
    if (!lo)
        return cli_fail("out of memory");
    size_t k = 0;
    for (size_t i = 0; cmd->opts[i].kind != CLI_OPT_END; i++) {
        const struct cli_opt *e = &cmd->opts[i];
        if (e->name)
            lo[k++] = (struct option){e->name, has_arg(e->kind) ? required_argument : no_argument,
                                      0, OPT_TABLE_FIRST + (int)i};
        for (size_t g = 0; e->kind == CLI_OPT_KEYS && g < e->keys->count; g++) {
            const struct sp_key *key = sp_keyset_at(e->keys, g);
            /* a name the table declares itself is the table's (alpha's --depth list) */
            size_t j = 0;
            while (cmd->opts[j].kind != CLI_OPT_END &&
                   !(cmd->opts[j].name && !strcmp(cmd->opts[j].name, key->name)))
                j++;
            if (cmd->opts[j].kind == CLI_OPT_END && takes_key(e, key))
                lo[k++] = (struct option){key->name, key->syntax ? required_argument : no_argument,
                                          0, OPT_KEYS_FIRST + (int)i * OPT_KEYS_STRIDE + (int)g};
        }
    }
    /* the help's defaults: the values before any option changes them */
    size_t nt = table_len(cmd->opts);
    char(*defs)[64] = calloc(nt + 1, sizeof *defs);
    if (!defs) {
        free(lo);
        return cli_fail("out of memory");
    }
    for (size_t i = 0; i < nt; i++)
        format_value(&cmd->opts[i], defs[i], sizeof defs[i]);
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while (!rc && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        const struct cli_opt *e = c == '?' || c == ':' ? NULL : entry_of(cmd->opts, c);
        rc = e ? set_value(cmd, e, c, optarg, defs) : bad_option(cmd->name, argc, argv);
    }
    free(defs);
    free(lo);
    if (!rc && argc - optind > cmd->max_args)
        rc = cli_usage(cmd->name, "unexpected argument '%s'", argv[optind + cmd->max_args]);
    *first = optind;
    return rc;
}

int cli_parse_stop(const struct cli_cmd *cmd, int argc, char **argv, int *first, int *rc)
{
    *rc = cli_parse(cmd, argc, argv, first);
    if (*rc == CLI_DONE)
        *rc = CLI_OK;
    else if (*rc == CLI_OK)
        return 0;
    return 1;
}

/* One option's help lines as the table prints them: "  -k, --name ARG" (key 0:
 * none; arg NULL: a flag) padded to the help column, each line of help with "%v"
 * replaced by def. */
static const struct sp_help_layout table_layout = {"      ", "--", 24, 0};
static void help_entry(FILE *f, char key, const char *name, const char *arg, const char *help,
                       const char *def)
{
    char left[96], text[4096];
    snprintf(left, sizeof left, "  %c%c%s--%s%s%s", key ? '-' : ' ', key ? key : ' ',
             key ? ", " : "  ", name, arg ? " " : "", arg ? arg : "");
    sp_help_entry(&table_layout, left, help, def, text, sizeof text);
    fputs(text, f);
}

/* The help of KEYS entry e: its keys (aliases beside their key), each group's heading. */
static void keys_help(FILE *f, const struct cli_opt *e)
{
    const char *last = NULL;
    char text[4096];
    size_t n = e->names ? 0 : e->keys->count;
    while (e->names && e->names[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        const struct sp_key *k =
            e->names ? sp_keyset_find(e->keys, e->names[i]) : sp_keyset_at(e->keys, i);
        if (!k || k->alias_of || !takes_key(e, k))
            continue;
        const char *h = e->headings ? e->headings[k->group] : NULL;
        if (h && (!last || strcmp(h, last)))
            fputs(h, f);
        last = h ? h : last;
        sp_keyset_help(e->keys, k, e->layout ? e->layout : &table_layout, text, sizeof text);
        fputs(text, f);
    }
}

static void print_help(const struct cli_cmd *cmd, FILE *f, char (*defs)[64])
{
    if (cmd->head)
        fputs(cmd->head, f);
    for (size_t i = 0; cmd->opts[i].kind != CLI_OPT_END; i++) {
        const struct cli_opt *e = &cmd->opts[i];
        if (e->kind == CLI_OPT_TEXT) {
            fputs(e->help, f);
            continue;
        }
        if (e->kind == CLI_OPT_TEXTFN) {
            if (e->text)
                e->text(f);
            continue;
        }
        if (e->kind == CLI_OPT_KEYS)
            keys_help(f, e);
        else if (e->help)
            help_entry(f, e->key, e->name, e->arg, e->help, defs[i]);
    }
    if (cmd->tail)
        fputs(cmd->tail, f);
}

/* ---- the notes of the library's table functions ---- */
void cli_notes(const struct sp_notes *n)
{
    for (size_t i = 0; i < n->n; i++)
        cli_info("%s", n->text[i]);
}
