/* sigprop report: placeholder until its issue lands. */
#include "cli.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail("'report' is not implemented in this build yet");
}
