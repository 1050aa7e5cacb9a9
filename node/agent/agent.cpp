#include "leomesh/node/agent.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "leomesh/node/agent_config.hpp"
#include "leomesh/node/link_emulator.hpp"
#include "leomesh/node/thread_pool.hpp"
#include "leomesh/node/transport.hpp"
#include "leomesh/scheduler/quantile.hpp"

namespace leomesh::node {
namespace {
using Clock = std::chrono::steady_clock;
using nlohmann::json;

double unix_now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

// The agent drives its AgentRuntime: frames go over the emulated links, the timer is Asio's.
struct Agent::Impl : AgentDriver {
  config::SatelliteConfig cfg;
  int self;
  std::unique_ptr<SignedMessages> auth;   // origin signatures; null when the configuration has them off
  std::unique_ptr<AgentRuntime> runtime;  // made once the driver exists: it keeps a reference
  std::unique_ptr<ThreadPool> pool;
  asio::io_context io;
  std::unique_ptr<ZmqTransport> transport;
  asio::steady_timer core_timer{io};
  asio::steady_timer update_timer{io};
  asio::steady_timer telemetry_timer{io};
  asio::steady_timer exit_timer{io};
  asio::steady_timer trace_timer{io};
  bool exit_when_done = false;
  double linger_s = 2.0;
  asio::signal_set signals{io};
  std::unique_ptr<LinkEmulator> links;
  Clock::time_point start = Clock::now();
  bool stopping = false;
  std::uint64_t max_pool_size = 0;
  // Tracing (telemetry.trace_interval_s > 0): the offset of this agent's clock from the
  // run's (seconds since network.epoch_unix_s, the same for every agent of a run), and the
  // pool's counters at the last sample.
  double run_offset_s = 0;
  double traced_at_s = 0, traced_awake_s = 0;
  std::uint64_t traced_tasks = 0;

  explicit Impl(const config::SatelliteConfig& c) : cfg(c), self(c.identity().satellite()) {}

  double now() const { return std::chrono::duration<double>(Clock::now() - start).count(); }
  double emulated_now() const {
    const double scale = cfg.network().time_scale() > 0 ? cfg.network().time_scale() : 1.0;
    return std::max(0.0, (unix_now_s() - cfg.network().epoch_unix_s()) * scale);
  }

  void start_up() {
    ThreadPoolOptions po;
    po.workers = static_cast<std::size_t>(cfg.workers());
    po.worker_nice = 5;  // the event loop answers steal requests before workers compute
    po.unit_cost_s = runtime->workload().unit_cost_s;  // what a unit of the workload's estimates costs
    pool = std::make_unique<ThreadPool>(runtime->registry(), po);

    TransportOptions to;
    to.bind_endpoint = cfg.endpoint();
    for (const auto& p : cfg.peers()) to.peers.push_back({p.satellite(), p.endpoint(), p.public_key()});
    to.curve = cfg.security().curve();
    to.public_key = cfg.security().public_key();
    to.secret_key = cfg.security().secret_key();
    to.admitted_keys.assign(cfg.security().admitted_keys().begin(), cfg.security().admitted_keys().end());
    to.max_message_bytes = cfg.limits().max_message_bytes() > 0 ? cfg.limits().max_message_bytes()
                                                                  : static_cast<std::int64_t>(DecodeLimits{}.max_frame_bytes);
    if (cfg.limits().send_high_water_mark() > 0) to.send_hwm = cfg.limits().send_high_water_mark();
    if (cfg.limits().receive_high_water_mark() > 0) to.receive_hwm = cfg.limits().receive_high_water_mark();
    transport = std::make_unique<ZmqTransport>(io, to, [this](std::string_view f) { on_frame(f); });
    links = std::make_unique<LinkEmulator>(io, *transport, start);
    transport->start();

    // The pool runs dry on a worker thread; the core lives on the loop's thread.
    pool->set_on_idle([this] { asio::post(io, [this] { on_pool_idle(); }); });
    signals.add(SIGINT);
    signals.add(SIGTERM);
    signals.add(SIGUSR1);
    wait_signal();
    // The constellation moves every update_interval_s of emulated time.
    const double scale = cfg.network().time_scale() > 0 ? cfg.network().time_scale() : 1.0;
    if (runtime->topology().moves() && cfg.network().update_interval_s() > 0)
      repeat(update_timer, cfg.network().update_interval_s() / scale, &Impl::move);
    if (cfg.telemetry().report_interval_s() > 0)
      repeat(telemetry_timer, cfg.telemetry().report_interval_s(), &Impl::print_telemetry);
    run_offset_s = unix_now_s() - cfg.network().epoch_unix_s() - now();
    traced_at_s = run_time(now());
    traced_awake_s = pool->stats().total.awake_s;  // the workers woke with the pool, before any work
    if (tracing()) repeat(trace_timer, cfg.telemetry().trace_interval_s(), &Impl::trace_busy);
    runtime->start(now(), *pool, emulated_now());
  }

