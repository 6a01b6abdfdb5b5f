/* Figure rendering through PLplot's cairo driver (pngcairo, svgcairo, pdfcairo):
 * panels of line/point series with log axes, error bars and legends, and a heat
 * map with a colour bar and one contour. Draws only what it is given.
 * PLplot keeps global state, so every render holds one mutex; the file goes to
 * a temporary beside the path (sp_outfile, as every table) and is renamed when
 * complete. PLplot's own error
 * paths print to stderr (and plexit exits): inputs are validated before any
 * PLplot call so that those paths are not reached. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigprop/io.h"
#include "sigprop/plot.h"
#include "plot/plot_internal.h"
#include "sp_config.h"

#if SP_HAVE_PLOT /* this part draws with PLplot; see the stub at the end otherwise */
#include <plplot.h>

static pthread_mutex_t plot_lock = PTHREAD_MUTEX_INITIALIZER;
static int plot_aborted; /* set by the plabort handler during a render */
static double plot_ps = 1.0; /* size of the page relative to 1200 x 800 (margins, lines) */

/* Character height: f times the base size (about 14 px at 1200 x 800). */
static void chr(double f) { plschr(0.0, 0.72 * f); }
/* Line width: pen units at 1200 x 800, thicker on larger pages (text scales by itself). */
static void pw(double w) { plwidth(w * plot_ps); }
#endif /* SP_HAVE_PLOT */

enum sp_status sp_plot_format_from_path(const char *path, enum sp_plot_format *out)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot)
        return SP_EINVAL;
    if (!strcasecmp(dot, ".png"))
        *out = SP_PLOT_PNG;
    else if (!strcasecmp(dot, ".svg"))
        *out = SP_PLOT_SVG;
    else if (!strcasecmp(dot, ".pdf"))
        *out = SP_PLOT_PDF;
    else
        return SP_EINVAL;
    return SP_OK;
}

/* ---- colours: cmap0 index 0 background, 1 ink, 2 grid, 3.. series ---- */
enum { COL_BG = 0, COL_INK = 1, COL_GRID = 2, COL_WHITE = 3, COL_FIRST_SERIES = 4 };

/* Viridis anchor points (matplotlib's viridis at 0, 1/8, ..., 1). */
static const unsigned char viridis_rgb[9][3] = {
    {68, 1, 84},    {71, 44, 122},  {59, 81, 139},   {44, 113, 142}, {33, 144, 141},
    {39, 173, 129}, {92, 200, 99},  {170, 220, 50},  {253, 231, 37}};

void sp_plot_viridis(double t, unsigned char rgb[3])
{
    if (!(t >= 0.0))
        t = 0.0;
    if (t > 1.0)
        t = 1.0;
    double s = t * 8.0;
    int i = (int)s;
    if (i >= 8)
        i = 7;
    double f = s - i;
    for (int c = 0; c < 3; c++)
        rgb[c] = (unsigned char)lround((1.0 - f) * viridis_rgb[i][c] + f * viridis_rgb[i + 1][c]);
}

/* Okabe-Ito colours without yellow (too light on white). */
static const unsigned char okabe_ito_rgb[7][3] = {
    {0, 0, 0}, {0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167}, {86, 180, 233},
    {230, 159, 0}};

void sp_plot_categorical(size_t i, unsigned char rgb[3])
{
    memcpy(rgb, okabe_ito_rgb[i % 7], 3);
}

/* ---- escaping: '#' is PLplot's escape character ---- */
char *sp_plot_escape(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s), extra = 0;
    for (size_t i = 0; i < n; i++)
        extra += s[i] == '#';
    char *o = malloc(n + extra + 1);
    if (!o)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        o[k++] = s[i];
        if (s[i] == '#')
            o[k++] = '#';
    }
    o[k] = 0;
    return o;
}

#if SP_HAVE_PLOT
static void text_or_empty(const char **s) { if (!*s) *s = ""; }

/* ---- axis helpers ---- */
struct axis {
    int log;
    double lo, hi;   /* in plotting coordinates (log10 when log) */
};

static int finite_pos(double v, int log) { return isfinite(v) && (!log || v > 0.0); }

static double tr(double v, int log) { return log ? log10(v) : v; }

/* Labels for log axes: 1, 10, 100 ... written out in the readable range, else 10^k. */
static void log_label(PLINT axis, PLFLT value, char *label, PLINT length, PLPointer data)
{
    const int *logs = data;
    int is_log = axis == PL_X_AXIS ? logs[0] : axis == PL_Y_AXIS ? logs[1] : 0;
    if (!is_log) {
        double v = fabs(value) < 1e-12 ? 0.0 : value;
        snprintf(label, (size_t)length, "%g", v);
        return;
    }
    long e = lround(value);
    if (fabs(value - (double)e) > 1e-6)
        snprintf(label, (size_t)length, "%.3g", pow(10.0, value));
    else if (e >= -2 && e <= 2)
        snprintf(label, (size_t)length, "%g", pow(10.0, (double)e));
    else
        snprintf(label, (size_t)length, "10#u%ld#d", e);
}

