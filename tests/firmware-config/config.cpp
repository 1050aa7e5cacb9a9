// Satellite configurations: generation, text round trip, validation with exact field paths,
// cross-file consistency, and the files of a generated constellation.
#include <google/protobuf/util/message_differencer.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "leomesh/firmware_config/config.hpp"

using namespace leomesh;
using namespace leomesh::firmware_config;
using google::protobuf::util::MessageDifferencer;
namespace fs = std::filesystem;

namespace {

std::vector<config::SatelliteConfig> make(const std::string& topology,
                                          const std::string& workload = "",
                                          const std::string& links = "") {
  GenerateOptions o;
  o.topology = topology;
  o.links = links;
  o.workload = workload;
  o.ipc_dir = "/tmp/leomesh-test";
  auto r = generate(o);
  if (!r) FAIL(r.error().message());
  return std::move(*r);
}

std::vector<std::string> paths(const std::vector<mesh::Error>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.parameter);
  return out;
}

std::string joined(const std::vector<mesh::Error>& errors) {
  std::string s;
  for (const auto& e : errors) s += e.message() + "\n";
  return s;
}

std::set<int> peer_ids(const config::SatelliteConfig& c) {
  std::set<int> ids;
  for (const auto& p : c.peers()) ids.insert(p.satellite());
  return ids;
}

/// Neighbours on an R x C torus, computed independently of mesh/.
std::set<int> torus_neighbours(int id, int rows, int cols) {
  const int r = id / cols, c = id % cols;
  return {((r + 1) % rows) * cols + c, ((r + rows - 1) % rows) * cols + c,
          r * cols + (c + 1) % cols, r * cols + (c + cols - 1) % cols};
}

/// Checks what every generated constellation must satisfy, whatever its topology.
void check_generated(const std::vector<config::SatelliteConfig>& cs) {
  std::set<std::string> publics, endpoints;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const config::SatelliteConfig& c = cs[i];
    INFO("satellite " << i);
    CHECK(c.identity().satellite() == static_cast<int>(i));
    CHECK(c.endpoint() == "ipc:///tmp/leomesh-test/sat-" + std::to_string(i));
    CHECK(c.network().satellites() == static_cast<int>(cs.size()));
    CHECK(c.security().curve());
    CHECK(is_z85_key(c.security().public_key()));
    CHECK(is_z85_key(c.security().secret_key()));
    CHECK(derive_public_key(c.security().secret_key()) == c.security().public_key());
    publics.insert(c.security().public_key());
    endpoints.insert(c.endpoint());
    // It admits exactly its peers' keys, and each peer entry carries that peer's own key.
    std::set<std::string> admitted(c.security().admitted_keys().begin(),
                                   c.security().admitted_keys().end());
    std::set<std::string> peer_keys;
    for (const auto& p : c.peers()) {
      peer_keys.insert(p.public_key());
      CHECK(p.public_key() == cs[static_cast<std::size_t>(p.satellite())].security().public_key());
      CHECK(p.endpoint() == cs[static_cast<std::size_t>(p.satellite())].endpoint());
    }
    CHECK(admitted == peer_keys);
    CHECK(admitted.size() == static_cast<std::size_t>(c.peers_size()));
    CHECK(peer_ids(c).size() == static_cast<std::size_t>(c.peers_size()));
    CHECK(peer_ids(c).count(static_cast<int>(i)) == 0);
    // Text round trip is exact (doubles included).
    auto back = parse_text(to_text(c), "generated");
    REQUIRE(back.ok());
    CHECK(MessageDifferencer::Equals(*back, c));
    CHECK(to_text(c).rfind("# ", 0) == 0);
    CHECK(validate(c).empty());
  }
  CHECK(publics.size() == cs.size());  // a fresh key pair per satellite
  CHECK(endpoints.size() == cs.size());
  CHECK(validate_together(cs).empty());
}

}  // namespace

