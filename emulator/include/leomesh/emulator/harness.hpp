// The in-process harness: N satellites' scheduler cores, simulated pools and a simulated
// ISL network (per-link delays, seeded jitter that reorders, optional loss), all in virtual
// time in one thread. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/core.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::emulator {

/// A satellite that crashes at `at_s` (its tasks, timers and messages are lost, its ISLs go
/// dark) and, unless `until_s` is infinite, restarts then with empty memory and a new
/// incarnation. Needs crash recovery (core.heartbeat_s > 0) to finish exactly.
struct HarnessCrash {
  int satellite = 1;
  double at_s = 0;
  double until_s = 1e300;
};

/// What to run. Plain data.
struct HarnessConfig {
  std::string topology = "torus:4x4";
  std::string links = "uniform:1ms";   ///< "" = the topology's default
  int workers = 2;                     ///< simulated workers per satellite
  double task_cost_s = 1e-6;           ///< virtual time per unit of work (see SimulatedPool)
  double jitter_s = 0.0;               ///< each hop adds U(0, jitter): reorders messages
  double loss = 0.0;                   ///< probability a hop drops a message
  int inject_at = 0;                   ///< satellite that receives the root tasks
  double update_interval_s = 0.0;      ///< move the constellation this often (0 = never)
  std::uint64_t seed = 1;
  scheduler::CoreConfig core;          ///< template: self and seed are set per satellite
  double max_virtual_s = 1e6;          ///< give up (finished = false) after this
  std::vector<HarnessCrash> crashes;   ///< never the root
  /// A crashed satellite's ISLs go dark, so routes steer around it at once (as in ns-3). Off:
  /// its links stay up and routes still lead through it, as between live agents over ZeroMQ,
  /// where only the core's own detection steers around it.
  bool crashed_links_go_dark = true;
};

/// What happened, per satellite and in total.
struct HarnessReport {
  bool finished = false;               ///< the root learned the result
  scheduler::Reduction result;
  double makespan_s = 0;               ///< virtual time when the root had the result
  double last_task_s = 0;              ///< virtual time the last task completed
  std::vector<scheduler::CoreStats> per_satellite;
  std::vector<std::uint64_t> tasks_executed;   ///< by each satellite's latest life
  std::uint64_t tasks_executed_lost = 0;      ///< by lives that ended in a crash
  std::vector<scheduler::StealEvent> steals;
  std::uint64_t events = 0;            ///< simulation events processed
  std::uint64_t messages_dropped = 0;  ///< by the loss model
  std::uint64_t messages_lost_to_crashes = 0;  ///< delivered to a crashed satellite
  std::vector<scheduler::RecoveryEvent> recoveries;  ///< loot run again by its giver
  /// Crash recovery: the satellites each satellite's latest life takes for dead at the end
  /// (SatelliteCore::taken_for_dead), ascending.
  std::vector<std::vector<int>> taken_for_dead;
  /// True if a satellite received a message from a satellite that was not its ISL
  /// neighbour at that moment (must never happen in mesh topologies).
  bool non_neighbor_send = false;
};

/// Runs `workload` to completion. Fails on a bad topology or link string, or a crash of the
/// root or of no satellite.
mesh::Result<HarnessReport> run_harness(const HarnessConfig& config,
                                        const workloads::Workload& workload);

}  // namespace leomesh::emulator
