// core_settings(): what a configuration file asks of its satellite's scheduler core.
#include "leomesh/firmware_config/config.hpp"

namespace leomesh::firmware_config {

scheduler::CoreSettings core_settings(const config::SatelliteConfig& c) {
  const config::Steal& steal = c.steal();
  scheduler::CoreSettings s;
  s.self = c.identity().satellite();
  s.root = steal.root();
  s.policy = steal.policy();
  s.amount = steal.amount();
  s.max_batch = steal.max_batch();
  s.seed = steal.seed();
  s.workers = c.workers() > 0 ? static_cast<std::size_t>(c.workers()) : 0;
  for (const auto& [name, value] : steal.tuning()) s.knobs[name] = value;
  return s;
}

}  // namespace leomesh::firmware_config
