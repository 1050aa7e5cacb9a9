// User-space emulation of one ISL's delay (this kernel has no netem).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <string>

namespace leomesh::node {

/// Frames waiting to "arrive" at the far end of one emulated link.
///
/// A frame of B bytes sent at time t on a link of data rate R and one-way latency L leaves
/// the sender when the link is free and its B * 8 / R serialisation is done, then arrives L
/// later. Frames are released in order (a link is a FIFO): a frame never overtakes the one
/// before it even if the latency shrinks meanwhile. Pure: the caller passes the time.
///
///   LinkQueue q;
///   q.enqueue(now, frame, latency_s, serialisation_s);
///   while (q.ready(now)) transport.send(peer, q.pop());
///   arm_timer(q.next_release());
class LinkQueue {
 public:
  struct Pending {
    double release_s;
    std::string frame;
  };

  /// Queues `frame`; returns its release time.
  double enqueue(double now, std::string frame, double latency_s, double serialisation_s) {
    const double departure = std::max(now, link_free_s_) + serialisation_s;
    link_free_s_ = departure;
    double release = departure + latency_s;
    if (!queue_.empty()) release = std::max(release, queue_.back().release_s);
    queue_.push_back(Pending{release, std::move(frame)});
    high_water_ = std::max(high_water_, queue_.size());
    return release;
  }
  bool empty() const { return queue_.empty(); }
  bool ready(double now) const { return !queue_.empty() && queue_.front().release_s <= now; }
  double next_release() const { return queue_.front().release_s; }
  std::string pop() {
    std::string f = std::move(queue_.front().frame);
    queue_.pop_front();
    return f;
  }
  std::size_t high_water() const { return high_water_; }

 private:
  std::deque<Pending> queue_;
  double link_free_s_ = 0;
  std::size_t high_water_ = 0;
};

}  // namespace leomesh::node
