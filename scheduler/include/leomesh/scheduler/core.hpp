// The sans-IO steal core of one satellite: when to steal, from whom, what to give, how
// messages are forwarded, and when the whole constellation has finished.
#pragma once

#include <cstdint>
#include <limits>
#include <memory_resource>
#include <optional>
#include <unordered_map>
#include <vector>

#include "leomesh/mesh/routing.hpp"
#include "leomesh/mesh/topology.hpp"
#include "leomesh/scheduler/fifo.hpp"
#include "leomesh/scheduler/message.hpp"
#include "leomesh/scheduler/policy.hpp"
#include "leomesh/scheduler/pool.hpp"
#include "leomesh/scheduler/rng.hpp"
#include "leomesh/scheduler/weight.hpp"

namespace leomesh::scheduler {

/// How much a victim gives: one task, or half of what it can give (from the oldest end).
/// One remote round trip costs as much as ~1000 local tasks, so remote steals move batches.
enum class StealAmount { one, half };

/// Settings of one satellite's core; plain data, applied once. These initialisers are the
/// only defaults: drivers build a CoreConfig with make_core_config() (core_config.hpp), and a
/// new `double` knob needs one row in its table there.
struct CoreConfig {
  int self = 0;
  int root = 0;  ///< runs termination detection and receives the final reduction
  VictimPolicy policy;
  StealAmount amount = StealAmount::half;
  std::size_t max_batch = 4096;      ///< most tasks one reply carries
  /// 0: memory as needed (allocated as it is). Otherwise the core allocates nothing after
  /// its construction: it makes this many message buffers of max_batch tasks for the loot
  /// it gives, its kept copies and the frames it decodes, and reserves its other tables for
  /// the topology. It then has at most message_buffers - 2 loot given and unacknowledged, and
  /// gives none while short of buffers (CoreStats::capped.buffers_short). The embedding sets it.
  std::size_t message_buffers = 0;
  double steal_timeout_s = 0.5;      ///< a request unanswered this long has failed
  double retransmit_s = 0.5;         ///< loot and termination messages resent after this
  double backoff_min_s = 50e-6;      ///< wait after the first empty reply
  double backoff_max_s = 20e-3;      ///< cap of the exponential back-off
  std::size_t workers = 1;           ///< the local pool's workers (a victim keeps 2 tasks each)
  /// Steal requests a thief keeps in flight at once, to distinct victims (at most its active
  /// neighbours for one-hop policies); a whole number, 1 = classic one-at-a-time stealing.
  double requests_in_flight = 4;
  /// A victim that cannot serve a request remembers the thief for this long and pushes it
  /// work as soon as it has some to spare (lifelines, matchmaking); 0 = answer and forget.
  /// While on, every satellite also counts its ISL neighbours as waiting at the start, so
  /// work injected anywhere is pushed outward one ISL latency per hop (the push wavefront)
  /// instead of waiting for requests to come in.
  double remember_s = 0.1;
  /// Ask for work before running dry: a busy satellite with fewer queued tasks than this
  /// sends its requests already (checked at every event and every low_check_s while busy),
  /// so loot can arrive as the last local task ends; 0 = ask only when idle. A value of
  /// `workers` means: as soon as the queue can no longer give every worker its next task.
  double ask_below_per_worker = 1.0;
  /// The demand gradient: every satellite tells its ISL neighbours how many hops away the
  /// nearest hungry satellite is (hungry: idle, until it holds two round trips of work per worker),
  /// and one with surplus pushes a share of it to each neighbour that is closer to demand,
  /// so work crosses a busy region toward idle satellites that no satellite next to them
  /// could feed. Demand farther than this many hops is not seen; a whole number, 0 = off.
  double demand_horizon_hops = 16;
  /// A satellite sends its neighbours a changed distance to demand at most this often (every
  /// message carries the current one anyway), and pushes downhill to each neighbour at most
  /// this often, or once per round trip if that is longer. Without it, live agents on
  /// zero-latency links sent 170,000 demand and loot frames a second and ran 2-3x slower;
  /// at 2 ms the shells in ns-3 are no slower.
  double demand_interval_s = 2e-3;
  /// How often a busy satellite looks at its queue against the low-water mark. Each look
  /// wakes the driver: live agents sharing cores lost 5-10% to looks every 2 ms, while the
  /// simulated runs were no slower at 10 ms.
  double low_check_s = 10e-3;
  double push_check_s = 5e-3;        ///< first wait before a busy victim with thieves waiting
                                     ///< looks again for loot to push (doubling up to backoff_max_s)
  std::uint64_t seed = 1;            ///< victim choice is deterministic per (seed, self)
  /// Crash recovery (scheduler/README.md, "Recovery"); 0 = off, and the end of the run is
  /// told by weight throwing. Else every giver keeps a copy of each loot until its receiver
  /// returns that loot's results, a satellite holding loot tells its givers it is alive this
  /// often, and a giver that has not heard from a receiver for suspect_s runs the loot again.
  double heartbeat_s = 0;
  /// Crash recovery: the detection time. A receiver of loot silent this long is taken for dead.
  double suspect_s = 1.0;
  /// Crash recovery: this satellite's incarnation, 1 at the start of a run and higher after
  /// every restart with empty memory. Every satellite takes the others to be at 1 until it
  /// hears otherwise, so a driver must give a restarted core a number it never had.
  std::uint64_t epoch = 1;
  bool recovering() const { return heartbeat_s > 0; }
};

/// The spanning tree over which termination weight and results travel to the root and the
/// end of the run travels back: a breadth-first tree of the ISL graph from the root, so each
/// parent-child pair is ISL neighbours when built.
struct SpanningTree {
  std::vector<int> parent;                 ///< -1 at the root
  std::vector<std::vector<int>> children;
  std::vector<int> size;  ///< satellites in each one's subtree, itself included
  /// Reachable from the root over the links up when the tree was built (the run's start):
  /// these satellites hold a share of the termination weight at the start, so work can be
  /// injected at any of them. The others join when loot first reaches them.
  std::vector<bool> starts_with_share;
  int share_holders = 0;
  int root = 0;

