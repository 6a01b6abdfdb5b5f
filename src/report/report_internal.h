/* src/report/report_internal.h: what the files of the report share. The call
 * graph has no cycle: steps.c (the step runner, paths, CSV helpers) calls none
 * of the others; scenario.c (the scenarios, sp_report_run), html.c
 * (sp_report_write) and session.c (folder, skips, commit) call steps.c;
 * session.c also calls sp_report_step_prefix_ok in scenario.c. */
#ifndef SP_REPORT_INTERNAL_H
#define SP_REPORT_INTERNAL_H

#include <stdio.h>

#include "sigprop/io.h"
#include "sigprop/report.h"

/* steps.c */
char *report_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *report_path(const struct sp_report *r, const char *rel); /* DIR/rel, malloc'ed */
int report_file_exists(const char *path);                       /* a non-empty file */
double report_now(void);                                         /* monotonic seconds */
/* Runs one step (args[0] the command name) through r->hooks, unless skipped;
 * records it in r->steps. Returns its status (nonzero when skipped). */
int report_run_stepa(struct sp_report *r, const char *id, const char *title,
                     const char *const *args, int nargs);
/* The same with the arguments as a NULL-terminated list after the command name. */
int report_run_step(struct sp_report *r, const char *id, const char *title, const char *name,
                    ...) __attribute__((sentinel));
const struct sp_report_step *report_find_step(const struct sp_report *r, const char *id);
int report_step_ok(const struct sp_report *r, const char *id);
/* DIR/rel read as a table, or NULL (missing or unreadable). */
struct sp_table *report_load_csv(const struct sp_report *r, const char *rel);
/* Concatenates CSV files with identical headers into dst (all relative to DIR);
 * files that do not exist are skipped. Returns the number of files used. */
int report_concat_csv(const struct sp_report *r, const char *dst, const char *const *srcs,
                      int n);

#endif
