// Crash recovery in the in-process harness: satellites crash (stop, or restart with empty
// memory) at random moments of a run, and every result is still exact: never a task lost,
// never a result counted twice, never an end declared early.
#include <catch2/catch.hpp>

#include "leomesh/emulator/harness.hpp"
#include "leomesh/scheduler/task_queue.hpp"
#include "leomesh/scheduler/rng.hpp"

using namespace leomesh;

namespace {
workloads::Workload workload(const std::string& spec) {
  auto w = workloads::parse_workload(spec);
  REQUIRE(w.ok());
  return std::move(*w);
}

emulator::HarnessConfig recovering(const char* topology, const char* policy, std::uint64_t seed) {
  emulator::HarnessConfig cfg;
  cfg.topology = topology;
  cfg.links = "uniform:1ms";
  cfg.jitter_s = 1e-3;
  cfg.seed = seed;
  cfg.task_cost_s = 20e-6;
  cfg.core.policy = *scheduler::parse_policy(policy);
  // Well above the longest delivery of a loot (a batch crossing the torus takes ~10 ms).
  cfg.core.heartbeat_s = 10e-3;
  cfg.core.suspect_s = 50e-3;
  cfg.max_virtual_s = 60;
  return cfg;
}

std::uint64_t total(const std::vector<std::uint64_t>& v) {
  std::uint64_t s = 0;
  for (auto x : v) s += x;
  return s;
}
}  // namespace

TEST_CASE("with crash recovery on and no crash: exact, every task once, no loot run twice", "[recovery]") {
  for (const char* spec : {"uts:T1", "fib:25", "nqueens:10"}) {
    const auto w = workload(spec);
    for (const char* policy : {"neighbor", "global"}) {
      for (const char* topology : {"torus:4x4", "mesh:4x4"}) {
        auto cfg = recovering(topology, policy, 3);
        cfg.task_cost_s = 2e-6;
        auto r = emulator::run_harness(cfg, w);
        REQUIRE(r.ok());
        INFO(spec << " " << policy << " " << topology);
        REQUIRE(r->finished);
        CHECK(r->result.sum == *w.expected.sum);
        CHECK(w.verify(r->result));
        std::uint64_t restored = 0, returns = 0;
        for (const auto& s : r->per_satellite) {
          restored += s.recovery.loots_restored;
          returns += s.recovery.account_returns;
          // Returns, not weight, told the end.
          CHECK(s.weight_returns == 0);
        }
        CHECK(restored == 0);
        CHECK(returns > 0);
        // Each inner node ran exactly once (fib and nqueens run one task per call above the
        // cutoff; UTS tallies leaves at their parents).
        if (std::string(spec) == "uts:T1") CHECK(total(r->tasks_executed) == 4130071 - 3305118);
      }
    }
  }
}

TEST_CASE("with crash recovery, messages lost and reordered: still exact", "[recovery]") {
  const auto w = workload("fib:25");
  auto cfg = recovering("torus:4x4", "neighbor", 5);
  cfg.loss = 0.05;
  cfg.core.steal_timeout_s = 20e-3;
  cfg.core.retransmit_s = 20e-3;
  cfg.core.suspect_s = 0.2;  // well above a few lost heartbeats in a row
  auto r = emulator::run_harness(cfg, w);
  REQUIRE(r.ok());
  REQUIRE(r->finished);
  CHECK(r->messages_dropped > 0);
  CHECK(r->result.sum == *w.expected.sum);
}

TEST_CASE("satellites crash and restart during the run: exact every time", "[recovery]") {
  const auto w = workload("fib:25");
  // The run without crashes, to place the crashes inside it.
  auto base = emulator::run_harness(recovering("torus:4x4", "neighbor", 1), w);
  REQUIRE(base.ok());
  REQUIRE(base->finished);
  const double span = base->makespan_s;
  SECTION("several crash-stops in one run") {
    auto cfg = recovering("torus:4x4", "neighbor", 1);
    cfg.crashes = {{5, 0.2 * span}, {10, 0.4 * span}, {15, 0.6 * span}};
    auto r = emulator::run_harness(cfg, w);
    REQUIRE(r.ok());
    REQUIRE(r->finished);
    CHECK(r->result.sum == *w.expected.sum);
    CHECK_FALSE(r->recoveries.empty());
    // The crashed lives ran tasks whose results died with them: more tasks ran than the
    // tree has, yet the result is exact.
    CHECK(total(r->tasks_executed) + r->tasks_executed_lost > *w.expected.aux);
  }
  SECTION("the same satellite crashes and restarts twice") {
    auto cfg = recovering("torus:4x4", "global", 2);
    // Back within the detection time: its givers learn of the crash from its new life's
    // first message, not from its silence.
    cfg.crashes = {{6, 0.2 * span, 0.2 * span + 5e-3}, {6, 0.5 * span, 0.6 * span}, {9, 0.45 * span, 0.7 * span}};
    auto r = emulator::run_harness(cfg, w);
    REQUIRE(r.ok());
    REQUIRE(r->finished);
    CHECK(r->result.sum == *w.expected.sum);
    bool by_restart = false;
    for (const auto& e : r->recoveries) by_restart = by_restart || e.restarted;
    CHECK(by_restart);
  }
}