TEST_CASE("torus:3x3 gives each satellite its four torus neighbours", "[generate]") {
  const auto cs = make("torus:3x3", "fib:20");
  REQUIRE(cs.size() == 9);
  check_generated(cs);
  for (int v = 0; v < 9; ++v) {
    const auto& c = cs[static_cast<std::size_t>(v)];
    CHECK(c.peers_size() == 4);
    CHECK(peer_ids(c) == torus_neighbours(v, 3, 3));
    CHECK(c.identity().plane() == v / 3);
    CHECK(c.identity().slot() == v % 3);
    CHECK_FALSE(c.network().cluster());
    CHECK(c.network().links() == "none");
    CHECK(c.workers() == 2);
    CHECK(c.steal().policy() == "neighbor");
    CHECK(c.steal().tuning().at("steal_timeout_s") == 0.5);
    CHECK(c.steal().tuning().size() == scheduler::core_knobs().size());  // every knob, written out
    CHECK(c.steal().max_batch() == scheduler::CoreConfig{}.max_batch);
    CHECK(c.limits().max_message_bytes() == 4u << 20);
    CHECK(c.workload().spec() == "fib:20");
    CHECK(c.workload().inject_here() == (v == 0));
  }
}

TEST_CASE("full:4 is a cluster: every other satellite is a peer", "[generate]") {
  const auto cs = make("full:4");
  REQUIRE(cs.size() == 4);
  check_generated(cs);
  for (int v = 0; v < 4; ++v) {
    const auto& c = cs[static_cast<std::size_t>(v)];
    CHECK(c.peers_size() == 3);
    CHECK(c.network().cluster());
    std::set<int> others{0, 1, 2, 3};
    others.erase(v);
    CHECK(peer_ids(c) == others);
    CHECK(c.identity().plane() == 0);
    CHECK(c.identity().slot() == v);
  }
}

TEST_CASE("mesh:2x2 has no wrap links: two peers each", "[generate]") {
  const auto cs = make("mesh:2x2");
  REQUIRE(cs.size() == 4);
  check_generated(cs);
  const std::set<int> expected[4] = {{1, 2}, {0, 3}, {0, 3}, {1, 2}};
  for (int v = 0; v < 4; ++v) CHECK(peer_ids(cs[static_cast<std::size_t>(v)]) == expected[v]);
}

TEST_CASE("a Walker delta shell uses its +Grid candidate links", "[generate]") {
  const auto cs = make("walker-delta:4x4,alt=550,inc=53");
  REQUIRE(cs.size() == 16);
  check_generated(cs);
  for (int v = 0; v < 16; ++v) {
    const auto& c = cs[static_cast<std::size_t>(v)];
    CHECK(c.peers_size() == 4);
    // Phase 0: the +Grid of a 4x4 delta shell is a 4x4 torus (planes x slots).
    CHECK(peer_ids(c) == torus_neighbours(v, 4, 4));
    CHECK(c.network().links() == "geometric");
  }
  // Peers include links that are down at t = 0 (a star shell's polar cut-off): still 4 or 3.
  const auto star = make("iridium");
  REQUIRE(star.size() == 66);
  for (const auto& c : star) CHECK(c.peers_size() >= 3);
  CHECK(validate_together(star).empty());
}

TEST_CASE("cluster mode on a torus and tcp endpoints", "[generate]") {
  GenerateOptions o;
  o.topology = "torus:2x3";
  o.cluster = true;
  o.endpoint_kind = "tcp";
  o.tcp_base_port = 20000;
  o.links = "uniform:5ms";
  auto r = generate(o);
  REQUIRE(r.ok());
  for (const auto& c : *r) {
    CHECK(c.peers_size() == 5);
    CHECK(c.network().cluster());
    CHECK(c.endpoint() == "tcp://127.0.0.1:" + std::to_string(20000 + c.identity().satellite()));
    CHECK(c.network().links() == "uniform:5ms");
    CHECK(validate(c).empty());
  }
}

TEST_CASE("curve off: no keys at all", "[generate]") {
  GenerateOptions o;
  o.topology = "torus:3x3";
  o.ipc_dir = "/tmp/x";
  o.curve = false;
  auto r = generate(o);
  REQUIRE(r.ok());
  for (const auto& c : *r) {
    CHECK_FALSE(c.security().curve());
    CHECK(c.security().public_key().empty());
    CHECK(c.security().admitted_keys_size() == 0);
    for (const auto& p : c.peers()) CHECK(p.public_key().empty());
    CHECK(validate(c).empty());
  }
}

