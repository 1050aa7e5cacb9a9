#include "leomesh/scheduler/task_queue.hpp"

#include <cassert>

namespace leomesh::scheduler {
namespace {
std::size_t power_of_two_at_least(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

TaskQueue::TaskQueue(const TaskRegistry& registry, std::size_t capacity, bool fixed, std::size_t held)
    : registry_(registry), fixed_(fixed), held_(held), slots_(power_of_two_at_least(capacity)) {
  assert(capacity > 0);
}

void TaskQueue::grow() {
  std::vector<Queued> bigger(slots_.size() * 2);
  for (std::size_t i = 0; i < size_; ++i) bigger[i] = at(i);
  slots_.swap(bigger);
  head_ = 0;
}

bool TaskQueue::push(const Task& t) {
  if (size_ == slots_.size()) {
    if (fixed_) return false;
    grow();
  }
  const double units = registry_.estimate(t);
  at(size_++) = Queued{t, units};
  queued_units_ += units;
  account_units_[t.account] += units;
  ++outstanding_[t.account];
  return true;
}

std::optional<Task> TaskQueue::pop_newest() {
  while (size_ > 0) {
    const Queued q = at(--size_);
    account_units_[q.task.account] -= q.units;
    // Reset on empty: a running sum of doubles would otherwise drift from zero.
    if (size_ == 0)
      cleared();
    else
      queued_units_ -= q.units;
    if (!dropped_[q.task.account]) return q.task;
    --outstanding_[q.task.account];  // never run: its results would never count
    ++discarded_;
  }
  return std::nullopt;
}

TaskQueue::Queued TaskQueue::pop_front() {
  const Queued q = at(0);
  head_ = (head_ + 1) & (slots_.size() - 1);
  --size_;
  return q;
}

double TaskQueue::spare_units() const {
  double held = 0;
  for (std::size_t i = size_ > held_ ? size_ - held_ : 0; i < size_; ++i)
    held += slots_[(head_ + i) & (slots_.size() - 1)].units;
  return size_ > held_ ? queued_units_ - held : 0;
}

std::size_t TaskQueue::take_oldest(std::size_t max, std::vector<Task>& out) {
  std::size_t n = 0;
  while (n < max && size_ > held_) {
    const Queued q = pop_front();
    out.push_back(q.task);
    --outstanding_[q.task.account];
    queued_units_ -= q.units;
    account_units_[q.task.account] -= q.units;
    ++n;
  }
  if (size_ == 0) cleared();
  return n;
}

std::size_t TaskQueue::take_work(double units, std::size_t max, std::vector<Task>& out, bool one_account) {
  double left = units;
  std::size_t n = 0, looked = 0, kept = 0;
  // With one_account: the account with the most work queued, so that loot of one account is
  // as large as the queue allows.
  const int account = one_account ? richest_account() : -1;
  // In place, from the oldest: the tasks passed over are packed at the front as they come,
  // then moved up against the ones not looked at, and the gap they leave is dropped.
  while (looked + held_ < size_ && n < max && left > 0) {
    const Queued q = at(looked++);
    if (q.units <= 2 * left && (account < 0 || q.task.account == account)) {  // at least half of it fits
      out.push_back(q.task);
      --outstanding_[q.task.account];
      left -= q.units;
      queued_units_ -= q.units;
      account_units_[q.task.account] -= q.units;
      ++n;
    } else {
      at(kept++) = q;
    }
  }
  for (std::size_t j = kept; j-- > 0;) at(looked - kept + j) = at(j);
  head_ = (head_ + n) & (slots_.size() - 1);
  size_ -= n;
  if (size_ == 0) cleared();
  return n;
}

int TaskQueue::richest_account() const {
  int best = 0;
  for (std::size_t a = 1; a < account_units_.size(); ++a)
    if (account_units_[a] > account_units_[static_cast<std::size_t>(best)]) best = static_cast<int>(a);
  return best;
}

void TaskQueue::cleared() {
  queued_units_ = 0;
  account_units_.fill(0);
}

Reduction TaskQueue::take_account(std::uint8_t account) {
  const Reduction r = results_[account];
  results_[account] = Reduction{};
  return r;
}

Reduction TaskQueue::reduction() const {
  Reduction total;
  for (const Reduction& r : results_) total.merge(r);
  return total;
}

}  // namespace leomesh::scheduler
