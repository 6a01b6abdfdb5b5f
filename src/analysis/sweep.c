/* Resumable sweep bookkeeping: mixed-radix grid indexing and the append-only
 * output file (one write() of whole lines plus fsync per batch; on reopening,
 * a torn last line is cut and the rows present are marked done). Knows nothing
 * about what a grid point computes. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigprop/analysis.h"
#include "sp_config.h"

size_t sp_grid_size(const size_t *sizes, size_t naxes)
{
    size_t n = 0;
    return sp_grid_count(sizes, naxes, &n) == SP_OK ? n : SIZE_MAX;
}

enum sp_status sp_grid_count(const size_t *sizes, size_t naxes, size_t *out)
{
    size_t n = 1;
    for (size_t k = 0; k < naxes; k++) {
        if (sizes[k] && n > SIZE_MAX / sizes[k]) {
            *out = SIZE_MAX;
            return sp_fail(SP_EINVAL, "the grid's size overflows: axis %zu of %zu (%zu values) "
                           "takes it past %zu points", k + 1, naxes, sizes[k], (size_t)SIZE_MAX);
        }
        n *= sizes[k];
    }
    *out = n;
    return SP_OK;
}

static size_t phys_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psz <= 0)
        return 0;
    if ((size_t)pages > SIZE_MAX / (size_t)psz)
        return SIZE_MAX;
    return (size_t)pages * (size_t)psz;
}

enum sp_status sp_sweep_check_size(size_t nconfigs, size_t ndepths, size_t *npoints)
{
    size_t sizes[2] = {nconfigs, ndepths}, n;
    if (sp_grid_count(sizes, 2, &n) != SP_OK)
        return sp_fail(SP_EINVAL, "the grid (%zu configurations x %zu depths) has more points "
                       "than a size_t holds; the limit is %d points", nconfigs, ndepths,
                       SP_SWEEP_MAX_POINTS);
    if (npoints)
        *npoints = n;
    if (n > SP_SWEEP_MAX_POINTS)
        return sp_fail(SP_EINVAL, "the grid has %zu points (%zu configurations x %zu depths), "
                       "over the limit of %d points: split it into several sweeps",
                       n, nconfigs, ndepths, SP_SWEEP_MAX_POINTS);
    size_t mem = phys_memory();
    double need = (double)n * SP_SWEEP_BYTES_PER_POINT;
    if (mem && need > 0.5 * (double)mem)
        return sp_fail(SP_EINVAL, "the grid has %zu points (%zu configurations x %zu depths): "
                       "its bookkeeping needs about %.2f GB (%d bytes a point), more than half "
                       "of this machine's %.2f GB of memory: split it into several sweeps",
                       n, nconfigs, ndepths, need / 1e9, SP_SWEEP_BYTES_PER_POINT,
                       (double)mem / 1e9);
    return SP_OK;
}

void sp_grid_coords(const size_t *sizes, size_t naxes, size_t index, size_t *coords)
{
    for (size_t k = naxes; k-- > 0;) {
        coords[k] = sizes[k] ? index % sizes[k] : 0;
        index = sizes[k] ? index / sizes[k] : 0;
    }
}

static enum sp_status write_all(int fd, const char *buf, size_t len)
{
    /* One write() for the whole buffer; loop only on a short write. */
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sp_fail(SP_EIO, "write failed: %s", strerror(errno));
        }
        buf += w;
        len -= (size_t)w;
    }
    return SP_OK;
}

enum sp_status sp_sweep_append(int fd, const char *buf, size_t len)
{
    enum sp_status s = write_all(fd, buf, len);
    /* EINVAL/EROFS/ENOTSUP: not a regular file (/dev/null, a pipe): nothing to sync */
    if (s == SP_OK && fsync(fd) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
        s = sp_fail(SP_EIO, "fsync failed: %s", strerror(errno));
    return s;
}

/* Reads the whole file into a malloc'ed NUL-terminated buffer. */
static enum sp_status slurp(int fd, char **out, size_t *len)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return SP_EIO;
    size_t n = (size_t)sb.st_size;
    char *b = malloc(n + 1);
    if (!b)
        return SP_ENOMEM;
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, b + got, n - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(b);
            return SP_EIO;
        }
        got += (size_t)r;
    }
    b[n] = 0;
    *out = b;
    *len = n;
    return SP_OK;
}

/* Field f (0-based) of a comma-separated line, as pointer and length. */
static const char *field(const char *s, size_t f, size_t *len)
{
    for (; f > 0 && s; f--) {
        s = strchr(s, ',');
        if (s)
            s++;
    }
    if (!s)
        return NULL;
    const char *e = s + strcspn(s, ",\n");
    *len = (size_t)(e - s);
    return s;
}