  static SpanningTree build(const mesh::Topology& topo, int root);
  /// The view of satellite `s` restarted with empty memory long after the start: the same
  /// tree, but neither it nor its children hold or wait for a start share (those went to
  /// its earlier life). A restarted root starts the run afresh (crash recovery: the ground
  /// injects the work again), start shares too: the tree as built.
  SpanningTree rejoining(int s) const;
};

/// One finished steal attempt, for telemetry and latency distributions.
struct StealEvent {
  double at_s = 0;          ///< when the reply (or the timeout) was handled
  int thief = 0, victim = 0;
  int hops = 0;             ///< ISL hops of the request (one way)
  double latency_s = 0;     ///< request sent -> reply handled
  std::uint32_t tasks = 0;  ///< loot size; 0 = empty or timed out
  bool timed_out = false;
};

/// The bounds of a core's state. Every structure that could grow with the messages a core is
/// sent stops at one of these, at the number of satellites, or at a setting of CoreConfig; what
/// would exceed a bound is dropped and counted (CoreStats::capped), never stored. The protocol
/// survives each drop as it survives a message lost on a link, with one exception: loot that
/// comes for a timed-out request only after timed_out_kept later timeouts is not taken, and
/// its weight is stranded. A copy is never taken as new.
struct CoreBounds {
  /// Reliable messages (loot, pushes, weight returns) kept unacknowledged toward one satellite,
  /// and how far past the last number received in order a sender's next one may be (the
  /// receive window): a victim with this many loot messages unacknowledged by a thief gives
  /// it nothing more until some are acknowledged.
  static constexpr std::size_t window = 64;
  /// This satellite's latest steal numbers whose loot it recognises as already taken (a
  /// resent copy is acknowledged again); loot for an older number is acknowledged, never taken.
  static constexpr std::size_t steals_kept = 1024;
  /// Timed-out requests whose loot is still taken when it comes late; the oldest are forgotten.
  static constexpr std::size_t timed_out_kept = 4096;
  /// Messages waiting for poll_outbound(): a driver that drains after every input (CorePump)
  /// stays far below; one that does not loses the newest, as a full link queue would.
  static constexpr std::size_t outbound = 1 << 14;
  /// Steal events waiting for poll_event(); the newest are dropped beyond it.
  static constexpr std::size_t events = 4096;
  /// Crash recovery: loot accounts held at once (Task::account is one byte; 0 is the work
  /// injected at the root). Loot that would need more waits, unacknowledged, and is resent.
  static constexpr std::size_t accounts = 255;
  /// Crash recovery: loot given to one satellite and not yet settled (its copies kept here).
  static constexpr std::size_t given = 255;
};

/// Loot run again by its giver (crash recovery): the receiver was taken for dead.
struct RecoveryEvent {
  double at_s = 0;
  int giver = 0, receiver = 0;
  std::uint64_t receiver_epoch = 0;  ///< the incarnation that had it
  std::size_t tasks = 0;             ///< restored to the giver's queue
  bool restarted = false;            ///< the receiver came back as a new incarnation (else it fell silent)
};

/// How many entries the core's bounded structures hold now (SatelliteCore::state_size()),
/// each with its bound. Fixed-size members (the ISL neighbours, the tree children) are not
/// counted.
struct CoreStateSize {
  std::size_t requests = 0;   ///< steal requests in flight: at most requests_in_flight
  std::size_t timed_out = 0;  ///< timed-out requests whose loot may come: CoreBounds::timed_out_kept
  std::size_t taken = 0;      ///< steal numbers whose loot was taken: CoreBounds::steals_kept
  std::size_t waiting = 0;    ///< remembered thieves: one per other satellite
  std::size_t unacked = 0;    ///< kept for resending: CoreBounds::window per other satellite
  std::size_t peers = 0;      ///< per-satellite records (numbering, receive windows): one per other satellite
  std::size_t outbound = 0;   ///< not yet polled: CoreBounds::outbound
  std::size_t events = 0;     ///< not yet polled: CoreBounds::events
  std::size_t accounts = 0;   ///< crash recovery: loot accounts open here: CoreBounds::accounts
  std::size_t given = 0;      ///< crash recovery: loot given and not settled: CoreBounds::given per other satellite
  std::size_t total() const {
    return requests + timed_out + taken + waiting + unacked + peers + outbound + events + accounts + given;
  }
};

/// Counters of one satellite's core.
struct CoreStats {
  std::uint64_t steal_attempts = 0, steal_successes = 0, steal_empty = 0, steal_timeouts = 0;
  std::uint64_t late_loot = 0;           ///< loot that arrived after its request timed out
  std::uint64_t tasks_received = 0, tasks_given = 0;
  std::uint64_t loot_sent = 0;           ///< loot messages (replies with tasks, pushes), first copies
  std::uint64_t requests_served = 0;     ///< steal requests answered as a victim
  std::uint64_t forwarded = 0;           ///< messages passed on toward another satellite
  std::uint64_t unroutable = 0;          ///< messages dropped: no route at that moment, or past the hop limit
  std::uint64_t hop_limit = 0;           ///< of those, dropped after 2 x satellites + 16 hops (a routing loop)
  std::uint64_t loot_retransmits = 0;    ///< reliable messages (loot, returns, terminate) resent
  std::uint64_t loot_pushes = 0;         ///< loot pushed unasked (to waiting thieves, tree children, downhill)
  std::uint64_t downhill_pushes = 0;     ///< of those, pushed toward demand (the gradient)
  std::uint64_t messages_sent = 0;       ///< including forwards
  std::uint64_t weight_returns = 0;      ///< termination weight sent toward the root
  /// Messages refused because they cannot be true of an honest run, by reason; each is
  /// dropped before it changes anything.
  struct Rejected {
    std::uint64_t own_request = 0;     ///< a message (a steal request, a push, ...) that claims to come from this satellite
    std::uint64_t terminate = 0;       ///< terminate at the root, or not from the tree parent
    std::uint64_t unasked_loot = 0;    ///< a reply with loot for a steal this satellite never sent to its sender
    std::uint64_t stray_return = 0;    ///< a weight return from a satellite that is not a tree child
  } rejected;
  std::uint64_t duplicates = 0;          ///< reliable messages that arrived again: acknowledged again, not taken
  std::uint64_t unmatched_acks = 0;      ///< acknowledgements of nothing kept (a second ack of a resent copy, or forged)
  std::uint64_t stale_requests = 0;      ///< steal requests numbered no higher than one of that thief's answered before (overtaken, or replayed): answered with nothing
  /// Inputs dropped at a bound of CoreBounds, by bound: each would otherwise have grown the state.
  struct Capped {
    std::uint64_t beyond_window = 0;   ///< a reliable message numbered past its sender's receive window: not acknowledged, so resent later
    std::uint64_t old_loot = 0;        ///< loot for a steal number older than the latest steals_kept, neither open nor timed out: acknowledged as a repeat, not taken
    std::uint64_t unacked_full = 0;    ///< loot not given, or weight held back, while a window of unacknowledged messages to that satellite was full
    std::uint64_t timed_out_forgotten = 0;  ///< timed-out requests forgotten beyond timed_out_kept (their loot would now be refused)
    std::uint64_t outbound_full = 0;   ///< messages dropped: the driver left CoreBounds::outbound unpolled
    std::uint64_t events_full = 0;     ///< steal events dropped: the driver left CoreBounds::events unpolled
    std::uint64_t buffers_short = 0;   ///< loot not given, or a resend put off: no message buffer free (CoreConfig::message_buffers)
    std::uint64_t accounts_full = 0;   ///< crash recovery: loot not taken (resent later) while CoreBounds::accounts were open
    std::uint64_t given_full = 0;      ///< crash recovery: loot not given while CoreBounds::given to that satellite were unsettled
  } capped;
  /// Crash recovery.
  struct Recovery {
    std::uint64_t account_returns = 0;  ///< accounts settled with their giver (first copies)
    std::uint64_t loots_restored = 0;   ///< loot given to a satellite taken for dead, run again here
    std::uint64_t tasks_restored = 0;   ///< their tasks
    std::uint64_t restarts_seen = 0;    ///< other satellites heard from with a new incarnation
    std::uint64_t stale = 0;            ///< messages from an earlier incarnation of their sender, or for one of this satellite: dropped
    std::uint64_t stale_returns = 0;    ///< account returns for loot not outstanding (a copy, or loot already run again here)
    std::uint64_t orphaned = 0;         ///< accounts done whose giver had restarted since: their results were not wanted
    std::uint64_t dropped = 0;          ///< accounts dropped before they were done: from an earlier life of their giver, or from an account their giver dropped
    std::uint64_t drops_sent = 0;       ///< loot_dropped messages sent, to receivers of loot from an account dropped here
    std::uint64_t heartbeats = 0;       ///< alive messages sent
    std::uint64_t refused = 0;          ///< loot given back: its receiver had no account free
    std::uint64_t declared_dead = 0;    ///< ISL neighbours this satellite found silent for suspect_s and took for dead
    std::uint64_t revived = 0;          ///< of those, and of ones others took for dead, heard from again directly
  } recovery;
  double attempt_latency_sum_s = 0;      ///< over answered attempts
  std::uint64_t attempt_hops_sum = 0;    ///< over answered attempts, one way
};

/// A message to hand to the link toward `next_hop` (an ISL neighbour in mesh topologies).
struct Outbound {
  int next_hop = -1;
  Message message;
};

/// The steal protocol of one satellite as a deterministic state machine.
///
/// The driver (live agent, ns-3 application, test harness) owns sockets, clocks and the
/// pool's threads. It passes time and events in through handle_*() and submit(), then drains
/// poll_outbound() and poll_event() and arms a timer for next_deadline() (CorePump does all
/// of that). The same inputs always give the same outputs.
///
/// Protocol, in short (scheduler/README.md says why each part is there and what it bought):
/// - Work is counted in seconds: LocalPool::queued_work_s(), from the workload's estimate of
///   each queued task (TaskRegistry::estimate). A satellite keeps one round trip of work per
///   worker for itself (keep: workers x the smoothed round trip of its steal attempts).
/// - A satellite asks for remote work when its pool is idle, or already when its queued work
///   falls below ask_below_per_worker x keep; up to requests_in_flight requests to distinct
///   victims, each with a timeout, and exponential back-off after empty replies. A victim
///   answers at once: half of what it holds beyond the thief's queued work (every message
///   carries its sender's), if that is more than its keep; else nothing.
/// - Loot is never lost silently: the victim keeps a copy until the thief acknowledges it
///   and resends it every retransmit_s; the thief drops duplicates by (sender, number). Loot
///   that arrives after its request timed out is still accepted. Loot carries a piece of the
///   giver's termination weight.
/// - State is bounded (CoreBounds, state_size()): at most CoreBounds::window reliable
///   messages unacknowledged toward one satellite, and per sender a receive window (the
///   number up to which everything arrived, and which of the next `window` did), so a copy
///   however old is still known as one. What would exceed a bound is dropped and counted.
/// - A victim that answered "nothing" remembers the thief (for remember_s); while it holds
///   twice its keep it pushes each waiting thief an equal share (itself counted), as
///   loot_push messages that are kept, resent and acknowledged like loot. At the start every
///   tree child waits for a share in proportion to the satellites of its subtree, so work
///   injected at the root spreads as the constellation is, one ISL latency per hop.
/// - The demand gradient: every satellite tells its ISL neighbours its hop distance to the
///   nearest hungry one (idle, until it holds twice its keep), on every message and by a `demand`
///   message when it changes (at most every demand_interval_s); a satellite with surplus
///   pushes a share of it to each neighbour that is closer to demand, at most once per
///   neighbour and round trip (or demand_interval_s, if longer).
/// - Messages not addressed to this satellite go to the next hop of mesh/ routing, so in a
///   mesh topology a satellite only ever talks to its ISL neighbours.
/// - Termination by weight throwing (see weight.hpp): every satellite starts with a share of
///   one unit; loot carries a piece of its giver's weight; a satellite whose pool runs dry
///   returns all it holds, with the reduction of the tasks it ran since its last return, to
///   its parent in the spanning tree. A busy parent keeps what it is given (it returns it
///   when it runs dry itself); an idle one passes it on at once. When the root is idle and
///   holds the whole unit again, nothing is running anywhere and no loot is in flight, and
///   it already holds every result: it learns the end one tree path after the last task,
///   with no probing wave and no final gather. It then sends `terminate` down the tree.
/// - With crash recovery (CoreConfig::heartbeat_s > 0) accounts replace the weight: each loot
///   is settled with its giver by a return of its results, the giver keeps a copy until then
///   and runs it again if the receiver falls silent or restarts, and the root's own account
///   settling is the end (recovery.cpp, scheduler/README.md "Crash recovery").
///
///   SatelliteCore core(config, pool, topo, routes, tree);
///   core.submit(now, roots.data(), roots.size());   // at the injection satellite(s)
///   core.begin(now);                                // every satellite
///   ... core.handle_message(now, msg); core.handle_local_idle(now); core.handle_timeout(now);
///   while (auto out = core.poll_outbound()) link_to(out->next_hop).send(out->message);
///   if (core.finished()) result = core.result();   // at the root
class SatelliteCore {
 public:
  /// `pool`, `topo`, `routes` and `tree` must outlive the core. The driver updates `topo`
  /// and `routes` as the constellation moves; the core reads them at each event.
  SatelliteCore(const CoreConfig& config, LocalPool& pool, const mesh::Topology& topo,
                const mesh::RoutingTable& routes, const SpanningTree& tree);

