// fuzz_config: the firmware-config text parser and validator on arbitrary text, as
// `leomesh config validate` and `leomesh-agent --config` read a file.
//
// Invariants:
// - no crash and no undefined behaviour (ASan, UBSan in the fuzz build);
// - text that does not parse gets an error that says why; a configuration that parses is
//   either refused with problems that each name a field and a reason, or it validates, and
//   then the agent's next step, its CoreConfig, can be made from it;
// - parse_text(to_text(config)) gives the same configuration back (NaN equal to NaN: a
//   tuning value may be one), and validating it again finds the same problems.
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "check.hpp"
#include "leomesh/firmware_config/config.hpp"

namespace {

using namespace leomesh;

bool same(const config::SatelliteConfig& a, const config::SatelliteConfig& b) {
  google::protobuf::util::DefaultFieldComparator nan_is_nan;
  nan_is_nan.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differ;
  differ.set_field_comparator(&nan_is_nan);
  return differ.Compare(a, b);
}

std::vector<std::string> messages(const std::vector<mesh::Error>& problems) {
  std::vector<std::string> out;
  for (const mesh::Error& e : problems) out.push_back(e.message());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = firmware_config::parse_text(text, "fuzz.conf");
  if (!parsed) {
    LEOMESH_FUZZ_CHECK(!parsed.error().reason.empty(), "a parse error says why");
    return 0;
  }
  const std::vector<mesh::Error> problems = firmware_config::validate(*parsed);
  for (const mesh::Error& e : problems)
    LEOMESH_FUZZ_CHECK(!e.parameter.empty() && !e.reason.empty(), "each problem names a field and a reason");
  if (problems.empty()) {
    const auto core = scheduler::make_core_config(firmware_config::core_settings(*parsed));
    LEOMESH_FUZZ_CHECK(core.ok(), "a valid configuration makes a CoreConfig");
    firmware_config::validate_together({*parsed});
  }

  auto again = firmware_config::parse_text(firmware_config::to_text(*parsed), "printed.conf");
  LEOMESH_FUZZ_CHECK(again.ok(), "a printed configuration parses");
  LEOMESH_FUZZ_CHECK(same(*parsed, *again), "parse(print(config)) is the same configuration");
  LEOMESH_FUZZ_CHECK(messages(firmware_config::validate(*again)) == messages(problems),
                     "the printed configuration has the same problems");
  return 0;
}
