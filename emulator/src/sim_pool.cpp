#include "leomesh/emulator/sim_pool.hpp"

#include <algorithm>

namespace leomesh::emulator {

SimulatedPool::SimulatedPool(const workloads::Workload& workload, int workers, double task_cost_s)
    : workload_(workload),
      task_cost_s_(task_cost_s),
      queue_(workload.registry, 1024, /*fixed=*/false),
      spawned_(static_cast<std::size_t>(workers)),
      busy_(static_cast<std::size_t>(workers), false),
      running_account_(static_cast<std::size_t>(workers), 0) {}

std::size_t SimulatedPool::take_oldest(std::size_t max, std::vector<scheduler::Task>& out) {
  return queue_.take_oldest(max, out);
}

std::size_t SimulatedPool::take_work(double work_s, std::size_t max, std::vector<scheduler::Task>& out,
                                    bool one_account) {
  // In units: a cost of 0 (work outside virtual time) leaves nothing worth sharing.
  if (!(task_cost_s_ > 0)) return 0;
  return queue_.take_work(work_s / task_cost_s_, max, out, one_account);
}

void SimulatedPool::push(const scheduler::Task* tasks, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) queue_.push(tasks[i]);
}

std::optional<SimulatedPool::Started> SimulatedPool::start_next() {
  if (queue_.empty()) return std::nullopt;
  for (std::size_t w = 0; w < busy_.size(); ++w) {
    if (busy_[w]) continue;
    // Newest first, as a worker's own deque would give it (depth-first, small footprint).
    // None when all that was queued belonged to dropped accounts.
    const std::optional<scheduler::Task> next = queue_.pop_newest();
    if (!next) return std::nullopt;
    const scheduler::Task task = *next;
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
  queue_.file(task.account, ctx_.reduction_ref());
  return workload_.work_units(ctx_.reduction_ref());
}

void SimulatedPool::run_newest_now() {
  if (queue_.empty()) return;
  const scheduler::Task task = *queue_.pop_newest();
  std::vector<scheduler::Task> children;
  run(task, children);
  push(children.data(), children.size());
  queue_.finished(task.account);
  ++executed_;
}

void SimulatedPool::finish(int w) {
  const auto i = static_cast<std::size_t>(w);
  push(spawned_[i].data(), spawned_[i].size());
  spawned_[i].clear();
  queue_.finished(running_account_[i]);  // after its children: never a moment at zero between
  busy_[i] = false;
  --busy_workers_;
}

}  // namespace leomesh::emulator
