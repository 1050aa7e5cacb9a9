// The latency-tolerant steal protocol of one core, message by message: several requests in
// flight, asking before running dry, giving down the load gradient, pushing at the start in
// proportion to the satellites each tree child stands for, the demand gradient, and
// termination by weight with the results carried home. Work is counted in seconds: each
// task here stands for 1 ms, and before a round trip is measured the core takes one to be
// 2 ms (twice its slowest 1 ms link), so a one-worker satellite keeps 2 ms for itself.
#include <algorithm>
#include <catch2/catch.hpp>

#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/core.hpp"

using namespace leomesh;
using scheduler::MessageKind;

namespace {
// One satellite of a 3x3 torus (each has four ISL neighbours; satellite 4's are 1, 3, 5, 7),
// with one worker; the spanning tree is rooted at 0. Each task is a bag of one task of 1,000
// units at 1 us: 1 ms of work by its estimate.
struct Centre {
  workloads::Workload w = *workloads::parse_workload("bag:balanced,tasks=1,cost=1000");
  mesh::Topology topo = *mesh::build_topology("torus:3x3", "uniform:1ms");
  mesh::RoutingTable routes{topo};
  scheduler::SpanningTree tree = scheduler::SpanningTree::build(topo, 0);
  emulator::SimulatedPool pool{w, 1, 1e-6};
  scheduler::SatelliteCore core;

  int self;

