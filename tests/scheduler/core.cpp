// The latency-tolerant steal protocol of one core, message by message: several requests in
// flight, asking before running dry, giving down the load gradient, pushing at the start,
// and termination by weight with the results carried home.
#include <algorithm>
#include <catch2/catch.hpp>

#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/core.hpp"

using namespace leomesh;
using scheduler::MessageKind;

namespace {
// One satellite of a 3x3 torus (each has four ISL neighbours; satellite 4's are 1, 3, 5, 7),
// with one worker; the spanning tree is rooted at 0.
struct Centre {
  workloads::Workload w = *workloads::parse_workload("bag:balanced,tasks=64,cost=1");
  mesh::Topology topo = *mesh::build_topology("torus:3x3", "uniform:1ms");
  mesh::RoutingTable routes{topo};
  scheduler::SpanningTree tree = scheduler::SpanningTree::build(topo, 0);
  emulator::SimulatedPool pool{w, 1, 1e-6};
  scheduler::SatelliteCore core;

  int self;

  static scheduler::CoreConfig config(int self, double remember_s) {
    scheduler::CoreConfig c;
    c.self = self;
    c.policy = *scheduler::parse_policy("neighbor");
    c.remember_s = remember_s;
    return c;
  }
  explicit Centre(double remember_s = 0.1, int s = 4) : core(config(s, remember_s), pool, topo, routes, tree), self(s) {}

  std::vector<scheduler::Outbound> drain() {
    std::vector<scheduler::Outbound> out;
    while (auto o = core.poll_outbound()) out.push_back(std::move(*o));
    return out;
  }
  static std::vector<int> targets(const std::vector<scheduler::Outbound>& out, MessageKind kind) {
    std::vector<int> t;
    for (const auto& o : out)
      if (o.message.kind == kind) t.push_back(o.message.dst);
    std::sort(t.begin(), t.end());
    return t;
  }
  scheduler::Message from(int src, MessageKind kind, std::uint64_t id, std::uint32_t load = 0) {
    scheduler::Message m;
    m.kind = kind;
    m.src = src;
    m.dst = self;
    m.hops = 1;
    m.id = id;
    m.load = load;
    return m;
  }
  void submit(double now, std::size_t n) {
    std::vector<scheduler::Task> t(n, w.roots.front());
    core.submit(now, t.data(), t.size());
  }
};
}  // namespace

TEST_CASE("core: an idle satellite asks every active neighbour at once", "[core]") {
  Centre c(0);  // no start pushes: only the requests
  c.core.begin(0.0);
  const auto out = c.drain();
  CHECK(Centre::targets(out, MessageKind::steal_request) == std::vector<int>{1, 3, 5, 7});
  // Each message carries the sender's queue: empty.
  for (const auto& o : out) CHECK(o.message.load == 0);
  // An empty answer from one victim leaves the other three in flight and asks nobody new.
  const auto to_1 = std::find_if(out.begin(), out.end(), [](const auto& o) {
    return o.message.kind == MessageKind::steal_request && o.message.dst == 1;
  });
  REQUIRE(to_1 != out.end());
  c.core.handle_message(0.002, c.from(1, MessageKind::steal_reply, to_1->message.id));
  CHECK(Centre::targets(c.drain(), MessageKind::steal_request).empty());
  CHECK(c.core.stats().steal_empty == 1);
  CHECK(c.core.stats().steal_attempts == 4);
}

TEST_CASE("core: a busy satellite asks before it runs dry, and not while its queue is full", "[core]") {
  Centre c(0);
  c.submit(0.0, 3);  // three queued tasks, one worker: not low
  c.core.begin(0.0);
  CHECK(Centre::targets(c.drain(), MessageKind::steal_request).empty());
  std::vector<scheduler::Task> out;
  c.pool.take_oldest(3, out);  // the worker took them: the queue is empty, the pool still busy
  c.core.handle_timeout(c.core.next_deadline());
  CHECK(Centre::targets(c.drain(), MessageKind::steal_request) == std::vector<int>{1, 3, 5, 7});
  CHECK_FALSE(c.core.passive());
}

