// `leomesh experiment NAME`: a named sweep of emulation runs with raw results (JSON lines,
// resumable), a summary CSV, plots and a Markdown report.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>

#include "cli.hpp"
#include "leomesh/mesh/model.hpp"
#include "leomesh/mesh/spec.hpp"

namespace leomesh::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// One run of a sweep. Its key identifies it in the raw file, which is what makes a sweep
// resumable: a run whose key is already there is not run again.
struct RunSpec {
  std::string mode, topology, links, policy, workload;
  int workers = 1;
  std::string task_cost;  // sim only; "" = the workload's measured cost
  int rep = 0;
  int spread = 0;         // sim only: 0 = all work at one satellite, K = spread over K hops
  // Faults (sim only): a label, random crashes (per satellite and second; downtime < 0 =
  // crash-stop) and crash recovery's heartbeat (0 = off, weight throwing).
  std::string scenario;
  double crash_rate = 0, downtime_s = -1, heartbeat_s = 0, suspect_s = 0;
  std::string key() const {
    return mode + "|" + topology + "|" + links + "|" + policy + "|" + workload + "|" + std::to_string(workers) + "|" +
           task_cost + "|" + std::to_string(rep) + (spread ? "|spread:" + std::to_string(spread) : "") +
           (scenario.empty() ? "" : "|faults:" + scenario);
  }
};

struct Plan {
  std::string description;
  std::vector<RunSpec> runs;
};

void add(Plan& p, const std::string& mode, const std::vector<std::string>& topologies, const std::string& links,
         const std::vector<std::string>& policies, const std::vector<std::string>& workloads, int workers,
         const std::string& task_cost, int repeat, int spread = 0) {
  for (int rep = 0; rep < repeat; ++rep)
    for (const auto& t : topologies)
      for (const auto& w : workloads)
        for (const auto& pol : policies) {
          RunSpec r;
          r.mode = mode;
          r.topology = t;
          r.links = links;
          r.policy = pol;
          r.workload = w;
          r.workers = workers;
          r.task_cost = task_cost;
          r.rep = rep;
          r.spread = spread;
          p.runs.push_back(r);
        }
}

// One word for /bin/sh, whatever it contains (descriptions have apostrophes, paths may too).
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

