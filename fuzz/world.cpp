#include "world.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/core_config.hpp"

namespace leomesh::fuzz {
namespace {

constexpr std::size_t kMenuTasks = 64;
// As many tasks as one reply carries at most (CoreConfig::max_batch): enough for the forged
// 1,000-task reply of issue 11, and a frame of them stays far below the agents' frame limit.
constexpr std::uint16_t kMaxTasks = 4096;

template <class T>
T must(mesh::Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "fuzz world: %s: %s\n", what, r.error().message().c_str());
    std::abort();
  }
  return std::move(*r);
}

// Collects what a task spawns, to walk the workload's tree from its roots.
class Collect final : public scheduler::TaskContext {
 public:
  void spawn(const scheduler::Task& child) override { children.push_back(child); }
  std::vector<scheduler::Task> children;
};

std::unique_ptr<World> build(std::uint8_t scenario) {
  static const char* const kWorkloads[] = {"uts:T1L", "fib:24", "bag:irregular,tasks=64,cost=10"};
  const bool torus = (scenario & kTopologyMask) >= kTorusRoot;
  const int self = (scenario & kTopologyMask) == kFull2Child ? 1
                   : (scenario & kTopologyMask) == kTorusCentre ? 4
                                                                 : 0;
  auto w = std::make_unique<World>(World{
      must(workloads::parse_workload(kWorkloads[((scenario & kWorkloadMask) >> kWorkloadShift) % 3]), "workload"),
      must(mesh::build_topology(torus ? "torus:3x3" : "full:2", "uniform:1ms"), "topology"),
      {}, {}, {}, {}});
  w->tree = scheduler::SpanningTree::build(w->topology, 0);
  scheduler::CoreSettings s;
  s.self = self;
  s.root = 0;
  s.policy = scenario & kGlobal ? "global" : "neighbor";
  s.workers = 2;
  if (scenario & kForget) s.knobs["remember_s"] = 0;
  if (scenario & kNoDemand) s.knobs["demand_horizon_hops"] = 0;
  w->config = must(scheduler::make_core_config(s), "core settings");

  w->menu = w->workload.roots;
  for (std::size_t i = 0; i < w->menu.size() && w->menu.size() < kMenuTasks; ++i) {
    Collect ctx;
    w->workload.registry.run(w->menu[i], ctx);
    for (const scheduler::Task& c : ctx.children)
      if (w->menu.size() < kMenuTasks) w->menu.push_back(c);
  }
  w->limits.satellites = w->topology.satellites();
  w->limits.registry = &w->workload.registry;
  return w;
}

}  // namespace

const World& world(std::uint8_t scenario) {
  // Only the bits that change the world: the rest of a scenario byte is the same world.
  static std::array<std::unique_ptr<World>, 256> worlds;
  std::unique_ptr<World>& w = worlds[scenario];
  if (!w) w = build(scenario);
  return *w;
}

scheduler::Task task_of(const World& w, std::uint8_t index, std::uint32_t forge) {
  scheduler::Task t = w.menu[index % w.menu.size()];
  if (forge != 0 && t.size >= sizeof forge) std::memcpy(t.payload.data() + t.size - sizeof forge, &forge, sizeof forge);
  return t;
}

scheduler::Weight weight_of(std::uint8_t weight) {
  if (weight == 0) return {};
  if (weight == 255) return scheduler::Weight::one();
  return scheduler::Weight::piece(weight - 1u);
}

scheduler::Message message_of(const World& w, const Step& step) {
  const int n = w.topology.satellites();
  scheduler::Message m;
  m.kind = static_cast<scheduler::MessageKind>(step.kind);
  m.src = step.src % (n + 1);
  m.dst = step.dst == 0 ? w.config.self : (step.dst - 1) % (n + 1);
  m.hops = step.hops;
  m.id = step.id;
  m.tasks.assign(std::min(step.count, kMaxTasks), task_of(w, step.task, step.forge));
  m.weight = weight_of(step.weight);
  m.load_s = step.load_100us * 1e-4;
  m.demand_hops = step.demand_hops;
  m.request_hops = step.request_hops;
  if (m.kind == scheduler::MessageKind::weight_return) m.reduction = {step.forge, step.load_100us, step.request_hops};
  return m;
}

}  // namespace leomesh::fuzz
