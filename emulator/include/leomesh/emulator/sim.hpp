// Packet-level emulation in virtual time: ns-3 carries the real encoded messages between
// satellites whose scheduler cores and (simulated) pools run the real workload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leomesh/emulator/summary.hpp"
#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/core.hpp"

namespace leomesh::emulator {

/// A link held down for a while (a failed terminal), for failure experiments and tests.
struct LinkFailure {
  int a = 0, b = 0;         ///< satellite ids of a candidate link
  double from_s = 0;        ///< simulated time it goes down
  double until_s = 1e300;   ///< simulated time it comes back
};

/// What to simulate. Plain data.
struct SimOptions : RunOptions {
  double task_cost_s = -1;           ///< per unit of work; < 0 = the workload's calibrated cost
  /// Placement of the work: 0 = all of it at `inject_at` (one ground contact); K > 0 = split
  /// on the ground into pieces uplinked to every satellite within K hops of `inject_at`.
  int spread_hops = 0;
  double update_interval_s = 1.0;    ///< move the constellation this often (simulated)
  double max_sim_s = 1e5;            ///< give up after this much simulated time
  std::vector<LinkFailure> failures;
};

/// Runs one emulation in ns-3: one Node per satellite, a point-to-point link per candidate
/// ISL (delay and data rate from mesh/, updated every update_interval_s, down while
/// inactive), the Internet stack with one /30 subnet per link and no routing tables beyond
/// the connected subnets, a UDP socket and the SatelliteCore in an Application per
/// satellite. Messages are the agents' encoded Protobuf frames; every satellite sends only
/// to ISL neighbours and forwards along mesh/ next hops. Deterministic for given options.
/// The cores' settings are scheduler::make_core_config(core_settings(options)), with the
/// batch capped so that a reply fits one datagram. Fails (Error) on bad options, naming
/// their flags; a run that does not finish is a summary with finished false.
mesh::Result<RunSummary> run_sim(const SimOptions& options, const workloads::Workload& workload);

}  // namespace leomesh::emulator
