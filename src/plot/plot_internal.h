/* Shared by the plot sources: colour maps. */
#ifndef SP_PLOT_INTERNAL_H
#define SP_PLOT_INTERNAL_H

#include <stddef.h>

#include "sigprop/io.h"

/* Viridis at t in [0, 1]. */
void sp_plot_viridis(double t, unsigned char rgb[3]);
/* The i-th Okabe-Ito colour (black, blue, vermillion, green, purple, sky blue, orange). */
void sp_plot_categorical(size_t i, unsigned char rgb[3]);

/* A malloc'ed copy with PLplot's escape character '#' doubled (for user text). */
char *sp_plot_escape(const char *s);

/* The legend labels of the configurations the line figures (profile, jbwd,
 * gradamp, stretched) would draw from these tables, in order of appearance, up to
 * cap of them (labels[i]: 128 bytes); *n the count. For tests. */
enum sp_status sp_plot_group_labels(const struct sp_table *const *tables, size_t ntables,
                                    char (*labels)[128], size_t cap, size_t *n);

#endif