static void axis_finish(struct axis *a, double lo, double hi, int pad_frac_pct)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (hi - lo <= 1e-12 * (fabs(lo) + fabs(hi)) || hi <= lo) {
        double c = lo, h = a->log ? 0.5 : (fabs(c) > 0 ? 0.1 * fabs(c) : 0.5);
        lo = c - h;
        hi = c + h;
    }
    if (a->log && hi - lo < 1.0) { /* at least one decade, so a decade label shows */
        double c = 0.5 * (lo + hi);
        double flo = floor(lo), chi = ceil(hi);
        if (chi - flo <= 1.0) {
            lo = flo;
            hi = chi;
        } else {
            lo = c - 0.5;
            hi = c + 0.5;
        }
    }
    double pad = (hi - lo) * pad_frac_pct / 100.0;
    a->lo = lo - pad;
    a->hi = hi + pad;
}

/* Decides the scale of one axis and its range from every series. */
static void panel_axis(const struct sp_plot_panel *p, int is_y, struct axis *a)
{
    enum sp_plot_scale sc = is_y ? p->yscale : p->xscale;
    double mn = INFINITY, mx = -INFINITY, mnpos = INFINITY;
    for (size_t s = 0; s < p->nseries; s++) {
        const struct sp_plot_series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            double v = is_y ? se->y[i] : se->x[i];
            if (!isfinite(v) || !isfinite(is_y ? se->x[i] : se->y[i]))
                continue;
            double lo = v, hi = v;
            if (is_y && se->yerr && isfinite(se->yerr[i])) {
                lo = v - se->yerr[i];
                hi = v + se->yerr[i];
            }
            mn = fmin(mn, lo);
            mx = fmax(mx, hi);
            if (v > 0)
                mnpos = fmin(mnpos, v);
            if (lo > 0)
                mnpos = fmin(mnpos, lo);
        }
    }
    if (sc == SP_PLOT_AUTO_SCALE)
        a->log = mn > 0.0 && isfinite(mx) && mx / mn >= pow(10.0, 1.5);
    else
        a->log = sc == SP_PLOT_LOG;
    double lo, hi;
    if (a->log) {
        if (!isfinite(mnpos))
            mnpos = 1.0;
        lo = log10(mnpos);
        hi = isfinite(mx) && mx > 0 ? log10(mx) : lo + 1.0;
    } else {
        lo = mn;
        hi = mx;
    }
    double fixed_lo = is_y ? p->ymin : p->xmin, fixed_hi = is_y ? p->ymax : p->xmax;
    if (isfinite(fixed_lo) && (!a->log || fixed_lo > 0))
        lo = tr(fixed_lo, a->log);
    if (isfinite(fixed_hi) && (!a->log || fixed_hi > 0))
        hi = tr(fixed_hi, a->log);
    int markers = 0; /* markers at the ends of the x range need room */
    for (size_t s = 0; s < p->nseries; s++)
        markers |= p->series[s].style != SP_PLOT_LINE && p->series[s].n > 0;
    axis_finish(a, lo, hi, is_y ? 4 : markers ? 3 : 0);
    if (isfinite(fixed_lo) && (!a->log || fixed_lo > 0))
        a->lo = tr(fixed_lo, a->log);
    if (isfinite(fixed_hi) && (!a->log || fixed_hi > 0))
        a->hi = tr(fixed_hi, a->log);
}

static const char *const symbol_glyph[4] = {"●", "■", "▲", "◆"};

static void set_color(PLINT idx, const unsigned char rgb[3])
{
    plscol0(idx, rgb[0], rgb[1], rgb[2]);
    plcol0(idx);
}

/* Draws a series in plotting coordinates. xs, ys: scratch of length n. */
static void draw_series(const struct sp_plot_series *se, const struct axis *ax,
                        const struct axis *ay, PLINT color, double *xs, double *ys,
                        double *ylo, double *yhi)
{
    set_color(color, se->rgb);
    double w = se->width > 0 ? se->width : 2.0;
    size_t m = 0;
    int line = se->style != SP_PLOT_POINTS, pts = se->style != SP_PLOT_LINE;
    if (line) {
        pw(w);
        pllsty(se->dashed ? 2 : 1);
        for (size_t i = 0; i <= se->n; i++) {
            int ok = i < se->n && finite_pos(se->x[i], ax->log) && finite_pos(se->y[i], ay->log);
            if (ok) {
                xs[m] = tr(se->x[i], ax->log);
                ys[m] = tr(se->y[i], ay->log);
                m++;
            } else {
                if (m >= 2)
                    plline((PLINT)m, xs, ys);
                m = 0;
            }
        }
        pllsty(1);
    }
    if (se->yerr) {
        pw(1.5);
        m = 0;
        for (size_t i = 0; i < se->n; i++) {
            double e = se->yerr[i];
            if (!finite_pos(se->x[i], ax->log) || !finite_pos(se->y[i], ay->log) || !isfinite(e))
                continue;
            double lo = se->y[i] - fabs(e), hi = se->y[i] + fabs(e);
            xs[m] = tr(se->x[i], ax->log);
            if (ay->log)
                ylo[m] = lo > 0 ? log10(lo) : ay->lo;
            else
                ylo[m] = lo;
            yhi[m] = tr(hi, ay->log);
            m++;
        }
        plsmin(0.0, 0.35); /* the caps of the error bars */
        if (m)
            plerry((PLINT)m, xs, ylo, yhi);
        plsmin(0.0, 1.0);
    }
    if (pts) {
        m = 0;
        for (size_t i = 0; i < se->n; i++)
            if (finite_pos(se->x[i], ax->log) && finite_pos(se->y[i], ay->log)) {
                xs[m] = tr(se->x[i], ax->log);
                ys[m] = tr(se->y[i], ay->log);
                m++;
            }
        if (m) {
            double sc = se->symbol_scale > 0 ? se->symbol_scale : 1.0;
            chr(0.6 * sc);
            plstring((PLINT)m, xs, ys, symbol_glyph[((unsigned)se->symbol) % 4]);
            chr(1.0);
        }
    }
    pw(1.0);
}

