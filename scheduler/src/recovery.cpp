// Crash recovery: the half of SatelliteCore that makes every result count exactly once when
// satellites crash, restart with empty memory, or fall silent (CoreConfig::heartbeat_s > 0).
//
// The design is Dijkstra and Scholten's diffusing computation, accounted per loot, with the
// giver keeping a copy of what it gave:
// - Every task here belongs to an account (Task::account; its children inherit it). Account
//   0 at the root is the injected work; every other account is one giver account's share of
//   the loot messages that arrived here from it (up to kLootsPerAccount), and remembers that
//   giver, its incarnation, the loots' ids and the giver's account.
// - A giver keeps each loot it gives (the tasks as given) until, for every one of its
//   accounts the loot drew on, the receiver has returned that account's results. An account
//   is done when none of its tasks is queued or running here (LocalPool::account_done) and
//   every loot given from it is settled; its results are the pool's for it plus what those
//   loots returned, and they go to its giver in one account_return naming its loots. The
//   root's account 0 done is the end of the run, and its results are the constellation's.
// - Every heartbeat_s a satellite tells each giver of an open account which of its loots it
//   holds (alive). A giver that has not heard a share of a loot mentioned for suspect_s, or
//   hears from a new incarnation of its receiver, takes the share for lost and pushes its
//   tasks back into its own queue, in the account they came from.
//
// Invariant: every loot's outstanding share is counted in exactly one place. Until the giver
// settles or restores it, the results of its tasks and of everything derived from them can
// reach the giver's account only through that loot's return; once the giver has settled or
// restored it, a return for it is refused (stale). So a task's results are counted by the
// loot's return or by the giver's run of the copy, never both; an account is never settled
// while loot it gave is outstanding, so the root's account 0 settles only when every task
// descended from the injected work has been counted once. A satellite wrongly taken for dead
// (a long partition) costs work run twice, and its late return is refused: never a result
// counted twice. Incarnations keep the sequence numbers of a restarted satellite, which start
// again at 1, apart from its earlier life's: a message names its sender's incarnation and its
// receiver's, and one for another incarnation is dropped.
#include <algorithm>

#include "core_detail.hpp"
#include "leomesh/scheduler/core.hpp"

namespace leomesh::scheduler {
using namespace core_detail;

bool SatelliteCore::admit_epoch(double now, const Message& m) {
  const auto src = static_cast<std::size_t>(m.src);
  if (m.epoch < epochs_[src]) {  // an earlier life of the sender (or one without recovery: 0)
    ++stats_.recovery.stale;
    return false;
  }
  if (m.epoch > epochs_[src]) peer_restarted(now, m.src, m.epoch);
  // Requests and gradient news change nothing here that belongs to an incarnation; the rest
  // (loot, acks, returns, the end) is only for the one it was sent to.
  const bool for_any = m.kind == MessageKind::steal_request || m.kind == MessageKind::demand || m.kind == MessageKind::alive;
  if (!for_any && m.to_epoch != cfg_.epoch) {
    ++stats_.recovery.stale;
    return false;
  }
  return true;
}

void SatelliteCore::peer_restarted(double now, int peer, std::uint64_t epoch) {
  epochs_[static_cast<std::size_t>(peer)] = epoch;
  ++stats_.recovery.restarts_seen;
  // Its earlier life took its loot with it.
  std::vector<std::uint64_t> lost;
  for (const auto& [key, g] : given_)
    if (g.receiver == peer) lost.push_back(key);
  std::sort(lost.begin(), lost.end());  // the same order on every run
  for (std::uint64_t key : lost) restore(now, key, Restore::restarted);
  // What its earlier life gave here will never count: its giver runs it again, or, for the
  // root, the run starts afresh. Dropped here and down the chains it was given on along,
  // it stops taking workers from the work that will.
  for (std::size_t s = 1; s < accounts_.size(); ++s)
    if (accounts_[s].open && !accounts_[s].dropped && accounts_[s].giver == peer && accounts_[s].giver_epoch < epoch)
      drop_account(s);
  // Whatever was kept for resending to it is for a life that is over; its new life numbers
  // its messages from 1 again.
  for (auto it = unacked_.begin(); it != unacked_.end();)
    it = it->second.message.dst == peer ? unacked_.erase(it) : std::next(it);
  peers_[peer] = Peer{};
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.thief == peer; }),
                 waiting_.end());
}

