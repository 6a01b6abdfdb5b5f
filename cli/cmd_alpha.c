/* sigprop alpha: placeholder until its issue lands. */
#include "cli.h"

int cmd_alpha(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'alpha' is not implemented in this build yet");
}
