// A lock-free Chase-Lev work-stealing deque of scheduler::Task, one per worker thread.
//
// The owner thread pushes and pops at the bottom (LIFO: the newest, smallest task first, which
// keeps the working set in cache); any number of thieves steal at the top (FIFO: the oldest,
// largest task of a divide-and-conquer recursion). The storage is a growable power-of-two
// ring; push and pop are wait-free for the owner, steal is lock-free (one CAS on `top`).
//
// Algorithm: D. Chase and Y. Lev, "Dynamic Circular Work-Stealing Deque", SPAA 2005, with the
// C11 memory orders of N. M. Le, A. Pop, A. Cohen and F. Zappa Nardelli, "Correct and
// Efficient Work-Stealing for Weak Memory Models", PPoPP 2013 (Fig. 1). One deliberate
// difference, explained in "Memory orders" below: the paper's two seq_cst *fences* (in take
// and steal) are expressed as seq_cst *accesses* to `top` and `bottom`.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "leomesh/scheduler/task.hpp"

namespace leomesh::node {

/// Chase-Lev work-stealing deque of 32-byte tasks.
///
/// Roles and thread-safety:
///   - exactly one **owner** thread calls push(), pop() and capacity();
///   - any thread (including several at once) may call steal(), approx_size() and
///     approx_empty();
///   - nothing blocks, nothing takes a lock; push() allocates only when the ring is full
///     (it doubles), never per task in the steady state.
///
/// Every pushed task is obtained exactly once, by pop() or by one successful steal().
///
/// @code
///   WorkStealingDeque dq;                         // owner thread
///   dq.push(Task::make(kFib, 30u));
///   Task t;
///   if (dq.pop(t)) run(t);                        // owner: newest first
///
///   // any other thread:
///   for (;;) {
///     auto r = dq.steal(t);                       // oldest first
///     if (r == WorkStealingDeque::Steal::kSuccess) { run(t); break; }
///     if (r == WorkStealingDeque::Steal::kEmpty) break;
///     // kAbort: lost a race with another thief or the owner; retrying is fine
///   }
/// @endcode
///
/// ## Memory orders
/// `top` and `bottom` are monotonic 64-bit signed indices (top never decreases; bottom moves
/// by one at a time and never goes below top - 1); slot of index i is `ring[i & mask]`.
///   - push: write the slot (relaxed words), then `bottom.store(b + 1, release)`: a thief that
///     reads the new bottom (acquire) also reads the slot and the ring it lives in.
///   - pop:  `bottom.exchange(b - 1, seq_cst)` then `top.load(seq_cst)`; steal:
///     `top.load(seq_cst)` then `bottom.load(seq_cst)`. These four accesses sit in the single
///     total order S of seq_cst operations, which gives the store->load ordering that the
///     paper obtains with `atomic_thread_fence(seq_cst)` after the store in take and between
///     the two loads in steal: if the owner's top load precedes a thief's top load in S, the
///     thief's later bottom load sees the decremented bottom, so owner and thief never both
///     take the same non-last element; for the last element (top == bottom - 1) both CAS
///     `top` and exactly one wins. On x86-64 pop costs one `xchg` (the fence version: a
///     store plus `lock or` with GCC 12, the same price; fib(35) measured within noise) and
///     steal costs two plain loads (the fence version adds a locked instruction per steal);
///     on ARMv8 `stlr` followed by `ldar` needs no `dmb`. ThreadSanitizer does not model
///     stand-alone fences (GCC warns with -Wtsan) but does model atomic accesses, so the
///     TSAN build checks the very code that ships.
///   - Restores of bottom in pop use release so that a thief reading a restored value still
///     synchronises with every earlier push (C++20 shrank release sequences to RMWs only).
///   - The CAS on top is seq_cst (paper); its failure order is relaxed.
///
/// ## Why a thief never accepts a torn task
/// A Task is 32 bytes, so a slot is four relaxed 64-bit atomics: reading it is never a data
/// race, but a reader racing with a writer could see a mix of two tasks. A thief reads the
/// slot of index t *before* its CAS `top: t -> t+1` and keeps the copy only if the CAS wins.
/// Its bottom load (acquire) returned b > t, so it synchronised with the push that last
/// wrote index t before that value of bottom, and sees that task's four words completely
/// unless the owner writes the same physical slot again before the CAS. The owner writes a
/// ring only (a) at index b when pushing and (b) when growing, into a *new* ring that no
/// thief sees before its release-publication; the old ring is never written again. So a
/// rewrite of the slot the thief is reading needs one of:
///   - a push at index t + k * capacity (k >= 1, same ring): push only does that after it
///     has seen (acquire) top > t, i.e. after the thief's CAS expecting t can no longer win,
///     or after it did win, in which case the owner's acquire load of top synchronised with
///     that CAS and the thief's read happens-before the overwrite. A stale view of top only
///     makes the owner grow earlier.
///   - a pop of index t followed by a new push at t. If that pop read top == t, it CASes
///     top t -> t+1 against the thief and exactly one wins: either the thief fails, or the
///     pop fails, restores bottom to t+1 and never rewrites index t. If it read top > t,
///     the thief's CAS fails. If it read top < t (so it took index t without a CAS), its
///     seq_cst top load precedes in S the CAS that made top == t, hence the thief's top
///     load, hence the thief's bottom load; the latter therefore returns a value written
///     after that pop (or the pop's own, making the deque look empty), i.e. the thief reads
///     the re-pushed task, and a further rewrite needs yet another pop of index t, which
///     now reads top >= t and falls in the first two cases.
/// A thief that loaded a newer ring (grown after it read top) finds index t copied there if
/// t was still live at the grow; otherwise top > t already and its CAS fails. So an accepted
/// copy is always one complete task, obtained exactly once.
///
/// ## Memory reclamation
/// A thief may still be reading an old ring after the owner has replaced it, so replaced
/// rings are retired to a list owned by the deque and freed only by the destructor. Their
/// total size is below the current ring's (1/2 + 1/4 + ...), so the overhead is at most 2x
/// the peak, and there is no ABA: indices are 64-bit and never reused.
class WorkStealingDeque {
 public:
  using Task = scheduler::Task;

