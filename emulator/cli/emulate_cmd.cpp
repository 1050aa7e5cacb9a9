// `leomesh emulate`: a whole constellation of agents, live (processes) or simulated.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "leomesh/emulator/container.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::cli {
namespace {

struct EmulateArgs {
  EmulationRequest request;
  std::string json_path;
  std::string task_cost;               // sim: parsed into request.sim.task_cost_s
  std::vector<std::string> fail_links;  // sim: parsed into request.sim.failures
  std::vector<std::string> fail_sats;   // sim: parsed into request.sim.crashes
  std::vector<std::string> misplaced;   // flags given that the chosen mode does not use
  const CLI::Option* crash_downtime = nullptr;
  const CLI::Option* flap_downtime = nullptr;
  bool cleanup = false;
};

// The "@FROM[-UNTIL]" part of a fault spec `text`, from `at` on: seconds, 0 <= FROM < UNTIL
// <= kMaxRunSeconds; without UNTIL, `until_s` keeps its "for good" default.
void parse_window(const std::string& what, const std::string& text, std::size_t at, double& from_s, double& until_s) {
  const std::string times = text.substr(at + 1);
  const auto until = times.find('-');
  from_s = need(mesh::parse_number(times.substr(0, until), what));
  if (until != std::string::npos) until_s = need(mesh::parse_number(times.substr(until + 1), what));
  if (from_s < 0 || until_s <= from_s) throw UsageError(what + ": times must satisfy 0 <= FROM < UNTIL in '" + text + "'");
  if (from_s > kMaxRunSeconds || (until != std::string::npos && until_s > kMaxRunSeconds))
    throw UsageError(what + ": times must be at most " + mesh::format_number(kMaxRunSeconds) + " seconds in '" + text +
                     "'");
}

// A satellite id in a fault spec; whether the topology has it is run_sim's to say.
int parse_satellite(const std::string& what, const std::string& text, const std::string& id) {
  const long long v = need(mesh::parse_integer(id, what));
  if (v < 0 || v > 1 << 30) throw UsageError(what + ": satellite ids are whole numbers from 0, got '" + id + "' in '" + text + "'");
  return static_cast<int>(v);
}

// "A-B@FROM[-UNTIL]": the ISL between satellites A and B is down from FROM to UNTIL seconds.
emulator::LinkFailure parse_failure(const std::string& text) {
  const std::string what = "--fail-link";
  const auto at = text.find('@');
  const auto dash = text.find('-');
  if (at == std::string::npos || dash == std::string::npos || dash > at)
    throw UsageError(what + ": expected A-B@FROM[-UNTIL] (satellites, seconds), got '" + text + "'");
  emulator::LinkFailure f;
  f.a = parse_satellite(what, text, text.substr(0, dash));
  f.b = parse_satellite(what, text, text.substr(dash + 1, at - dash - 1));
  parse_window(what, text, at, f.from_s, f.until_s);
  return f;
}

// "S@FROM[-UNTIL]": satellite S crashes at FROM seconds and restarts at UNTIL, or never.
emulator::SatelliteFailure parse_crash(const std::string& text) {
  const std::string what = "--fail-sat";
  const auto at = text.find('@');
  if (at == std::string::npos)
    throw UsageError(what + ": expected S@FROM[-UNTIL] (satellite, seconds), got '" + text + "'");
  emulator::SatelliteFailure f;
  f.satellite = parse_satellite(what, text, text.substr(0, at));
  parse_window(what, text, at, f.from_s, f.until_s);
  return f;
}

int run_emulate(const EmulateArgs& a) {
  EmulationRequest r = a.request;
  if (a.cleanup) {
    emulator::cleanup_leftovers(std::cout);
    return 0;
  }
  for (const auto& [given, flag] : {std::pair{!r.mode.empty(), "--mode"}, std::pair{!r.run.topology.empty(), "--topology"},
                                    std::pair{!r.workload.empty(), "--workload"}})
    if (!given) throw UsageError(std::string(flag) + " is required");
  // Validate everything before starting anything (and before creating the --json file).
  if (!a.misplaced.empty())
    throw UsageError(a.misplaced.front() + ": applies to --mode " +
                     (r.mode == "sim" || a.misplaced.front() == "--endpoints" ? "live" : "sim") + " only, not " + r.mode);
  const workloads::Workload w = need(workloads::parse_workload(r.workload));
  const mesh::Topology topo = need(mesh::build_topology(r.run.topology, r.run.links));
  const mesh::TopologySpec& spec = topo.spec();
  const scheduler::CoreConfig core = need(scheduler::make_core_config(emulator::core_settings(r.run)));
  if (r.run.inject_at < 0 || r.run.inject_at >= spec.satellites())
    throw UsageError("--inject-at: no satellite " + std::to_string(r.run.inject_at) + " in " + spec.name);
  if (r.live.restart_crashed && !core.recovering())
    throw UsageError("--restart-crashed: needs crash recovery (--heartbeat SECONDS)");
  // With recovery the root's account is the injected work: the work has to enter there.
  if (core.recovering() && r.run.inject_at != core.root)
    throw UsageError("--inject-at: must be the root (satellite " + std::to_string(core.root) +
                     ") with crash recovery (--heartbeat)");
  if (core.recovering() && r.sim.spread_hops > 0)
    throw UsageError("--spread: cannot be used with crash recovery (--heartbeat): the work must enter at the root");
  if (!a.task_cost.empty()) r.sim.task_cost_s = parse_task_cost(a.task_cost);
  for (const auto& f : a.fail_links) r.sim.failures.push_back(parse_failure(f));
  for (const auto& f : a.fail_sats) r.sim.crashes.push_back(parse_crash(f));
  // A downtime alone would silently do nothing.
  if (a.crash_downtime->count() > 0 && !(r.sim.faults.crash_rate > 0))
    throw UsageError("--crash-downtime: applies only with a positive --crash-rate");
  if (a.flap_downtime->count() > 0 && !(r.sim.faults.flap_rate > 0))
    throw UsageError("--flap-downtime: applies only with a positive --flap-links");
  if (r.mode != "sim" && spec.satellites() > 256)
    throw UsageError("--topology: " + r.mode + " mode runs one process per satellite; " +
                     std::to_string(spec.satellites()) + " is more than this machine should start (256); use --mode sim");
  check_writable(a.json_path);
  check_writable(r.trace_path, "--trace");
  const emulator::RunSummary s = emulate(r, w);
  if (!a.json_path.empty()) write_json(s.to_json(), a.json_path);
  if (a.json_path != "-") {
    s.print(std::cout);
    if (s.extra.contains("container")) {
      const auto& c = s.extra["container"];
      const auto& hop = c["per_hop"];
      std::printf("%-20s %d namespaces, %d taps, set up in %.2f s\n", "container", c["namespaces"].get<int>(),
                  c["taps"].get<int>(), c["setup_s"].get<double>());
      std::printf("%-20s %d of %d ISLs up within 10%% or 200 us of their delay (worst off by %.0f us, %.1f%%)\n",
                  "per-hop delay", hop["links_within_tolerance"].get<int>(), hop["links_probed"].get<int>(),
                  hop["worst_error_s"].get<double>() * 1e6, hop["worst_relative_error"].get<double>() * 100);
      if (c.contains("isl_network")) {
        const auto& isl = c["isl_network"];
        std::printf("%-20s lag p50 %.3f ms, p99 %.3f ms, max %.3f ms; %llu frames, %llu lost on links down\n",
                    "ns-3 real time", isl["lag_p50_s"].get<double>() * 1e3, isl["lag_p99_s"].get<double>() * 1e3,
                    isl["lag_max_s"].get<double>() * 1e3, isl["frames_carried"].get<unsigned long long>(),
                    isl["frames_lost_link_down"].get<unsigned long long>());
      }
    }
    if (s.extra.contains("ns3")) {
      const auto& ns3 = s.extra["ns3"];
      std::printf("%-20s %llu events, %llu packets, %.3f simulated s in %.2f wall s (%.0f events/s)\n", "ns-3",
                  ns3["events"].get<unsigned long long>(), ns3["packets"].get<unsigned long long>(),
                  ns3["simulated_s"].get<double>(), ns3["wall_s"].get<double>(), ns3["events_per_wall_s"].get<double>());
    }
  }
  if (!s.finished) {
    std::cerr << "leomesh: emulate: " << s.failure << "\n";
    return 1;
  }
  return s.verified() || !w.expected.sum ? 0 : 1;
}

}  // namespace

