// The embedding C API (leomesh.h) over AgentRuntime: the host's loop drives it, the host's
// radio carries its frames, and either an InlinePool (poll-driven, the host's thread) or a
// ThreadPool (threaded) runs its tasks. No exception leaves this file: every entry point
// catches and answers with a status.
#include "leomesh/leomesh.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <new>
#include <string>

#include "leomesh/node/agent_runtime.hpp"
#include "leomesh/node/codec_nanopb.hpp"
#include "leomesh/node/inline_pool.hpp"
#include "leomesh/node/thread_pool.hpp"
#ifdef LEOMESH_CONFIG_TEXT
#include "leomesh/firmware_config/config.hpp"
#include "leomesh/node/agent_config.hpp"
#endif

namespace {
using leomesh::node::AgentRuntime;
using leomesh::scheduler::Task;

// What a host kind's trampoline reads as the kind's env.
struct HostKind {
  leomesh_task_fn fn = nullptr;
  leomesh_estimate_fn estimate = nullptr;
  void* user = nullptr;
  const leomesh::scheduler::TaskRegistry* registry = nullptr;  // what leomesh_spawn() checks kinds in
};

std::uint64_t monotonic_ns(void*) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

void copy_error(char* error, std::size_t len, const std::string& text) {
  if (!error || len == 0) return;
  std::snprintf(error, len, "%s", text.c_str());
}

bool task_from_c(const leomesh_task& in, Task& out) {
  if (in.size > Task::kPayloadBytes) return false;
  out = Task{};
  out.kind = in.kind;
  out.size = in.size;
  std::memcpy(out.payload.data(), in.payload, in.size);
  return true;
}

void task_to_c(const Task& in, leomesh_task& out) {
  out = leomesh_task{};
  out.kind = in.kind;
  out.size = in.size;
  std::memcpy(out.payload, in.payload.data(), std::min<std::size_t>(in.size, LEOMESH_TASK_PAYLOAD));
}
}  // namespace

// The context a host task sees is the pool's own TaskContext; leomesh_ctx is its C name.
struct leomesh_ctx {
  leomesh::scheduler::TaskContext* ctx;
  const leomesh::scheduler::TaskRegistry* registry;
};

struct leomesh_agent final : leomesh::node::AgentDriver {
  leomesh_host host{};
  std::unique_ptr<AgentRuntime> runtime;
  std::uint32_t workers = 0;
  std::size_t queue_capacity = 4096;
  double task_cost_s = 0;
  std::array<HostKind, leomesh::scheduler::TaskRegistry::kMaxKinds> kinds{};
  std::unique_ptr<leomesh::node::InlinePool> inline_pool;
  std::unique_ptr<leomesh::node::ThreadPool> thread_pool;
  std::atomic<bool> pool_ran_dry{false};  // threaded: set by a worker, read by step()
  std::uint64_t idle_seen = std::numeric_limits<std::uint64_t>::max();  // poll-driven
  std::uint64_t origin_ns = 0;
  double armed_at = std::numeric_limits<double>::infinity();
  bool finished_reported = false;
  std::uint64_t frames_sent = 0, frames_received = 0, bytes_sent = 0, bytes_received = 0;
  // Events, newest overwriting none: a full queue drops and counts.
  static constexpr std::size_t kEvents = 64;
  std::array<leomesh_event, kEvents> events{};
  std::size_t event_head = 0, event_count = 0;
  std::uint64_t events_lost = 0;
  std::uint64_t now_ns = 0;  // of the call in progress
  bool stopped = false;

  // Workers joined, queued tasks dropped: nothing of leomesh's runs after this.
  void halt() {
    if (stopped) return;
    stopped = true;
    if (!thread_pool) return;
    thread_pool->set_on_idle({});
    std::vector<Task> sink;
    while (!thread_pool->wait_idle_for(std::chrono::milliseconds(1))) {
      sink.clear();
      thread_pool->take_oldest(1u << 20, sink);
    }
  }

  double seconds(std::uint64_t ns) const { return static_cast<double>(ns - origin_ns) * 1e-9; }
  std::uint64_t clock() { return host.clock_ns ? host.clock_ns(host.user) : monotonic_ns(nullptr); }

