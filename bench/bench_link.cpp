// bench_link: how closely the user-space link emulation (node::LinkEmulator) gives each frame
// its ISL delay, against the transport alone in the same run.
//
// Two ZeroMQ transports over ipc with CurveZMQ, as between two agents on one host; frames of
// 1 kB sent one at a time, each after the one before has arrived:
//   - baseline: straight through the transport: what the transport itself takes;
//   - emulated: through a LinkEmulator with one-way latency L (default 5 ms) at 1 Gbit/s.
// Prints the median and 99th percentile of both, the emulated median's error against
// L + serialisation, and that error against the goal: within max(10% of L, 200 us). That a
// frame never arrives early is a test (tests/node/transport.cpp), not a figure.
//
// Usage: bench_link [frames=200] [latency_ms=5]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/node/link_emulator.hpp"
#include "leomesh/node/transport.hpp"

using namespace leomesh;
using Clock = std::chrono::steady_clock;

namespace {

struct Keys {
  std::string pub, sec;
};

Keys keys() {
  auto k = firmware_config::generate_key_pair();
  if (!k) {
    std::fprintf(stderr, "bench_link: no key pair: %s\n", k.error().message().c_str());
    std::exit(1);
  }
  return {k->public_key, k->secret_key};
}

std::string endpoint(const char* name) {
  return "ipc:///tmp/leomesh-bench-link-" + std::to_string(getpid()) + "-" + name;
}

// Runs the loop until `done` or for at most `seconds`.
bool run_until(asio::io_context& io, const std::function<bool()>& done, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!done() && Clock::now() < deadline) io.run_for(std::chrono::milliseconds(1));
  return done();
}

struct Figures {
  double median_s, p99_s;
};

Figures figures(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 99 / 100)]};
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::max(1, std::atoi(argv[1])) : 200;
  const double latency = (argc > 2 ? std::max(0.0, std::atof(argv[2])) : 5.0) * 1e-3;
  const double serialisation = 1000 * 8 / 1e9;  // 1 kB at 1 Gbit/s

  const Keys a = keys(), b = keys();
  asio::io_context io;
  const auto epoch = Clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - epoch).count(); };
  std::size_t arrived = 0;
  double arrived_at = 0;
  node::TransportOptions ob;
  ob.bind_endpoint = endpoint("b");
  ob.public_key = b.pub;
  ob.secret_key = b.sec;
  ob.admitted_keys = {a.pub};
  node::ZmqTransport tb(io, ob, [&](std::string_view) {
    ++arrived;
    arrived_at = seconds();
  });
  node::TransportOptions oa;
  oa.bind_endpoint = endpoint("a");
  oa.public_key = a.pub;
  oa.secret_key = a.sec;
  oa.admitted_keys = {b.pub};
  oa.peers = {{1, ob.bind_endpoint, b.pub}};
  node::ZmqTransport ta(io, oa, [](std::string_view) {});
  tb.start();
  ta.start();
  // The first frame also waits for the CURVE handshake.
  ta.send(1, "warm-up");
  if (!run_until(io, [&] { return arrived == 1; }, 10)) {
    std::fprintf(stderr, "bench_link: the transport delivered nothing\n");
    return 1;
  }

  node::LinkEmulator links(io, ta, epoch);
  const std::string frame(1000, 'x');
  std::vector<double> direct, emulated;
  // Interleaved, so a load spike from other processes hits both alike.
  for (int i = 0; i < frames; ++i) {
    for (const bool emulate : {false, true}) {
      const std::size_t want = arrived + 1;
      const double sent = seconds();
      if (emulate)
        links.send(1, latency, serialisation, frame);
      else
        ta.send(1, frame);
      if (!run_until(io, [&] { return arrived == want; }, 10)) {
        std::fprintf(stderr, "bench_link: frame %d was not delivered\n", i);
        return 1;
      }
      (emulate ? emulated : direct).push_back(arrived_at - sent);
    }
  }
  ta.close();
  tb.close();

  const Figures d = figures(direct), e = figures(emulated);
  const double ideal = latency + serialisation;
  const double error = e.median_s - ideal;
  const double goal = std::max(0.1 * latency, 200e-6);
  std::printf("link emulation, %d frames of 1 kB, latency %.3f ms at 1 Gbit/s (ideal %.3f ms)\n", frames,
              latency * 1e3, ideal * 1e3);
  std::printf("  transport alone   median %8.1f us  p99 %8.1f us\n", d.median_s * 1e6, d.p99_s * 1e6);
  std::printf("  emulated link     median %8.1f us  p99 %8.1f us\n", e.median_s * 1e6, e.p99_s * 1e6);
  std::printf("  error of the median %+.1f us (goal within %.0f us; the transport alone takes %.1f us)\n",
              error * 1e6, goal * 1e6, d.median_s * 1e6);
  std::printf("  |error| / goal = %.2f  (goal <= 1)\n", std::abs(error) / goal);
  return 0;
}
