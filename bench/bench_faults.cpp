// What crash recovery costs when nothing fails, and how fast it brings lost work back.
//
//  1. Failure-free overhead: the same run with recovery off (weight throwing, the default)
//     and on (heartbeat 20 ms, detection 100 ms), side by side, makespan on / off (goal
//     <= 1.05):
//       - sim, torus:4x4, UTS T1 at 20 us per node, 2 workers, neighbor and global; the
//         simulation is deterministic, so one run each is the figure;
//       - live, full:2, UTS T1L, one worker per agent: pairs of runs alternating off and on
//         (3 pairs, --quick 1), the median of each side, since the host's load moves both.
//  2. Recovery from one crash a run (torus:4x4 as above; satellite and moment drawn from a
//     fixed seed), once as a crash-stop and once as a restart 30 ms later: the simulated
//     time from the crash until the giver has the loot back in its pool, against the
//     detection time (suspect_s). The restored tasks go in as the giver's newest, which its
//     next free worker runs first: within one task (20 us) of that moment they run again. A
//     crash-stop is told by silence, so the bound is detection plus the wait for the
//     giver's next heartbeat tick and the alive message in flight; a restart is told by
//     the new life's first message. Also printed: the makespan against the same run
//     without the crash, which is what a crash costs.
//
//   bench_faults            everything (a few minutes on 2 cores)
//   bench_faults --quick    one live pair, 3 crash moments
#include <algorithm>
#include <random>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "leomesh/emulator/live.hpp"
#include "leomesh/emulator/sim.hpp"

using namespace leomesh;

namespace {
constexpr double kHeartbeat = 0.02, kSuspect = 0.1;

void recovery_on(emulator::RunOptions& o) {
  o.core["heartbeat_s"] = kHeartbeat;
  o.core["suspect_s"] = kSuspect;
}

emulator::SimOptions torus(const std::string& policy, bool recovering) {
  emulator::SimOptions o;
  o.topology = "torus:4x4";
  o.policy = policy;
  o.workers = 2;
  o.task_cost_s = 20e-6;
  if (recovering) recovery_on(o);
  return o;
}

emulator::RunSummary sim(const emulator::SimOptions& o, const workloads::Workload& w) {
  auto s = emulator::run_sim(o, w);
  if (!s) {
    std::fprintf(stderr, "bench_faults: %s\n", s.error().message().c_str());
    std::exit(1);
  }
  s->workload = &w;
  return *s;
}

emulator::RunSummary live(bool recovering, const workloads::Workload& w) {
  emulator::LiveOptions o;
  o.topology = "full:2";
  o.policy = "global";
  o.workload = "uts:T1L";
  o.workers = 1;
  o.endpoints = "tcp";
  o.tcp_base_port = 17950;
  o.agent_path = LEOMESH_AGENT;
  if (recovering) recovery_on(o);
  auto s = emulator::run_live(o, w);
  if (!s) {
    std::fprintf(stderr, "bench_faults: %s\n", s.error().message().c_str());
    std::exit(1);
  }
  s->workload = &w;
  return *s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

const char* verdict(bool exact, double ratio, double goal) {
  return !exact ? "  WRONG RESULT" : ratio > goal ? "  (goal missed)" : "";
}
}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const auto t1 = *workloads::parse_workload("uts:T1");
  const auto t1l = *workloads::parse_workload("uts:T1L");

