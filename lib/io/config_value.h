#pragma once
// Typed option values as text: parsing scalars and command-line values, and writing values
// back as YAML that parses to the same value (doubles in shortest round-trip form).
#include <optional>
#include <string>

#include "io/config_registry.h"

namespace vcc::io {

// One scalar's text as a value of a scalar type (Bool, Int, Double, String), or nullopt:
//   bool:   true/false, yes/no, on/off (any case, as YAML 1.1)
//   int:    optional sign and decimal digits, within int64
//   double: decimal or exponent form, or inf/nan (also YAML's .inf, -.inf, .nan)
//   string: the text as is
std::optional<OptionValue> parse_scalar(OptionType type, const std::string& text);
// Element type of a list type (StringList -> String, ...); the type itself otherwise.
OptionType element_type(OptionType type);
bool is_list(OptionType type);
// A command-line value: scalars as parse_scalar; lists as a YAML flow sequence "[a, b]" or
// comma-separated "a,b" ("" and "[]" are the empty list).
std::optional<OptionValue> parse_option_text(OptionType type, const std::string& text);
// YAML for the value: "true", "16", "0.001", "adamw", quoted strings where YAML needs it,
// lists in flow style "[0.9, 0.98]".
std::string format_option_value(const OptionValue& value);
// A double's shortest text that reads back to the same bits, always with a '.' or exponent
// ("1.0", "0.001", "1e-06", ".inf", ".nan").
std::string format_double(double value);

}  // namespace vcc::io
