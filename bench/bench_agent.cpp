// Live agents against their baselines, side by side in one run:
//  1. steal round trip between two agents on loopback vs a raw ZeroMQ ping-pong of the same
//     frame size (same transport: tcp loopback, CurveZMQ): goal <= 1.5x;
//  2. UTS T1L on full:2 (two agents, one worker each), and on torus:3x3 with 2 ms ISLs (nine
//     agents, one worker each, neighbor stealing), vs one agent with two workers (on two
//     cores, the limit): parallel efficiency, goals >= 0.95 and >= 0.9;
//  3. resident memory of an idle agent: goal <= 16 MB;
//  4. origin signatures: sign and verify per message, bytes per frame, and the torus:3x3 run
//     of 2. signed against unsigned (`bench_agent sign` runs only these).
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "leomesh/emulator/live.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/firmware_config/config.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/node/origin_auth.hpp"
#include "leomesh/node/transport.hpp"

using namespace leomesh;
using Clock = std::chrono::steady_clock;

namespace {

// Round trips: mean and median. The median is what the comparison uses: the agents' mean
// includes their first attempt, sent before the connection was up (a CURVE handshake and a
// reconnect interval), which the raw ping-pongs leave to their warm-up.
struct Rtt {
  double mean = 0, median = 0;
  static Rtt of(std::vector<double> samples) {
    Rtt r;
    if (samples.empty()) return r;
    for (double x : samples) r.mean += x;
    r.mean /= static_cast<double>(samples.size());
    const auto mid = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), mid, samples.end());
    r.median = *mid;
    return r;
  }
};

