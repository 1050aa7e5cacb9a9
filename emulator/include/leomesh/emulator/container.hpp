// Container emulation: every satellite's agent in its own network namespace, with one
// interface and address per ISL, and the ISLs carried by one ns-3 process in real time.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "leomesh/emulator/live.hpp"
#include "leomesh/emulator/netns.hpp"
#include "leomesh/mesh/topology.hpp"

namespace leomesh::emulator {

/// The addresses of a container run, a pure function of the topology:
/// - satellite s answers on 10.0.0.0/16 + s + 1 (a /32 on its loopback), where its agent
///   listens, as a host with its own address;
/// - candidate ISL l is the /30 subnet 10.128.0.0 + 4 l: link.a is .1, link.b is .2, each
///   on the interface "isl-<neighbour id>" of its namespace;
/// - each end's MAC is 02:4c:4d followed by 2 l + end (locally administered).
///
///   ContainerPlan plan(topo);
///   plan.satellite_address(0);   // "10.0.0.1"
///   plan.link_address(3, true);  // "10.128.0.14"
///   ns.run_ip(plan.ip_commands(0));
class ContainerPlan {
 public:
  explicit ContainerPlan(const mesh::Topology& topo) : topo_(topo) {}

  std::string satellite_address(int satellite) const;
  std::string link_address(int link, bool end_b) const;
  NetNamespace::Mac mac(int link, bool end_b) const;
  /// The interface of `satellite`'s ISL towards `neighbor`.
  static std::string interface_name(int neighbor) { return "isl-" + std::to_string(neighbor); }
  /// What `ip -batch` runs in `satellite`'s namespace once its taps exist: loopback and
  /// address, each ISL interface up with its /30, its neighbour's MAC as a permanent
  /// neighbour entry (no ARP crosses an ISL) and a route to the neighbour's address over it.
  std::vector<std::string> ip_commands(int satellite) const;
  /// Every satellite's address, comma-separated, in id order (`config generate --host`).
  std::string hosts() const;
  /// Satellites the address space holds: 10.0.0.0/16 less the network and broadcast.
  static constexpr int kMaxSatellites = 65534;

 private:
  const mesh::Topology& topo_;
};

/// Runs `options` as live mode does, but with each agent in a network namespace of its
/// own and the ISLs in ns-3 (isl_network.hpp): tcp endpoints on the satellites' addresses,
/// the latency added by the network, not by the agents. Before the agents start it measures
/// every ISL's round trip with UDP between the namespaces; the summary's
/// extra["container"] holds those per-hop delays against the configured ones, and the
/// real-time scheduler's lag.
///
/// Needs CAP_NET_ADMIN (root): without it, an Error naming that. Whatever it makes is gone
/// when it returns, however it returns, and when the launcher is killed: namespaces are
/// anonymous (held by descriptors), taps die with them, every process it starts dies with it.
mesh::Result<RunSummary> run_container(const LiveOptions& options, const workloads::Workload& workload);

/// `leomesh emulate --cleanup`: stops processes and removes run directories that a
/// container or live run killed with -9 left (its launcher is gone), and says on `out` what
/// it removed. Returns how many things it removed.
int cleanup_leftovers(std::ostream& out);

}  // namespace leomesh::emulator
