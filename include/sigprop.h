/* sigprop: signal propagation at initialisation in deep transformers.
 *
 * How gradients and signals propagate through a deep transformer at
 * initialisation, predicted by mean-field theory (sigprop/theory.h) and measured
 * on finite networks (sigprop/net.h), compared and fitted (sigprop/analysis.h),
 * and drawn (sigprop/plot.h). Every function returns enum sp_status; the
 * library never exits and never prints. Arrays are row-major, counts size_t.
 *
 * Worked example: the blog part-2 transformer with Derf alpha = 0.5.
 *
 *     #include <sigprop.h>
 *     #include <stdio.h>
 *     #include <stdlib.h>
 *
 *     int main(void) {
 *         struct sp_arch a;
 *         struct sp_theory_opts o;
 *         int version_a;
 *         sp_arch_default(&a);
 *         sp_preset_apply("blog2", &a, &version_a);   // L = 128, n = 197, d = 1024
 *         a.norm_attn = a.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
 *         char err[256];
 *         if (sp_arch_resolve(&a, err, sizeof err) != SP_OK) { puts(err); return 1; }
 *         sp_theory_opts_version_a(&o);
 *         size_t n = sp_theory_nrows(&a, &o);
 *         struct sp_theory_row *rows = malloc(n * sizeof *rows);
 *         enum sp_status s = sp_theory_run(&a, &o, rows, n);
 *         if (s != SP_OK) { puts(sp_status_str(s)); return 1; }
 *         printf("J^{128,0} = %.5g\n", exp(rows[n - 1].log_jfwd));  // 56.721
 *         free(rows);
 *         return 0;
 *     }
 */
#ifndef SIGPROP_H
#define SIGPROP_H

#include "sigprop/core.h"
#include "sigprop/cpu.h"
#include "sigprop/theory.h"
#include "sigprop/io.h"
#include "sigprop/config.h"
#include "sigprop/archspec.h"
#include "sigprop/net.h"
#include "sigprop/llama2c.h"
#include "sigprop/analysis.h"
#include "sigprop/plot.h"
#include "sigprop/reference.h"
#include "sigprop/records.h"
#include "sigprop/report.h"
#include "sigprop/train.h"
#include "sigprop/vit_export.h"
#include "sigprop/measurespec.h"
#include "sigprop/trainspec.h"
/* settings by name: the key tables of archspec, measurespec, trainspec */
#include "sigprop/keys.h"
/* the tables of theory, compare and alpha */
#include "sigprop/tables.h"

#endif
