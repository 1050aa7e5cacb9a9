#include "leomesh/emulator/harness.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <queue>

#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/pump.hpp"
#include "leomesh/scheduler/rng.hpp"

namespace leomesh::emulator {
namespace {

enum class EventKind : std::uint8_t { task_done, deliver, timer, move, crash, restart };

struct Event {
  double at;
  std::uint64_t seq;  // ties break by insertion order: determinism
  EventKind kind;
  int satellite;
  int worker;         // task_done
  int from;           // deliver
  std::uint32_t slot; // deliver: index into the message store; crash: index into the crashes
  int life = 0;       // task_done, timer: the life of the satellite that scheduled it
  bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

// Bytes a message takes on the wire, for serialisation delay: a small header plus the loot.
std::size_t wire_bytes(const scheduler::Message& m) { return 48 + m.tasks.size() * sizeof(scheduler::Task); }

class Harness {
 public:
  Harness(const HarnessConfig& cfg, const workloads::Workload& w, mesh::Topology topo)
      : cfg_(cfg), workload_(w), topo_(std::move(topo)), routes_(topo_),
        tree_(scheduler::SpanningTree::build(topo_, cfg.core.root)), rng_(cfg.seed) {
    const auto n = static_cast<std::size_t>(topo_.satellites());
    pools_.resize(n);
    cores_.resize(n);
    pumps_.resize(n);
    trees_.resize(n);
    life_.assign(n, 0);
    up_.assign(n, true);
    for (std::size_t s = 0; s < n; ++s) {
      links_.push_back(std::make_unique<Links>(*this, static_cast<int>(s)));
      boot(static_cast<int>(s), tree_);
    }
  }

  HarnessReport run() {
    const int n = topo_.satellites();
    cores_[static_cast<std::size_t>(cfg_.inject_at)]->submit(0.0, workload_.roots.data(), workload_.roots.size());
    for (int s = 0; s < n; ++s) {
      start_workers(s, 0.0);
      cores_[static_cast<std::size_t>(s)]->begin(0.0);
      pumps_[static_cast<std::size_t>(s)]->after_event(0.0);
    }
    if (cfg_.update_interval_s > 0) push({cfg_.update_interval_s, 0, EventKind::move, 0, 0, 0, 0});
    for (std::size_t i = 0; i < cfg_.crashes.size(); ++i)
      push({cfg_.crashes[i].at_s, 0, EventKind::crash, cfg_.crashes[i].satellite, 0, 0, static_cast<std::uint32_t>(i)});
    // The root's core is a new one after it restarts.
    auto root = [&]() -> scheduler::SatelliteCore& { return *cores_[static_cast<std::size_t>(cfg_.core.root)]; };
    while (!queue_.empty() && !(up_[static_cast<std::size_t>(cfg_.core.root)] && root().finished())) {
      const Event e = queue_.top();
      queue_.pop();
      if (e.at > cfg_.max_virtual_s) break;
      ++report_.events;
      handle(e);
      report_.makespan_s = e.at;
    }
    report_.finished = root().finished();
    report_.result = root().result();
    for (int s = 0; s < n; ++s) {
      report_.per_satellite.push_back(cores_[static_cast<std::size_t>(s)]->stats());
      report_.tasks_executed.push_back(pools_[static_cast<std::size_t>(s)]->tasks_executed());
      std::vector<int>& dead = report_.taken_for_dead.emplace_back();
      for (int v = 0; v < n; ++v)
        if (cores_[static_cast<std::size_t>(s)]->taken_for_dead(v)) dead.push_back(v);
    }
    report_.tasks_executed_lost = lost_tasks_;
    return std::move(report_);
  }

 private:
  void push(Event e) {
    e.seq = seq_++;
    queue_.push(e);
  }

