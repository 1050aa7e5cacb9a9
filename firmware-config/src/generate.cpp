// generate(): one configuration per satellite from a topology and the run's options.
#include <cmath>

#include "internal.hpp"
#include "leomesh/firmware_config/config.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::firmware_config {
namespace {

std::string ipc_endpoint(std::string dir, int id) {
  // "dir/" and "dir" name the same directory; keep the socket path canonical so that two
  // files describing the same satellite carry the same string.
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return "ipc://" + dir + (dir == "/" ? "" : "/") + "sat-" + std::to_string(id);
}

std::string tcp_endpoint(const std::string& host, int port) {
  return "tcp://" + host + ":" + std::to_string(port);
}

}  // namespace

mesh::Result<std::vector<config::SatelliteConfig>> generate(const GenerateOptions& o) {
  // Every option is checked before any key is drawn, each error naming its command-line flag.
  auto built = mesh::build_topology(o.topology, o.links);
  if (!built) return built.error();
  const mesh::Topology& topo = *built;
  const int n = topo.satellites();
  // The core's settings are checked as the agent will build them (errors name their flags).
  scheduler::CoreSettings settings;
  settings.root = o.root;
  settings.policy = o.policy;
  settings.amount = o.amount;
  if (o.max_batch > 0) settings.max_batch = o.max_batch;
  settings.seed = o.seed;
  settings.knobs = o.core_knobs;
  const auto core = scheduler::make_core_config(settings);
  if (!core) return core.error();
  if (o.workers < 1 || o.workers > 1024)
    return mesh::fail("--workers", "must be within 1..1024, got " + std::to_string(o.workers));
  if (!o.workload.empty())
    if (auto w = workloads::parse_workload(o.workload); !w) return w.error();
  const std::string range =
      " (" + topo.spec().name + " has satellites 0.." + std::to_string(n - 1) + ")";
  if (o.inject_at < 0 || o.inject_at >= n)
    return mesh::fail("--inject-at",
                      "satellite " + std::to_string(o.inject_at) + " does not exist" + range);
  if (o.root < 0 || o.root >= n)
    return mesh::fail("--root", "satellite " + std::to_string(o.root) + " does not exist" + range);

  std::vector<std::string> endpoints(static_cast<std::size_t>(n));
  if (o.endpoint_kind == "ipc") {
    if (o.ipc_dir.empty()) return mesh::fail("--ipc-dir", "required for ipc endpoints");
    for (int v = 0; v < n; ++v) endpoints[static_cast<std::size_t>(v)] = ipc_endpoint(o.ipc_dir, v);
    // The longest name is the last satellite's; a Unix socket path cannot exceed 107 bytes.
    if (auto e = detail::parse_endpoint(endpoints.back(), false); !e)
      return mesh::fail("--ipc-dir", e.error().reason + "; choose a shorter directory");
  } else if (o.endpoint_kind == "tcp") {
    if (o.tcp_base_port < 1 || o.tcp_base_port > 65535 || o.tcp_base_port + n - 1 > 65535)
      return mesh::fail("--base-port", "ports " + std::to_string(o.tcp_base_port) + ".." +
                                           std::to_string(o.tcp_base_port + n - 1) +
                                           " are needed for " + std::to_string(n) +
                                           " satellites; all must be within 1..65535");
    // "h0,h1,...": satellite v runs on host v mod k (one agent per host under Slurm).
    std::vector<std::string> hosts;
    for (std::size_t start = 0;;) {
      const auto comma = o.tcp_host.find(',', start);
      hosts.push_back(o.tcp_host.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    for (int v = 0; v < n; ++v) {
      const std::string& host = hosts[static_cast<std::size_t>(v) % hosts.size()];
      endpoints[static_cast<std::size_t>(v)] = tcp_endpoint(host, o.tcp_base_port + v);
      if (auto e = detail::parse_endpoint(endpoints[static_cast<std::size_t>(v)], false); !e)
        return mesh::fail("--host", e.error().reason);
    }
  } else {
    return mesh::fail("--endpoints", "expected ipc or tcp, got '" + o.endpoint_kind + "'");
  }

  std::vector<KeyPair> keys;
  if (o.curve) {
    keys.reserve(static_cast<std::size_t>(n));
    for (int v = 0; v < n; ++v) {
      auto k = generate_key_pair();
      if (!k) return k.error();
      keys.push_back(std::move(*k));
    }
  }
  // Origin signatures: the ground certifies each satellite's signing key; only its public key
  // goes into the files, so no satellite can certify another.
  const bool sign = o.curve && o.sign;
  std::vector<SigningKeyPair> signing;
  std::optional<SigningKeyPair> ground = o.ground;
  if (sign) {
    if (!ground) {
      auto g = generate_signing_key_pair();
      if (!g) return g.error();
      ground = std::move(*g);
    } else if (!(ground = signing_key_pair(ground->seed))) {  // the public key as the seed derives it
      return mesh::fail("ground", "must hold a 32-byte Ed25519 seed");
    }
    signing.reserve(static_cast<std::size_t>(n));
    for (int v = 0; v < n; ++v) {
      auto k = generate_signing_key_pair();
      if (!k) return k.error();
      signing.push_back(std::move(*k));
    }
  }

  const bool cluster = o.cluster || topo.spec().kind == mesh::TopologySpec::Kind::full;
  const mesh::LinkModel& links = topo.link_model();
  std::vector<config::SatelliteConfig> out(static_cast<std::size_t>(n));
  for (int v = 0; v < n; ++v) {
    const auto sv = static_cast<std::size_t>(v);
    config::SatelliteConfig& c = out[sv];
    c.mutable_identity()->set_satellite(v);
    c.mutable_identity()->set_plane(v / topo.per_plane());
    c.mutable_identity()->set_slot(v % topo.per_plane());
    c.set_endpoint(endpoints[sv]);
    c.set_workers(o.workers);

    config::Network& net = *c.mutable_network();
    net.set_topology(topo.spec().name);
    // Written out even when the user named none, so a file says what it runs. The user's
    // own text is kept otherwise: LinkModel::to_string() rounds to 6 significant digits.
    net.set_links(o.links.empty() ? links.to_string() : o.links);
    net.set_satellites(n);
    net.set_epoch_unix_s(o.epoch_unix_s);
    net.set_time_scale(o.time_scale);
    net.set_update_interval_s(o.update_interval_s);
    net.set_cluster(cluster);
    net.set_delay_in_network(o.delay_in_network);

    config::Steal& steal = *c.mutable_steal();
    steal.set_policy(o.policy);
    steal.set_amount(o.amount);
    steal.set_max_batch(static_cast<std::uint32_t>(core->max_batch));
    steal.set_seed(o.seed);
    steal.set_root(o.root);
    for (const scheduler::CoreKnob& k : scheduler::core_knobs())
      (*steal.mutable_tuning())[k.name] = (*core).*k.field;

    config::Limits& lim = *c.mutable_limits();
    lim.set_max_queued_tasks(o.max_queued_tasks);
    lim.set_max_message_bytes(o.max_message_bytes);
    lim.set_send_high_water_mark(o.send_high_water_mark);
    lim.set_receive_high_water_mark(o.receive_high_water_mark);

    c.mutable_telemetry()->set_report_on_exit(o.report_on_exit);
    c.mutable_telemetry()->set_report_interval_s(o.report_interval_s);
    c.mutable_telemetry()->set_trace_interval_s(o.trace_interval_s);

    config::Security& sec = *c.mutable_security();
    sec.set_curve(o.curve);
    if (o.curve) {
      sec.set_public_key(keys[sv].public_key);
      sec.set_secret_key(keys[sv].secret_key);
    }
    sec.set_sign(sign);
    if (sign) {
      sec.set_signing_seed(detail::z85_encode(signing[sv].seed));
      sec.set_certificate(detail::z85_encode(certify(*ground, v, signing[sv].public_key)));
      sec.set_ground_public_key(detail::z85_encode(ground->public_key));
    }
    for (int peer : detail::expected_peers(topo, v, cluster)) {
      const auto sp = static_cast<std::size_t>(peer);
      config::Peer& p = *c.add_peers();
      p.set_satellite(peer);
      p.set_endpoint(endpoints[sp]);
      if (o.curve) {
        p.set_public_key(keys[sp].public_key);
        // Least privilege: a satellite's ZAP handler admits its peers and nobody else.
        sec.add_admitted_keys(keys[sp].public_key);
      }
    }

    if (!o.workload.empty()) {
      c.mutable_workload()->set_spec(o.workload);
      c.mutable_workload()->set_inject_here(v == o.inject_at);
    }
  }

  // The options without a flag of their own (timeouts, limits, ...) are checked by the same
  // rules the agent applies when it loads the file: what generate() returns always loads.
  for (const config::SatelliteConfig& c : out) {
    const std::vector<mesh::Error> problems = validate(c);
    if (!problems.empty())
      return mesh::fail(problems.front().parameter,
                        problems.front().reason + " (from the generation options)");
  }
  return out;
}

}  // namespace leomesh::firmware_config
