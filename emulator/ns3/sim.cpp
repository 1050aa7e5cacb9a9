// The ns-3 driver. ns-3 style (CamelCase calls) stays inside this file.
#include "leomesh/emulator/sim.hpp"

#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>

#include "isl_links.hpp"
#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/scheduler/pump.hpp"
#include "leomesh/scheduler/quantile.hpp"
#include "leomesh/scheduler/rng.hpp"

namespace leomesh::emulator {
namespace {

using nlohmann::json;
constexpr std::uint16_t kPort = 9;
// A frame must fit one UDP datagram (65,507 bytes); tasks take at most 31 bytes on the wire.
constexpr std::size_t kMaxBatchInDatagram = 2000;
constexpr double kForever = 1e299;  // an UNTIL at or beyond this never comes

// Each kind of random fault draws from streams of its own, one per satellite or link, so a
// crash schedule does not change when flaps are switched on, nor one link's flaps when
// another link is added.
enum class Stream : std::uint64_t { crash = 1, flap = 2, frame = 3 };
scheduler::Rng fault_stream(std::uint64_t seed, Stream kind, std::size_t index) {
  scheduler::Rng mix(seed * 0xD1B54A32D192ED03ULL + static_cast<std::uint64_t>(kind) * 0x8CB92BA72F3D8DD7ULL +
                     static_cast<std::uint64_t>(index));
  return scheduler::Rng(mix.next());
}
// The time to the next event of a Poisson process of `rate` per second.
double exponential(scheduler::Rng& rng, double rate) { return -std::log1p(-rng.unit()) / rate; }

// Adds one life's steal and loot counters to a satellite's summary.
void add_core_stats(SatelliteSummary& ss, const scheduler::CoreStats& cs) {
  ss.attempts += cs.steal_attempts;
  ss.successes += cs.steal_successes;
  ss.empty += cs.steal_empty;
  ss.timeouts += cs.steal_timeouts;
  ss.latency_sum_s += cs.attempt_latency_sum_s;
  ss.hops_sum += cs.attempt_hops_sum;
  ss.tasks_received += cs.tasks_received;
  ss.tasks_given += cs.tasks_given;
  ss.forwarded += cs.forwarded;
  ss.dropped += cs.unroutable;
}

struct World;

// One satellite: the sans-IO core and its simulated pool inside an ns-3 Application; the
// core's outputs become UDP datagrams to ISL neighbours and ns-3 events.
class SatelliteApp : public ns3::Application, public scheduler::PumpHost {
 public:
  SatelliteApp(World& world, int id);
  void StartApplication() override;
  void StopApplication() override {}
  void Receive(ns3::Ptr<ns3::Socket> socket);
  void StartWorkers();
  void OnTaskDone(int worker, int life);
  void OnTimer(double at, int life);
  // Crashes now (if up); restarts at `until` unless that is kForever.
  void Crash(double until);
  void Restart(int life);

  // scheduler::PumpHost
  void send(double now, scheduler::Outbound& out) override;
  void record(const scheduler::StealEvent& event) override;
  void recovered(const scheduler::RecoveryEvent& event) override;
  void arm_timer(double now, double at) override;
  void finished(double now) override;

  World& world;
  int id;
  std::unique_ptr<SimulatedPool> pool;
  std::unique_ptr<scheduler::SatelliteCore> core;
  std::unique_ptr<scheduler::CorePump> pump;
  ns3::Ptr<ns3::Socket> socket;
  std::map<int, ns3::Ipv4Address> neighbor_address;  // far end of each candidate link
  ns3::EventId timer;
  std::uint64_t dropped_frames = 0;
  // Crashes. `life` counts them: task completions and timers carry the life that scheduled
  // them, and those of an earlier life are ignored (its tasks and timers died with it).
  bool up = true;
  int life = 0;
  double crashed_at = -1, restarted_at = -1;  // the latest of each, -1 = never
  std::unique_ptr<scheduler::SpanningTree> rejoin_tree;  // the restarted core's view: no start shares
  std::uint64_t tasks_before = 0;  // run by earlier lives
  SatelliteSummary earlier;        // earlier lives' steal and loot counters
  double busy_before = 0;