/* The corner of the panel whose legend-sized box (fw x fh of the panel) holds
 * the fewest data points, as a PL_POSITION_* set in *pos; returns that number. */
static size_t legend_corner(const struct sp_plot_panel *p, const struct axis *ax,
                            const struct axis *ay, double fw, double fh, PLINT *pos)
{
    static const PLINT corners[4] = {PL_POSITION_TOP | PL_POSITION_LEFT,
                                     PL_POSITION_TOP | PL_POSITION_RIGHT,
                                     PL_POSITION_BOTTOM | PL_POSITION_RIGHT,
                                     PL_POSITION_BOTTOM | PL_POSITION_LEFT};
    size_t count[4] = {0, 0, 0, 0};
    for (size_t s = 0; s < p->nseries; s++) {
        const struct sp_plot_series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            if (!finite_pos(se->x[i], ax->log) || !finite_pos(se->y[i], ay->log))
                continue;
            double u = (tr(se->x[i], ax->log) - ax->lo) / (ax->hi - ax->lo);
            double v = (tr(se->y[i], ay->log) - ay->lo) / (ay->hi - ay->lo);
            int left = u < fw, right = u > 1.0 - fw, top = v > 1.0 - fh, bottom = v < fh;
            count[0] += top && left;
            count[1] += top && right;
            count[2] += bottom && right;
            count[3] += bottom && left;
        }
    }
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (count[c] < count[best])
            best = c;
    *pos = corners[best] | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT;
    return count[best];
}

/* Legends with more entries than this go outside the panels, to the right of
 * the figure, in a margin reserved for them (inside they would hide the data). */
enum { LEGEND_INSIDE_MAX = 9 };
static const double legend_margin_px = 400.0; /* at most */

/* Visible characters of a label: UTF-8 code points, PLplot escapes (#u, #d) not counted. */
static size_t label_chars(const char *t)
{
    size_t n = 0;
    for (; *t; t++) {
        if (t[0] == '#' && t[1] && t[1] != '#') {
            t++;
            continue;
        }
        n += ((unsigned char)*t & 0xC0) != 0x80;
    }
    return n;
}

/* Width in pixels (at scale 1) that an outside legend of p needs. */
static double legend_width_px(const struct sp_plot_panel *p)
{
    size_t m = 0;
    for (size_t s = 0; s < p->nseries; s++)
        if (p->series[s].label && label_chars(p->series[s].label) > m)
            m = label_chars(p->series[s].label);
    return 110.0 + 8.5 * (double)m;
}

static size_t legend_entries(const struct sp_plot_panel *p)
{
    size_t n = 0;
    for (size_t s = 0; s < p->nseries; s++)
        n += p->series[s].label && p->series[s].label[0];
    return n;
}

static void draw_legend(const struct sp_plot_panel *p, const struct axis *ax,
                        const struct axis *ay, PLINT first_color, int outside, double fw,
                        double fh)
{
    size_t n = 0;
    for (size_t s = 0; s < p->nseries; s++)
        n += p->series[s].label && p->series[s].label[0];
    if (!n)
        return;
    PLINT *opt = calloc(n, sizeof *opt), *tcol = calloc(n, sizeof *tcol),
          *lcol = calloc(n, sizeof *lcol), *lsty = calloc(n, sizeof *lsty),
          *scol = calloc(n, sizeof *scol), *snum = calloc(n, sizeof *snum);
    PLFLT *lw = calloc(n, sizeof *lw), *ssc = calloc(n, sizeof *ssc);
    const char **text = calloc(n, sizeof *text), **sym = calloc(n, sizeof *sym);
    if (opt && tcol && lcol && lsty && scol && snum && lw && ssc && text && sym) {
        size_t k = 0;
        for (size_t s = 0; s < p->nseries; s++) {
            const struct sp_plot_series *se = &p->series[s];
            if (!se->label || !se->label[0])
                continue;
            opt[k] = (se->style != SP_PLOT_POINTS ? PL_LEGEND_LINE : 0) |
                     (se->style != SP_PLOT_LINE ? PL_LEGEND_SYMBOL : 0);
            tcol[k] = COL_INK;
            lcol[k] = scol[k] = first_color + (PLINT)s;
            lsty[k] = se->dashed ? 2 : 1;
            lw[k] = (se->width > 0 ? se->width : 2.0) * plot_ps;
            ssc[k] = 0.72 * 0.6 * (se->symbol_scale > 0 ? se->symbol_scale : 1.0);
            snum[k] = 1;
            text[k] = se->label;
            sym[k] = symbol_glyph[((unsigned)se->symbol) % 4];
            k++;
        }
        PLINT ncol = !outside && n > 6 ? 2 : 1;
        PLINT nrow = (PLINT)((n + (size_t)ncol - 1) / (size_t)ncol);
        PLFLT lwid, lhei, lx = 0.02, ly = 0.03;
        PLINT pos;
        if (outside) {
            pos = PL_POSITION_OUTSIDE | PL_POSITION_RIGHT | PL_POSITION_VIEWPORT;
            lx = 0.03;
            ly = 0.0;
        } else {
            legend_corner(p, ax, ay, fw, fh, &pos);
        }
        pllegend(&lwid, &lhei, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                 pos, lx, ly, 0.08, COL_BG, COL_GRID, 1, nrow, ncol,
                 (PLINT)n, opt, 0.6, 0.72 * 0.95, 1.6, 0.0, tcol, text, NULL, NULL, NULL, NULL,
                 lcol, lsty, lw, scol, ssc, snum, sym);
    }
    free(opt); free(tcol); free(lcol); free(lsty); free(scol); free(snum);
    free(lw); free(ssc); free(text); free(sym);
}

