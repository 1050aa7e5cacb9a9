#!/usr/bin/env bash
# The embedded profile on ARM: cross-compiles libleomesh, its C conformance test and the
# flight-loop examples for aarch64 Linux (cmake/aarch64-linux-gnu.cmake), runs them with
# ctest under qemu-user, and prints the library's code size. Exit 77 (skipped) with one line
# only when the cross tools are missing (scripts/install-deps.sh installs them).
#   aarch64.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$2
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "$tool" > /dev/null || { echo "aarch64: skipped: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done
for lib in /usr/lib/aarch64-linux-gnu/libcrypto.so /usr/lib/aarch64-linux-gnu/libprotobuf-nanopb.a /lib/ld-linux-aarch64.so.1; do
  [[ -e $lib ]] || { echo "aarch64: skipped: $lib missing (the :arm64 packages of scripts/install-deps.sh)"; exit 77; }
done
cmake -S "$src" -B "$build" -DLEOMESH_EMBEDDED=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$src/cmake/aarch64-linux-gnu.cmake" > "$build.configure.log" 2>&1 ||
  { tail -20 "$build.configure.log"; echo "aarch64: configuring the cross build failed"; exit 1; }
cmake --build "$build" -j2 > "$build.build.log" 2>&1 || { tail -30 "$build.build.log"; echo "aarch64: the cross build failed"; exit 1; }
file -b "$build/bin/test_embed_conformance" | grep -q aarch64 || { echo "aarch64: the test is not an aarch64 binary"; exit 1; }
echo "libleomesh for aarch64 (text, data, bss):"
size "$build"/node/libleomesh.so.*.*.* | tail -1
ctest --test-dir "$build" --output-on-failure --timeout 600
