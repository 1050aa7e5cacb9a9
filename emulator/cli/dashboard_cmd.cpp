// `leomesh dashboard`: serves the replay of a trace on a local web page.
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "leomesh/emulator/dashboard.hpp"

namespace leomesh::cli {

void add_dashboard_command(CLI::App& app, Action& action) {
  auto o = std::make_shared<emulator::DashboardOptions>();
  CLI::App* cmd = app.add_subcommand(
      "dashboard",
      "Serve a web page that replays a trace (from `emulate --trace`), or a run of an experiment's raw.jsonl, over "
      "the constellation");
  cmd->add_option("TRACE", o->trace_path,
                  "Trace file written by `leomesh emulate --trace`, or an experiment's raw.jsonl (its ns-3 runs carry "
                  "the spread of work over time)")
      ->required();
  cmd->add_option("--run", o->run, "raw.jsonl: show the run on this line (default: the first ns-3 run)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--port", o->port, "TCP port (default 8080; 0 = any free port)")->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", o->bind, "Address to listen on (default 127.0.0.1: this machine only)");
  cmd->add_option("--frames", o->frames, "Frames the run is cut into (default 60)")->check(CLI::Range(2, 2000));
  cmd->callback([o, &action] {
    action = [o] {
      need(emulator::serve_dashboard(*o, [](const std::string& url) {
        std::printf("dashboard: %s (Ctrl-C to stop)\n", url.c_str());
        std::fflush(stdout);
      }));
      return 0;
    };
  });
}

}  // namespace leomesh::cli
