/* What the table functions of sigprop/tables.h share (src/analysis/table_cols.c):
 * columns from one spec string, a row's numbers from an array, the records
 * columns of a row, the caveats column and the notes list. Every function
 * returning int gives 0, or -1 when out of memory (then sp_fail(SP_ENOMEM)). */
#ifndef SP_ANALYSIS_TABLE_COLS_H
#define SP_ANALYSIS_TABLE_COLS_H

#include <stddef.h>

#include "sigprop/records.h"
#include "sigprop/tables.h"

/* Adds the columns of spec, names separated by ',', a name ending in '$' a
 * string column ("l,q,phase$"). */
int sp_tab_cols(struct sp_table *t, const char *spec);
/* v[0..n) into row, columns col .. col + n - 1 (a string column ignores its number). */
void sp_tab_nums(struct sp_table *t, size_t row, int col, const double *v, size_t n);
/* A new row with the records columns idx (sp_record_add_cols) of a, o, alpha;
 * its index, or -1. */
long sp_tab_record_row(struct sp_table *t, const int idx[SP_REC_NCOLS], const struct sp_arch *a,
                       const struct sp_theory_opts *o, double alpha);
/* The caveats column of a, o into buf (n bytes; codes joined by ';', or
 * "none"); with notes, each caveat as a "warning: CODE: TEXT" note. Returns
 * the number of caveats, or -1 when a note cannot be added. */
int sp_tab_caveats(const struct sp_arch *a, const struct sp_theory_opts *o, char *buf, size_t n,
                   struct sp_notes *notes);
/* Appends a printf-formatted note (notes NULL: nothing). */
int sp_notes_add(struct sp_notes *notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* sp_fail(SP_ENOMEM, "out of memory: what") */
enum sp_status sp_tab_nomem(const char *what);

#endif
