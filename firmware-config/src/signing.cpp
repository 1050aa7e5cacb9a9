// Ed25519 key material for origin signatures: key pairs, the ground's certificates of
// satellites' keys, and a configuration's keys decoded for the agent.
#include <sodium.h>

#include <cstdint>

#include "internal.hpp"
#include "leomesh/firmware_config/config.hpp"

namespace leomesh::firmware_config {
namespace {

static_assert(kSigningKeyBytes == crypto_sign_SEEDBYTES && kSigningKeyBytes == crypto_sign_PUBLICKEYBYTES);
static_assert(kSignatureBytes == crypto_sign_BYTES);

// Its own domain string, so that no other message signed with the ground key (or a future
// certificate format) can ever be taken for a certificate.
constexpr std::string_view kCertificateDomain = "leomesh-cert-v1";

bool sodium_ready() {
  // sodium_init() is idempotent and thread-safe; it returns 1 when already initialised.
  static const bool ready = sodium_init() >= 0;
  return ready;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string certified_statement(int satellite, std::string_view public_key) {
  std::string m(kCertificateDomain);
  const auto id = static_cast<std::uint32_t>(satellite);
  for (int shift = 0; shift < 32; shift += 8) m.push_back(static_cast<char>((id >> shift) & 0xff));
  m.append(public_key);
  return m;
}

}  // namespace

mesh::Result<SigningKeyPair> generate_signing_key_pair() {
  if (!sodium_ready()) return mesh::fail("security.signing_seed", "libsodium failed to initialise");
  std::string seed(kSigningKeyBytes, '\0');
  randombytes_buf(seed.data(), seed.size());
  SigningKeyPair pair = *signing_key_pair(seed);
  sodium_memzero(seed.data(), seed.size());
  return pair;
}

std::optional<SigningKeyPair> signing_key_pair(std::string_view seed) {
  if (seed.size() != kSigningKeyBytes || !sodium_ready()) return std::nullopt;
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_seed_keypair(pk, sk, bytes(seed));
  sodium_memzero(sk, sizeof sk);
  return SigningKeyPair{std::string(seed), std::string(reinterpret_cast<const char*>(pk), sizeof pk)};
}

std::string certify(const SigningKeyPair& ground, int satellite, std::string_view public_key) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  unsigned char sig[crypto_sign_BYTES];
  if (ground.seed.size() != kSigningKeyBytes || !sodium_ready()) return {};
  crypto_sign_seed_keypair(pk, sk, bytes(ground.seed));
  const std::string m = certified_statement(satellite, public_key);
  crypto_sign_detached(sig, nullptr, bytes(m), m.size(), sk);
  sodium_memzero(sk, sizeof sk);
  return std::string(reinterpret_cast<const char*>(sig), sizeof sig);
}

bool certificate_valid(std::string_view ground_public_key, int satellite, std::string_view public_key,
                       std::string_view certificate) {
  if (ground_public_key.size() != kSigningKeyBytes || public_key.size() != kSigningKeyBytes ||
      certificate.size() != kSignatureBytes || satellite < 0 || !sodium_ready())
    return false;
  const std::string m = certified_statement(satellite, public_key);
  return crypto_sign_verify_detached(bytes(certificate), bytes(m), m.size(), bytes(ground_public_key)) == 0;
}

bool signs(const config::SatelliteConfig& c) {
  return c.security().has_sign() ? c.security().sign() : c.security().curve();
}

OriginKeys origin_keys(const config::SatelliteConfig& c) {
  OriginKeys k;
  k.satellite = c.identity().satellite();
  const config::Security& s = c.security();
  if (auto seed = detail::z85_decode(s.signing_seed()))
    if (auto pair = signing_key_pair(*seed)) k.own = std::move(*pair);
  if (auto cert = detail::z85_decode(s.certificate()); cert && cert->size() == kSignatureBytes) k.certificate = *cert;
  if (auto g = detail::z85_decode(s.ground_public_key()); g && g->size() == kSigningKeyBytes)
    k.ground_public_key = *g;
  return k;
}

}  // namespace leomesh::firmware_config
