// leomesh-agent: runs one satellite's agent from its configuration file.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/node/agent.hpp"
#include "leomesh/node/transport.hpp"

namespace {

// Under Slurm every task of a job step runs the same command line; "{id}" in the config path
// becomes the task's rank, so one batch script starts a whole constellation.
std::string expand_id(std::string path, const std::string& id) {
  const std::string key = "{id}";
  for (auto at = path.find(key); at != std::string::npos; at = path.find(key)) path.replace(at, key.size(), id);
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"leomesh-agent: the work-stealing agent of one satellite"};
  std::string config_path;
  std::string id;
  app.add_option("--config", config_path,
                 "Satellite configuration (Protobuf text format). \"{id}\" in the path is replaced "
                 "by --id or, under Slurm, by SLURM_PROCID")
      ->required();
  app.add_option("--id", id, "Satellite id substituted for {id} in the config path");
  bool exit_when_done = false;
  double linger_s = 2.0;
  app.add_flag("--exit-when-done", exit_when_done,
               "Exit by itself once the run is over (batch jobs), after --linger seconds");
  app.add_option("--linger", linger_s, "Seconds to keep forwarding after the run is over")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            // CLI::Range lets NaN through (every comparison with it is false).
            char* end = nullptr;
            const double v = std::strtod(text.c_str(), &end);
            if (!text.empty() && *end == '\0' && std::isfinite(v) && v >= 0 && v <= 3600) return {};
            return "must be a number of seconds from 0 to 3600, got '" + text + "'";
          },
          "SECONDS"));
  std::uint64_t epoch = 1;
  app.add_option("--incarnation", epoch,
                 "Crash recovery: this agent's incarnation, 1 for the first life; an agent restarted "
                 "during a run needs a number it never had (the launcher's --restart-crashed counts them)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "leomesh-agent: " << e.what() << " (see --help)\n";
    return 2;
  }
  if (config_path.find("{id}") != std::string::npos) {
    if (id.empty()) {
      const char* rank = std::getenv("SLURM_PROCID");
      if (!rank) {
        std::cerr << "leomesh-agent: --config: path contains {id} but neither --id nor SLURM_PROCID is set\n";
        return 2;
      }
      id = rank;
    }
    config_path = expand_id(config_path, id);
  }
  auto cfg = leomesh::firmware_config::load(config_path);
  if (!cfg) {
    std::cerr << "leomesh-agent: " << config_path << ": " << cfg.error().message() << "\n";
    return 2;
  }
  auto agent = leomesh::node::Agent::create(*cfg, exit_when_done, linger_s, epoch);
  if (!agent) {
    std::cerr << "leomesh-agent: " << config_path << ": " << agent.error().message() << "\n";
    return 2;
  }
  try {
    return (*agent)->run();
  } catch (const leomesh::node::BindError& e) {
    std::cerr << "leomesh-agent: " << config_path << ": endpoint " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    // e.g. an endpoint that cannot be bound (in use, no permission).
    std::cerr << "leomesh-agent: " << config_path << ": " << e.what() << "\n";
    return 1;
  }
}
