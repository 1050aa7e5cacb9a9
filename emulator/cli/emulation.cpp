#include "cli.hpp"
#include "leomesh/emulator/live.hpp"

namespace leomesh::cli {

emulator::RunSummary emulate(const EmulationRequest& r, const workloads::Workload& w) {
  if (r.mode == "live") {
    emulator::LiveOptions o;
    o.topology = r.topology;
    o.links = r.links;
    o.policy = r.policy;
    o.amount = r.amount;
    o.workload = r.workload;
    o.workers = r.workers;
    o.inject_at = r.inject_at;
    o.seed = r.seed;
    o.endpoints = r.endpoints;
    o.tcp_base_port = r.tcp_base_port;
    o.time_scale = r.time_scale;
    o.timeout_s = r.timeout_s;
    return need(emulator::run_live(o, w));
  }
  emulator::SimOptions o = r.sim;
  o.topology = r.topology;
  o.links = r.links;
  o.policy = r.policy;
  o.amount = r.amount;
  o.workers = r.workers;
  o.inject_at = r.inject_at;
  o.seed = r.seed;
  return need(emulator::run_sim(o, w));
}

}  // namespace leomesh::cli
