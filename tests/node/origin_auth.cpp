// Origin signatures: what the origin signs verifies at the destination after any number of
// hops, and any other change, a borrowed proof or a foreign ground's certificate is refused.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/node/agent.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/node/origin_auth.hpp"
#include "wire/wire.pb.h"

using namespace leomesh;
using node::Verdict;

namespace {

std::vector<config::SatelliteConfig> constellation(const std::string& topology = "full:3") {
  firmware_config::GenerateOptions o;
  o.topology = topology;
  o.ipc_dir = "/tmp/leomesh-test-auth";
  auto r = firmware_config::generate(o);
  if (!r) FAIL(r.error().message());
  return std::move(*r);
}

std::vector<node::OriginAuth> auths(const std::vector<config::SatelliteConfig>& cs) {
  std::vector<node::OriginAuth> out;
  for (const auto& c : cs) {
    auto a = node::OriginAuth::create(firmware_config::origin_keys(c), static_cast<int>(cs.size()));
    if (!a) FAIL(a.error().message());
    out.push_back(std::move(*a));
  }
  return out;
}

scheduler::Message return_from(int src, int dst) {
  scheduler::Message m;
  m.kind = scheduler::MessageKind::weight_return;
  m.src = src;
  m.dst = dst;
  m.hops = 1;
  m.id = (1ULL << 38) | 7;
  m.load_s = 0.25;
  m.demand_hops = 3;
  m.reduction = {4130071, 3305118, 10};
  m.weight = scheduler::Weight::piece(4);
  return m;
}

scheduler::Message loot_from(int src, int dst) {
  scheduler::Message m;
  m.kind = scheduler::MessageKind::loot_push;
  m.src = src;
  m.dst = dst;
  m.hops = 1;
  m.id = (1ULL << 39) | 2;
  m.weight = scheduler::Weight::piece(6);
  for (int i = 0; i < 5; ++i) m.tasks.push_back(scheduler::Task::make(1, static_cast<std::uint64_t>(1000 + i)));
  return m;
}

/// What a destination sees: the frame as it left the last forwarder.
scheduler::Message over_the_wire(const scheduler::Message& m) {
  node::DecodeLimits l;
  l.satellites = 16;
  auto back = node::decode(node::encode(m), l);
  REQUIRE(back.ok());
  return std::move(*back);
}

}  // namespace

TEST_CASE("a signed message verifies at its destination, also after forwarding", "[auth]") {
  const auto cs = constellation();
  auto a = auths(cs);
  for (const scheduler::Message& original : {return_from(0, 2), loot_from(0, 2)}) {
    scheduler::Message m = original;
    a[0].sign(m);
    REQUIRE(m.origin_proof.size() == node::kOriginProofBytes);
    CHECK(a[2].verify(m) == Verdict::ok);
    const scheduler::Message wired = over_the_wire(m);
    CHECK(wired.origin_proof == m.origin_proof);
    CHECK(a[2].verify(wired) == Verdict::ok);
    // Every forwarder increments hops, the one field the signature leaves out.
    scheduler::Message forwarded = wired;
    forwarded.hops = 9;
    CHECK(a[2].verify(over_the_wire(forwarded)) == Verdict::ok);
    // Any satellite can check it, not only the destination (it holds the same ground key).
    CHECK(a[1].verify(wired) == Verdict::ok);
  }
  // The proof costs exactly its 160 bytes and 4 of framing per frame.
  scheduler::Message m = return_from(0, 2);
  const std::size_t bare = node::encode(m).size();
  a[0].sign(m);
  CHECK(node::encode(m).size() == bare + node::kOriginProofBytes + 4);
}

