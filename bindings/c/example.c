/* The smallest lfe host: print the library's version and check the ABI it was built against. */
#include "lfe.h"
#include <stdio.h>

int main(void) {
    if (lfe_abi_version() != LFE_ABI_VERSION) {
        fprintf(stderr, "liblfe ABI %u, header ABI %d: rebuild the host\n", lfe_abi_version(),
                LFE_ABI_VERSION);
        return 1;
    }
    printf("lfe %s (ABI %u)\n", lfe_version(), lfe_abi_version());
    return 0;
}
