#include "leomesh/scheduler/policy.hpp"

#include "leomesh/mesh/spec.hpp"

namespace leomesh::scheduler {

int VictimPolicy::choose(int thief, const mesh::Topology& topo, const mesh::RoutingTable& routes,
                         Rng& rng, std::vector<int>& scratch, std::uint32_t failures, int last_victim) const {
  const int n = topo.satellites();
  if (n < 2) return -1;
  switch (kind) {
    case Kind::escalate:
      if (failures > 0 && failures % static_cast<std::uint32_t>(k) == 0)
        return VictimPolicy{Kind::global, 1}.choose(thief, topo, routes, rng, scratch);
      return VictimPolicy{Kind::neighbor, 1}.choose(thief, topo, routes, rng, scratch);
    case Kind::sticky:
      if (failures == 0 && last_victim >= 0) {
        const auto link = topo.link_between(thief, last_victim);
        if (link && topo.state(*link).active) return last_victim;
      }
      return VictimPolicy{Kind::neighbor, 1}.choose(thief, topo, routes, rng, scratch);
    case Kind::ring: {
      const int radius = 1 + static_cast<int>(failures / static_cast<std::uint32_t>(k));
      if (radius == 1) return VictimPolicy{Kind::neighbor, 1}.choose(thief, topo, routes, rng, scratch);
      if (radius >= routes.diameter()) return VictimPolicy{Kind::global, 1}.choose(thief, topo, routes, rng, scratch);
      return VictimPolicy{Kind::khop, radius}.choose(thief, topo, routes, rng, scratch);
    }
    case Kind::lifeline:
    case Kind::neighbor: {
      scratch.clear();
      for (const mesh::Adjacent& a : topo.adjacency(thief))
        if (topo.state(a.link).active) scratch.push_back(a.neighbor);
      if (scratch.empty()) return -1;
      return scratch[rng.below(static_cast<std::uint32_t>(scratch.size()))];
    }
    case Kind::global: {
      // Uniform over the n - 1 others without building a list.
      const int pick = static_cast<int>(rng.below(static_cast<std::uint32_t>(n - 1)));
      return pick >= thief ? pick + 1 : pick;
    }
    case Kind::khop: {
      scratch.clear();
      for (int v = 0; v < n; ++v) {
        const int h = routes.hops(thief, v);
        if (h >= 1 && h <= k) scratch.push_back(v);
      }
      if (scratch.empty()) return -1;
      return scratch[rng.below(static_cast<std::uint32_t>(scratch.size()))];
    }
  }
  return -1;
}

std::string VictimPolicy::to_string() const {
  switch (kind) {
    case Kind::neighbor: return "neighbor";
    case Kind::global: return "global";
    case Kind::khop: return "khop:" + std::to_string(k);
    case Kind::escalate: return "escalate:" + std::to_string(k);
    case Kind::ring: return "ring:" + std::to_string(k);
    case Kind::sticky: return "sticky";
    case Kind::lifeline: return "lifeline";
  }
  return "?";
}

mesh::Result<VictimPolicy> parse_policy(std::string_view text) {
  VictimPolicy p;
  for (const auto& [name, kind] : {std::pair{std::string_view("neighbor"), VictimPolicy::Kind::neighbor},
                                   std::pair{std::string_view("global"), VictimPolicy::Kind::global},
                                   std::pair{std::string_view("sticky"), VictimPolicy::Kind::sticky},
                                   std::pair{std::string_view("lifeline"), VictimPolicy::Kind::lifeline}}) {
    if (text != name) continue;
    p.kind = kind;
    return p;
  }
  for (const auto& [prefix, kind] : {std::pair{std::string_view("khop:"), VictimPolicy::Kind::khop},
                                     std::pair{std::string_view("escalate:"), VictimPolicy::Kind::escalate},
                                     std::pair{std::string_view("ring:"), VictimPolicy::Kind::ring}}) {
    if (text.substr(0, prefix.size()) != prefix) continue;
    const std::string name(prefix.substr(0, prefix.size() - 1));
    auto k = mesh::parse_integer(text.substr(prefix.size()), "--policy " + name + ":K");
    if (!k) return k.error();
    if (*k < 1 || *k > 100000)
      return mesh::fail("--policy", name + ":K needs K >= 1, got " + std::string(text.substr(prefix.size())));
    p.kind = kind;
    p.k = static_cast<int>(*k);
    return p;
  }
  return mesh::fail("--policy", "expected neighbor, global, sticky, lifeline, khop:K, escalate:K or ring:K, got '" + std::string(text) + "'");
}

}  // namespace leomesh::scheduler
