// The ISL graph of a constellation (or of an abstract HPC topology) at a point in time.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leomesh/mesh/link_model.hpp"
#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/walker.hpp"

namespace leomesh::mesh {

/// What a topology string names. Produced by parse_topology(); plain data.
struct TopologySpec {
  enum class Kind { walker, mesh, torus, full };
  Kind kind = Kind::mesh;
  std::string name;     ///< canonical text, e.g. "starlink-s1" or "torus:4x4"
  WalkerParams walker;  ///< Kind::walker only
  int rows = 1;         ///< mesh / torus: rows ("planes"); full: 1
  int cols = 1;         ///< mesh / torus: columns ("slots"); full: N

  int satellites() const { return kind == Kind::walker ? walker.planes * walker.per_plane : rows * cols; }
  /// The link model a topology uses when the user names none: geometric for
  /// constellations, none (HPC) for abstract topologies.
  LinkModel default_links() const;
};

/// A candidate link. Which candidates are up at a given time is in LinkState.
struct Link {
  enum class Kind : std::uint8_t { intra_plane, inter_plane, abstract };
  std::int32_t a = 0, b = 0;  ///< satellite ids, a < b
  Kind kind = Kind::abstract;
};

/// A candidate link's state at the topology's current time.
struct LinkState {
  bool active = true;
  double length_km = 0.0;  ///< 0 for abstract links
  double latency_s = 0.0;  ///< one way, propagation + processing, no serialisation
};

/// One entry of a satellite's adjacency: the neighbour and the candidate link to it.
struct Adjacent {
  std::int32_t neighbor;
  std::int32_t link;
};

/// The +Grid ISL graph of a Walker shell, or an abstract mesh / torus / full graph, with the
/// state of every link at the current time.
///
/// The candidate links never change; update(t) moves the satellites and recomputes which
/// links are up (seam, polar cut-off, line of sight, range) and their length and latency.
/// Queries are allocation-free. Not thread-safe while update() runs; otherwise read-only.
///
///   auto spec = parse_topology("starlink-s1");
///   Topology topo = *Topology::build(*spec, spec->default_links());
///   topo.update(60.0);
///   for (const Adjacent& a : topo.adjacency(0))
///     if (topo.state(a.link).active) use(a.neighbor, topo.state(a.link).latency_s);
class Topology {
 public:
  /// Builds the candidate links of `spec` and their state at t = 0.
  /// Fails if the link model cannot apply (geometric links on an abstract topology).
  static Result<Topology> build(const TopologySpec& spec, const LinkModel& links);

  const TopologySpec& spec() const { return spec_; }
  const LinkModel& link_model() const { return links_; }
  int satellites() const { return n_; }
  int planes() const;
  int per_plane() const;
  /// True for constellations, whose links change with time.
  bool moves() const { return walker_.has_value(); }
  const std::optional<Walker>& walker() const { return walker_; }
  double time_s() const { return time_s_; }

  /// Moves the constellation to `t_s` and recomputes every link's state. Allocation-free.
  void update(double t_s);
  /// Holds a link down whatever the geometry says (a failed terminal), or releases it;
  /// takes effect at once.
  void force_down(int link, bool down);

  const std::vector<Link>& links() const { return links_list_; }
  const LinkState& state(int link) const { return states_[static_cast<std::size_t>(link)]; }
  /// Number of links currently up.
  int active_links() const;

  /// Every candidate link of satellite `v` (check state(link).active).
  struct AdjacencyRange {
    const Adjacent* first;
    const Adjacent* last;
    const Adjacent* begin() const { return first; }
    const Adjacent* end() const { return last; }
    std::size_t size() const { return static_cast<std::size_t>(last - first); }
  };
  AdjacencyRange adjacency(int v) const {
    return {adj_.data() + adj_offset_[static_cast<std::size_t>(v)],
            adj_.data() + adj_offset_[static_cast<std::size_t>(v) + 1]};
  }
  /// Ids of the satellites linked to `v` by an active link, ascending link order.
  std::vector<int> neighbors(int v) const;
  /// The candidate link between a and b, if any.
  std::optional<int> link_between(int a, int b) const;

  /// Position of satellite `v` at the current time (km, ECI); zero for abstract topologies.
  Eigen::Vector3d position(int v) const;

 private:
  Topology(TopologySpec spec, LinkModel links);
  void add_link(int a, int b, Link::Kind kind);
  void finish_adjacency();

  TopologySpec spec_;
  LinkModel links_;
  std::optional<Walker> walker_;
  int n_ = 0;
  double time_s_ = 0.0;
  std::vector<Link> links_list_;
  std::vector<LinkState> states_;
  std::vector<std::int32_t> adj_offset_;
  std::vector<Adjacent> adj_;
  std::vector<Eigen::Vector3d> positions_;
  std::vector<std::uint8_t> forced_down_;
};

}  // namespace leomesh::mesh
