#include "leomesh/emulator/live.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/mesh/spec.hpp"

namespace leomesh::emulator {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_interrupted{0};
extern "C" void on_interrupt(int sig) { g_interrupted.store(sig); }

// Installs SIGINT/SIGTERM handlers for the launcher's lifetime and restores the old ones.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted.store(0);
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    sigaction(SIGHUP, &sa, &old_hup_);  // the terminal closed: clean up like Ctrl-C
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGHUP, &old_hup_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {}, old_hup_ {};
};

// Removes the run directory once the launcher is gone, however it went: a process of its
// own that waits for the launcher's end of a pipe to close, which the kernel does on any
// exit, kill -9 included. Ignores the terminal's signals, which reach the launcher's whole
// process group, so that it outlives the launcher it watches.
class DirectoryWarden {
 public:
  explicit DirectoryWarden(const std::string& dir) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      signal(SIGINT, SIG_IGN);
      signal(SIGTERM, SIG_IGN);
      signal(SIGHUP, SIG_IGN);
      ::close(fds[1]);
      char c;
      while (::read(fds[0], &c, 1) < 0 && errno == EINTR) {
      }
      std::error_code ec;
      fs::remove_all(dir, ec);
      _exit(0);
    }
    ::close(fds[0]);
    watched_ = fds[1];
  }
  ~DirectoryWarden() {
    ::close(watched_);
    waitpid(pid_, nullptr, 0);
  }
  DirectoryWarden(const DirectoryWarden&) = delete;
  DirectoryWarden& operator=(const DirectoryWarden&) = delete;

 private:
  pid_t pid_ = -1;
  int watched_ = -1;
};

// A satellite's configuration (secret keys included) in an anonymous memory file: the agent
// reads it through the descriptor it inherits, and nothing of it is ever on a disk.
int config_in_memory(const config::SatelliteConfig& c) {
  const int fd = memfd_create(("sat-" + std::to_string(c.identity().satellite()) + ".conf").c_str(), MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  const std::string text = firmware_config::to_text(c);
  for (std::size_t at = 0; at < text.size();) {
    const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error(std::string("writing a configuration to memory: ") + std::strerror(errno));
    }
    at += static_cast<std::size_t>(n);
  }
  return fd;
}

// The descriptor number an agent finds its configuration on.
constexpr int kConfigFd = 3;

struct AgentProcess {
  int satellite = 0;
  pid_t pid = -1;
  int out_fd = -1;       // the agent's stdout
  std::string buffer;    // partial line
  bool exited = false;
  bool dead = false;     // died during the run, not restarted (crash recovery)
  std::uint64_t epoch = 1;
  int status = 0;
  json telemetry;
};

std::string agent_next_to_self() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "leomesh-agent" : (self.parent_path() / "leomesh-agent").string();
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) +
                                  " (" + strsignal(WTERMSIG(status)) + ")";
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "stopped";
}

