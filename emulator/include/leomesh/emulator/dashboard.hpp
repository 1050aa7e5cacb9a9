// `leomesh dashboard`: a local web page that replays a trace over the constellation.
#pragma once

#include <functional>
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

}  // namespace leomesh::emulator
