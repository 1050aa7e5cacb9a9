// The ISLs as ns-3 channels, shared by the two ns-3 drivers: the simulation in virtual time
// (sim.cpp) and the container emulator's network in real time (isl_realtime.cpp).
#pragma once

#include <ns3/core-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include <vector>

#include "leomesh/mesh/topology.hpp"

namespace leomesh::emulator {

/// One candidate ISL: a point-to-point channel between its two satellites' nodes. A link
/// that is down loses every frame (each end's receive error model is switched on), as an
/// ISL out of sight or with a failed terminal does.
struct IslLink {
  ns3::Ptr<ns3::PointToPointChannel> channel;
  ns3::Ptr<ns3::PointToPointNetDevice> end_a, end_b;  // on link.a's and link.b's node
  ns3::Ptr<ns3::RateErrorModel> drop_a, drop_b;      // enabled while the link is down
  bool down = false;
  int held_down = 0;  // reasons it is forced down now (sim: --fail-link, flaps, a crashed end)
};

/// Installs one point-to-point link per candidate ISL of `topo` between `nodes[a]` and
/// `nodes[b]` (index = link id), at the link model's data rate, with MTU `mtu`, and sets
/// each to its state at the topology's current time.
///
///   ns3::NodeContainer nodes;
///   nodes.Create(topo.satellites());
///   std::vector<IslLink> links = install_isl_links(topo, nodes, 1500);
///   topo.update(t);
///   apply_link_states(topo, links);  // every update: delays follow the geometry
std::vector<IslLink> install_isl_links(const mesh::Topology& topo, const ns3::NodeContainer& nodes, std::uint16_t mtu);

/// Gives every channel the latency the topology has now and switches lost-frame models on
/// for links that are down (out of sight, or forced down) and off for those back up.
void apply_link_states(const mesh::Topology& topo, std::vector<IslLink>& links);

}  // namespace leomesh::emulator
