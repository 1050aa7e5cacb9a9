#include "leomesh/scheduler/pump.hpp"

#include <algorithm>

namespace leomesh::scheduler {

void PumpHost::record(const StealEvent&) {}
void PumpHost::finished(double) {}
void PumpHost::recovered(const RecoveryEvent&) {}
void PumpHost::liveness_changed(double) {}

void CorePump::after_event(double now) {
  while (auto out = core_.poll_outbound()) {
    host_.send(now, *out);
    core_.recycle(std::move(out->message));
  }
  while (auto e = core_.poll_event()) host_.record(*e);
  while (auto r = core_.poll_recovery()) host_.recovered(*r);
  if (core_.liveness_changes() != liveness_seen_) {
    liveness_seen_ = core_.liveness_changes();
    host_.liveness_changed(now);
  }
  if (core_.finished() && !finished_) {
    finished_ = true;
    host_.finished(now);
  }
  const double deadline = core_.next_deadline();
  if (deadline < armed_) {
    // A deadline already past is due now: a driver in virtual time must never be asked to
    // schedule an event before the present.
    armed_ = std::max(deadline, now);
    host_.arm_timer(now, armed_);
  }
}

void CorePump::on_timer(double now, double at) {
  // A superseded timer is dropped rather than handled: handing the core max(now, at) for a
  // timer armed later than now would move its clock forward.
  if (at != armed_) return;
  armed_ = std::numeric_limits<double>::infinity();
  core_.handle_timeout(std::max(now, at));
  after_event(now);
}

void CorePump::on_pool_idle(double now) {
  core_.handle_local_idle(now);
  after_event(now);
}

}  // namespace leomesh::scheduler
