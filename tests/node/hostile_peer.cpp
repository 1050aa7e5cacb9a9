// A hostile peer against real agents: two leomesh-agent processes on full:2 run UTS T1L while
// an attacker holding satellite 1's keys (its CurveZMQ pair and its origin-signing key: a
// compromised satellite) sends forged frames to satellite 0's endpoint over ZeroMQ, as issue
// 11's findings describe them. The run must still end, with the exact answer, and the root
// must count every refusal.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/node/origin_auth.hpp"
#include "leomesh/workloads/workload.hpp"

using namespace leomesh;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A private directory with a generated full:2 constellation, removed at the end.
struct Constellation {
  std::string dir;
  std::vector<config::SatelliteConfig> configs;

  explicit Constellation(const std::string& workload) {
    char tmpl[] = "/tmp/leomesh-hostile-XXXXXX";
    dir = mkdtemp(tmpl);
    firmware_config::GenerateOptions g;
    g.topology = "full:2";
    g.workload = workload;
    g.workers = 1;
    g.ipc_dir = dir;
    g.report_on_exit = true;
    auto c = firmware_config::generate(g);
    REQUIRE(c.ok());
    configs = std::move(*c);
    REQUIRE(firmware_config::write_all(configs, dir).ok());
  }
  ~Constellation() { fs::remove_all(dir); }
  std::string conf(int id) const { return dir + "/sat-" + std::to_string(id) + ".conf"; }
};

// One agent process, its stdout read line by line.
struct AgentProc {
  pid_t pid = -1;
  int out = -1;
  std::string buffer;
  std::vector<json> lines;
  int status = -1;

  AgentProc(const std::string& config, const std::vector<std::string>& extra = {"--exit-when-done", "--linger", "0.5"}) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(fds[1], STDOUT_FILENO);
      std::vector<const char*> argv{"leomesh-agent", "--config", config.c_str()};
      for (const auto& e : extra) argv.push_back(e.c_str());
      argv.push_back(nullptr);
      execv(LEOMESH_AGENT, const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    ::close(fds[1]);
    out = fds[0];
  }
  ~AgentProc() {
    if (status < 0 && pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }
  // Reads until the process exits or `seconds` pass; true if it exited.
  bool wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    char buf[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out, POLLIN, 0};
      if (poll(&p, 1, 50) > 0) {
        const ssize_t n = ::read(out, buf, sizeof buf);
        if (n > 0) buffer.append(buf, static_cast<std::size_t>(n));
      }
      for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
        json j = json::parse(buffer.substr(0, nl), nullptr, false);
        buffer.erase(0, nl + 1);
        if (!j.is_discarded()) lines.push_back(std::move(j));
      }
      int st = 0;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        status = st;
        // Whatever is left in the pipe.
        ssize_t n;
        while ((n = ::read(out, buf, sizeof buf)) > 0) buffer.append(buf, static_cast<std::size_t>(n));
        for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
          json j = json::parse(buffer.substr(0, nl), nullptr, false);
          buffer.erase(0, nl + 1);
          if (!j.is_discarded()) lines.push_back(std::move(j));
        }
        return true;
      }
    }
    return false;
  }
  json last(const std::string& event) const {
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
      if (it->value("event", "") == event) return *it;
    return json();
  }
  bool exited_with(int code) const { return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == code; }
};

// The attacker: a DEALER with satellite `as`'s CurveZMQ key pair, connected to `target`'s
// endpoint, the way an honest peer's socket is set up.
struct Attacker {
  zmq::context_t ctx{1};
  zmq::socket_t s{ctx, zmq::socket_type::dealer};
  Attacker(const config::SatelliteConfig& as, const config::SatelliteConfig& target) {
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::curve_serverkey, target.security().public_key());
    s.set(zmq::sockopt::curve_publickey, as.security().public_key());
    s.set(zmq::sockopt::curve_secretkey, as.security().secret_key());
    s.connect(target.endpoint());
  }
  void send(const std::string& frame) { s.send(zmq::buffer(frame), zmq::send_flags::none); }
};

scheduler::Message forged(scheduler::MessageKind kind, int src, int dst, std::uint64_t id) {
  scheduler::Message m;
  m.kind = kind;
  m.src = src;
  m.dst = dst;
  m.id = id;
  return m;
}

