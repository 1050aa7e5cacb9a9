// Live mode: real leomesh-agent processes over ZeroMQ, one per satellite.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "leomesh/emulator/live.hpp"

using namespace leomesh;

namespace {
emulator::RunSummary live(const std::string& topology, const std::string& policy, const std::string& spec,
                          const std::string& links, int workers = 1, const scheduler::KnobOverrides& core = {}) {
  auto w = workloads::parse_workload(spec);
  REQUIRE(w.ok());
  static workloads::Workload keep;  // the summary points at its workload
  keep = std::move(*w);
  emulator::LiveOptions o;
  o.topology = topology;
  o.policy = policy;
  o.workload = spec;
  o.links = links;
  o.workers = workers;
  o.core = core;
  o.timeout_s = 120;
  o.agent_path = LEOMESH_AGENT;
  auto r = emulator::run_live(o, keep);
  REQUIRE(r.ok());
  INFO(r->failure);
  REQUIRE(r->finished);
  return std::move(*r);
}

// Live runs put their files under $TMPDIR: a private one per test shows what is left over.
struct PrivateTmp {
  std::string path;
  PrivateTmp() {
    char tmpl[] = "/tmp/leomesh-test-XXXXXX";
    path = mkdtemp(tmpl);
    setenv("TMPDIR", path.c_str(), 1);
  }
  ~PrivateTmp() {
    unsetenv("TMPDIR");
    std::filesystem::remove_all(path);
  }
  bool empty() const { return std::filesystem::is_empty(path); }
};
}  // namespace

TEST_CASE("9 agents on torus:3x3: UTS T1 exact with neighbor, global and lifeline", "[live]") {
  PrivateTmp tmp;
  for (const char* policy : {"neighbor", "global", "lifeline"}) {
    const auto s = live("torus:3x3", policy, "uts:T1", "uniform:1ms");
    INFO(policy);
    CHECK(s.result.sum == 4130071);
    CHECK(s.result.aux == 3305118);
    CHECK(s.result.max == 10);
    CHECK(s.verified());
    REQUIRE(s.per_satellite.size() == 9);
    std::uint64_t tasks = 0, successes = 0, hops = 0, answered = 0;
    for (const auto& sat : s.per_satellite) {
      tasks += sat.tasks_executed;
      successes += sat.successes;
      hops += sat.hops_sum;
      answered += sat.successes + sat.empty;
      CHECK(sat.auth_failures == 0);
    }
    CHECK(tasks == 4130071 - 3305118);  // every inner node ran as a task exactly once, somewhere
    CHECK(successes > 0);
    if (std::string(policy) != "global") CHECK(hops == answered);  // one hop, always
  }
  CHECK(tmp.empty());  // no configuration, key or socket file left behind
}

TEST_CASE("mesh:2x2 fib and nqueens exact (HPC links)", "[live]") {
  CHECK(live("mesh:2x2", "neighbor", "fib:30,cutoff=12", "none", 2).result.sum == 832040);
  CHECK(live("mesh:2x2", "global", "nqueens:11", "none", 2).result.sum == 2680);
  CHECK(live("full:4", "global", "nqueens:10", "none", 1).result.sum == 724);
}

TEST_CASE("core knobs reach the agents' configurations, and the JSON says what they ran with", "[live]") {
  const auto s = live("mesh:2x2", "lifeline", "fib:25,cutoff=10", "none", 1,
                      {{"remember_s", 0.2}, {"steal_timeout_s", 2}});
  CHECK(s.verified());
  REQUIRE(s.core);
  CHECK(s.core->remember_s == 0.2);
  CHECK(s.core->steal_timeout_s == 2);
  CHECK(s.core->retransmit_s == scheduler::CoreConfig{}.retransmit_s);
  const nlohmann::json j = s.to_json();
  CHECK(j["core"]["policy"] == "lifeline");
  CHECK(j["core"]["remember_s"] == 0.2);
  // A bad knob is refused before any agent starts, named by its flag.
  emulator::LiveOptions o;
  o.topology = "mesh:2x2";
  o.workload = "fib:10";
  o.core["retransmit_s"] = 0;
  auto r = emulator::run_live(o, *workloads::parse_workload("fib:10"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().parameter == "--retransmit");
}

TEST_CASE("a small Walker shell with geometric links: exact", "[live]") {
  const auto s = live("walker-delta:6x6,alt=550,inc=53,phase=1", "neighbor", "fib:28,cutoff=15", "");
  CHECK(s.result.sum == 317811);
  CHECK(s.links == "geometric");
}

TEST_CASE("steals between agents cross the emulated link: round trip >= 2 x latency", "[live]") {
  // Two satellites, one 10 ms ISL: every answered steal went there and back.
  // Long enough (about 0.15 s of work) that thieves are answered before the end, now that
  // the start share reaches satellite 1 by a push.
  const auto s = live("mesh:1x2", "neighbor", "bag:balanced,tasks=4000,cost=20000", "uniform:10ms");
  std::uint64_t answered = 0;
  double latency = 0;
  for (const auto& sat : s.per_satellite) {
    answered += sat.successes + sat.empty;
    latency += sat.latency_sum_s;
  }
  REQUIRE(answered > 0);
  CHECK(latency / static_cast<double>(answered) >= 0.020);
  CHECK(s.verified());
}
