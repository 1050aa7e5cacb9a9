// The wire codec: every message survives a round trip; no frame can crash the decoder.
#include <catch2/catch.hpp>

#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/rng.hpp"
#include "wire/wire.pb.h"

using namespace leomesh;

namespace {
scheduler::Message loot(std::size_t n) {
  scheduler::Message m;
  m.kind = scheduler::MessageKind::steal_reply;
  m.src = 3;
  m.dst = 7;
  m.hops = 2;
  m.id = 123456789012ULL;
  m.request_hops = 4;
  for (std::size_t i = 0; i < n; ++i) {
    scheduler::Task t = scheduler::Task::make(static_cast<scheduler::TaskKind>(1 + i % 3), static_cast<std::uint64_t>(i * 977));
    m.tasks.push_back(t);
  }
  return m;
}
node::DecodeLimits limits() {
  node::DecodeLimits l;
  l.satellites = 16;
  return l;
}
}  // namespace

TEST_CASE("every message kind survives a round trip", "[codec]") {
  scheduler::Message r = loot(1000);
  auto back = node::decode(node::encode(r), limits());
  REQUIRE(back.ok());
  CHECK(back->kind == r.kind);
  CHECK(back->src == 3);
  CHECK(back->dst == 7);
  CHECK(back->hops == 2);
  CHECK(back->id == r.id);
  CHECK(back->request_hops == 4);
  REQUIRE(back->tasks.size() == 1000);
  for (std::size_t i = 0; i < 1000; ++i) {
    CHECK(back->tasks[i].kind == r.tasks[i].kind);
    CHECK(back->tasks[i].get<std::uint64_t>() == i * 977);
  }
  // 1000 tasks of 8-byte payloads: 11 bytes each plus a small header.
  CHECK(node::encode(r).size() < 1000 * 11 + 64);

  scheduler::Message w;
  w.kind = scheduler::MessageKind::wave_report;
  w.src = 1;
  w.dst = 0;
  w.id = 42;
  w.loot_sent = 17;
  w.loot_received = 16;
  w.clean = false;
  auto wb = node::decode(node::encode(w), limits());
  REQUIRE(wb.ok());
  CHECK(wb->loot_sent == 17);
  CHECK(wb->loot_received == 16);
  CHECK_FALSE(wb->clean);

  scheduler::Message res;
  res.kind = scheduler::MessageKind::result;
  res.src = 5;
  res.dst = 0;
  res.reduction = {4130071, 3305118, 10};
  auto rb = node::decode(node::encode(res), limits());
  REQUIRE(rb.ok());
  CHECK(rb->reduction == res.reduction);

  scheduler::Message push = loot(5);
  push.kind = scheduler::MessageKind::loot_push;
  auto pb = node::decode(node::encode(push), limits());
  REQUIRE(pb.ok());
  CHECK(pb->kind == scheduler::MessageKind::loot_push);
  CHECK(pb->tasks.size() == 5);
}

TEST_CASE("malformed frames are refused with a reason", "[codec]") {
  const std::string good = node::encode(loot(3));
  CHECK_FALSE(node::decode("not protobuf at all \xff\xff\xff", limits()).ok());
  CHECK_FALSE(node::decode(good.substr(0, good.size() - 5), limits()).ok());
  node::DecodeLimits tight = limits();
  tight.max_frame_bytes = 10;
  auto big = node::decode(good, tight);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().reason.find("too large") != std::string::npos);
  node::DecodeLimits few = limits();
  few.satellites = 5;  // dst 7 is out of range
  CHECK_FALSE(node::decode(good, few).ok());
  scheduler::TaskRegistry registry;  // no kinds registered
  node::DecodeLimits strict = limits();
  strict.registry = &registry;
  auto unknown = node::decode(good, strict);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().reason.find("unknown task kind") != std::string::npos);

  leomesh::wire::Envelope e;
  e.ParseFromString(good);
  e.set_version(99);
  CHECK(node::decode(e.SerializeAsString(), limits()).error().reason.find("version") != std::string::npos);
  e.set_version(node::kWireVersion);
  e.set_task_count(1u << 30);  // a lie that would allocate gigabytes if trusted
  CHECK(node::decode(e.SerializeAsString(), limits()).error().reason.find("task count") != std::string::npos);
  e.set_task_count(3);
  e.set_kind(static_cast<leomesh::wire::Kind>(77));
  CHECK_FALSE(node::decode(e.SerializeAsString(), limits()).ok());
}

TEST_CASE("random and mutated bytes never crash the decoder", "[codec]") {
  scheduler::Rng rng(2026);
  const std::string good = node::encode(loot(20));
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string f = good;
    const int flips = 1 + static_cast<int>(rng.below(8));
    for (int k = 0; k < flips; ++k) f[rng.below(static_cast<std::uint32_t>(f.size()))] = static_cast<char>(rng.below(256));
    if (rng.below(4) == 0) f.resize(rng.below(static_cast<std::uint32_t>(f.size())));
    auto m = node::decode(f, limits());
    if (m) {
      ++accepted;
      CHECK(m->tasks.size() <= 20);
    }
    std::string noise(rng.below(200), '\0');
    for (char& c : noise) c = static_cast<char>(rng.below(256));
    (void)node::decode(noise, limits());
  }
  CHECK(accepted < 20000);
}