TEST_CASE("bad generation options name their flag", "[generate]") {
  auto error_of = [](auto change) {
    GenerateOptions o;
    o.topology = "torus:3x3";
    o.ipc_dir = "/tmp/x";
    change(o);
    auto r = generate(o);
    REQUIRE_FALSE(r.ok());
    return r.error().parameter;
  };
  CHECK(error_of([](GenerateOptions& o) { o.topology = "saturn"; }) == "--topology");
  CHECK(error_of([](GenerateOptions& o) { o.topology = ""; }) == "--topology");
  CHECK(error_of([](GenerateOptions& o) { o.links = "geometric"; }) == "--links");
  CHECK(error_of([](GenerateOptions& o) { o.links = "warp"; }) == "--links");
  CHECK(error_of([](GenerateOptions& o) { o.policy = "sideways"; }) == "--policy");
  CHECK(error_of([](GenerateOptions& o) { o.amount = "all"; }) == "--amount");
  CHECK(error_of([](GenerateOptions& o) { o.workers = 0; }) == "--workers");
  CHECK(error_of([](GenerateOptions& o) { o.workers = 1025; }) == "--workers");
  CHECK(error_of([](GenerateOptions& o) { o.workload = "fib:-3"; }) == "--workload");
  CHECK(error_of([](GenerateOptions& o) { o.inject_at = 9; }) == "--inject-at");
  CHECK(error_of([](GenerateOptions& o) { o.root = -1; }) == "--root");
  CHECK(error_of([](GenerateOptions& o) { o.ipc_dir = ""; }) == "--ipc-dir");
  CHECK(error_of([](GenerateOptions& o) { o.ipc_dir = "/" + std::string(101, 'd'); }) ==
        "--ipc-dir");
  {
    // The longest socket path, ipc_dir + "/sat-8", may be exactly 107 bytes, not 108.
    GenerateOptions o;
    o.topology = "torus:3x3";
    o.ipc_dir = "/" + std::string(100, 'd');
    CHECK(generate(o).ok());
  }
  CHECK(error_of([](GenerateOptions& o) { o.endpoint_kind = "udp"; }) == "--endpoints");
  CHECK(error_of([](GenerateOptions& o) {
          o.endpoint_kind = "tcp";
          o.tcp_base_port = 65530;
        }) == "--base-port");
  CHECK(error_of([](GenerateOptions& o) {
          o.endpoint_kind = "tcp";
          o.tcp_host = "*";
        }) == "--host");
  // The core's knobs are named by their flags, unknown ones too.
  CHECK(error_of([](GenerateOptions& o) { o.core_knobs["steal_timeout_s"] = 0; }) == "--steal-timeout");
  CHECK(error_of([](GenerateOptions& o) { o.core_knobs["backoff_max_s"] = 1e-6; }) == "--backoff-max");
  CHECK(error_of([](GenerateOptions& o) { o.core_knobs["patience_s"] = 1; }) == "--patience");
  // Options without a flag are checked by validate()'s rules, named by their field.
  CHECK(error_of([](GenerateOptions& o) { o.max_message_bytes = 0; }) ==
        "limits.max_message_bytes");
}

