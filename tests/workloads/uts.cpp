// UTS workload: the SHA-1 splittable RNG, the child-count rules of every tree type, the
// published counts of the small sample trees, and the `uts:` spec parser.
//
// The large sample trees (T1L and up) take from seconds to hours sequentially; they are checked
// by hand with a driver, see workloads/README.md.
#include <leomesh/workloads/uts.hpp>
#include <leomesh/workloads/workload.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>

using namespace leomesh::workloads;

static_assert(sizeof(UtsNode) == 24, "a node is a 24-byte task descriptor");
static_assert(std::is_trivially_copyable_v<UtsNode>, "nodes travel in steal batches as bytes");
static_assert(std::is_trivially_copyable_v<UtsParams>, "params travel to every agent as bytes");

namespace {

std::string hex(const UtsNode& node) {
  std::string out;
  char buffer[3];
  for (std::uint8_t byte : node.state) {
    std::snprintf(buffer, sizeof buffer, "%02x", byte);
    out += buffer;
  }
  return out;
}

UtsParams params_of(std::string_view spec) {
  auto parsed = parse_uts_spec(spec);
  INFO(spec);
  REQUIRE(parsed);
  return parsed->params;
}

// Counts a tree through the per-node public API only (uts_root, uts_num_children, uts_child),
// which is what a scheduler's tasks use; uts_count_sequential takes a cached shortcut.
UtsCount count_with_node_api(const UtsParams& params) {
  UtsCount count;
  std::vector<UtsNode> pending{uts_root(params)};
  while (!pending.empty()) {
    UtsNode node = pending.back();
    pending.pop_back();
    ++count.nodes;
    count.max_depth = std::max(count.max_depth, node.height);
    int children = uts_num_children(params, node);
    if (children == 0) ++count.leaves;
    for (int i = 0; i < children; ++i) pending.push_back(uts_child(params, node, i));
  }
  return count;
}

void check_published(std::string_view name) {
  auto sample = uts_sample_tree(name);
  REQUIRE(sample);
  UtsCount count = uts_count_sequential(sample->params);
  CHECK(count.nodes == sample->expected.nodes);
  REQUIRE(sample->expected.leaves);
  CHECK(count.leaves == *sample->expected.leaves);
  if (sample->expected.max_depth) CHECK(count.max_depth == *sample->expected.max_depth);
  CHECK(sample->expected.matches(count));
}

}  // namespace

// --- RNG --------------------------------------------------------------------------------------
// Golden states computed independently with CPython's built-in _sha1 module (not OpenSSL) from
// the rules of UTS rng/brg_sha1.c. UTS publishes no RNG vectors; the published tree counts
// below are the end-to-end proof.

TEST_CASE("uts rng: root state is SHA-1 of 16 zero bytes and the big-endian seed", "[uts][rng]") {
  UtsParams p;
  p.root_seed = 0;
  // Seed 0 hashes 20 zero bytes: the well-known SHA-1 of that message.
  CHECK(hex(uts_root(p)) == "6768033e216468247bd031a0a2d9876d79818f8f");
  CHECK(uts_random(uts_root(p)) == 2038534031);
  p.root_seed = 19;
  UtsNode root = uts_root(p);
  CHECK(hex(root) == "c6988ab70cc9559ae4d6cba254e29a845a85f86b");
  CHECK(root.height == 0);
  CHECK(uts_random(root) == 1518729323);  // 0x54e29a84 has no high bit to mask
  p.root_seed = 42;
  CHECK(hex(uts_root(p)) == "a11dabbcec7aab309c890ab3dbc256eaeb582782");
  CHECK(uts_random(uts_root(p)) == 1800939394);  // 0xeb582782 & 0x7FFFFFFF
}

