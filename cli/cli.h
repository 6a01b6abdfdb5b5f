/* cli.h: what the subcommands share: the command table, usage errors, number and
 * list parsing, the architecture flags common to theory/measure/compare/sweep/
 * alpha, atomic table output and the progress bar. Only cli/ prints or exits. */
#ifndef SP_CLI_H
#define SP_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

#include "sigprop.h"
#include "sigprop/train.h"
#include "sigprop/trainspec.h"

/* Exit statuses (clig.dev): 0 success, 1 runtime failure, 2 usage error. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* ---- commands (cli/main.c holds the table) ---- */
int cmd_theory(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_alpha(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_train(int argc, char **argv);
/* sweep --mode train (cli/sweep_train.c), dispatched from cmd_sweep. */
int cmd_sweep_train(int argc, char **argv);

/* What every sweep mode shares (cli/cmd_sweep.c): the -o/--resume/--force checks
 * (out "-" becomes NULL: stdout), then MPI, the library's output (the locked
 * resumable file or the header on stdout: sp_sweep_output_open; w->comm is set
 * here), the run with a progress bar, and the closing messages. */
int cli_sweep_check_out(const char *cmd, const char **out, int resume, int force);
struct sp_sweep_output;
/* w: a grid's output (sp_sweep_grid_output); what: "N grid points (...)" for
 * the opening message. */
int cli_sweep_write(const char *cmd, struct sp_sweep_output *w, const char *what);

/* ---- messages ---- */
/* Prints "sigprop: error: <msg>" and "Try 'sigprop <cmd> --help'." to stderr; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "sigprop: error: <msg>" to stderr; returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "sigprop: <msg>" to stderr unless quiet. */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int cli_quiet;

/* ---- numbers: ONE syntax for every command-line value, decimal only: an optional
 * sign, digits, for reals an optional fraction and exponent ("-1.5e3"). Hexadecimal,
 * inf, nan, white space, trailing characters and out-of-range values are usage
 * errors naming the flag. Every parser returns 0, or 2 with the message printed. ---- */
int cli_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi,
                     double *out);
int cli_parse_int(const char *cmd, const char *flag, const char *s, long lo, long hi, int *out);
/* A value, a comma list "a,b,c" or an inclusive range "start:stop:step" (stop
 * included within step/2). *vals is malloc'ed; on failure *vals is NULL and *n 0,
 * so a caller that freed the previous list of a repeated flag (the last one wins)
 * never frees it twice. */
int cli_parse_list(const char *cmd, const char *flag, const char *s, double lo, double hi,
                   double **vals, size_t *n);
/* The same for integers in [lo, hi], every element a decimal integer (as the table's
 * INT_LIST kind); *vals (int) NULL and *n 0 on failure. */
int cli_parse_int_list(const char *cmd, const char *flag, const char *s, long lo, long hi,
                       int **vals, size_t *n);
/* The table's kinds add: U64 (a non-negative integer), SIZE (a positive size in
 * bytes: "123", "4.5G", "800M", "64k", powers of 1024) and integer lists, whose every
 * element (range bounds and step included) is a decimal integer by the rule above,
 * not a real that happens to be integral. */

/* ---- the option table: every command declares its options once, and
 * cli_parse() parses argv with it (getopt_long underneath), validates each
 * value with the parsers above (their messages name the flag) and prints the
 * help from it. A table ends with CLI_OPT_END. ---- */
enum cli_opt_kind {
    CLI_OPT_END,      /* ends the table */
    CLI_OPT_TEXT,     /* help only: help printed as it is (a heading, prose) */
    CLI_OPT_TEXTFN,   /* help only: text(f) prints it (text that depends on values) */
    CLI_OPT_FLAG,     /* int *dest = 1 */
    CLI_OPT_INT,      /* int *dest, a decimal integer in [lo, hi] */
    CLI_OPT_LONG,     /* long *dest, the same */
    CLI_OPT_U64,      /* uint64_t *dest, in [0, hi] */
    CLI_OPT_DOUBLE,   /* double *dest, in [lo, hi] */
    CLI_OPT_SIZE,     /* double *dest, a positive size in bytes: "123", "4.5G", "800M" */
    CLI_OPT_STRING,   /* const char **dest = the argument */
    CLI_OPT_ENUM,     /* int *dest = the index of the argument in values */
    CLI_OPT_LIST,     /* struct cli_list *dest: value, a,b,c or start:stop:step in [lo, hi] */
    CLI_OPT_INT_LIST, /* struct cli_int_list *dest: the same, integers */
    CLI_OPT_INTEGRAL_LIST, /* struct cli_list *dest: the same, integers as doubles */
    CLI_OPT_CALL,     /* call(ctx, cmd, "--name", arg): 0 or 2 (printed) */
    CLI_OPT_GROUP,    /* options declared elsewhere: longopts (their own codes), each
                         handled by group(ctx, cmd, code, arg), help by text(f)
                         (NULL: none); a name the table has too is the table's */
    CLI_OPT_HELP,     /* prints the help; cli_parse returns CLI_DONE */
};
/* The last occurrence of a repeated list flag wins (the earlier list is freed);
 * the caller frees v. */
struct cli_list { double *v; size_t n; };
struct cli_int_list { int *v; size_t n; };
struct cli_opt {
    enum cli_opt_kind kind;
    const char *name;         /* long name without "--"; NULL: none */
    char key;                 /* short letter ('o' for -o), 0: none */
    const char *arg;          /* the value's name in the help ("FILE"); NULL for flags */
    const char *help;         /* one or more lines ('\n'); NULL: not listed (an alias).
                                 "%v" in it prints dest's value before parsing (the default) */
    void *dest;
    double lo, hi;            /* INT, LONG, U64 (hi only), DOUBLE, the lists */
    const char *const *values;/* ENUM: the accepted words, NULL-terminated */
    int (*call)(void *ctx, const char *cmd, const char *flag, const char *arg);
    int (*group)(void *ctx, const char *cmd, int code, const char *arg);
    const struct option *longopts; /* GROUP: ends with a zero entry */
    void (*text)(FILE *f);    /* TEXTFN, GROUP */
    void *ctx;                /* CALL, GROUP */
    int *seen;                /* non-NULL: counted up each time the option is given */
};
struct cli_cmd {
    const char *name;         /* "theory": in messages and "Try 'sigprop theory --help'" */
    const char *head;         /* help before the options: usage line and description */
    const char *tail;         /* help after them; ends with an "Example:" line */
    const struct cli_opt *opts;
    int max_args;             /* positional arguments allowed (more: "unexpected argument") */
};
enum { CLI_DONE = -1 };       /* cli_parse printed the help: exit 0 */
/* Parses argv[1..] with cmd's table. Returns 0 with *first the index of the first
 * positional argument (at most max_args of them), CLI_DONE after --help, or 2
 * after a usage error (printed). */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, int *first);
