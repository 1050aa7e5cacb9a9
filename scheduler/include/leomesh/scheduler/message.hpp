// The messages satellites exchange, as plain structs. node/ encodes them with Protobuf; the
// in-process harness and the ns-3 driver carry the same structs (ns-3: encoded).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leomesh/scheduler/task.hpp"
#include "leomesh/scheduler/weight.hpp"

namespace leomesh::scheduler {

/// Kinds 4, 5 and 7 carried the probing termination waves and the final gather of results
/// of an earlier protocol; weight returns replaced all three and the numbers stay retired.
enum class MessageKind : std::uint8_t {
  steal_request = 1,  ///< thief -> victim: give me work (id = thief's steal number)
  steal_reply = 2,    ///< victim -> thief: loot (tasks and a weight piece) or nothing; same id
  ack = 3,            ///< receiver -> sender: message `id` (loot, return, terminate) arrived
  terminate = 6,      ///< root -> tree children, passed down: the computation is over
  loot_push = 8,      ///< victim -> a satellite that asked in vain: loot nobody asked for just
                      ///< now; id = the pusher's push number; acked like loot
  weight_return = 9,  ///< child -> tree parent: termination weight and the reduction of the
                      ///< tasks run since the previous return
  demand = 10,        ///< satellite -> ISL neighbours: its distance to demand changed (no ack)
  /// Crash recovery only (CoreConfig::heartbeat_s > 0), in place of weight returns:
  account_return = 11,  ///< receiver of loot -> its giver: every task of one of its accounts in
                        ///< one or more loots is done, with their results (`loots`, `account`,
                        ///< `reduction`)
  alive = 12,           ///< satellite -> the givers of the accounts it holds: still running (no ack)
  loot_refused = 13,    ///< receiver -> giver: loot `id` not taken (no account free): take it back
  loot_dropped = 14,    ///< giver -> receiver: the results of `loots` (drawn on the giver's
                        ///< `account`) will never count (the life that would take them is
                        ///< over): drop what is left of them (no ack: one lost costs only work)
};

/// The messages a trace shows as arrows from their sender: loot pushed unasked, and the
/// end's (termination weight or an account's results going home, the terminate going out).
constexpr bool traced(MessageKind k) {
  return k == MessageKind::loot_push || k == MessageKind::weight_return || k == MessageKind::account_return ||
         k == MessageKind::terminate;
}

/// One message. `src` and `dst` are end points (satellite ids); `hops` counts the ISL hops
/// travelled so far and is incremented by each satellite that forwards it.
struct Message {
  MessageKind kind = MessageKind::steal_request;
  std::int32_t src = 0;
  std::int32_t dst = 0;
  std::uint16_t hops = 0;
  std::uint64_t id = 0;             ///< names the message at its sender (steal, push, return number)
  std::vector<Task> tasks;          ///< steal_reply and loot_push: loot (a reply may carry none)
  std::uint16_t request_hops = 0;   ///< steal_reply: hops the request took
  std::uint16_t demand_hops = 0;    ///< the sender's ISL hops to the nearest hungry satellite (every kind)
  double load_s = 0;                ///< the sender's queued work (LocalPool::queued_work_s) when it sent this (every kind)
  Weight weight;                    ///< loot and weight_return: termination weight carried
  Reduction reduction;              ///< weight_return: results since the sender's previous return;
                                    ///< account_return: the account's results
  /// Crash recovery (0 in runs without it): the sender's incarnation (1 at the start of a run,
  /// higher after each restart), and the receiver's as the sender knows it.
  std::uint64_t epoch = 0;
  std::uint64_t to_epoch = 0;
  std::vector<std::uint64_t> loots; ///< account_return: the ids of the loot messages it settles;
                                    ///< loot_dropped: of those to drop
  std::uint8_t account = 0;         ///< account_return, loot_dropped: the giver's account those tasks came from
  /// alive to an ISL neighbour: what the sender believes of satellites whose liveness changed
  /// lately or that it takes for dead, one entry each, satellite << 48 | view (see
  /// SatelliteCore::taken_for_dead). At most 64 entries.
  std::vector<std::uint64_t> liveness;
  /// Proof of who wrote the message, set by the driver of its origin (node/: an Ed25519
  /// signature with the origin's certified key). Opaque here: the core never reads it and
  /// a forwarder passes it on unchanged. Empty in simulations.
  std::string origin_proof;

  /// Room for `n` tasks; a buffer that must grow grows to a power of two, so that a reused
  /// message grows a few times in its life and not at every larger loot.
  void reserve_tasks(std::size_t n) {
    if (tasks.capacity() >= n) return;
    std::size_t c = 16;
    while (c < n) c *= 2;
    tasks.reserve(c);
  }
  /// *this = o, into this message's buffers (growing them as reserve_tasks() does).
  void assign(const Message& o) {
    reserve_tasks(o.tasks.size());
    *this = o;
  }
  /// Back to a default message, keeping the storage of its buffers: the core reuses messages,
  /// so that its steady state allocates nothing.
  void reset() {
    std::vector<Task> t = std::move(tasks);
    std::vector<std::uint64_t> l = std::move(loots), v = std::move(liveness);
    std::string p = std::move(origin_proof);
    *this = Message{};
    t.clear(), l.clear(), v.clear(), p.clear();
    tasks = std::move(t), loots = std::move(l), liveness = std::move(v), origin_proof = std::move(p);
  }
};

}  // namespace leomesh::scheduler
