#include "leomesh/scheduler/core.hpp"

#include <algorithm>
#include <cmath>

namespace leomesh::scheduler {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// A reliable message is named by (sender, number) at both ends. Loot in a reply takes the
// thief's steal number; pushes, weight returns and terminate set a bit of their own above
// it. Each count stays far below 2^37 in any run.
constexpr std::uint64_t kPushBit = 1ULL << 39;
constexpr std::uint64_t kReturnBit = 1ULL << 38;
constexpr std::uint64_t kTerminateId = 1ULL << 37;

std::uint64_t loot_key(int peer, std::uint64_t number) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(peer)) << 40) | number;
}
}  // namespace

SpanningTree SpanningTree::build(const mesh::Topology& topo, int root) {
  // Breadth-first over every candidate ISL, up or not: links come and go as the shell moves
  // (a polar shell may even be split at one instant), but the tree must reach everyone and
  // stay the same for the whole run. Messages between tree neighbours follow the routes of
  // the moment, so a down tree link only makes a path longer.
  const auto n = static_cast<std::size_t>(topo.satellites());
  SpanningTree tree;
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

SatelliteCore::SatelliteCore(const CoreConfig& config, LocalPool& pool, const mesh::Topology& topo,
                             const mesh::RoutingTable& routes, const SpanningTree& tree)
    : cfg_(config),
      pool_(pool),
      topo_(topo),
      routes_(routes),
      parent_(tree.parent[static_cast<std::size_t>(config.self)]),
      children_(tree.children[static_cast<std::size_t>(config.self)]),
      rng_(config.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(config.self) + 1),
      child_returned_(children_.size(), false) {
  const auto self = static_cast<std::size_t>(config.self);
  if (tree.starts_with_share[self]) held_ = Weight::initial_share(config.self == config.root, tree.share_holders);
  // The start-up convergecast waits only for children that hold a share to return.
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (tree.starts_with_share[static_cast<std::size_t>(children_[i])])
      ++first_returns_missing_;
    else
      child_returned_[i] = true;
  }
}

void SatelliteCore::send(Message m) {
  const int next = m.dst == cfg_.self ? -1 : routes_.next_hop(cfg_.self, m.dst);
  if (next < 0) {
    // No route right now (a link is down). Steal messages are retried by timeouts; loot,
    // returns and terminate by retransmission, so dropping here loses nothing for good.
    ++stats_.unroutable;
    return;
  }
  if (m.src == cfg_.self) m.load = static_cast<std::uint32_t>(std::min<std::size_t>(pool_.approx_size(), UINT32_MAX));
  ++m.hops;
  ++stats_.messages_sent;
  outbound_.push_back(Outbound{next, std::move(m)});
}

void SatelliteCore::send_reliably(double now, Message m) {
  unacked_[loot_key(m.dst, m.id)] = Unacked{m, now + cfg_.retransmit_s};
  send(std::move(m));
}

void SatelliteCore::submit(double now, const Task* tasks, std::size_t count) {
  if (count == 0) return;
  pool_.push(tasks, count);
  busy_ = true;
  serve_lifelines(now);
}

void SatelliteCore::begin(double now) {
  begun_ = true;
  if (!busy_) handle_local_idle(now);
}

void SatelliteCore::handle_local_idle(double now) {
  busy_ = false;
  if (terminated_) return;
  return_weight(now);
  try_finish(now);
  if (steal_state_ == StealState::none) try_steal(now);
}

// --- thief ---

void SatelliteCore::try_steal(double now) {
  if (!begun_ || terminated_ || busy_) return;
  const int victim = cfg_.policy.choose(cfg_.self, topo_, routes_, rng_, scratch_, failures_, last_victim_);
  if (victim < 0) {
    // Nobody to ask at the moment (e.g. every ISL is down); ask again after a back-off.
    steal_state_ = StealState::backoff;
    steal_deadline_ = now + backoff(++failures_);
    return;
  }
  Message m;
  m.kind = MessageKind::steal_request;
  m.src = cfg_.self;
  m.dst = victim;
  m.id = ++steal_seq_;
  ++stats_.steal_attempts;
  steal_state_ = StealState::waiting;
  waiting_victim_ = victim;
  waiting_since_ = now;
  steal_deadline_ = now + cfg_.steal_timeout_s;
  send(std::move(m));
}