  static scheduler::CoreConfig config(int self, double remember_s, double horizon) {
    scheduler::CoreConfig c;
    c.self = self;
    c.policy = *scheduler::parse_policy("neighbor");
    c.remember_s = remember_s;
    c.demand_horizon_hops = horizon;
    return c;
  }
  // The demand gradient is off unless a test is about it: it would push work on its own.
  explicit Centre(double remember_s = 0.1, int s = 4, double horizon = 0)
      : core(config(s, remember_s, horizon), pool, topo, routes, tree), self(s) {}

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
  scheduler::Message from(int src, MessageKind kind, std::uint64_t id, double load_s = 0) {
    scheduler::Message m;
    m.kind = kind;
    m.src = src;
    m.dst = self;
    m.hops = 1;
    m.id = id;
    m.load_s = load_s;
    return m;
  }
  // Loot of `n` tasks pushed by `src`, with a piece of weight (work arrives only so once the
  // run has begun).
  scheduler::Message loot(int src, std::size_t n, std::uint64_t number, std::uint16_t demand_hops = 0) {
    scheduler::Message m = from(src, MessageKind::loot_push, (1ULL << 39) | number);
    m.demand_hops = demand_hops;
    m.tasks.assign(n, w.roots.front());
    m.weight = scheduler::Weight::piece(8);
    return m;
  }
  static std::size_t count(const std::vector<scheduler::Outbound>& out, MessageKind kind, int dst) {
    return static_cast<std::size_t>(std::count_if(out.begin(), out.end(), [&](const auto& o) {
      return o.message.kind == kind && o.message.dst == dst;
    }));
  }
  static const scheduler::Message* find(const std::vector<scheduler::Outbound>& out, MessageKind kind, int dst) {
    for (const auto& o : out)
      if (o.message.kind == kind && o.message.dst == dst) return &o.message;
    return nullptr;
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
  // Each message carries the sender's queued work: none.
  for (const auto& o : out) CHECK(o.message.load_s == 0);
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
  c.submit(0.0, 3);  // 3 ms queued, one worker, 2 ms round trip: not low
  c.core.begin(0.0);
  CHECK(Centre::targets(c.drain(), MessageKind::steal_request).empty());
  REQUIRE(c.pool.start_next());  // the worker runs one: 2 ms left, still not below 2 ms
  c.core.handle_timeout(c.core.next_deadline());
  CHECK(Centre::targets(c.drain(), MessageKind::steal_request).empty());
  std::vector<scheduler::Task> out;
  c.pool.take_oldest(2, out);  // the queue is empty, the worker still busy
  c.core.handle_timeout(c.core.next_deadline());
  CHECK(Centre::targets(c.drain(), MessageKind::steal_request) == std::vector<int>{1, 3, 5, 7});
  CHECK_FALSE(c.core.passive());
}

TEST_CASE("core: a victim gives only what it holds beyond the thief, as an even share", "[core]") {
  Centre c(0);
  c.submit(0.0, 10);
  c.core.begin(0.0);
  c.drain();
  // A thief that holds 9 ms itself: the 1 ms beyond it is not more than one round trip per worker.
  c.core.handle_message(0.001, c.from(1, MessageKind::steal_request, 1, 9e-3));
  auto out = c.drain();
  auto reply = std::find_if(out.begin(), out.end(), [](const auto& o) { return o.message.kind == MessageKind::steal_reply; });
  REQUIRE(reply != out.end());
  CHECK(reply->message.tasks.empty());
  CHECK(reply->message.weight.empty());
  // An idle thief gets half of the 10 ms queued, with a piece of weight.
  c.core.handle_message(0.002, c.from(3, MessageKind::steal_request, 1, 0));
  out = c.drain();
  reply = std::find_if(out.begin(), out.end(), [](const auto& o) { return o.message.kind == MessageKind::steal_reply; });
  REQUIRE(reply != out.end());
  CHECK(reply->message.tasks.size() == 5);
  CHECK_FALSE(reply->message.weight.empty());
  CHECK(c.pool.approx_size() == 5);
}

TEST_CASE("core: work at the start goes to the tree children by the size of their subtrees", "[core]") {
  // The root, 0, of the breadth-first tree: its children 1, 3, 2 and 6 stand for {1, 4, 7},
  // {3, 5}, {2, 8} and {6}; with the root that makes nine satellites.
  Centre c(0.1, 0);
  REQUIRE(c.tree.children[0] == std::vector<int>{1, 3, 2, 6});
  REQUIRE(c.tree.size == std::vector<int>{9, 3, 2, 2, 1, 1, 1, 1, 1});
  c.submit(0.0, 18);
  c.core.begin(0.0);  // 18 ms, 2 ms a satellite: 6, 4, 4 and 2 go out, 2 stay
  auto out = c.drain();
  CHECK(Centre::targets(out, MessageKind::loot_push) == std::vector<int>{1, 2, 3, 6});
  CHECK(Centre::find(out, MessageKind::loot_push, 1)->tasks.size() == 6);
  CHECK(Centre::find(out, MessageKind::loot_push, 3)->tasks.size() == 4);
  CHECK(Centre::find(out, MessageKind::loot_push, 2)->tasks.size() == 4);
  CHECK(Centre::find(out, MessageKind::loot_push, 6)->tasks.size() == 2);
  CHECK(c.pool.approx_size() == 2);
  CHECK(c.core.stats().loot_pushes == 4);
  // A satellite that is not the root: its own tree children wait the same way. Satellite 1
  // has children 4 and 7; an idle start, then loot: 3 ms each, 3 ms kept.
  Centre d(0.1, 1);
  REQUIRE(d.tree.children[1] == std::vector<int>{4, 7});
  d.core.begin(0.0);
  d.drain();
  scheduler::Message loot = d.from(0, MessageKind::loot_push, (1ULL << 39) | 1);
  loot.tasks.assign(9, d.w.roots.front());
  loot.weight = scheduler::Weight::piece(5);
  d.core.handle_message(0.002, loot);
  out = d.drain();
  CHECK(Centre::targets(out, MessageKind::loot_push) == std::vector<int>{4, 7});
  CHECK(Centre::find(out, MessageKind::loot_push, 4)->tasks.size() == 3);
  CHECK(d.pool.approx_size() == 3);
}

TEST_CASE("core: a tree child that reports plenty of work waits no longer for its start share", "[core]") {
  Centre c(0.1, 0);
  c.core.begin(0.0);
  // Child 2 tells the root (on any message) that it already has 100 ms queued.
  c.core.handle_message(0.001, c.from(2, MessageKind::ack, 99, 0.1));
  c.drain();
  scheduler::Message loot = c.from(5, MessageKind::loot_push, (1ULL << 39) | 1);
  loot.tasks.assign(18, c.w.roots.front());
  loot.weight = scheduler::Weight::piece(5);
  c.core.handle_message(0.002, loot);
  // 18 ms over the root and 3 + 2 + 1 satellites, 18/7 ms each: 1 is owed 7.7 ms and gets 8
  // tasks (a task goes when at least half of it fits), 3 is owed 5.1 and gets 5, 6 is owed
  // 2.6 and gets 3; 2 stay; nothing goes to 2.
  const auto out = c.drain();
  CHECK(Centre::targets(out, MessageKind::loot_push) == std::vector<int>{1, 3, 6});
  CHECK(Centre::find(out, MessageKind::loot_push, 1)->tasks.size() == 8);
  CHECK(Centre::find(out, MessageKind::loot_push, 3)->tasks.size() == 5);
  CHECK(Centre::find(out, MessageKind::loot_push, 6)->tasks.size() == 3);
  CHECK(c.pool.approx_size() == 2);
}

TEST_CASE("core: the demand gradient: distances told to the neighbours, surplus pushed downhill", "[core]") {
  Centre c(0, 4, 16);  // no remembered thieves: every push here comes from the gradient
  c.core.begin(0.0);
  // Idle, so hungry: distance 0 on every message.
  auto out = c.drain();
  for (const auto& o : out) CHECK(o.message.demand_hops == 0);
  // The neighbours say how far demand is from them: 1 and 3 are hungry themselves, 5 is one
  // hop from it, 7 two hops.
  c.core.handle_message(0.001, c.from(1, MessageKind::demand, 0));
  scheduler::Message m = c.from(5, MessageKind::demand, 0);
  m.demand_hops = 1;
  c.core.handle_message(0.001, m);
  m = c.from(7, MessageKind::demand, 0);
  m.demand_hops = 2;
  c.core.handle_message(0.001, m);
  m = c.from(3, MessageKind::demand, 0);
  m.demand_hops = 0;
  c.core.handle_message(0.001, m);
  c.drain();
  // 10 ms arrive from 7: sated (at least twice a round trip per worker), one hop from
  // demand. It tells every neighbour so, and pushes to the two that are closer to demand (1
  // and 3) a third each of what it holds beyond its own round trip: (10 - 2) / 3 ms, so 3
  // tasks to 1 (at least half of the third fits), then (7 - 2) / 3 ms, 2 tasks, to 3.
  c.core.handle_message(0.002, c.loot(7, 10, 1, 2));  // 7 still two hops from demand
  out = c.drain();
  for (int n : {1, 3, 5, 7}) {
    const auto* d = Centre::find(out, MessageKind::demand, n);
    REQUIRE(d != nullptr);
    CHECK(d->demand_hops == 1);
  }
  CHECK(Centre::targets(out, MessageKind::loot_push) == std::vector<int>{1, 3});
  REQUIRE(Centre::find(out, MessageKind::loot_push, 1) != nullptr);
  CHECK(Centre::find(out, MessageKind::loot_push, 1)->tasks.size() == 3);
  CHECK(Centre::find(out, MessageKind::loot_push, 3)->tasks.size() == 2);
  CHECK(c.core.stats().downhill_pushes == 2);
  // At most one push per neighbour and round trip: more work at once pushes nothing more ...
  c.core.handle_message(0.003, c.loot(7, 10, 2, 2));
  CHECK(Centre::targets(c.drain(), MessageKind::loot_push).empty());
  // ... but once the round trip has passed, it does.
  c.core.handle_timeout(c.core.next_deadline());
  CHECK(Centre::targets(c.drain(), MessageKind::loot_push) == std::vector<int>{1, 3});
  // Neighbour 3 is sated now and says demand is farther from it than from here: it is no
  // longer downhill; the distance here stays one (1 is still hungry), so nothing is told.
  m = c.from(3, MessageKind::demand, 0);
  m.demand_hops = 2;
  c.core.handle_message(0.010, m);  // past the round trip since the last pushes: 1 gets more
  out = c.drain();
  CHECK(Centre::targets(out, MessageKind::loot_push) == std::vector<int>{1});
  CHECK(Centre::targets(out, MessageKind::demand).empty());
}

TEST_CASE("core: giving away all queued work while no worker runs makes the satellite idle", "[core]") {
  // Loot arrives and is passed on at once, before a worker took any of it: nothing runs,
  // so no worker will report that the pool ran dry; the core must see it itself, or it
  // would stay busy, keep its weight, and the run would never end. A line 0-1-2-3, one
  // task of 10 ms; satellite 1's tree child 2 stands for two satellites of three.
  const auto w = *workloads::parse_workload("bag:balanced,tasks=1,cost=10000");
  const auto topo = *mesh::build_topology("mesh:1x4", "uniform:1ms");
  mesh::RoutingTable routes(topo);
  const auto tree = scheduler::SpanningTree::build(topo, 0);
  REQUIRE(tree.children[1] == std::vector<int>{2});
  emulator::SimulatedPool pool(w, 1, 1e-6);
  scheduler::CoreConfig config;
  config.self = 1;
  config.policy = *scheduler::parse_policy("neighbor");
  config.demand_horizon_hops = 0;
  scheduler::SatelliteCore core(config, pool, topo, routes, tree);
  core.begin(0.0);
  scheduler::Message r;
  r.kind = MessageKind::weight_return;  // child 2's start-up return
  r.src = 2;
  r.dst = 1;
  r.hops = 1;
  r.id = (1ULL << 38) | 1;
  r.weight = scheduler::Weight::initial_share(false, tree.share_holders);
  core.handle_message(0.001, r);
  while (core.poll_outbound()) {
  }
  scheduler::Message loot;
  loot.kind = MessageKind::loot_push;
  loot.src = 0;
  loot.dst = 1;
  loot.hops = 1;
  loot.id = (1ULL << 39) | 1;
  loot.tasks = w.roots;
  loot.weight = scheduler::Weight::piece(5);
  core.handle_message(0.002, loot);
  std::vector<scheduler::Outbound> out;
  while (auto o = core.poll_outbound()) out.push_back(std::move(*o));
  // Two thirds of 10 ms are owed to child 2: the one task goes, nothing is left.
  REQUIRE(Centre::find(out, MessageKind::loot_push, 2) != nullptr);
  CHECK(Centre::find(out, MessageKind::loot_push, 2)->tasks.size() == 1);
  CHECK(pool.idle());
  CHECK(core.passive());
  // Idle, it hands what weight it kept to its parent, with the child's share merged in.
  CHECK(Centre::count(out, MessageKind::weight_return, 0) == 1);
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

TEST_CASE("core: messages an honest run cannot send are refused, counted, and change nothing", "[core][hardening]") {
  // Satellite 4: tree parent 1, no children, one worker; idle at the start, so its requests
  // go to 1, 3, 5 and 7.
  Centre c(0);
  REQUIRE(c.tree.parent[4] == 1);
  c.core.begin(0.0);
  const auto asked = c.drain();
  const scheduler::Message* to_3 = Centre::find(asked, MessageKind::steal_request, 3);
  REQUIRE(to_3 != nullptr);
  const std::uint64_t id_3 = to_3->id;

  // A request that claims to come from this satellite itself: no answer.
  c.core.handle_message(0.001, c.from(4, MessageKind::steal_request, 77));
  CHECK(c.drain().empty());
  CHECK(c.core.stats().rejected.own_request == 1);

  // Loot for a steal never sent to its sender (the request to 3 was numbered id_3, not 999;
  // 999 went to nobody): refused, not acknowledged, nothing queued.
  scheduler::Message forged = c.from(3, MessageKind::steal_reply, 999);
  forged.tasks.assign(1000, c.w.roots.front());
  forged.weight = scheduler::Weight::piece(4);
  c.core.handle_message(0.002, forged);
  CHECK(c.drain().empty());
  CHECK(c.pool.approx_size() == 0);
  CHECK(c.core.stats().rejected.unasked_loot == 1);
  // The right number from the wrong victim is refused too.
  forged = c.from(5, MessageKind::steal_reply, id_3);
  forged.tasks.assign(3, c.w.roots.front());
  forged.weight = scheduler::Weight::piece(4);
  c.core.handle_message(0.002, forged);
  CHECK(c.pool.approx_size() == 0);
  CHECK(c.core.stats().rejected.unasked_loot == 2);

  // Weight and results from a satellite that is not a tree child: refused.
  scheduler::Message ret = c.from(5, MessageKind::weight_return, (1ULL << 38) | 1);
  ret.weight = scheduler::Weight::piece(3);
  ret.reduction = {1000, 0, 0};
  c.core.handle_message(0.003, ret);
  CHECK(c.core.stats().rejected.stray_return == 1);
  CHECK(Centre::count(c.drain(), MessageKind::ack, 5) == 0);

  // The end, from a satellite that is not the tree parent: refused; from the parent: taken.
  c.core.handle_message(0.004, c.from(3, MessageKind::terminate, 1ULL << 37));
  CHECK_FALSE(c.core.finished());
  CHECK(c.core.stats().rejected.terminate == 1);
  c.core.handle_message(0.005, c.from(1, MessageKind::terminate, 1ULL << 37));
  CHECK(c.core.finished());

  // Only the root declares the end: it never accepts one.
  Centre root(0, 0);
  root.core.begin(0.0);
  root.drain();
  root.core.handle_message(0.001, root.from(1, MessageKind::terminate, 1ULL << 37));
  CHECK_FALSE(root.core.finished());
  CHECK(root.core.stats().rejected.terminate == 1);
}

TEST_CASE("core: loot for a request that timed out is still taken, and counted late", "[core][hardening]") {
  Centre c(0);
  c.core.begin(0.0);
  const auto asked = c.drain();
  const scheduler::Message* to_5 = Centre::find(asked, MessageKind::steal_request, 5);
  REQUIRE(to_5 != nullptr);
  const std::uint64_t id = to_5->id;
  c.core.handle_timeout(1.0);  // past every request's timeout
  CHECK(c.core.stats().steal_timeouts == 4);
  c.drain();
  scheduler::Message loot = c.from(5, MessageKind::steal_reply, id);
  loot.tasks.assign(2, c.w.roots.front());
  loot.weight = scheduler::Weight::piece(4);
  c.core.handle_message(1.1, loot);
  CHECK(c.pool.approx_size() == 2);
  CHECK(c.core.stats().late_loot == 1);
  CHECK(c.core.stats().rejected.unasked_loot == 0);
  const auto out = c.drain();
  CHECK(Centre::count(out, MessageKind::ack, 5) == 1);
  // A resent copy (the acknowledgement was lost) is acknowledged again, not taken twice.
  c.core.handle_message(1.2, loot);
  CHECK(c.pool.approx_size() == 2);
  CHECK(Centre::count(c.drain(), MessageKind::ack, 5) == 1);
}

TEST_CASE("core: a changed distance to demand is told at most every demand_interval_s, the latest value", "[core]") {
  Centre c(0, 4, 16);
  c.core.begin(0.0);
  c.drain();
  scheduler::Message m = c.from(1, MessageKind::demand, 0);  // 1 is hungry: distance 1 from here once sated
  c.core.handle_message(0.001, m);
  for (int n : {3, 5, 7}) {
    m = c.from(n, MessageKind::demand, 0);
    m.demand_hops = 3;
    c.core.handle_message(0.001, m);
  }
  c.core.handle_message(0.002, c.loot(7, 10, 1, 3));  // sated: distance 1, told at once
  CHECK(Centre::targets(c.drain(), MessageKind::demand) == std::vector<int>{1, 3, 5, 7});
  // 1 is sated too and farther from demand now: the distance here becomes 4 (via 3, 5 or
  // 7), but the last message went out only 0.5 ms ago: nothing yet ...
  m = c.from(1, MessageKind::demand, 0);
  m.demand_hops = 5;
  c.core.handle_message(0.0025, m);
  CHECK(Centre::targets(c.drain(), MessageKind::demand).empty());
  // ... until demand_interval_s after it, when the latest value goes out.
  const double due = 0.002 + scheduler::CoreConfig{}.demand_interval_s;
  CHECK(c.core.next_deadline() <= due);
  c.core.handle_timeout(due);
  const auto out = c.drain();
  REQUIRE(Centre::find(out, MessageKind::demand, 5) != nullptr);
  CHECK(Centre::find(out, MessageKind::demand, 5)->demand_hops == 4);
}
