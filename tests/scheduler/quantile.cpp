// quantile(): the one definition of a latency quantile (nearest rank), checked by hand.
#include <algorithm>
#include <catch2/catch.hpp>

#include "leomesh/scheduler/quantile.hpp"

using leomesh::scheduler::quantile;

TEST_CASE("quantile: nearest rank on ten samples, by hand", "[quantile]") {
  std::vector<double> v = {5, 1, 4, 2, 3, 10, 9, 8, 7, 6};
  std::sort(v.begin(), v.end());
  // Rank ceil(q * 10), 1-based; sample k is k.
  CHECK(quantile(v, 0.0) == 1);
  CHECK(quantile(v, 0.1) == 1);
  CHECK(quantile(v, 0.25) == 3);  // ceil(2.5)
  CHECK(quantile(v, 0.5) == 5);   // not 6: at least half the samples are <= 5
  CHECK(quantile(v, 0.51) == 6);
  CHECK(quantile(v, 0.9) == 9);
  CHECK(quantile(v, 0.99) == 10);  // ceil(9.9)
  CHECK(quantile(v, 1.0) == 10);
  // q * n a hair off an integer in binary is still that rank.
  CHECK(quantile(v, 0.3) == 3);
  CHECK(quantile(v, 0.1 * 3) == 3);  // 0.30000000000000004
  CHECK(quantile(v, 0.7) == 7);
  CHECK(quantile(v, 0.6) == 6);
  // Out of range is clamped.
  CHECK(quantile(v, -1) == 1);
  CHECK(quantile(v, 2) == 10);
}

TEST_CASE("quantile: small and uneven sample counts", "[quantile]") {
  const std::vector<double> one = {0.25};
  for (double q : {0.0, 0.5, 0.9, 1.0}) CHECK(quantile(one, q) == 0.25);
  const std::vector<double> four = {0.001, 0.002, 0.003, 0.004};
  CHECK(quantile(four, 0.5) == 0.002);   // rank 2
  CHECK(quantile(four, 0.75) == 0.003);  // rank 3
  CHECK(quantile(four, 0.9) == 0.004);   // rank ceil(3.6) = 4
  const std::vector<double> three = {1, 2, 3};
  CHECK(quantile(three, 0.5) == 2);  // rank ceil(1.5) = 2: the median
  CHECK(quantile(three, 1.0 / 3) == 1);
  CHECK(quantile(three, 0.34) == 2);
}