 private:
  void Boot(const scheduler::SpanningTree& tree);  // a fresh pool, core and pump
  void AfterInput();                               // the fault checks, once a crash happened
  void Transmit(const std::string& frame, const ns3::Ipv4Address& to);
};

struct World {
  const SimOptions& opt;
  const workloads::Workload& workload;
  mesh::Topology topo;
  mesh::RoutingTable routes;
  scheduler::SpanningTree tree;
  scheduler::CoreConfig core_template;
  node::DecodeLimits limits;
  double task_cost_s;
  std::vector<ns3::Ptr<SatelliteApp>> apps;
  std::vector<std::vector<scheduler::Task>> initial;  // per satellite: its share of the work at t = 0
  std::vector<IslLink> links;
  std::vector<scheduler::StealEvent> steals;
  std::uint64_t packets = 0, bytes = 0;
  std::uint64_t dropped_packets = 0;  // lost on a link that was down
  // Injected faults, as the JSON reports them.
  json crashes = json::array();
  std::vector<std::vector<double>> crash_times;  // per satellite: when each of its lives ended
  std::vector<scheduler::RecoveryEvent> recoveries;
  std::uint64_t restarts = 0, flaps = 0, duplicates = 0, corruptions = 0;
  bool crashed_any = false;
  std::vector<scheduler::Rng> crash_rng, flap_rng;
  scheduler::Rng frame_rng;
  std::vector<int> scratch;

  void on_drop(ns3::Ptr<const ns3::Packet>) { ++dropped_packets; }
  bool finished = false;
  double finished_at = 0;
  double last_task_s = 0;  // when the last task anywhere completed

  World(const SimOptions& o, const workloads::Workload& w, mesh::Topology t)
      : opt(o),
        workload(w),
        topo(std::move(t)),
        routes(topo),
        tree(scheduler::SpanningTree::build(topo, 0)),
        frame_rng(fault_stream(o.seed, Stream::frame, 0)) {}

  double now() const { return ns3::Simulator::Now().GetSeconds(); }

  // Applies the topology's current link states to the ns-3 channels.
  void apply_links() {
    apply_link_states(topo, links);
    if (opt.trace) opt.trace->links(topo, now());
  }

  void move() {
    topo.update(now());
    routes.recompute(topo);
    apply_links();
    ns3::Simulator::Schedule(ns3::Seconds(opt.update_interval_s), &World::move, this);
  }

  // Forces `ids` down (or lifts one reason each): a link is down while any reason holds it,
  // so a flap that ends does not bring back the link of a crashed satellite.
  void hold_down(const std::vector<int>& ids, bool down) {
    for (int link : ids) {
      IslLink& l = links[static_cast<std::size_t>(link)];
      l.held_down += down ? 1 : -1;
      topo.force_down(link, l.held_down > 0);
    }
    routes.recompute(topo);
    apply_links();
  }
  void set_forced(int link, bool down) { hold_down({link}, down); }
  std::vector<int> links_of(int s) const {
    std::vector<int> ids;
    for (std::size_t i = 0; i < topo.links().size(); ++i)
      if (topo.links()[i].a == s || topo.links()[i].b == s) ids.push_back(static_cast<int>(i));
    return ids;
  }

  bool stopped() const { return !stopped_because.empty(); }
  void stop(std::string why) {
    if (stopped()) return;
    stopped_because = std::move(why);
    ns3::Simulator::Stop();
  }
  const scheduler::SatelliteCore& core_of(int s) const { return *apps[static_cast<std::size_t>(s)]->core; }
  bool owes_weight_to(int from, int to) {
    scratch.clear();
    core_of(from).weight_in_flight_to(scratch);
    return std::find(scratch.begin(), scratch.end(), to) != scratch.end();
  }

  // Without crash recovery (heartbeat_s = 0, weight throwing): termination weight lost with a
  // crashed satellite keeps the root from ever holding the whole unit, so the run could only end at max_sim_s
  // (or, with a restarted satellite, by luck of its numbering). Where the weight is when `s`
  // crashes decides it now: held there or sent from there and not yet acknowledged (a
  // message lost later could not be resent), sent to it, or held by a tree child, whose
  // weight goes home only through `s`. Anything else may still finish exactly.
  void check_crash(int s) {
    const std::string crashed = "satellite " + std::to_string(s) + " crashed at t = " + mesh::format_number(now()) + " s ";
    const std::string why = ": without crash recovery the run cannot finish exactly";
    scratch.clear();
    core_of(s).weight_in_flight_to(scratch);
    if (core_of(s).holds_weight() || !scratch.empty()) return stop(crashed + "holding termination weight" + why);
    for (int v = 0; v < topo.satellites(); ++v)
      if (v != s && apps[static_cast<std::size_t>(v)]->up && owes_weight_to(v, s))
        return stop(crashed + "while termination weight from satellite " + std::to_string(v) + " was on its way to it" + why);
    for (int c : tree.children[static_cast<std::size_t>(s)])
      if (apps[static_cast<std::size_t>(c)]->up && core_of(c).holds_weight())
        return stop(crashed + "while its tree child " + std::to_string(c) +
                    " held termination weight that can reach the root only through it" + why);
  }

