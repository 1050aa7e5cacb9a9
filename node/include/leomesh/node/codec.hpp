// The wire codec: scheduler messages to and from Protobuf-encoded frames.
//
// Shared by the live agents (one ZeroMQ frame per message) and the ns-3 emulator (one
// packet per message), so frame sizes and serialisation delays are the same in both.
//
//   std::string frame = encode(message);
//   auto back = decode(frame, limits);
//   if (!back) { ++telemetry.dropped_frames; log(back.error().message()); }
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/message.hpp"
#include "leomesh/scheduler/task.hpp"

namespace leomesh::node {

/// The current protocol version carried in every envelope.
inline constexpr std::uint32_t kWireVersion = 5;

/// The size of a Message's origin_proof on the wire (what it holds: origin_auth.hpp). A frame
/// carries one of exactly this size or none.
inline constexpr std::size_t kOriginProofBytes = 160;

/// What a receiver accepts. A frame outside these limits is refused whole.
struct DecodeLimits {
  std::size_t max_frame_bytes = 1 << 20;  ///< bigger frames are refused before parsing
  int satellites = 1 << 30;               ///< src and dst must be in [0, satellites)
  const scheduler::TaskRegistry* registry = nullptr;  ///< if set, task kinds must be registered
};

/// Encodes `m` as one frame.
std::string encode(const scheduler::Message& m);

/// Appends to `out` what an origin signs: encode(m) as if m.hops were 0 and m.origin_proof
/// empty, the frame without the only field a forwarder changes and without the proof.
void append_signed_part(const scheduler::Message& m, std::string& out);

/// Decodes one frame, checking version, kind, end points, task encoding and limits. Never
/// throws, never crashes on arbitrary bytes; the Error says why a frame was refused.
mesh::Result<scheduler::Message> decode(std::string_view frame, const DecodeLimits& limits);

/// A codec with buffers of its own, for a driver that encodes and decodes frame after frame
/// (AgentRuntime): once its buffers and the messages it decodes into have grown to the
/// largest frame seen, neither call allocates. The same frames and checks as encode() and
/// decode(). One per agent; not for two threads at once.
///
///   auto codec = make_frame_codec();
///   transmit(codec->encode(message));               // valid until the next encode()
///   if (auto why = codec->decode(frame, limits, message)) drop(why->message());
class FrameCodec {
 public:
  virtual ~FrameCodec() = default;
  /// The frame of `m`, in the codec's buffer: valid until the next encode().
  virtual std::string_view encode(const scheduler::Message& m) = 0;
  /// Decodes `frame` into `out`, reusing out's buffers; on refusal, why (and `out` is unspecified).
  virtual std::optional<mesh::Error> decode(std::string_view frame, const DecodeLimits& limits,
                                            scheduler::Message& out) = 0;
  /// Makes room for frames of up to `frame_bytes`, so that later calls allocate nothing.
  virtual void reserve(std::size_t frame_bytes) { (void)frame_bytes; }
};

/// This build's codec: Protobuf (codec.cpp), or nanopb in the embedded profile.
std::unique_ptr<FrameCodec> make_frame_codec();

}  // namespace leomesh::node
