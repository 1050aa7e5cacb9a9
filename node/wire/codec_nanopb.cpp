// The nanopb codec: the envelope's fields to and from nanopb's leomesh_wire_Envelope, whose
// bytes and repeated fields are callbacks over envelope::Fields.
#include "leomesh/node/codec_nanopb.hpp"

#include <cstring>

#include <pb_decode.h>
#include <pb_encode.h>

#include "envelope.hpp"
#include "nanopb/wire.pb.h"

namespace leomesh::node::nanopb_codec {
namespace {

static_assert(sizeof(leomesh_wire_Kind) == sizeof(std::int32_t), "the wire's enums are 32-bit");

bool put_bytes(pb_ostream_t* s, const pb_field_t* field, void* const* arg) {
  const std::string& b = *static_cast<const std::string*>(*arg);
  if (b.empty()) return true;  // proto3: an empty bytes field is not written
  return pb_encode_tag_for_field(s, field) &&
         pb_encode_string(s, reinterpret_cast<const pb_byte_t*>(b.data()), b.size());
}

// Repeated integers, packed as proto3 writes them: one length-delimited run of varints.
template <class T>
bool put_packed(pb_ostream_t* s, const pb_field_t* field, void* const* arg) {
  const std::vector<T>& v = *static_cast<const std::vector<T>*>(*arg);
  if (v.empty()) return true;
  pb_ostream_t sizing = PB_OSTREAM_SIZING;
  for (T x : v)
    if (!pb_encode_varint(&sizing, x)) return false;
  if (!pb_encode_tag(s, PB_WT_STRING, field->tag) || !pb_encode_varint(s, sizing.bytes_written)) return false;
  for (T x : v)
    if (!pb_encode_varint(s, x)) return false;
  return true;
}

bool get_bytes(pb_istream_t* s, const pb_field_t*, void** arg) {
  std::string& b = *static_cast<std::string*>(*arg);
  b.resize(s->bytes_left);  // a field that comes twice: the last one counts, as in libprotobuf
  return pb_read(s, reinterpret_cast<pb_byte_t*>(b.data()), b.size());
}

// One element per call: nanopb calls again while a packed run has bytes left, and once per
// element of an unpacked one.
template <class T>
bool get_varint(pb_istream_t* s, const pb_field_t*, void** arg) {
  std::uint64_t x = 0;
  if (!pb_decode_varint(s, &x)) return false;
  static_cast<std::vector<T>*>(*arg)->push_back(static_cast<T>(x));  // truncated, as libprotobuf does
  return true;
}

template <class Fn>
pb_callback_t encoder(Fn fn, void* arg) {
  pb_callback_t c{};
  c.funcs.encode = fn;
  c.arg = arg;
  return c;
}

template <class Fn>
pb_callback_t decoder(Fn fn, void* arg) {
  pb_callback_t c{};
  c.funcs.decode = fn;
  c.arg = arg;
  return c;
}

void to_nanopb(envelope::Fields& f, leomesh_wire_Envelope& e) {
  e = leomesh_wire_Envelope_init_zero;
  e.version = f.version;
  e.src = f.src;
  e.dst = f.dst;
  e.hops = f.hops;
  std::memcpy(&e.kind, &f.kind, sizeof f.kind);  // an enum of the wire: any int32 may travel
  e.id = f.id;
  e.tasks = encoder(put_bytes, &f.tasks);
  e.task_count = f.task_count;
  e.request_hops = f.request_hops;
  e.has_reduction = f.has_reduction;
  e.reduction = {f.reduction.sum, f.reduction.aux, f.reduction.max};
  e.load_us = f.load_us;
  e.weight = encoder(put_packed<std::uint32_t>, &f.weight);
  e.demand_hops = f.demand_hops;
  e.origin_proof = encoder(put_bytes, &f.origin_proof);
  e.epoch = f.epoch;
  e.to_epoch = f.to_epoch;
  e.task_accounts = encoder(put_bytes, &f.task_accounts);
  e.loots = encoder(put_packed<std::uint64_t>, &f.loots);
  e.account = f.account;
  e.liveness = encoder(put_packed<std::uint64_t>, &f.liveness);
}

// Appends the encoding of `f` to `out`.
void append_encoded(envelope::Fields& f, std::string& out) {
  leomesh_wire_Envelope e;
  to_nanopb(f, e);
  std::size_t size = 0;
  if (!pb_get_encoded_size(&size, leomesh_wire_Envelope_fields, &e)) return;
  const std::size_t at = out.size();
  out.resize(at + size);
  pb_ostream_t s = pb_ostream_from_buffer(reinterpret_cast<pb_byte_t*>(out.data() + at), size);
  if (!pb_encode(&s, leomesh_wire_Envelope_fields, &e)) out.resize(at);
}

std::optional<mesh::Error> decode_into(std::string_view frame, const DecodeLimits& limits, envelope::Fields& f,
                                       scheduler::Message& out);

class NanopbFrameCodec final : public FrameCodec {
 public:
  std::string_view encode(const scheduler::Message& m) override {
    envelope::fill(fields_, m, false);
    frame_.clear();
    append_encoded(fields_, frame_);
    return frame_;
  }
  std::optional<mesh::Error> decode(std::string_view frame, const DecodeLimits& limits,
                                    scheduler::Message& out) override {
    return decode_into(frame, limits, fields_, out);
  }
  void reserve(std::size_t frame_bytes) override {
    frame_.reserve(frame_bytes);
    fields_.tasks.reserve(frame_bytes);
    fields_.task_accounts.reserve(frame_bytes / 3);  // a task takes 3 bytes at least
    fields_.weight.reserve(64 * scheduler::Weight::kInlineWords);
  }

