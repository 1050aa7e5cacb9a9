/* The same mission with leomesh's threaded mode: each agent runs two worker threads of its
 * own, and the host's loop only moves frames and drives the protocol. It wakes at the earlier
 * of its 1 ms tick and the agents' next protocol deadline (leomesh_next_deadline_ns).
 *
 *   flight_threads [--satellites N] [--delay-ms D] [--workload tiles:K|uts:T1]
 */
#include "mission.h"

int main(int argc, char **argv) {
  const uint64_t tick_ns = 1000000;
  mission m;
  int s;
  if (mission_setup(&m, argc, argv, /*threads=*/2) != 0) return 2;
  for (;;) {
    uint64_t now = monotonic_now_ns(), wake = now + tick_ns;
    bus_deliver_due(&m.bus, m.agents, now);
    for (s = 0; s < m.satellites; ++s) {
      uint64_t due = leomesh_next_deadline_ns(m.agents[s]);
      leomesh_step(m.agents[s], now, 0); /* budget unused: the workers run the tasks */
      if (due < wake && due > now) wake = due;
    }
    if (mission_tick(&m, now)) break;
    sleep_until_ns(wake);
  }
  return mission_finish(&m);
}