  // A fresh pool, core and pump for satellite `s`, in its current life.
  void boot(int s, const scheduler::SpanningTree& tree) {
    const auto i = static_cast<std::size_t>(s);
    pumps_[i].reset();
    cores_[i].reset();
    pools_[i] = std::make_unique<SimulatedPool>(workload_, cfg_.workers, cfg_.task_cost_s);
    scheduler::CoreConfig c = cfg_.core;
    c.self = s;
    c.seed = cfg_.seed;
    c.workers = static_cast<std::size_t>(cfg_.workers);
    c.epoch = static_cast<std::uint64_t>(life_[i]) + 1;
    cores_[i] = std::make_unique<scheduler::SatelliteCore>(c, *pools_[i], topo_, routes_, tree);
    pumps_[i] = std::make_unique<scheduler::CorePump>(*cores_[i], *links_[i]);
  }

  // Its ISLs go dark with it (the link layer of each neighbour sees that), or come back.
  void set_links(int s, bool up) {
    if (!cfg_.crashed_links_go_dark) return;
    for (std::size_t l = 0; l < topo_.links().size(); ++l)
      if (topo_.links()[l].a == s || topo_.links()[l].b == s) topo_.force_down(static_cast<int>(l), !up);
    routes_.recompute(topo_);
  }

  void crash(const Event& e) {
    const auto s = static_cast<std::size_t>(e.satellite);
    if (!up_[s]) return;
    up_[s] = false;
    ++life_[s];  // its pending task completions and timers are void
    lost_tasks_ += pools_[s]->tasks_executed();
    set_links(e.satellite, false);
    const double until = cfg_.crashes[e.slot].until_s;
    if (until < 1e299) push({until, 0, EventKind::restart, e.satellite, 0, 0, 0});
  }

  void restart(const Event& e) {
    const auto s = static_cast<std::size_t>(e.satellite);
    up_[s] = true;
    set_links(e.satellite, true);
    trees_[s] = std::make_unique<scheduler::SpanningTree>(tree_.rejoining(e.satellite));
    boot(e.satellite, *trees_[s]);
    if (e.satellite == cfg_.core.root) {
      // The ground injects the work again into the root's new life, which starts the run
      // afresh: what its earlier life gave out is orphaned wherever it returns.
      cores_[s]->submit(e.at, workload_.roots.data(), workload_.roots.size());
      start_workers(e.satellite, e.at);
    }
    cores_[s]->begin(e.at);
    pumps_[s]->after_event(e.at);
  }

  void handle(const Event& e) {
    const auto s = static_cast<std::size_t>(e.satellite);
    if (e.kind == EventKind::crash) return crash(e);
    if (e.kind == EventKind::restart) return restart(e);
    if (e.kind == EventKind::deliver && !up_[s]) {
      free_slots_.push_back(e.slot);
      ++report_.messages_lost_to_crashes;
      return;
    }
    if ((e.kind == EventKind::task_done || e.kind == EventKind::timer) && e.life != life_[s]) return;
    scheduler::CorePump& pump = *pumps_[s];
    switch (e.kind) {
      case EventKind::task_done:
        pools_[s]->finish(e.worker);
        report_.last_task_s = e.at;
        start_workers(e.satellite, e.at);
        if (pools_[s]->idle()) pump.on_pool_idle(e.at);
        else pump.after_event(e.at);
        return;
      case EventKind::deliver: {
        scheduler::Message m = std::move(store_[e.slot]);
        free_slots_.push_back(e.slot);
        if (!topo_.link_between(e.from, e.satellite)) report_.non_neighbor_send = true;
        cores_[s]->handle_message(e.at, std::move(m));
        start_workers(e.satellite, e.at);
        pump.after_event(e.at);
        return;
      }
      case EventKind::crash:
      case EventKind::restart: return;
      case EventKind::timer:
        pump.on_timer(e.at, e.at);  // a superseded timer is ignored there
        start_workers(e.satellite, e.at);  // loot run again here after a crash elsewhere
        return;
      case EventKind::move:
        topo_.update(e.at);
        routes_.recompute(topo_);
        push({e.at + cfg_.update_interval_s, 0, EventKind::move, 0, 0, 0, 0});
        return;
    }
  }

