// fuzz_core: one satellite's sans-IO core driven by a script of events (core_script.hpp):
// messages from peers, honest or forged, floods of them, replies to its own requests, time,
// workers finishing, links going down. Every message goes through the wire codec first, as
// in an agent, so the core sees only what the decoder lets through.
//
// Invariants, checked after every step:
// - nothing crashes, and no undefined behaviour (the fuzz build runs under ASan and UBSan);
// - counters only grow, and a finished core stays finished;
// - what issue 11 found is refused, and counted: a terminate at the root or not from the
//   tree parent changes nothing; a message claiming to come from the core's own satellite
//   (a steal request, a push) changes nothing; loot in a reply to a steal the core never
//   sent adds no task; a weight return from a satellite that is not a tree child is refused;
// - the core takes no more tasks than it was pushed or given for its own requests;
// - it talks only to ISL neighbours, never addresses itself, and its output per step is
//   bounded by what came in and what it still holds for resending;
// - every structure of its state stays within its bound (CoreBounds, state_size()).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>
#include <utility>

#include "check.hpp"
#include "core_script.hpp"
#include "leomesh/emulator/sim_pool.hpp"
#include "leomesh/node/codec.hpp"
#include "world.hpp"

namespace {

using namespace leomesh;
using scheduler::CoreStats;
using scheduler::MessageKind;

// Every counter of CoreStats: each may only grow.
constexpr std::uint64_t CoreStats::*kCounters[] = {
    &CoreStats::steal_attempts,  &CoreStats::steal_successes, &CoreStats::steal_empty,
    &CoreStats::steal_timeouts,  &CoreStats::late_loot,       &CoreStats::tasks_received,
    &CoreStats::tasks_given,     &CoreStats::loot_sent,       &CoreStats::requests_served,
    &CoreStats::forwarded,       &CoreStats::unroutable,      &CoreStats::hop_limit,
    &CoreStats::loot_retransmits, &CoreStats::loot_pushes,    &CoreStats::downhill_pushes,
    &CoreStats::messages_sent,   &CoreStats::weight_returns,  &CoreStats::duplicates,
    &CoreStats::unmatched_acks,  &CoreStats::stale_requests,  &CoreStats::attempt_hops_sum};
constexpr std::uint64_t CoreStats::Rejected::*kRejected[] = {
    &CoreStats::Rejected::own_request, &CoreStats::Rejected::terminate,
    &CoreStats::Rejected::unasked_loot, &CoreStats::Rejected::stray_return};
constexpr std::uint64_t CoreStats::Capped::*kCapped[] = {
    &CoreStats::Capped::beyond_window, &CoreStats::Capped::old_loot,
    &CoreStats::Capped::unacked_full,  &CoreStats::Capped::timed_out_forgotten,
    &CoreStats::Capped::outbound_full, &CoreStats::Capped::events_full};

// What the script remembers of the core's output, to answer it; only the newest are kept.
constexpr std::size_t kRemembered = 64;
// Most tasks one flood delivers in all, so that a flood stays quick to run.
constexpr std::size_t kFloodTasks = 1 << 16;

std::uint64_t key(int peer, std::uint64_t id) {
  return static_cast<std::uint64_t>(static_cast<std::uint32_t>(peer)) << 40 ^ id;
}

unsigned long long ull(std::uint64_t x) { return x; }

bool reliable(const scheduler::Message& m) {
  return (m.kind == MessageKind::steal_reply && !m.tasks.empty()) || m.kind == MessageKind::loot_push ||
         m.kind == MessageKind::weight_return || m.kind == MessageKind::terminate;
}

class Run {
 public:
  explicit Run(const fuzz::World& w)
      : w_(w),
        self_(w.config.self),
        topo_(w.topology),
        routes_(topo_),
        pool_(w.workload, static_cast<int>(w.config.workers), 1e-4),
        core_(w.config, pool_, topo_, routes_, w.tree) {
    for (const mesh::Adjacent& a : topo_.adjacency(self_)) links_.push_back(a.link);
    fanout_ = 4 + 2 * links_.size() + w.tree.children[static_cast<std::size_t>(self_)].size() +
              static_cast<std::size_t>(w.config.requests_in_flight);
  }