/* cli_parse as a command's main calls it: 0 to go on, or 1 to stop now with *rc the
 * exit status (0 after --help, 2 after a usage error). */
int cli_parse_stop(const struct cli_cmd *cmd, int argc, char **argv, int *first, int *rc);
/* One option's help lines as the table prints them: "  -k, --name ARG" (key 0:
 * none; arg NULL: a flag) padded to the help column, each line of help with "%v"
 * replaced by def. */
void cli_help_entry(FILE *f, char key, const char *name, const char *arg, const char *help,
                    const char *def);
/* CALL handler (ctx: a struct cli_list, its earlier list freed): a comma list of
 * norms as enum sp_fn values, every name --norm takes but relu; what a command
 * can use of them its library call checks (the trainer: ln, rms, dyt, derf). 0 or 2. */
int cli_norm_list(void *ctx, const char *cmd, const char *flag, const char *arg);
/* The architecture flags (cli_arch_option) as one GROUP entry of a table. */
int cli_arch_group(void *ctx, const char *cmd, int code, const char *arg);
#define CLI_OPT_ARCH(ca)                                                               \
    {.kind = CLI_OPT_GROUP, .longopts = cli_arch_longopts, .group = cli_arch_group,    \
     .text = cli_arch_help, .ctx = (ca)}
extern const struct option cli_arch_longopts[];
/* -o FILE, --format csv|json, -q and -h as every table command has them. */
extern const char *const cli_format_names[]; /* "csv", "json" */
#define CLI_OPT_OUTPUT(out)                                                            \
    {.kind = CLI_OPT_STRING, .name = "output", .key = 'o', .arg = "FILE",              \
     .help = "write to FILE atomically ('-' = stdout, default)", .dest = (out)}
