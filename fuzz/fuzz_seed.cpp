// fuzz_seed: writes the seeds of the wire and core corpora, so that they can be made again
// and checked: the attack frames of issue 11 (findings 1-4) encoded with the real codec,
// honest frames of every kind, frames the decoder must refuse, and core scripts that play
// the attacks, honest exchanges and floods against one satellite.
//
//   fuzz_seed fuzz/corpus            # writes fuzz/corpus/wire/seed-* and fuzz/corpus/core/seed-*
//   fuzz_seed --check fuzz/corpus    # exit 1 if a committed seed differs from what this makes
//
// The configuration corpus is made with `leomesh config generate` and edited by hand
// (fuzz/README.md).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "core_script.hpp"
#include "leomesh/node/codec.hpp"
#include "wire/wire.pb.h"
#include "world.hpp"

namespace {

using namespace leomesh;
using fuzz::Op;
using fuzz::Step;

// Message numbers as an honest core makes them (scheduler/src/core.cpp): pushes, returns and
// terminate set a bit of their own above the steal numbers.
constexpr std::uint64_t kPushBit = 1ULL << 39;
constexpr std::uint64_t kReturnBit = 1ULL << 38;
constexpr std::uint64_t kTerminateId = 1ULL << 37;

enum Kind : std::uint8_t {
  kRequest = 1,
  kReply = 2,
  kAck = 3,
  kTerminate = 6,
  kLootPush = 8,
  kWeightReturn = 9,
  kDemand = 10,
};

Step message(std::uint8_t kind, std::uint8_t src, std::uint64_t id) {
  Step s;
  s.op = Op::message;
  s.kind = kind;
  s.src = src;
  s.id = id;
  s.hops = 1;
  s.dt_10us = 10;
  return s;
}
Step loot(std::uint8_t kind, std::uint8_t src, std::uint64_t id, std::uint16_t tasks, std::uint8_t task = 0,
          std::uint32_t forge = 0) {
  Step s = message(kind, src, id);
  s.count = tasks;
  s.task = task;
  s.forge = forge;
  s.weight = 6;  // the piece 2^-5
  return s;
}
Step op(Op o, std::uint8_t a = 0, std::uint16_t dt_10us = 10) {
  Step s;
  s.op = o;
  s.a = a;
  s.dt_10us = dt_10us;
  return s;
}
Step flood(Step s, int log2_repeats) {
  s.op = Op::flood;
  s.a = static_cast<std::uint8_t>(log2_repeats);
  return s;
}
std::vector<Step> work(int n) { return std::vector<Step>(static_cast<std::size_t>(n), op(Op::work)); }

std::vector<Step> concat(std::initializer_list<std::vector<Step>> parts) {
  std::vector<Step> all;
  for (const auto& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

using Seeds = std::vector<std::pair<std::string, std::string>>;  // (file name, bytes)

std::string frame(std::uint8_t scenario, const Step& s) {
  return node::encode(fuzz::message_of(fuzz::world(scenario), s));
}

Seeds wire_seeds() {
  using namespace fuzz;
  const std::uint8_t uts = kFull2Root | kUts;
  Seeds out = {
      // Issue 11, findings 1-4, as the attacker holding satellite 1's key sent them to 0.
      {"seed-finding1-forged-terminate", frame(uts, message(kTerminate, 1, kTerminateId))},
      {"seed-finding2-request-from-itself", frame(uts, message(kRequest, 0, 1))},
      {"seed-finding3-unasked-reply-1000-tasks", frame(uts, loot(kReply, 1, 999, 1000))},
      {"seed-finding4-uts-node-2e31-children", frame(uts, loot(kLootPush, 1, kPushBit | 1, 1, 1, 0x7fffffff))},
      // Honest frames of every kind.
      {"seed-request", frame(uts, message(kRequest, 1, 1))},
      {"seed-reply-empty", frame(uts, message(kReply, 1, 1))},
      {"seed-reply-loot", frame(uts, loot(kReply, 1, 2, 8, 3))},
      {"seed-ack", frame(uts, message(kAck, 1, kPushBit | 1))},
      {"seed-loot-push-uts", frame(uts, loot(kLootPush, 1, kPushBit | 2, 4, 5))},
      {"seed-loot-push-fib", frame(kFull2Root | kFib, loot(kLootPush, 1, kPushBit | 1, 4, 2))},
      {"seed-loot-push-bag", frame(kFull2Root | kBag, loot(kLootPush, 1, kPushBit | 1, 4, 7))},
      {"seed-terminate-from-root", frame(kFull2Child | kUts, message(kTerminate, 0, kTerminateId))},
      {"seed-forged-fib-call", frame(kFull2Root | kFib, loot(kLootPush, 1, kPushBit | 3, 1, 0, 1000))},
      {"seed-forged-bag-range", frame(kFull2Root | kBag, loot(kLootPush, 1, kPushBit | 3, 1, 0, 0xffffffff))},
  };
  Step ret = message(kWeightReturn, 1, kReturnBit | 1);
  ret.weight = 2;  // 2^-1
  ret.forge = 1234;  // the results it brings: sum 1234, aux 56, max 7
  ret.load_100us = 56;
  ret.request_hops = 7;
  out.emplace_back("seed-weight-return", frame(uts, ret));
  Step demand = message(kDemand, 1, 0);
  demand.demand_hops = 3;
  demand.load_100us = 50;
  out.emplace_back("seed-demand", frame(uts, demand));
  // Frames every receiver refuses, each for its own reason.
  out.emplace_back("seed-refused-tasks-in-ack", frame(uts, loot(kAck, 1, 1, 2)));
  Step weighed = message(kRequest, 1, 1);
  weighed.weight = 3;
  out.emplace_back("seed-refused-weight-in-request", frame(uts, weighed));
  Step weightless = loot(kLootPush, 1, kPushBit | 1, 2);
  weightless.weight = 0;
  out.emplace_back("seed-refused-loot-without-weight", frame(uts, weightless));
  const std::string whole = frame(uts, loot(kReply, 1, 2, 8, 3));
  out.emplace_back("seed-refused-truncated", whole.substr(0, whole.size() / 2));
  auto envelope = [&](void (*edit)(wire::Envelope&)) {
    wire::Envelope e;
    e.ParseFromString(whole);
    edit(e);
    return e.SerializeAsString();
  };
  out.emplace_back("seed-refused-version-2", envelope([](wire::Envelope& e) { e.set_version(2); }));
  out.emplace_back("seed-refused-retired-kind-4", envelope([](wire::Envelope& e) { e.set_kind(static_cast<wire::Kind>(4)); }));
  out.emplace_back("seed-refused-negative-src", envelope([](wire::Envelope& e) { e.set_src(-1); }));
  out.emplace_back("seed-refused-task-count", envelope([](wire::Envelope& e) { e.set_task_count(1u << 30); }));
  out.emplace_back("seed-refused-weight-over-one", envelope([](wire::Envelope& e) { e.add_weight(0); }));
  // An origin proof is checked by the agent, not the decoder, which only insists on its size.
  out.emplace_back("seed-origin-proof", envelope([](wire::Envelope& e) {
    e.set_origin_proof(std::string(node::kOriginProofBytes, '\x5a'));
  }));
  out.emplace_back("seed-refused-origin-proof-size", envelope([](wire::Envelope& e) {
    e.set_origin_proof(std::string(node::kOriginProofBytes - 1, '\x5a'));
  }));
  // Crash recovery (wire version 5): a neighbour's heartbeat with news of who is dead, an
  // account return, and frames that mix recovery with weight or put news where none goes.
  const std::string request = frame(uts, message(kRequest, 1, 1));
  auto recovering = [&](void (*edit)(wire::Envelope&)) {
    wire::Envelope e;
    e.ParseFromString(request);
    e.set_epoch(1);
    e.set_to_epoch(1);
    edit(e);
    return e.SerializeAsString();
  };
  out.emplace_back("seed-alive-liveness", recovering([](wire::Envelope& e) {
    e.set_kind(wire::ALIVE);
    e.add_loots(1ULL << 48 | 7);
    e.add_liveness(1ULL << 48 | (1ULL << 24 | 1));  // satellite 1, first incarnation, dead
  }));
  out.emplace_back("seed-account-return", recovering([](wire::Envelope& e) {
    e.set_kind(wire::ACCOUNT_RETURN);
    e.add_loots(7);
    e.set_account(3);
    e.mutable_reduction()->set_sum(1234);
  }));
  out.emplace_back("seed-refused-liveness-in-request", recovering([](wire::Envelope& e) { e.add_liveness(1); }));
  out.emplace_back("seed-refused-liveness-out-of-range", recovering([](wire::Envelope& e) {
    e.set_kind(wire::ALIVE);
    e.add_liveness(60000ULL << 48);
  }));
  out.emplace_back("seed-refused-recovery-with-weight", recovering([](wire::Envelope& e) { e.add_weight(1); }));
  out.emplace_back("seed-refused-alive-without-epoch", envelope([](wire::Envelope& e) {
    e.clear_tasks();
    e.clear_task_count();
    e.clear_weight();
    e.set_kind(wire::ALIVE);
  }));
  return out;
}

Seeds core_seeds() {
  using namespace fuzz;
  auto script = [](std::uint8_t scenario, std::vector<Step> steps) {
    return write_script(Script{scenario, std::move(steps)});
  };
  // The root keeps its work (no start pushes), so the attacks meet a busy victim.
  const std::uint8_t root = kFull2Root | kUts | kInject | kForget;
  Step forward = message(kLootPush, 1, kPushBit | 1);
  forward.dst = 1 + 1;  // to satellite 1, through the centre
  forward.count = 3;
  forward.weight = 4;
  Step forward_request = message(kRequest, 3, 7);
  forward_request.dst = 1 + 5;
  Step ret = message(kWeightReturn, 1, kReturnBit | 1);
  ret.weight = 3;  // 2^-2: the child's start share in full:2
  Step demand = message(kDemand, 1, 0);
  demand.demand_hops = 1;
  Step answer = op(Op::reply, 0);  // the core's next request answered with 16 tasks
  answer.count = 16;
  answer.task = 3;
  return {
      // Issue 11, findings 1-4, mid-run at the root of full:2 running UTS T1L.
      {"seed-finding1-forged-terminate",
       script(root, concat({work(4), {message(kTerminate, 1, kTerminateId)}, work(6), {op(Op::timeout, 0, 60000)}}))},
      {"seed-finding2-request-from-itself",
       script(root, concat({work(2), {message(kRequest, 0, 1)}, work(4), {op(Op::timeout, 0, 60000)}}))},
      {"seed-finding3-unasked-reply-1000-tasks",
       script(root, concat({work(2), {loot(kReply, 1, 999, 1000)}, work(4), {op(Op::timeout, 0, 60000)}}))},
      {"seed-finding4-uts-node-2e31-children",
       script(root, concat({work(2), {loot(kLootPush, 1, kPushBit | 1, 1, 1, 0x7fffffff)}, work(4)}))},
      // Honest exchanges: a thief answered with loot that it runs and acknowledges, then
      // runs dry and returns its weight; a victim asked, giving loot, acked.
      {"seed-thief",
       script(kFull2Child | kUts, concat({{op(Op::reply, 0), answer}, work(30),
                                          {op(Op::ack, 0), op(Op::timeout, 0, 60000),
                                           message(kTerminate, 0, kTerminateId)}}))},
      {"seed-victim",
       script(root, concat({work(6), {message(kRequest, 1, 1)}, work(3), {op(Op::ack, 0), op(Op::timeout, 0, 60000),
                                                                          message(kRequest, 1, 2), op(Op::ack, 1)}}))},
      // The root runs the whole bag itself, its child returns its start share: the end.
      {"seed-root-to-the-end",
       script(kFull2Root | kBag | kInject | kForget | kNoDemand, concat({work(300), {ret}, work(10)}))},
      // Floods of 4,096 messages: memory must stay flat.
      {"seed-flood-requests", script(root, concat({work(2), {flood(message(kRequest, 1, 1), 12)}, work(2)}))},
      {"seed-flood-acks", script(root, concat({work(2), {flood(message(kAck, 1, 1), 12)}, work(2)}))},
      {"seed-flood-returns", script(root, concat({work(2), {flood(ret, 12)}, work(2)}))},
      {"seed-flood-loot-pushes", script(root, concat({work(2), {flood(loot(kLootPush, 1, kPushBit | 1, 1, 2), 12)}, work(2)}))},
      {"seed-flood-unasked-replies", script(root, concat({work(2), {flood(loot(kReply, 1, 1000, 4, 2), 12)}, work(2)}))},
      {"seed-flood-demand", script(root, concat({work(2), {flood(demand, 12)}, work(2)}))},
      // The centre of a torus: forwarding, links going down and up, global stealing.
      {"seed-torus-forwarding",
       script(kTorusCentre | kFib | kInject | kGlobal,
              concat({work(3), {forward, forward_request, op(Op::link, 0), forward, op(Op::link, 0), forward},
                      work(5), {op(Op::timeout, 0, 60000)}}))},
      {"seed-torus-bag", script(kTorusRoot | kBag | kInject, concat({work(5), {op(Op::reply, 1), message(kRequest, 1, 1)},
                                                                     work(20), {op(Op::timeout, 0, 60000)}}))},
  };
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const bool check = argc == 3 && std::strcmp(argv[1], "--check") == 0;
  if (argc != 2 && !check) {
    std::fprintf(stderr, "usage: %s [--check] CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path dir = argv[argc - 1];
  int differ = 0;
  std::size_t n = 0;
  for (auto& [target, seeds] : {std::pair{"wire", wire_seeds()}, std::pair{"core", core_seeds()}}) {
    if (!check) fs::create_directories(dir / target);
    for (const auto& [name, bytes] : seeds) {
      const fs::path p = dir / target / name;
      ++n;
      if (check) {
        if (read(p) == bytes) continue;
        std::fprintf(stderr, "fuzz_seed: %s differs from what fuzz_seed makes; run fuzz_seed %s\n", p.c_str(),
                     dir.c_str());
        ++differ;
      } else {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
      }
    }
  }
  std::printf("fuzz_seed: %zu seeds %s\n", n, check ? (differ ? "checked, some differ" : "as committed") : "written");
  return differ ? 1 : 0;
}
