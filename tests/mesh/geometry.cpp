// Golden geometry: closed forms from BACKGROUND.md checked against the Walker positions.
#include <catch2/catch.hpp>
#include <cmath>

#include "leomesh/mesh/spec.hpp"
#include "leomesh/mesh/topology.hpp"
#include "leomesh/mesh/walker.hpp"

using namespace leomesh::mesh;

namespace {
Topology build(const std::string& text) {
  auto spec = parse_topology(text);
  REQUIRE(spec.ok());
  auto topo = Topology::build(*spec, spec->default_links());
  REQUIRE(topo.ok());
  return std::move(*topo);
}
constexpr double kR = 6378.135;
constexpr double kC = 299792.458;
}  // namespace

TEST_CASE("orbital period and radius of a 550 km shell", "[geometry]") {
  Walker w(parse_topology("starlink-s1")->walker);
  const double a = kR + 550.0;
  CHECK(w.radius_km() == Approx(a));
  CHECK(w.period_s() == Approx(2 * M_PI * std::sqrt(a * a * a / 398600.4418)).epsilon(1e-12));
  CHECK(w.period_s() == Approx(5739.0).margin(0.5));
  for (double t : {0.0, 123.4, 4000.0})
    for (int id : {0, 7, 1583}) CHECK(w.position(id, t).norm() == Approx(a).epsilon(1e-12));
}

TEST_CASE("satellites reach but never exceed the inclination in latitude", "[geometry]") {
  Walker w(parse_topology("walker-delta:4x40,alt=600,inc=53")->walker);
  double max_lat = 0;
  for (int id = 0; id < w.satellites(); ++id)
    max_lat = std::max(max_lat, std::abs(Walker::latitude_deg(w.position(id, 0.0))));
  CHECK(max_lat <= 53.0 + 1e-9);
  CHECK(max_lat > 52.0);  // 40 slots: one is within 360/40/2 deg of the turning point
}

TEST_CASE("intra-plane link is the chord 2(R+h)sin(pi/S) at every time", "[geometry]") {
  for (const auto& [text, alt, per_plane] :
       {std::tuple{"starlink-s1", 550.0, 22}, {"kuiper-k1", 630.0, 34}, {"iridium", 780.0, 11}}) {
    Topology topo = build(text);
    const double chord = 2 * (kR + alt) * std::sin(M_PI / per_plane);
    for (double t : {0.0, 517.0, 3001.5}) {
      topo.update(t);
      for (std::size_t i = 0; i < topo.links().size(); ++i) {
        if (topo.links()[i].kind != Link::Kind::intra_plane) continue;
        const LinkState& s = topo.state(static_cast<int>(i));
        REQUIRE(s.length_km == Approx(chord).epsilon(1e-10));
        REQUIRE(s.latency_s == Approx(chord / kC).epsilon(1e-10));
        REQUIRE(s.active);
      }
    }
  }
  // Starlink's intra-plane hop: 1,971.95 km, 6.578 ms (BACKGROUND: ~6.6 ms).
  CHECK(2 * (kR + 550) * std::sin(M_PI / 22) / kC * 1e3 == Approx(6.5776).margin(1e-3));
}

TEST_CASE("inter-plane distance at the equator with zero phasing", "[geometry]") {
  // Slot 0 of every plane sits on its ascending node at t = 0: the planes' ascending nodes
  // are 360/P (delta) or 180/P (star) apart on the equator, so the link is 2 r sin(dRAAN/2).
  const double r = kR + 700;
  {
    Topology topo = build("walker-delta:10x20,alt=700,inc=60,phase=0");
    const auto link = topo.link_between(0, 20);
    REQUIRE(link);
    CHECK(topo.links()[static_cast<std::size_t>(*link)].kind == Link::Kind::inter_plane);
    CHECK(topo.state(*link).length_km == Approx(2 * r * std::sin(M_PI / 10)).epsilon(1e-12));
  }
  {
    Topology topo = build("walker-star:10x20,alt=700,inc=88,phase=0");
    const auto link = topo.link_between(0, 20);
    REQUIRE(link);
    CHECK(topo.state(*link).length_km == Approx(2 * r * std::sin(M_PI / 10 / 2)).epsilon(1e-12));
  }
}