  /// Outcome of steal().
  enum class Steal {
    kSuccess,  ///< `out` holds the oldest task
    kEmpty,    ///< the deque looked empty
    kAbort,    ///< lost a race for the top task with another thief or the owner; may retry
  };

  /// Creates an empty deque whose ring holds `initial_capacity` tasks (rounded up to a
  /// power of two, at least 2). Not thread-safe: construct before sharing.
  explicit WorkStealingDeque(std::size_t initial_capacity = 256)
      : ring_(new Ring(round_up_pow2(initial_capacity))) {
    owner_ring_ = ring_.load(std::memory_order_relaxed);
  }
  ~WorkStealingDeque() { delete ring_.load(std::memory_order_relaxed); }
  WorkStealingDeque(const WorkStealingDeque&) = delete;
  WorkStealingDeque& operator=(const WorkStealingDeque&) = delete;

  /// Owner only. Appends `task` at the bottom; doubles the ring when full. Never blocks.
  void push(const Task& task) {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    Ring* ring = owner_ring_;
    // top_cache_ is the owner's last view of top; top only grows, so a stale value
    // over-estimates the size and at worst makes us re-read top (or grow) early.
    if (b - top_cache_ >= ring->capacity()) {
      top_cache_ = top_.load(std::memory_order_acquire);
      if (b - top_cache_ >= ring->capacity()) ring = grow(ring, top_cache_, b);
    }
    ring->store(b, task);
    bottom_.store(b + 1, std::memory_order_release);
  }

  /// Owner only. Removes the newest task into `out`; false when the deque is empty (or a
  /// thief won the race for the last task). When `left` is not null it receives how many
  /// tasks the deque still held at the linearisation point (an estimate for waking thieves).
  bool pop(Task& out, std::int64_t* left = nullptr) {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Ring* ring = owner_ring_;
    bottom_.exchange(b, std::memory_order_seq_cst);
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    top_cache_ = t;
    if (t > b) {  // was empty
      bottom_.store(b + 1, std::memory_order_release);
      return false;
    }
    out = ring->load(b);  // only the owner writes slots, so this read cannot race
    if (t == b) {         // the last task: race thieves for it through top
      const bool won = top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                                    std::memory_order_relaxed);
      bottom_.store(b + 1, std::memory_order_release);
      if (won) top_cache_ = t + 1;
      if (left != nullptr) *left = 0;
      return won;
    }
    if (left != nullptr) *left = b - t;
    return true;
  }