/* Layout in pixels, converted to normalised device coordinates. */
struct layout {
    double w, h;          /* page size in pixels */
    double top_title;     /* pixels reserved for the figure title */
    double right_reserve; /* pixels reserved on the right for an outside legend */
};

static void cell_viewport(const struct layout *lo, int nrow, int ncol, int r, int c,
                          double right_extra_px)
{
    double cw = (lo->w - lo->right_reserve) / ncol, ch = (lo->h - lo->top_title) / nrow;
    double ps = plot_ps, left = 84 * ps, right = (18 + right_extra_px) * ps, top = 40 * ps,
           bottom = 58 * ps;
    double x0 = c * cw + left, x1 = (c + 1) * cw - right;
    double y1 = lo->h - lo->top_title - r * ch - top, y0 = lo->h - lo->top_title - (r + 1) * ch + bottom;
    plvpor(x0 / lo->w, x1 / lo->w, y0 / lo->h, y1 / lo->h);
}

/* A log axis spanning less than 2.5 decades has too few decade labels: label
 * 1, 2, 5 (or 1..9 when that is still too few) times powers of ten instead,
 * written out in full, with grid lines. is_y: 0 x axis, 1 y axis. */
static int sub_decade(const struct axis *a) { return a->log && a->hi - a->lo < 2.5; }

