/* The measurement settings by name, the run plan and the run
 * (sigprop/measurespec.h). The CLI's flags (measure, compare, sweep's checks) and
 * Python's keywords go through here: one key table, one validation before any
 * work (what the finite network implements, memory, time), one loop that turns
 * sp_net_measure_weights' rows into the measure table. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archkeys.h"
#include "sigprop/measurespec.h"
#include "sigprop/records.h"
#include "sigprop/train.h"

/* ---- values ---- */

enum sp_status sp_parse_size(const char *name, const char *s, double *out)
{
    size_t len = strlen(s);
    double mul = 1.0, v = 0.0;
    char num[64];
    if (len && strchr("kKmMgGtT", s[len - 1])) {
        switch (s[len - 1]) {
        case 'k': case 'K': mul = 1024.0; break;
        case 'm': case 'M': mul = 1048576.0; break;
        case 'g': case 'G': mul = 1073741824.0; break;
        default: mul = 1099511627776.0; break;
        }
        len--;
    }
    if (len >= sizeof num)
        len = sizeof num - 1; /* too long to be a size: refused below */
    memcpy(num, s, len);
    num[len] = 0;
    if (strlen(s) >= sizeof num || sp_parse_real(name, num, 0.0, INFINITY, &v) != SP_OK ||
        v <= 0.0)
        return sp_fail(SP_EINVAL, "%s: '%s' is not a positive size (bytes, or with K, M, G, T)",
                       name, s);
    *out = v * mul;
    return SP_OK;
}

double sp_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                return (double)kb * 1024.0;
            }
        }
        fclose(f);
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), ps = sysconf(_SC_PAGESIZE);
    return pages > 0 && ps > 0 ? (double)pages * (double)ps : (double)INFINITY;
}

/* ---- the key table ---- */

static const char *const input_names[] = {"equiangular", "gaussian", NULL};
static const char *const off_on[] = {"off", "on", NULL};
static const char default_data[] = SP_FASHION_MNIST_DIR;

#define RUN SP_MEASUREKEY_RUN
#define OUT SP_MEASUREKEY_OUTPUT
static const struct sp_key keys[] = {
    {"seeds", "K", "independent weight draws (and inputs) (default %v)", SP_MEASUREKEY_INT, RUN,
     1, 1000000, NULL, NULL, NULL},
    {"probes", "P", "Hutchinson probes per draw, one pass (default %v)", SP_MEASUREKEY_INT, RUN,
     1, 100000, NULL, NULL, NULL},
    {"seed", "S", "master seed of the Philox generator (default %v)", SP_MEASUREKEY_U64, RUN, 0,
     0, NULL, NULL, NULL},
    {"threads", "T", "OpenMP and OpenBLAS threads (default: as the environment)",
     SP_MEASUREKEY_INT, RUN, 1, 4096, NULL, NULL, NULL},
    {"input", "I",
     "equiangular (exact q0, p0; needs tokens <= width) |\n"
     "gaussian (same covariance; needs p0 >= 0) (default %v)",
     SP_MEASUREKEY_CHOICE, RUN, 0, 0, input_names, NULL, NULL},
    {"measure", "LIST", "fwd,bwd,grad or all: which passes run (default all)",
     SP_MEASUREKEY_PASSES, RUN, 0, 0, NULL, NULL, NULL},
    {"exclude-cls", NULL, "q, p, rho over tokens 1..n-1 (token 0 as a CLS token)",
     SP_MEASUREKEY_FLAG, RUN, 0, 0, NULL, NULL, NULL},
    {"checkpoint", "S", "reverse mode: blocks per checkpoint (default ceil(sqrt(L)))",
     SP_MEASUREKEY_INT, RUN, 1, 1000000, NULL, NULL, NULL},
    {"inputs", "fashion-mnist[:N]",
     "real inputs: each draw is a different Fashion-MNIST\n"
     "test image (a choice seeded by --seed; N images = N draws,\n"
     "else --seeds of them) through the trainer's patch embedding\n"
     "(7x7 patches, + CLS token, + positions; the trainer's init at\n"
     "--seed and the arch's width and init std, or the\n"
     "checkpoint's own with --weights); sets --tokens (16 + CLS)",
     SP_MEASUREKEY_INPUTS, RUN, 1, 10000, NULL, NULL, NULL},
    {"cls", "on|off",
     "with --inputs: the CLS token is a row of the input (on,\n"
     "default; 17 tokens) or left out (off; 16 patch tokens)",
     SP_MEASUREKEY_CHOICE, RUN, 0, 0, off_on, NULL, NULL},
    {"data", "DIR", "the Fashion-MNIST .gz files (default %v)", SP_MEASUREKEY_STRING, RUN, 0, 0,
     NULL, NULL, NULL},
    {"max-memory", "SIZE", "refuse runs needing more (default: available memory)",
     SP_MEASUREKEY_SIZE, RUN, 0, 0, NULL, NULL, NULL},
    {"max-time", "S",
     "refuse runs estimated to take more than S seconds (a\n"
     "2-block, one-draw run timed at start, scaled by FLOPs)",
     SP_MEASUREKEY_REAL, RUN, 1e-3, 1e9, NULL, NULL, NULL},
    {"sublayers", NULL, "a row after every sublayer (l = 0, 0.5, 1, ...)", SP_MEASUREKEY_FLAG,
     OUT, 0, 0, NULL, NULL, NULL},
    {"per-seed", NULL,
     "one curve per draw instead of their mean: draw k is a\n"
     "run of its own with --seed S+k, in a last column seed\n"
     "(_se across probes); sigprop fit takes its intervals\n"
     "from the draw-to-draw scatter",
     SP_MEASUREKEY_FLAG, OUT, 0, 0, NULL, NULL, NULL},
    {"token-ids", "LIST|FILE",
     "the input is a token sequence: row a is the embedding of\n"
     "id LIST[a] in a random table (entries N(0, q0), row k\n"
     "from --seed and k, the same in every draw), so a\n"
     "repeated id repeats its row, as a language model's\n"
     "input does; sets --tokens (transformer only). A FILE\n"
     "holds the ids as decimal integers separated by white\n"
     "space or commas",
     SP_MEASUREKEY_IDS, OUT, 0, 0, NULL, NULL, NULL},
    {"position-std", "S",
     "with --token-ids: add learned absolute position embeddings\n"
     "at init (GPT-2's wpe): row a gets a second random row of\n"
     "entries N(0, S^2), from --seed and a; the input's q is\n"
     "then q0 + S^2 (default 0: none)",
     SP_MEASUREKEY_REAL, OUT, 0, 1e3, NULL, NULL, NULL},
};
#undef RUN
#undef OUT
enum { NKEYS = sizeof keys / sizeof keys[0] };

