/* check.h: the tiny test harness every tests/test_*.c uses. CHECK and
 * CHECK_CLOSE count failures and print where they happened; check_done()
 * prints "N passed, N failed" and returns the exit status. */
#ifndef SP_CHECK_H
#define SP_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_pass_, check_fail_;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (cond) {                                                                    \
            check_pass_++;                                                             \
        } else {                                                                       \
            check_fail_++;                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                              \
    } while (0)

/* |a - b| <= atol + rtol |b|, b being the reference. */
#define CHECK_CLOSE(a, b, atol, rtol)                                                  \
    do {                                                                               \
        double a_ = (a), b_ = (b);                                                     \
        if (fabs(a_ - b_) <= (atol) + (rtol)*fabs(b_)) {                               \
            check_pass_++;                                                             \
        } else {                                                                       \
            check_fail_++;                                                             \
            fprintf(stderr, "%s:%d: CHECK_CLOSE failed: %s = %.17g, %s = %.17g "       \
                    "(diff %.3g, rel %.3g)\n", __FILE__, __LINE__, #a, a_, #b, b_,     \
                    a_ - b_, b_ != 0 ? (a_ - b_) / b_ : 0.0);                          \
        }                                                                              \
    } while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", check_pass_, check_fail_);
    return check_fail_ ? 1 : 0;
}

#endif