// Keeps one core computing while it lives, as a victim's worker does during a steal.
class BusyCore {
 public:
  explicit BusyCore(bool on) {
    if (on)
      thread_ = std::thread([this] {
        std::uint64_t x = 1;
        while (!stop_.load(std::memory_order_relaxed)) x = x * 6364136223846793005ULL + 1;
        asm volatile("" : : "r"(x));
      });
  }
  ~BusyCore() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A raw DEALER/ROUTER ping-pong with CurveZMQ over tcp loopback. With `busy_core`, a thread
// computes meanwhile in the echoing end, as the victim's worker does during a steal: the same
// machine load. With `pause`, the client waits that long between round trips, as an idle
// thief backs off between steal attempts (the cores may idle in between).
//
// `two_processes`: the echoing end is a forked process with its own ZeroMQ context, as the
// victim agent is; otherwise both ends share one context, so one ZeroMQ I/O thread serves
// both sockets and a round trip needs two fewer thread wake-ups than between processes.
Rtt raw_ping_pong(std::size_t frame_bytes, int rounds, bool busy_core,
                     std::chrono::microseconds pause = std::chrono::microseconds(0), bool two_processes = false) {
  auto server_keys = *firmware_config::generate_key_pair();
  auto client_keys = *firmware_config::generate_key_pair();
  const char* endpoint = "tcp://127.0.0.1:17890";
  auto echo = [&](zmq::socket_t& server) {
    const BusyCore busy(busy_core);
    for (int i = 0; i < rounds + 10; ++i) {
      zmq::message_t id, body;
      if (!server.recv(id) || !server.recv(body)) return;
      server.send(id, zmq::send_flags::sndmore);
      server.send(body, zmq::send_flags::none);
    }
  };
  auto bind_server = [&](zmq::context_t& ctx) {
    zmq::socket_t server(ctx, zmq::socket_type::router);
    server.set(zmq::sockopt::curve_server, 1);
    server.set(zmq::sockopt::curve_secretkey, server_keys.secret_key);
    server.bind(endpoint);
    return server;
  };
  pid_t child = -1;
  if (two_processes) {
    child = fork();
    if (child == 0) {
      zmq::context_t ctx;
      zmq::socket_t s = bind_server(ctx);
      echo(s);
      s.close();
      ctx.close();
      _exit(0);
    }
  }
  zmq::context_t ctx;  // declared before the sockets: it must outlive them
  zmq::socket_t server;
  std::thread echo_thread;
  if (!two_processes) {
    server = bind_server(ctx);
    echo_thread = std::thread([&] { echo(server); });
  }
  zmq::socket_t client(ctx, zmq::socket_type::dealer);
  client.set(zmq::sockopt::curve_serverkey, server_keys.public_key);
  client.set(zmq::sockopt::curve_publickey, client_keys.public_key);
  client.set(zmq::sockopt::curve_secretkey, client_keys.secret_key);
  client.connect(endpoint);  // ZeroMQ reconnects until the child has bound
  const std::string frame(frame_bytes, 'x');
  zmq::message_t reply;
  for (int i = 0; i < 10; ++i) {  // warm-up: handshake
    client.send(zmq::buffer(frame), zmq::send_flags::none);
    (void)client.recv(reply);
  }
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    const auto t0 = Clock::now();
    client.send(zmq::buffer(frame), zmq::send_flags::none);
    (void)client.recv(reply);
    samples.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  if (echo_thread.joinable()) echo_thread.join();
  if (child > 0) waitpid(child, nullptr, 0);
  return Rtt::of(std::move(samples));
}

// The agents' own transport without the agents: two ZmqTransports on their own Asio loops in
// two threads, one echoing, the other sending one frame every `pause`. Isolates what the
// event-loop layer costs from what the scheduler core and pool add.
Rtt transport_ping_pong(std::size_t frame_bytes, int rounds, std::chrono::microseconds pause, bool busy_core) {
  const BusyCore busy(busy_core);
  auto ka = *firmware_config::generate_key_pair();
  auto kb = *firmware_config::generate_key_pair();
  const std::string ea = "ipc:///tmp/leomesh-bench-a-" + std::to_string(getpid());
  const std::string eb = "ipc:///tmp/leomesh-bench-b-" + std::to_string(getpid());
  asio::io_context io_a, io_b;
  node::TransportOptions oa, ob;
  oa.bind_endpoint = ea;
  oa.public_key = ka.public_key;
  oa.secret_key = ka.secret_key;
  oa.admitted_keys = {kb.public_key};
  oa.peers = {{1, eb, kb.public_key}};
  ob.bind_endpoint = eb;
  ob.public_key = kb.public_key;
  ob.secret_key = kb.secret_key;
  ob.admitted_keys = {ka.public_key};
  ob.peers = {{0, ea, ka.public_key}};
  std::unique_ptr<node::ZmqTransport> tb;
  tb = std::make_unique<node::ZmqTransport>(io_b, ob, [&](std::string_view f) { tb->send(0, f); });
  std::atomic<int> replies{0};
  node::ZmqTransport ta(io_a, oa, [&](std::string_view) { ++replies; });
  tb->start();
  ta.start();
  auto guard_b = asio::make_work_guard(io_b);
  std::thread echo([&] { io_b.run(); });
  const std::string frame(frame_bytes, 'x');
  auto round_trip = [&] {
    const int want = replies + 1;
    const auto t0 = Clock::now();
    ta.send(1, frame);
    while (replies < want) io_a.run_one_for(std::chrono::milliseconds(100));
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  for (int i = 0; i < 10; ++i) round_trip();  // the handshake
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    std::this_thread::sleep_for(pause);
    samples.push_back(round_trip());
  }
  asio::post(io_b, [&] { tb->close(); guard_b.reset(); });
  echo.join();
  ta.close();
  return Rtt::of(std::move(samples));
}

emulator::RunSummary live(const std::string& topology, const std::string& spec, int workers,
                          workloads::Workload& keep, const std::string& amount = "half",
                          const std::string& links = "none", const std::string& policy = "global",
                          bool sign = true, emulator::TraceRecorder* trace = nullptr) {
  keep = *workloads::parse_workload(spec);
  emulator::LiveOptions o;
  o.sign = sign;
  o.topology = topology;
  o.policy = policy;
  o.workload = spec;
  o.links = links;
  o.workers = workers;
  o.amount = amount;
  o.endpoints = "tcp";
  o.tcp_base_port = 17900;
  o.agent_path = LEOMESH_AGENT;
  o.trace = trace;
  return *emulator::run_live(o, keep);
}

double idle_agent_rss_mb() {
  const std::string dir = "/tmp/leomesh-bench-rss-" + std::to_string(getpid());
  firmware_config::GenerateOptions g;
  g.topology = "full:2";
  g.workload = "fib:1";
  g.ipc_dir = dir;
  auto configs = *firmware_config::generate(g);
  (void)firmware_config::write_all(configs, dir);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    execl(LEOMESH_AGENT, "leomesh-agent", "--config", (dir + "/sat-1.conf").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  double rss_kb = -1;
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) rss_kb = std::stod(line.substr(6));
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  return rss_kb / 1024.0;
}

}  // namespace

int efficiency_and_memory();
int signatures();