TEST_CASE("every corruption is reported at its field path", "[validate]") {
  const auto cs = make("torus:3x3", "uts:T1");
  // Satellite 4 is the centre of the 3x3 torus: neighbours 1, 3, 5, 7 (peers in that order).
  const config::SatelliteConfig good = cs[4];
  REQUIRE(validate(good).empty());
  REQUIRE(peer_ids(good) == std::set<int>{1, 3, 5, 7});
  REQUIRE(good.peers(0).satellite() == 1);

  auto problems = [&](auto change) {
    config::SatelliteConfig c = good;
    change(c);
    return validate(c);
  };
  using V = std::vector<std::string>;

  SECTION("a missing ISL neighbour") {
    auto e = problems([](auto& c) { c.mutable_peers()->RemoveLast(); });
    REQUIRE(paths(e) == V{"peers"});
    CHECK(e[0].reason.find("missing ISL neighbour 7") != std::string::npos);
  }
  SECTION("a duplicate peer id (and so a missing one)") {
    auto e = problems([&](auto& c) { c.mutable_peers(1)->set_satellite(1); });
    CHECK(paths(e) == V{"peers[1].satellite", "peers"});
    CHECK(e[0].reason.find("already peers[0]") != std::string::npos);
    CHECK(e[1].reason.find("missing ISL neighbour 3") != std::string::npos);
  }
  SECTION("a peer that is not a neighbour") {
    auto e = problems([&](auto& c) {
      auto* p = c.add_peers();
      p->set_satellite(0);
      p->set_endpoint(cs[0].endpoint());
      p->set_public_key(cs[0].security().public_key());
      c.mutable_security()->add_admitted_keys(cs[0].security().public_key());
    });
    REQUIRE(paths(e) == V{"peers[4].satellite"});
    CHECK(e[0].reason ==
          "0 is not an ISL neighbour of 4 in torus:3x3 (its neighbours: 1, 3, 5, 7)");
  }
  SECTION("a peer equal to itself") {
    auto e = problems([](auto& c) { c.mutable_peers(0)->set_satellite(4); });
    CHECK(paths(e) == V{"peers[0].satellite", "peers"});
  }
  SECTION("a bad endpoint") {
    CHECK(paths(problems([](auto& c) { c.mutable_peers(2)->set_endpoint("foo"); })) ==
          V{"peers[2].endpoint"});
    CHECK(paths(problems([](auto& c) { c.mutable_peers(0)->set_endpoint("tcp://*:17000"); })) ==
          V{"peers[0].endpoint"});
    CHECK(paths(problems([](auto& c) { c.mutable_peers(0)->set_endpoint("tcp://host:0"); })) ==
          V{"peers[0].endpoint"});
    CHECK(paths(problems([](auto& c) { c.mutable_peers(0)->set_endpoint("tcp://host:65536"); })) ==
          V{"peers[0].endpoint"});
    CHECK(paths(problems([](auto& c) { c.mutable_peers(0)->set_endpoint("tcp://a b:7100"); })) ==
          V{"peers[0].endpoint"});
    CHECK(paths(problems([](auto& c) { c.mutable_peers(0)->set_endpoint("inproc://x"); })) ==
          V{"peers[0].endpoint"});
    CHECK(paths(problems([](auto& c) {
            c.mutable_peers(0)->set_endpoint("tcp://10.0.0.1:7100");
          })).empty());
    CHECK(paths(problems([](auto& c) {
            c.mutable_peers(0)->set_endpoint("tcp://[::1]:7100");
          })).empty());
    CHECK(paths(problems([](auto& c) { c.set_endpoint("tcp://*:7100"); })).empty());
    CHECK(paths(problems([](auto& c) { c.set_endpoint("ipc://*"); })) == V{"endpoint"});
    CHECK(paths(problems([](auto& c) { c.set_endpoint("ipc:///" + std::string(107, 'x')); })) ==
          V{"endpoint"});
    CHECK(paths(problems([](auto& c) { c.set_endpoint(""); })) == V{"endpoint"});
  }
  SECTION("duplicate endpoints") {
    auto e = problems([](auto& c) { c.mutable_peers(1)->set_endpoint(c.peers(0).endpoint()); });
    REQUIRE(paths(e) == V{"peers[1].endpoint"});
    CHECK(e[0].reason.find("is also peers[0].endpoint") != std::string::npos);
    CHECK(paths(problems([](auto& c) { c.mutable_peers(3)->set_endpoint(c.endpoint()); })) ==
          V{"peers[3].endpoint"});
  }
  SECTION("keys") {
    auto wrong_length = problems([](auto& c) { c.mutable_peers(0)->set_public_key("abc"); });
    REQUIRE(paths(wrong_length) == V{"peers[0].public_key"});
    CHECK(wrong_length[0].reason.find("40 characters") != std::string::npos);
    CHECK(paths(problems([](auto& c) {
            c.mutable_security()->set_secret_key(std::string(39, '0') + "~");
          })) == V{"security.secret_key"});
    CHECK(paths(problems([](auto& c) { c.mutable_security()->set_public_key(""); })) ==
          V{"security.public_key"});
    auto mismatch = problems(
        [&](auto& c) { c.mutable_security()->set_secret_key(cs[0].security().secret_key()); });
    REQUIRE(paths(mismatch) == V{"security.secret_key"});
    CHECK(mismatch[0].reason.find("does not belong to security.public_key") != std::string::npos);
    auto unadmitted = problems(
        [](auto& c) { c.mutable_security()->mutable_admitted_keys()->DeleteSubrange(0, 1); });
    REQUIRE(paths(unadmitted) == V{"peers[0].public_key"});
    CHECK(unadmitted[0].reason.find("admitted_keys") != std::string::npos);
    CHECK(paths(problems([](auto& c) {
            c.mutable_peers(1)->set_public_key(c.peers(0).public_key());
          })) == V{"peers[1].public_key"});
    CHECK(paths(problems([](auto& c) { c.mutable_security()->add_admitted_keys("short"); })) ==
          V{"security.admitted_keys[4]"});
    CHECK(paths(problems([](auto& c) { c.clear_security(); })) == V{"security"});
    // CURVE off by choice: keys are not looked at.
    CHECK(problems([](auto& c) {
            c.mutable_security()->set_curve(false);
            c.mutable_security()->set_secret_key("x");
          }).empty());
  }
  SECTION("identity") {
    auto e = problems([](auto& c) { c.mutable_identity()->set_satellite(9); });
    REQUIRE(paths(e) == V{"identity.satellite"});
    CHECK(e[0].reason == "9 is outside 0..8 (torus:3x3 has 9 satellites)");
    CHECK(paths(problems([](auto& c) { c.mutable_identity()->set_satellite(-1); })) ==
          V{"identity.satellite"});
    CHECK(paths(problems([](auto& c) { c.mutable_identity()->set_plane(2); })) ==
          V{"identity.plane"});
    CHECK(paths(problems([](auto& c) { c.mutable_identity()->set_slot(0); })) ==
          V{"identity.slot"});
    CHECK(paths(problems([](auto& c) { c.clear_identity(); })) == V{"identity"});
    // Another satellite's identity in this file: its peers are now wrong.
    auto moved = problems([](auto& c) {
      c.mutable_identity()->set_satellite(0);
      c.mutable_identity()->set_plane(0);
      c.mutable_identity()->set_slot(0);
    });
    // Satellite 0's neighbours are 1, 2, 3, 6: peers 5 and 7 are foreign, 2 and 6 missing;
    // and the ground certified this file's signing key for satellite 4, not 0.
    CHECK(paths(moved) == V{"peers[2].satellite", "peers[3].satellite", "peers", "peers",
                            "security.certificate"});
  }
  SECTION("network") {
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_topology("saturn"); })) ==
          V{"network.topology"});
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_topology(""); })) ==
          V{"network.topology"});
    auto walker = problems(
        [](auto& c) { c.mutable_network()->set_topology("walker-delta:3x3,alt=90,inc=53"); });
    REQUIRE(paths(walker) == V{"network.topology"});
    CHECK(walker[0].reason.rfind("altitude: ", 0) == 0);
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_links("geometric"); })) ==
          V{"network.links"});
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_links("uniform:5"); })) ==
          V{"network.links"});
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_satellites(8); })) ==
          V{"network.satellites"});
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_update_interval_s(0); })) ==
          V{"network.update_interval_s"});
    CHECK(paths(problems([](auto& c) { c.mutable_network()->set_time_scale(-1); })) ==
          V{"network.time_scale"});
    // A 4x4 torus makes satellite 4 someone else: plane 1, slot 0, neighbours 0, 5, 7, 8.
    auto bigger = problems([](auto& c) {
      c.mutable_network()->set_topology("torus:4x4");
      c.mutable_network()->set_satellites(16);
    });
    CHECK(paths(bigger) ==
          V{"identity.slot", "peers[0].satellite", "peers[1].satellite", "peers", "peers"});
    CHECK(paths(problems([](auto& c) { c.clear_network(); })) == V{"network"});
  }
  SECTION("workers, steal, limits, telemetry, workload") {
    CHECK(paths(problems([](auto& c) { c.set_workers(0); })) == V{"workers"});
    CHECK(paths(problems([](auto& c) { c.set_workers(1025); })) == V{"workers"});
    auto policy = problems([](auto& c) { c.mutable_steal()->set_policy("sideways"); });
    REQUIRE(paths(policy) == V{"steal.policy"});
    CHECK(policy[0].reason == "expected neighbor, global, sticky, lifeline, khop:K, escalate:K or ring:K, got 'sideways'");
    CHECK(paths(problems([](auto& c) { c.mutable_steal()->set_policy("khop:x"); })) ==
          V{"steal.policy"});
    CHECK(paths(problems([](auto& c) { c.mutable_steal()->set_policy("khop:2"); })).empty());
    CHECK(paths(problems([](auto& c) { c.mutable_steal()->set_amount("all"); })) ==
          V{"steal.amount"});
    auto tune = [](const char* name, double value) {
      return [=](auto& c) { (*c.mutable_steal()->mutable_tuning())[name] = value; };
    };
    CHECK(paths(problems(tune("steal_timeout_s", 0))) == V{"steal.tuning[steal_timeout_s]"});
    CHECK(paths(problems(tune("retransmit_s", -1))) == V{"steal.tuning[retransmit_s]"});
    CHECK(paths(problems(tune("backoff_max_s", 1e-6))) == V{"steal.tuning[backoff_max_s]"});
    CHECK(problems([](auto& c) { c.mutable_steal()->clear_tuning(); }).empty());  // defaults
    CHECK(paths(problems([](auto& c) { c.mutable_steal()->set_root(9); })) == V{"steal.root"});
    CHECK(paths(problems([](auto& c) { c.mutable_steal()->set_max_batch(0); })) ==
          V{"steal.max_batch"});
    CHECK(paths(problems([](auto& c) { c.mutable_limits()->set_max_message_bytes(0); })) ==
          V{"limits.max_message_bytes"});
    CHECK(paths(problems([](auto& c) { c.mutable_limits()->set_max_queued_tasks(0); })) ==
          V{"limits.max_queued_tasks"});
    CHECK(paths(problems([](auto& c) { c.mutable_limits()->set_send_high_water_mark(0); })) ==
          V{"limits.send_high_water_mark"});
    CHECK(paths(problems([](auto& c) { c.clear_limits(); })) == V{"limits"});
    CHECK(paths(problems([](auto& c) { c.mutable_telemetry()->set_report_interval_s(-2); })) ==
          V{"telemetry.report_interval_s"});
    auto workload = problems([](auto& c) { c.mutable_workload()->set_spec("fib:-3"); });
    REQUIRE(paths(workload) == V{"workload.spec"});
    CHECK(workload[0].reason.find("0 <= N <= 92") != std::string::npos);
    CHECK(paths(problems([](auto& c) { c.mutable_workload()->set_spec("uts:T42"); })) ==
          V{"workload.spec"});
    CHECK(paths(problems([](auto& c) {
            c.mutable_workload()->set_spec("");
            c.mutable_workload()->set_inject_here(true);
          })) == V{"workload.inject_here"});
    CHECK(problems([](auto& c) { c.clear_workload(); }).empty());
  }
  SECTION("several problems at once are all reported, in field order") {
    auto e = problems([](auto& c) {
      c.set_workers(0);
      c.mutable_peers(2)->set_endpoint("foo");
      c.mutable_steal()->set_policy("sideways");
      c.mutable_security()->set_secret_key("short");
      c.mutable_identity()->set_slot(2);
    });
    CHECK(paths(e) == V{"identity.slot", "peers[2].endpoint", "workers", "steal.policy",
                        "security.secret_key"});
    INFO(joined(e));
  }
}

