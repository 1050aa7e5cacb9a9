// The wavefront limit against hand-solved closed forms and the reference figures.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "leomesh/mesh/limit.hpp"
#include "leomesh/mesh/spec.hpp"

using namespace leomesh::mesh;

namespace {

Topology topology(const std::string& name, const std::string& links) {
  auto t = build_topology(name, links);
  REQUIRE(t.ok());
  return std::move(*t);
}

WavefrontLimit limit(const Topology& topo, double work_s, int workers, int root = 0) {
  auto lim = wavefront_limit(topo, root, work_s, workers);
  REQUIRE(lim.ok());
  return *lim;
}

Approx exact(double v) { return Approx(v).epsilon(1e-9).margin(1e-15); }

constexpr double kUtsT1Nodes = 4130071;  // uts:T1, the UTS 2.1 sample tree

}  // namespace

TEST_CASE("limit: earliest_finish_s: one segment after another", "[limit]") {
  // Starts 0, 1, 3; one worker each. Work 0.5 ends before the second joins; work 2 ends
  // while two work (T - 0 + T - 1 = 2); work 7 needs all three (3T - 4 = 7).
  CHECK(earliest_finish_s({0.0, 1.0, 3.0}, 0.5, 1) == exact(0.5));
  CHECK(earliest_finish_s({3.0, 0.0, 1.0}, 2.0, 1) == exact(1.5));
  CHECK(earliest_finish_s({0.0, 1.0, 3.0}, 7.0, 1) == exact(11.0 / 3.0));
  // At a breakpoint: work 1 ends exactly when the second place would join.
  CHECK(earliest_finish_s({0.0, 1.0, 3.0}, 1.0, 1) == exact(1.0));
  // Workers divide the work: two each, work 14 is 7 per worker.
  CHECK(earliest_finish_s({0.0, 1.0, 3.0}, 14.0, 2) == exact(11.0 / 3.0));
  CHECK(earliest_finish_s({0.0}, 0.0, 4) == 0.0);
}

TEST_CASE("limit: a single satellite: T = T1 / c, no wavefront, no termination delay", "[limit]") {
  for (const char* links : {"none", "uniform:5ms"}) {
    const WavefrontLimit lim = limit(topology("torus:1x1", links), 3.0, 4);
    CHECK(lim.push_s == exact(0.75));
    CHECK(lim.pull_s == exact(0.75));
    CHECK(lim.ecc_s == 0.0);
    CHECK(lim.pull_with_termination_s == exact(0.75));
    CHECK(lim.efficiency == exact(1.0));
    CHECK(lim.satellites == 1);
    CHECK(lim.reachable == 1);
  }
}

TEST_CASE("limit: HPC links (no delay): the work divides evenly, efficiency 1", "[limit]") {
  const WavefrontLimit lim = limit(topology("torus:4x4", "none"), 32.0, 2);
  CHECK(lim.push_s == exact(1.0));
  CHECK(lim.pull_with_termination_s == exact(1.0));
  CHECK(lim.efficiency == exact(1.0));
}

TEST_CASE("limit: torus:2x2: one at 0, two at L, one at 2L", "[limit]") {
  const double L = 0.005;
  const Topology t = topology("torus:2x2", "uniform:5ms");
  // Early: W/c = 1 ms ends before any neighbour gets work, even by push.
  WavefrontLimit lim = limit(t, 0.004, 4);
  CHECK(lim.push_s == exact(0.001));
  CHECK(lim.pull_s == exact(0.001));
  CHECK(lim.ecc_s == exact(2 * L));
  CHECK(lim.pull_with_termination_s == exact(0.001 + 2 * L));
  CHECK(lim.efficiency == exact(0.004 / (4 * 4 * (0.001 + 2 * L))));
  // Middle: W/c = 6L; push: the far one joins at 2L, (6L + 4L) / 4 = 2.5L > 2L, so all four;
  // pull: starts 0, 2L, 2L, 4L: (6L + 4L) / 3 = 10L/3 <= 4L, three of them.
  lim = limit(t, 4 * 6 * L, 4);
  CHECK(lim.push_s == exact(10 * L / 4));
  CHECK(lim.pull_s == exact(10 * L / 3));
  // Late: W/c = 100L: pull (100L + 8L) / 4.
  lim = limit(t, 4 * 100 * L, 4);
  CHECK(lim.push_s == exact(104 * L / 4));
  CHECK(lim.pull_s == exact(108 * L / 4));
  CHECK(lim.pull_with_termination_s == exact(27 * L + 2 * L));
  CHECK(lim.push_with_termination_s == exact(26 * L + 2 * L));
}