  void start(bool inject) {
    if (inject && w_.tree.starts_with_share[static_cast<std::size_t>(self_)]) {
      core_.submit(now_, w_.workload.roots.data(), w_.workload.roots.size());
    }
    core_.begin(now_);
    after(1);
  }

  void print(const fuzz::Step& s) const {
    const CoreStats& c = core_.stats();
    std::fprintf(stderr,
                 "t=%.5f op=%d kind=%d src=%d | attempts %llu ok %llu received %llu given %llu served %llu "
                 "retransmits %llu returns %llu | rejected own %llu terminate %llu unasked %llu stray %llu | "
                 "queued %zu %s\n",
                 now_, static_cast<int>(s.op), s.kind, s.src, ull(c.steal_attempts), ull(c.steal_successes),
                 ull(c.tasks_received), ull(c.tasks_given), ull(c.requests_served), ull(c.loot_retransmits),
                 ull(c.weight_returns), ull(c.rejected.own_request), ull(c.rejected.terminate),
                 ull(c.rejected.unasked_loot), ull(c.rejected.stray_return), pool_.approx_size(),
                 core_.finished() ? "finished" : core_.passive() ? "idle" : "busy");
  }

  void step(const fuzz::Step& s) {
    step_start_ = core_.stats();
    finished_at_start_ = core_.finished();
    now_ += s.dt_10us * 1e-5;
    if (now_ >= core_.next_deadline()) {
      core_.handle_timeout(now_);
      after(0);
    }
    switch (s.op) {
      case fuzz::Op::message: deliver(fuzz::message_of(w_, s), 1); break;
      case fuzz::Op::flood: deliver(fuzz::message_of(w_, s), std::size_t{1} << (s.a % 13)); break;
      case fuzz::Op::reply: reply(s); break;
      case fuzz::Op::ack: ack(s); break;
      case fuzz::Op::work: work(s.a); break;
      case fuzz::Op::link: toggle_link(s.a); break;
      case fuzz::Op::submit:
        // A ground contact reaches a satellite that is running (the core's precondition).
        if (!core_.passive() && !core_.finished()) {
          std::vector<scheduler::Task> t(s.count % 8 + 1u, fuzz::task_of(w_, s.task, 0));
          core_.submit(now_, t.data(), t.size());
          after(1);
        }
        break;
      case fuzz::Op::timeout:
        core_.handle_timeout(now_);
        after(0);
        break;
    }
  }

 private:
  // A message from a peer: encoded, decoded as an agent decodes it, then handed to the core
  // `repeat` times with its id counting up (a flood of distinct messages).
  void deliver(const scheduler::Message& sent, std::size_t repeat) {
    auto decoded = node::decode(node::encode(sent), w_.limits);
    if (!decoded) return;
    scheduler::Message m = std::move(*decoded);
    if (repeat > 1 && m.tasks.size() * repeat > kFloodTasks) m.tasks.resize(kFloodTasks / repeat);
    for (std::size_t i = 0; i < repeat; ++i) {
      one_message(m);
      ++m.id;
    }
    after(repeat);
  }

  void one_message(const scheduler::Message& m) {
    const CoreStats before = core_.stats();
    const bool finished = core_.finished();
    const bool here = m.dst == self_;
    const bool asked = issued_.count(key(m.src, m.id)) > 0;
    if (here && (m.kind == MessageKind::loot_push || (m.kind == MessageKind::steal_reply && asked)))
      may_receive_ += m.tasks.size();
    core_.handle_message(now_, m);
    start_workers();
    const CoreStats& after = core_.stats();
    if (!here) return;
    if (m.src == self_) {
      LEOMESH_FUZZ_CHECK(after.rejected.own_request == before.rejected.own_request + 1,
                         "a message from the core's own satellite is refused and counted");
      LEOMESH_FUZZ_CHECK(after.tasks_received == before.tasks_received && after.requests_served == before.requests_served &&
                             core_.finished() == finished,
                         "a message from the core's own satellite changes nothing");
      return;
    }
    const auto& children = w_.tree.children[static_cast<std::size_t>(self_)];
    const int parent = w_.tree.parent[static_cast<std::size_t>(self_)];
    switch (m.kind) {
      case MessageKind::terminate:
        if (self_ == w_.config.root || m.src != parent) {
          LEOMESH_FUZZ_CHECK(core_.finished() == finished, "a forged terminate ends nothing");
          LEOMESH_FUZZ_CHECK(after.rejected.terminate == before.rejected.terminate + 1, "a forged terminate is counted");
        }
        break;
      case MessageKind::steal_reply:
        if (!asked && !m.tasks.empty())
          LEOMESH_FUZZ_CHECK(after.tasks_received == before.tasks_received, "no task accepted for a steal never sent");
        break;
      case MessageKind::weight_return:
        if (std::find(children.begin(), children.end(), m.src) == children.end())
          LEOMESH_FUZZ_CHECK(after.rejected.stray_return == before.rejected.stray_return + 1, "a stray return is counted");
        break;
      default: break;
    }
  }

