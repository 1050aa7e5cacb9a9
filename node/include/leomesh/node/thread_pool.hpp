// The threaded local pool of one satellite: W worker threads, one work-stealing deque each.
//
// ThreadPool runs scheduler::Task values with the functions of a scheduler::TaskRegistry. A
// running task spawns children onto its own worker's deque (no lock, no allocation); idle
// workers steal the oldest task of a random other worker, then park on a condition variable
// and wake within microseconds when work appears. The pool implements scheduler::LocalPool,
// through which the scheduler core's driver takes loot for remote thieves (take_oldest) and
// injects tasks stolen from other satellites (push). It knows nothing about the network.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "leomesh/node/deque.hpp"
#include "leomesh/scheduler/pool.hpp"
#include "leomesh/scheduler/task.hpp"

namespace leomesh::node {

/// Settings of a ThreadPool, applied once at construction.
struct ThreadPoolOptions {
  std::size_t workers = 1;           ///< worker threads, >= 1 (0 is treated as 1)
  std::size_t deque_capacity = 256;  ///< initial ring size of each deque (it grows on demand)
  std::uint64_t seed = 0x9E3779B97F4A7C15ull;  ///< seeds each worker's victim-choice RNG
  /// Full rounds of failed steal attempts (every other worker once, plus the inbox) a
  /// worker makes before it parks: `spin_rounds` with a CPU pause between rounds, then
  /// `yield_rounds` with std::this_thread::yield().
  std::uint32_t spin_rounds = 64;
  std::uint32_t yield_rounds = 16;
  /// Linux nice increment of the worker threads (0 = same as the caller). An agent runs its
  /// workers a little below its event loop so that a steal request is answered at once even
  /// while every core computes.
  int worker_nice = 0;
  /// Seconds one unit of the registry's estimates costs here (TaskRegistry::estimate): what
  /// turns queued tasks into queued_work_s(). An agent sets its workload's measured unit cost.
  double unit_cost_s = 1e-6;
};

/// Counters of one worker, read with relaxed loads while the pool runs (so they may lag).
struct WorkerStats {
  std::uint64_t executed = 0;  ///< tasks this worker ran
  std::uint64_t steals = 0;    ///< tasks it stole from other local workers
  std::uint64_t parks = 0;     ///< times it went to sleep on the condition variable
  /// Seconds it was awake: running tasks, or looking for one before it parks (a few
  /// microseconds each time it runs dry). What a trace shows as a satellite's busy time.
  double awake_s = 0;
};

/// Counters of a whole pool; see stats().
struct PoolStats {
  std::vector<WorkerStats> workers;  ///< one entry per worker, in worker order
  WorkerStats total;                 ///< the sum over workers
  std::uint64_t pushed = 0;          ///< tasks received through push()/submit()
  std::uint64_t taken = 0;           ///< tasks given away by take_oldest()
  std::uint64_t wakeups = 0;         ///< times work was announced to parked workers
};

/// A work-stealing pool of W threads running the tasks of one satellite.
///
/// Work enters in two ways. Tasks spawned by a running task go onto the bottom of that
/// worker's deque (lock-free, no allocation per task once the deque has grown to the
/// recursion's width). Tasks from outside -- submit() and push(), from any thread -- go into
/// a mutex-protected FIFO *inbox* that workers drain into their deques when they run out
/// of local work; a mutex is fine there because external injection is rare and batched
/// (loot from a remote steal) and it keeps the owner-only deque contract simple.
///
/// Workers pop their own deque LIFO; when it is empty they drain the inbox, then steal FIFO
/// (the oldest task) from random other workers; after `spin_rounds + yield_rounds` failed
/// rounds they park. A parked worker is woken by an external push, or by a spawn/pop that
/// sees `sleepers > 0` (one relaxed load on the spawn path; no lock unless someone sleeps;
/// at most one such wake-up in flight at a time, each woken worker passing the baton on).
///
/// Quiescence is exact: the pool counts *busy* parties -- workers that are not parked, plus
/// one while the inbox is non-empty. A worker parks only when its own deque is empty, and
/// only an unparked worker can push to its deque, so `busy == 0` means no task is queued or
/// running anywhere. wait_idle() therefore never returns while a task submitted before the
/// call (happens-before), or any descendant, is still queued or running; tasks removed by
/// take_oldest() leave the pool and are the caller's. Tasks submitted concurrently with
/// wait_idle() may or may not be waited for. A new pool counts as busy until each worker
/// has looked for work once and parked (microseconds).
///
/// Thread-safety: submit(), push(), take_oldest(), approx_size(), idle(), stats() and
/// set_on_idle() may be called from any thread, concurrently, including from tasks and from
/// the idle callback. wait_idle() and the destructor block until the workers are idle, so
/// never call them from a task or the idle callback (they would wait for themselves).
/// reduction() and reset_reduction() read/write the workers' reductions without locks: call
/// them only while idle (e.g. after wait_idle()). Tasks must not throw (the worker thread
/// would terminate the process).
///
/// @code
///   enum : scheduler::TaskKind { kFib = 1 };
///   void fib(const scheduler::Task& t, scheduler::TaskContext& ctx) {
///     const auto n = t.get<std::uint32_t>();
///     if (n < 2) { ctx.reduction().sum += n; return; }
///     ctx.spawn(scheduler::Task::make(kFib, n - 1));
///     ctx.spawn(scheduler::Task::make(kFib, n - 2));
///   }
///
///   scheduler::TaskRegistry registry;
///   registry.set(kFib, fib);
///   ThreadPool pool(registry, 4);                        // 4 worker threads, parked
///   pool.set_on_idle([&] { driver.handle_local_idle(); });  // optional: the pool ran dry
///   pool.submit(scheduler::Task::make(kFib, 30u));
///   pool.wait_idle();                                    // blocks until every task ran
///   assert(pool.reduction().sum == 832040);
/// @endcode
class ThreadPool final : public scheduler::LocalPool {
 public:
  using Task = scheduler::Task;