  /// Injects work at this satellite (a ground contact). Call before begin() at a satellite that
  /// starts with a share of the termination weight (SpanningTree::starts_with_share), or
  /// while busy.
  void submit(double now, const Task* tasks, std::size_t count);
  /// The run starts.
  void begin(double now);
  /// A message arrived over an ISL (addressed here or to be forwarded).
  void handle_message(double now, Message message);
  /// The local pool has no queued and no running task. Call only when that is exactly true
  /// and from the thread that calls every other method (so no loot can slip in between).
  void handle_local_idle(double now);
  /// Time has reached next_deadline() (calling earlier is harmless).
  void handle_timeout(double now);

  std::optional<Outbound> poll_outbound();
  /// Gives back a message from poll_outbound() once it is sent: its buffers carry the next
  /// ones this satellite writes (CorePump does it). Optional: a driver that keeps or drops its
  /// messages loses nothing but the reuse.
  void recycle(Message&& message);
  /// A default message on the buffers of one given back (a new one if there is none): for a
  /// driver that decodes a frame into it and hands it to handle_message(), which gives it back.
  Message blank_message();
  std::optional<StealEvent> poll_event();
  /// Crash recovery: loot run again here since the last poll.
  std::optional<RecoveryEvent> poll_recovery();
  /// Earliest time handle_timeout() must be called; infinity when nothing is pending.
  double next_deadline() const;

