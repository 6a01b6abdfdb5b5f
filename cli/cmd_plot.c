/* sigprop plot: placeholder until its issue lands. */
#include "cli.h"

int cmd_plot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'plot' is not implemented in this build yet");
}