double SatelliteCore::backoff(std::uint32_t failures) const {
  const double b = cfg_.backoff_min_s * std::ldexp(1.0, static_cast<int>(std::min<std::uint32_t>(failures, 30)) - 1);
  return std::min(b, cfg_.backoff_max_s);
}

void SatelliteCore::on_steal_reply(double now, Message& m) {
  const bool current = steal_state_ == StealState::waiting && m.id == steal_seq_;
  if (!m.tasks.empty()) {
    if (!current && !seen_.count(loot_key(m.src, m.id))) ++stats_.late_loot;
    accept_loot(m);
  }
  if (!current) return;
  const double latency = now - waiting_since_;
  stats_.attempt_latency_sum_s += latency;
  stats_.attempt_hops_sum += m.request_hops;
  events_.push_back(StealEvent{now, cfg_.self, m.src, m.request_hops, latency,
                               static_cast<std::uint32_t>(m.tasks.size()), false});
  if (!m.tasks.empty()) {
    ++stats_.steal_successes;
    failures_ = 0;
    last_victim_ = m.src;
    steal_state_ = StealState::none;
    steal_deadline_ = kInf;
  } else {
    ++stats_.steal_empty;
    steal_state_ = StealState::backoff;
    steal_deadline_ = now + backoff(++failures_);
  }
}

bool SatelliteCore::acknowledge(const Message& m) {
  Message ack;
  ack.kind = MessageKind::ack;
  ack.src = cfg_.self;
  ack.dst = m.src;
  ack.id = m.id;
  send(std::move(ack));
  return seen_.insert(loot_key(m.src, m.id)).second;
}

void SatelliteCore::accept_loot(const Message& m) {
  if (!acknowledge(m)) return;  // a retransmitted copy
  held_.merge(m.weight);
  busy_ = true;
  stats_.tasks_received += m.tasks.size();
  pool_.push(m.tasks.data(), m.tasks.size());
}

// --- victim ---

bool SatelliteCore::fill_loot(std::size_t want, Message& loot) {
  if (terminated_ || !busy_ || want == 0) return false;
  Weight piece = held_.split();
  if (piece.empty()) return false;  // no finer piece can be made: keep the work
  take_buffer_.clear();
  pool_.take_share(std::min(want, cfg_.max_batch), take_buffer_);
  if (take_buffer_.empty()) {
    held_.merge(piece);
    return false;
  }
  loot.tasks = take_buffer_;
  loot.weight = std::move(piece);
  stats_.tasks_given += loot.tasks.size();
  return true;
}

void SatelliteCore::on_steal_request(double now, const Message& m) {
  ++stats_.requests_served;
  Message reply;
  reply.kind = MessageKind::steal_reply;
  reply.src = cfg_.self;
  reply.dst = m.src;
  reply.id = m.id;
  reply.request_hops = m.hops;
  const std::size_t want = cfg_.amount == StealAmount::half ? (pool_.approx_size() + 1) / 2 : 1;
  const bool gave = fill_loot(want, reply);
  if (cfg_.policy.pushes() && m.hops == 1) {
    // A neighbour asked (one hop): hungry if we had nothing, fed otherwise.
    auto it = std::find_if(hungry_.begin(), hungry_.end(), [&](const auto& h) { return h.first == m.src; });
    if (it != hungry_.end()) hungry_.erase(it);
    if (!gave && !terminated_) {
      hungry_.emplace_back(m.src, now);
      lifeline_wait_s_ = cfg_.lifeline_check_s;
    }
  }
  if (gave)
    send_reliably(now, std::move(reply));
  else
    send(std::move(reply));
}

