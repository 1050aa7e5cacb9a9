// `leomesh model` and `leomesh topology`: the analytical model and the ISL graph.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>

#include "cli.hpp"
#include "leomesh/mesh/limit.hpp"
#include "leomesh/mesh/model.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/mesh/topology.hpp"

namespace leomesh::cli {
namespace {

using nlohmann::json;

struct ModelArgs {
  std::string topology;
  std::string links;
  bool json = false;
  bool sweep = false;
  mesh::ModelOptions options;
  // --limit: the wavefront limit of a workload instead of the steal-latency model.
  bool limit = false;
  std::string workload;
  std::string task_cost;  // "" = the workload's measured cost per unit
  int workers = 1;
  int inject_at = 0;
};

mesh::Topology build_topology(const std::string& topology, const std::string& links) {
  return need(mesh::build_topology(topology, links));
}

json model_json(const mesh::Topology& topo, const mesh::ModelReport& m) {
  const std::string k = "khop:" + std::to_string(m.khop_k);
  return json{{"topology", topo.spec().name},
              {"links", topo.link_model().to_string()},
              {"satellites", m.satellites},
              {"mean_neighbors", m.mean_neighbors},
              {"mean_hops", {{"neighbor", m.neighbor.mean_hops}, {"global", m.global.mean_hops}, {k, m.khop.mean_hops}}},
              {"diameter_hops", m.diameter_hops},
              {"attempt_latency_s",
               {{"neighbor", m.neighbor.attempt_latency_s}, {"global", m.global.attempt_latency_s},
                {k, m.khop.attempt_latency_s}}},
              {"advantage", m.advantage},
              {"samples", m.samples},
              {"window_s", m.window_s}};
}

void print_model(const mesh::Topology& topo, const mesh::ModelReport& m) {
  std::printf("topology   %s: %d satellites, links %s", topo.spec().name.c_str(), m.satellites,
              topo.link_model().to_string().c_str());
  if (m.samples > 1) std::printf(", averaged over %d times in %.0f s", m.samples, m.window_s);
  std::printf("\n%-10s %10s %22s\n", "policy", "mean hops", "attempt latency (RTT)");
  const auto row = [](const std::string& name, const mesh::PolicyCost& c) {
    std::printf("%-10s %10.3f %19.3f ms\n", name.c_str(), c.mean_hops, c.attempt_latency_s * 1e3);
  };
  row("neighbor", m.neighbor);
  row("khop:" + std::to_string(m.khop_k), m.khop);
  row("global", m.global);
  std::printf("diameter   %d hops, %.2f active ISLs per satellite\n", m.diameter_hops, m.mean_neighbors);
  std::printf("advantage  %.3f (global / neighbor per-attempt latency)\n", m.advantage);
}

int run_sweep(const ModelArgs& a) {
  // Square tori show how the advantage grows with N (E[h] ~ sqrt(N)/2); the presets show
  // the real shells with geometric links.
  std::vector<std::pair<std::string, std::string>> family;
  for (int side : {4, 8, 12, 16, 24, 32, 48, 72})
    family.emplace_back("torus:" + std::to_string(side) + "x" + std::to_string(side),
                        a.links.empty() ? "uniform:5ms" : a.links);
  for (const auto& p : mesh::preset_names()) family.emplace_back(p, a.links);
  json rows = json::array();
  if (!a.json) {
    std::printf("%-14s %6s %9s %9s %8s %12s %12s %9s\n", "topology", "N", "neighbor", "global",
                "diameter", "RTT nbr ms", "RTT glob ms", "advantage");
    std::printf("%-14s %6s %9s %9s %8s %12s %12s %9s\n", "", "", "hops", "hops", "hops", "", "", "");
  }
  for (const auto& [name, links] : family) {
    mesh::Topology topo = build_topology(name, links);
    const mesh::ModelReport m = need(mesh::evaluate_model(topo, a.options));
    rows.push_back(model_json(topo, m));
    if (!a.json) {
      std::printf("%-14s %6d %9.3f %9.3f %8d %12.3f %12.3f %9.3f\n", name.c_str(), m.satellites,
                  m.neighbor.mean_hops, m.global.mean_hops, m.diameter_hops,
                  m.neighbor.attempt_latency_s * 1e3, m.global.attempt_latency_s * 1e3, m.advantage);
      std::fflush(stdout);
    }
  }
  if (a.json) write_json(rows, "-");
  return 0;
}

int run_limit(const ModelArgs& a) {
  if (a.workload.empty()) throw UsageError("--workload: required with --limit");
  const workloads::Workload w = need(workloads::parse_workload(a.workload));
  if (a.topology.empty()) throw UsageError("--topology: required with --limit");
  const mesh::Topology topo = build_topology(a.topology, a.links);
  if (a.inject_at < 0 || a.inject_at >= topo.satellites())
    throw UsageError("--inject-at: no satellite " + std::to_string(a.inject_at) + " in " + topo.spec().name);
  const double cost = a.task_cost.empty() ? w.unit_cost_s : parse_task_cost(a.task_cost);
  if (cost <= 0) throw UsageError("--task-cost: must be > 0 for a limit (no work has none), got '" + a.task_cost + "'");
  const auto units = w.expected_work_units();
  if (!units)
    throw UsageError("--workload: the number of " + w.unit + " of " + w.name +
                     " is not known in advance, so it has no limit; use a UTS sample tree, fib or bag");
  const mesh::WavefrontLimit lim =
      need(mesh::wavefront_limit(topo, a.inject_at, static_cast<double>(*units) * cost, a.workers));
  if (a.json) {
    write_json(json{{"topology", topo.spec().name},
                    {"links", topo.link_model().to_string()},
                    {"satellites", lim.satellites},
                    {"reachable", lim.reachable},
                    {"workers_per_satellite", lim.workers_per_satellite},
                    {"workload", w.name},
                    {"work_units", *units},
                    {"task_cost_s", cost},
                    {"inject_at", lim.root},
                    {"limit",
                     {{"push_s", lim.push_s},
                      {"pull_s", lim.pull_s},
                      {"push_with_termination_s", lim.push_with_termination_s},
                      {"pull_with_termination_s", lim.pull_with_termination_s},
                      {"ecc_s", lim.ecc_s},
                      {"total_work_s", lim.total_work_s},
                      {"efficiency", lim.efficiency}}}},
               "-");
    return 0;
  }
  std::printf("topology   %s: %d satellites (%d reachable from %d), links %s, at t = 0\n", topo.spec().name.c_str(),
              lim.satellites, lim.reachable, lim.root, topo.link_model().to_string().c_str());
  std::printf("work       %s: %llu %s x %g s = %.3f s (T1), all at satellite %d; %d worker(s) per satellite\n",
              w.name.c_str(), static_cast<unsigned long long>(*units), w.unit.c_str(), cost, lim.total_work_s, lim.root,
              lim.workers_per_satellite);
  std::printf("%-22s %19s %18s\n", "limit", "without termination", "with termination");
  std::printf("%-22s %17.3f s %16.3f s\n", "push (work sent)", lim.push_s, lim.push_with_termination_s);
  std::printf("%-22s %17.3f s %16.3f s\n", "pull (work requested)", lim.pull_s, lim.pull_with_termination_s);
  std::printf("ecc        %.3f s (one way, from satellite %d to the farthest)\n", lim.ecc_s, lim.root);
  std::printf("E_lim      %.3g (T1 / (N x workers x pull limit with termination))\n", lim.efficiency);
  return 0;
}

int run_model(const ModelArgs& a) {
  if (a.limit) return run_limit(a);
  if (a.sweep) return run_sweep(a);
  if (a.topology.empty()) throw UsageError("--topology: required (or use --sweep)");
  mesh::Topology topo = build_topology(a.topology, a.links);
  const mesh::ModelReport m = need(mesh::evaluate_model(topo, a.options));
  if (a.json) {
    write_json(model_json(topo, m), "-");
  } else {
    print_model(topo, m);
  }
  return 0;
}

struct Stats {
  double min = std::numeric_limits<double>::infinity(), max = 0, sum = 0;
  int count = 0;
  void add(double v) {
    min = std::min(min, v);
    max = std::max(max, v);
    sum += v;
    ++count;
  }
  json to_json() const {
    if (count == 0) return nullptr;
    return json{{"min", min}, {"mean", sum / count}, {"max", max}};
  }
};

struct TopologyArgs {
  std::string topology;
  std::string links;
  double time_s = 0.0;
  bool json = false;
};

int run_topology(const TopologyArgs& a) {
  mesh::Topology topo = build_topology(a.topology, a.links);
  topo.update(a.time_s);
  Stats intra, inter, latency;
  for (std::size_t i = 0; i < topo.links().size(); ++i) {
    const mesh::LinkState& s = topo.state(static_cast<int>(i));
    if (!s.active) continue;
    latency.add(s.latency_s * 1e3);
    if (topo.links()[i].kind == mesh::Link::Kind::intra_plane) intra.add(s.length_km);
    if (topo.links()[i].kind == mesh::Link::Kind::inter_plane) inter.add(s.length_km);
  }
  json j{{"topology", topo.spec().name},
         {"links", topo.link_model().to_string()},
         {"time_s", a.time_s},
         {"satellites", topo.satellites()},
         {"planes", topo.planes()},
         {"per_plane", topo.per_plane()},
         {"links_candidate", topo.links().size()},
         {"links_active", topo.active_links()},
         {"intra_plane_km", intra.to_json()},
         {"inter_plane_km", inter.to_json()},
         {"link_latency_ms", latency.to_json()}};
  if (topo.walker()) {
    j["orbital_period_s"] = topo.walker()->period_s();
    j["altitude_km"] = topo.walker()->params().altitude_km;
    j["inclination_deg"] = topo.walker()->params().inclination_deg;
  }
  if (a.json) {
    write_json(j, "-");
    return 0;
  }
  std::printf("topology        %s at t = %g s\n", topo.spec().name.c_str(), a.time_s);
  std::printf("satellites      %d (%d planes x %d)\n", topo.satellites(), topo.planes(), topo.per_plane());
  std::printf("links           %d active of %zu candidates (%s)\n", topo.active_links(),
              topo.links().size(), topo.link_model().to_string().c_str());
  const auto row = [](const char* name, const Stats& s, const char* unit) {
    if (s.count == 0) return;
    std::printf("%-15s min %.3f  mean %.3f  max %.3f %s (%d links)\n", name, s.min, s.sum / s.count,
                s.max, unit, s.count);
  };
  row("intra-plane", intra, "km");
  row("inter-plane", inter, "km");
  row("link latency", latency, "ms");
  if (topo.walker()) std::printf("orbital period  %.1f s\n", topo.walker()->period_s());
  return 0;
}

}  // namespace

void add_model_commands(CLI::App& app, Action& action) {
  auto margs = std::make_shared<ModelArgs>();
  CLI::App* model = app.add_subcommand(
      "model", "Analytical per-attempt steal latency: neighbor-only vs global vs k-hop stealing");
  model->add_option("--topology", margs->topology,
                    "Preset (starlink-s1, kuiper-k1, telesat-t1, oneweb, iridium), "
                    "walker-delta:PxS,alt=KM,inc=DEG[,phase=F], walker-star:..., mesh:RxC, "
                    "torus:RxC or full:N");
  model->add_option("--links", margs->links,
                    "geometric | uniform:<latency> | none [,proc=<delay>][,rate=<rate>] "
                    "(default: geometric for constellations, none for abstract topologies)");
  model->add_flag("--json", margs->json, "Print JSON instead of a table");
  model->add_flag("--sweep", margs->sweep,
                  "Model a family: square tori 4x4..72x72 (uniform:5ms unless --links) and every preset");
  model->add_option("--time", margs->options.time_s, "First sample time (s)")->check(number_in(0, 1e9, " seconds"));
  model->add_option("--window", margs->options.window_s,
                    "Averaging window for moving constellations (s; default one orbital period)")
      ->check(number_in(0, 1e9, " seconds"));
  model->add_option("--samples", margs->options.samples, "Sample times in the window")
      ->check(CLI::Range(1, 10000));
  model->add_option("--khop", margs->options.khop, "K of the khop:K policy")->check(CLI::Range(1, 10000));
  model->add_option("--frame-bytes", margs->options.frame_bytes,
                    "Steal request / reply size; adds serialisation per hop")
      ->check(whole_in(0, 64 << 20));
  CLI::Option* limit =
      model->add_flag("--limit", margs->limit,
                      "Instead: the wavefront limit, how fast any scheduler could finish --workload injected at "
                      "--inject-at (push and pull, with and without termination)");
  limit->excludes(model->get_option("--sweep"));
  model->add_option("--workload", margs->workload, "--limit: workload (see `leomesh run --help`)")->needs(limit);
  model->add_option("--task-cost", margs->task_cost,
                    "--limit: time per unit of work, e.g. 10us or 1e-5 (default: the workload's measured cost)")
      ->needs(limit);
  model->add_option("--workers", margs->workers, "--limit: workers per satellite")
      ->check(CLI::Range(1, 256))
      ->needs(limit);
  model->add_option("--inject-at", margs->inject_at, "--limit: satellite that receives the work")->needs(limit);
  model->callback([margs, &action] { action = [margs] { return run_model(*margs); }; });

  auto targs = std::make_shared<TopologyArgs>();
  CLI::App* topology = app.add_subcommand("topology", "The ISL graph at a time: links and lengths");
  topology->add_option("--topology", targs->topology, "Topology (see `leomesh model --help`)")->required();
  topology->add_option("--links", targs->links, "Link model (see `leomesh model --help`)");
  topology->add_option("--time", targs->time_s, "Seconds after epoch")->check(number_in(0, 1e9, " seconds"));
  topology->add_flag("--json", targs->json, "Print JSON instead of a summary");
  topology->callback([targs, &action] { action = [targs] { return run_topology(*targs); }; });
}

}  // namespace leomesh::cli
