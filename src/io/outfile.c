/* Atomic output files: data goes to "<path>.tmp.<pid>" beside the target and is
 * renamed over it only after a successful flush and fsync, so an interrupted or
 * failed run never leaves a half-written result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigprop/io.h"

enum sp_status sp_outfile_open(struct sp_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return SP_OK;
    }
    size_t n = strlen(path) + 32;
    o->path = strdup(path);
    o->tmp = malloc(n);
    if (!o->path || !o->tmp) {
        free(o->path);
        free(o->tmp);
        o->path = o->tmp = NULL;
        return SP_ENOMEM;
    }
    snprintf(o->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        free(o->path);
        free(o->tmp);
        o->path = o->tmp = NULL;
        return SP_EIO;
    }
    return SP_OK;
}

enum sp_status sp_outfile_commit(struct sp_outfile *o)
{
    enum sp_status s = SP_OK;
    if (!o->f)
        return SP_EINVAL;
    if (!o->tmp) { /* stdout */
        if (fflush(o->f) != 0 || ferror(o->f))
            s = SP_EIO;
        o->f = NULL;
        return s;
    }
    if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0)
        s = SP_EIO;
    if (fclose(o->f) != 0)
        s = SP_EIO;
    o->f = NULL;
    if (s == SP_OK && rename(o->tmp, o->path) != 0)
        s = SP_EIO;
    if (s != SP_OK)
        remove(o->tmp);
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    return s;
}

void sp_outfile_abort(struct sp_outfile *o)
{
    if (o->tmp) {
        if (o->f)
            fclose(o->f);
        remove(o->tmp);
    }
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}
