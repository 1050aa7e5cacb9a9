// Origin-signing keys in satellite configurations: what generate() gives each satellite, the
// certificates' binding of key to id, what validate() refuses, and the ground's key files.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "leomesh/firmware_config/config.hpp"

using namespace leomesh;
using namespace leomesh::firmware_config;
namespace fs = std::filesystem;

namespace {

GenerateOptions options(const std::string& topology = "torus:3x3") {
  GenerateOptions o;
  o.topology = topology;
  o.ipc_dir = "/tmp/leomesh-test";
  o.workload = "fib:20";
  return o;
}

std::vector<config::SatelliteConfig> make(const GenerateOptions& o) {
  auto r = generate(o);
  if (!r) FAIL(r.error().message());
  return std::move(*r);
}

std::vector<std::string> paths(const std::vector<mesh::Error>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.parameter);
  return out;
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

TEST_CASE("generate gives each satellite a certified signing key and the ground's public key", "[signing]") {
  GenerateOptions o = options();
  auto ground = generate_signing_key_pair();
  REQUIRE(ground.ok());
  o.ground = *ground;
  const auto cs = make(o);
  std::set<std::string> seeds;
  for (const auto& c : cs) {
    const int id = c.identity().satellite();
    INFO("satellite " << id);
    CHECK(signs(c));
    CHECK(c.security().has_sign());
    const OriginKeys k = origin_keys(c);
    CHECK(k.satellite == id);
    REQUIRE(k.own.seed.size() == kSigningKeyBytes);
    REQUIRE(k.own.public_key.size() == kSigningKeyBytes);
    CHECK(k.ground_public_key == ground->public_key);
    CHECK(certificate_valid(ground->public_key, id, k.own.public_key, k.certificate));
    // The certificate names this id and this key: no other.
    CHECK_FALSE(certificate_valid(ground->public_key, (id + 1) % 9, k.own.public_key, k.certificate));
    seeds.insert(k.own.seed);
    CHECK(c.security().signing_seed().size() == 40);
    CHECK(c.security().certificate().size() == 80);
    CHECK(validate(c).empty());
  }
  CHECK(seeds.size() == cs.size());  // a key pair of its own per satellite
  CHECK(validate_together(cs).empty());
}

TEST_CASE("signatures are off without CURVE, and can be off alone", "[signing]") {
  GenerateOptions o = options();
  o.curve = false;
  for (const auto& c : make(o)) {
    CHECK_FALSE(signs(c));
    CHECK(c.security().signing_seed().empty());
    CHECK(c.security().certificate().empty());
    CHECK(c.security().ground_public_key().empty());
    CHECK(validate(c).empty());
  }
  o = options();
  o.sign = false;
  for (const auto& c : make(o)) {
    CHECK(c.security().curve());
    CHECK_FALSE(signs(c));
    CHECK(c.security().signing_seed().empty());
    CHECK(validate(c).empty());
  }
  // An absent security.sign follows security.curve (files written before signatures).
  config::SatelliteConfig c = make(options())[0];
  c.mutable_security()->clear_sign();
  CHECK(signs(c));
  c.mutable_security()->set_curve(false);
  CHECK_FALSE(signs(c));
  // A ground key that is no seed is refused by name.
  GenerateOptions bad = options();
  bad.ground = SigningKeyPair{"short", ""};
  auto r = generate(bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().parameter == "ground");
}

TEST_CASE("certify and certificate_valid", "[signing]") {
  auto ground = *generate_signing_key_pair();
  auto sat = *generate_signing_key_pair();
  const std::string cert = certify(ground, 5, sat.public_key);
  REQUIRE(cert.size() == kSignatureBytes);
  CHECK(certificate_valid(ground.public_key, 5, sat.public_key, cert));
  CHECK_FALSE(certificate_valid(ground.public_key, 4, sat.public_key, cert));
  CHECK_FALSE(certificate_valid(sat.public_key, 5, sat.public_key, cert));
  CHECK_FALSE(certificate_valid(ground.public_key, 5, ground.public_key, cert));
  std::string flipped = cert;
  flipped[10] ^= 1;
  CHECK_FALSE(certificate_valid(ground.public_key, 5, sat.public_key, flipped));
  CHECK_FALSE(certificate_valid(ground.public_key, 5, sat.public_key, cert.substr(1)));
  CHECK_FALSE(certificate_valid("", 5, sat.public_key, cert));
  CHECK_FALSE(certificate_valid(ground.public_key, -1, sat.public_key, cert));
  CHECK(signing_key_pair(sat.seed)->public_key == sat.public_key);
  CHECK_FALSE(signing_key_pair("too short").has_value());
}

TEST_CASE("validate refuses bad signing keys and certificates at their field", "[signing][validate]") {
  const auto cs = make(options());
  const auto apart = make(options());  // another generation: another ground
  const config::SatelliteConfig good = cs[4];
  auto problems = [&](auto change) {
    config::SatelliteConfig c = good;
    change(c);
    return validate(c);
  };
  using V = std::vector<std::string>;
  // Another satellite's certificate, or its seed: the certificate no longer speaks for this
  // satellite's key.
  auto borrowed = problems([&](auto& c) { c.mutable_security()->set_certificate(cs[3].security().certificate()); });
  REQUIRE(paths(borrowed) == V{"security.certificate"});
  CHECK(borrowed[0].reason.find("satellite 4") != std::string::npos);
  CHECK(paths(problems([&](auto& c) { c.mutable_security()->set_signing_seed(cs[3].security().signing_seed()); })) ==
        V{"security.certificate"});
  // Another ground's key, or the whole signing section of another generation's satellite 4.
  CHECK(paths(problems([&](auto& c) {
          c.mutable_security()->set_ground_public_key(apart[4].security().ground_public_key());
        })) == V{"security.certificate"});
  CHECK(problems([&](auto& c) {
          c.mutable_security()->set_signing_seed(apart[4].security().signing_seed());
          c.mutable_security()->set_certificate(apart[4].security().certificate());
          c.mutable_security()->set_ground_public_key(apart[4].security().ground_public_key());
        }).empty());
  // Malformed fields are named each, and the certificate is then not checked.
  auto shapes = problems([](auto& c) {
    c.mutable_security()->set_signing_seed("");
    c.mutable_security()->set_certificate(c.security().certificate().substr(5));
    c.mutable_security()->set_ground_public_key(std::string(39, '0') + "~");
  });
  REQUIRE(paths(shapes) == V{"security.signing_seed", "security.certificate", "security.ground_public_key"});
  CHECK(shapes[0].reason == "missing; expected a 40-character Z85 Ed25519 seed");
  CHECK(shapes[1].reason == "must be 80 characters of Z85 (a 64-byte Ed25519 signature), got 75");
  // Signatures off: the fields are not looked at. On without CURVE: they are.
  CHECK(problems([](auto& c) {
          c.mutable_security()->set_sign(false);
          c.mutable_security()->set_certificate("x");
        }).empty());
  CHECK(problems([](auto& c) { c.mutable_security()->set_curve(false); }).empty());
  CHECK(paths(problems([](auto& c) {
          c.mutable_security()->set_curve(false);
          c.mutable_security()->clear_certificate();
        })) == V{"security.certificate"});
}

TEST_CASE("validate_together: files of one set share the ground and the signing setting", "[signing][validate]") {
  auto cs = make(options());
  const auto apart = make(options());
  auto together = [&] {
    std::vector<std::string> got;
    for (const auto& p : validate_together(cs)) got.push_back(std::to_string(p.index) + " " + p.error.parameter);
    return got;
  };
  cs[2].mutable_security()->set_ground_public_key(apart[2].security().ground_public_key());
  CHECK(together() == std::vector<std::string>{"2 security.ground_public_key"});
  cs[2] = make(options())[2];  // regenerated alone: other CURVE keys too; signing off
  cs[2].mutable_security()->set_sign(false);
  auto got = together();
  CHECK(std::count(got.begin(), got.end(), "2 security.sign") == 1);
  CHECK(std::count(got.begin(), got.end(), "2 security.ground_public_key") == 0);
}

TEST_CASE("write_all keeps the ground's secret off the satellites' files", "[signing][files]") {
  char tmpl[] = "/tmp/leomesh-fc-sign-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir = fs::path(tmpl) / "out";
  GenerateOptions o = options("full:3");
  const SigningKeyPair ground = *generate_signing_key_pair();
  o.ground = ground;
  const auto cs = make(o);
  REQUIRE(write_all(cs, dir.string(), &ground).ok());
  struct stat st {};
  REQUIRE(::stat((dir / "keys" / "ground.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir / "keys" / "ground.pub").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  const std::string secret = first_line(dir / "keys" / "ground.key");
  CHECK(secret.size() == 40);
  CHECK(first_line(dir / "keys" / "ground.pub") == cs[0].security().ground_public_key());
  for (const auto& c : cs) {
    std::ifstream in(dir / ("sat-" + std::to_string(c.identity().satellite()) + ".conf"));
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str().find(secret) == std::string::npos);
    CHECK(text.str().find(c.security().signing_seed()) != std::string::npos);
    auto loaded = load((dir / ("sat-" + std::to_string(c.identity().satellite()) + ".conf")).string());
    REQUIRE(loaded.ok());
    CHECK(origin_keys(*loaded).certificate == origin_keys(c).certificate);
  }
  // Without a ground key pair given, no ground files.
  const fs::path plain = fs::path(tmpl) / "plain";
  REQUIRE(write_all(make(options("full:3")), plain.string()).ok());
  CHECK_FALSE(fs::exists(plain / "keys" / "ground.key"));
  fs::remove_all(tmpl);
}
