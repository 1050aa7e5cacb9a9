#include "cli.hpp"

namespace leomesh::cli {

emulator::RunSummary emulate(const EmulationRequest& r, const workloads::Workload& w) {
  if (r.mode == "live") {
    emulator::LiveOptions o = r.live;
    static_cast<emulator::RunOptions&>(o) = r.run;
    o.workload = r.workload;
    return need(emulator::run_live(o, w));
  }
  emulator::SimOptions o = r.sim;
  static_cast<emulator::RunOptions&>(o) = r.run;
  return need(emulator::run_sim(o, w));
}

}  // namespace leomesh::cli
