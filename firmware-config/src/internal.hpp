// Pieces shared by generate, validate and the file functions; not part of the public API.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/mesh/topology.hpp"

namespace leomesh::firmware_config::detail {

/// The longest path a Unix domain socket can bind: sizeof(sockaddr_un::sun_path) - 1.
inline constexpr std::size_t kMaxIpcPath = 107;

/// A ZeroMQ endpoint split into its parts.
struct Endpoint {
  enum class Kind { ipc, tcp };
  Kind kind = Kind::ipc;
  std::string where;  ///< ipc: the path; tcp: the host (may be "*" when binding)
  int port = 0;       ///< tcp only
};

/// Parses "ipc://<path>" or "tcp://<host>:<port>". `bind` allows the host "*" (every
/// interface); a peer must be named. The Error's reason is ready to follow a field path.
mesh::Result<Endpoint> parse_endpoint(std::string_view text, bool bind);

/// Who satellite `self` must have as peers: its candidate ISL neighbours (every candidate
/// link, up or not at t = 0), or every other satellite in cluster mode. Ascending, unique.
std::vector<int> expected_peers(const mesh::Topology& topo, int self, bool cluster);

/// An Error from another module (which names its command-line flag, e.g. "--policy") reworded
/// for a configuration field: the flag becomes `path`, any other parameter joins the reason.
mesh::Error reword(const mesh::Error& e, const std::string& path);

/// Why `key` is not Z85 text of `bytes` bytes (5 characters per 4 bytes) naming `what`, or
/// nothing. The defaults are a CurveZMQ key: 40 characters decoding to 32 bytes.
std::optional<std::string> key_problem(std::string_view key, std::size_t bytes = 32,
                                       std::string_view what = "CurveZMQ key");

/// `bytes` (a multiple of 4 long) as Z85 text.
std::string z85_encode(std::string_view bytes);

/// The bytes Z85 text decodes to, or nothing if it is not Z85 (see key_problem()).
std::optional<std::string> z85_decode(std::string_view text);

}  // namespace leomesh::firmware_config::detail
