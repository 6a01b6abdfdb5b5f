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
    CLI_OPT_NORM_LIST, /* struct cli_list *dest: norms as enum sp_fn (sp_parse_norm_list) */
    CLI_OPT_CALL,     /* call(ctx, cmd, "--name", arg): 0 or 2 (printed) */
    CLI_OPT_KEYS,     /* keys of a library table (sigprop/keys.h): see cli_opt.keys;
                         a name the table has too is the table's */
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
    void (*text)(FILE *f);    /* TEXTFN */
    void *ctx;                /* CALL; KEYS: the table's request (struct sp_archspec, ...) */
    int *seen;                /* non-NULL: counted up each time the option is given */
    /* KEYS: the keys of `keys` in group kgroup (-1: all), or (names non-NULL) the
     * keys named, each a flag "--NAME" (with a value when it has a syntax; aliases
     * too) that set_key(ctx, cmd, k, arg) sets (NULL: cli_key_set); their help from the
     * table in its order (names: theirs), the key's aliases beside it, each
     * group's heading (headings[group], NULL: none) before its first key when it
     * differs from the last one printed, in layout (NULL: as the table's own) */
    const struct sp_keyset *keys;
    int kgroup;
    const char *const *names;
    const char *const *headings;
    const struct sp_help_layout *layout;
    int (*set_key)(void *ctx, const char *cmd, const struct sp_key *k, const char *arg);
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
/* Sets key k of a KEYS entry's request (ctx) from the flag's value: ks->set, its
 * reason printed: 0, 1 (SP_ENOMEM) or 2 (any other failure: a usage error). */
int cli_key_set(const struct sp_keyset *ks, void *ctx, const char *cmd, const struct sp_key *k,
                const char *arg);
#define CLI_OPT_KEYS(KS, G, SPEC) {.kind = CLI_OPT_KEYS, .keys = (KS), .kgroup = (G), .ctx = (SPEC)}
#define CLI_OPT_KEYS_NAMED(KS, NAMES, SPEC)                                             \
    {.kind = CLI_OPT_KEYS, .keys = (KS), .names = (NAMES), .ctx = (SPEC)}
/* The architecture flags as entries of a table: the keys (set by HOOK, which
 * calls cli_arch_key) with their section headings, then the presets. */
extern const char *const cli_arch_headings[];
extern const struct sp_help_layout cli_arch_layout;
void cli_arch_presets_help(FILE *f);
#define CLI_OPT_ARCH_HOOK(ca, HOOK)                                                    \
    {.kind = CLI_OPT_KEYS, .keys = sp_archspec_keys(), .kgroup = -1, .ctx = (ca),     \
     .headings = cli_arch_headings, .layout = &cli_arch_layout, .set_key = (HOOK)},        \
    {.kind = CLI_OPT_TEXTFN, .text = cli_arch_presets_help}
#define CLI_OPT_ARCH(ca) CLI_OPT_ARCH_HOOK(ca, cli_arch_key)
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
/* What the user asked for, before presets and defaults are resolved: the
 * library's request (struct sp_archspec, sigprop/archspec.h, whose fields the
 * commands read), under the name the commands use. Every flag above is a key of
 * the library's table; cli_arch_option passes it to sp_archspec_set. */
#define cli_arch sp_archspec
void cli_arch_init(struct cli_arch *c);
void cli_arch_free(struct cli_arch *c);
/* Sets architecture key k (ctx: the struct cli_arch) as cli_key_set, keeping the
 * record of a --config read for the notes and the meta: 0, 1 or 2 (printed). */
int cli_arch_key(void *ctx, const char *cmd, const struct sp_key *k, const char *arg);
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
/* Adds the library's architecture meta (sp_arch_meta_json: arch, the last --config
 * read, theory with o non-NULL) to meta: 0, or 1 (printed). */
int cli_arch_meta(cJSON *meta, const struct sp_arch *a, const struct sp_theory_opts *o);

/* ---- finite-network measurement flags shared by measure and compare (cmd_measure.c) ---- */
/* What the user asked for: the library's request (struct sp_measurespec,
 * sigprop/measurespec.h), under the name the commands use. Every measurement flag
 * is a key of the library's table (CLI_OPT_KEYS of sp_measurespec_keys()). */
#define cli_measure sp_measurespec
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
/* A CALL handler (ctx: the struct cli_measure) for a command's own flag that is a
 * measurement key under its own help: "--KEY" set as cli_key_set does. */
int cli_measure_call(void *ctx, const char *cmd, const char *flag, const char *arg);
/* sp_measurespec_init with reasons that name flags ("--probes: ..."). */
void cli_measure_init(struct cli_measure *m);
void cli_measure_free(struct cli_measure *m);
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
    CLI_OPT_KEYS(sp_measurespec_keys(), SP_MEASUREKEY_RUN, (m))
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
 * is a key of the library's table. */
struct cli_train {
    struct sp_trainspec s;
    long train_max, eval_max; /* the first N training / test examples; 0: all */
};
void cli_train_init(struct cli_train *t); /* the trainer's defaults (sp_trainspec_init) */
/* The keys of one group (sigprop/trainspec.h) as entries of a table. */
#define CLI_OPT_TRAIN_KEYS(t, G) CLI_OPT_KEYS(sp_trainspec_keys(), (G), &(t)->s)
#define CLI_OPT_TRAIN_DATA(t)                                                          \
    {.kind = CLI_OPT_LONG, .name = "train-max", .arg = "N", .dest = &(t)->train_max,     \
     .lo = 0, .hi = 100000000,                                                         \
     .help = "train on the first N training images (default 0: all)"},               \
    {.kind = CLI_OPT_LONG, .name = "eval-max", .arg = "N", .dest = &(t)->eval_max,       \
     .lo = 0, .hi = 100000000,                                                         \
     .help = "evaluate on the first N test images (default 0: all)"}

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
