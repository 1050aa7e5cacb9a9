#include "leomesh/scheduler/core.hpp"

#include "core_detail.hpp"

#include <algorithm>
#include <cmath>

namespace leomesh::scheduler {
namespace {
using namespace core_detail;

// The smallest round trip the sharing thresholds assume: an answer over ZeroMQ on one host
// takes 70-300 us, and links of "none" latency must not make every crumb worth sending.
constexpr double kMinRoundTrip = 100e-6;
}  // namespace

SpanningTree SpanningTree::build(const mesh::Topology& topo, int root) {
  // Breadth-first over every candidate ISL, up or not: links come and go as the shell moves
  // (a polar shell may even be split at one instant), but the tree must reach everyone and
  // stay the same for the whole run. Messages between tree neighbours follow the routes of
  // the moment, so a down tree link only makes a path longer.
  const auto n = static_cast<std::size_t>(topo.satellites());
  SpanningTree tree;
  tree.root = root;
  tree.parent.assign(n, -1);
  tree.children.assign(n, {});
  std::vector<bool> seen(n, false);
  std::vector<int> queue{root};
  seen[static_cast<std::size_t>(root)] = true;
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const int v = queue[head];
    for (const mesh::Adjacent& a : topo.adjacency(v)) {
      const auto u = static_cast<std::size_t>(a.neighbor);
      if (seen[u]) continue;
      seen[u] = true;
      tree.parent[u] = v;
      tree.children[static_cast<std::size_t>(v)].push_back(a.neighbor);
      queue.push_back(a.neighbor);
    }
  }
  tree.size.assign(n, 1);
  for (std::size_t i = queue.size(); i-- > 1;) tree.size[static_cast<std::size_t>(tree.parent[static_cast<std::size_t>(queue[i])])] += tree.size[static_cast<std::size_t>(queue[i])];
  // A satellite no candidate link reaches reports to the root directly (full:N has every
  // pair linked, so this happens only for a shell that cannot finish a run anyway).
  for (std::size_t v = 0; v < n; ++v) {
    if (seen[v]) continue;
    tree.parent[v] = root;
    tree.children[static_cast<std::size_t>(root)].push_back(static_cast<int>(v));
  }
  // Start shares go only to satellites the root can reach now: a share stranded behind a
  // partition (a polar shell split at its cut-off latitude) would hold up the end of the
  // run until the partition heals, though nothing there ever had work.
  mesh::BfsScratch reach;
  mesh::sweep_from(topo, root, reach);
  tree.starts_with_share.assign(n, false);
  for (int v : reach.order) tree.starts_with_share[static_cast<std::size_t>(v)] = true;
  tree.share_holders = static_cast<int>(reach.order.size());
  return tree;
}

SpanningTree SpanningTree::rejoining(int s) const {
  SpanningTree view = *this;
  if (s == root) return view;
  view.starts_with_share[static_cast<std::size_t>(s)] = false;
  for (int c : children[static_cast<std::size_t>(s)]) view.starts_with_share[static_cast<std::size_t>(c)] = false;
  return view;
}

SatelliteCore::SatelliteCore(const CoreConfig& config, LocalPool& pool, const mesh::Topology& topo,
                             const mesh::RoutingTable& routes, const SpanningTree& tree)
    : cfg_(config),
      pool_(pool),
      topo_(topo),
      routes_(routes),
      tree_(tree),
      parent_(tree.parent[static_cast<std::size_t>(config.self)]),
      children_(tree.children[static_cast<std::size_t>(config.self)]),
      rng_(config.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(config.self) + 1),
      child_returned_(children_.size(), false) {
  // Until the first answer is measured, a round trip is taken to be one over the slowest
  // adjacent link, there and back.
  double slowest = 0;
  for (const mesh::Adjacent& a : topo.adjacency(config.self)) {
    if (a.neighbor == config.self) continue;
    slowest = std::max(slowest, topo.state(a.link).latency_s);
    neighbours_.push_back(Neighbour{a.neighbor, a.link, 0, 0});
  }
  rtt_s_ = std::max(2 * slowest, kMinRoundTrip);
  if (bounded()) preallocate();
  const auto self = static_cast<std::size_t>(config.self);
  if (recovering()) {
    // No weight: the root's account 0, the injected work, settles last of all.
    accounts_.assign(TaskContext::kAccounts, Account{});
    epochs_.assign(static_cast<std::size_t>(topo.satellites()), 1);
    views_.assign(static_cast<std::size_t>(topo.satellites()), 1 << 24);  // first incarnation, alive
    views_[self] = config.epoch << 24;
    if (config.self == config.root) {
      accounts_[0].open = true;
      accounts_open_ = 1;
    }
    return;
  }
  if (tree.starts_with_share[self]) held_ = Weight::initial_share(config.self == config.root, tree.share_holders);
  // The start-up convergecast waits only for children that hold a share to return.
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (tree.starts_with_share[static_cast<std::size_t>(children_[i])])
      ++first_returns_missing_;
    else
      child_returned_[i] = true;
  }
}

