// The Protobuf codec: the envelope's fields to and from libprotobuf's wire::Envelope.
#include "leomesh/node/codec.hpp"

#include "envelope.hpp"
#include "wire/wire.pb.h"

namespace leomesh::node {
namespace {

void to_proto(envelope::Fields& f, wire::Envelope& e) {
  e.set_version(f.version);
  e.set_src(f.src);
  e.set_dst(f.dst);
  e.set_hops(f.hops);
  e.set_kind(static_cast<wire::Kind>(f.kind));
  e.set_id(f.id);
  e.set_tasks(std::move(f.tasks));
  e.set_task_count(f.task_count);
  e.set_request_hops(f.request_hops);
  if (f.has_reduction) {
    wire::Reduction* r = e.mutable_reduction();
    r->set_sum(f.reduction.sum);
    r->set_aux(f.reduction.aux);
    r->set_max(f.reduction.max);
  }
  e.set_load_us(f.load_us);
  for (std::uint32_t x : f.weight) e.add_weight(x);
  e.set_demand_hops(f.demand_hops);
  e.set_origin_proof(std::move(f.origin_proof));
  e.set_epoch(f.epoch);
  e.set_to_epoch(f.to_epoch);
  e.set_task_accounts(std::move(f.task_accounts));
  for (std::uint64_t l : f.loots) e.add_loots(l);
  e.set_account(f.account);
  for (std::uint64_t l : f.liveness) e.add_liveness(l);
}

}  // namespace

std::string encode(const scheduler::Message& m) {
  envelope::Fields f;
  envelope::fill(f, m, false);
  wire::Envelope e;
  to_proto(f, e);
  return e.SerializeAsString();
}

void append_signed_part(const scheduler::Message& m, std::string& out) {
  envelope::Fields f;
  envelope::fill(f, m, true);
  wire::Envelope e;
  to_proto(f, e);
  e.AppendToString(&out);
}

mesh::Result<scheduler::Message> decode(std::string_view frame, const DecodeLimits& limits) {
  if (frame.size() > limits.max_frame_bytes)
    return mesh::fail("frame", "too large: " + std::to_string(frame.size()) + " bytes, limit " +
                                   std::to_string(limits.max_frame_bytes));
  wire::Envelope e;
  if (!e.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) return mesh::fail("frame", "not a valid envelope");
  envelope::Fields f;
  f.version = e.version();
  f.src = e.src();
  f.dst = e.dst();
  f.hops = e.hops();
  f.kind = e.kind();
  f.id = e.id();
  f.tasks = std::move(*e.mutable_tasks());
  f.task_count = e.task_count();
  f.request_hops = e.request_hops();
  f.has_reduction = e.has_reduction();
  f.reduction = {e.reduction().sum(), e.reduction().aux(), e.reduction().max()};
  f.load_us = e.load_us();
  f.weight.assign(e.weight().begin(), e.weight().end());
  f.demand_hops = e.demand_hops();
  f.origin_proof = std::move(*e.mutable_origin_proof());
  f.epoch = e.epoch();
  f.to_epoch = e.to_epoch();
  f.task_accounts = std::move(*e.mutable_task_accounts());
  f.loots.assign(e.loots().begin(), e.loots().end());
  f.account = e.account();
  f.liveness.assign(e.liveness().begin(), e.liveness().end());
  return envelope::to_message(f, limits);
}

namespace {

// The ground's and the emulators' codec: libprotobuf allocates as it parses and serialises,
// so this one only keeps the frame; the embedding speaks through nanopb's.
class ProtobufFrameCodec final : public FrameCodec {
 public:
  std::string_view encode(const scheduler::Message& m) override {
    frame_ = node::encode(m);
    return frame_;
  }
  std::optional<mesh::Error> decode(std::string_view frame, const DecodeLimits& limits,
                                    scheduler::Message& out) override {
    auto m = node::decode(frame, limits);
    if (!m) return m.error();
    out = std::move(*m);
    return std::nullopt;
  }

 private:
  std::string frame_;
};

}  // namespace

std::unique_ptr<FrameCodec> make_frame_codec() { return std::make_unique<ProtobufFrameCodec>(); }

}  // namespace leomesh::node