TEST_CASE("bad knobs in steal.tuning fail validation at their field path", "[validate]") {
  const config::SatelliteConfig good = make("torus:3x3", "fib:20")[4];
  auto problems = [&](std::initializer_list<std::pair<const char*, double>> knobs) {
    config::SatelliteConfig c = good;
    for (const auto& [name, value] : knobs) (*c.mutable_steal()->mutable_tuning())[name] = value;
    return validate(c);
  };
  auto unknown = problems({{"steal_timout_s", 0.5}});
  REQUIRE(paths(unknown) == std::vector<std::string>{"steal.tuning[steal_timout_s]"});
  CHECK(unknown[0].reason ==
        "unknown core setting; known: steal_timeout_s, retransmit_s, backoff_min_s, backoff_max_s, "
        "requests_in_flight, remember_s, push_check_s, ask_below_per_worker, demand_horizon_hops, demand_interval_s, low_check_s, heartbeat_s, suspect_s");
  auto negative = problems({{"remember_s", -0.25}});
  REQUIRE(paths(negative) == std::vector<std::string>{"steal.tuning[remember_s]"});
  CHECK(negative[0].reason == "cannot be negative, got -0.25");
  auto infinite = problems({{"retransmit_s", std::numeric_limits<double>::infinity()}});
  REQUIRE(paths(infinite) == std::vector<std::string>{"steal.tuning[retransmit_s]"});
  CHECK(infinite[0].reason == "must be a finite number of seconds, got inf");
  // Several at once: all of them, in name order, as a file's problems are reported.
  CHECK(paths(problems({{"steal_timeout_s", 0}, {"bogus", 1}, {"backoff_min_s", -1}})) ==
        std::vector<std::string>{"steal.tuning[backoff_min_s]", "steal.tuning[bogus]",
                                 "steal.tuning[steal_timeout_s]"});
  CHECK(problems({{"steal_timeout_s", 2}, {"push_check_s", 1e-4}}).empty());
  // A file that names a field of the old schema fails to parse rather than run on defaults.
  auto old = parse_text("steal {\n  timeout_s: 0.5\n}\n", "old.conf");
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().parameter.rfind("old.conf:2:", 0) == 0);
  CHECK(old.error().reason.find("timeout_s") != std::string::npos);
}