int SatelliteCore::account_for(const Message& loot, std::uint8_t giver_account) const {
  for (std::size_t s = 1; s < accounts_.size(); ++s) {
    const Account& a = accounts_[s];
    if (a.open && !a.dropped && a.giver == loot.src && a.giver_epoch == loot.epoch &&
        a.giver_account == giver_account && a.loots.size() < kLootsPerAccount)
      return static_cast<int>(s);
  }
  return -1;
}

bool SatelliteCore::room_for(const Message& loot) {
  if (!recovering()) return true;
  std::uint8_t seen[TaskContext::kAccounts] = {};
  std::size_t needed = 0;
  for (const Task& t : loot.tasks) needed += seen[t.account]++ == 0 && account_for(loot, t.account) < 0;
  if (accounts_open_ + needed <= CoreBounds::accounts) return true;
  ++stats_.capped.accounts_full;
  return false;
}

void SatelliteCore::open_accounts(double now, Message& loot) {
  // One account per giver account in the loot: the one already open for that giver account,
  // else a free slot (room_for() said there are enough). The tasks are retagged with it.
  // Sharing keeps a satellite that is never idle (so settles nothing) from running out of
  // accounts: it holds one per giver account it was given from, not one per loot.
  std::int16_t slot_of[TaskContext::kAccounts];
  std::fill(std::begin(slot_of), std::end(slot_of), std::int16_t{-1});
  std::size_t next_free = 1;
  for (Task& t : loot.tasks) {
    std::int16_t& slot = slot_of[t.account];
    if (slot < 0) {
      int s = account_for(loot, t.account);
      if (s < 0) {
        while (accounts_[next_free].open) ++next_free;
        s = static_cast<int>(next_free);
        Account& a = accounts_[next_free];
        a.open = true;
        a.giver = loot.src;
        a.giver_epoch = loot.epoch;
        a.loots.clear();
        a.giver_account = t.account;
        a.loots_out = 0;
        a.absorbed = Reduction{};
        a.dropped = false;
        pool_.open_account(static_cast<std::uint8_t>(next_free));
        ++accounts_open_;
      }
      accounts_[static_cast<std::size_t>(s)].loots.push_back(loot.id);
      slot = static_cast<std::int16_t>(s);
    }
    t.account = static_cast<std::uint8_t>(slot);
  }
  schedule_heartbeat(now);
}

void SatelliteCore::keep_copy(double now, const Message& loot) {
  Given g;
  g.receiver = loot.dst;
  g.receiver_epoch = epochs_[static_cast<std::size_t>(loot.dst)];
  g.copy = loot.tasks;
  for (const Task& t : loot.tasks) {
    if (std::any_of(g.waiting.begin(), g.waiting.end(), [&](const Share& s) { return s.account == t.account; })) continue;
    g.waiting.push_back(Share{t.account, now});
    ++accounts_[t.account].loots_out;
  }
  ++peers_[loot.dst].given;
  given_.insert_or_assign(loot_key(loot.dst, loot.id), std::move(g));
  schedule_heartbeat(now);
}

void SatelliteCore::settle_accounts(double now) {
  if (!begun_ || terminated_) return;
  // An account is done once none of its tasks is queued or running and all its loot is
  // settled, whatever else this satellite is busy with: a satellite that is never idle must
  // not keep its givers' copies, and their results, for the whole run.
  for (std::size_t s = 0; s < accounts_.size(); ++s) {
    Account& a = accounts_[s];
    if (!a.open || a.loots_out > 0 || !pool_.account_done(static_cast<std::uint8_t>(s))) continue;
    // Work injected elsewhere than at the root has no giver to settle with. (Checked before
    // its results are taken: they would be lost.) The root's account 0 may settle while the
    // root is busy: what still runs then belongs to loot run again elsewhere, whose results
    // nobody will take.
    if (a.giver < 0 && cfg_.self != cfg_.root) continue;
    Reduction r = pool_.take_account(static_cast<std::uint8_t>(s));
    r.merge(a.absorbed);
    if (a.giver < 0) {
      // The injected work and everything derived from it is done and counted once.
      result_ = r;
      a.open = false;
      --accounts_open_;
      on_terminate(now);
      return;
    }
    a.open = false;
    --accounts_open_;
    if (a.dropped || a.giver_epoch != epochs_[static_cast<std::size_t>(a.giver)]) {
      ++stats_.recovery.orphaned;  // its giver restarted and ran the loot again, or will
      continue;
    }
    Message m = blank_message();
    m.kind = MessageKind::account_return;
    m.src = cfg_.self;
    m.dst = a.giver;
    m.to_epoch = a.giver_epoch;
    m.id = kReturnBit | ++return_seq_;
    m.loots = a.loots;
    m.account = a.giver_account;
    m.reduction = r;
    ++stats_.recovery.account_returns;
    send_reliably(now, std::move(m));
  }
}

