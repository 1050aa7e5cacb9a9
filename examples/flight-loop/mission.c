#define _POSIX_C_SOURCE 200809L
#include "mission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The payload: count the cloudy pixels of a 128 x 128 image tile -------------------- */

enum { KIND_TILE = 16, TILE_SIDE = 128, CLOUDY = 200 };

typedef struct {
  uint32_t tile, seed;
} tile_args;

static uint32_t pixel(uint32_t seed, uint32_t tile, uint32_t x, uint32_t y) {
  uint32_t h = seed ^ (tile * 0x9E3779B1u) ^ (x * 0x85EBCA77u) ^ (y * 0xC2B2AE3Du);
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x846CA68Bu;
  h ^= h >> 16;
  return h & 0xFF;
}

static uint64_t cloudy_pixels(uint32_t seed, uint32_t tile) {
  uint64_t n = 0;
  uint32_t x, y;
  for (y = 0; y < TILE_SIDE; ++y)
    for (x = 0; x < TILE_SIDE; ++x) n += pixel(seed, tile, x, y) > CLOUDY;
  return n;
}

/* The task: one tile. sum = cloudy pixels, aux = tiles, max = the cloudiest tile's count. */
static void tile_task(const leomesh_task *task, leomesh_ctx *ctx, void *user) {
  tile_args a;
  uint64_t n;
  (void)user;
  memcpy(&a, task->payload, sizeof a);
  n = cloudy_pixels(a.seed, a.tile);
  leomesh_reduce(ctx, n, 1, n);
}

/* ---- Set-up ----------------------------------------------------------------------------- */

static int usage(const char *why) {
  fprintf(stderr, "flight-loop: %s (usage: [--satellites 2..16] [--delay-ms D] [--workload tiles:K|uts:T1] [--timeout S])\n",
          why);
  return 2;
}

static void log_line(void *user, int32_t level, const char *line) {
  (void)user;
  if (level <= 1) fprintf(stderr, "%s\n", line);
}

int mission_setup(mission *m, int argc, char **argv, uint32_t threads) {
  double delay_ms = 5;
  int i;
  memset(m, 0, sizeof *m);
  m->satellites = 2;
  m->tiles = 2000;
  m->threads = threads;
  m->timeout_s = 60;
  for (i = 1; i < argc; ++i) {
    const char *value = i + 1 < argc ? argv[i + 1] : NULL;
    char *end = NULL;
    if (!value) return usage("a flag without its value");
    if (strcmp(argv[i], "--satellites") == 0) {
      m->satellites = (int)strtol(value, &end, 10);
      if (*end || m->satellites < 2 || m->satellites > MISSION_MAX_SATELLITES) return usage("--satellites: 2 to 16");
    } else if (strcmp(argv[i], "--delay-ms") == 0) {
      delay_ms = strtod(value, &end);
      if (*end || !(delay_ms >= 0 && delay_ms <= 1000)) return usage("--delay-ms: 0 to 1000");
    } else if (strcmp(argv[i], "--workload") == 0) {
      if (strncmp(value, "tiles:", 6) == 0) {
        long k = strtol(value + 6, &end, 10);
        if (*end || k < 1 || k > 1000000) return usage("--workload tiles:K: K from 1 to 1000000");
        m->tiles = (uint32_t)k;
      } else if (strcmp(value, "uts:T1") == 0) {
        m->workload = "uts:T1";
      } else {
        return usage("--workload: tiles:K or uts:T1");
      }
    } else if (strcmp(argv[i], "--timeout") == 0) {
      m->timeout_s = strtod(value, &end);
      if (*end || !(m->timeout_s > 0)) return usage("--timeout: seconds > 0");
    } else {
      return usage("unknown flag");
    }
    ++i;
  }
  snprintf(m->topology, sizeof m->topology, "torus:1x%d", m->satellites); /* a ring: ISLs to two neighbours */
  if (m->satellites == 2) snprintf(m->topology, sizeof m->topology, "full:2");
  bus_init(&m->bus, (uint64_t)(delay_ms * 1e6), monotonic_now_ns);
  for (i = 0; i < m->satellites; ++i) {
    leomesh_config cfg;
    leomesh_host host;
    char why[256];
    leomesh_config_init(&cfg);
    cfg.satellite = i;
    cfg.topology = m->topology;
    cfg.links = "none"; /* the bus adds the delay */
    cfg.root = 0;
    cfg.workload = m->workload;
    cfg.inject_here = m->workload != NULL && i == 0; /* the tree starts at the root */
    cfg.workers = threads;
    cfg.task_cost_s = m->workload ? 0 : 80e-6; /* a tile, measured here: about 80 us */
    m->ports[i].bus = &m->bus;
    m->ports[i].satellite = i;
    memset(&host, 0, sizeof host);
    host.send = bus_send;
    host.log = log_line;
    host.user = &m->ports[i];
    if (leomesh_create(&cfg, &host, &m->agents[i], why, sizeof why) != LEOMESH_OK) {
      fprintf(stderr, "flight-loop: satellite %d: %s\n", i, why);
      return 2;
    }
    if (!m->workload && leomesh_register_kind(m->agents[i], KIND_TILE, tile_task, NULL, NULL) != LEOMESH_OK) return 2;
  }
  m->start_ns = monotonic_now_ns();
  for (i = 0; i < m->satellites; ++i) leomesh_start(m->agents[i], m->start_ns);
  m->command_ns = m->start_ns + 200000000u;
  m->next_report_ns = m->start_ns + 1000000000u;
  printf("flight-loop: %d satellites (%s), %.1f ms per hop, %s mode, %s\n", m->satellites, m->topology, delay_ms,
         threads ? "threaded" : "poll-driven", m->workload ? m->workload : "image tiles");
  return 0;
}

