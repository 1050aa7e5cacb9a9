// The nanopb codec against the Protobuf one: the same bytes for every message kind, and the
// same verdict (and message) for every frame of the fuzz corpus, valid or not.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "leomesh/node/codec.hpp"
#include "leomesh/node/codec_nanopb.hpp"

using namespace leomesh;
using scheduler::MessageKind;

namespace {
node::DecodeLimits limits() {
  node::DecodeLimits l;
  l.satellites = 1 << 20;
  return l;
}

scheduler::Message base(MessageKind kind) {
  scheduler::Message m;
  m.kind = kind;
  m.src = 3;
  m.dst = 1584 - 1;
  m.hops = 7;
  m.id = 0xFEDCBA9876ULL;
  m.request_hops = 3;
  m.load_s = 0.25;
  m.demand_hops = 9;
  return m;
}

std::vector<scheduler::Message> one_of_every_kind() {
  std::vector<scheduler::Message> all;
  auto add_tasks = [](scheduler::Message& m, std::size_t n, bool accounts) {
    for (std::size_t i = 0; i < n; ++i) {
      scheduler::Task t = scheduler::Task::make(static_cast<scheduler::TaskKind>(1 + i % 4), static_cast<std::uint32_t>(i * 7919));
      if (accounts) t.account = static_cast<std::uint8_t>(i % 5);
      m.tasks.push_back(t);
    }
  };
  // Weight throwing.
  for (MessageKind k : {MessageKind::steal_request, MessageKind::ack, MessageKind::terminate, MessageKind::demand})
    all.push_back(base(k));
  scheduler::Message reply = base(MessageKind::steal_reply);
  add_tasks(reply, 300, false);
  reply.weight = scheduler::Weight::piece(17);
  all.push_back(reply);
  scheduler::Message push = base(MessageKind::loot_push);
  add_tasks(push, 2, false);
  REQUIRE(scheduler::Weight::from_exponents({2, 40, 900}, push.weight));
  all.push_back(push);
  scheduler::Message ret = base(MessageKind::weight_return);
  ret.reduction = {4130071, 3305118, 10};
  ret.weight = scheduler::Weight::piece(1);
  all.push_back(ret);
  scheduler::Message zero_ret = base(MessageKind::weight_return);  // a reduction of zeros is still written
  zero_ret.weight = scheduler::Weight::piece(3);
  all.push_back(zero_ret);
  // Crash recovery.
  for (MessageKind k : {MessageKind::account_return, MessageKind::alive, MessageKind::loot_refused,
                        MessageKind::loot_dropped, MessageKind::steal_reply}) {
    scheduler::Message m = base(k);
    m.epoch = 3;
    m.to_epoch = 1ULL << 40;
    if (k == MessageKind::account_return) {
      m.loots = {1, 2, 0xFFFFFFFFFFFFULL};
      m.account = 200;
      m.reduction = {1, 2, 3};
    }
    if (k == MessageKind::loot_dropped) {
      m.loots = {3, 1ULL << 39 | 9};
      m.account = 17;
    }
    if (k == MessageKind::alive) {
      m.loots = {7ULL << 48 | 5};
      m.liveness = {5ULL << 48 | 1, 1583ULL << 48 | (2ULL << 24 | 3)};
    }
    if (k == MessageKind::steal_reply) add_tasks(m, 64, true);
    all.push_back(m);
  }
  // Signed: a proof of exactly 160 bytes.
  scheduler::Message signed_req = base(MessageKind::steal_request);
  signed_req.origin_proof.assign(node::kOriginProofBytes, '\x5a');
  all.push_back(signed_req);
  return all;
}
}  // namespace

TEST_CASE("nanopb writes the same bytes as Protobuf for every message kind, and each reads the other's",
          "[codec][nanopb]") {
  const auto messages = one_of_every_kind();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    INFO("message " << i << " of kind " << static_cast<int>(messages[i].kind));
    const std::string proto = node::encode(messages[i]);
    const std::string small = node::nanopb_codec::encode(messages[i]);
    REQUIRE(!proto.empty());
    CHECK(small == proto);
    std::string proto_signed, small_signed;
    node::append_signed_part(messages[i], proto_signed);
    node::nanopb_codec::append_signed_part(messages[i], small_signed);
    CHECK(small_signed == proto_signed);
    auto a = node::decode(small, limits());
    auto b = node::nanopb_codec::decode(proto, limits());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(node::encode(*b) == proto);
    CHECK(node::nanopb_codec::encode(*a) == proto);
    CHECK(b->tasks.size() == messages[i].tasks.size());
    CHECK(b->liveness == messages[i].liveness);
    CHECK(b->origin_proof == messages[i].origin_proof);
  }
}

TEST_CASE("nanopb and Protobuf agree on every frame of the fuzz corpus", "[codec][nanopb]") {
  const std::filesystem::path corpus = std::filesystem::path(LEOMESH_SOURCE_DIR) / "fuzz" / "corpus" / "wire";
  REQUIRE(std::filesystem::is_directory(corpus));
  std::size_t frames = 0, accepted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string frame((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(entry.path().filename().string());
    auto proto = node::decode(frame, limits());
    auto small = node::nanopb_codec::decode(frame, limits());
    ++frames;
    CHECK(proto.ok() == small.ok());
    if (!proto.ok() || !small.ok()) {
      if (!proto.ok() && !small.ok() && proto.error().message() != small.error().message())
        CHECK(small.error().message().find("not a valid envelope") != std::string::npos);  // refused for the same frame, maybe one step earlier
      continue;
    }
    ++accepted;
    CHECK(node::encode(*proto) == node::nanopb_codec::encode(*small));
  }
  CHECK(frames > 100);
  CHECK(accepted >= 10);
}
