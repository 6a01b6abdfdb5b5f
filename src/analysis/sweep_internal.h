/* Internal to src/analysis: what the sweep's row writers and schedulers share. */
#ifndef SP_SWEEP_INTERNAL_H
#define SP_SWEEP_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include "sigprop/analysis.h"

/* Appends printf output to b (grown as needed): 0, or -1 out of memory. */
int sp_sweep_rows_printf(struct sp_sweep_rows *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends one number as sp_csv_num writes it, after a comma when comma != 0. */
int sp_sweep_rows_num(struct sp_sweep_rows *b, double v, int comma);

/* Rank 0's part of a batch: counts in *failed the lines (lines, len) whose status is
 * not "ok", and writes them to fd (>= 0: sp_sweep_append) or stream. SP_EIO with the
 * reason. */
enum sp_status sp_sweep_emit(const char *lines, size_t len, int fd, FILE *stream,
                             size_t *failed);

/* One rank's share of a batch: the tasks list[0], list[stride], ... (mine of them),
 * each task's rows appended to bufs[m] (zeroed by the caller). A failure returns
 * its status with the reason set. */
typedef enum sp_status (*sp_sweep_batch_fn)(void *ctx, const size_t *list, size_t mine,
                                            size_t stride, struct sp_sweep_rows *bufs);
/* The scheduler every sweep mode shares: the pending tasks of done (ntasks x
 * ndepths flags) in batches of per, each batch dealt round-robin over the ranks
 * of c and computed by fn, its rows gathered on rank 0 in task order, written by
 * sp_sweep_emit and counted for progress (rows done of rows to do); a failure on
 * any rank stops every rank. *nfailed (may be NULL): rows whose status is not ok. */
enum sp_status sp_sweep_schedule(const struct sp_sweep_comm *c, size_t ntasks, size_t ndepths,
                                 const unsigned char *done, size_t per, sp_sweep_batch_fn fn,
                                 void *fctx, int fd, FILE *stream,
                                 void (*progress)(void *ctx, size_t done, size_t total),
                                 void *ctx, size_t *nfailed);

/* The grid axes both sweep grids hold (sweep_grid.c): axis name's values,
 * an owned copy of v[0..n) (n >= 1) in *dst, *dn, replacing what was there;
 * and freeing every axis (each set to NULL, 0). */
enum sp_status sp_sweep_axis_set(double **dst, size_t *dn, const char *name, const double *v,
                                 size_t n);
void sp_sweep_axes_free(double **values, size_t *nvalues, size_t naxes);

#endif