Plan plan(const std::string& name, bool quick, int repeat) {
  Plan p;
  if (name == "demo") {
    p.description =
        "Neighbor vs global stealing: 9 live agents (torus 3x3, 2 ms ISLs, UTS T1L; escalate:2 beside them, "
        "neighbours and a global victim after two empty answers) and the whole of Starlink shell 1 in ns-3 (UTS T1 "
        "at 1 ms per node, onboard-sized tasks), each workload big enough that the wavefront limit allows an "
        "efficiency of 0.7 or more (live: 0.99 on nine dedicated cores; this host has fewer, and its cores "
        "bound the live runs instead)";
    add(p, "live", {"torus:3x3"}, "uniform:2ms", {"neighbor", "global", "escalate:2"}, {"uts:T1L"}, 1, "", repeat);
    // One seed in ns-3 (the simulation is deterministic), and only the two policies the paper
    // compares: each takes a minute or two of wall time at this size.
    add(p, "sim", {"starlink-s1"}, "", {"neighbor", "global"}, {"uts:T1"}, 4, "1ms", 1);
  } else if (name == "smoke") {
    p.description = "The experiment pipeline's seconds-long check: fib on a simulated 4x4 torus";
    add(p, "sim", {"torus:4x4"}, "uniform:1ms", {"neighbor", "global"}, {"fib:25,cutoff=10"}, 2, "1us", repeat);
  } else if (name == "paper-hpc") {
    p.description =
        "The paper's design at this machine's scale: live agents, HPC links (no injected delay), meshes without "
        "wrap, balanced (fib) and irregular (nqueens, UTS) workloads, neighbor vs global";
    const std::vector<std::string> meshes =
        quick ? std::vector<std::string>{"mesh:1x2", "mesh:2x2", "mesh:2x4"}
              : std::vector<std::string>{"mesh:1x2", "mesh:2x2", "mesh:2x4", "mesh:4x4"};
    const std::vector<std::string> workloads =
        quick ? std::vector<std::string>{"fib:42,cutoff=25", "nqueens:13", "uts:T1"}
              : std::vector<std::string>{"fib:47,cutoff=25", "nqueens:16", "uts:T1L"};
    add(p, "live", meshes, "none", {"neighbor", "global"}, workloads, 1, "", repeat);
  } else if (name == "scale") {
    p.description =
        "Constellation scale in ns-3: square tori (5 ms ISLs) and the Starlink and Kuiper shells (geometric ISLs), "
        "UTS T1 at 10 us per node, 4 workers per satellite, neighbor vs global vs khop:2, and lifeline";
    const std::vector<std::string> policies = {"neighbor", "global", "khop:2", "lifeline"};
    const std::vector<std::string> tori =
        quick ? std::vector<std::string>{"torus:4x4", "torus:8x8", "torus:16x16"}
              : std::vector<std::string>{"torus:4x4", "torus:8x8", "torus:16x16", "torus:24x24", "torus:32x32",
                                         "torus:48x48", "torus:72x72"};
    add(p, "sim", tori, "uniform:5ms", policies, {"uts:T1"}, 4, "10us", repeat);
    add(p, "sim", quick ? std::vector<std::string>{"starlink-s1"} : std::vector<std::string>{"starlink-s1", "kuiper-k1"},
        "", policies, {"uts:T1"}, 4, "10us", repeat);
  } else if (name == "policies") {
    p.description =
        "New policies against neighbor and global: lifeline (victims push work to neighbours that asked in vain) and "
        "escalate:4 (one global victim after 4 empty answers in a row), with all work injected at one satellite "
        "(a ground contact) and spread over a 2-hop region, irregular (UTS T1) and balanced (fib) work at 10 us "
        "per unit";
    const std::vector<std::string> policies = {"neighbor", "global", "lifeline", "escalate:4"};
    for (int spread : {0, 2})
      add(p, "sim", {"torus:8x8", "torus:16x16"}, "uniform:5ms", policies, {"uts:T1", "fib:32,cutoff=15"}, 4,
          "10us", repeat, spread);
    if (!quick) {
      add(p, "sim", {"starlink-s1"}, "", policies, {"uts:T1"}, 4, "10us", repeat);
      // The same at the measured cost (88 ns per node): so little work that the run is bound
      // by termination detection across the shell, where spreading work does not pay.
      add(p, "sim", {"starlink-s1"}, "", policies, {"uts:T1"}, 4, "", repeat);
      // Real agents too: the demo's small constellation, and the paper's HPC mesh.
      add(p, "live", {"torus:3x3"}, "uniform:2ms", policies, {"uts:T1"}, 1, "", repeat);
      add(p, "live", {"mesh:4x4"}, "none", policies, {"uts:T1L"}, 1, "", repeat);
    }
  } else if (name == "faults") {
    p.description =
        "Crash recovery in ns-3: random crash schedules (seeded; crash-stop, and crash-restart after 50 ms) on "
        "torus:4x4 (0.02 crashes per satellite and second; heartbeat 20 ms, detection 100 ms) and on Starlink "
        "shell 1 (0.001 per satellite and second, 1.6 a second in the shell; 100 ms, 500 ms), against the same "
        "runs without crashes, with and without recovery (weight throwing); UTS T1 at 20 us per node on the torus "
        "and at 1 ms on the shell";
    struct Scenario {
      const char* label;
      double rate, downtime, heartbeat, suspect;
      int reps;
    };
    // Rates low enough for a run to outlast its crashes: a crash costs the work done under
    // the loot it held, up to half a torus run, and a longer run meets more crashes; at 0.1
    // per satellite and second some torus runs went on for hundreds of seconds.
    const int crash_reps = quick ? 10 : 100 * repeat;
    const Scenario torus[] = {{"no faults, weight throwing", 0, -1, 0, 0, repeat},
                              {"no faults, recovery", 0, -1, 0.02, 0.1, repeat},
                              {"crash-stop 0.02/s, recovery", 0.02, -1, 0.02, 0.1, crash_reps},
                              {"crash-restart 0.02/s, recovery", 0.02, 0.05, 0.02, 0.1, crash_reps}};
    const int shell_reps = quick ? 2 : 10 * repeat;
    // Heartbeats every 100 ms on the shell: at 20 ms its 1,584 satellites sent 300,000 a
    // simulated second to their neighbours alone.
    const Scenario shell[] = {{"no faults, weight throwing", 0, -1, 0, 0, 1},
                              {"no faults, recovery", 0, -1, 0.1, 0.5, 1},
                              {"crash-restart 0.001/s, recovery", 0.001, 0.05, 0.1, 0.5, shell_reps}};
    auto add_faults = [&](const std::string& topology, const std::string& links, const std::string& workload,
                          const std::string& cost, const Scenario* s, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i)
        for (int rep = 0; rep < s[i].reps; ++rep) {
          RunSpec r;
          r.mode = "sim";
          r.topology = topology;
          r.links = links;
          r.policy = "neighbor";
          r.workload = workload;
          r.workers = 2;
          r.task_cost = cost;
          r.rep = rep;
          r.scenario = s[i].label;
          r.crash_rate = s[i].rate;
          r.downtime_s = s[i].downtime;
          r.heartbeat_s = s[i].heartbeat;
          r.suspect_s = s[i].suspect;
          p.runs.push_back(r);
        }
    };
    add_faults("torus:4x4", "uniform:1ms", "uts:T1", "20us", torus, std::size(torus));
    add_faults("starlink-s1", "", "uts:T1", "1ms", shell, std::size(shell));
  } else {
    throw UsageError("experiment: unknown experiment '" + name +
                     "' (known: demo, paper-hpc, scale, policies, faults, smoke)");
  }
  return p;
}

