// `leomesh dashboard`: a local web page that replays a trace over the constellation.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "leomesh/mesh/result.hpp"

namespace leomesh::emulator {

/// What the page draws, computed once from a trace (trace.hpp) and the constellation it
/// names: `frames` instants over the run; per frame each satellite's ground point (lat,
/// lon; constellations only), its load (the fraction of the frame it was busy), each ISL's
/// state and latency; the steals as [t_s, thief, victim, tasks] (at most `max_steals`,
/// evenly thinned). Fails on a file that is not a leomesh trace.
///
///   nlohmann::json r = *replay_from_trace(nlohmann::json::parse(file), 60, 5000);
///   r["satellites"];  r["load"][frame][satellite];  r["lat"][frame][satellite];
mesh::Result<nlohmann::json> replay_from_trace(const nlohmann::json& trace, int frames, std::size_t max_steals);

/// The same view from one run of an experiment's raw.jsonl: its spread grid (`heat`, ns-3
/// runs; cli emulation) gives the load, one frame per span; there are no steals. Fails on a
/// run without a grid, or one that does not match its topology.
///
///   nlohmann::json r = *replay_from_run(nlohmann::json::parse(line));
mesh::Result<nlohmann::json> replay_from_run(const nlohmann::json& run);

struct DashboardOptions {
  std::string trace_path;          ///< a trace, or an experiment's raw.jsonl
  int run = 0;                     ///< raw.jsonl: the run on this line (1-based); 0 = the first with a grid
  std::string bind = "127.0.0.1";  ///< loopback only unless asked
  int port = 8080;                 ///< 0 = any free port
  int frames = 60;
};

/// Serves the page (every script and style from this binary, nothing from the network) and
/// /replay.json until SIGINT or SIGTERM. Calls `listening(url)` once it accepts
/// connections. Fails (Error) on a bad trace or raw file, or an address it cannot bind.
mesh::Result<int> serve_dashboard(const DashboardOptions& options, const std::function<void(const std::string&)>& listening);

/// The same page while a run goes on (`emulate --dashboard`): served from a thread of its
/// own, it shows the view last given to update(); /events (server-sent events) tells open
/// pages each time there is a new one, so they fetch it and follow the run, and that the
/// run is over after end(). Stops serving when destroyed.
///
///   auto dash = LiveDashboard::start("127.0.0.1", 0);   // 0: any free port
///   std::cerr << (*dash)->url();
///   while (running) (*dash)->update(*replay_from_trace(snapshot, 60, 5000));
///   (*dash)->end();
class LiveDashboard {
 public:
  static mesh::Result<std::unique_ptr<LiveDashboard>> start(const std::string& bind, int port);
  ~LiveDashboard();
  LiveDashboard(const LiveDashboard&) = delete;
  LiveDashboard& operator=(const LiveDashboard&) = delete;

  const std::string& url() const;
  /// The view from now on (a replay, as replay_from_trace() makes it).
  void update(const nlohmann::json& replay);
  /// The run is over: pages show the last view and stop listening.
  void end();

 private:
  struct Impl;
  explicit LiveDashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace leomesh::emulator
