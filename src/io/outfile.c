/* Atomic output files: data goes to "<target>.tmp.<pid>" beside the target and
 * is renamed over it only after a successful flush and fsync, so an interrupted
 * or failed run never leaves a half-written result. A symbolic link is followed
 * (the file it points to is replaced, the link stays), an existing file keeps
 * its permissions, and a path that is not a regular file (a FIFO, a terminal,
 * /dev/stdout) is written directly: renaming over it would replace it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sigprop/io.h"

/* ---- registry of temporary paths (see io.h) ---- */
enum { TMP_FREE, TMP_FILLING, TMP_FILE, TMP_DIR };
#define TMP_PATH_MAX 4096
static char tmp_paths[SP_TMP_SLOTS][TMP_PATH_MAX];
static _Atomic int tmp_state[SP_TMP_SLOTS];

int sp_tmp_register(const char *path, int is_dir)
{
    size_t n = strlen(path);
    if (n >= TMP_PATH_MAX) {
        sp_fail(SP_EINVAL, "temporary path of %zu bytes is too long", n);
        return -1;
    }
    for (int i = 0; i < SP_TMP_SLOTS; i++) {
        int expect = TMP_FREE;
        if (atomic_compare_exchange_strong(&tmp_state[i], &expect, TMP_FILLING)) {
            memcpy(tmp_paths[i], path, n + 1);
            atomic_store(&tmp_state[i], is_dir ? TMP_DIR : TMP_FILE);
            return i;
        }
    }
    sp_fail(SP_ENOMEM, "more than %d temporary files in progress", SP_TMP_SLOTS);
    return -1;
}

void sp_tmp_unregister(int slot)
{
    if (slot >= 0 && slot < SP_TMP_SLOTS)
        atomic_store(&tmp_state[slot], TMP_FREE);
}

#ifdef SYS_getdents64
struct dirent64_raw { /* the kernel's struct linux_dirent64 */
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};
#endif

/* Removes name (relative to dfd) and, for a folder, what it holds, to a bounded
 * depth; only async-signal-safe calls, no allocation. */
static void remove_tree_at(int dfd, const char *name, int depth)
{
    if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
        return;
#ifdef SYS_getdents64
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        /* entries removed while reading may shift the rest: reread until a
         * pass removes nothing */
        for (int pass = 0, removed = 1; removed && pass < 64; pass++) {
            char buf[2048] __attribute__((aligned(8)));
            long got;
            removed = 0;
            lseek(fd, 0, SEEK_SET);
            while ((got = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0)
                for (long off = 0; off < got;) {
                    struct dirent64_raw *d = (struct dirent64_raw *)(void *)(buf + off);
                    off += d->d_reclen;
                    if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
                        continue;
                    if (unlinkat(fd, d->d_name, 0) == 0) {
                        removed = 1;
                    } else if (depth < 8) {
                        remove_tree_at(fd, d->d_name, depth + 1);
                        removed = 1;
                    }
                }
        }
        close(fd);
    }
#else
    (void)depth;
#endif
    unlinkat(dfd, name, AT_REMOVEDIR);
}

void sp_tmp_remove_all(void)
{
    int saved = errno;
    for (int i = 0; i < SP_TMP_SLOTS; i++) {
        int st = atomic_load(&tmp_state[i]);
        if (st == TMP_FILE)
            unlink(tmp_paths[i]);
        else if (st == TMP_DIR)
            remove_tree_at(AT_FDCWD, tmp_paths[i], 0);
    }
    errno = saved;
}

/* ---- atomic output files ---- */

static enum sp_status fail(struct sp_outfile *o, int err)
{
    sp_tmp_unregister(o->slot - 1);
    o->slot = 0;
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
    /* registered before it exists, so that a signal from now on removes it */
    int slot = sp_tmp_register(o->tmp, 0);
    if (slot < 0)
        return fail(o, ENOMEM);
    o->slot = slot + 1;
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
    sp_tmp_unregister(o->slot - 1);
    o->slot = 0;
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
    sp_tmp_unregister(o->slot - 1);
    free(o->path);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}
