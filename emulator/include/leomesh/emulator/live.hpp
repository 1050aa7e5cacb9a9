// Live emulation: one real leomesh-agent process per satellite on this machine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "leomesh/emulator/summary.hpp"
#include "leomesh/emulator/trace.hpp"
#include "leomesh/mesh/result.hpp"

namespace leomesh::emulator {

/// What to launch. Plain data.
struct LiveOptions : RunOptions {
  std::string workload;           ///< the spec each agent parses
  std::string endpoints = "ipc";  ///< "ipc" (socket files in a private directory) or "tcp" (loopback)
  int tcp_base_port = 17000;
  double time_scale = 1.0;
  double timeout_s = 600;         ///< give up (and clean up) after this long
  bool sign = true;               ///< origin signatures; off only to measure what they cost
  std::string agent_path;         ///< "" = leomesh-agent next to the running executable
  /// With crash recovery (core heartbeat_s > 0) an agent other than the root that dies is
  /// reported and the run goes on; with this, it is also started again at once, as a new
  /// incarnation (--epoch) with empty memory.
  bool restart_crashed = false;
  /// Records the run as a trace (trace.hpp) in wall time since the run's start: each agent
  /// samples its workers' busy time every trace_interval_s and reports its steals, pushes
  /// and messages of the end. Null = no trace (the agents report none of it).
  TraceRecorder* trace = nullptr;
  /// Sampling every 5 ms cost 5% of a T1L run on torus:3x3 (nine agents on two cores), 10 ms
  /// 2%, 20 ms nothing measurable (bench_agent trace).
  double trace_interval_s = 0.02;
  /// Called about every 100 ms while the run goes on, with the seconds since its start (on
  /// the trace's clock): what follows a run as it goes, such as the live dashboard.
  std::function<void(double run_s)> progress;
};

/// Where the agents of a live run are: by default processes of this host on loopback or
/// ipc. The container emulator puts each in its own network namespace with its own address.
struct AgentPlacement {
  /// The run directory is $TMPDIR/<prefix>-<launcher pid>-XXXXXX (`emulate --cleanup` tells
  /// a killed run's by its pid).
  std::string run_dir_prefix = "leomesh-live";
  /// tcp endpoints on these hosts, comma-separated, satellite i on the i-th (as `config
  /// generate --host`); "" = options.endpoints on this host.
  std::string tcp_hosts;
  bool delay_in_network = false;  ///< the network delays the ISLs; agents add no latency
  /// Runs in each agent's process between fork and exec; false = the agent cannot start.
  /// Async-signal-safe calls only.
  std::function<bool(int satellite)> enter;
};

/// Generates the configurations in a private temporary directory ($TMPDIR or /tmp), starts one agent per
/// satellite, waits for the root's result, stops every agent (SIGTERM, then SIGKILL after a
/// grace period), gathers their telemetry and removes the directory. Leaves no process,
/// socket file or directory behind: also when an agent dies, on timeout, and on SIGINT /
/// SIGTERM to this process (which it then re-raises). An agent that dies ends the run
/// (reported in `failure`), unless crash recovery is on and it is not the root: then the
/// death is reported (the summary's "crashes", and a line on stderr) and the run goes on,
/// with the agent restarted if `restart_crashed`.
/// Fails (Error) only on bad options; a failed run is a summary with finished == false.
mesh::Result<RunSummary> run_live(const LiveOptions& options, const workloads::Workload& workload,
                                  const AgentPlacement& placement = {});

}  // namespace leomesh::emulator