TEST_CASE("uts rng: child i is SHA-1 of the parent state and big-endian i", "[uts][rng]") {
  UtsParams p = params_of("T1");
  UtsNode root = uts_root(p);
  const char* golden[] = {
      "2fb3131030280c1617a81d6a49c1e29effb19645", "4a8304c7c88f903ac06b01b07c7b2590e9397b5b",
      "0f440b68d030929503be64d09655d21a7dfd8365", "4e62c7789552ef31fa428ed5d9023d3f3ec368ef"};
  const std::int32_t random[] = {2142344773, 1765374811, 2113766245, 1052993775};
  for (int i = 0; i < 4; ++i) {
    UtsNode child = uts_child(p, root, i);
    CHECK(hex(child) == golden[i]);
    CHECK(uts_random(child) == random[i]);
    CHECK(child.height == 1);
  }
  // 256 = 00 00 01 00: a little-endian or one-byte index would collide with child 1.
  CHECK(hex(uts_child(p, root, 256)) == "b27c437447d200c75a07f6aaa1f8d80a5f8384bf");
  UtsNode grandchild = uts_child(p, uts_child(p, root, 0), 1);
  CHECK(hex(grandchild) == "d72c1425aafba0e93de435027762652c780afcff");
  CHECK(uts_random(grandchild) == 2013986047);
  CHECK(grandchild.height == 2);
}

TEST_CASE("uts rng: nodes are pure functions of their path", "[uts][rng]") {
  UtsParams p = params_of("T3");
  UtsNode a = uts_child(p, uts_child(p, uts_root(p), 7), 3);
  UtsNode b = uts_child(p, uts_child(p, uts_root(p), 7), 3);
  CHECK(hex(a) == hex(b));
  CHECK(a.height == b.height);
  CHECK(uts_num_children(p, a) == uts_num_children(p, b));
  CHECK(hex(uts_child(p, uts_root(p), 3)) != hex(uts_child(p, uts_root(p), 4)));
  // The tree parameters do not enter the state: T1 and T3 differ in seed only through r.
  UtsParams other = p;
  other.tree = UtsTree::geometric;
  CHECK(hex(uts_child(other, a, 0)) == hex(uts_child(p, a, 0)));
}

TEST_CASE("uts rng: probability is the 31-bit value over 2^31", "[uts][rng]") {
  UtsParams p = params_of("T1");
  UtsNode root = uts_root(p);
  CHECK(uts_probability(root) == 1518729323.0 / 2147483648.0);
  for (int i = 0; i < 100; ++i) {
    double u = uts_probability(uts_child(p, root, i));
    CHECK(u >= 0.0);
    CHECK(u < 1.0);
  }
}

// --- Child-count rules ------------------------------------------------------------------------

TEST_CASE("uts rules: geometric draw is floor(log(1-u)/log(1-p))", "[uts][rules]") {
  UtsParams p = params_of("T1");
  // Root of T1: u = 1518729323/2^31, p = 1/(1+4): floor(log(1-u)/log(0.8)) = 5.
  CHECK(uts_num_children(p, uts_root(p)) == 5);
  // Fixed shape: nothing below depth d.
  UtsNode deep = uts_root(p);
  deep.height = 10;
  CHECK(uts_num_children(p, deep) == 0);
  deep.height = 9;
  CHECK(uts_num_children(p, deep) >= 0);
}

TEST_CASE("uts rules: shapes stop where the reference stops", "[uts][rules]") {
  UtsNode node = uts_root(params_of("T1"));
  SECTION("linear reaches b_i = 0 at depth d") {
    UtsParams p = params_of("t=1,a=0,d=8,b=50");
    node.height = 8;
    CHECK(uts_num_children(p, node) == 0);
  }
  SECTION("cyclic is cut beyond 5d") {
    UtsParams p = params_of("t=1,a=2,d=4,b=50");
    node.height = 21;
    CHECK(uts_num_children(p, node) == 0);
  }
  SECTION("fixed keeps b up to depth d-1") {
    UtsParams p = params_of("t=1,a=3,d=4,b=1000");
    int nonzero = 0;
    for (int i = 0; i < 20; ++i) {
      UtsNode n = uts_child(p, node, i);
      n.height = 3;
      nonzero += uts_num_children(p, n) > 0;
    }
    CHECK(nonzero > 15);  // mean 1000 children: P(0) = 1/1001 per node
  }
}

