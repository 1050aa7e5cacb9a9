/* Conformance of the embedding C API (leomesh.h), compiled as C99: lifecycle, the status of
 * every bad call, poll-driven and threaded runs with exact results, two agents in one
 * process over an in-memory link, and the host's own task kinds.
 *
 * Exact answers known independently: N-Queens counts (OEIS A000170: 8 -> 92, 10 -> 724) and
 * the UTS T1 sample tree (4,130,071 nodes, checked by leomesh_verify against the workload). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leomesh/leomesh.h"

static int failures = 0;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                     \
    }                                                                 \
  } while (0)
#define CHECK_STATUS(call, expected)                                                            \
  do {                                                                                         \
    leomesh_status got_ = (call);                                                              \
    if (got_ != (expected)) {                                                                  \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #call,           \
              leomesh_status_name(got_), leomesh_status_name(expected));                       \
      ++failures;                                                                              \
    }                                                                                          \
  } while (0)

/* ---- An in-memory ISL between the agents of this process, with a fixed delay ------------ */

#define MAX_FRAMES 4096
#define MAX_FRAME_BYTES 65536
typedef struct {
  uint64_t due_ns;
  int32_t from, to;
  size_t len;
  uint8_t *bytes;
} frame;

typedef struct {
  frame frames[MAX_FRAMES];
  size_t count;
  uint64_t delay_ns;
  uint64_t now_ns; /* the virtual clock of the loop */
  uint64_t dropped;
} bus;

typedef struct {
  bus *link;
  int32_t self;
} endpoint;

static void bus_send(void *user, int32_t next_hop, const uint8_t *bytes, size_t len) {
  endpoint *e = (endpoint *)user;
  bus *b = e->link;
  frame *f;
  if (b->count == MAX_FRAMES) {
    ++b->dropped; /* leomesh resends what matters */
    return;
  }
  f = &b->frames[b->count++];
  f->due_ns = b->now_ns + b->delay_ns;
  f->from = e->self;
  f->to = next_hop;
  f->len = len;
  f->bytes = (uint8_t *)malloc(len);
  memcpy(f->bytes, bytes, len);
}

/* Hands every frame that is due to its receiver, oldest first. */
static void bus_deliver(bus *b, leomesh_agent **agents) {
  size_t i = 0;
  while (i < b->count) {
    frame f = b->frames[i];
    if (f.due_ns > b->now_ns) {
      ++i;
      continue;
    }
    memmove(&b->frames[i], &b->frames[i + 1], (b->count - i - 1) * sizeof(frame));
    --b->count;
    CHECK_STATUS(leomesh_deliver(agents[f.to], b->now_ns, f.from, f.bytes, f.len), LEOMESH_OK);
    free(f.bytes);
  }
}

/* Poll-driven runs keep the loop's virtual clock, and every reading of it is one microsecond
   later: a task "costs" 1 us, so a 1 ms budget is about 1000 tasks on any machine. */
static uint64_t virtual_clock(void *user) { return ((endpoint *)user)->link->now_ns += 1000; }

/* ---- A host task kind: N-Queens, one task per placement down to the cutoff -------------- */

enum { KIND_QUEENS = 20 };
typedef struct {
  uint8_t n, row;
  uint32_t cols, diag1, diag2;
} queens;

static int spawn_errors = 0;

static uint64_t queens_below(int n, int row, uint32_t cols, uint32_t d1, uint32_t d2) {
  uint64_t count = 0;
  uint32_t free_ = ~(cols | d1 | d2) & ((1u << n) - 1);
  if (row == n) return 1;
  while (free_) {
    uint32_t bit = free_ & -free_;
    free_ ^= bit;
    count += queens_below(n, row + 1, cols | bit, (d1 | bit) << 1, (d2 | bit) >> 1);
  }
  return count;
}

