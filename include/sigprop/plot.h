/* sigprop/plot.h: figures (PNG, SVG, PDF through PLplot's cairo driver) from
 * data that is already computed. The plotting layer never recomputes anything:
 * it draws plain arrays (sp_plot_render) or sigprop's tables (sp_plot_tables),
 * reading columns such as q, p, rho, J_bwd, J_bwd_se, logJ_fwd, l_star.
 * Rendering is serialised by a mutex (PLplot keeps global state) and the file
 * is written to a temporary beside the path and renamed (atomic). */
#ifndef SIGPROP_PLOT_H
#define SIGPROP_PLOT_H

#include <stddef.h>
#include "sigprop/core.h"
#include "sigprop/io.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sp_plot_format { SP_PLOT_PNG, SP_PLOT_SVG, SP_PLOT_PDF };
/* From the file name's extension (.png, .svg, .pdf, any case); SP_EINVAL otherwise. */
enum sp_status sp_plot_format_from_path(const char *path, enum sp_plot_format *out);

/* ---- low level: panels of series, or one heat map ---- */
enum sp_plot_style { SP_PLOT_LINE, SP_PLOT_POINTS, SP_PLOT_LINEPOINTS };

struct sp_plot_series {
    const char *label;        /* legend entry; NULL or "" for none */
    const double *x, *y;      /* (n) data coordinates (not log10: the axis takes logs) */
    const double *yerr;       /* (n) symmetric error bars, or NULL */
    size_t n;                 /* non-finite points are skipped */
    enum sp_plot_style style;
    unsigned char rgb[3];     /* colour */
    int dashed;               /* lines: 1 dashed */
    double width;             /* line width in pen units, 0: 2 */
    int symbol;               /* points: 0 circle, 1 square, 2 triangle, 3 diamond */
    double symbol_scale;      /* points: 0 means 1 */
};

/* Axis scale: SP_PLOT_AUTO_SCALE takes logs when the data are positive and span
 * at least 1.5 decades. */
enum sp_plot_scale { SP_PLOT_LINEAR = 0, SP_PLOT_LOG = 1, SP_PLOT_AUTO_SCALE = -1 };

struct sp_plot_panel {
    const char *title, *xlabel, *ylabel;  /* UTF-8; NULL for none */
    enum sp_plot_scale xscale, yscale;
    const struct sp_plot_series *series;
    size_t nseries;
    double xmin, xmax, ymin, ymax;        /* NAN: from the data */
    int legend;                           /* 1: draw a legend of the labelled series;
                                             2: candidate: the figure draws one legend,
                                             in the candidate panel with the emptiest
                                             corner; 0: none */
};

struct sp_plot_heatmap {
    const char *title, *xlabel, *ylabel, *zlabel;
    const double *x, *y;      /* (nx), (ny), strictly increasing */
    const double *z;          /* (ny, nx) row-major: z[j * nx + i] at (x[i], y[j]) */
    size_t nx, ny;
    enum sp_plot_scale yscale;/* LOG needs y > 0 */
    /* Optional contour where z[j * nx + i] == contour_ref[j] (a reference per
     * row, e.g. the pre-LN level at each depth) or == contour_level when
     * contour_ref is NULL; NAN and NULL: none. */
    const double *contour_ref;          /* (ny) or NULL */
    double contour_level;
    const char *contour_label;          /* legend text of the contour */
    /* cells = 1: a categorical map (nx, ny >= 1): cell (i, j) is a block centred at
     * column i, row j (x, y must still be strictly increasing; they are not drawn),
     * its value printed in it, non-finite cells grey; no contour. xticks, xticks2
     * (second line) (nx) and yticks (ny) label columns and rows (NULL: indices).
     * mark_label non-NULL: a dashed vertical line at column coordinate mark_x
     * (fractional: between columns), with mark_label as its legend. */
    int cells;
    const char *const *xticks, *const *xticks2, *const *yticks;
    double mark_x;
    const char *mark_label;
};

