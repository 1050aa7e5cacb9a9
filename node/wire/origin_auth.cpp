#include "leomesh/node/origin_auth.hpp"

#include <sodium.h>

#include <cassert>
#include <cstring>

#include "leomesh/node/codec.hpp"

namespace leomesh::node {
namespace {

namespace fc = firmware_config;

// Its own domain string, so that a message signature can never pass for a certificate (both
// are Ed25519 signatures) or for a message of another protocol version.
constexpr std::string_view kMessageDomain = "leomesh-msg-v4";

constexpr std::size_t kKeyBytes = crypto_sign_PUBLICKEYBYTES;
constexpr std::size_t kCertificateBytes = crypto_sign_BYTES;
static_assert(kKeyBytes + kCertificateBytes + crypto_sign_BYTES == kOriginProofBytes);
static_assert(kKeyBytes == fc::kSigningKeyBytes && kCertificateBytes == fc::kSignatureBytes);

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::ok: return "ok";
    case Verdict::unsigned_message: return "unsigned";
    case Verdict::bad_certificate: return "bad_certificate";
    case Verdict::bad_signature: return "bad_signature";
  }
  return "?";
}

mesh::Result<OriginAuth> OriginAuth::create(const fc::OriginKeys& keys, int satellites) {
  if (sodium_init() < 0) return mesh::fail("security", "libsodium failed to initialise");
  if (satellites < 1 || keys.satellite < 0 || keys.satellite >= satellites)
    return mesh::fail("identity.satellite", "outside 0.." + std::to_string(satellites - 1));
  if (keys.own.seed.size() != fc::kSigningKeyBytes)
    return mesh::fail("security.signing_seed", "missing or not a 32-byte Ed25519 seed");
  if (keys.ground_public_key.size() != kKeyBytes)
    return mesh::fail("security.ground_public_key", "missing or not a 32-byte Ed25519 public key");
  OriginAuth a;
  a.self_ = keys.satellite;
  unsigned char pk[kKeyBytes];
  crypto_sign_seed_keypair(pk, a.secret_key_.data(), bytes(keys.own.seed));
  const std::string public_key(reinterpret_cast<const char*>(pk), kKeyBytes);
  if (!fc::certificate_valid(keys.ground_public_key, keys.satellite, public_key, keys.certificate))
    return mesh::fail("security.certificate", "does not certify this satellite's signing key under "
                                              "security.ground_public_key");
  a.proof_head_ = public_key + keys.certificate;
  a.ground_public_key_ = keys.ground_public_key;
  a.certified_.resize(static_cast<std::size_t>(satellites));
  return a;
}

OriginAuth::OriginAuth(OriginAuth&&) noexcept = default;
OriginAuth& OriginAuth::operator=(OriginAuth&&) noexcept = default;
OriginAuth::~OriginAuth() { sodium_memzero(secret_key_.data(), secret_key_.size()); }

void OriginAuth::sign(scheduler::Message& m) {
  assert(m.src == self_);
  scratch_.assign(kMessageDomain);
  append_signed_part(m, scratch_);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, bytes(scratch_), scratch_.size(), secret_key_.data());
  m.origin_proof.reserve(kOriginProofBytes);
  m.origin_proof.assign(proof_head_);
  m.origin_proof.append(reinterpret_cast<const char*>(sig), sizeof sig);
  ++stats_.signed_messages;
}

Verdict OriginAuth::verify(const scheduler::Message& m) {
  auto refuse = [](std::uint64_t& count, Verdict v) {
    ++count;
    return v;
  };
  if (m.origin_proof.size() != kOriginProofBytes) return refuse(stats_.unsigned_messages, Verdict::unsigned_message);
  if (m.src < 0 || static_cast<std::size_t>(m.src) >= certified_.size())
    return refuse(stats_.bad_certificate, Verdict::bad_certificate);
  const unsigned char* proof = bytes(m.origin_proof);
  // The certificate is checked once per origin: after that, the same key and certificate
  // from that id compare equal to the cached pair. A different pair (the satellite was
  // given a new key) is checked in full and, if good, replaces it; a bad one is never cached,
  // so a forger cannot evict a good entry with it.
  Certified& known = certified_[static_cast<std::size_t>(m.src)];
  if (!known.valid || std::memcmp(known.key_and_certificate.data(), proof, known.key_and_certificate.size()) != 0) {
    ++stats_.certificates_checked;
    const std::string_view p(m.origin_proof);
    if (!fc::certificate_valid(ground_public_key_, m.src, p.substr(0, kKeyBytes), p.substr(kKeyBytes, kCertificateBytes)))
      return refuse(stats_.bad_certificate, Verdict::bad_certificate);
    known.valid = true;
    std::memcpy(known.key_and_certificate.data(), proof, known.key_and_certificate.size());
  }
  scratch_.assign(kMessageDomain);
  append_signed_part(m, scratch_);
  if (crypto_sign_verify_detached(proof + kKeyBytes + kCertificateBytes, bytes(scratch_), scratch_.size(), proof) != 0)
    return refuse(stats_.bad_signature, Verdict::bad_signature);
  ++stats_.verified;
  return Verdict::ok;
}

}  // namespace leomesh::node
