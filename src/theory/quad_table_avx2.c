/* The tanh table's tensor-Chebyshev kernel (quad_table.h) compiled for AVX2+FMA;
 * quad_table.c calls it only when the CPU has both (checked once, at table build). */
#include "theory/quad_table.h"

void sp_qtab_cheb2_avx2(const double *c, int nf, const double *Tx, const double *Ty, double *out)
{
    qtab_cheb2(c, nf, Tx, Ty, out);
}
