#include "leomesh/mesh/routing.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>

namespace leomesh::mesh {

void sweep_from(const Topology& topo, int root, BfsScratch& s) {
  const auto n = static_cast<std::size_t>(topo.satellites());
  s.hops.assign(n, -1);
  s.latency_s.assign(n, 0.0);
  s.parent.assign(n, -1);
  s.order.clear();
  s.order.reserve(n);
  s.hops[static_cast<std::size_t>(root)] = 0;
  s.order.push_back(root);
  // Breadth-first order finishes every satellite of level h before any of level h + 1 is
  // expanded, so a satellite's latency is final when it is expanded and relaxing the next
  // level yields the lowest latency among fewest-hop paths.
  for (std::size_t head = 0; head < s.order.size(); ++head) {
    const int v = s.order[head];
    const auto vi = static_cast<std::size_t>(v);
    for (const Adjacent& a : topo.adjacency(v)) {
      const LinkState& st = topo.state(a.link);
      if (!st.active) continue;
      const auto u = static_cast<std::size_t>(a.neighbor);
      const double lat = s.latency_s[vi] + st.latency_s;
      if (s.hops[u] < 0) {
        s.hops[u] = s.hops[vi] + 1;
        s.latency_s[u] = lat;
        s.parent[u] = v;
        s.order.push_back(a.neighbor);
      } else if (s.hops[u] == s.hops[vi] + 1 && lat < s.latency_s[u]) {
        s.latency_s[u] = lat;
        s.parent[u] = v;
      }
    }
  }
}

void RoutingTable::recompute(const Topology& topo) {
  n_ = topo.satellites();
  const std::size_t cells = static_cast<std::size_t>(n_) * static_cast<std::size_t>(n_);
  next_.assign(cells, kUnreachable);
  hops_.assign(cells, kUnreachable);
  latency_.assign(cells, std::numeric_limits<float>::infinity());
  diameter_ = 0;
  for (int dest = 0; dest < n_; ++dest) {
    sweep_from(topo, dest, scratch_);
    for (int v : scratch_.order) {
      const auto vi = static_cast<std::size_t>(v);
      const std::size_t cell = index(v, dest);
      hops_[cell] = static_cast<std::uint16_t>(scratch_.hops[vi]);
      latency_[cell] = static_cast<float>(scratch_.latency_s[vi]);
      if (v != dest) next_[cell] = static_cast<std::uint16_t>(scratch_.parent[vi]);
      diameter_ = std::max(diameter_, scratch_.hops[vi]);
    }
  }
}

std::vector<int> RoutingTable::path(int from, int to) const {
  std::vector<int> out;
  if (hops(from, to) < 0) return out;
  out.push_back(from);
  for (int v = from; v != to;) {
    v = next_hop(v, to);
    out.push_back(v);
  }
  return out;
}

namespace {

// Dijkstra over the active links from `from`; stops early once `stop_at` is settled (-1:
// settle every satellite). Leaves infinity in `dist` and -1 in `parent` where unreached.
void dijkstra(const Topology& topo, int from, int stop_at, std::vector<double>& dist, std::vector<int>& parent) {
  const auto n = static_cast<std::size_t>(topo.satellites());
  dist.assign(n, std::numeric_limits<double>::infinity());
  parent.assign(n, -1);
  using Item = std::pair<double, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
  dist[static_cast<std::size_t>(from)] = 0.0;
  queue.push({0.0, from});
  while (!queue.empty()) {
    const auto [d, v] = queue.top();
    queue.pop();
    if (d > dist[static_cast<std::size_t>(v)]) continue;
    if (v == stop_at) break;
    for (const Adjacent& a : topo.adjacency(v)) {
      const LinkState& st = topo.state(a.link);
      const auto u = static_cast<std::size_t>(a.neighbor);
      if (st.active && d + st.latency_s < dist[u]) {
        dist[u] = d + st.latency_s;
        parent[u] = v;
        queue.push({dist[u], a.neighbor});
      }
    }
  }
}

}  // namespace

std::vector<int> lowest_latency_path(const Topology& topo, int from, int to) {
  std::vector<double> dist;
  std::vector<int> parent;
  dijkstra(topo, from, to, dist, parent);
  std::vector<int> out;
  if (from != to && parent[static_cast<std::size_t>(to)] < 0) return out;
  for (int v = to; v != -1; v = v == from ? -1 : parent[static_cast<std::size_t>(v)]) out.push_back(v);
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<double> lowest_latencies_from(const Topology& topo, int from) {
  std::vector<double> dist;
  std::vector<int> parent;
  dijkstra(topo, from, -1, dist, parent);
  return dist;
}

}  // namespace leomesh::mesh
