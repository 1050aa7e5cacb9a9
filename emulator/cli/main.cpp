// leomesh: the command line of the constellation work-stealing runtime.
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"leomesh: work stealing on emulated LEO satellite constellations"};
  app.require_subcommand(1);
  leomesh::cli::Action action;
  leomesh::cli::add_model_commands(app, action);
  leomesh::cli::add_run_command(app, action);
  leomesh::cli::add_config_command(app, action);
  leomesh::cli::add_emulate_command(app, action);
  leomesh::cli::add_experiment_command(app, action);
  leomesh::cli::add_dashboard_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError& e) {
    std::cerr << "leomesh: unknown command or argument: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    // One line naming what is wrong; the contract's exit code for bad input is 2.
    std::cerr << "leomesh: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    return action ? action() : 0;
  } catch (const leomesh::cli::UsageError& e) {
    std::cerr << "leomesh: " << e.what() << "\n";
    return 2;
  }
}