  /// Starts `workers` threads (at least 1) that run tasks with `registry`'s functions. The
  /// registry must outlive the pool and be complete (it is read without locks).
  ThreadPool(const scheduler::TaskRegistry& registry, std::size_t workers);
  /// Same, with every setting.
  ThreadPool(const scheduler::TaskRegistry& registry, const ThreadPoolOptions& options);
  /// Blocks until the pool is idle (wait_idle(): every queued task runs, nothing is lost),
  /// then stops and joins the workers. A workload that spawns forever never lets it return;
  /// drain it first with take_oldest(). Must not be called from a worker. Clear an idle
  /// callback that may push() (set_on_idle({})) before destroying the pool: work it pushes
  /// after the final wait_idle() would be dropped.
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Number of worker threads.
  std::size_t workers() const { return workers_.size(); }

  /// Any thread. Queues `count` tasks in the inbox (FIFO) and wakes parked workers. Takes
  /// the inbox mutex briefly; may allocate when the inbox grows. Never waits for workers.
  /// Every task's kind must be registered (asserted in debug builds). Inbox tasks start when
  /// a worker has no local work left: under a deep local recursion they wait for it.
  void submit(const Task* tasks, std::size_t count);
  /// Any thread. submit() of one task.
  void submit(const Task& task) { submit(&task, 1); }
  /// LocalPool: the same as submit(); used by the driver to make loot runnable here.
  void push(const Task* tasks, std::size_t count) override { submit(tasks, count); }

  /// LocalPool, any thread. Removes up to `max` of the oldest tasks -- first from the inbox,
  /// then from the top of the workers' deques, one per worker in turn -- and appends them
  /// to `out`. Lock-free on the deques (it is one more thief); concurrent with running
  /// workers. Returns how many were taken; they are no longer this pool's to run.
  std::size_t take_oldest(std::size_t max, std::vector<Task>& out) override;
  /// LocalPool, any thread. Tasks queued now (inbox + deques); a racy snapshot.
  std::size_t approx_size() const override;
  /// LocalPool, any thread. The registry's estimates of the queued tasks at unit_cost_s
  /// per unit; a racy snapshot, kept without locks by counters each written by one thread.
  double queued_work_s() const override;
  /// LocalPool, any thread. Takes the oldest tasks (as take_oldest()) and gives those at
  /// least half of which fits in what is left of `work_s`; the larger ones it looked at go
  /// back through the inbox, as do those of other accounts with `one_account`. Looks at no
  /// more than 2 x max + 16 tasks.
  std::size_t take_work(double work_s, std::size_t max, std::vector<Task>& out, bool one_account) override;

  /// Any thread but a worker. Blocks until the pool is quiescent: no task queued or
  /// running. Returns at once if it already is.
  void wait_idle();
  /// Like wait_idle() but gives up after `timeout`; returns whether the pool was idle.
  bool wait_idle_for(std::chrono::nanoseconds timeout);
  /// Any thread. Non-blocking: true when no task is queued or running at this instant.
  bool idle() const override { return busy_.load(std::memory_order_acquire) == 0; }