static const struct sp_key *key_at(size_t i) { return i < NKEYS ? &keys[i] : NULL; }

static const struct sp_key *key_find(const char *name)
{
    for (size_t i = 0; name && i < NKEYS; i++)
        if (!strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

static int default_text(const struct sp_key *k, char *buf, size_t n)
{
    struct sp_measurespec d;
    sp_measurespec_init(&d);
    buf[0] = 0;
    if (!k || !strstr(k->help, "%v"))
        return 0;
    if (!strcmp(k->name, "seeds"))
        snprintf(buf, n, "%d", d.o.seeds);
    else if (!strcmp(k->name, "probes"))
        snprintf(buf, n, "%d", d.o.probes);
    else if (!strcmp(k->name, "seed"))
        snprintf(buf, n, "%llu", (unsigned long long)d.o.seed);
    else if (!strcmp(k->name, "input"))
        snprintf(buf, n, "%s", input_names[d.o.input]);
    else if (!strcmp(k->name, "data"))
        snprintf(buf, n, "%s", d.data);
    return buf[0] != 0;
}

/* ---- the request ---- */

void sp_measurespec_init(struct sp_measurespec *s)
{
    memset(s, 0, sizeof *s);
    sp_net_opts_default(&s->o);
    s->cls = -1;
    s->data = default_data;
    s->style = SP_ARCHKEY_STYLE_PLAIN;
}

void sp_measurespec_free(struct sp_measurespec *s)
{
    if (!s)
        return;
    free(s->ids);
    if (s->data != default_data)
        free((char *)s->data);
    s->ids = NULL;
    s->nids = 0;
    s->data = default_data;
}

struct sp_measurespec *sp_measurespec_new(enum sp_archkey_style style)
{
    struct sp_measurespec *s = malloc(sizeof *s);
    if (s) {
        sp_measurespec_init(s);
        s->style = style;
    }
    return s;
}

void sp_measurespec_delete(struct sp_measurespec *s)
{
    sp_measurespec_free(s);
    free(s);
}

/* The key's name as s's reasons write it ("--probes", "probes", "position_std"). */
static const char *kname(const struct sp_measurespec *s, const char *key, char *b, size_t n)
{
    return archkey_style_name(s->style, key, NULL, b, n);
}

static enum sp_status set_passes(const char *nm, const char *v, unsigned *out)
{
    static const char *const names[] = {"fwd", "bwd", "grad", "all"};
    static const unsigned bits[] = {SP_MEASURE_FWD, SP_MEASURE_BWD, SP_MEASURE_GRAD,
                                    SP_MEASURE_ALL};
    unsigned mask = 0;
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, ","), k = 0;
        while (k < 4 && (strlen(names[k]) != len || strncmp(p, names[k], len)))
            k++;
        if (k == 4 && len)
            return sp_fail(SP_EINVAL, "%s: '%.*s' in '%s' is not one of fwd, bwd, grad, all",
                           nm, (int)len, p, v);
        mask |= k < 4 ? bits[k] : 0u;
        p += len + (p[len] == ',');
    }
    if (!mask)
        return sp_fail(SP_EINVAL, "%s: empty list '%s' (use fwd, bwd, grad)", nm, v);
    *out = mask;
    return SP_OK;
}

