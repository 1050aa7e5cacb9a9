// The local pool of an agent that runs its tasks on its host's thread, within a time budget:
// the embedding's poll-driven mode (leomesh_step), where flight software owns every thread.
//
//   InlinePool pool(registry, {.capacity = 4096, .unit_cost_s = 1e-7});   // allocates here only
//   pool.push(roots.data(), roots.size());
//   while (!pool.idle()) pool.run_until(deadline_ns, clock_ns, nullptr);  // one rate group's slice
#pragma once

#include <cstdint>

#include "leomesh/scheduler/pool.hpp"
#include "leomesh/scheduler/task_queue.hpp"

namespace leomesh::node {

struct InlinePoolOptions {
  /// Tasks queued at once. A task spawned into a full queue runs at once, inside its parent
  /// (depth-first: the stack grows by the tree's depth, not its width); loot pushed into a
  /// full queue runs at once too. So no task is lost and nothing is allocated after construction.
  std::size_t capacity = 4096;
  double unit_cost_s = 1e-7;  ///< what a unit of the registry's estimates costs here
};

/// A single-threaded LocalPool whose tasks run only inside run_until(), newest first. Not
/// thread-safe: the host's thread calls everything, the core included.
class InlinePool final : public scheduler::LocalPool {
 public:
  InlinePool(const scheduler::TaskRegistry& registry, const InlinePoolOptions& options);

  /// A clock in nanoseconds, read between tasks to keep to the budget.
  using ClockFn = std::uint64_t (*)(void* user);
  /// Runs queued tasks, newest first, until none is queued or `clock(user)` reaches
  /// `deadline_ns` (read after each task: a task is never interrupted, so a budget is
  /// overrun by at most one task). Returns how many ran.
  std::size_t run_until(std::uint64_t deadline_ns, ClockFn clock, void* user);

  // scheduler::LocalPool
  std::size_t take_oldest(std::size_t max, std::vector<scheduler::Task>& out) override;
  std::size_t approx_size() const override { return queue_.size(); }
  /// The newest task is the host's thread's next: never given away, not counted here (as a
  /// threaded worker's running task is not).
  double queued_work_s() const override { return queue_.spare_units() * options_.unit_cost_s; }
  std::size_t take_work(double work_s, std::size_t max, std::vector<scheduler::Task>& out, bool one_account) override;
  /// Between run_until() calls nothing is running: idle when nothing is queued.
  bool idle() const override { return queue_.empty() && depth_ == 0; }
  void push(const scheduler::Task* tasks, std::size_t count) override;
  scheduler::Reduction reduction() const override { return queue_.reduction(); }
  bool account_done(std::uint8_t account) const override { return queue_.account_done(account); }
  scheduler::Reduction take_account(std::uint8_t account) override { return queue_.take_account(account); }
  void drop_account(std::uint8_t account) override { queue_.drop(account); }
  void open_account(std::uint8_t account) override { queue_.open(account); }

  std::uint64_t executed() const { return executed_; }
  /// Tasks handed in with push() (loot, the ground's), ever.
  std::uint64_t received() const { return received_; }
  /// Tasks that found the queue full and ran at once instead.
  std::uint64_t ran_at_once() const { return ran_at_once_; }
  std::size_t high_water() const { return high_water_; }

 private:
  class Context final : public scheduler::TaskContext {
   public:
    explicit Context(InlinePool& pool) : pool_(pool) {}
    void spawn(const scheduler::Task& child) override { pool_.spawned(stamped(child)); }
    scheduler::Reduction& reduction_ref() { return reduction_; }

   private:
    InlinePool& pool_;
  };
  void spawned(const scheduler::Task& child);
  // Runs `task` to its end and files its results; its children are queued (or run).
  void run(const scheduler::Task& task);

  const scheduler::TaskRegistry& registry_;
  InlinePoolOptions options_;
  scheduler::TaskQueue queue_;
  Context ctx_{*this};
  int depth_ = 0;  // tasks running (nested when the queue was full)
  std::uint64_t executed_ = 0, ran_at_once_ = 0, received_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace leomesh::node