// Everything a run needs, so that none of it is allocated later (flight software allows no
// allocation after initialisation): the message buffers, and each table at the most it can
// hold with this topology. The node tables are filled and emptied once, which leaves their
// buckets and (in their pool) their nodes for the run.
void SatelliteCore::preallocate() {
  const auto satellites = static_cast<std::size_t>(topo_.satellites());
  spare_.reserve(cfg_.message_buffers);
  for (std::size_t i = 0; i < cfg_.message_buffers; ++i) {
    Message m;
    m.tasks.reserve(cfg_.max_batch);
    spare_.push_back(std::move(m));
  }
  // Reliable messages unacknowledged at once: loot (one per buffer at most), a weight return
  // and terminate to each tree child.
  for (std::size_t k = 0; k < cfg_.message_buffers + children_.size() + 2; ++k) unacked_.emplace(k, Unacked{});
  unacked_.clear();
  for (std::size_t k = 0; k < satellites; ++k) peers_.emplace(static_cast<int>(k), Peer{});
  peers_.clear();
  taken_.assign(CoreBounds::steals_kept, 0);
  take_buffer_.reserve(cfg_.max_batch);
  waiting_.reserve(satellites);
  scratch_.reserve(satellites);
  requests_.reserve(static_cast<std::size_t>(std::ceil(cfg_.requests_in_flight)) + 1);
  timed_out_.reserve(2 * CoreBounds::timed_out_kept + 64);  // a Fifo compacts at half popped
  // A burst of one input: answers, pushes and demand notices to every neighbour.
  outbound_.reserve(4 * (neighbours_.size() + cfg_.message_buffers) + 64);
  events_.reserve(4 * (neighbours_.size() + cfg_.message_buffers) + 64);
}

void SatelliteCore::send(Message m) {
  const int next = m.dst == cfg_.self ? -1 : routes_.next_hop(cfg_.self, m.dst);
  if (next < 0 || (recovering() && taken_for_dead(m.dst))) {
    // No route right now (a link is down), or none worth taking (crash recovery: what is
    // sent to a satellite taken for dead would be lost with it, or circle its neighbours).
    // Steal messages are retried by timeouts; loot, returns and terminate by retransmission,
    // so dropping here loses nothing for good.
    ++stats_.unroutable;
    recycle(std::move(m));
    return;
  }
  emit(std::move(m), next);
}

void SatelliteCore::emit(Message m, int next) {
  if (outbound_.size() >= CoreBounds::outbound) {
    // The driver has not drained for a long while: the newest go, as from a full link queue,
    // and are recovered from in the same way.
    ++stats_.capped.outbound_full;
    recycle(std::move(m));
    return;
  }
  if (m.src == cfg_.self) {
    m.load_s = pool_.queued_work_s();
    m.demand_hops = demand_hops_;
    if (recovering()) {
      m.epoch = cfg_.epoch;
      if (m.to_epoch == 0) m.to_epoch = epochs_[static_cast<std::size_t>(m.dst)];
    }
  }
  ++m.hops;
  ++stats_.messages_sent;
  if (recovering())
    for (Neighbour& n : neighbours_)
      if (n.id == next) n.told = now_;
  outbound_.push_back(Outbound{next, std::move(m)});
}

void SatelliteCore::weight_in_flight_to(std::vector<int>& destinations) const {
  for (const auto& [key, u] : unacked_)
    if (!u.message.weight.empty()) destinations.push_back(u.message.dst);
}

void SatelliteCore::send_reliably(double now, Message m) {
  Message kept = m.tasks.empty() ? Message{} : blank_message();
  kept.assign(m);
  if (unacked_.insert_or_assign(loot_key(m.dst, m.id), Unacked{std::move(kept), now + cfg_.retransmit_s}).second)
    ++peers_[m.dst].unacked;
  send(std::move(m));
}

Message SatelliteCore::blank_message() {
  if (spare_.empty()) return Message{};
  Message m = std::move(spare_.back());
  spare_.pop_back();
  m.reset();
  return m;
}

void SatelliteCore::recycle(Message&& m) {
  // Bounded, the buffers made at the start come back here, and only they (a message the
  // decoder had to grow is one of them, grown).
  const bool buffers = m.tasks.capacity() > 0 || m.loots.capacity() > 0 || m.liveness.capacity() > 0;
  if (buffers && spare_.size() < (bounded() ? cfg_.message_buffers : kSpareMessages)) spare_.push_back(std::move(m));
}

bool SatelliteCore::has_room(int peer) const {
  const auto it = peers_.find(peer);
  return it == peers_.end() || it->second.unacked < CoreBounds::window;
}

SatelliteCore::Arrival SatelliteCore::admit(Window& w, std::uint64_t number) {
  // Why a window and not the set of numbers seen: a set grows with every message for the
  // agent's whole life, and one that forgets its oldest entries would take a copy older than
  // it remembers for a new message: its tasks would run twice, its weight would count twice,
  // and the root could hold the whole unit while work still runs. Each sender numbers its
  // messages to this satellite 1, 2, 3, ..., so every number up to `base` is known to have
  // arrived, however long ago. A sender keeps at most CoreBounds::window unacknowledged, so
  // an honest one runs farther ahead than `above` reaches only while an early message is lost
  // again and again; such a message is dropped unacknowledged and resent, and by then the
  // window has moved.
  if (number <= w.base) return Arrival::duplicate;
  const std::uint64_t offset = number - w.base - 1;
  if (offset >= CoreBounds::window) return Arrival::beyond;
  const std::uint64_t bit = 1ULL << offset;
  if ((w.above & bit) != 0) return Arrival::duplicate;
  w.above |= bit;
  while ((w.above & 1) != 0) {
    ++w.base;
    w.above >>= 1;
  }
  return Arrival::fresh;
}