TEST_CASE("limit: torus:3x3: four at L, four at 2L", "[limit]") {
  const double L = 0.002;
  const Topology t = topology("torus:3x3", "uniform:2ms");
  // W/c = 10L, c = 1: push (10L + 4L + 8L) / 9 = 22L/9 > 2L; pull (10L + 8L) / 5 = 3.6L <= 4L.
  WavefrontLimit lim = limit(t, 10 * L, 1);
  CHECK(lim.push_s == exact(22 * L / 9));
  CHECK(lim.pull_s == exact(18 * L / 5));
  CHECK(lim.ecc_s == exact(2 * L));
  CHECK(lim.efficiency == exact(10 * L / (9 * (18 * L / 5 + 2 * L))));
  // W/c = 5L: push (5L + 4L) / 5 = 1.8L <= 2L, the ring at 2L never gets work.
  lim = limit(t, 5 * L, 1);
  CHECK(lim.push_s == exact(9 * L / 5));
  CHECK(lim.pull_s == exact(13 * L / 5));
}

TEST_CASE("limit: torus:4x4: 1 at 0, 4 at L, 6 at 2L, 4 at 3L, 1 at 4L", "[limit]") {
  const double L = 0.005;
  const int c = 4;
  const Topology t = topology("torus:4x4", "uniform:5ms");
  // With m satellites started, T = (W/c + (sum of their distances) k L) / m; the sums of
  // distances in L over the first 1, 5, 11, 15, 16 satellites are 0, 4, 16, 28, 32.
  struct Case {
    double per_worker;  // W / c, in L
    double push, pull;  // T, in L
  };
  const Case cases[] = {
      {0.5, 0.5, 0.5},                              // before the first ring, either way
      {2.0, 6.0 / 5, 2.0},                          // push: 5 working; pull: the root alone until 2L
      {7.0, 23.0 / 11, 15.0 / 5},                   // push: 11 (2.09L <= 3L); pull: 5 (3L <= 4L)
      {30.0, 58.0 / 15, 62.0 / 11},                 // push: 15 (3.87L <= 4L); pull: 11 (5.64L <= 6L)
      {40.0, 72.0 / 16, 96.0 / 15},                 // push: all; pull: 15 (6.4L <= 8L)
      {1000.0, 1032.0 / 16, 1064.0 / 16},           // all of them, both ways
  };
  for (const Case& k : cases) {
    const WavefrontLimit lim = limit(t, k.per_worker * L * c, c);
    INFO("W/c = " << k.per_worker << " L");
    CHECK(lim.push_s == exact(k.push * L));
    CHECK(lim.pull_s == exact(k.pull * L));
    CHECK(lim.ecc_s == exact(4 * L));
    CHECK(lim.pull_with_termination_s == exact((k.pull + 4) * L));
    CHECK(lim.push_with_termination_s == exact((k.push + 4) * L));
    CHECK(lim.efficiency == exact(k.per_worker * c / (16.0 * c * (k.pull + 4))));
  }
}

TEST_CASE("limit: per-hop processing counts, serialisation does not", "[limit]") {
  // 4 ms of propagation + 1 ms of processing per hop is a 5 ms hop; the rate changes nothing.
  const WavefrontLimit a = limit(topology("torus:4x4", "uniform:4ms,proc=1ms,rate=1Mbps"), kUtsT1Nodes * 10e-6, 4);
  const WavefrontLimit b = limit(topology("torus:4x4", "uniform:5ms"), kUtsT1Nodes * 10e-6, 4);
  CHECK(a.pull_with_termination_s == exact(b.pull_with_termination_s));
  CHECK(a.push_with_termination_s == exact(b.push_with_termination_s));
}

