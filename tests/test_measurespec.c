/* Tests of the measurement settings by name, the plan and the run
 * (sigprop/measurespec.h): every key of the table with a good value (stored where
 * the header says) and bad ones (refused, the reason naming the key in each
 * style); the size syntax; token ids from lists and files (a bad entry named with
 * its position); the plan's FLOPs against a hand count at a tiny shape, its bytes
 * against the header's formula, and each refusal; the run's table against
 * sp_net_measure's own rows, per-seed runs, the label column and progress; what
 * real inputs imply and refuse; a trained llama2.c checkpoint loaded for a
 * measurement (models/stories260K.bin: its architecture, token rows, refusals). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

static void refused(struct sp_measurespec *s, const char *key, const char *value,
                    const char *want)
{
    sp_last_error_clear();
    CHECK(sp_measurespec_set(s, key, value) == SP_EINVAL);
    CHECK(has(sp_last_error(), want));
}

static void test_table(void)
{
    CHECK(sp_measurespec_keys()->count == 17);
    for (size_t i = 0; i < sp_measurespec_keys()->count; i++) {
        const struct sp_key *k = sp_keyset_at(sp_measurespec_keys(), i);
        CHECK(k && k->name && k->help);
        CHECK(sp_keyset_find(sp_measurespec_keys(), k->name) == k);
        CHECK((k->syntax == NULL) == (k->kind == SP_MEASUREKEY_FLAG));
    }
    CHECK(sp_keyset_at(sp_measurespec_keys(), sp_measurespec_keys()->count) == NULL);
    CHECK(sp_keyset_find(sp_measurespec_keys(), "width") == NULL); /* an architecture key */
    char buf[64];
    CHECK(sp_keyset_default(sp_measurespec_keys(), sp_keyset_find(sp_measurespec_keys(), "probes"), buf, sizeof buf) && !strcmp(buf, "4"));
    CHECK(sp_keyset_default(sp_measurespec_keys(), sp_keyset_find(sp_measurespec_keys(), "input"), buf, sizeof buf) &&
          !strcmp(buf, "equiangular"));
    CHECK(!sp_keyset_default(sp_measurespec_keys(), sp_keyset_find(sp_measurespec_keys(), "threads"), buf, sizeof buf) && !buf[0]);
}

