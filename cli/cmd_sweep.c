/* sigprop sweep: placeholder until its issue lands. */
#include "cli.h"

int cmd_sweep(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'sweep' is not implemented in this build yet");
}
