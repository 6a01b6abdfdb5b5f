/* sigprop report: runs a named scenario end to end (theory, toy network, phase
 * diagram, measurement, fits, the alpha rule, figures) by calling the other
 * subcommands in-process through their cmd_* functions, and writes a
 * self-contained HTML report (figures embedded as base64 PNG) with the
 * configuration, the tables and the provenance. Everything is built in
 * OUT.tmp.PID and renamed to OUT at the end, so a failed run leaves the old
 * report in place. A step that fails (e.g. a command this build lacks) becomes
 * a section saying so, with the reason from its log, and the run goes on.
 * This file: options, the output folder and its swap. The scenarios are in
 * report_scenario.c, the step runner in report_steps.c, the HTML in
 * report_html.c (shared declarations: report.h). */
#define _GNU_SOURCE /* nftw's FTW_DEPTH/FTW_PHYS */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

enum { OPT_SCENARIO = OPT_CMD_FIRST, OPT_SEED, OPT_STRICT, OPT_SKIP, OPT_FORCE };

static void help(FILE *f)
{
    fprintf(f,
            "Usage: sigprop report [--scenario NAME] [-o DIR] [options]\n\n"
            "Runs a scenario end to end (mean-field theory, toy network, phase diagram,\n"
            "finite-width measurement, fits, the alpha rule, figures) and writes DIR/index.html,\n"
            "a self-contained report (figures embedded) with the configuration, the tables\n"
            "and the provenance; DIR/data holds the CSVs, DIR/figures the PNGs, DIR/logs what\n"
            "each step said. Built in DIR.tmp.PID and renamed when complete. A step that\n"
            "fails becomes a section saying why; the report is still written.\n\n"
            "Options:\n"
            "  -s, --scenario NAME  default | full | test (default: default)\n");
    for (size_t i = 0; i < NSCENARIOS; i++)
        fprintf(f, "        %-8s %s\n", scenarios[i].name, scenarios[i].summary);
    fprintf(f,
            "  -o, --output DIR     output folder (default: report). DIR must not exist, be\n"
            "                       empty or hold an earlier sigprop report, which is\n"
            "                       replaced whole; anything else is refused before\n"
            "                       running (see --force). Never the current folder or\n"
            "                       one above it\n"
            "      --force          replace DIR even if it is not a sigprop report (its\n"
            "                       whole content is deleted)\n"
            "      --seed N         master seed of the measurements (default 1)\n"
            "      --skip LIST      steps not to run, by name prefix, comma separated:\n"
            "                       theory, summary, toy, phase, fit, measure, alpha, plot\n"
            "                       (e.g. --skip measure: a theory-only report in a second)\n"
            "      --strict         exit 1 if any step failed or was skipped (default: 0\n"
            "                       once the report is written)\n"
            "  -q, --quiet          no progress messages\n"
            "  -h, --help           this help\n\n"
            "Prints the path of the report's index.html on stdout.\n\n"
            "Example: sigprop report --scenario default -o report\n");
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int rm_tree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 if dir/index.html was written by sigprop report (its head holds the
 * generator tag, or the title of reports from before the tag). */
static int is_report(const char *dir)
{
    char *index = xasprintf("%s/index.html", dir);
    FILE *f = index ? fopen(index, "rb") : NULL;
    free(index);
    if (!f)
        return 0;
    char head[4097];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = 0;
    if (n < 15 || memcmp(head, "<!DOCTYPE html>", 15) != 0)
        return 0;
    return strstr(head, REPORT_MARKER) != NULL || strstr(head, REPORT_TITLE) != NULL;
}

/* 1 if the folder holds nothing (or cannot be listed: -1). */
static int is_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

/* 1 if path is the current folder or one of its ancestors (replacing it
 * would delete the folder the user stands in). */
static int contains_cwd(const char *path)
{
    char *rp = realpath(path, NULL), *cwd = realpath(".", NULL);
    int bad = 0;
    if (rp && cwd) {
        size_t n = strlen(rp);
        bad = !strcmp(rp, "/") || !strcmp(rp, cwd) ||
              (!strncmp(cwd, rp, n) && cwd[n] == '/');
    }
    free(rp);
    free(cwd);
    return bad;
}

static int make_dirs(const struct report *r)
{
    const char *subs[] = {"", "/data", "/figures", "/logs"};
    for (size_t i = 0; i < 4; i++) {
        char *p = xasprintf("%s%s", r->dir, subs[i]);
        int rc = p ? mkdir(p, 0755) : -1;
        free(p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scenario", required_argument, 0, 's'}, {"output", required_argument, 0, 'o'},
        {"seed", required_argument, 0, OPT_SEED}, {"strict", no_argument, 0, OPT_STRICT},
        {"skip", required_argument, 0, OPT_SKIP}, {"force", no_argument, 0, OPT_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *scen = "default", *out = "report", *skip = NULL;
    unsigned long seed = 1;
    int strict = 0, quiet = 0, force = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': scen = optarg; break;
        case 'o': out = optarg; break;
        case OPT_SEED: {
            uint64_t v;
            int rc = cli_parse_u64("report", "--seed", optarg, UINT32_MAX, &v);
            if (rc)
                return rc;
            seed = (unsigned long)v;
            break;
        }
        case OPT_STRICT: strict = 1; break;
        case OPT_SKIP: skip = optarg; break;
        case OPT_FORCE: force = 1; break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return CLI_OK;
        default: return cli_bad_option("report", argc, argv);
        }
    }
    if (optind < argc)
        return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    const struct scenario *sc = NULL;
    for (size_t i = 0; i < NSCENARIOS; i++)
        if (!strcmp(scenarios[i].name, scen))
            sc = &scenarios[i];
    if (!sc)
        return cli_usage("report", "--scenario: '%s' is not one of default, full, test", scen);
    if (!*out)
        return cli_usage("report", "-o: empty folder name");
    size_t olen = strlen(out);
    while (olen > 1 && out[olen - 1] == '/')
        olen--;

    struct report r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.seed = seed;
    snprintf(r.seed_s, sizeof r.seed_s, "%lu", seed);
    r.quiet = quiet || cli_quiet;
    char *skip_copy = NULL, *skip_list[16];
    if (skip) {
        static const char *const known[] = {"theory", "summary", "toy", "phase", "fit",
                                            "measure", "alpha", "plot"};
        skip_copy = strdup(skip);
        char *save = NULL;
        for (char *t = skip_copy ? strtok_r(skip_copy, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save)) {
            int ok = 0;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                ok |= !strncmp(t, known[k], strlen(known[k]));
            if (!ok || r.nskip >= 16) {
                int rc = cli_usage("report", "--skip: '%s' is not a step name (theory, summary, "
                                   "toy, phase, fit, measure, alpha, plot, or a longer prefix "
                                   "such as measure-ln)", t);
                free(skip_copy);
                return rc;
            }
            skip_list[r.nskip++] = t;
        }
        r.skip = skip_list;
    }
    r.final = strndup(out, olen);
    r.dir = r.final ? xasprintf("%s.tmp.%ld", r.final, (long)getpid()) : NULL;
    if (!r.final || !r.dir) {
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return cli_fail("out of memory");
    }
    struct stat sb;
    if (stat(r.final, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        int rc = cli_usage("report", "-o: '%s' exists and is not a folder", r.final);
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return rc;
    }
    if (stat(r.final, &sb) == 0) {
        /* refuse before running anything: only an empty folder or an earlier
         * report is replaced without --force, never the folder we stand in */
        const char *why = NULL;
        if (contains_cwd(r.final))
            why = "is the current folder or one above it; replacing it would delete the "
                  "folder you are in: give a new folder";
        else if (!force && is_empty_dir(r.final) != 1 && !is_report(r.final))
            why = "exists and is not a sigprop report (no index.html written by sigprop "
                  "report); use --force to replace it and delete its content, or another -o";
        if (why) {
            int rc = cli_usage("report", "-o '%s' %s", r.final, why);
            free(r.final);
            free(r.dir);
            free(skip_copy);
            return rc;
        }
    }
    if (stat(r.final, &sb) != 0) { /* a new folder: its parent must exist, writable */
        int rc = cli_check_output("report", "-o", r.final);
        if (rc) {
            free(r.final);
            free(r.dir);
            free(skip_copy);
            return rc;
        }
    }
    /* from here until it is renamed or removed, SIGINT/SIGTERM remove the
     * folder being built (cli/main.c's handler) */
    int dir_slot = sp_tmp_register(r.dir, 1);
    if (dir_slot < 0) {
        int rc = cli_fail("%s", sp_last_error());
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return rc;
    }
    rm_tree(r.dir); /* a leftover of a crashed run with our pid */
    if (make_dirs(&r) != 0) {
        int rc = cli_fail("cannot create '%s': %s", r.dir, strerror(errno));
        rm_tree(r.dir);
        sp_tmp_unregister(dir_slot);
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return rc;
    }
    if (!r.quiet)
        fprintf(stderr, "sigprop: report: scenario '%s' into %s/ (building in %s/)\n", sc->name,
                r.final, r.dir);
    r.t0 = cli_now();
    struct mconf mc[8];
    int nmc = 0;
    run_scenario(&r, mc, &nmc);
    double wall = cli_now() - r.t0;

    char *index = xasprintf("%s/index.html", r.dir);
    r.html = index ? fopen(index, "w") : NULL;
    int rc = 0;
    if (!r.html) {
        rc = cli_fail("cannot write '%s'", index ? index : "index.html");
    } else {
        write_html(&r, mc, nmc, wall);
        if (fflush(r.html) != 0 || ferror(r.html) || fsync(fileno(r.html)) != 0)
            rc = cli_fail("writing '%s' failed", index);
        if (fclose(r.html) != 0 && !rc)
            rc = cli_fail("writing '%s' failed", index);
    }
    free(index);
    if (!rc) {
        /* swap in atomically: the old report moves aside, the new one takes its name.
         * SIGINT/SIGTERM/SIGHUP wait until the swap and the old report's removal are
         * done, so an interrupt never leaves OUT.old.PID (or no OUT) behind. */
        sigset_t block, prev;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, &prev);
        char *old = xasprintf("%s.old.%ld", r.final, (long)getpid());
        int had_old = stat(r.final, &sb) == 0;
        if (!old || (had_old && rename(r.final, old) != 0)) {
            rc = cli_fail("cannot move the old '%s' aside: %s", r.final, strerror(errno));
        } else if (rename(r.dir, r.final) != 0) {
            rc = cli_fail("cannot rename '%s' to '%s': %s", r.dir, r.final, strerror(errno));
            if (had_old)
                rename(old, r.final);
        } else if (had_old) {
            rm_tree(old);
        }
        free(old);
        sigprocmask(SIG_SETMASK, &prev, NULL);
    }
    if (rc)
        rm_tree(r.dir);
    sp_tmp_unregister(dir_slot);
    int failed = 0;
    for (int i = 0; i < r.nsteps; i++)
        failed += r.steps[i].rc != 0;
    if (!rc) {
        if (!r.quiet) {
            fprintf(stderr, "sigprop: report: %d of %d steps succeeded in %.1f s\n",
                    r.nsteps - failed, r.nsteps, wall);
            if (failed)
                fprintf(stderr, "sigprop: report: the failed steps are marked in the report; "
                                "their messages are in %s/logs/\n", r.final);
        }
        printf("%s/index.html\n", r.final);
        fflush(stdout);
        if (strict && failed)
            rc = cli_fail("%d step(s) failed (--strict)", failed);
    }
    free(r.final);
    free(r.dir);
    free(skip_copy);
    return rc;
}

