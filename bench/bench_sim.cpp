// The ns-3 emulator at constellation scale, and its agreement with the analytical model.
//  1. Starlink shell 1 (1,584 satellites) and Kuiper K1 (1,156), 4 workers each, UTS T1,
//     neighbor and global: wall time (goal < 10 min each), peak memory (goal < 4 GiB),
//     simulated events per second.
//  2. Measured mean per-attempt steal latency vs `leomesh model`, uniform links (no
//     queueing): tori of growing size; then geometric links, where they may disagree.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "leomesh/emulator/sim.hpp"
#include "leomesh/mesh/model.hpp"
#include "leomesh/mesh/spec.hpp"

using namespace leomesh;

namespace {
double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

struct Measured {
  emulator::RunSummary s;
  workloads::Workload w;
  double mean_latency = 0;
  double mean_hops = 0;
};

Measured run(const std::string& topology, const std::string& policy, const std::string& links,
             const std::string& spec, int workers, double task_cost) {
  Measured m;
  m.w = *workloads::parse_workload(spec);
  emulator::SimOptions o;
  o.topology = topology;
  o.policy = policy;
  o.links = links;
  o.workers = workers;
  o.task_cost_s = task_cost;
  m.s = *emulator::run_sim(o, m.w);
  m.s.workload = &m.w;
  double latency = 0, hops = 0, answered = 0;
  for (const auto& sat : m.s.per_satellite) {
    latency += sat.latency_sum_s;
    hops += static_cast<double>(sat.hops_sum);
    answered += static_cast<double>(sat.successes + sat.empty);
  }
  m.mean_latency = latency / answered;
  m.mean_hops = hops / answered;
  return m;
}

mesh::ModelReport model(const std::string& topology, const std::string& links) {
  mesh::Topology topo = *mesh::build_topology(topology, links);
  mesh::ModelOptions o;
  o.window_s = topo.moves() ? 10.0 : 0.0;  // the emulated runs last seconds, not an orbit
  o.samples = 4;
  return *mesh::evaluate_model(topo, o);
}
}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  std::printf("== constellation scale: UTS T1, 4 workers per satellite, default task cost ==\n");
  std::printf("%-12s %-9s %9s %8s %10s %10s %12s %9s\n", "topology", "policy", "wall s", "sim s", "events",
              "packets", "events/s", "verified");
  for (const char* topology : {"starlink-s1", "kuiper-k1"}) {
    for (const char* policy : {"neighbor", "global"}) {
      if (quick && std::string(topology) == "kuiper-k1") continue;
      const Measured m = run(topology, policy, "", "uts:T1", 4, -1);
      const auto& ns3 = m.s.extra["ns3"];
      std::printf("%-12s %-9s %9.2f %8.3f %10llu %10llu %12.0f %9s\n", topology, policy, ns3["wall_s"].get<double>(),
                  m.s.makespan_s, ns3["events"].get<unsigned long long>(), ns3["packets"].get<unsigned long long>(),
                  ns3["events_per_wall_s"].get<double>(), m.s.verified() ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  std::printf("peak resident memory: %.0f MB (goal < 4096 MB)\n\n", peak_rss_mb());

  std::printf("== per-attempt steal latency: measured (ns-3) vs model ==\n");
  std::printf("%-14s %-13s %-9s %10s %10s %8s %9s %9s\n", "topology", "links", "policy", "measured", "model",
              "ratio", "hops", "model h");
  struct Case {
    const char* topology;
    const char* links;
    const char* workload;
    double cost;
  };
  const Case cases[] = {{"torus:8x8", "uniform:5ms", "bag:balanced,tasks=20000,cost=1000", 1e-6},
                        {"torus:16x16", "uniform:5ms", "bag:balanced,tasks=50000,cost=1000", 1e-6},
                        {"torus:32x32", "uniform:5ms", "bag:balanced,tasks=100000,cost=1000", 1e-6},
                        {"starlink-s1", "", "bag:balanced,tasks=100000,cost=1000", 1e-6}};
  for (const Case& c : cases) {
    if (quick && std::string(c.topology) != "torus:8x8") continue;
    const mesh::ModelReport predicted = model(c.topology, c.links);
    for (const char* policy : {"neighbor", "global"}) {
      const Measured m = run(c.topology, policy, c.links, c.workload, 1, c.cost);
      const bool nb = std::string(policy) == "neighbor";
      const double want = nb ? predicted.neighbor.attempt_latency_s : predicted.global.attempt_latency_s;
      std::printf("%-14s %-13s %-9s %8.3fms %8.3fms %8.3f %9.3f %9.3f%s\n", c.topology,
                  c.links[0] ? c.links : "geometric", policy, m.mean_latency * 1e3, want * 1e3,
                  m.mean_latency / want, m.mean_hops, nb ? predicted.neighbor.mean_hops : predicted.global.mean_hops,
                  m.s.verified() ? "" : "  WRONG RESULT");
      std::fflush(stdout);
    }
  }
  return 0;
}