  // After every input at `v` once any satellite has crashed: weight handed to a satellite
  // that crashed is lost even if it restarted, because a restarted core numbers its messages
  // from 1 again and its tree parent takes its weight returns for copies of its first
  // life's. So a restarted satellite may forward frames and ask for work, but the run stops
  // when termination weight is sent to it or it holds some.
  void check_weight(int v) {
    const SatelliteApp& app = *apps[static_cast<std::size_t>(v)];
    const scheduler::SatelliteCore& c = *app.core;
    const std::string why = ": without crash recovery the run cannot finish exactly";
    scratch.clear();
    c.weight_in_flight_to(scratch);
    if (app.restarted_at >= 0 && (c.holds_weight() || !scratch.empty()))
      return stop("satellite " + std::to_string(v) + ", restarted at t = " + mesh::format_number(app.restarted_at) +
                  " s with empty memory, took termination weight at t = " + mesh::format_number(now()) + " s" + why);
    for (int d : scratch) {
      const SatelliteApp& to = *apps[static_cast<std::size_t>(d)];
      if (to.crashed_at >= 0)
        return stop("satellite " + std::to_string(v) + " sent termination weight at t = " + mesh::format_number(now()) +
                    " s to satellite " + std::to_string(d) + ", which crashed at t = " +
                    mesh::format_number(to.crashed_at) + " s" +
                    (to.up ? " (restarted at t = " + mesh::format_number(to.restarted_at) + " s with empty memory)" : "") +
                    why);
    }
  }

  void record_crash(int s, double until) {
    crashed_any = true;
    crash_times[static_cast<std::size_t>(s)].push_back(now());
    crashes.push_back(json{{"satellite", s}, {"at_s", now()}, {"until_s", until < kForever ? json(until) : json(nullptr)}});
  }

  // --crash-rate: satellite `s` crashes after exponential gaps; with a downtime it restarts
  // after it and the next gap starts then, else the first crash is its last.
  void random_crash(int s) {
    if (stopped()) return;
    const RandomFaults& f = opt.faults;
    scheduler::Rng& rng = crash_rng[static_cast<std::size_t>(s)];
    SatelliteApp& app = *apps[static_cast<std::size_t>(s)];
    const bool restarts = f.crash_downtime_s >= 0;
    double next = now();
    if (app.up) {
      app.Crash(restarts ? now() + f.crash_downtime_s : kForever);
      if (!restarts) return;
      next += f.crash_downtime_s;
    }
    schedule_random(next + exponential(rng, f.crash_rate), &World::random_crash, s);
  }
  // --flap-links: link `l` goes down after exponential gaps, each time for flap_downtime_s.
  void flap(int l) {
    if (stopped()) return;
    ++flaps;
    hold_down({l}, true);
    ns3::Simulator::Schedule(ns3::Seconds(opt.faults.flap_downtime_s), &World::flap_ends, this, l);
  }
  void flap_ends(int l) {
    hold_down({l}, false);
    schedule_random(now() + exponential(flap_rng[static_cast<std::size_t>(l)], opt.faults.flap_rate), &World::flap, l);
  }
  void schedule_random(double at, void (World::*event)(int), int index) {
    if (at < opt.max_sim_s) ns3::Simulator::Schedule(ns3::Seconds(at - now()), event, this, index);
  }

  // One byte flipped at random. The wire format has no checksum of its own (an ISL's link
  // layer has one), so a flip in a task's payload or a count can leave another valid message,
  // one a real link would never deliver; such a frame gets its version flipped too, which
  // every decoder refuses. The receiver thus always sees a frame it must drop.
  void corrupt(std::string& frame) {
    ++corruptions;
    const auto at = frame_rng.below(static_cast<std::uint32_t>(frame.size()));
    frame[at] = static_cast<char>(frame[at] ^ static_cast<char>(1 + frame_rng.below(255)));
    if (node::decode(frame, limits)) frame[1] = static_cast<char>(frame[1] ^ 1);  // bytes 0-1: version tag and value
  }

