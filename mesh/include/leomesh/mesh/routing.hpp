// Hop distances and next-hop routing over the active ISLs of a Topology.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "leomesh/mesh/topology.hpp"

namespace leomesh::mesh {

/// Paths are ranked by hop count first and, among equally short paths, by total latency:
/// the route a satellite takes is the fewest-hops route that is also the fastest of those.
/// Ties in both break toward the lower adjacency order, so routing is deterministic.
struct PathCost {
  int hops;
  double latency_s;
};

/// Scratch space for one breadth-first sweep; reused across sweeps to avoid allocating.
struct BfsScratch {
  std::vector<std::int32_t> hops;    ///< -1 = unreachable
  std::vector<double> latency_s;     ///< along the chosen path
  std::vector<std::int32_t> parent;  ///< next satellite toward the root; -1 at the root
  std::vector<std::int32_t> order;   ///< satellites in visiting order (queue)
};

/// One sweep from `root` over active links, ranked as PathCost. Because links are
/// symmetric, parent[v] is v's next hop toward `root` and hops[v], latency_s[v] are the cost
/// of v's route to root (equal to root's route to v). O(V + E), no allocation once sized.
void sweep_from(const Topology& topo, int root, BfsScratch& scratch);

/// All-pairs next hops and hop distances at the topology's current time.
///
/// Recomputed by the caller whenever links change (each emulation step). For 1,584
/// satellites it holds 2 x 2.5 M 16-bit entries and one 32-bit latency per pair.
///
///   RoutingTable rt(topo);
///   int via = rt.next_hop(from, to);     // -1 if unreachable or from == to
///   int h = rt.hops(from, to);
class RoutingTable {
 public:
  static constexpr std::uint16_t kUnreachable = std::numeric_limits<std::uint16_t>::max();

  RoutingTable() = default;
  explicit RoutingTable(const Topology& topo) { recompute(topo); }
  /// Rebuilds every entry from the topology's current link states.
  void recompute(const Topology& topo);

  int satellites() const { return n_; }
  /// Next satellite on the route from `from` to `to`; -1 if none (unreachable or same).
  int next_hop(int from, int to) const {
    const std::uint16_t v = next_[index(from, to)];
    return v == kUnreachable ? -1 : v;
  }
  /// Hop distance, or -1 when unreachable.
  int hops(int from, int to) const {
    const std::uint16_t h = hops_[index(from, to)];
    return h == kUnreachable ? -1 : h;
  }
  /// One-way latency along the route (no serialisation), or infinity when unreachable.
  double latency_s(int from, int to) const { return latency_[index(from, to)]; }
  /// The route from `from` to `to` including both ends; empty when unreachable.
  std::vector<int> path(int from, int to) const;
  /// Largest finite hop distance.
  int diameter() const { return diameter_; }

 private:
  std::size_t index(int from, int to) const {
    return static_cast<std::size_t>(from) * static_cast<std::size_t>(n_) + static_cast<std::size_t>(to);
  }
  int n_ = 0;
  int diameter_ = 0;
  std::vector<std::uint16_t> next_;
  std::vector<std::uint16_t> hops_;
  std::vector<float> latency_;
  BfsScratch scratch_;
};

/// The lowest-latency path between two satellites regardless of hop count (Dijkstra over
/// the active links), both ends included; empty when unreachable.
std::vector<int> lowest_latency_path(const Topology& topo, int from, int to);

/// One-way latency of the lowest-latency path from `from` to every satellite, regardless of
/// hop count (the same Dijkstra); 0 at `from`, infinity where unreachable. Unlike
/// RoutingTable::latency_s, which follows the fewest-hop route, this is the fastest any
/// message could travel.
std::vector<double> lowest_latencies_from(const Topology& topo, int from);

}  // namespace leomesh::mesh
