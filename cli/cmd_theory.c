/* placeholder */
#include "cli.h"
int cmd_theory(int argc, char **argv) { (void)argc; (void)argv; return 1; }
