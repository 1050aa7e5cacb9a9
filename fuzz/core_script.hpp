// The input format of fuzz_core: a scenario byte, then fixed-size steps, each an event a
// driver could hand one satellite's core (a message from the network, time passing, a worker
// finishing, a link going down).
//
// fuzz_core reads it, fuzz_seed writes it (the corpus's attack sequences). Both go through
// visit() below, so the format is spelt out once. Any byte string is a valid script: the
// reader gives 0 past the end and every field is reduced into its range where it is used,
// so the fuzzer's mutations never waste an input on a parse error.
//
//   Script s;
//   s.scenario = kFull2 | kInject;
//   Step t;
//   t.op = Op::message;
//   t.kind = 6;  // TERMINATE
//   t.src = 1;
//   s.steps.push_back(t);
//   std::string bytes = write_script(s);       // a corpus file
//   Script back = read_script(data, size);     // what fuzz_core runs
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace leomesh::fuzz {

/// What a step does (its first byte, modulo kOps).
enum class Op : std::uint8_t {
  message,  ///< a message with the step's fields arrives (encoded and decoded first)
  flood,    ///< the same message 2^(a % 13) times, its id counting up from `id`
  reply,    ///< the victim of the core's open steal request number `a` answers (`count` tasks)
  ack,      ///< the receiver of the core's reliable message number `a` acknowledges it
  work,     ///< a worker finishes (`a` odd) or free workers start tasks (`a` even)
  link,     ///< the core's link number `a` goes down, or comes up again if it was down
  submit,   ///< `count % 8 + 1` tasks of the menu are injected (a ground contact)
  timeout,  ///< the core's timer fires now, whatever its deadline
};
inline constexpr int kOps = 8;

/// Bits of the scenario byte: the topology and which satellite the core is, the workload,
/// and the settings that switch the core's mechanisms on or off.
enum Scenario : std::uint8_t {
  kTopologyMask = 3,    ///< 0 full:2 as satellite 0 (the root), 1 full:2 as satellite 1,
                        ///< 2 torus:3x3 as satellite 0, 3 torus:3x3 as satellite 4
  kFull2Root = 0,
  kFull2Child = 1,
  kTorusRoot = 2,
  kTorusCentre = 3,
  kWorkloadShift = 2,   ///< (scenario >> 2) % 3: uts:T1L, fib:24, bag:irregular
  kWorkloadMask = 3 << kWorkloadShift,
  kUts = 0 << kWorkloadShift,
  kFib = 1 << kWorkloadShift,
  kBag = 2 << kWorkloadShift,
  kInject = 1 << 4,     ///< the workload's roots are submitted here before begin()
  kGlobal = 1 << 5,     ///< policy global instead of neighbor
  kForget = 1 << 6,     ///< remember_s = 0: no lifelines, no start pushes
  kNoDemand = 1 << 7,   ///< demand_horizon_hops = 0: no demand gradient
};

/// One event. Which fields a step reads depends on its op; all are always present.
struct Step {
  Op op = Op::message;
  std::uint8_t a = 0;      ///< reply / ack / link / work: which one (modulo how many there are);
                           ///< flood: log2 of the repeats
  std::uint8_t kind = 0;   ///< the wire kind (1 2 3 6 8 9 10 exist; others test the decoder)
  std::uint8_t src = 0;    ///< satellite id, modulo satellites + 1 (the last is out of range)
  std::uint8_t dst = 0;    ///< 0: the core's satellite; else satellite dst - 1, as src
  std::uint8_t hops = 0;
  std::uint64_t id = 0;
  std::uint16_t count = 0; ///< tasks carried (capped at 4096) or submitted
  std::uint8_t task = 0;   ///< which task of the menu (the workload's roots and descendants)
  /// Non-zero: the task is forged, its last four payload bytes replaced by this value (a UTS
  /// node's child count, a fib argument, the top of a bag range). A weight return's sum.
  std::uint32_t forge = 0;
  std::uint8_t weight = 0;       ///< 0 none, 255 the whole unit, else the piece 2^-(weight - 1)
  std::uint16_t load_100us = 0;  ///< the sender's queued work, in 100 us; a return's aux
  std::uint8_t demand_hops = 0;
  std::uint8_t request_hops = 0;  ///< also a weight return's max
  std::uint16_t dt_10us = 0;     ///< time that passes before the step, in 10 us
};

struct Script {
  std::uint8_t scenario = 0;
  std::vector<Step> steps;
};

/// Reads a script from any bytes (a trailing partial step is read as if padded with zeros).
Script read_script(const std::uint8_t* data, std::size_t size);
/// The bytes read_script() reads back as `script`.
std::string write_script(const Script& script);

/// Every field of a step in its order on the wire; `io(field)` reads or writes one.
template <class IO>
void visit(IO& io, Step& s) {
  std::uint8_t op = static_cast<std::uint8_t>(s.op);
  io(op);
  s.op = static_cast<Op>(op % kOps);
  io(s.a);
  io(s.kind);
  io(s.src);
  io(s.dst);
  io(s.hops);
  io(s.id);
  io(s.count);
  io(s.task);
  io(s.forge);
  io(s.weight);
  io(s.load_100us);
  io(s.demand_hops);
  io(s.request_hops);
  io(s.dt_10us);
}

}  // namespace leomesh::fuzz