  /// This satellite knows the computation is over (and, at the root, has the result).
  bool finished() const { return finished_; }
  /// The constellation's merged reduction; valid at the root once finished().
  const Reduction& result() const { return result_; }
  bool passive() const { return !busy_; }
  /// Where this satellite's share of the termination weight is: whether it holds some itself
  /// (with work, or results not yet returned), and the destinations of the unacknowledged
  /// messages that carry some. The root finishes only once all of it is back, so a driver
  /// that knows a part of the constellation is cut off for good can tell the run is stranded.
  /// (Weight throwing only; with crash recovery there is no weight.)
  bool holds_weight() const { return !held_.empty(); }
  /// Crash recovery is on (CoreConfig::heartbeat_s > 0).
  bool recovering() const { return cfg_.recovering(); }
  /// Crash recovery: this satellite takes `satellite` for dead. An ISL neighbour that heard
  /// nothing from it over an active link for suspect_s says so, and the word spreads with
  /// heartbeats, one hop per heartbeat_s; the next message straight from it (a restart, or a
  /// pause that ended) brings it back, and that word spreads the same way. Nothing is sent
  /// to a satellite taken for dead. A driver that routes by its own table holds such
  /// satellites' links down while it is true (node/'s agent does; in the simulators a crashed
  /// satellite's links go dark by themselves). Never true of this satellite itself, nor
  /// without crash recovery.
  ///
  ///   if (core.liveness_changes() != seen) {
  ///     seen = core.liveness_changes();
  ///     for (std::size_t i = 0; i < topo.links().size(); ++i) {
  ///       const mesh::Link& l = topo.links()[i];
  ///       topo.force_down(static_cast<int>(i), core.taken_for_dead(l.a) || core.taken_for_dead(l.b));
  ///     }
  ///     routes.recompute(topo);
  ///   }
  bool taken_for_dead(int satellite) const;
  /// How often taken_for_dead() has changed so far, for any satellite.
  std::uint64_t liveness_changes() const { return liveness_changes_; }
  void weight_in_flight_to(std::vector<int>& destinations) const;
  const CoreStats& stats() const { return stats_; }
  int self() const { return cfg_.self; }
  /// The entries held now by each of the structures that grow with messages; each stays
  /// within its bound (CoreBounds) whatever the core is sent.
  CoreStateSize state_size() const;
  /// state_size().total().
  std::size_t state_entries() const { return state_size().total(); }

