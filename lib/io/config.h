#pragma once
// Config: the effective option values over an OptionRegistry, merged from defaults < YAML
// files (in order) < command-line "key=value" overrides; typed getters; YAML dump and
// atomic save. How subsystems declare options: see io/config_registry.h.
//
// YAML files hold nested maps, dotted keys, or both:
//   optim:
//     lr: 3.0e-4
//     betas: [0.9, 0.98]
//   model.vcc.block_size: 16
// Every error is one line naming the file (with line and column where known), the key,
// and what was expected:
//   task.yaml:3:3: unknown option 'optim.lrr' (did you mean 'optim.lr'?)
//   task.yaml:4:10: option 'optim.lr' expects a double, got 'fast'
//   command line: option 'schedule.warmup_steps' expects an int, got '1e3'
//   task.yaml:7:1: malformed YAML: end of map not found
//   config file 'missing.yaml' not found
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "io/config_registry.h"

namespace vcc::io {

class Config {
 public:
  // Every option at its default.
  explicit Config(OptionRegistry registry);
  // Defaults, then each file in order, then each override in order.
  static Config load(const OptionRegistry& registry, const std::vector<std::string>& files,
                     const std::vector<std::string>& overrides = {});

  // Sets the options a YAML file names (later calls override earlier ones). Setting the same
  // option twice inside one file is an error.
  void merge_file(const std::string& path);
  // Same for YAML text; `source` names it in messages.
  void merge_yaml(const std::string& text, const std::string& source);
  // "key=value" from the command line; the value is parsed with the option's type (lists as
  // "[a, b]" or "a,b").
  void apply_override(const std::string& assignment);
  void apply_overrides(const std::vector<std::string>& assignments);

  // Typed getters: T must match the option's type (int and int64_t both read an int option;
  // std::vector<int> an int list). A wrong T or unknown key is a programming error.
  template <class T>
  T get(const std::string& key) const;
  // Sets a value from code (same type rules as get).
  template <class T>
  void set(const std::string& key, const T& value);
  const OptionValue& value(const std::string& key) const;
  bool is_default(const std::string& key) const;

  // The effective configuration as YAML: every option (or those under `section`, e.g.
  // "model"), nested by group in registration order, each preceded by its help as a comment
  // when with_help. Loading the text back gives the same values.
  std::string dump(const std::string& section = "", bool with_help = true) const;
  // Writes dump(section, with_help) to `path` via a temporary file renamed into place.
  void save(const std::string& path, const std::string& section = "", bool with_help = true) const;

  const OptionRegistry& registry() const { return registry_; }

 private:
  void set_value(const std::string& key, OptionValue value);

  OptionRegistry registry_;
  std::vector<OptionValue> values_;  // parallel to registry_.specs()
};

// Writes `text` to `path` through "<path>.tmp-<pid>" and a rename, so readers see the old
// file or the new one, never a partial one. Errors name the path.
void write_text_file_atomically(const std::string& path, const std::string& text);
// The whole file; an error naming it if it is missing or unreadable.
std::string read_text_file(const std::string& path, const std::string& what = "file");

// ---- implementation of the typed accessors ----
namespace detail {
// The OptionValue alternative that stores a C++ type T.
template <class T>
auto stored_type() {
  if constexpr (std::is_same_v<T, bool>) return bool{};
  else if constexpr (std::is_integral_v<T>) return int64_t{};
  else if constexpr (std::is_floating_point_v<T>) return double{};
  else if constexpr (std::is_same_v<T, std::vector<int>>) return std::vector<int64_t>{};
  else return T{};
}
template <class T>
using stored_t = decltype(stored_type<T>());
[[noreturn]] void wrong_option_type(const std::string& key, OptionType stored, OptionType requested);
}  // namespace detail

template <class T>
T Config::get(const std::string& key) const {
  using S = detail::stored_t<T>;
  const OptionValue& v = value(key);
  const S* p = std::get_if<S>(&v);
  if (!p) detail::wrong_option_type(key, option_type_of(v), option_type_of(OptionValue(S{})));
  if constexpr (std::is_same_v<T, std::vector<int>>) {
    T out;
    for (int64_t x : *p) {
      VCC_USER_CHECK(x >= std::numeric_limits<int>::min() && x <= std::numeric_limits<int>::max(), "option '", key,
                     "': value ", x, " does not fit an int");
      out.push_back(static_cast<int>(x));
    }
    return out;
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, int64_t>) {
    VCC_USER_CHECK(*p >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                       static_cast<uint64_t>(*p) <= static_cast<uint64_t>(std::numeric_limits<T>::max()),
                   "option '", key, "': value ", *p, " is out of range here");
    return static_cast<T>(*p);
  } else {
    return static_cast<T>(*p);
  }
}

template <class T>
void Config::set(const std::string& key, const T& value) {
  set_value(key, to_option_value(value));
}

}  // namespace vcc::io
