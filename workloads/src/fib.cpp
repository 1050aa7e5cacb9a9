// Fibonacci with a sequential cutoff: the balanced workload of the paper (fib(62), cutoff 32).
#include "leomesh/mesh/spec.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::workloads {
namespace {

struct FibArgs {
  std::uint32_t n;
};

// Measured: fib:40,cutoff=30 on one worker, 0.39 ns per call (the compiler turns much of the
// sequential recursion into loops).
constexpr double kFibCallCost = 0.39e-9;

struct FibEnv {
  std::uint32_t cutoff;
  std::uint32_t n;  // the root's: no call of this workload is larger
};

// Deliberately the exponential recursion: a leaf's cost is real CPU work proportional to
// the size of the subtree it stands for, as in the paper's benchmark.
std::uint64_t fib_sequential(std::uint32_t n) {
  return n < 2 ? n : fib_sequential(n - 1) + fib_sequential(n - 2);
}

void fib_task(const scheduler::Task& t, scheduler::TaskContext& ctx) {
  const std::uint32_t n = t.get<FibArgs>().n;
  if (n < ctx.env<FibEnv>().cutoff || n < 2) {
    ctx.reduction().sum += fib_sequential(n);
    ctx.reduction().aux += 2 * fibonacci(n + 1) - 1;  // calls the sequential recursion made
    return;
  }
  ctx.reduction().aux += 1;
  ctx.spawn(scheduler::Task::make(kFib, FibArgs{n - 1}));
  ctx.spawn(scheduler::Task::make(kFib, FibArgs{n - 2}));
}

// Exact: fib(n) and all it spawns make 2 fib(n+1) - 1 calls, whatever the cutoff. In double,
// which holds the count's magnitude up to n = 92 (it passes 2^64 beyond n = 91).
double fib_estimate(const scheduler::Task& t, const void* /*env*/) {
  return 2.0 * static_cast<double>(fibonacci(t.get<FibArgs>().n + 1)) - 1.0;
}

bool fib_validate(const scheduler::Task& t, const void* env) {
  return t.size == sizeof(FibArgs) && t.get<FibArgs>().n <= static_cast<const FibEnv*>(env)->n;
}

}  // namespace

std::uint64_t fibonacci(unsigned n) {
  std::uint64_t a = 0, b = 1;
  for (unsigned i = 0; i < n; ++i) {
    const std::uint64_t next = a + b;
    a = b;
    b = next;
  }
  return a;
}

namespace detail {

mesh::Result<Workload> make_fib(std::string_view body) {
  // N <= 92: fib(N) fits 64 bits. The default cutoff 2 makes every call a task.
  auto parsed = parse_size_and_cutoff(body, "fib", 0, 92, 92, [](long long) { return 2LL; });
  if (!parsed) return parsed.error();
  const long long n = parsed->n;
  const long long cutoff = parsed->cutoff;
  auto env = std::make_shared<FibEnv>(FibEnv{static_cast<std::uint32_t>(cutoff), static_cast<std::uint32_t>(n)});
  Workload w;
  w.name = "fib:" + std::to_string(n) + ",cutoff=" + std::to_string(cutoff);
  w.roots = {scheduler::Task::make(kFib, FibArgs{static_cast<std::uint32_t>(n)})};
  w.expected.sum = fibonacci(static_cast<unsigned>(n));
  // The recursion makes 2 fib(n+1) - 1 calls whatever the cutoff (the count overflows 64 bits
  // beyond n = 91).
  if (n <= 91) w.expected.aux = 2 * fibonacci(static_cast<unsigned>(n) + 1) - 1;
  w.sum_name = "fib";
  w.aux_name = "calls";
  w.unit = "calls";
  w.unit_cost_s = kFibCallCost;
  w.registry.set(kFib, fib_task, env.get(), fib_estimate, fib_validate);
  w.env = env;
  return w;
}

}  // namespace detail
}  // namespace leomesh::workloads
