// The analytical per-attempt steal-latency model of neighbor-only vs global stealing.
#pragma once

#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/topology.hpp"

namespace leomesh::mesh {

/// How to evaluate the model.
struct ModelOptions {
  double time_s = 0.0;    ///< first sample time
  /// Averaging window for moving constellations; negative = one orbital period. Abstract
  /// topologies do not move and are evaluated once.
  double window_s = -1.0;
  int samples = 12;       ///< evenly spaced sample times within the window
  int khop = 2;           ///< K of the khop:K policy
  /// Size of a steal request and of its reply; each adds serialisation on every hop.
  std::size_t frame_bytes = 0;
};

/// Expected cost of one steal attempt under one victim policy.
struct PolicyCost {
  double mean_hops = 0.0;          ///< to the victim
  double attempt_latency_s = 0.0;  ///< request + reply round trip
};

/// The model's answer, averaged over thieves (uniform) and sample times.
struct ModelReport {
  int satellites = 0;
  int samples = 0;               ///< times evaluated
  double window_s = 0.0;
  PolicyCost neighbor;           ///< uniform over the thief's active ISL neighbours
  PolicyCost global;             ///< uniform over every other satellite, routed multi-hop
  PolicyCost khop;               ///< uniform over satellites within K hops
  int khop_k = 2;
  int diameter_hops = 0;         ///< largest over the samples
  double mean_neighbors = 0.0;   ///< active ISLs per satellite
  /// global / neighbor attempt latency. When links add no delay (HPC mode) every hop costs
  /// the same vanishing time and the ratio is the limit: global / neighbor mean hops.
  double advantage = 0.0;
};

/// Evaluates the model exactly over the routed graph at each sample time and averages.
/// Moves `topo` to each sample time. Fails for fewer than two satellites.
///
///   Topology topo = *Topology::build(*parse_topology("starlink-s1"), links);
///   ModelReport m = *evaluate_model(topo, ModelOptions{});
///   std::cout << m.advantage;
Result<ModelReport> evaluate_model(Topology& topo, const ModelOptions& options);

/// Closed-form mean hop distance between two distinct, uniformly chosen satellites of an
/// RxC torus: N/(N-1) * (floor(R^2/4)/R + floor(C^2/4)/C), N = R*C.
double torus_mean_hops(int rows, int cols);
/// Same for an RxC mesh without wrap: N/(N-1) * ((R^2-1)/(3R) + (C^2-1)/(3C)).
double mesh_mean_hops(int rows, int cols);
/// Diameter of an RxC torus (floor(R/2) + floor(C/2)) and mesh ((R-1) + (C-1)).
int torus_diameter(int rows, int cols);
int mesh_diameter(int rows, int cols);

}  // namespace leomesh::mesh
