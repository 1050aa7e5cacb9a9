// CorePump, the driver loop every driver shares: what it drains, when it arms the timer,
// the time it hands the core when the timer fires, and that a finished run is told once.
#include <catch2/catch.hpp>
#include <deque>

#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/pump.hpp"

using namespace leomesh;

namespace {

// A driver that only writes down what the pump asks of it.
struct Recorder : scheduler::PumpHost {
  std::vector<scheduler::Outbound> sent;
  std::vector<scheduler::StealEvent> events;
  std::vector<double> armed;
  int finished_calls = 0;
  double finished_at = -1;
  void send(double, scheduler::Outbound& out) override { sent.push_back(std::move(out)); }
  void record(const scheduler::StealEvent& e) override { events.push_back(e); }
  void arm_timer(double, double at) override { armed.push_back(at); }
  void finished(double now) override {
    ++finished_calls;
    finished_at = now;
  }
};

// Two satellites one ISL apart, each a core with an empty pool, a recorder and a pump.
struct Pair {
  workloads::Workload w = *workloads::parse_workload("bag:balanced,tasks=8,cost=1");
  mesh::Topology topo = *mesh::build_topology("mesh:1x2", "uniform:1ms");
  mesh::RoutingTable routes{topo};
  scheduler::SpanningTree tree = scheduler::SpanningTree::build(topo, 0);
  std::deque<emulator::SimulatedPool> pools;
  std::deque<scheduler::SatelliteCore> cores;
  Recorder hosts[2];
  std::deque<scheduler::CorePump> pumps;

  Pair() {
    for (int s = 0; s < 2; ++s) {
      pools.emplace_back(w, 1, 1e-6);
      scheduler::CoreConfig c;
      c.self = s;
      cores.emplace_back(c, pools.back(), topo, routes, tree);
      pumps.emplace_back(cores.back(), hosts[s]);
    }
  }
};

}  // namespace

TEST_CASE("pump: drains into the host and arms one timer, re-armed only for an earlier deadline",
          "[pump]") {
  Pair p;
  scheduler::SatelliteCore& core = p.cores[0];
  scheduler::CorePump& pump = p.pumps[0];
  Recorder& host = p.hosts[0];
  CHECK(pump.armed_deadline() == std::numeric_limits<double>::infinity());
  core.begin(0.0);  // idle: it asks its neighbour
  pump.after_event(0.0);
  REQUIRE(host.sent.size() == 1);
  CHECK(host.sent[0].next_hop == 1);
  CHECK(host.sent[0].message.kind == scheduler::MessageKind::steal_request);
  const double timeout = scheduler::CoreConfig{}.steal_timeout_s;
  CHECK(host.armed == std::vector<double>{timeout});
  CHECK(pump.armed_deadline() == timeout);

  pump.after_event(0.1);  // nothing new, the same deadline: no second timer
  CHECK(host.armed.size() == 1);
  CHECK(host.sent.size() == 1);

  pump.on_timer(0.2, 0.3);  // a timer armed for another time: superseded, ignored
  CHECK(host.events.empty());
  CHECK(pump.armed_deadline() == timeout);

  // The timer fires a hair early (clocks round to ns): the core still gets the deadline.
  pump.on_timer(timeout - 1e-10, timeout);
  REQUIRE(host.events.size() == 1);
  CHECK(host.events[0].timed_out);
  CHECK(host.events[0].at_s == timeout);
  CHECK(core.stats().steal_timeouts == 1);
  // Re-armed for whatever the core needs next, and that is what is armed now.
  CHECK(host.armed.size() == 2);
  CHECK(host.armed.back() == core.next_deadline());
  CHECK(pump.armed_deadline() == core.next_deadline());
  CHECK(host.armed.back() > timeout);
}

TEST_CASE("pump: the host learns once that the run is over", "[pump]") {
  Pair p;
  // Messages go through a FIFO, one millisecond apart; timers never need to fire.
  double now = 0;
  for (int s = 0; s < 2; ++s) {
    p.cores[static_cast<std::size_t>(s)].begin(now);
    p.pumps[static_cast<std::size_t>(s)].after_event(now);
  }
  for (bool moved = true; moved;) {
    moved = false;
    for (int s = 0; s < 2; ++s) {
      Recorder& from = p.hosts[s];
      while (!from.sent.empty()) {
        scheduler::Outbound out = std::move(from.sent.front());
        from.sent.erase(from.sent.begin());
        now += 1e-3;
        const auto to = static_cast<std::size_t>(out.next_hop);
        p.cores[to].handle_message(now, std::move(out.message));
        p.pumps[to].after_event(now);
        moved = true;
      }
    }
  }
  CHECK(p.cores[0].finished());
  CHECK(p.cores[1].finished());
  CHECK(p.hosts[0].finished_calls == 1);
  CHECK(p.hosts[1].finished_calls == 1);
  CHECK(p.hosts[0].finished_at > 0);
  p.pumps[0].after_event(now + 1);
  p.pumps[0].on_pool_idle(now + 1);
  CHECK(p.hosts[0].finished_calls == 1);
  CHECK(p.cores[0].result().sum == 0);
}
