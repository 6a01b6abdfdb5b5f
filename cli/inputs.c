/* Real inputs for measure and compare (--inputs fashion-mnist[:N], --cls, --data):
 * the library's (sp_measure_inputs_prepare, sp_measure_image_tokens in
 * sigprop/measurespec.h) with its reasons printed. */
#include "cli.h"

int cli_inputs_prepare(const char *cmd, struct cli_measure *m, struct cli_arch *ca,
                       int weights_cls)
{
    return sp_measure_inputs_prepare(m, &ca->tokens, weights_cls) == SP_OK
               ? 0
               : cli_usage(cmd, "%s", sp_last_error());
}

int cli_inputs_tokens(const char *cmd, const struct cli_measure *m, const struct sp_arch *a,
                      const struct sp_vit_net *v, float **tok)
{
    return cli_inputs_status(cmd, sp_measure_image_tokens(m, a, v, tok));
}

int cli_inputs_status(const char *cmd, enum sp_status s)
{
    if (s == SP_OK)
        return 0;
    return s == SP_EINVAL || s == SP_EFORMAT ? cli_usage(cmd, "%s", sp_last_error())
                                             : cli_fail("%s", sp_last_error());
}
