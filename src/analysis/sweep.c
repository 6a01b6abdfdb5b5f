/* Resumable sweep bookkeeping: mixed-radix grid indexing and the append-only
 * output file (one write() of whole lines plus fsync per batch; on reopening,
 * a torn last line is cut and the rows present are marked done). Knows nothing
 * about what a grid point computes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigprop/analysis.h"

size_t sp_grid_size(const size_t *sizes, size_t naxes)
{
    size_t n = 1;
    for (size_t k = 0; k < naxes; k++)
        n *= sizes[k];
    return n;
}

void sp_grid_coords(const size_t *sizes, size_t naxes, size_t index, size_t *coords)
{
    for (size_t k = naxes; k-- > 0;) {
        coords[k] = sizes[k] ? index % sizes[k] : 0;
        index = sizes[k] ? index / sizes[k] : 0;
    }
}

#define FMT_ERR(...)                                                                   \
    do {                                                                               \
        if (err && errlen)                                                             \
            snprintf(err, errlen, __VA_ARGS__);                                        \
    } while (0)

static enum sp_status write_all(int fd, const char *buf, size_t len)
{
    /* One write() for the whole buffer; loop only on a short write. */
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return SP_EIO;
        }
        buf += w;
        len -= (size_t)w;
    }
    return SP_OK;
}

enum sp_status sp_sweep_append(int fd, const char *buf, size_t len)
{
    enum sp_status s = write_all(fd, buf, len);
    if (s == SP_OK && fsync(fd) != 0)
        s = SP_EIO;
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

enum sp_status sp_sweep_open(const char *path, const char *header, size_t npoints,
                             const char *const *keys, unsigned char *done, size_t *ndone,
                             int *fd_out, char *err, size_t errlen)
{
    *ndone = 0;
    *fd_out = -1;
    if (npoints)
        memset(done, 0, npoints);
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        FMT_ERR("cannot open '%s': %s", path, strerror(errno));
        return SP_EIO;
    }
    char *buf = NULL;
    size_t len = 0;
    enum sp_status s = slurp(fd, &buf, &len);
    if (s != SP_OK) {
        FMT_ERR("cannot read '%s'", path);
        goto fail;
    }
    /* Validate before changing anything: a file that is not this sweep's
     * output stays as it was. Only the complete lines are read; a torn last
     * line (an interrupted write) is cut once they all check out. */
    size_t keep = len;
    while (keep > 0 && buf[keep - 1] != '\n')
        keep--;
    if (memchr(buf, 0, len) != NULL) {
        FMT_ERR("'%s' is not a sweep's CSV output (it holds binary data)", path);
        s = SP_EFORMAT;
        goto fail;
    }
    size_t hl = strlen(header);
    if (keep == 0 && len > 0 && (len > hl || strncmp(buf, header, len) != 0)) {
        FMT_ERR("'%s' is not a sweep's CSV output (no complete line, and not the start of "
                "this sweep's header)", path);
        s = SP_EFORMAT;
        goto fail;
    }
    buf[keep] = 0;
    if (keep > 0) {
        char *line = buf, *nl = strchr(line, '\n');
        *nl = 0;
        if (strcmp(line, header) != 0) {
            FMT_ERR("'%s' has a different header: it is not the output of this sweep", path);
            s = SP_EFORMAT;
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
            if (end == line || *end != ',' || errno || idx >= npoints) {
                FMT_ERR("'%s' line %zu: no grid index of this sweep (0..%zu)", path, lineno,
                        npoints ? npoints - 1 : 0);
                s = SP_EFORMAT;
                goto fail;
            }
            if (keys) {
                size_t kl = strlen(keys[idx]);
                if (strncmp(end + 1, keys[idx], kl) != 0 ||
                    (end[1 + kl] != ',' && end[1 + kl] != 0)) {
                    FMT_ERR("'%s' line %zu: grid point %llu has other parameters than this "
                            "sweep's", path, lineno, idx);
                    s = SP_EFORMAT;
                    goto fail;
                }
            }
            if (done[idx]) {
                FMT_ERR("'%s' line %zu: grid point %llu appears twice", path, lineno, idx);
                s = SP_EFORMAT;
                goto fail;
            }
            done[idx] = 1;
            (*ndone)++;
        }
    }
    if (keep != len && ftruncate(fd, (off_t)keep) != 0) {
        FMT_ERR("cannot truncate the torn last line of '%s': %s", path, strerror(errno));
        s = SP_EIO;
        goto fail;
    }
    if (keep == 0) { /* new, empty, or a torn header: write the header */
        char *h = malloc(hl + 2);
        if (!h) {
            s = SP_ENOMEM;
            goto fail;
        }
        memcpy(h, header, hl);
        h[hl] = '\n';
        s = sp_sweep_append(fd, h, hl + 1);
        free(h);
        if (s != SP_OK) {
            FMT_ERR("cannot write '%s'", path);
            goto fail;
        }
    }
    free(buf);
    *fd_out = fd;
    return SP_OK;
fail:
    free(buf);
    close(fd);
    return s;
}