static void queens_task(const leomesh_task *task, leomesh_ctx *ctx, void *user) {
  queens q;
  uint32_t free_;
  int cutoff = *(const int *)user;
  memcpy(&q, task->payload, sizeof q);
  if (q.row >= cutoff) {
    leomesh_reduce(ctx, queens_below(q.n, q.row, q.cols, q.diag1, q.diag2), 1, q.row);
    return;
  }
  free_ = ~(q.cols | q.diag1 | q.diag2) & ((1u << q.n) - 1);
  while (free_) {
    uint32_t bit = free_ & -free_;
    leomesh_task child;
    queens c;
    free_ ^= bit;
    c.n = q.n;
    c.row = (uint8_t)(q.row + 1);
    c.cols = q.cols | bit;
    c.diag1 = (q.diag1 | bit) << 1;
    c.diag2 = (q.diag2 | bit) >> 1;
    memset(&child, 0, sizeof child);
    child.kind = KIND_QUEENS;
    child.size = sizeof c;
    memcpy(child.payload, &c, sizeof c);
    if (leomesh_spawn(ctx, &child) != LEOMESH_OK) ++spawn_errors;
  }
}

/* A placement at row r stands for about (n - r)! / 4 nodes below it (a rough count, which is
   all an estimate needs to be). */
static double queens_estimate(const leomesh_task *task, void *user) {
  queens q;
  double units = 1;
  int k;
  (void)user;
  memcpy(&q, task->payload, sizeof q);
  for (k = 2; k <= q.n - q.row; ++k) units *= k;
  return units / 4 + 1;
}

static double bad_estimate(const leomesh_task *task, void *user) {
  (void)task;
  (void)user;
  return -1; /* counted as one unit */
}

static leomesh_task queens_root(int n) {
  leomesh_task t;
  queens q;
  memset(&q, 0, sizeof q);
  memset(&t, 0, sizeof t);
  q.n = (uint8_t)n;
  t.kind = KIND_QUEENS;
  t.size = sizeof q;
  memcpy(t.payload, &q, sizeof q);
  return t;
}

/* A task that tries what a task must not do. */
static void bad_spawner(const leomesh_task *task, leomesh_ctx *ctx, void *user) {
  leomesh_task child;
  (void)task;
  (void)user;
  memset(&child, 0, sizeof child);
  child.kind = 61; /* never registered */
  if (leomesh_spawn(ctx, &child) != LEOMESH_ERR_KIND) ++spawn_errors;
  child.kind = 21;
  child.size = 29;
  if (leomesh_spawn(ctx, &child) != LEOMESH_ERR_TOO_BIG) ++spawn_errors;
  if (leomesh_spawn(NULL, &child) != LEOMESH_ERR_NULL) ++spawn_errors;
  leomesh_reduce(ctx, 7, 0, 0);
}

/* ---- Runs -------------------------------------------------------------------------------- */

typedef struct {
  int satellites;
  const char *topology;
  const char *workload; /* built-in, or NULL for N-Queens */
  int queens_n;
  uint32_t workers;
  uint32_t max_queued_tasks;
  uint64_t delay_ns;
} run_spec;

/* Runs the constellation to its end in one loop: each turn delivers the frames that are due,
   steps every agent for 1 ms of tasks, and moves the virtual clock 1 ms on (poll-driven: the
   virtual clock is also the budget's clock, so the run is the same on any machine). */
static int last_turns = 0; /* of the last run */

