// Endpoints, topologies and CurveZMQ keys: the helpers generate and validate share.
#include <zmq.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "internal.hpp"
#include "leomesh/firmware_config/config.hpp"
#include "leomesh/mesh/spec.hpp"

namespace leomesh::firmware_config {
namespace detail {

namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

mesh::Result<Endpoint> parse_endpoint(std::string_view text, bool bind) {
  const std::string quoted = "'" + std::string(text) + "'";
  if (text.empty()) return mesh::fail("", "missing; expected ipc://<path> or tcp://<host>:<port>");
  Endpoint e;
  if (text.substr(0, 6) == "ipc://") {
    e.kind = Endpoint::Kind::ipc;
    e.where = std::string(text.substr(6));
    if (e.where.empty()) return mesh::fail("", "ipc endpoint without a path: " + quoted);
    // libzmq reads "ipc://*" as "bind to a fresh random path", which no peer could be told.
    if (e.where == "*")
      return mesh::fail("", "the wildcard ipc://* gives a random path nobody can connect to");
    if (e.where.size() > kMaxIpcPath)
      return mesh::fail("", "ipc path is " + std::to_string(e.where.size()) +
                                " bytes; a Unix socket path holds at most " +
                                std::to_string(kMaxIpcPath));
    return e;
  }
  if (text.substr(0, 6) == "tcp://") {
    e.kind = Endpoint::Kind::tcp;
    const std::string_view rest = text.substr(6);
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos)
      return mesh::fail("", "expected tcp://<host>:<port>, got " + quoted);
    e.where = std::string(rest.substr(0, colon));
    const std::string_view port = rest.substr(colon + 1);
    if (e.where.empty()) return mesh::fail("", "tcp endpoint without a host: " + quoted);
    if (e.where.find_first_of(" \t\r\n/") != std::string::npos)
      return mesh::fail("", "the host of " + quoted + " contains a space or '/'");
    if (e.where.front() == '[' && e.where.back() != ']')
      return mesh::fail("", "unclosed '[' in the IPv6 host of " + quoted);
    if (e.where.find('*') != std::string::npos && (!bind || e.where != "*"))
      return mesh::fail("", bind ? "a wildcard host must be exactly '*', got " + quoted
                                 : "a peer needs a real host, not the wildcard '*': " + quoted);
    // Port 0 and "*" ask the kernel for an ephemeral port: peers could not know it.
    if (!all_digits(port) || port.size() > 5 || std::atoi(std::string(port).c_str()) < 1 ||
        std::atoi(std::string(port).c_str()) > 65535)
      return mesh::fail("", "port must be a number within 1..65535, got '" + std::string(port) +
                                "' in " + quoted);
    e.port = std::atoi(std::string(port).c_str());
    return e;
  }
  return mesh::fail("", "expected ipc://<path> or tcp://<host>:<port>, got " + quoted);
}

std::vector<int> expected_peers(const mesh::Topology& topo, int self, bool cluster) {
  std::vector<int> out;
  if (cluster) {
    out.reserve(static_cast<std::size_t>(topo.satellites()));
    for (int v = 0; v < topo.satellites(); ++v)
      if (v != self) out.push_back(v);
    return out;
  }
  // Every candidate link, not only the ones up at t = 0: an agent keeps one socket per ISL
  // for the whole run and the topology decides, as time passes, which of them carry traffic.
  for (const mesh::Adjacent& a : topo.adjacency(self))
    if (a.neighbor != self) out.push_back(a.neighbor);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

mesh::Error reword(const mesh::Error& e, const std::string& path) {
  if (e.parameter.empty()) return mesh::fail(path, e.reason);
  if (e.parameter.rfind("--", 0) == 0) {
    // "--policy khop:K" keeps the part after the flag as context.
    const auto space = e.parameter.find(' ');
    if (space == std::string::npos) return mesh::fail(path, e.reason);
    return mesh::fail(path, e.parameter.substr(space + 1) + ": " + e.reason);
  }
  return mesh::fail(path, e.message());
}

std::optional<std::string> key_problem(std::string_view key, std::size_t bytes,
                                       std::string_view what) {
  const std::string chars = std::to_string(bytes / 4 * 5);
  if (key.empty()) return "missing; expected a " + chars + "-character Z85 " + std::string(what);
  if (key.size() != bytes / 4 * 5)
    return "must be " + chars + " characters of Z85 (a " + std::to_string(bytes) + "-byte " +
           std::string(what) + "), got " + std::to_string(key.size());
  std::uint64_t group = 0;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto digit = kZ85Alphabet.find(key[i]);
    if (digit == std::string_view::npos)
      return "character " + std::to_string(i + 1) + " ('" + std::string(1, key[i]) +
             "') is not in the Z85 alphabet";
    group = group * 85 + digit;
    if (i % 5 == 4) {
      // Five Z85 digits can spell values up to 85^5 - 1 > 2^32 - 1; libzmq would wrap them.
      if (group > 0xFFFFFFFFull)
        return "is not valid Z85: characters " + std::to_string(i - 3) + ".." +
               std::to_string(i + 1) + " exceed 32 bits";
      group = 0;
    }
  }
  return std::nullopt;
}

std::string z85_encode(std::string_view bytes) {
  std::string text(bytes.size() / 4 * 5 + 1, '\0');
  zmq_z85_encode(text.data(), reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  text.pop_back();
  return text;
}

std::optional<std::string> z85_decode(std::string_view text) {
  // key_problem() first: libzmq's decoder wraps digit groups above 32 bits silently.
  if (text.empty() || text.size() % 5 != 0 || key_problem(text, text.size() / 5 * 4, ""))
    return std::nullopt;
  std::string bytes(text.size() / 5 * 4, '\0');
  const std::string terminated(text);
  if (!zmq_z85_decode(reinterpret_cast<std::uint8_t*>(bytes.data()), terminated.c_str()))
    return std::nullopt;
  return bytes;
}

}  // namespace detail

bool is_z85_key(std::string_view key) {
  return !detail::key_problem(key).has_value();
}

std::optional<std::string> derive_public_key(std::string_view secret_key) {
  if (!is_z85_key(secret_key)) return std::nullopt;
  const std::string secret(secret_key);
  char public_key[41] = {};
  if (zmq_curve_public(public_key, secret.c_str()) != 0) return std::nullopt;
  return std::string(public_key, 40);
}

mesh::Result<KeyPair> generate_key_pair() {
  char public_key[41] = {};
  char secret_key[41] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0)
    return mesh::fail("security.curve", std::string("cannot make a CurveZMQ key pair: ") +
                                            zmq_strerror(zmq_errno()) +
                                            " (libzmq without CURVE? use --no-curve to debug)");
  return KeyPair{std::string(public_key, 40), std::string(secret_key, 40)};
}

}  // namespace leomesh::firmware_config