/* A row whose key differs from keys[idx]: which field, and is it a setting? */
static enum sp_status key_mismatch(const char *path, size_t lineno, unsigned long long idx,
                                   const char *header, const char *row, const char *key,
                                   uint64_t settings)
{
    size_t f = 0;
    for (;; f++) {
        size_t la = 0, lb = 0;
        const char *a = field(row, f, &la), *b = field(key, f, &lb);
        if (!b)
            break; /* the key matched as far as it goes (cannot happen: caller checked) */
        if (!a || la != lb || memcmp(a, b, la) != 0) {
            size_t ln = 0;
            const char *name = field(header, f + 1, &ln);
            if (!name)
                name = "?", ln = 1;
            if (a && (f >= 64 || (settings >> f & 1)))
                return sp_fail(SP_EINVAL, "'%s' line %zu: grid point %llu was computed with "
                               "%.*s = %.*s, this sweep has %.*s = %.*s", path, lineno, idx,
                               (int)ln, name, (int)la, a, (int)ln, name, (int)lb, b);
            return sp_fail(SP_EFORMAT, "'%s' line %zu: grid point %llu has other parameters "
                           "than this sweep's (%.*s = %.*s, here %.*s)", path, lineno, idx,
                           (int)ln, name, a ? (int)la : 0, a ? a : "", (int)lb, b);
        }
    }
    return sp_fail(SP_EFORMAT, "'%s' line %zu: grid point %llu has other parameters than this "
                   "sweep's", path, lineno, idx);
}

/* An exclusive POSIX record lock on the whole file: released when the process
 * closes the file or exits (a kill included), and nothing left behind. */
static enum sp_status lock_file(int fd, const char *path)
{
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) == 0)
        return SP_OK;
    if (errno != EACCES && errno != EAGAIN)
        return sp_fail(SP_EIO, "cannot lock '%s': %s", path, strerror(errno));
    long pid = -1;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        pid = (long)fl.l_pid;
    if (pid > 0)
        return sp_fail(SP_EIO, "'%s' is being written by another sigprop (pid %ld)", path, pid);
    return sp_fail(SP_EIO, "'%s' is being written by another sigprop", path);
}

enum sp_status sp_sweep_open(const char *path, const char *header, size_t npoints,
                             const char *const *keys, uint64_t settings, int force,
                             unsigned char *done, size_t *ndone, int *fd_out)
{
    *ndone = 0;
    *fd_out = -1;
    if (!path || !*path || !header)
        return sp_fail(SP_EINVAL, "sp_sweep_open: no path or header");
    if (npoints)
        memset(done, 0, npoints);
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EISDIR)
        return sp_fail(SP_EINVAL, "'%s' is a directory", path);
    if (fd < 0 && (errno == EACCES || errno == EPERM))  /* write-only devices */
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return sp_fail(SP_EIO, "cannot open '%s': %s", path, strerror(errno));
    char *buf = NULL, setting_err[512] = "";
    size_t len = 0, hl = strlen(header);
    enum sp_status s = SP_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        s = sp_fail(SP_EIO, "cannot stat '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(sb.st_mode)) /* /dev/null, a FIFO: written in place, never resumed */
        goto write_header;
    if ((s = lock_file(fd, path)) != SP_OK)
        goto fail;
    if (force) {
        if (ftruncate(fd, 0) != 0) {
            s = sp_fail(SP_EIO, "cannot truncate '%s': %s", path, strerror(errno));
            goto fail;
        }
        goto write_header;
    }
    if ((s = slurp(fd, &buf, &len)) != SP_OK) {
        s = sp_fail(s, "cannot read '%s'", path);
        goto fail;
    }
    /* Validate before changing anything: a file that is not this sweep's
     * output stays as it was. Only the complete lines are read; a torn last
     * line (an interrupted write) is cut once they all check out. */
    size_t keep = len;
    while (keep > 0 && buf[keep - 1] != '\n')
        keep--;
    if (memchr(buf, 0, len) != NULL) {
        s = sp_fail(SP_EFORMAT, "'%s' is not a sweep's CSV output (it holds binary data)", path);
        goto fail;
    }
    if (keep == 0 && len > 0 && (len > hl || strncmp(buf, header, len) != 0)) {
        s = sp_fail(SP_EFORMAT, "'%s' is not a sweep's CSV output (no complete line, and not "
                    "the start of this sweep's header)", path);
        goto fail;
    }
    buf[keep] = 0;
    if (keep > 0) {
        char *line = buf, *nl = strchr(line, '\n');
        *nl = 0;
        if (strcmp(line, header) != 0) {
            s = sp_fail(SP_EFORMAT, "'%s' has a different header: it is not the output of this "
                        "sweep", path);
            goto fail;
        }
        size_t lineno = 1;
        for (line = nl + 1; *line; line = nl + 1) {
            lineno++;
            nl = strchr(line, '\n');
            *nl = 0;
            char *end;
            errno = 0;
            unsigned long long idx = strtoull(line, &end, 10);
            if (end == line || *end != ',' || errno || idx >= npoints || line[0] == '-') {
                s = sp_fail(SP_EFORMAT, "'%s' line %zu: no grid index of this sweep (0..%zu)",
                            path, lineno, npoints ? npoints - 1 : 0);
                goto fail;
            }
            if (keys) {
                size_t kl = strlen(keys[idx]);
                if (strncmp(end + 1, keys[idx], kl) != 0 ||
                    (end[1 + kl] != ',' && end[1 + kl] != 0)) {
                    s = key_mismatch(path, lineno, idx, header, end + 1, keys[idx], settings);
                    if (s != SP_EINVAL)
                        goto fail;
                    /* other settings: said only if the file is this grid's otherwise
                     * (a file of another grid is SP_EFORMAT whatever its settings) */
                    if (!setting_err[0])
                        snprintf(setting_err, sizeof setting_err, "%s", sp_last_error());
                    s = SP_OK;
                }
            }
            if (done[idx]) {
                s = sp_fail(SP_EFORMAT, "'%s' line %zu: grid point %llu appears twice", path,
                            lineno, idx);
                goto fail;
            }
            done[idx] = 1;
            (*ndone)++;
        }
    }
    if (setting_err[0]) {
        s = sp_fail(SP_EINVAL, "%s", setting_err);
        goto fail;
    }
    if (keep != len && ftruncate(fd, (off_t)keep) != 0) {
        s = sp_fail(SP_EIO, "cannot truncate the torn last line of '%s': %s", path,
                    strerror(errno));
        goto fail;
    }
    if (keep > 0)
        goto done;
write_header: /* new, empty, forced, or a torn header: write the header */
    {
        char *h = malloc(hl + 2);
        if (!h) {
            s = sp_fail(SP_ENOMEM, "out of memory");
            goto fail;
        }
        memcpy(h, header, hl);
        h[hl] = '\n';
        s = sp_sweep_append(fd, h, hl + 1);
        free(h);
        if (s != SP_OK) {
            char why[256];
            snprintf(why, sizeof why, "%s", sp_last_error());
            s = sp_fail(s, "cannot write '%s': %s", path, why);
            goto fail;
        }
    }
done:
    free(buf);
    *fd_out = fd;
    return SP_OK;
fail:
    if (npoints)
        memset(done, 0, npoints);
    *ndone = 0;
    free(buf);
    close(fd);
    return s;
}