static enum sp_status set_inputs(const char *nm, const struct sp_key *k, const char *v,
                                 struct sp_measurespec *s)
{
    static const char pre[] = "fashion-mnist";
    size_t lp = sizeof pre - 1;
    if (strncmp(v, pre, lp) || (v[lp] && v[lp] != ':'))
        return sp_fail(SP_EINVAL, "%s: '%s' is not fashion-mnist or fashion-mnist:N", nm, v);
    long long n = 0;
    char what[128];
    snprintf(what, sizeof what, "%s fashion-mnist:N", nm);
    enum sp_status st =
        v[lp] ? sp_parse_int(what, v + lp + 1, (long long)k->lo, (long long)k->hi, &n) : SP_OK;
    if (st == SP_OK)
        s->inputs = 1, s->inputs_n = (int)n;
    return st;
}

/* Where an INT or FLAG key stores its value. */
static int *int_field(struct sp_measurespec *s, const char *name)
{
    static const struct {
        const char *name;
        size_t off;
    } f[] = {{"seeds", offsetof(struct sp_measurespec, o.seeds)},
             {"probes", offsetof(struct sp_measurespec, o.probes)},
             {"threads", offsetof(struct sp_measurespec, o.threads)},
             {"checkpoint", offsetof(struct sp_measurespec, o.checkpoint)},
             {"exclude-cls", offsetof(struct sp_measurespec, o.exclude_cls)},
             {"sublayers", offsetof(struct sp_measurespec, o.sublayers)},
             {"per-seed", offsetof(struct sp_measurespec, per_seed)},
             {"cls", offsetof(struct sp_measurespec, cls)}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!strcmp(f[i].name, name))
            return (int *)(void *)((char *)s + f[i].off);
    return NULL;
}

static enum sp_status store_int(struct sp_measurespec *s, const char *nm, const char *name, int v)
{
    int *f = int_field(s, name);
    if (!f)
        return sp_fail(SP_EINVAL, "%s: internal error: no field", nm);
    *f = v;
    return SP_OK;
}

