// Victim policies choose only what their definition allows.
#include <catch2/catch.hpp>

#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/policy.hpp"

using namespace leomesh;

TEST_CASE("policies parse, and bad ones are refused", "[policy]") {
  CHECK(scheduler::parse_policy("neighbor")->kind == scheduler::VictimPolicy::Kind::neighbor);
  CHECK(scheduler::parse_policy("global")->kind == scheduler::VictimPolicy::Kind::global);
  CHECK(scheduler::parse_policy("khop:3")->k == 3);
  CHECK(scheduler::parse_policy("khop:3")->to_string() == "khop:3");
  CHECK(scheduler::parse_policy("escalate:4")->kind == scheduler::VictimPolicy::Kind::escalate);
  CHECK(scheduler::parse_policy("escalate:4")->to_string() == "escalate:4");
  for (const char* bad : {"", "random", "khop:", "khop:0", "khop:-1", "khop:x", "escalate:0", "escalate:"}) {
    auto p = scheduler::parse_policy(bad);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().parameter.rfind("--policy", 0) == 0);
  }
}

TEST_CASE("neighbor picks active neighbours, global anyone else, khop within K", "[policy]") {
  auto spec = mesh::parse_topology("iridium");
  mesh::Topology topo = *mesh::Topology::build(*spec, spec->default_links());
  topo.update(1000.0);
  mesh::RoutingTable routes(topo);
  scheduler::Rng rng(7);
  std::vector<int> scratch;
  const auto nb = *scheduler::parse_policy("neighbor");
  const auto gl = *scheduler::parse_policy("global");
  const auto k2 = *scheduler::parse_policy("khop:2");
  std::vector<int> seen(static_cast<std::size_t>(topo.satellites()), 0);
  for (int thief = 0; thief < topo.satellites(); ++thief) {
    const std::vector<int> neighbours = topo.neighbors(thief);
    for (int i = 0; i < 200; ++i) {
      const int v = nb.choose(thief, topo, routes, rng, scratch);
      REQUIRE(std::find(neighbours.begin(), neighbours.end(), v) != neighbours.end());
      const int g = gl.choose(thief, topo, routes, rng, scratch);
      REQUIRE(g != thief);
      REQUIRE(g >= 0);
      REQUIRE(g < topo.satellites());
      if (thief == 0) ++seen[static_cast<std::size_t>(g)];
      const int k = k2.choose(thief, topo, routes, rng, scratch);
      REQUIRE(routes.hops(thief, k) >= 1);
      REQUIRE(routes.hops(thief, k) <= 2);
    }
  }
  // Global reaches (nearly) every other satellite from satellite 0 in 200 draws of 65.
  int reached = 0;
  for (int v = 1; v < topo.satellites(); ++v) reached += seen[static_cast<std::size_t>(v)] > 0;
  CHECK(reached > 55);
}

TEST_CASE("escalate:K asks a neighbour, and a global victim after every K failures", "[policy]") {
  auto spec = mesh::parse_topology("torus:8x8");
  mesh::Topology topo = *mesh::Topology::build(*spec, spec->default_links());
  mesh::RoutingTable routes(topo);
  scheduler::Rng rng(3);
  std::vector<int> scratch;
  const auto esc = *scheduler::parse_policy("escalate:3");
  int far = 0;
  for (int i = 0; i < 300; ++i) {
    for (std::uint32_t failures : {0u, 1u, 2u, 4u, 5u}) {
      REQUIRE(routes.hops(9, esc.choose(9, topo, routes, rng, scratch, failures)) == 1);
    }
    const int v = esc.choose(9, topo, routes, rng, scratch, 3);
    REQUIRE(v != 9);
    far += routes.hops(9, v) > 1;
  }
  CHECK(far > 250);  // 60 of the 63 others are more than one hop away
}

TEST_CASE("ring:K widens its radius by one hop every K failures", "[policy]") {
  auto spec = mesh::parse_topology("torus:8x8");
  mesh::Topology topo = *mesh::Topology::build(*spec, spec->default_links());
  mesh::RoutingTable routes(topo);
  scheduler::Rng rng(5);
  std::vector<int> scratch;
  const auto ring = *scheduler::parse_policy("ring:2");
  CHECK(ring.to_string() == "ring:2");
  for (int i = 0; i < 300; ++i) {
    REQUIRE(routes.hops(9, ring.choose(9, topo, routes, rng, scratch, 0)) == 1);
    REQUIRE(routes.hops(9, ring.choose(9, topo, routes, rng, scratch, 1)) == 1);
    REQUIRE(routes.hops(9, ring.choose(9, topo, routes, rng, scratch, 2)) <= 2);
    REQUIRE(routes.hops(9, ring.choose(9, topo, routes, rng, scratch, 5)) <= 3);
    const int far = ring.choose(9, topo, routes, rng, scratch, 100);  // beyond the diameter: anyone
    REQUIRE(far != 9);
    REQUIRE(far >= 0);
  }
}

TEST_CASE("sticky goes back to the last victim that gave work, else a neighbour", "[policy]") {
  auto spec = mesh::parse_topology("torus:8x8");
  mesh::Topology topo = *mesh::Topology::build(*spec, spec->default_links());
  mesh::RoutingTable routes(topo);
  scheduler::Rng rng(11);
  std::vector<int> scratch;
  const auto sticky = *scheduler::parse_policy("sticky");
  CHECK(sticky.to_string() == "sticky");
  for (int i = 0; i < 100; ++i) {
    REQUIRE(sticky.choose(9, topo, routes, rng, scratch, 0, 10) == 10);  // 10 is 9's neighbour
    REQUIRE(routes.hops(9, sticky.choose(9, topo, routes, rng, scratch, 1, 10)) == 1);
    REQUIRE(routes.hops(9, sticky.choose(9, topo, routes, rng, scratch, 0, 40)) == 1);  // 40 is not
  }
}