#define CLI_OPT_FORMAT(fmt)                                                            \
    {.kind = CLI_OPT_ENUM, .name = "format", .arg = "F", .help = "csv | json (default csv)", \
     .dest = (fmt), .values = cli_format_names}
#define CLI_OPT_QUIET_HELP(text)                                                       \
    {.kind = CLI_OPT_FLAG, .name = "quiet", .key = 'q', .help = (text), .dest = &cli_quiet}
#define CLI_OPT_QUIET CLI_OPT_QUIET_HELP("no messages on stderr")
#define CLI_OPT_HELPOPT                                                                \
    {.kind = CLI_OPT_HELP, .name = "help", .key = 'h', .help = "this help"}
/* The end of a table as most commands have it: --format, -o, -q (its help), -h. */
#define CLI_OPT_OUTPUTS(fmt, out, quiet_help)                                          \
    CLI_OPT_FORMAT(fmt), CLI_OPT_OUTPUT(out), CLI_OPT_QUIET_HELP(quiet_help),          \
        CLI_OPT_HELPOPT, {.kind = CLI_OPT_END}

/* ---- architecture flags ---- */
enum {
    OPT_ARCH_FIRST = 1000,
    OPT_PRESET = OPT_ARCH_FIRST, OPT_MODEL, OPT_NORM, OPT_ALPHA, OPT_ALPHA_ATTN, OPT_ALPHA_MLP,
    OPT_SHIFT, OPT_DEPTH, OPT_TOKENS, OPT_WIDTH, OPT_HEADS, OPT_MLP_RATIO, OPT_ACT,
    OPT_FINAL_NORM, OPT_INIT_STD, OPT_SIGMA_Q, OPT_SIGMA_K, OPT_SIGMA_V, OPT_SIGMA_O,
    OPT_SIGMA_1, OPT_SIGMA_2, OPT_SIGMA_W, OPT_MU, OPT_SIGMA_B, OPT_PHI, OPT_Q0, OPT_P0,
    OPT_ATTENTION, OPT_APJN, OPT_CN, OPT_SIGMA_3, OPT_MLP_HIDDEN, OPT_KV_HEADS, OPT_MASK,
    OPT_ROPE, OPT_ROPE_PAIRING, OPT_NORM_EPS, OPT_EMBED_SCALE, OPT_RESIDUAL_SCALE,
    OPT_PROXY_WIDTH,
    OPT_CONFIG,
    OPT_ARCH_LAST,
    OPT_CMD_FIRST = 1100 /* commands number their own long-only flags from here */
};

/* Include in a command's struct option array. */
#define CLI_ARCH_LONGOPTS                                                              \
    {"preset", required_argument, 0, OPT_PRESET}, {"model", required_argument, 0, OPT_MODEL}, \
    {"norm", required_argument, 0, OPT_NORM}, {"alpha", required_argument, 0, OPT_ALPHA},  \
    {"alpha-attn", required_argument, 0, OPT_ALPHA_ATTN},                              \
    {"alpha-mlp", required_argument, 0, OPT_ALPHA_MLP},                                \
    {"shift", required_argument, 0, OPT_SHIFT}, {"depth", required_argument, 0, OPT_DEPTH}, \
    {"tokens", required_argument, 0, OPT_TOKENS}, {"width", required_argument, 0, OPT_WIDTH}, \
    {"heads", required_argument, 0, OPT_HEADS},                                        \
    {"mlp-ratio", required_argument, 0, OPT_MLP_RATIO},                                \
    {"activation", required_argument, 0, OPT_ACT},                                     \
    {"final-norm", no_argument, 0, OPT_FINAL_NORM},                                    \
    {"init-std", required_argument, 0, OPT_INIT_STD},                                  \
    {"sigma-q", required_argument, 0, OPT_SIGMA_Q}, {"sigma-k", required_argument, 0, OPT_SIGMA_K}, \
    {"sigma-v", required_argument, 0, OPT_SIGMA_V}, {"sigma-o", required_argument, 0, OPT_SIGMA_O}, \
    {"sigma-1", required_argument, 0, OPT_SIGMA_1}, {"sigma-2", required_argument, 0, OPT_SIGMA_2}, \
    {"sigma-w", required_argument, 0, OPT_SIGMA_W}, {"mu", required_argument, 0, OPT_MU},  \
    {"sigma-b", required_argument, 0, OPT_SIGMA_B}, {"phi", required_argument, 0, OPT_PHI}, \
    {"q0", required_argument, 0, OPT_Q0}, {"p0", required_argument, 0, OPT_P0},         \
    {"attention", required_argument, 0, OPT_ATTENTION},                                \
    {"apjn", required_argument, 0, OPT_APJN}, {"cn", required_argument, 0, OPT_CN},    \
    {"mlp", required_argument, 0, OPT_ACT}, {"sigma-3", required_argument, 0, OPT_SIGMA_3}, \
    {"mlp-hidden", required_argument, 0, OPT_MLP_HIDDEN},                              \
    {"kv-heads", required_argument, 0, OPT_KV_HEADS},                                  \
    {"attention-mask", required_argument, 0, OPT_MASK},                                \
    {"rope", required_argument, 0, OPT_ROPE},                                          \
    {"rope-pairing", required_argument, 0, OPT_ROPE_PAIRING},                          \
    {"norm-eps", required_argument, 0, OPT_NORM_EPS},                                  \
    {"embed-scale", required_argument, 0, OPT_EMBED_SCALE},                            \
    {"residual-scale", required_argument, 0, OPT_RESIDUAL_SCALE},                      \
    {"proxy-width", required_argument, 0, OPT_PROXY_WIDTH},                      \
    {"config", required_argument, 0, OPT_CONFIG}