enum sp_status sp_measurespec_set(struct sp_measurespec *s, const char *key, const char *value)
{
    const struct sp_key *k = key_find(key);
    char nm[96];
    if (!k)
        return sp_fail(SP_EINVAL, "%s is not a measurement setting",
                       kname(s, key ? key : "(null)", nm, sizeof nm));
    kname(s, k->name, nm, sizeof nm);
    if (k->kind == SP_MEASUREKEY_FLAG) {
        if (value)
            return sp_fail(SP_EINVAL, "%s takes no value (given '%s')", nm, value);
        return store_int(s, nm, k->name, 1);
    }
    if (!value)
        return sp_fail(SP_EINVAL, "%s needs a value (%s)", nm, k->syntax);
    long long iv;
    double dv;
    uint64_t uv;
    enum sp_status st = SP_OK;
    switch (k->kind) {
    case SP_MEASUREKEY_INT:
        if ((st = sp_parse_int(nm, value, (long long)k->lo, (long long)k->hi, &iv)) == SP_OK)
            st = store_int(s, nm, k->name, (int)iv);
        s->seeds_given |= st == SP_OK && !strcmp(k->name, "seeds");
        return st;
    case SP_MEASUREKEY_U64:
        if ((st = sp_parse_u64(nm, value, UINT64_MAX, &uv)) == SP_OK)
            s->o.seed = uv;
        return st;
    case SP_MEASUREKEY_REAL:
        if ((st = sp_parse_real(nm, value, k->lo, k->hi, &dv)) == SP_OK)
            *(!strcmp(k->name, "max-time") ? &s->max_time : &s->position_std) = dv;
        return st;
    case SP_MEASUREKEY_SIZE:
        return sp_parse_size(nm, value, &s->max_memory);
    case SP_MEASUREKEY_CHOICE: {
        int c = 0;
        if ((st = sp_parse_choice(nm, k->choices, value, &c)) != SP_OK)
            return st;
        if (strcmp(k->name, "input"))
            return store_int(s, nm, k->name, c);
        s->o.input = (enum sp_net_input)c, s->input_given = 1;
        return SP_OK;
    }
    case SP_MEASUREKEY_PASSES: return set_passes(nm, value, &s->o.measure);
    case SP_MEASUREKEY_INPUTS: return set_inputs(nm, k, value, s);
    case SP_MEASUREKEY_IDS: {
        int *ids = NULL;
        size_t n = 0;
        if ((st = sp_token_ids_parse(nm, value, &ids, &n)) != SP_OK)
            return st;
        free(s->ids);
        s->ids = ids, s->nids = n;
        return SP_OK;
    }
    case SP_MEASUREKEY_STRING: {
        char *c = strdup(value);
        if (!c)
            return sp_fail(SP_ENOMEM, "%s: out of memory", nm);
        if (s->data != default_data)
            free((char *)s->data);
        s->data = c;
        return SP_OK;
    }
    default: return sp_fail(SP_EINVAL, "%s: internal error: unhandled kind", nm);
    }
}

static enum sp_status set(void *spec, const char *key, const char *value)
{
    return sp_measurespec_set(spec, key, value);
}

const struct sp_keyset *sp_measurespec_keys(void)
{
    static const struct sp_keyset ks = {"measurement", NKEYS, key_at, default_text, set};
    return &ks;
}

/* ---- the plan ---- */

void sp_measure_plan_init(struct sp_measure_plan *p) { memset(p, 0, sizeof *p); }

/* OpenBLAS's own per-thread buffers (about 32 MiB each in the Debian build) and
 * the program itself. */
static double overhead_bytes(const struct sp_net_opts *o)
{
    long t = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return 64.0 * 1048576.0 + (double)(t > 0 ? t : 1) * 32.0 * 1048576.0;
}

/* Progress units of one network: draws x blocks, twice with a reverse pass. */
static size_t work_of(const struct sp_arch *a, const struct sp_net_opts *o)
{
    int rev = !!(o->measure & (SP_MEASURE_BWD | SP_MEASURE_GRAD));
    return (size_t)o->seeds * (size_t)a->depth * (rev ? 2u : 1u);
}

size_t sp_measure_plan_describe(const struct sp_arch *a, const struct sp_measurespec *s,
                                const struct sp_measure_plan *p, char *buf, size_t n)
{
    int k;
    if (a->model == SP_MODEL_TOY)
        k = snprintf(buf, n, "toy network, d = %d, L = %d, %s, %d seed(s) x %d probe(s), %.3g "
                     "GFLOP of matrix products, workspace %.3g MB", a->width, a->depth,
                     a->toy_ln ? "pre-LN" : "no norm", s->o.seeds, s->o.probes, p->flops / 1e9,
                     p->workspace_bytes / 1e6);
    else
        k = snprintf(buf, n, "transformer, L = %d, n = %d, d = %d, %d heads, %d seed(s) x %d "
                     "probe(s), %.3g GFLOP of matrix products, workspace %.3g MB", a->depth,
                     a->tokens, a->width, a->heads, s->o.seeds, s->o.probes, p->flops / 1e9,
                     p->workspace_bytes / 1e6);
    return k > 0 ? (size_t)k : 0;
}

