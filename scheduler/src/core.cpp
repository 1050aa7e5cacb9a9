#include "leomesh/scheduler/core.hpp"

#include <algorithm>
#include <cmath>

namespace leomesh::scheduler {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();

// Loot is numbered by the thief's steal number, or for pushes by the pusher's push number
// with this bit set; either stays far below 2^39 in any run. So (peer, number) names one
// loot message at both ends.
constexpr std::uint64_t kPushBit = 1ULL << 39;

std::uint64_t loot_key(int peer, std::uint64_t number) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(peer)) << 40) | number;
}
}  // namespace

SpanningTree SpanningTree::build(const mesh::Topology& topo, int root) {
  mesh::BfsScratch scratch;
  mesh::sweep_from(topo, root, scratch);
  SpanningTree tree;
  const auto n = static_cast<std::size_t>(topo.satellites());
  tree.parent.assign(n, -1);
  tree.children.assign(n, {});
  for (int v : scratch.order) {
    const int p = scratch.parent[static_cast<std::size_t>(v)];
    tree.parent[static_cast<std::size_t>(v)] = p;
    if (p >= 0) tree.children[static_cast<std::size_t>(p)].push_back(v);
  }
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
      rng_(config.seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(config.self) + 1) {}

void SatelliteCore::send(Message m) {
  const int next = m.dst == cfg_.self ? -1 : routes_.next_hop(cfg_.self, m.dst);
  if (next < 0) {
    // No route right now (a link is down). Steal messages are retried by timeouts; loot and
    // termination messages by retransmission, so dropping here loses nothing for good.
    ++stats_.unroutable;
    return;
  }
  ++m.hops;
  ++stats_.messages_sent;
  outbound_.push_back(Outbound{next, std::move(m)});
}

void SatelliteCore::submit(double now, const Task* tasks, std::size_t count) {
  if (count == 0) return;
  pool_.push(tasks, count);
  busy_ = true;
  // New work counts as a reactivation: a wave already past this satellite must not be
  // taken as proof that it was passive throughout.
  reactivated_ = true;
  serve_lifelines(now);
}

void SatelliteCore::begin(double now) {
  begun_ = true;
  next_wave_at_ = now;
  if (!busy_) handle_local_idle(now);
}

void SatelliteCore::handle_local_idle(double now) {
  busy_ = false;
  if (terminated_) return;
  if (steal_state_ == StealState::none) try_steal(now);
  try_report(now);
  if (cfg_.self == cfg_.root && begun_ && !wave_open_ && now >= next_wave_at_) start_wave(now);
}

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
    case MessageKind::loot_ack: unacked_.erase(loot_key(m.src, m.id)); break;
    case MessageKind::wave_start: on_wave_start(now, m); break;
    case MessageKind::wave_report: on_wave_report(now, m); break;
    case MessageKind::terminate: on_terminate(now); break;
    case MessageKind::result: on_result(now, m); break;
  }
  serve_lifelines(now);
}

void SatelliteCore::on_steal_request(double now, const Message& m) {
  ++stats_.requests_served;
  Message reply;
  reply.kind = MessageKind::steal_reply;
  reply.src = cfg_.self;
  reply.dst = m.src;
  reply.id = m.id;
  reply.request_hops = m.hops;
  if (!terminated_) {
    std::size_t want = 1;
    if (cfg_.amount == StealAmount::half) want = (pool_.approx_size() + 1) / 2;
    want = std::clamp<std::size_t>(want, 1, cfg_.max_batch);
    take_buffer_.clear();
    pool_.take_oldest(want, take_buffer_);
    reply.tasks = take_buffer_;
  }
  if (!reply.tasks.empty()) keep_until_acked(now, reply);
  if (cfg_.policy.pushes() && m.hops == 1) {
    // A neighbour asked (one hop): hungry if we had nothing, fed otherwise.
    auto it = std::find_if(hungry_.begin(), hungry_.end(), [&](const auto& h) { return h.first == m.src; });
    if (it != hungry_.end()) hungry_.erase(it);
    if (reply.tasks.empty() && !terminated_) {
      hungry_.emplace_back(m.src, now);
      lifeline_wait_s_ = cfg_.lifeline_check_s;
    }
  }
  send(std::move(reply));
}

void SatelliteCore::keep_until_acked(double now, const Message& loot) {
  stats_.tasks_given += loot.tasks.size();
  ++loot_sent_;
  unacked_[loot_key(loot.dst, loot.id)] = PendingLoot{loot.dst, loot.tasks, now + cfg_.retransmit_s};
}