static leomesh_reduction run(const run_spec *spec, leomesh_agent **agents_out, int keep) {
  static bus link;
  endpoint ends[4];
  leomesh_agent *agents[4];
  leomesh_reduction result;
  int cutoff = 4, s, turns = 0;
  memset(&link, 0, sizeof link);
  memset(&result, 0, sizeof result);
  link.delay_ns = spec->delay_ns;
  for (s = 0; s < spec->satellites; ++s) {
    leomesh_config cfg;
    leomesh_host host;
    char why[256] = "";
    leomesh_config_init(&cfg);
    cfg.satellite = s;
    cfg.topology = spec->topology;
    cfg.links = "none";
    cfg.root = 0;
    cfg.workload = spec->workload;
    cfg.inject_here = s == 0 && spec->workload != NULL;
    cfg.workers = spec->workers;
    /* What a task costs on the virtual clock, so that sharing decisions weigh it right. */
    if (spec->workers == 0) cfg.task_cost_s = 1e-6;
    if (spec->max_queued_tasks) cfg.max_queued_tasks = spec->max_queued_tasks;
    ends[s].link = &link;
    ends[s].self = s;
    memset(&host, 0, sizeof host);
    host.send = bus_send;
    host.clock_ns = spec->workers == 0 ? virtual_clock : NULL;
    host.user = &ends[s];
    CHECK_STATUS(leomesh_create(&cfg, &host, &agents[s], why, sizeof why), LEOMESH_OK);
    if (!agents[s]) {
      fprintf(stderr, "create: %s\n", why);
      exit(1);
    }
    if (!spec->workload) CHECK_STATUS(leomesh_register_kind(agents[s], KIND_QUEENS, queens_task, queens_estimate, &cutoff), LEOMESH_OK);
    CHECK_STATUS(leomesh_start(agents[s], link.now_ns), LEOMESH_OK);
  }
  if (!spec->workload) {
    leomesh_task root = queens_root(spec->queens_n);
    CHECK_STATUS(leomesh_submit(agents[0], link.now_ns, &root, 1), LEOMESH_OK);
  }
  while (!leomesh_finished(agents[0]) && turns++ < 2000000) {
    bus_deliver(&link, agents);
    for (s = 0; s < spec->satellites; ++s) CHECK_STATUS(leomesh_step(agents[s], link.now_ns, 1000000), LEOMESH_OK);
    if (spec->workers == 0) {
      link.now_ns += 1000000; /* poll-driven: virtual time, 1 ms a turn */
    } else {
      /* Threaded: the workers run in real time; the loop turns every 100 us of it. */
      struct timespec pause = {0, 100000};
      nanosleep(&pause, NULL);
      link.now_ns += 100000;
    }
  }
  CHECK(leomesh_finished(agents[0]));
  CHECK_STATUS(leomesh_result(agents[0], &result), LEOMESH_OK);
  printf("%d satellite(s) on %s, %s, %s: sum %llu after %d turns\n", spec->satellites, spec->topology,
         spec->workers ? "threaded" : "poll-driven", spec->workload ? spec->workload : "queens", (unsigned long long)result.sum,
         turns);
  fflush(stdout);
  last_turns = turns;
  if (getenv("LEOMESH_CONFORMANCE_VERBOSE"))
    for (s = 0; s < spec->satellites; ++s) {
      leomesh_telemetry t;
      leomesh_telemetry_read(agents[s], &t);
      printf("  sat %d: executed %llu, attempts %llu ok %llu empty %llu timeouts %llu, retransmits %llu, given %llu received %llu, frames %llu/%llu\n", s,
             (unsigned long long)t.tasks_executed, (unsigned long long)t.steal_attempts, (unsigned long long)t.steal_successes,
             (unsigned long long)t.steal_empty, (unsigned long long)t.steal_timeouts, (unsigned long long)t.loot_retransmits,
             (unsigned long long)t.tasks_given, (unsigned long long)t.tasks_received, (unsigned long long)t.frames_sent,
             (unsigned long long)t.frames_received);
    }
  for (s = 0; s < spec->satellites; ++s) {
    if (keep && s == 0) {
      *agents_out = agents[0];
      continue;
    }
    leomesh_destroy(agents[s]);
  }
  while (link.count > 0) free(link.frames[--link.count].bytes);
  return result;
}

