// The ZeroMQ transport: CurveZMQ with a ZAP handler, and user-space link delay emulation.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <thread>

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
  REQUIRE(k.ok());
  return {k->public_key, k->secret_key};
}
std::string endpoint(const char* name) {
  return "ipc:///tmp/leomesh-test-" + std::to_string(getpid()) + "-" + name;
}
// Runs the loop until `done` or the deadline.
void run_until(asio::io_context& io, const std::function<bool()>& done, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!done() && Clock::now() < deadline) io.run_for(std::chrono::milliseconds(1));
}
}  // namespace

TEST_CASE("link emulation delivers every frame, never before latency + serialisation", "[transport]") {
  // How close to the ideal the delay comes is a goal, measured by bench_link.
  const Keys a = keys(), b = keys();
  asio::io_context io;
  std::vector<double> arrivals;
  const auto epoch = Clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(Clock::now() - epoch).count(); };
  node::TransportOptions ob;
  ob.bind_endpoint = endpoint("delay-b");
  ob.public_key = b.pub;
  ob.secret_key = b.sec;
  ob.admitted_keys = {a.pub};
  node::ZmqTransport tb(io, ob, [&](std::string_view) { arrivals.push_back(seconds()); });
  node::TransportOptions oa;
  oa.bind_endpoint = endpoint("delay-a");
  oa.public_key = a.pub;
  oa.secret_key = a.sec;
  oa.admitted_keys = {b.pub};
  oa.peers = {{1, ob.bind_endpoint, b.pub}};
  node::ZmqTransport ta(io, oa, [](std::string_view) {});
  tb.start();
  ta.start();
  // Warm up: the first frame also waits for the CURVE handshake.
  ta.send(1, "warm-up");
  run_until(io, [&] { return !arrivals.empty(); }, 5);
  REQUIRE(arrivals.size() == 1);
  arrivals.clear();

  node::LinkEmulator links(io, ta, epoch);
  const double latency = 0.005, serialisation = 1000 * 8 / 1e9;  // 5 ms, 1 kB at 1 Gbit/s
  std::vector<double> sent;
  for (int i = 0; i < 40; ++i) {
    sent.push_back(seconds());
    links.send(1, latency, serialisation, std::string(1000, 'x'));
    run_until(io, [&] { return arrivals.size() == sent.size(); }, 1);
  }
  REQUIRE(arrivals.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    INFO("frame " << i);
    CHECK(arrivals[i] - sent[i] >= latency + serialisation);  // never early
  }
  ta.close();
  tb.close();
}

TEST_CASE("a client with an unknown key can neither connect nor inject", "[transport]") {
  const Keys server = keys(), friend_ = keys(), rogue = keys();
  asio::io_context io;
  std::vector<std::string> received;
  node::TransportOptions os;
  os.bind_endpoint = endpoint("auth-server");
  os.public_key = server.pub;
  os.secret_key = server.sec;
  os.admitted_keys = {friend_.pub};
  node::ZmqTransport ts(io, os, [&](std::string_view f) { received.emplace_back(f); });
  ts.start();

  node::TransportOptions orogue;
  orogue.bind_endpoint = endpoint("auth-rogue");
  orogue.public_key = rogue.pub;
  orogue.secret_key = rogue.sec;
  orogue.peers = {{0, os.bind_endpoint, server.pub}};  // knows the server's public key, even
  node::ZmqTransport tr(io, orogue, [](std::string_view) {});
  tr.start();
  for (int i = 0; i < 10; ++i) tr.send(0, "steal-request-from-rogue");
  run_until(io, [&] { return ts.stats().auth_failures > 0; }, 5);
  run_until(io, [] { return false; }, 0.3);
  CHECK(ts.stats().auth_failures > 0);
  CHECK(received.empty());

  // The server keeps working for admitted peers.
  node::TransportOptions of;
  of.bind_endpoint = endpoint("auth-friend");
  of.public_key = friend_.pub;
  of.secret_key = friend_.sec;
  of.peers = {{0, os.bind_endpoint, server.pub}};
  node::ZmqTransport tf(io, of, [](std::string_view) {});
  tf.start();
  tf.send(0, "hello");
  run_until(io, [&] { return !received.empty(); }, 5);
  REQUIRE(received.size() == 1);
  CHECK(received[0] == "hello");
  tr.close();
  tf.close();
  ts.close();
}