/* What the user asked for, before presets and defaults are resolved: the
 * library's request (struct sp_archspec, sigprop/archspec.h, whose fields the
 * commands read), under the name the commands use. Every flag above is a key of
 * the library's table; cli_arch_option passes it to sp_archspec_set. */
#define cli_arch sp_archspec
void cli_arch_init(struct cli_arch *c);
void cli_arch_free(struct cli_arch *c);
/* Handles an OPT_ARCH_* option: returns 0 if handled, 2 on a usage error (printed). */
int cli_arch_option(struct cli_arch *c, const char *cmd, int opt, const char *arg);
/* Resolves preset, flags and defaults into a validated architecture and theory
 * options, for one alpha value (NAN: no --alpha list value). Returns 0 or 2. */
int cli_arch_build(const struct cli_arch *c, const char *cmd, double alpha, struct sp_arch *a,
                   struct sp_theory_opts *o);
/* What cli_arch_build prints once per run of c, for a caller that builds through
 * the library (sp_sweep_grid_build's note; cmd: the command's name): the --config
 * note (a NULL: that alone, before the first build), the --width or proxy note. */
void cli_arch_note(void *cmd, const struct cli_arch *c, const struct sp_arch *a,
                   const struct sp_archspec_notes *n);
/* The alpha values to iterate over: the --alpha list, or one NAN. */
size_t cli_arch_nalpha(const struct cli_arch *c);
double cli_arch_alpha(const struct cli_arch *c, size_t i);
/* Where the theory version comes from: "flags" (--attention/--apjn/--cn),
 * "preset" (a preset's published version: blog2 keeps version A) or "default"
 * (version C, the same in every command). */
const char *cli_theory_version_source(const struct cli_arch *c);
/* The same as a phrase for the stderr header: " (the default)", ... */
void cli_theory_version_note(const struct cli_arch *c, char *buf, size_t n);
/* Adds "version_source" (as above) to the "theory" object of meta, if any. */
void cli_theory_meta_source(cJSON *meta, const struct cli_arch *c);
/* The theory's caveats for a, o (sp_theory_caveats): with warn, prints each as
 * "sigprop: warning: CODE: TEXT" on stderr; adds a "caveats" array of
 * {code, text} to meta (may be NULL). Returns the count. (The CSV `caveats`
 * column is the table functions' own: sigprop/tables.h.) */
size_t cli_caveats(const struct sp_arch *a, const struct sp_theory_opts *o, int warn,
                   cJSON *meta);
/* Help text for the architecture flags (same for every command). */
void cli_arch_help(FILE *f);
/* Adds every architecture and theory setting to a JSON object. */
void cli_arch_meta(cJSON *meta, const struct sp_arch *a, const struct sp_theory_opts *o);

/* ---- finite-network measurement flags shared by measure and compare (cmd_measure.c) ---- */
/* What the user asked for: the library's request (struct sp_measurespec,
 * sigprop/measurespec.h), under the name the commands use. Every measurement flag
 * is a key of the library's table; the flags' getopt codes are OPT_MEASURE_FIRST
 * + the key's index. */
