// UTS 2.1 tree generation. The formulas below follow the reference uts.c expression by
// expression, operand order included: a node's child count is floor() of a floating-point
// quotient, so an algebraically equal rewrite can round differently and change the published
// counts. The target is compiled with -ffp-contract=off for the same reason.
#include <leomesh/workloads/uts.hpp>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace leomesh::workloads {
namespace {

using mesh::Error;
using mesh::fail;
using mesh::Result;

// ---------------------------------------------------------------------------------------------
// SHA-1

// The low-level SHA1_* calls are deprecated in OpenSSL 3 but cost ~50 ns per node against
// ~85 ns for EVP with a reused context and ~300 ns for the one-shot SHA1(), which fetches the
// algorithm on every call. Hashing is most of the work of a UTS node, so we keep the fast path
// while the library still ships it and fall back to EVP when it is built without deprecated APIs.
#if defined(OPENSSL_NO_DEPRECATED_3_0)

struct EvpSha1 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  ~EvpSha1() { EVP_MD_free(md); }
};

struct EvpContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~EvpContext() { EVP_MD_CTX_free(ctx); }
};

void sha1(const std::uint8_t* data, std::size_t size, std::uint8_t* digest) {
  static const EvpSha1 algorithm;   // fetched once per process: fetching is the slow part
  thread_local EvpContext context;  // one per worker thread, so hashing needs no lock
  unsigned int length = 0;
  if (algorithm.md == nullptr || context.ctx == nullptr ||
      EVP_DigestInit_ex2(context.ctx, algorithm.md, nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data, size) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest, &length) != 1) {
    // Without SHA-1 no tree can be generated at all; a wrong count would be worse than a stop.
    std::fputs("leomesh: OpenSSL SHA-1 is unavailable\n", stderr);
    std::abort();
  }
}

#else

void sha1(const std::uint8_t* data, std::size_t size, std::uint8_t* digest) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  SHA_CTX context;
  SHA1_Init(&context);
  SHA1_Update(&context, data, size);
  SHA1_Final(digest, &context);
#pragma GCC diagnostic pop
}

#endif

