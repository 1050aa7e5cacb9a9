// A run as a trace in the Chrome trace-event JSON format, which Perfetto
// (ui.perfetto.dev) and chrome://tracing open. The drivers report what happens; the
// recorder aggregates it so that a whole constellation stays a file of sane size.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "leomesh/mesh/topology.hpp"
#include "leomesh/scheduler/core.hpp"

namespace leomesh::emulator {

/// Collects one run's events and writes them as a trace:
/// - one process per satellite ("sat 12 (plane 0, slot 12)") with one track: "busy"
///   slices (at least one worker running; args: tasks run and worker-seconds, so their
///   sum over a satellite is its utilisation times workers times the makespan) and "idle"
///   slices between them (args: steal attempts that came back empty or timed out);
///   busy spells less than `merge_s` apart are one slice;
/// - every successful steal as a slice on the thief ("steal from 7", request to reply)
///   and a flow arrow from the thief to the victim;
/// - pushes of loot nobody asked for as arrows from giver to receiver, those from one giver
///   to one receiver within a counter interval as one (args: tasks, pushes);
/// - a "queue" counter per satellite (tasks queued), sampled at most every
///   `counter_interval_s` while it works;
/// - process 0, "constellation": ISLs going down and up, crashes and restarts, and the
///   end of the run (the last task, termination detected at the root);
/// - the end's messages as arrows ("termination"): weight and results travelling home to
///   the root, and terminate going out from it.
/// Timestamps are in microseconds of simulated time (sim) or of wall time since the run's
/// start (live and container, from the agents' samples: busy() in place of each task).
///
///   TraceRecorder trace(topo, workers);
///   trace.task_started(sat, now, cost, queued);  trace.task_finished(sat, now);
///   trace.steal(event);  trace.sent(m.src, m.dst, m.kind, m.tasks.size(), now);  trace.links(topo, now);
///   trace.write(out, makespan_s);
class TraceRecorder {
 public:
  struct Options {
    double merge_s = 1e-3;            ///< busy spells closer than this are one slice
    double counter_interval_s = 0;    ///< 0: 1 ms per 20 satellites, at least 1 ms
    bool events = true;               ///< false: keep only the utilisation grid (no write())
  };
  TraceRecorder(const mesh::Topology& topo, int workers, Options options);
  TraceRecorder(const mesh::Topology& topo, int workers) : TraceRecorder(topo, workers, Options{}) {}

  /// A worker of `sat` starts a task that will take `cost_s`; `queued` tasks wait.
  void task_started(int sat, double now_s, double cost_s, std::size_t queued);
  /// A worker of `sat` finished its task.
  void task_finished(int sat, double now_s);
  /// A steal attempt answered (or timed out) at event.at_s.
  void steal(const scheduler::StealEvent& event);
  /// Workers of `sat` were busy for `worker_s` seconds (all workers together) within
  /// [from_s, to_s], ran `tasks` there, and `queued` wait: a live agent's sample of its
  /// pool, in place of task_started() and task_finished() for each task.
  void busy(int sat, double from_s, double to_s, double worker_s, std::uint64_t tasks, std::size_t queued);
  /// A message `from` wrote leaves it for `to` at `at_s`, with `tasks` tasks. Shown if
  /// scheduler::traced(kind): loot pushed unasked (a lifeline, a gradient push) and the
  /// end's messages (termination weight or an account's results going home, the root's
  /// terminate going down). Other kinds are ignored.
  void sent(int from, int to, scheduler::MessageKind kind, std::uint32_t tasks, double at_s);
  /// Compares every ISL with the state last seen and records the changes.
  void links(const mesh::Topology& topo, double now_s);
  /// A satellite crashed or came back with empty memory.
  void crash(int sat, double at_s, bool restart);
  /// The last task anywhere ended at `last_task_s`; the root knew the end at `finished_s`.
  void finished(double last_task_s, double finished_s);

  /// Writes the trace (closing open slices at `end_s`). Returns the events written.
  std::size_t write(std::ostream& out, double end_s);

  /// The spread of work over time: per satellite, `columns` equal spans of [0, end_s), each
  /// the fraction of its workers' time spent running tasks (0..1). Kept at a resolution of
  /// at most 4,096 spans per satellite whatever the run's length, so a row sums (times the
  /// span and the workers) to the satellite's busy worker-seconds within one kept span.
  std::vector<std::vector<double>> utilisation_grid(int columns, double end_s) const;

 private:
  struct Satellite {
    int busy_workers = 0;
    double open_from = -1, open_to = -1;  // the busy slice being built; -1 = none
    double idle_from = 0;                 // the idle slice before it starts here
    std::uint64_t tasks = 0, failed_steals = 0;
    double worker_s = 0;
    double last_sample = -1e300;
  };
  struct Event {
    double ts_s;
    std::string json;  // the rest of the event object, after "ts"
  };
  struct Pushes {
    double first_s = 0;
    std::uint64_t tasks = 0, pushes = 0;
  };
  void open_spell(int sat, double now_s);  // a busy spell starts: extends the slice or opens one
  void sample_queue(int sat, double now_s, std::size_t queued);
  void flush_busy(int sat);
  void flush_pushes(int from, int to, Pushes& p);
  void deposit(int sat, double from_s, double to_s, double workers = 1);  // worker-seconds into the grid
  void arrow(const char* cat, int from, int to, double sent_s, double arrived_s);  // a flow
  void add(double ts_s, std::string json) {
    if (opt_.events) events_.push_back({ts_s, std::move(json)});
  }

  const mesh::Topology& topo_;
  int workers_;
  Options opt_;
  std::vector<Satellite> sats_;
  std::vector<std::uint8_t> link_up_;
  std::vector<Event> events_;
  std::map<std::pair<int, int>, Pushes> pushes_;  // per giver and receiver, not yet written
  std::uint64_t flow_id_ = 0;
  static constexpr std::size_t kGridSpans = 4096;
  double span_s_ = 1e-3;                   // doubled whenever a run outgrows kGridSpans
  std::vector<std::vector<float>> grid_;   // per satellite, worker-seconds per span
};

}  // namespace leomesh::emulator
