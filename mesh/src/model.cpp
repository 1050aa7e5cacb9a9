#include "leomesh/mesh/model.hpp"

#include <algorithm>

#include "leomesh/mesh/routing.hpp"

namespace leomesh::mesh {
namespace {

struct Sums {
  double neighbor_latency = 0, neighbor_hops = 0;
  double global_latency = 0, global_hops = 0;
  double khop_latency = 0, khop_hops = 0;
  double degree = 0;
  int neighbor_thieves = 0, global_thieves = 0, khop_thieves = 0;
};

// One snapshot: every satellite in turn is the thief; its victims are weighted uniformly.
void accumulate_snapshot(const Topology& topo, const ModelOptions& o, BfsScratch& s, Sums& sums,
                         int& diameter) {
  const LinkModel& lm = topo.link_model();
  const double per_hop_frame = 2.0 * lm.serialisation_s(o.frame_bytes);  // request + reply
  for (int thief = 0; thief < topo.satellites(); ++thief) {
    // Path costs are symmetric, so a sweep from the thief gives its cost to every victim.
    sweep_from(topo, thief, s);
    double n_lat = 0, g_lat = 0, g_hops = 0, k_lat = 0, k_hops = 0;
    int n_count = 0, g_count = 0, k_count = 0;
    for (const Adjacent& a : topo.adjacency(thief)) {
      const LinkState& st = topo.state(a.link);
      if (!st.active) continue;
      n_lat += 2.0 * st.latency_s + per_hop_frame;
      ++n_count;
    }
    for (int v : s.order) {
      if (v == thief) continue;
      const auto vi = static_cast<std::size_t>(v);
      const int h = s.hops[vi];
      const double rtt = 2.0 * s.latency_s[vi] + per_hop_frame * h;
      diameter = std::max(diameter, h);
      g_lat += rtt;
      g_hops += h;
      ++g_count;
      if (h <= o.khop) {
        k_lat += rtt;
        k_hops += h;
        ++k_count;
      }
    }
    sums.degree += n_count;
    if (n_count > 0) {
      sums.neighbor_latency += n_lat / n_count;
      sums.neighbor_hops += 1.0;
      ++sums.neighbor_thieves;
    }
    if (g_count > 0) {
      sums.global_latency += g_lat / g_count;
      sums.global_hops += g_hops / g_count;
      ++sums.global_thieves;
    }
    if (k_count > 0) {
      sums.khop_latency += k_lat / k_count;
      sums.khop_hops += k_hops / k_count;
      ++sums.khop_thieves;
    }
  }
}

}  // namespace

Result<ModelReport> evaluate_model(Topology& topo, const ModelOptions& o) {
  if (topo.satellites() < 2)
    return fail("--topology", "the model needs at least 2 satellites, " + topo.spec().name +
                                  " has " + std::to_string(topo.satellites()));
  if (o.samples < 1) return fail("--samples", "must be at least 1");
  if (o.khop < 1) return fail("--khop", "K must be at least 1");
  ModelReport r;
  r.satellites = topo.satellites();
  r.khop_k = o.khop;
  const bool moving = topo.moves();
  r.window_s = moving ? (o.window_s < 0 ? topo.walker()->period_s() : o.window_s) : 0.0;
  r.samples = moving && r.window_s > 0 ? o.samples : 1;
  Sums sums;
  BfsScratch scratch;
  for (int i = 0; i < r.samples; ++i) {
    topo.update(o.time_s + r.window_s * i / r.samples);
    accumulate_snapshot(topo, o, scratch, sums, r.diameter_hops);
  }
  if (sums.neighbor_thieves == 0)
    return fail("--topology", "no satellite of " + topo.spec().name + " has an active ISL");
  auto mean = [](double sum, int count) { return count > 0 ? sum / count : 0.0; };
  r.neighbor = {mean(sums.neighbor_hops, sums.neighbor_thieves),
                mean(sums.neighbor_latency, sums.neighbor_thieves)};
  r.global = {mean(sums.global_hops, sums.global_thieves),
              mean(sums.global_latency, sums.global_thieves)};
  r.khop = {mean(sums.khop_hops, sums.khop_thieves), mean(sums.khop_latency, sums.khop_thieves)};
  r.mean_neighbors = sums.degree / (static_cast<double>(r.satellites) * r.samples);
  r.advantage = r.neighbor.attempt_latency_s > 0
                    ? r.global.attempt_latency_s / r.neighbor.attempt_latency_s
                    : r.global.mean_hops / r.neighbor.mean_hops;
  return r;
}

double torus_mean_hops(int rows, int cols) {
  const double n = static_cast<double>(rows) * cols;
  const auto ring = [](int k) { return static_cast<double>((k * k) / 4) / k; };
  return n / (n - 1.0) * (ring(rows) + ring(cols));
}

double mesh_mean_hops(int rows, int cols) {
  const double n = static_cast<double>(rows) * cols;
  const auto line = [](int k) { return (static_cast<double>(k) * k - 1.0) / (3.0 * k); };
  return n / (n - 1.0) * (line(rows) + line(cols));
}

int torus_diameter(int rows, int cols) { return rows / 2 + cols / 2; }
int mesh_diameter(int rows, int cols) { return (rows - 1) + (cols - 1); }

}  // namespace leomesh::mesh
