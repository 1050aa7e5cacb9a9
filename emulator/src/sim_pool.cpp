#include "leomesh/emulator/sim_pool.hpp"

#include <algorithm>

namespace leomesh::emulator {

SimulatedPool::SimulatedPool(const workloads::Workload& workload, int workers, double task_cost_s)
    : workload_(workload),
      task_cost_s_(task_cost_s),
      spawned_(static_cast<std::size_t>(workers)),
      busy_(static_cast<std::size_t>(workers), false),
      running_account_(static_cast<std::size_t>(workers), 0) {}

scheduler::Reduction SimulatedPool::reduction() const {
  scheduler::Reduction total;
  for (const scheduler::Reduction& r : results_) total.merge(r);
  return total;
}

scheduler::Reduction SimulatedPool::take_account(std::uint8_t account) {
  scheduler::Reduction r = results_[account];
  results_[account] = scheduler::Reduction{};
  return r;
}

void SimulatedPool::enqueue(const scheduler::Task& t) {
  const double units = workload_.registry.estimate(t);
  queue_.push_back(Queued{t, units});
  queued_units_ += units;
  ++outstanding_[t.account];
}

scheduler::Task SimulatedPool::dequeue_newest() {
  const Queued q = queue_.back();
  queue_.pop_back();
  // Reset on empty: a running sum of doubles would otherwise drift from zero.
  queued_units_ = queue_.empty() ? 0 : queued_units_ - q.units;
  return q.task;
}

std::size_t SimulatedPool::take_oldest(std::size_t max, std::vector<scheduler::Task>& out) {
  std::size_t n = 0;
  while (n < max && !queue_.empty()) {
    out.push_back(queue_.front().task);
    --outstanding_[queue_.front().task.account];
    queued_units_ -= queue_.front().units;
    queue_.pop_front();
    ++n;
  }
  if (queue_.empty()) queued_units_ = 0;
  return n;
}

std::size_t SimulatedPool::take_work(double work_s, std::size_t max, std::vector<scheduler::Task>& out) {
  // In units: a cost of 0 (work outside virtual time) leaves nothing worth sharing.
  if (!(task_cost_s_ > 0)) return 0;
  double left = work_s / task_cost_s_;
  std::size_t n = 0;
  kept_.clear();
  std::size_t i = 0;
  for (; i < queue_.size() && n < max && left > 0; ++i) {
    const Queued& q = queue_[i];
    if (q.units <= 2 * left) {  // at least half of it fits
      out.push_back(q.task);
      --outstanding_[q.task.account];
      left -= q.units;
      queued_units_ -= q.units;
      ++n;
    } else {
      kept_.push_back(q);
    }
  }
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(i));
  queue_.insert(queue_.begin(), kept_.begin(), kept_.end());
  if (queue_.empty()) queued_units_ = 0;
  return n;
}

void SimulatedPool::push(const scheduler::Task* tasks, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) enqueue(tasks[i]);
}

std::optional<SimulatedPool::Started> SimulatedPool::start_next() {
  if (queue_.empty()) return std::nullopt;
  for (std::size_t w = 0; w < busy_.size(); ++w) {
    if (busy_[w]) continue;
    // Newest first, as a worker's own deque would give it (depth-first, small footprint).
    const scheduler::Task task = dequeue_newest();
    busy_[w] = true;
    ++busy_workers_;
    running_account_[w] = task.account;
    const std::uint64_t units = run(task, spawned_[w]);
    const double cost = task_cost_s_ * static_cast<double>(std::max<std::uint64_t>(units, 1));
    busy_s_ += cost;
    ++executed_;
    return Started{static_cast<int>(w), cost};
  }
  return std::nullopt;
}

std::uint64_t SimulatedPool::run(const scheduler::Task& task, std::vector<scheduler::Task>& children) {
  ctx_.enter(task.account);
  ctx_.reduction_ref() = scheduler::Reduction{};
  ctx_.out = &children;
  workload_.registry.run(task, ctx_);
  results_[task.account].merge(ctx_.reduction_ref());
  return workload_.work_units(ctx_.reduction_ref());
}

void SimulatedPool::run_newest_now() {
  if (queue_.empty()) return;
  const scheduler::Task task = dequeue_newest();
  std::vector<scheduler::Task> children;
  run(task, children);
  push(children.data(), children.size());
  --outstanding_[task.account];
  ++executed_;
}

void SimulatedPool::finish(int w) {
  const auto i = static_cast<std::size_t>(w);
  push(spawned_[i].data(), spawned_[i].size());
  spawned_[i].clear();
  --outstanding_[running_account_[i]];  // after its children: never a moment at zero between
  busy_[i] = false;
  --busy_workers_;
}

}  // namespace leomesh::emulator