void SatelliteCore::record(const StealEvent& e) {
  if (events_.size() >= CoreBounds::events) {
    ++stats_.capped.events_full;
    return;
  }
  events_.push_back(e);
}

void SatelliteCore::submit(double now, const Task* tasks, std::size_t count) {
  now_ = now;
  if (count == 0) return;
  pool_.push(tasks, count);
  busy_ = true;
  serve_waiting(now);
  settle(now);
}

void SatelliteCore::begin(double now) {
  now_ = now;
  begun_ = true;
  if (recovering()) {
    for (Neighbour& n : neighbours_) n.heard = now;
    schedule_heartbeat(now);  // ISL neighbours hear from each other every heartbeat_s
  }
  if (cfg_.remember_s > 0) {
    // Nobody but the injection satellites has work yet: every tree child waits for a start
    // share in proportion to the satellites of its subtree, so work injected at the root is
    // pushed outward one ISL latency per hop and arrives spread as the constellation is, in
    // one pass (an equal share per neighbour left the far side of a large shell idle).
    for (int c : children_) {
      const auto ci = static_cast<std::size_t>(c);
      if (tree_.starts_with_share[ci]) waiting_.push_back(Waiting{c, now, 0, static_cast<double>(tree_.size[ci]), true});
    }
    push_wait_s_ = cfg_.push_check_s;
  }
  if (busy_)
    serve_waiting(now);
  else
    handle_local_idle(now);
}

void SatelliteCore::handle_local_idle(double now) {
  now_ = now;
  busy_ = false;
  if (terminated_) return;
  if (recovering())
    settle_accounts(now);
  else {
    return_weight(now);
    try_finish(now);
  }
  try_steal(now);
  update_demand(now);
}

// --- thief ---

double SatelliteCore::keep_s() const { return static_cast<double>(cfg_.workers) * rtt_s_; }

bool SatelliteCore::running_low() const {
  return busy_ && pool_.queued_work_s() < cfg_.ask_below_per_worker * keep_s();
}

void SatelliteCore::try_steal(double now) {
  low_check_at_ = kInf;
  if (!begun_ || terminated_) return;
  if (busy_ && !running_low()) {
    if (cfg_.ask_below_per_worker > 0 && requests_.empty()) low_check_at_ = now + cfg_.low_check_s;
    return;
  }
  if (now < retry_at_) return;
  if (accounts_short()) {
    // Crash recovery: nearly every account is open, waiting for loot given from it to be
    // settled; new loot would be refused, and the giver would take it back. Ask later.
    retry_at_ = now + backoff(++failures_);
    return;
  }
  // One-hop policies can keep at most one request per active neighbour in flight.
  std::size_t limit = static_cast<std::size_t>(std::max(cfg_.requests_in_flight, 1.0));
  if (cfg_.policy.one_hop()) {
    std::size_t active = 0;
    for (const mesh::Adjacent& a : topo_.adjacency(cfg_.self))
      active += topo_.state(a.link).active && a.neighbor != cfg_.self && !(recovering() && quiet(a.neighbor));
    limit = std::min(limit, active);
  }
  for (int tries = 0; requests_.size() < limit && tries < 4 * static_cast<int>(limit); ++tries) {
    const int victim = cfg_.policy.choose(cfg_.self, topo_, routes_, rng_, scratch_, failures_, last_victim_);
    if (victim < 0) break;
    if (std::any_of(requests_.begin(), requests_.end(), [&](const Request& r) { return r.victim == victim; })) continue;
    if (recovering() && quiet(victim)) continue;
    Message m;
    m.kind = MessageKind::steal_request;
    m.src = cfg_.self;
    m.dst = victim;
    m.id = ++steal_seq_;
    ++stats_.steal_attempts;
    requests_.push_back(Request{victim, m.id, now, now + cfg_.steal_timeout_s});
    send(std::move(m));
  }
  // Nobody to ask at the moment (e.g. every ISL is down): ask again after a back-off.
  if (requests_.empty()) retry_at_ = now + backoff(++failures_);
}

double SatelliteCore::steal_deadline() const {
  if (terminated_ || !begun_) return kInf;
  double d = kInf;
  for (const Request& r : requests_) d = std::min(d, r.deadline);
  // While idle (or low) with nothing in flight, the next attempt is due when the back-off ends.
  if (requests_.empty() && (!busy_ || running_low())) d = std::min(d, retry_at_);
  return std::min(d, low_check_at_);
}

double SatelliteCore::backoff(std::uint32_t failures) const {
  const double b = cfg_.backoff_min_s * std::ldexp(1.0, static_cast<int>(std::min<std::uint32_t>(failures, 30)) - 1);
  return std::min(b, cfg_.backoff_max_s);
}

