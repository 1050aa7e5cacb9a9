// ThreadPool: worker loop, stealing, parking and quiescence.
//
// Ordering argument for parking (why a wake-up is never lost). A worker about to sleep does
//   sleepers_ += 1 (seq_cst); e = epoch_ (seq_cst); scan inbox + every deque (seq_cst loads);
//   sleep while epoch_ == e.
// A publisher of work does
//   publish (inbox_size_ store / deque bottom exchange, seq_cst); s = sleepers_ (seq_cst);
//   if s > 0: epoch_ += 1 under park_mutex_, notify.
// All four accesses are in the seq_cst total order, so either the publisher sees the sleeper
// (and bumps the epoch, which the sleeper then cannot sleep through: it read e before, and it
// re-reads epoch_ under the mutex the bump is made under), or the sleeper's scan sees the work.
// External submit() is such a publisher. So is every owner pop that leaves tasks behind: the
// pop's seq_cst exchange of bottom is its publication of the whole deque. A spawn itself only
// does a relaxed load of sleepers_ (cheap hot path, usually enough); in the rare window where
// that load misses a worker going to sleep, the owner's next pop -- at the latest when the
// spawning task returns -- repeats the check with the proper ordering.
//
// Throttling (wake_pending_). Without it, every spawn made while a woken worker has not yet
// been scheduled sends another wake-up (mutex + notify): measured 2.6 M wake-ups for 7 M
// tasks with 11 workers on a loaded 2-core machine. So spawn/pop wake-ups are sent only when
// no other one is pending. This is safe because of how the flag is cleared: a worker entering
// park() reads the epoch, *then* clears the flag, then scans; a worker leaving park() clears
// it, then scans. A publisher that saw the flag set (seq_cst) was suppressed by a set that no
// clear had yet followed; that set was followed by an epoch bump, so some worker either still
// held the older epoch (it wakes, clears, scans) or reads the new epoch and clears after the
// set -- in both cases a clear *after* the publisher's load, followed by a scan that sees the
// work. submit() is never throttled: it is rare, and must not wait for a busy pool to park.
// Throttled wake-ups only cost parallelism, never progress: the spawner runs its own tasks.
#include "leomesh/node/thread_pool.hpp"

#include <array>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <system_error>
#include <utility>

