#include "leomesh/scheduler/core_config.hpp"

#include <cmath>

#include "leomesh/mesh/spec.hpp"

namespace leomesh::scheduler {

const std::vector<CoreKnob>& core_knobs() {
  // One row per numeric knob of CoreConfig, one line each; its default stays CoreConfig's
  // initialiser.
  // clang-format off
  static const std::vector<CoreKnob> knobs = {
      {"steal_timeout_s", &CoreConfig::steal_timeout_s, "a steal request unanswered this long has failed"},
      {"retransmit_s", &CoreConfig::retransmit_s, "loot, pushes and termination messages are resent after this"},
      {"backoff_min_s", &CoreConfig::backoff_min_s, "wait after the first empty reply before asking again"},
      {"backoff_max_s", &CoreConfig::backoff_max_s, "cap of the exponential back-off between empty replies"},
      {"requests_in_flight", &CoreConfig::requests_in_flight, "steal requests a thief keeps out at once, to distinct victims", false, false, 1, 64},
      {"remember_s", &CoreConfig::remember_s, "a victim that could not serve a thief pushes it work for this long (0: answer and forget)", true, true},
      {"push_check_s", &CoreConfig::push_check_s, "first wait before a busy victim with thieves waiting looks again for loot to push"},
      {"ask_below_per_worker", &CoreConfig::ask_below_per_worker, "a busy satellite asks for work once its queued work is below this many round trips per worker (0: only when idle)", false, true, 1e-3, 1000},
      {"demand_horizon_hops", &CoreConfig::demand_horizon_hops, "a busy satellite pushes surplus toward hungry satellites at most this many ISL hops away (whole number; 0: off)", false, true, 1, kMaxDemandHorizon},
      {"demand_interval_s", &CoreConfig::demand_interval_s, "a changed distance to demand is sent at most this often, and downhill pushes to one neighbour go at most this often"},
      {"low_check_s", &CoreConfig::low_check_s, "how often a busy satellite looks at its queue against the low-water mark"},
      {"heartbeat_s", &CoreConfig::heartbeat_s, "crash recovery: a satellite holding loot tells its givers it is alive this often, and each giver keeps a copy until the loot's results return (0: off, the end is told by weight throwing)", true, true, 1e-3, 60},
      {"suspect_s", &CoreConfig::suspect_s, "crash recovery: a receiver of loot not heard from for this long is taken for dead, and its loot runs again at the giver", true, false, 1e-3, 3600},
  };
  // clang-format on
  return knobs;
}

mesh::Result<const CoreKnob*> find_core_knob(std::string_view name) {
  std::string known;
  for (const CoreKnob& k : core_knobs()) {
    if (name == k.name) return &k;
    known += (known.empty() ? "" : ", ") + std::string(k.name);
  }
  return mesh::fail(std::string(name), "unknown core setting; known: " + known);
}

std::string knob_flag(std::string_view name) {
  std::string flag = "--" + std::string(name);
  for (char& c : flag)
    if (c == '_') c = '-';
  if (flag.size() > 4 && flag.compare(flag.size() - 2, 2, "-s") == 0) flag.resize(flag.size() - 2);
  return flag;
}

mesh::Result<double> check_core_knob(const CoreKnob& knob, double value) {
  // Zero is refused unless it switches a mechanism off: a zero back-off or push wait doubles
  // to zero again and would have the core ask for the same instant forever; a zero timeout
  // fails every request.
  const std::string unit = knob.seconds ? " seconds" : "";
  if (!std::isfinite(value))
    return mesh::fail(knob.name, "must be a finite number" + std::string(knob.seconds ? " of" : "") + unit +
                                     ", got " + mesh::format_number(value));
  if (value < 0)
    return mesh::fail(knob.name, "cannot be negative, got " + mesh::format_number(value));
  if (value == 0 && !knob.zero_is_off) return mesh::fail(knob.name, "must be more than 0" + unit + ", got 0");
  // Bounded above and below as well: a retransmit every 1e-300 s or a timeout of 1e300 s is
  // a typing error, never a setting, and would stall the core or the clock arithmetic.
  if (value != 0 && (value < knob.min || value > knob.max))
    return mesh::fail(knob.name, "must be " + std::string(knob.zero_is_off ? "0 (off) or " : "") + "from " +
                                     mesh::format_number(knob.min) + " to " + mesh::format_number(knob.max) + unit +
                                     ", got " + mesh::format_number(value));
  return value;
}

namespace {

// Applies every acceptable override to `config` and returns the problems of the others,
// then of the knobs that do not fit together; the one rule set for apply and check.
std::vector<mesh::Error> apply(CoreConfig& config, const KnobOverrides& overrides) {
  std::vector<mesh::Error> problems;
  for (const auto& [name, value] : overrides) {
    auto knob = find_core_knob(name);
    if (!knob) {
      problems.push_back(knob.error());
      continue;
    }
    auto checked = check_core_knob(**knob, value);
    if (!checked) {
      problems.push_back(checked.error());
      continue;
    }
    config.*(*knob)->field = *checked;
  }
  const double horizon = config.demand_horizon_hops;
  if (std::floor(horizon) != horizon || horizon > kMaxDemandHorizon)
    problems.push_back(mesh::fail("demand_horizon_hops", "must be a whole number of hops from 0 to " +
                                                             std::to_string(kMaxDemandHorizon) + ", got " +
                                                             mesh::format_number(horizon)));
  if (config.heartbeat_s > 0 && config.suspect_s < 2 * config.heartbeat_s)
    problems.push_back(mesh::fail("suspect_s", "is " + mesh::format_number(config.suspect_s) +
                                                   ", less than twice heartbeat_s = " + mesh::format_number(config.heartbeat_s) +
                                                   ": one late heartbeat would count as a crash"));
  if (config.backoff_max_s < config.backoff_min_s) {
    // Named after the one the user set (the maximum when both or neither were).
    const bool min_only = overrides.count("backoff_min_s") && !overrides.count("backoff_max_s");
    const std::string value =
        mesh::format_number(min_only ? config.backoff_min_s : config.backoff_max_s);
    problems.push_back(
        min_only ? mesh::fail("backoff_min_s", "is " + value + ", above backoff_max_s = " +
                                                   mesh::format_number(config.backoff_max_s))
                 : mesh::fail("backoff_max_s", "is " + value + ", below backoff_min_s = " +
                                                   mesh::format_number(config.backoff_min_s)));
  }
  return problems;
}

}  // namespace

mesh::Result<CoreConfig> apply_core_knobs(CoreConfig config, const KnobOverrides& overrides) {
  std::vector<mesh::Error> problems = apply(config, overrides);
  if (!problems.empty()) return problems.front();
  return config;
}

std::vector<mesh::Error> check_core_knobs(const KnobOverrides& overrides) {
  CoreConfig config;
  return apply(config, overrides);
}

mesh::Result<StealAmount> parse_amount(std::string_view text) {
  if (text == "half") return StealAmount::half;
  if (text == "one") return StealAmount::one;
  return mesh::fail("--amount", "expected half or one, got '" + std::string(text) + "'");
}

const char* to_string(StealAmount amount) {
  return amount == StealAmount::one ? "one" : "half";
}

mesh::Result<CoreConfig> make_core_config(const CoreSettings& s) {
  CoreConfig c;
  c.self = s.self;
  c.root = s.root;
  auto policy = parse_policy(s.policy);
  if (!policy) return policy.error();
  c.policy = *policy;
  auto amount = parse_amount(s.amount);
  if (!amount) return amount.error();
  c.amount = *amount;
  // A reply limited to no task would never move work: every steal would come back empty.
  if (s.max_batch < 1) return mesh::fail("max_batch", "must be at least 1 task per reply, got 0");
  c.max_batch = s.max_batch;
  c.message_buffers = s.message_buffers;
  c.seed = s.seed;
  c.workers = s.workers;
  if (s.epoch < 1) return mesh::fail("epoch", "must be at least 1, got 0");
  c.epoch = s.epoch;
  auto tuned = apply_core_knobs(c, s.knobs);
  if (!tuned) return mesh::fail(knob_flag(tuned.error().parameter), tuned.error().reason);
  return tuned;
}

}  // namespace leomesh::scheduler