TEST_CASE("crashed satellites are taken for dead by every other, restarted ones are not", "[recovery]") {
  // Links stay up, as between live agents: only the cores' heartbeats tell who is gone.
  const auto w = workload("fib:30");
  auto cfg = recovering("torus:4x4", "neighbor", 3);
  cfg.crashed_links_go_dark = false;
  auto base = emulator::run_harness(cfg, w);
  REQUIRE(base.ok());
  const double span = base->makespan_s;
  // Time for the news to go round: detection (50 ms) and a heartbeat (10 ms) a hop.
  REQUIRE(span > 0.5);
  SECTION("crash-stops") {
    cfg.crashes = {{5, 0.1 * span}, {10, 0.2 * span}};
    auto r = emulator::run_harness(cfg, w);
    REQUIRE(r.ok());
    REQUIRE(r->finished);
    CHECK(r->result.sum == *w.expected.sum);
    for (int s = 0; s < 16; ++s)
      if (s != 5 && s != 10) CHECK(r->taken_for_dead[static_cast<std::size_t>(s)] == std::vector<int>{5, 10});
    std::uint64_t declared = 0;
    for (const auto& st : r->per_satellite) declared += st.recovery.declared_dead;
    CHECK(declared >= 2);  // by a neighbour of each, at least
    CHECK(declared <= 8);  // by their four neighbours each, at most once
  }
  SECTION("a restart long after its neighbours took it for dead") {
    cfg.crashes = {{5, 0.1 * span, 0.3 * span}};
    auto r = emulator::run_harness(cfg, w);
    REQUIRE(r.ok());
    REQUIRE(r->finished);
    CHECK(r->result.sum == *w.expected.sum);
    std::uint64_t declared = 0, revived = 0;
    for (const auto& st : r->per_satellite) {
      declared += st.recovery.declared_dead;
      revived += st.recovery.revived;
    }
    CHECK(declared >= 1);
    CHECK(revived >= 1);
    for (int s = 0; s < 16; ++s) CHECK(r->taken_for_dead[static_cast<std::size_t>(s)].empty());
  }
}

TEST_CASE("300 seeded crash schedules: never early, never double-counted", "[recovery]") {
  // Each schedule crashes 1-4 satellites other than the root at random moments of the run,
  // half of them restarting after a random downtime; torus and mesh, both policies, fib and
  // nqueens. An early end would miss results, a result counted twice would exceed the
  // known count: both show as a wrong sum.
  const auto fib = workload("fib:22");
  const auto queens = workload("nqueens:9");
  int runs = 0, exact = 0;
  std::uint64_t restored = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    scheduler::Rng rng(seed * 7919);
    const auto& w = seed % 2 ? fib : queens;
    auto cfg = recovering(seed % 3 ? "torus:4x4" : "mesh:4x4", seed % 4 < 2 ? "neighbor" : "global", seed);
    cfg.task_cost_s = 50e-6;
    const int crashes = 1 + static_cast<int>(rng.below(4));
    for (int c = 0; c < crashes; ++c) {
      emulator::HarnessCrash crash;
      crash.satellite = 1 + static_cast<int>(rng.below(15));
      crash.at_s = 0.3 * rng.unit();  // the runs take 0.2-0.4 s
      if (rng.below(2) == 0) crash.until_s = crash.at_s + 0.1 * rng.unit();
      cfg.crashes.push_back(crash);
    }
    auto r = emulator::run_harness(cfg, w);
    REQUIRE(r.ok());
    ++runs;
    INFO("seed " << seed);
    CHECK(r->finished);
    CHECK(r->result.sum == *w.expected.sum);
    exact += r->finished && r->result.sum == *w.expected.sum;
    restored += r->recoveries.size();
  }
  CHECK(exact == runs);
  CHECK(restored > 100);  // the crashes did hit satellites holding loot
}

TEST_CASE("100 seeded crash schedules with a root restart in each: never early, never double-counted", "[recovery]") {
  const auto fib = workload("fib:22");
  const auto queens = workload("nqueens:9");
  int exact = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    scheduler::Rng rng(seed * 104729);
    const auto& w = seed % 2 ? fib : queens;
    auto cfg = recovering(seed % 3 ? "torus:4x4" : "mesh:4x4", seed % 4 < 2 ? "neighbor" : "global", seed);
    cfg.task_cost_s = 50e-6;
    const double root_at = 0.3 * rng.unit();
    cfg.crashes.push_back({0, root_at, root_at + 0.1 * rng.unit()});
    for (int c = static_cast<int>(rng.below(3)); c > 0; --c) {
      emulator::HarnessCrash crash;
      crash.satellite = 1 + static_cast<int>(rng.below(15));
      crash.at_s = 0.5 * rng.unit();
      if (rng.below(2) == 0) crash.until_s = crash.at_s + 0.1 * rng.unit();
      cfg.crashes.push_back(crash);
    }
    auto r = emulator::run_harness(cfg, w);
    REQUIRE(r.ok());
    INFO("seed " << seed);
    CHECK(r->finished);
    CHECK(r->result.sum == *w.expected.sum);
    exact += r->finished && r->result.sum == *w.expected.sum;
  }
  CHECK(exact == 100);
}

