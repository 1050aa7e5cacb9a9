/* An in-memory stand-in for a flight software bus carrying ISL frames between the leomesh
 * agents of one process: each frame is delivered `delay_ns` after it was sent, in order. On a
 * satellite this is the radio or optical terminal's driver; leomesh only needs a send
 * callback and leomesh_deliver().
 *
 *   software_bus bus;
 *   bus_init(&bus, 5000000);                       // 5 ms per hop
 *   bus_port ports[2] = {{&bus, 0}, {&bus, 1}};
 *   host.send = bus_send; host.user = &ports[i];   // one port per agent
 *   ... every cycle: bus_deliver_due(&bus, agents, now_ns());
 *   bus_free(&bus);
 */
#ifndef SOFTWARE_BUS_H
#define SOFTWARE_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "leomesh/leomesh.h"

typedef struct bus_frame {
  uint64_t due_ns;
  int32_t from, to;
  size_t len;
  uint8_t *bytes;
  struct bus_frame *next;
} bus_frame;

typedef struct software_bus {
  bus_frame *head, *tail; /* in order of sending: with one delay for all, also of arrival */
  uint64_t delay_ns;
  uint64_t (*clock_ns)(void);
  uint64_t frames, bytes, dropped;
} software_bus;

/* What one agent's host.user points to: the bus and who is sending. */
typedef struct bus_port {
  software_bus *bus;
  int32_t satellite;
} bus_port;

void bus_init(software_bus *bus, uint64_t delay_ns, uint64_t (*clock_ns)(void));
/* leomesh_host.send: copies the frame onto the bus. */
void bus_send(void *port, int32_t next_hop, const uint8_t *bytes, size_t len);
/* Hands every frame due by `now_ns` to agents[to]; returns how many. */
size_t bus_deliver_due(software_bus *bus, leomesh_agent **agents, uint64_t now_ns);
void bus_free(software_bus *bus);

/* CLOCK_MONOTONIC in nanoseconds, and a sleep until such a time. */
uint64_t monotonic_now_ns(void);
void sleep_until_ns(uint64_t when_ns);

#endif
