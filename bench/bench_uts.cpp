// UTS T1 on the threaded pool vs a plain sequential traversal in the same binary.
// Goals (issue #3): 1 worker >= 0.9 of the sequential rate; 2 workers >= 1.7x.
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>
#include <chrono>
#include <cstdio>
#include <vector>

#include "leomesh/node/thread_pool.hpp"
#include "leomesh/workloads/uts.hpp"
#include "leomesh/workloads/workload.hpp"

using namespace leomesh;
using Clock = std::chrono::steady_clock;

namespace {
double best_of(int reps, const std::function<void()>& f) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  const char* tree = argc > 1 ? argv[1] : "T1";
  const int reps = argc > 2 ? std::atoi(argv[2]) : 3;
  auto w = workloads::parse_workload(std::string("uts:") + tree);
  auto sample = workloads::uts_sample_tree(tree);
  if (!w || !sample) {
    std::fprintf(stderr, "bench_uts: unknown sample tree %s\n", tree);
    return 2;
  }
  std::uint64_t nodes = 0;
  const double seq = best_of(reps, [&] { nodes = workloads::uts_count_sequential(sample->params).nodes; });
  std::printf("UTS %s: %llu nodes\n", tree, static_cast<unsigned long long>(nodes));
  std::printf("  sequential traversal : %7.3f s  %6.2f Mnodes/s\n", seq, nodes / seq / 1e6);
  for (std::size_t workers : {1, 2}) {
    node::ThreadPool pool(w->registry, workers);
    scheduler::Reduction r;
    const double t = best_of(reps, [&] {
      pool.reset_reduction();
      pool.submit(w->roots.data(), w->roots.size());
      pool.wait_idle();
      r = pool.reduction();
    });
    std::printf("  leomesh, %zu worker%s    : %7.3f s  %6.2f Mnodes/s  ratio vs sequential %.3f (goal %s)%s\n",
                workers, workers == 1 ? " " : "s", t, r.sum / t / 1e6, seq / t,
                workers == 1 ? ">= 0.9" : ">= 1.7", w->verify(r) ? "" : "  WRONG RESULT");
  }
  return 0;
}