void add_emulate_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<EmulateArgs>();
  CLI::App* cmd = app.add_subcommand("emulate", "Run a workload on an emulated constellation of agents");
  cmd->add_option("--mode", a->request.mode,
                  "live: one leomesh-agent process per satellite on this machine; container: each agent in "
                  "its own network namespace, ISLs carried by ns-3 in real time (root); sim: ns-3 "
                  "packet-level simulation in virtual time (scales to whole constellations)")
      ->check(CLI::IsMember({"live", "container", "sim"}));
  cmd->add_option("--topology", a->request.run.topology, "Topology (see `leomesh model --help`)");
  cmd->add_option("--policy", a->request.run.policy, "Victim policy: neighbor | global | lifeline | sticky | khop:K | escalate:K | ring:K");
  cmd->add_option("--workload", a->request.workload, "Workload (see `leomesh run --help`)");
  cmd->add_option("--workers", a->request.run.workers, "Worker threads per satellite")->check(CLI::Range(1, 256));
  cmd->add_option("--links", a->request.run.links, "Link model (see `leomesh model --help`)");
  cmd->add_option("--seed", a->request.run.seed, "Seed of victim choice")->check(whole_in(0, kMaxSeed));
  cmd->add_option("--json", a->json_path, "Write the result as JSON to FILE, or - for stdout");
  cmd->add_option("--amount", a->request.run.amount, "What a victim gives: half | one")->check(CLI::IsMember({"half", "one"}));
  cmd->add_option("--inject-at", a->request.run.inject_at, "Satellite that receives the workload (a ground contact)");
  cmd->add_option("--timeout", a->request.live.timeout_s, "live: give up (and clean up) after this many wall seconds")
      ->check(number_in(1e-3, kMaxRunSeconds, " seconds"));
  cmd->add_option("--endpoints", a->request.live.endpoints, "live: ipc (socket files) or tcp (loopback ports)")
      ->check(CLI::IsMember({"ipc", "tcp"}));
  cmd->add_option("--base-port", a->request.live.tcp_base_port, "live, tcp: port of satellite 0; satellite i uses base + i")
      ->check(CLI::Range(1024, 65000));
  cmd->add_option("--time-scale", a->request.live.time_scale, "live: emulated seconds per wall second (orbits move faster)")
      ->check(number_in(1e-3, 1e6));
  cmd->add_flag("--restart-crashed", a->request.live.restart_crashed,
               "live, with crash recovery (--heartbeat): start an agent that dies again at once, with empty "
               "memory (without it the run goes on without that agent)");
  cmd->add_option("--task-cost", a->task_cost,
                  "sim: virtual time per unit of work (UTS node, fib call, ...), e.g. 1ms or 2e-6; "
                  "default: the workload's measured real cost");
  cmd->add_option("--update-interval", a->request.sim.update_interval_s, "sim: seconds between constellation updates")
      ->check(number_in(1e-3, 86400, " seconds"));
  cmd->add_option("--max-sim-time", a->request.sim.max_sim_s, "sim: give up after this many simulated seconds")
      ->check(number_in(1e-6, kMaxRunSeconds, " seconds"));
  cmd->add_option("--spread", a->request.sim.spread_hops,
                  "sim: split the work on the ground over every satellite within K hops of --inject-at "
                  "(default 0: all of it at one satellite, a single ground contact)")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--trace", a->request.trace_path,
                  "Write the run as a Chrome trace-event file (open it in ui.perfetto.dev or "
                  "chrome://tracing): per satellite busy and idle spells, steals as arrows, queue length, "
                  "ISLs down and up, crashes, termination. Simulated time in sim mode; in live and "
                  "container mode wall time, from each agent's samples of its workers (--trace-interval)");
  cmd->add_option("--trace-interval", a->request.live.trace_interval_s,
                  "live and container: seconds between an agent's samples of its workers' busy time for --trace "
                  "and --dashboard (default 0.02)")
      ->check(number_in(1e-3, 60, " seconds"));
  cmd->add_option("--dashboard", a->request.dashboard_port,
                  "live and container: serve the dashboard (as `leomesh dashboard`) on 127.0.0.1 at this port "
                  "(0: any free port) while the run goes on; open pages follow the run")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--fail-link", a->fail_links, "sim: A-B@FROM[-UNTIL] takes the ISL A-B down (repeatable)");
  // Faults (emulator/include/leomesh/emulator/sim.hpp; without crash recovery, --heartbeat, a
  // crash that loses termination weight stops the run with the reason, exit 1).
  emulator::RandomFaults& faults = a->request.sim.faults;
  cmd->add_option("--fail-sat", a->fail_sats,
                  "sim: S@FROM[-UNTIL] crashes satellite S at FROM seconds and restarts it with empty memory at "
                  "UNTIL (repeatable; the root only with --heartbeat and UNTIL: the work is injected again)");
  cmd->add_option("--crash-rate", faults.crash_rate,
                  "sim: random crashes per satellite per simulated second (Poisson, from --seed; never the root "
                  "or --inject-at)")
      ->check(number_in(0, 100, " per second"));
  a->crash_downtime = cmd->add_option("--crash-downtime", faults.crash_downtime_s,
                                      "sim: a randomly crashed satellite restarts after this many seconds "
                                      "(default: it stays down)")
                          ->check(number_in(1e-6, kMaxRunSeconds, " seconds"));
  cmd->add_option("--flap-links", faults.flap_rate,
                  "sim: random outages per ISL per simulated second (Poisson, from --seed)")
      ->check(number_in(0, 100, " per second"));
  a->flap_downtime = cmd->add_option("--flap-downtime", faults.flap_downtime_s,
                                     "sim: how long each random ISL outage lasts, in seconds (default 0.05)")
                         ->check(number_in(1e-6, 3600, " seconds"));
  cmd->add_option("--duplicate", faults.duplicate, "sim: probability that a frame is delivered twice")
      ->check(number_in(0, 1));
  // Beyond one in two, so few frames arrive that a run takes a very long simulated time.
  cmd->add_option("--corrupt", faults.corrupt,
                  "sim: probability that a frame arrives corrupted (the receiver's decoder drops it)")
      ->check(number_in(0, 0.5));
  add_core_knob_options(*cmd, a->request.run.core);
  cmd->add_flag("--cleanup", a->cleanup,
                "Remove what live or container runs killed with -9 left behind (agents, run directories), "
                "and run nothing else");
  // Each mode's own flags, by the prefix of their help; one given to the other mode is an
  // error rather than silently ignored.
  cmd->callback([a, cmd, &action] {
    a->misplaced.clear();
    // Container mode runs live agents: the live flags apply, but for --endpoints (always
    // tcp on each satellite's own address).
    const std::string other = a->request.mode == "sim" ? "live" : "sim:";
    for (const CLI::Option* o : cmd->get_options())
      if (o->count() > 0 && o->get_name() != "--mode" &&
          (o->get_description().rfind(other, 0) == 0 || (a->request.mode == "container" && o->get_name() == "--endpoints")))
        a->misplaced.push_back(o->get_name());
    action = [a] { return run_emulate(*a); };
  });
}

}  // namespace leomesh::cli