  /// Any thread. Tries to remove the oldest task into `out`. Lock-free; never blocks.
  Steal steal(Task& out) {
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    const std::int64_t b = bottom_.load(std::memory_order_seq_cst);
    if (t >= b) return Steal::kEmpty;
    const Ring* ring = ring_.load(std::memory_order_acquire);
    const Task copy = ring->load(t);  // may be torn; only accepted if the CAS below wins
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      return Steal::kAbort;
    }
    out = copy;
    return Steal::kSuccess;
  }

  /// Any thread. A snapshot of the number of tasks; exact only when no one else is acting.
  std::size_t approx_size() const {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    const std::int64_t t = top_.load(std::memory_order_relaxed);
    return b > t ? static_cast<std::size_t>(b - t) : 0;
  }
  /// Any thread. approx_size() == 0.
  bool approx_empty() const { return approx_size() == 0; }
  /// Owner only. Tasks the current ring holds before the next grow.
  std::size_t capacity() const { return static_cast<std::size_t>(owner_ring_->capacity()); }

 private:
  // One task as four 64-bit words: atomic (so concurrent reads by thieves are not data races)
  // yet relaxed (plain moves on x86-64 and ARMv8). Aligned so a slot never spans two lines.
  struct alignas(32) Slot {
    std::atomic<std::uint64_t> words[4];
  };
  static_assert(sizeof(Task) == sizeof(Slot::words));

  struct Ring {
    explicit Ring(std::size_t capacity)
        : mask(static_cast<std::int64_t>(capacity) - 1), slots(new Slot[capacity]()) {}
    std::int64_t capacity() const { return mask + 1; }
    void store(std::int64_t index, const Task& task) {
      std::uint64_t w[4];
      std::memcpy(w, &task, sizeof(w));
      Slot& s = slots[static_cast<std::size_t>(index & mask)];
      for (int i = 0; i < 4; ++i) s.words[i].store(w[i], std::memory_order_relaxed);
    }
    Task load(std::int64_t index) const {
      const Slot& s = slots[static_cast<std::size_t>(index & mask)];
      std::uint64_t w[4];
      for (int i = 0; i < 4; ++i) w[i] = s.words[i].load(std::memory_order_relaxed);
      Task task;
      std::memcpy(&task, w, sizeof(w));
      return task;
    }
    const std::int64_t mask;
    const std::unique_ptr<Slot[]> slots;
  };

  static std::size_t round_up_pow2(std::size_t n) {
    std::size_t c = 2;
    while (c < n) c <<= 1;
    return c;
  }

  // Owner only, out of line of the hot path: copy the live range [t, b) into a ring twice the
  // size and publish it with release so a thief that sees it also sees the copies. The old
  // ring stays readable (retired_) for thieves that loaded it before the swap.
  Ring* grow(Ring* old, std::int64_t t, std::int64_t b) {
    auto bigger = std::make_unique<Ring>(static_cast<std::size_t>(old->capacity()) * 2);
    for (std::int64_t i = t; i < b; ++i) bigger->store(i, old->load(i));
    Ring* fresh = bigger.release();
    ring_.store(fresh, std::memory_order_release);
    owner_ring_ = fresh;
    retired_.emplace_back(old);
    return fresh;
  }

  // Thieves CAS top; keep it away from the owner's line so owner pushes do not invalidate it.
  alignas(64) std::atomic<std::int64_t> top_{0};
  // Written by the owner on every push and pop; read by thieves.
  alignas(64) std::atomic<std::int64_t> bottom_{0};
  std::atomic<Ring*> ring_;
  // Owner-only state (same line as bottom_, which the owner writes anyway).
  Ring* owner_ring_ = nullptr;
  std::int64_t top_cache_ = 0;
  std::vector<std::unique_ptr<Ring>> retired_;
};

}  // namespace leomesh::node