// What `leomesh model` predicts for this run's policy; null for a policy it does not model.
json model_prediction(const RunSpec& r) {
  const bool khop = r.policy.rfind("khop:", 0) == 0;
  // lifeline asks exactly as neighbor does (its pushes are extra, one way, one hop).
  const bool one_hop = r.policy == "neighbor" || r.policy == "lifeline";
  if (!one_hop && r.policy != "global" && !khop) return nullptr;
  mesh::Topology topo = *mesh::build_topology(r.topology, r.links);
  if (topo.satellites() < 2) return nullptr;
  mesh::ModelOptions o;
  o.window_s = topo.moves() ? 10.0 : 0.0;  // runs last seconds, not an orbit
  o.samples = 2;
  if (khop) o.khop = std::stoi(r.policy.substr(5));
  const mesh::ModelReport m = *mesh::evaluate_model(topo, o);
  const mesh::PolicyCost& c = one_hop ? m.neighbor : r.policy == "global" ? m.global : m.khop;
  return json{{"attempt_latency_s", c.attempt_latency_s}, {"mean_hops", c.mean_hops}, {"advantage", m.advantage}};
}

json run_one(const RunSpec& r) {
  const workloads::Workload w = need(workloads::parse_workload(r.workload));
  const auto t0 = Clock::now();
  EmulationRequest q;
  q.mode = r.mode;
  q.workload = r.workload;
  q.run.topology = r.topology;
  q.run.links = r.links;
  q.run.policy = r.policy;
  q.run.workers = r.workers;
  q.run.seed = static_cast<std::uint64_t>(r.rep) + 1;
  if (!r.task_cost.empty()) q.sim.task_cost_s = need(mesh::parse_duration_s(r.task_cost, "task cost"));
  // The report's picture of each case: how the work spread over the satellites in time, from
  // the first repetition (ns-3 runs are deterministic for a seed).
  if (r.mode == "sim" && r.rep == 0) q.heat_columns = 60;
  q.sim.spread_hops = r.spread;
  q.sim.faults.crash_rate = r.crash_rate;
  q.sim.faults.crash_downtime_s = r.downtime_s;
  if (r.heartbeat_s > 0) {
    q.run.core["heartbeat_s"] = r.heartbeat_s;
    q.run.core["suspect_s"] = r.suspect_s;
  }
  emulator::RunSummary s = emulate(q, w);
  s.workload = &w;
  json j = s.to_json();
  j.erase("per_satellite");  // the raw file keeps one line per run; the totals are in it
  std::uint64_t units = s.finished ? w.work_units(s.result) : 0;
  const double cost = s.extra.contains("task_cost_s") ? s.extra["task_cost_s"].get<double>() : w.unit_cost_s;
  j["work_s"] = static_cast<double>(units) * cost;  // total virtual (sim) or measured-equivalent work
  j["key"] = r.key();
  j["rep"] = r.rep;
  j["task_cost"] = r.task_cost;
  j["placement"] = !r.scenario.empty() ? r.scenario : r.spread ? "spread:" + std::to_string(r.spread) : "one satellite";
  j["wall_s"] = std::chrono::duration<double>(Clock::now() - t0).count();
  j["model"] = model_prediction(r);
  return j;
}