/* Every key: a good value lands in its field; bad values are refused by name. */
static void test_every_key(void)
{
    struct sp_measurespec s;
    sp_measurespec_init(&s);
    CHECK(s.o.seeds == 1 && s.o.probes == 4 && s.o.seed == 1 && s.cls == -1 && !s.seeds_given);
    CHECK(sp_measurespec_set(&s, "seeds", "3") == SP_OK && s.o.seeds == 3 && s.seeds_given);
    CHECK(sp_measurespec_set(&s, "probes", "2") == SP_OK && s.o.probes == 2);
    CHECK(sp_measurespec_set(&s, "seed", "18446744073709551615") == SP_OK &&
          s.o.seed == UINT64_MAX);
    CHECK(sp_measurespec_set(&s, "threads", "2") == SP_OK && s.o.threads == 2);
    CHECK(sp_measurespec_set(&s, "input", "gaussian") == SP_OK &&
          s.o.input == SP_INPUT_GAUSSIAN && s.input_given);
    CHECK(sp_measurespec_set(&s, "measure", "fwd,grad") == SP_OK &&
          s.o.measure == (SP_MEASURE_FWD | SP_MEASURE_GRAD));
    CHECK(sp_measurespec_set(&s, "measure", "all") == SP_OK && s.o.measure == SP_MEASURE_ALL);
    CHECK(sp_measurespec_set(&s, "exclude-cls", NULL) == SP_OK && s.o.exclude_cls == 1);
    CHECK(sp_measurespec_set(&s, "checkpoint", "5") == SP_OK && s.o.checkpoint == 5);
    CHECK(sp_measurespec_set(&s, "inputs", "fashion-mnist") == SP_OK && s.inputs == 1 &&
          s.inputs_n == 0);
    CHECK(sp_measurespec_set(&s, "inputs", "fashion-mnist:7") == SP_OK && s.inputs_n == 7);
    CHECK(sp_measurespec_set(&s, "cls", "off") == SP_OK && s.cls == 0);
    CHECK(sp_measurespec_set(&s, "cls", "on") == SP_OK && s.cls == 1);
    CHECK(sp_measurespec_set(&s, "data", "/tmp/x") == SP_OK && !strcmp(s.data, "/tmp/x"));
    CHECK(sp_measurespec_set(&s, "data", "/tmp/y") == SP_OK && !strcmp(s.data, "/tmp/y"));
    CHECK(sp_measurespec_set(&s, "max-memory", "2G") == SP_OK && s.max_memory == 2147483648.0);
    CHECK(sp_measurespec_set(&s, "max-time", "2.5") == SP_OK && s.max_time == 2.5);
    CHECK(sp_measurespec_set(&s, "sublayers", NULL) == SP_OK && s.o.sublayers == 1);
    CHECK(sp_measurespec_set(&s, "per-seed", NULL) == SP_OK && s.per_seed == 1);
    CHECK(sp_measurespec_set(&s, "token-ids", "4,5,4") == SP_OK && s.nids == 3 &&
          s.ids[0] == 4 && s.ids[1] == 5 && s.ids[2] == 4);
    CHECK(sp_measurespec_set(&s, "position-std", "0.5") == SP_OK && s.position_std == 0.5);

    refused(&s, "seeds", "0", "seeds");
    refused(&s, "seeds", "1.5", "seeds: '1.5' is not an integer");
    refused(&s, "probes", "abc", "probes");
    refused(&s, "seed", "-3", "seed");
    refused(&s, "threads", "0", "threads");
    refused(&s, "threads", "4097", "threads");
    refused(&s, "input", "uniform", "input: 'uniform' is not one of equiangular, gaussian");
    refused(&s, "measure", "fwd,sideways", "measure: 'sideways' in 'fwd,sideways' is not one of");
    refused(&s, "measure", ",", "measure: empty list");
    refused(&s, "exclude-cls", "1", "exclude-cls takes no value");
    refused(&s, "checkpoint", "0", "checkpoint");
    refused(&s, "inputs", "mnist", "inputs: 'mnist' is not fashion-mnist or fashion-mnist:N");
    refused(&s, "inputs", "fashion-mnist:0", "inputs fashion-mnist:N");
    refused(&s, "inputs", "fashion-mnist:10001", "inputs fashion-mnist:N");
    refused(&s, "cls", "yes", "cls: 'yes' is not one of off, on");
    refused(&s, "max-memory", "12Q", "max-memory: '12Q' is not a positive size");
    refused(&s, "max-time", "0", "max-time");
    refused(&s, "sublayers", "on", "sublayers takes no value");
    refused(&s, "per-seed", "", "per-seed takes no value");
    refused(&s, "token-ids", "1,-2", "token-ids");
    refused(&s, "position-std", "-1", "position-std");
    refused(&s, "probes", NULL, "probes needs a value");
    refused(&s, "width", "4", "width is not a measurement setting");
    /* a refused value leaves the last good one */
    CHECK(s.o.seeds == 3 && s.nids == 3 && s.max_memory == 2147483648.0);

    /* the styles: flags for the CLI, keywords for Python */
    s.style = SP_ARCHKEY_STYLE_FLAG;
    refused(&s, "max-time", "-1", "--max-time");
    s.style = SP_ARCHKEY_STYLE_KEYWORD;
    refused(&s, "max-time", "-1", "max_time");
    refused(&s, "per-seed", "x", "per_seed takes no value");
    sp_measurespec_free(&s);
    sp_measurespec_free(&s); /* twice: a no-op */
    sp_measurespec_free(NULL);

    struct sp_measurespec *h = sp_measurespec_new(SP_ARCHKEY_STYLE_KEYWORD);
    CHECK(h && h->style == SP_ARCHKEY_STYLE_KEYWORD && h->o.probes == 4);
    CHECK(sp_measurespec_set(h, "data", "/d") == SP_OK);
    sp_measurespec_delete(h);
}