/* ---- The loop's duties ------------------------------------------------------------------- */

static void ground_command(mission *m, uint64_t now_ns) {
  uint32_t t;
  leomesh_task *batch;
  if (m->workload) return; /* the built-in tree was injected at start */
  batch = (leomesh_task *)calloc(m->tiles, sizeof *batch);
  if (!batch) return;
  for (t = 0; t < m->tiles; ++t) {
    tile_args a;
    a.tile = t;
    a.seed = 42;
    batch[t].kind = KIND_TILE;
    batch[t].size = sizeof a;
    memcpy(batch[t].payload, &a, sizeof a);
  }
  if (leomesh_submit(m->agents[0], now_ns, batch, m->tiles) != LEOMESH_OK) fprintf(stderr, "flight-loop: submit refused\n");
  free(batch);
  printf("t=%.2fs ground command: %u tiles to satellite 0\n", (double)(now_ns - m->start_ns) * 1e-9, m->tiles);
}

static void telemetry(mission *m, uint64_t now_ns) {
  int i;
  printf("t=%.2fs", (double)(now_ns - m->start_ns) * 1e-9);
  for (i = 0; i < m->satellites; ++i) {
    leomesh_telemetry t;
    leomesh_telemetry_read(m->agents[i], &t);
    printf(" | sat %d: %llu tasks, %llu queued, %llu in / %llu out", i, (unsigned long long)t.tasks_executed,
           (unsigned long long)t.tasks_queued, (unsigned long long)t.tasks_received, (unsigned long long)t.tasks_given);
  }
  printf("\n");
  fflush(stdout);
}

int mission_tick(mission *m, uint64_t now_ns) {
  if (!m->commanded && now_ns >= m->command_ns) {
    m->commanded = 1;
    ground_command(m, now_ns);
  }
  if (now_ns >= m->next_report_ns) {
    telemetry(m, now_ns);
    m->next_report_ns += 1000000000u;
  }
  if (leomesh_finished(m->agents[0])) return 1;
  return (double)(now_ns - m->start_ns) * 1e-9 > m->timeout_s;
}

int mission_finish(mission *m) {
  leomesh_reduction r;
  int exact = 0, i;
  double seconds = (double)(monotonic_now_ns() - m->command_ns) * 1e-9;
  telemetry(m, monotonic_now_ns());
  if (leomesh_result(m->agents[0], &r) != LEOMESH_OK) {
    fprintf(stderr, "flight-loop: no result after %.0f s\n", m->timeout_s);
  } else if (m->workload) {
    exact = leomesh_verify(m->agents[0], &r);
    printf("result: %llu nodes, %llu leaves, depth %llu: %s\n", (unsigned long long)r.sum, (unsigned long long)r.aux,
           (unsigned long long)r.max, exact ? "exact" : "WRONG");
  } else {
    /* The answer the ground computes for itself, tile by tile. */
    uint64_t sum = 0, max = 0, n;
    uint32_t t;
    for (t = 0; t < m->tiles; ++t) {
      n = cloudy_pixels(42, t);
      sum += n;
      if (n > max) max = n;
    }
    exact = r.sum == sum && r.aux == m->tiles && r.max == max;
    printf("result: %llu cloudy pixels in %llu tiles (cloudiest %llu), ground says %llu: %s, %.2f s after the command\n",
           (unsigned long long)r.sum, (unsigned long long)r.aux, (unsigned long long)r.max, (unsigned long long)sum,
           exact ? "exact" : "WRONG", seconds);
  }
  for (i = 0; i < m->satellites; ++i) leomesh_destroy(m->agents[i]);
  bus_free(&m->bus);
  return exact ? 0 : 1;
}
