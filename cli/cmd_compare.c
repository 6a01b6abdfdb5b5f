/* sigprop compare: placeholder until its issue lands. */
#include "cli.h"

int cmd_compare(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'compare' is not implemented in this build yet");
}
