// Termination weight: splits and merges are exact, so the unit comes back whole, and only then.
#include <catch2/catch.hpp>

#include "leomesh/scheduler/rng.hpp"
#include "leomesh/scheduler/weight.hpp"

using leomesh::scheduler::Weight;

TEST_CASE("weight: split then merge gives the unit back, bit for bit", "[weight]") {
  Weight w = Weight::one();
  CHECK(w.is_one());
  Weight a = w.split();  // 1/2 + 1/2
  CHECK(a.exponents() == std::vector<std::uint32_t>{1});
  CHECK(w.exponents() == std::vector<std::uint32_t>{1});
  CHECK_FALSE(w.is_one());
  Weight b = a.split();  // a = 1/4, b = 1/4
  w.merge(b);            // 3/4: the pieces 1/2 and 1/4
  CHECK(w.exponents() == std::vector<std::uint32_t>{1, 2});
  // Several pieces: the smallest goes, the big one stays.
  Weight c = w.split();
  CHECK(c.exponents() == std::vector<std::uint32_t>{2});
  w.merge(c);
  w.merge(a);
  CHECK(w.is_one());
}

TEST_CASE("weight: pieces carry across words, and the unit is recognised only when whole", "[weight]") {
  Weight w;
  // 2^-70 + 2^-70 = 2^-69, ... 2^-1 + 2^-1 = 1: build one from 71 pieces.
  for (std::uint32_t e = 70; e >= 1; --e) w.merge(Weight::piece(e));
  CHECK_FALSE(w.is_one());
  w.merge(Weight::piece(70));
  CHECK(w.is_one());
  Weight over;
  CHECK_FALSE(Weight::from_exponents({0, 70}, over));  // more than one
  CHECK_FALSE(Weight::from_exponents({Weight::kMaxExponent + 1}, over));
  REQUIRE(Weight::from_exponents({3, 3, 2}, over));  // 1/8 + 1/8 + 1/4 = 1/2
  CHECK(over.exponents() == std::vector<std::uint32_t>{1});
}

TEST_CASE("weight: the initial shares of N satellites add up to one exactly", "[weight]") {
  for (int n : {1, 2, 3, 7, 16, 100, 1584, 4096}) {
    Weight total;
    for (int s = 0; s < n; ++s) total.merge(Weight::initial_share(s == 0, n));
    INFO("N = " << n);
    CHECK(total.is_one());
    if (n > 1) CHECK_FALSE(Weight::initial_share(true, n).is_one());
  }
}

TEST_CASE("weight: ten thousand random gives and returns among 64 holders conserve the unit", "[weight]") {
  leomesh::scheduler::Rng rng(7);
  std::vector<Weight> held(64);
  held[0] = Weight::one();
  for (int step = 0; step < 10000; ++step) {
    const auto from = rng.below(64), to = rng.below(64);
    if (held[from].empty() || from == to) continue;
    if (rng.below(4) == 0)
      held[to].merge(held[from].take());
    else
      held[to].merge(held[from].split());
  }
  Weight total;
  for (auto& w : held) total.merge(w);
  CHECK(total.is_one());
  // A piece at the finest exponent cannot be halved: no piece is made.
  Weight finest = Weight::piece(Weight::kMaxExponent);
  CHECK(finest.split().empty());
  CHECK(finest.exponents() == std::vector<std::uint32_t>{Weight::kMaxExponent});
}

TEST_CASE("weight: pieces finer than the inline words spill to the heap and merge back exactly", "[weight]") {
  // 2^-1000 lies in word 15, past Weight::kInlineWords: halving down to it and merging the
  // halves back up crosses the inline/heap boundary both ways.
  Weight w = Weight::one();
  std::vector<Weight> given;
  for (int i = 0; i < 1000; ++i) given.push_back(w.split());
  CHECK(w.exponents() == std::vector<std::uint32_t>{1000});
  CHECK(given.back().exponents() == std::vector<std::uint32_t>{1000});
  Weight copy = w;  // a copy of a spilled weight is equal, and independent
  CHECK(copy == w);
  copy.merge(given.back());
  CHECK(copy != w);
  CHECK(copy.exponents() == std::vector<std::uint32_t>{999});
  while (!given.empty()) {
    w.merge(given.back());
    given.pop_back();
  }
  CHECK(w.is_one());
  CHECK(w == Weight::one());  // the same representation whether spilled once or not
  std::vector<std::uint32_t> out{7, 7, 7};
  w.exponents(out);  // into a buffer: replaced, not appended
  CHECK(out == std::vector<std::uint32_t>{0});
}
