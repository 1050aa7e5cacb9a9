/*
 * leomesh.h: one satellite's leomesh agent, embedded in flight software. C99.
 *
 * The host (a cFS application, an F Prime component, a vendor framework) owns the threads,
 * the clock, the memory budget and the ISL terminal. leomesh never opens a socket, installs a
 * signal handler, prints, or keeps global state: two agents in one process are independent.
 * It hands the host the frames to send, through a callback, and takes the frames the host
 * received with leomesh_deliver(). Frames are the leomesh wire format, the same bytes the
 * ground agents and the emulators exchange.
 *
 * Two ways to run, chosen with leomesh_config.workers:
 *   0  poll-driven: leomesh_step() runs tasks on the caller's thread for at most its budget
 *      and returns; leomesh creates no thread.
 *   N  threaded: leomesh runs N worker threads of its own; leomesh_step() only drives the
 *      protocol (timers, the pool running dry) and returns at once.
 * Every call on one agent must come from one thread at a time (the host's loop).
 *
 * Memory: leomesh_create() and leomesh_start() allocate everything an agent needs, sized by
 * its configuration (queued tasks, tasks per frame, frame size, pending loot, the number of
 * satellites); after leomesh_start() a poll-driven agent allocates nothing (a test counts
 * every malloc of a whole run). At a limit it degrades, never allocates: a spawn into a
 * full queue runs at once, loot waits for a free buffer.
 *
 * Status codes, never exceptions; after a failed create, the error text says which setting
 * is wrong. A task is a kind (an id registered on every satellite alike) and up to 28 bytes
 * of payload; a running task may spawn children and add to the run's reduction (sum, aux,
 * max), which arrives at the root satellite when the whole constellation is done.
 *
 * A 1 Hz rate group on two satellites that share an in-memory link (the full program is
 * examples/flight-loop/):
 *
 *   static void send_frame(void *user, int32_t next_hop, const uint8_t *bytes, size_t len) {
 *     software_bus_publish(user, next_hop, bytes, len);     // the host's radio
 *   }
 *   leomesh_config cfg;
 *   leomesh_config_init(&cfg);
 *   cfg.satellite = 0;  cfg.topology = "full:2";  cfg.root = 0;
 *   cfg.workload = "uts:T1";  cfg.inject_here = 1;           // or leomesh_register_kind()
 *   leomesh_host host = { send_frame, NULL, NULL, &bus };
 *   leomesh_agent *agent;
 *   char why[256];
 *   if (leomesh_create(&cfg, &host, &agent, why, sizeof why) != LEOMESH_OK) { log(why); return; }
 *   leomesh_start(agent, now_ns());
 *   for (;;) {                                             // the host's own loop
 *     while (software_bus_receive(&bus, &from, buf, &len))
 *       leomesh_deliver(agent, now_ns(), from, buf, len);
 *     leomesh_step(agent, now_ns(), 2000000);              // at most 2 ms of tasks
 *     if (leomesh_finished(agent)) break;
 *   }
 *   leomesh_reduction r;
 *   leomesh_result(agent, &r);                             // at the root
 *   leomesh_destroy(agent);
 */
#ifndef LEOMESH_H
#define LEOMESH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LEOMESH_VERSION_MAJOR 0
#define LEOMESH_VERSION_MINOR 1

/* What every call returns. */
typedef enum leomesh_status {
  LEOMESH_OK = 0,
  LEOMESH_ERR_NULL = 1,     /* a required pointer (the agent, an output, a callback) is NULL */
  LEOMESH_ERR_CONFIG = 2,   /* the configuration is not valid; the error text says which field */
  LEOMESH_ERR_KIND = 3,     /* a task kind outside LEOMESH_FIRST_HOST_KIND..LEOMESH_LAST_KIND,
                               registered twice, or not registered */
  LEOMESH_ERR_TOO_BIG = 4,  /* a frame beyond max_message_bytes, or a payload beyond 28 bytes */
  LEOMESH_ERR_STATE = 5,    /* not now: registering after start, stepping before it, a result
                               before the end or away from the root */
  LEOMESH_ERR_ARG = 6,      /* an argument out of range (a satellite id, a count) */
  LEOMESH_ERR_FRAME = 7,    /* a received frame was malformed and dropped (counted in telemetry);
                               the agent is unaffected */
  LEOMESH_ERR_INTERNAL = 8  /* out of memory or an internal failure; the agent should be destroyed */
} leomesh_status;

