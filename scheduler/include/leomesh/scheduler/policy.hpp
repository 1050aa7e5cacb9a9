// Victim policies: whom an idle satellite asks for work.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/routing.hpp"
#include "leomesh/mesh/topology.hpp"
#include "leomesh/scheduler/rng.hpp"

namespace leomesh::scheduler {

/// How a thief picks its victim.
/// - neighbor: uniform over its active ISL neighbours (one hop; the paper's proposal);
/// - global:   uniform over every other satellite, reached multi-hop (cluster runtimes);
/// - khop:K:   uniform over satellites within K hops;
/// - escalate:K: neighbours first; after K empty answers in a row, one global victim, then
///   neighbours again. Cheap one-hop steals while work is near, a long-range probe when the
///   neighbourhood has run dry (where neighbor-only waits for work to diffuse hop by hop);
/// - sticky:   neighbours, but after a successful steal the next request goes back to the
///   same victim (work comes in regions: a neighbour that had work likely has more);
/// - ring:K:   an expanding ring search: uniform within 1 + failures / K hops, so a thief
///   looks one hop away while work is near and widens its radius by one hop every K empty
///   answers in a row; a success brings it back to its neighbours.
/// - lifeline: asks like neighbor. Its mechanism (a victim that had to answer "nothing"
///   remembers the thief and pushes to it once it has work; Saraswat et al.'s lifeline
///   graphs with the ISL graph as lifeline graph) is now part of every policy (CoreConfig::
///   remember_s), so it runs exactly as neighbor; the name stays for existing scripts.
struct VictimPolicy {
  enum class Kind { neighbor, global, khop, escalate, ring, sticky, lifeline };
  Kind kind = Kind::neighbor;
  int k = 1;  ///< khop, escalate and ring

  /// Picks a victim for `thief` at the topology's current state, or -1 when there is none
  /// (no active neighbour, or a single satellite). `failures` counts the thief's empty or
  /// timed-out attempts since its last successful steal, `last_victim` is the victim of that
  /// steal (-1 if none). `scratch` avoids allocating per choice.
  int choose(int thief, const mesh::Topology& topo, const mesh::RoutingTable& routes, Rng& rng,
             std::vector<int>& scratch, std::uint32_t failures = 0, int last_victim = -1) const;
  std::string to_string() const;
  /// Whether every victim this policy picks is an ISL neighbour.
  bool one_hop() const { return kind == Kind::neighbor || kind == Kind::lifeline || kind == Kind::sticky; }
};

/// Parses "neighbor", "global", "sticky", "lifeline", "khop:K", "escalate:K" or "ring:K" (K >= 1).
mesh::Result<VictimPolicy> parse_policy(std::string_view text);

}  // namespace leomesh::scheduler