enum sp_status sp_measure_plan(const struct sp_arch *a, const struct sp_measurespec *s,
                               struct sp_measure_plan *p)
{
    const struct sp_net_opts *o = &s->o;
    char b[5][96];
    if (s->position_std > 0.0 && !s->ids)
        return sp_fail(SP_EINVAL, "%s goes with %s", kname(s, "position-std", b[0], 96),
                       kname(s, "token-ids", b[1], 96));
    if (s->ids && a->model == SP_MODEL_TOY)
        return sp_fail(SP_EINVAL, "%s applies to the transformer", kname(s, "token-ids", b[0], 96));
    if (s->ids && (size_t)a->tokens != s->nids)
        return sp_fail(SP_EINVAL, "tokens %d and the %zu %s disagree", a->tokens, s->nids,
                       kname(s, "token-ids", b[0], 96));
    if (sp_net_check(a, o, NULL) != SP_OK)
        return SP_EINVAL; /* its reason */
    char reduce[256];
    snprintf(reduce, sizeof reduce, "%s, %s, %s, %s or %s", kname(s, "width", b[0], 96),
             kname(s, "tokens", b[1], 96), kname(s, "probes", b[2], 96),
             kname(s, "seeds", b[3], 96), kname(s, "depth", b[4], 96));
    double ws = sp_net_workspace_bytes(a, o);
    double need = ws + sp_net_record_bytes(a, o) + overhead_bytes(o);
    double have = s->max_memory > 0.0 ? s->max_memory : sp_available_bytes();
    if (need > have)
        return sp_fail(SP_EINVAL, "this configuration needs about %.3g MB of memory, more than "
                       "the %.3g MB %s%s; reduce %s", need / 1e6, have / 1e6,
                       s->max_memory > 0.0 ? "allowed by " : "available",
                       s->max_memory > 0.0 ? kname(s, "max-memory", b[0], 96) : "", reduce);
    double est = 0.0, probe = 0.0;
    if (s->max_time > 0.0) {
        est = sp_net_time_estimate(a, o, &probe);
        if (!(est > 0.0))
            est = INFINITY;
        if (p->est_s + est > s->max_time)
            return sp_fail(SP_EINVAL, "this configuration needs about %.3g s (a %d-block, "
                           "one-draw run took %.3g s here now, scaled by FLOPs), more than %s "
                           "%g; reduce %s", p->est_s + est, a->depth < 2 ? a->depth : 2, probe,
                           kname(s, "max-time", b[0], 96), s->max_time, reduce);
    }
    p->nets++;
    p->rows += sp_net_nrows(a, o) * (size_t)(s->per_seed ? o->seeds : 1);
    p->work += work_of(a, o);
    p->workspace_bytes = fmax(p->workspace_bytes, ws);
    p->need_bytes = fmax(p->need_bytes, need);
    p->have_bytes = have;
    p->flops += sp_net_flops(a, o);
    p->est_s += est;
    p->probe_s = probe;
    return SP_OK;
}

/* ---- the run ---- */

enum sp_status sp_measure_token_rows(const struct sp_arch *a, const struct sp_measurespec *s,
                                     float **tok)
{
    size_t d = (size_t)a->width;
    *tok = malloc((s->nids ? s->nids : 1) * d * sizeof **tok);
    if (!*tok)
        return sp_fail(SP_ENOMEM, "out of memory: %zu x %zu token rows", s->nids, d);
    enum sp_status st = sp_net_embedding_rows(s->o.seed, s->ids, s->nids, d, sqrt(a->q0), *tok);
    if (st == SP_OK)
        st = sp_net_add_position_rows(s->o.seed, s->nids, d, s->position_std, *tok);
    if (st != SP_OK) {
        free(*tok);
        *tok = NULL;
    }
    return st;
}

/* The caller's progress over every network: run-local counts shifted by offset. */
struct progress {
    const struct sp_net_opts *user;
    size_t offset, total;
};
static void on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    const struct progress *p = ctx;
    p->user->progress(p->user->progress_ctx, p->offset + done, p->total);
}

static const char *const cols[] = {"model", "norm", "alpha", "alpha_attn", "alpha_mlp", "l",
                                   "q", "q_se", "p", "p_se", "rho", "J_fwd", "J_fwd_se",
                                   "J_bwd", "J_bwd_se", "grad_amp", "grad_amp_se", "logJ_fwd",
                                   "logJ_bwd"};
enum { NCOLS = sizeof cols / sizeof cols[0], FIRST_NUM = 5 };

/* The rows of one run into t. */
static enum sp_status add_rows(struct sp_table *t, const int rec_idx[SP_REC_NCOLS], int lcol,
                               const struct sp_measure_net *net, const struct sp_record *rec,
                               const struct sp_net_row *rows, size_t nrows)
{
    for (size_t k = 0; k < nrows; k++) {
        const struct sp_net_row *w = &rows[k];
        long r = sp_table_add_row(t);
        if (r < 0 || sp_record_set(t, (size_t)r, rec_idx, rec) != SP_OK ||
            (lcol >= 0 && sp_table_set_str(t, (size_t)r, lcol, net->label ? net->label : "") !=
                              SP_OK))
            return sp_fail(SP_ENOMEM, "out of memory: the measure table");
        const double v[] = {w->l, w->q, w->q_se, w->p, w->p_se, w->rho, w->j_fwd,
                            w->j_fwd_se, w->j_bwd, w->j_bwd_se, w->grad_amp, w->grad_amp_se,
                            log(w->j_fwd), log(w->j_bwd)};
        for (int j = 0; j < (int)(sizeof v / sizeof v[0]); j++)
            sp_table_set_num(t, (size_t)r, FIRST_NUM + j, v[j]);
    }
    return SP_OK;
}