 private:
  // A message kept until its receiver acknowledges it, and resent meanwhile.
  struct Unacked {
    Message message;
    double resend_at;
  };
  // Which numbers of one sender's stream have arrived: every number up to `base`, and
  // base + 1 + i for each bit i of `above`.
  struct Window {
    std::uint64_t base = 0;
    std::uint64_t above = 0;
  };
  enum class Arrival { fresh, duplicate, beyond };
  static Arrival admit(Window& window, std::uint64_t number);
  // What this satellite keeps about another one it exchanges reliable messages with.
  struct Peer {
    std::uint64_t pushes_sent = 0;  // pushes numbered to it so far (numbered per receiver)
    std::uint64_t last_request = 0; // the highest steal number of its requests answered here
    std::size_t unacked = 0;        // its entries in unacked_: at most CoreBounds::window
    Window pushes_in;               // its pushes that arrived here
    Window returns_in;              // its weight returns that arrived here (tree children only)
    std::size_t given = 0;          // crash recovery: its entries in given_: at most CoreBounds::given
  };

  void send(Message m);             // along the route to m.dst
  void emit(Message m, int next);   // to the ISL neighbour `next`, whatever the routes say
  void send_reliably(double now, Message m);
  void try_steal(double now);
  bool running_low() const;  // busy, but the queue is below the low-water mark
  double steal_deadline() const;
  void on_steal_request(double now, const Message& m);
  void on_steal_reply(double now, Message& m);
  bool plausible(const Message& m);       // false (and counted) for what an honest run cannot send
  void acknowledge(const Message& m);     // tells the sender of a reliable message it arrived
  void answer(const Message& m, MessageKind kind);  // a message of `kind` back to m's sender, naming m
  void on_ack(double now, const Message& m);
  void take_loot(double now, Message& m);  // its tasks and weight (or accounts) are this satellite's now
  void on_loot_push(double now, Message& m);
  bool has_room(int peer) const;          // fewer than CoreBounds::window unacknowledged toward it
  void record(const StealEvent& e);
  // Fills `loot` with an even share of the queue and a weight piece; false if nothing to give.
  bool fill_loot(double now, double want_s, Message& loot);
  double keep_s() const;  // queued work this satellite keeps for itself: one round trip per worker
  bool push_loot(double now, int to, double want_s);  // unasked loot worth about want_s; false if none
  void serve_waiting(double now);  // push loot to thieves that asked in vain
  void settle(double now);         // after an input: tell a dry pool's idleness, update demand
  void update_demand(double now);  // hunger and distance to demand; tells neighbours on change
  void push_downhill(double now);  // surplus toward neighbours closer to demand
  void on_weight_return(double now, const Message& m);
  void return_weight(double now);    // passive: hand everything held to the tree parent
  void try_finish(double now);       // root: idle and holding the whole unit
  void on_terminate(double now);
  double backoff(std::uint32_t failures) const;

