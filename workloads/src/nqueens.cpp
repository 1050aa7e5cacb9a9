// N-Queens with a cutoff: the irregular divide-and-conquer workload of the paper (n=16, cutoff 8).
#include <cmath>

#include "leomesh/mesh/spec.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::workloads {
namespace {

// A partial placement: queens on rows [0, row); the masks mark attacked columns.
struct Board {
  std::uint32_t cols, diag_left, diag_right;
  std::uint8_t n, row, cutoff, pad;
};
static_assert(sizeof(Board) <= scheduler::Task::kPayloadBytes);

// Solutions below a partial placement; `nodes` counts the placements visited (the work).
std::uint64_t count_from(std::uint32_t all, std::uint32_t cols, std::uint32_t dl, std::uint32_t dr,
                         std::uint64_t& nodes) {
  ++nodes;
  if (cols == all) return 1;
  std::uint64_t count = 0;
  for (std::uint32_t free = all & ~(cols | dl | dr); free != 0;) {
    const std::uint32_t bit = free & (0u - free);
    free ^= bit;
    count += count_from(all, cols | bit, ((dl | bit) << 1) & all, (dr | bit) >> 1, nodes);
  }
  return count;
}

void nqueens_task(const scheduler::Task& t, scheduler::TaskContext& ctx) {
  const Board b = t.get<Board>();
  const std::uint32_t all = (1u << b.n) - 1;
  if (b.row >= b.cutoff) {
    ctx.reduction().sum += count_from(all, b.cols, b.diag_left, b.diag_right, ctx.reduction().aux);
    return;
  }
  ctx.reduction().aux += 1;
  for (std::uint32_t free = all & ~(b.cols | b.diag_left | b.diag_right); free != 0;) {
    const std::uint32_t bit = free & (0u - free);
    free ^= bit;
    Board child = b;
    child.cols = b.cols | bit;
    child.diag_left = ((b.diag_left | bit) << 1) & all;
    child.diag_right = (b.diag_right | bit) >> 1;
    child.row = static_cast<std::uint8_t>(b.row + 1);
    ctx.spawn(scheduler::Task::make(kNQueens, child));
  }
}

// A rough guide, not a count: the free squares of this row, each worth a subtree that shrinks
// by a constant factor per row left. Its job is to rank tasks, and a shallower placement
// always stands for more work than a deeper one; 2.5 is about the mean branching of the
// search over the rows that matter for n = 12..17.
double nqueens_estimate(const scheduler::Task& t, const void* /*env*/) {
  const Board b = t.get<Board>();
  const std::uint32_t all = (1u << b.n) - 1;
  const int free = __builtin_popcount(all & ~(b.cols | b.diag_left | b.diag_right));
  return 1.0 + free * std::pow(2.5, b.n - b.row - 1);
}

struct NQueensEnv {
  std::uint8_t n, cutoff;
};

// The board of this workload: its size and cutoff, a row within it, attacks within the board,
// one queen per row placed so far (the column mask has as many bits as rows filled).
bool nqueens_validate(const scheduler::Task& t, const void* env) {
  if (t.size != sizeof(Board)) return false;
  const Board b = t.get<Board>();
  const auto& e = *static_cast<const NQueensEnv*>(env);
  const std::uint32_t all = (1u << e.n) - 1;
  return b.n == e.n && b.cutoff == e.cutoff && b.row <= b.n && (b.cols & ~all) == 0 && (b.diag_left & ~all) == 0 &&
         (b.diag_right & ~all) == 0 && __builtin_popcount(b.cols) == b.row;
}

// OEIS A000170, n = 1..27.
constexpr std::uint64_t kKnown[] = {1ULL, 0ULL, 0ULL, 2ULL, 10ULL, 4ULL, 40ULL, 92ULL, 352ULL,
                                    724ULL, 2680ULL, 14200ULL, 73712ULL, 365596ULL, 2279184ULL,
                                    14772512ULL, 95815104ULL, 666090624ULL, 4968057848ULL,
                                    39029188884ULL, 314666222712ULL, 2691008701644ULL,
                                    24233937684440ULL, 227514171973736ULL, 2207893435808352ULL,
                                    22317699616364044ULL, 234907967154122528ULL};

}  // namespace

std::optional<std::uint64_t> nqueens_known(unsigned n) {
  if (n < 1 || n > 27) return std::nullopt;
  return kKnown[n - 1];
}

std::uint64_t nqueens_sequential(unsigned n) {
  std::uint64_t nodes = 0;
  return count_from((1u << n) - 1, 0, 0, 0, nodes);
}

namespace detail {

mesh::Result<Workload> make_nqueens(std::string_view body) {
  // Rows below the cutoff are tasks; by default the upper half of the board.
  auto parsed = parse_size_and_cutoff(body, "nqueens", 1, 27, -1, [](long long n) { return n / 2; });
  if (!parsed) return parsed.error();
  const long long n = parsed->n;
  const long long cutoff = parsed->cutoff;
  Workload w;
  w.name = "nqueens:" + std::to_string(n) + ",cutoff=" + std::to_string(cutoff);
  Board root{0, 0, 0, static_cast<std::uint8_t>(n), 0, static_cast<std::uint8_t>(cutoff), 0};
  w.roots = {scheduler::Task::make(kNQueens, root)};
  w.expected.sum = *nqueens_known(static_cast<unsigned>(n));
  w.sum_name = "solutions";
  w.aux_name = "nodes";  // the search's size: exact, but with no published reference
  w.unit = "nodes";
  w.unit_cost_s = 6.8e-9;  // measured: nqueens:14 on one worker
  auto env = std::make_shared<NQueensEnv>(NQueensEnv{static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(cutoff)});
  w.registry.set(kNQueens, nqueens_task, env.get(), nqueens_estimate, nqueens_validate);
  w.env = env;
  return w;
}

}  // namespace detail
}  // namespace leomesh::workloads