  // Called once the last link that never comes back has gone down. `cut_for_good` are those
  // links; every other candidate link is up now or will be again. If termination weight sits
  // in a part of the constellation the root can no longer reach, or is owed to it, the root
  // can never hold the whole unit again: the run stops now rather than at max_sim_s.
  void check_stranded(const std::vector<bool>& cut_for_good) {
    const int n = topo.satellites();
    std::vector<int> part(static_cast<std::size_t>(n), -1);
    std::vector<std::vector<int>> adjacent(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < topo.links().size(); ++i) {
      if (cut_for_good[i]) continue;
      const mesh::Link& l = topo.links()[i];
      adjacent[static_cast<std::size_t>(l.a)].push_back(l.b);
      adjacent[static_cast<std::size_t>(l.b)].push_back(l.a);
    }
    for (int start = 0, parts = 0; start < n; ++start) {
      if (part[static_cast<std::size_t>(start)] >= 0) continue;
      std::vector<int> stack{start};
      part[static_cast<std::size_t>(start)] = parts;
      while (!stack.empty()) {
        const int v = stack.back();
        stack.pop_back();
        for (int w : adjacent[static_cast<std::size_t>(v)])
          if (part[static_cast<std::size_t>(w)] < 0) {
            part[static_cast<std::size_t>(w)] = parts;
            stack.push_back(w);
          }
      }
      ++parts;
    }
    const int home = part[static_cast<std::size_t>(core_template.root)];
    std::vector<int> stuck, owed;
    for (int v = 0; v < n; ++v) {
      const scheduler::SatelliteCore& c = *apps[static_cast<std::size_t>(v)]->core;
      owed.clear();
      c.weight_in_flight_to(owed);
      const bool away = part[static_cast<std::size_t>(v)] != home;
      bool strands = away && (c.holds_weight() || !owed.empty());
      for (int d : owed) strands = strands || part[static_cast<std::size_t>(d)] != part[static_cast<std::size_t>(v)];
      if (strands) stuck.push_back(v);
    }
    if (stuck.empty()) return;
    std::string who;
    for (std::size_t i = 0; i < stuck.size() && i < 8; ++i) who += (i ? ", " : "") + std::to_string(stuck[i]);
    if (stuck.size() > 8) who += " and " + std::to_string(stuck.size() - 8) + " more";
    stop("work stranded at t = " + mesh::format_number(now()) + " s: satellite" +
         (stuck.size() > 1 ? "s " + who + " hold" : " " + who + " holds") +
         " termination weight that can no longer reach satellite " + std::to_string(core_template.root) +
         " (every path cut by --fail-link with no end)");
  }
  std::string stopped_because;  // why the run stopped early, if it did
};

SatelliteApp::SatelliteApp(World& w, int i) : world(w), id(i) { Boot(w.tree); }

void SatelliteApp::Boot(const scheduler::SpanningTree& tree) {
  pump.reset();
  core.reset();
  pool = std::make_unique<SimulatedPool>(world.workload, world.opt.workers, world.task_cost_s);
  scheduler::CoreConfig c = world.core_template;
  c.self = id;
  c.epoch = static_cast<std::uint64_t>(life) + 1;  // each life is a new incarnation
  core = std::make_unique<scheduler::SatelliteCore>(c, *pool, world.topo, world.routes, tree);
  pump = std::make_unique<scheduler::CorePump>(*core, *this);
}

void SatelliteApp::AfterInput() {
  if (world.crashed_any && !core->recovering()) world.check_weight(id);
}

void SatelliteApp::Crash(double until) {
  if (!up || world.stopped()) return;
  up = false;
  ++life;
  crashed_at = world.now();
  world.record_crash(id, until);
  if (world.opt.trace) world.opt.trace->crash(id, crashed_at, false);
  if (!core->recovering()) world.check_crash(id);  // reads the core it had
  if (timer.IsRunning()) timer.Cancel();
  world.hold_down(world.links_of(id), true);
  if (until < kForever) ns3::Simulator::Schedule(ns3::Seconds(until - world.now()), &SatelliteApp::Restart, this, life);
}

void SatelliteApp::Restart(int crashed_life) {
  if (up || crashed_life != life || world.stopped()) return;
  const double t = world.now();
  up = true;
  restarted_at = t;
  ++world.restarts;
  if (world.opt.trace) world.opt.trace->crash(id, t, true);
  // The crashed life's counters, before its pool and core go (a satellite that stays down
  // keeps them, and the summary reads them there).
  tasks_before += pool->tasks_executed();
  busy_before += pool->busy_s();
  add_core_stats(earlier, core->stats());
  world.hold_down(world.links_of(id), false);
  // Empty memory: no tasks, and no weight. The tree would give the fresh core its start share
  // again, and make it wait for its children's first returns, which went to its first life:
  // the run started long ago, so this core sees a tree without start shares.
  rejoin_tree = std::make_unique<scheduler::SpanningTree>(world.tree.rejoining(id));
  Boot(*rejoin_tree);
  if (id == world.core_template.root) {
    // The ground injects the work again into the root's new life (crash recovery; the work
    // enters at the root): the run starts afresh, and whatever its earlier life gave out is
    // orphaned wherever it comes back.
    const std::vector<scheduler::Task>& share = world.initial[static_cast<std::size_t>(id)];
    core->submit(t, share.data(), share.size());
    StartWorkers();
  }
  core->begin(t);
  pump->after_event(t);
  AfterInput();
}

void SatelliteApp::StartApplication() {
  socket = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
  socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kPort));
  socket->SetRecvCallback(ns3::MakeCallback(&SatelliteApp::Receive, this));
  if (!up) return;  // crashed at t = 0 before it started: a restart begins it
  const double t = world.now();
  const std::vector<scheduler::Task>& share = world.initial[static_cast<std::size_t>(id)];
  if (!share.empty()) core->submit(t, share.data(), share.size());
  StartWorkers();
  core->begin(t);
  pump->after_event(t);
  AfterInput();
}

