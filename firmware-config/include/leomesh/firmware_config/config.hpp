// One satellite's agent configuration: generating it from a topology, reading and writing it
// as Protobuf text, and validating it with errors that name the exact field.
//
// The schema is `firmware-config/proto/satellite_config.proto` (package leomesh.config; the
// generated header is "satellite_config.pb.h"). A configuration is everything leomesh-agent
// needs: who it is, where it binds, its ISL peers with their endpoints and CurveZMQ public
// keys, the constellation and link model (so every agent evaluates mesh/ identically), the
// steal settings, limits, telemetry, its own key pair and the keys its ZAP handler admits,
// and its origin-signing key with the ground's certificate of it.
//
// Nothing here starts a process, opens a socket or reads a clock. The only side effects are
// the files write_all() writes and the key pairs generate() draws from libsodium's CSPRNG.
// Every function is safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "satellite_config.pb.h"

namespace leomesh::firmware_config {

inline constexpr std::size_t kSigningKeyBytes = 32;  ///< an Ed25519 seed or public key
inline constexpr std::size_t kSignatureBytes = 64;   ///< an Ed25519 signature (a certificate is one)

/// An Ed25519 key pair (libsodium), raw bytes: the seed is the secret, the public key derives
/// from it. The ground's pair certifies satellites' keys; each satellite signs with its own.
struct SigningKeyPair {
  std::string seed;        ///< kSigningKeyBytes
  std::string public_key;  ///< kSigningKeyBytes
};

/// What `leomesh config generate` is asked for; plain data, read once by generate().
/// Every field has a working default except `topology` (and `ipc_dir` for ipc endpoints).
struct GenerateOptions {
  std::string topology;               ///< as --topology: "starlink-s1", "torus:3x3", "full:4", ...
  std::string links;                  ///< as --links; "" = the topology's default link model
  std::string policy = "neighbor";    ///< as --policy: neighbor | global | khop:K
  std::string amount = "half";        ///< half | one
  int workers = 2;                    ///< worker threads per satellite, 1..1024
  std::string workload;               ///< as --workload; may be empty (no work injected)
  int inject_at = 0;                  ///< the satellite that receives the root tasks
  int root = 0;                       ///< the satellite that runs termination detection
  std::string endpoint_kind = "ipc";  ///< "ipc" or "tcp"
  std::string ipc_dir;  ///< ipc endpoints: ipc://<ipc_dir>/sat-<id> (required for ipc)
  /// tcp endpoints: tcp://<host>:<tcp_base_port + id>; a comma-separated list puts
  /// satellite id on host id mod k (e.g. the nodes of a Slurm allocation).
  std::string tcp_host = "127.0.0.1";
  int tcp_base_port = 17000;
  bool curve = true;             ///< CurveZMQ on every socket; off only for debugging
  /// Origin signatures on every message (security.sign); only with `curve`, so --no-curve
  /// turns both off. Off with CURVE on only to measure what signatures cost.
  bool sign = true;
  /// The ground's key pair, which certifies each satellite's signing key. Unset: a fresh one
  /// is drawn and forgotten (the set can then never be extended with another satellite).
  std::optional<SigningKeyPair> ground;
  bool cluster = false;          ///< peers = every other satellite (always so for full:N)
  bool delay_in_network = false; ///< network.delay_in_network: the network delays the ISLs, not the agent
  double time_scale = 1;         ///< emulated seconds per wall second
  double epoch_unix_s = 0;       ///< wall time of the constellation epoch
  double update_interval_s = 1;  ///< emulated seconds between link / route recomputations
  std::uint64_t seed = 1;        ///< victim choice seed (the core combines it with the id)
  // Steal protocol; what is not set here takes the core's default (scheduler::CoreConfig).
  std::uint32_t max_batch = 0;   ///< most tasks per reply; 0 = the core's default
  /// The core's numeric knobs by name (scheduler::core_knobs()), as the --steal-timeout ...
  /// flags set them; every knob is written to steal.tuning, these values or the defaults.
  scheduler::KnobOverrides core_knobs;
  // Limits.
  std::uint32_t max_queued_tasks = 1u << 20;
  std::uint32_t max_message_bytes = 4u << 20;
  int send_high_water_mark = 10000;
  int receive_high_water_mark = 10000;
  // Telemetry.
  bool report_on_exit = true;
  double report_interval_s = 0;  ///< 0 = only on exit
  double trace_interval_s = 0;   ///< trace events on stdout, busy time sampled this often; 0 = none
};

/// Builds one configuration per satellite, index = satellite id.
///
/// Peers are every candidate ISL neighbour of the +Grid (all candidate links, not only those
/// up at t = 0: links come and go as the constellation moves, the sockets stay), ascending by
/// id; in cluster mode (`cluster` or a full:N topology) every other satellite. Each satellite
/// gets a fresh CurveZMQ key pair; it admits exactly its peers' public keys. With signatures
/// on, each also gets a fresh Ed25519 seed, the ground's certificate of its public key and
/// the ground's public key (never the ground's secret). Fails, naming
/// the option as its command-line flag (--topology, --workers, ...), on any bad option, and
/// never returns a configuration that validate() would reject.
///
///   GenerateOptions o;
///   o.topology = "torus:3x3";
///   o.ipc_dir = "/tmp/leomesh-demo";
///   auto configs = generate(o);
///   if (!configs) { std::cerr << "leomesh: " << configs.error().message() << "\n"; return 2; }
///   write_all(*configs, "out/");   // out/sat-0.conf ... out/sat-8.conf, out/keys/...
mesh::Result<std::vector<config::SatelliteConfig>> generate(const GenerateOptions& options);

/// The configuration as Protobuf text format, one field per line, after one leading `#`
/// comment line naming the satellite. parse_text(to_text(c)) reproduces c exactly.
std::string to_text(const config::SatelliteConfig& config);

/// Parses Protobuf text format. Unknown fields, a repeated singular field and malformed values
/// are errors. The Error's parameter locates the first problem: "<source_name>:<line>:<column>"
/// (1-based), or "line L, column C" when `source_name` is empty; its reason is the parser's.
/// Does not validate; see validate().
mesh::Result<config::SatelliteConfig> parse_text(std::string_view text,
                                                 std::string_view source_name);

/// Every problem of a configuration, in field order; empty means it is fit to run. Each
/// Error's parameter is the field path ("identity.slot", "peers[2].endpoint",
/// "security.secret_key", "network.topology", or "peers" for a missing peer) and its reason
/// says what is wrong and what was expected. Checks one file on its own; consistency between
/// satellites' files is validate_together()'s.
///
///   for (const mesh::Error& e : validate(cfg)) std::cerr << path << ": " << e.message() << "\n";
std::vector<mesh::Error> validate(const config::SatelliteConfig& config);

/// The core settings a configuration asks for: identity.satellite as self, the steal
/// section (steal.tuning as knob overrides) and the workers. The one mapping from a file to
/// scheduler::make_core_config(), for the agent, validate() and the live launcher.
///
///   auto core = scheduler::make_core_config(core_settings(cfg));   // the agent's CoreConfig
scheduler::CoreSettings core_settings(const config::SatelliteConfig& config);

/// A problem found by comparing several satellites' configurations: which one (index into
/// the input) and the Error, with a field path of that configuration.
struct SetProblem {
  std::size_t index = 0;
  mesh::Error error;
};

/// Checks that configurations meant to run together agree: one file per satellite id, the
/// same network / steal root / workload / curve and signing setting / ground key (the first
/// configuration is the reference), distinct endpoints, at most one satellite injecting the workload (exactly one
/// when the whole constellation is given), and every peer entry matching that peer's own
/// file (endpoint and public key). Any subset of a constellation may be given; peers whose
/// files are absent are not compared. `names` (e.g. file paths), when given, name the other
/// configuration in reasons. Run validate() on each first: this assumes each is valid alone.
///
///   auto problems = validate_together(configs, paths);
///   for (const SetProblem& p : problems)
///     std::cerr << paths[p.index] << ": " << p.error.message() << "\n";
std::vector<SetProblem> validate_together(const std::vector<config::SatelliteConfig>& configs,
                                          const std::vector<std::string>& names = {});

/// Reads a file and parses it (no validation). Errors do not repeat `path`: the caller
/// prefixes it ("<path>: line 3, column 7: ...").
mesh::Result<config::SatelliteConfig> parse_file(const std::string& path);

/// parse_file() + validate(): the configuration if it is fit to run, else the first problem
/// (without the path, as for parse_file()). What leomesh-agent --config calls.
mesh::Result<config::SatelliteConfig> load(const std::string& path);

/// Writes `<out_dir>/sat-<id>.conf` for every configuration, and with CURVE on
/// `<out_dir>/keys/sat-<id>.key` (the Z85 secret key) and `keys/sat-<id>.pub`; given the
/// `ground` key pair, also `keys/ground.key` (its Z85 seed) and `keys/ground.pub`. Creates the
/// directories; overwrites earlier files of the same names. Configurations and secret keys
/// are written with mode 0600 (a configuration holds its satellite's secret key), the keys/
/// directory with 0700. Refuses, before writing anything, an `out_dir` that is not a
/// directory or that holds sat-<id>.conf files of satellites beyond this constellation (a
/// launcher globbing sat-*.conf would start them). Returns the number of configurations
/// written; an Error's parameter is the path concerned.
mesh::Result<std::size_t> write_all(const std::vector<config::SatelliteConfig>& configs,
                                    const std::string& out_dir,
                                    const SigningKeyPair* ground = nullptr);

/// A CurveZMQ key pair, Z85-encoded (40 characters each).
struct KeyPair {
  std::string public_key;
  std::string secret_key;
};

/// A fresh key pair from libzmq (libsodium's CSPRNG). Fails if libzmq lacks CURVE.
mesh::Result<KeyPair> generate_key_pair();

/// True if `key` is 40 characters of Z85 that decode to 32 bytes.
bool is_z85_key(std::string_view key);

/// The Z85 public key belonging to a Z85 secret key, or nothing if `secret_key` is not a key.
std::optional<std::string> derive_public_key(std::string_view secret_key);

/// A fresh Ed25519 key pair from libsodium's CSPRNG. Fails only if libsodium cannot start.
mesh::Result<SigningKeyPair> generate_signing_key_pair();

/// The key pair of a seed, or nothing if `seed` is not kSigningKeyBytes long.
std::optional<SigningKeyPair> signing_key_pair(std::string_view seed);

/// The ground's certificate of satellite `satellite`'s signing public key: the ground's
/// Ed25519 signature over "leomesh-cert-v1", the id (4 bytes, little endian) and the key
/// (kSignatureBytes). Binding the id means a key certified for one satellite cannot speak
/// for another.
std::string certify(const SigningKeyPair& ground, int satellite, std::string_view public_key);

/// True if `certificate` is what certify() makes for this satellite and key with the ground
/// key pair whose public key is `ground_public_key`. Any bytes may be passed: wrong lengths
/// are simply false.
bool certificate_valid(std::string_view ground_public_key, int satellite,
                       std::string_view public_key, std::string_view certificate);

/// Whether a configuration signs: security.sign, or security.curve when sign is absent.
bool signs(const config::SatelliteConfig& config);

/// A configuration's origin-signing material, decoded from Z85 to raw bytes: what the agent
/// hands to node::OriginAuth. Fields that are missing or malformed come back empty (validate()
/// reports them; OriginAuth refuses them).
struct OriginKeys {
  int satellite = -1;             ///< identity.satellite: the id the certificate speaks for
  SigningKeyPair own;             ///< from security.signing_seed
  std::string certificate;        ///< kSignatureBytes
  std::string ground_public_key;  ///< kSigningKeyBytes
};
OriginKeys origin_keys(const config::SatelliteConfig& config);

}  // namespace leomesh::firmware_config
