// UTS as tasks: one task per tree node, as in the reference's parallel versions.
#include "leomesh/workloads/uts.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::workloads {
namespace {

// A node with its child count already known (4 spare payload bytes hold it).
struct UtsTaskArgs {
  UtsNode node;
  std::int32_t children;
};
static_assert(sizeof(UtsTaskArgs) <= scheduler::Task::kPayloadBytes);

// Four in five nodes of the sample trees are leaves. A parent has just hashed each child's
// state, so it can tell a leaf from its count alone and tally it on the spot; only inner
// nodes become tasks. That keeps the per-task cost (deque push, pop, call) off 80% of the
// tree without changing which nodes exist or how they are counted.
void uts_task(const scheduler::Task& t, scheduler::TaskContext& ctx) {
  const UtsModel& model = ctx.env<UtsModel>();
  const UtsTaskArgs args = t.get<UtsTaskArgs>();
  scheduler::Reduction& r = ctx.reduction();
  const auto height = static_cast<std::uint64_t>(args.node.height);
  if (args.children == 0) {
    r.sum += 1;
    r.aux += 1;
    r.max = std::max(r.max, height);
    return;
  }
  std::uint64_t leaves = 0;
  for (int i = 0; i < args.children; ++i) {
    const UtsNode child = uts_child(model.params(), args.node, i);
    const int grandchildren = model.num_children(child);
    if (grandchildren == 0) {
      ++leaves;
      continue;
    }
    ctx.spawn(scheduler::Task::make(kUts, UtsTaskArgs{child, grandchildren}));
  }
  // This node and its leaf children; the leaves sit one level deeper.
  r.sum += 1 + leaves;
  r.aux += leaves;
  r.max = std::max(r.max, leaves ? height + 1 : height);
}

// A node whose child count is known stands for itself and its children's expected subtrees.
double uts_estimate(const scheduler::Task& t, const void* env) {
  const UtsTaskArgs args = t.get<UtsTaskArgs>();
  const auto& model = *static_cast<const UtsModel*>(env);
  return 1.0 + args.children * model.expected_subtree(args.node.height + 1);
}

// A node's child count is a function of its state alone: recompute it. That refuses a forged
// count (say 2^31 - 1 children: unbounded work) whatever the state claims to be.
bool uts_validate(const scheduler::Task& t, const void* env) {
  if (t.size != sizeof(UtsTaskArgs)) return false;
  const UtsTaskArgs args = t.get<UtsTaskArgs>();
  const auto& model = *static_cast<const UtsModel*>(env);
  return args.node.height >= 0 && args.children == model.num_children(args.node);
}

}  // namespace

namespace detail {

mesh::Result<Workload> make_uts(std::string_view body) {
  auto spec = parse_uts_spec(body);
  if (!spec) return spec.error();
  auto env = std::make_shared<UtsModel>(spec->params);
  Workload w;
  w.name = "uts:" + (spec->sample.empty() ? to_uts_spec(spec->params) : spec->sample);
  const UtsNode root = uts_root(spec->params);
  w.roots = {scheduler::Task::make(kUts, UtsTaskArgs{root, env->num_children(root)})};
  if (spec->expected) {
    w.expected.sum = spec->expected->nodes;
    w.expected.aux = spec->expected->leaves;
    if (spec->expected->max_depth) w.expected.max = static_cast<std::uint64_t>(*spec->expected->max_depth);
  }
  w.sum_name = "nodes";
  w.aux_name = "leaves";
  w.max_name = "depth";
  w.unit = "nodes";
  w.units_in_sum = true;
  w.unit_cost_s = 88e-9;  // measured: uts:T1 on one worker, 11.3 M nodes/s (one SHA-1 each)
  w.registry.set(kUts, uts_task, env.get(), uts_estimate, uts_validate);
  w.env = env;
  return w;
}

}  // namespace detail
}  // namespace leomesh::workloads
