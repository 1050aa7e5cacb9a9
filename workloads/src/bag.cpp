// Synthetic bags of independent tasks: balanced (equal costs) and irregular (heavy-tailed).
#include <cmath>

#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/rng.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::workloads {
namespace {

struct BagEnv {
  bool irregular;
  std::uint64_t cost;  // work units of a balanced task; the scale of irregular ones
  std::uint64_t seed;
  std::uint64_t tasks;  // the bag's size: every range lies within [0, tasks)
};

struct Range {
  std::uint64_t lo, hi;  // task indices [lo, hi)
};

// Pareto(alpha = 1.5) costs, capped at 1000x the scale: a few tasks dominate, as with
// onboard jobs of very different sizes. Mean ~ 3x the scale before the cap.
std::uint64_t task_cost(const BagEnv& env, std::uint64_t index) {
  if (!env.irregular) return env.cost;
  scheduler::Rng rng(env.seed * 0x2545F4914F6CDD1DULL + index);
  const double u = rng.unit();
  const double factor = std::min(1000.0, std::pow(1.0 - u, -1.0 / 1.5));
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(static_cast<double>(env.cost) * factor));
}

// One work unit is a few dozen cycles of integer mixing that the compiler cannot elide.
void burn(std::uint64_t units, std::uint64_t salt) {
  std::uint64_t x = salt;
  for (std::uint64_t i = 0; i < units; ++i) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 29;
  }
  asm volatile("" : : "r"(x));
}

// Ranges split in halves until single tasks, so the bag is a tree thieves can take whole
// halves of, like a parallel loop.
void bag_task(const scheduler::Task& t, scheduler::TaskContext& ctx) {
  Range r = t.get<Range>();
  while (r.hi - r.lo > 1) {
    const std::uint64_t mid = r.lo + (r.hi - r.lo) / 2;
    ctx.spawn(scheduler::Task::make(kBagRange, Range{mid, r.hi}));
    r.hi = mid;
  }
  const BagEnv& env = ctx.env<BagEnv>();
  const std::uint64_t cost = task_cost(env, r.lo);
  burn(cost, r.lo);
  ctx.reduction().sum += 1;
  ctx.reduction().aux += cost;
}

// A range of tasks stands for its length times a task's expected cost: exact for balanced
// bags; for irregular ones E[min(X, 1000)] of the Pareto(1.5) factor, 3 - 2/sqrt(1000).
double bag_estimate(const scheduler::Task& t, const void* env) {
  const auto& bag = *static_cast<const BagEnv*>(env);
  const Range r = t.get<Range>();
  const double factor = bag.irregular ? 3.0 - 2.0 / std::sqrt(1000.0) : 1.0;
  return static_cast<double>(r.hi - r.lo) * static_cast<double>(bag.cost) * factor;
}

bool bag_validate(const scheduler::Task& t, const void* env) {
  if (t.size != sizeof(Range)) return false;
  const Range r = t.get<Range>();
  return r.lo < r.hi && r.hi <= static_cast<const BagEnv*>(env)->tasks;
}

}  // namespace

namespace detail {

mesh::Result<Workload> make_bag(std::string_view body) {
  const auto comma = body.find(',');
  const std::string_view shape = body.substr(0, comma);
  if (shape != "balanced" && shape != "irregular")
    return mesh::fail("--workload", "bag needs a shape: bag:balanced,... or bag:irregular,..., got '" + std::string(shape) + "'");
  long long tasks = -1, cost = -1, seed = 1;
  if (comma != std::string_view::npos) {
    auto kv = mesh::parse_key_values(body.substr(comma + 1), "--workload");
    if (!kv) return kv.error();
    for (const auto& [key, value] : *kv) {
      long long* field = key == "tasks" ? &tasks : key == "cost" ? &cost : key == "seed" ? &seed : nullptr;
      if (!field) return mesh::fail("--workload", "unknown bag parameter '" + key + "' (known: tasks, cost, seed)");
      auto v = mesh::parse_integer(value, "--workload bag " + key);
      if (!v) return v.error();
      *field = *v;
    }
  }
  if (tasks < 1 || tasks > 1'000'000'000) return mesh::fail("--workload", "bag needs tasks=K with 1 <= K <= 1e9");
  if (cost < 1 || cost > 1'000'000'000) return mesh::fail("--workload", "bag needs cost=C work units with 1 <= C <= 1e9");
  if (seed < 0) return mesh::fail("--workload", "bag seed must be >= 0");
  auto env = std::make_shared<BagEnv>(BagEnv{shape == "irregular", static_cast<std::uint64_t>(cost),
                                             static_cast<std::uint64_t>(seed), static_cast<std::uint64_t>(tasks)});
  Workload w;
  w.name = "bag:" + std::string(shape) + ",tasks=" + std::to_string(tasks) + ",cost=" + std::to_string(cost) +
           (env->irregular ? ",seed=" + std::to_string(seed) : "");
  w.roots = {scheduler::Task::make(kBagRange, Range{0, static_cast<std::uint64_t>(tasks)})};
  w.expected.sum = static_cast<std::uint64_t>(tasks);
  std::uint64_t work = 0;
  for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(tasks); ++i) work += task_cost(*env, i);
  w.expected.aux = work;
  w.sum_name = "tasks";
  w.aux_name = "work units";
  w.unit = "work units";
  w.unit_cost_s = 1.9e-9;  // measured: bag:balanced,tasks=10000,cost=100000 on one worker
  w.registry.set(kBagRange, bag_task, env.get(), bag_estimate, bag_validate);
  w.env = env;
  return w;
}

}  // namespace detail
}  // namespace leomesh::workloads
