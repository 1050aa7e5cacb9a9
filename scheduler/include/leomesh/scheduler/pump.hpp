// The one driver loop of a SatelliteCore, written once for the live agent, the ns-3
// application and the in-process harness: after every input it drains the core's outputs
// into the driver, keeps one timer armed for the core's next deadline, and when that timer
// fires hands the core the time it asked for.
//
// Like the core, the pump does no I/O and reads no clock: the driver passes the time in and
// carries out what the pump asks for through a PumpHost (send a message to the next hop,
// record a steal event, arm its timer, learn that the run is over).
#pragma once

#include <limits>

#include "leomesh/scheduler/core.hpp"

namespace leomesh::scheduler {

/// What a driver does with its core's outputs; each driver implements it once (ZeroMQ
/// links and an Asio timer, ns-3 sockets and events, a simulated network and event queue).
///
/// Called only from inside CorePump's methods, on the thread that drives the core, with the
/// `now` that method was given. None of the calls may call back into the pump.
class PumpHost {
 public:
  virtual ~PumpHost() = default;

  /// Hands `out.message` to the link toward `out.next_hop` (an ISL neighbour in mesh
  /// topologies). The host may move from `out`.
  virtual void send(double now, Outbound& out) = 0;
  /// A steal attempt finished (answered or timed out), for telemetry. Default: ignored.
  virtual void record(const StealEvent& event);
  /// Crash recovery: loot given to a satellite taken for dead is running here again.
  /// Default: ignored.
  virtual void recovered(const RecoveryEvent& event);
  /// Crash recovery: SatelliteCore::taken_for_dead() changed for some satellite; a driver
  /// that routes by its own table routes around the ones taken for dead. Default: ignored
  /// (the simulators' links of a crashed satellite go dark, and their routes follow).
  virtual void liveness_changed(double now);
  /// Arms the driver's one timer to fire at time `at` (finite, and usually >= now; fire at
  /// once if it is not), then to call CorePump::on_timer(its now, at). The timer armed before
  /// is superseded: cancel it if that is cheap; if it fires anyway, on_timer() ignores it.
  virtual void arm_timer(double now, double at) = 0;
  /// The core has just learned that the computation is over (the root has the result; other
  /// satellites have been told). Called once per core. Default: ignored.
  virtual void finished(double now);
};

/// Drives one SatelliteCore for one driver: owns the armed-deadline bookkeeping, so drivers
/// only feed inputs in and implement a PumpHost.
///
/// The rules it implements, and why:
/// - Outputs are drained after every input: poll_outbound() into PumpHost::send(), then
///   poll_event() into PumpHost::record(), poll_recovery() into recovered(), a change of
///   liveness into liveness_changed(), then finished() is checked, then the timer.
/// - The timer is re-armed only when next_deadline() moved earlier than the armed one. A
///   timer that fires before the core needs it is harmless (handle_timeout() early does
///   nothing, and the pump re-arms for the real deadline), while re-arming on every message
///   would cost two timer operations and a cancelled handler per message.
/// - When the timer fires the core gets max(now, the time it was armed for): clocks round (ns-3
///   and Asio keep whole nanoseconds), so a timer may fire a fraction of a nanosecond before
///   the deadline it stands for. The core would then see nothing due and ask for the same
///   instant again, forever.
///
/// Not thread-safe; use it from the thread that calls the core. Allocates nothing itself.
///
///   struct Driver : scheduler::PumpHost {
///     void send(double now, scheduler::Outbound& out) override {
///       link_to(out.next_hop).send(encode(out.message));
///     }
///     void arm_timer(double now, double at) override {
///       timer.arm(at, [this, at] { pump->on_timer(clock(), at); });  // replaces the armed one
///     }
///     void finished(double now) override { report(now); }
///     scheduler::CorePump* pump;
///   };
///   scheduler::SatelliteCore core(config, pool, topo, routes, tree);
///   scheduler::CorePump pump(core, driver);
///   driver.pump = &pump;
///   core.begin(clock());
///   pump.after_event(clock());
///   ...                                               // then, on every input:
///   core.handle_message(clock(), std::move(message));  // a frame arrived
///   pump.after_event(clock());
///   pump.on_pool_idle(clock());                        // the pool ran dry
class CorePump {
 public:
  /// `core` and `host` must outlive the pump.
  CorePump(SatelliteCore& core, PumpHost& host) : core_(core), host_(host) {}

  /// Call after handing the core any input yourself (submit, begin, handle_message): drains
  /// its outputs and re-arms the timer if the core's next deadline moved earlier.
  void after_event(double now);
  /// A timer armed for `at` (exactly as passed to PumpHost::arm_timer()) fired at `now`. If
  /// it is the armed one, clears it, calls handle_timeout(max(now, at)) and drains; a timer
  /// superseded since (armed for another time) is ignored, so drivers that cannot cancel
  /// timers, or whose cancelled handlers may still run, need no check of their own.
  void on_timer(double now, double at);
  /// The local pool has no queued and no running task: tells the core, and drains.
  void on_pool_idle(double now);

  /// The deadline the driver's timer is armed for; infinity when none is.
  double armed_deadline() const { return armed_; }
  SatelliteCore& core() { return core_; }
  const SatelliteCore& core() const { return core_; }

 private:
  SatelliteCore& core_;
  PumpHost& host_;
  double armed_ = std::numeric_limits<double>::infinity();
  bool finished_ = false;  // PumpHost::finished() was called
  std::uint64_t liveness_seen_ = 0;  // SatelliteCore::liveness_changes() at the last drain
};

}  // namespace leomesh::scheduler