void SatelliteCore::on_account_return(double now, const Message& m) {
  acknowledge(m);  // a copy too: its sender stops resending
  // All or nothing: the results are of every loot named together and cannot be split. If one
  // of them was run here again already (its receiver taken for dead), so will the others be.
  auto outstanding = [&](std::uint64_t loot) {
    const auto it = given_.find(loot_key(m.src, loot));
    return it != given_.end() && it->second.receiver_epoch == m.epoch &&
           std::any_of(it->second.waiting.begin(), it->second.waiting.end(),
                       [&](const Share& s) { return s.account == m.account; });
  };
  if (m.loots.empty() || !std::all_of(m.loots.begin(), m.loots.end(), outstanding)) {
    ++stats_.recovery.stale_returns;  // a copy, or loot run here again already
    // The results of the others came with it, refused: they are run again here now (else
    // they would wait for a return that has been sent).
    for (std::uint64_t loot : m.loots)
      if (outstanding(loot)) restore(now, loot_key(m.src, loot), Restore::silent, m.account);
    return;
  }
  Account& a = accounts_[m.account];
  a.absorbed.merge(m.reduction);
  for (std::uint64_t loot : m.loots) {
    const auto it = given_.find(loot_key(m.src, loot));
    if (it == given_.end()) continue;  // named twice
    Given& g = it->second;
    const auto at = std::find_if(g.waiting.begin(), g.waiting.end(), [&](const Share& s) { return s.account == m.account; });
    if (at == g.waiting.end()) continue;
    g.waiting.erase(at);
    --a.loots_out;
    if (g.waiting.empty()) {
      --peers_[m.src].given;
      given_.erase(it);
    }
  }
  settle_accounts(now);
}

void SatelliteCore::refuse(const Message& loot) {
  answer(loot, MessageKind::loot_refused);  // if lost, the giver runs the loot again when it finds this one silent
}

void SatelliteCore::on_loot_refused(double now, const Message& m) {
  const std::uint64_t key = loot_key(m.src, m.id);
  const auto it = given_.find(key);
  if (it == given_.end() || it->second.receiver_epoch != m.epoch) return;
  restore(now, key, Restore::refused);
  // It has no account free: no more pushes to it for a while (it asks again when it has).
  waiting_.erase(std::remove_if(waiting_.begin(), waiting_.end(), [&](const Waiting& w) { return w.thief == m.src; }),
                 waiting_.end());
  for (Neighbour& n : neighbours_)
    if (n.id == m.src) n.next_push = std::max(n.next_push, now + cfg_.remember_s);
}