// `bench_agent trace`: what --trace costs a live run (each agent samples its workers every
// 20 ms and writes a line per steal and push): UTS T1L on torus:3x3, one worker each, the
// same run without and with a trace in 3 alternating pairs, the ratio of the medians.
int trace_overhead() {
  auto topo = *mesh::build_topology("torus:3x3", "none");
  std::vector<double> off, on;
  bool exact = true;
  for (int pair = 0; pair < 3; ++pair) {
    for (bool traced : {false, true}) {
      workloads::Workload w;
      emulator::TraceRecorder trace(topo, 1);
      const auto s = live("torus:3x3", "uts:T1L", 1, w, "half", "none", "neighbor", true, traced ? &trace : nullptr);
      exact = exact && s.verified();
      (traced ? on : off).push_back(s.makespan_s);
      std::printf("  pair %d, trace %-3s %.3f s%s\n", pair + 1, traced ? "on" : "off", s.makespan_s,
                  s.verified() ? "" : "  WRONG RESULT");
    }
  }
  std::sort(off.begin(), off.end());
  std::sort(on.begin(), on.end());
  std::printf("live torus:3x3 UTS T1L, median makespan: no trace %.3f s, traced %.3f s, traced / not %.3f\n", off[1],
              on[1], on[1] / off[1]);
  return exact ? 0 : 1;
}

int main(int argc, char** argv) {
  // `bench_agent efficiency` runs only the parallel efficiencies and the memory figure.
  if (argc > 1 && std::string(argv[1]) == "efficiency") return efficiency_and_memory();
  if (argc > 1 && std::string(argv[1]) == "sign") return signatures();
  if (argc > 1 && std::string(argv[1]) == "trace") return trace_overhead();
  // `bench_agent layers` times only the paced ping-pongs (raw and through the agents'
  // transport): a quick way to examine the event-loop layer, e.g. under strace -c.
  // `bench_agent steal` stops after the steal round trip and its baselines.
  const bool layers_only = argc > 1 && std::string(argv[1]) == "layers";
  scheduler::Message request;
  request.kind = scheduler::MessageKind::steal_request;
  request.src = 1;
  request.dst = 0;
  request.hops = 1;
  request.id = 1000;
  const std::size_t frame = node::encode(request).size();
  auto us = [](double s) { return s * 1e6; };
  if (layers_only) {
    for (bool busy : {false, true}) {
      const Rtt raw = raw_ping_pong(frame, 300, busy, std::chrono::microseconds(10000));
      const Rtt raw2 = raw_ping_pong(frame, 300, busy, std::chrono::microseconds(10000), true);
      const Rtt via = transport_ping_pong(frame, 300, std::chrono::microseconds(10000), busy);
      std::printf("%s, median (mean) us: raw paced %.1f (%.1f), two processes %.1f (%.1f), transport %.1f (%.1f)\n",
                  busy ? "one core busy" : "cores idle", us(raw.median), us(raw.mean), us(raw2.median),
                  us(raw2.mean), us(via.median), us(via.mean));
    }
    return 0;
  }
  // 1. Steal round trip vs raw ping-pong.
  const Rtt raw_idle = raw_ping_pong(frame, 20000, false);
  const Rtt raw = raw_ping_pong(frame, 20000, true);
  const Rtt raw_paced = raw_ping_pong(frame, 300, true, std::chrono::microseconds(10000));
  const Rtt raw_paced_2p = raw_ping_pong(frame, 300, true, std::chrono::microseconds(10000), true);
  workloads::Workload w1;
  // The victim runs one long task (about 2 s) and has nothing else to give; the idle thief asks
  // again and again (with its back-off between attempts), and every answer is a full steal
  // round trip through both agents' event loops while the victim's worker computes.
  const auto steals = live("full:2", "bag:balanced,tasks=1,cost=1000000000", 1, w1);
  const emulator::SatelliteSummary* thief = nullptr;
  for (const auto& s : steals.per_satellite)
    if (!thief || s.successes + s.empty > thief->successes + thief->empty) thief = &s;
  const std::uint64_t answered = thief ? thief->successes + thief->empty : 0;
  Rtt steal;
  if (answered) {
    steal.mean = thief->latency_sum_s / static_cast<double>(answered);
    steal.median = thief->extra.value("latency_p50_s", 0.0);
  }
  std::printf("round trips in us, median (mean):\n");
  std::printf("  steal between 2 agents (tcp loopback, CURVE), %llu steals: %7.1f (%.1f)%s\n",
              static_cast<unsigned long long>(answered), us(steal.median), us(steal.mean),
              steals.verified() ? "" : "  WRONG RESULT");
  std::printf("  raw ZeroMQ ping-pong, %zu-byte frame, back to back, one core busy: %7.1f (%.1f); cores idle %.1f (%.1f)\n",
              frame, us(raw.median), us(raw.mean), us(raw_idle.median), us(raw_idle.mean));
  std::printf("  raw, one core busy, 10 ms between round trips (a thief's back-off), one process: %7.1f (%.1f)\n",
              us(raw_paced.median), us(raw_paced.mean));
  std::printf("  the same between two processes (own ZeroMQ contexts, as two agents):          %7.1f (%.1f)\n",
              us(raw_paced_2p.median), us(raw_paced_2p.mean));
  const Rtt via_transport = transport_ping_pong(frame, 300, std::chrono::microseconds(10000), true);
  std::printf("  the agents' transport alone (Asio + ZmqTransport, ipc), same load and pace: %7.1f (%.1f)\n",
              us(via_transport.median), us(via_transport.mean));
  std::printf("  ratio of medians: steal / raw back-to-back = %.2f, steal / raw paced in one process = %.2f\n",
              steal.median / raw.median, steal.median / raw_paced.median);
  std::printf("  ratio of medians: steal / raw paced between two processes = %.2f (goal <= 1.5)\n",
              steal.median / raw_paced_2p.median);
  if (argc > 1 && std::string(argv[1]) == "steal") return 0;
  efficiency_and_memory();
  return signatures();
}

