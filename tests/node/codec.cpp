// The wire codec: every message survives a round trip; no frame can crash the decoder.
#include <catch2/catch.hpp>

#include <cstring>

#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/rng.hpp"
#include "leomesh/workloads/workload.hpp"
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
  m.weight = scheduler::Weight::piece(5);
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

  CHECK(back->weight == scheduler::Weight::piece(5));

  scheduler::Message res;
  res.kind = scheduler::MessageKind::weight_return;
  res.src = 5;
  res.dst = 0;
  res.id = 42;
  res.load_s = 0.0171234;  // travels as whole microseconds
  res.demand_hops = 7;
  res.reduction = {4130071, 3305118, 10};
  REQUIRE(scheduler::Weight::from_exponents({1, 3, 200}, res.weight));
  auto rb = node::decode(node::encode(res), limits());
  REQUIRE(rb.ok());
  CHECK(rb->reduction == res.reduction);
  CHECK(rb->weight.exponents() == std::vector<std::uint32_t>{1, 3, 200});
  CHECK(rb->load_s == Approx(0.017123).margin(1e-12));
  CHECK(rb->demand_hops == 7);

  scheduler::Message ack;
  ack.kind = scheduler::MessageKind::ack;
  ack.src = 2;
  ack.dst = 9;
  ack.id = 42;
  auto ab = node::decode(node::encode(ack), limits());
  REQUIRE(ab.ok());
  CHECK(ab->kind == scheduler::MessageKind::ack);
  CHECK(ab->weight.empty());
  CHECK(ab->load_s == 0);

  // The demand gradient's own message: no tasks, no weight, only the sender's distance.
  scheduler::Message demand;
  demand.kind = scheduler::MessageKind::demand;
  demand.src = 3;
  demand.dst = 4;
  demand.demand_hops = 12;
  auto db = node::decode(node::encode(demand), limits());
  REQUIRE(db.ok());
  CHECK(db->kind == scheduler::MessageKind::demand);
  CHECK(db->demand_hops == 12);
  demand.weight = scheduler::Weight::piece(3);  // weight where none may travel: refused
  CHECK_FALSE(node::decode(node::encode(demand), limits()).ok());

  scheduler::Message push = loot(5);
  push.kind = scheduler::MessageKind::loot_push;
  auto pb = node::decode(node::encode(push), limits());
  REQUIRE(pb.ok());
  CHECK(pb->kind == scheduler::MessageKind::loot_push);
  CHECK(pb->tasks.size() == 5);
}