TEST_CASE("delta shells wrap across planes, star shells have a seam", "[geometry]") {
  Topology delta = build("walker-delta:6x8,alt=600,inc=53,phase=0");
  Topology star = build("walker-star:6x8,alt=600,inc=88,phase=0");
  // Plane 5 slot 3 is id 43; plane 0 slot 3 is id 3.
  CHECK(delta.link_between(43, 3).has_value());
  CHECK_FALSE(star.link_between(43, 3).has_value());
  CHECK(delta.links().size() == 2u * 48u);
  CHECK(star.links().size() == 48u + 5u * 8u);
  // With phasing F the last plane's slot c faces the first plane's slot c + F, which is where
  // a plane P would put its slot c: Walker's symmetry maps plane p at time t + period * F/T
  // onto plane p + 1 at time t (a rotation by 360/P about the axis). So the wrap link 47-1 at
  // t = 0 is as long as the link 39-47 (planes 4 and 5, slot 7) at t = period * 2/48.
  Topology phased = build("walker-delta:6x8,alt=600,inc=53,phase=2");
  REQUIRE(phased.link_between(40 + 7, 1).has_value());
  const double wrap = phased.state(*phased.link_between(47, 1)).length_km;
  phased.update(phased.walker()->period_s() * 2.0 / 48.0);
  CHECK(phased.state(*phased.link_between(39, 47)).length_km == Approx(wrap).epsilon(1e-9));
  // Without the shift (F = 0) the wrap link is one of the torus's plane pairs at the same u.
  CHECK(delta.state(*delta.link_between(43, 3)).length_km ==
        Approx(delta.state(*delta.link_between(3, 11)).length_km).epsilon(1e-9));
}

TEST_CASE("polar shells switch cross-plane links off above the cut-off latitude", "[geometry]") {
  Topology topo = build("iridium");
  int checked_high = 0, checked_low = 0;
  for (double t : {0.0, 900.0, 2000.0}) {
    topo.update(t);
    for (std::size_t i = 0; i < topo.links().size(); ++i) {
      const Link& l = topo.links()[i];
      const double lat_a = std::abs(Walker::latitude_deg(topo.position(l.a)));
      const double lat_b = std::abs(Walker::latitude_deg(topo.position(l.b)));
      const bool high = lat_a > 66.5 || lat_b > 66.5;
      if (l.kind == Link::Kind::inter_plane) {
        CHECK(topo.state(static_cast<int>(i)).active == !high);
        (high ? checked_high : checked_low)++;
      } else {
        CHECK(topo.state(static_cast<int>(i)).active);
      }
    }
  }
  CHECK(checked_high > 0);
  CHECK(checked_low > 0);
  // A delta shell has no cut-off by default: all links up.
  Topology delta = build("starlink-s1");
  CHECK(delta.active_links() == 3168);
}

TEST_CASE("line of sight clears Earth plus atmosphere", "[geometry]") {
  // Two satellites at radius a, theta apart: the segment's lowest point is a cos(theta/2).
  const double a = kR + 550, floor_km = kR + 80;
  const double theta_max = 2 * std::acos(floor_km / a);
  auto at = [a](double angle) { return Eigen::Vector3d(a * std::cos(angle), a * std::sin(angle), 0); };
  CHECK(line_of_sight(at(0), at(theta_max * 0.999), floor_km));
  CHECK_FALSE(line_of_sight(at(0), at(theta_max * 1.001), floor_km));
  CHECK_FALSE(line_of_sight(at(0), at(M_PI), floor_km));
  // Endpoints are outside the floor, so a short segment always clears.
  CHECK(line_of_sight(at(0), at(0.01), floor_km));
  // A link beyond the horizon is down in a topology: 3 planes of 3 at 200 km have in-plane
  // neighbours 120 deg apart, which the Earth blocks.
  auto spec = parse_topology("walker-delta:3x3,alt=200,inc=53");
  REQUIRE(spec.ok());
  Topology topo = *Topology::build(*spec, spec->default_links());
  for (std::size_t i = 0; i < topo.links().size(); ++i)
    if (topo.links()[i].kind == Link::Kind::intra_plane) CHECK_FALSE(topo.state(static_cast<int>(i)).active);
}

TEST_CASE("link model: processing delay and serialisation", "[geometry]") {
  auto lm = parse_link_model("uniform:5ms,proc=100us,rate=10Gbps");
  REQUIRE(lm.ok());
  CHECK(lm->hop_latency_s(1234) == Approx(5.1e-3));
  CHECK(lm->serialisation_s(1250) == Approx(1e-6));
  auto geo = parse_link_model("geometric");
  REQUIRE(geo.ok());
  CHECK(geo->hop_latency_s(kC) == Approx(1.0));
  CHECK(parse_link_model("none")->hop_latency_s(1000) == 0.0);
  CHECK(parse_link_model("none")->serialisation_s(1250) == 0.0);  // HPC mode injects nothing
}

TEST_CASE("the ground point's longitude turns with the Earth", "[mesh][geometry]") {
  const Eigen::Vector3d x(7000, 0, 0), y(0, 7000, 0);
  CHECK(Walker::longitude_deg(x, 0) == Approx(0).margin(1e-12));
  CHECK(Walker::longitude_deg(y, 0) == Approx(90));
  // A quarter of a sidereal day later the Earth has turned 90 degrees east under the point.
  const double quarter = (M_PI / 2) / kEarthRotationRadPerS;
  CHECK(Walker::longitude_deg(x, quarter) == Approx(-90));
  CHECK(std::abs(Walker::longitude_deg(-x, 0)) == Approx(180));
  for (double t : {0.0, 1e4, 5e5}) {
    const double lon = Walker::longitude_deg(Eigen::Vector3d(-3000, -4000, 100), t);
    CHECK(lon >= -180);
    CHECK(lon < 180);
  }
}