TEST_CASE("limit: the root may be anywhere: a torus looks the same from every satellite", "[limit]") {
  const Topology t = topology("torus:4x4", "uniform:5ms");
  const WavefrontLimit at0 = limit(t, 1.0, 2, 0);
  const WavefrontLimit at9 = limit(t, 1.0, 2, 9);
  CHECK(at9.root == 9);
  CHECK(at9.pull_with_termination_s == exact(at0.pull_with_termination_s));
}

TEST_CASE("limit: satellites cut off take no work but count in N", "[limit]") {
  // A line 0 - 1 - 2 with its second link down: only 0 and 1 can work.
  Topology t = topology("mesh:1x3", "uniform:1ms");
  const auto cut = t.link_between(1, 2);
  REQUIRE(cut);
  t.force_down(*cut, true);
  const WavefrontLimit lim = limit(t, 0.010, 1);
  CHECK(lim.reachable == 2);
  CHECK(lim.satellites == 3);
  CHECK(lim.ecc_s == exact(0.001));
  CHECK(lim.push_s == exact(0.011 / 2));
  CHECK(lim.pull_s == exact(0.012 / 2));
  CHECK(lim.efficiency == exact(0.010 / (3 * (0.006 + 0.001))));
}

TEST_CASE("limit: bad input is an error naming the parameter", "[limit]") {
  const Topology t = topology("torus:4x4", "uniform:5ms");
  auto r = wavefront_limit(t, 16, 1.0, 1);
  REQUIRE(!r.ok());
  CHECK(r.error().parameter == "root");
  CHECK(!wavefront_limit(t, -1, 1.0, 1).ok());
  CHECK(wavefront_limit(t, 0, 0.0, 1).error().parameter == "total work");
  CHECK(!wavefront_limit(t, 0, -1.0, 1).ok());
  CHECK(!wavefront_limit(t, 0, std::numeric_limits<double>::infinity(), 1).ok());
  CHECK(!wavefront_limit(t, 0, std::nan(""), 1).ok());
  CHECK(wavefront_limit(t, 0, 1.0, 0).error().parameter == "workers per satellite");
}

TEST_CASE("limit: the issue's reference figures: UTS T1, 4 workers, work at satellite 0", "[limit]") {
  // Computed independently by the author from the time-0 geometry; the pull limit
  // with termination, to the millisecond. Starlink's also tells the lowest-latency paths
  // from RoutingTable's fewest-hop routes, whose latencies would give 0.897 s.
  struct Reference {
    const char* topology;
    const char* links;
    double node_cost_s;
    double limit_s;
  };
  const Reference refs[] = {
      {"torus:4x4", "uniform:5ms", 10e-6, 0.685},
      {"torus:8x8", "uniform:5ms", 10e-6, 0.241},
      {"torus:16x16", "uniform:5ms", 100e-6, 0.563},
      {"starlink-s1", "geometric", 1e-3, 0.894},
      {"kuiper-k1", "geometric", 1e-3, 1.139},
  };
  for (const Reference& r : refs) {
    INFO(r.topology);
    const WavefrontLimit lim = limit(topology(r.topology, r.links), kUtsT1Nodes * r.node_cost_s, 4);
    CHECK(lim.pull_with_termination_s == Approx(r.limit_s).margin(0.5e-3));
    CHECK(lim.push_with_termination_s < lim.pull_with_termination_s);
  }
  // torus:4x4 exactly: 16 T - 2 x 32 L = T1 / 4 for pull (every satellite works), plus 4 L.
  const WavefrontLimit lim = limit(topology("torus:4x4", "uniform:5ms"), kUtsT1Nodes * 10e-6, 4);
  CHECK(lim.pull_with_termination_s == exact((kUtsT1Nodes * 10e-6 / 4 + 2 * 32 * 0.005) / 16 + 0.020));
}
