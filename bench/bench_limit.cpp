// How close the runtime comes to what physics allows: makespan against the wavefront limit.
//
// Each case injects UTS T1 at satellite 0 of an emulated constellation (ns-3, 4 workers per
// satellite) and runs it under neighbor, global and escalate:2 stealing (neighbours, a global
// victim after two empty answers in a row; lifeline's pushes are part of every policy, so
// it runs exactly as neighbor and is not repeated). The figure printed is makespan / limit,
// where the limit (mesh/limit.hpp) is the pull wavefront bound including the root learning
// the end: the yardstick; runs that push their work out may beat it, by at most the
// push/pull gap printed beside it. Also printed: how long the root took to learn the end
// after the last task (against ecc, the one-way latency to the farthest satellite), and the
// simulator's events per wall second. The last line of each case names the best policy.
//
//   bench_limit            every case (the Starlink and Kuiper shells take minutes)
//   bench_limit --quick    the three tori only
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "leomesh/emulator/sim.hpp"
#include "leomesh/emulator/summary.hpp"

using namespace leomesh;

namespace {
struct Case {
  const char* topology;
  const char* links;  // "" = the shell's geometric links
  double task_cost_s;
  double goal_best;      // makespan / limit the best policy aims for
  double goal_neighbor;  // ... and neighbor-only stealing
};

struct Result {
  double makespan_s = 0, limit_s = 0, push_s = 0, wall_s = 0, termination_s = 0, ecc_s = 0, events_per_s = 0;
  bool verified = false;
};

Result run(const Case& c, const std::string& policy, const workloads::Workload& w) {
  emulator::SimOptions o;
  o.topology = c.topology;
  o.links = c.links;
  o.policy = policy;
  o.workers = 4;
  o.task_cost_s = c.task_cost_s;
  const auto t0 = std::chrono::steady_clock::now();
  auto s = emulator::run_sim(o, w);
  Result r;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!s) {
    std::fprintf(stderr, "bench_limit: %s\n", s.error().message().c_str());
    return r;
  }
  emulator::add_wavefront_limit(*s, o, w, c.task_cost_s);
  r.makespan_s = s->makespan_s;
  r.verified = s->verified();
  if (s->limit) {
    r.limit_s = s->limit->pull_with_termination_s;
    r.push_s = s->limit->push_with_termination_s;
    r.ecc_s = s->limit->ecc_s;
  }
  r.termination_s = s->extra.value("termination_s", 0.0);
  r.events_per_s = s->extra["ns3"].value("events_per_wall_s", 0.0);
  return r;
}
}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const std::vector<Case> cases = {
      {"torus:4x4", "uniform:5ms", 10e-6, 1.15, 1.3},
      {"torus:8x8", "uniform:5ms", 10e-6, 1.2, 1.4},
      {"torus:16x16", "uniform:5ms", 100e-6, 1.25, 1.5},
      {"starlink-s1", "", 1e-3, 1.3, 1.5},
      {"kuiper-k1", "", 1e-3, 1.3, 1.5},
  };
  const auto w = *workloads::parse_workload("uts:T1");
  std::printf("UTS T1 injected at satellite 0, 4 workers per satellite, ns-3 sim mode\n");
  std::printf("%-13s %-10s %9s %9s %9s %15s %8s %12s %9s %8s %s\n", "topology", "policy", "makespan", "limit",
              "push lim", "makespan/limit", "goal", "end after", "events/s", "wall s", "");
  for (const Case& c : cases) {
    if (quick && std::string(c.topology).rfind("torus", 0) != 0) continue;
    const char* best = nullptr;
    double best_ratio = 0;
    for (const char* policy : {"neighbor", "global", "escalate:2"}) {
      const Result r = run(c, policy, w);
      const double ratio = r.limit_s > 0 ? r.makespan_s / r.limit_s : 0;
      const double goal = std::string(policy) == "neighbor" ? c.goal_neighbor : 0;
      char goal_text[32] = "report";
      if (goal > 0) std::snprintf(goal_text, sizeof goal_text, "<= %.2f", goal);
      char end_text[32];
      std::snprintf(end_text, sizeof end_text, "%.0f ms %.2fe", r.termination_s * 1e3,
                    r.ecc_s > 0 ? r.termination_s / r.ecc_s : 0.0);
      std::printf("%-13s %-10s %8.4fs %8.4fs %8.4fs %15.3f %8s %12s %9.0f %8.1f %s\n", c.topology, policy,
                  r.makespan_s, r.limit_s, r.push_s, ratio, goal_text, end_text, r.events_per_s, r.wall_s,
                  !r.verified ? "NOT VERIFIED" : goal > 0 && ratio > goal ? "(goal missed)" : "");
      std::fflush(stdout);
      if (r.verified && (!best || ratio < best_ratio)) {
        best = policy;
        best_ratio = ratio;
      }
    }
    if (best)
      std::printf("%-13s best: %s at %.3f (goal <= %.2f)%s\n", c.topology, best, best_ratio, c.goal_best,
                  best_ratio > c.goal_best ? " (goal missed)" : "");
  }
  return 0;
}
