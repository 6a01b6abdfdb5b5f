/* Shared by the plot sources: colour maps. */
#ifndef SP_PLOT_INTERNAL_H
#define SP_PLOT_INTERNAL_H

#include <stddef.h>

/* Viridis at t in [0, 1]. */
void sp_plot_viridis(double t, unsigned char rgb[3]);
/* The i-th Okabe-Ito colour (black, blue, vermillion, green, purple, sky blue, orange). */
void sp_plot_categorical(size_t i, unsigned char rgb[3]);

/* A malloc'ed copy with PLplot's escape character '#' doubled (for user text). */
char *sp_plot_escape(const char *s);

#endif
