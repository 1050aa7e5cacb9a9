// The table of the core's knobs and make_core_config(): overrides applied by name, bad names
// and values refused with the knob named, and CoreConfig's initialisers as the only defaults.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "leomesh/scheduler/core_config.hpp"

using namespace leomesh;
using namespace leomesh::scheduler;

TEST_CASE("core_knobs: every numeric knob of CoreConfig, with CoreConfig's defaults",
          "[core_config]") {
  std::vector<std::string> names;
  for (const CoreKnob& k : core_knobs()) names.push_back(k.name);
  CHECK(names == std::vector<std::string>{"steal_timeout_s", "retransmit_s", "backoff_min_s",
                                          "backoff_max_s", "requests_in_flight", "remember_s",
                                          "push_check_s", "ask_below_per_worker", "demand_horizon_hops", "demand_interval_s", "low_check_s", "heartbeat_s", "suspect_s"});
  const CoreConfig d;
  CHECK(d.*(*find_core_knob("steal_timeout_s"))->field == 0.5);
  CHECK(d.*(*find_core_knob("retransmit_s"))->field == 0.5);
  CHECK(d.*(*find_core_knob("backoff_min_s"))->field == 50e-6);
  CHECK(d.*(*find_core_knob("push_check_s"))->field == d.push_check_s);
  for (const CoreKnob& k : core_knobs()) {
    INFO(k.name);
    CHECK(check_core_knob(k, d.*k.field).ok());  // every default passes its own check
    CHECK(std::string(k.help).size() > 10);
  }
}

TEST_CASE("knob_flag: the command-line flag of a knob", "[core_config]") {
  CHECK(knob_flag("steal_timeout_s") == "--steal-timeout");
  CHECK(knob_flag("retransmit_s") == "--retransmit");
  CHECK(knob_flag("push_check_s") == "--push-check");
  CHECK(knob_flag("patience") == "--patience");
}

TEST_CASE("apply_core_knobs: overrides by name, the rest untouched", "[core_config]") {
  CoreConfig base;
  base.self = 7;
  auto c = apply_core_knobs(base, {{"steal_timeout_s", 0.25}, {"remember_s", 2}});
  REQUIRE(c.ok());
  CHECK(c->self == 7);
  CHECK(c->steal_timeout_s == 0.25);
  CHECK(c->remember_s == 2);
  CHECK(c->retransmit_s == CoreConfig{}.retransmit_s);
  CHECK(c->backoff_max_s == CoreConfig{}.backoff_max_s);
  CHECK(apply_core_knobs(base, {})->steal_timeout_s == CoreConfig{}.steal_timeout_s);
}

TEST_CASE("bad knob names and values are refused, naming the knob and why", "[core_config]") {
  auto error = [](const KnobOverrides& o) {
    auto c = apply_core_knobs(CoreConfig{}, o);
    REQUIRE_FALSE(c.ok());
    return c.error();
  };
  const mesh::Error unknown = error({{"steal_timeout", 1}});
  CHECK(unknown.parameter == "steal_timeout");
  CHECK(unknown.reason ==
        "unknown core setting; known: steal_timeout_s, retransmit_s, backoff_min_s, backoff_max_s, "
        "requests_in_flight, remember_s, push_check_s, ask_below_per_worker, demand_horizon_hops, demand_interval_s, low_check_s, heartbeat_s, suspect_s");
  CHECK(error({{"retransmit_s", -0.5}}).message() == "retransmit_s: cannot be negative, got -0.5");
  CHECK(error({{"backoff_min_s", 0}}).message() ==
        "backoff_min_s: must be more than 0 seconds, got 0");
  CHECK(error({{"remember_s", std::numeric_limits<double>::infinity()}}).message() ==
        "remember_s: must be a finite number of seconds, got inf");
  CHECK(error({{"steal_timeout_s", std::nan("")}}).parameter == "steal_timeout_s");
  // Knobs that do not fit together are named after the one that was set.
  CHECK(error({{"backoff_max_s", 1e-6}}).message() ==
        "backoff_max_s: is 1e-06, below backoff_min_s = 5e-05");
  CHECK(error({{"backoff_min_s", 1}}).message() ==
        "backoff_min_s: is 1, above backoff_max_s = 0.02");
  CHECK(apply_core_knobs(CoreConfig{}, {{"backoff_min_s", 1}, {"backoff_max_s", 2}}).ok());
  // check_core_knobs() reports all of them, by name.
  std::vector<std::string> params;
  for (const auto& e : check_core_knobs({{"retransmit_s", -1}, {"bogus", 1}, {"backoff_max_s", 0}}))
    params.push_back(e.parameter);
  CHECK(params == std::vector<std::string>{"backoff_max_s", "bogus", "retransmit_s"});
  CHECK(check_core_knobs({{"retransmit_s", 3}}).empty());
}

TEST_CASE("make_core_config: the one way from settings to a CoreConfig", "[core_config]") {
  const CoreConfig d;
  const CoreConfig c = *make_core_config(CoreSettings{});
  CHECK(c.policy.to_string() == d.policy.to_string());
  CHECK(c.amount == d.amount);
  CHECK(c.max_batch == d.max_batch);
  CHECK(c.seed == d.seed);
  CHECK(c.workers == d.workers);
  for (const CoreKnob& k : core_knobs()) CHECK(c.*k.field == d.*k.field);

  CoreSettings s;
  s.self = 5;
  s.root = 2;
  s.policy = "khop:3";
  s.amount = "one";
  s.max_batch = 17;
  s.seed = 9;
  s.workers = 4;
  s.knobs["steal_timeout_s"] = 0.125;
  const CoreConfig t = *make_core_config(s);
  CHECK(t.self == 5);
  CHECK(t.root == 2);
  CHECK(t.policy.to_string() == "khop:3");
  CHECK(t.amount == StealAmount::one);
  CHECK(t.max_batch == 17);
  CHECK(t.seed == 9);
  CHECK(t.workers == 4);
  CHECK(t.steal_timeout_s == 0.125);

  // Errors name the flag a user would fix.
  auto error = [](auto change) {
    CoreSettings bad;
    change(bad);
    auto r = make_core_config(bad);
    REQUIRE_FALSE(r.ok());
    return r.error();
  };
  CHECK(error([](CoreSettings& b) { b.policy = "sideways"; }).parameter == "--policy");
  CHECK(error([](CoreSettings& b) { b.amount = "all"; }).message() ==
        "--amount: expected half or one, got 'all'");
  CHECK(error([](CoreSettings& b) { b.max_batch = 0; }).parameter == "max_batch");
  CHECK(error([](CoreSettings& b) { b.knobs["steal_timeout_s"] = -1; }).message() ==
        "--steal-timeout: cannot be negative, got -1");
  CHECK(error([](CoreSettings& b) { b.knobs["nap_s"] = 1; }).parameter == "--nap");
}
