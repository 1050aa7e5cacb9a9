#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/emulator/container.hpp"
#include "leomesh/emulator/dashboard.hpp"

namespace leomesh::cli {

emulator::RunSummary emulate(const EmulationRequest& r, const workloads::Workload& w) {
  emulator::RunSummary s;
  double task_cost_s = w.unit_cost_s;  // live agents do the real work, at its real cost
  const bool live = r.mode == "live" || r.mode == "container";
  std::optional<mesh::Topology> topo;
  std::optional<emulator::TraceRecorder> trace;
  const bool dashboard = live && r.dashboard_port >= 0;
  if (!r.trace_path.empty() || dashboard || (!live && r.heat_columns > 0)) {
    topo.emplace(need(mesh::build_topology(r.run.topology, r.run.links)));
    emulator::TraceRecorder::Options to;
    to.events = !r.trace_path.empty() || dashboard;  // the grid alone costs a few bytes per satellite and ms
    // Live agents sample their workers: a gap of more than one sample is idle time.
    if (live) to.merge_s = 1.5 * r.live.trace_interval_s;
    trace.emplace(*topo, r.run.workers, to);
  }
  if (live) {
    emulator::LiveOptions o = r.live;
    static_cast<emulator::RunOptions&>(o) = r.run;
    o.workload = r.workload;
    if (trace) o.trace = &*trace;
    std::unique_ptr<emulator::LiveDashboard> dash;
    double shown_s = -1;
    // The view of the run so far, from a copy of the trace as it would be written now.
    auto show = [&](double now_s) {
      std::ostringstream text;
      emulator::TraceRecorder(*trace).write(text, now_s);
      if (auto replay = emulator::replay_from_trace(nlohmann::json::parse(text.str()), 60, 5000)) dash->update(*replay);
      shown_s = now_s;
    };
    if (dashboard) {
      dash = need(emulator::LiveDashboard::start("127.0.0.1", r.dashboard_port));
      show(0);
      std::fprintf(stderr, "dashboard: %s (follows the run)\n", dash->url().c_str());
      o.progress = [&](double now_s) {
        if (now_s - shown_s >= 0.5) show(now_s);
      };
    }
    s = need(r.mode == "live" ? emulator::run_live(o, w) : emulator::run_container(o, w));
    if (dash) {
      show(s.makespan_s);
      dash->end();
    }
  } else {
    emulator::SimOptions o = r.sim;
    static_cast<emulator::RunOptions&>(o) = r.run;
    if (o.task_cost_s >= 0) task_cost_s = o.task_cost_s;
    if (trace) o.trace = &*trace;
    s = need(emulator::run_sim(o, w));
    if (r.heat_columns > 0) {
      nlohmann::json rows = nlohmann::json::array();
      int busy = 0;
      for (const auto& row : trace->utilisation_grid(r.heat_columns, s.makespan_s)) {
        nlohmann::json cells = nlohmann::json::array();
        double sum = 0;
        for (double v : row) {
          sum += v;
          cells.push_back(std::round(v * 100) / 100);  // a picture, not a measurement
        }
        busy += sum > 0;
        rows.push_back(std::move(cells));
      }
      s.extra["heat"] = nlohmann::json{
          {"columns", r.heat_columns}, {"end_s", s.makespan_s}, {"satellites_busy", busy}, {"rows", std::move(rows)}};
    }
  }
  if (!r.trace_path.empty()) {
    std::ofstream out(r.trace_path);
    const std::size_t events = trace->write(out, s.makespan_s);
    if (!out) throw UsageError("--trace: cannot write '" + r.trace_path + "'");
    s.extra["trace"] = nlohmann::json{{"file", r.trace_path}, {"events", events}};
  }
  // The limit assumes all work starts at inject_at. With --spread K > 0 the ground uplinks
  // pieces to every satellite within K hops, which can beat it: then it is a reference point
  // ("as if from one ground contact"); a bound, in the sense of mesh/limit.hpp, only for spread 0.
  emulator::add_wavefront_limit(s, r.run, w, task_cost_s);
  return s;
}

}  // namespace leomesh::cli
