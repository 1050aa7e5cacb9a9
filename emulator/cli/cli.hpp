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
void check_writable(const std::string& path);

/// Accepts a finite number >= 0, with a short message otherwise.
inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          std::size_t used = 0;
          const double v = std::stod(text, &used);
          if (used == text.size() && v >= 0 && v < 1e300) return {};
        } catch (const std::exception&) {
        }
        return "must be a number >= 0, got '" + text + "'";
      },
      "NUMBER>=0");
}

/// Seconds as a flag takes them: plain seconds ("2e-6") or a duration with its unit ("10us").
inline mesh::Result<double> parse_seconds(const std::string& text, const std::string& flag) {
  auto plain = mesh::parse_number(text, flag);
  return plain ? plain : mesh::parse_duration_s(text, flag);
}

/// The virtual time of one unit of work, as `--task-cost` takes it (parse_seconds());
/// never negative.
inline double parse_task_cost(const std::string& text) {
  if (text.rfind('-', 0) == 0) throw UsageError("--task-cost: cannot be negative, got '" + text + "'");
  const double cost = need(parse_seconds(text, "--task-cost"));
  if (cost < 0) throw UsageError("--task-cost: cannot be negative, got '" + text + "'");
  return cost;
}

/// One flag per knob of the scheduler core, made from scheduler::core_knobs() (the flag is
/// scheduler::knob_flag(): --steal-timeout, --retransmit, ...). Each takes parse_seconds()
/// and is checked as it is parsed; the value lands in `into` under the knob's name.
void add_core_knob_options(CLI::App& cmd, scheduler::KnobOverrides& into);

/// One emulation run as `emulate` and `experiment` ask for it: the settings both modes share
/// (`run`) and each mode's own (the shared fields of `live` and `sim` are overwritten by `run`).
struct EmulationRequest {
  std::string mode;  ///< "live" or "sim"
  std::string workload;
  emulator::RunOptions run;
  emulator::LiveOptions live;
  emulator::SimOptions sim;
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

}  // namespace leomesh::cli
