// node::encode() and node::decode() as the nanopb codec: linked instead of codec.cpp into
// builds without libprotobuf (the embedded profile), so everything above the codec is the same.
#include "leomesh/node/codec.hpp"
#include "leomesh/node/codec_nanopb.hpp"

namespace leomesh::node {

std::string encode(const scheduler::Message& m) { return nanopb_codec::encode(m); }
void append_signed_part(const scheduler::Message& m, std::string& out) { nanopb_codec::append_signed_part(m, out); }
mesh::Result<scheduler::Message> decode(std::string_view frame, const DecodeLimits& limits) {
  return nanopb_codec::decode(frame, limits);
}

std::unique_ptr<FrameCodec> make_frame_codec() { return nanopb_codec::make_frame_codec(); }

}  // namespace leomesh::node
