// Workloads as the runtime sees them: task kinds, root tasks and the exactly known answer.
//
//   auto w = parse_workload("fib:30,cutoff=12");
//   if (!w) { report(w.error()); }
//   pool.submit(w->roots.data(), w->roots.size());
//   ... run to completion with w->registry ...
//   bool ok = w->verify(result);
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/task.hpp"

namespace leomesh::workloads {

/// Task kinds; the same on every satellite, so tasks can travel between them.
enum Kind : scheduler::TaskKind {
  kFib = 1,
  kNQueens = 2,
  kUts = 3,
  kBagRange = 4,
};

/// The exactly known answer of a workload, field by field (a field may be unknown).
struct Expected {
  std::optional<std::uint64_t> sum, aux, max;
};

/// A parsed workload, ready to run.
struct Workload {
  std::string name;                         ///< canonical spec, e.g. "uts:T1"
  std::vector<scheduler::Task> roots;       ///< injected at the start
  Expected expected;                        ///< the exact answer, where known
  /// What each field of the reduction means, e.g. {"nodes", "leaves", "depth"}; an empty
  /// name means the field is unused.
  std::string sum_name, aux_name, max_name;
  std::string unit;                         ///< what a unit of work is: "nodes", "calls", ...
  bool units_in_sum = false;                ///< units are counted in `sum` (else in `aux`)
  /// Real CPU time of one unit on the reference machine (2-core Debian 12, Release build,
  /// measured with `leomesh run --workers 1`; see docs/benchmarks.md). The simulator's
  /// default virtual cost per unit, so a simulated run takes as long as a real one would.
  double unit_cost_s = 1e-7;
  scheduler::TaskRegistry registry;         ///< every kind this workload uses
  std::shared_ptr<const void> env;          ///< parameters the registry's kinds read

  /// True when the answer is known (its sum at least) and `got` equals it in every known field.
  bool verify(const scheduler::Reduction& got) const;
  /// How many units of work `r` represents (its `unit`).
  std::uint64_t work_units(const scheduler::Reduction& r) const;
  /// How many units of work the whole workload is, when its answer says so in advance
  /// (UTS sample trees, fib, bags); empty otherwise (N-Queens, UTS with free parameters).
  std::optional<std::uint64_t> expected_work_units() const;
};

/// Parses the text after --workload:
///   fib:N[,cutoff=C]          Fibonacci; calls with n < C run sequentially (default C=2:
///                             one task per call); N <= 92. Units: calls, 2 fib(N+1) - 1
///   nqueens:N[,cutoff=C]      N-Queens solutions; rows below C are tasks (default N/2).
///                             Units: nodes of the backtracking search
///   uts:NAME | uts:t=1,...    Unbalanced Tree Search: a UTS 2.1 sample tree or parameters
///   bag:balanced,tasks=K,cost=C[,seed=S]   K independent tasks of C work units each
///   bag:irregular,tasks=K,cost=C[,seed=S]  K tasks with Pareto(1.5) costs of mean ~3C
mesh::Result<Workload> parse_workload(std::string_view spec);

/// fib(n) for n <= 92, by iteration.
std::uint64_t fibonacci(unsigned n);
/// Known N-Queens solution counts (OEIS A000170) for 1 <= n <= 27.
std::optional<std::uint64_t> nqueens_known(unsigned n);
/// Sequential N-Queens count by bitmask backtracking (the reference for small n).
std::uint64_t nqueens_sequential(unsigned n);

namespace detail {
/// "N[,cutoff=C]" of the recursive workloads: N within [n_min, n_max]; C within 0..c_max,
/// where c_max < 0 means "up to N"; `default_cutoff(N)` when C is not given.
struct SizeAndCutoff {
  long long n, cutoff;
};
mesh::Result<SizeAndCutoff> parse_size_and_cutoff(std::string_view body, const std::string& name, long long n_min,
                                                  long long n_max, long long c_max,
                                                  long long (*default_cutoff)(long long n));
// Each workload's part of parse_workload(); `body` is the text after "<name>:".
mesh::Result<Workload> make_fib(std::string_view body);
mesh::Result<Workload> make_nqueens(std::string_view body);
mesh::Result<Workload> make_uts(std::string_view body);
mesh::Result<Workload> make_bag(std::string_view body);
}  // namespace detail

}  // namespace leomesh::workloads