/* The name of a status, e.g. "LEOMESH_ERR_KIND". Never NULL. */
const char *leomesh_status_name(leomesh_status status);

/* ---- Tasks ---------------------------------------------------------------------------- */

#define LEOMESH_TASK_PAYLOAD 28
/* Kinds below this are leomesh's built-in workloads (fib, nqueens, uts, bag). */
#define LEOMESH_FIRST_HOST_KIND 16
#define LEOMESH_LAST_KIND 63

typedef struct leomesh_task {
  uint16_t kind;                          /* registered with leomesh_register_kind() */
  uint8_t size;                           /* payload bytes in use, 0..28 */
  uint8_t payload[LEOMESH_TASK_PAYLOAD];
} leomesh_task;

/* The run's result: a commutative, associative reduction of what every task added. */
typedef struct leomesh_reduction {
  uint64_t sum; /* added up */
  uint64_t aux; /* added up */
  uint64_t max; /* the largest */
} leomesh_reduction;

/* What a running task may do; valid only during the task function's call. */
typedef struct leomesh_ctx leomesh_ctx;
/* Makes `child` runnable (here, or on another satellite if stolen). LEOMESH_ERR_KIND if its
   kind is not registered, LEOMESH_ERR_TOO_BIG if size > 28. Never blocks or allocates. */
leomesh_status leomesh_spawn(leomesh_ctx *ctx, const leomesh_task *child);
/* Adds to the reduction: sum += sum, aux += aux, max = the larger of max and `max`. */
void leomesh_reduce(leomesh_ctx *ctx, uint64_t sum, uint64_t aux, uint64_t max);

/* A task kind's function; must be safe to run on several threads at once in threaded mode.
   `user` is what was registered with the kind. */
typedef void (*leomesh_task_fn)(const leomesh_task *task, leomesh_ctx *ctx, void *user);
/* What `task` and everything it will spawn are expected to cost, in units of task_cost_s
   (> 0): the currency of every decision to share work, since a remote steal is worth it only
   for work that outlasts the round trip. Cheap and thread-safe; called for every queued task. */
typedef double (*leomesh_estimate_fn)(const leomesh_task *task, void *user);

/* ---- Configuration and the host -------------------------------------------------------- */

typedef struct leomesh_config {
  int32_t satellite;         /* this satellite's id, 0..satellites-1 */
  const char *topology;      /* the constellation: "torus:3x3", "full:2", "starlink-s1", ... */
  const char *links;         /* link latencies: "uniform:1ms", "geometric", "none"; NULL = default */
  int32_t root;              /* detects the end of the run and receives the result */
  const char *policy;        /* victim selection: "neighbor", "global", "khop:2", ...; NULL = neighbor */
  const char *workload;      /* a built-in workload whose kinds are registered ("uts:T1",
                                "nqueens:10"); NULL = none, only the host's kinds */
  int32_t inject_here;       /* nonzero: the built-in workload's root tasks start here */
  uint32_t workers;          /* 0 = poll-driven; N = N worker threads */
  uint32_t max_queued_tasks; /* poll-driven: tasks queued at once (beyond, a spawn runs at once) */
  uint32_t max_message_bytes;/* the largest frame sent or accepted */
  uint32_t max_batch;        /* the most tasks one frame of loot carries */
  uint64_t seed;             /* victim choice */
  double task_cost_s;        /* what one unit of work costs here, for sharing decisions */
  uint32_t max_pending_loot; /* loot given and not yet acknowledged, at most; with max_batch it
                                sizes the message buffers made at create (4 more than this) */
} leomesh_config;

/* Fills `config` with the defaults: satellite 0 of "full:1", root 0, neighbor policy, no
   workload, poll-driven, 4096 queued tasks, 65536-byte frames, 512 tasks per frame, seed 1,
   1e-7 s per unit, 8 loots pending. */
