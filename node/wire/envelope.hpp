// The wire envelope as plain fields, between a scheduler::Message and a codec's bytes. Both
// codecs (Protobuf for the ground and the emulators, nanopb for small targets) map it to and
// from the same wire.proto bytes; what a frame means and which frames are refused is decided
// here, once, for both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/node/codec.hpp"
#include "leomesh/scheduler/message.hpp"

namespace leomesh::node::envelope {

/// wire.proto's Envelope, field by field (absent = zero or empty, as proto3 has it).
struct Fields {
  std::uint32_t version = 0;
  std::int32_t src = 0, dst = 0;
  std::uint32_t hops = 0;
  std::int32_t kind = 0;
  std::uint64_t id = 0;
  std::string tasks;  // packed: 2 bytes kind (little endian), 1 byte size, the payload
  std::uint32_t task_count = 0;
  std::uint32_t request_hops = 0;
  bool has_reduction = false;
  scheduler::Reduction reduction;
  std::uint32_t load_us = 0;
  std::vector<std::uint32_t> weight;
  std::uint32_t demand_hops = 0;
  std::string origin_proof;
  std::uint64_t epoch = 0, to_epoch = 0;
  std::string task_accounts;
  std::vector<std::uint64_t> loots;
  std::uint32_t account = 0;
  std::vector<std::uint64_t> liveness;
};

/// Back to absent fields, keeping the storage of the buffers (a codec's fields are reused
/// frame after frame, so that its steady state allocates nothing).
void reset(Fields& f);
/// The fields of `m` (f is reset first); for a signature without `hops` and the proof
/// (append_signed_part()).
void fill(Fields& f, const scheduler::Message& m, bool for_signature);
/// Writes into `m` (reusing its buffers; its fields' buffers are swapped with f's) the
/// message the fields stand for, or returns why the frame is refused (`m` is then unspecified).
std::optional<mesh::Error> to_message(Fields& f, const DecodeLimits& limits, scheduler::Message& m);
/// The same as a new message.
mesh::Result<scheduler::Message> to_message(Fields& f, const DecodeLimits& limits);

}  // namespace leomesh::node::envelope