TEST_CASE("cluster mode: every other satellite must be a peer", "[validate]") {
  const auto cs = make("full:4");
  config::SatelliteConfig c = cs[0];
  c.mutable_peers()->RemoveLast();
  auto e = validate(c);
  REQUIRE(paths(e) == std::vector<std::string>{"peers"});
  CHECK(e[0].reason == "missing satellite 3 (cluster mode: every other satellite is a peer)");
}

TEST_CASE("parse_text reports where the text is wrong", "[text]") {
  auto garbage = parse_text("identity {\n  satellite: oops\n}\n", "sat-0.conf");
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.error().parameter == "sat-0.conf:2:14");
  CHECK_FALSE(garbage.error().reason.empty());

  auto unknown = parse_text("# comment\nworkers: 2\nwarp_drive: true\n", "");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().parameter.rfind("line 3, column ", 0) == 0);
  CHECK(unknown.error().reason.find("warp_drive") != std::string::npos);

  auto twice = parse_text("workers: 2\nworkers: 3\n", "f");
  REQUIRE_FALSE(twice.ok());
  CHECK(twice.error().parameter.rfind("f:2:", 0) == 0);

  auto binary = parse_text(std::string("\x01\x02\xff\xfe", 4), "bin");
  CHECK_FALSE(binary.ok());

  // An empty file parses (every field absent); validate() then lists what is missing.
  auto empty = parse_text("", "e");
  REQUIRE(empty.ok());
  CHECK(paths(validate(*empty)) == std::vector<std::string>{"identity", "endpoint", "workers",
                                                            "network", "steal", "limits",
                                                            "security"});
}