  // Crash recovery (recovery.cpp).
  bool admit_epoch(double now, const Message& m);  // false (and counted) for a stale incarnation
  void peer_restarted(double now, int peer, std::uint64_t epoch);
  int account_for(const Message& loot, std::uint8_t giver_account) const;  // an open one to share, or -1
  bool room_for(const Message& loot);  // accounts free for every account of `loot` (else counted)
  void open_accounts(double now, Message& loot);   // one per giver account; retags the tasks
  void keep_copy(double now, const Message& loot); // the giver's side, until settled
  void settle_accounts(double now);                // idle: return every finished account
  void on_account_return(double now, const Message& m);
  void refuse(const Message& loot);  // no account free: tell the giver to take it back
  void on_loot_refused(double now, const Message& m);
  // Account `s` will never count: its tasks are dropped, and so is the loot given from it,
  // down the chains of givers (loot_dropped).
  void drop_account(std::size_t s);
  void on_loot_dropped(const Message& m);
  enum class Restore { silent, restarted, refused };
  // A loot's outstanding tasks run here again: of `account` only, or (-1) of all its shares.
  void restore(double now, std::uint64_t key, Restore why, int account = -1);
  void on_alive(double now, const Message& m);
  // Crash recovery: an ISL neighbour that missed three heartbeats. It is given nothing and
  // asked for nothing until it is heard again.
  bool quiet(int satellite) const;
  bool accounts_short() const;  // crash recovery: too few accounts free to take loot
  void on_heartbeat(double now);
  void schedule_heartbeat(double now);

