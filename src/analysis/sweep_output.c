/* The output every sweep mode writes: on rank 0 the locked, resumable file
 * (sp_sweep_open) or the header on a stream; the outcome and the points already
 * present broadcast to every rank, so that each runs the same schedule. */
#include <stdlib.h>
#include <unistd.h>

#include "sigprop/analysis.h"

enum sp_status sp_sweep_output_open(struct sp_sweep_output *w)
{
    enum sp_status s = SP_OK;
    w->fd = -1;
    w->ndone = 0;
    w->missing = 0;
    if (!(w->done = calloc(w->npoints ? w->npoints : 1, 1))) {
        sp_sweep_comm_abort(w->comm);
        return sp_fail(SP_ENOMEM, "out of memory");
    }
    if (w->comm->rank == 0) {
        if (w->path && w->resume && access(w->path, F_OK) != 0) {
            w->missing = 1;
            s = sp_fail(SP_EIO, "'%s' does not exist", w->path);
        } else if (w->path) {
            s = sp_sweep_open(w->path, w->header, w->npoints, w->keys, w->settings, w->force,
                              w->done, &w->ndone, &w->fd);
        } else if (fprintf(w->stream, "%s\n", w->header) < 0) {
            s = sp_fail(SP_EIO, "writing the header failed");
        }
    }
    int st = (int)s;
    sp_sweep_comm_bcast(w->comm, &st, sizeof st);
    if (st == SP_OK)
        sp_sweep_comm_bcast(w->comm, w->done, w->npoints);
    return (enum sp_status)st;
}

enum sp_status sp_sweep_output_run(const struct sp_sweep_output *w,
                                   void (*progress)(void *ctx, size_t done, size_t total),
                                   void *ctx, size_t *nfailed)
{
    return w->run(w->grid, w->comm, w->done, w->fd, w->fd >= 0 ? NULL : w->stream, progress, ctx,
                  nfailed);
}

static enum sp_status run_grid(const void *grid, const struct sp_sweep_comm *c,
                               const unsigned char *done, int fd, FILE *stream,
                               void (*progress)(void *, size_t, size_t), void *ctx,
                               size_t *nfailed)
{
    const struct sp_sweep_grid *g = grid;
    return sp_sweep_run(&g->plan, c, done, g->batch, fd, stream, progress, ctx, nfailed);
}

static enum sp_status run_train(const void *grid, const struct sp_sweep_comm *c,
                                const unsigned char *done, int fd, FILE *stream,
                                void (*progress)(void *, size_t, size_t), void *ctx,
                                size_t *nfailed)
{
    const struct sp_sweep_train_grid *g = grid;
    return sp_sweep_train_run(&g->plan, c, done, fd, stream, progress, ctx, nfailed);
}

static void output_of(struct sp_sweep_output *w, const char *header, size_t npoints,
                      const char *const *keys, uint64_t settings,
                      enum sp_status (*run)(const void *, const struct sp_sweep_comm *,
                                            const unsigned char *, int, FILE *,
                                            void (*)(void *, size_t, size_t), void *, size_t *),
                      const void *grid)
{
    w->header = header;
    w->npoints = npoints;
    w->keys = keys;
    w->settings = settings;
    w->run = run;
    w->grid = grid;
}

void sp_sweep_grid_output(const struct sp_sweep_grid *g, struct sp_sweep_output *w)
{
    output_of(w, g->header, g->npoints, g->plan.keys, g->settings, run_grid, g);
}

void sp_sweep_train_grid_output(const struct sp_sweep_train_grid *g, struct sp_sweep_output *w)
{
    output_of(w, g->header, g->npoints, g->plan.keys, g->settings, run_train, g);
}

void sp_sweep_output_close(struct sp_sweep_output *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->done);
    w->done = NULL;
}
