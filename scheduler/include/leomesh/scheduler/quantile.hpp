// Quantiles of steal latencies (and any other samples), defined once for every driver: the
// live agent's telemetry and the ns-3 driver's JSON report the same "p50" for the same samples.
#pragma once

#include <vector>

namespace leomesh::scheduler {

/// The nearest-rank q-quantile of `sorted` (ascending, not empty): the smallest sample that
/// at least a fraction q of all samples are at or below, that is sorted[ceil(q * n) - 1] for
/// n samples, and sorted[0] for q = 0. q is clamped to [0, 1]; q = 1 is the maximum.
/// Always one of the samples, never an interpolation between two.
///
/// q * n is taken as an integer when it is one up to rounding (0.7 * 10 is rank 7, not 8).
///
///   std::vector<double> v = {4, 1, 3, 2};           // sorted: 1 2 3 4
///   std::sort(v.begin(), v.end());
///   quantile(v, 0.5);   // 2: rank ceil(0.5 * 4) = 2
///   quantile(v, 0.9);   // 4: rank ceil(3.6) = 4
///   quantile(v, 0.25);  // 1: rank 1
double quantile(const std::vector<double>& sorted, double q);

}  // namespace leomesh::scheduler