TEST_CASE("uts rules: at most 100 children except binomial root and balanced", "[uts][rules]") {
  SECTION("geometric draws are capped") {
    UtsParams p = params_of("t=1,a=3,d=5,b=5000");
    int capped = 0;
    for (int r = 0; r < 50; ++r) {
      p.root_seed = r;
      int n = uts_num_children(p, uts_root(p));
      CHECK(n <= uts_max_children);
      capped += n == uts_max_children;
    }
    CHECK(capped > 40);  // P(draw > 100) = (5000/5001)^101, about 0.98
  }
  SECTION("binomial non-leaves are capped, the root is not") {
    UtsParams p = params_of("t=0,b=2000.7,m=300,q=0.003");
    UtsNode root = uts_root(p);
    CHECK(uts_num_children(p, root) == 2000);  // floor(b), uncapped
    bool saw_nonleaf = false;
    for (int i = 0; i < 2000; ++i) {
      int n = uts_num_children(p, uts_child(p, root, i));
      CHECK((n == 0 || n == uts_max_children));
      saw_nonleaf |= n > 0;
    }
    CHECK(saw_nonleaf);
  }
  SECTION("balanced trees are b^d exactly, uncapped") {
    UtsCount c = uts_count_sequential(params_of("t=3,b=3,d=5"));
    CHECK(c.nodes == 364);  // (3^6 - 1) / 2
    CHECK(c.leaves == 243);
    CHECK(c.max_depth == 5);
    UtsCount wide = uts_count_sequential(params_of("t=3,b=150,d=1"));
    CHECK(wide.nodes == 151);
    CHECK(wide.leaves == 150);
  }
}

TEST_CASE("uts rules: binomial nodes have m children with probability q", "[uts][rules]") {
  UtsParams p = params_of("T3");
  UtsNode root = uts_root(p);
  CHECK(uts_num_children(p, root) == 2000);
  for (int i = 0; i < 200; ++i) {
    UtsNode child = uts_child(p, root, i);
    int expected = uts_probability(child) < 0.124875 ? 8 : 0;
    CHECK(uts_num_children(p, child) == expected);
  }
}

TEST_CASE("uts rules: hybrid switches from geometric to binomial at height f*d", "[uts][rules]") {
  UtsParams p = params_of("T4");  // d=16, f=0.5: geometric above height 8
  UtsNode node = uts_root(p);
  int nonzero_non_m = 0;
  for (int i = 0; i < 200; ++i) {
    UtsNode n = uts_child(p, node, i);
    n.height = 8;
    int binomial = uts_probability(n) < 0.234375 ? 4 : 0;
    CHECK(uts_num_children(p, n) == binomial);
    n.height = 7;
    int geometric = uts_num_children(p, n);
    nonzero_non_m += geometric != 0 && geometric != 4;
  }
  CHECK(nonzero_non_m > 0);  // mean 6*(1-7/16) ~ 3.4: geometric draws are not all 0 or 4
  // A fractional switch height: f*d = 7.5, so height 7 is still geometric and 8 is binomial.
  UtsParams half = params_of("t=2,a=3,d=15,b=50,f=0.5,q=0.2,m=4");
  UtsNode n = uts_child(half, node, 0);
  n.height = 8;
  int c = uts_num_children(half, n);
  CHECK((c == 0 || c == 4));
}

// --- Published counts (UTS 2.1 sample_trees.sh) ---------------------------------------------

TEST_CASE("uts published: default tree has 1,732 nodes and 1,050 leaves", "[uts][published]") {
  UtsCount c = uts_count_sequential(UtsParams{});
  CHECK(c.nodes == 1732);
  CHECK(c.leaves == 1050);
  CHECK(c.max_depth == 6);  // not published; linear shape allows depth d at most
}

TEST_CASE("uts published: T1 geometric fixed", "[uts][published]") {
  UtsCount c = uts_count_sequential(params_of("T1"));
  CHECK(c.nodes == 4130071);
  CHECK(c.leaves == 3305118);
  CHECK(c.max_depth == 10);
}

TEST_CASE("uts published: T2 geometric cyclic", "[uts][published]") {
  check_published("T2");
}
TEST_CASE("uts published: T3 binomial", "[uts][published]") {
  check_published("T3");
}
TEST_CASE("uts published: T4 hybrid", "[uts][published]") {
  check_published("T4");
}
TEST_CASE("uts published: T5 geometric linear", "[uts][published]") {
  check_published("T5");
}

TEST_CASE("uts published: the per-node API gives the same counts", "[uts][published]") {
  // T2 (pow and sin per depth) and T4 (hybrid switch) through the uncached path.
  for (const char* name : {"T2", "T4"}) {
    auto sample = uts_sample_tree(name);
    REQUIRE(sample);
    INFO(name);
    UtsCount count = count_with_node_api(sample->params);
    CHECK(count == uts_count_sequential(sample->params));
    CHECK(sample->expected.matches(count));
  }
}

