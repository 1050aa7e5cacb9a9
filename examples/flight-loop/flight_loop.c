/* A cFS-style application hosting leomesh agents, poll-driven: one 100 Hz rate group owns the
 * thread. Each 10 ms cycle it passes the software bus's frames to the agents, gives each agent
 * a slice of the cycle to run tasks (leomesh_step), runs its own duties (ground commands,
 * telemetry), and sleeps until the next cycle. leomesh never runs outside leomesh_step.
 *
 *   flight_loop [--satellites N] [--delay-ms D] [--workload tiles:K|uts:T1]
 */
#include "mission.h"

int main(int argc, char **argv) {
  const uint64_t cycle_ns = 10000000; /* 100 Hz */
  mission m;
  uint64_t next;
  int s;
  if (mission_setup(&m, argc, argv, /*threads=*/0) != 0) return 2;
  next = m.start_ns;
  for (;;) {
    uint64_t now = monotonic_now_ns();
    bus_deliver_due(&m.bus, m.agents, now);
    /* Half the cycle for the agents, shared between them; the rest is the host's. */
    for (s = 0; s < m.satellites; ++s) leomesh_step(m.agents[s], monotonic_now_ns(), cycle_ns / 2 / m.satellites);
    if (mission_tick(&m, monotonic_now_ns())) break;
    next += cycle_ns;
    sleep_until_ns(next);
  }
  return mission_finish(&m);
}