void SatelliteCore::on_steal_reply(double now, Message& m) {
  const auto it = std::find_if(requests_.begin(), requests_.end(),
                               [&](const Request& r) { return r.id == m.id && r.victim == m.src; });
  const bool current = it != requests_.end();
  if (!m.tasks.empty()) {
    // Loot only for a steal this satellite sent to this victim: still open, timed out (its
    // loot may come late), or already taken (a resent copy, acknowledged again). Anything
    // else would add work and weight nobody gave, and the run could never balance.
    const std::uint64_t key = loot_key(m.src, m.id);
    const auto late = std::find(timed_out_.begin(), timed_out_.end(), key);
    const bool recent = m.id + CoreBounds::steals_kept > steal_seq_;
    std::uint64_t* slot = taken_.empty() ? nullptr : &taken_[m.id % CoreBounds::steals_kept];
    if ((current || late != timed_out_.end()) && !room_for(m)) {
      // No account free for it: the victim takes the tasks back at once, and for this thief
      // it was an empty answer.
      refuse(m);
      if (late != timed_out_.end()) timed_out_.erase(late);
      m.tasks.clear();
    } else if (current || late != timed_out_.end()) {
      if (late != timed_out_.end()) {
        ++stats_.late_loot;
        timed_out_.erase(late);
      }
      take_loot(now, m);
      if (recent) {
        if (slot == nullptr) {
          taken_.assign(CoreBounds::steals_kept, 0);
          slot = &taken_[m.id % CoreBounds::steals_kept];
        }
        taken_count_ += *slot == 0;
        *slot = key;
      }
    } else if (m.id == 0 || m.id > steal_seq_) {
      ++stats_.rejected.unasked_loot;  // a number this satellite has not used
      return;
    } else if (recent) {
      // Within the record, which says exactly whether this victim's loot for it was taken.
      if (slot == nullptr || *slot != key) {
        ++stats_.rejected.unasked_loot;
        return;
      }
      ++stats_.duplicates;
    } else {
      // Older than the record, and neither open nor timed out: a copy of loot taken long ago
      // (its acknowledgements lost again and again), or a forgery. Never taken; acknowledged,
      // so that a victim stops resending it.
      ++stats_.capped.old_loot;
    }
    // After the tasks, so the acknowledgement reports the queue they made.
    acknowledge(m);
  }
  if (!current) return;
  const double latency = now - it->sent_at;
  requests_.erase(it);
  stats_.attempt_latency_sum_s += latency;
  // Smoothed like TCP's SRTT, but a sample counts for at most twice the estimate: a victim
  // whose host was busy elsewhere (live agents sharing cores) answers late now and then, and
  // one such answer must not make this satellite hoard work for a second.
  rtt_s_ += 0.125 * (std::min(latency, 2 * rtt_s_) - rtt_s_);
  stats_.attempt_hops_sum += m.request_hops;
  record(StealEvent{now, cfg_.self, m.src, m.request_hops, latency, static_cast<std::uint32_t>(m.tasks.size()), false});
  if (!m.tasks.empty()) {
    ++stats_.steal_successes;
    failures_ = 0;
    last_victim_ = m.src;
    retry_at_ = 0;
  } else {
    ++stats_.steal_empty;
    // The victim remembers us and pushes when it can; wait before asking anyone new.
    retry_at_ = std::max(retry_at_, now + backoff(++failures_));
    try_steal(now);
  }
}

void SatelliteCore::acknowledge(const Message& m) { answer(m, MessageKind::ack); }

void SatelliteCore::answer(const Message& m, MessageKind kind) {
  Message a;
  a.kind = kind;
  a.src = cfg_.self;
  a.dst = m.src;
  a.id = m.id;
  a.to_epoch = m.epoch;  // with recovery: only that incarnation kept the message
  send(std::move(a));
}

void SatelliteCore::on_ack(double now, const Message& m) {
  const auto it = unacked_.find(loot_key(m.src, m.id));
  if (it == unacked_.end()) {
    ++stats_.unmatched_acks;
    return;
  }
  recycle(std::move(it->second.message));
  unacked_.erase(it);
  --peers_[m.src].unacked;
  // A weight return held back while the window toward the parent was full can go now.
  if (!busy_) return_weight(now);
}

void SatelliteCore::take_loot(double now, Message& m) {
  if (recovering())
    open_accounts(now, m);
  else
    held_.merge(m.weight);
  busy_ = true;
  stats_.tasks_received += m.tasks.size();
  pool_.push(m.tasks.data(), m.tasks.size());
}

void SatelliteCore::on_loot_push(double now, Message& m) {
  switch (admit(peers_[m.src].pushes_in, m.id & kNumberMask)) {
    case Arrival::fresh:
      if (!room_for(m)) {
        refuse(m);  // no account free for it: the pusher takes it back (its copies will be repeats)
        return;
      }
      take_loot(now, m);
      break;
    case Arrival::duplicate: ++stats_.duplicates; break;
    case Arrival::beyond: ++stats_.capped.beyond_window; return;
  }
  // After the tasks, so the acknowledgement reports the queue they made.
  acknowledge(m);
}

// --- victim ---