TEST_CASE("uts count: subtrees merge to the whole tree", "[uts][count]") {
  for (const char* name : {"default", "T3"}) {
    UtsParams p = params_of(name);
    UtsNode root = uts_root(p);
    UtsCount sum;
    sum.nodes = 1;  // the root itself
    for (int i = 0; i < uts_num_children(p, root); ++i) {
      sum.merge(uts_count_subtree(p, uts_child(p, root, i)));
    }
    INFO(name);
    CHECK(sum == uts_count_sequential(p));
  }
  UtsParams p;
  UtsNode leaf_parent = uts_root(p);
  leaf_parent.height = 6;  // at depth d the linear shape has no children
  UtsCount one = uts_count_subtree(p, leaf_parent);
  CHECK(one == UtsCount{1, 1, 6});
}

TEST_CASE("uts count: a chain two million levels deep needs no recursion", "[uts][count]") {
  // b=1, m=1, q close to 1: every node has one child until the first failed draw, so the tree
  // is a single path of mean length 1/(1-q); seed 8 happens to give 2,052,846 levels. A
  // recursive search would need gigabytes of call stack for it.
  UtsCount c = uts_count_sequential(params_of("t=0,b=1,m=1,q=0.999999,r=8"));
  CHECK(c.leaves == 1);
  CHECK(c.nodes == 2052847);
  CHECK(c.max_depth == 2052846);
}

// --- Sample table ---------------------------------------------------------------------------

TEST_CASE("uts samples: every tree of sample_trees.sh is known", "[uts][samples]") {
  const char* names[] = {"default", "T1",   "T5",    "T2",    "T3",    "T4",   "T1L",  "T2L",
                         "T3L",     "T1XL", "T1XXL", "T3XXL", "T2XXL", "T1WL", "T2WL", "T3WL"};
  REQUIRE(uts_sample_trees().size() == std::size(names));
  for (std::size_t i = 0; i < std::size(names); ++i) {
    CHECK(uts_sample_trees()[i].name == names[i]);
    CHECK(validate_uts_params(uts_sample_trees()[i].params));
  }
  CHECK(uts_sample_tree("t1")->name == "T1");
  CHECK(uts_sample_tree("T3xxl")->name == "T3XXL");
  CHECK(uts_sample_tree("DEFAULT")->params == UtsParams{});
  CHECK_FALSE(uts_sample_tree("T6"));
}

TEST_CASE("uts samples: params agree with the flags sample_trees.sh gives", "[uts][samples]") {
  for (const UtsSample& s : uts_sample_trees()) {
    // "-t 1 -a 3 -d 10 -b 4 -r 19" -> "t=1,a=3,d=10,b=4,r=19" (T4 repeats -r 1: drop the repeat)
    std::string spec;
    std::string seen;
    std::string_view flags = s.flags;
    while (!flags.empty()) {
      REQUIRE(flags.size() >= 4);
      REQUIRE(flags[0] == '-');
      char key = flags[1];
      flags.remove_prefix(3);
      std::size_t end = flags.find(' ');
      std::string value(flags.substr(0, end));
      flags.remove_prefix(end == std::string_view::npos ? flags.size() : end + 1);
      if (seen.find(key) != std::string::npos) continue;
      seen += key;
      spec += (spec.empty() ? "" : ",") + std::string(1, key) + "=" + value;
    }
    if (spec.empty()) continue;  // the default tree has no flags
    INFO(s.name << " " << spec);
    auto parsed = parse_uts_spec(spec);
    REQUIRE(parsed);
    CHECK(parsed->params == s.params);
    CHECK(parsed->sample == s.name);
  }
}

