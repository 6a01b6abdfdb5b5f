/* SP_ASSERT: cheap checks of internal invariants that stay on in every build
 * type (Release included; NDEBUG does not remove them). For O(1) conditions only.
 *
 * The library never prints or exits, so a broken invariant is reported like any
 * other failure: SP_ASSERT(cond) returns SP_ENUMERIC from the enclosing function
 * (which must return enum sp_status) with the reason "internal error: COND
 * (FILE:LINE)" in sp_last_error(). A failed SP_ASSERT is a bug in sigprop. */
#ifndef SP_ASSERT_H
#define SP_ASSERT_H

#include "sigprop/core.h"

#define SP_ASSERT(cond)                                                                \
    do {                                                                               \
        if (__builtin_expect(!(cond), 0))                                              \
            return sp_fail(SP_ENUMERIC, "internal error: %s (%s:%d)", #cond, __FILE__,  \
                           __LINE__);                                                  \
    } while (0)

#endif
