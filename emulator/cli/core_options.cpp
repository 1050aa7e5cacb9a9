// The scheduler core's knobs as command-line flags, one per row of scheduler::core_knobs().
#include "cli.hpp"

namespace leomesh::cli {

void add_core_knob_options(CLI::App& cmd, scheduler::KnobOverrides& into) {
  const scheduler::CoreConfig defaults;
  for (const scheduler::CoreKnob& knob : scheduler::core_knobs()) {
    const std::string flag = scheduler::knob_flag(knob.name);
    // Durations take a unit ("500ms"); counts and hops are plain numbers.
    const std::string help = std::string(knob.help) + (knob.seconds ? " (seconds, or e.g. 500ms; default " : " (default ") +
                             mesh::format_number(defaults.*knob.field) + ")";
    // Thrown here, a ValidationError is reported like any other bad flag: one line, exit 2.
    cmd.add_option_function<std::string>(
           flag,
           [&into, &knob, flag](const std::string& text) {
             auto number = knob.seconds ? parse_seconds(text, flag) : mesh::parse_number(text, flag);
             if (!number) throw CLI::ValidationError(flag, number.error().reason);
             auto value = scheduler::check_core_knob(knob, *number);
             if (!value) throw CLI::ValidationError(flag, value.error().reason);
             into[knob.name] = *value;
           },
           help)
        ->type_name(knob.seconds ? "SECONDS" : "NUMBER");
  }
}

}  // namespace leomesh::cli
