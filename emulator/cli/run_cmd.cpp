// `leomesh run`: one satellite in-process, the threaded pool running a workload to the end.
#include <chrono>
#include <cstdio>
#include <memory>

#include "cli.hpp"
#include "leomesh/node/thread_pool.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::cli {
namespace {

using nlohmann::json;

struct RunArgs {
  std::string workload;
  int workers = 1;
  std::string json_path;
};

int run_local(const RunArgs& a) {
  const workloads::Workload w = need(workloads::parse_workload(a.workload));
  check_writable(a.json_path);
  node::ThreadPool pool(w.registry, static_cast<std::size_t>(a.workers));
  const auto t0 = std::chrono::steady_clock::now();
  pool.submit(w.roots.data(), w.roots.size());
  pool.wait_idle();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const scheduler::Reduction r = pool.reduction();
  const bool verified = w.verify(r);
  const node::PoolStats stats = pool.stats();
  const double rate = static_cast<double>(w.work_units(r)) / seconds;

  json j{{"workload", w.name},
         {"mode", "local"},
         {"policy", nullptr},
         {"topology", nullptr},
         {"satellites", 1},
         {"workers_per_satellite", a.workers},
         {"result", r.sum},
         {"expected", w.expected.sum ? json(*w.expected.sum) : json(nullptr)},
         {"verified", verified},
         {"makespan_s", seconds},
         {"throughput_per_s", rate},
         {"throughput_unit", w.unit},
         {"steals", {{"attempts", 0}, {"successes", 0}, {"mean_latency_s", nullptr}, {"mean_hops", nullptr}}},
         {"local_steals", stats.total.steals}};
  if (!w.aux_name.empty()) j[w.aux_name] = r.aux;
  if (!w.max_name.empty()) j[w.max_name] = r.max;
  json workers = json::array();
  for (const auto& ws : stats.workers)
    workers.push_back({{"executed", ws.executed}, {"steals", ws.steals}, {"parks", ws.parks}});
  j["per_satellite"] = json::array({{{"satellite", 0}, {"tasks_executed", stats.total.executed}, {"workers", workers}}});

  if (!a.json_path.empty()) write_json(j, a.json_path);
  if (a.json_path != "-") {
    std::printf("workload    %s on %d worker%s\n", w.name.c_str(), a.workers, a.workers == 1 ? "" : "s");
    std::printf("result      %llu %s", static_cast<unsigned long long>(r.sum), w.sum_name.c_str());
    if (!w.aux_name.empty()) std::printf(", %llu %s", static_cast<unsigned long long>(r.aux), w.aux_name.c_str());
    if (!w.max_name.empty()) std::printf(", %s %llu", w.max_name.c_str(), static_cast<unsigned long long>(r.max));
    std::printf("\nexpected    ");
    if (w.expected.sum) {
      std::printf("%llu", static_cast<unsigned long long>(*w.expected.sum));
    } else {
      std::printf("unknown");
    }
    std::printf("\nverified    %s\n", verified ? "yes" : (w.expected.sum ? "NO: result differs" : "no reference"));
    std::printf("time        %.3f s\n", seconds);
    std::printf("throughput  %.3g %s/s (%llu tasks, %llu local steals)\n", rate, w.unit.c_str(),
                static_cast<unsigned long long>(stats.total.executed),
                static_cast<unsigned long long>(stats.total.steals));
  }
  // A wrong answer is a failed run, not bad input.
  return verified || !w.expected.sum ? 0 : 1;
}

}  // namespace

void add_run_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Run a workload on one satellite in this process");
  run->add_option("--workload", args->workload,
                  "fib:N[,cutoff=C] | nqueens:N[,cutoff=C] | uts:T1 (any UTS 2.1 sample tree) | "
                  "uts:t=1,a=3,d=10,b=4,r=19 | bag:balanced|irregular,tasks=K,cost=C[,seed=S]")
      ->required();
  run->add_option("--workers", args->workers, "Worker threads")->check(CLI::Range(1, 1024));
  run->add_option("--json", args->json_path, "Write the result as JSON to FILE, or - for stdout");
  run->callback([args, &action] { action = [args] { return run_local(*args); }; });
}

}  // namespace leomesh::cli
