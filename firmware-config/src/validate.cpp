// validate() and validate_together(): every problem of a configuration, named by field path.
#include <sys/stat.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "internal.hpp"
#include "leomesh/firmware_config/config.hpp"
#include "leomesh/mesh/spec.hpp"
#include "leomesh/scheduler/core_config.hpp"
#include "leomesh/workloads/workload.hpp"

namespace leomesh::firmware_config {
namespace {

using mesh::format_number;

// Upper bounds of counts in a configuration: far above any real setting, low enough that no
// queue sized by them can take the memory of a flight computer by a typing error.
constexpr std::uint32_t kMaxCount = 1000000;
constexpr std::uint32_t kMaxQueuedTasks = 100000000;

/// Collects problems; one per call, in the order the checks run.
class Problems {
 public:
  void add(std::string path, std::string reason) {
    list_.push_back(mesh::fail(std::move(path), std::move(reason)));
  }
  void add(mesh::Error e) { list_.push_back(std::move(e)); }
  void append(std::vector<mesh::Error>& out) { out.insert(out.end(), list_.begin(), list_.end()); }

  /// A number within [lo, hi], or exactly 0 where 0 switches something off.
  void within(const std::string& path, double v, double lo, double hi, const std::string& unit,
              bool zero_is_off = false) {
    if (zero_is_off && v == 0) return;
    if (!(std::isfinite(v) && v >= lo && v <= hi))
      add(path, "must be " + std::string(zero_is_off ? "0 (off) or " : "") + "from " + format_number(lo) + " to " +
                    format_number(hi) + unit + ", got " + format_number(v));
  }

