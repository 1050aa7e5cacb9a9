// The Chase-Lev deque: sequential semantics against a model, then an owner racing 1, 3 and 7
// thieves over millions of tasks: every task obtained exactly once, none torn.
// LEOMESH_STRESS_SCALE (default 1) scales the stress sizes, e.g. 0.05 under ThreadSanitizer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <random>
#include <thread>
#include <type_traits>
#include <vector>

#include "leomesh/node/deque.hpp"

using leomesh::node::WorkStealingDeque;
using leomesh::scheduler::Task;

namespace {

static_assert(!std::is_copy_constructible_v<WorkStealingDeque>);
static_assert(sizeof(Task) == 32 && std::is_trivially_copyable_v<Task>);

double stress_scale() {
  const char* s = std::getenv("LEOMESH_STRESS_SCALE");
  const double v = s != nullptr ? std::atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

// A task whose 32 bytes all depend on its id, so a torn copy (words of two tasks) is caught.
struct Stamp {
  std::uint32_t w[7];
};
static_assert(sizeof(Stamp) == Task::kPayloadBytes);

Stamp stamp_of(std::uint64_t id) {
  const std::uint64_t mul = id * 0x9E3779B97F4A7C15ull;
  return Stamp{{static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(id >> 32),
                ~static_cast<std::uint32_t>(id), ~static_cast<std::uint32_t>(id >> 32),
                static_cast<std::uint32_t>(mul), static_cast<std::uint32_t>(mul >> 32),
                static_cast<std::uint32_t>(id) ^ 0xA5A5A5A5u}};
}

Task make_task(std::uint64_t id) {
  return Task::make(static_cast<std::uint16_t>(id & 0x3F), stamp_of(id));
}

// Returns the id, or UINT64_MAX when the task is not a whole task made by make_task.
std::uint64_t check_task(const Task& t) {
  const auto s = t.get<Stamp>();
  const std::uint64_t id = s.w[0] | (std::uint64_t{s.w[1]} << 32);
  const Stamp want = stamp_of(id);
  const bool whole = t.kind == (id & 0x3F) && t.size == sizeof(Stamp) &&
                     std::equal(std::begin(s.w), std::end(s.w), std::begin(want.w));
  return whole ? id : UINT64_MAX;
}

}  // namespace

TEST_CASE("owner pops LIFO, thieves steal FIFO", "[deque]") {
  WorkStealingDeque dq(4);
  Task t;
  CHECK_FALSE(dq.pop(t));
  CHECK(dq.steal(t) == WorkStealingDeque::Steal::kEmpty);
  for (std::uint64_t i = 0; i < 10; ++i) dq.push(make_task(i));
  CHECK(dq.approx_size() == 10);
  CHECK(dq.capacity() >= 10);
  REQUIRE(dq.steal(t) == WorkStealingDeque::Steal::kSuccess);
  CHECK(check_task(t) == 0);
  REQUIRE(dq.steal(t) == WorkStealingDeque::Steal::kSuccess);
  CHECK(check_task(t) == 1);
  std::int64_t left = -1;
  REQUIRE(dq.pop(t, &left));
  CHECK(check_task(t) == 9);
  CHECK(left == 7);
  REQUIRE(dq.pop(t));
  CHECK(check_task(t) == 8);
  for (std::uint64_t want = 2; want < 8; ++want) {
    REQUIRE(dq.steal(t) == WorkStealingDeque::Steal::kSuccess);
    CHECK(check_task(t) == want);
  }
  CHECK_FALSE(dq.pop(t));
  CHECK(dq.steal(t) == WorkStealingDeque::Steal::kEmpty);
  CHECK(dq.approx_empty());
}

TEST_CASE("capacity rounds up to a power of two and grows by doubling", "[deque]") {
  CHECK(WorkStealingDeque(0).capacity() == 2);
  CHECK(WorkStealingDeque(5).capacity() == 8);
  WorkStealingDeque dq(2);
  for (std::uint64_t i = 0; i < 1000; ++i) dq.push(make_task(i));
  CHECK(dq.capacity() == 1024);
  Task t;
  for (std::uint64_t i = 1000; i-- > 0;) {
    REQUIRE(dq.pop(t));
    REQUIRE(check_task(t) == i);
  }
}

TEST_CASE("random single-threaded mix matches a std::deque model across wraps and grows",
          "[deque]") {
  std::mt19937_64 rng(42);
  WorkStealingDeque dq(2);
  std::deque<std::uint64_t> model;
  std::uint64_t next = 0;
  Task t;
  for (int step = 0; step < 200000; ++step) {
    const auto op = rng() % 10;
    if (op < 5) {  // push-heavy so the deque both wraps and grows
      dq.push(make_task(next));
      model.push_back(next++);
    } else if (op < 8) {
      const bool got = dq.pop(t);
      REQUIRE(got == !model.empty());
      if (got) {
        REQUIRE(check_task(t) == model.back());
        model.pop_back();
      }
    } else {
      const auto r = dq.steal(t);
      REQUIRE(r != WorkStealingDeque::Steal::kAbort);  // nobody to race with
      REQUIRE((r == WorkStealingDeque::Steal::kSuccess) == !model.empty());
      if (r == WorkStealingDeque::Steal::kSuccess) {
        REQUIRE(check_task(t) == model.front());
        model.pop_front();
      }
    }
    REQUIRE(dq.approx_size() == model.size());
  }
}

namespace {

struct StressResult {
  std::uint64_t obtained = 0;
  std::uint64_t id_sum = 0;
  std::uint64_t stolen = 0;
  std::uint64_t torn = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t missing = 0;
};

// The owner pushes `total` ids in random bursts and pops random runs (so the deque stays
// small and its ring wraps constantly, or grows when `burst` is large); `thieves` threads
// steal until the owner is done and the deque is empty.
StressResult stress(int thieves, std::uint64_t total, std::size_t capacity, int burst) {
  WorkStealingDeque dq(capacity);
  std::vector<std::atomic<std::uint8_t>> seen(total);
  for (auto& s : seen) s.store(0, std::memory_order_relaxed);
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> torn{0}, stolen{0}, id_sum{0}, obtained{0};

  auto record = [&](const Task& t, std::uint64_t& local_sum, std::uint64_t& local_count) {
    const std::uint64_t id = check_task(t);
    if (id >= total) {
      torn.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    seen[id].fetch_add(1, std::memory_order_relaxed);
    local_sum += id;
    ++local_count;
  };

  std::vector<std::thread> pool;
  for (int i = 0; i < thieves; ++i) {
    pool.emplace_back([&] {
      std::uint64_t sum = 0, count = 0, empty = 0;
      Task t;
      for (;;) {
        const auto r = dq.steal(t);
        if (r == WorkStealingDeque::Steal::kSuccess) {
          record(t, sum, count);
        } else if (r == WorkStealingDeque::Steal::kEmpty) {
          if (done.load(std::memory_order_acquire) && dq.approx_empty()) break;
          // Poll hard (that is where the races are) but let an oversubscribed owner run.
          if (++empty % 64 == 0) std::this_thread::yield();
        }
      }
      id_sum.fetch_add(sum);
      obtained.fetch_add(count);
      stolen.fetch_add(count);
    });
  }

  std::mt19937_64 rng(7 + static_cast<unsigned>(thieves));
  std::uint64_t sum = 0, count = 0, next = 0;
  Task t;
  while (next < total) {
    const auto n = 1 + rng() % static_cast<std::uint64_t>(burst);
    for (std::uint64_t i = 0; i < n && next < total; ++i) dq.push(make_task(next++));
    const auto m = rng() % (n + 1);
    for (std::uint64_t i = 0; i < m; ++i) {
      if (!dq.pop(t)) break;
      record(t, sum, count);
    }
  }
  while (dq.pop(t)) record(t, sum, count);
  done.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  id_sum.fetch_add(sum);
  obtained.fetch_add(count);

  StressResult r;
  r.obtained = obtained.load();
  r.id_sum = id_sum.load();
  r.stolen = stolen.load();
  r.torn = torn.load();
  for (auto& s : seen) {
    const auto c = s.load(std::memory_order_relaxed);
    if (c == 0) ++r.missing;
    if (c > 1) r.duplicates += c - 1;
  }
  return r;
}

}  // namespace

TEST_CASE("owner races 1, 3, 7 thieves: every task exactly once, none torn", "[deque][stress]") {
  const auto total = static_cast<std::uint64_t>(2'000'000 * stress_scale());
  for (const int thieves : {1, 3, 7}) {
    // A nearly empty deque (the last-task race between pop and steal), a small ring that
    // wraps all the time (the overwrite race), and bursty pushes from a tiny ring (the grow
    // race).
    for (const auto& [capacity, burst] : {std::pair<std::size_t, int>{4, 2}, {8, 6}, {2, 64}}) {
      INFO("thieves=" << thieves << " capacity=" << capacity << " burst=" << burst);
      const StressResult r = stress(thieves, total, capacity, burst);
      CHECK(r.torn == 0);
      CHECK(r.duplicates == 0);
      CHECK(r.missing == 0);
      CHECK(r.obtained == total);
      CHECK(r.id_sum == total * (total - 1) / 2);
      CHECK(r.stolen > 0);  // the thieves really competed
    }
  }
}