  void wait_signal() {
    signals.async_wait([this](const asio::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGUSR1) {
        print_telemetry();
        wait_signal();
        return;
      }
      shutdown();
    });
  }

  void on_pool_idle() {
    if (stopping || !pool->idle()) return;  // work arrived meanwhile: a later call will come
    runtime->pool_idle(now());
  }

  void on_frame(std::string_view frame) {
    if (stopping) return;
    max_pool_size = std::max<std::uint64_t>(max_pool_size, pool->approx_size());
    runtime->deliver(now(), frame);
  }

  // AgentDriver: what the runtime's outputs become here.
  void transmit(double, int next_hop, std::string_view frame) override {
    const auto& topo = runtime->topology();
    const auto link = topo.link_between(self, next_hop);
    if (!link) return;  // the core routes over ISLs only
    if (cfg.network().delay_in_network()) return links->send(next_hop, 0, 0, std::string(frame));
    links->send(next_hop, topo.state(*link).latency_s, topo.link_model().serialisation_s(frame.size()),
                std::string(frame));
  }

  // Crash recovery: loot given to a satellite taken for dead runs here again; one line each.
  void recovered(const scheduler::RecoveryEvent& e) override {
    json j{{"event", "recovered"},       {"satellite", self},           {"at_s", e.at_s},
           {"receiver", e.receiver},     {"receiver_incarnation", e.receiver_epoch}, {"tasks", e.tasks},
           {"cause", e.restarted ? "restarted" : "silent"}};
    std::cout << j.dump() << std::endl;
  }

  // Crash recovery: routes avoid the satellites the core takes for dead (the runtime's doing).
  void liveness_changed(double) override {
    std::cout << json{{"event", "liveness"}, {"satellite", self}, {"at_s", now()},
                      {"taken_for_dead", runtime->taken_for_dead()}}.dump()
              << std::endl;
  }

  // Tracing: what the launcher's trace recorder needs, one JSON line each, in run time.
  bool tracing() const { return cfg.telemetry().trace_interval_s() > 0; }
  double run_time(double agent_s) const { return agent_s + run_offset_s; }

  void steal_answered(const scheduler::StealEvent& e) override {
    if (!tracing()) return;
    std::cout << json{{"event", "steal"},       {"at_s", run_time(e.at_s)}, {"victim", e.victim},
                      {"hops", e.hops},         {"latency_s", e.latency_s}, {"tasks", e.tasks},
                      {"timed_out", e.timed_out}}.dump()
              << '\n';
  }

  void originated(double at, const scheduler::Message& m) override {
    if (!tracing() || !scheduler::traced(m.kind)) return;
    std::cout << json{{"event", "sent"},
                      {"at_s", run_time(at)},
                      {"kind", static_cast<int>(m.kind)},
                      {"dst", m.dst},
                      {"tasks", m.tasks.size()}}.dump()
              << '\n';
  }

  // The workers' awake time and tasks run since the last sample: one busy line, if any.
  void trace_busy() {
    const PoolStats ps = pool->stats();
    const double to = run_time(now());
    const double worked = ps.total.awake_s - traced_awake_s;
    const std::uint64_t tasks = ps.total.executed - traced_tasks;
    if (tasks > 0 || worked > 1e-6)
      std::cout << json{{"event", "busy"},   {"from_s", traced_at_s}, {"to_s", to}, {"worker_s", worked},
                        {"tasks", tasks},    {"queued", pool->approx_size()}}.dump()
                << std::endl;
    traced_at_s = to;
    traced_awake_s = ps.total.awake_s;
    traced_tasks = ps.total.executed;
  }