void SatelliteApp::Receive(ns3::Ptr<ns3::Socket> s) {
  ns3::Address from;
  while (ns3::Ptr<ns3::Packet> p = s->RecvFrom(from)) {
    if (!up) continue;  // a crashed satellite hears nothing
    std::string frame(p->GetSize(), '\0');
    p->CopyData(reinterpret_cast<std::uint8_t*>(frame.data()), p->GetSize());
    auto m = node::decode(frame, world.limits);
    if (!m) {
      ++dropped_frames;
      continue;
    }
    core->handle_message(world.now(), std::move(*m));
    StartWorkers();
  }
  if (!up) return;
  pump->after_event(world.now());
  AfterInput();
}

void SatelliteApp::StartWorkers() {
  while (auto started = pool->start_next()) {
    if (world.opt.trace) world.opt.trace->task_started(id, world.now(), started->cost_s, pool->approx_size());
    ns3::Simulator::Schedule(ns3::Seconds(started->cost_s), &SatelliteApp::OnTaskDone, this, started->worker, life);
  }
}

void SatelliteApp::OnTaskDone(int worker, int scheduled_life) {
  if (!up || scheduled_life != life) return;  // the task died with its satellite
  pool->finish(worker);
  world.last_task_s = world.now();
  if (world.opt.trace) world.opt.trace->task_finished(id, world.now());
  StartWorkers();
  if (pool->idle()) pump->on_pool_idle(world.now());
  else pump->after_event(world.now());
  AfterInput();
}

// ns-3 keeps time in whole nanoseconds, so this may run a fraction of a nanosecond before
// `at`: the pump hands the core `at` itself.
void SatelliteApp::OnTimer(double at, int scheduled_life) {
  if (!up || scheduled_life != life) return;
  pump->on_timer(world.now(), at);
  StartWorkers();  // loot taken back from a satellite taken for dead runs here
  AfterInput();
}

// A frame is one UDP datagram to an ISL neighbour.
void SatelliteApp::send(double, scheduler::Outbound& out) {
  const auto it = neighbor_address.find(out.next_hop);
  if (it == neighbor_address.end()) return;  // cannot happen: next hops are ISL neighbours
  if (world.opt.trace && out.message.src == id)
    world.opt.trace->sent(id, out.message.dst, out.message.kind, static_cast<std::uint32_t>(out.message.tasks.size()),
                          world.now());
  std::string frame = node::encode(out.message);
  // Draws only for the faults asked for, so that a run without them is the run it was.
  const RandomFaults& f = world.opt.faults;
  if (f.corrupt > 0 && world.frame_rng.unit() < f.corrupt) world.corrupt(frame);
  Transmit(frame, it->second);
  if (f.duplicate > 0 && world.frame_rng.unit() < f.duplicate) {
    ++world.duplicates;
    Transmit(frame, it->second);
  }
}

void SatelliteApp::Transmit(const std::string& frame, const ns3::Ipv4Address& to) {
  ns3::Ptr<ns3::Packet> p = ns3::Create<ns3::Packet>(reinterpret_cast<const std::uint8_t*>(frame.data()),
                                                     static_cast<std::uint32_t>(frame.size()));
  socket->SendTo(p, 0, ns3::InetSocketAddress(to, kPort));
  ++world.packets;
  world.bytes += frame.size();
}

void SatelliteApp::record(const scheduler::StealEvent& event) {
  world.steals.push_back(event);
  if (world.opt.trace) world.opt.trace->steal(event);
}

void SatelliteApp::recovered(const scheduler::RecoveryEvent& event) { world.recoveries.push_back(event); }

void SatelliteApp::arm_timer(double now, double at) {
  if (timer.IsRunning()) timer.Cancel();  // fewer events than letting it fire for nothing
  timer = ns3::Simulator::Schedule(ns3::Seconds(std::max(0.0, at - now)), &SatelliteApp::OnTimer, this, at, life);
}

void SatelliteApp::finished(double now) {
  if (id != world.core_template.root || world.finished) return;
  world.finished = true;
  world.finished_at = now;
  ns3::Simulator::Stop();
}