 private:
  envelope::Fields fields_;
  std::string frame_;
};

}  // namespace

std::string encode(const scheduler::Message& m) {
  envelope::Fields f;
  envelope::fill(f, m, false);
  std::string out;
  append_encoded(f, out);
  return out;
}

void append_signed_part(const scheduler::Message& m, std::string& out) {
  envelope::Fields f;
  envelope::fill(f, m, true);
  append_encoded(f, out);
}

mesh::Result<scheduler::Message> decode(std::string_view frame, const DecodeLimits& limits) {
  envelope::Fields f;
  scheduler::Message m;
  if (auto why = decode_into(frame, limits, f, m)) return std::move(*why);
  return m;
}

std::unique_ptr<FrameCodec> make_frame_codec() { return std::make_unique<NanopbFrameCodec>(); }

namespace {

std::optional<mesh::Error> decode_into(std::string_view frame, const DecodeLimits& limits, envelope::Fields& f,
                                       scheduler::Message& out) {
  if (frame.size() > limits.max_frame_bytes)
    return mesh::fail("frame", "too large: " + std::to_string(frame.size()) + " bytes, limit " +
                                   std::to_string(limits.max_frame_bytes));
  envelope::reset(f);
  leomesh_wire_Envelope e = leomesh_wire_Envelope_init_zero;
  e.tasks = decoder(get_bytes, &f.tasks);
  e.weight = decoder(get_varint<std::uint32_t>, &f.weight);
  e.origin_proof = decoder(get_bytes, &f.origin_proof);
  e.task_accounts = decoder(get_bytes, &f.task_accounts);
  e.loots = decoder(get_varint<std::uint64_t>, &f.loots);
  e.liveness = decoder(get_varint<std::uint64_t>, &f.liveness);
  pb_istream_t s = pb_istream_from_buffer(reinterpret_cast<const pb_byte_t*>(frame.data()), frame.size());
  if (!pb_decode(&s, leomesh_wire_Envelope_fields, &e)) return mesh::fail("frame", "not a valid envelope");
  f.version = e.version;
  f.src = e.src;
  f.dst = e.dst;
  f.hops = e.hops;
  // nanopb stores whatever the frame says; reading it as the enum would be undefined for values
  // it does not name, and those must reach the checks to be refused.
  std::memcpy(&f.kind, &e.kind, sizeof f.kind);
  f.id = e.id;
  f.task_count = e.task_count;
  f.request_hops = e.request_hops;
  f.has_reduction = e.has_reduction;
  f.reduction = {e.reduction.sum, e.reduction.aux, e.reduction.max};
  f.load_us = e.load_us;
  f.demand_hops = e.demand_hops;
  f.epoch = e.epoch;
  f.to_epoch = e.to_epoch;
  f.account = e.account;
  return envelope::to_message(f, limits, out);
}

}  // namespace

}  // namespace leomesh::node::nanopb_codec
