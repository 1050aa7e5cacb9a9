// How faithfully the container emulator's ns-3 network reproduces the ISLs.
//
//  1. Per hop: before the agents start, every ISL that is up carries 7 UDP round trips
//     (one in flight per link) between the two satellites' namespaces; the median half round
//     trip against the latency the geometry gives that link (goal: within 10% or 200 us, as
//     live mode's links). Printed: links within tolerance, the mean ratio measured /
//     configured where the latency is not zero, and the worst error.
//  2. The real-time scheduler: how late its events ran against the wall clock while the
//     agents ran (p50, p99, max), sampled every 5 ms.
//  3. The run itself: UTS T1, neighbor, against the same run in live mode, where each agent
//     delays its own frames instead: makespan container / live.
//
//   bench_container          torus:3x3 (no delay, 2 ms, 10 ms) and a moving 6x6 Walker shell
//   bench_container --quick  torus:3x3 at 2 ms only
// Needs root (network namespaces, tap devices).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "leomesh/emulator/container.hpp"
#include "leomesh/emulator/live.hpp"

using namespace leomesh;

namespace {

emulator::RunSummary run(bool container, const std::string& topology, const std::string& links,
                         const workloads::Workload& w) {
  emulator::LiveOptions o;
  o.topology = topology;
  o.links = links;
  o.workload = "uts:T1";
  o.workers = 1;
  auto s = container ? emulator::run_container(o, w) : emulator::run_live(o, w);
  if (!s || !s->finished || !w.verify(s->result)) {
    std::fprintf(stderr, "bench_container: %s %s: %s\n", container ? "container" : "live", topology.c_str(),
                 !s ? s.error().message().c_str() : s->finished ? "wrong result" : s->failure.c_str());
    std::exit(1);
  }
  return *s;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  if (geteuid() != 0) {
    std::printf("bench_container: skipped, container mode needs root\n");
    return 0;
  }
  const workloads::Workload w = *workloads::parse_workload("uts:T1");
  struct Case {
    const char* topology;
    const char* links;
  };
  std::vector<Case> cases = {{"torus:3x3", "uniform:2ms"}};
  if (!quick) {
    cases.insert(cases.begin(), {"torus:3x3", "none"});
    cases.push_back({"torus:3x3", "uniform:10ms"});
    cases.push_back({"walker-delta:6x6,alt=1200,inc=53,range=8000", ""});
  }
  std::printf("%-44s %-13s %9s %9s %10s %8s %8s %8s %9s %9s %8s\n", "topology", "links", "within", "measured",
              "worst", "lag p50", "lag p99", "lag max", "container", "live", "ratio");
  std::printf("%-44s %-13s %9s %9s %10s %8s %8s %8s %9s %9s %8s\n", "", "", "tolerance", "/ config", "error",
              "ms", "ms", "ms", "makespan", "makespan", "");
  for (const Case& c : cases) {
    const emulator::RunSummary s = run(true, c.topology, c.links, w);
    const emulator::RunSummary live = run(false, c.topology, c.links, w);
    const auto& hop = s.extra["container"]["per_hop"];
    const auto& isl = s.extra["container"]["isl_network"];
    double ratio_sum = 0;
    int ratios = 0;
    for (const auto& l : hop["links"])
      if (l.contains("measured_s") && l["configured_s"].get<double>() > 0) {
        ratio_sum += l["measured_s"].get<double>() / l["configured_s"].get<double>();
        ++ratios;
      }
    const std::string within = std::to_string(hop["links_within_tolerance"].get<int>()) + "/" +
                               std::to_string(hop["links_probed"].get<int>());
    char ratio[16] = "-";
    if (ratios) std::snprintf(ratio, sizeof ratio, "%.3f", ratio_sum / ratios);
    std::printf("%-44s %-13s %9s %9s %7.0f us %8.3f %8.3f %8.3f %8.3fs %8.3fs %8.3f\n", c.topology, s.links.c_str(),
                within.c_str(), ratio, hop["worst_error_s"].get<double>() * 1e6, isl["lag_p50_s"].get<double>() * 1e3,
                isl["lag_p99_s"].get<double>() * 1e3, isl["lag_max_s"].get<double>() * 1e3, s.makespan_s,
                live.makespan_s, s.makespan_s / live.makespan_s);
  }
  return 0;
}
