// Per-link delay emulation on an Asio loop: frames are handed to the transport when they
// would arrive at the far end of the ISL.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "leomesh/node/link_queue.hpp"
#include "leomesh/node/transport.hpp"

namespace leomesh::node {

/// Holds every outgoing frame for its link's latency plus serialisation, then sends it.
///
/// One LinkQueue and one timer per peer; times are seconds since `epoch` on the steady clock.
/// A frame on a link with no delay and nothing queued goes out at once. Runs on the loop's
/// thread, like the transport it feeds.
///
///   LinkEmulator links(io, transport, start);
///   links.send(peer, 0.005, 1e-6, frame);   // arrives 5.001 ms from now
class LinkEmulator {
 public:
  using Clock = std::chrono::steady_clock;

  LinkEmulator(asio::io_context& io, ZmqTransport& transport, Clock::time_point epoch)
      : io_(io), transport_(transport), epoch_(epoch) {}

  /// Seconds since the epoch.
  double now() const { return std::chrono::duration<double>(Clock::now() - epoch_).count(); }
  /// Sends `frame` to `peer` after `latency_s` + `serialisation_s` (FIFO per link).
  void send(int peer, double latency_s, double serialisation_s, std::string frame);
  /// Cancels every pending release (frames still queued are dropped).
  void cancel();
  /// The longest any link's queue has been.
  std::size_t high_water() const;

 private:
  struct Link {
    LinkQueue queue;
    std::unique_ptr<asio::steady_timer> timer;
    double armed_for = -1;
  };
  void arm(int peer, Link& link);

  asio::io_context& io_;
  ZmqTransport& transport_;
  Clock::time_point epoch_;
  std::unordered_map<int, Link> links_;
  bool cancelled_ = false;
};

}  // namespace leomesh::node