// Starts one agent with its stdout on a pipe, its stderr in a file of the run directory and
// its configuration on descriptor kConfigFd.
AgentProcess spawn(const std::string& agent, int config_fd, const std::string& err_path, int sat,
                   std::uint64_t epoch, const AgentPlacement& placement) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // If the launcher dies without cleaning up (SIGKILL), the kernel kills its agents.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    if (placement.enter && !placement.enter(sat)) _exit(126);
    dup2(fds[1], STDOUT_FILENO);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);  // every life's
    if (err >= 0) dup2(err, STDERR_FILENO);
    // dup2 onto itself would keep close-on-exec set.
    if (config_fd == kConfigFd) fcntl(kConfigFd, F_SETFD, 0);
    else dup2(config_fd, kConfigFd);
    const std::string config = "/dev/fd/" + std::to_string(kConfigFd);
    const std::string life = std::to_string(epoch);
    execl(agent.c_str(), "leomesh-agent", "--config", config.c_str(), "--incarnation", life.c_str(),
          static_cast<char*>(nullptr));
    std::fprintf(stderr, "cannot run %s: %s\n", agent.c_str(), std::strerror(errno));
    _exit(127);
  }
  ::close(fds[1]);
  AgentProcess p;
  p.satellite = sat;
  p.epoch = epoch;
  p.pid = pid;
  p.out_fd = fds[0];
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class Launch {
 public:
  Launch(const LiveOptions& o, const workloads::Workload& w, const AgentPlacement& p)
      : opt_(o), workload_(w), placement_(p) {}
  ~Launch() { cleanup(); }

  mesh::Result<RunSummary> run() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + placement_.run_dir_prefix + "-" +
                       std::to_string(getpid()) + "-XXXXXX";
    if (!mkdtemp(tmpl.data())) return mesh::fail("live", "cannot create a run directory in " + tmpl + ": " + std::strerror(errno));
    dir_ = tmpl;
    warden_ = std::make_unique<DirectoryWarden>(dir_.string());
    firmware_config::GenerateOptions g;
    g.topology = opt_.topology;
    g.links = opt_.links;
    g.policy = opt_.policy;
    g.amount = opt_.amount;
    g.workers = opt_.workers;
    g.workload = opt_.workload;
    g.inject_at = opt_.inject_at;
    g.endpoint_kind = placement_.tcp_hosts.empty() ? opt_.endpoints : "tcp";
    if (!placement_.tcp_hosts.empty()) g.tcp_host = placement_.tcp_hosts;
    g.delay_in_network = placement_.delay_in_network;
    g.ipc_dir = dir_.string();
    g.tcp_base_port = opt_.tcp_base_port;
    g.seed = opt_.seed;
    g.core_knobs = opt_.core;
    g.time_scale = opt_.time_scale;
    g.sign = opt_.sign;
    g.epoch_unix_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    g.trace_interval_s = opt_.trace ? opt_.trace_interval_s : 0;
    epoch_unix_s_ = g.epoch_unix_s;
    auto configs = firmware_config::generate(g);
    if (!configs && configs.error().parameter == "--ipc-dir")
      return mesh::fail("TMPDIR", "the run directory " + dir_.string() + " is too long for ipc socket paths (" +
                                      configs.error().reason + "); set TMPDIR to a shorter directory or use --endpoints tcp");
    if (!configs) return configs.error();

    RunSummary s;
    s.mode = "live";
    s.policy = opt_.policy;
    s.topology = opt_.topology;
    s.links = configs->front().network().links();
    s.satellites = static_cast<int>(configs->size());
    s.workers_per_satellite = opt_.workers;
    s.workload = &workload_;
    // What the agents run, from a configuration as each agent reads its own.
    auto core = scheduler::make_core_config(firmware_config::core_settings(configs->front()));
    if (!core) return core.error();
    s.core = *core;
    const int root = configs->front().steal().root();
    const std::string agent = opt_.agent_path.empty() ? agent_next_to_self() : opt_.agent_path;
    if (access(agent.c_str(), X_OK) != 0) return mesh::fail("live", "agent executable not found: " + agent);

    // A moving constellation's ISLs come and go in the agents as their clocks advance; the
    // trace follows the same geometry on the launcher's clock.
    std::optional<mesh::Topology> sky;
    double sky_at = 0;
    const double update_s = configs->front().network().update_interval_s();
    const double time_scale = opt_.time_scale > 0 ? opt_.time_scale : 1.0;
    if (opt_.trace) {
      auto t = mesh::build_topology(opt_.topology, opt_.links);
      if (t && t->moves() && update_s > 0) sky.emplace(std::move(*t));
    }
    InterruptGuard guard;
    auto start_agent = [&](const config::SatelliteConfig& c, std::uint64_t epoch) {
      const int id = c.identity().satellite();
      const int fd = config_in_memory(c);
      AgentProcess p = spawn(agent, fd, (dir_ / ("sat-" + std::to_string(id) + ".err")).string(), id, epoch,
                             placement_);
      ::close(fd);  // the agent holds its own copy of the descriptor
      return p;
    };
    for (const auto& c : *configs) agents_.push_back(start_agent(c, 1));
    const auto start = Clock::now();
    json crashes = json::array();
    std::optional<json> finished;
    while (!finished) {
      pump(100);
      if (opt_.progress) opt_.progress(run_now());
      if (sky && run_now() - sky_at >= update_s / time_scale) {
        sky_at = run_now();
        sky->update(sky_at * time_scale);
        opt_.trace->links(*sky, sky_at);
      }
      for (auto& a : agents_)
        for (auto& line : take_lines(a))
          if (line.value("event", "") == "finished" && a.satellite == root) finished = line;
      if (finished) break;
      if (const int sig = g_interrupted.load()) {
        s.failure = std::string("interrupted by ") + strsignal(sig);
        stop_all();
        cleanup();
        signal(sig, SIG_DFL);
        raise(sig);  // the caller's default action: exit as interrupted
        return s;
      }
      for (auto& a : agents_) {
        if (!a.exited || a.dead) continue;
        const std::string what = "agent " + std::to_string(a.satellite) + " (pid " + std::to_string(a.pid) + ") " +
                                 describe_exit(a.status);
        if (core->recovering() && (a.satellite != root || opt_.restart_crashed)) {
          // Crash recovery: its givers run its loot again; the run goes on without it, or
          // with a new life of it.
          const double at = std::chrono::duration<double>(Clock::now() - start).count();
          json crash{{"satellite", a.satellite}, {"incarnation", a.epoch}, {"at_s", at}, {"exit", describe_exit(a.status)}};
          std::string line = "leomesh: " + what + " at t = " + mesh::format_number(std::round(at * 1000) / 1000) + " s";
          if (opt_.trace) opt_.trace->crash(a.satellite, run_now(), false);
          if (opt_.restart_crashed) {
            const std::uint64_t next = a.epoch + 1;
            crash["restarted_incarnation"] = next;
            line += "; restarted (incarnation " + std::to_string(next) + ")";
            if (a.out_fd >= 0) ::close(a.out_fd);
            const int id = a.satellite;
            a = start_agent(*std::find_if(configs->begin(), configs->end(),
                                          [&](const config::SatelliteConfig& c) { return c.identity().satellite() == id; }),
                            next);
            if (opt_.trace) opt_.trace->crash(id, run_now(), true);
          } else {
            a.dead = true;
            line += "; the run goes on without it";
          }
          crashes.push_back(std::move(crash));
          std::fprintf(stderr, "%s\n", line.c_str());
          continue;
        }
        s.failure = what;
        const std::string err = read_file(dir_ / ("sat-" + std::to_string(a.satellite) + ".err"));
        if (!err.empty()) s.failure += ": " + err.substr(0, 300);
        if (!core->recovering())
          s.failure += " (the run cannot finish exactly without it; crash recovery, --heartbeat, survives that)";
        stop_all();
        return s;
      }
      if (std::chrono::duration<double>(Clock::now() - start).count() > opt_.timeout_s) {
        // What every agent counted up to here is what tells why the run did not end.
        s.failure = "timed out after " + mesh::format_number(opt_.timeout_s) + " s";
        stop_all();
        gather(s, *core, crashes);
        return s;
      }
    }
    s.finished = true;
    const json& r = (*finished)["result"];
    s.result = {r["sum"].get<std::uint64_t>(), r["aux"].get<std::uint64_t>(), r["max"].get<std::uint64_t>()};
    s.makespan_s = (*finished)["makespan_s"].get<double>();
    // A restarted root counts from its new life's start: the run began before its first.
    const bool root_restarted = std::any_of(crashes.begin(), crashes.end(), [&](const json& c) { return c["satellite"] == root; });
    if (root_restarted) s.makespan_s = finished->value("run_s", s.makespan_s);
    stop_all();
    if (opt_.trace) {
      // The last task ended in the last sample that ran one: at its end, or, for the sample
      // that reaches past the end of the run (taken as the agent stopped), at its start.
      const double end = finished->value("run_s", s.makespan_s);
      double last = 0;
      for (const auto& [from, to] : worked_) last = std::max(last, to <= end ? to : std::min(from, end));
      opt_.trace->finished(last, end);
    }
    gather(s, *core, crashes);
    return s;
  }

 private:
  // The crashes and each agent's last telemetry (sent as it stops) into the summary.
  void gather(RunSummary& s, const scheduler::CoreConfig& core, const json& crashes) {
    if (core.recovering()) {
      s.extra["crashes"] = crashes;
      s.extra["recoveries"] = recoveries_;
    }
    for (auto& a : agents_) {
      SatelliteSummary ss;
      ss.satellite = a.satellite;
      const json& t = a.telemetry;
      if (t.is_object()) {
        ss.tasks_executed = t.value("tasks_executed", 0ULL);
        const json& st = t["steals"];
        ss.attempts = st.value("attempts", 0ULL);
        ss.successes = st.value("successes", 0ULL);
        ss.empty = st.value("empty", 0ULL);
        ss.timeouts = st.value("timeouts", 0ULL);
        ss.latency_sum_s = st.value("latency_sum_s", 0.0);
        ss.hops_sum = st.value("hops_sum", 0ULL);
        ss.tasks_received = t.value("tasks_received", 0ULL);
        ss.tasks_given = t.value("tasks_given", 0ULL);
        ss.forwarded = t.value("forwarded", 0ULL);
        ss.dropped = t.value("dropped_frames", 0ULL) + t.value("unroutable", 0ULL) + t.value("send_failures", 0ULL);
        ss.auth_failures = t.value("auth_failures", 0ULL);
        ss.extra = json{{"bytes_sent", t.value("bytes_sent", 0ULL)},
                        {"frames_sent", t.value("frames_sent", 0ULL)},
                        {"loot_retransmits", t.value("loot_retransmits", 0ULL)},
                        {"loot_pushes", t.value("loot_pushes", 0ULL)},
                        {"latency_p50_s", st.value("latency_p50_s", 0.0)},
                        {"latency_p90_s", st.value("latency_p90_s", 0.0)},
                        {"latency_max_s", st.value("latency_max_s", 0.0)},
                        {"link_queue_high_water", t.value("link_queue_high_water", 0ULL)}};
        if (t.contains("recovery") && core.recovering()) {
          ss.extra["recovery"] = t["recovery"];
          ss.extra["capped"] = t["capped"];
        }
      }
      s.per_satellite.push_back(ss);
    }
  }

  // Waits up to `timeout_ms` for output, reads what is there and reaps exited agents.
  void pump(int timeout_ms) {
    std::vector<pollfd> fds;
    for (auto& a : agents_)
      if (a.out_fd >= 0) fds.push_back({a.out_fd, POLLIN, 0});
    if (!fds.empty()) poll(fds.data(), fds.size(), timeout_ms);
    char buf[65536];
    for (auto& a : agents_) {
      if (a.out_fd < 0) continue;
      pollfd p{a.out_fd, POLLIN, 0};
      while (poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP))) {
        const ssize_t n = ::read(a.out_fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(a.out_fd);
          a.out_fd = -1;
          break;
        }
        a.buffer.append(buf, static_cast<std::size_t>(n));
      }
    }
    for (auto& a : agents_) {
      if (a.exited) continue;
      int status = 0;
      if (waitpid(a.pid, &status, WNOHANG) == a.pid) {
        a.exited = true;
        a.status = status;
      }
    }
  }

  std::vector<json> take_lines(AgentProcess& a) {
    std::vector<json> out;
    for (auto nl = a.buffer.find('\n'); nl != std::string::npos; nl = a.buffer.find('\n')) {
      const std::string line = a.buffer.substr(0, nl);
      a.buffer.erase(0, nl + 1);
      json j = json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      if (j.value("event", "") == "telemetry") a.telemetry = j;
      if (j.value("event", "") == "recovered" && recoveries_.size() < 10000) recoveries_.push_back(j);
      if (opt_.trace && trace_line(a.satellite, j)) continue;
      out.push_back(std::move(j));
    }
    return out;
  }

  // Seconds since the run's start, on the clock of the agents' trace lines.
  double run_now() const {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() - epoch_unix_s_;
  }

  // An agent's trace line into the recorder; false if `j` is none. A malformed one (an agent
  // of another build) is dropped rather than trusted.
  bool trace_line(int sat, const json& j) {
    const std::string event = j.value("event", "");
    try {
      if (event == "busy") {
        const double from = j.at("from_s").get<double>(), to = j.at("to_s").get<double>();
        const auto tasks = j.at("tasks").get<std::uint64_t>();
        opt_.trace->busy(sat, from, to, j.at("worker_s").get<double>(), tasks, j.at("queued").get<std::size_t>());
        if (tasks > 0) worked_.emplace_back(from, to);
      } else if (event == "steal") {
        scheduler::StealEvent e;
        e.at_s = j.at("at_s").get<double>();
        e.thief = sat;
        e.victim = j.at("victim").get<int>();
        e.hops = j.at("hops").get<int>();
        e.latency_s = j.at("latency_s").get<double>();
        e.tasks = j.at("tasks").get<std::uint32_t>();
        e.timed_out = j.at("timed_out").get<bool>();
        if (e.victim >= 0 && e.victim < static_cast<int>(agents_.size())) opt_.trace->steal(e);
      } else if (event == "sent") {
        const int dst = j.at("dst").get<int>();
        if (dst >= 0 && dst < static_cast<int>(agents_.size()))
          opt_.trace->sent(sat, dst, static_cast<scheduler::MessageKind>(j.at("kind").get<int>()),
                           j.at("tasks").get<std::uint32_t>(), j.at("at_s").get<double>());
      } else {
        return false;
      }
    } catch (const json::exception&) {
    }
    return true;
  }

  // SIGTERM to every live agent, then a grace period, then SIGKILL; reaps all of them.
  void stop_all() {
    for (auto& a : agents_)
      if (!a.exited) kill(a.pid, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      pump(20);
      for (auto& a : agents_) take_lines(a);
      bool all = true;
      for (auto& a : agents_) all = all && a.exited && a.out_fd < 0;
      if (all) break;
    }
    for (auto& a : agents_) {
      if (!a.exited) {
        kill(a.pid, SIGKILL);
        waitpid(a.pid, &a.status, 0);
        a.exited = true;
      }
      if (a.out_fd >= 0) {
        ::close(a.out_fd);
        a.out_fd = -1;
      }
    }
  }

  void cleanup() {
    stop_all();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      dir_.clear();
    }
    warden_.reset();
  }

  const LiveOptions& opt_;
  const workloads::Workload& workload_;
  const AgentPlacement& placement_;
  fs::path dir_;
  std::unique_ptr<DirectoryWarden> warden_;
  std::vector<AgentProcess> agents_;
  json recoveries_ = json::array();  // crash recovery: loot run again, as the agents reported it
  double epoch_unix_s_ = 0;          // the run's start, as every agent's configuration has it
  std::vector<std::pair<double, double>> worked_;  // tracing: the samples in which tasks ran
};

}  // namespace

mesh::Result<RunSummary> run_live(const LiveOptions& options, const workloads::Workload& workload,
                                  const AgentPlacement& placement) {
  Launch launch(options, workload, placement);
  return launch.run();
}

}  // namespace leomesh::emulator
