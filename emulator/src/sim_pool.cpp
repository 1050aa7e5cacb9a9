#include "leomesh/emulator/sim_pool.hpp"

namespace leomesh::emulator {

SimulatedPool::SimulatedPool(const scheduler::TaskRegistry& registry, int workers)
    : registry_(registry),
      running_(static_cast<std::size_t>(workers)),
      busy_(static_cast<std::size_t>(workers), false),
      ctx_(queue_) {}

std::size_t SimulatedPool::take_oldest(std::size_t max, std::vector<scheduler::Task>& out) {
  std::size_t n = 0;
  while (n < max && !queue_.empty()) {
    out.push_back(queue_.front());
    queue_.pop_front();
    ++n;
  }
  return n;
}

void SimulatedPool::push(const scheduler::Task* tasks, std::size_t count) {
  queue_.insert(queue_.end(), tasks, tasks + count);
}

int SimulatedPool::start_next() {
  if (queue_.empty()) return -1;
  for (std::size_t w = 0; w < busy_.size(); ++w) {
    if (busy_[w]) continue;
    // Newest first, as a worker's own deque would give it (depth-first, small footprint).
    running_[w] = queue_.back();
    queue_.pop_back();
    busy_[w] = true;
    ++busy_workers_;
    return static_cast<int>(w);
  }
  return -1;
}

void SimulatedPool::finish(int w) {
  const auto i = static_cast<std::size_t>(w);
  registry_.run(running_[i], ctx_);
  busy_[i] = false;
  --busy_workers_;
  ++executed_;
}

}  // namespace leomesh::emulator
