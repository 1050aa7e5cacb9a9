// The ISL network in real time. Each satellite is one ns-3 node; for every ISL it has an
// FdNetDevice on the tap in the satellite's namespace and the point-to-point device of
// that ISL (isl_links.hpp, as in sim mode). A frame the satellite's kernel sends on the tap
// goes onto the channel, waits the ISL's current latency there, and comes out of the tap at
// the other end: the kernel there sees its neighbour's MAC as the sender.
#include <signal.h>
#include <unistd.h>

#include <ns3/core-module.h>
#include <ns3/fd-net-device-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "../ns3/isl_links.hpp"
#include "isl_network.hpp"
#include "leomesh/mesh/spec.hpp"

namespace leomesh::emulator {
namespace {

volatile sig_atomic_t g_stop = 0;
extern "C" void on_stop(int) { g_stop = 1; }

constexpr std::uint16_t kIpv4 = 0x0800;

struct Network {
  mesh::Topology topo;
  IslNetworkOptions opt;
  std::vector<IslLink> links;
  // Per link, the FdNetDevice at each end (index 0: link.a's).
  std::vector<std::array<ns3::Ptr<ns3::FdNetDevice>, 2>> taps;
  std::vector<std::array<ns3::Mac48Address, 2>> kernel_mac;  // what each end's kernel answers to
  std::uint64_t carried = 0, lost_down = 0, not_ipv4 = 0;
  std::vector<double> lag_s;  // sampled delay of the scheduler against the wall clock
  std::chrono::steady_clock::time_point wall0;
  int report_fd = -1;

  explicit Network(mesh::Topology t, IslNetworkOptions o) : topo(std::move(t)), opt(std::move(o)) {}

  double emulated_now() const {
    const double unix_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    return (unix_s - opt.epoch_unix_s) * (opt.time_scale > 0 ? opt.time_scale : 1.0);
  }

  // Geometry: the same emulated clock the agents read, so both see a link come and go at once.
  void move() {
    topo.update(emulated_now());
    apply_link_states(topo, links);
    ns3::Simulator::Schedule(ns3::Seconds(opt.update_interval_s / std::max(opt.time_scale, 1e-9)), &Network::move, this);
  }

  // Every 5 ms: how late this event runs against the wall clock; and whether to stop.
  void probe() {
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    if (lag_s.size() < 200000) lag_s.push_back(std::max(0.0, wall - ns3::Simulator::Now().GetSeconds()));
    if (g_stop) {
      ns3::Simulator::Stop();
      return;
    }
    ns3::Simulator::Schedule(ns3::MilliSeconds(5), &Network::probe, this);
  }

  // From a satellite's kernel (its tap) onto the ISL.
  void from_tap(int link, int end, ns3::Ptr<const ns3::Packet> p, std::uint16_t protocol) {
    if (protocol != kIpv4) {
      ++not_ipv4;
      return;
    }
    const IslLink& l = links[static_cast<std::size_t>(link)];
    ns3::Ptr<ns3::PointToPointNetDevice> out = end == 0 ? l.end_a : l.end_b;
    out->Send(p->Copy(), out->GetBroadcast(), kIpv4);
  }

  // Off the ISL into the other satellite's kernel, from the sender's MAC to the receiver's.
  void from_channel(int link, int end, ns3::Ptr<const ns3::Packet> p) {
    ++carried;
    taps[static_cast<std::size_t>(link)][static_cast<std::size_t>(end)]->Send(
        p->Copy(), kernel_mac[static_cast<std::size_t>(link)][static_cast<std::size_t>(end)], kIpv4);
  }

  void on_lost(ns3::Ptr<const ns3::Packet>) { ++lost_down; }
  void ready() const { write_line({{"event", "ready"}}); }

  void write_line(const nlohmann::json& j) const {
    const std::string line = j.dump() + "\n";
    for (std::size_t at = 0; at < line.size();) {
      const ssize_t n = ::write(report_fd, line.data() + at, line.size() - at);
      if (n <= 0) return;
      at += static_cast<std::size_t>(n);
    }
  }
};

// Protocol handlers; `end_key` is link * 2 + end (0: link.a's, 1: link.b's).
void frame_from_tap(Network* net, int end_key, ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> p,
                    std::uint16_t protocol, const ns3::Address&, const ns3::Address&, ns3::NetDevice::PacketType) {
  net->from_tap(end_key / 2, end_key % 2, p, protocol);
}
void frame_from_channel(Network* net, int end_key, ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> p,
                        std::uint16_t, const ns3::Address&, const ns3::Address&, ns3::NetDevice::PacketType) {
  net->from_channel(end_key / 2, end_key % 2, p);
}

ns3::Mac48Address to_ns3(const NetNamespace::Mac& m) {
  ns3::Mac48Address a;
  a.CopyFrom(m.data());
  return a;
}

}  // namespace

int run_isl_network(const IslNetworkOptions& o, const std::vector<IslTap>& taps, int report_fd) {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGINT, SIG_IGN);  // the launcher stops this process; Ctrl-C reaches the launcher
  signal(SIGHUP, SIG_IGN);