static void test_bad_calls(void) {
  leomesh_config cfg;
  leomesh_host host;
  leomesh_agent *agent = (leomesh_agent *)1;
  leomesh_reduction r;
  leomesh_telemetry t;
  leomesh_event e;
  char why[256];
  endpoint end;
  bus b;
  static const uint8_t garbage[] = {0xde, 0xad, 0xbe, 0xef, 0x01};
  static uint8_t huge[70000];

  CHECK(strcmp(leomesh_status_name(LEOMESH_ERR_KIND), "LEOMESH_ERR_KIND") == 0);
  leomesh_config_init(&cfg);
  CHECK(cfg.workers == 0 && cfg.max_queued_tasks == 4096 && cfg.max_message_bytes == 65536 && cfg.root == 0);
  memset(&b, 0, sizeof b);
  end.link = &b;
  end.self = 0;
  memset(&host, 0, sizeof host);
  host.user = &end;

  /* No transport: refused, and the output cleared. */
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_ERR_NULL);
  CHECK(agent == NULL);
  CHECK(strstr(why, "host.send") != NULL);
  host.send = bus_send;
  CHECK_STATUS(leomesh_create(NULL, &host, &agent, why, sizeof why), LEOMESH_ERR_NULL);
  CHECK_STATUS(leomesh_create(&cfg, &host, NULL, why, sizeof why), LEOMESH_ERR_NULL);

  /* Bad settings: one line naming what is wrong. */
  cfg.topology = "torus:0x3";
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_ERR_CONFIG);
  CHECK(agent == NULL && strlen(why) > 0 && strchr(why, '\n') == NULL);
  cfg.topology = "torus:3x3";
  cfg.satellite = 9;
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_ERR_CONFIG);
  CHECK(strstr(why, "identity.satellite") != NULL);
  cfg.satellite = 0;
  cfg.policy = "sideways";
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_ERR_CONFIG);
  cfg.policy = NULL;
  cfg.workload = "uts:T99";
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_ERR_CONFIG);
  cfg.workload = NULL;
  cfg.max_message_bytes = 10;
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_ERR_CONFIG);
  CHECK(strstr(why, "max_message_bytes") != NULL);
  cfg.max_message_bytes = 65536;
  CHECK_STATUS(leomesh_create_from_text("identity { satellite: 0 ", &host, &agent, why, sizeof why),
               LEOMESH_ERR_CONFIG);
  /* The line of the problem, or (the embedded profile) that there is no text format at all. */
  CHECK(strstr(why, "line") != NULL || strstr(why, "embedded profile") != NULL);
  CHECK_STATUS(leomesh_create_from_text(NULL, &host, &agent, why, sizeof why), LEOMESH_ERR_NULL);

  /* A good one, and every call that is wrong for its state or its arguments. */
  CHECK_STATUS(leomesh_create(&cfg, &host, &agent, why, sizeof why), LEOMESH_OK);
  CHECK_STATUS(leomesh_register_kind(NULL, KIND_QUEENS, queens_task, NULL, NULL), LEOMESH_ERR_NULL);
  CHECK_STATUS(leomesh_register_kind(agent, KIND_QUEENS, NULL, NULL, NULL), LEOMESH_ERR_NULL);
  CHECK_STATUS(leomesh_register_kind(agent, 3, queens_task, NULL, NULL), LEOMESH_ERR_KIND);  /* built-in range */
  CHECK_STATUS(leomesh_register_kind(agent, 64, queens_task, NULL, NULL), LEOMESH_ERR_KIND);
  CHECK_STATUS(leomesh_register_kind(agent, 21, bad_spawner, bad_estimate, NULL), LEOMESH_OK);
  CHECK_STATUS(leomesh_register_kind(agent, 21, bad_spawner, NULL, NULL), LEOMESH_ERR_KIND);  /* twice */
  CHECK_STATUS(leomesh_step(agent, 0, 0), LEOMESH_ERR_STATE);                           /* before start */
  CHECK_STATUS(leomesh_deliver(agent, 0, 0, garbage, sizeof garbage), LEOMESH_ERR_STATE);
  CHECK_STATUS(leomesh_result(agent, &r), LEOMESH_ERR_STATE);
  CHECK_STATUS(leomesh_telemetry_read(agent, &t), LEOMESH_OK);
  CHECK(t.satellite == 0 && t.tasks_executed == 0);
  CHECK_STATUS(leomesh_start(agent, 100), LEOMESH_OK);
  CHECK(leomesh_poll_event(agent, &e) == 1 && e.id == LEOMESH_EVENT_STARTED && e.at_ns == 100);
  CHECK_STATUS(leomesh_start(agent, 100), LEOMESH_ERR_STATE);
  CHECK_STATUS(leomesh_register_kind(agent, 22, queens_task, NULL, NULL), LEOMESH_ERR_STATE);  /* after start */
  {
    leomesh_task t2;
    memset(&t2, 0, sizeof t2);
    t2.kind = 60; /* not registered */
    CHECK_STATUS(leomesh_submit(agent, 100, &t2, 1), LEOMESH_ERR_KIND);
    t2.kind = 21;
    t2.size = 29;
    CHECK_STATUS(leomesh_submit(agent, 100, &t2, 1), LEOMESH_ERR_TOO_BIG);
    CHECK_STATUS(leomesh_submit(agent, 100, NULL, 1), LEOMESH_ERR_NULL);
    t2.size = 0;
    spawn_errors = 0;
    CHECK_STATUS(leomesh_submit(agent, 100, &t2, 1), LEOMESH_OK);
  }
  /* Frames: garbage is refused and counted, a giant is refused before parsing, and a frame
     from a satellite that does not exist is an argument error. */
  CHECK_STATUS(leomesh_deliver(agent, 200, 1, garbage, sizeof garbage), LEOMESH_ERR_FRAME);
  CHECK_STATUS(leomesh_deliver(agent, 200, 1, huge, sizeof huge), LEOMESH_ERR_TOO_BIG);
  CHECK_STATUS(leomesh_deliver(agent, 200, 9, garbage, sizeof garbage), LEOMESH_ERR_ARG);
  CHECK_STATUS(leomesh_deliver(agent, 200, 1, NULL, 4), LEOMESH_ERR_NULL);
  CHECK(leomesh_poll_event(agent, &e) == 1 && e.id == LEOMESH_EVENT_FRAME_DROPPED && e.other == 1 &&
        e.value == sizeof garbage);
  CHECK(leomesh_poll_event(agent, &e) == 1 && e.id == LEOMESH_EVENT_FRAME_DROPPED && e.value == sizeof huge);
  CHECK(leomesh_poll_event(agent, &e) == 0);
  CHECK(leomesh_poll_event(NULL, &e) == 0);
  CHECK_STATUS(leomesh_step(agent, 300, 1000000), LEOMESH_OK);
  CHECK(spawn_errors == 0); /* the bad spawns inside the task were refused with the right codes */
  CHECK_STATUS(leomesh_telemetry_read(agent, &t), LEOMESH_OK);
  CHECK(t.dropped_frames == 2 && t.tasks_executed == 1 && t.frames_received == 2);
  CHECK_STATUS(leomesh_telemetry_read(agent, NULL), LEOMESH_ERR_NULL);
  CHECK_STATUS(leomesh_step(NULL, 0, 0), LEOMESH_ERR_NULL);
  CHECK(leomesh_next_deadline_ns(NULL) == UINT64_MAX);
  CHECK(t.rejected.own_request == 0 && t.capped.buffers_short == 0 && t.recovery.incarnation == 0);
  /* Stopped: nothing runs any more, what was measured can still be read. */
  CHECK_STATUS(leomesh_stop(NULL), LEOMESH_ERR_NULL);
  CHECK_STATUS(leomesh_stop(agent), LEOMESH_OK);
  CHECK_STATUS(leomesh_stop(agent), LEOMESH_OK);
  CHECK_STATUS(leomesh_step(agent, 400, 1000000), LEOMESH_ERR_STATE);
  CHECK_STATUS(leomesh_deliver(agent, 400, 1, garbage, sizeof garbage), LEOMESH_ERR_STATE);
  {
    leomesh_task t3;
    memset(&t3, 0, sizeof t3);
    t3.kind = 21;
    CHECK_STATUS(leomesh_submit(agent, 400, &t3, 1), LEOMESH_ERR_STATE);
  }
  CHECK_STATUS(leomesh_telemetry_read(agent, &t), LEOMESH_OK);
  CHECK(t.tasks_executed == 1 && t.frames_received == 2);
  leomesh_destroy(agent);
  leomesh_destroy(NULL);
  while (b.count > 0) free(b.frames[--b.count].bytes);
}

