// The container emulator's ISLs: one ns-3 process in real time that carries every
// satellite's Ethernet frames from its tap devices over point-to-point channels whose delay
// follows the geometry.
#pragma once

#include <string>
#include <vector>

#include "leomesh/emulator/netns.hpp"

namespace leomesh::emulator {

/// One end of an ISL as the kernel sees it: the tap device in the satellite's namespace.
/// The ns-3 device on the other side of the descriptor answers to `peer_mac`, the MAC the
/// satellite's kernel knows its neighbour by on that ISL.
struct IslTap {
  int link = 0;        ///< candidate link id in the topology
  bool end_b = false;  ///< the tap of link.b (else link.a)
  int fd = -1;         ///< the tap's descriptor (IFF_TAP, no packet information)
  NetNamespace::Mac peer_mac{};
};

struct IslNetworkOptions {
  std::string topology, links;  ///< as --topology, --links
  double epoch_unix_s = 0;      ///< the constellation's epoch, as the agents have it
  double time_scale = 1;        ///< emulated seconds per wall second
  double update_interval_s = 1; ///< emulated seconds between geometry updates
};

/// Runs the ISL network until SIGTERM, in a process of its own (ns-3's simulator is
/// process-global; this is the container launcher's child). Writes to `report_fd` one JSON
/// line {"event":"ready"} once frames flow, and at the end one {"event":"stats", ...}:
/// frames carried and lost on links that were down, non-IPv4 frames left out, and how far
/// the real-time scheduler lagged behind the wall clock (p50, p99, max). Returns the
/// process's exit code.
///
/// Only IPv4 crosses an ISL: the neighbours' MACs are static entries (no ARP), and IPv6
/// housekeeping is not the agents' traffic.
int run_isl_network(const IslNetworkOptions& options, const std::vector<IslTap>& taps, int report_fd);

}  // namespace leomesh::emulator