static void sub_decade_labels(const struct axis *a, const struct axis *other, int is_y)
{
    static const double set125[] = {1, 2, 5}, set19[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const double *set = set125;
    size_t nset = 3, count = 0;
    for (int pass = 0; pass < 2; pass++) {
        count = 0;
        for (double k = floor(a->lo); k <= ceil(a->hi); k++)
            for (size_t m = 0; m < nset; m++) {
                double v = k + log10(set[m]);
                count += v >= a->lo && v <= a->hi;
            }
        if (count >= 3 || pass)
            break;
        set = set19;
        nset = 9;
    }
    for (double k = floor(a->lo); k <= ceil(a->hi); k++)
        for (size_t m = 0; m < nset; m++) {
            double v = k + log10(set[m]);
            if (v < a->lo || v > a->hi)
                continue;
            double frac = (v - a->lo) / (a->hi - a->lo);
            char text[32];
            snprintf(text, sizeof text, "%g", pow(10.0, v));
            plcol0(COL_GRID);
            pw(0.8);
            if (is_y)
                pljoin(other->lo, v, other->hi, v);
            else
                pljoin(v, other->lo, v, other->hi);
            plcol0(COL_INK);
            pw(1.2);
            if (is_y) {
                pljoin(other->lo, v, other->lo + 0.015 * (other->hi - other->lo), v);
                plmtex("lv", 0.7, frac, 1.0, text);
            } else {
                pljoin(v, other->lo, v, other->lo + 0.02 * (other->hi - other->lo));
                plmtex("b", 1.6, frac, 0.5, text);
            }
        }
}

/* The size of p's inside legend as fractions of a panel's viewport (estimated
 * from the text: about 8.5 px per character and 24 px per row at 1200 x 800). */
static void legend_fraction(const struct sp_plot_panel *p, const struct layout *lo, int nrow,
                            int ncol, double *fw, double *fh)
{
    size_t n = legend_entries(p);
    int lcols = n > 6 ? 2 : 1;
    double rows = (double)((n + (size_t)lcols - 1) / (size_t)lcols);
    double lw = (legend_width_px(p) - 20.0) * lcols * plot_ps, lh = (rows * 24.0 + 12.0) * plot_ps;
    double pw_px = (lo->w - lo->right_reserve) / ncol - 102.0 * plot_ps;
    double ph_px = (lo->h - lo->top_title) / nrow - 98.0 * plot_ps;
    *fw = pw_px > 0 ? fmin(1.0, lw / pw_px + 0.03) : 1.0;
    *fh = ph_px > 0 ? fmin(1.0, lh / ph_px + 0.04) : 1.0;
}

/* A 1-2-5 major tick step for a linear axis of the given length in pixels, so
 * that the labels (about 60 px apart at least) do not run into each other. */
static double linear_tick(const struct axis *a, double len_px)
{
    double range = a->hi - a->lo, nmax = fmax(2.0, len_px / (60.0 * plot_ps));
    if (!(range > 0))
        return 0.0;
    double raw = range / nmax, p10 = pow(10.0, floor(log10(raw)));
    double m = raw / p10;
    double step = (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 5.0 ? 5.0 : 10.0) * p10;
    return step;
}

static void draw_axes(const struct axis *ax, const struct axis *ay, double xlen_px)
{
    double xt = ax->log ? 1.0 : linear_tick(ax, xlen_px);
    int xs = sub_decade(ax), ys = sub_decade(ay);
    const char *xg = ax->log ? (xs ? "" : "gl") : "g", *yg = ay->log ? (ys ? "" : "gl") : "g";
    plcol0(COL_GRID);
    pw(0.8);
    plbox(xg, xt, 0, yg, ay->log ? 1.0 : 0.0, 0);
    if (xs)
        sub_decade_labels(ax, ay, 0);
    if (ys)
        sub_decade_labels(ay, ax, 1);
    plcol0(COL_INK);
    pw(1.2);
    plbox(ax->log ? (xs ? "bclst" : "bclnsto") : "bcnst", xt, 0,
          ay->log ? (ys ? "bclstv" : "bclnstvo") : "bcnstv", ay->log ? 1.0 : 0.0, 0);
    pw(1.0);
}

static enum sp_status draw_panel(const struct sp_plot_panel *p, const struct layout *lo,
                                 int nrow, int ncol, int idx, PLINT first_color,
                                 int legend_here, int legend_outside)
{
    struct axis ax, ay;
    panel_axis(p, 0, &ax);
    panel_axis(p, 1, &ay);
    size_t nmax = 1;
    for (size_t s = 0; s < p->nseries; s++)
        if (p->series[s].n > nmax)
            nmax = p->series[s].n;
    double *buf = malloc(4 * nmax * sizeof *buf);
    if (!buf)
        return SP_ENOMEM;
    cell_viewport(lo, nrow, ncol, idx / ncol, idx % ncol, 0);
    plwind(ax.lo, ax.hi, ay.lo, ay.hi);
    int logs[2] = {ax.log, ay.log};
    plslabelfunc(log_label, logs);
    draw_axes(&ax, &ay, (lo->w - lo->right_reserve) / ncol - 102.0 * plot_ps);
    for (size_t s = 0; s < p->nseries; s++)
        draw_series(&p->series[s], &ax, &ay, first_color + (PLINT)s, buf, buf + nmax,
                    buf + 2 * nmax, buf + 3 * nmax);
    plcol0(COL_INK);
    const char *xl = p->xlabel, *yl = p->ylabel, *t = p->title;
    text_or_empty(&xl);
    text_or_empty(&yl);
    text_or_empty(&t);
    plmtex("b", 2.8, 0.5, 0.5, xl);
    plmtex("l", 4.2, 0.5, 0.5, yl);
    chr(1.1);
    plmtex("t", 1.2, 0.5, 0.5, t);
    chr(1.0);
    if (legend_here) {
        double fw, fh;
        legend_fraction(p, lo, nrow, ncol, &fw, &fh);
        draw_legend(p, &ax, &ay, first_color, legend_outside, fw, fh);
    }
    plslabelfunc(NULL, NULL);
    free(buf);
    return SP_OK;
}

/* pltr1 needs PLcGrid with 1-D coordinate arrays. */
/* The categorical map (hm->cells): a block per cell coloured on [zmin, zmax] by
 * the colour map, its value printed in it (grey and "-" when not finite), the
 * column and row labels, and the dashed marker line. */
static void draw_cells(const struct sp_plot_heatmap *hm, double zmin, double zmax)
{
    const size_t nx = hm->nx, ny = hm->ny;
    plwind(-0.5, (double)nx - 0.5, -0.5, (double)ny - 0.5);
    char txt[32];
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++) {
            double z = hm->z[j * nx + i];
            PLFLT xs[4] = {(double)i - 0.5, (double)i + 0.5, (double)i + 0.5, (double)i - 0.5};
            PLFLT ys[4] = {(double)j - 0.5, (double)j - 0.5, (double)j + 0.5, (double)j + 0.5};
            if (isfinite(z)) {
                plcol1((z - zmin) / (zmax - zmin));
                snprintf(txt, sizeof txt, "%.3g", z);
            } else {
                plcol0(COL_GRID);
                snprintf(txt, sizeof txt, "-");
            }
            plfill(4, xs, ys);
            plcol0(COL_INK);
            pllsty(1);
            plline(4, xs, ys);
            /* white text on the dark half of the map */
            plcol0(isfinite(z) && (z - zmin) / (zmax - zmin) < 0.45 ? COL_WHITE : COL_INK);
            plptex((double)i, (double)j, 1.0, 0.0, 0.5, txt);
        }
    plcol0(COL_INK);
    pw(1.2);
    plbox("bc", 0, 0, "bc", 0, 0);
    pw(1.0);
    char num[32];
    for (size_t i = 0; i < nx; i++) {
        double pos = ((double)i + 0.5) / (double)nx;
        snprintf(num, sizeof num, "%zu", i);
        plmtex("b", 1.5, pos, 0.5, hm->xticks && hm->xticks[i] ? hm->xticks[i] : num);
        if (hm->xticks2 && hm->xticks2[i]) {
            chr(0.8);
            plmtex("b", 3.4, pos, 0.5, hm->xticks2[i]);
            chr(1.0);
        }
    }
    for (size_t j = 0; j < ny; j++) {
        double pos = ((double)j + 0.5) / (double)ny;
        snprintf(num, sizeof num, "%zu", j);
        chr(0.85);
        plmtex("lv", 0.5, pos, 1.0, hm->yticks && hm->yticks[j] ? hm->yticks[j] : num);
        chr(1.0);
    }
    if (hm->mark_label && isfinite(hm->mark_x)) {
        PLFLT mx[2] = {hm->mark_x, hm->mark_x}, my[2] = {-0.5, (double)ny - 0.5};
        plcol0(COL_WHITE);
        pw(4.0);
        pllsty(2);
        plline(2, mx, my);
        pllsty(1);
        pw(1.0);
        plcol0(COL_INK);
        chr(0.85);
        plmtex("b", 7.4, 0.0, 0.0, "dashed white line:");
        plmtex("b", 7.4, 0.2, 0.0, hm->mark_label);
        chr(1.0);
    }
}