void SatelliteCore::drop_account(std::size_t s) {
  // Safe whatever the reason: a dropped account never returns, so its giver counts its loot
  // by running the copy (or never, when that life is over). The tasks stay counted in the
  // account until the pool has dropped them, and the account closes as any other, without
  // a return, once they and its loot given on are gone.
  Account& a = accounts_[s];
  a.dropped = true;
  ++stats_.recovery.dropped;
  const auto account = static_cast<std::uint8_t>(s);
  pool_.drop_account(account);
  // The loot given from it: forgotten here (its return would be refused as stale), and its
  // receivers told, so that the drop runs down the chain of givers at the speed of messages.
  // Grouped per receiver, in a fixed order: one message each.
  std::vector<std::pair<std::uint64_t, Given*>> from_it;
  for (auto& [key, g] : given_)
    if (std::any_of(g.waiting.begin(), g.waiting.end(), [&](const Share& x) { return x.account == account; }))
      from_it.emplace_back(key, &g);
  std::sort(from_it.begin(), from_it.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  Message m;
  auto flush = [&] {
    if (m.loots.empty()) return;
    ++stats_.recovery.drops_sent;
    send(std::move(m));
    m = Message{};
  };
  for (const auto& [key, g] : from_it) {
    if (!m.loots.empty() && (m.dst != g->receiver || m.to_epoch != g->receiver_epoch)) flush();
    m.kind = MessageKind::loot_dropped;
    m.src = cfg_.self;
    m.dst = g->receiver;
    m.to_epoch = g->receiver_epoch;
    m.account = account;
    m.loots.push_back(key & ((1ULL << 40) - 1));
    g->waiting.erase(std::remove_if(g->waiting.begin(), g->waiting.end(), [&](const Share& x) { return x.account == account; }),
                     g->waiting.end());
    --a.loots_out;
    if (g->waiting.empty()) {
      if (unacked_.erase(key) > 0) --peers_[g->receiver].unacked;  // not to be delivered now
      --peers_[g->receiver].given;
      given_.erase(key);
    }
  }
  flush();  // the account closes in the next settle_accounts(), as every account does
}

void SatelliteCore::on_loot_dropped(const Message& m) {
  // Only the accounts holding a loot named, from the account named of this life of the
  // giver: loot ids never repeat between two satellites' lives, so a late drop cannot hit
  // an account opened since.
  for (std::size_t s = 1; s < accounts_.size(); ++s) {
    const Account& a = accounts_[s];
    if (a.open && !a.dropped && a.giver == m.src && a.giver_epoch == m.epoch && a.giver_account == m.account &&
        std::any_of(m.loots.begin(), m.loots.end(),
                    [&](std::uint64_t l) { return std::find(a.loots.begin(), a.loots.end(), l) != a.loots.end(); }))
      drop_account(s);
  }
}

bool SatelliteCore::accounts_short() const {
  // A margin of one loot's worth of new accounts (one) and some slack for loot in flight.
  return recovering() && accounts_open_ + 16 >= CoreBounds::accounts;
}

void SatelliteCore::restore(double now, std::uint64_t key, Restore why, int account) {
  const auto it = given_.find(key);
  if (it == given_.end()) return;
  Given& g = it->second;
  const int receiver = g.receiver;
  const std::uint64_t receiver_epoch = g.receiver_epoch;
  // The loot itself may still be kept for resending: it is not to be delivered now.
  if (unacked_.erase(key) > 0) --peers_[receiver].unacked;
  // Only the shares still waiting (a return already settled the others), and of those the
  // one asked for.
  auto restored = [&](std::uint8_t a) {
    return (account < 0 || a == account) &&
           std::any_of(g.waiting.begin(), g.waiting.end(), [&](const Share& s) { return s.account == a; });
  };
  take_buffer_.clear();
  for (const Task& t : g.copy)
    if (restored(t.account)) take_buffer_.push_back(t);
  for (auto s = g.waiting.begin(); s != g.waiting.end();) {
    if (account >= 0 && s->account != account) {
      ++s;
      continue;
    }
    --accounts_[s->account].loots_out;
    s = g.waiting.erase(s);
  }
  if (g.waiting.empty()) {
    --peers_[receiver].given;
    given_.erase(it);
  }
  if (why == Restore::refused) {
    ++stats_.recovery.refused;
  } else {
    ++stats_.recovery.loots_restored;
    stats_.recovery.tasks_restored += take_buffer_.size();
    recoveries_.push_back(
        RecoveryEvent{now, cfg_.self, receiver, receiver_epoch, take_buffer_.size(), why == Restore::restarted});
    if (recoveries_.size() > CoreBounds::events) recoveries_.pop_front();
  }
  if (take_buffer_.empty()) return;
  pool_.push(take_buffer_.data(), take_buffer_.size());
  busy_ = true;
}

void SatelliteCore::schedule_heartbeat(double now) {
  if (heartbeat_at_ == kInf) heartbeat_at_ = now + cfg_.heartbeat_s;
}

bool SatelliteCore::quiet(int satellite) const {
  // Three heartbeats missed (a neighbour sends one when it sent nothing else for one, and
  // looks every heartbeat_s, so two can pass between messages). Not yet taken for dead
  // (suspect_s): merely not given, asked or routed through, which costs nothing if it wakes.
  // Any satellite taken for dead, near or far, is quiet too.
  if (taken_for_dead(satellite)) return true;
  for (const Neighbour& n : neighbours_)
    if (n.id == satellite) return now_ - n.heard > std::min(3 * cfg_.heartbeat_s, cfg_.suspect_s);
  return false;  // only ISL neighbours send heartbeats; others' silence means nothing
}

void SatelliteCore::on_heartbeat(double now) {
  heartbeat_at_ = kInf;
  if (terminated_) return;
  // Tell each giver of an open account which of its loot this satellite holds: each loot
  // id with the giver's account in the top bits. Liveness per share of a loot, not per
  // satellite: a satellite that talks but lost one (its refusal or return was lost) must not
  // keep that share waiting for ever.
  scratch_.clear();
  for (const Account& a : accounts_)
    if (a.open && !a.dropped && a.giver >= 0 && a.giver_epoch == epochs_[static_cast<std::size_t>(a.giver)] &&
        std::find(scratch_.begin(), scratch_.end(), a.giver) == scratch_.end())
      scratch_.push_back(a.giver);
  for (int giver : scratch_) {
    Message m;
    m.kind = MessageKind::alive;
    m.src = cfg_.self;
    m.dst = giver;
    // Only accounts of the giver's present life: an earlier life numbered its loots from 1
    // too, and naming those would keep shares of the new life's loots waiting here.
    for (const Account& a : accounts_)
      if (a.open && !a.dropped && a.giver == giver && a.giver_epoch == epochs_[static_cast<std::size_t>(giver)])
        for (std::uint64_t loot : a.loots)
          if (m.loots.size() < kAliveLoots) m.loots.push_back(static_cast<std::uint64_t>(a.giver_account) << 48 | loot);
    ++stats_.recovery.heartbeats;
    send(std::move(m));
  }
  // Every ISL neighbour hears from this satellite at least every heartbeat_s, and one that
  // stays silent for suspect_s over a link that is up is taken for dead. While news of
  // liveness is fresh every neighbour hears it each heartbeat, whatever else it was sent.
  rumours_.erase(std::remove_if(rumours_.begin(), rumours_.end(), [&](const Rumour& r) { return r.until < now; }),
                 rumours_.end());
  for (Neighbour& n : neighbours_) {
    if (!topo_.state(n.link).active) {
      n.heard = std::max(n.heard, now);  // silence counts only while the link is up
      continue;
    }
    const bool silent = now - n.heard >= cfg_.suspect_s;
    if (silent && !n.silent && n.heard > 0) {  // never heard: not started yet, or long gone
      n.silent = true;
      const auto id = static_cast<std::size_t>(n.id);
      const std::uint64_t known = std::max(views_[id], epochs_[id] << 24);
      if (!(known & 1)) {
        ++stats_.recovery.declared_dead;
        believe(now, n.id, known + 1);
      }
    }
  }
  // Straight over the link, also to a neighbour taken for dead, whose links a driver's
  // routes avoid: two that took each other for dead in a pause must hear each other again.
  for (Neighbour& n : neighbours_) {
    if (!topo_.state(n.link).active) continue;
    if (rumours_.empty() && !n.news && now - n.told < cfg_.heartbeat_s) continue;
    Message m;
    m.kind = MessageKind::alive;
    m.src = cfg_.self;
    m.dst = n.id;
    add_liveness(m);
    n.news = false;
    ++stats_.recovery.heartbeats;
    emit(std::move(m), n.id);
  }
  // More news than one message holds: the rest goes first next time.
  if (rumours_.size() > kLivenessEntries)
    std::rotate(rumours_.begin(), rumours_.begin() + kLivenessEntries, rumours_.end());
  // Run again here the shares no receiver has mentioned for too long.
  std::vector<std::pair<std::uint64_t, std::uint8_t>> silent;
  for (const auto& [key, g] : given_)
    for (const Share& s : g.waiting)
      if (now - s.heard >= cfg_.suspect_s) silent.emplace_back(key, s.account);
  std::sort(silent.begin(), silent.end());
  for (const auto& [key, account] : silent) restore(now, key, Restore::silent, account);
  heartbeat_at_ = now + cfg_.heartbeat_s;
}

void SatelliteCore::heard_from(double now, const Message& m) {
  for (Neighbour& n : neighbours_) {
    if (n.id != m.src) continue;
    n.heard = now;  // alive, whatever it sent and to whom
    // Straight from it (not forwarded): it is alive in the incarnation it names. A message
    // of an earlier life changes nothing, and one that outlived its sender's crash costs
    // one more suspect_s before it is declared dead again.
    if (m.hops != 1 || m.epoch < epochs_[static_cast<std::size_t>(n.id)]) return;
    if (n.silent || m.epoch > epochs_[static_cast<std::size_t>(n.id)]) n.news = true;  // it missed the news
    n.silent = false;
    const std::uint64_t view = views_[static_cast<std::size_t>(n.id)];
    if (m.epoch > view >> 24)
      believe(now, n.id, m.epoch << 24);
    else if (view & 1)
      believe(now, n.id, view + 1);
    else
      return;
    ++stats_.recovery.revived;
    return;
  }
}

void SatelliteCore::believe(double now, int satellite, std::uint64_t view) {
  const auto s = static_cast<std::size_t>(satellite);
  if (satellite == cfg_.self) {
    // Taken for dead while alive (a link's silence, or a pause): say otherwise, louder.
    if (!(view & 1) || view < views_[s]) return;
    view += 1;
  } else if (view <= views_[s]) {
    return;
  }
  const bool was_dead = views_[s] & 1;
  views_[s] = view;
  spread(now, satellite);
  if (was_dead == static_cast<bool>(view & 1)) return;
  ++liveness_changes_;
  if (view & 1)
    dead_.insert(std::lower_bound(dead_.begin(), dead_.end(), satellite), satellite);
  else
    dead_.erase(std::lower_bound(dead_.begin(), dead_.end(), satellite));
}

void SatelliteCore::spread(double now, int satellite) {
  const double until = now + 3 * cfg_.heartbeat_s;  // a lost heartbeat or two do not stop it
  auto r = std::find_if(rumours_.begin(), rumours_.end(), [&](const Rumour& x) { return x.satellite == satellite; });
  if (r != rumours_.end())
    r->until = until;
  else
    rumours_.push_back(Rumour{satellite, until});  // one per satellite at most
}

void SatelliteCore::add_liveness(Message& m) const {
  // Fresh news first, then the satellites taken for dead (a neighbour that missed their
  // news, or restarted, learns them so).
  auto add = [&](int s) {
    const std::uint64_t entry = static_cast<std::uint64_t>(s) << kViewBits | views_[static_cast<std::size_t>(s)];
    if (m.liveness.size() < kLivenessEntries && std::find(m.liveness.begin(), m.liveness.end(), entry) == m.liveness.end())
      m.liveness.push_back(entry);
  };
  for (const Rumour& r : rumours_) add(r.satellite);
  for (int s : dead_) add(s);
}

bool SatelliteCore::taken_for_dead(int satellite) const {
  return recovering() && satellite != cfg_.self && (views_[static_cast<std::size_t>(satellite)] & 1);
}

void SatelliteCore::on_alive(double now, const Message& m) {
  for (std::uint64_t entry : m.liveness) {
    const auto s = static_cast<int>(entry >> kViewBits);
    if (s >= topo_.satellites()) continue;
    const std::uint64_t view = entry & ((1ULL << kViewBits) - 1);
    // A neighbour that missed news (it still says dead of one that came back) hears it again.
    if (view < views_[static_cast<std::size_t>(s)])
      spread(now, s);
    else
      believe(now, s, view);
  }
  for (std::uint64_t entry : m.loots) {
    const auto it = given_.find(loot_key(m.src, entry & ((1ULL << 48) - 1)));
    if (it == given_.end() || it->second.receiver_epoch != m.epoch) continue;
    for (Share& s : it->second.waiting)
      if (s.account == entry >> 48) s.heard = now;
  }
}

std::optional<RecoveryEvent> SatelliteCore::poll_recovery() {
  if (recoveries_.empty()) return std::nullopt;
  RecoveryEvent e = recoveries_.front();
  recoveries_.pop_front();
  return e;
}

}  // namespace leomesh::scheduler