struct sp_plot_figure {
    const char *title;                   /* NULL for none */
    int nrow, ncol;                      /* panel grid, row-major */
    const struct sp_plot_panel *panels;  /* (npanels <= nrow * ncol) */
    size_t npanels;
    const struct sp_plot_heatmap *heatmap; /* non-NULL: this figure is one heat map */
};

/* Draws fig into path (width x height pixels; for SVG/PDF the same aspect).
 * SP_EINVAL for an empty or malformed figure, SP_EIO when the file cannot be
 * written, SP_EUNSUPPORTED when PLplot lacks the cairo device. */
enum sp_status sp_plot_render(const struct sp_plot_figure *fig, enum sp_plot_format fmt,
                              int width, int height, const char *path);

/* ---- high level: sigprop's tables ---- */
enum sp_plot_kind {
    SP_PLOT_KIND_AUTO,      /* choose from the columns (sp_plot_detect) */
    SP_PLOT_KIND_PROFILE,   /* "profile": q, p and p/q against l, one line per config */
    SP_PLOT_KIND_JBWD,      /* "jbwd": J^{L,l} against l (log), theory lines, measured points */
    SP_PLOT_KIND_GRADAMP,   /* "gradamp": gradient amplification against l (log) */
    SP_PLOT_KIND_STRETCHED, /* "stretched": (log J^{l,0})^2 against l */
    SP_PLOT_KIND_TOY,       /* "toy": K_l and J^{L,l} of the toy net, l* marked */
    SP_PLOT_KIND_PHASE,     /* "phase": heat map of log J^{L,0} over (alpha, depth) */
    SP_PLOT_KIND_ALPHA,     /* "alpha": recommended alpha against depth and width */
    SP_PLOT_KIND_STABILITY, /* "stability": heat map of test accuracy over alpha x
                             * (lr, warmup), predicted J per alpha, recommended alpha */
    SP_PLOT_KIND_STABILITY_SCATTER /* "stability-scatter": accuracy against predicted log J */
};
const char *sp_plot_kind_name(enum sp_plot_kind k);
/* s as a kind name, or SP_EINVAL with "name: 's' is not one of auto, profile, ..."
 * (sp_parse_choice). */
enum sp_status sp_plot_kind_parse(const char *name, const char *s, enum sp_plot_kind *out);

struct sp_plot_opts {
    enum sp_plot_kind kind;
    int width, height;      /* pixels, default 1200 x 800 */
    const char *title;      /* NULL: a title chosen by the kind */
    double preln_level;     /* phase: contour at this log J^{L,0} (natural log); NAN:
                               from a table with norm = ln, else no contour */
    double l_star;          /* toy: mark this l* for every curve; NAN: from a summary
                               table (column l_star) or the first row with alpha^2 q >= 1 */
};
void sp_plot_opts_default(struct sp_plot_opts *o);

/* Role of each table, from its columns (a robust rule, documented in docs/plot.md):
 *   SUMMARY  - has l_star or J_L0 and no l column (theory --summary, alpha, sweep);
 *   MEASURED - has a column ending in "_se", or a column "source" whose first
 *              value is "measure" / "measured";
 *   THEORY   - anything else with an l column. */
enum sp_plot_role { SP_PLOT_ROLE_THEORY, SP_PLOT_ROLE_MEASURED, SP_PLOT_ROLE_SUMMARY };
enum sp_plot_role sp_plot_table_role(const struct sp_table *t);

/* The kind the tables call for: alpha (depth, width, alpha columns), phase (a
 * sweep with depth and logJ_L0), toy (model column "toy"), gradamp (only
 * measured tables with grad_amp but no J_bwd), jbwd (a measured table), else
 * profile (theory with q). SP_EINVAL with a reason in err when none fits. */
enum sp_status sp_plot_detect(const struct sp_table *const *tables, size_t ntables,
                              enum sp_plot_kind *out, char *err, size_t errlen);

/* Draws the tables as figure kind o->kind into path (format from the extension).
 * SP_EFORMAT with a reason in err when a needed column is missing. */
enum sp_status sp_plot_tables(const struct sp_table *const *tables, size_t ntables,
                              const struct sp_plot_opts *o, const char *path, char *err,
                              size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