void SatelliteCore::serve_lifelines(double now) {
  lifeline_check_at_ = kInf;
  if (hungry_.empty() || terminated_) return;
  // Forget neighbours that stopped asking: they found work elsewhere (or their link went).
  hungry_.erase(std::remove_if(hungry_.begin(), hungry_.end(),
                               [&](const auto& h) { return h.second + cfg_.lifeline_ttl_s <= now; }),
                hungry_.end());
  while (!hungry_.empty() && busy_) {
    const std::size_t queued = pool_.approx_size();
    // Keep two tasks per local worker: this satellite needs them itself within moments, and
    // when work is that scarce a push across an ISL costs more than it saves.
    if (queued < 2 * cfg_.workers) break;
    Message m;
    m.kind = MessageKind::loot_push;
    m.src = cfg_.self;
    m.dst = hungry_.front().first;
    m.id = kPushBit | (push_seq_ + 1);
    if (!fill_loot(queued / 2, m)) break;
    ++push_seq_;
    hungry_.erase(hungry_.begin());
    ++stats_.loot_pushes;
    send_reliably(now, std::move(m));
    lifeline_wait_s_ = cfg_.lifeline_check_s;
  }
  // Still hungry neighbours and nothing to spare yet: look again soon (the queue grows as
  // the workers expand tasks), less often the longer there is nothing, so a satellite busy
  // with one long task does not wake its driver every millisecond.
  if (!hungry_.empty() && busy_) {
    const double oldest = hungry_.front().second;
    lifeline_check_at_ = std::min(now + lifeline_wait_s_, oldest + cfg_.lifeline_ttl_s);
    lifeline_wait_s_ = std::min(2 * lifeline_wait_s_, cfg_.backoff_max_s);
  }
}

// --- messages and time ---

void SatelliteCore::handle_message(double now, Message m) {
  if (m.dst != cfg_.self) {
    // Satellites whose link views briefly disagree (live agents update their topology at
    // slightly different moments) could bounce a message; a hop limit ends any such loop.
    if (m.hops >= 2 * topo_.satellites() + 16) {
      ++stats_.unroutable;
      return;
    }
    ++stats_.forwarded;
    send(std::move(m));
    return;
  }
  switch (m.kind) {
    case MessageKind::steal_request: on_steal_request(now, m); break;
    case MessageKind::steal_reply: on_steal_reply(now, m); break;
    case MessageKind::loot_push:
      accept_loot(m);
      failures_ = 0;  // work came by itself: the next search starts afresh
      break;
    case MessageKind::ack: unacked_.erase(loot_key(m.src, m.id)); break;
    case MessageKind::weight_return: on_weight_return(now, m); break;
    case MessageKind::terminate:
      acknowledge(m);
      on_terminate(now);
      break;
  }
  serve_lifelines(now);
}

void SatelliteCore::handle_timeout(double now) {
  if (steal_deadline_ <= now) {
    if (steal_state_ == StealState::waiting) {
      ++stats_.steal_timeouts;
      events_.push_back(StealEvent{now, cfg_.self, waiting_victim_, 0, now - waiting_since_, 0, true});
      ++failures_;
    }
    steal_state_ = StealState::none;
    steal_deadline_ = kInf;
    if (!busy_) try_steal(now);
  }
  for (auto& [key, u] : unacked_) {
    if (u.resend_at > now) continue;
    u.resend_at = now + cfg_.retransmit_s;
    ++stats_.loot_retransmits;
    Message copy = u.message;
    copy.hops = 0;
    send(std::move(copy));
  }
  if (lifeline_check_at_ <= now) serve_lifelines(now);
}

double SatelliteCore::next_deadline() const {
  double d = std::min(steal_deadline_, lifeline_check_at_);
  for (const auto& kv : unacked_) d = std::min(d, kv.second.resend_at);
  return d;
}

// --- termination by weight throwing ---

void SatelliteCore::on_weight_return(double now, const Message& m) {
  if (!acknowledge(m) || terminated_) return;  // a retransmitted copy
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
  if (cfg_.self == cfg_.root || busy_ || !begun_ || terminated_ || held_.empty() || first_returns_missing_ > 0) return;
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
  if (cfg_.self != cfg_.root || busy_ || !begun_ || terminated_ || !held_.is_one()) return;
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
  steal_state_ = StealState::none;
  steal_deadline_ = kInf;
  // Every weight-carrying message has arrived (the unit is whole), so nothing kept for
  // resending is still needed but the news itself.
  unacked_.clear();
  hungry_.clear();
  lifeline_check_at_ = kInf;
  for (int c : children_) {
    Message m;
    m.kind = MessageKind::terminate;
    m.src = cfg_.self;
    m.dst = c;
    m.id = kTerminateId;
    send_reliably(now, std::move(m));
  }
}

std::optional<Outbound> SatelliteCore::poll_outbound() {
  if (outbound_.empty()) return std::nullopt;
  Outbound o = std::move(outbound_.front());
  outbound_.pop_front();
  return o;
}

std::optional<StealEvent> SatelliteCore::poll_event() {
  if (events_.empty()) return std::nullopt;
  StealEvent e = events_.front();
  events_.pop_front();
  return e;
}

}  // namespace leomesh::scheduler
