#!/bin/sh
# Builds the C kernels in this folder into the two WebAssembly modules the WASM backend loads
# (engine/backend/native-kernels.ts): fusionlab-kernels.wasm for tfjs' single-thread builds and
# fusionlab-kernels-shared.wasm for its threaded build (shared memory). Both import tfjs' own
# memory ("env"."memory"), so they read and write tensors in place.
#
# The modules must own no memory: no data segments and no shadow stack (the C code keeps only
# scalars and SIMD values in locals and takes every buffer as a pointer). The stack size is 0 and
# the stack comes first, so any stack use would write below address 0 and trap instead of
# corrupting tfjs' heap; the check below refuses a build that has data or reads the stack pointer.
#
# Needs clang and lld (Debian: apt-get install -y clang lld); wabt's wasm-objdump for the check.
# The built .wasm files are committed; test/batch-norm-train.test.ts rebuilds and compares them
# when clang is present.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
common="--target=wasm32 -O3 -msimd128 -nostdlib -ffreestanding -fno-builtin -Wall -Wextra -Werror
  -Wl,--no-entry -Wl,--import-memory -Wl,-z,stack-size=0
  -Wl,--stack-first -Wl,--strip-debug"
# shellcheck disable=SC2086
clang $common -o "$out/fusionlab-kernels.wasm" "$here"/*.c
# A shared memory import must declare a maximum (tfjs' threaded build has 4 GiB); the plain one
# declares none, so it accepts tfjs' memory whatever its limit.
# shellcheck disable=SC2086
clang $common -matomics -mbulk-memory -Wl,--shared-memory -Wl,--max-memory=4294967296 -o "$out/fusionlab-kernels-shared.wasm" "$here"/*.c
if command -v wasm-objdump >/dev/null 2>&1; then
  for f in "$out/fusionlab-kernels.wasm" "$out/fusionlab-kernels-shared.wasm"; do
    if wasm-objdump -h "$f" | grep -q ' Data '; then echo "$f has a data segment" >&2; exit 1; fi
    if wasm-objdump -d "$f" | grep -q 'global.get 0'; then echo "$f uses the stack" >&2; exit 1; fi
  done
fi
