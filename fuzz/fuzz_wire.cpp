// fuzz_wire: the wire decoder on arbitrary bytes, as an agent receives them from a peer.
//
// Invariants:
// - decoding never crashes and has no undefined behaviour (ASan, UBSan in the fuzz build),
//   and a refused frame always says why;
// - with a workload's registry, every task of a decoded frame is one that workload can
//   produce (TaskRegistry::valid), so a forged task never reaches a pool;
// - a frame that decodes re-encodes to a frame that decodes to the same message, and that
//   frame is a fixed point of encode(decode()).
// Each frame is decoded without a registry and with the registry of each workload the
// corpus's frames are made for, so the per-kind validation of every workload is fuzzed.
#include <cstdint>
#include <vector>

#include "check.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/node/codec_nanopb.hpp"
#include "leomesh/workloads/workload.hpp"

namespace {

using namespace leomesh;

bool same(const scheduler::Message& a, const scheduler::Message& b) {
  if (a.kind != b.kind || a.src != b.src || a.dst != b.dst || a.hops != b.hops || a.id != b.id ||
      a.request_hops != b.request_hops || a.demand_hops != b.demand_hops || a.load_s != b.load_s ||
      a.weight != b.weight || a.reduction != b.reduction || a.origin_proof != b.origin_proof ||
      a.tasks.size() != b.tasks.size() || a.epoch != b.epoch || a.to_epoch != b.to_epoch || a.loots != b.loots ||
      a.account != b.account || a.liveness != b.liveness)
    return false;
  for (std::size_t i = 0; i < a.tasks.size(); ++i) {
    const scheduler::Task& x = a.tasks[i];
    const scheduler::Task& y = b.tasks[i];
    if (x.kind != y.kind || x.size != y.size || x.payload != y.payload || x.account != y.account) return false;
  }
  return true;
}

struct Receivers {
  std::vector<workloads::Workload> workloads;
  std::vector<node::DecodeLimits> limits;

  Receivers() {
    for (const char* spec : {"uts:T1L", "fib:24", "nqueens:8", "bag:irregular,tasks=64,cost=10"})
      workloads.push_back(std::move(*workloads::parse_workload(spec)));
    node::DecodeLimits any;
    any.satellites = 16;
    limits.push_back(any);
    for (const workloads::Workload& w : workloads) {
      node::DecodeLimits l = any;
      l.registry = &w.registry;
      limits.push_back(l);
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Receivers receivers;
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  for (const node::DecodeLimits& limits : receivers.limits) {
    auto m = node::decode(frame, limits);
    // The small targets' codec: what it accepts, libprotobuf accepts as the same message (it
    // refuses more: a varint too long for a 32-bit field, which libprotobuf truncates).
    auto small = node::nanopb_codec::decode(frame, limits);
    if (small) {
      LEOMESH_FUZZ_CHECK(m.ok(), "a frame nanopb accepts, Protobuf accepts");
      if (m) LEOMESH_FUZZ_CHECK(node::encode(*small) == node::encode(*m), "both codecs read the same message");
    }
    if (!m) {
      LEOMESH_FUZZ_CHECK(!m.error().message().empty(), "a refused frame says why");
      continue;
    }
    if (limits.registry)
      for (const scheduler::Task& t : m->tasks)
        LEOMESH_FUZZ_CHECK(limits.registry->valid(t), "decoded tasks are valid for the workload");
    const std::string again = node::encode(*m);
    auto back = node::decode(again, limits);
    LEOMESH_FUZZ_CHECK(back.ok(), "a decoded message re-encodes to a frame that decodes");
    LEOMESH_FUZZ_CHECK(same(*m, *back), "the re-encoded frame decodes to the same message");
    LEOMESH_FUZZ_CHECK(node::encode(*back) == again, "encode(decode()) is a fixed point");
    LEOMESH_FUZZ_CHECK(node::nanopb_codec::encode(*m) == again, "both codecs write the same bytes");
  }
  return 0;
}