// Waits until satellite 0 has bound its socket (the attacker's first frames must not be
// queued behind a connection that is still being set up).
void wait_bound(const config::SatelliteConfig& c) {
  const std::string path = c.endpoint().substr(6);
  for (int i = 0; i < 200 && !fs::exists(path); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

TEST_CASE("a peer with a valid key cannot end, stall or corrupt a run with forged frames", "[hostile][live]") {
  // Findings 1-5: a forged TERMINATE to the root, a steal request from the victim to itself,
  // 1,000 tasks for a steal never asked for, a UTS node claiming 2^31 - 1 children, and a
  // 5 MB frame. Before the checks, the first gave a wrong answer (31,097,891) and each of the
  // next three kept the run from ever ending.
  Constellation c("uts:T1L");
  const auto w = *workloads::parse_workload("uts:T1L");
  AgentProc root(c.conf(0));
  AgentProc other(c.conf(1));
  wait_bound(c.configs[0]);
  Attacker evil(c.configs[1], c.configs[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // mid-run: work has spread

  auto as_one = node::OriginAuth::create(firmware_config::origin_keys(c.configs[1]), 2);
  REQUIRE(as_one.ok());
  auto signed_by_one = [&](scheduler::Message m) {
    as_one->sign(m);
    return node::encode(m);
  };
  // Satellite 1 may sign what it says itself; the root must still refuse it.
  evil.send(signed_by_one(forged(scheduler::MessageKind::terminate, 1, 0, 1)));
  evil.send(node::encode(forged(scheduler::MessageKind::terminate, 1, 0, 2)));  // and unsigned
  // A request "from the victim itself" needs satellite 0's signature, which 1 cannot make.
  scheduler::Message own = forged(scheduler::MessageKind::steal_request, 1, 0, 7);
  as_one->sign(own);
  own.src = 0;
  evil.send(node::encode(own));
  scheduler::Message reply = forged(scheduler::MessageKind::steal_reply, 1, 0, 12345);
  reply.tasks.assign(1000, w.roots.front());
  reply.weight = scheduler::Weight::piece(1);
  evil.send(signed_by_one(reply));
  scheduler::Message push = forged(scheduler::MessageKind::loot_push, 1, 0, (1ULL << 63) | 1);
  scheduler::Task huge = w.roots.front();
  const std::int32_t many = 0x7fffffff;
  std::memcpy(huge.payload.data() + huge.size - sizeof many, &many, sizeof many);
  push.tasks = {huge};
  push.weight = scheduler::Weight::piece(2);
  evil.send(signed_by_one(push));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  evil.send(std::string(5 << 20, 'x'));  // last: ZeroMQ drops the connection that sent it

  REQUIRE(root.wait(180));
  REQUIRE(other.wait(30));
  CHECK(root.exited_with(0));
  CHECK(other.exited_with(0));
  const json done = root.last("finished");
  REQUIRE(done.is_object());
  CHECK(done["result"]["sum"].get<std::uint64_t>() == 102181082);
  CHECK(done["result"]["aux"].get<std::uint64_t>() == 81746377);
  CHECK(done["verified"].get<bool>());
  const json t = root.last("telemetry");
  REQUIRE(t.is_object());
  INFO(t.dump());
  CHECK(t["rejected"]["terminate"].get<std::uint64_t>() >= 1);
  CHECK(t["rejected"]["unsigned"].get<std::uint64_t>() >= 1);
  CHECK(t["rejected"]["bad_certificate"].get<std::uint64_t>() >= 1);  // the request "from 0"
  CHECK(t["rejected"]["unasked_loot"].get<std::uint64_t>() >= 1);
  CHECK(t["dropped_frames"].get<std::uint64_t>() >= 1);  // the forged UTS node, at the wire
  CHECK(t["connections_dropped"].get<std::uint64_t>() >= 1);  // the 5 MB frame
}

TEST_CASE("one agent per identity: a second one is refused, a regular file is never replaced", "[hostile][live]") {
  // Finding 6: a second agent with the same configuration took over the ipc socket, and an
  // endpoint naming a regular file passed validation and was deleted.
  Constellation c("uts:T1");
  AgentProc first(c.conf(0), {});
  wait_bound(c.configs[0]);
  AgentProc second(c.conf(0), {});
  REQUIRE(second.wait(20));
  CHECK(second.exited_with(2));
  CHECK(first.status < 0);  // still running, its socket still its own
  CHECK(fs::is_socket(c.configs[0].endpoint().substr(6)));

  // SIGTERM: the agent removes its socket file on the way out (finding 7, second half).
  kill(first.pid, SIGTERM);
  REQUIRE(first.wait(20));
  CHECK(first.exited_with(0));
  CHECK_FALSE(fs::exists(c.configs[0].endpoint().substr(6)));

  // A regular file where the socket would go: refused by validation and by the agent, kept.
  const std::string path = c.configs[1].endpoint().substr(6);
  { std::ofstream(path) << "precious\n"; }
  const auto problems = firmware_config::validate(c.configs[1]);
  REQUIRE_FALSE(problems.empty());
  CHECK(problems.front().parameter == "endpoint");
  AgentProc third(c.conf(1), {});
  REQUIRE(third.wait(20));
  CHECK(third.exited_with(2));
  std::ifstream in(path);
  std::string kept;
  std::getline(in, kept);
  CHECK(kept == "precious");
}
