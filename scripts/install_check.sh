#!/usr/bin/env bash
# Installs lfe into a temporary prefix and checks what a host sees there:
# a C program built with pkg-config flags only links and runs, and Python's ctypes loads the
# installed library and reads lfe_abi_version().
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" install PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cat > "$tmp/hello.c" <<'C'
#include <lfe.h>
#include <stdio.h>
#include <string.h>
int main(void) {
    const char *v = lfe_version();
    printf("lfe %s, ABI %u\n", v, lfe_abi_version());
    return (lfe_abi_version() == LFE_ABI_VERSION && strlen(v) > 0) ? 0 : 1;
}
C
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags lfe) -o "$tmp/hello" "$tmp/hello.c" $(pkg-config --libs lfe)
"$tmp/hello"
ver=$(pkg-config --modversion lfe)
abi=$(sed -n 's/^#define LFE_ABI_VERSION \([0-9]*\)/\1/p' "$tmp/prefix/include/lfe.h")
python3 - "$tmp/prefix/lib/liblfe.so.$abi" "$abi" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.lfe_abi_version.restype = ctypes.c_uint32
assert lib.lfe_abi_version() == int(sys.argv[2]), "ABI mismatch"
print("python ctypes: loaded", sys.argv[1], "ABI", lib.lfe_abi_version())
PY
echo "install-check: pkg-config ($ver) C build and Python ctypes load passed"
