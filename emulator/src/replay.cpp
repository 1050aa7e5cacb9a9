// The replay of a trace, computed with mesh/ (the same geometry the run had): what the
// dashboard's page draws.
#include <algorithm>
#include <cmath>

#include "leomesh/emulator/dashboard.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/mesh/walker.hpp"

namespace leomesh::emulator {
namespace {
using nlohmann::json;

double round_to(double v, double step) { return std::round(v / step) * step; }

// Everything but the load and the steals: the frames' instants, ground points, ISL states
// and latencies, from mesh/ geometry at each frame's middle.
json replay_frames(mesh::Topology& topo, double end_s, const std::vector<std::vector<double>>& load, json steals,
                   std::size_t steals_total) {
  const int n = topo.satellites();
  const int frames = static_cast<int>(load.size());
  const double frame_s = end_s / frames;
  json r{{"topology", topo.spec().name}, {"links_model", topo.link_model().to_string()}, {"satellites", n},
         {"planes", topo.planes()}, {"per_plane", topo.per_plane()}, {"end_s", end_s}, {"frame_s", frame_s},
         {"moves", topo.moves()}};
  json links = json::array();
  for (const mesh::Link& l : topo.links()) links.push_back({l.a, l.b});
  r["links"] = links;
  r["steals"] = std::move(steals);
  r["steals_total"] = steals_total;
  json times = json::array(), lat = json::array(), lon = json::array(), up = json::array(), latency = json::array(),
       loads = json::array();
  for (int f = 0; f < frames; ++f) {
    const double t = (f + 0.5) * frame_s;
    topo.update(t);
    times.push_back(t);
    json la = json::array(), lo = json::array(), u = json::array(), ms = json::array(), ld = json::array();
    for (int s = 0; s < n; ++s) {
      if (topo.moves()) {
        const Eigen::Vector3d p = topo.position(s);
        la.push_back(round_to(mesh::Walker::latitude_deg(p), 0.01));
        lo.push_back(round_to(mesh::Walker::longitude_deg(p, t), 0.01));
      }
      ld.push_back(round_to(std::min(1.0, load[static_cast<std::size_t>(f)][static_cast<std::size_t>(s)]), 0.001));
    }
    for (std::size_t l = 0; l < topo.links().size(); ++l) {
      const mesh::LinkState& st = topo.state(static_cast<int>(l));
      u.push_back(st.active ? 1 : 0);
      ms.push_back(round_to(st.latency_s * 1e3, 0.001));
    }
    lat.push_back(la);
    lon.push_back(lo);
    up.push_back(u);
    latency.push_back(ms);
    loads.push_back(ld);
  }
  r["times"] = times;
  r["lat"] = lat;
  r["lon"] = lon;
  r["link_up"] = up;
  r["link_latency_ms"] = latency;
  r["load"] = loads;
  return r;
}

}  // namespace

mesh::Result<json> replay_from_trace(const json& trace, int frames, std::size_t max_steals) {
  if (!trace.is_object() || !trace.contains("traceEvents") || !trace.contains("otherData") ||
      !trace["otherData"].contains("topology"))
    return mesh::fail("TRACE", "not a leomesh trace (written by `leomesh emulate --trace`)");
  const json& meta = trace["otherData"];
  auto topo = mesh::build_topology(meta["topology"].get<std::string>(), meta.value("links", std::string()));
  if (!topo) return topo.error();
  const int n = topo->satellites();
  const double end_s = std::max(meta.value("end_s", 0.0), 1e-9);
  frames = std::max(frames, 2);
  const double frame_s = end_s / frames;

  // Load: the part of each frame a satellite spent busy, from its busy slices.
  std::vector<std::vector<double>> load(static_cast<std::size_t>(frames), std::vector<double>(static_cast<std::size_t>(n)));
  json steals = json::array();
  std::vector<json> all_steals;
  for (const json& e : trace["traceEvents"]) {
    if (!e.is_object() || !e.contains("ts")) continue;
    const std::string name = e.value("name", "");
    const int sat = e.value("pid", 0) - 1;
    if (sat < 0 || sat >= n) continue;
    const double t0 = e["ts"].get<double>() * 1e-6;
    if (name == "busy") {
      const double t1 = t0 + e.value("dur", 0.0) * 1e-6;
      for (int f = std::max(0, static_cast<int>(t0 / frame_s)); f < frames && f * frame_s < t1; ++f) {
        const double overlap = std::min(t1, (f + 1) * frame_s) - std::max(t0, f * frame_s);
        if (overlap > 0) load[static_cast<std::size_t>(f)][static_cast<std::size_t>(sat)] += overlap / frame_s;
      }
    } else if (e.value("cat", "") == "steal" && e.value("ph", "") == "X") {
      all_steals.push_back({round_to(t0, 1e-6), sat, e["args"].value("victim", 0), e["args"].value("tasks", 0)});
    }
  }
  const std::size_t stride = std::max<std::size_t>(1, (all_steals.size() + max_steals - 1) / std::max<std::size_t>(max_steals, 1));
  for (std::size_t i = 0; i < all_steals.size(); i += stride) steals.push_back(all_steals[i]);
  return replay_frames(*topo, end_s, load, std::move(steals), all_steals.size());
}

mesh::Result<json> replay_from_run(const json& run) {
  if (!run.is_object() || !run.contains("heat") || !run["heat"].is_object() || !run.contains("topology") ||
      !run["topology"].is_string() || (run.contains("links") && !run["links"].is_string()))
    return mesh::fail("RAW.jsonl", "the run has no spread grid (only ns-3 runs of `leomesh experiment` carry one)");
  const json& heat = run["heat"];
  auto topo = mesh::build_topology(run["topology"].get<std::string>(), run.value("links", std::string()));
  if (!topo) return topo.error();
  const json& rows = heat.value("rows", json::array());
  const int columns = heat.value("columns", 0);
  if (columns < 1 || !rows.is_array() || rows.size() != static_cast<std::size_t>(topo->satellites()))
    return mesh::fail("RAW.jsonl", "the run's spread grid does not match its topology");
  std::vector<std::vector<double>> load(static_cast<std::size_t>(columns), std::vector<double>(rows.size()));
  for (std::size_t s = 0; s < rows.size(); ++s) {
    if (!rows[s].is_array() || rows[s].size() != static_cast<std::size_t>(columns))
      return mesh::fail("RAW.jsonl", "the run's spread grid does not match its topology");
    for (int f = 0; f < columns; ++f) {
      const json& v = rows[s][static_cast<std::size_t>(f)];
      if (!v.is_number()) return mesh::fail("RAW.jsonl", "the run's spread grid holds a value that is not a number");
      load[static_cast<std::size_t>(f)][s] = v.get<double>();
    }
  }
  return replay_frames(*topo, std::max(heat.value("end_s", 0.0), 1e-9), load, json::array(), 0);
}

}  // namespace leomesh::emulator
