// Shared pieces of the leomesh command line: how errors leave the program, and the
// registration functions of each subcommand.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "leomesh/emulator/live.hpp"
#include "leomesh/emulator/sim.hpp"
#include "leomesh/emulator/summary.hpp"
#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::cli {

/// Thrown by a subcommand for bad input; main prints "leomesh: <message>" and exits 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Unwraps a Result or turns its Error into a UsageError.
template <class T>
T need(mesh::Result<T> r) {
  if (!r) throw UsageError(r.error().message());
  return std::move(*r);
}

/// Writes JSON to stdout (path "-") or to a file; fails with a UsageError.
void write_json(const nlohmann::json& j, const std::string& path);
/// Fails with a UsageError now, before any work, if `path` (a file, not "-") cannot be written.
void check_writable(const std::string& path, const std::string& flag = "--json");

/// Accepts a finite number within [lo, hi] (NaN, infinities and 1e300 are typing errors);
/// the message names the range.
inline CLI::Validator number_in(double lo, double hi, const std::string& unit = "") {
  return CLI::Validator(
      [lo, hi, unit](std::string& text) -> std::string {
        auto v = mesh::parse_number(text, "");
        if (v && *v >= lo && *v <= hi) return {};
        return "must be a number from " + mesh::format_number(lo) + " to " + mesh::format_number(hi) + unit +
               ", got '" + text + "'";
      },
      "NUMBER");
}

/// Accepts a whole number within [lo, hi] (a negative seed is refused, not wrapped around).
inline CLI::Validator whole_in(long long lo, long long hi) {
  return CLI::Validator(
      [lo, hi](std::string& text) -> std::string {
        auto v = mesh::parse_integer(text, "");
        if (v && *v >= lo && *v <= hi) return {};
        return "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" +
               text + "'";
      },
      "INTEGER");
}

/// The largest seed a flag takes: seeds travel as unsigned 64-bit numbers, and 2^63 - 1 keeps
/// the text unambiguous for every parser on the way.
inline constexpr long long kMaxSeed = 9223372036854775807LL;

/// The longest span of simulated or wall time a flag takes (about 11.6 days): far beyond any
/// run, yet small enough that ns-3's time arithmetic and timers cannot overflow.
inline constexpr double kMaxRunSeconds = 1e6;

/// The largest virtual time one unit of work may cost (`--task-cost`).
inline constexpr double kMaxTaskCostSeconds = 10;

/// Seconds as a flag takes them: plain seconds ("2e-6") or a duration with its unit ("10us").
inline mesh::Result<double> parse_seconds(const std::string& text, const std::string& flag) {
  auto plain = mesh::parse_number(text, flag);
  return plain ? plain : mesh::parse_duration_s(text, flag);
}

/// The virtual time of one unit of work, as `--task-cost` takes it (parse_seconds());
/// never negative.
inline double parse_task_cost(const std::string& text) {
  const double cost = need(parse_seconds(text, "--task-cost"));
  if (!(cost >= 0 && cost <= kMaxTaskCostSeconds))
    throw UsageError("--task-cost: must be from 0 to " + mesh::format_number(kMaxTaskCostSeconds) +
                     " seconds per unit of work, got '" + text + "'");
  return cost;
}

/// One flag per knob of the scheduler core, made from scheduler::core_knobs() (the flag is
/// scheduler::knob_flag(): --steal-timeout, --retransmit, ...). Each takes parse_seconds()
/// and is checked as it is parsed; the value lands in `into` under the knob's name.
void add_core_knob_options(CLI::App& cmd, scheduler::KnobOverrides& into);

/// One emulation run as `emulate` and `experiment` ask for it: the settings both modes share
/// (`run`) and each mode's own (the shared fields of `live` and `sim` are overwritten by `run`).
struct EmulationRequest {
  std::string mode;  ///< "live", "container" or "sim"
  std::string workload;
  emulator::RunOptions run;
  emulator::LiveOptions live;
  emulator::SimOptions sim;
  std::string trace_path;  ///< --trace: the run as a Chrome trace-event file
  int dashboard_port = -1; ///< --dashboard: live and container runs shown as they go (0: any port; -1: none)
  /// > 0 (sim): the spread of work over time in the summary, extra["heat"]: per satellite,
  /// this many spans of the run, each its workers' busy fraction (TraceRecorder::utilisation_grid).
  int heat_columns = 0;
};

/// Runs `r` in its mode; bad options become a UsageError.
emulator::RunSummary emulate(const EmulationRequest& r, const workloads::Workload& w);

/// Each subcommand registers its options and sets the action run after parsing.
using Action = std::function<int()>;
void add_model_commands(CLI::App& app, Action& action);
void add_run_command(CLI::App& app, Action& action);
void add_config_command(CLI::App& app, Action& action);
void add_emulate_command(CLI::App& app, Action& action);
void add_experiment_command(CLI::App& app, Action& action);
void add_dashboard_command(CLI::App& app, Action& action);

}  // namespace leomesh::cli