std::string fmt_duration(double s) {
  char b[32];
  if (s < 60) std::snprintf(b, sizeof b, "%.0fs", s);
  else std::snprintf(b, sizeof b, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return b;
}

struct ExperimentArgs {
  std::string name;
  std::string out;
  int repeat = 0;
  bool quick = false;
};

int run_experiment(const ExperimentArgs& a) {
  // faults repeats its seeded crash schedules a hundred times already (ten on the shell).
  const int repeat = a.repeat > 0 ? a.repeat : (a.quick || a.name == "smoke" || a.name == "faults" ? 1 : 3);
  const Plan p = plan(a.name, a.quick, repeat);
  const fs::path dir = a.out.empty() ? fs::path("out/experiments") / (a.name + (a.quick ? "-quick" : "")) : fs::path(a.out);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UsageError("--out: cannot create '" + dir.string() + "': " + ec.message());
  const fs::path raw = dir / "raw.jsonl";
  std::set<std::string> done;
  {
    std::ifstream in(raw);
    for (std::string line; std::getline(in, line);) {
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.contains("key")) done.insert(j["key"].get<std::string>());
    }
  }
  std::ofstream out(raw, std::ios::app);
  if (!out) throw UsageError("--out: cannot write '" + raw.string() + "'");
  std::cerr << "experiment " << a.name << ": " << p.runs.size() << " runs (" << done.size()
            << " already in " << raw.string() << ")\n";
  const auto start = Clock::now();
  std::size_t finished_now = 0, to_run = 0;
  for (const auto& r : p.runs) to_run += !done.count(r.key());
  const bool tty = isatty(STDERR_FILENO);
  int failures = 0;
  for (const auto& r : p.runs) {
    if (done.count(r.key())) continue;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    const double eta = finished_now ? elapsed / static_cast<double>(finished_now) * static_cast<double>(to_run - finished_now) : 0;
    const int width = 30;
    const int filled = static_cast<int>(width * finished_now / std::max<std::size_t>(to_run, 1));
    std::cerr << (tty ? "\r" : "") << "[" << std::string(static_cast<std::size_t>(filled), '#')
              << std::string(static_cast<std::size_t>(width - filled), '.') << "] " << finished_now << "/" << to_run
              << " ETA " << (finished_now ? fmt_duration(eta) : "?") << "  " << r.mode << " " << r.topology << " "
              << r.policy << " " << r.workload << (tty ? "\033[K" : "\n") << std::flush;
    const json j = run_one(r);
    if (!j["verified"].get<bool>()) ++failures;
    out << j.dump() << "\n" << std::flush;  // one line per run: an interrupted sweep resumes here
    ++finished_now;
  }
  std::cerr << (tty ? "\r\033[K" : "") << "ran " << finished_now << " runs in "
            << fmt_duration(std::chrono::duration<double>(Clock::now() - start).count()) << "\n";
  // Summary CSV, plots and the report come from the raw file alone, so they can be rebuilt.
  std::ostringstream cmd;
  cmd << "/usr/bin/python3 " << shell_quote(std::string(LEOMESH_PLOTS_DIR) + "/report.py") << " "
      << shell_quote(dir.string()) << " " << shell_quote(a.name) << " " << shell_quote(p.description);
  if (std::system(cmd.str().c_str()) != 0) {
    std::cerr << "leomesh: experiment: the report could not be written (see above); raw results are in " << raw.string()
              << "\n";
    return 1;
  }
  std::cout << "report: " << (dir / "report.md").string() << "\n";
  if (failures) {
    std::cerr << "leomesh: experiment: " << failures << " run(s) did not verify; see the report\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_experiment_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ExperimentArgs>();
  CLI::App* cmd = app.add_subcommand("experiment", "Run a named sweep and write raw results, a CSV, plots and a report");
  cmd->add_option("name", a->name, "demo | paper-hpc | scale | policies | faults | smoke")->required();
  cmd->add_option("--out", a->out, "Output directory (default out/experiments/NAME)");
  cmd->add_option("--repeat", a->repeat, "Repetitions per point (default 3; 1 with --quick, for smoke and for faults)")->check(CLI::Range(1, 100));
  cmd->add_flag("--quick", a->quick, "A smaller, faster version of the sweep");
  cmd->callback([a, &action] { action = [a] { return run_experiment(*a); }; });
}

}  // namespace leomesh::cli