static void test_runs(void) {
  leomesh_reduction r;
  leomesh_agent *root = NULL;
  leomesh_telemetry t;
  leomesh_event e;
  int finished_event = 0;

  /* One satellite, poll-driven, the host's kind: 8 queens. */
  {
    run_spec s = {1, "full:1", NULL, 8, 0, 0, 0};
    r = run(&s, NULL, 0);
    CHECK(r.sum == 92);
  }
  /* A queue of 4 tasks: spawns into a full queue run at once, nothing lost. */
  {
    run_spec s = {1, "full:1", NULL, 8, 0, 4, 0};
    r = run(&s, &root, 1);
    CHECK(r.sum == 92);
    CHECK_STATUS(leomesh_telemetry_read(root, &t), LEOMESH_OK);
    CHECK(t.ran_at_once > 0 && t.queue_high_water <= 4);
    while (leomesh_poll_event(root, &e))
      if (e.id == LEOMESH_EVENT_FINISHED && e.value == 92) finished_event = 1;
    CHECK(finished_event);
    leomesh_destroy(root);
  }
  /* Two satellites in one process over a 5 ms link, poll-driven: 10 queens, and UTS T1. */
  {
    run_spec s = {2, "full:2", NULL, 10, 0, 0, 100000}; /* 10 queens: ~4 ms of tasks, a 0.1 ms link */
    r = run(&s, &root, 1);
    CHECK(r.sum == 724);
    /* Deterministic (the virtual clock): a handful of 1 ms turns. Idle neighbours once passed
       their only task to and fro between steps for 131,092 turns. */
    CHECK(last_turns < 100);
    CHECK_STATUS(leomesh_telemetry_read(root, &t), LEOMESH_OK);
    CHECK(t.frames_sent > 0 && t.frames_received > 0 && t.tasks_given > 0);
    leomesh_destroy(root);
  }
  {
    run_spec s = {2, "full:2", "uts:T1", 0, 0, 0, 5000000};
    r = run(&s, &root, 1);
    CHECK(r.sum == 4130071);
    CHECK(leomesh_verify(root, &r));
    leomesh_destroy(root);
  }
  /* Four satellites on a ring (torus:1x4), messages forwarded over two hops. */
  {
    run_spec s = {4, "torus:1x4", NULL, 10, 0, 0, 2000000};
    r = run(&s, NULL, 0);
    CHECK(r.sum == 724);
  }
  /* Threaded: two worker threads on each of two satellites. */
  {
    run_spec s = {2, "full:2", NULL, 10, 2, 0, 1000000};
    r = run(&s, NULL, 0);
    CHECK(r.sum == 724);
  }
  {
    run_spec s = {2, "full:2", "uts:T1", 0, 2, 0, 1000000};
    r = run(&s, &root, 1);
    CHECK(leomesh_verify(root, &r));
    leomesh_destroy(root);
  }
}

int main(void) {
  test_bad_calls();
  test_runs();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("leomesh.h conformance: all checks passed\n");
  return 0;
}