size_t sp_sweep_pending(size_t ntasks, size_t ndepths, const unsigned char *done,
                        size_t *pending, size_t *ntodo)
{
    size_t npend = 0, points = 0;
    for (size_t t = 0; t < ntasks; t++) {
        size_t todo = 0;
        for (size_t j = 0; j < ndepths; j++)
            todo += !done[t * ndepths + j];
        if (todo) {
            pending[npend++] = t;
            points += todo;
        }
    }
    if (ntodo)
        *ntodo = points;
    return npend;
}

/* ---- distributed sweeps: what needs no MPI (MPI itself: sweep_mpi.c) ---- */
int sp_sweep_comm_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK") ||
           getenv("PMI_SIZE");
}

enum sp_status sp_sweep_comm_gather_local(size_t n, size_t mine, char *const *bufs,
                                          const size_t *lens, char **out, size_t *outlen)
{
    (void)n;
    size_t total = 0;
    for (size_t m = 0; m < mine; m++)
        total += lens[m];
    char *b = malloc(total + 1);
    if (!b)
        return sp_fail(SP_ENOMEM, "out of memory gathering a batch's rows (%zu bytes)", total);
    size_t o = 0;
    for (size_t m = 0; m < mine; m++) {
        if (lens[m])
            memcpy(b + o, bufs[m], lens[m]);
        o += lens[m];
    }
    b[o] = 0;
    *out = b;
    *outlen = o;
    return SP_OK;
}

#if !SP_HAVE_MPI
enum sp_status sp_sweep_comm_init(struct sp_sweep_comm *c)
{
    c->rank = 0;
    c->nranks = 1;
    c->mpi = 0;
    return SP_OK;
}
void sp_sweep_comm_finalize(struct sp_sweep_comm *c) { c->mpi = 0; }
void sp_sweep_comm_abort(const struct sp_sweep_comm *c) { (void)c; }
void sp_sweep_comm_bcast(const struct sp_sweep_comm *c, void *buf, size_t n)
{
    (void)c, (void)buf, (void)n;
}
int sp_sweep_comm_max(const struct sp_sweep_comm *c, int v)
{
    (void)c;
    return v;
}
enum sp_status sp_sweep_comm_gather(const struct sp_sweep_comm *c, size_t n, size_t mine,
                                    char *const *bufs, const size_t *lens, char **out,
                                    size_t *outlen)
{
    (void)c;
    return sp_sweep_comm_gather_local(n, mine, bufs, lens, out, outlen);
}
#endif