  void start_workers(int s, double now) {
    SimulatedPool& pool = *pools_[static_cast<std::size_t>(s)];
    while (auto started = pool.start_next())
      push({now + started->cost_s, 0, EventKind::task_done, s, started->worker, 0, 0, life_[static_cast<std::size_t>(s)]});
  }

  // One satellite's outputs go into the simulated network and the event queue.
  struct Links : scheduler::PumpHost {
    Links(Harness& h, int s) : harness(h), self(s) {}
    void send(double now, scheduler::Outbound& out) override { harness.transmit(self, now, out); }
    void record(const scheduler::StealEvent& e) override { harness.report_.steals.push_back(e); }
    void arm_timer(double, double at) override {
      harness.push({at, 0, EventKind::timer, self, 0, 0, 0, harness.life_[static_cast<std::size_t>(self)]});
    }
    void recovered(const scheduler::RecoveryEvent& e) override { harness.report_.recoveries.push_back(e); }
    Harness& harness;
    int self;
  };

  // A message leaves satellite `s`: lost, or delivered after the link's delay and jitter.
  void transmit(int s, double now, scheduler::Outbound& out) {
    const auto link = topo_.link_between(s, out.next_hop);
    if (!link) {
      report_.non_neighbor_send = true;
      return;
    }
    if (cfg_.loss > 0 && rng_.unit() < cfg_.loss) {
      ++report_.messages_dropped;
      return;
    }
    double delay = topo_.state(*link).latency_s + topo_.link_model().serialisation_s(wire_bytes(out.message));
    if (cfg_.jitter_s > 0) delay += cfg_.jitter_s * rng_.unit();
    std::uint32_t slot;
    if (free_slots_.empty()) {
      slot = static_cast<std::uint32_t>(store_.size());
      store_.push_back(std::move(out.message));
    } else {
      slot = free_slots_.back();
      free_slots_.pop_back();
      store_[slot] = std::move(out.message);
    }
    push({now + delay, 0, EventKind::deliver, out.next_hop, 0, s, slot});
  }

  const HarnessConfig& cfg_;
  const workloads::Workload& workload_;
  mesh::Topology topo_;
  mesh::RoutingTable routes_;
  scheduler::SpanningTree tree_;
  scheduler::Rng rng_;
  std::vector<std::unique_ptr<SimulatedPool>> pools_;
  std::vector<std::unique_ptr<scheduler::SatelliteCore>> cores_;
  std::vector<std::unique_ptr<Links>> links_;
  std::vector<std::unique_ptr<scheduler::CorePump>> pumps_;
  std::vector<std::unique_ptr<scheduler::SpanningTree>> trees_;  // a restarted satellite's view
  std::vector<int> life_;   // crashes so far, per satellite
  std::vector<bool> up_;
  std::uint64_t lost_tasks_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  std::uint64_t seq_ = 0;
  std::vector<scheduler::Message> store_;
  std::vector<std::uint32_t> free_slots_;
  HarnessReport report_;
};

}  // namespace

mesh::Result<HarnessReport> run_harness(const HarnessConfig& config, const workloads::Workload& workload) {
  auto topo = mesh::build_topology(config.topology, config.links);
  if (!topo) return topo.error();
  if (config.inject_at < 0 || config.inject_at >= topo->satellites())
    return mesh::fail("inject_at", "no such satellite: " + std::to_string(config.inject_at));
  if (config.workers < 1) return mesh::fail("--workers", "must be at least 1");
  for (const HarnessCrash& c : config.crashes)
    if (c.satellite < 0 || c.satellite >= topo->satellites() || (c.satellite == config.core.root && !(c.until_s < 1e299)))
      return mesh::fail("crashes", "satellite " + std::to_string(c.satellite) +
                                       " cannot crash (not a satellite, or the root without a restart)");
  Harness h(config, workload, std::move(*topo));
  return h.run();
}

}  // namespace leomesh::emulator
