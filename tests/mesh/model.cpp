// The analytical model against exact values.
#include <catch2/catch.hpp>

#include "leomesh/mesh/model.hpp"
#include "leomesh/mesh/routing.hpp"
#include "leomesh/mesh/spec.hpp"

using namespace leomesh::mesh;

namespace {
ModelReport model(const std::string& topology, const std::string& links, ModelOptions o = {}) {
  auto spec = parse_topology(topology);
  REQUIRE(spec.ok());
  auto lm = links.empty() ? Result<LinkModel>(spec->default_links()) : parse_link_model(links);
  REQUIRE(lm.ok());
  auto topo = Topology::build(*spec, *lm);
  REQUIRE(topo.ok());
  auto r = evaluate_model(*topo, o);
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("a 1x2 mesh: neighbor and global are the same steal", "[model]") {
  for (const char* links : {"none", "uniform:5ms", "uniform:1ms,proc=10us"}) {
    const ModelReport m = model("mesh:1x2", links);
    CHECK(m.advantage == 1.0);
    CHECK(m.neighbor.mean_hops == 1.0);
    CHECK(m.global.mean_hops == 1.0);
    CHECK(m.diameter_hops == 1);
  }
}

TEST_CASE("uniform links: RTT = 2 x latency x hops", "[model]") {
  const ModelReport m = model("torus:4x4", "uniform:5ms");
  CHECK(m.neighbor.attempt_latency_s == Approx(0.010));
  CHECK(m.global.mean_hops == Approx(32.0 / 15.0));
  CHECK(m.global.attempt_latency_s == Approx(0.010 * 32.0 / 15.0));
  CHECK(m.advantage == Approx(32.0 / 15.0));
  // khop:2 on a 4x4 torus: 4 neighbours at 1 hop, 6 at 2 hops (4 straight + ... ) -> count.
  // From any node: distance-1 = 4, distance-2 = 6 (2 straight wraps count once each: 2, and
  // 4 diagonals), so mean = (4*1 + 6*2) / 10.
  CHECK(m.khop.mean_hops == Approx(16.0 / 10.0));
  CHECK(m.mean_neighbors == 4.0);
}

TEST_CASE("HPC mode (no link delay): advantage is the hop ratio", "[model]") {
  const ModelReport m = model("mesh:4x4", "none");
  CHECK(m.neighbor.attempt_latency_s == 0.0);
  CHECK(m.advantage == Approx(mesh_mean_hops(4, 4)));
  const ModelReport full = model("full:16", "none");
  CHECK(full.advantage == 1.0);
}

TEST_CASE("per-hop serialisation of the steal frames", "[model]") {
  ModelOptions o;
  o.frame_bytes = 1250;  // 1 us at 10 Gbit/s, each way
  const ModelReport m = model("torus:4x4", "uniform:5ms,rate=10Gbps", o);
  CHECK(m.neighbor.attempt_latency_s == Approx(0.010 + 2e-6));
  CHECK(m.global.attempt_latency_s == Approx((0.010 + 2e-6) * 32.0 / 15.0));
}

TEST_CASE("the advantage grows with constellation size", "[model]") {
  double previous = 0;
  for (int side : {4, 8, 16, 32}) {
    const std::string t = "torus:" + std::to_string(side) + "x" + std::to_string(side);
    const ModelReport m = model(t, "uniform:2ms");
    CHECK(m.advantage == Approx(torus_mean_hops(side, side)));
    CHECK(m.advantage > previous);
    previous = m.advantage;
  }
}

TEST_CASE("moving shells: window averaging samples the orbit", "[model]") {
  ModelOptions snapshot;
  snapshot.window_s = 0;
  const ModelReport one = model("iridium", "", snapshot);
  CHECK(one.samples == 1);
  const ModelReport avg = model("iridium", "");
  CHECK(avg.samples == 12);
  CHECK(avg.window_s == Approx(6027.13).margin(0.01));
  // Iridium's polar cut-off removes cross-plane links: fewer than 4 ISLs per satellite.
  CHECK(avg.mean_neighbors < 4.0);
  CHECK(avg.mean_neighbors > 2.0);
  // Starlink's delta shell keeps all four ISLs; neighbours are one hop by definition.
  ModelOptions quick;
  quick.samples = 2;
  const ModelReport s = model("starlink-s1", "", quick);
  CHECK(s.mean_neighbors == 4.0);
  CHECK(s.neighbor.mean_hops == 1.0);
  CHECK(s.advantage > 10.0);
}

TEST_CASE("the model refuses a single satellite", "[model]") {
  auto spec = parse_topology("mesh:1x1");
  REQUIRE(spec.ok());
  auto topo = Topology::build(*spec, spec->default_links());
  REQUIRE(topo.ok());
  auto r = evaluate_model(*topo, ModelOptions{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().parameter == "--topology");
}