static enum sp_status draw_heatmap(const struct sp_plot_heatmap *hm, const struct layout *lo)
{
    size_t nx = hm->nx, ny = hm->ny;
    int ylog = hm->yscale == SP_PLOT_LOG;
    double *xg = malloc(nx * sizeof *xg), *yg = malloc(ny * sizeof *yg);
    double *zbuf = malloc(nx * ny * sizeof *zbuf), *cbuf = malloc(nx * ny * sizeof *cbuf);
    double **zrows = malloc(nx * sizeof *zrows), **crows = malloc(nx * sizeof *crows);
    enum { NLEV = 21 };
    double lev[NLEV];
    enum sp_status st = SP_OK;
    if (!xg || !yg || !zbuf || !cbuf || !zrows || !crows) {
        st = SP_ENOMEM;
        goto out;
    }
    double zmin = INFINITY, zmax = -INFINITY;
    for (size_t k = 0; k < nx * ny; k++)
        if (isfinite(hm->z[k])) {
            zmin = fmin(zmin, hm->z[k]);
            zmax = fmax(zmax, hm->z[k]);
        }
    if (!isfinite(zmin)) {
        st = SP_EINVAL;
        goto out;
    }
    if (zmax - zmin < 1e-12)
        zmax = zmin + 1.0;
    for (size_t i = 0; i < nx; i++) {
        xg[i] = hm->x[i];
        zrows[i] = zbuf + i * ny;
        crows[i] = cbuf + i * ny;
        for (size_t j = 0; j < ny; j++) {
            double z = hm->z[j * nx + i];
            /* non-finite cells (overflowed theory) take the nearest end of the scale */
            zrows[i][j] = isfinite(z) ? z : (z < 0 ? zmin : zmax);
            double ref = hm->contour_ref ? hm->contour_ref[j] : hm->contour_level;
            crows[i][j] = zrows[i][j] - ref;
        }
    }
    for (size_t j = 0; j < ny; j++)
        yg[j] = tr(hm->y[j], ylog);
    for (int k = 0; k < NLEV; k++)
        lev[k] = zmin + (zmax - zmin) * k / (NLEV - 1);
    PLcGrid cg = {xg, yg, NULL, (PLINT)nx, (PLINT)ny, 0};

    if (hm->cells) {
        /* room for the row labels on the left and two lines of column labels */
        const double ps = plot_ps;
        plvpor(200 * ps / lo->w, (lo->w - lo->right_reserve - 168 * ps) / lo->w,
               130 * ps / lo->h, (lo->h - lo->top_title - 40 * ps) / lo->h);
    } else {
        cell_viewport(lo, 1, 1, 0, 0, 150);
    }
    const int have_contour = !hm->cells && (hm->contour_ref || isfinite(hm->contour_level));
    if (hm->cells) {
        draw_cells(hm, zmin, zmax);
        plcol0(COL_INK);
        goto labels;
    }
    plwind(xg[0], xg[nx - 1], yg[0], yg[ny - 1]);
    plshades((PLFLT_MATRIX)zrows, (PLINT)nx, (PLINT)ny, NULL, xg[0], xg[nx - 1], yg[0],
             yg[ny - 1], lev, NLEV, 1.0, 0, 0.0, plfill, 1, pltr1, &cg);
    if (have_contour) {
        double zero = 0.0;
        plcol0(COL_WHITE);
        pw(5.0);
        plcont((PLFLT_MATRIX)crows, (PLINT)nx, (PLINT)ny, 1, (PLINT)nx, 1, (PLINT)ny, &zero, 1,
               pltr1, &cg);
        plcol0(COL_INK);
        pw(2.5);
        pllsty(2);
        plcont((PLFLT_MATRIX)crows, (PLINT)nx, (PLINT)ny, 1, (PLINT)nx, 1, (PLINT)ny, &zero, 1,
               pltr1, &cg);
        pllsty(1);
        pw(1.0);
    }
    {
        int logs[2] = {0, ylog};
        plslabelfunc(log_label, logs);
        plcol0(COL_INK);
        pw(1.2);
        plbox("bcnst", 0, 0, ylog ? "bclnstvo" : "bcnstv", ylog ? 1.0 : 0.0, 0);
        pw(1.0);
    }
labels:;
    /* the colour bar carries no label of its own (it collides with the tick
     * labels): the z label goes above it */
    const char *xl = hm->xlabel, *yl = hm->ylabel, *t = hm->title, *zl = hm->zlabel;
    text_or_empty(&xl);
    text_or_empty(&yl);
    text_or_empty(&t);
    text_or_empty(&zl);
    plmtex("b", hm->cells ? 5.2 : 2.8, 0.5, 0.5, xl);
    plmtex("l", hm->cells ? 11.0 : 4.2, 0.5, 0.5, yl);
    chr(1.1);
    plmtex("t", 1.2, 0.5, 0.5, t);
    chr(1.0);