  // Calls `tick` every `interval_s` seconds of wall time until the agent stops.
  void repeat(asio::steady_timer& timer, double interval_s, void (Impl::*tick)()) {
    timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s)));
    timer.async_wait([this, &timer, interval_s, tick](const asio::error_code& ec) {
      if (ec || stopping) return;
      (this->*tick)();
      repeat(timer, interval_s, tick);
    });
  }

  void arm_timer(double, double at) override {
    // Re-arming cancels the wait armed before; a handler already due runs anyway, and the
    // pump ignores it.
    core_timer.expires_at(start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(at)));
    core_timer.async_wait([this, at](const asio::error_code& ec) {
      if (ec || stopping) return;
      runtime->on_timer(now(), at);
    });
  }

  void finished(double) override {
    if (self == runtime->root()) print_finished();
    if (exit_when_done) {
      exit_timer.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(linger_s)));
      exit_timer.async_wait([this](const asio::error_code& ec) {
        if (!ec) shutdown();
      });
    }
  }

  void move() { runtime->move_to(emulated_now()); }

  void print_finished() {
    const scheduler::Reduction& r = runtime->result();
    json j{{"event", "finished"},
           {"satellite", self},
           {"makespan_s", runtime->finished_at()},
           {"run_s", run_time(runtime->finished_at())},  // on the clock every agent's trace lines use
           {"result", {{"sum", r.sum}, {"aux", r.aux}, {"max", r.max}}},
           {"verified", runtime->workload().verify(r)}};
    std::cout << j.dump() << std::endl;
  }

  // The round trips' median, 90th percentile and maximum (zeros before the first answer).
  std::array<double, 3> latency_quantiles() const {
    if (runtime->steal_latencies().empty()) return {0, 0, 0};
    std::vector<double> v = runtime->steal_latencies();
    std::sort(v.begin(), v.end());
    return {scheduler::quantile(v, 0.5), scheduler::quantile(v, 0.9), v.back()};
  }

  json telemetry() const {
    const scheduler::SatelliteCore& core = runtime->core();
    const scheduler::CoreStats& s = core.stats();
    const TransportStats& ts = transport->stats();
    const PoolStats ps = pool->stats();
    const std::size_t link_hwm = links->high_water();
    const auto quantiles = latency_quantiles();
    const OriginAuthStats as = auth ? auth->stats() : OriginAuthStats{};
    return json{{"event", "telemetry"},
                {"satellite", self},
                {"uptime_s", now()},
                {"finished", core.finished()},
                {"tasks_executed", ps.total.executed},
                {"local_steals", ps.total.steals},
                {"steals",
                 {{"attempts", s.steal_attempts},
                  {"successes", s.steal_successes},
                  {"empty", s.steal_empty},
                  {"timeouts", s.steal_timeouts},
                  {"late_loot", s.late_loot},
                  {"latency_sum_s", s.attempt_latency_sum_s},
                  {"latency_p50_s", quantiles[0]},
                  {"latency_p90_s", quantiles[1]},
                  {"latency_max_s", quantiles[2]},
                  {"hops_sum", s.attempt_hops_sum}}},
                {"tasks_received", s.tasks_received},
                {"tasks_given", s.tasks_given},
                {"requests_served", s.requests_served},
                {"forwarded", s.forwarded},
                {"unroutable", s.unroutable},
                {"loot_retransmits", s.loot_retransmits},
                {"loot_pushes", s.loot_pushes},
                {"downhill_pushes", s.downhill_pushes},
                // Messages refused because an honest run cannot send them, by reason; the
                // last three before the core saw them, for want of their origin's signature.
                {"rejected",
                 {{"own_request", s.rejected.own_request},
                  {"terminate", s.rejected.terminate},
                  {"unasked_loot", s.rejected.unasked_loot},
                  {"stray_return", s.rejected.stray_return},
                  {"unsigned", as.unsigned_messages},
                  {"bad_certificate", as.bad_certificate},
                  {"bad_signature", as.bad_signature}}},
                {"duplicates", s.duplicates},
                {"unmatched_acks", s.unmatched_acks},
                {"stale_requests", s.stale_requests},
                {"hop_limit", s.hop_limit},
                // Inputs dropped at a bound of the core's state, by bound.
                {"capped",
                 {{"beyond_window", s.capped.beyond_window},
                  {"old_loot", s.capped.old_loot},
                  {"unacked_full", s.capped.unacked_full},
                  {"timed_out_forgotten", s.capped.timed_out_forgotten},
                  {"outbound_full", s.capped.outbound_full},
                  {"events_full", s.capped.events_full},
                  {"accounts_full", s.capped.accounts_full},
                  {"given_full", s.capped.given_full},
                  {"buffers_short", s.capped.buffers_short}}},
                // Crash recovery (all 0 without it).
                {"recovery",
                 {{"incarnation", core.recovering() ? runtime->epoch() : 0},
                  {"account_returns", s.recovery.account_returns},
                  {"loots_restored", s.recovery.loots_restored},
                  {"tasks_restored", s.recovery.tasks_restored},
                  {"restarts_seen", s.recovery.restarts_seen},
                  {"stale", s.recovery.stale},
                  {"stale_returns", s.recovery.stale_returns},
                  {"orphaned", s.recovery.orphaned},
                  {"dropped", s.recovery.dropped},
                  {"drops_sent", s.recovery.drops_sent},
                  {"heartbeats", s.recovery.heartbeats},
                  {"refused", s.recovery.refused},
                  {"declared_dead", s.recovery.declared_dead},
                  {"revived", s.recovery.revived},
                  {"taken_for_dead", runtime->taken_for_dead()},
                  {"accounts_open", core.state_size().accounts},
                  {"loot_given_unsettled", core.state_size().given}}},
                {"messages_sent", s.messages_sent},
                {"frames_sent", ts.frames_sent},
                {"frames_received", ts.frames_received},
                {"bytes_sent", ts.bytes_sent},
                {"bytes_received", ts.bytes_received},
                {"send_failures", ts.send_failures},
                {"dropped_frames", runtime->counters().dropped_frames},
                {"last_drop_reason", runtime->counters().last_drop_reason},
                {"auth_failures", ts.auth_failures},
                {"connections_dropped", ts.connections_dropped},
                {"pool_queue_high_water", max_pool_size},
                {"link_queue_high_water", link_hwm}};
  }

  void print_telemetry() { std::cout << telemetry().dump() << std::endl; }

  void shutdown() {
    if (stopping) return;
    if (tracing()) trace_busy();  // the last tasks, before the queue is emptied below
    if (cfg.telemetry().report_on_exit()) print_telemetry();
    stopping = true;
    pool->set_on_idle({});
    // A stop may come mid-run: take the queued tasks out so the pool can go idle and its
    // threads can be joined (the run is being abandoned; the launcher reports that).
    std::vector<scheduler::Task> sink;
    while (!pool->wait_idle_for(std::chrono::milliseconds(1))) {
      sink.clear();
      pool->take_oldest(1u << 20, sink);
    }
    core_timer.cancel();
    update_timer.cancel();
    telemetry_timer.cancel();
    exit_timer.cancel();
    trace_timer.cancel();
    signals.cancel();
    links->cancel();
    transport->close();
    io.stop();
  }
};

mesh::Result<std::unique_ptr<Agent>> Agent::create(const config::SatelliteConfig& cfg, bool exit_when_done,
                                                    double linger_s, std::uint64_t epoch) {
  if (cfg.workers() < 1) return mesh::fail("workers", "must be at least 1");
  auto impl = std::make_unique<Impl>(cfg);
  auto auth = SignedMessages::create(cfg);
  if (!auth) return auth.error();
  impl->auth = std::move(*auth);
  auto runtime = AgentRuntime::create(agent_settings(cfg, epoch), *impl, impl->auth.get());
  if (!runtime) return runtime.error();
  impl->runtime = std::move(*runtime);
  impl->exit_when_done = exit_when_done;
  impl->linger_s = linger_s;
  return std::unique_ptr<Agent>(new Agent(std::move(impl)));
}

Agent::Agent(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Agent::~Agent() = default;

int Agent::run() {
  impl_->start_up();
  impl_->io.run();
  return 0;
}

void Agent::stop() {
  asio::post(impl_->io, [this] { impl_->shutdown(); });
}

}  // namespace leomesh::node
