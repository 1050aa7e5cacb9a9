#include "leomesh/node/agent_runtime.hpp"

#include <algorithm>

#include "leomesh/mesh/spec.hpp"

namespace leomesh::node {

void AgentDriver::finished(double) {}
void AgentDriver::recovered(const scheduler::RecoveryEvent&) {}
void AgentDriver::liveness_changed(double) {}
void AgentDriver::steal_answered(const scheduler::StealEvent&) {}
void AgentDriver::originated(double, const scheduler::Message&) {}

AgentRuntime::AgentRuntime(const AgentSettings& s, const scheduler::CoreConfig& cc, workloads::Workload w,
                           mesh::Topology t, AgentDriver& driver)
    : settings_(s),
      core_config_(cc),
      self_(cc.self),
      workload_(std::move(w)),
      topo_(std::move(t)),
      routes_(topo_),
      driver_(driver) {}

mesh::Result<std::unique_ptr<AgentRuntime>> AgentRuntime::create(const AgentSettings& s, AgentDriver& driver,
                                                                  MessageAuth* auth, std::unique_ptr<FrameCodec> codec) {
  auto topo = mesh::build_topology(s.topology, s.links);
  if (!topo) return topo.error();
  scheduler::CoreSettings settings = s.core;
  // Poll-driven (no workers of its own): the host's thread is its one worker. With none, a
  // victim would keep nothing back, and two idle neighbours passed their last task to each
  // other for ever, neither running it between the host's steps.
  settings.workers = std::max<std::size_t>(settings.workers, 1);
  auto core = scheduler::make_core_config(settings);
  if (!core) return core.error();
  const int self = s.core.self, root = s.core.root;
  if (core->recovering() && s.inject_here && self != root)
    return mesh::fail("workload.inject_here", "with crash recovery the work enters at the root (steal.root)");
  // No workload: an embedding that brings only kinds of its own.
  auto w = s.workload.empty() ? mesh::Result<workloads::Workload>(workloads::Workload{})
                              : workloads::parse_workload(s.workload);
  if (!w) return w.error();
  const int n = topo->satellites();
  if (self < 0 || self >= n) return mesh::fail("identity.satellite", "outside 0.." + std::to_string(n - 1));
  if (root < 0 || root >= n) return mesh::fail("steal.root", "outside 0.." + std::to_string(n - 1));
  std::unique_ptr<AgentRuntime> a(new AgentRuntime(s, *core, std::move(*w), std::move(*topo), driver));
  a->auth_ = auth;
  a->codec_ = codec ? std::move(codec) : make_frame_codec();
  a->limits_.satellites = n;
  if (s.max_frame_bytes > 0) a->limits_.max_frame_bytes = s.max_frame_bytes;
  a->codec_->reserve(a->limits_.max_frame_bytes);
  return a;
}

void AgentRuntime::start(double now, scheduler::LocalPool& pool, double emulated_s) {
  // Built at emulated time 0, not at this agent's own start: the tree's edges are candidate
  // links (the same at any time), but its start-share holders are the satellites the root
  // reaches over the links up when it is built. Those must be the ones reachable at the
  // run's start, identically on every agent, whenever each one starts.
  topo_.update(0.0);
  tree_ = scheduler::SpanningTree::build(topo_, core_config_.root);
  // A restarted agent comes back long after the start: its start share went to its first life
  // (a restarted root starts the run afresh: SpanningTree::rejoining).
  if (core_config_.epoch > 1) tree_ = tree_.rejoining(self_);
  topo_.update(emulated_s);
  recompute_routes();
  // Registered by now, the host's kinds included: frames with others are refused.
  limits_.registry = &workload_.registry;
  core_ = std::make_unique<scheduler::SatelliteCore>(core_config_, pool, topo_, routes_, tree_);
  pump_ = std::make_unique<scheduler::CorePump>(*core_, static_cast<scheduler::PumpHost&>(*this));
  const bool roots_here = settings_.inject_here && !workload_.roots.empty();
  if (roots_here) core_->submit(now, workload_.roots.data(), workload_.roots.size());
  // A root with nothing to run yet waits for the ground's command (submit()): begun idle, it
  // would take the run for over at once.
  if (roots_here || self_ != core_config_.root) begin(now);
  pump_->after_event(now);
}

void AgentRuntime::begin(double now) {
  core_->begin(now);
  begun_ = true;
}

void AgentRuntime::submit(double now, const scheduler::Task* tasks, std::size_t count) {
  core_->submit(now, tasks, count);
  if (!begun_) begin(now);
  pump_->after_event(now);
}

void AgentRuntime::deliver(double now, std::string_view frame) {
  // Decoded into buffers the core is done with; handle_message() gives them back.
  scheduler::Message m = core_->blank_message();
  if (auto why = codec_->decode(frame, limits_, m)) {
    // Malformed or oversized frames are dropped and counted, never trusted.
    ++counters_.dropped_frames;
    counters_.last_drop_reason = why->message();
    core_->recycle(std::move(m));
    return;
  }
  // Forwarded messages are checked at their destination. One claiming to come from here is
  // checked too: forwarding it, send() would sign it as this satellite's own.
  if (auth_ && (m.dst == self_ || m.src == self_) && !auth_->verify(m)) {
    core_->recycle(std::move(m));
    return;
  }
  core_->handle_message(now, std::move(m));
  pump_->after_event(now);
}

void AgentRuntime::move_to(double emulated_s) {
  topo_.update(emulated_s);
  recompute_routes();
}

void AgentRuntime::send(double now, scheduler::Outbound& out) {
  // Only what this satellite originates; forwarded messages keep their origin's proof. A
  // retransmission is a fresh copy from the core, signed again with its new load.
  if (auth_ && out.message.src == self_) auth_->sign(out.message);
  if (out.message.src == self_) driver_.originated(now, out.message);
  driver_.transmit(now, out.next_hop, codec_->encode(out.message));
}

void AgentRuntime::record(const scheduler::StealEvent& e) {
  if (settings_.keep_latencies && !e.timed_out && latencies_.size() < kLatencySamples) latencies_.push_back(e.latency_s);
  driver_.steal_answered(e);
}

void AgentRuntime::liveness_changed(double now) {
  recompute_routes();
  driver_.liveness_changed(now);
}

void AgentRuntime::finished(double now) {
  finished_at_ = now;
  driver_.finished(now);
}

std::vector<int> AgentRuntime::taken_for_dead() const {
  std::vector<int> dead;
  for (int s = 0; s < topo_.satellites(); ++s)
    if (core_ && core_->taken_for_dead(s)) dead.push_back(s);
  return dead;
}

// Routes follow a copy of the links with those of satellites taken for dead held down; the
// core keeps seeing the links as they are, so that it still sends such a neighbour its
// heartbeats and hears it when it is back.
void AgentRuntime::recompute_routes() {
  const auto& links = topo_.links();
  auto dead = [&](const mesh::Link& l) { return core_ && (core_->taken_for_dead(l.a) || core_->taken_for_dead(l.b)); };
  if (std::none_of(links.begin(), links.end(), dead)) return routes_.recompute(topo_);
  mesh::Topology view = topo_;
  for (std::size_t i = 0; i < links.size(); ++i)
    if (dead(links[i])) view.force_down(static_cast<int>(i), true);
  routes_.recompute(view);
}

}  // namespace leomesh::node
