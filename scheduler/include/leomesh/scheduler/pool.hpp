// The interface through which the sans-IO scheduler core reaches a satellite's local pool.
#pragma once

#include <cstddef>
#include <vector>

#include "leomesh/scheduler/task.hpp"

namespace leomesh::scheduler {

/// A satellite's local pool as the steal protocol sees it. Implemented by the threaded
/// pool in node/ (real workers) and by the simulated pool of the emulator (virtual time).
/// Calls come from the driver's thread, concurrently with the workers.
class LocalPool {
 public:
  virtual ~LocalPool() = default;
  /// Removes up to `max` tasks from the oldest end of the local work (FIFO for thieves:
  /// the oldest tasks are the largest in divide-and-conquer workloads) and appends them to
  /// `out`. Returns how many were taken; 0 when the pool has nothing to give.
  virtual std::size_t take_oldest(std::size_t max, std::vector<Task>& out) = 0;
  /// How many tasks are queued now (a snapshot; telemetry and tests).
  virtual std::size_t approx_size() const = 0;
  /// What the queued tasks are worth: the seconds one worker would need to run them and
  /// everything they will spawn, from the registry's estimates (TaskRegistry::estimate) and
  /// the pool's cost of a unit of work. The currency of every sharing decision.
  virtual double queued_work_s() const = 0;
  /// Removes queued tasks worth about `work_s` (at most `max` of them), from the oldest end,
  /// and appends them to `out`: a task is given when at least half of it fits in what is still
  /// to give, so one large old task goes whole to a thief that is owed at least half of it,
  /// and the smaller ones after it fill up the rest; the ones passed over stay. Counting work
  /// rather than tasks is the point: in a divide-and-conquer queue the oldest task can be
  /// worth more than all the others together, and "half of the tasks" either starved the
  /// thief or the victim. With `one_account` (crash recovery) every task given is of one loot
  /// account (Task::account), the one with the most work queued where the pool knows it, else
  /// that of the first task given, and tasks of other accounts are passed over like the large
  /// ones: loot of one account needs one account at its receiver.
  /// Returns how many were taken.
  virtual std::size_t take_work(double work_s, std::size_t max, std::vector<Task>& out, bool one_account) = 0;
  /// No task queued and none running, at this instant (exact: only the driver's thread adds
  /// work to an idle pool).
  virtual bool idle() const = 0;
  /// Makes stolen or injected tasks runnable here.
  virtual void push(const Task* tasks, std::size_t count) = 0;
  /// The merged reduction of every task run here so far. Called once the pool is idle.
  virtual Reduction reduction() const = 0;
  /// Crash recovery: no task of loot account `account` (Task::account, inherited by every
  /// child) is queued or running here. Exact when it says true, as idle() is: only a running
  /// task of the account or the driver's thread can add one.
  virtual bool account_done(std::uint8_t account) const = 0;
  /// Crash recovery: moves out the reduction of the tasks of `account` run here so far,
  /// leaving it zero. Call only once account_done(account).
  virtual Reduction take_account(std::uint8_t account) = 0;
  /// Crash recovery: the results of loot account `account` will never count (its giver's
  /// life is over). Its tasks queued here, and those its running tasks spawn, are dropped
  /// unrun as the workers reach them (counted finished, with no results), so that
  /// account_done(account) soon holds. The tasks already running end as they would.
  virtual void drop_account(std::uint8_t account) = 0;
  /// Crash recovery: tasks of `account` run again. The core calls it when it opens the
  /// account for new loot, which it does only once account_done(account).
  virtual void open_account(std::uint8_t account) = 0;
};

}  // namespace leomesh::scheduler
