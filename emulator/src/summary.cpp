#include "leomesh/emulator/summary.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>
#include <thread>

#include "leomesh/mesh/spec.hpp"

namespace leomesh::emulator {
namespace {
using nlohmann::json;

struct Totals {
  std::uint64_t attempts = 0, successes = 0, answered = 0, hops = 0, tasks = 0, timeouts = 0;
  double latency = 0;
};

Totals totals(const std::vector<SatelliteSummary>& sats) {
  Totals t;
  for (const auto& s : sats) {
    t.attempts += s.attempts;
    t.successes += s.successes;
    t.answered += s.successes + s.empty;
    t.hops += s.hops_sum;
    t.latency += s.latency_sum_s;
    t.tasks += s.tasks_executed;
    t.timeouts += s.timeouts;
  }
  return t;
}

json ratio(double num, std::uint64_t den) { return den ? json(num / static_cast<double>(den)) : json(nullptr); }

json core_json(const scheduler::CoreConfig& c) {
  json j{{"policy", c.policy.to_string()},
         {"amount", scheduler::to_string(c.amount)},
         {"max_batch", c.max_batch},
         {"seed", c.seed},
         {"root", c.root}};
  for (const scheduler::CoreKnob& k : scheduler::core_knobs()) j[k.name] = c.*k.field;
  return j;
}

}  // namespace

scheduler::CoreSettings core_settings(const RunOptions& run) {
  scheduler::CoreSettings s;
  s.policy = run.policy;
  s.amount = run.amount;
  s.seed = run.seed;
  s.workers = static_cast<std::size_t>(run.workers);
  s.knobs = run.core;
  return s;
}

void add_wavefront_limit(RunSummary& summary, const RunOptions& run, const workloads::Workload& workload,
                         double task_cost_s) {
  summary.limit.reset();
  std::optional<std::uint64_t> units = workload.expected_work_units();
  if (!units && summary.finished) units = workload.work_units(summary.result);
  auto topo = mesh::build_topology(run.topology, run.links);
  if (!units || !topo) return;
  auto lim = mesh::wavefront_limit(*topo, run.inject_at, static_cast<double>(*units) * task_cost_s, run.workers);
  if (lim) summary.limit = *lim;  // no work (a cost of 0) has no limit worth the name
  summary.host_limit_s.reset();
  summary.host_cores = 0;
  if (lim && summary.mode == "live") {
    // Live agents share this host's cores: with fewer cores than workers in all, the work
    // cannot finish before the cores have done it, however it is spread.
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int workers = lim->reachable * run.workers;
    summary.host_cores = cores;
    summary.host_limit_s = std::max(lim->pull_with_termination_s, lim->total_work_s / std::min(cores, workers));
  }
}

json RunSummary::to_json() const {
  const Totals t = totals(per_satellite);
  json j{{"workload", workload ? workload->name : ""},
         {"mode", mode},
         {"policy", policy},
         {"topology", topology},
         {"links", links},
         {"satellites", satellites},
         {"workers_per_satellite", workers_per_satellite},
         {"finished", finished},
         {"result", finished ? json(result.sum) : json(nullptr)},
         {"expected", workload && workload->expected.sum ? json(*workload->expected.sum) : json(nullptr)},
         {"verified", verified()},
         {"makespan_s", makespan_s},
         {"tasks_executed", t.tasks},
         {"steals",
          {{"attempts", t.attempts},
           {"successes", t.successes},
           {"timeouts", t.timeouts},
           {"mean_latency_s", ratio(t.latency, t.answered)},
           {"mean_hops", ratio(static_cast<double>(t.hops), t.answered)}}}};
  j["limit_s"] = limit ? json(limit->pull_with_termination_s) : json(nullptr);
  j["limit_push_s"] = limit ? json(limit->push_with_termination_s) : json(nullptr);
  j["makespan_over_limit"] = limit && finished ? json(makespan_s / limit->pull_with_termination_s) : json(nullptr);
  j["efficiency_limit"] = limit ? json(limit->efficiency) : json(nullptr);
  // Live runs only: the limit of this host's cores (the wavefront limit assumes each
  // satellite's workers have cores of their own).
  j["host_cores"] = host_limit_s ? json(host_cores) : json(nullptr);
  j["limit_host_s"] = host_limit_s ? json(*host_limit_s) : json(nullptr);
  j["makespan_over_host_limit"] = host_limit_s && finished ? json(makespan_s / *host_limit_s) : json(nullptr);
  j["core"] = core ? core_json(*core) : json(nullptr);
  if (!failure.empty()) j["failure"] = failure;
  if (workload && finished) {
    if (!workload->aux_name.empty()) j[workload->aux_name] = result.aux;
    if (!workload->max_name.empty()) j[workload->max_name] = result.max;
  }
  json sats = json::array();
  for (const auto& s : per_satellite) {
    json e{{"satellite", s.satellite},
           {"tasks_executed", s.tasks_executed},
           {"steals", {{"attempts", s.attempts}, {"successes", s.successes}, {"empty", s.empty}, {"timeouts", s.timeouts},
                       {"mean_latency_s", ratio(s.latency_sum_s, s.successes + s.empty)},
                       {"mean_hops", ratio(static_cast<double>(s.hops_sum), s.successes + s.empty)}}},
           {"tasks_received", s.tasks_received},
           {"tasks_given", s.tasks_given},
           {"forwarded", s.forwarded},
           {"dropped", s.dropped},
           {"auth_failures", s.auth_failures}};
    if (!s.extra.is_null()) e.update(s.extra);
    sats.push_back(std::move(e));
  }
  j["per_satellite"] = std::move(sats);
  if (!extra.is_null()) j.update(extra);
  return j;
}

void RunSummary::print(std::ostream& out) const {
  const Totals t = totals(per_satellite);
  char line[256];
  auto row = [&](const char* key, const std::string& value) {
    std::snprintf(line, sizeof line, "%-20s %s\n", key, value.c_str());
    out << line;
  };
  row("mode", mode);
  row("topology", topology + " (" + std::to_string(satellites) + " satellites, links " + links + ")");
  row("policy", policy);
  row("workload", (workload ? workload->name : "") + " on " + std::to_string(workers_per_satellite) +
                      " worker(s) per satellite");
  if (!finished) {
    row("finished", "NO: " + failure);
    return;
  }
  row("result", std::to_string(result.sum));
  row("expected", workload && workload->expected.sum ? std::to_string(*workload->expected.sum) : "unknown");
  row("verified", verified() ? "yes" : "NO");
  std::snprintf(line, sizeof line, "%.4f s", makespan_s);
  row("makespan", line);
  if (limit) {
    std::snprintf(line, sizeof line, "%.3f s (pull, with termination; push %.3f s); makespan / limit %.2f",
                  limit->pull_with_termination_s, limit->push_with_termination_s,
                  makespan_s / limit->pull_with_termination_s);
    row("limit", line);
  }
  if (host_limit_s) {
    std::snprintf(line, sizeof line, "%.3f s (the work on this host's %d cores); makespan / host limit %.2f",
                  *host_limit_s, host_cores, makespan_s / *host_limit_s);
    row("host limit", line);
  }
  std::snprintf(line, sizeof line, "%llu attempts, %llu successful (%.1f%%), %llu timed out",
                static_cast<unsigned long long>(t.attempts), static_cast<unsigned long long>(t.successes),
                t.attempts ? 100.0 * static_cast<double>(t.successes) / static_cast<double>(t.attempts) : 0.0,
                static_cast<unsigned long long>(t.timeouts));
  row("steals", line);
  if (t.answered) {
    std::snprintf(line, sizeof line, "%.3f hops, %.3f ms round trip", static_cast<double>(t.hops) / static_cast<double>(t.answered),
                  t.latency / static_cast<double>(t.answered) * 1e3);
    row("per attempt", line);
  }
  std::uint64_t lo = ~0ULL, hi = 0;
  for (const auto& s : per_satellite) {
    lo = std::min(lo, s.tasks_executed);
    hi = std::max(hi, s.tasks_executed);
  }
  if (!per_satellite.empty()) {
    std::snprintf(line, sizeof line, "min %llu, mean %.0f, max %llu", static_cast<unsigned long long>(lo),
                  static_cast<double>(t.tasks) / static_cast<double>(per_satellite.size()),
                  static_cast<unsigned long long>(hi));
    row("tasks per satellite", line);
  }
}

}  // namespace leomesh::emulator
