/* Library-internal: the serialised text of a cJSON object the library builds
 * for a caller's meta (sigprop/measurespec.h, sigprop/tables.h). */
#ifndef SP_JSON_TEXT_H
#define SP_JSON_TEXT_H

#include <cJSON.h>

#include "sigprop/core.h"

/* The text of j (deleted here); NULL with SP_ENOMEM. */
static inline char *sp_json_text(cJSON *j)
{
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!s)
        sp_fail(SP_ENOMEM, "out of memory");
    return s;
}

#endif
