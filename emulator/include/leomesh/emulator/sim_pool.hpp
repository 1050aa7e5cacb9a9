// A satellite's pool in virtual time: tasks really execute, but W workers are simulated and
// each task advances virtual time by a cost proportional to the work it did.
#pragma once

#include <optional>
#include <vector>

#include "leomesh/scheduler/pool.hpp"
#include "leomesh/scheduler/task_queue.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::emulator {

/// The local pool of one simulated satellite. Single-threaded; the driver calls start_next()
/// whenever a worker may have become free or work may have arrived, and finish() when a
/// worker's task completes in virtual time.
///
/// A started task runs at once (its effect on the reduction is known), but the children it
/// spawns become runnable only when it finishes, `cost_s` later: task_cost_s per unit of work
/// the task did (a UTS node, a fib leaf, a bag task; at least one unit). So a tree that is
/// cheap to compute here can stand for heavy onboard work.
///
///   SimulatedPool pool(workload, /*workers=*/4, /*task_cost_s=*/1e-3);
///   pool.push(roots.data(), roots.size());
///   while (auto s = pool.start_next()) schedule(now + s->cost_s, s->worker);
///   ... at that time:  pool.finish(worker);   // its children become runnable
class SimulatedPool final : public scheduler::LocalPool {
 public:
  SimulatedPool(const workloads::Workload& workload, int workers, double task_cost_s);

  // LocalPool
  std::size_t take_oldest(std::size_t max, std::vector<scheduler::Task>& out) override;
  std::size_t approx_size() const override { return queue_.size(); }
  /// The registry's estimates of the queued tasks, at task_cost_s per unit.
  double queued_work_s() const override { return queue_.queued_units() * task_cost_s_; }
  std::size_t take_work(double work_s, std::size_t max, std::vector<scheduler::Task>& out, bool one_account) override;
  void push(const scheduler::Task* tasks, std::size_t count) override;
  scheduler::Reduction reduction() const override { return queue_.reduction(); }
  bool account_done(std::uint8_t account) const override { return queue_.account_done(account); }
  scheduler::Reduction take_account(std::uint8_t account) override { return queue_.take_account(account); }
  void drop_account(std::uint8_t account) override { queue_.drop(account); }
  void open_account(std::uint8_t account) override { queue_.open(account); }

  struct Started {
    int worker;
    double cost_s;  ///< virtual time until finish(worker)
  };
  /// Gives the newest queued task to a free worker and runs it; nothing if no worker is free
  /// or nothing is queued.
  std::optional<Started> start_next();
  /// Worker `w` completes its task: the children it spawned become runnable.
  void finish(int w);
  /// Runs the newest queued task to completion at once, outside virtual time (work done on
  /// the ground before the uplink); its children are queued. No-op when nothing is queued.
  void run_newest_now();
  /// Virtual time workers have spent on tasks (for utilisation).
  double busy_s() const { return busy_s_; }
  // LocalPool: no task queued and no worker busy.
  bool idle() const override { return queue_.empty() && busy_workers_ == 0; }
  int workers() const { return static_cast<int>(busy_.size()); }
  std::uint64_t tasks_executed() const { return executed_; }

 private:
  class Context final : public scheduler::TaskContext {
   public:
    void spawn(const scheduler::Task& child) override { out->push_back(stamped(child)); }
    scheduler::Reduction& reduction_ref() { return reduction_; }
    std::vector<scheduler::Task>* out = nullptr;  // the running worker's children
  };

  // Runs `task` with its spawns going to `children`; returns the units of work it did.
  std::uint64_t run(const scheduler::Task& task, std::vector<scheduler::Task>& children);

  const workloads::Workload& workload_;
  double task_cost_s_;
  scheduler::TaskQueue queue_;  // grows as needed: the constellation's memory is not simulated

  std::vector<std::vector<scheduler::Task>> spawned_;  // per worker, until it finishes
  std::vector<bool> busy_;
  int busy_workers_ = 0;
  std::uint64_t executed_ = 0;
  double busy_s_ = 0;
  Context ctx_;
  std::vector<std::uint8_t> running_account_;  // per worker
};

}  // namespace leomesh::emulator
