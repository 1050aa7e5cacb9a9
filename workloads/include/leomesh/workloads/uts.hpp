// UTS, the Unbalanced Tree Search benchmark (UTS 2.1), as a pure library.
//
// UTS trees are implicit: a node is a 20-byte SHA-1 state plus its height, and a node's number
// of children is a function of that state and of the tree parameters alone. Any worker holding
// a node can therefore expand it without talking to anyone, and the node count, leaf count and
// maximum depth of a tree are fixed numbers that the UTS authors published for a set of named
// sample trees. That makes UTS the irregular reference workload of leomesh: a scheduler that
// loses or duplicates a single task gets a count that differs from the published one.
//
// Reference: S. Olivier, J. Huan, J. Liu, J. Prins, J. Dinan, P. Sadayappan, C.-W. Tseng,
// "UTS: An Unbalanced Tree Search Benchmark", LCPC 2006; the UTS 2.1 distribution (uts.c,
// uts.h, rng/brg_sha1.c, sample_trees.sh). This module reproduces its tree generation rules
// exactly; see workloads/README.md for what is verified and how.
//
// Nothing here knows about threads, satellites or transports: expanding a node is a pure
// function, and the sequential count is the single-core baseline the runtime is measured
// against.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <leomesh/mesh/result.hpp>

namespace leomesh::workloads {

/// How a node's number of children is drawn (UTS flag -t).
enum class UtsTree : std::int8_t {
  binomial = 0,   ///< root has floor(b) children; every other node m children with prob. q
  geometric = 1,  ///< geometric distribution whose mean b_i follows the shape (-a) in depth
  hybrid = 2,     ///< geometric above height f*d, binomial from there down
  balanced = 3,   ///< every node above height d has exactly (int)b children
};

/// How the expected branching factor b_i of a geometric node varies with its depth (flag -a).
enum class UtsShape : std::int8_t {
  linear = 0,   ///< b_i = b * (1 - depth/d): shrinks to 0 at depth d
  exp_dec = 1,  ///< b_i = b * depth^(-ln b / ln d): polynomial decrease, b_i = 1 at depth d
  cyclic = 2,   ///< b_i = b^sin(2*pi*depth/d): alternating growth and decay, cut at 5d
  fixed = 3,    ///< b_i = b above depth d, 0 from depth d on
};

/// Cap on the children of one node (UTS MAXNUMCHILDREN). The root of a binomial tree and every
/// node of a balanced tree are exempt, as in the reference.
inline constexpr int uts_max_children = 100;

/// Every parameter of a UTS 2.1 tree, with the reference defaults.
///
/// The defaults describe the UTS default tree (geometric, linear shape, b=4, d=6, seed 0), which
/// has 1,732 nodes. Parameters a tree type does not use are ignored by it (binomial trees ignore
/// d, a and f; geometric trees ignore m, q and f; balanced trees use only b and d).
///
/// | member               | flag | UTS name    | default |
/// |----------------------|------|-------------|---------|
/// | tree                 | t    | type        | 1       |
/// | root_branching       | b    | b_0         | 4.0     |
/// | nonleaf_children     | m    | nonLeafBF   | 4       |
/// | nonleaf_probability  | q    | nonLeafProb | 15/64   |
/// | root_seed            | r    | rootId      | 0       |
/// | depth_limit          | d    | gen_mx      | 6       |
/// | shape                | a    | shape_fn    | 0       |
/// | shift_fraction       | f    | shiftDepth  | 0.5     |
struct UtsParams {
  UtsTree tree = UtsTree::geometric;         ///< t: tree type
  double root_branching = 4.0;               ///< b: b_0, children of the root / mean b_i
  std::int32_t nonleaf_children = 4;         ///< m: children of a binomial non-leaf
  double nonleaf_probability = 15.0 / 64.0;  ///< q: probability a binomial node has m
  std::int32_t root_seed = 0;                ///< r: seed hashed into the root state
  std::int32_t depth_limit = 6;              ///< d: gen_mx, the depth the shape refers to
  UtsShape shape = UtsShape::linear;         ///< a: geometric shape function
  double shift_fraction = 0.5;               ///< f: hybrid switches at height f*d

