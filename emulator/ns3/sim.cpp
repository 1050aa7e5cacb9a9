// The ns-3 driver. ns-3 style (CamelCase calls) stays inside this file.
#include "leomesh/emulator/sim.hpp"

#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/scheduler/pump.hpp"
#include "leomesh/scheduler/quantile.hpp"

namespace leomesh::emulator {
namespace {

using nlohmann::json;
constexpr std::uint16_t kPort = 9;
// A frame must fit one UDP datagram (65,507 bytes); tasks take at most 31 bytes on the wire.
constexpr std::size_t kMaxBatchInDatagram = 2000;

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
  void OnTaskDone(int worker);
  void OnTimer(double at);

  // scheduler::PumpHost
  void send(double now, scheduler::Outbound& out) override;
  void record(const scheduler::StealEvent& event) override;
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
};

struct LinkParts {
  ns3::Ptr<ns3::PointToPointChannel> channel;
  ns3::Ptr<ns3::RateErrorModel> drop_a, drop_b;  // enabled while the link is down
  bool down = false;
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
  std::vector<LinkParts> links;
  std::vector<scheduler::StealEvent> steals;
  std::uint64_t packets = 0, bytes = 0;
  std::uint64_t dropped_packets = 0;  // lost on a link that was down

  void on_drop(ns3::Ptr<const ns3::Packet>) { ++dropped_packets; }
  bool finished = false;
  double finished_at = 0;
  double last_task_s = 0;  // when the last task anywhere completed

  World(const SimOptions& o, const workloads::Workload& w, mesh::Topology t)
      : opt(o), workload(w), topo(std::move(t)), routes(topo), tree(scheduler::SpanningTree::build(topo, 0)) {}

  double now() const { return ns3::Simulator::Now().GetSeconds(); }

  // Applies the topology's current link states to the ns-3 channels.
  void apply_links() {
    for (std::size_t i = 0; i < links.size(); ++i) {
      const mesh::LinkState& s = topo.state(static_cast<int>(i));
      links[i].channel->SetAttribute("Delay", ns3::TimeValue(ns3::Seconds(s.latency_s)));
      const bool down = !s.active;
      if (down != links[i].down) {
        links[i].down = down;
        if (down) {
          links[i].drop_a->Enable();
          links[i].drop_b->Enable();
        } else {
          links[i].drop_a->Disable();
          links[i].drop_b->Disable();
        }
      }
    }
  }

  void move() {
    topo.update(now());
    routes.recompute(topo);
    apply_links();
    ns3::Simulator::Schedule(ns3::Seconds(opt.update_interval_s), &World::move, this);
  }

  void set_forced(int link, bool down) {
    topo.force_down(link, down);
    routes.recompute(topo);
    apply_links();
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
    stranded = "work stranded at t = " + mesh::format_number(now()) + " s: satellite" +
               (stuck.size() > 1 ? "s " + who + " hold" : " " + who + " holds") +
               " termination weight that can no longer reach satellite " +
               std::to_string(core_template.root) + " (every path cut by --fail-link with no end)";
    ns3::Simulator::Stop();
  }
  std::string stranded;  // why the run stopped early, if it did
};

SatelliteApp::SatelliteApp(World& w, int i) : world(w), id(i) {
  pool = std::make_unique<SimulatedPool>(w.workload, w.opt.workers, w.task_cost_s);
  scheduler::CoreConfig c = w.core_template;
  c.self = i;
  core = std::make_unique<scheduler::SatelliteCore>(c, *pool, w.topo, w.routes, w.tree);
  pump = std::make_unique<scheduler::CorePump>(*core, *this);
}

void SatelliteApp::StartApplication() {
  socket = ns3::Socket::CreateSocket(GetNode(), ns3::UdpSocketFactory::GetTypeId());
  socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kPort));
  socket->SetRecvCallback(ns3::MakeCallback(&SatelliteApp::Receive, this));
  const double t = world.now();
  const std::vector<scheduler::Task>& share = world.initial[static_cast<std::size_t>(id)];
  if (!share.empty()) core->submit(t, share.data(), share.size());
  StartWorkers();
  core->begin(t);
  pump->after_event(t);
}