// Decides each satellite's share of the work at t = 0. Spread placement splits the job on the
// ground before the uplink: the injection satellite's pool runs tasks (in no virtual time,
// their results counted there) until there are a few pieces per region satellite, then the
// pieces, oldest (largest) first, are dealt round-robin over the region.
void place_work(World& world, const SimOptions& o) {
  const int n = world.topo.satellites();
  world.initial.assign(static_cast<std::size_t>(n), {});
  auto& at_inject = world.initial[static_cast<std::size_t>(o.inject_at)];
  if (o.spread_hops <= 0) {
    at_inject = world.workload.roots;
    return;
  }
  std::vector<int> region;
  for (int v = 0; v < n; ++v)
    if (world.routes.hops(o.inject_at, v) >= 0 && world.routes.hops(o.inject_at, v) <= o.spread_hops) region.push_back(v);
  SimulatedPool& ground = *world.apps[static_cast<std::size_t>(o.inject_at)]->pool;
  ground.push(world.workload.roots.data(), world.workload.roots.size());
  const std::size_t want = 4 * region.size();
  std::vector<scheduler::Task> oldest;
  while (ground.approx_size() > 0 && ground.approx_size() < want) {
    // Expand breadth-first: the oldest task is the largest piece.
    oldest.clear();
    ground.take_oldest(1, oldest);
    ground.push(oldest.data(), 1);
    ground.run_newest_now();
  }
  oldest.clear();
  ground.take_oldest(ground.approx_size(), oldest);
  for (std::size_t i = 0; i < oldest.size(); ++i)
    world.initial[static_cast<std::size_t>(region[i % region.size()])].push_back(oldest[i]);
}

json distribution(std::vector<double> v);

// Crash recovery in figures: how much loot was run again, and how long after its receiver's
// crash (the detection time plus the wait for the giver's next heartbeat tick).
json recovery_summary(const World& world, const scheduler::CoreConfig& core) {
  if (!core.recovering()) return nullptr;
  std::vector<double> after_crash;
  std::uint64_t loots = 0, tasks = 0, restarted = 0, silent_alive = 0;
  for (const scheduler::RecoveryEvent& e : world.recoveries) {
    ++loots;
    tasks += e.tasks;
    restarted += e.restarted;
    const auto& ended = world.crash_times[static_cast<std::size_t>(e.receiver)];
    // Life `epoch` ended at the epoch-th crash; a receiver whose life had not ended was alive.
    if (e.receiver_epoch >= 1 && e.receiver_epoch <= ended.size())
      after_crash.push_back(e.at_s - ended[static_cast<std::size_t>(e.receiver_epoch - 1)]);
    else
      ++silent_alive;
  }
  return json{{"heartbeat_s", core.heartbeat_s},
              {"suspect_s", core.suspect_s},
              {"loots_restored", loots},
              {"tasks_restored", tasks},
              {"by_restart", restarted},
              {"receiver_alive", silent_alive},
              {"after_crash_s", distribution(after_crash)}};
}

json distribution(std::vector<double> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  auto q = [&](double f) { return scheduler::quantile(v, f); };
  return json{{"min", v.front()}, {"p10", q(0.10)}, {"p50", q(0.50)}, {"p90", q(0.90)}, {"p99", q(0.99)}, {"max", v.back()}};
}

}  // namespace

