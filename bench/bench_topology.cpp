// Cost of the ISL graph at constellation scale: building Starlink shell 1 with its full
// routing table, stepping every link's latency, and recomputing the routes.
// Goals (issue #2): build + routing < 0.5 s, one latency step < 1 ms on a 2-core machine.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "leomesh/mesh/routing.hpp"
#include "leomesh/mesh/spec.hpp"

using namespace leomesh::mesh;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main() {
  for (const char* name : {"starlink-s1", "kuiper-k1"}) {
    std::vector<double> build_s, route_s, step_s;
    for (int rep = 0; rep < 5; ++rep) {
      auto t0 = Clock::now();
      auto spec = parse_topology(name);
      Topology topo = *Topology::build(*spec, spec->default_links());
      RoutingTable rt(topo);
      build_s.push_back(seconds_since(t0));
      // One emulation step: move the shell by 1 s and recompute every link's state.
      for (int step = 1; step <= 100; ++step) {
        t0 = Clock::now();
        topo.update(rep * 100.0 + step);
        step_s.push_back(seconds_since(t0));
      }
      t0 = Clock::now();
      rt.recompute(topo);
      route_s.push_back(seconds_since(t0));
    }
    std::printf("%-12s build topology + routing table: %8.1f ms (goal < 500 ms)\n", name,
                median(build_s) * 1e3);
    std::printf("%-12s update all link latencies:      %8.3f ms (goal < 1 ms)\n", name,
                median(step_s) * 1e3);
    std::printf("%-12s recompute routing table:        %8.1f ms\n", name, median(route_s) * 1e3);
  }
  return 0;
}
