#define _POSIX_C_SOURCE 200809L
#include "software_bus.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void bus_init(software_bus *bus, uint64_t delay_ns, uint64_t (*clock_ns)(void)) {
  memset(bus, 0, sizeof *bus);
  bus->delay_ns = delay_ns;
  bus->clock_ns = clock_ns;
}

void bus_send(void *user, int32_t next_hop, const uint8_t *bytes, size_t len) {
  bus_port *port = (bus_port *)user;
  software_bus *bus = port->bus;
  bus_frame *f = (bus_frame *)malloc(sizeof *f);
  if (f) f->bytes = (uint8_t *)malloc(len ? len : 1);
  if (!f || !f->bytes) { /* a lost frame: leomesh resends what matters */
    free(f);
    ++bus->dropped;
    return;
  }
  memcpy(f->bytes, bytes, len);
  f->len = len;
  f->from = port->satellite;
  f->to = next_hop;
  f->due_ns = bus->clock_ns() + bus->delay_ns;
  f->next = NULL;
  if (bus->tail)
    bus->tail->next = f;
  else
    bus->head = f;
  bus->tail = f;
  ++bus->frames;
  bus->bytes += len;
}

size_t bus_deliver_due(software_bus *bus, leomesh_agent **agents, uint64_t now_ns) {
  size_t n = 0;
  while (bus->head && bus->head->due_ns <= now_ns) {
    bus_frame *f = bus->head;
    bus->head = f->next;
    if (!bus->head) bus->tail = NULL;
    /* A frame the agent refuses (LEOMESH_ERR_FRAME) is counted in its telemetry. */
    leomesh_deliver(agents[f->to], now_ns, f->from, f->bytes, f->len);
    free(f->bytes);
    free(f);
    ++n;
  }
  return n;
}

void bus_free(software_bus *bus) {
  while (bus->head) {
    bus_frame *f = bus->head;
    bus->head = f->next;
    free(f->bytes);
    free(f);
  }
  bus->tail = NULL;
}

uint64_t monotonic_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_until_ns(uint64_t when_ns) {
  struct timespec ts;
  ts.tv_sec = (time_t)(when_ns / 1000000000u);
  ts.tv_nsec = (long)(when_ns % 1000000000u);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0) {
  }
}
