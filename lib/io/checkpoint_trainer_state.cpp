#include "io/checkpoint_trainer_state.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <sstream>

#include "io/config_value.h"

namespace vcc::io {
namespace {

bool valid_key(const std::string& key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

const char* type_with_article(const TrainerState::Value& v) {
  switch (v.index()) {
    case 0: return "a bool";
    case 1: return "an int";
    case 2: return "a double";
    default: return "a string";
  }
}

}  // namespace

void TrainerState::set_value(const std::string& key, Value value) {
  VCC_CHECK(valid_key(key), "trainer state key '", key, "' must be letters, digits, '_', '-' or '.'");
  values_[key] = std::move(value);
}

const TrainerState::Value& TrainerState::at(const std::string& key) const {
  auto it = values_.find(key);
  VCC_USER_CHECK(it != values_.end(), "trainer state has no '", key, "'");
  return it->second;
}

int64_t TrainerState::get_int(const std::string& key) const {
  const Value& v = at(key);
  VCC_USER_CHECK(std::holds_alternative<int64_t>(v), "trainer state '", key, "' is ", type_with_article(v),
                 ", not an int");
  return std::get<int64_t>(v);
}

double TrainerState::get_double(const std::string& key) const {
  const Value& v = at(key);
  if (std::holds_alternative<int64_t>(v)) return static_cast<double>(std::get<int64_t>(v));
  VCC_USER_CHECK(std::holds_alternative<double>(v), "trainer state '", key, "' is ", type_with_article(v),
                 ", not a double");
  return std::get<double>(v);
}

const std::string& TrainerState::get_string(const std::string& key) const {
  const Value& v = at(key);
  VCC_USER_CHECK(std::holds_alternative<std::string>(v), "trainer state '", key, "' is ", type_with_article(v),
                 ", not a string");
  return std::get<std::string>(v);
}

bool TrainerState::get_bool(const std::string& key) const {
  const Value& v = at(key);
  VCC_USER_CHECK(std::holds_alternative<bool>(v), "trainer state '", key, "' is ", type_with_article(v), ", not a bool");
  return std::get<bool>(v);
}

std::string TrainerState::to_yaml() const {
  std::ostringstream os;
  for (const auto& [key, v] : values_) {
    os << key << ": ";
    switch (v.index()) {
      case 0: os << (std::get<bool>(v) ? "true" : "false"); break;
      case 1: os << std::get<int64_t>(v); break;
      case 2: os << format_double(std::get<double>(v)); break;
      default: {
        YAML::Emitter e;
        e << YAML::DoubleQuoted << std::get<std::string>(v);
        os << e.c_str();
      }
    }
    os << "\n";
  }
  return os.str();
}

TrainerState TrainerState::from_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    VCC_USER_CHECK(false, source, ":", e.mark.line + 1, ": malformed YAML: ", e.msg);
  }
  TrainerState state;
  if (root.IsNull()) return state;
  VCC_USER_CHECK(root.IsMap(), source, ": trainer state must be a map of key: value");
  for (const auto& entry : root) {
    const YAML::Node k = entry.first;
    const YAML::Node v = entry.second;
    const int line = v.Mark().line + 1;
    VCC_USER_CHECK(k.IsScalar() && valid_key(k.Scalar()), source, ":", line, ": bad trainer state key");
    const std::string key = k.Scalar();
    VCC_USER_CHECK(v.IsScalar(), source, ":", line, ": trainer state '", key, "' must be a scalar");
    const std::string& s = v.Scalar();
    if (v.Tag() == "!") {  // quoted in the file: a string whatever it looks like
      state.set_value(key, Value(s));
    } else if (s == "true" || s == "false") {
      state.set_value(key, Value(s == "true"));
    } else if (auto i = parse_scalar(OptionType::Int, s)) {
      state.set_value(key, Value(std::get<int64_t>(*i)));
    } else if (auto d = parse_scalar(OptionType::Double, s)) {
      state.set_value(key, Value(std::get<double>(*d)));
    } else {
      state.set_value(key, Value(s));  // a plain string written by hand
    }
  }
  return state;
}

}  // namespace vcc::io
