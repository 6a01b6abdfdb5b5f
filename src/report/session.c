/* The report's folder: what -o may replace (checked before anything runs),
 * OUT.tmp.PID where everything is built, and the swap that makes it OUT. */
#define _GNU_SOURCE /* nftw's FTW_DEPTH/FTW_PHYS, strndup */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_internal.h"

void sp_report_init(struct sp_report *r, const struct sp_report_scenario *sc,
                    unsigned long seed, const struct sp_report_hooks *hooks)
{
    memset(r, 0, sizeof *r);
    r->sc = sc;
    r->seed = seed;
    snprintf(r->seed_s, sizeof r->seed_s, "%lu", seed);
    if (hooks)
        r->hooks = *hooks;
    r->dir_slot = -1;
}

enum sp_status sp_report_add_skip(struct sp_report *r, const char *prefix)
{
    if (!sp_report_step_prefix_ok(prefix) || r->nskip >= SP_REPORT_MAX_SKIP)
        return sp_fail(SP_EINVAL, "--skip: '%s' is not a step name (theory, summary, toy, "
                       "phase, fit, measure, alpha, plot, or a longer prefix such as "
                       "measure-ln)", prefix);
    r->skip[r->nskip++] = prefix;
    return SP_OK;
}

int sp_report_failed(const struct sp_report *r)
{
    int failed = 0;
    for (int i = 0; i < r->nsteps; i++)
        failed += r->steps[i].rc != 0;
    return failed;
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
    char *index = report_asprintf("%s/index.html", dir);
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
    return strstr(head, SP_REPORT_MARKER) != NULL || strstr(head, SP_REPORT_TITLE) != NULL;
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
        bad = !strcmp(rp, "/") || !strcmp(rp, cwd) || (!strncmp(cwd, rp, n) && cwd[n] == '/');
    }
    free(rp);
    free(cwd);
    return bad;
}

/* out without its trailing slashes, malloc'ed. */
static char *strip_slashes(const char *out)
{
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        n--;
    return strndup(out, n);
}

enum sp_status sp_report_check_dir(const char *out, int force, int *exists)
{
    *exists = 0;
    if (!*out)
        return sp_fail(SP_EINVAL, "-o: empty folder name");
    char *final = strip_slashes(out);
    if (!final)
        return sp_fail(SP_ENOMEM, "out of memory");
    struct stat sb;
    enum sp_status s = SP_OK;
    if (stat(final, &sb) == 0) {
        *exists = 1;
        /* only an empty folder or an earlier report is replaced without force,
         * never the folder we stand in */
        if (!S_ISDIR(sb.st_mode))
            s = sp_fail(SP_EINVAL, "-o: '%s' exists and is not a folder", final);
        else if (contains_cwd(final))
            s = sp_fail(SP_EINVAL, "-o '%s' is the current folder or one above it; replacing "
                        "it would delete the folder you are in: give a new folder", final);
        else if (!force && is_empty_dir(final) != 1 && !is_report(final))
            s = sp_fail(SP_EINVAL, "-o '%s' exists and is not a sigprop report (no index.html "
                        "written by sigprop report); use --force to replace it and delete its "
                        "content, or another -o", final);
    }
    free(final);
    return s;
}

enum sp_status sp_report_open(struct sp_report *r, const char *out)
{
    r->final = strip_slashes(out);
    r->dir = r->final ? report_asprintf("%s.tmp.%ld", r->final, (long)getpid()) : NULL;
    if (!r->final || !r->dir) {
        sp_report_close(r);
        return sp_fail(SP_ENOMEM, "out of memory");
    }
    /* from here until it is renamed or removed, a fatal signal removes the
     * folder being built (the caller's handler calls sp_tmp_remove_all) */
    if ((r->dir_slot = sp_tmp_register(r->dir, 1)) < 0) {
        sp_report_close(r);
        return SP_EINVAL; /* the reason is sp_tmp_register's */
    }
    rm_tree(r->dir); /* a leftover of a crashed run with our pid */
    static const char *const subs[] = {"", "/data", "/figures", "/logs"};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        char *p = report_asprintf("%s%s", r->dir, subs[i]);
        int rc = p ? mkdir(p, 0755) : -1;
        free(p);
        if (rc != 0) {
            enum sp_status s = sp_fail(SP_EIO, "cannot create '%s': %s", r->dir, strerror(errno));
            sp_report_close(r);
            return s;
        }
    }
    return SP_OK;
}

enum sp_status sp_report_commit(struct sp_report *r)
{
    /* the old report moves aside, the new one takes its name */
    struct stat sb;
    char *old = report_asprintf("%s.old.%ld", r->final, (long)getpid());
    int had_old = stat(r->final, &sb) == 0;
    enum sp_status s = SP_OK;
    if (!old || (had_old && rename(r->final, old) != 0)) {
        s = sp_fail(SP_EIO, "cannot move the old '%s' aside: %s", r->final, strerror(errno));
    } else if (rename(r->dir, r->final) != 0) {
        s = sp_fail(SP_EIO, "cannot rename '%s' to '%s': %s", r->dir, r->final, strerror(errno));
        if (had_old)
            rename(old, r->final);
    } else {
        if (had_old)
            rm_tree(old);
        free(r->dir); /* renamed: nothing left to remove */
        r->dir = NULL;
    }
    free(old);
    return s;
}

void sp_report_close(struct sp_report *r)
{
    if (r->dir && r->dir_slot >= 0)
        rm_tree(r->dir);
    sp_tmp_unregister(r->dir_slot);
    r->dir_slot = -1;
    free(r->dir);
    free(r->final);
    r->dir = r->final = NULL;
}
