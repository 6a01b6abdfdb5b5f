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

#endif