mesh::Result<RunSummary> run_sim(const SimOptions& o, const workloads::Workload& workload) {
  auto topo = mesh::build_topology(o.topology, o.links);
  if (!topo) return topo.error();
  if (o.workers < 1) return mesh::fail("--workers", "must be at least 1");
  if (o.inject_at < 0 || o.inject_at >= topo->satellites())
    return mesh::fail("--inject-at", "no satellite " + std::to_string(o.inject_at));
  if (!(o.update_interval_s > 0)) return mesh::fail("--update-interval", "must be positive");
  auto core = scheduler::make_core_config(core_settings(o));
  if (!core) return core.error();
  // A frame must fit one datagram; the core's default batch would not.
  core->max_batch = std::min(core->max_batch, kMaxBatchInDatagram);
  for (const LinkFailure& f : o.failures)
    if (!topo->link_between(f.a, f.b)) return mesh::fail("--fail-link", "no ISL between " + std::to_string(f.a) + " and " + std::to_string(f.b));
  // Without recovery the root's weight and result, and the injected work, have no second home.
  if (core->recovering() && o.spread_hops > 0)
    return mesh::fail("--spread", "cannot be used with crash recovery (--heartbeat): the work must enter at the root");
  if (core->recovering() && o.inject_at != core->root)
    return mesh::fail("--inject-at", "must be the root (" + std::to_string(core->root) + ") with crash recovery (--heartbeat)");
  for (const SatelliteFailure& f : o.crashes) {
    if (f.satellite < 0 || f.satellite >= topo->satellites())
      return mesh::fail("--fail-sat", "no satellite " + std::to_string(f.satellite) + " in " + topo->spec().name);
    // With crash recovery the root may restart: the ground injects the work again. Never
    // for good: it holds the result and detects the end.
    const bool restarts = f.until_s < 1e299;
    if (f.satellite == core->root && !(core->recovering() && restarts))
      return mesh::fail("--fail-sat", "satellite " + std::to_string(f.satellite) + " is the root (it detects termination " +
                                          "and holds the result): it can fail only with crash recovery (--heartbeat) " +
                                          "and a restart (S@FROM-UNTIL), which injects the work again");
    if (f.satellite == o.inject_at && f.satellite != core->root)
      return mesh::fail("--fail-sat", "satellite " + std::to_string(f.satellite) +
                                          " receives the work (--inject-at) and cannot fail");
  }

  const auto wall0 = std::chrono::steady_clock::now();
  // Address allocation is process-global in ns-3: start each run from a clean slate.
  ns3::Ipv4AddressGenerator::Reset();
  World world(o, workload, std::move(*topo));
  world.task_cost_s = o.task_cost_s >= 0 ? o.task_cost_s : workload.unit_cost_s;
  world.core_template = *core;
  world.limits.satellites = world.topo.satellites();
  world.limits.registry = &workload.registry;
  world.crash_times.resize(static_cast<std::size_t>(world.topo.satellites()));

  // Nodes, one point-to-point link per candidate ISL with its own /30 subnet.
  const int n = world.topo.satellites();
  ns3::NodeContainer nodes;
  nodes.Create(static_cast<std::uint32_t>(n));
  ns3::InternetStackHelper internet;
  internet.Install(nodes);
  ns3::Ipv4AddressHelper addresses;
  addresses.SetBase("10.0.0.0", "255.255.255.252");
  for (int s = 0; s < n; ++s) world.apps.push_back(ns3::Create<SatelliteApp>(world, s));
  // MTU 65535: a frame is one datagram, unfragmented.
  world.links = install_isl_links(world.topo, nodes, 65535);
  for (std::size_t i = 0; i < world.links.size(); ++i) {
    const mesh::Link& l = world.topo.links()[i];
    IslLink& link = world.links[i];
    ns3::NetDeviceContainer devices;
    devices.Add(link.end_a);
    devices.Add(link.end_b);
    ns3::Ipv4InterfaceContainer ifaces = addresses.Assign(devices);
    addresses.NewNetwork();
    world.apps[static_cast<std::size_t>(l.a)]->neighbor_address[l.b] = ifaces.GetAddress(1);
    world.apps[static_cast<std::size_t>(l.b)]->neighbor_address[l.a] = ifaces.GetAddress(0);
    for (auto end : {link.end_a, link.end_b})
      end->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeCallback(&World::on_drop, &world));
  }
  place_work(world, o);
  for (int s = 0; s < n; ++s) {
    nodes.Get(static_cast<std::uint32_t>(s))->AddApplication(world.apps[static_cast<std::size_t>(s)]);
    world.apps[static_cast<std::size_t>(s)]->SetStartTime(ns3::Seconds(0));
  }
  if (world.topo.moves()) ns3::Simulator::Schedule(ns3::Seconds(o.update_interval_s), &World::move, &world);
  std::vector<bool> cut_for_good(world.topo.links().size(), false);
  double last_cut_s = -1;
  for (const LinkFailure& f : o.failures) {
    const int link = *world.topo.link_between(f.a, f.b);
    ns3::Simulator::Schedule(ns3::Seconds(f.from_s), &World::set_forced, &world, link, true);
    if (f.until_s < 1e299) {
      ns3::Simulator::Schedule(ns3::Seconds(f.until_s), &World::set_forced, &world, link, false);
    } else {
      cut_for_good[static_cast<std::size_t>(link)] = true;
      last_cut_s = std::max(last_cut_s, f.from_s);
    }
  }
  for (const SatelliteFailure& f : o.crashes)
    ns3::Simulator::Schedule(ns3::Seconds(f.from_s), &SatelliteApp::Crash, world.apps[static_cast<std::size_t>(f.satellite)],
                             f.until_s);
  if (o.faults.crash_rate > 0) {
    for (int s = 0; s < n; ++s) {
      world.crash_rng.push_back(fault_stream(o.seed, Stream::crash, static_cast<std::size_t>(s)));
      if (s == core->root || s == o.inject_at) continue;  // never the root or the ground contact
      world.schedule_random(exponential(world.crash_rng.back(), o.faults.crash_rate), &World::random_crash, s);
    }
  }
  if (o.faults.flap_rate > 0) {
    for (std::size_t l = 0; l < world.links.size(); ++l) {
      world.flap_rng.push_back(fault_stream(o.seed, Stream::flap, l));
      world.schedule_random(exponential(world.flap_rng.back(), o.faults.flap_rate), &World::flap, static_cast<int>(l));
    }
  }
  // Scheduled after the failures, so at the same instant it runs once they have.
  // (With recovery, loot cut off is run again by its giver instead.)
  if (last_cut_s >= 0 && !core->recovering()) ns3::Simulator::Schedule(ns3::Seconds(last_cut_s), &World::check_stranded, &world, cut_for_good);
  const auto setup_done = std::chrono::steady_clock::now();
  ns3::Simulator::Stop(ns3::Seconds(o.max_sim_s));
  ns3::Simulator::Run();
  const auto wall1 = std::chrono::steady_clock::now();
  const std::uint64_t events = ns3::Simulator::GetEventCount();
  const double sim_time = ns3::Simulator::Now().GetSeconds();

  RunSummary s;
  s.mode = "sim";
  s.policy = core->policy.to_string();
  s.core = *core;
  s.topology = world.topo.spec().name;
  s.links = world.topo.link_model().to_string();
  s.satellites = n;
  s.workers_per_satellite = o.workers;
  s.workload = &workload;
  s.finished = world.finished;
  if (!s.finished)
    s.failure = world.stopped() ? world.stopped_because
                                        : "not finished after " + mesh::format_number(o.max_sim_s) + " simulated seconds";
  s.result = world.apps[0]->core->result();
  s.makespan_s = world.finished_at;
  if (o.trace && s.finished) o.trace->finished(world.last_task_s, s.makespan_s);
  std::vector<double> latencies, hops;
  for (const auto& e : world.steals) {
    if (e.timed_out) continue;
    latencies.push_back(e.latency_s);
    hops.push_back(e.hops);
  }
  for (int i = 0; i < n; ++i) {
    const SatelliteApp& app = *world.apps[static_cast<std::size_t>(i)];
    const scheduler::CoreStats& cs = app.core->stats();
    SatelliteSummary ss = app.earlier;  // every life's counters
    ss.satellite = i;
    ss.tasks_executed = app.tasks_before + app.pool->tasks_executed();
    add_core_stats(ss, cs);
    ss.dropped += app.dropped_frames;
    ss.extra = json{{"utilisation", s.makespan_s > 0 ? (app.busy_before + app.pool->busy_s()) / (o.workers * s.makespan_s) : 0.0},
                    {"loot_retransmits", cs.loot_retransmits},
                    {"loot_pushes", cs.loot_pushes}};
    if (core->recovering())  // this life's: what recovery cost where
      ss.extra["recovery"] = json{{"declared_dead", cs.recovery.declared_dead},
                                  {"revived", cs.recovery.revived},
                                  {"refused", cs.recovery.refused},
                                  {"accounts_full", cs.capped.accounts_full},
                                  {"given_full", cs.capped.given_full},
                                  {"account_returns", cs.recovery.account_returns},
                                  {"dropped", cs.recovery.dropped}};
    s.per_satellite.push_back(ss);
  }
  const double wall = std::chrono::duration<double>(wall1 - wall0).count();
  // How long the root took to learn the end after the last task anywhere (termination).
  s.extra = json{{"task_cost_s", world.task_cost_s},
                 {"last_task_s", world.last_task_s},
                 {"termination_s", s.finished ? s.makespan_s - world.last_task_s : 0.0},
                 {"steal_latency_s", distribution(latencies)},
                 {"steal_hops", distribution(hops)},
                 {"ns3", {{"events", events},
                          {"packets", world.packets},
                          {"dropped_packets", world.dropped_packets},
                          {"bytes", world.bytes},
                          {"simulated_s", sim_time},
                          {"setup_wall_s", std::chrono::duration<double>(setup_done - wall0).count()},
                          {"wall_s", wall},
                          {"events_per_wall_s", wall > 0 ? static_cast<double>(events) / wall : 0.0}}},
                 {"faults", {{"crashes", world.crashes},
                             {"restarts", world.restarts},
                             {"link_failures", o.failures.size()},
                             {"flaps", world.flaps},
                             {"duplicates", world.duplicates},
                             {"corruptions", world.corruptions},
                             {"recovery", recovery_summary(world, *core)}}}};
  ns3::Simulator::Destroy();
  return s;
}

}  // namespace leomesh::emulator
