#include "leomesh/workloads/workload.hpp"

#include <string>

namespace leomesh::workloads {

bool Workload::verify(const scheduler::Reduction& got) const {
  if (!expected.sum) return false;
  return got.sum == *expected.sum && (!expected.aux || got.aux == *expected.aux) &&
         (!expected.max || got.max == *expected.max);
}

std::uint64_t Workload::work_units(const scheduler::Reduction& r) const {
  return units_in_sum ? r.sum : r.aux;
}

mesh::Result<Workload> parse_workload(std::string_view spec) {
  const auto colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const std::string_view body = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  mesh::Result<Workload> w = mesh::fail("--workload", "");
  if (kind == "fib") {
    w = detail::make_fib(body);
  } else if (kind == "nqueens") {
    w = detail::make_nqueens(body);
  } else if (kind == "uts") {
    w = detail::make_uts(body);
  } else if (kind == "bag") {
    w = detail::make_bag(body);
  } else {
    return mesh::fail("--workload", "unknown workload '" + std::string(spec) +
                                        "' (expected fib:N, nqueens:N, uts:T1 or uts:t=..., bag:...)");
  }
  return w;
}

}  // namespace leomesh::workloads
