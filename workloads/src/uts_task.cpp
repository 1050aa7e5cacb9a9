// UTS as tasks: one task per tree node, as in the reference's parallel versions.
#include "leomesh/workloads/uts.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::workloads {
namespace {

void uts_task(const scheduler::Task& t, scheduler::TaskContext& ctx) {
  const UtsModel& model = ctx.env<UtsModel>();
  const UtsNode node = t.get<UtsNode>();
  scheduler::Reduction& r = ctx.reduction();
  r.sum += 1;
  r.max = std::max<std::uint64_t>(r.max, static_cast<std::uint64_t>(node.height));
  const int children = model.num_children(node);
  if (children == 0) {
    r.aux += 1;
    return;
  }
  for (int i = 0; i < children; ++i) ctx.spawn(scheduler::Task::make(kUts, uts_child(model.params(), node, i)));
}

}  // namespace

namespace detail {

mesh::Result<Workload> make_uts(std::string_view body) {
  auto spec = parse_uts_spec(body);
  if (!spec) return spec.error();
  auto env = std::make_shared<UtsModel>(spec->params);
  Workload w;
  w.name = "uts:" + (spec->sample.empty() ? to_uts_spec(spec->params) : spec->sample);
  w.roots = {scheduler::Task::make(kUts, uts_root(spec->params))};
  if (spec->expected) {
    w.expected.sum = spec->expected->nodes;
    w.expected.aux = spec->expected->leaves;
    if (spec->expected->max_depth) w.expected.max = static_cast<std::uint64_t>(*spec->expected->max_depth);
  }
  w.sum_name = "nodes";
  w.aux_name = "leaves";
  w.max_name = "depth";
  w.unit = "nodes";
  w.registry.set(kUts, uts_task, env.get());
  w.env = env;
  return w;
}

}  // namespace detail
}  // namespace leomesh::workloads
