// The queue of a single-threaded local pool: the tasks waiting on one satellite, with what
// they are worth, how many of each loot account are queued or running, and the results per
// account. Shared by the simulated pool (emulator/, virtual time) and the inline pool of the
// embedding (node/, the host's thread), which differ only in how they run what they take.
//
//   TaskQueue q(registry, /*capacity=*/4096, /*fixed=*/true);   // no allocation after this
//   q.push(root);
//   while (auto t = q.pop_newest()) {       // depth-first, as a worker's own deque
//     run(*t);                              // its children: q.push(child) ...
//     q.file(t->account, its_results);
//     q.finished(t->account);               // after its children, never a moment at zero
//   }
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "leomesh/scheduler/task.hpp"

namespace leomesh::scheduler {

/// Tasks in arrival order (oldest at the front), single-threaded. A thief is given from the
/// oldest end (the largest tasks in divide-and-conquer workloads); the owner runs the newest.
/// With a fixed capacity nothing is allocated after construction and push() refuses a task
/// that does not fit; otherwise the storage doubles when full.
class TaskQueue {
 public:
  /// `registry` (outliving the queue) gives each task's estimate. `capacity` > 0. The newest
  /// `held` tasks are never given to thieves: they stand for work the owner is about to run
  /// (a pool that runs nothing between its owner's turns would otherwise give its only task
  /// away to a thief that gives it back, for ever).
  TaskQueue(const TaskRegistry& registry, std::size_t capacity, bool fixed, std::size_t held = 0);

  /// Queues `t` and counts it in its account. False (nothing changed) only when the capacity
  /// is fixed and reached.
  bool push(const Task& t);
  /// The newest task, out of the queue but still counted in its account until finished().
  /// Tasks of a dropped account (drop()) on the way are discarded.
  std::optional<Task> pop_newest();
  /// A task popped with pop_newest() is done and its children are queued.
  void finished(std::uint8_t account) { --outstanding_[account]; }

  /// LocalPool::take_oldest(): up to `max` of the oldest tasks, out of the queue and their accounts.
  std::size_t take_oldest(std::size_t max, std::vector<Task>& out);
  /// LocalPool::take_work() in the registry's units: from the oldest end, every task at least
  /// half of which fits in what is still to give (and, with `one_account`, of the account with
  /// the most work queued); those passed over keep their place.
  std::size_t take_work(double units, std::size_t max, std::vector<Task>& out, bool one_account);

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t capacity() const { return slots_.size(); }
  /// The registry's estimates of the queued tasks, summed.
  double queued_units() const { return queued_units_; }
  /// Of those, what a thief can be given: all but the newest `held`.
  double spare_units() const;

  /// No task of `account` queued, nor popped and not yet finished.
  bool account_done(std::uint8_t account) const { return outstanding_[account] == 0; }
  /// Adds a finished task's results to its account.
  void file(std::uint8_t account, const Reduction& r) { results_[account].merge(r); }
  /// Moves out the results of `account`, leaving it zero.
  Reduction take_account(std::uint8_t account);
  /// LocalPool::drop_account(): pop_newest() discards the account's tasks from now on.
  void drop(std::uint8_t account) { dropped_[account] = true; }
  /// LocalPool::open_account(): its tasks are run again.
  void open(std::uint8_t account) { dropped_[account] = false; }
  /// Tasks discarded by pop_newest() so far.
  std::uint64_t discarded() const { return discarded_; }
  /// Every account's results merged.
  Reduction reduction() const;

 private:
  struct Queued {
    Task task;
    double units;  // the registry's estimate
  };
  Queued& at(std::size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  Queued pop_front();
  void grow();
  int richest_account() const;  // the account whose queued tasks are worth the most
  void cleared();               // empty now: the sums are zero, without the drift of a running sum

  const TaskRegistry& registry_;
  bool fixed_;
  std::size_t held_;
  std::vector<Queued> slots_;  // a ring of a power-of-two size
  std::size_t head_ = 0, size_ = 0;
  double queued_units_ = 0;
  std::array<std::uint32_t, TaskContext::kAccounts> outstanding_{};
  std::array<double, TaskContext::kAccounts> account_units_{};  // queued units per account
  std::array<Reduction, TaskContext::kAccounts> results_{};
  std::array<bool, TaskContext::kAccounts> dropped_{};
  std::uint64_t discarded_ = 0;
};

}  // namespace leomesh::scheduler
