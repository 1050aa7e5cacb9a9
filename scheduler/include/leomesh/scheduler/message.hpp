// The messages satellites exchange, as plain structs. node/ encodes them with Protobuf; the
// in-process harness and the ns-3 driver carry the same structs (ns-3: encoded).
#pragma once

#include <cstdint>
#include <vector>

#include "leomesh/scheduler/task.hpp"

namespace leomesh::scheduler {

enum class MessageKind : std::uint8_t {
  steal_request = 1,  ///< thief -> victim: give me work (id = thief's steal number)
  steal_reply = 2,    ///< victim -> thief: loot (tasks) or nothing; same id
  loot_ack = 3,       ///< thief -> victim: the loot of steal `id` arrived; stop resending
  wave_start = 4,     ///< termination: parent -> child, wave number in id
  wave_report = 5,    ///< termination: child -> parent, the subtree's counters
  terminate = 6,      ///< root -> tree: the computation is over; send your results up
  result = 7,         ///< child -> parent: the subtree's merged reduction
  loot_push = 8,      ///< victim -> hungry ISL neighbour: loot nobody asked for just now
                      ///< (lifeline policy); id = the pusher's push number; acked like loot
};

/// One message. `src` and `dst` are end points (satellite ids); `hops` counts the ISL hops
/// travelled so far and is incremented by each satellite that forwards it.
struct Message {
  MessageKind kind = MessageKind::steal_request;
  std::int32_t src = 0;
  std::int32_t dst = 0;
  std::uint16_t hops = 0;
  std::uint64_t id = 0;             ///< steal number, or wave number
  std::vector<Task> tasks;          ///< steal_reply and loot_push: loot (a reply may carry none)
  std::uint16_t request_hops = 0;   ///< steal_reply: hops the request took
  // wave_report: Safra-style counters of the subtree at its members' visits.
  std::uint64_t loot_sent = 0;      ///< loot messages sent (first transmissions)
  std::uint64_t loot_received = 0;  ///< loot messages received (first copies)
  bool clean = true;                ///< every member passive and not reactivated since its last visit
  Reduction reduction;              ///< result: the subtree's reduction
};

}  // namespace leomesh::scheduler