    /* colour bar on the right, labelled */
    PLFLT cbw, cbh;
    PLINT nval = NLEV;
    const PLFLT *vals[1] = {lev};
    const char *axis_opts[1] = {"bcvtm"};
    PLFLT ticks[1] = {0.0};
    PLINT sub_ticks[1] = {0};
    PLINT label_opts[1] = {PL_COLORBAR_LABEL_RIGHT};
    const char *labels[1] = {zl};
    plslabelfunc(NULL, NULL);
    if (zl[0]) {
        chr(0.95);
        plmtex("t", 1.2, 1.0 + 0.12 * 600.0 / lo->w, 0.5, zl);
        chr(1.0);
    }
    plcolorbar(&cbw, &cbh, PL_COLORBAR_SHADE | PL_COLORBAR_SHADE_LABEL * 0,
               PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT, 0.03, 0.0, 0.035,
               1.0, COL_BG, COL_INK, 1, 0.0, 0.0, 0, 0.0, 0, label_opts, labels, 1, axis_opts,
               ticks, sub_ticks, &nval, (PLFLT_MATRIX)vals);
    if (have_contour && hm->contour_label && hm->contour_label[0]) {
        PLINT opt = PL_LEGEND_LINE, tcol = COL_INK, lcol = COL_INK, lsty = 2;
        PLFLT lw = 2.5 * plot_ps, lwid, lhei;
        const char *text[1] = {hm->contour_label};
        pllegend(&lwid, &lhei, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
                 PL_POSITION_BOTTOM | PL_POSITION_LEFT | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT,
                 0.02, 0.03, 0.08, COL_BG, COL_GRID, 1, 1, 1, 1, &opt, 0.6, 0.72 * 0.95, 1.6, 0.0,
                 &tcol, text, NULL, NULL, NULL, NULL, &lcol, &lsty, &lw, NULL, NULL, NULL,
                 NULL);
    }
out:
    free(xg); free(yg); free(zbuf); free(cbuf); free(zrows); free(crows);
    return st;
}

static int device_available(const char *dev)
{
    enum { MAXDEV = 128 };
    const char *menu_buf[MAXDEV], *names_buf[MAXDEV];
    const char **menu = menu_buf, **names = names_buf;
    int n = MAXDEV;
    plgDevs(&menu, &names, &n);
    for (int i = 0; i < n; i++)
        if (names[i] && !strcmp(names[i], dev))
            return 1;
    return 0;
}

static void abort_handler(const char *msg)
{
    (void)msg; /* recorded, never printed: the library does not print */
    plot_aborted = 1;
}

static enum sp_status validate(const struct sp_plot_figure *fig, int width, int height)
{
    if (!fig || width < 100 || height < 100 || width > 20000 || height > 20000)
        return SP_EINVAL;
    if (fig->heatmap) {
        const struct sp_plot_heatmap *hm = fig->heatmap;
        const size_t minn = hm->cells ? 1 : 2;
        if (hm->nx < minn || hm->ny < minn || !hm->x || !hm->y || !hm->z)
            return SP_EINVAL;
        for (size_t i = 0; i < hm->nx; i++)
            if (!isfinite(hm->x[i]) || (i && hm->x[i] <= hm->x[i - 1]))
                return SP_EINVAL;
        for (size_t j = 0; j < hm->ny; j++)
            if (!isfinite(hm->y[j]) || (j && hm->y[j] <= hm->y[j - 1]) ||
                (hm->yscale == SP_PLOT_LOG && hm->y[j] <= 0))
                return SP_EINVAL;
        return SP_OK;
    }
    if (fig->nrow < 1 || fig->ncol < 1 || fig->npanels < 1 ||
        fig->npanels > (size_t)fig->nrow * (size_t)fig->ncol || !fig->panels)
        return SP_EINVAL;
    for (size_t k = 0; k < fig->npanels; k++)
        for (size_t s = 0; s < fig->panels[k].nseries; s++) {
            const struct sp_plot_series *se = &fig->panels[k].series[s];
            if (se->n && (!se->x || !se->y))
                return SP_EINVAL;
        }
    return SP_OK;
}

