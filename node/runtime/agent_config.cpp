#include "leomesh/node/agent_config.hpp"

#include "leomesh/firmware_config/config.hpp"
#include "leomesh/mesh/spec.hpp"

namespace leomesh::node {

AgentSettings agent_settings(const config::SatelliteConfig& cfg, std::uint64_t epoch) {
  AgentSettings s;
  s.topology = cfg.network().topology();
  s.links = cfg.network().links();
  s.core = firmware_config::core_settings(cfg);
  s.core.epoch = epoch;
  s.workload = cfg.workload().spec();
  s.inject_here = cfg.workload().inject_here();
  s.max_frame_bytes = cfg.limits().max_message_bytes();
  return s;
}

mesh::Result<std::unique_ptr<SignedMessages>> SignedMessages::create(const config::SatelliteConfig& cfg) {
  if (!firmware_config::signs(cfg)) return std::unique_ptr<SignedMessages>();
  auto satellites = mesh::build_topology(cfg.network().topology(), cfg.network().links());
  if (!satellites) return satellites.error();
  auto auth = OriginAuth::create(firmware_config::origin_keys(cfg), satellites->satellites());
  if (!auth) return auth.error();
  return std::unique_ptr<SignedMessages>(new SignedMessages(std::move(*auth)));
}

}  // namespace leomesh::node