namespace leomesh::node {

using scheduler::Task;

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Counters are written by one thread only, so a load and a store suffice (no locked RMW on
// the hot path); other threads read them relaxed.
inline void bump(std::atomic<std::uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// The same for a single-writer sum: a load and a store, no read-modify-write on the hot path.
inline void add(std::atomic<double>& sum, double x) {
  sum.store(sum.load(std::memory_order_relaxed) + x, std::memory_order_relaxed);
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline std::uint64_t xorshift64(std::uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

ThreadPoolOptions normalised(ThreadPoolOptions o) {
  o.workers = std::max<std::size_t>(o.workers, 1);
  o.deque_capacity = std::max<std::size_t>(o.deque_capacity, 2);
  return o;
}

// A steal that aborts lost the top task to another thief or the owner, who made progress;
// retrying a few times rides out short bursts without letting one hot deque pin the thief.
constexpr int kAbortRetries = 4;
constexpr int kPausesPerSpin = 16;

}  // namespace

// The context a task sees on worker w: spawn() goes straight onto w's deque.
class ThreadPool::WorkerContext final : public scheduler::TaskContext {
 public:
  WorkerContext(ThreadPool& pool, WorkStealingDeque& deque) : pool_(pool), deque_(deque) {}
  void spawn(const Task& child) override {
    // Counted before anyone can see it, so that its account never looks done meanwhile.
    spawned[account()].store(spawned[account()].load(std::memory_order_relaxed) + 1, std::memory_order_release);
    deque_.push(stamped(child));
    add(added_units, pool_.registry_.estimate(child));
    // Relaxed loads of a line written only when workers park or wake, so it stays shared in
    // every core's cache while everybody is busy.
    pool_.maybe_wake_another();
  }

  // Estimate units this worker put on its deque, and took off any deque (its own pops and
  // its steals); written only by this worker.
  std::atomic<double> added_units{0};
  std::atomic<double> removed_units{0};
  // Per loot account (crash recovery), written only by this worker: tasks it spawned, tasks it
  // finished, and their results. Read by the driver (account_done(), take_account()).
  struct Tally {
    std::atomic<std::uint64_t> sum{0}, aux{0}, max{0};
  };
  std::array<std::atomic<std::uint64_t>, scheduler::TaskContext::kAccounts> spawned{};
  std::array<std::atomic<std::uint64_t>, scheduler::TaskContext::kAccounts> finished{};
  std::array<Tally, scheduler::TaskContext::kAccounts> results{};

  // Files the finished task's results under its account, then counts it finished.
  void file(std::uint8_t account) {
    Tally& t = results[account];
    t.sum.store(t.sum.load(std::memory_order_relaxed) + reduction_.sum, std::memory_order_relaxed);
    t.aux.store(t.aux.load(std::memory_order_relaxed) + reduction_.aux, std::memory_order_relaxed);
    if (reduction_.max > t.max.load(std::memory_order_relaxed)) t.max.store(reduction_.max, std::memory_order_relaxed);
    reduction_ = scheduler::Reduction{};
    finished[account].store(finished[account].load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

 private:
  ThreadPool& pool_;
  WorkStealingDeque& deque_;
};

struct ThreadPool::Worker {
  Worker(ThreadPool& pool, std::size_t i, std::size_t capacity, std::uint64_t seed)
      : deque(capacity), ctx(pool, deque), index(i), rng(seed | 1) {}
  WorkStealingDeque deque;
  WorkerContext ctx;
  const std::size_t index;
  std::uint64_t rng;  // xorshift state, owner only
  std::atomic<std::uint64_t> executed{0};
  std::atomic<std::uint64_t> steals{0};
  std::atomic<std::uint64_t> parks{0};
  // Awake time: the spells that ended, and when the present one began (-1: parked). Read
  // together without a lock, so a reader may miss a spell that is just ending.
  std::atomic<std::int64_t> awake_ns{0};
  std::atomic<std::int64_t> awake_since_ns{-1};
  std::thread thread;
};

namespace {
std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ThreadPool::ThreadPool(const scheduler::TaskRegistry& registry, std::size_t workers)
    : ThreadPool(registry, [workers] {
        ThreadPoolOptions o;
        o.workers = workers;
        return o;
      }()) {}

ThreadPool::ThreadPool(const scheduler::TaskRegistry& registry, const ThreadPoolOptions& options)
    : registry_(registry), options_(normalised(options)) {
  const std::size_t n = options_.workers;
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(*this, i, options_.deque_capacity, splitmix64(options_.seed + i)));
  }
  // Workers start unparked and counted busy; each parks once it finds nothing, and the last
  // one to park makes the pool idle. wait_idle() before that simply waits for it.
  busy_.store(static_cast<std::int64_t>(n), std::memory_order_relaxed);
  std::size_t started = 0;
  try {
    for (; started < n; ++started) {
      Worker* w = workers_[started].get();
      w->thread = std::thread([this, w] { run_worker(*w); });
    }
  } catch (...) {
    // Threads that never started would never park, so do not wait_idle(): stop and join.
    {
      std::lock_guard<std::mutex> lock(park_mutex_);
      stop_.store(true, std::memory_order_release);
      epoch_.fetch_add(1, std::memory_order_seq_cst);
    }
    park_cv_.notify_all();
    for (std::size_t i = 0; i < started; ++i) workers_[i]->thread.join();
    throw;
  }
}

ThreadPool::~ThreadPool() {
  wait_idle();
  {
    std::lock_guard<std::mutex> lock(park_mutex_);
    stop_.store(true, std::memory_order_release);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
  }
  park_cv_.notify_all();
  for (auto& w : workers_) w->thread.join();
}

void ThreadPool::execute(Worker& w, const Task& task) {
  w.ctx.enter(task.account);
  // A relaxed load per task: the flag is set once, by the driver, for an account whose
  // results will never count; a task run after it is merely work wasted.
  const bool dropped = dropped_[task.account].load(std::memory_order_relaxed);
  if (!dropped) registry_.run(task, w.ctx);
  w.ctx.file(task.account);
  if (!dropped) bump(w.executed);
}

void ThreadPool::run_worker(Worker& w) {
  if (options_.worker_nice != 0) {
    // Per-thread on Linux: setpriority on a thread id changes only that thread.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), options_.worker_nice);
  }
  w.awake_since_ns.store(steady_ns(), std::memory_order_relaxed);
  Task task;
  for (;;) {
    std::int64_t left = 0;
    if (w.deque.pop(task, &left)) {
      add(w.ctx.removed_units, registry_.estimate(task));
      // The pop's seq_cst exchange of bottom published what is left; pairing it with this
      // seq_cst load of sleepers_ is what makes a missed wake-up from spawn() impossible
      // (see the top of this file). On x86-64 a seq_cst load is a plain load.
      if (left > 0 && sleepers_.load(std::memory_order_seq_cst) != 0 &&
          !wake_pending_.load(std::memory_order_seq_cst)) {
        wake_for_spawned_work();
      }
      execute(w, task);
      continue;
    }
    if (find_elsewhere(w, task)) {
      execute(w, task);
      continue;
    }
    if (!park(w, task)) return;
  }
}

bool ThreadPool::find_elsewhere(Worker& w, Task& out) {
  const std::uint32_t rounds = options_.spin_rounds + options_.yield_rounds;
  for (std::uint32_t r = 0; r < rounds; ++r) {
    if (scan_once(w, out)) return true;
    if (stop_.load(std::memory_order_relaxed)) return false;
    if (r < options_.spin_rounds) {
      for (int i = 0; i < kPausesPerSpin; ++i) cpu_relax();
    } else {
      std::this_thread::yield();
    }
  }
  return false;
}

bool ThreadPool::scan_once(Worker& w, Task& out) {
  if (take_from_inbox(w, out)) return true;
  const std::size_t n = workers_.size();
  if (n == 1) return false;
  // Every other worker once, starting at a random one, so concurrent thieves spread out and
  // a full round really means "all deques looked empty".
  const std::size_t start = static_cast<std::size_t>(xorshift64(w.rng) % (n - 1));
  for (std::size_t i = 0; i < n - 1; ++i) {
    const std::size_t victim = (w.index + 1 + (start + i) % (n - 1)) % n;
    WorkStealingDeque& dq = workers_[victim]->deque;
    for (int attempt = 0; attempt < kAbortRetries; ++attempt) {
      const auto r = dq.steal(out);
      if (r == WorkStealingDeque::Steal::kSuccess) {
        bump(w.steals);
        add(w.ctx.removed_units, registry_.estimate(out));
        // Pass the baton: a victim busy in a long task (after spawning many children) makes
        // no pops, so no pop-time wake-ups; the thief wakes the next sleeper instead.
        if (!dq.approx_empty()) maybe_wake_another();
        return true;
      }
      if (r == WorkStealingDeque::Steal::kEmpty) break;
    }
  }
  return false;
}

bool ThreadPool::take_from_inbox(Worker& w, Task& out) {
  // seq_cst: the sleeper's side of the submit()/park() pairing described at the top.
  if (inbox_size_.load(std::memory_order_seq_cst) == 0) return false;
  std::size_t share = 0;
  std::size_t remaining = 0;
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    const std::size_t avail = inbox_.size() - inbox_head_;
    if (avail == 0) return false;
    // A fair share, not everything: the other woken workers take theirs from the inbox
    // instead of queueing to steal one by one from this worker's deque.
    const std::size_t n = workers_.size();
    share = std::max<std::size_t>(1, (avail + n - 1) / n);
    out = inbox_[inbox_head_];
    double moved = registry_.estimate(out);
    for (std::size_t i = 1; i < share; ++i) {
      const Task& t = inbox_[inbox_head_ + i];
      w.deque.push(t);
      const double e = registry_.estimate(t);
      add(w.ctx.added_units, e);
      moved += e;
    }
    inbox_units_.store(inbox_units_.load(std::memory_order_relaxed) - moved, std::memory_order_relaxed);
    inbox_head_ += share;
    remaining = avail - share;
    if (remaining == 0) {
      inbox_.clear();
      inbox_head_ = 0;
      // The inbox stops counting as busy; this worker is unparked, so busy_ stays > 0
      // while it holds the tasks.
      busy_.fetch_sub(1, std::memory_order_acq_rel);
    } else if (inbox_head_ >= 4096 && inbox_head_ * 2 >= inbox_.size()) {
      inbox_.erase(inbox_.begin(), inbox_.begin() + static_cast<std::ptrdiff_t>(inbox_head_));
      inbox_head_ = 0;
    }
    inbox_size_.store(remaining, std::memory_order_seq_cst);
  }
  // More than this worker can start now: let a sleeper help (outside the inbox lock).
  if (share > 1 || remaining != 0) maybe_wake_another();
  return true;
}

// Returns false when the pool stops; true after running a task found on the last re-scan or
// after a wake-up (the caller goes back to its deque).
bool ThreadPool::park(Worker& w, Task& out) {
  sleepers_.fetch_add(1, std::memory_order_seq_cst);
  const std::uint64_t e = epoch_.load(std::memory_order_seq_cst);
  // After reading the epoch, not before: see "Throttling" at the top.
  wake_pending_.store(false, std::memory_order_seq_cst);
  // Re-scan after announcing: work published before a publisher could see us is found here.
  if (scan_once(w, out)) {
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    execute(w, out);
    return true;
  }
  if (stop_.load(std::memory_order_acquire)) {
    sleepers_.fetch_sub(1, std::memory_order_seq_cst);
    return false;
  }
  bump(w.parks);
  // Our deque is empty and only we push to it, so if we are the last busy party nothing is
  // queued or running anywhere: the pool is quiescent.
  if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) became_idle(true);
  // Two clock reads per park, none per task.
  const std::int64_t since = w.awake_since_ns.exchange(-1, std::memory_order_relaxed);
  w.awake_ns.fetch_add(steady_ns() - since, std::memory_order_relaxed);
  {
    std::unique_lock<std::mutex> lock(park_mutex_);
    park_cv_.wait(lock, [&] {
      return epoch_.load(std::memory_order_relaxed) != e || stop_.load(std::memory_order_relaxed);
    });
  }
  // Count ourselves busy again before touching any queue, so that busy_ covers every task
  // we may take.
  w.awake_since_ns.store(steady_ns(), std::memory_order_relaxed);
  busy_.fetch_add(1, std::memory_order_acq_rel);
  sleepers_.fetch_sub(1, std::memory_order_seq_cst);
  // The pending wake-up (ours or another's) is delivered: we scan next, so the next spawn may
  // wake one more worker.
  wake_pending_.store(false, std::memory_order_seq_cst);
  return !stop_.load(std::memory_order_acquire);
}

void ThreadPool::wake(std::size_t count) {
  wakeups_.fetch_add(1, std::memory_order_relaxed);
  {
    // Bumped under the mutex that sleepers test it under, so a worker between its
    // predicate check and its wait cannot miss it.
    std::lock_guard<std::mutex> lock(park_mutex_);
    epoch_.fetch_add(1, std::memory_order_seq_cst);
  }
  if (count >= workers_.size()) {
    park_cv_.notify_all();
  } else {
    for (std::size_t i = 0; i < count; ++i) park_cv_.notify_one();
  }
}

void ThreadPool::wake_for_spawned_work() {
  if (!wake_pending_.exchange(true, std::memory_order_seq_cst)) wake(1);
}

void ThreadPool::became_idle(bool from_worker) {
  {
    // Empty critical section: wait_idle() checks busy_ under this mutex, so taking it after
    // busy_ reached zero orders our notify after its check or before its wait.
    std::lock_guard<std::mutex> lock(idle_mutex_);
  }
  idle_cv_.notify_all();
  if (!from_worker) return;
  std::shared_ptr<const std::function<void()>> callback;
  {
    std::lock_guard<std::mutex> lock(callback_mutex_);
    callback = on_idle_;
  }
  if (callback && *callback) (*callback)();
}

void ThreadPool::submit(const Task* tasks, std::size_t count) {
  if (count == 0) return;
  // Kinds arriving from the wire are validated by the codec; here it is an invariant.
  for (std::size_t i = 0; i < count; ++i) assert(registry_.get(tasks[i].kind) != nullptr);
  {
    std::lock_guard<std::mutex> lock(inbox_mutex_);
    // The inbox counts as one busy party while non-empty, from before any worker can see
    // these tasks until the worker that empties it is itself counted.
    if (inbox_head_ == inbox_.size()) busy_.fetch_add(1, std::memory_order_acq_rel);
    inbox_.insert(inbox_.end(), tasks, tasks + count);
    for (std::size_t i = 0; i < count; ++i) driver_in_[tasks[i].account].fetch_add(1, std::memory_order_release);
    double units = 0;
    for (std::size_t i = 0; i < count; ++i) units += registry_.estimate(tasks[i]);
    inbox_units_.store(inbox_units_.load(std::memory_order_relaxed) + units, std::memory_order_relaxed);
    inbox_size_.store(inbox_.size() - inbox_head_, std::memory_order_seq_cst);
  }
  pushed_.fetch_add(count, std::memory_order_relaxed);
  const std::uint32_t sleeping = sleepers_.load(std::memory_order_seq_cst);
  if (sleeping != 0) wake(std::min<std::size_t>(count, sleeping));
}

std::size_t ThreadPool::take_oldest(std::size_t max, std::vector<Task>& out) {
  std::size_t taken = 0;
  if (max == 0) return 0;
  if (inbox_size_.load(std::memory_order_acquire) != 0) {
    bool now_idle = false;
    {
      std::lock_guard<std::mutex> lock(inbox_mutex_);
      const std::size_t k = std::min(max, inbox_.size() - inbox_head_);
      const auto first = inbox_.begin() + static_cast<std::ptrdiff_t>(inbox_head_);
      out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(k));
      for (std::size_t i = 0; i < k; ++i)
        driver_out_[first[static_cast<std::ptrdiff_t>(i)].account].fetch_add(1, std::memory_order_release);
      double units = 0;
      for (std::size_t i = 0; i < k; ++i) units += registry_.estimate(first[static_cast<std::ptrdiff_t>(i)]);
      inbox_units_.store(inbox_units_.load(std::memory_order_relaxed) - units, std::memory_order_relaxed);
      inbox_head_ += k;
      taken += k;
      if (k != 0 && inbox_head_ == inbox_.size()) {
        inbox_.clear();
        inbox_head_ = 0;
        now_idle = busy_.fetch_sub(1, std::memory_order_acq_rel) == 1;
      }
      inbox_size_.store(inbox_.size() - inbox_head_, std::memory_order_seq_cst);
    }
    // The driver emptied a pool whose workers were all parked: release wait_idle(). The
    // idle callback is for workers; the driver knows what it just did.
    if (now_idle) became_idle(false);
  }
  // Then the deques, one task per worker in turn (each steal takes that deque's oldest),
  // starting at a rotating worker so repeated small takes do not always drain worker 0.
  const std::size_t n = workers_.size();
  const std::size_t start = take_cursor_.fetch_add(1, std::memory_order_relaxed);
  bool progress = true;
  while (taken < max && progress) {
    progress = false;
    for (std::size_t i = 0; i < n && taken < max; ++i) {
      WorkStealingDeque& dq = workers_[(start + i) % n]->deque;
      Task t;
      auto r = dq.steal(t);
      // An abort means someone else took that task: the deque is live, try again.
      while (r == WorkStealingDeque::Steal::kAbort) r = dq.steal(t);
      if (r == WorkStealingDeque::Steal::kSuccess) {
        out.push_back(t);
        driver_out_[t.account].fetch_add(1, std::memory_order_release);
        ++taken;
        progress = true;
        // Any thread may take: the one sum written by several is a read-modify-write.
        double seen = driver_removed_units_.load(std::memory_order_relaxed);
        const double e = registry_.estimate(t);
        while (!driver_removed_units_.compare_exchange_weak(seen, seen + e, std::memory_order_relaxed)) {
        }
      }
    }
  }
  taken_.fetch_add(taken, std::memory_order_relaxed);
  return taken;
}

std::size_t ThreadPool::approx_size() const {
  std::size_t n = inbox_size_.load(std::memory_order_relaxed);
  for (const auto& w : workers_) n += w->deque.approx_size();
  return n;
}

double ThreadPool::queued_work_s() const {
  if (approx_size() == 0) return 0;  // and no drift of the running sums shows
  double units = inbox_units_.load(std::memory_order_relaxed) - driver_removed_units_.load(std::memory_order_relaxed);
  for (const auto& w : workers_)
    units += w->ctx.added_units.load(std::memory_order_relaxed) - w->ctx.removed_units.load(std::memory_order_relaxed);
  return std::max(0.0, units) * options_.unit_cost_s;
}

std::size_t ThreadPool::take_work(double work_s, std::size_t max, std::vector<Task>& out, bool one_account) {
  double left = work_s / options_.unit_cost_s;
  std::size_t given = 0;
  int account = -1;  // with one_account: that of the first task given
  std::vector<Task> passed;  // and of other accounts
  Task t;
  std::vector<Task> one;
  while (given < max && left > 0 && passed.size() < 2 * max + 16) {
    one.clear();
    if (take_oldest(1, one) == 0) break;
    t = one.front();
    const double e = registry_.estimate(t);
    if (e <= 2 * left && (account < 0 || t.account == account)) {
      if (one_account) account = t.account;
      out.push_back(t);
      left -= e;
      ++given;
    } else {
      passed.push_back(t);
    }
  }
  if (!passed.empty()) {
    // Back in through the inbox; they never left the pool as far as its counters go.
    submit(passed.data(), passed.size());
    taken_.fetch_sub(passed.size(), std::memory_order_relaxed);
    pushed_.fetch_sub(passed.size(), std::memory_order_relaxed);
  }
  return given;
}

void ThreadPool::wait_idle() {
  if (idle()) return;
  std::unique_lock<std::mutex> lock(idle_mutex_);
  idle_cv_.wait(lock, [&] { return idle(); });
}

bool ThreadPool::wait_idle_for(std::chrono::nanoseconds timeout) {
  if (idle()) return true;
  std::unique_lock<std::mutex> lock(idle_mutex_);
  return idle_cv_.wait_for(lock, timeout, [&] { return idle(); });
}

void ThreadPool::set_on_idle(std::function<void()> callback) {
  auto shared =
      callback ? std::make_shared<const std::function<void()>>(std::move(callback)) : nullptr;
  std::lock_guard<std::mutex> lock(callback_mutex_);
  on_idle_ = std::move(shared);
}

scheduler::Reduction ThreadPool::reduction() const {
  scheduler::Reduction total;
  for (const auto& w : workers_)
    for (const auto& t : w->ctx.results)
      total.merge({t.sum.load(std::memory_order_acquire), t.aux.load(std::memory_order_acquire),
                   t.max.load(std::memory_order_acquire)});
  return total;
}

void ThreadPool::reset_reduction() {
  for (auto& w : workers_)
    for (auto& t : w->ctx.results) {
      t.sum.store(0, std::memory_order_relaxed);
      t.aux.store(0, std::memory_order_relaxed);
      t.max.store(0, std::memory_order_relaxed);
    }
}

bool ThreadPool::account_done(std::uint8_t account) const {
  // Two waves over counters that only grow (Mattern's four counters): every task finished or
  // taken, read first, against every task spawned or pushed, read after. Equal, they say that
  // at the moment between the waves nothing of the account was queued or running, and after
  // that moment nothing can add to it but the driver.
  std::uint64_t done = driver_out_[account].load(std::memory_order_acquire);
  for (const auto& w : workers_) done += w->ctx.finished[account].load(std::memory_order_acquire);
  std::uint64_t made = driver_in_[account].load(std::memory_order_acquire);
  for (const auto& w : workers_) made += w->ctx.spawned[account].load(std::memory_order_acquire);
  return done == made;
}

scheduler::Reduction ThreadPool::take_account(std::uint8_t account) {
  scheduler::Reduction total;
  for (auto& w : workers_) {
    auto& t = w->ctx.results[account];
    total.merge({t.sum.exchange(0, std::memory_order_acq_rel), t.aux.exchange(0, std::memory_order_acq_rel),
                 t.max.exchange(0, std::memory_order_acq_rel)});
  }
  return total;
}

void ThreadPool::drop_account(std::uint8_t account) { dropped_[account].store(true, std::memory_order_relaxed); }

void ThreadPool::open_account(std::uint8_t account) { dropped_[account].store(false, std::memory_order_relaxed); }

PoolStats ThreadPool::stats() const {
  PoolStats s;
  const std::int64_t now = steady_ns();
  s.workers.reserve(workers_.size());
  for (const auto& w : workers_) {
    WorkerStats ws;
    ws.executed = w->executed.load(std::memory_order_relaxed);
    ws.steals = w->steals.load(std::memory_order_relaxed);
    ws.parks = w->parks.load(std::memory_order_relaxed);
    const std::int64_t since = w->awake_since_ns.load(std::memory_order_relaxed);
    ws.awake_s = 1e-9 * static_cast<double>(w->awake_ns.load(std::memory_order_relaxed) + (since >= 0 ? now - since : 0));
    s.total.awake_s += ws.awake_s;
    s.total.executed += ws.executed;
    s.total.steals += ws.steals;
    s.total.parks += ws.parks;
    s.workers.push_back(ws);
  }
  s.pushed = pushed_.load(std::memory_order_relaxed);
  s.taken = taken_.load(std::memory_order_relaxed);
  s.wakeups = wakeups_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace leomesh::node