  // The victim of one of the core's steal requests answers it, with `count` tasks or none.
  void reply(const fuzz::Step& s) {
    if (open_.empty()) return;
    const auto it = open_.begin() + static_cast<std::ptrdiff_t>(s.a % open_.size());
    scheduler::Message m = fuzz::message_of(w_, s);
    m.kind = MessageKind::steal_reply;
    m.src = it->first;
    m.dst = self_;
    m.id = it->second;
    if (m.tasks.empty()) m.weight = {};
    else if (m.weight.empty()) m.weight = fuzz::weight_of(16);
    open_.erase(it);
    deliver(m, 1);
  }

  // The receiver of one of the core's reliable messages acknowledges it.
  void ack(const fuzz::Step& s) {
    if (unacked_.empty()) return;
    const auto it = unacked_.begin() + static_cast<std::ptrdiff_t>(s.a % unacked_.size());
    scheduler::Message m;
    m.kind = MessageKind::ack;
    m.src = it->first;
    m.dst = self_;
    m.id = it->second;
    m.hops = 1;
    unacked_.erase(it);
    deliver(m, 1);
  }

  void start_workers() {
    while (auto started = pool_.start_next()) busy_.push_back({started->worker, now_ + started->cost_s});
  }

  // One busy worker finishes its task (time moves on to then, if it is later), or, with
  // none busy, free workers take tasks.
  void work(std::uint8_t which) {
    if (busy_.empty()) {
      start_workers();
      return;
    }
    const auto it = busy_.begin() + static_cast<std::ptrdiff_t>(which % busy_.size());
    now_ = std::max(now_, it->second);
    pool_.finish(it->first);
    busy_.erase(it);
    start_workers();
    if (pool_.idle()) core_.handle_local_idle(now_);
    after(0);
  }

  void toggle_link(std::uint8_t which) {
    if (links_.empty()) return;
    const int link = links_[which % links_.size()];
    const bool down = topo_.state(link).active;
    topo_.force_down(link, down);
    routes_.recompute(topo_);
  }

  // Against the counters at the start of the step (not after every message of a flood: the
  // checks would cost more than the messages).
  void check_counters() const {
    const CoreStats& now = core_.stats();
    for (auto c : kCounters) LEOMESH_FUZZ_CHECK(now.*c >= step_start_.*c, "counters only grow");
    for (auto c : kRejected) LEOMESH_FUZZ_CHECK(now.rejected.*c >= step_start_.rejected.*c, "rejections only grow");
    for (auto c : kCapped) LEOMESH_FUZZ_CHECK(now.capped.*c >= step_start_.capped.*c, "drops at a bound only grow");
    LEOMESH_FUZZ_CHECK(now.tasks_received <= may_receive_, "tasks taken only from pushes and answers to its own requests");
    LEOMESH_FUZZ_CHECK(!finished_at_start_ || core_.finished(), "a finished core stays finished");
  }