  /// Any thread. Sets the function called when the pool goes dry (the busy count reaches
  /// zero). It runs on the worker that parks last, outside every pool lock, and may call
  /// push()/take_oldest()/approx_size() (typically it tells the scheduler core's driver to
  /// start a remote steal). It is a hint: it may fire more than once per quiescent period
  /// (e.g. after a spurious wake-up) and work may arrive while it runs. Pass {} to clear.
  void set_on_idle(std::function<void()> callback);

  /// The merge of every worker's reduction. Call when idle (after wait_idle()); otherwise
  /// it races with running tasks.
  scheduler::Reduction reduction() const;
  /// Zeroes every worker's reduction. Call when idle.
  void reset_reduction();
  /// Crash recovery: no task of loot account `account` queued or running (exact when true).
  bool account_done(std::uint8_t account) const override;
  /// The reduction of loot account `account`, zeroed. Call once account_done(account).
  scheduler::Reduction take_account(std::uint8_t account) override;
  /// Any thread. Workers skip the account's tasks from now on (the deques are not searched:
  /// a task is dropped when a worker reaches it).
  void drop_account(std::uint8_t account) override;
  void open_account(std::uint8_t account) override;
  /// Per-worker and total counters (relaxed snapshot; exact when idle).
  PoolStats stats() const;

 private:
  struct Worker;
  class WorkerContext;

  void run_worker(Worker& w);
  bool find_elsewhere(Worker& w, Task& out);
  bool scan_once(Worker& w, Task& out);
  bool take_from_inbox(Worker& w, Task& out);
  bool park(Worker& w, Task& out);
  void execute(Worker& w, const Task& task);
  void wake(std::size_t count);
  void wake_for_spawned_work();
  void maybe_wake_another() {
    if (sleepers_.load(std::memory_order_relaxed) != 0 &&
        !wake_pending_.load(std::memory_order_relaxed)) {
      wake_for_spawned_work();
    }
  }
  void became_idle(bool from_worker);

  const scheduler::TaskRegistry& registry_;
  const ThreadPoolOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;

  // Parking. A worker announces itself in sleepers_, reads epoch_, re-scans for work, and
  // sleeps until epoch_ changes; publishers of work bump epoch_ under park_mutex_ when they
  // see sleepers_ > 0. See thread_pool.cpp for the ordering argument.
  // Both are read on every spawn/pop and written only around parking, so they share a line
  // that stays in every core's cache. wake_pending_ is set when a wake-up is sent on behalf of
  // spawned work and cleared by the next worker that enters or leaves park() (and then
  // scans), so a burst of spawns sends one wake-up, not one per spawn.
  alignas(64) std::atomic<std::uint32_t> sleepers_{0};
  std::atomic<bool> wake_pending_{false};
  alignas(64) std::atomic<std::uint64_t> epoch_{0};
  std::atomic<bool> stop_{false};
  std::mutex park_mutex_;
  std::condition_variable park_cv_;

  // Quiescence: unparked workers + (inbox non-empty ? 1 : 0).
  alignas(64) std::atomic<std::int64_t> busy_{0};
  std::mutex idle_mutex_;
  std::condition_variable idle_cv_;

  // The inbox: FIFO of externally submitted tasks, entries [inbox_head_, inbox_.size()).
  alignas(64) std::atomic<std::size_t> inbox_size_{0};
  std::mutex inbox_mutex_;
  std::vector<Task> inbox_;
  std::size_t inbox_head_ = 0;

  std::mutex callback_mutex_;
  std::shared_ptr<const std::function<void()>> on_idle_;

  // Queued work in estimate units: the inbox's (changed under inbox_mutex_) and what the
  // driver took from the deques (take_oldest); each worker keeps its own added and removed.
  std::atomic<double> inbox_units_{0};
  std::atomic<double> driver_removed_units_{0};

  std::atomic<std::uint64_t> pushed_{0};
  std::atomic<std::uint64_t> taken_{0};
  // Per loot account (crash recovery): tasks submitted, and tasks taken out (account_done()).
  std::array<std::atomic<std::uint64_t>, scheduler::TaskContext::kAccounts> driver_in_{};
  std::array<std::atomic<std::uint64_t>, scheduler::TaskContext::kAccounts> driver_out_{};
  std::array<std::atomic<bool>, scheduler::TaskContext::kAccounts> dropped_{};
  std::atomic<std::uint64_t> wakeups_{0};
  std::atomic<std::size_t> take_cursor_{0};
};

}  // namespace leomesh::node
