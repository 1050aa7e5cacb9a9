// bench_pool: task overhead of the threaded local pool against oneTBB, in the same run.
//
// fib(35) with one task per call and no cutoff (29.9 M tasks), 2 workers:
//   - leomesh: node::ThreadPool, fib(n) spawns fib(n-1) and fib(n-2), leaves add n to the
//     worker's reduction (the scheduler's task model: fire-and-forget + reduction);
//   - TBB nested: the idiomatic tbb::task_group recursion (run both children, wait, add);
//   - TBB flat: the same shape as leomesh, one task_group whose tasks run() their children
//     and leaves add n to an enumerable_thread_specific.
// TBB is limited to 2 threads with tbb::global_control. Each variant runs `reps` times,
// interleaved; the best time counts. Prints the times and leomesh / best TBB (goal: <= 1.5).
//
// Usage: bench_pool [n=35] [reps=5] [workers=2]
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "leomesh/node/thread_pool.hpp"

namespace {

using leomesh::node::ThreadPool;
using leomesh::scheduler::Task;
using leomesh::scheduler::TaskContext;
using leomesh::scheduler::TaskKind;
using leomesh::scheduler::TaskRegistry;

constexpr TaskKind kFib = 1;

void fib_task(const Task& t, TaskContext& ctx) {
  const auto n = t.get<std::uint32_t>();
  if (n < 2) {
    ctx.reduction().sum += n;
    return;
  }
  ctx.spawn(Task::make(kFib, n - 1));
  ctx.spawn(Task::make(kFib, n - 2));
}

std::uint64_t tbb_nested(std::uint32_t n) {
  if (n < 2) return n;
  std::uint64_t a = 0, b = 0;
  tbb::task_group g;
  g.run([&] { a = tbb_nested(n - 1); });
  g.run([&] { b = tbb_nested(n - 2); });
  g.wait();
  return a + b;
}

using Accumulator =
    tbb::enumerable_thread_specific<std::uint64_t, tbb::cache_aligned_allocator<std::uint64_t>,
                                    tbb::ets_key_per_instance>;
struct FlatFib {
  tbb::task_group* group;
  Accumulator* acc;
  std::uint32_t n;
  void operator()() const {
    if (n < 2) {
      acc->local() += n;
      return;
    }
    group->run(FlatFib{group, acc, n - 1});
    group->run(FlatFib{group, acc, n - 2});
  }
};

std::uint64_t tbb_flat(std::uint32_t n) {
  Accumulator acc(0);
  tbb::task_group g;
  g.run(FlatFib{&g, &acc, n});
  g.wait();
  return acc.combine(std::plus<std::uint64_t>());
}

std::uint64_t fib_ref(std::uint32_t n) {
  std::uint64_t a = 0, b = 1;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint64_t c = a + b;
    a = b;
    b = c;
  }
  return a;
}

// Runs `run` once, checks its answer, and keeps the best time in `best`.
template <class F>
void time_once(double& best, std::uint64_t expected, const char* name, F&& run) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t got = run();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (got != expected) {
    std::fprintf(stderr, "bench_pool: %s computed %llu, expected %llu\n", name,
                 static_cast<unsigned long long>(got), static_cast<unsigned long long>(expected));
    std::exit(1);
  }
  best = std::min(best, s);
}

}  // namespace

int main(int argc, char** argv) {
  const auto n = static_cast<std::uint32_t>(argc > 1 ? std::atoi(argv[1]) : 35);
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  const auto workers = static_cast<std::size_t>(argc > 3 ? std::max(1, std::atoi(argv[3])) : 2);
  const std::uint64_t expected = fib_ref(n);
  const double tasks = 2.0 * static_cast<double>(fib_ref(n + 1)) - 1.0;

  TaskRegistry registry;
  registry.set(kFib, fib_task);
  ThreadPool pool(registry, workers);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, workers);

  // Interleaved rounds, so a load spike from other processes on a shared machine hits every
  // variant alike rather than whichever ran at that moment.
  double leo = 1e100, nested = 1e100, flat = 1e100;
  for (int r = 0; r < reps; ++r) {
    time_once(leo, expected, "leomesh", [&] {
      pool.reset_reduction();
      pool.submit(Task::make(kFib, n));
      pool.wait_idle();
      return pool.reduction().sum;
    });
    time_once(nested, expected, "tbb nested", [&] { return tbb_nested(n); });
    time_once(flat, expected, "tbb flat", [&] { return tbb_flat(n); });
  }
  const auto stats = pool.stats();
  const double tbb_best = std::min(nested, flat);

  std::printf("fib(%u) = %llu, %.1f M tasks, %zu workers, best of %d\n", n,
              static_cast<unsigned long long>(expected), tasks / 1e6, workers, reps);
  std::printf(
      "  leomesh ThreadPool   %8.3f s  %6.1f ns/task  (steals %llu, parks %llu, wake-ups %llu)\n",
      leo, leo * 1e9 / tasks, static_cast<unsigned long long>(stats.total.steals),
      static_cast<unsigned long long>(stats.total.parks),
      static_cast<unsigned long long>(stats.wakeups));
  std::printf("  TBB task_group nested %7.3f s  %6.1f ns/task\n", nested, nested * 1e9 / tasks);
  std::printf("  TBB task_group flat  %8.3f s  %6.1f ns/task\n", flat, flat * 1e9 / tasks);
  std::printf("  ratio leomesh/TBB(best) = %.2f  (goal <= 1.5)\n", leo / tbb_best);
  std::printf("  ratio leomesh/TBB(nested) = %.2f, leomesh/TBB(flat) = %.2f\n", leo / nested,
              leo / flat);
  return 0;
}
