#pragma once
// TrainerState: the small key -> scalar/string map a trainer stores in a checkpoint's
// trainer.yaml (step, epoch, data position, RNG seed and offset, best metric, ...).
//
// Values keep their type through the YAML file: strings are written double-quoted, doubles
// always with a '.' or an exponent (shortest form that reads back to the same bits), so
// 5, 5.0, "5" and true come back as int, double, string and bool.
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "core/error.h"

namespace vcc::io {

class TrainerState {
 public:
  using Value = std::variant<bool, int64_t, double, std::string>;

  // Keys: letters, digits, '_', '-', '.'; setting a key again replaces its value.
  template <class T>
  void set(const std::string& key, const T& value) {
    if constexpr (std::is_same_v<T, bool>)
      set_value(key, Value(value));
    else if constexpr (std::is_integral_v<T>)
      set_value(key, Value(static_cast<int64_t>(value)));
    else if constexpr (std::is_floating_point_v<T>)
      set_value(key, Value(static_cast<double>(value)));
    else
      set_value(key, Value(std::string(value)));
  }

  bool has(const std::string& key) const { return values_.count(key) > 0; }
  // Typed reads; a missing key or another type is an error naming the key (get_double also
  // accepts an int value).
  int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::map<std::string, Value>& values() const { return values_; }

  // "key: value" lines sorted by key.
  std::string to_yaml() const;
  // Parses to_yaml() output; `source` names the file in errors.
  static TrainerState from_yaml(const std::string& text, const std::string& source);

  bool operator==(const TrainerState& other) const { return values_ == other.values_; }

 private:
  void set_value(const std::string& key, Value value);
  const Value& at(const std::string& key) const;

  std::map<std::string, Value> values_;
};

}  // namespace vcc::io