static void test_size(void)
{
    double v = 0;
    CHECK(sp_parse_size("m", "123", &v) == SP_OK && v == 123.0);
    CHECK(sp_parse_size("m", "800M", &v) == SP_OK && v == 800.0 * 1048576.0);
    CHECK(sp_parse_size("m", "4.5G", &v) == SP_OK && v == 4.5 * 1073741824.0);
    CHECK(sp_parse_size("m", "64k", &v) == SP_OK && v == 65536.0);
    CHECK(sp_parse_size("m", "1T", &v) == SP_OK && v == 1099511627776.0);
    const char *bad[] = {"", "0", "-1", "1GG", " 1G", "0x10", "nan", "1e999", "12Q"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = -7;
        CHECK(sp_parse_size("m", bad[i], &v) == SP_EINVAL && v == -7);
    }
    CHECK(sp_available_bytes() > 0.0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_token_ids(void)
{
    int *ids = NULL;
    size_t n = 0;
    CHECK(sp_token_ids_parse("t", "0:4:2", &ids, &n) == SP_OK && n == 3 && ids[0] == 0 &&
          ids[1] == 2 && ids[2] == 4);
    free(ids);
    char path[] = "/tmp/sp_test_ids_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    write_file(path, "3 4,5\n\n 6,\n");
    CHECK(sp_token_ids_parse("t", path, &ids, &n) == SP_OK && n == 4 && ids[0] == 3 &&
          ids[3] == 6);
    free(ids);
    write_file(path, "1 2 x 4");
    CHECK(sp_token_ids_parse("t", path, &ids, &n) == SP_EINVAL && !ids && !n);
    CHECK(has(sp_last_error(), "t: id 3 of ") && has(sp_last_error(), "'x'"));
    write_file(path, "1 1073741825");
    CHECK(sp_token_ids_parse("t", path, &ids, &n) == SP_EINVAL && has(sp_last_error(), "id 2 of"));
    write_file(path, "7 123456789012345678901234567890123");
    CHECK(sp_token_ids_parse("t", path, &ids, &n) == SP_EINVAL &&
          has(sp_last_error(), "is not an id"));
    write_file(path, " \n,\n");
    CHECK(sp_token_ids_parse("t", path, &ids, &n) == SP_EINVAL && has(sp_last_error(), "holds no ids"));
    remove(path);
    CHECK(sp_token_ids_parse("t", path, &ids, &n) == SP_EINVAL &&
          has(sp_last_error(), "neither a list of ids nor a readable file"));
    const char *bad[] = {"", "1,,2", ",1", "1,", "1:"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(sp_token_ids_parse("t", bad[i], &ids, &n) == SP_EINVAL && !ids && !n);
}

/* The toy network at d = 8, L = 3: per draw and block one d x d matrix (2 d^2
 * FLOPs per vector) on the primal and P tangents forward (P + 1 vectors); the
 * reverse pass adds 2 (the primal's recomputation and its pullback) plus P + 1
 * (P backward probes and the gradient) vectors. */
static void toy(struct sp_arch *a, int depth)
{
    sp_arch_default(a);
    a->model = SP_MODEL_TOY;
    a->width = 8;
    a->depth = depth;
    char err[256];
    CHECK(sp_arch_resolve(a, err, sizeof err) == SP_OK);
}

static void test_plan(void)
{
    struct sp_arch a;
    toy(&a, 3);
    struct sp_measurespec s;
    sp_measurespec_init(&s);
    CHECK(sp_measurespec_set(&s, "seeds", "2") == SP_OK);
    CHECK(sp_measurespec_set(&s, "probes", "3") == SP_OK);
    CHECK(sp_measurespec_set(&s, "threads", "1") == SP_OK);
    CHECK(sp_measurespec_set(&s, "measure", "fwd") == SP_OK);
    struct sp_measure_plan p;
    sp_measure_plan_init(&p);
    CHECK(sp_measure_plan(&a, &s, &p) == SP_OK);
    const double d2 = 2.0 * 8 * 8;
    CHECK(p.flops == 2 * 3 * d2 * 4);                   /* K L (P + 1) 2 d^2 = 3072 */
    CHECK(p.nets == 1 && p.rows == 4 && p.work == 2 * 3); /* rows l = 0..3; draws x blocks */
    /* records: K rows (4 + 2 P) doubles + K; overhead: 64 MiB + one thread's 32 MiB */
    CHECK(p.need_bytes == p.workspace_bytes + (2.0 * 4 * (4 + 2 * 3) + 2) * 8 + 96.0 * 1048576);
    CHECK(p.workspace_bytes == sp_net_workspace_bytes(&a, &s.o));
    CHECK(p.est_s == 0.0);
    CHECK(sp_measurespec_set(&s, "measure", "all") == SP_OK);
    CHECK(sp_measure_plan(&a, &s, &p) == SP_OK); /* adds: forward 4, reverse 2 + 4 vectors */
    CHECK(p.flops == 3072 + 2 * 3 * d2 * (4 + 2 + 4) && p.nets == 2 && p.work == 6 + 12);
    CHECK(sp_measurespec_set(&s, "per-seed", NULL) == SP_OK);
    CHECK(sp_measure_plan(&a, &s, &p) == SP_OK && p.rows == 4 + 4 + 2 * 4);

    /* refusals, p unchanged */
    struct sp_measure_plan before = p;
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_measurespec_set(&s, "max-memory", "1M") == SP_OK);
    CHECK(sp_measure_plan(&a, &s, &p) == SP_EINVAL);
    CHECK(has(sp_last_error(), "needs about") && has(sp_last_error(), "allowed by --max-memory") &&
          has(sp_last_error(), "reduce --width, --tokens, --probes, --seeds or --depth"));
    CHECK(!memcmp(&before, &p, sizeof p));
    s.max_memory = 0;
    CHECK(sp_measurespec_set(&s, "exclude-cls", NULL) == SP_OK); /* the toy has no tokens */
    CHECK(sp_measure_plan(&a, &s, &p) == SP_EINVAL && sp_last_error()[0]);
    s.o.exclude_cls = 0;
    CHECK(sp_measurespec_set(&s, "token-ids", "1,2") == SP_OK);
    CHECK(sp_measure_plan(&a, &s, &p) == SP_EINVAL &&
          has(sp_last_error(), "--token-ids applies to the transformer"));
    struct sp_arch t;
    sp_arch_default(&t);
    t.width = 16, t.heads = 2, t.depth = 1, t.tokens = 3;
    char err[256];
    CHECK(sp_arch_resolve(&t, err, sizeof err) == SP_OK);
    CHECK(sp_measure_plan(&t, &s, &p) == SP_EINVAL &&
          has(sp_last_error(), "tokens 3 and the 2 --token-ids disagree"));
    free(s.ids);
    s.ids = NULL, s.nids = 0;
    CHECK(sp_measurespec_set(&s, "position-std", "1") == SP_OK);
    CHECK(sp_measure_plan(&t, &s, &p) == SP_EINVAL &&
          has(sp_last_error(), "--position-std goes with --token-ids"));
    s.position_std = 0;
    t.tokens = 40; /* equiangular needs tokens <= width */
    CHECK(sp_arch_resolve(&t, err, sizeof err) == SP_OK);
    CHECK(sp_measure_plan(&t, &s, &p) == SP_EINVAL);
    CHECK(sp_measurespec_set(&s, "max-time", "0.001") == SP_OK);
    t.tokens = 3, t.width = 64, t.depth = 64;
    CHECK(sp_arch_resolve(&t, err, sizeof err) == SP_OK);
    before = p;
    sp_measure_plan_init(&p);
    p.est_s = 1e9; /* earlier runs' estimates count */
    CHECK(sp_measure_plan(&t, &s, &p) == SP_EINVAL && has(sp_last_error(), "more than --max-time"));
    CHECK(p.est_s == 1e9 && p.nets == 0);
    sp_measurespec_free(&s);
}

/* A transformer's FLOPs at n = 2, d = 4, one head, MLP ratio 1 (ReLU), one draw,
 * one probe, forward only: per vector and block Q, K, V, O (4 d^2 x 2) and W1, W2
 * (2 d f x 2) over n tokens: 2 n (4 d^2 + 2 d f) = 384; the primal's attention
 * (scores and mixing, 4 n^2 d = 64) and the tangent's (three such products, 192):
 * 2 x 384 + 64 + 192 = 1024. */
static void test_plan_transformer(void)
{
    struct sp_arch t;
    sp_arch_default(&t);
    t.width = 4, t.heads = 1, t.depth = 1, t.tokens = 2, t.mlp_ratio = 1;
    t.mlp_act = SP_ACT_RELU;
    char err[256];
    CHECK(sp_arch_resolve(&t, err, sizeof err) == SP_OK);
    struct sp_measurespec s;
    sp_measurespec_init(&s);
    CHECK(sp_measurespec_set(&s, "probes", "1") == SP_OK);
    CHECK(sp_measurespec_set(&s, "measure", "fwd") == SP_OK);
    struct sp_measure_plan p;
    sp_measure_plan_init(&p);
    CHECK(sp_measure_plan(&t, &s, &p) == SP_OK);
    CHECK(p.flops == 1024.0);
    sp_measurespec_free(&s);
}

static size_t calls, last_done, last_total;
static void progress(void *ctx, size_t done, size_t total)
{
    (void)ctx;
    CHECK(done <= total && done >= last_done);
    calls++, last_done = done, last_total = total;
}

static void test_run(void)
{
    struct sp_arch a;
    toy(&a, 3);
    struct sp_measurespec s;
    sp_measurespec_init(&s);
    CHECK(sp_measurespec_set(&s, "seeds", "2") == SP_OK);
    CHECK(sp_measurespec_set(&s, "seed", "5") == SP_OK);
    size_t nrows = sp_net_nrows(&a, &s.o);
    struct sp_net_row *ref = calloc(nrows, sizeof *ref), *one = calloc(nrows, sizeof *one);
    CHECK(ref && one && sp_net_measure(&a, &s.o, ref, nrows) == SP_OK);
    struct sp_measure_net nets[2] = {{&a, NAN, NULL, "trained"}, {&a, NAN, NULL, "init"}};
    struct sp_table *t = NULL;
    s.o.progress = progress;
    CHECK(sp_measure_table(nets, 1, &s, NULL, &t) == SP_OK && t);
    CHECK(calls > 0 && last_done == last_total && last_total == 2 * 3 * 2);
    CHECK(sp_table_nrows(t) == nrows && sp_table_ncols(t) == 19 + 8);
    CHECK(!strcmp(sp_table_col_name(t, 0), "model") && !strcmp(sp_table_col_name(t, 18), "logJ_bwd"));
    int q = sp_table_find(t, "q"), jf = sp_table_find(t, "J_fwd"), sd = sp_table_find(t, "seed");
    int lj = sp_table_find(t, "logJ_fwd"), dep = sp_table_find(t, "depth");
    for (size_t k = 0; k < nrows; k++) {
        CHECK(sp_table_num(t, k, q) == ref[k].q && sp_table_num(t, k, jf) == ref[k].j_fwd);
        CHECK(sp_table_num(t, k, lj) == log(ref[k].j_fwd) && sp_table_num(t, k, sd) == 5);
        CHECK(sp_table_num(t, k, dep) == 3);
    }
    sp_table_free(t);
    /* per seed, two networks, a label column: draw k alone is the run with seed 5 + k */
    s.per_seed = 1;
    calls = last_done = 0;
    CHECK(sp_measure_table(nets, 2, &s, "weights", &t) == SP_OK && t);
    CHECK(sp_table_nrows(t) == 4 * nrows && sp_table_ncols(t) == 28);
    CHECK(last_done == last_total && last_total == 2 * 2 * 3 * 2);
    struct sp_net_opts o1 = s.o;
    o1.seeds = 1, o1.seed = 6, o1.progress = NULL;
    CHECK(sp_net_measure(&a, &o1, one, nrows) == SP_OK);
    int w = sp_table_find(t, "weights");
    CHECK(w == 27 && !strcmp(sp_table_str(t, 0, w), "trained") &&
          !strcmp(sp_table_str(t, 2 * nrows, w), "init"));
    for (size_t k = 0; k < nrows; k++)
        CHECK(sp_table_num(t, nrows + k, q) == one[k].q &&
              sp_table_num(t, nrows + k, sd) == 6 && sp_table_num(t, k, sd) == 5);
    sp_table_free(t);
    /* a failure: stored weights on the toy are not supported, with the reason */
    struct sp_net_weights sw = {.tokens = NULL};
    struct sp_measure_net bad = {&a, 0.5, &sw, NULL};
    s.o.progress = NULL;
    CHECK(sp_measure_table(&bad, 1, &s, NULL, &t) != SP_OK && t == NULL);
    CHECK(has(sp_last_error(), "measurement failed at this alpha: "));
    free(ref);
    free(one);
    sp_measurespec_free(&s);
}

/* Token rows: the ids' embedding rows, repeated ids repeat their rows, positions add. */
static void test_token_rows(void)
{
    struct sp_arch t;
    sp_arch_default(&t);
    t.width = 8, t.heads = 1, t.depth = 1, t.tokens = 3;
    char err[256];
    CHECK(sp_arch_resolve(&t, err, sizeof err) == SP_OK);
    struct sp_measurespec s;
    sp_measurespec_init(&s);
    CHECK(sp_measurespec_set(&s, "token-ids", "7,2,7") == SP_OK);
    float *tok = NULL, *pos = NULL;
    CHECK(sp_measure_token_rows(&t, &s, &tok) == SP_OK && tok);
    CHECK(tok && !memcmp(tok, tok + 16, 8 * sizeof *tok) && memcmp(tok, tok + 8, 8 * sizeof *tok));
    CHECK(sp_measurespec_set(&s, "position-std", "1") == SP_OK);
    CHECK(sp_measure_token_rows(&t, &s, &pos) == SP_OK && pos);
    CHECK(pos && tok && memcmp(pos, pos + 16, 8 * sizeof *pos) && pos[0] != tok[0]);
    free(tok);
    free(pos);
    sp_measurespec_free(&s);
}

/* Real inputs: what inputs implies (one image per draw, 16 patches + CLS as
 * tokens, Gaussian rows) and what contradicts it; a missing folder is SP_EIO. */
static void test_inputs(void)
{
    struct sp_measurespec s;
    int tokens = 0;
    sp_measurespec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_OK && tokens == 0);
    CHECK(sp_measurespec_set(&s, "cls", "off") == SP_OK);
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_EINVAL &&
          has(sp_last_error(), "--cls goes with --inputs fashion-mnist"));
    CHECK(sp_measurespec_set(&s, "inputs", "fashion-mnist:3") == SP_OK);
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_OK && tokens == 16 &&
          s.o.seeds == 3 && s.o.input == SP_INPUT_GAUSSIAN);
    s.o.input = SP_INPUT_EQUIANGULAR, s.cls = -1, tokens = 0;
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_OK && tokens == 17 && s.cls == 1);
    s.o.input = SP_INPUT_EQUIANGULAR, s.cls = 1, tokens = 0;
    CHECK(sp_measure_inputs_prepare(&s, &tokens, 0) == SP_EINVAL &&
          has(sp_last_error(), "--cls on: the checkpoint pools by the mean"));
    s.o.input = SP_INPUT_EQUIANGULAR, tokens = 5;
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_EINVAL &&
          has(sp_last_error(), "--tokens 5: --inputs fashion-mnist with --cls on has 17 tokens"));
    CHECK(sp_measurespec_set(&s, "seeds", "2") == SP_OK);
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_EINVAL &&
          has(sp_last_error(), "--seeds 2 and --inputs fashion-mnist:3 disagree"));
    s.seeds_given = 0, s.o.input = SP_INPUT_GAUSSIAN;
    CHECK(sp_measure_inputs_prepare(&s, &tokens, -1) == SP_EINVAL &&
          has(sp_last_error(), "--inputs gives the input; do not also give --input"));
    struct sp_arch a;
    sp_arch_default(&a);
    a.width = 16;
    float *tok = (float *)&a;
    CHECK(sp_measurespec_set(&s, "data", "/nonexistent/sigprop") == SP_OK);
    CHECK(sp_measure_image_tokens(&s, &a, NULL, &tok) == SP_EIO && tok == NULL);
    CHECK(has(sp_last_error(), "--inputs: "));
    sp_measurespec_free(&s);
}

