/* sigprop: the command table and dispatch. `sigprop help CMD` equals
 * `sigprop CMD --help`. Installs the process's signal handlers (the library
 * installs none): SIGINT, SIGTERM, SIGHUP and SIGQUIT remove every temporary
 * path in progress (sp_tmp_remove_all) and then kill the process with the same
 * signal, so that its exit status still says "killed by signal". */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"theory", cmd_theory, "mean-field recursions: q, p and APJN per block, phases, asymptotics"},
    {"measure", cmd_measure, "finite-width networks: q, p, APJN and gradient amplification"},
    {"compare", cmd_compare, "measurement against theory on the same configuration"},
    {"fit", cmd_fit, "classify a curve: power law, stretched exponential or exponential"},
    {"alpha", cmd_alpha, "the alpha that meets an amplification target (the transfer rule)"},
    {"sweep", cmd_sweep, "a grid of configurations, resumable, optionally over MPI"},
    {"plot", cmd_plot, "figures (PNG, SVG, PDF) from sigprop's CSV output"},
    {"report", cmd_report, "run a scenario end to end into a self-contained HTML report"},
    {"inspect", cmd_inspect, "a trained llama2.c checkpoint: its architecture and weight sigmas"},
    {"train", cmd_train, "train a small ViT on Fashion-MNIST (AdamW, every gradient tested)"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: sigprop <command> [options]\n\n"
            "Signal propagation at initialisation in deep transformers: mean-field theory,\n"
            "finite-width measurement, fits and figures.\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "  %-9s %s\n  %-9s %s\n", "help", "help CMD: the options of a command",
            "version", "version and what this build has compiled in");
    fprintf(f, "\nExample: sigprop theory --preset blog2 --norm derf --alpha 0.5 --summary\n");
}

static const struct command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void on_fatal_signal(int sig)
{
    sp_tmp_remove_all(); /* async-signal-safe */
    /* SA_RESETHAND restored the default action and SA_NODEFER left the signal
     * unblocked: this raise ends the process at once */
    raise(sig);
}

static void install_signal_handlers(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        /* a signal ignored by whoever started us (nohup, a shell's background
         * job) stays ignored */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

int main(int argc, char **argv)
{
    install_signal_handlers();
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(name, "version") || !strcmp(name, "--version")) {
        printf("sigprop %s (git %s)\nbuilt with: %s\n", sp_version(), sp_git_hash(),
               sp_build_features());
        enum sp_status isa_ok = sp_cpu_isa_check();
        printf("simd: %s (this CPU: %s%s%s)\n", sp_isa_name(sp_cpu_isa()),
               sp_isa_name(sp_cpu_best_isa()), isa_ok == SP_OK ? "" : "; ",
               isa_ok == SP_OK ? "" : sp_last_error());
        return CLI_OK;
    }
    if (!strcmp(name, "help")) {
        if (argc < 3) {
            usage(stdout);
            return CLI_OK;
        }
        if (!strcmp(argv[2], "help")) {
            usage(stdout);
            return CLI_OK;
        }
        const struct command *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "sigprop: error: unknown command '%s'\nTry 'sigprop --help'.\n",
                    argv[2]);
            return CLI_USAGE;
        }
        char *hargv[] = {argv[2], "--help", NULL};
        return c->run(2, hargv);
    }
    const struct command *c = find(name);
    if (!c) {
        fprintf(stderr, "sigprop: error: unknown command '%s'\nTry 'sigprop --help'.\n", name);
        return CLI_USAGE;
    }
    /* whole commands a build without OpenBLAS or PLplot cannot run (--help still works) */
    int want_help = argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"));
    const char *lacks = NULL;
    if (!strstr(sp_build_features(), "openblas") &&
        (!strcmp(name, "measure") || !strcmp(name, "compare")))
        lacks = "OpenBLAS (finite-width measurement; configure with -DSP_WITH_BLAS=ON)";
    if (!strstr(sp_build_features(), "plplot") && !strcmp(name, "plot"))
        lacks = "PLplot (figures; configure with -DSP_WITH_PLOT=ON)";
    if (lacks && !want_help) {
        fprintf(stderr, "sigprop: error: this build has no %s\n", lacks);
        return CLI_FAIL;
    }
    if (sp_cpu_isa_check() != SP_OK) { /* SP_SIMD names an ISA this CPU cannot run */
        fprintf(stderr, "sigprop: error: %s\n", sp_last_error());
        return CLI_FAIL;
    }
    return c->run(argc - 1, argv + 1);
}
