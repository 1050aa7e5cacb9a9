#!/usr/bin/env bash
# leomesh installs like any C library: `cmake --install` into a fresh prefix, then the
# flight-loop example is built against the installed package alone, once with CMake
# (find_package(leomesh)) and once with pkg-config and the C compiler, and both builds run
# to the exact answer. The source tree's headers are out of reach of both builds.
#   install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d /tmp/leomesh-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "install test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log" || fail "cmake --install failed: $(tail -3 "$work/install.log")"
for f in include/leomesh/leomesh.h include/leomesh/scheduler/core.hpp include/leomesh/mesh/topology.hpp; do
  [[ -f $work/prefix/$f ]] || fail "$f not installed"
done
pc=$(find "$work/prefix" -name leomesh.pc) || true
[[ -n $pc ]] || fail "leomesh.pc not installed"
ls "$work"/prefix/lib*/libleomesh.so* > /dev/null 2>&1 || find "$work/prefix" -name 'libleomesh.so*' | grep -q . || fail "libleomesh.so not installed"

# The example's sources, copied away from the tree, so nothing but the prefix can be found.
mkdir -p "$work/example"
cp "$src"/examples/flight-loop/*.c "$src"/examples/flight-loop/*.h "$src"/examples/flight-loop/CMakeLists.txt "$work/example/"

# 1. CMake: find_package(leomesh) and the leomesh::c target.
cmake -S "$work/example" -B "$work/with-cmake" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" \
  > "$work/cmake.log" 2>&1 || fail "configuring against the installed package failed: $(tail -5 "$work/cmake.log")"
cmake --build "$work/with-cmake" -j2 > "$work/build.log" 2>&1 || fail "building against the installed package failed: $(tail -5 "$work/build.log")"
out=$("$work/with-cmake/flight_loop" --satellites 2 --workload tiles:300) || fail "flight_loop (CMake build) failed: $out"
grep -q ": exact" <<< "$out" || fail "flight_loop (CMake build) not exact: $out"
echo "CMake package: $(grep '^result' <<< "$out")"

# 2. pkg-config and the compiler alone.
export PKG_CONFIG_PATH=$(dirname "$pc")
flags=$(pkg-config --cflags --libs leomesh) || fail "pkg-config does not know leomesh"
libdir=$(pkg-config --variable=libdir leomesh)
cc -std=c99 -O2 -o "$work/flight_threads" "$work"/example/flight_threads.c "$work"/example/mission.c \
  "$work"/example/software_bus.c $flags -Wl,-rpath,"$libdir" || fail "cc with pkg-config flags ($flags) failed"
out=$("$work/flight_threads" --satellites 2 --workload tiles:300) || fail "flight_threads (pkg-config build) failed: $out"
grep -q ": exact" <<< "$out" || fail "flight_threads (pkg-config build) not exact: $out"
echo "pkg-config: $(grep '^result' <<< "$out")"