  CoreConfig cfg_;
  double now_ = 0;  // the time of the input being handled
  LocalPool& pool_;
  const mesh::Topology& topo_;
  const mesh::RoutingTable& routes_;
  const SpanningTree& tree_;
  int parent_;
  const std::vector<int>& children_;
  Rng rng_;
  std::vector<int> scratch_;

  bool busy_ = false;
  bool begun_ = false;
  bool terminated_ = false;
  bool finished_ = false;

  // Thief side: the requests in flight, and when the next may go (after a back-off).
  struct Request {
    int victim;
    std::uint64_t id;
    double sent_at;
    double deadline;
  };
  std::vector<Request> requests_;
  // Requests that timed out, whose loot may still come (a victim resends until acknowledged):
  // (victim, number) keys, oldest first, at most CoreBounds::timed_out_kept.
  Fifo<std::uint64_t> timed_out_;
  // (victim, number) keys of the loot taken for the latest CoreBounds::steals_kept steal
  // numbers, at number % steals_kept (0: none); allocated at the first loot.
  std::vector<std::uint64_t> taken_;
  std::size_t taken_count_ = 0;
  std::uint64_t steal_seq_ = 0;
  double retry_at_ = 0;  // no new request before this (back-off after empty answers)
  double low_check_at_ = std::numeric_limits<double>::infinity();  // busy: look at the queue again
  std::uint32_t failures_ = 0;
  double rtt_s_ = 0;  // smoothed round trip of answered steal attempts (keep_s())
  int last_victim_ = -1;  // victim of the last successful steal

  // Victim side.
  std::vector<Task> take_buffer_;
  // Thieves waiting for work: who, since when, and their queued work when they asked; at most
  // one entry per thief (a new request replaces its entry), so at most one per satellite.
  struct Waiting {
    int thief;
    double since;
    double load_s;
    double weight;  // satellites it stands for: 1, or a tree child's subtree at the start
    bool start;     // a tree child waiting for its start share: kept until served
  };
  std::vector<Waiting> waiting_;
  double push_check_at_ = std::numeric_limits<double>::infinity();
  double push_wait_s_ = 0;  // until the next look; doubles while there is nothing to push

  // The demand gradient: each ISL neighbour's distance to the nearest hungry satellite, as
  // it last said, and this satellite's own.
  struct Neighbour {
    int id;
    int link;
    std::uint16_t demand_hops;
    double next_push;  // no downhill push to it before this
    double heard = 0;  // crash recovery: its latest message (it sends one every heartbeat_s)
    double told = -std::numeric_limits<double>::infinity();  // our latest message to it
    bool silent = false;  // crash recovery: not heard from for suspect_s (taken for dead once)
    bool news = false;    // crash recovery: it was silent or restarted: tell it who is dead
  };
  std::vector<Neighbour> neighbours_;
  bool hungry_ = true;
  std::uint16_t demand_hops_ = 0;
  std::uint16_t told_hops_ = 0;  // the value of the last demand messages (all start hungry: 0)
  double told_at_ = -std::numeric_limits<double>::infinity();
  double demand_at_ = std::numeric_limits<double>::infinity();  // a changed value is due out
  double downhill_at_ = std::numeric_limits<double>::infinity();