TEST_CASE("crash recovery's fields survive a round trip, and stray ones are refused", "[codec][recovery]") {
  scheduler::Message alive;
  alive.kind = scheduler::MessageKind::alive;
  alive.src = 3;
  alive.dst = 4;
  alive.epoch = 2;
  alive.to_epoch = 1;
  alive.loots = {5ULL << 48 | 17};
  alive.liveness = {7ULL << 48 | (1ULL << 24 | 3), 9ULL << 48 | (2ULL << 24)};
  auto back = node::decode(node::encode(alive), limits());
  REQUIRE(back.ok());
  CHECK(back->epoch == 2);
  CHECK(back->to_epoch == 1);
  CHECK(back->loots == alive.loots);
  CHECK(back->liveness == alive.liveness);

  scheduler::Message loot_with_accounts = loot(3);
  loot_with_accounts.weight = {};
  loot_with_accounts.epoch = 1;
  loot_with_accounts.to_epoch = 1;
  loot_with_accounts.tasks[1].account = 200;
  auto lb = node::decode(node::encode(loot_with_accounts), limits());
  REQUIRE(lb.ok());
  CHECK(lb->tasks[0].account == 0);
  CHECK(lb->tasks[1].account == 200);

  auto refused = [&](scheduler::Message m, const char* reason) {
    auto r = node::decode(node::encode(m), limits());
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().reason.find(reason) != std::string::npos);
  };
  scheduler::Message request = alive;
  request.kind = scheduler::MessageKind::steal_request;
  request.loots.clear();
  refused(request, "liveness news in a message other than alive");
  scheduler::Message far = alive;
  far.liveness = {16ULL << 48};  // limits() knows 16 satellites: 0-15
  refused(far, "out of range");
  scheduler::Message crowded = alive;
  crowded.liveness.assign(65, 1ULL << 48);
  refused(crowded, "at most 64 liveness entries");
  scheduler::Message without_epoch = alive;
  without_epoch.epoch = 0;
  without_epoch.to_epoch = 0;
  refused(without_epoch, "without an epoch");
  scheduler::Message weighed = alive;
  weighed.weight = scheduler::Weight::piece(2);
  refused(weighed, "termination weight from a sender with crash recovery");
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
  e.set_kind(static_cast<leomesh::wire::Kind>(5));  // a retired kind (version 1's wave report)
  CHECK_FALSE(node::decode(e.SerializeAsString(), limits()).ok());
  e.set_kind(leomesh::wire::STEAL_REPLY);
  REQUIRE(node::decode(e.SerializeAsString(), limits()).ok());

  // Loot without termination weight could let the root end the run early: refused. So is
  // weight beyond one unit or finer than the finest piece.
  leomesh::wire::Envelope light = e;
  light.clear_weight();
  CHECK(node::decode(light.SerializeAsString(), limits()).error().reason.find("without termination weight") !=
        std::string::npos);
  leomesh::wire::Envelope heavy = e;
  heavy.add_weight(0);
  CHECK(node::decode(heavy.SerializeAsString(), limits()).error().reason.find("weight out of range") !=
        std::string::npos);
  heavy.clear_weight();
  heavy.add_weight(scheduler::Weight::kMaxExponent + 1);
  CHECK_FALSE(node::decode(heavy.SerializeAsString(), limits()).ok());
  leomesh::wire::Envelope ask = e;
  ask.set_kind(leomesh::wire::STEAL_REQUEST);
  ask.clear_tasks();
  ask.set_task_count(0);
  CHECK(node::decode(ask.SerializeAsString(), limits()).error().reason.find("carries none") != std::string::npos);
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

TEST_CASE("codec: tasks a workload cannot produce are refused at the wire", "[codec][hardening]") {
  // What decode checks against the receiver's registry: each kind's payload, by its workload.
  auto refused = [](const workloads::Workload& w, const scheduler::Task& t) {
    scheduler::Message m;
    m.kind = scheduler::MessageKind::loot_push;
    m.src = 1;
    m.dst = 0;
    m.id = 1;
    m.tasks = {t};
    m.weight = scheduler::Weight::piece(3);
    node::DecodeLimits l;
    l.satellites = 4;
    l.registry = &w.registry;
    return !node::decode(node::encode(m), l).ok();
  };
  // UTS: the root as it is passes; the same node claiming 2^31 - 1 children does not.
  const auto uts = *workloads::parse_workload("uts:T1L");
  CHECK_FALSE(refused(uts, uts.roots.front()));
  scheduler::Task forged = uts.roots.front();
  const std::int32_t many = 0x7fffffff;
  std::memcpy(forged.payload.data() + forged.size - sizeof many, &many, sizeof many);
  CHECK(refused(uts, forged));
  // fib: no call larger than the workload's root.
  const auto fib = *workloads::parse_workload("fib:30");
  CHECK_FALSE(refused(fib, fib.roots.front()));
  CHECK(refused(fib, scheduler::Task::make(workloads::kFib, std::uint32_t{92})));
  // Bags: ranges inside the bag only.
  const auto bag = *workloads::parse_workload("bag:balanced,tasks=100,cost=5");
  struct Range {
    std::uint64_t lo, hi;
  };
  CHECK_FALSE(refused(bag, scheduler::Task::make(workloads::kBagRange, Range{10, 20})));
  CHECK(refused(bag, scheduler::Task::make(workloads::kBagRange, Range{10, 1000000})));
  CHECK(refused(bag, scheduler::Task::make(workloads::kBagRange, Range{20, 20})));
  // N-Queens: the workload's board size and cutoff, one queen per row placed.
  const auto q = *workloads::parse_workload("nqueens:10");
  CHECK_FALSE(refused(q, q.roots.front()));
  scheduler::Task bigger = q.roots.front();
  bigger.payload[12] = 20;  // Board::n
  CHECK(refused(q, bigger));
}
