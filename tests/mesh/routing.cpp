// Hop distances against closed forms, and routes that use only active links.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "leomesh/mesh/model.hpp"
#include "leomesh/mesh/routing.hpp"
#include "leomesh/mesh/spec.hpp"

using namespace leomesh::mesh;

namespace {
Topology build(const std::string& text, const std::string& links = "") {
  auto spec = parse_topology(text);
  REQUIRE(spec.ok());
  auto lm = links.empty() ? Result<LinkModel>(spec->default_links()) : parse_link_model(links);
  REQUIRE(lm.ok());
  auto topo = Topology::build(*spec, *lm);
  REQUIRE(topo.ok());
  return std::move(*topo);
}

double mean_routed_hops(const RoutingTable& rt) {
  double sum = 0;
  const int n = rt.satellites();
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      if (a != b) sum += rt.hops(a, b);
  return sum / (static_cast<double>(n) * (n - 1));
}

// Every route follows active links, has as many hops as the hop distance, and its latency
// is the sum of its links' latencies.
void check_routes(const Topology& topo, const RoutingTable& rt) {
  for (int a = 0; a < topo.satellites(); ++a) {
    for (int b = 0; b < topo.satellites(); ++b) {
      const std::vector<int> path = rt.path(a, b);
      REQUIRE(static_cast<int>(path.size()) == rt.hops(a, b) + 1);
      double latency = 0;
      for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        const auto link = topo.link_between(path[i], path[i + 1]);
        REQUIRE(link.has_value());
        REQUIRE(topo.state(*link).active);
        latency += topo.state(*link).latency_s;
      }
      REQUIRE(rt.latency_s(a, b) == Approx(latency).epsilon(1e-6));
    }
  }
}
}  // namespace

TEST_CASE("torus mean hops and diameter: BFS equals the closed form", "[routing]") {
  for (auto [r, c] : {std::pair{1, 2}, {2, 2}, {3, 3}, {4, 4}, {5, 7}, {6, 4}, {1, 9}, {8, 8}, {9, 10}}) {
    Topology topo = build("torus:" + std::to_string(r) + "x" + std::to_string(c));
    RoutingTable rt(topo);
    INFO("torus " << r << "x" << c);
    CHECK(mean_routed_hops(rt) == Approx(torus_mean_hops(r, c)).epsilon(1e-12));
    CHECK(rt.diameter() == torus_diameter(r, c));
  }
  // Hand-checked: a 4x4 torus has mean distance 16/15 * (1 + 1) = 32/15.
  CHECK(torus_mean_hops(4, 4) == Approx(32.0 / 15.0));
}

TEST_CASE("mesh mean hops and diameter: BFS equals the closed form", "[routing]") {
  for (auto [r, c] : {std::pair{1, 2}, {2, 2}, {3, 3}, {4, 4}, {2, 4}, {5, 7}, {6, 4}, {1, 9}}) {
    Topology topo = build("mesh:" + std::to_string(r) + "x" + std::to_string(c));
    RoutingTable rt(topo);
    INFO("mesh " << r << "x" << c);
    CHECK(mean_routed_hops(rt) == Approx(mesh_mean_hops(r, c)).epsilon(1e-12));
    CHECK(rt.diameter() == mesh_diameter(r, c));
  }
  // Hand-checked: a 2x2 mesh is a 4-cycle: distances 1, 1, 2 from every corner.
  CHECK(mesh_mean_hops(2, 2) == Approx(4.0 / 3.0));
}

TEST_CASE("full:N is one hop between any pair", "[routing]") {
  Topology topo = build("full:12");
  RoutingTable rt(topo);
  CHECK(mean_routed_hops(rt) == 1.0);
  CHECK(rt.diameter() == 1);
  CHECK(topo.links().size() == 66u);
}

TEST_CASE("routes use only active links, on moving shells with links down", "[routing]") {
  for (const char* text : {"iridium", "walker-star:8x10,alt=1000,inc=89", "walker-delta:8x9,alt=600,inc=53,phase=3"}) {
    Topology topo = build(text);
    for (double t : {0.0, 1234.0, 4321.0}) {
      topo.update(t);
      RoutingTable rt(topo);
      INFO(text << " at t=" << t);
      check_routes(topo, rt);
    }
  }
}