  std::printf("== failure-free overhead of crash recovery (heartbeat %.0f ms, detection %.0f ms) ==\n",
              kHeartbeat * 1e3, kSuspect * 1e3);
  std::printf("%-34s %-9s %11s %11s %9s %8s\n", "run", "policy", "off s", "on s", "on / off", "goal");
  for (const char* policy : {"neighbor", "global"}) {
    const auto off = sim(torus(policy, false), t1);
    const auto on = sim(torus(policy, true), t1);
    const double ratio = on.makespan_s / off.makespan_s;
    std::printf("%-34s %-9s %11.4f %11.4f %9.3f %8s%s\n", "sim torus:4x4 T1@20us x2 workers", policy, off.makespan_s,
                on.makespan_s, ratio, "<= 1.05", verdict(off.verified() && on.verified(), ratio, 1.05));
    std::fflush(stdout);
  }
  std::vector<double> off_s, on_s;
  bool exact = true;
  for (int pair = 0; pair < (quick ? 1 : 3); ++pair) {
    for (bool recovering : {false, true}) {
      const auto s = live(recovering, t1l);
      exact = exact && s.verified();
      (recovering ? on_s : off_s).push_back(s.makespan_s);
    }
  }
  const double live_ratio = median(on_s) / median(off_s);
  std::printf("%-34s %-9s %11.4f %11.4f %9.3f %8s%s\n", "live full:2 T1L x1 worker (median)", "global",
              median(off_s), median(on_s), live_ratio, "<= 1.05", verdict(exact, live_ratio, 1.05));
  std::fflush(stdout);

  // One crash a run, of a satellite and at a moment drawn from the seed: a crash-stop (its
  // givers learn it from its silence) and a restart 30 ms later (from its new life's first
  // message, before the silence would tell).
  const auto base = sim(torus("neighbor", true), t1);
  std::printf("\n== recovery from one crash (torus:4x4 as above, %.4f s without): crash to loot back in the "
              "giver's pool ==\n",
              base.makespan_s);
  std::printf("%-5s %4s %8s %-12s %6s %7s %9s %9s %10s %9s %8s\n", "seed", "sat", "at s", "crash", "loots", "tasks",
              "p50 ms", "max ms", "max/detect", "makespan", "verified");
  std::mt19937_64 draw(2026);
  double worst_silent = 0, worst_restart = 0;
  std::vector<double> cost;
  for (int seed = 1; seed <= (quick ? 3 : 10); ++seed) {
    const int satellite = 1 + static_cast<int>(draw() % 15);
    const double at = base.makespan_s * (0.1 + 0.7 * static_cast<double>(draw() % 1000) / 1000.0);
    for (const double down : {-1.0, 0.03}) {
      auto o = torus("neighbor", true);
      o.crashes.push_back({satellite, at, down < 0 ? 1e300 : at + down});
      const auto s = sim(o, t1);
      const auto& r = s.extra["faults"]["recovery"];
      const auto& after = r["after_crash_s"];
      const double p50 = after.is_null() ? 0 : after["p50"].get<double>();
      const double max = after.is_null() ? 0 : after["max"].get<double>();
      (down < 0 ? worst_silent : worst_restart) = std::max(down < 0 ? worst_silent : worst_restart, max);
      cost.push_back(s.makespan_s / base.makespan_s);
      std::printf("%-5d %4d %8.3f %-12s %6llu %7llu %9.1f %9.1f %10.2f %8.2fx %8s\n", seed, satellite, at,
                  down < 0 ? "stop" : "restart 30ms", r["loots_restored"].get<unsigned long long>(),
                  r["tasks_restored"].get<unsigned long long>(), p50 * 1e3, max * 1e3, max / kSuspect,
                  s.makespan_s / base.makespan_s, s.verified() ? "yes" : "NO");
      std::fflush(stdout);
    }
  }
  const double bound = kSuspect + 2 * kHeartbeat;
  std::printf("crash-stop: worst %.1f ms from crash to loot back = %.2f x detection (bound: detection plus two "
              "heartbeats, %.2f)%s\n",
              worst_silent * 1e3, worst_silent / kSuspect, bound / kSuspect, worst_silent > bound ? "  (bound missed)" : "");
  std::printf("restart after 30 ms: worst %.1f ms = %.2f x detection (the new life's first message tells)\n",
              worst_restart * 1e3, worst_restart / kSuspect);
  std::printf("makespan with one crash / without: median %.2f, worst %.2f (what a crash costs: the work done "
              "under the lost loot runs again)\n",
              median(cost), *std::max_element(cost.begin(), cost.end()));
  return 0;
}
