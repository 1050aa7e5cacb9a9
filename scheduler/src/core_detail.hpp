// What core.cpp and recovery.cpp, the two halves of SatelliteCore, share.
#pragma once

#include <cstdint>
#include <limits>

#include "leomesh/scheduler/core.hpp"

namespace leomesh::scheduler::core_detail {
constexpr double kInf = std::numeric_limits<double>::infinity();

// A reliable message is named by (sender, number) at both ends. Loot in a reply takes the
// thief's steal number; pushes, weight returns and terminate set a bit of their own above
// it. Each count stays far below 2^37 in any run. Pushes and returns are numbered per
// receiver (returns have only one, the tree parent), so that each receiver sees 1, 2, 3, ...
// from each sender and can tell a copy from a new message by a window (admit()).
constexpr std::uint64_t kPushBit = 1ULL << 39;
constexpr std::uint64_t kReturnBit = 1ULL << 38;
constexpr std::uint64_t kTerminateId = 1ULL << 37;
constexpr std::uint64_t kNumberMask = kTerminateId - 1;

// The receive window is one 64-bit word.
static_assert(CoreBounds::window <= 64);

inline std::uint64_t loot_key(int peer, std::uint64_t number) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(peer)) << 40) | number;
}
}  // namespace leomesh::scheduler::core_detail