bool SatelliteCore::fill_loot(double now, double want_s, Message& loot) {
  if (terminated_ || !busy_ || !(want_s > 0)) return false;
  if (recovering() && peers_[loot.dst].given >= CoreBounds::given) {
    ++stats_.capped.given_full;
    return false;
  }
  if (recovering() && quiet(loot.dst)) return false;  // it would most likely be lost with it
  if (bounded() && (loot.tasks.capacity() < cfg_.max_batch || spare_.size() < 2)) {
    // Loot needs a buffer of its own and one for the copy kept until it is acknowledged,
    // and one stays free for the next frame to decode into.
    ++stats_.capped.buffers_short;
    return false;
  }
  // With recovery the giver's copy stands in for the weight.
  Weight piece = recovering() ? Weight{} : held_.split();
  if (piece.empty() && !recovering()) return false;  // no finer piece can be made: keep the work
  take_buffer_.clear();
  // With recovery, loot of one account only: the receiver opens one account per giver account
  // in a loot, or adds the loot to the one it has open for that giver account. Loots of mixed
  // accounts multiplied the accounts open along every chain of givers until none was free
  // (255). Keeping only the oldest task's account of a mixed take instead gave loot a fifth
  // of its size on Starlink, and the shell's far side never got work: the pool gives from
  // its richest account, looking past other accounts' tasks.
  if (cfg_.amount == StealAmount::one)
    pool_.take_oldest(1, take_buffer_);
  else
    pool_.take_work(want_s, cfg_.max_batch, take_buffer_, recovering());
  // Tasks of a dropped account still queued: out of the pool now, and never given.
  if (recovering())
    take_buffer_.erase(std::remove_if(take_buffer_.begin(), take_buffer_.end(),
                                      [&](const Task& t) { return accounts_[t.account].dropped; }),
                       take_buffer_.end());
  if (take_buffer_.empty()) {
    held_.merge(piece);
    return false;
  }
  loot.reserve_tasks(take_buffer_.size());
  loot.tasks.assign(take_buffer_.begin(), take_buffer_.end());
  loot.weight = std::move(piece);
  stats_.tasks_given += loot.tasks.size();
  ++stats_.loot_sent;
  if (recovering()) keep_copy(now, loot);
  return true;
}

void SatelliteCore::on_steal_request(double now, const Message& m) {
  ++stats_.requests_served;
  Message reply = blank_message();
  reply.kind = MessageKind::steal_reply;
  reply.src = cfg_.self;
  reply.dst = m.src;
  reply.id = m.id;
  reply.request_hops = m.hops;
  Peer& thief = peers_[m.src];
  if (m.id <= thief.last_request) {
    // A thief numbers its requests in increasing order, so this one was overtaken by a later
    // one already answered, or is a replay. Loot for it would be kept under the key of loot
    // given for that number before (replacing that copy), and the thief would take it for a
    // copy of loot it has: it gets nothing, and is not remembered for it.
    ++stats_.stale_requests;
    // A copy of a request whose loot is still unacknowledged (a duplicated frame) gets no
    // answer: an empty one would close the thief's request, and if the loot was lost on the
    // way, the thief would refuse its resent copies as unasked, its tasks and weight stranded
    // for good (found by sim's --duplicate with --corrupt). The loot is resent until
    // acknowledged, and taken even after the request timed out. Not resent here: a replayed
    // request would make this satellite send a batch of loot for every few bytes received.
    if (unacked_.count(loot_key(m.src, m.id)) > 0) return;
    send(std::move(reply));
    return;
  }
  thief.last_request = m.id;
  // Give only down the gradient: a thief that still has work (it asks before running dry)
  // gets a share only of what this victim holds beyond it, and nothing when that is less
  // than a task per worker, so work flows toward idle satellites rather than back and forth.
  auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.thief == m.src; });
  // A tree child still owed its start share keeps its weight (the satellites it stands
  // for), but from now on it is a thief like any other: remembered while it keeps asking.
  Waiting entry{m.src, now, m.load_s, 1.0, false};
  if (it != waiting_.end()) {
    entry.weight = it->weight;
    waiting_.erase(it);
  }
  const double queued = pool_.queued_work_s();
  const double surplus = queued - m.load_s;
  bool gave = false;
  if (surplus > keep_s()) {
    // A thief that leaves a window of loot unacknowledged gets no more until it acknowledges:
    // else one that never does would hold this satellite's copies of all its work.
    if (has_room(m.src))
      gave = fill_loot(now, surplus * entry.weight / (entry.weight + 1), reply);
    else
      ++stats_.capped.unacked_full;
  }
  if (!gave && !terminated_ && cfg_.remember_s > 0) {
    waiting_.push_back(entry);
    push_wait_s_ = cfg_.push_check_s;
  }
  if (gave)
    send_reliably(now, std::move(reply));
  else
    send(std::move(reply));
}

bool SatelliteCore::push_loot(double now, int to, double want_s) {
  if (!has_room(to)) {
    ++stats_.capped.unacked_full;
    return false;
  }
  Peer& peer = peers_[to];
  Message m = blank_message();
  m.kind = MessageKind::loot_push;
  m.src = cfg_.self;
  m.dst = to;
  m.id = kPushBit | (peer.pushes_sent + 1);
  if (!fill_loot(now, want_s, m)) {
    recycle(std::move(m));
    return false;
  }
  ++peer.pushes_sent;
  ++stats_.loot_pushes;
  send_reliably(now, std::move(m));
  return true;
}

