#include "leomesh/scheduler/quantile.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace leomesh::scheduler {

double quantile(const std::vector<double>& sorted, double q) {
  assert(!sorted.empty());
  const double n = static_cast<double>(sorted.size());
  const double x = std::clamp(q, 0.0, 1.0) * n;
  // q is rarely exact in binary (0.7 is 0.6999...), so q * n may land a few ulps off an
  // integer rank: read it as that integer rather than ceil() it to the next one.
  const double nearest = std::round(x);
  const double rank = std::abs(x - nearest) <= 1e-9 * std::max(1.0, x) ? nearest : std::ceil(x);
  const auto index = static_cast<std::size_t>(std::max(rank, 1.0)) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace leomesh::scheduler
