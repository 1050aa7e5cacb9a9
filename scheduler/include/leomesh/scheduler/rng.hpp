// A small, fast, seedable random generator for victim choice (deterministic per seed).
#pragma once

#include <cstdint>

namespace leomesh::scheduler {

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, full period, good enough for
/// choosing victims, and cheap to seed per satellite so runs are reproducible.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0x9E3779B97F4A7C15ULL) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n); n > 0. (Lemire's multiply-shift; the bias is below 2^-32 for the
  /// sizes used here.)
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

}  // namespace leomesh::scheduler