  // Drains the core's output after an input of `inputs` messages and checks it.
  void after(std::size_t inputs) {
    std::size_t out = 0;
    while (auto o = core_.poll_outbound()) {
      ++out;
      const scheduler::Message& m = o->message;
      LEOMESH_FUZZ_CHECK(o->next_hop != self_ && topo_.link_between(self_, o->next_hop), "only ISL neighbours are next hops");
      LEOMESH_FUZZ_CHECK(m.dst != self_ && m.dst >= 0 && m.dst < topo_.satellites(), "messages go to another satellite");
      if (m.src != self_) continue;
      if (m.kind == MessageKind::steal_request) {
        issued_.insert(key(m.dst, m.id));
        remember(open_, m);
      } else if (reliable(m)) {
        if (sent_reliably_.insert(key(m.dst, m.id)).second) remember(unacked_, m);
      }
    }
    while (core_.poll_event()) {
    }
    // Besides what answers the inputs, a step may resend each reliable message once.
    LEOMESH_FUZZ_CHECK(out <= fanout_ * (inputs + 1) + sent_reliably_.size(), "output bounded by input and what is kept");
    LEOMESH_FUZZ_CHECK(!std::isnan(core_.next_deadline()), "the deadline is a time");
    check_counters();
    check_state();
  }

  // Every structure that grows with messages stays within its bound (CoreBounds), whatever
  // the script sends: a flood of 100,000 requests, acks or returns leaves memory flat.
  void check_state() const {
    using scheduler::CoreBounds;
    const scheduler::CoreStateSize st = core_.state_size();
    const auto others = static_cast<std::size_t>(topo_.satellites() - 1);
    LEOMESH_FUZZ_CHECK(st.requests <= std::max<std::size_t>(1, static_cast<std::size_t>(w_.config.requests_in_flight)),
                       "requests in flight within requests_in_flight");
    LEOMESH_FUZZ_CHECK(st.timed_out <= CoreBounds::timed_out_kept, "timed-out requests within their bound");
    LEOMESH_FUZZ_CHECK(st.taken <= CoreBounds::steals_kept, "taken steal numbers within their bound");
    LEOMESH_FUZZ_CHECK(st.waiting <= others, "one waiting entry per other satellite at most");
    LEOMESH_FUZZ_CHECK(st.unacked <= CoreBounds::window * others, "unacknowledged messages within a window per satellite");
    LEOMESH_FUZZ_CHECK(st.peers <= others, "one peer record per other satellite at most");
    LEOMESH_FUZZ_CHECK(st.outbound == 0 && st.events == 0, "drained outputs are gone");
    LEOMESH_FUZZ_CHECK(st.total() == core_.state_entries(), "state_entries() is the sum");
  }

  static void remember(std::vector<std::pair<int, std::uint64_t>>& list, const scheduler::Message& m) {
    if (list.size() == kRemembered) list.erase(list.begin());
    list.emplace_back(m.dst, m.id);
  }

  const fuzz::World& w_;
  const int self_;
  mesh::Topology topo_;
  mesh::RoutingTable routes_;
  emulator::SimulatedPool pool_;
  scheduler::SatelliteCore core_;
  std::vector<int> links_;
  std::size_t fanout_ = 0;  // most messages one input makes the core send, resends aside
  double now_ = 0;
  CoreStats step_start_;
  bool finished_at_start_ = false;
  std::uint64_t may_receive_ = 0;  // tasks in pushes and in replies to the core's own requests
  std::unordered_set<std::uint64_t> issued_;         // every steal request the core sent
  std::unordered_set<std::uint64_t> sent_reliably_;  // every reliable message the core sent
  std::vector<std::pair<int, std::uint64_t>> open_;     // requests the script may answer
  std::vector<std::pair<int, std::uint64_t>> unacked_;  // reliable messages it may ack
  std::vector<std::pair<int, double>> busy_;            // (worker, finishes at)
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // LEOMESH_FUZZ_TRACE=1 prints the core's counters after every step: what an input did,
  // for reading a crash or checking that a seed reaches what it is meant to.
  static const bool trace = std::getenv("LEOMESH_FUZZ_TRACE") != nullptr;
  const fuzz::Script script = fuzz::read_script(data, size);
  Run run(fuzz::world(script.scenario));
  run.start(script.scenario & fuzz::kInject);
  for (const fuzz::Step& s : script.steps) {
    run.step(s);
    if (trace) run.print(s);
  }
  return 0;
}