void SatelliteApp::Receive(ns3::Ptr<ns3::Socket> s) {
  ns3::Address from;
  while (ns3::Ptr<ns3::Packet> p = s->RecvFrom(from)) {
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
  pump->after_event(world.now());
}

void SatelliteApp::StartWorkers() {
  while (auto started = pool->start_next())
    ns3::Simulator::Schedule(ns3::Seconds(started->cost_s), &SatelliteApp::OnTaskDone, this, started->worker);
}

void SatelliteApp::OnTaskDone(int worker) {
  pool->finish(worker);
  world.last_task_s = world.now();
  StartWorkers();
  if (pool->idle()) pump->on_pool_idle(world.now());
  else pump->after_event(world.now());
}

// ns-3 keeps time in whole nanoseconds, so this may run a fraction of a nanosecond before
// `at`: the pump hands the core `at` itself.
void SatelliteApp::OnTimer(double at) { pump->on_timer(world.now(), at); }

// A frame is one UDP datagram to an ISL neighbour.
void SatelliteApp::send(double, scheduler::Outbound& out) {
  const auto it = neighbor_address.find(out.next_hop);
  if (it == neighbor_address.end()) return;  // cannot happen: next hops are ISL neighbours
  const std::string frame = node::encode(out.message);
  ns3::Ptr<ns3::Packet> p = ns3::Create<ns3::Packet>(reinterpret_cast<const std::uint8_t*>(frame.data()),
                                                     static_cast<std::uint32_t>(frame.size()));
  socket->SendTo(p, 0, ns3::InetSocketAddress(it->second, kPort));
  ++world.packets;
  world.bytes += frame.size();
}

void SatelliteApp::record(const scheduler::StealEvent& event) { world.steals.push_back(event); }

void SatelliteApp::arm_timer(double now, double at) {
  if (timer.IsRunning()) timer.Cancel();  // fewer events than letting it fire for nothing
  timer = ns3::Simulator::Schedule(ns3::Seconds(std::max(0.0, at - now)), &SatelliteApp::OnTimer, this, at);
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

  const auto wall0 = std::chrono::steady_clock::now();
  // Address allocation is process-global in ns-3: start each run from a clean slate.
  ns3::Ipv4AddressGenerator::Reset();
  World world(o, workload, std::move(*topo));
  world.task_cost_s = o.task_cost_s >= 0 ? o.task_cost_s : workload.unit_cost_s;
  world.core_template = *core;
  world.limits.satellites = world.topo.satellites();
  world.limits.registry = &workload.registry;

  // Nodes, one point-to-point link per candidate ISL with its own /30 subnet.
  const int n = world.topo.satellites();
  ns3::NodeContainer nodes;
  nodes.Create(static_cast<std::uint32_t>(n));
  ns3::InternetStackHelper internet;
  internet.Install(nodes);
  ns3::PointToPointHelper p2p;
  p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(static_cast<std::uint64_t>(world.topo.link_model().data_rate_bps))));
  p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(65535));  // a frame is one datagram, unfragmented
  ns3::Ipv4AddressHelper addresses;
  addresses.SetBase("10.0.0.0", "255.255.255.252");
  for (int s = 0; s < n; ++s) world.apps.push_back(ns3::Create<SatelliteApp>(world, s));
  for (const mesh::Link& l : world.topo.links()) {
    ns3::NetDeviceContainer devices = p2p.Install(nodes.Get(static_cast<std::uint32_t>(l.a)), nodes.Get(static_cast<std::uint32_t>(l.b)));
    ns3::Ipv4InterfaceContainer ifaces = addresses.Assign(devices);
    addresses.NewNetwork();
    world.apps[static_cast<std::size_t>(l.a)]->neighbor_address[l.b] = ifaces.GetAddress(1);
    world.apps[static_cast<std::size_t>(l.b)]->neighbor_address[l.a] = ifaces.GetAddress(0);
    LinkParts parts;
    parts.channel = ns3::DynamicCast<ns3::PointToPointChannel>(devices.Get(0)->GetChannel());
    parts.drop_a = ns3::CreateObject<ns3::RateErrorModel>();
    parts.drop_b = ns3::CreateObject<ns3::RateErrorModel>();
    for (auto& em : {parts.drop_a, parts.drop_b}) {
      em->SetUnit(ns3::RateErrorModel::ERROR_UNIT_PACKET);
      em->SetRate(1.0);
      em->Disable();
    }
    ns3::DynamicCast<ns3::PointToPointNetDevice>(devices.Get(0))->SetReceiveErrorModel(parts.drop_a);
    ns3::DynamicCast<ns3::PointToPointNetDevice>(devices.Get(1))->SetReceiveErrorModel(parts.drop_b);
    for (std::uint32_t d = 0; d < 2; ++d)
      devices.Get(d)->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeCallback(&World::on_drop, &world));
    world.links.push_back(parts);
  }
  world.apply_links();
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
  // Scheduled after the failures, so at the same instant it runs once they have.
  if (last_cut_s >= 0) ns3::Simulator::Schedule(ns3::Seconds(last_cut_s), &World::check_stranded, &world, cut_for_good);
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
    s.failure = !world.stranded.empty() ? world.stranded
                                        : "not finished after " + mesh::format_number(o.max_sim_s) + " simulated seconds";
  s.result = world.apps[0]->core->result();
  s.makespan_s = world.finished_at;
  std::vector<double> latencies, hops;
  for (const auto& e : world.steals) {
    if (e.timed_out) continue;
    latencies.push_back(e.latency_s);
    hops.push_back(e.hops);
  }
  for (int i = 0; i < n; ++i) {
    const SatelliteApp& app = *world.apps[static_cast<std::size_t>(i)];
    const scheduler::CoreStats& cs = app.core->stats();
    SatelliteSummary ss;
    ss.satellite = i;
    ss.tasks_executed = app.pool->tasks_executed();
    ss.attempts = cs.steal_attempts;
    ss.successes = cs.steal_successes;
    ss.empty = cs.steal_empty;
    ss.timeouts = cs.steal_timeouts;
    ss.latency_sum_s = cs.attempt_latency_sum_s;
    ss.hops_sum = cs.attempt_hops_sum;
    ss.tasks_received = cs.tasks_received;
    ss.tasks_given = cs.tasks_given;
    ss.forwarded = cs.forwarded;
    ss.dropped = cs.unroutable + app.dropped_frames;
    ss.extra = json{{"utilisation", s.makespan_s > 0 ? app.pool->busy_s() / (o.workers * s.makespan_s) : 0.0},
                    {"loot_retransmits", cs.loot_retransmits},
                    {"loot_pushes", cs.loot_pushes}};
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
                          {"events_per_wall_s", wall > 0 ? static_cast<double>(events) / wall : 0.0}}}};
  ns3::Simulator::Destroy();
  return s;
}

}  // namespace leomesh::emulator