void leomesh_config_init(leomesh_config *config);

/* What the host gives leomesh. Every callback runs on the thread that called into leomesh
   (never on a worker), from inside leomesh_start/submit/step/deliver. */
typedef struct leomesh_host {
  /* Required: send `len` bytes over the ISL to neighbour `next_hop`. The bytes are valid
     only during the call; copy them. Dropping a frame is allowed (leomesh resends). */
  void (*send)(void *user, int32_t next_hop, const uint8_t *bytes, size_t len);
  /* Optional: one line of text for the host's log; level 0 = error .. 3 = debug. */
  void (*log)(void *user, int32_t level, const char *line);
  /* Optional: the host's monotonic clock in nanoseconds, read between tasks to keep to a
     step's budget. NULL = CLOCK_MONOTONIC. */
  uint64_t (*clock_ns)(void *user);
  void *user;
} leomesh_host;

/* ---- Lifecycle ------------------------------------------------------------------------- */

typedef struct leomesh_agent leomesh_agent;

/* Creates an agent from a configuration struct; `host` is copied. On failure *agent is NULL
   and, when `error` is not NULL, it holds one line saying what is wrong (truncated to
   `error_len`). */
leomesh_status leomesh_create(const leomesh_config *config, const leomesh_host *host, leomesh_agent **agent,
                              char *error, size_t error_len);
/* The same from a satellite configuration file's text (the firmware-config text format that
   `leomesh config generate` writes); its endpoints and keys are ignored: the host is the
   transport. */
leomesh_status leomesh_create_from_text(const char *text, const leomesh_host *host, leomesh_agent **agent,
                                        char *error, size_t error_len);

/* Registers task kind `kind` (LEOMESH_FIRST_HOST_KIND..LEOMESH_LAST_KIND, the same on every
   satellite) with its function and, optionally, its estimate (NULL: every task of the kind is
   one unit). Both get `user`. Only before leomesh_start(). */
leomesh_status leomesh_register_kind(leomesh_agent *agent, uint16_t kind, leomesh_task_fn fn,
                                     leomesh_estimate_fn estimate, void *user);

/* Starts the agent at the host's time `now_ns` (any monotonic clock; every later call uses the
   same one): builds the pool and the protocol, and injects the built-in workload where
   inject_here says. The last call that allocates: a poll-driven agent allocates nothing after it. */
leomesh_status leomesh_start(leomesh_agent *agent, uint64_t now_ns);

/* Adds root tasks here: the ground's command. After start and before the end of the run; the
   root satellite without a built-in workload to inject waits for its first submit to begin.
   Every task is checked before any is taken. */
leomesh_status leomesh_submit(leomesh_agent *agent, uint64_t now_ns, const leomesh_task *tasks, size_t count);

/* One turn of the host's loop: handles the protocol's timers that are due and, when
   poll-driven, runs tasks for at most `budget_ns` (a task is never interrupted: the budget is
   exceeded by at most one task). Call it often: every rate group, and at
   leomesh_next_deadline_ns() at the latest. */
leomesh_status leomesh_step(leomesh_agent *agent, uint64_t now_ns, uint64_t budget_ns);

/* A frame arrived from ISL neighbour `from`. A malformed one returns LEOMESH_ERR_FRAME and is
   dropped; one beyond max_message_bytes returns LEOMESH_ERR_TOO_BIG. The bytes are not kept. */
leomesh_status leomesh_deliver(leomesh_agent *agent, uint64_t now_ns, int32_t from, const uint8_t *bytes,
                               size_t len);

/* When the next protocol timer is due, in the host's nanoseconds; UINT64_MAX if none. */
uint64_t leomesh_next_deadline_ns(const leomesh_agent *agent);

/* Nonzero once this satellite knows the run is over. */
int leomesh_finished(const leomesh_agent *agent);
/* The constellation's result, at the root once finished (LEOMESH_ERR_STATE otherwise). */
leomesh_status leomesh_result(const leomesh_agent *agent, leomesh_reduction *result);
/* Nonzero when the built-in workload's answer is known and `result` is it exactly. */
int leomesh_verify(const leomesh_agent *agent, const leomesh_reduction *result);

