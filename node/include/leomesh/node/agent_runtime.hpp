// One satellite's agent without its I/O: what `leomesh-agent` (ZeroMQ links, Asio timers)
// and the embedding C API (leomesh.h: the host's radio, the host's loop) have in common.
//
// From a configuration it builds the topology, routes, spanning tree, workload, scheduler core
// and pump, and origin signatures when the configuration asks for them. Frames come in
// through deliver(); what the core sends leaves, signed and encoded, through the driver's
// transmit(). It reads no clock and owns no thread, socket or timer: every call takes the
// time, and the driver arms the one timer the pump asks for.
//
//   struct Radio : node::AgentDriver {
//     void transmit(double now, int next_hop, std::string_view frame) override { link(next_hop).send(frame); }
//     void arm_timer(double now, double at) override { timer.at(at, [=] { agent->on_timer(clock(), at); }); }
//     node::AgentRuntime* agent;
//   } radio;
//   auto agent = node::AgentRuntime::create(agent_settings(config), radio);   // agent_config.hpp
//   if (!agent) return fail(agent.error());
//   node::ThreadPool pool((*agent)->registry(), options);   // any scheduler::LocalPool
//   (*agent)->start(clock(), pool);
//   ... on every frame:      (*agent)->deliver(clock(), from, bytes);
//   ... when the pool idles: (*agent)->pool_idle(clock());
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/routing.hpp"
#include "leomesh/mesh/topology.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/core.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/scheduler/pump.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::node {

/// What a driver does with an agent's outputs. Called from inside AgentRuntime's methods, on
/// the thread that drives it; none may call back into the runtime.
class AgentDriver {
 public:
  virtual ~AgentDriver() = default;
  /// Sends `frame` over the ISL to `next_hop` (an ISL neighbour; every peer in cluster mode).
  /// The bytes are valid during the call only.
  virtual void transmit(double now, int next_hop, std::string_view frame) = 0;
  /// Arms the one timer to call AgentRuntime::on_timer(its now, at) at `at` (see PumpHost).
  virtual void arm_timer(double now, double at) = 0;
  /// The run is over (the root has the result). Once.
  virtual void finished(double now);
  /// Crash recovery: loot given to a satellite taken for dead runs here again.
  virtual void recovered(const scheduler::RecoveryEvent& event);
  /// Crash recovery: which satellites are taken for dead changed; routes already follow.
  virtual void liveness_changed(double now);
  /// A steal attempt of this satellite was answered, or timed out (what a trace shows).
  virtual void steal_answered(const scheduler::StealEvent& event);
  /// A message this satellite wrote (not one it forwards) leaves, signed, before encoding.
  virtual void originated(double now, const scheduler::Message& message);
};

/// What an agent is, as plain data: agent_settings() (agent_config.hpp) makes it from a
/// satellite configuration file, the C API from its struct.
struct AgentSettings {
  std::string topology;  ///< as --topology: "torus:3x3", "starlink-s1", ...
  std::string links;     ///< as --links; empty: the topology's default
  /// self, root, policy, knobs, epoch (the incarnation: 1 for the first life), workers (0:
  /// poll-driven, the host's thread counts as the one worker).
  scheduler::CoreSettings core;
  std::string workload;  ///< a built-in workload ("uts:T1"), or empty: the host's kinds only
  bool inject_here = false;  ///< the workload's roots start here
  std::size_t max_frame_bytes = 0;  ///< frames beyond are refused; 0: DecodeLimits' default
  bool keep_latencies = true;  ///< keep steal round trips for steal_latencies() (the embedding keeps none)
};

/// Origin signatures, where a configuration asks for them (OriginAuth behind it): what this
/// satellite originates is signed, what is addressed to it (or claims to come from it) checked.
class MessageAuth {
 public:
  virtual ~MessageAuth() = default;
  virtual void sign(scheduler::Message& m) = 0;
  virtual bool verify(const scheduler::Message& m) = 0;
};

/// Counters of the agent itself, beside the core's CoreStats.
struct AgentCounters {
  std::uint64_t dropped_frames = 0;  ///< frames refused by the codec (malformed, too big, unknown kind)
  std::string last_drop_reason;      ///< why the last one was
};