void SatelliteCore::serve_waiting(double now) {
  push_check_at_ = kInf;
  if (waiting_.empty() || terminated_) return;
  // Forget thieves that stopped asking: they found work elsewhere (or their link went).
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(),
                                [&](const Waiting& w) { return !w.start && w.since + cfg_.remember_s <= now; }),
                 waiting_.end());
  // Idle thieves first: a satellite that asked before running dry can wait a little.
  // A stable insertion sort: in place (std::stable_sort takes a buffer from the heap at every
  // call), and near linear on the order the previous call left.
  for (std::size_t i = 1; i < waiting_.size(); ++i)
    for (std::size_t j = i; j > 0 && waiting_[j].load_s < waiting_[j - 1].load_s; --j) std::swap(waiting_[j], waiting_[j - 1]);
  // Keep two tasks per local worker: this satellite needs them itself within moments, and
  // when work is that scarce a push across an ISL costs more than it saves. Above that,
  // every waiting thief gets an equal share, this satellite counted as one of them.
  const double keep = 2 * keep_s();
  double total = 1;
  for (const Waiting& w : waiting_) total += w.weight;
  const double per_weight = pool_.queued_work_s() / total;
  for (std::size_t i = 0; i < waiting_.size() && busy_ && pool_.queued_work_s() >= keep &&
                          2 * waiting_[i].load_s < pool_.queued_work_s();) {
    if (!push_loot(now, waiting_[i].thief, per_weight * waiting_[i].weight)) {
      if (has_room(waiting_[i].thief)) break;  // nothing to give
      ++i;                                      // its window is full: it waits, the next may not
      continue;
    }
    waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
    push_wait_s_ = cfg_.push_check_s;
  }
  // Thieves still waiting and nothing to spare yet: look again soon (the queue grows as the
  // workers expand tasks), less often the longer there is nothing, so a satellite busy with
  // one long task does not wake its driver every millisecond.
  if (!waiting_.empty() && busy_) {
    double oldest = kInf;
    for (const Waiting& w : waiting_) if (!w.start) oldest = std::min(oldest, w.since);
    push_check_at_ = std::min(now + push_wait_s_, oldest + cfg_.remember_s);
    push_wait_s_ = std::min(2 * push_wait_s_, cfg_.backoff_max_s);
  }
}

// --- messages and time ---

void SatelliteCore::handle_message(double now, Message m) {
  now_ = now;
  if (recovering()) heard_from(now, m);
  if (m.dst != cfg_.self) {
    // Satellites whose link views briefly disagree (live agents update their topology at
    // slightly different moments) could bounce a message; a hop limit ends any such loop.
    if (m.hops >= 2 * topo_.satellites() + 16) {
      ++stats_.unroutable;
      ++stats_.hop_limit;
      recycle(std::move(m));
      return;
    }
    ++stats_.forwarded;
    send(std::move(m));
    return;
  }
  if ((recovering() && !admit_epoch(now, m)) || !plausible(m)) {  // before it changes anything
    recycle(std::move(m));
    return;
  }
  if (m.load_s >= 2 * keep_s() && !waiting_.empty()) {
    // The sender has plenty queued now: it no longer waits for work from us.
    auto it = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.thief == m.src; });
    if (it != waiting_.end()) waiting_.erase(it);
  }
  for (Neighbour& n : neighbours_)
    if (n.id == m.src) n.demand_hops = m.demand_hops;
  switch (m.kind) {
    case MessageKind::steal_request: on_steal_request(now, m); break;
    case MessageKind::steal_reply: on_steal_reply(now, m); break;
    case MessageKind::loot_push:
      on_loot_push(now, m);
      failures_ = 0;  // work came by itself: the next search starts afresh
      break;
    case MessageKind::ack: on_ack(now, m); break;
    case MessageKind::weight_return: on_weight_return(now, m); break;
    case MessageKind::terminate:
      acknowledge(m);
      on_terminate(now);
      break;
    case MessageKind::account_return: on_account_return(now, m); break;
    case MessageKind::loot_refused: on_loot_refused(now, m); break;
    case MessageKind::loot_dropped: on_loot_dropped(m); break;
    case MessageKind::alive: on_alive(now, m); break;
    case MessageKind::demand: break;
  }
  recycle(std::move(m));
  serve_waiting(now);
  if (busy_ && requests_.empty()) try_steal(now);
  settle(now);
}

void SatelliteCore::settle(double now) {
  // Giving loot may have emptied a pool whose workers were all idle (work that had just
  // arrived went on at once): no worker will report that it ran dry, so say it here.
  if (busy_ && pool_.idle())
    handle_local_idle(now);
  else {
    if (recovering()) settle_accounts(now);  // accounts finish while other work goes on
    update_demand(now);
  }
}

