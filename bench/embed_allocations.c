/* Memory after start: every malloc, calloc and realloc that leomesh makes while it runs, with
 * the C library's allocator interposed. Two poll-driven agents in this process run UTS T1
 * over an in-memory link whose frame slots are static, so that every allocation counted is
 * leomesh's own. Prints the counts during start and during the run, per frame and per task.
 *
 *   allocations [--max-per-frame N]   exit 1 if the run allocates more than N per frame */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leomesh/leomesh.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static int counting = 0;
static unsigned long long allocations = 0, bytes = 0;

void *malloc(size_t n) {
  if (counting) ++allocations, bytes += n;
  return __libc_malloc(n);
}
void *calloc(size_t n, size_t size) {
  if (counting) ++allocations, bytes += n * size;
  return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n) {
  if (counting) ++allocations, bytes += n;
  return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }

/* A link of static frame slots. */
#define SLOTS 1024
#define SLOT_BYTES 65536
static struct {
  int used;
  unsigned long long due;
  int from, to;
  size_t len;
  unsigned char bytes[SLOT_BYTES];
} slots[SLOTS];
static unsigned long long now_ns = 0, frames = 0;

typedef struct {
  int self;
} port;

static void send_frame(void *user, int32_t next_hop, const uint8_t *b, size_t len) {
  int i;
  for (i = 0; i < SLOTS; ++i)
    if (!slots[i].used) break;
  if (i == SLOTS || len > SLOT_BYTES) return; /* lost: leomesh resends */
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

int main(int argc, char **argv) {
  leomesh_agent *agents[2];
  port ports[2] = {{0}, {1}};
  leomesh_reduction r;
  leomesh_telemetry t0, t1;
  unsigned long long at_start, at_start_bytes, turns = 0;
  double max_per_frame = -1;
  int s, i;
  if (argc == 3 && strcmp(argv[1], "--max-per-frame") == 0) max_per_frame = atof(argv[2]);
  counting = 1;
  for (s = 0; s < 2; ++s) {
    leomesh_config cfg;
    leomesh_host host;
    leomesh_config_init(&cfg);
    cfg.satellite = s;
    cfg.topology = "full:2";
    cfg.links = "none";
    cfg.workload = "uts:T1";
    cfg.inject_here = s == 0;
    cfg.task_cost_s = 1e-6;
    memset(&host, 0, sizeof host);
    host.send = send_frame;
    host.clock_ns = tick;
    host.user = &ports[s];
    if (leomesh_create(&cfg, &host, &agents[s], NULL, 0) != LEOMESH_OK) return 2;
    leomesh_start(agents[s], now_ns);
  }
  at_start = allocations;
  at_start_bytes = bytes;
  allocations = 0;
  bytes = 0;
  while (!leomesh_finished(agents[0]) && turns++ < 1000000) {
    for (i = 0; i < SLOTS; ++i)
      if (slots[i].used && slots[i].due <= now_ns) {
        slots[i].used = 0;
        ++frames;
        leomesh_deliver(agents[slots[i].to], now_ns, slots[i].from, slots[i].bytes, slots[i].len);
      }
    for (s = 0; s < 2; ++s) leomesh_step(agents[s], now_ns, 1000000);
    now_ns += 100000;
  }
  counting = 0;
  if (leomesh_result(agents[0], &r) != LEOMESH_OK || !leomesh_verify(agents[0], &r)) {
    fprintf(stderr, "allocations: the run did not end with the exact answer\n");
    return 1;
  }
  leomesh_telemetry_read(agents[0], &t0);
  leomesh_telemetry_read(agents[1], &t1);
  printf("start (create and start of 2 agents): %llu allocations, %llu bytes (%.0f KiB per agent)\n", at_start,
         at_start_bytes, (double)at_start_bytes / 2048.0);
  printf("run: %llu allocations (%llu bytes) for %llu frames and %llu tasks: %.2f per frame, %.5f per task\n",
         allocations, bytes, frames, (unsigned long long)(t0.tasks_executed + t1.tasks_executed),
         frames ? (double)allocations / (double)frames : 0.0,
         (double)allocations / (double)(t0.tasks_executed + t1.tasks_executed));
  for (s = 0; s < 2; ++s) leomesh_destroy(agents[s]);
  if (max_per_frame >= 0 && frames && (double)allocations / (double)frames > max_per_frame) {
    fprintf(stderr, "allocations: more than %.2f per frame\n", max_per_frame);
    return 1;
  }
  return 0;
}
