/* sigprop plot: figures from sigprop's CSV files. Reads the tables, never
 * recomputes, and hands them to sp_plot_tables (src/plot/), which chooses the
 * figure kind from the columns unless --kind says it. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigprop/plot.h"

/* LeakSanitizer (make asan): fontconfig and libltdl, which PLplot's cairo
 * driver loads, keep caches for the life of the process; their allocations are
 * not ours. Only these two libraries are suppressed, by module name, so a leak
 * in sigprop's own code is still reported. The hook is looked up by the
 * sanitizer runtime and unused in other builds. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libltdl.so\n";
}

/* ... and does not list the suppressions it used on stderr (the CLI tests check
 * that -q leaves stderr empty). */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}

static struct sp_plot_opts defaults; /* for the help's "(default N)" */

static void kinds_help(FILE *f)
{
    fprintf(f, "        profile    q, p and p/q against l, one line per configuration\n"
               "        jbwd       J^{L,l} and J^{l,0} (log), theory lines, measured points\n"
               "        gradamp    measured gradient amplification against the APJN\n"
               "        stretched  (log J^{l,0})^2 against l, and log-log J^{l,0}\n"
               "        toy        toy network: K_l and J^{L,l} with l* marked\n"
               "        phase      heat map of log10 J^{L,0} over (alpha, depth)\n"
               "        alpha      recommended alpha against depth and width\n"
               "        stability  heat map of test accuracy over alpha x (lr, warmup) from\n"
               "                   'sweep --mode train', predicted J per alpha, the\n"
               "                   recommended alpha marked\n"
               "        stability-scatter  test accuracy against predicted log J^{L,0},\n"
               "                   with the Spearman rank correlation\n");
}

static void size_help(FILE *f)
{
    fprintf(f, "      --width PX        width in pixels (default %d)\n"
               "      --height PX       height in pixels (default %d)\n",
            defaults.width, defaults.height);
}

static int opt_kind(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    (void)flag;
    return cli_status(cmd, sp_plot_kind_parse("--kind", arg, ctx));
}

static int read_table(const char *path, struct sp_table **t)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        return cli_fail("cannot open '%s' for reading: %s", path, strerror(errno));
    char err[256] = "";
    sp_last_error_clear();
    enum sp_status s = sp_table_read_csv(f, t, err, sizeof err);
    if (f != stdin)
        fclose(f);
    if (s != SP_OK)
        return cli_fail("'%s': %s", path,
                        err[0] ? err : sp_last_error()[0] ? sp_last_error() : sp_status_str(s));
    if (!sp_table_nrows(*t)) {
        sp_table_free(*t);
        *t = NULL;
        return cli_fail("'%s' has no rows", path);
    }
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    struct sp_plot_opts o;
    sp_plot_opts_default(&o);
    sp_plot_opts_default(&defaults);
    const char *out = NULL, *summary = NULL;
    int first, rc;
    const struct cli_opt opts[] = {
        {.kind = CLI_OPT_STRING, .name = "output", .key = 'o', .arg = "FILE", .dest = &out,
         .help = "figure to write (.png, .svg or .pdf; required)"},
        {.kind = CLI_OPT_CALL, .name = "kind", .key = 'k', .arg = "KIND", .call = opt_kind,
         .ctx = &o.kind, .help = "figure kind (default: chosen from the columns):"},
        {.kind = CLI_OPT_TEXTFN, .text = kinds_help},
        {.kind = CLI_OPT_STRING, .name = "title", .key = 't', .arg = "TEXT", .dest = &o.title,
         .help = "figure title (default: one per kind)"},
        {.kind = CLI_OPT_INT, .name = "width", .dest = &o.width, .lo = 200, .hi = 10000},
        {.kind = CLI_OPT_INT, .name = "height", .dest = &o.height, .lo = 200, .hi = 10000},
        {.kind = CLI_OPT_TEXTFN, .text = size_help},
        {.kind = CLI_OPT_STRING, .name = "summary", .arg = "FILE", .dest = &summary,
         .help = "theory --summary CSV (l_star for the toy kind)"},
        {.kind = CLI_OPT_DOUBLE, .name = "l-star", .arg = "L", .dest = &o.l_star, .lo = 0,
         .hi = 1e9, .help = "toy: mark this transition depth on every curve"},
        {.kind = CLI_OPT_DOUBLE, .name = "preln-level", .arg = "X", .dest = &o.preln_level,
         .lo = -1e300, .hi = 1e300,
         .help = "phase: contour at log J^{L,0} = X (natural log);\n"
                 "default: the rows with norm=ln at each depth"},
        {.kind = CLI_OPT_FLAG, .name = "quiet", .key = 'q', .dest = &cli_quiet,
         .help = "no messages"},
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_END}};
    const struct cli_cmd cmd = {
        "plot",
        "Usage: sigprop plot FILE... -o OUT.png|.svg|.pdf [options]\n\n"
        "Draws sigprop's CSV output (theory, measure, compare, sweep, alpha) as the figure\n"
        "a paper would print. Reads the files, never recomputes. FILE '-' is stdin.\n\n"
        "Options:\n",
        "\nWhich file is which: a file with a column ending in _se (J_bwd_se) or a column\n"
        "source=measure is a measurement (points with error bars); a file with l_star or\n"
        "J_L0 and no l column is a summary; anything else with l is theory (lines).\n\n"
        "Example: sigprop plot theory.csv measure.csv -o jbwd.png --kind jbwd\n",
        opts, 1 << 20};
    if (cli_parse_stop(&cmd, argc, argv, &first, &rc))
        return rc;
    if (!out)
        return cli_usage("plot", "-o/--output is required (a .png, .svg or .pdf file)");
    enum sp_plot_format fmt;
    if (sp_plot_format_from_path(out, &fmt) != SP_OK)
        return cli_usage("plot", "-o: '%s' must end in .png, .svg or .pdf", out);
    if ((rc = cli_check_output("plot", "-o", out)))
        return rc;
    if (!strcmp(out, "-"))
        return cli_usage("plot", "-o: a figure cannot go to standard output; give a file name");
    optind = first;
    size_t nfiles = (size_t)(argc - optind) + (summary ? 1 : 0);
    if (argc - optind < 1)
        return cli_usage("plot", "no input FILE (a CSV written by sigprop)");
    struct sp_table **tables = calloc(nfiles, sizeof *tables);
    if (!tables)
        return cli_fail("out of memory");
    size_t nt = 0;
    rc = 0;
    for (int i = optind; i < argc && !rc; i++)
        if (!(rc = read_table(argv[i], &tables[nt])))
            nt++;
    if (!rc && summary && !(rc = read_table(summary, &tables[nt])))
        nt++;
    if (!rc) {
        char err[512] = "";
        double t0 = cli_now();
        sp_last_error_clear();
        enum sp_status s = sp_plot_tables((const struct sp_table *const *)tables, nt, &o, out,
                                          err, sizeof err);
        if (s != SP_OK)
            rc = cli_fail("plot: %s", err[0]               ? err
                                      : sp_last_error()[0] ? sp_last_error()
                                                           : sp_status_str(s));
        else
            cli_info("wrote %s (%dx%d, %.2fs)", out, o.width, o.height, cli_now() - t0);
    }
    for (size_t i = 0; i < nt; i++)
        sp_table_free(tables[i]);
    free(tables);
    return rc;
}
