// The agent of one satellite: worker pool, scheduler core and ZeroMQ transport on an Asio
// event loop. What `leomesh-agent` runs, and what flight software embeds.
#pragma once

#include <memory>
#include <string>

#include "leomesh/mesh/result.hpp"
#include "satellite_config.pb.h"

namespace leomesh::node {

/// One satellite's agent.
///
/// It owns: a ThreadPool of `workers` threads running tasks; the sans-IO SatelliteCore
/// deciding when and whom to steal from; a ZmqTransport to its ISL neighbours (every peer in
/// cluster mode); per-link delay queues emulating ISL latency from mesh/ geometry; and an
/// Asio loop with timers (link queues, core deadlines, topology updates) and signals.
///
/// Output: JSON lines on stdout. The root prints {"event":"finished",...} with the result as
/// soon as termination is detected; every agent prints {"event":"telemetry",...} with its
/// counters on exit and on SIGUSR1. SIGINT / SIGTERM stop it gracefully (report, exit 0).
/// The agent keeps running after the run finishes (it may still forward messages for
/// others) until it is told to stop.
///
///   auto cfg = firmware_config::load("sat-0.conf");
///   auto agent = Agent::create(*cfg);
///   if (!agent) { std::cerr << agent.error().message(); return 2; }
///   return (*agent)->run();   // blocks until SIGTERM / stop()
class Agent {
 public:
  /// Builds everything from a validated config; fails on an inconsistent one. With
  /// `exit_when_done`, the agent stops by itself `linger_s` after it learns the run is over
  /// (batch jobs, where no launcher stops it); the linger lets it still forward the last
  /// messages of others. `epoch` is its incarnation (--incarnation) for crash recovery (steal.tuning
  /// heartbeat_s > 0): 1 for the first life, and a number it never had for each restart.
  static mesh::Result<std::unique_ptr<Agent>> create(const config::SatelliteConfig& config,
                                                     bool exit_when_done = false, double linger_s = 2.0,
                                                     std::uint64_t epoch = 1);
  ~Agent();

  /// Runs the event loop on the calling thread until stop() or a signal. Returns 0.
  int run();
  /// Thread-safe: asks the loop to report and exit.
  void stop();

 private:
  struct Impl;
  explicit Agent(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leomesh::node
