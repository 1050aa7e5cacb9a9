/* Memory after start: every malloc, calloc, realloc and aligned allocation of a whole UTS run
 * through the C API, counted with the C library's allocator interposed. Poll-driven agents in
 * this process, one per satellite, run the workload over an in-memory link whose frame slots
 * are static, so that every allocation counted is leomesh's own. leomesh.h promises none
 * after leomesh_start(): the test fails on the first one, and prints the heap each agent took
 * at create and start.
 *
 *   allocations [--topology T] [--satellites N] [--policy P] [--workload W] [--pending-loot K]
 *               defaults: full:2, 2, neighbor, uts:T1, leomesh's; exit 1 on an allocation or a
 *               wrong answer */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leomesh/leomesh.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static int counting = 0;
static unsigned long long allocations = 0, bytes = 0;

static void count(size_t n) {
  if (counting) ++allocations, bytes += n;
}
void *malloc(size_t n) {
  count(n);
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
  count(n * size);
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
  count(n);
  return __libc_realloc(p, n);
}
void *aligned_alloc(size_t alignment, size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}
void *memalign(size_t alignment, size_t n) {
  count(n);
  return __libc_memalign(alignment, n);
}
int posix_memalign(void **out, size_t alignment, size_t n) {
  count(n);
  *out = __libc_memalign(alignment, n);
  return *out ? 0 : 12; /* ENOMEM */
}
void free(void *p) { __libc_free(p); }

/* The link: static frame slots, each delivered 1 ms (of the virtual clock) after it was sent. */
#define SLOTS 2048
#define SLOT_BYTES 65536
#define MAX_SATELLITES 16
static struct {
  int used;
  unsigned long long due;
  int from, to;
  size_t len;
  unsigned char bytes[SLOT_BYTES];
} slots[SLOTS];
static unsigned long long now_ns = 0, frames = 0, lost = 0;

typedef struct {
  int self;
} port;

static void send_frame(void *user, int32_t next_hop, const uint8_t *b, size_t len) {
  int i;
  for (i = 0; i < SLOTS; ++i)
    if (!slots[i].used) break;
  if (i == SLOTS || len > SLOT_BYTES) {
    ++lost; /* leomesh resends */
    return;
  }
  slots[i].used = 1;
  slots[i].due = now_ns + 1000000;
  slots[i].from = ((port *)user)->self;
  slots[i].to = next_hop;
  slots[i].len = len;
  memcpy(slots[i].bytes, b, len);
}

static uint64_t tick(void *user) {
  (void)user;
  return now_ns += 1000; /* a task costs 1 us of the virtual clock */
}

static int usage(const char *why) {
  fprintf(stderr, "allocations: %s (usage: [--topology T] [--satellites N] [--policy P] [--workload W] [--pending-loot K])\n", why);
  return 2;
}

int main(int argc, char **argv) {
  leomesh_agent *agents[MAX_SATELLITES];
  port ports[MAX_SATELLITES];
  const char *topology = "full:2", *policy = "neighbor", *workload = "uts:T1";
  int satellites = 2, pending = 0, s, i;
  unsigned long long at_start, at_start_bytes, turns = 0, tasks = 0, short_of_buffers = 0;
  leomesh_reduction r;
  for (i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return usage("a flag without its value");
    if (strcmp(argv[i], "--topology") == 0)
      topology = argv[i + 1];
    else if (strcmp(argv[i], "--policy") == 0)
      policy = argv[i + 1];
    else if (strcmp(argv[i], "--workload") == 0)
      workload = argv[i + 1];
    else if (strcmp(argv[i], "--pending-loot") == 0)
      pending = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--satellites") == 0) {
      satellites = atoi(argv[i + 1]);
      if (satellites < 1 || satellites > MAX_SATELLITES) return usage("--satellites: from 1 to 16");
    } else
      return usage("unknown flag");
  }
  counting = 1;
  for (s = 0; s < satellites; ++s) {
    leomesh_config cfg;
    leomesh_host host;
    char why[256];
    leomesh_config_init(&cfg);
    cfg.satellite = s;
    cfg.topology = topology;
    cfg.links = "none";
    cfg.policy = policy;
    cfg.workload = workload;
    cfg.inject_here = s == 0;
    cfg.task_cost_s = 1e-6;
    if (pending > 0) cfg.max_pending_loot = (uint32_t)pending;
    memset(&host, 0, sizeof host);
    ports[s].self = s;
    host.send = send_frame;
    host.clock_ns = tick;
    host.user = &ports[s];
    if (leomesh_create(&cfg, &host, &agents[s], why, sizeof why) != LEOMESH_OK) {
      fprintf(stderr, "allocations: %s\n", why);
      return 2;
    }
  }
  for (s = 0; s < satellites; ++s) leomesh_start(agents[s], now_ns);
  at_start = allocations;
  at_start_bytes = bytes;
  allocations = 0;
  bytes = 0;
  while (!leomesh_finished(agents[0]) && turns++ < 1000000 && allocations == 0) {
    for (i = 0; i < SLOTS; ++i)
      if (slots[i].used && slots[i].due <= now_ns) {
        slots[i].used = 0;
        ++frames;
        leomesh_deliver(agents[slots[i].to], now_ns, slots[i].from, slots[i].bytes, slots[i].len);
      }
    for (s = 0; s < satellites; ++s) leomesh_step(agents[s], now_ns, 1000000);
    now_ns += 100000;
  }
  counting = 0;
  for (s = 0; s < satellites; ++s) {
    leomesh_telemetry t;
    leomesh_telemetry_read(agents[s], &t);
    tasks += t.tasks_executed;
    short_of_buffers += t.capped.buffers_short;
  }
  printf("%s, %d agents, %s, %s: start took %llu allocations, %llu bytes (%.0f KiB per agent)\n", topology,
         satellites, policy, workload, at_start, at_start_bytes, (double)at_start_bytes / 1024.0 / satellites);
  printf("run: %llu allocations (%llu bytes) for %llu frames (%llu lost) and %llu tasks in %llu turns; loot put off "
         "for want of a buffer %llu times\n",
         allocations, bytes, frames, lost, tasks, turns, short_of_buffers);
  if (allocations > 0) {
    fprintf(stderr, "allocations: the run allocated after start (turn %llu)\n", turns);
    return 1;
  }
  if (leomesh_result(agents[0], &r) != LEOMESH_OK || !leomesh_verify(agents[0], &r)) {
    fprintf(stderr, "allocations: the run did not end with the exact answer\n");
    return 1;
  }
  printf("result %llu (%llu leaves, depth %llu): exact\n", (unsigned long long)r.sum, (unsigned long long)r.aux,
         (unsigned long long)r.max);
  for (s = 0; s < satellites; ++s) leomesh_destroy(agents[s]);
  return 0;
}