void SatelliteCore::update_demand(double now) {
  if (cfg_.demand_horizon_hops < 1 || terminated_ || !begun_) {
    downhill_at_ = demand_at_ = kInf;
    return;
  }
  // Hungry when idle, sated again at two round trips of work per worker. A satellite that is
  // merely running low asks its neighbours itself (ask before running dry); counting it as
  // demand too made live agents on zero-latency links, whose queues dip below a round trip
  // at every other task, push the same work round the mesh (1.8-7.5 M tasks given in a run
  // of 20 M, 30% slower).
  const double queued = busy_ ? pool_.queued_work_s() : 0;
  if (hungry_ && queued >= 2 * keep_s())
    hungry_ = false;
  else if (!hungry_ && !busy_)
    hungry_ = true;
  if (accounts_short()) hungry_ = false;  // it could take no loot: nobody should push it any
  // Distance vector over the ISLs: 0 when hungry, else one more than the nearest neighbour,
  // capped at the horizon. The cap bounds how far a stale value can count up when a hungry
  // region fills (the count-to-infinity of distance-vector routing).
  const auto horizon = static_cast<std::uint16_t>(cfg_.demand_horizon_hops);
  std::uint16_t d = 0;
  if (!hungry_) {
    d = horizon;
    for (const Neighbour& n : neighbours_)
      if (topo_.state(n.link).active) d = std::min<std::uint16_t>(d, static_cast<std::uint16_t>(n.demand_hops + 1));
  }
  // Every message carries the value of the moment; a demand message of its own goes out at
  // most every demand_interval_s, with the latest value. A satellite whose hunger flips at
  // every loot (zero-latency links, where a round trip of work is a fraction of a
  // millisecond) would otherwise set off a storm of updates across the mesh.
  demand_hops_ = d;
  demand_at_ = kInf;
  if (d != told_hops_) {
    if (now >= told_at_ + cfg_.demand_interval_s) {
      told_hops_ = d;
      told_at_ = now;
      for (const Neighbour& n : neighbours_) {
        if (!topo_.state(n.link).active) continue;
        Message m;
        m.kind = MessageKind::demand;
        m.src = cfg_.self;
        m.dst = n.id;
        send(std::move(m));  // carries demand_hops_, like every message
      }
    } else {
      demand_at_ = told_at_ + cfg_.demand_interval_s;
    }
  }
  push_downhill(now);
}

void SatelliteCore::push_downhill(double now) {
  downhill_at_ = kInf;
  if (hungry_ || !busy_ || demand_hops_ >= cfg_.demand_horizon_hops) return;
  // Work flows toward the nearest hungry satellites even when every satellite in between is
  // busy and asks for nothing (the gradient model of Lin and Keller, 1987): a satellite with
  // surplus pushes a share of it to each neighbour that is closer to demand, which passes on
  // what it cannot use in the same way. Without it, a busy region's rich interior kept its
  // work while idle satellites two or three hops beyond its thin edge stayed idle.
  const double keep = keep_s();
  std::size_t downhill = 0;
  for (const Neighbour& n : neighbours_) downhill += topo_.state(n.link).active && n.demand_hops < demand_hops_;
  for (Neighbour& n : neighbours_) {
    if (!topo_.state(n.link).active || n.demand_hops >= demand_hops_) continue;
    const double queued = pool_.queued_work_s();
    if (queued < 2 * keep) break;
    if (n.next_push > now) {  // at most one push per neighbour and round trip
      downhill_at_ = std::min(downhill_at_, n.next_push);
      continue;
    }
    if (!push_loot(now, n.id, (queued - keep) / static_cast<double>(downhill + 1))) {
      if (has_room(n.id)) break;  // nothing to give
      continue;                   // its window is full: the next neighbour may still get some
    }
    ++stats_.downhill_pushes;
    n.next_push = now + std::max(rtt_s_, cfg_.demand_interval_s);
    downhill_at_ = std::min(downhill_at_, n.next_push);
  }
}

bool SatelliteCore::plausible(const Message& m) {
  // A satellite never sends itself anything (send() routes nothing to its own sender), so a
  // message that claims to come from here is forged, whatever its kind: loot given to a
  // request "from itself" would go round the network forever, and a push "from itself" was
  // taken, weight and all (fuzz_core).
  if (m.src == cfg_.self) {
    ++stats_.rejected.own_request;
    return false;
  }
  switch (m.kind) {
    case MessageKind::terminate:
      // Only the root declares the end, and the news comes down the tree (with recovery,
      // from the root itself).
      if (cfg_.self != cfg_.root && m.src == (recovering() ? cfg_.root : parent_)) return true;
      ++stats_.rejected.terminate;
      return false;
    case MessageKind::weight_return:
      // Weight and results go up the tree, from a child to its parent.
      if (!recovering() && std::find(children_.begin(), children_.end(), m.src) != children_.end()) return true;
      ++stats_.rejected.stray_return;
      return false;
    case MessageKind::account_return:
    case MessageKind::alive:
    case MessageKind::loot_refused:
    case MessageKind::loot_dropped:
      if (recovering()) return true;
      ++stats_.rejected.stray_return;
      return false;
    default: return true;
  }
}

void SatelliteCore::handle_timeout(double now) {
  now_ = now;
  if (!terminated_) {
    for (auto it = requests_.begin(); it != requests_.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      ++stats_.steal_timeouts;
      // Remembered so that its loot is still taken when it comes: a victim resends loot until
      // it is acknowledged, so forgetting one strands its weight. Timeouts are rare (a victim
      // answers at once), so the oldest are forgotten only after many.
      timed_out_.push_back(loot_key(it->victim, it->id));
      if (timed_out_.size() > CoreBounds::timed_out_kept) {
        timed_out_.pop_front();
        ++stats_.capped.timed_out_forgotten;
      }
      record(StealEvent{now, cfg_.self, it->victim, 0, now - it->sent_at, 0, true});
      ++failures_;
      it = requests_.erase(it);
    }
    try_steal(now);
  }
  for (auto& [key, u] : unacked_) {
    if (u.resend_at > now) continue;
    u.resend_at = now + cfg_.retransmit_s;
    if (bounded() && !u.message.tasks.empty() && spare_.size() < 2) {
      ++stats_.capped.buffers_short;  // sent when a buffer is free again
      continue;
    }
    ++stats_.loot_retransmits;
    Message copy = u.message.tasks.empty() ? Message{} : blank_message();
    copy.assign(u.message);
    copy.hops = 0;
    send(std::move(copy));
  }
  if (push_check_at_ <= now) serve_waiting(now);
  if (heartbeat_at_ <= now) on_heartbeat(now);
  settle(now);  // also pushes downhill when that is due
}