void put_be32(std::uint8_t* out, std::uint32_t value) {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

// ---------------------------------------------------------------------------------------------
// Child counts

constexpr double two_pi = 2.0 * 3.141592653589793;  // the reference's literal, not M_PI

// The reference truncates with (int), which is undefined for NaN and for values beyond int. NaN
// (only from parameters outside the validated ranges) becomes INT_MIN on x86-64, a negative
// count that the reference's searches treat as a leaf, so it is 0 here. Values beyond int are
// saturated; validated parameters never produce them (b <= 1e6 bounds a geometric draw by
// about 2.2e7).
int truncate_count(double value) {
  if (!(value > 0.0)) return 0;
  if (value >= 2147483647.0) return 2147483647;
  return static_cast<int>(value);
}

// The expected branching factor b_i of a geometric node at `depth` (uts_numChildren_geo).
double geometric_branching(const UtsParams& p, int depth) {
  const double b_0 = p.root_branching;
  const int gen_mx = p.depth_limit;
  if (depth <= 0) return b_0;
  switch (p.shape) {
    case UtsShape::exp_dec:
      return b_0 * std::pow(static_cast<double>(depth),
                            -std::log(b_0) / std::log(static_cast<double>(gen_mx)));
    case UtsShape::cyclic:
      // 5 * gen_mx in int, as in the reference; validation keeps d small enough not to overflow.
      if (depth > 5 * gen_mx) return 0.0;
      return std::pow(b_0,
                      std::sin(two_pi * static_cast<double>(depth) / static_cast<double>(gen_mx)));
    case UtsShape::fixed:
      return depth < gen_mx ? b_0 : 0.0;
    case UtsShape::linear:
    default:
      return b_0 * (1.0 - static_cast<double>(depth) / static_cast<double>(gen_mx));
  }
}

// log(1 - p) for p = 1/(1+b_i): the denominator of the geometric draw. It depends on the depth
// alone, which is what lets UtsModel compute it once per depth.
double geometric_denominator(const UtsParams& p, int depth) {
  const double b_i = geometric_branching(p, depth);
  const double prob = 1.0 / (1.0 + b_i);
  return std::log(1 - prob);
}

int binomial_children(const UtsParams& p, const UtsNode& node) {
  return uts_probability(node) < p.nonleaf_probability ? p.nonleaf_children : 0;
}

// uts_numChildren. `denominator(depth)` must return geometric_denominator(params, depth); the
// sequential count passes a cached one, everything else computes it on the spot.
template <class Denominator>
int num_children_with(const UtsParams& params, const UtsNode& node, Denominator&& denominator) {
  // Inverse CDF of the geometric distribution with mean b_i: the child count is
  // floor(log(1-u) / log(1-p)), so that P(count = n) = p(1-p)^n.
  auto geometric_children = [&] {
    const double u = uts_probability(node);
    return truncate_count(std::floor(std::log(1 - u) / denominator(node.height)));
  };
  int count = 0;
  switch (params.tree) {
    case UtsTree::binomial:
      // The root's fan-out is the parameter b itself, uncapped: a wide root is how binomial
      // trees get many independent subtrees to start from (T3: 2,000).
      if (node.height == 0) return truncate_count(std::floor(params.root_branching));
      count = binomial_children(params, node);
      break;
    case UtsTree::geometric:
      count = geometric_children();
      break;
    case UtsTree::hybrid:
      // int height against the double product, as in the reference: f*d need not be whole.
      count = static_cast<double>(node.height) <
                      params.shift_fraction * static_cast<double>(params.depth_limit)
                  ? geometric_children()
                  : binomial_children(params, node);
      break;
    case UtsTree::balanced:
      // Balanced trees are exempt from the cap: b^d is the point of them.
      return node.height < params.depth_limit ? truncate_count(params.root_branching) : 0;
  }
  return std::clamp(count, 0, uts_max_children);
}

// ---------------------------------------------------------------------------------------------
// Sample trees

UtsParams geometric(UtsShape shape, int d, double b, int r) {
  UtsParams p;
  p.tree = UtsTree::geometric;
  p.shape = shape;
  p.depth_limit = d;
  p.root_branching = b;
  p.root_seed = r;
  return p;
}

UtsParams binomial(double b, double q, int m, int r) {
  UtsParams p;
  p.tree = UtsTree::binomial;
  p.root_branching = b;
  p.nonleaf_probability = q;
  p.nonleaf_children = m;
  p.root_seed = r;
  return p;
}

UtsParams hybrid(UtsShape shape, int d, double b, int r, double q, int m) {
  UtsParams p = geometric(shape, d, b, r);
  p.tree = UtsTree::hybrid;
  p.nonleaf_probability = q;
  p.nonleaf_children = m;
  return p;
}

std::vector<UtsSample> make_samples() {
  using S = UtsShape;
  using std::nullopt;
  // Published in UTS 2.1 sample_trees.sh ("Tree size = ..., tree depth = ..., num leaves =
  // ..."); the default tree's counts come from the reference's own result check, which
  // publishes no depth for it. T4's flags give -r 1 twice; both say the same seed.
  // One row per tree, as in the published table: keep clang-format from re-flowing it.
  // clang-format off
  return {
      {"default", "",
       UtsParams{}, {1732, 1050, nullopt}},
      {"T1", "-t 1 -a 3 -d 10 -b 4 -r 19",
       geometric(S::fixed, 10, 4, 19), {4130071, 3305118, 10}},
      {"T5", "-t 1 -a 0 -d 20 -b 4 -r 34",
       geometric(S::linear, 20, 4, 34), {4147582, 2181318, 20}},
      {"T2", "-t 1 -a 2 -d 16 -b 6 -r 502",
       geometric(S::cyclic, 16, 6, 502), {4117769, 2342762, 81}},
      {"T3", "-t 0 -b 2000 -q 0.124875 -m 8 -r 42",
       binomial(2000, 0.124875, 8, 42), {4112897, 3599034, 1572}},
      {"T4", "-t 2 -a 0 -d 16 -b 6 -r 1 -q 0.234375 -m 4 -r 1",
       hybrid(S::linear, 16, 6, 1, 0.234375, 4), {4132453, 3108986, 134}},
      {"T1L", "-t 1 -a 3 -d 13 -b 4 -r 29",
       geometric(S::fixed, 13, 4, 29), {102181082, 81746377, 13}},
      {"T2L", "-t 1 -a 2 -d 23 -b 7 -r 220",
       geometric(S::cyclic, 23, 7, 220), {96793510, 53791152, 67}},
      {"T3L", "-t 0 -b 2000 -q 0.200014 -m 5 -r 7",
       binomial(2000, 0.200014, 5, 7), {111345631, 89076904, 17844}},
      {"T1XL", "-t 1 -a 3 -d 15 -b 4 -r 29",
       geometric(S::fixed, 15, 4, 29), {1635119272, 1308100063, 15}},
      {"T1XXL", "-t 1 -a 3 -d 15 -b 4 -r 19",
       geometric(S::fixed, 15, 4, 19), {4230646601, nullopt, 15}},
      {"T3XXL", "-t 0 -b 2000 -q 0.499995 -m 2 -r 316",
       binomial(2000, 0.499995, 2, 316), {2793220501, nullopt, nullopt}},
      {"T2XXL", "-t 0 -b 2000 -q 0.499999995 -m 2 -r 0",
       binomial(2000, 0.499999995, 2, 0), {10612052303, 5306027151, 216370}},
      {"T1WL", "-t 1 -a 3 -d 18 -b 4 -r 19",
       geometric(S::fixed, 18, 4, 19), {270751679750, 216601257283, 18}},
      {"T2WL", "-t 0 -b 2000 -q 0.4999999995 -m 2 -r 559",
       binomial(2000, 0.4999999995, 2, 559), {295393891003, 147696946501, 1021239}},
      {"T3WL", "-t 0 -b 2000 -q 0.4999995 -m 2 -r 559",
       binomial(2000, 0.4999995, 2, 559), {157063495159, 78531748579, 758577}},
  };
  // clang-format on
}

// Two parameter sets describe the same tree when the parameters the tree type reads agree;
// the rest are ignored by uts_num_children. The reference's own result check compares a fixed
// subset instead, which would miss "T3 with d=10", a tree identical to T3.
bool same_tree(const UtsParams& x, const UtsParams& y) {
  if (x.tree != y.tree) return false;
  switch (x.tree) {
    case UtsTree::binomial:
      return x.root_branching == y.root_branching && x.nonleaf_children == y.nonleaf_children &&
             x.nonleaf_probability == y.nonleaf_probability && x.root_seed == y.root_seed;
    case UtsTree::geometric:
      return x.root_branching == y.root_branching && x.root_seed == y.root_seed &&
             x.depth_limit == y.depth_limit && x.shape == y.shape;
    case UtsTree::hybrid:
      return x == y;
    case UtsTree::balanced:
      return static_cast<int>(x.root_branching) == static_cast<int>(y.root_branching) &&
             x.depth_limit == y.depth_limit;
  }
  return false;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string sample_names() {
  std::string names;
  for (const UtsSample& s : uts_sample_trees()) {
    if (!names.empty()) names += ", ";
    names += s.name;
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Spec parsing

constexpr std::int32_t max_depth_limit = 1000000;  // keeps 5*d (cyclic cut-off) inside int
constexpr double max_root_branching = 1e6;         // keeps every geometric draw inside int

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string key_name(char key) {
  return std::string("uts.") + key;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

std::string format_double(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buffer, end);
}

Result<std::int32_t> parse_int(char key, std::string_view text) {
  std::int32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return fail(key_name(key), "out of range for a 32-bit integer: " + quoted(text));
  }
  if (ec != std::errc() || end != text.data() + text.size()) {
    return fail(key_name(key), "expected an integer, got " + quoted(text));
  }
  return value;
}

Result<double> parse_double(char key, std::string_view text) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return fail(key_name(key), "expected a finite number, got " + quoted(text));
  }
  return value;
}

// Reads one key's value into params; ranges are checked afterwards by validate_uts_params, so
// that a spec and a hand-built UtsParams get the same checks and the same messages.
std::optional<Error> apply(UtsParams& params, char key, std::string_view text) {
  auto set_int = [&](std::int32_t& field) -> std::optional<Error> {
    Result<std::int32_t> v = parse_int(key, text);
    if (!v) return v.error();
    field = *v;
    return std::nullopt;
  };
  auto set_double = [&](double& field) -> std::optional<Error> {
    Result<double> v = parse_double(key, text);
    if (!v) return v.error();
    field = *v;
    return std::nullopt;
  };
  switch (key) {
    case 't': {
      Result<std::int32_t> v = parse_int(key, text);
      if (!v) return v.error();
      if (*v < 0 || *v > 3) {
        return fail(key_name(key),
                    "must be 0 (binomial), 1 (geometric), 2 (hybrid) or "
                    "3 (balanced), got " +
                        std::to_string(*v));
      }
      params.tree = static_cast<UtsTree>(*v);
      return std::nullopt;
    }
    case 'a': {
      Result<std::int32_t> v = parse_int(key, text);
      if (!v) return v.error();
      if (*v < 0 || *v > 3) {
        return fail(key_name(key),
                    "must be 0 (linear), 1 (exponential decrease), 2 (cyclic) "
                    "or 3 (fixed), got " +
                        std::to_string(*v));
      }
      params.shape = static_cast<UtsShape>(*v);
      return std::nullopt;
    }
    case 'b':
      return set_double(params.root_branching);
    case 'm':
      return set_int(params.nonleaf_children);
    case 'q':
      return set_double(params.nonleaf_probability);
    case 'r':
      return set_int(params.root_seed);
    case 'd':
      return set_int(params.depth_limit);
    case 'f':
      return set_double(params.shift_fraction);
    default:
      return fail(key_name(key), "unknown key; expected one of t, b, m, q, r, d, a, f");
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Nodes

UtsNode uts_root(const UtsParams& params) {
  // rng_init: the seed is hashed behind 16 zero bytes, so that the root state, like every other,
  // is the SHA-1 of a 20-byte state-sized message.
  std::uint8_t message[20] = {};
  put_be32(message + 16, static_cast<std::uint32_t>(params.root_seed));
  UtsNode root;
  sha1(message, sizeof message, root.state.data());
  root.height = 0;
  return root;
}

UtsNode uts_child(const UtsParams& /*params*/, const UtsNode& parent, int i) {
  // rng_spawn: hashing the parent state with the child's index makes every node's state a
  // function of its path from the root alone, which is what lets any worker expand any node.
  std::uint8_t message[24];
  std::memcpy(message, parent.state.data(), 20);
  put_be32(message + 20, static_cast<std::uint32_t>(i));
  UtsNode child;
  sha1(message, sizeof message, child.state.data());
  child.height = parent.height + 1;
  return child;
}

std::int32_t uts_random(const UtsNode& node) {
  const std::uint32_t b = (std::uint32_t{node.state[16]} << 24) |
                          (std::uint32_t{node.state[17]} << 16) |
                          (std::uint32_t{node.state[18]} << 8) | std::uint32_t{node.state[19]};
  return static_cast<std::int32_t>(b & 0x7FFFFFFFu);
}

double uts_probability(const UtsNode& node) {
  return static_cast<double>(uts_random(node)) / 2147483648.0;
}

int uts_num_children(const UtsParams& params, const UtsNode& node) {
  return num_children_with(params, node,
                           [&](int depth) { return geometric_denominator(params, depth); });
}

// ---------------------------------------------------------------------------------------------
// Sequential traversal

UtsCount uts_count_subtree(const UtsParams& params, const UtsNode& start) {
  UtsCount count;
  count.max_depth = start.height;
  // Pending nodes, not frames: a node's children are pushed when it is expanded, so the stack
  // holds at most (depth x largest fan-out) nodes and only grows by amortised doubling.
  std::vector<UtsNode> pending;
  pending.reserve(4096);
  const UtsModel model(params);
  pending.push_back(start);
  while (!pending.empty()) {
    const UtsNode node = pending.back();
    pending.pop_back();
    ++count.nodes;
    if (node.height > count.max_depth) count.max_depth = node.height;
    const int children = model.num_children(node);
    if (children == 0) {
      ++count.leaves;
      continue;
    }
    const std::size_t first = pending.size();
    pending.resize(first + static_cast<std::size_t>(children));
    for (int i = 0; i < children; ++i) {
      pending[first + static_cast<std::size_t>(i)] = uts_child(params, node, i);
    }
  }
  return count;
}

UtsModel::UtsModel(const UtsParams& params) : params_(params) {
  // Geometric trees read depths up to d (5d for the cyclic shape's cut-off); deeper nodes of
  // other shapes fall back to computing on the spot.
  const std::size_t depths =
      std::min<std::size_t>(std::max<std::size_t>(128, 5 * static_cast<std::size_t>(params.depth_limit) + 1), 1 << 16);
  denominators_.resize(depths);
  for (std::size_t d = 0; d < depths; ++d) denominators_[d] = geometric_denominator(params, static_cast<int>(d));
  // Expected subtree sizes, from the deepest depth up: S(h) = 1 + E[children at h] S(h+1).
  // Binomial nodes below the root are alike, so their subtrees all expect 1 / (1 - m q); a
  // supercritical binomial tree (m q >= 1) has no finite mean and is capped instead.
  const double mq = params.nonleaf_children * params.nonleaf_probability;
  const double binomial_subtree = mq < 1 ? std::min(1.0 / (1.0 - mq), 1e12) : 1e12;
  subtree_.assign(depths + 1, 1.0);
  for (std::size_t i = depths; i-- > 0;) {
    const int h = static_cast<int>(i);
    double mean = 0;
    switch (params.tree) {
      case UtsTree::binomial:
        subtree_[i] = h == 0 ? 1 + std::floor(params.root_branching) * binomial_subtree : binomial_subtree;
        continue;
      case UtsTree::hybrid:
        if (static_cast<double>(h) >= params.shift_fraction * static_cast<double>(params.depth_limit)) {
          subtree_[i] = binomial_subtree;
          continue;
        }
        mean = geometric_branching(params, h);
        break;
      case UtsTree::geometric: mean = geometric_branching(params, h); break;
      case UtsTree::balanced: mean = h < params.depth_limit ? std::floor(params.root_branching) : 0; break;
    }
    subtree_[i] = std::min(1.0 + std::clamp(mean, 0.0, double{uts_max_children}) * subtree_[i + 1], 1e12);
  }
}

double UtsModel::expected_subtree(int height) const {
  if (height < 0) return subtree_.front();
  return subtree_[std::min(static_cast<std::size_t>(height), subtree_.size() - 1)];
}

int UtsModel::num_children(const UtsNode& node) const {
  // pow, sin and log per node would cost as much as the SHA-1 itself on cyclic trees; the
  // cached double is bit for bit the one the reference computes.
  return num_children_with(params_, node, [this](int depth) {
    return depth >= 0 && static_cast<std::size_t>(depth) < denominators_.size()
               ? denominators_[static_cast<std::size_t>(depth)]
               : geometric_denominator(params_, depth);
  });
}

UtsCount uts_count_sequential(const UtsParams& params) {
  return uts_count_subtree(params, uts_root(params));
}

// ---------------------------------------------------------------------------------------------
// Samples and specs

const std::vector<UtsSample>& uts_sample_trees() {
  static const std::vector<UtsSample> samples = make_samples();
  return samples;
}

Result<UtsSample> uts_sample_tree(std::string_view name) {
  for (const UtsSample& s : uts_sample_trees()) {
    if (iequals(s.name, name)) return s;
  }
  return fail("uts", "unknown sample tree " + quoted(name) + "; expected one of " + sample_names() +
                         " or key=value pairs");
}

Result<UtsParams> validate_uts_params(const UtsParams& p) {
  const int tree = static_cast<int>(p.tree);
  if (tree < 0 || tree > 3) {
    return fail("uts.t", "must be 0 (binomial), 1 (geometric), 2 (hybrid) or 3 (balanced), got " +
                             std::to_string(tree));
  }
  const int shape = static_cast<int>(p.shape);
  if (shape < 0 || shape > 3) {
    return fail("uts.a",
                "must be 0 (linear), 1 (exponential decrease), 2 (cyclic) or "
                "3 (fixed), got " +
                    std::to_string(shape));
  }
  if (!(p.root_branching > 0.0 && p.root_branching <= max_root_branching)) {
    return fail("uts.b", "must be > 0 and at most 1000000, got " + format_double(p.root_branching));
  }
  if (p.nonleaf_children < 0) {
    return fail("uts.m", "must be >= 0, got " + std::to_string(p.nonleaf_children));
  }
  if (!(p.nonleaf_probability >= 0.0 && p.nonleaf_probability <= 1.0)) {
    return fail("uts.q", "must be between 0 and 1, got " + format_double(p.nonleaf_probability));
  }
  if (p.root_seed < 0) {
    // The range UTS documents for -r (0 <= r < 2^31).
    return fail("uts.r", "must be between 0 and 2147483647, got " + std::to_string(p.root_seed));
  }
  if (p.depth_limit < 0 || p.depth_limit > max_depth_limit) {
    return fail("uts.d", "must be between 0 and " + std::to_string(max_depth_limit) + ", got " +
                             std::to_string(p.depth_limit));
  }
  if (!(p.shift_fraction >= 0.0 && p.shift_fraction <= 1.0)) {
    return fail("uts.f", "must be between 0 and 1, got " + format_double(p.shift_fraction));
  }
  return p;
}

Result<UtsSpec> parse_uts_spec(std::string_view text) {
  text = trim(text);
  if (text.empty()) {
    return fail("uts", "empty spec; expected a sample tree (" + sample_names() +
                           ") or key=value pairs over t, b, m, q, r, d, a, f");
  }

  UtsSpec spec;
  if (text.find('=') == std::string_view::npos) {
    Result<UtsSample> sample = uts_sample_tree(text);
    if (!sample) return sample.error();
    spec.params = sample->params;
    spec.sample = std::string(sample->name);
    spec.expected = sample->expected;
    return spec;
  }

  std::string seen;
  while (true) {
    const std::size_t comma = text.find(',');
    const std::string_view entry = trim(text.substr(0, comma));
    const std::size_t equals = entry.find('=');
    if (entry.empty()) return fail("uts", "empty entry in key=value list");
    if (equals == std::string_view::npos) {
      return fail("uts", "expected key=value, got " + quoted(entry));
    }
    const std::string_view key = trim(entry.substr(0, equals));
    const std::string_view value = trim(entry.substr(equals + 1));
    if (key.size() != 1) {
      return fail("uts." + std::string(key), "unknown key; expected one of t, b, m, q, r, d, a, f");
    }
    if (seen.find(key[0]) != std::string::npos) {
      return fail(key_name(key[0]), "given twice");
    }
    seen += key[0];
    if (std::optional<Error> error = apply(spec.params, key[0], value)) return *error;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }

  Result<UtsParams> valid = validate_uts_params(spec.params);
  if (!valid) return valid.error();
  for (const UtsSample& s : uts_sample_trees()) {
    if (same_tree(s.params, spec.params)) {
      spec.sample = std::string(s.name);
      spec.expected = s.expected;
      break;
    }
  }
  return spec;
}

std::string to_uts_spec(const UtsParams& p) {
  return "t=" + std::to_string(static_cast<int>(p.tree)) + ",b=" + format_double(p.root_branching) +
         ",m=" + std::to_string(p.nonleaf_children) + ",q=" + format_double(p.nonleaf_probability) +
         ",r=" + std::to_string(p.root_seed) + ",d=" + std::to_string(p.depth_limit) +
         ",a=" + std::to_string(static_cast<int>(p.shape)) +
         ",f=" + format_double(p.shift_fraction);
}

}  // namespace leomesh::workloads
