// A satellite's pool in virtual time: tasks really execute, but W workers are simulated and
// each task advances virtual time by a fixed cost.
#pragma once

#include <deque>
#include <vector>

#include "leomesh/scheduler/pool.hpp"

namespace leomesh::emulator {

/// The local pool of one simulated satellite. Single-threaded; the driver calls start()
/// whenever a worker may have become free or work may have arrived, and finish() when a
/// worker's task completes in virtual time.
///
///   SimulatedPool pool(registry, /*workers=*/4);
///   pool.push(roots.data(), roots.size());
///   while (auto w = pool.start_next()) schedule(now + cost, *w);   // worker w is busy
///   ... at now + cost:  pool.finish(w);  (runs the task: children become runnable)
class SimulatedPool final : public scheduler::LocalPool {
 public:
  SimulatedPool(const scheduler::TaskRegistry& registry, int workers);

  // LocalPool
  std::size_t take_oldest(std::size_t max, std::vector<scheduler::Task>& out) override;
  std::size_t approx_size() const override { return queue_.size(); }
  void push(const scheduler::Task* tasks, std::size_t count) override;
  scheduler::Reduction reduction() const override { return ctx_.reduction_copy(); }

  /// Gives the newest queued task to a free worker; returns the worker, or -1 if no worker
  /// is free or nothing is queued.
  int start_next();
  /// Worker `w` completes its task: the task runs now (its children become runnable).
  void finish(int w);
  /// No task queued and no worker busy.
  bool idle() const { return queue_.empty() && busy_workers_ == 0; }
  int workers() const { return static_cast<int>(running_.size()); }
  std::uint64_t tasks_executed() const { return executed_; }

 private:
  class Context final : public scheduler::TaskContext {
   public:
    explicit Context(std::deque<scheduler::Task>& queue) : queue_(queue) {}
    void spawn(const scheduler::Task& child) override { queue_.push_back(child); }
    scheduler::Reduction reduction_copy() const { return reduction_; }

   private:
    std::deque<scheduler::Task>& queue_;
  };

  const scheduler::TaskRegistry& registry_;
  std::deque<scheduler::Task> queue_;  // front = oldest
  std::vector<scheduler::Task> running_;
  std::vector<bool> busy_;
  int busy_workers_ = 0;
  std::uint64_t executed_ = 0;
  Context ctx_;
};

}  // namespace leomesh::emulator
