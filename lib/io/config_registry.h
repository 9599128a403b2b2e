#pragma once
// OptionRegistry: the typed catalogue of configuration options (dotted key, type, default,
// help line) that every subsystem adds its options to; Config (io/config.h) holds values.
//
// How a subsystem declares its options — one function next to the code that reads them:
//
//   void register_vcc_options(io::OptionRegistry& r) {
//     r.add("model.vcc.block_size", 16, "Tokens per coarse block (b).")
//      .add("model.vcc.scale_correction", true, "Add log(count) to attention logits of merged blocks.")
//      .add<std::vector<int64_t>>("model.vcc.layers", {4, 8}, "Standard and VCC layer counts.");
//   }
//
// and the app builds one registry from all of them before loading files:
//
//   io::OptionRegistry r;
//   register_vcc_options(r);
//   optim::register_optim_options(r);
//   io::Config cfg = io::Config::load(r, {"base.yaml", "task.yaml"}, {"optim.lr=3e-4"});
//   int64_t b = cfg.get<int64_t>("model.vcc.block_size");
//
// Types follow the default's C++ type: bool; int/int64_t -> int; float/double -> double;
// const char*/std::string -> string; std::vector<std::string>, std::vector<int64_t>,
// std::vector<double> -> lists. Name the type for braced lists: add<std::vector<double>>(...).
// Keys are dot-separated names of [A-Za-z0-9_-]; the part before the last dot is the
// group the option is dumped under ("model.vcc"), so a key may not also be a group.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/error.h"

namespace vcc::io {

enum class OptionType { Bool, Int, Double, String, StringList, IntList, DoubleList };

using OptionValue = std::variant<bool, int64_t, double, std::string, std::vector<std::string>, std::vector<int64_t>,
                                 std::vector<double>>;

// "bool", "int", "double", "string", "list of strings", "list of ints", "list of doubles".
std::string_view option_type_name(OptionType type);
OptionType option_type_of(const OptionValue& value);

struct OptionSpec {
  std::string key;
  OptionType type;
  OptionValue default_value;
  std::string help;
};

// The OptionValue for a C++ value, by the type rules above.
template <class T>
OptionValue to_option_value(const T& v) {
  if constexpr (std::is_same_v<T, bool>) {
    return v;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<int64_t>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(v);
  } else if constexpr (std::is_convertible_v<T, std::string> && !std::is_same_v<T, std::nullptr_t>) {
    return std::string(v);
  } else if constexpr (std::is_same_v<T, std::vector<int>>) {
    return std::vector<int64_t>(v.begin(), v.end());
  } else {
    static_assert(std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, std::vector<int64_t>> ||
                      std::is_same_v<T, std::vector<double>>,
                  "option type must be bool, an integer, a floating-point number, a string or a list of those");
    return v;
  }
}

class OptionRegistry {
 public:
  // Registers an option; a repeated key, a bad key, a key that clashes with a group, or an
  // empty or multi-line help is a programming error.
  template <class T>
  OptionRegistry& add(const std::string& key, const T& default_value, const std::string& help) {
    return add_value(key, to_option_value(default_value), help);
  }

  bool has(const std::string& key) const { return index_.count(key) > 0; }
  // True for a proper prefix of some key, e.g. "model" and "model.vcc" for "model.vcc.k".
  bool is_group(const std::string& prefix) const { return groups_.count(prefix) > 0; }
  // The option's spec; an unknown key is an error that suggests the nearest one.
  const OptionSpec& spec(const std::string& key) const;
  // All options in registration order.
  const std::vector<OptionSpec>& specs() const { return specs_; }
  // The registered key with the smallest edit distance to `key` ("" if none registered).
  std::string nearest_key(const std::string& key) const;
  // Listing for --help: one line per option, "key (type, default value)  help", grouped by
  // top-level section; only options under `section` when given (e.g. "optim").
  std::string help(const std::string& section = "") const;

 private:
  OptionRegistry& add_value(const std::string& key, OptionValue default_value, const std::string& help);

  std::vector<OptionSpec> specs_;
  std::map<std::string, size_t> index_;  // key -> position in specs_
  std::map<std::string, int> groups_;    // every proper dotted prefix of a key
};

// Levenshtein distance (insertions, deletions, substitutions), for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace vcc::io
