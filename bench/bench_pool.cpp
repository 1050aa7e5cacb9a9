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
// Two more modes measure what a parked pool costs, each against a baseline in the same run:
//   - idle: CPU the process burns over `ms` while the pool's workers are parked, against the
//     same window with no pool at all (goal: under 10% of one core, i.e. 20 ms over 200 ms);
//   - wake: time from submit() to a fully parked pool until its task runs, median and
//     99th percentile over `reps`, against waking one thread blocked on a bare
//     std::condition_variable the same way (goal: median pool / bare <= 2; both are tens of
//     microseconds here).
//
// Usage: bench_pool [n=35] [reps=5] [workers=2]
//        bench_pool idle [workers=2] [ms=200]
//        bench_pool wake [workers=2] [reps=100]
#include <time.h>

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "leomesh/node/thread_pool.hpp"

namespace {

using leomesh::node::ThreadPool;
using leomesh::scheduler::Task;
using leomesh::scheduler::TaskContext;
using leomesh::scheduler::TaskKind;
using leomesh::scheduler::TaskRegistry;

using Clock = std::chrono::steady_clock;

constexpr TaskKind kFib = 1;
constexpr TaskKind kStamp = 2;

void fib_task(const Task& t, TaskContext& ctx) {
  const auto n = t.get<std::uint32_t>();
  if (n < 2) {
    ctx.reduction().sum += n;
    return;
  }
  ctx.spawn(Task::make(kFib, n - 1));
  ctx.spawn(Task::make(kFib, n - 2));
}

// When the last stamp task ran.
std::atomic<Clock::rep> g_ran_at{0};
void stamp_task(const Task&, TaskContext&) { g_ran_at.store(Clock::now().time_since_epoch().count()); }

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

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double cpu_over(std::chrono::milliseconds window) {
  const double cpu0 = process_cpu_s();
  std::this_thread::sleep_for(window);
  return process_cpu_s() - cpu0;
}

TaskRegistry registry() {
  TaskRegistry r;
  r.set(kFib, fib_task);
  r.set(kStamp, stamp_task);
  return r;
}

// Until the pool is idle and no worker has parked again for a while: a worker woken by the
// last spawns may still be on its way back to sleep when the pool first looks idle.
void settle(ThreadPool& pool) {
  pool.wait_idle();
  std::uint64_t parks = pool.stats().total.parks;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t now = pool.stats().total.parks;
    if (pool.idle() && now == parks) return;
    parks = now;
  }
}

int idle_mode(std::size_t workers, int ms) {
  const std::chrono::milliseconds window(ms);
  const double baseline = cpu_over(window);  // the process with no pool yet
  const TaskRegistry reg = registry();
  ThreadPool pool(reg, workers);
  pool.submit(Task::make(kFib, std::uint32_t{22}));
  settle(pool);
  const auto parks = pool.stats().total.parks;
  const double idle = cpu_over(window);
  const double goal = 0.1 * window.count() * 1e-3;
  std::printf("idle pool, %zu workers, %d ms: CPU %.3f ms (goal < %.0f ms), no pool %.3f ms; parks during the window %llu\n",
              workers, ms, idle * 1e3, goal * 1e3, baseline * 1e3,
              static_cast<unsigned long long>(pool.stats().total.parks - parks));
  std::printf("  idle CPU / goal = %.3f  (goal <= 1)\n", idle / goal);
  return 0;
}

double median_us(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double p99_us(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, v.size() * 99 / 100)];
}

int wake_mode(std::size_t workers, int reps) {
  // Baseline: one thread blocked on a condition variable, woken the way a parked worker is.
  std::vector<double> bare;
  {
    std::mutex mu;
    std::condition_variable cv;
    std::uint64_t epoch = 0;
    bool stop = false;
    std::thread waiter([&] {
      std::unique_lock<std::mutex> lock(mu);
      for (std::uint64_t seen = 0;;) {
        cv.wait(lock, [&] { return epoch != seen || stop; });
        if (stop) return;
        seen = epoch;
        g_ran_at.store(Clock::now().time_since_epoch().count());
      }
    });
    for (int r = 0; r < reps; ++r) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // asleep again
      g_ran_at = 0;
      const auto t0 = Clock::now();
      {
        std::lock_guard<std::mutex> lock(mu);
        ++epoch;
      }
      cv.notify_one();
      while (g_ran_at.load() == 0) std::this_thread::yield();
      bare.push_back(std::chrono::duration<double, std::micro>(Clock::duration(g_ran_at.load()) - t0.time_since_epoch()).count());
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    cv.notify_one();
    waiter.join();
  }
  const TaskRegistry reg = registry();
  ThreadPool pool(reg, workers);
  std::vector<double> woke;
  for (int r = 0; r < reps; ++r) {
    settle(pool);  // every worker parked
    g_ran_at = 0;
    const auto t0 = Clock::now();
    pool.submit(Task::make(kStamp, 0));
    pool.wait_idle();
    woke.push_back(std::chrono::duration<double, std::micro>(Clock::duration(g_ran_at.load()) - t0.time_since_epoch()).count());
  }
  const double pool_median = median_us(woke), bare_median = median_us(bare);
  std::printf("wake-up of a parked pool, %zu workers, %d times: median %.1f us, p99 %.1f us\n", workers, reps,
              pool_median, p99_us(woke));
  std::printf("  bare condition variable: median %.1f us, p99 %.1f us\n", bare_median, p99_us(bare));
  std::printf("  ratio pool/bare (median) = %.2f  (goal <= 2)\n", pool_median / bare_median);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "idle" || mode == "wake") {
    const auto workers = static_cast<std::size_t>(argc > 2 ? std::max(1, std::atoi(argv[2])) : 2);
    if (mode == "idle") return idle_mode(workers, argc > 3 ? std::max(1, std::atoi(argv[3])) : 200);
    return wake_mode(workers, argc > 3 ? std::max(1, std::atoi(argv[3])) : 100);
  }
  const auto n = static_cast<std::uint32_t>(argc > 1 ? std::atoi(argv[1]) : 35);
  const int reps = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  const auto workers = static_cast<std::size_t>(argc > 3 ? std::max(1, std::atoi(argv[3])) : 2);
  const std::uint64_t expected = fib_ref(n);
  const double tasks = 2.0 * static_cast<double>(fib_ref(n + 1)) - 1.0;

  const TaskRegistry reg = registry();
  ThreadPool pool(reg, workers);
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