TEST_CASE("changing any field but hops breaks the signature", "[auth]") {
  const auto cs = constellation();
  auto a = auths(cs);
  using Change = std::function<void(scheduler::Message&)>;
  const std::vector<std::pair<const char*, Change>> changes = {
      {"dst", [](auto& m) { m.dst = 1; }},
      {"kind", [](auto& m) { m.kind = scheduler::MessageKind::steal_reply; }},
      {"id", [](auto& m) { m.id += 1; }},
      {"load", [](auto& m) { m.load_s = 5.0; }},
      {"demand_hops", [](auto& m) { m.demand_hops += 5; }},
      {"request_hops", [](auto& m) { m.request_hops = 2; }},
      {"weight", [](auto& m) { m.weight = scheduler::Weight::piece(1); }},
      // Only a weight return carries a reduction (the codec sends none for other kinds).
      {"reduction", [](auto& m) {
         if (m.kind == scheduler::MessageKind::weight_return) m.reduction.sum += 1;
         else m.id ^= 2;
       }},
      {"a task's payload", [](auto& m) {
         if (m.tasks.empty()) m.tasks.push_back(scheduler::Task::make(1, std::uint64_t{1}));
         else m.tasks[2] = scheduler::Task::make(1, std::uint64_t{999999});
       }},
      {"one task fewer", [](auto& m) { if (!m.tasks.empty()) m.tasks.pop_back(); else m.id ^= 1; }},
      {"the signature", [](auto& m) { m.origin_proof[100] ^= 1; }},
  };
  for (const scheduler::Message& original : {return_from(0, 2), loot_from(0, 2)}) {
    scheduler::Message signed_message = original;
    a[0].sign(signed_message);
    for (const auto& [what, change] : changes) {
      INFO("changed: " << what << ", kind " << static_cast<int>(original.kind));
      scheduler::Message m = signed_message;
      change(m);
      CHECK(a[2].verify(m) == Verdict::bad_signature);
    }
  }
  // Another origin: the proof is bound to src through the certificate.
  scheduler::Message m = return_from(0, 2);
  a[0].sign(m);
  m.src = 1;
  CHECK(a[2].verify(m) == Verdict::bad_certificate);
  // A tampered certificate or key.
  scheduler::Message cert = return_from(0, 2);
  a[0].sign(cert);
  cert.origin_proof[40] ^= 1;
  CHECK(a[2].verify(cert) == Verdict::bad_certificate);
  scheduler::Message key = return_from(0, 2);
  a[0].sign(key);
  key.origin_proof[3] ^= 1;
  CHECK(a[2].verify(key) == Verdict::bad_certificate);
}

TEST_CASE("a proof from one satellite cannot speak for another", "[auth]") {
  const auto cs = constellation();
  auto a = auths(cs);
  // Satellite 1 forwards for 0 and wants a TERMINATE "from 0" to reach 2: it signs with its
  // own key (certified for 1), or copies a genuine proof of 0's from another message.
  scheduler::Message forged;
  forged.kind = scheduler::MessageKind::terminate;
  forged.src = 1;
  forged.dst = 2;
  forged.id = 1ULL << 37;
  a[1].sign(forged);
  CHECK(a[2].verify(forged) == Verdict::ok);  // from 1 it is genuine
  forged.src = 0;
  CHECK(a[2].verify(forged) == Verdict::bad_certificate);

  scheduler::Message genuine = return_from(0, 2);
  a[0].sign(genuine);
  scheduler::Message copied;
  copied.kind = scheduler::MessageKind::terminate;
  copied.src = 0;
  copied.dst = 2;
  copied.id = 1ULL << 37;
  copied.origin_proof = genuine.origin_proof;
  CHECK(a[2].verify(copied) == Verdict::bad_signature);

  scheduler::Message bare = copied;
  bare.origin_proof.clear();
  CHECK(a[2].verify(bare) == Verdict::unsigned_message);

  const node::OriginAuthStats& s = a[2].stats();
  CHECK(s.verified == 1);
  CHECK(s.bad_certificate == 1);
  CHECK(s.bad_signature == 1);
  CHECK(s.unsigned_messages == 1);
  CHECK(std::string(node::to_string(Verdict::bad_signature)) == "bad_signature");
}

TEST_CASE("a certificate from another ground is refused", "[auth]") {
  const auto ours = constellation();
  const auto theirs = constellation();  // generated apart: another ground key pair
  auto a = auths(ours);
  auto b = auths(theirs);
  scheduler::Message m = return_from(0, 2);
  b[0].sign(m);
  CHECK(b[2].verify(m) == Verdict::ok);
  CHECK(a[2].verify(m) == Verdict::bad_certificate);
  // And an agent whose own certificate is not its ground's refuses to start.
  firmware_config::OriginKeys mixed = firmware_config::origin_keys(ours[0]);
  mixed.ground_public_key = firmware_config::origin_keys(theirs[0]).ground_public_key;
  auto refused = node::OriginAuth::create(mixed, 3);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().parameter == "security.certificate");
  firmware_config::OriginKeys other_id = firmware_config::origin_keys(ours[0]);
  other_id.satellite = 1;
  CHECK_FALSE(node::OriginAuth::create(other_id, 3).ok());
  CHECK_FALSE(node::OriginAuth::create(firmware_config::OriginKeys{}, 3).ok());
}

TEST_CASE("the certificate is checked once per origin", "[auth]") {
  const auto cs = constellation("torus:3x3");
  auto a = auths(cs);
  for (int round = 0; round < 50; ++round)
    for (int src = 0; src < 9; ++src) {
      if (src == 4) continue;
      scheduler::Message m = loot_from(src, 4);
      m.id += static_cast<std::uint64_t>(round);
      a[static_cast<std::size_t>(src)].sign(m);
      REQUIRE(a[4].verify(over_the_wire(m)) == Verdict::ok);
    }
  CHECK(a[4].stats().verified == 400);
  CHECK(a[4].stats().certificates_checked == 8);
  // A bad certificate never evicts the good one.
  scheduler::Message bad = loot_from(0, 4);
  a[0].sign(bad);
  bad.origin_proof[50] ^= 1;
  CHECK(a[4].verify(bad) == Verdict::bad_certificate);
  scheduler::Message good = loot_from(0, 4);
  a[0].sign(good);
  CHECK(a[4].verify(good) == Verdict::ok);
  CHECK(a[4].stats().certificates_checked == 9);  // the bad one only: the good one is still cached
}