  auto topo = mesh::build_topology(o.topology, o.links);
  if (!topo) {
    std::fprintf(stderr, "isl network: %s\n", topo.error().reason.c_str());
    return 2;
  }
  ns3::GlobalValue::Bind("SimulatorImplementationType", ns3::StringValue("ns3::RealtimeSimulatorImpl"));
  ns3::GlobalValue::Bind("ChecksumEnabled", ns3::BooleanValue(true));
  Network net(std::move(*topo), o);
  net.report_fd = report_fd;
  net.topo.update(net.emulated_now());
  const int n = net.topo.satellites();
  ns3::NodeContainer nodes;
  nodes.Create(static_cast<std::uint32_t>(n));
  net.links = install_isl_links(net.topo, nodes, 1500);
  const std::size_t links = net.links.size();
  net.taps.resize(links);
  net.kernel_mac.resize(links);
  ns3::FdNetDeviceHelper fd_helper;
  for (const IslTap& t : taps) {
    const mesh::Link& l = net.topo.links()[static_cast<std::size_t>(t.link)];
    const int end = t.end_b ? 1 : 0;
    const int sat = t.end_b ? l.b : l.a;
    ns3::Ptr<ns3::Node> node = nodes.Get(static_cast<std::uint32_t>(sat));
    auto dev = ns3::DynamicCast<ns3::FdNetDevice>(fd_helper.Install(node).Get(0));
    dev->SetAddress(to_ns3(t.peer_mac));  // it stands for the neighbour on this ISL
    dev->SetFileDescriptor(t.fd);
    net.taps[static_cast<std::size_t>(t.link)][static_cast<std::size_t>(end)] = dev;
    // Promiscuous: the frames are addressed to the neighbour, which this device stands for.
    node->RegisterProtocolHandler(ns3::MakeBoundCallback(&frame_from_tap, &net, t.link * 2 + end), 0, dev, true);
  }
  // Each end's kernel MAC is the MAC its peer's ns-3 device answers to.
  for (const IslTap& t : taps) {
    const int other = t.end_b ? 0 : 1;
    net.kernel_mac[static_cast<std::size_t>(t.link)][static_cast<std::size_t>(other)] = to_ns3(t.peer_mac);
  }
  for (std::size_t i = 0; i < links; ++i) {
    const mesh::Link& l = net.topo.links()[i];
    IslLink& link = net.links[i];
    if (!net.taps[i][0] || !net.taps[i][1]) continue;  // not a link this run carries
    for (int end = 0; end < 2; ++end) {
      ns3::Ptr<ns3::PointToPointNetDevice> dev = end == 0 ? link.end_a : link.end_b;
      const int sat = end == 0 ? l.a : l.b;
      nodes.Get(static_cast<std::uint32_t>(sat))
          ->RegisterProtocolHandler(ns3::MakeBoundCallback(&frame_from_channel, &net, static_cast<int>(i) * 2 + end),
                                    kIpv4, dev, false);
      dev->TraceConnectWithoutContext("PhyRxDrop", ns3::MakeCallback(&Network::on_lost, &net));
    }
  }
  net.wall0 = std::chrono::steady_clock::now();
  // Ready once every device has started its reader (they start at time 0).
  ns3::Simulator::Schedule(ns3::MilliSeconds(10), &Network::ready, &net);
  ns3::Simulator::Schedule(ns3::MilliSeconds(5), &Network::probe, &net);
  if (net.topo.moves())
    ns3::Simulator::Schedule(ns3::Seconds(o.update_interval_s / std::max(o.time_scale, 1e-9)), &Network::move, &net);
  ns3::Simulator::Run();
  std::sort(net.lag_s.begin(), net.lag_s.end());
  auto quantile = [&](double q) {
    if (net.lag_s.empty()) return 0.0;
    return net.lag_s[std::min(net.lag_s.size() - 1, static_cast<std::size_t>(q * static_cast<double>(net.lag_s.size())))];
  };
  net.write_line({{"event", "stats"},
                  {"frames_carried", net.carried},
                  {"frames_lost_link_down", net.lost_down},
                  {"frames_not_ipv4", net.not_ipv4},
                  {"lag_samples", net.lag_s.size()},
                  {"lag_p50_s", quantile(0.5)},
                  {"lag_p99_s", quantile(0.99)},
                  {"lag_max_s", net.lag_s.empty() ? 0.0 : net.lag_s.back()},
                  {"wall_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - net.wall0).count()}});
  ns3::Simulator::Destroy();
  return 0;
}

}  // namespace leomesh::emulator
