/* Atomic output files: data goes to "<target>.tmp.<pid>" beside the target and
 * is renamed over it only after a successful flush and fsync, so an interrupted
 * or failed run never leaves a half-written result. A symbolic link is followed
 * (the file it points to is replaced, the link stays), an existing file keeps
 * its permissions, and a path that is not a regular file (a FIFO, a terminal,
 * /dev/stdout) is written directly: renaming over it would replace it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigprop/io.h"

static enum sp_status fail(struct sp_outfile *o, int err)
{
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    o->f = NULL;
    o->errnum = err;
    return err == ENOMEM ? SP_ENOMEM : SP_EIO;
}

enum sp_status sp_outfile_open(struct sp_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->f = stdout;
        return SP_OK;
    }
    if (!*path)
        return fail(o, ENOENT);
    struct stat st;
    int exists = stat(path, &st) == 0; /* follows links */
    if (exists && S_ISDIR(st.st_mode))
        return fail(o, EISDIR);
    if (exists && !S_ISREG(st.st_mode)) { /* FIFO, device, socket: write in place */
        o->f = fopen(path, "w");
        return o->f ? SP_OK : fail(o, errno);
    }
    /* the file a link points to, so that the link itself survives */
    char *target = exists ? realpath(path, NULL) : strdup(path);
    if (!target)
        return fail(o, errno);
    size_t n = strlen(target) + 32;
    o->path = target;
    o->tmp = malloc(n);
    if (!o->tmp)
        return fail(o, ENOMEM);
    snprintf(o->tmp, n, "%s.tmp.%ld", target, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return fail(o, errno);
    if (exists && fchmod(fileno(o->f), st.st_mode & 07777) != 0) {
        int e = errno;
        fclose(o->f);
        remove(o->tmp);
        return fail(o, e);
    }
    return SP_OK;
}

enum sp_status sp_outfile_commit(struct sp_outfile *o)
{
    int err = 0;
    if (!o->f)
        return SP_EINVAL;
    if (fflush(o->f) != 0 || ferror(o->f))
        err = errno ? errno : EIO;
    if (!o->tmp) { /* stdout or a non-regular file: written in place */
        if (o->f != stdout && fclose(o->f) != 0 && !err)
            err = errno;
        o->f = NULL;
        o->errnum = err;
        return err ? SP_EIO : SP_OK;
    }
    if (!err && fsync(fileno(o->f)) != 0)
        err = errno;
    if (fclose(o->f) != 0 && !err)
        err = errno;
    o->f = NULL;
    if (!err && rename(o->tmp, o->path) != 0)
        err = errno;
    if (err)
        remove(o->tmp);
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    o->errnum = err;
    return err ? SP_EIO : SP_OK;
}

void sp_outfile_abort(struct sp_outfile *o)
{
    if (o->f && o->f != stdout)
        fclose(o->f);
    if (o->tmp)
        remove(o->tmp);
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}