TEST_CASE("uts samples: published numbers of the large trees", "[uts][samples]") {
  // Pinned here so that a typo in the table cannot hide: these are checked by running them.
  CHECK(uts_sample_tree("T1L")->expected.nodes == 102181082);
  CHECK(*uts_sample_tree("T1L")->expected.leaves == 81746377);
  CHECK(uts_sample_tree("T2L")->expected.nodes == 96793510);
  CHECK(*uts_sample_tree("T2L")->expected.max_depth == 67);
  CHECK(uts_sample_tree("T3L")->expected.nodes == 111345631);
  CHECK(*uts_sample_tree("T3L")->expected.max_depth == 17844);
  CHECK(uts_sample_tree("T1XXL")->expected.nodes == 4230646601ULL);
  CHECK_FALSE(uts_sample_tree("T1XXL")->expected.leaves);
  CHECK_FALSE(uts_sample_tree("T3XXL")->expected.max_depth);
  CHECK(*uts_sample_tree("T2XXL")->expected.max_depth == 216370);
  UtsExpected e{10, std::nullopt, std::nullopt};
  CHECK(e.matches(UtsCount{10, 3, 2}));
  CHECK_FALSE(e.matches(UtsCount{11, 3, 2}));
}

// --- Spec parsing -----------------------------------------------------------------------------

TEST_CASE("uts spec: sample names and key=value lists", "[uts][spec]") {
  auto t1 = parse_uts_spec("T1");
  REQUIRE(t1);
  CHECK(t1->sample == "T1");
  CHECK(t1->params.tree == UtsTree::geometric);
  CHECK(t1->params.shape == UtsShape::fixed);
  CHECK(t1->params.depth_limit == 10);
  CHECK(t1->params.root_branching == 4.0);
  CHECK(t1->params.root_seed == 19);
  REQUIRE(t1->expected);
  CHECK(t1->expected->nodes == 4130071);

  auto same = parse_uts_spec(" t=1, a=3 ,d=10,b=4,r=19 ");
  REQUIRE(same);
  CHECK(same->params == t1->params);
  CHECK(same->sample == "T1");
  REQUIRE(same->expected);
  CHECK(same->expected->nodes == 4130071);

  // Keys a binomial tree ignores do not hide the sample it is.
  auto t3 = parse_uts_spec("t=0,b=2000,q=0.124875,m=8,r=42,d=10,a=2");
  REQUIRE(t3);
  CHECK(t3->sample == "T3");

  auto own = parse_uts_spec("t=1,a=3,d=10,b=4,r=20");
  REQUIRE(own);
  CHECK(own->sample.empty());
  CHECK_FALSE(own->expected);

  auto defaults = parse_uts_spec("r=0");
  REQUIRE(defaults);
  CHECK(defaults->params == UtsParams{});
  CHECK(defaults->sample == "default");

  auto all = parse_uts_spec("t=2,b=6.5,m=3,q=0.25,r=7,d=12,a=1,f=0.25");
  REQUIRE(all);
  CHECK(all->params.tree == UtsTree::hybrid);
  CHECK(all->params.root_branching == 6.5);
  CHECK(all->params.nonleaf_children == 3);
  CHECK(all->params.nonleaf_probability == 0.25);
  CHECK(all->params.root_seed == 7);
  CHECK(all->params.depth_limit == 12);
  CHECK(all->params.shape == UtsShape::exp_dec);
  CHECK(all->params.shift_fraction == 0.25);
}

TEST_CASE("uts spec: to_uts_spec round-trips", "[uts][spec]") {
  for (const UtsSample& s : uts_sample_trees()) {
    auto back = parse_uts_spec(to_uts_spec(s.params));
    INFO(to_uts_spec(s.params));
    REQUIRE(back);
    CHECK(back->params == s.params);
  }
  CHECK(to_uts_spec(UtsParams{}) == "t=1,b=4,m=4,q=0.234375,r=0,d=6,a=0,f=0.5");
}