  // Reliable delivery, keyed by (receiver, number): at most CoreBounds::window per receiver.
  // The nodes of both tables come from a pool that keeps freed nodes for the next ones.
  std::pmr::unsynchronized_pool_resource nodes_;
  std::pmr::unordered_map<std::uint64_t, Unacked> unacked_{&nodes_};
  // One entry per satellite this one has sent reliable messages to or received them from
  // (src and dst are satellites of the topology: the wire checks them), so at most one per
  // other satellite.
  std::pmr::unordered_map<int, Peer> peers_{&nodes_};

  // Termination weight. Every satellite holds weight while it may still run tasks; returns
  // flow up the spanning tree. Until all children have made their first return, a satellite
  // keeps its own start share too, so the start-up returns merge on the way up (one message
  // per tree edge instead of one per satellite and hop).
  Weight held_;
  Reduction reported_;          // the pool's reduction at the last return
  Reduction absorbed_;          // children's results held here, not yet passed up
  std::vector<bool> child_returned_;
  std::size_t first_returns_missing_ = 0;
  std::uint64_t return_seq_ = 0;

  Reduction result_;

  // Crash recovery: per-loot accounts (Dijkstra and Scholten's diffusing computations, with
  // the giver keeping a copy). Account a holds the tasks here with Task::account == a and
  // the loot given from them; it is settled with its giver once it has neither. Loots from
  // the same account of the same giver share an account here (at most kLootsPerAccount).
  static constexpr std::size_t kLootsPerAccount = 8;  // a stale one voids the others' results too
  static constexpr std::size_t kAliveLoots = 4096;  // loots one alive message names (the wire's limit)
  struct Account {
    bool open = false;
    int giver = -1;                  // -1: the work injected at the root (account 0)
    std::uint64_t giver_epoch = 0;
    std::vector<std::uint64_t> loots;  // the loot messages' ids
    std::uint8_t giver_account = 0;  // the giver's account their tasks came from
    std::uint32_t loots_out = 0;     // loot given from it, not settled
    Reduction absorbed;              // results returned for that loot
    bool dropped = false;            // its results will never count (drop_account)
  };
  std::vector<Account> accounts_;    // TaskContext::kAccounts entries when recovering
  std::size_t accounts_open_ = 0;
  // Loot given and not settled, by loot_key(receiver, id): the tasks as given, and which of
  // this satellite's accounts among them still wait for a return, each with when the
  // receiver last said it holds it (or when it was given).
  struct Share {
    std::uint8_t account;
    double heard;
  };
  struct Given {
    int receiver = -1;
    std::uint64_t receiver_epoch = 0;
    std::vector<Task> copy;
    std::vector<Share> waiting;
  };
  std::unordered_map<std::uint64_t, Given> given_;
  std::vector<std::uint64_t> epochs_;  // per satellite, the latest incarnation heard of (1 before)
  double heartbeat_at_ = std::numeric_limits<double>::infinity();
  Fifo<RecoveryEvent> recoveries_;
  // Liveness as this satellite believes it, per satellite: incarnation << 24 | count << 1 |
  // dead, where `count` grows with each change within an incarnation. Only an ISL neighbour
  // declares a satellite dead (its view + 1, odd) and only a message straight from it brings
  // it back (+ 1 again, even), so views of one satellite are ordered and news merges by the
  // larger: every satellite that hears the latest news agrees.
  static constexpr std::size_t kLivenessEntries = 64;  // news in one alive message
  static constexpr std::uint64_t kViewBits = 48;
  std::vector<std::uint64_t> views_;
  std::vector<int> dead_;  // satellites whose view says dead, ascending
  struct Rumour {
    int satellite;
    double until;  // told to every ISL neighbour each heartbeat until then
  };
  std::vector<Rumour> rumours_;
  std::uint64_t liveness_changes_ = 0;
  void believe(double now, int satellite, std::uint64_t view);
  void spread(double now, int satellite);  // its view goes to every neighbour for a while
  void heard_from(double now, const Message& m);  // any message: liveness of its sender
  void add_liveness(Message& m) const;

  Fifo<Outbound> outbound_;
  Fifo<StealEvent> events_;
  // Messages done with (sent, acknowledged, handled), kept with their buffers for the next
  // ones this satellite writes, so that loot and its copies allocate nothing in the steady
  // state. Only messages with buffers worth keeping, at most kSpareMessages.
  static constexpr std::size_t kSpareMessages = 256;
  std::vector<Message> spare_;
  bool bounded() const { return cfg_.message_buffers > 0; }
  void preallocate();  // CoreConfig::message_buffers: everything a run needs, at construction
  CoreStats stats_;
};

}  // namespace leomesh::scheduler