/* Ends this agent's part in the run (a mode change, safe mode): no task runs and no callback
   comes any more (threaded mode: queued tasks are dropped, the workers park, and destroy
   joins them). Afterwards
   start, submit, step and deliver return LEOMESH_ERR_STATE; telemetry, events, the result
   and destroy still work. Stopping twice is fine. */
leomesh_status leomesh_stop(leomesh_agent *agent);

/* Stops the agent (leomesh_stop) and frees everything. NULL is allowed. */
void leomesh_destroy(leomesh_agent *agent);

/* ---- Telemetry ------------------------------------------------------------------------- */

/* Counters, readable at any time; the fields of leomesh-agent's telemetry line. */
typedef struct leomesh_telemetry {
  int32_t satellite;
  int32_t finished;
  uint64_t tasks_executed;
  uint64_t tasks_queued;       /* now */
  uint64_t queue_high_water;
  uint64_t ran_at_once;        /* poll-driven: spawns that found the queue full */
  uint64_t steal_attempts, steal_successes, steal_empty, steal_timeouts;
  uint64_t tasks_received, tasks_given, requests_served;
  uint64_t forwarded, unroutable, loot_retransmits, loot_pushes;
  uint64_t messages_sent;
  uint64_t frames_sent, frames_received, bytes_sent, bytes_received; /* received: every frame handed
                                                                        in, the dropped ones too */
  uint64_t dropped_frames;     /* refused by the codec */
  uint64_t events_lost;        /* events not polled in time (the queue holds 64) */
  /* The rest of what leomesh-agent reports (its JSON telemetry, by the same names). */
  uint64_t late_loot;          /* loot that came after its request timed out */
  uint64_t downhill_pushes, duplicates, unmatched_acks, stale_requests, hop_limit;
  double steal_latency_sum_s;  /* round trips of answered steal attempts, summed */
  uint64_t steal_hops_sum;     /* their hops, one way, summed */
  struct {                     /* messages an honest run never sends, refused */
    uint64_t own_request, terminate, unasked_loot, stray_return;
  } rejected;
  struct {                     /* inputs dropped or put off at a bound of the agent's memory */
    uint64_t beyond_window, old_loot, unacked_full, timed_out_forgotten, outbound_full, events_full;
    uint64_t accounts_full, given_full, buffers_short;
  } capped;
  struct {                     /* crash recovery (all 0 without it) */
    uint64_t incarnation, account_returns, loots_restored, tasks_restored, restarts_seen, stale;
    uint64_t stale_returns, orphaned, heartbeats, refused, declared_dead, revived;
    uint64_t accounts_open, loot_given_unsettled;
  } recovery;
} leomesh_telemetry;

leomesh_status leomesh_telemetry_read(const leomesh_agent *agent, leomesh_telemetry *out);

/* Events with numeric ids, as a flight software event service files them. */
typedef enum leomesh_event_id {
  LEOMESH_EVENT_STARTED = 1,      /* value: tasks injected here */
  LEOMESH_EVENT_FINISHED = 2,     /* the run is over; value: the result's sum (at the root) */
  LEOMESH_EVENT_FRAME_DROPPED = 3,/* a malformed frame; value: its length */
  LEOMESH_EVENT_RECOVERED = 4,    /* crash recovery: loot of satellite `other` runs here again; value: tasks */
  LEOMESH_EVENT_LIVENESS = 5      /* crash recovery: satellites taken for dead changed; value: how many */
} leomesh_event_id;

typedef struct leomesh_event {
  leomesh_event_id id;
  uint64_t at_ns;  /* the host's time */
  int32_t other;   /* another satellite the event is about, or -1 */
  uint64_t value;
} leomesh_event;

/* Takes the oldest event not yet taken: 1 if there was one, 0 if none (or a NULL argument). */
int leomesh_poll_event(leomesh_agent *agent, leomesh_event *event);

#ifdef __cplusplus
}
#endif

#endif /* LEOMESH_H */
