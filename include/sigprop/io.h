/* sigprop/io.h: tidy tables (the records every command produces), their CSV and
 * JSON writers and the CSV reader, and atomic output files. */
#ifndef SIGPROP_IO_H
#define SIGPROP_IO_H

#include <stdio.h>
#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A column-oriented table of numbers and strings. Numbers print as %.10g
 * (NAN as "nan", infinities as "inf"/"-inf"). */
enum sp_coltype { SP_COL_NUM, SP_COL_STR };
struct sp_table;

struct sp_table *sp_table_new(void);
void sp_table_free(struct sp_table *t);                 /* NULL is a no-op */
/* Adds a column, returns its index or -1 on allocation failure / duplicate name. */
int sp_table_add_col(struct sp_table *t, const char *name, enum sp_coltype type);
/* Appends an empty row (numbers NAN, strings ""), returns its index or -1. */
long sp_table_add_row(struct sp_table *t);
void sp_table_set_num(struct sp_table *t, size_t row, int col, double v);
enum sp_status sp_table_set_str(struct sp_table *t, size_t row, int col, const char *s);

size_t sp_table_nrows(const struct sp_table *t);
int sp_table_ncols(const struct sp_table *t);
const char *sp_table_col_name(const struct sp_table *t, int col);
enum sp_coltype sp_table_col_type(const struct sp_table *t, int col);
int sp_table_find(const struct sp_table *t, const char *name);   /* -1 if absent */
double sp_table_num(const struct sp_table *t, size_t row, int col);
const char *sp_table_str(const struct sp_table *t, size_t row, int col);
/* Contiguous numeric column (NULL for a string column). */
const double *sp_table_col_data(const struct sp_table *t, int col);

/* The one CSV number format (every table and the sweep's rows): %.10g, NAN as
 * "nan", infinities as "inf"/"-inf". buf: n bytes, SP_CSV_NUM_MAX suffices. */
#define SP_CSV_NUM_MAX 32
void sp_csv_num(char *buf, size_t n, double v);

/* CSV: header row, then one line per row; no comment lines. */
enum sp_status sp_table_write_csv(const struct sp_table *t, FILE *f);
/* Writes the header only / rows [from, to) only (for streaming and resumable output). */
enum sp_status sp_table_write_csv_header(const struct sp_table *t, FILE *f);
enum sp_status sp_table_write_csv_rows(const struct sp_table *t, size_t from, size_t to, FILE *f);
/* JSON: {"meta": <meta_json or {}>, "columns": [...], "schema": {"fields":
 * [{"name", "type": "number"|"string"}, ...], "pandas_version"}, "data": [{...}, ...]}:
 * pandas' table orient, so pandas.read_json(path, orient="table") loads the rows
 * (NaN/Inf are null). meta_json is a serialized JSON object or NULL. */
enum sp_status sp_table_write_json(const struct sp_table *t, const char *meta_json, FILE *f);
/* Reads a CSV with a header row. A column whose every cell parses as a number
 * (or nan/inf/empty) is numeric, else string. Blank lines are skipped; lines
 * starting with '#' are comments only BEFORE the header (the preamble of files
 * from other tools): after the header every non-blank line is a data row, one
 * whose first cell starts with '#' included. Time and memory are linear in the
 * file size (column names are hashed, so sp_table_find is O(1) on average).
 * On error, err names line and reason. */
enum sp_status sp_table_read_csv(FILE *f, struct sp_table **out, char *err, size_t errlen);

/* Atomic output: writes go to a temporary file beside path, renamed over path
 * on commit; abort (or a crash) leaves path untouched. path "-" is stdout. A
 * symbolic link is followed (its target is replaced), an existing file keeps its
 * mode, and a path that is not a regular file (FIFO, device) is written in place. */
struct sp_outfile {
    FILE *f;
    char *path;   /* final path (a link resolved), NULL when written in place */
    char *tmp;    /* temporary path, NULL when written in place */
    int errnum;   /* errno of the failure after SP_EIO / SP_ENOMEM, else 0 */
    int slot;     /* its temporary-path registry slot (below) + 1; 0: none */
};
enum sp_status sp_outfile_open(struct sp_outfile *o, const char *path);
enum sp_status sp_outfile_commit(struct sp_outfile *o);  /* flush, fsync, rename */
void sp_outfile_abort(struct sp_outfile *o);               /* remove the temporary */

/* Registry of temporary paths in progress: every sp_outfile temporary is in it
 * from just before it is created until it is renamed or removed, and a caller
 * adds its own (a folder built under a temporary name, then renamed). The
 * library installs no signal handler; an application that wants an interrupted
 * run to leave nothing behind calls sp_tmp_remove_all() from its SIGINT/SIGTERM
 * handler: it uses only async-signal-safe calls (unlink, and for a folder
 * openat/getdents64/unlinkat), never allocates or locks. Registering and
 * removing are lock-free; at most SP_TMP_SLOTS paths of under 4096 bytes. */
#define SP_TMP_SLOTS 64
/* Returns the slot (>= 0), or sp_fail(SP_ENOMEM/SP_EINVAL) as -1 when the
 * registry is full or the path too long. is_dir: removed with its content. */
int sp_tmp_register(const char *path, int is_dir);
void sp_tmp_unregister(int slot); /* slot < 0: nothing */
void sp_tmp_remove_all(void);     /* async-signal-safe */

#ifdef __cplusplus
}
#endif
#endif