TEST_CASE("core: a victim gives only what it holds beyond the thief, as an even share", "[core]") {
  Centre c(0);
  c.submit(0.0, 10);
  c.core.begin(0.0);
  c.drain();
  // A thief that holds 9 queued tasks itself: 10 - 9 = 1 is not more than one per worker.
  c.core.handle_message(0.001, c.from(1, MessageKind::steal_request, 1, 9));
  auto out = c.drain();
  auto reply = std::find_if(out.begin(), out.end(), [](const auto& o) { return o.message.kind == MessageKind::steal_reply; });
  REQUIRE(reply != out.end());
  CHECK(reply->message.tasks.empty());
  CHECK(reply->message.weight.empty());
  // An idle thief gets half of the 10 queued tasks, with a piece of weight.
  c.core.handle_message(0.002, c.from(3, MessageKind::steal_request, 1, 0));
  out = c.drain();
  reply = std::find_if(out.begin(), out.end(), [](const auto& o) { return o.message.kind == MessageKind::steal_reply; });
  REQUIRE(reply != out.end());
  CHECK(reply->message.tasks.size() == 5);
  CHECK_FALSE(reply->message.weight.empty());
  CHECK(c.pool.approx_size() == 5);
}

TEST_CASE("core: work at the start is pushed to every neighbour, and a loaded one is forgotten", "[core]") {
  Centre c;
  // Neighbour 5 tells us (on any message) that it already has plenty queued.
  c.core.handle_message(0.0, c.from(5, MessageKind::ack, 99, 100));
  c.submit(0.0, 20);
  c.core.begin(0.0);  // the neighbours count as waiting; 20 tasks, 2 kept: pushes go out
  const auto out = c.drain();
  const auto pushed = Centre::targets(out, MessageKind::loot_push);
  CHECK(pushed.size() == 4);  // 1, 3, 5, 7 each get 20 / 5 = 4 ...
  CHECK(c.pool.approx_size() == 4);  // ... and this satellite keeps an equal share
  for (const auto& o : out)
    if (o.message.kind == MessageKind::loot_push) CHECK(o.message.tasks.size() == 4);
  // An idle start: the neighbours wait for work from here. Neighbour 5 then reports a full
  // queue, so it waits no longer: the loot that arrives next is shared with 1, 3 and 7.
  Centre d;
  d.core.begin(0.0);
  d.core.handle_message(0.001, d.from(5, MessageKind::ack, 99, 100));
  d.drain();
  scheduler::Message loot = d.from(1, MessageKind::loot_push, (1ULL << 39) | 1);
  loot.tasks.assign(20, d.w.roots.front());
  loot.weight = scheduler::Weight::piece(5);
  d.core.handle_message(0.002, loot);
  CHECK(Centre::targets(d.drain(), MessageKind::loot_push) == std::vector<int>{1, 3, 7});
  CHECK(d.pool.approx_size() == 5);
}

TEST_CASE("core: a satellite that runs dry returns its weight and results to its tree parent", "[core]") {
  Centre c(0, 1);  // satellite 1: parent 0, children 4 and 7 in the tree from 0
  REQUIRE(c.tree.parent[1] == 0);
  REQUIRE(c.tree.children[1] == std::vector<int>{4, 7});
  c.submit(0.0, 1);
  c.core.begin(0.0);
  c.drain();
  while (c.pool.start_next()) {
  }
  c.pool.finish(0);
  c.core.handle_local_idle(0.001);
  // Its children hold start shares: it waits for their first returns before its own, so
  // the start-up returns merge on the way up.
  CHECK(Centre::targets(c.drain(), MessageKind::weight_return).empty());
  for (int child : c.tree.children[1]) {
    scheduler::Message r = c.from(child, MessageKind::weight_return, (1ULL << 38) | 1);
    r.weight = scheduler::Weight::initial_share(false, c.tree.share_holders);
    r.reduction = {7, 1, 3};
    c.core.handle_message(0.002, r);
  }
  const auto out = c.drain();
  const auto ret = std::find_if(out.begin(), out.end(), [](const auto& o) { return o.message.kind == MessageKind::weight_return; });
  REQUIRE(ret != out.end());
  CHECK(ret->message.dst == 0);
  // Its own bag task plus what each child reported.
  CHECK(ret->message.reduction.sum == c.pool.reduction().sum + 2 * 7);
  CHECK(ret->message.reduction.max == 3);
  // Its own share and its children's, merged.
  scheduler::Weight expected = scheduler::Weight::initial_share(false, c.tree.share_holders);
  for (int i = 0; i < 2; ++i)
    expected.merge(scheduler::Weight::initial_share(false, c.tree.share_holders));
  CHECK(ret->message.weight == expected);
  CHECK(c.core.stats().weight_returns == 1);
}