  void event(leomesh_event_id id, int other, std::uint64_t value) {
    if (event_count == kEvents) {
      ++events_lost;
      return;
    }
    events[(event_head + event_count++) % kEvents] = leomesh_event{id, now_ns, other, value};
    if (host.log) {
      char line[128];
      std::snprintf(line, sizeof line, "leomesh: satellite %d event %d other %d value %llu", runtime->self(),
                    static_cast<int>(id), other, static_cast<unsigned long long>(value));
      host.log(host.user, 2, line);
    }
  }

  // AgentDriver
  void transmit(double, int next_hop, std::string_view frame) override {
    ++frames_sent;
    bytes_sent += frame.size();
    host.send(host.user, next_hop, reinterpret_cast<const std::uint8_t*>(frame.data()), frame.size());
  }
  void arm_timer(double, double at) override { armed_at = at; }
  void finished(double) override {
    event(LEOMESH_EVENT_FINISHED, -1, runtime->self() == runtime->root() ? runtime->result().sum : 0);
  }
  void recovered(const leomesh::scheduler::RecoveryEvent& e) override {
    event(LEOMESH_EVENT_RECOVERED, e.receiver, e.tasks);
  }
  void liveness_changed(double) override {
    event(LEOMESH_EVENT_LIVENESS, -1, runtime->taken_for_dead().size());
  }

  leomesh::scheduler::LocalPool& pool() {
    if (inline_pool) return *inline_pool;
    return *thread_pool;
  }
  bool pool_idle() const { return inline_pool ? inline_pool->idle() : thread_pool->idle(); }

  // The protocol's timer, if due, and the pool running dry since last told.
  void drive(std::uint64_t ns) {
    const double now = seconds(ns);
    if (now >= armed_at) {
      const double at = armed_at;
      armed_at = std::numeric_limits<double>::infinity();
      runtime->on_timer(now, at);
    }
    if (inline_pool) {
      // Each time the pool empties after taking work: pushes are counted by what it ran
      // or was given, so a pool already reported idle is not reported again.
      const std::uint64_t seen = inline_pool->executed() + inline_pool->received();
      if (inline_pool->idle() && seen != idle_seen) {
        idle_seen = seen;
        runtime->pool_idle(now);
      }
    } else if (pool_ran_dry.exchange(false) && thread_pool->idle()) {
      runtime->pool_idle(now);
    }
  }
};

namespace {

void run_host_kind(const Task& task, leomesh::scheduler::TaskContext& ctx) {
  const HostKind& k = ctx.env<HostKind>();
  leomesh_task t;
  task_to_c(task, t);
  leomesh_ctx c{&ctx, k.registry};
  k.fn(&t, &c, k.user);
}

double estimate_host_kind(const Task& task, const void* env) {
  const HostKind& k = *static_cast<const HostKind*>(env);
  leomesh_task t;
  task_to_c(task, t);
  const double units = k.estimate(&t, k.user);
  return units > 0 && units < std::numeric_limits<double>::infinity() ? units : 1.0;  // a bad estimate counts as one
}

// One wrapper for every entry point: no exception crosses into C.
template <class F>
leomesh_status guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return LEOMESH_ERR_INTERNAL;
  } catch (...) {
    return LEOMESH_ERR_INTERNAL;
  }
}

constexpr std::size_t kDefaultPendingLoot = 8;

leomesh_status create_from(const leomesh::node::AgentSettings& settings, const leomesh_host* host, leomesh_agent** out,
                           char* error, std::size_t error_len, std::size_t queue_capacity, double task_cost_s,
                           std::size_t pending_loot) {
  auto agent = std::make_unique<leomesh_agent>();
  agent->host = *host;
  agent->workers = static_cast<std::uint32_t>(settings.core.workers);
  agent->queue_capacity = queue_capacity;
  // The nanopb codec in every build: the same bytes as the Protobuf one, with buffers of its
  // own, so that a running agent allocates nothing (bench/embed_allocations.c, tests/embed).
  leomesh::node::AgentSettings quiet = settings;
  quiet.keep_latencies = false;
  // Every buffer and table made now, from the limits: the steady state allocates nothing.
  quiet.core.message_buffers = pending_loot + 4;
  auto runtime = AgentRuntime::create(quiet, *agent, nullptr, leomesh::node::nanopb_codec::make_frame_codec());
  if (!runtime) {
    copy_error(error, error_len, runtime.error().message());
    return LEOMESH_ERR_CONFIG;
  }
  agent->runtime = std::move(*runtime);
  agent->task_cost_s = task_cost_s > 0 ? task_cost_s : agent->runtime->workload().unit_cost_s;
  *out = agent.release();
  return LEOMESH_OK;
}

