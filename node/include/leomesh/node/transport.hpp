// The ZeroMQ transport of an agent: one authenticated listening socket, one socket per peer,
// driven by an Asio event loop.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <sys/types.h>
#include <utility>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

namespace leomesh::node {

/// A peer this agent may send to: an ISL neighbour (mesh) or any satellite (cluster mode).
struct PeerEndpoint {
  int satellite = 0;
  std::string endpoint;    ///< "ipc://..." or "tcp://host:port"
  std::string public_key;  ///< Z85, its CurveZMQ server key
};

/// Settings of a transport; plain data, applied once.
struct TransportOptions {
  std::string bind_endpoint;
  std::vector<PeerEndpoint> peers;
  bool curve = true;
  std::string public_key, secret_key;       ///< Z85 key pair of this agent
  std::vector<std::string> admitted_keys;   ///< Z85 client keys the ZAP handler lets in
  std::int64_t max_message_bytes = 4 << 20;
  int send_hwm = 10000;
  int receive_hwm = 10000;
};

/// Counters of a transport.
struct TransportStats {
  std::uint64_t frames_sent = 0, frames_received = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  std::uint64_t send_failures = 0;  ///< peer queue full (high-water mark): frame dropped
  std::uint64_t auth_failures = 0;  ///< connections the ZAP handler refused
  /// Incoming connections ZeroMQ closed: a frame above max_message_bytes, a protocol error,
  /// a missed heartbeat, or a peer that went away.
  std::uint64_t connections_dropped = 0;
};

/// The listening endpoint cannot be taken: in use by a running agent, an existing file that
/// is not a socket, or a tcp port already bound. Bad configuration, not a crash.
struct BindError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Frames in and out over ZeroMQ, with CurveZMQ and a ZAP handler, on an Asio io_context.
///
/// Sockets: one ROUTER bound at `bind_endpoint` (CURVE server) receives from every peer; one
/// DEALER per peer (CURVE client, the peer's public key as server key) sends to it. There is
/// no socket to anyone outside `peers`, so in a mesh an agent cannot reach a non-neighbour.
/// ZAP: an inproc REP socket in this transport's own ZeroMQ context admits exactly the keys in
/// `admitted_keys` (security fails closed: a client with any other key never completes the
/// handshake, so it can neither steal nor inject).
///
/// ZeroMQ's ZMQ_FD is edge-triggered: after a wake-up, frames are drained while ZMQ_EVENTS
/// reports POLLIN, then the wait is re-armed. Everything runs on the io_context's thread.
///
///   asio::io_context io;
///   ZmqTransport t(io, options, [](std::string_view frame) { handle(frame); });
///   t.start();
///   t.send(3, encode(message));
///   io.run();
class ZmqTransport {
 public:
  using FrameHandler = std::function<void(std::string_view frame)>;

  ZmqTransport(asio::io_context& io, TransportOptions options, FrameHandler on_frame);
  ~ZmqTransport();
  ZmqTransport(const ZmqTransport&) = delete;
  ZmqTransport& operator=(const ZmqTransport&) = delete;

  /// Binds, connects to every peer and starts receiving. Throws BindError if the endpoint is
  /// taken (an ipc path is replaced only if it is a stale socket nobody accepts on; a regular
  /// file there is never removed), zmq::error_t on other ZeroMQ failures.
  void start();
  /// Queues `frame` to `peer` without blocking. False if `peer` is not a peer of this agent or
  /// its queue is full.
  bool send(int peer, std::string_view frame);
  /// Stops receiving and closes every socket (linger 0: unsent frames are dropped), and
  /// removes the ipc socket file it bound, if it is still that one.
  void close();

  const TransportStats& stats() const { return stats_; }

 private:
  // Waits for `fd` to signal, runs `drain`, waits again (until closed).
  void arm(asio::posix::stream_descriptor& fd, void (ZmqTransport::*drain)());
  void drain_router();
  void drain_zap();
  void drain_monitor();

  asio::io_context& io_;
  TransportOptions opt_;
  FrameHandler on_frame_;
  zmq::context_t ctx_;
  zmq::socket_t router_;
  zmq::socket_t zap_;
  zmq::socket_t monitor_;  // the ROUTER's dropped connections
  std::unordered_map<int, zmq::socket_t> dealers_;
  std::unique_ptr<asio::posix::stream_descriptor> router_fd_, zap_fd_, monitor_fd_;
  std::pair<std::string, ino_t> bound_socket_;  // ipc path and inode this transport bound
  std::vector<std::string> admitted_binary_;  // 32-byte keys
  TransportStats stats_;
  bool closed_ = false;
};

}  // namespace leomesh::node
