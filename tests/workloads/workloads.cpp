// Fibonacci, N-Queens and bags: exact answers, task counts, and bad specs.
#include <catch2/catch.hpp>

#include <cmath>

#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/workloads/workload.hpp"

using namespace leomesh;

namespace {
workloads::Workload parse(const std::string& spec) {
  auto w = workloads::parse_workload(spec);
  REQUIRE(w.ok());
  return std::move(*w);
}

// Runs a workload to completion on one simulated worker: the sequential reference.
scheduler::Reduction run_sequential(const workloads::Workload& w, std::uint64_t* tasks = nullptr) {
  emulator::SimulatedPool pool(w, 1, 1e-6);
  pool.push(w.roots.data(), w.roots.size());
  while (auto started = pool.start_next()) pool.finish(started->worker);
  if (tasks) *tasks = pool.tasks_executed();
  return pool.reduction();
}
}  // namespace

TEST_CASE("Fibonacci values and task counts", "[workloads]") {
  CHECK(workloads::fibonacci(0) == 0);
  CHECK(workloads::fibonacci(1) == 1);
  CHECK(workloads::fibonacci(30) == 832040);
  CHECK(workloads::fibonacci(62) == 4052739537881ULL);
  CHECK(workloads::fibonacci(92) == 7540113804746346429ULL);
  std::uint64_t tasks = 0;
  const auto w = parse("fib:25");
  const auto r = run_sequential(w, &tasks);
  CHECK(r.sum == 75025);
  CHECK(w.verify(r));
  // One task per call: the call tree of fib(n) has 2 fib(n+1) - 1 nodes.
  CHECK(tasks == 2 * 121393 - 1);
  CHECK(r.aux == 2 * 121393 - 1);
  const auto c = parse("fib:30,cutoff=20");
  CHECK(c.name == "fib:30,cutoff=20");
  const auto rc = run_sequential(c);
  CHECK(rc.sum == 832040);
  CHECK(rc.aux == 2 * 1346269 - 1);  // the same calls, whatever the cutoff
  CHECK(c.verify(rc));
}

TEST_CASE("N-Queens: known counts, sequential and as tasks", "[workloads]") {
  const std::uint64_t a000170[] = {1, 0, 0, 2, 10, 4, 40, 92, 352, 724, 2680, 14200};
  for (unsigned n = 1; n <= 12; ++n) {
    CHECK(workloads::nqueens_sequential(n) == a000170[n - 1]);
    CHECK(*workloads::nqueens_known(n) == a000170[n - 1]);
  }
  CHECK(*workloads::nqueens_known(16) == 14772512);
  for (const char* spec : {"nqueens:8", "nqueens:10,cutoff=0", "nqueens:11,cutoff=11", "nqueens:12"}) {
    const auto w = parse(spec);
    const auto r = run_sequential(w);
    INFO(spec);
    CHECK(w.verify(r));
  }
}

TEST_CASE("bags: every task once, total work as predicted", "[workloads]") {
  const auto b = parse("bag:balanced,tasks=1000,cost=50");
  CHECK(*b.expected.sum == 1000);
  CHECK(*b.expected.aux == 50000);
  CHECK(b.verify(run_sequential(b)));
  const auto i = parse("bag:irregular,tasks=2000,cost=10,seed=5");
  const auto r = run_sequential(i);
  CHECK(i.verify(r));
  // Heavy-tailed: mean cost ~3x the scale, some tasks far above it.
  CHECK(*i.expected.aux > 2000 * 10 * 2);
  CHECK(parse("bag:irregular,tasks=2000,cost=10,seed=6").expected.aux != i.expected.aux);
}

TEST_CASE("UTS default tree as tasks", "[workloads]") {
  const auto w = parse("uts:default");
  const auto r = run_sequential(w);
  CHECK(r.sum == 1732);
  CHECK(r.aux == 1050);
  CHECK(w.verify(r));
}

TEST_CASE("work known in advance equals the work a run does", "[workloads]") {
  for (const char* spec : {"fib:20,cutoff=8", "bag:irregular,tasks=300,cost=7", "uts:default"}) {
    INFO(spec);
    const auto w = parse(spec);
    REQUIRE(w.expected_work_units());
    CHECK(*w.expected_work_units() == w.work_units(run_sequential(w)));
  }
  CHECK(*parse("uts:T1").expected_work_units() == 4130071);
  CHECK(*parse("fib:25").expected_work_units() == 2 * 121393 - 1);
  // The node count of the N-Queens search is not published; only its solutions are.
  CHECK(!parse("nqueens:10").expected_work_units());
}

TEST_CASE("bad workload specs name the problem", "[workloads]") {
  for (const char* bad : {"", "fib", "fib:", "fib:-1", "fib:93", "fib:x", "fib:10,cutof=3",
                          "fib:10,cutoff=-2", "nqueens:0", "nqueens:28", "nqueens:8,cutoff=9",
                          "uts:T99", "uts:d=-1", "bag:balanced", "bag:weird,tasks=1,cost=1",
                          "bag:balanced,tasks=0,cost=1", "bag:balanced,tasks=10,cost=0",
                          "bag:balanced,tasks=10,cost=1,size=3", "mandelbrot:4"}) {
    INFO(bad);
    auto w = workloads::parse_workload(bad);
    REQUIRE_FALSE(w.ok());
    CHECK_FALSE(w.error().message().empty());
  }
}

TEST_CASE("estimates: fib and balanced bags exactly, irregular bags by the capped Pareto mean", "[workloads]") {
  // fib(n) stands for the 2 fib(n+1) - 1 calls it makes, whatever the cutoff.
  const auto f = parse("fib:30,cutoff=20");
  CHECK(f.registry.estimate(f.roots.front()) == 2.0 * 1346269 - 1);
  CHECK(f.registry.estimate(f.roots.front()) == static_cast<double>(*f.expected_work_units()));
  const auto b = parse("bag:balanced,tasks=1000,cost=7");
  CHECK(b.registry.estimate(b.roots.front()) == 7000);
  // E[min(X, 1000)] for X ~ Pareto(1.5) from 1: 1 + 2 (1 - 1000^-1/2).
  const auto irr = parse("bag:irregular,tasks=100,cost=10");
  CHECK(irr.registry.estimate(irr.roots.front()) == Approx(100 * 10 * (3 - 2 / std::sqrt(1000.0))));
  // N-Queens: only a ranking, but a shallower placement always stands for more.
  const auto q = parse("nqueens:8");
  emulator::SimulatedPool pool(q, 1, 1e-6);
  pool.push(q.roots.data(), q.roots.size());
  const double root = pool.queued_work_s();
  auto s = pool.start_next();
  REQUIRE(s);
  pool.finish(s->worker);  // the root's children, one row down, are queued now
  CHECK(pool.approx_size() == 8);
  CHECK(pool.queued_work_s() / 8 < root);
}
