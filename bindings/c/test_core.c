/* C tests of the ABI foundation: versions, status codes, the panic guard, batch freeing. */
#include "lfe.h"
#include "test_util.h"
#include <string.h>

int main(void) {
    /* Versions: header and library agree. */
    CHECK_EQ(lfe_abi_version(), LFE_ABI_VERSION);
    char expect[64];
    snprintf(expect, sizeof expect, "%d.%d.%d", LFE_VERSION_MAJOR, LFE_VERSION_MINOR,
             LFE_VERSION_PATCH);
    CHECK(strcmp(lfe_version(), expect) == 0);

    /* Status text: every code has its own text, unknown codes a fixed one, never NULL. */
    const int32_t codes[] = {LFE_OK,          LFE_E_NULL,        LFE_E_INVALID,
                             LFE_E_FULL,      LFE_E_EMPTY,       LFE_E_TIMEOUT,
                             LFE_E_NOT_FOUND, LFE_E_BUFFER_TOO_SMALL, LFE_E_CONFLICT,
                             LFE_E_CLOSED,    LFE_E_BAD_PATTERN, LFE_E_TOO_LARGE,
                             LFE_E_PANIC,     LFE_E_EXISTS,      LFE_E_UNSUPPORTED,
                             LFE_E_NOMEM};
    size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *s = lfe_status_str(codes[i]);
        CHECK(s != NULL && strcmp(s, "unknown status code") != 0);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(s, lfe_status_str(codes[j])) != 0);
    }
    CHECK(strcmp(lfe_status_str(12345), "unknown status code") == 0);
    CHECK(strcmp(lfe_status_str(-99), "unknown status code") == 0);

    /* A panic inside lfe comes back as a code; the process goes on. Twice, to show the library
     * is still usable after a caught panic. */
    CHECK_EQ(lfe_selftest_panic(), LFE_E_PANIC);
    CHECK_EQ(lfe_selftest_panic(), LFE_E_PANIC);

    /* NULL is a no-op for every free function. */
    lfe_batch_free(NULL);

    return t_finish("c core");
}