TEST_CASE("Z85 keys", "[keys]") {
  // The server key pair printed in the zmq_curve(7) manual page.
  const std::string pub = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
  const std::string sec = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
  CHECK(is_z85_key(pub));
  CHECK(is_z85_key(sec));
  CHECK(derive_public_key(sec) == pub);
  CHECK_FALSE(is_z85_key(""));
  CHECK_FALSE(is_z85_key(pub.substr(1)));
  CHECK_FALSE(is_z85_key(pub.substr(0, 39) + "~"));  // not in the alphabet
  CHECK_FALSE(is_z85_key("#####" + pub.substr(5)));  // 85^5 - 1 does not fit 32 bits
  CHECK_FALSE(derive_public_key("nope").has_value());
  auto kp = generate_key_pair();
  REQUIRE(kp.ok());
  CHECK(derive_public_key(kp->secret_key) == kp->public_key);
}

TEST_CASE("validate_together finds files that disagree", "[validate]") {
  auto cs = make("torus:3x3", "fib:20");
  const std::vector<std::string> names{"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  REQUIRE(validate_together(cs, names).empty());

  SECTION("one satellite regenerated with new keys") {
    const auto fresh = make("torus:3x3", "fib:20");
    cs[4] = fresh[4];
    auto problems = validate_together(cs, names);
    // Its four neighbours hold its old key; it holds its neighbours' new keys, and a
    // certificate from the other generation's ground.
    std::set<std::size_t> where;
    for (const auto& p : problems) {
      CHECK(p.error.parameter.find("public_key") != std::string::npos);
      where.insert(p.index);
    }
    CHECK(where == std::set<std::size_t>{1, 3, 4, 5, 7});
    CHECK(problems.size() == 9);
    CHECK(std::count_if(problems.begin(), problems.end(), [](const SetProblem& p) {
            return p.index == 4 && p.error.parameter == "security.ground_public_key";
          }) == 1);
  }
  SECTION("two injectors, a duplicate id, a different network") {
    cs[5].mutable_workload()->set_inject_here(true);
    cs[8].mutable_network()->set_links("uniform:5ms");
    cs.push_back(cs[2]);
    auto problems = validate_together(cs, names);
    std::vector<std::string> got;
    for (const auto& p : problems) got.push_back(std::to_string(p.index) + " " + p.error.parameter);
    CHECK(got == std::vector<std::string>{"8 network.links", "9 identity.satellite", "9 endpoint",
                                          "5 workload.inject_here"});
  }
  SECTION("nobody injects") {
    cs[0].mutable_workload()->set_inject_here(false);
    auto problems = validate_together(cs, names);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].error.parameter == "workload.inject_here");
  }
}

