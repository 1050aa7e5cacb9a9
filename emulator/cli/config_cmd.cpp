// `leomesh config generate` and `leomesh config validate`: the per-satellite agent files.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>

#include "cli.hpp"
#include "leomesh/firmware_config/config.hpp"

namespace leomesh::cli {
namespace {

namespace fc = leomesh::firmware_config;
namespace fs = std::filesystem;

struct GenerateArgs {
  fc::GenerateOptions options;
  std::string out;
  bool no_curve = false;
};

int run_generate(GenerateArgs a) {
  fc::GenerateOptions& o = a.options;
  o.curve = !a.no_curve;
  if (a.out.empty()) throw UsageError("--out: needs a directory");
  std::error_code ec;
  // ipc sockets default to <out>/ipc, made absolute: agents may start in any directory, and
  // a relative ipc path would be resolved against each one's own.
  const bool default_ipc_dir = o.endpoint_kind == "ipc" && o.ipc_dir.empty();
  if (default_ipc_dir) o.ipc_dir = (fs::absolute(a.out, ec) / "ipc").lexically_normal().string();
  if (ec) throw UsageError("--out: " + a.out + ": " + ec.message());
  // The ground's key pair certifies every satellite's signing key: drawn here so that its
  // secret can go to keys/ground.key, never into a satellite's file.
  if (o.curve && o.sign) o.ground = need(fc::generate_signing_key_pair());
  const std::vector<config::SatelliteConfig> configs = need(fc::generate(o));

  auto written = fc::write_all(configs, a.out, o.ground ? &*o.ground : nullptr);
  if (!written) throw UsageError("--out: " + written.error().message());
  // libzmq does not create the directory of an ipc endpoint; making it here spares every
  // agent the race of creating it at start-up.
  if (o.endpoint_kind == "ipc") {
    fs::create_directories(o.ipc_dir, ec);
    if (ec) throw UsageError("--ipc-dir: " + o.ipc_dir + ": cannot create: " + ec.message());
  }
  const config::SatelliteConfig& first = configs.front();
  const std::string where =
      o.endpoint_kind == "ipc" ? "ipc sockets under " + o.ipc_dir : "tcp from " + first.endpoint();
  std::printf("wrote %zu configurations for %s to %s/sat-{0..%zu}.conf (%s peers, %s, %s)\n",
              *written, first.network().topology().c_str(), a.out.c_str(), configs.size() - 1,
              first.network().cluster() ? "all-to-all" : "ISL-neighbour", where.c_str(),
              o.curve ? "CurveZMQ and signing keys in keys/" : "CURVE OFF");
  return 0;
}

struct ValidateArgs {
  std::vector<std::string> files;
};

int run_validate(const ValidateArgs& a) {
  // Problems go to stderr, one line each, "FILE: field.path: reason"; "FILE: ok" to stdout.
  bool clean = true;
  std::vector<config::SatelliteConfig> valid;
  std::vector<std::string> valid_names;
  for (const std::string& file : a.files) {
    auto parsed = fc::parse_file(file);
    if (!parsed) {
      std::cerr << file << ": " << parsed.error().message() << "\n";
      clean = false;
      continue;
    }
    const std::vector<mesh::Error> problems = fc::validate(*parsed);
    for (const mesh::Error& e : problems) std::cerr << file << ": " << e.message() << "\n";
    if (!problems.empty()) {
      clean = false;
      continue;
    }
    valid.push_back(std::move(*parsed));
    valid_names.push_back(file);
  }
  // Files that are fine alone may still disagree with each other (one regenerated apart).
  std::vector<bool> disagrees(valid.size(), false);
  for (const fc::SetProblem& p : fc::validate_together(valid, valid_names)) {
    std::cerr << valid_names[p.index] << ": " << p.error.message() << "\n";
    disagrees[p.index] = true;
    clean = false;
  }
  for (std::size_t i = 0; i < valid.size(); ++i)
    if (!disagrees[i]) std::printf("%s: ok\n", valid_names[i].c_str());
  return clean ? 0 : 2;
}

}  // namespace

void add_config_command(CLI::App& app, Action& action) {
  CLI::App* config =
      app.add_subcommand("config", "Per-satellite agent configurations: generate, validate");
  config->require_subcommand(1);

  auto g = std::make_shared<GenerateArgs>();
  CLI::App* gen = config->add_subcommand(
      "generate", "Write sat-<id>.conf (and CurveZMQ keys) for every satellite of a topology");
  fc::GenerateOptions& o = g->options;
  gen->add_option("--topology", o.topology, "Topology (see `leomesh model --help`)")->required();
  gen->add_option("--out", g->out, "Directory for sat-<id>.conf and keys/")->required();
  gen->add_option("--links", o.links, "Link model (default: the topology's)");
  gen->add_option("--policy", o.policy, "neighbor | global | khop:K (default neighbor)");
  gen->add_option("--amount", o.amount, "half | one: how much a victim gives (default half)");
  gen->add_option("--workers", o.workers, "Worker threads per satellite (default 2)")
      ->check(CLI::Range(1, 1024));
  gen->add_option("--workload", o.workload, "Workload to run (see `leomesh run --help`)");
  gen->add_option("--inject-at", o.inject_at, "Satellite that receives the root tasks (default 0)");
  gen->add_option("--root", o.root, "Satellite that detects termination (default 0)");
  gen->add_option("--endpoints", o.endpoint_kind, "ipc | tcp (default ipc)");
  gen->add_option("--ipc-dir", o.ipc_dir, "Directory of the ipc sockets (default <out>/ipc)");
  gen->add_option("--host", o.tcp_host,
                  "Host of tcp endpoints (default 127.0.0.1); h0,h1,... puts satellite i on host i mod k");
  gen->add_option("--base-port", o.tcp_base_port, "tcp port of satellite 0; satellite i uses +i")
      ->check(CLI::Range(1, 65535));
  gen->add_option("--seed", o.seed, "Victim choice seed (default 1)")->check(whole_in(0, kMaxSeed));
  gen->add_option("--time-scale", o.time_scale, "Emulated seconds per wall second (default 1)")
      ->check(number_in(1e-3, 1e6));
  gen->add_option("--epoch", o.epoch_unix_s, "Unix time of the constellation epoch (default 0)")
      ->check(number_in(0, 1e11, " seconds"));
  gen->add_flag("--cluster", o.cluster, "Peer with every satellite, not only ISL neighbours");
  gen->add_flag("--delay-in-network", o.delay_in_network,
                "The network between the agents delays each ISL itself (an ISL emulator, or real links): "
                "agents add no latency of their own");
  gen->add_flag("--no-curve", g->no_curve, "Disable CurveZMQ (debugging only: links in clear)");
  add_core_knob_options(*gen, o.core_knobs);
  gen->callback([g, &action] { action = [g] { return run_generate(*g); }; });

  auto v = std::make_shared<ValidateArgs>();
  CLI::App* val = config->add_subcommand(
      "validate", "Check configuration files; one line per problem, exit 2 if any");
  val->add_option("FILE", v->files, "sat-<id>.conf files")->required();
  val->callback([v, &action] { action = [v] { return run_validate(*v); }; });
}

}  // namespace leomesh::cli
