// The latency-tolerant steal protocol of one core, message by message: several requests in
// flight, asking before running dry, giving down the load gradient, pushing at the start in
// proportion to the satellites each tree child stands for, the demand gradient, and
// termination by weight with the results carried home; then what hardens it: back-off, copies
// and late loot, the hop limit, resent results, and state that stays bounded under floods.
// Work is counted in seconds: each task here stands for 1 ms, and before a round trip is
// measured the core takes one to be 2 ms (twice its slowest 1 ms link), so a one-worker
// satellite keeps 2 ms for itself.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

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
  // Any settings, on any topology (1 ms links).
  Centre(const scheduler::CoreConfig& c, const char* topology)
      : topo(*mesh::build_topology(topology, "uniform:1ms")), core(c, pool, topo, routes, tree), self(c.self) {}

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
  // The workers run everything queued, and what it spawns, to the end; then the pool is dry.
  void run_dry(double now) {
    while (auto started = pool.start_next()) pool.finish(started->worker);
    core.handle_local_idle(now);
  }
  // The reduction of one task here.
  std::uint64_t task_sum() const { return *w.expected.sum; }
};

constexpr std::uint64_t kPush = 1ULL << 39;    // the core's push numbers
constexpr std::uint64_t kReturn = 1ULL << 38;  // and weight return numbers

// Every satellite of the 3x3 torus with its own pool (two workers), and a network that hands
// each message to its next hop at once: just enough to run a computation to its end and
// check its result. The root, 0, has the work; every core has the default settings.
struct Constellation {
  workloads::Workload w = *workloads::parse_workload("fib:20");
  mesh::Topology topo = *mesh::build_topology("torus:3x3", "uniform:1ms");
  mesh::RoutingTable routes{topo};
  scheduler::SpanningTree tree = scheduler::SpanningTree::build(topo, 0);
  std::vector<std::unique_ptr<emulator::SimulatedPool>> pools;
  std::vector<std::unique_ptr<scheduler::SatelliteCore>> cores;
  double now = 0;

