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
  for (const char* bad : {"", "random", "khop:", "khop:0", "khop:-1", "khop:x"}) {
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
