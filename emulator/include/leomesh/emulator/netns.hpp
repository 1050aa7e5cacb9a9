// Linux network namespaces for the container emulator: one per satellite, each with its own
// interfaces and addresses, made without a container daemon and owned by a descriptor.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace leomesh::emulator {

/// An anonymous network namespace, alive as long as this object (its descriptor) or a
/// process inside it is. It has no name in /run/netns, so nothing of it can outlive the
/// launcher: when the launcher ends, however it ends (kill -9 included), the kernel closes
/// the descriptor, the agents inside die of PR_SET_PDEATHSIG, and the namespace goes with
/// its interfaces.
///
///   NetNamespace ns = NetNamespace::create();          // needs CAP_NET_ADMIN
///   const int tap = ns.open_tap("isl-3", mac);          // the fd stays ours; the device is in ns
///   ns.run_ip({"link set lo up", "addr add 10.0.0.1/32 dev lo"});
///   // between fork and exec: ns.enter_for_good();
///
/// Not copyable; movable. Every call throws std::runtime_error with the system's reason.
class NetNamespace {
 public:
  using Mac = std::array<std::uint8_t, 6>;

  /// A new, empty namespace (only a loopback, down).
  static NetNamespace create();
  NetNamespace(NetNamespace&& other) noexcept;
  NetNamespace& operator=(NetNamespace&& other) noexcept;
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;
  ~NetNamespace();

  /// Creates tap device `name` (IFF_TAP, no packet information) inside this namespace with
  /// hardware address `mac`, and returns its descriptor (close-on-exec), which reads and
  /// writes that device's frames from any namespace.
  int open_tap(const std::string& name, const Mac& mac) const;
  /// Runs `ip -batch -` inside this namespace with these commands, one per line; throws
  /// with ip's own message if one fails.
  void run_ip(const std::vector<std::string>& commands) const;
  /// A UDP socket (close-on-exec) made inside this namespace and bound to `ipv4`:`port`.
  int udp_socket(const std::string& ipv4, int port) const;
  /// Moves the calling thread into this namespace; for a child between fork and exec.
  /// Returns false on failure (async-signal-safe: no allocation, no exception).
  bool enter_for_good() const noexcept;

  int fd() const { return fd_; }

 private:
  explicit NetNamespace(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// True if this process may create network namespaces and tap devices (CAP_NET_ADMIN and
/// CAP_SYS_ADMIN in its user namespace, as root has); probed by trying, in a child.
bool can_create_network_namespaces();

/// "02:4c:4d:..": a MAC address as ip(8) writes it.
std::string format_mac(const NetNamespace::Mac& mac);

}  // namespace leomesh::emulator
