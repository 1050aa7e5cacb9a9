// Origin authentication: every message signed by the satellite that wrote it.
//
// Messages are forwarded over several satellites, and a link's CurveZMQ key proves only which
// neighbour passed a frame on. A satellite that forwards (or is compromised, or buggy) could
// otherwise write a TERMINATE "from the root" or loot "from a victim". So the origin signs:
// each message carries an origin proof of kOriginProofBytes (codec.hpp), made of
//
//   bytes   0..31   the origin's Ed25519 signing public key
//   bytes  32..95   the ground's certificate of that key for satellite `src`
//                   (firmware_config::certify(): "leomesh-cert-v1", id, key)
//   bytes 96..159   the origin's Ed25519 signature over "leomesh-msg-v4" followed by
//                   append_signed_part(message): the frame with hops = 0 and no proof
//
// A forwarder changes only `hops`, which the signature leaves out, so a forwarded message
// verifies at its destination; changing anything else (src, dst, kind, id, tasks, weight,
// reduction, load, demand) breaks the signature, and claiming another `src` needs a
// certificate the ground issued for that id. Each proof carries its own certificate, so a
// receiver needs only the ground's public key and no key directory; the certificate's check
// (one Ed25519 verification) runs once per origin, then a cache of one entry per satellite id
// answers it.
//
// What it does not do: it does not stop replays (a forwarder may resend a genuine message;
// the core's duplicate checks handle loot, returns and terminate), nor hide anything (CurveZMQ
// encrypts each link). The ns-3 emulator and the in-process harness do not sign.
//
// Not thread-safe: one OriginAuth per agent, used from its event loop. Nothing blocks.
//
//   auto keys = firmware_config::origin_keys(cfg);     // from a validated configuration
//   auto auth = node::OriginAuth::create(keys, cfg.network().satellites());
//   if (!auth) { std::cerr << auth.error().message(); return 2; }
//   // Origin, before encoding:
//   if (message.src == self) auth->sign(message);
//   // Destination, after decoding and before the core sees it:
//   if (auto v = auth->verify(message); v != node::Verdict::ok) { ++rejected[v]; drop(); }
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/message.hpp"

namespace leomesh::node {

/// What verify() concluded about a message.
enum class Verdict : std::uint8_t {
  ok = 0,           ///< written by satellite `src`, unchanged but for hops
  unsigned_message, ///< no origin proof
  bad_certificate,  ///< the key in the proof is not certified by the ground for `src`
  bad_signature,    ///< certified key, but the signature does not match the message
};

/// The telemetry name of a verdict: "ok", "unsigned", "bad_certificate", "bad_signature".
const char* to_string(Verdict v);

/// Counts since creation.
struct OriginAuthStats {
  std::uint64_t signed_messages = 0;
  std::uint64_t verified = 0;            ///< verify() said ok
  std::uint64_t unsigned_messages = 0;   ///< ... unsigned_message
  std::uint64_t bad_certificate = 0;
  std::uint64_t bad_signature = 0;
  std::uint64_t certificates_checked = 0;  ///< Ed25519 checks of certificates (cache misses)
};

/// Signs the messages one satellite originates and verifies those addressed to it.
class OriginAuth {
 public:
  /// From a configuration's keys (firmware_config::origin_keys()). Fails if a key has the
  /// wrong size or the ground's certificate does not verify for keys.satellite: such an
  /// agent's every message would be dropped, so it must not start. `satellites` bounds the
  /// ids verify() accepts and the certificate cache (one entry per id).
  static mesh::Result<OriginAuth> create(const firmware_config::OriginKeys& keys, int satellites);

  OriginAuth(OriginAuth&&) noexcept;
  OriginAuth& operator=(OriginAuth&&) noexcept;
  ~OriginAuth();  ///< wipes the secret key

  /// Sets m.origin_proof for `m` as it now is (hops aside). `m.src` must be this satellite:
  /// only the origin signs, and a message signed after it changes no longer verifies.
  void sign(scheduler::Message& m);

  /// Whether `m` was written by satellite m.src and changed since only in hops.
  Verdict verify(const scheduler::Message& m);

  const OriginAuthStats& stats() const { return stats_; }

 private:
  // A certificate the ground's key was seen to have signed, with the key it certifies.
  struct Certified {
    bool valid = false;
    std::array<unsigned char, 96> key_and_certificate{};
  };

  OriginAuth() = default;

  int self_ = -1;
  std::array<unsigned char, 64> secret_key_{};   // libsodium's seed || public key
  std::string proof_head_;                       // own key and certificate: bytes 0..95
  std::string ground_public_key_;
  std::vector<Certified> certified_;             // by satellite id
  std::string scratch_;                          // what is signed, reused across messages
  OriginAuthStats stats_;
};

}  // namespace leomesh::node