TEST_CASE("write_all writes configurations and keys, load reads them back", "[files]") {
  char tmpl[] = "/tmp/leomesh-fc-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir = fs::path(tmpl) / "out";
  const auto cs = make("torus:3x3");
  auto written = write_all(cs, dir.string());
  REQUIRE(written.ok());
  CHECK(*written == 9);
  for (int v = 0; v < 9; ++v) {
    const std::string stem = "sat-" + std::to_string(v);
    const fs::path conf = dir / (stem + ".conf");
    struct stat st {};
    REQUIRE(::stat(conf.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir / "keys" / (stem + ".key")).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((dir / "keys" / (stem + ".pub")).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    std::ifstream key(dir / "keys" / (stem + ".key"));
    std::string line;
    std::getline(key, line);
    CHECK(line == cs[static_cast<std::size_t>(v)].security().secret_key());
    auto loaded = load(conf.string());
    REQUIRE(loaded.ok());
    CHECK(MessageDifferencer::Equals(*loaded, cs[static_cast<std::size_t>(v)]));
  }
  struct stat st {};
  REQUIRE(::stat((dir / "keys").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  // Regenerating a smaller constellation into the same place would leave sat-4..8 behind.
  auto smaller = write_all(make("full:4"), dir.string());
  REQUIRE_FALSE(smaller.ok());
  CHECK(smaller.error().parameter.find("sat-") != std::string::npos);
  // The same size again is fine: files are overwritten.
  CHECK(write_all(make("torus:3x3"), dir.string()).ok());
  // A file where the directory should be.
  auto onto_file = write_all(cs, (dir / "sat-0.conf").string());
  REQUIRE_FALSE(onto_file.ok());
  CHECK(onto_file.error().reason == "exists and is not a directory");

  // load: unreadable, a directory, garbage, and a valid file with one problem.
  auto missing = load((dir / "nope.conf").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().reason.rfind("cannot read: ", 0) == 0);
  CHECK(load(dir.string()).error().reason == "is a directory, not a configuration file");
  {
    std::ofstream(dir / "garbage.conf") << "identity {\n  satellite: oops\n}\n";
    auto g = load((dir / "garbage.conf").string());
    REQUIRE_FALSE(g.ok());
    CHECK(g.error().parameter.rfind("line 2, column ", 0) == 0);
  }
  {
    config::SatelliteConfig c = cs[0];
    c.set_workers(0);
    std::ofstream(dir / "bad.conf") << to_text(c);
    auto b = load((dir / "bad.conf").string());
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().parameter == "workers");
  }
  fs::remove_all(tmpl);
}