int efficiency_and_memory() {

  // 2. T1L on two agents, and on nine agents over a 3x3 torus with 2 ms ISLs, vs one agent
  // with two workers: on a 2-core machine that one agent is the limit.
  workloads::Workload w2, w3, w4;
  const auto one = live("full:1", "uts:T1L", 2, w2);
  const auto two = live("full:2", "uts:T1L", 1, w3);
  const auto nine = live("torus:3x3", "uts:T1L", 1, w4, "half", "uniform:2ms", "neighbor");
  std::printf("UTS T1L, one agent x 2 workers:  %7.3f s%s\n", one.makespan_s, one.verified() ? "" : "  WRONG RESULT");
  std::printf("UTS T1L, full:2 x 1 worker:      %7.3f s%s\n", two.makespan_s, two.verified() ? "" : "  WRONG RESULT");
  std::printf("  parallel efficiency = %.3f (goal >= 0.95)\n", one.makespan_s / two.makespan_s);
  std::printf("UTS T1L, torus:3x3 x 1 worker, 2 ms ISLs, neighbor: %7.3f s%s\n", nine.makespan_s,
              nine.verified() ? "" : "  WRONG RESULT");
  std::printf("  efficiency against the one agent = %.3f (goal >= 0.9)\n", one.makespan_s / nine.makespan_s);

  // 3. Idle agent memory.
  std::printf("idle agent resident memory: %.1f MB (goal <= 16 MB)\n", idle_agent_rss_mb());
  return 0;
}

namespace {

// User and system CPU of every child process waited for so far (the agents of the runs).
double children_cpu_s() {
  rusage r{};
  getrusage(RUSAGE_CHILDREN, &r);
  return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
         static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

// Microseconds per call of `f`, over `n` calls.
template <class F>
double us_per_call(int n, F&& f) {
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) f(i);
  return std::chrono::duration<double>(Clock::now() - t0).count() * 1e6 / n;
}

}  // namespace