static struct sp_table *new_table(const char *label, int rec_idx[SP_REC_NCOLS], int *lcol)
{
    struct sp_table *t = sp_table_new();
    int ok = t != NULL;
    for (int i = 0; ok && i < NCOLS; i++)
        ok = sp_table_add_col(t, cols[i], i < 2 ? SP_COL_STR : SP_COL_NUM) >= 0;
    ok = ok && sp_record_add_cols(t, SP_REC_MEASURE, rec_idx) == 0;
    *lcol = ok && label ? sp_table_add_col(t, label, SP_COL_STR) : -1;
    if (!ok || (label && *lcol < 0)) {
        sp_table_free(t);
        return NULL;
    }
    return t;
}

/* One network: one run, or per_seed one run per draw (each with its own token set). */
static enum sp_status run_net(const struct sp_measure_net *net, const struct sp_measurespec *s,
                              struct progress *pg, struct sp_table *t,
                              const int rec_idx[SP_REC_NCOLS], int lcol)
{
    const struct sp_arch *a = net->a;
    size_t nrows = sp_net_nrows(a, &s->o);
    struct sp_net_row *rows = calloc(nrows, sizeof *rows);
    if (!rows)
        return sp_fail(SP_ENOMEM, "out of memory: %zu rows", nrows);
    const size_t per = work_of(a, &s->o), nd = (size_t)a->tokens * (size_t)a->width;
    const int nruns = s->per_seed ? s->o.seeds : 1;
    enum sp_status st = SP_OK;
    for (int run = 0; run < nruns && st == SP_OK; run++) {
        struct sp_net_opts one = s->o;
        const size_t offset = pg->offset;
        if (s->per_seed) {
            one.seeds = 1;
            one.seed = s->o.seed + (uint64_t)run;
            pg->offset += (size_t)run * (per / (size_t)s->o.seeds);
        }
        if (one.progress)
            one.progress = on_progress, one.progress_ctx = pg;
        struct sp_net_weights w = net->w ? *net->w : (struct sp_net_weights){.tokens = NULL};
        if (s->per_seed && w.token_sets) /* run k alone is draw k: its token set */
            w.tokens += (size_t)run * nd, w.token_sets = 1;
        sp_last_error_clear();
        st = sp_net_measure_weights(a, &one, net->w ? &w : NULL, rows, nrows);
        pg->offset = offset;
        if (st != SP_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", sp_last_error()[0] ? sp_last_error()
                                                               : sp_status_str(st));
            st = sp_fail(st, "measurement failed%s: %s%s", isnan(net->alpha) ? "" : " at this alpha",
                         why, st == SP_ENUMERIC ? " (the network produced a non-finite value)"
                                                : "");
            break;
        }
        struct sp_record rec; /* seed: this draw's with per_seed, else the master seed */
        sp_record_of(a, NULL, net->alpha, (double)one.seed, &rec);
        st = add_rows(t, rec_idx, lcol, net, &rec, rows, nrows);
    }
    pg->offset += per;
    free(rows);
    return st;
}

enum sp_status sp_measure_table(const struct sp_measure_net *nets, size_t n,
                                const struct sp_measurespec *s, const char *label,
                                struct sp_table **out)
{
    *out = NULL;
    int rec_idx[SP_REC_NCOLS], lcol = -1;
    struct sp_table *t = new_table(label, rec_idx, &lcol);
    if (!t)
        return sp_fail(SP_ENOMEM, "out of memory: the measure table");
    struct progress pg = {&s->o, 0, 0};
    for (size_t i = 0; i < n; i++)
        pg.total += work_of(nets[i].a, &s->o);
    enum sp_status st = SP_OK;
    for (size_t i = 0; i < n && st == SP_OK; i++)
        st = run_net(&nets[i], s, &pg, t, rec_idx, lcol);
    if (st != SP_OK) {
        sp_table_free(t);
        return st;
    }
    *out = t;
    return SP_OK;
}
