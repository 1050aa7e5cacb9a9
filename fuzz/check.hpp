// The fuzz targets' invariant check. A broken invariant must end the run the way a crash
// does, in Release builds too (assert() is compiled out there): libFuzzer then saves the
// input, and the corpus replay in ctest fails on it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LEOMESH_FUZZ_CHECK(condition, what)                                              \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, what, \
                   #condition);                                                           \
      std::abort();                                                                       \
    }                                                                                     \
  } while (false)