TEST_CASE("routes take the fastest of the fewest-hop paths", "[routing]") {
  // Independent check: the lowest latency over walks of exactly h hops, by dynamic
  // programming over hop counts, equals the route latency when h is the hop distance.
  Topology topo = build("iridium");
  topo.update(700.0);
  RoutingTable rt(topo);
  const int n = topo.satellites();
  const double inf = std::numeric_limits<double>::infinity();
  for (int src = 0; src < n; src += 5) {
    std::vector<double> best(static_cast<std::size_t>(n), inf);
    best[static_cast<std::size_t>(src)] = 0;
    for (int h = 1; h <= rt.diameter(); ++h) {
      std::vector<double> next(static_cast<std::size_t>(n), inf);
      for (std::size_t i = 0; i < topo.links().size(); ++i) {
        const LinkState& s = topo.state(static_cast<int>(i));
        if (!s.active) continue;
        const auto a = static_cast<std::size_t>(topo.links()[i].a), b = static_cast<std::size_t>(topo.links()[i].b);
        next[b] = std::min(next[b], best[a] + s.latency_s);
        next[a] = std::min(next[a], best[b] + s.latency_s);
      }
      best = next;
      for (int dst = 0; dst < n; ++dst)
        if (rt.hops(src, dst) == h) CHECK(rt.latency_s(src, dst) == Approx(best[static_cast<std::size_t>(dst)]).epsilon(1e-6));
    }
  }
}

TEST_CASE("lowest-latency path and latencies match Floyd-Warshall, never slower than the routed path", "[routing]") {
  Topology topo = build("iridium");
  topo.update(300.0);
  RoutingTable rt(topo);
  // Floyd-Warshall as the independent reference.
  const int n = topo.satellites();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> d(static_cast<std::size_t>(n * n), inf);
  auto at = [&](int a, int b) -> double& { return d[static_cast<std::size_t>(a * n + b)]; };
  for (int v = 0; v < n; ++v) at(v, v) = 0;
  for (std::size_t i = 0; i < topo.links().size(); ++i) {
    const LinkState& s = topo.state(static_cast<int>(i));
    if (!s.active) continue;
    at(topo.links()[i].a, topo.links()[i].b) = at(topo.links()[i].b, topo.links()[i].a) = s.latency_s;
  }
  for (int k = 0; k < n; ++k)
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) at(a, b) = std::min(at(a, b), at(a, k) + at(k, b));
  for (int a = 0; a < n; ++a) {
    const std::vector<double> from_a = lowest_latencies_from(topo, a);
    REQUIRE(from_a.size() == static_cast<std::size_t>(n));
    for (int b = 0; b < n; ++b) {
      CHECK(from_a[static_cast<std::size_t>(b)] == Approx(at(a, b)).epsilon(1e-9).margin(1e-12));
      const std::vector<int> p = lowest_latency_path(topo, a, b);
      REQUIRE(!p.empty());
      CHECK(p.front() == a);
      CHECK(p.back() == b);
      double lat = 0;
      for (std::size_t i = 0; i + 1 < p.size(); ++i) {
        const auto link = topo.link_between(p[i], p[i + 1]);
        REQUIRE(link);
        REQUIRE(topo.state(*link).active);
        lat += topo.state(*link).latency_s;
      }
      CHECK(lat == Approx(at(a, b)).epsilon(1e-9).margin(1e-12));
      CHECK(lat <= rt.latency_s(a, b) + 1e-6);
    }
  }
}

TEST_CASE("routing follows the links as the constellation moves", "[routing]") {
  Topology topo = build("iridium");
  RoutingTable before(topo);
  topo.update(1500.0);
  RoutingTable after(topo);
  int changed = 0;
  for (int a = 0; a < topo.satellites(); ++a)
    for (int b = 0; b < topo.satellites(); ++b) changed += before.next_hop(a, b) != after.next_hop(a, b);
  CHECK(changed > 0);
  check_routes(topo, after);
}
