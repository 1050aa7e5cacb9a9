// What a fuzz_core scenario is made of: the topology, the workload and its menu of tasks that
// can occur, the core's settings; and how a script step becomes a message. Shared by
// fuzz_core (which runs steps) and fuzz_seed (which writes the attack frames of the corpora
// from the same steps, so a seed frame and a seed script say the same thing).
//
//   const World& w = world(kFull2Root | kUts);
//   scheduler::Message m = message_of(w, step);   // may be one the decoder refuses
//   std::string frame = node::encode(m);
#pragma once

#include <cstdint>
#include <vector>

#include "core_script.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/core.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::fuzz {

/// One scenario's fixed parts; built once per process and scenario, then read-only.
struct World {
  workloads::Workload workload;
  mesh::Topology topology;  ///< the state at the start (a run copies it to take links down)
  scheduler::SpanningTree tree;
  scheduler::CoreConfig config;  ///< config.self is the satellite the core is
  /// Tasks this workload can produce: its roots and their first descendants, breadth first.
  /// A message's tasks are drawn from here, so that most get past the wire's validation.
  std::vector<scheduler::Task> menu;
  node::DecodeLimits limits;  ///< what an agent of this scenario accepts
};

/// The world of `scenario` (only the bits of Scenario count).
const World& world(std::uint8_t scenario);

/// The message `step` describes, as a peer would send it to `w`'s satellite.
scheduler::Message message_of(const World& w, const Step& step);

/// A menu task, forged as Step::forge says when that is non-zero.
scheduler::Task task_of(const World& w, std::uint8_t index, std::uint32_t forge);

/// The weight Step::weight describes.
scheduler::Weight weight_of(std::uint8_t weight);

}  // namespace leomesh::fuzz
