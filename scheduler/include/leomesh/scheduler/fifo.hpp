// A first-in first-out queue over one vector that keeps its storage: once it has grown to the
// most it ever held, pushing and popping allocate nothing (std::deque allocates and frees a
// block every few hundred bytes that pass through it). For the core's queues of outgoing
// messages and events, which fill and drain around every input.
//
//   Fifo<Outbound> out;
//   out.push_back(Outbound{next, std::move(m)});
//   while (!out.empty()) { send(out.front()); out.pop_front(); }
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace leomesh::scheduler {

template <class T>
class Fifo {
 public:
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  bool empty() const { return head_ == items_.size(); }
  std::size_t size() const { return items_.size() - head_; }
  T& front() { return items_[head_]; }
  void push_back(T value) { items_.push_back(std::move(value)); }
  /// Drops the oldest element (the queue must not be empty).
  void pop_front() {
    items_[head_] = T{};
    if (++head_ == items_.size()) {
      clear();
    } else if (head_ >= 64 && 2 * head_ >= items_.size()) {
      // Never fully drained (a bounded history): slide the live half down, in place.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void reserve(std::size_t n) { items_.reserve(n); }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  iterator begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  const_iterator end() const { return items_.end(); }
  void erase(const_iterator at) { items_.erase(at); }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;  // items_[0, head_) are popped
};

}  // namespace leomesh::scheduler
