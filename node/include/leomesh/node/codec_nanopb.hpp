// The wire codec for small targets: the same frames as codec.hpp's, encoded and decoded with
// nanopb (no libprotobuf, no reflection, no allocation inside the codec library: the
// variable-length fields are streamed from and into the message through callbacks).
//
// Byte for byte the Protobuf codec's output for every message (tests/node/codec_nanopb.cpp),
// and every frame one accepts the other accepts, with one difference at the edge: a varint
// too large for its 32-bit field is refused here where libprotobuf truncates it.
//
//   std::string frame = nanopb_codec::encode(message);
//   auto back = nanopb_codec::decode(frame, limits);   // same checks, same Error texts
#pragma once

#include <string>
#include <string_view>

#include "leomesh/node/codec.hpp"

namespace leomesh::node::nanopb_codec {

std::string encode(const scheduler::Message& m);
void append_signed_part(const scheduler::Message& m, std::string& out);
mesh::Result<scheduler::Message> decode(std::string_view frame, const DecodeLimits& limits);
/// The nanopb codec with buffers of its own (see FrameCodec): what the embedding C API
/// speaks, in every build, so that its steady state allocates nothing.
std::unique_ptr<FrameCodec> make_frame_codec();

}  // namespace leomesh::node::nanopb_codec
