// An agent from a satellite configuration file (firmware-config's schema): its settings,
// and its origin signatures. What leomesh-agent and the C API's leomesh_create_from_text()
// share; the embedded profile, which has no Protobuf text format, does without.
//
//   auto auth = node::SignedMessages::create(cfg);           // null when signatures are off
//   if (!auth) return fail(auth.error());
//   auto agent = node::AgentRuntime::create(node::agent_settings(cfg, epoch), driver, auth->get());
#pragma once

#include <memory>

#include "leomesh/node/agent_runtime.hpp"
#include "leomesh/node/origin_auth.hpp"
#include "satellite_config.pb.h"

namespace leomesh::node {

/// The settings a configuration describes; `epoch` is the incarnation (crash recovery).
AgentSettings agent_settings(const config::SatelliteConfig& config, std::uint64_t epoch = 1);

/// OriginAuth as the runtime's MessageAuth.
class SignedMessages final : public MessageAuth {
 public:
  /// The configuration's keys (firmware_config::origin_keys()); null when it does not sign.
  static mesh::Result<std::unique_ptr<SignedMessages>> create(const config::SatelliteConfig& config);
  void sign(scheduler::Message& m) override { auth_.sign(m); }
  bool verify(const scheduler::Message& m) override { return auth_.verify(m) == Verdict::ok; }
  OriginAuthStats stats() const { return auth_.stats(); }

 private:
  explicit SignedMessages(OriginAuth auth) : auth_(std::move(auth)) {}
  OriginAuth auth_;
};

}  // namespace leomesh::node