 private:
  std::vector<mesh::Error> list_;
};

std::string list_ids(const std::vector<int>& ids) {
  std::string s;
  for (int id : ids) s += (s.empty() ? "" : ", ") + std::to_string(id);
  return s;
}

/// Parsing a workload can be expensive (bag:irregular sums its task costs up front), and a
/// constellation's files all name the same workload: remember the last spec that parsed.
std::string& last_good_workload() {
  thread_local std::string spec;
  return spec;
}

/// Every file of a constellation names the same network. Building it once per thread rather
/// than once per file keeps checking a whole cluster linear: full:2048 has 2 M candidate
/// links, and rebuilding them for each of its 2048 files would take minutes.
mesh::Result<std::shared_ptr<const mesh::Topology>> cached_topology(const std::string& topology,
                                                                    const std::string& links) {
  thread_local std::string key;
  thread_local std::shared_ptr<const mesh::Topology> last;
  const std::string wanted = topology + '\n' + links;
  if (last && key == wanted) return last;
  auto built = mesh::build_topology(topology, links);
  if (!built) return built.error();
  last = std::make_shared<const mesh::Topology>(std::move(*built));
  key = wanted;
  return last;
}

}  // namespace

std::vector<mesh::Error> validate(const config::SatelliteConfig& c) {
  // The network section decides what the rest must look like, so it is checked first; its
  // problems are still reported in field order (identity, endpoint, peers, workers, network,
  // steal, limits, telemetry, security, workload) so that reports read like the file.
  Problems net;
  std::shared_ptr<const mesh::Topology> topo;
  int n = 0;
  bool cluster = false;
  if (!c.has_network()) {
    net.add("network", "missing: the topology, link model and satellite count are required");
  } else {
    const config::Network& nw = c.network();
    cluster = nw.cluster();
    if (nw.topology().empty()) {
      net.add("network.topology",
              "missing; expected a preset, walker-delta:..., mesh:RxC, torus:RxC or full:N");
    } else {
      auto built = cached_topology(nw.topology(), nw.links());
      if (built) {
        topo = *built;
      } else {
        // Topology::build fails only because of the link model; mesh/ names the flag.
        const bool links_fault = built.error().parameter.rfind("--links", 0) == 0;
        net.add(detail::reword(built.error(), links_fault ? "network.links" : "network.topology"));
      }
    }
    if (topo) {
      n = topo->satellites();
      if (nw.satellites() != n)
        net.add("network.satellites", "is " + std::to_string(nw.satellites()) + ", but " +
                                          topo->spec().name + " has " + std::to_string(n) +
                                          " satellites");
    } else if (nw.satellites() > 0) {
      n = nw.satellites();  // still lets the id checks below say something useful
    }
    if (!std::isfinite(nw.epoch_unix_s()))
      net.add("network.epoch_unix_s",
              "must be a finite number, got " + format_number(nw.epoch_unix_s()));
    // Outside these the clocks stop meaning anything: a time scale of 1e12 moves the orbits
    // a century per second, an update every nanosecond keeps the loop doing nothing else.
    net.within("network.time_scale", nw.time_scale(), 1e-3, 1e6, "", /*zero_is_off=*/true);
    net.within("network.update_interval_s", nw.update_interval_s(), 1e-3, 86400, " seconds");
  }
  const std::string topo_name = topo ? topo->spec().name : c.network().topology();
  auto out_of_range = [&](int v) {
    return std::to_string(v) + " is outside 0.." + std::to_string(n - 1) + " (" + topo_name +
           " has " + std::to_string(n) + " satellites)";
  };

  std::vector<mesh::Error> all;
  Problems p;

  // identity
  int self = -1;
  if (!c.has_identity()) {
    p.add("identity", "missing: this satellite's id, plane and slot are required");
  } else {
    const config::Identity& id = c.identity();
    if (n > 0 && (id.satellite() < 0 || id.satellite() >= n)) {
      p.add("identity.satellite", out_of_range(id.satellite()));
    } else if (n > 0) {
      self = id.satellite();
    }
    if (topo && self >= 0) {
      // Satellite id = plane x per_plane + slot, as everywhere in mesh/.
      const int plane = self / topo->per_plane(), slot = self % topo->per_plane();
      if (id.plane() != plane)
        p.add("identity.plane", "is " + std::to_string(id.plane()) + ", but satellite " +
                                    std::to_string(self) + " of " + topo_name + " is in plane " +
                                    std::to_string(plane));
      if (id.slot() != slot)
        p.add("identity.slot", "is " + std::to_string(id.slot()) + ", but satellite " +
                                   std::to_string(self) + " of " + topo_name + " is in slot " +
                                   std::to_string(slot));
    }
  }

  // endpoint: where this agent binds
  std::unordered_map<std::string, std::string> endpoint_owner;  // endpoint -> field path
  struct stat st {};
  if (auto e = detail::parse_endpoint(c.endpoint(), /*bind=*/true); !e) {
    p.add("endpoint", e.error().reason);
  } else if (e->kind == detail::Endpoint::Kind::ipc && ::stat(e->where.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
    // ZeroMQ unlinks whatever is at an ipc path before binding there: a typo naming a real
    // file would delete it.
    p.add("endpoint", "'" + e->where + "' is an existing file that is not a socket; the agent will not replace it");
  } else {
    endpoint_owner.emplace(c.endpoint(), "endpoint");
  }

  // peers
  const bool curve = c.has_security() && c.security().curve();
  std::unordered_set<std::string> admitted(c.security().admitted_keys().begin(),
                                           c.security().admitted_keys().end());
  std::vector<int> expected;
  if (topo && self >= 0) expected = detail::expected_peers(*topo, self, cluster);
  const std::set<int> expected_set(expected.begin(), expected.end());
  std::map<int, int> seen;                                 // satellite -> peer index
  std::unordered_map<std::string, std::string> key_owner;  // public key -> field path
  if (curve && !c.security().public_key().empty())
    key_owner.emplace(c.security().public_key(), "security.public_key");
  for (int i = 0; i < c.peers_size(); ++i) {
    const config::Peer& peer = c.peers(i);
    const std::string path = "peers[" + std::to_string(i) + "]";
    const int sid = peer.satellite();
    if (n > 0 && (sid < 0 || sid >= n)) {
      p.add(path + ".satellite", out_of_range(sid));
    } else if (self >= 0 && sid == self) {
      p.add(path + ".satellite", std::to_string(sid) + " is this satellite itself");
    } else if (auto it = seen.find(sid); it != seen.end()) {
      p.add(path + ".satellite",
            std::to_string(sid) + " is already peers[" + std::to_string(it->second) + "]");
    } else {
      seen.emplace(sid, i);
      if (topo && self >= 0 && expected_set.count(sid) == 0)
        p.add(path + ".satellite", std::to_string(sid) + " is not an ISL neighbour of " +
                                       std::to_string(self) + " in " + topo_name +
                                       " (its neighbours: " + list_ids(expected) + ")");
    }
    if (auto e = detail::parse_endpoint(peer.endpoint(), /*bind=*/false); !e) {
      p.add(path + ".endpoint", e.error().reason);
    } else if (auto [it, fresh] = endpoint_owner.emplace(peer.endpoint(), path + ".endpoint");
               !fresh) {
      p.add(path + ".endpoint", "'" + peer.endpoint() + "' is also " + it->second);
    }
    if (curve) {
      if (auto why = detail::key_problem(peer.public_key())) {
        p.add(path + ".public_key", *why);
      } else if (auto [it, fresh] = key_owner.emplace(peer.public_key(), path + ".public_key");
                 !fresh) {
        p.add(path + ".public_key",
              "the same key as " + it->second + "; every satellite has its own");
      } else if (admitted.count(peer.public_key()) == 0) {
        p.add(path + ".public_key",
              "not in security.admitted_keys: this agent's ZAP handler would refuse the peer");
      }
    }
  }
  for (int missing : expected) {
    if (seen.count(missing) != 0) continue;
    p.add("peers", cluster
                       ? "missing satellite " + std::to_string(missing) +
                             " (cluster mode: every other satellite is a peer)"
                       : "missing ISL neighbour " + std::to_string(missing) + " (" + topo_name +
                             " links " + std::to_string(self) + " to " + list_ids(expected) + ")");
  }

  // workers
  if (c.workers() < 1 || c.workers() > 1024)
    p.add("workers", "must be within 1..1024 worker threads, got " + std::to_string(c.workers()));

  p.append(all);
  net.append(all);
  Problems q;

  // steal
  if (!c.has_steal()) {
    q.add("steal", "missing: the steal policy, amount and timeouts are required");
  } else {
    const config::Steal& s = c.steal();
    if (s.policy().empty()) {
      q.add("steal.policy", "missing; expected neighbor, global or khop:K");
    } else if (auto pol = scheduler::parse_policy(s.policy()); !pol) {
      q.add(detail::reword(pol.error(), "steal.policy"));
    }
    if (auto amount = scheduler::parse_amount(s.amount()); !amount)
      q.add(detail::reword(amount.error(), "steal.amount"));
    if (s.max_batch() < 1 || s.max_batch() > kMaxCount)
      q.add("steal.max_batch", "must be from 1 to " + std::to_string(kMaxCount) + " tasks per reply, got " +
                                   std::to_string(s.max_batch()));
    // The knobs by the scheduler's own rules, so a file that validates is one the agent runs.
    for (const mesh::Error& e : scheduler::check_core_knobs(core_settings(c).knobs))
      q.add("steal.tuning[" + e.parameter + "]", e.reason);
    if (n > 0 && (s.root() < 0 || s.root() >= n)) q.add("steal.root", out_of_range(s.root()));
  }

  // limits
  if (!c.has_limits()) {
    q.add("limits", "missing: queue, message and high-water-mark limits are required");
  } else {
    const config::Limits& l = c.limits();
    if (l.max_queued_tasks() < 1 || l.max_queued_tasks() > kMaxQueuedTasks)
      q.add("limits.max_queued_tasks", "must be from 1 to " + std::to_string(kMaxQueuedTasks) + ", got " +
                                           std::to_string(l.max_queued_tasks()));
    // A steal reply carries whole 32-byte tasks plus routing headers; under 1 KiB even a
    // modest batch would be refused by the decoder, and 0 would refuse everything.
    if (l.max_message_bytes() < 1024 || l.max_message_bytes() > (64 << 20))
      q.add("limits.max_message_bytes",
            "must be from 1024 to 67108864 bytes, got " + std::to_string(l.max_message_bytes()));
    // ZeroMQ reads a high-water mark of 0 as "no limit": unbounded queues towards a dead link.
    auto water_mark = [&](const std::string& path, int v) {
      if (v < 1 || static_cast<std::uint32_t>(v) > kMaxCount)
        q.add(path, "must be from 1 to " + std::to_string(kMaxCount) +
                        " messages (0 means unbounded in ZeroMQ), got " + std::to_string(v));
    };
    water_mark("limits.send_high_water_mark", l.send_high_water_mark());
    water_mark("limits.receive_high_water_mark", l.receive_high_water_mark());
  }

  // telemetry (optional: absent means no reports)
  // A report every nanosecond would be tens of MB of telemetry a second.
  q.within("telemetry.report_interval_s", c.telemetry().report_interval_s(), 0.01, 86400, " seconds",
           /*zero_is_off=*/true);
  q.within("telemetry.trace_interval_s", c.telemetry().trace_interval_s(), 1e-3, 60, " seconds", /*zero_is_off=*/true);

  // security
  if (!c.has_security()) {
    // Fail closed: proto3 reads an absent section as curve = false, which would silently run
    // every link unauthenticated and unencrypted.
    q.add("security", "missing (CURVE would be off); write security { curve: false } to mean that");
  } else if (curve) {
    const config::Security& s = c.security();
    const auto public_problem = detail::key_problem(s.public_key());
    if (public_problem) q.add("security.public_key", *public_problem);
    if (auto why = detail::key_problem(s.secret_key())) {
      q.add("security.secret_key", *why);
    } else if (!public_problem) {
      const auto derived = derive_public_key(s.secret_key());
      if (!derived)
        q.add("security.secret_key",
              "libzmq cannot derive a public key from it (no CURVE support?)");
      else if (*derived != s.public_key())
        q.add("security.secret_key",
              "does not belong to security.public_key (its public key is " + *derived + ")");
    }
    for (int i = 0; i < s.admitted_keys_size(); ++i)
      if (auto why = detail::key_problem(s.admitted_keys(i)))
        q.add("security.admitted_keys[" + std::to_string(i) + "]", *why);
  }
  if (c.has_security() && signs(c)) {
    const config::Security& s = c.security();
    const auto seed = detail::key_problem(s.signing_seed(), kSigningKeyBytes, "Ed25519 seed");
    if (seed) q.add("security.signing_seed", *seed);
    const auto cert = detail::key_problem(s.certificate(), kSignatureBytes, "Ed25519 signature");
    if (cert) q.add("security.certificate", *cert);
    const auto ground = detail::key_problem(s.ground_public_key(), kSigningKeyBytes, "Ed25519 public key");
    if (ground) q.add("security.ground_public_key", *ground);
    // Checked here, not only by the agents that receive its messages: a file whose
    // certificate fails would run, and every message it originates would be dropped.
    // (An id outside the constellation is reported at identity.satellite alone.)
    const OriginKeys k = origin_keys(c);
    if (!seed && !cert && !ground && self >= 0 &&
        !certificate_valid(k.ground_public_key, self, k.own.public_key, k.certificate))
      q.add("security.certificate",
            "is not the ground's signature of satellite " + std::to_string(self) +
                "'s signing key under security.ground_public_key (another satellite's, or regenerated apart?)");
  }

  // workload (optional: an agent without one only serves thieves)
  const config::Workload& w = c.workload();
  if (w.spec().empty()) {
    if (w.inject_here())
      q.add("workload.inject_here", "set, but workload.spec is empty: nothing to inject");
  } else if (w.spec() != last_good_workload()) {
    if (auto parsed = workloads::parse_workload(w.spec()); !parsed) {
      q.add(detail::reword(parsed.error(), "workload.spec"));
    } else {
      last_good_workload() = w.spec();
    }
  }
  q.append(all);
  return all;
}

namespace {

/// A peer entry names the endpoint its satellite binds; "tcp://*:P" binds every interface,
/// so any host with the same port reaches it.
bool reaches(const std::string& peer_endpoint, const std::string& bound) {
  if (peer_endpoint == bound) return true;
  auto b = detail::parse_endpoint(bound, /*bind=*/true);
  auto e = detail::parse_endpoint(peer_endpoint, /*bind=*/false);
  return b && e && b->kind == detail::Endpoint::Kind::tcp && b->where == "*" &&
         e->kind == detail::Endpoint::Kind::tcp && e->port == b->port;
}

}  // namespace

std::vector<SetProblem> validate_together(const std::vector<config::SatelliteConfig>& configs,
                                          const std::vector<std::string>& names) {
  std::vector<SetProblem> out;
  auto add = [&](std::size_t index, std::string path, std::string reason) {
    out.push_back(SetProblem{index, mesh::fail(std::move(path), std::move(reason))});
  };
  auto name = [&](std::size_t i) {
    return i < names.size() ? names[i] : "configuration #" + std::to_string(i);
  };
  if (configs.empty()) return out;

  // The first file is the reference every other is compared with: mesh/ is pure, so agents
  // agree on routes and link states only if they evaluate the very same network.
  const config::SatelliteConfig& ref = configs.front();
  std::map<int, std::size_t> by_id;
  std::unordered_map<std::string, std::size_t> endpoint_of;
  std::vector<std::size_t> injectors;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const config::SatelliteConfig& c = configs[i];
    const int id = c.identity().satellite();
    if (auto [it, fresh] = by_id.emplace(id, i); !fresh)
      add(i, "identity.satellite",
          "satellite " + std::to_string(id) + " is also configured by " + name(it->second));
    if (auto [it, fresh] = endpoint_of.emplace(c.endpoint(), i); !fresh)
      add(i, "endpoint", "'" + c.endpoint() + "' is also where " + name(it->second) + " binds");
    if (c.workload().inject_here()) injectors.push_back(i);
    if (i == 0) continue;
    const config::Network& a = c.network();
    const config::Network& b = ref.network();
    const std::string in_ref = " in " + name(0);
    auto differs = [&](const std::string& path, const std::string& mine,
                       const std::string& theirs) {
      if (mine != theirs) add(i, path, "'" + mine + "' differs from '" + theirs + "'" + in_ref);
    };
    differs("network.topology", a.topology(), b.topology());
    differs("network.links", a.links(), b.links());
    differs("network.satellites", std::to_string(a.satellites()), std::to_string(b.satellites()));
    differs("network.epoch_unix_s", format_number(a.epoch_unix_s()),
            format_number(b.epoch_unix_s()));
    differs("network.time_scale", format_number(a.time_scale()), format_number(b.time_scale()));
    differs("network.update_interval_s", format_number(a.update_interval_s()),
            format_number(b.update_interval_s()));
    differs("network.cluster", a.cluster() ? "true" : "false", b.cluster() ? "true" : "false");
    differs("network.delay_in_network", a.delay_in_network() ? "true" : "false",
            b.delay_in_network() ? "true" : "false");
    differs("steal.root", std::to_string(c.steal().root()), std::to_string(ref.steal().root()));
    differs("workload.spec", c.workload().spec(), ref.workload().spec());
    differs("security.curve", c.security().curve() ? "true" : "false",
            ref.security().curve() ? "true" : "false");
    // Agents that sign drop what is unsigned or certified by another ground.
    differs("security.sign", signs(c) ? "true" : "false", signs(ref) ? "true" : "false");
    if (signs(c) && signs(ref))
      differs("security.ground_public_key", c.security().ground_public_key(), ref.security().ground_public_key());
  }
  for (std::size_t k = 1; k < injectors.size(); ++k)
    add(injectors[k], "workload.inject_here",
        "also set in " + name(injectors[0]) + ": the root tasks would be injected twice");
  const int n = ref.network().satellites();
  if (injectors.empty() && !ref.workload().spec().empty() && n > 0 &&
      by_id.size() == static_cast<std::size_t>(n))
    add(0, "workload.inject_here",
        "no satellite of the constellation injects '" + ref.workload().spec() + "'");

  // Each peer entry must match what that peer's own file says about itself.
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const config::SatelliteConfig& c = configs[i];
    for (int k = 0; k < c.peers_size(); ++k) {
      const config::Peer& p = c.peers(k);
      const auto it = by_id.find(p.satellite());
      if (it == by_id.end()) continue;
      const config::SatelliteConfig& other = configs[it->second];
      const std::string path = "peers[" + std::to_string(k) + "]";
      if (!reaches(p.endpoint(), other.endpoint()))
        add(i, path + ".endpoint",
            "'" + p.endpoint() + "', but satellite " + std::to_string(p.satellite()) + " binds '" +
                other.endpoint() + "' in " + name(it->second));
      if (c.security().curve() && p.public_key() != other.security().public_key())
        add(i, path + ".public_key",
            "is not satellite " + std::to_string(p.satellite()) + "'s public key in " +
                name(it->second) + " (regenerated separately?)");
    }
  }
  return out;
}

}  // namespace leomesh::firmware_config
