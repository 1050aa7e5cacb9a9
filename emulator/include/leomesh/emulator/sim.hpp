// Packet-level emulation in virtual time: ns-3 carries the real encoded messages between
// satellites whose scheduler cores and (simulated) pools run the real workload.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leomesh/emulator/summary.hpp"
#include "leomesh/emulator/trace.hpp"
#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/core.hpp"

namespace leomesh::emulator {

/// A link held down for a while (a failed terminal), for failure experiments and tests.
struct LinkFailure {
  int a = 0, b = 0;         ///< satellite ids of a candidate link
  double from_s = 0;        ///< simulated time it goes down
  double until_s = 1e300;   ///< simulated time it comes back
};

/// A satellite that crashes (its application stops sending, receiving and running tasks, and
/// its links drop its packets) and, with `until_s`, restarts with empty memory: a fresh core
/// and pool, no tasks, no termination weight. Never the root or the injection satellite.
struct SatelliteFailure {
  int satellite = 0;
  double from_s = 0;        ///< simulated time it crashes
  double until_s = 1e300;   ///< simulated time it restarts; 1e300 = crash-stop
};

/// Faults drawn at random from `RunOptions::seed` (each satellite's crashes, each link's
/// flaps and the frames' fates come from streams of their own), on top of the scheduled
/// ones. All zero: none, and a run is the same as without this struct.
struct RandomFaults {
  double crash_rate = 0;         ///< crashes per satellite per simulated second (Poisson)
  double crash_downtime_s = -1;  ///< restart this long after a crash; < 0 = crash-stop
  double flap_rate = 0;          ///< outages per link per simulated second (Poisson)
  double flap_downtime_s = 0.05; ///< how long each outage lasts
  double duplicate = 0;          ///< probability that a frame is delivered twice
  double corrupt = 0;            ///< probability that a frame arrives with bytes flipped
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
  std::vector<SatelliteFailure> crashes;
  RandomFaults faults;
  /// Records the run as a trace (trace.hpp), in simulated time; null = no trace.
  TraceRecorder* trace = nullptr;
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
///
/// Faults: with crash recovery (core heartbeat_s > 0) a crash of any satellite but the root
/// is survived while the surviving ISLs stay connected, and the result stays exact; the
/// summary's faults.recovery says what was run again and when. Without it (weight
/// throwing), a crash that loses termination weight (held by the satellite, owed to it, or
/// waiting below it in the spanning tree) or weight handed to a crashed or restarted
/// satellite stops the run at that moment, finished false and the reason in `failure`:
/// never a wrong result, never a wait until max_sim_s. Lost, duplicated and corrupted
/// frames and healing outages are recovered by the core itself in both modes.
/// The summary's "faults" reports every crash (satellite, at_s, until_s) and the counts of
/// flaps, duplicated and corrupted frames.
mesh::Result<RunSummary> run_sim(const SimOptions& options, const workloads::Workload& workload);

}  // namespace leomesh::emulator
