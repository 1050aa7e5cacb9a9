// Settings become a CoreConfig here and nowhere else: the table of the core's numeric knobs,
// their checks, and make_core_config(), which the ns-3 driver, the configuration generator
// and validator, and the live agent all go through. The defaults are CoreConfig's member
// initialisers, and only those.
//
// Each front end names a knob in its own way, all derived from the table: the command line
// as a flag (knob_flag(): "steal_timeout_s" is --steal-timeout), a satellite's configuration
// file as a key of steal.tuning, and every emulate JSON as a key of its "core" object.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "leomesh/mesh/result.hpp"
#include "leomesh/scheduler/core.hpp"

namespace leomesh::scheduler {

/// One numeric knob of CoreConfig: a duration in seconds, which must be finite and > 0.
struct CoreKnob {
  const char* name;           ///< CoreConfig's member name, e.g. "steal_timeout_s"
  double CoreConfig::*field;  ///< the member; its default is CoreConfig's initialiser
  const char* help;           ///< one line for --help
  bool seconds = true;        ///< a duration (else a plain number)
  bool zero_is_off = false;   ///< 0 switches the mechanism off (else 0 is refused)
  double min = 1e-6;          ///< smallest value other than an allowed 0
  double max = 3600;          ///< largest value
};

/// The largest demand_horizon_hops (the field travels as 16 bits; no shell is that wide).
inline constexpr int kMaxDemandHorizon = 1024;

/// Every numeric knob, in CoreConfig's order.
///
/// Adding a knob to CoreConfig (a `double` member with its default) takes one row in the
/// table in core_config.cpp; every front end then knows it: a flag of `leomesh emulate` and
/// `leomesh config generate`, a key of the configuration files, an entry of the JSON.
/// Its flag must not clash with another flag of those commands (a knob "timeout_s" would).
///
///   for (const CoreKnob& k : core_knobs())
///     std::printf("%s = %g s: %s\n", k.name, CoreConfig{}.*k.field, k.help);
const std::vector<CoreKnob>& core_knobs();

/// Overrides of knobs by name (seconds); a knob not named keeps CoreConfig's default.
using KnobOverrides = std::map<std::string, double>;

/// The knob called `name`; else an Error with `name` as parameter that lists the known ones.
mesh::Result<const CoreKnob*> find_core_knob(std::string_view name);

/// The command-line flag of a knob: "--" + its name with '-' for '_' and without the unit
/// suffix "_s" ("steal_timeout_s" -> "--steal-timeout"). Any name, known or not.
std::string knob_flag(std::string_view name);

/// `value` if `knob` accepts it; else an Error with the knob's name as parameter that says
/// why (not finite, negative, zero).
mesh::Result<double> check_core_knob(const CoreKnob& knob, double value);

/// Applies `overrides` to `config`. Fails with the first problem (by name order), naming the
/// knob: an unknown name, a value check_core_knob() refuses, or a pair of knobs that do not
/// fit together once applied (backoff_max_s below backoff_min_s), or a demand_horizon_hops
/// that is not a whole number up to kMaxDemandHorizon.
mesh::Result<CoreConfig> apply_core_knobs(CoreConfig config, const KnobOverrides& overrides);

/// Every problem apply_core_knobs() would find applying `overrides` to the defaults, in name
/// order; empty means they are fine. For front ends that report all problems at once.
std::vector<mesh::Error> check_core_knobs(const KnobOverrides& overrides);

/// "half" or "one"; an Error naming --amount otherwise.
mesh::Result<StealAmount> parse_amount(std::string_view text);
/// "half" or "one".
const char* to_string(StealAmount amount);

/// What a driver knows of one satellite's core: text as the user wrote it, numbers, and knob
/// overrides. make_core_config() checks it and turns it into a CoreConfig. Plain data; every
/// default is CoreConfig's.
struct CoreSettings {
  int self = CoreConfig{}.self;
  int root = CoreConfig{}.root;
  std::string policy = CoreConfig{}.policy.to_string();  ///< as --policy
  std::string amount = to_string(CoreConfig{}.amount);   ///< as --amount
  std::size_t max_batch = CoreConfig{}.max_batch;
  std::size_t message_buffers = CoreConfig{}.message_buffers;  ///< 0: memory as needed
  std::uint64_t seed = CoreConfig{}.seed;
  std::size_t workers = CoreConfig{}.workers;
  std::uint64_t epoch = CoreConfig{}.epoch;  ///< crash recovery: this incarnation (1 = first)
  KnobOverrides knobs;  ///< by knob name
};

/// The CoreConfig of `settings`, or the first problem: the policy or the amount (named as
/// their flags, --policy and --amount, like parse_policy()), or a knob (named by its flag,
/// knob_flag()). Does not range-check `self` and `root` (it does not know the topology).
///
///   CoreSettings s;
///   s.self = 3;
///   s.policy = "khop:2";
///   s.knobs["steal_timeout_s"] = 0.25;
///   mesh::Result<CoreConfig> config = make_core_config(s);
///   if (!config) return config.error();   // e.g. "--steal-timeout: cannot be negative, got -1"
mesh::Result<CoreConfig> make_core_config(const CoreSettings& settings);

}  // namespace leomesh::scheduler