  friend bool operator==(const UtsParams& x, const UtsParams& y) {
    return x.tree == y.tree && x.root_branching == y.root_branching &&
           x.nonleaf_children == y.nonleaf_children &&
           x.nonleaf_probability == y.nonleaf_probability && x.root_seed == y.root_seed &&
           x.depth_limit == y.depth_limit && x.shape == y.shape &&
           x.shift_fraction == y.shift_fraction;
  }
  friend bool operator!=(const UtsParams& x, const UtsParams& y) { return !(x == y); }
};

/// One tree node: the SHA-1 state it was spawned with and its height (root = 0).
///
/// 24 bytes, trivially copyable: a node is a complete task description and can be copied into
/// a deque, a steal batch or a network message as it is.
///
///   UtsParams p;                                   // the default tree
///   UtsNode root = uts_root(p);
///   for (int i = 0; i < uts_num_children(p, root); ++i) {
///     UtsNode child = uts_child(p, root, i);       // height 1, state SHA-1(root.state, i)
///   }
struct UtsNode {
  std::array<std::uint8_t, 20> state;  ///< SHA-1 digest that drives this node's randomness
  std::int32_t height;                 ///< distance from the root
};
static_assert(sizeof(UtsNode) == 24, "UtsNode must stay a packed 24-byte task descriptor");

/// The root: state = SHA-1(16 zero bytes, root_seed as 4 bytes big-endian), height 0.
UtsNode uts_root(const UtsParams& params);

/// Child number `i` of `parent`: state = SHA-1(parent.state, i as 4 bytes big-endian).
/// `params` does not enter the state; it is taken so that all node functions read alike.
UtsNode uts_child(const UtsParams& params, const UtsNode& parent, int i);

/// The number of children of `node`, in [0, uts_max_children] except for the exempt nodes.
/// Deterministic: the same node always has the same number of children.
int uts_num_children(const UtsParams& params, const UtsNode& node);

/// The node's 31-bit random value: bytes 16..19 of its state, big-endian, masked to 0x7FFFFFFF.
std::int32_t uts_random(const UtsNode& node);

/// `uts_random(node)` as a probability in [0, 1): the value divided by 2^31.
double uts_probability(const UtsNode& node);

/// A tree's parameters with the per-depth constants of the geometric draw precomputed: what a
/// task reads at every node. Immutable after construction, so any number of threads may share
/// one. Gives exactly uts_num_children().
///
///   const UtsModel model(params);
///   int n = model.num_children(node);
class UtsModel {
 public:
  explicit UtsModel(const UtsParams& params);
  const UtsParams& params() const { return params_; }
  int num_children(const UtsNode& node) const;
  /// The expected number of nodes in the subtree of a node at `height` (the node itself
  /// included), from the mean branching per depth of the tree's shape: what a task standing
  /// for such a node is worth to a scheduler deciding how to share work.
  double expected_subtree(int height) const;

 private:
  UtsParams params_;
  std::vector<double> denominators_;  // log(1 - p) per depth
  std::vector<double> subtree_;       // expected_subtree per depth, one past the last = 1
};

/// The result of traversing a tree or a subtree.
struct UtsCount {
  std::uint64_t nodes = 0;   ///< every node visited, the start node included
  std::uint64_t leaves = 0;  ///< nodes with no children
  int max_depth = 0;         ///< greatest height seen (absolute: root = 0)