enum sp_status sp_plot_render(const struct sp_plot_figure *fig, enum sp_plot_format fmt,
                              int width, int height, const char *path)
{
    enum sp_status st = validate(fig, width, height);
    if (st != SP_OK)
        return st;
    if (!path || !*path)
        return SP_EINVAL;
    const char *dev = fmt == SP_PLOT_PNG ? "pngcairo" : fmt == SP_PLOT_SVG ? "svgcairo" : "pdfcairo";

    const char *title = fig->title;
    /* the same atomic output as every table (src/io/outfile.c): a temporary
     * beside the target, created with the umask's mode (an existing file keeps
     * its mode, a link its target), registered for the signal handler, renamed
     * on success. PLplot reopens the temporary by name and writes into it. */
    struct sp_outfile out;
    st = sp_outfile_open(&out, path);
    if (st != SP_OK)
        return sp_fail(st, "cannot open '%s' for writing: %s", path,
                       out.errnum ? strerror(out.errnum) : sp_status_str(st));
    if (out.f == stdout) {
        sp_outfile_abort(&out);
        return sp_fail(SP_EINVAL, "a figure cannot be written to standard output");
    }
    const char *tmp = out.tmp ? out.tmp : path; /* a FIFO or device: in place */

    pthread_mutex_lock(&plot_lock);
    if (!device_available(dev)) {
        st = sp_fail(SP_EUNSUPPORTED, "this PLplot has no %s device", dev);
        goto unlock;
    }
    plot_aborted = 0;
    plsabort(abort_handler);
    size_t nseries = 0;
    for (size_t k = 0; !fig->heatmap && k < fig->npanels; k++)
        nseries += fig->panels[k].nseries;
    char geom[64];
    snprintf(geom, sizeof geom, "%dx%d", width, height);
    plsdev(dev);
    plsfnam(tmp);
    plsetopt("geometry", geom);
    plscmap0n((PLINT)(COL_FIRST_SERIES + nseries + 1));
    plscol0(COL_BG, 255, 255, 255);
    plscol0(COL_INK, 20, 20, 20);
    plscol0(COL_GRID, 225, 225, 225);
    plscol0(COL_WHITE, 255, 255, 255);
    if (fig->heatmap) {
        PLFLT pos[9], r[9], g[9], b[9];
        for (int i = 0; i < 9; i++) {
            pos[i] = i / 8.0;
            r[i] = viridis_rgb[i][0] / 255.0;
            g[i] = viridis_rgb[i][1] / 255.0;
            b[i] = viridis_rgb[i][2] / 255.0;
        }
        plscmap1n(256);
        plscmap1l(1, 9, pos, r, g, b, NULL);
    }
    plot_ps = fmin((double)width / 1200.0, (double)height / 800.0);
    plot_ps = fmax(0.5, fmin(plot_ps, 8.0));
    plinit();
    pladv(0);
    plfont(1);
    chr(1.0);
    struct layout lo = {(double)width, (double)height, title && *title ? 44.0 * plot_ps : 0.0,
                        0.0};
    if (title && *title) {
        plvpor(0.0, 1.0, 0.0, 1.0);
        plwind(0.0, 1.0, 0.0, 1.0);
        plcol0(COL_INK);
        chr(1.35);
        plptex(0.5, 1.0 - 26.0 * plot_ps / height, 1.0, 0.0, 0.5, title);
        chr(1.0);
    }
    if (fig->heatmap) {
        st = draw_heatmap(fig->heatmap, &lo);
    } else {
        /* legend 2: one legend for the figure, in the candidate panel whose
         * emptiest corner holds the fewest points */
        size_t best_panel = SIZE_MAX, best_count = SIZE_MAX;
        for (size_t k = 0; k < fig->npanels; k++)
            if (fig->panels[k].legend == 2) {
                struct axis ax, ay;
                PLINT pos;
                panel_axis(&fig->panels[k], 0, &ax);
                panel_axis(&fig->panels[k], 1, &ay);
                double fw, fh;
                legend_fraction(&fig->panels[k], &lo, fig->nrow, fig->ncol, &fw, &fh);
                size_t c = legend_corner(&fig->panels[k], &ax, &ay, fw, fh, &pos);
                if (c < best_count) {
                    best_count = c;
                    best_panel = k;
                }
            }
        /* a long legend, or one that would hide data wherever it goes inside, goes
         * outside, right of the last candidate panel of the first row, with the
         * panels narrowed to make room */
        int outside = 0;
        if (best_panel != SIZE_MAX &&
            (legend_entries(&fig->panels[best_panel]) > LEGEND_INSIDE_MAX || best_count > 0)) {
            outside = 1;
            for (size_t k = 0; k < fig->npanels && k < (size_t)fig->ncol; k++)
                if (fig->panels[k].legend == 2)
                    best_panel = k;
            lo.right_reserve = fmin(legend_width_px(&fig->panels[best_panel]),
                                    legend_margin_px) * plot_ps;
        }
        PLINT color = COL_FIRST_SERIES;
        for (size_t k = 0; k < fig->npanels && st == SP_OK; k++) {
            int here = fig->panels[k].legend == 1 || k == best_panel;
            st = draw_panel(&fig->panels[k], &lo, fig->nrow, fig->ncol, (int)k, color, here,
                            outside && k == best_panel);
            color += (PLINT)fig->panels[k].nseries;
        }
    }
    plend();
    plsabort(NULL);
    if (st == SP_OK && plot_aborted)
        st = SP_EINVAL;
unlock:
    pthread_mutex_unlock(&plot_lock);
    if (st == SP_OK && out.tmp) {
        struct stat sb;
        if (stat(tmp, &sb) != 0 || sb.st_size == 0)
            st = sp_fail(SP_EIO, "rendering '%s' wrote nothing", path);
    }
    if (st != SP_OK) {
        sp_outfile_abort(&out);
        return st;
    }
    if ((st = sp_outfile_commit(&out)) != SP_OK)
        return sp_fail(st, "writing '%s' failed: %s", path,
                       out.errnum ? strerror(out.errnum) : sp_status_str(st));
    return SP_OK;
}
#else /* !SP_HAVE_PLOT */
enum sp_status sp_plot_render(const struct sp_plot_figure *fig, enum sp_plot_format fmt,
                              int width, int height, const char *path)
{
    (void)fig, (void)fmt, (void)width, (void)height, (void)path;
    return sp_fail(SP_EUNSUPPORTED,
                   "this build has no PLplot: figures need a build configured with -DSP_WITH_PLOT=ON");
}
#endif /* SP_HAVE_PLOT */