  Constellation() {
    for (int s = 0; s < topo.satellites(); ++s) {
      pools.push_back(std::make_unique<emulator::SimulatedPool>(w, 2, 1e-6));
      scheduler::CoreConfig c;
      c.self = s;
      c.workers = 2;
      c.policy = *scheduler::parse_policy("neighbor");
      cores.push_back(std::make_unique<scheduler::SatelliteCore>(c, *pools.back(), topo, routes, tree));
    }
    cores[0]->submit(0.0, w.roots.data(), w.roots.size());
    for (auto& c : cores) c->begin(0.0);
  }
  scheduler::SatelliteCore& core(int s) { return *cores[static_cast<std::size_t>(s)]; }
  // Hands every message `s` has for its links to the next hop.
  void deliver(int s) {
    while (auto o = core(s).poll_outbound()) core(o->next_hop).handle_message(now, std::move(o->message));
  }
  // Runs until the root has the result. Each round, every pool runs a task on each free
  // worker to its end and every message goes on; when nothing moves, time jumps to the
  // earliest deadline. False if it never ends.
  bool run() {
    for (int round = 0; round < 1000000 && !core(0).finished(); ++round) {
      bool moved = false;
      for (int s = 0; s < topo.satellites(); ++s) {
        emulator::SimulatedPool& pool = *pools[static_cast<std::size_t>(s)];
        std::vector<int> started;
        while (auto st = pool.start_next()) started.push_back(st->worker);
        for (int worker : started) pool.finish(worker);
        if (!started.empty() && pool.idle()) core(s).handle_local_idle(now);
        while (auto o = core(s).poll_outbound()) {
          core(o->next_hop).handle_message(now, std::move(o->message));
          moved = true;
        }
        while (core(s).poll_event()) {
        }
        moved = moved || !started.empty();
      }
      if (moved) continue;
      double next = std::numeric_limits<double>::infinity();
      for (auto& c : cores) next = std::min(next, c->next_deadline());
      if (!std::isfinite(next)) return false;
      now = std::max(now, next);
      for (auto& c : cores)
        if (c->next_deadline() <= now) c->handle_timeout(now);
    }
    return core(0).finished();
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

TEST_CASE("core: the back-off after empty answers doubles from backoff_min_s up to backoff_max_s, and loot resets it", "[core][hardening]") {
  // One request at a time, so each empty answer is one failure and the next request waits
  // for exactly the back-off: 50 us, 100 us, ... 12.8 ms, then the 20 ms cap.
  scheduler::CoreConfig config = Centre::config(4, 0, 0);
  config.requests_in_flight = 1;
  Centre c(config, "torus:3x3");
  c.core.begin(0.0);
  double now = 0;
  auto answer = [&](double at, std::size_t tasks) {
    const auto out = c.drain();
    const auto ask = std::find_if(out.begin(), out.end(), [](const auto& o) { return o.message.kind == MessageKind::steal_request; });
    REQUIRE(ask != out.end());
    scheduler::Message reply = c.from(ask->message.dst, MessageKind::steal_reply, ask->message.id);
    if (tasks > 0) {
      reply.tasks.assign(tasks, c.w.roots.front());
      reply.weight = scheduler::Weight::piece(6);
    }
    c.core.handle_message(at, reply);
  };
  std::vector<double> waits;
  for (int failure = 1; failure <= 12; ++failure) {
    now += 0.001;
    answer(now, 0);
    CHECK(Centre::targets(c.drain(), MessageKind::steal_request).empty());  // nobody new before the back-off
    const double due = c.core.next_deadline();
    waits.push_back(due - now);
    CHECK(due == now + std::min(config.backoff_min_s * std::ldexp(1.0, failure - 1), config.backoff_max_s));
    now = due;
    c.core.handle_timeout(now);  // the next request goes out
  }
  CHECK(waits[0] == Approx(50e-6));
  CHECK(waits[8] == Approx(12.8e-3));
  CHECK(waits[9] == Approx(20e-3));   // 25.6 ms capped
  CHECK(waits[11] == Approx(20e-3));
  CHECK(c.core.stats().steal_empty == 12);
  CHECK(c.core.stats().steal_attempts == 13);
  // Loot ends the failures: once its tasks are done and the next answer is empty, the wait
  // is the first one again.
  now += 0.001;
  answer(now, 1);
  CHECK(c.core.stats().steal_successes == 1);
  c.run_dry(now);
  answer(now + 0.001, 0);
  CHECK(c.core.next_deadline() == now + 0.001 + config.backoff_min_s);
}

TEST_CASE("core: pushes are taken once in any order, copies and numbers past the window are not", "[core][hardening]") {
  Centre c(0);
  c.core.begin(0.0);
  c.drain();
  // Pushes from 7 numbered 1, 3, 2: each taken once, in whatever order they come.
  for (std::uint64_t n : {1, 3, 2}) c.core.handle_message(0.001, c.loot(7, 1, n));
  CHECK(c.pool.approx_size() == 3);
  CHECK(Centre::count(c.drain(), MessageKind::ack, 7) == 3);
  // A copy of 2 (below the in-order point) and of 3: acknowledged again, not taken.
  c.core.handle_message(0.002, c.loot(7, 1, 2));
  c.core.handle_message(0.002, c.loot(7, 1, 3));
  CHECK(c.pool.approx_size() == 3);
  CHECK(Centre::count(c.drain(), MessageKind::ack, 7) == 2);
  CHECK(c.core.stats().duplicates == 2);
  // 3 arrived in order; the window covers 4 to 67. Number 68 is beyond it: dropped, not
  // acknowledged (its sender resends it), nothing taken.
  c.core.handle_message(0.003, c.loot(7, 1, 3 + scheduler::CoreBounds::window + 1));
  CHECK(c.drain().empty());
  CHECK(c.pool.approx_size() == 3);
  CHECK(c.core.stats().capped.beyond_window == 1);
  // 5 to 67 arrive, out of order around a gap at 4: all taken, and 68 is still beyond.
  for (std::uint64_t n = 67; n >= 5; --n) c.core.handle_message(0.004, c.loot(7, 1, n));
  CHECK(c.pool.approx_size() == 3 + 63);
  c.core.handle_message(0.004, c.loot(7, 1, 68));
  CHECK(c.core.stats().capped.beyond_window == 2);
  // Once 4 comes, everything up to 67 arrived and 68 is new.
  c.core.handle_message(0.005, c.loot(7, 1, 4));
  c.core.handle_message(0.005, c.loot(7, 1, 68));
  CHECK(c.pool.approx_size() == 68);
  CHECK(c.core.stats().tasks_received == 68);
  // However old, a copy is still known as one: number 1 again.
  c.core.handle_message(0.006, c.loot(7, 1, 1));
  CHECK(c.pool.approx_size() == 68);
  CHECK(c.core.stats().duplicates == 3);
  // Each sender has its own numbers: 1 from satellite 3 is new.
  c.core.handle_message(0.006, c.loot(3, 1, 1));
  CHECK(c.pool.approx_size() == 69);
  CHECK(c.core.state_size().peers == 3);  // 7, 3, and its parent 1 (its first return)
}

TEST_CASE("core: loot in a reply is taken once, and a copy older than the record of steals is acknowledged but not taken", "[core][hardening]") {
  Centre c(0);
  c.core.begin(0.0);
  const auto asked = c.drain();
  const scheduler::Message* to_5 = Centre::find(asked, MessageKind::steal_request, 5);
  REQUIRE(to_5 != nullptr);
  scheduler::Message loot = c.from(5, MessageKind::steal_reply, to_5->id);
  loot.tasks.assign(2, c.w.roots.front());
  loot.weight = scheduler::Weight::piece(4);
  c.core.handle_message(0.001, loot);
  CHECK(c.pool.approx_size() == 2);
  // The acknowledgement was lost: the victim's copy is acknowledged again, not taken.
  c.drain();
  c.core.handle_message(0.002, loot);
  CHECK(c.pool.approx_size() == 2);
  CHECK(Centre::count(c.drain(), MessageKind::ack, 5) == 1);
  CHECK(c.core.stats().duplicates == 1);
  c.run_dry(0.003);
  const std::uint64_t ran = c.pool.reduction().sum;
  CHECK(ran == 2 * c.task_sum());
  // Many more steals, all answered with nothing, until the first is older than the record.
  double now = 0.003;
  while (c.core.stats().steal_attempts <= scheduler::CoreBounds::steals_kept + to_5->id) {
    for (const auto& o : c.drain())
      if (o.message.kind == MessageKind::steal_request)
        c.core.handle_message(now, c.from(o.message.dst, MessageKind::steal_reply, o.message.id));
    now = std::max(now, c.core.next_deadline());
    c.core.handle_timeout(now);
  }
  c.drain();
  // A copy of the first loot now: neither open nor timed out, older than the record. Taken
  // it would run twice; it is acknowledged (the victim stops resending) and counted.
  c.core.handle_message(now, loot);
  CHECK(c.pool.approx_size() == 0);
  CHECK(c.core.stats().capped.old_loot == 1);
  CHECK(Centre::count(c.drain(), MessageKind::ack, 5) == 1);
  CHECK(c.core.stats().tasks_received == 2);
  CHECK(c.core.stats().rejected.unasked_loot == 0);
  // A number it never used is still refused as unasked.
  scheduler::Message ahead = loot;
  ahead.id = c.core.stats().steal_attempts + 1;
  c.core.handle_message(now, ahead);
  CHECK(c.core.stats().rejected.unasked_loot == 1);
  CHECK(c.drain().empty());
  CHECK(c.core.state_size().taken == 1);
}

TEST_CASE("core: a message past the hop limit is dropped and counted, one below it is forwarded", "[core][hardening]") {
  // Nine satellites: the limit is 2 x 9 + 16 = 34 hops.
  Centre c(0);
  c.core.begin(0.0);
  c.drain();
  scheduler::Message m = c.from(3, MessageKind::steal_request, 1);
  m.src = 3;
  m.dst = 5;  // through satellite 4
  m.hops = 33;
  c.core.handle_message(0.001, m);
  auto out = c.drain();
  REQUIRE(out.size() == 1);
  CHECK(out[0].next_hop == 5);
  CHECK(out[0].message.hops == 34);
  CHECK(c.core.stats().forwarded == 1);
  m.hops = 34;
  c.core.handle_message(0.002, m);
  CHECK(c.drain().empty());
  CHECK(c.core.stats().forwarded == 1);
  CHECK(c.core.stats().hop_limit == 1);
  CHECK(c.core.stats().unroutable == 1);
}

TEST_CASE("core: a satellite that returned its weight and gets work again returns again, and the root ends only then", "[core][hardening]") {
  // Two satellites, 0 (the root) and 1, one worker each, no start pushes.
  const scheduler::CoreConfig root_config = Centre::config(0, 0, 0);
  const scheduler::CoreConfig child_config = Centre::config(1, 0, 0);
  Centre root(root_config, "mesh:1x2");
  Centre child(child_config, "mesh:1x2");
  auto hand = [](Centre& from, Centre& to, double at) {
    std::vector<scheduler::Outbound> out = from.drain();
    for (auto& o : out) to.core.handle_message(at, o.message);
    return out;
  };
  root.submit(0.0, 4);
  root.core.begin(0.0);
  child.core.begin(0.0);  // idle: returns its start share at once, and asks the root
  auto out = hand(child, root, 0.001);
  const scheduler::Message* first = Centre::find(out, MessageKind::weight_return, 0);
  REQUIRE(first != nullptr);
  CHECK(first->id == (kReturn | 1));
  CHECK(first->reduction.sum == 0);
  CHECK(first->weight == scheduler::Weight::initial_share(false, 2));
  // The root holds both shares, but it is busy; it gives half of its 4 ms, with a weight piece.
  out = hand(root, child, 0.002);
  const scheduler::Message* loot = Centre::find(out, MessageKind::steal_reply, 1);
  REQUIRE(loot != nullptr);
  REQUIRE(loot->tasks.size() == 2);
  const scheduler::Weight piece = loot->weight;
  CHECK_FALSE(child.core.passive());  // active again after its return
  // The root runs its two tasks and is idle, but a piece of the unit is out: not the end.
  root.run_dry(0.003);
  CHECK_FALSE(root.core.finished());
  hand(root, child, 0.003);
  // The child runs the loot, and returns exactly that piece with the results of its two tasks.
  child.run_dry(0.004);
  out = hand(child, root, 0.005);
  const scheduler::Message* second = Centre::find(out, MessageKind::weight_return, 0);
  REQUIRE(second != nullptr);
  CHECK(second->id == (kReturn | 2));
  CHECK(second->weight == piece);
  CHECK(second->reduction.sum == 2 * child.task_sum());
  CHECK(child.core.stats().weight_returns == 2);
  REQUIRE(root.core.finished());
  CHECK(root.core.result().sum == 4 * root.task_sum());
  // The end goes down the tree.
  out = hand(root, child, 0.006);
  CHECK(Centre::count(out, MessageKind::terminate, 1) == 1);
  CHECK(child.core.finished());
}

TEST_CASE("core: a lost result is resent until acknowledged, and the parent counts it once", "[core][hardening]") {
  // Satellite 4 runs two tasks and returns its weight with their results to its parent, 1;
  // the return is lost.
  Centre c(0);
  c.submit(0.0, 2);
  c.core.begin(0.0);
  c.drain();
  c.run_dry(0.001);
  auto out = c.drain();
  const scheduler::Message* sent = Centre::find(out, MessageKind::weight_return, 1);
  REQUIRE(sent != nullptr);
  const scheduler::Message lost = *sent;
  CHECK(lost.reduction.sum == 2 * c.task_sum());
  // retransmit_s later, the same return goes again: same number, same weight, same results.
  const double resend = 0.001 + scheduler::CoreConfig{}.retransmit_s;
  CHECK(c.core.next_deadline() == resend);
  c.core.handle_timeout(resend);
  out = c.drain();
  REQUIRE(Centre::count(out, MessageKind::weight_return, 1) == 1);
  const scheduler::Message copy = *Centre::find(out, MessageKind::weight_return, 1);
  CHECK(copy.id == lost.id);
  CHECK(copy.weight == lost.weight);
  CHECK(copy.reduction.sum == lost.reduction.sum);
  CHECK(copy.hops == 1);
  CHECK(c.core.stats().loot_retransmits == 1);
  CHECK(c.core.stats().weight_returns == 1);  // one return, sent twice
  // Its parent takes the copy, and a second copy once its acknowledgement was lost: counted once.
  Centre parent(0, 1);
  parent.core.begin(0.0);
  parent.drain();
  parent.core.handle_message(0.6, copy);
  parent.core.handle_message(0.7, copy);
  CHECK(Centre::count(parent.drain(), MessageKind::ack, 4) == 2);
  CHECK(parent.core.stats().duplicates == 1);
  scheduler::Message other = parent.from(7, MessageKind::weight_return, kReturn | 1);  // its other child's
  other.weight = scheduler::Weight::initial_share(false, parent.tree.share_holders);
  other.reduction = {5, 0, 0};
  parent.core.handle_message(0.8, other);
  const auto up = parent.drain();
  REQUIRE(Centre::find(up, MessageKind::weight_return, 0) != nullptr);
  CHECK(Centre::find(up, MessageKind::weight_return, 0)->reduction.sum == 2 * c.task_sum() + 5);
  // Acknowledged: no more copies.
  c.core.handle_message(0.9, c.from(1, MessageKind::ack, lost.id));
  c.core.handle_timeout(2 * resend);
  CHECK(Centre::count(c.drain(), MessageKind::weight_return, 1) == 0);
  CHECK(c.core.stats().loot_retransmits == 1);
  CHECK(c.core.state_size().unacked == 0);
}

TEST_CASE("core: returns wait while a window of them is unacknowledged, then go up as one", "[core][hardening]") {
  // Satellite 4 runs dry again and again (each time after one pushed task from 7), and its
  // parent acknowledges none of the returns.
  Centre c(0);
  c.core.begin(0.0);  // the first return: its start share
  double now = 0;
  for (std::uint64_t n = 1; n < scheduler::CoreBounds::window; ++n) {
    now += 0.001;
    c.core.handle_message(now, c.loot(7, 1, n));
    c.run_dry(now);
  }
  CHECK(c.core.stats().weight_returns == scheduler::CoreBounds::window);
  CHECK(c.core.stats().capped.unacked_full == 0);
  c.drain();
  // One more: the weight stays here, no return goes.
  now += 0.001;
  c.core.handle_message(now, c.loot(7, 1, scheduler::CoreBounds::window));
  c.run_dry(now);
  CHECK(Centre::count(c.drain(), MessageKind::weight_return, 1) == 0);
  CHECK(c.core.stats().capped.unacked_full == 1);
  CHECK(c.core.state_size().unacked == scheduler::CoreBounds::window);
  // The parent acknowledges the first: the held weight goes up at once, with the result of
  // the task that ran since the last return.
  c.core.handle_message(now + 0.001, c.from(1, MessageKind::ack, kReturn | 1));
  const auto out = c.drain();
  REQUIRE(Centre::count(out, MessageKind::weight_return, 1) == 1);
  const scheduler::Message* late = Centre::find(out, MessageKind::weight_return, 1);
  CHECK(late->id == (kReturn | (scheduler::CoreBounds::window + 1)));
  CHECK(late->weight == scheduler::Weight::piece(8));
  CHECK(late->reduction.sum == c.task_sum());
  CHECK(c.core.state_size().unacked == scheduler::CoreBounds::window);
}

TEST_CASE("core: a thief gets no more than a window of unacknowledged loot, and a replayed request gets nothing", "[core][hardening]") {
  scheduler::CoreConfig config = Centre::config(4, 0, 0);
  config.amount = scheduler::StealAmount::one;
  Centre c(config, "torus:3x3");
  c.submit(0.0, 1000);
  c.core.begin(0.0);
  c.drain();
  // 100 requests from 1, which acknowledges nothing: one task each for the first 64.
  std::size_t given = 0, empty = 0;
  for (std::uint64_t id = 1; id <= 100; ++id) {
    c.core.handle_message(0.001, c.from(1, MessageKind::steal_request, id));
    for (const auto& o : c.drain()) {
      if (o.message.kind != MessageKind::steal_reply) continue;
      (o.message.tasks.empty() ? empty : given) += 1;
    }
  }
  CHECK(given == scheduler::CoreBounds::window);
  CHECK(empty == 100 - scheduler::CoreBounds::window);
  CHECK(c.core.stats().capped.unacked_full == 100 - scheduler::CoreBounds::window);
  CHECK(c.core.state_size().unacked == scheduler::CoreBounds::window);
  CHECK(c.pool.approx_size() == 1000 - scheduler::CoreBounds::window);
  // It acknowledges one: the next request gets a task again.
  c.core.handle_message(0.002, c.from(1, MessageKind::ack, 7));
  c.core.handle_message(0.002, c.from(1, MessageKind::steal_request, 101));
  CHECK(Centre::find(c.drain(), MessageKind::steal_reply, 1)->tasks.size() == 1);
  // Another thief is not held up by 1's window.
  c.core.handle_message(0.002, c.from(3, MessageKind::steal_request, 1));
  CHECK(Centre::find(c.drain(), MessageKind::steal_reply, 3)->tasks.size() == 1);
  // A request numbered no higher than one already answered (overtaken, or replayed) gets
  // nothing: loot for it would be kept under the key of loot given for that number before.
  // One whose loot is still unacknowledged gets no answer at all (an empty one would close
  // the thief's request while that loot may be lost on the way and resent).
  c.core.handle_message(0.003, c.from(1, MessageKind::ack, 8));
  c.core.handle_message(0.003, c.from(1, MessageKind::steal_request, 101));
  c.core.handle_message(0.003, c.from(1, MessageKind::steal_request, 50));
  c.core.handle_message(0.003, c.from(1, MessageKind::steal_request, 8));
  const auto out = c.drain();
  CHECK(Centre::count(out, MessageKind::steal_reply, 1) == 1);
  for (const auto& o : out) CHECK(o.message.tasks.empty());
  CHECK(c.core.stats().stale_requests == 3);
  CHECK(c.core.stats().requests_served == 105);
  CHECK(c.core.stats().tasks_given == scheduler::CoreBounds::window + 2);
}

TEST_CASE("core: a flood of 100,000 requests, acks or weight messages leaves its state flat, and the run still ends exact", "[core][hardening]") {
  constexpr int kFlood = 100000;
  Constellation net;
  // Satellite 4 (tree parent 1, no children) and its parent 1 (children 4 and 7) are idle at
  // the start: only the root has work.
  std::size_t most = 0;
  std::size_t answers = 0;
  // The flooded satellite's answers go nowhere (its links are saturated); its events are read.
  auto feed = [&](int s, scheduler::Message m) {
    scheduler::SatelliteCore& core = net.core(s);
    core.handle_message(net.now, std::move(m));
    while (core.poll_outbound()) ++answers;
    while (core.poll_event()) {
    }
    most = std::max(most, core.state_entries());
  };
  auto message = [](int src, int dst, MessageKind kind, std::uint64_t id) {
    scheduler::Message m;
    m.kind = kind;
    m.src = src;
    m.dst = dst;
    m.hops = 1;
    m.id = id;
    return m;
  };
  const std::vector<int> others{0, 1, 2, 3, 5, 6, 7, 8};

  SECTION("steal requests") {
    net.deliver(4);  // its own requests and first return go out first
    const std::size_t before = net.core(4).state_entries();
    int replays = 0;
    for (int i = 0; i < kFlood; ++i) {
      const int thief = others[static_cast<std::size_t>(i) % others.size()];
      // Each thief's numbers go up; every tenth request repeats an older number.
      std::uint64_t id = static_cast<std::uint64_t>(i / 8 + 1);
      if (i % 10 == 9 && id > 1) {
        id -= 1;
        ++replays;
      }
      feed(4, message(thief, 4, MessageKind::steal_request, id));
    }
    const scheduler::CoreStats& s = net.core(4).stats();
    CHECK(s.requests_served == static_cast<std::uint64_t>(kFlood));
    CHECK(answers == static_cast<std::size_t>(kFlood));  // one reply each, all empty
    CHECK(s.loot_sent == 0);
    CHECK(s.stale_requests == static_cast<std::uint64_t>(replays));
    // Each other satellite is remembered once as a thief, with one record: the state grows
    // by at most that, and not with the flood.
    CHECK(net.core(4).state_size().waiting == others.size());
    CHECK(most <= before + 2 * others.size());
  }
  SECTION("steal requests, with the driver not draining") {
    net.deliver(4);
    scheduler::SatelliteCore& core = net.core(4);
    for (int i = 0; i < kFlood; ++i) core.handle_message(0.0, message(others[static_cast<std::size_t>(i) % 8], 4, MessageKind::steal_request, static_cast<std::uint64_t>(i / 8 + 1)));
    CHECK(core.state_size().outbound == scheduler::CoreBounds::outbound);
    CHECK(core.stats().capped.outbound_full == static_cast<std::uint64_t>(kFlood) - scheduler::CoreBounds::outbound);
    CHECK(core.state_entries() <= scheduler::CoreBounds::outbound + 4 * others.size());
    while (core.poll_outbound()) {  // lost on the way
    }
  }
  SECTION("acks of nothing") {
    net.deliver(4);
    const std::size_t before = net.core(4).state_entries();
    for (int i = 0; i < kFlood; ++i)
      feed(4, message(others[static_cast<std::size_t>(i) % 8], 4, MessageKind::ack, kPush | (1000000 + static_cast<std::uint64_t>(i))));
    CHECK(net.core(4).stats().unmatched_acks == static_cast<std::uint64_t>(kFlood));
    CHECK(answers == 0);
    CHECK(most == before);
  }
  SECTION("weight returns and terminates") {
    // Child 7's real first return reaches its parent 1; then 1 gets, in turn, copies of it,
    // returns from 7 numbered far past its window, returns from 2 (not a child) and
    // terminates from 2 (not its parent).
    std::vector<scheduler::Outbound> out;
    while (auto o = net.core(7).poll_outbound()) out.push_back(std::move(*o));
    const scheduler::Message* real = Centre::find(out, MessageKind::weight_return, 1);
    REQUIRE(real != nullptr);
    const scheduler::Message copy = *real;
    for (auto& o : out) net.core(o.next_hop).handle_message(net.now, std::move(o.message));
    net.deliver(1);
    const std::size_t before = net.core(1).state_entries();
    for (int i = 0; i < kFlood; ++i) {
      scheduler::Message m = copy;
      switch (i % 4) {
        case 0: break;
        case 1: m.id = kReturn | (1000000 + static_cast<std::uint64_t>(i)); break;
        case 2: m.src = 2; break;
        case 3: m = message(2, 1, MessageKind::terminate, 1ULL << 37); break;
      }
      feed(1, m);
    }
    const scheduler::CoreStats& s = net.core(1).stats();
    CHECK(s.duplicates == static_cast<std::uint64_t>(kFlood / 4));
    CHECK(s.capped.beyond_window == static_cast<std::uint64_t>(kFlood / 4));
    CHECK(s.rejected.stray_return == static_cast<std::uint64_t>(kFlood / 4));
    CHECK(s.rejected.terminate == static_cast<std::uint64_t>(kFlood / 4));
    CHECK(answers == static_cast<std::size_t>(kFlood / 4));  // an ack for each copy, nothing else
    CHECK_FALSE(net.core(1).finished());
    CHECK(most == before);
  }
  // Whatever came in, the run goes on to the exact result.
  REQUIRE(net.run());
  CHECK(net.core(0).result().sum == *net.w.expected.sum);
  CHECK(net.w.verify(net.core(0).result()));
}