#define cli_measure sp_measurespec
enum { OPT_MEASURE_FIRST = 1200 };
/* Real inputs (cli/inputs.c): the library's sp_measure_inputs_prepare (before
 * cli_arch_build: ca->tokens, the draw count, the input kind; weights_cls -1
 * without --weights, else whether the checkpoint has a CLS token) and
 * sp_measure_image_tokens (v: the checkpoint, or NULL: the trainer's init; *tok
 * the caller's), their reasons printed: 0, 1 (runtime) or 2 (usage, bad data). */
int cli_inputs_prepare(const char *cmd, struct cli_measure *m, struct cli_arch *ca,
                       int weights_cls);
struct sp_vit_net;
int cli_inputs_tokens(const char *cmd, const struct cli_measure *m, const struct sp_arch *a,
                      const struct sp_vit_net *v, float **tok);
/* The status of sp_measure_image_tokens (or a caller of it) as cli_inputs_tokens
 * reports it: 0, 2 (SP_EINVAL, SP_EFORMAT) or 1. */
int cli_inputs_status(const char *cmd, enum sp_status s);
/* sp_measurespec_init with reasons that name flags ("--probes: ..."). */
void cli_measure_init(struct cli_measure *m);
void cli_measure_free(struct cli_measure *m);
/* The flags of one group of the key table (SP_MEASUREKEY_RUN: measure's and
 * compare's; SP_MEASUREKEY_OUTPUT: measure's own) as getopt options, each handled
 * by cli_measure_option (ctx: the struct cli_measure) through sp_measurespec_set,
 * help generated from the table. */
const struct option *cli_measure_longopts(enum sp_measurekey_group g);
int cli_measure_option(void *ctx, const char *cmd, int code, const char *arg);
/* The keys names (NULL-terminated) as getopt options into o (n entries, the last
 * a zero entry), handled by cli_measure_option as above; their help in that order. */
void cli_measure_longopts_named(const char *const *names, struct option *o, size_t n);
void cli_measure_help_named(FILE *f, const char *const *names);
void cli_measure_help_run(FILE *f);
void cli_measure_help_output(FILE *f);
extern const char *const cli_input_names[]; /* "equiangular", "gaussian": enum sp_net_input */
/* --max-memory and --max-time, the limits of a measurement, as alpha --verify has them. */
#define CLI_OPT_MEASURE_LIMITS(m, what)                                                \
    {.kind = CLI_OPT_SIZE, .name = "max-memory", .arg = "SIZE", .dest = &(m)->max_memory, \
     .help = "refuse " what " needing more (default: available memory)"},             \
    {.kind = CLI_OPT_DOUBLE, .name = "max-time", .arg = "S", .dest = &(m)->max_time,   \
     .lo = 1e-3, .hi = 1e9,                                                            \
     .help = "refuse " what " estimated to take more than S seconds (a\n"               \
             "2-block, one-draw run timed at start, scaled by FLOPs)"}
/* The measurement flags of measure and compare (the RUN group), as entries of a table. */
#define CLI_OPT_MEASURE(m)                                                             \
    {.kind = CLI_OPT_TEXT, .help = "Measurement (finite network at initialisation):\n"}, \
    {.kind = CLI_OPT_GROUP, .longopts = cli_measure_longopts(SP_MEASUREKEY_RUN),       \
     .group = cli_measure_option, .text = cli_measure_help_run, .ctx = (m)}
/* sp_measure_plan for one more architecture, the plan kept across the calls since
 * the last cli_measure_init (the --max-time estimates add up): 0, or 2 with the
 * library's reason printed. */
int cli_measure_check(const char *cmd, const struct sp_arch *a, struct cli_measure *m);
/* Available memory in bytes (sp_available_bytes). */
#define cli_available_bytes sp_available_bytes
/* The library's "measure" object (sp_measure_meta_json) into meta: 0, or 1 (printed). */
int cli_measure_meta(cJSON *meta, const struct sp_arch *a, const struct cli_measure *m);
/* Feeds sp_net_opts.progress into a progress bar: set o.progress to
 * cli_measure_on_progress and o.progress_ctx to a struct cli_measure_progress
 * whose offset counts the work of earlier runs. */
struct cli_measure_progress {
    struct cli_progress *pg;
    size_t offset;
};
void cli_measure_on_progress(void *ctx, size_t done, size_t total);