TEST_CASE("the decoder refuses an origin proof of the wrong size", "[auth][codec]") {
  scheduler::Message m = return_from(0, 2);
  leomesh::wire::Envelope e;
  REQUIRE(e.ParseFromString(node::encode(m)));
  e.set_origin_proof(std::string(159, 'x'));
  node::DecodeLimits l;
  l.satellites = 3;
  auto short_proof = node::decode(e.SerializeAsString(), l);
  REQUIRE_FALSE(short_proof.ok());
  CHECK(short_proof.error().reason.find("origin proof") != std::string::npos);
  e.set_origin_proof(std::string(160, 'x'));
  CHECK(node::decode(e.SerializeAsString(), l).ok());  // its size is right; verify() judges it
}

TEST_CASE("an agent drops forgeries from a peer holding a valid CurveZMQ key, by reason", "[auth][agent]") {
  // Satellite 0 runs; the test is satellite 1, compromised: it holds 1's CurveZMQ and signing
  // keys (so the link admits it) and tries to speak for satellite 2, and for 0 itself.
  const std::string dir = "/tmp/leomesh-test-auth-" + std::to_string(getpid());
  firmware_config::GenerateOptions o;
  o.topology = "full:3";
  o.workload = "fib:1";
  o.ipc_dir = dir;
  const auto cs = *firmware_config::generate(o);
  std::filesystem::create_directories(dir);
  auto a = auths(cs);
  auto agent = node::Agent::create(cs[0]);
  REQUIRE(agent.ok());

  std::vector<std::string> frames;
  {
    scheduler::Message forged = return_from(2, 0);  // 2 is a tree child of the root
    a[1].sign(forged);
    forged.src = 2;  // satellite 1's own proof on a message "from 2": bad certificate
    frames.push_back(node::encode(forged));
    scheduler::Message genuine = loot_from(2, 1);
    a[2].sign(genuine);
    scheduler::Message borrowed = return_from(2, 0);
    borrowed.origin_proof = genuine.origin_proof;  // 2's proof of another message: bad signature
    frames.push_back(node::encode(borrowed));
    scheduler::Message terminate;
    terminate.kind = scheduler::MessageKind::terminate;
    terminate.src = 1;
    terminate.dst = 0;
    terminate.id = 1ULL << 37;
    frames.push_back(node::encode(terminate));  // unsigned
    scheduler::Message through;  // "from 0", for 0 to forward and sign as its own: unsigned
    through.kind = scheduler::MessageKind::steal_request;
    through.src = 0;
    through.dst = 2;
    through.id = 5;
    frames.push_back(node::encode(through));
    scheduler::Message demand;
    demand.kind = scheduler::MessageKind::demand;
    demand.src = 1;
    demand.dst = 0;
    demand.demand_hops = 1;
    a[1].sign(demand);  // satellite 1 speaking for itself: accepted
    frames.push_back(node::encode(demand));
  }

  // The agent's telemetry goes to stdout: catch it in a file.
  const std::string out_path = dir + "-stdout";
  std::cout.flush();
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(out, STDOUT_FILENO);
  std::thread loop([&] { (*agent)->run(); });
  {
    zmq::context_t ctx;
    zmq::socket_t d(ctx, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.set(zmq::sockopt::curve_serverkey, cs[0].security().public_key());
    d.set(zmq::sockopt::curve_publickey, cs[1].security().public_key());
    d.set(zmq::sockopt::curve_secretkey, cs[1].security().secret_key());
    d.connect(cs[0].endpoint());
    for (const std::string& f : frames) d.send(zmq::buffer(f), zmq::send_flags::none);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  (*agent)->stop();
  loop.join();
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(out);

  nlohmann::json telemetry;
  std::ifstream in(out_path);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "telemetry") telemetry = j;
  }
  std::remove(out_path.c_str());
  std::filesystem::remove_all(dir);
  REQUIRE(telemetry.is_object());
  INFO(telemetry.dump());
  CHECK(telemetry["frames_received"] == 5);
  CHECK(telemetry["dropped_frames"] == 0);
  CHECK(telemetry["rejected"]["bad_certificate"] == 1);
  CHECK(telemetry["rejected"]["bad_signature"] == 1);
  CHECK(telemetry["rejected"]["unsigned"] == 2);
  CHECK(telemetry["rejected"]["stray_return"] == 0);  // nothing forged reached the core
  CHECK(telemetry["forwarded"] == 0);                 // nor was anything signed on 1's behalf
  CHECK_FALSE(telemetry["finished"].get<bool>());
}