bool check_create_args(const leomesh_host* host, leomesh_agent** out, char* error, std::size_t error_len) {
  if (out) *out = nullptr;
  if (!host || !out || !host->send) {
    copy_error(error, error_len, !out ? "agent: the output pointer is NULL"
                                      : "host.send: a send callback is required (the host is the transport)");
    return false;
  }
  return true;
}
}  // namespace

extern "C" {

const char* leomesh_status_name(leomesh_status status) {
  switch (status) {
    case LEOMESH_OK: return "LEOMESH_OK";
    case LEOMESH_ERR_NULL: return "LEOMESH_ERR_NULL";
    case LEOMESH_ERR_CONFIG: return "LEOMESH_ERR_CONFIG";
    case LEOMESH_ERR_KIND: return "LEOMESH_ERR_KIND";
    case LEOMESH_ERR_TOO_BIG: return "LEOMESH_ERR_TOO_BIG";
    case LEOMESH_ERR_STATE: return "LEOMESH_ERR_STATE";
    case LEOMESH_ERR_ARG: return "LEOMESH_ERR_ARG";
    case LEOMESH_ERR_FRAME: return "LEOMESH_ERR_FRAME";
    case LEOMESH_ERR_INTERNAL: return "LEOMESH_ERR_INTERNAL";
  }
  return "LEOMESH_ERR_UNKNOWN";
}

leomesh_status leomesh_spawn(leomesh_ctx* ctx, const leomesh_task* child) {
  if (!ctx || !child) return LEOMESH_ERR_NULL;
  Task t;
  if (!task_from_c(*child, t)) return LEOMESH_ERR_TOO_BIG;
  if (!ctx->registry->valid(t)) return LEOMESH_ERR_KIND;
  ctx->ctx->spawn(t);
  return LEOMESH_OK;
}

void leomesh_reduce(leomesh_ctx* ctx, std::uint64_t sum, std::uint64_t aux, std::uint64_t max) {
  if (!ctx) return;
  ctx->ctx->reduction().merge(leomesh::scheduler::Reduction{sum, aux, max});
}

void leomesh_config_init(leomesh_config* c) {
  if (!c) return;
  *c = leomesh_config{};
  c->satellite = 0;
  c->topology = "full:1";
  c->root = 0;
  c->workers = 0;
  c->max_queued_tasks = 4096;
  c->max_message_bytes = 65536;
  c->max_batch = 512;
  c->max_pending_loot = kDefaultPendingLoot;
  c->seed = 1;
  c->task_cost_s = 0;
}

leomesh_status leomesh_create(const leomesh_config* c, const leomesh_host* host, leomesh_agent** out, char* error,
                              std::size_t error_len) {
  return guarded([&] {
    if (!c) {
      copy_error(error, error_len, "config: NULL");
      if (out) *out = nullptr;
      return LEOMESH_ERR_NULL;
    }
    if (!check_create_args(host, out, error, error_len)) return LEOMESH_ERR_NULL;
    if (!c->topology) {
      copy_error(error, error_len, "topology: required (e.g. \"torus:3x3\")");
      return LEOMESH_ERR_CONFIG;
    }
    if (!(c->task_cost_s >= 0) || std::isinf(c->task_cost_s)) {
      copy_error(error, error_len, "task_cost_s: must be a finite number >= 0");
      return LEOMESH_ERR_CONFIG;
    }
    if (c->max_message_bytes < 1024) {
      copy_error(error, error_len, "max_message_bytes: at least 1024, got " + std::to_string(c->max_message_bytes));
      return LEOMESH_ERR_CONFIG;
    }
    if (c->max_batch < 1) {
      copy_error(error, error_len, "max_batch: at least 1");
      return LEOMESH_ERR_CONFIG;
    }
    leomesh::node::AgentSettings settings;
    settings.topology = c->topology;
    if (c->links) settings.links = c->links;
    settings.core.self = c->satellite;
    settings.core.root = c->root;
    settings.core.policy = c->policy ? c->policy : "neighbor";
    settings.core.max_batch = c->max_batch;
    settings.core.seed = c->seed;
    settings.core.workers = c->workers;
    if (c->workload) settings.workload = c->workload;
    settings.inject_here = c->inject_here != 0;
    settings.max_frame_bytes = c->max_message_bytes;
    const std::size_t capacity = c->max_queued_tasks > 0 ? c->max_queued_tasks : 4096;
    return create_from(settings, host, out, error, error_len, capacity, c->task_cost_s,
                       c->max_pending_loot > 0 ? c->max_pending_loot : kDefaultPendingLoot);
  });
}

leomesh_status leomesh_create_from_text(const char* text, const leomesh_host* host, leomesh_agent** out, char* error,
                                        std::size_t error_len) {
  return guarded([&] {
    if (!text) {
      copy_error(error, error_len, "text: NULL");
      if (out) *out = nullptr;
      return LEOMESH_ERR_NULL;
    }
    if (!check_create_args(host, out, error, error_len)) return LEOMESH_ERR_NULL;
#ifdef LEOMESH_CONFIG_TEXT
    auto cfg = leomesh::firmware_config::parse_text(text, "");
    if (!cfg) {
      copy_error(error, error_len, cfg.error().message());
      return LEOMESH_ERR_CONFIG;
    }
    const std::size_t capacity = cfg->limits().max_queued_tasks() > 0 ? cfg->limits().max_queued_tasks() : 4096;
    return create_from(leomesh::node::agent_settings(*cfg), host, out, error, error_len, capacity, 0,
                       kDefaultPendingLoot);
#else
    copy_error(error, error_len,
               "text: this libleomesh has no configuration text format (the embedded profile); use leomesh_create()");
    return LEOMESH_ERR_CONFIG;
#endif
  });
}

leomesh_status leomesh_register_kind(leomesh_agent* a, std::uint16_t kind, leomesh_task_fn fn,
                                     leomesh_estimate_fn estimate, void* user) {
  if (!a || !fn) return LEOMESH_ERR_NULL;
  if (a->runtime->started()) return LEOMESH_ERR_STATE;
  if (kind < LEOMESH_FIRST_HOST_KIND || kind > LEOMESH_LAST_KIND || a->runtime->registry().get(kind))
    return LEOMESH_ERR_KIND;
  a->kinds[kind] = HostKind{fn, estimate, user, &a->runtime->registry()};
  a->runtime->registry().set(kind, run_host_kind, &a->kinds[kind], estimate ? estimate_host_kind : nullptr);
  return LEOMESH_OK;
}

leomesh_status leomesh_start(leomesh_agent* a, std::uint64_t now_ns) {
  if (!a) return LEOMESH_ERR_NULL;
  if (a->stopped || a->runtime->started()) return LEOMESH_ERR_STATE;
  return guarded([&] {
    a->origin_ns = now_ns;
    a->now_ns = now_ns;
    if (a->workers == 0) {
      leomesh::node::InlinePoolOptions o;
      o.capacity = a->queue_capacity;
      o.unit_cost_s = a->task_cost_s;
      a->inline_pool = std::make_unique<leomesh::node::InlinePool>(a->runtime->registry(), o);
    } else {
      leomesh::node::ThreadPoolOptions o;
      o.workers = a->workers;
      o.unit_cost_s = a->task_cost_s;
      a->thread_pool = std::make_unique<leomesh::node::ThreadPool>(a->runtime->registry(), o);
      a->thread_pool->set_on_idle([a] { a->pool_ran_dry.store(true); });
    }
    a->runtime->start(0.0, a->pool());
    a->event(LEOMESH_EVENT_STARTED, -1, a->runtime->settings().inject_here ? a->runtime->workload().roots.size() : 0);
    return LEOMESH_OK;
  });
}

leomesh_status leomesh_submit(leomesh_agent* a, std::uint64_t now_ns, const leomesh_task* tasks, std::size_t count) {
  if (!a || (!tasks && count > 0)) return LEOMESH_ERR_NULL;
  if (a->stopped || !a->runtime->started() || a->runtime->finished()) return LEOMESH_ERR_STATE;
  if (count > (std::size_t{1} << 20)) return LEOMESH_ERR_ARG;
  return guarded([&] {
    Task t;
    for (std::size_t i = 0; i < count; ++i) {
      if (!task_from_c(tasks[i], t)) return LEOMESH_ERR_TOO_BIG;
      if (!a->runtime->registry().valid(t)) return LEOMESH_ERR_KIND;
    }
    a->now_ns = now_ns;
    // In batches through a buffer on the stack: a running agent allocates nothing.
    std::array<Task, 64> batch;
    for (std::size_t i = 0; i < count;) {
      std::size_t n = 0;
      for (; n < batch.size() && i < count; ++n, ++i) task_from_c(tasks[i], batch[n]);
      a->runtime->submit(a->seconds(now_ns), batch.data(), n);
    }
    return LEOMESH_OK;
  });
}

leomesh_status leomesh_step(leomesh_agent* a, std::uint64_t now_ns, std::uint64_t budget_ns) {
  if (!a) return LEOMESH_ERR_NULL;
  if (a->stopped || !a->runtime->started()) return LEOMESH_ERR_STATE;
  return guarded([&] {
    a->now_ns = now_ns;
    a->drive(now_ns);
    if (a->inline_pool && budget_ns > 0) {
      const std::uint64_t start = a->clock();
      a->inline_pool->run_until(start + budget_ns, a->host.clock_ns ? a->host.clock_ns : monotonic_ns, a->host.user);
      // Time passed while tasks ran: the host's now moved by as much.
      const std::uint64_t later = now_ns + (a->clock() - start);
      a->now_ns = later;
      a->drive(later);
    }
    return LEOMESH_OK;
  });
}

leomesh_status leomesh_deliver(leomesh_agent* a, std::uint64_t now_ns, std::int32_t from, const std::uint8_t* bytes,
                               std::size_t len) {
  if (!a || (!bytes && len > 0)) return LEOMESH_ERR_NULL;
  if (a->stopped || !a->runtime->started()) return LEOMESH_ERR_STATE;
  if (from < 0 || from >= a->runtime->topology().satellites()) return LEOMESH_ERR_ARG;
  const std::size_t limit = a->runtime->settings().max_frame_bytes;
  return guarded([&] {
    a->now_ns = now_ns;
    ++a->frames_received;
    a->bytes_received += len;
    const std::uint64_t dropped = a->runtime->counters().dropped_frames;
    a->runtime->deliver(a->seconds(now_ns), std::string_view(reinterpret_cast<const char*>(bytes), len));
    if (a->runtime->counters().dropped_frames != dropped) {  // the decoder refused it, and counted
      a->event(LEOMESH_EVENT_FRAME_DROPPED, from, len);
      return limit > 0 && len > limit ? LEOMESH_ERR_TOO_BIG : LEOMESH_ERR_FRAME;
    }
    return LEOMESH_OK;
  });
}

std::uint64_t leomesh_next_deadline_ns(const leomesh_agent* a) {
  if (!a || !(a->armed_at < std::numeric_limits<double>::infinity())) return std::numeric_limits<std::uint64_t>::max();
  return a->origin_ns + static_cast<std::uint64_t>(std::ceil(std::max(0.0, a->armed_at) * 1e9));
}

int leomesh_finished(const leomesh_agent* a) { return a && a->runtime->finished() ? 1 : 0; }

leomesh_status leomesh_result(const leomesh_agent* a, leomesh_reduction* out) {
  if (!a || !out) return LEOMESH_ERR_NULL;
  if (!a->runtime->finished() || a->runtime->self() != a->runtime->root()) return LEOMESH_ERR_STATE;
  const leomesh::scheduler::Reduction& r = a->runtime->result();
  *out = leomesh_reduction{r.sum, r.aux, r.max};
  return LEOMESH_OK;
}

int leomesh_verify(const leomesh_agent* a, const leomesh_reduction* r) {
  if (!a || !r) return 0;
  return a->runtime->workload().verify(leomesh::scheduler::Reduction{r->sum, r->aux, r->max}) ? 1 : 0;
}

leomesh_status leomesh_stop(leomesh_agent* a) {
  if (!a) return LEOMESH_ERR_NULL;
  return guarded([&] {
    a->halt();
    return LEOMESH_OK;
  });
}

void leomesh_destroy(leomesh_agent* a) {
  if (!a) return;
  try {
    a->halt();
  } catch (...) {
  }
  delete a;
}

leomesh_status leomesh_telemetry_read(const leomesh_agent* a, leomesh_telemetry* t) {
  if (!a || !t) return LEOMESH_ERR_NULL;
  *t = leomesh_telemetry{};
  t->satellite = a->runtime->self();
  t->finished = a->runtime->finished() ? 1 : 0;
  t->frames_sent = a->frames_sent;
  t->frames_received = a->frames_received;
  t->bytes_sent = a->bytes_sent;
  t->bytes_received = a->bytes_received;
  t->dropped_frames = a->runtime->counters().dropped_frames;
  t->events_lost = a->events_lost;
  if (!a->runtime->started()) return LEOMESH_OK;
  if (a->inline_pool) {
    t->tasks_executed = a->inline_pool->executed();
    t->tasks_queued = a->inline_pool->approx_size();
    t->queue_high_water = a->inline_pool->high_water();
    t->ran_at_once = a->inline_pool->ran_at_once();
  } else {
    t->tasks_executed = a->thread_pool->stats().total.executed;
    t->tasks_queued = a->thread_pool->approx_size();
  }
  const leomesh::scheduler::CoreStats& s = a->runtime->core().stats();
  t->steal_attempts = s.steal_attempts;
  t->steal_successes = s.steal_successes;
  t->steal_empty = s.steal_empty;
  t->steal_timeouts = s.steal_timeouts;
  t->tasks_received = s.tasks_received;
  t->tasks_given = s.tasks_given;
  t->requests_served = s.requests_served;
  t->forwarded = s.forwarded;
  t->unroutable = s.unroutable;
  t->loot_retransmits = s.loot_retransmits;
  t->loot_pushes = s.loot_pushes;
  t->messages_sent = s.messages_sent;
  t->late_loot = s.late_loot;
  t->downhill_pushes = s.downhill_pushes;
  t->duplicates = s.duplicates;
  t->unmatched_acks = s.unmatched_acks;
  t->stale_requests = s.stale_requests;
  t->hop_limit = s.hop_limit;
  t->steal_latency_sum_s = s.attempt_latency_sum_s;
  t->steal_hops_sum = s.attempt_hops_sum;
  t->rejected = {s.rejected.own_request, s.rejected.terminate, s.rejected.unasked_loot, s.rejected.stray_return};
  t->capped = {s.capped.beyond_window,  s.capped.old_loot,    s.capped.unacked_full,
               s.capped.timed_out_forgotten, s.capped.outbound_full, s.capped.events_full,
               s.capped.accounts_full, s.capped.given_full,  s.capped.buffers_short};
  const leomesh::scheduler::SatelliteCore& core = a->runtime->core();
  t->recovery = {core.recovering() ? a->runtime->epoch() : 0,
                 s.recovery.account_returns,
                 s.recovery.loots_restored,
                 s.recovery.tasks_restored,
                 s.recovery.restarts_seen,
                 s.recovery.stale,
                 s.recovery.stale_returns,
                 s.recovery.orphaned,
                 s.recovery.heartbeats,
                 s.recovery.refused,
                 s.recovery.declared_dead,
                 s.recovery.revived,
                 core.state_size().accounts,
                 core.state_size().given};
  return LEOMESH_OK;
}

int leomesh_poll_event(leomesh_agent* a, leomesh_event* e) {
  if (!a || !e || a->event_count == 0) return 0;
  *e = a->events[a->event_head];
  a->event_head = (a->event_head + 1) % leomesh_agent::kEvents;
  --a->event_count;
  return 1;
}

}  // extern "C"
