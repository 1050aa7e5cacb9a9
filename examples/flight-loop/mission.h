/* The mission both flight-loop examples fly: N satellites in one process, each a leomesh
 * agent with its own port on the software bus, an image-tile payload task registered on all
 * of them, a ground command that submits the tiles (or a built-in UTS tree), telemetry once a
 * second, and the exact answer checked at the end.
 *
 *   mission m;
 *   if (mission_setup(&m, argc, argv, threads) != 0) return 2;   // one line on stderr
 *   ... the host's loop: bus_deliver_due(), leomesh_step() per agent, mission_tick() ...
 *   return mission_finish(&m);                                    // 0 = exact
 */
#ifndef MISSION_H
#define MISSION_H

#include "software_bus.h"

#define MISSION_MAX_SATELLITES 16

typedef struct mission {
  int satellites;
  char topology[32];
  const char *workload;   /* "uts:T1", or NULL: image tiles */
  uint32_t tiles;
  uint32_t threads;       /* 0: poll-driven */
  double timeout_s;
  software_bus bus;
  bus_port ports[MISSION_MAX_SATELLITES];
  leomesh_agent *agents[MISSION_MAX_SATELLITES];
  uint64_t start_ns, command_ns, next_report_ns;
  int commanded;
} mission;

/* Parses --satellites N (2..16, a ring), --delay-ms D, --workload tiles:K|uts:T1, --timeout S;
   creates and starts the agents. Nonzero after printing one line on bad usage. */
int mission_setup(mission *m, int argc, char **argv, uint32_t threads);
/* Once per cycle: the ground command (0.2 s into the mission), telemetry every second.
   Returns nonzero once the root knows the run is over, or on timeout. */
int mission_tick(mission *m, uint64_t now_ns);
/* Prints the result against the answer computed on the ground; frees everything. 0 = exact. */
int mission_finish(mission *m);

#endif
