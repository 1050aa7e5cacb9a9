// The wavefront limit: how fast any scheduler could possibly finish a workload that starts
// at one satellite.
#pragma once

#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/topology.hpp"

namespace leomesh::mesh {

/// A lower bound on the makespan of a work-stealing (or any) scheduler, from the speed of
/// light alone.
///
/// All work starts at the root satellite r. No work reaches satellite s before k * d(r, s),
/// where d is the one-way latency of the lowest-latency path over the links active now
/// (propagation plus per-hop processing, no serialisation) and k = 1 when work is pushed
/// out unasked, k = 2 when it must be requested first (pull: a steal request goes out, the
/// loot comes back). From then on s's c workers compute without pause. T_lim is the
/// smallest T with
///
///     c * sum_s max(0, T - k * d(r, s)) >= T1
///
/// over every satellite s reachable from r (r itself with d = 0), T1 the total sequential
/// work in seconds. When every satellite takes part, the root cannot learn that the last one
/// has finished before ecc(r) = max_s d(r, s) later, so "with termination" adds ecc(r) (one
/// way, for either k).
/// The bound ignores that work is discrete and that the tree of an irregular workload only
/// unfolds as it runs, and it freezes the links as they are when evaluated (a shell moves
/// little in a run of seconds). Strictly, only push_s binds every scheduler: a request sent
/// ahead, reaching a victim just as work gets there, brings work back before 2 d(r, s). The
/// pull figures model thieves that ask once the work is there to be had, and the termination
/// figures a root that hears from every satellite: the yardstick leomesh's runs are measured
/// against (makespan_over_limit), not a proof that no run can beat it.
///
/// Efficiency is the parallel efficiency of a run that finished at the limit, over the whole
/// constellation: T1 / (N * c * pull_with_termination_s), N counting every satellite (also
/// unreachable ones, which can take no work).
struct WavefrontLimit {
  double push_s = 0;                   ///< k = 1, until the last worker stops
  double pull_s = 0;                   ///< k = 2, until the last worker stops
  double push_with_termination_s = 0;  ///< push_s + ecc_s
  double pull_with_termination_s = 0;  ///< pull_s + ecc_s: the headline limit
  double ecc_s = 0;                    ///< largest one-way latency from the root
  double total_work_s = 0;             ///< T1
  int workers_per_satellite = 0;       ///< c
  int satellites = 0;                  ///< N, every satellite of the topology
  int reachable = 0;                   ///< satellites reachable from the root, the root included
  int root = 0;                        ///< r, where the work starts
  double efficiency = 0;               ///< T1 / (N c pull_with_termination_s)
};

/// The wavefront limit of `total_work_s` seconds of sequential work injected at `root`, with
/// `workers_per_satellite` workers everywhere, over the links of `topo` as they are now
/// (Topology::build leaves a constellation at t = 0). Pure; allocates O(N).
/// Fails for a root out of range, total work that is not finite and > 0, or fewer than one
/// worker per satellite.
///
///   Topology torus = *build_topology("torus:4x4", "uniform:5ms");
///   WavefrontLimit lim = *wavefront_limit(torus, 0, 4130071 * 10e-6, 4);
///   std::cout << lim.pull_with_termination_s;   // 0.685 s for UTS T1 at 10 us per node
Result<WavefrontLimit> wavefront_limit(const Topology& topo, int root, double total_work_s,
                                       int workers_per_satellite);

/// The smallest T with workers * sum_i max(0, T - start_s[i]) >= work_s: when `workers`
/// workers at each of several places, each place starting at start_s[i], finish `work_s`
/// seconds of perfectly divisible work. Exact: the left side is piecewise linear in T, so
/// the start times are sorted and the segment holding T is solved in closed form.
/// Requires at least one start time, all finite and >= 0, work_s >= 0 and workers >= 1.
double earliest_finish_s(std::vector<double> start_s, double work_s, int workers);

}  // namespace leomesh::mesh
