/* Tests of the key tables' one description (sigprop/keys.h): look-ups and the
 * help entry on the three tables, exact strings for the layout rules (padding to
 * the column, a long name part wrapped or after one space, "%v", aliases beside
 * their key, a buffer too small). */
#include <string.h>

#include "check.h"
#include "sigprop.h"

static void test_lookups(void)
{
    const struct sp_keyset *set[3] = {sp_archspec_keys(), sp_measurespec_keys(),
                                      sp_trainspec_keys()};
    const char *names[3] = {"architecture", "measurement", "training"};
    for (int t = 0; t < 3; t++) {
        const struct sp_keyset *ks = set[t];
        CHECK(!strcmp(ks->name, names[t]) && ks->count > 10);
        CHECK(sp_keyset_at(ks, ks->count) == NULL);
        CHECK(sp_keyset_find(ks, "no-such-key") == NULL && sp_keyset_find(ks, NULL) == NULL);
        for (size_t i = 0; i < ks->count; i++) {
            const struct sp_key *k = sp_keyset_at(ks, i);
            CHECK(sp_keyset_find(ks, k->name) == k && sp_keyset_index(ks, k) == i);
            char def[64], help[2048];
            int has = sp_keyset_default(ks, k, def, sizeof def);
            CHECK(has == (def[0] != 0));
            struct sp_help_layout l = {"", "--", 24, 0};
            size_t n = sp_keyset_help(ks, k, &l, help, sizeof help);
            CHECK(n == strlen(help) && n > strlen(k->name));
            CHECK(k->alias_of || help[n - 1] == '\n'); /* an alias has no help of its own */
            CHECK(!strstr(help, "%v"));                /* the default replaced it */
        }
    }
    CHECK(sp_keyset_index(sp_archspec_keys(), sp_keyset_find(sp_trainspec_keys(), "lr")) ==
          sp_archspec_keys()->count);
    /* set goes to the table's request */
    struct sp_trainspec ts;
    sp_trainspec_init(&ts);
    CHECK(sp_trainspec_keys()->set(&ts, "width", "96") == SP_OK && ts.c.width == 96);
    CHECK(sp_trainspec_keys()->set(&ts, "width", "x") == SP_EINVAL);
}

static void test_layout(void)
{
    char b[256];
    const struct sp_help_layout plain = {"  ", "--", 24, 0}, wrap = {"  ", "--", 24, 1};
    /* padded to column 24, "%v" replaced on every line, continuation lines indented */
    size_t n =
        sp_help_entry(&plain, "  --seeds K", "draws (default %v)\nmore %v%v", "4", b, sizeof b);
    CHECK(!strcmp(b, "  --seeds K             draws (default 4)\n"
                     "                        more 44\n"));
    CHECK(n == strlen(b));
    /* a name part reaching column 23: one space, or the next line */
    const char *longleft = "  --a-rather-long-name X";
    sp_help_entry(&plain, longleft, "text", "", b, sizeof b);
    CHECK(!strcmp(b, "  --a-rather-long-name X text\n"));
    sp_help_entry(&wrap, longleft, "text", "", b, sizeof b);
    CHECK(!strcmp(b, "  --a-rather-long-name X\n                        text\n"));
    /* cut short, NUL-terminated, the full length returned */
    char small[8];
    CHECK(sp_help_entry(&plain, "  --x", "y", "", small, sizeof small) == 26 && strlen(small) == 7);
    /* an architecture key with its alias beside it, and a default from sp_arch_default */
    const struct sp_keyset *ks = sp_archspec_keys();
    sp_keyset_help(ks, sp_keyset_find(ks, "mlp"), &wrap, b, sizeof b);
    const char *mlp = "  --mlp A, --activation A\n                        relu | gelu | swiglu";
    CHECK(!strncmp(b, mlp, strlen(mlp)));
    sp_keyset_help(ks, sp_keyset_find(ks, "depth"), &wrap, b, sizeof b);
    CHECK(!strcmp(b, "  --depth L             blocks (toy: layers) (default 128)\n"));
}

int main(void)
{
    test_lookups();
    test_layout();
    return check_done();
}