/* ---- the trainer's flags shared by train and sweep --mode train (cmd_train.c) ---- */
/* What the user asked for: the library's request (struct sp_trainspec,
 * sigprop/trainspec.h; reasons name keys as flags). Every model and optimiser flag
 * is a key of the library's table; the flags' getopt codes are OPT_TRAIN_FIRST +
 * the key's index. */
enum { OPT_TRAIN_FIRST = 1300 };
struct cli_train {
    struct sp_trainspec s;
    long train_max, eval_max; /* the first N training / test examples; 0: all */
    int model_flags;          /* the command's own model flags given (norms, alphas) */
};
void cli_train_init(struct cli_train *t); /* the trainer's defaults (sp_trainspec_init) */
/* The keys of one group (sigprop/trainspec.h) as getopt options, each handled by
 * cli_train_option (ctx: the struct cli_train) through sp_trainspec_set, help
 * generated from the table. */
const struct option *cli_train_longopts(enum sp_trainkey_group g);
int cli_train_option(void *ctx, const char *cmd, int code, const char *arg);
void cli_train_help_model(FILE *f);
void cli_train_help_optim(FILE *f);
void cli_train_help_own_model(FILE *f);
void cli_train_help_own_optim(FILE *f);
#define CLI_OPT_TRAIN_KEYS(t, G, HELP)                                                  \
    {.kind = CLI_OPT_GROUP, .longopts = cli_train_longopts(G), .group = cli_train_option, \
     .text = HELP, .ctx = (t)}
#define CLI_OPT_TRAIN_DATA(t)                                                          \
    {.kind = CLI_OPT_LONG, .name = "train-max", .arg = "N", .dest = &(t)->train_max,     \
     .lo = 0, .hi = 100000000,                                                         \
     .help = "train on the first N training images (default 0: all)"},               \
    {.kind = CLI_OPT_LONG, .name = "eval-max", .arg = "N", .dest = &(t)->eval_max,       \
     .lo = 0, .hi = 100000000,                                                         \
     .help = "evaluate on the first N test images (default 0: all)"}
/* Fashion-MNIST's train and t10k splits from dir, the training split cut to
 * train_max images (0: all). */
enum sp_status cli_load_fmnist(const char *dir, long train_max, struct sp_dataset *tr,
                               struct sp_dataset *te);

/* A library status as the CLI reports it: 0 for SP_OK; SP_EINVAL a usage error
 * (the reason printed, 2); any other a runtime failure ("cmd: reason", 1). */
int cli_status(const char *cmd, enum sp_status s);

/* ---- output ---- */
enum cli_format { CLI_CSV, CLI_JSON };
/* Writes a table atomically to path ("-" or NULL: stdout). meta: JSON object
 * (not consumed), may be NULL. Returns 0 or 1 (error printed). */
int cli_write_table(const struct sp_table *t, enum cli_format fmt, const char *path,
                    const cJSON *meta);
/* Checks, before any work, that path ("-"/NULL: stdout) can be written: not
 * empty, not a directory, its directory exists and is writable. 0 or 2 (printed). */
int cli_check_output(const char *cmd, const char *flag, const char *path);
/* A fresh meta object with command, version, git hash, build features. */
cJSON *cli_meta_new(const char *cmd);
/* A serialised JSON object from the library (json, malloc'ed: freed here) into
 * meta: under key, or (key NULL) its members appended to meta in their order.
 * 0, or 1 (printed) when json is NULL (the library's reason) or not parsed. */
int cli_meta_add_json(cJSON *meta, const char *key, char *json);

/* ---- progress bar on stderr (only when stderr is a terminal and not quiet) ---- */
struct cli_progress {
    const char *label;
    size_t total, done;
    double t0, last;
    int active;
};
void cli_progress_start(struct cli_progress *p, const char *label, size_t total);
/* The fraction done (0..1000) of the last progress started, -1 when none; read by
 * sigprop report to draw a bar while a step's own stderr goes to its log. */
extern _Atomic int cli_progress_permille;
void cli_progress_update(struct cli_progress *p, size_t done);
void cli_progress_finish(struct cli_progress *p);
double cli_now(void); /* monotonic seconds */

/* ---- the notes of the library's table functions (sigprop/tables.h) ---- */
/* Prints each note as cli_info does ("sigprop: <note>"; nothing when quiet). */
void cli_notes(const struct sp_notes *n);

#endif
