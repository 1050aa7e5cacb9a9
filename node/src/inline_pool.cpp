#include "leomesh/node/inline_pool.hpp"

#include <algorithm>

namespace leomesh::node {

InlinePool::InlinePool(const scheduler::TaskRegistry& registry, const InlinePoolOptions& options)
    : registry_(registry), options_(options), queue_(registry, std::max<std::size_t>(options.capacity, 1), true, /*held=*/1) {}

std::size_t InlinePool::run_until(std::uint64_t deadline_ns, ClockFn clock, void* user) {
  std::size_t ran = 0;
  while (auto task = queue_.pop_newest()) {
    run(*task);
    queue_.finished(task->account);  // after its children: its account is never seen done between
    ++ran;
    if (clock(user) >= deadline_ns) break;
  }
  return ran;
}

void InlinePool::run(const scheduler::Task& task) {
  // A nested run (the queue was full) keeps the parent's partial results aside.
  const scheduler::Reduction outer = ctx_.reduction_ref();
  const std::uint8_t outer_account = ctx_.account();
  ++depth_;
  ctx_.enter(task.account);
  ctx_.reduction_ref() = scheduler::Reduction{};
  registry_.run(task, ctx_);
  queue_.file(task.account, ctx_.reduction_ref());
  ++executed_;
  --depth_;
  ctx_.reduction_ref() = outer;
  ctx_.enter(outer_account);
}

void InlinePool::spawned(const scheduler::Task& child) {
  if (queue_.push(child)) {
    high_water_ = std::max(high_water_, queue_.size());
    return;
  }
  ++ran_at_once_;
  run(child);
}

void InlinePool::push(const scheduler::Task* tasks, std::size_t count) {
  received_ += count;
  for (std::size_t i = 0; i < count; ++i) spawned(tasks[i]);
}

std::size_t InlinePool::take_oldest(std::size_t max, std::vector<scheduler::Task>& out) {
  return queue_.take_oldest(max, out);
}

std::size_t InlinePool::take_work(double work_s, std::size_t max, std::vector<scheduler::Task>& out,
                                  bool one_account) {
  if (!(options_.unit_cost_s > 0)) return 0;
  return queue_.take_work(work_s / options_.unit_cost_s, max, out, one_account);
}

}  // namespace leomesh::node
