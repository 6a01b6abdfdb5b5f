/* The sweep's task scheduler: the pending configurations in batches, each
 * batch computed by OpenMP threads (one configuration at a time, every thread
 * inside it, in measure mode) and dealt round-robin over MPI ranks, its rows
 * gathered on rank 0 in grid order and written with one append (+ fsync) or
 * to a stream. Output bytes do not depend on the thread, rank or batch count. */
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "sigprop/analysis.h"
#include "sigprop/net.h"
#include "analysis/sweep_internal.h"

/* The tasks list[0..n) of which this rank owns every nranks-th, computed by fn;
 * on rank 0 *out gets all their lines in list order. */
static enum sp_status run_batch(const struct sp_sweep_comm *c, const size_t *list, size_t n,
                                sp_sweep_batch_fn fn, void *fctx, char **out, size_t *outlen)
{
    size_t mine = 0;
    for (size_t k = (size_t)c->rank; k < n; k += (size_t)c->nranks)
        mine++;
    struct sp_sweep_rows *bufs = calloc(mine ? mine : 1, sizeof *bufs);
    char **ptrs = calloc(mine ? mine : 1, sizeof *ptrs);
    size_t *lens = calloc(mine ? mine : 1, sizeof *lens);
    enum sp_status fs = !bufs || !ptrs || !lens
                            ? sp_fail(SP_ENOMEM, "out of memory computing a batch of the sweep")
                            : fn(fctx, list + c->rank, mine, (size_t)c->nranks, bufs);
    for (size_t m = 0; fs == SP_OK && m < mine; m++) {
        ptrs[m] = bufs[m].s;
        lens[m] = bufs[m].len;
    }
    enum sp_status s = SP_OK;
    if (sp_sweep_comm_max(c, fs != SP_OK))
        s = fs != SP_OK ? fs : sp_fail(SP_EIO, "another MPI rank failed");
    else
        s = sp_sweep_comm_gather(c, n, mine, ptrs, lens, out, outlen);
    for (size_t m = 0; bufs && m < mine; m++)
        free(bufs[m].s);
    free(bufs);
    free(ptrs);
    free(lens);
    return s;
}

enum sp_status sp_sweep_emit(const char *lines, size_t len, int fd, FILE *stream,
                             size_t *failed)
{
    for (const char *l = lines, *e = lines + len; l && l < e;) {
        const char *nl = memchr(l, '\n', (size_t)(e - l));
        const char *le = nl ? nl : e;
        *failed += !(le - l >= 3 && !memcmp(le - 3, ",ok", 3));
        l = le + 1;
    }
    if (fd >= 0) {
        if (len && sp_sweep_append(fd, lines, len) != SP_OK)
            return SP_EIO; /* the reason is sp_sweep_append's */
    } else if (len && stream && (fwrite(lines, 1, len, stream) != len || fflush(stream) != 0)) {
        return sp_fail(SP_EIO, "writing the rows failed");
    }
    return SP_OK;
}

enum sp_status sp_sweep_schedule(const struct sp_sweep_comm *c, size_t ntasks, size_t ndepths,
                                 const unsigned char *done, size_t per, sp_sweep_batch_fn fn,
                                 void *fctx, int fd, FILE *stream,
                                 void (*progress)(void *ctx, size_t done, size_t total),
                                 void *ctx, size_t *nfailed)
{
    size_t *pending = malloc((ntasks ? ntasks : 1) * sizeof *pending), todo = 0;
    if (nfailed)
        *nfailed = 0;
    if (!pending)
        return sp_fail(SP_ENOMEM, "out of memory");
    size_t npend = sp_sweep_pending(ntasks, ndepths, done, pending, &todo);
    size_t prog = 0, failed = 0;
    enum sp_status s = SP_OK;
    for (size_t b0 = 0; b0 < npend && s == SP_OK; b0 += per) {
        size_t n = npend - b0 < per ? npend - b0 : per;
        char *lines = NULL;
        size_t len = 0;
        s = run_batch(c, pending + b0, n, fn, fctx, &lines, &len);
        int bad = s != SP_OK;
        if (s == SP_OK && c->rank == 0) {
            s = sp_sweep_emit(lines, len, fd, stream, &failed);
            for (size_t k = 0; k < n; k++)
                for (size_t j = 0; j < ndepths; j++)
                    prog += !done[pending[b0 + k] * ndepths + j];
            if (progress)
                progress(ctx, prog, todo);
        }
        free(lines);
        /* any rank's failure stops every rank (every rank calls this each batch) */
        if (sp_sweep_comm_max(c, bad || s != SP_OK) && s == SP_OK)
            s = sp_fail(SP_EIO, "another MPI rank failed");
    }
    free(pending);
    if (nfailed)
        *nfailed = failed;
    return s;
}

/* The grid sweep's share of a batch: theory only, vectorised over alpha; with
 * measurement, one configuration at a time (every thread inside it). */
struct grid {
    const struct sp_sweep_plan *p;
    const unsigned char *done;
};
static enum sp_status grid_batch(void *ctx, const size_t *list, size_t mine, size_t stride,
                                 struct sp_sweep_rows *bufs)
{
    const struct sp_sweep_plan *p = ((const struct grid *)ctx)->p;
    const unsigned char *done = ((const struct grid *)ctx)->done;
    if (!p->measure)
        return sp_sweep_theory_rows(p, list, mine, stride, done, bufs);
    for (size_t m = 0; m < mine; m++) {
        const struct sp_sweep_task *t = &p->tasks[list[m * stride]];
        enum sp_status s = sp_sweep_task_rows(&t->a, &t->o, t->first, p->depths, p->ndepths,
                                              p->theory, p->measure, p->keys, done, &bufs[m]);
        if (s != SP_OK)
            return s;
    }
    return SP_OK;
}

enum sp_status sp_sweep_run(const struct sp_sweep_plan *p, const struct sp_sweep_comm *c,
                            const unsigned char *done, size_t batch, int fd, FILE *stream,
                            void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                            size_t *nfailed)
{
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    /* Theory only: batches of ~65536 rows, so that each alpha family is one
     * vectorised call and the threads meet a few times, not once per 16
     * configurations (between parallel regions libgomp's threads spin: with
     * small batches on a loaded machine that spinning was most of the CPU). */
    size_t per = batch > 0 ? batch : (size_t)(8 * threads * c->nranks);
    if (batch == 0 && !p->measure && per < 65536 / (p->ndepths ? p->ndepths : 1))
        per = 65536 / p->ndepths;
    struct grid g = {p, done};
    return sp_sweep_schedule(c, p->ntasks, p->ndepths, done, per, grid_batch, &g, fd, stream,
                             progress, ctx, nfailed);
}
