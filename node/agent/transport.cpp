#include "leomesh/node/transport.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <stdexcept>

namespace leomesh::node {
namespace {

std::string z85_to_binary(const std::string& z85) {
  std::string out(32, '\0');
  if (z85.size() != 40 || !zmq_z85_decode(reinterpret_cast<std::uint8_t*>(out.data()), z85.c_str()))
    throw std::invalid_argument("CurveZMQ key is not 40 Z85 characters: '" + z85 + "'");
  return out;
}

std::unique_ptr<asio::posix::stream_descriptor> watch(asio::io_context& io, zmq::socket_t& s) {
  // The descriptor is ZeroMQ's; Asio gets its own duplicate so each can close what it owns.
  const int fd = s.get(zmq::sockopt::fd);
  return std::make_unique<asio::posix::stream_descriptor>(io, ::dup(fd));
}

// What to bind for `endpoint`: a tcp endpoint naming a host by name ("tcp://node07:17000",
// as a Slurm allocation lists its hosts) becomes that host's IPv4 address, because ZeroMQ
// reads a name in a bind as a network interface's. Peers connect to the name and resolve it
// the same way. Addresses, "*", interfaces that exist, and other transports are unchanged.
std::string bindable(const std::string& endpoint) {
  if (endpoint.rfind("tcp://", 0) != 0) return endpoint;
  const auto colon = endpoint.rfind(':');
  if (colon == std::string::npos || colon < 6) return endpoint;
  const std::string host = endpoint.substr(6, colon - 6);
  in6_addr scratch{};
  if (host == "*" || host.empty() || host.front() == '[' || inet_pton(AF_INET, host.c_str(), &scratch) == 1 ||
      if_nametoindex(host.c_str()) != 0)
    return endpoint;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0 || !found)
    throw BindError(endpoint + ": cannot resolve host '" + host + "': " + gai_strerror(rc));
  char ip[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(found->ai_addr)->sin_addr, ip, sizeof ip);
  freeaddrinfo(found);
  return "tcp://" + std::string(ip) + endpoint.substr(colon);
}

// The path of an "ipc://" endpoint, or "" for any other transport.
std::string ipc_path(const std::string& endpoint) {
  return endpoint.rfind("ipc://", 0) == 0 ? endpoint.substr(6) : std::string();
}

// ZeroMQ unlinks whatever is at an ipc path before it binds there, so binding alone would
// silently steal a running agent's socket or delete a file that was never a socket. Only a
// stale socket (nobody accepts on it) may be replaced.
void check_ipc_path_free(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;  // nothing there
  if (!S_ISSOCK(st.st_mode))
    throw BindError("ipc://" + path + ": an existing file that is not a socket; it is left alone");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw BindError(std::string("socket: ") + std::strerror(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(fd);
  if (rc == 0) throw BindError("ipc://" + path + ": in use by a running agent (one agent per satellite)");
  if (err != ECONNREFUSED)
    throw BindError("ipc://" + path + ": cannot tell whether it is in use: " + std::strerror(err));
}

}  // namespace

ZmqTransport::ZmqTransport(asio::io_context& io, TransportOptions options, FrameHandler on_frame)
    : io_(io), opt_(std::move(options)), on_frame_(std::move(on_frame)), ctx_(1) {
  for (const auto& k : opt_.admitted_keys) admitted_binary_.push_back(z85_to_binary(k));
}

ZmqTransport::~ZmqTransport() { close(); }

void ZmqTransport::start() {
  if (opt_.curve) {
    // The ZAP handler must be bound before any CURVE server socket accepts a connection,
    // otherwise ZeroMQ would let handshakes through unchecked.
    zap_ = zmq::socket_t(ctx_, zmq::socket_type::rep);
    zap_.set(zmq::sockopt::linger, 0);
    zap_.bind("inproc://zeromq.zap.01");
    zap_fd_ = watch(io_, zap_);
    arm(*zap_fd_, &ZmqTransport::drain_zap);
  }
  router_ = zmq::socket_t(ctx_, zmq::socket_type::router);
  router_.set(zmq::sockopt::linger, 0);
  router_.set(zmq::sockopt::maxmsgsize, opt_.max_message_bytes);  // oversize: connection dropped
  router_.set(zmq::sockopt::rcvhwm, opt_.receive_hwm);
  router_.set(zmq::sockopt::heartbeat_ivl, 1000);
  router_.set(zmq::sockopt::heartbeat_timeout, 5000);
  if (opt_.curve) {
    router_.set(zmq::sockopt::curve_server, 1);
    router_.set(zmq::sockopt::curve_secretkey, opt_.secret_key);
    router_.set(zmq::sockopt::zap_domain, "leomesh");
  }
  const std::string path = ipc_path(opt_.bind_endpoint);
  if (!path.empty()) check_ipc_path_free(path);
  try {
    router_.bind(bindable(opt_.bind_endpoint));
  } catch (const zmq::error_t& e) {
    throw BindError(opt_.bind_endpoint + ": " + e.what());
  }
  if (!path.empty()) {
    // Remembered to remove exactly this socket on close, not one a successor bound later.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) bound_socket_ = {path, st.st_ino};
  }
  router_fd_ = watch(io_, router_);
  // Connections ZeroMQ drops on its own (an oversized frame, a protocol error, a missed
  // heartbeat, a peer gone) are counted: the application never sees those frames.
  zmq_socket_monitor(router_.handle(), "inproc://leomesh.router-monitor", ZMQ_EVENT_DISCONNECTED);
  monitor_ = zmq::socket_t(ctx_, zmq::socket_type::pair);
  monitor_.set(zmq::sockopt::linger, 0);
  monitor_.connect("inproc://leomesh.router-monitor");
  monitor_fd_ = watch(io_, monitor_);
  arm(*monitor_fd_, &ZmqTransport::drain_monitor);
  asio::post(io_, [this] { drain_monitor(); });  // ZMQ_FD is edge-triggered, as for the ROUTER
  for (const PeerEndpoint& p : opt_.peers) {
    zmq::socket_t d(ctx_, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.set(zmq::sockopt::sndhwm, opt_.send_hwm);
    d.set(zmq::sockopt::heartbeat_ivl, 1000);
    d.set(zmq::sockopt::heartbeat_timeout, 5000);
    d.set(zmq::sockopt::reconnect_ivl, 50);
    if (opt_.curve) {
      d.set(zmq::sockopt::curve_serverkey, p.public_key);
      d.set(zmq::sockopt::curve_publickey, opt_.public_key);
      d.set(zmq::sockopt::curve_secretkey, opt_.secret_key);
    }
    d.connect(p.endpoint);
    dealers_.emplace(p.satellite, std::move(d));
  }
  arm(*router_fd_, &ZmqTransport::drain_router);
  // Frames may already be waiting (peers started first): the edge may have passed.
  asio::post(io_, [this] { drain_router(); });
}

bool ZmqTransport::send(int peer, std::string_view frame) {
  const auto it = dealers_.find(peer);
  if (closed_ || it == dealers_.end()) return false;
  const auto sent = it->second.send(zmq::const_buffer(frame.data(), frame.size()), zmq::send_flags::dontwait);
  if (!sent) {
    ++stats_.send_failures;
    return false;
  }
  ++stats_.frames_sent;
  stats_.bytes_sent += frame.size();
  return true;
}

void ZmqTransport::arm(asio::posix::stream_descriptor& fd, void (ZmqTransport::*drain)()) {
  if (closed_) return;
  fd.async_wait(asio::posix::stream_descriptor::wait_read, [this, &fd, drain](const asio::error_code& ec) {
    if (ec || closed_) return;
    (this->*drain)();
    arm(fd, drain);
  });
}

void ZmqTransport::drain_router() {
  if (closed_) return;
  zmq::message_t identity, frame;
  while (router_.get(zmq::sockopt::events) & ZMQ_POLLIN) {
    if (!router_.recv(identity, zmq::recv_flags::dontwait)) break;
    if (!identity.more()) continue;
    if (!router_.recv(frame, zmq::recv_flags::dontwait)) break;
    // A peer sends one frame per message; anything after it is not ours to interpret.
    while (frame.more()) {
      zmq::message_t extra;
      if (!router_.recv(extra, zmq::recv_flags::dontwait)) break;
    }
    ++stats_.frames_received;
    stats_.bytes_received += frame.size();
    on_frame_(std::string_view(static_cast<const char*>(frame.data()), frame.size()));
    if (closed_) return;
  }
}

void ZmqTransport::drain_zap() {
  // ZAP 1.0 (RFC 27): version, request id, domain, address, identity, mechanism, credentials.
  while (zap_.get(zmq::sockopt::events) & ZMQ_POLLIN) {
    std::vector<zmq::message_t> parts;
    do {
      zmq::message_t part;
      if (!zap_.recv(part, zmq::recv_flags::dontwait)) return;
      const bool more = part.more();
      parts.push_back(std::move(part));
      if (!more) break;
    } while (true);
    bool ok = false;
    if (parts.size() >= 7 && parts[5].to_string() == "CURVE" && parts[6].size() == 32) {
      const std::string key = parts[6].to_string();
      ok = std::find(admitted_binary_.begin(), admitted_binary_.end(), key) != admitted_binary_.end();
    }
    if (!ok) ++stats_.auth_failures;
    const std::string request_id = parts.size() > 1 ? parts[1].to_string() : "";
    zap_.send(zmq::buffer(std::string("1.0")), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(std::string(ok ? "200" : "400")), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(std::string(ok ? "OK" : "key not admitted")), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(std::string()), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(std::string()), zmq::send_flags::none);
  }
}

void ZmqTransport::drain_monitor() {
  // Each event is two frames: 2 bytes event, 4 bytes value; then the endpoint.
  while (monitor_.get(zmq::sockopt::events) & ZMQ_POLLIN) {
    zmq::message_t event, endpoint;
    if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
    if (event.more()) (void)monitor_.recv(endpoint, zmq::recv_flags::dontwait);
    std::uint16_t id = 0;
    if (event.size() >= 2) std::memcpy(&id, event.data(), 2);
    if (id == ZMQ_EVENT_DISCONNECTED) ++stats_.connections_dropped;
  }
}

void ZmqTransport::close() {
  if (closed_) return;
  closed_ = true;
  if (router_fd_) router_fd_->close();
  if (zap_fd_) zap_fd_->close();
  if (monitor_fd_) monitor_fd_->close();
  dealers_.clear();
  if (router_) {
    zmq_socket_monitor(router_.handle(), nullptr, 0);
    router_.close();
  }
  if (monitor_) monitor_.close();
  if (zap_) zap_.close();
  ctx_.shutdown();
  ctx_.close();  // waits for ZeroMQ's threads, which close the listening socket
  // ZeroMQ leaves the socket file of an ipc endpoint behind: remove it if it is still ours.
  struct stat st {};
  if (!bound_socket_.first.empty() && ::lstat(bound_socket_.first.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
      st.st_ino == bound_socket_.second)
    ::unlink(bound_socket_.first.c_str());
}

}  // namespace leomesh::node