int signatures() {
  // 4. Per message: what the origin adds to a send, what the destination adds to a receive.
  firmware_config::GenerateOptions g;
  g.topology = "full:2";
  g.ipc_dir = "/tmp/leomesh-bench-sign";
  const auto configs = *firmware_config::generate(g);
  auto origin = std::move(*node::OriginAuth::create(firmware_config::origin_keys(configs[0]), 2));
  auto destination = std::move(*node::OriginAuth::create(firmware_config::origin_keys(configs[1]), 2));
  scheduler::Message request;
  request.kind = scheduler::MessageKind::steal_request;
  request.src = 0;
  request.dst = 1;
  request.hops = 1;
  request.load_s = 0.004;
  scheduler::Message loot = request;  // a reply of 64 UTS-sized tasks (28-byte payloads)
  loot.kind = scheduler::MessageKind::steal_reply;
  loot.weight = scheduler::Weight::piece(7);
  scheduler::Task t;
  t.kind = 1;
  t.size = scheduler::Task::kPayloadBytes;
  loot.tasks.assign(64, t);
  node::DecodeLimits limits;
  limits.satellites = 2;
  constexpr int kN = 20000;
  std::printf("origin signatures (Ed25519, libsodium), per message, %d messages:\n", kN);
  double per_frame_us = 0;  // sign + verify of the commonest frame, a small control message
  for (const scheduler::Message* m : {&request, &loot}) {
    std::vector<std::string> frames(kN);
    std::size_t sink = 0;
    const double encode_us = us_per_call(kN, [&](int i) {
      scheduler::Message c = *m;
      c.id = static_cast<std::uint64_t>(i);
      sink += node::encode(c).size();
    });
    const double sign_us = us_per_call(kN, [&](int i) {
      scheduler::Message c = *m;
      c.id = static_cast<std::uint64_t>(i);
      origin.sign(c);
      frames[static_cast<std::size_t>(i)] = node::encode(c);
    });
    const double decode_us = us_per_call(kN, [&](int i) { sink += node::decode(frames[static_cast<std::size_t>(i)], limits)->tasks.size(); });
    int ok = 0;
    const double verify_us = us_per_call(kN, [&](int i) {
      const auto d = node::decode(frames[static_cast<std::size_t>(i)], limits);
      ok += destination.verify(*d) == node::Verdict::ok;
    });
    const std::size_t bare = node::encode(*m).size();
    const std::size_t with_proof = frames.front().size();
    std::printf("  %-24s encode %6.2f us, encode + sign %6.2f us (sign %.2f us); decode %6.2f us, "
                "decode + verify %6.2f us (verify %.2f us, %d/%d ok); frame %zu -> %zu bytes (+%zu)\n",
                m == &request ? "steal request:" : "steal reply, 64 tasks:", encode_us, sign_us, sign_us - encode_us,
                decode_us, verify_us, verify_us - decode_us, ok, kN, bare, with_proof, with_proof - bare);
    asm volatile("" : : "r"(sink));  // the encodings and decodings timed must not be optimised away
    if (m == &request) per_frame_us = (sign_us - encode_us) + (verify_us - decode_us);
  }
  std::printf("  certificate checks at the destination: %llu (one per origin; the cache answers the rest)\n",
              static_cast<unsigned long long>(destination.stats().certificates_checked));

  // Per run: the torus:3x3 case of 2., signed and unsigned, interleaved (other work on the
  // machine drifts; alternating spreads it over both).
  std::printf("UTS T1L, torus:3x3 x 1 worker, 2 ms ISLs, neighbor, CurveZMQ on; signed vs unsigned:\n");
  constexpr int kRounds = 3;
  double log_ratio = 0;
  for (int round = 1; round <= kRounds; ++round) {
    workloads::Workload w1, w2;
    const double cpu0 = children_cpu_s();
    const auto plain = live("torus:3x3", "uts:T1L", 1, w1, "half", "uniform:2ms", "neighbor", false);
    const double cpu1 = children_cpu_s();
    const auto signed_run = live("torus:3x3", "uts:T1L", 1, w2, "half", "uniform:2ms", "neighbor", true);
    const double cpu2 = children_cpu_s();
    auto frames = [](const emulator::RunSummary& r) {
      std::uint64_t n = 0;
      for (const auto& s : r.per_satellite) n += s.extra.value("frames_sent", 0ULL);
      return n;
    };
    // Every frame is signed once and verified once (no forwarding with neighbor stealing).
    const double crypto_s = static_cast<double>(frames(signed_run)) * per_frame_us * 1e-6;
    std::printf("  round %d: unsigned %7.3f s (%llu frames, agents' CPU %.2f s)%s, signed %7.3f s (%llu frames, CPU %.2f s)%s,"
                " signed / unsigned = %.3f (CPU %.3f); signatures' CPU ~%.0f ms by the per-frame cost, %.2f%% of the signed run's 2 cores\n",
                round, plain.makespan_s, static_cast<unsigned long long>(frames(plain)), cpu1 - cpu0,
                plain.verified() ? "" : " WRONG RESULT", signed_run.makespan_s,
                static_cast<unsigned long long>(frames(signed_run)), cpu2 - cpu1, signed_run.verified() ? "" : " WRONG RESULT",
                signed_run.makespan_s / plain.makespan_s, (cpu2 - cpu1) / (cpu1 - cpu0), crypto_s * 1e3,
                100 * crypto_s / (2 * signed_run.makespan_s));
    log_ratio += std::log(signed_run.makespan_s / plain.makespan_s);
  }
  std::printf("  signed / unsigned, geometric mean of %d rounds: %.3f\n", kRounds, std::exp(log_ratio / kRounds));
  return 0;
}
