// One emulation run, whatever drove it (live agents, ns-3, the in-process harness), as the
// table and the JSON the command line prints.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "leomesh/mesh/limit.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/scheduler/task.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::emulator {

/// What every emulation mode is asked: where, how to steal, how many workers. Plain data;
/// LiveOptions and SimOptions add what is their own.
struct RunOptions {
  std::string topology;
  std::string links;               ///< "" = the topology's default
  std::string policy = "neighbor";
  std::string amount = "half";     ///< what a victim gives: half | one
  int workers = 1;                 ///< per satellite
  int inject_at = 0;               ///< the satellite that receives the work (a ground contact)
  std::uint64_t seed = 1;          ///< victim choice
  /// The core's numeric knobs by name (scheduler::core_knobs()); absent ones keep the core's
  /// defaults. Live mode writes them into every agent's configuration.
  scheduler::KnobOverrides core;
};

/// What every satellite's core of such a run shares (self and root 0): the one way a run's
/// options become scheduler::CoreSettings, for scheduler::make_core_config().
scheduler::CoreSettings core_settings(const RunOptions& run);

/// Counters of one satellite over a run.
struct SatelliteSummary {
  int satellite = 0;
  std::uint64_t tasks_executed = 0;
  std::uint64_t attempts = 0, successes = 0, empty = 0, timeouts = 0;
  double latency_sum_s = 0;        ///< over answered attempts
  std::uint64_t hops_sum = 0;      ///< over answered attempts, one way
  std::uint64_t tasks_received = 0, tasks_given = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t dropped = 0;       ///< frames dropped (malformed, unroutable, queue full)
  std::uint64_t auth_failures = 0;
  nlohmann::json extra;            ///< driver-specific counters, passed through to the JSON
};

/// A whole run.
struct RunSummary {
  std::string mode;                ///< "live", "sim", "harness"
  std::string policy, topology, links;
  int satellites = 0;
  int workers_per_satellite = 0;
  const workloads::Workload* workload = nullptr;
  bool finished = false;           ///< the root learned the result
  std::string failure;             ///< why not, when not finished
  scheduler::Reduction result;
  double makespan_s = 0;
  std::vector<SatelliteSummary> per_satellite;
  nlohmann::json extra;            ///< driver-specific figures
  /// The settings the cores ran with (satellite 0's), so that a run can be repeated.
  std::optional<scheduler::CoreConfig> core;
  /// How fast any scheduler could have been (mesh/limit.hpp); set by add_wavefront_limit(),
  /// empty when the amount of work is not known.
  std::optional<mesh::WavefrontLimit> limit;
  /// Live runs: max(limit, T1 / this host's cores) when the satellites' workers outnumber
  /// the cores they share (the wavefront limit assumes cores of their own); else empty.
  std::optional<double> host_limit_s;
  int host_cores = 0;

  bool verified() const { return finished && workload && workload->verify(result); }
  /// The JSON of ARCHITECTURE.md: workload, result, expected, verified, mode, policy,
  /// topology, satellites, workers_per_satellite, makespan_s, steals{...}, per_satellite[...];
  /// core{policy, amount, max_batch, seed, root, and every knob of scheduler::core_knobs()};
  /// and the limit: limit_s (pull, with termination), limit_push_s (push, with termination),
  /// makespan_over_limit (null unless finished), efficiency_limit; null without a limit;
  /// live runs also host_cores, limit_host_s and makespan_over_host_limit (else null).
  nlohmann::json to_json() const;
  /// A human-readable summary table.
  void print(std::ostream& out) const;
};

/// Sets `summary.limit`: the wavefront limit of `workload` at `task_cost_s` per unit of
/// work, injected at `run.inject_at`, on `run`'s topology and links at time 0 with
/// `run.workers` per satellite. The work is the workload's known amount, else what the
/// finished run did; with neither (or no work at all) the limit stays empty.
/// A live run (summary.mode "live") also gets its host limit (host_limit_s). The one place
/// every mode's run gets its limit; call it after the run.
void add_wavefront_limit(RunSummary& summary, const RunOptions& run, const workloads::Workload& workload,
                         double task_cost_s);

}  // namespace leomesh::emulator