void SatelliteCore::serve_lifelines(double now) {
  lifeline_check_at_ = kInf;
  if (hungry_.empty() || terminated_) return;
  // Forget neighbours that stopped asking: they found work elsewhere (or their link went).
  hungry_.erase(std::remove_if(hungry_.begin(), hungry_.end(),
                               [&](const auto& h) { return h.second + cfg_.lifeline_ttl_s <= now; }),
                hungry_.end());
  // Only an active satellite pushes (busy_ with queued tasks): a push is then covered by the
  // termination waves exactly as loot is (sent before this satellite's next visit).
  while (!hungry_.empty() && busy_) {
    const std::size_t queued = pool_.approx_size();
    // Keep two tasks per local worker: this satellite needs them itself within moments, and
    // when work is that scarce a push across an ISL costs more than it saves (and on a
    // large shell can drag the termination waves through one more round).
    if (queued < 2 * cfg_.workers) break;
    take_buffer_.clear();
    pool_.take_oldest(std::min(queued / 2, cfg_.max_batch), take_buffer_);
    if (take_buffer_.empty()) break;
    const int thief = hungry_.front().first;
    hungry_.erase(hungry_.begin());
    Message m;
    m.kind = MessageKind::loot_push;
    m.src = cfg_.self;
    m.dst = thief;
    m.id = kPushBit | ++push_seq_;
    m.tasks = take_buffer_;
    ++stats_.loot_pushes;
    keep_until_acked(now, m);
    send(std::move(m));
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

void SatelliteCore::accept_loot(const Message& m) {
  Message ack;
  ack.kind = MessageKind::loot_ack;
  ack.src = cfg_.self;
  ack.dst = m.src;
  ack.id = m.id;
  send(std::move(ack));
  if (!loot_seen_.insert(loot_key(m.src, m.id)).second) return;  // a retransmitted copy
  ++loot_received_;
  reactivated_ = true;
  busy_ = true;
  stats_.tasks_received += m.tasks.size();
  pool_.push(m.tasks.data(), m.tasks.size());
}

void SatelliteCore::on_steal_reply(double now, Message& m) {
  const bool current = steal_state_ == StealState::waiting && m.id == steal_seq_;
  if (!m.tasks.empty()) {
    if (!current && !loot_seen_.count(loot_key(m.src, m.id))) ++stats_.late_loot;
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
  for (auto& [key, loot] : unacked_) {
    if (loot.resend_at > now) continue;
    Message m;
    m.src = cfg_.self;
    m.dst = loot.thief;
    m.id = key & ((1ULL << 40) - 1);
    m.kind = (m.id & kPushBit) ? MessageKind::loot_push : MessageKind::steal_reply;
    m.tasks = loot.tasks;
    loot.resend_at = now + cfg_.retransmit_s;
    ++stats_.loot_retransmits;
    send(std::move(m));
  }
  if (cfg_.self == cfg_.root && begun_ && !terminated_) {
    if (wave_open_ && wave_deadline_ <= now) {
      wave_open_ = false;  // a wave message was lost: abandon it and start afresh
    }
    if (!wave_open_ && !busy_ && now >= next_wave_at_) start_wave(now);
  }
  if (gather_.active && !finished_ && gather_.resend_at <= now) {
    // Some subtree has not answered: tell it again (duplicates are answered idempotently).
    gather_.resend_at = now + cfg_.retransmit_s;
    if (gather_.sent) {
      gather_.sent = false;
      try_send_result(now);
    }
    for (std::size_t i = 0; i < children_.size(); ++i) {
      if (gather_.received[i]) continue;
      Message m;
      m.kind = MessageKind::terminate;
      m.src = cfg_.self;
      m.dst = children_[i];
      send(std::move(m));
    }
  }
  if (lifeline_check_at_ <= now) serve_lifelines(now);
}

double SatelliteCore::next_deadline() const {
  double d = std::min(steal_deadline_, lifeline_check_at_);
  for (const auto& kv : unacked_) d = std::min(d, kv.second.resend_at);
  if (cfg_.self == cfg_.root && begun_ && !terminated_) {
    d = std::min(d, wave_open_ ? wave_deadline_ : (busy_ ? kInf : next_wave_at_));
  }
  if (gather_.active && !finished_) d = std::min(d, gather_.resend_at);
  return d;
}

// --- termination: Safra-style counting waves over the spanning tree ---
//
// A satellite's "visit" is the moment it reports for a wave; it reports only while passive.
// Its report carries its loot counters at that moment and whether it was reactivated (got
// loot or new work) since its previous visit. If a wave finds every satellite clean and the
// loot sent equals the loot received, no loot is in flight and nobody can become active
// again: a loot message sent after its sender's visit would need its sender reactivated
// after that visit, which leaves either an unbalanced count or a reactivation flag in this
// wave (Safra's argument, which does not depend on the order of visits).

void SatelliteCore::start_wave(double now) {
  ++stats_.waves;
  wave_deadline_ = now + 4 * cfg_.retransmit_s;
  open_wave(wave_ + 1);
  try_report(now);
}

void SatelliteCore::on_wave_start(double now, const Message& m) {
  if (terminated_ || m.id <= wave_) return;  // stale or duplicate
  open_wave(m.id);
  try_report(now);
}

void SatelliteCore::open_wave(std::uint64_t wave) {
  wave_ = wave;
  wave_open_ = true;
  wave_missing_ = children_.size();
  acc_sent_ = acc_received_ = 0;
  acc_clean_ = true;
  for (int c : children_) {
    Message m;
    m.kind = MessageKind::wave_start;
    m.src = cfg_.self;
    m.dst = c;
    m.id = wave_;
    send(std::move(m));
  }
}

void SatelliteCore::on_wave_report(double now, const Message& m) {
  if (!wave_open_ || m.id != wave_ || wave_missing_ == 0) return;
  acc_sent_ += m.loot_sent;
  acc_received_ += m.loot_received;
  acc_clean_ = acc_clean_ && m.clean;
  --wave_missing_;
  try_report(now);
}

void SatelliteCore::try_report(double now) {
  if (!wave_open_ || wave_missing_ > 0 || busy_ || terminated_) return;
  const std::uint64_t sent = acc_sent_ + loot_sent_;
  const std::uint64_t received = acc_received_ + loot_received_;
  const bool clean = acc_clean_ && !reactivated_;
  reactivated_ = false;
  wave_open_ = false;
  if (cfg_.self != cfg_.root) {
    Message r;
    r.kind = MessageKind::wave_report;
    r.src = cfg_.self;
    r.dst = parent_;
    r.id = wave_;
    r.loot_sent = sent;
    r.loot_received = received;
    r.clean = clean;
    send(std::move(r));
    return;
  }
  if (clean && sent == received) {
    declare_terminated(now);
  } else {
    next_wave_at_ = now + cfg_.wave_interval_s;
  }
}

void SatelliteCore::declare_terminated(double now) { on_terminate(now); }

void SatelliteCore::on_terminate(double now) {
  if (!terminated_) {
    terminated_ = true;
    steal_state_ = StealState::none;
    steal_deadline_ = kInf;
    unacked_.clear();  // every loot message has been received (the counts balanced)
    hungry_.clear();
    lifeline_check_at_ = kInf;
    gather_.active = true;
    gather_.received.assign(children_.size(), false);
    gather_.missing = children_.size();
    gather_.merged = pool_.reduction();
    gather_.resend_at = now + cfg_.retransmit_s;
    for (int c : children_) {
      Message m;
      m.kind = MessageKind::terminate;
      m.src = cfg_.self;
      m.dst = c;
      send(std::move(m));
    }
  } else if (gather_.sent) {
    gather_.sent = false;  // our result may have been lost: send it again
  }
  try_send_result(now);
}

void SatelliteCore::on_result(double now, const Message& m) {
  if (!gather_.active) return;
  const auto it = std::find(children_.begin(), children_.end(), m.src);
  if (it == children_.end()) return;
  const auto i = static_cast<std::size_t>(it - children_.begin());
  if (gather_.received[i]) return;
  gather_.received[i] = true;
  --gather_.missing;
  gather_.merged.merge(m.reduction);
  try_send_result(now);
}

void SatelliteCore::try_send_result(double) {
  if (!gather_.active || gather_.missing > 0 || gather_.sent) return;
  gather_.sent = true;
  if (cfg_.self == cfg_.root) {
    result_ = gather_.merged;
    finished_ = true;
    return;
  }
  Message r;
  r.kind = MessageKind::result;
  r.src = cfg_.self;
  r.dst = parent_;
  r.reduction = gather_.merged;
  send(std::move(r));
  finished_ = true;
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