TEST_CASE("a crash-stop of the root is refused", "[recovery]") {
  const auto w = workload("fib:10");
  auto cfg = recovering("torus:4x4", "neighbor", 1);
  cfg.crashes = {{0, 0.1}};
  CHECK_FALSE(emulator::run_harness(cfg, w).ok());
}

TEST_CASE("the root restarts, the ground injects the work again: exact, its earlier life's results orphaned",
          "[recovery]") {
  const auto w = workload("fib:25");
  auto base = emulator::run_harness(recovering("torus:4x4", "neighbor", 1), w);
  REQUIRE(base.ok());
  REQUIRE(base->finished);
  const double span = base->makespan_s;
  for (const char* policy : {"neighbor", "global"}) {
    INFO(policy);
    auto cfg = recovering("torus:4x4", policy, 4);
    // Down for less than, and for more than, the detection time; another satellite crashes
    // while the root is down, and one after it is back.
    for (double down : {0.02, 0.2}) {
      INFO("down " << down << " s");
      cfg.crashes = {{0, 0.5 * span, 0.5 * span + down}, {5, 0.55 * span, 0.9 * span}, {10, 0.5 * span + down + 0.1 * span}};
      auto r = emulator::run_harness(cfg, w);
      REQUIRE(r.ok());
      REQUIRE(r->finished);
      CHECK(r->result.sum == *w.expected.sum);
      // The whole run again after the restart, at least.
      CHECK(r->makespan_s > 0.5 * span + down + 0.9 * span);
      std::uint64_t orphaned = 0, dropped = 0, dropped_far = 0;
      for (std::size_t i = 0; i < r->per_satellite.size(); ++i) {
        const auto& s = r->per_satellite[i].recovery;
        orphaned += s.orphaned;
        dropped += s.dropped;
        // On torus:4x4 the root's ISL neighbours are 1, 3, 4 and 12, and neighbor stealing
        // gives loot only to them: a drop anywhere else came down a chain of givers.
        if (i != 0 && i != 1 && i != 3 && i != 4 && i != 12) dropped_far += s.dropped;
      }
      CHECK(orphaned > 0);
      CHECK(dropped > 0);
      if (std::string(policy) == "neighbor") CHECK(dropped_far > 0);
    }
  }
}

TEST_CASE("a queue gives loot of one account from its richest account, the others keep their place", "[recovery]") {
  // UTS nodes stand for their expected subtrees: a root-level node is worth far more than a
  // leaf-level one. Account 2 holds two shallow nodes, account 5 one shallow and many deep.
  const workloads::Workload w = workload("uts:T1");
  scheduler::TaskQueue q(w.registry, 16, /*fixed=*/false);
  REQUIRE(!w.roots.empty());
  const scheduler::Task root = w.roots.front();
  auto add = [&](std::uint8_t account) {
    scheduler::Task t = root;
    t.account = account;
    REQUIRE(q.push(t));
  };
  add(5);
  add(2);
  add(2);
  add(2);
  const double all = q.queued_units();
  std::vector<scheduler::Task> out;
  // As much as the whole queue: every task of account 2 (three of the four), none of 5,
  // although account 5's task is the oldest.
  REQUIRE(q.take_work(all, 10, out, true) == 3);
  for (const scheduler::Task& t : out) CHECK(t.account == 2);
  CHECK(q.size() == 1);
  CHECK(q.queued_units() == Approx(all / 4));
  // Without the restriction the oldest goes first.
  out.clear();
  add(2);
  REQUIRE(q.take_work(all, 10, out, false) == 2);
  CHECK(out[0].account == 5);
  CHECK(q.empty());
  CHECK(q.queued_units() == 0);
}

TEST_CASE("a queue drops a dropped account's tasks on the way to its owner, and runs them again once reopened",
          "[recovery]") {
  const workloads::Workload w = workload("uts:T1");
  scheduler::TaskQueue q(w.registry, 16, /*fixed=*/false);
  REQUIRE(!w.roots.empty());
  auto add = [&](std::uint8_t account) {
    scheduler::Task t = w.roots.front();
    t.account = account;
    REQUIRE(q.push(t));
  };
  add(3), add(7), add(3), add(3);
  q.drop(3);
  CHECK_FALSE(q.account_done(3));  // dropped as the owner reaches them, not before
  auto t = q.pop_newest();         // the two newest of account 3 go, then account 7's
  REQUIRE(t);
  CHECK(t->account == 7);
  CHECK(q.discarded() == 2);
  q.finished(7);
  CHECK(q.account_done(7));
  CHECK_FALSE(q.pop_newest());  // the last of account 3 dropped too: nothing to run
  CHECK(q.discarded() == 3);
  CHECK(q.account_done(3));
  CHECK(q.empty());
  CHECK(q.queued_units() == 0);
  q.open(3);
  add(3);
  t = q.pop_newest();
  REQUIRE(t);
  CHECK(t->account == 3);
  CHECK(q.discarded() == 3);
}