double SatelliteCore::next_deadline() const {
  double d = std::min({steal_deadline(), push_check_at_, downhill_at_, demand_at_, heartbeat_at_});
  for (const auto& kv : unacked_) d = std::min(d, kv.second.resend_at);
  return d;
}

// --- termination by weight throwing ---

void SatelliteCore::on_weight_return(double now, const Message& m) {
  const Arrival arrival = admit(peers_[m.src].returns_in, m.id & kNumberMask);
  if (arrival == Arrival::beyond) {
    ++stats_.capped.beyond_window;
    return;
  }
  acknowledge(m);
  if (arrival == Arrival::duplicate) {
    ++stats_.duplicates;  // a retransmitted copy
    return;
  }
  if (terminated_) return;  // too late to matter
  held_.merge(m.weight);
  absorbed_.merge(m.reduction);
  const auto it = std::find(children_.begin(), children_.end(), m.src);
  if (it != children_.end()) {
    const auto i = static_cast<std::size_t>(it - children_.begin());
    if (!child_returned_[i]) {
      child_returned_[i] = true;
      --first_returns_missing_;
    }
  }
  if (!busy_) {
    return_weight(now);
    try_finish(now);
  }
}

void SatelliteCore::return_weight(double now) {
  if (recovering() || cfg_.self == cfg_.root || busy_ || !begun_ || terminated_ || held_.empty() || first_returns_missing_ > 0) return;
  if (!has_room(parent_)) {
    // A window of returns is still unacknowledged: the weight stays here, nothing is lost, and
    // it all goes up in one return once the parent acknowledges one (on_ack()).
    ++stats_.capped.unacked_full;
    return;
  }
  // Results of the tasks run here since the last return (sum and aux only grow; max is a
  // maximum), merged with what the children passed up.
  const Reduction total = pool_.reduction();
  Reduction delta{total.sum - reported_.sum, total.aux - reported_.aux, total.max};
  reported_ = total;
  delta.merge(absorbed_);
  absorbed_ = Reduction{};
  Message r;
  r.kind = MessageKind::weight_return;
  r.src = cfg_.self;
  r.dst = parent_;
  r.id = kReturnBit | ++return_seq_;
  r.weight = held_.take();
  r.reduction = delta;
  ++stats_.weight_returns;
  send_reliably(now, std::move(r));
}

void SatelliteCore::try_finish(double now) {
  if (recovering() || cfg_.self != cfg_.root || busy_ || !begun_ || terminated_ || !held_.is_one()) return;
  // The whole unit is back and the root is idle: no satellite holds weight, so none is
  // running a task, and no loot is in flight. Every result came home with its weight.
  result_ = absorbed_;
  result_.merge(pool_.reduction());
  on_terminate(now);
}

void SatelliteCore::on_terminate(double now) {
  if (terminated_) return;
  terminated_ = true;
  finished_ = true;
  requests_.clear();
  // Every weight-carrying message has arrived (the unit is whole), so nothing kept for
  // resending is still needed but the news itself.
  unacked_.clear();
  for (auto& entry : peers_) entry.second.unacked = 0;
  waiting_.clear();
  push_check_at_ = kInf;
  given_.clear();
  heartbeat_at_ = kInf;
  // Down the tree, each satellite passing it on; with recovery a tree parent may be dead, so
  // the root tells every satellite itself.
  auto tell = [&](int satellite) {
    Message m;
    m.kind = MessageKind::terminate;
    m.src = cfg_.self;
    m.dst = satellite;
    m.id = kTerminateId;
    send_reliably(now, std::move(m));
  };
  if (!recovering())
    for (int c : children_) tell(c);
  else if (cfg_.self == cfg_.root)
    for (int s = 0; s < topo_.satellites(); ++s)
      if (s != cfg_.self) tell(s);
}

std::optional<Outbound> SatelliteCore::poll_outbound() {
  if (outbound_.empty()) return std::nullopt;
  Outbound o = std::move(outbound_.front());
  outbound_.pop_front();
  return o;
}

CoreStateSize SatelliteCore::state_size() const {
  CoreStateSize s;
  s.requests = requests_.size();
  s.timed_out = timed_out_.size();
  s.taken = taken_count_;
  s.waiting = waiting_.size();
  s.unacked = unacked_.size();
  s.peers = peers_.size();
  s.outbound = outbound_.size();
  s.events = events_.size();
  s.accounts = accounts_open_;
  s.given = given_.size();
  return s;
}

std::optional<StealEvent> SatelliteCore::poll_event() {
  if (events_.empty()) return std::nullopt;
  StealEvent e = events_.front();
  events_.pop_front();
  return e;
}

}  // namespace leomesh::scheduler

