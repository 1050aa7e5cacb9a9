// The lifeline policy: a victim that had to say "nothing" to a neighbour pushes work to it
// once it has some, and the pushes are as reliable and as well counted as loot.
#include <algorithm>
#include <catch2/catch.hpp>

#include "leomesh/emulator/harness.hpp"
#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"

using namespace leomesh;

namespace {
// Satellite 0 of two linked without delay: a round trip counts as the core's floor of 100 us,
// and each task here stands for 100 us of work (one bag task of 100 units at 1 us).
struct Pair {
  workloads::Workload w = *workloads::parse_workload("bag:balanced,tasks=1,cost=100");
  mesh::Topology topo;
  mesh::RoutingTable routes;
  scheduler::SpanningTree tree;
  emulator::SimulatedPool pool{w, 1, 1e-6};
  scheduler::SatelliteCore core;

  static mesh::Topology build() {
    const auto spec = *mesh::parse_topology("mesh:1x2");
    return *mesh::Topology::build(spec, spec.default_links());
  }
  static scheduler::CoreConfig config(std::size_t workers = 1) {
    scheduler::CoreConfig c;
    c.self = 0;
    c.workers = workers;
    c.policy = *scheduler::parse_policy("lifeline");
    c.demand_horizon_hops = 0;  // only the remembered thieves push here
    return c;
  }
  explicit Pair(std::size_t workers = 1)
      : topo(build()), routes(topo), tree(scheduler::SpanningTree::build(topo, 0)),
        core(config(workers), pool, topo, routes, tree) {}

  std::vector<scheduler::Outbound> drain() {
    std::vector<scheduler::Outbound> out;
    while (auto o = core.poll_outbound()) out.push_back(std::move(*o));
    return out;
  }
  // A message from neighbour 1 to satellite 0, one hop.
  void from_neighbour(double now, scheduler::MessageKind kind, std::uint64_t id) {
    scheduler::Message m;
    m.kind = kind;
    m.src = 1;
    m.dst = 0;
    m.hops = 1;
    m.id = id;
    core.handle_message(now, m);
  }
  void ask_from_neighbour(double now, std::uint64_t id) { from_neighbour(now, scheduler::MessageKind::steal_request, id); }
  // Begins (asking the neighbour itself, opening a wave), then is asked in vain at `now`
  // by neighbour 1, which is hungry from then on.
  void begin_with_hungry_neighbour(double now) {
    core.begin(0.0);
    drain();
    ask_from_neighbour(now, 1);
    drain();
  }
  void submit(double now, std::size_t n) {
    const auto t = tasks(n);
    core.submit(now, t.data(), t.size());
  }
  std::vector<scheduler::Task> tasks(std::size_t n) {
    std::vector<scheduler::Task> t;
    for (std::size_t i = 0; i < n; ++i) t.push_back(w.roots.front());
    return t;
  }
};
}  // namespace

TEST_CASE("lifeline: a neighbour that asked in vain gets half of the work that arrives later", "[lifeline]") {
  Pair p;
  p.core.begin(0.0);  // idle at satellite 0: it asks satellite 1 first (and opens a wave)
  const auto asked = p.drain();
  CHECK(std::count_if(asked.begin(), asked.end(), [](const auto& o) {
          return o.message.kind == scheduler::MessageKind::steal_request;
        }) == 1);

  p.ask_from_neighbour(0.001, 7);  // nothing here yet: an empty reply, and 1 is now hungry
  auto out = p.drain();
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.kind == scheduler::MessageKind::steal_reply);
  CHECK(out[0].message.tasks.empty());

  const auto work = p.tasks(6);
  p.core.submit(0.002, work.data(), work.size());  // work arrives (a ground contact)
  out = p.drain();
  REQUIRE(out.size() == 1);
  CHECK(out[0].next_hop == 1);
  CHECK(out[0].message.kind == scheduler::MessageKind::loot_push);
  CHECK(out[0].message.tasks.size() == 3);  // half of 6
  CHECK(p.pool.approx_size() == 3);
  CHECK(p.core.stats().loot_pushes == 1);

  // Unacknowledged pushes are resent like loot, as pushes; the ack stops them.
  const std::uint64_t push_id = out[0].message.id;
  p.core.handle_timeout(0.002 + 1.0);
  out = p.drain();
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.kind == scheduler::MessageKind::loot_push);
  CHECK(out[0].message.id == push_id);
  p.from_neighbour(1.01, scheduler::MessageKind::ack, push_id);
  p.core.handle_timeout(3.0);
  for (const auto& o : p.drain()) CHECK(o.message.kind != scheduler::MessageKind::loot_push);
}

