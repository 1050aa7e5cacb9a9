// Container emulation: namespaces and taps (netns.hpp), the ISL network in ns-3 (a child
// process, isl_realtime.cpp), then the live launcher with each agent in its namespace.
#include "leomesh/emulator/container.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>

#include "isl_network.hpp"
#include "leomesh/mesh/spec.hpp"

namespace leomesh::emulator {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string ipv4(std::uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." + std::to_string((a >> 8) & 255) + "." +
         std::to_string(a & 255);
}
constexpr std::uint32_t kSatelliteBase = (10u << 24);             // 10.0.0.0/16
constexpr std::uint32_t kLinkBase = (10u << 24) | (128u << 16);   // 10.128.0.0/9
constexpr int kMaxLinks = 1 << 21;                                // /30s in 10.128.0.0/9
constexpr int kProbePort = 7;                                     // echo

// The ISL network's process: started with the taps, stopped with SIGTERM, and it tells
// what it measured on a pipe. It dies with the launcher (PR_SET_PDEATHSIG).
class IslProcess {
 public:
  IslProcess(const IslNetworkOptions& o, const std::vector<IslTap>& taps) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      // Ahead of the agents for the CPU: a frame waiting for it would add to every ISL's delay.
      setpriority(PRIO_PROCESS, 0, -10);
      ::close(out[0]);
      _exit(run_isl_network(o, taps, out[1]));
    }
    ::close(out[1]);
    from_ = out[0];
  }
  ~IslProcess() { stop(); }
  IslProcess(const IslProcess&) = delete;
  IslProcess& operator=(const IslProcess&) = delete;

  // Waits up to `timeout_s` for the line {"event": `event`}; null if it does not come.
  json wait_for(const std::string& event, double timeout_s) {
    const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
    while (true) {
      for (auto nl = buffer_.find('\n'); nl != std::string::npos; nl = buffer_.find('\n')) {
        json j = json::parse(buffer_.substr(0, nl), nullptr, false);
        buffer_.erase(0, nl + 1);
        if (!j.is_discarded() && j.value("event", "") == event) return j;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0 || from_ < 0) return nullptr;
      pollfd p{from_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(from_, buf, sizeof buf);
      if (n <= 0) {
        ::close(from_);
        from_ = -1;
        continue;
      }
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

  // SIGTERM, its last report (null if none came), and the process reaped.
  json stop() {
    if (pid_ <= 0) return nullptr;
    kill(pid_, SIGTERM);
    json stats = wait_for("stats", 5);
    if (stats.is_null()) kill(pid_, SIGKILL);
    while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    if (from_ >= 0) ::close(from_);
    from_ = -1;
    return stats;
  }

  bool running() {
    if (pid_ <= 0) return false;
    return waitpid(pid_, nullptr, WNOHANG) == 0;
  }

 private:
  pid_t pid_ = -1;
  int from_ = -1;
  std::string buffer_;
};

// Round trips over every ISL that is up, at once, `rounds` times: UDP from link.a's address
// to link.b's and back, each socket made in its end's namespace. The median of each link's
// half round trip against the latency the topology gives it now.
json measure_hops(const mesh::Topology& topo, const ContainerPlan& plan, const std::vector<NetNamespace>& ns,
                  int rounds) {
  struct Probe {
    int link;
    int a = -1, b = -1;  // sockets
    std::vector<double> rtt;
    Clock::time_point sent;  // the latest ping's, or when the first is due
    bool waiting = false;
    int seq = 0;
  };
  std::vector<Probe> probes;
  for (std::size_t i = 0; i < topo.links().size(); ++i) {
    if (!topo.state(static_cast<int>(i)).active) continue;
    const mesh::Link& l = topo.links()[i];
    Probe p;
    p.link = static_cast<int>(i);
    p.a = ns[static_cast<std::size_t>(l.a)].udp_socket(plan.link_address(p.link, false), kProbePort);
    p.b = ns[static_cast<std::size_t>(l.b)].udp_socket(plan.link_address(p.link, true), kProbePort);
    probes.push_back(std::move(p));
  }
  auto address = [](const std::string& ip) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kProbePort);
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    return a;
  };
  // One ping in flight per link, the links' first pings 1 ms apart: pings sent together
  // would queue in the ISL process and measure that queue instead of the ISL.
  const auto start = Clock::now();
  for (std::size_t k = 0; k < probes.size(); ++k) probes[k].sent = start + std::chrono::milliseconds(k);
  const auto deadline = start + std::chrono::milliseconds(probes.size()) + std::chrono::seconds(2) * rounds;
  std::vector<pollfd> fds;
  // The first answer of each link is left out: it pays for waking the ISL process's reader.
  auto unfinished = [&](const Probe& p) { return static_cast<int>(p.rtt.size()) < rounds + 1; };
  while (Clock::now() < deadline && std::any_of(probes.begin(), probes.end(), unfinished)) {
    const auto t = Clock::now();
    for (Probe& p : probes) {
      // Its next ping: when its slot comes, or again after a second without an answer.
      if (!unfinished(p) || t < p.sent || (p.waiting && t - p.sent < std::chrono::seconds(1))) continue;
      const sockaddr_in to = address(plan.link_address(p.link, true));
      const int seq = ++p.seq;
      p.sent = t;
      p.waiting = ::sendto(p.a, &seq, sizeof seq, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) == sizeof seq;
    }
    fds.clear();
    for (const Probe& p : probes) {
      fds.push_back({p.a, POLLIN, 0});
      fds.push_back({p.b, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 1) <= 0) continue;
    for (std::size_t k = 0; k < probes.size(); ++k) {
      Probe& p = probes[k];
      int seq = 0;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      if ((fds[2 * k + 1].revents & POLLIN) &&
          ::recvfrom(p.b, &seq, sizeof seq, 0, reinterpret_cast<sockaddr*>(&from), &len) == sizeof seq)
        ::sendto(p.b, &seq, sizeof seq, 0, reinterpret_cast<const sockaddr*>(&from), len);  // echo
      if ((fds[2 * k].revents & POLLIN) && ::recv(p.a, &seq, sizeof seq, 0) == sizeof seq && seq == p.seq &&
          p.waiting) {
        const auto back = Clock::now();
        p.rtt.push_back(std::chrono::duration<double>(back - p.sent).count());
        p.waiting = false;
        p.sent = back;
      }
    }
  }
  json links = json::array();
  int within = 0, answered = 0;
  double worst_abs = 0, worst_rel = 0;
  for (Probe& p : probes) {
    ::close(p.a);
    ::close(p.b);
    const double configured = topo.state(p.link).latency_s;
    json j{{"link", p.link},
           {"a", topo.links()[static_cast<std::size_t>(p.link)].a},
           {"b", topo.links()[static_cast<std::size_t>(p.link)].b},
           {"configured_s", configured},
           {"answers", p.rtt.empty() ? 0 : p.rtt.size() - 1}};
    if (p.rtt.size() > 1) {
      p.rtt.erase(p.rtt.begin());
      std::sort(p.rtt.begin(), p.rtt.end());
      const double one_way = p.rtt[p.rtt.size() / 2] / 2;
      const double err = std::abs(one_way - configured);
      // The tolerance live mode is held to: 10 % of the delay, or 200 us for short ones.
      const bool ok = err <= std::max(0.1 * configured, 200e-6);
      j["measured_s"] = one_way;
      j["within_tolerance"] = ok;
      within += ok;
      ++answered;
      worst_abs = std::max(worst_abs, err);
      if (configured > 0) worst_rel = std::max(worst_rel, err / configured);
    }
    links.push_back(std::move(j));
  }
  return json{{"links_probed", probes.size()},
              {"links_answered", answered},
              {"links_within_tolerance", within},
              {"tolerance", "10% or 200 us"},
              {"worst_error_s", worst_abs},
              {"worst_relative_error", worst_rel},
              {"rounds", rounds},
              {"links", std::move(links)}};
}

bool process_alive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace

std::string ContainerPlan::satellite_address(int s) const { return ipv4(kSatelliteBase + static_cast<std::uint32_t>(s) + 1); }

std::string ContainerPlan::link_address(int link, bool end_b) const {
  return ipv4(kLinkBase + 4u * static_cast<std::uint32_t>(link) + (end_b ? 2u : 1u));
}

NetNamespace::Mac ContainerPlan::mac(int link, bool end_b) const {
  const std::uint32_t v = 2u * static_cast<std::uint32_t>(link) + (end_b ? 1u : 0u);
  return {0x02, 0x4c, 0x4d, static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

std::vector<std::string> ContainerPlan::ip_commands(int s) const {
  std::vector<std::string> c = {"link set lo up", "addr add " + satellite_address(s) + "/32 dev lo"};
  for (const mesh::Adjacent& adj : topo_.adjacency(s)) {
    const mesh::Link& l = topo_.links()[static_cast<std::size_t>(adj.link)];
    const bool mine_b = l.b == s;
    const std::string dev = interface_name(adj.neighbor);
    const std::string peer = link_address(adj.link, !mine_b);
    c.push_back("addr add " + link_address(adj.link, mine_b) + "/30 dev " + dev);
    c.push_back("link set " + dev + " up");
    c.push_back("neigh replace " + peer + " lladdr " + format_mac(mac(adj.link, !mine_b)) + " dev " + dev +
                " nud permanent");
    c.push_back("route add " + satellite_address(adj.neighbor) + "/32 via " + peer + " dev " + dev);
  }
  return c;
}

std::string ContainerPlan::hosts() const {
  std::string h;
  for (int s = 0; s < topo_.satellites(); ++s) h += (s ? "," : "") + satellite_address(s);
  return h;
}

mesh::Result<RunSummary> run_container(const LiveOptions& o, const workloads::Workload& w) {
  auto built = mesh::build_topology(o.topology, o.links);
  if (!built) return built.error();
  mesh::Topology topo = std::move(*built);
  if (topo.spec().kind == mesh::TopologySpec::Kind::full)
    return mesh::fail("--topology", "container mode emulates ISLs; " + topo.spec().name +
                                        " has none (use --mode live for HPC-cluster mode)");
  if (topo.satellites() > ContainerPlan::kMaxSatellites || static_cast<int>(topo.links().size()) > kMaxLinks)
    return mesh::fail("--topology", "too large for the container address plan");
  if (!can_create_network_namespaces())
    return mesh::fail("--mode container", "needs root (CAP_NET_ADMIN) to create network namespaces and tap devices; "
                                          "run it with sudo, or use --mode live");
  const double epoch_unix_s =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto t_setup = Clock::now();
  topo.update(0);
  const ContainerPlan plan(topo);
  const int n = topo.satellites();

  // Namespaces and taps; each tap's descriptor goes to the ISL process, which alone keeps it.
  std::vector<NetNamespace> ns;
  ns.reserve(static_cast<std::size_t>(n));
  std::vector<IslTap> taps;
  struct CloseTaps {
    std::vector<IslTap>& taps;
    ~CloseTaps() {
      for (auto& t : taps)
        if (t.fd >= 0) ::close(t.fd);
    }
  } close_taps{taps};
  try {
    for (int s = 0; s < n; ++s) {
      ns.push_back(NetNamespace::create());
      for (const mesh::Adjacent& adj : topo.adjacency(s)) {
        const bool mine_b = topo.links()[static_cast<std::size_t>(adj.link)].b == s;
        IslTap t;
        t.link = adj.link;
        t.end_b = mine_b;
        t.peer_mac = plan.mac(adj.link, !mine_b);
        t.fd = ns.back().open_tap(ContainerPlan::interface_name(adj.neighbor), plan.mac(adj.link, mine_b));
        taps.push_back(t);
      }
      ns.back().run_ip(plan.ip_commands(s));
    }
  } catch (const std::exception& e) {
    return mesh::fail("container", e.what());
  }
  IslNetworkOptions io;
  io.topology = o.topology;
  io.links = o.links;
  io.epoch_unix_s = epoch_unix_s;
  io.time_scale = o.time_scale;
  std::unique_ptr<IslProcess> isl;
  try {
    isl = std::make_unique<IslProcess>(io, taps);
  } catch (const std::exception& e) {
    return mesh::fail("container", e.what());
  }
  for (auto& t : taps) ::close(std::exchange(t.fd, -1));
  if (isl->wait_for("ready", 30).is_null())
    return mesh::fail("container", "the ns-3 ISL network did not start (see its message above)");
  // Probed at the geometry of the moment; the run's own emulated clock starts now too.
  mesh::Topology now = topo;
  now.update((std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() - epoch_unix_s) *
             o.time_scale);
  json hops;
  try {
    hops = measure_hops(now, plan, ns, 7);
  } catch (const std::exception& e) {
    return mesh::fail("container", e.what());
  }
  const double setup_s = std::chrono::duration<double>(Clock::now() - t_setup).count();

  AgentPlacement where;
  where.run_dir_prefix = "leomesh-container";
  where.tcp_hosts = plan.hosts();
  where.delay_in_network = true;
  where.enter = [&ns](int s) { return ns[static_cast<std::size_t>(s)].enter_for_good(); };
  LiveOptions lo = o;
  lo.endpoints = "tcp";
  auto summary = run_live(lo, w, where);
  const json stats = isl->stop();
  if (!summary) return summary;
  RunSummary s = std::move(*summary);
  s.mode = "container";
  s.links = topo.link_model().to_string();
  json c{{"setup_s", setup_s}, {"namespaces", n}, {"taps", taps.size()}, {"per_hop", hops}};
  if (!stats.is_null()) {
    json isl_stats = stats;
    isl_stats.erase("event");
    c["isl_network"] = isl_stats;
  }
  s.extra["container"] = c;
  return s;
}

int cleanup_leftovers(std::ostream& out) {
  int removed = 0;
  // Agents whose launcher is gone: PR_SET_PDEATHSIG kills them with it, so only an agent
  // started by a launcher of an older build, or one caught between fork and prctl, is here.
  if (DIR* proc = opendir("/proc")) {
    while (dirent* e = readdir(proc)) {
      const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid <= 1) continue;
      std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
      std::string line;
      std::getline(stat, line);
      const auto open = line.find('('), close = line.rfind(')');
      if (open == std::string::npos || close == std::string::npos) continue;
      const std::string comm = line.substr(open + 1, close - open - 1);
      std::istringstream rest(line.substr(close + 2));
      char state;
      pid_t ppid = 0;
      rest >> state >> ppid;
      if (comm == "leomesh-agent" && ppid == 1 && state != 'Z') {  // a zombie is init's to reap
        kill(pid, SIGKILL);
        out << "stopped orphaned agent (pid " << pid << ")\n";
        ++removed;
      }
    }
    closedir(proc);
  }
  // Run directories whose launcher is gone (its pid is in the name).
  const char* tmp = std::getenv("TMPDIR");
  std::vector<fs::path> roots = {"/tmp"};
  if (tmp && *tmp && fs::path(tmp) != "/tmp") roots.emplace_back(tmp);
  for (const auto& root : roots) {
    std::error_code ec;
    for (const auto& d : fs::directory_iterator(root, ec)) {
      const std::string name = d.path().filename().string();
      for (const std::string prefix : {"leomesh-container-", "leomesh-live-"}) {
        if (name.rfind(prefix, 0) != 0) continue;
        // <prefix><pid>-XXXXXX, nothing else.
        const std::string rest = name.substr(prefix.size());
        const auto dash = rest.find('-');
        if (dash == 0 || dash == std::string::npos ||
            !std::all_of(rest.begin(), rest.begin() + static_cast<long>(dash), [](char c) { return c >= '0' && c <= '9'; }))
          continue;
        const pid_t owner = static_cast<pid_t>(std::atol(rest.substr(0, dash).c_str()));
        if (owner <= 0 || process_alive(owner)) continue;
        std::error_code rm;
        fs::remove_all(d.path(), rm);
        if (!rm) {
          out << "removed " << d.path().string() << "\n";
          ++removed;
        }
      }
    }
  }
  if (removed == 0) out << "nothing to clean up\n";
  return removed;
}

}  // namespace leomesh::emulator
