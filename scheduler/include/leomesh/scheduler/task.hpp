// Tasks, the task registry, the reduction, and the context a running task sees.
//
// A task is (kind, small payload): 32 bytes, trivially copyable, never allocated on its own.
// Kinds are registered once per process in a TaskRegistry (the same ids on every
// satellite); a running task may spawn children and add to a commutative reduction.
// Tasks are serialised only when they leave a satellite.
//
//   void fib_task(const Task& t, TaskContext& ctx) {
//     const auto n = t.get<std::uint32_t>();
//     if (n < 2) { ctx.reduction().sum += n; return; }
//     ctx.spawn(Task::make(kFib, n - 1));
//     ctx.spawn(Task::make(kFib, n - 2));
//   }
#pragma once

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace leomesh::scheduler {

/// Identifies a task function; index into a TaskRegistry.
using TaskKind = std::uint16_t;

/// A unit of work: which function to run, and up to 28 bytes of arguments.
struct Task {
  static constexpr std::size_t kPayloadBytes = 28;

  TaskKind kind = 0;
  std::uint8_t size = 0;  ///< payload bytes in use (what goes on the wire)
  /// The loot account the task belongs to (crash recovery, CoreConfig::heartbeat_s > 0): set
  /// by the pools, inherited by every child, 0 otherwise. Not the workload's to read.
  std::uint8_t account = 0;
  std::array<std::uint8_t, kPayloadBytes> payload{};

  /// Builds a task whose payload is the bytes of `value`.
  template <class T>
  static Task make(TaskKind kind, const T& value) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kPayloadBytes);
    Task t;
    t.kind = kind;
    t.size = static_cast<std::uint8_t>(sizeof(T));
    std::memcpy(t.payload.data(), &value, sizeof(T));
    return t;
  }
  /// Reads the payload as a T (the type it was made from).
  template <class T>
  T get() const {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= kPayloadBytes);
    T value;
    std::memcpy(&value, payload.data(), sizeof(T));
    return value;
  }
};
static_assert(sizeof(Task) == 32 && std::is_trivially_copyable_v<Task>);

/// The commutative, associative result every workload reduces into. Each satellite keeps
/// its own and they are merged at the end, in any order.
struct Reduction {
  std::uint64_t sum = 0;  ///< the answer: fib(n), solutions, tree nodes, bag checksum
  std::uint64_t aux = 0;  ///< a second count: UTS leaves, bag tasks
  std::uint64_t max = 0;  ///< a maximum: UTS depth

  void merge(const Reduction& o) {
    sum += o.sum;
    aux += o.aux;
    max = std::max(max, o.max);
  }
  friend bool operator==(const Reduction& a, const Reduction& b) {
    return a.sum == b.sum && a.aux == b.aux && a.max == b.max;
  }
  friend bool operator!=(const Reduction& a, const Reduction& b) { return !(a == b); }
};

/// What a running task may do: spawn children and add to the reduction. Implemented by each
/// pool (threaded, simulated); one context per worker, used only by that worker's thread.
///
/// With crash recovery the results are kept per loot account (Task::account): a pool calls
/// enter() before each task and files the reduction under that account afterwards; stamped()
/// gives a child its parent's account.
class TaskContext {
 public:
  /// The number of accounts a satellite can keep at once (Task::account is one byte).
  static constexpr std::size_t kAccounts = 256;
  virtual ~TaskContext() = default;
  /// Makes `child` runnable on this satellite. Never blocks; never allocates per task in
  /// the steady state.
  virtual void spawn(const Task& child) = 0;
  /// The calling worker's reduction.
  Reduction& reduction() { return reduction_; }
  /// The data registered with the running task's kind (e.g. a workload's parameters).
  template <class T>
  const T& env() const {
    return *static_cast<const T*>(env_);
  }
  /// For pools: the next task runs in `account`.
  void enter(std::uint8_t account) { account_ = account; }
  std::uint8_t account() const { return account_; }
  /// For pools: `child` stamped with the running task's account.
  Task stamped(const Task& child) const {
    Task t = child;
    t.account = account_;
    return t;
  }

 protected:
  Reduction reduction_;

 private:
  friend class TaskRegistry;
  const void* env_ = nullptr;
  std::uint8_t account_ = 0;
};

/// A task function. Must be thread-safe with respect to other tasks.
using TaskFn = void (*)(const Task& task, TaskContext& ctx);
/// What a task is expected to cost, itself and every task it will spawn, in the workload's
/// units of work (> 0). Read with the kind's `env`; cheap and thread-safe: pools call it for
/// every task they queue.
using EstimateFn = double (*)(const Task& task, const void* env);
/// Whether `task` is one this kind's workload can produce (its payload size and values), read
/// with the kind's `env`. Tasks from another satellite are checked with it before they enter
/// a pool: a forged one (a UTS node with a child count its hash does not give, a fib call
/// larger than the workload's) is refused at the wire.
using ValidateFn = bool (*)(const Task& task, const void* env);

/// Maps kinds to functions. Filled once before any pool starts, then read-only.
class TaskRegistry {
 public:
  static constexpr std::size_t kMaxKinds = 64;
  /// Registers `fn` for `kind`; `env` (owned by the caller, outliving every run) is what
  /// the task sees as ctx.env<T>().
  /// `estimate`, when given, says how much work a task of this kind stands for (see
  /// EstimateFn); without it every task counts as one unit. `validate`, when given, says
  /// which payloads can occur (see ValidateFn); without it any payload of a registered kind
  /// is accepted.
  void set(TaskKind kind, TaskFn fn, const void* env = nullptr, EstimateFn estimate = nullptr,
           ValidateFn validate = nullptr) {
    assert(kind < kMaxKinds);
    fns_[kind] = fn;
    envs_[kind] = env;
    estimates_[kind] = estimate;
    validators_[kind] = validate;
  }
  /// The kind is registered and, where it has a ValidateFn, the payload is one it can produce.
  bool valid(const Task& task) const {
    if (!get(task.kind) || task.size > Task::kPayloadBytes) return false;
    const ValidateFn v = validators_[task.kind];
    return !v || v(task, envs_[task.kind]);
  }
  /// The expected work of `task` and its descendants in units (1 when its kind has no
  /// estimate).
  double estimate(const Task& task) const {
    const EstimateFn e = task.kind < kMaxKinds ? estimates_[task.kind] : nullptr;
    return e ? e(task, envs_[task.kind]) : 1.0;
  }
  TaskFn get(TaskKind kind) const { return kind < kMaxKinds ? fns_[kind] : nullptr; }
  /// Runs `task` with `ctx`; the kind must be registered (checked at the wire boundary).
  void run(const Task& task, TaskContext& ctx) const {
    ctx.env_ = envs_[task.kind];
    fns_[task.kind](task, ctx);
  }

 private:
  std::array<TaskFn, kMaxKinds> fns_{};
  std::array<const void*, kMaxKinds> envs_{};
  std::array<EstimateFn, kMaxKinds> estimates_{};
  std::array<ValidateFn, kMaxKinds> validators_{};
};

}  // namespace leomesh::scheduler