TEST_CASE("lifeline: a victim keeps two round trips of work per worker", "[lifeline]") {
  Pair p(4);
  p.begin_with_hungry_neighbour(0.0);
  p.submit(0.01, 7);
  CHECK(p.drain().empty());  // 700 us < 2 x 4 workers x 100 us: nothing to spare
  p.submit(0.02, 3);
  const auto out = p.drain();
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.kind == scheduler::MessageKind::loot_push);
  CHECK(out[0].message.tasks.size() == 5);  // half of 10
}

TEST_CASE("lifeline: the last task is never pushed, and a hungry neighbour is forgotten in time", "[lifeline]") {
  Pair p;
  p.begin_with_hungry_neighbour(0.0);
  p.submit(0.01, 1);
  CHECK(p.drain().empty());  // one task, 100 us: not two round trips, nothing to spare
  // The core looks again while the neighbour is remembered...
  const double again = p.core.next_deadline();
  CHECK(again == Approx(0.01 + scheduler::CoreConfig{}.push_check_s));
  // ... and at the very moment it forgets it, it stops looking (no busy loop at one instant).
  const double ttl = Pair::config().remember_s;
  p.core.handle_timeout(ttl);
  CHECK(p.core.next_deadline() > ttl);
  p.submit(ttl + 0.001, 8);
  CHECK(p.drain().empty());  // forgotten: no push
}

TEST_CASE("lifeline runs exact on tori and a moving shell, with reordering and loss, and pushes", "[lifeline]") {
  for (const char* spec : {"uts:T1", "fib:25,cutoff=8", "nqueens:10"}) {
    const auto w = *workloads::parse_workload(spec);
    for (double loss : {0.0, 0.05}) {
      emulator::HarnessConfig cfg;
      cfg.topology = "torus:4x4";
      cfg.links = "uniform:1ms";
      cfg.jitter_s = 2e-3;  // reorders
      cfg.loss = loss;
      cfg.task_cost_s = 10e-6;
      cfg.core.steal_timeout_s = 20e-3;
      cfg.core.retransmit_s = 20e-3;
      cfg.core.policy = *scheduler::parse_policy("lifeline");
      auto r = emulator::run_harness(cfg, w);
      REQUIRE(r.ok());
      INFO(spec << " loss " << loss);
      REQUIRE(r->finished);
      CHECK_FALSE(r->non_neighbor_send);
      CHECK(r->result.sum == *w.expected.sum);
      CHECK(w.verify(r->result));
      std::uint64_t pushes = 0, given = 0, received = 0;
      for (const auto& s : r->per_satellite) {
        pushes += s.loot_pushes;
        given += s.tasks_given;
        received += s.tasks_received;
      }
      CHECK(pushes > 0);
      if (loss == 0.0) CHECK(given == received);  // every task given away arrived once
    }
  }
  emulator::HarnessConfig shell;
  shell.topology = "walker-delta:6x6,alt=550,inc=53,phase=1";
  shell.links = "";
  shell.update_interval_s = 0.05;
  shell.task_cost_s = 20e-6;
  shell.core.policy = *scheduler::parse_policy("lifeline");
  const auto w = *workloads::parse_workload("uts:T1");
  auto r = emulator::run_harness(shell, w);
  REQUIRE(r.ok());
  REQUIRE(r->finished);
  CHECK(r->result.sum == 4130071);
}
