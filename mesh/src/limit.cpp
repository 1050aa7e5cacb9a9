#include "leomesh/mesh/limit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <string>

#include "leomesh/mesh/routing.hpp"

namespace leomesh::mesh {

double earliest_finish_s(std::vector<double> start_s, double work_s, int workers) {
  assert(!start_s.empty() && workers >= 1 && work_s >= 0);
  std::sort(start_s.begin(), start_s.end());
  // With the first m places working (T between start m-1 and start m, counting from 0), the
  // left side is workers * (m T - sum of their starts): solve it for T, and keep it if T is
  // still before the next place would join. The left side grows with T, so the first segment
  // that holds a solution holds the smallest one.
  const double per_worker = work_s / workers;
  double started_sum = 0;
  for (std::size_t m = 1; m <= start_s.size(); ++m) {
    started_sum += start_s[m - 1];
    const double t = (per_worker + started_sum) / static_cast<double>(m);
    if (m == start_s.size() || t <= start_s[m]) return t;
  }
  return 0;  // unreachable: the last segment always returns
}

Result<WavefrontLimit> wavefront_limit(const Topology& topo, int root, double total_work_s,
                                       int workers_per_satellite) {
  if (root < 0 || root >= topo.satellites())
    return fail("root", "no satellite " + std::to_string(root) + " in " + topo.spec().name);
  if (!std::isfinite(total_work_s) || total_work_s <= 0)
    return fail("total work", "must be a finite number of seconds > 0, got " + std::to_string(total_work_s));
  if (workers_per_satellite < 1)
    return fail("workers per satellite", "must be >= 1, got " + std::to_string(workers_per_satellite));

  // Lowest latency, not RoutingTable's fewest hops: the limit is what light allows.
  std::vector<double> push_start, pull_start;
  WavefrontLimit lim;
  for (double d : lowest_latencies_from(topo, root)) {
    if (!std::isfinite(d)) continue;  // cut off: takes no work
    push_start.push_back(d);
    pull_start.push_back(2.0 * d);
    lim.ecc_s = std::max(lim.ecc_s, d);
  }
  lim.total_work_s = total_work_s;
  lim.workers_per_satellite = workers_per_satellite;
  lim.satellites = topo.satellites();
  lim.reachable = static_cast<int>(push_start.size());
  lim.root = root;
  lim.push_s = earliest_finish_s(std::move(push_start), total_work_s, workers_per_satellite);
  lim.pull_s = earliest_finish_s(std::move(pull_start), total_work_s, workers_per_satellite);
  lim.push_with_termination_s = lim.push_s + lim.ecc_s;
  lim.pull_with_termination_s = lim.pull_s + lim.ecc_s;
  lim.efficiency = total_work_s / (static_cast<double>(lim.satellites) * workers_per_satellite *
                                   lim.pull_with_termination_s);
  return lim;
}

}  // namespace leomesh::mesh
