/* sigprop measure: placeholder until its issue lands. */
#include "cli.h"

int cmd_measure(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'measure' is not implemented in this build yet");
}