/// The agent of one satellite, driven by one thread. See the file comment.
class AgentRuntime final : private scheduler::PumpHost {
 public:
  /// Checks and builds everything the settings describe; the first problem as an Error naming
  /// its field. `auth` (optional, outliving the runtime) signs and checks messages. `codec`
  /// turns messages into frames and back (default: this build's, make_frame_codec()).
  static mesh::Result<std::unique_ptr<AgentRuntime>> create(const AgentSettings& settings, AgentDriver& driver,
                                                            MessageAuth* auth = nullptr,
                                                            std::unique_ptr<FrameCodec> codec = nullptr);

  /// The workload's kinds; a host may register more before start(), under ids the
  /// workload does not use (the same on every satellite).
  scheduler::TaskRegistry& registry() { return workload_.registry; }
  const workloads::Workload& workload() const { return workload_; }
  /// Builds the core over `pool` (which must outlive the runtime and use registry()),
  /// injects the workload's roots where the configuration says so, and begins; the root
  /// without roots to inject begins at the first submit().
  /// `emulated_s` is the constellation's time, for the geometry of moving topologies.
  void start(double now, scheduler::LocalPool& pool, double emulated_s = 0);
  bool started() const { return core_ != nullptr; }
  /// Adds root tasks here (the ground's command), after start(); with crash recovery only
  /// at the root.
  void submit(double now, const scheduler::Task* tasks, std::size_t count);

  /// A frame from ISL neighbour `from` arrived: decoded (refused and counted if malformed),
  /// checked for its origin's signature where the configuration signs, handed to the core.
  void deliver(double now, std::string_view frame);
  /// The timer armed for `at` fired.
  void on_timer(double now, double at) { pump_->on_timer(now, at); }
  /// The pool ran dry (no task queued or running).
  void pool_idle(double now) { pump_->on_pool_idle(now); }
  /// The constellation moved: link latencies and routes follow emulated time `emulated_s`.
  void move_to(double emulated_s);

  int self() const { return core_config_.self; }
  int root() const { return core_config_.root; }
  std::uint64_t epoch() const { return core_config_.epoch; }
  const AgentSettings& settings() const { return settings_; }
  const mesh::Topology& topology() const { return topo_; }
  bool finished() const { return core_ && core_->finished(); }
  double finished_at() const { return finished_at_; }
  /// The constellation's result; valid at the root once finished().
  const scheduler::Reduction& result() const { return core_->result(); }
  const scheduler::SatelliteCore& core() const { return *core_; }
  const AgentCounters& counters() const { return counters_; }
  /// The satellites this one takes for dead (crash recovery), in id order.
  std::vector<int> taken_for_dead() const;
  /// Round trips of answered steal attempts (the first kLatencySamples), for quantiles.
  const std::vector<double>& steal_latencies() const { return latencies_; }
  static constexpr std::size_t kLatencySamples = 1 << 16;

 private:
  AgentRuntime(const AgentSettings& s, const scheduler::CoreConfig& cc, workloads::Workload w, mesh::Topology t,
               AgentDriver& driver);
  void recompute_routes();
  void begin(double now);
  // scheduler::PumpHost
  void send(double now, scheduler::Outbound& out) override;
  void record(const scheduler::StealEvent& e) override;
  void recovered(const scheduler::RecoveryEvent& e) override { driver_.recovered(e); }
  void liveness_changed(double now) override;
  void arm_timer(double now, double at) override { driver_.arm_timer(now, at); }
  void finished(double now) override;

  AgentSettings settings_;
  scheduler::CoreConfig core_config_;
  int self_;
  workloads::Workload workload_;
  mesh::Topology topo_;
  mesh::RoutingTable routes_;
  scheduler::SpanningTree tree_;
  AgentDriver& driver_;
  std::unique_ptr<scheduler::SatelliteCore> core_;
  std::unique_ptr<scheduler::CorePump> pump_;
  DecodeLimits limits_;
  std::unique_ptr<FrameCodec> codec_;
  MessageAuth* auth_ = nullptr;
  AgentCounters counters_;
  std::vector<double> latencies_;
  bool begun_ = false;
  double finished_at_ = -1;
};

}  // namespace leomesh::node