  /// Adds the counts of a disjoint part of the same tree (the max of the depths).
  void merge(const UtsCount& other) {
    nodes += other.nodes;
    leaves += other.leaves;
    if (other.max_depth > max_depth) max_depth = other.max_depth;
  }
  friend bool operator==(const UtsCount& x, const UtsCount& y) {
    return x.nodes == y.nodes && x.leaves == y.leaves && x.max_depth == y.max_depth;
  }
  friend bool operator!=(const UtsCount& x, const UtsCount& y) { return !(x == y); }
};

/// Counts the subtree below `start` (inclusive) on the calling thread.
///
/// Depth-first with an explicit stack whose memory grows with the depth of the tree, never with
/// its size, and with no allocation per node: binomial trees thousands of levels deep (T3 has
/// 1,572, T3L 17,844, T2XXL 216,370) cannot overflow the call stack.
UtsCount uts_count_subtree(const UtsParams& params, const UtsNode& start);

/// Counts the whole tree sequentially: the single-core baseline. Same as
/// `uts_count_subtree(params, uts_root(params))`.
UtsCount uts_count_sequential(const UtsParams& params);

/// The published result of a sample tree. UTS publishes the node count of every sample tree,
/// but leaves and depth only for some of them.
struct UtsExpected {
  std::uint64_t nodes = 0;
  std::optional<std::uint64_t> leaves;
  std::optional<int> max_depth;

  /// True when `count` agrees with every published number.
  bool matches(const UtsCount& count) const {
    return count.nodes == nodes && (!leaves || *leaves == count.leaves) &&
           (!max_depth || *max_depth == count.max_depth);
  }
};

/// A named sample tree of UTS 2.1 sample_trees.sh, or "default" for the UTS default tree.
struct UtsSample {
  std::string_view name;   ///< "T1", "T3L", ..., as in sample_trees.sh
  std::string_view flags;  ///< the uts command-line flags sample_trees.sh gives for it
  UtsParams params;
  UtsExpected expected;
};

/// Every known sample tree: default, T1, T5, T2, T3, T4, T1L, T2L, T3L, T1XL, T1XXL, T3XXL,
/// T2XXL (the order of sample_trees.sh).
const std::vector<UtsSample>& uts_sample_trees();

/// The sample tree called `name` (case-insensitive), or an Error listing the known names.
mesh::Result<UtsSample> uts_sample_tree(std::string_view name);

/// A parsed `uts:` workload spec: the parameters, and the published result when the
/// parameters describe a sample tree.
struct UtsSpec {
  UtsParams params;
  std::string sample;                   ///< "T1" when params describe a sample tree, else ""
  std::optional<UtsExpected> expected;  ///< that sample's published result
};

/// Parses the text after `uts:` on the command line.
///
/// Either a sample tree name, case-insensitive (`T1`, `t3l`, `default`), or a comma-separated
/// `key=value` list over the keys t, b, m, q, r, d, a, f with the meaning of the UTS flags of
/// the same letter (keys left out keep the UTS defaults):
///
///   parse_uts_spec("T1")                      // geometric, fixed, d=10, b=4, r=19
///   parse_uts_spec("t=1,a=3,d=10,b=4,r=19")   // the same tree; expected counts attached too
///   parse_uts_spec("t=0,b=2000,q=0.2,m=4")    // a binomial tree of your own, no expected counts
///   parse_uts_spec("d=-1")                    // Error{"uts.d", "must be between 0 and ..."}
///
/// Every error names the offending key ("uts.<key>", or "uts" for the spec as a whole) and
/// the reason in one line.
mesh::Result<UtsSpec> parse_uts_spec(std::string_view text);

/// Checks the range of every parameter (the checks parse_uts_spec applies), returning the params
/// unchanged or an Error named like those of parse_uts_spec.
///
/// It does not reject trees whose expected size is infinite, because the reference's own samples
/// include one: T3L has q*m = 1.00007 and is finite only for its seed. Such a spec may never
/// finish; that is a property of the tree, as with the reference.
mesh::Result<UtsParams> validate_uts_params(const UtsParams& params);

/// The `key=value` spec of `params` (every key, shortest round-tripping numbers), which
/// parse_uts_spec reads back to the same params: "t=1,b=4,m=4,q=0.234375,r=19,d=10,a=3,f=0.5".
std::string to_uts_spec(const UtsParams& params);

}  // namespace leomesh::workloads
