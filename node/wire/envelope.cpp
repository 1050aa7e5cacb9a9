#include "envelope.hpp"

#include <algorithm>
#include <cmath>

namespace leomesh::node::envelope {
namespace {

bool carries_results(scheduler::MessageKind kind) {
  return kind == scheduler::MessageKind::weight_return || kind == scheduler::MessageKind::account_return;
}

bool known_kind(std::int32_t k) {
  using K = scheduler::MessageKind;
  for (K kind : {K::steal_request, K::steal_reply, K::ack, K::terminate, K::loot_push, K::weight_return, K::demand,
                 K::account_return, K::alive, K::loot_refused, K::loot_dropped})
    if (k == static_cast<std::int32_t>(kind)) return true;
  return false;
}

}  // namespace

void reset(Fields& f) {
  std::string tasks = std::move(f.tasks), proof = std::move(f.origin_proof), accounts = std::move(f.task_accounts);
  std::vector<std::uint32_t> weight = std::move(f.weight);
  std::vector<std::uint64_t> loots = std::move(f.loots), liveness = std::move(f.liveness);
  f = Fields{};
  tasks.clear(), proof.clear(), accounts.clear(), weight.clear(), loots.clear(), liveness.clear();
  f.tasks = std::move(tasks), f.origin_proof = std::move(proof), f.task_accounts = std::move(accounts);
  f.weight = std::move(weight), f.loots = std::move(loots), f.liveness = std::move(liveness);
}

// One envelope builder for frames and for what is signed, so the two can never disagree.
void fill(Fields& e, const scheduler::Message& m, bool for_signature) {
  reset(e);
  e.version = kWireVersion;
  e.src = m.src;
  e.dst = m.dst;
  if (!for_signature) e.hops = m.hops;
  e.kind = static_cast<std::int32_t>(m.kind);
  e.id = m.id;
  if (!m.tasks.empty()) {
    e.tasks.reserve(m.tasks.size() * (3 + scheduler::Task::kPayloadBytes));
    for (const scheduler::Task& t : m.tasks) {
      e.tasks.push_back(static_cast<char>(t.kind & 0xff));
      e.tasks.push_back(static_cast<char>(t.kind >> 8));
      e.tasks.push_back(static_cast<char>(t.size));
      e.tasks.append(reinterpret_cast<const char*>(t.payload.data()), t.size);
    }
    e.task_count = static_cast<std::uint32_t>(m.tasks.size());
    if (std::any_of(m.tasks.begin(), m.tasks.end(), [](const scheduler::Task& t) { return t.account != 0; }))
      for (const scheduler::Task& t : m.tasks) e.task_accounts.push_back(static_cast<char>(t.account));
  }
  e.request_hops = m.request_hops;
  // Whole microseconds, saturating at about 71 minutes of queued work.
  if (m.load_s > 0) e.load_us = static_cast<std::uint32_t>(std::min(std::round(m.load_s * 1e6), 4294967295.0));
  e.demand_hops = m.demand_hops;
  m.weight.exponents(e.weight);
  e.epoch = m.epoch;
  e.to_epoch = m.to_epoch;
  e.loots = m.loots;
  e.liveness = m.liveness;
  e.account = m.account;
  if (carries_results(m.kind)) {
    e.has_reduction = true;
    e.reduction = m.reduction;
  }
  if (!for_signature) e.origin_proof = m.origin_proof;
}

mesh::Result<scheduler::Message> to_message(Fields& f, const DecodeLimits& limits) {
  scheduler::Message m;
  if (auto why = to_message(f, limits, m)) return std::move(*why);
  return m;
}

std::optional<mesh::Error> to_message(Fields& e, const DecodeLimits& limits, scheduler::Message& m) {
  const std::string what = "frame";
  if (e.version != kWireVersion)
    return mesh::fail(what, "protocol version " + std::to_string(e.version) + ", expected " +
                                std::to_string(kWireVersion));
  if (!known_kind(e.kind))
    return mesh::fail(what, "unknown message kind " + std::to_string(e.kind));
  if (e.src < 0 || e.src >= limits.satellites || e.dst < 0 || e.dst >= limits.satellites)
    return mesh::fail(what, "end point out of range: " + std::to_string(e.src) + " -> " +
                                std::to_string(e.dst));
  if (e.hops > 0xffff || e.request_hops > 0xffff || e.demand_hops > 0xffff || e.account > 0xff)
    return mesh::fail(what, "hop count out of range");
  if (!e.origin_proof.empty() && e.origin_proof.size() != kOriginProofBytes)
    return mesh::fail(what, "origin proof of " + std::to_string(e.origin_proof.size()) + " bytes, expected " +
                                std::to_string(kOriginProofBytes));
  m.reset();
  m.kind = static_cast<scheduler::MessageKind>(e.kind);
  m.src = e.src;
  m.dst = e.dst;
  m.hops = static_cast<std::uint16_t>(e.hops);
  m.id = e.id;
  m.request_hops = static_cast<std::uint16_t>(e.request_hops);
  m.load_s = static_cast<double>(e.load_us) * 1e-6;
  m.demand_hops = static_cast<std::uint16_t>(e.demand_hops);
  m.epoch = e.epoch;
  m.to_epoch = e.to_epoch;
  if (e.loots.size() > 4096) return mesh::fail(what, "at most 4096 loots in a message, got " + std::to_string(e.loots.size()));
  m.loots.swap(e.loots);
  if (e.liveness.size() > 0 && e.kind != static_cast<std::int32_t>(scheduler::MessageKind::alive)) return mesh::fail(what, "liveness news in a message other than alive");
  if (e.liveness.size() > 64) return mesh::fail(what, "at most 64 liveness entries in a message, got " + std::to_string(e.liveness.size()));
  for (std::uint64_t l : e.liveness)
    if (static_cast<int>(l >> 48) >= limits.satellites)
      return mesh::fail(what, "liveness news of satellite " + std::to_string(l >> 48) + ", out of range");
  m.liveness.swap(e.liveness);
  m.account = static_cast<std::uint8_t>(e.account);
  // Only returns carry results (encode() writes them for no other kind): a reduction on
  // another kind is dropped, so that every frame decodes to what re-encoding it gives.
  if (carries_results(m.kind))
    m.reduction = e.reduction;
  m.origin_proof.swap(e.origin_proof);
  if (e.weight.size() > 4096) return mesh::fail(what, "too many weight pieces: " + std::to_string(e.weight.size()));
  if (!scheduler::Weight::from_exponents(e.weight, m.weight))
    return mesh::fail(what, "weight out of range (a piece finer than 2^-" +
                                std::to_string(scheduler::Weight::kMaxExponent) + ", or more than one in all)");
  const std::string& packed = e.tasks;
  // Each task takes at least 3 bytes, so the count cannot exceed what the frame can hold:
  // this bounds the allocation before a byte of it is trusted.
  if (e.task_count > packed.size() / 3) return mesh::fail(what, "task count exceeds the frame");
  m.reserve_tasks(e.task_count);
  std::size_t at = 0;
  for (std::uint32_t i = 0; i < e.task_count; ++i) {
    if (at + 3 > packed.size()) return mesh::fail(what, "truncated task " + std::to_string(i));
    scheduler::Task t;
    t.kind = static_cast<scheduler::TaskKind>(static_cast<std::uint8_t>(packed[at]) |
                                              static_cast<std::uint8_t>(packed[at + 1]) << 8);
    t.size = static_cast<std::uint8_t>(packed[at + 2]);
    at += 3;
    if (t.size > scheduler::Task::kPayloadBytes || at + t.size > packed.size())
      return mesh::fail(what, "bad payload size in task " + std::to_string(i));
    if (limits.registry && !limits.registry->get(t.kind))
      return mesh::fail(what, "unknown task kind " + std::to_string(t.kind));
    std::copy(packed.begin() + static_cast<std::ptrdiff_t>(at),
              packed.begin() + static_cast<std::ptrdiff_t>(at + t.size), t.payload.begin());
    at += t.size;
    if (limits.registry && !limits.registry->valid(t))
      return mesh::fail(what, "task " + std::to_string(i) + " of kind " + std::to_string(t.kind) +
                                  " is not one this workload can produce");
    m.tasks.push_back(t);
  }
  if (at != packed.size()) return mesh::fail(what, "trailing bytes after the tasks");
  const std::string& accounts = e.task_accounts;
  if (!accounts.empty()) {
    if (accounts.size() != m.tasks.size())
      return mesh::fail(what, std::to_string(accounts.size()) + " task accounts for " + std::to_string(m.tasks.size()) + " tasks");
    for (std::size_t i = 0; i < accounts.size(); ++i) m.tasks[i].account = static_cast<std::uint8_t>(accounts[i]);
  }
  if (m.kind != scheduler::MessageKind::steal_reply && m.kind != scheduler::MessageKind::loot_push &&
      !m.tasks.empty())
    return mesh::fail(what, "tasks in a message that carries none");
  // Crash recovery and weight throwing are two ways to tell the end of a run, and a run uses
  // one: a frame of a recovering sender (epoch > 0) carries no weight and no weight return,
  // and one of a sender without recovery has no account return, alive, or accounts.
  const bool recovering = m.epoch != 0;
  if (!recovering && (m.kind == scheduler::MessageKind::account_return || m.kind == scheduler::MessageKind::alive ||
                      m.kind == scheduler::MessageKind::loot_refused || m.kind == scheduler::MessageKind::loot_dropped ||
                      m.to_epoch != 0 || !m.loots.empty() || m.account != 0 || !accounts.empty() ||
                      !m.liveness.empty()))
    return mesh::fail(what, "crash-recovery fields from a sender without an epoch");
  if (recovering) {
    if (!m.weight.empty() || m.kind == scheduler::MessageKind::weight_return)
      return mesh::fail(what, "termination weight from a sender with crash recovery");
    return std::nullopt;
  }
  // Loot and returns without weight would let the root end the run while their work is
  // still pending somewhere: never accept one.
  const bool carries_weight = !m.tasks.empty() || m.kind == scheduler::MessageKind::loot_push ||
                              m.kind == scheduler::MessageKind::weight_return;
  if (carries_weight == m.weight.empty())
    return mesh::fail(what, carries_weight ? "loot or return without termination weight"
                                           : "termination weight in a message that carries none");
  return std::nullopt;
}

}  // namespace leomesh::node::envelope