TEST_CASE("uts spec: bad input names the key and the reason in one line", "[uts][spec]") {
  struct Case {
    const char* spec;
    const char* parameter;
    const char* reason_part;
  };
  const Case cases[] = {
      {"T9", "uts", "unknown sample tree 'T9'"},
      {"", "uts", "empty spec"},
      {"x=1", "uts.x", "unknown key"},
      {"depth=3", "uts.depth", "unknown key"},
      {"D=3", "uts.D", "unknown key"},
      {"b=abc", "uts.b", "expected a finite number, got 'abc'"},
      {"b=", "uts.b", "expected a finite number"},
      {"q=nan", "uts.q", "expected a finite number"},
      {"b=inf", "uts.b", "expected a finite number"},
      {"d=1.5", "uts.d", "expected an integer, got '1.5'"},
      {"d=12x", "uts.d", "expected an integer"},
      {"r=99999999999", "uts.r", "out of range"},
      {"d=-1", "uts.d", "must be between 0 and 1000000, got -1"},
      {"q=1.5", "uts.q", "must be between 0 and 1, got 1.5"},
      {"q=-0.1", "uts.q", "must be between 0 and 1"},
      {"b=0", "uts.b", "must be > 0"},
      {"b=-4", "uts.b", "must be > 0"},
      {"t=4", "uts.t", "got 4"},
      {"t=-1", "uts.t", "must be 0 (binomial)"},
      {"a=7", "uts.a", "got 7"},
      {"m=-2", "uts.m", "must be >= 0"},
      {"r=-5", "uts.r", "must be between 0 and 2147483647"},
      {"f=2", "uts.f", "must be between 0 and 1"},
      {"d=3,d=4", "uts.d", "given twice"},
      {"t=1,,d=3", "uts", "empty entry"},
      {"t=1,", "uts", "empty entry"},
      {"t=1,d", "uts", "expected key=value, got 'd'"},
  };
  for (const Case& c : cases) {
    auto result = parse_uts_spec(c.spec);
    INFO("spec: '" << c.spec << "'");
    REQUIRE_FALSE(result);
    CHECK(result.error().parameter == c.parameter);
    CHECK_THAT(result.error().reason, Catch::Contains(c.reason_part));
    CHECK(result.error().message().find('\n') == std::string::npos);
  }
}

TEST_CASE("uts spec: validate_uts_params checks hand-built params alike", "[uts][spec]") {
  UtsParams p;
  CHECK(validate_uts_params(p));
  // Expected-infinite trees are the reference's business, not an error: T3L has q*m = 1.00007
  // and is finite for its seed.
  CHECK(parse_uts_spec("t=0,b=2000,q=0.200014,m=5,r=7"));
  CHECK(parse_uts_spec("t=0,q=0.5,m=2"));
  p.depth_limit = -3;
  REQUIRE_FALSE(validate_uts_params(p));
  CHECK(validate_uts_params(p).error().parameter == "uts.d");
  p = UtsParams{};
  p.tree = static_cast<UtsTree>(9);
  REQUIRE_FALSE(validate_uts_params(p));
  CHECK(validate_uts_params(p).error().parameter == "uts.t");
}

TEST_CASE("uts estimate: expected subtree sizes in closed form", "[uts][estimate]") {
  // Geometric, fixed shape, b = 4, d = 10 (T1): a node at height h < 10 expects 4 children,
  // so its subtree expects sum_{k=0}^{10-h} 4^k = (4^(11-h) - 1) / 3 nodes; below d, 1.
  const auto t1 = *uts_sample_tree("T1");
  const UtsModel m(t1.params);
  for (int h = 0; h <= 10; ++h) CHECK(m.expected_subtree(h) == (std::pow(4.0, 11 - h) - 1) / 3);
  CHECK(m.expected_subtree(11) == 1);
  CHECK(m.expected_subtree(500) == 1);
  // Linear shape, b = 4, d = 6 (the default tree): b_h = 4 (1 - h/6), the product by hand.
  const UtsModel lin(UtsParams{});
  double s = 1;
  for (int h = 5; h >= 0; --h) s = 1 + 4.0 * (1 - h / 6.0) * s;
  CHECK(lin.expected_subtree(0) == Approx(s));
  // Binomial: nodes below the root are alike, each subtree expects 1 / (1 - m q) (T3: m q =
  // 0.999, so 1,000); the root adds its b children's.
  UtsParams bin;
  bin.tree = UtsTree::binomial;
  bin.root_branching = 10;
  bin.nonleaf_children = 4;
  bin.nonleaf_probability = 0.2;
  const UtsModel b(bin);
  CHECK(b.expected_subtree(3) == Approx(1 / (1 - 0.8)));
  CHECK(b.expected_subtree(0) == Approx(1 + 10 * 5.0));
  // A task stands for its node and its known children's subtrees: the T1 root, with its
  // child count from the tree itself.
  const auto w = *parse_workload("uts:T1");
  const UtsNode root = uts_root(t1.params);
  CHECK(w.registry.estimate(w.roots.front()) == 1 + m.num_children(root) * m.expected_subtree(1));
}