/* sp_measure_weights_*: stories260K (dim 64, 5 layers, seq_len 512; models/README.md)
 * at the ids given, its token rows the embedding rows of those ids. */
static void test_weights(void)
{
    const char *path = "models/stories260K.bin";
    struct sp_measurespec s;
    struct sp_measure_weights w;
    struct sp_llama2c *m = NULL;
    CHECK(sp_llama2c_read(path, &m) == SP_OK);
    sp_measurespec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_measurespec_set(&s, "token-ids", "1,5,7") == SP_OK);
    CHECK(sp_measure_weights_load(path, 1, &s, &w) == SP_OK);
    CHECK(!strcmp(w.format, "llama2.c") && w.cls == -1 && w.lm && !w.vn);
    CHECK(s.o.input == SP_INPUT_GAUSSIAN);
    CHECK(w.run.n == 3 && w.run.ids[0] == 1 && w.run.ids[1] == 5 && w.run.ids[2] == 7);
    struct sp_arch a;
    CHECK(sp_measure_weights_arch(&w, &s, NULL, &a) == SP_OK);
    CHECK(a.width == 64 && a.depth == 5 && a.tokens == 3 && a.final_norm == 1);
    CHECK(fabs(a.q0 - 0.02 * 0.02) < 1e-15 && a.p0 == 0.0);
    CHECK(sp_measure_weights_of(&w, 1) == NULL); /* llama2.c's init: Philox draws */
    const struct sp_net_weights *tw = sp_measure_weights_of(&w, 0);
    CHECK(tw && tw->tokens == w.run.tok);
    if (m && tw && tw->tokens)
        CHECK(!memcmp(tw->tokens + 64, m->token_embedding + 5 * 64, 64 * sizeof(float)));
    CHECK(sp_measure_weights_inputs(&w, &s, &a) == SP_OK); /* no inputs: nothing */
    char *j = sp_measure_run_meta_json(&s, &w); /* the checkpoint's ids, not the fresh ones */
    CHECK(j && !strcmp(j, "{\"per_seed\":false,\"weights\":{\"path\":\"models/stories260K.bin\","
                          "\"format\":\"llama2.c\",\"token_ids\":[1,5,7],\"against_init\":true}}"));
    free(j);
    j = sp_measure_meta_json(&a, &s);
    CHECK(j && has(j, "{\"seeds\":1,\"probes\":4,\"seed\":1,\"input\":\"gaussian\","
                      "\"passes\":[\"fwd\",\"bwd\",\"grad\"],\"sublayers\":false") &&
          has(j, "\"ln_eps\":1e-05") && !strstr(j, "\"inputs\""));
    free(j);
    j = sp_measure_run_meta_json(&s, NULL);
    CHECK(j && !strcmp(j, "{\"per_seed\":false,\"token_ids\":[1,5,7],\"position_std\":0}"));
    free(j);
    sp_measure_weights_free(&w);
    CHECK(w.lm == NULL && w.run.ids == NULL);
    sp_measurespec_free(&s);

    /* ids on a fresh network: their count sets tokens, their rows are Gaussian */
    int tokens = 0;
    sp_measurespec_init(&s);
    s.style = SP_ARCHKEY_STYLE_KEYWORD;
    CHECK(sp_measure_ids_prepare(&s, &tokens) == SP_OK && tokens == 0); /* no ids */
    CHECK(sp_measurespec_set(&s, "token-ids", "4,5,6") == SP_OK);
    tokens = 4;
    CHECK(sp_measure_ids_prepare(&s, &tokens) == SP_EINVAL);
    CHECK(has(sp_last_error(), "tokens 4 and the 3 token_ids disagree"));
    tokens = 0;
    CHECK(sp_measure_ids_prepare(&s, &tokens) == SP_OK && tokens == 3 &&
          s.o.input == SP_INPUT_GAUSSIAN);
    CHECK(sp_measure_ids_prepare(&s, &tokens) == SP_EINVAL); /* the input is no longer the default */
    CHECK(has(sp_last_error(), "token_ids gives the input; do not also give input"));
    sp_measurespec_free(&s);
    sp_measurespec_init(&s);
    CHECK(sp_measurespec_set(&s, "position-std", "0.5") == SP_OK);
    CHECK(sp_measure_ids_prepare(&s, &tokens) == SP_EINVAL);
    CHECK(has(sp_last_error(), "position-std goes with token-ids"));
    sp_measurespec_free(&s);

    sp_measurespec_init(&s); /* no ids: BOS then 63 random ids from the seed */
    enum sp_status st = SP_OK;
    struct sp_measure_weights *h = sp_measure_weights_new(path, 0, &s, &st);
    CHECK(h && st == SP_OK && h->run.n == 64 && h->run.ids[0] == 1);
    CHECK(h && sp_measure_weights_cls(h) == -1);
    sp_measure_weights_delete(h);

    /* refusals, the keys named as the style says */
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_measurespec_set(&s, "inputs", "fashion-mnist") == SP_OK);
    CHECK(sp_measure_weights_load(path, 0, &s, &w) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--inputs fashion-mnist goes with a sigprop train checkpoint"));
    sp_measurespec_free(&s);
    sp_measurespec_init(&s);
    s.style = SP_ARCHKEY_STYLE_FLAG;
    CHECK(sp_measurespec_set(&s, "token-ids", "1:600:1") == SP_OK);
    CHECK(sp_measure_weights_load(path, 0, &s, &w) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--tokens 600 exceeds the model's seq_len 512"));
    CHECK(sp_measurespec_set(&s, "token-ids", "1,2") == SP_OK &&
          sp_measurespec_set(&s, "position-std", "0.1") == SP_OK);
    CHECK(sp_measure_weights_load(path, 0, &s, &w) == SP_EINVAL);
    CHECK(has(sp_last_error(), "--position-std goes with --token-ids and a fresh network"));
    sp_measurespec_free(&s);
    sp_measurespec_init(&s);
    CHECK(sp_measure_weights_load("models/none.bin", 0, &s, &w) == SP_EIO);
    CHECK(has(sp_last_error(), "models/none.bin: "));
    CHECK(w.lm == NULL && w.path == NULL);
    CHECK(sp_measure_weights_new("models/none.bin", 0, &s, &st) == NULL && st == SP_EIO);
    sp_measurespec_free(&s);
    sp_llama2c_free(m);
}

int main(void)
{
    test_table();
    test_every_key();
    test_size();
    test_token_ids();
    test_plan();
    test_plan_transformer();
    if (strstr(sp_build_features(), "openblas")) /* the run measures: not in a minimal build */
        test_run();
    test_token_rows();
    test_inputs();
    test_weights();
    return check_done();
}
