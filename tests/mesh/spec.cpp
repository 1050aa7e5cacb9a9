// Parsing of topology and link strings; every bad input names its parameter.
#include <catch2/catch.hpp>

#include "leomesh/mesh/spec.hpp"

using namespace leomesh::mesh;

namespace {
Error topology_error(const std::string& text) {
  auto r = parse_topology(text);
  REQUIRE_FALSE(r.ok());
  return r.error();
}
}  // namespace

TEST_CASE("presets carry the published shell parameters", "[spec]") {
  struct Row { const char* name; int p, s; double alt, inc; WalkerKind kind; };
  for (const Row& row : {Row{"starlink-s1", 72, 22, 550, 53.0, WalkerKind::delta},
                         Row{"kuiper-k1", 34, 34, 630, 51.9, WalkerKind::delta},
                         Row{"telesat-t1", 27, 13, 1015, 98.98, WalkerKind::star},
                         Row{"oneweb", 12, 49, 1200, 87.9, WalkerKind::star},
                         Row{"iridium", 6, 11, 780, 86.4, WalkerKind::star}}) {
    auto spec = parse_topology(row.name);
    REQUIRE(spec.ok());
    CHECK(spec->walker.planes == row.p);
    CHECK(spec->walker.per_plane == row.s);
    CHECK(spec->walker.altitude_km == row.alt);
    CHECK(spec->walker.inclination_deg == row.inc);
    CHECK(spec->walker.kind == row.kind);
    CHECK(spec->walker.cross_plane_cutoff_deg == (row.kind == WalkerKind::star ? 66.5 : 90.0));
    CHECK(spec->satellites() == row.p * row.s);
  }
  CHECK(parse_topology("STARLINK-S1").ok());
}

TEST_CASE("explicit Walker and abstract topologies parse", "[spec]") {
  auto w = parse_topology("walker-star:6x11,alt=780,inc=86.4,cutoff=70,range=4500,atm=100");
  REQUIRE(w.ok());
  CHECK(w->walker.kind == WalkerKind::star);
  CHECK(w->walker.cross_plane_cutoff_deg == 70.0);
  CHECK(w->walker.max_range_km == 4500.0);
  CHECK(w->walker.atmosphere_km == 100.0);
  auto m = parse_topology("mesh:2x4");
  REQUIRE(m.ok());
  CHECK(m->kind == TopologySpec::Kind::mesh);
  CHECK(m->satellites() == 8);
  CHECK(parse_topology("torus:3x5")->satellites() == 15);
  CHECK(parse_topology("full:7")->satellites() == 7);
}

TEST_CASE("bad topologies name the parameter and the reason", "[spec]") {
  CHECK(topology_error("saturn-rings").reason.find("unknown topology") != std::string::npos);
  CHECK(topology_error("").parameter == "--topology");
  CHECK(topology_error("mesh:4").reason.find("RxC") != std::string::npos);
  CHECK(topology_error("mesh:4xq").parameter == "--topology columns");
  CHECK(topology_error("torus:0x4").reason.find("at least 1") != std::string::npos);
  CHECK(topology_error("torus:-2x4").reason.find("at least 1") != std::string::npos);
  CHECK(topology_error("full:0").reason.find("N >= 1") != std::string::npos);
  CHECK(topology_error("full:-5").reason.find("N >= 1") != std::string::npos);
  CHECK(topology_error("torus:100000x100000").reason.find("too large") != std::string::npos);
  CHECK(topology_error("torus:99999999999999999999x2").reason.find("out of range") != std::string::npos);
  CHECK(topology_error("full:5000").reason.find("too large") != std::string::npos);
  CHECK(topology_error("walker-delta:72x22,alt=90,inc=53").parameter == "altitude");
  CHECK(topology_error("walker-delta:72x22,alt=2500,inc=53").parameter == "altitude");
  CHECK(topology_error("walker-delta:72x22,alt=550,inc=181").parameter == "inclination");
  CHECK(topology_error("walker-delta:72x22,alt=550,inc=-1").parameter == "inclination");
  CHECK(topology_error("walker-delta:72x22,alt=550").parameter == "inclination");
  CHECK(topology_error("walker-delta:72x22,inc=53").parameter == "altitude");
  CHECK(topology_error("walker-delta:0x22,alt=550,inc=53").reason.find("at least 1") != std::string::npos);
  CHECK(topology_error("walker-delta:72x22,alt=550,inc=53,phase=72").parameter == "phase");
  CHECK(topology_error("walker-delta:72x22,alt=550,inc=53,phase=1.5").parameter == "phase");
  CHECK(topology_error("walker-delta:72x22,alt=abc,inc=53").parameter == "alt");
  CHECK(topology_error("walker-delta:72x22,alt=550,inc=53,color=red").reason.find("unknown Walker parameter") != std::string::npos);
  CHECK(topology_error("walker-delta:72x22,alt=550,inc").reason.find("key=value") != std::string::npos);
  CHECK(topology_error("walker-delta:200x200,alt=550,inc=53").reason.find("too large") != std::string::npos);
  CHECK(topology_error("walker-star").reason.find("needs parameters") != std::string::npos);
}

TEST_CASE("link models parse, and bad ones are refused", "[spec]") {
  auto u = parse_link_model("uniform:5ms");
  REQUIRE(u.ok());
  CHECK(u->kind == LinkModel::Kind::uniform);
  CHECK(u->uniform_latency_s == Approx(0.005));
  CHECK(parse_link_model("uniform:250us")->uniform_latency_s == Approx(250e-6));
  CHECK(parse_link_model("uniform:0.5s")->uniform_latency_s == Approx(0.5));
  CHECK(parse_link_model("geometric,rate=1Gbps")->data_rate_bps == 1e9);
  CHECK(parse_link_model("none")->kind == LinkModel::Kind::none);
  CHECK(parse_link_model("uniform:5ms")->to_string() == "uniform:5ms");
  for (const char* bad : {"uniform:5", "uniform:-1ms", "uniform:ms", "fast", "geometric,rate=0Gbps",
                          "geometric,rate=fast", "none,proc=1", "none,jitter=1ms", ""}) {
    INFO(bad);
    auto r = parse_link_model(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().parameter.rfind("--links", 0) == 0);
  }
}

TEST_CASE("geometric links need a constellation", "[spec]") {
  auto spec = parse_topology("torus:4x4");
  REQUIRE(spec.ok());
  auto topo = Topology::build(*spec, *parse_link_model("geometric"));
  REQUIRE_FALSE(topo.ok());
  CHECK(topo.error().parameter == "--links");
}
