#include "leomesh/workloads/workload.hpp"

#include "leomesh/mesh/spec.hpp"

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

std::optional<std::uint64_t> Workload::expected_work_units() const {
  return units_in_sum ? expected.sum : expected.aux;
}

namespace detail {

mesh::Result<SizeAndCutoff> parse_size_and_cutoff(std::string_view body, const std::string& name, long long n_min,
                                                  long long n_max, long long c_max,
                                                  long long (*default_cutoff)(long long n)) {
  const auto comma = body.find(',');
  auto n = mesh::parse_integer(body.substr(0, comma), "--workload " + name + ":N");
  if (!n) return n.error();
  if (*n < n_min || *n > n_max)
    return mesh::fail("--workload", name + ":N needs " + std::to_string(n_min) + " <= N <= " + std::to_string(n_max) +
                                        ", got " + std::to_string(*n));
  SizeAndCutoff r{*n, default_cutoff(*n)};
  if (comma == std::string_view::npos) return r;
  auto kv = mesh::parse_key_values(body.substr(comma + 1), "--workload");
  if (!kv) return kv.error();
  const long long limit = c_max < 0 ? *n : c_max;
  for (const auto& [key, value] : *kv) {
    if (key != "cutoff") return mesh::fail("--workload", "unknown " + name + " parameter '" + key + "' (known: cutoff)");
    auto c = mesh::parse_integer(value, "--workload " + name + " cutoff");
    if (!c) return c.error();
    if (*c < 0 || *c > limit)
      return mesh::fail("--workload", name + " cutoff must be within 0.." + std::to_string(limit) + ", got " + value);
    r.cutoff = *c;
  }
  return r;
}

}  // namespace detail

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
